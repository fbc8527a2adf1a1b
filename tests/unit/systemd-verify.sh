#!/bin/sh
# The systemd unit as built (data/rove@.service): `systemd-analyze verify`
# of an instance of it, with ExecStart pointed at the build tree's rove (it
# checks that the binary exists and is executable), must print nothing:
# verify exits 0 on unknown keys and unparsable values and only warns, so
# any output is a failure. Then the offline security report, for the log.
# systemd-analyze needs no systemd as PID 1 (package systemd, listed in
# tests/install-deps.sh); without it the test skips (77).
#
#   systemd-verify.sh BUILT_UNIT ROVE_BIN SBINDIR [BUILT_MAN_PAGE]
set -eu
unit=$1 rove=$2 sbindir=$3 page=${4:-}
command -v systemd-analyze >/dev/null || { echo "skip: no systemd-analyze (systemd)"; exit 77; }

tmp=$(mktemp -d /tmp/rove-unit.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# The installed unit runs the installed rove, as a session in this process.
grep -qx "ExecStart=$sbindir/rove up %i --foreground" "$unit" ||
	fail "ExecStart is not $sbindir/rove up %i --foreground: $(grep ExecStart= "$unit")"
! grep -n '@[a-z]*@' "$unit" || fail "an @variable@ was left unsubstituted"

# An instance, as `systemctl start rove@verify` would load it.
sed "s#^ExecStart=$sbindir/rove #ExecStart=$rove #" "$unit" > "$tmp/rove@verify.service"
# Documentation=man:rove(8): verify runs man(1), which finds the built
# page through MANPATH. Without man or the page, that part is left out.
man=no
if [ -n "$page" ] && command -v man >/dev/null; then
	mkdir "$tmp/man8"
	cp "$page" "$tmp/man8/rove.8"
	man=yes
fi
out=$(cd "$tmp" && MANPATH=$tmp systemd-analyze verify --man=$man ./rove@verify.service 2>&1) &&
	rc=0 || rc=$?
echo "systemd-analyze verify (man=$man): exit $rc"
[ -z "$out" ] || { echo "$out"; fail "systemd-analyze verify complained"; }
[ $rc = 0 ] || fail "systemd-analyze verify exited $rc"

# The sandbox as systemd reads it (not asserted: a report).
(cd "$tmp" && systemd-analyze security --offline=yes --no-pager ./rove@verify.service 2>&1) |
	tail -n 1 || true
echo "ok: the unit verifies"
