#!/bin/sh
# po/POTFILES is complete and current, and po/de.po translates every string:
# - every source with a translatable string (_(" or N_(" in C, the .in files
#   of data/, translatable="yes" in .ui files) is listed, and every listed
#   file exists;
# - de.po has a translation, not fuzzy, for every msgid xgettext finds now.
# Usage: potfiles.sh SRCDIR
set -eu
src=$1
cd "$src"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -v '^#' po/POTFILES | sed '/^$/d' | sort >"$tmp/listed"
{
	git ls-files -- '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' | sed 's|^\./||'
} | sort -u | while read -r f; do
	# _("...") or N_("..."), not inside a longer name (g_strdup_printf's _)
	if grep -Eq '(^|[^A-Za-z0-9_])N?_\("' "$f"; then echo "$f"; fi
done >"$tmp/marked"
ls data/*.desktop.in data/*.metainfo.xml.in 2>/dev/null >>"$tmp/marked"
# GtkBuilder files with translatable labels (the editor's)
{ git ls-files -- '*.ui' 2>/dev/null || find . -name '*.ui' | sed 's|^\./||'; } |
	while read -r f; do
		if grep -q 'translatable="yes"' "$f"; then echo "$f"; fi
	done >>"$tmp/marked"
sort -u -o "$tmp/marked" "$tmp/marked"
missing=$(comm -23 "$tmp/marked" "$tmp/listed")
if [ -n "$missing" ]; then
	echo "potfiles: these files have translatable strings but are not in po/POTFILES:"
	echo "$missing"
	fail=1
fi
for f in $(cat "$tmp/listed"); do
	[ -f "$f" ] || { echo "potfiles: po/POTFILES lists $f, which does not exist"; fail=1; }
done
[ "$fail" = 0 ] || exit 1
echo "potfiles: $(wc -l <"$tmp/listed") files listed, all with strings are"

# the catalogue as the sources make it now, against the German translation
xgettext --from-code=UTF-8 --add-comments=TRANSLATORS --keyword=_ --keyword=N_ \
	--keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dngettext:2,3 \
	-f po/POTFILES -o "$tmp/rove.pot" 2>"$tmp/xgettext.log" || { cat "$tmp/xgettext.log"; exit 1; }
for po in po/*.po; do
	if ! msgcmp "$po" "$tmp/rove.pot" 2>"$tmp/msgcmp.log"; then
		echo "potfiles: $po lacks strings of the sources (run ninja rove-update-po and translate):"
		head -n 20 "$tmp/msgcmp.log"
		fail=1
	fi
	stats=$(msgfmt --statistics -o /dev/null "$po" 2>&1)
	echo "potfiles: $po: $stats"
	case $stats in
	*fuzzy* | *untranslated*) echo "potfiles: $po is not complete"; fail=1 ;;
	esac
done
exit "$fail"
