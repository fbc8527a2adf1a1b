#!/bin/bash
# What rove and the gateway agree on, and the plain sentences when they
# cannot agree: explicit ike=/esp= proposals (AES-CBC with HMAC-SHA2, ECP-384)
# against a gateway that allows only those, the server given as a host
# name, then no IKE proposal in common, no ESP proposal in common, and
# routes the gateway does not offer (traffic selector mismatch).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
setup_net
make_pki "$WORK/pki"
GW_IKE_PROPOSALS=aes256-sha384-prfsha384-ecp384
GW_ESP_PROPOSALS=aes256-sha256
start_gw "$WORK/gw"
# `ip netns exec` shows /etc/netns/NS/hosts as /etc/hosts in the namespace.
mkdir -p "/etc/netns/$NS_C"
echo "$GW_ADDR $GW_NAME" >"/etc/netns/$NS_C/hosts"
trap 'rm -rf "/etc/netns/$NS_C"; cleanup' EXIT
J=$WORK/status-cbc.json

# eap_profile NAME KEY=VALUE...: the EAP profile with extra [vpn] keys.
eap_profile() {
	local name=$1
	shift
	write_profile "$name" server="$GW_ADDR" remote-id="$GW_NAME" user="$EAP_USER" \
		ca="$PKI_DIR/ca.pem" "$@" -- password="$EAP_PASSWORD"
}

say "# explicit proposals, server by host name"
cbc=$(write_profile cbc server="$GW_NAME" user="$EAP_USER" ca="$PKI_DIR/ca.pem" \
	ike=aes256-sha384-prfsha384-ecp384 esp=aes256-sha256 -- password="$EAP_PASSWORD")
require "rove up cbc exits 0" rove_to up-cbc up "$cbc"
require "rove status cbc --json" rove_status_json cbc
check "the server is the name we gave" test "$(json_get "$J" server)" = "$GW_NAME"
check "it was resolved to $GW_ADDR" test "$(json_get "$J" remote_address)" = "$GW_ADDR"
check "IKE uses aes256-sha384-prfsha384-ecp384" \
	test "$(json_get "$J" ike.proposal)" = aes256-sha384-prfsha384-ecp384
check "ESP uses aes256-sha256" test "$(json_get "$J" children.0.proposal)" = aes256-sha256
check "the gateway agrees on IKE" gw_sas_match "AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_384"
check "the gateway agrees on ESP" gw_sas_match "AES_CBC-256/HMAC_SHA2_256_128"
check "rove down cbc exits 0" rove_to down-cbc down cbc

say "# no IKE proposal in common"
p=$(eap_profile noike 'ike=aes128gcm16-prfsha256-x25519!')
check "rove up noike fails" not rove_to up-noike up "$p"
check "the sentence names the IKE proposals and ike=" \
	grep -qE "none of our IKE proposals.*ike=" "$WORK/up-noike.err"

say "# no ESP proposal in common"
p=$(eap_profile noesp 'esp=aes128gcm16!')
check "rove up noesp fails" not rove_to up-noesp up "$p"
check "the sentence names the ESP proposals and esp=" \
	grep -qE "none of our ESP proposals.*esp=" "$WORK/up-noesp.err"

say "# routes the gateway does not offer"
p=$(eap_profile nots routes=172.31.0.0/16)
check "rove up nots fails" not rove_to up-nots up "$p"
check "the sentence says traffic selector mismatch and routes=" \
	grep -qE "traffic selector mismatch.*routes=" "$WORK/up-nots.err"

check "the gateway keeps no IKE SA of the failed attempts" wait_for 30 gw_sa_count_is 0
check "the run directory holds no socket or pid file" run_dir_clean
check "no process is left in the client namespace" wait_for 30 client_ns_idle
finish
