/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void *rove_lazy_sym(const char *soname, const char *name)
{
	void *h, *sym = NULL;

	pthread_mutex_lock(&lock);
	/* RTLD_NOLOAD first: the library may be in the process already (a
	 * driver that links it); dlopen keeps one handle per library. */
	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	if (!h)
		h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (h)
		sym = dlsym(h, name);
	pthread_mutex_unlock(&lock);
	if (!sym) {
		const char *why = dlerror();

		fprintf(stderr, "rove: cannot load %s from %s: %s; reinstall the package that "
				"provides %s\n", name, soname, why ? why : "not found", soname);
		abort();
	}
	return sym;
}
