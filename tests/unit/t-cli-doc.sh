#!/bin/sh
# rove's help against rove(8): the usage lines of `rove --help` are the
# page's SYNOPSIS, and `rove CMD --help` prints exactly the options the page
# documents for CMD (the .TP tags of its section). Then groff's warnings.
# Usage: t-cli-doc.sh ROVE ROVE.8
set -eu
rove=$1 man=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# Roff to text, enough for the lines compared here.
unroff() { sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\[:&%]//g' -e 's/\\e/\\/g'; }
# The options named at the start of help lines or tags: -x, --long ARG.
opts() { sed -e 's/^ *//' -e 's/  .*//' | tr ', ' '\n' | grep '^-' | sort || true; }

sed -n '/^\.SH SYNOPSIS/,/^\.SH/p' "$man" | grep -v '^\.' | unroff >"$tmp/man"
"$rove" --help | sed -n '1,/^$/p' | sed -e '/^$/d' -e 's/^usage: //' -e 's/^ *//' >"$tmp/synopsis"
if diff -u "$tmp/man" "$tmp/synopsis"; then
	echo "ok: rove --help prints the SYNOPSIS of rove(8)"
else
	echo "FAIL: rove --help (+) and the SYNOPSIS of rove(8) (-) differ"; fail=1
fi

sed -n 's/^rove \([a-z]*\).*/\1/p' "$tmp/synopsis" | grep -vx help >"$tmp/commands"
while read -r cmd; do
	if ! grep -qx ".SS \"rove $cmd\"" "$man"; then
		echo "FAIL: rove(8) has no section \"rove $cmd\""; fail=1; continue
	fi
	awk -v ss=".SS \"rove $cmd\"" '$0 == ss { on = 1; next } /^\.S[SH]/ { on = 0 }
		on && tp { print } { tp = on && $0 == ".TP" }' "$man" | unroff | grep '^-' |
		opts >"$tmp/man"
	"$rove" "$cmd" --help >"$tmp/out"
	grep '^ *-' "$tmp/out" | opts >"$tmp/help"
	if ! diff -u "$tmp/man" "$tmp/help"; then
		echo "FAIL: rove $cmd --help (+) and rove(8) (-) name different options"; fail=1
	elif [ "$(head -n 1 "$tmp/out")" != "usage: $(grep -E "^rove $cmd( |$)" "$tmp/synopsis")" ]; then
		echo "FAIL: rove $cmd --help does not start with its synopsis line"; fail=1
	else
		echo "ok: rove $cmd --help and rove(8) name the options $(tr '\n' ' ' <"$tmp/help")"
	fi
done <"$tmp/commands"

if command -v groff >/dev/null; then
	groff -man -t -ww -z -Tutf8 "$man" 2>"$tmp/lint" || true
	if [ -s "$tmp/lint" ]; then
		echo "FAIL: groff warns about rove(8):"; cat "$tmp/lint"; fail=1
	else
		echo "ok: groff -ww has no warning for rove(8)"
	fi
else
	echo "groff not installed: rove(8) not linted (tests/install-deps.sh installs it)"
fi
exit $fail
