/*
 * test-connlimit.c: the connection-eviction policy (daemons/common/
 * connlimit.c): room is made by closing the least recently active
 * connection that owes no answer, within the client's own share first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "connlimit.h"

#define A 0xffffffff0a4d0001ull        /* two clients */
#define B 0xffffffff0a4d0002ull

static enum np_conn_verdict admit(struct np_conn_set *s, uint64_t client, struct np_conn **v)
{
	*v = NULL;
	return np_conn_admit(s, client, v);
}

static void admits_below_the_limits(void **state)
{
	struct np_conn_set s;
	struct np_conn c[3], *v;

	(void)state;
	np_conn_set_init(&s, 3, 2);
	assert_int_equal(admit(&s, A, &v), NP_CONN_ADMIT);
	np_conn_add(&s, &c[0], A);
	assert_int_equal(admit(&s, A, &v), NP_CONN_ADMIT);
	np_conn_add(&s, &c[1], A);
	assert_int_equal(admit(&s, B, &v), NP_CONN_ADMIT);
	assert_null(v);
	assert_int_equal(s.count, 2);
	assert_int_equal(np_conn_count_client(&s, A), 2);
	assert_int_equal(np_conn_count_client(&s, B), 0);
}

static void full_set_evicts_the_oldest_idle(void **state)
{
	struct np_conn_set s;
	struct np_conn c[3], *v;

	(void)state;
	np_conn_set_init(&s, 3, 0);
	for (int i = 0; i < 3; i++)
		np_conn_add(&s, &c[i], (uint64_t)i);
	assert_int_equal(admit(&s, B, &v), NP_CONN_EVICT);
	assert_ptr_equal(v, &c[0]);
	/* One that owes an answer is passed over. */
	c[0].busy = true;
	assert_int_equal(admit(&s, B, &v), NP_CONN_EVICT);
	assert_ptr_equal(v, &c[1]);
	np_conn_remove(&s, v);
	assert_int_equal(admit(&s, B, &v), NP_CONN_ADMIT);
}

static void a_finished_request_makes_it_young(void **state)
{
	struct np_conn_set s;
	struct np_conn c[3], *v;

	(void)state;
	np_conn_set_init(&s, 3, 0);
	for (int i = 0; i < 3; i++)
		np_conn_add(&s, &c[i], (uint64_t)i);
	np_conn_touch(&s, &c[0]);
	assert_int_equal(admit(&s, B, &v), NP_CONN_EVICT);
	assert_ptr_equal(v, &c[1]);
	np_conn_touch(&s, &c[1]);
	np_conn_touch(&s, &c[1]);       /* already the youngest */
	assert_int_equal(admit(&s, B, &v), NP_CONN_EVICT);
	assert_ptr_equal(v, &c[2]);
	assert_ptr_equal(s.head, &c[1]);
	assert_ptr_equal(s.tail, &c[2]);
}

static void all_busy_refuses(void **state)
{
	struct np_conn_set s;
	struct np_conn c[2], *v;

	(void)state;
	np_conn_set_init(&s, 2, 0);
	np_conn_add(&s, &c[0], A);
	np_conn_add(&s, &c[1], B);
	c[0].busy = c[1].busy = true;
	assert_int_equal(admit(&s, A, &v), NP_CONN_REFUSE);
	assert_null(v);
}

/* A client at its share loses its own oldest, never someone else's. */
static void share_evicts_within_the_client(void **state)
{
	struct np_conn_set s;
	struct np_conn b, a[2], *v;

	(void)state;
	np_conn_set_init(&s, 10, 2);
	np_conn_add(&s, &b, B);         /* the oldest of all */
	np_conn_add(&s, &a[0], A);
	np_conn_add(&s, &a[1], A);
	assert_int_equal(admit(&s, A, &v), NP_CONN_EVICT);
	assert_ptr_equal(v, &a[0]);
	a[0].busy = a[1].busy = true;
	assert_int_equal(admit(&s, A, &v), NP_CONN_REFUSE);
	assert_int_equal(admit(&s, B, &v), NP_CONN_ADMIT);
}

/* Limits lowered (a reload): ask again until the newcomer fits. */
static void lowered_limit_evicts_until_it_fits(void **state)
{
	struct np_conn_set s;
	struct np_conn c[5], *v;
	unsigned evicted = 0;

	(void)state;
	np_conn_set_init(&s, 5, 0);
	for (int i = 0; i < 5; i++)
		np_conn_add(&s, &c[i], A);
	np_conn_set_limits(&s, 2, 0);
	while (admit(&s, B, &v) == NP_CONN_EVICT && evicted < 10) {
		assert_ptr_equal(v, s.tail);
		np_conn_remove(&s, v);
		evicted++;
	}
	assert_int_equal(evicted, 4);
	assert_int_equal(admit(&s, B, &v), NP_CONN_ADMIT);
	assert_ptr_equal(s.head, &c[4]);
	assert_ptr_equal(s.tail, &c[4]);
}

static void remove_keeps_the_list_whole(void **state)
{
	struct np_conn_set s;
	struct np_conn c[3];

	(void)state;
	np_conn_set_init(&s, 0, 0);     /* 0 means 1 */
	assert_int_equal(s.max, 1);
	for (int i = 0; i < 3; i++)
		np_conn_add(&s, &c[i], A);
	np_conn_remove(&s, &c[1]);
	assert_ptr_equal(s.head, &c[2]);
	assert_ptr_equal(c[2].next, &c[0]);
	assert_ptr_equal(c[0].prev, &c[2]);
	np_conn_remove(&s, &c[2]);
	np_conn_remove(&s, &c[0]);
	assert_null(s.head);
	assert_null(s.tail);
	assert_int_equal(s.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(admits_below_the_limits),
		cmocka_unit_test(full_set_evicts_the_oldest_idle),
		cmocka_unit_test(a_finished_request_makes_it_young),
		cmocka_unit_test(all_busy_refuses),
		cmocka_unit_test(share_evicts_within_the_client),
		cmocka_unit_test(lowered_limit_evicts_until_it_fits),
		cmocka_unit_test(remove_keeps_the_list_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
