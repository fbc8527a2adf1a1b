#!/bin/bash
# MOBIKE across outer families with the userspace datapath: the client
# starts on an IPv4 uplink (out0), then out0's address goes and only an
# IPv6 uplink is left (out1, its IPv4 address removed first): rove moves
# the same IKE SA to one of the gateway's IPv6 addresses (learned from its
# ADDITIONAL_IP6_ADDRESS notifies) and the datapath sends ESP from its IPv6
# NAT-T socket, with the same TUN, the same virtual IP and IPv4 inside,
# and a TUN MTU 20 bytes smaller (the outer IPv6 header). Then back to
# IPv4. Pings at 10 per second to the gateway's LAN resume each time; the
# gateway lists the same IKE SPIs at each new address.
#
# The gateway runs kernel-libipsec here, which rekeys the CHILD SA after
# every move (rove answers that rekey): the pings resume once it is done.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
setup_net_two_uplinks
make_pki "$WORK/pki"
start_gw "$WORK/gw"
profile=$(profile_eap vpn)
J=$WORK/status-vpn.json
# out1 is IPv6 only.
ip -n "$NS_C" addr del "$UPLINK1_ADDR/24" dev out1

status_field() { rove_status_json vpn && json_get "$J" "$1"; }
local_is() { test "$(status_field local_address)" = "$1"; }
tun_mtu() { ip -n "$NS_C" -o link show "rove-vpn" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }
ping_start() { # file: 10 pings a second to the LAN host, timestamped
	run_client ping -D -i 0.1 -W 1 "$LAN_HOST" >"$1" 2>&1 &
	PING_PID=$!
	PIDS+=("$PING_PID")
}
replies_after() { # file, Unix time
	awk -v t="$2" -F'[][]' '/bytes from/ && $2 + 0 > t { n++ } END { print n + 0 }' "$1"
}
first_reply_after() { # file, Unix time: seconds to the first reply after it
	awk -v t="$2" -F'[][]' '/bytes from/ && $2 + 0 > t { printf "%.2f", $2 - t; exit }' "$1"
}

require "rove up vpn exits 0" rove_to up up "$profile"
require "rove status vpn --json" rove_status_json vpn
check "the userspace datapath" test "$(json_get "$J" datapath)" = userspace
check "both sides do MOBIKE" test "$(json_get "$J" mobike)" = true
check "the path starts at 192.0.2.2" test "$(json_get "$J" local_address)" = 192.0.2.2
spi_i=$(json_get "$J" ike.spi_i)
spi_r=$(json_get "$J" ike.spi_r)
vip=$(json_get "$J" virtual_ips.0)
mtu4=$(tun_mtu)
check "the LAN host answers through the tunnel" lan_reachable

say "# to IPv6 outside: an IPv6 default route on out1, then 192.0.2.2 removed"
ping_start "$WORK/ping6.log"
sleep 1
ip -n "$NS_C" -6 route replace default via "$UPLINK1_GW6" dev out1
ip -n "$NS_C" addr del 192.0.2.2/24 dev out0
t_move=$(date +%s.%N) # no IPv4 address left: answers come over IPv6
check "rove moves to $UPLINK1_ADDR6" wait_for 100 local_is "$UPLINK1_ADDR6"
check "pings are answered again (IPv4 inside IPv6)" wait_for 150 \
	eval 'test "$(replies_after "$WORK/ping6.log" "$t_move")" -ge 5'
say "# first reply $(first_reply_after "$WORK/ping6.log" "$t_move") s after the IPv4 address went"
stop_pid "$PING_PID"
gw6=$(status_field remote_address)
check "to one of the gateway's IPv6 addresses ($gw6)" test "${gw6%%:*}" = 2001
gw_sas | sed 's/^/    /'
check "the gateway lists the same IKE SA at $UPLINK1_ADDR6" \
	wait_for 50 eval 'gw_has_ike_spis "$spi_i" "$spi_r" && gw_has_sa_from "$UPLINK1_ADDR6"'
check "one IKE SA at the gateway" gw_sa_count_is 1
check "the same virtual IP $vip" test "$(status_field virtual_ips.0)" = "$vip"
mtu6=$(tun_mtu)
check "the TUN's MTU lost the 20 bytes of the IPv6 header ($mtu4 -> $mtu6)" \
	test "$mtu6" = "$((mtu4 - 20))"
check "a full-size ping fits the new MTU" run_client ping -c 1 -W 2 -M do \
	-s "$((mtu6 - 28))" "$LAN_HOST"
check "the gateway's IPv6 address is pinned outside the tunnel (table 220)" \
	sh -c "ip -n $NS_C -6 route show table 220 | grep -q '^$gw6 .*dev out1'"

say "# back to IPv4 outside: 192.0.2.2 again, then the IPv6 address removed"
ping_start "$WORK/ping4.log"
sleep 1
ip -n "$NS_C" addr add 192.0.2.2/24 dev out0
ip -n "$NS_C" route replace default via 192.0.2.1 dev out0
ip -n "$NS_C" -6 addr del "$UPLINK1_ADDR6/64" dev out1
t_move=$(date +%s.%N)
check "rove moves back to 192.0.2.2" wait_for 100 local_is 192.0.2.2
check "pings are answered again (IPv4 inside IPv4)" wait_for 150 \
	eval 'test "$(replies_after "$WORK/ping4.log" "$t_move")" -ge 5'
say "# first reply $(first_reply_after "$WORK/ping4.log" "$t_move") s after the IPv6 address went"
stop_pid "$PING_PID"
check "to the gateway's $GW_ADDR" test "$(status_field remote_address)" = "$GW_ADDR"
check "the gateway lists the same IKE SA at 192.0.2.2" \
	wait_for 50 eval 'gw_has_ike_spis "$spi_i" "$spi_r" && gw_has_sa_from 192.0.2.2'
check "rove status counts two moves" test "$(status_field moves)" = 2
check "the TUN's MTU is back ($(tun_mtu))" test "$(tun_mtu)" = "$mtu4"
check "the LAN host answers" lan_reachable

check "rove down vpn exits 0" rove_to down down vpn
check "the gateway no longer lists the IKE SA" wait_for 30 gw_sa_count_is 0
check "no rove route is left in table 220" sh -c \
	"! ip -n $NS_C route show table 220 proto 181 | grep -q . &&
	 ! ip -n $NS_C -6 route show table 220 proto 181 | grep -q ."
finish
