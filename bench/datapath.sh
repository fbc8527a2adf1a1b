#!/bin/bash
# Datapath throughput: rove's userspace ESP datapath next to strongSwan's
# kernel-libipsec, between the same namespaces, in one run. iperf3 (TCP,
# one stream and several) from the client namespace to the LAN host behind
# the gateway namespace, through
#
#   1. two esp-pair processes (tests/tools/esp-pair.c: rove's userspace
#      datapath with fixed keys, no IKE), one as the client, one as the
#      gateway;
#   2. a strongSwan client and a strongSwan gateway, both on kernel-libipsec;
#   3. rove (`rove up`, datapath=userspace) against that same gateway: for
#      reference only, the gateway's libipsec bounds it.
#
# once per ESP proposal, each side restricted to it, ROUNDS times over.
# Prints Mbit/s, the CPU each end used, and the ratio rove/strongSwan of 1
# and 2. Not a test: nothing is asserted but that the traffic went through
# ESP. Needs root and iperf3. See bench/README.md.
#
#   bash bench/datapath.sh [-n ROUNDS] [-t SECONDS] [-P STREAMS] [-e ESP,ESP...] [-R] [-p]
#   (-p: the esp-pair only, no strongSwan and no rove runs; ROVE_BIN, default build/client/rove; ESP_PAIR, default
#   build/tests/tools/esp-pair)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=1
secs=5
streams=4
esps=aes256gcm16,aes128-sha256
reverse=""
pair_only=0
usage() {
	echo "usage: bash bench/datapath.sh [-n ROUNDS] [-t SECONDS] [-P STREAMS] [-e ESP,ESP...] [-R] [-p]" >&2
	exit 2
}
while getopts n:t:P:e:Rp opt; do
	case $opt in
	n) rounds=$OPTARG ;;
	t) secs=$OPTARG ;;
	P) streams=$OPTARG ;;
	e) esps=$OPTARG ;;
	R) reverse=-R ;;
	p) pair_only=1 ;;
	*) usage ;;
	esac
done
[[ $rounds =~ ^[1-9][0-9]*$ && $secs =~ ^[1-9][0-9]*$ && $streams =~ ^[1-9][0-9]*$ ]] || usage
# esp-pair, strongSwan and rove all spell proposals this way
[[ $esps =~ ^[a-z0-9-]+(,[a-z0-9-]+)*$ ]] || usage
export ROVE_BIN=${ROVE_BIN:-$root/build/client/rove}
ESP_PAIR=${ESP_PAIR:-$root/build/tests/tools/esp-pair}

# shellcheck source=tests/integration/lib.sh
. "$root/tests/integration/lib.sh"

# The pair's client end takes an address of the gateway's pool, as a
# virtual IP would be, so the gateway's forward rule lets its packets reach
# the LAN; the gateway end's own address only sources its routes. Both
# exist only on the TUN devices: without the tunnel, packets to the LAN
# leave with the client's outer address and the gateway drops them.
PAIR_VIP=10.3.0.200
PAIR_GW_VIP=10.9.0.2
PAIR_A="" PAIR_B=""
IPERF_PORT=5201
RESULTS=""
ROUND=0
DP_PIDS=() # the processes carrying the tunnel's traffic, both ends
HZ=$(getconf CLK_TCK)

# forget PID: a process stopped by hand leaves the cleanup list.
forget() {
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# "BUSY TOTAL" jiffies of all CPUs so far.
cpu_sample() {
	awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

# CPU time (user and system, all threads) the client's and the gateway's
# end used so far, in clock ticks: "CLIENT GATEWAY".
dp_ticks() {
	local p t out=""
	for p in "${DP_PIDS[@]}"; do
		t=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat") ||
			die "process $p is gone"
		out+="$t "
	done
	echo "$out"
}

# measure KIND ESP STREAMS: one iperf3 run from the client namespace to the
# LAN host; appends "KIND ESP STREAMS MBITS RETRANSMITS CPU% BYTES
# DATAPATH-CPU-SECONDS CLIENT-END GATEWAY-END ROUND" to RESULTS. The source
# address is the route's (the tunnel's virtual IP).
measure() {
	local kind=$1 esp=$2 n=$3 json=$WORK/iperf-$1-$2-$3.json b0 t0 b1 t1 c0 g0 c1 g1
	read -r c0 g0 < <(dp_ticks)
	read -r b0 t0 < <(cpu_sample)
	timeout $((secs + 30)) ip netns exec "$NS_C" iperf3 -c "$LAN_HOST" -p $IPERF_PORT \
		-t "$secs" -P "$n" ${reverse:+"$reverse"} -J >"$json" 2>&1 ||
		die "iperf3 through $kind ($esp, $n streams) failed: $(grep -m1 '"error"' "$json" || tail -3 "$json")"
	read -r b1 t1 < <(cpu_sample)
	read -r c1 g1 < <(dp_ticks)
	"$PYTHON" - "$json" "$kind" "$esp" "$n" "$((b1 - b0))" "$((t1 - t0))" \
		"$((c1 - c0))" "$((g1 - g0))" "$HZ" "$ROUND" >>"$RESULTS" <<'PY'
import json, sys
end = json.load(open(sys.argv[1]))["end"]
busy, total = int(sys.argv[5]), int(sys.argv[6])
print(sys.argv[2], sys.argv[3], sys.argv[4],
      "%.1f" % (end["sum_received"]["bits_per_second"] / 1e6),
      end["sum_sent"].get("retransmits", 0),
      "%.0f" % (100.0 * busy / total if total else 0),
      end["sum_received"]["bytes"],
      *["%.2f" % (t / float(sys.argv[9])) for t in
        (int(sys.argv[7]) + int(sys.argv[8]), int(sys.argv[7]), int(sys.argv[8]))],
      sys.argv[10])
PY
	tail -n 1 "$RESULTS" | awk '{ printf "  %-10s %-14s %2s stream(s): %8s Mbit/s  (CPU %s%%; client %s s, gateway %s s; %s retransmits)\n", $1, $2, $3, $4, $6, $9, $10, $5 }'
}

# Bytes this round's measurements of KIND/ESP carried.
measured_bytes() {
	awk -v k="$1" -v e="$2" -v r="$ROUND" '$1 == k && $2 == e && $11 == r { s += $7 }
		END { printf "%.0f", s }' "$RESULTS"
}

# measure_both KIND ESP: one stream, then STREAMS.
measure_both() {
	measure "$1" "$2" 1
	[ "$streams" = 1 ] || measure "$1" "$2" "$streams"
}

# ---- 1. the userspace pair ------------------------------------------------

# start_pair ESP: esp-pair a (client namespace) and b (gateway namespace),
# b routing between the tunnel and the LAN like a gateway.
start_pair() {
	local esp=$1
	# not through in_ns: $! must be the process that SIGTERM reaches
	ip netns exec "$NS_C" "$ESP_PAIR" run --name a --side a --proposal "$esp" \
		--local "$CLIENT_ADDR" --remote "$GW_ADDR" \
		--vip $PAIR_VIP/32 --local-ts $PAIR_VIP/32 --remote-ts "$LAN_NET" \
		>"$WORK/pair-a-$esp.log" 2>&1 &
	PAIR_A=$!
	ip netns exec "$NS_G" "$ESP_PAIR" run --name b --side b --proposal "$esp" \
		--local "$GW_ADDR" --remote "$CLIENT_ADDR" \
		--vip $PAIR_GW_VIP/32 --local-ts "$LAN_NET" --remote-ts $PAIR_VIP/32 \
		>"$WORK/pair-b-$esp.log" 2>&1 &
	PAIR_B=$!
	PIDS+=("$PAIR_A" "$PAIR_B")
	if ! wait_for 50 grep -q '^ready' "$WORK/pair-a-$esp.log" ||
		! wait_for 50 grep -q '^ready' "$WORK/pair-b-$esp.log"; then
		die "esp-pair did not start: $(tail -3 "$WORK/pair-a-$esp.log" "$WORK/pair-b-$esp.log")"
	fi
}

stop_pair() {
	stop_pid "$PAIR_A"
	stop_pid "$PAIR_B"
	forget "$PAIR_A"
	forget "$PAIR_B"
}

# pair_stat LOG KEY: KEY's value in the last stats line of LOG.
pair_stat() {
	grep '^stats ' "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

bench_pair() {
	local esp=$1 log carried
	start_pair "$esp"
	DP_PIDS=("$PAIR_A" "$PAIR_B")
	measure_both pair "$esp"
	stop_pair
	log=$WORK/pair-a-$esp.log
	carried=$(($(pair_stat "$log" bytes_out) + $(pair_stat "$log" bytes_in)))
	[ "$carried" -ge "$(measured_bytes pair "$esp")" ] ||
		die "the pair's SAs carried $carried bytes, less than iperf3 moved: traffic bypassed ESP"
	[ "$(pair_stat "$WORK/pair-b-$esp.log" drop_auth)" = 0 ] ||
		die "esp-pair b refused packets as forged ($esp)"
}

# ---- 2. strongSwan client and gateway --------------------------------------

# sw_use_esp ESP: the strongSwan client offers only ESP from now on.
sw_use_esp() {
	sed -i -e '/esp_proposals = /d' \
		-e "s/^\([[:space:]]*\)remote_ts = .*/&\n\1esp_proposals = $1/" "$SW_DIR/swanctl.conf"
	swanctl_at "$SW_DIR" --load-all --file "$SW_DIR/swanctl.conf" >"$SW_DIR/swanctl.out" 2>&1 ||
		die "swanctl --load-all failed: $(cat "$SW_DIR/swanctl.out")"
}

# The bytes the client's ESP SA counted, both directions.
sw_esp_bytes() {
	sw_sas | awk '$1 == "in" || $1 == "out" { for (i = 2; i < NF; i++)
		if ($(i + 1) ~ /^bytes,?$/) s += $i } END { printf "%.0f", s }'
}

bench_sw() {
	local esp=$1 carried
	sw_use_esp "$esp"
	sw_initiate eap || die "swanctl --initiate failed: $(tail -3 "$SW_DIR/initiate.out")"
	SW_NEGOTIATED=$(sw_sas | sed -n 's/.*INSTALLED, TUNNEL[^,]*, \(ESP:[^ ,]*\).*/\1/p' | head -n 1)
	DP_PIDS=("$SW_PID" "$GW_PID")
	measure_both strongswan "$esp"
	carried=$(sw_esp_bytes)
	sw_terminate eap || die "swanctl --terminate failed"
	wait_for 50 gw_sa_count_is 0 || die "the gateway kept strongSwan's IKE SA"
	[ "$carried" -ge "$(measured_bytes strongswan "$esp")" ] ||
		die "strongSwan's SAs carried $carried bytes, less than iperf3 moved"
}

# ---- 3. rove against the strongSwan gateway --------------------------------

bench_rove() {
	local esp=$1 j=$WORK/status-bench.json carried
	write_profile bench server="$GW_ADDR" remote-id="$GW_NAME" user="$EAP_USER" \
		ca="$PKI_DIR/ca.pem" routes="$LAN_NET" esp="$esp!" datapath=userspace \
		-- password="$EAP_PASSWORD" >/dev/null
	rove up bench >"$WORK/up.out" 2>"$WORK/up.err" </dev/null ||
		die "rove up failed: $(cat "$WORK/up.err")"
	rove_status_json bench || die "rove status failed: $(cat "$WORK/status-bench.err")"
	ROVE_NEGOTIATED="$(json_get "$j" datapath) $(json_get "$j" children.0.proposal)"
	DP_PIDS=("$(json_get "$j" pid)" "$GW_PID")
	measure_both rove "$esp"
	rove_status_json bench || die "rove status failed: $(cat "$WORK/status-bench.err")"
	carried=$(($(json_get "$j" children.0.bytes_out) + $(json_get "$j" children.0.bytes_in)))
	rove down bench >"$WORK/down.out" 2>&1 </dev/null || die "rove down failed"
	wait_for 50 gw_sa_count_is 0 || die "the gateway kept rove's IKE SA"
	[ "$carried" -ge "$(measured_bytes rove "$esp")" ] ||
		die "rove's SAs carried $carried bytes, less than iperf3 moved"
}

# ---- the report -----------------------------------------------------------

# OpenSSL's own speed for an AES-GCM proposal, one core, 1400-byte
# buffers: appends "ESP MBITS" to $WORK/openssl.
openssl_ref() {
	local evp
	case $1 in
	aes128gcm*) evp=aes-128-gcm ;;
	aes256gcm*) evp=aes-256-gcm ;;
	*) return 0 ;;
	esac
	openssl speed -evp $evp -bytes 1400 -seconds 1 2>/dev/null |
		awk -v e="$1" 'END { sub(/k$/, "", $NF); printf "%s %.0f\n", e, $NF * 8 / 1000 }' >>"$WORK/openssl"
}

# The table: per proposal and stream count the median over the rounds of
# each figure, and the ratios of the medians.
report() {
	echo
	say "TCP ${reverse:+(reverse: LAN host to client) }through the tunnel, iperf3 -t $secs," \
		"Mbit/s, median of $rounds round(s)"
	"$PYTHON" - "$RESULTS" "$esps" "$streams" "$have_rove" "$WORK/openssl" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
esps, streams, have_rove = sys.argv[2].split(","), int(sys.argv[3]), sys.argv[4] == "1"
ref = dict(l.split() for l in open(sys.argv[5]) if l.strip())
cols = [1] if streams == 1 else [1, streams]

def med(kind, esp, n, f):
    v = [f(r) for r in rows if r[0] == kind and r[1] == esp and int(r[2]) == n]
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None

def mbits(r):
    return float(r[3])

def per_cpu(r):  # Mbit carried per CPU-second of both ends
    return int(r[6]) * 8 / 1e6 / float(r[7]) if float(r[7]) > 0 else None

def line(label, vals, fmt, note=""):
    cells = ["-" if v is None else fmt % v for v in vals]
    print("  %-32s" % label + "".join("%12s" % c for c in cells) + note)

print(" " * 34 + "".join("%12s" % ("%d stream%s" % (c, "" if c == 1 else "s")) for c in cols))
for esp in esps:
    print(esp)
    pair = [med("pair", esp, c, mbits) for c in cols]
    sw = [med("strongswan", esp, c, mbits) for c in cols]
    pe = [med("pair", esp, c, per_cpu) for c in cols]
    se = [med("strongswan", esp, c, per_cpu) for c in cols]
    ratio = lambda a, b: [x / y if x is not None and y else None for x, y in zip(a, b)]
    line("rove userspace pair", pair, "%.1f")
    line("strongSwan libipsec pair", sw, "%.1f")
    line("ratio rove/strongSwan", ratio(pair, sw), "%.2f")
    line("rove pair, Mbit per CPU-s", pe, "%.0f")
    line("strongSwan pair, Mbit per CPU-s", se, "%.0f")
    line("ratio rove/strongSwan per CPU-s", ratio(pe, se), "%.2f")
    if have_rove:
        line("rove -> strongSwan gateway", [med("rove", esp, c, mbits) for c in cols], "%.1f",
             "   (bounded by the gateway's libipsec)")
    if esp in ref:
        print("  OpenSSL %s alone, one core, 1400-byte buffers: %s Mbit/s" % (esp, ref[esp]))
PY
	say "Mbit per CPU-s: what the tunnel carried per second of CPU its two ends used"
	say "(esp-pair a and b, or both charons), all threads, user and system time"
	say "target: rove userspace pair >= 10x strongSwan libipsec pair"
	[ "$have_rove" = 1 ] || [ "$pair_only" = 1 ] || say "rove: not built ($ROVE_BIN), rove -> strongSwan gateway skipped"
}

integ_init
need_tools iperf3 "$ESP_PAIR"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
RESULTS=$WORK/results
: >"$RESULTS"
have_rove=0
[ -x "$ROVE_BIN" ] && [ "$pair_only" = 0 ] && have_rove=1
# rove writes the gateway's DNS server into resolv.conf: a copy of ours,
# not the host's
export ROVE_RESOLV_CONF=$WORK/resolv.conf
printf 'nameserver 127.0.0.1\n' >"$ROVE_RESOLV_CONF"

say "datapath throughput on $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) CPUs"
setup_net
ip netns exec "$NS_L" iperf3 -s -B "$LAN_HOST" -p $IPERF_PORT >"$WORK/iperf-server.log" 2>&1 &
PIDS+=("$!")
wait_for 50 sh -c "ip netns exec $NS_L ss -ltn | grep -q ':$IPERF_PORT '" ||
	die "iperf3 -s did not start: $(cat "$WORK/iperf-server.log")"

make_pki "$WORK/pki"
GW_ESP_PROPOSALS=$esps
for esp in ${esps//,/ }; do openssl_ref "$esp"; done
touch "$WORK/openssl"

# The pair needs UDP 4500 in the gateway namespace, where charon holds it
# while it runs: each round starts the pair first, then the gateway.
for ROUND in $(seq "$rounds"); do
	[ "$rounds" = 1 ] || say "round $ROUND of $rounds"
	say "1. rove's userspace datapath: esp-pair <-> esp-pair (fixed keys, no IKE)"
	for esp in ${esps//,/ }; do bench_pair "$esp"; done
	[ "$pair_only" = 0 ] || continue

	start_gw "$WORK/gw"
	# Random ports: UDP 4500 of the client namespace stays rove's.
	start_sw_client --random-ports
	say "2. strongSwan client <-> strongSwan gateway, both kernel-libipsec"
	for esp in ${esps//,/ }; do
		bench_sw "$esp"
		say "  ($SW_NEGOTIATED)"
	done
	stop_sw_client

	if [ "$have_rove" = 1 ]; then
		say "3. rove -> strongSwan gateway (kernel-libipsec)"
		for esp in ${esps//,/ }; do
			bench_rove "$esp"
			say "  ($ROVE_NEGOTIATED)"
		done
	fi
	stop_gw
done
report
