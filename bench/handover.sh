#!/bin/bash
# Handover time: a client moves from one uplink to another (the default
# route switches to the second uplink and the first address goes, at once)
# while pinging the gateway's LAN every 10 ms; the time from the switch to
# the first answered ping (it can only come through the new path) is the
# handover. rove (MOBIKE, UPDATE_SA_ADDRESSES) next to a strongSwan client
# (swanctl, MOBIKE on by default) making the same move against the same
# gateway, alternating, RUNS times each; medians and the ratio. Needs
# root. See bench/README.md.
#
#   bash bench/handover.sh [-n RUNS]     (ROVE_BIN, default build/client/rove)
#
# On a host whose kernel lacks ESP the gateway runs kernel-libipsec, which
# cannot update SAs in place: it rekeys the CHILD SA after every move, so
# the handover includes that rekey (rove must answer it: CREATE_CHILD_SA).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
runs=5
while getopts n: opt; do
	case $opt in
	n) runs=$OPTARG ;;
	*)
		echo "usage: bash bench/handover.sh [-n RUNS]" >&2
		exit 2
		;;
	esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || {
	echo "handover: RUNS must be a positive number" >&2
	exit 2
}
export ROVE_BIN=${ROVE_BIN:-$root/build/client/rove}

# shellcheck source=tests/integration/lib.sh
. "$root/tests/integration/lib.sh"

# Back to the first uplink, the second one's address kept.
reset_uplinks() {
	ip -n "$NS_C" addr replace 192.0.2.2/24 dev out0
	move_to out0
}

# The first answer to a ping sent after time $2, as ms after time $3 (ping
# -D stamps the answer; its round trip gives when it was sent), or "-".
first_answer() { # log, sent-after, since
	awk -v a="$2" -v t="$3" -F'[][]' '/bytes from/ {
		rtt = $3; sub(/.*time=/, "", rtt); sub(/ ms.*/, "", rtt)
		if ($2 - rtt / 1000 > a) { printf "%d\n", ($2 - t) * 1000; f = 1; exit }
	} END { if (!f) print "-" }' "$1"
}

# One move under a 10 ms ping: the route switch and the removal of the old
# address in one `ip -batch`. Prints the handover in ms: from before that
# command to the first answer to a ping sent after it (so through the new
# path), or "-" when none came within 10 s.
measure_move() { # label
	local log=$WORK/ping-$1.log t0 t1 ping_pid
	run_client ping -D -n -i 0.01 -W 1 "$LAN_HOST" >"$log" 2>&1 &
	ping_pid=$!
	PIDS+=("$ping_pid")
	wait_for 50 grep -q "bytes from" "$log" || die "$1: no answer before the move"
	sleep 0.5
	t0=$(date +%s.%N)
	printf 'route replace default via %s dev out1\naddr del 192.0.2.2/24 dev out0\n' \
		"$UPLINK1_GW" | ip -n "$NS_C" -batch -
	t1=$(date +%s.%N)
	wait_for 100 eval 'test "$(first_answer "$log" "$t1" "$t0")" != -' || true
	stop_pid "$ping_pid"
	first_answer "$log" "$t1" "$t0"
}

sw_once() {
	swanctl_at "$SW_DIR" --initiate --ike eap --child c --timeout 10 >>"$SW_DIR/initiate.out" 2>&1 ||
		die "swanctl --initiate failed: $(tail -3 "$SW_DIR/initiate.out")"
	measure_move sw
	sw_terminate eap || true
	wait_for 50 gw_sa_count_is 0 || die "the gateway kept strongSwan's IKE SA"
	reset_uplinks
}

rove_once() {
	rove up "$profile" >"$WORK/up.out" 2>"$WORK/up.err" </dev/null ||
		die "rove up failed: $(cat "$WORK/up.err")"
	measure_move rove
	rove down bench >"$WORK/down.out" 2>&1 </dev/null || die "rove down failed"
	wait_for 50 gw_sa_count_is 0 || die "the gateway kept rove's IKE SA"
	reset_uplinks
}

# summary LABEL FILE: median, min, max over the answered runs; prints the
# median alone on the last line ("-" when none was answered).
summary() {
	"$PYTHON" - "$@" <<'PY'
import statistics, sys
rows = [l.strip() for l in open(sys.argv[2]) if l.strip()]
ms = [int(r) for r in rows if r != "-"]
lost = len(rows) - len(ms)
if ms:
    print("%-11s median %5.0f ms  (min %d, max %d, %d runs%s)"
          % (sys.argv[1] + ":", statistics.median(ms), min(ms), max(ms), len(rows),
             ", %d never answered within 10 s" % lost if lost else ""))
    print(statistics.median(ms))
else:
    print("%-11s no run answered within 10 s (%d runs)" % (sys.argv[1] + ":", len(rows)))
    print("-")
PY
}

integ_init
setup_net_two_uplinks
make_pki "$WORK/pki"
start_gw "$WORK/gw"
start_sw_client --random-ports
[ -x "$ROVE_BIN" ] || die "rove is not built ($ROVE_BIN)"
profile=$(profile_eap bench)

say "handover between two uplinks, ping every 10 ms, $runs runs each"
: >"$WORK/sw.ms"
: >"$WORK/rove.ms"
for _ in $(seq "$runs"); do
	sw_once >>"$WORK/sw.ms"
	rove_once >>"$WORK/rove.ms"
	printf '.'
done
echo
summary strongSwan "$WORK/sw.ms" >"$WORK/sw.sum"
summary rove "$WORK/rove.ms" >"$WORK/rove.sum"
head -n 1 "$WORK/sw.sum"
head -n 1 "$WORK/rove.sum"
"$PYTHON" -c 'import sys
r, s = sys.argv[1], sys.argv[2]
print("ratio rove/strongSwan: %s" % ("%.2f" % (float(r) / float(s)) if "-" not in (r, s) else "-"))' \
	"$(tail -n 1 "$WORK/rove.sum")" "$(tail -n 1 "$WORK/sw.sum")"
