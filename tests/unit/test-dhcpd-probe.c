/*
 * test-dhcpd-probe.c: np-dhcpd's conflict detection.  First the probe
 * table alone (timeouts, answers, held messages, limits), then the engine
 * with a probe table: a DISCOVER waits for its probe without holding up
 * other clients, an address found in use goes on probation and the client
 * is offered another, relayed clients and bound addresses are not probed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/dhcp4.h>

#include "engine.h"
#include "probe.h"

/* A fixed hash key: the tests do not depend on where entries hash. */
static const struct np_hmap_key test_key = { 0x0123456789abcdefull, 0xfedcba9876543210ull };

#define NET 0x0a4d0000u            /* 10.77.0.0/24 */
#define SERVER (NET + 1)
#define RELAYNET 0x0a4e0000u
#define NOW 1763770000
#define IFX 3
#define T0 5000000                 /* monotonic ms */

/* ---- the table alone ---- */

struct got {
	unsigned n;
	struct probe_msg m[8];
	uint8_t pkt[8][16];
};

static void collect(void *arg, const struct probe_msg *m)
{
	struct got *g = arg;

	if (g->n < 8) {
		g->m[g->n] = *m;
		memcpy(g->pkt[g->n], m->pkt, m->len < 16 ? m->len : 16);
		g->m[g->n].pkt = NULL;
	}
	g->n++;
}

static void unanswered_probe_means_free(void **state)
{
	struct probe_table *p = probe_table_new(16, 16, 300, 30000, &test_key);
	struct got g = { 0 };
	size_t pending;

	(void)state;
	assert_non_null(p);
	assert_int_equal(probe_state(p, NET + 5, T0), PROBE_NONE);
	assert_int_equal(probe_start(p, NET + 5, IFX, T0), 0);
	assert_int_equal(probe_state(p, NET + 5, T0), PROBE_PENDING);
	assert_int_equal(probe_start(p, NET + 5, IFX, T0 + 1), -EALREADY);
	assert_int_equal(probe_hold(p, NET + 5, (const uint8_t *)"discover", 8, IFX, SERVER, 0), 0);
	assert_int_equal(probe_next_deadline(p), T0 + 300);
	/* 1 ms early: still waiting, nothing handed back. */
	assert_int_equal(probe_run(p, T0 + 299, collect, &g), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(probe_count(p, &pending), 1);
	assert_int_equal(pending, 1);
	assert_int_equal(probe_run(p, T0 + 300, collect, &g), 1);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.m[0].addr, NET + 5);
	assert_int_equal(g.m[0].state, PROBE_FREE);
	assert_int_equal(g.m[0].ifindex, IFX);
	assert_int_equal(g.m[0].local_addr, SERVER);
	assert_int_equal(g.m[0].len, 8);
	assert_memory_equal(g.pkt[0], "discover", 8);
	assert_int_equal(probe_state(p, NET + 5, T0 + 300), PROBE_FREE);
	assert_int_equal(probe_get_stats(p)->free, 1);
	assert_int_equal(probe_get_stats(p)->started, 1);
	/* The result is trusted for valid_ms, then forgotten. */
	assert_int_equal(probe_state(p, NET + 5, T0 + 300 + 29999), PROBE_FREE);
	assert_int_equal(probe_state(p, NET + 5, T0 + 300 + 30000), PROBE_NONE);
	assert_int_equal(probe_next_deadline(p), T0 + 300 + 30000);
	probe_run(p, T0 + 300 + 30000, collect, &g);
	assert_int_equal(probe_count(p, &pending), 0);
	assert_int_equal(probe_next_deadline(p), INT64_MAX);
	probe_table_free(p);
}

static void answer_means_in_use(void **state)
{
	struct probe_table *p = probe_table_new(16, 16, 300, 30000, &test_key);
	struct got g = { 0 };

	(void)state;
	assert_int_equal(probe_start(p, NET + 7, IFX, T0), 0);
	assert_int_equal(probe_hold(p, NET + 7, (const uint8_t *)"a", 1, IFX, SERVER, 0), 0);
	assert_int_equal(probe_hold(p, NET + 7, (const uint8_t *)"b", 1, IFX, SERVER, 1), 0);
	/* ARP from other addresses, or from this one on another link: nothing. */
	assert_int_equal(probe_seen(p, NET + 8, IFX, T0 + 10), 0);
	assert_int_equal(probe_seen(p, NET + 7, IFX + 1, T0 + 10), 0);
	assert_int_equal(probe_state(p, NET + 7, T0 + 10), PROBE_PENDING);
	assert_int_equal(probe_seen(p, NET + 7, IFX, T0 + 20), 1);
	assert_int_equal(probe_state(p, NET + 7, T0 + 20), PROBE_INUSE);
	/* Seen again: already known. */
	assert_int_equal(probe_seen(p, NET + 7, IFX, T0 + 21), 0);
	assert_int_equal(probe_take(p, NET + 7, collect, &g), 2);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.m[0].state, PROBE_INUSE);
	assert_memory_equal(g.pkt[0], "a", 1);
	assert_memory_equal(g.pkt[1], "b", 1);
	assert_int_equal(g.m[1].unicast, 1);
	/* The timeout that follows changes nothing: the answer stands. */
	assert_int_equal(probe_run(p, T0 + 300, collect, &g), 0);
	assert_int_equal(probe_state(p, NET + 7, T0 + 300), PROBE_INUSE);
	assert_int_equal(probe_get_stats(p)->conflicts, 1);
	assert_int_equal(probe_get_stats(p)->free, 0);
	probe_forget(p, NET + 7);
	assert_int_equal(probe_state(p, NET + 7, T0 + 300), PROBE_NONE);
	probe_table_free(p);
}

static void late_arp_after_free_result_counts(void **state)
{
	struct probe_table *p = probe_table_new(4, 4, 300, 1000, &test_key);

	(void)state;
	assert_int_equal(probe_start(p, NET + 9, IFX, T0), 0);
	probe_run(p, T0 + 300, NULL, NULL);
	assert_int_equal(probe_state(p, NET + 9, T0 + 400), PROBE_FREE);
	/* A host that answered late still makes the address in use. */
	assert_int_equal(probe_seen(p, NET + 9, IFX, T0 + 500), 1);
	assert_int_equal(probe_state(p, NET + 9, T0 + 500), PROBE_INUSE);
	/* After the result aged out, an ARP means nothing to the table. */
	assert_int_equal(probe_start(p, NET + 10, IFX, T0), 0);
	probe_run(p, T0 + 300, NULL, NULL);
	assert_int_equal(probe_seen(p, NET + 10, IFX, T0 + 1300), 0);
	probe_table_free(p);
}

static void limits(void **state)
{
	struct probe_table *p = probe_table_new(2, 3, 300, 1000, &test_key);
	uint8_t m = 0;

	(void)state;
	assert_null(probe_table_new(0, 1, 1, 1, &test_key));
	assert_int_equal(probe_start(p, NET + 1, IFX, T0), 0);
	assert_int_equal(probe_start(p, NET + 2, IFX, T0), 0);
	/* max probes at once. */
	assert_int_equal(probe_start(p, NET + 3, IFX, T0), -ENOSPC);
	assert_int_equal(probe_get_stats(p)->table_full, 1);
	/* Holding needs a probe under way. */
	assert_int_equal(probe_hold(p, NET + 3, &m, 1, IFX, SERVER, 0), -ENOENT);
	/* max_held in all (3). */
	assert_int_equal(probe_hold(p, NET + 1, &m, 1, IFX, SERVER, 0), 0);
	assert_int_equal(probe_hold(p, NET + 1, &m, 1, IFX, SERVER, 0), 0);
	assert_int_equal(probe_hold(p, NET + 2, &m, 1, IFX, SERVER, 0), 0);
	assert_int_equal(probe_hold(p, NET + 2, &m, 1, IFX, SERVER, 0), -ENOSPC);
	assert_int_equal(probe_get_stats(p)->held_dropped, 1);
	/* Forgetting frees the room (its held messages are dropped, counted). */
	probe_forget(p, NET + 1);
	assert_int_equal(probe_get_stats(p)->held_dropped, 3);
	assert_int_equal(probe_start(p, NET + 3, IFX, T0), 0);
	assert_int_equal(probe_hold(p, NET + 3, &m, 1, IFX, SERVER, 0), 0);
	probe_table_free(p);

	/* PROBE_HELD_PER_ADDR for one address. */
	p = probe_table_new(2, 100, 300, 1000, &test_key);
	assert_int_equal(probe_start(p, NET + 1, IFX, T0), 0);
	for (int i = 0; i < PROBE_HELD_PER_ADDR; i++)
		assert_int_equal(probe_hold(p, NET + 1, &m, 1, IFX, SERVER, 0), 0);
	assert_int_equal(probe_hold(p, NET + 1, &m, 1, IFX, SERVER, 0), -ENOSPC);
	probe_table_free(p);
}

/* Many more probes than the table holds, through the rings, forgetting most. */
static void rings_wrap_and_compact(void **state)
{
	struct probe_table *p = probe_table_new(3, 8, 30, 20, &test_key);
	int64_t t = T0;
	size_t pending;

	(void)state;
	for (uint32_t i = 0; i < 1000; i++) {
		/* Probes forgotten at once leave stale items: the rings must compact. */
		for (uint32_t k = 0; k < 5; k++) {
			assert_int_equal(probe_start(p, NET + 100 + k, IFX, t), 0);
			probe_forget(p, NET + 100 + k);
		}
		assert_int_equal(probe_start(p, NET + 1 + (i % 50), IFX, t), 0);
		t += 40;
		probe_run(p, t, NULL, NULL);
		assert_true(probe_count(p, &pending) <= 3);
	}
	/* Whatever is left still ends on time. */
	probe_run(p, t + 1000, NULL, NULL);
	assert_int_equal(probe_count(p, &pending), 0);
	assert_int_equal(pending, 0);
	assert_int_equal(probe_next_deadline(p), INT64_MAX);
	probe_table_free(p);
}

/* ---- the engine with a probe table ---- */

static const struct engine_pool pools[] = { { NET + 100, NET + 103, 0, 0 } };
static const struct engine_pool relay_pools[] = { { RELAYNET + 100, RELAYNET + 199, 0, 0 } };
static struct engine_subnet subnets[] = {
	{ .addr = NET, .prefix = 24, .ifindex = IFX, .pools = pools, .npools = 1,
	  .lease_time = 3600 },
	{ .addr = RELAYNET, .prefix = 24, .pools = relay_pools, .npools = 1, .lease_time = 3600 },
};
static struct engine_config cfg = {
	.offer_hold = 30, .decline_probation = 86400, .subnets = subnets, .nsubnets = 2,
};

struct fx {
	struct lease_table *lt;
	struct engine *e;
	const struct probe_table *p;
	struct engine_out out;
	unsigned resumed;              /* requests resumed after their probe */
	unsigned replies;              /* OFFERs from resumed requests */
	uint32_t offered[8];
	uint8_t offered_to[8];
};

static int setup(void **state)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	f.lt = lease_table_new(&test_key);
	if (f.lt == NULL || engine_new(&cfg, f.lt, &f.e) != 0 ||
	    engine_probe_start(f.e, 64, 64, 300) != 0)    /* valid: offer_hold, 30 s */
		return -1;
	f.p = engine_probe(f.e);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	engine_free(f->e);
	lease_table_free(f->lt);
	return 0;
}

static size_t build(uint8_t type, uint8_t mac, uint32_t giaddr, uint32_t requested,
		    uint8_t *buf, size_t cap)
{
	struct np_dhcp4 h = { .op = NP_BOOTREQUEST, .htype = 1, .hlen = 6, .xid = 0x1234abcd };
	struct np_dhcp4_builder b;
	int len;

	h.giaddr = giaddr;
	memcpy(h.chaddr, "\x02\x00\x5e\x00\x00", 5);
	h.chaddr[5] = mac;
	assert_int_equal(np_dhcp4_builder_init(&b, &h, buf, cap, 1500, 0), 0);
	np_dhcp4_add_u8(&b, NP_DHCP4_OPT_MSG_TYPE, type);
	if (requested) {
		np_dhcp4_add_u32(&b, NP_DHCP4_OPT_REQUESTED_IP, requested);
		np_dhcp4_add_u32(&b, NP_DHCP4_OPT_SERVER_ID, SERVER);
	}
	len = np_dhcp4_builder_finish(&b);
	assert_true(len > 0);
	return (size_t)len;
}

/* The reply type in f->out, 0 for none. */
static uint8_t reply_type(const struct engine_out *o)
{
	struct np_dhcp4 r;
	uint8_t type = 0;

	if (o->len == 0)
		return 0;
	assert_int_equal(np_dhcp4_parse(o->buf, o->len, &r), 0);
	assert_int_equal(np_dhcp4_get_msg_type(&r, &type), 0);
	return type;
}

static uint8_t send_at(struct fx *f, uint8_t type, uint8_t mac, uint32_t giaddr,
		       uint32_t requested, int64_t ms)
{
	uint8_t buf[600];
	size_t len = build(type, mac, giaddr, requested, buf, sizeof(buf));
	/* A relay agent unicasts from giaddr (engine.h). */
	struct engine_rx rx = { .ifindex = IFX, .local_addr = SERVER, .now_ms = ms,
				.unicast = giaddr != 0, .src_addr = giaddr };

	assert_int_equal(engine_handle(f->e, buf, len, &rx, NOW, &f->out), 0);
	return reply_type(&f->out);
}

/* What io.c does with a resumed request's output: send the reply. */
static void replay(void *arg, struct engine_out *o)
{
	struct fx *f = arg;
	struct np_dhcp4 r;

	f->out = *o;
	f->resumed++;
	if (reply_type(&f->out) == NP_DHCPOFFER && f->replies < 8) {
		assert_int_equal(np_dhcp4_parse(f->out.buf, f->out.len, &r), 0);
		f->offered[f->replies] = r.yiaddr;
		f->offered_to[f->replies] = r.chaddr[5];
		f->replies++;
	}
}

static struct lease_client client(uint8_t mac)
{
	struct lease_client c = { .htype = 1, .hlen = 6, .chaddr = { 2, 0, 0x5e, 0, 0, mac } };

	return c;
}

static void discover_waits_for_its_probe_only(void **state)
{
	struct fx *f = *state;
	struct lease_client c1 = client(1);

	/* Client 1: no reply yet, a probe of .100 on its link, the address held. */
	assert_int_equal(send_at(f, NP_DHCPDISCOVER, 1, 0, 0, T0), 0);
	assert_int_equal(f->out.probe_addr, NET + 100);
	assert_int_equal(f->out.probe_ifindex, IFX);
	assert_int_equal(lease_by_client(f->lt, &c1)->state, LEASE_OFFERED);
	assert_int_equal(lease_by_client(f->lt, &c1)->addr, NET + 100);
	assert_int_equal(engine_get_stats(f->e)->pkt4_offer_sent, 0);
	/* Client 2, 50 ms later, does not wait for client 1: its own probe (.101). */
	assert_int_equal(send_at(f, NP_DHCPDISCOVER, 2, 0, 0, T0 + 50), 0);
	assert_int_equal(f->out.probe_addr, NET + 101);
	/* Client 1 retransmits while its probe runs: held too, no second probe. */
	assert_int_equal(send_at(f, NP_DHCPDISCOVER, 1, 0, 0, T0 + 100), 0);
	assert_int_equal(f->out.probe_addr, 0);
	assert_int_equal(probe_get_stats(f->p)->started, 2);
	/* Client 1's probe times out first: both its DISCOVERs are offered .100. */
	assert_int_equal(engine_probe_run(f->e, T0 + 300, NOW, replay, f), 1);
	assert_int_equal(f->replies, 2);
	assert_int_equal(f->offered[0], NET + 100);
	assert_int_equal(f->offered_to[0], 1);
	assert_int_equal(f->offered[1], NET + 100);
	assert_int_equal(engine_probe_run(f->e, T0 + 350, NOW, replay, f), 1);
	assert_int_equal(f->replies, 3);
	assert_int_equal(f->offered[2], NET + 101);
	assert_int_equal(f->offered_to[2], 2);
	/* Replays are not counted as new messages. */
	assert_int_equal(engine_get_stats(f->e)->pkt4_received, 3);
	assert_int_equal(engine_get_stats(f->e)->pkt4_discover_received, 3);
	assert_int_equal(engine_get_stats(f->e)->pkt4_offer_sent, 3);
	/* A DISCOVER again within the result's validity: offered at once. */
	assert_int_equal(send_at(f, NP_DHCPDISCOVER, 1, 0, 0, T0 + 400), NP_DHCPOFFER);
	assert_int_equal(f->out.probe_addr, 0);
}

static void address_in_use_goes_on_probation(void **state)
{
	struct fx *f = *state;
	const struct lease *l;

	assert_int_equal(send_at(f, NP_DHCPDISCOVER, 1, 0, 0, T0), 0);
	assert_int_equal(f->out.probe_addr, NET + 100);
	/* The squatter answers. */
	assert_int_equal(engine_arp_seen(f->e, NET + 100, IFX, T0 + 20, NOW, replay, f), 1);
	assert_int_equal(f->resumed, 1);
	/* No offer yet: .100 is declined (journaled) and .101 is being probed. */
	assert_int_equal(f->replies, 0);
	assert_int_equal(f->out.probe_addr, NET + 101);
	l = lease_by_addr(f->lt, NET + 100);
	assert_non_null(l);
	assert_int_equal(l->state, LEASE_DECLINED);
	assert_int_equal(l->expire, NOW + 86400);
	assert_int_equal(f->out.nchanges, 1);
	assert_int_equal(f->out.changes[0].lease.addr, NET + 100);
	assert_int_equal(f->out.changes[0].lease.state, LEASE_DECLINED);
	assert_int_equal(engine_get_stats(f->e)->declined_in_use, 1);
	/* .101 answers nobody: the client is offered .101, never .100. */
	engine_probe_run(f->e, T0 + 1300, NOW, replay, f);
	assert_int_equal(f->replies, 1);
	assert_int_equal(f->offered[0], NET + 101);
	/* Another client is not offered .100 either. */
	assert_int_equal(send_at(f, NP_DHCPDISCOVER, 2, 0, 0, T0 + 1100), 0);
	assert_int_equal(f->out.probe_addr, NET + 102);
}

static void relayed_and_bound_are_not_probed(void **state)
{
	struct fx *f = *state;
	uint8_t buf[600];
	size_t len;
	struct engine_rx rx = { .ifindex = IFX, .local_addr = SERVER, .now_ms = T0 };
	size_t pending;

	/* A relayed client's link is out of ARP's reach: offered at once. */
	assert_int_equal(send_at(f, NP_DHCPDISCOVER, 5, RELAYNET + 1, 0, T0), NP_DHCPOFFER);
	assert_int_equal(f->out.probe_addr, 0);
	/* Bind client 1 (probe, offer, request, ack). */
	assert_int_equal(send_at(f, NP_DHCPDISCOVER, 1, 0, 0, T0), 0);
	engine_probe_run(f->e, T0 + 300, NOW, replay, f);
	assert_int_equal(f->offered[0], NET + 100);
	assert_int_equal(probe_count(f->p, &pending), 1);
	assert_int_equal(send_at(f, NP_DHCPREQUEST, 1, 0, NET + 100, T0 + 310), NP_DHCPACK);
	/* Handed out: the entry is gone, and a later ARP from the client is no conflict. */
	assert_int_equal(probe_count(f->p, &pending), 0);
	assert_int_equal(engine_arp_seen(f->e, NET + 100, IFX, T0 + 320, NOW, replay, f), 0);
	/* The bound client's DISCOVER (it lost its state): no probe, same address. */
	assert_int_equal(send_at(f, NP_DHCPDISCOVER, 1, 0, 0, T0 + 100000), NP_DHCPOFFER);
	assert_int_equal(f->out.probe_addr, 0);
	/* Without a probe table the engine offers at once, as before. */
	engine_probe_stop(f->e);
	len = build(NP_DHCPDISCOVER, 9, 0, 0, buf, sizeof(buf));
	assert_int_equal(engine_handle(f->e, buf, len, &rx, NOW, &f->out), 0);
	assert_int_equal(reply_type(&f->out), NP_DHCPOFFER);
}

static void full_table_drops_until_room(void **state)
{
	struct fx *f = *state;
	const struct probe_table *small;

	assert_int_equal(engine_probe_start(f->e, 1, 4, 300), 0);
	small = engine_probe(f->e);
	assert_int_equal(send_at(f, NP_DHCPDISCOVER, 1, 0, 0, T0), 0);
	assert_int_equal(f->out.probe_addr, NET + 100);
	/* No room for client 2's probe: nothing now (it retransmits), counted. */
	assert_int_equal(send_at(f, NP_DHCPDISCOVER, 2, 0, 0, T0 + 1), 0);
	assert_int_equal(f->out.probe_addr, 0);
	assert_int_equal(probe_get_stats(small)->table_full, 1);
	assert_true(engine_get_stats(f->e)->pkt4_receive_drop >= 1);
}

/*
 * Many clients at random moments on a link where two pool addresses are
 * squatted: whenever a probe for one of them goes out, the squatter answers
 * within the probe timeout.  Property: no OFFER and no ACK ever carries a
 * squatted address, every DISCOVER is answered once its probe ends, and the
 * journal records rebuild a table with each address and client at most once.
 */
struct sim {
	struct fx *f;
	int64_t now;                   /* ms */
	uint32_t answer_at[8];         /* per pool address: ms of the squatter's answer, 0 none */
	uint32_t offered[16];          /* last offer per client */
	unsigned offers, acks;
	struct lease_table *replayed;
};

static bool squatted(uint32_t a)
{
	return a == NET + 101 || a == NET + 103;
}

static void sim_out(struct sim *s, const struct engine_out *o)
{
	struct np_dhcp4 r;

	for (size_t i = 0; i < o->nchanges; i++)
		assert_int_equal(lease_apply(s->replayed, &o->changes[i].lease), 0);
	if (o->probe_addr != 0 && squatted(o->probe_addr))
		s->answer_at[o->probe_addr - (NET + 100)] = (uint32_t)(s->now - T0) + 1 +
							      (uint32_t)(s->now % 250);
	if (o->len == 0)
		return;
	assert_int_equal(np_dhcp4_parse(o->buf, o->len, &r), 0);
	assert_false(squatted(r.yiaddr));
	if (o->type == NP_DHCPOFFER) {
		s->offered[r.chaddr[5] & 15] = r.yiaddr;
		s->offers++;
	} else if (o->type == NP_DHCPACK) {
		s->acks++;
	}
}

static void sim_replay(void *arg, struct engine_out *o)
{
	struct sim *s = arg;

	s->f->out = *o;
	sim_out(s, &s->f->out);
}

static void random_clients_never_get_squatted_addresses(void **state)
{
	struct sim s = { .f = *state, .now = T0 };
	uint32_t rnd = 12345;
	uint8_t buf[600];

	s.replayed = lease_table_new(&test_key);
	assert_non_null(s.replayed);
	for (int step = 0; step < 20000; step++) {
		uint8_t mac;
		size_t len;
		struct engine_rx rx = { .ifindex = IFX, .local_addr = SERVER };

		rnd = rnd * 1103515245u + 12345u;
		mac = (uint8_t)((rnd >> 16) & 15);
		s.now += (rnd >> 8) % 20;
		/* The squatter's answers that are due, then the probes that timed out. */
		for (int a = 0; a < 8; a++)
			if (s.answer_at[a] != 0 && T0 + s.answer_at[a] <= s.now) {
				s.answer_at[a] = 0;
				engine_arp_seen(s.f->e, NET + 100 + (uint32_t)a, IFX, s.now, NOW,
						sim_replay, &s);
			}
		engine_probe_run(s.f->e, s.now, NOW, sim_replay, &s);
		rx.now_ms = s.now;
		if ((rnd >> 24) % 3 != 0 || s.offered[mac] == 0)
			len = build(NP_DHCPDISCOVER, mac, 0, 0, buf, sizeof(buf));
		else
			len = build(NP_DHCPREQUEST, mac, 0, s.offered[mac], buf, sizeof(buf));
		assert_int_equal(engine_handle(s.f->e, buf, len, &rx, NOW, &s.f->out), 0);
		sim_out(&s, &s.f->out);
	}
	s.now += 1000;
	engine_probe_run(s.f->e, s.now, NOW, sim_replay, &s);
	assert_true(s.offers > 100);
	assert_true(s.acks > 10);
	/* Both squatted addresses were found and rest on probation. */
	assert_int_equal(lease_by_addr(s.f->lt, NET + 101)->state, LEASE_DECLINED);
	assert_int_equal(lease_by_addr(s.f->lt, NET + 103)->state, LEASE_DECLINED);
	assert_int_equal(engine_get_stats(s.f->e)->declined_in_use, 2);
	/* The journal alone rebuilds them, with nobody bound twice. */
	assert_int_equal(lease_by_addr(s.replayed, NET + 101)->state, LEASE_DECLINED);
	for (uint8_t c = 0; c < 16; c++) {
		struct lease_client lc = client(c);
		const struct lease *l = lease_by_client(s.f->lt, &lc);

		if (l != NULL && l->state == LEASE_BOUND) {
			const struct lease *r = lease_by_addr(s.replayed, l->addr);

			assert_non_null(r);
			assert_true(lease_is_client(r, &lc));
			assert_false(squatted(l->addr));
		}
	}
	lease_table_free(s.replayed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unanswered_probe_means_free),
		cmocka_unit_test(answer_means_in_use),
		cmocka_unit_test(late_arp_after_free_result_counts),
		cmocka_unit_test(limits),
		cmocka_unit_test(rings_wrap_and_compact),
		cmocka_unit_test_setup_teardown(discover_waits_for_its_probe_only, setup, teardown),
		cmocka_unit_test_setup_teardown(address_in_use_goes_on_probation, setup, teardown),
		cmocka_unit_test_setup_teardown(relayed_and_bound_are_not_probed, setup, teardown),
		cmocka_unit_test_setup_teardown(full_table_drops_until_room, setup, teardown),
		cmocka_unit_test_setup_teardown(random_clients_never_get_squatted_addresses, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
