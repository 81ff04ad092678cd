/*
 * fuzz-tcpprobe.c: np-tcpprobe's packet input path (probe_packet_port()
 * and probe_input()) over a sequence of datagrams and timeouts.
 *
 * Input: byte 0 picks the configuration (close by RST, link-verified
 * checksums, which SYN options, bit 6: an IPv6 probe), byte 1 whether the
 * probe first gets a valid SYN-ACK; then records of a 2-byte length and
 * that many bytes of IPv4 datagram or IPv6 packet, length 0xffff meaning
 * "the deadline passed".  With bit 7 of byte 0 the harness repairs the
 * IPv4, TCP, ICMP and ICMPv6 checksums of each packet (IPv6: when TCP or
 * ICMPv6 follows the fixed header) so that the fuzzer reaches the state
 * machine behind them.
 *
 * Properties (abort() on violation):
 *   - every packet the probe sends parses with valid checksums, in the
 *     probe's family, from our address and port to the target's, and
 *     never carries SYN after the first one;
 *   - a result, once decided, never changes; a finished probe stays done
 *     and sends only ACK or RST;
 *   - a datagram the probe ignored as malformed, unrelated or with a bad
 *     checksum changes nothing and sends nothing (except the RFC reset
 *     of a wrong SYN-ACK).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/buf.h>
#include <netproto/csum.h>
#include <netproto/ipv4.h>
#include <netproto/ipv6.h>
#include <netproto/tcp.h>

#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SRC 0x0a4d0002u
#define DST 0x0a4d0001u
#define ISS 1000u

/* fd77::2 and fd77::1 */
static const struct probe_addr SRC6 = { { 0xfd, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 } };
static const struct probe_addr DST6 = { { 0xfd, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } };

static int v6;                 /* this input's probe is IPv6 */

/* The TCP header of sent packet i, or abort(). */
static void sent_tcp(const struct probe_tx *tx, unsigned int i, struct np_tcp *t)
{
	struct np_ipv4 ip;
	struct np_ipv6 ip6;

	if (v6) {
		if (np_ipv6_parse(tx->pkt[i], tx->len[i], &ip6) < 0 || memcmp(ip6.src, SRC6.b, 16) ||
		    memcmp(ip6.dst, DST6.b, 16) || ip6.upper != NP_IPPROTO_TCP ||
		    np_tcp6_parse(ip6.payload, ip6.payload_len, SRC6.b, DST6.b, t) < 0)
			abort();
		return;
	}
	if (np_ipv4_parse(tx->pkt[i], tx->len[i], &ip) < 0 || ip.src != SRC || ip.dst != DST ||
	    ip.proto != NP_IPPROTO_TCP || np_tcp_parse(ip.payload, ip.payload_len, SRC, DST, t) < 0)
		abort();
}

static void check_tx(const struct probe_tx *tx)
{
	unsigned int i;

	if (tx->count > PROBE_TX_MAX)
		abort();
	for (i = 0; i < tx->count; i++) {
		struct np_tcp t;

		sent_tcp(tx, i, &t);
		if (t.src_port != 61000 || t.dst_port != 80 || (t.flags & NP_TCP_SYN))
			abort();
	}
}

/* IPv6: the TCP or ICMPv6 checksum when that protocol follows the fixed header. */
static void repair6(uint8_t *pkt, size_t len)
{
	size_t plen;
	size_t at;
	uint8_t next;

	if (len < 40)
		return;
	plen = np_load_be16(&pkt[4]);
	if (plen > len - 40)
		return;
	next = pkt[6];
	at = next == NP_IPPROTO_TCP ? 16 : next == NP_IPPROTO_ICMPV6 ? 2 : 0;
	if (!at || plen < at + 2)
		return;
	pkt[40 + at] = pkt[40 + at + 1] = 0;
	np_store_be16(&pkt[40 + at],
		      np_csum_finish(np_csum_add(np_csum_pseudo6(&pkt[8], &pkt[24], next,
								 (uint32_t)plen),
						 &pkt[40], plen)));
}

/* Recompute the checksums of a copy, as far as the lengths allow. */
static void repair(uint8_t *pkt, size_t len)
{
	struct np_ipv4 ip;
	size_t hl, plen;

	if (len > 0 && (pkt[0] >> 4) == 6) {
		repair6(pkt, len);
		return;
	}
	if (len < 20 || (pkt[0] >> 4) != 4)
		return;
	hl = (size_t)(pkt[0] & 0xf) * 4;
	if (hl < 20 || hl > len)
		return;
	pkt[10] = pkt[11] = 0;
	np_store_be16(&pkt[10], np_csum(pkt, hl));
	if (np_ipv4_parse(pkt, len, &ip) < 0)
		return;
	plen = ip.payload_len;
	if (ip.proto == NP_IPPROTO_TCP && plen >= 20) {
		pkt[hl + 16] = pkt[hl + 17] = 0;
		np_store_be16(&pkt[hl + 16],
			      np_csum_finish(np_csum_add(np_csum_pseudo4(ip.src, ip.dst, 6,
									 (uint16_t)plen),
							 &pkt[hl], plen)));
	} else if (ip.proto == NP_IPPROTO_ICMP && plen >= 8) {
		pkt[hl + 2] = pkt[hl + 3] = 0;
		np_store_be16(&pkt[hl + 2], np_csum(&pkt[hl], plen));
	}
}

static void synack(struct probe *p, struct probe_tx *tx)
{
	uint8_t seg[64], pkt[128];
	struct np_tcp t;
	struct np_ipv4 ip;
	struct np_ipv6 ip6;
	int tlen, len;

	memset(&t, 0, sizeof(t));
	t.src_port = 80;
	t.dst_port = 61000;
	t.seq = 5000;
	t.ack = ISS + 1;
	t.flags = NP_TCP_SYN | NP_TCP_ACK;
	t.window = 65160;
	t.opts.present = NP_TCP_HAS_MSS | NP_TCP_HAS_TIMESTAMP | NP_TCP_HAS_WSCALE;
	t.opts.mss = 1460;
	t.opts.wscale = 7;
	t.opts.ts_val = 9;
	if (v6) {
		tlen = np_tcp6_build(&t, DST6.b, SRC6.b, seg, sizeof(seg));
		memset(&ip6, 0, sizeof(ip6));
		ip6.hop_limit = 64;
		ip6.upper = NP_IPPROTO_TCP;
		memcpy(ip6.src, DST6.b, 16);
		memcpy(ip6.dst, SRC6.b, 16);
		ip6.payload = seg;
		ip6.payload_len = tlen < 0 ? 0 : (size_t)tlen;
		len = np_ipv6_build(&ip6, pkt, sizeof(pkt));
	} else {
		tlen = np_tcp_build(&t, DST, SRC, seg, sizeof(seg));
		memset(&ip, 0, sizeof(ip));
		ip.ttl = 64;
		ip.proto = NP_IPPROTO_TCP;
		ip.src = DST;
		ip.dst = SRC;
		ip.payload = seg;
		ip.payload_len = tlen < 0 ? 0 : (size_t)tlen;
		len = np_ipv4_build(&ip, pkt, sizeof(pkt));
	}
	if (tlen < 0 || len < 0 || probe_input(p, pkt, (size_t)len, 0, 10, tx) != PROBE_CONSUMED ||
	    p->result != PROBE_OPEN)
		abort();
	check_tx(tx);
}

static void step(struct probe *p, const uint8_t *pkt, size_t len, int csum_ok, uint64_t now)
{
	struct probe before = *p;
	struct probe_tx tx;
	enum probe_verdict v;
	uint16_t port;

	(void)probe_packet_port(pkt, len, &port);
	v = probe_input(p, pkt, len, csum_ok, now, &tx);
	check_tx(&tx);
	if (before.state == PROBE_DONE)
		for (unsigned int i = 0; i < tx.count; i++) {
			struct np_tcp t;

			sent_tcp(&tx, i, &t);
			if (t.flags & NP_TCP_FIN)
				abort();
		}
	if (before.result != PROBE_PENDING && p->result != before.result)
		abort();
	if (before.state == PROBE_DONE && p->state != PROBE_DONE)
		abort();
	if (v == PROBE_IGNORED_MALFORMED || v == PROBE_IGNORED_CSUM) {
		if (tx.count || memcmp(&before, p, sizeof(before)))
			abort();
	}
	if (v == PROBE_IGNORED_UNRELATED && (p->state != before.state || p->result != before.result))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[65536];
	struct probe_config cfg = {
		.src = PROBE_ADDR_V4_INIT(SRC), .dst = PROBE_ADDR_V4_INIT(DST), .sport = 61000,
		.dport = 80, .window = 64240, .ttl = 64, .timeout_ns = 1000, .close_timeout_ns = 1000,
	};
	struct probe p;
	struct probe_tx tx;
	struct np_reader r;
	uint64_t now = 1;
	uint8_t mode, setup;

	np_reader_init(&r, data, size);
	mode = np_read_u8(&r);
	setup = np_read_u8(&r);
	if (np_reader_error(&r))
		return 0;
	cfg.close_rst = mode & 1;
	cfg.mss = (mode & 4) ? 1460 : 0;
	cfg.wscale = (mode & 8) ? 7 : -1;
	cfg.sack = (mode & 16) != 0;
	cfg.timestamps = (mode & 32) != 0;
	v6 = (mode & 0x40) != 0;
	if (v6) {
		cfg.src = SRC6;
		cfg.dst = DST6;
	}
	if (probe_start(&p, &cfg, ISS, 1, now, &tx) < 0 || tx.count != 1)
		abort();
	if (setup & 1)
		synack(&p, &tx);
	while (np_reader_left(&r) >= 2) {
		uint16_t len = np_read_be16(&r);
		const uint8_t *b;

		now += 100;
		if (len == 0xffff) {
			enum probe_state s = p.state;

			if (s != PROBE_DONE) {
				probe_timeout(&p, now, &tx);
				check_tx(&tx);
				if (!probe_done(&p) || (s == PROBE_SYN_SENT && p.result != PROBE_FILTERED))
					abort();
			}
			continue;
		}
		if (len > np_reader_left(&r))
			len = (uint16_t)np_reader_left(&r);
		b = np_read_bytes(&r, len);
		memcpy(pkt, b, len);
		if (mode & 0x80)
			repair(pkt, len);
		step(&p, pkt, len, (mode & 2) != 0, now);
	}
	return 0;
}
