#!/bin/sh
# The editor test (test_editor.c) in a private headless session, with the
# sentence `rove check` prints for dpd=100000, which the editor must print
# too. Usage: t-editor.sh SESSION.SH ROVE TEST_EDITOR PLUGIN.so SCREENSHOT-PREFIX
set -eu
session=$1 rove=$2 test=$3 plugin=$4 prefix=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '[vpn]\nserver=vpn.example.com\nuser=alice\ndpd=100000\n' >"$tmp/bad.conf"
sentence=$("$rove" check "$tmp/bad.conf" 2>&1 | sed -n 's/^.*:[0-9]*: dpd: //p')
[ -n "$sentence" ] || { echo "FAIL: rove check said nothing about dpd=100000"; exit 1; }
echo "rove check: dpd: $sentence"
exec "$session" -- "$test" "$plugin" "$sentence" "$prefix"
