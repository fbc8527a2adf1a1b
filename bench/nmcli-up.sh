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

# phases CONNECTION LABEL: where each activation's time went inside
# NetworkManager, from its log (VPN:DEBUG, see nm.sh), as medians over the
# cycles: "start" NetworkManager's "starting" line to the service's bus name
# (the service's process start, when it is not running yet), "secrets" the
# NeedSecrets exchange, "connect" Connect to the IP configuration (the IKE
# exchanges), "apply" the configuration to "activated". The rest of the
# total is nmcli's own (its start, the activation call, waiting for the
# state), the same for both sides.
phases() {
	"$PYTHON" - "$NM_DIR/nm.log" "$@" <<'PY'
import re, statistics, sys
log, name, label = sys.argv[1:4]
line = re.compile(r'\[(\d+\.\d+)\] vpn\[[^,]*,[^,]*,"%s"[^\]]*\]: (.*)' % re.escape(name))
marks = [("starting ", "start"), ("set state: need-auth", "need-auth"),
         ("set state: connect", "connect"), ("config: reply received", "config"),
         ("set state: activated", "activated")]
runs, cur = [], None
for l in open(log, errors="replace"):
    m = line.search(l)
    if not m:
        continue
    t, what = float(m.group(1)) * 1000, m.group(2)
    if cur is not None and what.startswith("starting: VPN service has PID"):
        cur.setdefault("pid", t)
    for prefix, key in marks:
        if what.startswith(prefix) and not what.startswith("starting:"):
            if key == "start":
                cur = {}
                runs.append(cur)
            if cur is not None and key not in cur:
                cur[key] = t
runs = [r for r in runs if all(k in r for _, k in marks)]
if not runs:
    sys.exit(0)
def med(a, b):
    return statistics.median(r[b] - r[a] for r in runs)
spawned = [r for r in runs if "pid" in r]
spawn = ""
if spawned:
    spawn = " (%.1f of it NetworkManager's spawn of the service in %d cycles)" % (
        statistics.median(r["pid"] - r["start"] for r in spawned), len(spawned))
print("%-10s in NetworkManager %5.1f ms: start %5.1f, secrets %4.1f, connect %5.1f, apply %4.1f  (medians, %d cycles)%s"
      % (label + ":", med("start", "activated"), med("start", "need-auth"), med("need-auth", "connect"),
         med("connect", "config"), med("config", "activated"), len(runs), spawn))
print(med("start", "activated"))
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
phases sw charon-nm >"$WORK/sw.phases"
head -n 1 "$WORK/sw.phases"
if [ "$have_rove" = 1 ]; then
	summary rove "$WORK/rove.times" >"$WORK/rove.sum"
	head -n 1 "$WORK/rove.sum"
	phases rove rove >"$WORK/rove.phases"
	head -n 1 "$WORK/rove.phases"
	"$PYTHON" - "$WORK"/{rove,sw}.sum "$WORK"/{rove,sw}.phases <<'PY'
import sys
last = lambda f: float(open(f).read().split()[-1])
rove, sw, rove_nm, sw_nm = (last(f) for f in sys.argv[1:5])
print("ratio rove/charon-nm: %.2f (target: 0.50 or less)" % (rove / sw))
print("inside NetworkManager: rove/charon-nm %.2f; outside it (nmcli's own part, the same for both): "
      "%.1f and %.1f ms" % (rove_nm / sw_nm, rove - rove_nm, sw - sw_nm))
PY
else
	say "rove: missing: nm-rove-service is not built in $ROVE_BUILD_DIR (the NetworkManager service); no rove figures and no ratio"
fi
