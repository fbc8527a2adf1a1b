#!/bin/sh
# `rove import` on the sample files in import/: the profile and the files
# beside it (modes, paths), what did not map printed, the result accepted
# by `rove check`, an existing profile kept unless --force, bad files
# refused with exit 2. No root, no network.
# Usage: t-import.sh ROVE (run from tests/unit)
set -u
rove=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
mode() { stat -c %a "$1"; }

# a .sswan with the gateway's CA inside
out=$("$rove" import import/eap.sswan -o "$tmp") || bad "import eap.sswan exited $?"
conf=$tmp/Example-Corp-VPN.conf
[ "$(mode "$conf")" = 600 ] && ok "the profile is 0600" || bad "profile mode $(mode "$conf")"
grep -qx "ca=$tmp/Example-Corp-VPN-ca.pem" "$conf" && ok "ca= names the CA written beside it" ||
	bad "no ca= line for the CA: $(cat "$conf")"
cmp -s "$tmp/Example-Corp-VPN-ca.pem" import/ca.pem && ok "the CA is the one in the file" ||
	bad "the CA written differs from import/ca.pem"
printf '%s\n' "$out" | grep -q '^not imported:' && printf '%s\n' "$out" | grep -q 'apps:' &&
	ok "what did not map is printed" || bad "no 'not imported' list: $out"
"$rove" check "$conf" >/dev/null 2>&1 && ok "rove check accepts the imported profile" ||
	bad "rove check refuses it: $("$rove" check "$conf" 2>&1)"

# a profile that exists is kept, --force replaces it, --name picks another
echo "# mine" >>"$conf"
if "$rove" import import/eap.sswan -o "$tmp" >/dev/null 2>"$tmp/err"; then
	bad "an existing profile was replaced"
else
	grep -q 'exists; use --force' "$tmp/err" && grep -q '# mine' "$conf" &&
		ok "an existing profile is kept" || bad "$(cat "$tmp/err")"
fi
"$rove" import import/eap.sswan -o "$tmp" --force >/dev/null && ! grep -q '# mine' "$conf" &&
	ok "--force replaces it" || bad "--force did not replace it"
"$rove" import import/eap.sswan -o "$tmp" --name lab >/dev/null && [ -f "$tmp/lab.conf" ] &&
	[ -f "$tmp/lab-ca.pem" ] && ok "--name lab writes lab.conf and lab-ca.pem" || bad "--name"

# a .mobileconfig with our PKCS#12 and its password
"$rove" import import/cert.mobileconfig -o "$tmp" --name apple >"$tmp/out" ||
	bad "import cert.mobileconfig exited $?"
[ "$(mode "$tmp/apple.p12")" = 600 ] && ok "the PKCS#12 bundle is 0600" ||
	bad "p12 mode $(mode "$tmp/apple.p12")"
grep -qx 'key-password=p12secret' "$tmp/apple.conf" && grep -qx "cert=$tmp/apple.p12" "$tmp/apple.conf" &&
	ok "cert= and key-password come from the PKCS#12 payload" || bad "$(cat "$tmp/apple.conf")"
grep -q '"3des" is weak' "$tmp/out" && ok "the refused proposal is named" || bad "$(cat "$tmp/out")"
"$rove" check "$tmp/apple.conf" >/dev/null 2>&1 && ok "rove check accepts it (the bundle decrypts)" ||
	bad "rove check: $("$rove" check "$tmp/apple.conf" 2>&1)"

# refused: not a format, a profile with a mistake (named with its line)
printf 'hello\n' >"$tmp/x.txt"
"$rove" import "$tmp/x.txt" -o "$tmp" 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q 'not a format rove imports' "$tmp/err" && ok "an unknown format: exit 2" ||
	bad "unknown format: exit $rc, $(cat "$tmp/err")"
printf '[vpn]\nserver=vpn.example.com\nremoteid=x\n' >"$tmp/typo.conf"
"$rove" import "$tmp/typo.conf" -o "$tmp/none" 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "typo.conf:3: remoteid: unknown key; did you mean 'remote-id'?" "$tmp/err" &&
	ok "a profile's mistake is named as rove check names it" || bad "exit $rc, $(cat "$tmp/err")"
"$rove" import --name ../x import/eap.sswan 2>/dev/null; rc=$?
[ $rc = 2 ] && ok "--name ../x is refused" || bad "--name ../x: exit $rc"
exit $fail
