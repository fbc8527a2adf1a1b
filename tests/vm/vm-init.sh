#!/bin/sh
# /init of the VM's initramfs (busybox): mounts the host's root read-only
# over virtio 9p, puts tmpfs on /tmp and /run, mounts the writable share at
# /run/rove-vm and hands PID 1 over to vm-stage2.sh inside the host root.
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

mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
# exec: PID 1 itself must be chrooted, as the kernel's usermode helpers
# (modprobe) resolve paths in PID 1's root.
exec chroot /newroot /bin/sh /run/rove-vm/vm-stage2.sh
