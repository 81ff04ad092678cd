/*
 * hashmap.c: the keyed hash map and the LRU list (see hashmap.h).
 */
#include "hashmap.h"

#include <errno.h>
#include <stdlib.h>

/* ---- SipHash-2-4 -------------------------------------------------------- */

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline void sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32);
	v[2] += v[3]; v[3] = rotl(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = rotl(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32);
}

static inline uint8_t fold(uint8_t ch, int nocase)
{
	return nocase && ch >= 'A' && ch <= 'Z' ? (uint8_t)(ch + ('a' - 'A')) : ch;
}

/* The reference algorithm: 2 rounds per 8-octet word, 4 to finish. */
static inline uint64_t siphash24(const struct np_hmap_key *key, const uint8_t *p, size_t len,
				 int nocase)
{
	uint64_t v[4] = {
		key->k0 ^ 0x736f6d6570736575ull, key->k1 ^ 0x646f72616e646f6dull,
		key->k0 ^ 0x6c7967656e657261ull, key->k1 ^ 0x7465646279746573ull,
	};
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		m |= (uint64_t)fold(p[i], nocase) << (8 * (i & 7));
		if ((i & 7) == 7) {
			v[3] ^= m;
			sip_round(v);
			sip_round(v);
			v[0] ^= m;
			m = 0;
		}
	}
	m |= (uint64_t)(len & 0xff) << 56;
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	sip_round(v);
	sip_round(v);
	sip_round(v);
	sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t np_siphash24(const struct np_hmap_key *key, const void *p, size_t len)
{
	return siphash24(key, p, len, 0);
}

uint64_t np_siphash24_nocase(const struct np_hmap_key *key, const void *p, size_t len)
{
	return siphash24(key, p, len, 1);
}

/* ---- the map ------------------------------------------------------------ */

static size_t round_buckets(size_t n)
{
	size_t b = 16;

	while (b < n && b <= SIZE_MAX / 2 / sizeof(struct np_hmap_node *))
		b <<= 1;
	return b;
}

int np_hmap_init(struct np_hmap *m, size_t buckets, const struct np_hmap_key *key)
{
	size_t n = round_buckets(buckets);

	m->tab = calloc(n, sizeof(*m->tab));
	if (m->tab == NULL)
		return -ENOMEM;
	m->mask = n - 1;
	m->count = 0;
	m->key = *key;
	return 0;
}

void np_hmap_fini(struct np_hmap *m)
{
	free(m->tab);
	m->tab = NULL;
	m->mask = 0;
	m->count = 0;
}

int np_hmap_resize(struct np_hmap *m, size_t buckets)
{
	size_t n = round_buckets(buckets);
	struct np_hmap_node **tab;

	if (n == m->mask + 1)
		return 0;
	tab = calloc(n, sizeof(*tab));
	if (tab == NULL)
		return -ENOMEM;
	for (size_t b = 0; b <= m->mask; b++) {
		struct np_hmap_node *e = m->tab[b], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			e->next = tab[e->hash & (n - 1)];
			tab[e->hash & (n - 1)] = e;
		}
	}
	free(m->tab);
	m->tab = tab;
	m->mask = n - 1;
	return 0;
}

void np_hmap_insert(struct np_hmap *m, struct np_hmap_node *n, uint32_t hash)
{
	struct np_hmap_node **b = &m->tab[hash & m->mask];

	n->hash = hash;
	n->next = *b;
	*b = n;
	m->count++;
}

void np_hmap_remove(struct np_hmap *m, struct np_hmap_node *n)
{
	struct np_hmap_node **pp = &m->tab[n->hash & m->mask];

	while (*pp != n)
		pp = &(*pp)->next;
	*pp = n->next;
	n->next = NULL;
	m->count--;
}

static struct np_hmap_node *same_hash(struct np_hmap_node *n, uint32_t hash)
{
	while (n != NULL && n->hash != hash)
		n = n->next;
	return n;
}

struct np_hmap_node *np_hmap_first(const struct np_hmap *m, uint32_t hash)
{
	return same_hash(m->tab[hash & m->mask], hash);
}

struct np_hmap_node *np_hmap_next(const struct np_hmap_node *n)
{
	return same_hash(n->next, n->hash);
}

void np_hmap_iter_init(struct np_hmap_iter *it, const struct np_hmap *m)
{
	it->m = m;
	it->bucket = 0;
	it->next = NULL;
}

struct np_hmap_node *np_hmap_iter_next(struct np_hmap_iter *it)
{
	struct np_hmap_node *n = it->next;

	while (n == NULL && it->m->tab != NULL && it->bucket <= it->m->mask)
		n = it->m->tab[it->bucket++];
	if (n != NULL)
		it->next = n->next;
	return n;
}

/* ---- LRU list ----------------------------------------------------------- */

void np_lru_push(struct np_lru *l, struct np_lru_node *n)
{
	n->older = l->newest;
	n->newer = NULL;
	if (l->newest != NULL)
		l->newest->newer = n;
	else
		l->oldest = n;
	l->newest = n;
}

void np_lru_unlink(struct np_lru *l, struct np_lru_node *n)
{
	if (n->newer != NULL)
		n->newer->older = n->older;
	else
		l->newest = n->older;
	if (n->older != NULL)
		n->older->newer = n->newer;
	else
		l->oldest = n->newer;
	n->newer = n->older = NULL;
}

void np_lru_touch(struct np_lru *l, struct np_lru_node *n)
{
	np_lru_unlink(l, n);
	np_lru_push(l, n);
}
