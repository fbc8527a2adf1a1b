#!/bin/bash
# The inside of the NetworkManager box (tests/nm/nm.sh starts it with
# `ip netns exec NS unshare -m --propagation private`): a private /run and
# /var/lib/NetworkManager, /sys read-only (NetworkManager then runs without
# udev and manages the veth), the project's installed tree over its prefix,
# the .name files NetworkManager and nmcli read, strongswan.conf for
# charon-nm and a hosts file; then it becomes the box's system bus, whose
# PID the harness enters with nsenter. Nothing here is seen outside the box.
# Arguments: the box's directory (files the harness wrote), the destdir of
# `meson install`, the prefix.
set -eu
box=$1 dest=$2 prefix=$3
mount -t tmpfs -o mode=755 none /run
mkdir -p /run/dbus /run/nm-connections
chmod 700 /run/nm-connections
mount -t tmpfs -o mode=755 none /var/lib/NetworkManager
umount -l /sys
mount -t sysfs -o ro sysfs /sys
# The installed tree appears at its prefix, over what is there (the host's
# /usr/local, or /usr for --prefix=/usr), so every installed path resolves.
mount -t overlay overlay -o "lowerdir=$dest$prefix:$prefix" "$prefix"
mount --bind "$box/vpn" /usr/lib/NetworkManager/VPN
mount --bind "$box/strongswan.conf" /etc/strongswan.conf
mount --bind "$box/hosts" /etc/hosts
exec dbus-daemon --nofork --nopidfile --config-file="$box/system-bus.conf"
