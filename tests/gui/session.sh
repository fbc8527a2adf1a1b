#!/bin/bash
# session.sh: runs a command in a private headless desktop session for the
# GUI tests: Xvfb (a free display picked with -displayfd), a private session
# D-Bus, GDK_BACKEND=x11, GSK_RENDERER=cairo (no software GL on a small CI
# machine), XDG directories inside the session directory (nothing written to
# $HOME). Optional: an unlocked gnome-keyring, a StatusNotifierWatcher.
#
#   session.sh [--screen WxHxD] [--keyring PASSWORD] [--watcher] [--dir DIR] -- COMMAND...
#
# COMMAND sees DISPLAY, XAUTHORITY, DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR,
# XDG_CONFIG_HOME, XDG_CACHE_HOME, XDG_DATA_HOME, GDK_BACKEND, GSK_RENDERER
# and SESSION_DIR (logs of the daemons in $SESSION_DIR/log). Exit status:
# COMMAND's, or 77 (meson's "skipped") when Xvfb or dbus-daemon is missing,
# 125 when the session could not be set up. Every process started here, and
# their descendants, are ended by PID.
set -uo pipefail

screen=1280x800x24 keyring= watcher=0 dir= keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--screen) screen=${2:?}; shift 2 ;;
	--keyring) keyring=${2:?a keyring password must not be empty}; shift 2 ;;
	--watcher) watcher=1; shift ;;
	--dir) dir=${2:?}; keep=1; shift 2 ;;
	--) shift; break ;;
	-*) echo "session.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: session.sh [OPTIONS] -- COMMAND..." >&2; exit 2; }
for t in Xvfb xauth dbus-daemon; do
	command -v "$t" >/dev/null || { echo "session.sh: $t is not installed" >&2; exit 77; }
done

started=() cmd_pid= x_pid= bus_pid=
say() { echo "session.sh: $*" >&2; }

# The descendants of the given PIDs, from /proc/*/stat.
descendants() {
	local -A kids=()
	local st line rest p x queue=("$@") out=()
	for st in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$st" || continue
		rest=${line##*) }; rest=${rest#* }
		p=${st#/proc/}; kids[${rest%% *}]+=" ${p%/stat}"
	done
	while [ ${#queue[@]} -gt 0 ]; do
		x=${queue[0]}; queue=("${queue[@]:1}")
		for p in ${kids[$x]:-}; do out+=("$p"); queue+=("$p"); done
	done
	echo "${out[@]:-}"
}

cleanup() {
	local rc=$? pids p i alive=
	trap - EXIT INT TERM HUP
	# everything we started and its descendants; the bus and X last
	pids=$(printf '%s\n' $cmd_pid "${started[@]}" $(descendants $cmd_pid "${started[@]}" $bus_pid) |
		grep -vx -e "$$" -e "${bus_pid:-x}" -e "${x_pid:-x}" | sort -un)
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for i in $(seq 30); do
		alive=; for p in $pids; do kill -0 "$p" 2>/dev/null && alive+=" $p"; done
		[ -z "$alive" ] && break; sleep 0.1
	done
	for p in $alive; do kill -KILL "$p" 2>/dev/null; done
	for p in $bus_pid $x_pid; do kill -TERM "$p" 2>/dev/null; done
	for p in $bus_pid $x_pid; do wait "$p" 2>/dev/null; done
	[ "$keep" = 0 ] && [ -n "$dir" ] && rm -rf "$dir"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

fail() { say "$*"; tail -n 20 "$dir"/log/*.log >&2 2>/dev/null; exit 125; }
wait_for() { # tenths of a second, command
	local n=$1; shift
	while [ "$n" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}

[ -n "$dir" ] || dir=$(mktemp -d "${TMPDIR:-/tmp}/rove-session.XXXXXX") || fail "mktemp failed"
mkdir -p "$dir"/run "$dir"/config "$dir"/cache "$dir"/data "$dir"/log && chmod 700 "$dir" "$dir/run" ||
	fail "cannot use $dir"
dir=$(readlink -f "$dir")
export SESSION_DIR=$dir XDG_RUNTIME_DIR=$dir/run XDG_CONFIG_HOME=$dir/config \
	XDG_CACHE_HOME=$dir/cache XDG_DATA_HOME=$dir/data
unset DBUS_SESSION_BUS_ADDRESS WAYLAND_DISPLAY AT_SPI_BUS_ADDRESS SESSION_MANAGER

# X: Xvfb writes the display number it picked to fd 3 once it is ready.
export XAUTHORITY=$dir/Xauthority
cookie=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
: >"$XAUTHORITY"
xauth -q -f "$XAUTHORITY" add :0 MIT-MAGIC-COOKIE-1 "$cookie" || fail "xauth failed"
Xvfb -displayfd 3 -screen 0 "$screen" -nolisten tcp -auth "$XAUTHORITY" \
	3>"$dir/display" >"$dir/log/xvfb.log" 2>&1 &
x_pid=$!
wait_for 200 grep -q '^[0-9]' "$dir/display" || fail "Xvfb did not start"
export DISPLAY=:$(head -n1 "$dir/display")
xauth -q -f "$XAUTHORITY" add "$DISPLAY" MIT-MAGIC-COOKIE-1 "$cookie"

# The session bus; services it activates inherit the environment set above.
export GDK_BACKEND=x11 GSK_RENDERER=${GSK_RENDERER:-cairo}
dbus-daemon --session --nofork --nopidfile --address="unix:path=$XDG_RUNTIME_DIR/bus" \
	--print-address=4 4>"$dir/bus-address" >"$dir/log/dbus.log" 2>&1 &
bus_pid=$!
wait_for 200 grep -q . "$dir/bus-address" || fail "dbus-daemon did not start"
export DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$dir/bus-address")

name_owned() {
	gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
		-m org.freedesktop.DBus.NameHasOwner "$1" 2>/dev/null | grep -q true
}
if [ -n "$keyring" ]; then
	printf '%s' "$keyring" | gnome-keyring-daemon --foreground --unlock --components=secrets \
		>"$dir/log/keyring.log" 2>&1 &
	started+=($!)
	wait_for 200 name_owned org.freedesktop.secrets || fail "gnome-keyring did not start"
fi
if [ "$watcher" = 1 ]; then
	status-notifier-watcher >"$dir/log/watcher.log" 2>&1 &
	started+=($!)
	wait_for 200 name_owned org.kde.StatusNotifierWatcher || fail "status-notifier-watcher did not start"
fi

"$@" <&0 &
cmd_pid=$!
wait "$cmd_pid"
