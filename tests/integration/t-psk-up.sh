#!/bin/bash
# rove up with a pre-shared key: first with the gateway proving itself by
# its certificate (the profile names a ca), then PSK both ways (no ca).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
setup_net
make_pki "$WORK/pki"
start_gw "$WORK/gw"

# psk_up NAME PROFILE GATEWAY-CONNECTION HOW-THE-GATEWAY-AUTHENTICATES
psk_up() {
	local name=$1 profile=$2 conn=$3 gw_auth=$4 j=$WORK/status-$1.json mark
	say "# $name: PSK from rove, gateway by $gw_auth (connection $conn)"
	mark=$(gw_log_lines)
	if ! rove_to "up-$name" up "$profile"; then
		flunk "rove up $name exits 0"
		return 0
	fi
	pass "rove up $name exits 0"
	check "rove status $name --json" rove_status_json "$name"
	check "state is established" test "$(json_get "$j" state)" = established
	check "virtual IP in $POOL" in_pool "$(json_get "$j" virtual_ips.0)"
	check "the child's remote_ts is $LAN_NET" json_has "$j" children.0.remote_ts "$LAN_NET"
	check "the gateway chose its connection $conn" \
		gw_sas_match "^$conn: #[0-9]+, ESTABLISHED, IKEv2"
	check "the gateway verified rove's pre-shared key" \
		test "$(gw_log_count "authentication of '[^']+' with pre-shared key successful" "$mark")" = 1
	check "the gateway authenticated itself with $gw_auth" \
		test "$(gw_log_count "authentication of '$GW_NAME' \(myself\) with $gw_auth" "$mark")" = 1
	check "rove down $name exits 0" rove_to "down-$name" down "$name"
	check "the gateway no longer lists it" wait_for 30 gw_sa_count_is 0
}

psk_up pskcert "$(profile_psk_cert pskcert)" psk-cert "ECDSA"
psk_up psk "$(profile_psk psk)" psk "pre-shared key"
check "the run directory holds no socket or pid file" run_dir_clean
check "no process is left in the client namespace" wait_for 30 client_ns_idle
finish
