/*
 * test-dnsd-validator: the DNSSEC validator against zones signed by ldns
 * and answers served by NSD (tests/data/dnssec-*.hex, made by
 * tests/data/dnssec-make-fixtures.sh; signatures valid 2025-01-01 to
 * 2035-01-01), with trust anchors from ldns-key2ds (dnssec-anchors.txt)
 * and the root anchors of the dns-root-data package.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/dns.h>
#include <netproto/dnssec.h>
#include <netproto/error.h>

#include "digest.h"
#include "testutil.h"
#include "validator.h"

#define NOW 1767225600u           /* 2026-01-01 */
#define AFTER 2082758400u         /* 2036-01-01: after every expiration */
#define BEFORE 1704067200u        /* 2024-01-01: before every inception */

struct fixture {
	uint8_t buf[NP_DNS_MSG_MAX];
	struct np_dns_msg msg;
};

static struct fixture *load(const char *name)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128];
	size_t len;

	assert_non_null(f);
	snprintf(path, sizeof(path), "dnssec-%s.hex", name);
	len = np_test_load_hex(path, f->buf, sizeof(f->buf));
	assert_int_equal(np_dns_msg_parse(f->buf, len, &f->msg), 0);
	return f;
}

static size_t name(const char *text, uint8_t *out)
{
	int n = np_dns_name_from_text(text, out, NP_DNS_NAME_MAX);

	assert_true(n > 0);
	return (size_t)n;
}

static struct val_rrset *rrset_new(void)
{
	struct val_rrset *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	return s;
}

static struct val_rrset *rrset(struct fixture *f, enum np_dns_section sec, const char *owner,
			       uint16_t type)
{
	struct val_rrset *s = rrset_new();
	uint8_t o[NP_DNS_NAME_MAX];

	assert_int_equal(val_rrset_from_msg(s, &f->msg, sec, o, name(owner, o), type), 0);
	return s;
}

/* The DS anchors of zone from dnssec-anchors.txt (or the file given). */
static struct val_rrset *anchors_from(const char *file, const char *zone, uint16_t type)
{
	struct val_rrset *ds = rrset_new(), *keys = rrset_new();
	uint8_t o[NP_DNS_NAME_MAX];
	size_t olen = name(zone, o);
	char line[2048], err[200];
	FILE *fp = fopen(file, "r");

	assert_non_null(fp);
	val_rrset_init(ds, o, olen, NP_DNS_TYPE_DS);
	val_rrset_init(keys, o, olen, NP_DNS_TYPE_DNSKEY);
	while (fgets(line, sizeof(line), fp)) {
		int rc = val_anchor_add_line(ds, keys, line, err, sizeof(err));

		if (rc && rc != NP_ENOTFOUND)
			fail_msg("%s: %s: %s", file, line, err);
	}
	fclose(fp);
	if (type == NP_DNS_TYPE_DS) {
		free(keys);
		return ds;
	}
	free(ds);
	return keys;
}

static struct val_rrset *anchors(const char *zone)
{
	struct val_rrset *ds = anchors_from(np_test_data_path("dnssec-anchors.txt"), zone,
					    NP_DNS_TYPE_DS);

	assert_true(ds->n >= 1);
	return ds;
}

/* The zone's DNSKEY RRset from its fixture, validated against its anchor. */
static struct val_rrset *secure_keys(const char *label)
{
	char file[64], zone[64];
	struct fixture *f;
	struct val_rrset *keys, *ds;
	struct val_budget b;
	struct val_result r;

	snprintf(file, sizeof(file), "%s-dnskey", label);
	snprintf(zone, sizeof(zone), "%s.test.", label);
	f = load(file);
	keys = rrset(f, NP_DNS_SEC_ANSWER, zone, NP_DNS_TYPE_DNSKEY);
	ds = anchors(zone);
	val_budget_init(&b);
	r = val_verify_dnskeys(keys, ds, NULL, NOW, &b);
	assert_int_equal(r.status, VAL_SECURE);
	/* The keys' RRset is a copy: the fixture buffer may go. */
	free(ds);
	free(f);
	return keys;
}

static struct val_result verify(struct val_rrset *set, struct val_rrset *keys, uint32_t now)
{
	struct val_budget b;

	val_budget_init(&b);
	return val_verify_rrset(set, keys, now, &b);
}

/* ---- Signatures ---------------------------------------------------------- */

static void test_secure_every_algorithm(void **state)
{
	static const char *const zones[] = {
		"rsasha256", "rsasha512", "ecdsap256", "ecdsap384", "ed25519", "ed448",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		char file[64], owner[64];
		struct val_rrset *keys = secure_keys(zones[i]), *a;
		struct fixture *f;
		struct val_result r;

		snprintf(file, sizeof(file), "%s-www-a", zones[i]);
		snprintf(owner, sizeof(owner), "www.%s.test.", zones[i]);
		f = load(file);
		a = rrset(f, NP_DNS_SEC_ANSWER, owner, NP_DNS_TYPE_A);
		r = verify(a, keys, NOW);
		if (r.status != VAL_SECURE)
			fail_msg("%s: %s (EDE %d)", zones[i], val_status_name(r.status), r.ede);
		assert_int_equal(r.ttl, 3600);
		assert_int_equal(r.wildcard_labels, -1);
		free(a);
		free(f);
		free(keys);
	}
}

/* Upper-case every copy of the label sequence text in f's message. */
static void upper(struct fixture *f, const char *text)
{
	size_t len = strlen(text), hits = 0;

	for (size_t i = 0; i + len <= f->msg.len; i++)
		if (!memcmp(f->buf + i, text, len)) {
			for (size_t j = i; j < i + len; j++)
				if (f->buf[j] >= 'a' && f->buf[j] <= 'z')
					f->buf[j] -= 32;
			hits++;
		}
	assert_true(hits >= 1);
}

/* Names inside rdata: NSD compresses the MX exchange and the CNAME target. */
static void test_secure_names_in_rdata(void **state)
{
	struct val_rrset *keys = secure_keys("ecdsap256"), *mx, *cname;
	struct fixture *f = load("ecdsap256-mx"), *g = load("ecdsap256-cname");

	(void)state;
	/*
	 * Case is not signed (RFC 4034 §6.2, RFC 4343): upper-case the owner (the
	 * question name that the answer points to) and the exchange in the rdata,
	 * as a server or a 0x20-randomizing path may, and it still verifies.
	 */
	upper(f, "\011ecdsap256\004test");
	upper(f, "\004mail");
	mx = rrset(f, NP_DNS_SEC_ANSWER, "ECDSAP256.TEST.", NP_DNS_TYPE_MX);
	assert_memory_equal(mx->rd[0].data, "\x00\x0a\x04" "mail" "\x09" "ecdsap256" "\x04" "test", 22);
	assert_int_equal(verify(mx, keys, NOW).status, VAL_SECURE);
	cname = rrset(g, NP_DNS_SEC_ANSWER, "alias.ecdsap256.test.", NP_DNS_TYPE_CNAME);
	assert_int_equal(verify(cname, keys, NOW).status, VAL_SECURE);
	free(mx);
	free(cname);
	free(f);
	free(g);
	free(keys);
}

static void test_flipped_signature_bit_is_bogus(void **state)
{
	struct val_rrset *keys = secure_keys("ed25519"), *a;
	struct fixture *f = load("ed25519-www-a");
	struct val_result r;

	(void)state;
	a = rrset(f, NP_DNS_SEC_ANSWER, "www.ed25519.test.", NP_DNS_TYPE_A);
	assert_int_equal(a->nsig, 1);
	((uint8_t *)a->sig[0].data)[a->sig[0].len - 1] ^= 0x01;
	r = verify(a, keys, NOW);
	assert_int_equal(r.status, VAL_BOGUS);
	assert_int_equal(r.ede, VAL_EDE_BOGUS);
	free(a);
	free(f);
	free(keys);
}

static void test_changed_data_is_bogus(void **state)
{
	struct val_rrset *keys = secure_keys("rsasha256"), *a;
	struct fixture *f = load("rsasha256-www-a");

	(void)state;
	a = rrset(f, NP_DNS_SEC_ANSWER, "www.rsasha256.test.", NP_DNS_TYPE_A);
	((uint8_t *)a->rd[0].data)[3] ^= 1;     /* 192.0.2.80 -> 192.0.2.81 */
	assert_int_equal(verify(a, keys, NOW).status, VAL_BOGUS);
	free(a);
	free(f);
	free(keys);
}

static void test_validity_window(void **state)
{
	struct val_rrset *keys = secure_keys("ecdsap384"), *a;
	struct fixture *f = load("ecdsap384-www-a");
	struct val_result r;

	(void)state;
	a = rrset(f, NP_DNS_SEC_ANSWER, "www.ecdsap384.test.", NP_DNS_TYPE_A);
	r = verify(a, keys, AFTER);
	assert_int_equal(r.status, VAL_BOGUS);
	assert_int_equal(r.ede, VAL_EDE_SIG_EXPIRED);
	r = verify(a, keys, BEFORE);
	assert_int_equal(r.status, VAL_BOGUS);
	assert_int_equal(r.ede, VAL_EDE_SIG_NOT_YET_VALID);
	/* RFC 4035 §5.3.3: the TTL does not outlive the signature. */
	r = verify(a, keys, 2051222400u - 100);
	assert_int_equal(r.status, VAL_SECURE);
	assert_int_equal(r.ttl, 100);
	free(a);
	free(f);
	free(keys);
}

/* The DNSKEY RRset without the key that signed the A RRset (the ZSK). */
static void test_dnskey_missing(void **state)
{
	struct val_rrset *keys = secure_keys("ecdsap256"), *ksk = rrset_new(), *a;
	struct fixture *f = load("ecdsap256-www-a");
	struct val_result r;

	(void)state;
	val_rrset_init(ksk, keys->owner, keys->owner_len, NP_DNS_TYPE_DNSKEY);
	for (size_t i = 0; i < keys->n; i++)
		if (np_load_be16(keys->rd[i].data) & NP_DNSKEY_FLAG_SEP)
			assert_int_equal(val_rrset_add(ksk, keys->rd[i].data, keys->rd[i].len, 0,
						       keys->rd[i].len, 3600), 0);
	assert_int_equal(ksk->n, 1);
	a = rrset(f, NP_DNS_SEC_ANSWER, "www.ecdsap256.test.", NP_DNS_TYPE_A);
	r = verify(a, ksk, NOW);
	assert_int_equal(r.status, VAL_BOGUS);
	assert_int_equal(r.ede, VAL_EDE_DNSKEY_MISSING);
	a->nsig = 0;
	r = verify(a, keys, NOW);
	assert_int_equal(r.status, VAL_BOGUS);
	assert_int_equal(r.ede, VAL_EDE_RRSIGS_MISSING);
	free(a);
	free(f);
	free(ksk);
	free(keys);
}

/* An RRSIG algorithm rewritten to one we do not support: bogus, never insecure. */
static void test_unsupported_rrsig_algorithm_is_bogus(void **state)
{
	struct val_rrset *keys = secure_keys("ecdsap256"), *a;
	struct fixture *f = load("ecdsap256-www-a");
	struct val_result r;

	(void)state;
	a = rrset(f, NP_DNS_SEC_ANSWER, "www.ecdsap256.test.", NP_DNS_TYPE_A);
	((uint8_t *)a->sig[0].data)[2] = NP_DNSSEC_ALG_RSASHA1;
	r = verify(a, keys, NOW);
	assert_int_equal(r.status, VAL_BOGUS);
	assert_int_equal(r.ede, VAL_EDE_UNSUPPORTED_ALG);
	free(a);
	free(f);
	free(keys);
}

/* Keys of the wrong shape are refused before any verification. */
static void test_verify_key_shapes(void **state)
{
	struct val_rrset *keys = secure_keys("rsasha256");
	const uint8_t *modulus;
	uint8_t key[1024], sig[256] = { 1 }, data[4] = { 0 };
	struct np_dnskey k;
	size_t mlen;

	(void)state;
	assert_int_equal(np_dnskey_parse(keys->rd[0].data, keys->rd[0].len, &k), 0);
	assert_int_equal(k.key[0], 3);                   /* exponent 65537 in 3 octets */
	modulus = k.key + 4;
	mlen = k.key_len - 4;
	/* A 33-bit exponent is a key (the signature is wrong); a 41-bit one is not. */
	key[0] = 5;
	memcpy(key + 1, "\x01\x00\x00\x00\x01", 5);
	memcpy(key + 6, modulus, mlen);
	assert_int_equal(np_dnssec_verify(8, key, 6 + mlen, data, 4, sig, mlen), NP_ECSUM);
	key[0] = 6;
	memcpy(key + 1, "\x01\x00\x00\x00\x00\x01", 6);
	memcpy(key + 7, modulus, mlen);
	assert_int_equal(np_dnssec_verify(8, key, 7 + mlen, data, 4, sig, mlen), NP_EBADLEN);
	/* RFC 3110 §2: exponent longer than the key; a 512-bit modulus. */
	key[0] = 200;
	assert_int_equal(np_dnssec_verify(8, key, 100, data, 4, sig, 64), NP_EBADLEN);
	key[0] = 3;
	assert_int_equal(np_dnssec_verify(8, k.key, 4 + 64, data, 4, sig, 64), NP_EBADLEN);
	/* RFC 6605, RFC 8080: fixed sizes. */
	assert_int_equal(np_dnssec_verify(13, key, 63, data, 4, sig, 64), NP_EBADLEN);
	assert_int_equal(np_dnssec_verify(15, key, 31, data, 4, sig, 64), NP_EBADLEN);
	assert_int_equal(np_dnssec_verify(16, key, 56, data, 4, sig, 114), NP_EBADLEN);
	/* RSASHA1 and unknown algorithms: see validator.h. */
	assert_int_equal(np_dnssec_verify(5, k.key, k.key_len, data, 4, sig, mlen), NP_ETYPE);
	assert_int_equal(np_dnssec_verify(253, k.key, k.key_len, data, 4, sig, mlen), NP_ETYPE);
	free(keys);
}

/* ---- DNSKEY against DS and anchors ----------------------------------------- */

static void test_ds_sha384(void **state)
{
	struct val_rrset *ds = anchors("ecdsap384.test.");
	struct np_ds d;

	(void)state;
	assert_int_equal(np_ds_parse(ds->rd[0].data, ds->rd[0].len, &d), 0);
	assert_int_equal(d.digest_type, NP_DS_DIGEST_SHA384);
	free(ds);
	free(secure_keys("ecdsap384"));    /* asserts secure */
}

static void test_ds_matching_no_key(void **state)
{
	struct fixture *f = load("ed448-dnskey");
	struct val_rrset *keys = rrset(f, NP_DNS_SEC_ANSWER, "ed448.test.", NP_DNS_TYPE_DNSKEY);
	struct val_rrset *ds = anchors("ed448.test.");
	struct val_budget b;
	struct val_result r;

	(void)state;
	((uint8_t *)ds->rd[0].data)[10] ^= 0x80;   /* a digest octet */
	val_budget_init(&b);
	r = val_verify_dnskeys(keys, ds, NULL, NOW, &b);
	assert_int_equal(r.status, VAL_BOGUS);
	assert_int_equal(r.ede, VAL_EDE_DNSKEY_MISSING);
	assert_int_equal(b.verifies, 0);
	free(ds);
	free(keys);
	free(f);
}

static void test_ds_unsupported_is_insecure(void **state)
{
	struct fixture *f = load("rsasha512-dnskey");
	struct val_rrset *keys = rrset(f, NP_DNS_SEC_ANSWER, "rsasha512.test.", NP_DNS_TYPE_DNSKEY);
	struct val_rrset *ds = anchors("rsasha512.test.");
	uint8_t *d = (uint8_t *)ds->rd[0].data;
	struct val_budget b;
	struct val_result r;

	(void)state;
	val_budget_init(&b);
	d[3] = NP_DS_DIGEST_SHA1;          /* RFC 8624 §3.3: SHA-1 digests, see validator.h */
	r = val_verify_dnskeys(keys, ds, NULL, NOW, &b);
	assert_int_equal(r.status, VAL_INSECURE);
	assert_int_equal(r.ede, VAL_EDE_UNSUPPORTED_DIGEST);
	d[3] = NP_DS_DIGEST_SHA256;
	d[2] = NP_DNSSEC_ALG_RSASHA1;
	r = val_verify_dnskeys(keys, ds, NULL, NOW, &b);
	assert_int_equal(r.status, VAL_INSECURE);
	assert_int_equal(r.ede, VAL_EDE_UNSUPPORTED_ALG);
	free(ds);
	free(keys);
	free(f);
}

/* A DNSKEY-form anchor: the zone's KSK as "zone. IN DNSKEY 257 3 ..." text. */
static void test_dnskey_anchor(void **state)
{
	struct fixture *f = load("ed25519-dnskey");
	struct val_rrset *keys = rrset(f, NP_DNS_SEC_ANSWER, "ed25519.test.", NP_DNS_TYPE_DNSKEY);
	struct val_rrset *ds = rrset_new(), *anchor = rrset_new();
	char line[1024], err[200];
	struct val_budget b;
	struct np_dnskey k;
	size_t i;

	(void)state;
	val_rrset_init(ds, keys->owner, keys->owner_len, NP_DNS_TYPE_DS);
	val_rrset_init(anchor, keys->owner, keys->owner_len, NP_DNS_TYPE_DNSKEY);
	for (i = 0; i < keys->n; i++) {
		assert_int_equal(np_dnskey_parse(keys->rd[i].data, keys->rd[i].len, &k), 0);
		if (k.flags & NP_DNSKEY_FLAG_SEP)
			break;
	}
	assert_true(i < keys->n);
	/* The KSK as dnspython printed it in the fixture's comment. */
	{
		FILE *fp = fopen(np_test_data_path("dnssec-ed25519-dnskey.hex"), "r");
		static char text[8192];
		const char *p;
		size_t len;
		int n;

		assert_non_null(fp);
		len = fread(text, 1, sizeof(text) - 1, fp);
		text[len] = 0;
		fclose(fp);
		p = strstr(text, "DNSKEY 257 3 15 ");
		assert_non_null(p);
		n = snprintf(line, sizeof(line), "ed25519.test. IN ");
		while (*p && *p != '\n' && n < (int)sizeof(line) - 1)
			line[n++] = *p++;
		line[n] = 0;
	}
	assert_int_equal(val_anchor_add_line(ds, anchor, line, err, sizeof(err)), 0);
	assert_int_equal(anchor->n, 1);
	assert_memory_equal(anchor->rd[0].data, keys->rd[i].data, keys->rd[i].len);
	val_budget_init(&b);
	assert_int_equal(val_verify_dnskeys(keys, NULL, anchor, NOW, &b).status, VAL_SECURE);
	/* A key that is not in the set anchors nothing. */
	((uint8_t *)anchor->rd[0].data)[anchor->rd[0].len - 1] ^= 1;
	assert_int_equal(val_verify_dnskeys(keys, NULL, anchor, NOW, &b).status, VAL_BOGUS);
	free(ds);
	free(anchor);
	free(keys);
	free(f);
}

/* The root anchors as Debian's dns-root-data ships them: the DS of each key matches. */
static void test_root_anchor_files(void **state)
{
	struct val_rrset *keys = anchors_from("/usr/share/dns/root.key", ".", NP_DNS_TYPE_DNSKEY);
	struct val_rrset *ds = anchors_from("/usr/share/dns/root.ds", ".", NP_DNS_TYPE_DS);
	int seen20326 = 0;

	(void)state;
	assert_true(keys->n >= 1);
	assert_int_equal(keys->n, ds->n);
	for (size_t i = 0; i < ds->n; i++) {
		struct np_ds d;
		uint8_t in[2048], out[NP_DIGEST_MAX];
		struct np_digest_part part;
		int len, found = 0;

		assert_int_equal(np_ds_parse(ds->rd[i].data, ds->rd[i].len, &d), 0);
		seen20326 |= d.key_tag == 20326;
		for (size_t j = 0; j < keys->n; j++) {
			if (np_dnssec_key_tag(keys->rd[j].data, keys->rd[j].len) != d.key_tag)
				continue;
			len = np_dnssec_ds_input(keys->owner, keys->owner_len, keys->rd[j].data,
						 keys->rd[j].len, in, sizeof(in));
			assert_true(len > 0);
			part.data = in;
			part.len = (size_t)len;
			assert_int_equal(np_digest(NP_DIGEST_SHA256, &part, 1, out), 32);
			assert_memory_equal(out, d.digest, 32);
			found = 1;
		}
		assert_true(found);
	}
	assert_true(seen20326);
	free(keys);
	free(ds);
}

static void test_anchor_line_errors(void **state)
{
	struct val_rrset *ds = rrset_new(), *keys = rrset_new();
	uint8_t root[1] = { 0 };
	char err[200];

	(void)state;
	val_rrset_init(ds, root, 1, NP_DNS_TYPE_DS);
	val_rrset_init(keys, root, 1, NP_DNS_TYPE_DNSKEY);
	assert_int_equal(val_anchor_add_line(ds, keys, ". IN DS 20326 8 2 E06D4", err,
					     sizeof(err)), NP_EINVAL);
	assert_non_null(strstr(err, "whole octets"));
	assert_int_equal(val_anchor_add_line(ds, keys, ". IN DNSKEY 257 3 8 AwE*", err,
					     sizeof(err)), NP_EINVAL);
	assert_int_equal(val_anchor_add_line(ds, keys, ". IN A 192.0.2.1", err, sizeof(err)),
			 NP_EINVAL);
	assert_int_equal(val_anchor_add_line(ds, keys, "; a comment", err, sizeof(err)),
			 NP_ENOTFOUND);
	assert_int_equal(val_anchor_add_line(ds, keys, "org. IN DS 1 8 2 00", err, sizeof(err)),
			 NP_ENOTFOUND);
	assert_int_equal(val_anchor_add_line(ds, keys, ". 3600 IN DS 1 8 2 00 11 ; split", err,
					     sizeof(err)), 0);
	assert_int_equal(ds->n, 1);
	assert_int_equal(ds->rd[0].len, 6);
	free(ds);
	free(keys);
}

/* ---- Denial of existence ------------------------------------------------------ */

struct denial {
	struct fixture *f;
	struct val_nsec rr[16];
	uint8_t owners[16][NP_DNS_NAME_MAX];
	size_t n;
	uint8_t zone[NP_DNS_NAME_MAX], qname[NP_DNS_NAME_MAX];
	size_t zlen, qlen;
};

/* The authority section's NSEC/NSEC3 records, each RRset first verified secure. */
static struct denial *denial(const char *label, const char *file, const char *qname)
{
	struct denial *d = calloc(1, sizeof(*d));
	struct val_rrset *keys = secure_keys(label);
	char zone[64];

	assert_non_null(d);
	snprintf(zone, sizeof(zone), "%s.test.", label);
	d->f = load(file);
	d->zlen = name(zone, d->zone);
	d->qlen = name(qname, d->qname);
	d->n = val_nsec_from_msg(&d->f->msg, NP_DNS_SEC_AUTHORITY, d->rr, d->owners, 16);
	assert_true(d->n >= 1);
	for (size_t i = 0; i < d->n; i++) {
		struct val_rrset *s = rrset_new();
		struct val_result r;

		assert_int_equal(val_rrset_from_msg(s, &d->f->msg, NP_DNS_SEC_AUTHORITY,
						    d->rr[i].owner, d->rr[i].owner_len,
						    d->rr[i].type), 0);
		r = verify(s, keys, NOW);
		assert_int_equal(r.status, VAL_SECURE);
		free(s);
	}
	free(keys);
	return d;
}

static void denial_free(struct denial *d)
{
	free(d->f);
	free(d);
}

static enum val_status nxdomain(struct denial *d)
{
	struct val_budget b;

	val_budget_init(&b);
	return val_prove_nxdomain(d->zone, d->zlen, d->qname, d->qlen, d->rr, d->n, &b).status;
}

static enum val_status nodata(struct denial *d, uint16_t qtype)
{
	struct val_budget b;

	val_budget_init(&b);
	return val_prove_nodata(d->zone, d->zlen, d->qname, d->qlen, qtype, d->rr, d->n, &b).status;
}

/* Drop record i from the proof. */
static void drop(struct denial *d, size_t i)
{
	memmove(&d->rr[i], &d->rr[i + 1], (d->n - i - 1) * sizeof(d->rr[0]));
	d->n--;
}

static void test_nsec_nxdomain(void **state)
{
	struct denial *d = denial("ecdsap256", "ecdsap256-nxdomain", "nothere.ecdsap256.test.");
	struct val_budget b;
	struct val_result r;

	(void)state;
	assert_int_equal(d->n, 2);
	assert_int_equal(nxdomain(d), VAL_SECURE);
	/* Another name the same NSEC does not cover. */
	d->qlen = name("zzz.ecdsap256.test.", d->qname);
	val_budget_init(&b);
	r = val_prove_nxdomain(d->zone, d->zlen, d->qname, d->qlen, d->rr, d->n, &b);
	assert_int_equal(r.status, VAL_BOGUS);
	assert_int_equal(r.ede, VAL_EDE_NSEC_MISSING);
	/* Without either NSEC (qname's, or the wildcard's) the proof fails. */
	for (size_t i = 0; i < 2; i++) {
		struct denial *e = denial("ecdsap256", "ecdsap256-nxdomain",
					  "nothere.ecdsap256.test.");

		drop(e, i);
		assert_int_equal(nxdomain(e), VAL_BOGUS);
		denial_free(e);
	}
	denial_free(d);
}

static void test_nsec_nodata(void **state)
{
	struct denial *d = denial("ecdsap256", "ecdsap256-nodata", "www.ecdsap256.test.");

	(void)state;
	assert_int_equal(nodata(d, NP_DNS_TYPE_TXT), VAL_SECURE);
	assert_int_equal(nodata(d, NP_DNS_TYPE_A), VAL_BOGUS);      /* www has A */
	assert_int_equal(nodata(d, NP_DNS_TYPE_AAAA), VAL_BOGUS);
	denial_free(d);
}

static void test_nsec_wildcard(void **state)
{
	struct val_rrset *keys = secure_keys("ecdsap256"), *a;
	struct denial *d = denial("ecdsap256", "ecdsap256-wildcard", "host.wild.ecdsap256.test.");
	struct val_budget b;
	struct val_result r;

	(void)state;
	a = rrset(d->f, NP_DNS_SEC_ANSWER, "host.wild.ecdsap256.test.", NP_DNS_TYPE_A);
	r = verify(a, keys, NOW);
	assert_int_equal(r.status, VAL_SECURE);
	assert_int_equal(r.wildcard_labels, 3);     /* *.wild.ecdsap256.test. */
	val_budget_init(&b);
	assert_int_equal(val_prove_wildcard(d->zone, d->zlen, d->qname, d->qlen, r.wildcard_labels,
					    d->rr, d->n, &b).status, VAL_SECURE);
	/* A closer name than the wildcard's parent is not proven absent. */
	assert_int_equal(val_prove_wildcard(d->zone, d->zlen, d->qname, d->qlen, 2, d->rr, d->n,
					    &b).status, VAL_BOGUS);
	d->n = 0;
	assert_int_equal(val_prove_wildcard(d->zone, d->zlen, d->qname, d->qlen, 3, d->rr, d->n,
					    &b).status, VAL_BOGUS);
	free(a);
	free(keys);
	denial_free(d);
}

static void test_nsec_wildcard_nodata(void **state)
{
	struct denial *d = denial("ecdsap256", "ecdsap256-wildcard-nodata",
				  "host.wild.ecdsap256.test.");

	(void)state;
	assert_int_equal(nodata(d, NP_DNS_TYPE_TXT), VAL_SECURE);
	assert_int_equal(nodata(d, NP_DNS_TYPE_A), VAL_BOGUS);
	denial_free(d);
}

static void test_nsec_insecure_delegation(void **state)
{
	struct denial *d = denial("ecdsap256", "ecdsap256-nods", "unsigned.ecdsap256.test.");
	struct denial *w = denial("ecdsap256", "ecdsap256-nodata", "www.ecdsap256.test.");
	struct val_budget b;

	(void)state;
	val_budget_init(&b);
	assert_int_equal(val_prove_no_ds(d->zone, d->zlen, d->qname, d->qlen, d->rr, d->n,
					 &b).status, VAL_INSECURE);
	assert_int_equal(nodata(d, NP_DNS_TYPE_DS), VAL_SECURE);
	/* The parent-side NSEC of a cut proves nothing about types at the child. */
	assert_int_equal(nodata(d, NP_DNS_TYPE_A), VAL_BOGUS);
	/* www has no NS: not a delegation. */
	assert_int_equal(val_prove_no_ds(w->zone, w->zlen, w->qname, w->qlen, w->rr, w->n,
					 &b).status, VAL_BOGUS);
	denial_free(d);
	denial_free(w);
}

static void test_nsec3_proofs(void **state)
{
	struct denial *d;
	struct val_budget b;
	struct val_rrset *keys = secure_keys("nsec3"), *a;
	struct val_result r;

	(void)state;
	d = denial("nsec3", "nsec3-nxdomain", "nothere.nsec3.test.");
	assert_int_equal(nxdomain(d), VAL_SECURE);
	for (size_t i = 0; i < d->n; i++) {     /* every record is needed */
		struct denial *e = denial("nsec3", "nsec3-nxdomain", "nothere.nsec3.test.");

		drop(e, i);
		assert_int_equal(nxdomain(e), VAL_BOGUS);
		denial_free(e);
	}
	denial_free(d);

	d = denial("nsec3", "nsec3-nodata", "www.nsec3.test.");
	assert_int_equal(nodata(d, NP_DNS_TYPE_TXT), VAL_SECURE);
	assert_int_equal(nodata(d, NP_DNS_TYPE_AAAA), VAL_BOGUS);
	denial_free(d);

	d = denial("nsec3", "nsec3-wildcard", "host.wild.nsec3.test.");
	a = rrset(d->f, NP_DNS_SEC_ANSWER, "host.wild.nsec3.test.", NP_DNS_TYPE_A);
	r = verify(a, keys, NOW);
	assert_int_equal(r.status, VAL_SECURE);
	assert_int_equal(r.wildcard_labels, 3);
	val_budget_init(&b);
	assert_int_equal(val_prove_wildcard(d->zone, d->zlen, d->qname, d->qlen, 3, d->rr, d->n,
					    &b).status, VAL_SECURE);
	d->n = 0;
	assert_int_equal(val_prove_wildcard(d->zone, d->zlen, d->qname, d->qlen, 3, d->rr, d->n,
					    &b).status, VAL_BOGUS);
	free(a);
	denial_free(d);

	d = denial("nsec3", "nsec3-wildcard-nodata", "host.wild.nsec3.test.");
	assert_int_equal(nodata(d, NP_DNS_TYPE_TXT), VAL_SECURE);
	assert_int_equal(nodata(d, NP_DNS_TYPE_A), VAL_BOGUS);
	denial_free(d);

	d = denial("nsec3", "nsec3-nods", "unsigned.nsec3.test.");
	val_budget_init(&b);
	assert_int_equal(val_prove_no_ds(d->zone, d->zlen, d->qname, d->qlen, d->rr, d->n,
					 &b).status, VAL_INSECURE);
	denial_free(d);
	free(keys);
}

static void test_nsec3_optout(void **state)
{
	struct denial *d;
	struct val_budget b;

	(void)state;
	d = denial("optout", "optout-nods", "unsigned.optout.test.");
	val_budget_init(&b);
	assert_int_equal(val_prove_no_ds(d->zone, d->zlen, d->qname, d->qlen, d->rr, d->n,
					 &b).status, VAL_INSECURE);
	denial_free(d);
	/* The referral NSD gives for a name below the unsigned delegation. */
	d = denial("optout", "optout-referral", "host.unsigned.optout.test.");
	d->qlen = name("unsigned.optout.test.", d->qname);
	assert_int_equal(val_prove_no_ds(d->zone, d->zlen, d->qname, d->qlen, d->rr, d->n,
					 &b).status, VAL_INSECURE);
	denial_free(d);
	/* Next closer name in an opt-out span: it may be an unsigned delegation. */
	d = denial("optout", "optout-nxdomain", "nothere.optout.test.");
	assert_int_equal(nxdomain(d), VAL_INSECURE);
	denial_free(d);
}

static void test_nsec3_iteration_limit(void **state)
{
	struct denial *d = denial("iter", "iter-nxdomain", "nothere.iter.test.");
	struct np_nsec3 p;
	struct val_budget b;
	struct val_result r;

	(void)state;
	assert_int_equal(np_nsec3_parse(d->rr[0].rdata, d->rr[0].rdlength, &p), 0);
	assert_int_equal(p.iterations, 151);
	val_budget_init(&b);
	r = val_prove_nxdomain(d->zone, d->zlen, d->qname, d->qlen, d->rr, d->n, &b);
	assert_int_equal(r.status, VAL_INSECURE);
	assert_int_equal(r.ede, VAL_EDE_NSEC3_ITERATIONS);
	assert_int_equal(b.hashes, 0);
	denial_free(d);
}

/* ---- Budgets (CVE-2023-50387, CVE-2023-50868) ------------------------------------ */

/*
 * count keys with the key tag of key, made by moving one unit between two
 * even-offset octets of the public key, which keeps the Appendix B sum.
 */
static void add_colliding_keys(struct val_rrset *set, const struct np_dnssec_rdata *key,
			       size_t count)
{
	uint16_t tag = np_dnssec_key_tag(key->data, key->len);

	for (size_t k = 0; k < count; k++) {
		uint8_t rd[2048];
		size_t i = 8 + 4 * k;        /* each key its own pair: all distinct */

		assert_true(i + 2 < key->len);
		memcpy(rd, key->data, key->len);
		if (rd[i] != 0xff && rd[i + 2] != 0) {
			rd[i]++;
			rd[i + 2]--;
		} else {
			rd[i]--;
			rd[i + 2]++;
		}
		assert_int_equal(np_dnssec_key_tag(rd, key->len), tag);
		assert_int_equal(val_rrset_add(set, rd, key->len, 0, key->len, 3600), 0);
	}
}

static void test_keytrap_budget(void **state)
{
	struct val_rrset *keys = secure_keys("rsasha256"), *trap = rrset_new(), *a;
	struct fixture *f = load("rsasha256-www-a");
	struct np_dns_rrsig s;
	struct val_budget b;
	struct val_result r;
	size_t zsk = 0;

	(void)state;
	a = rrset(f, NP_DNS_SEC_ANSWER, "www.rsasha256.test.", NP_DNS_TYPE_A);
	assert_int_equal(np_dns_rrsig_parse(a->sig[0].data, a->sig[0].len, &s), 0);
	while (np_dnssec_key_tag(keys->rd[zsk].data, keys->rd[zsk].len) != s.key_tag)
		zsk++;
	val_rrset_init(trap, keys->owner, keys->owner_len, NP_DNS_TYPE_DNSKEY);
	add_colliding_keys(trap, &keys->rd[zsk], 20);
	assert_int_equal(trap->n, 20);
	/* One RRSIG, 20 keys claiming its tag: 4 tried, then the cap. */
	val_budget_init(&b);
	r = val_verify_rrset(a, trap, NOW, &b);
	assert_int_equal(r.status, VAL_BUDGET);
	assert_int_equal(b.verifies, VAL_MAX_COLLISIONS);
	/* Eight RRSIGs (copies with other signatures): the per-query cap holds. */
	for (size_t i = 1; i < VAL_MAX_RRSIGS; i++) {
		uint8_t sig[1024];

		memcpy(sig, a->sig[0].data, a->sig[0].len);
		sig[a->sig[0].len - 1] ^= (uint8_t)i;
		assert_int_equal(val_rrset_add_sig(a, sig, a->sig[0].len), 0);
	}
	trap->n = VAL_MAX_COLLISIONS;          /* each RRSIG: 4 tries, all fail */
	val_budget_init(&b);
	b.max_verifies = 10;
	r = val_verify_rrset(a, trap, NOW, &b);
	assert_int_equal(r.status, VAL_BUDGET);
	assert_int_equal(b.verifies, 10);
	/* The real key still verifies within budget. */
	val_budget_init(&b);
	assert_int_equal(val_verify_rrset(a, keys, NOW, &b).status, VAL_SECURE);
	free(a);
	free(trap);
	free(keys);
	free(f);
}

static void test_ds_collision_budget(void **state)
{
	struct fixture *f = load("rsasha256-dnskey");
	struct val_rrset *keys = rrset(f, NP_DNS_SEC_ANSWER, "rsasha256.test.", NP_DNS_TYPE_DNSKEY);
	struct val_rrset *ds = anchors("rsasha256.test."), *trap = rrset_new();
	struct np_ds d;
	struct val_budget b;
	size_t ksk = 0;

	(void)state;
	assert_int_equal(np_ds_parse(ds->rd[0].data, ds->rd[0].len, &d), 0);
	while (np_dnssec_key_tag(keys->rd[ksk].data, keys->rd[ksk].len) != d.key_tag)
		ksk++;
	val_rrset_init(trap, keys->owner, keys->owner_len, NP_DNS_TYPE_DNSKEY);
	add_colliding_keys(trap, &keys->rd[ksk], 10);
	val_budget_init(&b);
	assert_int_equal(val_verify_dnskeys(trap, ds, NULL, NOW, &b).status, VAL_BUDGET);
	assert_int_equal(b.verifies, 0);
	free(trap);
	free(ds);
	free(keys);
	free(f);
}

static void test_nsec3_hash_budget(void **state)
{
	struct denial *d = denial("nsec3", "nsec3-nxdomain", "a.b.c.nothere.nsec3.test.");
	struct val_budget b;
	struct val_result r;

	(void)state;
	val_budget_init(&b);
	b.max_hashes = 3;
	r = val_prove_nxdomain(d->zone, d->zlen, d->qname, d->qlen, d->rr, d->n, &b);
	assert_int_equal(r.status, VAL_BUDGET);
	assert_int_equal(b.hashes, 3);
	denial_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secure_every_algorithm),
		cmocka_unit_test(test_secure_names_in_rdata),
		cmocka_unit_test(test_flipped_signature_bit_is_bogus),
		cmocka_unit_test(test_changed_data_is_bogus),
		cmocka_unit_test(test_validity_window),
		cmocka_unit_test(test_dnskey_missing),
		cmocka_unit_test(test_unsupported_rrsig_algorithm_is_bogus),
		cmocka_unit_test(test_verify_key_shapes),
		cmocka_unit_test(test_ds_sha384),
		cmocka_unit_test(test_ds_matching_no_key),
		cmocka_unit_test(test_ds_unsupported_is_insecure),
		cmocka_unit_test(test_dnskey_anchor),
		cmocka_unit_test(test_root_anchor_files),
		cmocka_unit_test(test_anchor_line_errors),
		cmocka_unit_test(test_nsec_nxdomain),
		cmocka_unit_test(test_nsec_nodata),
		cmocka_unit_test(test_nsec_wildcard),
		cmocka_unit_test(test_nsec_wildcard_nodata),
		cmocka_unit_test(test_nsec_insecure_delegation),
		cmocka_unit_test(test_nsec3_proofs),
		cmocka_unit_test(test_nsec3_optout),
		cmocka_unit_test(test_nsec3_iteration_limit),
		cmocka_unit_test(test_keytrap_budget),
		cmocka_unit_test(test_ds_collision_budget),
		cmocka_unit_test(test_nsec3_hash_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
