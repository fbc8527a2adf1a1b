# shellcheck shell=bash
# Helpers of the server-certificate policy tests (t-cert-policy.sh,
# t-ocsp.sh), sourced after lib.sh: gateway certificates made with
# strongSwan's pki from make_pki's CA, a CRL server and an OCSP responder
# beside the gateway (in its namespace, on its outer address, reachable
# before the tunnel is up as a public CRL/OCSP server would be).

CP_HTTP_PORT=8080
CP_OCSP_PORT=8888
CP_HTTP_LOG=""
CP_OCSP_LOG=""
CP_OCSP_PID=""

# cp_cert NAME [pki --issue options...]: $PKI_DIR/NAME.pem and NAME.key for
# NAME.rove.test (the identity start_gw --cert NAME gives the gateway).
cp_cert() {
	local name=$1
	shift
	pki_key "$PKI_DIR/$name.key"
	chmod 600 "$PKI_DIR/$name.key"
	pki --issue --lifetime 30 --type priv --in "$PKI_DIR/$name.key" \
		--cacert "$PKI_DIR/ca.pem" --cakey "$PKI_DIR/ca.key" \
		--dn "O=rove tests, CN=$name.rove.test" --san "$name.rove.test" \
		"$@" --outform pem >"$PKI_DIR/$name.pem"
}

# cp_profile NAME [KEY=VALUE...]: the EAP profile "vpn" for the gateway
# showing certificate NAME.
cp_profile() {
	local name=$1
	shift
	write_profile vpn server="$GW_ADDR" remote-id="$name.rove.test" user="$EAP_USER" \
		ca="$PKI_DIR/ca.pem" "$@" -- password="$EAP_PASSWORD"
}

cp_listening() { in_ns "$NS_G" ss -Hltn "sport = :$1" | grep -q .; }

# cp_http_start DIR: serves DIR over HTTP on the gateway's outer address.
cp_http_start() {
	CP_HTTP_LOG=$WORK/http.log
	ip netns exec "$NS_G" "$PYTHON" -m http.server --bind "$GW_ADDR" \
		--directory "$1" "$CP_HTTP_PORT" >"$CP_HTTP_LOG" 2>&1 &
	PIDS+=("$!")
	wait_for 100 cp_listening "$CP_HTTP_PORT" || die "the CRL server did not start:
$(cat "$CP_HTTP_LOG")"
}

# cp_ocsp_index FILE NAME...: an OpenSSL CA index listing the certificates
# NAME (V) and, after --revoked, NAME (R).
cp_ocsp_index() {
	local file=$1 state=V name serial end subj
	shift
	: >"$file"
	for name in "$@"; do
		if [ "$name" = --revoked ]; then state=R; continue; fi
		serial=$(openssl x509 -in "$PKI_DIR/$name.pem" -noout -serial | cut -d= -f2)
		end=$(date -u -d "$(openssl x509 -in "$PKI_DIR/$name.pem" -noout -enddate |
			cut -d= -f2)" +%y%m%d%H%M%SZ)
		subj=$(openssl x509 -in "$PKI_DIR/$name.pem" -noout -subject -nameopt compat |
			sed 's/^subject=//')
		if [ "$state" = R ]; then
			printf 'R\t%s\t%s,keyCompromise\t%s\tunknown\t%s\n' "$end" \
				"$(date -u -d '-1 hour' +%y%m%d%H%M%SZ)" "$serial" "$subj" >>"$file"
		else
			printf 'V\t%s\t\t%s\tunknown\t%s\n' "$end" "$serial" "$subj" >>"$file"
		fi
	done
}

# cp_ocsp_start INDEX: `openssl ocsp` as a responder signing with the CA.
cp_ocsp_start() {
	CP_OCSP_LOG=$WORK/ocsp.log
	ip netns exec "$NS_G" stdbuf -oL openssl ocsp -index "$1" -port "$CP_OCSP_PORT" \
		-CA "$PKI_DIR/ca.pem" -rsigner "$PKI_DIR/ca.pem" -rkey "$PKI_DIR/ca.key" \
		-nmin 10 -text >"$CP_OCSP_LOG" 2>&1 &
	CP_OCSP_PID=$!
	PIDS+=("$CP_OCSP_PID")
	wait_for 100 cp_listening "$CP_OCSP_PORT" || die "the OCSP responder did not start:
$(cat "$CP_OCSP_LOG")"
}

cp_ocsp_stop() {
	local p keep=()
	stop_pid "$CP_OCSP_PID"
	for p in "${PIDS[@]}"; do [ "$p" = "$CP_OCSP_PID" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
	CP_OCSP_PID=""
}
