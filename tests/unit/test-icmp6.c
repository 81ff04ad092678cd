/*
 * test-icmp6.c: ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861, RFC
 * 8106) against the kernel, ndisc6, rdisc6 and radvd, and hand-made
 * malformed messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include <netproto/buf.h>
#include <netproto/csum.h>
#include <netproto/dns.h>
#include <netproto/error.h>
#include <netproto/ether.h>
#include <netproto/icmp6.h>
#include <netproto/ipv6.h>

#include "testutil.h"

static const char *const captures[] = {
	"icmp6-echo-request-kernel.hex", "icmp6-echo-reply-kernel.hex",
	"icmp6-port-unreachable-kernel.hex", "icmp6-time-exceeded-kernel.hex",
	"icmp6-packet-too-big-kernel.hex", "icmp6-param-problem-kernel.hex",
	"icmp6-echo-reply-rthdr0-kernel.hex", "ipv6-hbh-mld-kernel.hex", "ndp-ns-dad-kernel.hex",
	"ndp-ns-kernel.hex", "ndp-na-kernel.hex", "ndp-ns-ndisc6.hex", "ndp-na-ndisc6-reply-kernel.hex",
	"ndp-na-nolla-kernel.hex", "ndp-rs-kernel.hex", "ndp-rs-rdisc6.hex", "ndp-ra-radvd.hex",
	"ndp-ra-solicited-radvd.hex", "ndp-redirect-kernel.hex",
};

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0x0b };
static const uint8_t mac_r[6] = { 2, 0, 0, 0, 0, 0x0c };

struct capture {
	uint8_t frame[1600];
	struct np_ipv6 ip;
	uint8_t *msg;                /* the ICMPv6 message, writable */
	size_t len;
};

static void addr_from(const char *text, uint8_t a[16])
{
	assert_int_equal(np_ipv6_addr_parse(text, a), 0);
}

/* Load a captured frame and parse down to the ICMPv6 message. */
static void load(const char *name, struct capture *c, struct np_icmp6 *m)
{
	size_t len = np_test_load_hex(name, c->frame, sizeof(c->frame));
	struct np_ether e;

	assert_int_equal(np_ether_parse(c->frame, len, &e), 0);
	assert_int_equal(e.ethertype, NP_ETHERTYPE_IPV6);
	assert_int_equal(np_ipv6_parse(e.payload, e.payload_len, &c->ip), 0);
	assert_int_equal(c->ip.upper, NP_IPPROTO_ICMPV6);
	c->msg = c->frame + NP_ETHER_HDR_LEN + NP_IPV6_HDR_LEN + c->ip.ext_len;
	assert_ptr_equal(c->msg, c->ip.payload);
	c->len = c->ip.payload_len;
	assert_int_equal(np_icmp6_parse(c->msg, c->len, c->ip.src, c->ip.dst, m), 0);
}

/* Recompute the checksum of a message changed by hand. */
static void fix_csum(struct capture *c)
{
	np_store_be16(c->msg + 2, 0);
	np_store_be16(c->msg + 2, np_csum_finish(np_csum_add(
		np_csum_pseudo6(c->ip.src, c->ip.dst, NP_IPPROTO_ICMPV6, (uint32_t)c->len), c->msg, c->len)));
}

static void parses_kernel_echo(void **state)
{
	struct capture req, rep;
	struct np_icmp6 m, r;

	(void)state;
	load("icmp6-echo-request-kernel.hex", &req, &m);
	assert_int_equal(m.type, NP_ICMP6_ECHO_REQUEST);
	assert_int_equal(m.code, 0);
	assert_int_equal(m.id, 13084);
	assert_int_equal(m.seq, 1);
	assert_int_equal(m.data_len, 56);
	assert_false(np_icmp6_is_error(m.type));
	load("icmp6-echo-reply-kernel.hex", &rep, &r);
	assert_int_equal(r.type, NP_ICMP6_ECHO_REPLY);
	assert_int_equal(r.id, m.id);
	assert_int_equal(r.seq, m.seq);
	assert_memory_equal(r.data, m.data, m.data_len);
}

static void rejects_bad_checksum_and_truncation(void **state)
{
	struct capture c;
	struct np_icmp6 m;

	(void)state;
	load("icmp6-echo-request-kernel.hex", &c, &m);
	/* The pseudo-header counts: the same bytes from another source do not verify. */
	assert_int_equal(np_icmp6_parse(c.msg, c.len, c.ip.dst, c.ip.dst, &m), NP_ECSUM);
	c.msg[20] ^= 1;
	assert_int_equal(np_icmp6_parse(c.msg, c.len, c.ip.src, c.ip.dst, &m), NP_ECSUM);
	assert_int_equal(np_icmp6_parse_nocsum(c.msg, c.len, &m), 0);
	assert_int_equal(np_icmp6_parse(c.msg, 7, c.ip.src, c.ip.dst, &m), NP_ETRUNC);
	assert_int_equal(np_icmp6_parse_nocsum(c.msg, 0, &m), NP_ETRUNC);
}

static void parses_port_unreachable_quote(void **state)
{
	struct np_icmp6_quote q;
	struct capture c;
	struct np_icmp6 m;
	uint8_t a[16];

	(void)state;
	load("icmp6-port-unreachable-kernel.hex", &c, &m);
	assert_int_equal(m.type, NP_ICMP6_DEST_UNREACH);
	assert_int_equal(m.code, NP_ICMP6_UNREACH_PORT);
	assert_true(np_icmp6_is_error(m.type));
	assert_int_equal(np_icmp6_quote_parse(&m, &q), 0);
	addr_from("fd77::1", a);
	assert_memory_equal(q.ip.src, a, 16);
	assert_int_equal(q.ip.upper, NP_IPPROTO_UDP);
	assert_true(q.has_ports);
	assert_int_equal(q.sport, 60170);
	assert_int_equal(q.dport, 53);
	/* A quote too short for an IPv6 header. */
	m.data_len = 39;
	assert_int_equal(np_icmp6_quote_parse(&m, &q), NP_ETRUNC);
}

static void parses_router_errors(void **state)
{
	struct np_icmp6_quote q;
	struct capture c;
	struct np_icmp6 m;

	(void)state;
	load("icmp6-time-exceeded-kernel.hex", &c, &m);
	assert_int_equal(m.type, NP_ICMP6_TIME_EXCEEDED);
	assert_int_equal(m.code, NP_ICMP6_TIMX_HOPLIMIT);
	assert_int_equal(np_icmp6_quote_parse(&m, &q), 0);
	assert_int_equal(q.ip.hop_limit, 1);
	assert_int_equal(q.ip.upper, NP_IPPROTO_ICMPV6);
	assert_false(q.has_ports);

	/* Packet too big: the quote is cut to fit 1280 octets (RFC 4443 §3.2). */
	load("icmp6-packet-too-big-kernel.hex", &c, &m);
	assert_int_equal(m.type, NP_ICMP6_PACKET_TOO_BIG);
	assert_int_equal(np_icmp6_mtu(&m), 1280);
	assert_int_equal(NP_IPV6_HDR_LEN + NP_ICMP6_HDR_LEN + m.data_len, NP_IPV6_MIN_MTU);
	assert_int_equal(np_icmp6_quote_parse(&m, &q), 0);
	assert_int_equal(q.ip.plen, 1408);
	assert_int_equal(q.ip.payload_len, 1232 - 40);

	load("icmp6-param-problem-kernel.hex", &c, &m);
	assert_int_equal(m.type, NP_ICMP6_PARAM_PROBLEM);
	assert_int_equal(m.code, NP_ICMP6_PARAM_NEXTHDR);
	assert_int_equal(np_icmp6_pointer(&m), 6);    /* the next header field */
	assert_int_equal(np_icmp6_quote_parse(&m, &q), 0);
	assert_int_equal(q.ip.upper, 253);

	load("icmp6-echo-request-kernel.hex", &c, &m);
	assert_int_equal(np_icmp6_quote_parse(&m, &q), NP_ETYPE);
}

/* parse -> build gives every captured message back byte for byte. */
static void round_trip_captures(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		uint8_t out[1600];
		struct capture c;
		struct np_icmp6 m, b;
		struct np_ndp nd;
		int n;

		load(captures[i], &c, &m);
		n = np_icmp6_build(&m, c.ip.src, c.ip.dst, out, sizeof(out));
		assert_int_equal(n, c.len);
		assert_memory_equal(out, c.msg, c.len);
		assert_int_equal(np_icmp6_parse(out, (size_t)n, c.ip.src, c.ip.dst, &b), 0);
		assert_int_equal(np_icmp6_build(&m, c.ip.src, c.ip.dst, out, c.len - 1), NP_ENOSPC);
		if (np_ndp_parse(&m, &nd) == NP_ETYPE)
			continue;
		assert_int_equal(np_ndp_parse(&m, &nd), 0);
		assert_int_equal(np_ndp_check_ip(&c.ip, &nd), 0);
		n = np_ndp_build(&nd, c.ip.src, c.ip.dst, out, sizeof(out));
		assert_int_equal(n, c.len);
		assert_memory_equal(out, c.msg, c.len);
	}
}

/* ---- Neighbor Discovery ---------------------------------------------- */

static void parse_nd(const char *name, struct capture *c, struct np_ndp *nd)
{
	struct np_icmp6 m;

	load(name, c, &m);
	assert_int_equal(np_ndp_parse(&m, nd), 0);
	assert_int_equal(np_ndp_check_ip(&c->ip, nd), 0);
	assert_int_equal(c->ip.hop_limit, 255);
}

static void parses_neighbor_solicitations(void **state)
{
	struct np_ndp_opt o;
	struct capture c;
	struct np_ndp nd;
	uint8_t a[16];

	(void)state;
	parse_nd("ndp-ns-kernel.hex", &c, &nd);
	assert_int_equal(nd.type, NP_ICMP6_ND_NEIGHBOR_SOLICIT);
	addr_from("fd77::2", a);
	assert_memory_equal(nd.target, a, 16);
	assert_int_equal(nd.opts_len, 8);
	assert_int_equal(np_ndp_opt_find(&nd, NP_NDP_OPT_SLLA, &o), 0);
	assert_int_equal(o.data_len, 6);
	assert_memory_equal(o.data, mac_a, 6);
	assert_int_equal(np_ndp_opt_find(&nd, NP_NDP_OPT_TLLA, &o), NP_ENOTFOUND);

	/* Duplicate address detection: from ::, to the solicited-node group, no SLLA. */
	parse_nd("ndp-ns-dad-kernel.hex", &c, &nd);
	assert_true(np_ipv6_addr_is_unspecified(c.ip.src));
	addr_from("fd77::1", a);
	assert_memory_equal(nd.target, a, 16);
	/* Linux sends a nonce (RFC 7527 §4.1, option 14) and, as it must, no SLLA. */
	assert_int_equal(nd.opts_len, 8);
	assert_int_equal(np_ndp_opt_find(&nd, 14, &o), 0);
	assert_int_equal(o.data_len, 6);
	assert_int_equal(np_ndp_opt_find(&nd, NP_NDP_OPT_SLLA, &o), NP_ENOTFOUND);

	parse_nd("ndp-ns-ndisc6.hex", &c, &nd);
	addr_from("fd77::1", a);
	assert_memory_equal(nd.target, a, 16);
	assert_int_equal(np_ndp_opt_find(&nd, NP_NDP_OPT_SLLA, &o), 0);
	assert_memory_equal(o.data, mac_b, 6);
}

static void parses_neighbor_advertisements(void **state)
{
	struct np_ndp_opt o;
	struct capture c;
	struct np_ndp nd;

	(void)state;
	parse_nd("ndp-na-kernel.hex", &c, &nd);
	assert_int_equal(nd.type, NP_ICMP6_ND_NEIGHBOR_ADVERT);
	assert_int_equal(nd.flags, NP_NDP_NA_SOLICITED | NP_NDP_NA_OVERRIDE);
	assert_int_equal(nd.reserved, 0);
	assert_int_equal(np_ndp_opt_find(&nd, NP_NDP_OPT_TLLA, &o), 0);
	assert_memory_equal(o.data, mac_b, 6);

	parse_nd("ndp-na-ndisc6-reply-kernel.hex", &c, &nd);
	assert_int_equal(np_ndp_opt_find(&nd, NP_NDP_OPT_TLLA, &o), 0);
	assert_memory_equal(o.data, mac_a, 6);

	/* The answer to a unicast probe: solicited, no override, no TLLA (RFC 4861 §7.2.4). */
	parse_nd("ndp-na-nolla-kernel.hex", &c, &nd);
	assert_int_equal(nd.flags, NP_NDP_NA_SOLICITED);
	assert_int_equal(nd.opts_len, 0);
}

static void parses_router_solicitations(void **state)
{
	struct np_ndp_opt o;
	struct capture c;
	struct np_ndp nd;

	(void)state;
	parse_nd("ndp-rs-kernel.hex", &c, &nd);
	assert_int_equal(nd.type, NP_ICMP6_ND_ROUTER_SOLICIT);
	assert_int_equal(np_ndp_opt_find(&nd, NP_NDP_OPT_SLLA, &o), 0);
	assert_memory_equal(o.data, mac_b, 6);
	parse_nd("ndp-rs-rdisc6.hex", &c, &nd);
	assert_int_equal(nd.opts_len, 0);
}

static void check_radvd_options(const struct np_ndp *nd)
{
	static const char *const names[] = { "lan.example.", "example.net." };
	struct np_ndp_prefix p;
	struct np_ndp_rdnss rd;
	struct np_ndp_dnssl dl;
	struct np_ndp_opt o;
	const uint8_t *name;
	char text[NP_DNS_NAME_TEXT_MAX];
	uint8_t a[16];
	uint32_t mtu;
	size_t pos = 0, n, i;

	assert_int_equal(np_ndp_opt_find(nd, NP_NDP_OPT_PREFIX, &o), 0);
	assert_int_equal(np_ndp_prefix_parse(&o, &p), 0);
	assert_int_equal(p.prefix_len, 64);
	assert_int_equal(p.flags, NP_NDP_PREFIX_ONLINK | NP_NDP_PREFIX_AUTO);
	assert_int_equal(p.valid_lifetime, 86400);
	assert_int_equal(p.preferred_lifetime, 14400);
	addr_from("fd77::", a);
	assert_memory_equal(p.prefix, a, 16);

	assert_int_equal(np_ndp_opt_find(nd, NP_NDP_OPT_RDNSS, &o), 0);
	assert_int_equal(np_ndp_rdnss_parse(&o, &rd), 0);
	assert_int_equal(rd.lifetime, 600);
	assert_int_equal(rd.count, 2);
	addr_from("fd77::53", a);
	assert_memory_equal(rd.addrs, a, 16);
	addr_from("fd77::54", a);
	assert_memory_equal(rd.addrs + 16, a, 16);

	assert_int_equal(np_ndp_opt_find(nd, NP_NDP_OPT_DNSSL, &o), 0);
	assert_int_equal(np_ndp_dnssl_parse(&o, &dl), 0);
	assert_int_equal(dl.lifetime, 600);
	for (i = 0; i < 2; i++) {
		assert_int_equal(np_ndp_dnssl_next(&dl, &pos, &name, &n), 1);
		assert_true(np_dns_name_to_text(name, n, text, sizeof(text)) > 0);
		assert_string_equal(text, names[i]);
	}
	assert_int_equal(np_ndp_dnssl_next(&dl, &pos, &name, &n), 0);

	assert_int_equal(np_ndp_opt_find(nd, NP_NDP_OPT_MTU, &o), 0);
	assert_int_equal(np_ndp_mtu_parse(&o, &mtu), 0);
	assert_int_equal(mtu, 1500);
	assert_int_equal(np_ndp_opt_find(nd, NP_NDP_OPT_SLLA, &o), 0);
	assert_memory_equal(o.data, mac_r, 6);
	/* A typed reader refuses another option's bytes. */
	assert_int_equal(np_ndp_mtu_parse(&o, &mtu), NP_ETYPE);
	assert_int_equal(np_ndp_prefix_parse(&o, &p), NP_ETYPE);
	assert_int_equal(np_ndp_rdnss_parse(&o, &rd), NP_ETYPE);
	assert_int_equal(np_ndp_dnssl_parse(&o, &dl), NP_ETYPE);
}

static void parses_radvd_router_advertisements(void **state)
{
	const char *const files[] = { "ndp-ra-radvd.hex", "ndp-ra-solicited-radvd.hex" };
	struct capture c;
	struct np_ndp nd;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		parse_nd(files[i], &c, &nd);
		assert_int_equal(nd.type, NP_ICMP6_ND_ROUTER_ADVERT);
		assert_true(np_ipv6_addr_is_link_local(c.ip.src));
		assert_int_equal(nd.cur_hop_limit, 64);
		assert_int_equal(nd.flags, 0);
		assert_int_equal(nd.router_lifetime, 300);
		assert_int_equal(nd.reachable_time, 0);
		assert_int_equal(nd.retrans_timer, 0);
		check_radvd_options(&nd);
	}
}

static void parses_kernel_redirect(void **state)
{
	struct np_ndp_opt o;
	struct np_ipv6 inner;
	struct capture c;
	struct np_ndp nd;
	const uint8_t *pkt;
	uint8_t a[16];
	size_t len;

	(void)state;
	parse_nd("ndp-redirect-kernel.hex", &c, &nd);
	assert_int_equal(nd.type, NP_ICMP6_ND_REDIRECT);
	/* The destination is on-link: target and destination are the same (RFC 4861 §4.5). */
	addr_from("fd77:1::2", a);
	assert_memory_equal(nd.target, a, 16);
	assert_memory_equal(nd.dest, a, 16);
	assert_int_equal(np_ndp_opt_find(&nd, NP_NDP_OPT_TLLA, &o), 0);
	assert_memory_equal(o.data, mac_b, 6);
	assert_int_equal(np_ndp_opt_find(&nd, NP_NDP_OPT_REDIRECTED, &o), 0);
	assert_int_equal(np_ndp_redirected_parse(&o, &pkt, &len), 0);
	assert_int_equal(np_ipv6_parse_quoted(pkt, len, &inner), 0);
	assert_memory_equal(inner.dst, a, 16);
	assert_int_equal(inner.upper, NP_IPPROTO_ICMPV6);
	assert_int_equal(inner.payload[0], NP_ICMP6_ECHO_REQUEST);
	assert_int_equal(np_ndp_redirected_parse(&(struct np_ndp_opt){ .type = NP_NDP_OPT_REDIRECTED,
				.data = pkt, .data_len = 5 }, &pkt, &len), NP_EOPT);
}

/* Malformed ND messages, hand-made from the captures. */
static void rejects_option_length_zero(void **state)
{
	struct capture c;
	struct np_icmp6 m;
	struct np_ndp nd;
	struct np_ndp_opt o;
	size_t pos = 0;

	(void)state;
	load("ndp-ns-kernel.hex", &c, &m);
	c.msg[24 + 1] = 0;                           /* the SLLA's length (RFC 4861 §4.6) */
	fix_csum(&c);
	assert_int_equal(np_icmp6_parse(c.msg, c.len, c.ip.src, c.ip.dst, &m), 0);
	assert_int_equal(np_ndp_parse(&m, &nd), NP_EOPT);
	assert_int_equal(np_ndp_opt_next(c.msg + 24, 8, &pos, &o), NP_EOPT);

	/* An option longer than the message. */
	load("ndp-ns-kernel.hex", &c, &m);
	c.msg[24 + 1] = 2;
	fix_csum(&c);
	assert_int_equal(np_icmp6_parse(c.msg, c.len, c.ip.src, c.ip.dst, &m), 0);
	assert_int_equal(np_ndp_parse(&m, &nd), NP_EOPT);
	/* A lone option type octet at the end. */
	load("ndp-ns-kernel.hex", &c, &m);
	m.data_len = 16 + 1;
	assert_int_equal(np_ndp_parse(&m, &nd), NP_EOPT);
}

static void rejects_bad_fixed_fields(void **state)
{
	struct capture c;
	struct np_icmp6 m;
	struct np_ndp nd;

	(void)state;
	load("ndp-ns-kernel.hex", &c, &m);
	m.code = 1;
	assert_int_equal(np_ndp_parse(&m, &nd), NP_EFORMAT);
	m.code = 0;
	m.data_len = 15;                             /* the target cut short */
	assert_int_equal(np_ndp_parse(&m, &nd), NP_ETRUNC);
	load("ndp-ns-kernel.hex", &c, &m);
	c.msg[8] = 0xff;                             /* a multicast target */
	assert_int_equal(np_ndp_parse(&m, &nd), NP_EFORMAT);
	load("ndp-ra-radvd.hex", &c, &m);
	m.data_len = 7;
	assert_int_equal(np_ndp_parse(&m, &nd), NP_ETRUNC);
	load("ndp-redirect-kernel.hex", &c, &m);
	m.data_len = 31;
	assert_int_equal(np_ndp_parse(&m, &nd), NP_ETRUNC);
	load("icmp6-echo-request-kernel.hex", &c, &m);
	assert_int_equal(np_ndp_parse(&m, &nd), NP_ETYPE);
}

static void checks_ip_header(void **state)
{
	struct capture c;
	struct np_icmp6 m;
	struct np_ndp nd;

	(void)state;
	load("ndp-ns-kernel.hex", &c, &m);
	assert_int_equal(np_ndp_parse(&m, &nd), 0);
	c.ip.hop_limit = 254;                        /* forwarded by a router */
	assert_int_equal(np_ndp_check_ip(&c.ip, &nd), NP_EFORMAT);
	/* Duplicate address detection with an SLLA, or not to the solicited-node group. */
	c.ip.hop_limit = 255;
	memset(c.ip.src, 0, 16);
	assert_int_equal(np_ndp_check_ip(&c.ip, &nd), NP_EFORMAT);
	load("ndp-ns-dad-kernel.hex", &c, &m);
	assert_int_equal(np_ndp_parse(&m, &nd), 0);
	c.ip.dst[15] ^= 1;
	assert_int_equal(np_ndp_check_ip(&c.ip, &nd), NP_EFORMAT);
	/* A router advertisement from a global address. */
	load("ndp-ra-radvd.hex", &c, &m);
	assert_int_equal(np_ndp_parse(&m, &nd), 0);
	addr_from("fd77::fe", c.ip.src);
	assert_int_equal(np_ndp_check_ip(&c.ip, &nd), NP_EFORMAT);
	/* A solicited advertisement to all nodes. */
	load("ndp-na-kernel.hex", &c, &m);
	assert_int_equal(np_ndp_parse(&m, &nd), 0);
	addr_from("ff02::1", c.ip.dst);
	assert_int_equal(np_ndp_check_ip(&c.ip, &nd), NP_EFORMAT);
	nd.flags &= (uint8_t)~NP_NDP_NA_SOLICITED;
	assert_int_equal(np_ndp_check_ip(&c.ip, &nd), 0);
}

static void rejects_malformed_options(void **state)
{
	uint8_t buf[64], bad[] = { 0, 0, 0, 0, 0, 0, 3, 'l', 'a', 'n', 0xc0, 0, 0, 0 };
	struct np_ndp_opt o = { .data = buf };
	struct np_ndp_prefix p;
	struct np_ndp_rdnss rd;
	struct np_ndp_dnssl dl;
	uint32_t mtu;

	(void)state;
	memset(buf, 0, sizeof(buf));
	o.type = NP_NDP_OPT_PREFIX;
	o.data_len = 30;
	buf[0] = 129;                                /* prefix length */
	assert_int_equal(np_ndp_prefix_parse(&o, &p), NP_EOPT);
	o.data_len = 22;
	buf[0] = 64;
	assert_int_equal(np_ndp_prefix_parse(&o, &p), NP_EOPT);
	o.type = NP_NDP_OPT_MTU;
	o.data_len = 14;
	assert_int_equal(np_ndp_mtu_parse(&o, &mtu), NP_EOPT);
	o.type = NP_NDP_OPT_RDNSS;
	o.data_len = 4 * 8 - 2;                      /* length 4: not 1 + 2n */
	assert_int_equal(np_ndp_rdnss_parse(&o, &rd), NP_EOPT);
	o.data_len = 6;                              /* length 1: no address */
	assert_int_equal(np_ndp_rdnss_parse(&o, &rd), NP_EOPT);
	/* DNSSL: a compression pointer (RFC 8106 §5.2 forbids them). */
	o.type = NP_NDP_OPT_DNSSL;
	o.data = bad;
	o.data_len = sizeof(bad);
	assert_int_equal(np_ndp_dnssl_parse(&o, &dl), NP_EOPT);
	/* A name that runs into the end of the option. */
	bad[10] = 5;
	assert_int_equal(np_ndp_dnssl_parse(&o, &dl), NP_EOPT);
	/* Padding that is not zero. */
	bad[10] = 0;
	bad[12] = 1;
	assert_int_equal(np_ndp_dnssl_parse(&o, &dl), NP_EOPT);
	bad[12] = 0;
	assert_int_equal(np_ndp_dnssl_parse(&o, &dl), 0);
	/* No name at all. */
	bad[6] = 0;
	assert_int_equal(np_ndp_dnssl_parse(&o, &dl), NP_EOPT);
}

/* ---- Building: the same bytes as the kernel and radvd ----------------- */

static void build_compare(const char *name, const struct np_ndp *nd)
{
	struct capture c;
	struct np_icmp6 m;
	uint8_t out[512];
	int n;

	load(name, &c, &m);
	n = np_ndp_build(nd, c.ip.src, c.ip.dst, out, sizeof(out));
	assert_int_equal(n, c.len);
	assert_memory_equal(out, c.msg, c.len);
}

static void builds_ns_na_rs_like_the_kernel(void **state)
{
	uint8_t opts[64];
	struct np_writer w;
	struct np_ndp nd;

	(void)state;
	memset(&nd, 0, sizeof(nd));
	nd.type = NP_ICMP6_ND_NEIGHBOR_SOLICIT;
	addr_from("fd77::2", nd.target);
	np_writer_init(&w, opts, sizeof(opts));
	np_ndp_opt_write_lla(&w, NP_NDP_OPT_SLLA, mac_a, 6);
	assert_int_equal(np_writer_result(&w), 8);
	nd.opts = opts;
	nd.opts_len = 8;
	build_compare("ndp-ns-kernel.hex", &nd);

	nd.type = NP_ICMP6_ND_NEIGHBOR_ADVERT;
	nd.flags = NP_NDP_NA_SOLICITED | NP_NDP_NA_OVERRIDE;
	np_writer_init(&w, opts, sizeof(opts));
	np_ndp_opt_write_lla(&w, NP_NDP_OPT_TLLA, mac_b, 6);
	build_compare("ndp-na-kernel.hex", &nd);

	memset(&nd, 0, sizeof(nd));
	nd.type = NP_ICMP6_ND_ROUTER_SOLICIT;
	np_writer_init(&w, opts, sizeof(opts));
	np_ndp_opt_write_lla(&w, NP_NDP_OPT_SLLA, mac_b, 6);
	nd.opts = opts;
	nd.opts_len = 8;
	build_compare("ndp-rs-kernel.hex", &nd);
}

static void builds_ra_like_radvd(void **state)
{
	struct np_ndp_prefix p = { .prefix_len = 64, .flags = NP_NDP_PREFIX_ONLINK | NP_NDP_PREFIX_AUTO,
				   .valid_lifetime = 86400, .preferred_lifetime = 14400 };
	uint8_t opts[256], dns[32], names[64];
	struct np_writer w;
	struct np_ndp nd;
	int n1, n2;

	(void)state;
	addr_from("fd77::", p.prefix);
	addr_from("fd77::53", dns);
	addr_from("fd77::54", dns + 16);
	n1 = np_dns_name_from_text("lan.example", names, sizeof(names));
	n2 = np_dns_name_from_text("example.net", names + n1, sizeof(names) - (size_t)n1);
	assert_true(n1 > 0 && n2 > 0);
	/* radvd's order: prefix, RDNSS, DNSSL, MTU, SLLA. */
	np_writer_init(&w, opts, sizeof(opts));
	np_ndp_opt_write_prefix(&w, &p);
	np_ndp_opt_write_rdnss(&w, 600, dns, 2);
	np_ndp_opt_write_dnssl(&w, 600, names, (size_t)(n1 + n2));
	np_ndp_opt_write_mtu(&w, 1500);
	np_ndp_opt_write_lla(&w, NP_NDP_OPT_SLLA, mac_r, 6);
	assert_true(np_writer_result(&w) > 0);
	memset(&nd, 0, sizeof(nd));
	nd.type = NP_ICMP6_ND_ROUTER_ADVERT;
	nd.cur_hop_limit = 64;
	nd.router_lifetime = 300;
	nd.opts = opts;
	nd.opts_len = np_writer_len(&w);
	build_compare("ndp-ra-radvd.hex", &nd);
}

static void build_refuses_bad_input(void **state)
{
	uint8_t out[128], opts[16] = { 1, 0 }, a[16];
	struct np_writer w;
	struct np_ndp nd;

	(void)state;
	memset(a, 0, sizeof(a));
	memset(&nd, 0, sizeof(nd));
	nd.type = NP_ICMP6_ECHO_REQUEST;
	assert_int_equal(np_ndp_build(&nd, a, a, out, sizeof(out)), NP_EINVAL);
	nd.type = NP_ICMP6_ND_NEIGHBOR_ADVERT;
	nd.flags = 0x10;
	assert_int_equal(np_ndp_build(&nd, a, a, out, sizeof(out)), NP_EINVAL);
	nd.flags = 0;
	nd.opts = opts;
	nd.opts_len = 8;                             /* an option of length 0 */
	assert_int_equal(np_ndp_build(&nd, a, a, out, sizeof(out)), NP_EOPT);
	opts[1] = 1;
	assert_int_equal(np_ndp_build(&nd, a, a, out, sizeof(out)), 32);
	assert_int_equal(np_ndp_build(&nd, a, a, out, 31), NP_ENOSPC);

	np_writer_init(&w, out, sizeof(out));
	np_ndp_opt_write_rdnss(&w, 600, a, 0);
	assert_int_equal(np_writer_error(&w), NP_EINVAL);
	np_writer_init(&w, out, sizeof(out));
	np_ndp_opt_write_dnssl(&w, 600, (const uint8_t *)"\3lan\300\0", 6);
	assert_int_equal(np_writer_error(&w), NP_EINVAL);
	np_writer_init(&w, out, sizeof(out));
	np_ndp_opt_write_prefix(&w, &(struct np_ndp_prefix){ .prefix_len = 129 });
	assert_int_equal(np_writer_error(&w), NP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_kernel_echo),
		cmocka_unit_test(rejects_bad_checksum_and_truncation),
		cmocka_unit_test(parses_port_unreachable_quote),
		cmocka_unit_test(parses_router_errors),
		cmocka_unit_test(round_trip_captures),
		cmocka_unit_test(parses_neighbor_solicitations),
		cmocka_unit_test(parses_neighbor_advertisements),
		cmocka_unit_test(parses_router_solicitations),
		cmocka_unit_test(parses_radvd_router_advertisements),
		cmocka_unit_test(parses_kernel_redirect),
		cmocka_unit_test(rejects_option_length_zero),
		cmocka_unit_test(rejects_bad_fixed_fields),
		cmocka_unit_test(checks_ip_header),
		cmocka_unit_test(rejects_malformed_options),
		cmocka_unit_test(builds_ns_na_rs_like_the_kernel),
		cmocka_unit_test(builds_ra_like_radvd),
		cmocka_unit_test(build_refuses_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
