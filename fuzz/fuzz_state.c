/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session state file parser (cleanup.h): whatever the bytes, it stays
 * inside them; what it accepts, it writes back and reads again the same. */
#include "cleanup.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_route(const struct rove_route *r)
{
	struct rove_route back;
	char s[256];

	if (rove_state_route_str(r, s, sizeof(s)) < 0 ||
	    rove_state_parse_route(s, strlen(s), &back) < 0)
		abort();
	if (!rove_addr_eq(&back.dst.addr, &r->dst.addr) || back.dst.len != r->dst.len ||
	    back.oif != r->oif || back.table != r->table || !rove_addr_eq(&back.src, &r->src) ||
	    !rove_addr_eq(&back.via, &r->via))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rove_state_info in;
	struct rove_err err;
	/* An exact-size copy, so reading one byte past it is caught. */
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (rove_state_parse(copy, size, "fuzz", &in, &err) == 0) {
		if (!in.session[0] || in.nroutes > ROVE_STATE_MAX_ROUTES ||
		    in.nvips > ROVE_STATE_MAX_VIPS)
			abort();
		if (in.has_reqid && (in.reqid & 0xffff0000u) != 0x726f0000u)
			abort();
		if (in.tun[0] && strncmp(in.tun, "rove-", 5) != 0)
			abort();
		for (size_t i = 0; i < in.nroutes; i++)
			same_route(&in.routes[i]);
	}
	free(copy);
	return 0;
}
