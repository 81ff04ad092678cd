/*
 * test-dns-msg.c: DNS messages against real NSD 4.6.1 answers to dig and
 * kdig queries, hand-made malformed messages, and the builder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/dns.h>
#include <netproto/error.h>

#include "testutil.h"

#define BUF 4096

static const uint8_t www[] = "\3www\7example\3net";
static const uint8_t example_net[] = "\7example\3net";

static size_t load(const char *name, uint8_t *buf, struct np_dns_msg *m)
{
	size_t len = np_test_load_hex(name, buf, BUF);

	assert_int_equal(np_dns_msg_parse(buf, len, m), 0);
	return len;
}

/* The next record, which must be in section sec with this owner and type. */
static void next(struct np_dns_iter *it, struct np_dns_rr *rr, int sec, const char *owner,
		 uint16_t type)
{
	uint8_t name[NP_DNS_NAME_MAX];
	int n = np_dns_name_from_text(owner, name, sizeof(name));

	assert_int_equal(np_dns_iter_next(it, rr), 1);
	assert_int_equal(rr->section, sec);
	assert_int_equal(rr->owner_len, n);
	assert_memory_equal(rr->owner, name, (size_t)n);
	assert_int_equal(rr->type, type);
	if (type != NP_DNS_TYPE_OPT)
		assert_int_equal(rr->rclass, NP_DNS_CLASS_IN);
}

static void assert_name(const uint8_t *wire, size_t len, const char *text)
{
	char buf[NP_DNS_NAME_TEXT_MAX];

	assert_true(np_dns_name_to_text(wire, len, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, text);
}

/* NSD's usual authority (NS ns1, ns2) and additional (their A records, OPT). */
static void ns_and_glue(const struct np_dns_msg *m, struct np_dns_iter *it)
{
	struct np_dns_rr rr;
	struct np_dns_rdata rd;
	struct np_dns_opt opt;

	next(it, &rr, NP_DNS_SEC_AUTHORITY, "example.net", NP_DNS_TYPE_NS);
	assert_int_equal(np_dns_rr_rdata(m, &rr, &rd), 0);
	assert_name(rd.name.name, rd.name.len, "ns1.example.net.");
	next(it, &rr, NP_DNS_SEC_AUTHORITY, "example.net", NP_DNS_TYPE_NS);
	assert_int_equal(np_dns_rr_rdata(m, &rr, &rd), 0);
	assert_name(rd.name.name, rd.name.len, "ns2.example.net.");
	next(it, &rr, NP_DNS_SEC_ADDITIONAL, "ns1.example.net", NP_DNS_TYPE_A);
	assert_int_equal(np_dns_rr_rdata(m, &rr, &rd), 0);
	assert_int_equal(rd.a, 0x0a4d0001);
	next(it, &rr, NP_DNS_SEC_ADDITIONAL, "ns2.example.net", NP_DNS_TYPE_A);
	assert_int_equal(np_dns_rr_rdata(m, &rr, &rd), 0);
	assert_int_equal(rd.a, 0x0a4d0003);
	assert_int_equal(np_dns_iter_next(it, &rr), 1);
	assert_int_equal(rr.type, NP_DNS_TYPE_OPT);
	assert_int_equal(np_dns_rr_opt(&rr, &opt), 0);
	assert_int_equal(opt.udp_size, 1232);
	assert_int_equal(np_dns_iter_next(it, &rr), 0);
}

static void parses_dig_query_with_cookie(void **state)
{
	uint8_t buf[BUF];
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_opt opt;
	struct np_dns_opt_iter oi;
	const uint8_t *data;
	uint16_t code, olen;
	static const uint8_t cookie[8] = { 0x1e, 0x62, 0x3d, 0xca, 0xb9, 0x35, 0xa3, 0x33 };

	(void)state;
	assert_int_equal(load("dns-query-a-dig.hex", buf, &m), 56);
	assert_int_equal(m.hdr.id, 0x9c56);
	assert_int_equal(m.hdr.qr, 0);
	assert_int_equal(m.hdr.opcode, NP_DNS_OPCODE_QUERY);
	assert_int_equal(m.hdr.rd, 1);
	assert_int_equal(m.hdr.ad, 1);
	assert_int_equal(m.hdr.cd, 0);
	assert_int_equal(m.hdr.count[0], 1);
	assert_int_equal(m.hdr.count[3], 1);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "www.example.net.", NP_DNS_TYPE_A);
	assert_null(rr.rdata);
	next(&it, &rr, NP_DNS_SEC_ADDITIONAL, ".", NP_DNS_TYPE_OPT);
	assert_int_equal(rr.rclass, 1232);
	assert_int_equal(np_dns_msg_opt(&m, &opt), 0);
	assert_int_equal(opt.udp_size, 1232);
	assert_int_equal(opt.version, 0);
	assert_int_equal(opt.do_bit, 0);
	assert_int_equal(opt.ext_rcode, 0);
	assert_int_equal(np_dns_msg_udp_limit(&m), 1232);
	np_dns_opt_iter_init(&oi, &opt);
	assert_int_equal(np_dns_opt_next(&oi, &code, &data, &olen), 1);
	assert_int_equal(code, NP_DNS_EDNS_COOKIE);
	assert_int_equal(olen, 8);
	assert_memory_equal(data, cookie, 8);
	assert_int_equal(np_dns_opt_next(&oi, &code, &data, &olen), 0);
	assert_int_equal(np_dns_iter_next(&it, &rr), 0);
}

static void parses_nsd_a_answer(void **state)
{
	uint8_t buf[BUF];
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;

	(void)state;
	assert_int_equal(load("dns-answer-a-nsd.hex", buf, &m), 128);
	assert_int_equal(m.hdr.id, 0x9c56);
	assert_int_equal(m.hdr.qr, 1);
	assert_int_equal(m.hdr.aa, 1);
	assert_int_equal(m.hdr.rd, 1);
	assert_int_equal(m.hdr.ra, 0);
	assert_int_equal(m.hdr.tc, 0);
	assert_int_equal(np_dns_msg_rcode(&m), NP_DNS_RCODE_NOERROR);
	assert_int_equal(m.end, 128);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "www.example.net", NP_DNS_TYPE_A);
	next(&it, &rr, NP_DNS_SEC_ANSWER, "www.example.net", NP_DNS_TYPE_A);
	/* The owner was a pointer to the question name (c0 0c). */
	assert_int_equal(buf[33], 0xc0);
	assert_int_equal(buf[34], 0x0c);
	assert_int_equal(rr.ttl, 3600);
	assert_int_equal(rr.rdlength, 4);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_int_equal(rd.a, 0xc000020a);
	ns_and_glue(&m, &it);
}

static void parses_nsd_aaaa_answer(void **state)
{
	static const uint8_t addr[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
	uint8_t buf[BUF];
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;

	(void)state;
	load("dns-answer-aaaa-nsd.hex", buf, &m);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "www.example.net", NP_DNS_TYPE_AAAA);
	next(&it, &rr, NP_DNS_SEC_ANSWER, "www.example.net", NP_DNS_TYPE_AAAA);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_memory_equal(rd.aaaa, addr, 16);
	ns_and_glue(&m, &it);
}

static void parses_nsd_cname_chain(void **state)
{
	uint8_t buf[BUF];
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;

	(void)state;
	load("dns-answer-cname-nsd.hex", buf, &m);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 3);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "alias.example.net", NP_DNS_TYPE_A);
	next(&it, &rr, NP_DNS_SEC_ANSWER, "alias.example.net", NP_DNS_TYPE_CNAME);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_name(rd.name.name, rd.name.len, "alias2.example.net.");
	next(&it, &rr, NP_DNS_SEC_ANSWER, "alias2.example.net", NP_DNS_TYPE_CNAME);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_name(rd.name.name, rd.name.len, "www.example.net.");
	/* Compressed: "www" and a pointer. */
	assert_int_equal(rr.rdlength, 6);
	next(&it, &rr, NP_DNS_SEC_ANSWER, "www.example.net", NP_DNS_TYPE_A);
	ns_and_glue(&m, &it);
}

static void parses_nsd_mx_answer(void **state)
{
	uint8_t buf[BUF];
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;

	(void)state;
	load("dns-answer-mx-nsd.hex", buf, &m);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "example.net", NP_DNS_TYPE_MX);
	next(&it, &rr, NP_DNS_SEC_ANSWER, "example.net", NP_DNS_TYPE_MX);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_int_equal(rd.mx.preference, 10);
	assert_name(rd.mx.exchange, rd.mx.exchange_len, "mail.example.net.");
	next(&it, &rr, NP_DNS_SEC_ANSWER, "example.net", NP_DNS_TYPE_MX);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_int_equal(rd.mx.preference, 20);
	assert_name(rd.mx.exchange, rd.mx.exchange_len, "mail2.example.net.");
	next(&it, &rr, NP_DNS_SEC_AUTHORITY, "example.net", NP_DNS_TYPE_NS);
	next(&it, &rr, NP_DNS_SEC_AUTHORITY, "example.net", NP_DNS_TYPE_NS);
	next(&it, &rr, NP_DNS_SEC_ADDITIONAL, "mail.example.net", NP_DNS_TYPE_A);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_int_equal(rd.a, 0xc0000219);
}

static void parses_nsd_soa_and_ns(void **state)
{
	uint8_t buf[BUF];
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;

	(void)state;
	load("dns-answer-soa-nsd.hex", buf, &m);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "example.net", NP_DNS_TYPE_SOA);
	next(&it, &rr, NP_DNS_SEC_ANSWER, "example.net", NP_DNS_TYPE_SOA);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_name(rd.soa.mname, rd.soa.mname_len, "ns1.example.net.");
	assert_name(rd.soa.rname, rd.soa.rname_len, "hostmaster.example.net.");
	assert_int_equal(rd.soa.serial, 2026112201);
	assert_int_equal(rd.soa.refresh, 7200);
	assert_int_equal(rd.soa.retry, 3600);
	assert_int_equal(rd.soa.expire, 1209600);
	assert_int_equal(rd.soa.minimum, 300);
	ns_and_glue(&m, &it);

	load("dns-answer-ns-nsd.hex", buf, &m);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 2);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_AUTHORITY], 0);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "example.net", NP_DNS_TYPE_NS);
	next(&it, &rr, NP_DNS_SEC_ANSWER, "example.net", NP_DNS_TYPE_NS);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_name(rd.name.name, rd.name.len, "ns1.example.net.");
}

/* Collect the strings of a TXT record. */
static int txt_strings(const struct np_dns_rdata *rd, const uint8_t **s, size_t *len, int max)
{
	struct np_dns_txt_iter ti;
	int n = 0, rc;

	np_dns_txt_init(&ti, rd->raw, rd->raw_len);
	while (n < max && (rc = np_dns_txt_next(&ti, &s[n], &len[n])) == 1)
		n++;
	return n;
}

static void parses_nsd_txt_answers(void **state)
{
	uint8_t buf[BUF];
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;
	const uint8_t *s[4];
	size_t len[4];
	size_t i;

	(void)state;
	load("dns-answer-txt-multi-nsd.hex", buf, &m);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "multi.example.net", NP_DNS_TYPE_TXT);
	next(&it, &rr, NP_DNS_SEC_ANSWER, "multi.example.net", NP_DNS_TYPE_TXT);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_int_equal(txt_strings(&rd, s, len, 4), 3);
	assert_int_equal(len[0], 12);
	assert_memory_equal(s[0], "first string", 12);
	assert_int_equal(len[1], 14);
	assert_memory_equal(s[1], "second; string", 14);
	assert_int_equal(len[2], 21);
	assert_memory_equal(s[2], "third \"quoted\" string", 21);
	ns_and_glue(&m, &it);

	load("dns-answer-txt-long-nsd.hex", buf, &m);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "long.example.net", NP_DNS_TYPE_TXT);
	next(&it, &rr, NP_DNS_SEC_ANSWER, "long.example.net", NP_DNS_TYPE_TXT);
	assert_int_equal(rr.rdlength, 1 + 244 + 1 + 98);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_int_equal(txt_strings(&rd, s, len, 4), 2);
	assert_int_equal(len[0], 244);
	assert_int_equal(len[1], 98);
	for (i = 0; i < 244; i++)
		assert_int_equal(s[0][i], 'a');
	assert_int_equal(s[1][97], 'b');
}

/* NSD does not compress the SRV target (RFC 2782) but points at it later. */
static void parses_nsd_srv_answer(void **state)
{
	uint8_t buf[BUF];
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;

	(void)state;
	load("dns-answer-srv-nsd.hex", buf, &m);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "_sip._tcp.example.net", NP_DNS_TYPE_SRV);
	next(&it, &rr, NP_DNS_SEC_ANSWER, "_sip._tcp.example.net", NP_DNS_TYPE_SRV);
	assert_int_equal(rr.rdlength, 6 + 17);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_int_equal(rd.srv.priority, 10);
	assert_int_equal(rd.srv.weight, 60);
	assert_int_equal(rd.srv.port, 5060);
	assert_name(rd.srv.target, rd.srv.target_len, "sip.example.net.");
	next(&it, &rr, NP_DNS_SEC_AUTHORITY, "example.net", NP_DNS_TYPE_NS);
	next(&it, &rr, NP_DNS_SEC_AUTHORITY, "example.net", NP_DNS_TYPE_NS);
	next(&it, &rr, NP_DNS_SEC_ADDITIONAL, "sip.example.net", NP_DNS_TYPE_A);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_int_equal(rd.a, 0xc0000232);
}

static void parses_nsd_ptr_answer(void **state)
{
	uint8_t buf[BUF];
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;

	(void)state;
	load("dns-answer-ptr-nsd.hex", buf, &m);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "10.2.0.192.in-addr.arpa", NP_DNS_TYPE_PTR);
	next(&it, &rr, NP_DNS_SEC_ANSWER, "10.2.0.192.in-addr.arpa", NP_DNS_TYPE_PTR);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_name(rd.name.name, rd.name.len, "www.example.net.");
	next(&it, &rr, NP_DNS_SEC_AUTHORITY, "2.0.192.in-addr.arpa", NP_DNS_TYPE_NS);
}

static void parses_nsd_nxdomain_and_nodata(void **state)
{
	uint8_t buf[BUF];
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;

	(void)state;
	load("dns-answer-nxdomain-nsd.hex", buf, &m);
	assert_int_equal(np_dns_msg_rcode(&m), NP_DNS_RCODE_NXDOMAIN);
	assert_int_equal(m.hdr.aa, 1);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 0);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_AUTHORITY], 1);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "nonexistent.example.net", NP_DNS_TYPE_A);
	next(&it, &rr, NP_DNS_SEC_AUTHORITY, "example.net", NP_DNS_TYPE_SOA);
	/* Negative answers carry the SOA's minimum as TTL (RFC 2308 §3). */
	assert_int_equal(rr.ttl, 300);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_int_equal(rd.soa.serial, 2026112201);

	load("dns-answer-nodata-nsd.hex", buf, &m);
	assert_int_equal(np_dns_msg_rcode(&m), NP_DNS_RCODE_NOERROR);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 0);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "www.example.net", NP_DNS_TYPE_MX);
	next(&it, &rr, NP_DNS_SEC_AUTHORITY, "example.net", NP_DNS_TYPE_SOA);
}

static void parses_nsd_truncated_and_tcp(void **state)
{
	uint8_t buf[BUF];
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;
	struct np_dns_opt opt;
	int k;

	(void)state;
	load("dns-query-noedns-dig.hex", buf, &m);
	assert_int_equal(np_dns_msg_opt(&m, &opt), NP_ENOTFOUND);
	assert_int_equal(np_dns_msg_udp_limit(&m), 512);

	load("dns-answer-tc-nsd.hex", buf, &m);
	assert_int_equal(m.hdr.tc, 1);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_QUESTION], 1);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 0);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ADDITIONAL], 0);

	/* Over TCP (length prefix stripped) all five fit: 835 octets. */
	assert_int_equal(load("dns-answer-tcp-nsd.hex", buf, &m), 835);
	assert_int_equal(m.hdr.tc, 0);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "big.example.net", NP_DNS_TYPE_TXT);
	for (k = 0; k < 5; k++) {
		next(&it, &rr, NP_DNS_SEC_ANSWER, "big.example.net", NP_DNS_TYPE_TXT);
		assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
		assert_memory_equal(&rd.raw[1], "record ", 7);
	}
	load("dns-query-tcp-kdig.hex", buf, &m);
	assert_int_equal(m.hdr.rd, 1);
	assert_int_equal(np_dns_msg_question(&m, &rr), 0);
	assert_int_equal(rr.section, NP_DNS_SEC_QUESTION);
	assert_name(rr.owner, rr.owner_len, "big.example.net.");
	assert_int_equal(rr.type, NP_DNS_TYPE_TXT);
	/* No question at all. */
	buf[5] = 0;
	assert_int_equal(np_dns_msg_parse(buf, NP_DNS_HDR_LEN, &m), 0);
	assert_int_equal(np_dns_msg_question(&m, &rr), NP_ENOTFOUND);
}

/* RP (RFC 1183) and TYPE65280 are unknown here: rdata stays octets (RFC 3597). */
static void keeps_unknown_types_opaque(void **state)
{
	uint8_t buf[BUF];
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;

	(void)state;
	load("dns-answer-rp-nsd.hex", buf, &m);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "rp.example.net", 17);
	next(&it, &rr, NP_DNS_SEC_ANSWER, "rp.example.net", 17);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_int_equal(rd.raw_len, 41);
	assert_memory_equal(rd.raw, "\12hostmaster\7example\3net\0\3txt\7example\3net\0", 41);

	load("dns-answer-unknown-nsd.hex", buf, &m);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "opaque.example.net", 65280);
	next(&it, &rr, NP_DNS_SEC_ANSWER, "opaque.example.net", 65280);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
	assert_int_equal(rd.raw_len, 4);
	assert_memory_equal(rd.raw, "\x0a\x0b\x0c\x0d", 4);
	assert_false(np_dns_type_is_typed(65280));
}

static int parse_fixture(const char *name)
{
	uint8_t buf[BUF];
	size_t len = np_test_load_hex(name, buf, sizeof(buf));
	struct np_dns_msg m;

	return np_dns_msg_parse(buf, len, &m);
}

static void rejects_hand_made_malformed(void **state)
{
	(void)state;
	assert_int_equal(parse_fixture("dns-malformed-loop-self.hex"), NP_ELOOP);
	assert_int_equal(parse_fixture("dns-malformed-loop-mutual.hex"), NP_ELOOP);
	assert_int_equal(parse_fixture("dns-malformed-forward.hex"), NP_ELOOP);
	assert_int_equal(parse_fixture("dns-jumps-128.hex"), 0);
	assert_int_equal(parse_fixture("dns-malformed-jumps-129.hex"), NP_ELOOP);
	assert_int_equal(parse_fixture("dns-malformed-label64.hex"), NP_ELABEL);
	assert_int_equal(parse_fixture("dns-malformed-label0x80.hex"), NP_ELABEL);
	assert_int_equal(parse_fixture("dns-malformed-name256.hex"), NP_ENAME);
	assert_int_equal(parse_fixture("dns-malformed-truncated.hex"), NP_ETRUNC);
	assert_int_equal(parse_fixture("dns-malformed-rdlength-past-end.hex"), NP_ETRUNC);
	assert_int_equal(parse_fixture("dns-malformed-qdcount-65535.hex"), NP_ETRUNC);
	assert_int_equal(parse_fixture("dns-malformed-a-rdlength5.hex"), NP_EBADLEN);
}

/* Every cut of a real answer fails cleanly with NP_ETRUNC. */
static void rejects_every_truncation(void **state)
{
	uint8_t buf[BUF];
	size_t len = np_test_load_hex("dns-answer-mx-nsd.hex", buf, sizeof(buf)), cut;
	struct np_dns_msg m;

	(void)state;
	for (cut = 0; cut < len; cut++)
		assert_int_equal(np_dns_msg_parse(buf, cut, &m), NP_ETRUNC);
}

/* Patch one octet of the A answer and expect err. */
static void patched(const char *fixture, size_t off, uint8_t v, int err)
{
	uint8_t buf[BUF];
	size_t len = np_test_load_hex(fixture, buf, sizeof(buf));
	struct np_dns_msg m;

	buf[off] = v;
	assert_int_equal(np_dns_msg_parse(buf, len, &m), err);
}

static void checks_rdata_lengths_per_type(void **state)
{
	(void)state;
	/* A answer rdlength (at 43..44) 3: short by one. */
	patched("dns-answer-a-nsd.hex", 44, 3, NP_EBADLEN);
	/* NS rdata "ns1" + pointer, rdlength 6 at 59..60: 5 cuts the pointer, 7 leaves a spare octet. */
	patched("dns-answer-a-nsd.hex", 60, 5, NP_EBADLEN);
	patched("dns-answer-a-nsd.hex", 60, 7, NP_EBADLEN);
	/* The A answer (type at 35..36) read as an AAAA of 4 octets. */
	patched("dns-answer-a-nsd.hex", 36, NP_DNS_TYPE_AAAA, NP_EBADLEN);
	/* ...an A record called MX: 2 octets of preference, then a name that runs past rdlength. */
	patched("dns-answer-a-nsd.hex", 36, NP_DNS_TYPE_MX, NP_EBADLEN);
	/* A record called TXT: c0 00 02 0a is a 192-octet string in 4 octets. */
	patched("dns-answer-a-nsd.hex", 36, NP_DNS_TYPE_TXT, NP_EBADLEN);
	/* An A record called SOA: c0 00 points at the header, whose 0x9c is a reserved label type. */
	patched("dns-answer-a-nsd.hex", 36, NP_DNS_TYPE_SOA, NP_ELABEL);
	/* Called SRV: 4 octets of priority and weight, the port and target missing. */
	patched("dns-answer-a-nsd.hex", 36, NP_DNS_TYPE_SRV, NP_EBADLEN);
	/* An unknown type holds anything. */
	patched("dns-answer-a-nsd.hex", 36, 99, 0);
}

static void checks_opt_rules(void **state)
{
	uint8_t buf[BUF];
	size_t len = np_test_load_hex("dns-answer-a-nsd.hex", buf, sizeof(buf));
	struct np_dns_msg m;

	(void)state;
	/* The A answer's type changed to OPT: an OPT outside the additional section. */
	patched("dns-answer-a-nsd.hex", 36, NP_DNS_TYPE_OPT, NP_EFORMAT);
	/* ns2's A record (type at 0x67..0x68) called OPT: an OPT not owned by the root. */
	patched("dns-answer-a-nsd.hex", 0x68, NP_DNS_TYPE_OPT, NP_EFORMAT);
	/* Two OPT records: duplicate the 11-octet OPT at the end. */
	memcpy(&buf[len], &buf[len - 11], 11);
	buf[11] = 4;
	assert_int_equal(np_dns_msg_parse(buf, len + 11, &m), NP_EFORMAT);
	/* An option overrunning the OPT rdata. */
	len = np_test_load_hex("dns-query-a-dig.hex", buf, sizeof(buf));
	buf[47] = 9;
	assert_int_equal(np_dns_msg_parse(buf, len, &m), NP_EBADLEN);
}

/* A minimal 11-octet record repeated: the cap answers before any walking. */
static void caps_record_counts(void **state)
{
	static uint8_t buf[12 + 11 * (NP_DNS_MAX_RECORDS + 1)];
	struct np_dns_msg m;
	size_t k, n;

	(void)state;
	memset(buf, 0, sizeof(buf));
	for (k = 0; k <= NP_DNS_MAX_RECORDS; k++)
		buf[12 + 11 * k + 2] = 99;          /* root owner, TYPE99, rdlength 0 */
	n = NP_DNS_MAX_RECORDS;
	buf[6] = (uint8_t)(n >> 8);
	buf[7] = (uint8_t)n;
	assert_int_equal(np_dns_msg_parse(buf, 12 + 11 * n, &m), 0);
	n++;
	buf[6] = (uint8_t)(n >> 8);
	buf[7] = (uint8_t)n;
	assert_int_equal(np_dns_msg_parse(buf, sizeof(buf), &m), NP_ECOUNT);
	/* Counts the data cannot hold: short by one record. */
	assert_int_equal(np_dns_msg_parse(buf, sizeof(buf) - 1, &m), NP_ETRUNC);
	assert_int_equal(np_dns_msg_parse(buf, 11, &m), NP_ETRUNC);
}

/* Rebuild every record of m into out; returns the length. */
static int rebuild(const struct np_dns_msg *m, uint8_t *out, size_t cap)
{
	struct np_dns_builder b;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;
	struct np_dns_opt opt;
	int rc;

	assert_int_equal(np_dns_builder_init(&b, out, cap, cap, &m->hdr), 0);
	np_dns_iter_init(&it, m);
	while ((rc = np_dns_iter_next(&it, &rr)) == 1) {
		if (rr.section == NP_DNS_SEC_QUESTION) {
			assert_int_equal(np_dns_add_question(&b, rr.owner, rr.owner_len, rr.type,
							     rr.rclass), 0);
			continue;
		}
		if (rr.type == NP_DNS_TYPE_OPT) {
			assert_int_equal(np_dns_rr_opt(&rr, &opt), 0);
			assert_int_equal(np_dns_add_opt(&b, &opt), 0);
			continue;
		}
		assert_int_equal(np_dns_rr_rdata(m, &rr, &rd), 0);
		assert_int_equal(np_dns_add_rr(&b, rr.section, rr.owner, rr.owner_len, rr.type,
					       rr.rclass, rr.ttl, &rd), 0);
	}
	assert_int_equal(rc, 0);
	return np_dns_builder_finish(&b);
}

/*
 * parse -> build -> parse for every real capture.  Our compression makes
 * the same choices as NSD's, so NSD's answers come back octet for octet,
 * except where NSD leaves something uncompressed that we compress.
 */
static void round_trips_real_messages(void **state)
{
	static const char *const files[] = {
		"dns-query-a-dig.hex", "dns-answer-a-nsd.hex", "dns-answer-aaaa-nsd.hex",
		"dns-answer-cname-nsd.hex", "dns-answer-mx-nsd.hex", "dns-answer-ns-nsd.hex",
		"dns-answer-soa-nsd.hex", "dns-answer-txt-multi-nsd.hex",
		"dns-answer-txt-long-nsd.hex", "dns-answer-srv-nsd.hex", "dns-answer-ptr-nsd.hex",
		"dns-answer-nxdomain-nsd.hex", "dns-answer-nodata-nsd.hex",
		"dns-query-noedns-dig.hex", "dns-answer-tc-nsd.hex", "dns-query-tcp-kdig.hex",
		"dns-answer-tcp-nsd.hex", "dns-answer-rp-nsd.hex", "dns-answer-unknown-nsd.hex",
		"dns-jumps-128.hex",
	};
	size_t f;

	(void)state;
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		uint8_t buf[BUF], out[BUF];
		struct np_dns_msg a, b;
		size_t len = load(files[f], buf, &a);
		int n = rebuild(&a, out, sizeof(out));

		assert_true(n > 0);
		assert_int_equal(np_dns_msg_parse(out, (size_t)n, &b), 0);
		assert_memory_equal(&a.hdr, &b.hdr, sizeof(a.hdr));
		if (strcmp(files[f], "dns-jumps-128.hex") != 0) {
			assert_int_equal((size_t)n, len);
			assert_memory_equal(out, buf, len);
		}
	}
}

static void builds_reply_like_nsd(void **state)
{
	uint8_t q[BUF], want[BUF], out[BUF];
	struct np_dns_msg query;
	struct np_dns_builder b;
	struct np_dns_rdata rd;
	struct np_dns_opt opt = { .udp_size = 1232 };
	size_t wlen;

	(void)state;
	load("dns-query-a-dig.hex", q, &query);
	wlen = np_test_load_hex("dns-answer-a-nsd.hex", want, sizeof(want));
	assert_int_equal(np_dns_builder_reply(&b, out, sizeof(out), np_dns_msg_udp_limit(&query),
					      &query), 0);
	assert_int_equal(b.limit, 1232);
	b.hdr.aa = 1;
	rd.a = 0xc000020a;
	assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_ANSWER, www, sizeof(www), NP_DNS_TYPE_A,
				       NP_DNS_CLASS_IN, 3600, &rd), 0);
	rd.name.len = (size_t)np_dns_name_from_text("ns1.example.net", rd.name.name, 255);
	assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_AUTHORITY, example_net, sizeof(example_net),
				       NP_DNS_TYPE_NS, NP_DNS_CLASS_IN, 3600, &rd), 0);
	rd.name.len = (size_t)np_dns_name_from_text("ns2.example.net", rd.name.name, 255);
	assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_AUTHORITY, example_net, sizeof(example_net),
				       NP_DNS_TYPE_NS, NP_DNS_CLASS_IN, 3600, &rd), 0);
	rd.a = 0x0a4d0001;
	assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_ADDITIONAL,
				       (const uint8_t *)"\3ns1\7example\3net", 17, NP_DNS_TYPE_A,
				       NP_DNS_CLASS_IN, 3600, &rd), 0);
	rd.a = 0x0a4d0003;
	assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_ADDITIONAL,
				       (const uint8_t *)"\3ns2\7example\3net", 17, NP_DNS_TYPE_A,
				       NP_DNS_CLASS_IN, 3600, &rd), 0);
	assert_int_equal(np_dns_add_opt(&b, &opt), 0);
	assert_int_equal(np_dns_builder_finish(&b), (int)wlen);
	assert_memory_equal(out, want, wlen);
}

/* A TXT record of big.example.net like NSD's (a 128-octet string). */
static int add_big_txt(struct np_dns_builder *b, enum np_dns_section sec)
{
	uint8_t txt[129];
	struct np_dns_rdata rd;

	txt[0] = 128;
	memset(&txt[1], 'x', 128);
	rd.raw = txt;
	rd.raw_len = sizeof(txt);
	return np_dns_add_rr(b, sec, (const uint8_t *)"\3big\7example\3net", 17, NP_DNS_TYPE_TXT,
			     NP_DNS_CLASS_IN, 3600, &rd);
}

/* What dig +noedns got from NSD: the same query answered within 512 octets. */
static void truncates_at_512_with_tc(void **state)
{
	uint8_t q[BUF], out[BUF];
	struct np_dns_msg query, m;
	struct np_dns_builder b;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	int k, n;

	(void)state;
	load("dns-query-noedns-dig.hex", q, &query);
	assert_int_equal(np_dns_builder_reply(&b, out, sizeof(out), np_dns_msg_udp_limit(&query),
					      &query), 0);
	/* 33 + 3 x (2 + 10 + 129) = 456; a fourth does not fit in 512. */
	for (k = 0; k < 3; k++)
		assert_int_equal(add_big_txt(&b, NP_DNS_SEC_ANSWER), 0);
	assert_int_equal(add_big_txt(&b, NP_DNS_SEC_ANSWER), NP_ENOSPC);
	assert_int_equal(add_big_txt(&b, NP_DNS_SEC_ANSWER), NP_ENOSPC);
	assert_int_equal(add_big_txt(&b, NP_DNS_SEC_ADDITIONAL), NP_ENOSPC);
	n = np_dns_builder_finish(&b);
	assert_int_equal(n, 456);
	assert_int_equal(np_dns_msg_parse(out, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.id, 0xab52);
	assert_int_equal(m.hdr.qr, 1);
	assert_int_equal(m.hdr.rd, 1);
	assert_int_equal(m.hdr.ad, 0);
	assert_int_equal(m.hdr.tc, 1);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_QUESTION], 1);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 3);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ADDITIONAL], 0);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "big.example.net", NP_DNS_TYPE_TXT);
}

/* Losing additional records is not truncation (RFC 2181 §9); OPT uses the reserve. */
static void additional_loss_and_opt_reserve(void **state)
{
	uint8_t out[BUF];
	struct np_dns_header h = { .id = 7, .qr = 1 };
	struct np_dns_builder b;
	struct np_dns_msg m;
	struct np_dns_opt opt = { .udp_size = 1232, .do_bit = 1 };
	int n;

	(void)state;
	assert_int_equal(np_dns_builder_init(&b, out, sizeof(out), 512, &h), 0);
	np_dns_builder_reserve(&b, 11);
	assert_int_equal(add_big_txt(&b, NP_DNS_SEC_ANSWER), 0);
	assert_int_equal(add_big_txt(&b, NP_DNS_SEC_ADDITIONAL), 0);
	assert_int_equal(add_big_txt(&b, NP_DNS_SEC_ADDITIONAL), 0);
	/* 12 + 156 + 3 x 141 = 591 > 512 - 11: no room for a third. */
	assert_int_equal(add_big_txt(&b, NP_DNS_SEC_ADDITIONAL), NP_ENOSPC);
	assert_int_equal(np_dns_add_opt(&b, &opt), 0);
	assert_int_equal(np_dns_add_opt(&b, &opt), NP_EINVAL);
	np_dns_builder_rcode(&b, NP_DNS_RCODE_BADVERS);
	n = np_dns_builder_finish(&b);
	assert_true(n <= 512);
	assert_int_equal(np_dns_msg_parse(out, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.tc, 0);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 1);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ADDITIONAL], 3);
	assert_int_equal(np_dns_msg_rcode(&m), NP_DNS_RCODE_BADVERS);
	assert_int_equal(np_dns_msg_opt(&m, &opt), 0);
	assert_int_equal(opt.do_bit, 1);
	assert_int_equal(opt.udp_size, 1232);
}

static void builder_rules(void **state)
{
	uint8_t out[BUF], small[11];
	struct np_dns_header h = { .id = 1 };
	struct np_dns_builder b;
	struct np_dns_rdata rd;

	(void)state;
	assert_int_equal(np_dns_builder_init(&b, small, sizeof(small), 512, &h), NP_ENOSPC);
	assert_int_equal(np_dns_builder_init(&b, out, sizeof(out), 512, &h), 0);
	rd.a = 1;
	assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_ADDITIONAL, www, sizeof(www), NP_DNS_TYPE_A,
				       NP_DNS_CLASS_IN, 0, &rd), 0);
	/* Sections in order only. */
	assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_ANSWER, www, sizeof(www), NP_DNS_TYPE_A,
				       NP_DNS_CLASS_IN, 0, &rd), NP_EINVAL);
	assert_int_equal(np_dns_add_question(&b, www, sizeof(www), 1, 1), NP_EINVAL);
	/* OPT only through np_dns_add_opt(); malformed TXT refused; bad owner refused. */
	rd.raw = (const uint8_t *)"\5abc";
	rd.raw_len = 4;
	assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_ADDITIONAL, www, sizeof(www),
				       NP_DNS_TYPE_OPT, 512, 0, &rd), NP_EINVAL);
	assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_ADDITIONAL, www, sizeof(www),
				       NP_DNS_TYPE_TXT, 1, 0, &rd), NP_EINVAL);
	rd.raw_len = 0;
	assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_ADDITIONAL, www, sizeof(www),
				       NP_DNS_TYPE_TXT, 1, 0, &rd), NP_EINVAL);
	assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_ADDITIONAL, www, sizeof(www) - 1,
				       NP_DNS_TYPE_A, 1, 0, &rd), NP_EBADLEN);
	assert_int_equal(np_dns_builder_finish(&b), 12 + 17 + 14);
}

/* MX/CNAME names are compressed; the SRV target and raw rdata are not. */
static void compresses_only_where_allowed(void **state)
{
	uint8_t out[BUF];
	struct np_dns_header h = { .id = 1, .qr = 1 };
	struct np_dns_builder b;
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;
	int n;

	(void)state;
	assert_int_equal(np_dns_builder_init(&b, out, sizeof(out), 512, &h), 0);
	assert_int_equal(np_dns_add_question(&b, www, sizeof(www), NP_DNS_TYPE_ANY, 1), 0);
	rd.mx.preference = 5;
	memcpy(rd.mx.exchange, www, sizeof(www));
	rd.mx.exchange_len = sizeof(www);
	assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_ANSWER, www, sizeof(www), NP_DNS_TYPE_MX, 1,
				       60, &rd), 0);
	rd.srv.priority = 1;
	rd.srv.weight = 2;
	rd.srv.port = 53;
	memcpy(rd.srv.target, www, sizeof(www));
	rd.srv.target_len = sizeof(www);
	assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_ANSWER, www, sizeof(www), NP_DNS_TYPE_SRV, 1,
				       60, &rd), 0);
	assert_int_equal(np_dns_add_raw(&b, NP_DNS_SEC_ANSWER, www, sizeof(www), 17, 1, 60, www,
					sizeof(www)), 0);
	n = np_dns_builder_finish(&b);
	assert_int_equal(np_dns_msg_parse(out, (size_t)n, &m), 0);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "www.example.net", NP_DNS_TYPE_ANY);
	next(&it, &rr, NP_DNS_SEC_ANSWER, "www.example.net", NP_DNS_TYPE_MX);
	assert_int_equal(rr.rdlength, 2 + 2);
	next(&it, &rr, NP_DNS_SEC_ANSWER, "www.example.net", NP_DNS_TYPE_SRV);
	assert_int_equal(rr.rdlength, 6 + sizeof(www));
	next(&it, &rr, NP_DNS_SEC_ANSWER, "www.example.net", 17);
	assert_int_equal(rr.rdlength, sizeof(www));
	assert_memory_equal(rr.rdata, www, sizeof(www));
}

/*
 * nsupdate's "update delete laptop.lan. A": an A record of class ANY with no
 * rdata (RFC 2136 §2.5.2) parses; its rdata is still not an address.
 */
static void parses_nsupdate_rrset_delete(void **state)
{
	uint8_t buf[BUF];
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;

	(void)state;
	load("dnsd-update-delrrset-nsupdate.hex", buf, &m);
	assert_int_equal(m.hdr.opcode, 5);
	np_dns_iter_init(&it, &m);
	next(&it, &rr, NP_DNS_SEC_QUESTION, "lan.", NP_DNS_TYPE_SOA);
	assert_int_equal(np_dns_iter_next(&it, &rr), 1);
	assert_int_equal(rr.section, NP_DNS_SEC_AUTHORITY);
	assert_int_equal(rr.type, NP_DNS_TYPE_A);
	assert_int_equal(rr.rclass, NP_DNS_CLASS_ANY);
	assert_int_equal(rr.rdlength, 0);
	assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), NP_EBADLEN);
	next(&it, &rr, NP_DNS_SEC_AUTHORITY, "laptop.lan.", NP_DNS_TYPE_A);
	assert_int_equal(rr.rdlength, 4);
}

/* The same empty A record in class IN is malformed. */
static void refuses_empty_rdata_in_class_in(void **state)
{
	uint8_t buf[BUF];
	size_t len = np_test_load_hex("dnsd-update-delrrset-nsupdate.hex", buf, sizeof(buf));
	struct np_dns_msg m;

	(void)state;
	/* The first update record's class: after the 12-octet header, the
	 * zone "lan." SOA IN (5 + 4), the owner "laptop" + pointer (9), type (2). */
	assert_int_equal(buf[12 + 9 + 9 + 2], 0x00);
	assert_int_equal(buf[12 + 9 + 9 + 3], 0xff);
	buf[12 + 9 + 9 + 3] = NP_DNS_CLASS_IN;
	assert_int_equal(np_dns_msg_parse(buf, len, &m), NP_EBADLEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_dig_query_with_cookie),
		cmocka_unit_test(parses_nsupdate_rrset_delete),
		cmocka_unit_test(refuses_empty_rdata_in_class_in),
		cmocka_unit_test(parses_nsd_a_answer),
		cmocka_unit_test(parses_nsd_aaaa_answer),
		cmocka_unit_test(parses_nsd_cname_chain),
		cmocka_unit_test(parses_nsd_mx_answer),
		cmocka_unit_test(parses_nsd_soa_and_ns),
		cmocka_unit_test(parses_nsd_txt_answers),
		cmocka_unit_test(parses_nsd_srv_answer),
		cmocka_unit_test(parses_nsd_ptr_answer),
		cmocka_unit_test(parses_nsd_nxdomain_and_nodata),
		cmocka_unit_test(parses_nsd_truncated_and_tcp),
		cmocka_unit_test(keeps_unknown_types_opaque),
		cmocka_unit_test(rejects_hand_made_malformed),
		cmocka_unit_test(rejects_every_truncation),
		cmocka_unit_test(checks_rdata_lengths_per_type),
		cmocka_unit_test(checks_opt_rules),
		cmocka_unit_test(caps_record_counts),
		cmocka_unit_test(round_trips_real_messages),
		cmocka_unit_test(builds_reply_like_nsd),
		cmocka_unit_test(truncates_at_512_with_tc),
		cmocka_unit_test(additional_loss_and_opt_reserve),
		cmocka_unit_test(builder_rules),
		cmocka_unit_test(compresses_only_where_allowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
