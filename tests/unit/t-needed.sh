#!/bin/bash
# rove's own dynamic dependencies (readelf's NEEDED entries): GIO, GObject,
# json-glib and libssl (EAP-TLS, client/ssl_lazy.c) are loaded at their
# first use (core/runner/lazy.h), never at exec, so `rove up` does not pay for them before its first packet
# (docs/architecture.md, "Before the first packet").
set -eu
rove=$1
needed=$(readelf -d "$rove" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "$needed" | sed 's/^/NEEDED /'
bad=$(echo "$needed" | grep -E '^lib(gio|gobject|json-glib|gmodule)-|^libssl\.' || true)
if [ -n "$bad" ]; then
	echo "not ok - $rove links $(echo "$bad" | tr '\n' ' ')at exec"
	exit 1
fi
echo "ok - $rove links none of GIO, GObject, json-glib, libssl"
