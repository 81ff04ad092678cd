/*
 * test-netio.c: netio without root.
 *
 * The BPF filters run in the kernel: each is attached to one end of an
 * AF_UNIX datagram pair (the kernel runs socket filters on those too, over
 * the bytes sent), and real captured frames are sent through it.  Batches
 * go over loopback UDP, where IP_PKTINFO says which address and interface a
 * datagram came in on.  AF_PACKET itself needs root and is covered by
 * tests/integration/netio-*.sh.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netio.h"
#include "testutil.h"

#define LOOPBACK 0x7f000001u   /* 127.0.0.1 */
#define LOOPBACK2 0x7f000002u  /* 127.0.0.2: also local, through lo's 127.0.0.0/8 */

/* ---- Filters, run by the kernel ---------------------------------------- */

/* 1 when the kernel passes frame through the filter, 0 when it drops it. */
static int kernel_passes(const struct sock_filter *f, size_t n, const uint8_t *frame, size_t len)
{
	uint8_t got[2048];
	int sv[2];
	ssize_t r;

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(np_packet_attach_filter(sv[1], f, n), 0);
	assert_int_equal(send(sv[0], frame, len, 0), (ssize_t)len);
	r = recv(sv[1], got, sizeof(got), MSG_DONTWAIT);
	if (r < 0)
		assert_int_equal(errno, EAGAIN);
	close(sv[0]);
	close(sv[1]);
	if (r < 0)
		return 0;
	/* Accepted frames arrive whole. */
	assert_int_equal(r, (ssize_t)len);
	assert_memory_equal(got, frame, len);
	return 1;
}

static int fixture_passes(const struct sock_filter *f, size_t n, const char *name)
{
	uint8_t frame[2048];
	size_t len = np_test_load_hex(name, frame, sizeof(frame));

	return kernel_passes(f, n, frame, len);
}

#define ARP_REQ np_bpf_arp_request, np_bpf_arp_request_len
#define ARP_ANY np_bpf_arp_any, np_bpf_arp_any_len
#define DHCP np_bpf_dhcp_server, np_bpf_dhcp_server_len

static void arp_request_filter_takes_requests_only(void **state)
{
	(void)state;
	assert_true(fixture_passes(ARP_REQ, "arp-request-arping.hex"));
	assert_true(fixture_passes(ARP_REQ, "arp-probe-arping.hex"));
	assert_true(fixture_passes(ARP_REQ, "arp-gratuitous-arping.hex"));
	assert_false(fixture_passes(ARP_REQ, "arp-reply-kernel.hex"));
	assert_false(fixture_passes(ARP_REQ, "arp-probe-reply-kernel.hex"));
	assert_false(fixture_passes(ARP_REQ, "icmp-echo-request-kernel.hex"));
	assert_false(fixture_passes(ARP_REQ, "dhcp4-discover-udhcpc.hex"));
}

/* Each header field the filter checks, changed one at a time (hand-made). */
static void arp_request_filter_checks_each_field(void **state)
{
	uint8_t frame[128], bad[128];
	size_t len = np_test_load_hex("arp-request-arping.hex", frame, sizeof(frame));
	static const struct {
		size_t off;
		uint8_t val;
	} edits[] = {
		{ 13, 0x35 },   /* EtherType 0x0835 */
		{ 15, 0x06 },   /* hardware type 6 (IEEE 802) */
		{ 16, 0x86 },   /* protocol type 0x8600 */
		{ 18, 0x08 },   /* hardware length 8 */
		{ 19, 0x10 },   /* protocol length 16 */
		{ 21, 0x03 },   /* opcode 3 (RARP request) */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		memcpy(bad, frame, len);
		bad[edits[i].off] = edits[i].val;
		assert_false(kernel_passes(ARP_REQ, bad, len));
		assert_int_equal(kernel_passes(ARP_ANY, bad, len), edits[i].off == 21);
	}
	/* Cut before the opcode: the load past the end drops it. */
	assert_false(kernel_passes(ARP_REQ, frame, 21));
	assert_true(kernel_passes(ARP_REQ, frame, 22));
}

static void arp_any_filter_takes_every_opcode(void **state)
{
	(void)state;
	assert_true(fixture_passes(ARP_ANY, "arp-request-arping.hex"));
	assert_true(fixture_passes(ARP_ANY, "arp-reply-kernel.hex"));
	assert_true(fixture_passes(ARP_ANY, "arp-probe-reply-kernel.hex"));
	assert_false(fixture_passes(ARP_ANY, "icmp-echo-reply-kernel.hex"));
	assert_false(fixture_passes(ARP_ANY, "udp-dns-query-dig.hex"));
}

static void dhcp_filter_takes_client_messages(void **state)
{
	(void)state;
	assert_true(fixture_passes(DHCP, "dhcp4-discover-udhcpc.hex"));
	assert_true(fixture_passes(DHCP, "dhcp4-discover-dhclient.hex"));
	assert_true(fixture_passes(DHCP, "dhcp4-discover-dhcpcd.hex"));
	assert_true(fixture_passes(DHCP, "dhcp4-request-udhcpc.hex"));
	/* Server to client is port 68. */
	assert_false(fixture_passes(DHCP, "dhcp4-offer-dnsmasq.hex"));
	assert_false(fixture_passes(DHCP, "udp-dns-query-dig.hex"));
	assert_false(fixture_passes(DHCP, "icmp-echo-request-kernel.hex"));
	assert_false(fixture_passes(DHCP, "ipv4-frag-first-kernel.hex"));
	assert_false(fixture_passes(DHCP, "arp-request-arping.hex"));
}

/* udhcpc's DISCOVER with its fragment field changed (hand-made). */
static void dhcp_filter_drops_fragments(void **state)
{
	uint8_t frame[512];
	size_t len = np_test_load_hex("dhcp4-discover-udhcpc.hex", frame, sizeof(frame));

	(void)state;
	frame[20] = 0x40;                    /* DF: still whole */
	assert_true(kernel_passes(DHCP, frame, len));
	frame[20] = 0x20;                    /* MF, offset 0: a first fragment */
	assert_false(kernel_passes(DHCP, frame, len));
	frame[20] = 0x00;
	frame[21] = 0x01;                    /* offset 8 bytes, no MF: a later fragment */
	assert_false(kernel_passes(DHCP, frame, len));
	frame[21] = 0x00;
	frame[23] = 6;                       /* TCP to port 67 is not DHCP */
	assert_false(kernel_passes(DHCP, frame, len));
}

/*
 * The UDP header follows the IP options: with IHL 6 the bytes at the
 * option-less port offset say 67 but the real destination port is 68
 * (hand-made from udhcpc's DISCOVER), and the other way round.
 */
static void dhcp_filter_reads_port_after_ip_options(void **state)
{
	uint8_t frame[512], opt[512];
	size_t len = np_test_load_hex("dhcp4-discover-udhcpc.hex", frame, sizeof(frame));

	(void)state;
	memcpy(opt, frame, 34);
	opt[14] = 0x46;                      /* IHL 6: 4 bytes of options */
	opt[34] = 0x00;                      /* options: 00 43 00 00, at 34..37 */
	opt[35] = 0x43;
	opt[36] = 0x00;
	opt[37] = 0x43;                      /* where dport is without options: 67 */
	memcpy(opt + 38, frame + 34, len - 34);
	opt[41] = 68;                        /* the real dport (38 + 2) */
	assert_false(kernel_passes(DHCP, opt, len + 4));
	opt[36] = 0x00;
	opt[37] = 0x44;
	opt[41] = 67;
	assert_true(kernel_passes(DHCP, opt, len + 4));
}

static void tcp_probe_filter(void **state)
{
	struct sock_filter f[NP_BPF_TCP_PROBE_LEN];
	uint32_t peer = 0x0a4d0002;          /* 10.77.0.2, the listener in the captures */
	int n;

	(void)state;
	assert_int_equal(np_bpf_tcp_probe(f, NP_BPF_TCP_PROBE_LEN - 1, peer, 1), -ENOSPC);
	/* The SYN-ACK goes to the client's port 0xada8. */
	n = np_bpf_tcp_probe(f, NP_BPF_TCP_PROBE_LEN, peer, 0xada8);
	assert_int_equal(n, NP_BPF_TCP_PROBE_LEN);
	assert_true(fixture_passes(f, (size_t)n, "tcp-synack-kernel.hex"));
	assert_false(fixture_passes(f, (size_t)n, "tcp-rst-kernel.hex"));       /* to port 0xbde6 */
	assert_false(fixture_passes(f, (size_t)n, "tcp-syn-kernel.hex"));       /* from 10.77.0.1 */
	assert_true(fixture_passes(f, (size_t)n, "icmp-port-unreachable-kernel.hex"));
	assert_false(fixture_passes(f, (size_t)n, "icmp-echo-request-kernel.hex")); /* from .1 */
	assert_false(fixture_passes(f, (size_t)n, "udp-dns-answer-dnsmasq.hex"));
	assert_false(fixture_passes(f, (size_t)n, "arp-reply-kernel.hex"));

	n = np_bpf_tcp_probe(f, NP_BPF_TCP_PROBE_LEN, peer, 0xbde6);
	assert_true(fixture_passes(f, (size_t)n, "tcp-rst-kernel.hex"));
	assert_false(fixture_passes(f, (size_t)n, "tcp-synack-kernel.hex"));

	/* Peer 0: any source; the port still has to match. */
	n = np_bpf_tcp_probe(f, NP_BPF_TCP_PROBE_LEN, 0, 0x1f90);
	assert_true(fixture_passes(f, (size_t)n, "tcp-syn-kernel.hex"));        /* to port 8080 */
	assert_true(fixture_passes(f, (size_t)n, "icmp-echo-request-kernel.hex"));
	assert_false(fixture_passes(f, (size_t)n, "tcp-synack-kernel.hex"));
}

/* A TCP fragment could carry anything where the port would be (hand-made). */
static void tcp_probe_filter_drops_fragments(void **state)
{
	struct sock_filter f[NP_BPF_TCP_PROBE_LEN];
	uint8_t frame[128];
	size_t len = np_test_load_hex("tcp-synack-kernel.hex", frame, sizeof(frame));
	int n = np_bpf_tcp_probe(f, NP_BPF_TCP_PROBE_LEN, 0x0a4d0002, 0xada8);

	(void)state;
	assert_true(kernel_passes(f, (size_t)n, frame, len));
	frame[20] = 0x20;                    /* MF */
	assert_false(kernel_passes(f, (size_t)n, frame, len));
}

static void attach_rejects_bad_programs(void **state)
{
	const struct sock_filter jump_out[] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 5),  /* past the end */
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(np_packet_attach_filter(sv[0], NULL, 1), -EINVAL);
	assert_int_equal(np_packet_attach_filter(sv[0], np_bpf_arp_any, 0), -EINVAL);
	assert_int_equal(np_packet_attach_filter(sv[0], np_bpf_arp_any, BPF_MAXINSNS + 1), -EINVAL);
	/* The kernel's checker refuses it. */
	assert_int_equal(np_packet_attach_filter(sv[0], jump_out, 2), -EINVAL);
	close(sv[0]);
	close(sv[1]);
}

static void drain_empties_the_queue(void **state)
{
	uint8_t b = 0;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(np_packet_drain(sv[1]), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(send(sv[0], "frame", 5, 0), 5);
	assert_int_equal(np_packet_drain(sv[1]), 3);
	assert_int_equal(recv(sv[1], &b, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	close(sv[0]);
	close(sv[1]);
}

static void packet_open_errors(void **state)
{
	(void)state;
	assert_int_equal(np_packet_open("np-nosuch0", NULL), -ENODEV);
	assert_int_equal(np_packet_open("", NULL), -EINVAL);
	assert_int_equal(np_packet_open(NULL, NULL), -EINVAL);
}

/* ---- Interface information ------------------------------------------- */

static void ifinfo_loopback(void **state)
{
	struct np_ifinfo info;

	(void)state;
	memset(&info, 0xa5, sizeof(info));
	assert_int_equal(np_ifinfo_get("lo", &info), 0);
	assert_string_equal(info.name, "lo");
	assert_int_equal(info.ifindex, (int)if_nametoindex("lo"));
	assert_true(info.flags & IFF_LOOPBACK);
	assert_true(info.flags & IFF_UP);
	assert_true(info.mtu >= 1280);
	assert_int_equal(info.hwtype, ARPHRD_LOOPBACK);
	assert_true(np_ifinfo_get("lo", &info) == 0 && info.naddr >= 1);
	assert_int_equal(info.addr[0].addr, LOOPBACK);
	assert_int_equal(info.addr[0].prefixlen, 8);
	for (int i = 0; i < 6; i++)
		assert_int_equal(info.mac[i], 0);
}

static void ifinfo_unknown(void **state)
{
	struct np_ifinfo info;

	(void)state;
	memset(&info, 0x5a, sizeof(info));
	assert_int_equal(np_ifinfo_get("np-nosuch0", &info), -ENODEV);
	assert_int_equal(np_ifinfo_get("a-name-longer-than-ifnamsiz", &info), -ENODEV);
	assert_int_equal(np_ifinfo_get("", &info), -ENODEV);
	/* Nothing written on failure. */
	assert_int_equal(info.ifindex, 0x5a5a5a5a);
}

/* ---- UDP and TCP ------------------------------------------------------ */

static void assert_nonblock_cloexec(int fd)
{
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

static int sockopt_int(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	assert_int_equal(getsockopt(fd, level, name, &v, &len), 0);
	return v;
}

static void udp_open_options(void **state)
{
	struct np_sock_opts o = { .addr = LOOPBACK, .broadcast = 1, .rcvbuf = 1 << 20 };
	int fd, fd2, port;

	(void)state;
	fd = np_udp_open(&o);
	assert_true(fd >= 0);
	assert_nonblock_cloexec(fd);
	assert_int_equal(sockopt_int(fd, IPPROTO_IP, IP_PKTINFO), 1);
	assert_int_equal(sockopt_int(fd, SOL_SOCKET, SO_REUSEADDR), 1);
	assert_int_equal(sockopt_int(fd, SOL_SOCKET, SO_BROADCAST), 1);
	assert_int_equal(sockopt_int(fd, SOL_SOCKET, SO_REUSEPORT), 0);
	/* The kernel doubles what it was given; rmem_max may cap plain SO_RCVBUF. */
	assert_true(sockopt_int(fd, SOL_SOCKET, SO_RCVBUF) > 0);
	port = np_sock_port(fd);
	assert_true(port > 0);
	close(fd);

	/* A port held by a socket without SO_REUSEADDR: the bind error comes back. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	{
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(LOOPBACK) };

		assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	}
	o.port = (uint16_t)np_sock_port(fd);
	assert_int_equal(np_udp_open(&o), -EADDRINUSE);
	close(fd);

	o.port = 0;
	o.reuseport = 1;
	fd = np_udp_open(&o);
	assert_true(fd >= 0);
	o.port = (uint16_t)np_sock_port(fd);
	fd2 = np_udp_open(&o);
	assert_true(fd2 >= 0);
	assert_int_equal(np_sock_port(fd2), o.port);
	close(fd);
	close(fd2);
	assert_int_equal(np_udp_open(NULL), -EINVAL);
}

/* 10.77.255.254 is on no interface: only IP_FREEBIND lets us bind it. */
static void udp_freebind(void **state)
{
	struct np_sock_opts o = { .addr = 0x0a4dfffe };
	int fd;

	(void)state;
	assert_int_equal(np_udp_open(&o), -EADDRNOTAVAIL);
	o.freebind = 1;
	fd = np_udp_open(&o);
	assert_true(fd >= 0);
	assert_int_equal(sockopt_int(fd, IPPROTO_IP, IP_FREEBIND), 1);
	close(fd);
}

/* SO_BINDTODEVICE: done when allowed (CAP_NET_RAW), the refusal otherwise. */
static void udp_bind_to_device(void **state)
{
	struct np_sock_opts o = { .addr = LOOPBACK, .ifname = "lo" };
	char dev[IF_NAMESIZE] = "";
	socklen_t len = sizeof(dev);
	int fd;

	(void)state;
	fd = np_udp_open(&o);
	if (fd == -EPERM)
		return;
	assert_true(fd >= 0);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, &len), 0);
	assert_string_equal(dev, "lo");
	close(fd);
	o.ifname = "np-nosuch0";
	assert_int_equal(np_udp_open(&o), -ENODEV);
}

static void tcp_listen_accepts(void **state)
{
	struct np_sock_opts o = { .addr = LOOPBACK, .backlog = 4 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct pollfd p;
	int lfd, cfd, afd;

	(void)state;
	lfd = np_tcp_listen(&o);
	assert_true(lfd >= 0);
	assert_nonblock_cloexec(lfd);
	assert_int_equal(sockopt_int(lfd, SOL_SOCKET, SO_ACCEPTCONN), 1);
	assert_int_equal(sockopt_int(lfd, SOL_SOCKET, SO_REUSEADDR), 1);
	/* Nothing waiting: accept does not block. */
	assert_int_equal(accept(lfd, NULL, NULL), -1);
	assert_int_equal(errno, EAGAIN);
	sin.sin_addr.s_addr = htonl(LOOPBACK);
	sin.sin_port = htons((uint16_t)np_sock_port(lfd));
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(cfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	p.fd = lfd;
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 1000), 1);
	afd = accept(lfd, NULL, NULL);
	assert_true(afd >= 0);
	close(afd);
	close(cfd);
	close(lfd);
	assert_int_equal(np_tcp_listen(NULL), -EINVAL);
}

/* ---- Batches ---------------------------------------------------------- */

static struct sockaddr_in sin_of(uint32_t addr, int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(addr);
	sin.sin_port = htons((uint16_t)port);
	return sin;
}

static void wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	assert_int_equal(poll(&p, 1, 2000), 1);
}

/* Read until n messages arrived into b (which holds them all). */
static void recv_exactly(int fd, struct np_batch *b, int n)
{
	wait_readable(fd);
	assert_int_equal(np_batch_recv(fd, b), n);
}

/* Queue a message "msg N" to addr. */
static void add_text(struct np_batch *b, int n, const struct sockaddr_in *to,
		     const struct np_pktinfo *src)
{
	unsigned int idx = b->count;
	int len = snprintf((char *)np_batch_buf(b, idx), b->bufsize, "msg %d", n);

	assert_int_equal(np_batch_add(b, (size_t)len, to, to ? sizeof(*to) : 0, src), (int)idx);
}

/*
 * Four datagrams to a server bound to 0.0.0.0, two for 127.0.0.1 and two
 * for 127.0.0.2: each arrives with its destination and lo's ifindex, and
 * the replies, sent with that pktinfo, come back from the address each
 * request was sent to.
 */
static void udp_batch_pktinfo_round_trip(void **state)
{
	struct np_sock_opts so = { .addr = 0 }, co = { .addr = LOOPBACK };
	struct np_batch in, out;
	int srv, cli, sport, lo = (int)if_nametoindex("lo");

	(void)state;
	srv = np_udp_open(&so);
	cli = np_udp_open(&co);
	assert_true(srv >= 0 && cli >= 0);
	sport = np_sock_port(srv);
	assert_int_equal(np_batch_init(&in, 8, 256), 0);
	assert_int_equal(np_batch_init(&out, 8, 256), 0);

	for (int i = 0; i < 4; i++) {
		struct sockaddr_in to = sin_of(i < 2 ? LOOPBACK : LOOPBACK2, sport);

		add_text(&out, i, &to, NULL);
	}
	assert_int_equal(np_batch_pending(&out), 4);
	assert_int_equal(np_batch_send(cli, &out), 4);
	assert_int_equal(np_batch_pending(&out), 0);
	assert_int_equal(out.send_errors, 0);

	recv_exactly(srv, &in, 4);
	np_batch_clear(&out);
	for (unsigned int i = 0; i < 4; i++) {
		const struct sockaddr_in *from;
		struct np_pktinfo pi;
		socklen_t alen;
		char want[16];
		uint32_t dst = i < 2 ? LOOPBACK : LOOPBACK2;

		snprintf(want, sizeof(want), "msg %u", i);
		assert_int_equal(np_batch_len(&in, i), strlen(want));
		assert_memory_equal(np_batch_buf(&in, i), want, strlen(want));
		assert_false(np_batch_truncated(&in, i));
		from = (const struct sockaddr_in *)np_batch_addr(&in, i, &alen);
		assert_int_equal(alen, sizeof(struct sockaddr_in));
		assert_int_equal(ntohl(from->sin_addr.s_addr), LOOPBACK);
		assert_int_equal(ntohs(from->sin_port), np_sock_port(cli));
		assert_int_equal(np_batch_pktinfo(&in, i, &pi), 0);
		assert_int_equal(pi.ifindex, lo);
		assert_int_equal(pi.dst, dst);
		assert_int_equal(pi.local, dst);
		/* Reply in place: the same bytes, back the way they came. */
		memcpy(np_batch_buf(&out, i), np_batch_buf(&in, i), np_batch_len(&in, i));
		assert_int_equal(np_batch_add(&out, np_batch_len(&in, i), from, alen,
					      &(struct np_pktinfo){ .ifindex = pi.ifindex, .local = pi.local }),
				 (int)i);
	}
	assert_int_equal(np_batch_send(srv, &out), 4);

	recv_exactly(cli, &in, 4);
	for (unsigned int i = 0; i < 4; i++) {
		const struct sockaddr_in *from = (const struct sockaddr_in *)np_batch_addr(&in, i, NULL);

		assert_int_equal(ntohl(from->sin_addr.s_addr), i < 2 ? LOOPBACK : LOOPBACK2);
		assert_int_equal(ntohs(from->sin_port), sport);
	}
	np_batch_free(&in);
	np_batch_free(&out);
	close(srv);
	close(cli);
}

/* Without pktinfo the kernel picks the source by route: 127.0.0.1, not .2. */
static void udp_reply_without_pktinfo_uses_route(void **state)
{
	struct np_sock_opts so = { .addr = 0 }, co = { .addr = LOOPBACK };
	struct np_batch b;
	int srv, cli;
	struct sockaddr_in to, from;

	(void)state;
	srv = np_udp_open(&so);
	cli = np_udp_open(&co);
	assert_int_equal(np_batch_init(&b, 2, 64), 0);
	to = sin_of(LOOPBACK2, np_sock_port(srv));
	add_text(&b, 0, &to, NULL);
	assert_int_equal(np_batch_send(cli, &b), 1);
	recv_exactly(srv, &b, 1);
	memcpy(&from, np_batch_addr(&b, 0, NULL), sizeof(from));
	np_batch_clear(&b);
	add_text(&b, 0, &from, NULL);
	assert_int_equal(np_batch_send(srv, &b), 1);
	recv_exactly(cli, &b, 1);
	memcpy(&from, np_batch_addr(&b, 0, NULL), sizeof(from));
	assert_int_equal(ntohl(from.sin_addr.s_addr), LOOPBACK);
	np_batch_free(&b);
	close(srv);
	close(cli);
}

static void batch_recv_truncates_and_reports_empty(void **state)
{
	struct np_sock_opts o = { .addr = LOOPBACK };
	struct np_batch b;
	uint8_t big[100];
	int srv, cli;
	struct sockaddr_in to;

	(void)state;
	srv = np_udp_open(&o);
	cli = np_udp_open(&o);
	assert_int_equal(np_batch_init(&b, 4, 16), 0);
	assert_int_equal(np_batch_recv(srv, &b), 0);   /* nothing waiting */
	memset(big, 0x42, sizeof(big));
	to = sin_of(LOOPBACK, np_sock_port(srv));
	assert_int_equal(sendto(cli, big, sizeof(big), 0, (struct sockaddr *)&to, sizeof(to)), 100);
	recv_exactly(srv, &b, 1);
	assert_true(np_batch_truncated(&b, 0));
	assert_int_equal(np_batch_len(&b, 0), 16);
	assert_memory_equal(np_batch_buf(&b, 0), big, 16);
	/* Out of range indexes are empty, not wild. */
	assert_int_equal(np_batch_len(&b, 1), 0);
	assert_null(np_batch_addr(&b, 1, NULL));
	assert_int_equal(np_batch_pktinfo(&b, 1, &(struct np_pktinfo){ 0 }), -ENOENT);
	assert_int_equal(np_batch_recv(-1, &b), -EBADF);
	np_batch_free(&b);
	close(srv);
	close(cli);
}

static void batch_add_limits(void **state)
{
	struct np_batch b;
	struct sockaddr_in to = sin_of(LOOPBACK, 9);

	(void)state;
	assert_int_equal(np_batch_init(&b, 0, 16), -EINVAL);
	assert_int_equal(np_batch_init(&b, 4, 0), -EINVAL);
	assert_int_equal(np_batch_init(&b, NP_BATCH_MAX + 1, 16), -EINVAL);
	assert_int_equal(np_batch_init(&b, 2, 16), 0);
	assert_int_equal(np_batch_add(&b, 17, &to, sizeof(to), NULL), -EINVAL);
	assert_int_equal(np_batch_add(&b, 4, NULL, sizeof(to), NULL), -EINVAL);
	assert_int_equal(np_batch_add(&b, 16, &to, sizeof(to), NULL), 0);
	assert_int_equal(np_batch_add(&b, 1, &to, sizeof(to), NULL), 1);
	assert_int_equal(np_batch_add(&b, 1, &to, sizeof(to), NULL), -ENOBUFS);
	assert_int_equal(np_batch_pending(&b), 2);
	np_batch_clear(&b);
	assert_int_equal(np_batch_pending(&b), 0);
	assert_null(np_batch_buf(&b, 2));
	np_batch_free(&b);
	np_batch_free(&b);       /* a freed (zeroed) batch is fine */
	np_batch_free(NULL);
}

/*
 * A full socket stops the batch (EAGAIN) with the rest pending; after the
 * reader catches up, the next calls send the rest, in order.
 */
static void batch_send_resumes_after_eagain(void **state)
{
	enum { N = 64, SIZE = 512 };
	struct np_batch out, in;
	int sv[2], next = 0, calls = 0, first;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){ 4096 }, sizeof(int)), 0);
	assert_int_equal(np_batch_init(&out, N, SIZE), 0);
	assert_int_equal(np_batch_init(&in, N, SIZE), 0);
	for (int i = 0; i < N; i++) {
		memset(np_batch_buf(&out, (unsigned int)i), i, SIZE);
		assert_int_equal(np_batch_add(&out, SIZE, NULL, 0, NULL), i);
	}
	first = np_batch_send(sv[0], &out);
	assert_true(first > 0 && first < N);
	assert_int_equal(np_batch_pending(&out), N - first);
	assert_int_equal(out.send_errors, 0);
	while (next < N) {
		int got = np_batch_recv(sv[1], &in);

		assert_true(got > 0);
		for (unsigned int i = 0; i < (unsigned int)got; i++, next++) {
			assert_int_equal(np_batch_len(&in, i), SIZE);
			assert_int_equal(np_batch_buf(&in, i)[SIZE - 1], next);
		}
		if (np_batch_pending(&out)) {
			assert_true(np_batch_send(sv[0], &out) > 0);
			calls++;
		}
	}
	assert_true(calls >= 1);
	assert_int_equal(np_batch_pending(&out), 0);
	np_batch_free(&out);
	np_batch_free(&in);
	close(sv[0]);
	close(sv[1]);
}

/* A message the kernel refuses (UDP port 0) is dropped; the others go. */
static void batch_send_skips_refused_message(void **state)
{
	struct np_sock_opts o = { .addr = LOOPBACK };
	struct np_batch b;
	struct sockaddr_in good, bad;
	int srv, cli;

	(void)state;
	srv = np_udp_open(&o);
	cli = np_udp_open(&o);
	good = sin_of(LOOPBACK, np_sock_port(srv));
	bad = sin_of(LOOPBACK, 0);
	assert_int_equal(np_batch_init(&b, 4, 32), 0);
	add_text(&b, 0, &good, NULL);
	add_text(&b, 1, &bad, NULL);
	add_text(&b, 2, &good, NULL);
	assert_int_equal(np_batch_send(cli, &b), 2);
	assert_int_equal(b.send_errors, 1);
	assert_int_equal(b.last_error, -EINVAL);
	assert_int_equal(np_batch_pending(&b), 0);
	recv_exactly(srv, &b, 2);
	assert_memory_equal(np_batch_buf(&b, 0), "msg 0", 5);
	assert_memory_equal(np_batch_buf(&b, 1), "msg 2", 5);
	np_batch_free(&b);
	close(srv);
	close(cli);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arp_request_filter_takes_requests_only),
		cmocka_unit_test(arp_request_filter_checks_each_field),
		cmocka_unit_test(arp_any_filter_takes_every_opcode),
		cmocka_unit_test(dhcp_filter_takes_client_messages),
		cmocka_unit_test(dhcp_filter_drops_fragments),
		cmocka_unit_test(dhcp_filter_reads_port_after_ip_options),
		cmocka_unit_test(tcp_probe_filter),
		cmocka_unit_test(tcp_probe_filter_drops_fragments),
		cmocka_unit_test(attach_rejects_bad_programs),
		cmocka_unit_test(drain_empties_the_queue),
		cmocka_unit_test(packet_open_errors),
		cmocka_unit_test(ifinfo_loopback),
		cmocka_unit_test(ifinfo_unknown),
		cmocka_unit_test(udp_open_options),
		cmocka_unit_test(udp_freebind),
		cmocka_unit_test(udp_bind_to_device),
		cmocka_unit_test(tcp_listen_accepts),
		cmocka_unit_test(udp_batch_pktinfo_round_trip),
		cmocka_unit_test(udp_reply_without_pktinfo_uses_route),
		cmocka_unit_test(batch_recv_truncates_and_reports_empty),
		cmocka_unit_test(batch_add_limits),
		cmocka_unit_test(batch_send_resumes_after_eagain),
		cmocka_unit_test(batch_send_skips_refused_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
