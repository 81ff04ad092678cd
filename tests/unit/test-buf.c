/* test-buf.c: the bounded reader and writer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/buf.h>
#include <netproto/error.h>

static void reader_reads_big_endian(void **state)
{
	static const uint8_t data[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
	struct np_reader r;

	(void)state;
	np_reader_init(&r, data, sizeof(data));
	assert_int_equal(np_read_u8(&r), 0x01);
	assert_int_equal(np_read_be16(&r), 0x0203);
	assert_int_equal(np_read_be32(&r), 0x04050607);
	assert_int_equal(np_reader_left(&r), 0);
	assert_int_equal(np_reader_error(&r), 0);
}

static void reader_error_is_sticky(void **state)
{
	static const uint8_t data[] = { 0xaa, 0xbb, 0xcc };
	struct np_reader r;

	(void)state;
	np_reader_init(&r, data, sizeof(data));
	assert_int_equal(np_read_be32(&r), 0);
	assert_int_equal(np_reader_error(&r), NP_ETRUNC);
	/* The bytes that are there stay unreadable once the reader failed. */
	assert_int_equal(np_read_u8(&r), 0);
	assert_null(np_read_bytes(&r, 1));
	assert_int_equal(np_reader_left(&r), 0);
	assert_int_equal(np_reader_error(&r), NP_ETRUNC);
}

static void reader_sub_and_seek(void **state)
{
	static const uint8_t data[] = { 1, 2, 3, 4, 5 };
	struct np_reader r, sub;

	(void)state;
	np_reader_init(&r, data, sizeof(data));
	np_reader_skip(&r, 1);
	sub = np_reader_sub(&r, 2);
	assert_int_equal(np_read_be16(&sub), 0x0203);
	assert_int_equal(np_read_u8(&sub), 0);
	assert_int_equal(np_reader_error(&sub), NP_ETRUNC);
	assert_int_equal(np_reader_error(&r), 0);
	assert_int_equal(np_read_u8(&r), 4);
	np_reader_seek(&r, 0);
	assert_int_equal(np_read_u8(&r), 1);
	np_reader_seek(&r, 6);
	assert_int_equal(np_reader_error(&r), NP_ETRUNC);
	sub = np_reader_sub(&r, 1);
	assert_int_equal(np_reader_error(&sub), NP_ETRUNC);
}

static void reader_copy_zeroes_on_short_input(void **state)
{
	static const uint8_t data[] = { 9, 9 };
	uint8_t out[4] = { 1, 1, 1, 1 };
	struct np_reader r;

	(void)state;
	np_reader_init(&r, data, sizeof(data));
	np_read_copy(&r, out, sizeof(out));
	assert_int_equal(np_reader_error(&r), NP_ETRUNC);
	assert_int_equal(out[0] | out[1] | out[2] | out[3], 0);
}

static void writer_writes_and_patches(void **state)
{
	static const uint8_t want[] = { 0x11, 0x22, 0x33, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0xab, 0xcd };
	uint8_t buf[16];
	struct np_writer w;
	size_t off;

	(void)state;
	np_writer_init(&w, buf, sizeof(buf));
	np_write_u8(&w, 0x11);
	np_write_be16(&w, 0x2233);
	np_write_be32(&w, 0xdeadbeef);
	np_write_zero(&w, 2);
	off = np_write_reserve(&w, 2);
	np_writer_patch_be16(&w, off, 0xabcd);
	assert_int_equal(np_writer_result(&w), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void writer_overflow_is_sticky(void **state)
{
	uint8_t buf[3];
	struct np_writer w;

	(void)state;
	np_writer_init(&w, buf, sizeof(buf));
	np_write_be16(&w, 1);
	np_write_be16(&w, 2);
	assert_int_equal(np_writer_error(&w), NP_ENOSPC);
	np_write_u8(&w, 3);
	assert_int_equal(np_writer_len(&w), 2);
	assert_int_equal(np_writer_result(&w), NP_ENOSPC);
	assert_int_equal(np_write_reserve(&w, 1), SIZE_MAX);
}

static void writer_patch_outside_written_fails(void **state)
{
	uint8_t buf[8];
	struct np_writer w;

	(void)state;
	np_writer_init(&w, buf, sizeof(buf));
	np_write_u8(&w, 1);
	np_writer_patch_be16(&w, 0, 0x1234);
	assert_int_equal(np_writer_error(&w), NP_EINVAL);
}

static void strerror_names_every_code(void **state)
{
	int code;

	(void)state;
	assert_string_not_equal(np_strerror(0), "unknown error");
	for (code = NP_ETRUNC; code >= NP_EFORMAT; code--)
		assert_string_not_equal(np_strerror(code), "unknown error");
	assert_string_equal(np_strerror(-1000), "unknown error");
}

/* One error space: codec codes and negative errno values never collide,
 * and np_strerror() names both. */
static void codes_lie_outside_errno(void **state)
{
	(void)state;
	assert_true(NP_ETRUNC < -4095);
	assert_true(NP_EFORMAT < -4095);
	assert_int_not_equal(NP_ENOSPC, -ENOSPC);
	assert_string_equal(np_strerror(NP_ENOSPC), "output buffer too small");
	assert_string_equal(np_strerror(-ENOSPC), "No space left on device");
	assert_string_equal(np_strerror(-EPERM), "Operation not permitted");
	assert_string_equal(np_strerror(NP_ETRUNC), "truncated input");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reader_reads_big_endian),
		cmocka_unit_test(reader_error_is_sticky),
		cmocka_unit_test(reader_sub_and_seek),
		cmocka_unit_test(reader_copy_zeroes_on_short_input),
		cmocka_unit_test(writer_writes_and_patches),
		cmocka_unit_test(writer_overflow_is_sticky),
		cmocka_unit_test(writer_patch_outside_written_fails),
		cmocka_unit_test(strerror_names_every_code),
		cmocka_unit_test(codes_lie_outside_errno),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
