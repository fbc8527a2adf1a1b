# MOBIKE onto an uplink behind a NAT (see s-rove-mobike.sh): the client
# starts on out0 without a NAT (plain ESP, IKE on port 500) and moves to
# out1, which leads through a masquerading NAT box. The address update
# finds the NAT, IKE moves to port 4500 and tells the gateway again from
# there, and both kernels' SAs take UDP encapsulation in place (same SPIs).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${ROVE_VM_SHARE:-/run/rove-vm}/lib.sh"
export ROVE_BIN=$bin/rove GW_KERNEL_ESP=1
. "$integ/lib.sh"

C=children.0
need_rove
integ_init
stage "network (two uplinks, the second behind a NAT) and PKI"
setup_net_two_uplinks --nat
make_pki "$WORK/pki"
stage "the kernel's AES-GCM"
esp_warmup
stage "the gateway"
start_gw "$WORK/gw"

local_is() { test "$(status_of vpn local_address)" = "$1"; }

stage "up on out0, no NAT"
require "rove up vpn (datapath=kernel) exits 0" rove_to up up "$(profile_dp vpn kernel)"
read -r spi_i spi_r spi_in spi_out nat <<<"$(status_of vpn ike.spi_i ike.spi_r $C.spi_in \
	$C.spi_out nat_detected)"
check "no NAT yet ($nat)" test "$nat" = false
check "no UDP encapsulation yet" not sh -c "ip -n $NS_C xfrm state | grep -q encap"
check "the LAN host answers through the tunnel" lan_reachable

stage "the move to out1, behind the NAT"
move_to out1
ip -n "$NS_C" addr del 192.0.2.2/24 dev out0
check "rove moves to $UPLINK1_ADDR" wait_for 100 local_is "$UPLINK1_ADDR"
check "the LAN host answers through the new path" wait_for 100 lan_reachable
read -r nat_local encap rport lport n_in n_out <<<"$(status_of vpn nat_local $C.encap \
	remote_port local_port $C.spi_in $C.spi_out)"
check "the NAT is seen on our side ($nat_local), IKE on port 4500 ($rport)" \
	test "$nat_local $rport" = "true 4500"
check "the same CHILD SA, now UDP-encapsulated ($n_in/$n_out, encap $encap)" \
	test "$n_in $n_out $encap" = "$spi_in $spi_out true"
check "rove's outbound SA: encap espinudp sport $lport dport 4500" sa_has \
	"$UPLINK1_ADDR" "$GW_ADDR" "$spi_out" "encap type espinudp sport $lport dport 4500 "
check "rove's inbound SA: encap espinudp sport 4500 dport $lport" sa_has \
	"$GW_ADDR" "$UPLINK1_ADDR" "$spi_in" "encap type espinudp sport 4500 dport $lport "
gw_sas | sed 's/^/    /'
check "the gateway lists the same IKE SA at the NAT's $NAT_OUTER, port 4500" \
	eval 'gw_has_ike_spis "$spi_i" "$spi_r" && gw_sas | grep -qE "remote .* @ $NAT_OUTER\[[0-9]+\]"'
check "the gateway's SAs are the same, UDP-encapsulated, to and from $NAT_OUTER" test \
	"$(ip -n "$NS_G" xfrm state | grep -c 'encap type espinudp')" = 2 -a \
	"$(ip -n "$NS_G" xfrm state | grep -cE "^src ($NAT_OUTER dst $GW_ADDR|$GW_ADDR dst $NAT_OUTER)\$")" = 2
check "rove down vpn exits 0" rove_to down down vpn
check_clean "after rove down"
finish
