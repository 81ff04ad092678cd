/* test-ether.c: Ethernet II and 802.1Q against real frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/error.h>
#include <netproto/ether.h>

#include "testutil.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static void parses_arping_broadcast(void **state)
{
	uint8_t frame[128];
	size_t len = np_test_load_hex("arp-request-arping.hex", frame, sizeof(frame));
	struct np_ether e;

	(void)state;
	assert_int_equal(np_ether_parse(frame, len, &e), 0);
	assert_true(np_ether_is_broadcast(e.dst));
	assert_true(np_ether_is_multicast(e.dst));
	assert_memory_equal(e.src, mac_a, 6);
	assert_int_equal(e.ethertype, NP_ETHERTYPE_ARP);
	assert_false(e.has_vlan);
	assert_ptr_equal(e.payload, frame + 14);
	/* arping pads its frame: the padding is part of the payload view. */
	assert_int_equal(e.payload_len, 44);
}

static void parses_kernel_unicast_reply(void **state)
{
	uint8_t frame[128];
	size_t len = np_test_load_hex("arp-reply-kernel.hex", frame, sizeof(frame));
	struct np_ether e;

	(void)state;
	assert_int_equal(np_ether_parse(frame, len, &e), 0);
	assert_memory_equal(e.dst, mac_a, 6);
	assert_memory_equal(e.src, mac_b, 6);
	assert_false(np_ether_is_multicast(e.dst));
	assert_int_equal(e.payload_len, 28);
}

/* Rebuilding the kernel's 42-byte reply gives the same bytes padded to 60. */
static void build_round_trip_pads(void **state)
{
	uint8_t frame[128], out[128];
	size_t len = np_test_load_hex("arp-reply-kernel.hex", frame, sizeof(frame));
	struct np_ether e;
	int n;

	(void)state;
	assert_int_equal(np_ether_parse(frame, len, &e), 0);
	n = np_ether_build(&e, out, sizeof(out));
	assert_int_equal(n, NP_ETHER_MIN_FRAME);
	assert_memory_equal(out, frame, len);
	for (size_t i = len; i < NP_ETHER_MIN_FRAME; i++)
		assert_int_equal(out[i], 0);
}

/* The payload may already sit right after the header in the output buffer. */
static void build_in_place(void **state)
{
	uint8_t buf[128];
	struct np_ether e = { .ethertype = NP_ETHERTYPE_IPV4 };
	struct np_ether back;
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++)
		buf[14 + i] = (uint8_t)i;
	memcpy(e.dst, mac_a, 6);
	memcpy(e.src, mac_b, 6);
	e.payload = buf + 14;
	e.payload_len = 100;
	assert_int_equal(np_ether_build(&e, buf, sizeof(buf)), 114);
	assert_int_equal(np_ether_parse(buf, 114, &back), 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(back.payload[i], i);
}

/* A hand-made 802.1Q frame: VLAN 42, priority 5, carrying ARP. */
static void parses_and_builds_vlan_tag(void **state)
{
	uint8_t frame[64], out[64];
	size_t len = np_test_hex("ffffffffffff 02000000000a 8100 a02a 0806 0001080006040001", frame,
				 sizeof(frame));
	struct np_ether e;

	(void)state;
	assert_int_equal(np_ether_parse(frame, len, &e), 0);
	assert_true(e.has_vlan);
	assert_int_equal(np_ether_vlan_id(e.vlan_tci), 42);
	assert_int_equal(e.vlan_tci >> 13, 5);
	assert_int_equal(e.ethertype, NP_ETHERTYPE_ARP);
	assert_int_equal(e.payload_len, 8);
	assert_int_equal(np_ether_hdr_len(&e), 18);
	assert_int_equal(np_ether_build(&e, out, sizeof(out)), NP_ETHER_MIN_FRAME);
	assert_memory_equal(out, frame, len);
}

static void rejects_truncated_and_8023(void **state)
{
	uint8_t frame[128];
	size_t len = np_test_load_hex("arp-request-arping.hex", frame, sizeof(frame));
	struct np_ether e;
	size_t cut;

	(void)state;
	for (cut = 0; cut < NP_ETHER_HDR_LEN; cut++)
		assert_int_equal(np_ether_parse(frame, cut, &e), NP_ETRUNC);
	/* A tagged frame cut inside the tag. */
	frame[12] = 0x81;
	frame[13] = 0x00;
	assert_int_equal(np_ether_parse(frame, 16, &e), NP_ETRUNC);
	/* An 802.3 length field instead of an EtherType. */
	frame[12] = 0x00;
	frame[13] = 0x2e;
	assert_int_equal(np_ether_parse(frame, len, &e), NP_ETYPE);
}

static void build_refuses_small_buffer(void **state)
{
	uint8_t out[59];
	struct np_ether e = { .ethertype = NP_ETHERTYPE_ARP };

	(void)state;
	assert_int_equal(np_ether_build(&e, out, sizeof(out)), NP_ENOSPC);
	assert_int_equal(np_ether_build(&e, out, 13), NP_ENOSPC);
}

static void addr_text_round_trip(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0xab, 0x00, 0xcd, 0xef, 0x9f };
	char text[NP_ETHER_ADDR_TEXT_LEN];
	uint8_t back[6];

	(void)state;
	assert_ptr_equal(np_ether_addr_to_text(mac, text), text);
	assert_string_equal(text, "02:ab:00:cd:ef:9f");
	assert_int_equal(np_ether_addr_parse(text, back), 0);
	assert_memory_equal(back, mac, 6);
	memset(back, 0, sizeof(back));
	assert_int_equal(np_ether_addr_parse("02-AB-00-cd-EF-9f", back), 0);
	assert_memory_equal(back, mac, 6);
}

static void addr_parse_is_strict(void **state)
{
	static const char *const bad[] = {
		"", "02", "02:ab:00:cd:ef", "02:ab:00:cd:ef:9f:", "02:ab:00:cd:ef:9f0",
		"02:ab-00:cd:ef:9f", "02.ab.00.cd.ef.9f", "02ab00cdef9f", "2:ab:00:cd:ef:9f",
		"02:ab:00:cd:ef:9g", " 02:ab:00:cd:ef:9f", "02:ab:00:cd:ef:9f ", "+2:ab:00:cd:ef:9f",
		"0x:ab:00:cd:ef:9f",
	};
	uint8_t mac[6] = { 1, 2, 3, 4, 5, 6 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(np_ether_addr_parse(bad[i], mac), NP_EINVAL);
		assert_int_equal(mac[0], 1);    /* untouched */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_arping_broadcast),
		cmocka_unit_test(parses_kernel_unicast_reply),
		cmocka_unit_test(build_round_trip_pads),
		cmocka_unit_test(build_in_place),
		cmocka_unit_test(parses_and_builds_vlan_tag),
		cmocka_unit_test(rejects_truncated_and_8023),
		cmocka_unit_test(build_refuses_small_buffer),
		cmocka_unit_test(addr_text_round_trip),
		cmocka_unit_test(addr_parse_is_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
