#!/bin/bash
# rove check: a good profile passes (exit 0), bad ones exit 2 and name
# file, line and key. Needs neither root nor a network.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
need_tools "$PYTHON"
WORK=$(mktemp -d /tmp/rove-integ.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PROFILE_DIR=$WORK/profiles
printf -- '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n' >"$WORK/garbage.pem"

# rove_check NAME PROFILE: rove check, output in $WORK/NAME.out/.err; exit code.
rove_check() {
	local rc=0
	ROVE_CONFIG_DIR=$PROFILE_DIR "$ROVE_BIN" check "$2" >"$WORK/$1.out" 2>"$WORK/$1.err" </dev/null ||
		rc=$?
	say "\$ rove check $2 -> exit $rc"
	sed 's/^/    /' "$WORK/$1.out" "$WORK/$1.err"
	return "$rc"
}

# expect_problem NAME LINE KEY KEY=VALUE...: a profile whose line LINE is
# wrong must exit 2 with "file:LINE: KEY: ...".
expect_problem() {
	local name=$1 line=$2 key=$3 path rc=0
	shift 3
	path=$(write_profile "$name" "$@")
	rove_check "$name" "$path" || rc=$?
	check "$name: exit 2" test "$rc" = 2
	check "$name: names $path:$line: $key" grep -qF "$path:$line: $key: " "$WORK/$name.err"
}

good=$(write_profile good server=vpn.rove.test user=alice -- password=secret)
check "a good profile: exit 0" rove_check good "$good"
check "a good profile: prints PATH: ok" grep -qxF "$good: ok" "$WORK/good.out"
check "a profile name resolves in ROVE_CONFIG_DIR" rove_check good-by-name good

expect_problem bad-auth 4 auth server=vpn.rove.test user=alice auth=bogus -- password=x
expect_problem missing-ca 4 ca server=vpn.rove.test user=alice ca="$WORK/missing.pem" -- password=x
expect_problem garbage-ca 3 ca server=vpn.rove.test ca="$WORK/garbage.pem" user=alice -- password=x

open=$(write_profile open server=vpn.rove.test user=alice -- password=secret)
chmod 644 "$open"
rc=0
rove_check open "$open" || rc=$?
check "secrets readable by others: exit 2" test "$rc" = 2
check "secrets readable by others: says chmod 600" grep -qF "chmod 600" "$WORK/open.err"
finish
