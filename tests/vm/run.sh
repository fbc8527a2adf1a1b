#!/bin/sh
# The VM tier: boots Debian's own kernel under qemu (TCG) with this
# machine's root shared read-only over 9p, runs scenario scripts inside it
# and reports. It exists because the host kernel may lack ESP: inside the
# VM, XFRM SAs carry real traffic.
#
#   tests/vm/run.sh SCENARIO...     e.g. xfrm-ip xfrm-pair unit
#
# A scenario is tests/vm/s-NAME.sh, run as root inside the VM (see
# vm-stage2.sh for what it finds there). Binaries it needs come through the
# environment: ROVE_XFRM_PAIR (tests/vm/xfrm-pair), ROVE_TEST_XFRM (the
# unit test), ROVE_BIN (rove), ROVE_RUNNER_REPORT (tests/tools/runner-report),
# ROVE_UNIT (the built rove@.service), ROVE_RECORD (tests/tools/rove-record,
# for s-interop-openiked.sh), ROVE_BUILD_DIR and ROVE_PREFIX (for
# s-nm-kernel.sh: the project is installed here with `meson install
# --destdir` into the share's dest/, as tests/nm installs it on the host;
# the VM sees the build tree read-only, and meson install writes its log
# there); meson sets them. They are copied into the VM's share, so the build tree may
# live anywhere; so is the integration harness (tests/integration), for
# the scenarios that run strongSwan.
#
# Needs root, qemu-system-x86, busybox-static, kmod and cpio (listed in
# tests/install-deps.sh). The kernel package is fetched with apt-get
# download once and, with the initramfs, cached in $ROVE_VM_CACHE
# (default /var/cache/rove-vm). Exit 0 when every scenario passed, 1 when
# one failed, 77 when the VM cannot run here. A scenario that exits 77 was
# skipped (it says why).
#
# PID 1 in the VM is the host's systemd when it has one (ROVE_VM_INIT=sh
# forces the old way, vm-stage2.sh as PID 1): every scenario runs as part
# of one systemd unit, and s-rove-systemd.sh starts rove@.service there.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${ROVE_VM_CACHE:-/var/cache/rove-vm}
timeout_s=${ROVE_VM_TIMEOUT:-1500}
init=${ROVE_VM_INIT:-}
if [ -z "$init" ]; then
	if [ -x /lib/systemd/systemd ]; then init=systemd; else init=sh; fi
fi

skip() { echo "skip: $*"; exit 77; }
die() { echo "vm: $*" >&2; exit 1; }

[ $# -gt 0 ] || die "usage: run.sh SCENARIO..."
[ "$(id -u)" = 0 ] || skip "the VM tier needs root"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is missing (qemu-system-x86)"
for tool in cpio depmod modprobe; do
	command -v $tool >/dev/null || skip "$tool is missing (cpio, kmod)"
done
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && ldd "$busybox" 2>&1 | grep -q "not a dynamic" ||
	skip "a static busybox is missing (busybox-static)"
for s in "$@"; do
	[ -f "$here/s-$s.sh" ] || die "no scenario $s (tests/vm/s-$s.sh)"
done

. "$here/kernel.sh"
mkdir -p "$cache"
kernel_fetch "$cache"   # sets kpkg, kroot, kver, modroot
initrd=$(initrd_build "$cache" "$here/vm-init.sh")

# Libreswan (s-interop-libreswan.sh) conflicts with strongSwan's packages:
# its package is unpacked into the cache, never installed; its libraries
# are (tests/install-deps.sh). Without apt or the package the scenario
# skips.
libreswan=""
case " $* " in *" interop-libreswan "*)
	lpkg=$(apt-cache policy libreswan 2>/dev/null | awk '/Candidate:/ { print $2 }')
	if [ -n "$lpkg" ] && [ "$lpkg" != "(none)" ]; then
		libreswan=$cache/libreswan-$lpkg
		if [ ! -x "$libreswan/usr/libexec/ipsec/pluto" ]; then
			echo "vm: fetching libreswan $lpkg (once; cached in $cache)"
			_dl=$(mktemp -d "$cache/dl.XXXXXX")
			if (cd "$_dl" && apt-get download -q libreswan >/dev/null 2>&1); then
				dpkg -x "$_dl"/libreswan_*.deb "$_dl/root"
				rm -rf "$libreswan"
				mv "$_dl/root" "$libreswan"
			else
				echo "vm: apt-get download libreswan failed: interop-libreswan will skip"
				libreswan=""
			fi
			rm -rf "$_dl"
		fi
	fi
	;;
esac

# The share: scripts, binaries, the scenario list in, logs out.
work=$(mktemp -d /tmp/rove-vm.XXXXXX)
# ROVE_VM_KEEP=1 keeps the share (logs and captures in out/) for a look.
if [ -n "${ROVE_VM_KEEP:-}" ]; then
	trap 'echo "vm: kept $work"' EXIT
else
	trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/bin" "$work/out"
cp "$here"/vm-stage2.sh "$here"/lib.sh "$here"/interop.sh "$here"/s-*.sh "$work/"
mkdir "$work/integration"
for f in lib net pki strongswan rove traffic t-redirect clientcert; do
	cp "$here/../integration/$f.sh" "$work/integration/"
done
for b in "${ROVE_XFRM_PAIR:-}" "${ROVE_TEST_XFRM:-}" "${ROVE_BIN:-}" "${ROVE_RUNNER_REPORT:-}" \
	"${ROVE_RECORD:-}"; do
	if [ -n "$b" ]; then cp "$b" "$work/bin/"; fi
done
if [ -n "${ROVE_UNIT:-}" ]; then cp "$ROVE_UNIT" "$work/"; fi
# The NetworkManager harness (tests/nm/nm.sh, with ../integration beside
# it) and the installed tree its box lays over the prefix.
nm_prefix=""
case " $* " in *" nm-kernel "*)
	mkdir "$work/nm"
	cp "$here/../nm/nm.sh" "$here/../nm/nm-box.sh" "$here/../nm/bus-conf.sh" "$work/nm/"
	if [ -n "${ROVE_BUILD_DIR:-}" ]; then
		if meson install -C "$ROVE_BUILD_DIR" --no-rebuild --quiet --destdir "$work/dest" \
			>"$work/out/nm-install.log" 2>&1; then
			nm_prefix=${ROVE_PREFIX:-/usr/local}
		else
			echo "vm: meson install failed (nm-kernel will fail):"
			tail -n 20 "$work/out/nm-install.log"
		fi
	fi
	;;
esac
{
	echo "ROVE_VM_MODROOT='$modroot'"
	echo "ROVE_VM_SCENARIOS='$*'"
	# the scenarios keep their logs and secrets for tests/secrets-check.sh
	if [ -n "${ROVE_TEST_EVIDENCE:-}" ]; then echo "ROVE_VM_EVIDENCE=1"; fi
	echo "ROVE_VM_LIBRESWAN='$libreswan'"
	echo "ROVE_VM_NM_PREFIX='$nm_prefix'"
} > "$work/env"

echo "vm: booting $kpkg ($kver), init $init, for: $*"
start=$(date +%s)
rc=0
# no_timer_check: under TCG on a busy host the kernel's IO-APIC timer test
# can time out and panic the boot ("IO-APIC + timer doesn't work").
timeout "$timeout_s" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -m 1024 -smp 2 \
	-kernel "$kroot/boot/vmlinuz-$kver" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 no_timer_check rove.modroot=$modroot rove.init=$init" \
	-nographic -no-reboot -nic none \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$work",mount_tag=rovevm,security_model=none \
	</dev/null >"$work/console.log" 2>&1 || rc=$?
echo "vm: qemu exited ($rc) after $(( $(date +%s) - start )) s"
grep -a '^rove-vm: ' "$work/console.log" || true

if [ -n "${ROVE_TEST_EVIDENCE:-}" ] && [ -d "$work/out/evidence" ]; then
	mkdir -p "$ROVE_TEST_EVIDENCE"
	for e in "$work/out/evidence"/*; do
		[ -d "$e" ] && cp -r "$e" "$ROVE_TEST_EVIDENCE/vm-${e##*/}"
	done
fi

# Every scenario must have reported; a missing line is a failure.
failed=0
for s in "$@"; do
	echo "=== $s"
	[ -f "$work/out/$s.log" ] && sed 's/^/  /' "$work/out/$s.log"
	res=$(awk -v s="$s" '$1 == s { print $2 }' "$work/out/results" 2>/dev/null || true)
	case "$res" in
	0) echo "=== $s: ok" ;;
	77) echo "=== $s: skipped" ;;
	"") echo "=== $s: no result"; failed=1 ;;
	*) echo "=== $s: FAILED ($res)"; failed=1 ;;
	esac
done
if [ $failed != 0 ] || [ ! -f "$work/out/results" ]; then
	echo "--- console (last 40 lines)"
	tail -n 40 "$work/console.log"
	exit 1
fi
exit 0
