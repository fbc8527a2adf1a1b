#!/bin/bash
# Checks the NetworkManager harness itself: a real NetworkManager in the
# box connects NetworkManager-strongswan (charon-nm, kernel-libipsec) to
# the strongSwan gateway and tears it down again, and it finds rove's
# installed .name file (nmcli accepts vpn-type rove). If this fails, the
# rove-side NetworkManager tests' harness is broken, not rove.
# shellcheck source-path=SCRIPTDIR source=nm.sh
. "$(dirname "$0")/nm.sh"

nm_init
need_tools NetworkManager nmcli /usr/lib/ipsec/charon-nm
nm_install
nm_net
make_pki "$WORK/pki"
start_gw "$WORK/gw"
nm_start

say "# the uplink, managed by NetworkManager"
check "out0 is connected by NetworkManager" \
	test "$(nm_cli -g GENERAL.STATE device show out0)" = "100 (connected)"
uplink_routed() {
	ip -n "$NS_C" route get 10.1.0.10 | grep -q "via $GW_ADDR dev out0 src $CLIENT_ADDR"
}
check "out0 has $CLIENT_ADDR and the default route via $GW_ADDR" uplink_routed
check "the LAN host is not reachable without the tunnel" not lan_reachable

say "# NetworkManager-strongswan (charon-nm) to the gateway"
require "nmcli adds the strongswan connection" nm_add_strongswan sw
mark=$(nm_log_lines)
check "nmcli connection up sw" nm_cli connection up sw
check "NetworkManager shows sw activated" nm_active sw
addr=$(nm_field sw IP4.ADDRESS | head -n 1)
check "IP4.ADDRESS $addr is from the gateway's pool" in_pool "${addr%/*}"
check "the LAN host answers through the tunnel" lan_reachable
check "the gateway lists the IKE SA from $CLIENT_ADDR" gw_has_sa_from "${CLIENT_ADDR}["
check "NetworkManager logged the VPN connection's start" \
	test "$(nm_log_count '"sw".*dbus: state changed: started' "$mark")" -ge 1
check "nmcli connection down sw" nm_cli connection down sw
check "the gateway lists no IKE SA after down" wait_for 30 gw_sa_count_is 0
check "the LAN host is unreachable again" not lan_reachable
# charon-nm keeps running, and with it its TUN devices and routing rule
nm_check_clean "no address, route or XFRM state of the VPN is left" \
	'^(device |address [0-9]+: +)(ipsec0|tun0)|^rule 220:.* lookup 220' 

if [ "${ROVE_NM_PLUGIN:-1}" = 0 ]; then
	say "# the NetworkManager plugin is not built (-Dnm_plugin=disabled or no libnm): no rove checks"
	nm_finish
fi
say "# rove's installed .name file and D-Bus policy"
require "meson install put nm-rove-service.name into $ROVE_PREFIX/lib/NetworkManager/VPN" \
	nm_installed lib/NetworkManager/VPN/nm-rove-service.name
check "nmcli accepts a connection of vpn-type rove" \
	nm_cli connection add type vpn con-name r vpn-type rove connection.autoconnect no \
	vpn.data "server=$GW_NAME, user=$EAP_USER"
check "... and stores NetworkManager's service name for it" \
	test "$(nm_field r vpn.service-type)" = org.freedesktop.NetworkManager.rove
mark=$(nm_log_lines)
nm_cli connection up r >"$WORK/up-r.out" 2>&1 || true
check "NetworkManager finds the plugin of vpn-type rove" \
	test "$(nm_log_count '"r"\]: starting rove$' "$mark")" = 1
if ! nm_installed libexec/nm-rove-service; then
	say "# (nm-rove-service is not built yet: NetworkManager cannot start it)"
	check "... and runs the installed tree's $ROVE_PREFIX/libexec/nm-rove-service" \
		test "$(nm_log_count "\"r\".*failure to start VPN service: .*$ROVE_PREFIX/libexec/nm-rove-service" "$mark")" = 1
fi
check "root may own org.freedesktop.NetworkManager.rove.Connection_99" \
	nm_request_name root org.freedesktop.NetworkManager.rove.Connection_99
check "nobody may not" not nm_request_name nobody org.freedesktop.NetworkManager.rove.Connection_99
nm_finish
