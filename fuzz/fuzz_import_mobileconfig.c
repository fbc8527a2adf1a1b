/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Input: a .mobileconfig file as is. What imports must give a gateway and a
 * profile text that rove's own parser accepts back as the same keys
 * (fuzz_import.h). */
#include <stdint.h>

#include "fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rove_import *im;
	struct rove_err err;

	if (size > ROVE_IMPORT_MAX_SIZE)
		return 0;
	im = rove_import_mobileconfig((const char *)data, size, "fuzz.mobileconfig", &err);
	if (im)
		fuzz_import_check(im);
	return 0;
}
