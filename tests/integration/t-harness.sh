#!/bin/bash
# Checks the harness itself with a strongSwan client against the strongSwan
# gateway: if this fails, the rove tests' gateway is broken, not rove. It
# also proves the log lines the rove tests key on appear when they should
# (an MSCHAPv2 response reaches the gateway with a wrong password) and not
# when they should not (the client distrusts the gateway's CA).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

integ_init

phase_plain() {
	local vip mark
	say "# plain network: client $CLIENT_ADDR, gateway $GW_ADDR"
	make_pki "$WORK/pki"
	start_gw "$WORK/gw"
	start_sw_client

	check "the LAN host is not reachable without the tunnel" not lan_reachable
	check "EAP-MSCHAPv2 with the CA: strongSwan client connects" sw_initiate eap
	check "the gateway lists the IKE SA ESTABLISHED from $CLIENT_ADDR" \
		gw_has_sa_from "${CLIENT_ADDR}["
	vip=$(sw_vip)
	check "the client got virtual IP $vip from $POOL" in_pool "$vip"
	check "the gateway lists the same lease" gw_leased "$vip"
	check "the gateway answered an MSCHAPv2 response" \
		test "$(gw_log_count "$LOG_MSCHAPV2_RESPONSE")" -ge 1
	check "the LAN host answers through the tunnel" lan_reachable
	check "terminate" sw_terminate eap
	check "the gateway lists no IKE SA after terminate" wait_for 30 gw_sa_count_is 0
	check "the LAN host is unreachable again" not lan_reachable

	check "PSK from the client, certificate from the gateway" sw_initiate psk-cert
	check "PSK both ways" sw_initiate psk
	check "the gateway lists both PSK SAs" gw_sa_count_is 2
	sw_terminate psk-cert || true
	sw_terminate psk || true

	mark=$(gw_log_lines)
	check "a wrong password fails" not sw_initiate eap-bob 8
	check "the wrong password's MSCHAPv2 response reached the gateway" \
		test "$(gw_log_count "$LOG_MSCHAPV2_RESPONSE" "$mark")" -ge 1
	check "the gateway logged the failed verification" \
		test "$(gw_log_count 'EAP-MS-CHAPv2 verification failed' "$mark")" -ge 1

	mark=$(gw_log_lines)
	check "an untrusted CA fails" not sw_initiate eap-evil 5
	check "the gateway saw the IKE_AUTH request" \
		test "$(gw_log_count "$LOG_IKE_AUTH" "$mark")" -ge 1
	check "no MSCHAPv2 response reached the gateway" \
		test "$(gw_log_count "$LOG_MSCHAPV2_RESPONSE" "$mark")" = 0
}

phase_nat() {
	say "# behind a NAT: client $CLIENT_ADDR, NAT $NAT_OUTER, gateway $GW_ADDR"
	make_pki "$WORK/pki-nat"
	start_gw "$WORK/gw-nat"
	start_sw_client
	check "EAP-MSCHAPv2 through the NAT" sw_initiate eap
	check "the gateway sees the NAT's address on port 4500" \
		gw_has_sa_from "${NAT_OUTER}[4500]"
	check "the LAN host answers through the tunnel" lan_reachable
}

phase_blocked() {
	say "# gateway drops UDP 500 and 4500"
	block_udp
	local mark
	mark=$(gw_log_lines)
	check "the connection attempt fails" not sw_initiate eap 3
	check "the gateway dropped the client's datagrams" test "$(blocked_count)" -gt 0
	check "no IKE_SA_INIT request reached charon" \
		test "$(gw_log_count "$LOG_IKE_SA_INIT" "$mark")" = 0
}

# A new machine without a package gets the package's name, not only the
# tool's own message (strongSwan's pki without its openssl plugin, a tool
# that is not there).
phase_messages() {
	local out
	out=$( (PKI_PLUGINS="random pem pkcs1 pkcs8 x509 pubkey" make_pki "$WORK/pki-noossl") 2>&1) || true
	check "pki without its openssl plugin: the harness names libstrongswan-standard-plugins" \
		grep -q "install libstrongswan-standard-plugins" <<<"$out"
	check "... and shows pki's own message" grep -q "CRED_PRIVATE_KEY" <<<"$out"
	out=$( (HARNESS_STRICT=1 need_tools ip /usr/sbin/rove-no-such-tool) 2>&1) || true
	check "a missing tool is named with how to install it" \
		grep -q "rove-no-such-tool is not installed: .*bash tests/install-deps.sh" <<<"$out"
	out=$( (need_tools swanctl-missing) 2>&1) && flunk "a missing tool skips" || true
	check "... and skips a test without it" grep -q "^SKIP: swanctl-missing" <<<"$out"
}

phase_messages
setup_net
phase_plain
teardown
setup_net --nat
phase_nat
teardown
setup_net
make_pki "$WORK/pki-blocked"
start_gw "$WORK/gw-blocked"
start_sw_client
phase_blocked
finish
