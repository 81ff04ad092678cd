/*
 * fuzz-dnssec-validator.c: np-dnsd's DNSSEC validator and libnetproto's
 * DNSSEC codecs fed untrusted messages.
 *
 * Input: a 2-octet length L, a message of L octets holding the keys
 * (DNSKEY and DS records), then the message to validate; when that split
 * does not give two messages, the whole input is both.  Every record of
 * both goes through the DNSSEC rdata parsers and the canonical form; the
 * DNSKEY RRset is checked against the DS RRset, then every RRset of the
 * answer is verified with it, and every denial proof runs on the question
 * with the NSEC/NSEC3 records of the authority section.  Properties (abort
 * on violation), beyond never crashing or leaking:
 *   - the work stays within the budget: signature verifications and NSEC3
 *     hashes never exceed their caps (KeyTrap, CVE-2023-50387/50868);
 *   - a verdict is one of the four statuses;
 *   - parsed views lie inside their rdata; base32hex round-trips; the
 *     canonical rdata of a type that keeps its octets equals them; sorting
 *     leaves an ordered set without duplicates.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/dns.h>
#include <netproto/dnssec.h>
#include <netproto/error.h>

#include "validator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1767225600u

static void check(int ok)
{
	if (!ok)
		abort();
}

static int inside(const uint8_t *p, size_t n, const uint8_t *rd, size_t len)
{
	return n == 0 || (p >= rd && p + n <= rd + len);
}

static void check_codecs(const struct np_dns_msg *m, const struct np_dns_rr *rr)
{
	static uint8_t out[65536];
	struct np_dnskey k;
	struct np_ds d;
	struct np_nsec ns;
	struct np_nsec3 n3;
	struct np_nsec3param p;
	int len;

	if (!rr->rdata)
		return;
	if (!np_dnskey_parse(rr->rdata, rr->rdlength, &k))
		check(inside(k.key, k.key_len, rr->rdata, rr->rdlength));
	(void)np_dnssec_key_tag(rr->rdata, rr->rdlength);
	if (!np_ds_parse(rr->rdata, rr->rdlength, &d))
		check(inside(d.digest, d.digest_len, rr->rdata, rr->rdlength));
	if (!np_nsec_parse(rr->rdata, rr->rdlength, &ns))
		check(!np_dns_name_check(ns.next, ns.next_len) &&
		      !np_dnssec_bitmap_check(ns.bitmap, ns.bitmap_len));
	if (!np_nsec3_parse(rr->rdata, rr->rdlength, &n3)) {
		char text[NP_BASE32HEX_MAX(255)];
		uint8_t back[255];
		int t = np_base32hex_encode(n3.next_hash, n3.hash_len, text, sizeof(text));

		check(t > 0 && np_base32hex_decode(text, (size_t)t, back, sizeof(back)) ==
				       n3.hash_len && !memcmp(back, n3.next_hash, n3.hash_len));
		check(inside(n3.bitmap, n3.bitmap_len, rr->rdata, rr->rdlength));
	}
	if (!np_nsec3param_parse(rr->rdata, rr->rdlength, &p))
		check(inside(p.salt, p.salt_len, rr->rdata, rr->rdlength));
	len = np_dnssec_rdata_canonical(m->data, m->end, rr->rdata_off, rr->rdlength, rr->type,
					out, sizeof(out));
	if (len >= 0 && !np_dnssec_type_lowers_names(rr->type))
		check((size_t)len == rr->rdlength && !memcmp(out, rr->rdata, rr->rdlength));
	if (rr->owner[0] && rr->owner[0] <= 63) {
		uint8_t h[64];

		(void)np_base32hex_decode((const char *)rr->owner + 1, rr->owner[0], h, sizeof(h));
	}
}

static void check_sorted(const struct val_rrset *s)
{
	for (size_t i = 1; i < s->n; i++) {
		size_t n = s->rd[i - 1].len < s->rd[i].len ? s->rd[i - 1].len : s->rd[i].len;
		int c = n ? memcmp(s->rd[i - 1].data, s->rd[i].data, n) : 0;

		check(c < 0 || (c == 0 && s->rd[i - 1].len < s->rd[i].len));
	}
}

static void check_result(struct val_result r, const struct val_budget *b)
{
	check(r.status == VAL_SECURE || r.status == VAL_INSECURE || r.status == VAL_BOGUS ||
	      r.status == VAL_BUDGET);
	check(b->verifies <= b->max_verifies && b->hashes <= b->max_hashes);
}

/* The first record of type in msg: its owner into owner; 0 if none. */
static size_t first_owner(const struct np_dns_msg *m, uint16_t type, uint8_t *owner)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;

	np_dns_iter_init(&it, m);
	while (np_dns_iter_next(&it, &rr) == 1)
		if (rr.type == type && rr.section != NP_DNS_SEC_QUESTION) {
			memcpy(owner, rr.owner, rr.owner_len);
			return rr.owner_len;
		}
	return 0;
}

static void walk_codecs(const struct np_dns_msg *m)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;

	np_dns_iter_init(&it, m);
	while (np_dns_iter_next(&it, &rr) == 1)
		check_codecs(m, &rr);
}

static void verify_answer(const struct np_dns_msg *m, const struct val_rrset *keys,
			  struct val_rrset *set, struct val_budget *b)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	unsigned n = 0;

	np_dns_iter_init(&it, m);
	while (np_dns_iter_next(&it, &rr) == 1 && n++ < 16) {
		if (rr.section == NP_DNS_SEC_QUESTION || rr.type == NP_DNS_TYPE_RRSIG ||
		    rr.type == NP_DNS_TYPE_OPT)
			continue;
		if (val_rrset_from_msg(set, m, rr.section, rr.owner, rr.owner_len, rr.type))
			continue;
		check_sorted(set);
		check_result(val_verify_rrset(set, keys, NOW, b), b);
	}
}

static void prove(const struct np_dns_msg *m, const uint8_t *zone, size_t zlen,
		  struct val_budget *b)
{
	static struct val_nsec rr[32];
	static uint8_t owners[32][NP_DNS_NAME_MAX];
	struct np_dns_rr q;
	size_t n = val_nsec_from_msg(m, NP_DNS_SEC_AUTHORITY, rr, owners, 32);

	if (np_dns_msg_question(m, &q))
		return;
	check_result(val_prove_nxdomain(zone, zlen, q.owner, q.owner_len, rr, n, b), b);
	check_result(val_prove_nodata(zone, zlen, q.owner, q.owner_len, q.type, rr, n, b), b);
	check_result(val_prove_wildcard(zone, zlen, q.owner, q.owner_len,
					np_dns_name_labels(q.owner, q.owner_len) - 1, rr, n, b), b);
	check_result(val_prove_no_ds(zone, zlen, q.owner, q.owner_len, rr, n, b), b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct val_rrset keys, ds, set;   /* 66 KiB each: not on the stack */
	struct np_dns_msg km, am;
	uint8_t zone[NP_DNS_NAME_MAX];
	size_t zlen, klen = size >= 2 ? (size_t)(data[0] << 8 | data[1]) : 0;
	struct val_budget b;

	if (size >= 2 && klen <= size - 2 && !np_dns_msg_parse(data + 2, klen, &km) &&
	    !np_dns_msg_parse(data + 2 + klen, size - 2 - klen, &am)) {
		/* two messages */
	} else if (!np_dns_msg_parse(data, size, &km)) {
		am = km;
	} else {
		return 0;
	}
	walk_codecs(&km);
	walk_codecs(&am);
	val_budget_init(&b);
	zlen = first_owner(&km, NP_DNS_TYPE_DNSKEY, zone);
	if (!zlen && !(zlen = first_owner(&am, NP_DNS_TYPE_RRSIG, zone)))
		return 0;
	if (val_rrset_from_msg(&keys, &km, NP_DNS_SEC_ANSWER, zone, zlen, NP_DNS_TYPE_DNSKEY))
		val_rrset_init(&keys, zone, zlen, NP_DNS_TYPE_DNSKEY);
	check_sorted(&keys);
	/* DS records in any section of the key message stand for the parent's. */
	for (int sec = NP_DNS_SEC_ANSWER; sec <= NP_DNS_SEC_ADDITIONAL; sec++)
		if (!val_rrset_from_msg(&ds, &km, (enum np_dns_section)sec, zone, zlen,
					NP_DNS_TYPE_DS))
			break;
	check_result(val_verify_dnskeys(&keys, &ds, &keys, NOW, &b), &b);
	verify_answer(&am, &keys, &set, &b);
	prove(&am, zone, zlen, &b);
	return 0;
}
