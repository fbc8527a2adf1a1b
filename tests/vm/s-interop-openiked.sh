# Interop: rove against OpenIKED 7.2 (iked), ESP in the VM's kernel over
# PF_KEY. One iked serves three policies, told apart by the client's
# identity: EAP-MSCHAPv2, pubkey (carol's certificate) and a symmetric PSK
# (the gateway authenticates with the PSK too: a profile with a psk and no
# ca). OpenIKED has no EAP-TLS; on Linux its ESP works only as AES-CBC with
# HMAC-SHA1-96, which rove offers last by default. Each row: see
# interop.sh. The EAP-MSCHAPv2 row runs twice:
# OpenIKED once left rove's IKE_AUTH unanswered, so the row must be
# stable, not lucky.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${ROVE_VM_SHARE:-/run/rove-vm}/lib.sh"
export ROVE_BIN=$bin/rove
. "$integ/lib.sh"
. "${ROVE_VM_SHARE:-/run/rove-vm}/interop.sh"

IKED=$(command -v iked || echo /usr/sbin/iked)
IKECTL=$(command -v ikectl || echo /usr/sbin/ikectl)
[ -x "$IKED" ] && [ -x "$IKECTL" ] || skip "iked is missing (openiked; bash tests/install-deps.sh)"
[ -d /etc/iked ] || skip "/etc/iked is missing (openiked is not installed properly)"
modprobe -d "$ROVE_VM_MODROOT" af_key || skip "no PF_KEY (af_key) in this kernel"

interop_net
ID=$WORK/iked
mkdir -p "$ID/etc/ca" "$ID/etc/certs" "$ID/etc/crls" "$ID/etc/private" "$ID/etc/pubkeys"
cp "$PKI_DIR/ca.pem" "$ID/etc/ca/ca.crt"
cp "$PKI_DIR/gw.pem" "$ID/etc/certs/gw.crt"
cp "$PKI_DIR/gw.key" "$ID/etc/private/local.key"
chmod 600 "$ID/etc/private/local.key"

# What rove needs from iked: a passive policy per kind of client, the
# gateway's identity as srcid (the name in its certificate), childsa
# AES-CBC with HMAC-SHA1 (all that works on Linux), a pool and a name
# server for mode-config, `to dynamic` so the flows follow the address it
# assigns. iked picks the last policy that matches: at IKE_SA_INIT by
# address alone, again in IKE_AUTH by the client's identity (dstid). But
# it decides whether to start EAP before that second look, from the first
# policy: the EAP policy must be the last one, and name its users (dstid)
# so that it does not take the others' clients.
cat >"$ID/iked.conf" <<EOF
set fragmentation
user "$EAP_USER" "$EAP_PASSWORD"

ikev2 "rove-pubkey" passive esp \\
	from $LAN_NET to dynamic \\
	local $GW_ADDR peer any \\
	childsa enc aes-256 auth hmac-sha1 \\
	srcid $GW_NAME dstid carol@rove.test \\
	config address 10.3.0.96/27 \\
	config name-server $LAN_DNS

ikev2 "rove-psk" passive esp \\
	from $LAN_NET to dynamic \\
	local $GW_ADDR peer any \\
	childsa enc aes-256 auth hmac-sha1 \\
	srcid $GW_NAME dstid $PSK_ID_PSK \\
	psk "$PSK_SECRET" \\
	config address 10.3.0.128/27 \\
	config name-server $LAN_DNS

ikev2 "rove-eap" passive esp \\
	from $LAN_NET to dynamic \\
	local $GW_ADDR peer any \\
	childsa enc aes-256 auth hmac-sha1 \\
	srcid $GW_NAME dstid $EAP_USER \\
	eap "MSCHAP-V2" \\
	config address 10.3.0.64/27 \\
	config name-server $LAN_DNS
EOF
chmod 600 "$ID/iked.conf"

ikectl() { "$IKECTL" -s "$ID/iked.sock" "$@"; }

stage "OpenIKED: iked"
# What went over the wire, for a look after a failure (ROVE_VM_KEEP=1).
ip netns exec "$NS_G" tcpdump -i out0 -U -w "$ID/iked.pcap" udp >/dev/null 2>&1 &
PIDS+=($!)
t_start=$SECONDS
# Its certificate directories are compiled in: ours goes over /etc/iked in
# a mount namespace of its own.
# shellcheck disable=SC2016
ip netns exec "$NS_G" unshare -m --propagation private sh -c '
	mount --bind "$1/etc" /etc/iked && exec "$0" -d -vv -f "$1/iked.conf" -s "$1/iked.sock"' \
	"$IKED" "$ID" >"$ID/iked.log" 2>&1 &
PIDS+=($!)
# Ready is later than its control socket: iked takes IKE_SA_INIT requests
# while its processes still get their sockets and settings, and under TCG
# its answers to them left only once that was done, up to a minute later
# (rove had given up; iked then dropped the half-open SA on its reload).
# The last of those settings is the one to wait for (-vv logs it).
iked_ready() { grep -q 'config_getstatic: no stickyaddress' "$ID/iked.log"; }
require "iked starts and has its settings" wait_for 1800 iked_ready
sleep 1
say "# iked ready after $((SECONDS - t_start)) s"

gw_status() {
	say "# iked: ikectl show sa"
	ikectl show sa 2>&1 | sed 's/^/    | /'
}
gw_shows_sas() {
	ikectl show sa | grep -q 'ESTABLISHED' && ikectl show sa | grep -qi 'childsa.*ESP'
}
gw_has_no_sas() { ! ikectl show sa | grep -q 'ESTABLISHED'; }

for _ in 1 2; do
	interop_row openiked eap-mschapv2 kernel
done
interop_row openiked pubkey kernel
interop_row openiked psk kernel
interop_row openiked eap-mschapv2 userspace

# The engine against iked with a seeded RNG (tests/tools/record.c), EAP
# with MOBIKE: tests/unit/test_engine.c replays it (tests/data/iked-eap.rec,
# copied from out/ by hand when the engine's messages change on purpose).
if [ -x "$bin/rove-record" ]; then
	stage "recording the engine against iked"
	check "rove-record against iked (EAP-MSCHAPv2, MOBIKE) comes up and closes" \
		ip netns exec "$NS_C" "$bin/rove-record" "$ID/iked-eap.rec" rove-iked-eap-seed \
		"$CLIENT_ADDR" "$GW_ADDR" "$GW_NAME" "$PKI_DIR/ca.pem" eap "$EAP_USER" \
		"$EAP_PASSWORD" mobike
	cp "$PKI_DIR/ca.pem" "$ID/iked-eap.ca.pem"
	grep -E '^[<>]' "$ID/iked-eap.rec" | cut -c1-6 | tr '\n' ' '
	echo
fi

rows_summary "$ID/iked.log" "$ID/iked.pcap" "$ID/iked-eap.rec" "$ID/iked-eap.ca.pem"
finish
