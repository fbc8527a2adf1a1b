#!/bin/bash
# Connect time: `rove up` next to a strongSwan client's
# `swanctl --initiate --child c`, against the same strongSwan gateway in
# network namespaces, alternating, RUNS times each; prints the medians, the
# ratio rove/strongSwan and the IKE round trips each took (counted in the
# gateway's log). Needs root. See bench/README.md.
#
#   bash bench/connect.sh [-n RUNS] [-m METHOD] [-b OTHER-ROVE]
#   (ROVE_BIN, default build/client/rove; -b times a second rove binary,
#   e.g. the build before a change, in the same run, alternating)
#
# METHOD: eap-mschapv2 (default), eap-tls or pubkey (the client's ECDSA
# P-256 certificate, the same files for both clients).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
runs=10
method=eap-mschapv2
other=""
while getopts n:m:b: opt; do
	case $opt in
	n) runs=$OPTARG ;;
	m) method=$OPTARG ;;
	b) other=$OPTARG ;;
	*)
		echo "usage: bash bench/connect.sh [-n RUNS] [-m eap-mschapv2|eap-tls|pubkey] [-b OTHER-ROVE]" >&2
		exit 2
		;;
	esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || {
	echo "connect: RUNS must be a positive number" >&2
	exit 2
}
case $method in
eap-mschapv2) sw_conn=eap ;;
eap-tls) sw_conn=bench-eap-tls ;;
pubkey) sw_conn=bench-pubkey ;;
*)
	echo "connect: METHOD must be eap-mschapv2, eap-tls or pubkey" >&2
	exit 2
	;;
esac
export ROVE_BIN=${ROVE_BIN:-$root/build/client/rove}

# shellcheck source=tests/integration/lib.sh
. "$root/tests/integration/lib.sh"
# shellcheck source=tests/integration/clientcert.sh
. "$root/tests/integration/clientcert.sh"

now_us() { echo $(($(date +%s%N) / 1000)); }

# The request/response exchanges a connection took: every IKE_SA_INIT and
# IKE_AUTH request the gateway parsed since log line $1.
round_trips() {
	echo $(($(gw_log_count "$LOG_IKE_SA_INIT" "$1") + $(gw_log_count "$LOG_IKE_AUTH" "$1")))
}

# Prints "MS ROUND-TRIPS" for one strongSwan connection, then tears it down.
sw_once() {
	local mark t0 t1 rt
	mark=$(gw_log_lines)
	t0=$(now_us)
	in_ns "$NS_C" env STRONGSWAN_CONF="$SW_DIR/strongswan.conf" swanctl --initiate \
		--ike "$sw_conn" --child c --timeout 10 --uri "unix://$SW_DIR/charon.vici" \
		>>"$SW_DIR/initiate.out" 2>&1 || die "swanctl --initiate failed: $(tail -3 "$SW_DIR/initiate.out")"
	t1=$(now_us)
	rt=$(round_trips "$mark")
	echo "$t0 $t1" >>"$WORK/sw.windows"
	sw_terminate "$sw_conn" || die "swanctl --terminate failed"
	wait_for 50 gw_sa_count_is 0 || die "the gateway kept strongSwan's IKE SA"
	echo "$(((t1 - t0 + 500) / 1000)) $rt"
}

# The same for rove up / rove down; $1 names the windows' file.
rove_once() {
	local mark t0 t1 rt
	mark=$(gw_log_lines)
	t0=$(now_us)
	rove up "$profile" >"$WORK/up.out" 2>"$WORK/up.err" </dev/null ||
		die "rove up failed: $(cat "$WORK/up.err")"
	t1=$(now_us)
	rt=$(round_trips "$mark")
	echo "$t0 $t1" >>"$WORK/$1.windows"
	rove down bench >"$WORK/down.out" 2>&1 </dev/null || die "rove down failed"
	wait_for 50 gw_sa_count_is 0 || die "the gateway kept rove's IKE SA"
	echo "$(((t1 - t0 + 500) / 1000)) $rt"
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

# IKE on the client's uplink (UDP 500, and UDP 4500 with the non-ESP
# marker), captured through all runs; phases() cuts it into the runs'
# windows.
start_capture() {
	in_ns "$NS_C" tcpdump -i out0 -n -U -s 96 -w "$WORK/ike.pcap" \
		"host $GW_ADDR and (udp port 500 or (udp port 4500 and udp[8:4] = 0))" \
		>"$WORK/tcpdump.out" 2>&1 &
	PIDS+=("$!")
	wait_for 50 grep -qs listening "$WORK/tcpdump.out" || die "tcpdump did not start"
}

# phases LABEL WINDOWS: the medians of start to first IKE packet out, the
# exchanges (first packet out to last IKE packet in) and the last packet in
# to the command's return, from the capture (the wall clock tcpdump stamps
# with is the one the windows were taken with).
phases() {
	tcpdump -r "$WORK/ike.pcap" -n -tt 2>/dev/null >"$WORK/ike.txt" || true
	"$PYTHON" - "$1" "$2" "$WORK/ike.txt" "$CLIENT_ADDR" <<'PY'
import statistics, sys
label, windows, text, me = sys.argv[1:]
pkts = []
for l in open(text):
    f = l.split()
    if len(f) > 3 and f[1] == "IP":
        pkts.append((int(round(float(f[0]) * 1e6)), f[2].rsplit(".", 1)[0] == me))
first, exch, ret = [], [], []
for w in open(windows):
    t0, t1 = map(int, w.split())
    run = [p for p in pkts if t0 <= p[0] <= t1]
    out = [t for t, o in run if o]
    inn = [t for t, o in run if not o]
    if not out or not inn:
        continue
    first.append((out[0] - t0) / 1000)
    exch.append((inn[-1] - out[0]) / 1000)
    ret.append((t1 - inn[-1]) / 1000)
if not first:
    print("%-11s phases: no IKE packets captured" % (label + ":"))
else:
    print("%-11s start to first packet %5.1f ms, exchanges %5.1f ms, last response to return %5.1f ms  (medians, %d runs)"
          % (label + ":", statistics.median(first), statistics.median(exch),
             statistics.median(ret), len(first)))
PY
}

# The strongSwan client's connections for the certificate methods.
sw_cert_conns() {
	local name auth id
	echo "connections {"
	for name in pubkey eap-tls; do
		auth=$name
		id='"O=rove clients, CN=carol"'
		[ "$name" = eap-tls ] && id=carol@tls.rove.test
		printf '\tbench-%s {\n\t\tremote_addrs = %s\n\t\tvips = 0.0.0.0\n' "$name" "$GW_ADDR"
		printf '\t\tlocal {\n\t\t\tauth = %s\n\t\t\tcerts = carol.pem\n\t\t\tid = %s\n\t\t}\n' \
			"$auth" "$id"
		printf '\t\tremote {\n\t\t\tauth = pubkey\n\t\t\tid = %s\n\t\t\tcacerts = ca.pem\n\t\t}\n' \
			"$GW_NAME"
		printf '\t\tchildren {\n\t\t\tc {\n\t\t\t\tremote_ts = %s\n\t\t\t}\n\t\t}\n\t}\n' "$LAN_NET"
	done
	echo "}"
}

integ_init
setup_net
make_pki "$WORK/pki"
start_gw "$WORK/gw"
# Random ports: UDP 500 and 4500 of the client namespace stay rove's.
start_sw_client --random-ports
# Certificate methods: one client certificate (e-mail carol@tls.rove.test
# for EAP-TLS, subject DN for pubkey), added to the strongSwan client.
if [ "$method" != eap-mschapv2 ]; then
	client_cert carol ecdsa ca tls.rove.test
	mkdir -p "$SW_DIR/x509" "$SW_DIR/ecdsa"
	cp "$PKI_DIR/carol.pem" "$SW_DIR/x509/"
	cp "$PKI_DIR/carol.key" "$SW_DIR/ecdsa/"
	sw_cert_conns >>"$SW_DIR/swanctl.conf"
	swanctl_at "$SW_DIR" --load-all --file "$SW_DIR/swanctl.conf" >"$SW_DIR/load.out" 2>&1 ||
		die "the strongSwan client refused the certificate connections"
fi
have_rove=0
if [ -x "$ROVE_BIN" ]; then
	have_rove=1
	case $method in
	eap-mschapv2) profile=$(profile_eap bench) ;;
	eap-tls) profile=$(write_profile bench server="$GW_ADDR" remote-id="$GW_NAME" \
		ca="$PKI_DIR/ca.pem" auth=eap-tls local-id=carol@tls.rove.test \
		cert="$PKI_DIR/carol.pem" key="$PKI_DIR/carol.key") ;;
	pubkey) profile=$(write_profile bench server="$GW_ADDR" remote-id="$GW_NAME" \
		ca="$PKI_DIR/ca.pem" cert="$PKI_DIR/carol.pem" key="$PKI_DIR/carol.key") ;;
	esac
fi

start_capture
say "connect time, $method with a certificate gateway, $runs runs each"
: >"$WORK/sw.times"
: >"$WORK/rove.times"
: >"$WORK/other.times"
: >"$WORK/sw.windows"
: >"$WORK/rove.windows"
: >"$WORK/other.windows"
[ -z "$other" ] || [ -x "$other" ] || die "-b $other: not an executable"
for _ in $(seq "$runs"); do
	sw_once >>"$WORK/sw.times"
	[ "$have_rove" = 1 ] && rove_once rove >>"$WORK/rove.times"
	if [ -n "$other" ]; then
		ROVE_BIN=$other rove_once other >>"$WORK/other.times"
	fi
	printf '.'
done
echo

summary strongSwan "$WORK/sw.times" >"$WORK/sw.sum"
head -n 1 "$WORK/sw.sum"
if [ "$have_rove" = 1 ]; then
	summary rove "$WORK/rove.times" >"$WORK/rove.sum"
	head -n 1 "$WORK/rove.sum"
	phases strongSwan "$WORK/sw.windows"
	phases rove "$WORK/rove.windows"
	ratio() {
		"$PYTHON" -c 'import sys; print("ratio %s/strongSwan: %.2f" % (sys.argv[1], float(sys.argv[2]) / float(sys.argv[3])))' \
			"$1" "$(tail -n 1 "$2")" "$(tail -n 1 "$WORK/sw.sum")"
	}
	ratio rove "$WORK/rove.sum"
	if [ -n "$other" ]; then
		say "-b: $other"
		summary other "$WORK/other.times" >"$WORK/other.sum"
		head -n 1 "$WORK/other.sum"
		phases other "$WORK/other.windows"
		ratio other "$WORK/other.sum"
	fi
else
	say "rove: not built ($ROVE_BIN)"
fi
