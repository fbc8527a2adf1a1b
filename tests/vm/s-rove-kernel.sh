# rove's kernel datapath against a strongSwan gateway that does ESP in the
# kernel too (kernel-netlink, no kernel-libipsec), both in this VM, built
# by the integration harness: EAP-MSCHAPv2 with datapath=kernel, rove's
# SAs and policies in `ip xfrm`, a ping to the LAN through the tunnel,
# status counters read back from the kernel, nothing left after `rove
# down`; datapath=auto picks the kernel; after kill -9 of the session
# process, `rove down` removes what it left.
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
check "no rekey or expiry in status, none in the kernel ($rekey $expires; kernel ${k_soft:-?} ${k_hard:-?})" \
	test "$rekey $expires $k_soft $k_hard" = "null null 0 0"
check "rove down vpn exits 0" rove_to down down vpn
check_clean "after rove down"
check "the LAN is unreachable without the tunnel" not lan_reachable

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
finish
