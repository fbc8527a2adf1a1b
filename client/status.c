/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `rove status [NAME] [--json]`: ask each session for its status document
 * and print it as JSON or as a table. */
#include "commands.h"
#include "i18n.h"
#include "ctl.h"
#include "json.h"
#include "rundir.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define STATUS_TIMEOUT_MS 5000
#define NCOLS 13

static const char *const headers[NCOLS] = {
	"NAME", "STATE", "SERVER", "VIRTUAL IP", "UPTIME", "PATH", "NAT", "MOVES", "PROPOSAL", "IN",
	"OUT", "DATAPATH", "REKEYS",
};

struct row {
	char cell[NCOLS][128];
	char note[512]; /* a revocation check that did not happen */
	char tls_note[160]; /* a line under the table ("" = none): EAP-TLS */
};

/* Asks one session; 0 with the document in reply, 1 when it is not up,
 * -1 on error (printed). */
static int fetch(const char *name, struct rove_buf *reply)
{
	char sock[ROVE_PATH_MAX];
	struct rove_err err;

	rove_buf_init(reply);
	if (rove_run_path(sock, sizeof(sock), name, ".sock", &err) < 0) {
		fprintf(stderr, "rove: %s\n", err.msg);
		return -1;
	}
	switch (rove_ctl_call(sock, ROVE_CTL_STATUS, STATUS_TIMEOUT_MS, reply, &err)) {
	case ROVE_CTL_OK:
		return 0;
	case ROVE_CTL_STALE:
		rove_run_cleanup(name);
		return 1;
	case ROVE_CTL_ABSENT:
		return 1;
	case ROVE_CTL_ERROR:
		break;
	}
	fprintf(stderr, "rove: %s: %s\n", name, err.msg);
	return -1;
}

static void fmt_duration(char *out, size_t len, uint64_t s)
{
	if (s < 60)
		snprintf(out, len, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(out, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s % 3600 / 60);
	else
		snprintf(out, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s % 86400 / 3600);
}

static void fmt_bytes(char *out, size_t len, uint64_t b)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)b;
	int u = -1;

	if (b < 1024) {
		snprintf(out, len, "%" PRIu64 " B", b);
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(out, len, "%.1f %s", v, units[u]);
}

static void join_strings(char *out, size_t len, const struct rove_json *arr)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < rove_json_count(arr) && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s", i ? "," : "",
					rove_json_str(rove_json_at(arr, i), "?"));
	if (!out[0])
		snprintf(out, len, "-");
}

/* After a redirect the server column names the gateway in use:
 * "203.0.113.2 (redirected 1x)". */
static void redirect_cell(char *out, size_t len, const struct rove_json *j)
{
	const struct rove_json *rd = rove_json_get(j, "redirect");
	uint64_t n = rove_json_get_u64(rd, "count", 0);

	if (n)
		snprintf(out, len, "%s (redirected %" PRIu64 "x)",
			 rove_json_get_str(rd, "gateway", "?"), n);
}

/* "3 (last 12s ago, next 47m10s)": rekeys of both kinds so far, the time
 * since the last one and until the next one we start. */
static void rekey_cell(char *out, size_t len, const struct rove_json *rk)
{
	uint64_t n = rove_json_get_u64(rk, "ike_rekeys", 0) + rove_json_get_u64(rk, "child_rekeys", 0);
	uint64_t ike = rove_json_get_u64(rk, "ike_rekey_in_seconds", UINT64_MAX);
	uint64_t child = rove_json_get_u64(rk, "child_rekey_in_seconds", UINT64_MAX);
	uint64_t ago = rove_json_get_u64(rk, "last_rekey_seconds_ago", UINT64_MAX);
	uint64_t next = ike < child ? ike : child;
	char a[32] = "-", b[32] = "-";

	if (!rk) {
		snprintf(out, len, "-");
		return;
	}
	if (ago != UINT64_MAX)
		fmt_duration(a, sizeof(a), ago);
	if (next != UINT64_MAX)
		fmt_duration(b, sizeof(b), next);
	snprintf(out, len, "%" PRIu64 " (last %s%s, next %s)", n, a, ago != UINT64_MAX ? " ago" : "",
		 b);
}

static void fill_row(struct row *r, const struct rove_json *j)
{
	const struct rove_json *ike = rove_json_get(j, "ike");
	const struct rove_json *children = rove_json_get(j, "children");
	const struct rove_json *first = rove_json_at(children, 0);
	const char *state = rove_json_get_str(j, "state", "?");
	uint64_t in = 0, out = 0;
	const struct rove_json *tls = rove_json_get(j, "eap_tls");

	r->tls_note[0] = '\0'; /* status_one's row is on the stack */
	if (tls && rove_json_get_str(tls, "version", NULL))
		snprintf(r->tls_note, sizeof(r->tls_note), "%s: EAP-TLS %s %s",
			 rove_json_get_str(j, "name", "?"), rove_json_get_str(tls, "version", ""),
			 rove_json_get_str(tls, "cipher", ""));

	for (size_t i = 0; i < rove_json_count(children); i++) {
		in += rove_json_get_u64(rove_json_at(children, i), "bytes_in", 0);
		out += rove_json_get_u64(rove_json_at(children, i), "bytes_out", 0);
	}
	snprintf(r->cell[0], sizeof(r->cell[0]), "%s", rove_json_get_str(j, "name", "?"));
	snprintf(r->cell[1], sizeof(r->cell[1]), "%s", state);
	if (strcmp(state, "reconnecting") == 0) {
		const struct rove_json *rc = rove_json_get(j, "reconnect");
		const struct rove_json *next = rove_json_get(rc, "next_attempt_seconds");

		/* "reconnecting (#3 in 4s)", or "(#3)" while an attempt runs */
		if (next && rove_json_get_u64(rc, "next_attempt_seconds", UINT64_MAX) != UINT64_MAX)
			snprintf(r->cell[1], sizeof(r->cell[1]), "reconnecting (#%" PRIu64 " in %" PRIu64 "s)",
				 rove_json_get_u64(rc, "attempts", 0) + 1,
				 rove_json_get_u64(rc, "next_attempt_seconds", 0));
		else
			snprintf(r->cell[1], sizeof(r->cell[1]), "reconnecting (#%" PRIu64 ")",
				 rove_json_get_u64(rc, "attempts", 0));
	}
	snprintf(r->cell[2], sizeof(r->cell[2]), "%s", rove_json_get_str(j, "server", "?"));
	r->note[0] = '\0';
	if (strstr(rove_json_get_str(j, "revocation", ""), "not checked"))
		snprintf(r->note, sizeof(r->note), "%s: gateway certificate revocation: %s",
			 r->cell[0], rove_json_get_str(j, "revocation", ""));
	redirect_cell(r->cell[2], sizeof(r->cell[2]), j);
	join_strings(r->cell[3], sizeof(r->cell[3]), rove_json_get(j, "virtual_ips"));
	if (strcmp(state, "established") == 0)
		fmt_duration(r->cell[4], sizeof(r->cell[4]),
			     rove_json_get_u64(ike, "established_seconds", 0));
	else
		snprintf(r->cell[4], sizeof(r->cell[4]), "-");
	/* The path in use: our address and the gateway's, or that we wait. */
	if (rove_json_get_bool(j, "parked", false))
		snprintf(r->cell[5], sizeof(r->cell[5]), "(no address)");
	else
		snprintf(r->cell[5], sizeof(r->cell[5]), "%.60s -> %.60s",
			 rove_json_get_str(j, "local_address", "?"),
			 rove_json_get_str(j, "remote_address", "?"));
	snprintf(r->cell[6], sizeof(r->cell[6]), "%s",
		 rove_json_get_bool(j, "nat_detected", false) ? "yes" : "no");
	snprintf(r->cell[7], sizeof(r->cell[7]), "%llu",
		 (unsigned long long)rove_json_get_u64(j, "moves", 0));
	/* The ESP proposal is the one that carries traffic. */
	snprintf(r->cell[8], sizeof(r->cell[8]), "%s",
		 first ? rove_json_get_str(first, "proposal", "-")
		       : rove_json_get_str(ike, "proposal", "-"));
	if (!r->cell[8][0])
		snprintf(r->cell[8], sizeof(r->cell[8]), "-");
	fmt_bytes(r->cell[9], sizeof(r->cell[9]), in);
	fmt_bytes(r->cell[10], sizeof(r->cell[10]), out);
	snprintf(r->cell[11], sizeof(r->cell[11]), "%s", rove_json_get_str(j, "datapath", "?"));
	rekey_cell(r->cell[12], sizeof(r->cell[12]), rove_json_get(j, "rekey"));
}

/* Cells come from a daemon that echoes names from the network: print
 * control characters as '?'. */
static void print_cell(const char *s, int width, bool last)
{
	int n = 0;

	for (; *s; s++, n++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	if (!last)
		printf("%*s", width - n + 2, "");
}

static void print_table(struct row *rows, size_t n)
{
	int w[NCOLS];

	for (int c = 0; c < NCOLS; c++) {
		w[c] = (int)strlen(headers[c]);
		for (size_t i = 0; i < n; i++)
			if ((int)strlen(rows[i].cell[c]) > w[c])
				w[c] = (int)strlen(rows[i].cell[c]);
	}
	for (int c = 0; c < NCOLS; c++)
		print_cell(headers[c], w[c], c == NCOLS - 1);
	putchar('\n');
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < NCOLS; c++)
			print_cell(rows[i].cell[c], w[c], c == NCOLS - 1);
		putchar('\n');
	}
	for (size_t i = 0; i < n; i++) {
		if (rows[i].note[0]) {
			print_cell(rows[i].note, 0, true);
			putchar('\n');
		}
		if (rows[i].tls_note[0])
			printf("%s\n", rows[i].tls_note);
	}
}

/* Parses and collects one answer; prints it raw in JSON mode. */
static int collect(const char *name, struct rove_buf *reply, bool json, bool first,
		   struct row *row)
{
	struct rove_err err;
	struct rove_json *j;
	size_t len = reply->len;

	j = rove_json_parse((const char *)reply->data, len, &err);
	if (!j || j->type != ROVE_JSON_OBJECT) {
		fprintf(stderr, "rove: %s answered something unexpected: %s\n", name,
			j ? "not an object" : err.msg);
		rove_json_free(j);
		return -1;
	}
	if (json) {
		while (len && (reply->data[len - 1] == '\n' || reply->data[len - 1] == ' '))
			len--;
		printf("%s%.*s", first ? "" : ",\n", (int)len, (const char *)reply->data);
	} else {
		fill_row(row, j);
	}
	rove_json_free(j);
	return 0;
}

static int status_one(const char *name, bool json)
{
	struct rove_buf reply;
	struct row row;
	int r = fetch(name, &reply);

	if (r > 0)
		fprintf(stderr, _("rove: %s is not up\n"), name);
	if (r != 0) {
		rove_buf_free(&reply);
		return ROVE_EXIT_FAIL;
	}
	r = collect(name, &reply, json, true, &row);
	rove_buf_free(&reply);
	if (r < 0)
		return ROVE_EXIT_FAIL;
	if (json)
		putchar('\n');
	else
		print_table(&row, 1);
	return ROVE_EXIT_OK;
}

static int status_all(bool json)
{
	struct rove_err err;
	struct row *rows;
	char **names;
	size_t nrows = 0;
	int n, rc = ROVE_EXIT_OK;

	n = rove_run_list(&names, &err);
	if (n < 0) {
		fprintf(stderr, "rove: %s\n", err.msg);
		return ROVE_EXIT_FAIL;
	}
	rows = calloc((size_t)n + 1, sizeof(*rows));
	if (!rows) {
		rove_names_free(names, n);
		fprintf(stderr, "rove: out of memory\n");
		return ROVE_EXIT_FAIL;
	}
	if (json)
		printf("[");
	for (int i = 0; i < n; i++) {
		struct rove_buf reply;
		int r = fetch(names[i], &reply);

		if (r > 0)
			continue; /* went down meanwhile */
		if (r == 0)
			r = collect(names[i], &reply, json, nrows == 0, &rows[nrows]);
		if (r == 0)
			nrows++;
		else
			rc = ROVE_EXIT_FAIL;
		rove_buf_free(&reply);
	}
	if (json)
		printf("]\n");
	else if (nrows)
		print_table(rows, nrows);
	else if (rc == ROVE_EXIT_OK)
		printf("%s", _("no sessions are up\n"));
	free(rows);
	rove_names_free(names, n);
	return rc;
}

int rove_cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char shortopts[] = ":jh";
	static const struct rove_optdoc docs[] = {
		{ 'j', NULL, "print the JSON status document instead of the table" },
		{ 0 },
	};
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			rove_cmd_help("status", shortopts, opts, docs);
			return ROVE_EXIT_OK;
		default:
			return rove_option_error(c, argv);
		}
	}
	if (argc - optind > 1)
		return rove_usage_error("status takes at most one session name");
	if (argc - optind == 0)
		return status_all(json);
	if (!rove_name_valid(argv[optind]))
		return rove_usage_error("\"%s\" is not a session name", argv[optind]);
	return status_one(argv[optind], json);
}
