#!/bin/bash
# The gateway drops UDP 500 and 4500: rove up gives up (after about 30 s),
# says the ports may be blocked and leaves nothing behind.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
setup_net
make_pki "$WORK/pki"
start_gw "$WORK/gw"
block_udp
profile=$(profile_eap vpn)

rc=0
start=$(date +%s)
rove_to up up "$profile" || rc=$?
say "    rove up gave up after $(($(date +%s) - start)) s"
check "rove up exits 1" test "$rc" = 1
check "stderr says UDP 500/4500 may be blocked" \
	grep -qiE 'UDP.*500.*4500.*block|500/4500.*block' "$WORK/up.err"
check "rove's datagrams reached the gateway and were dropped" test "$(blocked_count)" -gt 0
check "no IKE_SA_INIT request reached charon" test "$(gw_log_count "$LOG_IKE_SA_INIT")" = 0
check "the run directory holds no socket or pid file" run_dir_clean
check "no process is left in the client namespace" wait_for 30 client_ns_idle
finish
