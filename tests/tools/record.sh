#!/bin/bash
# Records the exchanges that tests/unit/test_engine.c replays: the engine
# (tests/tools/rove-record) against a real strongSwan gateway, EAP-MSCHAPv2
# and PSK, with fixed seeds. Run as root after building; rewrites
# tests/data/{eap,psk,retry}.rec and their CA files, plus other-ca.pem (an unrelated
# CA for the untrusted-CA case). Not part of the test suite: run it again
# when the engine's messages change on purpose, and commit the result.
#   bash tests/tools/record.sh [BUILD_DIR]          # eap, psk, retry
#   bash tests/tools/record.sh BUILD_DIR --nat     # nat (behind a NAT box)
#   bash tests/tools/record.sh BUILD_DIR --dpd     # dpd (one liveness check)
#   bash tests/tools/record.sh BUILD_DIR --frag    # frag (IKE fragments both ways)
#   bash tests/tools/record.sh BUILD_DIR --redirect # redirect (swanctl --redirect)
#   bash tests/tools/record.sh BUILD_DIR --rekey   # rekey-gw, rekey-ours
#   bash tests/tools/record.sh BUILD_DIR --mobike  # mobike (a move to a second address)
#   bash tests/tools/record.sh BUILD_DIR --collide # collide-{child,ike}-{ours,gw} (rekey collisions)
#   bash tests/tools/record.sh BUILD_DIR --mobike-rekey # mobike-child, mobike-ike (a move after a rekey)
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

build=${1:-build}
recorder=$(cd "$build" && pwd)/tests/tools/rove-record
mkdir -p "$INTEG_DIR/../data"
data=$(cd "$INTEG_DIR/../data" && pwd)
[ -x "$recorder" ] || die "build $recorder first"

integ_init
if [ "${2:-}" = --nat ]; then
	# nat.rec: behind a masquerading NAT box, so the engine sees its own
	# address rewritten (NAT-T with keepalives).
	setup_net --nat
	make_pki "$WORK/pki"
	start_gw "$WORK/gw"
fi

record() { # name, args...
	local name=$1
	shift
	ip netns exec "$NS_C" "$recorder" "$WORK/$name.rec" "$@" ||
		{ show_logs; die "recording $name failed"; }
	cp "$WORK/$name.rec" "$data/$name.rec"
	cp "$PKI_DIR/${REC_CA:-ca}.pem" "$data/$name.ca.pem"
	say "recorded $data/$name.rec ($(grep -c '^[<>]' "$data/$name.rec") datagrams)"
}

if [ "${2:-}" = --dpd ]; then
	# dpd.rec: PSK, then one liveness check after an idle second, answered
	# by the gateway, then the DELETE.
	setup_net
	make_pki "$WORK/pki"
	start_gw "$WORK/gw"
	record dpd rove-dpd-seed "$CLIENT_ADDR" "$GW_ADDR" "$GW_NAME" "$PKI_DIR/ca.pem" \
		psk "$PSK_ID_CERT" "$PSK_SECRET" dpd
	finish
fi

if [ "${2:-}" = --frag ]; then
	# frag.rec: the gateway of t-frag.sh (RSA-3072 chain, fragment_size
	# 600) sends its IKE_AUTH answer in fragments; fragment-size=400 makes
	# the engine send its first IKE_AUTH request in fragments too.
	setup_net
	make_pki "$WORK/pki"
	make_pki_chain3 "$PKI_DIR"
	GW_CA_CERTS="root3 int3"
	start_gw "$WORK/gw" --cert gw3 --charon "fragment_size = 600"
	REC_CA=root3 record frag rove-frag-seed "$CLIENT_ADDR" "$GW_ADDR" gw3.rove.test \
		"$PKI_DIR/root3.pem" eap "$EAP_USER" "$EAP_PASSWORD" frag=400
	grep -q 'reassembled message 1' "$data/frag.rec" || die "no reassembled message"
	grep -q 'fragments of at most' "$data/frag.rec" || die "no request sent in fragments"
	finish
fi

if [ "${2:-}" = --redirect ]; then
	# redirect.rec: EAP; once up, the gateway redirects the session to
	# 198.51.100.7 (swanctl --redirect, an INFORMATIONAL request with
	# N(REDIRECT)); the engine answers and deletes its IKE SA. Nothing
	# needs to listen at the new address: the recording stops there.
	setup_net
	make_pki "$WORK/pki"
	start_gw "$WORK/gw"
	(
		wait_for 200 gw_sa_count_is 1 && sleep 0.5 &&
			swanctl_at "$GW_DIR" --redirect --ike eap --gateway 198.51.100.7 \
				>"$WORK/redirect.out" 2>&1
	) &
	PIDS+=("$!")
	record redirect rove-redirect-seed "$CLIENT_ADDR" "$GW_ADDR" "$GW_NAME" "$PKI_DIR/ca.pem" \
		eap "$EAP_USER" "$EAP_PASSWORD" redirect
	grep -q 'N(REDIRECT)' "$data/redirect.rec" || die "the gateway sent no REDIRECT"
	finish
fi

if [ "${2:-}" = --mobike ]; then
	# mobike.rec: PSK, MOBIKE announced; once up the engine moves from
	# 192.0.2.2 to 192.0.2.3 (UPDATE_SA_ADDRESSES) and closes after the
	# gateway accepted it.
	setup_net
	ip -n "$NS_C" addr add 192.0.2.3/24 dev out0
	make_pki "$WORK/pki"
	start_gw "$WORK/gw"
	record mobike rove-mobike-seed "$CLIENT_ADDR" "$GW_ADDR" "$GW_NAME" "$PKI_DIR/ca.pem" \
		psk "$PSK_ID_CERT" "$PSK_SECRET" 192.0.2.3
	grep -q 'N(UPD_SA_ADDR)' "$WORK/gw/charon.log" || die "the gateway saw no address update"
	gw_log | grep -E 'UPD_SA_ADDR|MOBIKE|INFORMATIONAL' | sed 's/^/    /'
	finish
fi
# record_collision NAME KIND PATTERN: the gateway rekeys KIND (child or
# ike) every 3 s; rove-record starts its own rekey of that SA the moment
# the gateway's request arrives (ROVE_RECORD_COLLIDE), so the two cross
# for real. Which exchange holds the lowest nonce is chance (the gateway's
# nonce is its own): seeds are tried until the session log says PATTERN.
record_collision() {
	local name=$1 kind=$2 pattern=$3 rekey n
	[ "$kind" = child ] && rekey="60 0 1" || rekey="0 60 1"
	for n in 1 2 3 4 5 6 7 8 9 10 11 12; do
		ROVE_RECORD_COLLIDE=$kind ROVE_RECORD_REKEY=$rekey ip netns exec "$NS_C" "$recorder" \
			"$WORK/$name.rec" "rove-$name-$n" "$CLIENT_ADDR" "$GW_ADDR" "$GW_NAME" \
			"$PKI_DIR/ca.pem" psk "$PSK_ID_CERT" "$PSK_SECRET" >"$WORK/$name.out" 2>&1 ||
			{ tail -20 "$WORK/$name.out"; show_logs; die "recording $name failed"; }
		grep -q '^= rekey' "$WORK/$name.rec" || die "$name: the gateway did not rekey"
		if grep -q "$pattern" "$WORK/$name.rec"; then
			cp "$WORK/$name.rec" "$data/$name.rec"
			cp "$PKI_DIR/ca.pem" "$data/$name.ca.pem"
			say "recorded $data/$name.rec (seed $n, $(grep -c '^[<>]' "$data/$name.rec") datagrams)"
			return 0
		fi
	done
	die "$name: no seed gave \"$pattern\""
}

if [ "${2:-}" = --collide ]; then
	setup_net
	make_pki "$WORK/pki"
	GW_CHILD_EXTRA="rekey_time = 3s
				rand_time = 1s
				life_time = 60s" start_gw "$WORK/gw"
	record_collision collide-child-ours child 'rekey collision: ours has the lowest'
	record_collision collide-child-gw child "rekey collision: the gateway's has the lowest"
	gw_log | grep -iE 'collision|redundant' | sed 's/^/    /'
	stop_gw
	GW_IKE_EXTRA="rekey_time = 3s
		rand_time = 1s
		over_time = 30s" start_gw "$WORK/gw2"
	record_collision collide-ike-ours ike 'IKE SA rekey collision: ours has the lowest'
	record_collision collide-ike-gw ike "IKE SA rekey collision: the gateway's has the lowest"
	gw_log | grep -iE 'collision|redundant' | sed 's/^/    /'
	finish
fi

if [ "${2:-}" = --mobike-rekey ]; then
	# mobike-child.rec: the gateway rekeys the CHILD SA after about 3 s; at
	# once (the replaced SA not yet deleted) rove moves to 192.0.2.3.
	# mobike-ike.rec: rove rekeys the IKE SA after about 2 s and moves at
	# once: the update goes on the new IKE SA while the old one's DELETE is
	# still in flight.
	setup_net
	ip -n "$NS_C" addr add 192.0.2.3/24 dev out0
	make_pki "$WORK/pki"
	GW_CHILD_EXTRA="rekey_time = 3s
				rand_time = 1s
				life_time = 60s" start_gw "$WORK/gw"
	ROVE_RECORD_REKEY="0 0 1" record mobike-child rove-mobike-child-seed "$CLIENT_ADDR" \
		"$GW_ADDR" "$GW_NAME" "$PKI_DIR/ca.pem" psk "$PSK_ID_CERT" "$PSK_SECRET" 192.0.2.3
	grep -q 'CHILD SA rekeyed (by the gateway)' "$data/mobike-child.rec" || die "no CHILD rekey"
	stop_gw
	start_gw "$WORK/gw2"
	ROVE_RECORD_REKEY="0 2 1" record mobike-ike rove-mobike-ike-seed "$CLIENT_ADDR" \
		"$GW_ADDR" "$GW_NAME" "$PKI_DIR/ca.pem" psk "$PSK_ID_CERT" "$PSK_SECRET" 192.0.2.3
	grep -q 'IKE SA rekeyed (by us)' "$data/mobike-ike.rec" || die "no IKE rekey"
	grep -q 'N(UPD_SA_ADDR)' "$WORK/gw2/charon.log" || die "the gateway saw no address update"
	finish
fi
if [ "${2:-}" = --nat ]; then
	record nat rove-nat-seed "$CLIENT_ADDR" "$GW_ADDR" "$GW_NAME" "$PKI_DIR/ca.pem" \
		eap "$EAP_USER" "$EAP_PASSWORD"
	grep -q 'we are behind a NAT' "$data/nat.rec" || die "no NAT seen"
	finish
fi
if [ "${2:-}" = --rekey ]; then
	# rekey-gw.rec: the gateway rekeys the CHILD SA every 3 s and the IKE
	# SA every 5 s; rove only answers, and closes after three rekeys.
	setup_net
	make_pki "$WORK/pki"
	GW_IKE_EXTRA="rekey_time = 5s
		rand_time = 1s
		over_time = 30s" GW_CHILD_EXTRA="rekey_time = 3s
				rand_time = 1s
				life_time = 60s" start_gw "$WORK/gw"
	ROVE_RECORD_REKEY="0 0 3" record rekey-gw rove-rekey-gw-seed "$CLIENT_ADDR" "$GW_ADDR" \
		"$GW_NAME" "$PKI_DIR/ca.pem" psk "$PSK_ID_CERT" "$PSK_SECRET"
	grep -q 'CHILD SA rekeyed (by the gateway)' "$data/rekey-gw.rec" || die "no CHILD rekey"
	grep -q 'IKE SA rekeyed (by the gateway)' "$data/rekey-gw.rec" || die "no IKE rekey"
	# rekey-ours.rec: rove rekeys the CHILD SA after 2 s and the IKE SA
	# after 3 s (less the jitter); the gateway keeps its defaults.
	stop_gw
	start_gw "$WORK/gw2"
	ROVE_RECORD_REKEY="2 3 3" record rekey-ours rove-rekey-ours-seed "$CLIENT_ADDR" "$GW_ADDR" \
		"$GW_NAME" "$PKI_DIR/ca.pem" psk "$PSK_ID_CERT" "$PSK_SECRET"
	grep -q 'CHILD SA rekeyed (by us)' "$data/rekey-ours.rec" || die "no CHILD rekey"
	grep -q 'IKE SA rekeyed (by us)' "$data/rekey-ours.rec" || die "no IKE rekey"
	finish
fi
setup_net
make_pki "$WORK/pki"
start_gw "$WORK/gw"
record eap rove-eap-seed "$CLIENT_ADDR" "$GW_ADDR" "$GW_NAME" "$PKI_DIR/ca.pem" \
	eap "$EAP_USER" "$EAP_PASSWORD"
record psk rove-psk-seed "$CLIENT_ADDR" "$GW_ADDR" "$GW_NAME" "$PKI_DIR/ca.pem" \
	psk "$PSK_ID_CERT" "$PSK_SECRET"
cp "$PKI_DIR/evil-ca.pem" "$data/other-ca.pem"

# retry.rec: a gateway under load asks for a COOKIE (RFC 7296 2.6) and
# wants ECP-384, not our preferred group (INVALID_KE_PAYLOAD, 1.2). The load
# is one half-open IKE SA from a second client address whose IKE_AUTH never
# arrives (dropped on the gateway).
stop_gw
GW_IKE_PROPOSALS=aes256gcm16-prfsha384-ecp384
start_gw "$WORK/gw2" --charon "cookie_threshold = 1"
ip -n "$NS_C" addr add 192.0.2.3/24 dev out0
ip netns exec "$NS_G" nft add table inet halfopen
ip netns exec "$NS_G" nft add chain inet halfopen in '{ type filter hook input priority 0; }'
ip netns exec "$NS_G" nft add rule inet halfopen in ip saddr 192.0.2.3 udp dport 4500 drop
ip netns exec "$NS_C" timeout 10 "$recorder" "$WORK/halfopen.rec" halfopen 192.0.2.3 "$GW_ADDR" \
	"$GW_NAME" "$PKI_DIR/ca.pem" eap "$EAP_USER" "$EAP_PASSWORD" >/dev/null 2>&1 &
halfopen=$!
PIDS+=("$halfopen")
sleep 1
record retry rove-retry-seed "$CLIENT_ADDR" "$GW_ADDR" "$GW_NAME" "$PKI_DIR/ca.pem" \
	eap "$EAP_USER" "$EAP_PASSWORD"
grep -q 'N(COOKIE)' "$data/retry.rec" || die "the gateway asked for no cookie"
grep -q 'N(INVALID_KE_PAYLOAD)' "$data/retry.rec" || die "the gateway did not ask for another group"
finish
