/*
 * test-ipv6.c: IPv6 (RFC 8200) against the kernel's packets with extension
 * headers and fragments, hand-made malformed chains, and RFC 5952 text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include <netproto/buf.h>
#include <netproto/error.h>
#include <netproto/ether.h>
#include <netproto/ipv6.h>
#include <netproto/udp.h>

#include "testutil.h"

static const char *const captures[] = {
	"icmp6-echo-request-kernel.hex", "icmp6-echo-reply-kernel.hex",
	"ipv6-hbh-mld-kernel.hex", "ipv6-dstopts-udp-kernel.hex", "ipv6-hbh-udp-kernel.hex",
	"ipv6-srh-udp-kernel.hex", "ipv6-chain-udp-kernel.hex", "ipv6-chain-frag-first-kernel.hex",
	"ipv6-chain-frag-last-kernel.hex", "ipv6-frag-first-kernel.hex",
	"ipv6-frag-middle-kernel.hex", "ipv6-frag-last-kernel.hex", "ipv6-nh253-scapy.hex",
	"ipv6-rthdr0-echo-scapy.hex", "ndp-ra-radvd.hex", "ndp-redirect-kernel.hex",
	"icmp6-packet-too-big-kernel.hex", "tcp6-syn-kernel.hex", "udp6-dns-query-dig.hex",
};

/* fd77::1 and fd77::2, the two namespaces of the captures. */
static const uint8_t addr_a[16] = { 0xfd, 0x77, [15] = 1 };
static const uint8_t addr_b[16] = { 0xfd, 0x77, [15] = 2 };

/* Load a captured frame; returns the IPv6 packet (a writable view into frame) and its length. */
static size_t load_ip6(const char *name, uint8_t *frame, size_t cap, uint8_t **pkt)
{
	size_t len = np_test_load_hex(name, frame, cap);
	struct np_ether e;

	assert_int_equal(np_ether_parse(frame, len, &e), 0);
	assert_int_equal(e.ethertype, NP_ETHERTYPE_IPV6);
	*pkt = frame + NP_ETHER_HDR_LEN;
	return e.payload_len;
}

static void parses_kernel_echo_request(void **state)
{
	uint8_t frame[256], *pkt;
	size_t len = load_ip6("icmp6-echo-request-kernel.hex", frame, sizeof(frame), &pkt);
	struct np_ipv6 ip;

	(void)state;
	assert_int_equal(np_ipv6_parse(pkt, len, &ip), 0);
	assert_int_equal(ip.tclass, 0);
	assert_int_equal(ip.plen, 64);
	assert_int_equal(ip.next, NP_IPPROTO_ICMPV6);
	assert_int_equal(ip.upper, NP_IPPROTO_ICMPV6);
	assert_int_equal(ip.hop_limit, 64);
	assert_memory_equal(ip.src, addr_a, 16);
	assert_memory_equal(ip.dst, addr_b, 16);
	assert_int_equal(ip.ext_count, 0);
	assert_int_equal(ip.ext_len, 0);
	assert_false(ip.has_frag);
	assert_false(np_ipv6_is_fragment(&ip));
	assert_ptr_equal(ip.payload, pkt + 40);
	assert_int_equal(ip.payload_len, 64);
	assert_int_equal(ip.payload[0], 128);
}

/* The kernel's MLDv2 report carries a router alert in a hop-by-hop header (RFC 3810 §5). */
static void walks_hop_by_hop_router_alert(void **state)
{
	uint8_t frame[256], *pkt;
	size_t len = load_ip6("ipv6-hbh-mld-kernel.hex", frame, sizeof(frame), &pkt), pos = 0;
	struct np_ipv6_opt o;
	struct np_ipv6 ip;

	(void)state;
	assert_int_equal(np_ipv6_parse(pkt, len, &ip), 0);
	assert_int_equal(ip.hop_limit, 1);
	assert_true(np_ipv6_addr_is_unspecified(ip.src));
	assert_int_equal(ip.ext_count, 1);
	assert_int_equal(ip.ext[0].type, NP_IPPROTO_HOPOPTS);
	assert_int_equal(ip.ext[0].len, 8);
	assert_ptr_equal(ip.ext[0].data, pkt + 40);
	assert_int_equal(ip.upper, NP_IPPROTO_ICMPV6);
	assert_int_equal(ip.payload_len, 28);
	assert_int_equal(ip.payload[0], 143);     /* MLDv2 report */
	assert_int_equal(np_ipv6_opt_next(&ip.ext[0], &pos, &o), 1);
	assert_int_equal(o.type, NP_IPV6_OPT_ROUTER_ALERT);
	assert_int_equal(o.len, 2);
	assert_int_equal(np_load_be16(o.data), 0);   /* MLD (RFC 2711 §2.1) */
	assert_int_equal(np_ipv6_opt_next(&ip.ext[0], &pos, &o), 1);
	assert_int_equal(o.type, NP_IPV6_OPT_PADN);
	assert_int_equal(o.len, 0);
	assert_int_equal(np_ipv6_opt_next(&ip.ext[0], &pos, &o), 0);
	assert_int_equal(np_ipv6_opt_next(&(struct np_ipv6_ext){ .type = NP_IPPROTO_ROUTING },
					  &pos, &o), NP_ETYPE);
}

/* Each single extension header before UDP, and the UDP checksum over the final destination. */
static void walks_single_headers_to_udp(void **state)
{
	static const struct {
		const char *name;
		uint8_t type;
	} cases[] = {
		{ "ipv6-dstopts-udp-kernel.hex", NP_IPPROTO_DSTOPTS },
		{ "ipv6-hbh-udp-kernel.hex", NP_IPPROTO_HOPOPTS },
		{ "ipv6-srh-udp-kernel.hex", NP_IPPROTO_ROUTING },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t frame[256], *pkt;
		size_t len = load_ip6(cases[i].name, frame, sizeof(frame), &pkt);
		struct np_ipv6 ip;
		struct np_udp u;

		assert_int_equal(np_ipv6_parse(pkt, len, &ip), 0);
		assert_int_equal(ip.next, cases[i].type);
		assert_int_equal(ip.ext_count, 1);
		assert_int_equal(ip.ext[0].type, cases[i].type);
		assert_int_equal(ip.upper, NP_IPPROTO_UDP);
		assert_int_equal(ip.payload_len, 16);
		assert_int_equal(np_udp6_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &u), 0);
		assert_int_equal(u.dst_port, 9);
		assert_memory_equal(u.payload, "netproto", 8);
	}
}

static void reads_segment_routing_header(void **state)
{
	uint8_t frame[256], *pkt, rtype = 0xff, left = 0xff;
	size_t len = load_ip6("ipv6-srh-udp-kernel.hex", frame, sizeof(frame), &pkt);
	struct np_ipv6 ip;

	(void)state;
	assert_int_equal(np_ipv6_parse(pkt, len, &ip), 0);
	assert_int_equal(ip.ext[0].len, 24);          /* 8 + one segment */
	assert_int_equal(np_ipv6_routing(&ip.ext[0], &rtype, &left), 0);
	assert_int_equal(rtype, 4);                   /* RFC 8754 */
	assert_int_equal(left, 0);
	assert_int_equal(np_ipv6_routing(&(struct np_ipv6_ext){ .type = NP_IPPROTO_HOPOPTS },
					 &rtype, &left), NP_ETYPE);

	len = load_ip6("ipv6-rthdr0-echo-scapy.hex", frame, sizeof(frame), &pkt);
	assert_int_equal(np_ipv6_parse(pkt, len, &ip), 0);
	assert_int_equal(np_ipv6_routing(&ip.ext[0], &rtype, &left), 0);
	assert_int_equal(rtype, 0);
	assert_int_equal(left, 0);
	assert_int_equal(ip.upper, NP_IPPROTO_ICMPV6);
}

/* HBH, DST, RT, DST before UDP: the order RFC 8200 §4.1 recommends. */
static void walks_whole_chain(void **state)
{
	static const uint8_t order[] = { NP_IPPROTO_HOPOPTS, NP_IPPROTO_DSTOPTS, NP_IPPROTO_ROUTING,
					 NP_IPPROTO_DSTOPTS };
	uint8_t frame[256], *pkt;
	size_t len = load_ip6("ipv6-chain-udp-kernel.hex", frame, sizeof(frame), &pkt), i;
	struct np_ipv6 ip;
	struct np_udp u;

	(void)state;
	assert_int_equal(np_ipv6_parse(pkt, len, &ip), 0);
	assert_int_equal(ip.ext_count, 4);
	assert_int_equal(ip.ext_len, 8 + 8 + 24 + 8);
	for (i = 0; i < 4; i++)
		assert_int_equal(ip.ext[i].type, order[i]);
	assert_int_equal(ip.upper, NP_IPPROTO_UDP);
	assert_ptr_equal(ip.payload, pkt + 40 + 48);
	assert_int_equal(np_udp6_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &u), 0);
}

static void parses_kernel_fragments(void **state)
{
	static const struct {
		const char *name;
		uint16_t offset;
		int more;
		size_t payload_len;
	} frags[] = {
		{ "ipv6-frag-first-kernel.hex", 0, 1, 1448 },
		{ "ipv6-frag-middle-kernel.hex", 1448, 1, 1448 },
		{ "ipv6-frag-last-kernel.hex", 2896, 0, 112 },
	};
	uint32_t id = 0;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		uint8_t frame[1600], *pkt;
		size_t len = load_ip6(frags[i].name, frame, sizeof(frame), &pkt);
		struct np_ipv6 ip;

		assert_int_equal(np_ipv6_parse(pkt, len, &ip), 0);
		assert_true(ip.has_frag);
		assert_true(np_ipv6_is_fragment(&ip));
		assert_int_equal(ip.ext_count, 1);
		assert_int_equal(ip.ext[0].type, NP_IPPROTO_FRAGMENT);
		assert_int_equal(ip.frag.next, NP_IPPROTO_ICMPV6);
		assert_int_equal(ip.frag.offset, frags[i].offset);
		assert_int_equal(ip.frag.more, frags[i].more);
		if (i == 0)
			id = ip.frag.id;
		assert_int_equal(ip.frag.id, id);
		assert_int_equal(ip.upper, NP_IPPROTO_ICMPV6);
		assert_int_equal(ip.payload_len, frags[i].payload_len);
	}
}

/* A chain around a fragment header: the first fragment walks on, a later one stops. */
static void walks_chain_in_fragments(void **state)
{
	uint8_t frame[1600], *pkt;
	size_t len = load_ip6("ipv6-chain-frag-first-kernel.hex", frame, sizeof(frame), &pkt);
	struct np_ipv6 ip;

	(void)state;
	assert_int_equal(np_ipv6_parse(pkt, len, &ip), 0);
	assert_int_equal(ip.ext_count, 5);
	assert_int_equal(ip.ext[3].type, NP_IPPROTO_FRAGMENT);
	assert_int_equal(ip.ext[4].type, NP_IPPROTO_DSTOPTS);
	assert_int_equal(ip.upper, NP_IPPROTO_UDP);
	assert_int_equal(ip.frag.offset, 0);
	assert_true(ip.frag.more);
	assert_int_equal(np_load_be16(ip.payload + 4), 2008);    /* the UDP length of the whole */

	len = load_ip6("ipv6-chain-frag-last-kernel.hex", frame, sizeof(frame), &pkt);
	assert_int_equal(np_ipv6_parse(pkt, len, &ip), 0);
	assert_int_equal(ip.ext_count, 4);
	assert_int_equal(ip.frag.offset, 1408);
	assert_false(ip.frag.more);
	assert_true(np_ipv6_is_fragment(&ip));
	assert_int_equal(ip.upper, NP_IPPROTO_DSTOPTS);          /* fragment data, not walked */
	assert_int_equal(ip.payload_len, 608);
}

static void unknown_next_header_is_upper(void **state)
{
	uint8_t frame[256], *pkt;
	size_t len = load_ip6("ipv6-nh253-scapy.hex", frame, sizeof(frame), &pkt);
	struct np_ipv6 ip;

	(void)state;
	assert_int_equal(np_ipv6_parse(pkt, len, &ip), 0);
	assert_int_equal(ip.upper, 253);
	assert_int_equal(ip.ext_count, 0);
	assert_memory_equal(ip.payload, "netproto", 8);
}

/* parse -> build gives every captured packet back byte for byte. */
static void round_trip_captures(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		uint8_t frame[1600], *pkt, out[1600];
		size_t len = load_ip6(captures[i], frame, sizeof(frame), &pkt);
		struct np_ipv6 ip, back;
		int n;

		assert_int_equal(np_ipv6_parse(pkt, len, &ip), 0);
		assert_int_equal(np_ipv6_hdr_len(&ip), 40 + ip.ext_len);
		n = np_ipv6_build(&ip, out, sizeof(out));
		assert_int_equal(n, 40 + ip.plen);
		assert_memory_equal(out, pkt, (size_t)n);
		assert_int_equal(np_ipv6_parse(out, (size_t)n, &back), 0);
		assert_int_equal(back.upper, ip.upper);
		assert_int_equal(back.ext_count, ip.ext_count);
		assert_int_equal(np_ipv6_build(&ip, out, (size_t)n - 1), NP_ENOSPC);
	}
}

/* Builds a packet from parts, the payload already in place, and a fragment header. */
static void builds_packet_with_fragment_header(void **state)
{
	struct np_ipv6_frag f = { .next = NP_IPPROTO_UDP, .offset = 1448, .more = 1, .id = 0x01020304 };
	uint8_t fh[8], out[128];
	struct np_ipv6 ip, back;
	int n;

	(void)state;
	assert_int_equal(np_ipv6_frag_hdr(&f, fh), 0);
	assert_memory_equal(fh, "\x11\x00\x05\xa9\x01\x02\x03\x04", 8);
	memset(&ip, 0, sizeof(ip));
	ip.tclass = 0xb8;
	ip.flow = 0xabcde;
	ip.hop_limit = 64;
	memcpy(ip.src, addr_a, 16);
	memcpy(ip.dst, addr_b, 16);
	ip.ext[0] = (struct np_ipv6_ext){ .type = NP_IPPROTO_FRAGMENT, .data = fh, .len = 8 };
	ip.ext_count = 1;
	ip.upper = NP_IPPROTO_UDP;
	memcpy(out + 48, "payload!", 8);
	ip.payload = out + 48;
	ip.payload_len = 8;
	n = np_ipv6_build(&ip, out, sizeof(out));
	assert_int_equal(n, 56);
	assert_memory_equal(out, "\x6b\x8a\xbc\xde\x00\x10\x2c\x40", 8);
	assert_int_equal(np_ipv6_parse(out, (size_t)n, &back), 0);
	assert_int_equal(np_ipv6_dscp(back.tclass), 46);
	assert_int_equal(np_ipv6_ecn(back.tclass), 0);
	assert_int_equal(back.flow, 0xabcde);
	assert_int_equal(back.frag.offset, 1448);
	assert_int_equal(back.frag.id, 0x01020304);
	assert_int_equal(back.upper, NP_IPPROTO_UDP);
	assert_memory_equal(back.payload, "payload!", 8);

	f.offset = 3;
	assert_int_equal(np_ipv6_frag_hdr(&f, fh), NP_EINVAL);
}

static void build_refuses_bad_input(void **state)
{
	uint8_t out[4096], bad[8] = { 0, 1 };     /* says 16 octets */
	struct np_ipv6 ip;

	(void)state;
	memset(&ip, 0, sizeof(ip));
	ip.flow = 0x100000;
	assert_int_equal(np_ipv6_build(&ip, out, sizeof(out)), NP_EINVAL);
	ip.flow = 0;
	ip.ext[0] = (struct np_ipv6_ext){ .type = NP_IPPROTO_DSTOPTS, .data = bad, .len = 8 };
	ip.ext_count = 1;
	assert_int_equal(np_ipv6_build(&ip, out, sizeof(out)), NP_EINVAL);
	ip.ext[0].type = NP_IPPROTO_UDP;          /* not an extension header */
	bad[1] = 0;
	assert_int_equal(np_ipv6_build(&ip, out, sizeof(out)), NP_EINVAL);
	ip.ext_count = NP_IPV6_MAX_EXT_HDRS + 1;
	assert_int_equal(np_ipv6_build(&ip, out, sizeof(out)), NP_EINVAL);
	ip.ext_count = 0;
	ip.payload_len = 4;
	assert_int_equal(np_ipv6_build(&ip, out, sizeof(out)), NP_EINVAL);
	ip.payload = out;
	ip.payload_len = 65536;
	assert_int_equal(np_ipv6_build(&ip, out, sizeof(out)), NP_EINVAL);
}

/* ---- Malformed packets, hand-made from the captures ------------------- */

/* A packet of n DSTOPTS headers of 8 octets (PadN) before 8 bytes of UDP-less data. */
static size_t make_dst_chain(uint8_t *p, size_t cap, size_t n, size_t units)
{
	size_t len = 40 + n * (units + 1) * 8 + 8, i, off = 40;

	assert_true(len <= cap);
	memset(p, 0, len);
	p[0] = 0x60;
	np_store_be16(p + 4, (uint16_t)(len - 40));
	p[6] = NP_IPPROTO_DSTOPTS;
	p[7] = 64;
	for (i = 0; i < n; i++) {
		p[off] = i + 1 < n ? NP_IPPROTO_DSTOPTS : NP_IPPROTO_NONE;
		p[off + 1] = (uint8_t)units;
		p[off + 2] = NP_IPV6_OPT_PADN;
		p[off + 3] = (uint8_t)((units + 1) * 8 - 4);
		off += (units + 1) * 8;
	}
	return len;
}

static void caps_chain_length(void **state)
{
	static uint8_t p[8192];
	struct np_ipv6 ip;
	size_t len;

	(void)state;
	len = make_dst_chain(p, sizeof(p), NP_IPV6_MAX_EXT_HDRS, 0);
	assert_int_equal(np_ipv6_parse(p, len, &ip), 0);
	assert_int_equal(ip.ext_count, NP_IPV6_MAX_EXT_HDRS);
	assert_int_equal(ip.upper, NP_IPPROTO_NONE);
	len = make_dst_chain(p, sizeof(p), NP_IPV6_MAX_EXT_HDRS + 1, 0);
	assert_int_equal(np_ipv6_parse(p, len, &ip), NP_ECOUNT);
	/* One header of the largest size passes; a second one more exceeds the octet cap. */
	len = make_dst_chain(p, sizeof(p), 1, 255);
	assert_int_equal(np_ipv6_parse(p, len, &ip), 0);
	assert_int_equal(ip.ext_len, 2048);
	len = make_dst_chain(p, sizeof(p), 2, 1);
	assert_int_equal(np_ipv6_parse(p, len, &ip), 0);
	len = make_dst_chain(p, sizeof(p), 2, 200);
	assert_int_equal(np_ipv6_parse(p, len, &ip), NP_ECOUNT);
}

static void rejects_truncated_and_bad_lengths(void **state)
{
	uint8_t frame[256], *pkt;
	size_t len = load_ip6("ipv6-chain-udp-kernel.hex", frame, sizeof(frame), &pkt);
	struct np_ipv6 ip;

	(void)state;
	assert_int_equal(np_ipv6_parse(pkt, 0, &ip), NP_ETRUNC);
	assert_int_equal(np_ipv6_parse(pkt, 39, &ip), NP_ETRUNC);
	/* The payload length says more than is there. */
	assert_int_equal(np_ipv6_parse(pkt, len - 1, &ip), NP_EBADLEN);
	/* Link-layer padding after the packet is not part of it. */
	memset(pkt + len, 0, 6);
	assert_int_equal(np_ipv6_parse(pkt, len + 6, &ip), 0);
	assert_int_equal(ip.payload_len, 16);
	/* A payload length that ends inside the routing header. */
	np_store_be16(pkt + 4, 20);
	assert_int_equal(np_ipv6_parse(pkt, len, &ip), NP_ETRUNC);
	np_store_be16(pkt + 4, 64);
	/* The last DSTOPTS header claims 32 octets where 24 are left. */
	pkt[40 + 40 + 1] = 3;
	assert_int_equal(np_ipv6_parse(pkt, len, &ip), NP_ETRUNC);
	/* Version 4 in an IPv6 packet. */
	pkt[0] = 0x45;
	assert_int_equal(np_ipv6_parse(pkt, len, &ip), NP_EVERSION);
}

static void rejects_misplaced_hop_by_hop(void **state)
{
	uint8_t frame[256], *pkt;
	size_t len = load_ip6("ipv6-chain-udp-kernel.hex", frame, sizeof(frame), &pkt);
	struct np_ipv6 ip;

	(void)state;
	/* The second header (DSTOPTS) now says hop-by-hop comes next (RFC 8200 §4.3). */
	pkt[40 + 8] = NP_IPPROTO_HOPOPTS;
	assert_int_equal(np_ipv6_parse(pkt, len, &ip), NP_EFORMAT);
}

static void rejects_jumbogram_and_double_fragment(void **state)
{
	uint8_t frame[256], *pkt, p[128];
	size_t len = load_ip6("ipv6-hbh-udp-kernel.hex", frame, sizeof(frame), &pkt);
	struct np_ipv6 ip;

	(void)state;
	np_store_be16(pkt + 4, 0);                   /* RFC 2675 jumbogram: not supported */
	assert_int_equal(np_ipv6_parse(pkt, len, &ip), NP_EBADLEN);

	/* Two fragment headers, then No Next Header. */
	memset(p, 0, sizeof(p));
	p[0] = 0x60;
	np_store_be16(p + 4, 16);
	p[6] = NP_IPPROTO_FRAGMENT;
	p[40] = NP_IPPROTO_FRAGMENT;
	p[48] = NP_IPPROTO_NONE;
	assert_int_equal(np_ipv6_parse(p, 56, &ip), NP_EFORMAT);
	/* One is fine, and an atomic fragment (offset 0, M clear) is a whole packet (RFC 6946). */
	p[40] = NP_IPPROTO_NONE;
	np_store_be16(p + 4, 8);
	assert_int_equal(np_ipv6_parse(p, 48, &ip), 0);
	assert_true(ip.has_frag);
	assert_false(np_ipv6_is_fragment(&ip));
	assert_int_equal(ip.upper, NP_IPPROTO_NONE);
}

static void rejects_bad_authentication_header(void **state)
{
	uint8_t p[128];
	struct np_ipv6 ip;

	(void)state;
	memset(p, 0, sizeof(p));
	p[0] = 0x60;
	np_store_be16(p + 4, 24);
	p[6] = NP_IPPROTO_AH;
	p[40] = NP_IPPROTO_NONE;
	p[41] = 4;                                   /* (4 + 2) * 4 = 24 octets */
	assert_int_equal(np_ipv6_parse(p, 64, &ip), 0);
	assert_int_equal(ip.ext[0].len, 24);
	p[41] = 1;                                   /* 12 octets: not a multiple of 8 over IPv6 */
	assert_int_equal(np_ipv6_parse(p, 64, &ip), NP_EBADLEN);
}

static void rejects_option_past_header(void **state)
{
	uint8_t frame[256], *pkt;
	size_t len = load_ip6("ipv6-hbh-udp-kernel.hex", frame, sizeof(frame), &pkt), pos = 0;
	struct np_ipv6_opt o;
	struct np_ipv6 ip;

	(void)state;
	pkt[40 + 3] = 5;                             /* PadN of 5 in 6 octets of options */
	assert_int_equal(np_ipv6_parse(pkt, len, &ip), 0);
	assert_int_equal(np_ipv6_opt_next(&ip.ext[0], &pos, &o), NP_EOPT);
}

/* ---- Quoted packets --------------------------------------------------- */

static void parses_cut_quote(void **state)
{
	uint8_t frame[256], *pkt;
	size_t len = load_ip6("icmp6-echo-request-kernel.hex", frame, sizeof(frame), &pkt);
	struct np_ipv6 ip;

	(void)state;
	assert_int_equal(np_ipv6_parse(pkt, 60, &ip), NP_EBADLEN);
	assert_int_equal(np_ipv6_parse_quoted(pkt, 60, &ip), 0);
	assert_int_equal(ip.plen, 64);
	assert_int_equal(ip.payload_len, 20);
	assert_int_equal(np_ipv6_parse_quoted(pkt, len, &ip), 0);
	assert_int_equal(ip.payload_len, 64);
}

/* ---- Address text ----------------------------------------------------- */

static void addr_from(const char *text, uint8_t a[16])
{
	assert_int_equal(inet_pton(AF_INET6, text, a), 1);
}

/* RFC 5952 §4 and §5, with the examples of its text. */
static void prints_canonical_text(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1" },
		{ "2001:db8:0:0:0:0:2:1", "2001:db8::2:1" },
		{ "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },   /* §4.2.2: one group */
		{ "2001:0:0:1:0:0:0:1", "2001:0:0:1::1" },           /* §4.2.3: the longest */
		{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },     /* §4.2.3: the first */
		{ "2001:DB8::AAAA", "2001:db8::aaaa" },              /* §4.3 */
		{ "::", "::" },
		{ "::1", "::1" },
		{ "1::", "1::" },
		{ "1:0:0:0:0:0:0:0", "1::" },
		{ "0:0:0:0:0:0:0:1", "::1" },
		{ "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8" },
		{ "1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7" },
		{ "::ffff:192.0.2.1", "::ffff:192.0.2.1" },          /* §5 */
		{ "::ffff:0:0", "::ffff:0.0.0.0" },
		{ "::192.0.2.1", "::c000:201" },                      /* IPv4-compatible: deprecated */
		{ "fe80::ff:fe00:a", "fe80::ff:fe00:a" },
		{ "fd77:0:0:1::2", "fd77:0:0:1::2" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	};
	char text[NP_IPV6_ADDR_TEXT_LEN];
	uint8_t a[16], back[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		addr_from(cases[i].in, a);
		assert_int_equal(np_ipv6_addr_to_text(a, text), strlen(cases[i].out));
		assert_string_equal(text, cases[i].out);
		assert_int_equal(np_ipv6_addr_parse(text, back), 0);
		assert_memory_equal(a, back, 16);
	}
	/* The longest text fits the buffer. */
	addr_from("::ffff:255.255.255.255", a);
	assert_int_equal(np_ipv6_addr_to_text(a, text), strlen("::ffff:255.255.255.255"));
}

static void parses_every_rfc4291_form(void **state)
{
	static const char *const ok[] = {
		"1:2:3:4:5:6:7:8", "ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", "1080::8:800:200C:417A",
		"FF01::101", "::1", "::", "1::", "1::8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
		"0000:0000::0001", "0:0:0:0:0:0:13.1.68.3", "::FFFF:129.144.52.38", "::13.1.68.3",
		"1:2:3:4:5:6:1.2.3.4", "1::1.2.3.4", "fe80::ff:fe00:a",
	};
	static const char *const bad[] = {
		"", ":", ":::", "1:::2", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
		"1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", ":1::", "1::2:", "1:2", "::1.2.3",
		"::1.2.3.256", "::01.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4:5", "1.2.3.4",
		"fe80::1%eth0", " ::1", "::1 ", "g::", "::-1", ":1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:",
		"1::2:3:4:5:6:7:1.2.3.4",
	};
	uint8_t a[16], ref[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(a, 0xaa, sizeof(a));
		assert_int_equal(np_ipv6_addr_parse(ok[i], a), 0);
		addr_from(ok[i], ref);
		assert_memory_equal(a, ref, 16);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(np_ipv6_addr_parse(bad[i], a), NP_EINVAL);
	}
}

static void classifies_addresses(void **state)
{
	uint8_t a[16], snm[16], want[16];

	(void)state;
	addr_from("fd77::1:2345", a);
	np_ipv6_solicited_node(a, snm);
	addr_from("ff02::1:ff01:2345", want);
	assert_memory_equal(snm, want, 16);
	assert_true(np_ipv6_addr_is_multicast(snm));
	assert_false(np_ipv6_addr_is_multicast(a));
	assert_false(np_ipv6_addr_is_link_local(a));
	addr_from("febf::1", a);
	assert_true(np_ipv6_addr_is_link_local(a));
	addr_from("fec0::1", a);
	assert_false(np_ipv6_addr_is_link_local(a));
	addr_from("::", a);
	assert_true(np_ipv6_addr_is_unspecified(a));
	addr_from("::1", a);
	assert_false(np_ipv6_addr_is_unspecified(a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_kernel_echo_request),
		cmocka_unit_test(walks_hop_by_hop_router_alert),
		cmocka_unit_test(walks_single_headers_to_udp),
		cmocka_unit_test(reads_segment_routing_header),
		cmocka_unit_test(walks_whole_chain),
		cmocka_unit_test(parses_kernel_fragments),
		cmocka_unit_test(walks_chain_in_fragments),
		cmocka_unit_test(unknown_next_header_is_upper),
		cmocka_unit_test(round_trip_captures),
		cmocka_unit_test(builds_packet_with_fragment_header),
		cmocka_unit_test(build_refuses_bad_input),
		cmocka_unit_test(caps_chain_length),
		cmocka_unit_test(rejects_truncated_and_bad_lengths),
		cmocka_unit_test(rejects_misplaced_hop_by_hop),
		cmocka_unit_test(rejects_jumbogram_and_double_fragment),
		cmocka_unit_test(rejects_bad_authentication_header),
		cmocka_unit_test(rejects_option_past_header),
		cmocka_unit_test(parses_cut_quote),
		cmocka_unit_test(prints_canonical_text),
		cmocka_unit_test(parses_every_rfc4291_form),
		cmocka_unit_test(classifies_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
