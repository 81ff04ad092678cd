/*
 * test-arpd-conf.c: np-arpd's configuration loader (daemons/arpd/conf.c)
 * on the fixtures tests/data/conf/arpd-*.conf: every setting read, every
 * error reported with its file:line, the 1,000,000-address limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/ipv6.h>

#include "conf.h"
#include "testutil.h"

struct errs {
	char msg[32][256];
	unsigned n;
};

static void collect(void *arg, const char *msg)
{
	struct errs *e = arg;

	if (e->n < 32)
		snprintf(e->msg[e->n++], sizeof(e->msg[0]), "%s", msg);
}

static struct arpd_conf *load(const char *name, struct errs *errs)
{
	struct np_conf c;
	struct np_conf_err e;
	struct arpd_conf *conf = NULL;

	memset(errs, 0, sizeof(*errs));
	np_conf_err_init(&e, collect, errs);
	if (np_conf_read(&c, np_test_data_path(name), &e) == 0)
		conf = arpd_conf_load(&c, &e);
	np_conf_free(&c);
	if (e.count)
		assert_null(conf);
	return conf;
}

/* An error at "FILE:line:" whose text contains what. */
static void expect_error(const struct errs *e, const char *file, int line, const char *what)
{
	char prefix[512];

	snprintf(prefix, sizeof(prefix), "%s:%d: ", np_test_data_path(file), line);
	for (unsigned i = 0; i < e->n; i++)
		if (strncmp(e->msg[i], prefix, strlen(prefix)) == 0 && strstr(e->msg[i], what))
			return;
	for (unsigned i = 0; i < e->n; i++)
		print_error("got: %s\n", e->msg[i]);
	fail_msg("no error \"%s\" at line %d", what, line);
}

static void every_setting(void **state)
{
	struct errs e;
	struct arpd_conf *c = load("conf/arpd-ok.conf", &e);
	static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };

	(void)state;
	assert_non_null(c);
	assert_string_equal(c->interface, "eth0");
	assert_int_equal(c->nentries, 3);
	assert_int_equal(c->entries[0].first, 0x0a4d0101);
	assert_int_equal(c->entries[0].last, 0x0a4d0101);
	assert_false(c->entries[0].has_mac);
	assert_int_equal(c->entries[1].first, 0x0a4d0200);
	assert_int_equal(c->entries[1].last, 0x0a4d02ff);
	assert_true(c->entries[1].has_mac);
	assert_memory_equal(c->entries[1].mac, mac, 6);
	assert_int_equal(c->entries[2].first, 0x0a4d030a);
	assert_int_equal(c->entries[2].last, 0x0a4d0314);
	assert_true(c->entries[2].unused_only);
	assert_int_equal(c->entries[1].line, 5);
	assert_int_equal(c->table.count, 1 + 256 + 11);
	assert_int_equal(c->table.unused_only, 11);
	assert_memory_equal(arpd_table_slot_mac(&c->table, arpd_table_find(&c->table, 0x0a4d0280),
						NULL), mac, 6);
	assert_int_equal(c->probe.rate, 50);
	assert_int_equal(c->probe.timeout_ms, 500);
	assert_int_equal(c->probe.recheck_ms, 60000);
	assert_int_equal(c->announce.count, 3);
	assert_int_equal(c->announce.interval_ms, 1000);
	assert_int_equal(c->announce.wait_ms, 0);
	assert_true(c->defend);
	assert_string_equal(c->common.control_socket, "/run/np-arpd-test.sock");
	assert_string_equal(c->common.user, "nobody");
	assert_int_equal(c->common.log_level, NP_LOG_DEBUG);
	assert_int_equal(c->rcvbuf, 1048576);
	assert_int_equal(c->batch, 32);
	arpd_conf_free(c);
}

/* RFC 5227 §1.1 defaults when announce is absent; exactly 1,000,000 addresses load. */
static void defaults(void **state)
{
	struct errs e;
	struct arpd_conf *c = load("conf/arpd-million.conf", &e);

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->announce.count, 2);
	assert_int_equal(c->announce.interval_ms, 2000);
	assert_int_equal(c->announce.wait_ms, 2000);
	assert_false(c->defend);
	assert_false(c->unused_only);
	assert_string_equal(c->common.control_socket, "");
	assert_int_equal(c->table.count, 1000000);
	assert_true(arpd_table_memory(&c->table) <= 64u << 20);
	arpd_conf_free(c);
}

static void every_error_has_its_line(void **state)
{
	struct errs e;
	const char *f = "conf/arpd-errors.conf";

	(void)state;
	assert_null(load(f, &e));
	expect_error(&e, f, 4, "has host bits set");
	expect_error(&e, f, 5, "first address is above the last");
	expect_error(&e, f, 6, "loopback");
	expect_error(&e, f, 7, "not a unicast address");
	expect_error(&e, f, 8, "is not a MAC address");
	expect_error(&e, f, 9, "unknown setting \"entries.[5].adress\"");
	expect_error(&e, f, 10, "\"not-an-address\" is not an address");
	expect_error(&e, f, 11, "multicast or broadcast");
	expect_error(&e, f, 12, "0.0.0.0");
	expect_error(&e, f, 14, "announce.count");
	expect_error(&e, f, 15, "defend");
	assert_int_equal(e.n, 11);
}

static void overlap_names_both_lines(void **state)
{
	struct errs e;

	(void)state;
	assert_null(load("conf/arpd-overlap.conf", &e));
	expect_error(&e, "conf/arpd-overlap.conf", 5, "overlaps the one at line 4");
	assert_int_equal(e.n, 1);
}

/* IPv6 entries: each mistake at its line; a good mix loads into both tables. */
static void ipv6_entries(void **state)
{
	const char *f = "conf/arpd-ipv6.conf";
	struct arpd_conf *c;
	struct arpd_slot6 tmp;
	const struct arpd_slot6 *s;
	uint8_t a[16];
	struct errs e;

	(void)state;
	assert_null(load(f, &e));
	expect_error(&e, f, 4, "unused_only takes single IPv6 addresses");
	expect_error(&e, f, 5, "has host bits set");
	expect_error(&e, f, 6, "multicast");
	expect_error(&e, f, 7, "unspecified");
	expect_error(&e, f, 8, "is not an IPv6 address or prefix");
	expect_error(&e, f, 9, "proxy: applies to IPv6 entries only");
	expect_error(&e, f, 10, "loopback");

	c = load("conf/arpd-ipv6-ok.conf", &e);
	assert_non_null(c);
	assert_int_equal(c->table.count, 1);
	assert_int_equal(c->table6.count, 3);
	assert_int_equal(c->table6.nprefixes, 1);
	assert_int_equal(c->table6.unused_only, 1);
	assert_int_equal(c->nentries6, 4);
	assert_true(c->router);
	assert_int_equal(np_ipv6_addr_parse("2001:db8:1::77", a), 0);
	s = arpd_table6_lookup(&c->table6, a, &tmp);
	assert_non_null(s);
	assert_true(s->flags & ARPD_SLOT_PROXY);
	assert_memory_equal(c->table.macs[s->mac], "\x02\x00\x5e\x00\x00\x12", 6);
	assert_int_equal(np_ipv6_addr_parse("2001:db8:1::5", a), 0);
	s = arpd_table6_lookup(&c->table6, a, &tmp);
	assert_false(s->flags & ARPD_SLOT_PROXY);
	arpd_conf_free(c);
}

/* The same IPv6 entry twice names the first one's line. */
static void ipv6_duplicate(void **state)
{
	struct errs e;

	(void)state;
	assert_null(load("conf/arpd-ipv6-dup.conf", &e));
	expect_error(&e, "conf/arpd-ipv6-dup.conf", 5, "is already the entry at line 4");
	assert_int_equal(e.n, 1);
}

static void more_than_a_million(void **state)
{
	struct errs e;

	(void)state;
	assert_null(load("conf/arpd-too-many.conf", &e));
	expect_error(&e, "conf/arpd-too-many.conf", 5, "more than 1000000 addresses");
	assert_int_equal(e.n, 1);
}

static void missing_settings(void **state)
{
	struct np_conf c;
	struct np_conf_err e;
	struct errs errs = { .n = 0 };

	(void)state;
	np_conf_err_init(&e, collect, &errs);
	assert_int_equal(np_conf_read_string(&c, "mem.conf", "entries = ();\n", &e), 0);
	assert_null(arpd_conf_load(&c, &e));
	np_conf_free(&c);
	assert_int_equal(errs.n, 2);   /* interface missing, entries empty */
	assert_non_null(strstr(errs.msg[0], "interface"));
	assert_non_null(strstr(errs.msg[1], "empty"));
}

static void parse_helpers(void **state)
{
	uint32_t a, b;
	uint8_t m[6];
	char why[128];

	(void)state;
	assert_int_equal(arpd_parse_range("10.0.0.0/31", &a, &b, why, sizeof(why)), 0);
	assert_int_equal(a, 0x0a000000);
	assert_int_equal(b, 0x0a000001);
	assert_int_equal(arpd_parse_range("10.0.0.7/32", &a, &b, why, sizeof(why)), 0);
	assert_int_equal(a, b);
	assert_int_equal(arpd_parse_range("10.0.0.5-10.0.0.5", &a, &b, why, sizeof(why)), 0);
	assert_int_equal(arpd_parse_range("10.0.0.5-", &a, &b, why, sizeof(why)), -1);
	assert_int_equal(arpd_parse_range("-10.0.0.5", &a, &b, why, sizeof(why)), -1);
	assert_int_equal(arpd_parse_range("10.0.0.0/33", &a, &b, why, sizeof(why)), -1);
	assert_int_equal(arpd_parse_range("10.0.0.256", &a, &b, why, sizeof(why)), -1);
	assert_int_equal(arpd_parse_mac("02:00:5E:00:00:01", m), 0);
	assert_int_equal(m[2], 0x5e);
	assert_int_equal(arpd_parse_mac("02-00-5e-00-00-01", m), 0);
	assert_int_equal(arpd_parse_mac("02:00-5e:00:00:01", m), -1);
	assert_int_equal(arpd_parse_mac("02:00:5e:00:00:01:", m), -1);
	assert_int_equal(arpd_parse_mac("2:0:5e:0:0:1", m), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_setting),
		cmocka_unit_test(defaults),
		cmocka_unit_test(every_error_has_its_line),
		cmocka_unit_test(overlap_names_both_lines),
		cmocka_unit_test(ipv6_entries),
		cmocka_unit_test(ipv6_duplicate),
		cmocka_unit_test(more_than_a_million),
		cmocka_unit_test(missing_settings),
		cmocka_unit_test(parse_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
