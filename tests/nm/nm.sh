# shellcheck shell=bash source-path=SCRIPTDIR
# The NetworkManager test harness: sourced by tests/nm/t-*.sh and
# bench/nmcli-up.sh. On top of tests/integration/lib.sh (namespaces, the
# strongSwan gateway, the PKI, cleanup by PID), it runs a real
# NetworkManager in the client namespace:
#
#   client rc-$$: NetworkManager, out0 192.0.2.2 (static, managed by NM)
#       ---- 192.0.2.1 gateway rg-$$ (charon) 10.1.0.1 ---- 10.1.0.10 lan rl-$$
#
# NetworkManager lives in a box: the client's network namespace plus a
# private mount namespace (nm-box.sh) with its own /run, its own system bus
# (dbus-daemon with this harness's configuration) and the project installed
# by `meson install --destdir` and laid over its prefix, so NetworkManager
# reads rove's .name file, starts rove's programs and the bus loads rove's
# policies from the installed tree, as on a real system, without a second
# build or a write outside the run's directory.
#
# Environment (meson passes them): ROVE_BUILD_DIR, the configured build
# directory to install from; ROVE_PREFIX, its prefix; ROVE_NM_DEST, an
# installed tree to use instead (tests/vm/s-nm-kernel.sh).

NM_TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../integration/lib.sh
. "$NM_TESTS_DIR/../integration/lib.sh"

ROVE_BUILD_DIR=${ROVE_BUILD_DIR:-}
ROVE_PREFIX=${ROVE_PREFIX:-/usr/local}
NM_DIR=""       # the box's files: bus and NetworkManager configuration, logs
NM_DEST=""      # the destdir the project was installed into
NM_BOX_PID=""   # the box's dbus-daemon: nsenter's target
NM_PID=""       # NetworkManager
NM_ETH=nm-eth   # the ethernet connection on out0

# Root, the tools, the run's directory (lib.sh's integ_init) and the box's.
nm_init() {
	integ_init
	need_tools dbus-daemon nsenter setpriv
	NM_DIR=$WORK/nm
	mkdir -p "$NM_DIR"
}

# nm_install: `meson install` of the build into $WORK/dest. Without a build
# directory (ROVE_BUILD_DIR) the rove side cannot be tested: skip.
# ROVE_NM_DEST: a destdir the caller installed into already (the VM tier
# installs on the host, tests/vm/run.sh): used as it is.
nm_install() {
	if [ -n "${ROVE_NM_DEST:-}" ]; then
		NM_DEST=$ROVE_NM_DEST
		return 0
	fi
	[ -n "$ROVE_BUILD_DIR" ] || skip "ROVE_BUILD_DIR is not set (meson test sets it)"
	[ -d "$ROVE_PREFIX" ] || skip "the prefix $ROVE_PREFIX does not exist: the box lays the installed tree over it"
	NM_DEST=$WORK/dest
	meson install -C "$ROVE_BUILD_DIR" --no-rebuild --quiet --destdir "$NM_DEST" \
		>"$WORK/install.log" 2>&1 || die "meson install failed:
$(tail -n 20 "$WORK/install.log")"
}

# Whether the installed tree has this file (a path under the prefix).
nm_installed() { [ -e "$NM_DEST$ROVE_PREFIX/$1" ]; }

# The network: as lib.sh's setup_net, but the client's uplink has no
# address: NetworkManager configures it. nm_net [LAN]: LAN is net.sh's
# gw_lan (the default) or gw_lan6 (a dual-stack LAN).
nm_net() {
	add_ns "$NS_C"
	add_ns "$NS_G"
	add_ns "$NS_L"
	ip link add out0 netns "$NS_C" type veth peer name out0 netns "$NS_G"
	ip -n "$NS_G" addr add 192.0.2.1/24 dev out0
	ip -n "$NS_G" link set out0 up
	CLIENT_ADDR=192.0.2.2
	GW_ADDR=192.0.2.1
	"${1:-gw_lan}" 'iifname "out0"'
}

# The box's system bus: the usual system policy, the system's policy files
# (NetworkManager's, NetworkManager-strongswan's) and the installed tree's;
# activatable services from the installed tree only. It runs as root
# without a helper, so it starts activated services itself.
nm_bus_conf() {
	"$NM_TESTS_DIR/bus-conf.sh" unix:path=/run/dbus/system_bus_socket \
		"$ROVE_PREFIX/share/dbus-1/system.d" "$ROVE_PREFIX/share/dbus-1/system-services"
}

# charon-nm (NetworkManager-strongswan) as the box runs it: kernel-libipsec,
# since the host kernel has no ESP, and a log file of its own.
nm_charon_conf() {
	cat <<EOF
charon-nm {
	load = ${CHARON_PLUGINS//$'\n'/}
	ca_dir = $NM_DIR/empty-ca
	filelog {
		nm {
			path = $NM_DIR/charon-nm.log
			time_format = %T
			default = 1
			ike = 2
		}
	}
	plugins {
		kernel-libipsec {
			allow_peer_ts = yes
		}
	}
}
EOF
}

# The box's files (nm-box.sh mounts them).
nm_box_files() {
	local f
	nm_bus_conf >"$NM_DIR/system-bus.conf"
	nm_charon_conf >"$NM_DIR/strongswan.conf"
	mkdir -p "$NM_DIR/empty-ca"
	printf '127.0.0.1 localhost\n%s %s\n' "$GW_ADDR" "$GW_NAME" >"$NM_DIR/hosts"
	cat >"$NM_DIR/NetworkManager.conf" <<EOF
[main]
plugins=keyfile
dns=none
no-auto-default=*
auth-polkit=false

[keyfile]
path=/run/nm-connections

[logging]
level=INFO
domains=DEFAULT,VPN:DEBUG,VPN_PLUGIN:DEBUG
EOF
	# NetworkManager and nmcli read .name files from
	# /usr/lib/NetworkManager/VPN: the system's (NetworkManager-strongswan)
	# and the installed tree's.
	mkdir -p "$NM_DIR/vpn"
	for f in /usr/lib/NetworkManager/VPN/*.name "$NM_DEST$ROVE_PREFIX"/lib/NetworkManager/VPN/*.name; do
		[ -e "$f" ] && cp "$f" "$NM_DIR/vpn/"
	done
	return 0
}

# nm_in CMD...: runs a command inside the box (its mounts, the client's
# network namespace), e.g. nm_in gdbus call --system ...
# -r: the box's root directory too. Entering a mount namespace puts a
# process at that namespace's real root; when the tests run in a chroot
# (a build root, a container made with chroot) that is not the root the box
# sees, and without -r /run/dbus would be the outer system's, not the box's.
# -w: the box's working directory (dbus-daemon's, the test's directory as
# the box sees it); with -r alone the command would keep a working
# directory of the outer mount namespace, which getcwd() cannot name there
# (python3 then fails to import gi).
nm_in() {
	nsenter -t "$NM_BOX_PID" -m -n -r -w -- "$@"
}

# nm_cli ARGS...: nmcli in the box.
nm_cli() { nm_in nmcli "$@"; }

nm_running() { nm_cli -t -f RUNNING general 2>/dev/null | grep -qx running; }
nm_has_device() { nm_cli -t -f DEVICE device 2>/dev/null | grep -qx "$1"; }

# nm_box: the box and its system bus, without NetworkManager (for tests of
# the bus side alone). Needs nm_install and the network.
nm_box() {
	local dest=${NM_DEST:-$WORK/no-dest}
	mkdir -p "$dest$ROVE_PREFIX"
	nm_box_files
	ip netns exec "$NS_C" unshare -m --propagation private \
		"$NM_TESTS_DIR/nm-box.sh" "$NM_DIR" "$dest" "$ROVE_PREFIX" \
		>"$NM_DIR/box.log" 2>&1 &
	NM_BOX_PID=$!
	PIDS+=("$NM_BOX_PID")
	# quiet: nsenter fails until the box has entered its namespaces
	wait_for 100 nm_in test -S /run/dbus/system_bus_socket 2>/dev/null && return 0
	kill -0 "$NM_BOX_PID" 2>/dev/null ||
		die "the box's system bus did not start: the box (tests/nm/nm-box.sh, then dbus-daemon) exited; its output:
$(cat "$NM_DIR/box.log")"
	die "the box's system bus did not start: dbus-daemon (PID $NM_BOX_PID) runs, but \`nsenter -t $NM_BOX_PID -m -n -r -w\` finds no /run/dbus/system_bus_socket after 10 s (check that nsenter can enter the box and dbus-daemon's output:
$(cat "$NM_DIR/box.log"))"
}

# nm_start: the box, NetworkManager in it, and the uplink out0 managed by
# NetworkManager with a static address and a default route (a VPN
# activation without a default route fails: "Could not find source
# connection").
nm_start() {
	nm_box
	# nsenter itself, not the nm_in function (a subshell), so that $! is
	# NetworkManager's PID
	nsenter -t "$NM_BOX_PID" -m -n -r -w -- \
		NetworkManager --debug --config="$NM_DIR/NetworkManager.conf" \
		>"$NM_DIR/nm.log" 2>&1 &
	NM_PID=$!
	# stopped first: before the bus it talks to
	PIDS=("$NM_PID" "${PIDS[@]}")
	wait_for 300 nm_running || die "NetworkManager did not start:
$(tail -n 20 "$NM_DIR/nm.log")"
	wait_for 100 nm_has_device out0 || die "NetworkManager does not see out0"
	nm_cli device set out0 managed yes
	nm_cli connection add type ethernet ifname out0 con-name "$NM_ETH" \
		ipv4.method manual ipv4.addresses "$CLIENT_ADDR/24" ipv4.gateway "$GW_ADDR" \
		ipv6.method disabled connection.autoconnect no >/dev/null ||
		die "nmcli could not add the ethernet connection"
	nm_cli connection up "$NM_ETH" >"$NM_DIR/eth-up.out" 2>&1 ||
		die "the ethernet connection did not come up: $(cat "$NM_DIR/eth-up.out")"
}

# NetworkManager's log: the whole of it, its length, and how many lines
# match an extended regex (after line $2 when given, as gw_log_count).
nm_log() { cat "$NM_DIR/nm.log"; }
nm_log_lines() { wc -l <"$NM_DIR/nm.log"; }
nm_log_count() {
	tail -n +"$((${2:-0} + 1))" "$NM_DIR/nm.log" | grep -cE -- "$1" || true
}

# nm_field CONNECTION FIELD: one field of `nmcli connection show` (e.g.
# GENERAL.STATE, IP4.ADDRESS), all values on one line each.
nm_field() {
	nm_cli -g "$2" connection show "$1" 2>/dev/null
}
nm_active() { [ "$(nm_field "$1" GENERAL.STATE)" = activated ]; }
nm_inactive() { ! nm_cli -t -f NAME connection show --active | grep -qxF "$1"; }

# nm_add_strongswan NAME: a NetworkManager-strongswan connection to the
# gateway: EAP-MSCHAPv2 as alice, the gateway proven by the test CA.
nm_add_strongswan() {
	nm_cli connection add type vpn con-name "$1" vpn-type strongswan \
		connection.autoconnect no ipv4.method auto ipv6.method ignore \
		vpn.data "address=$GW_NAME, certificate=$PKI_DIR/ca.pem, method=eap, user=$EAP_USER, virtual=yes, encap=no, ipcomp=no, proposal=no, password-flags=0" \
		vpn.secrets "password=$EAP_PASSWORD" >/dev/null
}

# nm_add_rove NAME [vpn.data ...]: a rove connection to the gateway:
# EAP-MSCHAPv2 as alice, the gateway proven by the test CA (the vpn.data
# keys are the profile's, docs/profile.md), the password in vpn.secrets.
nm_add_rove() {
	local name=$1
	shift
	nm_cli connection add type vpn con-name "$name" vpn-type rove \
		connection.autoconnect no ipv4.method auto \
		vpn.data "${*:-server=$GW_ADDR, remote-id=$GW_NAME, user=$EAP_USER, ca=$PKI_DIR/ca.pem}" \
		vpn.secrets "password=$EAP_PASSWORD" >/dev/null
}

# What a VPN connection left in the client namespace beside the uplink and
# NetworkManager's own configuration of it: devices other than lo and out0,
# addresses other than out0's, XFRM states and policies (socket bypass
# policies aside), rules beyond the three defaults, routes outside the main
# and local tables and main-table routes other than out0's. One line each;
# lines matching the extended regex $1 are left out (what a still-running
# charon-nm keeps: its TUN devices and its rule).
nm_leftovers() {
	local ignore=${1:-^$}
	{
		ip -n "$NS_C" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' |
			grep -vxE 'lo|out0' | sed 's/^/device /'
		ip -n "$NS_C" -o addr show | grep -vE '^[0-9]+: (lo|out0) ' | sed 's/^/address /'
		ip -n "$NS_C" -o -4 addr show dev out0 | grep -v "inet $CLIENT_ADDR/" | sed 's/^/address /'
		ip -n "$NS_C" xfrm state | grep '^src' | sed 's/^/xfrm state /'
		ip -n "$NS_C" xfrm policy | grep '^src' | sed 's/^/xfrm policy /'
		ip -n "$NS_C" rule show | grep -vE '^(0|32766|32767):' | sed 's/^/rule /'
		ip -n "$NS_C" route show table all | grep -E ' table ' |
			grep -vE ' table (local|main)' | sed 's/^/route /'
		ip -n "$NS_C" -6 route show table all | grep -E ' table ' |
			grep -vE ' table (local|main)' | sed 's/^/route /'
		ip -n "$NS_C" route show table main |
			grep -vE "^default via $GW_ADDR dev out0 |^192\.0\.2\.0/24 dev out0 " | sed 's/^/route /'
	} 2>/dev/null | grep -vE -- "$ignore"
}
nm_clean() { [ -z "$(nm_leftovers "$@")" ]; }
# nm_check_clean WHAT [IGNORE]: a check that nothing is left (waiting up to
# 3 s for NetworkManager to finish), naming what is.
nm_check_clean() {
	local what=$1
	shift
	if wait_for 30 nm_clean "$@"; then
		pass "$what"
	else
		flunk "$what"
		nm_leftovers "$@" | sed 's/^/    left: /'
	fi
}

# Adds NetworkManager's and charon-nm's logs to a failed test's output.
nm_show_logs() {
	local f
	for f in "$NM_DIR/nm.log" "$NM_DIR/charon-nm.log" "$NM_DIR/box.log"; do
		[ -s "$f" ] || continue
		say "--- tail of ${f#"$WORK"/}"
		tail -n 25 "$f"
	done
}

# nm_as USER CMD...: a command inside the box as USER (its own group, no
# others): what an ordinary user may do on the box's bus.
nm_as() {
	local user=$1
	shift
	nm_in setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups "$@"
}

# nm_status UUID PROPERTY [USER]: one property of rove's status object for
# a connection (docs/status-dbus.md) as gdbus prints it ("(<'connected'>,)"),
# read as USER (default nobody: root would pass the bus policy anyway).
nm_status() {
	nm_as "${3:-nobody}" gdbus call --system -d org.rove.Status1 \
		-o "/org/rove/Status1/connection/${1//-/_}" \
		-m org.freedesktop.DBus.Properties.Get org.rove.Status1.Connection "$2" 2>&1
}

# nm_request_name USER NAME: whether USER may own NAME on the box's bus
# (the D-Bus policy; the name is released again when the caller exits).
nm_request_name() {
	nm_as "$1" "$PYTHON" -c '
import sys
from gi.repository import Gio, GLib
bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
try:
    r = bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                      "RequestName", GLib.Variant("(su)", (sys.argv[1], 4)), None, 0, 5000, None)
except GLib.Error as e:
    sys.exit(e.message)
sys.exit(0 if r.unpack()[0] == 1 else "RequestName answered %d" % r.unpack()[0])
' "$2" 2>/dev/null
}

# A test's end: lib.sh's finish, with the box's logs when something failed.
nm_finish() {
	[ "$FAILED" -gt 0 ] && nm_show_logs
	finish
}

# Secrets hygiene (lib.sh's keep_evidence, tests/secrets-check.sh): beside
# what lib.sh keeps, the box's logs: NetworkManager's (with the rove
# service's own lines: NetworkManager runs it with its stdout and stderr),
# charon-nm's and the box's. Called after the teardown, so they are whole.
eval "lib_$(declare -f keep_evidence)"
keep_evidence() {
	local dest f
	lib_keep_evidence
	[ -n "${ROVE_TEST_EVIDENCE:-}" ] && [ -n "$NM_DIR" ] && [ -d "$NM_DIR" ] || return 0
	dest=$ROVE_TEST_EVIDENCE/$(basename "$0" .sh)-$SUFFIX
	[ -d "$dest" ] || return 0
	for f in nm.log charon-nm.log box.log; do
		[ -s "$NM_DIR/$f" ] && cp "$NM_DIR/$f" "$dest/nm_$f"
	done
	return 0
}

# Teardown: lib.sh stops the recorded daemons and then each process left
# in the namespaces one after the other, SIGTERM and up to 5 s each. In the
# box that is slow: charon-nm takes about 4 s to exit once NetworkManager
# is gone. Stop NetworkManager first, then signal everything else in the
# client namespace at once and give it 1 s together before SIGKILL (the
# namespace and the box's mounts go right after, with whatever a process
# had there); then lib.sh's teardown finds nothing left in it.
eval "lib_$(declare -f teardown)"
teardown() {
	local pid="" pids=()
	[ -n "$NM_PID" ] && stop_pid "$NM_PID"
	if [ -e "/run/netns/$NS_C" ]; then
		for pid in $(ip netns pids "$NS_C" 2>/dev/null); do
			kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
		done
		for _ in $(seq 10); do
			for pid in "${pids[@]}"; do
				kill -0 "$pid" 2>/dev/null && break
				pid=""
			done
			[ -z "$pid" ] && break
			sleep 0.1
		done
		for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
	fi
	lib_teardown
}
