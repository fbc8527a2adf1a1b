#!/bin/bash
# auth=pubkey: rove proves itself with a certificate (RFC 7427 signature)
# and the gateway with its own. ECDSA and RSA keys, an encrypted PKCS#8
# key, a PKCS#12 bundle; a certificate from a CA the gateway does not
# trust is refused by the gateway and rove says so.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=clientcert.sh
. "$(dirname "$0")/clientcert.sh"

need_rove
need_tools openssl # PKCS#8 and PKCS#12 files (clientcert.sh)
integ_init
setup_net
make_pki "$WORK/pki"
client_cert carol ecdsa
client_cert dave rsa
client_cert eve ecdsa evil-ca
client_pkcs8 carol "pkcs8-pass"
client_p12 dave "p12-pass"
start_gw "$WORK/gw"

# pubkey_up NAME PROFILE CERT-NAME KEY-KIND: up, traffic, the gateway's view, down.
pubkey_up() {
	local name=$1 profile=$2 who=$3 kind=$4 j=$WORK/status-$1.json mark
	say "# $name: certificate of $who ($kind)"
	mark=$(gw_log_lines)
	if ! rove_to "up-$name" up "$profile"; then
		flunk "rove up $name exits 0"
		return 0
	fi
	pass "rove up $name exits 0"
	check "rove said it authenticated with its certificate" \
		grep -q "authenticated with our certificate" "$WORK/up-$name.out" "$WORK/up-$name.err"
	check "rove status $name --json" rove_status_json "$name"
	check "state is established" test "$(json_get "$j" state)" = established
	check "virtual IP in $POOL" in_pool "$(json_get "$j" virtual_ips.0)"
	check "the gateway chose its connection pubkey" \
		gw_sas_match "^pubkey: #[0-9]+, ESTABLISHED, IKEv2"
	check "the gateway verified rove's $kind signature" \
		test "$(gw_log_count "authentication of 'O=rove clients, CN=$who' with $kind successful" "$mark")" = 1
	check "traffic through the tunnel" tcp_transfer 200000
	check "rove down $name exits 0" rove_to "down-$name" down "$name"
	check "the gateway no longer lists it" wait_for 30 gw_sa_count_is 0
}

base() { echo server="$GW_ADDR" remote-id="$GW_NAME" ca="$PKI_DIR/ca.pem"; }

# shellcheck disable=SC2046
pubkey_up ecdsa "$(write_profile ecdsa $(base) cert="$PKI_DIR/carol.pem" \
	key="$PKI_DIR/carol.key")" carol ECDSA_WITH_SHA256_DER
# shellcheck disable=SC2046
pubkey_up rsa "$(write_profile rsa $(base) auth=pubkey cert="$PKI_DIR/dave.pem" \
	key="$PKI_DIR/dave.key")" dave RSA_EMSA_PSS_SHA2_256_SALT_32
# shellcheck disable=SC2046
pubkey_up pkcs8 "$(write_profile pkcs8 $(base) cert="$PKI_DIR/carol.pem" \
	key="$PKI_DIR/carol-enc.key" -- key-password=pkcs8-pass)" carol \
	ECDSA_WITH_SHA256_DER
# shellcheck disable=SC2046
pubkey_up p12 "$(write_profile p12 $(base) cert="$PKI_DIR/dave.p12" \
	-- key-password=p12-pass)" dave RSA_EMSA_PSS_SHA2_256_SALT_32

say "# send-remote-id=yes: IDr in our IKE_AUTH request"
mark=$(gw_log_lines)
# shellcheck disable=SC2046
pubkey_up idr "$(write_profile idr $(base) send-remote-id=yes cert="$PKI_DIR/carol.pem" \
	key="$PKI_DIR/carol.key")" carol ECDSA_WITH_SHA256_DER
check "the gateway parsed IDr in our request" \
	test "$(gw_log_count "parsed IKE_AUTH request 1 \[ IDi CERT CERTREQ IDr AUTH" "$mark")" = 1
check "without it, no IDr (the ecdsa run above)" \
	test "$(gw_log_count "parsed IKE_AUTH request 1 \[ IDi CERT CERTREQ AUTH" 0)" -ge 1

say "# a certificate under an intermediate CA the gateway does not hold"
pki_key "$PKI_DIR/int.key"
pki --issue --ca --lifetime 30 --type priv --in "$PKI_DIR/int.key" \
	--cacert "$PKI_DIR/ca.pem" --cakey "$PKI_DIR/ca.key" \
	--dn "O=rove tests, CN=rove intermediate CA" --outform pem >"$PKI_DIR/int.pem"
client_cert frank ecdsa int
cat "$PKI_DIR/frank.pem" "$PKI_DIR/int.pem" >"$PKI_DIR/frank-chain.pem"
# First without it (strongSwan caches intermediates it was sent).
# shellcheck disable=SC2046
p=$(write_profile nochain $(base) cert="$PKI_DIR/frank.pem" key="$PKI_DIR/frank.key")
check "without the intermediate the gateway refuses the certificate" \
	not rove_to up-nochain up "$p"
! rove_is_up nochain || rove_to down-nochain down nochain
check "the gateway no longer lists it" wait_for 30 gw_sa_count_is 0
mark=$(gw_log_lines)
# shellcheck disable=SC2046
pubkey_up chain "$(write_profile chain $(base) cert="$PKI_DIR/frank-chain.pem" \
	key="$PKI_DIR/frank.key")" frank ECDSA_WITH_SHA256_DER
check "rove sent the intermediate in a CERT payload" \
	test "$(gw_log_count "using untrusted intermediate certificate \"O=rove tests, CN=rove intermediate CA\"" "$mark")" -ge 1

say "# refusals before anything is sent"
# shellcheck disable=SC2046
p=$(write_profile badpass $(base) cert="$PKI_DIR/dave.p12" -- key-password=wrong)
check "a wrong key-password is refused" not rove_to up-badpass up "$p"
check "... saying the key-password is wrong" grep -q "key-password is wrong" "$WORK/up-badpass.err"
# shellcheck disable=SC2046
p=$(write_profile mismatch $(base) cert="$PKI_DIR/carol.pem" key="$PKI_DIR/dave.key")
check "rove check finds a key that does not match its certificate" \
	not rove_to check-mismatch check "$p"
check "... and says so" grep -q "does not match the certificate" "$WORK/check-mismatch.err"
# shellcheck disable=SC2046
p=$(write_profile nopass $(base) cert="$PKI_DIR/carol.pem" key="$PKI_DIR/carol-enc.key")
check "without a terminal, an encrypted key without key-password is refused" \
	not rove_to up-nopass up "$p"
check "... saying to set key-password" grep -q "set key-password" "$WORK/up-nopass.err"

say "# a certificate from a CA the gateway does not trust"
mark=$(gw_log_lines)
# shellcheck disable=SC2046
p=$(write_profile evil $(base) cert="$PKI_DIR/eve.pem" key="$PKI_DIR/eve.key")
check "rove up fails" not rove_to up-evil up "$p"
check "... saying the gateway rejected our certificate" \
	grep -q "rejected our certificate" "$WORK/up-evil.err"
check "the gateway found no trusted chain" \
	test "$(gw_log_count "no trusted (ECDSA|RSA|signature)? ?public key found for 'O=rove clients, CN=eve'" "$mark")" -ge 1
check "the gateway no longer lists it" wait_for 30 gw_sa_count_is 0
say "# a gateway without RFC 7427: the classic AUTH methods"
stop_gw
start_gw "$WORK/gw-classic" --charon "signature_authentication = no"
# shellcheck disable=SC2046
pubkey_up classic-ecdsa "$(write_profile classic-ecdsa $(base) cert="$PKI_DIR/carol.pem" \
	key="$PKI_DIR/carol.key")" carol "ECDSA-256 signature"
# shellcheck disable=SC2046
pubkey_up classic-rsa "$(write_profile classic-rsa $(base) cert="$PKI_DIR/dave.p12" \
	-- key-password=p12-pass)" dave "RSA signature"
check "the run directory holds no socket or pid file" run_dir_clean
check "no process is left in the client namespace" wait_for 30 client_ns_idle
finish
