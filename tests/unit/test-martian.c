/*
 * test-martian.c: the sources the AF_XDP path refuses as the kernel's
 * ip_route_input() does: the fixed ranges, the host's own addresses and
 * its subnets' broadcast addresses (configured or all-ones; none for /31
 * and /32), with the addresses as `ip addr` would give them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "martian.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static void fixed_ranges(void **state)
{
	struct np_local4 l;

	(void)state;
	np_local4_clear(&l);
	assert_true(np_martian_source(&l, A(0, 0, 0, 0)));
	assert_true(np_martian_source(&l, A(0, 1, 2, 3)));
	assert_true(np_martian_source(&l, A(127, 0, 0, 1)));
	assert_true(np_martian_source(&l, A(127, 255, 255, 254)));
	assert_true(np_martian_source(&l, A(224, 0, 0, 1)));
	assert_true(np_martian_source(&l, A(239, 255, 255, 250)));
	assert_true(np_martian_source(&l, A(240, 0, 0, 1)));
	assert_true(np_martian_source(&l, A(255, 255, 255, 255)));
	assert_false(np_martian_source(&l, A(1, 0, 0, 1)));
	assert_false(np_martian_source(&l, A(10, 77, 0, 2)));
	assert_false(np_martian_source(&l, A(126, 255, 255, 255)));
	assert_false(np_martian_source(&l, A(223, 255, 255, 255)));
}

static void own_addresses_and_broadcasts(void **state)
{
	struct np_local4 l;

	(void)state;
	np_local4_clear(&l);
	np_local4_add(&l, A(10, 77, 0, 1), 24, A(10, 77, 0, 255));  /* brd + */
	np_local4_add(&l, A(10, 77, 1, 1), 24, 0);                  /* no brd given */
	np_local4_add(&l, A(192, 168, 5, 9), 16, A(192, 168, 5, 255)); /* an odd brd */
	np_local4_add(&l, A(10, 9, 9, 0), 31, 0);                   /* RFC 3021 */
	np_local4_add(&l, A(10, 8, 8, 8), 32, 0);
	assert_true(np_martian_source(&l, A(10, 77, 0, 1)));
	assert_true(np_martian_source(&l, A(10, 77, 0, 255)));
	assert_true(np_martian_source(&l, A(10, 77, 1, 1)));
	assert_true(np_martian_source(&l, A(10, 77, 1, 255)));
	assert_true(np_martian_source(&l, A(192, 168, 5, 9)));
	assert_true(np_martian_source(&l, A(192, 168, 5, 255)));
	assert_true(np_martian_source(&l, A(192, 168, 255, 255)));
	assert_true(np_martian_source(&l, A(10, 9, 9, 0)));
	assert_true(np_martian_source(&l, A(10, 8, 8, 8)));
	/* Neighbours, network addresses and the /31's other end are hosts. */
	assert_false(np_martian_source(&l, A(10, 77, 0, 2)));
	assert_false(np_martian_source(&l, A(10, 77, 0, 0)));
	assert_false(np_martian_source(&l, A(10, 77, 0, 254)));
	assert_false(np_martian_source(&l, A(10, 9, 9, 1)));
	assert_false(np_martian_source(&l, A(10, 8, 8, 255)));
	assert_int_equal(l.naddr, 5);
	assert_int_equal(l.nbcast, 4);
	assert_false(l.truncated);
	/* Cleared: the addresses are gone (an address removed at run time). */
	np_local4_clear(&l);
	assert_false(np_martian_source(&l, A(10, 77, 0, 1)));
	assert_false(np_martian_source(&l, A(10, 77, 0, 255)));
}

static void duplicates_once_and_overflow_flagged(void **state)
{
	static struct np_local4 l;

	(void)state;
	np_local4_clear(&l);
	np_local4_add(&l, A(10, 0, 0, 1), 24, A(10, 0, 0, 255));
	np_local4_add(&l, A(10, 0, 0, 1), 24, A(10, 0, 0, 255));
	np_local4_add(&l, A(10, 0, 0, 2), 24, 0);
	assert_int_equal(l.naddr, 2);
	assert_int_equal(l.nbcast, 1);
	for (uint32_t i = 0; i < NP_LOCAL4_MAX + 10; i++)
		np_local4_add(&l, A(172, 16, 0, 0) + (i << 8) + 1, 24, 0);
	assert_true(l.truncated);
	assert_int_equal(l.naddr, NP_LOCAL4_MAX);
	assert_int_equal(l.nbcast, NP_LOCAL4_MAX);
	assert_true(np_martian_source(&l, A(10, 0, 0, 2)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed_ranges),
		cmocka_unit_test(own_addresses_and_broadcasts),
		cmocka_unit_test(duplicates_once_and_overflow_flagged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
