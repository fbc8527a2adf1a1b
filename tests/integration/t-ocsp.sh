#!/bin/bash
# OCSP against the real gateway, with `openssl ocsp` as the responder the
# gateway's certificate names: a good certificate connects and the status
# says OCSP vouched for it; a revoked one is refused before any password
# proof leaves the machine; with the responder gone rove connects anyway
# (soft-fail, the default) and the status says revocation was not checked,
# while ocsp=require refuses.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=certpolicy.sh
. "$INTEG_DIR/certpolicy.sh"

need_rove
need_tools openssl ss
integ_init
setup_net
make_pki "$WORK/pki"
OCSP_URL=http://$GW_ADDR:$CP_OCSP_PORT
J=$WORK/status-vpn.json

cp_cert good --flag serverAuth --ocsp "$OCSP_URL"
cp_cert revoked --flag serverAuth --ocsp "$OCSP_URL"
cp_ocsp_index "$WORK/index.txt" good --revoked revoked
cp_ocsp_start "$WORK/index.txt"

# up_ok NAME WHAT REVOCATION-REGEX [PROFILE KEYS...]: rove connects to the
# gateway showing NAME and its status's revocation field matches.
up_ok() {
	local name=$1 what=$2 regex=$3 profile
	shift 3
	start_gw "$WORK/gw-$name-$RANDOM" --cert "$name"
	profile=$(cp_profile "$name" "$@")
	if rove_to "up-$name" up "$profile"; then
		pass "$what: rove up exits 0"
		check "$what: rove status --json" rove_status_json vpn
		say "    revocation: $(json_get "$J" revocation)"
		check "$what: the status says $regex" grep -qE -- "\"revocation\": *\"$regex" "$J"
		rove_to "status-$name" status vpn || true
		rove_to "down-$name" down vpn || true
	else
		flunk "$what: rove up exits 0"
	fi
	stop_gw
}

refused() {
	local name=$1 what=$2 regex=$3 profile rc=0
	shift 3
	start_gw "$WORK/gw-$name-$RANDOM" --cert "$name"
	profile=$(cp_profile "$name" "$@")
	rove_to "up-$name" up "$profile" || rc=$?
	check "$what: rove up exits 1" test "$rc" = 1
	check "$what: its own sentence" grep -qE -- "$regex" "$WORK/up-$name.err"
	check "$what: the gateway got rove's IKE_AUTH request" \
		test "$(gw_log_count "$LOG_IKE_AUTH")" -ge 1
	check "$what: no MSCHAPv2 response reached the gateway" \
		test "$(gw_log_count "$LOG_MSCHAPV2_RESPONSE")" = 0
	check "$what: no session is left" run_dir_clean
	stop_gw
}

up_ok good "good certificate" "OCSP $OCSP_URL: good"
check "the responder answered rove" wait_for 30 grep -q 'Cert Status: good' "$CP_OCSP_LOG"
refused revoked "revoked certificate" \
	"CN=revoked.rove.test,O=rove tests was revoked on .*\(OCSP responder $OCSP_URL\)"

cp_ocsp_stop
up_ok good "responder unreachable (soft-fail)" \
	"OCSP $OCSP_URL: unreachable: cannot connect to $GW_ADDR port $CP_OCSP_PORT.*, not checked"
check "rove status says revocation was not checked" \
	grep -q "vpn: gateway certificate revocation: OCSP .* not checked" "$WORK/status-good.out"
# A responder whose packets vanish: the fetch gives up on its own.
in_ns "$NS_G" nft -f - <<EOF
table inet rove_ocsp_drop {
	chain input {
		type filter hook input priority -10; policy accept;
		tcp dport $CP_OCSP_PORT drop
	}
}
EOF
up_ok good "responder silent (soft-fail)" \
	"OCSP $OCSP_URL: unreachable: cannot connect to $GW_ADDR port $CP_OCSP_PORT within the time limit, not checked"
in_ns "$NS_G" nft delete table inet rove_ocsp_drop
refused good "responder unreachable, ocsp=require" \
	"the OCSP responder $OCSP_URL gave no valid answer .* and the profile has ocsp=require" \
	ocsp=require
check "no process is left in the client namespace" wait_for 30 client_ns_idle
finish
