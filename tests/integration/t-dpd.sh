#!/bin/bash
# Dead peer detection and reconnecting. The gateway disappears (everything
# on its outer interface dropped, no DELETE): rove notices with its
# liveness checks (dpd=2, dpd-timeout=3), says so in its log and status,
# keeps the tunnel's routes so nothing goes out in clear, and reconnects
# with the same virtual IP once the gateway is back; only the first IKE_AUTH
# carries INITIAL_CONTACT. The gateway deleting the IKE SA or the CHILD
# SA: rove reconnects too. With reconnect=no the session ends instead and leaves nothing behind.
# Detection and reconnection times are reported, not asserted.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
setup_net
make_pki "$WORK/pki"
start_gw "$WORK/gw"
J=$WORK/status-vpn.json

eap_profile() { # name key=value...
	local name=$1
	shift
	write_profile "$name" server="$GW_ADDR" remote-id="$GW_NAME" user="$EAP_USER" \
		ca="$PKI_DIR/ca.pem" dpd=2 dpd-timeout=3 "$@" -- password="$EAP_PASSWORD"
}

state_is() { # name state
	rove_status_json "$1" && test "$(json_get "$WORK/status-$1.json" state)" = "$2"
}
log_has() { grep -qE -- "$2" "$RUN_DIR/$1.log"; }
elapsed() { echo "$(($(date +%s%N) / 1000000 - $1))"; }
now_ms() { echo "$(($(date +%s%N) / 1000000))"; }

say "# reconnect=yes (the default): the gateway disappears"
profile=$(eap_profile vpn)
require "rove up vpn exits 0" rove_to up up "$profile"
require "rove status vpn --json" rove_status_json vpn
vip=$(json_get "$J" virtual_ips.0 || true)
check "virtual IP $vip is in $POOL" in_pool "$vip"
check "status shows the liveness check interval (2 s)" test "$(json_get "$J" dpd.interval_seconds)" = 2
check "status shows reconnect enabled" test "$(json_get "$J" reconnect.enabled)" = true
check "traffic flows" lan_reachable
check "the first IKE_AUTH carried INITIAL_CONTACT" test "$(gw_log_count 'N\(INIT_CONTACT\)')" = 1

clear_counter_start
gw_vanish
t0=$(now_ms)
require "rove notices and reconnects (status reconnecting)" wait_for 300 state_is vpn reconnecting
say "    detected after $(elapsed "$t0") ms (dpd=2, dpd-timeout=3)"
check "the log says the gateway stopped answering to liveness checks" \
	log_has vpn 'the gateway 192\.0\.2\.1 stopped answering \(no reply to [0-9]+ liveness checks'
check "the status says why" grep -q 'stopped answering' "$J"
check "last_failure is peer_dead" test "$(json_get "$J" last_failure)" = peer_dead
rove_to status-table status vpn || true
check "the table says reconnecting" grep -q 'reconnecting' "$WORK/status-table.out"
check "the LAN route stays in table 220" test "$(rove_routes)" -gt 0
check "the TUN device stays" test "$(tun_devices)" = 1
in_ns "$NS_C" ping -c 3 -i 0.2 -W 1 -q "$LAN_HOST" >/dev/null 2>&1 || true
check "nothing went out in clear to the LAN meanwhile" test "$(clear_packets)" = 0
check "an attempt is planned or running" test "$(json_get "$J" reconnect.attempts)" -ge 0
wait_for 100 log_has vpn 'reconnecting to' || true
gw_return
t1=$(now_ms)
require "the tunnel comes back" wait_for 600 state_is vpn established
say "    reconnected $(elapsed "$t1") ms after the gateway came back"
check "the log says reconnected" log_has vpn 'reconnected after'
check "the same virtual IP $vip" test "$(json_get "$J" virtual_ips.0)" = "$vip"
check "rove asked the gateway for $vip again" \
	test "$(gw_log_count "peer requested virtual IP ${vip//./\\.}\$")" -ge 1
check "traffic flows again" wait_for 50 lan_reachable
check "the reconnect's IKE_AUTH carried no INITIAL_CONTACT" \
	test "$(gw_log_count 'N\(INIT_CONTACT\)')" = 1

say "# the gateway deletes the IKE SA"
gw_sas_before=$(gw_sa_count)
lines=$(gw_log_lines)
swanctl_at "$GW_DIR" --terminate --ike eap --force --timeout 5 >/dev/null 2>&1 || true
check "the gateway sent a DELETE" test "$(gw_log_count 'generating INFORMATIONAL request [0-9]+ \[ D \]' "$lines")" -ge 1
require "the tunnel comes back" wait_for 300 log_has vpn 'the gateway closed the connection'
check "and is established again" wait_for 300 state_is vpn established
check "the same virtual IP $vip" test "$(json_get "$J" virtual_ips.0)" = "$vip"
check "traffic flows again" wait_for 50 lan_reachable
say "    the gateway had $gw_sas_before IKE SA(s) before, $(gw_sa_count) now"

say "# the gateway deletes the CHILD SA: rove answers, and builds a new IKE SA"
swanctl_at "$GW_DIR" --terminate --child c --force --timeout 5 >/dev/null 2>&1 || true
require "rove saw it" wait_for 300 log_has vpn 'the gateway closed the tunnel'
check "and is established again" wait_for 300 state_is vpn established
check "the same virtual IP $vip" test "$(json_get "$J" virtual_ips.0)" = "$vip"
check "traffic flows again" wait_for 50 lan_reachable
check "the gateway holds one IKE SA (the childless one was deleted)" wait_for 50 gw_sa_count_is 1
check "rove down vpn exits 0" rove_to down down vpn
check "nothing of rove is left" wait_for 10 client_has_nothing_left
in_ns "$NS_C" ping -c 1 -W 1 -q "$LAN_HOST" >/dev/null 2>&1 || true
check "without the tunnel a ping to the LAN arrives in clear (the counter counts)" \
	test "$(clear_packets)" -gt 0
clear_counter_stop

say "# reconnect=no: the session ends"
profile=$(eap_profile once reconnect=no)
require "rove up once exits 0" rove_to up-once up "$profile"
check "traffic flows" lan_reachable
gw_vanish
t0=$(now_ms)
require "the session ends" wait_for 300 not rove_is_up once
say "    ended $(elapsed "$t0") ms after the gateway vanished"
check "the log says the gateway stopped answering" \
	log_has once 'rove: the gateway 192\.0\.2\.1 stopped answering'
check "it did not try to reconnect" not log_has once 'reconnecting'
check "nothing of rove is left (route, rule, TUN, address)" wait_for 30 client_has_nothing_left
check "resolv.conf is the namespace's own again" \
	grep -qxF 'nameserver 192.0.2.53' "/etc/netns/$NS_C/resolv.conf"
check "the run directory holds no socket, pid or state file" \
	not ls "$RUN_DIR"/once.sock "$RUN_DIR"/once.pid "$RUN_DIR"/once.state
check "no process is left in the client namespace" wait_for 30 client_ns_idle
gw_return
finish
