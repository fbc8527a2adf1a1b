#!/bin/bash
# No leaks beside a full tunnel: the gateway assigns only an IPv4 address,
# the client's uplink also has IPv6. While rove is up, an IPv6 ping towards
# the internet side must not leave the uplink in clear (tcpdump there), the
# link-local path stays usable, and `rove down` (also after a kill -9) takes
# the block away. With leak-block=no the same ping does leave in clear:
# the capture would see a leak.
# The helpers below run through check and wait_for:
# shellcheck disable=SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
need_tools tcpdump

C6=2001:db8:1::2
G6=2001:db8:1::1
NET6_HOST=2001:db8:2::1 # "the internet" beyond the gateway, over IPv6
J=$WORK/status-vpn.json
GW_LOCAL_TS=0.0.0.0/0 # a full tunnel, IPv4 only: the gateway has no IPv6 to give

setup_net
ip -n "$NS_C" addr add "$C6/64" dev out0 nodad
ip -n "$NS_G" addr add "$G6/64" dev out0 nodad
ip -n "$NS_G" addr add "$NET6_HOST/128" dev lo
ip -n "$NS_C" -6 route add default via "$G6"
make_pki "$WORK/pki"
start_gw "$WORK/gw"

ping6_ok() { in_ns "$NS_C" ping -6 -c 1 -W 2 -q "$1" >/dev/null 2>&1; }
gw_ll=$(ip -n "$NS_G" -6 addr show dev out0 scope link | sed -n 's/.*inet6 \([^/]*\).*/\1/p')

# Counts into LEAKED the echo requests to NET6_HOST seen on the client's
# uplink while a ping runs. (SIGTERM: background jobs of a script ignore
# SIGINT; -U has written every packet already.)
LEAKED=""
NCAP=0
count_leaks() {
	local pid cap=$WORK/uplink6-$((NCAP += 1)).pcap
	in_ns "$NS_C" tcpdump -i out0 -n -U -w "$cap" \
		"ip6 and dst host $NET6_HOST and icmp6 and ip6[40] == 128" >/dev/null 2>&1 &
	pid=$!
	wait_for 30 test -s "$cap" || true # the pcap header is written
	sleep 0.5                          # and the filter attached soon after
	in_ns "$NS_C" ping -6 -c 3 -i 0.2 -W 1 -q "$NET6_HOST" >/dev/null 2>&1 || true
	sleep 0.3
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	LEAKED=$(tcpdump -r "$cap" -n 2>/dev/null | wc -l)
	say "# $LEAKED echo request(s) to $NET6_HOST on the uplink"
}
no_leak() { count_leaks; test "$LEAKED" = 0; }
leak() { count_leaks; test "$LEAKED" -gt 0; }
blocked_is() { rove_status_json vpn && test "$(json_get "$J" blocked)" = "$1"; }
table220_v6_clean() { [ -z "$(ip -n "$NS_C" -6 route show table 220 proto 181)" ]; }
no_v6_rule() { ! ip -n "$NS_C" -6 rule show | grep -q "lookup 220"; }

require "before rove: IPv6 reaches $NET6_HOST in clear" ping6_ok "$NET6_HOST"
check "... and the capture sees those pings (it can see a leak)" leak

# ---- a full tunnel with only an IPv4 virtual IP ----
profile=$(profile_eap vpn)
require "rove up (full tunnel, the pool is IPv4 only)" rove_to up up "$profile"
check "rove up says IPv6 is blocked" grep -q "IPv6 blocked" "$WORK/up.out"
check "status: blocked [\"ipv6\"]" blocked_is '["ipv6"]'
check "IPv4 goes through the tunnel" lan_reachable
check "an IPv6 ping to $NET6_HOST fails" not ping6_ok "$NET6_HOST"
check "... and not one echo request leaves the uplink in clear" no_leak
check "the gateway's link-local address still answers" ping6_ok "$gw_ll%out0"
check "rove down" rove_to down down vpn
check "after rove down IPv6 reaches $NET6_HOST again" ping6_ok "$NET6_HOST"
check "table 220 holds no IPv6 route of ours" table220_v6_clean
check "the IPv6 rule is gone" no_v6_rule

# ---- killed: the next rove down removes the block ----
require "rove up again" rove_to up2 up "$profile"
require "status (for the pid)" rove_status_json vpn
pid=$(json_get "$J" pid)
kill -9 "$pid"
check "the session process is gone after kill -9" wait_for 50 not kill -0 "$pid"
check "the crash left the block (IPv6 still refused)" not ping6_ok "$NET6_HOST"
rove_to down2 down vpn || true
check "rove down after the crash removes the block" ping6_ok "$NET6_HOST"
check "table 220 holds no IPv6 route of ours after the crash" table220_v6_clean

# ---- leak-block=no: the user chose IPv6 outside the tunnel ----
profile=$(write_profile open server="$GW_ADDR" remote-id="$GW_NAME" user="$EAP_USER" \
	ca="$PKI_DIR/ca.pem" leak-block=no -- password="$EAP_PASSWORD")
require "rove up with leak-block=no" rove_to up3 up "$profile"
check "status: nothing blocked" eval 'rove status open --json </dev/null >"$WORK/o.json" &&
	test "$(json_get "$WORK/o.json" blocked)" = "[]"'
check "IPv6 goes outside the tunnel, as asked" leak
check "rove down" rove_to down3 down open
finish
