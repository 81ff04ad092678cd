/*
 * test-dnsd-conf.c: np-dnsd's configuration loader (daemons/dnsd/conf.c):
 * every setting read with its default, every error reported with its
 * file:line, the access-control and update ACL matching.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "acl.h"
#include "conf.h"
#include "testutil.h"
#include "val-chain.h"

struct errs {
	char msg[32][320];
	unsigned n;
};

static void collect(void *arg, const char *msg)
{
	struct errs *e = arg;

	if (e->n < 32)
		snprintf(e->msg[e->n++], sizeof(e->msg[0]), "%s", msg);
}

static struct dnsd_conf *load(const char *text, struct errs *errs)
{
	struct np_conf c;
	struct np_conf_err e;
	struct dnsd_conf *conf = NULL;

	memset(errs, 0, sizeof(*errs));
	np_conf_err_init(&e, collect, errs);
	if (np_conf_read_string(&c, "t.conf", text, &e) == 0)
		conf = dnsd_conf_load(&c, &e);
	np_conf_free(&c);
	if (e.count)
		assert_null(conf);
	return conf;
}

/* An error at "t.conf:line:" whose text contains what. */
static void expect_error(const struct errs *e, int line, const char *what)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "t.conf:%d: ", line);
	for (unsigned i = 0; i < e->n; i++)
		if (strncmp(e->msg[i], prefix, strlen(prefix)) == 0 && strstr(e->msg[i], what))
			return;
	for (unsigned i = 0; i < e->n; i++)
		print_error("got: %s\n", e->msg[i]);
	fail_msg("no error \"%s\" at line %d", what, line);
}

static const char full[] =
	"listen = [ \"127.0.0.1\", \"10.77.0.1:5353\" ];\n"           /* 1 */
	"upstreams = ( \"10.77.1.1\", \"10.77.1.2:5300\" );\n"
	"forward_zones = (\n"
	"  { zone = \"Corp.Example.\"; servers = ( \"10.77.2.1\" ); },\n"
	"  { zone = \"10.in-addr.arpa\"; servers = ( \"10.77.2.2:53\", \"10.77.2.3\" ); }\n"
	");\n"
	"cache_size = 5000;\n"
	"min_ttl = 5; max_ttl = 3600; max_negative_ttl = 300;\n"
	"serve_stale = true; prefetch = true; use_0x20 = true;\n"
	"edns_buffer_size = 1400;\n"                                  /* 10 */
	"local_zone = \"lan.\";\n"
	"records = ( \"printer.lan. 300 IN A 10.77.0.50\" );\n"
	"access_control = ( { net = \"10.77.0.0/16\"; action = \"allow\"; },\n"
	"  { net = \"10.77.9.0/24\"; action = \"refuse\"; } );\n"
	"update_acl = ( \"10.77.0.1\", \"10.77.5.0/24\" );\n"
	"tcp_idle_timeout = \"2s\"; tcp_max_connections = 50;\n"
	"tcp_query_timeout = \"1500ms\"; tcp_per_client = 4;\n"
	"upstream_timeout = \"800ms\";\n"
	"control_socket = \"/run/np-dnsd.sock\";\n"
	"log_level = \"debug\";\n";

static void every_setting(void **state)
{
	struct errs e;
	struct dnsd_conf *c = load(full, &e);
	static const uint8_t corp[] = "\4corp\7example";

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->nlisten, 2);
	assert_int_equal(c->listen[0].addr, 0x7f000001);
	assert_int_equal(c->listen[0].port, 53);
	assert_int_equal(c->listen[1].addr, 0x0a4d0001);
	assert_int_equal(c->listen[1].port, 5353);
	assert_int_equal(c->policy.nsets, 3);
	assert_int_equal(c->policy.sets[0].zlen, 1);
	assert_int_equal(c->policy.sets[0].nservers, 2);
	assert_int_equal(c->policy.sets[0].servers[1].addr, 0x0a4d0102);
	assert_int_equal(c->policy.sets[0].servers[1].port, 5300);
	/* zone names are kept lowercased */
	assert_int_equal(c->policy.sets[1].zlen, sizeof(corp));
	assert_memory_equal(c->policy.sets[1].zone, corp, sizeof(corp));
	assert_int_equal(c->policy.sets[2].nservers, 2);
	assert_int_equal(c->policy.sets[2].servers[1].port, 53);
	assert_int_equal(c->policy.cache_size, 5000);
	assert_int_equal(c->policy.min_ttl, 5);
	assert_int_equal(c->policy.max_ttl, 3600);
	assert_int_equal(c->policy.max_negative_ttl, 300);
	assert_true(c->policy.serve_stale && c->policy.prefetch && c->policy.use_0x20);
	assert_int_equal(c->policy.edns_buffer_size, 1400);
	assert_int_equal(c->policy.local_zone_len, 5);
	assert_non_null(c->records);
	assert_true(c->policy.acl_given);
	assert_int_equal(c->policy.nacl, 2);
	assert_int_equal(c->policy.nupdate_acl, 2);
	assert_int_equal(c->policy.update_acl[0].prefix, 32);
	assert_int_equal(c->tcp_idle_timeout_ms, 2000);
	assert_int_equal(c->tcp_max_connections, 50);
	assert_int_equal(c->tcp_query_timeout_ms, 1500);
	assert_int_equal(c->tcp_per_client, 4);
	assert_int_equal(c->policy.upstream_timeout_ms, 800);
	assert_string_equal(c->common.control_socket, "/run/np-dnsd.sock");
	assert_int_equal(c->common.log_level, NP_LOG_DEBUG);
	dnsd_conf_free(c);
}

static void defaults(void **state)
{
	struct errs e;
	struct dnsd_conf *c = load("listen = [ \"127.0.0.1\" ];\n", &e);

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->policy.edns_buffer_size, 1232);
	assert_int_equal(c->policy.cache_size, 100000);
	assert_int_equal(c->policy.max_ttl, 86400);
	assert_int_equal(c->policy.max_negative_ttl, 3600);
	assert_false(c->policy.serve_stale || c->policy.prefetch || c->policy.acl_given);
	assert_true(c->policy.use_0x20);
	assert_int_equal(c->policy.local_zone_len, 0);
	assert_null(c->records);
	assert_int_equal(c->policy.nsets, 1);
	assert_int_equal(c->policy.sets[0].nservers, 0);
	assert_int_equal(c->tcp_idle_timeout_ms, 10000);
	assert_int_equal(c->tcp_query_timeout_ms, 5000);
	assert_int_equal(c->tcp_max_connections, 1000);
	assert_int_equal(c->tcp_per_client, 32);
	assert_int_equal(c->policy.upstream_timeout_ms, 1500);
	dnsd_conf_free(c);
}

static void errors_name_their_line(void **state)
{
	struct errs e;
	struct dnsd_conf *c = load(
		"listen = [ \"127.0.0.1:0\" ];\n"                                 /* 1 */
		"upstreams = ( \"10.77.1.300\" );\n"                              /* 2 */
		"forward_zones = ( { zone = \"a..b\"; servers = ( \"10.1.1.1\" ); },\n" /* 3 */
		"  { zone = \"x.\"; servers = ( ); },\n"                          /* 4 */
		"  { zone = \"X.\"; servers = ( \"10.1.1.1\" ); } );\n"           /* 5 */
		"edns_buffer_size = 100;\n"                                       /* 6 */
		"cache_sise = 10;\n"                                              /* 7 */
		"access_control = ( { net = \"10.0.0.1/8\"; action = \"allow\"; },\n" /* 8 */
		"  { net = \"10.0.0.0/8\"; action = \"maybe\"; } );\n"            /* 9 */
		"update_acl = ( \"nope\" );\n"                                    /* 10 */
		"local_zone = \"lan.\";\n"                                        /* 11 */
		"records = ( \"ok.lan. A 10.0.0.1\",\n"                           /* 12 */
		"  \"BAD line\" );\n"                                             /* 13 */
		"min_ttl = 100; max_ttl = 10;\n"                                  /* 14 */
		"tcp_idle_timeout = \"5 parsecs\";\n"                             /* 15 */
		"tcp_per_client = 0; tcp_query_timeout = \"2h\";\n",              /* 16 */
		&e);

	(void)state;
	assert_null(c);
	expect_error(&e, 1, "listen");
	expect_error(&e, 2, "upstreams");
	expect_error(&e, 3, "zone");
	expect_error(&e, 4, "empty");
	expect_error(&e, 5, "also forwarded at line 4");
	expect_error(&e, 6, "edns_buffer_size");
	expect_error(&e, 7, "cache_sise");
	expect_error(&e, 8, "net");
	expect_error(&e, 9, "action");
	expect_error(&e, 10, "update_acl");
	expect_error(&e, 13, "BAD line");
	expect_error(&e, 14, "min_ttl");
	expect_error(&e, 15, "tcp_idle_timeout");
	expect_error(&e, 16, "tcp_per_client");
	expect_error(&e, 16, "tcp_query_timeout");
}

static void missing_listen_and_records_without_zone(void **state)
{
	struct errs e;

	(void)state;
	assert_null(load("records = ( \"a.lan. A 10.0.0.1\" );\n", &e));
	expect_error(&e, 1, "needs a local_zone");
	for (unsigned i = 0; i < e.n; i++)
		if (strstr(e.msg[i], "listen"))
			return;
	fail_msg("no error for the missing listen");
}

static void acl_longest_prefix(void **state)
{
	static const struct dnsd_acl_entry acl[] = {
		{ 0x0a000000, 8, DNSD_ACL_ALLOW },
		{ 0x0a4d0900, 24, DNSD_ACL_REFUSE },
		{ 0x0a4d0905, 32, DNSD_ACL_ALLOW },
	};

	(void)state;
	assert_int_equal(dnsd_acl_check(acl, 3, 0x0a010203), DNSD_ACL_ALLOW);
	assert_int_equal(dnsd_acl_check(acl, 3, 0x0a4d0901), DNSD_ACL_REFUSE);
	assert_int_equal(dnsd_acl_check(acl, 3, 0x0a4d0905), DNSD_ACL_ALLOW);
	assert_int_equal(dnsd_acl_check(acl, 3, 0xc0a80001), DNSD_ACL_DENY);
	assert_int_equal(dnsd_acl_check(acl, 0, 0x0a010203), DNSD_ACL_DENY);
}

static void update_acl_match(void **state)
{
	struct errs e;
	struct dnsd_conf *c = load(full, &e);

	(void)state;
	assert_non_null(c);
	assert_true(dnsd_update_allowed(&c->policy, 0x0a4d0001));
	assert_false(dnsd_update_allowed(&c->policy, 0x0a4d0002));
	assert_true(dnsd_update_allowed(&c->policy, 0x0a4d05fe));
	assert_false(dnsd_update_allowed(&c->policy, 0x0a4d0601));
	dnsd_conf_free(c);
}


/* ---- DNSSEC settings ---------------------------------------------------- */

/* Default: off (the query path does not validate yet), the built-in root anchors. */
static void dnssec_defaults(void **state)
{
	struct errs e;
	struct dnsd_conf *c = load("listen = [ \"127.0.0.1\" ];\n", &e);
	size_t len, nds, nkeys;
	const uint8_t *z;

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->dnssec, DNSD_DNSSEC_OFF);
	assert_non_null(c->trust);
	assert_int_equal(vc_trust_anchors(c->trust), 1);
	z = vc_trust_anchor(c->trust, 0, &len, &nds, &nkeys);
	assert_int_equal(len, 1);
	assert_int_equal(z[0], 0);
	assert_int_equal(nds, 2);             /* KSK-2017 and KSK-2024 */
	assert_int_equal(vc_trust_ntas(c->trust), 0);
	dnsd_conf_free(c);
	c = load("listen = [ \"127.0.0.1\" ];\ndnssec = \"off\";\n", &e);
	assert_non_null(c);
	assert_int_equal(c->dnssec, DNSD_DNSSEC_OFF);
	dnsd_conf_free(c);
}

/* Validation is refused until the query path validates: -t must not accept it. */
static void dnssec_validate_refused(void **state)
{
	struct errs e;

	(void)state;
	assert_null(load("listen = [ \"127.0.0.1\" ];\ndnssec = \"validate\";\n", &e));
	expect_error(&e, 2, "dnssec: \"validate\" is not yet supported");
	assert_null(load("listen = [ \"127.0.0.1\" ];\ndnssec = \"permissive\";\n", &e));
	expect_error(&e, 2, "dnssec: \"permissive\" is not yet supported");
	assert_null(load("listen = [ \"127.0.0.1\" ];\ndnssec = \"on\";\n", &e));
	expect_error(&e, 2, "dnssec");
}

static void trust_anchor_settings(void **state)
{
	struct errs e;
	char text[1024];
	struct dnsd_conf *c;
	uint8_t n[NP_DNS_NAME_MAX];
	int nlen = np_dns_name_from_text("www.broken.example.", n, sizeof(n));
	size_t len, nds, nkeys;

	(void)state;
	c = load("listen = [ \"127.0.0.1\" ];\n"
		 "trust_anchors = [\n"
		 "  \"example. IN DS 57072 13 2 a84901c3b818b85439483df63f037398fcba87ff185ecee2dac22304fdd72730\",\n"
		 "  \"example. 3600 IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\"\n"
		 "];\n"
		 "negative_trust_anchors = [ \"Broken.Example.\" ];\n", &e);
	assert_non_null(c);
	assert_int_equal(vc_trust_anchors(c->trust), 1);     /* replaces the root's */
	vc_trust_anchor(c->trust, 0, &len, &nds, &nkeys);
	assert_int_equal(nds, 1);
	assert_int_equal(nkeys, 1);
	assert_true(nlen > 0);
	assert_true(vc_trust_nta_covers(c->trust, n, (size_t)nlen));
	dnsd_conf_free(c);

	/* Each bad item at its own line. */
	assert_null(load("listen = [ \"127.0.0.1\" ];\n"
			 "trust_anchors = [\n"
			 "  \". IN A 192.0.2.1\",\n"
			 "  \". IN DS 20326 8 2 NOTHEX\" ];\n"
			 "negative_trust_anchors = [ \"bad..name\" ];\n", &e));
	expect_error(&e, 3, "trust_anchors: \". IN A 192.0.2.1\": a trust anchor is a DS or DNSKEY");
	expect_error(&e, 4, "trust_anchors: \". IN DS 20326 8 2 NOTHEX\"");
	expect_error(&e, 5, "negative_trust_anchors: \"bad..name\" is not a domain name");

	/* The file: its own file:line in the message, at the setting's line. */
	snprintf(text, sizeof(text), "listen = [ \"127.0.0.1\" ];\ntrust_anchor_file = \"%s\";\n",
		 np_test_data_path("dnssec-hier-root.ds"));
	c = load(text, &e);
	assert_non_null(c);
	assert_int_equal(vc_trust_anchors(c->trust), 1);
	dnsd_conf_free(c);
	{
		char path[] = "/tmp/test-dnsd-conf-anchors.XXXXXX", want[128];
		int fd = mkstemp(path);
		FILE *fp;

		assert_true(fd >= 0);
		fp = fdopen(fd, "w");
		fputs("; root.ds\n. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
		      ". IN DS 20326 8\n", fp);
		fclose(fp);
		snprintf(text, sizeof(text),
			 "listen = [ \"127.0.0.1\" ];\n\ntrust_anchor_file = \"%s\";\n", path);
		assert_null(load(text, &e));
		snprintf(want, sizeof(want), "trust_anchor_file: %s:3: ", path);
		expect_error(&e, 3, want);
		unlink(path);
		assert_null(load(text, &e));
		expect_error(&e, 3, "No such file");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_setting),
		cmocka_unit_test(defaults),
		cmocka_unit_test(errors_name_their_line),
		cmocka_unit_test(missing_listen_and_records_without_zone),
		cmocka_unit_test(acl_longest_prefix),
		cmocka_unit_test(update_acl_match),
		cmocka_unit_test(dnssec_defaults),
		cmocka_unit_test(dnssec_validate_refused),
		cmocka_unit_test(trust_anchor_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
