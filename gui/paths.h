/* Where the app finds its installed files. ROVE_DATA_DIR (a source tree's
 * data/) and ROVE_LOCALE_DIR (a build tree's po/) override the installed
 * places, so the tests run the app from the build tree. */
#ifndef ROVE_GUI_PATHS_H
#define ROVE_GUI_PATHS_H

/* The icon theme root holding hicolor/ (newly allocated). */
char *rove_icon_dir(void);
/* The SVG of a rove icon, or NULL when it is not there (newly allocated). */
char *rove_icon_file(const char *name);
/* The directory with LANG/LC_MESSAGES/rove.mo (static). */
const char *rove_locale_dir(void);

#endif
