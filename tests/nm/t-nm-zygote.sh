#!/bin/bash
# nm-rove-worker's zygote (nm-plugin/src/zygote.h) without NetworkManager:
# a worker started cold forks it; it keeps a spare worker ready, which
# takes the next request (the request's arguments and stdio: the worker's complaint about the
# missing bus lands in the file the request passed as stderr and names the
# requested bus name); only root reaches its socket; once the worker
# program is replaced (an upgrade) it refuses and exits, and the next cold
# worker leaves a new one. The requests speak the launcher's protocol
# (launch.c) from Python, so the launcher's compiled-in path to the
# installed worker plays no part. NM_ROVE_WORKER names the built worker
# (meson passes it).
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

integ_init
[ -x "${NM_ROVE_WORKER:-}" ] || skip "NM_ROVE_WORKER is not built (needs libnm)"
need_tools setpriv flock
BIN=$WORK/bin
mkdir -p "$BIN" "$WORK/run"
# only the run directory (the zygote makes it 0700) and the socket's mode
# keep others out, not the work directory
chmod 755 "$WORK"
cp "$NM_ROVE_WORKER" "$BIN/nm-rove-worker"
# the zygote and its workers inherit this: no bus, so workers stop at once
export ROVE_RUN_DIR=$WORK/run DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/no-bus
SOCK=$ROVE_RUN_DIR/nm-worker.zygote
LOCK=$ROVE_RUN_DIR/nm-worker.zygote-lock
BUS1=org.freedesktop.NetworkManager.rove.Connection_1

# request NAME ERRFILE: one request as the launcher sends it; prints the
# answer ('y' forked, 'n' refused) and the zygote's PID.
request() {
	"$PYTHON" - "$SOCK" "$1" "$2" <<'PY'
import os, socket, struct, sys
path, name, err = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(path)
pid = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0]
e = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
n = os.open(os.devnull, os.O_RDWR)
socket.send_fds(s, [b"rove-zygote-1\0--bus-name\0" + name.encode() + b"\0"], [n, n, e])
print(s.recv(1).decode() or "-", pid)
PY
}
lock_free() { flock -n "$LOCK" true; }
alive() { kill -0 "$1" 2>/dev/null; }
# its argument area, NUL-padded to the first worker's length
title() { tr -s '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | sed 's/ *$//'; }
# This run's processes titled $1 (its ROVE_RUN_DIR is in their environment).
titled() {
	local d
	for d in /proc/[0-9]*; do
		[ "$(title "${d#/proc/}")" = "$1" ] &&
			tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -qxF "ROVE_RUN_DIR=$ROVE_RUN_DIR" &&
			echo "${d#/proc/}"
	done
	return 0
}
zygote_pid() { titled "nm-rove-worker --zygote"; }
spare_ready() { [ -n "$(titled "nm-rove-worker --spare")" ]; }

say "# a cold worker forks the zygote"
"$BIN/nm-rove-worker" --bus-name "$BUS1" >"$WORK/cold.out" 2>&1 && rc=0 || rc=$?
check "the cold worker stops without a bus (exit $rc)" test "$rc" != 0
check "the zygote listens on $SOCK" wait_for 30 test -S "$SOCK"
check "... and holds its lock" not lock_free
zpid=$(zygote_pid)
[ -n "$zpid" ] && PIDS+=("$zpid")
check "ps shows one nm-rove-worker --zygote" test "$(echo "$zpid" | wc -w)" = 1
check "... and a spare worker it forked" wait_for 30 spare_ready
read -r answer spid < <(request "$BUS1.x7" "$WORK/w1.err" 2>"$WORK/req1.err")
check "a request is answered: a worker is on its way ('$answer')" test "$answer" = y
worker_said() { grep -qF "$BUS1.x7" "$WORK/w1.err"; }
check "the worker ran with the request's stderr and bus name" wait_for 50 worker_said
check "the zygote readies the next spare" wait_for 30 spare_ready
read -r answer spid2 < <(request "$BUS1.x8" "$WORK/w2.err" 2>"$WORK/req2.out")
# (SO_PEERCRED names the process that listens: the zygote, not the spare)
check "a second request is served ('$answer') through the same zygote" \
	test "$answer" = y -a "${spid2:-0}" = "$zpid" -a "${spid:-0}" = "$zpid"
worker2_said() { grep -qF "$BUS1.x8" "$WORK/w2.err"; }
check "... by another worker" wait_for 50 worker2_said

say "# only root"
nobody_request() {
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		"$PYTHON" -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).connect(sys.argv[1])' \
		"$SOCK" 2>/dev/null
}
check "nobody cannot reach the zygote's socket" not nobody_request

say "# an upgrade: the worker program is replaced"
cp "$BIN/nm-rove-worker" "$BIN/nm-rove-worker.new"
mv -f "$BIN/nm-rove-worker.new" "$BIN/nm-rove-worker"
wait_for 30 spare_ready
read -r answer _ < <(request "$BUS1.x9" "$WORK/w3.err" 2>"$WORK/req3.err")
check "the zygote refuses ('$answer'): the launcher then starts a worker cold" test "$answer" = n
check "... and exits" wait_for 30 not alive "${zpid:-0}"
check "... and so does its spare" wait_for 30 not spare_ready
check "... and its lock is free" lock_free
"$BIN/nm-rove-worker" --bus-name "$BUS1" >"$WORK/cold2.out" 2>&1 || true
check "the next cold worker leaves a new zygote" wait_for 30 not lock_free
zpid2=$(zygote_pid)
[ -n "$zpid2" ] && PIDS+=("$zpid2")
wait_for 30 spare_ready
read -r answer _ < <(request "$BUS1.x10" "$WORK/w4.err" 2>"$WORK/req4.err")
check "... which serves ('$answer')" test "$answer" = y
finish
