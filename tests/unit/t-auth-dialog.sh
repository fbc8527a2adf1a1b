#!/bin/sh
# nm-rove-auth-dialog driven as NetworkManager's secret agents drive it:
# vpn.data and vpn.secrets on stdin (DATA_KEY=/DATA_VAL=, SECRET_KEY=/
# SECRET_VAL=, DONE), arguments -u -n -s [-i] [-r] [-t HINT]; with
# --external-ui-mode the "[VPN Plugin UI]" key file GNOME Shell and
# nmcli --ask read back; without it (and nothing to ask) the known secrets
# as KEY/VALUE lines until QUIT. Asks only for what the flags leave to ask.
# No display needed. Usage: t-auth-dialog.sh NM-ROVE-AUTH-DIALOG
set -u
dialog=$1
fail=0
svc=org.freedesktop.NetworkManager.rove
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# details KEY=VALUE... (secrets as secret:KEY=VALUE): NM's stdin format
details() {
	for kv in "$@"; do
		case $kv in
		secret:*) kv=${kv#secret:}; printf 'SECRET_KEY=%s\nSECRET_VAL=%s\n' "${kv%%=*}" "${kv#*=}" ;;
		*) printf 'DATA_KEY=%s\nDATA_VAL=%s\n' "${kv%%=*}" "${kv#*=}" ;;
		esac
	done
	printf 'DONE\n\n'
}
# ui [DIALOG-ARGS] -- DETAILS: the external UI key file
ui() {
	args=""
	while [ "$1" != -- ]; do args="$args $1"; shift; done
	shift
	# shellcheck disable=SC2086
	details "$@" | "$dialog" -u 0b6e1d52-1111-4c2a-9f00-000000000001 -n work -s $svc -i \
		--external-ui-mode $args
}
# get FILE GROUP KEY: a value of the key file
get() { awk -v g="[$2]" -v k="$3" '$0 == g { on = 1; next } /^\[/ { on = 0 }
	on && index($0, k "=") == 1 { print substr($0, length(k) + 2) }' "$1"; }
expect() { # DESCRIPTION GOT WANT
	if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: got '$2', want '$3'"; fail=1; fi
}

ui -- server=vpn.example.com user=alice >"$tmp/a"
expect "the key file starts with [VPN Plugin UI]" "$(head -n 1 "$tmp/a")" "[VPN Plugin UI]"
expect "Version=2" "$(get "$tmp/a" 'VPN Plugin UI' Version)" 2
expect "a title naming the connection" "$(get "$tmp/a" 'VPN Plugin UI' Title)" "Authenticate VPN work"
expect "EAP without a stored password: ask for password" \
	"$(get "$tmp/a" password ShouldAsk) $(get "$tmp/a" password IsSecret)" "true true"
expect "nothing else asked" "$(grep -c '^\[' "$tmp/a")" 2

ui -- server=vpn.example.com user=alice secret:password=stored >"$tmp/b"
expect "a stored password is not asked again" "$(get "$tmp/b" password ShouldAsk)" false
expect "... and handed back" "$(get "$tmp/b" password Value)" stored
ui -r -- server=vpn.example.com user=alice secret:password=stored >"$tmp/c"
expect "--reprompt asks again" "$(get "$tmp/c" password ShouldAsk)" true
ui -- server=vpn.example.com user=alice password-flags=2 secret:password=stored >"$tmp/d"
expect "password-flags=2 (not saved) always asks" "$(get "$tmp/d" password ShouldAsk)" true
ui -- server=vpn.example.com user=alice password-flags=4 >"$tmp/e"
expect "password-flags=4 (not required) asks nothing" "$(grep -c '^\[' "$tmp/e")" 1

ui -- server=203.0.113.7 auth=psk >"$tmp/f"
expect "auth=psk asks for psk" "$(get "$tmp/f" psk ShouldAsk) $(grep -c '^\[password\]' "$tmp/f")" "true 0"
ui -t psk -- server=vpn.example.com user=alice >"$tmp/g"
expect "a hint for another secret: no password asked" "$(grep -c '^\[password\]' "$tmp/g")" 0
ui -t "x-vpn-message:The-gateway-refused-the-password" -t password -- server=vpn.example.com \
	user=alice secret:password=old >"$tmp/h"
expect "the hinted password is asked" "$(get "$tmp/h" password ShouldAsk)" true
expect "x-vpn-message: becomes the description" "$(get "$tmp/h" 'VPN Plugin UI' Description)" \
	"The-gateway-refused-the-password"

# our certificate's key: asked only when it is encrypted
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$tmp/k.pem" \
	-passout pass:kpw -out "$tmp/c.pem" -days 2 -subj /CN=alice 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/k2.pem" \
	-out "$tmp/c2.pem" -days 2 -subj /CN=alice 2>/dev/null
ui -- server=vpn.example.com auth=pubkey cert="$tmp/c.pem" key="$tmp/k.pem" >"$tmp/i"
expect "an encrypted key: key-password asked" "$(get "$tmp/i" key-password ShouldAsk)" true
ui -- server=vpn.example.com auth=pubkey cert="$tmp/c2.pem" key="$tmp/k2.pem" >"$tmp/j"
expect "a plain key: nothing asked" "$(grep -c '^\[' "$tmp/j")" 1

# without --external-ui-mode and nothing to ask: KEY, VALUE, empty lines,
# then it waits for QUIT
{ details server=vpn.example.com user=alice secret:password=stored; echo QUIT; } |
	"$dialog" -u 0b6e1d52-1111-4c2a-9f00-000000000001 -n work -s $svc >"$tmp/k"
expect "secrets as KEY/VALUE lines" "$(od -An -c "$tmp/k" | tr -s ' ' | tr -d '\n')" \
	" p a s s w o r d \n s t o r e d \n \n \n"
details server=x | "$dialog" -u u -n work -s org.freedesktop.NetworkManager.openvpn \
	--external-ui-mode >/dev/null 2>&1
expect "another service is refused" "$?" 1
exit $fail
