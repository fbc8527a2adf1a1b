#!/bin/bash
# Reauthentication, make-before-break: with reauth=10 a new IKE SA comes
# up every 10 s beside the current one, the traffic moves to it and the old
# one is deleted; a ping running all along keeps working and the virtual IP
# stays. Then a gateway that sends AUTH_LIFETIME (its reauth_time): rove
# reauthenticates before that runs out, without reauth= in the profile.
# Ping losses are reported, not asserted.
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
		ca="$PKI_DIR/ca.pem" "$@" -- password="$EAP_PASSWORD"
}
reauths_at_least() { # name count
	rove_status_json "$1" && [ "$(json_get "$WORK/status-$1.json" reauth.count)" -ge "$2" ]
}
# ping_start SECONDS: pings the LAN host 10 times a second in the background.
ping_start() {
	in_ns "$NS_C" ping -i 0.1 -W 1 -w "$1" "$LAN_HOST" >"$WORK/ping.out" 2>&1 &
	PING_PID=$!
	PIDS+=("$PING_PID")
}
ping_report() {
	wait "$PING_PID" || true
	say "    ping: $(grep -E 'packets transmitted' "$WORK/ping.out")"
}

say "# reauth=10 under ping"
profile=$(eap_profile vpn reauth=10)
require "rove up vpn exits 0" rove_to up up "$profile"
require "rove status vpn --json" rove_status_json vpn
vip=$(json_get "$J" virtual_ips.0 || true)
spi=$(json_get "$J" ike.spi_i || true)
check "status shows the interval" test "$(json_get "$J" reauth.interval_seconds)" = 10
check "and when the next one is due" test "$(json_get "$J" reauth.next_seconds)" -le 10
ping_start 26
require "two reauthentications within 40 s" wait_for 400 reauths_at_least vpn 2
ping_report
check "the ping got answers" grep -qE ' [1-9][0-9]* received' "$WORK/ping.out"
check "the log says reauthenticated" grep -q 'reauthenticated: the new IKE SA carries the traffic' \
	"$RUN_DIR/vpn.log"
check "the same virtual IP $vip" test "$(json_get "$J" virtual_ips.0)" = "$vip"
check "a new IKE SA (SPI $(json_get "$J" ike.spi_i) after $spi)" test "$(json_get "$J" ike.spi_i)" != "$spi"
check "rove asked for $vip again" test "$(gw_log_count "peer requested virtual IP ${vip//./\\.}\$")" -ge 2
check "only the first IKE_AUTH carried INITIAL_CONTACT" test "$(gw_log_count 'N\(INIT_CONTACT\)')" = 1
check "the old IKE SAs were deleted: the gateway has one" wait_for 50 gw_sa_count_is 1
check "one child SA in the status" test "$(json_len "$J" children)" = 1
check "traffic flows" lan_reachable
check "rove down vpn exits 0" rove_to down down vpn
check "the gateway has no IKE SA left" wait_for 30 gw_sa_count_is 0
check "nothing of rove is left" wait_for 10 client_has_nothing_left

say "# the gateway asks for reauthentication (AUTH_LIFETIME)"
stop_gw
GW_REAUTH_TIME=20s
start_gw "$WORK/gw2"
profile=$(eap_profile life)
J=$WORK/status-life.json
require "rove up life exits 0" rove_to up-life up "$profile"
require "rove status life --json" rove_status_json life
life=$(json_get "$J" reauth.auth_lifetime_seconds || true)
say "    the gateway's AUTH_LIFETIME: $life s"
check "status shows the gateway's AUTH_LIFETIME" test "$life" -gt 0 -a "$life" -le 20
check "no reauth= in the profile" test "$(json_get "$J" reauth.interval_seconds)" = null
check "a reauthentication is planned before it runs out" \
	test "$(json_get "$J" reauth.next_seconds)" -lt "$life"
require "rove reauthenticates within 30 s" wait_for 300 reauths_at_least life 1
check "the tunnel is established" test "$(json_get "$J" state)" = established
check "traffic flows" lan_reachable
check "rove down life exits 0" rove_to down-life down life
check "the run directory holds no socket or pid file" run_dir_clean
check "no process is left in the client namespace" wait_for 30 client_ns_idle
finish
