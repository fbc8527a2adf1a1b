#!/bin/bash
# Secrets through NetworkManager and a real secret agent (secret-agent.py,
# registered on the box's bus as GNOME Shell's or nmcli --ask's agent is):
# a password that is agent-owned or not saved is not in the connection, so
# NetworkManager asks nm-rove-service (NeedSecrets), then the agent, then
# calls ConnectInteractive with it; the connection comes up and the
# password is written to no connection file and no log. When the gateway
# refuses the agent's password, the service asks again through
# SecretsRequired (hints: the key and NetworkManager's x-vpn-message),
# NetworkManager asks the agent again and NewSecrets brings the next answer:
# a mistyped password costs a prompt, not the connection. A password the
# gateway keeps refusing fails with login-failed and rove's sentence in
# NetworkManager's log and rove-statusd; an agent that answers with the
# refused password again (from a keyring, without asking) is not tried
# again. nmcli --ask does the same on its standard input. One
# NetworkManager for all.
# shellcheck source-path=SCRIPTDIR source=nm.sh
. "$(dirname "$0")/nm.sh"

nm_init
nm_install
nm_installed libexec/nm-rove-service || skip "nm-rove-service is not built (libnm missing?)"
nm_installed libexec/nm-rove-auth-dialog || skip "nm-rove-auth-dialog is not built"
need_tools "$PYTHON"
"$PYTHON" -c "from gi.repository import Gio" 2>/dev/null ||
	skip "python3-gi is missing (the secret agent needs it)"
nm_net
make_pki "$WORK/pki"
start_gw "$WORK/gw"
nm_start

WRONG=not-the-password-$$
AGENT_PID=""
AGENT_LOG=""
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# start_agent NAME ANSWER...: the secret agent in the box, answering in
# turn; its requests go to $WORK/agent-NAME.log.
start_agent() {
	local name=$1
	shift
	AGENT_LOG=$WORK/agent-$name.log
	rm -f "$WORK/agent.ready"
	: >"$AGENT_LOG"
	# nsenter itself, so that $! is the agent's PID
	nsenter -t "$NM_BOX_PID" -m -n -r -w -- "$PYTHON" "$NM_TESTS_DIR/secret-agent.py" \
		"$AGENT_LOG" "$WORK/agent.ready" "$@" >"$WORK/agent-$name.out" 2>&1 &
	AGENT_PID=$!
	PIDS+=("$AGENT_PID")
	wait_for 50 test -e "$WORK/agent.ready" ||
		die "the secret agent did not register: $(cat "$WORK/agent-$name.out")"
}
stop_agent() {
	[ -n "$AGENT_PID" ] && stop_pid "$AGENT_PID"
	AGENT_PID=""
}
asked() { grep -c '"method": "GetSecrets"' "$AGENT_LOG" || true; }
# The Nth request's hints (JSON), e.g. ["password", "x-vpn-message:..."].
hints_of() { sed -n "$(grep -n '"method": "GetSecrets"' "$AGENT_LOG" | sed -n "${1}p" | cut -d: -f1)p" "$AGENT_LOG" |
	"$PYTHON" -c 'import json,sys; print(json.dumps(json.loads(sys.stdin.read())["hints"]))'; }
add_rove() { # name, password-flags
	nm_cli connection add type vpn con-name "$1" vpn-type rove \
		connection.autoconnect no ipv6.method ignore \
		vpn.data "server=$GW_NAME, user=$EAP_USER, ca=$PKI_DIR/ca.pem, routes=$LAN_NET, password-flags=$2" >/dev/null
}
up() { # name: nmcli connection up, timed, its output in $WORK/up.out
	local t0 rc
	t0=$(date +%s%N)
	nm_cli --wait 30 connection up "$1" >"$WORK/up.out" 2>&1 && rc=0 || rc=$?
	say "    nmcli connection up $1 took $(ms_since "$t0") ms"
	return "$rc"
}
keyfile_of() { nm_in grep -lrF "uuid=$(nm_field "$1" connection.uuid)" /run/nm-connections; }
saved_in_keyfile() { # name, secret
	local f
	f=$(keyfile_of "$1") || return 2
	nm_in grep -qF -- "$2" "$f"
}
status_is() { # connection, property, gdbus's rendering of the value
	test "$(nm_status "$(nm_field "$1" connection.uuid)" "$2")" = "($3,)"
}

say "# password-flags=1 (agent-owned): NetworkManager asks the agent"
require "nmcli adds agentpw (password-flags=1, no vpn.secrets)" add_rove agentpw 1
check "without an agent nmcli connection up agentpw fails" not nm_cli --wait 10 connection up agentpw
nm_check_clean "nothing of the failed attempt is left"
start_agent right "$EAP_PASSWORD"
check "with the agent nmcli connection up agentpw" up agentpw
check "NetworkManager shows agentpw activated" nm_active agentpw
asked_for_vpn() { test "$(asked)" = 1 && grep -qF '"setting": "vpn"' "$AGENT_LOG"; }
check "the agent was asked once, for the vpn setting" asked_for_vpn
check "the LAN host answers through the tunnel" lan_reachable
check "agentpw's keyfile ($(keyfile_of agentpw)) does not hold the password" \
	eval 'saved_in_keyfile agentpw "$EAP_PASSWORD"; test $? = 1'
check "nmcli connection down agentpw" nm_cli connection down agentpw
check "the gateway lists no IKE SA after down" wait_for 30 gw_sa_count_is 0
nm_check_clean "nothing of agentpw is left"
stop_agent

say "# a mistyped password: SecretsRequired, the agent again, NewSecrets"
start_agent retry "$WRONG" "$EAP_PASSWORD"
mark=$(nm_log_lines)
check "nmcli connection up agentpw (the agent's first answer is wrong)" up agentpw
check "NetworkManager shows agentpw activated" nm_active agentpw
check "the agent was asked twice" test "$(asked)" = 2
say "    the second request's hints: $(hints_of 2)"
check "... the second time with the hint password" eval 'hints_of 2 | grep -qF "\"password\""'
check "... and the service's message as x-vpn-message" \
	eval 'hints_of 2 | grep -qF "x-vpn-message:The gateway refused the password for the VPN connection \\\"agentpw\\\""'
check "NetworkManager took it as an interactive request of the plugin (SecretsRequired)" \
	test "$(nm_log_count '"agentpw".*secrets: request \(state (connect|need-auth)\)' "$mark")" -ge 1
check "the service says it asks again (1 of 2) in NetworkManager's log" \
	test "$(nm_log_count 'rove: agentpw: asking NetworkManager.s agent for the password again \(1 of 2\)' "$mark")" = 1
check "the refusal's sentence is in NetworkManager's log too" \
	test "$(nm_log_count 'rove: agentpw: connection failed \(auth_failed\): .*password' "$mark")" = 1
check "the LAN host answers through the tunnel" lan_reachable
check "rove-statusd: agentpw is connected" wait_for 30 status_is agentpw State "<'connected'>"
check "nmcli connection down agentpw" nm_cli connection down agentpw
nm_check_clean "nothing of agentpw is left"
stop_agent

say "# passwords the gateway keeps refusing: login-failed, rove's sentence"
start_agent wrong "$WRONG" "$WRONG-2" "$WRONG-3"
mark=$(nm_log_lines)
gwmark=$(gw_log_lines)
check "nmcli connection up agentpw fails" not up agentpw
sed 's/^/    nmcli: /' "$WORK/up.out"
check "nmcli says the secrets were refused (NetworkManager's words for login-failed)" \
	grep -qE "Invalid secrets|[Ll]ogin" "$WORK/up.out"
check "the agent was asked three times (the first answer, then twice again)" test "$(asked)" = 3
check "the gateway saw three attempts (IKE_SA_INIT)" \
	test "$(gw_log_count "$LOG_IKE_SA_INIT" "$gwmark")" = 3
check "NetworkManager names the reason: login failed" \
	test "$(nm_log_count '"agentpw".*(login-failed|Login failed)' "$mark")" -ge 1
check "rove's sentence is in NetworkManager's log for each refusal" \
	test "$(nm_log_count 'rove: agentpw: connection failed \(auth_failed\): .*password' "$mark")" = 3
agentpw_failed() {
	status_is agentpw State "<'failed'>" && status_is agentpw LastFailureReason "<'auth-failed'>" &&
		nm_status "$(nm_field agentpw connection.uuid)" LastFailure | grep -q password
}
check "rove-statusd: agentpw failed with auth-failed and rove's sentence" wait_for 30 agentpw_failed
check "the gateway lists no IKE SA" wait_for 30 gw_sa_count_is 0
nm_check_clean "nothing of the refused attempts is left"
stop_agent

say "# the agent answers the re-ask with the refused password (a keyring, no prompt)"
start_agent same "$WRONG"
mark=$(nm_log_lines)
gwmark=$(gw_log_lines)
check "nmcli connection up agentpw fails" not up agentpw
check "nmcli says the secrets were refused" grep -qE "Invalid secrets|[Ll]ogin" "$WORK/up.out"
check "the agent was asked twice" test "$(asked)" = 2
check "the service did not send it again (NetworkManager's log)" \
	test "$(nm_log_count "rove: agentpw: the agent answered with the password the gateway refused: not sent again" "$mark")" = 1
check "the gateway saw one attempt (IKE_SA_INIT)" \
	test "$(gw_log_count "$LOG_IKE_SA_INIT" "$gwmark")" = 1
check "NetworkManager names the reason: login failed" \
	test "$(nm_log_count '"agentpw".*(login-failed|Login failed)' "$mark")" -ge 1
nm_check_clean "nothing of it is left"
stop_agent

say "# the user declines the second prompt"
start_agent decline "$WRONG" -
mark=$(nm_log_lines)
check "nmcli connection up agentpw fails" not up agentpw
check "the agent was asked twice" test "$(asked)" = 2
check "the refusal's sentence is in NetworkManager's log" \
	test "$(nm_log_count 'rove: agentpw: connection failed \(auth_failed\): .*password' "$mark")" = 1
nm_check_clean "nothing of it is left"
stop_agent

say "# password-flags=2 (not saved): asked at each connect"
require "nmcli adds notsaved (password-flags=2)" add_rove notsaved 2
start_agent notsaved "$EAP_PASSWORD"
check "nmcli connection up notsaved" up notsaved
check "the LAN host answers through the tunnel" lan_reachable
check "nmcli connection down notsaved" nm_cli connection down notsaved
check "nmcli connection up notsaved a second time" up notsaved
check "the agent was asked each time" test "$(asked)" = 2
check "notsaved's keyfile does not hold the password" \
	eval 'saved_in_keyfile notsaved "$EAP_PASSWORD"; test $? = 1'
check "nmcli connection down notsaved" nm_cli connection down notsaved
nm_check_clean "nothing of notsaved is left"
stop_agent

say "# nmcli --ask: the auth dialog's external UI mode, a mistyped line, then the right one"
ask_up() { printf '%s\n%s\n' "$WRONG" "$EAP_PASSWORD" | nm_cli --ask --wait 30 connection up notsaved; }
mark=$(nm_log_lines)
check "nmcli --ask connection up notsaved, a wrong and a right password on stdin" ask_up
check "the service asked again once" \
	test "$(nm_log_count 'rove: notsaved: asking NetworkManager.s agent for the password again' "$mark")" = 1
check "the LAN host answers through the tunnel" lan_reachable
check "nmcli connection down notsaved" nm_cli connection down notsaved
nm_check_clean "nothing of notsaved is left"

say "# ConnectInteractive with the password missing, from a direct caller"
# NetworkManager never calls ConnectInteractive before NeedSecrets and the
# agents are satisfied, so this path of the service is driven as
# NetworkManager would drive it, by vpn-plugin-call.py on the box's bus:
# SecretsRequired with the hint password, NewSecrets, started.
DIRECT_BUS=org.freedesktop.NetworkManager.rove.Direct
nsenter -t "$NM_BOX_PID" -m -n -r -w -- "$ROVE_PREFIX/libexec/nm-rove-service" \
	--bus-name "$DIRECT_BUS" >"$WORK/direct-service.log" 2>&1 &
SVC_PID=$!
PIDS+=("$SVC_PID")
owned() {
	nm_in gdbus call --system -d org.freedesktop.DBus -o /org/freedesktop/DBus \
		-m org.freedesktop.DBus.NameHasOwner "$DIRECT_BUS" 2>/dev/null | grep -q true
}
require "nm-rove-service runs on $DIRECT_BUS" wait_for 50 owned
nsenter -t "$NM_BOX_PID" -m -n -r -w -- "$PYTHON" "$NM_TESTS_DIR/vpn-plugin-call.py" \
	"$DIRECT_BUS" "$WORK/direct.json" "$WORK/direct.stop" "$EAP_PASSWORD" \
	"server=$GW_NAME" "user=$EAP_USER" "ca=$PKI_DIR/ca.pem" "routes=$LAN_NET" "password-flags=2" \
	>"$WORK/direct-call.out" 2>&1 &
CALL_PID=$!
PIDS+=("$CALL_PID")
wait_for 200 test -s "$WORK/direct.json" || true
say "    the caller saw: $(cat "$WORK/direct.json" 2>/dev/null)"
direct() { "$PYTHON" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" "$WORK/direct.json"; }
check "ConnectInteractive returned without an error" direct 'd["error"] is None'
check "SecretsRequired came once, with the hints [password]" \
	direct 'len(d["secrets_required"]) == 1 and d["secrets_required"][0]["hints"] == ["password"]'
check "... and a message naming the connection" \
	direct '"\"direct\"" in d["secrets_required"][0]["message"]'
check "after NewSecrets the service started (state 4) and reported an address from the pool" \
	direct 'd["states"][-1] == 4 and d["ip4"] and d["ip4"].startswith("10.3.0.")'
check "the gateway lists the IKE SA (NewSecrets' password was used)" gw_has_sa_from "${CLIENT_ADDR}["
touch "$WORK/direct.stop"
check "the caller disconnected and exited 0" wait "$CALL_PID"
check "the gateway lists no IKE SA after Disconnect" wait_for 30 gw_sa_count_is 0
stop_pid "$SVC_PID"
nm_check_clean "nothing of the direct connection is left"

say "# no secret in any log or connection file"
for s in "$EAP_PASSWORD" "$WRONG" "$WRONG-2" "$WRONG-3"; do
	check "'${s:0:3}...${s: -2}' is in no log of the box (NetworkManager, the services, charon-nm, the agent)" \
		not grep -rqF -- "$s" "$NM_DIR" "$WORK"/agent-*.log "$WORK/direct-service.log"
	check "... nor in the gateway's log" not grep -qF -- "$s" "$GW_DIR/charon.log"
	check "... nor in any connection file" not nm_in grep -rqF -- "$s" /run/nm-connections
done
nm_finish
