/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Input: one mode octet, then the text.
 *   mode % 4 == 0: a profile keyfile (rove_profile_parse);
 *   1, 2: an ike= / esp= proposal string; what parses is also turned into
 *         an SA, listed, and each wire proposal is answered back as the
 *         responder's choice, which must be accepted;
 *   3: a responder's SA payload body checked against our defaults. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ikev2.h"
#include "payload.h"
#include "profile.h"
#include "proposal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_profile(const char *text, size_t len)
{
	struct rove_profile p;
	struct rove_diags diags;
	char line[5000];

	memset(&diags, 0, sizeof(diags));
	if (rove_profile_parse("/etc/rove/fuzz.conf", text, len, &p, &diags) == 0 &&
	    (!p.server || p.auth == ROVE_PROFILE_AUTH_AUTO || !p.nroutes))
		abort(); /* success promises these */
	if (diags.n > ROVE_MAX_DIAGS)
		abort();
	for (size_t i = 0; i < diags.n; i++)
		rove_diag_format(&diags.d[i], line, sizeof(line));
	rove_profile_free(&p);
}

/* The responder's answer that picks the first transform of each type. */
static void first_choice(const struct rove_proposal *ours, struct rove_sa *reply)
{
	struct rove_proposal *r = &reply->prop[0];
	bool have[6] = { false };

	memset(reply, 0, sizeof(*reply));
	reply->n = 1;
	r->num = ours->num;
	r->protocol = ours->protocol;
	r->spi_len = ours->protocol == ROVE_PROTO_ESP ? 4 : 0;
	for (size_t i = 0; i < ours->n; i++) {
		const struct rove_transform *t = &ours->tr[i];

		if (t->type < 6 && !have[t->type]) {
			have[t->type] = true;
			r->tr[r->n++] = *t;
		}
	}
}

static void fuzz_proposals(const char *s, bool esp)
{
	static struct rove_sa sa, reply;
	struct rove_proposals ps, again;
	const uint8_t spi[4] = { 1, 2, 3, 4 };
	struct rove_chosen c;
	struct rove_err err;
	char str[4096], small[24];

	if (rove_proposals_parse(s, esp, &ps, &err) < 0)
		return;
	if (rove_proposals_to_sa(&ps, esp ? spi : NULL, esp ? 4 : 0, &sa, &err) < 0)
		abort(); /* whatever parses must fit the wire */
	rove_proposals_str(&ps, small, sizeof(small));
	rove_proposals_str(&ps, str, sizeof(str) - 1);
	if (strlen(str) + 1 < sizeof(str) - 2 && !strstr(str, "...")) {
		strcat(str, "!");
		if (rove_proposals_parse(str, esp, &again, &err) < 0 || again.n != ps.n)
			abort(); /* the listing parses back */
	}
	for (size_t i = 0; i < sa.n; i++) {
		first_choice(&sa.prop[i], &reply);
		if (rove_proposals_check_reply(&ps, &reply, &c, &err) < 0)
			abort(); /* a choice from our own offer is accepted */
		rove_chosen_str(&c, esp, small, sizeof(small));
	}
	(void)rove_proposals_first_dh(&ps);
}

static void fuzz_reply(const uint8_t *body, size_t len)
{
	static struct rove_sa reply;
	struct rove_proposals ps;
	struct rove_chosen c;
	struct rove_err err;
	char s[128];

	if (rove_sa_parse(body, len, &reply, &err) < 0)
		return;
	for (int esp = 0; esp < 2; esp++) {
		rove_proposals_default(esp, &ps);
		if (rove_proposals_check_reply(&ps, &reply, &c, &err) == 0)
			rove_chosen_str(&c, esp, s, sizeof(s));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1 || size > 70000)
		return 0;
	switch (data[0] % 4) {
	case 0:
		fuzz_profile((const char *)data + 1, size - 1);
		break;
	case 1:
	case 2:
		s = malloc(size);
		if (!s)
			return 0;
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		fuzz_proposals(s, data[0] % 4 == 2);
		free(s);
		break;
	case 3:
		fuzz_reply(data + 1, size - 1);
		break;
	}
	return 0;
}
