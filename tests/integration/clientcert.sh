# shellcheck shell=bash
# Client certificates for auth=pubkey (sourced by t-pubkey.sh after
# make_pki): issued by the test CA with strongSwan's pki, subject
# "O=rove clients, CN=NAME" (the gateway's pubkey connection accepts
# exactly that O), repackaged with openssl for the encrypted PKCS#8 and
# PKCS#12 cases.
#
# client_cert NAME ecdsa|rsa [CA [DOMAIN]]: DIR/NAME.pem and DIR/NAME.key
# (PEM), with the e-mail SAN NAME@DOMAIN (default rove.test).
client_cert() {
	local name=$1 type=$2 ca=${3:-ca} domain=${4:-rove.test} dir=$PKI_DIR
	case $type in
	ecdsa) pki --gen --type ecdsa --size 256 --outform pem >"$dir/$name.key" ;;
	rsa) pki --gen --type rsa --size 2048 --outform pem >"$dir/$name.key" ;;
	esac
	pki --issue --lifetime 30 --type priv --in "$dir/$name.key" \
		--cacert "$dir/$ca.pem" --cakey "$dir/$ca.key" \
		--dn "O=rove clients, CN=$name" --san "$name@$domain" \
		--flag clientAuth --outform pem >"$dir/$name.pem"
	chmod 600 "$dir/$name.key"
}

# client_pkcs8 NAME PASSWORD: DIR/NAME-enc.key, the key as encrypted PKCS#8.
client_pkcs8() {
	openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$PKI_DIR/$1.key" \
		-passout "pass:$2" -out "$PKI_DIR/$1-enc.key"
	chmod 600 "$PKI_DIR/$1-enc.key"
}

# client_p12 NAME PASSWORD: DIR/NAME.p12 with the key and certificate.
client_p12() {
	openssl pkcs12 -export -inkey "$PKI_DIR/$1.key" -in "$PKI_DIR/$1.pem" \
		-passout "pass:$2" -out "$PKI_DIR/$1.p12"
	chmod 600 "$PKI_DIR/$1.p12"
}
