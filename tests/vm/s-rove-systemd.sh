# rove@.service as built, under the systemd that is PID 1 in this VM
# (run.sh, vm-init.sh), against a strongSwan gateway doing kernel ESP: the
# unit's whole sandbox (capabilities, read-only system, address families,
# system call filter, device policy...) around a real session. `systemctl
# start rove@test` returns once the tunnel is up (Type=notify), the LAN
# answers through it, DNS is written to /etc/resolv.conf through the unit's
# ReadWritePaths; `systemctl stop` sends the DELETE and leaves nothing;
# SIGKILL brings a restart that comes up again; a missing profile (exit 2)
# is a failed start with no restart.
#
# Only the network namespace, the profile directory and the ordering are
# changed, by a drop-in: the unit runs in the client namespace of the
# harness, reads its profile from /run (the VM's /etc is the host's, read
# only), and does without sysinit.target (the host's whole early boot,
# about 20 s under TCG, none of it needed here) but for journald.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${ROVE_VM_SHARE:-/run/rove-vm}/lib.sh"
export ROVE_BIN=$bin/rove GW_KERNEL_ESP=1
. "$integ/lib.sh"
share=${ROVE_VM_SHARE:-/run/rove-vm}

[ "$(cat /proc/1/comm)" = systemd ] || skip "PID 1 is not systemd (ROVE_VM_INIT=sh?)"
[ -f "$share/rove@.service" ] || skip "ROVE_UNIT was not given to run.sh"

vm_rove_start
units=/run/systemd/system
etc=/run/rove-etc
# The session's own run directory, as `rove status` looks for it.
RUN_DIR=/run/rove
PROFILE_DIR=$etc

stage "the unit and the drop-in"
sed "s#^ExecStart=[^ ]*/rove #ExecStart=$ROVE_BIN #" "$share/rove@.service" >"$units/rove@.service"
grep '^ExecStart=' "$units/rove@.service"
mkdir -p "$units/rove@.service.d"
cat >"$units/rove@.service.d/test.conf" <<EOF
[Unit]
DefaultDependencies=no
Wants=systemd-journald.socket
After=systemd-journald.socket
[Service]
NetworkNamespacePath=/run/netns/$NS_C
Environment=ROVE_CONFIG_DIR=$etc
EOF
# Profiles and the CA under /run: /tmp (the harness's) is private to the
# unit (PrivateTmp=yes), /etc belongs to the host.
mkdir -p -m 700 "$etc"
cp "$PKI_DIR/ca.pem" "$etc/ca.pem"
write_profile test server="$GW_ADDR" remote-id="$GW_NAME" user="$EAP_USER" \
	ca="$etc/ca.pem" datapath=kernel -- password="$EAP_PASSWORD" >/dev/null
# /etc/resolv.conf is the host's, read-only here: a writable file over it,
# for rove's resolv.conf backend and the unit's ReadWritePaths= to reach.
printf '# the VM scenario rove-systemd\nnameserver 192.0.2.53\n' >/run/rove-resolv.conf
cp /run/rove-resolv.conf "$WORK/resolv.orig"
mount --bind /run/rove-resolv.conf /etc/resolv.conf
# (cleanup exits with the status it finds in $?: keep the test's.)
trap 'rc_=$?; umount /etc/resolv.conf 2>/dev/null; (exit $rc_); cleanup' EXIT
systemctl daemon-reload

# unit_show UNIT PROP: one property's value.
unit_show() { systemctl show -P "$2" "$1"; }
unit_log() {
	say "journalctl -u $1 (journald $(systemctl is-active systemd-journald.service)):"
	journalctl --no-pager -q -o cat -u "$1" 2>&1 | tail -n 20 | sed 's/^/    /'
}

stage "systemctl start rove@test"
t0=$(cut -d' ' -f1 /proc/uptime)
rc=0
# (systemd 252 keeps a start job waiting through failed tries and
# restarts: a session that never comes up would block here for good.)
timeout 180 systemctl start rove@test || rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
say "systemctl start returned $rc after $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s (emulated)"
systemctl status --no-pager rove@test | sed 's/^/    /' || true
require "systemctl start rove@test exits 0" test "$rc" = 0
check "the unit is active (running)" test "$(unit_show rove@test ActiveState)/$(unit_show rove@test SubState)" = active/running
check "its status line is rove's ($(unit_show rove@test StatusText))" \
	sh -c "systemctl show -P StatusText rove@test | grep -q '^up, datapath kernel'"
pid=$(unit_show rove@test MainPID)
say "main pid $pid"
read -r dp vip spi_in spi_out <<<"$(status_of test datapath virtual_ips.0 children.0.spi_in children.0.spi_out)"
check "rove status (through /run/rove) finds the session, datapath kernel ($dp)" test "$dp" = kernel
check "virtual IP $vip is in $POOL" in_pool "$vip"
check_sas "$spi_in" "$spi_out"
check "the LAN host $LAN_HOST answers through the tunnel" lan_reachable
check "the gateway's DNS $LAN_DNS is in /etc/resolv.conf (ReadWritePaths)" \
	grep -q "^nameserver $LAN_DNS" /etc/resolv.conf

stage "the sandbox the session runs in"
# Its mount namespace, and its root (-r: were PID 1 chrooted rather than
# switch_root'ed, the namespace's own root would be the initramfs).
in_unit() { nsenter -t "$pid" -m -r "$@"; }
check "nsenter sees the session's files (rove at $ROVE_BIN)" in_unit test -x "$ROVE_BIN"
grep -E '^(CapBnd|CapEff|NoNewPrivs|Seccomp):' "/proc/$pid/status" | sed 's/^/    /'
# The session's mounts as it sees them: mount point and options.
awk '$5 ~ /^\/(run|tmp|etc|root|home)?(\/rove|\/resolv.conf)?$/ { print "    " $5, $6 }' "/proc/$pid/mountinfo"
# CAP_NET_ADMIN (12) and CAP_NET_BIND_SERVICE (10): 0x1400.
check "bounding set: CAP_NET_ADMIN and CAP_NET_BIND_SERVICE only" \
	grep -qx 'CapBnd:[[:space:]]*0000000000001400' "/proc/$pid/status"
check "no new privileges" grep -qx 'NoNewPrivs:[[:space:]]*1' "/proc/$pid/status"
check "a seccomp filter (SystemCallFilter, RestrictAddressFamilies...)" \
	grep -qx 'Seccomp:[[:space:]]*2' "/proc/$pid/status"
check "/run/rove is writable for the session (RuntimeDirectory)" \
	in_unit sh -c 'touch /run/rove/probe && rm /run/rove/probe'
# (The VM's root is read-only anyway: /run, a tmpfs, shows the setting.)
check "/run outside it is read-only (ProtectSystem=strict)" \
	not in_unit sh -c 'touch /run/rove-probe 2>/dev/null'
check "/etc/resolv.conf is writable (ReadWritePaths)" \
	in_unit sh -c 'test -w /etc/resolv.conf && grep -q " /etc/resolv.conf rw[, ]" /proc/self/mountinfo'
check "/tmp is private (PrivateTmp)" not in_unit test -d "$WORK"
check "home directories are empty (ProtectHome)" \
	in_unit sh -c 'test -z "$(ls -A /root 2>/dev/null)"'

stage "systemctl stop rove@test"
rc=0
systemctl stop rove@test || rc=$?
check "systemctl stop exits 0" test "$rc" = 0
check "the session ended with exit 0 ($(unit_show rove@test ExecMainStatus))" \
	test "$(unit_show rove@test ExecMainStatus)" = 0
check "the unit is inactive, not failed ($(unit_show rove@test ActiveState))" \
	test "$(unit_show rove@test ActiveState)" = inactive
check_clean "after systemctl stop"
check "the gateway has no IKE SA left (rove sent the DELETE)" wait_for 50 gw_sa_count_is 0
check "/etc/resolv.conf is back as it was" cmp -s /etc/resolv.conf "$WORK/resolv.orig"
check "/run/rove survives the stop (RuntimeDirectoryPreserve)" test -d /run/rove
unit_log rove@test

stage "SIGKILL: Restart=on-failure brings it up again"
require "systemctl start rove@test exits 0 again" timeout 180 systemctl start rove@test
pid=$(unit_show rove@test MainPID)
kill -9 "$pid"
# RestartSec=10s, then the stale session's cleanup and a new IKE_SA_INIT.
up_again() {
	[ "$(unit_show rove@test ActiveState)" = active ] &&
		[ "$(unit_show rove@test MainPID)" != "$pid" ] &&
		[ "$(unit_show rove@test MainPID)" != 0 ]
}
check "a new session is up after the kill" \
	wait_for 600 up_again
n=$(unit_show rove@test NRestarts)
check "systemd counted one restart ($n)" test "$n" = 1
check "the LAN answers through the new tunnel" lan_reachable
check "one session's SAs, the killed one's cleaned up" test "$(xfrm_ours state)" = 2
require "systemctl stop exits 0" systemctl stop rove@test
check_clean "after the restarted session's stop"

stage "a missing profile: a failed start, no restart (exit 2)"
rc=0
timeout 180 systemctl start rove@missing || rc=$?
check "systemctl start rove@missing fails ($rc)" test "$rc" != 0
check "the session exited 2 ($(unit_show rove@missing ExecMainStatus))" \
	test "$(unit_show rove@missing ExecMainStatus)" = 2
check "the unit is failed, not restarting ($(unit_show rove@missing ActiveState))" \
	test "$(unit_show rove@missing ActiveState)" = failed
check "no restart ($(unit_show rove@missing NRestarts))" test "$(unit_show rove@missing NRestarts)" = 0
unit_log rove@missing
systemctl reset-failed rove@missing 2>/dev/null || true
finish
