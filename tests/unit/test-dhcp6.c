/*
 * test-dhcp6.c: DHCPv6 messages, relay messages and options against messages
 * captured from dhclient -6, dhcpcd -6, dhcrelay -6 and kea-dhcp6, and
 * hand-made malformed ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/buf.h>
#include <netproto/dhcp6.h>
#include <netproto/dns.h>
#include <netproto/error.h>

#include "testutil.h"

static const uint8_t client_mac[6] = { 0x02, 0, 0, 0, 0, 0x0c };
static const uint8_t server_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static const char *const captures[] = {
	"dhcp6-solicit-dhclient.hex",   "dhcp6-advertise-kea.hex",
	"dhcp6-request-dhclient.hex",   "dhcp6-reply-kea.hex",
	"dhcp6-renew-dhclient.hex",     "dhcp6-release-dhclient.hex",
	"dhcp6-reply-release-kea.hex",  "dhcp6-inforeq-dhclient.hex",
	"dhcp6-reply-inforeq-kea.hex",  "dhcp6-solicit-dhcpcd.hex",
	"dhcp6-request-dhcpcd.hex",     "dhcp6-reply-kea-dhcpcd.hex",
	"dhcp6-relay-forw-dhcrelay.hex", "dhcp6-relay-repl-kea.hex",
	"dhcp6-relay-forw-ifid-dhcrelay.hex", "dhcp6-relay-repl-ifid-kea.hex",
};

/* An IPv6 address from its 16 octets written as hex. */
static void addr6(const char *hex, uint8_t out[16])
{
	assert_int_equal(np_test_hex(hex, out, 16), 16);
}

/*
 * Load a captured Ethernet/IPv6/UDP frame and return the DHCPv6 message in
 * it (the UDP payload, trimmed to the UDP length).
 */
static size_t load_msg(const char *name, uint8_t *frame, size_t cap, const uint8_t **msg)
{
	size_t len = np_test_load_hex(name, frame, cap);
	size_t udp_len;

	assert_true(len > 14 + 40 + 8);
	assert_int_equal(np_load_be16(frame + 12), 0x86dd);
	assert_int_equal(frame[14 + 6], 17);     /* next header UDP, no extension headers */
	udp_len = np_load_be16(frame + 14 + 40 + 4);
	assert_true(udp_len >= 8 && 14 + 40 + udp_len <= len);
	*msg = frame + 14 + 40 + 8;
	return udp_len - 8;
}

static void parse_capture(const char *name, uint8_t *frame, size_t cap, struct np_dhcp6 *m)
{
	const uint8_t *msg;
	size_t len = load_msg(name, frame, cap, &msg);

	assert_int_equal(np_dhcp6_parse(msg, len, m), 0);
	assert_int_equal(np_dhcp6_opts_validate(m->options, m->options_len), 0);
}

static void get(const struct np_dhcp6 *m, uint16_t code, struct np_dhcp6_opt *o)
{
	assert_int_equal(np_dhcp6_get(m, code, o), 0);
}

static void name_text(const uint8_t *wire, size_t len, char *out, size_t cap)
{
	assert_true(np_dns_name_to_text(wire, len, out, cap) > 0);
}

/* The first IA Address or IA Prefix option inside an IA. */
static void first_in_ia(const struct np_dhcp6_ia *ia, uint16_t code, struct np_dhcp6_opt *o)
{
	assert_int_equal(np_dhcp6_opt_find(ia->options, ia->options_len, code, o), 0);
}

/* ---- Real captures ---------------------------------------------------- */

static void parses_dhclient_solicit(void **state)
{
	uint8_t frame[1600];
	uint16_t codes[8], elapsed = 1;
	char text[NP_DNS_NAME_TEXT_MAX];
	struct np_dhcp6_duid duid;
	struct np_dhcp6_fqdn fqdn;
	struct np_dhcp6_opt o;
	struct np_dhcp6_ia ia;
	struct np_dhcp6 m;

	(void)state;
	parse_capture("dhcp6-solicit-dhclient.hex", frame, sizeof(frame), &m);
	assert_int_equal(m.msg_type, NP_DHCP6_SOLICIT);
	assert_string_equal(np_dhcp6_msg_type_name(m.msg_type), "SOLICIT");
	assert_int_equal(m.xid, 0x1f3e67);
	assert_false(np_dhcp6_is_relay(m.msg_type));

	get(&m, NP_DHCP6_OPT_CLIENTID, &o);
	assert_int_equal(np_dhcp6_opt_duid(&o, &duid), 0);
	assert_int_equal(duid.type, NP_DHCP6_DUID_LLT);
	assert_int_equal(duid.hw_type, 1);
	assert_int_equal(duid.time, 0x32aa09b0);
	assert_int_equal(duid.id_len, 6);
	assert_memory_equal(duid.id, client_mac, 6);
	assert_int_equal(duid.raw_len, 14);
	assert_ptr_equal(duid.raw, o.data);

	get(&m, NP_DHCP6_OPT_ORO, &o);
	assert_int_equal(np_dhcp6_opt_oro(&o, codes, 8), 3);
	assert_int_equal(codes[0], NP_DHCP6_OPT_DNS_SERVERS);
	assert_int_equal(codes[1], NP_DHCP6_OPT_DOMAIN_LIST);
	assert_int_equal(codes[2], NP_DHCP6_OPT_INFORMATION_REFRESH_TIME);
	assert_true(np_dhcp6_oro_has(codes, 3, NP_DHCP6_OPT_DOMAIN_LIST));
	assert_false(np_dhcp6_oro_has(codes, 3, NP_DHCP6_OPT_NTP_SERVER));
	assert_int_equal(np_dhcp6_opt_oro(&o, codes, 2), NP_ENOSPC);

	get(&m, NP_DHCP6_OPT_ELAPSED_TIME, &o);
	assert_int_equal(np_dhcp6_opt_u16(&o, &elapsed), 0);
	assert_int_equal(elapsed, 0);

	/* send fqdn.server-update on: S set, a full name. */
	get(&m, NP_DHCP6_OPT_CLIENT_FQDN, &o);
	assert_int_equal(np_dhcp6_opt_fqdn(&o, &fqdn), 0);
	assert_int_equal(fqdn.flags, NP_DHCP6_FQDN_S);
	assert_false(fqdn.partial);
	name_text(fqdn.name, fqdn.name_len, text, sizeof(text));
	assert_string_equal(text, "dhclient-host.example.net.");

	get(&m, NP_DHCP6_OPT_IA_NA, &o);
	assert_int_equal(np_dhcp6_parse_ia(&o, &ia), 0);
	assert_int_equal(ia.code, NP_DHCP6_OPT_IA_NA);
	assert_int_equal(ia.iaid, 12);
	assert_int_equal(ia.t1, 3600);
	assert_int_equal(ia.t2, 5400);
	assert_int_equal(ia.options_len, 0);
	assert_int_equal(np_dhcp6_get(&m, NP_DHCP6_OPT_SERVERID, &o), NP_ENOTFOUND);
	assert_int_equal(np_dhcp6_get(&m, NP_DHCP6_OPT_RAPID_COMMIT, &o), NP_ENOTFOUND);
}

static void parses_kea_advertise(void **state)
{
	uint8_t frame[1600], want[16], dns[4][16];
	char text[NP_DNS_NAME_TEXT_MAX];
	struct np_dhcp6_name names[4];
	struct np_dhcp6_ntp ntp[4];
	struct np_dhcp6_duid duid;
	struct np_dhcp6_fqdn fqdn;
	struct np_dhcp6_iaaddr a;
	struct np_dhcp6_opt o;
	struct np_dhcp6_ia ia;
	struct np_dhcp6 m;
	uint32_t irt = 0;

	(void)state;
	parse_capture("dhcp6-advertise-kea.hex", frame, sizeof(frame), &m);
	assert_int_equal(m.msg_type, NP_DHCP6_ADVERTISE);
	assert_int_equal(m.xid, 0x1f3e67);

	/* server-id type LL. */
	get(&m, NP_DHCP6_OPT_SERVERID, &o);
	assert_int_equal(np_dhcp6_opt_duid(&o, &duid), 0);
	assert_int_equal(duid.type, NP_DHCP6_DUID_LL);
	assert_int_equal(duid.hw_type, 1);
	assert_int_equal(duid.id_len, 6);
	assert_memory_equal(duid.id, server_mac, 6);

	get(&m, NP_DHCP6_OPT_IA_NA, &o);
	assert_int_equal(np_dhcp6_parse_ia(&o, &ia), 0);
	assert_int_equal(ia.iaid, 12);
	assert_int_equal(ia.t1, 6);
	assert_int_equal(ia.t2, 40);
	first_in_ia(&ia, NP_DHCP6_OPT_IAADDR, &o);
	assert_int_equal(np_dhcp6_parse_iaaddr(&o, &a), 0);
	addr6("20010db8000100000000000000000100", want);
	assert_memory_equal(a.addr, want, 16);
	assert_int_equal(a.preferred, 50);
	assert_int_equal(a.valid, 60);
	assert_int_equal(a.options_len, 0);

	get(&m, NP_DHCP6_OPT_DNS_SERVERS, &o);
	assert_int_equal(np_dhcp6_opt_addrs(&o, dns, 4), 2);
	addr6("20010db8000100000000000000000001", want);
	assert_memory_equal(dns[0], want, 16);
	addr6("20010db8000100000000000000000002", want);
	assert_memory_equal(dns[1], want, 16);
	assert_int_equal(np_dhcp6_opt_addrs(&o, dns, 1), NP_ENOSPC);

	get(&m, NP_DHCP6_OPT_DOMAIN_LIST, &o);
	assert_int_equal(np_dhcp6_opt_domains(&o, names, 4), 2);
	name_text(names[0].wire, names[0].len, text, sizeof(text));
	assert_string_equal(text, "example.net.");
	name_text(names[1].wire, names[1].len, text, sizeof(text));
	assert_string_equal(text, "lab.example.net.");

	get(&m, NP_DHCP6_OPT_INFORMATION_REFRESH_TIME, &o);
	assert_int_equal(np_dhcp6_opt_u32(&o, &irt), 0);
	assert_int_equal(irt, 3600);

	/* Kea without DDNS: it will not update (N) and overrides the client's S (O). */
	get(&m, NP_DHCP6_OPT_CLIENT_FQDN, &o);
	assert_int_equal(np_dhcp6_opt_fqdn(&o, &fqdn), 0);
	assert_int_equal(fqdn.flags, NP_DHCP6_FQDN_O | NP_DHCP6_FQDN_N);
	name_text(fqdn.name, fqdn.name_len, text, sizeof(text));
	assert_string_equal(text, "dhclient-host.example.net.");

	get(&m, NP_DHCP6_OPT_NTP_SERVER, &o);
	assert_int_equal(np_dhcp6_opt_ntp(&o, ntp, 4), 2);
	assert_int_equal(ntp[0].type, NP_DHCP6_NTP_SRV_ADDR);
	addr6("20010db8000100000000000000000001", want);
	assert_int_equal(ntp[0].len, 16);
	assert_memory_equal(ntp[0].data, want, 16);
	assert_int_equal(ntp[1].type, NP_DHCP6_NTP_SRV_FQDN);
	name_text(ntp[1].data, ntp[1].len, text, sizeof(text));
	assert_string_equal(text, "ntp.example.net.");
}

static void parses_dhcpcd_solicit(void **state)
{
	uint8_t frame[1600];
	uint16_t codes[16];
	char text[NP_DNS_NAME_TEXT_MAX];
	struct np_dhcp6_class vc;
	struct np_dhcp6_fqdn fqdn;
	struct np_dhcp6_opt o;
	struct np_dhcp6_ia ia;
	struct np_dhcp6 m;
	int n;

	(void)state;
	parse_capture("dhcp6-solicit-dhcpcd.hex", frame, sizeof(frame), &m);
	assert_int_equal(m.msg_type, NP_DHCP6_SOLICIT);
	assert_int_equal(m.xid, 0x133569);

	get(&m, NP_DHCP6_OPT_IA_NA, &o);
	assert_int_equal(np_dhcp6_parse_ia(&o, &ia), 0);
	assert_int_equal(ia.iaid, 1);
	assert_int_equal(ia.t1, 0);
	assert_int_equal(ia.t2, 0);
	get(&m, NP_DHCP6_OPT_IA_PD, &o);
	assert_int_equal(np_dhcp6_parse_ia(&o, &ia), 0);
	assert_int_equal(ia.code, NP_DHCP6_OPT_IA_PD);
	assert_int_equal(ia.iaid, 2);
	assert_int_equal(ia.options_len, 0);

	get(&m, NP_DHCP6_OPT_RAPID_COMMIT, &o);
	assert_int_equal(np_dhcp6_opt_empty(&o), 0);

	get(&m, NP_DHCP6_OPT_ORO, &o);
	n = np_dhcp6_opt_oro(&o, codes, 16);
	assert_int_equal(n, 6);
	assert_true(np_dhcp6_oro_has(codes, (size_t)n, NP_DHCP6_OPT_CLIENT_FQDN));
	assert_true(np_dhcp6_oro_has(codes, (size_t)n, NP_DHCP6_OPT_SOL_MAX_RT));
	assert_true(np_dhcp6_oro_has(codes, (size_t)n, NP_DHCP6_OPT_INF_MAX_RT));

	/* dhcpcd's vendor class: its enterprise number and one version string. */
	get(&m, NP_DHCP6_OPT_VENDOR_CLASS, &o);
	assert_int_equal(np_dhcp6_opt_class(&o, &vc), 0);
	assert_int_equal(vc.enterprise, 40712);
	assert_int_equal(vc.count, 1);
	assert_int_equal(np_load_be16(vc.data), vc.len - 2);
	assert_memory_equal(vc.data + 2, "dhcpcd-9.4.1:", 13);

	/* hostname dhcpcd-host, fqdn both: a partial name, S set. */
	get(&m, NP_DHCP6_OPT_CLIENT_FQDN, &o);
	assert_int_equal(np_dhcp6_opt_fqdn(&o, &fqdn), 0);
	assert_int_equal(fqdn.flags, NP_DHCP6_FQDN_S);
	assert_true(fqdn.partial);
	assert_int_equal(fqdn.name_len, 12);
	assert_memory_equal(fqdn.name, "\x0b" "dhcpcd-host", 12);
	(void)text;
}

static void parses_kea_reply_with_prefix(void **state)
{
	uint8_t frame[1600], want[16];
	char text[NP_DNS_NAME_TEXT_MAX];
	struct np_dhcp6_iaprefix p;
	struct np_dhcp6_fqdn fqdn;
	struct np_dhcp6_opt o;
	struct np_dhcp6_ia ia;
	struct np_dhcp6 m;

	(void)state;
	parse_capture("dhcp6-reply-kea-dhcpcd.hex", frame, sizeof(frame), &m);
	assert_int_equal(m.msg_type, NP_DHCP6_REPLY);
	assert_int_equal(m.xid, 0xc27bce);
	get(&m, NP_DHCP6_OPT_IA_PD, &o);
	assert_int_equal(np_dhcp6_parse_ia(&o, &ia), 0);
	assert_int_equal(ia.iaid, 2);
	assert_int_equal(ia.t1, 6);
	assert_int_equal(ia.t2, 40);
	first_in_ia(&ia, NP_DHCP6_OPT_IAPREFIX, &o);
	assert_int_equal(np_dhcp6_parse_iaprefix(&o, &p), 0);
	assert_int_equal(p.prefix_len, 56);
	addr6("20010db8010000000000000000000000", want);
	assert_memory_equal(p.prefix, want, 16);
	assert_int_equal(p.preferred, 50);
	assert_int_equal(p.valid, 60);
	/* Kea completed dhcpcd's partial name. */
	get(&m, NP_DHCP6_OPT_CLIENT_FQDN, &o);
	assert_int_equal(np_dhcp6_opt_fqdn(&o, &fqdn), 0);
	assert_false(fqdn.partial);
	name_text(fqdn.name, fqdn.name_len, text, sizeof(text));
	assert_string_equal(text, "dhcpcd-host.");
}

static void parses_dhclient_renew_release_inforeq(void **state)
{
	uint8_t frame[1600];
	struct np_dhcp6_duid duid;
	struct np_dhcp6_iaaddr a;
	struct np_dhcp6_opt o;
	struct np_dhcp6_ia ia;
	struct np_dhcp6 m;

	(void)state;
	parse_capture("dhcp6-request-dhclient.hex", frame, sizeof(frame), &m);
	assert_int_equal(m.msg_type, NP_DHCP6_REQUEST);
	get(&m, NP_DHCP6_OPT_SERVERID, &o);
	assert_int_equal(np_dhcp6_opt_duid(&o, &duid), 0);
	assert_memory_equal(duid.id, server_mac, 6);

	parse_capture("dhcp6-renew-dhclient.hex", frame, sizeof(frame), &m);
	assert_int_equal(m.msg_type, NP_DHCP6_RENEW);
	assert_string_equal(np_dhcp6_msg_type_name(m.msg_type), "RENEW");
	get(&m, NP_DHCP6_OPT_IA_NA, &o);
	assert_int_equal(np_dhcp6_parse_ia(&o, &ia), 0);
	first_in_ia(&ia, NP_DHCP6_OPT_IAADDR, &o);
	assert_int_equal(np_dhcp6_parse_iaaddr(&o, &a), 0);
	assert_int_equal(a.preferred, 7200);
	assert_int_equal(a.valid, 7500);

	/* dhclient -r: the address with lifetimes 0. */
	parse_capture("dhcp6-release-dhclient.hex", frame, sizeof(frame), &m);
	assert_int_equal(m.msg_type, NP_DHCP6_RELEASE);
	get(&m, NP_DHCP6_OPT_IA_NA, &o);
	assert_int_equal(np_dhcp6_parse_ia(&o, &ia), 0);
	assert_int_equal(ia.t1, 0);
	first_in_ia(&ia, NP_DHCP6_OPT_IAADDR, &o);
	assert_int_equal(np_dhcp6_parse_iaaddr(&o, &a), 0);
	assert_int_equal(a.preferred, 0);
	assert_int_equal(a.valid, 0);

	/* dhclient -S identifies itself with a DUID-LL. */
	parse_capture("dhcp6-inforeq-dhclient.hex", frame, sizeof(frame), &m);
	assert_int_equal(m.msg_type, NP_DHCP6_INFORMATION_REQUEST);
	assert_string_equal(np_dhcp6_msg_type_name(m.msg_type), "INFORMATION-REQUEST");
	assert_int_equal(np_dhcp6_get(&m, NP_DHCP6_OPT_IA_NA, &o), NP_ENOTFOUND);
	get(&m, NP_DHCP6_OPT_CLIENTID, &o);
	assert_int_equal(np_dhcp6_opt_duid(&o, &duid), 0);
	assert_int_equal(duid.type, NP_DHCP6_DUID_LL);
	assert_memory_equal(duid.id, client_mac, 6);
}

static void parses_kea_status_codes(void **state)
{
	static const char in_ia[] = "Lease released. Thank you, please come again.";
	static const char top[] = "Summary status for all processed IA_NAs";
	uint8_t frame[1600];
	struct np_dhcp6_status st;
	struct np_dhcp6_opt o;
	struct np_dhcp6_ia ia;
	struct np_dhcp6 m;

	(void)state;
	parse_capture("dhcp6-reply-release-kea.hex", frame, sizeof(frame), &m);
	get(&m, NP_DHCP6_OPT_STATUS_CODE, &o);
	assert_int_equal(np_dhcp6_opt_status(&o, &st), 0);
	assert_int_equal(st.code, NP_DHCP6_STATUS_SUCCESS);
	assert_int_equal(st.msg_len, strlen(top));
	assert_memory_equal(st.msg, top, strlen(top));
	get(&m, NP_DHCP6_OPT_IA_NA, &o);
	assert_int_equal(np_dhcp6_parse_ia(&o, &ia), 0);
	first_in_ia(&ia, NP_DHCP6_OPT_STATUS_CODE, &o);
	assert_int_equal(np_dhcp6_opt_status(&o, &st), 0);
	assert_int_equal(st.code, NP_DHCP6_STATUS_SUCCESS);
	assert_int_equal(st.msg_len, strlen(in_ia));
	assert_memory_equal(st.msg, in_ia, strlen(in_ia));
}

static void unwraps_dhcrelay_and_kea_relays(void **state)
{
	uint8_t frame[1600], want[16];
	struct np_dhcp6 relays[NP_DHCP6_MAX_RELAY_DEPTH], m, inner;
	struct np_dhcp6_duid duid;
	struct np_dhcp6_opt o;
	const uint8_t *msg;
	size_t len;

	(void)state;
	len = load_msg("dhcp6-relay-forw-dhcrelay.hex", frame, sizeof(frame), &msg);
	assert_int_equal(np_dhcp6_unwrap(msg, len, relays, NP_DHCP6_MAX_RELAY_DEPTH, &inner), 1);
	assert_int_equal(relays[0].msg_type, NP_DHCP6_RELAY_FORW);
	assert_true(np_dhcp6_is_relay(relays[0].msg_type));
	assert_int_equal(relays[0].hop_count, 0);
	addr6("20010db8000300000000000000000001", want);
	assert_memory_equal(relays[0].link_addr, want, 16);
	addr6("fe80000000000000000000fffe00000d", want);
	assert_memory_equal(relays[0].peer_addr, want, 16);
	assert_int_equal(inner.msg_type, NP_DHCP6_SOLICIT);
	assert_int_equal(inner.xid, 0x38e87d);
	assert_int_equal(np_dhcp6_opts_validate(inner.options, inner.options_len), 0);
	get(&inner, NP_DHCP6_OPT_CLIENTID, &o);
	assert_int_equal(np_dhcp6_opt_duid(&o, &duid), 0);
	assert_int_equal(duid.id[5], 0x0d);
	/* The relay's only option is the Relay Message option (no -I, no Interface-Id). */
	assert_int_equal(np_dhcp6_get(&relays[0], NP_DHCP6_OPT_INTERFACE_ID, &o), NP_ENOTFOUND);
	/* Without room for the relays, NULL still walks them. */
	assert_int_equal(np_dhcp6_unwrap(msg, len, relays, 0, &inner), NP_ENOSPC);
	assert_int_equal(np_dhcp6_unwrap(msg, len, NULL, 0, &inner), 1);

	len = load_msg("dhcp6-relay-repl-kea.hex", frame, sizeof(frame), &msg);
	assert_int_equal(np_dhcp6_parse(msg, len, &m), 0);
	assert_int_equal(m.msg_type, NP_DHCP6_RELAY_REPL);
	assert_string_equal(np_dhcp6_msg_type_name(m.msg_type), "RELAY-REPL");
	assert_int_equal(np_dhcp6_relay_inner(&m, &inner), 0);
	assert_int_equal(inner.msg_type, NP_DHCP6_ADVERTISE);
	assert_int_equal(inner.xid, 0x38e87d);
	assert_int_equal(np_dhcp6_relay_inner(&inner, &m), NP_EINVAL);
}

/* ---- Building --------------------------------------------------------- */

static void build_reproduces_captures(void **state)
{
	uint8_t frame[1600], out[1600];
	struct np_dhcp6 m;
	const uint8_t *msg;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		len = load_msg(captures[i], frame, sizeof(frame), &msg);
		assert_int_equal(np_dhcp6_parse(msg, len, &m), 0);
		assert_int_equal(np_dhcp6_build(&m, out, sizeof(out)), (int)len);
		assert_memory_equal(out, msg, len);
		assert_int_equal(np_dhcp6_build(&m, out, len - 1), NP_ENOSPC);
	}
}

/*
 * The RELAY-REPL Kea sent, rebuilt from dhcrelay's RELAY-FORW and Kea's inner
 * ADVERTISE: without and with (dhcrelay -I) an Interface-Id to echo.
 */
static void relay_repl_matches_kea(void **state)
{
	static const char *const pairs[][2] = {
		{ "dhcp6-relay-forw-dhcrelay.hex", "dhcp6-relay-repl-kea.hex" },
		{ "dhcp6-relay-forw-ifid-dhcrelay.hex", "dhcp6-relay-repl-ifid-kea.hex" },
	};
	uint8_t ffwd[1600], frepl[1600], out[1600];
	struct np_dhcp6 forw, repl, inner;
	struct np_dhcp6_opt o;
	const uint8_t *fmsg, *rmsg;
	size_t flen, rlen, i;

	(void)state;
	for (i = 0; i < 2; i++) {
		flen = load_msg(pairs[i][0], ffwd, sizeof(ffwd), &fmsg);
		rlen = load_msg(pairs[i][1], frepl, sizeof(frepl), &rmsg);
		assert_int_equal(np_dhcp6_parse(fmsg, flen, &forw), 0);
		assert_int_equal(np_dhcp6_parse(rmsg, rlen, &repl), 0);
		assert_int_equal(np_dhcp6_get(&forw, NP_DHCP6_OPT_INTERFACE_ID, &o),
				 i ? 0 : NP_ENOTFOUND);
		assert_int_equal(np_dhcp6_relay_inner(&repl, &inner), 0);
		assert_int_equal(inner.msg_type, NP_DHCP6_ADVERTISE);
		assert_int_equal(np_dhcp6_build_relay_repl(&forw, inner.options - NP_DHCP6_HDR_LEN,
							   inner.options_len + NP_DHCP6_HDR_LEN,
							   out, sizeof(out)),
				 (int)rlen);
		assert_memory_equal(out, rmsg, rlen);
	}
	assert_int_equal(np_dhcp6_build_relay_repl(&forw, rmsg, 10, out, 40), NP_ENOSPC);
	assert_int_equal(np_dhcp6_build_relay_repl(&repl, rmsg, 10, out, sizeof(out)), NP_EINVAL);
}

/* Interface-Id is echoed (RFC 8415 §21.18), the inner message may sit in the output buffer. */
/* A reply built at the start of the buffer is wrapped where it lies, twice (two relays). */
static void relay_repl_wraps_in_place(void **state)
{
	static const uint8_t link[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 3, [15] = 1 };
	static const uint8_t peer[16] = { 0xfe, 0x80, [15] = 0x0d };
	uint8_t fbuf[128], out[512];
	struct np_dhcp6_builder b;
	struct np_dhcp6 forw, relays[2], inner;
	struct np_dhcp6_opt o;
	int flen, len;

	(void)state;
	assert_int_equal(np_dhcp6_builder_init_relay(&b, fbuf, sizeof(fbuf), NP_DHCP6_RELAY_FORW,
						     0, link, peer), 0);
	assert_int_equal(np_dhcp6_add(&b, NP_DHCP6_OPT_INTERFACE_ID, "d6r0", 4), 0);
	assert_int_equal(np_dhcp6_add(&b, NP_DHCP6_OPT_RELAY_MSG, "\x01\x00\x00\x01", 4), 0);
	flen = np_dhcp6_builder_finish(&b);
	assert_int_equal(np_dhcp6_parse(fbuf, (size_t)flen, &forw), 0);
	assert_int_equal(np_dhcp6_builder_init(&b, out, sizeof(out), NP_DHCP6_REPLY, 0xabcdef), 0);
	assert_int_equal(np_dhcp6_add_status(&b, NP_DHCP6_STATUS_SUCCESS, "ok"), 0);
	len = np_dhcp6_builder_finish(&b);
	len = np_dhcp6_build_relay_repl(&forw, out, (size_t)len, out, sizeof(out));
	assert_true(len > 0);
	len = np_dhcp6_build_relay_repl(&forw, out, (size_t)len, out, sizeof(out));
	assert_int_equal(len, 2 * (34 + 8 + 4) + 4 + 8);
	assert_int_equal(np_dhcp6_unwrap(out, (size_t)len, relays, 2, &inner), 2);
	assert_int_equal(inner.msg_type, NP_DHCP6_REPLY);
	assert_int_equal(inner.xid, 0xabcdef);
	get(&inner, NP_DHCP6_OPT_STATUS_CODE, &o);
	assert_int_equal(o.len, 4);
	assert_int_equal(np_dhcp6_build_relay_repl(&forw, out, 100, out, 100 + 34 + 8 + 3),
			 NP_ENOSPC);
}

static void relay_repl_echoes_interface_id(void **state)
{
	static const uint8_t link[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 3, [15] = 1 };
	static const uint8_t peer[16] = { 0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 0x0d };
	uint8_t fbuf[256], out[512];
	struct np_dhcp6_builder b;
	struct np_dhcp6 forw, repl, relays[2], inner;
	struct np_dhcp6_opt o;
	const uint8_t *id;
	size_t id_len;
	int flen, ilen, rlen;

	(void)state;
	assert_int_equal(np_dhcp6_builder_init_relay(&b, fbuf, sizeof(fbuf), NP_DHCP6_RELAY_FORW,
						     0, link, peer), 0);
	assert_int_equal(np_dhcp6_add(&b, NP_DHCP6_OPT_INTERFACE_ID, "d6r0", 4), 0);
	assert_int_equal(np_dhcp6_add(&b, NP_DHCP6_OPT_RELAY_MSG, "\x01\x00\x00\x01", 4), 0);
	flen = np_dhcp6_builder_finish(&b);
	assert_int_equal(flen, 34 + 8 + 8);
	assert_int_equal(np_dhcp6_parse(fbuf, (size_t)flen, &forw), 0);

	/* The inner REPLY built where it will end up would be overwritten: put it at the end. */
	assert_int_equal(np_dhcp6_builder_init(&b, out + 400, 100, NP_DHCP6_REPLY, 1), 0);
	assert_int_equal(np_dhcp6_add_status(&b, NP_DHCP6_STATUS_SUCCESS, "ok"), 0);
	ilen = np_dhcp6_builder_finish(&b);
	assert_int_equal(ilen, 4 + 8);
	rlen = np_dhcp6_build_relay_repl(&forw, out + 400, (size_t)ilen, out, sizeof(out));
	assert_int_equal(rlen, 34 + 8 + 4 + ilen);
	assert_int_equal(np_dhcp6_unwrap(out, (size_t)rlen, relays, 2, &inner), 1);
	repl = relays[0];
	assert_int_equal(repl.msg_type, NP_DHCP6_RELAY_REPL);
	assert_memory_equal(repl.link_addr, link, 16);
	assert_memory_equal(repl.peer_addr, peer, 16);
	get(&repl, NP_DHCP6_OPT_INTERFACE_ID, &o);
	assert_int_equal(np_dhcp6_opt_interface_id(&o, &id, &id_len), 0);
	assert_int_equal(id_len, 4);
	assert_memory_equal(id, "d6r0", 4);
	assert_int_equal(inner.msg_type, NP_DHCP6_REPLY);
	assert_int_equal(inner.xid, 1);
	get(&inner, NP_DHCP6_OPT_STATUS_CODE, &o);
	assert_int_equal(o.len, 4);
	assert_memory_equal(o.data + 2, "ok", 2);
}

/* Kea's REPLY to dhcpcd, rebuilt option by option with the typed builders, octet for octet. */
static void typed_builders_match_kea_reply(void **state)
{
	static const char *const search[] = { "example.net", "lab.example.net" };
	uint8_t frame[1600], out[1600], a1[16], dns[2][16], pfx[16], ntp_name[64];
	struct np_dhcp6_duid client = { .type = NP_DHCP6_DUID_LLT, .hw_type = 1,
					.time = 0x32aa09be, .id = client_mac, .id_len = 6 };
	struct np_dhcp6_duid server = { .type = NP_DHCP6_DUID_LL, .hw_type = 1,
					.id = server_mac, .id_len = 6 };
	struct np_dhcp6_ntp ntp[2];
	struct np_dhcp6_builder b;
	const uint8_t *msg;
	size_t len;
	int n;

	(void)state;
	len = load_msg("dhcp6-reply-kea-dhcpcd.hex", frame, sizeof(frame), &msg);
	addr6("20010db8000100000000000000000101", a1);
	addr6("20010db8000100000000000000000001", dns[0]);
	addr6("20010db8000100000000000000000002", dns[1]);
	addr6("20010db8010000000000000000000000", pfx);
	n = np_dns_name_from_text("ntp.example.net", ntp_name, sizeof(ntp_name));
	assert_true(n > 0);
	ntp[0] = (struct np_dhcp6_ntp){ NP_DHCP6_NTP_SRV_ADDR, dns[0], 16 };
	ntp[1] = (struct np_dhcp6_ntp){ NP_DHCP6_NTP_SRV_FQDN, ntp_name, (size_t)n };

	assert_int_equal(np_dhcp6_builder_init(&b, out, sizeof(out), NP_DHCP6_REPLY, 0xc27bce), 0);
	assert_int_equal(np_dhcp6_add_duid(&b, NP_DHCP6_OPT_CLIENTID, &client), 0);
	assert_int_equal(np_dhcp6_add_duid(&b, NP_DHCP6_OPT_SERVERID, &server), 0);
	assert_int_equal(np_dhcp6_begin_ia(&b, NP_DHCP6_OPT_IA_NA, 1, 6, 40), 0);
	assert_int_equal(np_dhcp6_begin_iaaddr(&b, a1, 50, 60), 0);
	assert_int_equal(np_dhcp6_end(&b), 0);
	assert_int_equal(np_dhcp6_end(&b), 0);
	assert_int_equal(np_dhcp6_add_addrs(&b, NP_DHCP6_OPT_DNS_SERVERS,
					    (const uint8_t (*)[16])dns, 2), 0);
	assert_int_equal(np_dhcp6_add_domains(&b, search, 2), 0);
	assert_int_equal(np_dhcp6_begin_ia(&b, NP_DHCP6_OPT_IA_PD, 2, 6, 40), 0);
	assert_int_equal(np_dhcp6_begin_iaprefix(&b, 50, 60, 56, pfx), 0);
	assert_int_equal(np_dhcp6_end(&b), 0);
	assert_int_equal(np_dhcp6_end(&b), 0);
	assert_int_equal(np_dhcp6_add_u32(&b, NP_DHCP6_OPT_INFORMATION_REFRESH_TIME, 3600), 0);
	assert_int_equal(np_dhcp6_add_fqdn(&b, NP_DHCP6_FQDN_O | NP_DHCP6_FQDN_N, "dhcpcd-host.",
					   0), 0);
	assert_int_equal(np_dhcp6_add_ntp(&b, ntp, 2), 0);
	assert_int_equal(np_dhcp6_builder_finish(&b), (int)len);
	assert_memory_equal(out, msg, len);
}

/* dhcpcd's SOLICIT rebuilt likewise: empty IAs, rapid commit, vendor class, a partial name. */
static void typed_builders_match_dhcpcd_solicit(void **state)
{
	static const uint16_t oro[] = { 23, 24, 31, 39, 82, 83 };
	uint8_t frame[1600], out[1600];
	struct np_dhcp6_duid client = { .type = NP_DHCP6_DUID_LLT, .hw_type = 1,
					.time = 0x32aa09be, .id = client_mac, .id_len = 6 };
	struct np_dhcp6 m;
	struct np_dhcp6_class vc;
	struct np_dhcp6_opt o;
	struct np_dhcp6_builder b;
	const uint8_t *msg;
	size_t len;

	(void)state;
	len = load_msg("dhcp6-solicit-dhcpcd.hex", frame, sizeof(frame), &msg);
	assert_int_equal(np_dhcp6_parse(msg, len, &m), 0);
	get(&m, NP_DHCP6_OPT_VENDOR_CLASS, &o);
	assert_int_equal(np_dhcp6_opt_class(&o, &vc), 0);

	assert_int_equal(np_dhcp6_builder_init(&b, out, sizeof(out), NP_DHCP6_SOLICIT, 0x133569), 0);
	assert_int_equal(np_dhcp6_add_duid(&b, NP_DHCP6_OPT_CLIENTID, &client), 0);
	assert_int_equal(np_dhcp6_begin_ia(&b, NP_DHCP6_OPT_IA_NA, 1, 0, 0), 0);
	assert_int_equal(np_dhcp6_end(&b), 0);
	assert_int_equal(np_dhcp6_begin_ia(&b, NP_DHCP6_OPT_IA_PD, 2, 0, 0), 0);
	assert_int_equal(np_dhcp6_end(&b), 0);
	assert_int_equal(np_dhcp6_add_oro(&b, oro, 6), 0);
	assert_int_equal(np_dhcp6_add_u16(&b, NP_DHCP6_OPT_ELAPSED_TIME, 0), 0);
	assert_int_equal(np_dhcp6_add(&b, NP_DHCP6_OPT_RAPID_COMMIT, NULL, 0), 0);
	assert_int_equal(np_dhcp6_add_class(&b, NP_DHCP6_OPT_VENDOR_CLASS, &vc), 0);
	assert_int_equal(np_dhcp6_add_fqdn(&b, NP_DHCP6_FQDN_S, "dhcpcd-host", 1), 0);
	assert_int_equal(np_dhcp6_builder_finish(&b), (int)len);
	assert_memory_equal(out, msg, len);
}

static void typed_builders_round_trip(void **state)
{
	static const uint8_t uuid[16] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
					  1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t link[16] = { 0xfe, 0x80, [15] = 1 };
	uint8_t out[1024], unicast[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 }, got[16];
	struct np_dhcp6_duid en = { .type = NP_DHCP6_DUID_EN, .enterprise = 2495,
				    .id = (const uint8_t *)"\x0a\x0b\x0c", .id_len = 3 };
	struct np_dhcp6_duid uu = { .type = NP_DHCP6_DUID_UUID, .id = uuid, .id_len = 16 };
	struct np_dhcp6_class uc = { .data = (const uint8_t *)"\x00\x04iPXE", .len = 6 };
	struct np_dhcp6_duid d;
	struct np_dhcp6_lladdr ll;
	struct np_dhcp6_class c;
	struct np_dhcp6_ia ia;
	struct np_dhcp6_builder b;
	struct np_dhcp6_opt o;
	struct np_dhcp6 m;
	uint8_t pref = 0;
	int len;

	(void)state;
	assert_int_equal(np_dhcp6_builder_init(&b, out, sizeof(out), NP_DHCP6_ADVERTISE, 0xabcdef), 0);
	assert_int_equal(np_dhcp6_add_duid(&b, NP_DHCP6_OPT_CLIENTID, &en), 0);
	assert_int_equal(np_dhcp6_add_duid(&b, NP_DHCP6_OPT_SERVERID, &uu), 0);
	assert_int_equal(np_dhcp6_add_u8(&b, NP_DHCP6_OPT_PREFERENCE, 255), 0);
	assert_int_equal(np_dhcp6_add_addrs(&b, NP_DHCP6_OPT_UNICAST,
					    (const uint8_t (*)[16])unicast, 1), 0);
	assert_int_equal(np_dhcp6_add(&b, NP_DHCP6_OPT_RECONF_ACCEPT, NULL, 0), 0);
	assert_int_equal(np_dhcp6_add_lladdr(&b, 1, client_mac, 6), 0);
	assert_int_equal(np_dhcp6_add_class(&b, NP_DHCP6_OPT_USER_CLASS, &uc), 0);
	/* IA_TA: IAID only, then an address holding a status code: three levels of lengths. */
	assert_int_equal(np_dhcp6_begin_ia(&b, NP_DHCP6_OPT_IA_TA, 7, 1, 2), 0);
	assert_int_equal(np_dhcp6_begin_iaaddr(&b, link, 1, 2), 0);
	assert_int_equal(np_dhcp6_add_status(&b, NP_DHCP6_STATUS_NO_ADDRS_AVAIL, "\xc3\xa9t\xc3\xa9"), 0);
	assert_int_equal(np_dhcp6_end(&b), 0);
	assert_int_equal(np_dhcp6_end(&b), 0);
	assert_int_equal(np_dhcp6_end(&b), NP_EINVAL);
	len = np_dhcp6_builder_finish(&b);
	assert_true(len > 0);

	assert_int_equal(np_dhcp6_parse(out, (size_t)len, &m), 0);
	assert_int_equal(np_dhcp6_opts_validate(m.options, m.options_len), 0);
	assert_int_equal(m.xid, 0xabcdef);
	get(&m, NP_DHCP6_OPT_CLIENTID, &o);
	assert_int_equal(np_dhcp6_opt_duid(&o, &d), 0);
	assert_int_equal(d.type, NP_DHCP6_DUID_EN);
	assert_int_equal(d.enterprise, 2495);
	assert_int_equal(d.id_len, 3);
	assert_memory_equal(d.id, "\x0a\x0b\x0c", 3);
	get(&m, NP_DHCP6_OPT_SERVERID, &o);
	assert_int_equal(np_dhcp6_opt_duid(&o, &d), 0);
	assert_int_equal(d.type, NP_DHCP6_DUID_UUID);
	assert_int_equal(d.id_len, 16);
	assert_memory_equal(d.id, uuid, 16);
	get(&m, NP_DHCP6_OPT_PREFERENCE, &o);
	assert_int_equal(np_dhcp6_opt_u8(&o, &pref), 0);
	assert_int_equal(pref, 255);
	get(&m, NP_DHCP6_OPT_UNICAST, &o);
	assert_int_equal(np_dhcp6_opt_addr(&o, got), 0);
	assert_memory_equal(got, unicast, 16);
	get(&m, NP_DHCP6_OPT_RECONF_ACCEPT, &o);
	assert_int_equal(np_dhcp6_opt_empty(&o), 0);
	get(&m, NP_DHCP6_OPT_CLIENT_LINKLAYER_ADDR, &o);
	assert_int_equal(np_dhcp6_opt_lladdr(&o, &ll), 0);
	assert_int_equal(ll.hw_type, 1);
	assert_int_equal(ll.addr_len, 6);
	assert_memory_equal(ll.addr, client_mac, 6);
	get(&m, NP_DHCP6_OPT_USER_CLASS, &o);
	assert_int_equal(np_dhcp6_opt_class(&o, &c), 0);
	assert_int_equal(c.count, 1);
	assert_int_equal(c.len, 6);
	get(&m, NP_DHCP6_OPT_IA_TA, &o);
	assert_int_equal(o.len, 4 + 4 + 24 + 4 + 2 + 5);
	assert_int_equal(np_dhcp6_parse_ia(&o, &ia), 0);
	assert_int_equal(ia.iaid, 7);
	assert_int_equal(ia.t1, 0);
	assert_int_equal(ia.t2, 0);
}

static void builder_rejects_bad_arguments(void **state)
{
	static const uint8_t pfx[16];
	static const char *const bad[] = { "a..b" };
	uint8_t out[64];
	struct np_dhcp6_duid uu = { .type = NP_DHCP6_DUID_UUID, .id = pfx, .id_len = 15 };
	struct np_dhcp6_builder b;
	int i;

	(void)state;
	assert_int_equal(np_dhcp6_builder_init(&b, out, sizeof(out), NP_DHCP6_SOLICIT, 0x1000000),
			 NP_EINVAL);
	assert_int_equal(np_dhcp6_builder_init(&b, out, sizeof(out), NP_DHCP6_RELAY_FORW, 1),
			 NP_EINVAL);
	assert_int_equal(np_dhcp6_builder_init_relay(&b, out, sizeof(out), NP_DHCP6_REPLY, 0, pfx,
						     pfx), NP_EINVAL);
	assert_int_equal(np_dhcp6_builder_init(&b, out, sizeof(out), NP_DHCP6_SOLICIT, 1), 0);
	assert_int_equal(np_dhcp6_add_duid(&b, NP_DHCP6_OPT_CLIENTID, &uu), NP_EINVAL);
	assert_int_equal(np_dhcp6_begin_iaprefix(&b, 0, 0, 129, pfx), NP_EINVAL);
	assert_int_equal(np_dhcp6_add_fqdn(&b, NP_DHCP6_FQDN_S | NP_DHCP6_FQDN_N, "a", 0),
			 NP_EINVAL);
	/* A bad name leaves nothing behind: the message is still just the header. */
	assert_true(np_dhcp6_add_domains(&b, bad, 1) < 0);
	assert_int_equal(np_dhcp6_begin_ia(&b, NP_DHCP6_OPT_IAADDR, 0, 0, 0), NP_EINVAL);
	/* An open container cannot be finished; too many cannot be opened. */
	for (i = 0; i < NP_DHCP6_BUILD_DEPTH; i++)
		assert_int_equal(np_dhcp6_begin(&b, 9), 0);
	assert_int_equal(np_dhcp6_begin(&b, 9), NP_EINVAL);
	for (i = 0; i < NP_DHCP6_BUILD_DEPTH; i++)
		assert_int_equal(np_dhcp6_end(&b), 0);
	assert_int_equal(np_dhcp6_builder_finish(&b), 4 + 4 * NP_DHCP6_BUILD_DEPTH);

	assert_int_equal(np_dhcp6_builder_init(&b, out, sizeof(out), NP_DHCP6_SOLICIT, 1), 0);
	assert_int_equal(np_dhcp6_begin(&b, 3), 0);
	assert_int_equal(np_dhcp6_builder_finish(&b), NP_EINVAL);
	/* Out of room: the builder fails for good. */
	assert_int_equal(np_dhcp6_builder_init(&b, out, 10, NP_DHCP6_SOLICIT, 1), 0);
	assert_int_equal(np_dhcp6_add(&b, 8, "\x00\x00\x00", 3), NP_ENOSPC);
	assert_int_equal(np_dhcp6_add_u8(&b, 7, 0), NP_ENOSPC);
	assert_int_equal(np_dhcp6_builder_finish(&b), NP_ENOSPC);
}

/* ---- Malformed input -------------------------------------------------- */

static int validate_fixture(const char *name)
{
	static uint8_t buf[2048];
	size_t len = np_test_load_hex(name, buf, sizeof(buf));
	struct np_dhcp6 m;
	int rc = np_dhcp6_parse(buf, len, &m);

	return rc < 0 ? rc : np_dhcp6_opts_validate(m.options, m.options_len);
}

static void rejects_hand_made_malformed(void **state)
{
	uint8_t buf[2048];
	struct np_dhcp6_opt o;
	struct np_dhcp6_ia ia;
	struct np_dhcp6 m, inner;
	size_t len;

	(void)state;
	assert_int_equal(validate_fixture("dhcp6-malformed-truncated-option.hex"), NP_EOPT);
	assert_int_equal(validate_fixture("dhcp6-malformed-ia-short.hex"), NP_EBADLEN);
	assert_int_equal(validate_fixture("dhcp6-malformed-ia-long.hex"), NP_EOPT);
	assert_int_equal(validate_fixture("dhcp6-malformed-iaaddr-overrun.hex"), NP_EOPT);

	/* The overrunning IA Address is inside the message: only its IA's walk sees it. */
	len = np_test_load_hex("dhcp6-malformed-iaaddr-overrun.hex", buf, sizeof(buf));
	assert_int_equal(np_dhcp6_parse(buf, len, &m), 0);
	get(&m, NP_DHCP6_OPT_IA_NA, &o);
	assert_int_equal(np_dhcp6_parse_ia(&o, &ia), NP_EOPT);
	assert_int_equal(np_dhcp6_get(&m, NP_DHCP6_OPT_NTP_SERVER, &o), 0);

	len = np_test_load_hex("dhcp6-relay-depth8.hex", buf, sizeof(buf));
	assert_int_equal(np_dhcp6_unwrap(buf, len, NULL, 0, &inner), NP_DHCP6_MAX_RELAY_DEPTH);
	assert_int_equal(inner.msg_type, NP_DHCP6_SOLICIT);
	len = np_test_load_hex("dhcp6-malformed-relay-depth9.hex", buf, sizeof(buf));
	assert_int_equal(np_dhcp6_unwrap(buf, len, NULL, 0, &inner), NP_ECOUNT);
}

static void rejects_short_headers(void **state)
{
	uint8_t buf[64];
	struct np_dhcp6 m;
	size_t len;

	(void)state;
	len = np_test_hex("01 1f 3e", buf, sizeof(buf));
	assert_int_equal(np_dhcp6_parse(buf, len, &m), NP_ETRUNC);
	assert_int_equal(np_dhcp6_parse(buf, 0, &m), NP_ETRUNC);
	len = np_test_hex("00 1f 3e 67", buf, sizeof(buf));
	assert_int_equal(np_dhcp6_parse(buf, len, &m), NP_ETYPE);
	/* A RELAY-FORW needs 34 octets of header. */
	memset(buf, 0, sizeof(buf));
	buf[0] = NP_DHCP6_RELAY_FORW;
	assert_int_equal(np_dhcp6_parse(buf, 33, &m), NP_ETRUNC);
	assert_int_equal(np_dhcp6_parse(buf, 34, &m), 0);
	assert_int_equal(m.options_len, 0);
	/* A relay without a Relay Message option carries nothing. */
	assert_int_equal(np_dhcp6_relay_inner(&m, &m), NP_ENOTFOUND);
	/* An unknown type parses as a client/server message, for the caller to drop. */
	len = np_test_hex("ff 00 00 01", buf, sizeof(buf));
	assert_int_equal(np_dhcp6_parse(buf, len, &m), 0);
	assert_string_equal(np_dhcp6_msg_type_name(m.msg_type), "UNKNOWN");
}

static void rejects_option_overruns(void **state)
{
	uint8_t buf[64];
	struct np_dhcp6_iter it;
	struct np_dhcp6_opt o;
	size_t len;

	(void)state;
	/* Half an option header. */
	len = np_test_hex("00 08 00", buf, sizeof(buf));
	np_dhcp6_iter_init(&it, buf, len);
	assert_int_equal(np_dhcp6_iter_next(&it, &o), NP_EOPT);
	assert_int_equal(np_dhcp6_iter_next(&it, &o), NP_EOPT);
	/* A length one past the area, after a good option. */
	len = np_test_hex("00 0e 00 00  00 08 00 03 00 00", buf, sizeof(buf));
	np_dhcp6_iter_init(&it, buf, len);
	assert_int_equal(np_dhcp6_iter_next(&it, &o), 1);
	assert_int_equal(o.code, NP_DHCP6_OPT_RAPID_COMMIT);
	assert_int_equal(np_dhcp6_iter_next(&it, &o), NP_EOPT);
	assert_int_equal(np_dhcp6_opt_find(buf, len, 8, &o), NP_EOPT);
	assert_int_equal(np_dhcp6_opt_find(buf, len, 14, &o), 0);
	/* Exactly to the end is fine. */
	assert_int_equal(np_dhcp6_opt_find(buf, len - 1, 99, &o), NP_EOPT);
	len = np_test_hex("00 08 00 02 00 00", buf, sizeof(buf));
	assert_int_equal(np_dhcp6_opts_validate(buf, len), 0);
}

/* Build an area of n copies of the option given in hex. */
static size_t repeat(uint8_t *buf, size_t cap, const char *hex, size_t n)
{
	uint8_t one[64];
	size_t k = np_test_hex(hex, one, sizeof(one)), i;

	assert_true(k * n <= cap);
	for (i = 0; i < n; i++)
		memcpy(buf + i * k, one, k);
	return k * n;
}

static void caps_counts(void **state)
{
	static uint8_t buf[8192];
	struct np_dhcp6_opt o;
	struct np_dhcp6_ia ia;
	size_t len, k;

	(void)state;
	len = repeat(buf, sizeof(buf), "00 0e 00 00", NP_DHCP6_MAX_OPTS);
	assert_int_equal(np_dhcp6_opts_validate(buf, len), 0);
	len = repeat(buf, sizeof(buf), "00 0e 00 00", NP_DHCP6_MAX_OPTS + 1);
	assert_int_equal(np_dhcp6_opts_validate(buf, len), NP_ECOUNT);

	len = repeat(buf, sizeof(buf), "00 04 00 04 00 00 00 01", NP_DHCP6_MAX_IAS);
	assert_int_equal(np_dhcp6_opts_validate(buf, len), 0);
	len = repeat(buf, sizeof(buf), "00 04 00 04 00 00 00 01", NP_DHCP6_MAX_IAS + 1);
	assert_int_equal(np_dhcp6_opts_validate(buf, len), NP_ECOUNT);

	/* IA_PD with NP_DHCP6_MAX_IA_ADDRS + 1 prefixes of 29 octets each. */
	k = NP_DHCP6_MAX_IA_ADDRS + 1;
	np_store_be16(buf, NP_DHCP6_OPT_IA_PD);
	np_store_be16(buf + 2, (uint16_t)(12 + 29 * k));
	memset(buf + 4, 0, 12);
	repeat(buf + 16, sizeof(buf) - 16,
	       "00 1a 00 19 00 00 00 32 00 00 00 3c 38 20 01 0d b8 01 00 00 00 00 00 00 00 00 00 00 00",
	       k);
	o.code = NP_DHCP6_OPT_IA_PD;
	o.len = (uint16_t)(12 + 29 * k);
	o.data = buf + 4;
	assert_int_equal(np_dhcp6_parse_ia(&o, &ia), NP_ECOUNT);
	o.len = (uint16_t)(12 + 29 * (k - 1));
	assert_int_equal(np_dhcp6_parse_ia(&o, &ia), 0);
}

static void checks_option_formats(void **state)
{
	uint8_t buf[512], addrs[2][16];
	struct np_dhcp6_name names[4];
	struct np_dhcp6_ntp ntp[4];
	struct np_dhcp6_iaprefix p;
	struct np_dhcp6_status st;
	struct np_dhcp6_fqdn f;
	struct np_dhcp6_duid d;
	struct np_dhcp6_class c;
	struct np_dhcp6_opt o = { 0, 0, buf };
	uint16_t v16;
	size_t len;

	(void)state;
#define OPT(code_, hex) \
	(o.code = (code_), len = np_test_hex(hex, buf, sizeof(buf)), o.len = (uint16_t)len)
	OPT(NP_DHCP6_OPT_ELAPSED_TIME, "00");
	assert_int_equal(np_dhcp6_opt_u16(&o, &v16), NP_EBADLEN);
	OPT(NP_DHCP6_OPT_RAPID_COMMIT, "00");
	assert_int_equal(np_dhcp6_opt_empty(&o), NP_EBADLEN);
	OPT(NP_DHCP6_OPT_DNS_SERVERS, "20 01 0d b8");
	assert_int_equal(np_dhcp6_opt_addrs(&o, addrs, 2), NP_EBADLEN);
	OPT(NP_DHCP6_OPT_ORO, "00 17 00");
	assert_int_equal(np_dhcp6_opt_oro(&o, &v16, 1), NP_EBADLEN);

	/* DUIDs: too short, too long, UUID of the wrong size, an unknown type kept opaque. */
	assert_int_equal(np_dhcp6_parse_duid(buf, 2, &d), NP_EBADLEN);
	assert_int_equal(np_dhcp6_parse_duid(buf, NP_DHCP6_DUID_MAX + 1, &d), NP_EBADLEN);
	OPT(NP_DHCP6_OPT_CLIENTID, "00 01 00 01 00 00");
	assert_int_equal(np_dhcp6_opt_duid(&o, &d), NP_EBADLEN);
	OPT(NP_DHCP6_OPT_CLIENTID, "00 04 01 02 03");
	assert_int_equal(np_dhcp6_opt_duid(&o, &d), NP_EBADLEN);
	OPT(NP_DHCP6_OPT_CLIENTID, "ab cd 01 02 03");
	assert_int_equal(np_dhcp6_opt_duid(&o, &d), 0);
	assert_int_equal(d.type, 0xabcd);
	assert_int_equal(d.id_len, 3);

	/* Prefix length 129; then one octet short of the fixed fields. */
	OPT(NP_DHCP6_OPT_IAPREFIX,
	    "00 00 00 32 00 00 00 3c 81 20 01 0d b8 01 00 00 00 00 00 00 00 00 00 00 00");
	assert_int_equal(np_dhcp6_parse_iaprefix(&o, &p), NP_EFORMAT);
	OPT(NP_DHCP6_OPT_IAPREFIX,
	    "00 00 00 32 00 00 00 3c 38 20 01 0d b8 01 00 00 00 00 00 00 00 00 00 00");
	assert_int_equal(np_dhcp6_parse_iaprefix(&o, &p), NP_EBADLEN);

	/* Status: an overlong encoding of '/' and a lone continuation octet are not UTF-8. */
	OPT(NP_DHCP6_OPT_STATUS_CODE, "00 02 c0 af");
	assert_int_equal(np_dhcp6_opt_status(&o, &st), NP_EFORMAT);
	OPT(NP_DHCP6_OPT_STATUS_CODE, "00 02 41 80");
	assert_int_equal(np_dhcp6_opt_status(&o, &st), NP_EFORMAT);
	OPT(NP_DHCP6_OPT_STATUS_CODE, "00 02 e2 82 ac f0 9f 98 80");
	assert_int_equal(np_dhcp6_opt_status(&o, &st), 0);
	assert_int_equal(st.code, NP_DHCP6_STATUS_NO_ADDRS_AVAIL);
	OPT(NP_DHCP6_OPT_STATUS_CODE, "00");
	assert_int_equal(np_dhcp6_opt_status(&o, &st), NP_EBADLEN);

	/* Domain list: compression is forbidden (RFC 8415 §10), names must end. */
	OPT(NP_DHCP6_OPT_DOMAIN_LIST, "03 6e 65 74 00 c0 00");
	assert_int_equal(np_dhcp6_opt_domains(&o, names, 4), NP_EFORMAT);
	OPT(NP_DHCP6_OPT_DOMAIN_LIST, "03 6e 65 74 00 03 6f 72 67");
	assert_int_equal(np_dhcp6_opt_domains(&o, names, 4), NP_EBADLEN);
	OPT(NP_DHCP6_OPT_DOMAIN_LIST, "03 6e 65 74 00 05 6f 72 67");
	assert_int_equal(np_dhcp6_opt_domains(&o, names, 4), NP_EBADLEN);
	OPT(NP_DHCP6_OPT_DOMAIN_LIST, "03 6e 65 74 00 00");
	assert_int_equal(np_dhcp6_opt_domains(&o, names, 4), 2);
	assert_int_equal(names[1].len, 1);
	assert_int_equal(np_dhcp6_opt_domains(&o, names, 1), NP_ENOSPC);

	/* FQDN: S and N together, octets after the root label, compression. */
	OPT(NP_DHCP6_OPT_CLIENT_FQDN, "05 01 61 00");
	assert_int_equal(np_dhcp6_opt_fqdn(&o, &f), NP_EFORMAT);
	OPT(NP_DHCP6_OPT_CLIENT_FQDN, "01 01 61 00 00");
	assert_int_equal(np_dhcp6_opt_fqdn(&o, &f), NP_EFORMAT);
	OPT(NP_DHCP6_OPT_CLIENT_FQDN, "01 c0 00");
	assert_int_equal(np_dhcp6_opt_fqdn(&o, &f), NP_EFORMAT);
	OPT(NP_DHCP6_OPT_CLIENT_FQDN, "00");
	assert_int_equal(np_dhcp6_opt_fqdn(&o, &f), 0);
	assert_int_equal(f.name_len, 0);
	assert_false(f.partial);
	o.len = 0;
	assert_int_equal(np_dhcp6_opt_fqdn(&o, &f), NP_EBADLEN);

	/* NTP: an address suboption of the wrong size, a suboption past the option. */
	OPT(NP_DHCP6_OPT_NTP_SERVER, "00 01 00 04 20 01 0d b8");
	assert_int_equal(np_dhcp6_opt_ntp(&o, ntp, 4), NP_EBADLEN);
	OPT(NP_DHCP6_OPT_NTP_SERVER, "00 03 00 09 03 6e 74 70 00");
	assert_int_equal(np_dhcp6_opt_ntp(&o, ntp, 4), NP_EOPT);
	OPT(NP_DHCP6_OPT_NTP_SERVER, "00 03 00 06 03 6e 74 70 00 00");
	assert_int_equal(np_dhcp6_opt_ntp(&o, ntp, 4), NP_EFORMAT);
	o.len = 0;
	assert_int_equal(np_dhcp6_opt_ntp(&o, ntp, 4), NP_EBADLEN);

	/* Classes: an item past the option; a user class needs one item. */
	OPT(NP_DHCP6_OPT_USER_CLASS, "00 05 69 50 58 45");
	assert_int_equal(np_dhcp6_opt_class(&o, &c), NP_EOPT);
	o.len = 0;
	assert_int_equal(np_dhcp6_opt_class(&o, &c), NP_EBADLEN);
	OPT(NP_DHCP6_OPT_VENDOR_CLASS, "00 00 09 bf");
	assert_int_equal(np_dhcp6_opt_class(&o, &c), 0);
	assert_int_equal(c.enterprise, 2495);
	assert_int_equal(c.count, 0);
#undef OPT
}

static void names_message_types(void **state)
{
	(void)state;
	assert_string_equal(np_dhcp6_msg_type_name(NP_DHCP6_ADVERTISE), "ADVERTISE");
	assert_string_equal(np_dhcp6_msg_type_name(NP_DHCP6_RELAY_FORW), "RELAY-FORW");
	assert_string_equal(np_dhcp6_msg_type_name(0), "UNKNOWN");
	assert_string_equal(np_dhcp6_msg_type_name(14), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_dhclient_solicit),
		cmocka_unit_test(parses_kea_advertise),
		cmocka_unit_test(parses_dhcpcd_solicit),
		cmocka_unit_test(parses_kea_reply_with_prefix),
		cmocka_unit_test(parses_dhclient_renew_release_inforeq),
		cmocka_unit_test(parses_kea_status_codes),
		cmocka_unit_test(unwraps_dhcrelay_and_kea_relays),
		cmocka_unit_test(build_reproduces_captures),
		cmocka_unit_test(relay_repl_matches_kea),
		cmocka_unit_test(relay_repl_echoes_interface_id),
		cmocka_unit_test(relay_repl_wraps_in_place),
		cmocka_unit_test(typed_builders_match_kea_reply),
		cmocka_unit_test(typed_builders_match_dhcpcd_solicit),
		cmocka_unit_test(typed_builders_round_trip),
		cmocka_unit_test(builder_rejects_bad_arguments),
		cmocka_unit_test(rejects_hand_made_malformed),
		cmocka_unit_test(rejects_short_headers),
		cmocka_unit_test(rejects_option_overruns),
		cmocka_unit_test(caps_counts),
		cmocka_unit_test(checks_option_formats),
		cmocka_unit_test(names_message_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
