/*
 * test-tcpprobe-probe.c: np-tcpprobe's handshake state machine, fed the
 * peer's segments one at a time: every answer (SYN-ACK, RST, ICMP, none),
 * every close (3-way, 4-way, simultaneous, RST, peer RST, timeout), a
 * retransmitted SYN-ACK, stray and corrupted packets, and the exact bytes
 * of what the probe sends back; then the same machine over IPv6 (SYN-ACK,
 * RST, ICMPv6 unreachable codes, extension headers, fragments, the other
 * family's packets, the ISN over the IPv6 4-tuple).
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
#include <netproto/icmp.h>
#include <netproto/icmp6.h>
#include <netproto/ipv4.h>
#include <netproto/ipv6.h>
#include <netproto/tcp.h>

#include "probe.h"
#include "testutil.h"

#define SRC 0x0a4d0002u          /* 10.77.0.2, the prober */
#define DST 0x0a4d0001u          /* 10.77.0.1, the target */
#define ROUTER 0x0a4d00feu       /* 10.77.0.254 */
#define SPORT 61000
#define DPORT 80
#define ISS 0x11223344u
#define PEER_ISN 0xa0b0c0d0u
#define MS 1000000ull            /* one millisecond in ns */
#define T0 (5000 * MS)

static const struct probe_config default_cfg = {
	.src = PROBE_ADDR_V4_INIT(SRC), .dst = PROBE_ADDR_V4_INIT(DST),
	.sport = SPORT, .dport = DPORT,
	.mss = 1460, .wscale = 7, .sack = 1, .timestamps = 1,
	.window = 64240, .ttl = 64,
	.timeout_ns = 1000 * MS, .close_timeout_ns = 1000 * MS,
};

/* ---- helpers --------------------------------------------------------- */

struct seg {
	uint8_t flags;
	uint32_t seq;
	uint32_t ack;
	uint16_t window;
	uint8_t ttl;
	unsigned present;            /* NP_TCP_HAS_* in the peer's options */
	uint16_t mss;
	uint8_t wscale;
	uint32_t ts_val;
	uint32_t ts_ecr;
	const char *payload;
	uint32_t src;                /* 0: DST */
	uint16_t sport;              /* 0: DPORT */
	uint16_t dport;              /* 0: SPORT */
};

/* A segment from the target to the prober, as an IPv4 datagram. */
static size_t peer_seg(const struct seg *s, uint8_t *buf, size_t cap)
{
	struct np_tcp t;
	struct np_ipv4 ip;
	uint8_t seg[128];
	int tlen, len;

	memset(&t, 0, sizeof(t));
	t.src_port = s->sport ? s->sport : DPORT;
	t.dst_port = s->dport ? s->dport : SPORT;
	t.seq = s->seq;
	t.ack = s->ack;
	t.flags = s->flags;
	t.window = s->window ? s->window : 65160;
	t.opts.present = s->present;
	t.opts.mss = s->mss;
	t.opts.wscale = s->wscale;
	t.opts.ts_val = s->ts_val;
	t.opts.ts_ecr = s->ts_ecr;
	if (s->payload) {
		t.payload = (const uint8_t *)s->payload;
		t.payload_len = strlen(s->payload);
	}
	tlen = np_tcp_build(&t, s->src ? s->src : DST, SRC, seg, sizeof(seg));
	assert_true(tlen > 0);
	memset(&ip, 0, sizeof(ip));
	ip.ttl = s->ttl ? s->ttl : 64;
	ip.flags = NP_IPV4_DF;
	ip.proto = NP_IPPROTO_TCP;
	ip.src = s->src ? s->src : DST;
	ip.dst = SRC;
	ip.payload = seg;
	ip.payload_len = (size_t)tlen;
	len = np_ipv4_build(&ip, buf, cap);
	assert_true(len > 0);
	return (size_t)len;
}

/* The usual SYN-ACK: MSS 1400, SACK-permitted, timestamps, window scale 9. */
static size_t synack(uint8_t *buf, size_t cap)
{
	const struct seg s = {
		.flags = NP_TCP_SYN | NP_TCP_ACK, .seq = PEER_ISN, .ack = ISS + 1, .ttl = 63,
		.present = NP_TCP_HAS_MSS | NP_TCP_HAS_WSCALE | NP_TCP_HAS_SACK_PERM |
			   NP_TCP_HAS_TIMESTAMP,
		.mss = 1400, .wscale = 9, .ts_val = 777, .ts_ecr = 1,
	};
	return peer_seg(&s, buf, cap);
}

/* Parse datagram i of tx as what the prober sends: checksums must verify. */
static void sent(const struct probe_tx *tx, unsigned int i, struct np_tcp *t)
{
	struct np_ipv4 ip;

	assert_true(i < tx->count);
	assert_int_equal(np_ipv4_parse(tx->pkt[i], tx->len[i], &ip), 0);
	assert_int_equal(ip.src, SRC);
	assert_int_equal(ip.dst, DST);
	assert_int_equal(ip.proto, NP_IPPROTO_TCP);
	assert_int_equal(ip.ttl, 64);
	assert_int_equal(ip.flags, NP_IPV4_DF);
	assert_int_equal(np_tcp_parse(ip.payload, ip.payload_len, SRC, DST, t), 0);
	assert_int_equal(t->src_port, SPORT);
	assert_int_equal(t->dst_port, DPORT);
}

static void start(struct probe *p, const struct probe_config *cfg)
{
	struct probe_tx tx;

	assert_int_equal(probe_start(p, cfg, ISS, 100, T0, &tx), 0);
	assert_int_equal(tx.count, 1);
}

/* Start with the default config and feed the usual SYN-ACK 250 us later. */
static void open_probe(struct probe *p, const struct probe_config *cfg, struct probe_tx *tx)
{
	uint8_t pkt[128];
	size_t len;

	start(p, cfg);
	len = synack(pkt, sizeof(pkt));
	assert_int_equal(probe_input(p, pkt, len, 0, T0 + 250000, tx), PROBE_CONSUMED);
	assert_int_equal(p->result, PROBE_OPEN);
}

static enum probe_verdict feed(struct probe *p, const struct seg *s, uint64_t now,
			       struct probe_tx *tx)
{
	uint8_t pkt[256];
	size_t len = peer_seg(s, pkt, sizeof(pkt));

	return probe_input(p, pkt, len, 0, now, tx);
}

/* ---- the SYN ---------------------------------------------------------- */

static void syn_carries_configured_options(void **state)
{
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;
	/* Linux's tcp_options_write() order: MSS, SACK-perm+TS, NOP, WS. */
	static const uint8_t kinds[] = { 2, 4, 8, 1, 3 };

	(void)state;
	assert_int_equal(probe_start(&p, &default_cfg, ISS, 100, T0, &tx), 0);
	assert_int_equal(tx.count, 1);
	assert_int_equal(tx.len[0], 60);
	sent(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_SYN);
	assert_int_equal(t.seq, ISS);
	assert_int_equal(t.ack, 0);
	assert_int_equal(t.window, 64240);       /* never scaled in a SYN */
	assert_int_equal(t.hdr_len, 40);
	assert_int_equal(t.opts.present, NP_TCP_HAS_MSS | NP_TCP_HAS_WSCALE |
			 NP_TCP_HAS_SACK_PERM | NP_TCP_HAS_TIMESTAMP);
	assert_int_equal(t.opts.mss, 1460);
	assert_int_equal(t.opts.wscale, 7);
	assert_int_equal(t.opts.ts_ecr, 0);
	assert_int_equal(t.opt_data[0], kinds[0]);
	assert_int_equal(t.opt_data[4], kinds[1]);
	assert_int_equal(t.opt_data[6], kinds[2]);
	assert_int_equal(t.opt_data[16], kinds[3]);
	assert_int_equal(t.opt_data[17], kinds[4]);
	assert_int_equal(p.state, PROBE_SYN_SENT);
	assert_int_equal(p.result, PROBE_PENDING);
	assert_int_equal(p.deadline, T0 + 1000 * MS);
	/* IP identification as given. */
	assert_int_equal(np_load_be16(&tx.pkt[0][4]), 100);
}

static void syn_without_options(void **state)
{
	struct probe_config cfg = default_cfg;
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;

	(void)state;
	cfg.mss = 0;
	cfg.wscale = -1;
	cfg.sack = 0;
	cfg.timestamps = 0;
	assert_int_equal(probe_start(&p, &cfg, ISS, 1, T0, &tx), 0);
	assert_int_equal(tx.len[0], 40);
	sent(&tx, 0, &t);
	assert_int_equal(t.hdr_len, 20);
	assert_int_equal(t.opts.present, 0);

	/* Only the SACK-permitted option: NOP NOP SACK-perm. */
	cfg.sack = 1;
	assert_int_equal(probe_start(&p, &cfg, ISS, 1, T0, &tx), 0);
	sent(&tx, 0, &t);
	assert_int_equal(t.hdr_len, 24);
	assert_int_equal(t.opts.present, NP_TCP_HAS_SACK_PERM);
}

static void syn_refuses_bad_wscale(void **state)
{
	struct probe_config cfg = default_cfg;
	struct probe p;
	struct probe_tx tx;

	(void)state;
	cfg.wscale = 15;         /* RFC 7323 §2.3: at most 14 */
	assert_int_equal(probe_start(&p, &cfg, ISS, 1, T0, &tx), NP_EINVAL);
}

/* ---- open and the closes ---------------------------------------------- */

static void synack_is_open_then_ack_and_fin(void **state)
{
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;

	(void)state;
	open_probe(&p, &default_cfg, &tx);
	assert_int_equal(p.rtt_ns, 250000);
	assert_int_equal(p.peer_isn, PEER_ISN);
	assert_int_equal(p.peer_window, 65160);
	assert_int_equal(p.peer_ttl, 63);
	assert_int_equal(p.peer_opts.mss, 1400);
	assert_int_equal(p.peer_opts.wscale, 9);
	assert_true(p.peer_opts.present & NP_TCP_HAS_SACK_PERM);
	assert_int_equal(p.peer_opts.ts_val, 777);
	assert_int_equal(p.peer_raw_opts_len, 20);
	assert_int_equal(p.state, PROBE_FIN_WAIT_1);
	assert_int_equal(p.deadline, T0 + 250000 + 1000 * MS);

	assert_int_equal(tx.count, 2);
	sent(&tx, 0, &t);        /* the ACK that completes the handshake */
	assert_int_equal(t.flags, NP_TCP_ACK);
	assert_int_equal(t.seq, ISS + 1);
	assert_int_equal(t.ack, PEER_ISN + 1);
	assert_int_equal(t.window, 64240 >> 7);  /* both sent window scale */
	assert_int_equal(t.opts.present, NP_TCP_HAS_TIMESTAMP);
	assert_int_equal(t.opts.ts_ecr, 777);    /* RFC 7323 §4.3: echo TS.Recent */
	assert_int_equal(t.payload_len, 0);
	sent(&tx, 1, &t);        /* then our FIN */
	assert_int_equal(t.flags, NP_TCP_FIN | NP_TCP_ACK);
	assert_int_equal(t.seq, ISS + 1);
	assert_int_equal(t.ack, PEER_ISN + 1);
	/* IP identification counts up from the SYN's. */
	assert_int_equal(np_load_be16(&tx.pkt[0][4]), 101);
	assert_int_equal(np_load_be16(&tx.pkt[1][4]), 102);
}

static void close_four_way(void **state)
{
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;
	struct seg ack = { .flags = NP_TCP_ACK, .seq = PEER_ISN + 1, .ack = ISS + 2,
			   .present = NP_TCP_HAS_TIMESTAMP, .ts_val = 780 };
	struct seg fin = { .flags = NP_TCP_FIN | NP_TCP_ACK, .seq = PEER_ISN + 1, .ack = ISS + 2,
			   .present = NP_TCP_HAS_TIMESTAMP, .ts_val = 790 };

	(void)state;
	open_probe(&p, &default_cfg, &tx);
	assert_int_equal(feed(&p, &ack, T0 + MS, &tx), PROBE_CONSUMED);
	assert_int_equal(tx.count, 0);           /* a bare ACK needs no answer */
	assert_int_equal(p.state, PROBE_FIN_WAIT_2);
	assert_int_equal(feed(&p, &fin, T0 + 2 * MS, &tx), PROBE_CONSUMED);
	assert_int_equal(p.state, PROBE_DONE);
	assert_int_equal(p.close, PROBE_CLOSE_FIN4);
	assert_int_equal(tx.count, 1);
	sent(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_ACK);
	assert_int_equal(t.seq, ISS + 2);
	assert_int_equal(t.ack, PEER_ISN + 2);
	assert_int_equal(t.opts.ts_ecr, 790);
	/* The result stays what the SYN-ACK made it. */
	assert_int_equal(p.result, PROBE_OPEN);
	assert_int_equal(p.rtt_ns, 250000);

	/* The peer did not get our last ACK and sends its FIN again. */
	assert_int_equal(feed(&p, &fin, T0 + 200 * MS, &tx), PROBE_CONSUMED);
	assert_int_equal(tx.count, 1);
	sent(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_ACK);
	assert_int_equal(t.ack, PEER_ISN + 2);
	/* A duplicate bare ACK afterwards is late. */
	assert_int_equal(feed(&p, &ack, T0 + 201 * MS, &tx), PROBE_IGNORED_LATE);
	assert_int_equal(tx.count, 0);
}

static void close_three_way(void **state)
{
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;
	struct seg finack = { .flags = NP_TCP_FIN | NP_TCP_ACK, .seq = PEER_ISN + 1,
			      .ack = ISS + 2, .present = NP_TCP_HAS_TIMESTAMP };

	(void)state;
	open_probe(&p, &default_cfg, &tx);
	assert_int_equal(feed(&p, &finack, T0 + MS, &tx), PROBE_CONSUMED);
	assert_int_equal(p.state, PROBE_DONE);
	assert_int_equal(p.close, PROBE_CLOSE_FIN3);
	assert_int_equal(tx.count, 1);
	sent(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_ACK);
	assert_int_equal(t.seq, ISS + 2);
	assert_int_equal(t.ack, PEER_ISN + 2);
}

static void close_simultaneous(void **state)
{
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;
	/* The peer's FIN acknowledges only our SYN: the FINs crossed. */
	struct seg fin = { .flags = NP_TCP_FIN | NP_TCP_ACK, .seq = PEER_ISN + 1, .ack = ISS + 1 };
	struct seg ack = { .flags = NP_TCP_ACK, .seq = PEER_ISN + 2, .ack = ISS + 2 };

	(void)state;
	open_probe(&p, &default_cfg, &tx);
	assert_int_equal(feed(&p, &fin, T0 + MS, &tx), PROBE_CONSUMED);
	assert_int_equal(p.state, PROBE_CLOSING);
	sent(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_ACK);
	assert_int_equal(t.ack, PEER_ISN + 2);
	assert_int_equal(feed(&p, &ack, T0 + 2 * MS, &tx), PROBE_CONSUMED);
	assert_int_equal(p.state, PROBE_DONE);
	assert_int_equal(p.close, PROBE_CLOSE_SIMULTANEOUS);
	assert_int_equal(tx.count, 0);
}

static void close_by_rst(void **state)
{
	struct probe_config cfg = default_cfg;
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;

	(void)state;
	cfg.close_rst = 1;
	open_probe(&p, &cfg, &tx);
	assert_int_equal(p.state, PROBE_DONE);
	assert_int_equal(p.close, PROBE_CLOSE_RST);
	assert_int_equal(tx.count, 2);
	sent(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_ACK);
	sent(&tx, 1, &t);
	assert_int_equal(t.flags, NP_TCP_RST);
	assert_int_equal(t.seq, ISS + 1);
	assert_int_equal(t.ack, 0);
	assert_int_equal(t.window, 0);
	assert_int_equal(t.opts.present, 0);     /* RFC 7323 §3.2: no TS on RST */
}

static void peer_reset_during_close(void **state)
{
	struct probe p;
	struct probe_tx tx;
	struct seg rst_out = { .flags = NP_TCP_RST, .seq = PEER_ISN + 100000 };
	struct seg rst = { .flags = NP_TCP_RST, .seq = PEER_ISN + 1 };

	(void)state;
	open_probe(&p, &default_cfg, &tx);
	/* Outside the window (RFC 5961 §3.2): not believed. */
	assert_int_equal(feed(&p, &rst_out, T0 + MS, &tx), PROBE_IGNORED_UNRELATED);
	assert_int_equal(p.state, PROBE_FIN_WAIT_1);
	assert_int_equal(feed(&p, &rst, T0 + MS, &tx), PROBE_CONSUMED);
	assert_int_equal(p.state, PROBE_DONE);
	assert_int_equal(p.close, PROBE_CLOSE_PEER_RST);
	assert_int_equal(tx.count, 0);
	assert_int_equal(p.result, PROBE_OPEN);
	assert_int_equal(feed(&p, &rst, T0 + 2 * MS, &tx), PROBE_IGNORED_LATE);
}

static void close_timeout_resets(void **state)
{
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;
	struct seg ack = { .flags = NP_TCP_ACK, .seq = PEER_ISN + 1, .ack = ISS + 2 };

	(void)state;
	open_probe(&p, &default_cfg, &tx);
	assert_int_equal(feed(&p, &ack, T0 + MS, &tx), PROBE_CONSUMED);
	assert_int_equal(p.state, PROBE_FIN_WAIT_2);
	/* The application never closes (CLOSE-WAIT on the target): reset it. */
	probe_timeout(&p, p.deadline, &tx);
	assert_int_equal(p.state, PROBE_DONE);
	assert_int_equal(p.close, PROBE_CLOSE_TIMEOUT_RST);
	assert_int_equal(tx.count, 1);
	sent(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_RST);
	assert_int_equal(t.seq, ISS + 2);
	assert_int_equal(p.result, PROBE_OPEN);
	/* A timeout after the end changes nothing. */
	probe_timeout(&p, p.deadline + 1, &tx);
	assert_int_equal(tx.count, 0);
	assert_int_equal(p.close, PROBE_CLOSE_TIMEOUT_RST);
}

static void banner_data_is_acknowledged(void **state)
{
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;
	const char *banner = "SSH-2.0-OpenSSH_9.2\r\n";
	uint32_t n = (uint32_t)strlen(banner);
	struct seg ack = { .flags = NP_TCP_ACK, .seq = PEER_ISN + 1, .ack = ISS + 2 };
	struct seg data = { .flags = NP_TCP_ACK | NP_TCP_PSH, .seq = PEER_ISN + 1, .ack = ISS + 2,
			    .payload = banner };
	struct seg ahead = { .flags = NP_TCP_ACK, .seq = PEER_ISN + 1 + 2 * n, .ack = ISS + 2,
			     .payload = "later" };
	struct seg fin = { .flags = NP_TCP_FIN | NP_TCP_ACK, .seq = PEER_ISN + 1 + n,
			   .ack = ISS + 2 };

	(void)state;
	open_probe(&p, &default_cfg, &tx);
	assert_int_equal(feed(&p, &ack, T0 + MS, &tx), PROBE_CONSUMED);
	assert_int_equal(feed(&p, &data, T0 + MS, &tx), PROBE_CONSUMED);
	sent(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_ACK);
	assert_int_equal(t.ack, PEER_ISN + 1 + n);
	assert_int_equal(p.data_bytes, n);
	/* Out of order: a duplicate ACK, nothing taken. */
	assert_int_equal(feed(&p, &ahead, T0 + MS, &tx), PROBE_CONSUMED);
	sent(&tx, 0, &t);
	assert_int_equal(t.ack, PEER_ISN + 1 + n);
	assert_int_equal(p.data_bytes, n);
	assert_int_equal(feed(&p, &fin, T0 + 2 * MS, &tx), PROBE_CONSUMED);
	sent(&tx, 0, &t);
	assert_int_equal(t.ack, PEER_ISN + 2 + n);
	assert_int_equal(p.close, PROBE_CLOSE_FIN4);
}

static void no_timestamps_no_scaling_when_peer_declines(void **state)
{
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;
	struct seg s = { .flags = NP_TCP_SYN | NP_TCP_ACK, .seq = PEER_ISN, .ack = ISS + 1,
			 .present = NP_TCP_HAS_MSS, .mss = 536 };

	(void)state;
	start(&p, &default_cfg);
	assert_int_equal(feed(&p, &s, T0 + 10, &tx), PROBE_CONSUMED);
	assert_int_equal(p.peer_opts.present, NP_TCP_HAS_MSS);
	assert_int_equal(p.peer_opts.mss, 536);
	sent(&tx, 0, &t);
	assert_int_equal(t.opts.present, 0);
	assert_int_equal(t.hdr_len, 20);
	assert_int_equal(t.window, 64240);       /* no scaling agreed */
}

static void unknown_peer_option_is_kept(void **state)
{
	struct probe p;
	struct probe_tx tx;
	uint8_t pkt[128], seg[64];
	/* SYN-ACK with MSS 1460 and an experimental option (kind 254, RFC 6994). */
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 254, 6, 0xf9, 0x89, 0xaa, 0xbb, 1, 0 };
	struct np_tcp t;
	struct np_ipv4 ip;
	int tlen, len;

	(void)state;
	start(&p, &default_cfg);
	memset(&t, 0, sizeof(t));
	t.src_port = DPORT;
	t.dst_port = SPORT;
	t.seq = PEER_ISN;
	t.ack = ISS + 1;
	t.flags = NP_TCP_SYN | NP_TCP_ACK;
	t.window = 1000;
	t.opt_layout = NP_TCP_LAYOUT_RAW;
	t.opt_data = opts;
	t.opt_len = sizeof(opts);
	tlen = np_tcp_build(&t, DST, SRC, seg, sizeof(seg));
	assert_int_equal(tlen, 32);
	memset(&ip, 0, sizeof(ip));
	ip.ttl = 64;
	ip.proto = NP_IPPROTO_TCP;
	ip.src = DST;
	ip.dst = SRC;
	ip.payload = seg;
	ip.payload_len = (size_t)tlen;
	len = np_ipv4_build(&ip, pkt, sizeof(pkt));
	assert_int_equal(probe_input(&p, pkt, (size_t)len, 0, T0 + 1, &tx), PROBE_CONSUMED);
	/* The packet buffer goes away: the probe keeps its own copy. */
	memset(pkt, 0xee, sizeof(pkt));
	assert_int_equal(p.peer_opts.unknown_count, 1);
	assert_int_equal(p.peer_opts.unknown[0].kind, 254);
	assert_int_equal(p.peer_opts.unknown[0].len, 6);
	assert_memory_equal(p.peer_opts.unknown[0].data, "\xf9\x89\xaa\xbb", 4);
	assert_int_equal(p.peer_raw_opts_len, 12);
	assert_memory_equal(p.peer_raw_opts, opts, sizeof(opts));
}

/* ---- retransmitted SYN-ACK -------------------------------------------- */

static void retransmitted_synack_is_acked_again(void **state)
{
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;
	uint8_t pkt[128];
	size_t len;
	struct seg ack = { .flags = NP_TCP_ACK, .seq = PEER_ISN + 1, .ack = ISS + 2 };

	(void)state;
	open_probe(&p, &default_cfg, &tx);
	len = synack(pkt, sizeof(pkt));
	/* Neither our ACK nor our FIN arrived: both again, same numbers. */
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 1000 * MS, &tx), PROBE_CONSUMED);
	assert_int_equal(p.synack_retrans, 1);
	assert_int_equal(tx.count, 2);
	sent(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_ACK);
	assert_int_equal(t.seq, ISS + 1);
	assert_int_equal(t.ack, PEER_ISN + 1);
	sent(&tx, 1, &t);
	assert_int_equal(t.flags, NP_TCP_FIN | NP_TCP_ACK);
	assert_int_equal(t.seq, ISS + 1);
	/* RTT and result are those of the first SYN-ACK. */
	assert_int_equal(p.rtt_ns, 250000);
	assert_int_equal(p.result, PROBE_OPEN);

	/* Later (FIN-WAIT-2, past the rate limit) only an ACK is owed. */
	assert_int_equal(feed(&p, &ack, T0 + 1001 * MS, &tx), PROBE_CONSUMED);
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 1600 * MS, &tx), PROBE_CONSUMED);
	assert_int_equal(p.synack_retrans, 2);
	assert_int_equal(tx.count, 1);
	sent(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_ACK);
	assert_int_equal(t.seq, ISS + 2);

	/* A SYN-ACK with another ISN is not the peer's retransmission. */
	{
		struct seg other = { .flags = NP_TCP_SYN | NP_TCP_ACK, .seq = PEER_ISN + 5,
				     .ack = ISS + 1 };
		assert_int_equal(feed(&p, &other, T0 + 1003 * MS, &tx), PROBE_IGNORED_UNRELATED);
		assert_int_equal(tx.count, 0);
	}
}

/*
 * A flood of the same SYN-ACK during the close gets answers at Linux's
 * tcp_invalid_ratelimit pace (one per 500 ms), not an ACK and a FIN each.
 */
static void duplicate_synacks_are_rate_limited(void **state)
{
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;
	uint8_t pkt[128];
	size_t len;
	unsigned int i, answers = 0;

	(void)state;
	open_probe(&p, &default_cfg, &tx);
	len = synack(pkt, sizeof(pkt));
	for (i = 0; i < 10000; i++) {
		/* 10,000 in 100 ms: one answer (ACK and FIN) for them all. */
		assert_int_equal(probe_input(&p, pkt, len, 0, T0 + MS + i * 10000ull, &tx),
				 PROBE_CONSUMED);
		answers += tx.count;
	}
	assert_int_equal(answers, 2);
	assert_int_equal(p.synack_retrans, 10000);
	assert_int_equal(p.dup_answers_limited, 9999);
	assert_int_equal(p.state, PROBE_FIN_WAIT_1);
	/* 500 ms after the last answer: one more. */
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 500 * MS, &tx), PROBE_CONSUMED);
	assert_int_equal(tx.count, 0);
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 501 * MS, &tx), PROBE_CONSUMED);
	assert_int_equal(tx.count, 2);
	sent(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_ACK);
	sent(&tx, 1, &t);
	assert_int_equal(t.flags, NP_TCP_FIN | NP_TCP_ACK);
	/* The close timeout still resets the connection. */
	probe_timeout(&p, p.deadline, &tx);
	assert_int_equal(tx.count, 1);
	sent(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_RST);
}

/* The peer's FIN again and again after the close: one ACK per interval. */
static void duplicate_fins_are_rate_limited(void **state)
{
	struct probe p;
	struct probe_tx tx;
	struct seg finack = { .flags = NP_TCP_FIN | NP_TCP_ACK, .seq = PEER_ISN + 1,
			      .ack = ISS + 2 };
	unsigned int i, answers = 0;

	(void)state;
	open_probe(&p, &default_cfg, &tx);
	assert_int_equal(feed(&p, &finack, T0 + MS, &tx), PROBE_CONSUMED);
	assert_int_equal(p.close, PROBE_CLOSE_FIN3);
	assert_int_equal(tx.count, 1);          /* the last ACK, always sent */
	for (i = 0; i < 1000; i++) {
		assert_int_equal(feed(&p, &finack, T0 + 2 * MS + i * 100000ull, &tx), PROBE_CONSUMED);
		answers += tx.count;
	}
	assert_int_equal(answers, 1);           /* the first: our ACK may have been lost */
	assert_int_equal(p.dup_answers_limited, 999);
}

/*
 * Options as Linux reads them: a SYN-ACK whose option list has a length
 * of 0 or 1, or an option running past the header, is an open port with
 * the options before it, and is closed as any other.
 */
static size_t synack_raw_opts(const char *opthex, uint8_t *buf, size_t cap)
{
	struct np_tcp t;
	struct np_ipv4 ip;
	uint8_t opt[40], seg[128];
	size_t n = np_test_hex(opthex, opt, sizeof(opt));
	int tlen, len;

	memset(&t, 0, sizeof(t));
	t.src_port = DPORT;
	t.dst_port = SPORT;
	t.seq = PEER_ISN;
	t.ack = ISS + 1;
	t.flags = NP_TCP_SYN | NP_TCP_ACK;
	t.window = 65160;
	t.opt_layout = NP_TCP_LAYOUT_RAW;
	t.opt_data = opt;
	t.opt_len = n;
	tlen = np_tcp_build(&t, DST, SRC, seg, sizeof(seg));
	assert_true(tlen > 0);
	memset(&ip, 0, sizeof(ip));
	ip.ttl = 64;
	ip.proto = NP_IPPROTO_TCP;
	ip.src = DST;
	ip.dst = SRC;
	ip.payload = seg;
	ip.payload_len = (size_t)tlen;
	len = np_ipv4_build(&ip, buf, cap);
	assert_true(len > 0);
	return (size_t)len;
}

static void synack_with_malformed_option_is_open(void **state)
{
	static const char *const bad[] = {
		"02040578 08000000",     /* MSS 1400, then timestamps of length 0 */
		"02040578 04010000",     /* SACK-permitted of length 1 */
		"02040578 01030807",     /* window scale of 8 in 3 octets */
	};
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;
	uint8_t pkt[128];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		start(&p, &default_cfg);
		len = synack_raw_opts(bad[i], pkt, sizeof(pkt));
		assert_int_equal(probe_input(&p, pkt, len, 0, T0 + MS, &tx), PROBE_CONSUMED);
		assert_int_equal(p.result, PROBE_OPEN);
		assert_int_equal(p.peer_opts.present, NP_TCP_HAS_MSS);
		assert_int_equal(p.peer_opts.mss, 1400);
		assert_int_equal(p.peer_opts.malformed, 1);
		assert_int_equal(p.peer_raw_opts_len, 8);
		/* The handshake is completed and the close begins, as for any SYN-ACK. */
		assert_int_equal(tx.count, 2);
		sent(&tx, 0, &t);
		assert_int_equal(t.flags, NP_TCP_ACK);
		assert_int_equal(t.ack, PEER_ISN + 1);
		assert_int_equal(t.opts.present, 0);     /* no timestamps were agreed */
		sent(&tx, 1, &t);
		assert_int_equal(t.flags, NP_TCP_FIN | NP_TCP_ACK);
		assert_int_equal(p.state, PROBE_FIN_WAIT_1);
	}
}

static void retransmitted_synack_after_rst_close(void **state)
{
	struct probe_config cfg = default_cfg;
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;
	uint8_t pkt[128];
	size_t len;

	(void)state;
	cfg.close_rst = 1;
	open_probe(&p, &cfg, &tx);
	len = synack(pkt, sizeof(pkt));
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + MS, &tx), PROBE_CONSUMED);
	assert_int_equal(tx.count, 2);
	sent(&tx, 1, &t);
	assert_int_equal(t.flags, NP_TCP_RST);
	assert_int_equal(t.seq, ISS + 1);
}

/* ---- closed, unreachable, filtered ------------------------------------ */

static void rst_ack_is_closed(void **state)
{
	struct probe p;
	struct probe_tx tx;
	struct seg rst = { .flags = NP_TCP_RST | NP_TCP_ACK, .seq = 0, .ack = ISS + 1, .ttl = 61,
			   .window = 1 };

	(void)state;
	start(&p, &default_cfg);
	assert_int_equal(feed(&p, &rst, T0 + 90000, &tx), PROBE_CONSUMED);
	assert_int_equal(p.result, PROBE_CLOSED);
	assert_int_equal(p.state, PROBE_DONE);
	assert_int_equal(p.rtt_ns, 90000);
	assert_int_equal(p.rst_ttl, 61);
	assert_int_equal(tx.count, 0);           /* a RST is never answered */
	assert_int_equal(p.close, PROBE_CLOSE_NONE);
	/* Another RST afterwards is late. */
	assert_int_equal(feed(&p, &rst, T0 + 100000, &tx), PROBE_IGNORED_LATE);
}

static void rst_not_acking_our_syn_is_ignored(void **state)
{
	struct probe p;
	struct probe_tx tx;
	/* RFC 9293 §3.10.7.3: in SYN-SENT a RST without ACK is dropped ... */
	struct seg bare = { .flags = NP_TCP_RST, .seq = 0 };
	/* ... and one whose ACK is not for our SYN too (a blind reset). */
	struct seg wrong = { .flags = NP_TCP_RST | NP_TCP_ACK, .ack = ISS + 7 };

	(void)state;
	start(&p, &default_cfg);
	assert_int_equal(feed(&p, &bare, T0 + 1, &tx), PROBE_IGNORED_UNRELATED);
	assert_int_equal(feed(&p, &wrong, T0 + 1, &tx), PROBE_IGNORED_UNRELATED);
	assert_int_equal(tx.count, 0);
	assert_int_equal(p.result, PROBE_PENDING);
	assert_int_equal(p.state, PROBE_SYN_SENT);
}

/* An ICMP error from 'from' quoting a TCP segment src:sport -> dst:dport seq. */
static size_t icmp_error(uint8_t type, uint8_t code, uint32_t from, uint16_t sport,
			 uint16_t dport, uint32_t seq, uint8_t *buf, size_t cap)
{
	uint8_t quote[28], msg[64];
	struct np_icmp m;
	struct np_ipv4 ip;
	int mlen, len;

	memset(quote, 0, sizeof(quote));
	quote[0] = 0x45;
	np_store_be16(&quote[2], 60);
	quote[8] = 63;
	quote[9] = NP_IPPROTO_TCP;
	np_store_be32(&quote[12], SRC);
	np_store_be32(&quote[16], DST);
	np_store_be16(&quote[20], sport);
	np_store_be16(&quote[22], dport);
	np_store_be32(&quote[24], seq);
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.code = code;
	m.data = quote;
	m.data_len = sizeof(quote);
	mlen = np_icmp_build(&m, msg, sizeof(msg));
	assert_true(mlen > 0);
	memset(&ip, 0, sizeof(ip));
	ip.ttl = 64;
	ip.proto = NP_IPPROTO_ICMP;
	ip.src = from;
	ip.dst = SRC;
	ip.payload = msg;
	ip.payload_len = (size_t)mlen;
	len = np_ipv4_build(&ip, buf, cap);
	assert_true(len > 0);
	return (size_t)len;
}

static void icmp_unreachable_quoting_our_syn(void **state)
{
	struct probe p;
	struct probe_tx tx;
	uint8_t pkt[128];
	size_t len;

	(void)state;
	start(&p, &default_cfg);
	/* Quotes of other segments first: another sequence number, port, type. */
	len = icmp_error(NP_ICMP_DEST_UNREACH, NP_ICMP_UNREACH_HOST, ROUTER, SPORT, DPORT,
			 ISS + 1, pkt, sizeof(pkt));
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 1, &tx), PROBE_IGNORED_UNRELATED);
	len = icmp_error(NP_ICMP_DEST_UNREACH, NP_ICMP_UNREACH_HOST, ROUTER, SPORT + 1, DPORT,
			 ISS, pkt, sizeof(pkt));
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 1, &tx), PROBE_IGNORED_UNRELATED);
	len = icmp_error(NP_ICMP_TIME_EXCEEDED, 0, ROUTER, SPORT, DPORT, ISS, pkt, sizeof(pkt));
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 1, &tx), PROBE_IGNORED_UNRELATED);
	assert_int_equal(p.result, PROBE_PENDING);

	len = icmp_error(NP_ICMP_DEST_UNREACH, NP_ICMP_UNREACH_ADMIN, ROUTER, SPORT, DPORT, ISS,
			 pkt, sizeof(pkt));
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 3000, &tx), PROBE_CONSUMED);
	assert_int_equal(p.result, PROBE_UNREACHABLE);
	assert_int_equal(p.icmp_type, 3);
	assert_int_equal(p.icmp_code, 13);
	assert_int_equal(probe_addr_to_v4(&p.icmp_from), ROUTER);
	assert_true(probe_addr_is_v4(&p.icmp_from));
	assert_int_equal(p.rtt_ns, 3000);
	assert_int_equal(tx.count, 0);
	/* The same error again is late. */
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 4000, &tx), PROBE_IGNORED_LATE);

	/* ICMP with a broken checksum is ignored, whatever the link says. */
	start(&p, &default_cfg);
	len = icmp_error(NP_ICMP_DEST_UNREACH, 1, ROUTER, SPORT, DPORT, ISS, pkt, sizeof(pkt));
	pkt[20 + 8 + 27] ^= 1;   /* the quoted sequence number's last byte */
	assert_int_equal(probe_input(&p, pkt, len, 1, T0 + 1, &tx), PROBE_IGNORED_CSUM);
	/* A quote cut before the sequence number cannot prove it is ours. */
	len = icmp_error(NP_ICMP_DEST_UNREACH, 1, ROUTER, SPORT, DPORT, ISS, pkt, sizeof(pkt));
	{
		uint8_t cut[128];
		struct np_icmp m;
		struct np_ipv4 ip;
		uint8_t msg[64];
		int mlen, clen;

		assert_int_equal(np_ipv4_parse(pkt, len, &ip), 0);
		assert_int_equal(np_icmp_parse(ip.payload, ip.payload_len, &m), 0);
		m.data_len = 24;                 /* IP header + ports only */
		mlen = np_icmp_build(&m, msg, sizeof(msg));
		ip.payload = msg;
		ip.payload_len = (size_t)mlen;
		clen = np_ipv4_build(&ip, cut, sizeof(cut));
		assert_int_equal(probe_input(&p, cut, (size_t)clen, 0, T0 + 1, &tx),
				 PROBE_IGNORED_UNRELATED);
	}
	assert_int_equal(p.result, PROBE_PENDING);
}

static void silence_is_filtered(void **state)
{
	struct probe p;
	struct probe_tx tx;

	(void)state;
	start(&p, &default_cfg);
	assert_int_equal(p.deadline, T0 + 1000 * MS);
	probe_timeout(&p, p.deadline, &tx);
	assert_int_equal(p.result, PROBE_FILTERED);
	assert_int_equal(p.state, PROBE_DONE);
	assert_int_equal(tx.count, 0);
	assert_true(probe_done(&p));
}

/* ---- the kernel's send stamp -------------------------------------------- */

/* Stamp read before the answer: the RTT runs from the stamp; the deadline stays. */
static void syn_stamp_before_answer_starts_rtt(void **state)
{
	struct probe p;
	struct probe_tx tx;
	uint8_t pkt[128];
	size_t len;

	(void)state;
	start(&p, &default_cfg);
	probe_syn_stamp(&p, T0 + 30000);
	assert_int_equal(p.deadline, T0 + 1000 * MS);
	len = synack(pkt, sizeof(pkt));
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 250000, &tx), PROBE_CONSUMED);
	assert_int_equal(p.result, PROBE_OPEN);
	assert_int_equal(p.rtt_ns, 220000);
}

/* The peer answered before the stamp was read: the RTT is corrected. */
static void syn_stamp_after_answer_corrects_rtt(void **state)
{
	struct probe p;
	struct probe_tx tx;

	(void)state;
	open_probe(&p, &default_cfg, &tx);
	assert_int_equal(p.rtt_ns, 250000);
	probe_syn_stamp(&p, T0 + 30000);
	assert_int_equal(p.rtt_ns, 220000);
}

/* Stamps that cannot be this SYN's: before its clock reading, after its answer, or late. */
static void syn_stamp_out_of_range_ignored(void **state)
{
	struct probe p;
	struct probe_tx tx;
	uint64_t rtt;

	(void)state;
	open_probe(&p, &default_cfg, &tx);
	probe_syn_stamp(&p, T0 - 1);
	assert_int_equal(p.rtt_ns, 250000);
	probe_syn_stamp(&p, T0 + 250001);
	assert_int_equal(p.rtt_ns, 250000);

	start(&p, &default_cfg);
	probe_timeout(&p, p.deadline, &tx);
	assert_int_equal(p.result, PROBE_FILTERED);
	rtt = p.rtt_ns;
	probe_syn_stamp(&p, T0 + 30000);
	assert_int_equal(p.rtt_ns, rtt);
}

/* ---- stray and corrupted packets -------------------------------------- */

static void stray_packets_are_ignored(void **state)
{
	struct probe p;
	struct probe_tx tx;
	struct seg other_host = { .flags = NP_TCP_SYN | NP_TCP_ACK, .seq = 1, .ack = ISS + 1,
				  .src = 0x0a4d0009u };
	struct seg other_sport = { .flags = NP_TCP_SYN | NP_TCP_ACK, .seq = 1, .ack = ISS + 1,
				   .sport = 81 };
	struct seg other_dport = { .flags = NP_TCP_SYN | NP_TCP_ACK, .seq = 1, .ack = ISS + 1,
				   .dport = SPORT + 1 };
	struct seg bare_syn = { .flags = NP_TCP_SYN, .seq = 1 };
	struct seg bare_ack = { .flags = NP_TCP_ACK, .seq = 1, .ack = ISS + 1 };
	uint8_t pkt[128];
	size_t len;

	(void)state;
	start(&p, &default_cfg);
	assert_int_equal(feed(&p, &other_host, T0, &tx), PROBE_IGNORED_UNRELATED);
	assert_int_equal(feed(&p, &other_sport, T0, &tx), PROBE_IGNORED_UNRELATED);
	assert_int_equal(feed(&p, &other_dport, T0, &tx), PROBE_IGNORED_UNRELATED);
	assert_int_equal(feed(&p, &bare_syn, T0, &tx), PROBE_IGNORED_UNRELATED);
	assert_int_equal(feed(&p, &bare_ack, T0, &tx), PROBE_IGNORED_UNRELATED);
	assert_int_equal(tx.count, 0);

	/* A UDP datagram, a fragment, a datagram to another address. */
	len = synack(pkt, sizeof(pkt));
	pkt[9] = 17;
	pkt[10] = pkt[11] = 0;
	np_store_be16(&pkt[10], np_csum(pkt, 20));
	assert_int_equal(probe_input(&p, pkt, len, 0, T0, &tx), PROBE_IGNORED_UNRELATED);
	len = synack(pkt, sizeof(pkt));
	pkt[6] |= 0x20;          /* MF */
	pkt[10] = pkt[11] = 0;
	np_store_be16(&pkt[10], np_csum(pkt, 20));
	assert_int_equal(probe_input(&p, pkt, len, 0, T0, &tx), PROBE_IGNORED_MALFORMED);
	len = synack(pkt, sizeof(pkt));
	pkt[19] = 3;             /* destination 10.77.0.3 */
	pkt[10] = pkt[11] = 0;
	np_store_be16(&pkt[10], np_csum(pkt, 20));
	assert_int_equal(probe_input(&p, pkt, len, 1, T0, &tx), PROBE_IGNORED_UNRELATED);
	/* Truncated: no IPv4 header, a TCP header cut short. */
	assert_int_equal(probe_input(&p, pkt, 10, 0, T0, &tx), PROBE_IGNORED_MALFORMED);
	assert_int_equal(probe_input(&p, pkt, 0, 0, T0, &tx), PROBE_IGNORED_MALFORMED);
	len = synack(pkt, sizeof(pkt));
	assert_int_equal(probe_input(&p, pkt, 30, 0, T0, &tx), PROBE_IGNORED_MALFORMED);
	assert_int_equal(tx.count, 0);
	assert_int_equal(p.result, PROBE_PENDING);
	assert_int_equal(p.state, PROBE_SYN_SENT);
}

static void wrong_synack_gets_rfc_reset(void **state)
{
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;
	/* A SYN-ACK for an older SYN from the same port (a stale SYN-RECV). */
	struct seg old = { .flags = NP_TCP_SYN | NP_TCP_ACK, .seq = 42, .ack = ISS - 1000 };

	(void)state;
	start(&p, &default_cfg);
	assert_int_equal(feed(&p, &old, T0 + 1, &tx), PROBE_IGNORED_UNRELATED);
	assert_int_equal(tx.count, 1);
	sent(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_RST);   /* <SEQ=SEG.ACK><CTL=RST> */
	assert_int_equal(t.seq, ISS - 1000);
	assert_int_equal(p.result, PROBE_PENDING);
	assert_int_equal(p.state, PROBE_SYN_SENT);
}

static void bad_checksums_are_ignored(void **state)
{
	struct probe p;
	struct probe_tx tx;
	uint8_t pkt[128];
	size_t len;

	(void)state;
	start(&p, &default_cfg);
	/* TCP checksum wrong (one bit of the window flipped). */
	len = synack(pkt, sizeof(pkt));
	pkt[20 + 14] ^= 0x01;
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 5, &tx), PROBE_IGNORED_CSUM);
	assert_int_equal(p.state, PROBE_SYN_SENT);
	/* IPv4 header checksum wrong: ignored even when the link vouches for TCP. */
	len = synack(pkt, sizeof(pkt));
	pkt[10] ^= 0x40;
	assert_int_equal(probe_input(&p, pkt, len, 1, T0 + 5, &tx), PROBE_IGNORED_CSUM);
	assert_int_equal(p.state, PROBE_SYN_SENT);
	/* The same TCP corruption with TP_STATUS_CSUM_VALID is taken as it is. */
	len = synack(pkt, sizeof(pkt));
	pkt[20 + 14] ^= 0x01;
	assert_int_equal(probe_input(&p, pkt, len, 1, T0 + 5, &tx), PROBE_CONSUMED);
	assert_int_equal(p.result, PROBE_OPEN);
	assert_int_equal(p.peer_window, 65160 ^ 0x100);
}

static void packet_port_for_dispatch(void **state)
{
	uint8_t pkt[128];
	size_t len;
	uint16_t port = 0;

	(void)state;
	len = synack(pkt, sizeof(pkt));
	assert_int_equal(probe_packet_port(pkt, len, &port), 0);
	assert_int_equal(port, SPORT);
	len = icmp_error(3, 1, ROUTER, SPORT + 3, DPORT, ISS, pkt, sizeof(pkt));
	assert_int_equal(probe_packet_port(pkt, len, &port), 0);
	assert_int_equal(port, SPORT + 3);
	assert_int_equal(probe_packet_port(pkt, 20 + 8 + 20 + 1, &port), NP_ETRUNC);
	assert_int_equal(probe_packet_port(pkt, 20 + 8 + 10, &port), NP_ETRUNC);
	assert_int_equal(probe_packet_port(pkt, 0, &port), NP_ETRUNC);
	pkt[9] = 17;
	assert_int_equal(probe_packet_port(pkt, len, &port), NP_ETYPE);
	assert_int_equal(port, SPORT + 3);       /* untouched on error */
}

/* RFC 6528: per 4-tuple, ISNs grow with a 4 us clock; the key hides F. */
static void isn_grows_per_tuple_and_depends_on_key(void **state)
{
	const uint64_t k1[2] = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL };
	const uint64_t k2[2] = { 0x0123456789abcdefULL, 0xfedcba9876543211ULL };
	const struct probe_addr src = PROBE_ADDR_V4_INIT(SRC), dst = PROBE_ADDR_V4_INIT(DST);
	uint32_t a = probe_isn(k1, &src, 61000, &dst, 80, 1000000);
	(void)state;

	/* 1 ms later: 250 ticks of 4 us more, for the same connection. */
	assert_int_equal(probe_isn(k1, &src, 61000, &dst, 80, 2000000) - a, 250);
	/* Another source port, another key: another offset. */
	assert_int_not_equal(probe_isn(k1, &src, 61001, &dst, 80, 1000000), a);
	assert_int_not_equal(probe_isn(k2, &src, 61000, &dst, 80, 1000000), a);
}

/* RFC 7323 §7.1: one TSval offset per host pair, secret with the key. */
static void ts_offset_per_host_pair(void **state)
{
	const uint64_t k1[2] = { 1, 2 }, k2[2] = { 1, 3 };
	const struct probe_addr src = PROBE_ADDR_V4_INIT(SRC), dst = PROBE_ADDR_V4_INIT(DST);
	const struct probe_addr dst1 = PROBE_ADDR_V4_INIT(DST + 1);
	(void)state;

	assert_int_equal(probe_ts_offset(k1, &src, &dst), probe_ts_offset(k1, &src, &dst));
	assert_int_not_equal(probe_ts_offset(k1, &src, &dst), probe_ts_offset(k1, &src, &dst1));
	assert_int_not_equal(probe_ts_offset(k1, &src, &dst), probe_ts_offset(k2, &src, &dst));
}

/* ---- IPv6 -------------------------------------------------------------- */

/* 2001:db8:77::2 the prober, 2001:db8:77::1 the target, 2001:db8:1::fe a router. */
static const struct probe_addr SRC6 = { { 0x20, 0x01, 0x0d, 0xb8, 0, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 } };
static const struct probe_addr DST6 = { { 0x20, 0x01, 0x0d, 0xb8, 0, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } };
static const struct probe_addr ROUTER6 = { { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe } };

static struct probe_config cfg6(void)
{
	struct probe_config c = default_cfg;

	c.src = SRC6;
	c.dst = DST6;
	return c;
}

/* An IPv6 packet from `from` to the prober; with dstopts, a destination options header first. */
static size_t wrap6(const struct probe_addr *from, uint8_t upper, const uint8_t *payload,
		    size_t plen, int dstopts, uint8_t *buf, size_t cap)
{
	static const uint8_t padn[8] = { 0, 0, NP_IPV6_OPT_PADN, 4, 0, 0, 0, 0 };
	struct np_ipv6 ip;
	int len;

	memset(&ip, 0, sizeof(ip));
	ip.hop_limit = 63;
	ip.upper = upper;
	memcpy(ip.src, from->b, 16);
	memcpy(ip.dst, SRC6.b, 16);
	if (dstopts) {
		ip.ext[0].type = NP_IPPROTO_DSTOPTS;
		ip.ext[0].data = padn;
		ip.ext[0].len = sizeof(padn);
		ip.ext_count = 1;
	}
	ip.payload = payload;
	ip.payload_len = plen;
	len = np_ipv6_build(&ip, buf, cap);
	assert_true(len > 0);
	return (size_t)len;
}

static size_t peer_seg6(const struct seg *s, int dstopts, uint8_t *buf, size_t cap)
{
	struct np_tcp t;
	uint8_t seg[128];
	int tlen;

	memset(&t, 0, sizeof(t));
	t.src_port = DPORT;
	t.dst_port = SPORT;
	t.seq = s->seq;
	t.ack = s->ack;
	t.flags = s->flags;
	t.window = 64800;
	t.opts.present = s->present;
	t.opts.mss = s->mss;
	t.opts.wscale = s->wscale;
	t.opts.ts_val = s->ts_val;
	t.opts.ts_ecr = s->ts_ecr;
	tlen = np_tcp6_build(&t, DST6.b, SRC6.b, seg, sizeof(seg));
	assert_true(tlen > 0);
	return wrap6(&DST6, NP_IPPROTO_TCP, seg, (size_t)tlen, dstopts, buf, cap);
}

static size_t synack6(int dstopts, uint8_t *buf, size_t cap)
{
	const struct seg s = {
		.flags = NP_TCP_SYN | NP_TCP_ACK, .seq = PEER_ISN, .ack = ISS + 1,
		.present = NP_TCP_HAS_MSS | NP_TCP_HAS_WSCALE | NP_TCP_HAS_SACK_PERM |
			   NP_TCP_HAS_TIMESTAMP,
		.mss = 1440, .wscale = 10, .ts_val = 555, .ts_ecr = 1,
	};
	return peer_seg6(&s, dstopts, buf, cap);
}

/* Packet i of tx as the prober sends it over IPv6: header fields and checksum. */
static void sent6(const struct probe_tx *tx, unsigned int i, struct np_tcp *t)
{
	struct np_ipv6 ip;

	assert_true(i < tx->count);
	assert_int_equal(np_ipv6_parse(tx->pkt[i], tx->len[i], &ip), 0);
	assert_memory_equal(ip.src, SRC6.b, 16);
	assert_memory_equal(ip.dst, DST6.b, 16);
	assert_int_equal(ip.upper, NP_IPPROTO_TCP);
	assert_int_equal(ip.ext_count, 0);
	assert_int_equal(ip.hop_limit, 64);
	assert_int_equal(ip.flow, 0);
	assert_int_equal(ip.tclass, 0);
	assert_int_equal(np_tcp6_parse(ip.payload, ip.payload_len, SRC6.b, DST6.b, t), 0);
	assert_int_equal(t->src_port, SPORT);
	assert_int_equal(t->dst_port, DPORT);
}

/* ICMPv6 error from `from` quoting an IPv6 TCP header (RFC 4443 §2.4 (c)). */
static size_t icmp6_error(uint8_t type, uint8_t code, const struct probe_addr *from,
			  uint16_t sport, uint32_t seq, uint8_t *buf, size_t cap)
{
	uint8_t quote[NP_IPV6_HDR_LEN + 20], msg[128];
	struct np_icmp6 m;
	int mlen;

	memset(quote, 0, sizeof(quote));
	quote[0] = 0x60;
	np_store_be16(&quote[4], 40);          /* the SYN's payload length, more than quoted */
	quote[6] = NP_IPPROTO_TCP;
	quote[7] = 64;
	memcpy(&quote[8], SRC6.b, 16);
	memcpy(&quote[24], DST6.b, 16);
	np_store_be16(&quote[40], sport);
	np_store_be16(&quote[42], DPORT);
	np_store_be32(&quote[44], seq);
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.code = code;
	m.data = quote;
	m.data_len = sizeof(quote);
	mlen = np_icmp6_build(&m, from->b, SRC6.b, msg, sizeof(msg));
	assert_true(mlen > 0);
	return wrap6(from, NP_IPPROTO_ICMPV6, msg, (size_t)mlen, 0, buf, cap);
}

static void v6_syn_open_and_close(void **state)
{
	struct probe_config c = cfg6();
	const struct seg finack = { .flags = NP_TCP_FIN | NP_TCP_ACK, .seq = PEER_ISN + 1,
				    .ack = ISS + 2, .present = NP_TCP_HAS_TIMESTAMP,
				    .ts_val = 556, .ts_ecr = 1 };
	struct probe p;
	struct probe_tx tx;
	struct np_tcp t;
	uint8_t pkt[160];
	size_t len;

	(void)state;
	assert_int_equal(probe_start(&p, &c, ISS, 100, T0, &tx), 0);
	assert_int_equal(tx.count, 1);
	assert_int_equal(tx.len[0], NP_IPV6_HDR_LEN + 40);
	sent6(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_SYN);
	assert_int_equal(t.seq, ISS);
	assert_int_equal(t.opts.present, NP_TCP_HAS_MSS | NP_TCP_HAS_WSCALE |
			 NP_TCP_HAS_SACK_PERM | NP_TCP_HAS_TIMESTAMP);

	len = synack6(0, pkt, sizeof(pkt));
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 300000, &tx), PROBE_CONSUMED);
	assert_int_equal(p.result, PROBE_OPEN);
	assert_int_equal(p.rtt_ns, 300000);
	assert_int_equal(p.peer_ttl, 63);               /* the hop limit */
	assert_int_equal(p.peer_window, 64800);
	assert_int_equal(p.peer_opts.mss, 1440);
	assert_int_equal(p.peer_opts.wscale, 10);
	assert_true(p.peer_opts.present & NP_TCP_HAS_SACK_PERM);
	assert_int_equal(tx.count, 2);
	sent6(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_ACK);
	assert_int_equal(t.ack, PEER_ISN + 1);
	assert_int_equal(t.opts.ts_ecr, 555);
	assert_int_equal(t.window, 64240 >> 7);
	sent6(&tx, 1, &t);
	assert_int_equal(t.flags, NP_TCP_FIN | NP_TCP_ACK);

	len = peer_seg6(&finack, 0, pkt, sizeof(pkt));
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 600000, &tx), PROBE_CONSUMED);
	assert_true(probe_done(&p));
	assert_int_equal(p.close, PROBE_CLOSE_FIN3);
	assert_int_equal(tx.count, 1);
	sent6(&tx, 0, &t);
	assert_int_equal(t.flags, NP_TCP_ACK);
	assert_int_equal(t.ack, PEER_ISN + 2);
}

static void v6_rst_is_closed_and_bad_checksum_ignored(void **state)
{
	struct probe_config c = cfg6();
	const struct seg rst = { .flags = NP_TCP_RST | NP_TCP_ACK, .ack = ISS + 1 };
	struct probe p;
	struct probe_tx tx;
	uint8_t pkt[160];
	size_t len;

	(void)state;
	assert_int_equal(probe_start(&p, &c, ISS, 0, T0, &tx), 0);
	len = peer_seg6(&rst, 0, pkt, sizeof(pkt));
	pkt[len - 1] ^= 0x40;                           /* the urgent pointer: checksum broken */
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 1, &tx), PROBE_IGNORED_CSUM);
	assert_int_equal(p.result, PROBE_PENDING);
	pkt[len - 1] ^= 0x40;
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 2000, &tx), PROBE_CONSUMED);
	assert_int_equal(p.result, PROBE_CLOSED);
	assert_int_equal(p.rst_ttl, 63);
	assert_int_equal(p.rtt_ns, 2000);
	assert_int_equal(tx.count, 0);
}

/* RFC 4443 §3.1: every destination unreachable code quoting our SYN is "unreachable". */
static void v6_icmp6_unreachable_codes(void **state)
{
	static const uint8_t codes[] = { NP_ICMP6_UNREACH_NOROUTE, NP_ICMP6_UNREACH_ADMIN,
					 NP_ICMP6_UNREACH_BEYOND_SCOPE, NP_ICMP6_UNREACH_ADDR,
					 NP_ICMP6_UNREACH_PORT, NP_ICMP6_UNREACH_POLICY,
					 NP_ICMP6_UNREACH_REJECT };
	struct probe_config c = cfg6();
	struct probe p;
	struct probe_tx tx;
	uint8_t pkt[200];
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof(codes); i++) {
		assert_int_equal(probe_start(&p, &c, ISS, 0, T0, &tx), 0);
		/* Not ours: another sequence number, another port, another type. */
		len = icmp6_error(NP_ICMP6_DEST_UNREACH, codes[i], &ROUTER6, SPORT, ISS + 1, pkt,
				  sizeof(pkt));
		assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 1, &tx), PROBE_IGNORED_UNRELATED);
		len = icmp6_error(NP_ICMP6_DEST_UNREACH, codes[i], &ROUTER6, SPORT + 1, ISS, pkt,
				  sizeof(pkt));
		assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 1, &tx), PROBE_IGNORED_UNRELATED);
		len = icmp6_error(NP_ICMP6_TIME_EXCEEDED, 0, &ROUTER6, SPORT, ISS, pkt, sizeof(pkt));
		assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 1, &tx), PROBE_IGNORED_UNRELATED);
		/* A broken ICMPv6 checksum, whatever the link says. */
		len = icmp6_error(NP_ICMP6_DEST_UNREACH, codes[i], &ROUTER6, SPORT, ISS, pkt,
				  sizeof(pkt));
		pkt[len - 1] ^= 1;
		assert_int_equal(probe_input(&p, pkt, len, 1, T0 + 1, &tx), PROBE_IGNORED_CSUM);
		pkt[len - 1] ^= 1;
		assert_int_equal(p.result, PROBE_PENDING);
		assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 5000, &tx), PROBE_CONSUMED);
		assert_int_equal(p.result, PROBE_UNREACHABLE);
		assert_int_equal(p.icmp_type, 1);
		assert_int_equal(p.icmp_code, codes[i]);
		assert_memory_equal(p.icmp_from.b, ROUTER6.b, 16);
		assert_int_equal(p.rtt_ns, 5000);
		assert_int_equal(tx.count, 0);
		assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 6000, &tx), PROBE_IGNORED_LATE);
	}
}

static void v6_extension_headers_fragments_and_other_family(void **state)
{
	struct probe_config c = cfg6();
	struct probe p;
	struct probe_tx tx;
	uint8_t pkt[200], frag[200];
	size_t len;
	uint16_t port = 0;

	(void)state;
	/* An IPv4 SYN-ACK for the same ports is another connection. */
	assert_int_equal(probe_start(&p, &c, ISS, 0, T0, &tx), 0);
	len = synack(pkt, sizeof(pkt));
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 1, &tx), PROBE_IGNORED_UNRELATED);
	assert_int_equal(p.result, PROBE_PENDING);
	/* A fragment of a SYN-ACK (a fragment header with M set) is not read. */
	len = synack6(0, pkt, sizeof(pkt));
	memcpy(frag, pkt, 40);
	frag[6] = NP_IPPROTO_FRAGMENT;
	np_store_be16(&frag[4], (uint16_t)(len - 40 + 8));
	frag[40] = NP_IPPROTO_TCP;
	frag[41] = 0;
	np_store_be16(&frag[42], 1);                    /* offset 0, M */
	np_store_be32(&frag[44], 7);
	memcpy(&frag[48], &pkt[40], len - 40);
	assert_int_equal(probe_input(&p, frag, len + 8, 0, T0 + 1, &tx), PROBE_IGNORED_MALFORMED);
	assert_int_equal(p.result, PROBE_PENDING);
	/* Behind a destination options header: read past it. */
	len = synack6(1, pkt, sizeof(pkt));
	assert_int_equal(probe_packet_port(pkt, len, &port), 0);
	assert_int_equal(port, SPORT);
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 10, &tx), PROBE_CONSUMED);
	assert_int_equal(p.result, PROBE_OPEN);
	assert_int_equal(tx.count, 2);

	/* An IPv6 SYN-ACK to an IPv4 probe is another connection too. */
	start(&p, &default_cfg);
	len = synack6(0, pkt, sizeof(pkt));
	assert_int_equal(probe_input(&p, pkt, len, 0, T0 + 1, &tx), PROBE_IGNORED_UNRELATED);
	assert_int_equal(p.result, PROBE_PENDING);
	/* Mixed families cannot start. */
	c.dst = default_cfg.dst;
	assert_int_equal(probe_start(&p, &c, ISS, 0, T0, &tx), NP_EINVAL);
}

static void v6_packet_port_for_dispatch(void **state)
{
	uint8_t pkt[200];
	size_t len;
	uint16_t port = 0;

	(void)state;
	len = synack6(0, pkt, sizeof(pkt));
	assert_int_equal(probe_packet_port(pkt, len, &port), 0);
	assert_int_equal(port, SPORT);
	len = icmp6_error(NP_ICMP6_DEST_UNREACH, 3, &ROUTER6, SPORT + 3, ISS, pkt, sizeof(pkt));
	assert_int_equal(probe_packet_port(pkt, len, &port), 0);
	assert_int_equal(port, SPORT + 3);
	assert_true(probe_packet_port(pkt, 40 + 8 + 40 + 1, &port) < 0);
	assert_true(probe_packet_port(pkt, 40 + 8 + 10, &port) < 0);
	assert_int_equal(port, SPORT + 3);              /* untouched on error */
}

/* RFC 6528 over the IPv6 4-tuple: every address bit counts; the clock as for IPv4. */
static void v6_isn_and_ts_offset(void **state)
{
	const uint64_t k[2] = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL };
	struct probe_addr other = DST6;
	uint32_t a = probe_isn(k, &SRC6, 61000, &DST6, 80, 1000000);
	unsigned int byte;

	(void)state;
	assert_int_equal(probe_isn(k, &SRC6, 61000, &DST6, 80, 2000000) - a, 250);
	for (byte = 0; byte < 16; byte++) {
		other = DST6;
		other.b[byte] ^= 0x80;
		assert_int_not_equal(probe_isn(k, &SRC6, 61000, &other, 80, 1000000), a);
		assert_int_not_equal(probe_ts_offset(k, &SRC6, &other), probe_ts_offset(k, &SRC6, &DST6));
	}
	assert_int_not_equal(probe_isn(k, &SRC6, 61001, &DST6, 80, 1000000), a);
}

static void addr_text(void **state)
{
	char t[NP_IPV6_ADDR_TEXT_LEN];
	const struct probe_addr v4 = PROBE_ADDR_V4_INIT(SRC);

	(void)state;
	assert_int_equal(probe_addr_to_text(&v4, t), strlen("10.77.0.2"));
	assert_string_equal(t, "10.77.0.2");
	probe_addr_to_text(&DST6, t);
	assert_string_equal(t, "2001:db8:77::1");
	assert_false(probe_addr_is_v4(&DST6));
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(probe_result_name(PROBE_OPEN), "open");
	assert_string_equal(probe_result_name(PROBE_UNREACHABLE), "unreachable");
	assert_string_equal(probe_close_name(PROBE_CLOSE_FIN3), "fin3");
	assert_string_equal(probe_close_name(PROBE_CLOSE_TIMEOUT_RST), "timeout-rst");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syn_carries_configured_options),
		cmocka_unit_test(syn_without_options),
		cmocka_unit_test(syn_refuses_bad_wscale),
		cmocka_unit_test(synack_is_open_then_ack_and_fin),
		cmocka_unit_test(close_four_way),
		cmocka_unit_test(close_three_way),
		cmocka_unit_test(close_simultaneous),
		cmocka_unit_test(close_by_rst),
		cmocka_unit_test(peer_reset_during_close),
		cmocka_unit_test(close_timeout_resets),
		cmocka_unit_test(banner_data_is_acknowledged),
		cmocka_unit_test(no_timestamps_no_scaling_when_peer_declines),
		cmocka_unit_test(unknown_peer_option_is_kept),
		cmocka_unit_test(retransmitted_synack_is_acked_again),
		cmocka_unit_test(retransmitted_synack_after_rst_close),
		cmocka_unit_test(duplicate_synacks_are_rate_limited),
		cmocka_unit_test(duplicate_fins_are_rate_limited),
		cmocka_unit_test(synack_with_malformed_option_is_open),
		cmocka_unit_test(rst_ack_is_closed),
		cmocka_unit_test(rst_not_acking_our_syn_is_ignored),
		cmocka_unit_test(icmp_unreachable_quoting_our_syn),
		cmocka_unit_test(silence_is_filtered),
		cmocka_unit_test(syn_stamp_before_answer_starts_rtt),
		cmocka_unit_test(syn_stamp_after_answer_corrects_rtt),
		cmocka_unit_test(syn_stamp_out_of_range_ignored),
		cmocka_unit_test(stray_packets_are_ignored),
		cmocka_unit_test(wrong_synack_gets_rfc_reset),
		cmocka_unit_test(bad_checksums_are_ignored),
		cmocka_unit_test(packet_port_for_dispatch),
		cmocka_unit_test(isn_grows_per_tuple_and_depends_on_key),
		cmocka_unit_test(ts_offset_per_host_pair),
		cmocka_unit_test(v6_syn_open_and_close),
		cmocka_unit_test(v6_rst_is_closed_and_bad_checksum_ignored),
		cmocka_unit_test(v6_icmp6_unreachable_codes),
		cmocka_unit_test(v6_extension_headers_fragments_and_other_family),
		cmocka_unit_test(v6_packet_port_for_dispatch),
		cmocka_unit_test(v6_isn_and_ts_offset),
		cmocka_unit_test(addr_text),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
