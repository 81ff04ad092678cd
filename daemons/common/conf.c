/* conf.c: libconfig files into validated plain structs, errors as FILE:LINE. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

void np_conf_err_init(struct np_conf_err *e, void (*report)(void *arg, const char *msg),
		      void *arg)
{
	memset(e, 0, sizeof(*e));
	e->report = report;
	e->arg = arg;
}

void np_conf_err_log(void *arg, const char *msg)
{
	(void)arg;
	np_log_err("%s", msg);
}

static void err_emit(struct np_conf_err *e, const char *msg)
{
	if (e->count == 0)
		snprintf(e->first, sizeof(e->first), "%s", msg);
	e->count++;
	if (e->report)
		e->report(e->arg, msg);
}

/* The file a setting came from: libconfig records it per setting (so errors
 * inside an @include name the included file).  Text read from a string has
 * none: use the name given to np_conf_read_string(), from the np_conf that
 * holds this tree (every tree here is read through np_conf_read*). */
static const char *setting_file(const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);
	const struct np_conf *c;

	if (f)
		return f;
	c = (const struct np_conf *)(const void *)((const char *)s->config -
						   offsetof(struct np_conf, cfg));
	return c->path ? c->path : "(config)";
}

/* The root group has no line of its own; point at the top of the file. */
static unsigned setting_line(const config_setting_t *s)
{
	unsigned line = config_setting_source_line(s);

	return line ? line : 1;
}

void np_conf_error(struct np_conf_err *e, const config_setting_t *s, const char *fmt, ...)
{
	char msg[512];
	int n = 0;
	va_list ap;

	if (s)
		n = snprintf(msg, sizeof(msg), "%s:%u: ", setting_file(s), setting_line(s));
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	err_emit(e, msg);
}

static int conf_open(struct np_conf *c, const char *path, struct np_conf_err *e)
{
	memset(c, 0, sizeof(*c));
	config_init(&c->cfg);
	/* No silent int <-> float conversion: a wrong type is an error. */
	config_set_auto_convert(&c->cfg, 0);
	c->path = strdup(path);
	if (!c->path) {
		np_conf_error(e, NULL, "%s: out of memory", path);
		return -1;
	}
	return 0;
}

static int parse_failed(struct np_conf *c, struct np_conf_err *e)
{
	const char *file = config_error_file(&c->cfg);

	np_conf_error(e, NULL, "%s:%d: %s", file ? file : c->path,
		      config_error_line(&c->cfg), config_error_text(&c->cfg));
	return -1;
}

/* An @include is relative to the including file's directory. */
static void set_include_dir(struct np_conf *c)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(c->path, '/');

	if (!slash || (size_t)(slash - c->path) >= sizeof(dir))
		return;
	memcpy(dir, c->path, (size_t)(slash - c->path));
	dir[slash - c->path] = '\0';
	config_set_include_dir(&c->cfg, dir[0] ? dir : "/");
}

int np_conf_read(struct np_conf *c, const char *path, struct np_conf_err *e)
{
	FILE *f;

	if (conf_open(c, path, e) < 0)
		return -1;
	/* libconfig reports only "file I/O error"; find out why ourselves. */
	f = fopen(path, "re");
	if (!f) {
		np_conf_error(e, NULL, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	fclose(f);
	set_include_dir(c);
	if (!config_read_file(&c->cfg, path))
		return parse_failed(c, e);
	return 0;
}

int np_conf_read_string(struct np_conf *c, const char *name, const char *text,
			struct np_conf_err *e)
{
	if (conf_open(c, name, e) < 0)
		return -1;
	if (!config_read_string(&c->cfg, text)) {
		if (!config_error_file(&c->cfg))
			c->cfg.error_file = c->path;
		return parse_failed(c, e);
	}
	return 0;
}

void np_conf_free(struct np_conf *c)
{
	if (!c)
		return;
	config_destroy(&c->cfg);
	free(c->path);
	c->path = NULL;
}

const config_setting_t *np_conf_root(const struct np_conf *c)
{
	return config_root_setting(&c->cfg);
}

/* Append "name" or "[i]" for s after its parents' path. */
static size_t path_append(const config_setting_t *s, char *buf, size_t cap)
{
	const config_setting_t *parent = config_setting_parent(s);
	size_t n = 0;
	int w;

	if (!parent)
		return 0;    /* the root has no name */
	n = path_append(parent, buf, cap);
	if (n >= cap)
		return n;
	if (config_setting_name(s))
		w = snprintf(buf + n, cap - n, "%s%s", n ? "." : "", config_setting_name(s));
	else
		w = snprintf(buf + n, cap - n, "%s[%d]", n ? "." : "", config_setting_index(s));
	return w < 0 ? n : n + (size_t)w;
}

const char *np_conf_path(const config_setting_t *s, char *buf, size_t cap)
{
	if (cap == 0)
		return "";
	buf[0] = '\0';
	path_append(s, buf, cap);
	return buf;
}

/* Report an error about setting s, prefixed with its path. */
static void setting_error(struct np_conf_err *e, const config_setting_t *s, const char *fmt, ...)
	NP_PRINTF(3, 4);
static void setting_error(struct np_conf_err *e, const config_setting_t *s, const char *fmt, ...)
{
	char path[256], msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	np_conf_error(e, s, "%s: %s", np_conf_path(s, path, sizeof(path)), msg);
}

static const struct np_conf_key *key_find(const struct np_conf_key *keys, const char *name)
{
	for (; keys && keys->name; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

static unsigned check_member(struct np_conf_err *e, const config_setting_t *s,
			     const struct np_conf_key *keys);

unsigned np_conf_check_keys(struct np_conf_err *e, const config_setting_t *g,
			    const struct np_conf_key *keys)
{
	unsigned bad = 0;
	int n;

	if (!g || !config_setting_is_group(g))
		return 0;    /* a type error, reported by the lookup of g */
	n = config_setting_length(g);
	for (int i = 0; i < n; i++)
		bad += check_member(e, config_setting_get_elem(g, (unsigned)i), keys);
	return bad;
}

static unsigned check_member(struct np_conf_err *e, const config_setting_t *s,
			     const struct np_conf_key *keys)
{
	char path[256];
	const struct np_conf_key *k = key_find(keys, config_setting_name(s));
	unsigned bad = 0;
	int n;

	if (!k) {
		np_conf_error(e, s, "unknown setting \"%s\"", np_conf_path(s, path, sizeof(path)));
		return 1;
	}
	if (!k->members)
		return 0;
	if (config_setting_is_group(s))
		return np_conf_check_keys(e, s, k->members);
	if (config_setting_is_list(s)) {
		n = config_setting_length(s);
		for (int i = 0; i < n; i++)
			bad += np_conf_check_keys(e, config_setting_get_elem(s, (unsigned)i),
						  k->members);
	}
	return bad;
}

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a float";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	default: return "nothing";
	}
}

/*
 * Find g.name: 1 found, 0 absent and optional, -1 error.  A missing required
 * setting is reported at the line of its group.
 */
static int lookup(struct np_conf_err *e, const config_setting_t *g, const char *name,
		  int flags, const config_setting_t **out)
{
	char path[256];
	const config_setting_t *s;

	if (!g)
		return (flags & NP_CONF_REQUIRED) ? -1 : 0;
	s = config_setting_get_member(g, name);
	if (s) {
		*out = s;
		return 1;
	}
	if (!(flags & NP_CONF_REQUIRED))
		return 0;
	if (config_setting_parent(g))
		np_conf_error(e, g, "%s: missing required setting \"%s\"",
			      np_conf_path(g, path, sizeof(path)), name);
	else
		np_conf_error(e, g, "missing required setting \"%s\"", name);
	return -1;
}

static int want_type(struct np_conf_err *e, const config_setting_t *s, const char *what,
		     int t1, int t2)
{
	int t = config_setting_type(s);

	if (t == t1 || t == t2)
		return 0;
	setting_error(e, s, "expected %s, found %s", what, type_name(t));
	return -1;
}

/* Look up a string-typed setting: 1, 0 or -1 as for the public lookups. */
static int lookup_string(struct np_conf_err *e, const config_setting_t *g, const char *name,
			 int flags, const config_setting_t **s, const char **str)
{
	int r = lookup(e, g, name, flags, s);

	if (r <= 0)
		return r;
	if (want_type(e, *s, "a string", CONFIG_TYPE_STRING, CONFIG_TYPE_STRING) < 0)
		return -1;
	*str = config_setting_get_string(*s);
	return 1;
}

static int range_error(struct np_conf_err *e, const config_setting_t *s, long long v,
		       long long min, long long max)
{
	/* libconfig 1.5 wraps an unsuffixed literal above INT_MAX. */
	bool wrapped = config_setting_type(s) == CONFIG_TYPE_INT && v < 0 && min >= 0;

	setting_error(e, s, "%lld is out of range %lld..%lld%s", v, min, max,
		      wrapped ? " (write numbers above 2147483647 with an L suffix)" : "");
	return -1;
}

static int get_integer(struct np_conf_err *e, const config_setting_t *g, const char *name,
		       int flags, long long min, long long max, long long *out)
{
	const config_setting_t *s;
	long long v;
	int r = lookup(e, g, name, flags, &s);

	if (r <= 0)
		return r;
	if (want_type(e, s, "an integer", CONFIG_TYPE_INT, CONFIG_TYPE_INT64) < 0)
		return -1;
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	else
		v = config_setting_get_int64(s);
	if (v < min || v > max)
		return range_error(e, s, v, min, max);
	*out = v;
	return 1;
}

int np_conf_get_int(struct np_conf_err *e, const config_setting_t *g, const char *name,
		    int flags, int min, int max, int *out)
{
	long long v;
	int r = get_integer(e, g, name, flags, min, max, &v);

	if (r == 1)
		*out = (int)v;
	return r;
}

int np_conf_get_int64(struct np_conf_err *e, const config_setting_t *g, const char *name,
		      int flags, int64_t min, int64_t max, int64_t *out)
{
	long long v;
	int r = get_integer(e, g, name, flags, min, max, &v);

	if (r == 1)
		*out = v;
	return r;
}

int np_conf_get_bool(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     int flags, bool *out)
{
	const config_setting_t *s;
	int r = lookup(e, g, name, flags, &s);

	if (r <= 0)
		return r;
	if (want_type(e, s, "a boolean (true or false)", CONFIG_TYPE_BOOL, CONFIG_TYPE_BOOL) < 0)
		return -1;
	*out = config_setting_get_bool(s) != 0;
	return 1;
}

static int check_string(struct np_conf_err *e, const config_setting_t *s, const char *str,
			size_t cap, int flags)
{
	if (str[0] == '\0' && !(flags & NP_CONF_EMPTY_OK)) {
		setting_error(e, s, "empty string");
		return -1;
	}
	if (strlen(str) >= cap) {
		setting_error(e, s, "longer than %zu characters", cap - 1);
		return -1;
	}
	return 0;
}

int np_conf_get_string(struct np_conf_err *e, const config_setting_t *g, const char *name,
		       int flags, char *out, size_t cap)
{
	const config_setting_t *s;
	const char *str;
	int r = lookup_string(e, g, name, flags, &s, &str);

	if (r <= 0)
		return r;
	if (check_string(e, s, str, cap, flags) < 0)
		return -1;
	memcpy(out, str, strlen(str) + 1);
	return 1;
}

int np_conf_get_user(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     int flags, char *out, size_t cap)
{
	const config_setting_t *s;
	struct passwd pw, *res = NULL;
	char buf[4096];
	const char *str;
	int r = lookup_string(e, g, name, flags, &s, &str);

	if (r <= 0)
		return r;
	if (check_string(e, s, str, cap, 0) < 0)
		return -1;
	r = getpwnam_r(str, &pw, buf, sizeof(buf), &res);
	if (r != 0) {
		setting_error(e, s, "looking up user \"%s\": %s", str, strerror(r));
		return -1;
	}
	if (res == NULL) {
		setting_error(e, s, "no such user \"%s\"", str);
		return -1;
	}
	if (pw.pw_uid == 0) {
		setting_error(e, s, "user \"%s\" is root: the daemon drops root to this user; "
			      "choose an unprivileged one, or leave it out", str);
		return -1;
	}
	memcpy(out, str, strlen(str) + 1);
	return 1;
}

const char *np_conf_where(const config_setting_t *s, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s:%u", setting_file(s), setting_line(s));
	return buf;
}

int np_conf_get_strdup(struct np_conf_err *e, const config_setting_t *g, const char *name,
		       int flags, char **out)
{
	const config_setting_t *s;
	const char *str;
	char *copy;
	int r = lookup_string(e, g, name, flags, &s, &str);

	if (r <= 0)
		return r;
	if (check_string(e, s, str, SIZE_MAX, flags) < 0)
		return -1;
	copy = strdup(str);
	if (!copy) {
		setting_error(e, s, "out of memory");
		return -1;
	}
	*out = copy;
	return 1;
}

void np_conf_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

/* Check every element of a list/array of strings; returns the error count. */
static unsigned check_strv(struct np_conf_err *e, const config_setting_t *s, size_t item_max)
{
	unsigned bad = 0;
	int n = config_setting_length(s);

	for (int i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(s, (unsigned)i);

		if (want_type(e, el, "a string", CONFIG_TYPE_STRING, CONFIG_TYPE_STRING) < 0 ||
		    check_string(e, el, config_setting_get_string(el), item_max, 0) < 0)
			bad++;
	}
	return bad;
}

int np_conf_get_strv(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     int flags, size_t max, size_t item_max, char ***out, size_t *count)
{
	const config_setting_t *s;
	char **v;
	size_t n;
	int r = lookup(e, g, name, flags, &s);

	if (r <= 0)
		return r;
	if (want_type(e, s, "a list of strings", CONFIG_TYPE_LIST, CONFIG_TYPE_ARRAY) < 0)
		return -1;
	n = (size_t)config_setting_length(s);
	if (n > max) {
		setting_error(e, s, "more than %zu entries", max);
		return -1;
	}
	if (check_strv(e, s, item_max) > 0)
		return -1;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		v[i] = strdup(config_setting_get_string_elem(s, (int)i));
		if (!v[i])
			goto free_v;
	}
	*out = v;
	*count = n;
	return 1;
free_v:
	np_conf_strv_free(v);
oom:
	setting_error(e, s, "out of memory");
	return -1;
}

int np_conf_parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	/* inet_pton() takes exactly four decimal parts without leading zeros,
	 * unlike inet_aton() which reads "10.1" or "010.0.0.1" (octal). */
	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

/* A decimal number of at most maxdigits digits, no sign, no leading zero. */
static int parse_dec(const char *s, size_t maxdigits, unsigned long *out)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n > maxdigits || s[n] != '\0' || (s[0] == '0' && n > 1))
		return -1;
	*out = strtoul(s, NULL, 10);
	return 0;
}

/* Split "left<sep>right" at the last sep into buf; returns right or NULL. */
static char *split_last(const char *s, int sep, char *buf, size_t cap)
{
	char *p;

	if (strlen(s) >= cap)
		return NULL;
	memcpy(buf, s, strlen(s) + 1);
	p = strrchr(buf, sep);
	if (!p)
		return NULL;
	*p = '\0';
	return p + 1;
}

int np_conf_parse_cidr(const char *s, struct np_conf_cidr *out)
{
	char buf[32];
	char *len = split_last(s, '/', buf, sizeof(buf));
	unsigned long prefix;
	uint32_t addr;

	if (!len || np_conf_parse_ipv4(buf, &addr) < 0 || parse_dec(len, 2, &prefix) < 0 ||
	    prefix > 32)
		return -1;
	out->addr = addr;
	out->prefix = (uint8_t)prefix;
	return 0;
}

static uint32_t prefix_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
}

static void format_ipv4(uint32_t addr, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
		 addr & 0xff);
}

int np_conf_get_ipv4(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     int flags, uint32_t *out)
{
	const config_setting_t *s;
	const char *str;
	uint32_t addr;
	int r = lookup_string(e, g, name, flags, &s, &str);

	if (r <= 0)
		return r;
	if (np_conf_parse_ipv4(str, &addr) < 0) {
		setting_error(e, s, "\"%s\" is not an IPv4 address (a.b.c.d)", str);
		return -1;
	}
	*out = addr;
	return 1;
}

int np_conf_get_cidr(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     int flags, struct np_conf_cidr *out)
{
	const config_setting_t *s;
	const char *str;
	struct np_conf_cidr c;
	char net[16];
	int r = lookup_string(e, g, name, flags, &s, &str);

	if (r <= 0)
		return r;
	if (np_conf_parse_cidr(str, &c) < 0) {
		setting_error(e, s, "\"%s\" is not an IPv4 prefix (a.b.c.d/n, n from 0 to 32)",
			      str);
		return -1;
	}
	if ((flags & NP_CONF_NETWORK) && (c.addr & ~prefix_mask(c.prefix))) {
		format_ipv4(c.addr & prefix_mask(c.prefix), net, sizeof(net));
		setting_error(e, s, "\"%s\" has host bits set (the network is %s/%u)", str, net,
			      c.prefix);
		return -1;
	}
	*out = c;
	return 1;
}

static int parse_hostport(const char *s, uint16_t default_port, struct np_conf_hostport *out)
{
	char buf[32];
	char *port = split_last(s, ':', buf, sizeof(buf));
	unsigned long p = default_port;
	uint32_t addr;

	if (!port) {
		if (default_port == 0 || strlen(s) >= sizeof(buf))
			return -1;
		memcpy(buf, s, strlen(s) + 1);
	} else if (parse_dec(port, 5, &p) < 0 || p == 0 || p > 65535) {
		return -1;
	}
	if (np_conf_parse_ipv4(buf, &addr) < 0)
		return -1;
	out->addr = addr;
	out->port = (uint16_t)p;
	return 0;
}

int np_conf_get_hostport(struct np_conf_err *e, const config_setting_t *g, const char *name,
			 int flags, uint16_t default_port, struct np_conf_hostport *out)
{
	const config_setting_t *s;
	const char *str;
	struct np_conf_hostport hp;
	int r = lookup_string(e, g, name, flags, &s, &str);

	if (r <= 0)
		return r;
	if (parse_hostport(str, default_port, &hp) < 0) {
		setting_error(e, s, "\"%s\" is not an address and port (a.b.c.d:port%s, port 1..65535)",
			      str, default_port ? " or a.b.c.d" : "");
		return -1;
	}
	*out = hp;
	return 1;
}

int np_conf_get_enum(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     int flags, const struct np_conf_enum *table, int *out)
{
	const config_setting_t *s;
	const char *str;
	char names[256];
	size_t n = 0;
	int r = lookup_string(e, g, name, flags, &s, &str);

	if (r <= 0)
		return r;
	for (const struct np_conf_enum *t = table; t->name; t++) {
		if (strcmp(t->name, str) == 0) {
			*out = t->value;
			return 1;
		}
	}
	names[0] = '\0';
	for (const struct np_conf_enum *t = table; t->name && n < sizeof(names); t++) {
		int w = snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "", t->name);

		n += w > 0 ? (size_t)w : 0;
	}
	setting_error(e, s, "\"%s\" is not one of: %s", str, names);
	return -1;
}

static const struct {
	const char *suffix;
	uint64_t ms;
} duration_units[] = {
	{ "ms", 1 },     /* before "m" so that "250ms" is not 250 minutes + "s" */
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 3600 * 1000 },
	{ "d", 86400 * 1000 },
	{ "w", 7 * 86400 * 1000ULL },
};

/* Match a unit at s; returns its length and factor, 0 if none. */
static size_t duration_unit(const char *s, uint64_t *ms)
{
	for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		size_t n = strlen(duration_units[i].suffix);

		if (strncmp(s, duration_units[i].suffix, n) == 0) {
			*ms = duration_units[i].ms;
			return n;
		}
	}
	return 0;
}

int np_conf_parse_duration(const char *s, uint64_t *out_ms)
{
	uint64_t total = 0, unit, v;
	size_t digits, ulen;

	if (*s == '\0')
		return -1;
	while (*s) {
		digits = strspn(s, "0123456789");
		if (digits == 0 || digits > 9)
			return -1;
		v = strtoull(s, NULL, 10);
		s += digits;
		ulen = duration_unit(s, &unit);
		if (ulen == 0) {
			if (*s != '\0' || total != 0)
				return -1;   /* a bare number only on its own: seconds */
			unit = 1000;
		}
		s += ulen;
		if (v > (UINT64_MAX - total) / unit)
			return -1;
		total += v * unit;
	}
	*out_ms = total;
	return 0;
}

int np_conf_get_duration(struct np_conf_err *e, const config_setting_t *g, const char *name,
			 int flags, uint64_t min_ms, uint64_t max_ms, uint64_t *out_ms)
{
	const config_setting_t *s;
	uint64_t ms;
	long long secs;
	int r = lookup(e, g, name, flags, &s);

	if (r <= 0)
		return r;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		secs = config_setting_type(s) == CONFIG_TYPE_INT ? config_setting_get_int(s)
								 : config_setting_get_int64(s);
		if (secs < 0 || (unsigned long long)secs > UINT64_MAX / 1000) {
			setting_error(e, s, "%lld is not a duration (seconds cannot be negative)",
				      secs);
			return -1;
		}
		ms = (uint64_t)secs * 1000;
		break;
	case CONFIG_TYPE_STRING:
		if (np_conf_parse_duration(config_setting_get_string(s), &ms) < 0) {
			setting_error(e, s, "\"%s\" is not a duration (like 30, \"30s\", \"5m\", "
				      "\"1h30m\", \"250ms\")", config_setting_get_string(s));
			return -1;
		}
		break;
	default:
		setting_error(e, s, "expected a duration (seconds or a string like \"5m\"), found %s",
			      type_name(config_setting_type(s)));
		return -1;
	}
	if (ms < min_ms || ms > max_ms) {
		setting_error(e, s, "duration %llu ms is out of range %llu..%llu ms",
			      (unsigned long long)ms, (unsigned long long)min_ms,
			      (unsigned long long)max_ms);
		return -1;
	}
	*out_ms = ms;
	return 1;
}

int np_conf_get_group(struct np_conf_err *e, const config_setting_t *g, const char *name,
		      int flags, const config_setting_t **out)
{
	const config_setting_t *s;
	int r = lookup(e, g, name, flags, &s);

	if (r <= 0)
		return r;
	if (want_type(e, s, "a group { ... }", CONFIG_TYPE_GROUP, CONFIG_TYPE_GROUP) < 0)
		return -1;
	*out = s;
	return 1;
}

int np_conf_get_list(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     int flags, const config_setting_t **out)
{
	const config_setting_t *s;
	int r = lookup(e, g, name, flags, &s);
	int n;

	if (r <= 0)
		return r;
	if (want_type(e, s, "a list ( ... )", CONFIG_TYPE_LIST, CONFIG_TYPE_LIST) < 0)
		return -1;
	/* Elements are groups: report each one that is not. */
	n = config_setting_length(s);
	for (int i = 0; i < n; i++)
		if (want_type(e, config_setting_get_elem(s, (unsigned)i), "a group { ... }",
			      CONFIG_TYPE_GROUP, CONFIG_TYPE_GROUP) < 0)
			r = -1;
	if (r < 0)
		return -1;
	*out = s;
	return 1;
}

/* ---- The settings every daemon shares ----------------------------------- */

static const struct np_conf_enum log_levels[] = {
	{ "err", NP_LOG_ERR }, { "warning", NP_LOG_WARNING }, { "notice", NP_LOG_NOTICE },
	{ "info", NP_LOG_INFO }, { "debug", NP_LOG_DEBUG }, { NULL, 0 },
};

void np_common_conf_load(struct np_conf_err *e, const config_setting_t *root,
			 const char *default_control, struct np_common_conf *out)
{
	memset(out, 0, sizeof(*out));
	out->log_level = NP_LOG_INFO;
	if (default_control)
		snprintf(out->control_socket, sizeof(out->control_socket), "%s", default_control);
	np_conf_get_user(e, root, "user", NP_CONF_OPTIONAL, out->user, sizeof(out->user));
	np_conf_get_enum(e, root, "log_level", NP_CONF_OPTIONAL, log_levels, &out->log_level);
	np_conf_get_string(e, root, "control_socket", NP_CONF_OPTIONAL | NP_CONF_EMPTY_OK,
			   out->control_socket, sizeof(out->control_socket));
	np_conf_get_hostport(e, root, "metrics_listen", NP_CONF_OPTIONAL, 0, &out->metrics);
}
