#!/bin/bash
# The userspace datapath end to end, without IKE: two esp-pair processes
# (tests/tools/esp-pair.c) with fixed keys in two namespaces, pings and TCP
# transfers through the tunnel with several ciphers, DSCP and ECN, IPv6
# outside, the MTU, mismatched keys, and the cleanup after an orderly stop
# and after kill -9.
#
#   a rc-$$ 192.0.2.2 (out0) ==== ESP in UDP 4500 ==== 192.0.2.1 (out0) rg-$$ b
#           2001:db8:4::2                               2001:db8:4::1
#   inner: 10.9.0.1, fd00:9::1 (rove-a)     10.9.0.2, fd00:9::2 (rove-b)
#
# The inner addresses exist only on the TUN devices and are routed only
# through them, and b counts what arrives on out0: the test cannot pass
# without ESP carrying the traffic.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

ESP_PAIR=${ESP_PAIR:-}
need_root
[ -n "$ESP_PAIR" ] && [ -x "$ESP_PAIR" ] || skip "ESP_PAIR does not name the esp-pair tool"
need_tools ip ping nft
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
WORK=$(mktemp -d /tmp/rove-esp.XXXXXX)
RUN_DIR=$WORK/run
mkdir -p "$RUN_DIR"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

A=$NS_C
B=$NS_G
A_OUT=192.0.2.2 B_OUT=192.0.2.1
A_OUT6=2001:db8:4::2 B_OUT6=2001:db8:4::1
OUT_A=$A_OUT OUT_B=$B_OUT # the outer addresses start_pair uses
A_IN=10.9.0.1 B_IN=10.9.0.2
A_IN6=fd00:9::1 B_IN6=fd00:9::2
PID_A="" PID_B=""
BIG=${ESP_PAIR_BYTES:-200000000}

add_ns "$A"
add_ns "$B"
link_ns "$A" out0 "$A_OUT/24" "$B" out0 "$B_OUT/24"
in_ns "$A" ip addr add $A_OUT6/64 dev out0 nodad
in_ns "$B" ip addr add $B_OUT6/64 dev out0 nodad
# The prerouting rule plays a congested router on the way to b: it marks
# CE on a's ESP packets that carry DSCP CS1 (RFC 6040 decapsulation).
in_ns "$B" nft -f - <<EOF
table inet espcount {
	chain prerouting {
		type filter hook prerouting priority raw; policy accept;
		iifname "out0" udp dport 4500 ip dscp cs1 ip ecn set ce
		iifname "out0" udp dport 4500 ip6 dscp cs1 ip6 ecn set ce
	}
	chain input {
		type filter hook input priority 0; policy accept;
		iifname "out0" udp dport 4500 counter
		iifname "out0" ip daddr $B_IN counter
		iifname "out0" ip6 daddr $B_IN6 counter
		iifname "out0" udp dport 4500 ip dscp ef ip ecn ect1 counter
		iifname "out0" meta nfproto ipv6 udp dport 4500 counter
		iifname "out0" udp dport 4500 ip6 dscp ef ip6 ecn ect1 counter
		iifname "rove-b" ip dscp ef ip ecn ect1 counter
		iifname "rove-b" ip dscp cs1 ip ecn ce counter
		iifname "rove-b" ip dscp cs1 ip ecn not-ect counter
	}
}
EOF

# counted RULE-TEXT: the packets b's rule RULE-TEXT (all of it) counted
counted() {
	in_ns "$B" nft list chain inet espcount input |
		sed -n "s/^[[:space:]]*$1 counter packets \([0-9]*\) .*/\1/p"
}

# start_pair NAME PROPOSAL [esp-pair options for both] [-- options for b]
start_pair() {
	local name=$1 prop=$2 both=() bonly=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do both+=("$1"); shift; done
	[ $# -gt 0 ] && shift && bonly=("$@")
	# not through in_ns: a function would run in a subshell, and $! would
	# not be the process that SIGTERM must reach
	ip netns exec "$A" "$ESP_PAIR" run --name a --side a --local $OUT_A --remote $OUT_B \
		--vip $A_IN/32 --local-ts $A_IN/32 --remote-ts $B_IN/32 \
		--vip6 $A_IN6/128 --local-ts6 $A_IN6/128 --remote-ts6 $B_IN6/128 \
		--proposal "$prop" "${both[@]}" >"$RUN_DIR/a-$name.log" 2>&1 &
	PID_A=$!
	ip netns exec "$B" "$ESP_PAIR" run --name b --side b --local $OUT_B --remote $OUT_A \
		--vip $B_IN/32 --local-ts $B_IN/32 --remote-ts $A_IN/32 \
		--vip6 $B_IN6/128 --local-ts6 $B_IN6/128 --remote-ts6 $A_IN6/128 \
		--proposal "$prop" "${both[@]}" "${bonly[@]}" >"$RUN_DIR/b-$name.log" 2>&1 &
	PID_B=$!
	PIDS+=("$PID_A" "$PID_B")
	wait_for 50 grep -q '^ready' "$RUN_DIR/a-$name.log" &&
		wait_for 50 grep -q '^ready' "$RUN_DIR/b-$name.log"
}

stop_pair() {
	stop_pid "$PID_A"
	stop_pid "$PID_B"
}

# stat LOG KEY: KEY's value in the last stats line of LOG
stat() {
	grep '^stats ' "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

no_esp_errors() { # LOG...
	local f k
	for f in "$@"; do
		for k in drop_auth drop_pad drop_malformed drop_replay drop_send drop_write; do
			[ "$(stat "$f" $k)" = 0 ] || { say "# $f: $k=$(stat "$f" $k)"; return 1; }
		done
	done
}

ping4() { in_ns "$1" ping -c 3 -i 0.2 -W 2 -q "$2" >/dev/null 2>&1; }
pingq() { in_ns "$A" ping -c 3 -i 0.2 -W 2 -q -Q "$1" $B_IN >/dev/null 2>&1; }

# check_dscp_ecn OUTER-MATCH: DSCP and ECN copied outward (OUTER-MATCH is
# the nft match for EF and ECT(1) in the outer header's family), and the
# outer CE carried inward or, for a sender without ECN, turned into a drop
# (RFC 4301 5.1.2.1, RFC 6040). b's counters only grow: each check counts
# from where they stood.
check_dscp_ecn() {
	local outer="iifname \"out0\" udp dport 4500 $1" o0 ef0 ce0
	local ef='iifname "rove-b" ip dscp ef ip ecn ect1' ce='iifname "rove-b" ip dscp cs1 ip ecn ce'
	o0=$(counted "$outer") ef0=$(counted "$ef") ce0=$(counted "$ce")
	check "ping a -> b with DSCP EF and ECT(1)" pingq 0xb9
	check "the ESP packets carried EF and ECT(1) outside" test "$(counted "$outer")" -ge $((o0 + 3))
	check "and b's packets inside still had them" test "$(counted "$ef")" -ge $((ef0 + 3))
	check "ping a -> b with DSCP CS1 and ECT(0) through a router marking CE" pingq 0x22
	check "the CE reached the inner packets" test "$(counted "$ce")" -ge $((ce0 + 3))
	check "CE on packets of a sender without ECN: dropped" not pingq 0x20
	check "none of them reached b" \
		test "$(counted 'iifname "rove-b" ip dscp cs1 ip ecn not-ect')" = 0
}
ping6() { in_ns "$1" ping -6 -c 3 -i 0.2 -W 2 -q "$2" >/dev/null 2>&1; }

# transfer NAME FROM-NS TO-NS TO-ADDR BYTES: a TCP transfer, checked byte by byte
transfer() {
	local name=$1 from=$2 to=$3 addr=$4 bytes=$5 sink
	ip netns exec "$to" "$ESP_PAIR" tcp-sink --listen "$addr" --port 5201 --bytes "$bytes" \
		>"$RUN_DIR/sink-$name.log" 2>&1 &
	sink=$!
	if ! wait_for 50 grep -q listening "$RUN_DIR/sink-$name.log" ||
		! in_ns "$from" "$ESP_PAIR" tcp-send --to "$addr" --port 5201 --bytes "$bytes" \
			>"$RUN_DIR/send-$name.log" 2>&1; then
		stop_pid "$sink"
		return 1
	fi
	wait "$sink" || return 1
	say "# $name: $(tail -n 1 "$RUN_DIR/sink-$name.log")"
}

tun_gone() { ! in_ns "$1" ip link show "$2" >/dev/null 2>&1; }
table_empty() { [ -z "$(in_ns "$1" ip route show table 220)" ] &&
	[ -z "$(in_ns "$1" ip -6 route show table 220)" ]; }
no_rule() { ! in_ns "$1" ip rule show | grep -q 'lookup 220'; }

say "# AES-256-GCM-16 (the default), IPv4 and IPv6 inside"
require "both ends come up" start_pair gcm aes256gcm16
check "rove-a has the ESP-sized MTU (1438)" in_ns "$A" sh -c 'ip link show rove-a | grep -q "mtu 1438 "'
check "the virtual IP is on rove-a" in_ns "$A" sh -c "ip addr show rove-a | grep -q 'inet $A_IN/32'"
check "table 220 routes b's address through rove-a" \
	in_ns "$A" sh -c "ip route show table 220 | grep -q '^$B_IN dev rove-a'"
check "table 220 pins the peer outside the tunnel" \
	in_ns "$A" sh -c "ip route show table 220 | grep -q '^$B_OUT dev out0'"
check "the rule looks up table 220" in_ns "$A" sh -c "ip rule show | grep -q 'lookup 220'"
check "ping a -> b over IPv4" ping4 "$A" $B_IN
check "ping b -> a over IPv4" ping4 "$B" $A_IN
# An address outside b's selectors, routed into the TUN by hand: a's
# datapath must refuse it (RFC 4301 5.1) rather than encrypt it.
in_ns "$A" ip route add 10.9.0.3/32 dev rove-a src $A_IN
check "a packet outside the selectors does not get through" not ping4 "$A" 10.9.0.3
check_dscp_ecn 'ip dscp ef ip ecn ect1'
check "ping a -> b over IPv6" ping6 "$A" $B_IN6
check "TCP a -> b, $BIG bytes intact" transfer gcm-ab "$A" "$B" $B_IN "$BIG"
check "TCP b -> a over IPv6, 20 MB intact" transfer gcm-ba6 "$B" "$A" $A_IN6 20000000
check "ESP in UDP reached b" test "$(counted 'iifname "out0" udp dport 4500')" -gt 1000
check "no plain IPv4 packet for the inner address reached b" test "$(counted "iifname \"out0\" ip daddr $B_IN")" = 0
check "no plain IPv6 packet for the inner address reached b" test "$(counted "iifname \"out0\" ip6 daddr $B_IN6")" = 0
stop_pair
check "a's counters show the transfer" test "$(stat "$RUN_DIR/a-gcm.log" bytes_out)" -gt "$BIG"
check "b received what a sent" test "$(stat "$RUN_DIR/b-gcm.log" bytes_in)" -gt "$BIG"
check "a counted those pings as outside its selectors" \
	test "$(stat "$RUN_DIR/a-gcm.log" drop_policy_out)" -ge 3
check "b counted the CE drops" test "$(stat "$RUN_DIR/b-gcm.log" drop_ecn)" -ge 3
check "no ESP errors on either side" no_esp_errors "$RUN_DIR/a-gcm.log" "$RUN_DIR/b-gcm.log"
say "# a: $(grep '^stats' "$RUN_DIR/a-gcm.log" | tail -n 1)"
check "rove-a is gone after the stop" tun_gone "$A" rove-a
check "rove-b is gone after the stop" tun_gone "$B" rove-b
check "table 220 is empty again in a" table_empty "$A"
check "the rule is gone in a" no_rule "$A"

for prop in aes128-sha256 aes256-sha512 aes128-sha1 chacha20poly1305 aes128gcm8; do
	say "# $prop"
	if ! start_pair "$prop" "$prop" --esn; then
		flunk "$prop: both ends come up"
		stop_pair
		continue
	fi
	check "$prop with ESN: ping a -> b" ping4 "$A" $B_IN
	check "$prop with ESN: TCP a -> b, 20 MB intact" transfer "$prop" "$A" "$B" $B_IN 20000000
	stop_pair
	check "$prop: no ESP errors" no_esp_errors "$RUN_DIR/a-$prop.log" "$RUN_DIR/b-$prop.log"
done

say "# IPv6 outside"
OUT_A=$A_OUT6 OUT_B=$B_OUT6
require "both ends come up over IPv6" start_pair v6 aes256gcm16
check "rove-a's MTU leaves room for the IPv6 header (1418)" \
	in_ns "$A" sh -c 'ip link show rove-a | grep -q "mtu 1418 "'
check "table 220 pins the IPv6 peer outside the tunnel" \
	in_ns "$A" sh -c "ip -6 route show table 220 | grep -q '^$B_OUT6 dev out0'"
check "ping a -> b over IPv4 in IPv6" ping4 "$A" $B_IN
check "ping b -> a over IPv6 in IPv6" ping6 "$B" $A_IN6
check "TCP a -> b in IPv6, 20 MB intact" transfer v6-ab "$A" "$B" $B_IN 20000000
# (nft counts a GSO train of ESP packets once)
check "ESP in UDP over IPv6 reached b" \
	test "$(counted 'iifname "out0" meta nfproto ipv6 udp dport 4500')" -gt 100
check_dscp_ecn 'ip6 dscp ef ip6 ecn ect1'
stop_pair
check "no ESP errors over IPv6" no_esp_errors "$RUN_DIR/a-v6.log" "$RUN_DIR/b-v6.log"
check "b counted the CE drops" test "$(stat "$RUN_DIR/b-v6.log" drop_ecn)" -ge 3
check "table 220 is empty again in a" table_empty "$A"
OUT_A=$A_OUT OUT_B=$B_OUT

say "# a smaller path MTU"
require "both ends come up with a path MTU of 1400" start_pair mtu aes256gcm16 --path-mtu 1400
check "rove-a's MTU follows it (1338)" in_ns "$A" sh -c 'ip link show rove-a | grep -q "mtu 1338 "'
check "a 1338-byte packet with DF goes through" \
	in_ns "$A" ping -c 1 -W 2 -M do -s 1310 -q $B_IN >/dev/null 2>&1
check "a 1339-byte packet with DF does not" \
	not in_ns "$A" ping -c 1 -W 2 -M do -s 1311 -q $B_IN >/dev/null 2>&1
stop_pair

say "# mismatched keys"
require "both ends come up with different seeds" start_pair keys aes256gcm16 -- --seed other
check "nothing gets through" not ping4 "$A" $B_IN
stop_pair
check "b refused a's packets as forged" test "$(stat "$RUN_DIR/b-keys.log" drop_auth)" -gt 0
check "and let none of them in" test "$(stat "$RUN_DIR/b-keys.log" packets_in)" = 0

say "# kill -9"
require "both ends come up" start_pair kill aes256gcm16
kill -KILL "$PID_A"
wait "$PID_A" 2>/dev/null || true
check "rove-a disappears with its process" wait_for 30 tun_gone "$A" rove-a
check "and so do the routes through it" \
	not in_ns "$A" sh -c "ip route show table 220 | grep -q rove-a"
stop_pair
finish
