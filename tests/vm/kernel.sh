# Sourced by run.sh: the Debian kernel and the initramfs, both cached.

# kernel_fetch CACHE: unpacks the kernel that linux-image-amd64 points at
# into CACHE/PKG (apt-get download + dpkg -x, never installed) and builds
# its modules.dep, which dpkg -x leaves out. Sets kpkg, kroot, kver and
# modroot (the directory holding lib/modules/KVER, for modprobe -d).
kernel_fetch() {
	_deps() {
		apt-cache depends linux-image-amd64 2>/dev/null |
			awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
	}
	kpkg=$(_deps)
	if [ -z "$kpkg" ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		kpkg=$(_deps)
	fi
	# Offline with a filled cache: take what is there.
	if [ -z "$kpkg" ]; then
		kpkg=$(ls "$1" 2>/dev/null | grep '^linux-image-' | tail -n 1 || true)
	fi
	[ -n "$kpkg" ] || die "cannot find Debian's kernel package (apt-cache depends linux-image-amd64)"
	kroot=$1/$kpkg
	if [ ! -d "$kroot/boot" ]; then
		echo "vm: fetching $kpkg (once; cached in $1)"
		_dl=$(mktemp -d "$1/dl.XXXXXX")
		(cd "$_dl" && apt-get download -q "$kpkg" >/dev/null 2>&1) ||
			{ rm -rf "$_dl"; die "apt-get download $kpkg failed"; }
		dpkg -x "$_dl"/*.deb "$_dl/root"
		rm -rf "$kroot"
		mv "$_dl/root" "$kroot"
		rm -rf "$_dl"
	fi
	kver=$(ls "$kroot/boot" | sed -n 's/^vmlinuz-//p' | head -n 1)
	[ -n "$kver" ] || die "no vmlinuz in $kroot/boot"
	# Debian 12 ships /lib/modules, later releases /usr/lib/modules.
	if [ -d "$kroot/lib/modules/$kver" ]; then
		modroot=$kroot
	else
		modroot=$kroot/usr
	fi
	[ -f "$modroot/lib/modules/$kver/modules.dep" ] || depmod -b "$modroot" "$kver"
}

# initrd_build CACHE INIT: a busybox initramfs with INIT as /init and the
# modules needed to mount the host's root over virtio 9p, in load order.
# Cached per kernel and per content of INIT; prints its path.
initrd_build() {
	_sum=$(cat "$2" "$here/kernel.sh" | md5sum | cut -c1-12)
	_out=$1/initrd-$kver-$_sum.gz
	if [ -f "$_out" ]; then
		echo "$_out"
		return
	fi
	_r=$(mktemp -d "$1/initrd.XXXXXX")
	mkdir -p "$_r/bin" "$_r/proc" "$_r/sys" "$_r/dev" "$_r/newroot" "$_r/mods"
	cp "$(command -v busybox)" "$_r/bin/busybox"
	ln -s busybox "$_r/bin/sh"
	cp "$2" "$_r/init"
	chmod 755 "$_r/init"
	# modprobe resolves the dependencies; built-in ones need nothing.
	modprobe -d "$modroot" -S "$kver" --show-depends -a virtio_pci 9pnet_virtio 9p |
		awk '$1 == "insmod" { print $2 }' | while read -r _ko; do
			_name=$(basename "$_ko")
			_name=${_name%%.ko*}
			grep -qx "$_name" "$_r/mods/order" 2>/dev/null && continue
			case "$_ko" in
			*.ko.xz) xz -dc "$_ko" > "$_r/mods/$_name.ko" ;;
			*.ko.zst) zstd -qdc "$_ko" > "$_r/mods/$_name.ko" ;;
			*) cp "$_ko" "$_r/mods/$_name.ko" ;;
			esac
			echo "$_name" >> "$_r/mods/order"
		done
	[ -s "$_r/mods/order" ] || touch "$_r/mods/order"
	(cd "$_r" && find . | cpio -o -H newc --quiet | gzip -1) > "$_out.tmp"
	mv "$_out.tmp" "$_out"
	rm -rf "$_r"
	echo "$_out"
}
