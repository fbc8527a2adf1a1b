/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tun.h"
#include "i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Debian 12's kernel headers predate UDP segmentation offload (Linux 6.2). */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

_Static_assert(sizeof(struct virtio_net_hdr) == ROVE_TUN_VNET_LEN, "vnet header size");

const char *rove_tun_name_for(const char *profile, char out[ROVE_IFNAMSIZ])
{
	size_t n;

	snprintf(out, ROVE_IFNAMSIZ, "rove-%s", profile ? profile : "");
	n = strlen(out);
	for (size_t i = 5; i < n; i++)
		if (out[i] == '/' || out[i] == ':' || out[i] <= ' ' || out[i] == 0x7f)
			out[i] = '-';
	return out;
}

/* Offloads from most to least capable; a kernel that lacks one refuses
 * the whole set with EINVAL. */
static const unsigned offload_sets[] = {
	TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_USO4 | TUN_F_USO6,
	TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN,
	TUN_F_CSUM,
	0,
};

int rove_tun_open(struct rove_tun *t, const char *name, struct rove_err *err)
{
	struct ifreq ifr = { 0 };
	int hdr = ROVE_TUN_VNET_LEN;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if (strlen(name) >= IFNAMSIZ)
		return rove_err_set(err, ROVE_E_INVAL, _("interface name %s is too long"), name);
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0)
		return rove_err_set(err, ROVE_E_IO, _("cannot open /dev/net/tun: %s"), strerror(errno));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		rove_err_set(err, ROVE_E_IO, _("cannot create the TUN device %s: %s"), name,
			     errno == EBUSY ? "busy (another process holds it)" : strerror(errno));
		goto fail;
	}
	if (ioctl(t->fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		rove_err_set(err, ROVE_E_IO, _("cannot set the vnet header size on %s: %s"), name,
			     strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < sizeof(offload_sets) / sizeof(offload_sets[0]); i++) {
		if (ioctl(t->fd, TUNSETOFFLOAD, (unsigned long)offload_sets[i]) == 0) {
			t->offload = offload_sets[i];
			break;
		}
	}
	memcpy(t->name, ifr.ifr_name, IFNAMSIZ);
	t->name[IFNAMSIZ - 1] = 0;
	t->ifindex = (int)if_nametoindex(t->name);
	if (!t->ifindex) {
		rove_err_set(err, ROVE_E_IO, _("cannot find the TUN device %s: %s"), t->name,
			     strerror(errno));
		goto fail;
	}
	return 0;
fail:
	rove_tun_close(t);
	return -1;
}

void rove_tun_close(struct rove_tun *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static int ifreq_ioctl(const struct rove_tun *t, unsigned long req, struct ifreq *ifr,
		       const char *what, struct rove_err *err)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r;

	if (s < 0)
		return rove_err_set(err, ROVE_E_IO, _("cannot %s %s: %s"), what, t->name, strerror(errno));
	memcpy(ifr->ifr_name, t->name, IFNAMSIZ);
	r = ioctl(s, req, ifr);
	if (r < 0)
		rove_err_set(err, ROVE_E_IO, _("cannot %s %s: %s"), what, t->name, strerror(errno));
	close(s);
	return r < 0 ? -1 : 0;
}

int rove_tun_set_mtu(const struct rove_tun *t, unsigned mtu, struct rove_err *err)
{
	struct ifreq ifr = { 0 };

	ifr.ifr_mtu = (int)mtu;
	return ifreq_ioctl(t, SIOCSIFMTU, &ifr, _("set the MTU of"), err);
}

int rove_tun_set_up(const struct rove_tun *t, struct rove_err *err)
{
	struct ifreq ifr = { 0 };

	if (ifreq_ioctl(t, SIOCGIFFLAGS, &ifr, _("read the flags of"), err) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ifreq_ioctl(t, SIOCSIFFLAGS, &ifr, _("bring up"), err);
}
