#!/bin/bash
# nmcli's import and export of rove connections through the installed
# libnm-vpn-plugin-rove.so (found by NetworkManager's .name file) against a
# real NetworkManager in the box: a rove profile (secrets into vpn.secrets,
# vpn.persistent on), a .mobileconfig whose PKCS#12 is written beside
# (0600), a .sswan, a refused file, and `nmcli connection export` giving a
# profile rove accepts, without secrets. No gateway needed.
# shellcheck source-path=SCRIPTDIR source=nm.sh
. "$(dirname "$0")/nm.sh"

nm_init
nm_install
nm_net
nm_start
samples=$NM_TESTS_DIR/../unit/import
mkdir -p "$WORK/in" "$WORK/xdg"
cp "$samples"/* "$WORK/in/"
# nmcli as a user would run it, its certificates under its own data dir
nm_user_cli() { nm_in env XDG_DATA_HOME="$WORK/xdg" nmcli "$@"; }
mode() { stat -c %a "$1"; }

say "# a rove profile"
require "nmcli connection import type rove file work.conf" \
	nm_user_cli connection import type rove file "$WORK/in/work.conf"
check "the connection is called work, of service org.freedesktop.NetworkManager.rove" \
	test "$(nm_field work connection.id) $(nm_field work vpn.service-type)" = \
	"work org.freedesktop.NetworkManager.rove"
data=$(nm_field work vpn.data)
check "vpn.data holds server, user, routes and dpd" \
	eval '[[ $data == *"server = vpn.example.com"* && $data == *"user = alice"* &&
		$data == *"routes = 10.0.0.0/8"*"192.168.10.0/24"* && $data == *"dpd = 60"* ]]'
check "ca= is absolute, taken from the profile's directory" \
	eval '[[ $data == *"ca = $WORK/in/ca.pem"* ]]'
check "vpn.persistent is on (roaming)" test "$(nm_field work vpn.persistent)" = yes
check "the password is in vpn.secrets" \
	eval '[[ $(nm_cli -s -g vpn.secrets connection show work) == *"password = correct horse battery staple"* ]]'

say "# export"
require "nmcli connection export work" nm_user_cli connection export work "$WORK/out.conf"
check "the export is 0600" test "$(mode "$WORK/out.conf")" = 600
check "it holds the [vpn] keys and no secret" \
	eval 'grep -qx "server=vpn.example.com" "$WORK/out.conf" && ! grep -q "horse" "$WORK/out.conf"'
check "rove check accepts it" "$ROVE_BUILD_DIR/client/rove" check "$WORK/out.conf"

say "# an Apple .mobileconfig with our PKCS#12"
require "nmcli connection import type rove file cert.mobileconfig" \
	nm_user_cli connection import type rove file "$WORK/in/cert.mobileconfig"
cert=$(nm_field Example-Corp-certificate vpn.data | tr ',' '\n' | sed -n 's/^ *cert = //p')
check "cert= is a .p12 under the user's data directory" \
	eval '[[ $cert == "$WORK/xdg/rove/certificates/"*.p12 ]]'
check "... mode 0600" test "$(mode "$cert")" = 600
check "its password is in vpn.secrets as key-password" \
	eval '[[ $(nm_cli -s -g vpn.secrets connection show Example-Corp-certificate) == *"key-password = p12secret"* ]]'

say "# a strongSwan .sswan, and a file that is refused"
check "nmcli connection import type rove file eap.sswan" \
	nm_user_cli connection import type rove file "$WORK/in/eap.sswan"
check "... gives Example-Corp-VPN to vpn.example.com" \
	eval '[[ $(nm_field Example-Corp-VPN vpn.data) == *"server = vpn.example.com"* ]]'
printf '{"type":"ikev2-eap","remote":{}}' >"$WORK/in/bad.sswan"
nm_user_cli connection import type rove file "$WORK/in/bad.sswan" >"$WORK/bad.out" 2>&1 || true
check "a .sswan without remote.addr is refused, saying so" grep -q "remote.addr" "$WORK/bad.out"
nm_finish
