/*
 * table6.c: IPv6 single addresses in a hash, prefixes in a short list (see
 * table6.h for why).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "table6.h"

/* 2^64 / golden ratio: Knuth's multiplicative (Fibonacci) hashing. */
#define FIB64 0x9e3779b97f4a7c15ull

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t slot_index(const struct arpd_table6 *t, const uint8_t addr[16])
{
	/* Interface identifiers vary most: both halves count. */
	uint64_t h = (load64(addr) ^ load64(addr + 8)) * FIB64;

	return (uint32_t)(h >> t->shift) & t->mask;
}

int arpd_table6_init(struct arpd_table6 *t, uint32_t limit)
{
	unsigned int bits = 4;

	if (limit > ARPD_TABLE_MAX)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	if (limit == 0)
		return 0;
	while ((1u << bits) < 2 * limit)
		bits++;
	t->slots = calloc((size_t)1 << bits, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->mask = (1u << bits) - 1;
	t->shift = 64 - bits;
	t->limit = limit;
	return 0;
}

void arpd_table6_free(struct arpd_table6 *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

int arpd_table6_add(struct arpd_table6 *t, const uint8_t addr[16], uint16_t mac, uint8_t flags)
{
	uint32_t i;

	if (t->count >= t->limit)
		return -ENOSPC;
	i = slot_index(t, addr);
	while (t->slots[i].flags & ARPD_SLOT_TAKEN) {
		if (memcmp(t->slots[i].addr, addr, 16) == 0)
			return -EEXIST;
		i = (i + 1) & t->mask;
	}
	memcpy(t->slots[i].addr, addr, 16);
	t->slots[i].mac = mac;
	t->slots[i].flags = (uint8_t)(flags | ARPD_SLOT_TAKEN);
	t->slots[i].state = ARPD_STATE_UNKNOWN;
	t->count++;
	if (flags & ARPD_SLOT_UNUSED_ONLY)
		t->unused_only++;
	return 0;
}

int arpd_prefix6_match(const uint8_t p[16], unsigned int len, const uint8_t addr[16])
{
	unsigned int bytes = len / 8, bits = len % 8;

	if (memcmp(p, addr, bytes) != 0)
		return 0;
	if (bits == 0)
		return 1;
	return ((p[bytes] ^ addr[bytes]) & (uint8_t)(0xff00u >> bits)) == 0;
}

static int host_bits_zero(const uint8_t p[16], unsigned int len)
{
	for (unsigned int i = len; i < 128; i++)
		if (p[i / 8] & (0x80u >> (i % 8)))
			return 0;
	return 1;
}

int arpd_table6_add_prefix(struct arpd_table6 *t, const uint8_t prefix[16], unsigned int len,
			   uint16_t mac, uint8_t flags)
{
	unsigned int at;

	if (len > 128 || !host_bits_zero(prefix, len))
		return -EINVAL;
	for (at = 0; at < t->nprefixes; at++) {
		if (t->prefixes[at].len == len && memcmp(t->prefixes[at].prefix, prefix, 16) == 0)
			return -EEXIST;
	}
	if (t->nprefixes >= ARPD_TABLE6_MAX_PREFIXES)
		return -ENOSPC;
	/* Longest first: the first match of the linear search is the longest. */
	for (at = 0; at < t->nprefixes && t->prefixes[at].len >= len; at++)
		;
	memmove(&t->prefixes[at + 1], &t->prefixes[at],
		(t->nprefixes - at) * sizeof(t->prefixes[0]));
	memcpy(t->prefixes[at].prefix, prefix, 16);
	t->prefixes[at].len = (uint8_t)len;
	t->prefixes[at].mac = mac;
	t->prefixes[at].flags = (uint8_t)((flags & ARPD_SLOT_PROXY) | ARPD_SLOT_TAKEN);
	t->nprefixes++;
	return 0;
}

struct arpd_slot6 *arpd_table6_find(const struct arpd_table6 *t, const uint8_t addr[16])
{
	uint32_t i;

	if (!t->count)
		return NULL;
	i = slot_index(t, addr);
	/* Terminates: the load factor is at most 1/2, so an empty slot exists. */
	while (t->slots[i].flags & ARPD_SLOT_TAKEN) {
		if (memcmp(t->slots[i].addr, addr, 16) == 0)
			return &t->slots[i];
		i = (i + 1) & t->mask;
	}
	return NULL;
}

const struct arpd_slot6 *arpd_table6_lookup(const struct arpd_table6 *t, const uint8_t addr[16],
					    struct arpd_slot6 *tmp)
{
	const struct arpd_slot6 *s = arpd_table6_find(t, addr);

	if (s)
		return s;
	for (unsigned int i = 0; i < t->nprefixes; i++) {
		const struct arpd_prefix6 *p = &t->prefixes[i];

		if (arpd_prefix6_match(p->prefix, p->len, addr)) {
			memset(tmp, 0, sizeof(*tmp));
			memcpy(tmp->addr, addr, 16);
			tmp->mac = p->mac;
			tmp->flags = p->flags;
			tmp->state = ARPD_STATE_FREE;
			return tmp;
		}
	}
	return NULL;
}

size_t arpd_table6_memory(const struct arpd_table6 *t)
{
	return (t->slots ? ((size_t)t->mask + 1) * sizeof(*t->slots) : 0) + sizeof(*t);
}

uint32_t arpd_table6_copy_state(struct arpd_table6 *t, const struct arpd_table6 *old)
{
	uint32_t copied = 0;

	if (!t->slots || !old->slots || !t->unused_only)
		return 0;
	for (uint32_t i = 0; i <= t->mask; i++) {
		struct arpd_slot6 *s = &t->slots[i];
		const struct arpd_slot6 *o;

		if (!(s->flags & ARPD_SLOT_UNUSED_ONLY))
			continue;
		o = arpd_table6_find(old, s->addr);
		if (o && (o->flags & ARPD_SLOT_UNUSED_ONLY)) {
			s->state = o->state & (uint8_t)~ARPD_STATE_PROBING;
			copied++;
		}
	}
	return copied;
}
