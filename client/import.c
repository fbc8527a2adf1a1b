/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `rove import FILE`: a rove profile from a strongSwan .sswan, an Apple
 * .mobileconfig or another rove profile (nm-plugin/shared/import.h), with
 * the certificates and keys inside it written beside it. */
#include "commands.h"
#include "import.h"
#include "rundir.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct import_opts {
	const char *file, *dir, *name;
	bool force;
};

/* 0 to go on, -1 after --help, else the usage error's exit code. */
static int parse_args(int argc, char **argv, struct import_opts *o)
{
	static const struct option opts[] = {
		{ "output-dir", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char shortopts[] = ":o:fh";
	static const struct rove_optdoc docs[] = {
		{ 'o', "DIR", "write the profile into DIR instead of /etc/rove" },
		{ 'n', "NAME", "call the profile NAME (DIR/NAME.conf)" },
		{ 'f', NULL, "replace files that exist" },
		{ 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->dir = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'f':
			o->force = true;
			break;
		case 'h':
			rove_cmd_help("import", shortopts, opts, docs);
			return -1;
		default:
			return rove_option_error(c, argv);
		}
	}
	if (argc - optind != 1)
		return rove_usage_error("import takes one file");
	o->file = argv[optind];
	if (o->name && !rove_name_valid(o->name))
		return rove_usage_error("\"%s\" cannot be a profile name: use letters, digits, "
					"'.', '_' and '-'", o->name);
	return 0;
}

/* Removes the files rove_import_write_files wrote, after a later failure. */
static void unlink_written(struct rove_import *im)
{
	for (guint i = 0; i < im->files->len; i++) {
		struct rove_import_file *f = im->files->pdata[i];
		const char *path = g_hash_table_lookup(im->data, f->key);

		if (path && path[0] == '/')
			unlink(path);
	}
}

static int write_profile(struct rove_import *im, const struct import_opts *o, const char *name)
{
	const char *dir = o->dir ? o->dir : rove_config_dir();
	char *path = g_strdup_printf("%s/%s.conf", dir, name), *text;
	struct rove_err err;
	int rc = ROVE_EXIT_FAIL;

	if (!o->force && access(path, F_OK) == 0) {
		fprintf(stderr, "rove: %s exists; use --force to replace it or --name to "
			"choose another name\n", path);
		g_free(path);
		return ROVE_EXIT_FAIL;
	}
	if (rove_import_write_files(im, dir, name, o->force, &err) < 0) {
		fprintf(stderr, "rove: %s\n", err.msg);
		unlink_written(im);
		g_free(path);
		return ROVE_EXIT_FAIL;
	}
	text = rove_import_profile_text(im->data, im->secrets, true);
	/* 0600 always: a profile may gain secrets later, and rove refuses
	 * secrets that others can read. */
	if (rove_import_write_path(path, text, strlen(text), 0600, o->force, &err) < 0) {
		fprintf(stderr, "rove: %s\n", err.msg);
		unlink_written(im);
	} else {
		printf("wrote %s\n", path);
		for (guint i = 0; i < im->files->len; i++) {
			struct rove_import_file *f = im->files->pdata[i];

			printf("wrote %s (%s)\n", (char *)g_hash_table_lookup(im->data, f->key),
			       f->key);
		}
		rc = ROVE_EXIT_OK;
	}
	explicit_bzero(text, strlen(text));
	g_free(text);
	g_free(path);
	return rc;
}

int rove_cmd_import(int argc, char **argv)
{
	struct import_opts o;
	struct rove_import *im;
	struct rove_err err;
	GError *e = NULL;
	char *buf = NULL;
	gsize len = 0;
	int rc = parse_args(argc, argv, &o);

	if (rc)
		return rc < 0 ? ROVE_EXIT_OK : rc;
	if (!g_file_get_contents(o.file, &buf, &len, &e)) {
		fprintf(stderr, "rove: %s\n", e->message);
		g_error_free(e);
		return ROVE_EXIT_FAIL;
	}
	im = rove_import_parse(buf, len, ROVE_IMPORT_AUTO, o.file, &err);
	explicit_bzero(buf, len);
	g_free(buf);
	if (!im) {
		/* a profile's own problems already name the file */
		if (!strncmp(err.msg, o.file, strlen(o.file)))
			fprintf(stderr, "rove: %s\n", err.msg);
		else
			fprintf(stderr, "rove: %s: %s\n", o.file, err.msg);
		return ROVE_EXIT_USAGE;
	}
	rc = write_profile(im, &o, o.name ? o.name : im->name);
	if (rc == ROVE_EXIT_OK && im->notes->len) {
		printf("not imported:\n");
		for (guint i = 0; i < im->notes->len; i++)
			printf("  %s\n", (char *)im->notes->pdata[i]);
	}
	rove_import_free(im);
	return rc;
}
