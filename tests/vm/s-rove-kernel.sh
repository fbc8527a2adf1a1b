# rove's kernel datapath against a strongSwan gateway that does ESP in the
# kernel too (kernel-netlink, no kernel-libipsec), both in this VM, built
# by the integration harness: EAP-MSCHAPv2 with datapath=kernel, rove's
# SAs and policies in `ip xfrm`, a ping to the LAN through the tunnel,
# status counters read back from the kernel, nothing left after `rove
# down`; a gateway that vanishes and returns (reconnect: policies kept,
# SAs swapped); rekeying under ping, started by rove and by the gateway
# (make before break in XFRM: the new SPIs in `ip xfrm state`, the old ones
# gone after the grace time); reauthentication under ping (the new IKE
# SA's CHILD SA beside the old one under the same reqid, then the old one
# deleted: the virtual IP kept, at most one ping lost per reauthentication,
# the old SPIs gone); datapath=auto picks the kernel; after kill -9
# of the session process, `rove down` removes what it left.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${ROVE_VM_SHARE:-/run/rove-vm}/lib.sh"
export ROVE_BIN=$bin/rove GW_KERNEL_ESP=1
. "$integ/lib.sh"

vm_rove_start
C=children.0

stage "datapath=kernel"
require "rove up vpn (datapath=kernel) exits 0" rove_to up up "$(profile_dp vpn kernel)"
read -r dp vip spi_in spi_out pkts <<<"$(status_of vpn datapath virtual_ips.0 \
	$C.spi_in $C.spi_out $C.packets_out)"
check "rove status says datapath kernel ($dp)" test "$dp" = kernel
check "virtual IP $vip is in $POOL" in_pool "$vip"
check_sas "$spi_in" "$spi_out"
check "no UDP encapsulation without a NAT" \
	not sh -c "ip -n $NS_C xfrm state | grep -q encap"
check "the LAN host $LAN_HOST answers through the tunnel" lan_reachable
read -r b_in p_in b_out p_out <<<"$(status_of vpn $C.bytes_in $C.packets_in \
	$C.bytes_out $C.packets_out)"
k_in=$(sa_current "$GW_ADDR" "$CLIENT_ADDR" "0x$spi_in")
k_out=$(sa_current "$CLIENT_ADDR" "$GW_ADDR" "0x$spi_out")
check "status counters moved with the ping (packets out $pkts -> $p_out)" test "$p_out" -gt "$pkts"
check "status in = the kernel's ($b_in bytes $p_in packets; kernel $k_in)" test "$b_in $p_in" = "$k_in"
check "status out = the kernel's ($b_out bytes $p_out packets; kernel $k_out)" test "$b_out $p_out" = "$k_out"
# Emulated, reading status and the kernel takes seconds: the two ages may
# differ by the time between the readings.
t0=$SECONDS
read -r age rekey expires <<<"$(status_of vpn $C.installed_seconds $C.rekey_in_seconds \
	$C.expires_in_seconds)"
read -r k_age k_soft k_hard <<<"$(sa_lifetime "$CLIENT_ADDR" "$GW_ADDR" "0x$spi_out")"
dt=$((SECONDS - t0 + 2))
check "status age = the kernel's ($age s; kernel ${k_age:-?} s, read ${dt} s apart at most)" \
	test -n "$k_age" -a "$age" -le $((${k_age:-0} + 2)) -a "$age" -ge $((${k_age:-0} - dt))
# child-rekey's default: rove rekeys within the hour (less up to a tenth);
# the kernel deletes the SA on its own only a tenth after the hour.
check "rove rekeys within the hour ($rekey s), the SAs expire at 1.1 h ($expires s; kernel soft ${k_soft:-?} hard ${k_hard:-?})" \
	test "$rekey" -le 3600 -a "$rekey" -ge 3200 -a "$expires" -le 3960 -a \
	"$expires" -gt "$rekey" -a "${k_soft:-x} ${k_hard:-x}" = "0 3960"
check "rove down vpn exits 0" rove_to down down vpn
check_clean "after rove down"
check "the LAN is unreachable without the tunnel" not lan_reachable

stage "the gateway vanishes: the kernel datapath keeps its policies, then swaps the SAs"
# Liveness checks notice (dpd=2, dpd-timeout=3); while reconnecting the
# XFRM policies and routes stay, so nothing reaches the LAN in clear; the
# new CHILD SA replaces the kept one (this datapath holds one at a time).
p=$(write_profile dead server="$GW_ADDR" remote-id="$GW_NAME" user="$EAP_USER" \
	ca="$PKI_DIR/ca.pem" datapath=kernel dpd=2 dpd-timeout=3 -- password="$EAP_PASSWORD")
require "rove up dead (datapath=kernel, dpd=2) exits 0" rove_to up-dead up "$p"
read -r vip spi_in spi_out <<<"$(status_of dead virtual_ips.0 $C.spi_in $C.spi_out)"
check "the LAN host answers through the tunnel" lan_reachable
clear_counter_start
gw_vanish
t0=$SECONDS
dead_state_is() { test "$(status_of dead state)" = "$1"; }
require "rove notices (status reconnecting)" wait_for 600 dead_state_is reconnecting
say "    detected after about $((SECONDS - t0)) s (emulated)"
check "the policies stay while reconnecting" test "$(xfrm_ours policy)" = 3
check "so do the routes in table 220" test -n "$(ip -n "$NS_C" route show table 220)"
in_ns "$NS_C" ping -c 3 -i 0.2 -W 1 -q "$LAN_HOST" >/dev/null 2>&1 || true
check "nothing went out in clear to the LAN" test "$(clear_packets)" = 0
gw_return
require "the tunnel comes back" wait_for 900 dead_state_is established
read -r vip2 spi_in2 spi_out2 <<<"$(status_of dead virtual_ips.0 $C.spi_in $C.spi_out)"
check "the same virtual IP ($vip2, was $vip)" test "$vip2" = "$vip"
check "new SAs ($spi_in2/$spi_out2 after $spi_in/$spi_out)" test "$spi_in2" != "$spi_in"
check "the kept SAs are gone: two of rove's SAs, three policies" \
	test "$(xfrm_ours state) $(xfrm_ours policy)" = "2 3"
check "the LAN host answers through the new SAs" wait_for 50 lan_reachable
check "rove down dead exits 0" rove_to down-dead down dead
check_clean "after rove down dead"
in_ns "$NS_C" ping -c 1 -W 1 -q "$LAN_HOST" >/dev/null 2>&1 || true
check "without the tunnel a ping to the LAN arrives in clear (the counter counts)" \
	test "$(clear_packets)" -gt 0
clear_counter_stop

# rekey_under_ping NAME WHO PROFILE-KEYS...: rove up with a profile NAME,
# pings for 18 s while the SAs are rekeyed every few seconds (by WHO: "us"
# or "the gateway"), then the kernel must hold the SAs of the last rekey
# and none of the first ones, and at most one ping may be lost per rekey.
rekey_under_ping() {
	local name=$1 who=$2 n
	shift 2
	require "rove up $name exits 0" rove_to "up-$name" up "$(write_profile "$name" \
		server="$GW_ADDR" remote-id="$GW_NAME" user="$EAP_USER" ca="$PKI_DIR/ca.pem" \
		datapath=kernel "$@" -- password="$EAP_PASSWORD")"
	read -r old_in old_out <<<"$(status_of "$name" $C.spi_in $C.spi_out)"
	in_ns "$NS_C" ping -i 0.1 -w 18 -q "$LAN_HOST" >"$WORK/ping-$name.out" 2>&1 || true
	read -r sent recv <<<"$(sed -n \
		's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' \
		"$WORK/ping-$name.out")"
	read -r n_child n_ike <<<"$(status_of "$name" rekey.child_rekeys rekey.ike_rekeys)"
	say "# ${sent:-?} pings, ${recv:-?} answered; $n_child CHILD and $n_ike IKE rekeys"
	ip -n "$NS_C" xfrm state | grep -E '^src|proto esp'
	check "the CHILD SA was rekeyed at least twice ($n_child), the IKE SA once ($n_ike)" \
		test "$n_child" -ge 2 -a "$n_ike" -ge 1
	check "all of them by $who" test "$(grep -c "SA rekeyed (by $who)" "$RUN_DIR/$name.log")" \
		-ge $((n_child + n_ike))
	check "at most one ping lost per rekey ($((${sent:-0} - ${recv:-0})) of ${sent:-0})" \
		test "${recv:-0}" -gt 0 -a $((${sent:-0} - ${recv:-0})) -le $((n_child + n_ike))
	# The rekeys go on while this looks, and under TCG a status query
	# outlasts the seconds between them: compare the kernel's SAs with the
	# last rekey rove logged (after installing it), read right after.
	current_in_kernel() {
		_st=$(ip -n "$NS_C" xfrm state)
		read -r spi_in spi_out <<<"$(grep 'CHILD SA rekeyed' "$RUN_DIR/$name.log" |
			tail -n 1 | sed 's/.*SPIs \([0-9a-f]*\)_i \([0-9a-f]*\)_o replace.*/\1 \2/')"
		printf '%s\n' "$_st" | grep -q "spi 0x$spi_in " &&
			printf '%s\n' "$_st" | grep -q "spi 0x$spi_out "
	}
	check "ip xfrm state has the SAs of the last rekey" wait_for 20 current_in_kernel
	check "which are not the first ones ($spi_in/$spi_out)" \
		test "$spi_in" != "$old_in" -a "$spi_out" != "$old_out"
	check "the first inbound SA 0x$old_in is gone" not sa_has "$GW_ADDR" "$CLIENT_ADDR" "$old_in"
	check "the first outbound SA 0x$old_out is gone" \
		not sa_has "$CLIENT_ADDR" "$GW_ADDR" "$old_out"
	# Besides the current pair, at most the inbound SA of the one before
	# may still be in its grace time (and, right after the gateway's
	# rekey, the new inbound SA before the old outbound one goes).
	n=$(xfrm_ours state)
	check "rove's SAs: the current pair and at most one more ($n)" test "$n" -ge 2 -a "$n" -le 3
	check "the policies still carry one template each" test "$(xfrm_ours policy)" = 3
	check "rove down $name exits 0" rove_to "down-$name" down "$name"
	check_clean "after rove down ($name)"
}

stage "rekey under ping: rove rekeys the CHILD SA every ~5 s, the IKE SA every ~7 s"
rekey_under_ping rk us child-rekey=5s ike-rekey=7s

stage "reauthentication under ping: reauth=10, make before break in XFRM"
# The new IKE SA's CHILD SA goes in beside the old one (same reqid, so the
# policies stay; the old outbound SA goes once the new one is in), the old
# IKE SA is deleted after; its inbound SA at its CHILD_DOWN.
require "rove up ra (reauth=10) exits 0" rove_to up-ra up "$(write_profile ra \
	server="$GW_ADDR" remote-id="$GW_NAME" user="$EAP_USER" ca="$PKI_DIR/ca.pem" \
	datapath=kernel reauth=10 -- password="$EAP_PASSWORD")"
read -r vip ike0 old_in old_out <<<"$(status_of ra virtual_ips.0 ike.spi_i $C.spi_in $C.spi_out)"
# What changes in XFRM meanwhile: a swap (old SAs and policies out, new in)
# would delete and add policies, whose gap a ping at 10/s may not hit.
ip -n "$NS_C" xfrm monitor >"$WORK/xfrm-ra.log" 2>&1 &
mon_pid=$!
PIDS+=("$mon_pid")
in_ns "$NS_C" ping -i 0.1 -w 32 -q "$LAN_HOST" >"$WORK/ping-ra.out" 2>&1 || true
stop_pid "$mon_pid"
read -r sent recv <<<"$(sed -n \
	's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$WORK/ping-ra.out")"
read -r n_ra vip2 ike1 spi_in spi_out <<<"$(status_of ra reauth.count virtual_ips.0 ike.spi_i \
	$C.spi_in $C.spi_out)"
say "# ${sent:-?} pings, ${recv:-?} answered across $n_ra reauthentications"
ip -n "$NS_C" xfrm state | grep -E '^src|proto esp'
check "reauthenticated at least twice ($n_ra)" test "${n_ra:-0}" -ge 2
check "at most one ping lost per reauthentication ($((${sent:-0} - ${recv:-0})) of ${sent:-0})" \
	test "${recv:-0}" -gt 0 -a $((${sent:-0} - ${recv:-0})) -le "${n_ra:-0}"
check "the same virtual IP ($vip2, was $vip)" test "$vip2" = "$vip"
# (SAs show bare outer addresses, policies their selectors' prefixes)
n_add=$(grep -cE '^src [0-9a-f.:]+ dst [0-9a-f.:]+ *$' "$WORK/xfrm-ra.log" || true)
n_pdel=$(grep -cE '^Deleted src [0-9a-f.:]+/[0-9]+ dst ' "$WORK/xfrm-ra.log" || true)
# (at least one reauthentication's pair seen: the monitor worked; the count
# read afterwards may include one that came after the monitor stopped)
check "new SAs went in ($n_add), no policy went out meanwhile ($n_pdel): make before break" \
	test "$n_add" -ge 2 -a "$n_pdel" = 0
check "a new IKE SA ($ike1 after $ike0) and CHILD SA ($spi_in/$spi_out after $old_in/$old_out)" \
	test "$ike1" != "$ike0" -a "$spi_in" != "$old_in" -a "$spi_out" != "$old_out"
check "the first inbound SA 0x$old_in is gone" wait_for 50 not sa_has "$GW_ADDR" "$CLIENT_ADDR" "$old_in"
check "the first outbound SA 0x$old_out is gone" not sa_has "$CLIENT_ADDR" "$GW_ADDR" "$old_out"
n=$(xfrm_ours state)
check "rove's SAs: the current pair and at most one more ($n)" test "$n" -ge 2 -a "$n" -le 3
check "the policies still carry one template each" test "$(xfrm_ours policy)" = 3
check "rove down ra exits 0" rove_to down-ra down ra
check_clean "after rove down (ra)"

stage "datapath=auto"
require "rove up auto (datapath=auto) exits 0" rove_to up-auto up "$(profile_dp auto auto)"
read -r dp pid <<<"$(status_of auto datapath pid)"
check "datapath=auto picked kernel ($dp)" test "$dp" = kernel
check "the LAN host answers through the tunnel" lan_reachable

stage "kill -9 of the session process ($pid)"
kill -9 "$pid"
check "the session process is gone" wait_for 50 pid_gone "$pid"
check "its SAs outlive it: cleanup has work to do" test "$(xfrm_ours state)" = 2
check "rove down auto finds the stale session and exits 0" rove_to down-auto down auto
check_clean "after the stale session's cleanup"

stage "rekey under ping: the gateway rekeys the CHILD SA every ~5 s, the IKE SA every ~8 s"
stop_gw
GW_IKE_EXTRA="rekey_time = 8s
		rand_time = 1s
		over_time = 60s" GW_CHILD_EXTRA="rekey_time = 5s
				rand_time = 1s
				life_time = 60s" start_gw "$WORK/gw-rekey"
rekey_under_ping rkgw "the gateway"
finish
