/*
 * test-dhcpd-ddns.c: the RFC 2136 UPDATE messages np-dhcpd sends for its
 * clients' names, octet by octet (expected bytes written out by hand from
 * RFC 2136 §2, RFC 4703 §5 and RFC 1035 §4.1), then read back with
 * libnetproto's DNS parser: zone section, prerequisites, update records
 * with their classes, TTLs and rdata.  The DHCID of RFC 4701 against the
 * examples of its §3.6.  The steps of RFC 4703 by answer rcode.  Then the
 * sender against a UDP socket of the test: answers checked by id and
 * counted by rcode, the next step sent, resent after the timeout, given up
 * after the last retry, a conflict counted, nothing sent for names that
 * are not host names.  And the engine's answer to a client FQDN option
 * (RFC 4702 §4).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <event2/event.h>

#include <netproto/dhcp4.h>
#include <netproto/dns.h>
#include <netproto/error.h>

#include "ddns.h"
#include "io-ddns.h"
#include "dhcid.h"
#include "engine.h"
#include "lease.h"

/* A fixed hash key: the tests do not depend on where entries hash. */
static const struct np_hmap_key test_key = { 0x0123456789abcdefull, 0xfedcba9876543210ull };

#define ADDR 0x0a4d0064u           /* 10.77.0.100 */

/* The client of most tests: Ethernet 02:00:5e:00:00:01, no client identifier. */
static const uint8_t MAC1[6] = { 2, 0, 0x5e, 0, 0, 1 };
static const struct dhcid_client CLIENT1 = { .htype = 1, .hlen = 6, .chaddr = MAC1 };

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

/* The DHCID of CLIENT1 for laptop.lan. (RFC 4701 §3.5, by the formula of its §3.6 examples). */
#define LAPTOP_DHCID "0000 01 6f757334f1028188a2e4cbc34a937cf91fde65efcd74b6195080d48ea31b8625"

/* RFC 4703 §5.3.1, first UPDATE: the name must not be in use; add A and DHCID. */
static void claim_bytes(void **state)
{
	struct ddns_update a, ptr;

	(void)state;
	assert_int_equal(ddns_prepare("laptop", &CLIENT1, ADDR, "lan.", NULL, DDNS_ADD, 300, &a,
				      &ptr), 0);
	assert_int_equal(a.step, DDNS_CLAIM);
	expect_bytes(&a, 0x1234,
		     /* id, opcode 5 (UPDATE), ZOCOUNT 1, PRCOUNT 1, UPCOUNT 2, ADCOUNT 0 */
		     "1234 2800 0001 0001 0002 0000"
		     /* zone: lan. SOA IN (RFC 2136 §2.3) */
		     "036c616e00 0006 0001"
		     /* prerequisite laptop.lan ANY NONE TTL 0: name is not in use (§2.4.5) */
		     "066c6170746f70c00c 00ff 00fe 00000000 0000"
		     /* add laptop.lan A IN TTL 300 10.77.0.100 */
		     "c015 0001 0001 0000012c 0004 0a4d0064"
		     /* add laptop.lan DHCID IN TTL 300, 35 octets */
		     "c015 0031 0001 0000012c 0023" LAPTOP_DHCID);
}

/* Second UPDATE: the DHCID there is this client's (§2.4.2); replace the A RRset. */
static void reclaim_bytes(void **state)
{
	struct ddns_update a, ptr, next;

	(void)state;
	assert_int_equal(ddns_prepare("laptop", &CLIENT1, ADDR, "lan.", NULL, DDNS_ADD, 300, &a,
				      &ptr), 0);
	assert_int_equal(ddns_next(&a, DDNS_RCODE_YXDOMAIN, &next), DDNS_NEXT);
	assert_int_equal(next.step, DDNS_RECLAIM);
	expect_bytes(&next, 0x1235,
		     "1235 2800 0001 0001 0002 0000 036c616e00 0006 0001"
		     /* prerequisite laptop.lan DHCID IN TTL 0 with the client's DHCID */
		     "066c6170746f70c00c 0031 0001 00000000 0023" LAPTOP_DHCID
		     /* delete laptop.lan A RRset (ANY, TTL 0, no rdata), add the address */
		     "c015 0001 00ff 00000000 0000"
		     "c015 0001 0001 0000012c 0004 0a4d0064");
}

static void claim_reads_back(void **state)
{
	struct ddns_update a, ptr;
	uint8_t buf[DDNS_MSG_MAX];
	struct np_dns_msg m;
	struct rec r[5];
	int len;

	(void)state;
	assert_int_equal(ddns_prepare("laptop", &CLIENT1, ADDR, "lan", NULL, DDNS_ADD, 300, &a,
				      &ptr), 0);
	len = ddns_build(&a, 7, buf, sizeof(buf));
	assert_true(len > 0);
	header_by_hand(buf, (size_t)len, &m);
	assert_int_equal(m.hdr.opcode, NP_DNS_OPCODE_UPDATE);
	assert_int_equal(walk(buf, (size_t)len, &m, r, 5), 4);
	assert_int_equal(r[0].sec, NP_DNS_SEC_QUESTION);
	assert_string_equal(r[0].owner, "lan.");
	assert_int_equal(r[0].type, NP_DNS_TYPE_SOA);
	assert_int_equal(r[0].rclass, NP_DNS_CLASS_IN);
	assert_int_equal(r[1].sec, NP_DNS_SEC_ANSWER);
	assert_string_equal(r[1].owner, "laptop.lan.");
	assert_int_equal(r[1].type, NP_DNS_TYPE_ANY);
	assert_int_equal(r[1].rclass, DDNS_CLASS_NONE);
	assert_int_equal(r[1].ttl, 0);
	assert_int_equal(r[1].rdlength, 0);
	assert_int_equal(r[2].sec, NP_DNS_SEC_AUTHORITY);
	assert_string_equal(r[2].owner, "laptop.lan.");
	assert_int_equal(r[2].rclass, NP_DNS_CLASS_IN);
	assert_int_equal(r[2].ttl, 300);
	assert_int_equal(r[2].rd.a, ADDR);
	assert_int_equal(r[3].sec, NP_DNS_SEC_AUTHORITY);
	assert_int_equal(r[3].type, DHCID_TYPE);
	assert_int_equal(r[3].rdlength, DHCID_RDATA_LEN);
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
	assert_int_equal(ddns_prepare("laptop", &CLIENT1, ADDR, "lan.", "", DDNS_ADD, 300, &a, &ptr), 0);
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

/*
 * Release and expiry (RFC 4703 §5.5): the client's A record if the DHCID is
 * still the client's, then the DHCID when no address record is left; the
 * PTR of the lease (class NONE, RFC 2136 §2.5.4).
 */
static void delete_messages_parse(void **state)
{
	struct ddns_update a, ptr, next;
	uint8_t buf[DDNS_MSG_MAX];
	struct np_dns_msg m;
	struct rec r[6];
	char text[NP_DNS_NAME_TEXT_MAX];
	int len;

	(void)state;
	assert_int_equal(ddns_prepare("laptop", &CLIENT1, ADDR, "lan.", "77.10.in-addr.arpa",
				      DDNS_DELETE, 300, &a, &ptr), 0);
	assert_int_equal(a.step, DDNS_RELEASE);
	expect_bytes(&a, 0x1236,
		     "1236 2800 0001 0001 0001 0000 036c616e00 0006 0001"
		     /* prerequisite: laptop.lan DHCID IN TTL 0, the client's */
		     "066c6170746f70c00c 0031 0001 00000000 0023" LAPTOP_DHCID
		     /* laptop.lan A NONE TTL 0 10.77.0.100 */
		     "c015 0001 00fe 00000000 0004 0a4d0064");
	len = ddns_build(&a, 0x1236, buf, sizeof(buf));
	assert_int_equal(np_dns_msg_parse(buf, (size_t)len, &m), 0);
	assert_int_equal(m.hdr.opcode, NP_DNS_OPCODE_UPDATE);
	assert_int_equal(m.hdr.qr, 0);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_QUESTION], 1);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 1);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_AUTHORITY], 1);
	assert_int_equal(walk(buf, (size_t)len, &m, r, 6), 3);
	assert_string_equal(r[2].owner, "laptop.lan.");
	assert_int_equal(r[2].rclass, DDNS_CLASS_NONE);
	assert_int_equal(r[2].ttl, 0);
	assert_int_equal(r[2].rd.a, ADDR);

	/* Then: no A, no AAAA, the DHCID ours: delete the DHCID RRset. */
	assert_int_equal(ddns_next(&a, NP_DNS_RCODE_NOERROR, &next), DDNS_NEXT);
	assert_int_equal(next.step, DDNS_RELEASE_DHCID);
	expect_bytes(&next, 0x1237,
		     "1237 2800 0001 0003 0001 0000 036c616e00 0006 0001"
		     "066c6170746f70c00c 0001 00fe 00000000 0000"
		     "c015 001c 00fe 00000000 0000"
		     "c015 0031 0001 00000000 0023" LAPTOP_DHCID
		     "c015 0031 00ff 00000000 0000");

	/* The PTR in the configured reverse zone (a /16 here). */
	len = ddns_build(&ptr, 0x1237, buf, sizeof(buf));
	assert_int_equal(np_dns_msg_parse(buf, (size_t)len, &m), 0);
	assert_int_equal(walk(buf, (size_t)len, &m, r, 6), 2);
	assert_string_equal(r[0].owner, "77.10.in-addr.arpa.");
	assert_string_equal(r[1].owner, "100.0.77.10.in-addr.arpa.");
	assert_int_equal(r[1].type, NP_DNS_TYPE_PTR);
	assert_int_equal(r[1].rclass, DDNS_CLASS_NONE);
	np_dns_name_to_text(r[1].rd.name.name, r[1].rd.name.len, text, sizeof(text));
	assert_string_equal(text, "laptop.lan.");
}

/* Each answer to each step (RFC 4703 §5.3.1, §5.5). */
static void steps_by_rcode(void **state)
{
	struct ddns_update a, ptr, next;

	(void)state;
	assert_int_equal(ddns_prepare("laptop", &CLIENT1, ADDR, "lan.", NULL, DDNS_ADD, 300, &a,
				      &ptr), 0);
	assert_int_equal(ddns_next(&a, NP_DNS_RCODE_NOERROR, &next), DDNS_DONE);
	assert_int_equal(ddns_next(&a, NP_DNS_RCODE_REFUSED, &next), DDNS_FAILED);
	assert_int_equal(ddns_next(&a, DDNS_RCODE_NXRRSET, &next), DDNS_FAILED);
	assert_int_equal(ddns_next(&a, DDNS_RCODE_YXDOMAIN, &next), DDNS_NEXT);
	a = next;                      /* RECLAIM */
	assert_int_equal(ddns_next(&a, NP_DNS_RCODE_NOERROR, &next), DDNS_DONE);
	assert_int_equal(ddns_next(&a, DDNS_RCODE_NXRRSET, &next), DDNS_CONFLICT);
	assert_int_equal(ddns_next(&a, DDNS_RCODE_YXDOMAIN, &next), DDNS_FAILED);
	assert_int_equal(ddns_next(&a, NP_DNS_RCODE_REFUSED, &next), DDNS_FAILED);
	assert_int_equal(ddns_next(&ptr, NP_DNS_RCODE_NOERROR, &next), DDNS_DONE);
	assert_int_equal(ddns_next(&ptr, 9, &next), DDNS_FAILED);
	assert_int_equal(ddns_prepare("laptop", &CLIENT1, ADDR, "lan.", NULL, DDNS_DELETE, 300, &a,
				      &ptr), 0);
	assert_int_equal(ddns_next(&a, DDNS_RCODE_NXRRSET, &next), DDNS_NOT_OWNED);
	assert_int_equal(ddns_next(&a, NP_DNS_RCODE_SERVFAIL, &next), DDNS_FAILED);
	assert_int_equal(ddns_next(&a, NP_DNS_RCODE_NOERROR, &next), DDNS_NEXT);
	a = next;                      /* RELEASE_DHCID */
	assert_int_equal(ddns_next(&a, NP_DNS_RCODE_NOERROR, &next), DDNS_DONE);
	assert_int_equal(ddns_next(&a, DDNS_RCODE_YXRRSET, &next), DDNS_DONE);
	assert_int_equal(ddns_next(&a, DDNS_RCODE_NXRRSET, &next), DDNS_DONE);
	assert_int_equal(ddns_next(&a, NP_DNS_RCODE_REFUSED, &next), DDNS_FAILED);
}

/*
 * The "suffix" conflict policy: a name another client owns turns into the
 * derived name host-XXXX.zone (last two octets of the client's MAC),
 * claimed from step 1 with its own DHCID; a release tries it after host.zone.
 */
static void derived_name_steps(void **state)
{
	static const struct dhcid_client no_mac = { .htype = 1, .hlen = 0, .cid_len = 2,
						    .cid = (const uint8_t *)"\x01\x02" };
	struct ddns_update a, ptr, next;
	uint8_t dhcid[DHCID_RDATA_LEN];
	char text[NP_DNS_NAME_TEXT_MAX];

	(void)state;
	assert_int_equal(ddns_prepare("Laptop.example.org", &CLIENT1, ADDR, "lan.", NULL, DDNS_ADD,
				      300, &a, &ptr), 0);
	assert_int_equal(a.alt_len, 0);        /* the "no-name" policy: no derived name */
	assert_int_equal(ddns_derive(&a, &CLIENT1, "lan."), 0);
	assert_true(np_dns_name_to_text(a.alt_owner, a.alt_len, text, sizeof(text)) > 0);
	assert_string_equal(text, "laptop-0001.lan.");
	assert_int_equal(ddns_next(&a, DDNS_RCODE_YXDOMAIN, &next), DDNS_NEXT);
	a = next;                              /* RECLAIM of laptop.lan., derived name kept */
	assert_int_equal(a.alt_len, next.alt_len);
	assert_int_equal(ddns_next(&a, NP_DNS_RCODE_NOERROR, &next), DDNS_DONE);
	assert_int_equal(ddns_next(&a, DDNS_RCODE_NXRRSET, &next), DDNS_DERIVED);
	assert_int_equal(next.step, DDNS_CLAIM);
	assert_int_equal(next.alt_len, 0);
	assert_true(np_dns_name_to_text(next.owner, next.owner_len, text, sizeof(text)) > 0);
	assert_string_equal(text, "laptop-0001.lan.");
	assert_true(dhcid_rdata(&CLIENT1, next.owner, next.owner_len, dhcid) > 0);
	assert_memory_equal(next.dhcid, dhcid, sizeof(dhcid));
	assert_int_equal(next.addr, ADDR);
	/* The derived name taken as well: no name at all. */
	a = next;
	assert_int_equal(ddns_next(&a, DDNS_RCODE_YXDOMAIN, &next), DDNS_NEXT);
	a = next;
	assert_int_equal(ddns_next(&a, DDNS_RCODE_NXRRSET, &next), DDNS_CONFLICT);

	/* A release: laptop.lan. not the client's, then laptop-0001.lan. */
	assert_int_equal(ddns_prepare("laptop", &CLIENT1, ADDR, "lan.", NULL, DDNS_DELETE, 300, &a,
				      &ptr), 0);
	assert_int_equal(ddns_derive(&a, &CLIENT1, "lan."), 0);
	assert_int_equal(ddns_next(&a, DDNS_RCODE_NXRRSET, &next), DDNS_NEXT);
	assert_int_equal(next.step, DDNS_RELEASE);
	assert_true(np_dns_name_to_text(next.owner, next.owner_len, text, sizeof(text)) > 0);
	assert_string_equal(text, "laptop-0001.lan.");
	a = next;
	assert_int_equal(ddns_next(&a, DDNS_RCODE_NXRRSET, &next), DDNS_NOT_OWNED);

	/* Nothing to derive from without a hardware address. */
	assert_int_equal(ddns_prepare("laptop", &no_mac, ADDR, "lan.", NULL, DDNS_ADD, 300, &a,
				      &ptr), 0);
	assert_int_equal(ddns_derive(&a, &no_mac, "lan."), NP_EINVAL);
	assert_int_equal(a.alt_len, 0);
}

/* RFC 4701 §3.6: the three examples, to the octet. */
static void dhcid_rfc4701_examples(void **state)
{
	static const uint8_t duid[] = { 0x00, 0x01, 0x00, 0x06, 0x41, 0x2d, 0xf1, 0x66,
					0x01, 0x02, 0x03, 0x04, 0x05, 0x06 };
	static const uint8_t cid[] = { 0x01, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c };
	static const uint8_t mac[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06 };
	uint8_t cid255[5 + sizeof(duid)], got[DHCID_RDATA_LEN], want[DHCID_RDATA_LEN], w[64];
	struct dhcid_client c;
	int n;

	(void)state;
	/* "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=": a DUID, chi6.example.com.
	 * A DHCPv4 client sends it as client identifier type 255, IAID, DUID (RFC 4361). */
	cid255[0] = 255;
	memcpy(cid255 + 1, "\0\0\0\1", 4);
	memcpy(cid255 + 5, duid, sizeof(duid));
	c = (struct dhcid_client){ .htype = 1, .hlen = 6, .chaddr = mac, .cid = cid255,
				   .cid_len = sizeof(cid255) };
	n = np_dns_name_from_text("chi6.example.com", w, sizeof(w));
	assert_int_equal(dhcid_rdata(&c, w, (size_t)n, got), DHCID_RDATA_LEN);
	hex("000201636fc0b8271c82825bb1ac5c41cf5351aa69b4febd94e8f17cdb95000da48c40", want,
	    sizeof(want));
	assert_memory_equal(got, want, DHCID_RDATA_LEN);
	/* "AAEBOSD+XR3Os/0LozeXVqcNc7FwCfQdWL3b/NaiUDlW2No=": client identifier
	 * 01:07:08:09:0a:0b:0c, chi.example.com; the name compares without case. */
	c = (struct dhcid_client){ .htype = 1, .hlen = 6, .chaddr = mac, .cid = cid,
				   .cid_len = sizeof(cid) };
	n = np_dns_name_from_text("Chi.EXAMPLE.com.", w, sizeof(w));
	assert_int_equal(dhcid_rdata(&c, w, (size_t)n, got), DHCID_RDATA_LEN);
	hex("0001013920fe5d1dceb3fd0ba3379756a70d73b17009f41d58bddbfcd6a2503956d8da", want,
	    sizeof(want));
	assert_memory_equal(got, want, DHCID_RDATA_LEN);
	/* "AAABxLmlskllE0MVjd57zHcWmEH3pCQ6VytcKD//7es/deY=": htype 1, chaddr
	 * 01:02:03:04:05:06, no client identifier, client.example.com. */
	c = (struct dhcid_client){ .htype = 1, .hlen = 6, .chaddr = mac };
	n = np_dns_name_from_text("client.example.com", w, sizeof(w));
	assert_int_equal(dhcid_rdata(&c, w, (size_t)n, got), DHCID_RDATA_LEN);
	hex("000001c4b9a5b249651343158dde7bcc77169841f7a4243a572b5c283fffedeb3f75e6", want,
	    sizeof(want));
	assert_memory_equal(got, want, DHCID_RDATA_LEN);
	/* Another client, another DHCID. */
	c.chaddr = MAC1;
	assert_int_equal(dhcid_rdata(&c, w, (size_t)n, got), DHCID_RDATA_LEN);
	assert_memory_not_equal(got, want, DHCID_RDATA_LEN);
	/* No identity at all. */
	c.hlen = 0;
	assert_int_equal(dhcid_rdata(&c, w, (size_t)n, got), NP_EINVAL);
}

static void host_names(void **state)
{
	struct ddns_update a, ptr;
	char text[NP_DNS_NAME_TEXT_MAX];
	char longest[64], too_long[65];

	(void)state;
	/* An FQDN keeps its first label, lowercased (names compare without case, RFC 4343). */
	assert_int_equal(ddns_prepare("Laptop-2.example.org", &CLIENT1, ADDR, "lan.", NULL,
				      DDNS_ADD, 60, &a, &ptr), 0);
	np_dns_name_to_text(a.owner, a.owner_len, text, sizeof(text));
	assert_string_equal(text, "laptop-2.lan.");
	/* Not a host name (RFC 952, RFC 1123 §2.1): nothing is published. */
	assert_int_equal(ddns_prepare("", &CLIENT1, ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr), NP_EINVAL);
	assert_int_equal(ddns_prepare("-x", &CLIENT1, ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr), NP_EINVAL);
	assert_int_equal(ddns_prepare("x-", &CLIENT1, ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr), NP_EINVAL);
	assert_int_equal(ddns_prepare("my laptop", &CLIENT1, ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr),
			 NP_EINVAL);
	assert_int_equal(ddns_prepare("a_b", &CLIENT1, ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr), NP_EINVAL);
	assert_int_equal(ddns_prepare(".lan", &CLIENT1, ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr), NP_EINVAL);
	/* 63 octets is a label, 64 is not (RFC 1035 §2.3.4). */
	memset(longest, 'h', 63);
	longest[63] = '\0';
	memset(too_long, 'h', 64);
	too_long[64] = '\0';
	assert_int_equal(ddns_prepare(longest, &CLIENT1, ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr), 0);
	assert_int_equal(ddns_prepare(too_long, &CLIENT1, ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr),
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
	assert_int_equal(ddns_prepare(host, &CLIENT1, ADDR, zone, NULL, DDNS_ADD, 60, &a, &ptr), NP_ENAME);
}

static void address_outside_reverse_zone(void **state)
{
	struct ddns_update a, ptr;
	uint8_t buf[DDNS_MSG_MAX];

	(void)state;
	/* 10.77.0.100 is not in 1.77.10.in-addr.arpa: the A update alone. */
	assert_int_equal(ddns_prepare("laptop", &CLIENT1, ADDR, "lan.", "1.77.10.in-addr.arpa.", DDNS_ADD,
				      60, &a, &ptr), NP_ENOTFOUND);
	assert_true(ddns_build(&a, 1, buf, sizeof(buf)) > 0);
	assert_int_equal(a.type, NP_DNS_TYPE_A);
}

static void small_buffer(void **state)
{
	struct ddns_update a, ptr;
	uint8_t buf[40];

	(void)state;
	assert_int_equal(ddns_prepare("laptop", &CLIENT1, ADDR, "lan.", NULL, DDNS_ADD, 60, &a, &ptr), 0);
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

/* ---- the sender, against a UDP socket of the test on 127.0.0.1 ---- */

struct peer {
	int fd;
	struct event_base *base;
	struct dhcpd_dns_update conf;
	struct ddns *d;
};

static int sender_setup(void **state)
{
	static struct peer p;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t sl = sizeof(sin);

	memset(&p, 0, sizeof(p));
	p.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (p.fd < 0 || bind(p.fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(p.fd, (struct sockaddr *)&sin, &sl) < 0)
		return -1;
	p.base = event_base_new();
	p.conf.enabled = true;
	p.conf.server.addr = 0x7f000001;
	p.conf.server.port = ntohs(sin.sin_port);
	strcpy(p.conf.zone, "lan.");
	p.conf.ttl = 300;
	p.conf.timeout_ms = 40;
	p.conf.retries = 1;
	p.conf.update_ptr = true;
	p.d = ddns_new(p.base, &p.conf);
	if (p.base == NULL || p.d == NULL)
		return -1;
	*state = &p;
	return 0;
}

static int sender_teardown(void **state)
{
	struct peer *p = *state;

	ddns_free(p->d);
	event_base_free(p->base);
	close(p->fd);
	return 0;
}

/* Run the loop for ms milliseconds. */
static void run_for(struct peer *p, int ms)
{
	struct timeval tv = { 0, ms * 1000 };

	event_base_loopexit(p->base, &tv);
	event_base_dispatch(p->base);
}

/* The next UPDATE that reached the peer: its length (0: none), bytes in buf. */
static size_t peer_recv(struct peer *p, uint8_t *buf, size_t cap, struct sockaddr_in *from)
{
	socklen_t sl = sizeof(*from);
	ssize_t n = recvfrom(p->fd, buf, cap, 0, (struct sockaddr *)from, &sl);

	return n < 0 ? 0 : (size_t)n;
}

static void peer_answer(struct peer *p, const uint8_t *q, uint16_t id, int rcode,
			const struct sockaddr_in *to)
{
	uint8_t a[12];

	memset(a, 0, sizeof(a));
	a[0] = (uint8_t)(id >> 8);
	a[1] = (uint8_t)id;
	a[2] = 0x80 | (NP_DNS_OPCODE_UPDATE << 3);
	a[3] = (uint8_t)rcode;
	(void)q;
	assert_int_equal(sendto(p->fd, a, sizeof(a), 0, (const struct sockaddr *)to, sizeof(*to)),
			 (ssize_t)sizeof(a));
}

static struct lease_data lease_rec(uint8_t state, const char *host)
{
	struct lease_data r;

	memset(&r, 0, sizeof(r));
	r.state = state;
	r.addr = ADDR;
	r.htype = 1;
	r.hlen = 6;
	memcpy(r.chaddr, MAC1, sizeof(MAC1));
	r.hostname_len = (uint8_t)strlen(host);
	memcpy(r.hostname, host, r.hostname_len);
	return r;
}

static uint16_t id_of(const uint8_t *q)
{
	return (uint16_t)(q[0] << 8 | q[1]);
}

/* The zone of an UPDATE (first name after the header): 1 for lan., 0 else. */
static int for_lan(const uint8_t *q, size_t n)
{
	return n > 17 && memcmp(q + 12, "\3lan\0", 5) == 0;
}

static void ack_claims_then_ptr_answers_counted(void **state)
{
	struct peer *p = *state;
	struct lease_data rec = lease_rec(LEASE_BOUND, "laptop");
	uint8_t q[DDNS_MSG_MAX];
	size_t n;
	struct sockaddr_in from;
	const struct ddns_stats *st = ddns_get_stats(p->d);

	/* No retransmission may fall between a send and its answer, however slow the machine. */
	p->conf.timeout_ms = 60000;
	ddns_lease(p->d, &rec);
	/* The forward name first; the PTR waits until the name is the client's. */
	assert_int_equal(ddns_in_flight(p->d), 1);
	n = peer_recv(p, q, sizeof(q), &from);
	assert_true(for_lan(q, n));
	assert_int_equal(q[2], 0x28);                    /* opcode 5 */
	assert_int_equal(q[7], 1);                       /* one prerequisite */
	/* An answer with a foreign id is ignored, then NOERROR. */
	peer_answer(p, q, id_of(q) ^ 0x5555, 0, &from);
	peer_answer(p, q, id_of(q), 0, &from);
	run_for(p, 20);
	assert_int_equal(st->noerror, 1);
	n = peer_recv(p, q, sizeof(q), &from);
	assert_true(n > 12 && !for_lan(q, n));           /* the PTR, reverse zone */
	peer_answer(p, q, id_of(q), NP_DNS_RCODE_REFUSED, &from);
	run_for(p, 20);
	assert_int_equal(st->failed, 1);
	assert_int_equal(st->last_rcode, NP_DNS_RCODE_REFUSED);
	assert_int_equal(ddns_in_flight(p->d), 0);
	assert_int_equal(st->queued, 2);
	assert_int_equal(st->sent, 2);
	assert_int_equal(st->retries, 0);
	/* A renewal of the published name sends nothing (update-optimization). */
	ddns_lease(p->d, &rec);
	assert_int_equal(st->unchanged, 1);
	assert_int_equal(st->queued, 2);
	assert_int_equal(ddns_in_flight(p->d), 0);
	/* Another client with that name and address is not "unchanged". */
	rec.chaddr[5] = 2;
	ddns_lease(p->d, &rec);
	assert_int_equal(st->queued, 3);
	(void)peer_recv(p, q, sizeof(q), &from);
	/* Another name for the address is published. */
	rec = lease_rec(LEASE_BOUND, "laptop2");
	ddns_lease(p->d, &rec);
	assert_int_equal(st->queued, 4);
	/* A release: the A (with the DHCID prerequisite) and the PTR. */
	rec = lease_rec(LEASE_RELEASED, "laptop2");
	ddns_lease(p->d, &rec);
	assert_int_equal(st->queued, 6);
	rec = lease_rec(LEASE_BOUND, "laptop2");
	ddns_lease(p->d, &rec);
	assert_int_equal(st->queued, 7);
	assert_int_equal(st->unchanged, 1);
}

/* RFC 4703 §5.3.1: YXDOMAIN, then the DHCID check; NXRRSET: the name is another's. */
static void name_of_another_client_is_a_conflict(void **state)
{
	struct peer *p = *state;
	struct lease_data rec = lease_rec(LEASE_BOUND, "printer");
	uint8_t q[DDNS_MSG_MAX];
	struct np_dns_msg m;
	struct np_dns_rr rr;
	struct np_dns_iter it;
	size_t n;
	struct sockaddr_in from;
	const struct ddns_stats *st = ddns_get_stats(p->d);

	ddns_lease(p->d, &rec);
	n = peer_recv(p, q, sizeof(q), &from);
	assert_true(for_lan(q, n));
	peer_answer(p, q, id_of(q), DDNS_RCODE_YXDOMAIN, &from);
	run_for(p, 20);
	/* The second UPDATE: its prerequisite is the client's DHCID. */
	n = peer_recv(p, q, sizeof(q), &from);
	assert_true(for_lan(q, n));
	assert_int_equal(np_dns_msg_parse(q, n, &m), 0);
	np_dns_iter_init(&it, &m);
	while (np_dns_iter_next(&it, &rr) > 0 && rr.section != NP_DNS_SEC_ANSWER)
		;
	assert_int_equal(rr.section, NP_DNS_SEC_ANSWER);
	assert_int_equal(rr.type, DHCID_TYPE);
	assert_int_equal(rr.rclass, NP_DNS_CLASS_IN);
	peer_answer(p, q, id_of(q), DDNS_RCODE_NXRRSET, &from);
	run_for(p, 20);
	assert_int_equal(st->conflicts, 1);
	assert_int_equal(st->failed, 0);
	/* No PTR for a name that is not the client's; nothing left in flight. */
	assert_int_equal(ddns_in_flight(p->d), 0);
	assert_int_equal(peer_recv(p, q, sizeof(q), &from), 0);
	assert_int_equal(st->queued, 2);
	/* Not remembered as published: the next renewal tries again. */
	ddns_lease(p->d, &rec);
	assert_int_equal(st->unchanged, 0);
	assert_int_equal(st->queued, 3);
	n = peer_recv(p, q, sizeof(q), &from);
	peer_answer(p, q, id_of(q), DDNS_RCODE_YXDOMAIN, &from);
	run_for(p, 20);
	n = peer_recv(p, q, sizeof(q), &from);
	peer_answer(p, q, id_of(q), NP_DNS_RCODE_NOERROR, &from);   /* its own: a renewal */
	run_for(p, 20);
	assert_int_equal(st->conflicts, 1);
	n = peer_recv(p, q, sizeof(q), &from);
	assert_true(n > 12 && !for_lan(q, n));           /* now the PTR */
	/* Its release: the name is gone already (NXRRSET): left alone, counted. */
	rec = lease_rec(LEASE_RELEASED, "printer");
	p->conf.update_ptr = false;
	ddns_lease(p->d, &rec);
	n = peer_recv(p, q, sizeof(q), &from);
	while (n > 0 && !for_lan(q, n))
		n = peer_recv(p, q, sizeof(q), &from);
	assert_true(n > 0);
	peer_answer(p, q, id_of(q), DDNS_RCODE_NXRRSET, &from);
	run_for(p, 20);
	assert_int_equal(st->not_owned, 1);
}

/* Whether the octets of s occur in buf. */
static bool find_bytes(const uint8_t *buf, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(buf + i, s, k) == 0)
			return true;
	return false;
}

/* With conflict = "suffix", the client gets printer-0001.lan. and its PTR points there. */
static void conflict_suffix_claims_derived_name(void **state)
{
	struct peer *p = *state;
	struct lease_data rec = lease_rec(LEASE_BOUND, "printer");
	static const char label[] = "\x0cprinter-0001";   /* its first label, on the wire */
	uint8_t q[DDNS_MSG_MAX];
	struct np_dns_msg m;
	struct np_dns_rr rr;
	struct np_dns_iter it;
	size_t n;
	struct sockaddr_in from;
	const struct ddns_stats *st = ddns_get_stats(p->d);

	p->conf.timeout_ms = 60000;
	p->conf.conflict = DHCPD_DDNS_CONFLICT_SUFFIX;
	ddns_lease(p->d, &rec);
	n = peer_recv(p, q, sizeof(q), &from);
	peer_answer(p, q, id_of(q), DDNS_RCODE_YXDOMAIN, &from);
	run_for(p, 20);
	n = peer_recv(p, q, sizeof(q), &from);
	assert_true(for_lan(q, n));
	peer_answer(p, q, id_of(q), DDNS_RCODE_NXRRSET, &from);
	run_for(p, 20);
	assert_int_equal(st->conflicts, 1);
	assert_int_equal(st->derived, 1);
	/* Step 1 again, for the derived name: "not in use", add its A and DHCID. */
	n = peer_recv(p, q, sizeof(q), &from);
	assert_true(for_lan(q, n));
	assert_true(find_bytes(q, n, label));
	assert_int_equal(np_dns_msg_parse(q, n, &m), 0);
	np_dns_iter_init(&it, &m);
	while (np_dns_iter_next(&it, &rr) > 0 && rr.section != NP_DNS_SEC_ANSWER)
		;
	assert_int_equal(rr.section, NP_DNS_SEC_ANSWER);
	assert_int_equal(rr.type, NP_DNS_TYPE_ANY);
	assert_int_equal(rr.rclass, DDNS_CLASS_NONE);
	peer_answer(p, q, id_of(q), NP_DNS_RCODE_NOERROR, &from);
	run_for(p, 20);
	/* The PTR follows, naming the derived name. */
	n = peer_recv(p, q, sizeof(q), &from);
	assert_true(n > 12 && !for_lan(q, n));
	assert_true(find_bytes(q, n, label));
	assert_int_equal(st->failed, 0);
	p->conf.conflict = DHCPD_DDNS_CONFLICT_NO_NAME;
}

static void unanswered_update_is_resent_then_given_up(void **state)
{
	struct peer *p = *state;
	struct lease_data rec = lease_rec(LEASE_RELEASED, "laptop");
	uint8_t q[4][DDNS_MSG_MAX];
	size_t n[4];
	struct sockaddr_in from;
	const struct ddns_stats *st = ddns_get_stats(p->d);
	struct np_dns_msg m;

	p->conf.update_ptr = false;                     /* the A update alone */
	ddns_lease(p->d, &rec);
	/* Timeout 40 ms, 1 retry: done in about 80 ms; up to 5 s on a busy machine. */
	for (int i = 0; i < 250 && ddns_in_flight(p->d) > 0; i++)
		run_for(p, 20);
	n[0] = peer_recv(p, q[0], sizeof(q[0]), &from);
	n[1] = peer_recv(p, q[1], sizeof(q[1]), &from);
	n[2] = peer_recv(p, q[2], sizeof(q[2]), &from);
	/* Sent twice, the same message (same id), then given up. */
	assert_true(n[0] > 0);
	assert_int_equal(n[1], n[0]);
	assert_memory_equal(q[0], q[1], n[0]);
	assert_int_equal(n[2], 0);
	assert_int_equal(st->sent, 2);
	assert_int_equal(st->retries, 1);
	assert_int_equal(st->timeouts, 1);
	assert_int_equal(ddns_in_flight(p->d), 0);
	/* A release deletes the one record: it parses, class NONE. */
	assert_int_equal(np_dns_msg_parse(q[0], n[0], &m), 0);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_AUTHORITY], 1);
	(void)n[3];
	(void)q[3];
}

static void what_is_not_published(void **state)
{
	struct peer *p = *state;
	struct lease_data bad = lease_rec(LEASE_BOUND, "my laptop");
	struct lease_data offered = lease_rec(LEASE_OFFERED, "laptop");
	struct lease_data declined = lease_rec(LEASE_DECLINED, "laptop");
	struct lease_data nameless = lease_rec(LEASE_BOUND, "");
	struct lease_data freed = lease_rec(LEASE_BOUND, "laptop");
	uint8_t q[DDNS_MSG_MAX];
	struct sockaddr_in from;

	freed.state = LEASE_FREE;
	ddns_lease(p->d, &bad);
	ddns_lease(p->d, &offered);
	ddns_lease(p->d, &declined);
	ddns_lease(p->d, &nameless);
	ddns_lease(p->d, &freed);
	ddns_lease(NULL, &bad);                          /* no dns_update: nothing */
	assert_int_equal(ddns_get_stats(p->d)->invalid_names, 1);
	assert_int_equal(ddns_get_stats(p->d)->queued, 0);
	assert_int_equal(peer_recv(p, q, sizeof(q), &from), 0);
}

static void too_many_in_flight_are_dropped(void **state)
{
	struct peer *p = *state;
	const struct ddns_stats *st = ddns_get_stats(p->d);
	char host[16];

	p->conf.timeout_ms = 60000;
	for (int i = 0; i < 300; i++) {
		struct lease_data rec;

		snprintf(host, sizeof(host), "h%d", i);
		rec = lease_rec(LEASE_BOUND, host);
		rec.addr = ADDR + (uint32_t)i;
		ddns_name(p->d, &rec, DDNS_ADD);
	}
	/* 300 updates (the PTRs wait for them), 256 in flight at most: the rest dropped. */
	assert_int_equal(ddns_in_flight(p->d), 256);
	assert_int_equal(st->queued, 256);
	assert_int_equal(st->dropped, 300 - 256);
}

/* ---- the engine's answer to a client FQDN option (RFC 4702 §4) ---- */

#define NET 0x0a4d0000u
static const struct engine_pool fq_pools[] = { { NET + 100, NET + 109, 0, 0 } };
static const struct engine_subnet fq_subnets[] = {
	{ .addr = NET, .prefix = 24, .ifindex = 3, .pools = fq_pools, .npools = 1,
	  .lease_time = 3600 },
};

struct fq {
	struct engine_config cfg;
	struct lease_table *lt;
	struct engine *e;
	struct engine_out out;
	uint8_t opt[300];
	int optlen;                    /* option 81 in the reply, -1 none */
};

static struct fq *fq_new(const char *zone)
{
	static struct fq f;

	memset(&f, 0, sizeof(f));
	f.cfg.offer_hold = 30;
	f.cfg.subnets = fq_subnets;
	f.cfg.nsubnets = 1;
	f.cfg.fqdn_zone = zone;
	f.lt = lease_table_new(&test_key);
	assert_non_null(f.lt);
	assert_int_equal(engine_new(&f.cfg, f.lt, &f.e), 0);
	return &f;
}

static void fq_free(struct fq *f)
{
	engine_free(f->e);
	lease_table_free(f->lt);
}

/* A DISCOVER from ...:mac with option 81 (opt81, n octets; NULL none) and 12. */
static void fq_discover(struct fq *f, uint8_t mac, const uint8_t *opt81, size_t n,
			const char *hostname)
{
	struct np_dhcp4 h = { .op = NP_BOOTREQUEST, .htype = 1, .hlen = 6, .xid = 7 };
	struct np_dhcp4_builder b;
	struct engine_rx rx = { .ifindex = 3, .local_addr = NET + 1 };
	struct np_dhcp4 r;
	uint8_t buf[600];
	int len;

	memcpy(h.chaddr, "\x02\x00\x5e\x00\x00", 5);
	h.chaddr[5] = mac;
	assert_int_equal(np_dhcp4_builder_init(&b, &h, buf, sizeof(buf), 1500, 0), 0);
	np_dhcp4_add_u8(&b, NP_DHCP4_OPT_MSG_TYPE, NP_DHCPDISCOVER);
	if (hostname != NULL)
		np_dhcp4_add_string(&b, NP_DHCP4_OPT_HOSTNAME, hostname);
	if (opt81 != NULL)
		np_dhcp4_add(&b, 81, opt81, n);
	len = np_dhcp4_builder_finish(&b);
	assert_true(len > 0);
	assert_int_equal(engine_handle(f->e, buf, (size_t)len, &rx, 1763770000, &f->out), 0);
	assert_int_equal(f->out.type, NP_DHCPOFFER);
	assert_int_equal(np_dhcp4_parse(f->out.buf, f->out.len, &r), 0);
	f->optlen = np_dhcp4_opt_get(&r, 81, f->opt, sizeof(f->opt));
	if (f->optlen == NP_ENOTFOUND)
		f->optlen = -1;
}

static void fqdn_wire_form_answered_with_s(void **state)
{
	struct fq *f = fq_new("lan.example.net");
	/* E and S, rcodes 0, "laptop" as a partial wire name (RFC 4702 §2.3.1). */
	static const uint8_t o[] = { 0x05, 0, 0, 6, 'l', 'a', 'p', 't', 'o', 'p' };
	static const uint8_t want[] = {
		0x05, 255, 255,
		6, 'l', 'a', 'p', 't', 'o', 'p', 3, 'l', 'a', 'n',
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'n', 'e', 't', 0,
	};
	struct lease_client c = { .htype = 1, .hlen = 6, .chaddr = { 2, 0, 0x5e, 0, 0, 1 } };

	(void)state;
	fq_discover(f, 1, o, sizeof(o), NULL);
	assert_int_equal(f->optlen, sizeof(want));
	assert_memory_equal(f->opt, want, sizeof(want));
	/* Without option 12, the FQDN's host label is the lease's name. */
	assert_string_equal(lease_by_client(f->lt, &c)->hostname, "laptop");
	fq_free(f);
}

static void fqdn_ascii_form_overridden(void **state)
{
	struct fq *f = fq_new("lan.");
	/* No flags (the client updates itself), ASCII "desk.example.org". */
	static const uint8_t o[] = { 0x00, 0, 0, 'd', 'e', 's', 'k', '.', 'e', 'x', 'a', 'm', 'p',
				     'l', 'e', '.', 'o', 'r', 'g' };
	static const uint8_t want[] = { 0x03, 255, 255, 'd', 'e', 's', 'k', '.', 'l', 'a', 'n', '.' };

	(void)state;
	fq_discover(f, 2, o, sizeof(o), NULL);
	/* S and O: the server updates, overriding the client (§4). */
	assert_int_equal(f->optlen, sizeof(want));
	assert_memory_equal(f->opt, want, sizeof(want));
	/* Option 12 names the host when both are sent. */
	fq_discover(f, 3, o, sizeof(o), "printer");
	assert_int_equal(f->opt[0], 0x03);
	assert_memory_equal(f->opt + 3, "printer.lan.", 12);
	fq_free(f);
}

static void fqdn_without_name_or_zone(void **state)
{
	struct fq *f = fq_new("lan.");
	static const uint8_t empty[] = { 0x05, 0, 0, 0 };    /* E, S, the root name: no host */
	static const uint8_t o[] = { 0x01, 0, 0, 'p', 'c' };

	(void)state;
	fq_discover(f, 4, empty, sizeof(empty), NULL);
	/* Nothing to publish: N, E kept, no name. */
	assert_int_equal(f->optlen, 3);
	assert_int_equal(f->opt[0], NP_DHCP4_FQDN_N | NP_DHCP4_FQDN_E);
	/* No option 81 from the client: none back. */
	fq_discover(f, 5, NULL, 0, "pc");
	assert_int_equal(f->optlen, -1);
	fq_free(f);
	/* Without dns_update the option is not answered at all. */
	f = fq_new(NULL);
	fq_discover(f, 6, o, sizeof(o), NULL);
	assert_int_equal(f->optlen, -1);
	fq_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(claim_bytes),
		cmocka_unit_test(reclaim_bytes),
		cmocka_unit_test(claim_reads_back),
		cmocka_unit_test(steps_by_rcode),
		cmocka_unit_test(derived_name_steps),
		cmocka_unit_test(dhcid_rfc4701_examples),
		cmocka_unit_test(add_ptr_bytes_and_default_reverse_zone),
		cmocka_unit_test(delete_messages_parse),
		cmocka_unit_test(host_names),
		cmocka_unit_test(name_too_long_for_zone),
		cmocka_unit_test(address_outside_reverse_zone),
		cmocka_unit_test(small_buffer),
		cmocka_unit_test(answers),
		cmocka_unit_test(fqdn_wire_form_answered_with_s),
		cmocka_unit_test(fqdn_ascii_form_overridden),
		cmocka_unit_test(fqdn_without_name_or_zone),
		cmocka_unit_test_setup_teardown(ack_claims_then_ptr_answers_counted, sender_setup,
						sender_teardown),
		cmocka_unit_test_setup_teardown(conflict_suffix_claims_derived_name, sender_setup,
						sender_teardown),
		cmocka_unit_test_setup_teardown(name_of_another_client_is_a_conflict, sender_setup,
						sender_teardown),
		cmocka_unit_test_setup_teardown(unanswered_update_is_resent_then_given_up,
						sender_setup, sender_teardown),
		cmocka_unit_test_setup_teardown(what_is_not_published, sender_setup,
						sender_teardown),
		cmocka_unit_test_setup_teardown(too_many_in_flight_are_dropped, sender_setup,
						sender_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
