# shellcheck shell=bash source-path=SCRIPTDIR
# The integration-test harness: sourced by every t-*.sh, tests/demo.sh and
# bench/connect.sh. Builds a small internet out of network namespaces, runs
# a real strongSwan gateway in it and drives rove (or a strongSwan client)
# against it.
#
# Everything a run creates carries the suffix $$ (namespaces rc-$$, rg-$$,
# rl-$$, rn-$$) and lives under one temporary directory, so two runs never
# collide; cleanup (on EXIT) stops what this run started, by PID, deletes
# the namespaces and removes the directory, whether the test passed or not.
#
# Conventions: functions print what they do on stdout only when it helps a
# reader of the test log; failures of the harness itself end the script
# with exit 1 through die(). A test ends with finish (exit 0 or 1).

set -eu

INTEG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Addresses (RFC 5737 documentation ranges outside, private ones inside).
SUFFIX=$$
NS_C=rc-$SUFFIX  # client
NS_G=rg-$SUFFIX  # gateway
NS_L=rl-$SUFFIX  # host on the gateway's LAN
NS_N=rn-$SUFFIX  # NAT box (setup_net --nat)
NS_G2=rg2-$SUFFIX # a second gateway (t-redirect.sh)
NS_L2=rl2-$SUFFIX # the host on the second gateway's LAN
POOL=10.3.0.0/24
LAN_NET=10.1.0.0/16
LAN_GW=10.1.0.1
LAN_HOST=10.1.0.10
LAN_DNS=10.1.0.53
GW_NAME=gw.rove.test
GW_IKE_PROPOSALS=${GW_IKE_PROPOSALS:-} # the gateway's IKE proposals (default: strongSwan's)
GW_ESP_PROPOSALS=${GW_ESP_PROPOSALS:-} # and its ESP proposals
GW_LOCAL_TS=${GW_LOCAL_TS:-} # what the gateway offers (default: its LAN)
GW_REAUTH_TIME=${GW_REAUTH_TIME:-} # the eap connection's reauth_time (AUTH_LIFETIME to the client)
GW_FRAGMENTATION=${GW_FRAGMENTATION:-} # the eap connection's fragmentation (yes, force; default yes)
GW_CA_CERTS=${GW_CA_CERTS:-} # more CA certificates from PKI_DIR for the gateway (names)
GW_POOL_EXTRA=${GW_POOL_EXTRA:-} # more attributes of the gateway's pool (swanctl.conf lines)
EAP_USER=alice
EAP_PASSWORD=alice-password-123
PSK_SECRET=rove-integration-psk-6d1f0c2a9b
PSK_ID_CERT=client@rove.test # the gateway answers this one with its certificate
PSK_ID_PSK=client-psk@rove.test # and this one with the PSK
CHARON=${CHARON:-/usr/lib/ipsec/charon}
# The system's Python when there is one: tests call it often, and version
# managers' shims take a quarter of a second per call.
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3 || echo python3)}

WORK=""          # the run's temporary directory
RUN_DIR=""       # ROVE_RUN_DIR of every rove call
GW_ADDR=""       # the gateway's outer address as the client reaches it
CLIENT_ADDR=""   # the client's outer address
NAT_OUTER=""     # the NAT box's outer address (what the gateway sees)
PIDS=()          # daemons this run started, stopped by cleanup
FAILED=0

say() { printf '%s\n' "$*"; }
die() {
	say "harness error: $*" >&2
	exit 1
}
skip() {
	say "SKIP: $*"
	exit 77
}

# A test's assertions: "ok - what" or "not ok - what"; finish turns the
# count into the exit code.
pass() { say "ok - $*"; }
flunk() {
	say "not ok - $*"
	FAILED=$((FAILED + 1))
}
check() { # description, command...
	local what=$1
	shift
	if "$@"; then pass "$what"; else flunk "$what"; fi
}
not() { ! "$@"; }

# A check the rest of the test depends on: on failure the test ends here.
require() { # description, command...
	local what=$1
	shift
	if "$@"; then
		pass "$what"
	else
		flunk "$what"
		finish
	fi
}
finish() {
	# A session process built with sanitizers reports into its log.
	if [ -n "$RUN_DIR" ] && grep -sqE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$RUN_DIR"/*.log; then
		flunk "no sanitizer report in the session logs"
	fi
	if [ "$FAILED" -gt 0 ]; then
		say "FAIL: $FAILED check(s) failed"
		show_logs
		exit 1
	fi
	say "PASS"
	exit 0
}

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
}
# The Debian package that brings a tool the harness calls.
tool_package() {
	case ${1##*/} in
	ip) echo iproute2 ;;
	nft) echo nftables ;;
	unshare) echo util-linux ;;
	ping) echo iputils-ping ;;
	python3) echo python3 ;;
	pki) echo strongswan-pki ;;
	swanctl) echo strongswan-swanctl ;;
	charon) echo strongswan-charon ;;
	tcpdump) echo tcpdump ;;
	iperf3) echo iperf3 ;;
	openssl) echo openssl ;;
	*) echo "the package providing $1" ;;
	esac
}
# A missing tool skips the test (exit 77), or ends a script that cannot do
# without it (HARNESS_STRICT=1, the demo) with an error; either way the
# message names the package and the command that installs it.
need_tools() {
	local t why
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || [ -x "$t" ] && continue
		why="$t is not installed: install $(tool_package "$t") (as root: bash tests/install-deps.sh)"
		[ -n "${HARNESS_STRICT:-}" ] && die "$why"
		skip "$why"
	done
}

# Root, the tools, a work directory and the exit trap. Call once, first.
integ_init() {
	need_root
	need_tools ip nft unshare ping "$PYTHON" pki swanctl "$CHARON"
	WORK=$(mktemp -d /tmp/rove-integ.XXXXXX)
	RUN_DIR=$WORK/run
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# Stops one process we started: SIGTERM, up to 5 s, then SIGKILL.
stop_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# Everything in our namespaces was started by this run (the names carry
# $$): the recorded daemons first, then whatever rove left behind there.
teardown() {
	local pid ns
	for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
	PIDS=()
	for ns in "$NS_C" "$NS_N" "$NS_L" "$NS_G" "$NS_L2" "$NS_G2"; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do stop_pid "$pid"; done
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "/etc/netns/$NS_C" 2>/dev/null
	rmdir /etc/netns 2>/dev/null # only when no other namespace has files there
}

# Secrets hygiene: every scenario leaves what rove wrote (session logs, state
# files, its output and status documents) and the list of secrets it used
# under $ROVE_TEST_EVIDENCE (meson sets it), where tests/secrets-check.sh,
# the suite's last step, looks for those secrets in all of it.
secret_used() { # SECRET...: a password, PSK or key password this run used
	[ -n "$WORK" ] || return 0
	printf '%s\n' "$@" >>"$WORK/secrets.list"
}
keep_evidence() {
	local dest f
	[ -n "${ROVE_TEST_EVIDENCE:-}" ] && [ -n "$WORK" ] && [ -d "$WORK" ] || return 0
	dest=$ROVE_TEST_EVIDENCE/$(basename "$0" .sh)-$SUFFIX
	mkdir -p "$dest" || return 0
	# rove's own files: never the profiles or key files, which hold the
	# secrets on purpose, nor the gateway's logs.
	find "$WORK" -path "$WORK/gw*" -prune -o -path "$WORK/sw" -prune -o \
		-path "${PROFILE_DIR:-$WORK/profiles}" -prune -o -path "${PKI_DIR:-$WORK/pki}" -prune -o \
		-type f \( -path "$RUN_DIR/*" -o -name '*.out' -o -name '*.err' -o -name '*.json' \
		-o -name '*.state' \) \
		-print 2>/dev/null | while read -r f; do
		cp "$f" "$dest/$(echo "${f#"$WORK"/}" | tr / _)" 2>/dev/null
	done
	{
		printf '%s\n' "$EAP_PASSWORD" "$PSK_SECRET"
		cat "$WORK/secrets.list" 2>/dev/null
		# private keys: the lines of their PEM encoding
		find "$WORK" -name '*.key' -type f -exec grep -hvE '^-----|^$' {} + 2>/dev/null
	} >"$dest/secrets.list"
}

cleanup() {
	local rc=$?
	set +e
	teardown
	keep_evidence
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		if [ -n "${ROVE_INTEG_KEEP:-}" ]; then
			say "kept $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}

# The last lines of every log of the run, for a failed test's output.
show_logs() {
	local f
	for f in "$WORK"/gw/charon.log "$WORK"/sw/charon.log "$RUN_DIR"/*.log; do
		[ -s "$f" ] || continue
		say "--- tail of ${f#"$WORK"/}"
		# without charon's configuration dump and vici chatter
		grep -vE '\[CFG\] (  |vici client)' "$f" | tail -n 25
	done
}

# Waits up to $1 tenths of a second for a command to succeed.
wait_for() {
	local tries=$1 i
	shift
	for i in $(seq "$tries"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# Prints a value of a JSON document: json_get FILE children.0.remote_ts.
# Strings come out raw, everything else as JSON (true, ["10.3.0.1"]).
json_get() {
	"$PYTHON" - "$1" "$2" <<'PY'
import json, sys
try:
    v = json.load(open(sys.argv[1]))
    for k in [k for k in sys.argv[2].split(".") if k]:
        v = v[int(k)] if isinstance(v, list) else v[k]
except (ValueError, KeyError, IndexError, TypeError, OSError) as e:
    sys.exit("json_get %s: %s: %r" % (sys.argv[2], type(e).__name__, e))
print(v if isinstance(v, str) else json.dumps(v))
PY
}

# json_has FILE PATH VALUE: whether the list at PATH holds the string VALUE.
json_has() {
	"$PYTHON" - "$@" <<'PY'
import json, sys
try:
    v = json.load(open(sys.argv[1]))
    for k in [k for k in sys.argv[2].split(".") if k]:
        v = v[int(k)] if isinstance(v, list) else v[k]
except (ValueError, KeyError, IndexError, TypeError, OSError) as e:
    sys.exit("json_has %s: %s: %r" % (sys.argv[2], type(e).__name__, e))
sys.exit(0 if isinstance(v, list) and sys.argv[3] in v else 1)
PY
}

# json_len FILE PATH: the length of the list at PATH.
json_len() {
	json_get "$1" "$2" | "$PYTHON" -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

# shellcheck source=net.sh
. "$INTEG_DIR/net.sh"
# shellcheck source=pki.sh
. "$INTEG_DIR/pki.sh"
# shellcheck source=strongswan.sh
. "$INTEG_DIR/strongswan.sh"
# shellcheck source=rove.sh
. "$INTEG_DIR/rove.sh"
# shellcheck source=traffic.sh
. "$INTEG_DIR/traffic.sh"
