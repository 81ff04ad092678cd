/* test-arp.c: ARP (RFC 826) and RFC 5227 probes/announcements against arping and the kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/arp.h>
#include <netproto/error.h>
#include <netproto/ether.h>

#include "testutil.h"

#define IP_A 0x0a4d0001u     /* 10.77.0.1, namespace a in the captures */
#define IP_B 0x0a4d0002u     /* 10.77.0.2, namespace b */

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t mac_zero[6];

/* Load a captured frame and return its Ethernet view (ARP payload checked). */
static size_t load_arp_frame(const char *name, uint8_t *frame, size_t cap, struct np_ether *e)
{
	size_t len = np_test_load_hex(name, frame, cap);

	assert_int_equal(np_ether_parse(frame, len, e), 0);
	assert_int_equal(e->ethertype, NP_ETHERTYPE_ARP);
	return len;
}

static void parses_arping_request(void **state)
{
	uint8_t frame[128];
	struct np_ether e;
	struct np_arp a;

	(void)state;
	load_arp_frame("arp-request-arping.hex", frame, sizeof(frame), &e);
	/* 44 bytes of payload: the 16 bytes of arping's padding are not ARP. */
	assert_int_equal(np_arp_parse(e.payload, e.payload_len, &a), 0);
	assert_int_equal(a.op, NP_ARP_OP_REQUEST);
	assert_memory_equal(a.sha, mac_a, 6);
	assert_int_equal(a.spa, IP_A);
	assert_memory_equal(a.tha, mac_zero, 6);
	assert_int_equal(a.tpa, IP_B);
	assert_false(np_arp_is_probe(&a));
	assert_false(np_arp_is_announcement(&a));
}

static void parses_kernel_reply(void **state)
{
	uint8_t frame[128];
	struct np_ether e;
	struct np_arp a;

	(void)state;
	load_arp_frame("arp-reply-kernel.hex", frame, sizeof(frame), &e);
	assert_int_equal(np_arp_parse(e.payload, e.payload_len, &a), 0);
	assert_int_equal(a.op, NP_ARP_OP_REPLY);
	assert_memory_equal(a.sha, mac_b, 6);
	assert_int_equal(a.spa, IP_B);
	assert_memory_equal(a.tha, mac_a, 6);
	assert_int_equal(a.tpa, IP_A);
	assert_false(np_arp_is_probe(&a));
	assert_false(np_arp_is_announcement(&a));
}

/*
 * Answer a request the way RFC 826 says and frame it: the result must be
 * the kernel's own reply to the same request, byte for byte, padded to 60.
 */
static void check_reply_like_kernel(const char *request, const char *kernel_reply)
{
	uint8_t frame[128], expect[128], out[128];
	size_t expect_len;
	struct np_ether e, re;
	struct np_arp req, rep;

	load_arp_frame(request, frame, sizeof(frame), &e);
	expect_len = np_test_load_hex(kernel_reply, expect, sizeof(expect));
	assert_int_equal(np_arp_parse(e.payload, e.payload_len, &req), 0);
	assert_int_equal(np_arp_reply_from_request(&req, mac_b, &rep), 0);

	memset(&re, 0, sizeof(re));
	memcpy(re.dst, e.src, 6);
	memcpy(re.src, mac_b, 6);
	re.ethertype = NP_ETHERTYPE_ARP;
	re.payload = out + NP_ETHER_HDR_LEN;
	re.payload_len = (size_t)np_arp_build(&rep, out + NP_ETHER_HDR_LEN, sizeof(out) - NP_ETHER_HDR_LEN);
	assert_int_equal(re.payload_len, NP_ARP_LEN);
	assert_int_equal(np_ether_build(&re, out, sizeof(out)), NP_ETHER_MIN_FRAME);
	assert_int_equal(expect_len, 42);
	assert_memory_equal(out, expect, expect_len);
}

static void reply_from_request_matches_kernel(void **state)
{
	(void)state;
	check_reply_like_kernel("arp-request-arping.hex", "arp-reply-kernel.hex");
}

/* The kernel answers an RFC 5227 probe with target IP 0.0.0.0; so do we. */
static void probe_reply_matches_kernel(void **state)
{
	(void)state;
	check_reply_like_kernel("arp-probe-arping.hex", "arp-probe-reply-kernel.hex");
}

static void recognises_arping_probe(void **state)
{
	uint8_t frame[128], out[NP_ARP_LEN];
	struct np_ether e;
	struct np_arp a, mine;

	(void)state;
	load_arp_frame("arp-probe-arping.hex", frame, sizeof(frame), &e);
	assert_int_equal(np_arp_parse(e.payload, e.payload_len, &a), 0);
	assert_int_equal(a.op, NP_ARP_OP_REQUEST);
	assert_int_equal(a.spa, 0);
	assert_int_equal(a.tpa, IP_B);
	assert_true(np_arp_is_probe(&a));
	assert_false(np_arp_is_announcement(&a));
	/* Our own probe for the same address is the same 28 bytes arping sent. */
	np_arp_probe_init(&mine, mac_a, IP_B);
	assert_int_equal(np_arp_build(&mine, out, sizeof(out)), NP_ARP_LEN);
	assert_memory_equal(out, e.payload, NP_ARP_LEN);
	assert_true(np_arp_is_probe(&mine));
}

static void recognises_arping_gratuitous(void **state)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t frame[128];
	struct np_ether e;
	struct np_arp a, mine;

	(void)state;
	load_arp_frame("arp-gratuitous-arping.hex", frame, sizeof(frame), &e);
	assert_int_equal(np_arp_parse(e.payload, e.payload_len, &a), 0);
	assert_int_equal(a.op, NP_ARP_OP_REQUEST);
	assert_int_equal(a.spa, IP_A);
	assert_int_equal(a.tpa, IP_A);
	/* arping -U puts the broadcast address in the target hardware field. */
	assert_memory_equal(a.tha, bcast, 6);
	assert_true(np_arp_is_announcement(&a));
	assert_false(np_arp_is_probe(&a));
	/* The RFC 5227 §2.3 form leaves it zero; both are announcements. */
	np_arp_announcement_init(&mine, mac_a, IP_A);
	assert_int_equal(mine.op, NP_ARP_OP_REQUEST);
	assert_memory_equal(mine.sha, mac_a, 6);
	assert_int_equal(mine.spa, IP_A);
	assert_memory_equal(mine.tha, mac_zero, 6);
	assert_int_equal(mine.tpa, IP_A);
	assert_true(np_arp_is_announcement(&mine));
	/* A gratuitous reply (RFC 5944 §4.6) too. */
	mine.op = NP_ARP_OP_REPLY;
	assert_true(np_arp_is_announcement(&mine));
	/* An unknown opcode is neither. */
	mine.op = 3;
	assert_false(np_arp_is_announcement(&mine));
	assert_false(np_arp_is_probe(&mine));
}

/* parse -> build gives the first 28 bytes back; parse again gives the same view. */
static void round_trips_every_capture(void **state)
{
	static const char *const names[] = {
		"arp-request-arping.hex", "arp-reply-kernel.hex", "arp-probe-arping.hex",
		"arp-probe-reply-kernel.hex", "arp-gratuitous-arping.hex",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint8_t frame[128], out[64];
		struct np_ether e;
		struct np_arp a, b;

		load_arp_frame(names[i], frame, sizeof(frame), &e);
		assert_int_equal(np_arp_parse(e.payload, e.payload_len, &a), 0);
		assert_int_equal(np_arp_build(&a, out, sizeof(out)), NP_ARP_LEN);
		assert_memory_equal(out, e.payload, NP_ARP_LEN);
		assert_int_equal(np_arp_parse(out, NP_ARP_LEN, &b), 0);
		assert_memory_equal(&a.sha, &b.sha, 6);
		assert_memory_equal(&a.tha, &b.tha, 6);
		assert_int_equal(a.op, b.op);
		assert_int_equal(a.spa, b.spa);
		assert_int_equal(a.tpa, b.tpa);
	}
}

static void rejects_truncated(void **state)
{
	uint8_t frame[128];
	struct np_ether e;
	struct np_arp a;
	size_t cut;

	(void)state;
	load_arp_frame("arp-reply-kernel.hex", frame, sizeof(frame), &e);
	memset(&a, 0x5a, sizeof(a));
	for (cut = 0; cut < NP_ARP_LEN; cut++)
		assert_int_equal(np_arp_parse(e.payload, cut, &a), NP_ETRUNC);
	/* Nothing written on failure. */
	assert_int_equal(a.op, 0x5a5a);
	assert_int_equal(np_arp_parse(e.payload, NP_ARP_LEN, &a), 0);
}

/* Hand-made from the kernel reply: each fixed field changed alone. */
static void rejects_other_hardware_and_protocols(void **state)
{
	uint8_t frame[128], *p = frame + NP_ETHER_HDR_LEN;
	size_t len = np_test_load_hex("arp-reply-kernel.hex", frame, sizeof(frame)) - NP_ETHER_HDR_LEN;
	struct np_arp a;

	(void)state;
	assert_int_equal(np_arp_parse(p, len, &a), 0);
	p[1] = 6;                   /* htype IEEE 802 networks */
	assert_int_equal(np_arp_parse(p, len, &a), NP_ETYPE);
	p[1] = 1;
	p[2] = 0x86;                /* ptype IPv6 */
	p[3] = 0xdd;
	assert_int_equal(np_arp_parse(p, len, &a), NP_ETYPE);
	p[2] = 0x08;
	p[3] = 0x00;
	p[4] = 8;                   /* hlen 8 (an EUI-64 hardware address) */
	assert_int_equal(np_arp_parse(p, len, &a), NP_EBADLEN);
	p[4] = 6;
	p[5] = 16;                  /* plen 16 */
	assert_int_equal(np_arp_parse(p, len, &a), NP_EBADLEN);
	p[5] = 4;
	assert_int_equal(np_arp_parse(p, len, &a), 0);
	/* The type is checked before the lengths, and before the addresses are needed. */
	p[0] = 1;
	p[4] = 8;
	assert_int_equal(np_arp_parse(p, 8, &a), NP_ETYPE);
}

static void keeps_unknown_opcode(void **state)
{
	uint8_t msg[64];
	size_t len = np_test_hex("0001 0800 06 04 0008 02000000000a 0a4d0001 000000000000 0a4d0002",
				 msg, sizeof(msg));
	struct np_arp a, rep;

	(void)state;
	/* Hand-made InARP request (RFC 2390, op 8): parsed, never answered as ARP. */
	assert_int_equal(np_arp_parse(msg, len, &a), 0);
	assert_int_equal(a.op, 8);
	assert_int_equal(np_arp_reply_from_request(&a, mac_b, &rep), NP_EINVAL);
	a.op = NP_ARP_OP_REPLY;
	assert_int_equal(np_arp_reply_from_request(&a, mac_b, &rep), NP_EINVAL);
}

static void build_refuses_small_buffer(void **state)
{
	uint8_t out[NP_ARP_LEN];
	struct np_arp a;

	(void)state;
	np_arp_probe_init(&a, mac_a, IP_B);
	assert_int_equal(np_arp_build(&a, out, NP_ARP_LEN - 1), NP_ENOSPC);
	assert_int_equal(np_arp_build(&a, out, 0), NP_ENOSPC);
	assert_int_equal(np_arp_build(&a, out, NP_ARP_LEN), NP_ARP_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_arping_request),
		cmocka_unit_test(parses_kernel_reply),
		cmocka_unit_test(reply_from_request_matches_kernel),
		cmocka_unit_test(probe_reply_matches_kernel),
		cmocka_unit_test(recognises_arping_probe),
		cmocka_unit_test(recognises_arping_gratuitous),
		cmocka_unit_test(round_trips_every_capture),
		cmocka_unit_test(rejects_truncated),
		cmocka_unit_test(rejects_other_hardware_and_protocols),
		cmocka_unit_test(keeps_unknown_opcode),
		cmocka_unit_test(build_refuses_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
