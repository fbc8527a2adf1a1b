#!/bin/sh
# Derives the GTK 4 editor .ui from the GTK 3 one, as NetworkManager-openvpn
# does: gtk4-builder-tool simplify --3to4. In GTK 4.8 the tool needs a
# display, so run it inside tests/gui/session.sh:
#   tests/gui/session.sh -- nm-plugin/properties/update-gtk4-ui.sh          # rewrite
#   tests/gui/session.sh -- nm-plugin/properties/update-gtk4-ui.sh --check  # compare (gui test)
set -eu
dir=$(dirname "$0")
check=0
[ "${1:-}" = --check ] && check=1
command -v gtk4-builder-tool >/dev/null || { echo "gtk4-builder-tool (libgtk-4-bin) is missing"; exit 77; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
gtk4-builder-tool simplify --3to4 "$dir/rove-editor.ui" >"$tmp"
gtk4-builder-tool validate "$tmp"
if [ $check = 1 ]; then
	if diff -u "$dir/gtk4/rove-editor.ui" "$tmp"; then
		echo "ok: gtk4/rove-editor.ui is what gtk4-builder-tool makes of rove-editor.ui"
	else
		echo "FAIL: gtk4/rove-editor.ui is stale: run $0 inside tests/gui/session.sh"
		exit 1
	fi
else
	cp "$tmp" "$dir/gtk4/rove-editor.ui"
fi
