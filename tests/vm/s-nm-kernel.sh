# The kernel datapath under a real NetworkManager: the box of tests/nm/nm.sh
# (NetworkManager 1.42 with its own system bus in the client namespace, the
# project installed on the host by run.sh into the share's dest/ and laid
# over the prefix) inside the VM, whose kernel does ESP, against the
# strongSwan gateway on kernel ESP. A rove connection with datapath=kernel:
# `nmcli connection up` activates it with nm-rove-service's XFRM interface
# (rove-nmXXXXXXXX, if_id = the session's reqid) as the VPN's IP interface,
# the pool address and the routes on it; the LAN answers and the SAs with
# that if_id count the packets; `nmcli connection down` leaves no
# interface, SA, policy, rule, route or address. Twice.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${ROVE_VM_SHARE:-/run/rove-vm}/lib.sh"
share=${ROVE_VM_SHARE:-/run/rove-vm}
. "$share/env"
[ -f "$share/nm/nm.sh" ] || { echo "SKIP: run.sh did not copy tests/nm into the share"; exit 77; }
[ -n "${ROVE_VM_NM_PREFIX:-}" ] || {
	echo "FAIL: no installed tree in the share (ROVE_BUILD_DIR unset or meson install failed:"
	cat "$share/out/nm-install.log" 2>/dev/null
	exit 1
}
export ROVE_BIN=$bin/rove GW_KERNEL_ESP=1 ROVE_PREFIX=$ROVE_VM_NM_PREFIX
# shellcheck source=../nm/nm.sh
. "$share/nm/nm.sh"

# The box lays the installed tree over the prefix with overlayfs: loaded
# up front, as vm-stage2.sh loads the others.
modprobe -d "$ROVE_VM_MODROOT" overlay || fail "cannot load overlayfs"
nm_init
# The box mounts a tmpfs of its own on /run, hiding the share: the
# installed tree goes to the run's directory under /tmp first.
cp -a "$share/dest" "$WORK/dest"
export ROVE_NM_DEST=$WORK/dest
nm_install
nm_installed libexec/nm-rove-service || skip "nm-rove-service is not built (libnm missing?)"
stage "network, PKI, the kernel's AES-GCM, the gateway"
nm_net
make_pki "$WORK/pki"
esp_warmup
# The gateway tells its LAN (a split tunnel: a route on the device).
GW_POOL_EXTRA="subnet = $LAN_NET"
start_gw "$WORK/gw"
stage "NetworkManager in the box"
nm_start

require "nmcli adds a rove connection with datapath=kernel" \
	nm_cli connection add type vpn con-name kern vpn-type rove \
	connection.autoconnect no ipv6.method ignore \
	vpn.data "server=$GW_NAME, user=$EAP_USER, ca=$PKI_DIR/ca.pem, datapath=kernel, routes=$LAN_NET, password-flags=0" \
	vpn.secrets "password=$EAP_PASSWORD"
uuid=$(nm_field kern connection.uuid)
dev=rove-nm${uuid//-/}
dev=${dev:0:15}
say "the connection's device: $dev"

# if_id of the XFRM interface $1 as ip prints it (0x...), "" when it is
# not one.
if_id_of() {
	ip -n "$NS_C" -d link show "$1" 2>/dev/null | sed -n 's/.*xfrm if_id \(0x[0-9a-f]*\).*/\1/p'
}
# The packets the SAs with if_id $1 counted, summed (both directions): each
# SA's listing starts with "src", its current counters read
# "BYTES(bytes), PACKETS(packets)".
sa_packets_ifid() {
	ip -s -n "$NS_C" xfrm state | awk -v id="$1" '
		function flush() { if (match_) n += p; match_ = 0; p = 0 }
		/^src / { flush() }
		$1 == "if_id" && $2 == id { match_ = 1 }
		/^[ \t]*[0-9]+\(bytes\),[ \t]*[0-9]+\(packets\)/ { sub(/.*\(bytes\),[ \t]*/, ""); sub(/\(packets\).*/, ""); p = $0 + 0 }
		END { flush(); print n + 0 }'
}
count_ifid() { # state|policy IF_ID
	ip -n "$NS_C" xfrm "$1" | grep -c "if_id $2\$" || true
}
has_nm_route() { nm_field kern IP4.ROUTE | grep -q "dst = $1"; }
dev_gone() { ! ip -n "$NS_C" link show "$1" >/dev/null 2>&1; }
has_route_dev() { ip -n "$NS_C" route show "$1" | grep -q "dev $2 "; }
on_dev() { ip -n "$NS_C" -o -4 addr show dev "$2" | grep -q "inet $1/"; }

for cycle in 1 2; do
	stage "cycle $cycle: nmcli connection up"
	log0=$(nm_log_lines)
	t0=$(date +%s%N)
	check "nmcli connection up kern" nm_cli connection up kern
	say "    nmcli connection up took $((($(date +%s%N) - t0) / 1000000)) ms"
	check "NetworkManager shows kern activated" nm_active kern
	# NetworkManager 1.42 exports no IP interface for a VPN on D-Bus (the
	# active connection's GENERAL.IP-IFACE and DEVICES are the parent,
	# out0); its log names the index it configures the VPN on.
	ifindex=$(ip -n "$NS_C" -o link show "$dev" 2>/dev/null | cut -d: -f1)
	check "NetworkManager's VPN IP interface is $dev (index ${ifindex:-none}, its log)" \
		test "$(nm_log_count "vpn\\[.*\"kern\"\\]: set ip-ifindex-if ${ifindex:-none}\$" "$log0")" = 1
	nm_cli -f GENERAL.DEVICE,GENERAL.TYPE,GENERAL.STATE,GENERAL.CONNECTION device show "$dev" | sed 's/^/    /'
	id=$(if_id_of "$dev")
	check "$dev is an XFRM interface (if_id ${id:-none})" test -n "$id"
	addr=$(nm_field kern IP4.ADDRESS | head -n 1)
	check "IP4.ADDRESS $addr is from the gateway's pool" in_pool "${addr%/*}"
	check "NetworkManager put the address on $dev" on_dev "${addr%/*}" "$dev"
	check "IP4.ROUTE holds $LAN_NET" has_nm_route "$LAN_NET"
	check "the route to $LAN_NET is on $dev" has_route_dev "$LAN_NET" "$dev"
	check "two SAs and the policies carry if_id $id" \
		eval 'test "$(count_ifid state "$id")" = 2 && test "$(count_ifid policy "$id")" -ge 2'
	check "nothing of ours on the uplink, no rule, no table 220" \
		eval '! ip -n "$NS_C" -o addr show dev out0 | grep -q " 10\.3\.0\." &&
			! ip -n "$NS_C" rule | grep -q "lookup 220" &&
			test -z "$(ip -n "$NS_C" route show table 220 2>/dev/null)"'
	before=$(sa_packets_ifid "$id")
	check "the LAN host $LAN_HOST answers" lan_reachable
	after=$(sa_packets_ifid "$id")
	say "    packets on the SAs with if_id $id: $before before the ping, $after after"
	check "the SAs with if_id $id counted the ping (at least one round trip)" test "$after" -ge $((before + 2))
	check "the gateway lists the IKE SA from $CLIENT_ADDR" gw_has_sa_from "${CLIENT_ADDR}["

	stage "cycle $cycle: nmcli connection down"
	check "nmcli connection down kern" nm_cli connection down kern
	check "NetworkManager shows kern inactive" wait_for 30 nm_inactive kern
	check "the gateway lists no IKE SA" wait_for 30 gw_sa_count_is 0
	check "the XFRM interface $dev is gone" wait_for 30 dev_gone "$dev"
	nm_check_clean "nothing is left (interface, SA, policy, rule, route, address)"
	check "the LAN host is unreachable" not lan_reachable
done
nm_finish
