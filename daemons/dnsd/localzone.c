/*
 * localzone.c: np-dnsd's authoritative local data (see localzone.h).
 *
 * Names are nodes in a hash map (hashmap.h, keyed: owners come from DHCP
 * clients), found by their owner without case; each node holds its
 * records as canonical uncompressed rdata.  Every ancestor of a node up to
 * its zone apex exists as a node too, counting its descendants, so an empty
 * non-terminal answers NODATA rather than NXDOMAIN (RFC 8020 §2) without a
 * scan.  The reverse zones are the /24 (in-addr.arpa) and /64 (ip6.arpa)
 * zones holding at least one PTR: those whose apex node exists.
 *
 * A change (a configured line here, an UPDATE in update.c) is a
 * transaction: while it is applied, removed records are kept aside and
 * added ones listed, so a failed allocation rolls every change back (RFC
 * 2136 §3.4.2: all or nothing); nodes left empty are dropped when the
 * transaction ends.  Record text is parsed by zonetext.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/buf.h>
#include <netproto/error.h>

#include "localzone-store.h"

#define MAX_CHAIN 16                    /* local CNAMEs followed */
#define INITIAL_BUCKETS 64

/* ---- Names ------------------------------------------------------------ */

static const uint8_t in_addr_arpa[] = "\007in-addr\004arpa";   /* NUL = root */
static const uint8_t ip6_arpa[] = "\003ip6\004arpa";

/* Offset of the suffix of name having n labels, or -1 when it has fewer. */
static int suffix_labels(const uint8_t *name, size_t len, int n)
{
	int total = np_dns_name_labels(name, len);
	size_t off = 0;

	if (total < n)
		return -1;
	while (total-- > n)
		off += 1 + (size_t)name[off];
	return (int)off;
}

/*
 * The reverse zone of a PTR owner: its /24 in in-addr.arpa (the address's
 * first three octets), its /64 in ip6.arpa; 0 when it is not below one.
 */
static size_t rev_zone_of(const uint8_t *name, size_t len, const uint8_t **zone)
{
	int off = -1;

	if (np_dns_name_is_subdomain(name, len, in_addr_arpa, sizeof(in_addr_arpa)))
		off = suffix_labels(name, len, 2 + 3);
	else if (np_dns_name_is_subdomain(name, len, ip6_arpa, sizeof(ip6_arpa)))
		off = suffix_labels(name, len, 2 + 16);
	if (off < 0)
		return 0;
	*zone = name + off;
	return len - (size_t)off;
}

/* The reverse name of an A or AAAA record's data; 0 for other types. */
static size_t rev_of(uint16_t type, const uint8_t *rdata, size_t rdlen, uint8_t *out)
{
	int len = 0;

	if (type == NP_DNS_TYPE_A && rdlen == 4)
		len = np_dns_name_reverse4(np_load_be32(rdata), out, NP_DNS_NAME_MAX);
	else if (type == NP_DNS_TYPE_AAAA && rdlen == 16)
		len = np_dns_name_reverse6(rdata, out, NP_DNS_NAME_MAX);
	return len > 0 ? (size_t)len : 0;
}

/* ---- Zones ------------------------------------------------------------ */

/*
 * The apex of the zone name belongs to: the local zone, or the reverse zone
 * above it when that holds a PTR (its apex node exists exactly while a
 * record lies below it); 0 if none.  Two hash lookups at most, so asking
 * about names we forward costs next to nothing.
 */
static size_t apex_of(const struct dns_local *z, const uint8_t *name, size_t len,
		      const uint8_t **apex)
{
	size_t zl;

	if (np_dns_name_is_subdomain(name, len, z->zone, z->zlen)) {
		*apex = z->zone;
		return z->zlen;
	}
	zl = rev_zone_of(name, len, apex);
	return zl && dns_local_node_find(z, *apex, zl) ? zl : 0;
}

int dns_local_owns(const struct dns_local *z, const uint8_t *name, size_t len)
{
	const uint8_t *apex;

	return np_dns_name_check(name, len) == 0 && apex_of(z, name, len, &apex) > 0;
}

/* ---- Nodes ------------------------------------------------------------ */

/* The map's hash of an owner: without case (RFC 4343), under the zone's key. */
static uint32_t owner_hash(const struct dns_local *z, const uint8_t *name, size_t len)
{
	return np_hmap_hash_nocase(&z->map, name, len);
}

static struct lnode *node_of(struct np_hmap_node *hn)
{
	return NP_HMAP_ENTRY(hn, struct lnode, hnode);
}

struct lnode *dns_local_node_find(const struct dns_local *z, const uint8_t *name, size_t len)
{
	uint32_t h = owner_hash(z, name, len);
	struct np_hmap_node *hn;

	for (hn = np_hmap_first(&z->map, h); hn; hn = np_hmap_next(hn))
		if (np_dns_name_equal(node_of(hn)->owner, node_of(hn)->olen, name, len))
			return node_of(hn);
	return NULL;
}

static void node_mark_dirty(struct dns_local *z, struct lnode *n)
{
	if (!n->dirty) {
		n->dirty = 1;
		n->dirty_next = z->dirty;
		z->dirty = n;
	}
}

static struct lnode *node_new(struct dns_local *z, const uint8_t *name, size_t len)
{
	struct lnode *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	memcpy(n->owner, name, len);
	np_dns_name_lower(n->owner, len);
	n->olen = (uint8_t)len;
	np_hmap_insert(&z->map, &n->hnode, owner_hash(z, name, len));
	node_mark_dirty(z, n);
	if (z->map.count > np_hmap_buckets(&z->map))
		(void)np_hmap_resize(&z->map, 2 * np_hmap_buckets(&z->map));   /* or longer chains */
	return n;
}

/*
 * The node of name, created with its ancestors up to apex (each counting
 * one more descendant) when missing.  NULL when out of memory: the nodes
 * created so far are dirty and empty, dropped at the end of the change.
 */
static struct lnode *node_get(struct dns_local *z, const uint8_t *name, size_t len,
			      const uint8_t *apex, size_t alen)
{
	struct lnode *n = dns_local_node_find(z, name, len), *p;
	size_t off;

	if (n)
		return n;
	if (!(n = node_new(z, name, len)))
		return NULL;
	if (np_dns_name_equal(name, len, apex, alen))
		return n;
	off = 1 + (size_t)name[0];
	if (!(p = node_get(z, name + off, len - off, apex, alen)))
		return NULL;
	p->ndesc++;
	return n;
}

/* Drop n if it holds nothing, then its ancestors that become empty. */
static void node_release(struct dns_local *z, struct lnode *n)
{
	while (n && !n->recs && !n->ndesc) {
		const uint8_t *apex;
		size_t alen = apex_of(z, n->owner, n->olen, &apex);
		struct lnode *p = NULL;

		if (n->olen > 1 && (!alen || !np_dns_name_equal(n->owner, n->olen, apex, alen)))
			p = dns_local_node_find(z, n->owner + 1 + n->owner[0], n->olen - 1 - n->owner[0]);
		np_hmap_remove(&z->map, &n->hnode);
		if (n->dirty) {
			n->recs = NULL;     /* freed from the dirty list */
			n->ndesc = UINT32_MAX;
		} else {
			free(n);
		}
		if (p && p->ndesc)
			p->ndesc--;
		n = p;
	}
}

/* End of a change: drop the nodes it left empty, forget the dirty list. */
static void nodes_settle(struct dns_local *z)
{
	struct lnode *n = z->dirty;

	while (n) {
		struct lnode *next = n->dirty_next;

		if (n->ndesc == UINT32_MAX) {
			free(n);        /* already unlinked */
		} else {
			n->dirty = 0;
			node_release(z, n);
		}
		n = next;
	}
	z->dirty = NULL;
}

/* ---- Records ---------------------------------------------------------- */

static struct lrec *rec_new(uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	struct lrec *r;

	if (rdlen > 0xffff || !(r = calloc(1, sizeof(*r) + rdlen)))
		return NULL;
	r->type = type;
	r->ttl = ttl;
	r->rdlen = (uint16_t)rdlen;
	memcpy(r->rdata, rdata, rdlen);
	return r;
}

int dns_local_rec_same(const struct lrec *r, uint16_t type, const uint8_t *rdata,
		       size_t rdlen)
{
	if (r->type != type || r->rdlen != rdlen)
		return 0;
	/* Names in rdata compare without case (RFC 4343); other octets exactly. */
	if (type == NP_DNS_TYPE_CNAME || type == NP_DNS_TYPE_PTR || type == NP_DNS_TYPE_NS)
		return np_dns_name_equal(r->rdata, r->rdlen, rdata, rdlen);
	return !memcmp(r->rdata, rdata, rdlen);
}

int dns_local_node_has_type(const struct lnode *n, uint16_t type)
{
	const struct lrec *r;

	for (r = n ? n->recs : NULL; r; r = r->next)
		if (r->type == type)
			return 1;
	return 0;
}

/* Attach r to n. */
static void rec_link(struct dns_local *z, struct lnode *n, struct lrec *r)
{
	struct lrec **pp = &n->recs;

	while (*pp)                     /* keep the order records were added in */
		pp = &(*pp)->next;
	r->next = NULL;
	*pp = r;
	r->node = n;
	z->nrecs++;
}

/* Detach r from its node (the node is dropped later, if empty). */
static void rec_unlink(struct dns_local *z, struct lrec *r)
{
	struct lnode *n = r->node;
	struct lrec **pp = &n->recs;

	while (*pp != r)
		pp = &(*pp)->next;
	*pp = r->next;
	r->next = NULL;
	z->nrecs--;
	node_mark_dirty(z, n);
}

/* Remove r: inside an UPDATE it is kept aside for a rollback. */
static void rec_remove(struct dns_local *z, struct lrec *r)
{
	rec_unlink(z, r);
	if (r->txn_added) {
		r->txn_dead = 1;        /* freed with the added list */
	} else if (z->in_txn) {
		r->txn_next = z->removed;
		z->removed = r;
	} else {
		free(r);
	}
}

/* The node for a new record at name, or NULL when out of memory. */
static struct lnode *node_for(struct dns_local *z, const uint8_t *name, size_t len)
{
	const uint8_t *apex;
	size_t alen;

	if (np_dns_name_is_subdomain(name, len, z->zone, z->zlen)) {
		apex = z->zone;
		alen = z->zlen;
	} else if (!(alen = rev_zone_of(name, len, &apex))) {
		apex = name;            /* not below a zone: a lone node */
		alen = len;
	}
	return node_get(z, name, len, apex, alen);
}

int dns_local_rec_add(struct dns_local *z, const uint8_t *owner, size_t olen, uint16_t type,
		      uint32_t ttl, const uint8_t *rdata, size_t rdlen, int dynamic, int autoptr,
		      struct lrec **out)
{
	struct lnode *n = node_for(z, owner, olen);
	struct lrec *r;

	if (!n)
		return NP_ENOSPC;
	node_mark_dirty(z, n);
	if (!(r = rec_new(type, ttl, rdata, rdlen)))
		return NP_ENOSPC;
	r->dynamic = (uint8_t)dynamic;
	r->autoptr = (uint8_t)autoptr;
	rec_link(z, n, r);
	if (z->in_txn) {
		r->txn_next = z->added;
		z->added = r;
		r->txn_added = 1;
	}
	if (out)
		*out = r;
	return 0;
}

/* The PTR for a new A/AAAA, unless its address already has one (the first name wins). */
int dns_local_autoptr_add(struct dns_local *z, const uint8_t *owner, size_t olen,
			  uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t rdlen,
			  int dynamic)
{
	uint8_t rev[NP_DNS_NAME_MAX];
	size_t rlen = rev_of(type, rdata, rdlen, rev);

	if (!rlen || dns_local_node_has_type(dns_local_node_find(z, rev, rlen), NP_DNS_TYPE_PTR))
		return 0;
	return dns_local_rec_add(z, rev, rlen, NP_DNS_TYPE_PTR, ttl, owner, olen, dynamic, 1, NULL);
}

/* Removing an A/AAAA removes the PTR made for it. */
static void autoptr_remove(struct dns_local *z, const struct lrec *a)
{
	uint8_t rev[NP_DNS_NAME_MAX];
	size_t rlen = rev_of(a->type, a->rdata, a->rdlen, rev);
	struct lnode *n = rlen ? dns_local_node_find(z, rev, rlen) : NULL;
	struct lrec *r, *next;

	for (r = n ? n->recs : NULL; r; r = next) {
		next = r->next;
		if (r->autoptr && r->type == NP_DNS_TYPE_PTR &&
		    np_dns_name_equal(r->rdata, r->rdlen, a->node->owner, a->node->olen))
			rec_remove(z, r);
	}
}

/* A static PTR replaces the automatic one at its name. */
void dns_local_autoptr_clear(struct dns_local *z, const uint8_t *name, size_t len)
{
	struct lnode *n = dns_local_node_find(z, name, len);
	struct lrec *r, *next;

	for (r = n ? n->recs : NULL; r; r = next) {
		next = r->next;
		if (r->autoptr)
			rec_remove(z, r);
	}
}

/* Remove one record, and its automatic PTR. */
void dns_local_rec_delete(struct dns_local *z, struct lrec *r)
{
	if (r->type == NP_DNS_TYPE_A || r->type == NP_DNS_TYPE_AAAA)
		autoptr_remove(z, r);
	rec_remove(z, r);
}

/* ---- Life cycle ------------------------------------------------------- */

struct dns_local *dns_local_new(const uint8_t *zone, size_t zlen,
				const struct np_hmap_key *key)
{
	struct dns_local *z;

	if (np_dns_name_check(zone, zlen) || !(z = calloc(1, sizeof(*z))))
		return NULL;
	memcpy(z->zone, zone, zlen);
	np_dns_name_lower(z->zone, zlen);
	z->zlen = zlen;
	z->serial = 1;
	z->ttl = DNS_LOCAL_DEFAULT_TTL;
	if (np_hmap_init(&z->map, INITIAL_BUCKETS, key)) {
		free(z);
		return NULL;
	}
	return z;
}

void dns_local_set_ttl(struct dns_local *z, uint32_t ttl)
{
	z->ttl = ttl > DNS_TTL_MAX ? DNS_TTL_MAX : ttl;
}

uint32_t dns_local_serial(const struct dns_local *z)
{
	return z->serial;
}

void dns_local_free(struct dns_local *z)
{
	struct np_hmap_iter it;
	struct np_hmap_node *hn;

	if (!z)
		return;
	np_hmap_iter_init(&it, &z->map);
	while ((hn = np_hmap_iter_next(&it))) {
		struct lnode *n = node_of(hn);

		while (n->recs) {
			struct lrec *r = n->recs;

			n->recs = r->next;
			free(r);
		}
		free(n);
	}
	np_hmap_fini(&z->map);
	free(z);
}


void dns_local_serial_bump(struct dns_local *z)
{
	if (++z->serial == 0)
		z->serial = 1;
}

/*
 * A change (a zone-file line or an UPDATE) runs as a transaction: removed
 * records are kept aside and added ones listed until it ends.
 */
void dns_local_txn_begin(struct dns_local *z)
{
	z->in_txn = 1;
	z->added = z->removed = NULL;
}

/* End a change: keep it or undo all of it (RFC 2136 §3.4.2). */
void dns_local_txn_end(struct dns_local *z, int commit)
{
	struct lrec *r, *next;

	if (!commit) {
		for (r = z->added; r; r = r->txn_next)
			if (!r->txn_dead)
				rec_unlink(z, r);
		/* Each removed record goes back to its node, still allocated. */
		for (r = z->removed; r; r = r->txn_next)
			rec_link(z, r->node, r);
	}
	for (r = z->added; r; r = next) {
		next = r->txn_next;
		r->txn_added = 0;
		if (!commit || r->txn_dead)
			free(r);
	}
	for (r = commit ? z->removed : NULL; r; r = next) {
		next = r->txn_next;
		free(r);
	}
	z->added = z->removed = NULL;
	z->in_txn = 0;
	nodes_settle(z);
}

static int cname_conflict(const struct lnode *n, uint16_t type)
{
	const struct lrec *r;

	for (r = n ? n->recs : NULL; r; r = r->next)
		if ((type == NP_DNS_TYPE_CNAME) != (r->type == NP_DNS_TYPE_CNAME) ||
		    (type == NP_DNS_TYPE_CNAME && r->type == NP_DNS_TYPE_CNAME))
			return 1;
	return 0;
}

static int duplicate(const struct lnode *n, uint16_t type, const uint8_t *rd, size_t len)
{
	const struct lrec *r;

	for (r = n ? n->recs : NULL; r; r = r->next)
		if (!r->autoptr && dns_local_rec_same(r, type, rd, len))
			return 1;
	return 0;
}

static int owner_ok(struct dns_local *z, const uint8_t *owner, size_t olen, uint16_t type,
		    char *err, size_t errlen)
{
	char text[NP_DNS_NAME_TEXT_MAX];

	if (np_dns_name_is_subdomain(owner, olen, z->zone, z->zlen))
		return 0;
	np_dns_name_to_text(owner, olen, text, sizeof(text));
	if (type != NP_DNS_TYPE_PTR) {
		char zt[NP_DNS_NAME_TEXT_MAX];

		np_dns_name_to_text(z->zone, z->zlen, zt, sizeof(zt));
		return dns_text_fail(err, errlen, "owner %s is outside the local zone %s", text, zt);
	}
	{
		const uint8_t *rz;

		if (!rev_zone_of(owner, olen, &rz))
			return dns_text_fail(err, errlen, "PTR owner %s is not an address below "
					     "in-addr.arpa. or ip6.arpa.", text);
	}
	return 0;
}

int dns_local_add_line(struct dns_local *z, const char *line, char *err, size_t errlen)
{
	struct dns_rr_text rr;
	const struct lnode *n;
	int rc;

	if ((rc = dns_rr_text_parse(line, z->ttl, 0, &rr, err, errlen)) ||
	    (rc = owner_ok(z, rr.owner, rr.owner_len, rr.type, err, errlen)))
		return rc;
	n = dns_local_node_find(z, rr.owner, rr.owner_len);
	if (cname_conflict(n, rr.type))
		return dns_text_fail(err, errlen, "CNAME and other data at one name (RFC 1034 §3.6.2)");
	if (duplicate(n, rr.type, rr.rdata, rr.rdlength))
		return 0;
	dns_local_txn_begin(z);
	if (rr.type == NP_DNS_TYPE_PTR)
		dns_local_autoptr_clear(z, rr.owner, rr.owner_len);
	rc = dns_local_rec_add(z, rr.owner, rr.owner_len, rr.type, rr.ttl, rr.rdata, rr.rdlength,
			       0, 0, NULL);
	if (!rc)
		rc = dns_local_autoptr_add(z, rr.owner, rr.owner_len, rr.type, rr.ttl, rr.rdata,
					   rr.rdlength, 0);
	dns_local_txn_end(z, rc == 0);
	if (rc)
		return dns_text_fail(err, errlen, "out of memory");
	dns_local_serial_bump(z);
	return 0;
}

/* ---- Answers ---------------------------------------------------------- */

/* Write one record; rdata is canonical, so it decodes as a message of its own. */
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
	return np_dns_add_rr(b, sec, owner, len, type, NP_DNS_CLASS_IN, ttl, &rd);
}

/* The SOA we make for a zone apex: serial from the change counter (RFC 1996 §3.5 style). */
static int put_soa(const struct dns_local *z, struct np_dns_builder *b, enum np_dns_section sec,
		   const uint8_t *apex, size_t alen)
{
	static const uint8_t host[] = "\012hostmaster";
	struct np_dns_rdata rd;

	memset(&rd, 0, sizeof(rd));
	memcpy(rd.soa.mname, apex, alen);
	rd.soa.mname_len = alen;
	if (alen + sizeof(host) - 1 <= NP_DNS_NAME_MAX) {
		memcpy(rd.soa.rname, host, sizeof(host) - 1);
		memcpy(rd.soa.rname + sizeof(host) - 1, apex, alen);
		rd.soa.rname_len = alen + sizeof(host) - 1;
	} else {
		memcpy(rd.soa.rname, apex, alen);
		rd.soa.rname_len = alen;
	}
	rd.soa.serial = z->serial;
	rd.soa.refresh = 3600;
	rd.soa.retry = 600;
	rd.soa.expire = 86400;
	rd.soa.minimum = z->ttl;        /* the negative TTL (RFC 2308 §4) */
	return np_dns_add_rr(b, sec, apex, alen, NP_DNS_TYPE_SOA, NP_DNS_CLASS_IN, z->ttl, &rd);
}

/* The records of n matching qtype (ANY: all), under owner; returns how many or an error. */
static int put_rrset(struct np_dns_builder *b, const struct lnode *n, const uint8_t *owner,
		     size_t len, uint16_t qtype)
{
	const struct lrec *r;
	int count = 0, err;

	for (r = n ? n->recs : NULL; r; r = r->next) {
		if (qtype != NP_DNS_TYPE_ANY && r->type != qtype)
			continue;
		if ((err = put_record(b, NP_DNS_SEC_ANSWER, owner, len, r->type, r->ttl, r->rdata,
				      r->rdlen)))
			return err;
		count++;
	}
	return count;
}

static const struct lrec *node_cname(const struct lnode *n)
{
	const struct lrec *r;

	for (r = n ? n->recs : NULL; r; r = r->next)
		if (r->type == NP_DNS_TYPE_CNAME)
			return r;
	return NULL;
}

int dns_local_answer(struct dns_local *z, const uint8_t *qname, size_t qlen,
		     uint16_t qtype, struct np_dns_builder *b)
{
	const uint8_t *name = qname, *apex;
	size_t len = qlen, alen;
	const struct lnode *n;
	const struct lrec *cn;
	int links, rc;

	if (np_dns_name_check(qname, qlen))
		return NP_EINVAL;
	b->hdr.aa = 1;                  /* RFC 1035 §4.1.1: we are the authority */
	for (links = 0;; links++) {
		if (!(alen = apex_of(z, name, len, &apex)))
			return 0;       /* a CNAME out of our zones: the client follows it */
		n = dns_local_node_find(z, name, len);
		if (np_dns_name_equal(name, len, apex, alen) &&
		    (qtype == NP_DNS_TYPE_SOA || qtype == NP_DNS_TYPE_ANY) &&
		    (rc = put_soa(z, b, NP_DNS_SEC_ANSWER, apex, alen)))
			return rc;
		if ((rc = put_rrset(b, n, name, len, qtype)) < 0)
			return rc;
		if (rc > 0 || (qtype == NP_DNS_TYPE_SOA && np_dns_name_equal(name, len, apex, alen)))
			return 0;
		if (qtype != NP_DNS_TYPE_CNAME && (cn = node_cname(n)) && links < MAX_CHAIN) {
			if ((rc = put_record(b, NP_DNS_SEC_ANSWER, name, len, NP_DNS_TYPE_CNAME,
					     cn->ttl, cn->rdata, cn->rdlen)))
				return rc;
			name = cn->rdata;
			len = cn->rdlen;
			continue;
		}
		if (qtype == NP_DNS_TYPE_ANY && np_dns_name_equal(name, len, apex, alen))
			return 0;       /* the SOA answered */
		/* RFC 2308 §2.1/§2.2: NXDOMAIN, or NODATA for a name that exists (or an ENT). */
		if (!n && !np_dns_name_equal(name, len, apex, alen))
			np_dns_builder_rcode(b, NP_DNS_RCODE_NXDOMAIN);
		return put_soa(z, b, NP_DNS_SEC_AUTHORITY, apex, alen);
	}
}

/* ---- Dump ------------------------------------------------------------- */

void dns_local_walk(const struct dns_local *z,
		    int (*fn)(void *arg, const uint8_t *owner, size_t len, uint16_t type,
			      uint32_t ttl, const uint8_t *rdata, size_t rdlen, int dynamic),
		    void *arg)
{
	struct np_hmap_iter it;
	struct np_hmap_node *hn;

	np_hmap_iter_init(&it, &z->map);
	while ((hn = np_hmap_iter_next(&it))) {
		const struct lnode *n = node_of(hn);
		const struct lrec *r;

		for (r = n->recs; r; r = r->next)
			if (fn(arg, n->owner, n->olen, r->type, r->ttl, r->rdata, r->rdlen, r->dynamic))
				return;
	}
}

size_t dns_local_count(const struct dns_local *z)
{
	return z->nrecs;
}

const struct dns_local_stats *dns_local_get_stats(const struct dns_local *z)
{
	return &z->st;
}

/* ---- Reload ----------------------------------------------------------- */

/* Does n hold a record from the configuration? */
static int node_has_static(const struct lnode *n)
{
	const struct lrec *r;

	for (r = n ? n->recs : NULL; r; r = r->next)
		if (!r->dynamic)
			return 1;
	return 0;
}

/* One dynamic record of the old zone into the new one; 0, 1 dropped, or an error. */
static int carry_rec(struct dns_local *to, const struct lnode *n, const struct lrec *r)
{
	int rc;

	/* The configuration wins: its names are not the clients' to keep. */
	if (node_has_static(dns_local_node_find(to, n->owner, n->olen)))
		return 1;
	dns_local_txn_begin(to);
	rc = dns_local_rec_add(to, n->owner, n->olen, r->type, r->ttl, r->rdata, r->rdlen, 1, 0, NULL);
	if (!rc)
		rc = dns_local_autoptr_add(to, n->owner, n->olen, r->type, r->ttl, r->rdata, r->rdlen, 1);
	dns_local_txn_end(to, rc == 0);
	return rc;
}

size_t dns_local_carry(const struct dns_local *from, struct dns_local *to, size_t *dropped)
{
	struct np_hmap_iter it;
	struct np_hmap_node *hn;
	size_t kept = 0, lost = 0;

	to->st = from->st;
	np_hmap_iter_init(&it, &from->map);
	while ((hn = np_hmap_iter_next(&it))) {
		const struct lnode *n = node_of(hn);
		const struct lrec *r;

		if (!np_dns_name_is_subdomain(n->owner, n->olen, to->zone, to->zlen))
			continue;       /* PTRs follow their A/AAAA by themselves */
		for (r = n->recs; r; r = r->next) {
			if (!r->dynamic || r->autoptr)
				continue;
			if (carry_rec(to, n, r) == 0)
				kept++;
			else
				lost++;
		}
	}
	to->st.reload_dropped += lost;
	/* RFC 1982: the serial never goes back, even across a reload. */
	if ((int32_t)(from->serial - to->serial) > 0)
		to->serial = from->serial;
	dns_local_serial_bump(to);
	if (dropped)
		*dropped = lost;
	return kept;
}
