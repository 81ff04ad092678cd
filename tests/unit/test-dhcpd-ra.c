/*
 * test-dhcpd-ra.c: np-dhcpd's router advertisement policy (ra.c): the
 * schedule of RFC 4861 §6.2.4 (initial burst, jitter between
 * MinRtrAdvInterval and MaxRtrAdvInterval with injected random values),
 * answers to solicitations (§6.2.6: delay, unicast, rate limit), the
 * checks of §6.1.1, the RA's contents and the final RA (§6.2.5), and
 * prefixes learned from the interface's addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/error.h>
#include <netproto/icmp6.h>

#include "ra.h"

#define T0 1000000                 /* monotonic ms */

static const uint8_t router_ll[16] = { 0xfe, 0x80, [8] = 0x02, [15] = 0x01 };
static const uint8_t host_ll[16] = { 0xfe, 0x80, [8] = 0x02, [15] = 0x99 };
static const uint8_t unspecified[16];
static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 0x02 };
static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
static const uint8_t mac[6] = { 0x02, 0, 0x5e, 0, 0, 0x01 };

static void config(struct ra_config *c, uint32_t min_ms, uint32_t max_ms)
{
	static const uint8_t lan[] = "\3lan";

	memset(c, 0, sizeof(*c));
	strcpy(c->ifname, "eth0");
	c->managed = true;
	c->other = true;
	c->preference = RA_PRF_HIGH;
	c->router_lifetime = 1800;
	c->min_interval_ms = min_ms;
	c->max_interval_ms = max_ms;
	c->cur_hop_limit = 64;
	c->mtu = 1400;
	c->solicited_unicast = true;
	c->prefixes[0] = (struct ra_prefix){ .prefix = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 }, .len = 64,
					     .on_link = true, .autonomous = true,
					     .valid_lifetime = 86400, .preferred_lifetime = 14400 };
	c->nprefixes = 1;
	c->rdnss[0][0] = 0x20;
	c->rdnss[0][1] = 0x01;
	c->rdnss[0][15] = 0x53;
	c->nrdnss = 1;
	memcpy(c->dnssl, lan, sizeof(lan));    /* "\3lan\0" */
	c->dnssl_len = sizeof(lan);
	c->dns_lifetime = 1800;
}

/* Send what is due at t; returns how many went out. */
static int drain(struct ra_iface *ri, int64_t t, uint32_t rnd, struct ra_send *last)
{
	int n = 0;

	while (ra_poll(ri, t, rnd, last) == 1)
		n++;
	return n;
}

static void initial_burst_then_periodic(void **state)
{
	struct ra_config c;
	struct ra_iface ri;
	struct ra_send s;
	int64_t t = T0;

	(void)state;
	config(&c, 200000, 600000);       /* Min 200 s, Max 600 s */
	ra_iface_init(&ri, &c, T0);
	/* The first RA at once. */
	assert_int_equal(ra_next_due(&ri), T0);
	assert_int_equal(drain(&ri, T0, UINT32_MAX, &s), 1);
	assert_memory_equal(s.dst, all_nodes, 16);
	assert_false(s.solicited);
	/* §6.2.4: the next two no later than MAX_INITIAL_RTR_ADVERT_INTERVAL, even
	 * when the random interval is the longest. */
	for (int i = 0; i < 2; i++) {
		int64_t due = ra_next_due(&ri);

		assert_true(due - t <= RA_MAX_INITIAL_RTR_ADVERT_INTERVAL_MS);
		assert_int_equal(drain(&ri, due - 1, UINT32_MAX, &s), 0);
		assert_int_equal(drain(&ri, due, UINT32_MAX, &s), 1);
		t = due;
	}
	/* After MAX_INITIAL_RTR_ADVERTISEMENTS: between Min and Max. */
	assert_true(ra_next_due(&ri) - t >= 200000);
	assert_true(ra_next_due(&ri) - t <= 600000);
	assert_int_equal(ri.stats.ra_sent, 3);
}

static void jitter_bounds(void **state)
{
	static const uint32_t rnds[] = { 0, 1, 400000, 400001, 123456789, UINT32_MAX };
	struct ra_config c;
	struct ra_iface ri;
	struct ra_send s;

	(void)state;
	config(&c, 200000, 600000);
	for (size_t i = 0; i < sizeof(rnds) / sizeof(rnds[0]); i++) {
		ra_iface_init(&ri, &c, T0);
		ri.initial_left = 0;             /* past the burst */
		assert_int_equal(drain(&ri, T0, rnds[i], &s), 1);
		assert_true(ra_next_due(&ri) >= T0 + 200000);
		assert_true(ra_next_due(&ri) <= T0 + 600000);
	}
	/* The ends of the range are reached: rnd 0 is Min, rnd Max-Min is Max. */
	ra_iface_init(&ri, &c, T0);
	ri.initial_left = 0;
	drain(&ri, T0, 0, &s);
	assert_int_equal(ra_next_due(&ri), T0 + 200000);
	ra_iface_init(&ri, &c, T0);
	ri.initial_left = 0;
	drain(&ri, T0, 400000, &s);
	assert_int_equal(ra_next_due(&ri), T0 + 600000);
}

/* An RS built with libnetproto: with an SLLA option unless from ::. */
static int make_rs(uint8_t *buf, size_t cap, const uint8_t *src, bool slla, bool bad_opt)
{
	uint8_t opts[8] = { NP_NDP_OPT_SLLA, 1, 0x02, 0, 0x5e, 0, 0, 0x99 };
	struct np_ndp nd;
	int n;

	memset(&nd, 0, sizeof(nd));
	nd.type = NP_ICMP6_ND_ROUTER_SOLICIT;
	if (slla) {
		nd.opts = opts;
		nd.opts_len = sizeof(opts);
	}
	n = np_ndp_build(&nd, src, all_routers, buf, cap);
	if (bad_opt && n > 8) {
		struct np_icmp6 m;

		buf[9] = 0;                      /* option length 0 (RFC 4861 §4.6) */
		memset(&m, 0, sizeof(m));
		m.type = buf[0];
		m.data = buf + 8;
		m.data_len = (size_t)n - 8;
		n = np_icmp6_build(&m, src, all_routers, buf, cap);   /* a valid checksum again */
	}
	return n;
}

static void rs_answered_by_unicast_within_delay(void **state)
{
	struct ra_config c;
	struct ra_iface ri;
	struct ra_send s;
	uint8_t rs[64];
	int n = make_rs(rs, sizeof(rs), host_ll, true, false);

	(void)state;
	config(&c, 200000, 600000);
	ra_iface_init(&ri, &c, T0);
	drain(&ri, T0, 0, &s);               /* the first unsolicited one */
	assert_int_equal(ra_handle_rs(&ri, rs, (size_t)n, host_ll, all_routers, 255, T0 + 10, 1234),
			 RA_RS_OK);
	/* §6.2.6: delayed by rnd % MAX_RA_DELAY_TIME (1234 % 500 = 234 ms). */
	assert_int_equal(ra_next_due(&ri), T0 + 10 + 234);
	assert_int_equal(drain(&ri, T0 + 243, 0, &s), 0);
	assert_int_equal(drain(&ri, T0 + 244, 0, &s), 1);
	assert_memory_equal(s.dst, host_ll, 16);
	assert_true(s.solicited);
	assert_int_equal(ri.stats.rs_received, 1);
	assert_int_equal(ri.stats.ra_solicited, 1);
	/* Whatever the random value, never later than MAX_RA_DELAY_TIME. */
	for (uint32_t r = 0; r < 2000; r += 97) {
		assert_int_equal(ra_handle_rs(&ri, rs, (size_t)n, host_ll, all_routers, 255, T0 + 1000, r),
				 RA_RS_OK);
		assert_true(ra_next_due(&ri) < T0 + 1000 + RA_MAX_RA_DELAY_TIME_MS);
		drain(&ri, T0 + 2000, 0, &s);
	}
}

static void rs_multicast_rate_limited(void **state)
{
	struct ra_config c;
	struct ra_iface ri;
	struct ra_send s;
	uint8_t rs[64];
	int n = make_rs(rs, sizeof(rs), unspecified, false, false);

	(void)state;
	config(&c, 200000, 600000);
	ra_iface_init(&ri, &c, T0);
	drain(&ri, T0, 0, &s);               /* a multicast RA at T0 */
	/* From ::: multicast, no sooner than MIN_DELAY_BETWEEN_RAS after T0. */
	assert_int_equal(ra_handle_rs(&ri, rs, (size_t)n, unspecified, all_routers, 255, T0 + 100, 7),
			 RA_RS_OK);
	assert_int_equal(ra_next_due(&ri), T0 + RA_MIN_DELAY_BETWEEN_RAS_MS + 7);
	assert_int_equal(drain(&ri, T0 + 2999, 0, &s), 0);
	assert_int_equal(drain(&ri, T0 + 3007, 0, &s), 1);
	assert_memory_equal(s.dst, all_nodes, 16);
	assert_true(s.solicited);
	/* A second RS while one is pending does not bring it forward or add one. */
	assert_int_equal(ra_handle_rs(&ri, rs, (size_t)n, unspecified, all_routers, 255, T0 + 3100, 0),
			 RA_RS_OK);
	assert_int_equal(ra_handle_rs(&ri, rs, (size_t)n, unspecified, all_routers, 255, T0 + 3200, 0),
			 RA_RS_OK);
	assert_int_equal(ra_next_due(&ri), T0 + 3007 + RA_MIN_DELAY_BETWEEN_RAS_MS);
	assert_int_equal(drain(&ri, T0 + 6007, 0, &s), 1);
	/* Unicast answers off: an RS from a unicast address is answered by multicast too. */
	c.solicited_unicast = false;
	n = make_rs(rs, sizeof(rs), host_ll, true, false);
	assert_int_equal(ra_handle_rs(&ri, rs, (size_t)n, host_ll, all_routers, 255, T0 + 20000, 0),
			 RA_RS_OK);
	assert_int_equal(drain(&ri, T0 + 20000, 0, &s), 1);
	assert_memory_equal(s.dst, all_nodes, 16);
}

static void rs_checks(void **state)
{
	struct ra_config c;
	struct ra_iface ri;
	uint8_t rs[64];
	int n;

	(void)state;
	config(&c, 200000, 600000);
	ra_iface_init(&ri, &c, T0);
	ri.next_ms = INT64_MAX - 1;          /* only answers would be due */
	n = make_rs(rs, sizeof(rs), host_ll, true, false);
	assert_int_equal(ra_handle_rs(&ri, rs, (size_t)n, host_ll, all_routers, 64, T0, 0),
			 RA_RS_BAD_HOP_LIMIT);
	assert_int_equal(ra_handle_rs(&ri, rs, (size_t)n, router_ll, all_routers, 255, T0, 0),
			 RA_RS_BAD_CHECKSUM);     /* the checksum is over the real source */
	assert_int_equal(ra_handle_rs(&ri, rs, 7, host_ll, all_routers, 255, T0, 0), RA_RS_TRUNCATED);
	n = make_rs(rs, sizeof(rs), unspecified, true, false);
	assert_int_equal(ra_handle_rs(&ri, rs, (size_t)n, unspecified, all_routers, 255, T0, 0),
			 RA_RS_BAD_SOURCE);       /* §6.1.1: no SLLA from :: */
	n = make_rs(rs, sizeof(rs), host_ll, true, true);
	assert_int_equal(ra_handle_rs(&ri, rs, (size_t)n, host_ll, all_routers, 255, T0, 0),
			 RA_RS_BAD_OPTION);
	assert_int_equal(ri.stats.rs_received, 5);
	assert_int_equal(ri.stats.rs_invalid[RA_RS_BAD_HOP_LIMIT], 1);
	assert_int_equal(ri.stats.rs_invalid[RA_RS_BAD_CHECKSUM], 1);
	assert_int_equal(ri.stats.rs_invalid[RA_RS_TRUNCATED], 1);
	assert_int_equal(ri.stats.rs_invalid[RA_RS_BAD_SOURCE], 1);
	assert_int_equal(ri.stats.rs_invalid[RA_RS_BAD_OPTION], 1);
	assert_int_equal(ri.nunicast, 0);
	assert_int_equal(ri.solicited_ms, INT64_MAX);
}

struct seen {
	int prefixes, rdnss, dnssl, mtu, slla;
	struct np_ndp_prefix p;
	uint32_t mtu_v;
};

static void read_ra(const uint8_t *buf, int n, struct np_ndp *nd, struct seen *seen)
{
	struct np_icmp6 m;
	struct np_ndp_opt o;
	size_t pos = 0;

	assert_true(n > 0);
	assert_int_equal(np_icmp6_parse(buf, (size_t)n, router_ll, all_nodes, &m), 0);
	assert_int_equal(np_ndp_parse(&m, nd), 0);
	assert_int_equal(nd->type, NP_ICMP6_ND_ROUTER_ADVERT);
	memset(seen, 0, sizeof(*seen));
	while (np_ndp_opt_next(nd->opts, nd->opts_len, &pos, &o) == 1) {
		switch (o.type) {
		case NP_NDP_OPT_PREFIX:
			seen->prefixes++;
			assert_int_equal(np_ndp_prefix_parse(&o, &seen->p), 0);
			break;
		case NP_NDP_OPT_RDNSS: seen->rdnss++; break;
		case NP_NDP_OPT_DNSSL: seen->dnssl++; break;
		case NP_NDP_OPT_MTU:
			seen->mtu++;
			assert_int_equal(np_ndp_mtu_parse(&o, &seen->mtu_v), 0);
			break;
		case NP_NDP_OPT_SLLA: seen->slla++; break;
		}
	}
}

static void ra_contents_and_final(void **state)
{
	struct ra_config c;
	struct ra_iface ri;
	struct np_ndp nd;
	struct seen seen;
	uint8_t buf[RA_MSG_MAX];
	int n;

	(void)state;
	config(&c, 200000, 600000);
	ra_iface_init(&ri, &c, T0);
	n = ra_build(&ri, false, router_ll, all_nodes, mac, buf, sizeof(buf));
	read_ra(buf, n, &nd, &seen);
	assert_int_equal(nd.flags, NP_NDP_RA_MANAGED | NP_NDP_RA_OTHER | 0x08);  /* prf high 01 */
	assert_int_equal(nd.router_lifetime, 1800);
	assert_int_equal(nd.cur_hop_limit, 64);
	assert_int_equal(seen.prefixes, 1);
	assert_int_equal(seen.p.prefix_len, 64);
	assert_int_equal(seen.p.flags, NP_NDP_PREFIX_ONLINK | NP_NDP_PREFIX_AUTO);
	assert_int_equal(seen.p.valid_lifetime, 86400);
	assert_int_equal(seen.p.preferred_lifetime, 14400);
	assert_int_equal(seen.rdnss, 1);
	assert_int_equal(seen.dnssl, 1);
	assert_int_equal(seen.mtu, 1);
	assert_int_equal(seen.mtu_v, 1400);
	assert_int_equal(seen.slla, 1);
	/* §6.2.5: the final RA says router lifetime 0, the rest unchanged. */
	n = ra_build(&ri, true, router_ll, all_nodes, mac, buf, sizeof(buf));
	read_ra(buf, n, &nd, &seen);
	assert_int_equal(nd.router_lifetime, 0);
	assert_int_equal(nd.flags, NP_NDP_RA_MANAGED | NP_NDP_RA_OTHER | 0x08);
	assert_int_equal(seen.prefixes, 1);
	/* Stopped: nothing is due, solicitations are not answered. */
	ra_stop(&ri);
	assert_int_equal(ra_next_due(&ri), INT64_MAX);
	n = make_rs(buf, sizeof(buf), host_ll, true, false);
	assert_int_equal(ra_handle_rs(&ri, buf, (size_t)n, host_ll, all_routers, 255, T0, 0), RA_RS_OK);
	assert_int_equal(ra_next_due(&ri), INT64_MAX);
	/* Low preference is 11 (RFC 4191 §2.2), no MTU option when mtu is 0. */
	config(&c, 200000, 600000);
	c.preference = RA_PRF_LOW;
	c.mtu = 0;
	c.managed = false;
	ra_iface_init(&ri, &c, T0);
	n = ra_build(&ri, false, router_ll, all_nodes, NULL, buf, sizeof(buf));
	read_ra(buf, n, &nd, &seen);
	assert_int_equal(nd.flags, NP_NDP_RA_OTHER | 0x18);
	assert_int_equal(seen.mtu, 0);
	assert_int_equal(seen.slla, 0);
}

static void prefixes_from_addresses(void **state)
{
	struct ra_config c;
	struct ra_iface ri;
	struct ra_send s;
	struct np_ndp nd;
	struct seen seen;
	uint8_t buf[RA_MSG_MAX];
	struct ra_ifaddr a[4] = {
		/* a delegated /64 with 1 h left, preferred 10 min */
		{ .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 5, [15] = 1 }, .len = 64,
		  .valid_lifetime = 3600, .preferred_lifetime = 600 },
		{ .addr = { 0xfe, 0x80, [15] = 1 }, .len = 64,
		  .valid_lifetime = UINT32_MAX, .preferred_lifetime = UINT32_MAX },
		{ .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 9, [15] = 1 }, .len = 128,
		  .valid_lifetime = UINT32_MAX, .preferred_lifetime = UINT32_MAX },
		/* the configured prefix: advertised once */
		{ .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 }, .len = 64,
		  .valid_lifetime = UINT32_MAX, .preferred_lifetime = UINT32_MAX },
	};
	int n;

	(void)state;
	config(&c, 200000, 600000);
	c.auto_prefixes = true;
	c.auto_prefix = (struct ra_prefix){ .on_link = true, .autonomous = true,
					    .valid_lifetime = 86400, .preferred_lifetime = 14400 };
	ra_iface_init(&ri, &c, T0);
	drain(&ri, T0, 0, &s);
	drain(&ri, ra_next_due(&ri), 0, &s);
	drain(&ri, ra_next_due(&ri), 0, &s);
	assert_int_equal(ri.initial_left, 0);
	assert_true(ra_set_addresses(&ri, a, 4, T0 + 50000));
	assert_int_equal(ri.nlearned, 1);
	/* §6.2.4: the prefix list changed: a new burst, starting now. */
	assert_int_equal(ra_next_due(&ri), T0 + 50000);
	assert_int_equal(ri.initial_left, RA_MAX_INITIAL_RTR_ADVERTISEMENTS);
	n = ra_build(&ri, false, router_ll, all_nodes, NULL, buf, sizeof(buf));
	read_ra(buf, n, &nd, &seen);
	assert_int_equal(seen.prefixes, 2);
	/* The learned one, last: never longer-lived than its address. */
	assert_int_equal(seen.p.prefix[5], 5);
	assert_int_equal(seen.p.prefix[15], 0);
	assert_int_equal(seen.p.valid_lifetime, 3600);
	assert_int_equal(seen.p.preferred_lifetime, 600);
	assert_int_equal(seen.p.flags, NP_NDP_PREFIX_ONLINK | NP_NDP_PREFIX_AUTO);
	/* The same addresses again: no change, no burst. */
	drain(&ri, T0 + 50000, 0, &s);
	assert_false(ra_set_addresses(&ri, a, 4, T0 + 51000));
	assert_int_equal(ri.initial_left, RA_MAX_INITIAL_RTR_ADVERTISEMENTS - 1);
	/* The address goes: so does the prefix. */
	assert_true(ra_set_addresses(&ri, a + 1, 3, T0 + 52000));
	assert_int_equal(ri.nlearned, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(initial_burst_then_periodic),
		cmocka_unit_test(jitter_bounds),
		cmocka_unit_test(rs_answered_by_unicast_within_delay),
		cmocka_unit_test(rs_multicast_rate_limited),
		cmocka_unit_test(rs_checks),
		cmocka_unit_test(ra_contents_and_final),
		cmocka_unit_test(prefixes_from_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
