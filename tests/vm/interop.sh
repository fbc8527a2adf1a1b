# shellcheck shell=bash
# Sourced by the interop scenarios (s-interop-*.sh) after lib.sh and the
# integration harness: rove against gateways other than strongSwan, each
# doing ESP in the VM's kernel, in the harness's network (setup_net: client
# 192.0.2.2, gateway 192.0.2.1, its LAN 10.1.0.0/16 that only the pool
# 10.3.0.0/24 may reach). One responder process serves every method of a
# scenario; each method is one row of docs/interop.md's matrix.

# ROVE_VM_MODROOT: the kernel's modules, for modprobe -d.
. "${ROVE_VM_SHARE:-/run/rove-vm}/env"

# The kernel loads the modules of each ESP algorithm with its first SA,
# seconds under TCG: pay that before a responder would stall on it.
esp_warmup_cbc() {
	ip netns add rv-warm2
	ip -n rv-warm2 xfrm state add src 127.0.0.1 dst 127.0.0.2 proto esp spi 0x7e58 \
		mode tunnel enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
		auth-trunc 'hmac(sha1)' 0x0102030405060708090a0b0c0d0e0f1011121314 96
	ip netns del rv-warm2
}

# interop_net: the network, the PKI (with client certificates carol for
# pubkey and erin for EAP-TLS) and the kernel's crypto; the gateway routes
# the pool back to the client (neither pluto nor iked adds that route).
interop_net() {
	need_rove
	integ_init
	stage "network and PKI"
	setup_net
	make_pki "$WORK/pki"
	. "$integ/clientcert.sh"
	client_cert carol ecdsa
	client_cert erin ecdsa
	ip -n "$NS_G" route add "$POOL" via "$CLIENT_ADDR"
	stage "the kernel's ESP algorithms"
	esp_warmup
	esp_warmup_cbc
	# the userspace datapath's TUN device
	modprobe -d "$ROVE_VM_MODROOT" tun
}

# The profiles of the rows (keys after the datapath are extra keys).
row_profile() { # name method datapath [key=value...]
	local name=$1 method=$2 dp=$3
	shift 3
	case $method in
	psk-cert) write_profile "$name" server="$GW_ADDR" remote-id="$GW_NAME" auth=psk \
		local-id="$PSK_ID_CERT" ca="$PKI_DIR/ca.pem" datapath="$dp" "$@" -- psk="$PSK_SECRET" ;;
	psk) write_profile "$name" server="$GW_ADDR" remote-id="$GW_NAME" auth=psk \
		local-id="$PSK_ID_PSK" datapath="$dp" "$@" -- psk="$PSK_SECRET" ;;
	pubkey) write_profile "$name" server="$GW_ADDR" remote-id="$GW_NAME" auth=pubkey \
		cert="$PKI_DIR/carol.pem" key="$PKI_DIR/carol.key" local-id=carol@rove.test \
		ca="$PKI_DIR/ca.pem" datapath="$dp" "$@" ;;
	eap-tls) write_profile "$name" server="$GW_ADDR" remote-id="$GW_NAME" auth=eap-tls \
		cert="$PKI_DIR/erin.pem" key="$PKI_DIR/erin.key" local-id=erin@rove.test \
		ca="$PKI_DIR/ca.pem" datapath="$dp" "$@" ;;
	eap-mschapv2) write_profile "$name" server="$GW_ADDR" remote-id="$GW_NAME" \
		user="$EAP_USER" ca="$PKI_DIR/ca.pem" datapath="$dp" "$@" -- password="$EAP_PASSWORD" ;;
	*) die "row_profile: unknown method $method" ;;
	esac
}

# The rows that passed, for the scenario's summary (and docs/interop.md).
ROWS=()

# gw_kernel_sas: the gateway kernel's ESP SAs, one "SPI PACKETS" a line.
gw_kernel_sas() {
	ip -s -n "$NS_G" xfrm state | awk '
		/proto esp spi/ { for (i = 1; i < NF; i++) if ($i == "spi") spi = $(i + 1)
			sub(/\(.*/, "", spi) } # ip -s adds the SPI in decimal
		/lifetime current:/ { cur = 1; next }
		cur && /\(bytes\),/ { sub(/\(packets\).*/, ""); print spi, $NF; cur = 0 }'
}
gw_sa_packets() { # SPI (hex, no 0x)
	gw_kernel_sas | awk -v s="0x$1" '$1 == s { print $2 }'
}

# interop_row RESPONDER METHOD DATAPATH [key=value...]: one row of the
# matrix. The responder's scenario defines gw_shows_sas (its own status
# lists the IKE and CHILD SA), gw_status (printed for the log) and
# gw_has_no_sas (its status lists none).
interop_row() {
	local resp=$1 method=$2 dp=$3 name failed_before=$FAILED t0=$SECONDS
	shift 3
	name=${method//-/}${dp:0:1}
	stage "$resp, $method, datapath=$dp"
	if ! rove_to "up-$name" up "$(row_profile "$name" "$method" "$dp" "$@")" -v; then
		flunk "rove up ($resp, $method, $dp) exits 0"
		gw_status
		rove_to "down-$name" down "$name" || true
		ROWS+=("$resp $method $dp FAILED(up)")
		return 0
	fi
	pass "rove up ($resp, $method, $dp) exits 0"
	local vip dns spi_in spi_out rdp
	read -r rdp vip dns spi_in spi_out <<<"$(status_of "$name" datapath virtual_ips.0 dns.0 \
		children.0.spi_in children.0.spi_out)"
	check "rove status: datapath $dp ($rdp)" test "$rdp" = "$dp"
	check "rove status: the virtual IP $vip from the gateway's pool" in_pool "$vip"
	check "rove status: the DNS server $LAN_DNS from its mode-config ($dns)" test "$dns" = "$LAN_DNS"
	gw_status
	check "$resp's own status shows the IKE and CHILD SA" gw_shows_sas
	local before after
	before=$(gw_sa_packets "$spi_in")
	check "the gateway's kernel holds rove's SAs ($spi_in, $spi_out)" \
		test -n "$before" -a -n "$(gw_sa_packets "$spi_out")"
	check "the LAN host $LAN_HOST answers through the tunnel" lan_reachable
	after=$(gw_sa_packets "$spi_in")
	check "the gateway's kernel counted the ping on its outbound SA ($before -> $after packets)" \
		test "${after:-0}" -gt "${before:-0}"
	check "and on its inbound SA ($(gw_sa_packets "$spi_out") packets)" \
		test "$(gw_sa_packets "$spi_out")" -gt 0
	check "rove down $name exits 0" rove_to "down-$name" down "$name"
	check "the gateway answered rove's DELETE" \
		not grep -q 'did not confirm' "$RUN_DIR/$name.log"
	check_clean "after rove down ($resp, $method, $dp)"
	if [ "$dp" = userspace ]; then
		check "no TUN device left" not sh -c "ip -n '$NS_C' link | grep -q rove"
	fi
	check "the gateway's kernel holds no SA" wait_for 50 gw_kernel_clean
	check "$resp's status lists no SA" wait_for 50 gw_has_no_sas
	if [ "$FAILED" = "$failed_before" ]; then
		ROWS+=("$resp $method $dp passed $((SECONDS - t0))s")
	else
		ROWS+=("$resp $method $dp FAILED")
		gw_status
	fi
}

gw_kernel_clean() { test -z "$(ip -n "$NS_G" xfrm state)"; }

rows_summary() {
	local r
	# the responder's logs beside the scenario's (run.sh keeps out/)
	cp "$@" "${ROVE_VM_SHARE:-/run/rove-vm}/out/" 2>/dev/null || true
	# the responder's logs beside the scenario's (run.sh keeps out/)
	cp "$@" "${ROVE_VM_SHARE:-/run/rove-vm}/out/" 2>/dev/null || true
	say "# matrix rows (responder method datapath result time):"
	for r in "${ROWS[@]}"; do say "#   $r"; done
}
