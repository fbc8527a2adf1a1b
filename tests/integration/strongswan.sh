# shellcheck shell=bash
# strongSwan in the test network (sourced by lib.sh): the gateway every test
# connects to, and a strongSwan client that checks the harness itself and is
# the yardstick of bench/connect.sh. Each charon runs with its own
# strongswan.conf (only the plugins listed below, no system configuration),
# its own vici socket and log file in its directory, and a private /run.

GW_DIR=""
GW_PID=""
SW_DIR=""
SW_PID=""

# kernel-libipsec: ESP in userspace over a TUN device, because the host
# kernel has no ESP. OpenSSL's legacy provider does MD4/DES for MSCHAPv2.
CHARON_PLUGINS="random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints
 pubkey hmac kdf gcm aes sha1 sha2 curve25519 kernel-libipsec kernel-netlink
 socket-default vici eap-identity eap-mschapv2 eap-tls eap-md5 attr updown"
# GW_POOL6 (an IPv6 prefix): a second pool every connection hands out
# from, with GW_DNS6 as its DNS server (t-ipv6.sh).
GW_POOL6=${GW_POOL6:-}
GW_DNS6=${GW_DNS6:-}
# GW_KERNEL_ESP=1 (the VM tier, whose kernel has ESP): the gateway leaves
# kernel-libipsec out, so kernel-netlink installs real XFRM SAs.
GW_KERNEL_ESP=${GW_KERNEL_ESP:-}

# The log levels the tests key on: ike=2 and cfg=2 name every exchange and
# config decision. ike=4 logs the IKE keys: only start_gw --keylog does
# that, into a log of its own, for tools that record known-answer data.
charon_conf() { # dir, extra lines for the charon section, extra loggers
	cat >"$1/strongswan.conf" <<EOF
charon {
	load_modular = no
	load = ${CHARON_PLUGINS//$'\n'/}
	$2
	filelog {
		log {
			path = $1/charon.log
			time_format = %T
			append = no
			flush_line = yes
			default = 1
			ike = 2
			cfg = 2
		}
		$3
	}
	syslog {
		daemon {
			default = -1
		}
	}
	plugins {
		vici {
			socket = unix://$1/charon.vici
		}
		kernel-libipsec {
			allow_peer_ts = yes
		}
	}
}
swanctl {
	load = random openssl pem pkcs1 pkcs8 x509 pubkey
}
EOF
}

# swanctl against the charon whose directory is $1.
swanctl_at() {
	local dir=$1
	shift
	STRONGSWAN_CONF=$dir/strongswan.conf swanctl "$@" --uri "unix://$dir/charon.vici"
}

# Starts charon in namespace $1 with the configuration in directory $2,
# with a private /run (the host's must not see its pid file), waits for its
# vici socket and loads swanctl.conf. Sets CHARON_PID.
CHARON_PID=""
start_charon() {
	local ns=$1 dir=$2
	rm -f "$dir/charon.vici"
	# shellcheck disable=SC2016 # $0 is for the inner shell
	STRONGSWAN_CONF=$dir/strongswan.conf ip netns exec "$ns" \
		unshare -m --propagation private \
		sh -c 'mount -t tmpfs none /run && exec "$0"' "$CHARON" \
		>"$dir/charon.out" 2>&1 &
	CHARON_PID=$!
	PIDS+=("$CHARON_PID")
	wait_for 100 test -S "$dir/charon.vici" ||
		die "the strongSwan gateway (charon in $ns) did not start:
$(tail -5 "$dir/charon.out" "$dir/charon.log" 2>&1)
  Check that its plugins are installed (strongswan-charon, libcharon-extra-plugins,
  libstrongswan-extra-plugins, libstrongswan-standard-plugins: bash tests/install-deps.sh)."
	swanctl_at "$dir" --load-all --file "$dir/swanctl.conf" >"$dir/swanctl.out" 2>&1 ||
		die "swanctl --load-all could not load the gateway's configuration:
$(cat "$dir/swanctl.out")
  A plugin it names failed to load? bash tests/install-deps.sh installs strongSwan's plugins."
}

# stop_charon PID: stops it and forgets it.
stop_charon() {
	local pid=$1 p keep=()
	stop_pid "$pid"
	for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# GW_IKE_EXTRA and GW_CHILD_EXTRA: lines added to each connection and to
# each of its children (rekey_time, life_time, rand_time for t-rekey.sh).
gw_swanctl_conf() { # cert name (gw or other), its identity
	local cert=$1 id=$2 pool6=""
	[ -z "$GW_POOL6" ] || pool6="pool6 {
		addrs = $GW_POOL6
		${GW_DNS6:+dns = $GW_DNS6}
	}"
	cat <<EOF
connections {
	eap {
		local_addrs = $GW_ADDR
		pools = pool${GW_POOL6:+, pool6}
		${GW_IKE_PROPOSALS:+proposals = $GW_IKE_PROPOSALS}
		${GW_REAUTH_TIME:+reauth_time = $GW_REAUTH_TIME}
		${GW_FRAGMENTATION:+fragmentation = $GW_FRAGMENTATION}
		${GW_IKE_EXTRA:-}
		${GW_MOBIKE:+mobike = $GW_MOBIKE}
		local {
			auth = pubkey
			certs = $cert.pem
			id = $id
		}
		remote {
			auth = eap-mschapv2
			eap_id = %any
		}
		children {
			c {
				local_ts = ${GW_LOCAL_TS:-$LAN_NET}
				${GW_ESP_PROPOSALS:+esp_proposals = $GW_ESP_PROPOSALS}
				${GW_CHILD_EXTRA:-}
			}
		}
	}
	# PSK from the client, certificate from the gateway.
	psk-cert {
		local_addrs = $GW_ADDR
		pools = pool${GW_POOL6:+, pool6}
		${GW_IKE_PROPOSALS:+proposals = $GW_IKE_PROPOSALS}
		${GW_IKE_EXTRA:-}
		local {
			auth = pubkey
			certs = $cert.pem
			id = $id
		}
		remote {
			auth = psk
			id = $PSK_ID_CERT
		}
		children {
			c {
				local_ts = ${GW_LOCAL_TS:-$LAN_NET}
				${GW_ESP_PROPOSALS:+esp_proposals = $GW_ESP_PROPOSALS}
				${GW_CHILD_EXTRA:-}
			}
		}
	}
	# Certificates both ways: client certificates carry O=rove clients
	# (tests/integration/clientcert.sh), so EAP and PSK clients never
	# match this connection.
	pubkey {
		local_addrs = $GW_ADDR
		pools = pool${GW_POOL6:+, pool6}
		${GW_IKE_PROPOSALS:+proposals = $GW_IKE_PROPOSALS}
		local {
			auth = pubkey
			certs = $cert.pem
			id = $id
		}
		remote {
			auth = pubkey
			id = "O=rove clients, CN=*"
		}
		children {
			c {
				local_ts = ${GW_LOCAL_TS:-$LAN_NET}
				${GW_ESP_PROPOSALS:+esp_proposals = $GW_ESP_PROPOSALS}
			}
		}
	}
	# EAP-TLS: identities under tls.rove.test (clientcert.sh).
	eap-tls {
		local_addrs = $GW_ADDR
		pools = pool${GW_POOL6:+, pool6}
		${GW_IKE_PROPOSALS:+proposals = $GW_IKE_PROPOSALS}
		local {
			auth = pubkey
			certs = $cert.pem
			id = $id
		}
		remote {
			auth = eap-tls
			id = *@tls.rove.test
			eap_id = %any
		}
		children {
			c {
				local_ts = ${GW_LOCAL_TS:-$LAN_NET}
				${GW_ESP_PROPOSALS:+esp_proposals = $GW_ESP_PROPOSALS}
			}
		}
	}
	# PSK both ways.
	psk {
		local_addrs = $GW_ADDR
		pools = pool${GW_POOL6:+, pool6}
		${GW_IKE_PROPOSALS:+proposals = $GW_IKE_PROPOSALS}
		${GW_IKE_EXTRA:-}
		local {
			auth = psk
			id = $GW_NAME
		}
		remote {
			auth = psk
			id = $PSK_ID_PSK
		}
		children {
			c {
				local_ts = ${GW_LOCAL_TS:-$LAN_NET}
				${GW_ESP_PROPOSALS:+esp_proposals = $GW_ESP_PROPOSALS}
				${GW_CHILD_EXTRA:-}
			}
		}
	}
}
pools {
	pool {
		addrs = $POOL
		dns = $LAN_DNS
		${GW_POOL_EXTRA:-}
	}
	$pool6
}
secrets {
	eap-alice {
		id = $EAP_USER
		secret = "$EAP_PASSWORD"
	}
	eap-bob {
		id = bob
		secret = "bob-password-456"
	}
	ike-psk {
		id-cert = $PSK_ID_CERT
		id-psk = $PSK_ID_PSK
		secret = "$PSK_SECRET"
	}
}
EOF
}

# start_gw DIR [--cert gw|other] [--keylog]: the gateway, with make_pki's
# certificate of that name (other: for other.rove.test, the
# identity-mismatch test). --keylog also writes DIR/keys.log with the
# derived IKE keys (Sk_d, Sk_ai, ...): recording known-answer data only.
start_gw() {
	local dir=$1 cert=gw id=$GW_NAME keylog="" charon_extra="" plugins=$CHARON_PLUGINS ca
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--cert)
			cert=$2
			shift 2
			;;
		--charon) # extra lines for the charon section
			charon_extra=$2
			shift 2
			;;
		--keylog)
			keylog="keys {
			path = $dir/keys.log
			append = no
			flush_line = yes
			default = -1
			ike = 4
		}"
			shift
			;;
		*) die "start_gw: unknown option $1" ;;
		esac
	done
	[ "$cert" = gw ] || id=$cert.rove.test
	[ -n "$GW_ADDR" ] || die "start_gw before setup_net"
	[ -s "$PKI_DIR/$cert.pem" ] || die "start_gw before make_pki"
	mkdir -p "$dir/x509" "$dir/x509ca" "$dir/ecdsa" "$dir/rsa"
	cp "$PKI_DIR/ca.pem" "$dir/x509ca/"
	# GW_CA_CERTS: more CA certificates (names in PKI_DIR) the gateway
	# holds, e.g. the intermediate it sends along with its own.
	for ca in $GW_CA_CERTS; do cp "$PKI_DIR/$ca.pem" "$dir/x509ca/"; done
	cp "$PKI_DIR/$cert.pem" "$dir/x509/"
	if grep -q 'RSA PRIVATE KEY' "$PKI_DIR/$cert.key"; then
		cp "$PKI_DIR/$cert.key" "$dir/rsa/"
	else
		cp "$PKI_DIR/$cert.key" "$dir/ecdsa/"
	fi
	[ -z "$GW_KERNEL_ESP" ] || plugins=${plugins/ kernel-libipsec/}
	CHARON_PLUGINS=$plugins charon_conf "$dir" "$charon_extra" "$keylog"
	gw_swanctl_conf "$cert" "$id" >"$dir/swanctl.conf"
	GW_DIR=$dir
	start_charon "$NS_G" "$dir"
	GW_PID=$CHARON_PID
}

stop_gw() {
	[ -n "$GW_PID" ] && stop_charon "$GW_PID"
	GW_PID=""
}

gw_sas() { swanctl_at "$GW_DIR" --list-sas; }
# The secrets start_gw --keylog logged, as "NAME HEX" lines in log order
# (Sk_d Sk_ai Sk_ar Sk_ei Sk_er Sk_pi Sk_pr for each IKE SA).
gw_keys() {
	"$PYTHON" - "$GW_DIR/keys.log" <<'PY'
import re, sys
key = None  # [name, length, hex]

def flush():
    if key and len(key[2]) == 2 * key[1]:
        print(key[0], key[2].lower())
    elif key:
        sys.exit("gw_keys: %s: expected %d bytes" % (key[0], key[1]))

for line in open(sys.argv[1]):
    m = re.search(r"(Sk_\w+) secret => (\d+) bytes", line)
    d = re.search(r"\]\s+\d+: ((?:[0-9A-F]{2} )*[0-9A-F]{2})", line)
    if m or not d:
        flush()
        key = [m.group(1), int(m.group(2)), ""] if m else None
    elif key:
        key[2] += d.group(1).replace(" ", "")
flush()
PY
}
gw_log() { cat "$GW_DIR/charon.log"; }

# How many lines of the gateway's log match an extended regex (0 if none);
# with a start line (gw_log_lines before the connection), only the lines
# after it.
gw_log_count() { # regex [first line]
	tail -n +"$((${2:-0} + 1))" "$GW_DIR/charon.log" | grep -cE -- "$1" || true
}
gw_log_lines() { wc -l <"$GW_DIR/charon.log"; }

# Log lines that show what reached the gateway. charon (ENC group, level 1)
# logs every message it parsed with its payloads; an EAP payload appears as
# EAP/RES/ID for the identity, EAP/RES/MSCHAPV2 for anything that carries
# the password's proof.
LOG_IKE_SA_INIT='parsed IKE_SA_INIT request'
LOG_IKE_AUTH='parsed IKE_AUTH request'
LOG_MSCHAPV2_RESPONSE='parsed IKE_AUTH request [0-9]+ \[.*EAP/RES/MSCHAPV2'
LOG_EAP_IDENTITY='parsed IKE_AUTH request [0-9]+ \[.*EAP/RES/ID'

# Whether the gateway lists an established IKE SA with the peer at $1
# (an address, with [port] to check the port too).
gw_has_sa_from() {
	gw_sas | grep -qF "ESTABLISHED" && gw_sas | grep -E '^ +remote ' | grep -qF "@ $1"
}
gw_sas_match() { gw_sas | grep -qE -- "$1"; }
gw_sa_count() { gw_sas | grep -c ', ESTABLISHED, ' || true; }
gw_sa_count_is() { test "$(gw_sa_count)" = "$1"; }

# Whether the gateway lists a peer with this virtual IP ("remote 'alice' @
# 192.0.2.2[4500] [10.3.0.1]", with "EAP: 'alice'" before the address when
# the EAP identity differs from the IKE one).
gw_leased() { gw_sas | grep -E '^ +remote ' | grep -qF " [$1]"; }

# Whether the gateway's IKE SA has these SPIs (initiator's, responder's).
# (a '*' marks the gateway's own SPI: after it rekeyed, that is SPIi)
gw_has_ike_spis() { gw_sas | grep -qiE "ESTABLISHED, IKEv2, ${1}_i\*? ${2}_r"; }

# Whether the gateway has an ESP SA with these SPIs (its inbound one is
# the client's outbound one).
gw_has_esp_spis() { # client's spi_in, client's spi_out
	gw_sas | grep -qiE "^ +in +$2," && gw_sas | grep -qiE "^ +out +$1,"
}

# A strongSwan client in the client namespace, from the same PKI. With
# --random-ports it leaves UDP 500 and 4500 to rove (bench/connect.sh).
sw_swanctl_conf() {
	local name ids
	cat <<EOF
connections {
EOF
	# name, EAP id
	for ids in eap:$EAP_USER eap-bob:bob; do
		name=${ids%%:*}
		cat <<EOF
	$name {
		remote_addrs = $GW_ADDR
		vips = 0.0.0.0
		local {
			auth = eap-mschapv2
			eap_id = ${ids#*:}
		}
		remote {
			auth = pubkey
			id = $GW_NAME
			cacerts = ca.pem
		}
		children {
			c {
				remote_ts = $LAN_NET
			}
		}
	}
EOF
	done
	cat <<EOF
	eap-evil {
		remote_addrs = $GW_ADDR
		vips = 0.0.0.0
		local {
			auth = eap-mschapv2
			eap_id = $EAP_USER
		}
		remote {
			auth = pubkey
			id = $GW_NAME
			cacerts = evil-ca.pem
		}
		children {
			c {
				remote_ts = $LAN_NET
			}
		}
	}
	psk-cert {
		remote_addrs = $GW_ADDR
		vips = 0.0.0.0
		local {
			auth = psk
			id = $PSK_ID_CERT
		}
		remote {
			auth = pubkey
			id = $GW_NAME
			cacerts = ca.pem
		}
		children {
			c {
				remote_ts = $LAN_NET
			}
		}
	}
	psk {
		remote_addrs = $GW_ADDR
		vips = 0.0.0.0
		local {
			auth = psk
			id = $PSK_ID_PSK
		}
		remote {
			auth = psk
			id = $GW_NAME
		}
		children {
			c {
				remote_ts = $LAN_NET
			}
		}
	}
}
secrets {
	eap-alice {
		id = $EAP_USER
		secret = "$EAP_PASSWORD"
	}
	eap-bob {
		id = bob
		secret = "not-bobs-password"
	}
	ike-psk {
		id = $PSK_ID_PSK
		secret = "$PSK_SECRET"
	}
	ike-psk-cert {
		id = $PSK_ID_CERT
		secret = "$PSK_SECRET"
	}
}
EOF
}

# shellcheck disable=SC2120 # the option is optional
start_sw_client() { # [--random-ports]
	local dir=$WORK/sw extra=""
	[ "${1:-}" = --random-ports ] && extra="port = 0
	port_nat_t = 0"
	mkdir -p "$dir/x509ca"
	cp "$PKI_DIR/ca.pem" "$PKI_DIR/evil-ca.pem" "$dir/x509ca/"
	charon_conf "$dir" "$extra" ""
	sw_swanctl_conf >"$dir/swanctl.conf"
	SW_DIR=$dir
	start_charon "$NS_C" "$dir"
	SW_PID=$CHARON_PID
}

stop_sw_client() {
	[ -n "$SW_PID" ] && stop_charon "$SW_PID"
	SW_PID=""
}

# sw_initiate CONNECTION [timeout s]: brings up the IKE SA and its child
# "c"; swanctl returns once the child is installed or the attempt failed.
sw_initiate() {
	swanctl_at "$SW_DIR" --initiate --ike "$1" --child c --timeout "${2:-10}" \
		>>"$SW_DIR/initiate.out" 2>&1
}

# sw_terminate CONNECTION: deletes the IKE SA and waits for the answer.
sw_terminate() {
	swanctl_at "$SW_DIR" --terminate --ike "$1" --timeout 5 >>"$SW_DIR/initiate.out" 2>&1
}

sw_sas() { swanctl_at "$SW_DIR" --list-sas; }

# The strongSwan client's virtual IP ("local '...' @ ...[4500] [10.3.0.1]").
sw_vip() { sw_sas | sed -n 's/^ *local .* \[\([0-9.]*\)\]$/\1/p' | head -n 1; }
