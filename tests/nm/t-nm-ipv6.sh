#!/bin/bash
# IPv6 through NetworkManager: a strongSwan gateway with an IPv4 and an
# IPv6 pool (and an IPv6 DNS server and INTERNAL_IP6_SUBNET), a LAN behind
# it with both families. nm-rove-service reports the IPv6 configuration
# (SetIp6Config: address and prefix, DNS, routes from the narrowed remote
# selectors and the gateway's subnets, a full tunnel as the IPv6 default
# route unless ipv6.never-default) and NetworkManager applies it: nmcli
# shows it, ping -6 reaches the LAN host through the tunnel, and each down
# leaves nothing of either family. With ipv6.method ignore or disabled (what
# NetworkManager-strongswan users set to keep IPv6 off the VPN) no IPv6
# address is asked for, leased or applied. One NetworkManager for all.
#
#   client rc-$$: NetworkManager, out0 192.0.2.2
#       ---- 192.0.2.1 gateway rg-$$ 10.1.0.1 fd00:1::1 ---- 10.1.0.10 fd00:1::10 lan rl-$$
# shellcheck source-path=SCRIPTDIR source=nm.sh
. "$(dirname "$0")/nm.sh"

nm_init
nm_install
nm_installed libexec/nm-rove-service || skip "nm-rove-service is not built (libnm missing?)"
# nm_net with an IPv6 LAN: the gateway forwards to its LAN only what comes
# from a pool, and its own LAN addresses are not reachable from outside,
# so nothing passes without the tunnel.
nm_net gw_lan6
make_pki "$WORK/pki"
# Everything of both families, both pools, and the LAN of each family as
# INTERNAL_IP4/6_SUBNET (what never-default leaves as routes).
GW_LOCAL_TS="0.0.0.0/0, ::/0"
# shellcheck disable=SC2034 # read by start_gw (strongswan.sh)
GW_POOL6=$POOL6 GW_DNS6=$LAN6_DNS
GW_POOL_EXTRA="subnet = $LAN_NET, $LAN6_NET"
start_gw "$WORK/gw"
nm_start

DATA="server=$GW_NAME, user=$EAP_USER, ca=$PKI_DIR/ca.pem, password-flags=0"
add_rove() { # name, ipv6.method, extra vpn.data, [more nmcli settings...]
	local name=$1 m6=$2 extra=$3
	shift 3
	nm_cli connection add type vpn con-name "$name" vpn-type rove \
		connection.autoconnect no ipv4.method auto ipv6.method "$m6" \
		vpn.data "$DATA${extra:+, $extra}" vpn.secrets "password=$EAP_PASSWORD" "$@" >/dev/null
}
# One field of `nmcli -g` a value per line, unescaped (nmcli joins several
# with " | " and escapes the colons of IPv6 addresses).
nm_vals() { nm_field "$1" "$2" | sed 's/ | /\n/g; s/\\//g'; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
up() { # name: nmcli connection up, timed
	local t0 rc
	t0=$(date +%s%N)
	nm_cli connection up "$1" >"$WORK/up-$1.out" 2>&1 && rc=0 || rc=$?
	say "    nmcli connection up $1 took $(ms_since "$t0") ms"
	[ "$rc" = 0 ] || sed 's/^/    nmcli: /' "$WORK/up-$1.out"
	return "$rc"
}
ping6_lan() { in_ns "$NS_C" ping -6 -c 2 -i 0.2 -W 2 -q "$LAN6_HOST" >/dev/null 2>&1; }
default6_via_tunnel() { ip -n "$NS_C" -6 route show default | grep -q 'dev rove-'; }
default4_via_tunnel() { ip -n "$NS_C" route show default | grep -q 'dev rove-'; }
in_pool6() { [[ ${1%/*} =~ ^fd00:3::[0-9a-f]{1,2}$ ]]; }
has6_route() { nm_vals "$1" IP6.ROUTE | grep -q "dst = $2,"; }
# The IPv6 address NetworkManager put on rove's TUN.
on_tun6() { ip -n "$NS_C" -o -6 addr show | grep -qE "^[0-9]+: rove-nm[0-9a-f]{8} +inet6 ${1%/*}/"; }
leased() { gw_sas | grep -E '^ +remote ' | grep -qE "\\[([^]]* )?$1[] ]"; }
# Nothing of IPv6 left beside the harness's checks (nm_leftovers looks at
# the main table's IPv4 routes only): no IPv6 route in the main table but
# the kernel's own (out0 runs without IPv6, so there are none).
no_v6_routes() { test -z "$(ip -n "$NS_C" -6 route show table main)"; }
# nm_leftovers looks at the IPv4 rules: the IPv6 ones beyond the two defaults.
no_v6_rules() { test -z "$(ip -n "$NS_C" -6 rule show | grep -vE '^(0|32766):')"; }
nm_pool6_addr() { nm_vals "$1" IP6.ADDRESS | grep -q '^fd00:3:'; }
tun_pool6_addr() { ip -n "$NS_C" -o -6 addr show | grep -q 'rove-nm.* inet6 fd00:3:'; }
clean_after() { # name
	check "the gateway lists no IKE SA after down" wait_for 30 gw_sa_count_is 0
	nm_check_clean "nothing of $1 is left (device, address, route, rule, XFRM)"
	check "no IPv6 route is left in the main table" no_v6_routes
	check "no IPv6 rule is left" no_v6_rules
	check "the IPv6 LAN host is unreachable again" not ping6_lan
}

check "without a tunnel the IPv6 LAN host is unreachable" not ping6_lan
check "... and the IPv4 one" not lan_reachable

say "# dual stack, a full tunnel: both families, both default routes"
require "nmcli adds dual (ipv6.method auto)" add_rove dual auto ""
check "nmcli connection up dual" up dual
check "NetworkManager shows dual activated" nm_active dual
addr6=$(nm_vals dual IP6.ADDRESS | grep -v '^fe80:' | head -n 1)
addr4=$(nm_vals dual IP4.ADDRESS | head -n 1)
say "    IP6.ADDRESS $(nm_vals dual IP6.ADDRESS | tr '\n' ' ')IP4.ADDRESS $addr4, IP6.DNS $(nm_vals dual IP6.DNS | tr '\n' ' ')"
check "IP6.ADDRESS $addr6 is from the gateway's IPv6 pool $POOL6" in_pool6 "$addr6"
check "IP4.ADDRESS $addr4 is from the IPv4 pool" in_pool "${addr4%/*}"
has_val() { nm_vals "$1" "$2" | grep -qx -- "$3"; } # connection, field, value
check "IP6.DNS is the gateway's IPv6 DNS server $LAN6_DNS" has_val dual IP6.DNS "$LAN6_DNS"
check "IP4.DNS is the gateway's IPv4 one $LAN_DNS" has_val dual IP4.DNS "$LAN_DNS"
check "NetworkManager put $addr6 on rove's TUN" on_tun6 "$addr6"
check "the IPv6 default route goes through the tunnel" default6_via_tunnel
check "... and the IPv4 one" default4_via_tunnel
check "IP6.ROUTE holds the IPv6 default route (ipv6.never-default no)" has6_route dual "::/0"
gw_sas | grep -E '^ +remote ' | sed 's/^/    gateway: /'
check "the gateway leased ${addr6%/*} to rove" leased "${addr6%/*}"
check "... and ${addr4%/*}" leased "${addr4%/*}"
check "the IPv6 LAN host answers through the tunnel" ping6_lan
check "the IPv4 LAN host answers through the tunnel" lan_reachable
status_vip6() { nm_status "$(nm_field "$1" connection.uuid)" VirtualIp6 | grep -qF "$2/"; }
check "rove-statusd: dual's VirtualIp6 is $addr6 (read as nobody)" status_vip6 dual "${addr6%/*}"
ip -n "$NS_C" -6 route show table all | grep -v -e '^local' -e '^multicast' -e '^anycast' | sed 's/^/    | /'

say "# the gateway deletes the IKE SA: rove reconnects under NetworkManager, same addresses"
ike_spi() { gw_sas | grep -o '[0-9a-f]\{16\}_i' | head -n 1; }
spi=$(ike_spi)
mark=$(nm_log_lines)
swanctl_at "$GW_DIR" --terminate --ike eap >/dev/null 2>&1
new_sa() { test "$(gw_sa_count)" = 1 && test "$(ike_spi)" != "$spi"; }
check "the gateway lists a new IKE SA (rove reconnected)" wait_for 100 new_sa
check "the service's line names the server: reconnecting to $GW_NAME (attempt 1)" \
	test "$(nm_log_count "rove: dual: reconnecting to $GW_NAME \\(attempt 1\\)" "$mark")" = 1
check "the gateway leased the same ${addr6%/*} again" leased "${addr6%/*}"
check "... and ${addr4%/*}" leased "${addr4%/*}"
check "NetworkManager still shows dual activated" nm_active dual
check "the IPv6 LAN host answers through the tunnel again" wait_for 50 ping6_lan
check "nmcli connection down dual" nm_cli connection down dual
check "the IPv6 default route is gone" wait_for 30 not default6_via_tunnel
clean_after dual

say "# ipv6.never-default: no IPv6 default route, the gateway's IPv6 subnet instead"
require "nmcli adds never6 (ipv6.never-default yes)" add_rove never6 auto "" ipv6.never-default yes
check "nmcli connection up never6" up never6
check "no IPv6 default route through the tunnel" not default6_via_tunnel
check "the IPv4 default route still goes through it (ipv4.never-default no)" default4_via_tunnel
check "IP6.ROUTE holds the gateway's subnet $LAN6_NET (INTERNAL_IP6_SUBNET)" has6_route never6 "$LAN6_NET"
check "IP6.ROUTE holds no default route" not has6_route never6 "::/0"
check "the IPv6 LAN host answers through the tunnel" ping6_lan
check "nmcli connection down never6" nm_cli connection down never6
clean_after never6

say "# a split tunnel: the narrowed IPv6 selector becomes a route"
# fd00:1::/96, not the /64 the gateway also sends as its subnet: so the
# route can only come from the selector. (It holds the gateway's own LAN
# address too: its kernel-libipsec cannot route a selector without one.)
SPLIT6=fd00:1::/96
require "nmcli adds split6 (routes=$LAN_NET $SPLIT6)" \
	add_rove split6 auto "routes=$LAN_NET $SPLIT6"
check "nmcli connection up split6" up split6
check "IP6.ROUTE holds the narrowed selector $SPLIT6" has6_route split6 "$SPLIT6"
check "no IPv6 default route through the tunnel" not default6_via_tunnel
check "no IPv4 one either" not default4_via_tunnel
check "the IPv6 LAN host answers through the tunnel" ping6_lan
check "the IPv4 LAN host too" lan_reachable
check "nmcli connection down split6" nm_cli connection down split6
clean_after split6

# What NetworkManager-strongswan users expect of ipv6.method ignore and
# disabled: the VPN leaves IPv6 alone, and the gateway is asked for none.
for m6 in ignore disabled; do
	say "# ipv6.method $m6: no IPv6 asked for, leased or applied"
	require "nmcli adds v6$m6 (a full tunnel, ipv6.method $m6)" add_rove "v6$m6" "$m6" ""
	check "nmcli connection up v6$m6" up "v6$m6"
	check "NetworkManager shows v6$m6 activated" nm_active "v6$m6"
	check "the gateway leased an IPv4 address" leased '10\.3\.0\.[0-9]+'
	check "the gateway leased no IPv6 address" not leased 'fd00:3:[0-9a-f:]*'
	check "IP6.ADDRESS holds none from the pool" not nm_pool6_addr "v6$m6"
	check "no IPv6 address from the pool on rove's TUN" not tun_pool6_addr
	check "no IPv6 default route through the tunnel" not default6_via_tunnel
	check "the IPv4 LAN host answers through the tunnel" lan_reachable
	check "the IPv6 LAN host does not" not ping6_lan
	check "nmcli connection down v6$m6" nm_cli connection down "v6$m6"
	clean_after "v6$m6"
done

say "# ipv6.method ignore with IPv6 routes only: refused before anything is sent"
require "nmcli adds only6 (routes=$LAN6_NET, ipv6.method ignore)" \
	add_rove only6 ignore "routes=$LAN6_NET"
mark=$(nm_log_lines)
gwmark=$(gw_log_lines)
check "nmcli connection up only6 fails" not up only6
check "the service's sentence names routes and ipv6.method (NetworkManager's log)" \
	test "$(nm_log_count "rove: only6: vpn.data key 'routes' holds only IPv6 prefixes.*ipv6.method" "$mark")" -ge 1
check "no IKE_SA_INIT reached the gateway" test "$(gw_log_count "$LOG_IKE_SA_INIT" "$gwmark")" = 0
nm_check_clean "nothing of only6 is left"

check "the password is in no log of the box" not grep -rqF "$EAP_PASSWORD" "$NM_DIR"
nm_finish
