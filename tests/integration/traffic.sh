# shellcheck shell=bash
# Traffic through the tunnel (sourced by lib.sh): a TCP transfer to the LAN
# host and what rove leaves in the client namespace.

PY=/usr/bin/python3 # not a pyenv shim: those take a quarter second a call

# tcp_transfer BYTES: sends BYTES from the client to the LAN host over TCP
# and succeeds when the server counted exactly that many.
# tcp_sink PORT FILE: a server on the LAN host, in the background, that
# takes one connection and writes the number of bytes it received to FILE.
tcp_sink() {
	in_ns "$NS_L" "$PY" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(1); s.settimeout(20)
c, _ = s.accept(); c.settimeout(20); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    n += len(b)
open(sys.argv[2], "w").write(str(n))
' "$1" "$2" &
	PIDS+=("$!")
}

tcp_transfer() {
	local bytes=$1 out=$WORK/tcp-received port=5001 i
	rm -f "$out"
	tcp_sink "$port" "$out"
	for i in $(seq 50); do
		in_ns "$NS_L" ss -ltn | grep -q ":$port " && break
		sleep 0.1
	done
	in_ns "$NS_C" "$PY" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
chunk = bytes(range(256)) * 256; left = int(sys.argv[3])
while left > 0:
    n = min(left, len(chunk)); s.sendall(chunk[:n]); left -= n
s.close()
' "$LAN_HOST" "$port" "$bytes" || return 1
	wait_for 20 test -s "$out" || return 1
	[ "$(cat "$out")" = "$bytes" ]
}

# What a session leaves in the client namespace: TUN devices, rove's
# routes (protocol 181) and rule, addresses from the pool.
# forge_esp SPI-HEX SEQ PORT: one ESP-in-UDP packet to the client's NAT-T
# PORT, sent from inside the client namespace, with the inbound SA's SPI and
# the sequence number SEQ but a body and ICV that no key made. The datapath
# must refuse it and count it: as a replay when SEQ is one it has seen or
# is older than the window, else as forged.
forge_esp() {
	in_ns "$NS_C" "$PY" - "$CLIENT_ADDR" "$3" "$1" "$2" <<'PY'
import socket, struct, sys
addr, port, spi, seq = sys.argv[1], int(sys.argv[2]), int(sys.argv[3], 16), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(struct.pack("!II", spi, seq) + bytes(range(64)), (addr, port))
PY
}

# forge_replay_and_forged SPI-HEX PORT: a replay (sequence number 1, which
# the SA has seen or left behind its window) and two forged packets (far
# ahead of the window, so only the ICV can refuse them).
forge_replay_and_forged() {
	forge_esp "$1" 1 "$2"
	forge_esp "$1" 2000000000 "$2"
	forge_esp "$1" 2000000001 "$2"
}

# dropped_is NAME REPLAY AUTH: session NAME's status says its first CHILD SA
# refused REPLAY packets as replays and AUTH as forged.
dropped_is() {
	local j=$WORK/status-$1.json
	rove_status_json "$1" &&
		test "$(json_get "$j" children.0.dropped_replay) $(json_get "$j" children.0.dropped_auth)" = "$2 $3"
}

tun_devices() { ip -n "$NS_C" -o link show | grep -c ': rove-' || true; }
rove_routes() { ip -n "$NS_C" route show table all proto 181 | grep -c . || true; }
rove_rules() { ip -n "$NS_C" rule show | grep -c 'lookup 220' || true; }
client_has_nothing_left() {
	[ "$(tun_devices)" = 0 ] && [ "$(rove_routes)" = 0 ] && [ "$(rove_rules)" = 0 ] &&
		! ip -n "$NS_C" addr show | grep -q ' 10\.3\.0\.'
}

# A process is gone once it has exited, even if nobody reaps the zombie
# (here the session's parent is whatever adopted it).
pid_gone() {
	[ ! -e "/proc/$1" ] || awk '{ exit !($0 ~ /\) Z /) }' "/proc/$1/stat" 2>/dev/null
}
