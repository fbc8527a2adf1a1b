/* Installed paths, with overrides for running from the build tree. */
#include "paths.h"

#include <glib.h>

char *rove_icon_dir(void)
{
	const char *d = g_getenv("ROVE_DATA_DIR");
	return d ? g_build_filename(d, "icons", NULL) : g_strdup(ROVE_ICONDIR);
}

char *rove_icon_file(const char *name)
{
	char *dir = rove_icon_dir();
	char *base = g_strconcat(name, ".svg", NULL);
	char *f = g_build_filename(dir, "hicolor", "symbolic", "apps", base, NULL);
	g_free(dir);
	g_free(base);
	if (!g_file_test(f, G_FILE_TEST_EXISTS))
		g_clear_pointer(&f, g_free);
	return f;
}

const char *rove_locale_dir(void)
{
	const char *d = g_getenv("ROVE_LOCALE_DIR");
	return d ? d : ROVE_LOCALEDIR;
}
