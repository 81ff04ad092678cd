/*
 * test-dnsd-valchain: the DNSSEC validation driver walking a real signed
 * hierarchy.  The answers are NSD's, captured by
 * tests/data/dnssec-make-fixtures.sh (dnssec-hier-NAME-TYPE.hex: a root,
 * net., example.net., insecure.net. delegated without DS, and broken zones,
 * signed by ldns-signzone, valid 2025-01-01 to 2035-01-01); the trust
 * anchor is the root's DS from ldns-key2ds (dnssec-hier-root.ds).  Every
 * DS/DNSKEY question the driver asks is answered with the fixture NSD gave
 * for it, and the test checks the questions, in order, and the verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/dns.h>
#include <netproto/error.h>

#include "testutil.h"
#include "val-chain.h"

#define NOW 1767225600u           /* 2026-01-01 */

struct lab {
	struct vc_trust *t;
	struct vc_keycache *kc;
	struct vc_run *r;
	struct val_budget b;
	char log[1024];               /* "DNSKEY . / DS net. / ..." */
	struct vc_verdict v;
	unsigned limit;               /* 0: default */
	int fail_at;                  /* 1-based question left unanswered; 0: none */
};

static size_t load(const char *name, uint8_t *buf)
{
	char path[NP_DNS_NAME_TEXT_MAX + 32];

	snprintf(path, sizeof(path), "dnssec-hier-%s.hex", name);
	return np_test_load_hex(path, buf, NP_DNS_MSG_MAX);
}

static void add_anchors(struct vc_trust *t)
{
	FILE *fp = fopen(np_test_data_path("dnssec-hier-root.ds"), "r");
	char line[512], err[160];

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		int rc = vc_trust_add_line(t, line, err, sizeof(err));

		if (rc && rc != NP_ENOTFOUND)
			fail_msg("dnssec-hier-root.ds: %s: %s", line, err);
	}
	fclose(fp);
	assert_int_equal(vc_trust_anchors(t), 1);
}

static struct lab *lab_new(size_t cache)
{
	struct lab *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	l->t = vc_trust_new();
	l->kc = vc_keycache_new(cache);
	l->r = vc_run_new(l->t, l->kc);
	assert_non_null(l->t);
	assert_non_null(l->kc);
	assert_non_null(l->r);
	add_anchors(l->t);
	return l;
}

static void lab_free(struct lab *l)
{
	vc_run_free(l->r);
	vc_keycache_free(l->kc);
	vc_trust_free(l->t);
	free(l);
}

/* The fixture name of a question: "net-ds", "root-dnskey". */
static void fixture_of(const struct vc_action *a, char *out, size_t cap)
{
	char text[NP_DNS_NAME_TEXT_MAX];
	size_t n;

	assert_true(np_dns_name_to_text(a->name, a->name_len, text, sizeof(text)) > 0);
	n = strlen(text);
	if (n > 1 && text[n - 1] == '.')
		text[n - 1] = '\0';
	snprintf(out, cap, "%s-%s", strcmp(text, ".") ? text : "root",
		 a->qtype == NP_DNS_TYPE_DS ? "ds" : "dnskey");
}

/* Validate the fixture answer, answering every question from the fixtures. */
static enum vc_status drive(struct lab *l, const char *answer)
{
	static uint8_t msg[NP_DNS_MSG_MAX], reply[NP_DNS_MSG_MAX];
	struct vc_action a;
	size_t len = load(answer, msg);
	int steps = 0;

	l->log[0] = '\0';
	if (l->limit)
		vc_run_limit(l->r, l->limit);
	vc_start(l->r, msg, len, NOW, &l->b, &a);
	while (a.kind == VC_QUERY) {
		char text[NP_DNS_NAME_TEXT_MAX], file[NP_DNS_NAME_TEXT_MAX + 16];

		assert_true(++steps <= 2 * VC_MAX_FETCHES);
		assert_true(a.qtype == NP_DNS_TYPE_DS || a.qtype == NP_DNS_TYPE_DNSKEY);
		np_dns_name_to_text(a.name, a.name_len, text, sizeof(text));
		snprintf(l->log + strlen(l->log), sizeof(l->log) - strlen(l->log), "%s%s %s",
			 l->log[0] ? " / " : "", a.qtype == NP_DNS_TYPE_DS ? "DS" : "DNSKEY", text);
		if (steps == l->fail_at) {
			vc_resume(l->r, NULL, 0, NOW, &a);
			continue;
		}
		fixture_of(&a, file, sizeof(file));
		len = load(file, reply);
		vc_resume(l->r, reply, len, NOW, &a);
	}
	l->v = a.verdict;
	return a.verdict.status;
}

static void expect(struct lab *l, const char *answer, enum vc_status s, int ede, const char *log)
{
	enum vc_status got;

	val_budget_init(&l->b);
	got = drive(l, answer);
	if (got != s || l->v.ede != ede || (log && strcmp(l->log, log)))
		fail_msg("%s: %s (EDE %d, %s) after [%s]; expected %s (EDE %d) after [%s]", answer,
			 vc_status_name(got), l->v.ede, l->v.why, l->log, vc_status_name(s), ede,
			 log ? log : "any");
	/* The validator core's KeyTrap caps hold across the whole chain. */
	assert_true(l->b.verifies <= l->b.max_verifies);
	assert_true(l->b.hashes <= l->b.max_hashes);
}

#define CHAIN_NET "DNSKEY . / DS net. / DNSKEY net."

/* ---- Secure ----------------------------------------------------------------- */

static void test_secure_chain_from_root_ds(void **state)
{
	struct lab *l = lab_new(64);

	(void)state;
	expect(l, "www.example.net-a", VC_SECURE, -1,
	       CHAIN_NET " / DS example.net. / DNSKEY example.net.");
	assert_int_equal(l->v.ttl, 3600);
	assert_int_equal(vc_run_fetches(l->r), 5);
	/* The keys are cached: the next answer of the zone needs no question. */
	expect(l, "alias.example.net-a", VC_SECURE, -1, "");
	assert_int_equal(vc_run_fetches(l->r), 0);
	lab_free(l);
}

static void test_secure_denials_and_wildcard(void **state)
{
	struct lab *l = lab_new(64);

	(void)state;
	expect(l, "nosuch.example.net-a", VC_SECURE, -1,
	       CHAIN_NET " / DS example.net. / DNSKEY example.net.");
	expect(l, "www.example.net-txt", VC_SECURE, -1, "");
	expect(l, "a.wild.example.net-a", VC_SECURE, -1, "");
	/* NXDOMAIN from the root itself: only the root's keys. */
	expect(l, "nosuch.net-a", VC_SECURE, -1, "");
	lab_free(l);
}

static void test_secure_ds_and_dnskey_answers(void **state)
{
	struct lab *l = lab_new(64);

	(void)state;
	/* A DS RRset is the parent's: only net.'s chain is needed. */
	expect(l, "example.net-ds", VC_SECURE, -1, CHAIN_NET);
	/* No DS for insecure.net.: a secure denial from net. */
	expect(l, "insecure.net-ds", VC_SECURE, -1, "");
	expect(l, "example.net-dnskey", VC_SECURE, -1, "DS example.net. / DNSKEY example.net.");
	lab_free(l);
}

/* A wildcard expansion without its NSEC is not proven (RFC 4035 §5.3.4). */
static void test_wildcard_without_proof_is_bogus(void **state)
{
	static uint8_t msg[NP_DNS_MSG_MAX];
	struct lab *l = lab_new(64);
	struct vc_action a;
	size_t len = load("a.wild.example.net-a", msg);

	(void)state;
	expect(l, "www.example.net-a", VC_SECURE, -1, NULL);
	/* Drop the authority and additional sections (NSCOUNT = ARCOUNT = 0). */
	memset(msg + 8, 0, 4);
	val_budget_init(&l->b);
	vc_start(l->r, msg, len, NOW, &l->b, &a);
	assert_int_equal(a.kind, VC_DONE);
	assert_int_equal(a.verdict.status, VC_BOGUS);
	assert_int_equal(a.verdict.ede, VAL_EDE_NSEC_MISSING);
	lab_free(l);
}

/* ---- Insecure ------------------------------------------------------------- */

static void test_insecure_delegation_proven(void **state)
{
	struct lab *l = lab_new(64);

	(void)state;
	expect(l, "www.insecure.net-a", VC_INSECURE, -1, CHAIN_NET " / DS insecure.net.");
	assert_int_equal(l->v.ttl, 0);
	/* The proof is cached: insecure at once. */
	expect(l, "www.insecure.net-a", VC_INSECURE, -1, "");
	lab_free(l);
}

static void test_cname_into_insecure_zone(void **state)
{
	struct lab *l = lab_new(64);

	(void)state;
	/* The CNAME verifies with example.net.'s keys; its target is insecure. */
	expect(l, "toinsecure.example.net-a", VC_INSECURE, -1,
	       CHAIN_NET " / DS example.net. / DNSKEY example.net. / DS insecure.net.");
	lab_free(l);
}

static void test_unsupported_algorithm_is_insecure(void **state)
{
	struct lab *l = lab_new(64);

	(void)state;
	/* DS of algorithm 253 only: RFC 4035 §5.2, the zone is unsigned to us. */
	expect(l, "www.unsupported.net-a", VC_INSECURE, -1,
	       CHAIN_NET " / DS unsupported.net. / DNSKEY unsupported.net.");
	lab_free(l);
}

static void test_negative_trust_anchor(void **state)
{
	struct lab *l = lab_new(64);
	uint8_t n[NP_DNS_NAME_MAX];
	int len = np_dns_name_from_text("BadSig.net.", n, sizeof(n));

	(void)state;
	assert_true(len > 0);
	assert_int_equal(vc_trust_add_nta(l->t, n, (size_t)len), 0);
	assert_true(vc_trust_nta_covers(l->t, (const uint8_t *)"\003www\006badsig\003net", 16));
	/* RFC 7646: no question asked, insecure instead of bogus. */
	expect(l, "www.badsig.net-a", VC_INSECURE, -1, "");
	/* Other zones are still validated. */
	expect(l, "www.example.net-a", VC_SECURE, -1, NULL);
	lab_free(l);
}

/* ---- Bogus ------------------------------------------------------------------ */

static void test_bogus_with_ede(void **state)
{
	struct lab *l = lab_new(64);

	(void)state;
	expect(l, "www.badsig.net-a", VC_BOGUS, VAL_EDE_BOGUS,
	       CHAIN_NET " / DS badsig.net. / DNSKEY badsig.net.");
	assert_int_equal(l->v.ttl, VC_BOGUS_TTL);
	expect(l, "www.expired.net-a", VC_BOGUS, VAL_EDE_SIG_EXPIRED,
	       "DS expired.net. / DNSKEY expired.net.");
	expect(l, "www.nokey.net-a", VC_BOGUS, VAL_EDE_DNSKEY_MISSING,
	       "DS nokey.net. / DNSKEY nokey.net.");
	expect(l, "www.wrongds.net-a", VC_BOGUS, VAL_EDE_DNSKEY_MISSING,
	       "DS wrongds.net. / DNSKEY wrongds.net.");
	/* The failed zones are remembered as bogus: no question the second time. */
	expect(l, "www.expired.net-a", VC_BOGUS, VAL_EDE_SIG_EXPIRED, "");
	expect(l, "www.nokey.net-a", VC_BOGUS, VAL_EDE_DNSKEY_MISSING, "");
	lab_free(l);
}

/* A stripped signature in a secure zone is bogus, not insecure. */
static void test_unsigned_in_secure_zone_is_bogus(void **state)
{
	static uint8_t msg[NP_DNS_MSG_MAX];
	struct lab *l = lab_new(64);
	struct vc_action a;
	size_t len = load("www.example.net-a", msg);
	enum vc_status s;

	(void)state;
	/* ANCOUNT 1: the A record without its RRSIG, nothing after it. */
	assert_int_equal(msg[7], 2);
	msg[7] = 1;
	memset(msg + 8, 0, 4);
	val_budget_init(&l->b);
	vc_start(l->r, msg, len, NOW, &l->b, &a);
	while (a.kind == VC_QUERY) {
		static uint8_t reply[NP_DNS_MSG_MAX];
		char file[NP_DNS_NAME_TEXT_MAX + 16];

		fixture_of(&a, file, sizeof(file));
		vc_resume(l->r, reply, load(file, reply), NOW, &a);
	}
	s = a.verdict.status;
	assert_int_equal(s, VC_BOGUS);
	assert_int_equal(a.verdict.ede, VAL_EDE_RRSIGS_MISSING);
	lab_free(l);
}

/* ---- Limits and failures ---------------------------------------------------- */

static void test_budget_exceeded(void **state)
{
	struct lab *l = lab_new(64);

	(void)state;
	/*
	 * KeyTrap-style exhaustion: the budget is one client query's, passed
	 * through every step; two verifications do not reach net.'s keys.
	 */
	val_budget_init(&l->b);
	l->b.max_verifies = 2;
	assert_int_equal(drive(l, "www.example.net-a"), VC_SERVFAIL);
	assert_string_equal(l->log, CHAIN_NET);
	assert_true(l->b.verifies <= 2);
	assert_string_equal(l->v.why, "validation budget");
	lab_free(l);
}

static void test_subquery_limit(void **state)
{
	struct lab *l = lab_new(64);

	(void)state;
	l->limit = 3;
	expect(l, "www.example.net-a", VC_SERVFAIL, VAL_EDE_NONE, CHAIN_NET);
	assert_string_equal(l->v.why, "sub-query limit");
	assert_int_equal(vc_run_fetches(l->r), 3);
	lab_free(l);
}

static void test_upstream_failure(void **state)
{
	struct lab *l = lab_new(64);

	(void)state;
	l->fail_at = 2;
	expect(l, "www.example.net-a", VC_SERVFAIL, VC_EDE_NETWORK_ERROR, "DNSKEY . / DS net.");
	/* A reply to another question is refused the same way. */
	l->fail_at = 0;
	{
		static uint8_t msg[NP_DNS_MSG_MAX], wrong[NP_DNS_MSG_MAX];
		struct vc_action a;
		size_t len = load("www.insecure.net-a", msg);

		val_budget_init(&l->b);
		vc_start(l->r, msg, len, NOW, &l->b, &a);
		assert_int_equal(a.kind, VC_QUERY);
		assert_int_equal(a.qtype, NP_DNS_TYPE_DS);      /* root keys cached: DS net. */
		vc_resume(l->r, wrong, load("example.net-ds", wrong), NOW, &a);
		assert_int_equal(a.kind, VC_DONE);
		assert_int_equal(a.verdict.status, VC_SERVFAIL);
	}
	lab_free(l);
}

static void test_keycache_bounded(void **state)
{
	struct lab *l = lab_new(2);

	(void)state;
	expect(l, "www.example.net-a", VC_SECURE, -1,
	       CHAIN_NET " / DS example.net. / DNSKEY example.net.");
	assert_true(vc_keycache_count(l->kc) <= 2);
	/* example.net.'s keys are among the newest: still held. */
	expect(l, "alias.example.net-a", VC_SECURE, -1, "");
	/* The root's keys went first; net.'s, still held, are the closest. */
	expect(l, "www.insecure.net-a", VC_INSECURE, -1, "DS insecure.net.");
	assert_true(vc_keycache_count(l->kc) <= 2);
	/* Now net.'s went too: the walk starts at the anchor again. */
	expect(l, "www.badsig.net-a", VC_BOGUS, VAL_EDE_BOGUS,
	       CHAIN_NET " / DS badsig.net. / DNSKEY badsig.net.");
	assert_true(vc_keycache_count(l->kc) <= 2);
	lab_free(l);
}

/* The built-in anchors are the root KSKs of dns-root-data. */
static void test_builtin_root_anchors(void **state)
{
	struct vc_trust *t = vc_trust_new();
	size_t len, nds, nkeys;
	const uint8_t *z;
	char err[128];

	(void)state;
	assert_int_equal(vc_trust_add_builtin(t), 0);
	z = vc_trust_anchor(t, 0, &len, &nds, &nkeys);
	assert_non_null(z);
	assert_int_equal(len, 1);
	assert_int_equal(nds, 2);
	assert_int_equal(nkeys, 0);
	/* Bad lines say why. */
	err[0] = '\0';
	assert_int_equal(vc_trust_add_line(t, ". IN A 192.0.2.1", err, sizeof(err)), NP_EINVAL);
	assert_true(strstr(err, "DS or DNSKEY") != NULL);
	assert_int_equal(vc_trust_add_line(t, "; comment", err, sizeof(err)), NP_ENOTFOUND);
	assert_true(vc_trust_add_line(t, ". IN DS 20326 8 2 NOTHEX", err, sizeof(err)) < 0);
	vc_trust_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secure_chain_from_root_ds),
		cmocka_unit_test(test_secure_denials_and_wildcard),
		cmocka_unit_test(test_secure_ds_and_dnskey_answers),
		cmocka_unit_test(test_wildcard_without_proof_is_bogus),
		cmocka_unit_test(test_insecure_delegation_proven),
		cmocka_unit_test(test_cname_into_insecure_zone),
		cmocka_unit_test(test_unsupported_algorithm_is_insecure),
		cmocka_unit_test(test_negative_trust_anchor),
		cmocka_unit_test(test_bogus_with_ede),
		cmocka_unit_test(test_unsigned_in_secure_zone_is_bogus),
		cmocka_unit_test(test_budget_exceeded),
		cmocka_unit_test(test_subquery_limit),
		cmocka_unit_test(test_upstream_failure),
		cmocka_unit_test(test_keycache_bounded),
		cmocka_unit_test(test_builtin_root_anchors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
