/*
 * localzone-store.h: the local zone's store, shared by localzone.c (the
 * records, lookups, answers, reload) and update.c (RFC 2136 UPDATE).
 * Private to np-dnsd's local zone: everyone else uses localzone.h.
 */
#ifndef NP_DNSD_LOCALZONE_STORE_H
#define NP_DNSD_LOCALZONE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "localzone.h"
#include "zonetext.h"

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
	struct np_hmap_node hnode;      /* by owner, without case (RFC 4343) */
	struct lnode *dirty_next;       /* touched by the running change */
	struct lrec *recs;
	uint32_t ndesc;                 /* descendant nodes (empty non-terminals have 0 recs) */
	uint8_t dirty;
	uint8_t olen;
	uint8_t owner[NP_DNS_NAME_MAX];
};

struct dns_local {
	uint8_t zone[NP_DNS_NAME_MAX];
	size_t zlen;
	struct np_hmap map;             /* the nodes by owner */
	size_t nrecs;
	uint32_t serial, ttl;
	struct lnode *dirty;            /* nodes to drop if empty at the end */
	struct lrec *added, *removed;   /* the running UPDATE's changes */
	int in_txn;
	struct dns_local_stats st;
};

/* The node of name (any case), or NULL. */
struct lnode *dns_local_node_find(const struct dns_local *z, const uint8_t *name, size_t len);
/* Does n (NULL: none) hold a record of type? */
int dns_local_node_has_type(const struct lnode *n, uint16_t type);
/* Is r (type, rdata)?  Names in rdata compare without case. */
int dns_local_rec_same(const struct lrec *r, uint16_t type, const uint8_t *rdata,
		       size_t rdlen);

/*
 * A change runs between dns_local_txn_begin() and dns_local_txn_end(),
 * which keeps it (commit) or undoes all of it.
 */
void dns_local_txn_begin(struct dns_local *z);
void dns_local_txn_end(struct dns_local *z, int commit);
/* Add a record (dynamic: from UPDATE); NP_ENOSPC when out of memory. */
int dns_local_rec_add(struct dns_local *z, const uint8_t *owner, size_t olen, uint16_t type,
		      uint32_t ttl, const uint8_t *rdata, size_t rdlen, int dynamic, int autoptr,
		      struct lrec **out);
/* The PTR for a new A/AAAA, unless its address already has one. */
int dns_local_autoptr_add(struct dns_local *z, const uint8_t *owner, size_t olen,
			  uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t rdlen,
			  int dynamic);
/* Remove the automatic PTRs at name (a PTR of its own replaces them). */
void dns_local_autoptr_clear(struct dns_local *z, const uint8_t *name, size_t len);
/* Remove one record, and its automatic PTR. */
void dns_local_rec_delete(struct dns_local *z, struct lrec *r);
/* The SOA serial moves on (RFC 1982). */
void dns_local_serial_bump(struct dns_local *z);

#endif
