/*
 * lease6.h: np-dhcpd's in-memory DHCPv6 lease table (RFC 8415).
 *
 * A lease is an address (IA_NA) or a delegated prefix (IA_PD) given to one
 * IA of one client: the client's DUID, the IA's IAID and its type are the
 * binding's key (RFC 8415 §6.3, §12).  Leases are found by address or
 * prefix and by binding; one binding may hold several leases (what it had
 * before and what it has now).
 *
 * A lease runs BOUND -> EXPIRED or RELEASED (remembered for its client a
 * while, so it gets the same address back) -> gone; DECLINED is probation
 * with no client (RFC 8415 §18.3.8).  The states are lease.h's.
 *
 * Pools are ranges of addresses first..last or delegated-prefix pools
 * (prefix/plen cut into /delegated_len prefixes).  A pool's space may be far
 * larger than what is leased (a /64 range), so no bitmap: a rotating cursor
 * looks for the next candidate nobody holds, a bounded number of steps.
 *
 * Time is wall-clock seconds passed in.  No I/O, no logging.  Functions
 * return 0 or -errno.
 */
#ifndef NP_DHCPD_LEASE6_H
#define NP_DHCPD_LEASE6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netproto/dhcp6.h>

#include "lease.h"

enum lease6_kind {
	LEASE6_NA = 1,             /* an address of an IA_NA (§21.4) */
	LEASE6_PD = 2,             /* a prefix of an IA_PD (§21.21) */
};

/* The binding a lease belongs to: client DUID, IAID and IA type (§12). */
struct lease6_ia {
	const uint8_t *duid;
	uint8_t duid_len;          /* 1..NP_DHCP6_DUID_MAX */
	uint32_t iaid;
	uint8_t kind;              /* enum lease6_kind */
};

struct lease6 {
	struct lease6 *next_addr;  /* address-index chain */
	struct lease6 *next_ia;    /* binding-index chain */
	size_t heap;               /* position in the expiry heap */
	uint8_t addr[NP_DHCP6_ADDR_LEN];
	uint8_t plen;              /* 128 for an address */
	uint8_t kind;
	uint8_t state;             /* enum lease_state */
	uint8_t duid_len;          /* 0: no client (DECLINED) */
	uint32_t iaid;
	int64_t start;             /* client's last transaction (cltt) */
	int64_t preferred;         /* preferred until (absolute s) */
	int64_t expire;            /* valid until; for RELEASED/EXPIRED/DECLINED: forgotten then */
	uint8_t duid[NP_DHCP6_DUID_MAX];
	char *hostname;            /* NULL or heap string */
};

/* A lease as a value: what the engine reports, the store keeps and a restart applies. */
struct lease6_data {
	uint8_t kind;
	uint8_t addr[NP_DHCP6_ADDR_LEN];
	uint8_t plen;
	uint8_t state;             /* LEASE_FREE: the address or prefix has no lease any more */
	uint32_t iaid;
	int64_t start, preferred, expire;
	uint8_t duid_len;
	uint8_t duid[NP_DHCP6_DUID_MAX];
	uint8_t hostname_len;
	char hostname[256];        /* hostname_len octets, then NUL */
};

struct lease6_pool {
	uint8_t kind;
	uint8_t first[NP_DHCP6_ADDR_LEN];   /* NA: first address; PD: the pool's prefix */
	uint8_t last[NP_DHCP6_ADDR_LEN];    /* NA: last address */
	uint8_t plen;                       /* PD: the pool's prefix length */
	uint8_t delegated_len;              /* PD: length of the prefixes given */
	int tag;                            /* the caller's (a subnet number) */
};

struct lease6_table;

struct lease6_table *lease6_table_new(void);
void lease6_table_free(struct lease6_table *t);

/*
 * Add a pool (NA: first <= last; PD: plen <= delegated_len <= 128);
 * -EINVAL for a bad or overlapping one, -ENOMEM.  Returns its index.
 */
int lease6_pool_add(struct lease6_table *t, const struct lease6_pool *p);
size_t lease6_pool_count(const struct lease6_table *t);
const struct lease6_pool *lease6_pool_get(const struct lease6_table *t, int pool);
/* The pool holding addr/plen of kind (a PD prefix: exactly one of its prefixes), or -1. */
int lease6_pool_of(const struct lease6_table *t, uint8_t kind, const uint8_t addr[16], uint8_t plen);

/* Mark an address or prefix as reserved: only lease6_claim(..., reserved=true) takes it. */
int lease6_reserve(struct lease6_table *t, uint8_t kind, const uint8_t addr[16], uint8_t plen);
bool lease6_is_reserved(const struct lease6_table *t, uint8_t kind, const uint8_t addr[16]);

struct lease6 *lease6_by_addr(const struct lease6_table *t, uint8_t kind, const uint8_t addr[16]);
/*
 * The leases of a binding, one by one: *l NULL to start; the next one of
 * ia after it, or NULL.
 */
struct lease6 *lease6_next_of(const struct lease6_table *t, const struct lease6_ia *ia,
			      struct lease6 *l);
bool lease6_is_of(const struct lease6 *l, const struct lease6_ia *ia);
/* Whether an address or prefix in this state may be given to a new client. */
bool lease6_state_reusable(uint8_t state);

/*
 * An address or prefix of pool nobody holds (no lease, or a reusable one,
 * and not reserved), at most max_steps candidates from the pool's cursor.
 * 0 with addr set, -ENOSPC when none was found.
 */
int lease6_find_free(struct lease6_table *t, int pool, size_t max_steps, uint8_t addr[16]);

/*
 * Give addr/plen to binding ia in state (BOUND), with its times.  A
 * reusable lease of another client there is taken over.  -EBUSY when
 * held by another client (BOUND, DECLINED) or reserved and !reserved.
 */
int lease6_claim(struct lease6_table *t, const struct lease6_ia *ia, const uint8_t addr[16],
		 uint8_t plen, bool reserved, int64_t start, int64_t preferred, int64_t expire,
		 struct lease6 **out);
void lease6_set_state(struct lease6_table *t, struct lease6 *l, uint8_t state,
		      int64_t preferred, int64_t expire);
/* A declined address: DECLINED until expire, with no client. */
void lease6_decline(struct lease6_table *t, struct lease6 *l, int64_t start, int64_t expire);
void lease6_remove(struct lease6_table *t, struct lease6 *l);
int lease6_set_hostname(struct lease6_table *t, struct lease6 *l, const char *name);

/* The earliest expiry pending (INT64_MAX: none), and the lease with it. */
int64_t lease6_next_expiry(const struct lease6_table *t);
struct lease6 *lease6_earliest(const struct lease6_table *t);

/* Every lease: *cursor starts at 0; NULL at the end (no change to the table meanwhile). */
struct lease6 *lease6_iter(const struct lease6_table *t, size_t *cursor);
size_t lease6_count(const struct lease6_table *t);
size_t lease6_table_memory(const struct lease6_table *t);

void lease6_get(const struct lease6 *l, struct lease6_data *d);
/* Make the table say what d says (replay, reload); -EINVAL for a bad value. */
int lease6_apply(struct lease6_table *t, const struct lease6_data *d);

/* Address arithmetic. */
bool lease6_prefix_has(const uint8_t prefix[16], uint8_t plen, const uint8_t addr[16]);
void lease6_prefix_mask(uint8_t addr[16], uint8_t plen);

#endif
