/* test-dns-name.c: DNS names, their compression limits (RFC 9267) and text form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/buf.h>
#include <netproto/dns.h>
#include <netproto/error.h>

#include "testutil.h"

static const uint8_t www_example_net[] = "\3www\7example\3net";   /* + NUL = root */
#define WWW_LEN 17

/* Read the name at offset pos of msg; returns the result and the new position. */
static int read_at(const uint8_t *msg, size_t len, size_t pos, uint8_t *out, size_t *after)
{
	struct np_reader r;
	int n;

	np_reader_init(&r, msg, len);
	np_reader_seek(&r, pos);
	n = np_dns_name_read(&r, out, NP_DNS_NAME_MAX);
	if (after)
		*after = r.pos;
	if (n < 0)
		assert_int_equal(np_reader_error(&r), n);
	return n;
}

static void reads_plain_name(void **state)
{
	uint8_t msg[32], out[NP_DNS_NAME_MAX];
	size_t after;

	(void)state;
	memcpy(msg, www_example_net, WWW_LEN);
	msg[17] = 0xaa;
	assert_int_equal(read_at(msg, 18, 0, out, &after), WWW_LEN);
	assert_memory_equal(out, www_example_net, WWW_LEN);
	assert_int_equal(after, 17);
	/* The root alone. */
	assert_int_equal(read_at(msg, 18, 16, out, &after), 1);
	assert_int_equal(out[0], 0);
	assert_int_equal(after, 17);
}

/* A name ending in a pointer: r advances past the pointer, not the target. */
static void reads_compressed_name(void **state)
{
	uint8_t msg[64], out[NP_DNS_NAME_MAX];
	size_t len = np_test_hex("0000 03777777 076578616d706c65 036e6574 00 "
				 "046d61696cc006 c013",
				 msg, sizeof(msg));
	size_t after;

	(void)state;
	/* "mail" + pointer to "example.net" at 6. */
	assert_int_equal(read_at(msg, len, 19, out, &after), 18);
	assert_memory_equal(out, "\4mail\7example\3net", 18);
	assert_int_equal(after, 26);
	/* A bare pointer to "mail.example.net". */
	assert_int_equal(read_at(msg, len, 26, out, &after), 18);
	assert_int_equal(after, 28);
}

static void rejects_pointer_loops(void **state)
{
	uint8_t msg[64], out[NP_DNS_NAME_MAX];
	size_t len;

	(void)state;
	/* A pointer to itself (hand-made). */
	len = np_test_hex("000000000000 c006", msg, sizeof(msg));
	assert_int_equal(read_at(msg, len, 6, out, NULL), NP_ELOOP);
	/* Two pointers pointing at each other. */
	len = np_test_hex("000000000000 c008 c006", msg, sizeof(msg));
	assert_int_equal(read_at(msg, len, 6, out, NULL), NP_ELOOP);
	assert_int_equal(read_at(msg, len, 8, out, NULL), NP_ELOOP);
	/* A label followed by a pointer back into the same name. */
	len = np_test_hex("0000 0161 c002", msg, sizeof(msg));
	assert_int_equal(read_at(msg, len, 2, out, NULL), NP_ELOOP);
}

static void rejects_forward_pointer(void **state)
{
	uint8_t msg[64], out[NP_DNS_NAME_MAX];
	size_t len = np_test_hex("c004 0000 03636f6d00", msg, sizeof(msg));

	(void)state;
	/* The target is a valid name, but after the pointer. */
	assert_int_equal(read_at(msg, len, 0, out, NULL), NP_ELOOP);
	assert_int_equal(read_at(msg, len, 4, out, NULL), 5);
}

/* A chain of n pointers, each to the previous one, ending at a root label at 0. */
static size_t pointer_chain(uint8_t *msg, unsigned n)
{
	unsigned k;

	msg[0] = 0;
	msg[1] = 0xc0;
	msg[2] = 0;
	for (k = 1; k < n; k++) {
		size_t at = 1 + 2 * (size_t)k, prev = at - 2;

		msg[at] = (uint8_t)(0xc0 | prev >> 8);
		msg[at + 1] = (uint8_t)prev;
	}
	return 1 + 2 * (size_t)n;
}

static void limits_pointer_jumps(void **state)
{
	uint8_t msg[512], out[NP_DNS_NAME_MAX];
	size_t len;

	(void)state;
	len = pointer_chain(msg, 128);
	assert_int_equal(read_at(msg, len, len - 2, out, NULL), 1);
	len = pointer_chain(msg, 129);
	assert_int_equal(read_at(msg, len, len - 2, out, NULL), NP_ELOOP);
}

static void rejects_reserved_label_types(void **state)
{
	uint8_t msg[128], out[NP_DNS_NAME_MAX];
	size_t len;

	(void)state;
	/* 0x40: a "label of 64 octets" is the RFC 6891 extended label type. */
	memset(msg, 'a', sizeof(msg));
	msg[0] = 0x40;
	msg[65] = 0;
	assert_int_equal(read_at(msg, 66, 0, out, NULL), NP_ELABEL);
	len = np_test_hex("0161 80 00", msg, sizeof(msg));
	assert_int_equal(read_at(msg, len, 0, out, NULL), NP_ELABEL);
	/* 63 is the largest label. */
	memset(msg, 'a', sizeof(msg));
	msg[0] = 63;
	msg[64] = 0;
	assert_int_equal(read_at(msg, 65, 0, out, NULL), 65);
}

/* Labels of the given lengths filled with 'x', then the root. */
static size_t make_name(uint8_t *buf, const unsigned *labels, size_t n)
{
	size_t i, at = 0;

	for (i = 0; i < n; i++) {
		buf[at] = (uint8_t)labels[i];
		memset(&buf[at + 1], 'x', labels[i]);
		at += 1 + labels[i];
	}
	buf[at++] = 0;
	return at;
}

static void limits_name_length(void **state)
{
	static const unsigned ok[] = { 63, 63, 63, 61 }, big[] = { 63, 63, 63, 62 };
	static const unsigned mid[] = { 63, 63, 62 };
	uint8_t msg[600], out[NP_DNS_NAME_MAX];
	size_t len;

	(void)state;
	len = make_name(msg, ok, 4);
	assert_int_equal(len, 255);
	assert_int_equal(read_at(msg, len, 0, out, NULL), 255);
	len = make_name(msg, big, 4);
	assert_int_equal(len, 256);
	assert_int_equal(read_at(msg, len, 0, out, NULL), NP_ENAME);
	/* 256 octets assembled through a pointer: 1 + 63 in place, 192 + root behind. */
	len = make_name(msg, mid, 3);                /* 192 octets at 0 */
	msg[len] = 63;
	memset(&msg[len + 1], 'y', 63);
	msg[len + 64] = 0xc0;
	msg[len + 65] = 0;
	assert_int_equal(read_at(msg, len + 66, len, out, NULL), NP_ENAME);
}

static void rejects_truncation_and_small_output(void **state)
{
	uint8_t msg[64], out[NP_DNS_NAME_MAX];
	struct np_reader r;
	size_t cut;

	(void)state;
	memcpy(msg, www_example_net, WWW_LEN);
	for (cut = 0; cut < WWW_LEN; cut++)
		assert_int_equal(read_at(msg, cut, 0, out, NULL), NP_ETRUNC);
	/* A pointer missing its second octet. */
	msg[17] = 0xc0;
	assert_int_equal(read_at(msg, 18, 17, out, NULL), NP_ETRUNC);
	/* A pointer past the end of the message. */
	msg[18] = 0x40;
	assert_int_equal(read_at(msg, 19, 17, out, NULL), NP_ELOOP);
	np_reader_init(&r, msg, WWW_LEN);
	assert_int_equal(np_dns_name_read(&r, out, WWW_LEN - 1), NP_ENOSPC);
	/* Errors are sticky: the next read fails the same way. */
	assert_int_equal(np_dns_name_read(&r, out, sizeof(out)), NP_ENOSPC);
}

static void text_to_wire(void **state)
{
	uint8_t out[NP_DNS_NAME_MAX + 8];
	char text[400];

	(void)state;
	assert_int_equal(np_dns_name_from_text("www.example.net.", out, sizeof(out)), WWW_LEN);
	assert_memory_equal(out, www_example_net, WWW_LEN);
	assert_int_equal(np_dns_name_from_text("www.example.net", out, sizeof(out)), WWW_LEN);
	assert_memory_equal(out, www_example_net, WWW_LEN);
	assert_int_equal(np_dns_name_from_text(".", out, sizeof(out)), 1);
	assert_int_equal(out[0], 0);
	/* Escapes: "a.b" is one label, \065 is 'A', \\ is a backslash. */
	assert_int_equal(np_dns_name_from_text("a\\.b.\\065\\\\.", out, sizeof(out)), 8);
	assert_memory_equal(out, "\3a.b\2A\\", 8);
	assert_int_equal(np_dns_name_from_text("", out, sizeof(out)), NP_EINVAL);
	assert_int_equal(np_dns_name_from_text("a..b", out, sizeof(out)), NP_EINVAL);
	assert_int_equal(np_dns_name_from_text(".a", out, sizeof(out)), NP_EINVAL);
	assert_int_equal(np_dns_name_from_text("a\\256", out, sizeof(out)), NP_EINVAL);
	assert_int_equal(np_dns_name_from_text("a\\12", out, sizeof(out)), NP_EINVAL);
	assert_int_equal(np_dns_name_from_text("a\\", out, sizeof(out)), NP_EINVAL);
	assert_int_equal(np_dns_name_from_text("www.example.net", out, 16), NP_ENOSPC);
	/* Label 63 fits, 64 does not. */
	memset(text, 'a', 64);
	text[63] = '\0';
	assert_int_equal(np_dns_name_from_text(text, out, sizeof(out)), 65);
	text[63] = 'a';
	text[64] = '\0';
	assert_int_equal(np_dns_name_from_text(text, out, sizeof(out)), NP_ELABEL);
	/* 255 octets fit (3 x 63 + 61), 256 do not. */
	memset(text, 'a', sizeof(text));
	text[63] = text[127] = text[191] = '.';
	text[253] = '\0';
	assert_int_equal(np_dns_name_from_text(text, out, sizeof(out)), 255);
	text[253] = 'a';
	text[254] = '\0';
	assert_int_equal(np_dns_name_from_text(text, out, sizeof(out)), NP_ENAME);
}

static void wire_to_text_escapes_as_dig(void **state)
{
	uint8_t wire[64];
	char text[NP_DNS_NAME_TEXT_MAX];
	size_t len;

	(void)state;
	assert_int_equal(np_dns_name_to_text(www_example_net, WWW_LEN, text, sizeof(text)), 16);
	assert_string_equal(text, "www.example.net.");
	assert_int_equal(np_dns_name_to_text((const uint8_t *)"", 1, text, sizeof(text)), 1);
	assert_string_equal(text, ".");
	/* dig prints these octets as a\.b.\"x\@\$.\032\000\255. */
	len = np_test_hex("03612e62 0422784024 0320 00ff 00", wire, sizeof(wire));
	assert_int_equal(np_dns_name_to_text(wire, len, text, sizeof(text)),
			 (int)strlen("a\\.b.\\\"x\\@\\$.\\032\\000\\255."));
	assert_string_equal(text, "a\\.b.\\\"x\\@\\$.\\032\\000\\255.");
	/* And the text reads back to the same wire form. */
	{
		uint8_t back[NP_DNS_NAME_MAX];

		assert_int_equal(np_dns_name_from_text(text, back, sizeof(back)), (int)len);
		assert_memory_equal(back, wire, len);
	}
	/* What DiG 9.18 printed in its question section for this name. */
	{
		static const char dig[] = "a\\.b\\032\\\"\\;\\(\\)\\@\\$\\\\\\127\\000\\255z.x.";
		uint8_t back[NP_DNS_NAME_MAX];
		int n = np_dns_name_from_text(dig, back, sizeof(back));

		assert_int_equal(n, 1 + 15 + 1 + 1 + 1);
		assert_memory_equal(back, "\17a.b \"\073()@$\\\177\0\377z\1x", (size_t)n - 1);
		assert_int_equal(np_dns_name_to_text(back, (size_t)n, text, sizeof(text)),
				 (int)strlen(dig));
		assert_string_equal(text, dig);
	}
	assert_int_equal(np_dns_name_to_text(www_example_net, WWW_LEN, text, 16), NP_ENOSPC);
	assert_int_equal(np_dns_name_to_text(www_example_net, WWW_LEN - 1, text, sizeof(text)),
			 NP_EBADLEN);
	assert_int_equal(np_dns_name_to_text((const uint8_t *)"\xc0\x0c", 2, text, sizeof(text)),
			 NP_ELABEL);
}

static void compares_case_insensitively(void **state)
{
	uint8_t a[NP_DNS_NAME_MAX], b[NP_DNS_NAME_MAX], p[NP_DNS_NAME_MAX];
	int alen = np_dns_name_from_text("WwW.ExAmple.NET", a, sizeof(a));
	int blen = np_dns_name_from_text("www.example.net.", b, sizeof(b));
	int plen = np_dns_name_from_text("example.net", p, sizeof(p));

	(void)state;
	assert_true(np_dns_name_equal(a, (size_t)alen, b, (size_t)blen));
	assert_int_equal(np_dns_name_hash(a, (size_t)alen), np_dns_name_hash(b, (size_t)blen));
	assert_false(np_dns_name_equal(a, (size_t)alen, p, (size_t)plen));
	assert_true(np_dns_name_is_subdomain(a, (size_t)alen, p, (size_t)plen));
	assert_true(np_dns_name_is_subdomain(p, (size_t)plen, p, (size_t)plen));
	assert_true(np_dns_name_is_subdomain(p, (size_t)plen, (const uint8_t *)"", 1));
	assert_false(np_dns_name_is_subdomain(p, (size_t)plen, a, (size_t)alen));
	/* "xample.net" is not a parent of "example.net": labels, not octets. */
	blen = np_dns_name_from_text("xample.net", b, sizeof(b));
	assert_false(np_dns_name_is_subdomain(p, (size_t)plen, b, (size_t)blen));
	assert_int_equal(np_dns_name_labels(a, (size_t)alen), 3);
	assert_int_equal(np_dns_name_labels((const uint8_t *)"", 1), 0);
	np_dns_name_lower(a, (size_t)alen);
	assert_memory_equal(a, www_example_net, WWW_LEN);
	/* RFC 4343: only ASCII folds; 0xC4 and 0xE4 differ. */
	assert_false(np_dns_name_equal((const uint8_t *)"\1\xc4", 3, (const uint8_t *)"\1\xe4", 3));
}

/* Writes www.example.net, mail.example.net, example.net behind a 12-byte header. */
static void writes_with_compression(void **state)
{
	uint8_t buf[128], expect[128], out[NP_DNS_NAME_MAX];
	struct np_writer w;
	struct np_dns_ctable ct;
	size_t len = np_test_hex("000000000000000000000000 03777777076578616d706c65036e657400 "
				 "046d61696cc010 c010 c00c",
				 expect, sizeof(expect));

	(void)state;
	np_writer_init(&w, buf, sizeof(buf));
	np_write_zero(&w, 12);
	np_dns_ctable_init(&ct, 0);
	assert_int_equal(np_dns_name_write(&w, www_example_net, WWW_LEN, &ct), 0);
	assert_int_equal(np_dns_name_write(&w, (const uint8_t *)"\4mail\7example\3net", 18, &ct), 0);
	assert_int_equal(np_dns_name_write(&w, (const uint8_t *)"\7example\3net", 13, &ct), 0);
	assert_int_equal(np_dns_name_write(&w, www_example_net, WWW_LEN, &ct), 0);
	assert_int_equal(np_writer_len(&w), len);
	assert_memory_equal(buf, expect, len);
	/* And every name reads back. */
	assert_int_equal(read_at(buf, len, 29, out, NULL), 18);
	assert_memory_equal(out, "\4mail\7example\3net", 18);
	/* Case is preserved: a differently cased name is not pointed at. */
	assert_int_equal(np_dns_name_write(&w, (const uint8_t *)"\3WWW\7example\3net", WWW_LEN, &ct),
			 0);
	assert_int_equal(np_writer_len(&w), len + 6);
	assert_int_equal(read_at(buf, len + 6, len, out, NULL), WWW_LEN);
	assert_memory_equal(out, "\3WWW\7example\3net", WWW_LEN);
}

/* A message that does not start at 0 in its buffer (e.g. behind a TCP length). */
static void writes_relative_to_base(void **state)
{
	uint8_t buf[128], out[NP_DNS_NAME_MAX];
	struct np_writer w;
	struct np_dns_ctable ct;

	(void)state;
	np_writer_init(&w, buf, sizeof(buf));
	np_write_zero(&w, 2 + 12);
	np_dns_ctable_init(&ct, 2);
	assert_int_equal(np_dns_name_write(&w, www_example_net, WWW_LEN, &ct), 0);
	assert_int_equal(np_dns_name_write(&w, www_example_net, WWW_LEN, &ct), 0);
	assert_int_equal(np_writer_len(&w), 2 + 12 + WWW_LEN + 2);
	assert_int_equal(buf[31], 0xc0);
	assert_int_equal(buf[32], 12);
	assert_int_equal(read_at(&buf[2], 12 + WWW_LEN + 2, 29, out, NULL), WWW_LEN);
}

static void writes_without_table_and_checks_input(void **state)
{
	uint8_t buf[40];
	struct np_writer w;

	(void)state;
	np_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(np_dns_name_write(&w, www_example_net, WWW_LEN, NULL), 0);
	assert_int_equal(np_dns_name_write(&w, www_example_net, WWW_LEN, NULL), 0);
	assert_int_equal(np_writer_len(&w), 2 * WWW_LEN);
	assert_int_equal(np_dns_name_write(&w, (const uint8_t *)"\3www", 4, NULL), NP_EBADLEN);
	assert_int_equal(np_dns_name_write(&w, (const uint8_t *)"\xc0\x0c", 2, NULL), NP_ELABEL);
	assert_int_equal(np_dns_name_write(&w, www_example_net, WWW_LEN, NULL), NP_ENOSPC);
}

/* Past 0x3fff nothing new is remembered; a full table still writes correctly. */
static void compression_offsets_and_table_bounds(void **state)
{
	static uint8_t buf[0x4100];
	uint8_t name[NP_DNS_NAME_MAX], out[NP_DNS_NAME_MAX];
	struct np_writer w;
	struct np_dns_ctable ct;
	size_t k, at;

	(void)state;
	np_writer_init(&w, buf, sizeof(buf));
	np_dns_ctable_init(&ct, 0);
	np_write_zero(&w, 0x3ff8);
	/* Labels at 0x3ff8 (remembered) and 0x4000+ (too far to point at). */
	assert_int_equal(np_dns_name_write(&w, (const uint8_t *)"\7abcdefg\3net", 13, &ct), 0);
	assert_int_equal(ct.count, 1);
	assert_int_equal(ct.off[0], 0x3ff8);
	assert_int_equal(np_dns_name_write(&w, (const uint8_t *)"\3net", 5, &ct), 0);
	assert_int_equal(np_writer_len(&w), 0x3ff8 + 13 + 5);
	assert_int_equal(np_dns_name_write(&w, (const uint8_t *)"\7abcdefg\3net", 13, &ct), 0);
	assert_int_equal(np_writer_len(&w), 0x3ff8 + 13 + 5 + 2);

	np_writer_init(&w, buf, sizeof(buf));
	np_dns_ctable_init(&ct, 0);
	for (k = 0; k < NP_DNS_CTABLE_SIZE + 10; k++) {
		name[0] = 2;
		name[1] = (uint8_t)('a' + k % 26);
		name[2] = (uint8_t)('a' + k / 26);
		name[3] = 0;
		at = np_writer_len(&w);
		assert_int_equal(np_dns_name_write(&w, name, 4, &ct), 0);
		assert_int_equal(read_at(buf, np_writer_len(&w), at, out, NULL), 4);
		assert_memory_equal(out, name, 4);
	}
	assert_int_equal(ct.count, NP_DNS_CTABLE_SIZE);
}

/* RFC 1035 §3.5 and RFC 3596 §2.5, with the example address of RFC 3596. */
static void builds_reverse_names(void **state)
{
	static const uint8_t a6[16] = { 0x43, 0x21, 0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0x05, 0x67, 0x89, 0xab };
	uint8_t wire[NP_DNS_REVERSE_MAX];
	char text[NP_DNS_NAME_TEXT_MAX];
	int n;

	(void)state;
	n = np_dns_name_reverse4(0x0a4d0064u, wire, sizeof(wire));
	assert_true(n > 0);
	assert_int_equal(np_dns_name_check(wire, (size_t)n), 0);
	assert_true(np_dns_name_to_text(wire, (size_t)n, text, sizeof(text)) > 0);
	assert_string_equal(text, "100.0.77.10.in-addr.arpa.");
	n = np_dns_name_reverse4(0xffffffffu, wire, sizeof(wire));
	assert_int_equal(n, NP_DNS_REVERSE4_MAX);
	n = np_dns_name_reverse4(0, wire, sizeof(wire));
	assert_true(np_dns_name_to_text(wire, (size_t)n, text, sizeof(text)) > 0);
	assert_string_equal(text, "0.0.0.0.in-addr.arpa.");

	n = np_dns_name_reverse6(a6, wire, sizeof(wire));
	assert_int_equal(n, NP_DNS_REVERSE6_MAX);
	assert_int_equal(np_dns_name_check(wire, (size_t)n), 0);
	assert_true(np_dns_name_to_text(wire, (size_t)n, text, sizeof(text)) > 0);
	assert_string_equal(text, "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa.");
	assert_int_equal(np_dns_name_reverse6(a6, wire, NP_DNS_REVERSE6_MAX - 1), NP_ENOSPC);
	assert_int_equal(np_dns_name_reverse4(0, wire, 5), NP_ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_plain_name),
		cmocka_unit_test(reads_compressed_name),
		cmocka_unit_test(rejects_pointer_loops),
		cmocka_unit_test(rejects_forward_pointer),
		cmocka_unit_test(limits_pointer_jumps),
		cmocka_unit_test(rejects_reserved_label_types),
		cmocka_unit_test(limits_name_length),
		cmocka_unit_test(rejects_truncation_and_small_output),
		cmocka_unit_test(text_to_wire),
		cmocka_unit_test(wire_to_text_escapes_as_dig),
		cmocka_unit_test(compares_case_insensitively),
		cmocka_unit_test(writes_with_compression),
		cmocka_unit_test(writes_relative_to_base),
		cmocka_unit_test(writes_without_table_and_checks_input),
		cmocka_unit_test(compression_offsets_and_table_bounds),
		cmocka_unit_test(builds_reverse_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
