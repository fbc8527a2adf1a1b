#!/bin/sh
# Inside the VM, chrooted into the host's root (read-only), with tmpfs /tmp
# and /run and the share at /run/rove-vm: env (ROVE_VM_MODROOT,
# ROVE_VM_SCENARIOS), the scripts, bin/ and out/; PID 1 itself, or a unit
# of systemd as PID 1 (vm-init.sh). Runs each scenario, writes
# out/NAME.log and a line "NAME RC" to out/results, powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
share=/run/rove-vm
. $share/env
# the integration harness's keep_evidence writes here, run.sh copies it out
if [ -n "${ROVE_VM_EVIDENCE:-}" ]; then export ROVE_TEST_EVIDENCE=$share/out/evidence; fi
mkdir -p /dev/pts /dev/shm
# systemd mounts these itself.
mountpoint -q /dev/pts || mount -t devpts devpts /dev/pts
mountpoint -q /dev/shm || mount -t tmpfs tmpfs /dev/shm
ip link set lo up

uptime_s() { cut -d' ' -f1 /proc/uptime; }
echo "rove-vm: $(uname -r) up at $(uptime_s) s, PID 1 $(cat /proc/1/comm)"
modprobe -d "$ROVE_VM_MODROOT" -a veth esp4 esp6 xfrm_user xfrm4_tunnel 2>/dev/null ||
	modprobe -d "$ROVE_VM_MODROOT" -a veth esp4 esp6 xfrm_user
echo "rove-vm: modules loaded at $(uptime_s) s"

for s in $ROVE_VM_SCENARIOS; do
	echo "rove-vm: $s at $(uptime_s) s"
	( cd /tmp && ROVE_VM_SHARE=$share sh $share/s-$s.sh ) > $share/out/$s.log 2>&1
	echo "$s $?" >> $share/out/results
done
echo "rove-vm: done at $(uptime_s) s"
sync
busybox poweroff -f
