/*
 * netio-probe: drives daemons/common/netio.c from the namespace scenarios
 * (tests/integration/netio-*.sh).
 *
 *   netio-probe recv IFACE FILTER SECONDS
 *       AF_PACKET socket with FILTER (arp-request, arp-any, dhcp,
 *       tcp-probe:PEER:PORT, proto:0xNNNN, all), own frames ignored; prints
 *       "ready", then one line per frame received within SECONDS.
 *   netio-probe send IFACE DSTMAC ETHERTYPE COUNT
 *       COUNT frames "netio-probe N" in one np_batch_send() batch.
 *   netio-probe info IFACE
 *       what np_ifinfo_get() says: ifindex, mac, mtu, addresses.
 *   netio-probe udp PORT SECONDS
 *       UDP socket on 0.0.0.0:PORT; prints each datagram's pktinfo and
 *       answers "reply" from the address it was sent to.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netproto/buf.h>

#include "netio.h"

static void usage(void)
{
	fprintf(stderr, "usage: netio-probe recv IFACE FILTER SECONDS | send IFACE DSTMAC "
			"ETHERTYPE COUNT | info IFACE | udp PORT SECONDS\n");
	exit(2);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "netio-probe: %s: %s\n", what, strerror(-err));
	exit(1);
}

static const char *ip_text(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is readable or the deadline passes; 0 at the deadline. */
static int wait_in(int fd, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	long long left = deadline - now_ms();

	return left > 0 && poll(&p, 1, (int)left) > 0;
}

/* DHCP message type (option 53) of a BOOTP payload, or -1. */
static int dhcp_type(const uint8_t *p, size_t len)
{
	size_t i = 240;

	if (len < 240 || np_load_be32(p + 236) != 0x63825363)
		return -1;
	while (i + 1 < len && p[i] != 255) {
		if (p[i] == 0) {
			i++;
			continue;
		}
		if (p[i] == 53 && p[i + 1] == 1 && i + 2 < len)
			return p[i + 2];
		i += 2u + p[i + 1];
	}
	return -1;
}

static void print_ipv4(const uint8_t *f, size_t len)
{
	char s[16], d[16];
	size_t ihl = (size_t)(f[14] & 15) * 4, l4 = 14 + ihl;
	uint16_t frag = np_load_be16(f + 20);

	printf(" ipv4 %s > %s proto=%u frag=0x%04x", ip_text(np_load_be32(f + 26), s),
	       ip_text(np_load_be32(f + 30), d), f[23], frag);
	if ((frag & 0x1fff) || len < l4 + 4)
		return;
	if (f[23] == 17) {
		printf(" udp %u > %u", np_load_be16(f + l4), np_load_be16(f + l4 + 2));
		if (len >= l4 + 8)
			printf(" dhcp-type=%d", dhcp_type(f + l4 + 8, len - l4 - 8));
	} else if (f[23] == 6) {
		printf(" tcp %u > %u", np_load_be16(f + l4), np_load_be16(f + l4 + 2));
	} else if (f[23] == 1) {
		printf(" icmp type=%u", f[l4]);
	}
}

static void print_frame(const uint8_t *f, size_t len, const struct sockaddr_ll *sll)
{
	uint16_t type = len >= 14 ? np_load_be16(f + 12) : 0;
	char a[16], b[16];

	if (len < 14)
		return;
	printf("src=%02x:%02x:%02x:%02x:%02x:%02x pkttype=%u len=%zu type=0x%04x", f[6], f[7],
	       f[8], f[9], f[10], f[11], sll->sll_pkttype, len, type);
	if (type == 0x0806 && len >= 42)
		printf(" arp op=%u spa=%s tpa=%s", np_load_be16(f + 20),
		       ip_text(np_load_be32(f + 28), a), ip_text(np_load_be32(f + 38), b));
	else if (type == 0x0800 && len >= 34)
		print_ipv4(f, len);
	else
		printf(" payload=%.*s", (int)(len - 14 < 32 ? len - 14 : 32), (const char *)f + 14);
	printf("\n");
}

static int parse_filter(const char *name, struct np_packet_opts *o, struct sock_filter *buf)
{
	char peer[32];
	unsigned int port;
	struct in_addr in;

	if (strcmp(name, "arp-request") == 0) {
		o->filter = np_bpf_arp_request;
		o->filter_len = np_bpf_arp_request_len;
	} else if (strcmp(name, "arp-any") == 0) {
		o->filter = np_bpf_arp_any;
		o->filter_len = np_bpf_arp_any_len;
	} else if (strcmp(name, "dhcp") == 0) {
		o->filter = np_bpf_dhcp_server;
		o->filter_len = np_bpf_dhcp_server_len;
	} else if (sscanf(name, "tcp-probe:%31[0-9.]:%u", peer, &port) == 2 &&
		   inet_pton(AF_INET, peer, &in) == 1) {
		int n = np_bpf_tcp_probe(buf, NP_BPF_TCP_PROBE_LEN, ntohl(in.s_addr), (uint16_t)port);

		o->filter = buf;
		o->filter_len = (size_t)n;
	} else if (strncmp(name, "proto:", 6) == 0) {
		o->protocol = (uint16_t)strtoul(name + 6, NULL, 0);
	} else if (strcmp(name, "all") != 0) {
		return -1;
	}
	return 0;
}

static int cmd_recv(const char *ifname, const char *filter, int seconds)
{
	struct np_packet_opts o = { .ignore_outgoing = 1, .rcvbuf = 1 << 20 };
	struct sock_filter buf[NP_BPF_TCP_PROBE_LEN];
	long long deadline = now_ms() + seconds * 1000LL;
	struct np_batch b;
	int fd, r;

	if (parse_filter(filter, &o, buf) < 0)
		usage();
	fd = np_packet_open(ifname, &o);
	if (fd < 0)
		die("np_packet_open", fd);
	r = np_batch_init(&b, 16, 2048);
	if (r < 0)
		die("np_batch_init", r);
	printf("ready\n");
	while (wait_in(fd, deadline)) {
		r = np_batch_recv(fd, &b);
		if (r < 0)
			die("np_batch_recv", r);
		for (unsigned int i = 0; i < b.count; i++)
			print_frame(np_batch_buf(&b, i), np_batch_len(&b, i),
				    (const struct sockaddr_ll *)np_batch_addr(&b, i, NULL));
	}
	np_batch_free(&b);
	close(fd);
	return 0;
}

static int cmd_send(const char *ifname, const char *dstmac, const char *type, int count)
{
	struct np_ifinfo info;
	struct np_batch b;
	uint8_t dst[6];
	uint16_t ethertype = (uint16_t)strtoul(type, NULL, 0);
	int fd, r;

	if (sscanf(dstmac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dst[0], &dst[1], &dst[2], &dst[3],
		   &dst[4], &dst[5]) != 6 || count < 1)
		usage();
	r = np_ifinfo_get(ifname, &info);
	if (r < 0)
		die("np_ifinfo_get", r);
	/* Protocol 0x88b5 (IEEE local experimental) receives nothing we care about. */
	fd = np_packet_open(ifname, &(struct np_packet_opts){ .protocol = ethertype });
	if (fd < 0)
		die("np_packet_open", fd);
	r = np_batch_init(&b, (unsigned int)count, 64);
	if (r < 0)
		die("np_batch_init", r);
	for (int i = 0; i < count; i++) {
		uint8_t *f = np_batch_buf(&b, (unsigned int)i);
		struct sockaddr_ll sll;

		if (!f)
			die("np_batch_buf", -EINVAL);
		memset(f, 0, 60);
		memcpy(f, dst, 6);
		memcpy(f + 6, info.mac, 6);
		np_store_be16(f + 12, ethertype);
		snprintf((char *)f + 14, 46, "netio-probe %d", i);
		np_packet_addr(&sll, info.ifindex, ethertype, dst);
		r = np_batch_add(&b, 60, &sll, sizeof(sll), NULL);
		if (r < 0)
			die("np_batch_add", r);
	}
	r = np_batch_send(fd, &b);
	printf("sent %d pending %u errors %u\n", r, np_batch_pending(&b), b.send_errors);
	np_batch_free(&b);
	close(fd);
	return r == count ? 0 : 1;
}

static int cmd_info(const char *ifname)
{
	struct np_ifinfo info;
	char a[16];
	int r = np_ifinfo_get(ifname, &info);

	if (r < 0)
		die("np_ifinfo_get", r);
	printf("ifindex=%d mtu=%d mac=%02x:%02x:%02x:%02x:%02x:%02x up=%d", info.ifindex, info.mtu,
	       info.mac[0], info.mac[1], info.mac[2], info.mac[3], info.mac[4], info.mac[5],
	       !!(info.flags & IFF_UP));
	for (unsigned int i = 0; i < info.naddr; i++)
		printf(" addr=%s/%u", ip_text(info.addr[i].addr, a), info.addr[i].prefixlen);
	printf("\n");
	return 0;
}

/* Answer each datagram from the address it was sent to (IP_PKTINFO). */
static void udp_answer(int fd, struct np_batch *in, struct np_batch *out)
{
	char f[16], d[16], l[16];

	np_batch_clear(out);
	for (unsigned int i = 0; i < in->count; i++) {
		const struct sockaddr_in *from = (const void *)np_batch_addr(in, i, NULL);
		struct np_pktinfo pi;

		if (np_batch_pktinfo(in, i, &pi) < 0)
			continue;
		printf("from=%s:%u dst=%s local=%s ifindex=%d len=%zu\n",
		       ip_text(ntohl(from->sin_addr.s_addr), f), ntohs(from->sin_port),
		       ip_text(pi.dst, d), ip_text(pi.local, l), pi.ifindex, np_batch_len(in, i));
		memcpy(np_batch_buf(out, out->count), "reply", 5);
		np_batch_add(out, 5, from, sizeof(*from),
			     &(struct np_pktinfo){ .ifindex = pi.ifindex, .local = pi.local });
	}
	np_batch_send(fd, out);
}

static int cmd_udp(int port, int seconds)
{
	struct np_sock_opts o = { .port = (uint16_t)port, .broadcast = 1 };
	long long deadline = now_ms() + seconds * 1000LL;
	struct np_batch in, out;
	int fd = np_udp_open(&o), r;

	if (fd < 0)
		die("np_udp_open", fd);
	if ((r = np_batch_init(&in, 8, 1500)) < 0 || (r = np_batch_init(&out, 8, 64)) < 0)
		die("np_batch_init", r);
	printf("ready\n");
	while (wait_in(fd, deadline)) {
		r = np_batch_recv(fd, &in);
		if (r < 0)
			die("np_batch_recv", r);
		udp_answer(fd, &in, &out);
	}
	np_batch_free(&in);
	np_batch_free(&out);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && strcmp(argv[1], "recv") == 0)
		return cmd_recv(argv[2], argv[3], atoi(argv[4]));
	if (argc == 6 && strcmp(argv[1], "send") == 0)
		return cmd_send(argv[2], argv[3], argv[4], atoi(argv[5]));
	if (argc == 3 && strcmp(argv[1], "info") == 0)
		return cmd_info(argv[2]);
	if (argc == 4 && strcmp(argv[1], "udp") == 0)
		return cmd_udp(atoi(argv[2]), atoi(argv[3]));
	usage();
	return 2;
}
