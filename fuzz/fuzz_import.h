/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every importer's fuzz target checks of an import that succeeded
 * (fuzz_import_sswan.c, fuzz_import_mobileconfig.c): a gateway and an
 * authentication method, every note a sentence, and a profile text that
 * rove's own parser reads back. Takes im and frees it. */
#ifndef ROVE_FUZZ_IMPORT_H
#define ROVE_FUZZ_IMPORT_H

#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "profile.h"

static void fuzz_import_check(struct rove_import *im)
{
	struct rove_profile p;
	char *text;

	if (!g_hash_table_lookup(im->data, "server") || !g_hash_table_lookup(im->data, "auth"))
		abort();
	for (guint i = 0; i < im->notes->len; i++)
		if (!*(const char *)im->notes->pdata[i])
			abort(); /* every note is a sentence */
	/* without the embedded files, whose paths only exist once written */
	for (guint i = 0; i < im->files->len; i++) {
		struct rove_import_file *f = im->files->pdata[i];

		g_hash_table_remove(im->data, f->key);
	}
	text = rove_import_profile_text(im->data, im->secrets, true);
	rove_profile_parse("/etc/rove/fuzz.conf", text, strlen(text), &p, NULL);
	rove_profile_free(&p);
	g_free(text);
	rove_import_free(im);
}

#endif
