/*
 * arpload.c: closed-loop ARP load generator.
 *
 *   arpload -i IFACE -s SRC_IP -a FIRST_IP -m M [-n N] [-t SECONDS]
 *           [-w WARMUP] [-T TIMEOUT_MS]
 *   arpload -6 -i IFACE -s SRC_IP6 -a FIRST_IP6 -m M ...
 *
 * With -6 the requests are Neighbor Solicitations (RFC 4861 §7.2.2: to the
 * target's solicited-node group, with a source link-layer address option)
 * and the replies Neighbor Advertisements; the M targets are FIRST_IP6 and
 * the M - 1 after it (in the last 32 bits).
 *
 * Keeps N requests outstanding over M target addresses (FIRST_IP and the
 * M - 1 after it, in turn): every reply (or timeout) releases a slot, which
 * immediately asks for the next address not already outstanding.  Frames
 * are built with libnetproto, read with recvmmsg and sent with sendmmsg on
 * an AF_PACKET socket whose kernel filter passes ARP replies only.
 *
 * After WARMUP seconds (not counted) it measures for SECONDS and prints one
 * line of key=value pairs: requests sent, replies, timeouts, replies per
 * second and the latency percentiles (microseconds, request sent to reply
 * read, 1 us resolution up to 100 ms).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netproto/arp.h>
#include <netproto/ether.h>
#include <netproto/ipv4.h>
#include <netproto/icmp6.h>
#include <netproto/ipv6.h>

#include "netio.h"

#define BATCH 256
#define HIST_US 100000               /* histogram range: 0 .. 100 ms */

static const struct sock_filter arp_replies[] = {
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),                 /* EtherType */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_ARP, 0, 3),
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),                 /* opcode */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NP_ARP_OP_REPLY, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0xffff),
	BPF_STMT(BPF_RET | BPF_K, 0),
};

/* IPv6 Neighbor Advertisements (no extension headers: the responders send none). */
static const struct sock_filter nd_adverts[] = {
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),                 /* EtherType */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 5),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 20),                 /* next header */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NP_IPPROTO_ICMPV6, 0, 3),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 54),                 /* ICMPv6 type */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NP_ICMP6_ND_NEIGHBOR_ADVERT, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0xffff),
	BPF_STMT(BPF_RET | BPF_K, 0),
};

struct load {
	int fd;
	bool v6;
	uint8_t src6[16], first6[16];
	uint8_t mac[6];
	uint32_t src, first, m;
	unsigned int n;
	uint64_t timeout_ns;
	uint64_t *sent;                  /* per address: send time, 0 = idle */
	uint32_t *slot_addr;             /* per slot: address index */
	uint32_t next;                   /* round-robin cursor */
	struct np_batch rx, tx;
	bool counting;
	uint64_t requests, replies, timeouts, late, stray;
	uint32_t *hist;                  /* HIST_US + 1 buckets (last: above) */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int request_frame(const struct load *l, uint32_t target, uint8_t *out, size_t cap)
{
	struct np_arp a = { .op = NP_ARP_OP_REQUEST, .spa = l->src, .tpa = target };
	struct np_ether e = { .ethertype = NP_ETHERTYPE_ARP, .payload_len = NP_ARP_LEN };

	memcpy(a.sha, l->mac, 6);
	memcpy(e.dst, np_ether_broadcast, 6);
	memcpy(e.src, l->mac, 6);
	if (np_arp_build(&a, out + NP_ETHER_HDR_LEN, cap - NP_ETHER_HDR_LEN) < 0)
		return -1;
	e.payload = out + NP_ETHER_HDR_LEN;
	return np_ether_build(&e, out, cap);
}

/* FIRST_IP6 + idx, in the last 32 bits. */
static void target6(const struct load *l, uint32_t idx, uint8_t out[16])
{
	uint32_t low = ((uint32_t)l->first6[12] << 24 | (uint32_t)l->first6[13] << 16 |
			(uint32_t)l->first6[14] << 8 | l->first6[15]) + idx;

	memcpy(out, l->first6, 12);
	out[12] = (uint8_t)(low >> 24);
	out[13] = (uint8_t)(low >> 16);
	out[14] = (uint8_t)(low >> 8);
	out[15] = (uint8_t)low;
}

static int solicit_frame(const struct load *l, uint32_t idx, uint8_t *out, size_t cap)
{
	struct np_ether e = { .ethertype = NP_ETHERTYPE_IPV6 };
	struct np_ipv6 ip = { .hop_limit = NP_NDP_HOP_LIMIT, .upper = NP_IPPROTO_ICMPV6 };
	struct np_ndp nd = { .type = NP_ICMP6_ND_NEIGHBOR_SOLICIT };
	uint8_t opt[8] = { NP_NDP_OPT_SLLA, 1 };
	int n;

	target6(l, idx, nd.target);
	memcpy(opt + 2, l->mac, 6);
	nd.opts = opt;
	nd.opts_len = sizeof(opt);
	memcpy(ip.src, l->src6, 16);
	np_ipv6_solicited_node(nd.target, ip.dst);
	e.dst[0] = e.dst[1] = 0x33;
	memcpy(e.dst + 2, ip.dst + 12, 4);
	memcpy(e.src, l->mac, 6);
	n = np_ndp_build(&nd, ip.src, ip.dst, out + NP_ETHER_HDR_LEN + NP_IPV6_HDR_LEN,
			 cap - NP_ETHER_HDR_LEN - NP_IPV6_HDR_LEN);
	if (n < 0)
		return -1;
	ip.payload = out + NP_ETHER_HDR_LEN + NP_IPV6_HDR_LEN;
	ip.payload_len = (size_t)n;
	n = np_ipv6_build(&ip, out + NP_ETHER_HDR_LEN, cap - NP_ETHER_HDR_LEN);
	if (n < 0)
		return -1;
	e.payload = out + NP_ETHER_HDR_LEN;
	e.payload_len = (size_t)n;
	return np_ether_build(&e, out, cap);
}

/*
 * The address index an advertisement to us answers, or -1: to our MAC,
 * for a target in our range (checksum checked, as the kernel would).
 */
static int64_t advert_index(const struct load *l, const struct np_ether *e)
{
	struct np_ipv6 ip;
	struct np_icmp6 m;
	struct np_ndp nd;
	uint8_t t[16];
	uint32_t off;

	if (memcmp(e->dst, l->mac, 6) != 0 || np_ipv6_parse(e->payload, e->payload_len, &ip) < 0 ||
	    np_icmp6_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &m) < 0 ||
	    np_ndp_parse(&m, &nd) < 0 || nd.type != NP_ICMP6_ND_NEIGHBOR_ADVERT ||
	    memcmp(nd.target, l->first6, 12) != 0)
		return -1;
	off = ((uint32_t)nd.target[12] << 24 | (uint32_t)nd.target[13] << 16 |
	       (uint32_t)nd.target[14] << 8 | nd.target[15]) -
	      ((uint32_t)l->first6[12] << 24 | (uint32_t)l->first6[13] << 16 |
	       (uint32_t)l->first6[14] << 8 | l->first6[15]);
	if (off >= l->m)
		return -1;
	target6(l, off, t);
	return memcmp(t, nd.target, 16) == 0 ? (int64_t)off : -1;
}

static void flush(struct load *l)
{
	while (np_batch_pending(&l->tx)) {
		if (np_batch_send(l->fd, &l->tx) == 0) {
			struct pollfd p = { .fd = l->fd, .events = POLLOUT };

			poll(&p, 1, 1);
		}
	}
	np_batch_clear(&l->tx);
}

/* Give slot k the next idle address and queue its request. */
static void issue(struct load *l, unsigned int k, uint64_t now)
{
	uint32_t idx = l->next;
	int len;

	for (uint32_t tries = 0; tries < l->m && l->sent[idx]; tries++)
		idx = (idx + 1) % l->m;
	l->next = (idx + 1) % l->m;
	if (l->tx.count >= l->tx.cap)
		flush(l);
	len = l->v6 ? solicit_frame(l, idx, np_batch_buf(&l->tx, l->tx.count), l->tx.bufsize)
		    : request_frame(l, l->first + idx, np_batch_buf(&l->tx, l->tx.count),
				    l->tx.bufsize);
	if (len < 0 || np_batch_add(&l->tx, (size_t)len, NULL, 0, NULL) < 0)
		return;
	l->sent[idx] = now;
	l->slot_addr[k] = idx;
	if (l->counting)
		l->requests++;
}

/* The slot waiting for address idx: linear in N, only on replies we match. */
static int slot_of(const struct load *l, uint32_t idx)
{
	for (unsigned int k = 0; k < l->n; k++)
		if (l->slot_addr[k] == idx)
			return (int)k;
	return -1;
}

static void on_reply(struct load *l, const uint8_t *frame, size_t len, uint64_t now)
{
	struct np_ether e;
	struct np_arp a;
	uint32_t idx;
	uint64_t us;
	int64_t i6;
	int k;

	if (l->v6) {
		if (np_ether_parse(frame, len, &e) < 0 || (i6 = advert_index(l, &e)) < 0) {
			l->stray++;
			return;
		}
		idx = (uint32_t)i6;
		goto matched;
	}

	/*
	 * A reply for us: to our MAC, or (farpd) broadcast with our address
	 * as its target, which the kernel's arp_process() takes as well.
	 */
	if (np_ether_parse(frame, len, &e) < 0 || np_arp_parse(e.payload, e.payload_len, &a) < 0 ||
	    a.op != NP_ARP_OP_REPLY || a.spa < l->first || a.spa - l->first >= l->m ||
	    (memcmp(a.tha, l->mac, 6) != 0 &&
	     !(memcmp(a.tha, "\xff\xff\xff\xff\xff\xff", 6) == 0 && a.tpa == l->src))) {
		l->stray++;
		return;
	}
	idx = a.spa - l->first;
matched:
	if (!l->sent[idx]) {
		l->late += l->counting;   /* after its timeout, or a duplicate */
		return;
	}
	us = (now - l->sent[idx]) / 1000;
	l->sent[idx] = 0;
	if (l->counting) {
		l->replies++;
		l->hist[us < HIST_US ? us : HIST_US]++;
	}
	k = slot_of(l, idx);
	if (k >= 0)
		issue(l, (unsigned int)k, now);
}

static void expire(struct load *l, uint64_t now)
{
	for (unsigned int k = 0; k < l->n; k++) {
		uint32_t idx = l->slot_addr[k];

		if (l->sent[idx] && now - l->sent[idx] > l->timeout_ns) {
			l->sent[idx] = 0;
			l->timeouts += l->counting;
			issue(l, k, now);
		}
	}
}

static double percentile(const struct load *l, double p)
{
	uint64_t want = (uint64_t)(p * (double)l->replies), seen = 0;

	for (unsigned int us = 0; us <= HIST_US; us++) {
		seen += l->hist[us];
		if (seen > want)
			return us;
	}
	return HIST_US;
}

static void run(struct load *l, double warmup, double seconds)
{
	uint64_t start = now_ns(), begin = 0, end, last_expire = start;
	uint64_t warm = (uint64_t)(warmup * 1e9), dur = (uint64_t)(seconds * 1e9);

	for (unsigned int k = 0; k < l->n; k++)
		issue(l, k, start);
	flush(l);
	for (;;) {
		uint64_t now = now_ns();
		struct pollfd p = { .fd = l->fd, .events = POLLIN };
		int got;

		if (!l->counting && now - start >= warm) {
			l->counting = true;
			begin = now;
		}
		if (l->counting && now - begin >= dur)
			break;
		if (now - last_expire > 10000000u) {
			expire(l, now);
			last_expire = now;
			flush(l);
		}
		got = np_batch_recv(l->fd, &l->rx);
		if (got <= 0) {
			poll(&p, 1, 5);
			continue;
		}
		now = now_ns();
		for (int i = 0; i < got; i++)
			on_reply(l, np_batch_buf(&l->rx, (unsigned)i),
				 np_batch_len(&l->rx, (unsigned)i), now);
		flush(l);
	}
	end = now_ns();
	printf("outstanding=%u addresses=%u seconds=%.2f requests=%llu replies=%llu "
	       "timeouts=%llu late=%llu rate=%.0f p50_us=%.0f p90_us=%.0f p99_us=%.0f\n",
	       l->n, l->m, (double)(end - begin) / 1e9, (unsigned long long)l->requests,
	       (unsigned long long)l->replies, (unsigned long long)l->timeouts,
	       (unsigned long long)l->late, (double)l->replies * 1e9 / (double)(end - begin),
	       percentile(l, 0.5), percentile(l, 0.9), percentile(l, 0.99));
}

static void usage(void)
{
	fprintf(stderr, "usage: arpload [-6] -i IFACE -s SRC_IP -a FIRST_IP -m M [-n N] "
		"[-t SECONDS] [-w WARMUP] [-T TIMEOUT_MS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct load l = { .n = 64, .timeout_ns = 100000000u };
	struct np_packet_opts o = { .protocol = ETH_P_ARP, .filter = arp_replies,
				    .filter_len = sizeof(arp_replies) / sizeof(arp_replies[0]),
				    .rcvbuf = 8 << 20, .ignore_outgoing = 1 };
	struct np_ifinfo ifi;
	const char *ifname = NULL, *src = NULL, *first = NULL;
	double seconds = 5, warmup = 1;
	int c;

	while ((c = getopt(argc, argv, "6i:s:a:m:n:t:w:T:")) != -1) {
		switch (c) {
		case '6': l.v6 = true; break;
		case 'i': ifname = optarg; break;
		case 's': src = optarg; break;
		case 'a': first = optarg; break;
		case 'm': l.m = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'n': l.n = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': seconds = atof(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 'T': l.timeout_ns = strtoull(optarg, NULL, 10) * 1000000u; break;
		default: usage();
		}
	}
	if (!src || !first)
		usage();
	if (l.v6 ? np_ipv6_addr_parse(src, l.src6) < 0 || np_ipv6_addr_parse(first, l.first6) < 0
		 : np_ipv4_addr_parse(src, &l.src) < 0 || np_ipv4_addr_parse(first, &l.first) < 0)
		usage();
	if (l.v6) {
		l.first = 1;
		o.protocol = ETH_P_IPV6;
		o.filter = nd_adverts;
		o.filter_len = sizeof(nd_adverts) / sizeof(nd_adverts[0]);
	}
	if (!ifname || !l.first || l.m == 0 || l.n == 0 || l.n > l.m || seconds <= 0)
		usage();
	if (np_ifinfo_get(ifname, &ifi) < 0 || (l.fd = np_packet_open(ifname, &o)) < 0) {
		fprintf(stderr, "arpload: cannot open %s\n", ifname);
		return 1;
	}
	memcpy(l.mac, ifi.mac, 6);
	l.sent = calloc(l.m, sizeof(*l.sent));
	l.slot_addr = calloc(l.n, sizeof(*l.slot_addr));
	l.hist = calloc(HIST_US + 1, sizeof(*l.hist));
	if (!l.sent || !l.slot_addr || !l.hist || np_batch_init(&l.rx, BATCH, 128) < 0 ||
	    np_batch_init(&l.tx, BATCH, 96) < 0) {
		fprintf(stderr, "arpload: out of memory\n");
		return 1;
	}
	run(&l, warmup, seconds);
	return 0;
}
