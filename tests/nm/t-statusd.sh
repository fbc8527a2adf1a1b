#!/bin/bash
# rove-statusd on the box's system bus, installed by `meson install` and
# started by D-Bus activation from its installed .service file, driven by
# status-push (status-client.h, as nm-rove-service pushes): root updates,
# an ordinary user (nobody) reads and cannot update, PropertiesChanged
# carries each real change and nothing else, the state survives a restart
# through its files, and it exits when idle with no active connection.
# STATUS_PUSH names the tool (meson passes it).
# shellcheck source-path=SCRIPTDIR source=nm.sh
. "$(dirname "$0")/nm.sh"

nm_init
need_tools gdbus
[ -x "${STATUS_PUSH:-}" ] || skip "STATUS_PUSH is not built"
nm_install
nm_installed libexec/rove-statusd || skip "rove-statusd is not built (needs libnm and json-glib)"
# dbus-daemon hands its environment to the services it starts
export ROVE_STATUS_DIR=$WORK/status ROVE_STATUSD_IDLE_SECONDS=1
add_ns "$NS_C"
nm_box

U1=0f6b2c9e-1d2a-4c3b-9e8f-7a6b5c4d3e21
P1=/org/rove/Status1/connection/${U1//-/_}
IFACE=org.rove.Status1.Connection

push() { nm_in "$STATUS_PUSH" "$@" >>"$WORK/push.out" 2>&1; }
as_nobody() { nm_as nobody "$@"; }
# get PROP [as_nobody]: one property, as gdbus prints it ("('connected',)")
get() {
	${2:-nm_in} gdbus call --system -d org.rove.Status1 -o "$P1" \
		-m org.freedesktop.DBus.Properties.Get "$IFACE" "$1" 2>&1
}
get_nobody() { nm_status "$U1" "$1"; }
owner_pid() {
	nm_in gdbus call --system -d org.freedesktop.DBus -o /org/freedesktop/DBus \
		-m org.freedesktop.DBus.GetConnectionUnixProcessID org.rove.Status1 2>/dev/null |
		sed -n 's/^(uint32 \([0-9]*\),)$/\1/p'
}
running() { [ -n "$(owner_pid)" ]; }
not_running() { ! running; }
# update_as [as_nobody] UUID DICT: a raw Update call through gdbus
update_as() {
	local who=$1
	shift
	${who:-nm_in} gdbus call --system -d org.rove.Status1 -o /org/rove/Status1 \
		-m org.rove.Status1.Update "$@" >"$WORK/update.out" 2>&1
}

say "# activation and Update as root"
check "rove-statusd is not running before the first call" not_running
require "root pushes a connecting state" push "$U1" State=connecting Id=work Gateway=$GW_NAME
check "D-Bus activation started the installed rove-statusd" running
check "... which wrote $ROVE_STATUS_DIR/$U1.json" test -s "$ROVE_STATUS_DIR/$U1.json"

say "# reading as nobody"
check "nobody reads State" test "$(get_nobody State)" = "(<'connecting'>,)"
all=$(as_nobody gdbus call --system -d org.rove.Status1 -o "$P1" \
	-m org.freedesktop.DBus.Properties.GetAll "$IFACE" 2>&1 || true)
check "nobody reads all properties (Id, Gateway, defaults)" \
	grep -q "'Id': <'work'>, 'State': <'connecting'>, 'Gateway': <'$GW_NAME'>.*'Nat': <false>.*'BytesIn': <uint64 0>.*'Rekeys': <uint32 0>" <<<"$all"
objs=$(as_nobody gdbus call --system -d org.rove.Status1 -o /org/rove/Status1 \
	-m org.freedesktop.DBus.ObjectManager.GetManagedObjects 2>&1 || true)
check "nobody lists the connection through the ObjectManager" grep -qF "objectpath '$P1'" <<<"$objs"

say "# Update refused"
check "nobody cannot Update" not update_as as_nobody "$U1" "{'State': <'failed'>}"
check "... the bus refuses it (its policy)" grep -q "AccessDenied: Rejected send message" "$WORK/update.out"
check "nobody cannot Forget" not as_nobody gdbus call --system -d org.rove.Status1 \
	-o /org/rove/Status1 -m org.rove.Status1.Forget "$U1"
check "... and the state is unchanged" test "$(get_nobody State)" = "(<'connecting'>,)"
check "an unknown property is refused" not update_as "" "$U1" "{'Colour': <'red'>}"
check "... naming it" grep -q "no property Colour" "$WORK/update.out"
check "a value of the wrong type is refused" not update_as "" "$U1" "{'BytesIn': <'many'>}"
check "a State outside the contract is refused" not update_as "" "$U1" "{'State': <'up'>}"
check "a path-unsafe UUID is refused" not update_as "" "../x" "{'State': <'connected'>}"
check "a refused Update changes nothing (all or nothing)" \
	not update_as "" "$U1" "{'State': <'failed'>, 'Colour': <'red'>}"
check "... State is still connecting" test "$(get State)" = "(<'connecting'>,)"

say "# PropertiesChanged"
as_nobody gdbus monitor --system -d org.rove.Status1 -o "$P1" >"$WORK/monitor.out" 2>&1 &
mon=$!
PIDS+=("$mon")
wait_for 50 grep -qi "monitoring" "$WORK/monitor.out" || true
sleep 0.3 # the monitor's match rule reaches the bus after its first line
require "root pushes connected with counters" push "$U1" State=connected BytesIn=1000 \
	VirtualIp4=10.3.0.1 Dns=10.1.0.53 Nat=false
check "nobody's monitor sees the change" \
	wait_for 50 grep -q "'State': <'connected'>" "$WORK/monitor.out"
check "... with only the values that changed (Nat stayed false)" \
	not grep -q "'Nat'" "$WORK/monitor.out"
check "the client leaves out values it pushed already" \
	test "$(tail -n 1 "$WORK/push.out")" = "again: nothing to push"
check "an Update with the same values succeeds" update_as "" "$U1" "{'State': <'connected'>, 'BytesIn': <uint64 1000>}"
require "root pushes a rekey" push "$U1" Rekeys=1
check "the monitor sees the rekey" wait_for 50 grep -q "'Rekeys': <uint32 1>" "$WORK/monitor.out"
check "... and no signal for the Update that changed nothing" \
	test "$(grep -c "'State': <'connected'>" "$WORK/monitor.out")" = 1
stop_pid "$mon"

say "# a restart keeps the state"
require "root pushes a failure" push "$U1" State=failed \
	"LastFailure=the gateway refused the password for alice" LastFailureReason=auth-failed \
	LastFailureTime=1790000000
pid=$(owner_pid)
stop_pid "$pid"
check "rove-statusd ($pid) stopped" not_running
check "nobody reads the last failure after the restart (activation)" \
	test "$(get_nobody LastFailure)" = "(<'the gateway refused the password for alice'>,)"
check "... its reason and time" \
	test "$(get_nobody LastFailureReason) $(get_nobody LastFailureTime)" = "(<'auth-failed'>,) (<uint64 1790000000>,)"
check "... and the counters" test "$(get_nobody BytesIn)" = "(<uint64 1000>,)"
check "a new rove-statusd answered" test -n "$(owner_pid)" -a "$(owner_pid)" != "$pid"

say "# idle exit"
require "root pushes connecting again" push "$U1" State=connecting
sleep 2.5 # more than the idle time (1 s): the connection keeps it running
check "rove-statusd stays while a connection is active" running
require "root pushes disconnected" push "$U1" State=disconnected
check "rove-statusd exits when idle with none active" wait_for 100 not_running
check "a reader brings it back with the state" test "$(get_nobody State)" = "(<'disconnected'>,)"

say "# Forget"
require "root forgets the connection" push "$U1" --forget
check "the object is gone" not get State
check "... and its file" test ! -e "$ROVE_STATUS_DIR/$U1.json"
finish
