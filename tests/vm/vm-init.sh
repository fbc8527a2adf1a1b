#!/bin/sh
# /init of the VM's initramfs (busybox): mounts the host's root read-only
# over virtio 9p, puts tmpfs on /tmp and /run, mounts the writable share at
# /run/rove-vm and hands PID 1 over, inside the host root, to the host's
# systemd (rove.init=systemd on the kernel command line), which runs
# vm-stage2.sh as the one unit of its target, or else to vm-stage2.sh.
# The root is mounted with cache=loose: the VM only reads it, and caching
# halves the run time under TCG; binaries that change come via the share.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
halt() { echo "rove-vm: $*"; poweroff -f; }

for m in $(cat /mods/order); do
	insmod "/mods/$m.ko" || echo "rove-vm: insmod $m failed"
done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /newroot ||
	halt "cannot mount the host root"
mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp
mount -t tmpfs -o mode=755 tmpfs /newroot/run
mkdir /newroot/run/rove-vm
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 rovevm /newroot/run/rove-vm ||
	halt "cannot mount the share"

# The kernel loads modules (crypto, xfrm) through /proc/sys/kernel/modprobe;
# the host's modprobe must look in the unpacked kernel, not /lib/modules.
modroot=$(sed -n 's/.*rove\.modroot=\([^ ]*\).*/\1/p' /proc/cmdline)
printf '#!/bin/sh\nexec /sbin/modprobe -d %s "$@"\n' "$modroot" > /newroot/run/rove-modprobe
chmod 755 /newroot/run/rove-modprobe
echo /run/rove-modprobe > /proc/sys/kernel/modprobe

init=$(sed -n 's/.*rove\.init=\([^ ]*\).*/\1/p' /proc/cmdline)
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
# exec: PID 1 itself must be chrooted, as the kernel's usermode helpers
# (modprobe) resolve paths in PID 1's root.
if [ "$init" = systemd ]; then
	# /run/systemd/system is in systemd's unit path and on our tmpfs: the
	# scenarios' target, with nothing of the host's boot in it (the host's
	# default target would start its daemons, gettys and timers). Units a
	# scenario starts bring their own dependencies. The target is named
	# on systemd's command line: in a chroot, systemd 252 ignores the
	# kernel's (systemd.unit=).
	mkdir -p /newroot/run/systemd/system
	cat > /newroot/run/systemd/system/rove-vm.target <<EOF
[Unit]
Description=rove VM scenarios
Requires=rove-vm.service
After=rove-vm.service
EOF
	cat > /newroot/run/systemd/system/rove-vm.service <<EOF
[Unit]
Description=rove VM scenarios (vm-stage2.sh)
DefaultDependencies=no
[Service]
Type=oneshot
ExecStart=/bin/sh /run/rove-vm/vm-stage2.sh
StandardOutput=tty
StandardError=tty
TTYPath=/dev/console
EOF
	# What the host enabled under network-online.target (NetworkManager's
	# and networkd's wait-online, with the daemons they pull in) is masked:
	# rove@.service wants that target, and a NetworkManager started in the
	# VM would take over the scenarios' interfaces. Units in /run win over
	# /etc's, so a link to /dev/null there masks them for this boot only.
	# systemd-tmpfiles-setup too: Debian's tmp.conf empties /tmp ("D") at
	# sysinit.target, which rove@.service pulls in, and the scenarios'
	# work directories live there. The wants/ entries are absolute links
	# into /lib, dangling from here (before switch_root): test -L too.
	for u in /newroot/etc/systemd/system/network-online.target.wants/* \
		/newroot/lib/systemd/system/NetworkManager.service \
		/newroot/lib/systemd/system/systemd-networkd.service \
		/newroot/lib/systemd/system/systemd-tmpfiles-setup.service \
		/newroot/lib/systemd/system/systemd-tmpfiles-clean.service; do
		[ -e "$u" ] || [ -L "$u" ] || continue
		ln -sf /dev/null "/newroot/run/systemd/system/${u##*/}"
	done
	# switch_root, not chroot: the host root becomes the root of PID 1's
	# mount namespace. Under a chrooted systemd, ProtectSystem=strict
	# left /run and /tmp writable (its read-only remount of / did not
	# reach the mounts below it).
	exec switch_root /newroot /lib/systemd/systemd --unit=rove-vm.target --show-status=no
fi
exec chroot /newroot /bin/sh /run/rove-vm/vm-stage2.sh
