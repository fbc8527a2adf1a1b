#!/bin/sh
# Installs what rove needs to build and test on Debian 12 (run as root).
# Idempotent: apt-get skips what is already there.
set -eu
pkgs="meson ninja-build pkg-config gcc clang llvm libclang-rt-14-dev
 libssl-dev libglib2.0-dev libmnl-dev
 strongswan-charon strongswan-swanctl strongswan-pki libstrongswan-standard-plugins
 libcharon-extra-plugins libstrongswan-extra-plugins libcharon-extauth-plugins
 nftables iproute2 iputils-ping tcpdump python3 util-linux procps
 qemu-system-x86 busybox-static kmod cpio iperf3"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
