# MOBIKE with the kernel datapath against a strongSwan gateway doing ESP in
# the kernel (kernel-netlink, which updates its SAs in place): the client
# moves from one uplink to another while pinging at 10 per second (the
# default route switches, then the old address goes). Checked: the same
# IKE SA at the gateway (same SPIs) at the new address, the same CHILD SA
# (same SPIs) in both kernels with the new outer addresses, rove's policy
# templates moved, the SA counters carried on, pings answered through the
# new path. Then from IPv4 to IPv6 outside (the inside stays IPv4) and
# back, the same SAs moved across families. (s-rove-mobike-nat.sh: a move
# onto an uplink behind a NAT.)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${ROVE_VM_SHARE:-/run/rove-vm}/lib.sh"
export ROVE_BIN=$bin/rove GW_KERNEL_ESP=1
. "$integ/lib.sh"

C=children.0
need_rove
integ_init
stage "network (two uplinks) and PKI"
setup_net_two_uplinks "${1:-}"
make_pki "$WORK/pki"
stage "the kernel's AES-GCM"
esp_warmup
stage "the gateway"
start_gw "$WORK/gw"

# Replies in a ping -D log after a Unix time.
replies_after() {
	awk -v t="$2" -F'[][]' '/bytes from/ && $2 + 0 > t { n++ } END { print n + 0 }' "$1"
}
first_reply_after() {
	awk -v t="$2" -F'[][]' '/bytes from/ && $2 + 0 > t { printf "%.2f", $2 - t; exit }' "$1"
}
local_is() { test "$(status_of vpn local_address)" = "$1"; }
gw_sa_pair() { # src dst: the gateway's kernel holds an ESP SA between them
	ip -n "$NS_G" xfrm state | grep -qE "^src $1 dst $2\$"
}

stage "up on out0 (192.0.2.2)"
require "rove up vpn (datapath=kernel) exits 0" rove_to up up "$(profile_dp vpn kernel)"
read -r dp mob spi_i spi_r spi_in spi_out pid <<<"$(status_of vpn datapath mobike ike.spi_i \
	ike.spi_r $C.spi_in $C.spi_out pid)"
check "datapath kernel ($dp), MOBIKE on both sides ($mob)" test "$dp $mob" = "kernel true"
check_sas "$spi_in" "$spi_out"
check "the LAN host answers through the tunnel" lan_reachable
read -r p_before <<<"$(status_of vpn $C.packets_out)"

stage "the move: default route to out1, then 192.0.2.2 removed"
run_client ping -D -i 0.1 -W 1 "$LAN_HOST" >"$WORK/ping.log" 2>&1 &
ping_pid=$!
PIDS+=("$ping_pid")
sleep 1
t_move=$(date +%s.%N)
move_to out1
check "rove moves to $UPLINK1_ADDR" wait_for 100 local_is "$UPLINK1_ADDR"
ip -n "$NS_C" addr del 192.0.2.2/24 dev out0
t_del=$(date +%s.%N) # answers from now on can only come through the new path
check "pings are answered through the new path" wait_for 150 \
	eval 'test "$(replies_after "$WORK/ping.log" "$t_del")" -ge 10'
say "# first reply $(first_reply_after "$WORK/ping.log" "$t_move") s after the route switched"
stop_pid "$ping_pid"
read -r moves n_spi_in n_spi_out p_after <<<"$(status_of vpn moves $C.spi_in $C.spi_out \
	$C.packets_out)"
check "rove status counts one move ($moves)" test "$moves" = 1
check "the same CHILD SA ($n_spi_in/$n_spi_out)" test "$n_spi_in $n_spi_out" = "$spi_in $spi_out"
# (the kernel finds an SA by destination and SPI: the listing shows the source)
check "rove's inbound SA 0x$spi_in now comes to $UPLINK1_ADDR" \
	sa_has "$GW_ADDR" "$UPLINK1_ADDR" "$spi_in" "^src $GW_ADDR dst $UPLINK1_ADDR\$"
check "rove's outbound SA 0x$spi_out now leaves from $UPLINK1_ADDR" \
	sa_has "$UPLINK1_ADDR" "$GW_ADDR" "$spi_out" "^src $UPLINK1_ADDR dst $GW_ADDR\$"
check "still two SAs and three policies of rove's" \
	test "$(xfrm_ours state) $(xfrm_ours policy)" = "2 3"
check "the policy templates name $UPLINK1_ADDR" \
	test "$(ip -n "$NS_C" xfrm policy | grep -c "tmpl src $UPLINK1_ADDR dst $GW_ADDR\|tmpl src $GW_ADDR dst $UPLINK1_ADDR")" = 3
check "the SA's counters carried on ($p_before -> $p_after packets out)" test "$p_after" -gt "$p_before"
check "the gateway's kernel moved the same SAs in place" eval \
	'gw_sa_pair "$GW_ADDR" "$UPLINK1_ADDR" && gw_sa_pair "$UPLINK1_ADDR" "$GW_ADDR" &&
	 test "$(ip -n "$NS_G" xfrm state | grep -cE "proto esp spi 0x($spi_in|$spi_out) ")" = 2'
gw_sas | sed 's/^/    /'
check "the gateway lists the same IKE SA at $UPLINK1_ADDR" \
	eval 'gw_has_ike_spis "$spi_i" "$spi_r" && gw_has_sa_from "$UPLINK1_ADDR"'
check "and the same CHILD SA" gw_has_esp_spis "$spi_in" "$spi_out"
check "no UDP encapsulation without a NAT" not sh -c "ip -n $NS_C xfrm state | grep -q encap"

stage "IPv4 to IPv6 outside (the inside stays IPv4): 198.51.100.2 removed"
move_to out1 6
ip -n "$NS_C" addr del "$UPLINK1_ADDR/24" dev out1
check "rove moves to $UPLINK1_ADDR6" wait_for 150 local_is "$UPLINK1_ADDR6"
check "the LAN host answers (IPv4 inside IPv6)" wait_for 100 lan_reachable
read -r gw6 moves n_in n_out <<<"$(status_of vpn remote_address moves $C.spi_in $C.spi_out)"
check "to one of the gateway's IPv6 addresses ($gw6), move $moves" \
	test "${gw6%%:*}:$moves" = "2001:2"
check "the same CHILD SA ($n_in/$n_out)" test "$n_in $n_out" = "$spi_in $spi_out"
check "rove's SAs moved to IPv6 in place" eval \
	'sa_has "$gw6" "$UPLINK1_ADDR6" "$spi_in" "^src $gw6 dst $UPLINK1_ADDR6\$" &&
	 sa_has "$UPLINK1_ADDR6" "$gw6" "$spi_out" "^src $UPLINK1_ADDR6 dst $gw6\$"'
check "the gateway lists the same IKE SA at $UPLINK1_ADDR6" \
	eval 'gw_has_ike_spis "$spi_i" "$spi_r" && gw_has_sa_from "$UPLINK1_ADDR6"'
check "and the same CHILD SA" gw_has_esp_spis "$spi_in" "$spi_out"

stage "and back to IPv4: 198.51.100.2 again, the IPv6 address removed"
ip -n "$NS_C" addr add "$UPLINK1_ADDR/24" dev out1
move_to out1
ip -n "$NS_C" -6 addr del "$UPLINK1_ADDR6/64" dev out1
# A session process that stopped answering would make every status call
# wait its 5 s: say where it is stuck instead.
sleep 3
if ! timeout 8 ip netns exec "$NS_C" env ROVE_RUN_DIR="$RUN_DIR" "$ROVE_BIN" status vpn \
	>/dev/null 2>&1; then
	flunk "the session process answers rove status"
	say "# wchan $(cat "/proc/$pid/wchan" 2>&1)"; cat "/proc/$pid/stack" 2>&1 | sed 's/^/    /'
	tail -n 30 "$RUN_DIR/vpn.log" | sed 's/^/    /'
	finish
fi
check "rove moves back to $UPLINK1_ADDR" wait_for 150 local_is "$UPLINK1_ADDR"
check "the LAN host answers through IPv4 again" wait_for 100 lan_reachable
read -r gw4 n_in n_out <<<"$(status_of vpn remote_address $C.spi_in $C.spi_out)"
check "to the gateway's $GW_ADDR ($gw4), the same CHILD SA ($n_in/$n_out)" \
	test "$gw4 $n_in $n_out" = "$GW_ADDR $spi_in $spi_out"
check "the gateway lists the same IKE SA at $UPLINK1_ADDR" \
	eval 'gw_has_ike_spis "$spi_i" "$spi_r" && gw_has_sa_from "$UPLINK1_ADDR"'

check "rove down vpn exits 0" rove_to down down vpn
check_clean "after rove down"
finish
