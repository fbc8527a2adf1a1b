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

# The integration harness (tests/integration/lib.sh and its parts), copied
# into the share by run.sh: scenarios that run rove against strongSwan
# source it with bash, with ROVE_BIN=$bin/rove.
integ=${ROVE_VM_SHARE:-/run/rove-vm}/integration

# The kernel loads its crypto modules with the first SA that needs them,
# about 7 s for AES-GCM under TCG: an IKE daemon installing that SA would
# stall its IKE_AUTH answer into retransmissions. One SA in a namespace of
# its own, gone with it, pays that before any daemon starts.
esp_warmup() {
	ip netns add rv-warm
	ip -n rv-warm xfrm state add src 127.0.0.1 dst 127.0.0.2 proto esp spi 0x7e57 \
		mode tunnel aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128
	ip netns del rv-warm
}

# ---- rove against strongSwan: called from bash, after $integ/lib.sh ----

# rove's reqids: 0x726f0000 | index (core/xfrm.h); 0x726fffff is the probe.
REQID_MIN=$((0x726f0000))
REQID_MAX=$((0x726ffffe))

# A heading in the log, with the VM's clock (TCG makes time worth seeing).
stage() { say "# [$(cut -d' ' -f1 /proc/uptime) s] $*"; }

# vm_rove_start [--nat]: the network (setup_net), the PKI, the kernel's
# crypto, then the gateway doing ESP in the kernel.
vm_rove_start() {
	need_rove
	integ_init
	stage "network and PKI"
	setup_net "$@"
	make_pki "$WORK/pki"
	stage "the kernel's AES-GCM"
	esp_warmup
	stage "the gateway"
	start_gw "$WORK/gw"
}

# profile_dp NAME DATAPATH: the EAP-MSCHAPv2 profile with datapath=.
profile_dp() {
	write_profile "$1" server="$GW_ADDR" remote-id="$GW_NAME" user="$EAP_USER" \
		ca="$PKI_DIR/ca.pem" datapath="$2" -- password="$EAP_PASSWORD"
}

# status_of NAME PATH...: asks `rove status NAME --json` afresh and prints
# the values at the json_get PATHs on one line (one Python start, not one
# per value: each costs a good fraction of a second under TCG).
status_of() {
	_n=$1
	shift
	rove_status_json "$_n" || return 1
	"$PYTHON" - "$WORK/status-$_n.json" "$@" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
out = []
for path in sys.argv[2:]:
    v = doc
    for k in path.split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    out.append(v if isinstance(v, str) else json.dumps(v))
print(" ".join(out))
PY
}

# xfrm_reqids state|policy: the reqids in the client namespace's SAs or
# policy templates that are in rove's range, one line per object.
xfrm_reqids() {
	ip -n "$NS_C" xfrm "$1" | sed -n 's/.* reqid \([0-9]*\) mode .*/\1/p' |
		awk -v lo=$REQID_MIN -v hi=$REQID_MAX '$1 >= lo && $1 <= hi'
}
xfrm_ours() { xfrm_reqids "$1" | grep -c . || true; }

# sa_current SRC DST SPI: "BYTES PACKETS" the kernel counted on the
# client's SA.
sa_current() {
	ip -s -n "$NS_C" xfrm state get src "$1" dst "$2" proto esp spi "$3" |
		sed -n 's/^[[:space:]]*\([0-9]*\)(bytes),[[:space:]]*\([0-9]*\)(packets).*/\1 \2/p' |
		head -n 1
}

# sa_lifetime SRC DST SPI: "AGE SOFT HARD" of the client's SA 0xSPI as
# `ip -s xfrm state` shows it: seconds since it was added (by the date it
# prints), and its add-expiry limits in seconds (0: none).
sa_lifetime() {
	_l=$(ip -s -n "$NS_C" xfrm state get src "$1" dst "$2" proto esp spi "$3") || return 1
	_add=$(printf '%s\n' "$_l" | sed -n 's/^[[:space:]]*add \([0-9-]* [0-9:]*\) .*/\1/p' | head -n 1)
	_lim=$(printf '%s\n' "$_l" |
		sed -n 's/^[[:space:]]*expire add: soft \([0-9]*\)(sec), hard \([0-9]*\)(sec).*/\1 \2/p' |
		head -n 1)
	[ -n "$_add" ] && [ -n "$_lim" ] || return 1
	echo "$(($(date +%s) - $(date -d "$_add" +%s))) $_lim"
}

# sa_has SRC DST SPI [REGEX]: the client has the SA 0xSPI (and its listing
# matches REGEX). Quiet: the listing holds the keys.
sa_has() {
	ip -n "$NS_C" xfrm state get src "$1" dst "$2" proto esp spi "0x$3" |
		grep -qE -- "${4:-.}"
}

pid_gone() {
	! kill -0 "$1" 2>/dev/null || grep -q ') Z ' "/proc/$1/stat" 2>/dev/null
}

# check_sas SPI_IN SPI_OUT: rove's two ESP SAs (SPIs in hex as status
# prints them) and its out/in/fwd policies in the client namespace, one
# reqid of rove's on all, and the gateway's kernel holding the same SAs.
check_sas() {
	ip -n "$NS_C" xfrm state | grep -v -e '^[[:space:]]*aead' -e '^[[:space:]]*enc ' -e '^[[:space:]]*auth'
	ip -n "$NS_C" xfrm policy
	check "two SAs with rove's reqid in ip xfrm state" test "$(xfrm_ours state)" = 2
	check "three policy templates with rove's reqid in ip xfrm policy" \
		test "$(xfrm_ours policy)" = 3
	check "one reqid on all of them" \
		test "$({ xfrm_reqids state; xfrm_reqids policy; } | sort -u | wc -l)" = 1
	check "the inbound SA 0x$1 comes from the gateway" sa_has "$GW_ADDR" "$CLIENT_ADDR" "$1"
	check "the outbound SA 0x$2 goes to the gateway" sa_has "$CLIENT_ADDR" "$GW_ADDR" "$2"
	check "the gateway's kernel holds both SAs" \
		test "$(ip -n "$NS_G" xfrm state | grep -cE "proto esp spi 0x($1|$2) ")" = 2
}

# check_clean WHEN: nothing of rove's left in the client namespace.
check_clean() {
	check "no SA of rove's $1" test "$(xfrm_ours state)" = 0
	check "no policy of rove's $1" test "$(xfrm_ours policy)" = 0
	check "table 220 empty $1" test -z "$(ip -n "$NS_C" route show table 220)"
	check "no rule for table 220 $1" not sh -c "ip -n '$NS_C' rule | grep -q 'lookup 220'"
	check "no virtual IP $1" not sh -c "ip -n '$NS_C' addr | grep -q ' 10\.3\.0\.'"
}
