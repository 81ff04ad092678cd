/*
 * test-conf.c: the config helpers against fixture files in tests/data/conf.
 *
 * A small loader below plays the part of a daemon's conf.c: it uses every
 * lookup, so each fixture checks the exact "FILE:LINE: message" a user
 * would see for one kind of mistake.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "testutil.h"

struct tpool {
	struct np_conf_cidr range;
	uint64_t lease_ms;
};

struct tconf {
	char name[17];
	int workers;
	int64_t max_bytes;
	bool verbose;
	char **interfaces;
	size_t n_interfaces;
	uint32_t router, resolver;
	struct np_conf_cidr subnet;
	struct np_conf_hostport upstream;
	int mode;
	uint64_t lease_ms;
	struct tpool pools[4];
	int n_pools;
	int log_level;
};

enum { MODE_AUTHORITATIVE = 1, MODE_RELAY = 2 };

static const struct np_conf_enum modes[] = {
	{ "authoritative", MODE_AUTHORITATIVE }, { "relay", MODE_RELAY }, { NULL, 0 },
};
static const struct np_conf_enum levels[] = {
	{ "err", NP_LOG_ERR }, { "info", NP_LOG_INFO }, { "debug", NP_LOG_DEBUG }, { NULL, 0 },
};

static const struct np_conf_key pool_keys[] = {
	{ "range", NULL }, { "lease-time", NULL }, { NULL, NULL },
};
static const struct np_conf_key log_keys[] = {
	{ "level", NULL }, { NULL, NULL },
};
static const struct np_conf_key top_keys[] = {
	{ "name", NULL }, { "workers", NULL }, { "max-bytes", NULL }, { "verbose", NULL },
	{ "interfaces", NULL }, { "router", NULL }, { "subnet", NULL }, { "upstream", NULL },
	{ "resolver", NULL }, { "mode", NULL }, { "lease-time", NULL },
	{ "pools", pool_keys }, { "log", log_keys }, { NULL, NULL },
};

#define DAY_MS (86400 * 1000ULL)

static void load_pools(struct np_conf_err *e, const config_setting_t *list, struct tconf *t)
{
	int n = config_setting_length(list);

	if (n > 4) {
		np_conf_error(e, list, "at most 4 pools");
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *p = config_setting_get_elem(list, (unsigned)i);
		struct tpool *pool = &t->pools[t->n_pools++];

		pool->lease_ms = t->lease_ms;
		np_conf_get_cidr(e, p, "range", NP_CONF_REQUIRED | NP_CONF_NETWORK, &pool->range);
		np_conf_get_duration(e, p, "lease-time", NP_CONF_OPTIONAL, 60000, 7 * DAY_MS,
				     &pool->lease_ms);
	}
}

/* Returns 0 when the file validates; errors go to e. */
static int load(const char *file, struct np_conf_err *e, struct tconf *t)
{
	struct np_conf c;
	const config_setting_t *root, *pools = NULL, *log = NULL;

	memset(t, 0, sizeof(*t));
	t->workers = 1;
	t->mode = MODE_RELAY;
	t->lease_ms = DAY_MS;
	t->log_level = NP_LOG_INFO;
	t->upstream.port = 53;
	if (np_conf_read(&c, np_test_data_path(file), e) < 0)
		goto free_conf;
	root = np_conf_root(&c);
	np_conf_check_keys(e, root, top_keys);
	np_conf_get_string(e, root, "name", NP_CONF_REQUIRED, t->name, sizeof(t->name));
	np_conf_get_int(e, root, "workers", NP_CONF_OPTIONAL, 1, 64, &t->workers);
	np_conf_get_int64(e, root, "max-bytes", NP_CONF_OPTIONAL, 0, 10000000000LL,
			  &t->max_bytes);
	np_conf_get_bool(e, root, "verbose", NP_CONF_OPTIONAL, &t->verbose);
	np_conf_get_strv(e, root, "interfaces", NP_CONF_OPTIONAL, 4, 16, &t->interfaces,
			 &t->n_interfaces);
	np_conf_get_ipv4(e, root, "router", NP_CONF_OPTIONAL, &t->router);
	np_conf_get_ipv4(e, root, "resolver", NP_CONF_OPTIONAL, &t->resolver);
	np_conf_get_cidr(e, root, "subnet", NP_CONF_OPTIONAL | NP_CONF_NETWORK, &t->subnet);
	np_conf_get_hostport(e, root, "upstream", NP_CONF_OPTIONAL, 0, &t->upstream);
	np_conf_get_enum(e, root, "mode", NP_CONF_OPTIONAL, modes, &t->mode);
	np_conf_get_duration(e, root, "lease-time", NP_CONF_OPTIONAL, 60000, 7 * DAY_MS,
			     &t->lease_ms);
	if (np_conf_get_list(e, root, "pools", NP_CONF_OPTIONAL, &pools) == 1)
		load_pools(e, pools, t);
	if (np_conf_get_group(e, root, "log", NP_CONF_OPTIONAL, &log) == 1)
		np_conf_get_enum(e, log, "level", NP_CONF_REQUIRED, levels, &t->log_level);
free_conf:
	np_conf_free(&c);
	return e->count ? -1 : 0;
}

/* The sink collects messages with the fixture directory cut off. */
struct sink {
	char msgs[16][512];
	unsigned n;
};

static void collect(void *arg, const char *msg)
{
	struct sink *s = arg;
	const char *dir = np_test_data_path("conf/");

	if (strncmp(msg, dir, strlen(dir)) == 0)
		msg += strlen(dir);
	if (s->n < 16)
		snprintf(s->msgs[s->n++], sizeof(s->msgs[0]), "%s", msg);
}

/* Load file and compare every reported error, in order, with want[]. */
static void expect_errors(const char *file, const char *const *want, unsigned nwant)
{
	struct sink s = { .n = 0 };
	struct np_conf_err e;
	struct tconf t;
	char path[64];

	np_conf_err_init(&e, collect, &s);
	snprintf(path, sizeof(path), "conf/%s", file);
	assert_int_equal(load(path, &e, &t), -1);
	for (unsigned i = 0; i < s.n && i < nwant; i++)
		assert_string_equal(s.msgs[i], want[i]);
	assert_int_equal(s.n, nwant);
	assert_int_equal(e.count, nwant);
	/* The first error is kept for a one-line reload answer. */
	assert_non_null(strstr(e.first, want[0]));
	np_conf_strv_free(t.interfaces);
}

#define EXPECT(file, ...) do { \
	static const char *const want_[] = { __VA_ARGS__ }; \
	expect_errors(file, want_, sizeof(want_) / sizeof(want_[0])); \
} while (0)

static void valid_full_config(void **state)
{
	struct np_conf_err e;
	struct tconf t;

	(void)state;
	np_conf_err_init(&e, NULL, NULL);
	assert_int_equal(load("conf/valid-full.conf", &e, &t), 0);
	assert_string_equal(t.name, "lan");
	assert_int_equal(t.workers, 4);
	assert_true(t.max_bytes == 5000000000LL);
	assert_true(t.verbose);
	assert_int_equal(t.n_interfaces, 2);
	assert_string_equal(t.interfaces[0], "eth0");
	assert_string_equal(t.interfaces[1], "eth1");
	assert_null(t.interfaces[2]);
	assert_int_equal(t.router, 0x0a4d0001);
	assert_int_equal(t.resolver, 0x0a4d0003);
	assert_int_equal(t.subnet.addr, 0x0a4d0000);
	assert_int_equal(t.subnet.prefix, 16);
	assert_int_equal(t.upstream.addr, 0x0a4d0002);
	assert_int_equal(t.upstream.port, 5353);
	assert_int_equal(t.mode, MODE_AUTHORITATIVE);
	assert_int_equal(t.lease_ms, 5400000);
	assert_int_equal(t.n_pools, 2);
	assert_int_equal(t.pools[0].range.addr, 0x0a4d0100);
	assert_int_equal(t.pools[0].range.prefix, 24);
	assert_int_equal(t.pools[0].lease_ms, 600000);
	assert_int_equal(t.pools[1].range.addr, 0x0a4d0200);
	assert_int_equal(t.pools[1].lease_ms, 5400000);  /* inherits the top level */
	assert_int_equal(t.log_level, NP_LOG_DEBUG);
	assert_int_equal(e.count, 0);
	np_conf_strv_free(t.interfaces);
}

/* Optional settings that are absent leave the preset defaults alone. */
static void defaults_stay_when_absent(void **state)
{
	struct np_conf_err e;
	struct tconf t;

	(void)state;
	np_conf_err_init(&e, NULL, NULL);
	assert_int_equal(load("conf/minimal.conf", &e, &t), 0);
	assert_string_equal(t.name, "min");
	assert_int_equal(t.workers, 1);
	assert_int_equal(t.mode, MODE_RELAY);
	assert_int_equal(t.lease_ms, DAY_MS);
	assert_int_equal(t.upstream.port, 53);
	assert_null(t.interfaces);
	assert_int_equal(t.n_pools, 0);
	assert_int_equal(t.log_level, NP_LOG_INFO);
}

static void unknown_keys_at_every_depth(void **state)
{
	(void)state;
	EXPECT("unknown-key.conf",
	       "unknown-key.conf:3: unknown setting \"wokers\"",
	       "unknown-key.conf:6: unknown setting \"pools.[1].rang\"",
	       "unknown-key.conf:8: unknown setting \"log.colour\"",
	       "unknown-key.conf:6: pools.[1]: missing required setting \"range\"");
}

static void wrong_types(void **state)
{
	(void)state;
	EXPECT("wrong-type.conf",
	       "wrong-type.conf:3: workers: expected an integer, found a string",
	       "wrong-type.conf:4: verbose: expected a boolean (true or false), found an integer",
	       "wrong-type.conf:5: interfaces.[1]: expected a string, found an integer",
	       "wrong-type.conf:6: router: expected a string, found an integer",
	       "wrong-type.conf:7: lease-time: expected a duration (seconds or a string like \"5m\"), found a float",
	       "wrong-type.conf:8: pools: expected a list ( ... ), found a group",
	       "wrong-type.conf:9: log: expected a group { ... }, found a string");
}

static void out_of_range(void **state)
{
	(void)state;
	EXPECT("out-of-range.conf",
	       "out-of-range.conf:3: workers: 0 is out of range 1..64",
	       "out-of-range.conf:4: max-bytes: -1294967296 is out of range 0..10000000000 "
	       "(write numbers above 2147483647 with an L suffix)",
	       "out-of-range.conf:6: interfaces: more than 4 entries",
	       "out-of-range.conf:5: lease-time: duration 1209600000 ms is out of range 60000..604800000 ms");
}

static void bad_addresses(void **state)
{
	(void)state;
	EXPECT("bad-address.conf",
	       "bad-address.conf:3: router: \"10.77.0.256\" is not an IPv4 address (a.b.c.d)",
	       "bad-address.conf:4: resolver: \"010.77.0.3\" is not an IPv4 address (a.b.c.d)",
	       "bad-address.conf:5: upstream: \"10.77.0.2:0\" is not an address and port "
	       "(a.b.c.d:port, port 1..65535)");
}

static void bad_cidrs(void **state)
{
	(void)state;
	EXPECT("bad-cidr.conf",
	       "bad-cidr.conf:3: subnet: \"10.77.0.0/33\" is not an IPv4 prefix (a.b.c.d/n, n from 0 to 32)",
	       "bad-cidr.conf:5: pools.[0].range: \"10.77.1.1/24\" has host bits set (the network is 10.77.1.0/24)",
	       "bad-cidr.conf:6: pools.[1].range: \"10.77.2.0\" is not an IPv4 prefix (a.b.c.d/n, n from 0 to 32)");
}

static void bad_enum_duration_strings(void **state)
{
	(void)state;
	EXPECT("bad-value.conf",
	       "bad-value.conf:2: name: longer than 16 characters",
	       "bad-value.conf:5: interfaces.[1]: empty string",
	       "bad-value.conf:3: mode: \"fast\" is not one of: authoritative, relay",
	       "bad-value.conf:4: lease-time: \"5x\" is not a duration (like 30, \"30s\", \"5m\", \"1h30m\", \"250ms\")");
}

/* Missing settings are reported at the line of the group that lacks them. */
static void missing_required(void **state)
{
	(void)state;
	EXPECT("missing-required.conf",
	       "missing-required.conf:1: missing required setting \"name\"",
	       "missing-required.conf:4: pools.[0]: missing required setting \"range\"",
	       "missing-required.conf:6: log: missing required setting \"level\"");
}

static void syntax_error(void **state)
{
	(void)state;
	EXPECT("syntax-error.conf", "syntax-error.conf:4: syntax error");
}

static void duplicate_setting(void **state)
{
	(void)state;
	EXPECT("duplicate.conf", "duplicate.conf:3: duplicate setting name");
}

/* Settings from an @include carry the included file's name and line. */
static void error_in_included_file(void **state)
{
	(void)state;
	EXPECT("include-main.conf", "include-part.inc:3: unknown setting \"routr\"");
}

static void missing_file(void **state)
{
	struct sink s = { .n = 0 };
	struct np_conf_err e;
	struct tconf t;

	(void)state;
	np_conf_err_init(&e, collect, &s);
	assert_int_equal(load("conf/no-such-file.conf", &e, &t), -1);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.msgs[0], "no-such-file.conf: cannot read: No such file or directory");
}

/* A syntax error in a string names the stand-in file name. */
static void read_string_reports_name(void **state)
{
	struct sink s = { .n = 0 };
	struct np_conf_err e;
	struct np_conf c;

	(void)state;
	np_conf_err_init(&e, collect, &s);
	assert_int_equal(np_conf_read_string(&c, "inline", "a = 1;\nb = {\n", &e), -1);
	np_conf_free(&c);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.msgs[0], "inline:3: syntax error");
}

/* "" is a value only where the daemon documents it ("opens none"). */
static void empty_string_only_where_allowed(void **state)
{
	struct sink s = { .n = 0 };
	struct np_conf_err e;
	struct np_conf c;
	char out[16] = "default";

	(void)state;
	np_conf_err_init(&e, collect, &s);
	assert_int_equal(np_conf_read_string(&c, "inline", "sock = \"\";\n", &e), 0);
	assert_int_equal(np_conf_get_string(&e, np_conf_root(&c), "sock",
					    NP_CONF_OPTIONAL | NP_CONF_EMPTY_OK, out, sizeof(out)), 1);
	assert_string_equal(out, "");
	assert_int_equal(np_conf_get_string(&e, np_conf_root(&c), "sock", NP_CONF_OPTIONAL, out,
					    sizeof(out)), -1);
	np_conf_free(&c);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.msgs[0], "inline:1: sock: empty string");
}

/* The user a daemon drops to: it must exist and must not be root. */
static void user_is_checked(void **state)
{
	struct sink s = { .n = 0 };
	struct np_conf_err e;
	struct np_conf c;
	char out[32] = "";

	(void)state;
	np_conf_err_init(&e, collect, &s);
	assert_int_equal(np_conf_read_string(&c, "inline",
					     "a = \"nobody\";\nb = \"root\";\nc = \"np-no-such-user\";\n",
					     &e), 0);
	assert_int_equal(np_conf_get_user(&e, np_conf_root(&c), "a", NP_CONF_OPTIONAL, out,
					  sizeof(out)), 1);
	assert_string_equal(out, "nobody");
	assert_int_equal(np_conf_get_user(&e, np_conf_root(&c), "b", NP_CONF_OPTIONAL, out,
					  sizeof(out)), -1);
	assert_int_equal(np_conf_get_user(&e, np_conf_root(&c), "c", NP_CONF_OPTIONAL, out,
					  sizeof(out)), -1);
	np_conf_free(&c);
	assert_int_equal(s.n, 2);
	assert_non_null(strstr(s.msgs[0], "inline:2: b: user \"root\" is root"));
	assert_non_null(strstr(s.msgs[1], "inline:3: c: no such user \"np-no-such-user\""));
}

/* host:port with and without a default port, copies, and a NULL group. */
static void hostport_strdup_and_null_group(void **state)
{
	struct sink s = { .n = 0 };
	struct np_conf_err e;
	struct np_conf c;
	struct np_conf_hostport hp = { 0, 0 };
	const config_setting_t *root;
	char *copy = NULL;
	int v = 7;

	(void)state;
	np_conf_err_init(&e, collect, &s);
	assert_int_equal(np_conf_read_string(&c, "inline",
					     "a = \"10.0.0.1\";\nb = \"10.0.0.2:853\";\n"
					     "c = \"10.0.0.1:65536\";\nd = \"ns1:53\";\n"
					     "s = \"text\";\n", &e), 0);
	root = np_conf_root(&c);
	assert_int_equal(np_conf_get_hostport(&e, root, "a", NP_CONF_REQUIRED, 53, &hp), 1);
	assert_int_equal(hp.addr, 0x0a000001);
	assert_int_equal(hp.port, 53);
	assert_int_equal(np_conf_get_hostport(&e, root, "b", NP_CONF_REQUIRED, 53, &hp), 1);
	assert_int_equal(hp.addr, 0x0a000002);
	assert_int_equal(hp.port, 853);
	assert_int_equal(np_conf_get_hostport(&e, root, "a", NP_CONF_REQUIRED, 0, &hp), -1);
	assert_int_equal(np_conf_get_hostport(&e, root, "c", NP_CONF_REQUIRED, 53, &hp), -1);
	assert_int_equal(np_conf_get_hostport(&e, root, "d", NP_CONF_REQUIRED, 53, &hp), -1);
	assert_int_equal(hp.port, 853);   /* untouched on error */
	assert_int_equal(np_conf_get_strdup(&e, root, "s", NP_CONF_REQUIRED, &copy), 1);
	assert_string_equal(copy, "text");
	free(copy);
	/* A group whose own lookup failed: no second report. */
	assert_int_equal(np_conf_get_int(&e, NULL, "x", NP_CONF_OPTIONAL, 0, 9, &v), 0);
	assert_int_equal(np_conf_get_int(&e, NULL, "x", NP_CONF_REQUIRED, 0, 9, &v), -1);
	assert_int_equal(v, 7);
	np_conf_free(&c);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.msgs[0], "inline:1: a: \"10.0.0.1\" is not an address and port "
			    "(a.b.c.d:port, port 1..65535)");
	assert_string_equal(s.msgs[1], "inline:3: c: \"10.0.0.1:65536\" is not an address and "
			    "port (a.b.c.d:port or a.b.c.d, port 1..65535)");
	assert_string_equal(s.msgs[2], "inline:4: d: \"ns1:53\" is not an address and "
			    "port (a.b.c.d:port or a.b.c.d, port 1..65535)");
}

static void parse_ipv4_strictly(void **state)
{
	uint32_t a = 0;

	(void)state;
	assert_int_equal(np_conf_parse_ipv4("192.0.2.1", &a), 0);
	assert_int_equal(a, 0xc0000201);
	assert_int_equal(np_conf_parse_ipv4("255.255.255.255", &a), 0);
	assert_int_equal(a, 0xffffffff);
	/* inet_aton() would take these; a config must not. */
	assert_int_equal(np_conf_parse_ipv4("10.1", &a), -1);
	assert_int_equal(np_conf_parse_ipv4("010.0.0.1", &a), -1);
	assert_int_equal(np_conf_parse_ipv4("0x0a.0.0.1", &a), -1);
	assert_int_equal(np_conf_parse_ipv4("10.0.0.1 ", &a), -1);
	assert_int_equal(np_conf_parse_ipv4("", &a), -1);
}

static void parse_cidr_bounds(void **state)
{
	struct np_conf_cidr c = { 0, 0 };

	(void)state;
	assert_int_equal(np_conf_parse_cidr("0.0.0.0/0", &c), 0);
	assert_int_equal(c.prefix, 0);
	assert_int_equal(np_conf_parse_cidr("10.0.0.1/32", &c), 0);
	assert_int_equal(c.addr, 0x0a000001);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(np_conf_parse_cidr("10.0.0.0/33", &c), -1);
	assert_int_equal(np_conf_parse_cidr("10.0.0.0/08", &c), -1);
	assert_int_equal(np_conf_parse_cidr("10.0.0.0/", &c), -1);
	assert_int_equal(np_conf_parse_cidr("10.0.0.0/-1", &c), -1);
	assert_int_equal(np_conf_parse_cidr("10.0.0.0/24/1", &c), -1);
	assert_int_equal(np_conf_parse_cidr("/24", &c), -1);
}

static void parse_durations(void **state)
{
	uint64_t ms = 0;

	(void)state;
	assert_int_equal(np_conf_parse_duration("30", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(np_conf_parse_duration("250ms", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(np_conf_parse_duration("1h30m", &ms), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(np_conf_parse_duration("1d2h3m4s5ms", &ms), 0);
	assert_int_equal(ms, 93784005);
	assert_int_equal(np_conf_parse_duration("2w", &ms), 0);
	assert_int_equal(ms, 1209600000);
	assert_int_equal(np_conf_parse_duration("", &ms), -1);
	assert_int_equal(np_conf_parse_duration("5x", &ms), -1);
	assert_int_equal(np_conf_parse_duration("1h30", &ms), -1);   /* bare number only alone */
	assert_int_equal(np_conf_parse_duration("m", &ms), -1);
	assert_int_equal(np_conf_parse_duration("-5s", &ms), -1);
	assert_int_equal(np_conf_parse_duration("1 h", &ms), -1);
	assert_int_equal(np_conf_parse_duration("9999999999s", &ms), -1);  /* 10 digits */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_full_config),
		cmocka_unit_test(defaults_stay_when_absent),
		cmocka_unit_test(unknown_keys_at_every_depth),
		cmocka_unit_test(wrong_types),
		cmocka_unit_test(out_of_range),
		cmocka_unit_test(bad_addresses),
		cmocka_unit_test(bad_cidrs),
		cmocka_unit_test(bad_enum_duration_strings),
		cmocka_unit_test(missing_required),
		cmocka_unit_test(syntax_error),
		cmocka_unit_test(duplicate_setting),
		cmocka_unit_test(error_in_included_file),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(read_string_reports_name),
		cmocka_unit_test(empty_string_only_where_allowed),
		cmocka_unit_test(user_is_checked),
		cmocka_unit_test(hostport_strdup_and_null_group),
		cmocka_unit_test(parse_ipv4_strictly),
		cmocka_unit_test(parse_cidr_bounds),
		cmocka_unit_test(parse_durations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
