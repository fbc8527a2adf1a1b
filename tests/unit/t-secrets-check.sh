#!/bin/bash
# tests/secrets-check.sh can fail: it passes on clean evidence and fails on
# a secret planted in a log, as hex in a status document, or a private
# key's PEM line in an output file, and when there is nothing to check.
set -u
check=${1:?usage: t-secrets-check.sh SECRETS-CHECK}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fails=0
expect() { # rc-wanted description
	local want=$1 rc=0
	shift
	"$check" "$d/ev" >"$d/out" 2>&1 || rc=$?
	sed 's/^/    /' "$d/out"
	if [ "$rc" = "$want" ]; then echo "ok - $*"; else echo "not ok - $* (exit $rc)"; fails=$((fails + 1)); fi
}
clean() {
	rm -rf "$d/ev"
	mkdir -p "$d/ev/t-eap-up-1" "$d/ev/t-psk-up-2"
	printf '%s\n' 'alice-password-123' 'x' 'MHcCAQEEIB1u2Q8nq1xXU1Fq0m3pZ3aVq0rYw2xQm9C0n6d3O7vOoAoGCCqGSM49' \
		>"$d/ev/t-eap-up-1/secrets.list"
	printf '%s\n' 'rove-integration-psk-6d1f0c2a9b' >"$d/ev/t-psk-up-2/secrets.list"
	printf 'rove: vpn: EAP-MSCHAPv2 as alice\nrove: vpn: up, virtual IP 10.3.0.1\n' >"$d/ev/t-eap-up-1/run_vpn.log"
	echo '{"state": "established", "x": "x"}' >"$d/ev/t-psk-up-2/status-vpn.json"
}
mkdir -p "$d/ev"
expect 1 "no evidence at all fails"
clean
expect 0 "clean evidence passes (a short secret like 'x' is left out)"
echo "rove: vpn: sending password alice-password-123" >>"$d/ev/t-eap-up-1/run_vpn.log"
expect 1 "a password in a session log fails"
if grep -q "run_vpn.log:3" "$d/out"; then
	echo "ok - the hit names the file and line"
else
	echo "not ok - the hit names the file and line"
	fails=$((fails + 1))
fi
clean
echo '{"psk": "726f76652d696e746567726174696f6e2d70736b2d366431663063326139620a"}' \
	>"$d/ev/t-psk-up-2/status-vpn.json"
expect 1 "a PSK hex-encoded in a status document fails (secrets of another scenario too)"
clean
echo "key: MHcCAQEEIB1u2Q8nq1xXU1Fq0m3pZ3aVq0rYw2xQm9C0n6d3O7vOoAoGCCqGSM49" >"$d/ev/t-psk-up-2/up.err"
expect 1 "a private key's PEM line in an output file fails"
[ "$fails" = 0 ]
