/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Translations of the rove command's own sentences (gettext domain "rove",
 * po/; the engine's sentences go through core/i18n.h, the same macros).
 * _() looks a sentence up, N_() marks one for xgettext without looking it
 * up. */
#ifndef ROVE_CLIENT_I18N_H
#define ROVE_CLIENT_I18N_H

#include <libintl.h>

#define _(s) dgettext("rove", s)
#define N_(s) (s)

/* Sets LC_MESSAGES and LC_CTYPE from the environment (not LC_NUMERIC: the
 * JSON and the tables keep their dots) and binds the domain to the
 * installed catalogues, or to ROVE_LOCALE_DIR when set (not for setuid
 * runs: secure_getenv). */
void rove_i18n_init(void);

#endif
