#!/bin/bash
# rove in one minute: starts a throwaway strongSwan gateway in network
# namespaces, connects to it with `rove up`, shows `rove status`, and tears
# everything down again. Needs root; touches nothing outside the
# namespaces and a temporary directory.
#
#   bash tests/demo.sh            uses ROVE_BIN, default build/client/rove
#   bash tests/demo.sh --install  first installs the Debian packages
#                                 (tests/install-deps.sh) and builds build/
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" != 0 ]; then
	echo "demo: run me as root: I create network namespaces and a gateway" >&2
	exit 1
fi
# A failed step says which one, and what to install or check.
fail() { printf 'demo: %s\n' "$@" >&2; exit 1; }
if [ "${1:-}" = --install ]; then
	echo "== installing the Debian packages rove needs (tests/install-deps.sh)"
	bash "$root/tests/install-deps.sh" ||
		fail "installing packages failed (tests/install-deps.sh said why above)."
	echo "== building rove in build/"
	if [ ! -d "$root/build" ]; then
		meson setup "$root/build" >"$root/build.setup.log" 2>&1 || {
			tail -n 15 "$root/build.setup.log" >&2
			rm -rf "$root/build"
			fail "meson setup failed (above): a missing library is a missing -dev" \
				"package; run 'bash tests/install-deps.sh' as root, then try again."
		}
	fi
	ninja -C "$root/build" >"$root/build.log" 2>&1 || {
		tail -n 25 "$root/build.log" >&2
		fail "the build failed; the whole log is in build.log. A missing header" \
			"is a missing -dev package: 'bash tests/install-deps.sh' installs them."
	}
fi
export ROVE_BIN=${ROVE_BIN:-$root/build/client/rove}
if [ ! -x "$ROVE_BIN" ]; then
	echo "demo: $ROVE_BIN is not built: run 'meson setup build && ninja -C build'," >&2
	echo "      or 'bash tests/demo.sh --install'" >&2
	exit 1
fi

# shellcheck source=tests/integration/lib.sh
. "$root/tests/integration/lib.sh"

CURRENT_STEP=""
step() { CURRENT_STEP=$*; printf '\n== %s\n' "$*"; }
# A command of a step that fails with nothing said: name the step.
trap 'echo "demo: the step \"$CURRENT_STEP\" failed (exit $?); the lines above say where" >&2' ERR
# A missing tool is an error here, not a skipped test.
HARNESS_STRICT=1
indent() { sed 's/^/    /'; }

integ_init
step "a network in namespaces: client $NS_C, gateway $NS_G, LAN host $NS_L"
setup_net
say "client $CLIENT_ADDR  ->  gateway $GW_ADDR (strongSwan)  ->  LAN $LAN_NET (host $LAN_HOST)"
say "the gateway forwards to its LAN only what comes out of the tunnel"

step "a CA and the gateway's certificate for $GW_NAME"
make_pki "$WORK/pki"
start_gw "$WORK/gw"
say "strongSwan gateway running (pid $GW_PID): EAP-MSCHAPv2, pool $POOL, DNS $LAN_DNS"

step "the profile"
PROFILE_DIR=$WORK/profiles # profile_eap runs in a subshell: rove looks names up here
profile=$(profile_eap demo)
say "$profile:"
sed 's/^\(password\|psk\)=.*/\1=********/' "$profile" | indent

step "rove up"
if ! rove_to up up demo; then
	say ""
	say "rove up failed; the gateway's log ends with:"
	tail -n 15 "$GW_DIR/charon.log" | indent
	exit 1
fi

step "rove status"
rove status </dev/null | indent
rove status demo --json </dev/null >"$WORK/status.json"
"$PYTHON" -m json.tool "$WORK/status.json" | indent

datapath=$(json_get "$WORK/status.json" datapath)
step "ping $LAN_HOST through the tunnel ($datapath datapath)"
in_ns "$NS_C" ping -c 3 -i 0.2 -W 2 "$LAN_HOST" | indent || say "    no answer"

step "the gateway's view (swanctl --list-sas)"
gw_sas | indent

step "rove down"
rove_to down down demo || exit 1

step "tearing down the namespaces and the gateway"
teardown
say "done"
