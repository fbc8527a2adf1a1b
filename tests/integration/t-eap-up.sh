#!/bin/bash
# rove up with EAP-MSCHAPv2 against a strongSwan gateway that proves itself
# with its certificate; status as rove and the gateway see it; rove down.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need_rove
integ_init
setup_net
make_pki "$WORK/pki"
start_gw "$WORK/gw"
profile=$(profile_eap vpn)
J=$WORK/status-vpn.json

require "rove up vpn exits 0" rove_to up up "$profile"
check "rove up reports the virtual IP" \
	grep -qE 'virtual IP 10\.3\.0\.[0-9]+' "$WORK/up.out" "$WORK/up.err"

require "rove status vpn --json" rove_status_json vpn
check "state is established" test "$(json_get "$J" state)" = established
check "name is vpn" test "$(json_get "$J" name)" = vpn
check "server is $GW_ADDR" test "$(json_get "$J" server)" = "$GW_ADDR"
check "local_address is $CLIENT_ADDR" test "$(json_get "$J" local_address)" = "$CLIENT_ADDR"
check "remote_address is $GW_ADDR" test "$(json_get "$J" remote_address)" = "$GW_ADDR"
# strongSwan with kernel-libipsec fakes a NAT on its side to force UDP
# encapsulation, so only our side must be free of NAT.
check "no NAT on our side (nat_local false)" test "$(json_get "$J" nat_local)" = false
vip=$(json_get "$J" virtual_ips.0 || true)
check "virtual IP $vip is in $POOL" in_pool "$vip"
check "DNS $LAN_DNS announced" json_has "$J" dns "$LAN_DNS"
check "one child SA" test "$(json_len "$J" children)" = 1
check "the child's remote_ts is $LAN_NET" json_has "$J" children.0.remote_ts "$LAN_NET"
check "the child's local_ts is the virtual IP" json_has "$J" children.0.local_ts "$vip/32"
check "the IKE proposal is named" test -n "$(json_get "$J" ike.proposal)"
check "the ESP proposal is named" test -n "$(json_get "$J" children.0.proposal)"

say "# what the gateway sees"
gw_sas | sed 's/^/    /'
check "the gateway lists the IKE SA ESTABLISHED from $CLIENT_ADDR" \
	gw_has_sa_from "${CLIENT_ADDR}["
# The userspace datapath (the only one on this kernel) speaks ESP in UDP
# only, so rove makes the gateway encapsulate even without a NAT, the way
# strongSwan's kernel-libipsec does: the gateway then believes rove is
# behind one.
check "rove asked for UDP encapsulation (the gateway saw a NAT)" \
	test "$(gw_log_count 'remote host is behind NAT')" -ge 1
check "the gateway leased the same virtual IP" gw_leased "$vip"
spi_i=$(json_get "$J" ike.spi_i || true)
spi_r=$(json_get "$J" ike.spi_r || true)
check "the gateway's IKE SA has rove's SPIs $spi_i/$spi_r" gw_has_ike_spis "$spi_i" "$spi_r"
spi_in=$(json_get "$J" children.0.spi_in || true)
spi_out=$(json_get "$J" children.0.spi_out || true)
check "the gateway's ESP SA has rove's SPIs in $spi_in out $spi_out" \
	gw_has_esp_spis "$spi_in" "$spi_out"

datapath=$(json_get "$J" datapath || true)
if [ "$datapath" = none ]; then
	say "# datapath none: the tunnel carries no traffic yet, no ping"
else
	check "the LAN host $LAN_HOST answers through the tunnel ($datapath)" lan_reachable
fi

say "# the control socket is root's only"
check "the control socket is root's, mode 600" \
	test "$(stat -c '%U %a' "$RUN_DIR/vpn.sock")" = "root 600"
check "the run directory is root's, mode 700" \
	test "$(stat -c '%U %a' "$RUN_DIR")" = "root 700"
# Even with the directory and the socket opened to everyone, the session
# hangs up on another user (SO_PEERCRED) without a word of status.
chmod 711 "$WORK" "$RUN_DIR"
chmod 666 "$RUN_DIR/vpn.sock"
ROVE_RUN_DIR="$RUN_DIR" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$ROVE_BIN" status vpn --json \
	>"$WORK/nobody.out" 2>"$WORK/nobody.err" </dev/null && rc=0 || rc=$?
sed 's/^/    nobody: /' "$WORK/nobody.out" "$WORK/nobody.err"
check "rove status as nobody fails" test "$rc" != 0
check "and says only root may ask" grep -q "only root may ask it" "$WORK/nobody.err"
check "and got no status" not grep -q established "$WORK/nobody.out"
chmod 600 "$RUN_DIR/vpn.sock"
chmod 700 "$WORK" "$RUN_DIR"

check "rove down vpn exits 0" rove_to down down vpn
check "the gateway no longer lists the IKE SA" wait_for 30 gw_sa_count_is 0
check "rove status vpn fails: the session is gone" not rove_is_up vpn
check "rove status --json lists no session" rove_lists_no_session
check "the run directory holds no socket or pid file" run_dir_clean
check "no process is left in the client namespace" wait_for 30 client_ns_idle
finish
