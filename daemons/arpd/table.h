/*
 * table.h: the addresses np-arpd answers for.
 *
 * Up to ARPD_TABLE_MAX (1,000,000) IPv4 addresses, each with the MAC it is
 * answered with and a little state, found in O(1) by an open-addressing
 * hash with linear probing.  Entries (single addresses, CIDR prefixes,
 * first-last ranges) are expanded to one 8-byte slot per address: the
 * capacity is the power of two at least twice the number of addresses, so
 * the load factor stays at or below 1/2 (about 1.5 probes for a hit and 2.5
 * for a miss) and a full table takes 2^21 slots = 16 MiB.  Ranges kept as
 * ranges would be smaller, but a lookup in them costs a search; a request
 * for an address we do not own -- the common case on a LAN -- must cost the
 * least, and Fibonacci hashing spreads consecutive addresses evenly.
 *
 * MACs are kept once each in a side array (slot.mac is its index); index 0
 * is reserved for "the interface's MAC", which the table does not know.
 *
 * The table is filled once (arpd_table_add) and then only read, except the
 * per-address state byte of unused_only addresses, which the responder
 * updates.  No I/O, no clock, no logging.
 */
#ifndef NP_ARPD_TABLE_H
#define NP_ARPD_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define ARPD_TABLE_MAX 1000000u        /* addresses */
#define ARPD_TABLE_MAX_MACS 65535u     /* distinct MACs, index 0 included */
#define ARPD_MAC_IFACE 0               /* slot.mac: the interface's own MAC */

/* slot.flags */
enum {
	ARPD_SLOT_TAKEN = 1u << 0,       /* the slot holds an address */
	ARPD_SLOT_UNUSED_ONLY = 1u << 1, /* answer only while nobody else does */
};

/* slot.state, for unused_only addresses (RFC 5227 probing, see responder.h) */
enum arpd_addr_state {
	ARPD_STATE_UNKNOWN = 0,          /* not probed yet: do not answer */
	ARPD_STATE_FREE = 1,             /* a probe went unanswered: answer */
	ARPD_STATE_USED = 2,             /* another host uses it: do not answer */
};
#define ARPD_STATE_PROBING 0x80        /* or'ed in while a probe is outstanding */

struct arpd_slot {
	uint32_t addr;                   /* host order */
	uint16_t mac;                    /* index into macs[] */
	uint8_t flags;                   /* ARPD_SLOT_* */
	uint8_t state;                   /* enum arpd_addr_state | ARPD_STATE_PROBING */
};

struct arpd_table {
	struct arpd_slot *slots;         /* mask + 1 of them */
	uint32_t mask;
	unsigned int shift;              /* 32 - log2(capacity), for the hash */
	uint32_t count;                  /* addresses held */
	uint32_t limit;                  /* at most this many (arpd_table_init) */
	uint32_t unused_only;            /* of them, with ARPD_SLOT_UNUSED_ONLY */
	uint8_t (*macs)[6];              /* nmacs entries; [0] is all zero */
	uint32_t nmacs;
	uint32_t min, max;               /* smallest and largest address held */
};

/*
 * Allocate room for up to `limit` addresses (1 .. ARPD_TABLE_MAX).
 * Returns 0, -EINVAL or -ENOMEM.
 */
int arpd_table_init(struct arpd_table *t, uint32_t limit);
/* Free the arrays; a zeroed table is fine. */
void arpd_table_free(struct arpd_table *t);

/*
 * The index of mac in the table's MAC array, added if new; NULL means the
 * interface's MAC (index 0).  Returns the index or -ENOSPC.
 */
int arpd_table_mac(struct arpd_table *t, const uint8_t mac[6]);

/*
 * Add every address from first to last (inclusive, host order) with MAC
 * index mac and ARPD_SLOT_* flags.  Returns 0; -EINVAL (first > last, or a
 * bad mac index); -ENOSPC (more than the limit), and then nothing is
 * added; -EEXIST when an address is already held, with *dup set to it (the
 * addresses before it stay added).
 */
int arpd_table_add(struct arpd_table *t, uint32_t first, uint32_t last, uint16_t mac,
		   uint8_t flags, uint32_t *dup);

/* The slot of addr, or NULL.  O(1). */
struct arpd_slot *arpd_table_find(const struct arpd_table *t, uint32_t addr);

/* The MAC of slot s, with iface standing for index 0. */
const uint8_t *arpd_table_slot_mac(const struct arpd_table *t, const struct arpd_slot *s,
				   const uint8_t iface[6]);

/* Bytes allocated by the table (slots and MACs). */
size_t arpd_table_memory(const struct arpd_table *t);

/*
 * Copy the state bytes of addresses held by both tables from old to t (a
 * reload keeps what probing learned).  Returns how many were copied.
 */
uint32_t arpd_table_copy_state(struct arpd_table *t, const struct arpd_table *old);

#endif
