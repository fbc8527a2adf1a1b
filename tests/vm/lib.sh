# Sourced by the scenarios inside the VM: two network namespaces joined by
# a veth pair, standing for the client (rva, 192.0.2.1) and the gateway
# (rvb, 192.0.2.2), and small checks. Runs as root, set -eu.
A=192.0.2.1
B=192.0.2.2
VIP=10.3.0.5
LAN=10.1.0.1
bin=${ROVE_VM_SHARE:-/run/rove-vm}/bin

say() { echo "--- [$(cut -d' ' -f1 /proc/uptime)] $*"; }
fail() { echo "FAIL: $*"; exit 1; }

pair_up() {
	ip netns add rva
	ip netns add rvb
	ip link add va netns rva type veth peer name vb netns rvb
	ip -n rva addr add $A/24 dev va
	ip -n rvb addr add $B/24 dev vb
	for ns in rva rvb; do ip -n $ns link set lo up; done
	ip -n rva link set va up
	ip -n rvb link set vb up
}

pair_down() {
	ip netns del rva 2>/dev/null || true
	ip netns del rvb 2>/dev/null || true
}

# The packets an SA counted: sa_packets NS SRC DST SPI
sa_packets() {
	ip -s -n $1 xfrm state get src $2 dst $3 proto esp spi $4 |
		sed -n 's/^[[:space:]]*[0-9]*(bytes),[[:space:]]*\([0-9]*\)(packets).*/\1/p' | head -n 1
}

# expect_moved NS SRC DST SPI: the SA carried at least one packet.
expect_moved() {
	n=$(sa_packets "$@")
	echo "SA $4 in $1: ${n:-?} packets"
	[ "${n:-0}" -gt 0 ] || fail "SA $4 in $1 carried nothing"
}

# expect_clean NS: nothing of ours left in the namespace.
expect_clean() {
	[ -z "$(ip -n $1 xfrm state)" ] || { ip -n $1 xfrm state; fail "SAs left in $1"; }
	[ -z "$(ip -n $1 xfrm policy)" ] || { ip -n $1 xfrm policy; fail "policies left in $1"; }
	[ -z "$(ip -n $1 route show table 220)" ] || fail "routes left in table 220 of $1"
	! ip -n $1 rule | grep -q 'lookup 220' || fail "rule left in $1"
	! ip -n $1 addr | grep -q "inet $VIP/" || fail "virtual IP left in $1"
}
