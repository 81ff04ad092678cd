/*
 * io.c: routes, neighbours, packet sockets and the nftables table (io.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/errqueue.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netproto/arp.h>
#include <netproto/ether.h>
#include <netproto/icmp6.h>
#include <netproto/ipv4.h>
#include <netproto/ipv6.h>
#include <netproto/tcp.h>

#include "clock.h"
#include "io.h"
#include "netio.h"

/* ---- rtnetlink -------------------------------------------------------- */

struct nl_req {
	struct nlmsghdr nh;
	union {
		struct rtmsg rt;
		struct ndmsg nd;
	} u;
	uint8_t attrs[64];
};

static void nl_put(struct nl_req *req, unsigned short type, const void *v, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((uint8_t *)req + NLMSG_ALIGN(req->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), v, len);
	req->nh.nlmsg_len = NLMSG_ALIGN(req->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static void nl_put_u32(struct nl_req *req, unsigned short type, uint32_t v)
{
	nl_put(req, type, &v, sizeof(v));
}

/* An address attribute (RTA_DST, RTA_GATEWAY, NDA_DST ...) of family's size, network order. */
static size_t addr_len(const struct probe_addr *a)
{
	return probe_addr_is_v4(a) ? 4 : NP_IPV6_ADDR_LEN;
}

static const uint8_t *addr_bytes(const struct probe_addr *a)
{
	return probe_addr_is_v4(a) ? &a->b[12] : a->b;
}

static int addr_family(const struct probe_addr *a)
{
	return probe_addr_is_v4(a) ? AF_INET : AF_INET6;
}

/* An attribute's address in the family of like; 0, or -1 for the wrong size. */
static int addr_from_attr(const struct rtattr *rta, const struct probe_addr *like,
			  struct probe_addr *out)
{
	size_t n = addr_len(like);

	if (RTA_PAYLOAD(rta) != n)
		return -1;
	if (n == 4) {
		uint32_t v;

		memcpy(&v, RTA_DATA(rta), 4);
		*out = probe_addr_v4(ntohl(v));
	} else {
		memcpy(out->b, RTA_DATA(rta), NP_IPV6_ADDR_LEN);
	}
	return 0;
}

static int nl_open_send(struct nl_req *req)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (send(fd, req, req->nh.nlmsg_len, 0) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void route_attrs(const struct rtmsg *rt, size_t len, const struct probe_addr *dst,
			struct io_route *r)
{
	const struct rtattr *rta = RTM_RTA(rt);
	size_t left = len;
	uint32_t v;

	for (; RTA_OK(rta, left); rta = RTA_NEXT(rta, left)) {
		if (rta->rta_type == RTA_GATEWAY)
			r->has_gateway = addr_from_attr(rta, dst, &r->gateway) == 0;
		else if (rta->rta_type == RTA_PREFSRC)
			r->has_src = addr_from_attr(rta, dst, &r->src) == 0;
		if (rta->rta_type != RTA_OIF || RTA_PAYLOAD(rta) < sizeof(v))
			continue;
		memcpy(&v, RTA_DATA(rta), sizeof(v));
		r->ifindex = (int)v;
	}
}

/*
 * The source address the kernel picks for dst out of ifindex (RFC 6724 §5
 * for IPv6): a UDP socket connected to it sends nothing and tells,
 * through getsockname(), what a connection would use.
 */
static int source_for(const struct probe_addr *dst, int ifindex, struct probe_addr *src)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
	socklen_t slen = sizeof(sin6);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	memcpy(&sin6.sin6_addr, dst->b, NP_IPV6_ADDR_LEN);
	/* A link-local destination needs its link (RFC 4007 §6). */
	if (np_ipv6_addr_is_link_local(dst->b))
		sin6.sin6_scope_id = (uint32_t)ifindex;
	if (connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin6, &slen) < 0)
		err = -errno;
	close(fd);
	if (err)
		return err;
	memcpy(src->b, &sin6.sin6_addr, NP_IPV6_ADDR_LEN);
	return 0;
}

int io_route_get(const struct probe_addr *dst, int oif, const char *ifname,
		 struct io_route *out)
{
	struct nl_req req;
	union {
		struct nlmsghdr align;
		uint8_t buf[8192];
	} resp;
	struct io_route r;
	struct nlmsghdr *nh;
	ssize_t n;
	int fd;

	memset(&req, 0, sizeof(req));
	memset(&r, 0, sizeof(r));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = 1;
	req.u.rt.rtm_family = (unsigned char)addr_family(dst);
	req.u.rt.rtm_dst_len = (unsigned char)(addr_len(dst) * 8);
	nl_put(&req, RTA_DST, addr_bytes(dst), addr_len(dst));
	if (oif == 0 && ifname) {
		oif = (int)if_nametoindex(ifname);
		if (oif == 0)
			return -ENODEV;
	}
	if (oif)
		nl_put_u32(&req, RTA_OIF, (uint32_t)oif);
	fd = nl_open_send(&req);
	if (fd < 0)
		return fd;
	n = recv(fd, resp.buf, sizeof(resp.buf), 0);
	close(fd);
	if (n < 0)
		return -errno;
	nh = &resp.align;
	if (!NLMSG_OK(nh, (size_t)n))
		return -EIO;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nh);

		return e->error ? e->error : -EIO;
	}
	if (nh->nlmsg_type != RTM_NEWROUTE)
		return -EIO;
	{
		const struct rtmsg *rt = NLMSG_DATA(nh);

		if (rt->rtm_type == RTN_UNREACHABLE || rt->rtm_type == RTN_BLACKHOLE)
			return -EHOSTUNREACH;
		if (rt->rtm_type == RTN_PROHIBIT)
			return -EACCES;
		r.local = rt->rtm_type == RTN_LOCAL;
		route_attrs(rt, RTM_PAYLOAD(nh), dst, &r);
	}
	if (r.ifindex == 0 || !if_indextoname((unsigned int)r.ifindex, r.ifname))
		return -ENODEV;
	/* The route's RTA_PREFSRC is a hint for IPv6; ask the selection itself. */
	if (!probe_addr_is_v4(dst))
		r.has_src = source_for(dst, r.ifindex, &r.src) == 0;
	r.nexthop = r.has_gateway ? r.gateway : *dst;
	*out = r;
	return 0;
}

/* States whose link-layer address is usable (the kernel would send to it). */
#define NEIGH_USABLE (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP)

static int neigh_match(const struct nlmsghdr *nh, int ifindex, const struct probe_addr *addr,
		       uint8_t mac[6])
{
	const struct ndmsg *nd = NLMSG_DATA(nh);
	const struct rtattr *rta = (const struct rtattr *)((const uint8_t *)nd + NLMSG_ALIGN(sizeof(*nd)));
	size_t left = NLMSG_PAYLOAD(nh, sizeof(*nd));
	const uint8_t *ll = NULL;
	int match = 0;

	if (nd->ndm_family != addr_family(addr) || nd->ndm_ifindex != ifindex ||
	    !(nd->ndm_state & NEIGH_USABLE))
		return 0;
	for (; RTA_OK(rta, left); rta = RTA_NEXT(rta, left)) {
		if (rta->rta_type == NDA_DST && RTA_PAYLOAD(rta) == addr_len(addr))
			match = memcmp(RTA_DATA(rta), addr_bytes(addr), addr_len(addr)) == 0;
		else if (rta->rta_type == NDA_LLADDR && RTA_PAYLOAD(rta) == 6)
			ll = RTA_DATA(rta);
	}
	if (!ll || !match)
		return 0;
	memcpy(mac, ll, 6);
	return 1;
}

int io_neigh_get(int ifindex, const struct probe_addr *addr, uint8_t mac[6])
{
	struct nl_req req;
	union {
		struct nlmsghdr align;
		uint8_t buf[32768];
	} resp;
	int fd, found = 0, done = 0;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	req.nh.nlmsg_type = RTM_GETNEIGH;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 2;
	req.u.nd.ndm_family = (unsigned char)addr_family(addr);
	fd = nl_open_send(&req);
	if (fd < 0)
		return fd;
	while (!done) {
		ssize_t n = recv(fd, resp.buf, sizeof(resp.buf), 0);
		struct nlmsghdr *nh;
		size_t left;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		left = (size_t)n;
		for (nh = &resp.align; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR)
				done = 1;
			else if (nh->nlmsg_type == RTM_NEWNEIGH && !found)
				found = neigh_match(nh, ifindex, addr, mac);
		}
	}
	close(fd);
	return found ? 0 : -ENOENT;
}

int io_addr_is_local(const struct probe_addr *addr, int ifindex)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(probe_addr_to_v4(addr)) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	const int v4 = probe_addr_is_v4(addr);
	int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ok;

	if (fd < 0)
		return 0;
	memcpy(&sin6.sin6_addr, addr->b, NP_IPV6_ADDR_LEN);
	if (np_ipv6_addr_is_link_local(addr->b))
		sin6.sin6_scope_id = (uint32_t)ifindex;
	if (v4)
		ok = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	else
		ok = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;
	close(fd);
	return ok;
}

/* ---- packet sockets --------------------------------------------------- */

/*
 * IPv4 to src that is ICMP, or TCP (not a fragment) to a port in lo..hi.
 * Unlike np_bpf_tcp_probe(), ICMP from any sender passes: a router's
 * "unreachable" does not come from the target.
 */
#define IP_FILTER_LEN 15

static void ip_filter(struct sock_filter f[IP_FILTER_LEN], uint32_t src, uint16_t lo, uint16_t hi)
{
	const struct sock_filter prog[IP_FILTER_LEN] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),            /* EtherType */
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 12),
		/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 30),            /* IPv4 destination */
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, src, 0, 10),
		/* 4 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),            /* protocol */
		/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMP, 7, 0),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 7),
		/* 7 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),            /* flags, offset */
		/* 8 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 5, 0), /* fragment: drop */
		/* 9 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),           /* X = IHL * 4 */
		/* 10 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),           /* TCP destination port */
		/* 11 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 2),
		/* 12 */ BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, hi, 1, 0),
		/* 13 */ BPF_STMT(BPF_RET | BPF_K, 0x40000),               /* accept */
		/* 14 */ BPF_STMT(BPF_RET | BPF_K, 0),                     /* drop */
	};

	memcpy(f, prog, sizeof(prog));
}

/*
 * Checksum status with every frame, and the kernel's receive time: RTTs end
 * when the SYN-ACK arrived, not when this process got to run.  Software
 * timestamps are reported (SO_TIMESTAMPING) so that a frame sent with
 * io_send_ip_stamped() comes back on the error queue with the time it
 * entered the device's queue: RTTs start there, not before the system call.
 */
static int enable_auxdata(int fd)
{
	int one = 1, report = SOF_TIMESTAMPING_SOFTWARE;

	/* Without send stamps (an older kernel) RTTs start before sendmsg(). */
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &report, sizeof(report));
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * IPv6 to src (or to src's solicited-node group) whose next header is
 * ICMPv6, or TCP to a port in lo..hi, or an extension header that may
 * precede either (hop-by-hop, routing, destination options: probe.c walks
 * the chain and drops fragments).  As for IPv4, ICMPv6 from any sender
 * passes (a router's "unreachable").
 */
#define IP6_FILTER_LEN 28

static uint32_t be32_at(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void ip6_filter(struct sock_filter f[IP6_FILTER_LEN], const struct probe_addr *src,
		       uint16_t lo, uint16_t hi)
{
	uint8_t g[NP_IPV6_ADDR_LEN];
	const uint8_t *a = src->b;

	np_ipv6_solicited_node(a, g);
	{
		const struct sock_filter prog[IP6_FILTER_LEN] = {
			/* 0 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),          /* EtherType */
			/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 25),
			/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 38),          /* destination */
			/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, be32_at(a), 0, 6),
			/* 4 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 42),
			/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, be32_at(a + 4), 0, 21),
			/* 6 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 46),
			/* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, be32_at(a + 8), 0, 19),
			/* 8 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 50),
			/* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, be32_at(a + 12), 7, 17),
			/* 10: not src, maybe its solicited-node group (word 0 still in A) */
			/* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, be32_at(g), 0, 16),
			/* 11 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 42),
			/* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, be32_at(g + 4), 0, 14),
			/* 13 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 46),
			/* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, be32_at(g + 8), 0, 12),
			/* 15 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 50),
			/* 16 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, be32_at(g + 12), 0, 10),
			/* 17 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 20),         /* next header */
			/* 18 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMPV6, 7, 0),
			/* 19 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_HOPOPTS, 6, 0),
			/* 20 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ROUTING, 5, 0),
			/* 21 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_DSTOPTS, 4, 0),
			/* 22 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 4),
			/* 23 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 56),         /* TCP destination port */
			/* 24 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 2),
			/* 25 */ BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, hi, 1, 0),
			/* 26 */ BPF_STMT(BPF_RET | BPF_K, 0x40000),             /* accept */
			/* 27 */ BPF_STMT(BPF_RET | BPF_K, 0),                   /* drop */
		};

		memcpy(f, prog, sizeof(prog));
	}
}

/*
 * Join src's solicited-node group on the link (its 33:33:ff:xx:xx:xx MAC,
 * RFC 2464 §7) so that a NIC that filters multicast passes Neighbor
 * Solicitations for a --source address the kernel does not own.
 */
static void join_solicited_node(int fd, const char *ifname, const struct probe_addr *src)
{
	struct packet_mreq mr = { .mr_ifindex = (int)if_nametoindex(ifname),
				  .mr_type = PACKET_MR_MULTICAST, .mr_alen = 6 };

	mr.mr_address[0] = 0x33;
	mr.mr_address[1] = 0x33;
	mr.mr_address[2] = 0xff;
	memcpy(&mr.mr_address[3], &src->b[13], 3);
	/* Without it the kernel's own membership (an address it owns) still applies. */
	(void)setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr));
}

int io_open_ip(const char *ifname, const struct probe_addr *src, uint16_t lo, uint16_t hi)
{
	struct sock_filter f[IP6_FILTER_LEN];
	struct np_packet_opts o = { .filter = f, .ignore_outgoing = 1, .rcvbuf = 4 << 20 };
	int fd;

	if (probe_addr_is_v4(src)) {
		ip_filter(f, probe_addr_to_v4(src), lo, hi);
		o.protocol = ETH_P_IP;
		o.filter_len = IP_FILTER_LEN;
	} else {
		ip6_filter(f, src, lo, hi);
		o.protocol = ETH_P_IPV6;
		o.filter_len = IP6_FILTER_LEN;
	}
	fd = np_packet_open(ifname, &o);
	if (fd < 0)
		return fd;
	if (!probe_addr_is_v4(src))
		join_solicited_node(fd, ifname, src);
	return enable_auxdata(fd);
}

int io_open_arp(const char *ifname)
{
	struct np_packet_opts o = { .protocol = ETH_P_ARP, .filter = np_bpf_arp_any,
				    .filter_len = np_bpf_arp_any_len, .ignore_outgoing = 1 };

	return np_packet_open(ifname, &o);
}

void io_host_key(uint64_t key[2])
{
	char id[64];
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	size_t n = f ? fread(id, 1, sizeof(id) - 1, f) : 0;
	unsigned int nibbles = 0;

	if (f)
		fclose(f);
	key[0] = key[1] = 0;
	for (size_t i = 0; i < n && nibbles < 32; i++) {
		int c = id[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			continue;
		key[nibbles / 16] = key[nibbles / 16] << 4 | (uint64_t)v;
		nibbles++;
	}
	if (nibbles == 32)
		return;
	if (getrandom(key, 2 * sizeof(*key), 0) != (ssize_t)(2 * sizeof(*key))) {
		key[0] = np_mono_ns();
		key[1] = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL;
	}
}

/* A CLOCK_REALTIME stamp from the kernel as a reading of np_mono_ns()'s clock. */
static uint64_t realtime_to_mono(const struct timespec *rt)
{
	struct timespec now_rt;
	uint64_t mono = np_mono_ns(), stamp, now;

	clock_gettime(CLOCK_REALTIME, &now_rt);
	stamp = (uint64_t)rt->tv_sec * 1000000000u + (uint64_t)rt->tv_nsec;
	now = (uint64_t)now_rt.tv_sec * 1000000000u + (uint64_t)now_rt.tv_nsec;
	/* A stamp from the future (clock stepped) or absurdly old: use now. */
	if (stamp > now || now - stamp > mono || now - stamp > 1000000000u)
		return mono;
	return mono - (now - stamp);
}

int io_recv(int fd, uint8_t *buf, size_t cap, size_t *len, int *csum_ok, uint64_t *rx_ns)
{
	union {
		struct cmsghdr align;
		/* SO_TIMESTAMPING's reporting adds an SCM_TIMESTAMPING, ignored. */
		uint8_t buf[CMSG_SPACE(sizeof(struct tpacket_auxdata)) +
			    CMSG_SPACE(sizeof(struct timespec)) +
			    CMSG_SPACE(sizeof(struct scm_timestamping))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	struct timespec ts = { 0, 0 };
	ssize_t n;
	int ok = 0, have_ts = 0;

	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		struct tpacket_auxdata aux;

		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			have_ts = 1;
			continue;
		}
		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		/* Checked by the NIC, or a local packet whose checksum is still partial. */
		ok = (aux.tp_status & (TP_STATUS_CSUM_VALID | TP_STATUS_CSUMNOTREADY)) != 0;
	}
	*len = (size_t)n > cap ? cap : (size_t)n;
	*csum_ok = ok;
	if (rx_ns)
		*rx_ns = have_ts ? realtime_to_mono(&ts) : np_mono_ns();
	return 0;
}

/* sendmsg() of one frame; with stamp, asking for its SCM_TSTAMP_SCHED stamp. */
static int send_frame(int fd, int ifindex, const uint8_t *frame, size_t len, int stamp)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(uint32_t))];
	} ctl;
	struct sockaddr_ll sll;
	struct iovec iov = { .iov_base = (void *)frame, .iov_len = len };
	struct msghdr msg = { .msg_name = &sll, .msg_namelen = sizeof(sll), .msg_iov = &iov,
			      .msg_iovlen = 1 };
	ssize_t n;

	if (!stamp)
		return np_packet_send(fd, ifindex, frame, len);
	np_packet_addr(&sll, ifindex, (uint16_t)(frame[12] << 8 | frame[13]), frame);
	{
		/* Per packet (Documentation/networking/timestamping.rst §1.3.4). */
		uint32_t flags = SOF_TIMESTAMPING_TX_SCHED;
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SO_TIMESTAMPING;
		c->cmsg_len = CMSG_LEN(sizeof(flags));
		memcpy(CMSG_DATA(c), &flags, sizeof(flags));
	}
	do {
		n = sendmsg(fd, &msg, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	/* A kernel that takes no per-packet stamp request: send it plainly. */
	if (n < 0 && errno == EINVAL)
		return np_packet_send(fd, ifindex, frame, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

static int send_ip(int fd, int ifindex, const uint8_t smac[6], const uint8_t dmac[6],
		   const uint8_t *ip, size_t len, int stamp)
{
	uint8_t frame[NP_ETHER_HDR_LEN + 128];
	struct np_ether e;
	int n;

	if (len > sizeof(frame) - NP_ETHER_HDR_LEN)
		return -EMSGSIZE;
	memset(&e, 0, sizeof(e));
	memcpy(e.dst, dmac, 6);
	memcpy(e.src, smac, 6);
	e.ethertype = len > 0 && ip[0] >> 4 == 6 ? ETH_P_IPV6 : NP_ETHERTYPE_IPV4;
	e.payload = ip;
	e.payload_len = len;
	n = np_ether_build(&e, frame, sizeof(frame));
	if (n < 0)
		return -EINVAL;
	return send_frame(fd, ifindex, frame, (size_t)n, stamp);
}

int io_send_ip(int fd, int ifindex, const uint8_t smac[6], const uint8_t dmac[6],
	       const uint8_t *ip, size_t len)
{
	return send_ip(fd, ifindex, smac, dmac, ip, len, 0);
}

int io_send_ip_stamped(int fd, int ifindex, const uint8_t smac[6], const uint8_t dmac[6],
		       const uint8_t *ip, size_t len)
{
	return send_ip(fd, ifindex, smac, dmac, ip, len, 1);
}

/* The TCP source port and sequence number of a looped-back frame we sent. */
static int sent_segment(const uint8_t *frame, size_t len, uint16_t *sport, uint32_t *seq)
{
	struct np_ether e;
	struct np_ipv4 ip;
	struct np_ipv6 ip6;
	struct np_tcp t;

	if (np_ether_parse(frame, len, &e) < 0)
		return -EINVAL;
	if (e.ethertype == ETH_P_IPV6) {
		if (np_ipv6_parse(e.payload, e.payload_len, &ip6) < 0 || ip6.upper != NP_IPPROTO_TCP ||
		    np_tcp_parse_nocsum(ip6.payload, ip6.payload_len, &t) < 0)
			return -EINVAL;
	} else if (e.ethertype != NP_ETHERTYPE_IPV4 ||
		   np_ipv4_parse(e.payload, e.payload_len, &ip) < 0 || ip.proto != NP_IPPROTO_TCP ||
		   np_tcp_parse_nocsum(ip.payload, ip.payload_len, &t) < 0) {
		return -EINVAL;
	}
	*sport = t.src_port;
	*seq = t.seq;
	return 0;
}

int io_tx_stamp(int fd, uint16_t *sport, uint32_t *seq, uint64_t *tx_ns)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct scm_timestamping)) +
			    CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_ll)) +
			    CMSG_SPACE(sizeof(struct timespec))];
	} ctl;
	uint8_t frame[256];
	struct iovec iov = { .iov_base = frame, .iov_len = sizeof(frame) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct scm_timestamping tss;
	struct cmsghdr *c;
	int have_ts = 0, sched = 0;
	ssize_t n;

	n = recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		struct sock_extended_err ee;

		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING) {
			memcpy(&tss, CMSG_DATA(c), sizeof(tss));
			have_ts = tss.ts[0].tv_sec != 0 || tss.ts[0].tv_nsec != 0;
		} else if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_TX_TIMESTAMP) {
			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
			sched = ee.ee_origin == SO_EE_ORIGIN_TIMESTAMPING &&
				ee.ee_info == SCM_TSTAMP_SCHED;
		}
	}
	if (!have_ts || !sched ||
	    sent_segment(frame, (size_t)n > sizeof(frame) ? sizeof(frame) : (size_t)n, sport, seq) < 0)
		return -EINVAL;
	*tx_ns = realtime_to_mono(&tss.ts[0]);
	return 0;
}

static int send_arp(int fd, int ifindex, const uint8_t smac[6], const uint8_t dmac[6],
		    const struct np_arp *a)
{
	uint8_t msg[NP_ARP_LEN], frame[64];
	struct np_ether e;
	int n;

	if (np_arp_build(a, msg, sizeof(msg)) < 0)
		return -EINVAL;
	memset(&e, 0, sizeof(e));
	memcpy(e.dst, dmac, 6);
	memcpy(e.src, smac, 6);
	e.ethertype = NP_ETHERTYPE_ARP;
	e.payload = msg;
	e.payload_len = sizeof(msg);
	n = np_ether_build(&e, frame, sizeof(frame));
	if (n < 0)
		return -EINVAL;
	return np_packet_send(fd, ifindex, frame, (size_t)n);
}

int io_send_arp_request(int fd, int ifindex, const uint8_t smac[6], uint32_t spa, uint32_t tpa)
{
	struct np_arp a = { .op = NP_ARP_OP_REQUEST, .spa = spa, .tpa = tpa };

	memcpy(a.sha, smac, 6);
	return send_arp(fd, ifindex, smac, np_ether_broadcast, &a);
}

int io_arp_input(int fd, int ifindex, const uint8_t *frame, size_t len, const uint8_t mymac[6],
		 uint32_t addr, int answer, uint32_t want, uint8_t want_mac[6])
{
	struct np_ether e;
	struct np_arp a, reply;

	if (np_ether_parse(frame, len, &e) < 0 || e.ethertype != NP_ETHERTYPE_ARP ||
	    np_arp_parse(e.payload, e.payload_len, &a) < 0)
		return 0;
	if (want && a.spa == want && a.op == NP_ARP_OP_REPLY && !np_ether_is_zero(a.sha)) {
		memcpy(want_mac, a.sha, 6);
		return 1;
	}
	if (answer && a.op == NP_ARP_OP_REQUEST && a.tpa == addr &&
	    np_arp_reply_from_request(&a, mymac, &reply) == 0)
		return send_arp(fd, ifindex, mymac, a.sha, &reply);
	return 0;
}

/* ---- IPv6 Neighbor Discovery (RFC 4861) --------------------------------- */

/* An ND message from (smac, src) to (dmac, dst), hop limit 255 (RFC 4861 §7.1). */
static int send_ndp(int fd, int ifindex, const uint8_t smac[6], const uint8_t dmac[6],
		    const uint8_t src[NP_IPV6_ADDR_LEN], const uint8_t dst[NP_IPV6_ADDR_LEN],
		    const struct np_ndp *nd)
{
	uint8_t pkt[NP_IPV6_HDR_LEN + 64], frame[NP_ETHER_HDR_LEN + sizeof(pkt)];
	struct np_ipv6 ip;
	struct np_ether e;
	int mlen, len, n;

	mlen = np_ndp_build(nd, src, dst, &pkt[NP_IPV6_HDR_LEN], sizeof(pkt) - NP_IPV6_HDR_LEN);
	if (mlen < 0)
		return -EINVAL;
	memset(&ip, 0, sizeof(ip));
	ip.hop_limit = NP_NDP_HOP_LIMIT;
	ip.upper = NP_IPPROTO_ICMPV6;
	memcpy(ip.src, src, NP_IPV6_ADDR_LEN);
	memcpy(ip.dst, dst, NP_IPV6_ADDR_LEN);
	ip.payload = &pkt[NP_IPV6_HDR_LEN];
	ip.payload_len = (size_t)mlen;
	len = np_ipv6_build(&ip, pkt, sizeof(pkt));
	if (len < 0)
		return -EINVAL;
	memset(&e, 0, sizeof(e));
	memcpy(e.dst, dmac, 6);
	memcpy(e.src, smac, 6);
	e.ethertype = ETH_P_IPV6;
	e.payload = pkt;
	e.payload_len = (size_t)len;
	n = np_ether_build(&e, frame, sizeof(frame));
	if (n < 0)
		return -EINVAL;
	return np_packet_send(fd, ifindex, frame, (size_t)n);
}

int io_send_ndp_solicit(int fd, int ifindex, const uint8_t smac[6], const struct probe_addr *src,
			const struct probe_addr *target)
{
	uint8_t opts[8], group[NP_IPV6_ADDR_LEN];
	const uint8_t dmac[6] = { 0x33, 0x33, 0xff, target->b[13], target->b[14], target->b[15] };
	struct np_writer w;
	struct np_ndp nd;

	np_writer_init(&w, opts, sizeof(opts));
	np_ndp_opt_write_lla(&w, NP_NDP_OPT_SLLA, smac, 6);
	memset(&nd, 0, sizeof(nd));
	nd.type = NP_ICMP6_ND_NEIGHBOR_SOLICIT;
	memcpy(nd.target, target->b, NP_IPV6_ADDR_LEN);
	nd.opts = opts;
	nd.opts_len = np_writer_len(&w);
	np_ipv6_solicited_node(target->b, group);
	return send_ndp(fd, ifindex, smac, dmac, src->b, group, &nd);
}

/* Our solicited advertisement for addr (RFC 4861 §7.2.4) to the soliciting node. */
static int ndp_answer(int fd, int ifindex, const uint8_t mymac[6], const struct probe_addr *addr,
		      const struct np_ipv6 *ip, const struct np_ndp *ns, const uint8_t peer_mac[6])
{
	static const uint8_t all_nodes[NP_IPV6_ADDR_LEN] = { 0xff, 2, 0, 0, 0, 0, 0, 0,
							     0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	const int dad = np_ipv6_addr_is_unspecified(ip->src);
	uint8_t opts[8];
	struct np_writer w;
	struct np_ndp na;

	np_writer_init(&w, opts, sizeof(opts));
	np_ndp_opt_write_lla(&w, NP_NDP_OPT_TLLA, mymac, 6);
	memset(&na, 0, sizeof(na));
	na.type = NP_ICMP6_ND_NEIGHBOR_ADVERT;
	/* To a DAD probe: unsolicited, to all nodes; else solicited, override. */
	na.flags = dad ? NP_NDP_NA_OVERRIDE : NP_NDP_NA_SOLICITED | NP_NDP_NA_OVERRIDE;
	memcpy(na.target, ns->target, NP_IPV6_ADDR_LEN);
	na.opts = opts;
	na.opts_len = np_writer_len(&w);
	return send_ndp(fd, ifindex, mymac, dad ? all_nodes_mac : peer_mac, addr->b,
			dad ? all_nodes : ip->src, &na);
}

int io_ndp_input(int fd, int ifindex, const uint8_t *frame, size_t len, const uint8_t mymac[6],
		 const struct probe_addr *addr, int answer, const struct probe_addr *want,
		 uint8_t want_mac[6])
{
	struct np_ether e;
	struct np_ipv6 ip;
	struct np_icmp6 m;
	struct np_ndp nd;
	struct np_ndp_opt o;

	if (np_ether_parse(frame, len, &e) < 0 || e.ethertype != ETH_P_IPV6 ||
	    np_ipv6_parse(e.payload, e.payload_len, &ip) < 0 || ip.upper != NP_IPPROTO_ICMPV6 ||
	    np_ipv6_is_fragment(&ip) ||
	    np_icmp6_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &m) < 0 ||
	    np_ndp_parse(&m, &nd) < 0 || np_ndp_check_ip(&ip, &nd) < 0)
		return 0;
	if (want && nd.type == NP_ICMP6_ND_NEIGHBOR_ADVERT &&
	    memcmp(nd.target, want->b, NP_IPV6_ADDR_LEN) == 0 &&
	    np_ndp_opt_find(&nd, NP_NDP_OPT_TLLA, &o) == 0 && o.data_len >= 6) {
		memcpy(want_mac, o.data, 6);
		return 1;
	}
	if (answer && nd.type == NP_ICMP6_ND_NEIGHBOR_SOLICIT &&
	    memcmp(nd.target, addr->b, NP_IPV6_ADDR_LEN) == 0)
		return ndp_answer(fd, ifindex, mymac, addr, &ip, &nd, e.src);
	return 0;
}

/* ---- nftables ---------------------------------------------------------- */

#define NFT_PREFIX "np_tcpprobe_"

/* Run nft with script on its standard input; 0, -ENOENT (no nft) or -EIO. */
static int nft_run(const char *script)
{
	FILE *f;
	int status;

	f = popen("nft -f - 2>/dev/null", "w");
	if (!f)
		return -errno;
	fputs(script, f);
	status = pclose(f);
	if (status == -1)
		return -EIO;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO;
	return 0;
}

int io_nft_add(uint16_t lo, uint16_t hi, const struct probe_addr *dst,
	       char name[IO_NFT_TABLE_LEN])
{
	char script[512], addr[NP_IPV6_ADDR_TEXT_LEN];
	int r;

	probe_addr_to_text(dst, addr);
	snprintf(name, IO_NFT_TABLE_LEN, NFT_PREFIX "%ld", (long)getpid());
	/*
	 * Priority raw (-300): before connection tracking, so the kernel's
	 * resets neither leave nor create conntrack entries.  Only what this
	 * host sends itself passes the output hook; our AF_PACKET frames do not.
	 */
	snprintf(script, sizeof(script),
		 "table inet %s {\n"
		 "  comment \"np-tcpprobe pid %ld: keep the kernel from resetting probes\"\n"
		 "  chain output {\n"
		 "    type filter hook output priority raw; policy accept;\n"
		 "    %s daddr %s tcp sport %u-%u drop\n"
		 "  }\n"
		 "}\n",
		 name, (long)getpid(), probe_addr_is_v4(dst) ? "ip" : "ip6", addr, (unsigned)lo,
		 (unsigned)hi);
	r = nft_run(script);
	if (r == -EIO && geteuid() != 0)
		return -EPERM;
	return r;
}

int io_nft_del(const char *name)
{
	char script[128];

	snprintf(script, sizeof(script), "delete table inet %s\n", name);
	return nft_run(script);
}

/* True while pid runs np-tcpprobe (a reused pid running something else is not it). */
static int pid_is_prober(long pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	if (pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH))
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return 1;            /* alive; cannot tell more */
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = 0;
	fclose(f);
	return strncmp(comm, "np-tcpprobe", 11) == 0 || strncmp(comm, "lt-np-tcpprobe", 14) == 0;
}

int io_nft_clean_stale(void)
{
	char line[256];
	FILE *f;
	int cleaned = 0;

	f = popen("nft list tables inet 2>/dev/null", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char name[IO_NFT_TABLE_LEN];
		long pid;

		if (sscanf(line, "table inet " NFT_PREFIX "%ld", &pid) != 1)
			continue;
		if (pid == (long)getpid() || pid_is_prober(pid))
			continue;
		snprintf(name, sizeof(name), NFT_PREFIX "%ld", pid);
		if (io_nft_del(name) == 0)
			cleaned++;
	}
	pclose(f);
	return cleaned;
}
