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

# The same failure in German: rove's sentence comes from the engine through
# gettext (core/i18n.h), with the build tree's catalogue (BUILD/po, beside
# BUILD/client/rove) and LANGUAGE=de; C.UTF-8 is locale enough for that.
ROVE_LOCALE_DIR=${ROVE_LOCALE_DIR:-$(dirname "$ROVE_BIN")/../po}
export ROVE_LOCALE_DIR
check "the German catalogue is built" test -f "$ROVE_LOCALE_DIR/de/LC_MESSAGES/rove.mo"
rc=0
LANG=C.UTF-8 LC_ALL= LANGUAGE=de rove_to up-de up "$profile" || rc=$?
check "rove up exits 1 in German too" test "$rc" = 1
check "stderr has the German sentence about the password" \
	grep -qF 'rove: das Gateway hat die MSCHAPv2-Authentifizierung abgelehnt: Authentifizierung fehlgeschlagen: Prüfen Sie Benutzernamen und Passwort' "$WORK/up-de.err"
check "and not the English one" not grep -q 'check the user name and password' "$WORK/up-de.err"
check "no process is left in the client namespace" wait_for 30 client_ns_idle
check "rove status lists no session" rove_lists_no_session
finish
