#!/bin/bash
# RFC 5685 redirect of an established session. A second strongSwan gateway
# (same CA, a certificate for the same identity gw.rove.test) sits behind
# the first one, with a LAN of its own that has the same addresses:
#
#   client 192.0.2.2 -- 192.0.2.1 gw1 203.0.113.1 -- 203.0.113.2 gw2
#                               |                            |
#                        10.1.0.10 (lan1)             10.1.0.10 (lan2)
#
# The gateways offer a full tunnel (0.0.0.0/0), so IKE and ESP to the new
# gateway only get out if rove pins its address outside the tunnel.
# `swanctl --redirect` on gw1 sends the session to gw2: rove answers,
# deletes its IKE SA on gw1, connects to gw2 at once with REDIRECTED_FROM
# and the same virtual IP, and the tunnel carries traffic again (the ping
# can only be answered by lan2: gw1 holds no SA any more). Then the
# gateways send the session back and forth (once by name): the sixth
# redirect within five minutes is a loop and ends the session, leaving
# nothing behind. Last, gw2 gets a certificate for another identity: the
# redirected session refuses it, as the profile says, before any password
# proof goes there.
# ROVE_TEST_DATAPATH=kernel (the VM tier, s-rove-kernel-redirect.sh) runs
# the first redirect with the kernel datapath against gateways doing ESP in
# the kernel (what differs between datapaths: the kept CHILD SA swapped for
# one with other outer addresses, the new gateway pinned outside the
# policies); the loop and the identity check are the same code either way
# and run on the host only, which keeps the shared VM boot short.
# Times are reported, not asserted.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
GW_LOCAL_TS=0.0.0.0/0
setup_net
make_pki "$WORK/pki"
start_gw "$WORK/gw"
GW1_DIR=$GW_DIR
GW1_PID=$GW_PID
GW1_ADDR=$GW_ADDR
GW2_ADDR=203.0.113.2
GW2_FQDN=gw2.rove.test
J=$WORK/status-vpn.json
# The client resolves gw2 by name from its namespace's hosts file (setup_net
# made /etc/netns/NS; teardown removes it).
if [ -d "/etc/netns/$NS_C" ]; then
	printf '127.0.0.1 localhost\n%s %s\n' "$GW2_ADDR" "$GW2_FQDN" >"/etc/netns/$NS_C/hosts"
else
	GW2_FQDN=$GW2_ADDR # read-only /etc (the VM tier): by address
fi

# The second gateway and its LAN, reached through the first one.
add_ns "$NS_G2"
add_ns "$NS_L2"
link_ns "$NS_G" out1 203.0.113.1/24 "$NS_G2" out0 "$GW2_ADDR/24"
ip -n "$NS_G2" route add default via 203.0.113.1
link_ns "$NS_G2" lan0 "$LAN_GW/16" "$NS_L2" eth0 "$LAN_HOST/16"
ip -n "$NS_L2" route add default via "$LAN_GW"
forwarding_on "$NS_G2"
in_ns "$NS_G2" nft -f - <<NFT
table inet rove_gw {
	chain forward {
		type filter hook forward priority 0; policy accept;
		oifname "lan0" ip saddr != $POOL counter drop
	}
}
NFT
GW_ADDR=$GW2_ADDR NS_G=$NS_G2 start_gw "$WORK/gw2"
GW2_DIR=$GW_DIR GW2_PID=$GW_PID
GW_DIR=$GW1_DIR GW_PID=$GW1_PID

sas_at() { swanctl_at "$1" --list-sas | grep -c ', ESTABLISHED, ' || true; }
sas_at_is() { test "$(sas_at "$1")" = "$2"; }
redirect_at() { # gateway dir, to
	swanctl_at "$1" --redirect --ike eap --gateway "$2" >>"$WORK/redirect.out" 2>&1
}
on_gw() { # address
	rove_status_json vpn && test "$(json_get "$J" state)" = established &&
		test "$(json_get "$J" remote_address)" = "$1"
}
# lan2 answers only through gw2: it has no route to anything but gw2.
lan2_answered() { lan_reachable; }
now_ms() { echo "$(($(date +%s%N) / 1000000))"; }

say "# an established session is redirected to the second gateway"
profile=$(write_profile vpn server="$GW1_ADDR" remote-id="$GW_NAME" user="$EAP_USER" \
	ca="$PKI_DIR/ca.pem" datapath="${ROVE_TEST_DATAPATH:-auto}" -- password="$EAP_PASSWORD")
require "rove up vpn exits 0" rove_to up up "$profile"
require "rove status vpn --json" rove_status_json vpn
say "    datapath $(json_get "$J" datapath)"
vip=$(json_get "$J" virtual_ips.0 || true)
check "the session is on gw1 ($GW1_ADDR)" test "$(json_get "$J" remote_address)" = "$GW1_ADDR"
check "rove offered redirects in IKE_SA_INIT" \
	test "$(gw_log_count 'parsed IKE_SA_INIT request 0 \[.*N\(REDIR_SUP\)')" -ge 1
check "traffic flows through gw1" lan_reachable
t0=$(now_ms)
require "swanctl --redirect on gw1" redirect_at "$GW1_DIR" "$GW2_ADDR"
require "rove is on gw2 within 20 s" wait_for 200 on_gw "$GW2_ADDR"
say "    established on gw2 $(($(now_ms) - t0)) ms after the redirect"
check "the log says redirected by $GW1_ADDR to $GW2_ADDR" \
	grep -q "redirected by $GW1_ADDR to $GW2_ADDR" "$RUN_DIR/vpn.log"
check "status counts one redirect" test "$(json_get "$J" redirect.count)" = 1
check "status names the gateway in use" test "$(json_get "$J" redirect.gateway)" = "$GW2_ADDR"
check "and the one that sent us" test "$(json_get "$J" redirect.from)" = "$GW1_ADDR"
check "the same virtual IP $vip" test "$(json_get "$J" virtual_ips.0)" = "$vip"
check "rove asked gw2 for $vip" \
	grep -qE "peer requested virtual IP ${vip//./\\.}\$" "$GW2_DIR/charon.log"
check "rove told gw2 where it came from (REDIRECTED_FROM)" \
	grep -qE 'parsed IKE_SA_INIT request 0 \[.*N\(REDIR_FROM\)' "$GW2_DIR/charon.log"
check "no INITIAL_CONTACT to gw2" not grep -qE 'N\(INIT_CONTACT\)' "$GW2_DIR/charon.log"
check "gw2 proved gw.rove.test with the same CA" grep -q 'server verified as' "$RUN_DIR/vpn.log"
check "gw1 holds no SA" wait_for 50 sas_at_is "$GW1_DIR" 0
check "gw2 holds one" sas_at_is "$GW2_DIR" 1
check "traffic flows again, through gw2 to its LAN" wait_for 50 lan2_answered
rove_to status status vpn || true
check "rove status names gw2" grep -q "$GW2_ADDR (redirected 1x)" "$WORK/status.out"
if [ "${ROVE_TEST_DATAPATH:-}" = kernel ]; then
	check "rove down" rove_to down down vpn
	check "nothing of rove is left" wait_for 30 client_has_nothing_left
	finish
fi

say "# gateways that keep sending the session back and forth: a loop"
# Four more redirects are followed (five within five minutes) ...
for i in 2 3 4 5; do
	if [ $((i % 2)) = 0 ]; then from=$GW2_DIR to=$GW1_ADDR name=$GW1_ADDR
	else from=$GW1_DIR to=$GW2_ADDR name=$GW2_ADDR; fi
	[ "$i" = 3 ] && name=$GW2_FQDN # a gateway given by name
	require "redirect $i to $name" redirect_at "$from" "$name"
	require "rove follows to $to" wait_for 200 on_gw "$to"
done
check "the log names gw2 as the gateway sent it ($GW2_FQDN)" \
	grep -q "redirected by $GW1_ADDR to $GW2_FQDN" "$RUN_DIR/vpn.log"
check "status counts five redirects" test "$(json_get "$J" redirect.count)" = 5
# ... the sixth is refused (the session is on gw2 now).
require "redirect 6 to $GW1_ADDR" redirect_at "$GW2_DIR" "$GW1_ADDR"
check "the session ends" wait_for 100 rove_lists_no_session vpn
check "the log says it is a loop" grep -q 'redirected this session 6 times within 5 minutes' \
	"$RUN_DIR/vpn.log"
check "nothing of rove is left" wait_for 30 client_has_nothing_left
check "gw2 holds no SA" wait_for 50 sas_at_is "$GW2_DIR" 0
check "gw1 holds no SA" sas_at_is "$GW1_DIR" 0

say "# the new gateway proves another identity: refused"
stop_charon "$GW2_PID"
GW_ADDR=$GW2_ADDR NS_G=$NS_G2 start_gw "$WORK/gw2-other" --cert other
GW2_DIR=$GW_DIR GW2_PID=$GW_PID
GW_DIR=$GW1_DIR GW_PID=$GW1_PID
require "rove up vpn exits 0" rove_to up2 up "$profile"
require "swanctl --redirect on gw1" redirect_at "$GW1_DIR" "$GW2_ADDR"
check "the session ends" wait_for 100 rove_lists_no_session vpn
check "the log says why: not $GW_NAME" grep -qE "^.*rove: .*($GW_NAME|remote-id)" "$RUN_DIR/vpn.log"
check "no MSCHAPv2 response reached gw2" \
	test "$(grep -cE "$LOG_MSCHAPV2_RESPONSE" "$GW2_DIR/charon.log" || true)" = 0
check "nothing of rove is left" wait_for 30 client_has_nothing_left
check "gw1 holds no SA" wait_for 50 sas_at_is "$GW1_DIR" 0
check "the run directory holds no socket or pid file" run_dir_clean
check "no process is left in the client namespace" wait_for 30 client_ns_idle
finish
