#!/bin/sh
# nm-rove-auth-dialog's GTK mode (libnma's password dialog), run inside
# session.sh: NetworkManager's details on stdin, the password typed into the
# window with xdotool, the secret read back as KEY/VALUE lines, QUIT sent
# once it is out; Escape cancels (exit 1, no secret). A screenshot of the
# dialog goes to SCREENSHOT.
# Usage: t-auth-dialog-gtk.sh NM-ROVE-AUTH-DIALOG SCREENSHOT
set -u
dialog=$1 shot=$2
for t in xdotool import; do
	command -v $t >/dev/null || { echo "$t is not installed (tests/install-deps.sh)"; exit 77; }
done
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
trap '' PIPE

# run DIALOG with the details on a fifo kept open, so QUIT can follow
start() {
	mkfifo "$tmp/in"
	"$dialog" -u 0b6e1d52-1111-4c2a-9f00-000000000001 -n work \
		-s org.freedesktop.NetworkManager.rove -i <"$tmp/in" >"$tmp/out" &
	pid=$!
	exec 3>"$tmp/in"
	printf 'DATA_KEY=server\nDATA_VAL=vpn.example.com\nDATA_KEY=user\nDATA_VAL=alice\nDONE\n\n' >&3
	wid=
	for _ in $(seq 100); do
		wid=$(xdotool search --onlyvisible --name 'Authenticate VPN work' 2>/dev/null | head -n 1)
		[ -n "$wid" ] && break
		sleep 0.1
	done
	[ -n "$wid" ] || { echo "FAIL: no dialog window"; exit 1; }
}
finish() { # waits for the process; its exit status in rc
	for _ in $(seq 100); do [ -s "$tmp/out" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	echo QUIT >&3 2>/dev/null # fails (not kills, see the PIPE trap) once it has gone
	exec 3>&-
	wait "$pid"; rc=$?; pid=
	rm -f "$tmp/in"
}

start
sleep 0.3 # let it draw before the screenshot (not an assertion)
import -window "$wid" "$shot" && echo "screenshot: $shot"
xdotool type --window "$wid" 'correct horse'
xdotool key --window "$wid" Return
finish
if [ $rc = 0 ] && [ "$(cat "$tmp/out")" = "$(printf 'password\ncorrect horse')" ]; then
	echo "ok: the typed password comes back as password/VALUE"
else
	echo "FAIL: exit $rc, output: $(od -c "$tmp/out")"; fail=1
fi

start
xdotool key --window "$wid" Escape 2>/dev/null # the window may be gone before the key's release
finish
if [ $rc = 1 ] && [ ! -s "$tmp/out" ]; then
	echo "ok: Escape cancels: exit 1, no secret"
else
	echo "FAIL: cancel: exit $rc, output: $(od -c "$tmp/out")"; fail=1
fi
exit $fail
