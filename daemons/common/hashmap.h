/*
 * hashmap.h: the one keyed hash map every table uses, and its LRU list.
 *
 * Tables keyed by something a peer chooses (names, client identifiers,
 * addresses) hash with SipHash-2-4 under a key drawn at random once per
 * process, so that nobody who does not know the key can aim many keys at
 * one chain (hash flooding).  The key is an argument: the I/O side draws it
 * (np_hmap_key_draw(), hashkey.c in libnpio) and hands it to the policy
 * tables it creates, which stay pure (no randomness of their own).
 *
 * The map is intrusive and chained: an element embeds a struct
 * np_hmap_node (one per map it is in) and is found again with
 * NP_HMAP_ENTRY().  The map owns only its bucket array (a power of two);
 * the elements belong to the caller, which compares keys itself: the map
 * yields the nodes whose 32-bit hash equals the one asked for, so several
 * elements may share a key (a multimap, e.g. every type of one DNS owner).
 * Nothing grows by itself: the caller resizes (np_hmap_resize()) when its
 * load calls for it.
 *
 * struct np_lru is the recency list a bounded table evicts from (oldest
 * first); it is independent of the map, so an element can be in both.
 *
 * Pure: no clock, no randomness, no logging; only the bucket array is on
 * the heap.  Built with the policy guard, linked by the policy libraries.
 */
#ifndef NP_COMMON_HASHMAP_H
#define NP_COMMON_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

/* The 128-bit SipHash key. */
struct np_hmap_key {
	uint64_t k0, k1;
};

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of len octets at p. */
uint64_t np_siphash24(const struct np_hmap_key *key, const void *p, size_t len);
/* The same over the octets with ASCII A-Z read as a-z (DNS names, RFC 4343). */
uint64_t np_siphash24_nocase(const struct np_hmap_key *key, const void *p, size_t len);

struct np_hmap_node {
	struct np_hmap_node *next;      /* bucket chain */
	uint32_t hash;
};

struct np_hmap {
	struct np_hmap_node **tab;      /* the bucket array: the map's only heap block */
	size_t mask;                    /* buckets - 1 */
	size_t count;                   /* nodes in the map */
	struct np_hmap_key key;
};

/* The element that embeds node n as its member `member`. */
#define NP_HMAP_ENTRY(n, type, member) \
	((type *)(void *)((char *)(n) - offsetof(type, member)))

/*
 * An empty map of at least `buckets` buckets (rounded up to a power of two,
 * 16 at least) hashing under *key.  Returns 0 or -ENOMEM.
 */
int np_hmap_init(struct np_hmap *m, size_t buckets, const struct np_hmap_key *key);
/* Frees the bucket array (not the elements).  A zeroed map is fine. */
void np_hmap_fini(struct np_hmap *m);
/*
 * Move every node to a new array of `buckets` buckets (rounded as above).
 * Returns 0, or -ENOMEM with the map unchanged.
 */
int np_hmap_resize(struct np_hmap *m, size_t buckets);

static inline size_t np_hmap_buckets(const struct np_hmap *m)
{
	return m->mask + 1;
}

/* The map's hash of a key, exactly or without ASCII case. */
static inline uint32_t np_hmap_hash(const struct np_hmap *m, const void *p, size_t len)
{
	uint64_t h = np_siphash24(&m->key, p, len);

	return (uint32_t)(h ^ (h >> 32));
}

static inline uint32_t np_hmap_hash_nocase(const struct np_hmap *m, const void *p, size_t len)
{
	uint64_t h = np_siphash24_nocase(&m->key, p, len);

	return (uint32_t)(h ^ (h >> 32));
}

/* Add n under hash (not checked for duplicates: the caller knows). */
void np_hmap_insert(struct np_hmap *m, struct np_hmap_node *n, uint32_t hash);
/* Remove n, which must be in m. */
void np_hmap_remove(struct np_hmap *m, struct np_hmap_node *n);

/*
 * The nodes whose hash is `hash`: the first, then each next one (NULL at
 * the end).  Removing the node just returned is allowed when its next one
 * was taken first.
 */
struct np_hmap_node *np_hmap_first(const struct np_hmap *m, uint32_t hash);
struct np_hmap_node *np_hmap_next(const struct np_hmap_node *n);

/*
 * Every node of the map, bucket by bucket (a dump, a teardown).  The node
 * after the one returned is taken first, so that one may be removed (or
 * freed); the map must not be resized or added to meanwhile.
 */
struct np_hmap_iter {
	const struct np_hmap *m;
	size_t bucket;                  /* the next bucket to start */
	struct np_hmap_node *next;
};

void np_hmap_iter_init(struct np_hmap_iter *it, const struct np_hmap *m);
struct np_hmap_node *np_hmap_iter_next(struct np_hmap_iter *it);

/* ---- LRU list ---------------------------------------------------------- */

struct np_lru_node {
	struct np_lru_node *newer, *older;
};

struct np_lru {
	struct np_lru_node *newest, *oldest;
};

/* n becomes the newest. */
void np_lru_push(struct np_lru *l, struct np_lru_node *n);
void np_lru_unlink(struct np_lru *l, struct np_lru_node *n);
/* n, in the list, becomes the newest (a use). */
void np_lru_touch(struct np_lru *l, struct np_lru_node *n);

#endif
