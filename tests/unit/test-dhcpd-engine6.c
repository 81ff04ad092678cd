/*
 * test-dhcpd-engine6.c: np-dhcpd's DHCPv6 policy (RFC 8415 §16, §18.3),
 * fed the messages dhclient -6, dhcpcd -6 and dhcrelay -6 sent (captures
 * in tests/data/dhcp6-*.hex) and messages built field by field with
 * libnetproto's builder; the replies are read back with its parser.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/buf.h>
#include <netproto/dhcp6.h>
#include <netproto/error.h>

#include "engine6.h"
#include "testutil.h"

#define NOW 1763770000
#define IFX 3

/* ---- configuration: the subnets the captures were made against ---- */

static uint8_t server_duid[NP_DHCP6_DUID_MAX];   /* kea's, read from the captured REQUEST */
static size_t server_duid_len;
static const uint8_t dns_val[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t domain_val[] = { 3, 'l', 'a', 'n', 0 };
static const struct engine6_option opts[] = {
	{ NP_DHCP6_OPT_DNS_SERVERS, sizeof(dns_val), dns_val },
	{ NP_DHCP6_OPT_DOMAIN_LIST, sizeof(domain_val), domain_val },
};
static struct engine6_pool pools[1];
static struct engine6_pool relay_pools[1];
static struct engine6_pd_pool pd_pools[1];
static const uint8_t resv_duid[] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, 0x99 };
static struct engine6_reservation resv[1];
static struct engine6_subnet subnets[2];
static struct engine6_config cfg;

struct fx {
	struct lease6_table *lt;
	struct engine6 *e;
	struct engine6_out out;
	uint8_t frame[2048];
};

static void addr6(const char *hex, uint8_t out[16])
{
	assert_int_equal(np_test_hex(hex, out, 16), 16);
}

/* The DHCPv6 message in a captured Ethernet/IPv6/UDP frame. */
static size_t frame_msg(const char *name, uint8_t *frame, size_t cap, const uint8_t **msg)
{
	size_t len = np_test_load_hex(name, frame, cap);
	size_t udp_len;

	assert_true(len > 14 + 40 + 8);
	assert_int_equal(frame[14 + 6], 17);
	udp_len = np_load_be16(frame + 14 + 40 + 4);
	assert_true(udp_len >= 8 && 14 + 40 + udp_len <= len);
	*msg = frame + 14 + 40 + 8;
	return udp_len - 8;
}

static void read_server_duid(void)
{
	uint8_t frame[2048];
	const uint8_t *msg;
	size_t len = frame_msg("dhcp6-request-dhclient.hex", frame, sizeof(frame), &msg);
	struct np_dhcp6 m;
	struct np_dhcp6_opt o;

	assert_int_equal(np_dhcp6_parse(msg, len, &m), 0);
	assert_int_equal(np_dhcp6_get(&m, NP_DHCP6_OPT_SERVERID, &o), 0);
	memcpy(server_duid, o.data, o.len);
	server_duid_len = o.len;
}

static void configure(const char *pool_last)
{
	memset(subnets, 0, sizeof(subnets));
	memset(&cfg, 0, sizeof(cfg));
	addr6("20010db8000100000000000000000100", pools[0].first);
	addr6(pool_last, pools[0].last);
	addr6("20010db8000300000000000000000100", relay_pools[0].first);
	addr6("20010db80003000000000000000001ff", relay_pools[0].last);
	addr6("20010db8010000000000000000000000", pd_pools[0].prefix);
	pd_pools[0].prefix_len = 40;
	pd_pools[0].delegated_len = 56;
	memset(resv, 0, sizeof(resv));
	resv[0].duid = resv_duid;
	resv[0].duid_len = sizeof(resv_duid);
	resv[0].has_addr = true;
	addr6("20010db8000100000000000000000042", resv[0].addr);
	resv[0].hostname = "printer";
	addr6("20010db8000100000000000000000000", subnets[0].addr);
	subnets[0].prefix_len = 64;
	subnets[0].ifindex = IFX;
	subnets[0].pools = pools;
	subnets[0].npools = 1;
	subnets[0].pd_pools = pd_pools;
	subnets[0].npd_pools = 1;
	subnets[0].preferred = 3000;
	subnets[0].valid = 4000;
	subnets[0].opts = opts;
	subnets[0].nopts = 2;
	subnets[0].resv = resv;
	subnets[0].nresv = 1;
	addr6("20010db8000300000000000000000000", subnets[1].addr);
	subnets[1].prefix_len = 64;
	subnets[1].pools = relay_pools;
	subnets[1].npools = 1;
	subnets[1].preferred = 50;
	subnets[1].valid = 60;
	subnets[1].t1 = 6;
	subnets[1].t2 = 40;
	cfg.server_duid = server_duid;
	cfg.server_duid_len = server_duid_len;
	cfg.info_refresh = 3600;
	cfg.decline_probation = 86400;
	cfg.remember = 600;
	cfg.subnets = subnets;
	cfg.nsubnets = 2;
}

static int setup_with(void **state, const char *pool_last, bool rapid)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	read_server_duid();
	configure(pool_last);
	subnets[0].rapid_commit = rapid;
	f.lt = lease6_table_new();
	if (f.lt == NULL || engine6_new(&cfg, f.lt, &f.e) != 0)
		return -1;
	*state = &f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, "20010db80001000000000000000001ff", false);
}

static int setup_rapid(void **state)
{
	return setup_with(state, "20010db80001000000000000000001ff", true);
}

/* A pool of one address: 2001:db8:1::100. */
static int setup_tiny(void **state)
{
	return setup_with(state, "20010db8000100000000000000000100", false);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	engine6_free(f->e);
	lease6_table_free(f->lt);
	return 0;
}

/* ---- driving the engine ---- */

static const char client_ll[] = "fe8000000000000000ff00fffe00000c";

static int run_from(struct fx *f, const uint8_t *msg, size_t len, bool multicast, int64_t now,
		    const char *src)
{
	struct engine6_rx rx = { .ifindex = IFX, .multicast = multicast, .src_port = 546 };

	addr6(src, rx.src);
	return engine6_handle(f->e, msg, len, &rx, now, &f->out);
}

static int run(struct fx *f, const uint8_t *msg, size_t len, int64_t now)
{
	return run_from(f, msg, len, true, now, client_ll);
}

static int run_capture(struct fx *f, const char *name, int64_t now)
{
	const uint8_t *msg;
	size_t len = frame_msg(name, f->frame, sizeof(f->frame), &msg);

	return run(f, msg, len, now);
}

/* The reply, unwrapped from its relays; returns how many relays it had. */
static int reply(struct fx *f, struct np_dhcp6 *m, struct np_dhcp6 *relays)
{
	struct np_dhcp6 spare[NP_DHCP6_MAX_RELAY_DEPTH];
	int n;

	assert_true(f->out.len > 0);
	n = np_dhcp6_unwrap(f->out.buf, f->out.len, relays != NULL ? relays : spare,
			    NP_DHCP6_MAX_RELAY_DEPTH, m);
	assert_true(n >= 0);
	assert_int_equal(np_dhcp6_opts_validate(m->options, m->options_len), 0);
	return n;
}

static int status_in(const uint8_t *area, size_t len)
{
	struct np_dhcp6_opt o;
	struct np_dhcp6_status st;

	if (np_dhcp6_opt_find(area, len, NP_DHCP6_OPT_STATUS_CODE, &o) < 0)
		return -1;
	assert_int_equal(np_dhcp6_opt_status(&o, &st), 0);
	return st.code;
}

/* The n-th IA of code in m (0 first); fails the test when absent. */
static void nth_ia(const struct np_dhcp6 *m, uint16_t code, int n, struct np_dhcp6_ia *ia)
{
	struct np_dhcp6_iter it;
	struct np_dhcp6_opt o;

	np_dhcp6_iter_init(&it, m->options, m->options_len);
	while (np_dhcp6_iter_next(&it, &o) > 0)
		if (o.code == code && n-- == 0) {
			assert_int_equal(np_dhcp6_parse_ia(&o, ia), 0);
			return;
		}
	fail_msg("no IA %u", code);
}

static bool has_ia(const struct np_dhcp6 *m, uint16_t code)
{
	struct np_dhcp6_opt o;

	return np_dhcp6_get(m, code, &o) == 0;
}

static void ia_addr(const struct np_dhcp6_ia *ia, struct np_dhcp6_iaaddr *a)
{
	struct np_dhcp6_opt o;

	assert_int_equal(np_dhcp6_opt_find(ia->options, ia->options_len, NP_DHCP6_OPT_IAADDR, &o), 0);
	assert_int_equal(np_dhcp6_parse_iaaddr(&o, a), 0);
}

static void ia_prefix(const struct np_dhcp6_ia *ia, struct np_dhcp6_iaprefix *p)
{
	struct np_dhcp6_opt o;

	assert_int_equal(np_dhcp6_opt_find(ia->options, ia->options_len, NP_DHCP6_OPT_IAPREFIX, &o),
			 0);
	assert_int_equal(np_dhcp6_parse_iaprefix(&o, p), 0);
}

/* Client messages built field by field. */
struct ia_spec {
	uint16_t code;
	uint32_t iaid;
	const char *addr;              /* hex, NULL: none listed */
	uint8_t plen;
};

static const uint8_t duid_a[] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, 0xa1 };
static const uint8_t duid_b[] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, 0xb2 };

static size_t client_msg(uint8_t *buf, size_t cap, uint8_t type, const uint8_t *duid,
			 size_t duid_len, bool server, const struct ia_spec *ias, size_t n)
{
	static const uint16_t oro[] = { NP_DHCP6_OPT_DNS_SERVERS, NP_DHCP6_OPT_DOMAIN_LIST };
	struct np_dhcp6_builder b;
	int len;

	assert_int_equal(np_dhcp6_builder_init(&b, buf, cap, type, 0x123456), 0);
	np_dhcp6_add(&b, NP_DHCP6_OPT_CLIENTID, duid, duid_len);
	if (server)
		np_dhcp6_add(&b, NP_DHCP6_OPT_SERVERID, server_duid, server_duid_len);
	np_dhcp6_add_oro(&b, oro, 2);
	for (size_t i = 0; i < n; i++) {
		uint8_t a[16];

		np_dhcp6_begin_ia(&b, ias[i].code, ias[i].iaid, 0, 0);
		if (ias[i].addr != NULL) {
			addr6(ias[i].addr, a);
			if (ias[i].code == NP_DHCP6_OPT_IA_PD)
				np_dhcp6_begin_iaprefix(&b, 0, 0, ias[i].plen, a);
			else
				np_dhcp6_begin_iaaddr(&b, a, 0, 0);
			np_dhcp6_end(&b);
		}
		np_dhcp6_end(&b);
	}
	len = np_dhcp6_builder_finish(&b);
	assert_true(len > 0);
	return (size_t)len;
}

static int run_built(struct fx *f, uint8_t type, const uint8_t *duid, size_t duid_len,
		     const struct ia_spec *ias, size_t n, int64_t now)
{
	uint8_t buf[1024];
	bool server = type == NP_DHCP6_REQUEST || type == NP_DHCP6_RENEW ||
		      type == NP_DHCP6_RELEASE || type == NP_DHCP6_DECLINE;
	size_t len = client_msg(buf, sizeof(buf), type, duid, duid_len, server, ias, n);

	return run(f, buf, len, now);
}

/* ---- dhclient -6: SOLICIT, REQUEST, RENEW, RELEASE, INFORMATION-REQUEST ---- */

static void dhclient_solicit_gets_advertise(void **state)
{
	struct fx *f = *state;
	struct np_dhcp6 m;
	struct np_dhcp6_ia ia;
	struct np_dhcp6_iaaddr a;
	struct np_dhcp6_opt o;
	uint8_t first[16];

	assert_int_equal(run_capture(f, "dhcp6-solicit-dhclient.hex", NOW), 0);
	assert_int_equal(reply(f, &m, NULL), 0);
	assert_int_equal(m.msg_type, NP_DHCP6_ADVERTISE);
	assert_int_equal(m.xid, 0x1f3e67);
	assert_int_equal(np_dhcp6_get(&m, NP_DHCP6_OPT_SERVERID, &o), 0);
	assert_memory_equal(o.data, server_duid, server_duid_len);
	assert_int_equal(np_dhcp6_get(&m, NP_DHCP6_OPT_CLIENTID, &o), 0);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia);
	assert_int_equal(ia.iaid, 0x0c);
	assert_int_equal(ia.t1, 1500);                   /* 0.5 x preferred (§21.4) */
	assert_int_equal(ia.t2, 2400);                   /* 0.8 x preferred */
	ia_addr(&ia, &a);
	addr6("20010db8000100000000000000000100", first);
	assert_memory_equal(a.addr, first, 16);
	assert_int_equal(a.preferred, 3000);
	assert_int_equal(a.valid, 4000);
	/* dhclient's ORO asks for 23, 24 and 32 */
	assert_int_equal(np_dhcp6_get(&m, NP_DHCP6_OPT_DNS_SERVERS, &o), 0);
	assert_memory_equal(o.data, dns_val, 16);
	assert_int_equal(np_dhcp6_get(&m, NP_DHCP6_OPT_DOMAIN_LIST, &o), 0);
	/* an ADVERTISE binds nothing and goes to the client's link-local address */
	assert_int_equal(f->out.nchanges, 0);
	assert_false(f->out.wait_commit);
	assert_int_equal(lease6_count(f->lt), 0);
	assert_int_equal(f->out.dest, ENGINE6_DEST_CLIENT);
	assert_int_equal(f->out.dst_port, 546);
	assert_int_equal(f->out.ifindex, IFX);
	assert_int_equal(engine6_get_stats(f->e)->pkt6_advertise_sent, 1);
}

static void dhclient_request_binds_and_waits_for_commit(void **state)
{
	struct fx *f = *state;
	struct np_dhcp6 m, req;
	struct np_dhcp6_ia ia, asked;
	struct np_dhcp6_iaaddr a, want;
	struct np_dhcp6_opt o;
	const uint8_t *msg;
	size_t len = frame_msg("dhcp6-request-dhclient.hex", f->frame, sizeof(f->frame), &msg);
	struct lease6 *l;

	assert_int_equal(np_dhcp6_parse(msg, len, &req), 0);
	nth_ia(&req, NP_DHCP6_OPT_IA_NA, 0, &asked);
	ia_addr(&asked, &want);
	assert_int_equal(run(f, msg, len, NOW), 0);
	reply(f, &m, NULL);
	assert_int_equal(m.msg_type, NP_DHCP6_REPLY);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia);
	assert_int_equal(ia.iaid, asked.iaid);
	ia_addr(&ia, &a);
	assert_memory_equal(a.addr, want.addr, 16);      /* the address it asked for, free in the pool */
	assert_int_equal(status_in(ia.options, ia.options_len), -1);
	assert_true(f->out.wait_commit);
	assert_int_equal(f->out.nchanges, 1);
	assert_int_equal(f->out.changes[0].lease.state, LEASE_BOUND);
	assert_int_equal(f->out.changes[0].lease.expire, NOW + 4000);
	assert_string_equal(f->out.changes[0].lease.hostname, "dhclient-host");
	l = lease6_by_addr(f->lt, LEASE6_NA, want.addr);
	assert_non_null(l);
	assert_int_equal(l->state, LEASE_BOUND);
	assert_int_equal(np_dhcp6_get(&m, NP_DHCP6_OPT_CLIENT_FQDN, &o), NP_ENOTFOUND);
}

static void dhclient_renew_extends(void **state)
{
	struct fx *f = *state;
	struct np_dhcp6 m;
	struct np_dhcp6_ia ia;
	struct np_dhcp6_iaaddr a;

	assert_int_equal(run_capture(f, "dhcp6-request-dhclient.hex", NOW), 0);
	assert_int_equal(run_capture(f, "dhcp6-renew-dhclient.hex", NOW + 1000), 0);
	reply(f, &m, NULL);
	assert_int_equal(m.msg_type, NP_DHCP6_REPLY);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia);
	ia_addr(&ia, &a);
	assert_int_equal(a.valid, 4000);
	assert_int_equal(f->out.nchanges, 1);
	assert_int_equal(f->out.changes[0].lease.expire, NOW + 1000 + 4000);
	assert_true(f->out.wait_commit);
}

static void renew_without_binding_is_nobinding(void **state)
{
	struct fx *f = *state;
	struct np_dhcp6 m;
	struct np_dhcp6_ia ia;

	assert_int_equal(run_capture(f, "dhcp6-renew-dhclient.hex", NOW), 0);
	reply(f, &m, NULL);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia);
	assert_int_equal(status_in(ia.options, ia.options_len), NP_DHCP6_STATUS_NO_BINDING);
	assert_int_equal(f->out.nchanges, 0);
}

static void dhclient_release_frees(void **state)
{
	struct fx *f = *state;
	struct np_dhcp6 m;
	uint8_t addr[16];

	assert_int_equal(run_capture(f, "dhcp6-request-dhclient.hex", NOW), 0);
	memcpy(addr, f->out.changes[0].lease.addr, 16);
	assert_int_equal(run_capture(f, "dhcp6-release-dhclient.hex", NOW + 10), 0);
	reply(f, &m, NULL);
	assert_int_equal(m.msg_type, NP_DHCP6_REPLY);
	assert_int_equal(status_in(m.options, m.options_len), NP_DHCP6_STATUS_SUCCESS);
	assert_false(has_ia(&m, NP_DHCP6_OPT_IA_NA));    /* no IA: every one was held (§18.3.7) */
	assert_int_equal(f->out.nchanges, 1);
	assert_int_equal(f->out.changes[0].lease.state, LEASE_RELEASED);
	assert_int_equal(lease6_by_addr(f->lt, LEASE6_NA, addr)->state, LEASE_RELEASED);
}

static void release_without_binding_is_nobinding(void **state)
{
	struct fx *f = *state;
	struct np_dhcp6 m;
	struct np_dhcp6_ia ia;

	assert_int_equal(run_capture(f, "dhcp6-release-dhclient.hex", NOW), 0);
	reply(f, &m, NULL);
	assert_int_equal(status_in(m.options, m.options_len), NP_DHCP6_STATUS_SUCCESS);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia);
	assert_int_equal(status_in(ia.options, ia.options_len), NP_DHCP6_STATUS_NO_BINDING);
}

static void dhclient_inforeq_gets_options(void **state)
{
	struct fx *f = *state;
	struct np_dhcp6 m;
	struct np_dhcp6_opt o;
	uint32_t refresh;

	assert_int_equal(run_capture(f, "dhcp6-inforeq-dhclient.hex", NOW), 0);
	reply(f, &m, NULL);
	assert_int_equal(m.msg_type, NP_DHCP6_REPLY);
	assert_int_equal(np_dhcp6_get(&m, NP_DHCP6_OPT_DNS_SERVERS, &o), 0);
	assert_int_equal(np_dhcp6_get(&m, NP_DHCP6_OPT_DOMAIN_LIST, &o), 0);
	assert_int_equal(np_dhcp6_get(&m, NP_DHCP6_OPT_INFORMATION_REFRESH_TIME, &o), 0);
	assert_int_equal(np_dhcp6_opt_u32(&o, &refresh), 0);
	assert_int_equal(refresh, 3600);
	assert_false(has_ia(&m, NP_DHCP6_OPT_IA_NA));
	assert_int_equal(f->out.nchanges, 0);
}

/* ---- dhcpcd -6: IA_NA and IA_PD, Rapid Commit ---- */

static void dhcpcd_solicit_gets_address_and_prefix(void **state)
{
	struct fx *f = *state;
	struct np_dhcp6 m;
	struct np_dhcp6_ia na, pd;
	struct np_dhcp6_iaprefix p;
	struct np_dhcp6_opt o;
	uint8_t pool[16];

	assert_int_equal(run_capture(f, "dhcp6-solicit-dhcpcd.hex", NOW), 0);
	reply(f, &m, NULL);
	/* dhcpcd asks for Rapid Commit; this subnet does not allow it */
	assert_int_equal(m.msg_type, NP_DHCP6_ADVERTISE);
	assert_int_equal(np_dhcp6_get(&m, NP_DHCP6_OPT_RAPID_COMMIT, &o), NP_ENOTFOUND);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &na);
	nth_ia(&m, NP_DHCP6_OPT_IA_PD, 0, &pd);
	ia_prefix(&pd, &p);
	assert_int_equal(p.prefix_len, 56);
	addr6("20010db8010000000000000000000000", pool);
	assert_true(lease6_prefix_has(pool, 40, p.prefix));
	assert_int_equal(f->out.nchanges, 0);
}

static void dhcpcd_rapid_commit_binds_both(void **state)
{
	struct fx *f = *state;
	struct np_dhcp6 m;
	struct np_dhcp6_ia na, pd;
	struct np_dhcp6_opt o;

	assert_int_equal(run_capture(f, "dhcp6-solicit-dhcpcd.hex", NOW), 0);
	reply(f, &m, NULL);
	assert_int_equal(m.msg_type, NP_DHCP6_REPLY);     /* §18.3.1 */
	assert_int_equal(np_dhcp6_get(&m, NP_DHCP6_OPT_RAPID_COMMIT, &o), 0);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &na);
	nth_ia(&m, NP_DHCP6_OPT_IA_PD, 0, &pd);
	assert_int_equal(f->out.nchanges, 2);
	assert_true(f->out.wait_commit);
	assert_int_equal(f->out.changes[1].lease.kind, LEASE6_PD);
	assert_int_equal(f->out.changes[1].lease.plen, 56);
	assert_string_equal(f->out.changes[0].lease.hostname, "dhcpcd-host");
}

static void dhcpcd_request_binds_both(void **state)
{
	struct fx *f = *state;
	struct np_dhcp6 m;
	struct np_dhcp6_ia na, pd;
	struct np_dhcp6_iaaddr a;
	struct np_dhcp6_iaprefix p;

	/* the captured REQUEST names kea's DUID, which is this server's here */
	assert_int_equal(run_capture(f, "dhcp6-request-dhcpcd.hex", NOW), 0);
	reply(f, &m, NULL);
	assert_int_equal(m.msg_type, NP_DHCP6_REPLY);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &na);
	nth_ia(&m, NP_DHCP6_OPT_IA_PD, 0, &pd);
	ia_addr(&na, &a);
	ia_prefix(&pd, &p);
	assert_non_null(lease6_by_addr(f->lt, LEASE6_NA, a.addr));
	assert_non_null(lease6_by_addr(f->lt, LEASE6_PD, p.prefix));
	assert_int_equal(lease6_by_addr(f->lt, LEASE6_PD, p.prefix)->state, LEASE_BOUND);
	assert_int_equal(f->out.nchanges, 2);
}

/* ---- dhcrelay -6: RELAY-FORW in, RELAY-REPL out ---- */

static void relayed_solicit_answered_through_relay(void **state)
{
	struct fx *f = *state;
	struct np_dhcp6 m, relays[NP_DHCP6_MAX_RELAY_DEPTH];
	struct np_dhcp6_ia ia;
	struct np_dhcp6_iaaddr a;
	uint8_t subnet[16], link[16];
	const uint8_t *msg;
	size_t len = frame_msg("dhcp6-relay-forw-dhcrelay.hex", f->frame, sizeof(f->frame), &msg);

	assert_int_equal(run_from(f, msg, len, false, NOW, "20010db8000200000000000000000002"), 0);
	assert_int_equal(reply(f, &m, relays), 1);
	assert_int_equal(relays[0].msg_type, NP_DHCP6_RELAY_REPL);
	addr6("20010db8000300000000000000000001", link);
	assert_memory_equal(relays[0].link_addr, link, 16);
	assert_int_equal(m.msg_type, NP_DHCP6_ADVERTISE);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia);
	ia_addr(&ia, &a);
	addr6("20010db8000300000000000000000000", subnet);  /* chosen by the link-address */
	assert_true(lease6_prefix_has(subnet, 64, a.addr));
	assert_int_equal(ia.t1, 6);
	assert_int_equal(ia.t2, 40);
	assert_int_equal(f->out.dest, ENGINE6_DEST_RELAY);
	assert_int_equal(f->out.dst_port, 547);
}

static void relay_interface_id_echoed(void **state)
{
	struct fx *f = *state;
	struct np_dhcp6 m, fw, relays[NP_DHCP6_MAX_RELAY_DEPTH];
	struct np_dhcp6_opt in, out;
	const uint8_t *msg;
	size_t len = frame_msg("dhcp6-relay-forw-ifid-dhcrelay.hex", f->frame, sizeof(f->frame),
			       &msg);

	assert_int_equal(np_dhcp6_parse(msg, len, &fw), 0);
	assert_int_equal(np_dhcp6_get(&fw, NP_DHCP6_OPT_INTERFACE_ID, &in), 0);
	assert_int_equal(run_from(f, msg, len, false, NOW, "20010db8000200000000000000000002"), 0);
	assert_int_equal(reply(f, &m, relays), 1);
	assert_int_equal(np_dhcp6_get(&relays[0], NP_DHCP6_OPT_INTERFACE_ID, &out), 0);
	assert_int_equal(out.len, in.len);
	assert_memory_equal(out.data, in.data, in.len);
}

static void eight_relays_answered_nine_dropped(void **state)
{
	struct fx *f = *state;
	struct np_dhcp6 m;
	uint8_t buf[1024];
	size_t len = np_test_load_hex("dhcp6-relay-depth8.hex", buf, sizeof(buf));

	assert_int_equal(run_from(f, buf, len, false, NOW, "20010db8000200000000000000000001"), 0);
	assert_int_equal(reply(f, &m, NULL), 8);
	assert_int_equal(m.msg_type, NP_DHCP6_ADVERTISE);
	len = np_test_load_hex("dhcp6-malformed-relay-depth9.hex", buf, sizeof(buf));
	assert_int_equal(run_from(f, buf, len, false, NOW, "20010db8000200000000000000000001"),
			 NP_ECOUNT);
	assert_int_equal(f->out.len, 0);
	assert_int_equal(engine6_get_stats(f->e)->pkt6_parse_failed, 1);
}

/* ---- malformed input: counted, dropped ---- */

static void malformed_counted_and_dropped(void **state)
{
	static const char *const names[] = {
		"dhcp6-malformed-truncated-option.hex", "dhcp6-malformed-ia-long.hex",
		"dhcp6-malformed-ia-short.hex", "dhcp6-malformed-iaaddr-overrun.hex",
	};
	struct fx *f = *state;
	uint8_t buf[1024];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t len = np_test_load_hex(names[i], buf, sizeof(buf));

		assert_true(run(f, buf, len, NOW) < 0);
		assert_int_equal(f->out.len, 0);
	}
	assert_int_equal(engine6_get_stats(f->e)->pkt6_parse_failed, 4);
	assert_int_equal(engine6_get_stats(f->e)->pkt6_receive_drop, 4);
	/* a real client is still served */
	assert_int_equal(run_capture(f, "dhcp6-solicit-dhclient.hex", NOW), 0);
	assert_true(f->out.len > 0);
}

/* ---- §16 validation and UseMulticast ---- */

static void unicast_request_gets_use_multicast(void **state)
{
	struct fx *f = *state;
	struct np_dhcp6 m;
	const uint8_t *msg;
	size_t len = frame_msg("dhcp6-request-dhclient.hex", f->frame, sizeof(f->frame), &msg);

	assert_int_equal(run_from(f, msg, len, false, NOW, client_ll), 0);
	reply(f, &m, NULL);
	assert_int_equal(status_in(m.options, m.options_len), NP_DHCP6_STATUS_USE_MULTICAST);
	assert_false(has_ia(&m, NP_DHCP6_OPT_IA_NA));
	assert_int_equal(f->out.nchanges, 0);
	assert_int_equal(lease6_count(f->lt), 0);
}

static void unicast_solicit_dropped(void **state)
{
	struct fx *f = *state;
	const uint8_t *msg;
	size_t len = frame_msg("dhcp6-solicit-dhclient.hex", f->frame, sizeof(f->frame), &msg);

	assert_int_equal(run_from(f, msg, len, false, NOW, client_ll), 0);
	assert_int_equal(f->out.len, 0);
	assert_int_equal(engine6_get_stats(f->e)->pkt6_invalid, 1);
}

static void request_for_another_server_dropped(void **state)
{
	struct fx *f = *state;

	server_duid[server_duid_len - 1] ^= 1;     /* this server is another one now */
	assert_int_equal(run_capture(f, "dhcp6-request-dhclient.hex", NOW), 0);
	server_duid[server_duid_len - 1] ^= 1;
	assert_int_equal(f->out.len, 0);
	assert_int_equal(engine6_get_stats(f->e)->pkt6_not_for_us, 1);
	assert_int_equal(lease6_count(f->lt), 0);
}

static void solicit_without_client_id_dropped(void **state)
{
	struct fx *f = *state;
	uint8_t buf[64];
	struct np_dhcp6_builder b;
	int len;

	np_dhcp6_builder_init(&b, buf, sizeof(buf), NP_DHCP6_SOLICIT, 1);
	len = np_dhcp6_builder_finish(&b);
	assert_int_equal(run(f, buf, (size_t)len, NOW), 0);
	assert_int_equal(f->out.len, 0);
	assert_int_equal(engine6_get_stats(f->e)->pkt6_invalid, 1);
}

/* ---- addresses and status codes ---- */

static void several_ias_get_different_addresses(void **state)
{
	struct fx *f = *state;
	const struct ia_spec ias[] = { { NP_DHCP6_OPT_IA_NA, 1, NULL, 0 },
				       { NP_DHCP6_OPT_IA_NA, 2, NULL, 0 },
				       { NP_DHCP6_OPT_IA_PD, 3, NULL, 0 } };
	struct np_dhcp6 m;
	struct np_dhcp6_ia ia1, ia2;
	struct np_dhcp6_iaaddr a1, a2;

	assert_int_equal(run_built(f, NP_DHCP6_REQUEST, duid_a, sizeof(duid_a), ias, 3, NOW), 0);
	reply(f, &m, NULL);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia1);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 1, &ia2);
	assert_int_equal(ia1.iaid, 1);
	assert_int_equal(ia2.iaid, 2);
	ia_addr(&ia1, &a1);
	ia_addr(&ia2, &a2);
	assert_memory_not_equal(a1.addr, a2.addr, 16);
	assert_int_equal(f->out.nchanges, 3);
	/* the same client asking again keeps what it has */
	assert_int_equal(run_built(f, NP_DHCP6_REQUEST, duid_a, sizeof(duid_a), ias, 3, NOW + 5), 0);
	reply(f, &m, NULL);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia1);
	ia_addr(&ia1, &a2);
	assert_memory_equal(a1.addr, a2.addr, 16);
	assert_int_equal(lease6_count(f->lt), 3);
}

static void pool_exhausted_no_addrs_avail(void **state)
{
	struct fx *f = *state;
	const struct ia_spec na[] = { { NP_DHCP6_OPT_IA_NA, 1, NULL, 0 } };
	struct np_dhcp6 m;
	struct np_dhcp6_ia ia;

	assert_int_equal(run_built(f, NP_DHCP6_REQUEST, duid_a, sizeof(duid_a), na, 1, NOW), 0);
	assert_int_equal(f->out.nchanges, 1);
	/* §18.3.9: nothing for any IA: the Advertise holds only the status */
	assert_int_equal(run_built(f, NP_DHCP6_SOLICIT, duid_b, sizeof(duid_b), na, 1, NOW), 0);
	reply(f, &m, NULL);
	assert_int_equal(m.msg_type, NP_DHCP6_ADVERTISE);
	assert_int_equal(status_in(m.options, m.options_len), NP_DHCP6_STATUS_NO_ADDRS_AVAIL);
	assert_false(has_ia(&m, NP_DHCP6_OPT_IA_NA));
	/* §18.3.2: a Request gets the IA back with NoAddrsAvail in it */
	assert_int_equal(run_built(f, NP_DHCP6_REQUEST, duid_b, sizeof(duid_b), na, 1, NOW), 0);
	reply(f, &m, NULL);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia);
	assert_int_equal(status_in(ia.options, ia.options_len), NP_DHCP6_STATUS_NO_ADDRS_AVAIL);
	assert_int_equal(f->out.nchanges, 0);
	assert_true(engine6_get_stats(f->e)->v6_allocation_fail >= 2);
}

static void released_address_reused_after_fresh_ones(void **state)
{
	struct fx *f = *state;
	const struct ia_spec na[] = { { NP_DHCP6_OPT_IA_NA, 1, NULL, 0 } };
	struct ia_spec rel[] = { { NP_DHCP6_OPT_IA_NA, 1, "20010db8000100000000000000000100", 0 } };
	struct np_dhcp6 m;
	struct np_dhcp6_ia ia;
	struct np_dhcp6_iaaddr a;

	assert_int_equal(run_built(f, NP_DHCP6_REQUEST, duid_a, sizeof(duid_a), na, 1, NOW), 0);
	assert_int_equal(run_built(f, NP_DHCP6_RELEASE, duid_a, sizeof(duid_a), rel, 1, NOW + 1), 0);
	assert_int_equal(f->out.changes[0].lease.state, LEASE_RELEASED);
	/* the one address of the pool, released, goes to the next client */
	assert_int_equal(run_built(f, NP_DHCP6_REQUEST, duid_b, sizeof(duid_b), na, 1, NOW + 2), 0);
	reply(f, &m, NULL);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia);
	ia_addr(&ia, &a);
	assert_memory_equal(a.addr, f->out.changes[0].lease.addr, 16);
	assert_memory_equal(f->out.changes[0].lease.duid, duid_b, sizeof(duid_b));
}

static void request_off_link_not_on_link(void **state)
{
	struct fx *f = *state;
	const struct ia_spec ia_off[] = { { NP_DHCP6_OPT_IA_NA, 1, "20010db8009900000000000000000001", 0 } };
	struct np_dhcp6 m;
	struct np_dhcp6_ia ia;

	assert_int_equal(run_built(f, NP_DHCP6_REQUEST, duid_a, sizeof(duid_a), ia_off, 1, NOW), 0);
	reply(f, &m, NULL);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia);
	assert_int_equal(status_in(ia.options, ia.options_len), NP_DHCP6_STATUS_NOT_ON_LINK);
	assert_int_equal(f->out.nchanges, 0);
}

static void confirm_on_and_off_link(void **state)
{
	struct fx *f = *state;
	const struct ia_spec on[] = { { NP_DHCP6_OPT_IA_NA, 1, "20010db8000100000000000000000123", 0 } };
	const struct ia_spec off[] = { { NP_DHCP6_OPT_IA_NA, 1, "20010db8000900000000000000000123", 0 } };
	const struct ia_spec none[] = { { NP_DHCP6_OPT_IA_NA, 1, NULL, 0 } };
	struct np_dhcp6 m;

	assert_int_equal(run_built(f, NP_DHCP6_CONFIRM, duid_a, sizeof(duid_a), on, 1, NOW), 0);
	reply(f, &m, NULL);
	assert_int_equal(status_in(m.options, m.options_len), NP_DHCP6_STATUS_SUCCESS);
	assert_int_equal(run_built(f, NP_DHCP6_CONFIRM, duid_a, sizeof(duid_a), off, 1, NOW), 0);
	reply(f, &m, NULL);
	assert_int_equal(status_in(m.options, m.options_len), NP_DHCP6_STATUS_NOT_ON_LINK);
	/* §18.3.3: no addresses to confirm, no reply */
	assert_int_equal(run_built(f, NP_DHCP6_CONFIRM, duid_a, sizeof(duid_a), none, 1, NOW), 0);
	assert_int_equal(f->out.len, 0);
}

static void rebind_off_link_gets_zero_lifetimes(void **state)
{
	struct fx *f = *state;
	const struct ia_spec off[] = { { NP_DHCP6_OPT_IA_NA, 1, "20010db8000900000000000000000123", 0 } };
	const struct ia_spec on[] = { { NP_DHCP6_OPT_IA_NA, 1, "20010db8000100000000000000000123", 0 } };
	struct np_dhcp6 m;
	struct np_dhcp6_ia ia;
	struct np_dhcp6_iaaddr a;

	assert_int_equal(run_built(f, NP_DHCP6_REBIND, duid_a, sizeof(duid_a), off, 1, NOW), 0);
	reply(f, &m, NULL);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia);
	ia_addr(&ia, &a);
	assert_int_equal(a.preferred, 0);
	assert_int_equal(a.valid, 0);
	assert_int_equal(run_built(f, NP_DHCP6_REBIND, duid_a, sizeof(duid_a), on, 1, NOW), 0);
	reply(f, &m, NULL);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia);
	assert_int_equal(status_in(ia.options, ia.options_len), NP_DHCP6_STATUS_NO_BINDING);
}

static void reservation_by_duid(void **state)
{
	struct fx *f = *state;
	const struct ia_spec na[] = { { NP_DHCP6_OPT_IA_NA, 7, NULL, 0 } };
	struct ia_spec steal[] = { { NP_DHCP6_OPT_IA_NA, 1, "20010db8000100000000000000000042", 0 } };
	struct np_dhcp6 m;
	struct np_dhcp6_ia ia;
	struct np_dhcp6_iaaddr a;

	/* another client asking for the reserved address does not get it */
	assert_int_equal(run_built(f, NP_DHCP6_REQUEST, duid_a, sizeof(duid_a), steal, 1, NOW), 0);
	reply(f, &m, NULL);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia);
	ia_addr(&ia, &a);
	assert_memory_not_equal(a.addr, resv[0].addr, 16);
	assert_int_equal(run_built(f, NP_DHCP6_REQUEST, resv_duid, sizeof(resv_duid), na, 1, NOW), 0);
	reply(f, &m, NULL);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia);
	ia_addr(&ia, &a);
	assert_memory_equal(a.addr, resv[0].addr, 16);
	assert_string_equal(f->out.changes[0].lease.hostname, "printer");
}

static void decline_puts_address_on_probation(void **state)
{
	struct fx *f = *state;
	const struct ia_spec na[] = { { NP_DHCP6_OPT_IA_NA, 1, NULL, 0 } };
	struct ia_spec dec[] = { { NP_DHCP6_OPT_IA_NA, 1, "20010db8000100000000000000000100", 0 } };
	struct np_dhcp6 m;
	struct np_dhcp6_ia ia;
	uint8_t addr[16];

	assert_int_equal(run_built(f, NP_DHCP6_REQUEST, duid_a, sizeof(duid_a), na, 1, NOW), 0);
	memcpy(addr, f->out.changes[0].lease.addr, 16);
	assert_int_equal(run_built(f, NP_DHCP6_DECLINE, duid_a, sizeof(duid_a), dec, 1, NOW + 1), 0);
	reply(f, &m, NULL);
	assert_int_equal(status_in(m.options, m.options_len), NP_DHCP6_STATUS_SUCCESS);
	assert_int_equal(lease6_by_addr(f->lt, LEASE6_NA, addr)->state, LEASE_DECLINED);
	/* the pool's one address rests: nobody gets it */
	assert_int_equal(run_built(f, NP_DHCP6_REQUEST, duid_b, sizeof(duid_b), na, 1, NOW + 2), 0);
	reply(f, &m, NULL);
	nth_ia(&m, NP_DHCP6_OPT_IA_NA, 0, &ia);
	assert_int_equal(status_in(ia.options, ia.options_len), NP_DHCP6_STATUS_NO_ADDRS_AVAIL);
	/* after the probation it is free again */
	assert_int_equal(engine6_expire(f->e, NOW + 1 + 86400, 0, NULL, NULL), 1);
	assert_null(lease6_by_addr(f->lt, LEASE6_NA, addr));
}

static void expiry_then_forgotten(void **state)
{
	struct fx *f = *state;
	const struct ia_spec na[] = { { NP_DHCP6_OPT_IA_NA, 1, NULL, 0 } };
	uint8_t addr[16];

	assert_int_equal(run_built(f, NP_DHCP6_REQUEST, duid_a, sizeof(duid_a), na, 1, NOW), 0);
	memcpy(addr, f->out.changes[0].lease.addr, 16);
	assert_int_equal(engine6_expire(f->e, NOW + 3999, 0, NULL, NULL), 0);
	assert_int_equal(engine6_expire(f->e, NOW + 4000, 0, NULL, NULL), 1);
	assert_int_equal(lease6_by_addr(f->lt, LEASE6_NA, addr)->state, LEASE_EXPIRED);
	/* the same client comes back within the remember time: the same address */
	assert_int_equal(run_built(f, NP_DHCP6_REQUEST, duid_a, sizeof(duid_a), na, 1, NOW + 4100), 0);
	assert_memory_equal(f->out.changes[0].lease.addr, addr, 16);
	assert_int_equal(engine6_expire(f->e, NOW + 4100 + 4000, 0, NULL, NULL), 1);
	assert_int_equal(engine6_expire(f->e, NOW + 4100 + 4000 + 600, 0, NULL, NULL), 1);
	assert_null(lease6_by_addr(f->lt, LEASE6_NA, addr));
}

static void lease_value_round_trip(void **state)
{
	struct fx *f = *state;
	const struct ia_spec ias[] = { { NP_DHCP6_OPT_IA_NA, 1, NULL, 0 },
				       { NP_DHCP6_OPT_IA_PD, 2, NULL, 0 } };
	struct lease6_table *t = lease6_table_new();
	struct lease6_data d;

	assert_int_equal(run_built(f, NP_DHCP6_REQUEST, duid_a, sizeof(duid_a), ias, 2, NOW), 0);
	for (size_t i = 0; i < f->out.nchanges; i++)
		assert_int_equal(lease6_apply(t, &f->out.changes[i].lease), 0);
	assert_int_equal(lease6_count(t), 2);
	lease6_get(lease6_by_addr(t, LEASE6_PD, f->out.changes[1].lease.addr), &d);
	assert_memory_equal(&d, &f->out.changes[1].lease, sizeof(d));
	lease6_table_free(t);
}

static void bad_config_refused(void **state)
{
	struct lease6_table *t = lease6_table_new();
	struct engine6 *e = NULL;
	struct engine6_pool outside;

	(void)state;
	read_server_duid();
	configure("20010db80001000000000000000001ff");
	addr6("20010db8000200000000000000000001", outside.first);
	addr6("20010db8000200000000000000000009", outside.last);
	subnets[0].pools = &outside;                /* a pool outside its subnet */
	assert_int_equal(engine6_new(&cfg, t, &e), -EINVAL);
	configure("20010db80001000000000000000001ff");
	cfg.server_duid_len = 0;                    /* no server DUID */
	assert_int_equal(engine6_new(&cfg, t, &e), -EINVAL);
	lease6_table_free(t);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(dhclient_solicit_gets_advertise),
		T(dhclient_request_binds_and_waits_for_commit),
		T(dhclient_renew_extends),
		T(renew_without_binding_is_nobinding),
		T(dhclient_release_frees),
		T(release_without_binding_is_nobinding),
		T(dhclient_inforeq_gets_options),
		T(dhcpcd_solicit_gets_address_and_prefix),
		cmocka_unit_test_setup_teardown(dhcpcd_rapid_commit_binds_both, setup_rapid, teardown),
		T(dhcpcd_request_binds_both),
		T(relayed_solicit_answered_through_relay),
		T(relay_interface_id_echoed),
		T(eight_relays_answered_nine_dropped),
		T(malformed_counted_and_dropped),
		T(unicast_request_gets_use_multicast),
		T(unicast_solicit_dropped),
		T(request_for_another_server_dropped),
		T(solicit_without_client_id_dropped),
		T(several_ias_get_different_addresses),
		cmocka_unit_test_setup_teardown(pool_exhausted_no_addrs_avail, setup_tiny, teardown),
		cmocka_unit_test_setup_teardown(released_address_reused_after_fresh_ones, setup_tiny,
						teardown),
		T(request_off_link_not_on_link),
		T(confirm_on_and_off_link),
		T(rebind_off_link_gets_zero_lifetimes),
		T(reservation_by_duid),
		cmocka_unit_test_setup_teardown(decline_puts_address_on_probation, setup_tiny, teardown),
		T(expiry_then_forgotten),
		T(lease_value_round_trip),
		cmocka_unit_test(bad_config_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
