/*
 * fuzz-dns-msg.c: DNS message decoder.  Parse, walk every record through
 * the typed accessors (rdata, TXT strings, EDNS options, names as text),
 * rebuild with compression, reparse, and require the same header and the
 * same records, name for name and field for field.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/dns.h>
#include <netproto/error.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walk the parts that have their own iterators; abort on inconsistency. */
static void walk_rdata(const struct np_dns_rr *rr, const struct np_dns_rdata *rd)
{
	char text[NP_DNS_NAME_TEXT_MAX];
	uint8_t back[NP_DNS_NAME_MAX];
	const uint8_t *s;
	size_t slen;
	int n;

	if (rr->type == NP_DNS_TYPE_TXT) {
		struct np_dns_txt_iter ti;

		np_dns_txt_init(&ti, rd->raw, rd->raw_len);
		while ((n = np_dns_txt_next(&ti, &s, &slen)) == 1)
			;
		if (n != 0)
			abort();
	}
	/* Every owner name prints as text that reads back to the same name. */
	n = np_dns_name_to_text(rr->owner, rr->owner_len, text, sizeof(text));
	if (n < 0)
		abort();
	n = np_dns_name_from_text(text, back, sizeof(back));
	if (n != (int)rr->owner_len || memcmp(back, rr->owner, rr->owner_len))
		abort();
}

/*
 * RRSIG and TSIG rdata decoders; a TSIG that decodes is written back with
 * np_dns_add_tsig() and must decode to the same fields.
 */
static void walk_sig(const struct np_dns_rr *rr)
{
	static uint8_t buf[2048];
	struct np_dns_header h = { .id = 1 };
	struct np_dns_rrsig sig;
	struct np_dns_tsig t, t2;
	struct np_dns_builder b;
	struct np_dns_msg m;
	struct np_dns_rr back;
	int n;

	if (rr->type == NP_DNS_TYPE_RRSIG && np_dns_rrsig_parse(rr->rdata, rr->rdlength, &sig) == 0 &&
	    (np_dns_name_check(sig.signer, sig.signer_len) || !sig.signature_len))
		abort();
	if (np_dns_rr_tsig(rr, &t) != 0)
		return;
	if (np_dns_builder_init(&b, buf, sizeof(buf), sizeof(buf), &h) ||
	    np_dns_add_tsig(&b, rr->owner, rr->owner_len, &t) ||
	    (n = np_dns_builder_finish(&b)) < 0) {
		if ((size_t)t.mac_len + t.other_len + t.algorithm_len + 16 <= 1024)
			abort();
		return;
	}
	if (np_dns_msg_parse(buf, (size_t)n, &m) || np_dns_msg_tsig(&m, &back) ||
	    np_dns_rr_tsig(&back, &t2) || t2.time_signed != t.time_signed ||
	    t2.fudge != t.fudge || t2.mac_len != t.mac_len || t2.error != t.error ||
	    t2.original_id != t.original_id || t2.other_len != t.other_len ||
	    t2.algorithm_len != t.algorithm_len ||
	    memcmp(t2.algorithm, t.algorithm, t.algorithm_len) ||
	    (t.mac_len && memcmp(t2.mac, t.mac, t.mac_len)) ||
	    (t.other_len && memcmp(t2.other, t.other, t.other_len)))
		abort();
}

static void walk_opt(const struct np_dns_rr *rr, struct np_dns_opt *opt)
{
	struct np_dns_opt_iter oi;
	const uint8_t *d;
	uint16_t code, len;
	int n;

	if (np_dns_rr_opt(rr, opt) != 0)
		abort();
	np_dns_opt_iter_init(&oi, opt);
	while ((n = np_dns_opt_next(&oi, &code, &d, &len)) == 1)
		;
	if (n != 0)
		abort();
}

static int same_rdata(uint16_t type, const struct np_dns_rdata *a, const struct np_dns_rdata *b)
{
	switch (type) {
	case NP_DNS_TYPE_A:
		return a->a == b->a;
	case NP_DNS_TYPE_AAAA:
		return !memcmp(a->aaaa, b->aaaa, 16);
	case NP_DNS_TYPE_NS:
	case NP_DNS_TYPE_CNAME:
	case NP_DNS_TYPE_PTR:
		return a->name.len == b->name.len && !memcmp(a->name.name, b->name.name, a->name.len);
	case NP_DNS_TYPE_MX:
		return a->mx.preference == b->mx.preference &&
		       a->mx.exchange_len == b->mx.exchange_len &&
		       !memcmp(a->mx.exchange, b->mx.exchange, a->mx.exchange_len);
	case NP_DNS_TYPE_SOA:
		return a->soa.mname_len == b->soa.mname_len &&
		       !memcmp(a->soa.mname, b->soa.mname, a->soa.mname_len) &&
		       a->soa.rname_len == b->soa.rname_len &&
		       !memcmp(a->soa.rname, b->soa.rname, a->soa.rname_len) &&
		       a->soa.serial == b->soa.serial && a->soa.refresh == b->soa.refresh &&
		       a->soa.retry == b->soa.retry && a->soa.expire == b->soa.expire &&
		       a->soa.minimum == b->soa.minimum;
	case NP_DNS_TYPE_SRV:
		return a->srv.priority == b->srv.priority && a->srv.weight == b->srv.weight &&
		       a->srv.port == b->srv.port && a->srv.target_len == b->srv.target_len &&
		       !memcmp(a->srv.target, b->srv.target, a->srv.target_len);
	default:
		return a->raw_len == b->raw_len && !memcmp(a->raw, b->raw, a->raw_len);
	}
}

static int same_rr(const struct np_dns_rr *a, const struct np_dns_rr *b)
{
	return a->section == b->section && a->owner_len == b->owner_len &&
	       !memcmp(a->owner, b->owner, a->owner_len) && a->type == b->type &&
	       a->rclass == b->rclass && a->ttl == b->ttl;
}

/* An RFC 2136 prerequisite or deletion: class ANY or NONE, no rdata. */
static int update_meta(const struct np_dns_rr *rr)
{
	return rr->rdlength == 0 &&
	       (rr->rclass == NP_DNS_CLASS_ANY || rr->rclass == NP_DNS_CLASS_NONE);
}

/* Add one parsed record to b; NP_ENOSPC means the rebuild grew past 64 KiB. */
static int add_one(struct np_dns_builder *b, const struct np_dns_msg *m,
		   const struct np_dns_rr *rr)
{
	struct np_dns_rdata rd;
	struct np_dns_opt opt;

	if (rr->section == NP_DNS_SEC_QUESTION)
		return np_dns_add_question(b, rr->owner, rr->owner_len, rr->type, rr->rclass);
	if (rr->type == NP_DNS_TYPE_OPT) {
		walk_opt(rr, &opt);
		return np_dns_add_opt(b, &opt);
	}
	if (update_meta(rr)) {
		return np_dns_add_raw(b, rr->section, rr->owner, rr->owner_len, rr->type,
				      rr->rclass, rr->ttl, rr->rdata, 0);
	}
	if (np_dns_rr_rdata(m, rr, &rd) != 0)
		abort();
	walk_rdata(rr, &rd);
	walk_sig(rr);
	return np_dns_add_rr(b, rr->section, rr->owner, rr->owner_len, rr->type, rr->rclass,
			     rr->ttl, &rd);
}

/* Compare every record of a and b, in order. */
static void compare(const struct np_dns_msg *a, const struct np_dns_msg *b)
{
	static struct np_dns_rr ra, rb;
	static struct np_dns_rdata da, db;
	struct np_dns_iter ia, ib;
	int na, nb;

	np_dns_iter_init(&ia, a);
	np_dns_iter_init(&ib, b);
	for (;;) {
		na = np_dns_iter_next(&ia, &ra);
		nb = np_dns_iter_next(&ib, &rb);
		if (na != nb || na < 0)
			abort();
		if (na == 0)
			return;
		if (!same_rr(&ra, &rb))
			abort();
		if (ra.section == NP_DNS_SEC_QUESTION || (update_meta(&ra) && update_meta(&rb)))
			continue;
		if (np_dns_rr_rdata(a, &ra, &da) || np_dns_rr_rdata(b, &rb, &db))
			abort();
		if (!same_rdata(ra.type, &da, &db))
			abort();
	}
}

/* b's records appear in a, in order (a subsequence), each equal to its match. */
static void compare_subsequence(const struct np_dns_msg *a, const struct np_dns_msg *b)
{
	static struct np_dns_rr ra, rb;
	static struct np_dns_rdata da, db;
	struct np_dns_iter ia, ib;
	int nb;

	np_dns_iter_init(&ia, a);
	np_dns_iter_init(&ib, b);
	while ((nb = np_dns_iter_next(&ib, &rb)) == 1) {
		for (;;) {
			if (np_dns_iter_next(&ia, &ra) != 1)
				abort();
			if (!same_rr(&ra, &rb))
				continue;
			if (ra.section == NP_DNS_SEC_QUESTION || (update_meta(&ra) && update_meta(&rb)))
				break;
			if (np_dns_rr_rdata(a, &ra, &da) || np_dns_rr_rdata(b, &rb, &db))
				abort();
			if (same_rdata(ra.type, &da, &db))
				break;
		}
	}
	if (nb != 0)
		abort();
}

/*
 * Rebuild under a small size limit: the result fits, parses, counts what was
 * added, has TC exactly when something outside the additional section was
 * left out (RFC 2181 §9), and holds records of the original in order.
 */
static void check_truncation(const struct np_dns_msg *a, size_t limit)
{
	static uint8_t out[NP_DNS_MSG_MAX];
	static struct np_dns_rr rr;
	struct np_dns_builder bld;
	struct np_dns_iter it;
	struct np_dns_msg b;
	unsigned added[4] = { 0 };
	int n, lost = 0, full = 0, i;

	if (np_dns_builder_init(&bld, out, sizeof(out), limit, &a->hdr) < 0)
		return;
	np_dns_iter_init(&it, a);
	while (np_dns_iter_next(&it, &rr) == 1) {
		int is_opt = rr.section != NP_DNS_SEC_QUESTION && rr.type == NP_DNS_TYPE_OPT;

		n = add_one(&bld, a, &rr);
		if (n == 0) {
			/* After a record did not fit, only the OPT may still go in. */
			if (full && !is_opt)
				abort();
			added[rr.section]++;
		} else if (n == NP_ENOSPC) {
			if (rr.section != NP_DNS_SEC_ADDITIONAL)
				lost = 1;
			if (!is_opt)
				full = 1;
		} else {
			abort();
		}
	}
	n = np_dns_builder_finish(&bld);
	if (n < 0 || (size_t)n > limit || np_dns_msg_parse(out, (size_t)n, &b) < 0)
		abort();
	for (i = 0; i < 4; i++)
		if (b.hdr.count[i] != added[i])
			abort();
	if (b.hdr.tc != (a->hdr.tc | lost) || b.hdr.id != a->hdr.id || b.hdr.rcode != a->hdr.rcode)
		abort();
	compare_subsequence(a, &b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[NP_DNS_MSG_MAX];
	static struct np_dns_rr rr;
	struct np_dns_msg a, b;
	struct np_dns_builder bld;
	struct np_dns_iter it;
	int n, rc;

	if (np_dns_msg_parse(data, size, &a) < 0)
		return 0;
	(void)np_dns_msg_rcode(&a);
	(void)np_dns_msg_udp_limit(&a);
	if (np_dns_msg_question(&a, &rr) != (a.hdr.count[NP_DNS_SEC_QUESTION] ? 0 : NP_ENOTFOUND))
		abort();
	/* The TSIG, when found, is a TSIG in the additional section. */
	if (np_dns_msg_tsig(&a, &rr) == 0 &&
	    (rr.type != NP_DNS_TYPE_TSIG || rr.section != NP_DNS_SEC_ADDITIONAL))
		abort();
	if (np_dns_builder_init(&bld, out, sizeof(out), sizeof(out), &a.hdr) < 0)
		abort();
	np_dns_iter_init(&it, &a);
	while ((rc = np_dns_iter_next(&it, &rr)) == 1) {
		n = add_one(&bld, &a, &rr);
		/* Decompressed names may not fit 64 KiB again; that is no bug. */
		if (n == NP_ENOSPC)
			return 0;
		if (n < 0)
			abort();
	}
	if (rc != 0)
		abort();
	n = np_dns_builder_finish(&bld);
	if (n < 0 || np_dns_msg_parse(out, (size_t)n, &b) < 0)
		abort();
	if (memcmp(&a.hdr, &b.hdr, sizeof(a.hdr)) != 0)
		abort();
	compare(&a, &b);
	/* Limits from the header (12 octets) up, picked by the message's id. */
	check_truncation(&a, NP_DNS_HDR_LEN + a.hdr.id % (size + 1));
	return 0;
}
