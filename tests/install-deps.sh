#!/bin/sh
# Installs what rove needs to build and test on Debian 12 (run as root).
# Idempotent: apt-get skips what is already there. Libreswan is not in the
# list: it conflicts with strongSwan, so the VM tier unpacks its package
# (tests/vm/run.sh) and only its libraries are installed here.
set -eu
pkgs="meson ninja-build pkg-config gcc clang llvm libclang-rt-14-dev
 libssl-dev libglib2.0-dev libmnl-dev
 strongswan-charon strongswan-swanctl strongswan-pki libstrongswan-standard-plugins
 libcharon-extra-plugins libstrongswan-extra-plugins libcharon-extauth-plugins
 nftables iproute2 iputils-ping tcpdump python3 python3-cryptography util-linux procps groff-base openssl
 qemu-system-x86 busybox-static kmod cpio iperf3 systemd
 openiked libnss3-tools libcurl3-nss libldns3 libunbound8 libevent-pthreads-2.1-7"
# The NetworkManager tests (tests/nm): NetworkManager, NetworkManager-strongswan
# (the yardstick of bench/nmcli-up.sh), a system bus, gdbus and python3-gi for bus checks.
pkgs="$pkgs network-manager network-manager-strongswan dbus libglib2.0-bin python3-gi"
# The NetworkManager plugin and rove-statusd (libnm, GDBus); json-glib for
# rove's JSON (status, control protocol).
pkgs="$pkgs libnm-dev libjson-glib-dev"
# The editor plugin (nm-plugin/properties: libnma for GTK 3 and GTK 4) and the
# gui suite (tests/gui): gtk4-builder-tool (libgtk-4-bin), Xvfb, ImageMagick's
# import (screenshots), xdotool, librsvg2-common (GTK 3's check marks).
pkgs="$pkgs libnma-dev libnma-gtk4-dev libgtk-3-dev libgtk-4-dev libgtk-4-bin"
pkgs="$pkgs xvfb xauth imagemagick xdotool librsvg2-common"
# the app (gui/, data/, po/) and its gui suite: GTK 4, libadwaita, libnm, libsecret,
# gettext; a headless desktop session (Xvfb, session bus, keyring, AT-SPI, tray
# watcher and host, screenshots); NetworkManager; desktop-file and AppStream checks
pkgs="$pkgs libgtk-4-dev libadwaita-1-dev libnm-dev libsecret-1-dev gettext network-manager desktop-file-utils appstream xvfb xauth dbus gnome-keyring at-spi2-core libglib2.0-bin haskell-status-notifier-item-utils haskell-gtk-sni-tray-utils imagemagick xdotool libsecret-tools python3-gi gir1.2-secret-1 python3-pyatspi librsvg2-common"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
fail() { printf 'install-deps: %s\n' "$@" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "these packages are missing:$missing" \
	"run me as root (or install them with apt-get install)."
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing$missing"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt-get update -qq >"$log" 2>&1 || {
	tail -n 10 "$log" >&2
	fail "apt-get update failed (above): check the network and the Debian" \
		"mirror in /etc/apt/sources.list, then run me again."
}
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >"$log" 2>&1 || {
	tail -n 15 "$log" >&2
	fail "apt-get install failed (above) for:$missing" \
		"rove needs Debian 12 (bookworm) with its main component; check the mirror."
}
