#!/bin/bash
# The gateway's certificate is valid (our CA) but for other.rove.test while
# the profile expects gw.rove.test: rove must refuse it before any password
# proof leaves the machine.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
setup_net
make_pki "$WORK/pki"
start_gw "$WORK/gw" --cert other
profile=$(profile_eap vpn)

rc=0
rove_to up up "$profile" || rc=$?
check "rove up exits 1" test "$rc" = 1
check "stderr names the identity (gw.rove.test or remote-id)" \
	grep -qE "$GW_NAME|remote-id" "$WORK/up.err"
check "the gateway got rove's IKE_AUTH request" test "$(gw_log_count "$LOG_IKE_AUTH")" -ge 1
say "    EAP-Identity responses at the gateway: $(gw_log_count "$LOG_EAP_IDENTITY")"
check "no MSCHAPv2 response reached the gateway" \
	test "$(gw_log_count "$LOG_MSCHAPV2_RESPONSE")" = 0
check "the run directory holds no socket or pid file" run_dir_clean
check "no process is left in the client namespace" wait_for 30 client_ns_idle
finish
