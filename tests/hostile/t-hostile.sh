#!/bin/bash
# The hostile gateway: rove against tests/hostile/responder.py, a scripted
# IKEv2 responder with a real key schedule that misbehaves in one way per
# case, in the exchange the case names. For each case rove's `-v` log must
# show that rove reached that exchange and its own sentence for what it did
# about the misbehaviour (refused, or dropped the bad message and went on
# with the good one the responder sends after it), with no crash, no hang
# (every wait is bounded) and, with rove built with ASan/UBSan (tests/
# run-all.sh runs this suite from its sanitizer build), no sanitizer report
# or leak in any of rove's logs. Arguments: case names (default: all).
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
HOSTILE_DIR=$(cd "$(dirname "$0")" && pwd)
RESPONDER_PYTHON=/usr/bin/python3 # Debian's, with python3-cryptography

need_rove
integ_init
"$RESPONDER_PYTHON" -c 'import cryptography' 2>/dev/null ||
	skip "the responder needs python3-cryptography (as root: bash tests/install-deps.sh)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if grep -qa '__asan_init' "$ROVE_BIN"; then
	say "# $ROVE_BIN is built with AddressSanitizer"
else
	say "# $ROVE_BIN is not built with sanitizers: crashes are caught, leaks are not" \
		"(tests/run-all.sh runs this suite from its -Db_sanitize build)"
fi
setup_net
make_pki "$WORK/pki"

# CASE AUTH OUTCOME REACHED SENTENCE: OUTCOME is up (rove drops the bad
# message, comes up with the good one after it), refused (rove up fails) or
# ended (rove comes up, then ends the session for what the gateway does);
# REACHED and SENTENCE are fixed strings of rove's log.
CASES=(
	"none|psk|up|received IKE_AUTH response 1|none: up"
	"downgrade|psk|refused|received IKE_SA_INIT response 0|the gateway chose encr(3)-integ(1)-prf(1)-dh(2) which we did not offer"
	"truncated|psk|up|dropping malformed message from the gateway: CERTREQ payload|runs past the end"
	"overlong|psk|refused|received IKE_SA_INIT response 0|x25519 KE data is 96 bytes, want 32"
	"duplicate|psk|up|received IKE_SA_INIT response 0|dropping malformed message from the gateway: two KE payloads in one message"
	"wrong-spi|psk|up|received IKE_SA_INIT response 0|dropping message for another IKE SA"
	"wrong-spi-r|psk|up|received IKE_SA_INIT response 0|dropping response 1: integrity check failed"
	"wrong-msgid|psk|up|received IKE_SA_INIT response 0|dropping unexpected response 7"
	"bad-icv|psk|up|received IKE_SA_INIT response 0|dropping response 1: integrity check failed"
	"other-name|psk|refused|received IKE_AUTH response 1|the server's certificate is for other.rove.test (DNS), not gw.rove.test"
	"cert-loop|psk|refused|received IKE_AUTH response 1 [ IDr CERT CERT CERT AUTH|issued by CN=loop X,O=rove tests) is not signed by a trusted CA"
	"cert-long|psk|refused|received IKE_AUTH response 1|the gateway sent 41 certificates, more than the 8 of a chain rove follows"
	"huge-certreq|psk|up|CERTREQ CERTREQ CERTREQ ]|the gateway's CERTREQ names 3000 CAs; rove reads the first 100"
	"eap-bad-success|eap|refused|received IKE_AUTH response 2 [ EAP ]|the gateway did not prove it knows the password (bad MSCHAPv2 authenticator response)"
	"eap-early-success|eap|refused|received IKE_AUTH response 2 [ EAP ]|the gateway sent EAP-Success without proving it knows the password"
	"frag-overlap|psk|up|response 1: fragment 2 of 3 kept|dropping response 1: duplicate fragment 2 of 3"
	"frag-incomplete|psk|up|response 1: fragment 2 of 3 kept|frag-incomplete: up"
	"frag-too-many|psk|up|the gateway takes IKE fragments|dropping response 1: a message in 60000 fragments (at most 64 taken)"
	"frag-too-big|psk|up|the gateway takes IKE fragments|dropping response 1: fragments add up to more than 65535 bytes"
	"redirect-loop|psk|refused|received IKE_SA_INIT response 0 [ N(REDIRECT) ]|a redirect loop"
	"info-flood|psk|ended|received INFORMATIONAL request 0|far more than any gateway needs; ending the session: check the gateway (or an attacker on the path)"
)

responder_log() { cat "$WORK/resp-$1.log" 2>/dev/null; }
rove_said() { # CASE STRING: in the session log or rove up's output
	cat "$RUN_DIR/$1.log" "$WORK/up-$1.out" "$WORK/up-$1.err" 2>/dev/null | grep -qF -- "$2"
}
printable() { ! LC_ALL=C grep -q '[^[:print:][:space:]]' "$1"; }
no_sanitizer_report() {
	! grep -sqE 'ERROR: [A-Za-z]+Sanitizer|runtime error:|LeakSanitizer' \
		"$RUN_DIR/$1.log" "$WORK/up-$1.err" "$WORK/down-$1.err"
}

# The session process's CPU time so far in ms, into FLOOD_CPU_MS (kept
# when the process is gone).
FLOOD_CPU_MS=
sample_cpu() { # PID
	local t
	t=$(awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -n "$t" ] && FLOOD_CPU_MS=$((t * 1000 / $(getconf CLK_TCK)))
	return 0
}

# After `rove up`: rove answers the flood at its pace and ends the session.
# Waits (bounded: the responder floods for 10 s at most) for its sentence,
# sampling the session's CPU time, which is reported, not judged.
wait_flood_end() { # NAME SENTENCE
	local spid
	spid=$(cat "$RUN_DIR/$1.pid" 2>/dev/null)
	for _ in $(seq 200); do
		[ -n "$spid" ] && sample_cpu "$spid"
		rove_said "$1" "$2" && break
		sleep 0.1
	done
}

# The flood: rove left most of it unanswered, warned once, and its log
# did not grow per request; the responder saw its DELETE.
check_flood() { # NAME
	local n=$1 summary sent answered lines
	check "$n: the responder flooded rove" \
		wait_for 150 grep -q "requests sent in" "$WORK/resp-$n.log"
	summary=$(grep "requests sent in" "$WORK/resp-$n.log" | tail -1)
	sent=$(sed -n 's/.*: \([0-9]*\) requests sent.*/\1/p' <<<"$summary")
	answered=$(sed -n 's/.* \([0-9]*\) answered.*/\1/p' <<<"$summary")
	lines=$(wc -l <"$RUN_DIR/$n.log" 2>/dev/null || echo 0)
	say "    flood: ${sent:-?} requests sent, ${answered:-?} answered; session log $lines lines;" \
		"session CPU ${FLOOD_CPU_MS:-?} ms in all"
	check "$n: rove left the excess unanswered ($answered of $sent answered)" \
		test "${answered:-0}" -lt "$((${sent:-0} / 2))"
	check "$n: the session log did not grow per request ($lines lines, $sent requests)" \
		test "$((2 * lines))" -lt "${sent:-0}"
	check "$n: rove warned once" \
		test "$(grep -cF "the gateway sends requests faster than 10 a second" "$RUN_DIR/$n.log")" = 1
	check "$n: rove deleted the IKE SA" grep -q "then rove's DELETE" "$WORK/resp-$n.log"
}

run_case() {
	local name=$1 auth=$2 outcome=$3 reached=$4 sentence=$5 profile rc=0 pid t0
	say "## $name: $(grep -F "\"$name\":" "$HOSTILE_DIR/responder.py" | cut -d'"' -f4)"
	ip netns exec "$NS_G" "$RESPONDER_PYTHON" "$HOSTILE_DIR/responder.py" --addr "$GW_ADDR" \
		--pki "$PKI_DIR" --case "$name" >"$WORK/resp-$name.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	if ! wait_for 100 grep -q "responder on" "$WORK/resp-$name.log"; then
		flunk "$name: the responder started"
		responder_log "$name"
		return
	fi
	if [ "$auth" = eap ]; then
		profile=$(profile_eap "$name")
	else
		profile=$(profile_psk_cert "$name")
	fi
	t0=$(date +%s%N)
	# Bounded: rove gives up on its own after 30 s; 60 s is a hang.
	timeout 60 ip netns exec "$NS_C" env ROVE_RUN_DIR="$RUN_DIR" ROVE_CONFIG_DIR="$PROFILE_DIR" \
		"$ROVE_BIN" up -v "$profile" >"$WORK/up-$name.out" 2>"$WORK/up-$name.err" </dev/null || rc=$?
	say "    rove up -> exit $rc after $((($(date +%s%N) - t0) / 1000000)) ms"
	check "$name: rove up did not hang or crash (exit $rc)" test "$rc" -lt 124
	if [ "$outcome" = ended ]; then
		wait_flood_end "$name" "$sentence"
	fi
	check "$name: rove reached the exchange ($reached)" rove_said "$name" "$reached"
	check "$name: rove said: $sentence" rove_said "$name" "$sentence"
	if [ "$outcome" = up ]; then
		check "$name: rove up succeeded with the good message" test "$rc" = 0
		check "$name: rove status answers" rove_status_json "$name"
		check "$name: the session is established" \
			test "$(json_get "$WORK/status-$name.json" state)" = established
		rove status "$name" >"$WORK/status-$name.txt" 2>&1 </dev/null || true
		check "$name: rove status prints only text" printable "$WORK/status-$name.txt"
		check "$name: rove down" rove_to "down-$name" down "$name"
	elif [ "$outcome" = ended ]; then
		check "$name: rove up succeeded before the flood" test "$rc" = 0
		check_flood "$name"
	else
		check "$name: rove up refused (exit 1)" test "$rc" = 1
	fi
	check "$name: no rove process is left" wait_for 50 client_ns_idle
	check "$name: no socket or pid file is left" run_dir_clean
	check "$name: no sanitizer report or leak" no_sanitizer_report "$name"
	stop_pid "$pid"
	say "    responder: $(responder_log "$name" | tail -n +2 | cut -d' ' -f2- | tr '\n' '|')"
}

t_all=$(date +%s)
for c in "${CASES[@]}"; do
	IFS='|' read -r name auth outcome reached sentence <<<"$c"
	if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
	run_case "$name" "$auth" "$outcome" "$reached" "$sentence"
done
say "# all cases in $(($(date +%s) - t_all)) s"
finish
