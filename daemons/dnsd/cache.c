/*
 * cache.c: np-dnsd's RRset cache (see cache.h for the contract).
 *
 * One heap block per entry: a fixed header, the owner in lowercased wire
 * form, then the records as (rdlength, canonical rdata) pairs; a negative
 * entry holds instead the SOA that proved it (owner length, owner, rdlength,
 * rdata).  DNSSEC data travels in the same block, so it lives and dies with
 * what it signs or proves, and counts in the cache's bytes: after the
 * RRset, the RRSIGs covering it (rdlength, rdata), from sig_off; after
 * those, from auth_off, the authority records that prove the entry (owner
 * length, owner, type, rdlength, rdata): for a negative entry the SOA's
 * RRSIGs and the NSEC/NSEC3 records with their RRSIGs (RFC 4035 §3.1.3),
 * for a wildcard expansion the NSEC/NSEC3 proving no closer match (RFC 4035
 * §3.1.3.3).  A later validator finds everything it needs for an entry in
 * the entry.  Entries of one owner share a hash chain (the hash covers the
 * owner only), so flushing a name and an NXDOMAIN replacing every type of
 * its name touch one chain.  The recency list gives LRU eviction.  The
 * table (hashmap.h) has a power-of-two size of at least max_rrsets buckets
 * (load factor <= 1), and the hash is SipHash-2-4 under the process's random
 * key, so chains stay short whatever names clients choose.
 */
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/buf.h>
#include <netproto/error.h>

#include "cache.h"

/* An entry used this many times is popular enough to be prefetched. */
#define PREFETCH_HITS 2
/* Largest hash table, in buckets: beyond it chains grow instead. */
#define TABLE_MAX_BUCKETS ((size_t)1 << 24)
#define TYPED_RDATA_MAX NP_DNS_RDATA_TYPED_MAX

#define ENTRY_OF(n) NP_HMAP_ENTRY(n, struct entry, hnode)
#define ENTRY_OF_LRU(n) NP_HMAP_ENTRY(n, struct entry, lru)

struct entry {
	struct np_hmap_node hnode;      /* by owner: hash of the lowercased owner */
	struct np_lru_node lru;         /* recency list */
	uint64_t expire_ms;
	uint32_t ttl;                   /* the TTL stored, seconds (after clamps) */
	uint32_t data_len;
	uint32_t sig_off;               /* RRSIGs covering the RRset start here */
	uint32_t auth_off;              /* proof records start here (to data_len) */
	uint16_t nsig, nauth;
	uint16_t type;                  /* RRset type; qtype of NODATA; 0 for NXDOMAIN */
	uint16_t nrec;
	uint16_t hits;                  /* saturating */
	uint8_t neg;                    /* 0, DNS_CACHE_NEG_NXDOMAIN or DNS_CACHE_NEG_NODATA */
	uint8_t owner_len;              /* a wire name is at most 255 octets */
	uint8_t prefetched;             /* prefetch already asked for this entry */
	uint8_t data[];
};

struct dns_cache {
	struct np_hmap map;             /* entries by owner */
	struct np_lru lru;
	size_t max;
	struct dns_cache_limits lim;
	struct dns_cache_stats st;
	/* The zone of the response dns_cache_store() is storing (bailiwick of proofs). */
	const uint8_t *store_zone;
	size_t store_zlen;
};

/* ---- Memory accounting ------------------------------------------------ */

/* What a block really costs: glibc keeps a size word in front of each. */
static size_t block_bytes(void *p)
{
	return p ? malloc_usable_size(p) + sizeof(size_t) : 0;
}

/* ---- Hashing ---------------------------------------------------------- */

/* The key ignores case (RFC 4343). */
static uint32_t name_hash(const struct dns_cache *c, const uint8_t *name, size_t len)
{
	return np_hmap_hash_nocase(&c->map, name, len);
}

/* ---- Entries ---------------------------------------------------------- */

static const uint8_t *entry_owner(const struct entry *e)
{
	return e->data;
}

static int entry_is(const struct entry *e, uint32_t h, const uint8_t *name, size_t len)
{
	return e->hnode.hash == h && e->owner_len == len &&
	       np_dns_name_equal(e->data, len, name, len);
}

/* Take e out of the table and the recency list, and free it. */
static void entry_drop(struct dns_cache *c, struct entry *e)
{
	np_hmap_remove(&c->map, &e->hnode);
	np_lru_unlink(&c->lru, &e->lru);
	c->st.entries--;
	c->st.bytes -= block_bytes(e);
	free(e);
}

static void entry_insert(struct dns_cache *c, struct entry *e)
{
	np_hmap_insert(&c->map, &e->hnode, e->hnode.hash);
	np_lru_push(&c->lru, &e->lru);
	c->st.entries++;
	c->st.bytes += block_bytes(e);
	c->st.inserts++;
}

static void evict_to(struct dns_cache *c, size_t max)
{
	while (c->st.entries > max && c->lru.oldest) {
		entry_drop(c, ENTRY_OF_LRU(c->lru.oldest));
		c->st.evictions++;
	}
}

/*
 * Make room for e's key: an entry of the same (owner, type) is replaced; a
 * positive RRset or NODATA proves the name exists, so an NXDOMAIN entry for
 * it goes; an NXDOMAIN removes everything cached for the name (RFC 2308 §5).
 */
static void entry_replace_key(struct dns_cache *c, const struct entry *e)
{
	struct np_hmap_node *n, *next;

	for (n = np_hmap_first(&c->map, e->hnode.hash); n; n = next) {
		struct entry *o = ENTRY_OF(n);

		next = np_hmap_next(n);
		if (entry_is(o, e->hnode.hash, entry_owner(e), e->owner_len) &&
		    (e->neg == DNS_CACHE_NEG_NXDOMAIN || o->neg == DNS_CACHE_NEG_NXDOMAIN ||
		     o->type == e->type))
			entry_drop(c, o);
	}
}

static void entry_add(struct dns_cache *c, struct entry *e)
{
	entry_replace_key(c, e);
	entry_insert(c, e);
	evict_to(c, c->max);
}

/* Past serve-stale too: the entry can never be used again. */
static int entry_dead(const struct dns_cache *c, const struct entry *e, uint64_t now)
{
	uint64_t grace = c->lim.serve_stale ? (uint64_t)c->lim.max_stale * 1000 : 0;

	return now >= e->expire_ms && now - e->expire_ms >= grace;
}

/* Usable now: fresh, or stale within max_stale when the caller allows it. */
static int entry_usable(const struct dns_cache *c, const struct entry *e, uint64_t now,
			unsigned flags)
{
	if (now < e->expire_ms)
		return 1;
	return (flags & DNS_CACHE_F_STALE) && c->lim.serve_stale && !entry_dead(c, e, now);
}

/*
 * The entry for (name, type) whose hash is h, neg: match positive (0) or
 * negative (1) entries, or either (-1).  Dead entries met on the way are
 * removed.
 */
static struct entry *entry_find(struct dns_cache *c, uint32_t h, const uint8_t *name,
				size_t len, uint16_t type, uint64_t now)
{
	struct np_hmap_node *n, *next;

	for (n = np_hmap_first(&c->map, h); n; n = next) {
		struct entry *e = ENTRY_OF(n);

		next = np_hmap_next(n);
		if (entry_is(e, h, name, len) && entry_dead(c, e, now)) {
			entry_drop(c, e);
			c->st.expired++;
			continue;
		}
		if (entry_is(e, h, name, len) && e->type == type)
			return e;
	}
	return NULL;
}

/* ---- Limits ----------------------------------------------------------- */

static void limits_set(struct dns_cache *c, const struct dns_cache_limits *lim)
{
	static const struct dns_cache_limits defaults = {
		.min_ttl = 0, .max_ttl = 86400, .max_negative_ttl = 3600,
		.serve_stale = 0, .stale_answer_ttl = 30, .max_stale = 86400,
	};

	c->lim = lim ? *lim : defaults;
}

static uint32_t ttl_clamp(const struct dns_cache *c, uint32_t ttl)
{
	if (ttl > c->lim.max_ttl)
		ttl = c->lim.max_ttl;
	if (ttl < c->lim.min_ttl)
		ttl = c->lim.min_ttl;
	return ttl;
}

static size_t table_buckets(size_t max)
{
	size_t n = 16;

	while (n < max && n < TABLE_MAX_BUCKETS)
		n <<= 1;
	return n;
}

/* Move every entry to a table of n buckets (a power of two). */
static int table_resize(struct dns_cache *c, size_t n)
{
	size_t old = block_bytes(c->map.tab);

	if (np_hmap_resize(&c->map, n))
		return NP_ENOSPC;
	c->st.bytes += block_bytes(c->map.tab) - old;
	return 0;
}

const struct np_hmap_key *dns_cache_key(const struct dns_cache *c)
{
	return &c->map.key;
}

struct dns_cache *dns_cache_new(size_t max_rrsets, const struct dns_cache_limits *lim,
			       const struct np_hmap_key *key)
{
	struct dns_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	limits_set(c, lim);
	c->max = max_rrsets ? max_rrsets : 1;
	if (np_hmap_init(&c->map, table_buckets(c->max), key)) {
		free(c);
		return NULL;
	}
	c->st.bytes = block_bytes(c) + block_bytes(c->map.tab);
	return c;
}

void dns_cache_free(struct dns_cache *c)
{
	if (!c)
		return;
	dns_cache_flush(c, NULL, 0);
	np_hmap_fini(&c->map);
	free(c);
}

int dns_cache_configure(struct dns_cache *c, size_t max_rrsets, const struct dns_cache_limits *lim)
{
	size_t max = max_rrsets ? max_rrsets : 1;
	size_t n = table_buckets(max);
	int err;

	if (n != np_hmap_buckets(&c->map)) {
		/* Shrink after evicting, so the rehash moves fewer entries. */
		if (n < np_hmap_buckets(&c->map))
			evict_to(c, max);
		if ((err = table_resize(c, n)))
			return err;
	}
	limits_set(c, lim);
	c->max = max;
	evict_to(c, max);
	return 0;
}

/* ---- Storing ---------------------------------------------------------- */

/* Canonical rdata: names uncompressed (RFC 3597 §4 keeps unknown types as octets). */
static int rdata_canonical(const struct np_dns_msg *msg, const struct np_dns_rr *rr,
			   uint8_t *buf, const uint8_t **out)
{
	return np_dns_rr_rdata_uncompressed(msg, rr, buf, TYPED_RDATA_MAX, out);
}

/* Is rr an answer-section IN record of (owner, type)? */
static int rr_matches(const struct np_dns_rr *rr, const uint8_t *owner, size_t len,
		      uint16_t type)
{
	return rr->section == NP_DNS_SEC_ANSWER && rr->rclass == NP_DNS_CLASS_IN &&
	       rr->type == type && np_dns_name_equal(rr->owner, rr->owner_len, owner, len);
}

/* Is (rdata, len) already among the n records written to data[start, end)? */
static int rrset_has(const uint8_t *data, size_t start, size_t end, const uint8_t *rd,
		     size_t len)
{
	struct np_reader r;

	np_reader_init(&r, data, end);
	np_reader_seek(&r, start);
	while (np_reader_left(&r) >= 2) {
		size_t n = np_read_be16(&r);
		const uint8_t *p = np_read_bytes(&r, n);

		if (p && n == len && !memcmp(p, rd, len))
			return 1;
	}
	return 0;
}

static struct entry *entry_alloc(const struct dns_cache *c, const uint8_t *owner, size_t len,
				 size_t body)
{
	struct entry *e;

	if (len + body > UINT32_MAX)
		return NULL;
	e = calloc(1, offsetof(struct entry, data) + len + body);
	if (!e)
		return NULL;
	memcpy(e->data, owner, len);
	np_dns_name_lower(e->data, len);
	e->owner_len = (uint8_t)len;
	e->hnode.hash = name_hash(c, owner, len);
	e->data_len = (uint32_t)len;
	return e;
}

/*
 * The RRset (owner, type) of the answer section: the space its canonical
 * records need, their number and the smallest TTL (RFC 2181 §5.2 wants one
 * TTL per RRset; the smallest is the safe one).
 */
static int rrset_measure(const struct np_dns_msg *msg, const uint8_t *owner, size_t len,
			 uint16_t type, size_t *body, uint32_t *ttl)
{
	uint8_t buf[TYPED_RDATA_MAX];
	struct np_dns_iter it;
	struct np_dns_rr rr;
	const uint8_t *rd;
	int rc, n = 0, rl;

	*body = 0;
	*ttl = UINT32_MAX;
	np_dns_iter_init(&it, msg);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0 && rr.section <= NP_DNS_SEC_ANSWER) {
		if (!rr_matches(&rr, owner, len, type))
			continue;
		if ((rl = rdata_canonical(msg, &rr, buf, &rd)) < 0)
			return rl;
		*body += 2 + (size_t)rl;
		if (rr.ttl < *ttl)
			*ttl = rr.ttl;
		n++;
	}
	return rc < 0 ? rc : n;
}

/* Fill e (allocated by rrset_measure's numbers) with the RRset's records, once each. */
static int rrset_fill(const struct np_dns_msg *msg, struct entry *e, const uint8_t *owner,
		      size_t len, uint16_t type, size_t cap)
{
	uint8_t buf[TYPED_RDATA_MAX];
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_writer w;
	const uint8_t *rd;
	int rc, rl;

	np_writer_init(&w, e->data, cap);
	w.pos = e->owner_len;           /* after the owner entry_alloc() wrote */
	np_dns_iter_init(&it, msg);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0 && rr.section <= NP_DNS_SEC_ANSWER) {
		if (!rr_matches(&rr, owner, len, type))
			continue;
		if ((rl = rdata_canonical(msg, &rr, buf, &rd)) < 0)
			return rl;
		/* RFC 2181 §5: duplicate records of an RRset are dropped; §10.1: one CNAME. */
		if (rrset_has(e->data, e->owner_len, w.pos, rd, (size_t)rl) ||
		    (type == NP_DNS_TYPE_CNAME && e->nrec))
			continue;
		np_write_be16(&w, (uint16_t)rl);
		np_write_bytes(&w, rd, (size_t)rl);
		e->nrec++;
	}
	e->data_len = (uint32_t)w.pos;
	return rc < 0 ? rc : np_writer_error(&w);
}

/* ---- DNSSEC records kept with their entries ---------------------------- */

/*
 * What an entry carries besides its data: the RRSIGs over its RRset and the
 * authority records proving it, which must lie at or below apex (alen 0:
 * none kept).  ttl is the smallest TTL among them (UINT32_MAX for none).
 */
struct extra {
	size_t sig_body, auth_body;
	uint32_t ttl;
	uint8_t apex[NP_DNS_NAME_MAX];
	size_t alen;
};

/* Is rr an answer-section RRSIG over the RRset (owner, type)?  Fills *sig. */
static int rr_signs(const struct np_dns_rr *rr, const uint8_t *owner, size_t len,
		    uint16_t type, struct np_dns_rrsig *sig)
{
	return rr->section == NP_DNS_SEC_ANSWER && rr->type == NP_DNS_TYPE_RRSIG &&
	       rr->rclass == NP_DNS_CLASS_IN && type != NP_DNS_TYPE_RRSIG &&
	       np_dns_name_equal(rr->owner, rr->owner_len, owner, len) &&
	       np_dns_rrsig_parse(rr->rdata, rr->rdlength, sig) == 0 &&
	       sig->type_covered == type;
}

/*
 * Is rr an authority record that proves something about names at or below
 * apex: an NSEC or NSEC3, or the RRSIG of one or of the SOA (RFC 4035
 * §3.1.3, RFC 5155 §7.2)?  Records of other zones are not the upstream's
 * to tell.
 */
static int rr_proves(const struct np_dns_rr *rr, const uint8_t *apex, size_t alen)
{
	struct np_dns_rrsig sig;
	uint16_t t = rr->type;

	if (rr->section != NP_DNS_SEC_AUTHORITY || rr->rclass != NP_DNS_CLASS_IN || !alen ||
	    !np_dns_name_is_subdomain(rr->owner, rr->owner_len, apex, alen))
		return 0;
	if (t == NP_DNS_TYPE_RRSIG) {
		if (np_dns_rrsig_parse(rr->rdata, rr->rdlength, &sig))
			return 0;
		t = sig.type_covered;
		if (t == NP_DNS_TYPE_SOA)
			return 1;
	}
	return t == NP_DNS_TYPE_NSEC || t == NP_DNS_TYPE_NSEC3;
}

static void ttl_min(uint32_t *ttl, uint32_t v)
{
	if (v < *ttl)
		*ttl = v;
}

/* The proof records at or below x->apex: their space and TTLs added to x. */
static int proofs_measure(const struct np_dns_msg *msg, struct extra *x)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	int rc;

	np_dns_iter_init(&it, msg);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0 && rr.section <= NP_DNS_SEC_AUTHORITY) {
		if (!rr_proves(&rr, x->apex, x->alen))
			continue;
		x->auth_body += 1 + rr.owner_len + 4 + (size_t)rr.rdlength;
		ttl_min(&x->ttl, rr.ttl);
	}
	return rc < 0 ? rc : 0;
}

/*
 * The RRSIGs over (owner, type) and, when one of them shows a wildcard
 * expansion (fewer labels than the owner, RFC 4035 §5.3.4), the proof that
 * no closer name exists, from the signer's zone when that zone lies within
 * the one the upstream was asked about.  A signature's TTL and original TTL
 * bound the RRset's (RFC 4034 §3, RFC 4035 §5.3.3).
 */
static int extra_measure_rrset(const struct dns_cache *c, const struct np_dns_msg *msg,
			       const uint8_t *owner, size_t len, uint16_t type,
			       struct extra *x)
{
	int labels = np_dns_name_labels(owner, len);
	struct np_dns_rrsig sig;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	int rc;

	memset(x, 0, sizeof(*x));
	x->ttl = UINT32_MAX;
	np_dns_iter_init(&it, msg);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0 && rr.section <= NP_DNS_SEC_ANSWER) {
		if (!rr_signs(&rr, owner, len, type, &sig))
			continue;
		x->sig_body += 2 + (size_t)rr.rdlength;
		ttl_min(&x->ttl, rr.ttl);
		ttl_min(&x->ttl, sig.original_ttl);
		if (sig.labels < labels && !x->alen && c->store_zone &&
		    np_dns_name_is_subdomain(owner, len, sig.signer, sig.signer_len) &&
		    np_dns_name_is_subdomain(sig.signer, sig.signer_len, c->store_zone,
					     c->store_zlen)) {
			memcpy(x->apex, sig.signer, sig.signer_len);
			x->alen = sig.signer_len;
		}
	}
	if (rc < 0)
		return rc;
	return proofs_measure(msg, x);
}

/* Append the RRSIGs over (owner, type) to e, once each; e->data_len moves on. */
static int sigs_fill(const struct np_dns_msg *msg, struct entry *e, const uint8_t *owner,
		     size_t len, uint16_t type, size_t cap)
{
	struct np_dns_rrsig sig;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_writer w;
	int rc;

	np_writer_init(&w, e->data, cap);
	w.pos = e->data_len;
	e->sig_off = e->data_len;
	np_dns_iter_init(&it, msg);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0 && rr.section <= NP_DNS_SEC_ANSWER) {
		if (!rr_signs(&rr, owner, len, type, &sig) ||
		    rrset_has(e->data, e->sig_off, w.pos, rr.rdata, rr.rdlength))
			continue;
		np_write_be16(&w, rr.rdlength);
		np_write_bytes(&w, rr.rdata, rr.rdlength);
		e->nsig++;
	}
	e->data_len = (uint32_t)w.pos;
	return rc < 0 ? rc : np_writer_error(&w);
}

/* Append the proof records at or below x->apex to e (owner, type, rdata as received). */
static int proofs_fill(const struct np_dns_msg *msg, struct entry *e, const struct extra *x,
		       size_t cap)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_writer w;
	int rc;

	np_writer_init(&w, e->data, cap);
	w.pos = e->data_len;
	e->auth_off = e->data_len;
	np_dns_iter_init(&it, msg);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0 && rr.section <= NP_DNS_SEC_AUTHORITY) {
		if (!rr_proves(&rr, x->apex, x->alen))
			continue;
		np_write_u8(&w, (uint8_t)rr.owner_len);
		np_write_bytes(&w, rr.owner, rr.owner_len);
		np_write_be16(&w, rr.type);
		np_write_be16(&w, rr.rdlength);
		np_write_bytes(&w, rr.rdata, rr.rdlength);
		e->nauth++;
	}
	e->data_len = (uint32_t)w.pos;
	return rc < 0 ? rc : np_writer_error(&w);
}

/* Cache the RRset (owner, type) of msg's answer section: 1 stored, 0 not, or an error. */
static int store_rrset(struct dns_cache *c, const struct np_dns_msg *msg, const uint8_t *owner,
		       size_t len, uint16_t type, uint64_t now)
{
	struct extra x;
	struct entry *e;
	size_t body, cap;
	uint32_t ttl;
	int n, err;

	if ((n = rrset_measure(msg, owner, len, type, &body, &ttl)) <= 0)
		return n;
	if ((err = extra_measure_rrset(c, msg, owner, len, type, &x)) < 0)
		return err;
	ttl_min(&ttl, x.ttl);
	ttl = ttl_clamp(c, ttl);
	if (!ttl)                       /* RFC 1035 §3.2.1: TTL 0 is not cached */
		return 0;
	cap = len + body + x.sig_body + x.auth_body;
	if (!(e = entry_alloc(c, owner, len, cap - len)))
		return NP_ENOSPC;
	if ((err = rrset_fill(msg, e, owner, len, type, len + body)) ||
	    (err = sigs_fill(msg, e, owner, len, type, cap)) ||
	    (err = proofs_fill(msg, e, &x, cap))) {
		free(e);
		return err;
	}
	e->type = type;
	e->ttl = ttl;
	e->expire_ms = now + (uint64_t)ttl * 1000;
	entry_add(c, e);
	return 1;
}

/* What the answer section holds at one name of the chain. */
struct link {
	int nq, ncname;
	uint8_t target[NP_DNS_NAME_MAX];
	size_t target_len;
};

static int link_scan(const struct np_dns_msg *msg, const uint8_t *owner, size_t len,
		     uint16_t qtype, struct link *l)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;
	int rc, err;

	memset(l, 0, sizeof(*l));
	np_dns_iter_init(&it, msg);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0 && rr.section <= NP_DNS_SEC_ANSWER) {
		if (rr_matches(&rr, owner, len, qtype)) {
			l->nq++;
		} else if (rr_matches(&rr, owner, len, NP_DNS_TYPE_CNAME)) {
			if ((err = np_dns_rr_rdata(msg, &rr, &rd)))
				return err;
			/* Identical copies are one record; two different CNAMEs are not DNS. */
			if (l->ncname && np_dns_name_equal(l->target, l->target_len, rd.name.name,
							   rd.name.len))
				continue;
			memcpy(l->target, rd.name.name, rd.name.len);
			l->target_len = rd.name.len;
			l->ncname++;
		}
	}
	return rc < 0 ? rc : 0;
}

/*
 * The SOA proving a negative answer for name: an IN SOA in the authority
 * section that owns name or an ancestor of it and lies inside zone (RFC 2308
 * §2.1, §5; anything else is out of bailiwick).  Returns 1 with *soa_rr, 0
 * or an error.
 */
static int find_soa(const struct np_dns_msg *msg, const uint8_t *name, size_t len,
		    const uint8_t *zone, size_t zlen, struct np_dns_rr *soa_rr)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	int rc;

	np_dns_iter_init(&it, msg);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0 && rr.section <= NP_DNS_SEC_AUTHORITY) {
		if (rr.section == NP_DNS_SEC_AUTHORITY && rr.type == NP_DNS_TYPE_SOA &&
		    rr.rclass == NP_DNS_CLASS_IN &&
		    np_dns_name_is_subdomain(name, len, rr.owner, rr.owner_len) &&
		    np_dns_name_is_subdomain(rr.owner, rr.owner_len, zone, zlen)) {
			*soa_rr = rr;
			return 1;
		}
	}
	return rc < 0 ? rc : 0;
}

/* Cache a negative answer for (name, qtype) proved by the SOA of msg, if any. */
static int store_negative(struct dns_cache *c, const struct np_dns_msg *msg,
			  const uint8_t *name, size_t len, uint16_t qtype, int neg,
			  const uint8_t *zone, size_t zlen, uint64_t now)
{
	uint8_t buf[TYPED_RDATA_MAX];
	struct np_dns_rr soa;
	struct np_dns_rdata rd;
	const uint8_t *canon;
	struct entry *e;
	struct np_writer w;
	struct extra x;
	size_t cap;
	uint32_t ttl;
	int rc, rl;

	if ((rc = find_soa(msg, name, len, zone, zlen, &soa)) <= 0)
		return rc;              /* no SOA: not cached (RFC 2308 §5) */
	if ((rc = np_dns_rr_rdata(msg, &soa, &rd)))
		return rc;
	ttl = soa.ttl < rd.soa.minimum ? soa.ttl : rd.soa.minimum;
	/* The denial (RRSIG of the SOA, NSEC/NSEC3 and theirs) lives as long as the SOA's (RFC 9077 §3). */
	memset(&x, 0, sizeof(x));
	x.ttl = UINT32_MAX;
	memcpy(x.apex, soa.owner, soa.owner_len);
	x.alen = soa.owner_len;
	if ((rc = proofs_measure(msg, &x)) < 0)
		return rc;
	ttl_min(&ttl, x.ttl);
	if (ttl > c->lim.max_negative_ttl)
		ttl = c->lim.max_negative_ttl;
	if (!ttl)
		return 0;
	if ((rl = rdata_canonical(msg, &soa, buf, &canon)) < 0)
		return rl;
	cap = len + 1 + soa.owner_len + 2 + (size_t)rl + x.auth_body;
	if (!(e = entry_alloc(c, name, len, cap - len)))
		return NP_ENOSPC;
	np_writer_init(&w, e->data, cap);
	w.pos = e->owner_len;
	np_write_u8(&w, (uint8_t)soa.owner_len);
	np_write_bytes(&w, soa.owner, soa.owner_len);
	np_write_be16(&w, (uint16_t)rl);
	np_write_bytes(&w, canon, (size_t)rl);
	e->data_len = e->sig_off = (uint32_t)w.pos;
	if ((rc = proofs_fill(msg, e, &x, cap))) {
		free(e);
		return rc;
	}
	e->nrec = 1;
	e->neg = (uint8_t)neg;
	e->type = neg == DNS_CACHE_NEG_NXDOMAIN ? 0 : qtype;
	e->ttl = ttl;
	e->expire_ms = now + (uint64_t)ttl * 1000;
	entry_add(c, e);
	return 1;
}

/* Types that are questions, not data: never cached (RFC 6895 §3.1). */
static int qtype_cacheable(uint16_t qtype)
{
	return qtype != 0 && qtype != NP_DNS_TYPE_OPT && (qtype < 128 || qtype > 255);
}

/* Is resp an answer worth caching for (qname, qtype, IN)? */
static int resp_cacheable(const struct np_dns_msg *resp, const uint8_t *qname, size_t qlen,
			  uint16_t qtype)
{
	struct np_dns_rr q;
	int rcode = np_dns_msg_rcode(resp);

	if (!resp->hdr.qr || resp->hdr.opcode != NP_DNS_OPCODE_QUERY || resp->hdr.tc)
		return 0;
	if (rcode != NP_DNS_RCODE_NOERROR && rcode != NP_DNS_RCODE_NXDOMAIN)
		return 0;
	if (np_dns_msg_question(resp, &q) == 0 &&
	    (q.type != qtype || q.rclass != NP_DNS_CLASS_IN ||
	     !np_dns_name_equal(q.owner, q.owner_len, qname, qlen)))
		return 0;
	return qtype_cacheable(qtype);
}

int dns_cache_store(struct dns_cache *c, const struct np_dns_msg *resp,
		    const uint8_t *qname, size_t qlen, uint16_t qtype,
		    const uint8_t *zone, size_t zlen, uint64_t now_ms)
{
	uint8_t cur[NP_DNS_NAME_MAX];
	size_t len = qlen;
	struct link l;
	int stored = 0, links, rc;

	if (np_dns_name_check(qname, qlen) || np_dns_name_check(zone, zlen))
		return NP_EINVAL;
	if (!resp_cacheable(resp, qname, qlen, qtype) ||
	    !np_dns_name_is_subdomain(qname, qlen, zone, zlen))
		return 0;
	c->store_zone = zone;           /* read only below, by extra_measure_rrset() */
	c->store_zlen = zlen;
	memcpy(cur, qname, qlen);
	for (links = 0; links <= DNS_CACHE_MAX_CHAIN; links++) {
		if ((rc = link_scan(resp, cur, len, qtype, &l)) < 0)
			return rc;
		if (l.nq) {
			rc = store_rrset(c, resp, cur, len, qtype, now_ms);
			return rc < 0 ? rc : stored + rc;
		}
		if (l.ncname > 1)
			return stored;
		if (!l.ncname) {
			rc = store_negative(c, resp, cur, len, qtype,
					    np_dns_msg_rcode(resp) == NP_DNS_RCODE_NXDOMAIN ?
					    DNS_CACHE_NEG_NXDOMAIN : DNS_CACHE_NEG_NODATA,
					    zone, zlen, now_ms);
			return rc < 0 ? rc : stored + rc;
		}
		if ((rc = store_rrset(c, resp, cur, len, NP_DNS_TYPE_CNAME, now_ms)) < 0)
			return rc;
		stored += rc;
		/* The chain leaves the zone: the rest is another upstream's to tell. */
		if (!np_dns_name_is_subdomain(l.target, l.target_len, zone, zlen))
			return stored;
		memcpy(cur, l.target, l.target_len);
		len = l.target_len;
	}
	return stored;
}

/* ---- Lookup ----------------------------------------------------------- */

/* Write one record of e; rdata is canonical, so it decodes as a message of its own. */
static int put_record(struct np_dns_builder *b, enum np_dns_section sec, const uint8_t *owner,
		      size_t len, uint16_t type, uint32_t ttl, const uint8_t *rdata,
		      size_t rdlen)
{
	struct np_dns_msg m;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;
	int err;

	if (!np_dns_type_is_typed(type))
		return np_dns_add_raw(b, sec, owner, len, type, NP_DNS_CLASS_IN, ttl, rdata, rdlen);
	memset(&m, 0, sizeof(m));
	m.data = rdata;
	m.len = rdlen;
	memset(&rr, 0, sizeof(rr));
	rr.section = NP_DNS_SEC_ANSWER;
	rr.type = type;
	rr.rclass = NP_DNS_CLASS_IN;
	rr.rdlength = (uint16_t)rdlen;
	if ((err = np_dns_rr_rdata(&m, &rr, &rd)))
		return err;
	/* Compressed again on the way out (RFC 1035 §4.1.4). */
	return np_dns_add_rr(b, sec, owner, len, type, NP_DNS_CLASS_IN, ttl, &rd);
}

static uint32_t ttl_left(const struct dns_cache *c, const struct entry *e, uint64_t now)
{
	if (now >= e->expire_ms)        /* stale (RFC 8767 §4) */
		return c->lim.stale_answer_ttl;
	return (uint32_t)((e->expire_ms - now) / 1000);
}

/* The (rdlength, rdata) records of e in [from, to) as records of (owner, type). */
static int put_records(struct np_dns_builder *b, const struct entry *e, size_t from, size_t to,
		       const uint8_t *owner, size_t len, uint16_t type, uint32_t ttl)
{
	struct np_reader r;
	int err;

	np_reader_init(&r, e->data, to);
	np_reader_seek(&r, from);
	while (np_reader_left(&r) >= 2) {
		size_t n = np_read_be16(&r);
		const uint8_t *p = np_read_bytes(&r, n);

		if (!p)
			return NP_EINVAL;
		if ((err = put_record(b, NP_DNS_SEC_ANSWER, owner, len, type, ttl, p, n)))
			return err;
	}
	return 0;
}

/*
 * The RRset of e in the answer section under owner (the case the chain
 * gave), followed by its RRSIGs with the same TTL when the client asked
 * for DNSSEC data (RFC 4035 §3.1.1, RFC 3225 §3).
 */
static int put_rrset(const struct dns_cache *c, struct np_dns_builder *b,
		     const struct entry *e, const uint8_t *owner, size_t len, uint64_t now,
		     unsigned flags)
{
	uint32_t ttl = ttl_left(c, e, now);
	int err;

	if ((err = put_records(b, e, e->owner_len, e->sig_off, owner, len, e->type, ttl)))
		return err;
	if (!(flags & DNS_CACHE_F_DNSSEC))
		return 0;
	return put_records(b, e, e->sig_off, e->auth_off, owner, len, NP_DNS_TYPE_RRSIG, ttl);
}

/* The proof records of e in the authority section (RFC 4035 §3.1.3), its TTL. */
static int put_proofs(const struct dns_cache *c, struct np_dns_builder *b,
		      const struct entry *e, uint64_t now)
{
	uint32_t ttl = ttl_left(c, e, now);
	struct np_reader r;
	int err;

	np_reader_init(&r, e->data, e->data_len);
	np_reader_seek(&r, e->auth_off);
	while (np_reader_left(&r)) {
		size_t olen = np_read_u8(&r);
		const uint8_t *owner = np_read_bytes(&r, olen);
		uint16_t type = np_read_be16(&r);
		size_t n = np_read_be16(&r);
		const uint8_t *p = np_read_bytes(&r, n);

		if (np_reader_error(&r) || !owner)
			return NP_EINVAL;
		if ((err = np_dns_add_raw(b, NP_DNS_SEC_AUTHORITY, owner, olen, type,
					  NP_DNS_CLASS_IN, ttl, p, n)))
			return err;
	}
	return 0;
}

/* The SOA of negative entry e in the authority section (RFC 2308 §3). */
static int put_soa(const struct dns_cache *c, struct np_dns_builder *b,
		   const struct entry *e, uint64_t now)
{
	struct np_reader r;
	const uint8_t *owner, *rd;
	size_t olen, rdlen;

	np_reader_init(&r, e->data, e->data_len);
	np_reader_skip(&r, e->owner_len);
	olen = np_read_u8(&r);
	owner = np_read_bytes(&r, olen);
	rdlen = np_read_be16(&r);
	rd = np_read_bytes(&r, rdlen);
	if (np_reader_error(&r))
		return NP_EINVAL;
	return put_record(b, NP_DNS_SEC_AUTHORITY, owner, olen, NP_DNS_TYPE_SOA,
			  ttl_left(c, e, now), rd, rdlen);
}

/* The chain found in the cache: links[0..n) are CNAMEs, then final. */
struct chain {
	struct entry *links[DNS_CACHE_MAX_CHAIN];
	struct entry *final;
	int n;
};

static struct entry *find_usable(struct dns_cache *c, uint32_t h, const uint8_t *name,
				 size_t len, uint16_t type, uint64_t now, unsigned flags)
{
	struct entry *e = entry_find(c, h, name, len, type, now);

	return e && entry_usable(c, e, now, flags) ? e : NULL;
}

/* The CNAME target stored in e (positive CNAME entry, one record). */
static int cname_target(const struct entry *e, const uint8_t **t, size_t *tlen)
{
	struct np_reader r;

	np_reader_init(&r, e->data, e->data_len);
	np_reader_skip(&r, e->owner_len);
	*tlen = np_read_be16(&r);
	*t = np_read_bytes(&r, *tlen);
	return np_reader_error(&r) || np_dns_name_check(*t, *tlen) ? NP_EINVAL : 0;
}

/* Follow the chain from qname: 1 complete (ch filled), 0 a miss. */
static int chain_resolve(struct dns_cache *c, const uint8_t *qname, size_t qlen,
			 uint16_t qtype, uint64_t now, unsigned flags, struct chain *ch)
{
	const uint8_t *name = qname;
	size_t len = qlen;
	struct entry *e;

	ch->n = 0;
	for (;;) {
		uint32_t h = name_hash(c, name, len);

		if (qtype != NP_DNS_TYPE_ANY &&
		    (e = find_usable(c, h, name, len, qtype, now, flags))) {
			ch->final = e;
			return 1;
		}
		if ((e = find_usable(c, h, name, len, 0, now, flags))) {
			ch->final = e;  /* NXDOMAIN covers every type */
			return 1;
		}
		if (qtype == NP_DNS_TYPE_CNAME || qtype == NP_DNS_TYPE_ANY ||
		    ch->n == DNS_CACHE_MAX_CHAIN ||
		    !(e = find_usable(c, h, name, len, NP_DNS_TYPE_CNAME, now, flags)) ||
		    e->neg || cname_target(e, &name, &len))
			return 0;
		ch->links[ch->n++] = e;
	}
}

static void entry_touch(struct dns_cache *c, struct entry *e)
{
	if (e->hits < UINT16_MAX)
		e->hits++;
	np_lru_touch(&c->lru, &e->lru);
}

/* Popular and within 10 % of its TTL of expiring: ask once for a refresh. */
static int want_prefetch(struct entry *e, uint64_t now)
{
	if (e->prefetched || e->hits < PREFETCH_HITS || now >= e->expire_ms ||
	    (e->expire_ms - now) * 10 > (uint64_t)e->ttl * 1000)
		return 0;
	e->prefetched = 1;
	return 1;
}

/* With DNSSEC data asked for: every link's proofs, after the answer section. */
static int chain_write_proofs(const struct dns_cache *c, const struct chain *ch,
			      uint64_t now, unsigned flags, struct np_dns_builder *b)
{
	int i, err;

	if (!(flags & DNS_CACHE_F_DNSSEC))
		return 0;
	for (i = 0; i < ch->n; i++)
		if ((err = put_proofs(c, b, ch->links[i], now)))
			return err;
	return put_proofs(c, b, ch->final, now);
}

static int chain_write(const struct dns_cache *c, const struct chain *ch,
		       const uint8_t *qname, size_t qlen, uint64_t now, unsigned flags,
		       struct np_dns_builder *b)
{
	const uint8_t *owner = qname;
	size_t len = qlen;
	int i, err;

	for (i = 0; i < ch->n; i++) {
		if ((err = put_rrset(c, b, ch->links[i], owner, len, now, flags)))
			return err;
		if ((err = cname_target(ch->links[i], &owner, &len)))
			return err;
	}
	if (!ch->final->neg) {
		if ((err = put_rrset(c, b, ch->final, owner, len, now, flags)))
			return err;
		return chain_write_proofs(c, ch, now, flags, b);
	}
	/* RFC 2308 §2.1 and RFC 6604 §2: the rcode speaks of the chain's last name. */
	if (ch->final->neg == DNS_CACHE_NEG_NXDOMAIN)
		np_dns_builder_rcode(b, NP_DNS_RCODE_NXDOMAIN);
	if ((err = put_soa(c, b, ch->final, now)))
		return err;
	return chain_write_proofs(c, ch, now, flags, b);
}

int dns_cache_lookup(struct dns_cache *c, const uint8_t *qname, size_t qlen,
		     uint16_t qtype, uint64_t now_ms, unsigned flags,
		     struct np_dns_builder *b, int *prefetch)
{
	struct chain ch;
	int i, err;

	if (prefetch)
		*prefetch = 0;
	if (np_dns_name_check(qname, qlen))
		return NP_EINVAL;
	if (!chain_resolve(c, qname, qlen, qtype, now_ms, flags, &ch)) {
		c->st.misses++;
		return DNS_CACHE_MISS;
	}
	c->st.hits++;
	for (i = 0; i < ch.n; i++)
		entry_touch(c, ch.links[i]);
	entry_touch(c, ch.final);
	if ((err = chain_write(c, &ch, qname, qlen, now_ms, flags, b)))
		return err;
	if (prefetch)
		*prefetch = want_prefetch(ch.final, now_ms);
	if (ch.final->neg == DNS_CACHE_NEG_NXDOMAIN)
		return DNS_CACHE_NXDOMAIN;
	return ch.final->neg ? DNS_CACHE_NODATA : DNS_CACHE_HIT;
}

/* ---- Flush, walk, stats ----------------------------------------------- */

size_t dns_cache_flush(struct dns_cache *c, const uint8_t *name, size_t len)
{
	size_t n = 0;

	if (!name) {
		while (c->lru.oldest) {
			entry_drop(c, ENTRY_OF_LRU(c->lru.oldest));
			n++;
		}
		return n;
	}
	if (np_dns_name_check(name, len) == 0) {
		uint32_t h = name_hash(c, name, len);
		struct np_hmap_node *hn, *next;

		for (hn = np_hmap_first(&c->map, h); hn; hn = next) {
			next = np_hmap_next(hn);
			if (entry_is(ENTRY_OF(hn), h, name, len)) {
				entry_drop(c, ENTRY_OF(hn));
				n++;
			}
		}
	}
	return n;
}

void dns_cache_walk(struct dns_cache *c, uint64_t now_ms,
		    int (*fn)(void *arg, const struct dns_cache_entry_info *e), void *arg)
{
	const struct np_lru_node *n;

	for (n = c->lru.newest; n; n = n->older) {
		const struct entry *e = ENTRY_OF_LRU(n);
		struct dns_cache_entry_info info;

		info.owner = e->data;
		info.owner_len = e->owner_len;
		info.type = e->type;
		info.negative = e->neg;
		info.ttl_left = now_ms < e->expire_ms ?
				(uint32_t)((e->expire_ms - now_ms) / 1000) : 0;
		info.nrecords = e->nrec;
		info.nsigs = e->nsig;
		info.nproofs = e->nauth;
		if (fn(arg, &info))
			return;
	}
}

void dns_cache_get_stats(const struct dns_cache *c, struct dns_cache_stats *st)
{
	*st = c->st;
}
