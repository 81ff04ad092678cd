/*
 * test-dhcpd-ddns.c: the RFC 2136 UPDATE messages np-dhcpd sends for its
 * clients' names, octet by octet (expected bytes written out by hand from
 * RFC 2136 §2 and RFC 1035 §4.1), then read back with libnetproto's DNS
 * parser: zone section, update records with their classes, TTLs and rdata.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/dns.h>
#include <netproto/error.h>

#include "ddns.h"
#include "lease.h"

#define ADDR 0x0a4d0064u           /* 10.77.0.100 */

static size_t hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s != '\0') {
		unsigned v;

		if (*s == ' ' || *s == '\n') {
			s++;
			continue;
		}
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		assert_true(n < cap);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void expect_bytes(const struct ddns_update *u, uint16_t id, const char *want)
{
	uint8_t got[DDNS_MSG_MAX], exp[DDNS_MSG_MAX];
	size_t n = hex(want, exp, sizeof(exp));
	int len = ddns_build(u, id, got, sizeof(got));

	assert_int_equal(len, (int)n);
	assert_memory_equal(got, exp, n);
}

/*
 * A message read back record by record.  np_dns_msg_parse() checks typed
 * rdata exactly, so it refuses the "delete an RRset" record (a type A or
 * PTR with rdlength 0, RFC 2136 §2.5.2); messages with one are walked with
 * the iterator over a header read by hand.
 */
struct rec {
	enum np_dns_section sec;
	char owner[NP_DNS_NAME_TEXT_MAX];
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlength;
	struct np_dns_rdata rd;
};

static int walk(const uint8_t *buf, size_t len, struct np_dns_msg *m, struct rec *out, int max)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	int n = 0, rc;

	np_dns_iter_init(&it, m);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0 && n < max) {
		struct rec *r = &out[n++];

		memset(r, 0, sizeof(*r));
		r->sec = rr.section;
		assert_true(np_dns_name_to_text(rr.owner, rr.owner_len, r->owner,
						sizeof(r->owner)) > 0);
		r->type = rr.type;
		r->rclass = rr.rclass;
		r->ttl = rr.ttl;
		r->rdlength = rr.rdlength;
		if (rr.section != NP_DNS_SEC_QUESTION && rr.rdlength > 0)
			assert_int_equal(np_dns_rr_rdata(m, &rr, &r->rd), 0);
	}
	assert_int_equal(rc, 0);
	(void)buf;
	(void)len;
	return n;
}

static void header_by_hand(const uint8_t *buf, size_t len, struct np_dns_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->data = buf;
	m->len = len;
	m->hdr.id = (uint16_t)(buf[0] << 8 | buf[1]);
	m->hdr.qr = buf[2] >> 7;
	m->hdr.opcode = (buf[2] >> 3) & 15;
	for (int i = 0; i < 4; i++)
		m->hdr.count[i] = (uint16_t)(buf[4 + 2 * i] << 8 | buf[5 + 2 * i]);
}

static void add_a_bytes(void **state)
{
	struct ddns_update a, ptr;

	(void)state;
	assert_int_equal(ddns_prepare("laptop", ADDR, "lan.", NULL, DDNS_ADD, 300, &a, &ptr), 0);
	expect_bytes(&a, 0x1234,
		     /* id 0x1234, QR 0, opcode 5 (UPDATE), ZOCOUNT 1, PRCOUNT 0, UPCOUNT 2, ADCOUNT 0 */
		     "1234 2800 0001 0000 0002 0000"
		     /* zone: lan. SOA IN (§2.3) */
		     "036c616e00 0006 0001"
		     /* laptop.lan (pointer to lan. at 12) A ANY TTL 0 rdlength 0: delete the RRset */
		     "066c6170746f70c00c 0001 00ff 00000000 0000"
		     /* laptop.lan (pointer to 21) A IN TTL 300 10.77.0.100: add */
		     "c015 0001 0001 0000012c 0004 0a4d0064");
}

static void add_a_reads_back(void **state)
{
	struct ddns_update a, ptr;
	uint8_t buf[DDNS_MSG_MAX];
	struct np_dns_msg m;
	struct rec r[4];
	int len;

	(void)state;
	assert_int_equal(ddns_prepare("laptop", ADDR, "lan", NULL, DDNS_ADD, 300, &a, &ptr), 0);
	len = ddns_build(&a, 7, buf, sizeof(buf));
	assert_true(len > 0);
	header_by_hand(buf, (size_t)len, &m);
	assert_int_equal(m.hdr.opcode, DDNS_OPCODE_UPDATE);
	assert_int_equal(walk(buf, (size_t)len, &m, r, 4), 3);
	assert_int_equal(r[0].sec, NP_DNS_SEC_QUESTION);
	assert_string_equal(r[0].owner, "lan.");
	assert_int_equal(r[0].type, NP_DNS_TYPE_SOA);
	assert_int_equal(r[0].rclass, NP_DNS_CLASS_IN);
	assert_int_equal(r[1].sec, NP_DNS_SEC_AUTHORITY);
	assert_string_equal(r[1].owner, "laptop.lan.");
	assert_int_equal(r[1].type, NP_DNS_TYPE_A);
	assert_int_equal(r[1].rclass, NP_DNS_CLASS_ANY);
	assert_int_equal(r[1].ttl, 0);
	assert_int_equal(r[1].rdlength, 0);
	assert_int_equal(r[2].sec, NP_DNS_SEC_AUTHORITY);
	assert_string_equal(r[2].owner, "laptop.lan.");
	assert_int_equal(r[2].rclass, NP_DNS_CLASS_IN);
	assert_int_equal(r[2].ttl, 300);
	assert_int_equal(r[2].rd.a, ADDR);
}

static void add_ptr_bytes_and_default_reverse_zone(void **state)
{
	struct ddns_update a, ptr;
	uint8_t buf[DDNS_MSG_MAX];
	struct np_dns_msg m;
	struct rec r[4];
	char text[NP_DNS_NAME_TEXT_MAX];
	int len;

	(void)state;
	assert_int_equal(ddns_prepare("laptop", ADDR, "lan.", "", DDNS_ADD, 300, &a, &ptr), 0);
	expect_bytes(&ptr, 0x1235,
		     "1235 2800 0001 0000 0002 0000"
		     /* zone: 0.77.10.in-addr.arpa. SOA IN: the /24 by default */
		     "0130 023737 023130 07696e2d61646472 0461727061 00 0006 0001"
		     /* 100.0.77.10.in-addr.arpa PTR ANY TTL 0, no rdata: delete the RRset */
		     "03313030c00c 000c 00ff 00000000 0000"
		     /* the same name PTR IN TTL 300 laptop.lan. */
		     "c026 000c 0001 0000012c 000c 066c6170746f70 036c616e 00");
	len = ddns_build(&ptr, 1, buf, sizeof(buf));
	header_by_hand(buf, (size_t)len, &m);
	assert_int_equal(walk(buf, (size_t)len, &m, r, 4), 3);
	assert_string_equal(r[0].owner, "0.77.10.in-addr.arpa.");
	assert_string_equal(r[2].owner, "100.0.77.10.in-addr.arpa.");
	assert_int_equal(r[2].type, NP_DNS_TYPE_PTR);
	np_dns_name_to_text(r[2].rd.name.name, r[2].rd.name.len, text, sizeof(text));
	assert_string_equal(text, "laptop.lan.");
}

/* Release and expiry: exactly the records of the lease (class NONE, §2.5.4). */
static void delete_messages_parse(void **state)
{
	struct ddns_update a, ptr;
	uint8_t buf[DDNS_MSG_MAX];
	struct np_dns_msg m;
	struct rec r[4];
	char text[NP_DNS_NAME_TEXT_MAX];
	int len;

	(void)state;
	assert_int_equal(ddns_prepare("laptop", ADDR, "lan.", "77.10.in-addr.arpa", DDNS_DELETE,
				      300, &a, &ptr), 0);
	expect_bytes(&a, 0x1236,
		     "1236 2800 0001 0000 0001 0000 036c616e00 0006 0001"
		     /* laptop.lan A NONE TTL 0 10.77.0.100 */
		     "066c6170746f70c00c 0001 00fe 00000000 0004 0a4d0064");
	len = ddns_build(&a, 0x1236, buf, sizeof(buf));
	assert_int_equal(np_dns_msg_parse(buf, (size_t)len, &m), 0);
	assert_int_equal(m.hdr.opcode, DDNS_OPCODE_UPDATE);
	assert_int_equal(m.hdr.qr, 0);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_QUESTION], 1);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 0);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_AUTHORITY], 1);
	assert_int_equal(walk(buf, (size_t)len, &m, r, 4), 2);
	assert_string_equal(r[1].owner, "laptop.lan.");
	assert_int_equal(r[1].rclass, DDNS_CLASS_NONE);
	assert_int_equal(r[1].ttl, 0);
	assert_int_equal(r[1].rd.a, ADDR);

	/* The PTR in the configured reverse zone (a /16 here). */
	len = ddns_build(&ptr, 0x1237, buf, sizeof(buf));
	assert_int_equal(np_dns_msg_parse(buf, (size_t)len, &m), 0);
	assert_int_equal(walk(buf, (size_t)len, &m, r, 4), 2);
	assert_string_equal(r[0].owner, "77.10.in-addr.arpa.");
	assert_string_equal(r[1].owner, "100.0.77.10.in-addr.arpa.");
	assert_int_equal(r[1].type, NP_DNS_TYPE_PTR);
	assert_int_equal(r[1].rclass, DDNS_CLASS_NONE);
	np_dns_name_to_text(r[1].rd.name.name, r[1].rd.name.len, text, sizeof(text));
	assert_string_equal(text, "laptop.lan.");
}

static void host_names(void **state)
{
	struct ddns_update a, ptr;
	char text[NP_DNS_NAME_TEXT_MAX];
	char longest[64], too_long[65];

	(void)state;
	/* An FQDN keeps its first label; case is kept (RFC 4343). */
	assert_int_equal(ddns_prepare("Laptop-2.example.org", ADDR, "lan.", NULL, DDNS_ADD, 60,
				      &a, &ptr), 0);
	np_dns_name_to_text(a.owner, a.owner_len, text, sizeof(text));
	assert_string_equal(text, "Laptop-2.lan.");
	/* Not a host name (RFC 952, RFC 1123 §2.1): nothing is published. */
	assert_int_equal(ddns_prepare("", ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr), NP_EINVAL);
	assert_int_equal(ddns_prepare("-x", ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr), NP_EINVAL);
	assert_int_equal(ddns_prepare("x-", ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr), NP_EINVAL);
	assert_int_equal(ddns_prepare("my laptop", ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr),
			 NP_EINVAL);
	assert_int_equal(ddns_prepare("a_b", ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr), NP_EINVAL);
	assert_int_equal(ddns_prepare(".lan", ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr), NP_EINVAL);
	/* 63 octets is a label, 64 is not (RFC 1035 §2.3.4). */
	memset(longest, 'h', 63);
	longest[63] = '\0';
	memset(too_long, 'h', 64);
	too_long[64] = '\0';
	assert_int_equal(ddns_prepare(longest, ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr), 0);
	assert_int_equal(ddns_prepare(too_long, ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr),
			 NP_EINVAL);
}

static void name_too_long_for_zone(void **state)
{
	struct ddns_update a, ptr;
	char zone[260], host[64];

	(void)state;
	/* A 250-octet zone: with a 63-octet host the name passes 255 octets. */
	for (int i = 0; i < 5; i++)
		memcpy(zone + 50 * i, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.", 50);
	zone[250] = '\0';
	memset(host, 'h', 63);
	host[63] = '\0';
	assert_int_equal(ddns_prepare(host, ADDR, zone, NULL, DDNS_ADD, 60, &a, &ptr), NP_ENAME);
}

static void address_outside_reverse_zone(void **state)
{
	struct ddns_update a, ptr;
	uint8_t buf[DDNS_MSG_MAX];

	(void)state;
	/* 10.77.0.100 is not in 1.77.10.in-addr.arpa: the A update alone. */
	assert_int_equal(ddns_prepare("laptop", ADDR, "lan.", "1.77.10.in-addr.arpa.", DDNS_ADD,
				      60, &a, &ptr), NP_ENOTFOUND);
	assert_true(ddns_build(&a, 1, buf, sizeof(buf)) > 0);
	assert_int_equal(a.type, NP_DNS_TYPE_A);
}

static void small_buffer(void **state)
{
	struct ddns_update a, ptr;
	uint8_t buf[40];

	(void)state;
	assert_int_equal(ddns_prepare("laptop", ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr), 0);
	assert_true(ddns_build(&a, 1, buf, 8) < 0);
	/* The records that do not fit are left out (the builder marks TC). */
	assert_true(ddns_build(&a, 1, buf, sizeof(buf)) <= (int)sizeof(buf));
}

/* Answers: rcode of an UPDATE response with our id (NSD's and BIND's shape). */
static void answers(void **state)
{
	uint8_t ok[64], refused[64], query[64], other[64], junk[5] = { 1, 2, 3, 4, 5 };
	size_t n;

	(void)state;
	/* id 0x1234, QR, opcode 5, rcode 0, the zone section echoed. */
	n = hex("1234 a800 0001 0000 0000 0000 036c616e00 0006 0001", ok, sizeof(ok));
	assert_int_equal(ddns_answer_rcode(ok, n, 0x1234), 0);
	assert_int_equal(ddns_answer_rcode(ok, n, 0x1235), NP_ENOTFOUND);
	n = hex("1234 a805 0001 0000 0000 0000 036c616e00 0006 0001", refused, sizeof(refused));
	assert_int_equal(ddns_answer_rcode(refused, n, 0x1234), NP_DNS_RCODE_REFUSED);
	/* NOTAUTH (9, RFC 2136 §2.2). */
	refused[3] = 0x09;
	assert_int_equal(ddns_answer_rcode(refused, n, 0x1234), 9);
	/* A query (QR 0) or another opcode is not an answer to an UPDATE. */
	n = hex("1234 2800 0001 0000 0000 0000 036c616e00 0006 0001", query, sizeof(query));
	assert_int_equal(ddns_answer_rcode(query, n, 0x1234), NP_EFORMAT);
	n = hex("1234 8000 0001 0000 0000 0000 036c616e00 0006 0001", other, sizeof(other));
	assert_int_equal(ddns_answer_rcode(other, n, 0x1234), NP_EFORMAT);
	assert_true(ddns_answer_rcode(junk, sizeof(junk), 0x0102) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_a_bytes),
		cmocka_unit_test(add_a_reads_back),
		cmocka_unit_test(add_ptr_bytes_and_default_reverse_zone),
		cmocka_unit_test(delete_messages_parse),
		cmocka_unit_test(host_names),
		cmocka_unit_test(name_too_long_for_zone),
		cmocka_unit_test(address_outside_reverse_zone),
		cmocka_unit_test(small_buffer),
		cmocka_unit_test(answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
