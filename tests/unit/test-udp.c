/* test-udp.c: UDP (RFC 768, RFC 8200 §8.1) against datagrams from dig, dnsmasq, the kernel and scapy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/buf.h>
#include <netproto/csum.h>
#include <netproto/error.h>
#include <netproto/ether.h>
#include <netproto/frame.h>
#include <netproto/ipv4.h>
#include <netproto/ipv6.h>
#include <netproto/udp.h>

#include "testutil.h"

#define ADDR_CLI 0x0a4d0001u         /* 10.77.0.1 */
#define ADDR_SRV 0x0a4d0002u         /* 10.77.0.2 */

/* A captured frame and the UDP datagram inside it, found from its own bytes. */
struct capture {
	uint8_t frame[1600];
	size_t frame_len;
	uint8_t *l4;
	size_t l4_len;
	uint32_t src, dst;
};

static void load(const char *name, struct capture *c)
{
	size_t ihl;

	c->frame_len = np_test_load_hex(name, c->frame, sizeof(c->frame));
	assert_true(c->frame_len >= 34);
	/* Ethernet (14), then IPv4 with IHL words of header and a total length. */
	ihl = (size_t)(c->frame[14] & 0x0f) * 4;
	assert_int_equal(c->frame[23], NP_IPPROTO_UDP);
	c->l4 = c->frame + 14 + ihl;
	c->l4_len = np_load_be16(c->frame + 16) - ihl;
	assert_true(14 + ihl + c->l4_len <= c->frame_len);
	c->src = np_load_be32(c->frame + 26);
	c->dst = np_load_be32(c->frame + 30);
}

static void parses_dig_query(void **state)
{
	struct capture c;
	struct np_udp u;

	(void)state;
	load("udp-dns-query-dig.hex", &c);
	assert_int_equal(c.src, ADDR_CLI);
	assert_int_equal(np_udp_parse(c.l4, c.l4_len, c.src, c.dst, &u), 0);
	assert_int_equal(u.src_port, 46289);
	assert_int_equal(u.dst_port, 53);
	assert_int_equal(u.length, 60);
	assert_int_equal(u.checksum, np_load_be16(c.l4 + 6));
	assert_int_not_equal(u.checksum, 0);
	assert_ptr_equal(u.payload, c.l4 + 8);
	assert_int_equal(u.payload_len, 52);
	/* DNS id 17583 (0x44af), then RD set: what tcpdump showed as "17583+". */
	assert_int_equal(np_load_be16(u.payload), 17583);
	assert_int_equal(u.payload[2], 0x01);
}

static void parses_dnsmasq_answer(void **state)
{
	struct capture c;
	struct np_udp u;

	(void)state;
	load("udp-dns-answer-dnsmasq.hex", &c);
	assert_int_equal(np_udp_parse(c.l4, c.l4_len, c.src, c.dst, &u), 0);
	assert_int_equal(u.src_port, 53);
	assert_int_equal(u.dst_port, 46289);
	assert_int_equal(u.length, 64);
	assert_int_equal(u.payload_len, 56);
	assert_int_equal(np_load_be16(u.payload), 17583);
}

/* Checksum 0: none was sent (RFC 768), so nothing is verified. */
static void zero_checksum_is_not_verified(void **state)
{
	struct capture c;
	struct np_udp u;

	(void)state;
	load("udp-nocsum-scapy.hex", &c);
	assert_int_equal(np_udp_parse(c.l4, c.l4_len, c.src, c.dst, &u), 0);
	assert_int_equal(u.checksum, 0);
	assert_int_equal(u.src_port, 5000);
	assert_int_equal(u.dst_port, 9999);
	assert_int_equal(u.payload_len, 8);
	assert_memory_equal(u.payload, "netproto", 8);
	/* Any data, any addresses: still accepted. */
	c.l4[8] ^= 0xff;
	assert_int_equal(np_udp_parse(c.l4, c.l4_len, 1, 2, &u), 0);
}

static void bad_checksum_is_rejected(void **state)
{
	struct capture c;
	struct np_udp u;

	(void)state;
	load("udp-dns-query-dig.hex", &c);
	/* The right bytes under other addresses: the pseudo-header is covered. */
	assert_int_equal(np_udp_parse(c.l4, c.l4_len, c.src, c.dst + 1, &u), NP_ECSUM);
	assert_int_equal(np_udp_parse(c.l4, c.l4_len, c.dst, c.src + 1, &u), NP_ECSUM);
	/* One flipped bit in the data (hand-made from the capture). */
	c.l4[20] ^= 0x01;
	u.src_port = 1;
	assert_int_equal(np_udp_parse(c.l4, c.l4_len, c.src, c.dst, &u), NP_ECSUM);
	assert_int_equal(u.src_port, 1);
	/* The unchecked parse still reads it. */
	assert_int_equal(np_udp_parse_nocsum(c.l4, c.l4_len, &u), 0);
	assert_int_equal(u.dst_port, 53);
}

/* Hand-made length fields (from the dig capture) that contradict the data. */
static void length_field_checked(void **state)
{
	struct capture c;
	struct np_udp u;
	size_t cut;

	(void)state;
	load("udp-dns-query-dig.hex", &c);
	for (cut = 0; cut < NP_UDP_HDR_LEN; cut++)
		assert_int_equal(np_udp_parse(c.l4, cut, c.src, c.dst, &u), NP_ETRUNC);
	/* The datagram is cut short of its length field. */
	assert_int_equal(np_udp_parse(c.l4, c.l4_len - 1, c.src, c.dst, &u), NP_EBADLEN);
	/* Length 61 on 60 bytes, and 0xffff. */
	np_store_be16(c.l4 + 4, 61);
	assert_int_equal(np_udp_parse_nocsum(c.l4, c.l4_len, &u), NP_EBADLEN);
	np_store_be16(c.l4 + 4, 0xffff);
	assert_int_equal(np_udp_parse_nocsum(c.l4, c.l4_len, &u), NP_EBADLEN);
	/* Below the header size: 7 and 0. */
	np_store_be16(c.l4 + 4, 7);
	assert_int_equal(np_udp_parse_nocsum(c.l4, c.l4_len, &u), NP_EBADLEN);
	np_store_be16(c.l4 + 4, 0);
	assert_int_equal(np_udp_parse_nocsum(c.l4, c.l4_len, &u), NP_EBADLEN);
	/* Exactly 8: an empty datagram, a valid one. */
	np_store_be16(c.l4 + 4, 8);
	assert_int_equal(np_udp_parse_nocsum(c.l4, c.l4_len, &u), 0);
	assert_int_equal(u.payload_len, 0);
}

/* Bytes past the length field (link padding) are neither data nor summed. */
static void data_beyond_length_ignored(void **state)
{
	struct capture c;
	struct np_udp u;

	(void)state;
	load("udp-dns-query-dig.hex", &c);
	memset(c.l4 + c.l4_len, 0xa5, 10);
	assert_int_equal(np_udp_parse(c.l4, c.l4_len + 10, c.src, c.dst, &u), 0);
	assert_int_equal(u.length, 60);
	assert_int_equal(u.payload_len, 52);
}

/* parse -> build gives back the senders' exact bytes, checksum included. */
static void round_trip_real_datagrams(void **state)
{
	static const char *const names[] = { "udp-dns-query-dig.hex", "udp-dns-answer-dnsmasq.hex" };
	struct capture c;
	struct np_udp u, back;
	uint8_t out[1600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		load(names[i], &c);
		assert_int_equal(np_udp_parse(c.l4, c.l4_len, c.src, c.dst, &u), 0);
		memset(out, 0xee, sizeof(out));
		assert_int_equal(np_udp_build(&u, c.src, c.dst, out, sizeof(out)), (int)c.l4_len);
		assert_memory_equal(out, c.l4, c.l4_len);
		assert_int_equal(np_udp_parse(out, c.l4_len, c.src, c.dst, &back), 0);
		assert_int_equal(back.checksum, u.checksum);
	}
}

/* A datagram sent without a checksum gets one when rebuilt. */
static void build_fills_checksum(void **state)
{
	struct capture c;
	struct np_udp u, back;
	uint8_t out[64];
	uint32_t sum;

	(void)state;
	load("udp-nocsum-scapy.hex", &c);
	assert_int_equal(np_udp_parse(c.l4, c.l4_len, c.src, c.dst, &u), 0);
	assert_int_equal(np_udp_build(&u, c.src, c.dst, out, sizeof(out)), 16);
	assert_memory_equal(out, c.l4, 6);
	assert_memory_equal(out + 8, "netproto", 8);
	assert_int_not_equal(np_load_be16(out + 6), 0);
	sum = np_csum_pseudo4(c.src, c.dst, NP_IPPROTO_UDP, 16);
	assert_int_equal(np_csum_finish(np_csum_add(sum, out, 16)), 0);
	assert_int_equal(np_udp_parse(out, 16, c.src, c.dst, &back), 0);
	/* Under other addresses it no longer verifies. */
	assert_int_equal(np_udp_parse(out, 16, c.dst, c.src + 1, &back), NP_ECSUM);
}

/* A computed checksum of 0 goes out as 0xffff (RFC 768), which verifies. */
static void computed_zero_sent_as_ffff(void **state)
{
	uint8_t pay[2] = { 0, 0 }, out[16];
	struct np_udp u = { .src_port = 5000, .dst_port = 9999, .payload = pay, .payload_len = 2 };
	struct np_udp back;
	uint16_t c;

	(void)state;
	assert_int_equal(np_udp_build(&u, ADDR_CLI, ADDR_SRV, out, sizeof(out)), 10);
	c = np_load_be16(out + 6);
	/* Data equal to that checksum makes the one's complement sum all ones. */
	np_store_be16(pay, c);
	assert_int_equal(np_udp_build(&u, ADDR_CLI, ADDR_SRV, out, sizeof(out)), 10);
	assert_int_equal(np_load_be16(out + 6), 0xffff);
	assert_int_equal(np_udp_parse(out, 10, ADDR_CLI, ADDR_SRV, &back), 0);
	assert_int_equal(back.checksum, 0xffff);
	assert_int_equal(np_load_be16(back.payload), c);
}

/* The payload may already be in place right after the header. */
static void build_in_place(void **state)
{
	uint8_t buf[300];
	struct np_udp u = { .src_port = 68, .dst_port = 67 };
	struct np_udp back;
	size_t i;

	(void)state;
	for (i = 0; i < 250; i++)
		buf[8 + i] = (uint8_t)(i * 7);
	u.payload = buf + 8;
	u.payload_len = 250;
	assert_int_equal(np_udp_build(&u, 0, 0xffffffffu, buf, sizeof(buf)), 258);
	assert_int_equal(np_udp_parse(buf, 258, 0, 0xffffffffu, &back), 0);
	assert_int_equal(back.length, 258);
	for (i = 0; i < 250; i++)
		assert_int_equal(back.payload[i], (uint8_t)(i * 7));
}

static void build_refuses_bad_input(void **state)
{
	static uint8_t big[NP_UDP_MAX_LEN];
	uint8_t out[16];
	struct np_udp u = { .src_port = 1, .dst_port = 2, .payload = big };

	(void)state;
	u.payload_len = NP_UDP_MAX_LEN - NP_UDP_HDR_LEN + 1;
	assert_int_equal(np_udp_build(&u, 1, 2, big, sizeof(big)), NP_EINVAL);
	u.payload_len = 9;
	assert_int_equal(np_udp_build(&u, 1, 2, out, sizeof(out)), NP_ENOSPC);
	assert_int_equal(np_udp_build(&u, 1, 2, out, 7), NP_ENOSPC);
	u.payload = NULL;
	assert_int_equal(np_udp_build(&u, 1, 2, out, sizeof(out)), NP_EINVAL);
	u.payload_len = 8;
	u.payload = big;
	assert_int_equal(np_udp_build(&u, 1, 2, out, sizeof(out)), 16);
}

/* ---- UDP over IPv6 ------------------------------------------------------ */

/* A captured IPv6 frame and the UDP datagram after its extension headers. */
static void load6(const char *name, uint8_t *frame, size_t cap, struct np_ipv6 *ip)
{
	size_t len = np_test_load_hex(name, frame, cap);
	struct np_ether e;

	assert_int_equal(np_ether_parse(frame, len, &e), 0);
	assert_int_equal(np_ipv6_parse(e.payload, e.payload_len, ip), 0);
	assert_int_equal(ip->upper, NP_IPPROTO_UDP);
}

static void parses_udp6_datagrams(void **state)
{
	static const char *const names[] = {
		"udp6-dns-query-dig.hex", "ipv6-dstopts-udp-kernel.hex", "ipv6-srh-udp-kernel.hex",
		"ipv6-chain-udp-kernel.hex",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint8_t frame[256], out[256];
		struct np_ipv6 ip;
		struct np_udp u;
		int n;

		load6(names[i], frame, sizeof(frame), &ip);
		assert_int_equal(np_udp6_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &u), 0);
		assert_int_equal(u.length, ip.payload_len);
		/* The IPv4 pseudo-header does not verify an IPv6 datagram. */
		assert_int_equal(np_udp_parse(ip.payload, ip.payload_len, 0, 0, &u), NP_ECSUM);
		assert_int_equal(np_udp6_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &u), 0);
		n = np_udp6_build(&u, ip.src, ip.dst, out, sizeof(out));
		assert_int_equal(n, ip.payload_len);
		assert_memory_equal(out, ip.payload, ip.payload_len);
	}
}

static void parses_dig_query_over_ipv6(void **state)
{
	uint8_t frame[256];
	struct np_ipv6 ip;
	struct np_udp u;

	(void)state;
	load6("udp6-dns-query-dig.hex", frame, sizeof(frame), &ip);
	assert_int_equal(np_udp6_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &u), 0);
	assert_int_equal(u.src_port, 60170);
	assert_int_equal(u.dst_port, 53);
	assert_int_equal(u.payload_len, 52);
}

/* RFC 8200 §8.1: over IPv6 a zero checksum is not "none" but invalid. */
static void udp6_rejects_zero_and_bad_checksum(void **state)
{
	uint8_t frame[256], *udp;
	struct np_ipv6 ip;
	struct np_udp u;

	(void)state;
	load6("udp6-dns-query-dig.hex", frame, sizeof(frame), &ip);
	udp = frame + 14 + 40;
	assert_ptr_equal(udp, ip.payload);
	/* The destination counts: the same datagram to another address does not verify. */
	assert_int_equal(np_udp6_parse(udp, ip.payload_len, ip.src, ip.src, &u), NP_ECSUM);
	udp[20] ^= 0x40;
	assert_int_equal(np_udp6_parse(udp, ip.payload_len, ip.src, ip.dst, &u), NP_ECSUM);
	np_store_be16(udp + 6, 0);
	assert_int_equal(np_udp6_parse(udp, ip.payload_len, ip.src, ip.dst, &u), NP_ECSUM);
	assert_int_equal(np_udp_parse_nocsum(udp, ip.payload_len, &u), 0);
	assert_int_equal(np_udp6_parse(udp, 7, ip.src, ip.dst, &u), NP_ETRUNC);
	np_store_be16(udp + 4, (uint16_t)(ip.payload_len + 1));
	assert_int_equal(np_udp6_parse(udp, ip.payload_len, ip.src, ip.dst, &u), NP_EBADLEN);
}

/*
 * A datagram whose computed checksum is 0 goes out as 0xffff; received
 * with 0 instead, its sum would still verify, so only the rule of RFC 8200
 * §8.1 refuses it.
 */
static void udp6_zero_checksum_refused_even_when_sum_verifies(void **state)
{
	static const uint8_t a[16] = { 0xfd, 0x77, [15] = 1 };
	static const uint8_t b[16] = { 0xfd, 0x77, [15] = 2 };
	uint8_t data[8] = { 0, 0, 'n', 'e', 't', 'p', 'r', 'o' }, out[16];
	struct np_udp u = { .src_port = 53, .dst_port = 9, .payload = data, .payload_len = 8 };
	struct np_udp back;

	(void)state;
	assert_int_equal(np_udp6_build(&u, a, b, out, sizeof(out)), 16);
	/* Two data octets equal to the checksum make the computed sum 0. */
	memcpy(data, out + 6, 2);
	assert_int_equal(np_udp6_build(&u, a, b, out, sizeof(out)), 16);
	assert_int_equal(np_load_be16(out + 6), 0xffff);
	assert_int_equal(np_udp6_parse(out, 16, a, b, &back), 0);
	np_store_be16(out + 6, 0);
	assert_int_equal(np_udp6_parse(out, 16, a, b, &back), NP_ECSUM);
	/* Over IPv4 the same 0 means "no checksum" (RFC 768). */
	assert_int_equal(np_udp_parse(out, 16, 0, 0, &back), 0);
}

static void udp6_build_checks_input(void **state)
{
	static const uint8_t a[16] = { 0xfd, 0x77, [15] = 1 };
	struct np_udp u = { .src_port = 1, .dst_port = 2 };
	uint8_t out[16];

	(void)state;
	assert_int_equal(np_udp6_build(&u, a, a, out, sizeof(out)), 8);
	assert_int_not_equal(np_load_be16(out + 6), 0);
	assert_int_equal(np_udp6_build(&u, a, a, out, 7), NP_ENOSPC);
	u.payload_len = 1;
	assert_int_equal(np_udp6_build(&u, a, a, out, sizeof(out)), NP_EINVAL);
}

/* A frame built around a payload already in place parses back to the same datagram. */
static void udp4_frame_built_in_place(void **state)
{
	static const char payload[] = "in place, not copied";
	struct np_udp4_frame f = { .src_mac = { 2, 0, 0, 0, 0, 1 }, .dst_mac = { 2, 0, 0, 0, 0, 2 },
				   .src = 0x0a000001, .dst = 0x0a000002, .src_port = 67,
				   .dst_port = 68, .ip_id = 7, .ttl = 64 };
	uint8_t frame[128];
	struct np_ether e;
	struct np_ipv4 ip;
	struct np_udp u;
	int n;

	(void)state;
	memset(frame, 0xee, sizeof(frame));
	memcpy(frame + NP_UDP4_FRAME_HDRS, payload, 4);       /* short: padded to 60 */
	n = np_udp4_frame_build(&f, frame, sizeof(frame), 4);
	assert_int_equal(n, NP_ETHER_MIN_FRAME);
	memcpy(frame + NP_UDP4_FRAME_HDRS, payload, sizeof(payload));
	n = np_udp4_frame_build(&f, frame, sizeof(frame), sizeof(payload));
	assert_int_equal(n, NP_UDP4_FRAME_HDRS + (int)sizeof(payload));
	assert_int_equal(np_ether_parse(frame, (size_t)n, &e), 0);
	assert_memory_equal(e.dst, f.dst_mac, 6);
	assert_memory_equal(e.src, f.src_mac, 6);
	assert_int_equal(e.ethertype, NP_ETHERTYPE_IPV4);
	assert_int_equal(np_ipv4_parse(e.payload, e.payload_len, &ip), 0);
	assert_int_equal(ip.src, f.src);
	assert_int_equal(ip.dst, f.dst);
	assert_int_equal(ip.id, 7);
	assert_int_equal(ip.ttl, 64);
	assert_int_equal(np_udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &u), 0);
	assert_int_equal(u.src_port, 67);
	assert_int_equal(u.dst_port, 68);
	assert_int_equal(u.payload_len, sizeof(payload));
	assert_memory_equal(u.payload, payload, sizeof(payload));
	assert_int_equal(np_udp4_frame_build(&f, frame, NP_UDP4_FRAME_HDRS + 3, 4), NP_ENOSPC);
	assert_int_equal(np_udp4_frame_build(&f, frame, 10, 0), NP_ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_dig_query),
		cmocka_unit_test(udp4_frame_built_in_place),
		cmocka_unit_test(parses_dnsmasq_answer),
		cmocka_unit_test(zero_checksum_is_not_verified),
		cmocka_unit_test(bad_checksum_is_rejected),
		cmocka_unit_test(length_field_checked),
		cmocka_unit_test(data_beyond_length_ignored),
		cmocka_unit_test(round_trip_real_datagrams),
		cmocka_unit_test(build_fills_checksum),
		cmocka_unit_test(computed_zero_sent_as_ffff),
		cmocka_unit_test(build_in_place),
		cmocka_unit_test(build_refuses_bad_input),
		cmocka_unit_test(parses_udp6_datagrams),
		cmocka_unit_test(parses_dig_query_over_ipv6),
		cmocka_unit_test(udp6_rejects_zero_and_bad_checksum),
		cmocka_unit_test(udp6_zero_checksum_refused_even_when_sum_verifies),
		cmocka_unit_test(udp6_build_checks_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
