/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TUN device of the userspace datapath (platform layer, Linux).
 *
 * The device is opened with IFF_TUN | IFF_NO_PI | IFF_VNET_HDR and never
 * made persistent: the kernel deletes it when the last descriptor closes,
 * so it disappears with the process however that ends (kill -9 included).
 *
 * With IFF_VNET_HDR every packet read or written is preceded by a struct
 * virtio_net_hdr (ROVE_TUN_VNET_LEN bytes). Through TUNSETOFFLOAD we accept
 * checksum offload and TCP (and, on kernels that have it, UDP)
 * segmentation offload: the kernel may hand us a super-packet of up to
 * 64 KiB with unfinished checksums, which gso.h splits into MTU-sized
 * packets. That turns ~45 reads into one, the main cost of a TUN.
 *
 * The caller owns the struct; rove_tun_close closes the descriptor. */
#ifndef ROVE_TUN_H
#define ROVE_TUN_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define ROVE_TUN_VNET_LEN 10 /* sizeof(struct virtio_net_hdr) */
#define ROVE_IFNAMSIZ 16     /* IFNAMSIZ: 15 characters and the NUL */

struct rove_tun {
	int fd;                    /* non-blocking, close-on-exec; -1 = closed */
	int ifindex;
	char name[ROVE_IFNAMSIZ];
	unsigned offload;          /* TUN_F_* flags the kernel accepted */
};

/* "rove-" and the profile name, cut to 15 characters, with characters an
 * interface name cannot hold ('/', ':', whitespace) replaced by '-'.
 * Returns out. */
const char *rove_tun_name_for(const char *profile, char out[ROVE_IFNAMSIZ]);

/* Creates the device `name` (which must not exist yet: a device of that
 * name held by another process fails with "busy"). The offloads are
 * negotiated down from TSO+USO to TSO to none, whatever the kernel has. */
int rove_tun_open(struct rove_tun *t, const char *name, struct rove_err *err);
void rove_tun_close(struct rove_tun *t);

int rove_tun_set_mtu(const struct rove_tun *t, unsigned mtu, struct rove_err *err);
int rove_tun_set_up(const struct rove_tun *t, struct rove_err *err);

#endif
