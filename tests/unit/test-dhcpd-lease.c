/* test-dhcpd-lease.c: the in-memory lease table of np-dhcpd. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lease.h"

/* A fixed hash key: the tests do not depend on where entries hash. */
static const struct np_hmap_key test_key = { 0x0123456789abcdefull, 0xfedcba9876543210ull };

#define NET 0x0a4d0000u            /* 10.77.0.0 */
#define NOW 1763770000

static struct lease_client hw(uint32_t n)
{
	struct lease_client c = { .htype = 1, .hlen = 6 };

	memcpy(c.chaddr, "\x02\x00\x5e", 3);
	c.chaddr[3] = (uint8_t)(n >> 16);
	c.chaddr[4] = (uint8_t)(n >> 8);
	c.chaddr[5] = (uint8_t)n;
	return c;
}

static struct lease_table *table_with_pool(uint32_t first, uint32_t last)
{
	struct lease_table *t = lease_table_new(&test_key);

	assert_non_null(t);
	assert_int_equal(lease_pool_add(t, first, last, 7), 0);
	return t;
}

static struct lease *offer_free(struct lease_table *t, const struct lease_client *c)
{
	struct lease *l = NULL;
	uint32_t a;

	assert_int_equal(lease_find_free(t, 0, &a), 0);
	assert_int_equal(lease_claim(t, a, c, LEASE_OFFERED, NOW, NOW + 30, &l), 0);
	return l;
}

static void pool_hands_out_each_address_once(void **state)
{
	struct lease_table *t = table_with_pool(NET + 10, NET + 139);   /* 130: crosses words */
	struct lease_pool_stats st;
	uint8_t seen[130] = { 0 };
	uint32_t a;

	(void)state;
	for (uint32_t i = 0; i < 130; i++) {
		struct lease_client c = hw(i);
		struct lease *l = offer_free(t, &c);

		assert_true(l->addr >= NET + 10 && l->addr <= NET + 139);
		assert_int_equal(seen[l->addr - NET - 10]++, 0);
		if (i % 2)
			lease_set_state(t, l, LEASE_BOUND, NOW + 3600);
	}
	assert_int_equal(lease_find_free(t, 0, &a), -ENOSPC);
	lease_pool_stats(t, 0, &st);
	assert_int_equal(st.total, 130);
	assert_int_equal(st.assigned, 65);
	assert_int_equal(st.offered, 65);
	assert_int_equal(st.free, 0);
	assert_int_equal(lease_count(t), 130);
	assert_int_equal(lease_pool_tag(t, 0), 7);
	assert_int_equal(lease_pool_of(t, NET + 139), 0);
	assert_int_equal(lease_pool_of(t, NET + 140), -1);
	lease_table_free(t);
}

static void pools_overlap_refused(void **state)
{
	struct lease_table *t = table_with_pool(NET + 100, NET + 199);

	(void)state;
	assert_int_equal(lease_pool_add(t, NET + 150, NET + 250, 1), -EINVAL);
	assert_int_equal(lease_pool_add(t, NET + 20, NET + 10, 1), -EINVAL);
	/* Added out of order: indexes stay the order of addition. */
	assert_int_equal(lease_pool_add(t, NET + 10, NET + 19, 1), 1);
	assert_int_equal(lease_pool_of(t, NET + 15), 1);
	assert_int_equal(lease_pool_of(t, NET + 150), 0);
	lease_table_free(t);
}

static void identity_is_client_id_else_chaddr(void **state)
{
	struct lease_table *t = table_with_pool(NET + 10, NET + 20);
	static const uint8_t cid1[] = { 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const uint8_t cid2[] = { 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 10 };
	struct lease_client a = hw(1), b = hw(1), x = hw(1);
	struct lease *la, *lb;

	(void)state;
	a.cid = cid1;
	a.cid_len = sizeof(cid1);
	b.cid = cid2;
	b.cid_len = sizeof(cid2);
	/* Same MAC, different client ids (two OSes on one NIC): two clients. */
	la = offer_free(t, &a);
	lb = offer_free(t, &b);
	assert_int_not_equal(la->addr, lb->addr);
	assert_ptr_equal(lease_by_client(t, &a), la);
	assert_ptr_equal(lease_by_client(t, &b), lb);
	assert_null(lease_by_client(t, &x));
	assert_true(lease_is_client(la, &a));
	assert_false(lease_is_client(la, &b));
	assert_ptr_equal(lease_by_addr(t, la->addr), la);
	/* One lease per client. */
	{
		struct lease *l;

		assert_int_equal(lease_claim(t, NET + 19, &a, LEASE_OFFERED, NOW, NOW + 30, &l),
				 -EEXIST);
	}
	lease_table_free(t);
}

static void long_client_id(void **state)
{
	struct lease_table *t = table_with_pool(NET + 10, NET + 20);
	uint8_t cid[255];
	struct lease_client c = hw(1);
	struct lease_data rec;
	struct lease *l;

	(void)state;
	for (size_t i = 0; i < sizeof(cid); i++)
		cid[i] = (uint8_t)i;
	c.cid = cid;
	c.cid_len = 255;
	l = offer_free(t, &c);
	assert_ptr_equal(lease_by_client(t, &c), l);
	cid[254] ^= 1;
	assert_null(lease_by_client(t, &c));
	cid[254] ^= 1;
	lease_get(l, &rec);
	assert_int_equal(rec.cid_len, 255);
	assert_memory_equal(rec.cid, cid, 255);
	lease_table_free(t);
}

static void offered_address_is_held(void **state)
{
	struct lease_table *t = table_with_pool(NET + 10, NET + 10);
	struct lease_client a = hw(1), b = hw(2);
	struct lease *la = offer_free(t, &a), *l;
	uint32_t addr;

	(void)state;
	/* A concurrent client can neither find nor take the held address. */
	assert_int_equal(lease_find_free(t, 0, &addr), -ENOSPC);
	assert_int_equal(lease_claim(t, NET + 10, &b, LEASE_OFFERED, NOW, NOW + 30, &l), -EBUSY);
	/* The hold runs out: the address is reusable, remembered for a. */
	assert_int_equal(lease_expire(t, NOW + 29, 0, NULL, NULL), 0);
	assert_int_equal(lease_expire(t, NOW + 30, 0, NULL, NULL), 1);
	assert_int_equal(la->state, LEASE_EXPIRED);
	assert_ptr_equal(lease_by_client(t, &a), la);
	assert_int_equal(lease_find_free(t, 0, &addr), 0);
	assert_int_equal(lease_claim(t, addr, &b, LEASE_OFFERED, NOW, NOW + 60, &l), 0);
	assert_ptr_equal(l, la);        /* same object, new owner */
	assert_null(lease_by_client(t, &a));
	assert_ptr_equal(lease_by_client(t, &b), l);
	lease_table_free(t);
}

static void released_addresses_are_used_last(void **state)
{
	struct lease_table *t = table_with_pool(NET + 10, NET + 12);
	struct lease_client a = hw(1), b = hw(2), c = hw(3), d = hw(4);
	struct lease *la = offer_free(t, &a), *l;
	uint32_t first = la->addr, addr;

	(void)state;
	lease_set_state(t, la, LEASE_BOUND, NOW + 3600);
	lease_set_state(t, la, LEASE_RELEASED, NOW);
	/* b and c get never-used addresses: a's stays available to a. */
	assert_int_not_equal(offer_free(t, &b)->addr, first);
	assert_int_not_equal(offer_free(t, &c)->addr, first);
	assert_ptr_equal(lease_by_client(t, &a), la);
	/* Only when nothing fresh is left does d get it. */
	assert_int_equal(lease_find_free(t, 0, &addr), 0);
	assert_int_equal(addr, first);
	assert_int_equal(lease_claim(t, addr, &d, LEASE_OFFERED, NOW, NOW + 30, &l), 0);
	assert_null(lease_by_client(t, &a));
	lease_table_free(t);
}

static void decline_probation(void **state)
{
	struct lease_table *t = table_with_pool(NET + 10, NET + 11);
	struct lease_client a = hw(1);
	struct lease_pool_stats st;
	struct lease *la = offer_free(t, &a), *l;
	uint32_t addr = la->addr, other;
	int removed = 0;

	(void)state;
	lease_set_state(t, la, LEASE_BOUND, NOW + 3600);
	assert_int_equal(lease_decline_addr(t, addr, NOW, NOW + 86400, &l), -EBUSY);
	lease_remove(t, la);
	assert_int_equal(lease_decline_addr(t, addr, NOW, NOW + 86400, &l), 0);
	assert_int_equal(l->state, LEASE_DECLINED);
	assert_int_equal(l->start, NOW);          /* the decline is its cltt */
	assert_null(lease_by_client(t, &a));
	lease_pool_stats(t, 0, &st);
	assert_int_equal(st.declined, 1);
	assert_int_equal(st.free, 1);
	/* Never handed out during probation. */
	assert_int_equal(lease_find_free(t, 0, &other), 0);
	assert_int_not_equal(other, addr);
	assert_int_equal(lease_claim(t, addr, &a, LEASE_OFFERED, NOW, NOW + 30, &l), -EBUSY);
	assert_int_equal(lease_expire(t, NOW + 86399, 0, NULL, NULL), 0);
	assert_int_equal(lease_expire(t, NOW + 86400, 0, NULL, NULL), 1);
	(void)removed;
	assert_null(lease_by_addr(t, addr));
	lease_pool_stats(t, 0, &st);
	assert_int_equal(st.declined, 0);
	assert_int_equal(st.free, 2);
	lease_table_free(t);
}

static void reservations(void **state)
{
	struct lease_table *t = table_with_pool(NET + 10, NET + 11);
	static const uint8_t cid[] = { 0, 'p', 'r', 'n' };
	struct lease_client mac = hw(9), byid = hw(8), other = hw(1);
	struct lease_reservation r1 = { .client = mac, .addr = NET + 10, .hostname = "printer" };
	struct lease_reservation r2 = { .addr = NET + 50 };
	const struct lease_reservation *got;
	struct lease *l;
	uint32_t addr;

	(void)state;
	byid.cid = cid;
	byid.cid_len = sizeof(cid);
	r2.client = byid;
	assert_int_equal(lease_reserve(t, &r1), 0);
	assert_int_equal(lease_reserve(t, &r2), 0);
	assert_int_equal(lease_reserve(t, &r1), -EEXIST);
	got = lease_reservation_for(t, &mac);
	assert_non_null(got);
	assert_int_equal(got->addr, NET + 10);
	assert_string_equal(got->hostname, "printer");
	/* The MAC reservation also matches that MAC sending some client id. */
	mac.cid = cid + 1;
	mac.cid_len = 3;
	assert_ptr_equal(lease_reservation_for(t, &mac), got);
	assert_int_equal(lease_reservation_for(t, &byid)->addr, NET + 50);
	assert_null(lease_reservation_for(t, &other));
	assert_ptr_equal(lease_reservation_of(t, NET + 50), lease_reservation_for(t, &byid));
	assert_null(lease_reservation_of(t, NET + 11));
	/* Others never get the reserved address. */
	assert_int_equal(lease_find_free(t, 0, &addr), 0);
	assert_int_equal(addr, NET + 11);
	assert_int_equal(lease_claim(t, NET + 10, &other, LEASE_OFFERED, NOW, NOW + 30, &l), -EBUSY);
	assert_int_equal(lease_claim(t, NET + 11, &other, LEASE_OFFERED, NOW, NOW + 30, &l), 0);
	assert_int_equal(lease_find_free(t, 0, &addr), -ENOSPC);
	/* Its owner does, and after release it is still not in the free set. */
	assert_int_equal(lease_claim(t, NET + 10, &mac, LEASE_BOUND, NOW, NOW + 30, &l), 0);
	lease_set_state(t, l, LEASE_RELEASED, NOW);
	lease_remove(t, lease_by_addr(t, NET + 11));
	assert_int_equal(lease_find_free(t, 0, &addr), 0);
	assert_int_equal(addr, NET + 11);
	lease_remove(t, l);
	assert_int_equal(lease_find_free(t, 0, &addr), 0);
	assert_int_equal(addr, NET + 11);
	lease_table_free(t);
}

struct expired {
	uint32_t addr[8];
	uint8_t old[8];
	int n;
};

static void on_expire(void *arg, const struct lease *l, uint8_t old)
{
	struct expired *e = arg;

	e->addr[e->n] = l->addr;
	e->old[e->n++] = old;
}

static void expiry_reclaim(void **state)
{
	struct lease_table *t = table_with_pool(NET + 10, NET + 19);
	struct lease_client a = hw(1), b = hw(2), c = hw(3);
	struct lease *la = offer_free(t, &a), *lb = offer_free(t, &b), *lc = offer_free(t, &c);
	struct lease_pool_stats st;
	struct expired e = { .n = 0 };

	(void)state;
	lease_set_state(t, la, LEASE_BOUND, NOW + 100);
	lease_set_state(t, lb, LEASE_BOUND, NOW + 50);
	lease_set_state(t, lc, LEASE_BOUND, NOW + 200);
	/* b renews: its first expiry is stale. */
	lease_set_state(t, lb, LEASE_BOUND, NOW + 300);
	assert_int_equal(lease_next_expiry(t), NOW + 100);
	assert_int_equal(lease_expire(t, NOW + 250, 0, on_expire, &e), 2);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.addr[0], la->addr);      /* in expiry order */
	assert_int_equal(e.addr[1], lc->addr);
	assert_int_equal(e.old[0], LEASE_BOUND);
	assert_int_equal(la->state, LEASE_EXPIRED);
	assert_int_equal(lb->state, LEASE_BOUND);
	lease_pool_stats(t, 0, &st);
	assert_int_equal(st.assigned, 1);
	assert_int_equal(st.free, 9);
	/* max bounds the work done per call. */
	lease_set_state(t, la, LEASE_BOUND, NOW + 400);
	lease_set_state(t, lc, LEASE_BOUND, NOW + 400);
	assert_int_equal(lease_expire(t, NOW + 500, 1, NULL, NULL), 1);
	assert_int_equal(lease_expire(t, NOW + 500, 0, NULL, NULL), 2);
	assert_int_equal(lease_next_expiry(t), INT64_MAX);
	lease_table_free(t);
}

static void hostname_and_records(void **state)
{
	struct lease_table *t = table_with_pool(NET + 10, NET + 19), *u;
	static const uint8_t cid[] = { 1, 2, 0, 0x5e, 0, 0, 2 };
	struct lease_client a = hw(1), b = hw(2);
	struct lease_data rec;
	struct lease *la, *lb, *l;
	size_t cur = 0;

	(void)state;
	a.cid = cid;
	a.cid_len = sizeof(cid);
	la = offer_free(t, &a);
	lease_set_state(t, la, LEASE_BOUND, NOW + 3600);
	assert_int_equal(lease_set_hostname(t, la, "laptop"), 0);
	lb = offer_free(t, &b);
	assert_int_equal(lease_decline_addr(t, NET + 19, NOW, NOW + 86400, &l), 0);

	u = table_with_pool(NET + 10, NET + 19);
	while ((l = lease_iter(t, &cur)) != NULL) {
		lease_get(l, &rec);
		assert_int_equal(lease_apply(u, &rec), 0);
	}
	assert_int_equal(lease_count(u), 3);
	l = lease_by_client(u, &a);
	assert_non_null(l);
	assert_int_equal(l->addr, la->addr);
	assert_int_equal(l->state, LEASE_BOUND);
	assert_int_equal(l->expire, NOW + 3600);
	assert_string_equal(l->hostname, "laptop");
	assert_memory_equal(l->chaddr, a.chaddr, 6);
	assert_int_equal(lease_by_client(u, &b)->state, LEASE_OFFERED);
	assert_int_equal(lease_by_addr(u, NET + 19)->state, LEASE_DECLINED);

	/* A later record moves a to another address: the old one is freed. */
	lease_get(la, &rec);
	rec.addr = NET + 15;
	assert_int_equal(lease_apply(u, &rec), 0);
	assert_null(lease_by_addr(u, la->addr));
	assert_int_equal(lease_by_client(u, &a)->addr, NET + 15);
	/* And a FREE record forgets the address. */
	rec.state = LEASE_FREE;
	assert_int_equal(lease_apply(u, &rec), 0);
	assert_null(lease_by_client(u, &a));
	assert_int_equal(lease_count(u), 2);
	(void)lb;
	lease_table_free(t);
	lease_table_free(u);
}

/* 1,000,000 bound leases fit the memory budget of the issue (<= 256 MB). */
static void million_leases(void **state)
{
	struct lease_table *t = lease_table_new(&test_key);
	struct lease_pool_stats st;
	struct timespec t0, t1;
	size_t mem;

	(void)state;
	assert_int_equal(lease_pool_add(t, NET, NET + 1000000 - 1, 0), 0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (uint32_t i = 0; i < 1000000; i++) {
		struct lease_client c = hw(i);
		struct lease *l;
		uint32_t a;

		assert_int_equal(lease_find_free(t, 0, &a), 0);
		assert_int_equal(lease_claim(t, a, &c, LEASE_BOUND, NOW, NOW + 3600 + i % 600, &l), 0);
		if (i % 4 == 0) {
			char name[32];

			snprintf(name, sizeof(name), "host-%u", i);
			assert_int_equal(lease_set_hostname(t, l, name), 0);
		}
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	lease_pool_stats(t, 0, &st);
	assert_int_equal(st.assigned, 1000000);
	{
		struct lease_client c = hw(777777);

		assert_non_null(lease_by_client(t, &c));
	}
	mem = lease_table_memory(t);
	print_message("1,000,000 leases: %zu MB in the table, %.0f ms of CPU to claim\n", mem >> 20,
		      (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	assert_true(mem <= 256u << 20);
	assert_int_equal(lease_expire(t, NOW + 4200, 0, NULL, NULL), 1000000);
	lease_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pool_hands_out_each_address_once),
		cmocka_unit_test(pools_overlap_refused),
		cmocka_unit_test(identity_is_client_id_else_chaddr),
		cmocka_unit_test(long_client_id),
		cmocka_unit_test(offered_address_is_held),
		cmocka_unit_test(released_addresses_are_used_last),
		cmocka_unit_test(decline_probation),
		cmocka_unit_test(reservations),
		cmocka_unit_test(expiry_reclaim),
		cmocka_unit_test(hostname_and_records),
		cmocka_unit_test(million_leases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
