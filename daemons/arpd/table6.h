/*
 * table6.h: the IPv6 addresses np-arpd answers Neighbor Solicitations for.
 *
 * Single addresses and prefixes are kept apart, because a prefix (a /64
 * holds 2^64 addresses) cannot be expanded the way IPv4 ranges are:
 *
 *   - single addresses in an open-addressing hash with linear probing, one
 *     24-byte slot per address, the capacity the power of two at least
 *     twice their number (load factor <= 1/2, as table.h), hashed by
 *     multiplying the folded 64-bit halves by 2^64 / golden ratio;
 *   - prefixes in a short array, longest first, searched linearly after a
 *     miss in the hash: at most ARPD_TABLE6_MAX_PREFIXES of them, so the
 *     cost of a solicitation for an address we do not hold stays bounded.
 *
 * Memory is bounded by the config: at most ARPD_TABLE_MAX single addresses
 * (24 MiB of slots at most) and ARPD_TABLE6_MAX_PREFIXES prefixes.  MAC
 * indexes are those of the IPv4 table (table.h), whose MAC array both
 * share.  Only single addresses carry unused_only state; a prefix answers
 * for every address in it.  No I/O, no clock, no logging.
 */
#ifndef NP_ARPD_TABLE6_H
#define NP_ARPD_TABLE6_H

#include <stddef.h>
#include <stdint.h>

#include "table.h"

#define ARPD_TABLE6_MAX_PREFIXES 256u

/* slot6.flags, besides ARPD_SLOT_TAKEN and ARPD_SLOT_UNUSED_ONLY (table.h) */
enum {
	/*
	 * Answer as a proxy for another host's address (RFC 4861 §7.2.8,
	 * ndppd's role): Override flag 0, so a host's own advertisement wins,
	 * and no unsolicited advertisements.  Without it np-arpd owns the
	 * address (a virtual address): Override 1.
	 */
	ARPD_SLOT_PROXY = 1u << 2,
};

struct arpd_slot6 {
	uint8_t addr[16];
	uint16_t mac;                    /* index into the shared MAC array */
	uint8_t flags;                   /* ARPD_SLOT_* */
	uint8_t state;                   /* enum arpd_addr_state | ARPD_STATE_PROBING */
	uint32_t pad;                    /* keeps slots 8-byte aligned */
};

struct arpd_prefix6 {
	uint8_t prefix[16];              /* host bits zero */
	uint8_t len;                     /* 0..128 */
	uint8_t flags;                   /* ARPD_SLOT_TAKEN | ARPD_SLOT_PROXY */
	uint16_t mac;
};

struct arpd_table6 {
	struct arpd_slot6 *slots;        /* mask + 1 of them; NULL when no single address */
	uint32_t mask;
	unsigned int shift;              /* 64 - log2(capacity) */
	uint32_t count;                  /* single addresses held */
	uint32_t limit;
	uint32_t unused_only;            /* single addresses with ARPD_SLOT_UNUSED_ONLY */
	struct arpd_prefix6 prefixes[ARPD_TABLE6_MAX_PREFIXES];   /* longest first */
	unsigned int nprefixes;
};

/*
 * Room for up to `limit` single addresses (0 .. ARPD_TABLE_MAX; 0 for a
 * table of prefixes only).  Returns 0, -EINVAL or -ENOMEM.
 */
int arpd_table6_init(struct arpd_table6 *t, uint32_t limit);
void arpd_table6_free(struct arpd_table6 *t);

/* Add one address.  0, -EEXIST (held already), -ENOSPC (over the limit). */
int arpd_table6_add(struct arpd_table6 *t, const uint8_t addr[16], uint16_t mac, uint8_t flags);
/*
 * Add a prefix of len bits (host bits must be zero).  0, -EINVAL (host
 * bits set, len > 128), -EEXIST (the same prefix again), -ENOSPC.
 */
int arpd_table6_add_prefix(struct arpd_table6 *t, const uint8_t prefix[16], unsigned int len,
			   uint16_t mac, uint8_t flags);

/* The slot of a single address, or NULL.  O(1). */
struct arpd_slot6 *arpd_table6_find(const struct arpd_table6 *t, const uint8_t addr[16]);

/*
 * What answers for addr: its own slot, else the longest prefix holding it
 * (copied into *tmp as a slot with state FREE).  NULL when neither does.
 */
const struct arpd_slot6 *arpd_table6_lookup(const struct arpd_table6 *t, const uint8_t addr[16],
					    struct arpd_slot6 *tmp);

/* True when addr lies in the len-bit prefix p. */
int arpd_prefix6_match(const uint8_t p[16], unsigned int len, const uint8_t addr[16]);

size_t arpd_table6_memory(const struct arpd_table6 *t);
/* As arpd_table_copy_state(), for the single addresses. */
uint32_t arpd_table6_copy_state(struct arpd_table6 *t, const struct arpd_table6 *old);

#endif
