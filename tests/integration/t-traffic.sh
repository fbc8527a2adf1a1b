#!/bin/bash
# Traffic through rove's tunnel to a LAN behind the strongSwan gateway (the
# gateway forwards to its LAN only what comes from the virtual-IP pool):
# ping and a TCP transfer, byte counters move, and nothing of rove is left
# in the client namespace after `rove down`, nor after `kill -9` of the
# session process once the next `rove` call has found its stale socket.
# With --nat the same runs through a masquerading NAT box.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
setup_net "$@"
make_pki "$WORK/pki"
start_gw "$WORK/gw"
profile=$(profile_eap vpn)
J=$WORK/status-vpn.json
BYTES=4000000

check "the LAN is unreachable without the tunnel" not lan_reachable
t_up=$SECONDS
require "rove up vpn exits 0" rove_to up up "$profile"
require "rove status vpn --json" rove_status_json vpn
dp=$(json_get "$J" datapath)
check "a datapath that carries traffic ($dp)" test "$dp" = userspace -o "$dp" = kernel
check "ping reaches the LAN host through the tunnel" lan_reachable
check "a TCP transfer of $BYTES bytes arrives whole" tcp_transfer "$BYTES"
require "rove status vpn --json again" rove_status_json vpn
out=$(json_get "$J" children.0.bytes_out)
in=$(json_get "$J" children.0.bytes_in)
check "bytes out counted ($out >= $BYTES)" test "$out" -ge "$BYTES"
check "bytes in counted ($in > 0)" test "$in" -gt 0
check "packets in and out counted" test "$(json_get "$J" children.0.packets_in)" -gt 0 -a \
	"$(json_get "$J" children.0.packets_out)" -gt 0
# at least two seconds after up, so that a zero age cannot pass
while [ $((SECONDS - t_up)) -lt 2 ]; do sleep 0.2; done
require "rove status vpn --json a third time" rove_status_json vpn
age=$(json_get "$J" children.0.installed_seconds)
check "the SAs' age is in status ($age s, up $((SECONDS - t_up)) s ago)" \
	test "$age" -ge 1 -a "$age" -le $((SECONDS - t_up + 1))
rekey_in=$(json_get "$J" children.0.rekey_in_seconds)
expires_in=$(json_get "$J" children.0.expires_in_seconds)
# child-rekey's default: 1 h less up to a tenth; the SAs expire a tenth
# after the hour.
check "rove rekeys within the hour ($rekey_in s)" test "$rekey_in" -ge 3230 -a "$rekey_in" -le 3600
check "the SAs expire after that ($expires_in s)" \
	test "$expires_in" -gt "$rekey_in" -a "$expires_in" -le 3960
check "no inbound ESP was refused yet" dropped_is vpn 0 0
forge_replay_and_forged "$(json_get "$J" children.0.spi_in)" "$(json_get "$J" local_port)"
check "status counts a replayed packet and two forged ones" wait_for 20 dropped_is vpn 1 2
check "the gateway counted the traffic too" gw_sas_match "in +[0-9a-f]+.*, +[1-9][0-9]* bytes"

check "rove down vpn exits 0" rove_to down down vpn
check "nothing of rove is left in the client namespace" wait_for 10 client_has_nothing_left
check "the LAN is unreachable again" not lan_reachable

say "# kill -9 of the session process"
require "rove up vpn again" rove_to up2 up "$profile"
require "rove status vpn --json" rove_status_json vpn
pid=$(json_get "$J" pid)
check "the session process is $pid" test -n "$pid"
kill -9 "$pid"
check "the session process is gone" wait_for 10 pid_gone "$pid"
check "the TUN device went with the process" wait_for 10 test "$(tun_devices)" = 0
check "the next rove call finds the stale session" rove_to down3 down vpn
check "nothing of rove is left after it cleaned up" client_has_nothing_left
check "rove up works again after the crash" rove_to up4 up "$profile"
check "and traffic flows" lan_reachable
check "rove down vpn" rove_to down4 down vpn
check "the run directory holds no socket or pid file" run_dir_clean
check "no process is left in the client namespace" wait_for 30 client_ns_idle
finish
