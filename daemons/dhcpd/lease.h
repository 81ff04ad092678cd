/*
 * lease.h: np-dhcpd's in-memory lease table.
 *
 * Leases are found by address and by client identity: the client identifier
 * (option 61) when the client sends one, else its hardware type and address
 * (RFC 2131 §4.2: "the combination of 'client identifier' or 'chaddr' and
 * assigned network address constitute a unique identifier").  A client has
 * at most one lease object and an address at most one.
 *
 * Pools are ranges first..last; each keeps a bitmap of addresses that never
 * had a lease (searched a 64-bit word at a time from a rotating cursor) and
 * one of addresses whose lease is released or expired: those are handed out
 * only when no fresh address is left, so a returning client usually finds its
 * previous address still recorded and unused (RFC 2131 §4.3.1).
 *
 * Lease objects live in fixed-size chunks, so a `struct lease *` stays valid
 * until that lease is removed; a lease is 88 octets, and 1,000,000 leases with
 * both indexes and the expiry heap take about 130 MB.
 *
 * Time is wall-clock seconds, passed in by the caller (no clock here).  No
 * I/O, no logging.  Functions return 0 or -errno.
 */
#ifndef NP_DHCPD_LEASE_H
#define NP_DHCPD_LEASE_H

#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"


enum lease_state {
	LEASE_FREE = 0,        /* no lease object (never stored in one) */
	LEASE_OFFERED = 1,     /* held for the client until expire (the offer hold) */
	LEASE_BOUND = 2,       /* ACKed until expire */
	LEASE_DECLINED = 3,    /* probation until expire (DECLINE or found in use) */
	LEASE_RELEASED = 4,    /* client let it go; remembered, reusable */
	LEASE_EXPIRED = 5,     /* binding or offer ran out; remembered, reusable */
};

#define LEASE_KEY_MAX 256      /* 1 kind octet + up to 255 of client id */
#define LEASE_KEY_INLINE 24

/* Who a client is, as seen in a message (cid may be NULL when cid_len is 0). */
struct lease_client {
	uint8_t htype;
	uint8_t hlen;              /* <= 16 */
	uint8_t chaddr[16];
	uint8_t cid_len;
	const uint8_t *cid;
};

struct lease {
	uint32_t addr;
	uint32_t next_addr;        /* address-index chain (slot + 1, 0 ends) */
	uint32_t next_id;          /* client-index chain */
	uint32_t slot;             /* own position in the table */
	uint8_t state;             /* enum lease_state */
	uint8_t htype;
	uint8_t hlen;
	uint16_t key_len;          /* identity key: 0 for none (DECLINED by conflict) */
	int64_t start;             /* client last transaction time */
	int64_t expire;
	uint8_t chaddr[16];
	union {
		uint8_t inl[LEASE_KEY_INLINE];
		uint8_t *ext;      /* key_len > LEASE_KEY_INLINE */
	} key;
	char *hostname;            /* NULL or heap string */
};

struct lease_pool_stats {
	uint32_t total;
	uint32_t assigned;         /* BOUND */
	uint32_t offered;
	uint32_t declined;
	uint32_t free;             /* total - assigned - offered - declined */
};

struct lease_reservation {
	struct lease_client client;    /* cid for a client-id reservation, else htype/chaddr */
	uint32_t addr;
	const char *hostname;          /* may be NULL; copied */
	const void *user;              /* the caller's (engine: its reservation), kept as is */
};

struct lease_table;

/* key: the process's hash key (hashmap.h), drawn by the I/O side. */
struct lease_table *lease_table_new(const struct np_hmap_key *key);
/* The key the table hashes under (the engine's probe table shares it). */
const struct np_hmap_key *lease_table_key(const struct lease_table *t);
void lease_table_free(struct lease_table *t);

/*
 * Add a pool [first, last] (host order, first <= last, not overlapping
 * another); tag is the caller's (a subnet number).  Returns the pool index
 * (>= 0) or -EINVAL / -ENOMEM.  Add pools and reservations before leases.
 */
int lease_pool_add(struct lease_table *t, uint32_t first, uint32_t last, int tag);
/* The pool holding addr, or -1. */
int lease_pool_of(const struct lease_table *t, uint32_t addr);
int lease_pool_tag(const struct lease_table *t, int pool);
size_t lease_pool_count(const struct lease_table *t);
void lease_pool_stats(const struct lease_table *t, int pool, struct lease_pool_stats *st);

/* A reservation: the address is never given to anyone else.  -EEXIST for a duplicate. */
int lease_reserve(struct lease_table *t, const struct lease_reservation *r);
/* The reservation for this client (client id first, then hardware address), or NULL. */
const struct lease_reservation *lease_reservation_for(const struct lease_table *t,
						      const struct lease_client *c);
/* The reservation of addr, or NULL. */
const struct lease_reservation *lease_reservation_of(const struct lease_table *t, uint32_t addr);

struct lease *lease_by_addr(const struct lease_table *t, uint32_t addr);
struct lease *lease_by_client(const struct lease_table *t, const struct lease_client *c);
/* Whether the lease object belongs to this client. */
int lease_is_client(const struct lease *l, const struct lease_client *c);
/* Whether an address in this state may be given to a new client. */
int lease_state_reusable(uint8_t state);

/*
 * An address of pool that can be given to a new client: never leased first,
 * then released or expired.  0 with *addr, or -ENOSPC when the pool is full.
 */
int lease_find_free(struct lease_table *t, int pool, uint32_t *addr);

/*
 * Give addr to client c in state, from start until expire.  When addr has a
 * reusable lease of another client, that client's record is forgotten.
 * -EBUSY when addr is OFFERED, BOUND or DECLINED to another client or is
 * reserved for another; -EEXIST when c holds a lease on another address
 * (remove that first); -ENOMEM.  On success *out is the lease.
 */
int lease_claim(struct lease_table *t, uint32_t addr, const struct lease_client *c, uint8_t state,
		int64_t start, int64_t expire, struct lease **out);
/* Change state and expiry of a lease (pool counts and bitmaps follow). */
void lease_set_state(struct lease_table *t, struct lease *l, uint8_t state, int64_t expire);
/*
 * Mark addr DECLINED (probation) from start (the decline, its cltt) until
 * expire, with no client; -EBUSY if bound to someone.
 */
int lease_decline_addr(struct lease_table *t, uint32_t addr, int64_t start, int64_t expire,
		       struct lease **out);
/* Forget a lease: its address is free again. */
void lease_remove(struct lease_table *t, struct lease *l);
/* Set or clear (NULL) the hostname; -ENOMEM. */
int lease_set_hostname(struct lease_table *t, struct lease *l, const char *name);

/*
 * Reclaim what ran out by now: OFFERED and BOUND become EXPIRED (still
 * remembered for the client), DECLINED leases are removed.  fn (may be NULL)
 * is called after each change with the lease and its previous state; a
 * removed lease is passed before removal with state LEASE_FREE.  At most max
 * leases per call (0: no limit).  Returns how many changed.
 */
typedef void (*lease_expire_fn)(void *arg, const struct lease *l, uint8_t old_state);
size_t lease_expire(struct lease_table *t, int64_t now, size_t max, lease_expire_fn fn, void *arg);
/* The earliest expiry pending, or INT64_MAX. */
int64_t lease_next_expiry(struct lease_table *t);

/* Iterate over every lease object: *cursor starts at 0; NULL at the end. */
struct lease *lease_iter(const struct lease_table *t, size_t *cursor);
size_t lease_count(const struct lease_table *t);
/* Octets held by the table (leases, indexes, heap, hostnames, client ids). */
size_t lease_table_memory(const struct lease_table *t);

/*
 * A lease as a value, owned by nobody: what the engine reports as changed,
 * what the lease store keeps (leasedb.h serialises it) and what a restart
 * or a reload applies again.  It is the whole truth about its address.
 * state LEASE_FREE: addr has no lease any more (the other fields, when set,
 * say whose it was).
 */
struct lease_data {
	uint32_t addr;              /* host order */
	uint8_t state;              /* enum lease_state */
	int64_t start;              /* when the client last got it (cltt), wall-clock s */
	int64_t expire;
	uint8_t htype;
	uint8_t hlen;               /* <= 16 */
	uint8_t chaddr[16];
	uint8_t cid_len;            /* 0: no client identifier (option 61) */
	uint8_t cid[255];
	uint8_t hostname_len;
	char hostname[256];         /* hostname_len octets, then NUL */
};

/* The lease as a value, and a value applied to the table (replay, reload). */
void lease_get(const struct lease *l, struct lease_data *d);
int lease_apply(struct lease_table *t, const struct lease_data *d);

#endif
