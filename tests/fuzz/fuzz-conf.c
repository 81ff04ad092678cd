/*
 * fuzz-conf.c: the config pipeline on arbitrary text.
 *
 * Input is read as a libconfig file and validated by a loader that uses
 * every np_conf_get_* lookup and the recursive unknown-key check.
 * Properties (abort on violation):
 *  - every reported error has the form "fuzz.conf:LINE: ..." with LINE >= 1
 *    (a user can always find it), and the loader fails iff one was reported;
 *  - accepted values are inside the ranges asked for;
 *  - the value parsers run on the raw input too: an accepted IPv4 address or
 *    prefix prints back to text that parses to the same value.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

static const struct np_conf_key sub_keys[] = {
	{ "c", NULL }, { "d", NULL }, { "x", NULL }, { NULL, NULL },
};
static const struct np_conf_key top_keys[] = {
	{ "i", NULL }, { "l", NULL }, { "b", NULL }, { "s", NULL }, { "v", NULL },
	{ "a", NULL }, { "c", NULL }, { "h", NULL }, { "e", NULL }, { "d", NULL },
	{ "g", sub_keys }, { "p", sub_keys }, { NULL, NULL },
};
static const struct np_conf_enum names[] = {
	{ "one", 1 }, { "two", 2 }, { NULL, 0 },
};

static void check_error(void *arg, const char *msg)
{
	unsigned long line;
	char *end;

	(void)arg;
	if (strncmp(msg, "fuzz.conf:", 10) != 0)
		abort();
	line = strtoul(msg + 10, &end, 10);
	if (end == msg + 10 || line == 0 || end[0] != ':' || end[1] != ' ')
		abort();
}

static void load_sub(struct np_conf_err *e, const config_setting_t *g)
{
	struct np_conf_cidr c;
	uint64_t ms;
	int x;

	if (np_conf_get_cidr(e, g, "c", NP_CONF_REQUIRED | NP_CONF_NETWORK, &c) == 1 &&
	    (c.prefix > 32 || (c.prefix < 32 && (c.addr & (UINT32_MAX >> c.prefix)))))
		abort();
	if (np_conf_get_duration(e, g, "d", NP_CONF_OPTIONAL, 1000, 3600000, &ms) == 1 &&
	    (ms < 1000 || ms > 3600000))
		abort();
	if (np_conf_get_int(e, g, "x", NP_CONF_OPTIONAL, -5, 5, &x) == 1 && (x < -5 || x > 5))
		abort();
}

static void load_scalars(struct np_conf_err *e, const config_setting_t *r)
{
	int i, en;
	int64_t l;
	bool b;
	char s[8], **v = NULL;
	size_t n;
	uint32_t a;
	struct np_conf_hostport hp;

	if (np_conf_get_int(e, r, "i", NP_CONF_OPTIONAL, 1, 100, &i) == 1 && (i < 1 || i > 100))
		abort();
	if (np_conf_get_int64(e, r, "l", NP_CONF_OPTIONAL, -1, 1LL << 40, &l) == 1 &&
	    (l < -1 || l > 1LL << 40))
		abort();
	np_conf_get_bool(e, r, "b", NP_CONF_OPTIONAL, &b);
	if (np_conf_get_string(e, r, "s", NP_CONF_OPTIONAL, s, sizeof(s)) == 1 &&
	    (s[0] == '\0' || strlen(s) >= sizeof(s)))
		abort();
	if (np_conf_get_strv(e, r, "v", NP_CONF_OPTIONAL, 3, 5, &v, &n) == 1) {
		if (n > 3 || v[n] != NULL)
			abort();
		np_conf_strv_free(v);
	}
	np_conf_get_ipv4(e, r, "a", NP_CONF_OPTIONAL, &a);
	if (np_conf_get_hostport(e, r, "h", NP_CONF_OPTIONAL, 53, &hp) == 1 && hp.port == 0)
		abort();
	if (np_conf_get_enum(e, r, "e", NP_CONF_OPTIONAL, names, &en) == 1 && en != 1 && en != 2)
		abort();
}

static void load(const char *text)
{
	struct np_conf_err e;
	struct np_conf c;
	const config_setting_t *root, *g, *p;
	unsigned before;

	np_conf_err_init(&e, check_error, NULL);
	if (np_conf_read_string(&c, "fuzz.conf", text, &e) < 0) {
		if (e.count != 1)
			abort();
		np_conf_free(&c);
		return;
	}
	root = np_conf_root(&c);
	np_conf_check_keys(&e, root, top_keys);
	load_scalars(&e, root);
	load_sub(&e, root);
	if (np_conf_get_group(&e, root, "g", NP_CONF_OPTIONAL, &g) == 1)
		load_sub(&e, g);
	before = e.count;
	if (np_conf_get_list(&e, root, "p", NP_CONF_OPTIONAL, &p) == 1) {
		if (e.count != before)
			abort();   /* accepted a list yet reported an error about it */
		for (int i = 0; i < config_setting_length(p); i++)
			load_sub(&e, config_setting_get_elem(p, (unsigned)i));
	}
	np_conf_free(&c);
}

static void check_parsers(const char *text)
{
	struct np_conf_cidr c, c2;
	uint32_t a, a2;
	uint64_t ms;
	char buf[32];

	if (np_conf_parse_ipv4(text, &a) == 0) {
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
			 a & 255);
		if (strcmp(buf, text) != 0 || np_conf_parse_ipv4(buf, &a2) != 0 || a2 != a)
			abort();
	}
	if (np_conf_parse_cidr(text, &c) == 0) {
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u/%u", c.addr >> 24, (c.addr >> 16) & 255,
			 (c.addr >> 8) & 255, c.addr & 255, c.prefix);
		if (c.prefix > 32 || strcmp(buf, text) != 0 || np_conf_parse_cidr(buf, &c2) != 0 ||
		    c2.addr != c.addr || c2.prefix != c.prefix)
			abort();
	}
	np_conf_parse_duration(text, &ms);
}

/*
 * libconfig 1.5 (Debian 12) itself leaks its scanner's string buffer when a
 * syntax error cuts a string short (strbuf_append in libconfig.so).  That is
 * a bug outside this code, at most a few bytes per failed reload; suppress it
 * so LeakSanitizer still checks everything of ours.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > 4096)
		return 0;     /* libconfig recursion depth grows with nesting */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	load(text);
	check_parsers(text);
	free(text);
	return 0;
}
