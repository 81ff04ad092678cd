/*
 * test-dhcp4.c: DHCPv4 messages and options against messages captured from
 * dhclient, udhcpc, dhcpcd and dnsmasq, and hand-made malformed ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/buf.h>
#include <netproto/dhcp4.h>
#include <netproto/dns.h>
#include <netproto/error.h>

#include "testutil.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static const uint8_t client_mac[6] = { 0x02, 0, 0, 0, 0, 0x0c };

static const char *const captures[] = {
	"dhcp4-discover-dhclient.hex", "dhcp4-request-dhclient.hex",
	"dhcp4-offer-dnsmasq.hex",     "dhcp4-ack-dnsmasq.hex",
	"dhcp4-discover-udhcpc.hex",   "dhcp4-request-udhcpc.hex",
	"dhcp4-ack-dnsmasq-udhcpc.hex", "dhcp4-discover-dhcpcd.hex",
	"dhcp4-request-dhcpcd.hex",    "dhcp4-ack-dnsmasq-dhcpcd.hex",
	"dhcp4-ack-kea.hex",
};

/*
 * Load a captured Ethernet/IPv4/UDP frame and return the DHCP message in it
 * (the UDP payload, trimmed to the UDP length).
 */
static size_t load_msg(const char *name, uint8_t *frame, size_t cap, const uint8_t **msg)
{
	size_t len = np_test_load_hex(name, frame, cap);
	size_t off, udp_len;

	assert_true(len > 14 + 20 + 8);
	assert_int_equal(np_load_be16(frame + 12), 0x0800);
	assert_int_equal(frame[14 + 9], 17);
	off = 14 + (size_t)(frame[14] & 0x0f) * 4;
	udp_len = np_load_be16(frame + off + 4);
	assert_true(udp_len >= 8 && off + udp_len <= len);
	*msg = frame + off + 8;
	return udp_len - 8;
}

static void parse_capture(const char *name, uint8_t *frame, size_t cap, struct np_dhcp4 *m)
{
	const uint8_t *msg;
	size_t len = load_msg(name, frame, cap, &msg);

	assert_int_equal(np_dhcp4_parse(msg, len, m), 0);
	assert_int_equal(np_dhcp4_opts_validate(m), 0);
}

/* A hand-made message: zeroed fixed part, cookie, then the options in hex. */
static size_t make_msg(uint8_t *buf, size_t cap, const char *options_hex)
{
	memset(buf, 0, cap);
	buf[0] = NP_BOOTREQUEST;
	buf[1] = 1;
	buf[2] = 6;
	memcpy(buf + 28, client_mac, 6);
	np_store_be32(buf + 236, NP_DHCP4_COOKIE);
	return NP_DHCP4_HDR_LEN + np_test_hex(options_hex, buf + NP_DHCP4_HDR_LEN,
					      cap - NP_DHCP4_HDR_LEN);
}

static void name_text(const uint8_t *wire, size_t len, char *out, size_t cap)
{
	assert_true(np_dns_name_to_text(wire, len, out, cap) > 0);
}

/* ---- Real captures ---------------------------------------------------- */

static void parses_dhclient_discover(void **state)
{
	uint8_t frame[1600], type = 0;
	char host[64];
	struct np_dhcp4 m;

	(void)state;
	parse_capture("dhcp4-discover-dhclient.hex", frame, sizeof(frame), &m);
	assert_int_equal(m.op, NP_BOOTREQUEST);
	assert_int_equal(m.htype, 1);
	assert_int_equal(m.hlen, 6);
	assert_int_equal(m.hops, 0);
	assert_int_equal(m.xid, 0xb82d2478);
	assert_int_equal(m.flags & NP_DHCP4_FLAG_BROADCAST, 0);
	assert_int_equal(m.ciaddr, 0);
	assert_int_equal(m.yiaddr, 0);
	assert_memory_equal(m.chaddr, client_mac, 6);
	assert_int_equal(m.sname[0], 0);
	assert_int_equal(m.file[0], 0);
	/* dhclient sends exactly the BOOTP minimum of 300 octets. */
	assert_int_equal(m.options_len, 300 - NP_DHCP4_HDR_LEN);
	assert_int_equal(np_dhcp4_get_msg_type(&m, &type), 0);
	assert_int_equal(type, NP_DHCPDISCOVER);
	assert_string_equal(np_dhcp4_msg_type_name(type), "DISCOVER");
	assert_int_equal(np_dhcp4_get_string(&m, NP_DHCP4_OPT_HOSTNAME, host, sizeof(host)), 13);
	assert_string_equal(host, "dhclient-host");
	assert_int_equal(np_dhcp4_get_string(&m, NP_DHCP4_OPT_HOSTNAME, host, 13), NP_ENOSPC);
	assert_false(np_dhcp4_opt_has(&m, NP_DHCP4_OPT_REQUESTED_IP));
}

static void parses_dhclient_request(void **state)
{
	uint8_t frame[1600], type = 0;
	uint32_t addr = 0;
	struct np_dhcp4 m;

	(void)state;
	parse_capture("dhcp4-request-dhclient.hex", frame, sizeof(frame), &m);
	assert_int_equal(np_dhcp4_get_msg_type(&m, &type), 0);
	assert_int_equal(type, NP_DHCPREQUEST);
	assert_int_equal(np_dhcp4_get_addr(&m, NP_DHCP4_OPT_REQUESTED_IP, &addr), 0);
	assert_int_equal(addr, IP4(10, 77, 0, 145));
	assert_int_equal(np_dhcp4_get_addr(&m, NP_DHCP4_OPT_SERVER_ID, &addr), 0);
	assert_int_equal(addr, IP4(10, 77, 0, 1));
	assert_int_equal(np_dhcp4_get_addr(&m, NP_DHCP4_OPT_SUBNET_MASK, &addr), NP_ENOTFOUND);
	/* A 1-octet option is not an address. */
	assert_int_equal(np_dhcp4_get_addr(&m, NP_DHCP4_OPT_MSG_TYPE, &addr), NP_EBADLEN);
}

static void parses_dnsmasq_ack(void **state)
{
	uint8_t frame[1600], type = 0, names[512];
	uint32_t v = 0, addrs[4];
	char text[NP_DNS_NAME_TEXT_MAX];
	struct np_dhcp4_route rt[4];
	struct np_dhcp4 m;
	size_t names_len = 0, off;
	int n;

	(void)state;
	parse_capture("dhcp4-ack-dnsmasq.hex", frame, sizeof(frame), &m);
	assert_int_equal(m.op, NP_BOOTREPLY);
	assert_int_equal(m.xid, 0xb82d2478);
	assert_int_equal(m.yiaddr, IP4(10, 77, 0, 145));
	assert_int_equal(m.siaddr, IP4(10, 77, 0, 1));
	assert_int_equal(m.giaddr, 0);
	assert_int_equal(np_dhcp4_get_msg_type(&m, &type), 0);
	assert_string_equal(np_dhcp4_msg_type_name(type), "ACK");
	assert_int_equal(np_dhcp4_get_u32(&m, NP_DHCP4_OPT_LEASE_TIME, &v), 0);
	assert_int_equal(v, 3600);
	assert_int_equal(np_dhcp4_get_u32(&m, NP_DHCP4_OPT_T1, &v), 0);
	assert_int_equal(v, 1800);
	assert_int_equal(np_dhcp4_get_u32(&m, NP_DHCP4_OPT_T2, &v), 0);
	assert_int_equal(v, 3150);
	assert_int_equal(np_dhcp4_get_addr(&m, NP_DHCP4_OPT_SUBNET_MASK, &v), 0);
	assert_int_equal(v, IP4(255, 255, 255, 0));
	assert_int_equal(np_dhcp4_get_addr(&m, NP_DHCP4_OPT_BROADCAST, &v), 0);
	assert_int_equal(v, IP4(10, 77, 0, 255));
	assert_int_equal(np_dhcp4_get_string(&m, NP_DHCP4_OPT_DOMAIN_NAME, text, sizeof(text)), 11);
	assert_string_equal(text, "example.net");
	assert_int_equal(np_dhcp4_get_addrs(&m, NP_DHCP4_OPT_ROUTER, addrs, 4), 1);
	assert_int_equal(addrs[0], IP4(10, 77, 0, 1));
	assert_int_equal(np_dhcp4_get_addrs(&m, NP_DHCP4_OPT_DNS, addrs, 4), 2);
	assert_int_equal(addrs[1], IP4(10, 77, 0, 2));
	assert_int_equal(np_dhcp4_get_addrs(&m, NP_DHCP4_OPT_DNS, addrs, 1), NP_ENOSPC);
	assert_int_equal(np_dhcp4_get_addrs(&m, NP_DHCP4_OPT_NTP, addrs, 4), 1);
	assert_int_equal(addrs[0], IP4(10, 77, 0, 1));

	/* --dhcp-option-force=option:classless-static-route,... */
	assert_int_equal(np_dhcp4_get_routes(&m, rt, 4), 3);
	assert_int_equal(rt[0].dest, IP4(192, 168, 0, 0));
	assert_int_equal(rt[0].prefix_len, 16);
	assert_int_equal(rt[0].router, IP4(10, 77, 0, 1));
	assert_int_equal(rt[1].dest, IP4(10, 10, 0, 0));
	assert_int_equal(rt[1].prefix_len, 24);
	assert_int_equal(rt[1].router, IP4(10, 77, 0, 2));
	assert_int_equal(rt[2].dest, 0);
	assert_int_equal(rt[2].prefix_len, 0);
	assert_int_equal(np_dhcp4_get_routes(&m, rt, 2), NP_ENOSPC);

	/* dnsmasq compresses "lab.example.net" against "example.net". */
	n = np_dhcp4_get_domain_search(&m, names, sizeof(names), &names_len);
	assert_int_equal(n, 3);
	off = 0;
	name_text(names, 13, text, sizeof(text));
	assert_string_equal(text, "example.net.");
	off += 13;
	name_text(names + off, 17, text, sizeof(text));
	assert_string_equal(text, "lab.example.net.");
	off += 17;
	name_text(names + off, names_len - off, text, sizeof(text));
	assert_string_equal(text, "corp.example.org.");
	assert_int_equal(np_dhcp4_get_domain_search(&m, names, 20, &names_len), NP_ENOSPC);
}

/* Kea writes option 119 without compression and 121 as configured. */
static void parses_kea_ack(void **state)
{
	uint8_t frame[1600], names[512], type = 0;
	uint32_t v = 0;
	char text[NP_DNS_NAME_TEXT_MAX], host[32];
	struct np_dhcp4_route rt[4];
	struct np_dhcp4 m;
	size_t names_len = 0;

	(void)state;
	parse_capture("dhcp4-ack-kea.hex", frame, sizeof(frame), &m);
	assert_int_equal(m.op, NP_BOOTREPLY);
	assert_int_equal(m.xid, 0xdc5b493d);
	assert_int_equal(m.yiaddr, IP4(10, 77, 0, 100));
	assert_memory_equal(m.chaddr, client_mac, 6);
	assert_int_equal(np_dhcp4_get_msg_type(&m, &type), 0);
	assert_int_equal(type, NP_DHCPACK);
	assert_int_equal(np_dhcp4_get_u32(&m, NP_DHCP4_OPT_LEASE_TIME, &v), 0);
	assert_int_equal(v, 3600);
	assert_int_equal(np_dhcp4_get_u32(&m, NP_DHCP4_OPT_T1, &v), 0);
	assert_int_equal(v, 900);
	assert_int_equal(np_dhcp4_get_u32(&m, NP_DHCP4_OPT_T2, &v), 0);
	assert_int_equal(v, 1800);
	assert_int_equal(np_dhcp4_get_string(&m, NP_DHCP4_OPT_HOSTNAME, host, sizeof(host)), 13);
	assert_string_equal(host, "dhclient-host");
	assert_int_equal(np_dhcp4_get_domain_search(&m, names, sizeof(names), &names_len), 2);
	assert_int_equal(names_len, 13 + 17);
	name_text(names + 13, 17, text, sizeof(text));
	assert_string_equal(text, "lab.example.net.");
	assert_int_equal(np_dhcp4_get_routes(&m, rt, 4), 2);
	assert_int_equal(rt[0].dest, IP4(192, 168, 0, 0));
	assert_int_equal(rt[0].prefix_len, 16);
	assert_int_equal(rt[1].prefix_len, 0);
	assert_int_equal(rt[1].router, IP4(10, 77, 0, 1));
}

static void parses_udhcpc_discover(void **state)
{
	static const uint8_t cid[] = { 0x01, 0x02, 0, 0, 0, 0, 0x0c };
	uint8_t frame[1600], codes[64], id[32];
	uint16_t size = 0;
	char text[64];
	struct np_dhcp4_fqdn f;
	struct np_dhcp4 m;
	int n;

	(void)state;
	parse_capture("dhcp4-discover-udhcpc.hex", frame, sizeof(frame), &m);
	assert_int_equal(np_dhcp4_get_max_size(&m, &size), 0);
	assert_int_equal(size, 576);
	n = np_dhcp4_get_param_list(&m, codes, sizeof(codes));
	assert_int_equal(n, 9);
	assert_true(np_dhcp4_param_list_has(codes, (size_t)n, NP_DHCP4_OPT_DOMAIN_SEARCH));
	assert_true(np_dhcp4_param_list_has(codes, (size_t)n, NP_DHCP4_OPT_CLASSLESS_ROUTE));
	assert_false(np_dhcp4_param_list_has(codes, (size_t)n, NP_DHCP4_OPT_LEASE_TIME));
	assert_int_equal(np_dhcp4_get_param_list(&m, codes, 8), NP_ENOSPC);
	/* -x 0x3d:01020000000c */
	assert_int_equal(np_dhcp4_get_client_id(&m, id, sizeof(id)), 7);
	assert_memory_equal(id, cid, sizeof(cid));
	assert_int_equal(np_dhcp4_get_string(&m, NP_DHCP4_OPT_VENDOR_CLASS, text, sizeof(text)), 12);
	assert_string_equal(text, "udhcp 1.35.0");
	/* -F udhcpc-host.example.net: the deprecated ASCII form (E clear). */
	assert_int_equal(np_dhcp4_get_fqdn(&m, &f), 0);
	assert_int_equal(f.flags, NP_DHCP4_FQDN_S);
	assert_int_equal(f.rcode1, 0);
	assert_int_equal(f.rcode2, 0);
	assert_int_equal(f.name_len, 23);
	assert_memory_equal(f.name, "udhcpc-host.example.net", 23);
}

static void parses_udhcpc_request_and_ack(void **state)
{
	uint8_t frame[1600], type = 0;
	uint32_t addr = 0;
	struct np_dhcp4_fqdn f;
	struct np_dhcp4 m;

	(void)state;
	parse_capture("dhcp4-request-udhcpc.hex", frame, sizeof(frame), &m);
	assert_int_equal(np_dhcp4_get_msg_type(&m, &type), 0);
	assert_int_equal(type, NP_DHCPREQUEST);
	assert_int_equal(m.xid, 0xaebefc06);
	assert_int_equal(np_dhcp4_get_addr(&m, NP_DHCP4_OPT_REQUESTED_IP, &addr), 0);
	assert_int_equal(addr, IP4(10, 77, 0, 145));

	/* dnsmasq answers ASCII with ASCII and RCODEs 255 (RFC 4702 §2.2). */
	parse_capture("dhcp4-ack-dnsmasq-udhcpc.hex", frame, sizeof(frame), &m);
	assert_int_equal(np_dhcp4_get_fqdn(&m, &f), 0);
	assert_int_equal(f.flags & NP_DHCP4_FQDN_E, 0);
	assert_int_equal(f.rcode1, 255);
	assert_int_equal(f.rcode2, 255);
	assert_memory_equal(f.name, "udhcpc-host.example.net", 23);
}

static void parses_dhcpcd_fqdn(void **state)
{
	uint8_t frame[1600];
	uint16_t size = 0;
	char text[NP_DNS_NAME_TEXT_MAX];
	struct np_dhcp4_fqdn f;
	struct np_dhcp4 m;

	(void)state;
	parse_capture("dhcp4-discover-dhcpcd.hex", frame, sizeof(frame), &m);
	assert_int_equal(m.secs, 5);
	assert_int_equal(np_dhcp4_get_max_size(&m, &size), 0);
	assert_int_equal(size, 1472);
	/* -h dhcpcd-host -F both: wire encoding of the host label only (partial). */
	assert_int_equal(np_dhcp4_get_fqdn(&m, &f), 0);
	assert_int_equal(f.flags, NP_DHCP4_FQDN_S | NP_DHCP4_FQDN_E);
	assert_true(f.partial);
	name_text(f.name, f.name_len, text, sizeof(text));
	assert_string_equal(text, "dhcpcd-host.");
	assert_false(np_dhcp4_opt_has(&m, NP_DHCP4_OPT_CLIENT_ID));

	/* dnsmasq completes it with its domain, fully qualified. */
	parse_capture("dhcp4-ack-dnsmasq-dhcpcd.hex", frame, sizeof(frame), &m);
	assert_int_equal(np_dhcp4_get_fqdn(&m, &f), 0);
	assert_false(f.partial);
	assert_int_equal(f.rcode1, 255);
	name_text(f.name, f.name_len, text, sizeof(text));
	assert_string_equal(text, "dhcpcd-host.example.net.");
}

/* ---- Round trips ------------------------------------------------------ */

/* np_dhcp4_build() of a parsed capture gives back the captured bytes. */
static void build_reproduces_captures(void **state)
{
	uint8_t frame[1600], out[1600];
	const uint8_t *msg;
	struct np_dhcp4 m;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		len = load_msg(captures[i], frame, sizeof(frame), &msg);
		assert_int_equal(np_dhcp4_parse(msg, len, &m), 0);
		assert_int_equal(np_dhcp4_build(&m, out, sizeof(out)), len);
		assert_memory_equal(out, msg, len);
		assert_int_equal(np_dhcp4_build(&m, out, len - 1), NP_ENOSPC);
	}
}

/* Options as code -> concatenated value, in order of first appearance. */
struct optset {
	size_t n;
	uint8_t code[64];
	uint8_t val[64][512];
	int len[64];
};

static void collect(const struct np_dhcp4 *m, struct optset *s)
{
	struct np_dhcp4_iter it;
	struct np_dhcp4_opt o;
	size_t i;
	int rc;

	memset(s, 0, sizeof(*s));
	np_dhcp4_iter_init(&it, m);
	while ((rc = np_dhcp4_iter_next(&it, &o)) > 0) {
		if (o.code == NP_DHCP4_OPT_OVERLOAD)
			continue;
		for (i = 0; i < s->n && s->code[i] != o.code; i++)
			;
		if (i == s->n) {
			assert_true(s->n < 64);
			s->code[s->n++] = o.code;
			s->len[i] = np_dhcp4_opt_get(m, o.code, s->val[i], sizeof(s->val[i]));
			assert_true(s->len[i] >= 0);
		}
	}
	assert_int_equal(rc, 0);
}

static void rebuild(const struct np_dhcp4 *m, uint8_t *out, size_t cap, uint16_t max_size,
		    unsigned flags, struct np_dhcp4 *back)
{
	struct np_dhcp4_builder b;
	struct optset s;
	size_t i;
	int len;

	collect(m, &s);
	assert_int_equal(np_dhcp4_builder_init(&b, m, out, cap, max_size, flags), 0);
	for (i = 0; i < s.n; i++)
		assert_int_equal(np_dhcp4_add(&b, s.code[i], s.val[i], (size_t)s.len[i]), 0);
	len = np_dhcp4_builder_finish(&b);
	assert_true(len >= NP_DHCP4_BOOTP_MIN_LEN);
	assert_int_equal(np_dhcp4_parse(out, (size_t)len, back), 0);
}

static void assert_same_options(const struct np_dhcp4 *a, const struct np_dhcp4 *b)
{
	static struct optset sa, sb;
	size_t i;

	collect(a, &sa);
	collect(b, &sb);
	assert_int_equal(sa.n, sb.n);
	for (i = 0; i < sa.n; i++) {
		assert_int_equal(sa.code[i], sb.code[i]);
		assert_int_equal(sa.len[i], sb.len[i]);
		assert_memory_equal(sa.val[i], sb.val[i], (size_t)sa.len[i]);
	}
}

/* parse -> builder -> parse keeps the fixed part and every option value. */
static void builder_round_trip_captures(void **state)
{
	uint8_t frame[1600], out[1600];
	struct np_dhcp4 m, back;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		parse_capture(captures[i], frame, sizeof(frame), &m);
		rebuild(&m, out, sizeof(out), 0, 0, &back);
		assert_int_equal(back.op, m.op);
		assert_int_equal(back.xid, m.xid);
		assert_int_equal(back.secs, m.secs);
		assert_int_equal(back.flags, m.flags);
		assert_int_equal(back.yiaddr, m.yiaddr);
		assert_int_equal(back.siaddr, m.siaddr);
		assert_memory_equal(back.chaddr, m.chaddr, NP_DHCP4_CHADDR_LEN);
		assert_memory_equal(back.sname, m.sname, NP_DHCP4_SNAME_LEN);
		assert_memory_equal(back.file, m.file, NP_DHCP4_FILE_LEN);
		assert_same_options(&m, &back);
	}
}

/* Typed builders reproduce dnsmasq's encoding of options 119 and 121. */
static void typed_builders_match_dnsmasq(void **state)
{
	static const char *const search[] = { "example.net", "lab.example.net", "corp.example.org" };
	uint8_t frame[1600], out[600], want[64], got[64];
	struct np_dhcp4_route rt[3];
	struct np_dhcp4_builder b;
	struct np_dhcp4 m, back;
	int len, n;

	(void)state;
	parse_capture("dhcp4-ack-dnsmasq.hex", frame, sizeof(frame), &m);
	assert_int_equal(np_dhcp4_get_routes(&m, rt, 3), 3);
	assert_int_equal(np_dhcp4_builder_init(&b, &m, out, sizeof(out), 0, 0), 0);
	assert_int_equal(np_dhcp4_add_u8(&b, NP_DHCP4_OPT_MSG_TYPE, NP_DHCPACK), 0);
	assert_int_equal(np_dhcp4_add_domain_search(&b, search, 3), 0);
	assert_int_equal(np_dhcp4_add_routes(&b, rt, 3), 0);
	len = np_dhcp4_builder_finish(&b);
	assert_int_equal(len, 240 + 3 + 39 + 22 + 1);
	assert_int_equal(np_dhcp4_parse(out, (size_t)len, &back), 0);

	n = np_dhcp4_opt_get(&m, NP_DHCP4_OPT_DOMAIN_SEARCH, want, sizeof(want));
	assert_int_equal(n, 37);
	assert_int_equal(np_dhcp4_opt_get(&back, NP_DHCP4_OPT_DOMAIN_SEARCH, got, sizeof(got)), n);
	assert_memory_equal(got, want, (size_t)n);
	n = np_dhcp4_opt_get(&m, NP_DHCP4_OPT_CLASSLESS_ROUTE, want, sizeof(want));
	assert_int_equal(n, 20);
	assert_int_equal(np_dhcp4_opt_get(&back, NP_DHCP4_OPT_CLASSLESS_ROUTE, got, sizeof(got)), n);
	assert_memory_equal(got, want, (size_t)n);
}

/* A server's ACK written with the typed builders reads back field for field. */
static void typed_builders_round_trip(void **state)
{
	static const uint32_t dns[2] = { IP4(10, 77, 0, 1), IP4(10, 77, 0, 2) };
	static const struct np_dhcp4_route routes[2] = {
		{ IP4(172, 16, 0, 0), 12, IP4(10, 77, 0, 1) },
		/* Host bits beyond the prefix are not sent (RFC 3442 §3). */
		{ IP4(10, 1, 2, 99), 23, IP4(10, 77, 0, 3) },
	};
	struct np_dhcp4 hdr = { .op = NP_BOOTREPLY, .htype = 1, .hlen = 6, .xid = 0x01020304,
				.flags = NP_DHCP4_FLAG_BROADCAST, .yiaddr = IP4(10, 77, 0, 9) };
	uint8_t out[600], type = 0;
	uint32_t v = 0, a[4];
	uint16_t size = 0;
	char text[NP_DNS_NAME_TEXT_MAX];
	struct np_dhcp4_route rt[4];
	struct np_dhcp4_fqdn f;
	struct np_dhcp4_builder b;
	struct np_dhcp4 m;
	int len;

	(void)state;
	memcpy(hdr.chaddr, client_mac, 6);
	assert_int_equal(np_dhcp4_builder_init(&b, &hdr, out, sizeof(out), 0, 0), 0);
	assert_int_equal(np_dhcp4_add_u8(&b, NP_DHCP4_OPT_MSG_TYPE, NP_DHCPOFFER), 0);
	assert_int_equal(np_dhcp4_add_addrs(&b, NP_DHCP4_OPT_SERVER_ID, dns, 1), 0);
	assert_int_equal(np_dhcp4_add_u32(&b, NP_DHCP4_OPT_LEASE_TIME, 86400), 0);
	assert_int_equal(np_dhcp4_add_u16(&b, NP_DHCP4_OPT_MAX_SIZE, 1500), 0);
	assert_int_equal(np_dhcp4_add_addrs(&b, NP_DHCP4_OPT_DNS, dns, 2), 0);
	assert_int_equal(np_dhcp4_add_string(&b, NP_DHCP4_OPT_DOMAIN_NAME, "example.net"), 0);
	assert_int_equal(np_dhcp4_add_routes(&b, routes, 2), 0);
	assert_int_equal(np_dhcp4_add_fqdn(&b, NP_DHCP4_FQDN_S | NP_DHCP4_FQDN_E, 255, 255,
					   "host9.example.net"), 0);
	assert_int_equal(np_dhcp4_add_string(&b, NP_DHCP4_OPT_HOSTNAME, ""), NP_EINVAL);
	assert_int_equal(np_dhcp4_add(&b, NP_DHCP4_OPT_OVERLOAD, "\1", 1), NP_EINVAL);
	assert_int_equal(np_dhcp4_add(&b, NP_DHCP4_OPT_END, NULL, 0), NP_EINVAL);
	len = np_dhcp4_builder_finish(&b);
	/* 53, 54, 51, 57, 6, 15, 121 (2 + 7 + 8), 81 (2 + 3 + 19), END */
	assert_int_equal(len, 240 + 3 + 6 + 6 + 4 + 10 + 13 + 17 + 24 + 1);

	assert_int_equal(np_dhcp4_parse(out, (size_t)len, &m), 0);
	assert_int_equal(m.xid, 0x01020304);
	assert_int_equal(m.flags, NP_DHCP4_FLAG_BROADCAST);
	assert_int_equal(m.yiaddr, IP4(10, 77, 0, 9));
	assert_memory_equal(m.chaddr, client_mac, 6);
	assert_int_equal(np_dhcp4_get_msg_type(&m, &type), 0);
	assert_int_equal(type, NP_DHCPOFFER);
	assert_int_equal(np_dhcp4_get_addr(&m, NP_DHCP4_OPT_SERVER_ID, &v), 0);
	assert_int_equal(v, IP4(10, 77, 0, 1));
	assert_int_equal(np_dhcp4_get_u32(&m, NP_DHCP4_OPT_LEASE_TIME, &v), 0);
	assert_int_equal(v, 86400);
	assert_int_equal(np_dhcp4_get_max_size(&m, &size), 0);
	assert_int_equal(size, 1500);
	assert_int_equal(np_dhcp4_get_addrs(&m, NP_DHCP4_OPT_DNS, a, 4), 2);
	assert_int_equal(a[1], IP4(10, 77, 0, 2));
	assert_int_equal(np_dhcp4_get_routes(&m, rt, 4), 2);
	assert_int_equal(rt[0].dest, IP4(172, 16, 0, 0));
	assert_int_equal(rt[0].prefix_len, 12);
	assert_int_equal(rt[1].dest, IP4(10, 1, 2, 0));
	assert_int_equal(rt[1].router, IP4(10, 77, 0, 3));
	assert_int_equal(np_dhcp4_get_fqdn(&m, &f), 0);
	assert_int_equal(f.rcode1, 255);
	assert_false(f.partial);
	name_text(f.name, f.name_len, text, sizeof(text));
	assert_string_equal(text, "host9.example.net.");
	assert_int_equal(out[len - 1], NP_DHCP4_OPT_END);
}

/* ---- Malformed fixed part --------------------------------------------- */

static void rejects_truncated_fixed_part(void **state)
{
	uint8_t frame[1600];
	const uint8_t *msg;
	struct np_dhcp4 m;
	size_t len = load_msg("dhcp4-discover-dhclient.hex", frame, sizeof(frame), &msg);
	size_t cut;

	(void)state;
	assert_true(len > NP_DHCP4_HDR_LEN);
	for (cut = 0; cut < NP_DHCP4_FIXED_LEN; cut++)
		assert_int_equal(np_dhcp4_parse(msg, cut, &m), NP_ETRUNC);
	/* The fixed part is there but the cookie is cut (hand-cut from dhclient's DISCOVER). */
	for (; cut < NP_DHCP4_HDR_LEN; cut++)
		assert_int_equal(np_dhcp4_parse(msg, cut, &m), NP_ECOOKIE);
	/* Just the cookie, no options: valid, with nothing to iterate. */
	assert_int_equal(np_dhcp4_parse(msg, NP_DHCP4_HDR_LEN, &m), 0);
	assert_int_equal(m.options_len, 0);
	assert_int_equal(np_dhcp4_opts_validate(&m), 0);
}

static void rejects_wrong_cookie_op_hlen(void **state)
{
	uint8_t buf[400];
	struct np_dhcp4 m = { .xid = 7 };
	size_t len = make_msg(buf, sizeof(buf), "35 01 01 ff");

	(void)state;
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	/* BOOTP vendor area (RFC 1048 cookie with a flipped bit). */
	buf[239] ^= 0x01;
	assert_int_equal(np_dhcp4_parse(buf, len, &m), NP_ECOOKIE);
	buf[239] ^= 0x01;
	buf[0] = 3;
	assert_int_equal(np_dhcp4_parse(buf, len, &m), NP_ETYPE);
	buf[0] = NP_BOOTREPLY;
	buf[2] = 17;
	assert_int_equal(np_dhcp4_parse(buf, len, &m), NP_EBADLEN);
	m.hlen = 17;
	assert_int_equal(np_dhcp4_build(&m, buf, sizeof(buf)), NP_EBADLEN);
}

/* ---- Malformed options ------------------------------------------------ */

static void rejects_option_past_end(void **state)
{
	uint8_t buf[400], v[64], type = 0;
	struct np_dhcp4_iter it;
	struct np_dhcp4_opt o;
	struct np_dhcp4 m;
	size_t len;

	(void)state;
	/* Hand-made: hostname claims 32 octets, 2 follow. */
	len = make_msg(buf, sizeof(buf), "35 01 01 0c 20 61 62");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	np_dhcp4_iter_init(&it, &m);
	assert_int_equal(np_dhcp4_iter_next(&it, &o), 1);
	assert_int_equal(o.code, NP_DHCP4_OPT_MSG_TYPE);
	assert_int_equal(np_dhcp4_iter_next(&it, &o), NP_EOPT);
	assert_int_equal(np_dhcp4_iter_next(&it, &o), NP_EOPT);   /* sticky */
	assert_int_equal(np_dhcp4_opts_validate(&m), NP_EOPT);
	/* Every lookup walks the whole message (RFC 3396), so it fails too. */
	assert_int_equal(np_dhcp4_get_msg_type(&m, &type), NP_EOPT);
	assert_int_equal(np_dhcp4_opt_get(&m, 12, v, sizeof(v)), NP_EOPT);

	/* Hand-made: a code octet with no length octet. */
	len = make_msg(buf, sizeof(buf), "35 01 01 0c");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_opts_validate(&m), NP_EOPT);

	/* Hand-made: no END, the options simply stop: accepted. */
	len = make_msg(buf, sizeof(buf), "35 01 01 0c 02 61 62");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_opts_validate(&m), 0);
	assert_int_equal(np_dhcp4_opt_get(&m, 12, v, sizeof(v)), 2);
	assert_int_equal(np_dhcp4_opt_get(&m, 12, v, 1), NP_ENOSPC);
	assert_int_equal(np_dhcp4_opt_get(&m, NP_DHCP4_OPT_PAD, v, sizeof(v)), NP_EINVAL);

	/* Hand-made: bytes after END are padding, never options. */
	len = make_msg(buf, sizeof(buf), "35 01 01 ff 0c 20");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_opts_validate(&m), 0);
}

/* RFC 2132 §9.3: options 52=3 puts more options in file, then sname. */
static void iterates_overloaded_file_and_sname(void **state)
{
	uint8_t buf[400], v[64];
	struct np_dhcp4_iter it;
	struct np_dhcp4_opt o;
	struct np_dhcp4 m;
	size_t len;
	int order[8], n = 0;

	(void)state;
	/* Hand-made: hostname split in three instances, options -> file -> sname. */
	len = make_msg(buf, sizeof(buf), "35 01 03 34 01 03 0c 03 61 62 63 ff");
	np_test_hex("0c 02 64 65 36 04 0a 4d 00 01 ff", buf + 108, 128);
	np_test_hex("0c 01 66 ff", buf + 44, 64);
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	np_dhcp4_iter_init(&it, &m);
	while (np_dhcp4_iter_next(&it, &o) > 0)
		order[n++] = o.code;
	assert_int_equal(n, 6);
	assert_int_equal(order[0], 53);
	assert_int_equal(order[1], 52);
	assert_int_equal(order[3], 12);
	assert_int_equal(order[4], 54);
	assert_int_equal(order[5], 12);
	assert_int_equal(np_dhcp4_opt_get(&m, 12, v, sizeof(v)), 6);
	assert_memory_equal(v, "abcdef", 6);

	/* Only file is overloaded: the options-like bytes in sname are a name. */
	buf[242 + 3] = NP_DHCP4_OVERLOAD_FILE;
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_opt_get(&m, 12, v, sizeof(v)), 5);

	/* Without option 52, file and sname are not looked at. */
	len = make_msg(buf, sizeof(buf), "35 01 03 ff");
	np_test_hex("0c 02 64 65 ff", buf + 108, 128);
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_opt_get(&m, 12, v, sizeof(v)), NP_ENOTFOUND);
}

/* Option 52 in file or sname is ignored: no loops, no extra areas. */
static void ignores_overload_outside_options(void **state)
{
	uint8_t buf[400], v[64];
	struct np_dhcp4_iter it;
	struct np_dhcp4_opt o;
	struct np_dhcp4 m;
	size_t len;
	int rc, n = 0;

	(void)state;
	/* Hand-made: options say file only; file claims 52=3 to add sname. */
	len = make_msg(buf, sizeof(buf), "35 01 01 34 01 01 ff");
	np_test_hex("34 01 03 0c 01 61 ff", buf + 108, 128);
	np_test_hex("0c 01 7a ff", buf + 44, 64);
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	np_dhcp4_iter_init(&it, &m);
	while ((rc = np_dhcp4_iter_next(&it, &o)) > 0)
		n++;
	assert_int_equal(rc, 0);
	assert_int_equal(n, 3);   /* 53, 52, 12 from file; not the 52 in file */
	assert_int_equal(np_dhcp4_opt_get(&m, 12, v, sizeof(v)), 1);
	assert_int_equal(v[0], 'a');
	assert_int_equal(np_dhcp4_iter_next(&it, &o), 0);   /* stays at the end */

	/* Hand-made: option 52 with a bad length or value. */
	len = make_msg(buf, sizeof(buf), "34 02 01 01 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_opts_validate(&m), NP_EOPT);
	len = make_msg(buf, sizeof(buf), "34 01 04 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_opts_validate(&m), NP_EOPT);
	/* Hand-made: an option in file running past the field. */
	len = make_msg(buf, sizeof(buf), "34 01 01 ff");
	np_test_hex("0c 20 61", buf + 108 + 125, 3);
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_opts_validate(&m), NP_EOPT);
}

/* Thousands of PADs are cheap and fine; more than 255 real options per area are not. */
static void caps_option_counts(void **state)
{
	static uint8_t buf[8192];
	uint8_t type = 0;
	struct np_dhcp4 m;
	size_t len, i;

	(void)state;
	/* Hand-made: 4000 PADs, then message type. */
	len = make_msg(buf, sizeof(buf), "");
	memset(buf + len, 0, 4000);
	len += 4000;
	len += np_test_hex("35 01 01 ff", buf + len, 4);
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_msg_type(&m, &type), 0);
	assert_int_equal(type, NP_DHCPDISCOVER);

	/* Hand-made: 255 empty options are accepted, 256 are NP_ECOUNT. */
	len = make_msg(buf, sizeof(buf), "35 01 01");
	for (i = 0; i < 254; i++) {
		buf[len++] = 200;
		buf[len++] = 0;
	}
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_opts_validate(&m), 0);
	buf[len++] = 200;
	buf[len++] = 0;
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_opts_validate(&m), NP_ECOUNT);
	assert_int_equal(np_dhcp4_get_msg_type(&m, &type), NP_ECOUNT);

	/* Hand-made: the cap is per area: 200 in options and 60 in file pass. */
	len = make_msg(buf, sizeof(buf), "34 01 01");
	for (i = 0; i < 199; i++) {
		buf[len++] = 200;
		buf[len++] = 0;
	}
	for (i = 0; i < 60; i++) {
		buf[108 + 2 * i] = 201;
		buf[108 + 2 * i + 1] = 0;
	}
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_opts_validate(&m), 0);
	assert_int_equal(np_dhcp4_opt_get(&m, 201, buf + 4096, 16), 0);

	/* Hand-made: 3000 one-octet options (1500 x "0c 00"). */
	len = make_msg(buf, sizeof(buf), "");
	for (i = 0; i < 3000; i++)
		buf[len++] = (i % 2) ? 0 : 12;
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_opts_validate(&m), NP_ECOUNT);
}

/* RFC 3396: split instances are one value, pointers span the split (RFC 3397 §2). */
static void concatenates_split_options(void **state)
{
	uint8_t buf[600], names[256], v[32];
	char text[NP_DNS_NAME_TEXT_MAX];
	struct np_dhcp4 m;
	size_t names_len = 0, len;
	struct np_dhcp4_route rt[2];

	(void)state;
	/*
	 * Hand-made: "example.net" cut after "exam", then "lab" + pointer to
	 * offset 0 in the second instance; a route split inside its router.
	 */
	len = make_msg(buf, sizeof(buf),
		 "77 05 07 65 78 61 6d  79 03 08 0a 4d"
		 "77 0b 70 6c 65 03 6e 65 74 00 03 6c 61  79 03 00 01 00"
		 "77 03 62 c0 00 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_domain_search(&m, names, sizeof(names), &names_len), 2);
	assert_int_equal(names_len, 13 + 17);
	name_text(names, 13, text, sizeof(text));
	assert_string_equal(text, "example.net.");
	name_text(names + 13, 17, text, sizeof(text));
	assert_string_equal(text, "lab.example.net.");
	assert_int_equal(np_dhcp4_get_routes(&m, rt, 2), 1);
	assert_int_equal(rt[0].prefix_len, 8);
	assert_int_equal(rt[0].dest, IP4(10, 0, 0, 0));
	assert_int_equal(rt[0].router, IP4(77, 0, 1, 0));
	assert_int_equal(np_dhcp4_opt_get(&m, 121, v, sizeof(v)), 6);
}

/* ---- Builder limits ---------------------------------------------------- */

static void builder_splits_long_values(void **state)
{
	uint8_t out[1500], val[600], got[600];
	struct np_dhcp4 hdr = { .op = NP_BOOTREPLY, .htype = 1, .hlen = 6 };
	struct np_dhcp4_builder b;
	struct np_dhcp4 m;
	struct np_dhcp4_iter it;
	struct np_dhcp4_opt o;
	size_t i;
	int len, sizes[4], n = 0;

	(void)state;
	for (i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)i;
	assert_int_equal(np_dhcp4_builder_init(&b, &hdr, out, sizeof(out), 1500, 0), 0);
	assert_int_equal(np_dhcp4_add(&b, 224, val, sizeof(val)), 0);
	assert_int_equal(np_dhcp4_add(&b, NP_DHCP4_OPT_RAPID_COMMIT, NULL, 0), 0);
	len = np_dhcp4_builder_finish(&b);
	/* 240 + (2+255) * 2 + (2+90) + 2 + END */
	assert_int_equal(len, 240 + 514 + 92 + 2 + 1);
	assert_int_equal(np_dhcp4_parse(out, (size_t)len, &m), 0);
	np_dhcp4_iter_init(&it, &m);
	while (np_dhcp4_iter_next(&it, &o) > 0 && o.code == 224)
		sizes[n++] = o.len;
	assert_int_equal(n, 3);
	assert_int_equal(sizes[0], 255);
	assert_int_equal(sizes[1], 255);
	assert_int_equal(sizes[2], 90);
	assert_int_equal(o.code, NP_DHCP4_OPT_RAPID_COMMIT);
	assert_int_equal(o.len, 0);
	assert_int_equal(np_dhcp4_opt_get(&m, 224, got, sizeof(got)), 600);
	assert_memory_equal(got, val, 600);
}

/* The client's option 57 (or 576 without one) bounds the message. */
static void builder_respects_max_size(void **state)
{
	uint8_t out[2000], val[200];
	struct np_dhcp4 hdr = { .op = NP_BOOTREPLY };
	struct np_dhcp4_builder b;
	int len;

	(void)state;
	memset(val, 0xab, sizeof(val));
	/* 548 - 240 = 308 octets of options field, END included. */
	assert_int_equal(np_dhcp4_builder_init(&b, &hdr, out, sizeof(out), 0, 0), 0);
	assert_int_equal(np_dhcp4_add(&b, 224, val, 200), 0);
	assert_int_equal(np_dhcp4_add(&b, 225, val, 103), 0);
	len = np_dhcp4_builder_finish(&b);
	assert_int_equal(len, 548);
	assert_int_equal(out[547], NP_DHCP4_OPT_END);

	assert_int_equal(np_dhcp4_builder_init(&b, &hdr, out, sizeof(out), 300, 0), 0);
	assert_int_equal(np_dhcp4_add(&b, 224, val, 200), 0);
	assert_int_equal(np_dhcp4_add(&b, 225, val, 104), NP_ENOSPC);
	assert_int_equal(np_dhcp4_add(&b, 226, val, 1), NP_ENOSPC);   /* sticky */
	assert_int_equal(np_dhcp4_builder_finish(&b), NP_ENOSPC);

	/* dhcpcd's 1472 leaves room for much more. */
	assert_int_equal(np_dhcp4_builder_init(&b, &hdr, out, sizeof(out), 1472, 0), 0);
	assert_int_equal(np_dhcp4_add(&b, 224, val, 200), 0);
	assert_int_equal(np_dhcp4_add(&b, 225, val, 200), 0);
	assert_int_equal(np_dhcp4_add(&b, 226, val, 200), 0);
	assert_int_equal(np_dhcp4_builder_finish(&b), 240 + 606 + 1);
	/* And the caller's buffer bounds it too. */
	assert_int_equal(np_dhcp4_builder_init(&b, &hdr, out, 400, 1472, 0), 0);
	assert_int_equal(np_dhcp4_add(&b, 224, val, 200), NP_ENOSPC);
	assert_int_equal(np_dhcp4_builder_init(&b, &hdr, out, 299, 0, 0), NP_ENOSPC);

	/* An empty message is still padded to the BOOTP minimum. */
	assert_int_equal(np_dhcp4_builder_init(&b, &hdr, out, sizeof(out), 0, 0), 0);
	assert_int_equal(np_dhcp4_builder_finish(&b), NP_DHCP4_BOOTP_MIN_LEN);
	assert_int_equal(out[240], NP_DHCP4_OPT_END);
	assert_int_equal(out[299], 0);
}

/* When asked, a full options field overflows into file, then sname (52 = 3). */
static void builder_overloads_when_asked(void **state)
{
	uint8_t out[600], val[200], got[400];
	struct np_dhcp4 hdr = { .op = NP_BOOTREPLY }, m;
	struct np_dhcp4_builder b;
	int len;

	(void)state;
	memset(val, 0x5a, sizeof(val));
	memset(hdr.file, 'F', sizeof(hdr.file));
	assert_int_equal(np_dhcp4_builder_init(&b, &hdr, out, sizeof(out), 0, NP_DHCP4_BUILD_OVERLOAD), 0);
	assert_int_equal(np_dhcp4_add(&b, 224, val, 200), 0);   /* options field */
	assert_int_equal(np_dhcp4_add(&b, 225, val, 120), 0);   /* 102 left: to file */
	assert_int_equal(np_dhcp4_add(&b, 226, val, 60), 0);    /* sname */
	assert_int_equal(np_dhcp4_add(&b, 227, val, 62), NP_ENOSPC);
	/* the failed add left the builder failed */
	assert_int_equal(np_dhcp4_builder_finish(&b), NP_ENOSPC);

	assert_int_equal(np_dhcp4_builder_init(&b, &hdr, out, sizeof(out), 0, NP_DHCP4_BUILD_OVERLOAD), 0);
	assert_int_equal(np_dhcp4_add(&b, 224, val, 200), 0);
	assert_int_equal(np_dhcp4_add(&b, 225, val, 120), 0);
	assert_int_equal(np_dhcp4_add(&b, 226, val, 60), 0);
	len = np_dhcp4_builder_finish(&b);
	assert_int_equal(len, 240 + 202 + 3 + 1);
	assert_int_equal(np_dhcp4_parse(out, (size_t)len, &m), 0);
	assert_int_equal(np_dhcp4_opt_get(&m, NP_DHCP4_OPT_OVERLOAD, got, sizeof(got)), 1);
	assert_int_equal(got[0], NP_DHCP4_OVERLOAD_FILE | NP_DHCP4_OVERLOAD_SNAME);
	assert_int_equal(m.file[0], 225);
	assert_int_equal(m.file[122], NP_DHCP4_OPT_END);
	assert_int_equal(m.file[127], 0);   /* the old file name is gone */
	assert_int_equal(m.sname[0], 226);
	assert_int_equal(np_dhcp4_opt_get(&m, 225, got, sizeof(got)), 120);
	assert_int_equal(np_dhcp4_opt_get(&m, 226, got, sizeof(got)), 60);
	assert_memory_equal(got, val, 60);

	/* Without the flag the same options do not fit. */
	assert_int_equal(np_dhcp4_builder_init(&b, &hdr, out, sizeof(out), 0, 0), 0);
	assert_int_equal(np_dhcp4_add(&b, 224, val, 200), 0);
	assert_int_equal(np_dhcp4_add(&b, 225, val, 120), NP_ENOSPC);
}

/* Add every option of s; returns the first error. */
static int add_all(struct np_dhcp4_builder *b, const struct optset *s)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < s->n && rc == 0; i++)
		rc = np_dhcp4_add(b, s->code[i], s->val[i], (size_t)s->len[i]);
	return rc;
}

/* A real ACK grown past 576 reads back whole when rebuilt with overload. */
static void builder_overload_round_trip(void **state)
{
	static struct optset s;
	uint8_t frame[1600], big[1600], out[600], val[140], v[4];
	struct np_dhcp4 m, grown, back;
	struct np_dhcp4_builder b;
	size_t i;
	int len;

	(void)state;
	parse_capture("dhcp4-ack-dnsmasq.hex", frame, sizeof(frame), &m);
	for (i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)(i * 7);
	/* dnsmasq's 150 octets of options, plus 140 + 100 + 50 octets more. */
	collect(&m, &s);
	assert_int_equal(np_dhcp4_builder_init(&b, &m, big, sizeof(big), 1500, 0), 0);
	assert_int_equal(add_all(&b, &s), 0);
	assert_int_equal(np_dhcp4_add(&b, 43, val, 140), 0);
	assert_int_equal(np_dhcp4_add(&b, 224, val, 100), 0);
	assert_int_equal(np_dhcp4_add(&b, 225, val, 50), 0);
	len = np_dhcp4_builder_finish(&b);
	assert_true(len > 548);
	assert_int_equal(np_dhcp4_parse(big, (size_t)len, &grown), 0);

	/* For a client that takes 576: does not fit, unless overloaded. */
	collect(&grown, &s);
	assert_int_equal(np_dhcp4_builder_init(&b, &grown, out, sizeof(out), 576, 0), 0);
	assert_int_equal(add_all(&b, &s), NP_ENOSPC);
	rebuild(&grown, out, sizeof(out), 576, NP_DHCP4_BUILD_OVERLOAD, &back);
	assert_same_options(&grown, &back);
	assert_int_equal(np_dhcp4_opt_get(&back, NP_DHCP4_OPT_OVERLOAD, v, sizeof(v)), 1);
	assert_int_equal(v[0], NP_DHCP4_OVERLOAD_FILE | NP_DHCP4_OVERLOAD_SNAME);
	assert_int_equal(back.file[0], 224);
	assert_int_equal(back.sname[0], 225);
}

/* ---- Option formats ---------------------------------------------------- */

static void checks_fqdn_format(void **state)
{
	uint8_t buf[400];
	char text[NP_DNS_NAME_TEXT_MAX];
	struct np_dhcp4_fqdn f = { .flags = 0x77 };
	struct np_dhcp4 m;
	size_t len;

	(void)state;
	/* Hand-made: too short. */
	len = make_msg(buf, sizeof(buf), "51 02 01 00 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_fqdn(&m, &f), NP_EBADLEN);
	/* Hand-made: S and N both set (RFC 4702 §2.1). */
	len = make_msg(buf, sizeof(buf), "51 03 09 00 00 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_fqdn(&m, &f), NP_EFORMAT);
	assert_int_equal(f.flags, 0x77);   /* untouched on error */
	/* Hand-made: a compression pointer in the wire name. */
	len = make_msg(buf, sizeof(buf), "51 08 04 00 00 01 61 c0 00 00 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_fqdn(&m, &f), NP_EFORMAT);
	/* Hand-made: octets after the root label. */
	len = make_msg(buf, sizeof(buf), "51 07 04 00 00 01 61 00 62 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_fqdn(&m, &f), NP_EFORMAT);
	/* Hand-made: a label longer than the option. */
	len = make_msg(buf, sizeof(buf), "51 06 04 00 00 09 61 62 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_fqdn(&m, &f), NP_EFORMAT);
	/* Hand-made: no name at all, MBZ bits set (ignored, RFC 4702 §2.1). */
	len = make_msg(buf, sizeof(buf), "51 03 f4 00 00 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_fqdn(&m, &f), 0);
	assert_int_equal(f.name_len, 0);
	assert_int_equal(f.flags, 0xf4);
	/* Hand-made: a full name, split over two instances (RFC 3396). */
	len = make_msg(buf, sizeof(buf), "51 05 04 ff ff 01 61 51 05 03 6e 65 74 00 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_fqdn(&m, &f), 0);
	assert_false(f.partial);
	name_text(f.name, f.name_len, text, sizeof(text));
	assert_string_equal(text, "a.net.");
}

static void checks_string_and_size_formats(void **state)
{
	uint8_t buf[400], codes[4], id[4];
	char text[32];
	uint16_t size = 0;
	uint32_t a[2];
	struct np_dhcp4 m;
	size_t len;

	(void)state;
	/* Hand-made: a hostname with the C string NUL counted, as some clients send. */
	len = make_msg(buf, sizeof(buf), "0c 05 68 6f 73 74 00 0f 03 61 00 62 39 02 01 00 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_string(&m, 12, text, sizeof(text)), 4);
	assert_string_equal(text, "host");
	assert_int_equal(np_dhcp4_get_string(&m, 15, text, sizeof(text)), NP_EFORMAT);
	/* 256 is below the legal minimum of 576. */
	assert_int_equal(np_dhcp4_get_max_size(&m, &size), NP_EFORMAT);

	/* Hand-made: empty and short options. */
	len = make_msg(buf, sizeof(buf), "0c 00 37 00 3d 01 01 03 03 0a 00 00 39 03 02 40 00 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_string(&m, 12, text, sizeof(text)), NP_EBADLEN);
	assert_int_equal(np_dhcp4_get_param_list(&m, codes, sizeof(codes)), NP_EBADLEN);
	assert_int_equal(np_dhcp4_get_client_id(&m, id, sizeof(id)), NP_EBADLEN);
	assert_int_equal(np_dhcp4_get_addrs(&m, NP_DHCP4_OPT_ROUTER, a, 2), NP_EBADLEN);
	assert_int_equal(np_dhcp4_get_max_size(&m, &size), NP_EBADLEN);
	assert_int_equal(np_dhcp4_get_addrs(&m, NP_DHCP4_OPT_DNS, a, 2), NP_ENOTFOUND);
}

static void checks_route_format(void **state)
{
	uint8_t buf[400];
	struct np_dhcp4_route rt[2];
	struct np_dhcp4 m;
	size_t len;

	(void)state;
	/* Hand-made: width 33. */
	len = make_msg(buf, sizeof(buf), "79 09 21 0a 00 00 00 00 0a 4d 00 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_routes(&m, rt, 2), NP_EOPT);
	/* Hand-made: the router cut short. */
	len = make_msg(buf, sizeof(buf), "79 06 10 c0 a8 0a 4d 00 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_routes(&m, rt, 2), NP_EOPT);
	/* Hand-made: shorter than the minimum of 5. */
	len = make_msg(buf, sizeof(buf), "79 04 00 0a 4d 00 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_routes(&m, rt, 2), NP_EBADLEN);
	/* Hand-made: a /32 host route and a default route. */
	len = make_msg(buf, sizeof(buf), "79 0e 20 0a 4d 01 07 0a 4d 00 01 00 0a 4d 00 02 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_routes(&m, rt, 2), 2);
	assert_int_equal(rt[0].dest, IP4(10, 77, 1, 7));
	assert_int_equal(rt[0].prefix_len, 32);
	assert_int_equal(rt[1].router, IP4(10, 77, 0, 2));
}

/* RFC 3046: a relay's option 82 is read raw and echoed back unchanged. */
static void echoes_relay_agent_info(void **state)
{
	uint8_t buf[400], out[600], raw[64], raw2[64];
	struct np_dhcp4_builder b;
	struct np_dhcp4_opt sub;
	struct np_dhcp4 m, back;
	size_t len;
	int n;

	(void)state;
	/* Hand-made: circuit id "eth3", remote id 6 octets, relayed via 10.77.5.1. */
	len = make_msg(buf, sizeof(buf), "35 01 01 52 0e 01 04 65 74 68 33 02 06 00 11 22 33 44 55 ff");
	np_store_be32(buf + 24, IP4(10, 77, 5, 1));
	buf[3] = 1;
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(m.giaddr, IP4(10, 77, 5, 1));
	assert_int_equal(m.hops, 1);
	n = np_dhcp4_get_relay_info(&m, raw, sizeof(raw));
	assert_int_equal(n, 14);
	assert_int_equal(np_dhcp4_relay_subopt(raw, (size_t)n, 1, &sub), 0);
	assert_int_equal(sub.len, 4);
	assert_memory_equal(sub.data, "eth3", 4);
	assert_int_equal(np_dhcp4_relay_subopt(raw, (size_t)n, 2, &sub), 0);
	assert_int_equal(sub.len, 6);
	assert_int_equal(np_dhcp4_relay_subopt(raw, (size_t)n, 9, &sub), NP_ENOTFOUND);
	assert_int_equal(np_dhcp4_get_relay_info(&m, raw, 13), NP_ENOSPC);

	assert_int_equal(np_dhcp4_builder_init(&b, &m, out, sizeof(out), 0, 0), 0);
	assert_int_equal(np_dhcp4_add_u8(&b, NP_DHCP4_OPT_MSG_TYPE, NP_DHCPOFFER), 0);
	assert_int_equal(np_dhcp4_add(&b, NP_DHCP4_OPT_RELAY_INFO, raw, (size_t)n), 0);
	assert_true(np_dhcp4_builder_finish(&b) > 0);
	assert_int_equal(np_dhcp4_parse(out, NP_DHCP4_BOOTP_MIN_LEN, &back), 0);
	assert_int_equal(np_dhcp4_get_relay_info(&back, raw2, sizeof(raw2)), n);
	assert_memory_equal(raw2, raw, (size_t)n);

	/* Hand-made: a sub-option running past the option. */
	len = make_msg(buf, sizeof(buf), "52 04 01 05 65 74 ff");
	assert_int_equal(np_dhcp4_parse(buf, len, &m), 0);
	assert_int_equal(np_dhcp4_get_relay_info(&m, raw, sizeof(raw)), NP_EOPT);
	assert_int_equal(np_dhcp4_relay_subopt(buf + 242, 4, 2, &sub), NP_EOPT);
}

static void names_message_types(void **state)
{
	(void)state;
	assert_string_equal(np_dhcp4_msg_type_name(NP_DHCPOFFER), "OFFER");
	assert_string_equal(np_dhcp4_msg_type_name(NP_DHCPNAK), "NAK");
	assert_string_equal(np_dhcp4_msg_type_name(NP_DHCPINFORM), "INFORM");
	assert_string_equal(np_dhcp4_msg_type_name(NP_DHCPLEASEACTIVE), "LEASEACTIVE");
	assert_string_equal(np_dhcp4_msg_type_name(0), "UNKNOWN");
	assert_string_equal(np_dhcp4_msg_type_name(200), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_dhclient_discover),
		cmocka_unit_test(parses_dhclient_request),
		cmocka_unit_test(parses_dnsmasq_ack),
		cmocka_unit_test(parses_kea_ack),
		cmocka_unit_test(parses_udhcpc_discover),
		cmocka_unit_test(parses_udhcpc_request_and_ack),
		cmocka_unit_test(parses_dhcpcd_fqdn),
		cmocka_unit_test(build_reproduces_captures),
		cmocka_unit_test(builder_round_trip_captures),
		cmocka_unit_test(typed_builders_match_dnsmasq),
		cmocka_unit_test(typed_builders_round_trip),
		cmocka_unit_test(rejects_truncated_fixed_part),
		cmocka_unit_test(rejects_wrong_cookie_op_hlen),
		cmocka_unit_test(rejects_option_past_end),
		cmocka_unit_test(iterates_overloaded_file_and_sname),
		cmocka_unit_test(ignores_overload_outside_options),
		cmocka_unit_test(caps_option_counts),
		cmocka_unit_test(concatenates_split_options),
		cmocka_unit_test(builder_splits_long_values),
		cmocka_unit_test(builder_respects_max_size),
		cmocka_unit_test(builder_overloads_when_asked),
		cmocka_unit_test(builder_overload_round_trip),
		cmocka_unit_test(checks_fqdn_format),
		cmocka_unit_test(checks_string_and_size_formats),
		cmocka_unit_test(checks_route_format),
		cmocka_unit_test(echoes_relay_agent_info),
		cmocka_unit_test(names_message_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
