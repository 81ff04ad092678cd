/*
 * val-chain.c: the DNSSEC validation driver (see val-chain.h).
 */
#include "val-chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/dnssec.h>
#include <netproto/error.h>

#include "zonetext.h"

/*
 * The root zone's key-signing keys as DS records, copied from
 * /usr/share/dns/root.ds of Debian's dns-root-data package (2024071801):
 * KSK-2017 (20326) and KSK-2024 (38696), both RSASHA256 with SHA-256
 * digests, as IANA publishes them in root-anchors.xml.
 */
static const char *const builtin_root[] = {
	". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
	". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
};

const char *vc_status_name(enum vc_status s)
{
	switch (s) {
	case VC_SECURE: return "secure";
	case VC_INSECURE: return "insecure";
	case VC_BOGUS: return "bogus";
	case VC_SERVFAIL: return "servfail";
	}
	return "?";
}

static void name_copy(uint8_t *dst, size_t *dlen, const uint8_t *src, size_t len)
{
	memcpy(dst, src, len);
	np_dns_name_lower(dst, len);
	*dlen = len;
}

/* ---- Trust anchors ------------------------------------------------------- */

struct vc_anchor {
	uint8_t zone[NP_DNS_NAME_MAX];
	size_t zlen;
	struct val_rrset *ds, *keys;
};

struct vc_trust {
	struct vc_anchor a[VC_MAX_ANCHORS];
	size_t n;
	struct {
		uint8_t name[NP_DNS_NAME_MAX];
		size_t len;
	} nta[VC_MAX_NTAS];
	size_t nnta;
};

struct vc_trust *vc_trust_new(void)
{
	return calloc(1, sizeof(struct vc_trust));
}

void vc_trust_free(struct vc_trust *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->a[i].ds);
		free(t->a[i].keys);
	}
	free(t);
}

static struct vc_anchor *anchor_for(struct vc_trust *t, const uint8_t *zone, size_t zlen)
{
	struct vc_anchor *a;

	for (size_t i = 0; i < t->n; i++)
		if (np_dns_name_equal(t->a[i].zone, t->a[i].zlen, zone, zlen))
			return &t->a[i];
	if (t->n >= VC_MAX_ANCHORS)
		return NULL;
	a = &t->a[t->n];
	a->ds = malloc(sizeof(*a->ds));
	a->keys = malloc(sizeof(*a->keys));
	if (!a->ds || !a->keys) {
		free(a->ds);
		free(a->keys);
		a->ds = a->keys = NULL;
		return NULL;
	}
	name_copy(a->zone, &a->zlen, zone, zlen);
	val_rrset_init(a->ds, a->zone, a->zlen, NP_DNS_TYPE_DS);
	val_rrset_init(a->keys, a->zone, a->zlen, NP_DNS_TYPE_DNSKEY);
	t->n++;
	return a;
}

int vc_trust_add_line(struct vc_trust *t, const char *line, char *err, size_t errlen)
{
	struct dns_rr_text *rr;
	struct vc_anchor *a;
	const char *p = line;
	int rc;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == ';' || *p == '#' || *p == '\n' || *p == '\r')
		return NP_ENOTFOUND;
	/* The owner first, for the anchor's zone; val_anchor_add_line() checks the rest. */
	if (!(rr = malloc(sizeof(*rr))))
		return NP_ENOSPC;
	rc = dns_rr_text_parse(line, 0, DNS_RR_TEXT_DNSSEC, rr, err, errlen);
	if (rc) {
		free(rr);
		return rc;
	}
	a = anchor_for(t, rr->owner, rr->owner_len);
	free(rr);
	if (!a) {
		if (errlen)
			snprintf(err, errlen, "more than %d trust anchor zones", VC_MAX_ANCHORS);
		return NP_ECOUNT;
	}
	return val_anchor_add_line(a->ds, a->keys, line, err, errlen);
}

int vc_trust_add_builtin(struct vc_trust *t)
{
	char err[128];

	for (size_t i = 0; i < sizeof(builtin_root) / sizeof(builtin_root[0]); i++) {
		int rc = vc_trust_add_line(t, builtin_root[i], err, sizeof(err));

		if (rc)
			return rc;
	}
	return 0;
}

int vc_trust_add_nta(struct vc_trust *t, const uint8_t *name, size_t len)
{
	if (t->nnta >= VC_MAX_NTAS)
		return NP_ECOUNT;
	name_copy(t->nta[t->nnta].name, &t->nta[t->nnta].len, name, len);
	t->nnta++;
	return 0;
}

size_t vc_trust_anchors(const struct vc_trust *t)
{
	return t->n;
}

size_t vc_trust_ntas(const struct vc_trust *t)
{
	return t->nnta;
}

const uint8_t *vc_trust_anchor(const struct vc_trust *t, size_t i, size_t *len, size_t *nds,
			       size_t *nkeys)
{
	if (i >= t->n)
		return NULL;
	*len = t->a[i].zlen;
	*nds = t->a[i].ds->n;
	*nkeys = t->a[i].keys->n;
	return t->a[i].zone;
}

int vc_trust_nta_covers(const struct vc_trust *t, const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < t->nnta; i++)
		if (np_dns_name_is_subdomain(name, len, t->nta[i].name, t->nta[i].len))
			return 1;
	return 0;
}

/* The closest anchor at or above name (RFC 4035 §5: the most specific), or NULL. */
static const struct vc_anchor *closest_anchor(const struct vc_trust *t, const uint8_t *name,
					      size_t len)
{
	const struct vc_anchor *best = NULL;

	for (size_t i = 0; i < t->n; i++)
		if ((t->a[i].ds->n || t->a[i].keys->n) &&
		    np_dns_name_is_subdomain(name, len, t->a[i].zone, t->a[i].zlen) &&
		    (!best || t->a[i].zlen > best->zlen))
			best = &t->a[i];
	return best;
}

/* ---- The key cache --------------------------------------------------------- */

enum kc_kind {
	KC_KEYS,                        /* a validated DNSKEY RRset: the zone is secure */
	KC_DS,                          /* a validated DS RRset, its DNSKEY not yet */
	KC_NOCUT,                       /* proven no zone cut: inside the zone above */
	KC_INSECURE,                    /* proven insecure: everything below too */
	KC_BOGUS,                       /* the chain failed here; ede says why */
};

struct kc_entry {
	uint8_t name[NP_DNS_NAME_MAX];
	size_t len;
	enum kc_kind kind;
	int ede;
	uint32_t expires;
	uint8_t *rdata;                 /* KC_KEYS, KC_DS: (u16 length, rdata)* */
	size_t rdlen;
	int next;                       /* bucket chain, -1 ends */
	int used;
};

struct vc_keycache {
	struct kc_entry *e;
	size_t max, count, hand;        /* hand: the next slot to reuse (oldest first) */
	int *bucket;
	size_t nbuckets;
};

struct vc_keycache *vc_keycache_new(size_t max)
{
	struct vc_keycache *kc = calloc(1, sizeof(*kc));

	if (!kc)
		return NULL;
	kc->max = max ? max : 1;
	kc->nbuckets = kc->max * 2;
	kc->e = calloc(kc->max, sizeof(*kc->e));
	kc->bucket = malloc(kc->nbuckets * sizeof(*kc->bucket));
	if (!kc->e || !kc->bucket) {
		vc_keycache_free(kc);
		return NULL;
	}
	for (size_t i = 0; i < kc->nbuckets; i++)
		kc->bucket[i] = -1;
	return kc;
}

void vc_keycache_clear(struct vc_keycache *kc)
{
	for (size_t i = 0; i < kc->max; i++) {
		free(kc->e[i].rdata);
		memset(&kc->e[i], 0, sizeof(kc->e[i]));
	}
	for (size_t i = 0; i < kc->nbuckets; i++)
		kc->bucket[i] = -1;
	kc->count = kc->hand = 0;
}

void vc_keycache_free(struct vc_keycache *kc)
{
	if (!kc)
		return;
	if (kc->e && kc->bucket)
		vc_keycache_clear(kc);
	free(kc->e);
	free(kc->bucket);
	free(kc);
}

size_t vc_keycache_count(const struct vc_keycache *kc)
{
	return kc->count;
}

static size_t kc_bucket(const struct vc_keycache *kc, const uint8_t *name, size_t len)
{
	return np_dns_name_hash(name, len) % kc->nbuckets;
}

static struct kc_entry *kc_find(struct vc_keycache *kc, const uint8_t *name, size_t len,
				uint32_t now)
{
	for (int i = kc->bucket[kc_bucket(kc, name, len)]; i >= 0; i = kc->e[i].next) {
		struct kc_entry *e = &kc->e[i];

		if (np_dns_name_equal(e->name, e->len, name, len))
			return (int32_t)(e->expires - now) > 0 ? e : NULL;
	}
	return NULL;
}

static void kc_unlink(struct vc_keycache *kc, int idx)
{
	struct kc_entry *e = &kc->e[idx];
	int *p = &kc->bucket[kc_bucket(kc, e->name, e->len)];

	while (*p >= 0 && *p != idx)
		p = &kc->e[*p].next;
	if (*p == idx)
		*p = e->next;
	free(e->rdata);
	memset(e, 0, sizeof(*e));
	kc->count--;
}

/* Serialise a set's rdata for a KC_KEYS/KC_DS entry. */
static uint8_t *pack_rdata(const struct val_rrset *s, size_t *len)
{
	size_t n = 0, off = 0;
	uint8_t *p;

	for (size_t i = 0; i < s->n; i++)
		n += 2 + s->rd[i].len;
	if (!(p = malloc(n ? n : 1)))
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		np_store_be16(p + off, s->rd[i].len);
		memcpy(p + off + 2, s->rd[i].data, s->rd[i].len);
		off += 2 + s->rd[i].len;
	}
	*len = n;
	return p;
}

static void kc_put(struct vc_keycache *kc, const uint8_t *name, size_t len, enum kc_kind kind,
		   int ede, uint32_t ttl, const struct val_rrset *set, uint32_t now)
{
	struct kc_entry *e;
	size_t b;
	int idx = -1;

	for (int i = kc->bucket[kc_bucket(kc, name, len)]; i >= 0; i = kc->e[i].next)
		if (np_dns_name_equal(kc->e[i].name, kc->e[i].len, name, len))
			idx = i;
	if (idx >= 0) {
		kc_unlink(kc, idx);
	} else {
		idx = (int)kc->hand;
		kc->hand = (kc->hand + 1) % kc->max;
		if (kc->e[idx].used)
			kc_unlink(kc, idx);
	}
	e = &kc->e[idx];
	if (set && !(e->rdata = pack_rdata(set, &e->rdlen)))
		return;                 /* no memory: simply not cached */
	name_copy(e->name, &e->len, name, len);
	e->kind = kind;
	e->ede = ede;
	e->expires = now + (ttl < VC_KEY_MAX_TTL ? ttl : VC_KEY_MAX_TTL);
	e->used = 1;
	b = kc_bucket(kc, e->name, e->len);
	e->next = kc->bucket[b];
	kc->bucket[b] = idx;
	kc->count++;
}

static int kc_load(const struct kc_entry *e, struct val_rrset *s, uint16_t type)
{
	size_t off = 0;

	val_rrset_init(s, e->name, e->len, type);
	while (off + 2 <= e->rdlen) {
		uint16_t l = np_load_be16(e->rdata + off);

		if (val_rrset_add(s, e->rdata + off + 2, l, 0, l, UINT32_MAX))
			return -1;
		off += 2 + l;
	}
	return 0;
}

/* ---- One answer --------------------------------------------------------- */

enum item_kind {
	ITEM_RRSET,                     /* an RRset of the answer or authority section */
	ITEM_PROBE,                     /* no RRset: is the name in a secure zone? */
};

struct item {
	enum item_kind kind;
	enum np_dns_section sec;
	uint8_t owner[NP_DNS_NAME_MAX];
	size_t olen;
	uint16_t type;
	uint8_t signer[NP_DNS_NAME_MAX];
	size_t slen;                    /* 0: unsigned */
	enum vc_status status;
	int ede;
	uint32_t ttl;
	int wildcard_labels;
};

enum walk_state {
	WALK_START,
	WALK_DESCEND,                   /* keys of zone loaded, at pos */
	WALK_FETCH_DS,                  /* waiting for DS of child */
	WALK_FETCH_KEYS,                /* waiting for DNSKEY of child (r->ds holds its DS) */
};

enum walk_result {
	W_NEED,
	W_SECURE,                       /* pos == target; keys of zone (maybe above it) */
	W_INSECURE,
	W_BOGUS,
	W_FAIL,                         /* budget, limit, upstream */
};

struct walk {
	enum walk_state state;
	uint8_t target[NP_DNS_NAME_MAX], zone[NP_DNS_NAME_MAX], pos[NP_DNS_NAME_MAX];
	uint8_t child[NP_DNS_NAME_MAX];
	size_t tlen, zlen, plen, clen;
	const struct vc_anchor *anchor;
	int ede;
	const char *why;
};

struct vc_run {
	const struct vc_trust *t;
	struct vc_keycache *kc;
	struct val_budget *b;
	uint32_t now;
	uint8_t answer[NP_DNS_MSG_MAX];
	struct np_dns_msg msg;
	uint8_t qname[NP_DNS_NAME_MAX], final[NP_DNS_NAME_MAX];
	size_t qlen, flen;
	uint16_t qtype;
	int negative, nxdomain;
	struct item items[VC_MAX_ITEMS];
	size_t nitems, cur;
	int walking;
	struct walk w;
	unsigned fetches, max_fetches;
	struct val_rrset keys, ds, set;
	struct val_nsec nsec[VC_MAX_NSEC];
	uint8_t nsec_owner[VC_MAX_NSEC][NP_DNS_NAME_MAX];
};

struct vc_run *vc_run_new(const struct vc_trust *t, struct vc_keycache *kc)
{
	struct vc_run *r = calloc(1, sizeof(*r));

	if (r) {
		r->t = t;
		r->kc = kc;
		r->max_fetches = VC_MAX_FETCHES;
	}
	return r;
}

void vc_run_free(struct vc_run *r)
{
	free(r);
}

void vc_run_limit(struct vc_run *r, unsigned max_fetches)
{
	r->max_fetches = max_fetches < VC_MAX_FETCHES ? max_fetches : VC_MAX_FETCHES;
}

unsigned vc_run_fetches(const struct vc_run *r)
{
	return r->fetches;
}

/* The verdict into out; returns 0 so that callers can end with it. */
static int done(struct vc_action *out, enum vc_status s, int ede, uint32_t ttl, const char *why)
{
	out->kind = VC_DONE;
	out->verdict.status = s;
	out->verdict.ede = ede;
	out->verdict.ttl = s == VC_BOGUS ? VC_BOGUS_TTL : ttl;
	out->verdict.why = why;
	return 0;
}

/* name with its leftmost labels removed until it has want labels. */
static void suffix(const uint8_t *name, size_t len, int want, uint8_t *out, size_t *olen)
{
	int n = np_dns_name_labels(name, len);
	size_t i = 0;

	while (n-- > want)
		i += 1 + (size_t)name[i];
	memcpy(out, name + i, len - i);
	*olen = len - i;
}

/* The signer of the first well-formed RRSIG covering (owner, type) in sec. */
static size_t signer_of(const struct np_dns_msg *msg, enum np_dns_section sec,
			const uint8_t *owner, size_t olen, uint16_t type, uint8_t *signer)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rrsig s;

	np_dns_iter_init(&it, msg);
	while (np_dns_iter_next(&it, &rr) == 1)
		if (rr.section == sec && rr.type == NP_DNS_TYPE_RRSIG &&
		    np_dns_name_equal(rr.owner, rr.owner_len, owner, olen) &&
		    !np_dns_rrsig_parse(rr.rdata, rr.rdlength, &s) && s.type_covered == type) {
			memcpy(signer, s.signer, s.signer_len);
			np_dns_name_lower(signer, s.signer_len);
			return s.signer_len;
		}
	return 0;
}

static int has_rrset(const struct np_dns_msg *msg, enum np_dns_section sec, const uint8_t *owner,
		     size_t olen, uint16_t type, struct np_dns_rr *found)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;

	np_dns_iter_init(&it, msg);
	while (np_dns_iter_next(&it, &rr) == 1)
		if (rr.section == sec && rr.type == type && rr.rclass == NP_DNS_CLASS_IN &&
		    np_dns_name_equal(rr.owner, rr.owner_len, owner, olen)) {
			if (found)
				*found = rr;
			return 1;
		}
	return 0;
}

static int add_item(struct vc_run *r, enum item_kind kind, enum np_dns_section sec,
		    const uint8_t *owner, size_t olen, uint16_t type)
{
	struct item *it;

	for (size_t i = 0; i < r->nitems; i++)
		if (r->items[i].sec == sec && r->items[i].type == type &&
		    r->items[i].kind == kind &&
		    np_dns_name_equal(r->items[i].owner, r->items[i].olen, owner, olen))
			return 0;
	if (r->nitems >= VC_MAX_ITEMS)
		return -1;
	it = &r->items[r->nitems++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->sec = sec;
	name_copy(it->owner, &it->olen, owner, olen);
	it->type = type;
	it->wildcard_labels = -1;
	if (kind == ITEM_RRSET)
		it->slen = signer_of(&r->msg, sec, owner, olen, type, it->signer);
	return 0;
}

/*
 * The RRsets to validate: the CNAME chain from the question to its data in
 * the answer section, then the SOA and NSEC/NSEC3 RRsets of the authority
 * section.  Returns 0 or -1 (too many, or a chain too long: SERVFAIL).
 */
static int collect(struct vc_run *r)
{
	struct np_dns_iter it;
	struct np_dns_rr rr, cn;
	unsigned links = 0;
	int nsec = 0;

	name_copy(r->final, &r->flen, r->qname, r->qlen);
	if (r->qtype == NP_DNS_TYPE_ANY) {
		/* ANY: every RRset the answer has at the name (RFC 8482 allows one). */
		np_dns_iter_init(&it, &r->msg);
		while (np_dns_iter_next(&it, &rr) == 1)
			if (rr.section == NP_DNS_SEC_ANSWER && rr.type != NP_DNS_TYPE_RRSIG &&
			    np_dns_name_equal(rr.owner, rr.owner_len, r->qname, r->qlen) &&
			    add_item(r, ITEM_RRSET, NP_DNS_SEC_ANSWER, rr.owner, rr.owner_len, rr.type))
				return -1;
		r->negative = r->nitems == 0;
	}
	while (r->qtype != NP_DNS_TYPE_ANY) {
		struct np_dns_rdata rd;

		if (has_rrset(&r->msg, NP_DNS_SEC_ANSWER, r->final, r->flen, r->qtype, NULL)) {
			if (add_item(r, ITEM_RRSET, NP_DNS_SEC_ANSWER, r->final, r->flen, r->qtype))
				return -1;
			break;
		}
		if (r->qtype == NP_DNS_TYPE_CNAME ||
		    !has_rrset(&r->msg, NP_DNS_SEC_ANSWER, r->final, r->flen, NP_DNS_TYPE_CNAME, &cn)) {
			r->negative = 1;
			break;
		}
		if (++links > VC_MAX_CNAMES || np_dns_rr_rdata(&r->msg, &cn, &rd))
			return -1;
		if (add_item(r, ITEM_RRSET, NP_DNS_SEC_ANSWER, r->final, r->flen, NP_DNS_TYPE_CNAME))
			return -1;
		name_copy(r->final, &r->flen, rd.name.name, rd.name.len);
	}
	np_dns_iter_init(&it, &r->msg);
	while (np_dns_iter_next(&it, &rr) == 1) {
		if (rr.section != NP_DNS_SEC_AUTHORITY || rr.rclass != NP_DNS_CLASS_IN)
			continue;
		if (rr.type == NP_DNS_TYPE_NSEC || rr.type == NP_DNS_TYPE_NSEC3)
			nsec = 1;
		else if (!(rr.type == NP_DNS_TYPE_SOA && r->negative))
			continue;
		if (add_item(r, ITEM_RRSET, NP_DNS_SEC_AUTHORITY, rr.owner, rr.owner_len, rr.type))
			return -1;
	}
	/* A denial without NSEC/NSEC3: is its name in a secure zone (then bogus)? */
	if (r->negative && !nsec &&
	    add_item(r, ITEM_PROBE, NP_DNS_SEC_AUTHORITY, r->final, r->flen, 0))
		return -1;
	return 0;
}

/* ---- The walk down the chain of trust ------------------------------------ */

static enum walk_result walk_bogus(struct vc_run *r, int ede, const char *why)
{
	r->w.ede = ede;
	r->w.why = why;
	return W_BOGUS;
}

static enum walk_result walk_fail(struct vc_run *r, int ede, const char *why)
{
	r->w.ede = ede;
	r->w.why = why;
	return W_FAIL;
}

static void walk_begin(struct vc_run *r, const uint8_t *target, size_t tlen)
{
	memset(&r->w, 0, sizeof(r->w));
	name_copy(r->w.target, &r->w.tlen, target, tlen);
	r->w.state = WALK_START;
	r->w.ede = -1;
	r->walking = 1;
}

static enum walk_result ask(struct vc_run *r, uint16_t qtype, struct vc_action *out)
{
	if (r->fetches >= r->max_fetches)
		return walk_fail(r, VAL_EDE_NONE, "sub-query limit");
	r->fetches++;
	out->kind = VC_QUERY;
	memcpy(out->name, r->w.child, r->w.clen);
	out->name_len = r->w.clen;
	out->qtype = qtype;
	r->w.state = qtype == NP_DNS_TYPE_DS ? WALK_FETCH_DS : WALK_FETCH_KEYS;
	return W_NEED;
}

/* From a cache entry for w.child: 1 handled (state or *res set), 0 not cached. */
static int walk_cached(struct vc_run *r, enum walk_result *res)
{
	struct kc_entry *e = kc_find(r->kc, r->w.child, r->w.clen, r->now);

	*res = W_NEED;
	if (!e)
		return 0;
	switch (e->kind) {
	case KC_KEYS:
		if (kc_load(e, &r->keys, NP_DNS_TYPE_DNSKEY))
			return 0;
		name_copy(r->w.zone, &r->w.zlen, r->w.child, r->w.clen);
		name_copy(r->w.pos, &r->w.plen, r->w.child, r->w.clen);
		r->w.state = WALK_DESCEND;
		return 1;
	case KC_DS:
		if (kc_load(e, &r->ds, NP_DNS_TYPE_DS))
			return 0;
		r->w.state = WALK_FETCH_KEYS;
		return 0;               /* the keys still have to be asked for */
	case KC_NOCUT:
		if (r->w.state != WALK_DESCEND)
			return 0;
		name_copy(r->w.pos, &r->w.plen, r->w.child, r->w.clen);
		return 1;
	case KC_INSECURE:
		r->w.why = "insecure delegation";
		*res = W_INSECURE;
		return 1;
	case KC_BOGUS:
		*res = walk_bogus(r, e->ede, "chain of trust failed (cached)");
		return 1;
	}
	return 0;
}

static enum walk_result walk_step(struct vc_run *r, struct vc_action *out)
{
	struct walk *w = &r->w;
	enum walk_result res = W_NEED;

	for (;;) {
		switch (w->state) {
		case WALK_START:
			/* RFC 7646 §2.1: below a negative trust anchor, validation is off. */
			if (vc_trust_nta_covers(r->t, w->target, w->tlen)) {
				w->why = "negative trust anchor";
				return W_INSECURE;
			}
			w->anchor = closest_anchor(r->t, w->target, w->tlen);
			if (!w->anchor) {
				w->why = "no trust anchor";
				return W_INSECURE;
			}
			/* The closest zone with cached keys (or a cached verdict) above the target. */
			for (int k = np_dns_name_labels(w->target, w->tlen),
			     top = np_dns_name_labels(w->anchor->zone, w->anchor->zlen); k >= top; k--) {
				struct kc_entry *e;

				suffix(w->target, w->tlen, k, w->child, &w->clen);
				e = kc_find(r->kc, w->child, w->clen, r->now);
				if (e && e->kind != KC_NOCUT && e->kind != KC_DS &&
				    walk_cached(r, &res))
					break;
			}
			if (w->state == WALK_DESCEND || res != W_NEED) {
				if (res != W_NEED)
					return res;
				continue;
			}
			name_copy(w->child, &w->clen, w->anchor->zone, w->anchor->zlen);
			/* The anchor's own DS (or keys) stand in for the parent's DS. */
			memcpy(&r->ds, w->anchor->ds, sizeof(r->ds));
			/* struct copy: rd pointers must point into r->ds's store. */
			for (size_t i = 0; i < r->ds.n; i++)
				r->ds.rd[i].data = r->ds.store + (w->anchor->ds->rd[i].data -
								  w->anchor->ds->store);
			return ask(r, NP_DNS_TYPE_DNSKEY, out);
		case WALK_DESCEND: {
			int pl = np_dns_name_labels(w->pos, w->plen);

			if (np_dns_name_equal(w->pos, w->plen, w->target, w->tlen))
				return W_SECURE;
			suffix(w->target, w->tlen, pl + 1, w->child, &w->clen);
			if (walk_cached(r, &res)) {
				if (res != W_NEED)
					return res;
				continue;
			}
			if (w->state == WALK_FETCH_KEYS)
				return ask(r, NP_DNS_TYPE_DNSKEY, out);
			return ask(r, NP_DNS_TYPE_DS, out);
		}
		default:
			return walk_fail(r, VAL_EDE_NONE, "walk state");
		}
	}
}

/* Verify every NSEC/NSEC3 RRset of the reply's authority section with the
 * zone's keys and gather them; -1 (with *res) on failure. */
static int reply_nsecs(struct vc_run *r, const struct np_dns_msg *m, size_t *n,
		       uint32_t *ttl, enum walk_result *res)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;

	*n = 0;
	*ttl = UINT32_MAX;
	np_dns_iter_init(&it, m);
	while (np_dns_iter_next(&it, &rr) == 1) {
		struct val_result v;
		int dup = 0;

		if (rr.section != NP_DNS_SEC_AUTHORITY ||
		    (rr.type != NP_DNS_TYPE_NSEC && rr.type != NP_DNS_TYPE_NSEC3))
			continue;
		for (size_t i = 0; i < *n; i++)
			dup |= r->nsec[i].type == rr.type &&
			       np_dns_name_equal(r->nsec[i].owner, r->nsec[i].owner_len, rr.owner,
						 rr.owner_len);
		if (dup)
			continue;
		if (*n >= VC_MAX_NSEC || val_rrset_from_msg(&r->set, m, NP_DNS_SEC_AUTHORITY,
							     rr.owner, rr.owner_len, rr.type)) {
			*res = walk_bogus(r, VAL_EDE_BOGUS, "malformed denial");
			return -1;
		}
		v = val_verify_rrset(&r->set, &r->keys, r->now, r->b);
		if (v.status == VAL_BUDGET) {
			*res = walk_fail(r, v.ede, "validation budget");
			return -1;
		}
		if (v.status != VAL_SECURE) {
			*res = walk_bogus(r, v.ede, "DS denial does not verify");
			return -1;
		}
		if (v.ttl < *ttl)
			*ttl = v.ttl;
		/* The record itself (one per owner for NSEC/NSEC3) from the message. */
		memcpy(r->nsec_owner[*n], rr.owner, rr.owner_len);
		r->nsec[*n].owner = r->nsec_owner[*n];
		r->nsec[*n].owner_len = rr.owner_len;
		r->nsec[*n].type = rr.type;
		r->nsec[*n].rdata = rr.rdata;
		r->nsec[*n].rdlength = rr.rdlength;
		(*n)++;
	}
	return 0;
}

/* An NSEC whose span owner < name < next has next below name: name is an
 * empty non-terminal (RFC 4035 §5.4 does not list it; RFC 7129 §3.3). */
static int nsec_proves_ent(const struct vc_run *r, size_t n, const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		struct np_nsec ns;

		if (r->nsec[i].type != NP_DNS_TYPE_NSEC ||
		    np_nsec_parse(r->nsec[i].rdata, r->nsec[i].rdlength, &ns))
			continue;
		if (np_dns_name_canonical_cmp(r->nsec[i].owner, r->nsec[i].owner_len, name, len) < 0 &&
		    np_dns_name_canonical_cmp(name, len, ns.next, ns.next_len) < 0 &&
		    np_dns_name_is_subdomain(ns.next, ns.next_len, name, len) &&
		    !np_dns_name_equal(ns.next, ns.next_len, name, len))
			return 1;
	}
	return 0;
}

static enum walk_result on_ds(struct vc_run *r, const struct np_dns_msg *m)
{
	struct walk *w = &r->w;
	struct val_result v;
	enum walk_result res;
	size_t n;
	uint32_t ttl;
	int rcode = np_dns_msg_rcode(m);

	if (!val_rrset_from_msg(&r->ds, m, NP_DNS_SEC_ANSWER, w->child, w->clen, NP_DNS_TYPE_DS)) {
		v = val_verify_rrset(&r->ds, &r->keys, r->now, r->b);
		if (v.status == VAL_BUDGET)
			return walk_fail(r, v.ede, "validation budget");
		if (v.status != VAL_SECURE) {
			kc_put(r->kc, w->child, w->clen, KC_BOGUS, v.ede, VC_BOGUS_TTL, NULL, r->now);
			return walk_bogus(r, v.ede, "DS RRset does not verify");
		}
		kc_put(r->kc, w->child, w->clen, KC_DS, -1, v.ttl, &r->ds, r->now);
		w->state = WALK_FETCH_KEYS;
		return W_NEED;                 /* the caller asks for the keys */
	}
	if (rcode != NP_DNS_RCODE_NOERROR && rcode != NP_DNS_RCODE_NXDOMAIN)
		return walk_fail(r, VC_EDE_NETWORK_ERROR, "DS question failed upstream");
	if (reply_nsecs(r, m, &n, &ttl, &res))
		return res;
	if (!n) {
		kc_put(r->kc, w->child, w->clen, KC_BOGUS, VAL_EDE_NSEC_MISSING, VC_BOGUS_TTL, NULL,
		       r->now);
		return walk_bogus(r, VAL_EDE_NSEC_MISSING, "DS denial without NSEC/NSEC3");
	}
	if (rcode == NP_DNS_RCODE_NXDOMAIN) {
		v = val_prove_nxdomain(w->zone, w->zlen, w->child, w->clen, r->nsec, n, r->b);
		if (v.status == VAL_SECURE) {
			/* Nothing exists there, so the target is a name of this zone. */
			name_copy(w->pos, &w->plen, w->target, w->tlen);
			w->state = WALK_DESCEND;
			return W_SECURE;
		}
	} else {
		/* RFC 4035 §5.2: an insecure delegation, or no cut at all. */
		v = val_prove_no_ds(w->zone, w->zlen, w->child, w->clen, r->nsec, n, r->b);
		if (v.status == VAL_INSECURE) {
			kc_put(r->kc, w->child, w->clen, KC_INSECURE, -1, ttl, NULL, r->now);
			w->why = "insecure delegation";
			return W_INSECURE;
		}
		if (v.status != VAL_BUDGET) {
			v = val_prove_nodata(w->zone, w->zlen, w->child, w->clen, NP_DNS_TYPE_DS, r->nsec,
					     n, r->b);
			if (v.status == VAL_BOGUS && nsec_proves_ent(r, n, w->child, w->clen))
				v.status = VAL_SECURE;
		}
		if (v.status == VAL_SECURE) {
			kc_put(r->kc, w->child, w->clen, KC_NOCUT, -1, ttl, NULL, r->now);
			name_copy(w->pos, &w->plen, w->child, w->clen);
			w->state = WALK_DESCEND;
			return W_NEED;         /* go on down */
		}
		if (v.status == VAL_INSECURE) {
			kc_put(r->kc, w->child, w->clen, KC_INSECURE, -1, ttl, NULL, r->now);
			w->why = "insecure delegation (opt-out)";
			return W_INSECURE;
		}
	}
	if (v.status == VAL_BUDGET)
		return walk_fail(r, v.ede, "validation budget");
	kc_put(r->kc, w->child, w->clen, KC_BOGUS, v.ede, VC_BOGUS_TTL, NULL, r->now);
	return walk_bogus(r, v.ede, "DS denial does not hold");
}

static enum walk_result on_keys(struct vc_run *r, const struct np_dns_msg *m)
{
	struct walk *w = &r->w;
	struct val_result v;
	int anchored = np_dns_name_equal(w->child, w->clen, w->anchor->zone, w->anchor->zlen);
	int rc = val_rrset_from_msg(&r->keys, m, NP_DNS_SEC_ANSWER, w->child, w->clen,
				    NP_DNS_TYPE_DNSKEY);

	if (rc == NP_ENOTFOUND) {
		int rcode = np_dns_msg_rcode(m);

		if (rcode != NP_DNS_RCODE_NOERROR && rcode != NP_DNS_RCODE_NXDOMAIN)
			return walk_fail(r, VC_EDE_NETWORK_ERROR, "DNSKEY question failed upstream");
		v.status = VAL_BOGUS;
		v.ede = VAL_EDE_DNSKEY_MISSING;
	} else if (rc) {
		v.status = VAL_BOGUS;
		v.ede = VAL_EDE_BOGUS;
	} else {
		v = val_verify_dnskeys(&r->keys, r->ds.n ? &r->ds : NULL,
				       anchored ? w->anchor->keys : NULL, r->now, r->b);
	}
	switch (v.status) {
	case VAL_SECURE:
		kc_put(r->kc, w->child, w->clen, KC_KEYS, -1, v.ttl, &r->keys, r->now);
		name_copy(w->zone, &w->zlen, w->child, w->clen);
		name_copy(w->pos, &w->plen, w->child, w->clen);
		w->state = WALK_DESCEND;
		return W_NEED;
	case VAL_INSECURE:
		kc_put(r->kc, w->child, w->clen, KC_INSECURE, v.ede, r->ds.ttl, NULL, r->now);
		w->why = "no supported DS algorithm or digest";
		return W_INSECURE;
	case VAL_BUDGET:
		return walk_fail(r, v.ede, "validation budget");
	case VAL_BOGUS:
		break;
	}
	kc_put(r->kc, w->child, w->clen, KC_BOGUS, v.ede, VC_BOGUS_TTL, NULL, r->now);
	return walk_bogus(r, v.ede, "DNSKEY RRset does not verify");
}

/* The reply to the walk's question; W_NEED to go on with walk_step(). */
static enum walk_result walk_reply(struct vc_run *r, const uint8_t *reply, size_t len)
{
	struct np_dns_msg m;
	struct np_dns_rr q;
	uint16_t want = r->w.state == WALK_FETCH_DS ? NP_DNS_TYPE_DS : NP_DNS_TYPE_DNSKEY;

	if (!reply)
		return walk_fail(r, VC_EDE_NETWORK_ERROR, "no answer to a DS/DNSKEY question");
	if (len > NP_DNS_MSG_MAX || np_dns_msg_parse(reply, len, &m) ||
	    np_dns_msg_question(&m, &q) || q.type != want ||
	    !np_dns_name_equal(q.owner, q.owner_len, r->w.child, r->w.clen))
		return walk_fail(r, VC_EDE_NETWORK_ERROR, "bad answer to a DS/DNSKEY question");
	return want == NP_DNS_TYPE_DS ? on_ds(r, &m) : on_keys(r, &m);
}

/* ---- Items and proofs ------------------------------------------------------ */

static void item_result(struct item *it, enum vc_status s, int ede, uint32_t ttl)
{
	it->status = s;
	it->ede = ede;
	it->ttl = ttl;
}

static void verify_item(struct vc_run *r, struct item *it, enum walk_result wr)
{
	struct val_result v;

	switch (wr) {
	case W_INSECURE:
		item_result(it, VC_INSECURE, -1, 0);
		return;
	case W_BOGUS:
		item_result(it, VC_BOGUS, r->w.ede, 0);
		return;
	case W_FAIL:
	case W_NEED:
		item_result(it, VC_SERVFAIL, r->w.ede, 0);
		return;
	case W_SECURE:
		break;
	}
	if (!it->slen || it->kind == ITEM_PROBE) {
		/* Proven to be in a secure zone, yet not signed: stripped (RFC 4035 §5). */
		item_result(it, VC_BOGUS, it->kind == ITEM_PROBE ? VAL_EDE_NSEC_MISSING :
				 VAL_EDE_RRSIGS_MISSING, 0);
		return;
	}
	if (!np_dns_name_equal(r->w.zone, r->w.zlen, it->signer, it->slen)) {
		/* The signer is no zone apex. */
		item_result(it, VC_BOGUS, VAL_EDE_DNSKEY_MISSING, 0);
		return;
	}
	if (val_rrset_from_msg(&r->set, &r->msg, it->sec, it->owner, it->olen, it->type)) {
		item_result(it, VC_BOGUS, VAL_EDE_BOGUS, 0);
		return;
	}
	v = val_verify_rrset(&r->set, &r->keys, r->now, r->b);
	if (v.status == VAL_SECURE) {
		item_result(it, VC_SECURE, -1, v.ttl);
		/* RFC 4034 §3.1.3: a "*" owner's labels field leaves the "*" out; such
		 * an RRset (an NSEC at the wildcard, say) is no expansion. */
		it->wildcard_labels = it->olen >= 2 && it->owner[0] == 1 && it->owner[1] == '*' ?
				      -1 : v.wildcard_labels;
	} else {
		item_result(it, v.status == VAL_BUDGET ? VC_SERVFAIL : VC_BOGUS, v.ede, 0);
	}
}

/* The secure NSEC/NSEC3 records signed by zone, from the answer's authority. */
static size_t secure_nsecs(struct vc_run *r, const uint8_t *zone, size_t zlen)
{
	struct val_nsec all[VC_MAX_NSEC];
	size_t n = val_nsec_from_msg(&r->msg, NP_DNS_SEC_AUTHORITY, all, r->nsec_owner,
				     VC_MAX_NSEC), k = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < r->nitems; j++) {
			const struct item *it = &r->items[j];

			if (it->kind == ITEM_RRSET && it->sec == NP_DNS_SEC_AUTHORITY &&
			    it->type == all[i].type && it->status == VC_SECURE &&
			    np_dns_name_equal(it->signer, it->slen, zone, zlen) &&
			    np_dns_name_equal(it->owner, it->olen, all[i].owner, all[i].owner_len)) {
				r->nsec[k++] = all[i];
				break;
			}
		}
	return k;
}

static int finish(struct vc_run *r, struct vc_action *out)
{
	uint32_t ttl = UINT32_MAX;
	int insecure = 0, have_secure_nsec = 0;
	const uint8_t *zone = NULL;
	size_t zlen = 0;
	struct val_result v;

	for (size_t i = 0; i < r->nitems; i++) {
		const struct item *it = &r->items[i];

		if (it->status == VC_INSECURE)
			insecure = 1;
		else if (it->status == VC_SECURE && it->ttl < ttl)
			ttl = it->ttl;
		if (it->status == VC_SECURE && it->sec == NP_DNS_SEC_AUTHORITY &&
		    (it->type == NP_DNS_TYPE_NSEC || it->type == NP_DNS_TYPE_NSEC3) &&
		    (!zone || it->slen > zlen)) {
			zone = it->signer;
			zlen = it->slen;
			have_secure_nsec = 1;
		}
	}
	/* RFC 4035 §5.3.4: a wildcard expansion needs proof that no closer name exists. */
	for (size_t i = 0; i < r->nitems; i++) {
		struct item *it = &r->items[i];
		size_t n;

		if (it->status != VC_SECURE || it->wildcard_labels < 0)
			continue;
		n = secure_nsecs(r, it->signer, it->slen);
		v = val_prove_wildcard(it->signer, it->slen, it->owner, it->olen, it->wildcard_labels,
				       r->nsec, n, r->b);
		if (v.status == VAL_BUDGET)
			return done(out, VC_SERVFAIL, v.ede, 0, "validation budget");
		if (v.status == VAL_BOGUS)
			return done(out, VC_BOGUS, v.ede, 0, "wildcard expansion not proven");
		if (v.status == VAL_INSECURE)
			insecure = 1;
	}
	if (r->negative) {
		/* The proof for the last name of the chain, from its zone's NSEC/NSEC3. */
		if (have_secure_nsec && np_dns_name_is_subdomain(r->final, r->flen, zone, zlen)) {
			size_t n = secure_nsecs(r, zone, zlen);

			v = r->nxdomain ?
			    val_prove_nxdomain(zone, zlen, r->final, r->flen, r->nsec, n, r->b) :
			    val_prove_nodata(zone, zlen, r->final, r->flen, r->qtype, r->nsec, n,
					     r->b);
			if (v.status == VAL_BUDGET)
				return done(out, VC_SERVFAIL, v.ede, 0, "validation budget");
			if (v.status == VAL_BOGUS)
				return done(out, VC_BOGUS, v.ede, 0, "denial of existence not proven");
			if (v.status == VAL_INSECURE)
				insecure = 1;
		} else if (!insecure) {
			return done(out, VC_BOGUS, VAL_EDE_NSEC_MISSING, 0, "denial without proof");
		}
	}
	if (!r->nitems)
		insecure = 1;
	if (insecure)
		return done(out, VC_INSECURE, -1, 0, "insecure");
	return done(out, VC_SECURE, -1, ttl == UINT32_MAX ? 0 : ttl, "secure");
}

/* Validate items from r->cur on until one needs a question, or the end. */
static int run(struct vc_run *r, struct vc_action *out, enum walk_result pending)
{
	for (;;) {
		struct item *it;
		enum walk_result wr = pending;

		if (r->cur >= r->nitems)
			return finish(r, out);
		it = &r->items[r->cur];
		if (!r->walking) {
			if (it->kind == ITEM_RRSET && it->slen &&
			    !np_dns_name_is_subdomain(it->owner, it->olen, it->signer, it->slen)) {
				/* RFC 4035 §5.3.1: the signer must be the owner or above it. */
				return done(out, VC_BOGUS, VAL_EDE_BOGUS, 0, "RRSIG signer not above owner");
			}
			if (it->slen)
				walk_begin(r, it->signer, it->slen);
			else
				walk_begin(r, it->owner, it->olen);
			wr = W_NEED;
		}
		if (wr == W_NEED)
			wr = walk_step(r, out);
		pending = W_NEED;
		if (wr == W_NEED)
			return 0;               /* out holds the question */
		r->walking = 0;
		verify_item(r, it, wr);
		r->cur++;
		if (it->status == VC_BOGUS)
			return done(out, VC_BOGUS, it->ede, 0,
				    r->w.why ? r->w.why : "RRset does not verify");
		if (it->status == VC_SERVFAIL)
			return done(out, VC_SERVFAIL, it->ede, 0,
				    r->w.why ? r->w.why : "validation budget");
	}
}

static int start(struct vc_run *r, const uint8_t *answer, size_t len, uint32_t now,
		 struct val_budget *b, struct vc_action *out)
{
	struct np_dns_rr q;
	int rcode;

	memset(out, 0, sizeof(*out));
	r->b = b;
	r->now = now;
	r->nitems = r->cur = 0;
	r->walking = 0;
	r->fetches = 0;
	r->negative = r->nxdomain = 0;
	if (len > sizeof(r->answer))
		return done(out, VC_SERVFAIL, VAL_EDE_NONE, 0, "answer too long");
	memcpy(r->answer, answer, len);
	if (np_dns_msg_parse(r->answer, len, &r->msg) || np_dns_msg_question(&r->msg, &q))
		return done(out, VC_BOGUS, VAL_EDE_BOGUS, 0, "malformed answer");
	name_copy(r->qname, &r->qlen, q.owner, q.owner_len);
	r->qtype = q.type;
	rcode = np_dns_msg_rcode(&r->msg);
	if (rcode != NP_DNS_RCODE_NOERROR && rcode != NP_DNS_RCODE_NXDOMAIN)
		return done(out, VC_SERVFAIL, VAL_EDE_NONE, 0, "upstream error");
	r->nxdomain = rcode == NP_DNS_RCODE_NXDOMAIN;
	/* RFC 7646 §2.1: no validation at or below a negative trust anchor. */
	if (vc_trust_nta_covers(r->t, r->qname, r->qlen))
		return done(out, VC_INSECURE, VAL_EDE_NONE, 0, "negative trust anchor");
	if (collect(r))
		return done(out, VC_SERVFAIL, VAL_EDE_NONE, 0, "answer too complex");
	if (r->nxdomain)
		r->negative = 1;
	return run(r, out, W_NEED);
}

void vc_start(struct vc_run *r, const uint8_t *answer, size_t len, uint32_t now,
	      struct val_budget *b, struct vc_action *out)
{
	(void)start(r, answer, len, now, b, out);
}

void vc_resume(struct vc_run *r, const uint8_t *reply, size_t len, uint32_t now,
	       struct vc_action *out)
{
	enum walk_result wr;

	memset(out, 0, sizeof(*out));
	r->now = now;
	if (!r->walking || (r->w.state != WALK_FETCH_DS && r->w.state != WALK_FETCH_KEYS)) {
		(void)done(out, VC_SERVFAIL, VAL_EDE_NONE, 0, "no question outstanding");
		return;
	}
	wr = walk_reply(r, reply, len);
	/* A secure DS: its zone's DNSKEY RRset is the next question. */
	if (wr == W_NEED && r->w.state == WALK_FETCH_KEYS) {
		wr = ask(r, NP_DNS_TYPE_DNSKEY, out);
		if (wr == W_NEED)
			return;
	}
	(void)run(r, out, wr);
}
