/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Libraries loaded at their first use instead of at exec: GIO (only the
 * systemd-resolved client needs it) and json-glib (the control protocol,
 * used once a session is up). Linking them made every `rove up` pay their
 * loading (with libmount, libselinux, libblkid, libffi ...) before its
 * first packet; see docs/architecture.md, "What `rove up` loads".
 *
 * client/json_lazy.c and core/runner/gio_lazy.c define the few functions
 * rove calls, each forwarding to the real one found here. A library that
 * cannot be loaded is a broken installation (the package depends on it):
 * the process says so on stderr and aborts. */
#ifndef ROVE_LAZY_H
#define ROVE_LAZY_H

/* The address of `name` in the shared library `soname` (dlopen'ed once,
 * kept for the life of the process). Never NULL. */
void *rove_lazy_sym(const char *soname, const char *name);

/* In a wrapper: the real function `fn`, looked up once. */
#define ROVE_LAZY(soname, fn)                                                 \
	({                                                                    \
		static __typeof__(&fn) real_;                                 \
		if (!real_)                                                   \
			real_ = (__typeof__(&fn))rove_lazy_sym(soname, #fn);  \
		real_;                                                        \
	})

#endif
