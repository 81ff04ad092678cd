/*
 * fuzz-dhcp6.c: DHCPv6 message parser, relay walk, option iterator, IA
 * validation and every typed parser, with round-trip properties that abort()
 * on mismatch:
 *   - parse -> np_dhcp6_build -> parse gives the same header and options;
 *   - every option of the message's area, re-added with np_dhcp6_add(),
 *     gives the same octets;
 *   - each typed parser's result, written back with its typed builder, reads
 *     back the same;
 *   - a RELAY-FORW answered with np_dhcp6_build_relay_repl() unwraps to the
 *     same inner message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/dhcp6.h>
#include <netproto/dns.h>
#include <netproto/error.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ITEMS 64

static uint8_t out[70000];

static void check(int cond)
{
	if (!cond)
		abort();
}

static void begin(struct np_dhcp6_builder *b)
{
	check(np_dhcp6_builder_init(b, out, sizeof(out), NP_DHCP6_REPLY, 0x123456) == 0);
}

/* Finish b and return its only option. */
static void finish(struct np_dhcp6_builder *b, uint16_t code, struct np_dhcp6_opt *o)
{
	int len = np_dhcp6_builder_finish(b);
	struct np_dhcp6 m;

	check(len >= NP_DHCP6_HDR_LEN);
	check(np_dhcp6_parse(out, (size_t)len, &m) == 0);
	check(np_dhcp6_opts_validate(m.options, m.options_len) == 0);
	check(np_dhcp6_get(&m, code, o) == 0);
}

static int same_opt(const struct np_dhcp6_opt *a, const struct np_dhcp6_opt *b)
{
	return a->code == b->code && a->len == b->len && !memcmp(a->data, b->data, a->len);
}

static void typed_scalars(const struct np_dhcp6_opt *o)
{
	struct np_dhcp6_builder b;
	struct np_dhcp6_opt r;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;

	if (np_dhcp6_opt_u8(o, &v8) == 0) {
		begin(&b);
		check(np_dhcp6_add_u8(&b, o->code, v8) == 0);
		finish(&b, o->code, &r);
		check(same_opt(o, &r));
	}
	if (np_dhcp6_opt_u16(o, &v16) == 0) {
		begin(&b);
		check(np_dhcp6_add_u16(&b, o->code, v16) == 0);
		finish(&b, o->code, &r);
		check(same_opt(o, &r));
	}
	if (np_dhcp6_opt_u32(o, &v32) == 0) {
		begin(&b);
		check(np_dhcp6_add_u32(&b, o->code, v32) == 0);
		finish(&b, o->code, &r);
		check(same_opt(o, &r));
	}
	check(np_dhcp6_opt_empty(o) == (o->len ? NP_EBADLEN : 0));
}

static void typed_lists(const struct np_dhcp6_opt *o)
{
	static uint8_t addrs[4096][16];
	static uint16_t codes[32768];
	struct np_dhcp6_builder b;
	struct np_dhcp6_opt r;
	const uint8_t *id;
	size_t id_len;
	int n;

	n = np_dhcp6_opt_addrs(o, addrs, 4096);
	if (n > 0) {
		begin(&b);
		check(np_dhcp6_add_addrs(&b, o->code, (const uint8_t (*)[16])addrs, (size_t)n) == 0);
		finish(&b, o->code, &r);
		check(same_opt(o, &r));
	}
	n = np_dhcp6_opt_oro(o, codes, 32768);
	if (n >= 0 && o->code == NP_DHCP6_OPT_ORO) {
		begin(&b);
		check(np_dhcp6_add_oro(&b, codes, (size_t)n) == 0);
		finish(&b, o->code, &r);
		check(same_opt(o, &r));
		check(!n || np_dhcp6_oro_has(codes, (size_t)n, codes[n - 1]));
	}
	if (np_dhcp6_opt_interface_id(o, &id, &id_len) == 0)
		check(id == o->data && id_len == o->len);
}

static void typed_duid(const struct np_dhcp6_opt *o)
{
	struct np_dhcp6_builder b;
	struct np_dhcp6_duid d;
	struct np_dhcp6_opt r;

	if (np_dhcp6_opt_duid(o, &d) < 0)
		return;
	check(d.raw == o->data && d.raw_len == o->len && d.raw_len <= NP_DHCP6_DUID_MAX);
	begin(&b);
	check(np_dhcp6_add_duid(&b, o->code, &d) == 0);
	finish(&b, o->code, &r);
	check(same_opt(o, &r));
}

static void typed_texts(const struct np_dhcp6_opt *o)
{
	static char text[NP_DNS_NAME_TEXT_MAX];
	static char msg[65536];
	struct np_dhcp6_builder b;
	struct np_dhcp6_status st;
	struct np_dhcp6_lladdr ll;
	struct np_dhcp6_fqdn f;
	struct np_dhcp6_class c;
	struct np_dhcp6_opt r;

	if (np_dhcp6_opt_status(o, &st) == 0 && !memchr(st.msg, 0, st.msg_len)) {
		memcpy(msg, st.msg, st.msg_len);
		msg[st.msg_len] = '\0';
		begin(&b);
		check(np_dhcp6_add_status(&b, st.code, msg) == 0);
		finish(&b, NP_DHCP6_OPT_STATUS_CODE, &r);
		check(r.len == o->len && !memcmp(r.data, o->data, o->len));
	}
	if (np_dhcp6_opt_lladdr(o, &ll) == 0) {
		begin(&b);
		check(np_dhcp6_add_lladdr(&b, ll.hw_type, ll.addr, ll.addr_len) == 0);
		finish(&b, NP_DHCP6_OPT_CLIENT_LINKLAYER_ADDR, &r);
		check(r.len == o->len && !memcmp(r.data, o->data, o->len));
	}
	if (np_dhcp6_opt_fqdn(o, &f) == 0) {
		check(!f.partial || f.name_len < NP_DNS_NAME_MAX);
		text[0] = '\0';
		if (f.name_len) {
			uint8_t wire[NP_DNS_NAME_MAX];

			/* A partial name, completed with the root label, is a valid name. */
			memcpy(wire, f.name, f.name_len);
			wire[f.name_len] = 0;
			check(np_dns_name_to_text(wire, f.name_len + (f.partial ? 1 : 0), text,
						  sizeof(text)) > 0);
		}
		begin(&b);
		/* The root name "." cannot be partial; everything else round-trips. */
		check(np_dhcp6_add_fqdn(&b, f.flags, text, f.partial) == 0);
		finish(&b, NP_DHCP6_OPT_CLIENT_FQDN, &r);
		check(r.len == o->len && !memcmp(r.data, o->data, o->len));
	}
	if (np_dhcp6_opt_class(o, &c) == 0) {
		begin(&b);
		check(np_dhcp6_add_class(&b, o->code, &c) == 0);
		finish(&b, o->code, &r);
		check(same_opt(o, &r));
	}
}

static void typed_names(const struct np_dhcp6_opt *o)
{
	static char text[MAX_ITEMS][NP_DNS_NAME_TEXT_MAX];
	static struct np_dhcp6_name names[MAX_ITEMS];
	static struct np_dhcp6_ntp ntp[MAX_ITEMS];
	const char *list[MAX_ITEMS];
	struct np_dhcp6_builder b;
	struct np_dhcp6_opt r;
	int n, i;

	n = np_dhcp6_opt_domains(o, names, MAX_ITEMS);
	if (n > 0) {
		for (i = 0; i < n; i++) {
			check(np_dns_name_to_text(names[i].wire, names[i].len, text[i],
						  sizeof(text[i])) > 0);
			list[i] = text[i];
		}
		begin(&b);
		check(np_dhcp6_add_domains(&b, list, (size_t)n) == 0);
		finish(&b, NP_DHCP6_OPT_DOMAIN_LIST, &r);
		check(r.len == o->len && !memcmp(r.data, o->data, o->len));
	}
	n = np_dhcp6_opt_ntp(o, ntp, MAX_ITEMS);
	if (n > 0) {
		begin(&b);
		check(np_dhcp6_add_ntp(&b, ntp, (size_t)n) == 0);
		finish(&b, NP_DHCP6_OPT_NTP_SERVER, &r);
		check(r.len == o->len && !memcmp(r.data, o->data, o->len));
	}
}

/* Copy the options of an area raw (they were validated with it). */
static void add_raw(struct np_dhcp6_builder *b, const uint8_t *area, size_t len)
{
	struct np_dhcp6_iter it;
	struct np_dhcp6_opt s;

	np_dhcp6_iter_init(&it, area, len);
	while (np_dhcp6_iter_next(&it, &s) > 0)
		check(np_dhcp6_add(b, s.code, s.data, s.len) == 0);
}

/*
 * An IA, rebuilt from its parsed fields and those of its addresses and
 * prefixes (their own options copied raw), is the same option.
 */
static void typed_ia(const struct np_dhcp6_opt *o)
{
	struct np_dhcp6_iaprefix p;
	struct np_dhcp6_iaaddr a;
	struct np_dhcp6_builder b;
	struct np_dhcp6_iter it;
	struct np_dhcp6_opt s, r;
	struct np_dhcp6_ia ia;

	if (np_dhcp6_parse_ia(o, &ia) < 0)
		return;
	begin(&b);
	check(np_dhcp6_begin_ia(&b, ia.code, ia.iaid, ia.t1, ia.t2) == 0);
	np_dhcp6_iter_init(&it, ia.options, ia.options_len);
	while (np_dhcp6_iter_next(&it, &s) > 0) {
		if (s.code == NP_DHCP6_OPT_IAADDR) {
			check(np_dhcp6_parse_iaaddr(&s, &a) == 0);
			check(np_dhcp6_begin_iaaddr(&b, a.addr, a.preferred, a.valid) == 0);
			add_raw(&b, a.options, a.options_len);
			check(np_dhcp6_end(&b) == 0);
		} else if (s.code == NP_DHCP6_OPT_IAPREFIX) {
			check(np_dhcp6_parse_iaprefix(&s, &p) == 0);
			check(np_dhcp6_begin_iaprefix(&b, p.preferred, p.valid, p.prefix_len,
						      p.prefix) == 0);
			add_raw(&b, p.options, p.options_len);
			check(np_dhcp6_end(&b) == 0);
		} else {
			check(np_dhcp6_add(&b, s.code, s.data, s.len) == 0);
		}
	}
	check(np_dhcp6_end(&b) == 0);
	finish(&b, ia.code, &r);
	check(same_opt(o, &r));
}

static void every_typed_parser(const struct np_dhcp6_opt *o)
{
	typed_scalars(o);
	typed_lists(o);
	typed_duid(o);
	typed_texts(o);
	typed_names(o);
	typed_ia(o);
}

/* Every typed parser on every option; then every option re-added raw gives the same area. */
static void round_trip_area(const struct np_dhcp6 *m)
{
	struct np_dhcp6_builder b;
	struct np_dhcp6_iter it;
	struct np_dhcp6_opt o;
	int len;

	np_dhcp6_iter_init(&it, m->options, m->options_len);
	while (np_dhcp6_iter_next(&it, &o) > 0)
		every_typed_parser(&o);
	check(np_dhcp6_builder_init(&b, out, sizeof(out), NP_DHCP6_REPLY, 1) == 0);
	add_raw(&b, m->options, m->options_len);
	len = np_dhcp6_builder_finish(&b);
	check(len == (int)(NP_DHCP6_HDR_LEN + m->options_len));
	check(!memcmp(out + NP_DHCP6_HDR_LEN, m->options, m->options_len));
}

/* The RELAY-REPL answering an outermost RELAY-FORW carries the same message and Interface-Id. */
static void round_trip_relay(const uint8_t *data, size_t size)
{
	static struct np_dhcp6 relays[NP_DHCP6_MAX_RELAY_DEPTH];
	struct np_dhcp6_opt msg_opt, ifid, r;
	struct np_dhcp6 msg, again;
	int depth, len, has_ifid;

	depth = np_dhcp6_unwrap(data, size, relays, NP_DHCP6_MAX_RELAY_DEPTH, &msg);
	if (depth <= 0)
		return;
	check(!np_dhcp6_is_relay(msg.msg_type));
	if (relays[0].msg_type != NP_DHCP6_RELAY_FORW)
		return;
	check(np_dhcp6_get(&relays[0], NP_DHCP6_OPT_RELAY_MSG, &msg_opt) == 0);
	has_ifid = np_dhcp6_get(&relays[0], NP_DHCP6_OPT_INTERFACE_ID, &ifid);
	if (has_ifid < 0 && has_ifid != NP_ENOTFOUND)
		return;
	len = np_dhcp6_build_relay_repl(&relays[0], msg_opt.data, msg_opt.len, out, sizeof(out));
	check(len > 0);
	check(np_dhcp6_parse(out, (size_t)len, &again) == 0);
	check(again.msg_type == NP_DHCP6_RELAY_REPL && again.hop_count == relays[0].hop_count);
	check(!memcmp(again.link_addr, relays[0].link_addr, 16));
	check(!memcmp(again.peer_addr, relays[0].peer_addr, 16));
	check(np_dhcp6_get(&again, NP_DHCP6_OPT_RELAY_MSG, &r) == 0 && same_opt(&msg_opt, &r));
	if (has_ifid == 0)
		check(np_dhcp6_get(&again, NP_DHCP6_OPT_INTERFACE_ID, &r) == 0 && same_opt(&ifid, &r));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t copy[70000];
	struct np_dhcp6 a, b;
	int len, valid;

	if (np_dhcp6_parse(data, size, &a) < 0)
		return 0;
	valid = np_dhcp6_opts_validate(a.options, a.options_len) == 0;
	(void)np_dhcp6_msg_type_name(a.msg_type);

	/* The header and the options octets survive np_dhcp6_build(). */
	if (size <= sizeof(copy)) {
		len = np_dhcp6_build(&a, copy, sizeof(copy));
		check(len == (int)size);
		check(np_dhcp6_parse(copy, (size_t)len, &b) == 0);
		check(a.msg_type == b.msg_type && a.xid == b.xid && a.hop_count == b.hop_count &&
		      !memcmp(a.link_addr, b.link_addr, 16) && !memcmp(a.peer_addr, b.peer_addr, 16));
		check(b.options_len == a.options_len && !memcmp(a.options, b.options, a.options_len));
	}
	if (valid && size <= sizeof(out) - NP_DHCP6_RELAY_HDR_LEN)
		round_trip_area(&a);
	round_trip_relay(data, size);
	return 0;
}
