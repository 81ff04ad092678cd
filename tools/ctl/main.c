/*
 * np-ctl: one control client for every netproto daemon.
 *
 *   np-ctl [-s SOCKET] [-t SECONDS] [--json] DAEMON COMMAND [ARGS]
 *
 * It turns a short command ("np-ctl dhcpd leases 10.0.0.5") into the
 * daemon's Kea-shaped request ({"command": "lease4-get", "arguments":
 * {"ip-address": "10.0.0.5"}}, see daemons/common/ctl.h), sends it to the
 * daemon's control socket and prints the answer as a table, or as the
 * daemon's own JSON with --json.
 *
 * Exit status: 0 when the daemon answered result 0 (or 3, "empty", to a
 * listing without arguments), 1 when it answered anything else (its text on stderr: a refused
 * reload prints the config error with FILE:LINE), 2 for a usage error, 3
 * when the daemon could not be reached (not running, timeout).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <netproto/error.h>

#include "ctl.h"

#define RUNDIR "/run/netproto"
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

enum { D_DHCPD = 1, D_DNSD = 2, D_ARPD = 4, D_ALL = 7 };

/* An np-ctl command: which daemons have it and how many words it takes. */
struct cmd {
	const char *word;          /* first word on the command line */
	const char *sub;           /* second word, or NULL */
	unsigned daemons;          /* D_* mask */
	int min_args, max_args;    /* after word (and sub) */
	bool listing;              /* without arguments, result 3 (empty) is success */
	const char *usage;
	/* Build the request: command name and arguments (new reference or NULL). */
	const char *(*build)(char **argv, int argc, json_t **args);
};

static const char *b_status(char **v, int n, json_t **a) { (void)v; (void)n; *a = NULL; return "status-get"; }
static const char *b_stats(char **v, int n, json_t **a) { (void)v; (void)n; *a = NULL; return "statistic-get-all"; }
static const char *b_reload(char **v, int n, json_t **a) { (void)v; (void)n; *a = NULL; return "config-reload"; }
static const char *b_list(char **v, int n, json_t **a) { (void)v; (void)n; *a = NULL; return "list-commands"; }
static const char *b_version(char **v, int n, json_t **a) { (void)v; (void)n; *a = NULL; return "version-get"; }

static bool looks_like_mac(const char *s)
{
	return strchr(s, ':') != NULL || strchr(s, '-') != NULL;
}

/*
 * np-dhcpd's lease-get-all (both families: Kea's lease4-get-all and
 * lease6-get-all in one); Kea's lease4-get by "ip-address" or by "hw-address".
 */
static const char *b_leases(char **v, int n, json_t **a)
{
	if (n == 0) {
		*a = NULL;
		return "lease-get-all";
	}
	*a = json_pack("{s:s}", looks_like_mac(v[0]) ? "hw-address" : "ip-address", v[0]);
	return "lease4-get";
}

/* Kea: lease6-get-all. */
static const char *b_leases6(char **v, int n, json_t **a)
{
	(void)v;
	(void)n;
	*a = NULL;
	return "lease6-get-all";
}

static const char *b_release(char **v, int n, json_t **a)
{
	(void)n;
	*a = json_pack("{s:s}", "ip-address", v[0]);
	return "lease4-del";
}

static const char *b_cache_flush(char **v, int n, json_t **a)
{
	*a = n ? json_pack("{s:s}", "name", v[0]) : NULL;
	return "cache-flush";
}

static const char *b_cache_dump(char **v, int n, json_t **a)
{
	(void)v;
	(void)n;
	*a = NULL;
	return "cache-dump";
}

static const char *b_local(char **v, int n, json_t **a)
{
	(void)v;
	(void)n;
	*a = NULL;
	return "local-zone-dump";
}

static const char *b_table(char **v, int n, json_t **a)
{
	*a = n ? json_pack("{s:s}", "address", v[0]) : NULL;
	return "table";
}

/* "call COMMAND [JSON]": any command the daemon lists, for scripts. */
static const char *b_call(char **v, int n, json_t **a)
{
	json_error_t err;

	*a = NULL;
	if (n == 2) {
		*a = json_loads(v[1], JSON_DECODE_ANY, &err);
		if (!*a) {
			fprintf(stderr, "np-ctl: arguments are not JSON: %s\n", err.text);
			exit(EXIT_USAGE);
		}
	}
	return v[0];
}

static const struct cmd cmds[] = {
	{ "status", NULL, D_ALL, 0, 0, false, "status", b_status },
	{ "stats", NULL, D_ALL, 0, 0, false, "stats", b_stats },
	{ "reload", NULL, D_ALL, 0, 0, false, "reload", b_reload },
	{ "commands", NULL, D_ALL, 0, 0, false, "commands", b_list },
	{ "version", NULL, D_ALL, 0, 0, false, "version", b_version },
	{ "leases", NULL, D_DHCPD, 0, 1, true, "leases [MAC|IP]", b_leases },
	{ "leases6", NULL, D_DHCPD, 0, 0, true, "leases6", b_leases6 },
	{ "release", NULL, D_DHCPD, 1, 1, false, "release IP", b_release },
	{ "cache", "flush", D_DNSD, 0, 1, false, "cache flush [NAME]", b_cache_flush },
	{ "cache", "dump", D_DNSD, 0, 0, true, "cache dump", b_cache_dump },
	{ "local", NULL, D_DNSD, 0, 0, true, "local", b_local },
	{ "table", NULL, D_ARPD, 0, 1, false, "table [IP]", b_table },
	{ "call", NULL, D_ALL, 1, 2, false, "call COMMAND [JSON-ARGUMENTS]", b_call },
};

static const struct {
	const char *name;
	unsigned bit;
} daemons[] = {
	{ "dhcpd", D_DHCPD }, { "dnsd", D_DNSD }, { "arpd", D_ARPD },
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: np-ctl [-s SOCKET] [-t SECONDS] [--json] DAEMON COMMAND [ARGS]\n"
		"Control a running netproto daemon through its control socket.\n\n"
		"  -s, --socket SOCKET   control socket (default " RUNDIR "/np-DAEMON.sock)\n"
		"  -t, --timeout SECONDS wait this long for the answer (default 30)\n"
		"  -j, --json            print the daemon's JSON answer\n"
		"  -h, --help            show this help\n"
		"  -V, --version         show the version\n\n"
		"DAEMON is dhcpd, dnsd or arpd.  Commands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		fprintf(out, cmds[i].daemons == D_ALL ? "  %s" : "  %-30s", cmds[i].usage);
		for (size_t k = 0; k < sizeof(daemons) / sizeof(daemons[0]); k++)
			if (cmds[i].daemons != D_ALL && (cmds[i].daemons & daemons[k].bit))
				fprintf(out, " np-%s", daemons[k].name);
		fputc('\n', out);
	}
}

/* ---- Human output ------------------------------------------------------ */

/* Kea's statistic shape, [[value, "time"], ...]: the newest value. */
static const json_t *unwrap(const json_t *v)
{
	const json_t *first = json_array_get(v, 0);

	if (json_is_array(v) && json_is_array(first) && json_array_size(first) == 2 &&
	    json_is_string(json_array_get(first, 1)))
		return json_array_get(first, 0);
	return v;
}

/* A scalar as text in buf; NULL for objects and arrays. */
static const char *scalar_text(const json_t *v, char *buf, size_t cap)
{
	v = unwrap(v);
	switch (json_typeof(v)) {
	case JSON_STRING: return json_string_value(v);
	case JSON_INTEGER: snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); return buf;
	case JSON_REAL: snprintf(buf, cap, "%g", json_real_value(v)); return buf;
	case JSON_TRUE: return "yes";
	case JSON_FALSE: return "no";
	case JSON_NULL: return "-";
	default: return NULL;
	}
}

/* Any value on one line: scalars as text, the rest as compact JSON. */
static void print_value(const json_t *v, FILE *out)
{
	char buf[64];
	const char *s = scalar_text(v, buf, sizeof(buf));
	char *j;

	if (s) {
		fputs(s, out);
		return;
	}
	j = json_dumps(v, JSON_COMPACT);
	fputs(j ? j : "?", out);
	free(j);
}

static int value_width(const json_t *v)
{
	char buf[64];
	const char *s = scalar_text(v, buf, sizeof(buf));
	char *j;
	int n;

	if (s)
		return (int)strlen(s);
	j = json_dumps(v, JSON_COMPACT);
	n = j ? (int)strlen(j) : 1;
	free(j);
	return n;
}

#define MAX_COLS 24

/* An array of objects as columns, headed by the keys in order of appearance. */
static void print_rows(const json_t *arr, FILE *out)
{
	const char *cols[MAX_COLS];
	int width[MAX_COLS], ncols = 0;
	size_t i;
	json_t *row, *v;
	const char *key;

	json_array_foreach(arr, i, row) {
		if (!json_is_object(row)) {
			print_value(row, out);
			fputc('\n', out);
			continue;
		}
		json_object_foreach(row, key, v) {
			int c;

			for (c = 0; c < ncols && strcmp(cols[c], key) != 0; c++)
				;
			if (c == ncols && ncols < MAX_COLS) {
				cols[ncols] = key;
				width[ncols++] = (int)strlen(key);
			}
			if (c < ncols && value_width(v) > width[c])
				width[c] = value_width(v);
		}
	}
	if (ncols == 0)
		return;
	for (int c = 0; c < ncols; c++)
		fprintf(out, "%-*s%s", c + 1 < ncols ? width[c] : 0, cols[c], c + 1 < ncols ? "  " : "\n");
	json_array_foreach(arr, i, row) {
		if (!json_is_object(row))
			continue;
		for (int c = 0; c < ncols; c++) {
			v = json_object_get(row, cols[c]);
			int w = v ? value_width(v) : 1;

			if (v)
				print_value(v, out);
			else
				fputc('-', out);
			if (c + 1 < ncols)
				fprintf(out, "%*s", width[c] - w + 2, "");
		}
		fputc('\n', out);
	}
}

static void print_any(const json_t *v, int indent, FILE *out);

static bool is_scalar(const json_t *v)
{
	v = unwrap(v);
	return !json_is_object(v) && !json_is_array(v);
}

/* An object: scalars as aligned "key  value" lines, then nested parts. */
static void print_object(const json_t *obj, int indent, FILE *out)
{
	const char *key;
	json_t *v;
	int kw = 0;

	json_object_foreach((json_t *)obj, key, v)
		if (is_scalar(v) && (int)strlen(key) > kw)
			kw = (int)strlen(key);
	json_object_foreach((json_t *)obj, key, v) {
		if (!is_scalar(v))
			continue;
		fprintf(out, "%*s%-*s  ", indent, "", kw, key);
		print_value(v, out);
		fputc('\n', out);
	}
	json_object_foreach((json_t *)obj, key, v) {
		if (is_scalar(v))
			continue;
		fprintf(out, "%s%*s%s:\n", kw ? "\n" : "", indent, "", key);
		print_any(v, indent + 2, out);
	}
}

static void print_any(const json_t *v, int indent, FILE *out)
{
	if (json_is_object(v))
		print_object(v, indent, out);
	else if (json_is_array(v) && json_array_size(v) > 0 && json_is_object(json_array_get(v, 0)))
		print_rows(v, out);
	else if (json_is_array(v)) {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e) {
			fprintf(out, "%*s", indent, "");
			print_value(e, out);
			fputc('\n', out);
		}
	} else {
		fprintf(out, "%*s", indent, "");
		print_value(v, out);
		fputc('\n', out);
	}
}

static void print_duration(long long s, FILE *out)
{
	if (s >= 86400)
		fprintf(out, "%lldd ", s / 86400);
	if (s >= 3600)
		fprintf(out, "%lldh ", s / 3600 % 24);
	if (s >= 60)
		fprintf(out, "%lldm ", s / 60 % 60);
	fprintf(out, "%llds", s % 60);
}

/* status-get: {"pid", "uptime", "reload"} (Kea) plus anything the daemon adds. */
static void print_status(const char *daemon, const json_t *args, FILE *out)
{
	json_t *pid = json_object_get(args, "pid");
	json_t *up = json_object_get(args, "uptime");
	json_t *rl = json_object_get(args, "reload");
	json_t *rest = json_deep_copy(args);

	fprintf(out, "np-%s is running", daemon);
	if (json_is_integer(pid))
		fprintf(out, ", pid %" JSON_INTEGER_FORMAT, json_integer_value(pid));
	if (json_is_integer(up)) {
		fputs(", up ", out);
		print_duration(json_integer_value(up), out);
	}
	if (json_is_integer(rl) && (!json_is_integer(up) ||
				    json_integer_value(rl) != json_integer_value(up))) {
		fputs(", configuration reloaded ", out);
		print_duration(json_integer_value(rl), out);
		fputs(" ago", out);
	}
	fputc('\n', out);
	if (rest) {
		json_object_del(rest, "pid");
		json_object_del(rest, "uptime");
		json_object_del(rest, "reload");
		if (json_object_size(rest) > 0)
			print_object(rest, 0, out);
		json_decref(rest);
	}
}

/* ---- Talking to the daemon --------------------------------------------- */

static int call(const char *daemon, const char *path, const char *command, json_t *args,
		json_t **answer, int timeout_ms)
{
	int r = np_ctl_call(path, command, args, answer, timeout_ms);

	if (r == 0)
		return 0;
	if (r == -ENOENT)
		fprintf(stderr, "np-ctl: np-%s is not running (no %s)\n", daemon, path);
	else if (r == -ECONNREFUSED)
		fprintf(stderr, "np-ctl: np-%s is not running (nothing listens on %s)\n", daemon, path);
	else if (r == -EACCES || r == -EPERM)
		fprintf(stderr, "np-ctl: %s: %s (run as root or a member of the socket's group)\n",
			path, np_strerror(r));
	else if (r == -ETIMEDOUT)
		fprintf(stderr, "np-ctl: np-%s did not answer on %s within %d s\n", daemon, path,
			timeout_ms / 1000);
	else if (r == -EPROTO)
		fprintf(stderr, "np-ctl: %s: the answer is not a JSON object\n", path);
	else
		fprintf(stderr, "np-ctl: %s: %s\n", path, np_strerror(r));
	return -1;
}

/* After result 2: say which commands the daemon does have. */
static void explain_unsupported(const char *daemon, const char *path, const char *command,
				int timeout_ms)
{
	json_t *ans = NULL, *list, *v;
	size_t i;

	fprintf(stderr, "np-ctl: np-%s does not support the command \"%s\"", daemon, command);
	if (np_ctl_call(path, "list-commands", NULL, &ans, timeout_ms) == 0 &&
	    json_is_array(list = json_object_get(ans, "arguments"))) {
		fputs("; it supports:", stderr);
		json_array_foreach(list, i, v)
			if (json_is_string(v))
				fprintf(stderr, " %s", json_string_value(v));
	}
	fputc('\n', stderr);
	json_decref(ans);
}

static int report(const char *daemon, bool listing, const char *command, const json_t *ans,
		  bool json)
{
	int result = np_ctl_result(ans);
	json_t *text = json_object_get(ans, "text");
	json_t *args = json_object_get(ans, "arguments");
	const char *t = json_is_string(text) ? json_string_value(text) : "";
	bool ok = result == NP_CTL_SUCCESS || (result == NP_CTL_EMPTY && listing);

	if (json) {
		char *s = json_dumps(ans, JSON_INDENT(2));

		puts(s ? s : "{}");
		free(s);
	} else if (ok && args && strcmp(command, "status-get") == 0 && json_is_object(args)) {
		print_status(daemon, args, stdout);
	} else if (ok && args && result != NP_CTL_EMPTY) {
		print_any(args, 0, stdout);
	} else if (ok) {
		printf("%s\n", t);
	}
	if (ok)
		return 0;
	if (result == NP_CTL_ERROR && strcmp(command, "config-reload") == 0)
		fprintf(stderr, "np-ctl: np-%s refused the new configuration and keeps the running one: %s\n",
			daemon, t);
	else if (result != NP_CTL_UNSUPPORTED)   /* explain_unsupported() said it */
		fprintf(stderr, "np-ctl: np-%s: %s\n", daemon, *t ? t : "command failed");
	return 1;
}

/* ---- Command line ------------------------------------------------------ */

static unsigned daemon_bit(const char *name)
{
	if (strncmp(name, "np-", 3) == 0)
		name += 3;
	for (size_t i = 0; i < sizeof(daemons) / sizeof(daemons[0]); i++)
		if (strcmp(daemons[i].name, name) == 0)
			return daemons[i].bit;
	return 0;
}

static const struct cmd *find_cmd(unsigned bit, int argc, char **argv, int *used)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const struct cmd *c = &cmds[i];

		if (!(c->daemons & bit) || strcmp(c->word, argv[0]) != 0)
			continue;
		if (c->sub && (argc < 2 || strcmp(c->sub, argv[1]) != 0))
			continue;
		*used = c->sub ? 2 : 1;
		return c;
	}
	return NULL;
}

static void usage_for(const char *daemon, unsigned bit, const char *word)
{
	fprintf(stderr, "np-ctl: unknown command for np-%s: %s\nnp-%s commands:", daemon, word, daemon);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].daemons & bit)
			fprintf(stderr, "%s %s", i ? "," : "", cmds[i].usage);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *socket_path = NULL, *daemon, *command;
	char defpath[108], *end;
	bool json = false;
	long timeout_s = 30;
	const struct cmd *c;
	json_t *args = NULL, *ans = NULL;
	unsigned bit;
	int opt, used = 0, r;

	while ((opt = getopt_long(argc, argv, "+s:t:jhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': socket_path = optarg; break;
		case 't':
			timeout_s = strtol(optarg, &end, 10);
			if (*end || timeout_s <= 0 || timeout_s > 86400) {
				fprintf(stderr, "np-ctl: bad timeout: %s\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("np-ctl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (argc - optind < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	daemon = argv[optind];
	if (strncmp(daemon, "np-", 3) == 0)
		daemon += 3;
	bit = daemon_bit(daemon);
	if (!bit) {
		fprintf(stderr, "np-ctl: unknown daemon: %s (dhcpd, dnsd or arpd)\n", argv[optind]);
		return EXIT_USAGE;
	}
	argc -= optind + 1;
	argv += optind + 1;
	c = find_cmd(bit, argc, argv, &used);
	if (!c) {
		usage_for(daemon, bit, argv[0]);
		return EXIT_USAGE;
	}
	if (argc - used < c->min_args || argc - used > c->max_args) {
		fprintf(stderr, "np-ctl: usage: np-ctl %s %s\n", daemon, c->usage);
		return EXIT_USAGE;
	}
	if (!socket_path) {
		snprintf(defpath, sizeof(defpath), RUNDIR "/np-%s.sock", daemon);
		socket_path = defpath;
	}
	command = c->build(argv + used, argc - used, &args);
	r = call(daemon, socket_path, command, args, &ans, (int)timeout_s * 1000);
	json_decref(args);
	if (r < 0)
		return EXIT_UNREACHABLE;
	/* A server with Kea's commands only (or an np-dhcpd without DHCPv6): its v4 leases. */
	if (np_ctl_result(ans) == NP_CTL_UNSUPPORTED && strcmp(command, "lease-get-all") == 0) {
		json_decref(ans);
		command = "lease4-get-all";
		if (call(daemon, socket_path, command, NULL, &ans, (int)timeout_s * 1000) < 0)
			return EXIT_UNREACHABLE;
	}
	if (np_ctl_result(ans) == NP_CTL_UNSUPPORTED)
		explain_unsupported(daemon, socket_path, command, (int)timeout_s * 1000);
	/* "leases" lists; "leases IP" looks one up, and not finding it fails. */
	r = report(daemon, c->listing && argc == used, command, ans, json);
	json_decref(ans);
	return r;
}
