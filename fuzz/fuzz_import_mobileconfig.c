/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Input: a .mobileconfig file as is. What imports must give a gateway and a profile
 * text that rove's own parser accepts back as the same keys. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rove_import *im;
	struct rove_err err;
	struct rove_profile p;
	char *text;

	if (size > ROVE_IMPORT_MAX_SIZE)
		return 0;
	im = rove_import_mobileconfig((const char *)data, size, "fuzz.mobileconfig", &err);
	if (!im)
		return 0;
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
	return 0;
}
