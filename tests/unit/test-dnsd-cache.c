/*
 * test-dnsd-cache.c: np-dnsd's RRset cache (daemons/dnsd/cache.c) fed NSD's
 * real answers (tests/data/dns-answer-*-nsd.hex) and responses built with
 * libnetproto's builder one field at a time, then asked questions the way
 * the resolver asks them: into a reply builder, read back with the parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/dns.h>
#include <netproto/error.h>

#include "cache.h"
#include "scrub.h"
#include "testutil.h"

/* A fixed hash key: the tests do not depend on where entries hash. */
static const struct np_hmap_key test_key = { 0x0123456789abcdefull, 0xfedcba9876543210ull };

#define SEC 1000ull                     /* now_ms per second */
#define T0 (1000 * SEC)                 /* an arbitrary monotonic start */

static const uint8_t root[1] = { 0 };

/* ---- Helpers ---------------------------------------------------------- */

struct name {
	uint8_t w[NP_DNS_NAME_MAX];
	size_t len;
};

static struct name N(const char *text)
{
	struct name n;
	int rc = np_dns_name_from_text(text, n.w, sizeof(n.w));

	assert_true(rc > 0);
	n.len = (size_t)rc;
	return n;
}

/* A response under construction, then parsed. */
struct resp {
	uint8_t buf[8192];
	struct np_dns_builder b;
	struct np_dns_msg m;
};

static void resp_start(struct resp *r, const char *qname, uint16_t qtype, unsigned rcode)
{
	struct np_dns_header h;
	struct name q = N(qname);

	memset(&h, 0, sizeof(h));
	h.id = 0x1234;
	h.qr = 1;
	h.rd = 1;
	h.ra = 1;
	h.rcode = (uint8_t)rcode;
	assert_int_equal(np_dns_builder_init(&r->b, r->buf, sizeof(r->buf), sizeof(r->buf), &h), 0);
	assert_int_equal(np_dns_add_question(&r->b, q.w, q.len, qtype, NP_DNS_CLASS_IN), 0);
}

static void add_a(struct resp *r, enum np_dns_section sec, const char *owner, uint32_t ttl,
		  uint32_t a)
{
	struct name o = N(owner);
	struct np_dns_rdata rd;

	memset(&rd, 0, sizeof(rd));
	rd.a = a;
	assert_int_equal(np_dns_add_rr(&r->b, sec, o.w, o.len, NP_DNS_TYPE_A, NP_DNS_CLASS_IN,
				       ttl, &rd), 0);
}

static void add_cname(struct resp *r, const char *owner, uint32_t ttl, const char *target)
{
	struct name o = N(owner), t = N(target);
	struct np_dns_rdata rd;

	memset(&rd, 0, sizeof(rd));
	memcpy(rd.name.name, t.w, t.len);
	rd.name.len = t.len;
	assert_int_equal(np_dns_add_rr(&r->b, NP_DNS_SEC_ANSWER, o.w, o.len, NP_DNS_TYPE_CNAME,
				       NP_DNS_CLASS_IN, ttl, &rd), 0);
}

static void add_soa(struct resp *r, const char *owner, uint32_t ttl, uint32_t minimum)
{
	struct name o = N(owner), mn = N("ns1.example.net."), rn = N("hostmaster.example.net.");
	struct np_dns_rdata rd;

	memset(&rd, 0, sizeof(rd));
	memcpy(rd.soa.mname, mn.w, mn.len);
	rd.soa.mname_len = mn.len;
	memcpy(rd.soa.rname, rn.w, rn.len);
	rd.soa.rname_len = rn.len;
	rd.soa.serial = 2026112201;
	rd.soa.refresh = 7200;
	rd.soa.retry = 3600;
	rd.soa.expire = 1209600;
	rd.soa.minimum = minimum;
	assert_int_equal(np_dns_add_rr(&r->b, NP_DNS_SEC_AUTHORITY, o.w, o.len, NP_DNS_TYPE_SOA,
				       NP_DNS_CLASS_IN, ttl, &rd), 0);
}

static void resp_done(struct resp *r)
{
	int len = np_dns_builder_finish(&r->b);

	assert_true(len > 0);
	assert_int_equal(np_dns_msg_parse(r->buf, (size_t)len, &r->m), 0);
}

static void resp_load(struct resp *r, const char *fixture)
{
	size_t len = np_test_load_hex(fixture, r->buf, sizeof(r->buf));

	assert_int_equal(np_dns_msg_parse(r->buf, len, &r->m), 0);
}

static int store(struct dns_cache *c, const struct resp *r, const char *qname, uint16_t qtype,
		 const char *zone, uint64_t now)
{
	struct name q = N(qname), z = N(zone);

	return dns_cache_store(c, &r->m, q.w, q.len, qtype, z.w, z.len, now);
}

/* An answer from the cache, parsed back. */
struct ans {
	uint8_t buf[65535];
	struct np_dns_msg m;
	int rc, prefetch;
	size_t limit;
};

static int lookup_flags(struct dns_cache *c, struct ans *a, const char *qname, uint16_t qtype,
			uint64_t now, unsigned flags)
{
	struct np_dns_builder b;
	struct np_dns_header h;
	struct name q = N(qname);
	int len;

	memset(&h, 0, sizeof(h));
	h.id = 0x4242;
	h.qr = 1;
	h.rd = 1;
	h.ra = 1;
	assert_int_equal(np_dns_builder_init(&b, a->buf, sizeof(a->buf),
					     a->limit ? a->limit : sizeof(a->buf), &h), 0);
	assert_int_equal(np_dns_add_question(&b, q.w, q.len, qtype, NP_DNS_CLASS_IN), 0);
	a->prefetch = -1;
	a->rc = dns_cache_lookup(c, q.w, q.len, qtype, now, flags, &b, &a->prefetch);
	len = np_dns_builder_finish(&b);
	assert_true(len > 0);
	/* Whatever happened, the message is one the parser accepts. */
	assert_int_equal(np_dns_msg_parse(a->buf, (size_t)len, &a->m), 0);
	return a->rc;
}

static int lookup(struct dns_cache *c, struct ans *a, const char *qname, uint16_t qtype,
		  uint64_t now)
{
	return lookup_flags(c, a, qname, qtype, now, 0);
}

/* The i-th record of a section of m. */
static void get_rr(const struct np_dns_msg *m, enum np_dns_section sec, int i,
		   struct np_dns_rr *out)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;

	np_dns_iter_init(&it, m);
	while (np_dns_iter_next(&it, &rr) > 0) {
		if (rr.section == sec && i-- == 0) {
			*out = rr;
			return;
		}
	}
	fail_msg("record %d of section %d missing", i, (int)sec);
}

static void assert_name(const uint8_t *w, size_t len, const char *text)
{
	char buf[NP_DNS_NAME_TEXT_MAX];

	assert_true(np_dns_name_to_text(w, len, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, text);
}

/* Answer record i: owner, type, TTL and (for A/CNAME) the data. */
static void assert_answer(const struct ans *a, int i, const char *owner, uint16_t type,
			  uint32_t ttl)
{
	struct np_dns_rr rr;

	get_rr(&a->m, NP_DNS_SEC_ANSWER, i, &rr);
	assert_name(rr.owner, rr.owner_len, owner);
	assert_int_equal(rr.type, type);
	assert_int_equal(rr.rclass, NP_DNS_CLASS_IN);
	assert_int_equal(rr.ttl, ttl);
}

static uint32_t answer_a(const struct ans *a, int i)
{
	struct np_dns_rr rr;
	struct np_dns_rdata rd;

	get_rr(&a->m, NP_DNS_SEC_ANSWER, i, &rr);
	assert_int_equal(rr.type, NP_DNS_TYPE_A);
	assert_int_equal(np_dns_rr_rdata(&a->m, &rr, &rd), 0);
	return rd.a;
}

static struct dns_cache *cache_new(size_t max)
{
	struct dns_cache *c = dns_cache_new(max, NULL, &test_key);

	assert_non_null(c);
	return c;
}

static size_t entries(const struct dns_cache *c)
{
	struct dns_cache_stats st;

	dns_cache_get_stats(c, &st);
	return st.entries;
}

/* ---- Positive answers ------------------------------------------------- */

/* NSD's answer for www.example.net A: the A is cached, its NS and glue are not. */
static void test_positive_hit_ttl_counts_down(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;
	struct dns_cache_stats st;

	(void)state;
	resp_load(&r, "dns-answer-a-nsd.hex");
	assert_int_equal(store(c, &r, "www.example.net.", NP_DNS_TYPE_A, ".", T0), 1);
	assert_int_equal(entries(c), 1);

	assert_int_equal(lookup(c, &a, "www.example.net.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 1);
	assert_answer(&a, 0, "www.example.net.", NP_DNS_TYPE_A, 3600);
	assert_int_equal(answer_a(&a, 0), 0xc000020a);      /* 192.0.2.10 */
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_AUTHORITY], 0);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ADDITIONAL], 0);
	assert_int_equal(a.m.hdr.rcode, 0);
	assert_int_equal(a.m.hdr.aa, 0);
	assert_int_equal(a.prefetch, 0);

	/* 10.5 s later: 3589 s left, counted down from the store time. */
	assert_int_equal(lookup(c, &a, "WWW.Example.NET.", NP_DNS_TYPE_A, T0 + 10500),
			 DNS_CACHE_HIT);
	assert_answer(&a, 0, "WWW.Example.NET.", NP_DNS_TYPE_A, 3589);
	assert_int_equal(lookup(c, &a, "www.example.net.", NP_DNS_TYPE_A, T0 + 3599 * SEC),
			 DNS_CACHE_HIT);
	assert_answer(&a, 0, "www.example.net.", NP_DNS_TYPE_A, 1);

	/* Expired; the other types and the NS glue never were there. */
	assert_int_equal(lookup(c, &a, "www.example.net.", NP_DNS_TYPE_A, T0 + 3600 * SEC),
			 DNS_CACHE_MISS);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 0);
	assert_int_equal(lookup(c, &a, "ns1.example.net.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
	assert_int_equal(lookup(c, &a, "example.net.", NP_DNS_TYPE_NS, T0), DNS_CACHE_MISS);

	dns_cache_get_stats(c, &st);
	assert_int_equal(st.hits, 3);
	assert_int_equal(st.misses, 3);
	assert_int_equal(st.inserts, 1);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.entries, 0);
	dns_cache_free(c);
}

static int rdata_same(uint16_t type, const struct np_dns_rdata *x, const struct np_dns_rdata *y)
{
	switch (type) {
	case NP_DNS_TYPE_NS:
	case NP_DNS_TYPE_CNAME:
	case NP_DNS_TYPE_PTR:
		return x->name.len == y->name.len && !memcmp(x->name.name, y->name.name, x->name.len);
	case NP_DNS_TYPE_MX:
		return x->mx.preference == y->mx.preference &&
		       x->mx.exchange_len == y->mx.exchange_len &&
		       !memcmp(x->mx.exchange, y->mx.exchange, x->mx.exchange_len);
	case NP_DNS_TYPE_SRV:
		return x->srv.priority == y->srv.priority && x->srv.weight == y->srv.weight &&
		       x->srv.port == y->srv.port && x->srv.target_len == y->srv.target_len &&
		       !memcmp(x->srv.target, y->srv.target, x->srv.target_len);
	default:
		return x->raw_len == y->raw_len && !memcmp(x->raw, y->raw, x->raw_len);
	}
}

/* Every record type NSD sent comes back with the same data, names decompressed and recompressed. */
static void roundtrip(const char *fixture, const char *qname, uint16_t qtype, int nrr)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;
	struct np_dns_rr x, y;
	struct np_dns_rdata rx, ry;
	int i;

	resp_load(&r, fixture);
	assert_int_equal(store(c, &r, qname, qtype, ".", T0), 1);
	assert_int_equal(lookup(c, &a, qname, qtype, T0), DNS_CACHE_HIT);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], nrr);
	assert_int_equal(r.m.hdr.count[NP_DNS_SEC_ANSWER], nrr);
	for (i = 0; i < nrr; i++) {
		get_rr(&r.m, NP_DNS_SEC_ANSWER, i, &x);
		get_rr(&a.m, NP_DNS_SEC_ANSWER, i, &y);
		assert_int_equal(x.type, y.type);
		assert_int_equal(x.ttl, y.ttl);
		assert_true(np_dns_name_equal(x.owner, x.owner_len, y.owner, y.owner_len));
		assert_int_equal(np_dns_rr_rdata(&r.m, &x, &rx), 0);
		assert_int_equal(np_dns_rr_rdata(&a.m, &y, &ry), 0);
		assert_true(rdata_same(x.type, &rx, &ry));
	}
	dns_cache_free(c);
}

static void test_types_roundtrip(void **state)
{
	(void)state;
	roundtrip("dns-answer-aaaa-nsd.hex", "www.example.net.", NP_DNS_TYPE_AAAA, 1);
	roundtrip("dns-answer-mx-nsd.hex", "example.net.", NP_DNS_TYPE_MX, 2);
	roundtrip("dns-answer-ns-nsd.hex", "example.net.", NP_DNS_TYPE_NS, 2);
	roundtrip("dns-answer-srv-nsd.hex", "_sip._tcp.example.net.", NP_DNS_TYPE_SRV, 1);
	roundtrip("dns-answer-ptr-nsd.hex", "10.2.0.192.in-addr.arpa.", NP_DNS_TYPE_PTR, 1);
	roundtrip("dns-answer-txt-multi-nsd.hex", "multi.example.net.", NP_DNS_TYPE_TXT, 1);
	roundtrip("dns-answer-soa-nsd.hex", "example.net.", NP_DNS_TYPE_SOA, 1);
}

/* RFC 2181 §5.2: one TTL per RRset, the smallest; §5: duplicates dropped. */
static void test_rrset_min_ttl_and_duplicates(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;

	(void)state;
	resp_start(&r, "h.example.net.", NP_DNS_TYPE_A, 0);
	add_a(&r, NP_DNS_SEC_ANSWER, "h.example.net.", 600, 0x0a000001);
	add_a(&r, NP_DNS_SEC_ANSWER, "H.example.net.", 300, 0x0a000002);
	add_a(&r, NP_DNS_SEC_ANSWER, "h.example.net.", 900, 0x0a000001);
	resp_done(&r);
	assert_int_equal(store(c, &r, "h.example.net.", NP_DNS_TYPE_A, ".", T0), 1);
	assert_int_equal(lookup(c, &a, "h.example.net.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 2);
	assert_answer(&a, 0, "h.example.net.", NP_DNS_TYPE_A, 300);
	assert_answer(&a, 1, "h.example.net.", NP_DNS_TYPE_A, 300);
	assert_int_equal(answer_a(&a, 0), 0x0a000001);
	assert_int_equal(answer_a(&a, 1), 0x0a000002);
	dns_cache_free(c);
}

static void store_a_ttl(struct dns_cache *c, const char *name, uint32_t ttl, int expect)
{
	static struct resp r;

	resp_start(&r, name, NP_DNS_TYPE_A, 0);
	add_a(&r, NP_DNS_SEC_ANSWER, name, ttl, 0x0a4d0001);
	resp_done(&r);
	assert_int_equal(store(c, &r, name, NP_DNS_TYPE_A, ".", T0), expect);
}

static void test_ttl_clamps(void **state)
{
	struct dns_cache_limits lim = {
		.min_ttl = 60, .max_ttl = 3600, .max_negative_ttl = 900,
		.stale_answer_ttl = 30, .max_stale = 3600,
	};
	struct dns_cache *c = dns_cache_new(100, &lim, &test_key);
	static struct ans a;

	(void)state;
	assert_non_null(c);
	store_a_ttl(c, "short.example.", 5, 1);
	store_a_ttl(c, "long.example.", 604800, 1);
	store_a_ttl(c, "zero.example.", 0, 1);   /* min_ttl lifts TTL 0 too */
	assert_int_equal(lookup(c, &a, "short.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_answer(&a, 0, "short.example.", NP_DNS_TYPE_A, 60);
	assert_int_equal(lookup(c, &a, "long.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_answer(&a, 0, "long.example.", NP_DNS_TYPE_A, 3600);
	assert_int_equal(lookup(c, &a, "zero.example.", NP_DNS_TYPE_A, T0 + 59 * SEC),
			 DNS_CACHE_HIT);
	assert_answer(&a, 0, "zero.example.", NP_DNS_TYPE_A, 1);
	dns_cache_free(c);

	/* Without min_ttl, TTL 0 means "do not cache" (RFC 1035 §3.2.1). */
	c = cache_new(100);
	store_a_ttl(c, "zero.example.", 0, 0);
	assert_int_equal(lookup(c, &a, "zero.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
	dns_cache_free(c);
}

/* ---- Negative answers (RFC 2308) -------------------------------------- */

static void assert_soa_authority(const struct ans *a, const char *owner, uint32_t ttl)
{
	struct np_dns_rr rr;
	struct np_dns_rdata rd;

	assert_int_equal(a->m.hdr.count[NP_DNS_SEC_AUTHORITY], 1);
	get_rr(&a->m, NP_DNS_SEC_AUTHORITY, 0, &rr);
	assert_int_equal(rr.type, NP_DNS_TYPE_SOA);
	assert_name(rr.owner, rr.owner_len, owner);
	assert_int_equal(rr.ttl, ttl);
	assert_int_equal(np_dns_rr_rdata(&a->m, &rr, &rd), 0);
	assert_name(rd.soa.mname, rd.soa.mname_len, "ns1.example.net.");
	assert_int_equal(rd.soa.serial, 2026112201);
}

/* NSD's NXDOMAIN: cached for every type of the name, for the SOA's minimum. */
static void test_nxdomain_nsd(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;

	(void)state;
	resp_load(&r, "dns-answer-nxdomain-nsd.hex");
	assert_int_equal(store(c, &r, "nonexistent.example.net.", NP_DNS_TYPE_A, "example.net.",
			       T0), 1);
	assert_int_equal(lookup(c, &a, "nonexistent.example.net.", NP_DNS_TYPE_A, T0 + 100 * SEC),
			 DNS_CACHE_NXDOMAIN);
	assert_int_equal(a.m.hdr.rcode, NP_DNS_RCODE_NXDOMAIN);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 0);
	assert_soa_authority(&a, "example.net.", 200);
	/* RFC 2308 §5: the name does not exist, whatever the type. */
	assert_int_equal(lookup(c, &a, "nonexistent.example.net.", NP_DNS_TYPE_AAAA,
				T0 + 100 * SEC), DNS_CACHE_NXDOMAIN);
	assert_int_equal(lookup(c, &a, "nonexistent.example.net.", NP_DNS_TYPE_ANY,
				T0 + 100 * SEC), DNS_CACHE_NXDOMAIN);
	assert_int_equal(lookup(c, &a, "nonexistent.example.net.", NP_DNS_TYPE_A, T0 + 300 * SEC),
			 DNS_CACHE_MISS);
	assert_int_equal(a.m.hdr.rcode, 0);
	dns_cache_free(c);
}

/* TTL = min(SOA TTL, SOA minimum), then max_negative_ttl (RFC 2308 §5). */
static void test_negative_ttl_from_soa(void **state)
{
	struct dns_cache_limits lim = { .max_ttl = 86400, .max_negative_ttl = 600 };
	struct dns_cache *c = dns_cache_new(100, &lim, &test_key);
	static struct resp r;
	static struct ans a;

	(void)state;
	assert_non_null(c);
	resp_start(&r, "a.example.net.", NP_DNS_TYPE_A, NP_DNS_RCODE_NXDOMAIN);
	add_soa(&r, "example.net.", 3600, 60);
	resp_done(&r);
	assert_int_equal(store(c, &r, "a.example.net.", NP_DNS_TYPE_A, ".", T0), 1);
	assert_int_equal(lookup(c, &a, "a.example.net.", NP_DNS_TYPE_A, T0), DNS_CACHE_NXDOMAIN);
	assert_soa_authority(&a, "example.net.", 60);

	resp_start(&r, "b.example.net.", NP_DNS_TYPE_A, NP_DNS_RCODE_NXDOMAIN);
	add_soa(&r, "example.net.", 30, 3600);
	resp_done(&r);
	assert_int_equal(store(c, &r, "b.example.net.", NP_DNS_TYPE_A, ".", T0), 1);
	assert_int_equal(lookup(c, &a, "b.example.net.", NP_DNS_TYPE_A, T0), DNS_CACHE_NXDOMAIN);
	assert_soa_authority(&a, "example.net.", 30);

	resp_start(&r, "c.example.net.", NP_DNS_TYPE_A, NP_DNS_RCODE_NXDOMAIN);
	add_soa(&r, "example.net.", 86400, 86400);
	resp_done(&r);
	assert_int_equal(store(c, &r, "c.example.net.", NP_DNS_TYPE_A, ".", T0), 1);
	assert_int_equal(lookup(c, &a, "c.example.net.", NP_DNS_TYPE_A, T0), DNS_CACHE_NXDOMAIN);
	assert_soa_authority(&a, "example.net.", 600);
	assert_int_equal(lookup(c, &a, "c.example.net.", NP_DNS_TYPE_A, T0 + 600 * SEC),
			 DNS_CACHE_MISS);
	dns_cache_free(c);
}

/* NSD's NODATA for www.example.net MX: that type only. */
static void test_nodata_nsd(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;

	(void)state;
	resp_load(&r, "dns-answer-nodata-nsd.hex");
	assert_int_equal(store(c, &r, "www.example.net.", NP_DNS_TYPE_MX, ".", T0), 1);
	assert_int_equal(lookup(c, &a, "www.example.net.", NP_DNS_TYPE_MX, T0 + 1 * SEC),
			 DNS_CACHE_NODATA);
	assert_int_equal(a.m.hdr.rcode, 0);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 0);
	assert_soa_authority(&a, "example.net.", 299);
	assert_int_equal(lookup(c, &a, "www.example.net.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);

	/* The A arrives later: both live side by side. */
	resp_load(&r, "dns-answer-a-nsd.hex");
	assert_int_equal(store(c, &r, "www.example.net.", NP_DNS_TYPE_A, ".", T0), 1);
	assert_int_equal(lookup(c, &a, "www.example.net.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_int_equal(lookup(c, &a, "www.example.net.", NP_DNS_TYPE_MX, T0), DNS_CACHE_NODATA);
	dns_cache_free(c);
}

/* Without an SOA a negative answer is not cached (RFC 2308 §5); nor is a referral. */
static void test_negative_without_soa(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;

	(void)state;
	resp_start(&r, "gone.example.net.", NP_DNS_TYPE_A, NP_DNS_RCODE_NXDOMAIN);
	resp_done(&r);
	assert_int_equal(store(c, &r, "gone.example.net.", NP_DNS_TYPE_A, ".", T0), 0);
	assert_int_equal(lookup(c, &a, "gone.example.net.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);

	resp_start(&r, "empty.example.net.", NP_DNS_TYPE_A, 0);
	add_a(&r, NP_DNS_SEC_ADDITIONAL, "ns1.example.net.", 3600, 0x0a4d0001);
	resp_done(&r);
	assert_int_equal(store(c, &r, "empty.example.net.", NP_DNS_TYPE_A, ".", T0), 0);
	assert_int_equal(entries(c), 0);
	dns_cache_free(c);
}

/* SERVFAIL, REFUSED, TC, non-responses, other questions and meta types are never cached. */
static void test_uncacheable_responses(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;

	(void)state;
	resp_start(&r, "x.example.", NP_DNS_TYPE_A, NP_DNS_RCODE_SERVFAIL);
	add_soa(&r, "example.", 300, 300);
	resp_done(&r);
	assert_int_equal(store(c, &r, "x.example.", NP_DNS_TYPE_A, ".", T0), 0);
	resp_start(&r, "x.example.", NP_DNS_TYPE_A, NP_DNS_RCODE_REFUSED);
	add_soa(&r, "example.", 300, 300);
	resp_done(&r);
	assert_int_equal(store(c, &r, "x.example.", NP_DNS_TYPE_A, ".", T0), 0);

	/* NSD's truncated answer: TC set, nothing in it to trust. */
	resp_load(&r, "dns-answer-tc-nsd.hex");
	assert_int_equal(r.m.hdr.tc, 1);
	assert_int_equal(store(c, &r, "big.example.net.", NP_DNS_TYPE_TXT, ".", T0), 0);

	resp_start(&r, "x.example.", NP_DNS_TYPE_A, 0);
	add_a(&r, NP_DNS_SEC_ANSWER, "x.example.", 300, 1);
	resp_done(&r);
	/* Asked something else than the response answers. */
	assert_int_equal(store(c, &r, "y.example.", NP_DNS_TYPE_A, ".", T0), 0);
	assert_int_equal(store(c, &r, "x.example.", NP_DNS_TYPE_AAAA, ".", T0), 0);
	/* A query, not a response. */
	r.m.hdr.qr = 0;
	assert_int_equal(store(c, &r, "x.example.", NP_DNS_TYPE_A, ".", T0), 0);
	r.m.hdr.qr = 1;
	assert_int_equal(store(c, &r, "x.example.", NP_DNS_TYPE_A, ".", T0), 1);

	resp_start(&r, "x.example.", NP_DNS_TYPE_ANY, 0);
	add_a(&r, NP_DNS_SEC_ANSWER, "x.example.", 300, 2);
	resp_done(&r);
	assert_int_equal(store(c, &r, "x.example.", NP_DNS_TYPE_ANY, ".", T0), 0);
	assert_int_equal(lookup(c, &a, "x.example.", NP_DNS_TYPE_ANY, T0), DNS_CACHE_MISS);
	assert_int_equal(entries(c), 1);
	dns_cache_free(c);
}

/* ---- Bailiwick -------------------------------------------------------- */

/*
 * An upstream for example.net answering a.example.net with an A for
 * bank.example.com in the answer, glue in the additional section and an NS
 * in authority: only a.example.net's A is kept.
 */
static void test_out_of_bailiwick_dropped(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;
	struct name ns = N("evil.example.com.");
	struct np_dns_rdata rd;

	(void)state;
	resp_start(&r, "a.example.net.", NP_DNS_TYPE_A, 0);
	add_a(&r, NP_DNS_SEC_ANSWER, "a.example.net.", 300, 0x0a4d0005);
	add_a(&r, NP_DNS_SEC_ANSWER, "bank.example.com.", 86400, 0x06060606);
	add_a(&r, NP_DNS_SEC_ANSWER, "b.example.net.", 86400, 0x06060606);
	memset(&rd, 0, sizeof(rd));
	memcpy(rd.name.name, ns.w, ns.len);
	rd.name.len = ns.len;
	assert_int_equal(np_dns_add_rr(&r.b, NP_DNS_SEC_AUTHORITY, N("example.net.").w,
				       N("example.net.").len, NP_DNS_TYPE_NS, NP_DNS_CLASS_IN,
				       86400, &rd), 0);
	add_a(&r, NP_DNS_SEC_ADDITIONAL, "evil.example.com.", 86400, 0x06060606);
	add_a(&r, NP_DNS_SEC_ADDITIONAL, "ns1.example.net.", 86400, 0x06060606);
	resp_done(&r);

	assert_int_equal(store(c, &r, "a.example.net.", NP_DNS_TYPE_A, "example.net.", T0), 1);
	assert_int_equal(entries(c), 1);
	assert_int_equal(lookup(c, &a, "a.example.net.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 1);
	assert_int_equal(answer_a(&a, 0), 0x0a4d0005);
	assert_int_equal(lookup(c, &a, "bank.example.com.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
	assert_int_equal(lookup(c, &a, "b.example.net.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
	assert_int_equal(lookup(c, &a, "evil.example.com.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
	assert_int_equal(lookup(c, &a, "ns1.example.net.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
	assert_int_equal(lookup(c, &a, "example.net.", NP_DNS_TYPE_NS, T0), DNS_CACHE_MISS);

	/* A question outside the upstream's zone stores nothing at all. */
	assert_int_equal(store(c, &r, "a.example.net.", NP_DNS_TYPE_A, "example.org.", T0), 0);
	dns_cache_free(c);
}

/* A CNAME leaving the zone: the CNAME is kept, the target's data is not. */
static void test_chain_leaving_zone(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;

	(void)state;
	resp_start(&r, "www.example.net.", NP_DNS_TYPE_A, 0);
	add_cname(&r, "www.example.net.", 300, "bank.example.com.");
	add_a(&r, NP_DNS_SEC_ANSWER, "bank.example.com.", 300, 0x06060606);
	resp_done(&r);
	assert_int_equal(store(c, &r, "www.example.net.", NP_DNS_TYPE_A, "example.net.", T0), 1);
	assert_int_equal(lookup(c, &a, "bank.example.com.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
	assert_int_equal(lookup(c, &a, "www.example.net.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
	assert_int_equal(lookup(c, &a, "www.example.net.", NP_DNS_TYPE_CNAME, T0), DNS_CACHE_HIT);
	dns_cache_free(c);
}

/* The negative proof must come from the zone above the chain's last name. */
static void test_soa_out_of_bailiwick(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;

	(void)state;
	/* An SOA of another zone. */
	resp_start(&r, "x.example.net.", NP_DNS_TYPE_A, NP_DNS_RCODE_NXDOMAIN);
	add_soa(&r, "example.com.", 300, 300);
	resp_done(&r);
	assert_int_equal(store(c, &r, "x.example.net.", NP_DNS_TYPE_A, ".", T0), 0);
	/* An SOA below the name, not above it. */
	resp_start(&r, "x.example.net.", NP_DNS_TYPE_A, NP_DNS_RCODE_NXDOMAIN);
	add_soa(&r, "sub.x.example.net.", 300, 300);
	resp_done(&r);
	assert_int_equal(store(c, &r, "x.example.net.", NP_DNS_TYPE_A, ".", T0), 0);
	/* An SOA above the upstream's zone ("net." for an example.net upstream). */
	resp_start(&r, "x.example.net.", NP_DNS_TYPE_A, NP_DNS_RCODE_NXDOMAIN);
	add_soa(&r, "net.", 300, 300);
	resp_done(&r);
	assert_int_equal(store(c, &r, "x.example.net.", NP_DNS_TYPE_A, "example.net.", T0), 0);
	/* The SOA owning the name itself is fine. */
	resp_start(&r, "x.example.net.", NP_DNS_TYPE_A, 0);
	add_soa(&r, "x.example.net.", 300, 300);
	resp_done(&r);
	assert_int_equal(store(c, &r, "x.example.net.", NP_DNS_TYPE_A, "example.net.", T0), 1);
	dns_cache_free(c);
}

/* ---- CNAME chains ----------------------------------------------------- */

/* NSD's alias -> alias2 -> www -> A, all in one answer: three entries. */
static void test_cname_chain_nsd(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;

	(void)state;
	resp_load(&r, "dns-answer-cname-nsd.hex");
	assert_int_equal(store(c, &r, "alias.example.net.", NP_DNS_TYPE_A, ".", T0), 3);
	assert_int_equal(lookup(c, &a, "alias.example.net.", NP_DNS_TYPE_A, T0 + 60 * SEC),
			 DNS_CACHE_HIT);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 3);
	assert_answer(&a, 0, "alias.example.net.", NP_DNS_TYPE_CNAME, 3540);
	assert_answer(&a, 1, "alias2.example.net.", NP_DNS_TYPE_CNAME, 3540);
	assert_answer(&a, 2, "www.example.net.", NP_DNS_TYPE_A, 3540);
	assert_int_equal(answer_a(&a, 2), 0xc000020a);
	/* The middle of the chain answers on its own too. */
	assert_int_equal(lookup(c, &a, "alias2.example.net.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 2);
	/* A CNAME question is answered by the CNAME itself. */
	assert_int_equal(lookup(c, &a, "alias.example.net.", NP_DNS_TYPE_CNAME, T0),
			 DNS_CACHE_HIT);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 1);
	/* Missing the end of the chain for AAAA: a miss, nothing written. */
	assert_int_equal(lookup(c, &a, "alias.example.net.", NP_DNS_TYPE_AAAA, T0),
			 DNS_CACHE_MISS);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 0);
	dns_cache_free(c);
}

/* A chain assembled from two responses from two upstreams. */
static void test_cname_chain_two_stores(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;

	(void)state;
	resp_start(&r, "www.example.net.", NP_DNS_TYPE_A, 0);
	add_cname(&r, "www.example.net.", 600, "Web.Example.ORG.");
	resp_done(&r);
	assert_int_equal(store(c, &r, "www.example.net.", NP_DNS_TYPE_A, "example.net.", T0), 1);
	assert_int_equal(lookup(c, &a, "www.example.net.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);

	resp_start(&r, "web.example.org.", NP_DNS_TYPE_A, 0);
	add_a(&r, NP_DNS_SEC_ANSWER, "web.example.org.", 120, 0xcb007105);
	resp_done(&r);
	assert_int_equal(store(c, &r, "web.example.org.", NP_DNS_TYPE_A, "example.org.",
			       T0 + 10 * SEC), 1);
	assert_int_equal(lookup(c, &a, "www.example.net.", NP_DNS_TYPE_A, T0 + 20 * SEC),
			 DNS_CACHE_HIT);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 2);
	assert_answer(&a, 0, "www.example.net.", NP_DNS_TYPE_CNAME, 580);
	/* The target keeps the case the CNAME gave it. */
	assert_answer(&a, 1, "Web.Example.ORG.", NP_DNS_TYPE_A, 110);
	assert_int_equal(answer_a(&a, 1), 0xcb007105);

	/* A negative end of chain: NXDOMAIN for the target, rcode of the last name. */
	resp_start(&r, "web.example.org.", NP_DNS_TYPE_AAAA, NP_DNS_RCODE_NXDOMAIN);
	add_soa(&r, "example.org.", 300, 300);
	resp_done(&r);
	dns_cache_flush(c, N("web.example.org.").w, N("web.example.org.").len);
	assert_int_equal(store(c, &r, "web.example.org.", NP_DNS_TYPE_AAAA, ".", T0), 1);
	assert_int_equal(lookup(c, &a, "www.example.net.", NP_DNS_TYPE_AAAA, T0),
			 DNS_CACHE_NXDOMAIN);
	assert_int_equal(a.m.hdr.rcode, NP_DNS_RCODE_NXDOMAIN);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 1);
	assert_answer(&a, 0, "www.example.net.", NP_DNS_TYPE_CNAME, 600);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_AUTHORITY], 1);
	dns_cache_free(c);
}

static void chain_name(char *buf, size_t cap, int i)
{
	snprintf(buf, cap, "c%d.example.", i);
}

/* A chain of n CNAMEs ending in an A, stored one response per link. */
static void store_chain(struct dns_cache *c, int n)
{
	static struct resp r;
	char from[64], to[64];
	int i;

	for (i = 0; i < n; i++) {
		chain_name(from, sizeof(from), i);
		chain_name(to, sizeof(to), i + 1);
		resp_start(&r, from, NP_DNS_TYPE_A, 0);
		add_cname(&r, from, 300, to);
		resp_done(&r);
		assert_int_equal(store(c, &r, from, NP_DNS_TYPE_A, ".", T0), 1);
	}
	resp_start(&r, to, NP_DNS_TYPE_A, 0);
	add_a(&r, NP_DNS_SEC_ANSWER, to, 300, 0x0a000001);
	resp_done(&r);
	assert_int_equal(store(c, &r, to, NP_DNS_TYPE_A, ".", T0), 1);
}

/* Chains are bounded at 16 links; a loop is a miss, not a hang. */
static void test_chain_bounded(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;

	(void)state;
	store_chain(c, DNS_CACHE_MAX_CHAIN);
	assert_int_equal(lookup(c, &a, "c0.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], DNS_CACHE_MAX_CHAIN + 1);
	dns_cache_flush(c, NULL, 0);
	store_chain(c, DNS_CACHE_MAX_CHAIN + 1);
	assert_int_equal(lookup(c, &a, "c0.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 0);
	assert_int_equal(lookup(c, &a, "c1.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);

	/* loop1 -> loop2 -> loop1, from one response and from two. */
	resp_start(&r, "loop1.example.", NP_DNS_TYPE_A, 0);
	add_cname(&r, "loop1.example.", 300, "loop2.example.");
	add_cname(&r, "loop2.example.", 300, "loop1.example.");
	resp_done(&r);
	assert_int_equal(store(c, &r, "loop1.example.", NP_DNS_TYPE_A, ".", T0),
			 DNS_CACHE_MAX_CHAIN + 1);
	assert_int_equal(lookup(c, &a, "loop1.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
	assert_int_equal(lookup(c, &a, "loop2.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 0);

	/* Two different CNAMEs at one name (RFC 2181 §10.1 forbids it): not cached. */
	resp_start(&r, "two.example.", NP_DNS_TYPE_A, 0);
	add_cname(&r, "two.example.", 300, "x.example.");
	add_cname(&r, "two.example.", 300, "y.example.");
	resp_done(&r);
	assert_int_equal(store(c, &r, "two.example.", NP_DNS_TYPE_A, ".", T0), 0);
	dns_cache_free(c);
}

/* ---- Scrubbing: trust follows authority (scrub.h) ---------------------- */

/* Sets as np-dnsd has them: 0 the default upstreams, 1 corp.example.; lan. local. */
static int test_zone_of(void *arg, const uint8_t *name, size_t len)
{
	(void)arg;
	if (np_dns_name_is_subdomain(name, len, N("lan.").w, N("lan.").len))
		return DNS_SCRUB_LOCAL;
	if (np_dns_name_is_subdomain(name, len, N("corp.example.").w, N("corp.example.").len))
		return 1;
	return 0;
}

/* Scrub r (asked of set `asked` for qname A), then store the result as np-dnsd does. */
static int scrub_store(struct dns_cache *c, const struct resp *r, const char *qname, int asked,
		       struct dns_scrub *s, uint8_t *buf)
{
	struct dns_scrub_authority a = { test_zone_of, NULL, asked };
	struct name q = N(qname);

	assert_int_equal(dns_scrub_answer(&r->m, q.w, q.len, NP_DNS_TYPE_A, &a, buf,
					  NP_DNS_MSG_MAX, s), 0);
	return dns_cache_store(c, &s->msg, q.w, q.len, NP_DNS_TYPE_A,
			       asked ? N("corp.example.").w : root,
			       asked ? N("corp.example.").len : 1, T0);
}

/*
 * The default upstreams' answer with a CNAME into a forward zone, into the
 * local zone: only the CNAME is believed and cached; the target is
 * reported to be looked up on its own; the upstream's NXDOMAIN about the
 * target does not count.
 */
static void test_scrub_cname_leaving_authority(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;
	static struct dns_scrub s;
	static uint8_t buf[NP_DNS_MSG_MAX];
	const char *targets[] = { "www.corp.example.", "printer.lan." };

	(void)state;
	for (int i = 0; i < 2; i++) {
		resp_start(&r, "Cross.Example.COM.", NP_DNS_TYPE_A, NP_DNS_RCODE_NXDOMAIN);
		add_cname(&r, "Cross.Example.COM.", 300, targets[i]);
		add_a(&r, NP_DNS_SEC_ANSWER, targets[i], 86400, 0x06060606);
		add_soa(&r, "example.com.", 300, 300);
		add_a(&r, NP_DNS_SEC_ADDITIONAL, targets[i], 86400, 0x06060606);
		resp_done(&r);
		assert_int_equal(scrub_store(c, &r, "cross.example.com.", 0, &s, buf), 1);
		assert_int_equal(s.end, DNS_SCRUB_EXIT);
		assert_int_equal(s.nlinks, 1);
		assert_name(s.target, s.target_len, targets[i]);
		assert_name(s.links[0].owner, s.links[0].owner_len, "cross.example.com.");
		assert_int_equal(s.dropped, 3);
		assert_int_equal(s.msg.hdr.count[NP_DNS_SEC_ANSWER], 1);
		assert_int_equal(s.msg.hdr.count[NP_DNS_SEC_AUTHORITY], 0);
		assert_int_equal(s.msg.hdr.count[NP_DNS_SEC_ADDITIONAL], 0);
		assert_int_equal(np_dns_msg_rcode(&s.msg), NP_DNS_RCODE_NOERROR);
		assert_int_equal(lookup(c, &a, targets[i], NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
		assert_int_equal(lookup(c, &a, "cross.example.com.", NP_DNS_TYPE_CNAME, T0),
				 DNS_CACHE_HIT);
		assert_int_equal(lookup(c, &a, "cross.example.com.", NP_DNS_TYPE_A, T0),
				 DNS_CACHE_MISS);
	}
	dns_cache_free(c);
}

/*
 * A forward zone's server: its own chain is believed up to the name that
 * leaves the zone; records of other names are dropped; names lowercased.
 */
static void test_scrub_forward_zone_chain(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;
	static struct dns_scrub s;
	static uint8_t buf[NP_DNS_MSG_MAX];

	(void)state;
	resp_start(&r, "A.Corp.Example.", NP_DNS_TYPE_A, 0);
	add_cname(&r, "A.Corp.Example.", 300, "B.CORP.example.");
	add_cname(&r, "b.corp.example.", 300, "bank.example.org.");
	add_a(&r, NP_DNS_SEC_ANSWER, "bank.example.org.", 86400, 0x06060606);
	add_a(&r, NP_DNS_SEC_ANSWER, "other.corp.example.", 86400, 0x06060606);
	add_a(&r, NP_DNS_SEC_ADDITIONAL, "ns.corp.example.", 300, 0x0a4d0201);
	add_a(&r, NP_DNS_SEC_ADDITIONAL, "ns.example.org.", 300, 0x06060606);
	resp_done(&r);
	assert_int_equal(scrub_store(c, &r, "a.corp.example.", 1, &s, buf), 2);
	assert_int_equal(s.end, DNS_SCRUB_EXIT);
	assert_int_equal(s.nlinks, 2);
	assert_name(s.links[1].owner, s.links[1].owner_len, "b.corp.example.");
	assert_name(s.target, s.target_len, "bank.example.org.");
	assert_int_equal(s.msg.hdr.count[NP_DNS_SEC_ANSWER], 2);
	assert_int_equal(s.dropped, 4);
	assert_int_equal(lookup(c, &a, "a.corp.example.", NP_DNS_TYPE_CNAME, T0), DNS_CACHE_HIT);
	assert_int_equal(lookup(c, &a, "b.corp.example.", NP_DNS_TYPE_CNAME, T0), DNS_CACHE_HIT);
	assert_int_equal(lookup(c, &a, "bank.example.org.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
	assert_int_equal(lookup(c, &a, "other.corp.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);

	/* The whole chain inside the zone: complete, the final A cached. */
	resp_start(&r, "x.corp.example.", NP_DNS_TYPE_A, 0);
	add_cname(&r, "x.corp.example.", 300, "y.corp.example.");
	add_a(&r, NP_DNS_SEC_ANSWER, "y.corp.example.", 300, 0x0a4d0150);
	resp_done(&r);
	assert_int_equal(scrub_store(c, &r, "x.corp.example.", 1, &s, buf), 2);
	assert_int_equal(s.end, DNS_SCRUB_COMPLETE);
	assert_int_equal(s.dropped, 0);
	assert_int_equal(lookup(c, &a, "x.corp.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_int_equal(answer_a(&a, 1), 0x0a4d0150);
	dns_cache_free(c);
}

/* Loops and chains longer than DNS_SCRUB_MAX_CHAIN are reported, not followed. */
static void test_scrub_loop_and_length(void **state)
{
	static struct resp r;
	static struct dns_scrub s;
	static uint8_t buf[NP_DNS_MSG_MAX];
	struct dns_scrub_authority a = { test_zone_of, NULL, 0 };
	char from[64], to[64];

	(void)state;
	resp_start(&r, "loop.example.", NP_DNS_TYPE_A, 0);
	add_cname(&r, "loop.example.", 300, "loop2.example.");
	add_cname(&r, "loop2.example.", 300, "LOOP.example.");
	resp_done(&r);
	assert_int_equal(dns_scrub_answer(&r.m, N("loop.example.").w, N("loop.example.").len,
					  NP_DNS_TYPE_A, &a, buf, sizeof(buf), &s), 0);
	assert_int_equal(s.end, DNS_SCRUB_LOOP);

	resp_start(&r, "c0.example.", NP_DNS_TYPE_A, 0);
	for (int i = 0; i <= DNS_SCRUB_MAX_CHAIN; i++) {
		chain_name(from, sizeof(from), i);
		chain_name(to, sizeof(to), i + 1);
		add_cname(&r, from, 300, to);
	}
	resp_done(&r);
	assert_int_equal(dns_scrub_answer(&r.m, N("c0.example.").w, N("c0.example.").len,
					  NP_DNS_TYPE_A, &a, buf, sizeof(buf), &s), 0);
	assert_int_equal(s.end, DNS_SCRUB_TOO_LONG);
}

/* ---- Replacement, eviction, staleness, prefetch, flush ---------------- */

/* NXDOMAIN removes what was known of the name; new data removes the NXDOMAIN. */
static void test_replacement(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;

	(void)state;
	store_a_ttl(c, "h.example.", 300, 1);
	resp_start(&r, "h.example.", NP_DNS_TYPE_AAAA, NP_DNS_RCODE_NXDOMAIN);
	add_soa(&r, "example.", 300, 300);
	resp_done(&r);
	assert_int_equal(store(c, &r, "h.example.", NP_DNS_TYPE_AAAA, ".", T0), 1);
	assert_int_equal(entries(c), 1);
	assert_int_equal(lookup(c, &a, "h.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_NXDOMAIN);
	store_a_ttl(c, "h.example.", 300, 1);
	assert_int_equal(entries(c), 1);
	assert_int_equal(lookup(c, &a, "h.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_int_equal(lookup(c, &a, "h.example.", NP_DNS_TYPE_AAAA, T0), DNS_CACHE_MISS);
	/* The same RRset again replaces the old one. */
	store_a_ttl(c, "h.example.", 100, 1);
	assert_int_equal(entries(c), 1);
	assert_int_equal(lookup(c, &a, "h.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_answer(&a, 0, "h.example.", NP_DNS_TYPE_A, 100);
	dns_cache_free(c);
}

/* At capacity the least recently used entry goes. */
static void test_eviction_lru(void **state)
{
	struct dns_cache *c = cache_new(3);
	static struct ans a;
	struct dns_cache_stats st;

	(void)state;
	store_a_ttl(c, "one.example.", 300, 1);
	store_a_ttl(c, "two.example.", 300, 1);
	store_a_ttl(c, "three.example.", 300, 1);
	assert_int_equal(lookup(c, &a, "one.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	store_a_ttl(c, "four.example.", 300, 1);
	dns_cache_get_stats(c, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(lookup(c, &a, "two.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
	assert_int_equal(lookup(c, &a, "one.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_int_equal(lookup(c, &a, "three.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_int_equal(lookup(c, &a, "four.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);

	/* A reload to a smaller size evicts down to it, oldest first. */
	assert_int_equal(dns_cache_configure(c, 1, NULL), 0);
	dns_cache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.evictions, 3);
	assert_int_equal(lookup(c, &a, "four.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	/* And back to a larger one keeps it. */
	assert_int_equal(dns_cache_configure(c, 100000, NULL), 0);
	assert_int_equal(lookup(c, &a, "four.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	store_a_ttl(c, "five.example.", 300, 1);
	assert_int_equal(entries(c), 2);
	dns_cache_free(c);
}

/* RFC 8767: expired data only with serve_stale AND the caller's flag. */
static void test_serve_stale(void **state)
{
	struct dns_cache_limits lim = {
		.max_ttl = 86400, .max_negative_ttl = 3600, .serve_stale = 1,
		.stale_answer_ttl = 30, .max_stale = 600,
	};
	struct dns_cache *c = dns_cache_new(100, &lim, &test_key);
	static struct ans a;
	struct dns_cache_stats st;

	(void)state;
	assert_non_null(c);
	store_a_ttl(c, "s.example.", 60, 1);
	assert_int_equal(lookup(c, &a, "s.example.", NP_DNS_TYPE_A, T0 + 100 * SEC),
			 DNS_CACHE_MISS);
	assert_int_equal(lookup_flags(c, &a, "s.example.", NP_DNS_TYPE_A, T0 + 100 * SEC,
				      DNS_CACHE_F_STALE), DNS_CACHE_HIT);
	assert_answer(&a, 0, "s.example.", NP_DNS_TYPE_A, 30);
	assert_int_equal(a.prefetch, 0);
	assert_int_equal(lookup_flags(c, &a, "s.example.", NP_DNS_TYPE_A, T0 + 659 * SEC,
				      DNS_CACHE_F_STALE), DNS_CACHE_HIT);
	/* max_stale after expiry it is gone. */
	assert_int_equal(lookup_flags(c, &a, "s.example.", NP_DNS_TYPE_A, T0 + 660 * SEC,
				      DNS_CACHE_F_STALE), DNS_CACHE_MISS);
	dns_cache_get_stats(c, &st);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.entries, 0);

	/* The flag alone does nothing when serve_stale is off. */
	lim.serve_stale = 0;
	assert_int_equal(dns_cache_configure(c, 100, &lim), 0);
	store_a_ttl(c, "s.example.", 60, 1);
	assert_int_equal(lookup_flags(c, &a, "s.example.", NP_DNS_TYPE_A, T0 + 61 * SEC,
				      DNS_CACHE_F_STALE), DNS_CACHE_MISS);
	dns_cache_free(c);
}

/* Prefetch: asked once, for a popular entry in the last 10 % of its TTL. */
static void test_prefetch(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct ans a;

	(void)state;
	store_a_ttl(c, "p.example.", 100, 1);
	assert_int_equal(lookup(c, &a, "p.example.", NP_DNS_TYPE_A, T0 + 95 * SEC), DNS_CACHE_HIT);
	assert_int_equal(a.prefetch, 0);        /* first use: not popular yet */
	assert_int_equal(lookup(c, &a, "p.example.", NP_DNS_TYPE_A, T0 + 50 * SEC), DNS_CACHE_HIT);
	assert_int_equal(a.prefetch, 0);        /* popular, far from expiry */
	assert_int_equal(lookup(c, &a, "p.example.", NP_DNS_TYPE_A, T0 + 91 * SEC), DNS_CACHE_HIT);
	assert_int_equal(a.prefetch, 1);
	assert_int_equal(lookup(c, &a, "p.example.", NP_DNS_TYPE_A, T0 + 92 * SEC), DNS_CACHE_HIT);
	assert_int_equal(a.prefetch, 0);        /* already asked */
	/* The refreshed entry can be prefetched again later. */
	store_a_ttl(c, "p.example.", 100, 1);
	assert_int_equal(lookup(c, &a, "p.example.", NP_DNS_TYPE_A, T0 + 1 * SEC), DNS_CACHE_HIT);
	assert_int_equal(lookup(c, &a, "p.example.", NP_DNS_TYPE_A, T0 + 95 * SEC), DNS_CACHE_HIT);
	assert_int_equal(a.prefetch, 1);
	dns_cache_free(c);
}

static int count_walk(void *arg, const struct dns_cache_entry_info *e)
{
	unsigned *n = arg;

	assert_int_equal(np_dns_name_check(e->owner, e->owner_len), 0);
	(*n)++;
	return *n == 2;
}

static void test_flush_and_walk(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;
	struct name h = N("H.Example.");
	unsigned n = 0;

	(void)state;
	store_a_ttl(c, "h.example.", 300, 1);
	resp_start(&r, "h.example.", NP_DNS_TYPE_MX, 0);
	add_soa(&r, "example.", 300, 300);
	resp_done(&r);
	assert_int_equal(store(c, &r, "h.example.", NP_DNS_TYPE_MX, ".", T0), 1);
	store_a_ttl(c, "other.example.", 300, 1);
	store_a_ttl(c, "sub.h.example.", 300, 1);
	assert_int_equal(entries(c), 4);
	dns_cache_walk(c, T0, count_walk, &n);
	assert_int_equal(n, 2);                 /* stopped by fn */

	assert_int_equal(dns_cache_flush(c, h.w, h.len), 2);
	assert_int_equal(lookup(c, &a, "h.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
	assert_int_equal(lookup(c, &a, "h.example.", NP_DNS_TYPE_MX, T0), DNS_CACHE_MISS);
	assert_int_equal(lookup(c, &a, "sub.h.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_int_equal(dns_cache_flush(c, h.w, h.len), 0);
	assert_int_equal(dns_cache_flush(c, NULL, 0), 2);
	assert_int_equal(entries(c), 0);
	assert_int_equal(lookup(c, &a, "other.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_MISS);
	dns_cache_free(c);
	dns_cache_free(NULL);
}

struct walk_rec {
	int seen, neg;
	uint32_t ttl;
	unsigned nrec;
	uint16_t type;
};

static int info_walk(void *arg, const struct dns_cache_entry_info *e)
{
	struct walk_rec *w = arg;

	w->seen++;
	w->neg = e->negative;
	w->ttl = e->ttl_left;
	w->nrec = e->nrecords;
	w->type = e->type;
	assert_name(e->owner, e->owner_len, "nonexistent.example.net.");
	return 0;
}

static void test_walk_info(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	struct walk_rec w;

	(void)state;
	resp_load(&r, "dns-answer-nxdomain-nsd.hex");
	assert_int_equal(store(c, &r, "NonExistent.example.net.", NP_DNS_TYPE_A, ".", T0), 1);
	memset(&w, 0, sizeof(w));
	dns_cache_walk(c, T0 + 50 * SEC, info_walk, &w);
	assert_int_equal(w.seen, 1);
	assert_int_equal(w.neg, DNS_CACHE_NEG_NXDOMAIN);
	assert_int_equal(w.ttl, 250);
	assert_int_equal(w.nrec, 1);
	assert_int_equal(w.type, 0);
	memset(&w, 0, sizeof(w));
	dns_cache_walk(c, T0 + 400 * SEC, info_walk, &w);
	assert_int_equal(w.ttl, 0);
	dns_cache_free(c);
}

/* An answer too big for the client's 512 octets: NP_ENOSPC and TC. */
static void test_builder_overflow(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;
	uint32_t i;

	(void)state;
	resp_start(&r, "many.example.", NP_DNS_TYPE_A, 0);
	for (i = 0; i < 40; i++)
		add_a(&r, NP_DNS_SEC_ANSWER, "many.example.", 300, 0x0a000000 + i);
	resp_done(&r);
	assert_int_equal(store(c, &r, "many.example.", NP_DNS_TYPE_A, ".", T0), 1);
	a.limit = 512;
	assert_int_equal(lookup(c, &a, "many.example.", NP_DNS_TYPE_A, T0), NP_ENOSPC);
	assert_int_equal(a.m.hdr.tc, 1);
	assert_true(a.m.len <= 512);
	assert_true(a.m.hdr.count[NP_DNS_SEC_ANSWER] < 40);
	a.limit = 0;
	assert_int_equal(lookup(c, &a, "many.example.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 40);
	assert_int_equal(a.m.hdr.tc, 0);
	dns_cache_free(c);
}

/* Bad arguments are refused rather than stored. */
static void test_bad_names(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static const uint8_t bad[] = { 3, 'a', 'b' };
	struct np_dns_builder b;
	uint8_t buf[512];
	struct np_dns_header h;

	(void)state;
	resp_start(&r, "x.example.", NP_DNS_TYPE_A, 0);
	resp_done(&r);
	assert_int_equal(dns_cache_store(c, &r.m, bad, sizeof(bad), NP_DNS_TYPE_A, root, 1, T0),
			 NP_EINVAL);
	memset(&h, 0, sizeof(h));
	assert_int_equal(np_dns_builder_init(&b, buf, sizeof(buf), sizeof(buf), &h), 0);
	assert_int_equal(dns_cache_lookup(c, bad, sizeof(bad), NP_DNS_TYPE_A, T0, 0, &b, NULL),
			 NP_EINVAL);
	assert_int_equal(dns_cache_flush(c, bad, sizeof(bad)), 0);
	dns_cache_free(c);
}

/*
 * One million RRsets of one A record each: the cache's own count of its
 * heap (table included) stays under 512 MB and lookups still work.
 */
static void test_million_rrsets(void **state)
{
	enum { N_RRSETS = 1000000 };
	struct dns_cache *c = cache_new(N_RRSETS);
	static struct resp r;
	static struct ans a;
	struct dns_cache_stats st;
	uint8_t *digits;
	struct name q;
	int i, j;

	(void)state;
	/* One template; the 7 digits of the name are rewritten in place. */
	resp_start(&r, "h0000000.example.com.", NP_DNS_TYPE_A, 0);
	add_a(&r, NP_DNS_SEC_ANSWER, "h0000000.example.com.", 3600, 0x0a000000);
	resp_done(&r);
	digits = r.buf + NP_DNS_HDR_LEN + 2;    /* after the length octet and 'h' */
	q = N("h0000000.example.com.");
	for (i = 0; i < N_RRSETS; i++) {
		int v = i;

		for (j = 6; j >= 0; j--, v /= 10)
			digits[j] = (uint8_t)('0' + v % 10);
		memcpy(q.w + 2, digits, 7);
		assert_int_equal(np_dns_msg_parse(r.buf, r.m.len, &r.m), 0);
		if (dns_cache_store(c, &r.m, q.w, q.len, NP_DNS_TYPE_A, root, 1, T0) != 1)
			fail_msg("store %d failed", i);
	}
	dns_cache_get_stats(c, &st);
	assert_int_equal(st.entries, N_RRSETS);
	assert_int_equal(st.evictions, 0);
	print_message("1,000,000 A RRsets: %zu bytes (%.1f MB, %.1f per RRset)\n", st.bytes,
		      st.bytes / 1048576.0, (double)st.bytes / N_RRSETS);
	assert_true(st.bytes <= 512u * 1024 * 1024);
	assert_true(st.bytes >= (size_t)N_RRSETS * 40);   /* honestly counted, not zero */
	assert_int_equal(lookup(c, &a, "h0000000.example.com.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_int_equal(lookup(c, &a, "h0999999.example.com.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_int_equal(lookup(c, &a, "h0537211.example.com.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_answer(&a, 0, "h0537211.example.com.", NP_DNS_TYPE_A, 3600);
	assert_int_equal(lookup(c, &a, "h1000000.example.com.", NP_DNS_TYPE_A, T0),
			 DNS_CACHE_MISS);
	/* One more evicts exactly the oldest. */
	q = N("extra.example.com.");
	resp_start(&r, "extra.example.com.", NP_DNS_TYPE_A, 0);
	add_a(&r, NP_DNS_SEC_ANSWER, "extra.example.com.", 3600, 1);
	resp_done(&r);
	assert_int_equal(dns_cache_store(c, &r.m, q.w, q.len, NP_DNS_TYPE_A, root, 1, T0), 1);
	assert_int_equal(lookup(c, &a, "h0000001.example.com.", NP_DNS_TYPE_A, T0),
			 DNS_CACHE_MISS);
	assert_int_equal(lookup(c, &a, "h0000000.example.com.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	dns_cache_flush(c, NULL, 0);
	dns_cache_get_stats(c, &st);
	assert_true(st.bytes < 16u * 1024 * 1024);      /* the table and the struct remain */
	dns_cache_free(c);
}

/* ---- DNSSEC records kept with their entries --------------------------- */

/* RRSIG rdata over covered by signer, labels as given, original TTL orig. */
static size_t rrsig_rdata(uint8_t *out, uint16_t covered, uint8_t labels, uint32_t orig,
			  const char *signer, uint8_t fill)
{
	struct name sn = N(signer);
	size_t n = 0;

	out[n++] = (uint8_t)(covered >> 8);
	out[n++] = (uint8_t)covered;
	out[n++] = 13;                              /* ECDSAP256SHA256 */
	out[n++] = labels;
	for (int i = 3; i >= 0; i--)
		out[n++] = (uint8_t)(orig >> (8 * i));
	memset(out + n, 0x11, 10);                  /* expiration, inception, key tag */
	n += 10;
	memcpy(out + n, sn.w, sn.len);
	n += sn.len;
	memset(out + n, fill, 64);                  /* the signature */
	return n + 64;
}

static void add_rrsig(struct resp *r, enum np_dns_section sec, const char *owner, uint32_t ttl,
		      uint16_t covered, uint8_t labels, const char *signer, uint8_t fill)
{
	struct name o = N(owner);
	uint8_t rd[512];
	size_t n = rrsig_rdata(rd, covered, labels, ttl, signer, fill);

	assert_int_equal(np_dns_add_raw(&r->b, sec, o.w, o.len, NP_DNS_TYPE_RRSIG,
					NP_DNS_CLASS_IN, ttl, rd, n), 0);
}

static void add_nsec(struct resp *r, const char *owner, uint32_t ttl, const char *next)
{
	struct name o = N(owner), nx = N(next);
	uint8_t rd[300];
	/* The type bitmap of window 0: A, NS, SOA, RRSIG, NSEC. */
	static const uint8_t bitmap[] = { 0, 6, 0x62, 0, 0, 0, 0, 0x03 };

	memcpy(rd, nx.w, nx.len);
	memcpy(rd + nx.len, bitmap, sizeof(bitmap));
	assert_int_equal(np_dns_add_raw(&r->b, NP_DNS_SEC_AUTHORITY, o.w, o.len, NP_DNS_TYPE_NSEC,
					NP_DNS_CLASS_IN, ttl, rd, nx.len + sizeof(bitmap)), 0);
}

/* Records of type in section sec of a's message. */
static int count_type(const struct ans *a, enum np_dns_section sec, uint16_t type)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	int n = 0;

	np_dns_iter_init(&it, &a->m);
	while (np_dns_iter_next(&it, &rr) > 0)
		n += rr.section == sec && rr.type == type;
	return n;
}

/* A signed answer: the A and its RRSIG cached together, the RRSIG only for DO. */
static void test_dnssec_rrsig_with_rrset(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;
	struct dns_cache_stats plain, sig;
	struct np_dns_rr rr;
	struct np_dns_rrsig rs;

	(void)state;
	/* The same answer without a signature: the bytes to compare with. */
	resp_start(&r, "www.example.org.", NP_DNS_TYPE_A, 0);
	add_a(&r, NP_DNS_SEC_ANSWER, "www.example.org.", 3600, 0x0a4d0150);
	resp_done(&r);
	assert_int_equal(store(c, &r, "www.example.org.", NP_DNS_TYPE_A, ".", T0), 1);
	dns_cache_get_stats(c, &plain);
	dns_cache_flush(c, NULL, 0);

	resp_start(&r, "www.example.org.", NP_DNS_TYPE_A, 0);
	add_a(&r, NP_DNS_SEC_ANSWER, "www.example.org.", 3600, 0x0a4d0150);
	add_rrsig(&r, NP_DNS_SEC_ANSWER, "www.example.org.", 3600, NP_DNS_TYPE_A, 3,
		  "example.org.", 0xaa);
	/* Another RRset's signature is not this one's. */
	add_rrsig(&r, NP_DNS_SEC_ANSWER, "www.example.org.", 3600, NP_DNS_TYPE_AAAA, 3,
		  "example.org.", 0xbb);
	resp_done(&r);
	assert_int_equal(store(c, &r, "www.example.org.", NP_DNS_TYPE_A, ".", T0), 1);
	assert_int_equal(entries(c), 1);
	/* Cache size accounting includes the signature (64 octets and more). */
	dns_cache_get_stats(c, &sig);
	assert_true(sig.bytes >= plain.bytes + 64);

	/* Without DO: the A alone. */
	assert_int_equal(lookup(c, &a, "www.example.org.", NP_DNS_TYPE_A, T0 + 10 * SEC),
			 DNS_CACHE_HIT);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 1);
	assert_int_equal(count_type(&a, NP_DNS_SEC_ANSWER, NP_DNS_TYPE_RRSIG), 0);

	/* With DO: the A, then its RRSIG with the same TTL, rdata intact. */
	assert_int_equal(lookup_flags(c, &a, "www.example.org.", NP_DNS_TYPE_A, T0 + 10 * SEC,
				      DNS_CACHE_F_DNSSEC), DNS_CACHE_HIT);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 2);
	assert_answer(&a, 0, "www.example.org.", NP_DNS_TYPE_A, 3590);
	assert_answer(&a, 1, "www.example.org.", NP_DNS_TYPE_RRSIG, 3590);
	get_rr(&a.m, NP_DNS_SEC_ANSWER, 1, &rr);
	assert_int_equal(np_dns_rrsig_parse(rr.rdata, rr.rdlength, &rs), 0);
	assert_int_equal(rs.type_covered, NP_DNS_TYPE_A);
	assert_name(rs.signer, rs.signer_len, "example.org.");
	assert_int_equal(rs.signature_len, 64);
	assert_int_equal(rs.signature[0], 0xaa);
	dns_cache_free(c);
}

/* The RRSIG's TTL and original TTL bound the RRset's (RFC 4034 §3, RFC 4035 §5.3.3). */
static void test_dnssec_ttl_bounded_by_rrsig(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;

	(void)state;
	resp_start(&r, "www.example.org.", NP_DNS_TYPE_A, 0);
	add_a(&r, NP_DNS_SEC_ANSWER, "www.example.org.", 3600, 0x0a4d0150);
	add_rrsig(&r, NP_DNS_SEC_ANSWER, "www.example.org.", 600, NP_DNS_TYPE_A, 3,
		  "example.org.", 0xaa);
	resp_done(&r);
	assert_int_equal(store(c, &r, "www.example.org.", NP_DNS_TYPE_A, ".", T0), 1);
	assert_int_equal(lookup_flags(c, &a, "www.example.org.", NP_DNS_TYPE_A, T0,
				      DNS_CACHE_F_DNSSEC), DNS_CACHE_HIT);
	assert_answer(&a, 0, "www.example.org.", NP_DNS_TYPE_A, 600);
	assert_answer(&a, 1, "www.example.org.", NP_DNS_TYPE_RRSIG, 600);
	dns_cache_free(c);
}

/* NXDOMAIN: the SOA, its RRSIG, the NSECs and theirs kept and served with DO only. */
static void test_dnssec_negative_proof(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;

	(void)state;
	resp_start(&r, "nosuch.example.org.", NP_DNS_TYPE_A, NP_DNS_RCODE_NXDOMAIN);
	add_soa(&r, "example.org.", 3600, 300);
	add_rrsig(&r, NP_DNS_SEC_AUTHORITY, "example.org.", 3600, NP_DNS_TYPE_SOA, 2,
		  "example.org.", 0x01);
	add_nsec(&r, "example.org.", 300, "alias.example.org.");
	add_rrsig(&r, NP_DNS_SEC_AUTHORITY, "example.org.", 300, NP_DNS_TYPE_NSEC, 2,
		  "example.org.", 0x02);
	add_nsec(&r, "ns1.example.org.", 300, "www.example.org.");
	add_rrsig(&r, NP_DNS_SEC_AUTHORITY, "ns1.example.org.", 300, NP_DNS_TYPE_NSEC, 3,
		  "example.org.", 0x03);
	/* Out of the SOA's zone: not kept. */
	add_nsec(&r, "a.example.net.", 300, "b.example.net.");
	resp_done(&r);
	assert_int_equal(store(c, &r, "nosuch.example.org.", NP_DNS_TYPE_A, ".", T0), 1);

	assert_int_equal(lookup(c, &a, "nosuch.example.org.", NP_DNS_TYPE_A, T0 + SEC),
			 DNS_CACHE_NXDOMAIN);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_AUTHORITY], 1);
	assert_int_equal(count_type(&a, NP_DNS_SEC_AUTHORITY, NP_DNS_TYPE_SOA), 1);

	assert_int_equal(lookup_flags(c, &a, "nosuch.example.org.", NP_DNS_TYPE_A, T0 + SEC,
				      DNS_CACHE_F_DNSSEC), DNS_CACHE_NXDOMAIN);
	assert_int_equal(a.m.hdr.rcode, NP_DNS_RCODE_NXDOMAIN);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_AUTHORITY], 6);
	assert_int_equal(count_type(&a, NP_DNS_SEC_AUTHORITY, NP_DNS_TYPE_SOA), 1);
	assert_int_equal(count_type(&a, NP_DNS_SEC_AUTHORITY, NP_DNS_TYPE_NSEC), 2);
	assert_int_equal(count_type(&a, NP_DNS_SEC_AUTHORITY, NP_DNS_TYPE_RRSIG), 3);
	dns_cache_free(c);
}

/* A wildcard expansion keeps the NSEC that proves no closer name exists. */
static void test_dnssec_wildcard_proof(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;

	(void)state;
	resp_start(&r, "a.wild.example.org.", NP_DNS_TYPE_A, 0);
	add_a(&r, NP_DNS_SEC_ANSWER, "a.wild.example.org.", 300, 0x0a4d015a);
	/* labels 3 < 4: synthesized from *.wild.example.org (RFC 4035 §5.3.4) */
	add_rrsig(&r, NP_DNS_SEC_ANSWER, "a.wild.example.org.", 300, NP_DNS_TYPE_A, 3,
		  "example.org.", 0x04);
	add_nsec(&r, "alias.example.org.", 300, "ns1.example.org.");
	add_rrsig(&r, NP_DNS_SEC_AUTHORITY, "alias.example.org.", 300, NP_DNS_TYPE_NSEC, 3,
		  "example.org.", 0x05);
	resp_done(&r);
	assert_int_equal(store(c, &r, "a.wild.example.org.", NP_DNS_TYPE_A, ".", T0), 1);
	assert_int_equal(lookup_flags(c, &a, "a.wild.example.org.", NP_DNS_TYPE_A, T0,
				      DNS_CACHE_F_DNSSEC), DNS_CACHE_HIT);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_ANSWER], 2);
	assert_int_equal(count_type(&a, NP_DNS_SEC_AUTHORITY, NP_DNS_TYPE_NSEC), 1);
	assert_int_equal(count_type(&a, NP_DNS_SEC_AUTHORITY, NP_DNS_TYPE_RRSIG), 1);
	assert_int_equal(lookup(c, &a, "a.wild.example.org.", NP_DNS_TYPE_A, T0), DNS_CACHE_HIT);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_AUTHORITY], 0);
	/* Signed by a zone outside the one the upstream was asked about: no proof kept. */
	assert_int_equal(store(c, &r, "a.wild.example.org.", NP_DNS_TYPE_A, "wild.example.org.",
			       T0), 1);
	assert_int_equal(lookup_flags(c, &a, "a.wild.example.org.", NP_DNS_TYPE_A, T0,
				      DNS_CACHE_F_DNSSEC), DNS_CACHE_HIT);
	assert_int_equal(a.m.hdr.count[NP_DNS_SEC_AUTHORITY], 0);
	dns_cache_free(c);
}

/* A query for type RRSIG is cached and answered as any other type, DO or not. */
static void test_dnssec_qtype_rrsig(void **state)
{
	struct dns_cache *c = cache_new(100);
	static struct resp r;
	static struct ans a;

	(void)state;
	resp_start(&r, "www.example.org.", NP_DNS_TYPE_RRSIG, 0);
	add_rrsig(&r, NP_DNS_SEC_ANSWER, "www.example.org.", 300, NP_DNS_TYPE_A, 3,
		  "example.org.", 0x06);
	add_rrsig(&r, NP_DNS_SEC_ANSWER, "www.example.org.", 300, NP_DNS_TYPE_NSEC, 3,
		  "example.org.", 0x07);
	resp_done(&r);
	assert_int_equal(store(c, &r, "www.example.org.", NP_DNS_TYPE_RRSIG, ".", T0), 1);
	assert_int_equal(lookup(c, &a, "www.example.org.", NP_DNS_TYPE_RRSIG, T0), DNS_CACHE_HIT);
	assert_int_equal(count_type(&a, NP_DNS_SEC_ANSWER, NP_DNS_TYPE_RRSIG), 2);
	assert_int_equal(lookup_flags(c, &a, "www.example.org.", NP_DNS_TYPE_RRSIG, T0,
				      DNS_CACHE_F_DNSSEC), DNS_CACHE_HIT);
	assert_int_equal(count_type(&a, NP_DNS_SEC_ANSWER, NP_DNS_TYPE_RRSIG), 2);
	dns_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positive_hit_ttl_counts_down),
		cmocka_unit_test(test_types_roundtrip),
		cmocka_unit_test(test_rrset_min_ttl_and_duplicates),
		cmocka_unit_test(test_ttl_clamps),
		cmocka_unit_test(test_nxdomain_nsd),
		cmocka_unit_test(test_negative_ttl_from_soa),
		cmocka_unit_test(test_nodata_nsd),
		cmocka_unit_test(test_negative_without_soa),
		cmocka_unit_test(test_uncacheable_responses),
		cmocka_unit_test(test_out_of_bailiwick_dropped),
		cmocka_unit_test(test_chain_leaving_zone),
		cmocka_unit_test(test_soa_out_of_bailiwick),
		cmocka_unit_test(test_cname_chain_nsd),
		cmocka_unit_test(test_cname_chain_two_stores),
		cmocka_unit_test(test_chain_bounded),
		cmocka_unit_test(test_scrub_cname_leaving_authority),
		cmocka_unit_test(test_scrub_forward_zone_chain),
		cmocka_unit_test(test_scrub_loop_and_length),
		cmocka_unit_test(test_replacement),
		cmocka_unit_test(test_eviction_lru),
		cmocka_unit_test(test_serve_stale),
		cmocka_unit_test(test_prefetch),
		cmocka_unit_test(test_flush_and_walk),
		cmocka_unit_test(test_walk_info),
		cmocka_unit_test(test_builder_overflow),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_million_rrsets),
		cmocka_unit_test(test_dnssec_rrsig_with_rrset),
		cmocka_unit_test(test_dnssec_ttl_bounded_by_rrsig),
		cmocka_unit_test(test_dnssec_negative_proof),
		cmocka_unit_test(test_dnssec_wildcard_proof),
		cmocka_unit_test(test_dnssec_qtype_rrsig),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
