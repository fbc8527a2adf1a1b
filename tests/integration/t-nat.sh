#!/bin/bash
# rove behind a masquerading NAT: NAT detected, IKE moves to port 4500.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
setup_net --nat
make_pki "$WORK/pki"
start_gw "$WORK/gw"
profile=$(profile_eap vpn)
J=$WORK/status-vpn.json

require "rove up vpn through the NAT exits 0" rove_to up up "$profile"
require "rove status vpn --json" rove_status_json vpn
check "state is established" test "$(json_get "$J" state)" = established
check "nat_detected is true" test "$(json_get "$J" nat_detected)" = true
check "the NAT is on our side (nat_local true)" test "$(json_get "$J" nat_local)" = true
check "local_address is our own $CLIENT_ADDR" test "$(json_get "$J" local_address)" = "$CLIENT_ADDR"
check "remote_address is the gateway $GW_ADDR" test "$(json_get "$J" remote_address)" = "$GW_ADDR"
check "remote_port is 4500" test "$(json_get "$J" remote_port)" = 4500
check "the child SA is UDP-encapsulated" test "$(json_get "$J" children.0.encap)" = true
check "virtual IP in $POOL" in_pool "$(json_get "$J" virtual_ips.0)"
say "# what the gateway sees"
gw_sas | sed 's/^/    /'
check "the gateway sees the NAT's address $NAT_OUTER on port 4500" \
	gw_has_sa_from "${NAT_OUTER}[4500]"
check "the gateway detected the NAT" test "$(gw_log_count 'remote host is behind NAT')" -ge 1
check "rove down vpn exits 0" rove_to down down vpn
check "the gateway no longer lists the IKE SA" wait_for 30 gw_sa_count_is 0
check "no process is left in the client namespace" wait_for 30 client_ns_idle
finish
