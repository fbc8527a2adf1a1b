# The kernel datapath as NetworkManager's service runs it: the session
# runner with apply_system off (tests/tools/runner-report, the service's
# datapath code without NetworkManager) against a strongSwan gateway on
# kernel ESP. The runner creates an XFRM interface (rove-NAME, if_id = the
# reqid) and puts its SAs and policies on it, and reports the device and
# the configuration; this script applies them as NetworkManager would
# (address and routes on the device): the LAN answers through it, the
# SAs count the packets, and after the stop the interface, the SAs and the
# policies are gone and nothing else was ever added (no rule, no table
# 220, no address on the uplink). A kill -9 leaves the interface and the
# SAs, which the next start's crash cleanup (the state file) removes.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${ROVE_VM_SHARE:-/run/rove-vm}/lib.sh"
export ROVE_BIN=$bin/rove GW_KERNEL_ESP=1
. "$integ/lib.sh"

REPORT=$bin/runner-report
[ -x "$REPORT" ] || { echo "SKIP: runner-report is not in the share"; exit 77; }
vm_rove_start
out=$WORK/report.out

# runner_start NAME: the runner in the client namespace, its report in $out.
runner_start() {
	: >"$out"
	mkdir -p "$RUN_DIR"
	ip netns exec "$NS_C" env ROVE_RUN_DIR="$RUN_DIR" "$REPORT" "$(profile_dp "$1" kernel)" \
		>"$out" 2>>"$RUN_DIR/runner-report.log" &
	RPID=$!
	PIDS+=("$RPID")
}
reported() { grep -qx configured "$out"; }
field() { awk -v k="$1" '$1 == k { print $2; exit }' "$out"; }
xfrmi_up() { ip -n "$NS_C" -d link show "$1" 2>/dev/null | grep -q 'xfrm if_id'; }
no_rove_link() { ! ip -n "$NS_C" -o link show | grep -q ': rove-'; }

stage "the runner with an XFRM interface"
runner_start nmx
require "the runner reports its configuration" wait_for 300 reported
dev=$(field device)
addr=$(field address)
check "the device is an XFRM interface rove-nmx ($dev)" test "$dev" = rove-nmx
check "... with if_id, up" xfrmi_up "$dev"
check "the datapath is kernel" test "$(awk '$1 == "device" { print $3 }' "$out")" = kernel
check "the address $addr is from the pool" in_pool "${addr%/*}"
check "no address, rule or table-220 route of rove's (the caller configures)" \
	eval 'test -z "$(ip -n "$NS_C" route show table 220 2>/dev/null)" &&
		! ip -n "$NS_C" rule | grep -q "lookup 220" &&
		! ip -n "$NS_C" addr | grep -q " 10\.3\.0\."'
# What NetworkManager does with the report.
ip -n "$NS_C" addr add "$addr" dev "$dev"
for r in $(awk '$1 == "route" { print $2 }' "$out"); do
	ip -n "$NS_C" route add "$r" dev "$dev" src "${addr%/*}"
done
check "the LAN host $LAN_HOST answers through the XFRM interface" lan_reachable
check "the SAs carry the interface's if_id" \
	sh -c "ip -n '$NS_C' xfrm state | grep -q 'if_id 0x'"
check "the policies too" sh -c "ip -n '$NS_C' xfrm policy | grep -q 'if_id 0x'"
kill -TERM "$RPID"
check "the runner ends in order" wait "$RPID"
check_clean "after the stop"
check "the XFRM interface is gone" no_rove_link
check "the gateway lists no IKE SA" wait_for 30 gw_sa_count_is 0

stage "kill -9: the next start's crash cleanup removes the XFRM interface"
runner_start nmx
require "the runner reports its configuration" wait_for 300 reported
dev=$(field device)
check "the XFRM interface is there" xfrmi_up "$dev"
kill -KILL "$RPID"
wait "$RPID" 2>/dev/null || true
check "it outlives the process" xfrmi_up "$dev"
check "so do the SAs" test "$(xfrm_ours state)" != 0
# As nm-rove-service at the connection's next activation: the state file
# names the device and the reqid; a new interface of that name can only be
# created once the old one is gone.
runner_start nmx
require "a new runner of that name reports its configuration" wait_for 300 reported
check "... on a new rove-nmx" xfrmi_up rove-nmx
kill -TERM "$RPID"
check "the runner ends in order" wait "$RPID"
check_clean "after the stop"
check "the XFRM interface is gone" no_rove_link
finish
