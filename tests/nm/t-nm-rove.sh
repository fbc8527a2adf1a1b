#!/bin/bash
# nm-rove-service under a real NetworkManager (the box of nm.sh) against
# the strongSwan gateway: nmcli connections of vpn-type rove come up with
# the gateway's address, DNS, search domain and routes in NetworkManager's
# IP4 configuration, traffic flows, and every down leaves nothing behind;
# a wrong password and an untrusted CA fail with NetworkManager's reasons
# and rove's sentence in its log; never-default keeps the default route
# off a full tunnel; `nmcli connection up NAME passwd-file FILE` supplies a
# secret that is not saved; two connections to two gateways run at once.
# One NetworkManager for all.
# shellcheck source-path=SCRIPTDIR source=nm.sh
. "$(dirname "$0")/nm.sh"

nm_init
nm_install
nm_installed libexec/nm-rove-service || skip "nm-rove-service is not built (libnm missing?)"
nm_net
make_pki "$WORK/pki"
# A gateway that offers everything (a full tunnel unless the client asks
# for less) and tells its LAN and a search domain in the pool.
GW_LOCAL_TS=0.0.0.0/0
GW_POOL_EXTRA="subnet = $LAN_NET
		25 = corp.rove.test"
start_gw "$WORK/gw"
nm_start

DATA="server=$GW_NAME, user=$EAP_USER, ca=$PKI_DIR/ca.pem"
add_rove() { # name, extra vpn.data, [more nmcli settings...]
	local name=$1 extra=$2
	shift 2
	nm_cli connection add type vpn con-name "$name" vpn-type rove \
		connection.autoconnect no ipv6.method ignore \
		vpn.data "$DATA${extra:+, $extra}" "$@" >/dev/null
}
default_via_tunnel() { ip -n "$NS_C" route show default | grep -q 'dev rove-'; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# rove-statusd's view of a connection, as an ordinary user reads it.
status_is() { # connection, property, gdbus's rendering of the value
	local uuid
	uuid=$(nm_field "$1" connection.uuid)
	test "$(nm_status "$uuid" "$2")" = "($3,)"
}
status_has() { # connection, property, extended regex
	local uuid
	uuid=$(nm_field "$1" connection.uuid)
	nm_status "$uuid" "$2" | grep -qE -- "$3"
}
has_domain() { nm_field "$1" IP4.DOMAIN | grep -qx "$2"; }
has_route() { nm_field "$1" IP4.ROUTE | grep -q "dst = $2"; }
# The process serving an active connection: the owner of the bus name
# NetworkManager watches for it (from its log), and whether the zygote
# forked it (nm-plugin/src/zygote.h: its parent is the resident
# nm-rove-worker) rather than NetworkManager starting it cold (its parent
# then is gone: g_spawn_async forks twice).
service_pid() {
	local name
	name=$(grep -oE "\"$1\"\]: starting: watch D-Bus service [^ ]+" "$NM_DIR/nm.log" |
		tail -n 1 | awk '{print $NF}')
	[ -n "$name" ] || return 1
	nm_in gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
		--method org.freedesktop.DBus.GetConnectionUnixProcessID "$name" 2>/dev/null |
		grep -oE '[0-9]+' | tail -n 1
}
forked_by_zygote() {
	local pid ppid
	pid=$(service_pid "$1") && [ -n "$pid" ] || return 1
	ppid=$(awk '/^PPid:/ {print $2}' "/proc/$pid/status")
	[ "$(cat "/proc/$pid/comm")" = nm-rove-worker ] &&
		[ "$(cat "/proc/$ppid/comm" 2>/dev/null)" = nm-rove-worker ]
}

say "# a split tunnel: routes= narrows what rove asks for"
require "nmcli adds a rove connection (vpn.data + vpn.secrets)" \
	add_rove split "routes=$LAN_NET, password-flags=0" vpn.secrets "password=$EAP_PASSWORD"
t0=$(date +%s%N)
check "nmcli connection up split" nm_cli connection up split
say "    nmcli connection up took $(ms_since "$t0") ms"
check "NetworkManager shows split activated" nm_active split
addr=$(nm_field split IP4.ADDRESS | head -n 1)
check "IP4.ADDRESS $addr is from the gateway's pool" in_pool "${addr%/*}"
check "IP4.DNS is the gateway's DNS server $LAN_DNS" \
	test "$(nm_field split IP4.DNS | head -n 1)" = "$LAN_DNS"
check "IP4.DOMAIN holds the search domain corp.rove.test" has_domain split corp.rove.test
check "IP4.ROUTE holds the narrowed selector $LAN_NET" has_route split "$LAN_NET"
on_rove_tun() { ip -n "$NS_C" -o addr show | grep -qE "^[0-9]+: rove-nm[0-9a-f]{8} +inet $1/"; }
check "the address is on rove's TUN (NetworkManager configured it)" on_rove_tun "${addr%/*}"
check "no default route through the tunnel" not default_via_tunnel
check "the LAN host answers through the tunnel" lan_reachable
check "the gateway lists the IKE SA from $CLIENT_ADDR" gw_has_sa_from "${CLIENT_ADDR}["
check "rove-statusd: split is connected (read as nobody)" \
	wait_for 30 status_is split State "<'connected'>"
check "... on its TUN, with its address and the verified server identity" \
	eval 'status_has split Device "rove-nm[0-9a-f]{8}" &&
		status_has split VirtualIp4 "${addr%/*}/32" &&
		status_has split ServerIdentity "gw.rove.test"'
t0=$(date +%s%N)
check "nmcli connection down split" nm_cli connection down split
say "    nmcli connection down took $(ms_since "$t0") ms"
check "the gateway lists no IKE SA after down" wait_for 30 gw_sa_count_is 0
check "the LAN host is unreachable again" not lan_reachable
nm_check_clean "nothing of split is left (device, address, route, rule, XFRM)"
no_state_file() { ! nm_in sh -c 'ls /run/rove/*.state' >/dev/null 2>&1; }
check "no state file is left" no_state_file

say "# a full tunnel becomes the default route"
require "nmcli adds full" add_rove full "password-flags=0" vpn.secrets "password=$EAP_PASSWORD"
check "nmcli connection up full" nm_cli connection up full
check "full's service was forked by the warm zygote, not started cold" forked_by_zygote full
zygote=$(service_pid full) && zygote=$(awk '/^PPid:/ {print $2}' "/proc/$zygote/status")
check "the default route goes through the tunnel" default_via_tunnel
check "the LAN host answers through the tunnel" lan_reachable
check "nmcli connection down full" nm_cli connection down full
check "the default route is the uplink's again" not default_via_tunnel
nm_check_clean "nothing of full is left"
# A zygote that died (killed, out of memory) leaves its socket file: the
# next activation must start cold and leave a new zygote behind.
[ -n "$zygote" ] && kill -KILL "$zygote" 2>/dev/null

say "# never-default: the same full tunnel, only for the gateway's network"
require "nmcli adds nodefault (ipv4.never-default yes)" \
	add_rove nodefault "password-flags=0" vpn.secrets "password=$EAP_PASSWORD" \
	ipv4.never-default yes
check "nmcli connection up nodefault" nm_cli connection up nodefault
check "... with the zygote killed, its service started cold" not forked_by_zygote nodefault
check "no default route through the tunnel" not default_via_tunnel
check "IP4.ROUTE holds the gateway's subnet $LAN_NET (INTERNAL_IP4_SUBNET)" \
	has_route nodefault "$LAN_NET"
check "the LAN host answers through the tunnel" lan_reachable
check "nmcli connection down nodefault" nm_cli connection down nodefault
nm_check_clean "nothing of nodefault is left"

say "# a wrong password"
require "nmcli adds badpw" add_rove badpw "routes=$LAN_NET, password-flags=0" \
	vpn.secrets "password=not-the-password"
secret_used not-the-password # for tests/secrets-check.sh, beside $EAP_PASSWORD
mark=$(nm_log_lines)
nm_cli connection up badpw >"$WORK/badpw.out" 2>&1 && rc=0 || rc=$?
check "nmcli connection up badpw fails" test "$rc" != 0
check "nmcli says the secrets were refused (NetworkManager's words for login-failed)" \
	grep -qE "Invalid secrets|[Ll]ogin" "$WORK/badpw.out"
check "NetworkManager names the reason: login failed" \
	test "$(nm_log_count '"badpw".*(login-failed|Login failed)' "$mark")" -ge 1
check "rove's sentence is in NetworkManager's log" \
	test "$(nm_log_count 'rove: badpw: connection failed \(auth_failed\): .*password' "$mark")" -ge 1
check "the password is in no log" not grep -rqF "not-the-password" "$NM_DIR"
badpw_failed() {
	status_is badpw State "<'failed'>" &&
		status_is badpw LastFailureReason "<'auth-failed'>" &&
		status_has badpw LastFailure "password"
}
check "rove-statusd: badpw failed, auth-failed, with rove's sentence" wait_for 30 badpw_failed
nm_check_clean "nothing of badpw is left"

say "# a gateway certificate from a CA the connection does not trust"
require "nmcli adds evil" nm_cli connection add type vpn con-name evil vpn-type rove \
	connection.autoconnect no ipv6.method ignore \
	vpn.data "server=$GW_NAME, user=$EAP_USER, ca=$PKI_DIR/evil-ca.pem, routes=$LAN_NET, password-flags=0" \
	vpn.secrets "password=$EAP_PASSWORD"
mark=$(nm_log_lines)
gwmark=$(gw_log_lines)
check "nmcli connection up evil fails" not nm_cli connection up evil
check "NetworkManager names the reason: connect failed" \
	test "$(nm_log_count '"evil".*(connect-failed|connect failed)' "$mark")" -ge 1
check "rove's sentence names the CA" \
	test "$(nm_log_count 'rove: evil: connection failed \(untrusted_ca\): .*(trusted|CA|ca=)' "$mark")" -ge 1
check "no MSCHAPv2 response (the password proof) reached the gateway" \
	test "$(gw_log_count "$LOG_MSCHAPV2_RESPONSE" "$gwmark")" = 0
nm_check_clean "nothing of evil is left"

say "# a secret that is not saved, from nmcli's passwd-file"
require "nmcli adds ask (password-flags=2: not saved)" \
	add_rove ask "routes=$LAN_NET, password-flags=2"
check "nmcli connection up fails without the secret (no agent, no file)" \
	not nm_cli --wait 10 connection up ask
# nmcli's agent learns which VPN secrets to fill in from the plugin's auth
# dialog (external UI mode), which the .name file announces.
if nm_installed libexec/nm-rove-auth-dialog; then
	printf 'vpn.secrets.password:%s\n' "$EAP_PASSWORD" >"$WORK/passwd"
	check "nmcli connection up ask passwd-file FILE" \
		nm_cli connection up ask passwd-file "$WORK/passwd"
	check "the LAN host answers through the tunnel" lan_reachable
	ask_file=$(nm_in grep -lrF "uuid=$(nm_field ask connection.uuid)" /run/nm-connections || true)
	check "ask's keyfile is there ($ask_file)" test -n "$ask_file"
	check "the password was not saved in it" not nm_in grep -qF "$EAP_PASSWORD" "${ask_file:-/nonexistent}"
	check "split's keyfile, password-flags=0, does hold it (the check can see a saved one)" \
		nm_in grep -qrF "$EAP_PASSWORD" /run/nm-connections
	check "nmcli connection down ask" nm_cli connection down ask
	# nmcli --ask: the auth dialog's external UI mode tells nmcli what to
	# ask; the password comes on nmcli's standard input.
	ask_up() { printf '%s\n' "$EAP_PASSWORD" | nm_cli --ask connection up ask; }
	check "nmcli --ask connection up ask, the password on stdin" ask_up
	check "the LAN host answers through the tunnel" lan_reachable
	check "nmcli connection down ask" nm_cli connection down ask
else
	say "# SKIPPED: nmcli's passwd-file and --ask need nm-rove-auth-dialog (not built)"
fi
nm_check_clean "nothing of ask is left"

say "# two rove connections to two gateways at once"
# gw2 (203.0.113.2, reached through gw1) with its own pool and LAN.
GW1_DIR=$GW_DIR GW1_PID=$GW_PID
GW2_ADDR=203.0.113.2 POOL2=10.4.0.0/24 LAN2_NET=10.2.0.0/16 LAN2_HOST=10.2.0.10
add_ns "$NS_G2"
add_ns "$NS_L2"
link_ns "$NS_G" out1 203.0.113.1/24 "$NS_G2" out0 "$GW2_ADDR/24"
ip -n "$NS_G2" route add default via 203.0.113.1
link_ns "$NS_G2" lan0 10.2.0.1/16 "$NS_L2" eth0 "$LAN2_HOST/16"
ip -n "$NS_L2" route add default via 10.2.0.1
forwarding_on "$NS_G2"
in_ns "$NS_G2" nft -f - <<NFT
table inet rove_gw {
	chain forward {
		type filter hook forward priority 0; policy accept;
		oifname "lan0" ip saddr != $POOL2 counter drop
	}
}
NFT
POOL=$POOL2 LAN_NET=$LAN2_NET GW_LOCAL_TS=$LAN2_NET GW_POOL_EXTRA="" \
	GW_ADDR=$GW2_ADDR NS_G=$NS_G2 start_gw "$WORK/gw2"
GW2_DIR=$GW_DIR
GW_DIR=$GW1_DIR GW_PID=$GW1_PID
lan2_reachable() { in_ns "$NS_C" ping -c1 -W2 "$LAN2_HOST" >/dev/null 2>&1; }
sas_at() { swanctl_at "$1" --list-sas | grep -c ', ESTABLISHED, ' || true; }
check "gw2's LAN is not reachable without its tunnel" not lan2_reachable
require "nmcli adds second (server=$GW2_ADDR)" nm_cli connection add type vpn con-name second \
	vpn-type rove connection.autoconnect no ipv6.method ignore \
	vpn.data "server=$GW2_ADDR, remote-id=$GW_NAME, user=$EAP_USER, ca=$PKI_DIR/ca.pem, routes=$LAN2_NET, password-flags=0" \
	vpn.secrets "password=$EAP_PASSWORD"
check "nmcli connection up split" nm_cli connection up split
check "nmcli connection up second" nm_cli connection up second
check "a new zygote forked second's service" forked_by_zygote second
check "both are activated" nm_active split
check "... second too" nm_active second
addr2=$(nm_field second IP4.ADDRESS | head -n 1)
check "second's address $addr2 is from gw2's pool" eval '[[ ${addr2%/*} =~ ^10\.4\.0\.[0-9]+$ ]]'
tuns() { ip -n "$NS_C" -o link show | grep -c ': rove-nm' || true; }
check "each has its own TUN" test "$(tuns)" = 2
check "gw1's LAN answers through split" lan_reachable
check "gw2's LAN answers through second" lan2_reachable
check "gw1 holds one IKE SA" test "$(sas_at "$GW1_DIR")" = 1
check "gw2 holds one IKE SA" test "$(sas_at "$GW2_DIR")" = 1
check "nmcli connection down second" nm_cli connection down second
check "split still carries gw1's LAN" lan_reachable
check "nmcli connection down split" nm_cli connection down split
nm_check_clean "nothing of either is left"

say "# roaming: vpn.persistent keeps the VPN while the uplink changes"
# A second uplink, out1 198.51.100.2 -> the gateway's up1 198.51.100.1, for
# NetworkManager to bring up once out0's connection is down. The gateway's
# address 192.0.2.1 stays reachable through it.
ip link add out1 netns "$NS_C" type veth peer name up1 netns "$NS_G"
ip -n "$NS_G" addr add 198.51.100.1/24 dev up1
ip -n "$NS_G" link set up1 up
in_ns "$NS_G" nft add rule inet rove_gw input iifname "up1" ip daddr "$LAN_NET" counter drop
wait_for 100 nm_has_device out1 || die "NetworkManager does not see out1"
nm_cli device set out1 managed yes
nm_cli connection add type ethernet ifname out1 con-name nm-eth1 \
	ipv4.method manual ipv4.addresses 198.51.100.2/24 ipv4.gateway 198.51.100.1 \
	ipv6.method disabled connection.autoconnect no >/dev/null || die "nmcli could not add nm-eth1"
require "nmcli adds roam (vpn.persistent yes)" add_rove roam "routes=$LAN_NET, password-flags=0" \
	vpn.secrets "password=$EAP_PASSWORD" vpn.persistent yes
check "nmcli connection up roam" nm_cli connection up roam
ike_spi() { gw_sas | grep -o '[0-9a-f]\{16\}_i' | head -n 1; }
spi=$(ike_spi)
check "the LAN host answers through roam" lan_reachable
check "the gateway's IKE SA $spi is from $CLIENT_ADDR" gw_has_sa_from "${CLIENT_ADDR}["
t0=$(date +%s%N)
check "nmcli connection down $NM_ETH (the parent)" nm_cli connection down "$NM_ETH"
check "nmcli connection up nm-eth1" nm_cli connection up nm-eth1
moved() { gw_has_sa_from "198.51.100.2[" && test "$(ike_spi)" = "$spi"; }
check "roam is still activated" nm_active roam
check "the gateway moved the same IKE SA $spi to 198.51.100.2 (MOBIKE)" wait_for 100 moved
check "the LAN host answers through roam again" wait_for 50 lan_reachable
say "    pings resumed $(ms_since "$t0") ms after the parent went down"
check "nmcli connection down roam" nm_cli connection down roam
check "the gateway lists no IKE SA after down" wait_for 30 gw_sa_count_is 0
nm_cli connection down nm-eth1 >/dev/null
nm_cli connection up "$NM_ETH" >/dev/null
nm_check_clean "nothing of roam is left" ' out1|^device out1'

check "the password is in no log of the box" not grep -rqF "$EAP_PASSWORD" "$NM_DIR"
nm_finish
