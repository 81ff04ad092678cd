/*
 * test-dhcpd-engine.c: np-dhcpd's RFC 2131 policy, one rule per test.  The
 * requests are built with libnetproto's DHCP builder field by field, the
 * replies read back with its parser.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/dhcp4.h>
#include <netproto/error.h>

#include "engine.h"
#include "testutil.h"

/* A fixed hash key: the tests do not depend on where entries hash. */
static const struct np_hmap_key test_key = { 0x0123456789abcdefull, 0xfedcba9876543210ull };

#define NET 0x0a4d0000u            /* 10.77.0.0/24 */
#define SERVER (NET + 1)
#define RELAYNET 0x0a4e0000u       /* 10.77.1.0/24 behind a relay */
#define GIADDR (RELAYNET + 1)
#define NOW 1763770000
#define IFX 3

/* ---- configuration ---- */

static const uint8_t routers[] = { 10, 77, 0, 1 };
static const uint8_t dns[] = { 10, 77, 0, 53, 10, 77, 0, 54 };
static const uint8_t domain[] = "example.net";
static const uint8_t ntp[] = { 10, 77, 0, 123 };
static uint8_t big[600];
static const uint8_t resv_dns[] = { 9, 9, 9, 9 };

static const struct engine_option subnet_opts[] = {
	{ NP_DHCP4_OPT_ROUTER, 4, routers },
	{ NP_DHCP4_OPT_DNS, 8, dns },
	{ NP_DHCP4_OPT_DOMAIN_NAME, 11, domain },
	{ NP_DHCP4_OPT_NTP, 4, ntp },
	{ 224, sizeof(big), big },         /* site-specific, long */
};
static const struct engine_option resv_opts[] = {
	{ NP_DHCP4_OPT_DNS, 4, resv_dns },
};
static const struct engine_pool pools[] = { { NET + 100, NET + 103, 0, 0 } };
static const struct engine_pool relay_pools[] = { { RELAYNET + 100, RELAYNET + 199, 0, 0 } };
static const uint8_t resv_cid[] = { 0, 'k', 'i', 'o', 's', 'k' };
static struct engine_reservation resv[] = {
	{ .client = { .htype = 1, .hlen = 6, .chaddr = { 2, 0, 0x5e, 0, 0, 0x99 } },
	  .addr = NET + 50, .hostname = "printer", .opts = resv_opts, .nopts = 1 },
	{ .client = { .htype = 1, .hlen = 6, .cid_len = sizeof(resv_cid), .cid = resv_cid },
	  .addr = NET + 51, .hostname = "kiosk" },
};
static struct engine_subnet subnets[] = {
	{ .addr = NET, .prefix = 24, .ifindex = IFX, .pools = pools, .npools = 1,
	  .lease_time = 3600, .opts = subnet_opts, .nopts = 5, .resv = resv, .nresv = 2 },
	{ .addr = RELAYNET, .prefix = 24, .pools = relay_pools, .npools = 1,
	  .lease_time = 7200, .t1 = 1000, .t2 = 2000, .opts = subnet_opts, .nopts = 2 },
};
static struct engine_config cfg = {
	.offer_hold = 30, .decline_probation = 86400, .subnets = subnets, .nsubnets = 2,
};

struct fx {
	struct lease_table *lt;
	struct engine *e;
	struct engine_out out;
	struct np_dhcp4 reply;
};

static int setup_with(void **state, bool authoritative, bool rapid)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	cfg.authoritative = authoritative;
	subnets[0].rapid_commit = rapid;
	f.lt = lease_table_new(&test_key);
	if (f.lt == NULL || engine_new(&cfg, f.lt, &f.e) != 0)
		return -1;
	*state = &f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, false, false);
}

static int setup_auth(void **state)
{
	return setup_with(state, true, false);
}

static int setup_rapid(void **state)
{
	return setup_with(state, false, true);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	engine_free(f->e);
	lease_table_free(f->lt);
	return 0;
}

/* ---- requests ---- */

struct msg {
	uint8_t type;
	uint8_t mac;                   /* last octet of 02:00:5e:00:00:xx */
	uint32_t ciaddr, giaddr;
	uint16_t flags;
	uint32_t requested, server_id, lease_time;
	const uint8_t *cid;
	size_t cid_len;
	const uint8_t *prl;
	size_t nprl;
	uint16_t max_size;
	const uint8_t *relay;
	size_t relay_len;
	bool rapid;
	const char *hostname;
	const char *vendor;            /* option 60 */
	const char *user;              /* option 77, as iPXE sends it (one raw value) */
	uint16_t arch;                 /* option 93 when arch_set */
	bool arch_set;
};

static size_t build(const struct msg *m, uint8_t *buf, size_t cap)
{
	struct np_dhcp4 h = { .op = NP_BOOTREQUEST, .htype = 1, .hlen = 6, .xid = 0x1234abcd };
	struct np_dhcp4_builder b;
	int len;

	h.ciaddr = m->ciaddr;
	h.giaddr = m->giaddr;
	h.flags = m->flags;
	h.hops = m->giaddr ? 1 : 0;
	memcpy(h.chaddr, "\x02\x00\x5e\x00\x00", 5);
	h.chaddr[5] = m->mac;
	assert_int_equal(np_dhcp4_builder_init(&b, &h, buf, cap, 1500, 0), 0);
	np_dhcp4_add_u8(&b, NP_DHCP4_OPT_MSG_TYPE, m->type);
	if (m->requested)
		np_dhcp4_add_u32(&b, NP_DHCP4_OPT_REQUESTED_IP, m->requested);
	if (m->server_id)
		np_dhcp4_add_u32(&b, NP_DHCP4_OPT_SERVER_ID, m->server_id);
	if (m->lease_time)
		np_dhcp4_add_u32(&b, NP_DHCP4_OPT_LEASE_TIME, m->lease_time);
	if (m->cid)
		np_dhcp4_add(&b, NP_DHCP4_OPT_CLIENT_ID, m->cid, m->cid_len);
	if (m->prl)
		np_dhcp4_add(&b, NP_DHCP4_OPT_PARAM_LIST, m->prl, m->nprl);
	if (m->max_size)
		np_dhcp4_add_u16(&b, NP_DHCP4_OPT_MAX_SIZE, m->max_size);
	if (m->rapid)
		np_dhcp4_add(&b, NP_DHCP4_OPT_RAPID_COMMIT, NULL, 0);
	if (m->hostname)
		np_dhcp4_add_string(&b, NP_DHCP4_OPT_HOSTNAME, m->hostname);
	if (m->vendor)
		np_dhcp4_add_string(&b, NP_DHCP4_OPT_VENDOR_CLASS, m->vendor);
	if (m->user)
		np_dhcp4_add_string(&b, NP_DHCP4_OPT_USER_CLASS, m->user);
	if (m->arch_set)
		np_dhcp4_add_u16(&b, NP_DHCP4_OPT_CLIENT_ARCH, m->arch);
	if (m->relay)
		np_dhcp4_add(&b, NP_DHCP4_OPT_RELAY_INFO, m->relay, m->relay_len);
	len = np_dhcp4_builder_finish(&b);
	assert_true(len > 0);
	return (size_t)len;
}

/*
 * Where m comes from as io.c sees it: a relay agent unicasting from giaddr,
 * else the client's own frame on IFX (its MAC, from ciaddr or 0.0.0.0).
 */
static struct engine_rx rx_of(const struct msg *m, bool unicast)
{
	struct engine_rx rx = { .ifindex = IFX, .local_addr = SERVER, .unicast = unicast };

	if (m->giaddr != 0) {
		rx.unicast = true;
		rx.src_addr = m->giaddr;
		return rx;
	}
	rx.has_mac = true;
	memcpy(rx.src_mac, "\x02\x00\x5e\x00\x00", 5);
	rx.src_mac[5] = m->mac;
	rx.src_addr = m->ciaddr;
	return rx;
}

/* Handle m arriving as rx says; returns the reply type or 0. */
static uint8_t send_rx(struct fx *f, const struct msg *m, const struct engine_rx *rx)
{
	uint8_t buf[1500];
	size_t len = build(m, buf, sizeof(buf));
	uint8_t type = 0;

	assert_int_equal(engine_handle(f->e, buf, len, rx, NOW, &f->out), 0);
	if (f->out.len == 0) {
		assert_int_equal(f->out.dest, ENGINE_DEST_NONE);
		return 0;
	}
	assert_true(f->out.len <= ENGINE_REPLY_MAX);
	assert_int_equal(np_dhcp4_parse(f->out.buf, f->out.len, &f->reply), 0);
	assert_int_equal(f->reply.op, NP_BOOTREPLY);
	assert_int_equal(f->reply.xid, 0x1234abcd);
	assert_int_equal(f->reply.chaddr[5], m->mac);
	assert_int_equal(np_dhcp4_get_msg_type(&f->reply, &type), 0);
	assert_int_equal(type, f->out.type);
	return type;
}

/* Send m (broadcast on IFX unless unicast); returns the reply type or 0. */
static uint8_t send_msg(struct fx *f, const struct msg *m, bool unicast)
{
	struct engine_rx rx = rx_of(m, unicast);

	return send_rx(f, m, &rx);
}

static uint32_t opt_addr(const struct fx *f, uint8_t code)
{
	uint32_t v = 0;

	assert_int_equal(np_dhcp4_get_addr(&f->reply, code, &v), 0);
	return v;
}

static uint32_t opt_u32(const struct fx *f, uint8_t code)
{
	uint32_t v = 0;

	assert_int_equal(np_dhcp4_get_u32(&f->reply, code, &v), 0);
	return v;
}

/* DISCOVER then REQUEST (SELECTING): the bound address. */
static uint32_t dora(struct fx *f, uint8_t mac)
{
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = mac };
	struct msg r = { .type = NP_DHCPREQUEST, .mac = mac, .server_id = SERVER };

	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	r.requested = f->reply.yiaddr;
	assert_int_equal(send_msg(f, &r, false), NP_DHCPACK);
	return f->reply.yiaddr;
}

static struct lease_client client(uint8_t mac)
{
	struct lease_client c = { .htype = 1, .hlen = 6, .chaddr = { 2, 0, 0x5e, 0, 0, mac } };

	return c;
}

/* ---- DISCOVER ---- */

static void discover_offers_from_pool(void **state)
{
	struct fx *f = *state;
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1, .flags = NP_DHCP4_FLAG_BROADCAST };
	struct lease_client c = client(1);

	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	assert_int_equal(f->reply.yiaddr, NET + 100);
	assert_int_equal(f->reply.ciaddr, 0);
	assert_int_equal(opt_addr(f, NP_DHCP4_OPT_SERVER_ID), SERVER);
	assert_int_equal(opt_u32(f, NP_DHCP4_OPT_LEASE_TIME), 3600);
	assert_int_equal(opt_u32(f, NP_DHCP4_OPT_T1), 1800);
	assert_int_equal(opt_u32(f, NP_DHCP4_OPT_T2), 3150);
	assert_int_equal(opt_addr(f, NP_DHCP4_OPT_SUBNET_MASK), 0xffffff00u);
	/* §4.1: broadcast bit set -> broadcast. */
	assert_int_equal(f->out.dest, ENGINE_DEST_BROADCAST);
	assert_int_equal(f->out.dst_addr, 0xffffffffu);
	assert_int_equal(f->out.dst_port, 68);
	assert_int_equal(f->out.src_addr, SERVER);
	/* Offers are held in memory, not journaled, and sent at once. */
	assert_false(f->out.wait_commit);
	assert_int_equal(f->out.nchanges, 0);
	assert_int_equal(lease_by_client(f->lt, &c)->state, LEASE_OFFERED);
	assert_int_equal(lease_by_client(f->lt, &c)->expire, NOW + 30);
	assert_int_equal(engine_get_stats(f->e)->pkt4_offer_sent, 1);
	assert_int_equal(engine_get_stats(f->e)->pkt4_discover_received, 1);
}

static void offer_unicast_to_chaddr(void **state)
{
	struct fx *f = *state;
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1 };

	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	/* §4.1: no broadcast bit, no giaddr, no ciaddr -> link unicast to chaddr/yiaddr. */
	assert_int_equal(f->out.dest, ENGINE_DEST_CHADDR);
	assert_int_equal(f->out.dst_addr, f->reply.yiaddr);
	assert_int_equal(f->out.hlen, 6);
	assert_memory_equal(f->out.chaddr, "\x02\x00\x5e\x00\x00\x01", 6);
	assert_int_equal(f->out.ifindex, IFX);
}

static void discover_requested_address(void **state)
{
	struct fx *f = *state;
	struct msg a = { .type = NP_DHCPDISCOVER, .mac = 1, .requested = NET + 102 };
	struct msg b = { .type = NP_DHCPDISCOVER, .mac = 2, .requested = NET + 102 };
	struct msg c = { .type = NP_DHCPDISCOVER, .mac = 3, .requested = NET + 7 };

	assert_int_equal(send_msg(f, &a, false), NP_DHCPOFFER);
	assert_int_equal(f->reply.yiaddr, NET + 102);
	/* Held for a: b gets another. */
	assert_int_equal(send_msg(f, &b, false), NP_DHCPOFFER);
	assert_int_not_equal(f->reply.yiaddr, NET + 102);
	/* Outside the pool: not given. */
	assert_int_equal(send_msg(f, &c, false), NP_DHCPOFFER);
	assert_int_not_equal(f->reply.yiaddr, NET + 7);
}

static void concurrent_clients_never_share(void **state)
{
	struct fx *f = *state;
	uint32_t got[4];

	for (uint8_t i = 0; i < 4; i++) {
		struct msg d = { .type = NP_DHCPDISCOVER, .mac = (uint8_t)(10 + i) };

		assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
		got[i] = f->reply.yiaddr;
		for (uint8_t k = 0; k < i; k++)
			assert_int_not_equal(got[k], got[i]);
	}
	/* Pool of 4 all held: the fifth is not offered a taken address. */
	{
		struct msg d = { .type = NP_DHCPDISCOVER, .mac = 20 };

		assert_int_equal(send_msg(f, &d, false), 0);
		assert_int_equal(engine_get_stats(f->e)->pkt4_receive_drop, 1);
	}
	/* Once the holds run out, it is. */
	assert_int_equal(engine_expire(f->e, NOW + 30, 0, NULL, NULL), 4);
	{
		struct msg d = { .type = NP_DHCPDISCOVER, .mac = 20 };

		assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	}
}

static void returning_client_gets_previous_address(void **state)
{
	struct fx *f = *state;
	uint32_t first = dora(f, 1);
	struct msg rel = { .type = NP_DHCPRELEASE, .mac = 1, .ciaddr = first, .server_id = SERVER };
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1 };

	assert_int_equal(send_msg(f, &rel, true), 0);
	(void)dora(f, 2);
	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	assert_int_equal(f->reply.yiaddr, first);
}

/* ---- REQUEST ---- */

static void selecting_acks_after_commit(void **state)
{
	struct fx *f = *state;
	struct lease_client c = client(1);
	uint32_t a = dora(f, 1);

	assert_int_equal(f->reply.yiaddr, a);
	assert_int_equal(f->reply.ciaddr, 0);
	assert_true(f->out.wait_commit);
	assert_int_equal(f->out.nchanges, 1);
	assert_int_not_equal(f->out.changes[0].lease.state, LEASE_FREE);
	assert_int_equal(f->out.changes[0].lease.state, LEASE_BOUND);
	assert_int_equal(f->out.changes[0].lease.addr, a);
	assert_int_equal(f->out.changes[0].lease.expire, NOW + 3600);
	assert_memory_equal(f->out.changes[0].lease.chaddr, c.chaddr, 6);
	assert_int_equal(lease_by_client(f->lt, &c)->state, LEASE_BOUND);
	assert_int_equal(opt_u32(f, NP_DHCP4_OPT_LEASE_TIME), 3600);
	assert_int_equal(engine_get_stats(f->e)->pkt4_ack_sent, 1);
}

static void selecting_other_server_is_silent(void **state)
{
	struct fx *f = *state;
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1 };
	struct msg r = { .type = NP_DHCPREQUEST, .mac = 1, .server_id = NET + 2 };
	struct lease_client c = client(1);

	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	r.requested = f->reply.yiaddr;
	assert_int_equal(send_msg(f, &r, false), 0);
	/* §4.3.2: the client chose another server; our offer is free again. */
	assert_int_equal(lease_by_client(f->lt, &c)->state, LEASE_EXPIRED);
	assert_int_equal(f->out.nchanges, 0);
}

static void selecting_wrong_address_naks(void **state)
{
	struct fx *f = *state;
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1 };
	struct msg r = { .type = NP_DHCPREQUEST, .mac = 1, .server_id = SERVER };

	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	r.requested = f->reply.yiaddr + 1;
	assert_int_equal(send_msg(f, &r, false), NP_DHCPNAK);
	assert_int_equal(f->reply.yiaddr, 0);
	assert_int_equal(f->reply.ciaddr, 0);
	assert_int_equal(opt_addr(f, NP_DHCP4_OPT_SERVER_ID), SERVER);
	assert_int_equal(np_dhcp4_opt_has(&f->reply, NP_DHCP4_OPT_LEASE_TIME), 0);
	/* §4.1: a NAK is broadcast. */
	assert_int_equal(f->out.dest, ENGINE_DEST_BROADCAST);
	assert_false(f->out.wait_commit);
	assert_int_equal(engine_get_stats(f->e)->pkt4_nak_sent, 1);
}

static void init_reboot_known_client(void **state)
{
	struct fx *f = *state;
	uint32_t a = dora(f, 1);
	struct msg r = { .type = NP_DHCPREQUEST, .mac = 1, .requested = a };

	assert_int_equal(send_msg(f, &r, false), NP_DHCPACK);
	assert_int_equal(f->reply.yiaddr, a);
	assert_true(f->out.wait_commit);
	/* It remembers an address we did not give it: NAK. */
	r.requested = a + 1;
	assert_int_equal(send_msg(f, &r, false), NP_DHCPNAK);
	/* On the wrong network: NAK. */
	r.requested = 0xc0a80105;
	assert_int_equal(send_msg(f, &r, false), NP_DHCPNAK);
}

static void init_reboot_unknown_client(void **state)
{
	struct fx *f = *state;
	struct msg r = { .type = NP_DHCPREQUEST, .mac = 7, .requested = NET + 101 };

	/* §4.3.2: no record of the client -> silent (not authoritative). */
	assert_int_equal(send_msg(f, &r, false), 0);
	/* Wrong network is still NAKed. */
	r.requested = 0xc0a80105;
	assert_int_equal(send_msg(f, &r, false), NP_DHCPNAK);
}

static void init_reboot_unknown_client_authoritative(void **state)
{
	struct fx *f = *state;
	uint32_t taken = dora(f, 1);
	struct msg r = { .type = NP_DHCPREQUEST, .mac = 7, .requested = NET + 103 };

	/* Authoritative: a free valid address is given... */
	assert_int_equal(send_msg(f, &r, false), NP_DHCPACK);
	assert_int_equal(f->reply.yiaddr, NET + 103);
	/* ...one bound to another client is refused. */
	r.mac = 8;
	r.requested = taken;
	assert_int_equal(send_msg(f, &r, false), NP_DHCPNAK);
}

static void renewing_unicast_to_ciaddr(void **state)
{
	struct fx *f = *state;
	uint32_t a = dora(f, 1);
	struct msg r = { .type = NP_DHCPREQUEST, .mac = 1, .ciaddr = a, .lease_time = 600 };

	assert_int_equal(send_msg(f, &r, true), NP_DHCPACK);
	assert_int_equal(f->reply.yiaddr, a);
	assert_int_equal(f->reply.ciaddr, a);
	/* A shorter lease asked for is granted. */
	assert_int_equal(opt_u32(f, NP_DHCP4_OPT_LEASE_TIME), 600);
	assert_int_equal(f->out.changes[0].lease.expire, NOW + 600);
	assert_int_equal(f->out.dest, ENGINE_DEST_CIADDR);
	assert_int_equal(f->out.dst_addr, a);
	assert_int_equal(f->out.dst_port, 68);
}

static void rebinding_foreign_address(void **state)
{
	struct fx *f = *state;
	uint32_t a = dora(f, 1);
	struct msg r = { .type = NP_DHCPREQUEST, .mac = 2, .ciaddr = a };

	/* Another client's address, not authoritative: silent. */
	assert_int_equal(send_msg(f, &r, false), 0);
	/* An address we know nothing of: silent too. */
	r.ciaddr = NET + 102;
	assert_int_equal(send_msg(f, &r, false), 0);
}

static void rebinding_foreign_address_authoritative(void **state)
{
	struct fx *f = *state;
	uint32_t a = dora(f, 1);
	struct msg r = { .type = NP_DHCPREQUEST, .mac = 2, .ciaddr = a };

	assert_int_equal(send_msg(f, &r, false), NP_DHCPNAK);
	/* A free pool address it claims (we lost the lease): given back. */
	r.ciaddr = NET + 102;
	assert_int_equal(send_msg(f, &r, false), NP_DHCPACK);
	assert_int_equal(f->reply.yiaddr, NET + 102);
}

static void request_without_any_address_dropped(void **state)
{
	struct fx *f = *state;
	struct msg r = { .type = NP_DHCPREQUEST, .mac = 1 };

	assert_int_equal(send_msg(f, &r, false), 0);
	assert_int_equal(engine_get_stats(f->e)->pkt4_receive_drop, 1);
}

/* ---- DECLINE, RELEASE, INFORM ---- */

static void decline_puts_address_on_probation(void **state)
{
	struct fx *f = *state;
	uint32_t a = dora(f, 1), got;
	struct msg dec = { .type = NP_DHCPDECLINE, .mac = 1, .requested = a, .server_id = SERVER };
	struct lease_pool_stats st;

	assert_int_equal(send_msg(f, &dec, false), 0);
	assert_int_equal(f->out.nchanges, 1);
	assert_int_equal(f->out.changes[0].lease.state, LEASE_DECLINED);
	assert_int_equal(f->out.changes[0].lease.expire, NOW + 86400);
	lease_pool_stats(f->lt, 0, &st);
	assert_int_equal(st.declined, 1);
	/* The same client asks again: it gets another address. */
	got = dora(f, 1);
	assert_int_not_equal(got, a);
	/* After the probation the address is free again (and got's lease ran out). */
	assert_int_equal(engine_expire(f->e, NOW + 86400, 0, NULL, NULL), 2);
	assert_null(lease_by_addr(f->lt, a));
	assert_int_equal(engine_get_stats(f->e)->reclaimed_declined, 1);
}

static void decline_of_someone_elses_address_ignored(void **state)
{
	struct fx *f = *state;
	uint32_t a = dora(f, 1);
	struct msg dec = { .type = NP_DHCPDECLINE, .mac = 2, .requested = a, .server_id = SERVER };

	assert_int_equal(send_msg(f, &dec, false), 0);
	assert_int_equal(f->out.nchanges, 0);
	assert_int_equal(lease_by_addr(f->lt, a)->state, LEASE_BOUND);
}

static void release_frees_and_journals(void **state)
{
	struct fx *f = *state;
	uint32_t a = dora(f, 1);
	struct msg rel = { .type = NP_DHCPRELEASE, .mac = 1, .ciaddr = a, .server_id = NET + 9 };
	struct lease_pool_stats st;

	/* For another server: ignored. */
	assert_int_equal(send_msg(f, &rel, true), 0);
	assert_int_equal(lease_by_addr(f->lt, a)->state, LEASE_BOUND);
	rel.server_id = SERVER;
	assert_int_equal(send_msg(f, &rel, true), 0);
	assert_int_equal(f->out.nchanges, 1);
	assert_int_equal(f->out.changes[0].lease.state, LEASE_RELEASED);
	assert_int_equal(lease_by_addr(f->lt, a)->state, LEASE_RELEASED);
	lease_pool_stats(f->lt, 0, &st);
	assert_int_equal(st.assigned, 0);
	/* Another client cannot release what is not its own. */
	a = dora(f, 3);
	rel.mac = 4;
	rel.ciaddr = a;
	assert_int_equal(send_msg(f, &rel, true), 0);
	assert_int_equal(lease_by_addr(f->lt, a)->state, LEASE_BOUND);
}

static void inform_gives_options_only(void **state)
{
	struct fx *f = *state;
	static const uint8_t prl[] = { NP_DHCP4_OPT_DNS, NP_DHCP4_OPT_ROUTER };
	struct msg inf = { .type = NP_DHCPINFORM, .mac = 5, .ciaddr = NET + 20, .prl = prl,
			   .nprl = 2 };
	uint32_t d[4];

	assert_int_equal(send_msg(f, &inf, true), NP_DHCPACK);
	assert_int_equal(f->reply.yiaddr, 0);
	assert_int_equal(np_dhcp4_opt_has(&f->reply, NP_DHCP4_OPT_LEASE_TIME), 0);
	assert_int_equal(np_dhcp4_get_addrs(&f->reply, NP_DHCP4_OPT_DNS, d, 4), 2);
	assert_int_equal(f->out.dest, ENGINE_DEST_CIADDR);
	assert_int_equal(f->out.dst_addr, NET + 20);
	assert_int_equal(f->out.nchanges, 0);
	assert_false(f->out.wait_commit);
	assert_int_equal(lease_count(f->lt), 0);
}

/* ---- rapid commit (RFC 4039) ---- */

static void rapid_commit_when_enabled(void **state)
{
	struct fx *f = *state;
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1, .rapid = true };

	assert_int_equal(send_msg(f, &d, false), NP_DHCPACK);
	assert_int_equal(np_dhcp4_opt_has(&f->reply, NP_DHCP4_OPT_RAPID_COMMIT), 1);
	assert_true(f->out.wait_commit);
	assert_int_equal(f->out.changes[0].lease.state, LEASE_BOUND);
	/* A client that does not ask gets the normal OFFER. */
	d.rapid = false;
	d.mac = 2;
	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
}

static void rapid_commit_when_disabled(void **state)
{
	struct fx *f = *state;
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1, .rapid = true };

	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	assert_int_equal(np_dhcp4_opt_has(&f->reply, NP_DHCP4_OPT_RAPID_COMMIT), 0);
}

/* ---- options ---- */

/* The codes of the reply's options, in order. */
static size_t reply_codes(const struct fx *f, uint8_t *codes, size_t cap)
{
	struct np_dhcp4_iter it;
	struct np_dhcp4_opt o;
	size_t n = 0;

	np_dhcp4_iter_init(&it, &f->reply);
	while (np_dhcp4_iter_next(&it, &o) == 1 && n < cap)
		codes[n++] = o.code;
	return n;
}

static void parameter_list_honoured_in_order(void **state)
{
	struct fx *f = *state;
	static const uint8_t prl[] = { 15, 6, 99, 3, 1 };
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1, .prl = prl, .nprl = sizeof(prl) };
	static const uint8_t want[] = { 53, 54, 51, 58, 59, 15, 6, 3, 1 };
	uint8_t codes[64];
	char name[64];

	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	assert_int_equal(reply_codes(f, codes, sizeof(codes)), sizeof(want));
	assert_memory_equal(codes, want, sizeof(want));
	assert_int_equal(np_dhcp4_get_string(&f->reply, 15, name, sizeof(name)), 11);
	assert_string_equal(name, "example.net");
}

static void no_parameter_list_sends_all(void **state)
{
	struct fx *f = *state;
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1, .max_size = 1500 };
	uint8_t codes[64];
	size_t n;

	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	n = reply_codes(f, codes, sizeof(codes));
	assert_true(memchr(codes, 1, n) && memchr(codes, 3, n) && memchr(codes, 6, n));
	assert_true(memchr(codes, 42, n) && memchr(codes, 224, n));
}

static void max_message_size_honoured(void **state)
{
	struct fx *f = *state;
	static const uint8_t prl[] = { 224, 1, 3, 6 };
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1, .prl = prl, .nprl = 4 };
	uint8_t v[700];

	/* No option 57: 576 octets, so 600 octets do not fit even in file and sname... */
	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	assert_true(f->out.len <= 576 - 28);
	assert_int_equal(np_dhcp4_opt_has(&f->reply, 224), 0);
	/* ...but everything else still goes out. */
	assert_int_equal(opt_addr(f, NP_DHCP4_OPT_SUBNET_MASK), 0xffffff00u);
	assert_int_equal(opt_addr(f, NP_DHCP4_OPT_ROUTER), NET + 1);
	assert_int_equal(np_dhcp4_opt_has(&f->reply, NP_DHCP4_OPT_DNS), 1);
	assert_int_equal(opt_u32(f, NP_DHCP4_OPT_LEASE_TIME), 3600);
	/* With 57 = 1500 it does, split in two instances (RFC 3396). */
	d.max_size = 1500;
	d.mac = 2;
	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	assert_int_equal(np_dhcp4_opt_get(&f->reply, 224, v, sizeof(v)), 600);
	assert_true(f->out.len > 576);
}

static void client_id_identity_and_echo(void **state)
{
	struct fx *f = *state;
	static const uint8_t cid[] = { 0xff, 0, 0, 0, 1, 0, 1, 2, 3 };
	struct msg a = { .type = NP_DHCPDISCOVER, .mac = 1, .cid = cid, .cid_len = sizeof(cid) };
	struct msg b = { .type = NP_DHCPDISCOVER, .mac = 1 };
	uint8_t echo[32];
	uint32_t first;

	assert_int_equal(send_msg(f, &a, false), NP_DHCPOFFER);
	first = f->reply.yiaddr;
	/* RFC 6842: the client identifier comes back. */
	assert_int_equal(np_dhcp4_opt_get(&f->reply, NP_DHCP4_OPT_CLIENT_ID, echo, sizeof(echo)),
			 sizeof(cid));
	assert_memory_equal(echo, cid, sizeof(cid));
	/* Same MAC without the client id: another client (RFC 2131 §4.2). */
	assert_int_equal(send_msg(f, &b, false), NP_DHCPOFFER);
	assert_int_not_equal(f->reply.yiaddr, first);
}

static void reservation_by_mac_with_hostname_and_options(void **state)
{
	struct fx *f = *state;
	static const uint8_t prl[] = { 1, 3, 6, 12 };
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 0x99, .prl = prl, .nprl = 4 };
	struct msg other = { .type = NP_DHCPREQUEST, .mac = 7, .requested = NET + 50 };
	struct lease_client c = client(0x99);
	char name[64];
	uint32_t d4[4];

	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	assert_int_equal(f->reply.yiaddr, NET + 50);
	assert_int_equal(np_dhcp4_get_string(&f->reply, NP_DHCP4_OPT_HOSTNAME, name, sizeof(name)),
			 7);
	assert_string_equal(name, "printer");
	/* The reservation's DNS servers replace the subnet's. */
	assert_int_equal(np_dhcp4_get_addrs(&f->reply, NP_DHCP4_OPT_DNS, d4, 4), 1);
	assert_int_equal(d4[0], 0x09090909u);
	assert_int_equal(lease_by_client(f->lt, &c)->addr, NET + 50);
	assert_string_equal(lease_by_client(f->lt, &c)->hostname, "printer");
	/* Nobody else may have it, even asking for it (INIT-REBOOT, authoritative or not). */
	(void)other;
	other.type = NP_DHCPDISCOVER;
	assert_int_equal(send_msg(f, &other, false), NP_DHCPOFFER);
	assert_int_not_equal(f->reply.yiaddr, NET + 50);
}

static void reservation_by_client_id(void **state)
{
	struct fx *f = *state;
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 0x42, .cid = resv_cid,
			 .cid_len = sizeof(resv_cid) };
	struct msg r = { .type = NP_DHCPREQUEST, .mac = 0x42, .cid = resv_cid,
			 .cid_len = sizeof(resv_cid), .requested = NET + 100 };

	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	assert_int_equal(f->reply.yiaddr, NET + 51);
	/* INIT-REBOOT for another address than its reservation: NAK. */
	assert_int_equal(send_msg(f, &r, false), NP_DHCPNAK);
}

/* ---- relays (giaddr, option 82) ---- */

static void relayed_discover_uses_giaddr_subnet_and_echoes_82(void **state)
{
	struct fx *f = *state;
	static const uint8_t relay[] = { 1, 4, 'e', 't', 'h', '0', 2, 2, 0xab, 0xcd };
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1, .giaddr = GIADDR, .relay = relay,
			 .relay_len = sizeof(relay), .flags = NP_DHCP4_FLAG_BROADCAST };
	uint8_t echo[64];
	uint8_t codes[64];
	size_t n;

	assert_int_equal(send_msg(f, &d, true), NP_DHCPOFFER);
	assert_int_equal(f->reply.yiaddr, RELAYNET + 100);
	assert_int_equal(f->reply.giaddr, GIADDR);
	assert_int_equal(opt_u32(f, NP_DHCP4_OPT_LEASE_TIME), 7200);
	assert_int_equal(opt_u32(f, NP_DHCP4_OPT_T1), 1000);
	assert_int_equal(opt_u32(f, NP_DHCP4_OPT_T2), 2000);
	/* §4.1: to the relay, server port. */
	assert_int_equal(f->out.dest, ENGINE_DEST_RELAY);
	assert_int_equal(f->out.dst_addr, GIADDR);
	assert_int_equal(f->out.dst_port, 67);
	/* RFC 3046 §2.2: echoed unchanged, as the last option. */
	assert_int_equal(np_dhcp4_get_relay_info(&f->reply, echo, sizeof(echo)), sizeof(relay));
	assert_memory_equal(echo, relay, sizeof(relay));
	n = reply_codes(f, codes, sizeof(codes));
	assert_int_equal(codes[n - 1], NP_DHCP4_OPT_RELAY_INFO);
}

/* RFC 3046 §2.2: a sub-option running past option 82's end: dropped. */
static void relayed_discover_with_broken_82_dropped(void **state)
{
	struct fx *f = *state;
	static const uint8_t relay[] = { 1, 4, 'e', 't', 'h', '0', 2, 9, 0xab, 0xcd };
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1, .giaddr = GIADDR, .relay = relay,
			 .relay_len = sizeof(relay), .flags = NP_DHCP4_FLAG_BROADCAST };
	struct engine_rx rx = { .ifindex = IFX, .local_addr = SERVER, .unicast = true };
	uint8_t buf[1500];
	size_t len = build(&d, buf, sizeof(buf));

	assert_int_equal(engine_handle(f->e, buf, len, &rx, NOW, &f->out), NP_EOPT);
	assert_int_equal(f->out.len, 0);
	assert_int_equal(engine_get_stats(f->e)->pkt4_parse_failed, 1);
}

static void relayed_nak_sets_broadcast_bit(void **state)
{
	struct fx *f = *state;
	struct msg r = { .type = NP_DHCPREQUEST, .mac = 1, .giaddr = GIADDR,
			 .requested = NET + 100 };

	/* INIT-REBOOT with an address of another subnet than the relay's: NAK. */
	assert_int_equal(send_msg(f, &r, true), NP_DHCPNAK);
	assert_int_equal(f->out.dest, ENGINE_DEST_RELAY);
	assert_true(f->reply.flags & NP_DHCP4_FLAG_BROADCAST);
}

static void unknown_relay_dropped(void **state)
{
	struct fx *f = *state;
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1, .giaddr = 0xc0a80001 };

	assert_int_equal(send_msg(f, &d, true), 0);
	assert_int_equal(engine_get_stats(f->e)->pkt4_receive_drop, 1);
}

/* ---- moves, expiry, malformed input ---- */

static void moving_client_frees_old_binding(void **state)
{
	struct fx *f = *state;
	uint32_t a = dora(f, 1);
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1, .giaddr = GIADDR };
	struct msg r = { .type = NP_DHCPREQUEST, .mac = 1, .giaddr = GIADDR, .server_id = SERVER };

	/*
	 * A DISCOVER means the client gave its lease up (INIT, §4.4): never two
	 * addresses for one client, so the old one is journaled free.
	 */
	assert_int_equal(send_msg(f, &d, true), NP_DHCPOFFER);
	assert_null(lease_by_addr(f->lt, a));
	assert_int_equal(f->out.nchanges, 1);
	assert_int_equal(f->out.changes[0].lease.state, LEASE_FREE);
	assert_int_equal(f->out.changes[0].lease.addr, a);
	r.requested = f->reply.yiaddr;
	assert_int_equal(send_msg(f, &r, true), NP_DHCPACK);
	assert_int_equal(f->out.nchanges, 1);
	assert_int_equal(f->out.changes[0].lease.addr, RELAYNET + 100);
}

struct recs {
	struct engine_change r[4];
	int n;
};

static void collect(void *arg, const struct engine_change *rec)
{
	struct recs *c = arg;

	c->r[c->n++] = *rec;
}

static void expiry_journals_bound_leases(void **state)
{
	struct fx *f = *state;
	uint32_t a = dora(f, 1);
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 2 };
	struct recs c = { .n = 0 };

	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);   /* an offer: expires silently */
	assert_int_equal(engine_expire(f->e, NOW + 3599, 0, collect, &c), 1);
	assert_int_equal(c.n, 0);
	assert_int_equal(engine_expire(f->e, NOW + 3600, 0, collect, &c), 1);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.r[0].lease.addr, a);
	assert_int_equal(c.r[0].lease.state, LEASE_EXPIRED);
	assert_int_equal(engine_get_stats(f->e)->reclaimed_leases, 1);
}

static void malformed_messages_counted_and_dropped(void **state)
{
	struct fx *f = *state;
	struct engine_rx rx = { .ifindex = IFX, .local_addr = SERVER };
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1 };
	uint8_t buf[1500];
	size_t len = build(&d, buf, sizeof(buf));

	/* truncated fixed part */
	assert_int_equal(engine_handle(f->e, buf, 100, &rx, NOW, &f->out), NP_ETRUNC);
	/* wrong magic cookie */
	buf[236] ^= 0xff;
	assert_int_equal(engine_handle(f->e, buf, len, &rx, NOW, &f->out), NP_ECOOKIE);
	buf[236] ^= 0xff;
	/* an option running past the end */
	buf[241] = 200;
	assert_int_equal(engine_handle(f->e, buf, len, &rx, NOW, &f->out), NP_EOPT);
	buf[241] = 1;
	/* a reply sent to the server */
	buf[0] = NP_BOOTREPLY;
	assert_int_equal(engine_handle(f->e, buf, len, &rx, NOW, &f->out), NP_ETYPE);
	buf[0] = NP_BOOTREQUEST;
	/* plain BOOTP (no option 53) */
	buf[240] = NP_DHCP4_OPT_END;
	assert_int_equal(engine_handle(f->e, buf, len, &rx, NOW, &f->out), NP_ENOTFOUND);
	assert_int_equal(f->out.len, 0);
	assert_int_equal(engine_get_stats(f->e)->pkt4_parse_failed, 5);
	assert_int_equal(engine_get_stats(f->e)->pkt4_received, 5);
	assert_int_equal(lease_count(f->lt), 0);
}

/* DISCOVERs captured from the real clients (Ether + IPv4 + UDP + DHCP). */
static void real_client_discovers_get_offers(void **state)
{
	static const char *const files[] = {
		"dhcp4-discover-dhclient.hex", "dhcp4-discover-dhcpcd.hex",
		"dhcp4-discover-udhcpc.hex",
	};
	struct fx *f = *state;
	struct engine_rx rx = { .ifindex = IFX, .local_addr = SERVER };
	uint8_t frame[1500];
	uint32_t seen[3];

	for (size_t i = 0; i < 3; i++) {
		size_t len = np_test_load_hex(files[i], frame, sizeof(frame));
		const uint8_t *pkt = frame + 14 + 20 + 8;
		uint8_t prl[256], codes[64];
		int nprl = 0;
		size_t n, k = 0;

		assert_true(len > 42 + 240);
		assert_int_equal(engine_handle(f->e, pkt, len - 42, &rx, NOW, &f->out), 0);
		assert_int_equal(f->out.type, NP_DHCPOFFER);
		assert_int_equal(np_dhcp4_parse(f->out.buf, f->out.len, &f->reply), 0);
		assert_memory_equal(f->reply.chaddr, pkt + 28, 6);
		assert_true(f->reply.yiaddr >= NET + 100 && f->reply.yiaddr <= NET + 103);
		/* (All three ran on 02:00:00:00:00:0c; identities differ by client id.) */
		seen[i] = f->reply.yiaddr;
		/* The options follow the client's own parameter request list. */
		{
			struct np_dhcp4 req;

			assert_int_equal(np_dhcp4_parse(pkt, len - 42, &req), 0);
			nprl = np_dhcp4_get_param_list(&req, prl, sizeof(prl));
		}
		if (nprl == NP_ENOTFOUND) {
			/* This dhclient DISCOVER has no list: everything configured. */
			assert_int_equal(opt_addr(f, NP_DHCP4_OPT_ROUTER), NET + 1);
			assert_int_equal(np_dhcp4_opt_has(&f->reply, NP_DHCP4_OPT_NTP), 1);
			/* ...that fits in 576 octets: not the 600-octet option 224. */
			assert_int_equal(np_dhcp4_opt_has(&f->reply, 224), 0);
			continue;
		}
		assert_true(nprl > 0);
		n = reply_codes(f, codes, sizeof(codes));
		for (size_t j = 0; j < n; j++) {
			if (codes[j] == 53 || codes[j] == 54 || codes[j] == 51 || codes[j] == 58 ||
			    codes[j] == 59 || codes[j] == 61)
				continue;
			assert_true(memchr(prl, codes[j], (size_t)nprl) != NULL);
			while (k < (size_t)nprl && prl[k] != codes[j])
				k++;
			assert_true(k < (size_t)nprl);   /* in the client's order */
		}
	}
	/* udhcpc sent -x hostname:udhcpc-host: kept with its offer. */
	assert_string_equal(lease_by_addr(f->lt, seen[2])->hostname, "udhcpc-host");
}

/* ---- forged sources and budgets ---- */

/* §4.4.6: RELEASE is unicast by the client from the address it releases. */
static void release_from_another_host_ignored(void **state)
{
	struct fx *f = *state;
	uint32_t a = dora(f, 1);
	struct msg rel = { .type = NP_DHCPRELEASE, .mac = 1, .ciaddr = a, .server_id = SERVER };
	struct engine_rx rx = rx_of(&rel, true);

	/* The owner's chaddr and ciaddr, but sent from another IP address... */
	rx.src_addr = NET + 66;
	assert_int_equal(send_rx(f, &rel, &rx), 0);
	assert_int_equal(f->out.nchanges, 0);
	assert_int_equal(lease_by_addr(f->lt, a)->state, LEASE_BOUND);
	/* ...or from its address, in a frame from another MAC. */
	rx = rx_of(&rel, true);
	rx.src_mac[5] = 2;
	assert_int_equal(send_rx(f, &rel, &rx), 0);
	assert_int_equal(f->out.nchanges, 0);
	assert_int_equal(lease_by_addr(f->lt, a)->state, LEASE_BOUND);
	/* ...or through the UDP socket (no frame seen) from another address. */
	rx = rx_of(&rel, true);
	rx.has_mac = false;
	rx.src_addr = 0;
	assert_int_equal(send_rx(f, &rel, &rx), 0);
	assert_int_equal(lease_by_addr(f->lt, a)->state, LEASE_BOUND);
	/* ...or in a frame with its MAC and address, but on another served link. */
	rx = rx_of(&rel, true);
	rx.ifindex = IFX + 1;
	assert_int_equal(send_rx(f, &rel, &rx), 0);
	assert_int_equal(lease_by_addr(f->lt, a)->state, LEASE_BOUND);
	assert_int_equal(engine_get_stats(f->e)->pkt4_spoofed, 4);
	assert_int_equal(engine_get_stats(f->e)->pkt4_receive_drop, 4);
	/* The client itself. */
	assert_int_equal(send_msg(f, &rel, true), 0);
	assert_int_equal(lease_by_addr(f->lt, a)->state, LEASE_RELEASED);
	assert_int_equal(engine_get_stats(f->e)->pkt4_spoofed, 4);
}

/* A client's own frame comes from the hardware address in chaddr. */
static void frame_from_another_mac_dropped(void **state)
{
	struct fx *f = *state;
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1 };
	struct msg inf = { .type = NP_DHCPINFORM, .mac = 1, .ciaddr = NET + 7 };
	struct engine_rx rx = rx_of(&d, false);
	uint32_t a;

	rx.src_mac[5] = 9;
	assert_int_equal(send_rx(f, &d, &rx), 0);
	assert_null(lease_by_client(f->lt, &(struct lease_client){ .htype = 1, .hlen = 6,
		.chaddr = { 2, 0, 0x5e, 0, 0, 1 } }));
	rx = rx_of(&inf, true);
	rx.src_mac[5] = 9;
	assert_int_equal(send_rx(f, &inf, &rx), 0);
	/* A DECLINE of client 2's address by a frame from another MAC. */
	a = dora(f, 2);
	{
		struct msg dec = { .type = NP_DHCPDECLINE, .mac = 2, .requested = a,
				   .server_id = SERVER };

		rx = rx_of(&dec, false);
		rx.src_mac[5] = 9;
		assert_int_equal(send_rx(f, &dec, &rx), 0);
		assert_int_equal(f->out.nchanges, 0);
		assert_int_equal(lease_by_addr(f->lt, a)->state, LEASE_BOUND);
	}
	assert_int_equal(engine_get_stats(f->e)->pkt4_spoofed, 3);
	/* A renewal routed to us from a client elsewhere comes in a router's frame. */
	{
		struct msg r = { .type = NP_DHCPREQUEST, .mac = 3, .ciaddr = RELAYNET + 150 };

		rx = rx_of(&r, true);
		rx.src_mac[5] = 9;
		rx.src_addr = RELAYNET + 150;
		send_rx(f, &r, &rx);
		assert_int_equal(engine_get_stats(f->e)->pkt4_spoofed, 3);
	}
	/* The real client's frame. */
	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
}

/* A relayed message comes from a relay agent trusted for giaddr's subnet. */
static void giaddr_from_lan_host_refused(void **state)
{
	struct fx *f = *state;
	static const uint32_t relays[] = { NET + 2 };
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 1, .giaddr = GIADDR };
	struct engine_rx rx = rx_of(&d, true);
	uint8_t from_lan, broadcast, from_relay_addr, configured, unlisted;

	rx.src_addr = NET + 66;                /* a host on the server's own link */
	from_lan = send_rx(f, &d, &rx);
	rx.unicast = false;                    /* a broadcast frame, from inside the subnet */
	rx.has_mac = true;
	rx.src_addr = GIADDR;
	broadcast = send_rx(f, &d, &rx);
	from_relay_addr = send_msg(f, &d, true);
	/* With relays configured, only those sources. */
	subnets[1].relays = relays;
	subnets[1].nrelays = 1;
	d.mac = 2;
	unlisted = send_msg(f, &d, true);
	rx = rx_of(&d, true);
	rx.src_addr = NET + 2;
	configured = send_rx(f, &d, &rx);
	subnets[1].relays = NULL;
	subnets[1].nrelays = 0;

	assert_int_equal(from_lan, 0);
	assert_int_equal(broadcast, 0);
	assert_int_equal(from_relay_addr, NP_DHCPOFFER);
	assert_int_equal(unlisted, 0);
	assert_int_equal(configured, NP_DHCPOFFER);
	assert_true(f->reply.yiaddr >= RELAYNET + 100 && f->reply.yiaddr <= RELAYNET + 199);
	assert_int_equal(engine_get_stats(f->e)->pkt4_relay_untrusted, 3);
	assert_int_equal(engine_get_stats(f->e)->pkt4_receive_drop, 3);
}

/* New clients take tokens (two seconds' worth of burst); known ones never wait. */
static void new_clients_rate_limited(void **state)
{
	struct fx *f = *state;
	struct msg d = { .type = NP_DHCPDISCOVER };
	struct engine_rx rx;
	uint8_t got[6];

	cfg.new_clients_rate = 1;
	cfg.relayed_new_clients_rate = 1;
	for (uint8_t m = 1; m <= 3; m++) {
		d.mac = m;
		rx = rx_of(&d, false);
		rx.now_ms = 5000;
		got[m - 1] = send_rx(f, &d, &rx);
	}
	d.mac = 1;                             /* known (offered): not held back */
	rx = rx_of(&d, false);
	rx.now_ms = 5000;
	got[3] = send_rx(f, &d, &rx);
	d.mac = 3;                             /* a second later: one more token */
	rx = rx_of(&d, false);
	rx.now_ms = 6000;
	got[4] = send_rx(f, &d, &rx);
	d.mac = 4;                             /* relayed clients have their own budget */
	d.giaddr = GIADDR;
	rx = rx_of(&d, false);
	rx.now_ms = 6000;
	got[5] = send_rx(f, &d, &rx);
	cfg.new_clients_rate = 0;
	cfg.relayed_new_clients_rate = 0;

	assert_int_equal(got[0], NP_DHCPOFFER);
	assert_int_equal(got[1], NP_DHCPOFFER);
	assert_int_equal(got[2], 0);
	assert_int_equal(got[3], NP_DHCPOFFER);
	assert_int_equal(got[4], NP_DHCPOFFER);
	assert_int_equal(got[5], NP_DHCPOFFER);
	assert_int_equal(engine_get_stats(f->e)->pkt4_limit_exceeded, 1);
	assert_int_equal(engine_get_stats(f->e)->pkt4_receive_drop, 1);
}

/* An exhausted pool: counted per subnet and in all, and flagged for the log. */
static void pool_exhaustion_counted(void **state)
{
	struct fx *f = *state;
	struct msg d = { .type = NP_DHCPDISCOVER };

	for (uint8_t m = 1; m <= 4; m++) {
		d.mac = m;
		assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
		assert_int_equal(f->out.alloc_fail, 0);
	}
	d.mac = 5;
	assert_int_equal(send_msg(f, &d, false), 0);
	assert_int_equal(f->out.alloc_fail, 1);
	assert_int_equal(engine_get_stats(f->e)->v4_allocation_fail, 1);
	assert_int_equal(engine_subnet_alloc_fail(f->e, 0), 1);
	assert_int_equal(engine_subnet_alloc_fail(f->e, 1), 0);
	/* Unrequested offers run out after offer_hold: the pool is free again. */
	assert_int_equal(engine_expire(f->e, NOW + cfg.offer_hold, 0, NULL, NULL), 4);
	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	assert_int_equal(f->out.alloc_fail, 0);
}

/* DISCOVER then REQUEST through the relay at GIADDR: the bound address. */
static uint32_t relayed_dora(struct fx *f, uint8_t mac)
{
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = mac, .giaddr = GIADDR };
	struct msg r = { .type = NP_DHCPREQUEST, .mac = mac, .giaddr = GIADDR, .server_id = SERVER };

	assert_int_equal(send_msg(f, &d, true), NP_DHCPOFFER);
	r.requested = f->reply.yiaddr;
	assert_int_equal(send_msg(f, &r, true), NP_DHCPACK);
	return f->reply.yiaddr;
}

/*
 * cumulative-assigned-addresses counts new assignments, not renewals; the
 * pools crossing 90 % assigned and becoming full are each flagged once for
 * the log, again after a fall below.
 */
static void pool_usage_counted_and_warned(void **state)
{
	struct fx *f = *state;
	struct msg renew = { .type = NP_DHCPREQUEST, .mac = 1 };
	struct msg rel = { .type = NP_DHCPRELEASE, .mac = 4, .server_id = SERVER };
	uint32_t a1 = 0;

	for (uint8_t m = 1; m <= 3; m++) {          /* 4 addresses: 75 % */
		uint32_t a = dora(f, m);

		a1 = m == 1 ? a : a1;
		assert_int_equal(f->out.pool_warn, 0);
	}
	assert_int_equal(engine_subnet_cumulative_assigned(f->e, 0), 3);
	rel.ciaddr = dora(f, 4);                    /* full: past 90 % at once */
	assert_int_equal(f->out.pool_warn, 1);
	assert_true(f->out.pool_full);
	assert_int_equal(engine_subnet_pool_warnings(f->e, 0), 1);
	assert_int_equal(engine_subnet_cumulative_assigned(f->e, 0), 4);
	renew.ciaddr = a1;                          /* a renewal: not counted, no warning */
	assert_int_equal(send_msg(f, &renew, true), NP_DHCPACK);
	assert_int_equal(f->out.pool_warn, 0);
	assert_int_equal(engine_subnet_cumulative_assigned(f->e, 0), 4);
	assert_int_equal(send_msg(f, &rel, true), 0);
	(void)dora(f, 5);                           /* full again after a release: warned */
	assert_int_equal(f->out.pool_warn, 1);
	assert_true(f->out.pool_full);
	assert_int_equal(engine_subnet_pool_warnings(f->e, 0), 2);
	assert_int_equal(engine_subnet_cumulative_assigned(f->e, 0), 5);

	/* 100 relayed addresses: the 90th crosses 90 %, the 100th fills them. */
	for (unsigned m = 1; m <= 100; m++) {
		(void)relayed_dora(f, (uint8_t)(100 + m));
		assert_int_equal(f->out.pool_warn, m == 90 || m == 100 ? 2 : 0);
		assert_int_equal(f->out.pool_full, m == 100);
	}
	assert_int_equal(engine_subnet_pool_warnings(f->e, 1), 2);
	assert_int_equal(engine_subnet_cumulative_assigned(f->e, 1), 100);
	assert_int_equal(engine_subnet_pool_warnings(f->e, 0), 2);
}

static void bad_config_refused(void **state)
{
	static const struct engine_pool outside[] = { { NET + 300, NET + 310, 0, 0 } };
	struct engine_subnet s = { .addr = NET, .prefix = 24, .pools = outside, .npools = 1,
				   .lease_time = 60 };
	struct engine_config c = { .subnets = &s, .nsubnets = 1 };
	struct lease_table *lt = lease_table_new(&test_key);
	struct engine *e = NULL;

	(void)state;
	assert_int_equal(engine_new(&c, lt, &e), -EINVAL);
	assert_null(e);
	lease_table_free(lt);
}


/* ---- client classes, network boot, shared networks, reservations ---- */

static const uint8_t pxe_domain[] = "pxe.example";
static const struct engine_option pxe_opts[] = {
	{ NP_DHCP4_OPT_DOMAIN_NAME, 11, pxe_domain },
};
static const struct engine_match m_ipxe_user = {
	.kind = ENGINE_MATCH_USER_CLASS, .data = (const uint8_t *)"iPXE", .len = 4 };
static const struct engine_match m_pxe_subs[] = {
	{ .kind = ENGINE_MATCH_VENDOR_CLASS, .data = (const uint8_t *)"PXEClient", .len = 9 },
	{ .kind = ENGINE_MATCH_NOT, .sub = &m_ipxe_user, .nsub = 1 },
};
static const struct engine_match m_uefi = { .kind = ENGINE_MATCH_CLIENT_ARCH, .arch = 7 };
static const uint8_t lab_prefix[] = { 2, 0, 0x5e, 0, 0, 0x77 };
static const struct engine_match m_lab = {
	.kind = ENGINE_MATCH_MAC_PREFIX, .data = lab_prefix, .len = 6 };
static const struct engine_match m_known = { .kind = ENGINE_MATCH_KNOWN, .known = true };
static const struct engine_class classes[] = {
	{ .name = "ipxe", .match = { .kind = ENGINE_MATCH_ALL, .sub = &m_ipxe_user, .nsub = 1 },
	  .boot = { .boot_file = "http://10.77.0.1/boot.ipxe" } },
	{ .name = "pxe", .match = { .kind = ENGINE_MATCH_ALL, .sub = m_pxe_subs, .nsub = 2 },
	  .opts = pxe_opts, .nopts = 1 },
	{ .name = "uefi", .match = { .kind = ENGINE_MATCH_ALL, .sub = &m_uefi, .nsub = 1 },
	  .boot = { .boot_file = "ipxe.efi", .next_server = NET + 3 } },
	{ .name = "lab", .match = { .kind = ENGINE_MATCH_ANY, .sub = &m_lab, .nsub = 1 },
	  .boot = { .server_name = "lab-boot" } },
	{ .name = "known", .match = { .kind = ENGINE_MATCH_ALL, .sub = &m_known, .nsub = 1 } },
};
/* Pool A: not for UEFI clients; pool B: UEFI clients only; pool C: known clients only. */
static const struct engine_pool class_pools[] = {
	{ NET + 100, NET + 103, 0, 1u << 2 },
	{ NET + 110, NET + 111, 1u << 2, 0 },
	{ NET + 120, NET + 121, 1u << 4, 0 },
};
static const uint8_t nas_dns[] = { 8, 8, 4, 4 };
static const struct engine_option nas_opts[] = { { NP_DHCP4_OPT_DNS, 4, nas_dns } };
static const uint8_t duid[] = { 0, 4, 0xaa, 0xbb, 0xcc, 0xdd };
static const struct engine_reservation class_resv[] = {
	/* Options and a name, no address. */
	{ .client = { .htype = 1, .hlen = 6, .chaddr = { 2, 0, 0x5e, 0, 0, 0x60 } },
	  .hostname = "nas", .opts = nas_opts, .nopts = 1, .lease_time = 600,
	  .boot = { .boot_file = "nas.kpxe" } },
	{ .key_kind = ENGINE_RESV_DUID, .key = duid, .key_len = sizeof(duid), .addr = NET + 61 },
};
static const struct engine_subnet class_subnets[] = {
	{ .addr = NET, .prefix = 24, .ifindex = IFX, .pools = class_pools, .npools = 3,
	  .lease_time = 3600, .opts = subnet_opts, .nopts = 4, .resv = class_resv, .nresv = 2,
	  .boot = { .next_server = NET + 2, .server_name = "boot", .boot_file = "undionly.kpxe" } },
};
static const struct engine_config class_cfg = {
	.offer_hold = 30, .decline_probation = 86400, .classes = classes, .nclasses = 5,
	.subnets = class_subnets, .nsubnets = 1,
};

static int setup_cfg(void **state, const struct engine_config *c)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	f.lt = lease_table_new(&test_key);
	if (f.lt == NULL || engine_new(c, f.lt, &f.e) != 0)
		return -1;
	*state = &f;
	return 0;
}

static int setup_classes(void **state)
{
	return setup_cfg(state, &class_cfg);
}

static void field_is(const uint8_t *field, const char *want)
{
	assert_string_equal((const char *)field, want);
}

static void opt_string_is(const struct fx *f, uint8_t code, const char *want)
{
	char v[256];

	assert_true(np_dhcp4_get_string(&f->reply, code, v, sizeof(v)) >= 0);
	assert_string_equal(v, want);
}

/* A legacy PXE ROM gets the iPXE binary by TFTP; iPXE itself (user class iPXE) the script URL. */
static void classes_chain_load_ipxe(void **state)
{
	struct fx *f = *state;
	struct msg rom = { .type = NP_DHCPDISCOVER, .mac = 1,
			   .vendor = "PXEClient:Arch:00000:UNDI:002001", .arch_set = true };
	struct msg ipxe = rom;

	assert_int_equal(send_msg(f, &rom, false), NP_DHCPOFFER);
	assert_in_range(f->reply.yiaddr, NET + 100, NET + 103);
	assert_int_equal(f->reply.siaddr, NET + 2);
	field_is(f->reply.sname, "boot");
	field_is(f->reply.file, "undionly.kpxe");
	/* The pxe class overrides the subnet's domain name. */
	opt_string_is(f, NP_DHCP4_OPT_DOMAIN_NAME, "pxe.example");

	ipxe.user = "iPXE";
	assert_int_equal(send_msg(f, &ipxe, false), NP_DHCPOFFER);
	field_is(f->reply.file, "http://10.77.0.1/boot.ipxe");
	assert_int_equal(f->reply.siaddr, NET + 2);
	/* not user_class iPXE: the pxe class no longer holds, the subnet's domain does. */
	opt_string_is(f, NP_DHCP4_OPT_DOMAIN_NAME, "example.net");
}

/* Pools allow and deny classes; a class's next_server overrides the subnet's. */
static void classes_select_pools(void **state)
{
	struct fx *f = *state;
	struct msg uefi = { .type = NP_DHCPDISCOVER, .mac = 2, .arch = 7, .arch_set = true };
	struct msg plain = { .type = NP_DHCPDISCOVER, .mac = 3 };

	for (uint8_t i = 0; i < 2; i++) {
		uefi.mac = (uint8_t)(2 + i);
		assert_int_equal(dora(f, uefi.mac) != 0, 1);  /* plain clients first */
	}
	uefi.mac = 9;
	assert_int_equal(send_msg(f, &uefi, false), NP_DHCPOFFER);
	assert_in_range(f->reply.yiaddr, NET + 110, NET + 111);
	assert_int_equal(f->reply.siaddr, NET + 3);
	field_is(f->reply.file, "ipxe.efi");
	/* A UEFI client asking for an address of pool A (denied to it) gets one of B. */
	uefi.mac = 10;
	uefi.requested = NET + 103;
	assert_int_equal(send_msg(f, &uefi, false), NP_DHCPOFFER);
	assert_in_range(f->reply.yiaddr, NET + 110, NET + 111);
	/* Pool B is for UEFI clients only: plain clients never get its addresses. */
	for (uint8_t i = 0; i < 2; i++) {
		plain.mac = (uint8_t)(20 + i);
		assert_int_equal(send_msg(f, &plain, false), NP_DHCPOFFER);
		assert_in_range(f->reply.yiaddr, NET + 100, NET + 103);
	}
	plain.mac = 30;     /* pool A full (2 bound, 2 offered), B and C not allowed: silence */
	assert_int_equal(send_msg(f, &plain, false), 0);
	assert_int_equal(f->out.alloc_fail, 1);
}

/* MAC prefix class sets the server name; known clients get pool C and their reservation's fields. */
static void classes_mac_prefix_and_known(void **state)
{
	struct fx *f = *state;
	struct msg lab = { .type = NP_DHCPDISCOVER, .mac = 0x77 };
	struct msg nas = { .type = NP_DHCPDISCOVER, .mac = 0x60 };
	struct lease_client c = client(0x60);
	uint32_t d4[4];

	assert_int_equal(send_msg(f, &lab, false), NP_DHCPOFFER);
	field_is(f->reply.sname, "lab-boot");
	field_is(f->reply.file, "undionly.kpxe");

	/* Reservation without an address: a pool address, its name, options, lease time, boot file. */
	assert_int_equal(send_msg(f, &nas, false), NP_DHCPOFFER);
	assert_in_range(f->reply.yiaddr, NET + 100, NET + 121);
	field_is(f->reply.file, "nas.kpxe");
	assert_int_equal(opt_u32(f, NP_DHCP4_OPT_LEASE_TIME), 600);
	assert_int_equal(np_dhcp4_get_addrs(&f->reply, NP_DHCP4_OPT_DNS, d4, 4), 1);
	assert_int_equal(d4[0], 0x08080404u);
	assert_string_equal(lease_by_client(f->lt, &c)->hostname, "nas");
}

static void known_clients_only_pool(void **state)
{
	struct fx *f = *state;
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 40 };

	/* Fill pool A with unknown clients: they never reach pool C. */
	for (uint8_t i = 0; i < 4; i++) {
		d.mac = (uint8_t)(40 + i);
		assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
		assert_in_range(f->reply.yiaddr, NET + 100, NET + 103);
	}
	d.mac = 44;
	assert_int_equal(send_msg(f, &d, false), 0);
	/* The known client (a reservation without address) gets pool C. */
	d.mac = 0x60;
	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	assert_in_range(f->reply.yiaddr, NET + 120, NET + 121);
	assert_int_equal(opt_u32(f, NP_DHCP4_OPT_LEASE_TIME), 600);
}

/* A DUID reservation (RFC 4361 client id: 255, IAID, DUID) outside the pools. */
static void reservation_by_duid(void **state)
{
	struct fx *f = *state;
	static const uint8_t cid[] = { 255, 0, 0, 0, 1, 0, 4, 0xaa, 0xbb, 0xcc, 0xdd };
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 50, .cid = cid, .cid_len = sizeof(cid) };
	struct msg r = { .type = NP_DHCPREQUEST, .mac = 50, .cid = cid, .cid_len = sizeof(cid),
			 .server_id = SERVER, .requested = NET + 61 };
	struct msg other = { .type = NP_DHCPREQUEST, .mac = 51, .requested = NET + 61 };

	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	assert_int_equal(f->reply.yiaddr, NET + 61);
	assert_int_equal(send_msg(f, &r, false), NP_DHCPACK);
	assert_int_equal(f->reply.yiaddr, NET + 61);
	/* Another client may not have it (INIT-REBOOT for it: not ours to give; silence or NAK). */
	assert_int_not_equal(send_msg(f, &other, false), NP_DHCPACK);
}

/* Options 66/67 when asked for; with file and sname kept, overflow avoids them (RFC 2132 §9.3). */
static void boot_options_and_overload(void **state)
{
	struct fx *f = *state;
	static const uint8_t prl[] = { 1, 3, 6, 15, 42, 66, 67 };
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 60, .prl = prl, .nprl = sizeof(prl) };

	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	opt_string_is(f, NP_DHCP4_OPT_TFTP_SERVER, "boot");
	opt_string_is(f, NP_DHCP4_OPT_BOOTFILE, "undionly.kpxe");
	field_is(f->reply.sname, "boot");
	field_is(f->reply.file, "undionly.kpxe");
	assert_int_equal(np_dhcp4_opt_has(&f->reply, NP_DHCP4_OPT_OVERLOAD), 0);
}

static const uint8_t long_opt[240] = { 1 };
static const uint8_t mid_opt[40] = { 2 };
static const struct engine_option crowded_opts[] = {
	{ 224, sizeof(long_opt), long_opt }, { 225, sizeof(mid_opt), mid_opt },
};
static const struct engine_subnet crowded_subnets[] = {
	{ .addr = NET, .prefix = 24, .ifindex = IFX, .pools = pools, .npools = 1,
	  .lease_time = 3600, .opts = crowded_opts, .nopts = 2,
	  .boot = { .boot_file = "undionly.kpxe" } },
};
static const struct engine_config crowded_cfg = {
	.offer_hold = 30, .subnets = crowded_subnets, .nsubnets = 1,
};

static void overload_keeps_boot_file(void **state)
{
	struct fx *f;
	static const uint8_t prl[] = { 1, 224, 225 };
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 61, .prl = prl, .nprl = 3 };
	uint8_t v[64], ov = 0;

	(void)state;
	assert_int_equal(setup_cfg((void **)&f, &crowded_cfg), 0);
	d.max_size = 576;
	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	/* 225 did not fit the options field: it went to sname, never to file. */
	assert_int_equal(np_dhcp4_opt_get(&f->reply, NP_DHCP4_OPT_OVERLOAD, &ov, 1), 1);
	assert_int_equal(ov, NP_DHCP4_OVERLOAD_SNAME);
	field_is(f->reply.file, "undionly.kpxe");
	assert_int_equal(np_dhcp4_opt_get(&f->reply, 225, v, sizeof(v)), 40);
	assert_int_equal(np_dhcp4_opt_get(&f->reply, 224, v, sizeof(v)), NP_ENOSPC);
	engine_free(f->e);
	lease_table_free(f->lt);
}

/* A boot file name too long for the file field goes as option 67 unasked. */
static void long_boot_file_as_option(void **state)
{
	struct fx *f = *state;
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 62, .user = "iPXE" };
	static char url[200];
	struct engine_class c[1] = { classes[0] };
	struct engine_config cc = class_cfg;

	memset(url, 'a', sizeof(url) - 1);
	memcpy(url, "http://", 7);
	c[0].boot.boot_file = url;
	cc.classes = c;
	cc.nclasses = 1;
	engine_free(f->e);
	lease_table_free(f->lt);
	assert_int_equal(setup_cfg((void **)&f, &cc), 0);
	*state = f;
	assert_int_equal(send_msg(f, &d, false), NP_DHCPOFFER);
	field_is(f->reply.file, "");
	opt_string_is(f, NP_DHCP4_OPT_BOOTFILE, url);
}

/* Shared network: two subnets on one link; the second serves when the first is full. */
static const struct engine_pool small_pool[] = { { NET + 100, NET + 101, 0, 0 } };
#define NET2 0x0a500000u           /* 10.80.0.0/24 */
static const struct engine_pool second_pool[] = { { NET2 + 10, NET2 + 20, 0, 0 } };
static const uint8_t routers2[] = { 10, 80, 0, 1 };
static const struct engine_option opts2[] = { { NP_DHCP4_OPT_ROUTER, 4, routers2 } };
static const uint8_t circuit[] = "port7";
static const struct engine_reservation relay_resv[] = {
	{ .key_kind = ENGINE_RESV_CIRCUIT_ID, .key = circuit, .key_len = 5, .addr = RELAYNET + 5,
	  .hostname = "port7-host" },
};
static const struct engine_pool relay_small[] = { { RELAYNET + 100, RELAYNET + 100, 0, 0 } };
#define RELAYNET2 0x0a510000u      /* 10.81.0.0/24 behind the same relay */
static const struct engine_pool relay_second[] = { { RELAYNET2 + 10, RELAYNET2 + 20, 0, 0 } };
static const struct engine_subnet shared_subnets[] = {
	{ .addr = NET, .prefix = 24, .ifindex = IFX, .pools = small_pool, .npools = 1,
	  .lease_time = 3600, .opts = subnet_opts, .nopts = 1, .shared = 1 },
	{ .addr = NET2, .prefix = 24, .ifindex = IFX, .pools = second_pool, .npools = 1,
	  .lease_time = 1800, .opts = opts2, .nopts = 1, .shared = 1 },
	{ .addr = RELAYNET, .prefix = 24, .pools = relay_small, .npools = 1, .lease_time = 3600,
	  .resv = relay_resv, .nresv = 1, .shared = 3 },
	{ .addr = RELAYNET2, .prefix = 24, .pools = relay_second, .npools = 1, .lease_time = 900,
	  .shared = 3 },
};
static const struct engine_config shared_cfg = {
	.offer_hold = 30, .subnets = shared_subnets, .nsubnets = 4,
};

static int setup_shared(void **state)
{
	return setup_cfg(state, &shared_cfg);
}

static void shared_network_next_subnet_when_full(void **state)
{
	struct fx *f = *state;
	struct msg renew = { .type = NP_DHCPREQUEST, .mac = 3 };
	uint32_t a3;

	assert_in_range(dora(f, 1), NET + 100, NET + 101);
	assert_in_range(dora(f, 2), NET + 100, NET + 101);
	a3 = dora(f, 3);
	assert_in_range(a3, NET2 + 10, NET2 + 20);
	/* The second subnet's mask, router and lease time. */
	assert_int_equal(opt_addr(f, NP_DHCP4_OPT_SUBNET_MASK), 0xffffff00u);
	assert_int_equal(opt_addr(f, NP_DHCP4_OPT_ROUTER), 0x0a500001u);
	assert_int_equal(opt_u32(f, NP_DHCP4_OPT_LEASE_TIME), 1800);
	/* Renewing it (unicast from that address) is ACKed. */
	renew.ciaddr = a3;
	assert_int_equal(send_msg(f, &renew, true), NP_DHCPACK);
	assert_int_equal(f->reply.yiaddr, a3);
}

static void relayed_shared_network_and_circuit_id(void **state)
{
	struct fx *f = *state;
	static const uint8_t port7[] = { 1, 5, 'p', 'o', 'r', 't', '7' };
	static const uint8_t port8[] = { 1, 5, 'p', 'o', 'r', 't', '8' };
	struct msg d = { .type = NP_DHCPDISCOVER, .mac = 70, .giaddr = GIADDR,
			 .relay = port8, .relay_len = sizeof(port8) };
	struct lease_client c = client(71);

	assert_int_equal(send_msg(f, &d, true), NP_DHCPOFFER);
	assert_int_equal(f->reply.yiaddr, RELAYNET + 100);
	d.mac = 72;
	assert_int_equal(send_msg(f, &d, true), NP_DHCPOFFER);
	assert_in_range(f->reply.yiaddr, RELAYNET2 + 10, RELAYNET2 + 20);
	assert_int_equal(opt_u32(f, NP_DHCP4_OPT_LEASE_TIME), 900);
	/* The host on circuit port7 gets its reserved address, whatever its MAC. */
	d.mac = 71;
	d.relay = port7;
	assert_int_equal(send_msg(f, &d, true), NP_DHCPOFFER);
	assert_int_equal(f->reply.yiaddr, RELAYNET + 5);
	assert_string_equal(lease_by_client(f->lt, &c)->hostname, "port7-host");
}

static void keyed_reservation_in_pool_refused(void **state)
{
	static const struct engine_reservation r[] = {
		{ .key_kind = ENGINE_RESV_CIRCUIT_ID, .key = circuit, .key_len = 5,
		  .addr = NET + 100 },
	};
	struct engine_subnet s = { .addr = NET, .prefix = 24, .pools = pools, .npools = 1,
				   .lease_time = 60, .resv = r, .nresv = 1 };
	struct engine_config c = { .subnets = &s, .nsubnets = 1 };
	struct lease_table *lt = lease_table_new(&test_key);
	struct engine *e = NULL;

	(void)state;
	assert_int_equal(engine_new(&c, lt, &e), -EINVAL);
	lease_table_free(lt);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TC(f) cmocka_unit_test_setup_teardown(f, setup_classes, teardown)
#define TS(f) cmocka_unit_test_setup_teardown(f, setup_shared, teardown)
#define TA(f) cmocka_unit_test_setup_teardown(f, setup_auth, teardown)
#define TR(f) cmocka_unit_test_setup_teardown(f, setup_rapid, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(discover_offers_from_pool),
		T(offer_unicast_to_chaddr),
		T(discover_requested_address),
		T(concurrent_clients_never_share),
		T(returning_client_gets_previous_address),
		T(selecting_acks_after_commit),
		T(selecting_other_server_is_silent),
		T(selecting_wrong_address_naks),
		T(init_reboot_known_client),
		T(init_reboot_unknown_client),
		TA(init_reboot_unknown_client_authoritative),
		T(renewing_unicast_to_ciaddr),
		T(rebinding_foreign_address),
		TA(rebinding_foreign_address_authoritative),
		T(request_without_any_address_dropped),
		T(decline_puts_address_on_probation),
		T(decline_of_someone_elses_address_ignored),
		T(release_frees_and_journals),
		T(inform_gives_options_only),
		TR(rapid_commit_when_enabled),
		T(rapid_commit_when_disabled),
		T(parameter_list_honoured_in_order),
		T(no_parameter_list_sends_all),
		T(max_message_size_honoured),
		T(client_id_identity_and_echo),
		T(reservation_by_mac_with_hostname_and_options),
		T(reservation_by_client_id),
		T(relayed_discover_uses_giaddr_subnet_and_echoes_82),
		T(relayed_discover_with_broken_82_dropped),
		T(relayed_nak_sets_broadcast_bit),
		T(unknown_relay_dropped),
		T(moving_client_frees_old_binding),
		T(expiry_journals_bound_leases),
		T(malformed_messages_counted_and_dropped),
		T(real_client_discovers_get_offers),
		T(release_from_another_host_ignored),
		T(frame_from_another_mac_dropped),
		T(giaddr_from_lan_host_refused),
		T(new_clients_rate_limited),
		T(pool_exhaustion_counted),
		T(pool_usage_counted_and_warned),
		cmocka_unit_test(bad_config_refused),
		TC(classes_chain_load_ipxe),
		TC(classes_select_pools),
		TC(classes_mac_prefix_and_known),
		TC(known_clients_only_pool),
		TC(reservation_by_duid),
		TC(boot_options_and_overload),
		cmocka_unit_test(overload_keeps_boot_file),
		TC(long_boot_file_as_option),
		TS(shared_network_next_subnet_when_full),
		TS(relayed_shared_network_and_circuit_id),
		cmocka_unit_test(keyed_reservation_in_pool_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
