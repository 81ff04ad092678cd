/*
 * test-dnssec: libnetproto's DNSSEC wire formats and canonical forms
 * (RFC 4034, RFC 5155, RFC 6840, RFC 4648 §7), with the RFCs' examples.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/dnssec.h>
#include <netproto/error.h>

#include "testutil.h"

static size_t name(const char *text, uint8_t *out)
{
	int n = np_dns_name_from_text(text, out, NP_DNS_NAME_MAX);

	assert_true(n > 0);
	return (size_t)n;
}

/* RFC 4648 §10, in the lowercase unpadded form of NSEC3 owner labels. */
static void test_base32hex_vectors(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "", "" }, { "f", "co" }, { "fo", "cpng" }, { "foo", "cpnmu" },
		{ "foob", "cpnmuog" }, { "fooba", "cpnmuoj1" }, { "foobar", "cpnmuoj1e8" },
	};
	char text[32];
	uint8_t raw[32];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t len = strlen(v[i].in);
		int n = np_base32hex_encode((const uint8_t *)v[i].in, len, text, sizeof(text));

		assert_int_equal(n, strlen(v[i].out));
		assert_memory_equal(text, v[i].out, (size_t)n);
		assert_int_equal(np_base32hex_decode(v[i].out, (size_t)n, raw, sizeof(raw)), len);
		assert_memory_equal(raw, v[i].in, len);
	}
	assert_int_equal(np_base32hex_decode("CPNMUOJ1E8", 10, raw, sizeof(raw)), 6);
	assert_int_equal(np_base32hex_decode("c", 1, raw, sizeof(raw)), NP_EINVAL);
	assert_int_equal(np_base32hex_decode("cp", 2, raw, sizeof(raw)), NP_EINVAL);   /* pad bits */
	assert_int_equal(np_base32hex_decode("cw", 2, raw, sizeof(raw)), NP_EINVAL);
	assert_int_equal(np_base32hex_decode("cpnmuoj1", 8, raw, 4), NP_ENOSPC);
	assert_int_equal(np_base32hex_encode((const uint8_t *)"foo", 3, text, 4), NP_ENOSPC);
}

/* RFC 4034 §6.1: the example names, in canonical order. */
static void test_canonical_order(void **state)
{
	static const char *const order[] = {
		"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
		"\\200.z.example.",
	};
	uint8_t a[NP_DNS_NAME_MAX], b[NP_DNS_NAME_MAX];

	(void)state;
	for (size_t i = 0; i + 1 < sizeof(order) / sizeof(order[0]); i++) {
		size_t al = name(order[i], a);

		for (size_t j = i + 1; j < sizeof(order) / sizeof(order[0]); j++) {
			size_t bl = name(order[j], b);

			assert_true(np_dns_name_canonical_cmp(a, al, b, bl) < 0);
			assert_true(np_dns_name_canonical_cmp(b, bl, a, al) > 0);
		}
	}
	assert_int_equal(np_dns_name_canonical_cmp(a, name("A.Example.", a), b,
						   name("a.example.", b)), 0);
	assert_true(np_dns_name_canonical_cmp(a, name(".", a), b, name("com.", b)) < 0);
}

/* RFC 4034 §4.3: "A MX RRSIG NSEC TYPE1234". */
static const uint8_t example_bitmap[] = {
	0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03,
	0x04, 0x1b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x20,
};

static void test_type_bitmap(void **state)
{
	uint8_t bad[sizeof(example_bitmap)];
	const uint8_t *bm = example_bitmap;
	size_t len = sizeof(example_bitmap);

	(void)state;
	assert_int_equal(np_dnssec_bitmap_check(bm, len), 0);
	assert_true(np_dnssec_bitmap_has(bm, len, NP_DNS_TYPE_A));
	assert_true(np_dnssec_bitmap_has(bm, len, NP_DNS_TYPE_MX));
	assert_true(np_dnssec_bitmap_has(bm, len, NP_DNS_TYPE_RRSIG));
	assert_true(np_dnssec_bitmap_has(bm, len, NP_DNS_TYPE_NSEC));
	assert_true(np_dnssec_bitmap_has(bm, len, 1234));
	assert_false(np_dnssec_bitmap_has(bm, len, NP_DNS_TYPE_NS));
	assert_false(np_dnssec_bitmap_has(bm, len, NP_DNS_TYPE_DS));
	assert_false(np_dnssec_bitmap_has(bm, len, 1235));
	assert_false(np_dnssec_bitmap_has(bm, len, 65535));
	assert_int_equal(np_dnssec_bitmap_check(bm, 0), 0);
	assert_int_equal(np_dnssec_bitmap_check(bm, len - 1), NP_EBADLEN);   /* cut short */
	memcpy(bad, bm, len);
	bad[7] = 0;                                                          /* trailing zero */
	assert_int_equal(np_dnssec_bitmap_check(bad, 8), NP_EBADLEN);
	memcpy(bad, bm, len);
	bad[8] = 0;                                                          /* window 0 again */
	assert_int_equal(np_dnssec_bitmap_check(bad, len), NP_EBADLEN);
	bad[0] = 0;
	bad[1] = 0;                                                          /* empty block */
	assert_int_equal(np_dnssec_bitmap_check(bad, 2), NP_EBADLEN);
	bad[1] = 33;                                                         /* over 32 */
	assert_int_equal(np_dnssec_bitmap_check(bad, 2), NP_EBADLEN);
}

static void test_record_views(void **state)
{
	static const uint8_t dnskey[] = { 0x01, 0x01, 0x03, 0x0d, 0xaa, 0xbb };
	static const uint8_t ds[] = { 0x4f, 0x66, 0x08, 0x02, 0xe0, 0x6d };
	/* RFC 5155 Appendix A style: 1 1 12 aabbccdd <hash> A */
	uint8_t nsec3[64] = { 0x01, 0x01, 0x00, 0x0c, 0x04, 0xaa, 0xbb, 0xcc, 0xdd, 0x02, 0x12,
			      0x34, 0x00, 0x01, 0x40 };
	static const uint8_t param[] = { 0x01, 0x00, 0x00, 0x0c, 0x04, 0xaa, 0xbb, 0xcc, 0xdd };
	uint8_t nsec[80];
	struct np_dnskey k;
	struct np_ds d;
	struct np_nsec3 n3;
	struct np_nsec3param p;
	struct np_nsec ns;
	size_t nl;

	(void)state;
	assert_int_equal(np_dnskey_parse(dnskey, sizeof(dnskey), &k), 0);
	assert_int_equal(k.flags, 257);
	assert_int_equal(k.protocol, 3);
	assert_int_equal(k.algorithm, 13);
	assert_int_equal(k.key_len, 2);
	assert_int_equal(np_dnskey_parse(dnskey, 4, &k), NP_EBADLEN);
	assert_int_equal(np_ds_parse(ds, sizeof(ds), &d), 0);
	assert_int_equal(d.key_tag, 20326);
	assert_int_equal(d.digest_len, 2);
	assert_int_equal(np_ds_parse(ds, 4, &d), NP_EBADLEN);

	assert_int_equal(np_nsec3_parse(nsec3, 15, &n3), 0);
	assert_int_equal(n3.iterations, 12);
	assert_int_equal(n3.salt_len, 4);
	assert_int_equal(n3.hash_len, 2);
	assert_int_equal(n3.next_hash[0], 0x12);
	assert_true(np_dnssec_bitmap_has(n3.bitmap, n3.bitmap_len, NP_DNS_TYPE_A));
	assert_int_equal(np_nsec3_parse(nsec3, 11, &n3), NP_EBADLEN);       /* hash cut */
	assert_int_equal(np_nsec3_parse(nsec3, 12, &n3), 0);                /* no types */
	assert_int_equal(np_nsec3_parse(nsec3, 14, &n3), NP_EBADLEN);       /* bitmap cut */
	nsec3[9] = 0;                                                       /* empty hash */
	assert_int_equal(np_nsec3_parse(nsec3, 10, &n3), NP_EBADLEN);
	assert_int_equal(np_nsec3param_parse(param, sizeof(param), &p), 0);
	assert_int_equal(p.iterations, 12);
	assert_int_equal(np_nsec3param_parse(param, sizeof(param) - 1, &p), NP_EBADLEN);

	nl = name("Host.Example.", nsec);
	memcpy(nsec + nl, example_bitmap, 8);
	assert_int_equal(np_nsec_parse(nsec, nl + 8, &ns), 0);
	assert_int_equal(ns.next_len, nl);
	assert_memory_equal(ns.next, nsec, nl);                             /* case kept */
	assert_int_equal(ns.bitmap_len, 8);
	nsec[0] = 0xc0;                                                     /* a pointer */
	nsec[1] = 0x00;
	assert_int_equal(np_nsec_parse(nsec, nl + 8, &ns), NP_ELABEL);
}

/* RFC 4034 Appendix B, and B.1 for RSA/MD5. */
static void test_key_tag(void **state)
{
	static const uint8_t k[] = { 0x01, 0x00, 0x03, 0x08, 0x12, 0x34, 0xff };
	static const uint8_t md5[] = { 0x01, 0x00, 0x03, 0x01, 0x03, 0x01, 0x00, 0x01, 0xab,
				       0xcd, 0xef };

	(void)state;
	/* 0x0100 + 0x0308 + 0x1234 + 0xff00 = 0x1153c -> 0x153c + 0x1 */
	assert_int_equal(np_dnssec_key_tag(k, sizeof(k)), 0x153d);
	assert_int_equal(np_dnssec_key_tag(md5, sizeof(md5)), 0xabcd);
	assert_int_equal(np_dnssec_key_tag(k, 3), 0);
}

/* Names in rdata decompressed, lowercased for MX (RFC 4034 §6.2), kept for NSEC (RFC 6840 §5.1). */
static void test_rdata_canonical(void **state)
{
	uint8_t msg[64], out[64];
	size_t n = name("EXAMPLE.com.", msg), rd = n;
	static const uint8_t want[] = { 0x00, 0x0a, 4, 'm', 'a', 'i', 'l', 7, 'e', 'x', 'a', 'm',
					'p', 'l', 'e', 3, 'c', 'o', 'm', 0 };
	int len;

	(void)state;
	memcpy(msg + n, "\x00\x0a\x04MAIL\xc0\x00", 9);
	len = np_dnssec_rdata_canonical(msg, n + 9, rd, 9, NP_DNS_TYPE_MX, out, sizeof(out));
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	/* Not an MX: opaque octets (a TXT is not lowercased). */
	len = np_dnssec_rdata_canonical(msg, n + 9, rd, 9, NP_DNS_TYPE_TXT, out, sizeof(out));
	assert_int_equal(len, 9);
	assert_memory_equal(out, msg + rd, 9);
	/* NSEC: the next name keeps its case. */
	len = np_dnssec_rdata_canonical(msg, n, 0, (uint16_t)n, NP_DNS_TYPE_NSEC, out, sizeof(out));
	assert_int_equal(len, n);
	assert_memory_equal(out, msg, n);
	assert_true(np_dnssec_type_lowers_names(NP_DNS_TYPE_RRSIG));
	assert_false(np_dnssec_type_lowers_names(NP_DNS_TYPE_NSEC));
	/* rdlength that cuts the name, or leaves octets over. */
	assert_int_equal(np_dnssec_rdata_canonical(msg, n + 9, rd, 8, NP_DNS_TYPE_MX, out,
						   sizeof(out)), NP_EBADLEN);
	msg[n + 9] = 0;
	assert_int_equal(np_dnssec_rdata_canonical(msg, n + 10, rd, 10, NP_DNS_TYPE_MX, out,
						   sizeof(out)), NP_EBADLEN);
	assert_int_equal(np_dnssec_rdata_canonical(msg, n + 9, rd, 9, NP_DNS_TYPE_MX, out, 4),
			 NP_ENOSPC);
	/* A pointer forward (or to itself) is refused as in messages. */
	memcpy(msg + n, "\x00\x0a\xc0\x0e", 4);
	assert_true(np_dnssec_rdata_canonical(msg, n + 4, rd, 4, NP_DNS_TYPE_MX, out,
					      sizeof(out)) < 0);
}

static void test_rdata_sort(void **state)
{
	struct np_dnssec_rdata rd[] = {
		{ (const uint8_t *)"\x02\x01", 2 }, { (const uint8_t *)"\x01", 1 },
		{ (const uint8_t *)"\x01\x00", 2 }, { (const uint8_t *)"\x02\x01", 2 },
		{ (const uint8_t *)"\x01", 1 },
	};
	size_t n = np_dnssec_rdata_sort(rd, 5);

	(void)state;
	assert_int_equal(n, 3);
	assert_int_equal(rd[0].len, 1);
	assert_memory_equal(rd[1].data, "\x01\x00", 2);
	assert_memory_equal(rd[2].data, "\x02\x01", 2);
}

/* RFC 4034 §3.1.8.1 and §6.2, with a wildcard expansion (RFC 4035 §5.3.2). */
static void test_signed_data(void **state)
{
	uint8_t sig[64], owner[NP_DNS_NAME_MAX], out[256], want[256];
	size_t sl, ol = name("A.b.Example.", owner);
	struct np_dnssec_rdata rd[2] = { { (const uint8_t *)"\xc0\x00\x02\x01", 4 },
					 { (const uint8_t *)"\xc0\x00\x02\x02", 4 } };
	size_t w = 0;
	int len;

	(void)state;
	/* type A, alg 13, labels 2, TTL 300, expiration, inception, tag, signer, signature */
	memcpy(sig, "\x00\x01\x0d\x02\x00\x00\x01\x2c\x11\x11\x11\x11\x22\x22\x22\x22\x33\x33", 18);
	sl = 18 + name("EXAMPLE.", sig + 18);
	memcpy(sig + sl, "\xaa\xbb", 2);
	sl += 2;
	len = np_dnssec_signed_data(sig, sl, owner, ol, NP_DNS_TYPE_A, NP_DNS_CLASS_IN, rd, 2, out,
				    sizeof(out));
	memcpy(want, sig, 18);
	w = 18 + name("example.", want + 18);
	for (int i = 0; i < 2; i++) {
		w += name("*.b.example.", want + w);
		memcpy(want + w, "\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04", 10);
		w += 10;
		memcpy(want + w, rd[i].data, 4);
		w += 4;
	}
	assert_int_equal(len, w);
	assert_memory_equal(out, want, w);
	/* labels larger than the owner's: refused. */
	sig[3] = 4;
	assert_int_equal(np_dnssec_signed_data(sig, sl, owner, ol, NP_DNS_TYPE_A, NP_DNS_CLASS_IN,
					       rd, 2, out, sizeof(out)), NP_EINVAL);
	sig[3] = 3;
	len = np_dnssec_signed_data(sig, sl, owner, ol, NP_DNS_TYPE_A, NP_DNS_CLASS_IN, rd, 2, out,
				    sizeof(out));
	assert_int_equal(len, w - 2 * 2 + 2 * 2);       /* "a" instead of "*": same length */
	assert_memory_equal(out + 18 + 9, "\x01" "a" "\x01" "b", 4);
	assert_int_equal(np_dnssec_signed_data(sig, sl, owner, ol, NP_DNS_TYPE_A, NP_DNS_CLASS_IN,
					       rd, 2, out, 40), NP_ENOSPC);
}

static void test_hash_and_ds_input(void **state)
{
	uint8_t n[NP_DNS_NAME_MAX], out[300];
	size_t nl = name("Example.", n);

	(void)state;
	assert_int_equal(np_nsec3_hash_input(n, nl, (const uint8_t *)"\xaa\xbb", 2, out,
					     sizeof(out)), nl + 2);
	assert_memory_equal(out, "\x07" "example" "\x00\xaa\xbb", nl + 2);
	assert_int_equal(np_dnssec_ds_input(n, nl, (const uint8_t *)"\x01\x01", 2, out, 4),
			 NP_ENOSPC);
	assert_int_equal(np_dnssec_ds_input(n, nl - 1, (const uint8_t *)"\x01", 1, out, 300),
			 NP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base32hex_vectors),
		cmocka_unit_test(test_canonical_order),
		cmocka_unit_test(test_type_bitmap),
		cmocka_unit_test(test_record_views),
		cmocka_unit_test(test_key_tag),
		cmocka_unit_test(test_rdata_canonical),
		cmocka_unit_test(test_rdata_sort),
		cmocka_unit_test(test_signed_data),
		cmocka_unit_test(test_hash_and_ds_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
