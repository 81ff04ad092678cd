/*
 * dhcpload: an open-loop DHCPv4 load generator acting as one relay agent,
 * for bench-dhcp.sh when perfdhcp (which spends most of a core per few
 * thousand exchanges) would be the bottleneck instead of the server.
 *
 *   dhcpload -l GIADDR -s SERVER [-r RATE] [-t SECONDS] [-w DRAIN] [-b BASE]
 *
 * Binds GIADDR:67 and, for SECONDS, starts RATE exchanges per second, each
 * a new client (chaddr 02:cc:BASE+i, client identifier 01+chaddr): a
 * DISCOVER relayed with giaddr = GIADDR; on the OFFER, the REQUEST for
 * yiaddr with the server identifier (RFC 2131 §3.1, SELECTING); an ACK
 * completes the exchange.  The schedule does not wait for answers (open
 * loop, as perfdhcp -r), sends with sendmmsg() and receives with
 * recvmmsg().  After SECONDS it keeps answering OFFERs for DRAIN seconds
 * (default 1), then prints one line:
 *     sent D offers O requests Q acks A naks N dora/s X drop% P
 * where dora/s = A / SECONDS and drop% = 100 * (D - A) / D, the same
 * quantities bench-dhcp.sh takes from perfdhcp's report.
 *
 * Self-contained (plain libc, no libnetproto): the bench compiles it with
 * cc -O2.  Linux only (recvmmsg/sendmmsg).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MSG_LEN 300
#define RX_LEN 1500

enum { ST_NONE, ST_DISCOVER, ST_REQUEST, ST_DONE };

struct gen {
	int fd;
	uint32_t giaddr, server;     /* network order */
	uint32_t base;
	uint8_t *state;              /* per exchange, indexed by xid */
	uint32_t nx;                 /* capacity */
	uint64_t d, o, q, a, n;
	struct mmsghdr tx[BATCH];
	struct iovec txv[BATCH];
	uint8_t txb[BATCH][MSG_LEN];
	unsigned ntx;
	struct sockaddr_in to;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void flush_tx(struct gen *g)
{
	unsigned off = 0;

	while (off < g->ntx) {
		int k = sendmmsg(g->fd, g->tx + off, g->ntx - off, 0);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == ENOBUFS) {
				struct pollfd p = { .fd = g->fd, .events = POLLOUT };

				poll(&p, 1, 1);
				continue;
			}
			perror("sendmmsg");
			exit(1);
		}
		off += (unsigned)k;
	}
	g->ntx = 0;
}

/* The common part of DISCOVER and REQUEST; returns where options go on. */
static size_t build(struct gen *g, uint8_t *m, uint32_t xid, uint8_t type)
{
	uint32_t id = g->base + xid;
	uint8_t mac[6] = { 0x02, 0xcc, (uint8_t)(id >> 24), (uint8_t)(id >> 16),
			   (uint8_t)(id >> 8), (uint8_t)id };
	uint32_t nx = htonl(xid);
	size_t p = 240;

	memset(m, 0, MSG_LEN);
	m[0] = 1;                    /* BOOTREQUEST */
	m[1] = 1;
	m[2] = 6;
	m[3] = 1;                    /* hops: one relay */
	memcpy(m + 4, &nx, 4);
	memcpy(m + 24, &g->giaddr, 4);
	memcpy(m + 28, mac, 6);
	m[236] = 99, m[237] = 130, m[238] = 83, m[239] = 99;
	m[p++] = 53, m[p++] = 1, m[p++] = type;
	m[p++] = 61, m[p++] = 7, m[p++] = 1;
	memcpy(m + p, mac, 6);
	p += 6;
	m[p++] = 55, m[p++] = 5, m[p++] = 1, m[p++] = 3, m[p++] = 6, m[p++] = 15, m[p++] = 51;
	return p;
}

static void queue(struct gen *g, size_t len)
{
	g->txv[g->ntx].iov_len = len;
	g->ntx++;
	if (g->ntx == BATCH)
		flush_tx(g);
}

static void discover(struct gen *g, uint32_t xid)
{
	uint8_t *m = g->txb[g->ntx];
	size_t p = build(g, m, xid, 1);

	m[p++] = 255;
	g->state[xid] = ST_DISCOVER;
	g->d++;
	queue(g, p < MSG_LEN ? MSG_LEN : p);
}

static void request(struct gen *g, uint32_t xid, const uint8_t yiaddr[4], const uint8_t sid[4])
{
	uint8_t *m = g->txb[g->ntx];
	size_t p = build(g, m, xid, 3);

	m[p++] = 50, m[p++] = 4;
	memcpy(m + p, yiaddr, 4);
	p += 4;
	m[p++] = 54, m[p++] = 4;
	memcpy(m + p, sid, 4);
	p += 4;
	m[p++] = 255;
	g->state[xid] = ST_REQUEST;
	g->q++;
	queue(g, MSG_LEN);
}

/* One reply: message type (53) and server identifier (54) from the options. */
static void reply(struct gen *g, const uint8_t *m, size_t len)
{
	uint8_t type = 0, sid[4] = { 0 };
	uint32_t xid;
	size_t p = 240;

	if (len < 240 || m[0] != 2 || m[236] != 99 || m[237] != 130 || m[238] != 83 || m[239] != 99)
		return;
	memcpy(&xid, m + 4, 4);
	xid = ntohl(xid);
	if (xid >= g->nx)
		return;
	while (p < len && m[p] != 255) {
		uint8_t c = m[p], l;

		if (c == 0) {
			p++;
			continue;
		}
		if (p + 2 > len || p + 2 + (l = m[p + 1]) > len)
			return;
		if (c == 53 && l == 1)
			type = m[p + 2];
		if (c == 54 && l == 4)
			memcpy(sid, m + p + 2, 4);
		p += 2u + l;
	}
	if (type == 2 && g->state[xid] == ST_DISCOVER) {
		g->o++;
		request(g, xid, m + 16, sid);
	} else if (type == 5 && g->state[xid] == ST_REQUEST) {
		g->a++;
		g->state[xid] = ST_DONE;
	} else if (type == 6) {
		g->n++;
	}
}

static void receive(struct gen *g)
{
	static uint8_t rxb[BATCH][RX_LEN];
	struct mmsghdr rx[BATCH];
	struct iovec v[BATCH];

	for (;;) {
		int k;

		for (int i = 0; i < BATCH; i++) {
			v[i].iov_base = rxb[i];
			v[i].iov_len = RX_LEN;
			memset(&rx[i].msg_hdr, 0, sizeof(rx[i].msg_hdr));
			rx[i].msg_hdr.msg_iov = &v[i];
			rx[i].msg_hdr.msg_iovlen = 1;
		}
		k = recvmmsg(g->fd, rx, BATCH, MSG_DONTWAIT, NULL);
		if (k <= 0)
			break;
		for (int i = 0; i < k; i++)
			reply(g, rxb[i], rx[i].msg_len);
		flush_tx(g);
		if (k < BATCH)
			break;
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: dhcpload -l GIADDR -s SERVER [-r RATE] [-t SECONDS] [-w DRAIN] [-b BASE]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct gen g;
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(67) };
	double rate = 1000, secs = 5, drain = 1, t0, t;
	int one = 1, buf = 16 << 20, c;
	uint64_t started = 0;

	while ((c = getopt(argc, argv, "l:s:r:t:w:b:")) != -1) {
		switch (c) {
		case 'l': if (inet_pton(AF_INET, optarg, &g.giaddr) != 1) return usage(); break;
		case 's': if (inet_pton(AF_INET, optarg, &g.server) != 1) return usage(); break;
		case 'r': rate = atof(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'w': drain = atof(optarg); break;
		case 'b': g.base = (uint32_t)strtoul(optarg, NULL, 0); break;
		default: return usage();
		}
	}
	if (g.giaddr == 0 || g.server == 0 || rate <= 0 || secs <= 0)
		return usage();
	g.nx = (uint32_t)(rate * secs) + BATCH + 1;
	g.state = calloc(g.nx, 1);
	if (g.state == NULL)
		return 1;
	g.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	setsockopt(g.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Root may exceed rmem_max: a burst of replies must not overflow. */
	if (setsockopt(g.fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(g.fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(g.fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
	me.sin_addr.s_addr = g.giaddr;
	if (g.fd < 0 || bind(g.fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("bind");
		return 1;
	}
	g.to.sin_family = AF_INET;
	g.to.sin_port = htons(67);
	g.to.sin_addr.s_addr = g.server;
	for (int i = 0; i < BATCH; i++) {
		g.txv[i].iov_base = g.txb[i];
		g.tx[i].msg_hdr.msg_iov = &g.txv[i];
		g.tx[i].msg_hdr.msg_iovlen = 1;
		g.tx[i].msg_hdr.msg_name = &g.to;
		g.tx[i].msg_hdr.msg_namelen = sizeof(g.to);
	}
	t0 = now_s();
	while ((t = now_s() - t0) < secs + drain) {
		struct pollfd p = { .fd = g.fd, .events = POLLIN };

		if (t < secs) {
			uint64_t due = (uint64_t)(t * rate);

			while (started < due && started + 1 < g.nx)
				discover(&g, (uint32_t)started++);
			flush_tx(&g);
		}
		receive(&g);
		poll(&p, 1, 1);
	}
	printf("sent %llu offers %llu requests %llu acks %llu naks %llu dora/s %.0f drop%% %.2f\n",
	       (unsigned long long)g.d, (unsigned long long)g.o, (unsigned long long)g.q,
	       (unsigned long long)g.a, (unsigned long long)g.n, (double)g.a / secs,
	       g.d ? 100.0 * (double)(g.d - g.a) / (double)g.d : 100.0);
	return 0;
}
