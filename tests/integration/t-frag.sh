#!/bin/bash
# IKE fragmentation (RFC 7383) against a gateway whose IKE_AUTH answer no
# longer fits a packet: an RSA-3072 certificate under an RSA-3072
# intermediate and root, strongSwan's fragment_size at 600 bytes, and the
# network between client and gateway dropping every IP fragment, so only
# IKE fragments get through. rove reassembles the gateway's fragments; with
# fragment-size lowered in the profile its own IKE_AUTH requests go as
# fragments too, and the gateway reassembles them.
# The helpers below run through require and check:
# shellcheck disable=SC2317
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
setup_net
make_pki "$WORK/pki"
make_pki_chain3 "$PKI_DIR"
GW_CA_CERTS="root3 int3"
GW_FRAGMENTATION=yes
start_gw "$WORK/gw" --cert gw3 --charon "fragment_size = 600"

# IP fragments (first or later) die before reassembly on either side:
# prerouting at -500 runs before conntrack's defragmentation (-400).
drop_ip_fragments() { # namespace
	in_ns "$1" nft -f - <<'EOF2'
table inet rove_nofrag {
	chain pre {
		type filter hook prerouting priority -500; policy accept;
		iifname "out0" ip frag-off & 0x3fff != 0 counter drop
	}
}
EOF2
}
ip_fragments_dropped() { # namespace
	in_ns "$1" nft list chain inet rove_nofrag pre |
		sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'
}
drop_ip_fragments "$NS_G"
drop_ip_fragments "$NS_C"

# The rule works: a ping that must be fragmented gets no answer, and the
# gateway counted its fragments.
check "a 3000-byte ping to the gateway does not get through (IP fragments dropped)" \
	not in_ns "$NS_C" ping -c 1 -W 1 -s 3000 -q "$GW_ADDR"
check "the gateway dropped its IP fragments" test "$(ip_fragments_dropped "$NS_G")" -ge 2

# up_with NAME [KEY=VALUE...]: rove up -v with the chain's root as ca.
up_with() {
	local name=$1 profile
	shift
	profile=$(write_profile "$name" server="$GW_ADDR" remote-id=gw3.rove.test \
		user="$EAP_USER" ca="$PKI_DIR/root3.pem" "$@" -- password="$EAP_PASSWORD")
	local t0 rc=0
	t0=$(date +%s%N)
	rove_to "up-$name" up -v "$profile" || rc=$?
	say "    rove up $name took $((($(date +%s%N) - t0) / 1000000)) ms (reported, not checked)"
	return "$rc"
}

say "# the gateway's messages in fragments, ours whole"
mark=$(gw_log_lines)
require "rove up vpn exits 0" up_with vpn
say "    the gateway: $(gw_log_count 'splitting IKE message' "$mark") messages split into fragments"
gw_log | tail -n +"$mark" | grep -E 'splitting IKE message|fragment' | sed 's/^/    /' | head -20
check "the gateway sent its IKE_AUTH answer in IKE fragments" \
	test "$(gw_log_count 'splitting IKE message .* into [0-9]+ fragments' "$mark")" -ge 1
check "rove reassembled them" grep -q 'reassembled message 1 from [0-9]* fragments' \
	"$WORK/up-vpn.out" "$WORK/up-vpn.err"
check "the gateway's certificate chain (root3 -> int3 -> gw3) was accepted" \
	gw_has_sa_from "${CLIENT_ADDR}["
check "the LAN host $LAN_HOST answers through the tunnel" lan_reachable
check "rove's own requests went whole (they fit 576 bytes)" \
	test "$(gw_log_count 'received fragment #' "$mark")" = 0
check "rove down vpn exits 0" rove_to down down vpn
check "the gateway no longer lists the IKE SA" wait_for 30 gw_sa_count_is 0

say "# fragment-size=400 in the profile: rove's IKE_AUTH requests in fragments too"
mark=$(gw_log_lines)
require "rove up small exits 0" up_with small fragment-size=400
grep -h 'fragments of at most' "$WORK/up-small.out" "$WORK/up-small.err" | sed 's/^/    /'
check "rove cut a request into fragments" grep -q 'sending it in [0-9]* fragments' \
	"$WORK/up-small.out" "$WORK/up-small.err"
gw_log | tail -n +"$mark" | grep -E 'received fragment' | sed 's/^/    /'
check "the gateway reassembled rove's fragments" \
	test "$(gw_log_count 'received fragment #[0-9]+ of [0-9]+, reassembled' "$mark")" -ge 1
check "the LAN host $LAN_HOST answers through the tunnel" lan_reachable
check "rove down small exits 0" rove_to down down small
check "the gateway no longer lists the IKE SA" wait_for 30 gw_sa_count_is 0

say "    IP fragments dropped: gateway $(ip_fragments_dropped "$NS_G"), client $(ip_fragments_dropped "$NS_C")"
check "the run directory holds no socket or pid file" run_dir_clean
check "no process is left in the client namespace" wait_for 30 client_ns_idle
finish
