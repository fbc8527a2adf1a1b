# rove's kernel datapath behind a masquerading NAT box, against strongSwan
# doing ESP in the kernel (see s-rove-kernel.sh): the SAs carry ESP in UDP
# (RFC 3948) on the NAT-T ports and the LAN answers through them.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${ROVE_VM_SHARE:-/run/rove-vm}/lib.sh"
export ROVE_BIN=$bin/rove GW_KERNEL_ESP=1
. "$integ/lib.sh"

vm_rove_start --nat
C=children.0

stage "datapath=kernel behind the NAT"

require "rove up vpn (datapath=kernel) through the NAT exits 0" \
	rove_to up up "$(profile_dp vpn kernel)"
read -r dp nat encap lport rport spi_in spi_out <<<"$(status_of vpn datapath nat_local \
	$C.encap local_port remote_port $C.spi_in $C.spi_out)"
check "rove status says datapath kernel ($dp)" test "$dp" = kernel
check "the NAT is on our side (nat_local $nat)" test "$nat" = true
check "the child SA is UDP-encapsulated (encap $encap)" test "$encap" = true
check "IKE runs on the gateway's port 4500 ($rport)" test "$rport" = 4500
check_sas "$spi_in" "$spi_out"
check "the outbound SA: encap espinudp sport $lport dport $rport" sa_has \
	"$CLIENT_ADDR" "$GW_ADDR" "$spi_out" "encap type espinudp sport $lport dport $rport "
check "the inbound SA: encap espinudp sport $rport dport $lport" sa_has \
	"$GW_ADDR" "$CLIENT_ADDR" "$spi_in" "encap type espinudp sport $rport dport $lport "
check "the gateway's SAs are UDP-encapsulated, to and from the NAT's $NAT_OUTER" test \
	"$(ip -n "$NS_G" xfrm state | grep -c 'encap type espinudp')" = 2 -a \
	"$(ip -n "$NS_G" xfrm state | grep -cE "^src ($NAT_OUTER dst $GW_ADDR|$GW_ADDR dst $NAT_OUTER)\$")" = 2
check "the LAN host $LAN_HOST answers through the tunnel" lan_reachable
read -r p_in p_out <<<"$(status_of vpn $C.packets_in $C.packets_out)"
check "status counts packets both ways ($p_in in, $p_out out)" test "$p_in" -gt 0 -a "$p_out" -gt 0
check "no inbound ESP was refused yet" dropped_is vpn 0 0
forge_replay_and_forged "$spi_in" "$lport"
check "the kernel's replay and integrity counts reach status" wait_for 20 dropped_is vpn 1 2
stage "down"
check "rove down vpn exits 0" rove_to down down vpn
check_clean "after rove down"
finish
