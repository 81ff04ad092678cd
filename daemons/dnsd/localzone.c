/*
 * localzone.c: np-dnsd's authoritative local data (see localzone.h).
 *
 * Names are nodes in a hash table (owner lowercased); each node holds its
 * records as canonical uncompressed rdata.  Every ancestor of a node up to
 * its zone apex exists as a node too, counting its descendants, so an empty
 * non-terminal answers NODATA rather than NXDOMAIN (RFC 8020 §2) without a
 * scan.  The reverse zones are the /24 (in-addr.arpa) and /64 (ip6.arpa)
 * zones holding at least one PTR: those whose apex node exists.
 *
 * UPDATE (RFC 2136) checks prerequisites and prescans the update section
 * before changing anything; while the changes are applied, removed records
 * are kept aside and added ones listed, so a failed allocation rolls every
 * change back (§3.4.2: all or nothing); nodes left empty are dropped when
 * the transaction ends.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/buf.h>
#include <netproto/error.h>

#include "localzone.h"

#define OPCODE_UPDATE 5                 /* RFC 2136 §1 */
#define CLASS_NONE 254                  /* RFC 2136 §1.3 */
#define RCODE_YXDOMAIN 6
#define RCODE_YXRRSET 7
#define RCODE_NXRRSET 8
#define RCODE_NOTAUTH 9
#define RCODE_NOTZONE 10
#define TYPE_DHCID 49                   /* RFC 4701 §2 */
#define MAX_CHAIN 16                    /* local CNAMEs followed */
#define TYPED_RDATA_MAX (2 * NP_DNS_NAME_MAX + 20)
#define TTL_MAX 0x7fffffffu             /* RFC 2181 §8 */

struct lrec {
	struct lrec *next;              /* the node's records */
	struct lrec *txn_next;          /* added or removed in the running UPDATE */
	struct lnode *node;
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
	uint8_t dynamic;                /* from UPDATE, not the config */
	uint8_t autoptr;                /* the PTR of an A/AAAA */
	uint8_t txn_added;              /* on the running change's added list */
	uint8_t txn_dead;               /* ... and removed again by it */
	uint8_t rdata[];
};

struct lnode {
	struct lnode *next;             /* hash chain */
	struct lnode *dirty_next;       /* touched by the running change */
	struct lrec *recs;
	uint32_t hash;
	uint32_t ndesc;                 /* descendant nodes (empty non-terminals have 0 recs) */
	uint8_t dirty;
	uint8_t olen;
	uint8_t owner[NP_DNS_NAME_MAX];
};

struct dns_local {
	uint8_t zone[NP_DNS_NAME_MAX];
	size_t zlen;
	struct lnode **tab;
	size_t mask, nnodes, nrecs;
	uint32_t serial, ttl;
	struct lnode *dirty;            /* nodes to drop if empty at the end */
	struct lrec *added, *removed;   /* the running UPDATE's changes */
	int in_txn;
	struct dns_local_stats st;
};

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

static size_t rev4(uint32_t a, uint8_t *out)
{
	char text[64];

	snprintf(text, sizeof(text), "%u.%u.%u.%u.in-addr.arpa.", a & 0xff, (a >> 8) & 0xff,
		 (a >> 16) & 0xff, a >> 24);
	return (size_t)np_dns_name_from_text(text, out, NP_DNS_NAME_MAX);
}

static size_t rev6(const uint8_t *a, uint8_t *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t off = 0;
	int i;

	for (i = 15; i >= 0; i--) {
		out[off++] = 1;
		out[off++] = (uint8_t)hex[a[i] & 0xf];
		out[off++] = 1;
		out[off++] = (uint8_t)hex[a[i] >> 4];
	}
	memcpy(out + off, ip6_arpa, sizeof(ip6_arpa));
	return off + sizeof(ip6_arpa);
}

/* The reverse name of an A or AAAA record's data; 0 for other types. */
static size_t rev_of(uint16_t type, const uint8_t *rdata, size_t rdlen, uint8_t *out)
{
	if (type == NP_DNS_TYPE_A && rdlen == 4)
		return rev4(np_load_be32(rdata), out);
	if (type == NP_DNS_TYPE_AAAA && rdlen == 16)
		return rev6(rdata, out);
	return 0;
}

/* ---- Zones ------------------------------------------------------------ */

static struct lnode *node_find(const struct dns_local *z, const uint8_t *name, size_t len);

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
	return zl && node_find(z, *apex, zl) ? zl : 0;
}

int dns_local_owns(const struct dns_local *z, const uint8_t *name, size_t len)
{
	const uint8_t *apex;

	return np_dns_name_check(name, len) == 0 && apex_of(z, name, len, &apex) > 0;
}

/* ---- Nodes ------------------------------------------------------------ */

static struct lnode *node_find(const struct dns_local *z, const uint8_t *name, size_t len)
{
	uint32_t h = np_dns_name_hash(name, len);
	struct lnode *n;

	for (n = z->tab[h & z->mask]; n; n = n->next)
		if (n->hash == h && np_dns_name_equal(n->owner, n->olen, name, len))
			return n;
	return NULL;
}

static void table_grow(struct dns_local *z)
{
	size_t nb = 2 * (z->mask + 1), i;
	struct lnode **tab = calloc(nb, sizeof(*tab));

	if (!tab)
		return;                 /* longer chains, still correct */
	for (i = 0; i <= z->mask; i++) {
		while (z->tab[i]) {
			struct lnode *n = z->tab[i];

			z->tab[i] = n->next;
			n->next = tab[n->hash & (nb - 1)];
			tab[n->hash & (nb - 1)] = n;
		}
	}
	free(z->tab);
	z->tab = tab;
	z->mask = nb - 1;
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
	n->hash = np_dns_name_hash(name, len);
	n->next = z->tab[n->hash & z->mask];
	z->tab[n->hash & z->mask] = n;
	z->nnodes++;
	node_mark_dirty(z, n);
	if (z->nnodes > z->mask + 1)
		table_grow(z);
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
	struct lnode *n = node_find(z, name, len), *p;
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

static void node_unlink(struct dns_local *z, struct lnode *n)
{
	struct lnode **pp = &z->tab[n->hash & z->mask];

	while (*pp != n)
		pp = &(*pp)->next;
	*pp = n->next;
	z->nnodes--;
}

/* Drop n if it holds nothing, then its ancestors that become empty. */
static void node_release(struct dns_local *z, struct lnode *n)
{
	while (n && !n->recs && !n->ndesc) {
		const uint8_t *apex;
		size_t alen = apex_of(z, n->owner, n->olen, &apex);
		struct lnode *p = NULL;

		if (n->olen > 1 && (!alen || !np_dns_name_equal(n->owner, n->olen, apex, alen)))
			p = node_find(z, n->owner + 1 + n->owner[0], n->olen - 1 - n->owner[0]);
		node_unlink(z, n);
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

static int rec_same(const struct lrec *r, uint16_t type, const uint8_t *rdata, size_t rdlen)
{
	if (r->type != type || r->rdlen != rdlen)
		return 0;
	/* Names in rdata compare without case (RFC 4343); other octets exactly. */
	if (type == NP_DNS_TYPE_CNAME || type == NP_DNS_TYPE_PTR || type == NP_DNS_TYPE_NS)
		return np_dns_name_equal(r->rdata, r->rdlen, rdata, rdlen);
	return !memcmp(r->rdata, rdata, rdlen);
}

static int node_has_type(const struct lnode *n, uint16_t type)
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

static int rec_add(struct dns_local *z, const uint8_t *owner, size_t olen, uint16_t type,
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
static int autoptr_add(struct dns_local *z, const uint8_t *owner, size_t olen, uint16_t type,
		       uint32_t ttl, const uint8_t *rdata, size_t rdlen, int dynamic)
{
	uint8_t rev[NP_DNS_NAME_MAX];
	size_t rlen = rev_of(type, rdata, rdlen, rev);

	if (!rlen || node_has_type(node_find(z, rev, rlen), NP_DNS_TYPE_PTR))
		return 0;
	return rec_add(z, rev, rlen, NP_DNS_TYPE_PTR, ttl, owner, olen, dynamic, 1, NULL);
}

/* Removing an A/AAAA removes the PTR made for it. */
static void autoptr_remove(struct dns_local *z, const struct lrec *a)
{
	uint8_t rev[NP_DNS_NAME_MAX];
	size_t rlen = rev_of(a->type, a->rdata, a->rdlen, rev);
	struct lnode *n = rlen ? node_find(z, rev, rlen) : NULL;
	struct lrec *r, *next;

	for (r = n ? n->recs : NULL; r; r = next) {
		next = r->next;
		if (r->autoptr && r->type == NP_DNS_TYPE_PTR &&
		    np_dns_name_equal(r->rdata, r->rdlen, a->node->owner, a->node->olen))
			rec_remove(z, r);
	}
}

/* A static PTR replaces the automatic one at its name. */
static void autoptr_clear(struct dns_local *z, const uint8_t *name, size_t len)
{
	struct lnode *n = node_find(z, name, len);
	struct lrec *r, *next;

	for (r = n ? n->recs : NULL; r; r = next) {
		next = r->next;
		if (r->autoptr)
			rec_remove(z, r);
	}
}

/* Remove one record, and its automatic PTR. */
static void rec_delete(struct dns_local *z, struct lrec *r)
{
	if (r->type == NP_DNS_TYPE_A || r->type == NP_DNS_TYPE_AAAA)
		autoptr_remove(z, r);
	rec_remove(z, r);
}

/* ---- Life cycle ------------------------------------------------------- */

struct dns_local *dns_local_new(const uint8_t *zone, size_t zlen)
{
	struct dns_local *z;

	if (np_dns_name_check(zone, zlen) || !(z = calloc(1, sizeof(*z))))
		return NULL;
	memcpy(z->zone, zone, zlen);
	np_dns_name_lower(z->zone, zlen);
	z->zlen = zlen;
	z->serial = 1;
	z->ttl = DNS_LOCAL_DEFAULT_TTL;
	z->mask = 63;
	if (!(z->tab = calloc(z->mask + 1, sizeof(*z->tab)))) {
		free(z);
		return NULL;
	}
	return z;
}

void dns_local_set_ttl(struct dns_local *z, uint32_t ttl)
{
	z->ttl = ttl > TTL_MAX ? TTL_MAX : ttl;
}

uint32_t dns_local_serial(const struct dns_local *z)
{
	return z->serial;
}

void dns_local_free(struct dns_local *z)
{
	size_t i;

	if (!z)
		return;
	for (i = 0; i <= z->mask; i++) {
		while (z->tab[i]) {
			struct lnode *n = z->tab[i];

			z->tab[i] = n->next;
			while (n->recs) {
				struct lrec *r = n->recs;

				n->recs = r->next;
				free(r);
			}
			free(n);
		}
	}
	free(z->tab);
	free(z);
}

/* RFC 1982: the serial only moves forward (0 is skipped, as BIND does). */
static void serial_bump(struct dns_local *z)
{
	if (++z->serial == 0)
		z->serial = 1;
}

/*
 * A change (a zone-file line or an UPDATE) runs as a transaction: removed
 * records are kept aside and added ones listed until it ends.
 */
static void txn_begin(struct dns_local *z)
{
	z->in_txn = 1;
	z->added = z->removed = NULL;
}

/* End a change: keep it or undo all of it (RFC 2136 §3.4.2). */
static void txn_end(struct dns_local *z, int commit)
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

/* ---- Zone-file lines -------------------------------------------------- */

struct line {
	const char *p;
	char *err;
	size_t errlen;
	int flags;                      /* DNS_RR_TEXT_* */
};

static int line_fail(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int line_fail(struct line *l, const char *fmt, ...)
{
	va_list ap;

	if (l->errlen) {
		va_start(ap, fmt);
		vsnprintf(l->err, l->errlen, fmt, ap);
		va_end(ap);
	}
	return NP_EINVAL;
}

/* The next blank-separated token (up to cap-1 chars); 0 at the end or a comment. */
static size_t token(struct line *l, char *out, size_t cap)
{
	size_t n = 0;

	while (*l->p == ' ' || *l->p == '\t' || *l->p == '\r' || *l->p == '\n')
		l->p++;
	if (!*l->p || *l->p == ';')
		return 0;
	while (*l->p && !isspace((unsigned char)*l->p)) {
		if (n + 1 < cap)
			out[n] = *l->p;
		n++;
		l->p++;
	}
	out[n < cap ? n : cap - 1] = 0;
	return n;
}

static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* An absolute name token into wire form. */
static int parse_name(struct line *l, const char *what, uint8_t *out, size_t *len)
{
	char tok[NP_DNS_NAME_TEXT_MAX + 2];
	size_t n = token(l, tok, sizeof(tok));
	int rc;

	if (!n)
		return line_fail(l, "missing %s", what);
	if (n >= sizeof(tok) - 1)
		return line_fail(l, "%s too long", what);
	if (tok[n - 1] != '.' || (n >= 2 && tok[n - 2] == '\\'))
		return line_fail(l, "%s \"%s\" is not absolute (add the trailing dot)", what, tok);
	if ((rc = np_dns_name_from_text(tok, out, NP_DNS_NAME_MAX)) < 0)
		return line_fail(l, "bad %s \"%s\": %s", what, tok, np_strerror(rc));
	*len = (size_t)rc;
	return 0;
}

static int parse_u16(struct line *l, const char *what, struct np_writer *w)
{
	char tok[16];
	uint32_t v;

	if (!token(l, tok, sizeof(tok)))
		return line_fail(l, "missing %s", what);
	if (parse_u32(tok, 0xffff, &v))
		return line_fail(l, "bad %s \"%s\" (0..65535)", what, tok);
	np_write_be16(w, (uint16_t)v);
	return 0;
}

static int parse_name_into(struct line *l, const char *what, struct np_writer *w)
{
	uint8_t name[NP_DNS_NAME_MAX];
	size_t len;
	int err;

	if ((err = parse_name(l, what, name, &len)))
		return err;
	np_write_bytes(w, name, len);
	return 0;
}

/* One TXT character-string, quoted (with \" \\ \DDD escapes) or bare. */
static int txt_string(struct line *l, struct np_writer *w)
{
	size_t lenpos = np_write_reserve(w, 1), n = 0;
	int quoted = *l->p == '"';

	if (quoted)
		l->p++;
	while (*l->p && (quoted ? *l->p != '"' : !isspace((unsigned char)*l->p))) {
		unsigned c = (unsigned char)*l->p++;

		if (c == '\\' && isdigit((unsigned char)l->p[0]) &&
		    isdigit((unsigned char)l->p[1]) && isdigit((unsigned char)l->p[2])) {
			c = (unsigned)(l->p[0] - '0') * 100 + (unsigned)(l->p[1] - '0') * 10 +
			    (unsigned)(l->p[2] - '0');
			l->p += 3;
			if (c > 255)
				return line_fail(l, "bad escape in TXT string");
		} else if (c == '\\' && *l->p) {
			c = (unsigned char)*l->p++;
		}
		np_write_u8(w, (uint8_t)c);
		n++;
	}
	if (quoted && *l->p != '"')
		return line_fail(l, "unterminated TXT string");
	if (quoted)
		l->p++;
	if (n > 255)
		return line_fail(l, "TXT string longer than 255 octets (RFC 1035 §3.3)");
	np_writer_patch_u8(w, lenpos, (uint8_t)n);
	return 0;
}

static int parse_txt(struct line *l, struct np_writer *w)
{
	int n = 0, err;

	for (;;) {
		while (*l->p == ' ' || *l->p == '\t')
			l->p++;
		if (!*l->p || *l->p == ';' || *l->p == '\r' || *l->p == '\n')
			break;
		if ((err = txt_string(l, w)))
			return err;
		n++;
	}
	return n ? 0 : line_fail(l, "TXT needs at least one string");
}

static int parse_addr(struct line *l, int af, struct np_writer *w)
{
	char tok[64];
	uint8_t a[16];

	if (!token(l, tok, sizeof(tok)))
		return line_fail(l, "missing address");
	if (inet_pton(af, tok, a) != 1)
		return line_fail(l, "bad %s address \"%s\"", af == AF_INET ? "IPv4" : "IPv6", tok);
	np_write_bytes(w, a, af == AF_INET ? 4 : 16);
	return 0;
}

static int parse_u8(struct line *l, const char *what, struct np_writer *w)
{
	char tok[16];
	uint32_t v;

	if (!token(l, tok, sizeof(tok)))
		return line_fail(l, "missing %s", what);
	if (parse_u32(tok, 0xff, &v))
		return line_fail(l, "bad %s \"%s\" (0..255)", what, tok);
	np_write_u8(w, (uint8_t)v);
	return 0;
}

static int hex_digit(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

static int base64_digit(int c)
{
	static const char set[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(set, c) : NULL;

	return p ? (int)(p - set) : -1;
}

/*
 * The rest of the line as one hex (DS digest, RFC 4034 §5.3) or base64
 * (DNSKEY public key, RFC 4034 §2.2; RFC 4648 §4 with padding) field,
 * which presentation format allows to be split by blanks.
 */
static int parse_blob(struct line *l, int base64, const char *what, struct np_writer *w)
{
	unsigned acc = 0, bits = 0, n = 0, pad = 0;

	for (; *l->p && *l->p != ';'; l->p++) {
		int c = (unsigned char)*l->p, v;

		if (isspace(c))
			continue;
		if (base64 && c == '=' && n) {
			pad++;
			continue;
		}
		v = base64 ? base64_digit(c) : hex_digit(c);
		if (v < 0 || pad)
			return line_fail(l, "bad character '%c' in %s", c, what);
		acc = acc << (base64 ? 6 : 4) | (unsigned)v;
		bits += base64 ? 6 : 4;
		n++;
		if (bits >= 8) {
			bits -= 8;
			np_write_u8(w, (uint8_t)(acc >> bits));
			acc &= (1u << bits) - 1;
		}
	}
	if (!n)
		return line_fail(l, "missing %s", what);
	if ((!base64 && bits) || (base64 && ((n + pad) % 4 || acc)))
		return line_fail(l, "%s is not whole octets", what);
	return 0;
}

static const struct {
	const char *name;
	uint16_t type;
} dnssec_types[] = {
	{ "DS", NP_DNS_TYPE_DS }, { "DNSKEY", NP_DNS_TYPE_DNSKEY },
};

static const struct {
	const char *name;
	uint16_t type;
} line_types[] = {
	{ "A", NP_DNS_TYPE_A }, { "AAAA", NP_DNS_TYPE_AAAA }, { "CNAME", NP_DNS_TYPE_CNAME },
	{ "PTR", NP_DNS_TYPE_PTR }, { "MX", NP_DNS_TYPE_MX }, { "TXT", NP_DNS_TYPE_TXT },
	{ "SRV", NP_DNS_TYPE_SRV },
};

static int parse_rdata(struct line *l, uint16_t type, struct np_writer *w)
{
	int err = 0;

	switch (type) {
	case NP_DNS_TYPE_A:
		return parse_addr(l, AF_INET, w);
	case NP_DNS_TYPE_AAAA:
		return parse_addr(l, AF_INET6, w);
	case NP_DNS_TYPE_CNAME:
	case NP_DNS_TYPE_PTR:
		return parse_name_into(l, "target", w);
	case NP_DNS_TYPE_MX:
		if (!(err = parse_u16(l, "MX preference", w)))
			err = parse_name_into(l, "MX exchange", w);
		return err;
	case NP_DNS_TYPE_SRV:
		if (!(err = parse_u16(l, "SRV priority", w)) && !(err = parse_u16(l, "SRV weight", w)) &&
		    !(err = parse_u16(l, "SRV port", w)))
			err = parse_name_into(l, "SRV target", w);
		return err;
	case NP_DNS_TYPE_DS:            /* RFC 4034 §5.3 */
		if (!(err = parse_u16(l, "DS key tag", w)) && !(err = parse_u8(l, "DS algorithm", w)) &&
		    !(err = parse_u8(l, "DS digest type", w)))
			err = parse_blob(l, 0, "DS digest", w);
		return err;
	case NP_DNS_TYPE_DNSKEY:        /* RFC 4034 §2.2 */
		if (!(err = parse_u16(l, "DNSKEY flags", w)) &&
		    !(err = parse_u8(l, "DNSKEY protocol", w)) &&
		    !(err = parse_u8(l, "DNSKEY algorithm", w)))
			err = parse_blob(l, 1, "DNSKEY public key", w);
		return err;
	default:
		return parse_txt(l, w);
	}
}

/* [ttl] [IN] or [IN] [ttl], then the type. */
static int parse_ttl_class_type(struct line *l, uint32_t *ttl, uint16_t *type)
{
	char tok[32];
	int seen_ttl = 0, seen_class = 0;
	size_t i;

	for (;;) {
		if (!token(l, tok, sizeof(tok)))
			return line_fail(l, "missing record type");
		if (!seen_ttl && isdigit((unsigned char)tok[0])) {
			if (parse_u32(tok, TTL_MAX, ttl))
				return line_fail(l, "bad TTL \"%s\" (0..2147483647, RFC 2181 §8)", tok);
			seen_ttl = 1;
			continue;
		}
		if (!seen_class && !strcasecmp(tok, "IN")) {
			seen_class = 1;
			continue;
		}
		for (i = 0; i < sizeof(line_types) / sizeof(line_types[0]); i++) {
			if (!strcasecmp(tok, line_types[i].name)) {
				*type = line_types[i].type;
				return 0;
			}
		}
		for (i = 0; (l->flags & DNS_RR_TEXT_DNSSEC) &&
			    i < sizeof(dnssec_types) / sizeof(dnssec_types[0]); i++) {
			if (!strcasecmp(tok, dnssec_types[i].name)) {
				*type = dnssec_types[i].type;
				return 0;
			}
		}
		if (!strcasecmp(tok, "CH") || !strcasecmp(tok, "HS") || !strcasecmp(tok, "CS"))
			return line_fail(l, "class %s not supported (only IN)", tok);
		return line_fail(l, "unsupported record type \"%s\" (A, AAAA, CNAME, PTR, MX, "
				 "TXT, SRV)", tok);
	}
}

/* RFC 1034 §3.6.2 / RFC 2181 §10.1: a CNAME owner has no other data, and one CNAME. */
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
		if (!r->autoptr && rec_same(r, type, rd, len))
			return 1;
	return 0;
}

static int owner_ok(struct dns_local *z, struct line *l, const uint8_t *owner, size_t olen,
		    uint16_t type)
{
	char text[NP_DNS_NAME_TEXT_MAX];

	if (np_dns_name_is_subdomain(owner, olen, z->zone, z->zlen))
		return 0;
	np_dns_name_to_text(owner, olen, text, sizeof(text));
	if (type != NP_DNS_TYPE_PTR) {
		char zt[NP_DNS_NAME_TEXT_MAX];

		np_dns_name_to_text(z->zone, z->zlen, zt, sizeof(zt));
		return line_fail(l, "owner %s is outside the local zone %s", text, zt);
	}
	{
		const uint8_t *rz;

		if (!rev_zone_of(owner, olen, &rz))
			return line_fail(l, "PTR owner %s is not an address below in-addr.arpa. "
					 "or ip6.arpa.", text);
	}
	return 0;
}

int dns_rr_text_parse(const char *line, uint32_t default_ttl, int flags,
		      struct dns_rr_text *out, char *err, size_t errlen)
{
	struct line l = { line, err, errlen, flags };
	struct np_writer w;
	char extra[32];
	int rc;

	if (errlen)
		err[0] = 0;
	out->ttl = default_ttl;
	out->type = 0;
	if ((rc = parse_name(&l, "owner", out->owner, &out->owner_len)) ||
	    (rc = parse_ttl_class_type(&l, &out->ttl, &out->type)))
		return rc;
	np_writer_init(&w, out->rdata, sizeof(out->rdata));
	if ((rc = parse_rdata(&l, out->type, &w)))
		return rc;
	if (np_writer_error(&w))
		return line_fail(&l, "record data too long");
	if (token(&l, extra, sizeof(extra)))
		return line_fail(&l, "unexpected \"%s\" after the record data", extra);
	out->rdlength = np_writer_len(&w);
	return 0;
}

int dns_local_add_line(struct dns_local *z, const char *line, char *err, size_t errlen)
{
	struct line l = { line, err, errlen, 0 };
	struct dns_rr_text rr;
	int rc;

	if ((rc = dns_rr_text_parse(line, z->ttl, 0, &rr, err, errlen)) ||
	    (rc = owner_ok(z, &l, rr.owner, rr.owner_len, rr.type)))
		return rc;
	if (cname_conflict(node_find(z, rr.owner, rr.owner_len), rr.type))
		return line_fail(&l, "CNAME and other data at one name (RFC 1034 §3.6.2)");
	if (duplicate(node_find(z, rr.owner, rr.owner_len), rr.type, rr.rdata, rr.rdlength))
		return 0;
	txn_begin(z);
	if (rr.type == NP_DNS_TYPE_PTR)
		autoptr_clear(z, rr.owner, rr.owner_len);
	rc = rec_add(z, rr.owner, rr.owner_len, rr.type, rr.ttl, rr.rdata, rr.rdlength, 0, 0, NULL);
	if (!rc)
		rc = autoptr_add(z, rr.owner, rr.owner_len, rr.type, rr.ttl, rr.rdata, rr.rdlength, 0);
	txn_end(z, rc == 0);
	if (rc)
		return line_fail(&l, "out of memory");
	serial_bump(z);
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
		n = node_find(z, name, len);
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

/* ---- UPDATE (RFC 2136) ------------------------------------------------ */

/* Canonical rdata: names uncompressed. */
static int rdata_canonical(const struct np_dns_msg *msg, const struct np_dns_rr *rr,
			   uint8_t *buf, const uint8_t **out)
{
	struct np_dns_rdata rd;
	struct np_writer w;
	int err;

	if ((err = np_dns_rr_rdata(msg, rr, &rd)))
		return err;
	if (!np_dns_type_is_typed(rr->type) || rr->type == NP_DNS_TYPE_A ||
	    rr->type == NP_DNS_TYPE_AAAA) {
		*out = rd.raw;
		return (int)rd.raw_len;
	}
	np_writer_init(&w, buf, TYPED_RDATA_MAX);
	switch (rr->type) {
	case NP_DNS_TYPE_MX:
		np_write_be16(&w, rd.mx.preference);
		np_write_bytes(&w, rd.mx.exchange, rd.mx.exchange_len);
		break;
	case NP_DNS_TYPE_SOA:
		np_write_bytes(&w, rd.soa.mname, rd.soa.mname_len);
		np_write_bytes(&w, rd.soa.rname, rd.soa.rname_len);
		np_write_be32(&w, rd.soa.serial);
		np_write_be32(&w, rd.soa.refresh);
		np_write_be32(&w, rd.soa.retry);
		np_write_be32(&w, rd.soa.expire);
		np_write_be32(&w, rd.soa.minimum);
		break;
	case NP_DNS_TYPE_SRV:
		np_write_be16(&w, rd.srv.priority);
		np_write_be16(&w, rd.srv.weight);
		np_write_be16(&w, rd.srv.port);
		np_write_bytes(&w, rd.srv.target, rd.srv.target_len);
		break;
	default:
		np_write_bytes(&w, rd.name.name, rd.name.len);
		break;
	}
	*out = buf;
	return np_writer_result(&w);
}

static int meta_type(uint16_t type)
{
	return type == NP_DNS_TYPE_OPT || (type >= 128 && type <= 255);
}

static int in_zone(const struct dns_local *z, const struct np_dns_rr *rr)
{
	return np_dns_name_is_subdomain(rr->owner, rr->owner_len, z->zone, z->zlen);
}

/* Does the zone hold (owner, type, rdata)? */
static int zone_has_rr(const struct dns_local *z, const struct np_dns_rr *rr,
		       const uint8_t *rd, size_t len)
{
	const struct lnode *n = node_find(z, rr->owner, rr->owner_len);
	const struct lrec *r;

	for (r = n ? n->recs : NULL; r; r = r->next)
		if (rec_same(r, rr->type, rd, len))
			return 1;
	return 0;
}

/* Is o a class-IN prerequisite of the same (name, type) as rr? */
static int same_rrset(const struct np_dns_rr *o, const struct np_dns_rr *rr)
{
	return o->section == NP_DNS_SEC_ANSWER && o->rclass == NP_DNS_CLASS_IN &&
	       o->type == rr->type && np_dns_name_equal(o->owner, o->owner_len, rr->owner,
							rr->owner_len);
}

/* Is the zone record r among the class-IN prerequisites of its RRset? */
static int prereq_has(const struct np_dns_msg *msg, const struct np_dns_rr *rr,
		      const struct lrec *r)
{
	uint8_t buf[TYPED_RDATA_MAX];
	struct np_dns_iter it;
	struct np_dns_rr o;
	const uint8_t *rd;
	int rl;

	np_dns_iter_init(&it, msg);
	while (np_dns_iter_next(&it, &o) > 0 && o.section <= NP_DNS_SEC_ANSWER)
		if (same_rrset(&o, rr) && (rl = rdata_canonical(msg, &o, buf, &rd)) >= 0 &&
		    rec_same(r, o.type, rd, (size_t)rl))
			return 1;
	return 0;
}

/*
 * §3.2.3: the RRset named by class-IN prerequisites must equal the zone's:
 * every prerequisite record is in the zone and every zone record of the
 * RRset is among the prerequisites.  Checked once, at the RRset's first
 * prerequisite.
 */
static int prereq_value(const struct dns_local *z, const struct np_dns_msg *msg,
			const struct np_dns_rr *rr)
{
	uint8_t buf[TYPED_RDATA_MAX];
	struct np_dns_iter it;
	struct np_dns_rr o;
	const struct lnode *n = node_find(z, rr->owner, rr->owner_len);
	const struct lrec *r;
	const uint8_t *rd;
	int rl, rc;

	np_dns_iter_init(&it, msg);
	while ((rc = np_dns_iter_next(&it, &o)) > 0 && o.section <= NP_DNS_SEC_ANSWER) {
		if (!same_rrset(&o, rr))
			continue;
		if (o.rdata_off < rr->rdata_off)
			return 0;       /* an earlier prerequisite checked this RRset */
		if ((rl = rdata_canonical(msg, &o, buf, &rd)) < 0)
			return NP_DNS_RCODE_FORMERR;
		if (!zone_has_rr(z, &o, rd, (size_t)rl))
			return RCODE_NXRRSET;
	}
	if (rc < 0)
		return NP_DNS_RCODE_FORMERR;
	for (r = n ? n->recs : NULL; r; r = r->next)
		if (r->type == rr->type && !prereq_has(msg, rr, r))
			return RCODE_NXRRSET;
	return 0;
}

/* §3.2: one prerequisite. */
static int prereq_check(const struct dns_local *z, const struct np_dns_msg *msg,
			const struct np_dns_rr *rr)
{
	const struct lnode *n = node_find(z, rr->owner, rr->owner_len);
	int in_use = n && n->recs, exists = rr->type != NP_DNS_TYPE_ANY && node_has_type(n, rr->type);

	if (rr->ttl != 0)
		return NP_DNS_RCODE_FORMERR;
	if (!in_zone(z, rr))
		return RCODE_NOTZONE;
	switch (rr->rclass) {
	case NP_DNS_CLASS_ANY:          /* §2.4.1 RRset exists, §2.4.4 name in use */
		if (rr->rdlength)
			return NP_DNS_RCODE_FORMERR;
		if (rr->type == NP_DNS_TYPE_ANY)
			return in_use ? 0 : NP_DNS_RCODE_NXDOMAIN;
		return exists ? 0 : RCODE_NXRRSET;
	case CLASS_NONE:                /* §2.4.3 RRset does not exist, §2.4.5 name not in use */
		if (rr->rdlength)
			return NP_DNS_RCODE_FORMERR;
		if (rr->type == NP_DNS_TYPE_ANY)
			return in_use ? RCODE_YXDOMAIN : 0;
		return exists ? RCODE_YXRRSET : 0;
	case NP_DNS_CLASS_IN:           /* §2.4.2 RRset exists (value dependent) */
		if (meta_type(rr->type))
			return NP_DNS_RCODE_FORMERR;
		return prereq_value(z, msg, rr);
	default:
		return NP_DNS_RCODE_FORMERR;
	}
}

/* §3.4.1.3: prescan one update. */
static int update_prescan(const struct dns_local *z, const struct np_dns_rr *rr)
{
	if (!in_zone(z, rr))
		return RCODE_NOTZONE;
	switch (rr->rclass) {
	case NP_DNS_CLASS_IN:
		return meta_type(rr->type) ? NP_DNS_RCODE_FORMERR : 0;
	case NP_DNS_CLASS_ANY:
		if (rr->ttl || rr->rdlength || (meta_type(rr->type) && rr->type != NP_DNS_TYPE_ANY))
			return NP_DNS_RCODE_FORMERR;
		return 0;
	case CLASS_NONE:
		return rr->ttl || meta_type(rr->type) ? NP_DNS_RCODE_FORMERR : 0;
	default:
		return NP_DNS_RCODE_FORMERR;
	}
}

/* The apex keeps its SOA and NS (§3.4.2.3, §3.4.2.4); we synthesize them anyway. */
static int protected_type(const struct dns_local *z, const struct np_dns_rr *rr, uint16_t type)
{
	return type == NP_DNS_TYPE_SOA ||
	       (type == NP_DNS_TYPE_NS && np_dns_name_equal(rr->owner, rr->owner_len, z->zone,
							    z->zlen));
}

/* Delete dynamic records of rr's name: of one type, or all (ANY). */
static void delete_rrsets(struct dns_local *z, const struct np_dns_rr *rr, uint16_t type)
{
	struct lnode *n = node_find(z, rr->owner, rr->owner_len);
	struct lrec *r, *next;

	for (r = n ? n->recs : NULL; r; r = next) {
		next = r->next;
		if ((type == NP_DNS_TYPE_ANY || r->type == type) && r->dynamic && !r->autoptr &&
		    !protected_type(z, rr, r->type))
			rec_delete(z, r);
	}
}

/* §3.4.2.2: add, replacing a duplicate; CNAME conflicts are ignored. */
static int update_add(struct dns_local *z, const struct np_dns_rr *rr, const uint8_t *rd,
		      size_t len)
{
	struct lnode *n = node_find(z, rr->owner, rr->owner_len);
	struct lrec *r;
	uint32_t ttl = rr->ttl > TTL_MAX ? TTL_MAX : rr->ttl;
	int err;

	if (protected_type(z, rr, rr->type))
		return 0;
	if (rr->type == NP_DNS_TYPE_CNAME) {
		if (node_has_type(n, NP_DNS_TYPE_CNAME))
			delete_rrsets(z, rr, NP_DNS_TYPE_CNAME);
		else if (n && n->recs)
			return 0;
	} else if (node_has_type(n, NP_DNS_TYPE_CNAME)) {
		return 0;
	}
	for (r = n ? n->recs : NULL; r; r = r->next) {
		if (!r->autoptr && rec_same(r, rr->type, rd, len)) {
			r->ttl = ttl;   /* the zone's copy is replaced: only the TTL can differ */
			return 0;
		}
	}
	if (rr->type == NP_DNS_TYPE_PTR)
		autoptr_clear(z, rr->owner, rr->owner_len);
	if ((err = rec_add(z, rr->owner, rr->owner_len, rr->type, ttl, rd, len, 1, 0, NULL)))
		return err;
	return autoptr_add(z, rr->owner, rr->owner_len, rr->type, ttl, rd, len, 1);
}

/* §3.4.2.4: delete the one RR equal to rr. */
static void update_delete_rr(struct dns_local *z, const struct np_dns_rr *rr,
			     const uint8_t *rd, size_t len)
{
	struct lnode *n = node_find(z, rr->owner, rr->owner_len);
	struct lrec *r, *next;

	if (protected_type(z, rr, rr->type))
		return;
	for (r = n ? n->recs : NULL; r; r = next) {
		next = r->next;
		if (r->dynamic && !r->autoptr && rec_same(r, rr->type, rd, len))
			rec_delete(z, r);
	}
}

static int update_apply(struct dns_local *z, const struct np_dns_msg *msg,
			const struct np_dns_rr *rr)
{
	uint8_t buf[TYPED_RDATA_MAX];
	const uint8_t *rd;
	int rl;

	if (rr->rclass == NP_DNS_CLASS_ANY) {
		delete_rrsets(z, rr, rr->type);
		return 0;
	}
	if ((rl = rdata_canonical(msg, rr, buf, &rd)) < 0)
		return rl;
	if (rr->rclass == CLASS_NONE) {
		update_delete_rr(z, rr, rd, (size_t)rl);
		return 0;
	}
	return update_add(z, rr, rd, (size_t)rl);
}


/* The zone section (§2.3): one SOA question of class IN for our zone. */
static int update_zone(const struct dns_local *z, const struct np_dns_msg *msg)
{
	struct np_dns_rr q;

	if (msg->hdr.count[NP_DNS_SEC_QUESTION] != 1 || np_dns_msg_question(msg, &q) ||
	    q.type != NP_DNS_TYPE_SOA)
		return NP_DNS_RCODE_FORMERR;
	if (q.rclass != NP_DNS_CLASS_IN ||
	    !np_dns_name_equal(q.owner, q.owner_len, z->zone, z->zlen))
		return RCODE_NOTAUTH;   /* §3.1.1 */
	return 0;
}

/* Run fn over the records of one section; the first non-zero result stops. */
static int each_rr(struct dns_local *z, const struct np_dns_msg *msg, enum np_dns_section sec,
		   int (*fn)(struct dns_local *z, const struct np_dns_msg *msg,
			     const struct np_dns_rr *rr))
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	int rc, res;

	np_dns_iter_init(&it, msg);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0 && rr.section <= sec) {
		if (rr.section == sec && (res = fn(z, msg, &rr)))
			return res;
	}
	return rc < 0 ? NP_DNS_RCODE_FORMERR : 0;
}

static int step_prereq(struct dns_local *z, const struct np_dns_msg *msg,
		       const struct np_dns_rr *rr)
{
	return prereq_check(z, msg, rr);
}

/* Does the prerequisite section name the DHCID RRset at owner (§2.4.2, value dependent)? */
static int has_dhcid_prereq(const struct np_dns_msg *msg, const uint8_t *owner, size_t len)
{
	struct np_dns_iter it;
	struct np_dns_rr o;

	np_dns_iter_init(&it, msg);
	while (np_dns_iter_next(&it, &o) > 0 && o.section <= NP_DNS_SEC_ANSWER)
		if (o.section == NP_DNS_SEC_ANSWER && o.rclass == NP_DNS_CLASS_IN &&
		    o.type == TYPE_DHCID && np_dns_name_equal(o.owner, o.owner_len, owner, len))
			return 1;
	return 0;
}

/*
 * §3.3 (the server's own policy): a name with configured records is not
 * changed by UPDATE at all; a name holding a DHCID record belongs to the
 * DHCP client it names (RFC 4703 §5) and is changed only by an UPDATE that
 * proves it knows that DHCID: a value-dependent prerequisite on it, which
 * the prerequisite step has already found equal to the zone's.  So the
 * rule holds whichever DHCP server sends the UPDATE.
 */
static int step_permit(struct dns_local *z, const struct np_dns_msg *msg,
		       const struct np_dns_rr *rr)
{
	const struct lnode *n = node_find(z, rr->owner, rr->owner_len);
	const struct lrec *r;

	for (r = n ? n->recs : NULL; r; r = r->next)
		if (!r->dynamic) {
			z->st.refused_static++;
			return NP_DNS_RCODE_REFUSED;
		}
	if (node_has_type(n, TYPE_DHCID) && !has_dhcid_prereq(msg, rr->owner, rr->owner_len)) {
		z->st.refused_owned++;
		return NP_DNS_RCODE_REFUSED;
	}
	return 0;
}

static int step_prescan(struct dns_local *z, const struct np_dns_msg *msg,
			const struct np_dns_rr *rr)
{
	uint8_t buf[TYPED_RDATA_MAX];
	const uint8_t *rd;
	int rc = update_prescan(z, rr);

	/* Data we will store must decode (names inside rdata). */
	if (!rc && rr->rclass != NP_DNS_CLASS_ANY && rdata_canonical(msg, rr, buf, &rd) < 0)
		rc = NP_DNS_RCODE_FORMERR;
	return rc;
}

static int step_apply(struct dns_local *z, const struct np_dns_msg *msg,
		      const struct np_dns_rr *rr)
{
	return update_apply(z, msg, rr) ? NP_DNS_RCODE_SERVFAIL : 0;
}

int dns_local_update(struct dns_local *z, const struct np_dns_msg *msg)
{
	int rc;

	if (msg->hdr.opcode != OPCODE_UPDATE || msg->hdr.qr)
		return NP_DNS_RCODE_FORMERR;
	if ((rc = update_zone(z, msg)))
		return rc;
	if ((rc = each_rr(z, msg, NP_DNS_SEC_ANSWER, step_prereq))) {
		if (rc >= NP_DNS_RCODE_NXDOMAIN)
			z->st.prereq_failed++;
		return rc;
	}
	/* Malformed updates are FORMERR/NOTZONE before any policy (§3.4.1). */
	if ((rc = each_rr(z, msg, NP_DNS_SEC_AUTHORITY, step_prescan)) ||
	    (rc = each_rr(z, msg, NP_DNS_SEC_AUTHORITY, step_permit)))
		return rc;
	txn_begin(z);
	rc = each_rr(z, msg, NP_DNS_SEC_AUTHORITY, step_apply);
	txn_end(z, rc == 0);
	if (rc)
		return NP_DNS_RCODE_SERVFAIL;
	if (msg->hdr.count[NP_DNS_SEC_AUTHORITY])
		serial_bump(z);
	return NP_DNS_RCODE_NOERROR;
}

/* ---- Dump ------------------------------------------------------------- */

void dns_local_walk(const struct dns_local *z,
		    int (*fn)(void *arg, const uint8_t *owner, size_t len, uint16_t type,
			      uint32_t ttl, const uint8_t *rdata, size_t rdlen, int dynamic),
		    void *arg)
{
	size_t i;

	for (i = 0; i <= z->mask; i++) {
		const struct lnode *n;

		for (n = z->tab[i]; n; n = n->next) {
			const struct lrec *r;

			for (r = n->recs; r; r = r->next)
				if (fn(arg, n->owner, n->olen, r->type, r->ttl, r->rdata, r->rdlen,
				       r->dynamic))
					return;
		}
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
	if (node_has_static(node_find(to, n->owner, n->olen)))
		return 1;
	txn_begin(to);
	rc = rec_add(to, n->owner, n->olen, r->type, r->ttl, r->rdata, r->rdlen, 1, 0, NULL);
	if (!rc)
		rc = autoptr_add(to, n->owner, n->olen, r->type, r->ttl, r->rdata, r->rdlen, 1);
	txn_end(to, rc == 0);
	return rc;
}

size_t dns_local_carry(const struct dns_local *from, struct dns_local *to, size_t *dropped)
{
	size_t i, kept = 0, lost = 0;

	to->st = from->st;
	for (i = 0; i <= from->mask; i++) {
		const struct lnode *n;

		for (n = from->tab[i]; n; n = n->next) {
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
	}
	to->st.reload_dropped += lost;
	/* RFC 1982: the serial never goes back, even across a reload. */
	if ((int32_t)(from->serial - to->serial) > 0)
		to->serial = from->serial;
	serial_bump(to);
	if (dropped)
		*dropped = lost;
	return kept;
}
