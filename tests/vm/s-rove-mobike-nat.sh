# MOBIKE onto an uplink behind a NAT (see s-rove-mobike.sh): the client
# starts on out0 without a NAT (plain ESP, IKE on port 500) and moves to
# out1, which leads through a masquerading NAT box. The address update
# finds the NAT, IKE moves to port 4500 and tells the gateway again from
# there, and both kernels' SAs take UDP encapsulation in place (same SPIs).
# Then back to out0, a direct path: the NAT is gone, and the SAs lose
# their encapsulation (the kernel cannot do that in place: rove reads each
# SA's replay state and counters, deletes it and adds it again without,
# same SPI); pings at 10 per second resume. Then behind the NAT again.
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
# A path in `ip xfrm state` of both kernels: rove's two SAs (same SPIs)
# between these addresses, with (espinudp) or without encapsulation.
sas_on_path() { # local gateway-side-address encap|plain
	local st g want
	st=$(ip -n "$NS_C" xfrm state)
	g=$(ip -n "$NS_G" xfrm state)
	if [ "$3" = encap ]; then want=2; else want=0; fi
	sa_has "$1" "$GW_ADDR" "$spi_out" "^src $1 dst $GW_ADDR\$" &&
		sa_has "$GW_ADDR" "$1" "$spi_in" "^src $GW_ADDR dst $1\$" &&
		test "$(printf '%s\n' "$st" | grep -c 'encap type espinudp')" = "$want" &&
		test "$(printf '%s\n' "$g" | grep -c 'encap type espinudp')" = "$want" &&
		test "$(printf '%s\n' "$g" | grep -cE "proto esp spi 0x($spi_in|$spi_out) ")" = 2 &&
		test "$(printf '%s\n' "$g" | grep -cE "^src ($2 dst $GW_ADDR|$GW_ADDR dst $2)\$")" = 2
}
replies_after() {
	awk -v t="$2" -F'[][]' '/bytes from/ && $2 + 0 > t { n++ } END { print n + 0 }' "$1"
}
first_reply_after() {
	awk -v t="$2" -F'[][]' '/bytes from/ && $2 + 0 > t { printf "%.2f", $2 - t; exit }' "$1"
}

stage "the NAT disappears: back to out0, a direct path"
read -r p_before <<<"$(status_of vpn $C.packets_out)"
run_client ping -D -i 0.1 -W 1 "$LAN_HOST" >"$WORK/ping-direct.log" 2>&1 &
ping_pid=$!
PIDS+=("$ping_pid")
sleep 1
ip -n "$NS_C" addr add 192.0.2.2/24 dev out0
move_to out0
ip -n "$NS_C" addr del "$UPLINK1_ADDR/24" dev out1
t_move=$(date +%s.%N) # answers from now on can only come through the direct path
check "rove moves to 192.0.2.2" wait_for 150 local_is 192.0.2.2
check "pings are answered through the direct path" wait_for 150 \
	eval 'test "$(replies_after "$WORK/ping-direct.log" "$t_move")" -ge 10'
say "# first reply $(first_reply_after "$WORK/ping-direct.log" "$t_move") s after the move"
stop_pid "$ping_pid"
read -r nat_local encap n_in n_out rport p_after <<<"$(status_of vpn nat_local $C.encap \
	$C.spi_in $C.spi_out remote_port $C.packets_out)"
check "no NAT any more ($nat_local), IKE stays on port 4500 ($rport)" \
	test "$nat_local $rport" = "false 4500"
check "the same CHILD SA, no longer encapsulated ($n_in/$n_out, encap $encap)" \
	test "$n_in $n_out $encap" = "$spi_in $spi_out false"
ip -n "$NS_C" xfrm state | grep -E '^src|proto esp|encap' | sed 's/^/    /'
check "both kernels: the same SPIs between 192.0.2.2 and $GW_ADDR, without encapsulation" \
	wait_for 50 sas_on_path 192.0.2.2 192.0.2.2 plain
check "the SA's counters carried on ($p_before -> $p_after packets out)" \
	test "$p_after" -gt "$p_before"
check "still two SAs and three policies of rove's" \
	test "$(xfrm_ours state) $(xfrm_ours policy)" = "2 3"
check "the gateway lists the same IKE SA at 192.0.2.2" \
	eval 'gw_has_ike_spis "$spi_i" "$spi_r" && gw_has_sa_from 192.0.2.2'

stage "and behind the NAT again"
ip -n "$NS_C" addr add "$UPLINK1_ADDR/24" dev out1
move_to out1
ip -n "$NS_C" addr del 192.0.2.2/24 dev out0
check "rove moves to $UPLINK1_ADDR" wait_for 150 local_is "$UPLINK1_ADDR"
check "the LAN host answers through the NAT" wait_for 100 lan_reachable
read -r encap n_in n_out <<<"$(status_of vpn $C.encap $C.spi_in $C.spi_out)"
check "the same CHILD SA, encapsulated again ($n_in/$n_out, encap $encap)" \
	test "$n_in $n_out $encap" = "$spi_in $spi_out true"
check "both kernels: the same SPIs, espinudp again" \
	wait_for 50 sas_on_path "$UPLINK1_ADDR" "$NAT_OUTER" encap

check "rove down vpn exits 0" rove_to down down vpn
check_clean "after rove down"
finish
