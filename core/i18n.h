/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Translations of the engine's and the platform layer's sentences (error
 * messages, the profile checker's problems, progress and log lines) in the
 * gettext domain "rove" (po/). The library only looks sentences up; the
 * programs bind the domain and set the locale (client/main.c, gui/, the
 * editor plugin). Without that, or in the C locale (nm-rove-service,
 * rove-statusd, tests), dgettext returns the English sentence itself.
 * Protocol names, keys and parsed tokens are not marked.
 *
 * _() looks a sentence up, N_() marks one for xgettext only. Both are the
 * same as client/i18n.h's, so a file may see either header. */
#ifndef ROVE_I18N_H
#define ROVE_I18N_H

#include <libintl.h>

#define _(s) dgettext("rove", s)
#define N_(s) (s)

#endif
