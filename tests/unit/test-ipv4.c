/* test-ipv4.c: the IPv4 header (RFC 791) against kernel datagrams, and address text. */
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
#include <netproto/ipv4.h>

#include "testutil.h"

#define IP_A 0x0a4d0001u     /* 10.77.0.1 */
#define IP_B 0x0a4d0002u     /* 10.77.0.2 */
#define IP_H1 0x0a4d0102u    /* 10.77.1.2 */
#define IP_R1 0x0a4d0101u    /* 10.77.1.1 */
#define IP_R2 0x0a4d0201u    /* 10.77.2.1 */
#define IP_H2 0x0a4d0202u    /* 10.77.2.2 */

#define FRAME_MAX 1600

static const char *const captures[] = {
	"icmp-echo-request-kernel.hex", "icmp-echo-reply-kernel.hex",
	"icmp-port-unreachable-kernel.hex", "icmp-time-exceeded-kernel.hex",
	"ipv4-udp-python.hex", "ipv4-options-rr-ping.hex", "ipv4-options-rr-reply-kernel.hex",
	"ipv4-frag-first-kernel.hex", "ipv4-frag-middle-kernel.hex", "ipv4-frag-last-kernel.hex",
};

/* Load a captured frame; *dgram and the return value are its IPv4 datagram. */
static size_t load_ipv4(const char *name, uint8_t *frame, size_t cap, uint8_t **dgram)
{
	size_t len = np_test_load_hex(name, frame, cap);

	assert_true(len > NP_ETHER_HDR_LEN);
	assert_int_equal(np_load_be16(frame + 12), NP_ETHERTYPE_IPV4);
	*dgram = frame + NP_ETHER_HDR_LEN;
	return len - NP_ETHER_HDR_LEN;
}

/* Recompute the header checksum after a hand-made change, so that only that change is tested. */
static void fix_csum(uint8_t *hdr, size_t hdr_len)
{
	np_store_be16(hdr + 10, 0);
	np_store_be16(hdr + 10, np_csum(hdr, hdr_len));
}

static void parses_kernel_echo_request(void **state)
{
	uint8_t frame[FRAME_MAX], *d;
	size_t len = load_ipv4("icmp-echo-request-kernel.hex", frame, sizeof(frame), &d);
	struct np_ipv4 ip;

	(void)state;
	assert_int_equal(np_ipv4_parse(d, len, &ip), 0);
	assert_int_equal(ip.tos, 0);
	assert_int_equal(ip.total_len, 84);
	assert_int_equal(ip.id, 0x2632);
	assert_int_equal(ip.flags, NP_IPV4_DF);
	assert_int_equal(ip.frag_off, 0);
	assert_false(np_ipv4_is_fragment(&ip));
	assert_int_equal(ip.ttl, 64);
	assert_int_equal(ip.proto, NP_IPPROTO_ICMP);
	assert_int_equal(ip.csum, 0xffda);
	assert_int_equal(ip.src, IP_A);
	assert_int_equal(ip.dst, IP_B);
	assert_int_equal(ip.hdr_len, 20);
	assert_int_equal(ip.opts_len, 0);
	assert_ptr_equal(ip.payload, d + 20);
	assert_int_equal(ip.payload_len, 64);
	assert_int_equal(ip.payload[0], 8);     /* ICMP echo request */
}

/* The kernel's ICMP errors are sent with DSCP CS6 (tos 0xc0), no DF. */
static void parses_tos_of_kernel_error(void **state)
{
	uint8_t frame[FRAME_MAX], *d;
	size_t len = load_ipv4("icmp-port-unreachable-kernel.hex", frame, sizeof(frame), &d);
	struct np_ipv4 ip;

	(void)state;
	assert_int_equal(np_ipv4_parse(d, len, &ip), 0);
	assert_int_equal(ip.tos, 0xc0);
	assert_int_equal(np_ipv4_dscp(ip.tos), 48);
	assert_int_equal(np_ipv4_ecn(ip.tos), 0);
	assert_int_equal(ip.flags, 0);
	assert_int_equal(ip.src, IP_B);
	assert_int_equal(ip.dst, IP_A);
	assert_int_equal(ip.payload_len, 44);
	assert_int_equal(np_ipv4_ecn(0x03), 3);      /* CE */
	assert_int_equal(np_ipv4_dscp(0xb8), 46);    /* EF */
}

/* The 50-byte UDP frame padded to 60 as a NIC would: the padding is not payload. */
static void ignores_ethernet_padding(void **state)
{
	uint8_t frame[FRAME_MAX], out[FRAME_MAX];
	size_t len = np_test_load_hex("ipv4-udp-python.hex", frame, sizeof(frame));
	struct np_ether e;
	struct np_ipv4 ip;

	(void)state;
	assert_int_equal(len, 50);
	assert_int_equal(np_ether_parse(frame, len, &e), 0);
	assert_int_equal(np_ether_build(&e, out, sizeof(out)), NP_ETHER_MIN_FRAME);
	assert_int_equal(np_ether_parse(out, NP_ETHER_MIN_FRAME, &e), 0);
	assert_int_equal(e.payload_len, 46);
	assert_int_equal(np_ipv4_parse(e.payload, e.payload_len, &ip), 0);
	assert_int_equal(ip.total_len, 36);
	assert_int_equal(ip.proto, NP_IPPROTO_UDP);
	assert_int_equal(ip.flags, NP_IPV4_DF);
	assert_int_equal(ip.payload_len, 16);
	assert_memory_equal(ip.payload + 8, "netproto", 8);
}

/* ping -R: IHL 15, NOP then a 39-byte record route option; exposed raw. */
static void exposes_record_route_options(void **state)
{
	uint8_t frame[FRAME_MAX], *d;
	size_t len = load_ipv4("ipv4-options-rr-ping.hex", frame, sizeof(frame), &d);
	struct np_ipv4 ip;

	(void)state;
	assert_int_equal(np_ipv4_parse(d, len, &ip), 0);
	assert_int_equal(ip.hdr_len, 60);
	assert_int_equal(ip.total_len, 124);
	assert_int_equal(ip.opts_len, 40);
	assert_ptr_equal(ip.opts, d + 20);
	assert_int_equal(ip.opts[0], 1);        /* NOP */
	assert_int_equal(ip.opts[1], 7);        /* RR */
	assert_int_equal(ip.opts[2], 39);
	assert_int_equal(np_load_be32(ip.opts + 4), IP_H1);
	assert_ptr_equal(ip.payload, d + 60);
	assert_int_equal(ip.payload_len, 64);
	assert_int_equal(ip.payload[0], 8);
	assert_int_equal(ip.src, IP_H1);
	assert_int_equal(ip.dst, IP_H2);
}

static void exposes_filled_record_route(void **state)
{
	static const uint32_t route[] = { IP_H1, IP_R2, IP_H2, IP_H2, IP_R1 };
	uint8_t frame[FRAME_MAX], *d;
	size_t len = load_ipv4("ipv4-options-rr-reply-kernel.hex", frame, sizeof(frame), &d);
	struct np_ipv4 ip;
	size_t i;

	(void)state;
	assert_int_equal(np_ipv4_parse(d, len, &ip), 0);
	assert_int_equal(ip.ttl, 63);
	assert_int_equal(ip.opts_len, 40);
	assert_int_equal(ip.opts[0], 7);
	assert_int_equal(ip.opts[2], 24);       /* pointer past the 5 recorded hops */
	for (i = 0; i < 5; i++)
		assert_int_equal(np_load_be32(ip.opts + 3 + 4 * i), route[i]);
	assert_int_equal(ip.opts[39], 0);       /* End of Option List */
	assert_int_equal(ip.payload_len, 64);
	assert_int_equal(ip.payload[0], 0);     /* echo reply */
}

/* ping -s 3000 over MTU 1500: three fragments of one datagram. */
static void parses_kernel_fragments(void **state)
{
	static const struct {
		const char *name;
		uint8_t flags;
		uint16_t off;
		size_t payload_len;
	} frags[] = {
		{ "ipv4-frag-first-kernel.hex", NP_IPV4_MF, 0, 1480 },
		{ "ipv4-frag-middle-kernel.hex", NP_IPV4_MF, 1480, 1480 },
		{ "ipv4-frag-last-kernel.hex", 0, 2960, 48 },
	};
	size_t i, total = 0;

	(void)state;
	for (i = 0; i < 3; i++) {
		uint8_t frame[FRAME_MAX], *d;
		size_t len = load_ipv4(frags[i].name, frame, sizeof(frame), &d);
		struct np_ipv4 ip;

		assert_int_equal(np_ipv4_parse(d, len, &ip), 0);
		assert_int_equal(ip.id, 52778);
		assert_int_equal(ip.flags, frags[i].flags);
		assert_int_equal(ip.frag_off, frags[i].off);
		assert_int_equal(ip.payload_len, frags[i].payload_len);
		assert_int_equal(ip.proto, NP_IPPROTO_ICMP);
		assert_true(np_ipv4_is_fragment(&ip));
		assert_int_equal(ip.frag_off, total);
		total += ip.payload_len;
	}
	/* 8 bytes of ICMP header and ping's 3000 bytes of data. */
	assert_int_equal(total, 3008);
}

/* parse -> build gives the datagram back byte for byte, checksum included. */
static void round_trips_every_capture(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		uint8_t frame[FRAME_MAX], out[FRAME_MAX], *d;
		size_t len = load_ipv4(captures[i], frame, sizeof(frame), &d);
		struct np_ipv4 a, b;

		assert_int_equal(np_ipv4_parse(d, len, &a), 0);
		assert_int_equal(np_ipv4_hdr_len(&a), a.hdr_len);
		assert_int_equal(np_ipv4_build(&a, out, sizeof(out)), a.total_len);
		assert_memory_equal(out, d, a.total_len);
		assert_int_equal(np_ipv4_parse(out, a.total_len, &b), 0);
		assert_int_equal(b.csum, a.csum);
		assert_int_equal(b.payload_len, a.payload_len);
		assert_int_equal(b.opts_len, a.opts_len);
	}
}

/* Built from fields alone, the header is the kernel's, checksum included. */
static void builds_kernel_header_in_place(void **state)
{
	uint8_t frame[FRAME_MAX], out[FRAME_MAX], *d;
	size_t len = load_ipv4("icmp-echo-request-kernel.hex", frame, sizeof(frame), &d);
	struct np_ipv4 ip;

	(void)state;
	memset(&ip, 0, sizeof(ip));
	ip.id = 0x2632;
	ip.flags = NP_IPV4_DF;
	ip.ttl = 64;
	ip.proto = NP_IPPROTO_ICMP;
	ip.src = IP_A;
	ip.dst = IP_B;
	ip.total_len = 1;           /* ignored */
	ip.csum = 0x1234;           /* ignored */
	/* The ICMP message already sits where the payload goes. */
	memcpy(out + 20, d + 20, len - 20);
	ip.payload = out + 20;
	ip.payload_len = len - 20;
	assert_int_equal(np_ipv4_hdr_len(&ip), 20);
	assert_int_equal(np_ipv4_build(&ip, out, sizeof(out)), 84);
	assert_memory_equal(out, d, 84);
}

/* Options are padded with End of Option List to a 32-bit boundary. */
static void build_pads_options(void **state)
{
	static const uint8_t rtralt[] = { 0x94, 0x04, 0x00 };   /* router alert cut to 3 bytes */
	uint8_t out[128];
	struct np_ipv4 ip, back;

	(void)state;
	memset(&ip, 0, sizeof(ip));
	ip.ttl = 1;
	ip.proto = 2;
	ip.src = IP_A;
	ip.dst = 0xe0000016u;
	ip.opts = rtralt;
	ip.opts_len = sizeof(rtralt);
	ip.tos = 0xc0;
	assert_int_equal(np_ipv4_hdr_len(&ip), 24);
	assert_int_equal(np_ipv4_build(&ip, out, sizeof(out)), 24);
	assert_int_equal(out[0], 0x46);
	assert_memory_equal(out + 20, rtralt, 3);
	assert_int_equal(out[23], 0);
	assert_int_equal(np_ipv4_parse(out, 24, &back), 0);
	assert_int_equal(back.opts_len, 4);
	assert_int_equal(back.payload_len, 0);
	assert_int_equal(back.tos, 0xc0);
	assert_int_equal(back.dst, 0xe0000016u);
}

static void build_rejects_bad_fields(void **state)
{
	static uint8_t big[NP_IPV4_MAX_LEN];
	uint8_t out[128], opts[44] = { 0 };
	struct np_ipv4 ip;

	(void)state;
	memset(&ip, 0, sizeof(ip));
	ip.opts = opts;
	ip.opts_len = 41;
	assert_int_equal(np_ipv4_build(&ip, out, sizeof(out)), NP_EINVAL);
	ip.opts_len = 40;
	assert_int_equal(np_ipv4_build(&ip, out, sizeof(out)), 60);
	ip.opts_len = 0;
	ip.frag_off = 1481;
	assert_int_equal(np_ipv4_build(&ip, out, sizeof(out)), NP_EINVAL);
	ip.frag_off = 1480;
	ip.flags = 8;
	assert_int_equal(np_ipv4_build(&ip, out, sizeof(out)), NP_EINVAL);
	ip.flags = NP_IPV4_MF;
	ip.payload = big;
	ip.payload_len = NP_IPV4_MAX_LEN - 19;
	assert_int_equal(np_ipv4_build(&ip, out, sizeof(out)), NP_EINVAL);
	ip.payload_len = 200;
	assert_int_equal(np_ipv4_build(&ip, out, sizeof(out)), NP_ENOSPC);
	assert_int_equal(np_ipv4_build(&ip, out, 19), NP_ENOSPC);
	ip.payload = NULL;
	assert_int_equal(np_ipv4_build(&ip, out, sizeof(out)), NP_EINVAL);
	ip.payload = big;
	ip.payload_len = 8;
	assert_int_equal(np_ipv4_build(&ip, out, sizeof(out)), 28);
	assert_int_equal(np_ipv4_parse(out, 28, &ip), 0);
	assert_int_equal(ip.frag_off, 1480);
	assert_int_equal(ip.flags, NP_IPV4_MF);
	/* The reserved bit is kept, so what was received can be sent on unchanged. */
	ip.flags = NP_IPV4_RF;
	assert_int_equal(np_ipv4_build(&ip, out, sizeof(out)), 28);
	assert_int_equal(out[6], 0x80);
	assert_int_equal(out[7], 1480 / 8);
}

static void rejects_truncated(void **state)
{
	uint8_t frame[FRAME_MAX], *d;
	size_t len = load_ipv4("icmp-echo-request-kernel.hex", frame, sizeof(frame), &d), cut;
	struct np_ipv4 ip;

	(void)state;
	memset(&ip, 0x5a, sizeof(ip));
	for (cut = 0; cut < NP_IPV4_HDR_LEN; cut++)
		assert_int_equal(np_ipv4_parse(d, cut, &ip), NP_ETRUNC);
	/* A header whole but a datagram cut short: its total length lies. */
	for (cut = NP_IPV4_HDR_LEN; cut < 84; cut++)
		assert_int_equal(np_ipv4_parse(d, cut, &ip), NP_EBADLEN);
	assert_int_equal(ip.ttl, 0x5a);         /* nothing written on failure */
	assert_int_equal(np_ipv4_parse(d, len, &ip), 0);
	assert_int_equal(np_ipv4_parse(NULL, 0, &ip), NP_ETRUNC);
}

/* Hand-made from the kernel's echo request: an IPv6 version nibble, and 0. */
static void rejects_bad_version(void **state)
{
	uint8_t frame[FRAME_MAX], *d;
	size_t len = load_ipv4("icmp-echo-request-kernel.hex", frame, sizeof(frame), &d);
	struct np_ipv4 ip;

	(void)state;
	d[0] = 0x65;
	fix_csum(d, 20);
	assert_int_equal(np_ipv4_parse(d, len, &ip), NP_EVERSION);
	/* Even a single byte says it is not IPv4. */
	assert_int_equal(np_ipv4_parse(d, 1, &ip), NP_EVERSION);
	d[0] = 0x05;
	fix_csum(d, 20);
	assert_int_equal(np_ipv4_parse(d, len, &ip), NP_EVERSION);
	assert_int_equal(np_ipv4_parse_quoted(d, len, &ip), NP_EVERSION);
}

/* Hand-made: IHL below 5, and IHL pointing past the data. */
static void rejects_bad_ihl(void **state)
{
	uint8_t frame[FRAME_MAX], *d;
	size_t len = load_ipv4("icmp-echo-request-kernel.hex", frame, sizeof(frame), &d);
	struct np_ipv4 ip;
	uint8_t ihl;

	(void)state;
	for (ihl = 0; ihl < 5; ihl++) {
		d[0] = (uint8_t)(0x40 | ihl);
		assert_int_equal(np_ipv4_parse(d, len, &ip), NP_EBADLEN);
		assert_int_equal(np_ipv4_parse_quoted(d, len, &ip), NP_EBADLEN);
	}
	/* IHL 15 (60 bytes) in a 40-byte buffer: the options would run past it. */
	d[0] = 0x4f;
	np_store_be16(d + 2, 40);
	fix_csum(d, 20);
	assert_int_equal(np_ipv4_parse(d, 40, &ip), NP_EBADLEN);
	assert_int_equal(np_ipv4_parse_quoted(d, 40, &ip), NP_EBADLEN);
	/* IHL 6 with the total length still 84: header 24, payload 60. */
	d[0] = 0x46;
	np_store_be16(d + 2, 84);
	fix_csum(d, 24);
	assert_int_equal(np_ipv4_parse(d, len, &ip), 0);
	assert_int_equal(ip.opts_len, 4);
	assert_int_equal(ip.payload_len, 60);
}

/* Hand-made: total length above the data, and below the header length. */
static void rejects_bad_total_length(void **state)
{
	uint8_t frame[FRAME_MAX], *d;
	size_t len = load_ipv4("ipv4-options-rr-ping.hex", frame, sizeof(frame), &d);
	struct np_ipv4 ip;

	(void)state;
	np_store_be16(d + 2, (uint16_t)(len + 1));
	fix_csum(d, 60);
	assert_int_equal(np_ipv4_parse(d, len, &ip), NP_EBADLEN);
	np_store_be16(d + 2, 59);               /* inside the options */
	fix_csum(d, 60);
	assert_int_equal(np_ipv4_parse(d, len, &ip), NP_EBADLEN);
	assert_int_equal(np_ipv4_parse_quoted(d, len, &ip), NP_EBADLEN);
	np_store_be16(d + 2, 60);               /* header alone */
	fix_csum(d, 60);
	assert_int_equal(np_ipv4_parse(d, len, &ip), 0);
	assert_int_equal(ip.payload_len, 0);
}

static void rejects_bad_checksum(void **state)
{
	uint8_t frame[FRAME_MAX], *d;
	size_t len = load_ipv4("ipv4-options-rr-reply-kernel.hex", frame, sizeof(frame), &d);
	struct np_ipv4 ip;

	(void)state;
	/* Hand-made: one bit flipped in the last option byte, then in the checksum. */
	d[59] ^= 0x01;
	assert_int_equal(np_ipv4_parse(d, len, &ip), NP_ECSUM);
	d[59] ^= 0x01;
	d[11] ^= 0x80;
	assert_int_equal(np_ipv4_parse(d, len, &ip), NP_ECSUM);
	d[11] ^= 0x80;
	/* A payload byte is not covered by the header checksum. */
	d[100] ^= 0xff;
	assert_int_equal(np_ipv4_parse(d, len, &ip), 0);
}

/* The quoted parser accepts a cut datagram and a checksum it does not check. */
static void quoted_parse_is_lenient(void **state)
{
	uint8_t frame[FRAME_MAX], *d;
	size_t len = load_ipv4("ipv4-udp-python.hex", frame, sizeof(frame), &d);
	struct np_ipv4 ip;

	(void)state;
	assert_int_equal(len, 36);
	assert_int_equal(np_ipv4_parse(d, 28, &ip), NP_EBADLEN);
	assert_int_equal(np_ipv4_parse_quoted(d, 28, &ip), 0);
	assert_int_equal(ip.total_len, 36);
	assert_int_equal(ip.payload_len, 8);
	d[8] = 1;                               /* TTL changed, checksum not */
	assert_int_equal(np_ipv4_parse(d, len, &ip), NP_ECSUM);
	assert_int_equal(np_ipv4_parse_quoted(d, len, &ip), 0);
	assert_int_equal(ip.ttl, 1);
	assert_int_equal(np_ipv4_parse_quoted(d, 19, &ip), NP_ETRUNC);
}

static void addr_to_text(void **state)
{
	char text[NP_IPV4_ADDR_TEXT_LEN];

	(void)state;
	assert_int_equal(np_ipv4_addr_to_text(IP_A, text), 9);
	assert_string_equal(text, "10.77.0.1");
	assert_int_equal(np_ipv4_addr_to_text(0, text), 7);
	assert_string_equal(text, "0.0.0.0");
	assert_int_equal(np_ipv4_addr_to_text(0xffffffffu, text), 15);
	assert_string_equal(text, "255.255.255.255");
	np_ipv4_addr_to_text(0xc0a8640au, text);
	assert_string_equal(text, "192.168.100.10");
}

static void addr_parse(void **state)
{
	static const char *const bad[] = {
		"", "1", "1.2.3", "1.2.3.", "1.2.3.4.", "1.2.3.4.5", "1..3.4", ".1.2.3",
		"256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3.00", "0x1.2.3.4", "1.2.3.4 ",
		" 1.2.3.4", "-1.2.3.4", "1.2.3.4/24", "1000.1.1.1", "1,2.3.4", "1.2.3.4\n",
	};
	uint32_t a = 0x5a5a5a5a;
	size_t i;

	(void)state;
	assert_int_equal(np_ipv4_addr_parse("10.77.0.1", &a), 0);
	assert_int_equal(a, IP_A);
	assert_int_equal(np_ipv4_addr_parse("255.255.255.255", &a), 0);
	assert_int_equal(a, 0xffffffffu);
	assert_int_equal(np_ipv4_addr_parse("0.0.0.0", &a), 0);
	assert_int_equal(a, 0);
	assert_int_equal(np_ipv4_addr_parse("192.168.100.10", &a), 0);
	assert_int_equal(a, 0xc0a8640au);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = 0x5a5a5a5a;
		if (np_ipv4_addr_parse(bad[i], &a) != NP_EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(a, 0x5a5a5a5a);
	}
}

static void addr_text_round_trip(void **state)
{
	char text[NP_IPV4_ADDR_TEXT_LEN];
	uint32_t v, back;

	(void)state;
	/* Every octet value in every position. */
	for (v = 0; v < 256; v++) {
		uint32_t addr = v << 24 | (255 - v) << 16 | (v * 7 % 256) << 8 | (v * 13 % 256);

		np_ipv4_addr_to_text(addr, text);
		assert_int_equal(np_ipv4_addr_parse(text, &back), 0);
		assert_int_equal(back, addr);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_kernel_echo_request),
		cmocka_unit_test(parses_tos_of_kernel_error),
		cmocka_unit_test(ignores_ethernet_padding),
		cmocka_unit_test(exposes_record_route_options),
		cmocka_unit_test(exposes_filled_record_route),
		cmocka_unit_test(parses_kernel_fragments),
		cmocka_unit_test(round_trips_every_capture),
		cmocka_unit_test(builds_kernel_header_in_place),
		cmocka_unit_test(build_pads_options),
		cmocka_unit_test(build_rejects_bad_fields),
		cmocka_unit_test(rejects_truncated),
		cmocka_unit_test(rejects_bad_version),
		cmocka_unit_test(rejects_bad_ihl),
		cmocka_unit_test(rejects_bad_total_length),
		cmocka_unit_test(rejects_bad_checksum),
		cmocka_unit_test(quoted_parse_is_lenient),
		cmocka_unit_test(addr_to_text),
		cmocka_unit_test(addr_parse),
		cmocka_unit_test(addr_text_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
