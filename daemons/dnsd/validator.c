/*
 * validator.c: DNSSEC validation, pure (see validator.h).
 */
#include "validator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/error.h>

#include "digest.h"
#include "zonetext.h"

void val_budget_init(struct val_budget *b)
{
	memset(b, 0, sizeof(*b));
	b->max_verifies = VAL_MAX_VERIFIES;
	b->max_hashes = VAL_MAX_HASHES;
	b->max_collisions = VAL_MAX_COLLISIONS;
}

const char *val_status_name(enum val_status s)
{
	switch (s) {
	case VAL_SECURE: return "secure";
	case VAL_INSECURE: return "insecure";
	case VAL_BOGUS: return "bogus";
	case VAL_BUDGET: return "budget";
	}
	return "?";
}

static struct val_result verdict(enum val_status s, enum val_ede ede)
{
	struct val_result r = { s, ede, 0, -1 };

	return r;
}

/* ---- RRsets ------------------------------------------------------------ */

void val_rrset_init(struct val_rrset *s, const uint8_t *owner, size_t len, uint16_t type)
{
	s->owner_len = len <= NP_DNS_NAME_MAX ? len : 0;
	memcpy(s->owner, owner, s->owner_len);
	s->type = type;
	s->rclass = NP_DNS_CLASS_IN;
	s->ttl = UINT32_MAX;
	s->n = s->nsig = s->used = 0;
}

int val_rrset_add(struct val_rrset *s, const uint8_t *msg, size_t msglen, size_t off,
		  uint16_t rdlength, uint32_t ttl)
{
	int len;

	if (s->n >= VAL_RRSET_MAX)
		return NP_ECOUNT;
	len = np_dnssec_rdata_canonical(msg, msglen, off, rdlength, s->type, s->store + s->used,
					sizeof(s->store) - s->used);
	if (len < 0)
		return len;
	if (len > 0xffff)
		return NP_EBADLEN;
	s->rd[s->n].data = s->store + s->used;
	s->rd[s->n].len = (uint16_t)len;
	s->used += (size_t)len;
	s->n = np_dnssec_rdata_sort(s->rd, s->n + 1);
	if (ttl < s->ttl)
		s->ttl = ttl;
	return 0;
}

int val_rrset_add_sig(struct val_rrset *s, const uint8_t *rdata, size_t len)
{
	if (s->nsig >= VAL_MAX_RRSIGS)
		return 0;               /* Unbound's MAX_VALIDATE_RRSIGS: the rest are not tried */
	if (len > 0xffff || len > sizeof(s->store) - s->used)
		return NP_ENOSPC;
	memcpy(s->store + s->used, rdata, len);
	s->sig[s->nsig].data = s->store + s->used;
	s->sig[s->nsig].len = (uint16_t)len;
	s->used += len;
	s->nsig++;
	return 0;
}

int val_rrset_from_msg(struct val_rrset *s, const struct np_dns_msg *msg,
		       enum np_dns_section sec, const uint8_t *owner, size_t len, uint16_t type)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	int rc, found = 0;

	val_rrset_init(s, owner, len, type);
	np_dns_iter_init(&it, msg);
	while ((rc = np_dns_iter_next(&it, &rr)) == 1) {
		if (rr.section != sec || rr.rclass != NP_DNS_CLASS_IN ||
		    !np_dns_name_equal(rr.owner, rr.owner_len, owner, len))
			continue;
		if (rr.type == type) {
			if ((rc = val_rrset_add(s, msg->data, msg->end, rr.rdata_off, rr.rdlength,
						rr.ttl)))
				return rc;
			found = 1;
		} else if (rr.type == NP_DNS_TYPE_RRSIG && rr.rdlength >= 2 &&
			   np_load_be16(rr.rdata) == type) {
			if ((rc = val_rrset_add_sig(s, rr.rdata, rr.rdlength)))
				return rc;
		}
	}
	if (rc < 0)
		return rc;
	return found ? 0 : NP_ENOTFOUND;
}

/* ---- Signatures (RFC 4035 §5.3) ----------------------------------------- */

/* RFC 1982 serial arithmetic: is a before b? */
static int serial_lt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(b - a) < 0x80000000u;
}

/* The ways one RRSIG can fail, worst (most telling) last. */
enum sig_fail {
	FAIL_NONE,
	FAIL_UNSUPPORTED,               /* algorithm we do not implement */
	FAIL_NO_KEY,                    /* no key of that tag and algorithm */
	FAIL_NO_ZONE_BIT,
	FAIL_NOT_YET,
	FAIL_EXPIRED,
	FAIL_BAD,                       /* malformed or did not verify */
};

static enum val_ede fail_ede(enum sig_fail f)
{
	switch (f) {
	case FAIL_UNSUPPORTED: return VAL_EDE_UNSUPPORTED_ALG;
	case FAIL_NO_KEY: return VAL_EDE_DNSKEY_MISSING;
	case FAIL_NO_ZONE_BIT: return VAL_EDE_NO_ZONE_KEY_BIT;
	case FAIL_NOT_YET: return VAL_EDE_SIG_NOT_YET_VALID;
	case FAIL_EXPIRED: return VAL_EDE_SIG_EXPIRED;
	default: return VAL_EDE_BOGUS;
	}
}

/* RFC 4035 §5.3.1: the RRSIG's fields agree with the RRset and the signer. */
static int rrsig_matches(const struct np_dns_rrsig *s, const struct val_rrset *set,
			 const struct val_rrset *keys)
{
	int labels = np_dns_name_labels(set->owner, set->owner_len);

	if (set->owner_len >= 2 && set->owner[0] == 1 && set->owner[1] == '*')
		labels--;
	return s->type_covered == set->type && s->labels <= labels &&
	       np_dns_name_equal(s->signer, s->signer_len, keys->owner, keys->owner_len) &&
	       np_dns_name_is_subdomain(set->owner, set->owner_len, s->signer, s->signer_len);
}

/* Verify one RRSIG with one key: 0, NP_ECSUM (did not verify) or another error. */
static int verify_one(const struct val_rrset *set, const struct np_dnssec_rdata *sig,
		      const struct np_dns_rrsig *s, const struct np_dnskey *k)
{
	size_t cap = 18 + NP_DNS_NAME_MAX + set->used + set->n * (NP_DNS_NAME_MAX + 12);
	uint8_t *data = malloc(cap);
	int len, rc;

	if (!data)
		return NP_ENOSPC;
	len = np_dnssec_signed_data(sig->data, sig->len, set->owner, set->owner_len, set->type,
				    set->rclass, set->rd, set->n, data, cap);
	rc = len < 0 ? len : np_dnssec_verify(k->algorithm, k->key, k->key_len, data,
					      (size_t)len, s->signature, s->signature_len);
	free(data);
	return rc;
}

/*
 * Try one RRSIG with the keys of its tag and algorithm (only key index
 * only_key when >= 0).  Returns FAIL_NONE when it verifies; *budget set
 * when a cap stopped the work.
 */
static enum sig_fail try_rrsig(const struct val_rrset *set, const struct np_dnssec_rdata *sig,
			       const struct np_dns_rrsig *s, const struct val_rrset *keys,
			       int only_key, struct val_budget *b, int *budget)
{
	enum sig_fail worst = FAIL_NO_KEY;
	unsigned tried = 0;
	size_t i;

	for (i = 0; i < keys->n; i++) {
		struct np_dnskey k;

		if (only_key >= 0 && (size_t)only_key != i)
			continue;
		if (np_dnskey_parse(keys->rd[i].data, keys->rd[i].len, &k) ||
		    k.algorithm != s->algorithm || k.protocol != NP_DNSKEY_PROTOCOL ||
		    np_dnssec_key_tag(keys->rd[i].data, keys->rd[i].len) != s->key_tag)
			continue;
		if (!(k.flags & NP_DNSKEY_FLAG_ZONE)) {
			worst = worst > FAIL_NO_ZONE_BIT ? worst : FAIL_NO_ZONE_BIT;
			continue;
		}
		/* KeyTrap: colliding key tags multiply the work; cap them and the total. */
		if (tried++ >= b->max_collisions || b->verifies >= b->max_verifies) {
			*budget = 1;
			return FAIL_BAD;
		}
		b->verifies++;
		if (!verify_one(set, sig, s, &k))
			return FAIL_NONE;
		worst = FAIL_BAD;
	}
	return worst;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static struct val_result verify_rrset(const struct val_rrset *set, const struct val_rrset *keys,
				      int only_key, uint32_t now, struct val_budget *b)
{
	enum sig_fail worst = FAIL_NONE;
	int budget = 0, owner_labels;
	size_t i;

	if (!set->nsig)
		return verdict(VAL_BOGUS, VAL_EDE_RRSIGS_MISSING);
	owner_labels = np_dns_name_labels(set->owner, set->owner_len);
	for (i = 0; i < set->nsig; i++) {
		struct np_dns_rrsig s;
		enum sig_fail f;

		if (np_dns_rrsig_parse(set->sig[i].data, set->sig[i].len, &s) ||
		    !rrsig_matches(&s, set, keys))
			f = FAIL_BAD;
		else if (!np_dnssec_alg_supported(s.algorithm))
			f = FAIL_UNSUPPORTED;
		else if (serial_lt(now, s.inception))
			f = FAIL_NOT_YET;
		else if (serial_lt(s.expiration, now))
			f = FAIL_EXPIRED;
		else
			f = try_rrsig(set, &set->sig[i], &s, keys, only_key, b, &budget);
		if (f == FAIL_NONE) {
			struct val_result r = verdict(VAL_SECURE, VAL_EDE_NONE);

			/* RFC 4035 §5.3.3: no longer than the original TTL or the signature. */
			r.ttl = min_u32(min_u32(set->ttl, s.original_ttl), s.expiration - now);
			r.wildcard_labels = s.labels < owner_labels ? s.labels : -1;
			return r;
		}
		if (budget)
			return verdict(VAL_BUDGET, VAL_EDE_BOGUS);
		worst = f > worst ? f : worst;
	}
	/*
	 * Only RRSIGs of algorithms we cannot check, under keys already trusted:
	 * bogus, not insecure, or rewriting one octet would strip the protection.
	 * A zone is insecure for want of algorithms only through its DS RRset
	 * (RFC 4035 §5.2, RFC 6840 §5.11: val_verify_dnskeys()).
	 */
	return verdict(VAL_BOGUS, fail_ede(worst));
}

struct val_result val_verify_rrset(const struct val_rrset *set, const struct val_rrset *keys,
				   uint32_t now, struct val_budget *b)
{
	return verify_rrset(set, keys, -1, now, b);
}

/* ---- DNSKEY against DS or anchors (RFC 4035 §5.2) ----------------------- */

static int digest_alg(uint8_t type, enum np_digest_alg *alg, size_t *len)
{
	switch (type) {
	case NP_DS_DIGEST_SHA256:
		*alg = NP_DIGEST_SHA256;
		*len = NP_SHA256_LEN;
		return 1;
	case NP_DS_DIGEST_SHA384:
		*alg = NP_DIGEST_SHA384;
		*len = NP_SHA384_LEN;
		return 1;
	default:
		return 0;               /* SHA-1 (1) and GOST (3): see validator.h */
	}
}

/* Does the DNSKEY rdata k of owner match ds? -1 when the digest failed. */
static int ds_matches(const struct np_ds *ds, const uint8_t *owner, size_t olen,
		      const struct np_dnssec_rdata *k)
{
	enum np_digest_alg alg;
	uint8_t name[NP_DNS_NAME_MAX], out[NP_DIGEST_MAX];
	struct np_digest_part parts[2];
	size_t len;

	if (!digest_alg(ds->digest_type, &alg, &len) || ds->digest_len != len)
		return 0;
	memcpy(name, owner, olen);
	np_dns_name_lower(name, olen);
	parts[0].data = name;
	parts[0].len = olen;
	parts[1].data = k->data;
	parts[1].len = k->len;
	if (np_digest(alg, parts, 2, out) != (int)len)
		return -1;
	return !memcmp(out, ds->digest, len);
}

/* The key index whose rdata equals an anchor key, else -1. */
static int anchored_key(const struct val_rrset *keys, const struct val_rrset *anchors,
			size_t from)
{
	size_t i, j;

	for (i = from; anchors && i < keys->n; i++)
		for (j = 0; j < anchors->n; j++)
			if (keys->rd[i].len == anchors->rd[j].len &&
			    !memcmp(keys->rd[i].data, anchors->rd[j].data, keys->rd[i].len))
				return (int)i;
	return -1;
}

/* Keep the more telling of two failures (a real key problem over "missing"). */
static struct val_result worse(struct val_result a, struct val_result b)
{
	if (a.status == VAL_SECURE)
		return b;
	if (a.ede == VAL_EDE_DNSKEY_MISSING || a.ede == VAL_EDE_NONE)
		return b;
	return a;
}

struct val_result val_verify_dnskeys(const struct val_rrset *keys, const struct val_rrset *ds,
				     const struct val_rrset *anchor_keys, uint32_t now,
				     struct val_budget *b)
{
	struct val_result best = verdict(VAL_SECURE, VAL_EDE_NONE), r;
	int supported_alg = 0, supported_digest = 0, k;
	unsigned misses = 0;
	size_t i, j;

	best.status = VAL_BOGUS;
	best.ede = VAL_EDE_DNSKEY_MISSING;
	if (keys->type != NP_DNS_TYPE_DNSKEY || !keys->n)
		return verdict(VAL_BOGUS, VAL_EDE_DNSKEY_MISSING);
	for (k = anchored_key(keys, anchor_keys, 0); k >= 0;
	     k = anchored_key(keys, anchor_keys, (size_t)k + 1)) {
		r = verify_rrset(keys, keys, k, now, b);
		if (r.status == VAL_SECURE || r.status == VAL_BUDGET)
			return r;
		best = worse(best, r);
	}
	for (i = 0; ds && i < ds->n; i++) {
		struct np_ds d;
		enum np_digest_alg alg;
		size_t dlen;

		if (np_ds_parse(ds->rd[i].data, ds->rd[i].len, &d) ||
		    !np_dnssec_alg_supported(d.algorithm))
			continue;
		supported_alg = 1;
		if (!digest_alg(d.digest_type, &alg, &dlen))
			continue;
		supported_digest = 1;
		for (j = 0; j < keys->n; j++) {
			struct np_dnskey key;
			int m;

			if (np_dnskey_parse(keys->rd[j].data, keys->rd[j].len, &key) ||
			    key.algorithm != d.algorithm ||
			    np_dnssec_key_tag(keys->rd[j].data, keys->rd[j].len) != d.key_tag)
				continue;
			/* KeyTrap: every digest of a colliding tag costs; cap the misses. */
			if ((m = ds_matches(&d, keys->owner, keys->owner_len, &keys->rd[j])) <= 0) {
				if (++misses > b->max_collisions)
					return verdict(VAL_BUDGET, VAL_EDE_BOGUS);
				continue;
			}
			if (!(key.flags & NP_DNSKEY_FLAG_ZONE)) {
				best = worse(best, verdict(VAL_BOGUS, VAL_EDE_NO_ZONE_KEY_BIT));
				continue;
			}
			r = verify_rrset(keys, keys, (int)j, now, b);
			if (r.status == VAL_SECURE || r.status == VAL_BUDGET)
				return r;
			best = worse(best, r);
		}
	}
	if (anchor_keys && anchor_keys->n)
		return best;
	/* RFC 4035 §5.2, RFC 6840 §5.2: no DS we can use: the zone is unsigned to us. */
	if (ds && ds->n && !supported_alg)
		return verdict(VAL_INSECURE, VAL_EDE_UNSUPPORTED_ALG);
	if (ds && ds->n && !supported_digest)
		return verdict(VAL_INSECURE, VAL_EDE_UNSUPPORTED_DIGEST);
	return best;
}

/* ---- Denial of existence: NSEC (RFC 4035 §5.4) --------------------------- */

size_t val_nsec_from_msg(const struct np_dns_msg *msg, enum np_dns_section sec,
			 struct val_nsec *out, uint8_t (*owners)[NP_DNS_NAME_MAX], size_t max)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	size_t n = 0;

	np_dns_iter_init(&it, msg);
	while (n < max && np_dns_iter_next(&it, &rr) == 1) {
		if (rr.section != sec || rr.rclass != NP_DNS_CLASS_IN ||
		    (rr.type != NP_DNS_TYPE_NSEC && rr.type != NP_DNS_TYPE_NSEC3))
			continue;
		memcpy(owners[n], rr.owner, rr.owner_len);
		out[n].owner = owners[n];
		out[n].owner_len = rr.owner_len;
		out[n].type = rr.type;
		out[n].rdata = rr.rdata;
		out[n].rdlength = rr.rdlength;
		n++;
	}
	return n;
}

/* Skip the leftmost labels of name until it has want labels. */
static const uint8_t *name_suffix(const uint8_t *name, size_t len, int want, size_t *outlen)
{
	int n = np_dns_name_labels(name, len);
	size_t i = 0;

	while (n-- > want)
		i += 1 + (size_t)name[i];
	*outlen = len - i;
	return name + i;
}

/* The number of labels two names share from the right. */
static int common_labels(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int na = np_dns_name_labels(a, alen), nb = np_dns_name_labels(b, blen);
	int k = na < nb ? na : nb;

	for (; k > 0; k--) {
		size_t la, lb;
		const uint8_t *sa = name_suffix(a, alen, k, &la), *sb = name_suffix(b, blen, k, &lb);

		if (np_dns_name_equal(sa, la, sb, lb))
			return k;
	}
	return 0;
}

static int nsec_view(const struct val_nsec *rr, struct np_nsec *out)
{
	return rr->type == NP_DNS_TYPE_NSEC && !np_nsec_parse(rr->rdata, rr->rdlength, out);
}

/* RFC 4035 §5.4 / RFC 6840 §4.1: an NSEC from the parent side of a cut, or at a
 * DNAME, says nothing about the names below its owner. */
static int nsec_ancestor_only(const struct np_nsec *ns)
{
	return np_dnssec_bitmap_has(ns->bitmap, ns->bitmap_len, 39) ||
	       (np_dnssec_bitmap_has(ns->bitmap, ns->bitmap_len, NP_DNS_TYPE_NS) &&
		!np_dnssec_bitmap_has(ns->bitmap, ns->bitmap_len, NP_DNS_TYPE_SOA));
}

/* Does the NSEC (owner, next) cover name: owner < name < next, the last one wrapping? */
static int nsec_covers(const struct val_nsec *rr, const struct np_nsec *ns, const uint8_t *name,
		       size_t len, const uint8_t *zone, size_t zlen)
{
	int after_owner = np_dns_name_canonical_cmp(rr->owner, rr->owner_len, name, len) < 0;
	int before_next = np_dns_name_canonical_cmp(name, len, ns->next, ns->next_len) < 0;

	if (!np_dns_name_is_subdomain(name, len, zone, zlen))
		return 0;
	if (nsec_ancestor_only(ns) && np_dns_name_is_subdomain(name, len, rr->owner, rr->owner_len))
		return 0;
	if (np_dns_name_canonical_cmp(rr->owner, rr->owner_len, ns->next, ns->next_len) < 0)
		return after_owner && before_next;
	return after_owner || before_next;  /* the last NSEC: next is the apex */
}

/* An NSEC covering name; *ce_labels its closest encloser's label count. */
static int nsec_find_cover(const uint8_t *zone, size_t zlen, const uint8_t *name, size_t len,
			   const struct val_nsec *rr, size_t n, int *ce_labels)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct np_nsec ns;

		if (nsec_view(&rr[i], &ns) && nsec_covers(&rr[i], &ns, name, len, zone, zlen)) {
			int a = common_labels(name, len, rr[i].owner, rr[i].owner_len);
			int c = common_labels(name, len, ns.next, ns.next_len);

			*ce_labels = a > c ? a : c;
			return 1;
		}
	}
	return 0;
}

/* The NSEC owned by name, if any. */
static int nsec_find_match(const uint8_t *name, size_t len, const struct val_nsec *rr, size_t n,
			   struct np_nsec *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (np_dns_name_equal(rr[i].owner, rr[i].owner_len, name, len) &&
		    nsec_view(&rr[i], out))
			return 1;
	return 0;
}

/* "*." + the rightmost labels of name into out; its length. */
static size_t wildcard_at(const uint8_t *name, size_t len, int labels, uint8_t *out)
{
	size_t slen;
	const uint8_t *s = name_suffix(name, len, labels, &slen);

	if (slen + 2 > NP_DNS_NAME_MAX)
		return 0;
	out[0] = 1;
	out[1] = '*';
	memcpy(out + 2, s, slen);
	return slen + 2;
}

static int nodata_bits(const uint8_t *bm, size_t len, uint16_t qtype)
{
	return !np_dnssec_bitmap_has(bm, len, qtype) &&
	       !np_dnssec_bitmap_has(bm, len, NP_DNS_TYPE_CNAME);
}

/* ---- NSEC3 (RFC 5155 §8) ------------------------------------------------- */

struct nsec3_ctx {
	const uint8_t *zone;
	size_t zlen;
	const struct val_nsec *rr;
	size_t n;
	struct val_budget *b;
	struct np_nsec3 param;          /* of the first usable record (RFC 5155 §8.2) */
	int have_param, budget;
};

/* Usable NSEC3: hash SHA-1, only the opt-out flag, directly below the zone. */
static int nsec3_view(const struct nsec3_ctx *c, const struct val_nsec *rr, struct np_nsec3 *out,
		      uint8_t *hash, size_t *hlen)
{
	int n;

	if (rr->type != NP_DNS_TYPE_NSEC3 || np_nsec3_parse(rr->rdata, rr->rdlength, out) ||
	    out->hash_alg != NP_NSEC3_HASH_SHA1 || (out->flags & ~NP_NSEC3_FLAG_OPTOUT) ||
	    rr->owner_len < 2 || rr->owner[0] == 0 ||
	    !np_dns_name_equal(rr->owner + 1 + rr->owner[0], rr->owner_len - 1 - rr->owner[0],
			       c->zone, c->zlen))
		return 0;
	n = np_base32hex_decode((const char *)rr->owner + 1, rr->owner[0], hash, NP_NSEC3_HASH_MAX);
	if (n <= 0 || n != out->hash_len)
		return 0;
	*hlen = (size_t)n;
	return !c->have_param || (out->iterations == c->param.iterations &&
				  out->salt_len == c->param.salt_len &&
				  !memcmp(out->salt, c->param.salt, out->salt_len));
}

/* The NSEC3 hash of name (RFC 5155 §5) into out (20 octets); 0 or -1 (budget/failure). */
static int nsec3_hash(struct nsec3_ctx *c, const uint8_t *name, size_t len, uint8_t *out)
{
	uint8_t in[NP_DNS_NAME_MAX + 255];
	struct np_digest_part parts[2];
	int inlen;
	unsigned i;

	if (c->b->hashes >= c->b->max_hashes) {
		c->budget = 1;
		return -1;
	}
	c->b->hashes++;
	inlen = np_nsec3_hash_input(name, len, c->param.salt, c->param.salt_len, in, sizeof(in));
	if (inlen < 0)
		return -1;
	parts[0].data = in;
	parts[0].len = (size_t)inlen;
	if (np_digest(NP_DIGEST_SHA1, parts, 1, out) != NP_SHA1_LEN)
		return -1;
	for (i = 0; i < c->param.iterations; i++) {
		parts[0].data = out;
		parts[0].len = NP_SHA1_LEN;
		parts[1].data = c->param.salt;
		parts[1].len = c->param.salt_len;
		if (np_digest(NP_DIGEST_SHA1, parts, 2, out) != NP_SHA1_LEN)
			return -1;
	}
	return 0;
}

/* Pick the parameters from the first usable record; 0 when there is none. */
static int nsec3_init(struct nsec3_ctx *c, const uint8_t *zone, size_t zlen,
		      const struct val_nsec *rr, size_t n, struct val_budget *b)
{
	uint8_t hash[NP_NSEC3_HASH_MAX];
	size_t i, hlen;

	memset(c, 0, sizeof(*c));
	c->zone = zone;
	c->zlen = zlen;
	c->rr = rr;
	c->n = n;
	c->b = b;
	for (i = 0; i < n; i++)
		if (nsec3_view(c, &rr[i], &c->param, hash, &hlen)) {
			c->have_param = 1;
			return 1;
		}
	return 0;
}

/* 1 matching, 2 covering (opt-out in *optout), 0 neither: for the hash h. */
static int nsec3_relation(const struct nsec3_ctx *c, const uint8_t *h, struct np_nsec3 *match,
			  int *optout)
{
	uint8_t own[NP_NSEC3_HASH_MAX];
	struct np_nsec3 v;
	size_t i, hlen;

	for (i = 0; i < c->n; i++) {
		int lo, hi;

		if (!nsec3_view(c, &c->rr[i], &v, own, &hlen) || hlen != NP_SHA1_LEN)
			continue;
		if (!memcmp(own, h, hlen)) {
			*match = v;
			return 1;
		}
		lo = memcmp(own, h, hlen) < 0;
		hi = memcmp(h, v.next_hash, hlen) < 0;
		/* RFC 5155 §8.3: covers; the last record wraps around to the first. */
		if (memcmp(own, v.next_hash, hlen) < 0 ? (lo && hi) : (lo || hi)) {
			*optout = v.flags & NP_NSEC3_FLAG_OPTOUT;
			return 2;
		}
	}
	return 0;
}

/* Find the NSEC3 matching (1) or covering (2) name; -1 on budget/hash failure. */
static int nsec3_find(struct nsec3_ctx *c, const uint8_t *name, size_t len,
		      struct np_nsec3 *match, int *optout)
{
	uint8_t h[NP_SHA1_LEN];

	if (nsec3_hash(c, name, len, h))
		return -1;
	return nsec3_relation(c, h, match, optout);
}

/*
 * The closest encloser proof (RFC 5155 §8.3): the longest ancestor of name
 * with a matching NSEC3, and the next closer name covered.  Returns the
 * encloser's label count, or -1 (no proof), -2 (budget).
 */
static int nsec3_closest_encloser(struct nsec3_ctx *c, const uint8_t *name, size_t len,
				  int *nc_optout)
{
	int labels = np_dns_name_labels(name, len), zl = np_dns_name_labels(c->zone, c->zlen);
	int k, rel, optout = 0;
	struct np_nsec3 m;

	for (k = labels - 1; k >= zl; k--) {
		size_t alen, nlen;
		const uint8_t *anc = name_suffix(name, len, k, &alen);
		const uint8_t *nc = name_suffix(name, len, k + 1, &nlen);

		rel = nsec3_find(c, anc, alen, &m, &optout);
		if (rel < 0)
			return c->budget ? -2 : -1;
		if (rel != 1)
			continue;
		/* RFC 6840 §4.1: a delegation or DNAME cannot be the closest encloser. */
		if (np_dnssec_bitmap_has(m.bitmap, m.bitmap_len, 39) ||
		    (np_dnssec_bitmap_has(m.bitmap, m.bitmap_len, NP_DNS_TYPE_NS) &&
		     !np_dnssec_bitmap_has(m.bitmap, m.bitmap_len, NP_DNS_TYPE_SOA)))
			return -1;
		rel = nsec3_find(c, nc, nlen, &m, &optout);
		if (rel < 0)
			return c->budget ? -2 : -1;
		if (rel != 2)
			return -1;
		*nc_optout = optout;
		return k;
	}
	return -1;
}

/* Common preamble: parameters, the iteration limit. 1 to go on, else *r is the verdict. */
static int nsec3_start(struct nsec3_ctx *c, const uint8_t *zone, size_t zlen,
		       const struct val_nsec *rr, size_t n, struct val_budget *b,
		       struct val_result *r)
{
	if (!nsec3_init(c, zone, zlen, rr, n, b)) {
		*r = verdict(VAL_BOGUS, VAL_EDE_NSEC_MISSING);
		return 0;
	}
	/* RFC 9276 §3.2, §3.3: too many iterations: insecure, EDE 27, no hashing. */
	if (c->param.iterations > VAL_NSEC3_MAX_ITERATIONS) {
		*r = verdict(VAL_INSECURE, VAL_EDE_NSEC3_ITERATIONS);
		return 0;
	}
	return 1;
}

static int has_nsec3(const struct val_nsec *rr, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rr[i].type == NP_DNS_TYPE_NSEC3)
			return 1;
	return 0;
}

static struct val_result nsec3_fail(const struct nsec3_ctx *c)
{
	return c->budget ? verdict(VAL_BUDGET, VAL_EDE_BOGUS) :
			   verdict(VAL_BOGUS, VAL_EDE_NSEC_MISSING);
}

/* ---- The proofs ------------------------------------------------------------ */

struct val_result val_prove_nxdomain(const uint8_t *zone, size_t zlen, const uint8_t *qname,
				     size_t qlen, const struct val_nsec *rr, size_t n,
				     struct val_budget *b)
{
	uint8_t wild[NP_DNS_NAME_MAX];
	size_t wlen;
	int ce, ce2, optout = 0, wopt = 0, rel;
	struct np_nsec3 m;
	struct nsec3_ctx c;
	struct val_result r;

	if (!np_dns_name_is_subdomain(qname, qlen, zone, zlen))
		return verdict(VAL_BOGUS, VAL_EDE_NSEC_MISSING);
	if (!has_nsec3(rr, n)) {
		/* RFC 4035 §5.4: qname covered, and the wildcard at its closest encloser. */
		if (!nsec_find_cover(zone, zlen, qname, qlen, rr, n, &ce) ||
		    !(wlen = wildcard_at(qname, qlen, ce, wild)) ||
		    !nsec_find_cover(zone, zlen, wild, wlen, rr, n, &ce2))
			return verdict(VAL_BOGUS, VAL_EDE_NSEC_MISSING);
		return verdict(VAL_SECURE, VAL_EDE_NONE);
	}
	if (!nsec3_start(&c, zone, zlen, rr, n, b, &r))
		return r;
	/* RFC 5155 §8.4: closest encloser proof, and its wildcard covered. */
	if ((ce = nsec3_closest_encloser(&c, qname, qlen, &optout)) < 0 ||
	    !(wlen = wildcard_at(qname, qlen, ce, wild)) ||
	    (rel = nsec3_find(&c, wild, wlen, &m, &wopt)) != 2)
		return nsec3_fail(&c);
	/* An opt-out span may hide an unsigned delegation at qname (Unbound does the same). */
	if (optout)
		return verdict(VAL_INSECURE, VAL_EDE_NONE);
	return verdict(VAL_SECURE, VAL_EDE_NONE);
}

struct val_result val_prove_nodata(const uint8_t *zone, size_t zlen, const uint8_t *qname,
				   size_t qlen, uint16_t qtype, const struct val_nsec *rr,
				   size_t n, struct val_budget *b)
{
	uint8_t wild[NP_DNS_NAME_MAX];
	size_t wlen;
	int ce, optout = 0, rel;
	struct np_nsec ns;
	struct np_nsec3 m;
	struct nsec3_ctx c;
	struct val_result r;

	if (!np_dns_name_is_subdomain(qname, qlen, zone, zlen))
		return verdict(VAL_BOGUS, VAL_EDE_NSEC_MISSING);
	if (!has_nsec3(rr, n)) {
		/* RFC 4035 §5.4: qname's NSEC lacks qtype and CNAME ... */
		if (nsec_find_match(qname, qlen, rr, n, &ns)) {
			/* ... from the child's side, except for DS (RFC 4035 §5.4, RFC 6840 §4.4). */
			if (nodata_bits(ns.bitmap, ns.bitmap_len, qtype) &&
			    (qtype == NP_DNS_TYPE_DS ||
			     !np_dnssec_bitmap_has(ns.bitmap, ns.bitmap_len, NP_DNS_TYPE_NS) ||
			     np_dnssec_bitmap_has(ns.bitmap, ns.bitmap_len, NP_DNS_TYPE_SOA)))
				return verdict(VAL_SECURE, VAL_EDE_NONE);
			return verdict(VAL_BOGUS, VAL_EDE_NSEC_MISSING);
		}
		/* ... or qname is covered and the wildcard at its closest encloser lacks it. */
		if (nsec_find_cover(zone, zlen, qname, qlen, rr, n, &ce) &&
		    (wlen = wildcard_at(qname, qlen, ce, wild)) &&
		    nsec_find_match(wild, wlen, rr, n, &ns) &&
		    nodata_bits(ns.bitmap, ns.bitmap_len, qtype))
			return verdict(VAL_SECURE, VAL_EDE_NONE);
		return verdict(VAL_BOGUS, VAL_EDE_NSEC_MISSING);
	}
	if (!nsec3_start(&c, zone, zlen, rr, n, b, &r))
		return r;
	/* RFC 5155 §8.5 (and §8.6 for DS): a matching NSEC3 without the type. */
	rel = nsec3_find(&c, qname, qlen, &m, &optout);
	if (rel < 0)
		return nsec3_fail(&c);
	if (rel == 1)
		return nodata_bits(m.bitmap, m.bitmap_len, qtype) ?
		       verdict(VAL_SECURE, VAL_EDE_NONE) : verdict(VAL_BOGUS, VAL_EDE_NSEC_MISSING);
	if ((ce = nsec3_closest_encloser(&c, qname, qlen, &optout)) < 0)
		return nsec3_fail(&c);
	/* RFC 5155 §8.6: DS in an opt-out span: insecure. */
	if (qtype == NP_DNS_TYPE_DS && optout)
		return verdict(VAL_INSECURE, VAL_EDE_NONE);
	/* RFC 5155 §8.7: the wildcard at the closest encloser lacks the type. */
	if ((wlen = wildcard_at(qname, qlen, ce, wild)) &&
	    nsec3_find(&c, wild, wlen, &m, &optout) == 1 && nodata_bits(m.bitmap, m.bitmap_len, qtype))
		return verdict(VAL_SECURE, VAL_EDE_NONE);
	return nsec3_fail(&c);
}

struct val_result val_prove_wildcard(const uint8_t *zone, size_t zlen, const uint8_t *qname,
				     size_t qlen, int labels, const struct val_nsec *rr,
				     size_t n, struct val_budget *b)
{
	int qlabels = np_dns_name_labels(qname, qlen), ce, optout = 0, rel;
	struct np_nsec3 m;
	struct nsec3_ctx c;
	struct val_result r;
	const uint8_t *nc;
	size_t nlen;

	if (labels < 0 || labels >= qlabels || !np_dns_name_is_subdomain(qname, qlen, zone, zlen))
		return verdict(VAL_BOGUS, VAL_EDE_NSEC_MISSING);
	if (!has_nsec3(rr, n)) {
		/* RFC 4035 §5.3.4: qname does not exist, and the wildcard's parent is its
		 * closest encloser (no name between them exists either). */
		if (nsec_find_cover(zone, zlen, qname, qlen, rr, n, &ce) && ce == labels)
			return verdict(VAL_SECURE, VAL_EDE_NONE);
		return verdict(VAL_BOGUS, VAL_EDE_NSEC_MISSING);
	}
	if (!nsec3_start(&c, zone, zlen, rr, n, b, &r))
		return r;
	/* RFC 5155 §8.8: the next closer name (one label below the encloser) is covered. */
	nc = name_suffix(qname, qlen, labels + 1, &nlen);
	rel = nsec3_find(&c, nc, nlen, &m, &optout);
	if (rel == 2)
		return verdict(VAL_SECURE, VAL_EDE_NONE);
	return nsec3_fail(&c);
}

struct val_result val_prove_no_ds(const uint8_t *zone, size_t zlen, const uint8_t *name,
				  size_t len, const struct val_nsec *rr, size_t n,
				  struct val_budget *b)
{
	int optout = 0, rel;
	struct np_nsec ns;
	struct np_nsec3 m;
	struct nsec3_ctx c;
	struct val_result r;

	if (!np_dns_name_is_subdomain(name, len, zone, zlen) ||
	    np_dns_name_equal(name, len, zone, zlen))
		return verdict(VAL_BOGUS, VAL_EDE_NSEC_MISSING);
	if (!has_nsec3(rr, n)) {
		/* RFC 4035 §5.2: the parent's NSEC at the cut: NS, no DS, no SOA. */
		if (nsec_find_match(name, len, rr, n, &ns) &&
		    np_dnssec_bitmap_has(ns.bitmap, ns.bitmap_len, NP_DNS_TYPE_NS) &&
		    !np_dnssec_bitmap_has(ns.bitmap, ns.bitmap_len, NP_DNS_TYPE_DS) &&
		    !np_dnssec_bitmap_has(ns.bitmap, ns.bitmap_len, NP_DNS_TYPE_SOA))
			return verdict(VAL_INSECURE, VAL_EDE_NONE);
		return verdict(VAL_BOGUS, VAL_EDE_NSEC_MISSING);
	}
	if (!nsec3_start(&c, zone, zlen, rr, n, b, &r))
		return r;
	rel = nsec3_find(&c, name, len, &m, &optout);
	if (rel < 0)
		return nsec3_fail(&c);
	/* RFC 5155 §8.6: matching NSEC3 with NS, without DS and SOA ... */
	if (rel == 1)
		return np_dnssec_bitmap_has(m.bitmap, m.bitmap_len, NP_DNS_TYPE_NS) &&
		       !np_dnssec_bitmap_has(m.bitmap, m.bitmap_len, NP_DNS_TYPE_DS) &&
		       !np_dnssec_bitmap_has(m.bitmap, m.bitmap_len, NP_DNS_TYPE_SOA) ?
		       verdict(VAL_INSECURE, VAL_EDE_NONE) : verdict(VAL_BOGUS, VAL_EDE_NSEC_MISSING);
	/* ... or a closest encloser proof whose next closer name is in an opt-out span. */
	if (nsec3_closest_encloser(&c, name, len, &optout) >= 0 && optout)
		return verdict(VAL_INSECURE, VAL_EDE_NONE);
	return nsec3_fail(&c);
}

/* ---- Trust anchors --------------------------------------------------------- */

int val_anchor_add_line(struct val_rrset *ds, struct val_rrset *keys, const char *line,
			char *err, size_t errlen)
{
	struct dns_rr_text rr;
	struct val_rrset *set;
	const char *p = line;
	int rc;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == ';' || *p == '#' || *p == '\n' || *p == '\r')
		return NP_ENOTFOUND;
	if ((rc = dns_rr_text_parse(line, 0, DNS_RR_TEXT_DNSSEC, &rr, err, errlen)))
		return rc;
	if (rr.type != NP_DNS_TYPE_DS && rr.type != NP_DNS_TYPE_DNSKEY) {
		if (errlen)
			snprintf(err, errlen, "a trust anchor is a DS or DNSKEY record");
		return NP_EINVAL;
	}
	set = rr.type == NP_DNS_TYPE_DS ? ds : keys;
	if (!np_dns_name_equal(rr.owner, rr.owner_len, set->owner, set->owner_len))
		return NP_ENOTFOUND;
	if ((rc = val_rrset_add(set, rr.rdata, rr.rdlength, 0, (uint16_t)rr.rdlength, rr.ttl)) &&
	    errlen)
		snprintf(err, errlen, "cannot keep the anchor: %s", np_strerror(rc));
	return rc;
}
