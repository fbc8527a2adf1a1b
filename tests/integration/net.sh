# shellcheck shell=bash
# The test network (sourced by lib.sh):
#
#   client rc-$$ 192.0.2.2 ---- 192.0.2.1 gateway rg-$$ 10.1.0.1 ---- 10.1.0.10 lan rl-$$
#
# or with --nat:
#
#   client 198.51.100.2 -- 198.51.100.1 nat rn-$$ 203.0.113.1 -- 203.0.113.2 gateway
#
# The gateway forwards to its LAN only what comes from the virtual-IP pool,
# i.e. out of the tunnel: a test cannot pass by plain routing.

in_ns() { # namespace, command...
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

add_ns() {
	ip netns add "$1"
	ip -n "$1" link set lo up
}

# A veth pair straight between two namespaces (no name on the host):
# link_ns NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN
link_ns() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

forwarding_on() {
	in_ns "$1" sysctl -qw net.ipv4.ip_forward=1
}

# gw_lan MATCH: the gateway's LAN with its host, and the rules that keep a
# test from passing by plain routing: only the virtual-IP pool is forwarded
# to the LAN, and the gateway's own LAN address is refused to what MATCH
# (an nft interface match) names as outside.
gw_lan() {
	link_ns "$NS_G" lan0 "$LAN_GW/16" "$NS_L" eth0 "$LAN_HOST/16"
	ip -n "$NS_L" route add default via "$LAN_GW"
	forwarding_on "$NS_G"
	in_ns "$NS_G" nft -f - <<EOF
table inet rove_gw {
	chain forward {
		type filter hook forward priority 0; policy accept;
		oifname "lan0" meta nfproto ipv6 counter drop
		oifname "lan0" ip saddr != $POOL counter drop
	}
	chain input {
		type filter hook input priority 0; policy accept;
		$1 ip daddr $LAN_NET counter drop
	}
}
EOF
}

# The LAN's IPv6 side, for the dual-stack tests (t-ipv6.sh, tests/nm's
# t-nm-ipv6.sh), and the gateway's IPv6 pool.
POOL6=fd00:3::/120
LAN6_NET=fd00:1::/64
LAN6_GW=fd00:1::1
LAN6_HOST=fd00:1::10
LAN6_DNS=fd00:1::53

# gw_lan6 MATCH: gw_lan with both families: the LAN host also at
# $LAN6_HOST, and only the two pools forwarded to it; the gateway's own
# LAN addresses of either family are refused to what MATCH names.
gw_lan6() {
	link_ns "$NS_G" lan0 "$LAN_GW/16" "$NS_L" eth0 "$LAN_HOST/16"
	# added before DAD could finish: usable at once
	ip -n "$NS_G" addr add "$LAN6_GW/64" dev lan0 nodad
	ip -n "$NS_L" addr add "$LAN6_HOST/64" dev eth0 nodad
	ip -n "$NS_L" route add default via "$LAN_GW"
	ip -n "$NS_L" -6 route add default via "$LAN6_GW"
	in_ns "$NS_G" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	in_ns "$NS_G" nft -f - <<EOF
table inet rove_gw {
	chain forward {
		type filter hook forward priority 0; policy accept;
		oifname "lan0" ip saddr != $POOL counter drop
		oifname "lan0" ip6 saddr != $POOL6 counter drop
	}
	chain input {
		type filter hook input priority 0; policy accept;
		$1 ip daddr $LAN_NET counter drop
		$1 ip6 daddr $LAN6_NET counter drop
	}
}
EOF
}

# shellcheck disable=SC2120 # the option is optional
setup_net() { # [--nat]
	add_ns "$NS_C"
	# `ip netns exec` shows /etc/netns/NS/resolv.conf as /etc/resolv.conf:
	# the client's DNS changes never touch the host's file.
	# (Inside the VM tier /etc is read-only: then there is nothing to protect.)
	if mkdir -p "/etc/netns/$NS_C" 2>/dev/null; then
		printf '# the rove test client namespace %s\nnameserver 192.0.2.53\n' "$NS_C" \
			>"/etc/netns/$NS_C/resolv.conf"
	fi
	add_ns "$NS_G"
	add_ns "$NS_L"
	if [ "${1:-}" = --nat ]; then
		add_ns "$NS_N"
		link_ns "$NS_C" out0 198.51.100.2/24 "$NS_N" in0 198.51.100.1/24
		link_ns "$NS_N" out0 203.0.113.1/24 "$NS_G" out0 203.0.113.2/24
		ip -n "$NS_C" route add default via 198.51.100.1
		CLIENT_ADDR=198.51.100.2
		GW_ADDR=203.0.113.2
		NAT_OUTER=203.0.113.1
		start_nat
	else
		link_ns "$NS_C" out0 192.0.2.2/24 "$NS_G" out0 192.0.2.1/24
		ip -n "$NS_C" route add default via 192.0.2.1
		CLIENT_ADDR=192.0.2.2
		GW_ADDR=192.0.2.1
	fi
	gw_lan 'iifname "out0"'
}

# Masquerade on the NAT box's outer side (setup_net --nat calls it).
start_nat() {
	forwarding_on "$NS_N"
	in_ns "$NS_N" nft -f - <<'EOF'
table ip rove_nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "out0" masquerade
	}
}
EOF
}

# The gateway drops IKE (UDP 500 and 4500) arriving from outside.
block_udp() {
	in_ns "$NS_G" nft insert rule inet rove_gw input \
		iifname out0 udp dport '{ 500, 4500 }' counter drop
}

# How many datagrams block_udp's rule dropped.
blocked_count() {
	in_ns "$NS_G" nft list chain inet rove_gw input |
		sed -n 's/.*udp dport { 500, 4500 } counter packets \([0-9]*\) .*/\1/p'
}

# Whether a ping from the client reaches the LAN host (through the tunnel
# only, see setup_net).
lan_reachable() {
	in_ns "$NS_C" ping -c 2 -i 0.2 -W 2 -q "$LAN_HOST" >/dev/null 2>&1
}

# The gateway vanishes: its outer interface passes nothing either way.
gw_vanish() {
	in_ns "$NS_G" nft -f - <<'EOF'
table inet rove_dead {
	chain in { type filter hook input priority -10; policy accept; iifname "out0" drop; }
	chain out { type filter hook output priority -10; policy accept; oifname "out0" drop; }
	chain forward_ { type filter hook forward priority -10; policy accept; iifname "out0" drop; }
}
EOF
}
gw_return() { in_ns "$NS_G" nft delete table inet rove_dead; }

# Counts what arrives in clear at the gateway for its LAN: packets on the
# wire (prerouting, before anything drops them) whose destination is the
# LAN itself, i.e. not ESP. Counting on the client would not do: its
# output hooks see a packet before XFRM encrypts it. clear_packets reads
# the count; clear_counter_stop removes the table.
clear_counter_start() {
	in_ns "$NS_G" nft -f - <<EOF
table inet rove_leak {
	chain pre { type filter hook prerouting priority -300; policy accept;
		iifname "out0" ip daddr $LAN_NET counter; }
}
EOF
}
clear_packets() {
	in_ns "$NS_G" nft list chain inet rove_leak pre |
		sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'
}
clear_counter_stop() { in_ns "$NS_G" nft delete table inet rove_leak; }

# Two uplinks for the move tests (MOBIKE): the gateway's IKE address sits
# on its loopback, so the client's path to it follows the default route.
#
#   client out0 192.0.2.2/24     ---- 192.0.2.1    out0 gateway lo 203.0.113.1
#          out1 198.51.100.2/24  ---- 198.51.100.1 out1
#               2001:db8:1::2/64 ---- 2001:db8:1::1     lo 2001:db8:ff::1
#
# The default route starts on out0; move_to switches it. With --nat, out1
# leads to a masquerading NAT box instead (198.51.100.1, rn-$$), whose
# outer side 203.0.113.9/30 faces the gateway's out1 (203.0.113.10/30); no
# IPv6 then.
UPLINK1_ADDR=198.51.100.2
UPLINK1_GW=198.51.100.1
UPLINK1_ADDR6=2001:db8:1::2
UPLINK1_GW6=2001:db8:1::1
GW_ADDR6=2001:db8:ff::1

setup_net_two_uplinks() { # [--nat]
	add_ns "$NS_C"
	add_ns "$NS_G"
	add_ns "$NS_L"
	link_ns "$NS_C" out0 192.0.2.2/24 "$NS_G" out0 192.0.2.1/24
	if [ "${1:-}" = --nat ]; then
		# out1 sits behind a NAT box: 198.51.100.2 -> 203.0.113.9.
		add_ns "$NS_N"
		link_ns "$NS_C" out1 "$UPLINK1_ADDR/24" "$NS_N" in0 "$UPLINK1_GW/24"
		link_ns "$NS_N" out0 203.0.113.9/30 "$NS_G" out1 203.0.113.10/30
		ip -n "$NS_N" route add default via 203.0.113.10
		NAT_OUTER=203.0.113.9
		start_nat
	else
		link_ns "$NS_C" out1 "$UPLINK1_ADDR/24" "$NS_G" out1 "$UPLINK1_GW/24"
		ip -n "$NS_C" addr add "$UPLINK1_ADDR6/64" dev out1 nodad
		ip -n "$NS_G" addr add "$UPLINK1_GW6/64" dev out1 nodad
		ip -n "$NS_G" addr add "$GW_ADDR6/128" dev lo
	fi
	ip -n "$NS_G" addr add 203.0.113.1/32 dev lo
	ip -n "$NS_C" route add default via 192.0.2.1 dev out0
	CLIENT_ADDR=192.0.2.2
	GW_ADDR=203.0.113.1
	gw_lan 'iifname != "lan0"'
}

# move_to out1|out0 [6]: the client's default route (IPv4, or IPv6 with 6)
# goes to that uplink.
move_to() {
	case "$1${2:-}" in
	out1) ip -n "$NS_C" route replace default via "$UPLINK1_GW" dev out1 ;;
	out0) ip -n "$NS_C" route replace default via 192.0.2.1 dev out0 ;;
	out16) ip -n "$NS_C" -6 route replace default via "$UPLINK1_GW6" dev out1 ;;
	*) die "move_to: unknown uplink $1" ;;
	esac
}
