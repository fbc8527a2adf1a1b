#!/bin/bash
# An IPv6-only path: the client reaches the strongSwan gateway over IPv6
# alone (2001:db8::/32 outside, no IPv4 address on either outer side), and
# the tunnel carries both families: a virtual IPv4 address from 10.3.0.0/24
# and an IPv6 one from fd00:3::/120, to a LAN with 10.1.0.0/16 and
# fd00:1::/64. Pings of both families reach the LAN host through the
# tunnel only (the gateway forwards to its LAN nothing whose source is not
# in a pool); rove down leaves no address, route, rule or device of either
# family behind.
#
#   client rc-$$ 2001:db8:6::2 ---- 2001:db8:6::1 gateway rg-$$ 10.1.0.1 fd00:1::1 ---- lan rl-$$
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
add_ns "$NS_C"
add_ns "$NS_G"
add_ns "$NS_L"
link_ns "$NS_C" out0 2001:db8:6::2/64 "$NS_G" out0 2001:db8:6::1/64
for a in "$NS_C out0 2001:db8:6::2/64" "$NS_G out0 2001:db8:6::1/64"; do
	set -- $a
	# added before DAD could finish: make them usable now
	ip -n "$1" addr change "$3" dev "$2" nodad
done
ip -n "$NS_C" -6 route add default via 2001:db8:6::1
# Only the pools reach the LAN: a ping cannot pass by plain routing.
gw_lan6 'iifname "out0"'
GW_ADDR=2001:db8:6::1
CLIENT_ADDR=2001:db8:6::2
check "the client has no IPv4 address outside" \
	not sh -c "ip -n '$NS_C' -4 addr show dev out0 | grep -q inet"

make_pki "$WORK/pki"
GW_POOL6=$POOL6 GW_DNS6=$LAN6_DNS GW_LOCAL_TS="$LAN_NET, $LAN6_NET" start_gw "$WORK/gw"

ping6_lan() { in_ns "$NS_C" ping -6 -c 2 -i 0.2 -W 2 -q "$LAN6_HOST" >/dev/null 2>&1; }
check "without the tunnel the LAN is unreachable over IPv4" not lan_reachable
check "and over IPv6" not ping6_lan

require "rove up v6 (server $GW_ADDR) exits 0" rove_to up up "$(profile_eap v6)"
J=$WORK/status-v6.json
rove_status_json v6
check "state is established" test "$(json_get "$J" state)" = established
check "the session's server is $GW_ADDR" test "$(json_get "$J" server)" = "$GW_ADDR"
vips=$(json_get "$J" virtual_ips)
say "# virtual IPs: $vips, DNS: $(json_get "$J" dns)"
vip4=$("$PYTHON" -c 'import json,sys; print(" ".join(a for a in json.loads(sys.argv[1]) if ":" not in a))' "$vips")
vip6=$("$PYTHON" -c 'import json,sys; print(" ".join(a for a in json.loads(sys.argv[1]) if ":" in a))' "$vips")
check "an IPv4 virtual IP from $POOL ($vip4)" in_pool "$vip4"
check "an IPv6 virtual IP from $POOL6 ($vip6)" test "${vip6%:*}" = fd00:3:
check "the DNS servers of both families" json_has "$J" dns "$LAN6_DNS"
check "the IPv4 LAN host $LAN_HOST answers through the tunnel" lan_reachable
check "the IPv6 LAN host $LAN6_HOST answers through the tunnel" ping6_lan
gw_sas | sed 's/^/    | /'
check "the gateway's IKE SA runs over IPv6 with rove at $CLIENT_ADDR" gw_has_sa_from "$CLIENT_ADDR"
check "the gateway leased both addresses" gw_sas_match "\\[$vip4 $vip6\\]|\\[$vip6 $vip4\\]"
check "its CHILD SA covers both LAN prefixes" gw_sas_match "local +$LAN_NET $LAN6_NET"

say "# the client while up"
ip -n "$NS_C" addr | sed 's/^/    | /'
ip -n "$NS_C" -6 route show table all | grep -v -e '^local' -e '^multicast' -e '^anycast' | sed 's/^/    | /'
ip -n "$NS_C" -6 rule | sed 's/^/    | /'

check "rove down v6 exits 0" rove_to down down v6
check "no session left" wait_for 30 client_ns_idle
check "no virtual IPv4 address left" not sh -c "ip -n '$NS_C' addr | grep -q ' 10\.3\.0\.'"
check "no virtual IPv6 address left" not sh -c "ip -n '$NS_C' addr | grep -q ' fd00:3:'"
check "no IPv4 route of rove's left" test -z "$(ip -n "$NS_C" route show table 220)"
check "no IPv6 route of rove's left" test -z "$(ip -n "$NS_C" -6 route show table 220)"
check "no IPv4 rule of rove's left" not sh -c "ip -n '$NS_C' -4 rule | grep -q 'lookup 220'"
check "no IPv6 rule of rove's left" not sh -c "ip -n '$NS_C' -6 rule | grep -q 'lookup 220'"
check "only lo and out0 remain" test "$(ip -n "$NS_C" -o link | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' ')" = "lo out0 "
check "the IPv6 default route is the original one" \
	test "$(ip -n "$NS_C" -6 route show default)" = "default via 2001:db8:6::1 dev out0 metric 1024 pref medium"
check "the gateway no longer lists it" wait_for 30 gw_sa_count_is 0
check "the LAN is unreachable again over IPv6" not ping6_lan
finish
