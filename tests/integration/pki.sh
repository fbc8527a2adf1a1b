# shellcheck shell=bash
# Test certificates, made fresh for every run with strongSwan's pki
# (sourced by lib.sh). ECDSA P-256 keeps it quick.
#
# DIR/ca.pem        the CA the profiles trust
# DIR/gw.pem        gateway certificate: gw.rove.test and the gateway's address
# DIR/other.pem     same CA, but for other.rove.test (identity mismatch)
# DIR/evil-ca.pem   an unrelated CA (untrusted-CA test)
# and the matching *.key files. make_pki_chain3 (only the tests that need
# it, RSA keys are slow) adds a three-level RSA-3072 chain:
# DIR/root3.pem -> DIR/int3.pem -> DIR/gw3.pem (gw3.rove.test and the
# gateway's address), whose CERT payloads no longer fit one 1500-byte packet.

PKI_DIR=""
PKI_CONF=""

# pki loads only what it needs: Debian's default plugin list drags in a
# TPM plugin that complains on every call.
pki() {
	STRONGSWAN_CONF=$PKI_CONF command pki "$@"
}

pki_key() {
	pki --gen --type ecdsa --size 256 --outform pem >"$1"
}

pki_ca() { # dir, name, common name
	pki_key "$1/$2.key"
	pki --self --ca --lifetime 30 --type ecdsa --in "$1/$2.key" \
		--dn "O=rove tests, CN=$3" --outform pem >"$1/$2.pem"
}

# pki_server DIR NAME CA-NAME DNS-NAME [IP...]: a gateway certificate.
pki_server() {
	local dir=$1 name=$2 ca=$3 dns=$4 san=() ip
	shift 4
	for ip in "$@"; do san+=(--san "$ip"); done
	pki_key "$dir/$name.key"
	pki --issue --lifetime 30 --type priv --in "$dir/$name.key" \
		--cacert "$dir/$ca.pem" --cakey "$dir/$ca.key" \
		--dn "O=rove tests, CN=$dns" --san "$dns" "${san[@]}" \
		--flag serverAuth --flag ikeIntermediate --outform pem >"$dir/$name.pem"
}

# pki's plugins; the tests change the list only to check pki_probe's message.
PKI_PLUGINS=${PKI_PLUGINS:-random openssl pem pkcs1 pkcs8 x509 pubkey}

# pki makes ECDSA keys through strongSwan's openssl plugin, which Debian
# ships in libstrongswan-standard-plugins, only a Recommends of
# strongswan-pki: without it pki says "building CRED_PRIVATE_KEY - ECDSA
# failed". Try once and say what to install instead.
pki_probe() { # dir
	local out
	out=$(pki --gen --type ecdsa --size 256 --outform pem 2>&1 >/dev/null) && return 0
	die "strongSwan's pki cannot make an ECDSA key for the test certificates:
$(printf '%s\n' "$out" | tail -n 4 | sed 's/^/    /')
  Its openssl plugin is missing: install libstrongswan-standard-plugins
  (as root: bash tests/install-deps.sh installs everything the tests need)."
}

make_pki() { # dir
	local dir=$1
	mkdir -p "$dir"
	PKI_DIR=$dir
	PKI_CONF=$dir/pki.conf
	printf 'pki {\n\tload = %s\n}\n' "$PKI_PLUGINS" >"$PKI_CONF"
	pki_probe "$dir"
	pki_ca "$dir" ca "rove test CA"
	pki_ca "$dir" evil-ca "rove evil CA"
	pki_server "$dir" gw ca "$GW_NAME" ${GW_ADDR:+"$GW_ADDR"}
	pki_server "$dir" other ca other.rove.test
	chmod 600 "$dir"/*.key
}

# make_pki_chain3 DIR: after make_pki, root -> intermediate -> gateway,
# all RSA-3072.
make_pki_chain3() {
	local dir=$1
	pki --gen --type rsa --size 3072 --outform pem >"$dir/root3.key"
	pki --self --ca --lifetime 30 --type rsa --in "$dir/root3.key" \
		--dn "O=rove tests, CN=rove test root CA (RSA-3072)" --outform pem >"$dir/root3.pem"
	pki --gen --type rsa --size 3072 --outform pem >"$dir/int3.key"
	pki --issue --ca --lifetime 30 --type priv --in "$dir/int3.key" \
		--cacert "$dir/root3.pem" --cakey "$dir/root3.key" \
		--dn "O=rove tests, CN=rove test intermediate CA (RSA-3072)" \
		--outform pem >"$dir/int3.pem"
	pki --gen --type rsa --size 3072 --outform pem >"$dir/gw3.key"
	pki --issue --lifetime 30 --type priv --in "$dir/gw3.key" \
		--cacert "$dir/int3.pem" --cakey "$dir/int3.key" \
		--dn "O=rove tests, CN=gw3.rove.test" --san gw3.rove.test ${GW_ADDR:+--san "$GW_ADDR"} \
		--flag serverAuth --flag ikeIntermediate --outform pem >"$dir/gw3.pem"
	chmod 600 "$dir"/*.key
}
