/*
 * test-arpd-table.c: np-arpd's address table (daemons/arpd/table.c):
 * single addresses, prefixes and ranges, duplicates, the 1,000,000-address
 * limit with its memory (<= 64 MB) and lookup cost, MACs, reload state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <errno.h>

#include <cmocka.h>

#include "table.h"

static const uint8_t mac1[6] = { 0x02, 0, 0, 0, 0, 1 };
static const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0, 2 };

static void single_prefix_range(void **state)
{
	struct arpd_table t;
	uint32_t dup = 0;
	const struct arpd_slot *s;

	(void)state;
	assert_int_equal(arpd_table_init(&t, 400), 0);
	assert_int_equal(arpd_table_add(&t, 0x0a000001, 0x0a000001, 0, 0, &dup), 0);
	assert_int_equal(arpd_table_add(&t, 0x0a010000, 0x0a0100ff, 0, 0, &dup), 0);  /* /24 */
	assert_int_equal(arpd_table_add(&t, 0x0a020005, 0x0a020009, 0, ARPD_SLOT_UNUSED_ONLY,
					&dup), 0);
	assert_int_equal(t.count, 1 + 256 + 5);
	assert_int_equal(t.unused_only, 5);
	assert_int_equal(t.min, 0x0a000001);
	assert_int_equal(t.max, 0x0a020009);
	assert_non_null(arpd_table_find(&t, 0x0a000001));
	assert_null(arpd_table_find(&t, 0x0a000002));
	assert_null(arpd_table_find(&t, 0x0a000000));
	for (uint32_t a = 0x0a010000; a <= 0x0a0100ff; a++)
		assert_non_null(arpd_table_find(&t, a));
	assert_null(arpd_table_find(&t, 0x0a010100));
	assert_null(arpd_table_find(&t, 0x0a00ffff));
	s = arpd_table_find(&t, 0x0a020007);
	assert_non_null(s);
	assert_int_equal(s->addr, 0x0a020007);
	assert_true(s->flags & ARPD_SLOT_UNUSED_ONLY);
	assert_int_equal(s->state, ARPD_STATE_UNKNOWN);
	assert_null(arpd_table_find(&t, 0x0a02000a));
	assert_null(arpd_table_find(&t, 0));
	assert_null(arpd_table_find(&t, UINT32_MAX));
	arpd_table_free(&t);
	arpd_table_free(&t);   /* a zeroed table is fine */
}

static void duplicates_and_limits(void **state)
{
	struct arpd_table t;
	uint32_t dup = 0;

	(void)state;
	assert_int_equal(arpd_table_init(&t, 0), -EINVAL);
	assert_int_equal(arpd_table_init(&t, ARPD_TABLE_MAX + 1), -EINVAL);
	assert_int_equal(arpd_table_init(&t, 10), 0);
	assert_int_equal(arpd_table_add(&t, 5, 4, 0, 0, &dup), -EINVAL);
	assert_int_equal(arpd_table_add(&t, 1, 1, 7, 0, &dup), -EINVAL);   /* no MAC 7 */
	assert_int_equal(arpd_table_add(&t, 100, 105, 0, 0, &dup), 0);
	assert_int_equal(arpd_table_add(&t, 103, 103, 0, 0, &dup), -EEXIST);
	assert_int_equal(dup, 103);
	assert_int_equal(arpd_table_add(&t, 200, 204, 0, 0, &dup), -ENOSPC);  /* 6 + 5 > 10 */
	assert_int_equal(t.count, 6);
	assert_null(arpd_table_find(&t, 200));
	assert_int_equal(arpd_table_add(&t, 200, 203, 0, 0, &dup), 0);       /* exactly 10 */
	assert_int_equal(t.count, 10);
	arpd_table_free(&t);
	/* The top of the address space: the loop must end. */
	assert_int_equal(arpd_table_init(&t, 2), 0);
	assert_int_equal(arpd_table_add(&t, UINT32_MAX - 1, UINT32_MAX, 0, 0, &dup), 0);
	assert_non_null(arpd_table_find(&t, UINT32_MAX));
	arpd_table_free(&t);
}

static void macs_are_shared(void **state)
{
	struct arpd_table t;
	const uint8_t iface[6] = { 0x02, 0xaa, 0, 0, 0, 0 };
	uint32_t dup;

	(void)state;
	assert_int_equal(arpd_table_init(&t, 10), 0);
	assert_int_equal(arpd_table_mac(&t, NULL), ARPD_MAC_IFACE);
	assert_int_equal(arpd_table_mac(&t, mac1), 1);
	assert_int_equal(arpd_table_mac(&t, mac2), 2);
	assert_int_equal(arpd_table_mac(&t, mac1), 1);
	assert_int_equal(t.nmacs, 3);
	assert_int_equal(arpd_table_add(&t, 1, 1, 0, 0, &dup), 0);
	assert_int_equal(arpd_table_add(&t, 2, 2, 2, 0, &dup), 0);
	assert_memory_equal(arpd_table_slot_mac(&t, arpd_table_find(&t, 1), iface), iface, 6);
	assert_memory_equal(arpd_table_slot_mac(&t, arpd_table_find(&t, 2), iface), mac2, 6);
	arpd_table_free(&t);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The limit: 1,000,000 addresses (a /13 plus a range and 10,000
 * scattered singles), all found, none outside, in <= 64 MB.  The lookup
 * cost is printed (hits and misses) so a regression shows in the log.
 */
static void one_million_addresses(void **state)
{
	struct arpd_table t;
	uint32_t dup, found = 0, misses = 0;
	uint64_t t0, t1, t2;

	(void)state;
	assert_int_equal(arpd_table_init(&t, ARPD_TABLE_MAX), 0);
	assert_int_equal(arpd_table_add(&t, 0x0a000000, 0x0a07ffff, 0, 0, &dup), 0); /* 524288 */
	assert_int_equal(arpd_table_add(&t, 0x0b000000, 0x0b000000 + 465711, 0, 0, &dup), 0);
	for (uint32_t i = 0; i < 10000; i++)   /* 172.16.x.y, every 7th */
		assert_int_equal(arpd_table_add(&t, 0xac100000 + i * 7, 0xac100000 + i * 7, 0, 0,
						&dup), 0);
	assert_int_equal(t.count, ARPD_TABLE_MAX);
	assert_int_equal(arpd_table_add(&t, 0x0c000000, 0x0c000000, 0, 0, &dup), -ENOSPC);
	assert_true(arpd_table_memory(&t) <= 64u << 20);
	t0 = now_ns();
	for (uint32_t a = 0x0a000000; a <= 0x0a07ffff; a++)
		found += arpd_table_find(&t, a) != NULL;
	t1 = now_ns();
	for (uint32_t a = 0x0a080000; a < 0x0a100000; a++)   /* inside [min, max], absent */
		misses += arpd_table_find(&t, a) == NULL;
	t2 = now_ns();
	assert_int_equal(found, 524288);
	assert_int_equal(misses, 524288);
	for (uint32_t i = 0; i < 10000; i++) {
		assert_non_null(arpd_table_find(&t, 0xac100000 + i * 7));
		assert_null(arpd_table_find(&t, 0xac100000 + i * 7 + 1));
	}
	printf("# 1,000,000 addresses: %zu bytes; %.1f ns per hit, %.1f ns per miss\n",
	       arpd_table_memory(&t), (double)(t1 - t0) / 524288, (double)(t2 - t1) / 524288);
	arpd_table_free(&t);
}

/* A reload keeps what probing learned, and forgets probes in flight. */
static void reload_keeps_state(void **state)
{
	struct arpd_table old, t;
	uint32_t dup;

	(void)state;
	assert_int_equal(arpd_table_init(&old, 10), 0);
	assert_int_equal(arpd_table_init(&t, 10), 0);
	assert_int_equal(arpd_table_add(&old, 1, 4, 0, ARPD_SLOT_UNUSED_ONLY, &dup), 0);
	assert_int_equal(arpd_table_add(&t, 3, 6, 0, ARPD_SLOT_UNUSED_ONLY, &dup), 0);
	arpd_table_find(&old, 3)->state = ARPD_STATE_FREE;
	arpd_table_find(&old, 4)->state = ARPD_STATE_USED | ARPD_STATE_PROBING;
	assert_int_equal(arpd_table_copy_state(&t, &old), 2);
	assert_int_equal(arpd_table_find(&t, 3)->state, ARPD_STATE_FREE);
	assert_int_equal(arpd_table_find(&t, 4)->state, ARPD_STATE_USED);
	assert_int_equal(arpd_table_find(&t, 5)->state, ARPD_STATE_UNKNOWN);
	arpd_table_free(&old);
	arpd_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(single_prefix_range),
		cmocka_unit_test(duplicates_and_limits),
		cmocka_unit_test(macs_are_shared),
		cmocka_unit_test(one_million_addresses),
		cmocka_unit_test(reload_keeps_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
