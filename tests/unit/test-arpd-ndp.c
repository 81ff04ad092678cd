/*
 * test-arpd-ndp.c: np-arpd's Neighbor Discovery policy (responder6.c,
 * table6.c).  The solicitation is ndisc6's, captured on a veth; the
 * advertisement it must produce is the Linux kernel's answer to the same
 * frame for an address it holds, byte for byte.  Then one field at a time
 * for DAD, proxy entries, unused_only, conflicts and every malformed case.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/csum.h>
#include <netproto/error.h>
#include <netproto/ether.h>
#include <netproto/icmp6.h>
#include <netproto/ipv6.h>

#include "responder.h"
#include "table.h"
#include "table6.h"
#include "testutil.h"

/* ndisc6 on a (fe80::a, 02:..:0a) asks for 2001:db8::10, held by b (02:..:0b). */
static const char ns_hex[] =
	"3333ff000010 02000000000a 86dd 600a8a41 0020 3a ff"
	"fe80000000000000000000000000000a ff0200000000000000000001ff000010"
	"87 00 4b31 00000000 20010db8000000000000000000000010 0101 02000000000a";
/* Linux 6.x's answer (ndisc_send_na): from the target, Solicited and Override. */
static const char na_hex[] =
	"02000000000a 02000000000b 86dd 60000000 0020 3a ff"
	"20010db8000000000000000000000010 fe80000000000000000000000000000a"
	"88 00 b97b 60000000 20010db8000000000000000000000010 0201 02000000000b";

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t mac_v[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };

struct fix {
	struct arpd_table t;
	struct arpd_table6 t6;
	struct arpd_responder r;
	uint8_t in[160], out[ARPD_FRAME_MAX];
	size_t in_len;
	struct arpd_result res;
};

static void addr6(const char *text, uint8_t a[16])
{
	assert_int_equal(np_ipv6_addr_parse(text, a), 0);
}

/*
 * b answers for 2001:db8::10 (own MAC), 2001:db8:1::/64 as a proxy (a
 * virtual MAC), 2001:db8:1::5 owned inside it, and 2001:db8::20
 * (unused_only).
 */
static int setup(void **state)
{
	static struct fix f;
	uint8_t a[16];
	int v;

	memset(&f, 0, sizeof(f));
	assert_int_equal(arpd_table_init(&f.t, 1), 0);
	v = arpd_table_mac(&f.t, mac_v);
	assert_int_equal(v, 1);
	assert_int_equal(arpd_table6_init(&f.t6, 3), 0);
	addr6("2001:db8::10", a);
	assert_int_equal(arpd_table6_add(&f.t6, a, ARPD_MAC_IFACE, 0), 0);
	addr6("2001:db8:1::", a);
	assert_int_equal(arpd_table6_add_prefix(&f.t6, a, 64, (uint16_t)v, ARPD_SLOT_PROXY), 0);
	addr6("2001:db8:1::5", a);
	assert_int_equal(arpd_table6_add(&f.t6, a, ARPD_MAC_IFACE, 0), 0);
	addr6("2001:db8::20", a);
	assert_int_equal(arpd_table6_add(&f.t6, a, ARPD_MAC_IFACE, ARPD_SLOT_UNUSED_ONLY), 0);
	arpd_responder_init(&f.r, &f.t, mac_b, false);
	f.r.table6 = &f.t6;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	arpd_table_free(&f->t);
	arpd_table6_free(&f->t6);
	return 0;
}

static enum arpd_verdict run(struct fix *f, uint64_t now)
{
	return arpd_handle(&f->r, f->in, f->in_len, now, f->out, sizeof(f->out), &f->res);
}

/*
 * Build an ND frame from a into f->in: Ethernet to dmac, IPv6 from src to
 * dst with hop limit hl, the message with a source (NS) or target (NA)
 * link-layer address option of mac_a unless lla is false.
 */
static void frame(struct fix *f, uint8_t type, const char *src, const char *dst,
		  const char *target, uint8_t hl, uint8_t flags, bool lla)
{
	struct np_ether e = { .ethertype = NP_ETHERTYPE_IPV6 };
	struct np_ipv6 ip = { .hop_limit = hl, .upper = NP_IPPROTO_ICMPV6 };
	struct np_ndp nd = { .type = type, .flags = flags };
	uint8_t opt[8] = { type == NP_ICMP6_ND_NEIGHBOR_SOLICIT ? NP_NDP_OPT_SLLA : NP_NDP_OPT_TLLA,
			   1, 0x02, 0, 0, 0, 0, 0x0a };
	int n;

	addr6(src, ip.src);
	addr6(dst, ip.dst);
	addr6(target, nd.target);
	if (lla) {
		nd.opts = opt;
		nd.opts_len = 8;
	}
	memcpy(e.src, mac_a, 6);
	memcpy(e.dst, np_ipv6_addr_is_multicast(ip.dst) ? (const uint8_t[6]){ 0x33, 0x33, 0xff,
	       ip.dst[13], ip.dst[14], ip.dst[15] } : mac_b, 6);
	n = np_ndp_build(&nd, ip.src, ip.dst, f->in + 54, sizeof(f->in) - 54);
	assert_true(n > 0);
	ip.payload = f->in + 54;
	ip.payload_len = (size_t)n;
	n = np_ipv6_build(&ip, f->in + 14, sizeof(f->in) - 14);
	assert_true(n > 0);
	e.payload = f->in + 14;
	e.payload_len = (size_t)n;
	n = np_ether_build(&e, f->in, sizeof(f->in));
	assert_true(n > 0);
	f->in_len = (size_t)n;
}

static void ns(struct fix *f, const char *src, const char *target)
{
	char snm_text[NP_IPV6_ADDR_TEXT_LEN];
	uint8_t t[16], snm[16];

	addr6(target, t);
	np_ipv6_solicited_node(t, snm);
	np_ipv6_addr_to_text(snm, snm_text);
	frame(f, NP_ICMP6_ND_NEIGHBOR_SOLICIT, src, snm_text, target, 255, 0,
	      strcmp(src, "::") != 0);
}

/* The reply's parts: Ethernet, IPv6 and the NA, checksum verified. */
static void parse_reply(const struct fix *f, struct np_ether *e, struct np_ipv6 *ip,
			struct np_ndp *nd)
{
	struct np_icmp6 m;

	assert_true(f->res.len > 0);
	assert_int_equal(np_ether_parse(f->out, f->res.len, e), 0);
	assert_int_equal(np_ipv6_parse(e->payload, e->payload_len, ip), 0);
	assert_int_equal(ip->hop_limit, 255);
	assert_int_equal(np_icmp6_parse(ip->payload, ip->payload_len, ip->src, ip->dst, &m), 0);
	assert_int_equal(np_ndp_parse(&m, nd), 0);
	assert_int_equal(nd->type, NP_ICMP6_ND_NEIGHBOR_ADVERT);
}

static void expect_target_lla(const struct np_ndp *nd, const uint8_t mac[6])
{
	struct np_ndp_opt o;

	assert_int_equal(np_ndp_opt_find(nd, NP_NDP_OPT_TLLA, &o), 0);
	assert_int_equal(o.data_len, 6);
	assert_memory_equal(o.data, mac, 6);
}

/* ndisc6's solicitation: the kernel's advertisement, byte for byte. */
static void test_kernel_answer(void **state)
{
	struct fix *f = *state;
	uint8_t want[128];
	size_t want_len = np_test_hex(na_hex, want, sizeof(want));

	f->in_len = np_test_hex(ns_hex, f->in, sizeof(f->in));
	assert_int_equal(run(f, 1), ARPD_NA_SENT);
	assert_int_equal(f->res.len, want_len);
	assert_memory_equal(f->out, want, want_len);
	assert_int_equal(f->r.stats.verdict[ARPD_NA_SENT], 1);
	assert_int_equal(f->r.stats.solicits, 1);
}

/* RFC 4861 §7.2.4: to a DAD probe, all-nodes, Solicited clear (RFC 4862 §5.4.3). */
static void test_dad_defended(void **state)
{
	struct fix *f = *state;
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	struct np_ether e;
	struct np_ipv6 ip;
	struct np_ndp nd;
	uint8_t want[16];

	ns(f, "::", "2001:db8::10");
	assert_int_equal(run(f, 1), ARPD_NA_DAD_SENT);
	parse_reply(f, &e, &ip, &nd);
	assert_memory_equal(e.dst, all_nodes_mac, 6);
	assert_memory_equal(e.src, mac_b, 6);
	addr6("ff02::1", want);
	assert_memory_equal(ip.dst, want, 16);
	addr6("2001:db8::10", want);
	assert_memory_equal(ip.src, want, 16);
	assert_memory_equal(nd.target, want, 16);
	assert_int_equal(nd.flags, NP_NDP_NA_OVERRIDE);
	expect_target_lla(&nd, mac_b);
}

/* §7.2.8: a proxy entry answers with Override clear; a longer entry wins. */
static void test_proxy_prefix(void **state)
{
	struct fix *f = *state;
	struct np_ether e;
	struct np_ipv6 ip;
	struct np_ndp nd;

	ns(f, "2001:db8::2", "2001:db8:1::abcd");
	assert_int_equal(run(f, 1), ARPD_NA_SENT);
	parse_reply(f, &e, &ip, &nd);
	assert_int_equal(nd.flags, NP_NDP_NA_SOLICITED);
	assert_memory_equal(e.dst, mac_a, 6);
	expect_target_lla(&nd, mac_v);

	ns(f, "2001:db8::2", "2001:db8:1::5");
	assert_int_equal(run(f, 1), ARPD_NA_SENT);
	parse_reply(f, &e, &ip, &nd);
	assert_int_equal(nd.flags, NP_NDP_NA_SOLICITED | NP_NDP_NA_OVERRIDE);
	expect_target_lla(&nd, mac_b);

	f->r.router = true;
	ns(f, "2001:db8::2", "2001:db8::10");
	assert_int_equal(run(f, 1), ARPD_NA_SENT);
	parse_reply(f, &e, &ip, &nd);
	assert_int_equal(nd.flags, NP_NDP_NA_ROUTER | NP_NDP_NA_SOLICITED | NP_NDP_NA_OVERRIDE);

	ns(f, "2001:db8::2", "2001:db8:2::1");
	assert_int_equal(run(f, 1), ARPD_NDP_NOT_OURS);
	assert_int_equal(f->res.len, 0);
	ns(f, "2001:db8::2", "2001:db8::11");
	assert_int_equal(run(f, 1), ARPD_NDP_NOT_OURS);
}

/* RFC 4861 §7.1.1, one violation at a time: counted by reason, never answered. */
static void test_malformed(void **state)
{
	struct fix *f = *state;
	size_t icmp = 54;

	ns(f, "2001:db8::2", "2001:db8::10");
	f->in[21] = 64;                                   /* hop limit, forwarded */
	assert_int_equal(run(f, 1), ARPD_NDP_HOP_LIMIT);

	ns(f, "2001:db8::2", "2001:db8::10");
	f->in[icmp + 2] ^= 0x55;                          /* checksum */
	assert_int_equal(run(f, 1), ARPD_NDP_CHECKSUM);

	ns(f, "2001:db8::2", "2001:db8::10");
	f->in[icmp + 25] = 0;                             /* option length 0 */
	f->in[icmp + 2] = f->in[icmp + 3] = 0;
	{
		struct np_ipv6 ip;
		uint16_t c;

		assert_int_equal(np_ipv6_parse(f->in + 14, f->in_len - 14, &ip), 0);
		c = np_csum_finish(np_csum_add(np_csum_pseudo6(ip.src, ip.dst, 58, 32),
					       f->in + icmp, 32));
		f->in[icmp + 2] = (uint8_t)(c >> 8);
		f->in[icmp + 3] = (uint8_t)c;
	}
	assert_int_equal(run(f, 1), ARPD_NDP_BAD_OPTION);

	ns(f, "2001:db8::2", "2001:db8::10");
	f->in_len -= 10;                                  /* truncated */
	assert_int_equal(run(f, 1), ARPD_NDP_MALFORMED);

	frame(f, NP_ICMP6_ND_NEIGHBOR_SOLICIT, "::", "ff02::1:ff00:10", "2001:db8::10", 255, 0,
	      true);                                      /* DAD probe with an SLLA */
	assert_int_equal(run(f, 1), ARPD_NDP_MALFORMED);

	frame(f, NP_ICMP6_ND_NEIGHBOR_SOLICIT, "2001:db8::2", "ff02::1:ff00:10", "ff02::1",
	      255, 0, true);                              /* multicast target */
	assert_int_equal(run(f, 1), ARPD_NDP_MALFORMED);

	ns(f, "2001:db8::2", "2001:db8::10");
	f->in[6] = 0x01;                                  /* multicast source MAC */
	assert_int_equal(run(f, 1), ARPD_NDP_BAD_SENDER);

	assert_int_equal(f->r.stats.verdict[ARPD_NA_SENT], 0);
	assert_int_equal(f->r.stats.verdict[ARPD_NDP_MALFORMED], 3);
	for (size_t i = 1; i < 12; i++) {              /* every shorter cut */
		ns(f, "2001:db8::2", "2001:db8::10");
		f->in_len = i * 7;
		assert_int_not_equal(run(f, 1), ARPD_NA_SENT);
		assert_int_equal(f->res.len, 0);
	}
}

/* unused_only: a DAD probe decides, and other hosts' traffic marks it used. */
static void test_unused_only(void **state)
{
	struct fix *f = *state;
	uint8_t a[16];
	struct arpd_slot6 *s;

	addr6("2001:db8::20", a);
	s = arpd_table6_find(&f->t6, a);
	assert_non_null(s);
	ns(f, "2001:db8::2", "2001:db8::20");
	assert_int_equal(run(f, 1), ARPD_NDP_IN_USE);

	arpd_probe6_start(s);
	arpd_probe6_expire(s);                            /* nobody answered */
	assert_int_equal(s->state, ARPD_STATE_FREE);
	ns(f, "2001:db8::2", "2001:db8::20");
	assert_int_equal(run(f, 1), ARPD_NA_SENT);

	arpd_probe6_start(s);                             /* the owner answers the probe */
	frame(f, NP_ICMP6_ND_NEIGHBOR_ADVERT, "2001:db8::20", "ff02::1", "2001:db8::20", 255,
	      NP_NDP_NA_OVERRIDE, true);
	assert_int_equal(run(f, 1), ARPD_NDP_PROBE_ANSWER);
	assert_int_equal(s->state, ARPD_STATE_USED);
	ns(f, "2001:db8::2", "2001:db8::20");
	assert_int_equal(run(f, 1), ARPD_NDP_IN_USE);

	s->state = ARPD_STATE_FREE;                       /* a host's own DAD claims it */
	ns(f, "::", "2001:db8::20");
	assert_int_equal(run(f, 1), ARPD_NDP_CLAIMED);
	assert_int_equal(s->state, ARPD_STATE_USED);
	assert_int_equal(f->res.len, 0);
}

/* An NA for an owned address from another MAC: defended once per 10 s. */
static void test_conflict(void **state)
{
	struct fix *f = *state;
	struct np_ether e;
	struct np_ipv6 ip;
	struct np_ndp nd;

	frame(f, NP_ICMP6_ND_NEIGHBOR_ADVERT, "2001:db8::10", "ff02::1", "2001:db8::10", 255,
	      NP_NDP_NA_OVERRIDE, true);
	assert_int_equal(run(f, 1), ARPD_NDP_CONFLICT);   /* defend off */
	f->r.defend = true;
	assert_int_equal(run(f, 1000000), ARPD_NDP_DEFEND);
	parse_reply(f, &e, &ip, &nd);
	assert_int_equal(nd.flags, NP_NDP_NA_OVERRIDE);
	expect_target_lla(&nd, mac_b);
	assert_int_equal(run(f, 5000000), ARPD_NDP_CONFLICT);
	assert_int_equal(run(f, 12000000), ARPD_NDP_DEFEND);
	/* The owner of a proxied address advertising it is no conflict. */
	frame(f, NP_ICMP6_ND_NEIGHBOR_ADVERT, "2001:db8:1::7", "ff02::1", "2001:db8:1::7", 255,
	      NP_NDP_NA_OVERRIDE, true);
	assert_int_equal(run(f, 1), ARPD_NDP_NOT_SOLICIT);
}

/* The frames the I/O layer sends on its own. */
static void test_unsolicited_and_probe(void **state)
{
	struct fix *f = *state;
	uint8_t a[16], snm[16];
	struct np_ether e;
	struct np_ipv6 ip;
	struct np_icmp6 m;
	struct np_ndp nd;
	int n;

	(void)f;
	addr6("2001:db8::10", a);
	n = arpd_unsolicited_na_frame(mac_b, a, true, false, f->out, sizeof(f->out));
	assert_int_equal(n, 86);
	f->res.len = (size_t)n;
	parse_reply(f, &e, &ip, &nd);
	assert_int_equal(nd.flags, NP_NDP_NA_OVERRIDE);
	assert_int_equal(np_ndp_check_ip(&ip, &nd), 0);

	n = arpd_dad_probe_frame(mac_b, a, f->out, sizeof(f->out));
	assert_int_equal(n, 78);
	assert_int_equal(np_ether_parse(f->out, (size_t)n, &e), 0);
	assert_int_equal(np_ipv6_parse(e.payload, e.payload_len, &ip), 0);
	assert_true(np_ipv6_addr_is_unspecified(ip.src));
	np_ipv6_solicited_node(a, snm);
	assert_memory_equal(ip.dst, snm, 16);
	assert_int_equal(np_icmp6_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &m), 0);
	assert_int_equal(np_ndp_parse(&m, &nd), 0);
	assert_int_equal(np_ndp_check_ip(&ip, &nd), 0);   /* a valid DAD probe */
}

/* The table: longest prefix first, duplicates and host bits refused. */
static void test_table6(void **state)
{
	struct arpd_table6 t;
	struct arpd_slot6 tmp;
	const struct arpd_slot6 *s;
	uint8_t a[16];

	(void)state;
	assert_int_equal(arpd_table6_init(&t, 2), 0);
	addr6("2001:db8::", a);
	assert_int_equal(arpd_table6_add_prefix(&t, a, 32, 1, 0), 0);
	assert_int_equal(arpd_table6_add_prefix(&t, a, 48, 2, 0), 0);
	assert_int_equal(arpd_table6_add_prefix(&t, a, 48, 2, 0), -EEXIST);
	addr6("2001:db8::1", a);
	assert_int_equal(arpd_table6_add_prefix(&t, a, 64, 2, 0), -EINVAL);
	assert_int_equal(arpd_table6_add(&t, a, 3, 0), 0);
	assert_int_equal(arpd_table6_add(&t, a, 3, 0), -EEXIST);
	addr6("2001:db8::2", a);
	assert_int_equal(arpd_table6_add(&t, a, 3, 0), 0);
	addr6("2001:db8::3", a);
	assert_int_equal(arpd_table6_add(&t, a, 3, 0), -ENOSPC);
	s = arpd_table6_lookup(&t, a, &tmp);
	assert_non_null(s);
	assert_int_equal(s->mac, 2);                      /* the /48, not the /32 */
	addr6("2001:db8:1::3", a);
	assert_int_equal(arpd_table6_lookup(&t, a, &tmp)->mac, 1);
	addr6("2001:db8::1", a);
	assert_int_equal(arpd_table6_lookup(&t, a, &tmp)->mac, 3);
	addr6("2001:db9::1", a);
	assert_null(arpd_table6_lookup(&t, a, &tmp));
	arpd_table6_free(&t);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_kernel_answer),
		T(test_dad_defended),
		T(test_proxy_prefix),
		T(test_malformed),
		T(test_unused_only),
		T(test_conflict),
		T(test_unsolicited_and_probe),
		cmocka_unit_test(test_table6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
