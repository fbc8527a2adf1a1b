#!/bin/bash
# A wrong EAP password: rove up fails with a sentence about the password
# and leaves nothing running.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
setup_net
make_pki "$WORK/pki"
start_gw "$WORK/gw"
profile=$(profile_eap vpn "$PKI_DIR/ca.pem" wrong-password-999)

rc=0
rove_to up up "$profile" || rc=$?
check "rove up exits 1" test "$rc" = 1
check "stderr says it is the password" grep -qi password "$WORK/up.err"
check "the MSCHAPv2 response reached the gateway" \
	test "$(gw_log_count "$LOG_MSCHAPV2_RESPONSE")" -ge 1
check "the gateway rejected it" \
	test "$(gw_log_count 'EAP-MS-CHAPv2 verification failed')" -ge 1
check "the gateway lists no established IKE SA" gw_sa_count_is 0
check "the run directory holds no socket or pid file" run_dir_clean
check "no process is left in the client namespace" wait_for 30 client_ns_idle
check "rove status lists no session" rove_lists_no_session
finish
