/*
 * fuzz-dnsd-cache.c: np-dnsd's cache fed one upstream response.
 *
 * The input is a response message.  It is stored in a small cache under its
 * own question, for a forwarding zone that is the question's name or one or
 * two labels above it (the input's length picks which), then the question is
 * asked back into a 512-octet and a 65535-octet builder.  Properties (abort
 * on violation):
 *   - the answer parses, with exactly the caller's question;
 *   - every answer record lies inside the zone, on the CNAME chain from the
 *     question's name, is a CNAME except for the final RRset of the asked
 *     type, and was in the response's answer section under that owner/type;
 *   - the authority section holds at most the SOA of a negative answer,
 *     owning an ancestor of the chain's last name inside the zone; nothing
 *     is ever added to the additional section;
 *   - a miss writes nothing, a hit writes answers, NXDOMAIN sets the rcode;
 *   - stale and flushed lookups behave the same way.
 *
 * An input whose opcode is UPDATE goes to a local zone "lan." holding a few
 * static records instead (np_dns_msg_parse, dns_local_update):
 *   - the rcode is one RFC 2136 defines;
 *   - anything but NOERROR leaves the zone exactly as it was (same records,
 *     count and serial: all or nothing, §3.4.2);
 *   - afterwards no CNAME shares its name with other data, every record is
 *     in a zone we own, every A/AAAA in the zone answers, and answers for
 *     every updated name parse, with AA, NOERROR or NXDOMAIN.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/dns.h>
#include <netproto/error.h>

#include "cache.h"
#include "localzone.h"

/* A fixed hash key: the tests do not depend on where entries hash. */
static const struct np_hmap_key test_key = { 0x0123456789abcdefull, 0xfedcba9876543210ull };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	const struct np_dns_msg *in;
	uint8_t qname[NP_DNS_NAME_MAX], zone[NP_DNS_NAME_MAX];
	size_t qlen, zlen;
	uint16_t qtype;
};

/* Was there an answer-section record (owner, type) in the response? */
static int in_response(const struct np_dns_msg *m, const uint8_t *owner, size_t len,
		       uint16_t type)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;

	np_dns_iter_init(&it, m);
	while (np_dns_iter_next(&it, &rr) > 0 && rr.section <= NP_DNS_SEC_ANSWER)
		if (rr.section == NP_DNS_SEC_ANSWER && rr.type == type &&
		    rr.rclass == NP_DNS_CLASS_IN &&
		    np_dns_name_equal(rr.owner, rr.owner_len, owner, len))
			return 1;
	return 0;
}

/* Check the answer section; leaves the chain's last name in cur. */
static void check_answers(const struct ctx *x, const struct np_dns_msg *out, uint8_t *cur,
			  size_t *clen, int *final_seen)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;
	int rc;

	*final_seen = 0;
	np_dns_iter_init(&it, out);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0 && rr.section <= NP_DNS_SEC_ANSWER) {
		if (rr.section != NP_DNS_SEC_ANSWER)
			continue;
		if (!np_dns_name_is_subdomain(rr.owner, rr.owner_len, x->zone, x->zlen) ||
		    !in_response(x->in, rr.owner, rr.owner_len, rr.type))
			abort();
		if (np_dns_rr_rdata(out, &rr, &rd))
			abort();
		if (rr.type == x->qtype) {
			/* The final RRset: every record owned by the chain's last name. */
			if (!np_dns_name_equal(rr.owner, rr.owner_len, cur, *clen))
				abort();
			*final_seen = 1;
			continue;
		}
		if (*final_seen || rr.type != NP_DNS_TYPE_CNAME ||
		    !np_dns_name_equal(rr.owner, rr.owner_len, cur, *clen))
			abort();
		memcpy(cur, rd.name.name, rd.name.len);
		*clen = rd.name.len;
	}
	if (rc < 0)
		abort();
}

static void check_authority(const struct ctx *x, const struct np_dns_msg *out,
			    const uint8_t *cur, size_t clen)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;

	np_dns_iter_init(&it, out);
	while (np_dns_iter_next(&it, &rr) > 0) {
		if (rr.section != NP_DNS_SEC_AUTHORITY)
			continue;
		if (rr.type != NP_DNS_TYPE_SOA ||
		    !np_dns_name_is_subdomain(cur, clen, rr.owner, rr.owner_len) ||
		    !np_dns_name_is_subdomain(rr.owner, rr.owner_len, x->zone, x->zlen))
			abort();
	}
}

static void ask(const struct ctx *x, struct dns_cache *c, size_t limit, uint64_t now,
		unsigned flags)
{
	static uint8_t buf[NP_DNS_MSG_MAX];
	struct np_dns_builder b;
	struct np_dns_header h;
	struct np_dns_msg out;
	struct np_dns_rr q;
	uint8_t cur[NP_DNS_NAME_MAX];
	size_t clen = x->qlen;
	int rc, len, pf, final_seen;

	memset(&h, 0, sizeof(h));
	h.qr = 1;
	if (np_dns_builder_init(&b, buf, sizeof(buf), limit, &h) ||
	    np_dns_add_question(&b, x->qname, x->qlen, x->qtype, NP_DNS_CLASS_IN))
		abort();
	rc = dns_cache_lookup(c, x->qname, x->qlen, x->qtype, now, flags, &b, &pf);
	len = np_dns_builder_finish(&b);
	if (len < 0 || np_dns_msg_parse(buf, (size_t)len, &out))
		abort();
	if (np_dns_msg_question(&out, &q) || q.type != x->qtype ||
	    !np_dns_name_equal(q.owner, q.owner_len, x->qname, x->qlen))
		abort();
	if (out.hdr.count[NP_DNS_SEC_ADDITIONAL] || out.hdr.count[NP_DNS_SEC_AUTHORITY] > 1)
		abort();
	if (rc == NP_ENOSPC) {
		if (!out.hdr.tc || limit == NP_DNS_MSG_MAX)
			abort();
	} else if (rc < DNS_CACHE_MISS || rc > DNS_CACHE_NODATA || out.hdr.tc) {
		abort();
	}
	if (rc == DNS_CACHE_MISS && (out.hdr.count[NP_DNS_SEC_ANSWER] ||
				     out.hdr.count[NP_DNS_SEC_AUTHORITY] || out.hdr.rcode))
		abort();
	memcpy(cur, x->qname, x->qlen);
	check_answers(x, &out, cur, &clen, &final_seen);
	if (rc == DNS_CACHE_HIT && !final_seen)
		abort();
	if ((rc == DNS_CACHE_NXDOMAIN) != (out.hdr.rcode == NP_DNS_RCODE_NXDOMAIN))
		abort();
	if ((rc == DNS_CACHE_NXDOMAIN || rc == DNS_CACHE_NODATA) &&
	    (final_seen || out.hdr.count[NP_DNS_SEC_AUTHORITY] != 1))
		abort();
	check_authority(x, &out, cur, clen);
}

/* The question's name with `up` labels removed (not past the root). */
static size_t ancestor(const uint8_t *name, size_t len, unsigned up, uint8_t *out)
{
	size_t off = 0;

	while (up-- && name[off])
		off += 1 + (size_t)name[off];
	memcpy(out, name + off, len - off);
	return len - off;
}

/* ---- UPDATE into the local zone ---------------------------------------- */

struct digest {
	uint64_t sum;
	size_t n;
};

static uint64_t mix(uint64_t h, const uint8_t *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

/* An order-independent digest of the zone: records may move within a name. */
static int digest_fn(void *arg, const uint8_t *owner, size_t len, uint16_t type, uint32_t ttl,
		     const uint8_t *rdata, size_t rdlen, int dynamic)
{
	struct digest *d = arg;
	uint8_t fixed[7] = { (uint8_t)(type >> 8), (uint8_t)type, (uint8_t)(ttl >> 24),
			     (uint8_t)(ttl >> 16), (uint8_t)(ttl >> 8), (uint8_t)ttl,
			     (uint8_t)dynamic };
	uint64_t h = 0xcbf29ce484222325ull;

	h = mix(h, owner, len);
	h = mix(h, fixed, sizeof(fixed));
	h = mix(h, rdata, rdlen);
	d->sum += h * 0x9e3779b97f4a7c15ull;
	d->n++;
	return 0;
}

static void digest(const struct dns_local *z, struct digest *d)
{
	memset(d, 0, sizeof(*d));
	dns_local_walk(z, digest_fn, d);
}

static void ask_local(struct dns_local *z, const uint8_t *name, size_t len, uint16_t qtype,
		      int expect_data)
{
	static uint8_t buf[NP_DNS_MSG_MAX];
	struct np_dns_builder b;
	struct np_dns_header h;
	struct np_dns_msg out;
	int rc, n;

	memset(&h, 0, sizeof(h));
	h.qr = 1;
	if (np_dns_builder_init(&b, buf, sizeof(buf), sizeof(buf), &h) ||
	    np_dns_add_question(&b, name, len, qtype, NP_DNS_CLASS_IN))
		abort();
	rc = dns_local_answer(z, name, len, qtype, &b);
	n = np_dns_builder_finish(&b);
	if (rc || n < 0 || np_dns_msg_parse(buf, (size_t)n, &out) || !out.hdr.aa ||
	    (out.hdr.rcode != 0 && out.hdr.rcode != NP_DNS_RCODE_NXDOMAIN))
		abort();
	if (expect_data && (out.hdr.rcode || !out.hdr.count[NP_DNS_SEC_ANSWER]))
		abort();
}

/* The walk's invariants: records in our zones, CNAMEs alone, addresses answer. */
static int check_fn(void *arg, const uint8_t *owner, size_t len, uint16_t type, uint32_t ttl,
		    const uint8_t *rdata, size_t rdlen, int dynamic)
{
	struct dns_local *z = arg;

	(void)ttl;
	(void)rdata;
	(void)rdlen;
	(void)dynamic;
	if (np_dns_name_check(owner, len) || !dns_local_owns(z, owner, len))
		abort();
	if (type == NP_DNS_TYPE_A || type == NP_DNS_TYPE_AAAA || type == NP_DNS_TYPE_CNAME)
		ask_local(z, owner, len, type, 1);
	return 0;
}

struct cname_ctx {
	const uint8_t *owner;
	size_t len;
	int cname, other;
};

static int cname_fn(void *arg, const uint8_t *owner, size_t len, uint16_t type, uint32_t ttl,
		    const uint8_t *rdata, size_t rdlen, int dynamic)
{
	struct cname_ctx *c = arg;

	(void)ttl;
	(void)rdata;
	(void)rdlen;
	(void)dynamic;
	if (np_dns_name_equal(owner, len, c->owner, c->len)) {
		if (type == NP_DNS_TYPE_CNAME)
			c->cname++;
		else
			c->other++;
	}
	return 0;
}

/* RFC 1034 §3.6.2, RFC 2181 §10.1: a CNAME is alone at its name. */
static void check_cname_alone(const struct dns_local *z, const uint8_t *name, size_t len)
{
	struct cname_ctx c = { name, len, 0, 0 };

	dns_local_walk(z, cname_fn, &c);
	if (c.cname > 1 || (c.cname && c.other))
		abort();
}

static void fuzz_update(const uint8_t *data, size_t size)
{
	static const char *const lines[] = {
		"printer.lan. 600 IN A 10.77.0.50",
		"printer.lan. AAAA fd77::50",
		"www.lan. CNAME printer.lan.",
		"lan. MX 10 mail.lan.",
		"info.lan. TXT \"hello\" world",
		"_ipp._tcp.lan. SRV 0 5 631 printer.lan.",
		"9.0.77.10.in-addr.arpa. PTR static.lan.",
	};
	static const uint8_t lan[] = "\003lan";
	struct dns_local *z = dns_local_new(lan, sizeof(lan), &test_key);
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct digest before, after;
	uint32_t serial;
	size_t i;
	int rc;

	if (!z)
		abort();
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (dns_local_add_line(z, lines[i], NULL, 0))
			abort();
	if (np_dns_msg_parse(data, size, &m))
		goto out;
	digest(z, &before);
	serial = dns_local_serial(z);
	rc = dns_local_update(z, &m);
	digest(z, &after);
	/* NOERROR FORMERR SERVFAIL NXDOMAIN REFUSED YXDOMAIN YXRRSET NXRRSET NOTAUTH NOTZONE */
	if (rc < 0 || rc > 10 || rc == NP_DNS_RCODE_NOTIMP)
		abort();
	if (rc && (before.sum != after.sum || before.n != after.n ||
		   dns_local_count(z) != before.n || dns_local_serial(z) != serial))
		abort();
	if (!rc && dns_local_count(z) != after.n)
		abort();
	dns_local_walk(z, check_fn, z);
	np_dns_iter_init(&it, &m);
	while (np_dns_iter_next(&it, &rr) > 0) {
		if (rr.section == NP_DNS_SEC_QUESTION || !dns_local_owns(z, rr.owner, rr.owner_len))
			continue;
		check_cname_alone(z, rr.owner, rr.owner_len);
		ask_local(z, rr.owner, rr.owner_len, NP_DNS_TYPE_A, 0);
		ask_local(z, rr.owner, rr.owner_len, NP_DNS_TYPE_ANY, 0);
		ask_local(z, rr.owner, rr.owner_len, rr.type, 0);
	}
out:
	dns_local_free(z);
}

/* ---- Entry ------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dns_cache_limits lim = {
		.min_ttl = 0, .max_ttl = 86400, .max_negative_ttl = 3600,
		.serve_stale = 1, .stale_answer_ttl = 30, .max_stale = 86400,
	};
	const uint64_t now = 1000000;
	struct np_dns_msg m;
	struct np_dns_rr q;
	struct dns_cache *c;
	struct dns_cache_stats st;
	struct ctx x;
	int rc;

	/* RFC 2136 §2.2: the opcode is bits 1-4 of the third octet. */
	if (size >= NP_DNS_HDR_LEN && (data[2] >> 3 & 0xf) == 5) {
		fuzz_update(data, size);
		return 0;
	}
	if (np_dns_msg_parse(data, size, &m) || np_dns_msg_question(&m, &q))
		return 0;
	memset(&x, 0, sizeof(x));
	x.in = &m;
	memcpy(x.qname, q.owner, q.owner_len);
	x.qlen = q.owner_len;
	x.qtype = q.type;
	x.zlen = ancestor(x.qname, x.qlen, (unsigned)(size % 3), x.zone);
	if (!(c = dns_cache_new(8, &lim, &test_key)))
		abort();
	rc = dns_cache_store(c, &m, x.qname, x.qlen, x.qtype, x.zone, x.zlen, now);
	if (rc < 0 && rc != NP_ENOSPC)
		abort();
	dns_cache_get_stats(c, &st);
	if (st.entries > 8 || (rc > 0 && !st.inserts))
		abort();
	ask(&x, c, 512, now, 0);
	ask(&x, c, NP_DNS_MSG_MAX, now + 1000, 0);
	/* With the RRSIGs and proofs kept beside the data (a DO client). */
	ask(&x, c, 512, now, DNS_CACHE_F_DNSSEC);
	ask(&x, c, NP_DNS_MSG_MAX, now + 1000, DNS_CACHE_F_DNSSEC);
	/* Long expired, served stale. */
	ask(&x, c, NP_DNS_MSG_MAX, now + 90000ull * 1000, DNS_CACHE_F_STALE);
	ask(&x, c, NP_DNS_MSG_MAX, now + 90000ull * 1000, 0);
	dns_cache_flush(c, x.qname, x.qlen);
	ask(&x, c, 512, now, 0);
	dns_cache_free(c);
	return 0;
}
