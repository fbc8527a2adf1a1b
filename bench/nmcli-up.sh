#!/bin/bash
# NetworkManager connect time: `nmcli connection up` of a rove connection
# next to NetworkManager-strongswan (charon-nm on kernel-libipsec), both
# EAP-MSCHAPv2 to the same strongSwan gateway, through a real
# NetworkManager in the test box (tests/nm/nm.sh), alternating up/down
# cycles in one run; prints each side's median and the ratio rove/charon-nm
# (target: 0.5 or less). Needs root and a build directory (the project is
# installed into a temporary directory from it). See bench/README.md.
#
#   bash bench/nmcli-up.sh [-n CYCLES]   (ROVE_BUILD_DIR, default build)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
runs=10
while getopts n: opt; do
	case $opt in
	n) runs=$OPTARG ;;
	*)
		echo "usage: bash bench/nmcli-up.sh [-n CYCLES]" >&2
		exit 2
		;;
	esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || {
	echo "nmcli-up: CYCLES must be a positive number" >&2
	exit 2
}
export ROVE_BUILD_DIR=${ROVE_BUILD_DIR:-$root/build}
[ -f "$ROVE_BUILD_DIR/meson-info/intro-buildoptions.json" ] || {
	echo "nmcli-up: $ROVE_BUILD_DIR is not a configured build (meson setup build && ninja -C build)" >&2
	exit 2
}
# The build's prefix, which the box lays the installed tree over.
ROVE_PREFIX=$(python3 -c 'import json, sys
print([o["value"] for o in json.load(open(sys.argv[1])) if o["name"] == "prefix"][0])' \
	"$ROVE_BUILD_DIR/meson-info/intro-buildoptions.json")
export ROVE_PREFIX
export HARNESS_STRICT=1 # a missing tool is an error here, not a skipped test

# shellcheck source=tests/nm/nm.sh
. "$root/tests/nm/nm.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# up_down CONNECTION: prints the milliseconds `nmcli connection up` took,
# then takes the connection down and waits until the gateway forgot it.
up_down() {
	local t0 t1
	t0=$(now_ms)
	nm_cli connection up "$1" >"$WORK/up.out" 2>&1 ||
		die "nmcli connection up $1 failed: $(cat "$WORK/up.out")"
	t1=$(now_ms)
	lan_reachable || die "$1 is up but the LAN host does not answer"
	nm_cli connection down "$1" >"$WORK/down.out" 2>&1 ||
		die "nmcli connection down $1 failed: $(cat "$WORK/down.out")"
	wait_for 50 gw_sa_count_is 0 || die "the gateway kept $1's IKE SA"
	echo "$((t1 - t0))"
}

# summary LABEL FILE: "median N ms (first, min, max)"; the median alone on
# the last line. The first cycle also starts the VPN service.
summary() {
	"$PYTHON" - "$@" <<'PY'
import statistics, sys
ms = [int(l) for l in open(sys.argv[2]) if l.strip()]
print("%-10s median %5.1f ms  (first %d, min %d, max %d, %d cycles)"
      % (sys.argv[1] + ":", statistics.median(ms), ms[0], min(ms), max(ms), len(ms)))
print(statistics.median(ms))
PY
}

nm_init
need_tools NetworkManager nmcli /usr/lib/ipsec/charon-nm
nm_install
nm_net
make_pki "$WORK/pki"
start_gw "$WORK/gw"
nm_start
nm_add_strongswan sw || die "nmcli could not add the strongswan connection"
have_rove=0
if nm_installed libexec/nm-rove-service; then
	nm_add_rove rove || die "nmcli could not add the rove connection"
	have_rove=1
fi

say "nmcli connection up, EAP-MSCHAPv2 with a certificate gateway, $runs cycles each"
: >"$WORK/sw.times"
: >"$WORK/rove.times"
for _ in $(seq "$runs"); do
	up_down sw >>"$WORK/sw.times"
	[ "$have_rove" = 1 ] && up_down rove >>"$WORK/rove.times"
	printf '.'
done
echo

summary charon-nm "$WORK/sw.times" >"$WORK/sw.sum"
head -n 1 "$WORK/sw.sum"
if [ "$have_rove" = 1 ]; then
	summary rove "$WORK/rove.times" >"$WORK/rove.sum"
	head -n 1 "$WORK/rove.sum"
	"$PYTHON" -c 'import sys; print("ratio rove/charon-nm: %.2f (target: 0.50 or less)" % (float(sys.argv[1]) / float(sys.argv[2])))' \
		"$(tail -n 1 "$WORK/rove.sum")" "$(tail -n 1 "$WORK/sw.sum")"
else
	say "rove: missing: nm-rove-service is not built in $ROVE_BUILD_DIR (the NetworkManager service); no rove figures and no ratio"
fi
