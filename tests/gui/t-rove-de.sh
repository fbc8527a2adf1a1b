#!/bin/sh
# The rove command speaks German with LANGUAGE=de (its catalogue from the
# build tree's po/) and English without.
# Usage: t-rove-de.sh ROVE LOCALEDIR
rove=$1 dir=$2
de=$(LANG=C.UTF-8 LANGUAGE=de ROVE_LOCALE_DIR=$dir "$rove" frobnicate 2>&1)
en=$(LANG=C.UTF-8 LANGUAGE= LC_ALL= ROVE_LOCALE_DIR=$dir "$rove" frobnicate 2>&1)
echo "$de" | head -n 1
echo "$en" | head -n 1
case $de in *'unbekannter Befehl „frobnicate“'*'Rückgabewert: 0 in Ordnung'*) ;; *) echo "FAIL: no German"; exit 1 ;; esac
case $en in *'unknown command "frobnicate"'*) ;; *) echo "FAIL: not English without LANGUAGE"; exit 1 ;; esac
echo PASS
