#!/bin/bash
# Secrets hygiene, the suite's closing check: every secret the integration
# and VM scenarios used (passwords, PSKs, key passwords, the PEM lines of
# private keys; each scenario lists its own in secrets.list) must appear in
# none of the files those scenarios kept: rove's session logs (written
# with -v), state files, command output and status documents.
# tests/integration/lib.sh's keep_evidence leaves them in
# DIR/SCENARIO-PID/; tests/run-all.sh runs this after the integration and
# VM suites. A secret is also looked for hex-encoded. Secrets shorter than
# 8 bytes ("x" in a syntax check) would match anything and are left out.
#
# Usage: secrets-check.sh DIR... (a missing DIR is skipped). Exit 0 clean,
# 1 a secret was found or there was nothing to check.
set -u
[ $# -gt 0 ] || { echo "usage: secrets-check.sh EVIDENCE-DIR..."; exit 2; }
dirs=()
for d in "$@"; do [ -d "$d" ] && dirs+=("$d"); done
pat=$(mktemp)
trap 'rm -f "$pat"' EXIT

shopt -s nullglob
lists=()
for d in "${dirs[@]}"; do lists+=("$d"/*/secrets.list); done
if [ ${#lists[@]} = 0 ]; then
	echo "secrets check: no scenario left evidence in $*: nothing was checked"
	exit 1
fi
# Every secret, and its hex encoding (a hex dump of a buffer would show it).
sort -u "${lists[@]}" | while IFS= read -r s; do
	[ ${#s} -ge 8 ] || continue
	printf '%s\n' "$s"
	printf '%s' "$s" | od -An -v -tx1 | tr -d ' \n'
	echo
done | sort -u >"$pat"
files=$(find "${dirs[@]}" -type f ! -name secrets.list | wc -l)
echo "secrets check: ${#lists[@]} scenarios, $files files, $(wc -l <"$pat") patterns"
# -i: hex may be printed in either case
hits=$(grep -rniIF -f "$pat" --exclude=secrets.list "${dirs[@]}" | cut -d: -f1,2 | head -n 20)
if [ -n "$hits" ]; then
	echo "secrets check: FAILED: a secret the scenarios used is in (file:line)"
	printf '%s\n' "$hits" | sed 's/^/  /'
	exit 1
fi
echo "secrets check: no secret found"
exit 0
