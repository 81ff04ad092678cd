/* test-icmp.c: ICMP (RFC 792) against the kernel's echo, unreachable and time exceeded. */
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
#include <netproto/icmp.h>
#include <netproto/ipv4.h>

#include "testutil.h"

#define IP_A 0x0a4d0001u     /* 10.77.0.1 */
#define IP_B 0x0a4d0002u     /* 10.77.0.2 */
#define IP_H1 0x0a4d0102u    /* 10.77.1.2 */
#define IP_R1 0x0a4d0101u    /* 10.77.1.1 */
#define IP_H2 0x0a4d0202u    /* 10.77.2.2 */

static const char *const captures[] = {
	"icmp-echo-request-kernel.hex", "icmp-echo-reply-kernel.hex",
	"icmp-port-unreachable-kernel.hex", "icmp-time-exceeded-kernel.hex",
	"ipv4-options-rr-ping.hex", "ipv4-options-rr-reply-kernel.hex",
};

/*
 * Load a captured frame and parse down to its IPv4 header; returns the
 * ICMP message in *msg and its length (a writable view into frame).
 */
static size_t load_icmp(const char *name, uint8_t *frame, size_t cap, struct np_ipv4 *ip,
			uint8_t **msg)
{
	size_t len = np_test_load_hex(name, frame, cap);
	struct np_ether e;

	assert_int_equal(np_ether_parse(frame, len, &e), 0);
	assert_int_equal(e.ethertype, NP_ETHERTYPE_IPV4);
	assert_int_equal(np_ipv4_parse(e.payload, e.payload_len, ip), 0);
	assert_int_equal(ip->proto, NP_IPPROTO_ICMP);
	*msg = frame + NP_ETHER_HDR_LEN + ip->hdr_len;
	assert_ptr_equal(*msg, ip->payload);
	return ip->payload_len;
}

static void parses_kernel_echo_request(void **state)
{
	uint8_t frame[256], *msg;
	struct np_ipv4 ip;
	size_t len = load_icmp("icmp-echo-request-kernel.hex", frame, sizeof(frame), &ip, &msg);
	struct np_icmp m;
	size_t i;

	(void)state;
	assert_int_equal(np_icmp_parse(msg, len, &m), 0);
	assert_int_equal(m.type, NP_ICMP_ECHO_REQUEST);
	assert_int_equal(m.code, 0);
	assert_int_equal(m.csum, 0xbb1d);
	assert_int_equal(m.id, 0x2f5b);
	assert_int_equal(m.seq, 1);
	assert_int_equal(m.rest, 0x2f5b0001u);
	assert_ptr_equal(m.data, msg + 8);
	assert_int_equal(m.data_len, 56);
	/* iputils ping: 16 bytes of timeval, then 0x10, 0x11, ... */
	for (i = 16; i < 56; i++)
		assert_int_equal(m.data[i], i);
	assert_true(np_icmp_has_id_seq(m.type));
	assert_false(np_icmp_is_error(m.type));
}

static void parses_kernel_echo_reply(void **state)
{
	uint8_t frame[256], req_frame[256], *msg, *req_msg;
	struct np_ipv4 ip, req_ip;
	size_t len = load_icmp("icmp-echo-reply-kernel.hex", frame, sizeof(frame), &ip, &msg);
	struct np_icmp m, req;

	(void)state;
	load_icmp("icmp-echo-request-kernel.hex", req_frame, sizeof(req_frame), &req_ip, &req_msg);
	assert_int_equal(np_icmp_parse(msg, len, &m), 0);
	assert_int_equal(np_icmp_parse(req_msg, req_ip.payload_len, &req), 0);
	assert_int_equal(m.type, NP_ICMP_ECHO_REPLY);
	assert_int_equal(m.code, 0);
	/* RFC 792: the reply echoes identifier, sequence number and data. */
	assert_int_equal(m.id, req.id);
	assert_int_equal(m.seq, req.seq);
	assert_int_equal(m.data_len, req.data_len);
	assert_memory_equal(m.data, req.data, m.data_len);
	assert_true(np_icmp_quote_parse(&m, &(struct np_icmp_quote){ 0 }) == NP_ETYPE);
}

/* The kernel's answer to a UDP datagram for closed port 9, quoting it whole. */
static void parses_kernel_port_unreachable(void **state)
{
	uint8_t frame[256], *msg;
	struct np_ipv4 ip;
	size_t len = load_icmp("icmp-port-unreachable-kernel.hex", frame, sizeof(frame), &ip, &msg);
	struct np_icmp m;
	struct np_icmp_quote q;

	(void)state;
	assert_int_equal(np_icmp_parse(msg, len, &m), 0);
	assert_int_equal(m.type, NP_ICMP_DEST_UNREACH);
	assert_int_equal(m.code, NP_ICMP_UNREACH_PORT);
	assert_int_equal(m.rest, 0);
	assert_int_equal(m.id, 0);
	assert_true(np_icmp_is_error(m.type));
	assert_int_equal(m.data_len, 36);
	assert_int_equal(np_icmp_quote_parse(&m, &q), 0);
	assert_int_equal(q.ip.src, IP_A);
	assert_int_equal(q.ip.dst, IP_B);
	assert_int_equal(q.ip.proto, NP_IPPROTO_UDP);
	assert_int_equal(q.ip.total_len, 36);
	assert_int_equal(q.ip.id, 0x3b86);
	assert_int_equal(q.ip.payload_len, 16);
	assert_true(q.has_ports);
	assert_int_equal(q.sport, 43960);
	assert_int_equal(q.dport, 9);
	assert_memory_equal(q.ip.payload + 8, "netproto", 8);
}

/* Router r's answer to ping -t 1: the quote is the echo request with TTL 1. */
static void parses_kernel_time_exceeded(void **state)
{
	uint8_t frame[256], *msg;
	struct np_ipv4 ip;
	size_t len = load_icmp("icmp-time-exceeded-kernel.hex", frame, sizeof(frame), &ip, &msg);
	struct np_icmp m, echo;
	struct np_icmp_quote q;

	(void)state;
	assert_int_equal(ip.src, IP_R1);
	assert_int_equal(ip.dst, IP_H1);
	assert_int_equal(np_icmp_parse(msg, len, &m), 0);
	assert_int_equal(m.type, NP_ICMP_TIME_EXCEEDED);
	assert_int_equal(m.code, NP_ICMP_TIMX_TTL);
	assert_int_equal(m.data_len, 84);
	assert_int_equal(np_icmp_quote_parse(&m, &q), 0);
	assert_int_equal(q.ip.src, IP_H1);
	assert_int_equal(q.ip.dst, IP_H2);
	assert_int_equal(q.ip.ttl, 1);
	assert_int_equal(q.ip.proto, NP_IPPROTO_ICMP);
	assert_int_equal(q.ip.flags, NP_IPV4_DF);
	assert_false(q.has_ports);
	assert_int_equal(q.ip.payload_len, 64);
	/* Linux quotes all of it: the quoted echo request parses, checksum and all. */
	assert_int_equal(np_icmp_parse(q.ip.payload, q.ip.payload_len, &echo), 0);
	assert_int_equal(echo.type, NP_ICMP_ECHO_REQUEST);
	assert_int_equal(echo.id, 27024);
	assert_int_equal(echo.seq, 1);
}

/*
 * Hand-made from the time exceeded capture: a router that quotes only the
 * RFC 792 minimum (header + 8 bytes) leaves total length larger than the
 * quote; the quote still parses.
 */
static void parses_minimal_quote(void **state)
{
	uint8_t frame[256], out[256], *msg;
	struct np_ipv4 ip;
	size_t len = load_icmp("icmp-port-unreachable-kernel.hex", frame, sizeof(frame), &ip, &msg);
	struct np_icmp m, cut;
	struct np_icmp_quote q;
	int n;

	(void)state;
	assert_int_equal(np_icmp_parse(msg, len, &m), 0);
	m.data_len = 28;
	n = np_icmp_build(&m, out, sizeof(out));
	assert_int_equal(n, 36);
	assert_int_equal(np_icmp_parse(out, (size_t)n, &cut), 0);
	assert_int_equal(np_icmp_quote_parse(&cut, &q), 0);
	assert_int_equal(q.ip.total_len, 36);
	assert_int_equal(q.ip.payload_len, 8);
	assert_true(q.has_ports);
	assert_int_equal(q.dport, 9);
	/* Cut inside the UDP header: no ports. */
	cut.data_len = 22;
	assert_int_equal(np_icmp_quote_parse(&cut, &q), 0);
	assert_false(q.has_ports);
	assert_int_equal(q.sport, 0);
	/* Cut inside the IPv4 header. */
	cut.data_len = 19;
	assert_int_equal(np_icmp_quote_parse(&cut, &q), NP_ETRUNC);
	/* A non-first fragment holds no ports. */
	cut.data_len = 28;
	np_store_be16(out + 8 + 6, 0x0001);     /* offset 8 bytes */
	assert_int_equal(np_icmp_quote_parse(&cut, &q), 0);
	assert_int_equal(q.ip.frag_off, 8);
	assert_false(q.has_ports);
}

/* Hand-made RFC 4884 message: a quote of 7 words, then an extension. */
static void quote_honours_rfc4884_length(void **state)
{
	uint8_t frame[256], out[256], data[64], *msg;
	struct np_ipv4 ip;
	size_t len = load_icmp("icmp-port-unreachable-kernel.hex", frame, sizeof(frame), &ip, &msg);
	struct np_icmp m;
	struct np_icmp_quote q;
	int n;

	(void)state;
	assert_int_equal(np_icmp_parse(msg, len, &m), 0);
	memset(data, 0xee, sizeof(data));
	memcpy(data, m.data, 28);
	/* The quote claims 60 bytes, so without the length the extension would pass for payload. */
	np_store_be16(data + 2, 60);
	m.data = data;
	m.data_len = sizeof(data);
	m.rest = 7u << 16;
	n = np_icmp_build(&m, out, sizeof(out));
	assert_int_equal(n, 72);
	assert_int_equal(out[5], 7);
	assert_int_equal(np_icmp_parse(out, (size_t)n, &m), 0);
	assert_int_equal(np_icmp_quote_parse(&m, &q), 0);
	assert_int_equal(q.ip.payload_len, 8);
	/* A length beyond the data is ignored rather than trusted. */
	m.rest = 100u << 16;
	assert_int_equal(np_icmp_quote_parse(&m, &q), 0);
	assert_int_equal(q.ip.payload_len, 40);
	assert_int_equal(q.ip.payload[39], 0xee);
}

/* parse -> build gives every captured message back byte for byte. */
static void round_trips_every_capture(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		uint8_t frame[256], out[256], *msg;
		struct np_ipv4 ip;
		size_t len = load_icmp(captures[i], frame, sizeof(frame), &ip, &msg);
		struct np_icmp a, b;

		assert_int_equal(np_icmp_parse(msg, len, &a), 0);
		assert_int_equal(np_icmp_build(&a, out, sizeof(out)), len);
		assert_memory_equal(out, msg, len);
		assert_int_equal(np_icmp_parse(out, len, &b), 0);
		assert_int_equal(b.rest, a.rest);
		assert_int_equal(b.csum, a.csum);
	}
}

/* An echo request built from fields, its data in place, is the kernel's. */
static void builds_kernel_echo_in_place(void **state)
{
	uint8_t frame[256], out[256], *msg;
	struct np_ipv4 ip;
	size_t len = load_icmp("icmp-echo-request-kernel.hex", frame, sizeof(frame), &ip, &msg);
	struct np_icmp m;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.type = NP_ICMP_ECHO_REQUEST;
	m.id = 0x2f5b;
	m.seq = 1;
	m.rest = 0xdeadbeef;        /* ignored for echo */
	m.csum = 0x1234;            /* ignored */
	memcpy(out + 8, msg + 8, len - 8);
	m.data = out + 8;
	m.data_len = len - 8;
	assert_int_equal(np_icmp_build(&m, out, sizeof(out)), len);
	assert_memory_equal(out, msg, len);
}

/* Hand-made: fragmentation needed with the next-hop MTU (RFC 1191 §4). */
static void builds_frag_needed(void **state)
{
	uint8_t frame[256], out[256], *msg;
	struct np_ipv4 ip;
	size_t len = load_icmp("icmp-echo-request-kernel.hex", frame, sizeof(frame), &ip, &msg);
	struct np_icmp m, back;
	struct np_icmp_quote q;
	int n;

	(void)state;
	(void)len;
	memset(&m, 0, sizeof(m));
	m.type = NP_ICMP_DEST_UNREACH;
	m.code = NP_ICMP_UNREACH_NEEDFRAG;
	m.rest = 1400;
	m.id = 0x5a5a;              /* ignored for errors */
	m.data = frame + NP_ETHER_HDR_LEN;
	m.data_len = 28;            /* the echo request's header + 8 bytes */
	n = np_icmp_build(&m, out, sizeof(out));
	assert_int_equal(n, 36);
	assert_int_equal(np_load_be32(out + 4), 1400);
	assert_int_equal(np_icmp_parse(out, (size_t)n, &back), 0);
	assert_int_equal(np_icmp_next_mtu(&back), 1400);
	assert_int_equal(back.id, 0);
	assert_int_equal(np_icmp_quote_parse(&back, &q), 0);
	assert_int_equal(q.ip.src, IP_A);
	assert_int_equal(q.ip.total_len, 84);
	assert_int_equal(q.ip.payload_len, 8);
	assert_false(q.has_ports);
}

/* Hand-made: a parameter problem pointing at octet 1, and an unknown type. */
static void keeps_other_types_raw(void **state)
{
	uint8_t msg[64], out[64];
	size_t len;
	struct np_icmp m;
	struct np_icmp_quote q;

	(void)state;
	len = np_test_hex("0c00 0000 01000000 4500001c000000004011000000000000", msg, sizeof(msg));
	np_store_be16(msg + 2, 0);
	np_store_be16(msg + 2, np_csum(msg, len));
	assert_int_equal(np_icmp_parse(msg, len, &m), 0);
	assert_int_equal(m.type, NP_ICMP_PARAM_PROBLEM);
	assert_int_equal(np_icmp_pointer(&m), 1);
	/* The quoted header is cut at 16 of its 20 bytes. */
	assert_int_equal(np_icmp_quote_parse(&m, &q), NP_ETRUNC);

	/* Type 42 (RFC 8335 extended echo): kept whole, id/seq not decoded. */
	len = np_test_hex("2a00 0000 12340100 0102030405", msg, sizeof(msg));
	np_store_be16(msg + 2, np_csum(msg, len));
	assert_int_equal(np_icmp_parse(msg, len, &m), 0);
	assert_int_equal(m.type, 42);
	assert_int_equal(m.rest, 0x12340100u);
	assert_int_equal(m.id, 0);
	assert_int_equal(m.data_len, 5);
	assert_false(np_icmp_has_id_seq(m.type));
	assert_false(np_icmp_is_error(m.type));
	assert_int_equal(np_icmp_quote_parse(&m, &q), NP_ETYPE);
	/* Odd length: the checksum pads with a zero byte (RFC 1071 §4.1). */
	assert_int_equal(np_icmp_build(&m, out, sizeof(out)), 13);
	assert_memory_equal(out, msg, 13);
}

static void rejects_truncated_and_bad_checksum(void **state)
{
	uint8_t frame[256], *msg;
	struct np_ipv4 ip;
	size_t len = load_icmp("icmp-time-exceeded-kernel.hex", frame, sizeof(frame), &ip, &msg);
	struct np_icmp m;
	size_t cut;

	(void)state;
	memset(&m, 0x5a, sizeof(m));
	for (cut = 0; cut < NP_ICMP_HDR_LEN; cut++)
		assert_int_equal(np_icmp_parse(msg, cut, &m), NP_ETRUNC);
	/* The checksum covers the whole message: without its last word it fails. */
	assert_int_equal(np_icmp_parse(msg, len - 2, &m), NP_ECSUM);
	assert_int_equal(m.type, 0x5a);         /* nothing written on failure */
	/* Hand-made: one bit flipped in the quoted data, then in the checksum. */
	msg[len - 1] ^= 0x01;
	assert_int_equal(np_icmp_parse(msg, len, &m), NP_ECSUM);
	msg[len - 1] ^= 0x01;
	msg[3] ^= 0x10;
	assert_int_equal(np_icmp_parse(msg, len, &m), NP_ECSUM);
	msg[3] ^= 0x10;
	assert_int_equal(np_icmp_parse(msg, len, &m), 0);
	assert_int_equal(np_icmp_parse(NULL, 0, &m), NP_ETRUNC);
}

/* Hand-made: a quote that is not IPv4 is reported as such. */
static void quote_errors_come_from_ipv4(void **state)
{
	uint8_t frame[256], out[256], *msg;
	struct np_ipv4 ip;
	size_t len = load_icmp("icmp-port-unreachable-kernel.hex", frame, sizeof(frame), &ip, &msg);
	struct np_icmp m;
	struct np_icmp_quote q;

	(void)state;
	assert_int_equal(np_icmp_parse(msg, len, &m), 0);
	memcpy(out, m.data, m.data_len);
	m.data = out;
	out[0] = 0x60;
	assert_int_equal(np_icmp_quote_parse(&m, &q), NP_EVERSION);
	out[0] = 0x43;
	assert_int_equal(np_icmp_quote_parse(&m, &q), NP_EBADLEN);
	out[0] = 0x45;
	np_store_be16(out + 2, 19);
	assert_int_equal(np_icmp_quote_parse(&m, &q), NP_EBADLEN);
}

static void build_rejects_bad_arguments(void **state)
{
	static uint8_t big[NP_IPV4_MAX_LEN];
	uint8_t out[64];
	struct np_icmp m;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.type = NP_ICMP_ECHO_REQUEST;
	assert_int_equal(np_icmp_build(&m, out, 7), NP_ENOSPC);
	assert_int_equal(np_icmp_build(&m, out, 8), 8);
	m.data_len = 4;
	assert_int_equal(np_icmp_build(&m, out, sizeof(out)), NP_EINVAL);
	m.data = big;
	m.data_len = sizeof(out);
	assert_int_equal(np_icmp_build(&m, out, sizeof(out)), NP_ENOSPC);
	m.data_len = NP_IPV4_MAX_LEN - 7;
	assert_int_equal(np_icmp_build(&m, out, sizeof(out)), NP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_kernel_echo_request),
		cmocka_unit_test(parses_kernel_echo_reply),
		cmocka_unit_test(parses_kernel_port_unreachable),
		cmocka_unit_test(parses_kernel_time_exceeded),
		cmocka_unit_test(parses_minimal_quote),
		cmocka_unit_test(quote_honours_rfc4884_length),
		cmocka_unit_test(round_trips_every_capture),
		cmocka_unit_test(builds_kernel_echo_in_place),
		cmocka_unit_test(builds_frag_needed),
		cmocka_unit_test(keeps_other_types_raw),
		cmocka_unit_test(rejects_truncated_and_bad_checksum),
		cmocka_unit_test(quote_errors_come_from_ipv4),
		cmocka_unit_test(build_rejects_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
