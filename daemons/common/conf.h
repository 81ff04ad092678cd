/*
 * conf.h: typed, range-checked reading of libconfig files into plain structs.
 *
 * libconfig parses the syntax but accepts any setting name and any type, so
 * a typo ("lease-tme") would silently fall back to a default.  A daemon's
 * loader therefore (1) reads the file with np_conf_read(), (2) checks every
 * group against its allowed names with np_conf_check_keys(), and (3) fills a
 * fresh struct with the np_conf_get_* lookups below.  Every problem is
 * reported to an error sink as "FILE:LINE: message" (the line of the
 * offending setting, or of its group for a missing one) and the loader goes
 * on, so one run lists every error like `nginx -t` does.
 *
 * Lookups take the group, the member name and NP_CONF_REQUIRED or
 * NP_CONF_OPTIONAL and return:
 *     1  the setting is present and valid: *out is written;
 *     0  it is absent and optional: *out is untouched (preset the default);
 *    -1  an error was reported: *out is untouched.
 * A NULL group (its own lookup failed, already reported) gives 0 for an
 * optional setting and -1, without a second report, for a required one.
 *
 * libconfig 1.5 caveat: an integer literal above 2147483647 without an "L"
 * suffix wraps silently; the range error then says so.
 */
#ifndef NP_CONF_H
#define NP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

#include "log.h"

/* Where errors go.  np_conf_err_init(); report may be NULL (count + first only). */
struct np_conf_err {
	void (*report)(void *arg, const char *msg);
	void *arg;
	unsigned count;
	char first[512];  /* the first message, for a one-line reload answer */
};

void np_conf_err_init(struct np_conf_err *e, void (*report)(void *arg, const char *msg),
		      void *arg);
/* A report function that logs each message at err level. */
void np_conf_err_log(void *arg, const char *msg);
/* Report "FILE:LINE: message" for setting s (file-less if s is NULL). */
void np_conf_error(struct np_conf_err *e, const config_setting_t *s, const char *fmt, ...)
	NP_PRINTF(3, 4);

/* A parsed file. */
struct np_conf {
	config_t cfg;
	char *path;
};

/* Read and parse path.  Returns 0, or -1 after reporting the I/O or syntax
 * error ("FILE:LINE: syntax error").  Free with np_conf_free() either way. */
int np_conf_read(struct np_conf *c, const char *path, struct np_conf_err *e);
/* Same from a string (tests); name stands in for the file name. */
int np_conf_read_string(struct np_conf *c, const char *name, const char *text,
			struct np_conf_err *e);
void np_conf_free(struct np_conf *c);
const config_setting_t *np_conf_root(const struct np_conf *c);

/*
 * Allowed names.  `members` describes what a group (or each group inside a
 * list) may hold; NULL means the setting is a scalar or a list of scalars.
 * Tables end with { NULL, NULL }.
 */
struct np_conf_key {
	const char *name;
	const struct np_conf_key *members;
};

/* Report every member of group g (and, recursively, of its described
 * subgroups and lists of groups) whose name is not in keys.  Returns the
 * number of unknown settings found. */
unsigned np_conf_check_keys(struct np_conf_err *e, const config_setting_t *g,
			    const struct np_conf_key *keys);

enum np_conf_flags {
	NP_CONF_OPTIONAL = 0,
	NP_CONF_REQUIRED = 1,
	NP_CONF_NETWORK = 2,   /* CIDR: host bits must be zero */
	NP_CONF_EMPTY_OK = 4,  /* string: "" is a value (e.g. "none"), not an error */
};

int np_conf_get_int(struct np_conf_err *e, const config_setting_t *g, const char *name,
		    int flags, int min, int max, int *out);
int np_conf_get_int64(struct np_conf_err *e, const config_setting_t *g, const char *name,
		      int flags, int64_t min, int64_t max, int64_t *out);
int np_conf_get_bool(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     int flags, bool *out);
/* Copies into out[cap]; longer than cap - 1 is an error, so is an empty string. */
int np_conf_get_string(struct np_conf_err *e, const config_setting_t *g, const char *name,
		       int flags, char *out, size_t cap);
/*
 * The name of the unprivileged user a daemon switches to (as
 * np_privdrop() does at start-up): an unknown user, or one whose uid is 0,
 * is an error here, so `-t` refuses what the start would.
 */
int np_conf_get_user(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     int flags, char *out, size_t cap);
/* A newly allocated copy (free()). */
int np_conf_get_strdup(struct np_conf_err *e, const config_setting_t *g, const char *name,
		       int flags, char **out);

/* A list ("a", "b") or array ["a", "b"] of at most max strings, each shorter
 * than item_max; *out is a NULL-terminated malloc'd vector (np_conf_strv_free). */
int np_conf_get_strv(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     int flags, size_t max, size_t item_max, char ***out, size_t *n);
void np_conf_strv_free(char **v);

/* "a.b.c.d" -> host byte order. */
int np_conf_get_ipv4(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     int flags, uint32_t *out);

struct np_conf_cidr {
	uint32_t addr;     /* host byte order */
	uint8_t prefix;    /* 0..32 */
};
/* "a.b.c.d/n"; with NP_CONF_NETWORK the host bits must be zero. */
int np_conf_get_cidr(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     int flags, struct np_conf_cidr *out);

struct np_conf_hostport {
	uint32_t addr;     /* host byte order */
	uint16_t port;
};
/* "a.b.c.d:port", port 1..65535; "a.b.c.d" alone gets default_port unless
 * that is 0, in which case the port is required. */
int np_conf_get_hostport(struct np_conf_err *e, const config_setting_t *g, const char *name,
			 int flags, uint16_t default_port, struct np_conf_hostport *out);

struct np_conf_enum {
	const char *name;
	int value;
};
/* A string naming one entry of table (ended by { NULL, 0 }). */
int np_conf_get_enum(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     int flags, const struct np_conf_enum *table, int *out);

/*
 * A duration in milliseconds: an integer is seconds; a string is one or more
 * <number><unit> with units ms, s, m, h, d, w ("90s", "1h30m", "250ms").
 */
int np_conf_get_duration(struct np_conf_err *e, const config_setting_t *g, const char *name,
			 int flags, uint64_t min_ms, uint64_t max_ms, uint64_t *out_ms);

/* A subgroup, or a list of groups, checked for type only. */
int np_conf_get_group(struct np_conf_err *e, const config_setting_t *g, const char *name,
		      int flags, const config_setting_t **out);
int np_conf_get_list(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     int flags, const config_setting_t **out);

/* Parsers behind the lookups, for values found by other means: 0 or -1. */
int np_conf_parse_ipv4(const char *s, uint32_t *out);
int np_conf_parse_cidr(const char *s, struct np_conf_cidr *out);
int np_conf_parse_duration(const char *s, uint64_t *out_ms);

/*
 * The settings every daemon shares, read once for all of them (np-common.conf(5)):
 *
 *   user            the unprivileged user to switch to after start-up
 *   log_level       "err", "warning", "notice", "info" (default) or "debug"
 *   control_socket  the control socket's path; "" for none
 *   metrics_listen  "ADDR:PORT" of the Prometheus endpoint; absent for none
 *
 * Each daemon's config embeds one and lists NP_COMMON_CONF_KEYS among its
 * top-level names.  user, control_socket and metrics_listen take effect on
 * restart only: a reload that changes them is refused (daemon.h).
 */
struct np_common_conf {
	char user[64];                   /* empty: keep running as started */
	int log_level;
	char control_socket[108];        /* empty: none */
	struct np_conf_hostport metrics; /* port 0: none */
};

#define NP_COMMON_CONF_KEYS \
	{ "user", NULL }, { "log_level", NULL }, { "control_socket", NULL }, \
	{ "metrics_listen", NULL }

/* Fill out from the top-level group root; default_control is the socket
 * path when the file names none (NULL: none). */
void np_common_conf_load(struct np_conf_err *e, const config_setting_t *root,
			 const char *default_control, struct np_common_conf *out);

/* "FILE:LINE" of a setting, for messages that name another setting. */
const char *np_conf_where(const config_setting_t *s, char *buf, size_t cap);

/* The dotted path of a setting ("subnets.[1].pool"), for messages. */
const char *np_conf_path(const config_setting_t *s, char *buf, size_t cap);

#endif
