#!/bin/bash
# The app against the real thing: rove-app in a desktop session
# (app-session.sh, with a tray host) drives a rove connection in a real
# NetworkManager (tests/nm/nm.sh's box, the project installed there, so
# nm-rove-service and rove-statusd run as on a real system) to the
# strongSwan gateway of the integration tests. app_test.py e2e does the
# checks; the app reaches the box's system bus through the box's /run.
# Needs root, nm-rove-service and rove-statusd (skips, saying so, without).
# shellcheck source-path=SCRIPTDIR source=../nm/nm.sh
. "$(dirname "$0")/../nm/nm.sh"
GUI_DIR=$(cd "$(dirname "$0")" && pwd)

nm_init
nm_install
nm_installed libexec/nm-rove-service || skip "nm-rove-service is not built: the app has nothing to connect"
nm_installed libexec/rove-statusd || skip "rove-statusd is not built: the app would show NetworkManager's state only"
nm_net
make_pki "$WORK/pki"
start_gw "$WORK/gw"
nm_start

# The password is agent-owned and not stored: the app's agent asks for it.
# Dead peer detection after 2 s: the test makes the gateway vanish.
require "nmcli adds the rove connection Work VPN (password agent-owned)" \
	nm_cli connection add type vpn con-name "Work VPN" vpn-type rove \
	connection.autoconnect no ipv4.method auto ipv6.method ignore \
	vpn.data "server=$GW_NAME, user=$EAP_USER, ca=$PKI_DIR/ca.pem, password-flags=1, dpd=2, dpd-timeout=2"

export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/proc/$NM_BOX_PID/root/run/dbus/system_bus_socket
export ROVE_E2E_PASSWORD=$EAP_PASSWORD ROVE_E2E_NS=$NS_C ROVE_E2E_LAN=$LAN_HOST
export ROVE_E2E_GW_NAME=$GW_NAME ROVE_E2E_GW_NS=$NS_G
check "the app connects, shows and disconnects Work VPN (app_test.py e2e)" \
	"$GUI_DIR/app-session.sh" --tray -- /usr/bin/python3 "$GUI_DIR/app_test.py" e2e
check "nothing of the VPN is left in the client namespace" nm_clean
nm_finish
