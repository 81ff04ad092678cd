/*
 * table.c: open-addressing hash of IPv4 addresses (see table.h for why).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

/* 2^32 / golden ratio: Knuth's multiplicative (Fibonacci) hashing. */
#define FIB32 0x9e3779b1u

static inline uint32_t slot_index(const struct arpd_table *t, uint32_t addr)
{
	return (uint32_t)((addr * FIB32) >> t->shift) & t->mask;
}

int arpd_table_init(struct arpd_table *t, uint32_t limit)
{
	unsigned int bits = 4;

	if (limit == 0 || limit > ARPD_TABLE_MAX)
		return -EINVAL;
	/* Capacity: the power of two >= 2 * limit, load factor <= 1/2. */
	while ((1u << bits) < 2 * limit)
		bits++;
	memset(t, 0, sizeof(*t));
	t->slots = calloc((size_t)1 << bits, sizeof(*t->slots));
	t->macs = calloc(1, sizeof(*t->macs));
	if (!t->slots || !t->macs) {
		arpd_table_free(t);
		return -ENOMEM;
	}
	t->mask = (1u << bits) - 1;
	t->shift = 32 - bits;
	t->limit = limit;
	t->nmacs = 1;   /* index 0: the interface's MAC */
	t->min = UINT32_MAX;
	return 0;
}

void arpd_table_free(struct arpd_table *t)
{
	free(t->slots);
	free(t->macs);
	memset(t, 0, sizeof(*t));
}

int arpd_table_mac(struct arpd_table *t, const uint8_t mac[6])
{
	uint8_t (*grown)[6];

	if (!mac)
		return ARPD_MAC_IFACE;
	/* A config names few distinct MACs; a linear search at load is fine. */
	for (uint32_t i = 1; i < t->nmacs; i++)
		if (memcmp(t->macs[i], mac, 6) == 0)
			return (int)i;
	if (t->nmacs >= ARPD_TABLE_MAX_MACS)
		return -ENOSPC;
	grown = realloc(t->macs, (t->nmacs + 1) * sizeof(*t->macs));
	if (!grown)
		return -ENOMEM;
	t->macs = grown;
	memcpy(t->macs[t->nmacs], mac, 6);
	return (int)t->nmacs++;
}

static int insert(struct arpd_table *t, uint32_t addr, uint16_t mac, uint8_t flags)
{
	uint32_t i = slot_index(t, addr);

	while (t->slots[i].flags & ARPD_SLOT_TAKEN) {
		if (t->slots[i].addr == addr)
			return -EEXIST;
		i = (i + 1) & t->mask;
	}
	t->slots[i] = (struct arpd_slot){ .addr = addr, .mac = mac,
					  .flags = (uint8_t)(flags | ARPD_SLOT_TAKEN) };
	t->count++;
	if (flags & ARPD_SLOT_UNUSED_ONLY)
		t->unused_only++;
	if (addr < t->min)
		t->min = addr;
	if (addr > t->max)
		t->max = addr;
	return 0;
}

int arpd_table_add(struct arpd_table *t, uint32_t first, uint32_t last, uint16_t mac,
		   uint8_t flags, uint32_t *dup)
{
	uint64_t n = (uint64_t)last - first + 1;

	if (first > last || mac >= t->nmacs)
		return -EINVAL;
	if (n > (uint64_t)t->limit - t->count)
		return -ENOSPC;
	for (uint64_t a = first; a <= last; a++) {
		if (insert(t, (uint32_t)a, mac, flags) < 0) {
			*dup = (uint32_t)a;
			return -EEXIST;
		}
	}
	return 0;
}

struct arpd_slot *arpd_table_find(const struct arpd_table *t, uint32_t addr)
{
	uint32_t i;

	/* Most requests on a LAN are for other hosts: reject outside [min, max]. */
	if (addr < t->min || addr > t->max)
		return NULL;
	i = slot_index(t, addr);
	/* Terminates: the load factor is at most 1/2, so an empty slot exists. */
	while (t->slots[i].flags & ARPD_SLOT_TAKEN) {
		if (t->slots[i].addr == addr)
			return &t->slots[i];
		i = (i + 1) & t->mask;
	}
	return NULL;
}

const uint8_t *arpd_table_slot_mac(const struct arpd_table *t, const struct arpd_slot *s,
				   const uint8_t iface[6])
{
	return s->mac == ARPD_MAC_IFACE ? iface : t->macs[s->mac];
}

size_t arpd_table_memory(const struct arpd_table *t)
{
	if (!t->slots)
		return 0;
	return ((size_t)t->mask + 1) * sizeof(*t->slots) + t->nmacs * sizeof(*t->macs);
}

uint32_t arpd_table_copy_state(struct arpd_table *t, const struct arpd_table *old)
{
	uint32_t copied = 0;

	if (!t->slots || !old->slots || !t->unused_only)
		return 0;
	for (uint32_t i = 0; i <= t->mask; i++) {
		struct arpd_slot *s = &t->slots[i];
		const struct arpd_slot *o;

		if (!(s->flags & ARPD_SLOT_UNUSED_ONLY))
			continue;
		o = arpd_table_find(old, s->addr);
		if (o && (o->flags & ARPD_SLOT_UNUSED_ONLY)) {
			/* An outstanding probe belongs to the old table's prober. */
			s->state = o->state & (uint8_t)~ARPD_STATE_PROBING;
			copied++;
		}
	}
	return copied;
}
