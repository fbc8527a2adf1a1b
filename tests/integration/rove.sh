# shellcheck shell=bash
# Driving rove (sourced by lib.sh). ROVE_BIN names the binary (meson passes
# the built one). Every call runs in the client namespace with
# ROVE_RUN_DIR and ROVE_CONFIG_DIR inside the run's directory, so the
# session process `rove up` leaves behind is found again by `rove status`
# and `rove down`, and nothing touches the host's /run/rove or /etc/rove.

ROVE_BIN=${ROVE_BIN:-}
PROFILE_DIR=""

need_rove() {
	[ -n "$ROVE_BIN" ] || skip "ROVE_BIN is not set"
	[ -x "$ROVE_BIN" ] || skip "$ROVE_BIN is not built"
}

# run_client CMD...: a command in the client namespace, with rove's
# directories set.
run_client() {
	ip netns exec "$NS_C" env ROVE_RUN_DIR="$RUN_DIR" ROVE_CONFIG_DIR="$PROFILE_DIR" "$@"
}

# rove ARGS...: rove in the client namespace. Its output goes where the
# caller redirects it; never capture `rove up` with $(...): the session
# process it leaves running may hold the pipe open.
rove() {
	# Every session logs verbosely, so the suite's closing secrets check
	# (tests/secrets-check.sh) sees everything rove would ever log.
	if [ "${1:-}" = up ]; then
		shift
		set -- up -v "$@"
	fi
	run_client "$ROVE_BIN" "$@"
}

# rove_to NAME ARGS...: runs rove with stdout in $WORK/NAME.out and stderr
# in $WORK/NAME.err (both also echoed, indented, for the test log); returns
# rove's exit code.
rove_to() {
	local out=$WORK/$1 rc=0
	shift
	rove "$@" >"$out.out" 2>"$out.err" </dev/null || rc=$?
	say "\$ rove $* -> exit $rc"
	sed 's/^/    /' "$out.out" "$out.err"
	return "$rc"
}

# write_profile NAME KEY=VALUE... [-- SECRET-KEY=VALUE...]: writes
# PROFILE_DIR/NAME.conf, mode 600, keys under [vpn] and the ones after --
# under [vpn-secrets]. Prints the path.
write_profile() {
	local name=$1 path section="[vpn]"
	shift
	PROFILE_DIR=${PROFILE_DIR:-$WORK/profiles}
	mkdir -p "$PROFILE_DIR"
	path=$PROFILE_DIR/$name.conf
	(
		umask 077
		printf '%s\n' "$section" >"$path"
		for kv in "$@"; do
			if [ "$kv" = -- ]; then
				printf '%s\n' "[vpn-secrets]" >>"$path"
				section="[vpn-secrets]"
			else
				printf '%s\n' "$kv" >>"$path"
				[ "$section" = "[vpn]" ] || secret_used "${kv#*=}"
			fi
		done
	)
	chmod 600 "$path"
	echo "$path"
}

# The profiles the tests use, against the gateway of start_gw.
profile_eap() { # name [ca file] [password]
	write_profile "$1" server="$GW_ADDR" remote-id="$GW_NAME" user="$EAP_USER" \
		ca="${2:-$PKI_DIR/ca.pem}" -- password="${3:-$EAP_PASSWORD}"
}
profile_psk_cert() { # name: PSK from us, the gateway proves itself by certificate
	write_profile "$1" server="$GW_ADDR" remote-id="$GW_NAME" auth=psk \
		local-id="$PSK_ID_CERT" ca="$PKI_DIR/ca.pem" -- psk="$PSK_SECRET"
}
profile_psk() { # name: PSK both ways, no ca
	write_profile "$1" server="$GW_ADDR" remote-id="$GW_NAME" auth=psk \
		local-id="$PSK_ID_PSK" -- psk="$PSK_SECRET"
}

# rove_status_json NAME: writes $WORK/status-NAME.json; fails when rove does.
rove_status_json() {
	local f
	# the session's state files as they are now, for the secrets check
	for f in "$RUN_DIR"/*.state; do
		[ -f "$f" ] && cp "$f" "$WORK/state-${f##*/}"
	done
	rove status "$1" --json >"$WORK/status-$1.json" 2>"$WORK/status-$1.err" </dev/null
}

# Whether `rove status NAME` finds the session.
rove_is_up() {
	rove status "$1" --json </dev/null >/dev/null 2>&1
}

# Whether `rove status --json` answers with an empty list.
rove_lists_no_session() {
	rove status --json </dev/null >"$WORK/status-all.json" &&
		test "$(json_len "$WORK/status-all.json" "")" = 0
}

# Whether an address is in the gateway's pool 10.3.0.0/24.
in_pool() { [[ $1 =~ ^10\.3\.0\.[0-9]+$ ]]; }

# Whether the run directory holds a live session's files.
run_dir_clean() {
	! ls "$RUN_DIR"/*.sock "$RUN_DIR"/*.pid >/dev/null 2>&1
}

# Whether no process is left in the client namespace.
client_ns_idle() {
	[ -z "$(ip netns pids "$NS_C" 2>/dev/null)" ]
}
