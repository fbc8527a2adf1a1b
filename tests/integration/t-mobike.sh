#!/bin/bash
# MOBIKE (RFC 4555): the client moves from one uplink to another while
# pinging the gateway's LAN at 10 per second. The default route switches to
# the second uplink, then the first address goes: the gateway lists the
# same IKE SA (same SPIs) at the new address and the pings go on through
# the tunnel. Then no address at all for 10 s (the session waits, parked),
# then one on the first uplink again: the session resumes there. Last, the
# session process is stopped (SIGSTOP, a suspend's stand-in) and continued:
# it notices the missed time and checks the gateway at once. Then moves
# right after the gateway rekeyed the CHILD SA (the replaced one still in
# its grace time) and the IKE SA. Last, a gateway without MOBIKE: the move
# ends the session, which reconnects from the new address.
#
# On this host the gateway runs kernel-libipsec, which cannot update its
# SAs in place: strongSwan rekeys the CHILD SA after every move, so the
# pings resume only once rove answers a CHILD SA rekey (CREATE_CHILD_SA).
# The in-place update with the same CHILD SPIs is checked in the VM tier
# (tests/vm/s-rove-mobike.sh) against a kernel-netlink gateway.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
setup_net_two_uplinks
make_pki "$WORK/pki"
start_gw "$WORK/gw"
profile=$(profile_eap vpn)
J=$WORK/status-vpn.json

status_field() { rove_status_json vpn && json_get "$J" "$1"; }
local_is() { test "$(status_field local_address)" = "$1"; }
ping_start() { # file: 10 pings a second to the LAN host, timestamped
	run_client ping -D -i 0.1 -W 1 "$LAN_HOST" >"$1" 2>&1 &
	PING_PID=$!
	PIDS+=("$PING_PID")
}
# Replies in a ping log after a Unix time (ping -D stamps).
replies_after() { # file, time
	awk -v t="$2" -F'[][]' '/bytes from/ && $2 + 0 > t { n++ } END { print n + 0 }' "$1"
}
# The first reply after a Unix time, as seconds after it (for the log).
first_reply_after() { # file, time
	awk -v t="$2" -F'[][]' '/bytes from/ && $2 + 0 > t { printf "%.2f", $2 - t; exit }' "$1"
}

require "rove up vpn exits 0" rove_to up up "$profile"
require "rove status vpn --json" rove_status_json vpn
check "both sides do MOBIKE" test "$(json_get "$J" mobike)" = true
check "the path starts at 192.0.2.2" test "$(json_get "$J" local_address)" = 192.0.2.2
check "no moves yet" test "$(json_get "$J" moves)" = 0
spi_i=$(json_get "$J" ike.spi_i)
spi_r=$(json_get "$J" ike.spi_r)
check "the gateway lists IKE SA $spi_i/$spi_r from 192.0.2.2" \
	eval 'gw_has_ike_spis "$spi_i" "$spi_r" && gw_has_sa_from 192.0.2.2'
check "the LAN host answers through the tunnel" lan_reachable

say "# the move: default route to out1, then 192.0.2.2 removed"
ping_start "$WORK/ping1.log"
sleep 1
t_move=$(date +%s.%N)
move_to out1
check "rove moves to $UPLINK1_ADDR" wait_for 50 local_is "$UPLINK1_ADDR"
ip -n "$NS_C" addr del 192.0.2.2/24 dev out0
t_del=$(date +%s.%N) # answers from now on can only come through the new path
check "the gateway lists the same IKE SA at $UPLINK1_ADDR" \
	wait_for 50 eval 'gw_has_ike_spis "$spi_i" "$spi_r" && gw_has_sa_from "$UPLINK1_ADDR"'
check "one IKE SA at the gateway" gw_sa_count_is 1
check "rove status counts one move" test "$(status_field moves)" = 1
check "pings are answered through the new path" wait_for 100 \
	eval 'test "$(replies_after "$WORK/ping1.log" "$t_del")" -ge 5'
say "# first reply $(first_reply_after "$WORK/ping1.log" "$t_move") s after the route switched"
stop_pid "$PING_PID"
say "# the gateway now"
gw_sas | sed 's/^/    /'
check "the LAN host answers" lan_reachable
check "the gateway pin follows the move (table 220)" \
	sh -c "ip -n $NS_C route show table 220 | grep -q '^$GW_ADDR via $UPLINK1_GW dev out1'"

say "# no usable address for 10 s"
ip -n "$NS_C" addr del "$UPLINK1_ADDR/24" dev out1
# nor an IPv6 one, which the session would move to (t-mobike-family.sh)
ip -n "$NS_C" -6 addr del "$UPLINK1_ADDR6/64" dev out1
check "the session waits, parked" wait_for 50 eval 'test "$(status_field parked)" = true'
sleep 10
check "still up after 10 s without an address" rove_is_up vpn
ip -n "$NS_C" addr add 192.0.2.2/24 dev out0
ip -n "$NS_C" route replace default via 192.0.2.1 dev out0
check "the session resumes from 192.0.2.2" wait_for 50 local_is 192.0.2.2
check "the gateway lists the same IKE SA at 192.0.2.2" \
	wait_for 50 eval 'gw_has_ike_spis "$spi_i" "$spi_r" && gw_has_sa_from 192.0.2.2'
check "not parked any more" test "$(status_field parked)" = false
check "the LAN host answers after the resume" wait_for 30 lan_reachable

say "# a suspend's stand-in: the session process stopped for 8 s"
pid=$(status_field pid)
lines=$(gw_log_lines)
kill -STOP "$pid"
sleep 8
kill -CONT "$pid"
check "the session notices the missed time" \
	wait_for 50 grep -q "missed .* s (suspended or stopped)" "$RUN_DIR/vpn.log"
check "and checks the gateway at once (an address update)" \
	wait_for 50 eval 'test "$(gw_log_count "parsed INFORMATIONAL request [0-9]+ \[ N\(UPD_SA_ADDR\)" "$lines")" -ge 1'
check "the LAN host answers after the stop" wait_for 30 lan_reachable

# A move right after a rekey: the gateway rekeys (swanctl --rekey) and rove
# moves as soon as it answered, while the replaced CHILD SA is still in its
# grace time, then after an IKE SA rekey, when the address update must go on
# the new IKE SA.
rekeys_logged() { grep -c "$1 SA rekeyed (by the gateway)" "$RUN_DIR/vpn.log" || true; }
say "# the gateway rekeys the CHILD SA, rove moves to out1 at once"
ip -n "$NS_C" addr add "$UPLINK1_ADDR/24" dev out1
ping_start "$WORK/ping2.log"
n=$(rekeys_logged CHILD)
swanctl_at "$GW_DIR" --rekey --child c >/dev/null 2>&1 || true
require "rove answered the CHILD SA rekey" wait_for 50 eval 'test "$(rekeys_logged CHILD)" -gt "$n"'
move_to out1
t_move=$(date +%s.%N)
check "rove moves to $UPLINK1_ADDR" wait_for 50 local_is "$UPLINK1_ADDR"
ip -n "$NS_C" addr del 192.0.2.2/24 dev out0
t_del=$(date +%s.%N) # answers from now on can only come through the new path
check "the gateway lists one IKE SA, at $UPLINK1_ADDR" \
	wait_for 50 eval 'gw_sa_count_is 1 && gw_has_sa_from "$UPLINK1_ADDR"'
check "pings are answered through the new path" wait_for 100 \
	eval 'test "$(replies_after "$WORK/ping2.log" "$t_del")" -ge 5'
say "# first reply $(first_reply_after "$WORK/ping2.log" "$t_move") s after the route switched"
grep -E 'CHILD SA rekeyed|moved to' "$RUN_DIR/vpn.log" | tail -n 3 | while read -r l; do say "#   $l"; done
ip -n "$NS_C" addr add 192.0.2.2/24 dev out0

say "# the gateway rekeys the IKE SA, rove moves back to out0 at once"
require "rove status vpn --json" rove_status_json vpn
old_spi_i=$(json_get "$J" ike.spi_i)
n=$(rekeys_logged IKE)
swanctl_at "$GW_DIR" --rekey --ike eap >/dev/null 2>&1 || true
require "rove answered the IKE SA rekey" wait_for 50 eval 'test "$(rekeys_logged IKE)" -gt "$n"'
move_to out0
t_move=$(date +%s.%N)
check "rove moves to 192.0.2.2" wait_for 50 local_is 192.0.2.2
ip -n "$NS_C" addr del "$UPLINK1_ADDR/24" dev out1
t_del=$(date +%s.%N)
require "rove status vpn --json" rove_status_json vpn
spi_i=$(json_get "$J" ike.spi_i)
spi_r=$(json_get "$J" ike.spi_r)
check "a new IKE SA ($spi_i, was $old_spi_i)" test "$spi_i" != "$old_spi_i"
check "the gateway lists that IKE SA, alone, at 192.0.2.2" wait_for 50 eval \
	'gw_sa_count_is 1 && gw_has_ike_spis "$spi_i" "$spi_r" && gw_has_sa_from 192.0.2.2'
check "pings are answered through the new path" wait_for 100 \
	eval 'test "$(replies_after "$WORK/ping2.log" "$t_del")" -ge 5'
say "# first reply $(first_reply_after "$WORK/ping2.log" "$t_move") s after the route switched"
stop_pid "$PING_PID"

check "rove down vpn exits 0" rove_to down down vpn
check "the gateway no longer lists the IKE SA" wait_for 30 gw_sa_count_is 0
check "no rove route is left in table 220" \
	sh -c "! ip -n $NS_C route show table 220 proto 181 | grep -q ."

say "# a gateway without MOBIKE: the move ends in a reconnect from the new address"
stop_gw
GW_MOBIKE=no start_gw "$WORK/gw-nomobike"
ip -n "$NS_C" addr add "$UPLINK1_ADDR/24" dev out1
require "rove up vpn exits 0" rove_to up2 up "$profile"
check "MOBIKE is off" test "$(status_field mobike)" = false
move_to out1
check "the session says why it reconnects" \
	wait_for 50 grep -q "our address changed to $UPLINK1_ADDR and the gateway does not support MOBIKE" \
	"$RUN_DIR/vpn.log"
check "it comes up again from $UPLINK1_ADDR" wait_for 100 eval \
	'gw_has_sa_from "$UPLINK1_ADDR" && local_is "$UPLINK1_ADDR"'
check "the LAN host answers after the reconnect" wait_for 50 lan_reachable
check "rove down vpn exits 0" rove_to down2 down vpn
finish
