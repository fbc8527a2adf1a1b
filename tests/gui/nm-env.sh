#!/bin/sh
# A real NetworkManager for the app's tests, on a private system bus whose
# socket is a file in DIR, so that the app and nmcli outside NetworkManager's
# namespaces reach it through DBUS_SYSTEM_BUS_ADDRESS.
#
#   nm-env.sh bus DIR      the system bus only (NetworkManager not running)
#   nm-env.sh nm DIR       NetworkManager on that bus, in network namespace
#                          rove-gui-PID with a private mount namespace
#                          (tmpfs /run and /var/lib/NetworkManager, read-only
#                          /sys, so it runs without udev), keyfiles in DIR/conn
#   nm-env.sh stop DIR     ends both (by the PIDs in DIR) and the namespace
#
# Prints nothing; the bus address is unix:path=DIR/system_bus_socket.
# NM_ENV_VPN_DIR: a directory of VPN .name files bind-mounted over
# /usr/lib/NetworkManager/VPN inside NetworkManager's mount namespace.
set -eu
cmd=$1
dir=$(readlink -f "$2")
addr=unix:path=$dir/system_bus_socket

wait_for() { # tenths of a second, command
	n=$1; shift
	while [ "$n" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}

case $cmd in
bus)
	mkdir -p "$dir/system.d" "$dir/conn"
	chmod 755 "$dir"
	chmod 700 "$dir/conn"
	# system.conf's policy with our socket, no user switch, no activation helper
	"$(dirname "$0")/../nm/bus-conf.sh" "$addr" "$dir/system.d" >"$dir/system.conf"
	dbus-daemon --config-file="$dir/system.conf" --nofork --nopidfile \
		>"$dir/system-bus.log" 2>&1 &
	echo $! >"$dir/system-bus.pid"
	wait_for 100 test -S "$dir/system_bus_socket" || { echo "nm-env: the system bus did not start" >&2; exit 1; }
	;;
nm)
	[ -S "$dir/system_bus_socket" ] || "$0" bus "$dir"
	ns=rove-gui-$$
	ip netns add "$ns"
	echo "$ns" >"$dir/netns"
	ip -n "$ns" link set lo up
	cat >"$dir/NetworkManager.conf" <<CONF
[main]
plugins=keyfile
dns=none
auth-polkit=false
[keyfile]
path=$dir/conn
[logging]
level=INFO
domains=ALL:INFO,AGENTS:DEBUG,VPN:DEBUG
CONF
	vpn=${NM_ENV_VPN_DIR:-}
	DBUS_SYSTEM_BUS_ADDRESS=$addr ip netns exec "$ns" unshare -m --propagation private sh -c '
		mount -t tmpfs -o mode=755 none /run &&
		mount -t tmpfs -o mode=755 none /var/lib/NetworkManager &&
		umount -l /sys && mount -t sysfs -o ro sysfs /sys &&
		{ [ -z "$2" ] || mount --bind "$2" /usr/lib/NetworkManager/VPN; } &&
		exec NetworkManager --debug --config="$1"' sh "$dir/NetworkManager.conf" "$vpn" \
		>"$dir/nm.log" 2>&1 &
	echo $! >"$dir/nm.pid"
	DBUS_SYSTEM_BUS_ADDRESS=$addr wait_for 300 sh -c 'nmcli -t -f RUNNING general | grep -q running' ||
		{ echo "nm-env: NetworkManager did not start" >&2; tail -n 20 "$dir/nm.log" >&2; exit 1; }
	;;
stop)
	for f in nm system-bus; do
		[ -f "$dir/$f.pid" ] || continue
		pid=$(cat "$dir/$f.pid")
		kill "$pid" 2>/dev/null || true
		wait_for 50 sh -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null || true
		rm -f "$dir/$f.pid"
	done
	if [ -f "$dir/netns" ]; then
		ns=$(cat "$dir/netns")
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
		ip netns del "$ns" 2>/dev/null || true
		rm -f "$dir/netns"
	fi
	;;
*)
	echo "usage: $0 bus|nm|stop DIR" >&2
	exit 2
	;;
esac
