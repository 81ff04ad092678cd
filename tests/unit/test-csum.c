/* test-csum.c: RFC 1071 sum, pseudo-header and RFC 1624 incremental update. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/buf.h>
#include <netproto/csum.h>

#include "testutil.h"

/* The worked example of RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2. */
static void rfc1071_example(void **state)
{
	static const uint8_t data[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	(void)state;
	assert_int_equal(np_csum_add(0, data, sizeof(data)), 0xddf2);
	assert_int_equal(np_csum(data, sizeof(data)), (uint16_t)~0xddf2);
}

/* The kernel's IPv4 header and ICMP message from a real capture verify to zero. */
static void real_ipv4_header_verifies(void **state)
{
	uint8_t frame[128], *hdr = frame + 14, *icmp = frame + 34;
	size_t len = np_test_load_hex("icmp-echo-request-kernel.hex", frame, sizeof(frame));

	(void)state;
	assert_int_equal(len, 98);
	assert_int_equal(np_csum(hdr, 20), 0);
	assert_int_equal(np_csum(icmp, len - 34), 0);
	hdr[10] = hdr[11] = 0;
	assert_int_equal(np_csum(hdr, 20), 0xffda);
}

static void odd_length_pads_right(void **state)
{
	static const uint8_t data[] = { 0x12, 0x34, 0x56 };

	(void)state;
	assert_int_equal(np_csum_add(0, data, 3), 0x1234 + 0x5600);
}

static void chunks_sum_like_whole(void **state)
{
	uint8_t data[1001];
	uint32_t sum;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37 + 11);
	sum = np_csum_add(0, data, 500);
	sum = np_csum_add(sum, data + 500, 501);
	assert_int_equal(np_csum_finish(sum), np_csum(data, sizeof(data)));
}

static void large_buffer_does_not_overflow(void **state)
{
	static uint8_t data[65535];

	(void)state;
	memset(data, 0xff, sizeof(data));
	/* 32767 all-ones words sum to 0xffff (negative zero), so the checksum is 0. */
	assert_int_equal(np_csum(data, sizeof(data) - 1), 0x0000);
	/* The odd last byte adds 0xff00: 0xffff + 0xff00 folds to 0xff00, complement 0x00ff. */
	assert_int_equal(np_csum(data, sizeof(data)), 0x00ff);
}

static void pseudo_header_sums_fields(void **state)
{
	(void)state;
	/* 10.0.0.1 -> 10.0.0.2, UDP, length 8 */
	assert_int_equal(np_csum_pseudo4(0x0a000001, 0x0a000002, 17, 8),
			 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + 8);
}

/* Changing a field incrementally gives the same checksum as summing again. */
static void incremental_update_matches_full(void **state)
{
	uint8_t hdr[20] = {
		0x45, 0x00, 0x00, 0x54, 0x8f, 0x4b, 0x40, 0x00, 0x40, 0x01,
		0x00, 0x00, 0x0a, 0x4d, 0x00, 0x01, 0x0a, 0x4d, 0x00, 0x02,
	};
	uint16_t before, after;
	unsigned ttl;

	(void)state;
	for (ttl = 0; ttl < 256; ttl++) {
		hdr[8] = 0x40;
		hdr[10] = hdr[11] = 0;
		before = np_csum(hdr, sizeof(hdr));
		hdr[8] = (uint8_t)ttl;
		after = np_csum_update16(before, 0x4001, (uint16_t)(ttl << 8 | 0x01));
		hdr[10] = hdr[11] = 0;
		assert_int_equal(after, np_csum(hdr, sizeof(hdr)));
	}
	hdr[8] = 0x40;
	before = np_csum(hdr, sizeof(hdr));
	after = np_csum_update32(before, 0x0a4d0002, 0xc0a80117);
	np_store_be32(hdr + 16, 0xc0a80117);
	assert_int_equal(after, np_csum(hdr, sizeof(hdr)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc1071_example),
		cmocka_unit_test(real_ipv4_header_verifies),
		cmocka_unit_test(odd_length_pads_right),
		cmocka_unit_test(chunks_sum_like_whole),
		cmocka_unit_test(large_buffer_does_not_overflow),
		cmocka_unit_test(pseudo_header_sums_fields),
		cmocka_unit_test(incremental_update_matches_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
