/*
 * test-hashmap.c: the keyed hash map and LRU list (daemons/common/hashmap.c):
 * SipHash-2-4 against the reference vectors, the multimap's lookups,
 * removal while iterating, resizing, and the recency list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hashmap.h"

/* The reference key 00 01 .. 0f of the SipHash paper (Appendix A). */
static const struct np_hmap_key ref_key = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };

/* SipHash-2-4 of the messages 00 01 .. (len - 1) under ref_key. */
static void siphash24_reference_vectors(void **state)
{
	static const struct { size_t len; uint64_t h; } v[] = {
		{ 0, 0x726fdb47dd0e0e31ull },  { 1, 0x74f839c593dc67fdull },
		{ 7, 0xab0200f58b01d137ull },  { 8, 0x93f5f5799a932462ull },
		{ 15, 0xa129ca6149be45e5ull }, { 16, 0x3f2acc7f57c29bdbull },
		{ 63, 0x958a324ceb064572ull },
	};
	uint8_t msg[64];

	(void)state;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(np_siphash24(&ref_key, msg, v[i].len), v[i].h);
}

static void nocase_folds_ascii_letters_only(void **state)
{
	struct np_hmap_key k = { 1, 2 };

	(void)state;
	assert_int_equal(np_siphash24_nocase(&k, "\3WwW\7ExAmPlE", 12),
			 np_siphash24(&k, "\3www\7example", 12));
	/* Only A-Z: '@' (0x40) and '[' (0x5b) stay what they are. */
	assert_int_not_equal(np_siphash24_nocase(&k, "@[", 2), np_siphash24(&k, "`{", 2));
	/* Another key, another hash. */
	assert_int_not_equal(np_siphash24(&k, "abc", 3), np_siphash24(&ref_key, "abc", 3));
}

struct item {
	struct np_hmap_node node;
	struct np_lru_node lru;
	int key, val;
};

static uint32_t hash_int(const struct np_hmap *m, int key)
{
	return np_hmap_hash(m, &key, sizeof(key));
}

static struct item *find(const struct np_hmap *m, int key)
{
	uint32_t h = hash_int(m, key);

	for (struct np_hmap_node *n = np_hmap_first(m, h); n; n = np_hmap_next(n)) {
		struct item *it = NP_HMAP_ENTRY(n, struct item, node);

		if (it->key == key)
			return it;
	}
	return NULL;
}

static void map_finds_removes_and_resizes(void **state)
{
	static struct item items[1000];
	struct np_hmap m;

	(void)state;
	assert_int_equal(np_hmap_init(&m, 10, &ref_key), 0);
	assert_int_equal(np_hmap_buckets(&m), 16);
	for (int i = 0; i < 1000; i++) {
		items[i].key = i;
		items[i].val = 7 * i;
		np_hmap_insert(&m, &items[i].node, hash_int(&m, i));
	}
	assert_int_equal(m.count, 1000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(find(&m, i)->val, 7 * i);
	assert_null(find(&m, 1000));

	assert_int_equal(np_hmap_resize(&m, 1000), 0);
	assert_int_equal(np_hmap_buckets(&m), 1024);
	for (int i = 0; i < 1000; i += 2)
		np_hmap_remove(&m, &items[i].node);
	assert_int_equal(m.count, 500);
	for (int i = 0; i < 1000; i++)
		if (i % 2)
			assert_ptr_equal(find(&m, i), &items[i]);
		else
			assert_null(find(&m, i));
	assert_int_equal(np_hmap_resize(&m, 16), 0);
	assert_ptr_equal(find(&m, 999), &items[999]);
	np_hmap_fini(&m);
}

/* The iterator yields every node once, and the one it just gave may be removed. */
static void map_iterates_every_node(void **state)
{
	static struct item items[300];
	static int seen[300];
	struct np_hmap_iter it;
	struct np_hmap_node *n;
	struct np_hmap m;
	size_t count = 0;

	(void)state;
	assert_int_equal(np_hmap_init(&m, 16, &ref_key), 0);
	np_hmap_iter_init(&it, &m);
	assert_null(np_hmap_iter_next(&it));
	for (int i = 0; i < 300; i++) {
		items[i].key = i;
		np_hmap_insert(&m, &items[i].node, hash_int(&m, i % 7));   /* long chains */
	}
	np_hmap_iter_init(&it, &m);
	while ((n = np_hmap_iter_next(&it)) != NULL) {
		struct item *e = NP_HMAP_ENTRY(n, struct item, node);

		seen[e->key]++;
		count++;
		if (e->key % 2)
			np_hmap_remove(&m, n);
	}
	assert_int_equal(count, 300);
	for (int i = 0; i < 300; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(m.count, 150);
	np_hmap_fini(&m);
	np_hmap_iter_init(&it, &m);     /* a finished (zeroed) map has no nodes */
	assert_null(np_hmap_iter_next(&it));
}

/* Several elements under one key: each is yielded, and may go while iterating. */
static void map_is_a_multimap(void **state)
{
	struct item same[5];
	struct np_hmap_node *n, *next;
	struct np_hmap m;
	int seen = 0;

	(void)state;
	assert_int_equal(np_hmap_init(&m, 16, &ref_key), 0);
	for (int i = 0; i < 5; i++) {
		same[i].key = 42;
		same[i].val = i;
		np_hmap_insert(&m, &same[i].node, hash_int(&m, 42));
	}
	for (n = np_hmap_first(&m, hash_int(&m, 42)); n; n = next) {
		struct item *it = NP_HMAP_ENTRY(n, struct item, node);

		next = np_hmap_next(n);
		seen |= 1 << it->val;
		if (it->val % 2 == 0)
			np_hmap_remove(&m, n);
	}
	assert_int_equal(seen, 0x1f);
	assert_int_equal(m.count, 2);
	seen = 0;
	for (n = np_hmap_first(&m, hash_int(&m, 42)); n; n = np_hmap_next(n))
		seen |= 1 << NP_HMAP_ENTRY(n, struct item, node)->val;
	assert_int_equal(seen, 0x0a);
	np_hmap_fini(&m);
}

static void lru_orders_by_use(void **state)
{
	struct item it[3];
	struct np_lru l = { NULL, NULL };

	(void)state;
	for (int i = 0; i < 3; i++)
		np_lru_push(&l, &it[i].lru);
	assert_ptr_equal(l.oldest, &it[0].lru);
	assert_ptr_equal(l.newest, &it[2].lru);
	np_lru_touch(&l, &it[0].lru);
	assert_ptr_equal(l.oldest, &it[1].lru);
	assert_ptr_equal(l.newest, &it[0].lru);
	np_lru_unlink(&l, &it[2].lru);
	assert_ptr_equal(l.oldest->newer, &it[0].lru);
	np_lru_unlink(&l, &it[1].lru);
	np_lru_unlink(&l, &it[0].lru);
	assert_null(l.oldest);
	assert_null(l.newest);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(siphash24_reference_vectors),
		cmocka_unit_test(nocase_folds_ascii_letters_only),
		cmocka_unit_test(map_finds_removes_and_resizes),
		cmocka_unit_test(map_iterates_every_node),
		cmocka_unit_test(map_is_a_multimap),
		cmocka_unit_test(lru_orders_by_use),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
