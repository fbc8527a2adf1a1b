# Plain kernel XFRM set up with ip(8): proves the VM carries ESP at all
# (modules, crypto, veth, namespaces) before rove's code is judged.
set -eu
. ${ROVE_VM_SHARE:-/run/rove-vm}/lib.sh
trap pair_down EXIT
say "namespaces"
pair_up
ip -n rva addr add $VIP/32 dev lo
ip -n rvb addr add $LAN/32 dev lo
ip -n rva route add 10.1.0.0/16 dev va src $VIP
ip -n rvb route add $VIP/32 dev vb src $LAN
K1=0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324
K2=0x2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041424344
say "SAs (the first loads the kernel's AES-GCM)"
for ns in rva rvb; do
	ip -n $ns xfrm state add src $A dst $B proto esp spi 0x100 reqid 1 mode tunnel \
		aead 'rfc4106(gcm(aes))' $K1 128
	ip -n $ns xfrm state add src $B dst $A proto esp spi 0x200 reqid 1 mode tunnel \
		aead 'rfc4106(gcm(aes))' $K2 128
done
say "policies"
ip -n rva xfrm policy add src $VIP/32 dst 10.1.0.0/16 dir out \
	tmpl src $A dst $B proto esp reqid 1 mode tunnel
for d in in fwd; do
	ip -n rva xfrm policy add src 10.1.0.0/16 dst $VIP/32 dir $d \
		tmpl src $B dst $A proto esp reqid 1 mode tunnel
	ip -n rvb xfrm policy add src $VIP/32 dst 10.1.0.0/16 dir $d \
		tmpl src $A dst $B proto esp reqid 1 mode tunnel
done
ip -n rvb xfrm policy add src 10.1.0.0/16 dst $VIP/32 dir out \
	tmpl src $B dst $A proto esp reqid 1 mode tunnel
say "ping through ip-xfrm ESP"
ip netns exec rva ping -c 3 -i 0.2 -W 2 $LAN
# The in policies require ESP, so replies prove decryption both ways.
expect_moved rvb $A $B 0x100
expect_moved rva $B $A 0x200
