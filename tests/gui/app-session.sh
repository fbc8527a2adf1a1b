#!/bin/bash
# Runs a command in a private headless desktop session for the app's tests:
# Xvfb, a session D-Bus, an unlocked gnome-keyring (Secret Service), the
# AT-SPI bus, a StatusNotifierWatcher and, with --tray, a tray host
# (gtk-sni-tray-standalone) at the bottom of the screen.
#
#   app-session.sh [--tray] [--no-watcher] [--dir DIR] -- COMMAND [ARG...]
#
# COMMAND sees DISPLAY, DBUS_SESSION_BUS_ADDRESS, XDG_* (all inside the
# session directory), GDK_BACKEND=x11, GSK_RENDERER=cairo, APP_SESSION_DIR
# and APP_KEYRING_PASSWORD. Every process started here is ended by PID
# (children, their descendants and the session bus's clients).
# Exit status: COMMAND's, 125 when the session could not be set up.
set -uo pipefail

want_watcher=1 want_tray=0 dir= keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--tray) want_tray=1; shift ;;
	--no-watcher) want_watcher=0; shift ;;
	--dir) dir=$2; keep=1; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--tray] [--no-watcher] [--dir DIR] -- COMMAND" >&2; exit 2; }

say() { echo "app-session: $*" >&2; }
started=() cmd_pid= bus_pid= x_pid=

# descendants of the given PIDs, from /proc/PID/stat's parent field
descendants() {
	local -A kids=()
	local st line rest p
	for st in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$st" || continue
		rest=${line##*) }; rest=${rest#* }
		p=${st#/proc/}
		kids[${rest%% *}]+=" ${p%/stat}"
	done
	local queue=("$@") x
	while [ ${#queue[@]} -gt 0 ]; do
		x=${queue[0]}; queue=("${queue[@]:1}")
		for p in ${kids[$x]:-}; do echo "$p"; queue+=("$p"); done
	done
}

# processes connected to the private session bus (activated services)
bus_clients() {
	[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || return 0
	local n
	for n in $(gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
		-m org.freedesktop.DBus.ListNames 2>/dev/null | grep -o "':[0-9.]*'" | tr -d "'"); do
		gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
			-m org.freedesktop.DBus.GetConnectionUnixProcessID "$n" 2>/dev/null |
			sed -n 's/^(uint32 \([0-9]*\),)$/\1/p'
	done
}

cleanup() {
	local rc=$? p i alive pids
	trap - EXIT INT TERM
	pids=$(printf '%s\n' $cmd_pid "${started[@]}" $(descendants $cmd_pid "${started[@]}") \
		$(bus_clients) | grep -vx -e "$$" -e "${bus_pid:-x}" -e "${x_pid:-x}" | sort -un)
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for i in $(seq 30); do
		alive=; for p in $pids; do kill -0 "$p" 2>/dev/null && alive+=" $p"; done
		[ -z "$alive" ] && break; sleep 0.1
	done
	for p in $alive; do kill -KILL "$p" 2>/dev/null; done
	for p in $bus_pid $x_pid; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ "$keep" = 0 ] && [ -n "$dir" ] && rm -rf "$dir"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { say "$*"; tail -n 20 "$dir"/log/*.log >&2 2>/dev/null; exit 125; }
wait_for() { # tenths of a second, command
	local n=$1; shift
	while [ "$n" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
owned() {
	gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
		-m org.freedesktop.DBus.NameHasOwner "$1" 2>/dev/null | grep -q true
}

[ -n "$dir" ] || dir=$(mktemp -d "${TMPDIR:-/tmp}/rove-gui.XXXXXX") || exit 125
mkdir -p "$dir"/{run,config,cache,data,log} && chmod 700 "$dir/run" || exit 125
dir=$(readlink -f "$dir")
export APP_SESSION_DIR=$dir
# exported before the bus starts: activated services take the bus's environment
export XDG_RUNTIME_DIR=$dir/run XDG_CONFIG_HOME=$dir/config XDG_CACHE_HOME=$dir/cache XDG_DATA_HOME=$dir/data
unset DBUS_SESSION_BUS_ADDRESS WAYLAND_DISPLAY NO_AT_BRIDGE GTK_A11Y AT_SPI_BUS_ADDRESS SESSION_MANAGER

export XAUTHORITY=$dir/Xauthority
: >"$XAUTHORITY"
cookie=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
xauth -q -f "$XAUTHORITY" add :0 MIT-MAGIC-COOKIE-1 "$cookie" || fail "xauth failed"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -auth "$XAUTHORITY" \
	3>"$dir/display" >"$dir/log/xvfb.log" 2>&1 &
x_pid=$!
wait_for 200 grep -q '^[0-9]' "$dir/display" || fail "Xvfb did not start"
export DISPLAY=:$(head -n1 "$dir/display")
xauth -q -f "$XAUTHORITY" add "$DISPLAY" MIT-MAGIC-COOKIE-1 "$cookie"

export GDK_BACKEND=x11 GSK_RENDERER=${GSK_RENDERER:-cairo}
dbus-daemon --session --nofork --nopidfile --address="unix:path=$XDG_RUNTIME_DIR/bus" \
	--print-address=4 4>"$dir/bus-address" >"$dir/log/dbus.log" 2>&1 &
bus_pid=$!
wait_for 200 grep -q . "$dir/bus-address" || fail "dbus-daemon did not start"
export DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$dir/bus-address")

if [ -x /usr/libexec/at-spi-bus-launcher ]; then
	/usr/libexec/at-spi-bus-launcher --launch-immediately >"$dir/log/at-spi.log" 2>&1 &
	started+=($!)
	wait_for 200 owned org.a11y.Bus || fail "at-spi-bus-launcher did not start"
fi
gsettings set org.gnome.desktop.interface toolkit-accessibility true 2>/dev/null

# the keyring: without one unlocked beforehand, libsecret activates one that
# waits for a password typed into a prompt
export APP_KEYRING_PASSWORD=rove-gui-test
printf '%s' "$APP_KEYRING_PASSWORD" | gnome-keyring-daemon --foreground --unlock \
	--components=secrets >"$dir/log/keyring.log" 2>&1 &
started+=($!)
wait_for 200 owned org.freedesktop.secrets || fail "gnome-keyring did not start"
wait_for 100 sh -c 'gdbus call --session -d org.freedesktop.secrets -o /org/freedesktop/secrets \
	-m org.freedesktop.Secret.Service.ReadAlias default | grep -q collection/login' ||
	fail "the login keyring was not created"

if [ "$want_watcher" = 1 ] || [ "$want_tray" = 1 ]; then
	status-notifier-watcher >"$dir/log/watcher.log" 2>&1 &
	started+=($!)
	echo $! >"$dir/watcher.pid"
	wait_for 200 owned org.kde.StatusNotifierWatcher || fail "status-notifier-watcher did not start"
fi
if [ "$want_tray" = 1 ]; then
	gtk-sni-tray-standalone --bottom --size 32 --color white >"$dir/log/tray.log" 2>&1 &
	started+=($!)
	wait_for 200 sh -c 'gdbus call --session -d org.kde.StatusNotifierWatcher -o /StatusNotifierWatcher \
		-m org.freedesktop.DBus.Properties.Get org.kde.StatusNotifierWatcher IsStatusNotifierHostRegistered |
		grep -q true' || fail "the tray host did not register"
fi

"$@" &
cmd_pid=$!
wait "$cmd_pid"
