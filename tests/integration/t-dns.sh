#!/bin/bash
# DNS from mode-config through resolv.conf, and crash cleanup: rove up puts
# the gateway's server (10.1.0.53) first in /etc/resolv.conf, rove down
# puts the original bytes back, and after a kill -9 the next rove up or
# rove down of that name restores them and starts clean.
#
# `ip netns exec` bind-mounts /etc/netns/NS/resolv.conf over
# /etc/resolv.conf, so the client namespace gets a file of its own (the
# host's is never touched) and rove meets the bind mount it must write in
# place. Then the same through systemd-resolved, run privately in the
# client namespace (skipped when its package cannot be fetched).
# The helpers below run through trap, check and wait_for:
# shellcheck disable=SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init

NETNS_ETC=/etc/netns/$NS_C
NETNS_ETC_NEW=false
[ -d /etc/netns ] || NETNS_ETC_NEW=true
# Before lib.sh's cleanup, which takes the exit status from $?: the
# directory is ours (the name carries $$), and so is /etc/netns if it was
# not there before (and nobody else put something in it since).
status_is() { return "$1"; }
dns_cleanup() {
	local rc=$?
	set +e # lib.sh's set -e would end the trap at status_is otherwise
	rm -rf "$NETNS_ETC"
	if $NETNS_ETC_NEW; then rmdir /etc/netns 2>/dev/null; fi
	status_is "$rc"
	cleanup
}
trap dns_cleanup EXIT

setup_net
make_pki "$WORK/pki"
start_gw "$WORK/gw"
profile=$(profile_eap vpn)
J=$WORK/status-vpn.json

mkdir -p "$NETNS_ETC"
ORIG=$WORK/resolv.conf.orig
printf '%s\n' "# the client's own resolv.conf (t-dns)" "search home.example" \
	"nameserver 192.0.2.53" "options edns0 timeout:2" >"$ORIG"
cp "$ORIG" "$NETNS_ETC/resolv.conf"

# What rove and its session process see as /etc/resolv.conf.
resolv() { run_client cat /etc/resolv.conf; }
resolv_is_original() { resolv | cmp -s - "$ORIG"; }
first_nameserver() { resolv | sed -n 's/^nameserver[[:space:]]*//p' | head -n 1; }
resolv_has_line() { resolv | grep -qxF "$1"; }
resolv_is_ours() { resolv | head -n 1 | grep -qxF "# rove vpn: restore with rove down vpn"; }
no_leftovers() { ! ls "$RUN_DIR"/vpn.state "$RUN_DIR"/vpn.resolv.conf.bak >/dev/null 2>&1; }
show_resolv() { resolv | sed 's/^/    | /'; }
# Exited: no such process, or a zombie nobody reaps (containers) whose
# other threads (the datapath's workers) are gone too: until the last one
# exits, the control socket is still open.
gone() {
	! kill -0 "$1" 2>/dev/null || {
		[ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" = Z ] &&
			[ "$(find "/proc/$1/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)" -le 1 ]
	}
}

# A DNS server on the gateway's LAN at $LAN_DNS that answers every A
# query with $NAME_ADDR: a name resolving proves the query went through
# the tunnel (the gateway forwards nothing else to its LAN).
NAME=intranet.corp.test
NAME_ADDR=10.1.0.99
start_dns_server() {
	ip -n "$NS_L" addr add "$LAN_DNS/16" dev eth0
	in_ns "$NS_L" "$PYTHON" - "$LAN_DNS" "$NAME_ADDR" >"$WORK/dns-server.log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
addr = socket.inet_aton(sys.argv[2])
while True:
    q, peer = s.recvfrom(512)
    if len(q) < 12:
        continue
    end = 12
    while end < len(q) and q[end] != 0:
        end += q[end] + 1
    qtype = q[end + 1:end + 3]
    ans = b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + addr if qtype == b"\x00\x01" else b""
    hdr = q[:2] + b"\x81\x80\x00\x01" + (b"\x00\x01" if ans else b"\x00\x00") + b"\x00\x00\x00\x00"
    s.sendto(hdr + q[12:end + 5] + ans, peer)
PY
	PIDS+=("$!")
}
# What a program in the client namespace gets for $NAME (glibc's resolver).
resolves() { [ "$(run_client getent ahostsv4 "$NAME" 2>/dev/null | awk 'NR == 1 { print $1 }')" = "$NAME_ADDR" ]; }

start_dns_server
require "the client namespace sees its own resolv.conf" resolv_is_original
check "$NAME does not resolve without the tunnel" not resolves

# ---- up and down ----
require "rove up vpn exits 0" rove_to up up "$profile"
say "# /etc/resolv.conf in the client namespace while up"
show_resolv
check "the first nameserver is the gateway's $LAN_DNS" test "$(first_nameserver)" = "$LAN_DNS"
check "the file names the session to restore it" resolv_is_ours
check "the original's options line is kept" resolv_has_line "options edns0 timeout:2"
check "the host's /etc/resolv.conf is untouched" not grep -q "$LAN_DNS" /etc/resolv.conf
require "rove status vpn --json" rove_status_json vpn
check "status says dns_method resolv.conf" test "$(json_get "$J" dns_method)" = resolv.conf
check "the backup is in the run directory" test -s "$RUN_DIR/vpn.resolv.conf.bak"
check "$NAME resolves to $NAME_ADDR through the tunnel's DNS server" resolves

check "rove down vpn exits 0" rove_to down down vpn
check "rove down restores the exact original bytes" resolv_is_original
check "no state file or backup is left" no_leftovers

# ---- killed, then rove up of the same name ----
require "rove up vpn again" rove_to up2 up "$profile"
require "rove status vpn --json (for the pid)" rove_status_json vpn
pid=$(json_get "$J" pid)
require "the status names the session process ($pid)" test -n "$pid"
kill -9 "$pid"
check "the session process is gone after kill -9" wait_for 50 gone "$pid"
check "the crash left our resolv.conf behind (what cleanup must undo)" resolv_is_ours

check "rove up vpn after the crash exits 0" rove_to up3 up "$profile"
check "the backup holds the original again, not the crashed session's file" \
	grep -qF "# the client's own resolv.conf (t-dns)" "$RUN_DIR/vpn.resolv.conf.bak"
check "the first nameserver is again $LAN_DNS" test "$(first_nameserver)" = "$LAN_DNS"
check "rove down vpn exits 0" rove_to down3 down vpn
check "rove down restores the exact original after the crash" resolv_is_original
check "no state file or backup is left" no_leftovers

# ---- killed, then rove down of the same name ----
require "rove up vpn a third time" rove_to up4 up "$profile"
require "rove status vpn --json (for the pid)" rove_status_json vpn
pid=$(json_get "$J" pid)
kill -9 "$pid"
check "the session process is gone after kill -9" wait_for 50 gone "$pid"
rc=0
rove_to down4 down vpn || rc=$?
say "# rove down of a crashed session exited $rc"
check "rove down of the crashed session restores the original" resolv_is_original
check "no state file or backup is left" no_leftovers
check "the run directory holds no socket or pid file" run_dir_clean
check "rove status --json lists no session" rove_lists_no_session
check "no process is left in the client namespace" wait_for 30 client_ns_idle

# ---- systemd-resolved ----
# Debian's package would take over the host's /etc/resolv.conf, so it is
# never installed: apt-get download and dpkg -x into a cache, and the
# daemon runs in the client namespace with a private /run/systemd, its own
# system bus (DBUS_SYSTEM_BUS_ADDRESS, which rove, resolved and resolvectl
# follow)
# and a passwd file that knows its user.
RESOLVED_CACHE=${ROVE_RESOLVED_CACHE:-/var/cache/rove-resolved}

# Prints the unpacked package's root, fetching it once.
resolved_root() {
	local v root dl
	v=$(dpkg-query -W -f='${Version}' systemd 2>/dev/null) || return 1
	root=$RESOLVED_CACHE/systemd-resolved_$v
	if [ ! -x "$root/lib/systemd/systemd-resolved" ]; then
		mkdir -p "$RESOLVED_CACHE"
		dl=$(mktemp -d "$RESOLVED_CACHE/dl.XXXXXX")
		# resolved must match the installed libsystemd-shared exactly.
		if ! (cd "$dl" && apt-get download -q "systemd-resolved=$v" >/dev/null 2>&1); then
			rm -rf "$dl"
			return 1
		fi
		dpkg -x "$dl"/*.deb "$dl/root"
		rm -rf "$root"
		mv "$dl/root" "$root"
		rm -rf "$dl"
	fi
	echo "$root"
}

start_resolved() { # ROOT
	local d=$WORK/resolved
	cat >"$d/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>$DBUS_SYSTEM_BUS_ADDRESS</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
	cp /etc/passwd "$d/passwd"
	cp /etc/group "$d/group"
	echo "systemd-resolve:x:64953:64953:rove test resolver:/:/usr/sbin/nologin" >>"$d/passwd"
	echo "systemd-resolve:x:64953:" >>"$d/group"
	# dbus-daemon shares the mount namespace: it must know that user too.
	cat >"$d/run.sh" <<EOF
set -e
mount -t tmpfs -o mode=755 none /run/systemd
mkdir -p /run/systemd/resolve
chown 64953:64953 /run/systemd/resolve
mount --bind "$d/passwd" /etc/passwd
mount --bind "$d/group" /etc/group
dbus-daemon --config-file="$d/bus.conf" --fork
exec "$1/lib/systemd/systemd-resolved"
EOF
	in_ns "$NS_C" unshare -m --propagation private sh "$d/run.sh" >"$d/resolved.log" 2>&1 &
	PIDS+=("$!")
	wait_for 50 resolvectl_ok status
}

resolvectl_ok() { run_client "$RESOLVECTL" "$@" >/dev/null 2>&1; }
# `resolvectl dns`: one line per link, "Link N (NAME): SERVERS".
link_has() { run_client "$RESOLVECTL" dns 2>/dev/null | grep -F "($1)" | grep -qF "$2"; }
any_link_has() { run_client "$RESOLVECTL" dns 2>/dev/null | grep -qF "$1"; }
resolv_is_stub() { resolv | cmp -s - "$STUB"; }
no_record() { ! ls "$RUN_DIR"/vpn.resolved "$RUN_DIR"/vpn.state >/dev/null 2>&1; }

RROOT=""
if ! command -v dbus-daemon >/dev/null 2>&1; then
	say "# skipping the systemd-resolved part: dbus-daemon is not installed"
elif ! RROOT=$(resolved_root); then
	say "# skipping the systemd-resolved part: cannot fetch Debian's systemd-resolved" \
		"for systemd $(dpkg-query -W -f='${Version}' systemd 2>/dev/null)"
fi
if [ -n "$RROOT" ]; then
	RESOLVECTL=$RROOT/usr/bin/resolvectl
	mkdir -p "$WORK/resolved"
	# Abstract sockets belong to the network namespace: only the client
	# namespace sees this bus, and resolved's user needs no access to
	# $WORK.
	export DBUS_SYSTEM_BUS_ADDRESS="unix:abstract=rove-t-dns-$SUFFIX"
	STUB=$WORK/resolv.conf.stub
	printf '%s\n' "# resolved's stub (t-dns)" "nameserver 127.0.0.53" \
		"options edns0 trust-ad" >"$STUB"
	cp "$STUB" "$NETNS_ETC/resolv.conf"
	require "systemd-resolved runs on a private bus in the client namespace" \
		start_resolved "$RROOT"
	require "rove up vpn with resolved running" rove_to rup up "$profile"
	require "rove status vpn --json" rove_status_json vpn
	check "status says dns_method resolved" test "$(json_get "$J" dns_method)" = resolved
	say "# resolvectl dns while up"
	run_client "$RESOLVECTL" dns 2>&1 | sed 's/^/    | /'
	check "resolved has $LAN_DNS on the link rove-vpn" link_has rove-vpn "$LAN_DNS"
	check "resolv.conf (the stub) is left alone" resolv_is_stub
	check "$NAME resolves through resolved and the tunnel" resolves
	check "rove down vpn exits 0" rove_to rdown down vpn
	check "no link has $LAN_DNS after rove down" not any_link_has "$LAN_DNS"
	check "no resolved record or state file is left" no_record

	require "rove up vpn with resolved again" rove_to rup2 up "$profile"
	require "rove status vpn --json (for the pid)" rove_status_json vpn
	pid=$(json_get "$J" pid)
	kill -9 "$pid"
	check "the session process is gone after kill -9" wait_for 50 gone "$pid"
	check "the crash left the resolved record behind" test -s "$RUN_DIR/vpn.resolved"
	check "rove up vpn after the crash exits 0" rove_to rup3 up "$profile"
	check "resolved has $LAN_DNS on the new rove-vpn" link_has rove-vpn "$LAN_DNS"
	check "rove down vpn exits 0" rove_to rdown3 down vpn
	check "no link has $LAN_DNS after rove down" not any_link_has "$LAN_DNS"
	check "no resolved record or state file is left" no_record
	check "resolv.conf (the stub) is still left alone" resolv_is_stub
fi
finish
