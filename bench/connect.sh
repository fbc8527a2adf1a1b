#!/bin/bash
# Connect time: `rove up` next to a strongSwan client's
# `swanctl --initiate --child c`, against the same strongSwan gateway in
# network namespaces, alternating, RUNS times each; prints the medians, the
# ratio rove/strongSwan and the IKE round trips each took (counted in the
# gateway's log). Needs root. See bench/README.md.
#
#   bash bench/connect.sh [-n RUNS]     (ROVE_BIN, default build/client/rove)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
runs=10
while getopts n: opt; do
	case $opt in
	n) runs=$OPTARG ;;
	*)
		echo "usage: bash bench/connect.sh [-n RUNS]" >&2
		exit 2
		;;
	esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || {
	echo "connect: RUNS must be a positive number" >&2
	exit 2
}
export ROVE_BIN=${ROVE_BIN:-$root/build/client/rove}

# shellcheck source=tests/integration/lib.sh
. "$root/tests/integration/lib.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The request/response exchanges a connection took: every IKE_SA_INIT and
# IKE_AUTH request the gateway parsed since log line $1.
round_trips() {
	echo $(($(gw_log_count "$LOG_IKE_SA_INIT" "$1") + $(gw_log_count "$LOG_IKE_AUTH" "$1")))
}

# Prints "MS ROUND-TRIPS" for one strongSwan connection, then tears it down.
sw_once() {
	local mark t0 t1 rt
	mark=$(gw_log_lines)
	t0=$(now_ms)
	in_ns "$NS_C" env STRONGSWAN_CONF="$SW_DIR/strongswan.conf" swanctl --initiate \
		--ike eap --child c --timeout 10 --uri "unix://$SW_DIR/charon.vici" \
		>>"$SW_DIR/initiate.out" 2>&1 || die "swanctl --initiate failed: $(tail -3 "$SW_DIR/initiate.out")"
	t1=$(now_ms)
	rt=$(round_trips "$mark")
	sw_terminate eap || die "swanctl --terminate failed"
	wait_for 50 gw_sa_count_is 0 || die "the gateway kept strongSwan's IKE SA"
	echo "$((t1 - t0)) $rt"
}

# The same for rove up / rove down.
rove_once() {
	local mark t0 t1 rt
	mark=$(gw_log_lines)
	t0=$(now_ms)
	rove up "$profile" >"$WORK/up.out" 2>"$WORK/up.err" </dev/null ||
		die "rove up failed: $(cat "$WORK/up.err")"
	t1=$(now_ms)
	rt=$(round_trips "$mark")
	rove down bench >"$WORK/down.out" 2>&1 </dev/null || die "rove down failed"
	wait_for 50 gw_sa_count_is 0 || die "the gateway kept rove's IKE SA"
	echo "$((t1 - t0)) $rt"
}

# summary LABEL FILE: "median N ms (min, max), round trips R" from lines
# "MS ROUND-TRIPS"; prints the median alone on the last line.
summary() {
	"$PYTHON" - "$@" <<'PY'
import statistics, sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[2]) if l.strip()]
ms = [r[0] for r in rows]
rts = sorted(set(r[1] for r in rows))
print("%-11s median %5.1f ms  (min %d, max %d, %d runs), round trips %s"
      % (sys.argv[1] + ":", statistics.median(ms), min(ms), max(ms), len(ms),
         "/".join(map(str, rts))))
print(statistics.median(ms))
PY
}

integ_init
setup_net
make_pki "$WORK/pki"
start_gw "$WORK/gw"
# Random ports: UDP 500 and 4500 of the client namespace stay rove's.
start_sw_client --random-ports
have_rove=0
if [ -x "$ROVE_BIN" ]; then
	have_rove=1
	profile=$(profile_eap bench)
fi

say "connect time, EAP-MSCHAPv2 with a certificate gateway, $runs runs each"
: >"$WORK/sw.times"
: >"$WORK/rove.times"
for _ in $(seq "$runs"); do
	sw_once >>"$WORK/sw.times"
	[ "$have_rove" = 1 ] && rove_once >>"$WORK/rove.times"
	printf '.'
done
echo

summary strongSwan "$WORK/sw.times" >"$WORK/sw.sum"
head -n 1 "$WORK/sw.sum"
if [ "$have_rove" = 1 ]; then
	summary rove "$WORK/rove.times" >"$WORK/rove.sum"
	head -n 1 "$WORK/rove.sum"
	"$PYTHON" -c 'import sys; print("ratio rove/strongSwan: %.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' \
		"$(tail -n 1 "$WORK/rove.sum")" "$(tail -n 1 "$WORK/sw.sum")"
else
	say "rove: not built ($ROVE_BIN)"
fi
