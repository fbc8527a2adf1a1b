#!/bin/bash
# The server-certificate policy against the real gateway: an expired, a
# wrong-EKU and a revoked certificate (by a CRL file in the profile, and by
# the CRL at the certificate's distribution point, served over HTTP beside
# the gateway) are each refused with their own sentence before any password
# proof leaves the machine; a certificate the fetched CRL does not list
# connects, and the status says the CRL was checked.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=certpolicy.sh
. "$INTEG_DIR/certpolicy.sh"

need_rove
integ_init
setup_net
make_pki "$WORK/pki"
CRL_URL=http://$GW_ADDR:$CP_HTTP_PORT/ca.crl

# A certificate for NAME.rove.test, the name start_gw --cert NAME uses.
cp_cert expired --not-before "$(date -u -d '-40 days' +%d.%m.%y\ %T)" \
	--not-after "$(date -u -d '-10 days' +%d.%m.%y\ %T)" --flag serverAuth
cp_cert clientonly --flag clientAuth
cp_cert revoked --flag serverAuth --crl "$CRL_URL"
cp_cert listed --flag serverAuth --crl "$CRL_URL" # not revoked, same CRL
pki --signcrl --cacert "$PKI_DIR/ca.pem" --cakey "$PKI_DIR/ca.key" \
	--cert "$PKI_DIR/revoked.pem" --reason key-compromise --outform der >"$WORK/ca.crl"
mkdir -p "$WORK/www"
cp "$WORK/ca.crl" "$WORK/www/ca.crl"

# refused NAME DESCRIPTION REGEX [PROFILE KEYS...]: the gateway shows the
# certificate NAME; rove must refuse it with a sentence matching REGEX.
refused() {
	local name=$1 what=$2 regex=$3 profile rc=0
	shift 3
	start_gw "$WORK/gw-$name" --cert "$name"
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

refused expired "expired certificate" \
	"certificate CN=expired.rove.test,O=rove tests expired on .*renew it"
refused clientonly "wrong Extended Key Usage" \
	"CN=clientonly.rove.test,O=rove tests has Extended Key Usage clientAuth only, not serverAuth or ipsecIKE: the gateway needs a certificate issued for servers"
# The CRL server is not running yet: only the file can say it is revoked.
refused revoked "revoked, CRL file" \
	"CN=revoked.rove.test,O=rove tests was revoked on .*\(CRL from $WORK/ca.crl\)" crl="$WORK/ca.crl"
cp_http_start "$WORK/www"
refused revoked "revoked, CRL fetched over HTTP" \
	"CN=revoked.rove.test,O=rove tests was revoked on .*\(CRL from $CRL_URL\)"

# The same CRL, for a certificate it does not list: up, and said so.
start_gw "$WORK/gw-listed" --cert listed
profile=$(cp_profile listed)
require "a certificate the CRL does not list: rove up exits 0" rove_to up-listed up "$profile"
require "rove status --json" rove_status_json vpn
check "the status says the fetched CRL was checked" \
	test "$(json_get "$WORK/status-vpn.json" revocation)" = "not revoked (CRL from $CRL_URL)"
check "the CRL server saw the GET" grep -q 'GET /ca.crl' "$CP_HTTP_LOG"
rove_to down down vpn || true

# rove check loads crl= as rove up would.
profile=$(cp_profile listed crl="$WORK/missing.crl")
rc=0
rove_to check check "$profile" || rc=$?
check "rove check with a missing CRL file exits 2" test "$rc" = 2
check "rove check names the crl key and the file" \
	grep -q "crl: cannot read CRL file $WORK/missing.crl" "$WORK/check.out" "$WORK/check.err"
check "no process is left in the client namespace" wait_for 30 client_ns_idle
finish
