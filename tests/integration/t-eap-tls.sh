#!/bin/bash
# auth=eap-tls: rove's certificate inside EAP-TLS (TLS 1.2, RFC 5216), the
# gateway's TLS certificate checked like its IKE certificate, traffic
# through the tunnel; a client certificate from a CA the gateway does not
# trust is refused.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=clientcert.sh
. "$(dirname "$0")/clientcert.sh"

need_rove
need_tools openssl # PKCS#8 and PKCS#12 files (clientcert.sh)
integ_init
setup_net
make_pki "$WORK/pki"
client_cert carol ecdsa ca tls.rove.test
client_cert dave rsa ca tls.rove.test
client_cert eve ecdsa evil-ca tls.rove.test
client_p12 dave "p12-pass"
start_gw "$WORK/gw"

base() { echo server="$GW_ADDR" remote-id="$GW_NAME" ca="$PKI_DIR/ca.pem" auth=eap-tls; }

# shellcheck disable=SC2317 # called through check
table_shows() { rove status "$1" </dev/null | grep -q "^$1: EAP-TLS TLSv1.2 "; }

# tls_up NAME PROFILE WHO
tls_up() {
	local name=$1 profile=$2 who=$3 j=$WORK/status-$1.json mark
	say "# $name: EAP-TLS with the certificate of $who"
	mark=$(gw_log_lines)
	if ! rove_to "up-$name" up "$profile"; then
		flunk "rove up $name exits 0"
		return 0
	fi
	pass "rove up $name exits 0"
	check "rove status $name --json" rove_status_json "$name"
	check "state is established" test "$(json_get "$j" state)" = established
	check "status shows TLS 1.2" test "$(json_get "$j" eap_tls.version)" = TLSv1.2
	check "status shows the cipher suite" test -n "$(json_get "$j" eap_tls.cipher)"
	check "the table shows them" table_shows "$name"
	check "the gateway chose its connection eap-tls" \
		gw_sas_match "^eap-tls: #[0-9]+, ESTABLISHED, IKEv2"
	check "the gateway completed EAP-TLS" \
		test "$(gw_log_count "EAP method EAP_TLS succeeded, MSK established" "$mark")" = 1
	check "the gateway verified the MSK-based AUTH" \
		test "$(gw_log_count "authentication of '$who@tls.rove.test' with EAP successful" "$mark")" = 1
	check "traffic through the tunnel" tcp_transfer 200000
	check "rove down $name exits 0" rove_to "down-$name" down "$name"
	check "the gateway no longer lists it" wait_for 30 gw_sa_count_is 0
}

# shellcheck disable=SC2046
tls_up tls-ecdsa "$(write_profile tls-ecdsa $(base) local-id=carol@tls.rove.test \
	cert="$PKI_DIR/carol.pem" key="$PKI_DIR/carol.key")" carol
# RSA from a PKCS#12 bundle: its TLS flight exceeds one EAP-TLS fragment.
# shellcheck disable=SC2046
tls_up tls-rsa "$(write_profile tls-rsa $(base) local-id=dave@tls.rove.test \
	cert="$PKI_DIR/dave.p12" -- key-password=p12-pass)" dave

say "# a client certificate the gateway does not trust"
mark=$(gw_log_lines)
# shellcheck disable=SC2046
p=$(write_profile tls-evil $(base) local-id=eve@tls.rove.test cert="$PKI_DIR/eve.pem" \
	key="$PKI_DIR/eve.key")
check "rove up fails" not rove_to up-tls-evil up "$p"
check "... saying the gateway refused our certificate" \
	grep -q "the gateway refused our certificate in EAP-TLS (TLS alert: certificate unknown)" \
	"$WORK/up-tls-evil.err"
check "the gateway did not complete EAP-TLS" \
	test "$(gw_log_count "EAP method EAP_TLS succeeded" "$mark")" = 0
check "the gateway no longer lists it" wait_for 30 gw_sa_count_is 0
check "the run directory holds no socket or pid file" run_dir_clean
check "no process is left in the client namespace" wait_for 30 client_ns_idle
finish
