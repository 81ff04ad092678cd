/*
 * probe.c: one TCP handshake and close as a pure state machine (probe.h).
 */
#include <string.h>

#include <netproto/buf.h>
#include <netproto/error.h>
#include <netproto/icmp.h>
#include <netproto/icmp6.h>
#include <netproto/ipv4.h>
#include <netproto/ipv6.h>
#include <netproto/tcp.h>

#include "probe.h"

/* What one segment we write looks like; the numbers are ours, not the peer's. */
struct seg_out {
	uint8_t flags;
	uint32_t seq;
	uint32_t ack;
	int syn;                     /* the SYN: the options of the configuration */
};

static uint32_t probe_tsval(const struct probe *p, uint64_t now)
{
	/* A millisecond clock (RFC 7323 §5.4 allows 1 ms to 1 s per tick). */
	return (uint32_t)(now / 1000000u) + p->cfg.ts_offset;
}

static void seg_options(const struct probe *p, const struct seg_out *s, uint64_t now,
			struct np_tcp *t)
{
	const struct probe_config *c = &p->cfg;

	memset(&t->opts, 0, sizeof(t->opts));
	t->opt_layout = NP_TCP_LAYOUT_LINUX;
	if (s->syn) {
		if (c->mss) {
			t->opts.present |= NP_TCP_HAS_MSS;
			t->opts.mss = c->mss;
		}
		if (c->wscale >= 0) {
			t->opts.present |= NP_TCP_HAS_WSCALE;
			t->opts.wscale = (uint8_t)c->wscale;
		}
		if (c->sack)
			t->opts.present |= NP_TCP_HAS_SACK_PERM;
		if (c->timestamps) {
			t->opts.present |= NP_TCP_HAS_TIMESTAMP;
			t->opts.ts_val = probe_tsval(p, now);
		}
		return;
	}
	/* RFC 7323 §3.2: once agreed, on every segment but RST. */
	if (p->ts_ok && !(s->flags & NP_TCP_RST)) {
		t->opts.present |= NP_TCP_HAS_TIMESTAMP;
		t->opts.ts_val = probe_tsval(p, now);
		t->opts.ts_ecr = p->ts_recent;
	}
}

static uint16_t seg_window(const struct probe *p, const struct seg_out *s)
{
	if (s->flags & NP_TCP_RST)
		return 0;
	/* RFC 7323 §2.2: the window of a SYN is never scaled. */
	if (!s->syn && p->ws_ok)
		return (uint16_t)(p->cfg.window >> p->cfg.wscale);
	return p->cfg.window;
}

size_t probe_addr_to_text(const struct probe_addr *a, char text[NP_IPV6_ADDR_TEXT_LEN])
{
	if (probe_addr_is_v4(a))
		return np_ipv4_addr_to_text(probe_addr_to_v4(a), text);
	return np_ipv6_addr_to_text(a->b, text);
}

/* The IPv4 datagram around the segment already at pkt + 20; its length or NP_E*. */
static int wrap_ipv4(struct probe *p, uint8_t *pkt, size_t tlen)
{
	struct np_ipv4 ip;

	memset(&ip, 0, sizeof(ip));
	ip.id = p->ip_id++;
	ip.flags = NP_IPV4_DF;       /* as Linux: path MTU discovery, RFC 1191 */
	ip.ttl = p->cfg.ttl;
	ip.proto = NP_IPPROTO_TCP;
	ip.src = probe_addr_to_v4(&p->cfg.src);
	ip.dst = probe_addr_to_v4(&p->cfg.dst);
	ip.payload = &pkt[NP_IPV4_HDR_LEN];
	ip.payload_len = tlen;
	return np_ipv4_build(&ip, pkt, PROBE_PKT_MAX);
}

/*
 * The IPv6 packet around the segment already at pkt + 40: no extension
 * headers, flow label 0 (RFC 6437 §2: a source need not label flows),
 * traffic class 0, the configured hop limit.
 */
static int wrap_ipv6(const struct probe *p, uint8_t *pkt, size_t tlen)
{
	struct np_ipv6 ip;

	memset(&ip, 0, sizeof(ip));
	ip.hop_limit = p->cfg.ttl;
	ip.upper = NP_IPPROTO_TCP;
	memcpy(ip.src, p->cfg.src.b, NP_IPV6_ADDR_LEN);
	memcpy(ip.dst, p->cfg.dst.b, NP_IPV6_ADDR_LEN);
	ip.payload = &pkt[NP_IPV6_HDR_LEN];
	ip.payload_len = tlen;
	return np_ipv6_build(&ip, pkt, PROBE_PKT_MAX);
}

/* Append one IPv4 datagram or IPv6 packet carrying the segment s to tx. */
static int probe_emit(struct probe *p, const struct seg_out *s, uint64_t now,
		      struct probe_tx *tx)
{
	const int v4 = probe_addr_is_v4(&p->cfg.dst);
	const size_t hl = v4 ? NP_IPV4_HDR_LEN : NP_IPV6_HDR_LEN;
	struct np_tcp t;
	uint8_t *pkt;
	int tlen, len;

	if (tx->count >= PROBE_TX_MAX)
		return NP_ENOSPC;
	pkt = tx->pkt[tx->count];
	memset(&t, 0, sizeof(t));
	t.src_port = p->cfg.sport;
	t.dst_port = p->cfg.dport;
	t.seq = s->seq;
	t.ack = (s->flags & NP_TCP_ACK) ? s->ack : 0;
	t.flags = s->flags;
	t.window = seg_window(p, s);
	seg_options(p, s, now, &t);
	if (v4)
		tlen = np_tcp_build(&t, probe_addr_to_v4(&p->cfg.src), probe_addr_to_v4(&p->cfg.dst),
				    &pkt[hl], PROBE_PKT_MAX - hl);
	else
		tlen = np_tcp6_build(&t, p->cfg.src.b, p->cfg.dst.b, &pkt[hl], PROBE_PKT_MAX - hl);
	if (tlen < 0)
		return tlen;
	len = v4 ? wrap_ipv4(p, pkt, (size_t)tlen) : wrap_ipv6(p, pkt, (size_t)tlen);
	if (len < 0)
		return len;
	tx->len[tx->count++] = (size_t)len;
	return 0;
}

static void emit(struct probe *p, uint8_t flags, uint32_t seq, uint32_t ack, uint64_t now,
		 struct probe_tx *tx)
{
	const struct seg_out s = { .flags = flags, .seq = seq, .ack = ack };

	/* Only a full tx can fail here: the SYN proved the options fit. */
	(void)probe_emit(p, &s, now, tx);
}

int probe_start(struct probe *p, const struct probe_config *cfg, uint32_t iss, uint16_t ip_id,
		uint64_t now, struct probe_tx *tx)
{
	const struct seg_out syn = { .flags = NP_TCP_SYN, .seq = iss, .syn = 1 };
	int err;

	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	if (p->cfg.wscale > NP_TCP_WSCALE_MAX ||
	    probe_addr_is_v4(&cfg->src) != probe_addr_is_v4(&cfg->dst))
		return NP_EINVAL;
	p->state = PROBE_SYN_SENT;
	p->result = PROBE_PENDING;
	p->iss = iss;
	p->snd_nxt = iss + 1;
	p->ip_id = ip_id;
	p->t_syn = now;
	p->deadline = now + cfg->timeout_ns;
	tx->count = 0;
	err = probe_emit(p, &syn, now, tx);
	return err < 0 ? err : 0;
}

void probe_syn_stamp(struct probe *p, uint64_t sent_ns)
{
	if (sent_ns < p->t_syn)
		return;
	if (p->result == PROBE_PENDING) {
		p->t_syn = sent_ns;
		return;
	}
	if (p->result == PROBE_FILTERED || p->t_answer < sent_ns)
		return;
	p->t_syn = sent_ns;
	p->rtt_ns = p->t_answer - sent_ns;
}

/* MurmurHash3's 64-bit finaliser: every input bit moves every output bit. */
static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint32_t keyed(const uint64_t key[2], uint64_t a, uint64_t b)
{
	return (uint32_t)mix64(mix64(key[0] ^ a) ^ key[1] ^ b);
}

static uint64_t load_be64(const uint8_t *b)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/*
 * The address pair as F's first 64-bit input: both IPv4 addresses side by
 * side (unchanged from the IPv4-only prober, so ISNs keep growing across
 * it), or the 256 bits of an IPv6 pair folded under the key's second word
 * (mix64() is a bijection: each step keeps every bit of the ones before).
 */
static uint64_t pair_word(const uint64_t key[2], const struct probe_addr *src,
			  const struct probe_addr *dst)
{
	uint64_t h;

	if (probe_addr_is_v4(src) && probe_addr_is_v4(dst))
		return (uint64_t)probe_addr_to_v4(src) << 32 | probe_addr_to_v4(dst);
	h = mix64(key[1] ^ load_be64(src->b));
	h = mix64(h ^ load_be64(&src->b[8]));
	h = mix64(h ^ load_be64(dst->b));
	return mix64(h ^ load_be64(&dst->b[8]));
}

uint32_t probe_isn(const uint64_t key[2], const struct probe_addr *src, uint16_t sport,
		   const struct probe_addr *dst, uint16_t dport, uint64_t now_ns)
{
	uint32_t f = keyed(key, pair_word(key, src, dst), (uint64_t)sport << 16 | dport);

	return f + (uint32_t)(now_ns / 4000u);
}

uint32_t probe_ts_offset(const uint64_t key[2], const struct probe_addr *src,
			 const struct probe_addr *dst)
{
	/* The second word differs from any ISN input (ports never reach 2^32). */
	return keyed(key, pair_word(key, src, dst), UINT64_C(1) << 40);
}

static void finish(struct probe *p, enum probe_result r, uint64_t now)
{
	p->result = r;
	p->t_answer = now;
	p->rtt_ns = now > p->t_syn ? now - p->t_syn : 0;
	p->state = PROBE_DONE;
}

/* Keep the peer's options with their own copy of the unknown options' data. */
static void keep_peer_options(struct probe *p, const struct np_tcp *t)
{
	unsigned int i, n;

	p->peer_opts = t->opts;
	p->peer_raw_opts_len = t->opt_len <= sizeof(p->peer_raw_opts) ? t->opt_len : 0;
	if (p->peer_raw_opts_len)
		memcpy(p->peer_raw_opts, t->opt_data, p->peer_raw_opts_len);
	n = t->opts.unknown_count < NP_TCP_UNKNOWN_MAX ? t->opts.unknown_count : NP_TCP_UNKNOWN_MAX;
	for (i = 0; i < n; i++) {
		size_t off = (size_t)(t->opts.unknown[i].data - t->opt_data);

		p->peer_opts.unknown[i].data = off < p->peer_raw_opts_len ? &p->peer_raw_opts[off] : NULL;
	}
}

/* RFC 9293 §3.10.7.3, SYN-SENT: the SYN-ACK that acknowledges our SYN. */
static void on_synack(struct probe *p, const struct np_tcp *t, uint8_t ttl, uint64_t now,
		      struct probe_tx *tx)
{
	finish(p, PROBE_OPEN, now);
	p->peer_isn = t->seq;
	p->peer_window = t->window;
	p->peer_ttl = ttl;
	keep_peer_options(p, t);
	p->ts_ok = p->cfg.timestamps && (t->opts.present & NP_TCP_HAS_TIMESTAMP);
	p->ws_ok = p->cfg.wscale >= 0 && (t->opts.present & NP_TCP_HAS_WSCALE);
	if (p->ts_ok)
		p->ts_recent = t->opts.ts_val;
	/* Data on a SYN-ACK (TCP Fast Open) is not acknowledged: it will come again. */
	p->rcv_nxt = t->seq + 1;

	emit(p, NP_TCP_ACK, p->snd_nxt, p->rcv_nxt, now, tx);
	if (p->cfg.close_rst) {
		/* RFC 9293 §3.10.7.4: a RST in a synchronized state carries SND.NXT. */
		emit(p, NP_TCP_RST, p->snd_nxt, 0, now, tx);
		p->close = PROBE_CLOSE_RST;
		return;
	}
	emit(p, NP_TCP_FIN | NP_TCP_ACK, p->snd_nxt, p->rcv_nxt, now, tx);
	p->snd_nxt++;
	p->state = PROBE_FIN_WAIT_1;
	p->deadline = now + p->cfg.close_timeout_ns;
}

static enum probe_verdict in_syn_sent(struct probe *p, const struct np_tcp *t, uint8_t ttl,
				      uint64_t now, struct probe_tx *tx)
{
	if (t->flags & NP_TCP_ACK) {
		if (t->ack != p->iss + 1) {
			/* Not for this SYN: "send a reset <SEQ=SEG.ACK><CTL=RST>". */
			if (!(t->flags & NP_TCP_RST))
				emit(p, NP_TCP_RST, t->ack, 0, now, tx);
			return PROBE_IGNORED_UNRELATED;
		}
		if (t->flags & NP_TCP_RST) {
			finish(p, PROBE_CLOSED, now);
			p->rst_ttl = ttl;
			return PROBE_CONSUMED;
		}
		if (t->flags & NP_TCP_SYN) {
			on_synack(p, t, ttl, now, tx);
			return PROBE_CONSUMED;
		}
	}
	/* A RST without ACK, a bare SYN (simultaneous open), anything else. */
	return PROBE_IGNORED_UNRELATED;
}

/* RFC 5961 §3.2 in short: a RST is believed when its sequence number is in the window. */
static int rst_acceptable(const struct probe *p, const struct np_tcp *t)
{
	return np_tcp_seq_ge(t->seq, p->rcv_nxt) &&
	       np_tcp_seq_lt(t->seq, p->rcv_nxt + (p->cfg.window ? p->cfg.window : 1));
}

/*
 * Answers to duplicate segments (a SYN-ACK again, data or a FIN we already
 * have): at most one per PROBE_DUP_ANSWER_INTERVAL_NS and connection, as
 * Linux's tcp_oow_rate_limited() (net.ipv4.tcp_invalid_ratelimit), so a
 * peer repeating a segment cannot make us repeat ours at its rate.  The
 * first is always answered: that is the case of our ACK being lost.  A
 * clock that went back (receive stamps) is not limited, as in Linux.
 */
static int dup_answer_limited(struct probe *p, uint64_t now)
{
	if (p->dup_answered && now >= p->dup_answer_at &&
	    now - p->dup_answer_at < PROBE_DUP_ANSWER_INTERVAL_NS) {
		p->dup_answers_limited++;
		return 1;
	}
	p->dup_answered = 1;
	p->dup_answer_at = now;
	return 0;
}

/* The peer's SYN-ACK came again: our ACK was lost (RFC 9293 §3.10.7.4). */
static enum probe_verdict on_synack_again(struct probe *p, const struct np_tcp *t, uint64_t now,
					  struct probe_tx *tx)
{
	if (t->seq != p->peer_isn || !(t->flags & NP_TCP_ACK) || t->ack != p->iss + 1)
		return PROBE_IGNORED_UNRELATED;
	p->synack_retrans++;
	if (dup_answer_limited(p, now))
		return PROBE_CONSUMED;
	if (p->state == PROBE_FIN_WAIT_1 || p->close == PROBE_CLOSE_RST) {
		/* Nothing after the SYN-ACK arrived either: send both segments again. */
		emit(p, NP_TCP_ACK, p->iss + 1, p->peer_isn + 1, now, tx);
		if (p->close == PROBE_CLOSE_RST)
			emit(p, NP_TCP_RST, p->iss + 1, 0, now, tx);
		else
			emit(p, NP_TCP_FIN | NP_TCP_ACK, p->iss + 1, p->rcv_nxt, now, tx);
		return PROBE_CONSUMED;
	}
	emit(p, NP_TCP_ACK, p->snd_nxt, p->rcv_nxt, now, tx);
	return PROBE_CONSUMED;
}

/* The peer's FIN arrived in order (RFC 9293 §3.10.7.4, eighth step). */
static void on_fin(struct probe *p, int our_fin_acked_now)
{
	p->rcv_nxt++;
	switch (p->state) {
	case PROBE_FIN_WAIT_1:
		p->state = PROBE_CLOSING;
		break;
	case PROBE_FIN_WAIT_2:
		p->close = our_fin_acked_now ? PROBE_CLOSE_FIN3 : PROBE_CLOSE_FIN4;
		p->state = PROBE_DONE;
		break;
	default:
		break;
	}
}

/* FIN-WAIT-1, FIN-WAIT-2, CLOSING, and DONE after an open port. */
static enum probe_verdict in_synchronized(struct probe *p, const struct np_tcp *t, uint64_t now,
					  struct probe_tx *tx)
{
	int need_ack = 0, moved = 0, acked_fin = 0;
	uint32_t end;

	if (t->flags & NP_TCP_RST) {
		if (!rst_acceptable(p, t))
			return PROBE_IGNORED_UNRELATED;
		if (p->state == PROBE_DONE)
			return PROBE_IGNORED_LATE;
		p->close = PROBE_CLOSE_PEER_RST;
		p->state = PROBE_DONE;
		return PROBE_CONSUMED;
	}
	if (t->flags & NP_TCP_SYN)
		return on_synack_again(p, t, now, tx);
	if (!(t->flags & NP_TCP_ACK))
		return PROBE_IGNORED_UNRELATED;  /* RFC 9293: "if the ACK bit is off drop" */
	if (p->close == PROBE_CLOSE_RST || p->close == PROBE_CLOSE_PEER_RST ||
	    p->close == PROBE_CLOSE_TIMEOUT_RST)
		return PROBE_IGNORED_LATE;   /* reset: nothing to answer */

	if (p->ts_ok && (t->opts.present & NP_TCP_HAS_TIMESTAMP) && np_tcp_seq_le(t->seq, p->rcv_nxt))
		p->ts_recent = t->opts.ts_val;
	if (t->ack == p->snd_nxt && (p->state == PROBE_FIN_WAIT_1 || p->state == PROBE_CLOSING)) {
		acked_fin = 1;
		moved = 1;
		if (p->state == PROBE_CLOSING) {
			p->close = PROBE_CLOSE_SIMULTANEOUS;
			p->state = PROBE_DONE;
		} else {
			p->state = PROBE_FIN_WAIT_2;
		}
	}
	end = t->seq + (uint32_t)t->payload_len;
	if (t->payload_len || (t->flags & NP_TCP_FIN)) {
		if (t->seq == p->rcv_nxt) {
			/* In order: keep (count) the data; a banner is normal. */
			p->rcv_nxt = end;
			p->data_bytes += t->payload_len;
			if ((t->flags & NP_TCP_FIN) && p->state != PROBE_DONE) {
				on_fin(p, acked_fin);
				moved = 1;
			}
			need_ack = 1;
		} else {
			/* Out of order or a retransmission (our ACK lost): acknowledge what we have. */
			need_ack = !dup_answer_limited(p, now);
			moved = 1;
		}
	}
	if (need_ack)
		emit(p, NP_TCP_ACK, p->snd_nxt, p->rcv_nxt, now, tx);
	if (moved || need_ack)
		return PROBE_CONSUMED;
	return PROBE_IGNORED_LATE;
}

/* The network layer of a received packet, either family. */
struct pkt_in {
	int v4;
	struct probe_addr src, dst;
	uint8_t ttl;                 /* TTL or hop limit */
	uint8_t proto;               /* the upper-layer protocol (past IPv6 extension headers) */
	const uint8_t *payload;
	size_t payload_len;
};

static enum probe_verdict parse_ipv4(const uint8_t *buf, size_t len, struct pkt_in *in)
{
	struct np_ipv4 ip;
	int err = np_ipv4_parse(buf, len, &ip);

	if (err == NP_ECSUM)
		return PROBE_IGNORED_CSUM;
	if (err < 0 || np_ipv4_is_fragment(&ip))
		return PROBE_IGNORED_MALFORMED;
	in->v4 = 1;
	in->src = probe_addr_v4(ip.src);
	in->dst = probe_addr_v4(ip.dst);
	in->ttl = ip.ttl;
	in->proto = ip.proto;
	in->payload = ip.payload;
	in->payload_len = ip.payload_len;
	return PROBE_CONSUMED;
}

static enum probe_verdict parse_ipv6(const uint8_t *buf, size_t len, struct pkt_in *in)
{
	struct np_ipv6 ip;

	if (np_ipv6_parse(buf, len, &ip) < 0 || np_ipv6_is_fragment(&ip))
		return PROBE_IGNORED_MALFORMED;
	in->v4 = 0;
	memcpy(in->src.b, ip.src, NP_IPV6_ADDR_LEN);
	memcpy(in->dst.b, ip.dst, NP_IPV6_ADDR_LEN);
	in->ttl = ip.hop_limit;
	in->proto = ip.upper;
	in->payload = ip.payload;
	in->payload_len = ip.payload_len;
	return PROBE_CONSUMED;
}

/* PROBE_CONSUMED with *in filled, or why the packet is ignored. */
static enum probe_verdict parse_ip(const struct probe *p, const uint8_t *buf, size_t len,
				   struct pkt_in *in)
{
	enum probe_verdict v;
	int version;

	if (len == 0)
		return PROBE_IGNORED_MALFORMED;
	version = buf[0] >> 4;
	if (version != 4 && version != 6)
		return PROBE_IGNORED_MALFORMED;
	if ((version == 4) != probe_addr_is_v4(&p->cfg.src))
		return PROBE_IGNORED_UNRELATED;   /* the other family: not this probe's */
	v = version == 4 ? parse_ipv4(buf, len, in) : parse_ipv6(buf, len, in);
	if (v != PROBE_CONSUMED)
		return v;
	/* A mapped address in an IPv6 header is none of ours (RFC 4038 §4.2). */
	if (!in->v4 && (probe_addr_is_v4(&in->src) || probe_addr_is_v4(&in->dst)))
		return PROBE_IGNORED_UNRELATED;
	return PROBE_CONSUMED;
}

static int parse_tcp(const struct pkt_in *in, unsigned int flags, struct np_tcp *t)
{
	if (in->v4)
		return np_tcp_parse_flags(in->payload, in->payload_len, probe_addr_to_v4(&in->src),
					  probe_addr_to_v4(&in->dst), flags, t);
	return np_tcp6_parse_flags(in->payload, in->payload_len, in->src.b, in->dst.b, flags, t);
}

static enum probe_verdict input_tcp(struct probe *p, const struct pkt_in *ip, int csum_verified,
				    uint64_t now, struct probe_tx *tx)
{
	struct np_tcp t;
	int err;

	if (!probe_addr_eq(&ip->src, &p->cfg.dst))
		return PROBE_IGNORED_UNRELATED;
	/*
	 * Options are read as the peer's stack reads them (Linux's
	 * tcp_parse_options()): an illegal option length ends the list and
	 * the segment counts.  Dropping a SYN-ACK for it would report the
	 * port filtered and leave the peer half-open (our kernel's RST is
	 * held back by the nftables table).
	 */
	err = parse_tcp(ip, NP_TCP_PARSE_LAX_OPTS | (csum_verified ? NP_TCP_PARSE_NOCSUM : 0), &t);
	if (err == NP_ECSUM)
		return PROBE_IGNORED_CSUM;
	if (err < 0)
		return PROBE_IGNORED_MALFORMED;
	if (t.src_port != p->cfg.dport || t.dst_port != p->cfg.sport)
		return PROBE_IGNORED_UNRELATED;
	if (p->state == PROBE_SYN_SENT)
		return in_syn_sent(p, &t, ip->ttl, now, tx);
	if (p->result != PROBE_OPEN)
		return PROBE_IGNORED_LATE;
	return in_synchronized(p, &t, now, tx);
}

/*
 * The quoted packet's TCP header is our SYN: addresses, ports and
 * sequence number (RFC 5927 §4.1; the same check for ICMPv6, whose quote
 * holds as much of the packet as fits, RFC 4443 §3.1).
 */
static int quotes_our_syn(const struct probe *p, const struct probe_addr *src,
			  const struct probe_addr *dst, uint16_t sport, uint16_t dport,
			  const uint8_t *tcp, size_t tcp_len)
{
	struct np_reader r;

	if (!probe_addr_eq(src, &p->cfg.src) || !probe_addr_eq(dst, &p->cfg.dst) ||
	    sport != p->cfg.sport || dport != p->cfg.dport)
		return 0;
	np_reader_init(&r, tcp, tcp_len);
	np_reader_skip(&r, 4);
	return np_read_be32(&r) == p->iss && !np_reader_error(&r);
}

/*
 * RFC 792 destination unreachable (type 3) quoting our SYN: PROBE_CONSUMED
 * with its type and code, PROBE_IGNORED_UNRELATED, or why it is ignored.
 */
static enum probe_verdict icmp4_answer(const struct probe *p, const struct pkt_in *ip, uint8_t *type,
			uint8_t *code)
{
	struct np_icmp m = { 0 };
	struct np_icmp_quote q = { 0 };
	struct probe_addr qs, qd;
	int err;

	err = np_icmp_parse(ip->payload, ip->payload_len, &m);
	if (err == NP_ECSUM)
		return PROBE_IGNORED_CSUM;
	if (err < 0)
		return PROBE_IGNORED_MALFORMED;
	if (m.type != NP_ICMP_DEST_UNREACH)
		return PROBE_IGNORED_UNRELATED;
	if (np_icmp_quote_parse(&m, &q) < 0)
		return PROBE_IGNORED_MALFORMED;
	if (q.ip.proto != NP_IPPROTO_TCP || !q.has_ports)
		return PROBE_IGNORED_UNRELATED;
	qs = probe_addr_v4(q.ip.src);
	qd = probe_addr_v4(q.ip.dst);
	*type = m.type;
	*code = m.code;
	return quotes_our_syn(p, &qs, &qd, q.sport, q.dport, q.ip.payload, q.ip.payload_len) ?
		       PROBE_CONSUMED : PROBE_IGNORED_UNRELATED;
}

/*
 * ICMPv6 destination unreachable (RFC 4443 §3.1: type 1, codes 0 no route,
 * 1 administratively prohibited, 2 beyond the scope of the source address,
 * 3 address unreachable, 4 port unreachable, 5 source address failed
 * policy, 6 reject route) quoting our SYN.  Its checksum covers the
 * pseudo-header and is always verified (the link never offloads ICMPv6).
 */
static enum probe_verdict icmp6_answer(const struct probe *p, const struct pkt_in *ip, uint8_t *type,
			uint8_t *code)
{
	struct np_icmp6 m = { 0 };
	struct np_icmp6_quote q;
	struct probe_addr qs, qd;
	int err;

	err = np_icmp6_parse(ip->payload, ip->payload_len, ip->src.b, ip->dst.b, &m);
	if (err == NP_ECSUM)
		return PROBE_IGNORED_CSUM;
	if (err < 0)
		return PROBE_IGNORED_MALFORMED;
	if (m.type != NP_ICMP6_DEST_UNREACH)
		return PROBE_IGNORED_UNRELATED;
	memset(&q, 0, sizeof(q));
	if (np_icmp6_quote_parse(&m, &q) < 0)
		return PROBE_IGNORED_MALFORMED;
	if (q.ip.upper != NP_IPPROTO_TCP || !q.has_ports)
		return PROBE_IGNORED_UNRELATED;
	memcpy(qs.b, q.ip.src, NP_IPV6_ADDR_LEN);
	memcpy(qd.b, q.ip.dst, NP_IPV6_ADDR_LEN);
	*type = m.type;
	*code = m.code;
	return quotes_our_syn(p, &qs, &qd, q.sport, q.dport, q.ip.payload, q.ip.payload_len) ?
		       PROBE_CONSUMED : PROBE_IGNORED_UNRELATED;
}

static enum probe_verdict input_icmp(struct probe *p, const struct pkt_in *ip, uint64_t now)
{
	uint8_t type = 0, code = 0;
	enum probe_verdict v = ip->v4 ? icmp4_answer(p, ip, &type, &code) :
					icmp6_answer(p, ip, &type, &code);

	if (v != PROBE_CONSUMED)
		return v;
	if (p->state != PROBE_SYN_SENT)
		return PROBE_IGNORED_LATE;
	finish(p, PROBE_UNREACHABLE, now);
	p->icmp_type = type;
	p->icmp_code = code;
	p->icmp_from = ip->src;
	return PROBE_CONSUMED;
}

enum probe_verdict probe_input(struct probe *p, const uint8_t *buf, size_t len, int csum_verified,
			       uint64_t now, struct probe_tx *tx)
{
	struct pkt_in ip;
	enum probe_verdict v;

	tx->count = 0;
	v = parse_ip(p, buf, len, &ip);
	if (v != PROBE_CONSUMED)
		return v;
	if (!probe_addr_eq(&ip.dst, &p->cfg.src))
		return PROBE_IGNORED_UNRELATED;
	if (ip.proto == NP_IPPROTO_TCP)
		return input_tcp(p, &ip, csum_verified, now, tx);
	if (ip.v4 ? ip.proto == NP_IPPROTO_ICMP : ip.proto == NP_IPPROTO_ICMPV6)
		return input_icmp(p, &ip, now);
	return PROBE_IGNORED_UNRELATED;
}

void probe_timeout(struct probe *p, uint64_t now, struct probe_tx *tx)
{
	tx->count = 0;
	switch (p->state) {
	case PROBE_SYN_SENT:
		p->result = PROBE_FILTERED;
		p->state = PROBE_DONE;
		break;
	case PROBE_FIN_WAIT_1:
	case PROBE_FIN_WAIT_2:
	case PROBE_CLOSING:
		/* Never leave the peer half-open: reset what the FINs did not close. */
		emit(p, NP_TCP_RST, p->snd_nxt, 0, now, tx);
		p->close = PROBE_CLOSE_TIMEOUT_RST;
		p->state = PROBE_DONE;
		break;
	case PROBE_DONE:
		break;
	}
}

/* probe_packet_port() for an IPv6 packet: past extension headers, into ICMPv6 quotes. */
static int packet_port6(const uint8_t *buf, size_t len, uint16_t *port)
{
	struct np_ipv6 ip, quoted;
	struct np_reader r;
	const uint8_t *rest;
	size_t n;
	uint16_t v;
	int err;

	err = np_ipv6_parse(buf, len, &ip);
	if (err < 0)
		return err;
	np_reader_init(&r, ip.payload, ip.payload_len);
	if (ip.upper == NP_IPPROTO_TCP) {
		np_reader_skip(&r, 2);
		v = np_read_be16(&r);
		goto out;
	}
	if (ip.upper != NP_IPPROTO_ICMPV6)
		return NP_ETYPE;
	np_reader_skip(&r, NP_ICMP6_HDR_LEN);
	rest = np_read_rest(&r, &n);
	if (np_reader_error(&r))
		return NP_ETRUNC;
	err = np_ipv6_parse_quoted(rest, n, &quoted);
	if (err < 0)
		return err;
	if (quoted.upper != NP_IPPROTO_TCP)
		return NP_ETYPE;
	np_reader_init(&r, quoted.payload, quoted.payload_len);
	v = np_read_be16(&r);
out:
	if (np_reader_error(&r))
		return NP_ETRUNC;
	*port = v;
	return 0;
}

int probe_packet_port(const uint8_t *buf, size_t len, uint16_t *port)
{
	struct np_ipv4 ip, quoted;
	struct np_reader r;
	const uint8_t *rest;
	size_t n;
	uint16_t v;
	int err;

	if (len > 0 && buf[0] >> 4 == 6)
		return packet_port6(buf, len, port);
	err = np_ipv4_parse_quoted(buf, len, &ip);
	if (err < 0)
		return err;
	np_reader_init(&r, ip.payload, ip.payload_len);
	if (ip.proto == NP_IPPROTO_TCP) {
		np_reader_skip(&r, 2);
		v = np_read_be16(&r);       /* a read past the end leaves a sticky error */
		goto out;
	}
	if (ip.proto != NP_IPPROTO_ICMP)
		return NP_ETYPE;
	np_reader_skip(&r, NP_ICMP_HDR_LEN);
	rest = np_read_rest(&r, &n);
	if (np_reader_error(&r))
		return NP_ETRUNC;
	err = np_ipv4_parse_quoted(rest, n, &quoted);
	if (err < 0)
		return err;
	if (quoted.proto != NP_IPPROTO_TCP)
		return NP_ETYPE;
	np_reader_init(&r, quoted.payload, quoted.payload_len);
	v = np_read_be16(&r);
out:
	if (np_reader_error(&r))
		return NP_ETRUNC;
	*port = v;
	return 0;
}

const char *probe_result_name(enum probe_result r)
{
	switch (r) {
	case PROBE_PENDING: return "pending";
	case PROBE_OPEN: return "open";
	case PROBE_CLOSED: return "closed";
	case PROBE_FILTERED: return "filtered";
	case PROBE_UNREACHABLE: return "unreachable";
	}
	return "?";
}

const char *probe_close_name(enum probe_close c)
{
	switch (c) {
	case PROBE_CLOSE_NONE: return "none";
	case PROBE_CLOSE_FIN3: return "fin3";
	case PROBE_CLOSE_FIN4: return "fin4";
	case PROBE_CLOSE_SIMULTANEOUS: return "fin-simultaneous";
	case PROBE_CLOSE_RST: return "rst";
	case PROBE_CLOSE_PEER_RST: return "peer-rst";
	case PROBE_CLOSE_TIMEOUT_RST: return "timeout-rst";
	}
	return "?";
}
