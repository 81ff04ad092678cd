/*
 * test-tcp.c: TCP (RFC 9293) headers and options against segments the
 * Linux kernel sent in network namespaces, and hand-made malformed ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/buf.h>
#include <netproto/csum.h>
#include <netproto/error.h>
#include <netproto/ether.h>
#include <netproto/ipv6.h>
#include <netproto/tcp.h>

#include "testutil.h"

#define ALL_SYN_OPTS (NP_TCP_HAS_MSS | NP_TCP_HAS_SACK_PERM | NP_TCP_HAS_TIMESTAMP | NP_TCP_HAS_WSCALE)

/* A captured frame and the TCP segment inside it, found from its own bytes. */
struct capture {
	uint8_t frame[1600];
	uint8_t *l4;
	size_t l4_len;
	uint32_t src, dst;
};

static void load(const char *name, struct capture *c)
{
	size_t len = np_test_load_hex(name, c->frame, sizeof(c->frame));
	size_t ihl;

	assert_true(len >= 54);
	/* Ethernet (14), then IPv4 with IHL words of header and a total length. */
	ihl = (size_t)(c->frame[14] & 0x0f) * 4;
	assert_int_equal(c->frame[23], NP_IPPROTO_TCP);
	c->l4 = c->frame + 14 + ihl;
	c->l4_len = np_load_be16(c->frame + 16) - ihl;
	assert_true(14 + ihl + c->l4_len <= len);
	c->src = np_load_be32(c->frame + 26);
	c->dst = np_load_be32(c->frame + 30);
}

static void load_parse(const char *name, struct capture *c, struct np_tcp *t)
{
	load(name, c);
	assert_int_equal(np_tcp_parse(c->l4, c->l4_len, c->src, c->dst, t), 0);
}

/*
 * A hand-made segment: the kernel's SYN header with the options region
 * replaced by opthex (a multiple of 4 octets), the data offset and the
 * checksum made to match.  Returns its length.
 */
static size_t handmade(struct capture *c, const char *opthex)
{
	uint8_t opt[64];
	size_t n = np_test_hex(opthex, opt, sizeof(opt));
	uint32_t sum;

	load("tcp-syn-kernel.hex", c);
	assert_int_equal(n % 4, 0);
	memcpy(c->l4 + 20, opt, n);
	c->l4[12] = (uint8_t)((20 + n) / 4 << 4);
	c->l4_len = 20 + n;
	np_store_be16(c->l4 + 16, 0);
	sum = np_csum_pseudo4(c->src, c->dst, NP_IPPROTO_TCP, (uint16_t)c->l4_len);
	np_store_be16(c->l4 + 16, np_csum_finish(np_csum_add(sum, c->l4, c->l4_len)));
	return c->l4_len;
}

static int parse_handmade(const char *opthex, struct np_tcp *t)
{
	struct capture c;
	size_t len = handmade(&c, opthex);

	return np_tcp_parse(c.l4, len, c.src, c.dst, t);
}

static void parses_kernel_syn(void **state)
{
	struct capture c;
	struct np_tcp t;

	(void)state;
	load_parse("tcp-syn-kernel.hex", &c, &t);
	assert_int_equal(t.src_port, 44456);
	assert_int_equal(t.dst_port, 8080);
	assert_int_equal(t.seq, 2555402490u);
	assert_int_equal(t.ack, 0);
	assert_int_equal(t.hdr_len, 40);
	assert_int_equal(t.flags, NP_TCP_SYN);
	assert_int_equal(t.reserved, 0);
	assert_int_equal(t.window, 64240);
	assert_int_equal(t.checksum, 0xeabb);
	assert_int_equal(t.urgent, 0);
	assert_int_equal(t.opts.present, ALL_SYN_OPTS);
	assert_int_equal(t.opts.mss, 1460);
	assert_int_equal(t.opts.wscale, 10);
	assert_int_equal(t.opts.ts_val, 0x3cab5285);
	assert_int_equal(t.opts.ts_ecr, 0);
	assert_int_equal(t.opts.sack_count, 0);
	assert_int_equal(t.opts.unknown_count, 0);
	assert_ptr_equal(t.opt_data, c.l4 + 20);
	assert_int_equal(t.opt_len, 20);
	assert_int_equal(t.payload_len, 0);
}

/* The SYN-ACK answers that SYN: ack = ISN + 1, echoing its timestamp. */
static void parses_kernel_synack(void **state)
{
	struct capture c;
	struct np_tcp syn, t;

	(void)state;
	load_parse("tcp-syn-kernel.hex", &c, &syn);
	load_parse("tcp-synack-kernel.hex", &c, &t);
	assert_int_equal(t.src_port, 8080);
	assert_int_equal(t.dst_port, syn.src_port);
	assert_int_equal(t.flags, NP_TCP_SYN | NP_TCP_ACK);
	assert_int_equal(t.ack, syn.seq + 1);
	assert_int_equal(t.window, 65160);
	assert_int_equal(t.opts.present, ALL_SYN_OPTS);
	assert_int_equal(t.opts.mss, 1460);
	assert_int_equal(t.opts.wscale, 10);
	assert_int_equal(t.opts.ts_ecr, syn.opts.ts_val);
	assert_int_not_equal(t.opts.ts_val, 0);
}

/* The kernel drops each option when its sysctl is off, and only that one. */
static void parses_sysctl_variants(void **state)
{
	static const struct {
		const char *name;
		unsigned present;
		unsigned hdr_len;
		uint16_t mss;
		uint8_t flags;
	} cases[] = {
		{ "tcp-syn-nots-kernel.hex", ALL_SYN_OPTS & ~NP_TCP_HAS_TIMESTAMP, 32, 1460, NP_TCP_SYN },
		{ "tcp-synack-nots-kernel.hex", ALL_SYN_OPTS & ~NP_TCP_HAS_TIMESTAMP, 32, 1460,
		  NP_TCP_SYN | NP_TCP_ACK },
		{ "tcp-syn-nosack-kernel.hex", ALL_SYN_OPTS & ~NP_TCP_HAS_SACK_PERM, 40, 1460, NP_TCP_SYN },
		{ "tcp-synack-nosack-kernel.hex", ALL_SYN_OPTS & ~NP_TCP_HAS_SACK_PERM, 40, 1460,
		  NP_TCP_SYN | NP_TCP_ACK },
		{ "tcp-syn-nowscale-kernel.hex", ALL_SYN_OPTS & ~NP_TCP_HAS_WSCALE, 36, 1460, NP_TCP_SYN },
		{ "tcp-synack-nowscale-kernel.hex", ALL_SYN_OPTS & ~NP_TCP_HAS_WSCALE, 36, 1460,
		  NP_TCP_SYN | NP_TCP_ACK },
		/* RFC 3168 §6.1.1: an ECN-setup SYN has ECE and CWR, the SYN-ACK ECE only. */
		{ "tcp-syn-ecn-kernel.hex", ALL_SYN_OPTS, 40, 1460, NP_TCP_SYN | NP_TCP_ECE | NP_TCP_CWR },
		{ "tcp-synack-ecn-kernel.hex", ALL_SYN_OPTS, 40, 1460, NP_TCP_SYN | NP_TCP_ACK | NP_TCP_ECE },
		/* A listener with TCP_MAXSEG 536 advertises it. */
		{ "tcp-synack-mss536-kernel.hex", ALL_SYN_OPTS, 40, 536, NP_TCP_SYN | NP_TCP_ACK },
	};
	struct capture c;
	struct np_tcp t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		load_parse(cases[i].name, &c, &t);
		assert_int_equal(t.opts.present, cases[i].present);
		assert_int_equal(t.hdr_len, cases[i].hdr_len);
		assert_int_equal(t.opts.mss, cases[i].mss);
		assert_int_equal(t.flags, cases[i].flags);
		if (cases[i].present & NP_TCP_HAS_WSCALE)
			assert_int_equal(t.opts.wscale, 10);
	}
}

static void parses_kernel_rst(void **state)
{
	struct capture c;
	struct np_tcp t;

	(void)state;
	load_parse("tcp-rst-kernel.hex", &c, &t);
	assert_int_equal(t.src_port, 9);
	assert_int_equal(t.flags, NP_TCP_RST | NP_TCP_ACK);
	/* RFC 9293 §3.10.7.1: to a SYN, a closed port answers seq 0, ack ISN + 1. */
	assert_int_equal(t.seq, 0);
	assert_int_equal(t.ack, 817872639u);
	assert_int_equal(t.window, 0);
	assert_int_equal(t.hdr_len, 20);
	assert_int_equal(t.opt_len, 0);
	assert_int_equal(t.opts.present, 0);
}

static void parses_kernel_data_and_fin(void **state)
{
	struct capture c;
	struct np_tcp t;

	(void)state;
	load_parse("tcp-data-kernel.hex", &c, &t);
	assert_int_equal(t.flags, NP_TCP_PSH | NP_TCP_ACK);
	assert_int_equal(t.hdr_len, 32);
	assert_int_equal(t.opts.present, NP_TCP_HAS_TIMESTAMP);
	assert_int_equal(t.payload_len, 6);
	assert_ptr_equal(t.payload, c.l4 + 32);
	assert_memory_equal(t.payload, "hello\n", 6);

	load_parse("tcp-finack-kernel.hex", &c, &t);
	assert_int_equal(t.flags, NP_TCP_FIN | NP_TCP_ACK);
	assert_int_equal(t.opts.present, NP_TCP_HAS_TIMESTAMP);
	assert_int_equal(t.window, 63);
	assert_int_equal(t.payload_len, 0);
}

/* The kernel's duplicate ACKs for data past a hole (RFC 2018 §4). */
static void parses_kernel_sack_blocks(void **state)
{
	struct capture c;
	struct np_tcp t;

	(void)state;
	load_parse("tcp-ack-sack1-kernel.hex", &c, &t);
	assert_int_equal(t.flags, NP_TCP_ACK);
	assert_int_equal(t.ack, 1000001);
	assert_int_equal(t.opts.present, NP_TCP_HAS_TIMESTAMP | NP_TCP_HAS_SACK);
	assert_int_equal(t.opts.ts_ecr, 1001);
	assert_int_equal(t.opts.sack_count, 1);
	assert_int_equal(t.opts.sack[0].left, 1000101);
	assert_int_equal(t.opts.sack[0].right, 1000151);

	load_parse("tcp-ack-sack2-kernel.hex", &c, &t);
	assert_int_equal(t.hdr_len, 52);
	assert_int_equal(t.opts.sack_count, 2);
	/* The most recent block first (RFC 2018 §4). */
	assert_int_equal(t.opts.sack[0].left, 1000301);
	assert_int_equal(t.opts.sack[0].right, 1000351);
	assert_int_equal(t.opts.sack[1].left, 1000101);
	assert_int_equal(t.opts.sack[1].right, 1000151);
}

static const char *const kernel_segments[] = {
	"tcp-syn-kernel.hex",          "tcp-synack-kernel.hex",          "tcp-data-kernel.hex",
	"tcp-finack-kernel.hex",       "tcp-syn-nots-kernel.hex",        "tcp-synack-nots-kernel.hex",
	"tcp-syn-nosack-kernel.hex",   "tcp-synack-nosack-kernel.hex",   "tcp-syn-nowscale-kernel.hex",
	"tcp-synack-nowscale-kernel.hex", "tcp-syn-ecn-kernel.hex",      "tcp-synack-ecn-kernel.hex",
	"tcp-synack-mss536-kernel.hex", "tcp-rst-kernel.hex",            "tcp-ack-sack1-kernel.hex",
	"tcp-ack-sack2-kernel.hex",
};

static void assert_same_segment(const struct np_tcp *a, const struct np_tcp *b)
{
	assert_int_equal(a->src_port, b->src_port);
	assert_int_equal(a->dst_port, b->dst_port);
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->ack, b->ack);
	assert_int_equal(a->hdr_len, b->hdr_len);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->window, b->window);
	assert_int_equal(a->checksum, b->checksum);
	assert_int_equal(a->opts.present, b->opts.present);
	assert_memory_equal(&a->opts.sack, &b->opts.sack, sizeof(a->opts.sack));
	assert_int_equal(a->payload_len, b->payload_len);
	assert_memory_equal(a->payload, b->payload, a->payload_len);
}

/*
 * parse -> build (Linux layout) -> the kernel's exact bytes, checksum
 * included, for every captured segment: the layout is the kernel's for
 * SYN, SYN-ACK, data, FIN, RST and SACK alike.
 */
static void round_trip_is_byte_exact(void **state)
{
	struct capture c;
	struct np_tcp t, back;
	uint8_t out[1600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kernel_segments) / sizeof(kernel_segments[0]); i++) {
		load_parse(kernel_segments[i], &c, &t);
		memset(out, 0xee, sizeof(out));
		assert_int_equal(np_tcp_hdr_len(&t), t.hdr_len);
		assert_int_equal(np_tcp_build(&t, c.src, c.dst, out, sizeof(out)), (int)c.l4_len);
		assert_memory_equal(out, c.l4, c.l4_len);
		assert_int_equal(np_tcp_parse(out, c.l4_len, c.src, c.dst, &back), 0);
		assert_same_segment(&t, &back);
		/* The raw layout gives the same bytes too. */
		t.opt_layout = NP_TCP_LAYOUT_RAW;
		assert_int_equal(np_tcp_build(&t, c.src, c.dst, out, sizeof(out)), (int)c.l4_len);
		assert_memory_equal(out, c.l4, c.l4_len);
	}
}

/* A SYN built from plain values is the kernel's SYN, options region and all. */
static void built_syn_matches_kernel(void **state)
{
	struct capture c;
	struct np_tcp syn = {
		.src_port = 44456,
		.dst_port = 8080,
		.seq = 2555402490u,
		.flags = NP_TCP_SYN,
		.window = 64240,
		.opts = {
			.present = ALL_SYN_OPTS,
			.mss = 1460,
			.wscale = 10,
			.ts_val = 0x3cab5285,
		},
	};
	uint8_t out[64];

	(void)state;
	load("tcp-syn-kernel.hex", &c);
	assert_int_equal(np_tcp_hdr_len(&syn), 40);
	assert_int_equal(np_tcp_build(&syn, c.src, c.dst, out, sizeof(out)), 40);
	/* MSS, SACK-permitted, timestamps, NOP, window scale. */
	assert_memory_equal(out + 20, c.l4 + 20, 20);
	assert_memory_equal(out, c.l4, 40);
}

/* Without timestamps the kernel puts NOP NOP before SACK-permitted. */
static void built_syn_without_timestamps_matches_kernel(void **state)
{
	struct capture c;
	struct np_tcp t, syn;
	uint8_t out[64];

	(void)state;
	load_parse("tcp-syn-nots-kernel.hex", &c, &t);
	memset(&syn, 0, sizeof(syn));
	syn.opts.present = NP_TCP_HAS_MSS | NP_TCP_HAS_SACK_PERM | NP_TCP_HAS_WSCALE;
	syn.opts.mss = 1460;
	syn.opts.wscale = 10;
	assert_int_equal(np_tcp_build(&syn, c.src, c.dst, out, sizeof(out)), 32);
	assert_memory_equal(out + 20, c.l4 + 20, 12);
	assert_memory_equal(out + 20, "\x02\x04\x05\xb4\x01\x01\x04\x02\x01\x03\x03\x0a", 12);
}

/* Options in a caller-given order, padded with EOL to a 32-bit boundary. */
static void build_in_given_order(void **state)
{
	static const uint8_t order[] = { NP_TCP_OPT_TIMESTAMP, NP_TCP_OPT_NOP, NP_TCP_OPT_WSCALE,
					 NP_TCP_OPT_SACK_PERM, NP_TCP_OPT_MSS, NP_TCP_OPT_NOP };
	static const uint8_t want[] = { 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7, 4, 2,
					2, 4, 0x05, 0xb4, 1, 0, 0, 0 };
	static const uint8_t ws_only[] = { NP_TCP_OPT_WSCALE };
	struct np_tcp t = { .src_port = 1, .dst_port = 2, .flags = NP_TCP_SYN };
	struct np_tcp back;
	uint8_t out[64], bad;

	(void)state;
	t.opts.present = ALL_SYN_OPTS;
	t.opts.mss = 1460;
	t.opts.wscale = 7;
	t.opts.ts_val = 1;
	t.opts.ts_ecr = 2;
	t.opt_layout = NP_TCP_LAYOUT_ORDER;
	t.opt_order = order;
	t.opt_order_len = sizeof(order);
	/* 10 + 1 + 3 + 2 + 4 + 1 = 21 octets, then 3 of EOL padding. */
	assert_int_equal(np_tcp_build(&t, 1, 2, out, sizeof(out)), 44);
	assert_int_equal(out[12] >> 4, 11);
	assert_memory_equal(out + 20, want, sizeof(want));
	assert_int_equal(np_tcp_parse(out, 44, 1, 2, &back), 0);
	assert_int_equal(back.opts.present, ALL_SYN_OPTS);
	assert_int_equal(back.opts.ts_ecr, 2);
	assert_int_equal(back.opts.wscale, 7);

	t.opt_order = ws_only;
	t.opt_order_len = 1;
	assert_int_equal(np_tcp_build(&t, 1, 2, out, sizeof(out)), 24);
	assert_memory_equal(out + 20, "\x03\x03\x07\x00", 4);

	/* A kind that is not present cannot be written. */
	bad = NP_TCP_OPT_SACK;
	t.opt_order = &bad;
	assert_int_equal(np_tcp_build(&t, 1, 2, out, sizeof(out)), NP_EINVAL);
	bad = 30;
	assert_int_equal(np_tcp_build(&t, 1, 2, out, sizeof(out)), NP_EINVAL);
	t.opt_layout = 7;
	assert_int_equal(np_tcp_build(&t, 1, 2, out, sizeof(out)), NP_EINVAL);
}

/* Raw options go out as given, even malformed ones, padded to 4. */
static void build_raw_options(void **state)
{
	static const uint8_t raw[] = { 2, 3, 5, 1, 1 };  /* MSS with length 3, then NOP */
	static const uint8_t big[41];
	struct np_tcp t = { .src_port = 1, .dst_port = 2, .flags = NP_TCP_SYN };
	struct np_tcp back;
	uint8_t out[128];

	(void)state;
	t.opt_layout = NP_TCP_LAYOUT_RAW;
	t.opt_data = raw;
	t.opt_len = sizeof(raw);
	assert_int_equal(np_tcp_build(&t, 1, 2, out, sizeof(out)), 28);
	assert_memory_equal(out + 20, "\x02\x03\x05\x01\x01\x00\x00\x00", 8);
	assert_int_equal(np_tcp_parse(out, 28, 1, 2, &back), NP_EOPT);
	t.opt_data = big;
	t.opt_len = sizeof(big);
	assert_int_equal(np_tcp_build(&t, 1, 2, out, sizeof(out)), NP_EOPT);
	t.opt_len = 40;
	assert_int_equal(np_tcp_build(&t, 1, 2, out, sizeof(out)), 60);
	assert_int_equal(out[12] >> 4, 15);
}

/* Unknown kinds are kept: kind, length and data, the first 8 of them, all counted. */
static void keeps_unknown_options(void **state)
{
	struct capture c;
	struct np_tcp t, back;
	uint8_t out[128];
	size_t len;
	int i;

	(void)state;
	/* Hand-made: MSS, kind 34 (TCP Fast Open cookie) of 10, kind 253 of 2, kind 30 of 3, pad. */
	len = handmade(&c, "020405b4 220a0102030405060708 fd02 1e03ff 00");
	assert_int_equal(np_tcp_parse(c.l4, len, c.src, c.dst, &t), 0);
	assert_int_equal(t.opts.present, NP_TCP_HAS_MSS);
	assert_int_equal(t.opts.unknown_count, 3);
	assert_int_equal(t.opts.unknown[0].kind, 34);
	assert_int_equal(t.opts.unknown[0].len, 10);
	assert_ptr_equal(t.opts.unknown[0].data, c.l4 + 26);
	assert_memory_equal(t.opts.unknown[0].data, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_int_equal(t.opts.unknown[1].kind, 253);
	assert_int_equal(t.opts.unknown[1].len, 2);
	assert_int_equal(t.opts.unknown[2].kind, 30);
	assert_int_equal(t.opts.unknown[2].data[0], 0xff);
	/* The Linux layout writes them after the known ones: the same bytes here. */
	assert_int_equal(np_tcp_build(&t, c.src, c.dst, out, sizeof(out)), (int)len);
	assert_memory_equal(out, c.l4, len);

	/* Hand-made: nine 2-octet unknown options, then NOP padding. */
	len = handmade(&c, "fd02fd02 fd02fd02 fd02fd02 fd02fd02 fe020101");
	assert_int_equal(np_tcp_parse(c.l4, len, c.src, c.dst, &t), 0);
	assert_int_equal(t.opts.unknown_count, 9);
	for (i = 0; i < NP_TCP_UNKNOWN_MAX; i++)
		assert_int_equal(t.opts.unknown[i].kind, 253);
	/* The ninth was counted, not stored: only the raw layout can rebuild it. */
	assert_int_equal(np_tcp_build(&t, c.src, c.dst, out, sizeof(out)), NP_ECOUNT);
	t.opt_layout = NP_TCP_LAYOUT_RAW;
	assert_int_equal(np_tcp_build(&t, c.src, c.dst, out, sizeof(out)), (int)len);
	assert_int_equal(np_tcp_parse(out, len, c.src, c.dst, &back), 0);
	assert_int_equal(back.opts.unknown_count, 9);
}

/* EOL ends the list: what follows is padding, whatever its value. */
static void eol_ends_options(void **state)
{
	struct np_tcp t;

	(void)state;
	assert_int_equal(parse_handmade("020405b4 00020300 01000000", &t), 0);
	assert_int_equal(t.opts.present, NP_TCP_HAS_MSS);
	assert_int_equal(t.opt_len, 12);
	/* All NOPs, and an all-EOL region, are empty option lists. */
	assert_int_equal(parse_handmade("01010101", &t), 0);
	assert_int_equal(t.opts.present, 0);
	assert_int_equal(parse_handmade("00000000", &t), 0);
	assert_int_equal(t.opts.present, 0);
}

/* A kind given twice keeps the last value, as Linux's tcp_parse_options() does. */
static void repeated_option_keeps_last(void **state)
{
	struct np_tcp t;

	(void)state;
	assert_int_equal(parse_handmade("020405b4 02040218", &t), 0);
	assert_int_equal(t.opts.mss, 536);
	/* A shift above 14 is kept as sent; RFC 7323 §2.3 has the user clamp it. */
	assert_int_equal(parse_handmade("01030320", &t), 0);
	assert_int_equal(t.opts.wscale, 32);
}

/* Every malformed option makes the segment NP_EOPT (hand-made, checksums right). */
static void rejects_malformed_options(void **state)
{
	static const char *const bad[] = {
		"02000000",                      /* length 0 */
		"fd010000",                      /* length 1 */
		"01010301",                      /* length 1 after NOPs */
		"01010103",                      /* kind without its length octet at the end */
		"010103 03",                     /* WS whose value runs past the header */
		"020405b4 01011e0a 0000 0000",   /* unknown kind 30 of 10 in 8 octets */
		"0203 0500",                     /* MSS of length 3 */
		"02050000 00000000",             /* MSS of length 5 */
		"03020101",                      /* window scale of length 2 */
		"03040100",                      /* window scale of length 4 */
		"04030000",                      /* SACK-permitted of length 3 */
		"0808 00000000 00000000 0000",   /* timestamps of length 8 */
		"080b 00000000 00000000 00 00",  /* timestamps of length 11 */
		"0502 0000",                     /* SACK with no block */
		"0509 00000000 000000 000000",   /* SACK of 9: not 2 + 8n */
		/* SACK with 5 blocks cannot fit: length 42 runs past 40 octets. */
		"052a 0000000000000000 0000000000000000 0000000000000000 0000000000000000 000000000000",
	};
	struct np_tcp t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t.seq = 1;
		assert_int_equal(parse_handmade(bad[i], &t), NP_EOPT);
		assert_int_equal(t.seq, 1);          /* out untouched on failure */
	}
	/* The same shapes with the right lengths are fine. */
	assert_int_equal(parse_handmade("04020101 03030e00", &t), 0);
	assert_int_equal(t.opts.present, NP_TCP_HAS_SACK_PERM | NP_TCP_HAS_WSCALE);
	assert_int_equal(parse_handmade("0101 0522 0000000100000002 0000000300000004 "
					"0000000500000006 0000000700000008", &t), 0);
	assert_int_equal(t.opts.sack_count, 4);
	assert_int_equal(t.opts.sack[3].right, 8);
}

static int parse_handmade_lax(const char *opthex, unsigned flags, struct np_tcp *t)
{
	struct capture c;
	size_t len = handmade(&c, opthex);

	return np_tcp_parse_flags(c.l4, len, c.src, c.dst, flags | NP_TCP_PARSE_LAX_OPTS, t);
}

/*
 * NP_TCP_PARSE_LAX_OPTS reads options as Linux's tcp_parse_options(): a
 * length below 2, a missing length octet or an option running past the
 * header ends the list with what was read before; a known kind of the
 * wrong length is passed over.  The segment parses, flagged malformed.
 */
static void lax_options_stop_as_linux(void **state)
{
	static const struct {
		const char *hex;
		unsigned present;
	} cut[] = {
		{ "020405b4 08000000", NP_TCP_HAS_MSS },             /* length 0 after MSS */
		{ "020405b4 0401 0000", NP_TCP_HAS_MSS },            /* length 1 */
		{ "020405b4 010101 03", NP_TCP_HAS_MSS },            /* no length octet */
		{ "020405b4 01 0304 07", NP_TCP_HAS_MSS },           /* WS of 4 in 3 octets */
		{ "020405b4 01011e0a 0000 0000", NP_TCP_HAS_MSS },   /* 10 octets in 8 */
		{ "0800 020405b4 0000", 0 },                         /* the MSS is never reached */
	};
	struct np_tcp t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		memset(&t, 0, sizeof(t));
		assert_int_equal(parse_handmade(cut[i].hex, &t), NP_EOPT);
		assert_int_equal(parse_handmade_lax(cut[i].hex, 0, &t), 0);
		assert_int_equal(t.opts.present, cut[i].present);
		assert_int_equal(t.opts.malformed, 1);
		assert_int_equal(t.flags, NP_TCP_SYN);
		if (cut[i].present & NP_TCP_HAS_MSS)
			assert_int_equal(t.opts.mss, 1460);
	}
	/* A known kind of the wrong length is passed over; the list goes on. */
	assert_int_equal(parse_handmade_lax("020305 01 020405b4", 0, &t), 0);
	assert_int_equal(t.opts.present, NP_TCP_HAS_MSS);
	assert_int_equal(t.opts.mss, 1460);
	assert_int_equal(t.opts.malformed, 1);
	/* Well-formed options: the same result as the strict parse, not flagged. */
	assert_int_equal(parse_handmade_lax("020405b4 0402 0101 01030307", 0, &t), 0);
	assert_int_equal(t.opts.present, NP_TCP_HAS_MSS | NP_TCP_HAS_SACK_PERM | NP_TCP_HAS_WSCALE);
	assert_int_equal(t.opts.wscale, 7);
	assert_int_equal(t.opts.malformed, 0);
	/* The header itself is still checked, and so is the checksum. */
	{
		struct capture c;
		size_t len = handmade(&c, "08000000");

		assert_int_equal(np_tcp_parse_flags(c.l4, 10, c.src, c.dst, NP_TCP_PARSE_LAX_OPTS, &t),
				 NP_ETRUNC);
		c.l4[16] ^= 0xff;
		assert_int_equal(np_tcp_parse_flags(c.l4, len, c.src, c.dst, NP_TCP_PARSE_LAX_OPTS, &t),
				 NP_ECSUM);
		assert_int_equal(np_tcp_parse_flags(c.l4, len, 0, 0,
						    NP_TCP_PARSE_LAX_OPTS | NP_TCP_PARSE_NOCSUM, &t), 0);
		assert_int_equal(t.opts.malformed, 1);
	}
}

/* Hand-made from the kernel's SYN: short headers and bad data offsets. */
static void rejects_truncated_and_bad_offset(void **state)
{
	struct capture c;
	struct np_tcp t;
	size_t cut;
	uint8_t off;

	(void)state;
	load("tcp-syn-kernel.hex", &c);
	for (cut = 0; cut < NP_TCP_HDR_LEN; cut++)
		assert_int_equal(np_tcp_parse_nocsum(c.l4, cut, &t), NP_ETRUNC);
	/* The header says 40 octets; 39 are there. */
	for (cut = NP_TCP_HDR_LEN; cut < 40; cut++)
		assert_int_equal(np_tcp_parse_nocsum(c.l4, cut, &t), NP_EBADLEN);
	/* Data offsets 0..4 are below the fixed header. */
	for (off = 0; off < 5; off++) {
		c.l4[12] = (uint8_t)(off << 4);
		assert_int_equal(np_tcp_parse_nocsum(c.l4, c.l4_len, &t), NP_EBADLEN);
	}
	/* 15 words (60 octets) on a 40-octet segment. */
	c.l4[12] = 0xf0;
	assert_int_equal(np_tcp_parse_nocsum(c.l4, c.l4_len, &t), NP_EBADLEN);
	/* Offset 5 on the SYN: the options become payload, and the checksum still holds. */
	c.l4[12] = 0x50;
	np_store_be16(c.l4 + 16, np_csum_update16(np_load_be16(c.l4 + 16), 0xa002, 0x5002));
	assert_int_equal(np_tcp_parse(c.l4, c.l4_len, c.src, c.dst, &t), 0);
	assert_int_equal(t.opts.present, 0);
	assert_int_equal(t.payload_len, 20);
}

static void rejects_bad_checksum(void **state)
{
	struct capture c;
	struct np_tcp t;

	(void)state;
	load("tcp-data-kernel.hex", &c);
	/* Other addresses: the pseudo-header is covered. */
	assert_int_equal(np_tcp_parse(c.l4, c.l4_len, c.src + 1, c.dst, &t), NP_ECSUM);
	assert_int_equal(np_tcp_parse(c.l4, c.l4_len, c.dst, c.src, &t), 0);
	/* A flipped bit in the data (hand-made). */
	c.l4[c.l4_len - 1] ^= 0x10;
	assert_int_equal(np_tcp_parse(c.l4, c.l4_len, c.src, c.dst, &t), NP_ECSUM);
	assert_int_equal(np_tcp_parse_nocsum(c.l4, c.l4_len, &t), 0);
	assert_int_equal(t.payload[5], '\n' ^ 0x10);
}

/* A segment longer than the pseudo-header's 16-bit length cannot be one. */
static void rejects_oversized_segment(void **state)
{
	static uint8_t huge[65536];
	struct capture c;
	struct np_tcp t;

	(void)state;
	load("tcp-rst-kernel.hex", &c);
	memcpy(huge, c.l4, c.l4_len);
	assert_int_equal(np_tcp_parse_nocsum(huge, sizeof(huge), &t), NP_EBADLEN);
	assert_int_equal(np_tcp_parse_nocsum(huge, sizeof(huge) - 1, &t), 0);
	assert_int_equal(t.payload_len, 65535 - 20);
}

/* Reserved bits, URG and the urgent pointer survive a round trip (hand-made). */
static void reserved_bits_and_urgent_kept(void **state)
{
	struct capture c;
	struct np_tcp t, back;
	uint8_t out[128];

	(void)state;
	load_parse("tcp-data-kernel.hex", &c, &t);
	t.reserved = 0x9;
	t.flags |= NP_TCP_URG;
	t.urgent = 5;
	assert_int_equal(np_tcp_build(&t, c.src, c.dst, out, sizeof(out)), (int)c.l4_len);
	assert_int_equal(out[12], 0x89);
	assert_int_equal(out[13], NP_TCP_URG | NP_TCP_PSH | NP_TCP_ACK);
	assert_int_equal(np_tcp_parse(out, c.l4_len, c.src, c.dst, &back), 0);
	assert_int_equal(back.reserved, 0x9);
	assert_int_equal(back.urgent, 5);
	assert_int_equal(back.flags, NP_TCP_URG | NP_TCP_PSH | NP_TCP_ACK);
}

/* The payload may sit at buf + np_tcp_hdr_len() before the build. */
static void build_in_place(void **state)
{
	uint8_t buf[600];
	struct np_tcp t = { .src_port = 40000, .dst_port = 80, .seq = 7, .ack = 9,
			    .flags = NP_TCP_ACK | NP_TCP_PSH, .window = 502 };
	struct np_tcp back;
	int hl;
	size_t i;

	(void)state;
	t.opts.present = NP_TCP_HAS_TIMESTAMP | NP_TCP_HAS_SACK;
	t.opts.ts_val = 100;
	t.opts.sack_count = 3;
	t.opts.sack[2].right = 0xffffffffu;
	hl = np_tcp_hdr_len(&t);
	/* NOP NOP TS (12) + NOP NOP SACK of 3 blocks (28). */
	assert_int_equal(hl, 60);
	for (i = 0; i < 500; i++)
		buf[hl + i] = (uint8_t)(i * 3);
	t.payload = buf + hl;
	t.payload_len = 500;
	assert_int_equal(np_tcp_build(&t, 0x0a4d0001, 0x0a4d0002, buf, sizeof(buf)), 560);
	assert_int_equal(np_tcp_parse(buf, 560, 0x0a4d0001, 0x0a4d0002, &back), 0);
	assert_int_equal(back.opts.sack_count, 3);
	assert_int_equal(back.opts.sack[2].right, 0xffffffffu);
	for (i = 0; i < 500; i++)
		assert_int_equal(back.payload[i], (uint8_t)(i * 3));
}

static void build_refuses_bad_input(void **state)
{
	static uint8_t big[65536];
	struct np_tcp t = { .src_port = 1, .dst_port = 2 };
	uint8_t out[64];

	(void)state;
	t.opts.present = NP_TCP_HAS_SACK;
	t.opts.sack_count = 0;
	assert_int_equal(np_tcp_build(&t, 1, 2, out, sizeof(out)), NP_ECOUNT);
	t.opts.sack_count = 5;
	assert_int_equal(np_tcp_build(&t, 1, 2, out, sizeof(out)), NP_ECOUNT);
	assert_int_equal(np_tcp_hdr_len(&t), NP_ECOUNT);
	/* Everything at once does not fit in 40 octets. */
	t.opts.present = ALL_SYN_OPTS | NP_TCP_HAS_SACK;
	t.opts.sack_count = 3;
	assert_int_equal(np_tcp_build(&t, 1, 2, out, sizeof(out)), NP_EOPT);
	t.opts.sack_count = 2;
	assert_int_equal(np_tcp_build(&t, 1, 2, big, sizeof(big)), 60);
	/* An unknown option with a length octet below 2. */
	t.opts.present = 0;
	t.opts.unknown_count = 1;
	t.opts.unknown[0].kind = 99;
	t.opts.unknown[0].len = 1;
	assert_int_equal(np_tcp_build(&t, 1, 2, out, sizeof(out)), NP_EOPT);
	t.opts.unknown_count = 0;
	assert_int_equal(np_tcp_build(&t, 1, 2, out, 19), NP_ENOSPC);
	t.payload_len = 1;
	assert_int_equal(np_tcp_build(&t, 1, 2, out, sizeof(out)), NP_EINVAL);
	t.payload = big;
	t.payload_len = 65535 - 20 + 1;
	assert_int_equal(np_tcp_build(&t, 1, 2, big, sizeof(big)), NP_EINVAL);
	t.payload_len = 65535 - 20;
	assert_int_equal(np_tcp_build(&t, 1, 2, big, sizeof(big)), 65535);
}

/* RFC 9293 §3.4: comparisons modulo 2^32. */
static void sequence_comparisons_wrap(void **state)
{
	(void)state;
	assert_true(np_tcp_seq_lt(1, 2));
	assert_false(np_tcp_seq_lt(2, 1));
	assert_false(np_tcp_seq_lt(5, 5));
	assert_true(np_tcp_seq_le(5, 5));
	assert_true(np_tcp_seq_ge(5, 5));
	assert_false(np_tcp_seq_gt(5, 5));
	/* Across the wrap: 0xfffffff0 comes before 0x10. */
	assert_true(np_tcp_seq_lt(0xfffffff0u, 0x10));
	assert_true(np_tcp_seq_le(0xfffffff0u, 0x10));
	assert_true(np_tcp_seq_gt(0x10, 0xfffffff0u));
	assert_true(np_tcp_seq_ge(0x10, 0xfffffff0u));
	assert_false(np_tcp_seq_gt(0xfffffff0u, 0x10));
	assert_true(np_tcp_seq_lt(0xffffffffu, 0));
	/* Up to 2^31 - 1 ahead is after; 2^31 ahead compares "before" both ways. */
	assert_true(np_tcp_seq_gt(0x7fffffffu, 0));
	assert_true(np_tcp_seq_lt(0x80000000u, 0));
	assert_true(np_tcp_seq_lt(0, 0x80000000u));
	/* The kernel's handshake: the SYN-ACK acknowledges past the ISN. */
	assert_true(np_tcp_seq_gt(2555402490u + 1, 2555402490u));
}

/* ---- TCP over IPv6 ------------------------------------------------------ */

static void load6(const char *name, uint8_t *frame, size_t cap, struct np_ipv6 *ip)
{
	size_t len = np_test_load_hex(name, frame, cap);
	struct np_ether e;

	assert_int_equal(np_ether_parse(frame, len, &e), 0);
	assert_int_equal(np_ipv6_parse(e.payload, e.payload_len, ip), 0);
	assert_int_equal(ip->upper, NP_IPPROTO_TCP);
}

static void parses_kernel_segments_over_ipv6(void **state)
{
	static const char *const names[] = {
		"tcp6-syn-kernel.hex", "tcp6-synack-kernel.hex", "tcp6-data-kernel.hex",
		"tcp6-rst-kernel.hex",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint8_t frame[256], out[256];
		struct np_ipv6 ip;
		struct np_tcp t;
		int n;

		load6(names[i], frame, sizeof(frame), &ip);
		assert_int_equal(np_tcp6_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &t), 0);
		n = np_tcp6_build(&t, ip.src, ip.dst, out, sizeof(out));
		assert_int_equal(n, ip.payload_len);
		assert_memory_equal(out, ip.payload, ip.payload_len);
		/* The pseudo-header counts: another destination does not verify. */
		assert_int_equal(np_tcp6_parse(ip.payload, ip.payload_len, ip.src, ip.src, &t),
				 NP_ECSUM);
	}
}

static void parses_kernel_syn_over_ipv6(void **state)
{
	uint8_t frame[256], *seg;
	struct np_ipv6 ip;
	struct np_tcp t;

	(void)state;
	load6("tcp6-syn-kernel.hex", frame, sizeof(frame), &ip);
	assert_int_equal(np_tcp6_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &t), 0);
	assert_int_equal(t.dst_port, 8080);
	assert_int_equal(t.flags, NP_TCP_SYN);
	/* MSS 1440: the IPv6 header is 20 octets longer than IPv4's (RFC 9293 §3.7.1). */
	assert_int_equal(t.opts.mss, 1440);
	seg = frame + 14 + 40;
	seg[30] ^= 1;
	assert_int_equal(np_tcp6_parse(seg, ip.payload_len, ip.src, ip.dst, &t), NP_ECSUM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_kernel_syn),
		cmocka_unit_test(parses_kernel_synack),
		cmocka_unit_test(parses_sysctl_variants),
		cmocka_unit_test(parses_kernel_rst),
		cmocka_unit_test(parses_kernel_data_and_fin),
		cmocka_unit_test(parses_kernel_sack_blocks),
		cmocka_unit_test(round_trip_is_byte_exact),
		cmocka_unit_test(built_syn_matches_kernel),
		cmocka_unit_test(built_syn_without_timestamps_matches_kernel),
		cmocka_unit_test(build_in_given_order),
		cmocka_unit_test(build_raw_options),
		cmocka_unit_test(keeps_unknown_options),
		cmocka_unit_test(eol_ends_options),
		cmocka_unit_test(repeated_option_keeps_last),
		cmocka_unit_test(rejects_malformed_options),
		cmocka_unit_test(lax_options_stop_as_linux),
		cmocka_unit_test(rejects_truncated_and_bad_offset),
		cmocka_unit_test(rejects_bad_checksum),
		cmocka_unit_test(rejects_oversized_segment),
		cmocka_unit_test(reserved_bits_and_urgent_kept),
		cmocka_unit_test(build_in_place),
		cmocka_unit_test(build_refuses_bad_input),
		cmocka_unit_test(sequence_comparisons_wrap),
		cmocka_unit_test(parses_kernel_segments_over_ipv6),
		cmocka_unit_test(parses_kernel_syn_over_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
