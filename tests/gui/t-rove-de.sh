#!/bin/sh
# The rove command speaks German with LANGUAGE=de (its catalogue from the
# build tree's po/) and English without: its own sentences, and the
# engine's (core/i18n.h): `rove check` names file, line and key around the
# profile checker's translated sentence. C.UTF-8 is enough for LANGUAGE
# (glibc ignores LANGUAGE only in the plain C locale), so the test needs no
# generated de_DE locale.
# Usage: t-rove-de.sh ROVE LOCALEDIR
rove=$1 dir=$2
fail=0
de=$(LANG=C.UTF-8 LANGUAGE=de ROVE_LOCALE_DIR=$dir "$rove" frobnicate 2>&1)
en=$(LANG=C.UTF-8 LANGUAGE= LC_ALL= ROVE_LOCALE_DIR=$dir "$rove" frobnicate 2>&1)
echo "$de" | head -n 1
echo "$en" | head -n 1
case $de in *'unbekannter Befehl „frobnicate“'*'Rückgabewert: 0 in Ordnung'*) ;; *) echo "FAIL: no German"; exit 1 ;; esac
case $en in *'unknown command "frobnicate"'*) ;; *) echo "FAIL: not English without LANGUAGE"; exit 1 ;; esac

# A profile with three mistakes: the lexer's (a line without '='), a key's
# check (profile_check.c) and a check across keys (profile_defaults.c).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '[vpn]\nserver=vpn.example.com:443\nuser=alice\nmobike=maybe\nthis is no key\n' >"$tmp/bad.conf"
chmod 600 "$tmp/bad.conf"
de=$(LANG=C.UTF-8 LANGUAGE=de ROVE_LOCALE_DIR=$dir "$rove" check "$tmp/bad.conf" 2>&1)
en=$(LANG=C.UTF-8 LANGUAGE= LC_ALL= ROVE_LOCALE_DIR=$dir "$rove" check "$tmp/bad.conf" 2>&1)
echo "$de"
expect() { # TEXT: a whole line of $de
	if ! printf '%s\n' "$de" | grep -qxF -- "$1"; then
		echo "FAIL: rove check does not say, in German: $1"
		fail=1
	fi
}
expect "$tmp/bad.conf:2: server: „vpn.example.com:443“ hat einen Port; rove verwendet immer die Ports 500 und 4500, schreiben Sie also nur vpn.example.com"
expect "$tmp/bad.conf:4: mobike: „maybe“ ist weder yes noch no"
expect "$tmp/bad.conf:5: erwartet: Schlüssel=Wert, ein [Gruppen]-Kopf oder ein #-Kommentar"
expect "$tmp/bad.conf: server: fehlt (der Hostname oder die Adresse des Gateways)"
case $en in *"$tmp/bad.conf:4: mobike: \"maybe\" is not yes or no"*) ;;
*) echo "FAIL: rove check is not English without LANGUAGE: $en"; fail=1 ;; esac
[ "$fail" = 0 ] || exit 1
echo PASS
