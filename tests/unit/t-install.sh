#!/bin/sh
# `meson install --destdir` puts rove, rove(8) and the bash completion where
# the build's options say.
# Usage: t-install.sh MESON BUILDDIR SBINDIR MANDIR COMPLETIONSDIR (absolute)
set -eu
meson=$1 build=$2 sbindir=$3 mandir=$4 compdir=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! "$meson" install -C "$build" --no-rebuild --destdir "$tmp/root" >"$tmp/log" 2>&1; then
	cat "$tmp/log"; echo "FAIL: meson install failed"; exit 1
fi
fail=0
for f in "$sbindir/rove" "$mandir/man8/rove.8" "$compdir/rove"; do
	if [ -s "$tmp/root$f" ]; then
		echo "ok: $f installed"
	else
		echo "FAIL: no $f in the destdir; it holds:"; (cd "$tmp/root" && find . -type f); fail=1
	fi
done
exit $fail
