# rove's own netlink code (core/xfrm.c, core/route.c and the kernel
# datapath object) on a real kernel: SA pairs with fixed keys between two
# namespaces, pings through, the SAs visible in `ip xfrm state` with rove's
# reqid, and nothing left after removal.
set -eu
. ${ROVE_VM_SHARE:-/run/rove-vm}/lib.sh
trap pair_down EXIT
X=$bin/xfrm-pair
# SPIs the tool derives: 0xc0000102 carries A->B, 0xc0000201 B->A.
AB=0xc0000102
BA=0xc0000201
REQID=$(printf '%d' 0x726f7e57)

say "probe"
$X probe

pair_up

say "AES-GCM through core/xfrm.h and core/route.h"
ip netns exec rva $X up $A $B $VIP 10.1.0.0/16
ip netns exec rvb $X up $B $A $LAN $VIP/32
ip -n rva xfrm state
ip -n rva route show table 220
[ "$(ip -n rva xfrm state | grep -c "reqid $REQID mode tunnel")" = 2 ] ||
	fail "rove's two SAs with reqid $REQID not in ip xfrm state"
[ "$(ip -n rva xfrm policy | grep -c "reqid $REQID mode tunnel")" = 3 ] ||
	fail "rove's three policies not in ip xfrm policy"
ip -n rva xfrm state | grep -q "rfc4106(gcm(aes))" || fail "not AES-GCM"
ip netns exec rva ping -c 3 -i 0.2 -W 2 $LAN
expect_moved rvb $A $B $AB
expect_moved rva $B $A $BA
ip netns exec rva $X down $A $B $VIP 10.1.0.0/16
ip netns exec rvb $X down $B $A $LAN $VIP/32
expect_clean rva
expect_clean rvb

say "NAT-T (ESP in UDP 4500) with AES-CBC/HMAC-SHA-256, client through the kernel datapath"
ip netns exec rvb $X up $B $A $LAN $VIP/32 encap cbc
ip netns exec rvb $X hold 4500 30 &
hold=$!
ip -n rvb xfrm state | grep -q "encap type espinudp sport 4500 dport 4500" ||
	fail "no UDP encapsulation on the gateway's SAs"
ip netns exec rva $X datapath $A $B $VIP 10.1.0.0/16 encap cbc -- \
	"ip xfrm state | grep -c 'encap type espinudp' | grep -qx 2 &&
	 ip xfrm state | grep -q 'hmac(sha256)' &&
	 ip route show table 220 &&
	 ping -c 3 -i 0.2 -W 2 $LAN"
expect_moved rvb $A $B $AB
expect_clean rva
kill $hold 2>/dev/null || true
wait $hold 2>/dev/null || true
ip netns exec rvb $X down $B $A $LAN $VIP/32 encap cbc

say "full tunnel (0.0.0.0/0) through the kernel datapath: the gateway stays reachable"
ip netns exec rvb $X up $B $A $LAN $VIP/32
# Outside the tunnel the gateway answers from its own address; without the
# host route the ping would leave from the VIP, enter the tunnel and be
# dropped by the gateway's policies.
ip netns exec rva $X datapath $A $B $VIP 0.0.0.0/0 -- \
	"ip route show table 220 | grep -q '^$B dev va' &&
	 ping -c 3 -i 0.2 -W 2 $LAN && ping -c 1 -W 2 $B"
expect_clean rva
ip netns exec rvb $X down $B $A $LAN $VIP/32
expect_clean rvb
