# Interop: rove against Libreswan 4.10 (pluto), ESP in the VM's kernel:
# pubkey (carol's certificate), a client PSK with a certificate gateway,
# and EAP-TLS (erin's certificate). Libreswan has no EAP-MSCHAPv2. Each
# row: rove up, pluto's own status shows the IKE and CHILD SA, rove status
# shows the virtual IP and DNS pluto assigned, a ping counted by pluto's
# kernel SAs, rove down leaves nothing on either side (see interop.sh).
#
# Libreswan conflicts with strongSwan's packages: run.sh unpacks it (apt-get
# download, dpkg -x) into its cache and passes the directory as
# ROVE_VM_LIBRESWAN; its libraries are installed (tests/install-deps.sh).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${ROVE_VM_SHARE:-/run/rove-vm}/lib.sh"
export ROVE_BIN=$bin/rove
. "$integ/lib.sh"
. "${ROVE_VM_SHARE:-/run/rove-vm}/interop.sh"

LSW=${ROVE_VM_LIBRESWAN:-}
[ -n "$LSW" ] && [ -x "$LSW/usr/libexec/ipsec/pluto" ] ||
	skip "Libreswan is not unpacked (run.sh: apt-get download libreswan failed?)"
missing=$(ldd "$LSW/usr/libexec/ipsec/pluto" "$LSW/usr/libexec/ipsec/addconn" | grep 'not found' || true)
[ -z "$missing" ] || skip "pluto's libraries are missing (bash tests/install-deps.sh): $missing"
command -v certutil >/dev/null && command -v pk12util >/dev/null ||
	skip "certutil/pk12util are missing (libnss3-tools; bash tests/install-deps.sh)"

interop_net
LD=$WORK/pluto
mkdir -p "$LD/nss" "$LD/run"

stage "Libreswan: NSS database, ipsec.conf, pluto"
certutil -N -d "sql:$LD/nss" --empty-password
certutil -A -d "sql:$LD/nss" -n "rove test CA" -t "CT,," -a -i "$PKI_DIR/ca.pem"
openssl pkcs12 -export -inkey "$PKI_DIR/gw.key" -in "$PKI_DIR/gw.pem" -name gw \
	-passout pass:rove -out "$LD/gw.p12"
pk12util -i "$LD/gw.p12" -d "sql:$LD/nss" -W rove >/dev/null

# What rove needs from pluto: IKEv2, the gateway's certificate sent always
# (rove has no copy), a pool and modecfgdns for its mode-config request, a
# subnet to reach (narrowing lets rove ask for 0.0.0.0/0 and get it).
# pluto_conf CONN...: ipsec.conf with these connections.
pluto_conf() {
	cat <<EOF
config setup
	plutodebug=none

conn rove-common
	ikev2=yes
	left=$GW_ADDR
	leftid=@$GW_NAME
	leftcert=gw
	leftauth=ecdsa
	leftsendcert=always
	leftsubnet=$LAN_NET
	leftupdown=/usr/libexec/ipsec/_updown.xfrm
	right=%any
	rightsubnet=0.0.0.0/0
	narrowing=yes
	modecfgdns=$LAN_DNS
	fragmentation=yes
	auto=ignore
EOF
	for c in "$@"; do
		printf '\nconn rove-%s\n\talso=rove-common\n\tauto=add\n' "$c"
		case $c in
		psk) printf '\t%s\n' "rightid=$PSK_ID_CERT" rightauth=secret \
			rightaddresspool=10.3.0.10-10.3.0.19 ;;
		pubkey) printf '\t%s\n' rightid=carol@rove.test rightauth=ecdsa rightca=%same \
			rightaddresspool=10.3.0.20-10.3.0.29 ;;
		eaptls) printf '\t%s\n' rightid=erin@rove.test rightauth=eaponly \
			rightautheap=tls leftautheap=tls rightca=%same \
			rightaddresspool=10.3.0.30-10.3.0.39 ;;
		esac
	done
}
printf '@%s %s : PSK "%s"\n' "$GW_NAME" "$PSK_ID_CERT" "$PSK_SECRET" >"$LD/ipsec.secrets"
chmod 600 "$LD/ipsec.secrets"

whack() { "$LSW/usr/libexec/ipsec/whack" --ctlsocket "$LD/run/pluto.ctl" "$@"; }

# start_pluto CONN...: pluto with these connections. It runs addconn from
# /usr/libexec/ipsec: the unpacked tree goes there, in a mount namespace of
# its own.
PLUTO_PID=""
start_pluto() {
	local t_start=$SECONDS
	PLUTO_LAST=${*: -1}
	pluto_conf "$@" >"$LD/ipsec.conf"
	rm -f "$LD/run/pluto.ctl"
	# shellcheck disable=SC2016
	ip netns exec "$NS_G" unshare -m --propagation private sh -c '
		mount --bind "$0/usr/libexec" /usr/libexec &&
		exec "$0/usr/libexec/ipsec/pluto" --nofork --stderrlog --config "$1/ipsec.conf" \
			--ipsecdir "$1" --nssdir "$1/nss" --rundir "$1/run" \
			--secretsfile "$1/ipsec.secrets" --no-dnssec --log-no-audit' "$LSW" "$LD" \
		>>"$LD/pluto.log" 2>&1 &
	PLUTO_PID=$!
	PIDS+=("$PLUTO_PID")
	require "pluto starts and loads the connections $*" wait_for 300 pluto_ready
	say "# pluto ready after $((SECONDS - t_start)) s"
}
pluto_ready() { whack --status 2>/dev/null | grep -q "\"rove-$PLUTO_LAST\""; }

gw_status() {
	say "# pluto: whack --trafficstatus; --showstates"
	{ whack --trafficstatus; whack --showstates; } 2>&1 | sed 's/^/    | /'
}
# An established IKE SA and CHILD SA (trafficstatus lists the latter).
gw_shows_sas() {
	whack --showstates | grep -q 'ESTABLISHED_IKE_SA' &&
		whack --showstates | grep -q 'ESTABLISHED_CHILD_SA' &&
		whack --trafficstatus | grep -q 'type=ESP'
}
gw_has_no_sas() { ! whack --showstates | grep -q 'ESTABLISHED'; }

start_pluto psk pubkey
interop_row libreswan psk-cert kernel
interop_row libreswan pubkey kernel
interop_row libreswan psk-cert userspace
# pluto sends its IKE_AUTH response as RFC 7383 fragments (rove announces
# IKEV2_FRAGMENTATION_SUPPORTED); rove -v says when it reassembled them.
check "pluto's IKE_AUTH responses came as fragments, which rove reassembled" \
	grep -q 'reassembled message 1 from [0-9]* fragments' "$WORK"/up-pskcertk.out "$WORK"/up-pskcertk.err
# pluto decides at IKE_SA_INIT, before it sees an identity, whether the
# client may leave out its AUTH payload (EAP only): EAP-TLS clients need a
# pluto whose connection for them is the EAP one.
stop_pid "$PLUTO_PID"
start_pluto eaptls
interop_row libreswan eap-tls kernel

rows_summary "$LD/pluto.log"
finish
