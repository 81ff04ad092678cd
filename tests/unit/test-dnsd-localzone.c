/*
 * test-dnsd-localzone.c: np-dnsd's local zone (daemons/dnsd/localzone.c):
 * zone-file lines of every supported type and the reasons bad ones are
 * refused, answers (AA, CNAME, automatic PTRs, NXDOMAIN/NODATA with the
 * synthesized SOA), and RFC 2136 UPDATE messages built field by field:
 * adds, the three kinds of delete, each prerequisite and its rcode, zone
 * and name checks, all-or-nothing application.  The zone's own policy:
 * configured names are never changed by UPDATE, a DHCID-owned name only
 * with its DHCID as prerequisite (the steps of RFC 4703 §5 as a DHCP
 * server sends them), and a reload keeps configured records over dynamic
 * ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/dns.h>
#include <netproto/error.h>

#include "localzone.h"
#include "testutil.h"

#define CLASS_NONE 254
#define TYPE_DHCID 49

struct name {
	uint8_t w[NP_DNS_NAME_MAX];
	size_t len;
};

static struct name N(const char *text)
{
	struct name n;
	int rc = np_dns_name_from_text(text, n.w, sizeof(n.w));

	assert_true(rc > 0);
	n.len = (size_t)rc;
	return n;
}

/* Any fixed key: the map's hash key is the I/O side's to draw. */
static const struct np_hmap_key test_key = { 0x0123456789abcdefull, 0xfedcba9876543210ull };

static struct dns_local *zone_new(void)
{
	struct name lan = N("lan.");
	struct dns_local *z = dns_local_new(lan.w, lan.len, &test_key);

	assert_non_null(z);
	return z;
}

static void add(struct dns_local *z, const char *line)
{
	char err[256];
	int rc = dns_local_add_line(z, line, err, sizeof(err));

	if (rc)
		fail_msg("\"%s\": %s", line, err);
}

/* ---- Asking ----------------------------------------------------------- */

struct ans {
	uint8_t buf[4096];
	struct np_dns_msg m;
	size_t limit;
};

static void ask(struct dns_local *z, struct ans *a, const char *qname, uint16_t qtype)
{
	struct np_dns_builder b;
	struct np_dns_header h;
	struct name q = N(qname);
	int len;

	memset(&h, 0, sizeof(h));
	h.id = 7;
	h.qr = 1;
	h.rd = 1;
	assert_int_equal(np_dns_builder_init(&b, a->buf, sizeof(a->buf),
					     a->limit ? a->limit : sizeof(a->buf), &h), 0);
	assert_int_equal(np_dns_add_question(&b, q.w, q.len, qtype, NP_DNS_CLASS_IN), 0);
	assert_true(dns_local_owns(z, q.w, q.len));
	assert_int_equal(dns_local_answer(z, q.w, q.len, qtype, &b), 0);
	len = np_dns_builder_finish(&b);
	assert_true(len > 0);
	assert_int_equal(np_dns_msg_parse(a->buf, (size_t)len, &a->m), 0);
	assert_int_equal(a->m.hdr.aa, 1);
}

static void get_rr(const struct np_dns_msg *m, enum np_dns_section sec, int i,
		   struct np_dns_rr *out, struct np_dns_rdata *rd)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;

	np_dns_iter_init(&it, m);
	while (np_dns_iter_next(&it, &rr) > 0) {
		if (rr.section == sec && i-- == 0) {
			*out = rr;
			assert_int_equal(np_dns_rr_rdata(m, &rr, rd), 0);
			return;
		}
	}
	fail_msg("record missing");
}

static void assert_name(const uint8_t *w, size_t len, const char *text)
{
	char buf[NP_DNS_NAME_TEXT_MAX];

	assert_true(np_dns_name_to_text(w, len, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, text);
}

static void assert_counts(const struct ans *a, int rcode, int an, int ns)
{
	assert_int_equal(a->m.hdr.rcode, rcode);
	assert_int_equal(a->m.hdr.count[NP_DNS_SEC_ANSWER], an);
	assert_int_equal(a->m.hdr.count[NP_DNS_SEC_AUTHORITY], ns);
	assert_int_equal(a->m.hdr.count[NP_DNS_SEC_ADDITIONAL], 0);
}

/* Answer record i of a: owner, type, TTL; its rdata in *rd. */
static void answer(const struct ans *a, int i, const char *owner, uint16_t type, uint32_t ttl,
		   struct np_dns_rdata *rd)
{
	struct np_dns_rr rr;

	get_rr(&a->m, NP_DNS_SEC_ANSWER, i, &rr, rd);
	assert_name(rr.owner, rr.owner_len, owner);
	assert_int_equal(rr.type, type);
	assert_int_equal(rr.rclass, NP_DNS_CLASS_IN);
	assert_int_equal(rr.ttl, ttl);
}

/* The SOA in the authority section: owner, serial, negative TTL. */
static void authority_soa(const struct ans *a, const char *owner, uint32_t serial)
{
	struct np_dns_rr rr;
	struct np_dns_rdata rd;

	get_rr(&a->m, NP_DNS_SEC_AUTHORITY, 0, &rr, &rd);
	assert_int_equal(rr.type, NP_DNS_TYPE_SOA);
	assert_name(rr.owner, rr.owner_len, owner);
	assert_int_equal(rr.ttl, DNS_LOCAL_DEFAULT_TTL);
	assert_int_equal(rd.soa.serial, serial);
	assert_int_equal(rd.soa.minimum, DNS_LOCAL_DEFAULT_TTL);
	assert_name(rd.soa.mname, rd.soa.mname_len, owner);
}

/* ---- Record types ----------------------------------------------------- */

static void test_types(void **state)
{
	struct dns_local *z = zone_new();
	static struct ans a;
	struct np_dns_rdata rd;
	const uint8_t *s;
	size_t slen;
	struct np_dns_txt_iter ti;
	static const uint8_t v6[16] = { 0xfd, 0x77, [15] = 0x50 };

	(void)state;
	add(z, "printer.lan. 600 IN A 10.77.0.50");
	add(z, "printer.lan. AAAA fd77::50");
	add(z, "www.lan. IN 60 CNAME printer.lan.");
	add(z, "lan. MX 10 mail.lan.");
	add(z, "lan. 120 mx 20 backup.example.");
	add(z, "info.lan. TXT \"hello world\" bare \"q\\\"uote\" ; a comment");
	add(z, "_ipp._tcp.lan. 300 IN SRV 0 5 631 printer.lan.");
	add(z, "9.0.77.10.in-addr.arpa. PTR static.lan.");

	ask(z, &a, "printer.lan.", NP_DNS_TYPE_A);
	assert_counts(&a, 0, 1, 0);
	answer(&a, 0, "printer.lan.", NP_DNS_TYPE_A, 600, &rd);
	assert_int_equal(rd.a, 0x0a4d0032);

	ask(z, &a, "Printer.LAN.", NP_DNS_TYPE_AAAA);
	assert_counts(&a, 0, 1, 0);
	answer(&a, 0, "Printer.LAN.", NP_DNS_TYPE_AAAA, DNS_LOCAL_DEFAULT_TTL, &rd);
	assert_memory_equal(rd.aaaa, v6, 16);

	/* A local CNAME is followed. */
	ask(z, &a, "www.lan.", NP_DNS_TYPE_A);
	assert_counts(&a, 0, 2, 0);
	answer(&a, 0, "www.lan.", NP_DNS_TYPE_CNAME, 60, &rd);
	assert_name(rd.name.name, rd.name.len, "printer.lan.");
	answer(&a, 1, "printer.lan.", NP_DNS_TYPE_A, 600, &rd);
	ask(z, &a, "www.lan.", NP_DNS_TYPE_CNAME);
	assert_counts(&a, 0, 1, 0);

	ask(z, &a, "lan.", NP_DNS_TYPE_MX);
	assert_counts(&a, 0, 2, 0);
	answer(&a, 0, "lan.", NP_DNS_TYPE_MX, DNS_LOCAL_DEFAULT_TTL, &rd);
	assert_int_equal(rd.mx.preference, 10);
	assert_name(rd.mx.exchange, rd.mx.exchange_len, "mail.lan.");
	answer(&a, 1, "lan.", NP_DNS_TYPE_MX, 120, &rd);
	assert_name(rd.mx.exchange, rd.mx.exchange_len, "backup.example.");

	ask(z, &a, "info.lan.", NP_DNS_TYPE_TXT);
	assert_counts(&a, 0, 1, 0);
	answer(&a, 0, "info.lan.", NP_DNS_TYPE_TXT, DNS_LOCAL_DEFAULT_TTL, &rd);
	np_dns_txt_init(&ti, rd.raw, rd.raw_len);
	assert_int_equal(np_dns_txt_next(&ti, &s, &slen), 1);
	assert_int_equal(slen, 11);
	assert_memory_equal(s, "hello world", 11);
	assert_int_equal(np_dns_txt_next(&ti, &s, &slen), 1);
	assert_memory_equal(s, "bare", 4);
	assert_int_equal(np_dns_txt_next(&ti, &s, &slen), 1);
	assert_int_equal(slen, 6);
	assert_memory_equal(s, "q\"uote", 6);
	assert_int_equal(np_dns_txt_next(&ti, &s, &slen), 0);

	ask(z, &a, "_ipp._tcp.lan.", NP_DNS_TYPE_SRV);
	assert_counts(&a, 0, 1, 0);
	answer(&a, 0, "_ipp._tcp.lan.", NP_DNS_TYPE_SRV, 300, &rd);
	assert_int_equal(rd.srv.priority, 0);
	assert_int_equal(rd.srv.weight, 5);
	assert_int_equal(rd.srv.port, 631);
	assert_name(rd.srv.target, rd.srv.target_len, "printer.lan.");

	ask(z, &a, "9.0.77.10.in-addr.arpa.", NP_DNS_TYPE_PTR);
	assert_counts(&a, 0, 1, 0);
	answer(&a, 0, "9.0.77.10.in-addr.arpa.", NP_DNS_TYPE_PTR, DNS_LOCAL_DEFAULT_TTL, &rd);
	assert_name(rd.name.name, rd.name.len, "static.lan.");

	/* ANY: everything at the name. */
	ask(z, &a, "printer.lan.", NP_DNS_TYPE_ANY);
	assert_counts(&a, 0, 2, 0);
	dns_local_free(z);
	dns_local_free(NULL);
}

/* Every A and AAAA gets its PTR; the reverse zones become ours. */
static void test_auto_ptr(void **state)
{
	struct dns_local *z = zone_new();
	static struct ans a;
	struct np_dns_rdata rd;
	struct name n;

	(void)state;
	n = N("50.0.77.10.in-addr.arpa.");
	assert_false(dns_local_owns(z, n.w, n.len));
	add(z, "printer.lan. A 10.77.0.50");
	add(z, "printer.lan. AAAA fd77::50");
	add(z, "alias.lan. A 10.77.0.50");     /* same address: the first name keeps the PTR */
	assert_true(dns_local_owns(z, n.w, n.len));

	ask(z, &a, "50.0.77.10.in-addr.arpa.", NP_DNS_TYPE_PTR);
	assert_counts(&a, 0, 1, 0);
	answer(&a, 0, "50.0.77.10.in-addr.arpa.", NP_DNS_TYPE_PTR, DNS_LOCAL_DEFAULT_TTL, &rd);
	assert_name(rd.name.name, rd.name.len, "printer.lan.");

	ask(z, &a, "0.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.7.d.f.ip6.arpa.",
	    NP_DNS_TYPE_PTR);
	assert_counts(&a, 0, 1, 0);
	answer(&a, 0, "0.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.7.d.f.ip6.arpa.",
	       NP_DNS_TYPE_PTR, DNS_LOCAL_DEFAULT_TTL, &rd);
	assert_name(rd.name.name, rd.name.len, "printer.lan.");

	/* Another address of the /24 we own: NXDOMAIN with that reverse zone's SOA. */
	ask(z, &a, "51.0.77.10.in-addr.arpa.", NP_DNS_TYPE_PTR);
	assert_counts(&a, NP_DNS_RCODE_NXDOMAIN, 0, 1);
	authority_soa(&a, "0.77.10.in-addr.arpa.", dns_local_serial(z));
	ask(z, &a, "0.77.10.in-addr.arpa.", NP_DNS_TYPE_SOA);
	assert_counts(&a, 0, 1, 0);

	/* Not ours: other /24s, the parent, other zones. */
	n = N("50.1.77.10.in-addr.arpa.");
	assert_false(dns_local_owns(z, n.w, n.len));
	n = N("77.10.in-addr.arpa.");
	assert_false(dns_local_owns(z, n.w, n.len));
	n = N("example.com.");
	assert_false(dns_local_owns(z, n.w, n.len));
	n = N("lan.example.");
	assert_false(dns_local_owns(z, n.w, n.len));
	n = N("x.lan.");
	assert_true(dns_local_owns(z, n.w, n.len));

	/* A static PTR replaces the automatic one. */
	add(z, "50.0.77.10.in-addr.arpa. PTR printer-static.lan.");
	ask(z, &a, "50.0.77.10.in-addr.arpa.", NP_DNS_TYPE_PTR);
	assert_counts(&a, 0, 1, 0);
	answer(&a, 0, "50.0.77.10.in-addr.arpa.", NP_DNS_TYPE_PTR, DNS_LOCAL_DEFAULT_TTL, &rd);
	assert_name(rd.name.name, rd.name.len, "printer-static.lan.");
	dns_local_free(z);
}

/* RFC 2308: NXDOMAIN and NODATA carry the SOA, whose serial moves on each change. */
static void test_negative_answers(void **state)
{
	struct dns_local *z = zone_new();
	static struct ans a;
	uint32_t serial;
	struct np_dns_rdata rd;

	(void)state;
	assert_int_equal(dns_local_serial(z), 1);
	add(z, "printer.lan. A 10.77.0.50");
	add(z, "_sip._tcp.lan. SRV 0 0 5060 pbx.lan.");
	add(z, "dangling.lan. CNAME nothing.lan.");
	serial = dns_local_serial(z);
	assert_int_equal(serial, 4);

	ask(z, &a, "nosuch.lan.", NP_DNS_TYPE_A);
	assert_counts(&a, NP_DNS_RCODE_NXDOMAIN, 0, 1);
	authority_soa(&a, "lan.", serial);
	ask(z, &a, "printer.lan.", NP_DNS_TYPE_MX);
	assert_counts(&a, 0, 0, 1);
	authority_soa(&a, "lan.", serial);
	/* An empty non-terminal exists (RFC 8020 §2): NODATA, not NXDOMAIN. */
	ask(z, &a, "_tcp.lan.", NP_DNS_TYPE_A);
	assert_counts(&a, 0, 0, 1);
	/* Below an existing name: NXDOMAIN. */
	ask(z, &a, "x.printer.lan.", NP_DNS_TYPE_A);
	assert_counts(&a, NP_DNS_RCODE_NXDOMAIN, 0, 1);
	/* A CNAME to a missing local name: the CNAME, then NXDOMAIN (RFC 6604 §2). */
	ask(z, &a, "dangling.lan.", NP_DNS_TYPE_A);
	assert_counts(&a, NP_DNS_RCODE_NXDOMAIN, 1, 1);
	/* The apex: SOA answered, NS and A are NODATA. */
	ask(z, &a, "lan.", NP_DNS_TYPE_SOA);
	assert_counts(&a, 0, 1, 0);
	answer(&a, 0, "lan.", NP_DNS_TYPE_SOA, DNS_LOCAL_DEFAULT_TTL, &rd);
	assert_int_equal(rd.soa.serial, serial);
	assert_name(rd.soa.rname, rd.soa.rname_len, "hostmaster.lan.");
	ask(z, &a, "lan.", NP_DNS_TYPE_A);
	assert_counts(&a, 0, 0, 1);

	add(z, "new.lan. A 10.77.0.60");
	assert_true(dns_local_serial(z) > serial);
	ask(z, &a, "nosuch.lan.", NP_DNS_TYPE_A);
	authority_soa(&a, "lan.", dns_local_serial(z));

	/* The negative TTL is configurable. */
	dns_local_set_ttl(z, 60);
	ask(z, &a, "nosuch.lan.", NP_DNS_TYPE_A);
	{
		struct np_dns_rr rr;

		get_rr(&a.m, NP_DNS_SEC_AUTHORITY, 0, &rr, &rd);
		assert_int_equal(rr.ttl, 60);
		assert_int_equal(rd.soa.minimum, 60);
	}
	dns_local_free(z);
}

/* A CNAME loop inside the zone ends, and an answer too big gets NP_ENOSPC. */
static void test_loop_and_overflow(void **state)
{
	struct dns_local *z = zone_new();
	static struct ans a;
	struct np_dns_builder b;
	struct np_dns_header h;
	struct name q = N("big.lan.");
	char line[128];
	int i;

	(void)state;
	add(z, "l1.lan. CNAME l2.lan.");
	add(z, "l2.lan. CNAME l1.lan.");
	ask(z, &a, "l1.lan.", NP_DNS_TYPE_A);
	assert_true(a.m.hdr.count[NP_DNS_SEC_ANSWER] <= 17);

	for (i = 0; i < 60; i++) {
		snprintf(line, sizeof(line), "big.lan. A 10.77.1.%d", i);
		add(z, line);
	}
	memset(&h, 0, sizeof(h));
	assert_int_equal(np_dns_builder_init(&b, a.buf, sizeof(a.buf), 512, &h), 0);
	assert_int_equal(np_dns_add_question(&b, q.w, q.len, NP_DNS_TYPE_A, NP_DNS_CLASS_IN), 0);
	assert_int_equal(dns_local_answer(z, q.w, q.len, NP_DNS_TYPE_A, &b), NP_ENOSPC);
	assert_int_equal(np_dns_msg_parse(a.buf, (size_t)np_dns_builder_finish(&b), &a.m), 0);
	assert_int_equal(a.m.hdr.tc, 1);
	dns_local_free(z);
}

/* ---- Bad lines -------------------------------------------------------- */

static void bad_line(struct dns_local *z, const char *line, const char *reason)
{
	char err[256];
	size_t before = dns_local_count(z);
	uint32_t serial = dns_local_serial(z);

	assert_true(dns_local_add_line(z, line, err, sizeof(err)) < 0);
	if (!strstr(err, reason))
		fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", line, err, reason);
	assert_int_equal(dns_local_count(z), before);
	assert_int_equal(dns_local_serial(z), serial);
}

static void test_bad_lines(void **state)
{
	struct dns_local *z = zone_new();
	char err[8];

	(void)state;
	add(z, "host.lan. A 10.77.0.1");
	bad_line(z, "", "missing owner");
	bad_line(z, "; only a comment", "missing owner");
	bad_line(z, "host.lan A 10.77.0.2", "not absolute");
	bad_line(z, "host.lan.", "missing record type");
	bad_line(z, "host.lan. 300", "missing record type");
	bad_line(z, "host.lan. HINFO a b", "unsupported record type \"HINFO\"");
	bad_line(z, "host.lan. CH A 10.77.0.2", "class CH not supported");
	bad_line(z, "host.lan. 99999999999 A 10.77.0.2", "bad TTL");
	bad_line(z, "host.lan. 2147483648 A 10.77.0.2", "bad TTL");
	bad_line(z, "host.lan. A", "missing address");
	bad_line(z, "host.lan. A 10.77.0.256", "bad IPv4 address \"10.77.0.256\"");
	bad_line(z, "host.lan. AAAA 10.77.0.2", "bad IPv6 address");
	bad_line(z, "host.lan. A 10.77.0.2 extra", "unexpected \"extra\"");
	bad_line(z, "host.example. A 10.77.0.2", "outside the local zone lan.");
	bad_line(z, "host.lan. CNAME other.lan.", "CNAME and other data");
	bad_line(z, "cn.lan. CNAME other", "not absolute");
	bad_line(z, "lan. MX mail.lan.", "bad MX preference");
	bad_line(z, "lan. MX 70000 mail.lan.", "bad MX preference");
	bad_line(z, "lan. MX 10", "missing MX exchange");
	bad_line(z, "s.lan. SRV 0 0 port t.lan.", "bad SRV port");
	bad_line(z, "t.lan. TXT", "at least one string");
	bad_line(z, "t.lan. TXT \"open", "unterminated");
	bad_line(z, "t.lan. TXT "
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "longer than 255");
	bad_line(z, "8.8.8.8.in-addr.arpa.example. PTR x.lan.", "not an address");
	bad_line(z, "a..lan. A 10.77.0.3", "bad owner");
	bad_line(z, "host.lan. A 10.77.0.1 10.77.0.2", "unexpected");
	/* A short buffer still gets a terminated (cut) reason. */
	assert_true(dns_local_add_line(z, "x.lan. BOGUS", err, sizeof(err)) < 0);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_true(dns_local_add_line(z, "x.lan. BOGUS", NULL, 0) < 0);
	/* The same record twice is one record. */
	assert_int_equal(dns_local_add_line(z, "HOST.lan. 300 A 10.77.0.1", err, sizeof(err)), 0);
	assert_int_equal(dns_local_count(z), 2);        /* the A and its PTR */
	dns_local_free(z);
}

/* ---- UPDATE (RFC 2136) ------------------------------------------------ */

struct upd {
	uint8_t buf[4096];
	struct np_dns_builder b;
	struct np_dns_msg m;
};

static void upd_start(struct upd *u, const char *zone, uint16_t ztype)
{
	struct np_dns_header h;
	struct name zn = N(zone);

	memset(&h, 0, sizeof(h));
	h.id = 0x5151;
	h.opcode = NP_DNS_OPCODE_UPDATE;
	assert_int_equal(np_dns_builder_init(&u->b, u->buf, sizeof(u->buf), sizeof(u->buf), &h), 0);
	assert_int_equal(np_dns_add_question(&u->b, zn.w, zn.len, ztype, NP_DNS_CLASS_IN), 0);
}

/* A record in a section: rdata as an A address (type A), name or empty. */
static void upd_rr(struct upd *u, enum np_dns_section sec, const char *owner, uint16_t type,
		   uint16_t rclass, uint32_t ttl, const char *data)
{
	struct name o = N(owner);
	struct np_dns_rdata rd;

	memset(&rd, 0, sizeof(rd));
	if (!data) {
		assert_int_equal(np_dns_add_raw(&u->b, sec, o.w, o.len, type, rclass, ttl, NULL, 0),
				 0);
		return;
	}
	if (type == NP_DNS_TYPE_A) {
		unsigned x[4];

		assert_int_equal(sscanf(data, "%u.%u.%u.%u", &x[0], &x[1], &x[2], &x[3]), 4);
		rd.a = x[0] << 24 | x[1] << 16 | x[2] << 8 | x[3];
	} else {
		struct name t = N(data);

		memcpy(rd.name.name, t.w, t.len);
		rd.name.len = t.len;
	}
	assert_int_equal(np_dns_add_rr(&u->b, sec, o.w, o.len, type, rclass, ttl, &rd), 0);
}

static int upd_run(struct dns_local *z, struct upd *u)
{
	int len = np_dns_builder_finish(&u->b);

	assert_true(len > 0);
	assert_int_equal(np_dns_msg_parse(u->buf, (size_t)len, &u->m), 0);
	return dns_local_update(z, &u->m);
}

/* What a DHCP server sends for a new lease: the name must be free, then add. */
static int dhcp_add(struct dns_local *z, const char *name, const char *addr)
{
	static struct upd u;

	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_ANSWER, name, NP_DNS_TYPE_ANY, CLASS_NONE, 0, NULL);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, name, NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 3600, addr);
	return upd_run(z, &u);
}

static int count_a(struct dns_local *z, const char *name)
{
	static struct ans a;
	struct name q = N(name);

	assert_true(dns_local_owns(z, q.w, q.len));
	ask(z, &a, name, NP_DNS_TYPE_A);
	return a.m.hdr.rcode == NP_DNS_RCODE_NXDOMAIN ? -1 : a.m.hdr.count[NP_DNS_SEC_ANSWER];
}

static void test_update_add_delete(void **state)
{
	struct dns_local *z = zone_new();
	static struct upd u;
	static struct ans a;
	struct np_dns_rdata rd;
	uint32_t serial = dns_local_serial(z);

	(void)state;
	assert_int_equal(dhcp_add(z, "laptop.lan.", "10.77.0.23"), NP_DNS_RCODE_NOERROR);
	assert_true(dns_local_serial(z) > serial);
	ask(z, &a, "laptop.lan.", NP_DNS_TYPE_A);
	assert_counts(&a, 0, 1, 0);
	answer(&a, 0, "laptop.lan.", NP_DNS_TYPE_A, 3600, &rd);
	assert_int_equal(rd.a, 0x0a4d0017);
	ask(z, &a, "23.0.77.10.in-addr.arpa.", NP_DNS_TYPE_PTR);
	assert_counts(&a, 0, 1, 0);
	answer(&a, 0, "23.0.77.10.in-addr.arpa.", NP_DNS_TYPE_PTR, 3600, &rd);
	assert_name(rd.name.name, rd.name.len, "laptop.lan.");
	/* The same name again: the prerequisite "name not in use" fails. */
	assert_int_equal(dhcp_add(z, "laptop.lan.", "10.77.0.24"), 6 /* YXDOMAIN */);
	assert_int_equal(count_a(z, "laptop.lan."), 1);

	/* §2.5.1 add a second A; a duplicate only refreshes the TTL. */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "laptop.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 600,
	       "10.77.0.25");
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "laptop.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 600,
	       "10.77.0.23");
	assert_int_equal(upd_run(z, &u), 0);
	ask(z, &a, "laptop.lan.", NP_DNS_TYPE_A);
	assert_counts(&a, 0, 2, 0);
	answer(&a, 0, "laptop.lan.", NP_DNS_TYPE_A, 600, &rd);
	assert_int_equal(rd.a, 0x0a4d0017);

	/* §2.5.4 delete one RR: its PTR goes with it. */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "laptop.lan.", NP_DNS_TYPE_A, CLASS_NONE, 0,
	       "10.77.0.23");
	assert_int_equal(upd_run(z, &u), 0);
	assert_int_equal(count_a(z, "laptop.lan."), 1);
	ask(z, &a, "23.0.77.10.in-addr.arpa.", NP_DNS_TYPE_PTR);
	assert_counts(&a, NP_DNS_RCODE_NXDOMAIN, 0, 1);
	ask(z, &a, "25.0.77.10.in-addr.arpa.", NP_DNS_TYPE_PTR);
	assert_counts(&a, 0, 1, 0);

	/* §2.5.2 delete an RRset. */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "laptop.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_ANY, 0, NULL);
	assert_int_equal(upd_run(z, &u), 0);
	assert_int_equal(count_a(z, "laptop.lan."), -1);
	assert_int_equal(dns_local_count(z), 0);

	/* §2.5.3 delete all RRsets of a name; others stay. */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "tv.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 60, "10.77.0.30");
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "tv.lan.", NP_DNS_TYPE_CNAME, NP_DNS_CLASS_IN, 60, "x.lan.");
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "radio.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 60,
	       "10.77.0.31");
	assert_int_equal(upd_run(z, &u), 0);
	assert_int_equal(dns_local_count(z), 4);        /* two A, their PTRs; the CNAME ignored */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "tv.lan.", NP_DNS_TYPE_ANY, NP_DNS_CLASS_ANY, 0, NULL);
	assert_int_equal(upd_run(z, &u), 0);
	assert_int_equal(count_a(z, "tv.lan."), -1);
	assert_int_equal(count_a(z, "radio.lan."), 1);
	assert_int_equal(dns_local_count(z), 2);

	/* Deleting what is not there is not an error (§3.4.2.3). */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "ghost.lan.", NP_DNS_TYPE_ANY, NP_DNS_CLASS_ANY, 0, NULL);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "radio.lan.", NP_DNS_TYPE_A, CLASS_NONE, 0, "10.77.0.99");
	assert_int_equal(upd_run(z, &u), 0);
	assert_int_equal(count_a(z, "radio.lan."), 1);
	dns_local_free(z);
}

/* §3.4.2.2: CNAME and other data do not mix; a CNAME replaces a CNAME. */
static void test_update_cname_rules(void **state)
{
	struct dns_local *z = zone_new();
	static struct upd u;
	static struct ans a;
	struct np_dns_rdata rd;

	(void)state;
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "host.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 300,
	       "10.77.0.40");
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "alias.lan.", NP_DNS_TYPE_CNAME, NP_DNS_CLASS_IN, 300,
	       "host.lan.");
	assert_int_equal(upd_run(z, &u), 0);
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "host.lan.", NP_DNS_TYPE_CNAME, NP_DNS_CLASS_IN, 300,
	       "other.lan.");
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "alias.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 300,
	       "10.77.0.41");
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "alias.lan.", NP_DNS_TYPE_CNAME, NP_DNS_CLASS_IN, 300,
	       "new.lan.");
	assert_int_equal(upd_run(z, &u), 0);
	ask(z, &a, "host.lan.", NP_DNS_TYPE_CNAME);
	assert_counts(&a, 0, 0, 1);
	ask(z, &a, "alias.lan.", NP_DNS_TYPE_CNAME);
	assert_counts(&a, 0, 1, 0);
	answer(&a, 0, "alias.lan.", NP_DNS_TYPE_CNAME, 300, &rd);
	assert_name(rd.name.name, rd.name.len, "new.lan.");
	dns_local_free(z);
}

/* Each prerequisite of §2.4 and its rcode (§3.2.1, §3.2.2, §3.2.3). */
static int prereq(struct dns_local *z, const char *owner, uint16_t type, uint16_t rclass,
		  uint32_t ttl, const char *data)
{
	static struct upd u;

	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_ANSWER, owner, type, rclass, ttl, data);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "marker.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 60,
	       "10.77.0.99");
	return upd_run(z, &u);
}

static void test_update_prereqs(void **state)
{
	struct dns_local *z = zone_new();
	static struct upd u;

	(void)state;
	add(z, "host.lan. A 10.77.0.40");
	add(z, "host.lan. A 10.77.0.41");
	/* §2.4.4 name in use */
	assert_int_equal(prereq(z, "none.lan.", NP_DNS_TYPE_ANY, NP_DNS_CLASS_ANY, 0, NULL),
			 NP_DNS_RCODE_NXDOMAIN);
	/* §2.4.5 name not in use */
	assert_int_equal(prereq(z, "host.lan.", NP_DNS_TYPE_ANY, CLASS_NONE, 0, NULL), 6);
	/* §2.4.1 RRset exists (value independent) */
	assert_int_equal(prereq(z, "host.lan.", NP_DNS_TYPE_AAAA, NP_DNS_CLASS_ANY, 0, NULL), 8);
	/* §2.4.3 RRset does not exist */
	assert_int_equal(prereq(z, "host.lan.", NP_DNS_TYPE_A, CLASS_NONE, 0, NULL), 7);
	/* §2.4.2 RRset exists (value dependent): one of two is not the RRset. */
	assert_int_equal(prereq(z, "host.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 0, "10.77.0.40"),
			 8);
	assert_int_equal(prereq(z, "host.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 0, "10.77.0.42"),
			 8);
	/* Malformed: TTL not zero, rdata with class ANY, unknown class, outside the zone. */
	assert_int_equal(prereq(z, "host.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_ANY, 5, NULL), 1);
	assert_int_equal(prereq(z, "host.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_ANY, 0, "10.77.0.40"),
			 1);
	assert_int_equal(prereq(z, "host.lan.", NP_DNS_TYPE_A, 3 /* CH */, 0, "10.77.0.40"), 1);
	assert_int_equal(prereq(z, "host.example.", NP_DNS_TYPE_ANY, NP_DNS_CLASS_ANY, 0, NULL),
			 10);
	/* Empty rdata is for classes ANY and NONE only: an empty class-IN A does not parse. */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_ANSWER, "host.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 0, NULL);
	assert_int_equal(np_dns_msg_parse(u.buf, (size_t)np_dns_builder_finish(&u.b), &u.m),
			 NP_EBADLEN);
	/* None of those changed anything. */
	assert_int_equal(count_a(z, "marker.lan."), -1);

	/* Satisfied: all four kinds, and the full value-dependent RRset (twice listed). */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_ANSWER, "host.lan.", NP_DNS_TYPE_ANY, NP_DNS_CLASS_ANY, 0, NULL);
	upd_rr(&u, NP_DNS_SEC_ANSWER, "none.lan.", NP_DNS_TYPE_ANY, CLASS_NONE, 0, NULL);
	upd_rr(&u, NP_DNS_SEC_ANSWER, "host.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_ANY, 0, NULL);
	upd_rr(&u, NP_DNS_SEC_ANSWER, "host.lan.", NP_DNS_TYPE_AAAA, CLASS_NONE, 0, NULL);
	upd_rr(&u, NP_DNS_SEC_ANSWER, "host.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 0, "10.77.0.41");
	upd_rr(&u, NP_DNS_SEC_ANSWER, "HOST.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 0, "10.77.0.40");
	upd_rr(&u, NP_DNS_SEC_ANSWER, "host.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 0, "10.77.0.41");
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "marker.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 60,
	       "10.77.0.99");
	assert_int_equal(upd_run(z, &u), 0);
	assert_int_equal(count_a(z, "marker.lan."), 1);
	dns_local_free(z);
}

/* The zone section, the update names, and all-or-nothing (§3.1, §3.4.1). */
static void test_update_zone_and_atomicity(void **state)
{
	struct dns_local *z = zone_new();
	static struct upd u;
	uint32_t serial;

	(void)state;
	add(z, "keep.lan. A 10.77.0.1");
	serial = dns_local_serial(z);

	/* Another zone: NOTAUTH; a zone section that is not one SOA: FORMERR. */
	upd_start(&u, "example.com.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "x.example.com.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 60,
	       "10.77.0.2");
	assert_int_equal(upd_run(z, &u), 9);
	upd_start(&u, "lan.", NP_DNS_TYPE_A);
	assert_int_equal(upd_run(z, &u), 1);
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	assert_int_equal(np_dns_add_question(&u.b, N("lan.").w, N("lan.").len, NP_DNS_TYPE_SOA,
					     NP_DNS_CLASS_IN), 0);
	assert_int_equal(upd_run(z, &u), 1);

	/* Two good adds and one outside the zone: NOTZONE, nothing added. */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "a.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 60, "10.77.0.2");
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "keep.lan.", NP_DNS_TYPE_ANY, NP_DNS_CLASS_ANY, 0, NULL);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "b.example.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 60,
	       "10.77.0.3");
	assert_int_equal(upd_run(z, &u), 10);
	/* A meta type in an add, a delete with a TTL: FORMERR, nothing done. */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "a.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 60, "10.77.0.2");
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "a.lan.", NP_DNS_TYPE_ANY, NP_DNS_CLASS_IN, 60, NULL);
	assert_int_equal(upd_run(z, &u), 1);
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "a.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 60, "10.77.0.2");
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "keep.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_ANY, 60, NULL);
	assert_int_equal(upd_run(z, &u), 1);
	/* A response or a query is not an UPDATE. */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "a.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 60, "10.77.0.2");
	assert_int_equal(np_dns_msg_parse(u.buf, (size_t)np_dns_builder_finish(&u.b), &u.m),
			 0);
	u.m.hdr.opcode = 0;
	assert_int_equal(dns_local_update(z, &u.m), 1);

	assert_int_equal(count_a(z, "a.lan."), -1);
	assert_int_equal(count_a(z, "keep.lan."), 1);
	assert_int_equal(dns_local_count(z), 2);
	assert_int_equal(dns_local_serial(z), serial);

	/* SOA and apex NS updates are ignored (we make the SOA ourselves). */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "lan.", NP_DNS_TYPE_NS, NP_DNS_CLASS_IN, 60, "ns.lan.");
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "lan.", NP_DNS_TYPE_SOA, NP_DNS_CLASS_ANY, 0, NULL);
	assert_int_equal(upd_run(z, &u), 0);
	assert_int_equal(dns_local_count(z), 2);

	/* Add then delete in one message: applied in order. */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "tmp.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 60,
	       "10.77.0.9");
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "tmp.lan.", NP_DNS_TYPE_ANY, NP_DNS_CLASS_ANY, 0, NULL);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "tmp2.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 60,
	       "10.77.0.10");
	assert_int_equal(upd_run(z, &u), 0);
	assert_int_equal(count_a(z, "tmp.lan."), -1);
	assert_int_equal(count_a(z, "tmp2.lan."), 1);
	assert_int_equal(dns_local_count(z), 4);
	dns_local_free(z);
}

/* BIND's nsupdate, as a DHCP server's DDNS client would talk to us. */
static int nsupdate(struct dns_local *z, const char *fixture)
{
	static struct upd u;
	size_t len = np_test_load_hex(fixture, u.buf, sizeof(u.buf));

	assert_int_equal(np_dns_msg_parse(u.buf, len, &u.m), 0);
	assert_int_equal(u.m.hdr.opcode, NP_DNS_OPCODE_UPDATE);
	return dns_local_update(z, &u.m);
}

static void test_update_nsupdate(void **state)
{
	struct dns_local *z = zone_new();
	static struct ans a;
	static uint8_t buf[512];
	struct np_dns_msg m;
	struct np_dns_rdata rd;
	size_t len;

	(void)state;
	/* The codec takes the 0-octet A of "delete RRset" (§2.5.2). */
	len = np_test_load_hex("dnsd-update-delrrset-nsupdate.hex", buf, sizeof(buf));
	assert_int_equal(np_dns_msg_parse(buf, len, &m), 0);

	assert_int_equal(nsupdate(z, "dnsd-update-add-nsupdate.hex"), 0);
	ask(z, &a, "laptop.lan.", NP_DNS_TYPE_A);
	assert_counts(&a, 0, 1, 0);
	answer(&a, 0, "laptop.lan.", NP_DNS_TYPE_A, 3600, &rd);
	assert_int_equal(rd.a, 0x0a4d0017);
	/* prereq nxdomain now fails. */
	assert_int_equal(nsupdate(z, "dnsd-update-add-nsupdate.hex"), 6);

	/* Replace the address: the old PTR goes, the new one comes. */
	assert_int_equal(nsupdate(z, "dnsd-update-delrrset-nsupdate.hex"), 0);
	ask(z, &a, "laptop.lan.", NP_DNS_TYPE_A);
	assert_counts(&a, 0, 1, 0);
	answer(&a, 0, "laptop.lan.", NP_DNS_TYPE_A, 3600, &rd);
	assert_int_equal(rd.a, 0x0a4d0018);
	ask(z, &a, "23.0.77.10.in-addr.arpa.", NP_DNS_TYPE_PTR);
	assert_counts(&a, NP_DNS_RCODE_NXDOMAIN, 0, 1);
	ask(z, &a, "24.0.77.10.in-addr.arpa.", NP_DNS_TYPE_PTR);
	assert_counts(&a, 0, 1, 0);

	/* prereq yxrrset with the value, then delete that RR. */
	assert_int_equal(nsupdate(z, "dnsd-update-delrr-nsupdate.hex"), 0);
	assert_int_equal(count_a(z, "laptop.lan."), -1);
	assert_int_equal(nsupdate(z, "dnsd-update-delrr-nsupdate.hex"), 8);
	/* prereq yxdomain: NXDOMAIN now. */
	assert_int_equal(nsupdate(z, "dnsd-update-delname-nsupdate.hex"), NP_DNS_RCODE_NXDOMAIN);

	/* AAAA and TXT in one message; the AAAA gets its ip6.arpa PTR. */
	assert_int_equal(nsupdate(z, "dnsd-update-aaaa-nsupdate.hex"), 0);
	ask(z, &a, "printer.lan.", NP_DNS_TYPE_ANY);
	assert_counts(&a, 0, 2, 0);
	ask(z, &a, "0.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.7.d.f.ip6.arpa.",
	    NP_DNS_TYPE_PTR);
	assert_counts(&a, 0, 1, 0);
	assert_int_equal(nsupdate(z, "dnsd-update-aaaa-nsupdate.hex"), 7);   /* YXRRSET */
	assert_int_equal(dns_local_count(z), 3);
	dns_local_free(z);
}

/* ---- Owners: configured names and DHCID-owned names -------------------- */

/* Two clients' DHCIDs (RFC 4701: type 0, SHA-256; the digests are arbitrary here). */
static uint8_t DHCID_X[35], DHCID_Y[35];

static void dhcids(void)
{
	for (int i = 0; i < 35; i++) {
		DHCID_X[i] = (uint8_t)(i < 2 ? 0 : i == 2 ? 1 : 0x10 + i);
		DHCID_Y[i] = (uint8_t)(i < 2 ? 0 : i == 2 ? 1 : 0x80 + i);
	}
}

static void upd_raw(struct upd *u, enum np_dns_section sec, const char *owner, uint16_t type,
		    uint16_t rclass, uint32_t ttl, const uint8_t *data, size_t len)
{
	struct name o = N(owner);

	assert_int_equal(np_dns_add_raw(&u->b, sec, o.w, o.len, type, rclass, ttl, data, len), 0);
}

/* RFC 4703 §5.3.1 first UPDATE: name not in use; add A and DHCID. */
static int claim(struct dns_local *z, const char *name, const char *addr, const uint8_t *dhcid)
{
	static struct upd u;

	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_ANSWER, name, NP_DNS_TYPE_ANY, CLASS_NONE, 0, NULL);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, name, NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 300, addr);
	upd_raw(&u, NP_DNS_SEC_AUTHORITY, name, TYPE_DHCID, NP_DNS_CLASS_IN, 300, dhcid, 35);
	return upd_run(z, &u);
}

/* Second UPDATE: the DHCID is this client's; replace the A RRset. */
static int reclaim(struct dns_local *z, const char *name, const char *addr, const uint8_t *dhcid)
{
	static struct upd u;

	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_raw(&u, NP_DNS_SEC_ANSWER, name, TYPE_DHCID, NP_DNS_CLASS_IN, 0, dhcid, 35);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, name, NP_DNS_TYPE_A, NP_DNS_CLASS_ANY, 0, NULL);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, name, NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 300, addr);
	return upd_run(z, &u);
}

/* §5.5: delete our A, then the DHCID when no address is left. */
static int release(struct dns_local *z, const char *name, const char *addr, const uint8_t *dhcid)
{
	static struct upd u;
	int rc;

	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_raw(&u, NP_DNS_SEC_ANSWER, name, TYPE_DHCID, NP_DNS_CLASS_IN, 0, dhcid, 35);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, name, NP_DNS_TYPE_A, CLASS_NONE, 0, addr);
	if ((rc = upd_run(z, &u)))
		return rc;
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_ANSWER, name, NP_DNS_TYPE_A, CLASS_NONE, 0, NULL);
	upd_rr(&u, NP_DNS_SEC_ANSWER, name, NP_DNS_TYPE_AAAA, CLASS_NONE, 0, NULL);
	upd_raw(&u, NP_DNS_SEC_ANSWER, name, TYPE_DHCID, NP_DNS_CLASS_IN, 0, dhcid, 35);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, name, TYPE_DHCID, NP_DNS_CLASS_ANY, 0, NULL);
	return upd_run(z, &u);
}

/* The address of name's single A record, or 0. */
static uint32_t addr_of(struct dns_local *z, const char *name)
{
	static struct ans a;
	struct np_dns_rdata rd;
	struct np_dns_rr rr;

	ask(z, &a, name, NP_DNS_TYPE_A);
	if (a.m.hdr.count[NP_DNS_SEC_ANSWER] != 1)
		return 0;
	get_rr(&a.m, NP_DNS_SEC_ANSWER, 0, &rr, &rd);
	assert_int_equal(rr.type, NP_DNS_TYPE_A);
	return rd.a;
}

/* Configured names: every UPDATE touching them is REFUSED; prerequisites only read them. */
static void test_update_never_changes_static(void **state)
{
	struct dns_local *z = zone_new();
	const struct dns_local_stats *st = dns_local_get_stats(z);
	static struct upd u;
	uint32_t serial;

	(void)state;
	dhcids();
	add(z, "printer.lan. 300 A 10.77.0.50");
	serial = dns_local_serial(z);
	/* What np-dhcpd sent before RFC 4703: delete the RRset, add. */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "printer.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_ANY, 0, NULL);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "printer.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 300,
	       "10.77.0.23");
	assert_int_equal(upd_run(z, &u), NP_DNS_RCODE_REFUSED);
	/* A plain add beside it, deleting the name, deleting the one record. */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "printer.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 300,
	       "10.77.0.23");
	assert_int_equal(upd_run(z, &u), NP_DNS_RCODE_REFUSED);
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "printer.lan.", NP_DNS_TYPE_ANY, NP_DNS_CLASS_ANY, 0,
	       NULL);
	assert_int_equal(upd_run(z, &u), NP_DNS_RCODE_REFUSED);
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "printer.lan.", NP_DNS_TYPE_A, CLASS_NONE, 0,
	       "10.77.0.50");
	assert_int_equal(upd_run(z, &u), NP_DNS_RCODE_REFUSED);
	/* Even with a satisfied prerequisite; and the whole message is refused. */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_ANSWER, "printer.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 0,
	       "10.77.0.50");
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "other.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 300,
	       "10.77.0.24");
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "printer.lan.", NP_DNS_TYPE_TXT, NP_DNS_CLASS_ANY, 0, NULL);
	assert_int_equal(upd_run(z, &u), NP_DNS_RCODE_REFUSED);
	assert_int_equal(st->refused_static, 5);
	assert_int_equal(count_a(z, "other.lan."), -1);
	/* A DHCP server's two steps: the name is in use, the DHCID is not there. */
	assert_int_equal(claim(z, "printer.lan.", "10.77.0.23", DHCID_X), 6 /* YXDOMAIN */);
	assert_int_equal(reclaim(z, "printer.lan.", "10.77.0.23", DHCID_X), 8 /* NXRRSET */);
	assert_int_equal(st->prereq_failed, 2);
	assert_int_equal(addr_of(z, "printer.lan."), 0x0a4d0032);
	assert_int_equal(dns_local_count(z), 2);
	assert_int_equal(dns_local_serial(z), serial);
	dns_local_free(z);
}

/* RFC 4703: a name is its DHCID's; others, with or without prerequisites, cannot take it. */
static void test_update_dhcid_owner(void **state)
{
	struct dns_local *z = zone_new();
	const struct dns_local_stats *st = dns_local_get_stats(z);
	static struct upd u;

	(void)state;
	dhcids();
	assert_int_equal(claim(z, "laptop.lan.", "10.77.0.23", DHCID_X), 0);
	assert_int_equal(addr_of(z, "laptop.lan."), 0x0a4d0017);
	/* Client Y asks for the name: in use, and its DHCID is not the name's. */
	assert_int_equal(claim(z, "laptop.lan.", "10.77.0.24", DHCID_Y), 6);
	assert_int_equal(reclaim(z, "laptop.lan.", "10.77.0.24", DHCID_Y), 8);
	/* Another server without prerequisites: REFUSED, whatever it does. */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "laptop.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_ANY, 0, NULL);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "laptop.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 300,
	       "10.77.0.24");
	assert_int_equal(upd_run(z, &u), NP_DNS_RCODE_REFUSED);
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "laptop.lan.", NP_DNS_TYPE_ANY, NP_DNS_CLASS_ANY, 0, NULL);
	assert_int_equal(upd_run(z, &u), NP_DNS_RCODE_REFUSED);
	/* "Some DHCID exists" (value independent) does not name the owner. */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_ANSWER, "laptop.lan.", TYPE_DHCID, NP_DNS_CLASS_ANY, 0, NULL);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "laptop.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 300,
	       "10.77.0.24");
	assert_int_equal(upd_run(z, &u), NP_DNS_RCODE_REFUSED);
	/* Nor does a DHCID prerequisite on another name. */
	assert_int_equal(claim(z, "desk.lan.", "10.77.0.30", DHCID_Y), 0);
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_raw(&u, NP_DNS_SEC_ANSWER, "desk.lan.", TYPE_DHCID, NP_DNS_CLASS_IN, 0, DHCID_Y, 35);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "laptop.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 300,
	       "10.77.0.24");
	assert_int_equal(upd_run(z, &u), NP_DNS_RCODE_REFUSED);
	assert_int_equal(st->refused_owned, 4);
	/* Y's removal of a name it does not own changes nothing. */
	assert_int_equal(release(z, "laptop.lan.", "10.77.0.23", DHCID_Y), 8);
	assert_int_equal(addr_of(z, "laptop.lan."), 0x0a4d0017);

	/* The owner renews with a new address: YXDOMAIN, then its DHCID matches. */
	assert_int_equal(claim(z, "laptop.lan.", "10.77.0.25", DHCID_X), 6);
	assert_int_equal(reclaim(z, "laptop.lan.", "10.77.0.25", DHCID_X), 0);
	assert_int_equal(addr_of(z, "laptop.lan."), 0x0a4d0019);
	/* It releases: the A, then the DHCID; the name is free. */
	assert_int_equal(release(z, "laptop.lan.", "10.77.0.25", DHCID_X), 0);
	assert_int_equal(count_a(z, "laptop.lan."), -1);
	/* Now Y can have it. */
	assert_int_equal(claim(z, "laptop.lan.", "10.77.0.24", DHCID_Y), 0);
	assert_int_equal(addr_of(z, "laptop.lan."), 0x0a4d0018);
	/* With an address left, the DHCID stays (YXRRSET at the second step). */
	assert_int_equal(claim(z, "two.lan.", "10.77.0.40", DHCID_X), 0);
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_raw(&u, NP_DNS_SEC_ANSWER, "two.lan.", TYPE_DHCID, NP_DNS_CLASS_IN, 0, DHCID_X, 35);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "two.lan.", NP_DNS_TYPE_A, NP_DNS_CLASS_IN, 300,
	       "10.77.0.41");
	assert_int_equal(upd_run(z, &u), 0);
	assert_int_equal(release(z, "two.lan.", "10.77.0.40", DHCID_X), 7);
	assert_int_equal(addr_of(z, "two.lan."), 0x0a4d0029);
	dns_local_free(z);
}

/* A reload: the configuration's names win over the dynamic ones, the rest is kept. */
static void test_reload_configured_wins(void **state)
{
	struct dns_local *z = zone_new(), *fresh = zone_new();
	static struct upd u;
	size_t dropped = 99;

	(void)state;
	dhcids();
	assert_int_equal(claim(z, "laptop.lan.", "10.77.0.23", DHCID_X), 0);
	assert_int_equal(claim(z, "printer.lan.", "10.77.0.24", DHCID_Y), 0);
	assert_int_equal(dhcp_add(z, "tv.lan.", "10.77.0.25"), 0);
	/* The new configuration defines printer.lan. */
	add(fresh, "printer.lan. 300 A 10.77.0.50");
	assert_int_equal(dns_local_carry(z, fresh, &dropped), 3);   /* laptop's A, DHCID; tv's A */
	assert_int_equal(dropped, 2);
	assert_int_equal(dns_local_get_stats(fresh)->reload_dropped, 2);
	assert_true(dns_local_serial(fresh) > dns_local_serial(z));
	dns_local_free(z);
	assert_int_equal(addr_of(fresh, "printer.lan."), 0x0a4d0032);
	assert_int_equal(addr_of(fresh, "laptop.lan."), 0x0a4d0017);
	assert_int_equal(addr_of(fresh, "tv.lan."), 0x0a4d0019);
	/* The PTRs came along; the dropped name's did not. */
	assert_int_equal(dns_local_count(fresh), 2 + 2 + 1 + 2);
	/* laptop.lan is still X's. */
	upd_start(&u, "lan.", NP_DNS_TYPE_SOA);
	upd_rr(&u, NP_DNS_SEC_AUTHORITY, "laptop.lan.", NP_DNS_TYPE_ANY, NP_DNS_CLASS_ANY, 0, NULL);
	assert_int_equal(upd_run(fresh, &u), NP_DNS_RCODE_REFUSED);
	assert_int_equal(reclaim(fresh, "laptop.lan.", "10.77.0.26", DHCID_X), 0);
	dns_local_free(fresh);
}

/* ---- Walk ------------------------------------------------------------- */

struct seen {
	int a, ptr, dynamic;
};

static int walk_fn(void *arg, const uint8_t *owner, size_t len, uint16_t type, uint32_t ttl,
		   const uint8_t *rdata, size_t rdlen, int dynamic)
{
	struct seen *s = arg;

	assert_int_equal(np_dns_name_check(owner, len), 0);
	assert_true(ttl > 0);
	if (type == NP_DNS_TYPE_A) {
		assert_int_equal(rdlen, 4);
		s->a++;
	}
	if (type == NP_DNS_TYPE_PTR) {
		assert_int_equal(np_dns_name_check(rdata, rdlen), 0);
		s->ptr++;
	}
	s->dynamic += dynamic;
	return 0;
}

static void test_walk_count(void **state)
{
	struct dns_local *z = zone_new();
	struct seen s;

	(void)state;
	add(z, "one.lan. A 10.77.0.1");
	add(z, "two.lan. A 10.77.0.2");
	assert_int_equal(dhcp_add(z, "three.lan.", "10.77.0.3"), 0);
	assert_int_equal(dns_local_count(z), 6);
	memset(&s, 0, sizeof(s));
	dns_local_walk(z, walk_fn, &s);
	assert_int_equal(s.a, 3);
	assert_int_equal(s.ptr, 3);
	assert_int_equal(s.dynamic, 2);
	dns_local_free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_auto_ptr),
		cmocka_unit_test(test_negative_answers),
		cmocka_unit_test(test_loop_and_overflow),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_update_add_delete),
		cmocka_unit_test(test_update_cname_rules),
		cmocka_unit_test(test_update_prereqs),
		cmocka_unit_test(test_update_zone_and_atomicity),
		cmocka_unit_test(test_update_nsupdate),
		cmocka_unit_test(test_update_never_changes_static),
		cmocka_unit_test(test_update_dhcid_owner),
		cmocka_unit_test(test_reload_configured_wins),
		cmocka_unit_test(test_walk_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
