#!/bin/bash
# Choosing the datapath, and a full tunnel. On this host the kernel has no
# ESP: datapath=kernel is refused with a sentence that says so and leaves
# nothing behind, datapath=userspace and auto carry traffic over TUN. With
# routes 0.0.0.0/0 granted by the gateway, everything goes into the tunnel
# but the gateway itself, so IKE and ESP keep flowing outside it.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
setup_net
make_pki "$WORK/pki"
GW_LOCAL_TS=0.0.0.0/0
start_gw "$WORK/gw"
J=$WORK/status-full.json

eap_profile() { # name key=value...
	local name=$1
	shift
	write_profile "$name" server="$GW_ADDR" remote-id="$GW_NAME" user="$EAP_USER" \
		ca="$PKI_DIR/ca.pem" "$@" -- password="$EAP_PASSWORD"
}
# route_dev ADDRESS: the device the client would send to ADDRESS through
# (a lookup only: nothing is sent).
route_dev() { ip -n "$NS_C" route get "$1" | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -n 1; }

say "# datapath=kernel on a kernel without ESP"
p=$(eap_profile kern datapath=kernel)
check "rove up kern fails" not rove_to up-kern up "$p"
check "the sentence says the kernel cannot do ESP and what to use instead" \
	grep -qE "datapath=kernel: this kernel cannot install an ESP SA.*datapath=(auto|userspace)" \
	"$WORK/up-kern.err"
check "nothing of rove is left" client_has_nothing_left
check "the gateway never saw an IKE_SA_INIT for it" test "$(gw_log_count 'parsed IKE_SA_INIT request')" = 0

say "# datapath=userspace and a full tunnel"
p=$(eap_profile full datapath=userspace)
require "rove up full exits 0" rove_to up-full up "$p"
require "rove status full --json" rove_status_json full
check "datapath is userspace" test "$(json_get "$J" datapath)" = userspace
check "the gateway granted 0.0.0.0/0" json_has "$J" children.0.remote_ts 0.0.0.0/0
tun=$(route_dev "$LAN_HOST")
check "the LAN goes through the TUN ($tun)" test "${tun#rove-}" != "$tun"
check "so does any other address (198.51.100.77)" test "$(route_dev 198.51.100.77)" = "$tun"
check "the gateway itself stays outside the tunnel" test "$(route_dev "$GW_ADDR")" = out0
check "traffic flows" lan_reachable
check "a TCP transfer arrives whole" tcp_transfer 1000000
check "rove down full exits 0" rove_to down-full down full
check "nothing of rove is left" wait_for 10 client_has_nothing_left
check "the main table routes as before" test "$(route_dev 198.51.100.77)" = out0

say "# datapath=auto"
p=$(eap_profile auto datapath=auto)
require "rove up auto exits 0" rove_to up-auto up "$p"
require "rove status auto --json" rove_status_json auto
check "auto picks userspace here" test "$(json_get "$WORK/status-auto.json" datapath)" = userspace
check "rove down auto exits 0" rove_to down-auto down auto
check "the run directory holds no socket or pid file" run_dir_clean
check "no process is left in the client namespace" wait_for 30 client_ns_idle
finish
