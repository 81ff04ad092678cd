/* netio.c: AF_PACKET, UDP and TCP sockets, BPF filters, batched I/O. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "martian.h"
#include "netio.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* Keep errno for the caller across close(). */
static int close_keep_errno(int fd, int err)
{
	close(fd);
	return err;
}

static int set_int_opt(int fd, int level, int name, int value)
{
	if (setsockopt(fd, level, name, &value, sizeof(value)) < 0)
		return -errno;
	return 0;
}

/*
 * SO_RCVBUFFORCE/SO_SNDBUFFORCE go past net.core.rmem_max/wmem_max but need
 * CAP_NET_ADMIN; without it the plain option gives what the sysctl allows.
 */
static int set_buf_size(int fd, int force_opt, int opt, int bytes)
{
	if (bytes <= 0)
		return 0;
	if (set_int_opt(fd, SOL_SOCKET, force_opt, bytes) == 0)
		return 0;
	return set_int_opt(fd, SOL_SOCKET, opt, bytes);
}

/* ---- AF_PACKET ------------------------------------------------------- */

int np_packet_attach_filter(int fd, const struct sock_filter *filter, size_t len)
{
	struct sock_fprog prog;

	if (!filter || len == 0 || len > BPF_MAXINSNS)
		return -EINVAL;
	prog.len = (unsigned short)len;
	/* The kernel copies the program; it never writes through this pointer. */
	prog.filter = (struct sock_filter *)(uintptr_t)filter;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

int np_packet_drain(int fd)
{
	uint8_t scratch[1];
	int n = 0;

	/* A datagram read into a short buffer is consumed whole. */
	while (recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		n++;
	return n;
}

static int packet_bind(int fd, int ifindex, uint16_t protocol)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(protocol ? protocol : ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -errno;
	return 0;
}

/* Filter, buffer and direction options, set while the socket is still deaf. */
static int packet_setup(int fd, const struct np_packet_opts *o)
{
	int r;

	if (o->filter) {
		r = np_packet_attach_filter(fd, o->filter, o->filter_len);
		if (r < 0)
			return r;
	}
	r = set_buf_size(fd, SO_RCVBUFFORCE, SO_RCVBUF, o->rcvbuf);
	if (r < 0)
		return r;
	if (o->ignore_outgoing) {
		r = set_int_opt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
		if (r < 0)
			return r;
	}
	return 0;
}

int np_packet_open(const char *ifname, const struct np_packet_opts *opts)
{
	static const struct np_packet_opts defaults;
	const struct np_packet_opts *o = opts ? opts : &defaults;
	unsigned int ifindex;
	int fd, r;

	if (!ifname || !*ifname)
		return -EINVAL;
	ifindex = if_nametoindex(ifname);
	if (ifindex == 0)
		return -ENODEV;
	/*
	 * Protocol 0: the socket is on no receive list until bind() names a
	 * protocol, so nothing reaches it before the filter is in place.
	 */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = packet_setup(fd, o);
	if (r < 0)
		return close_keep_errno(fd, r);
	/* Nothing should be queued; if anything is, it predates the filter. */
	np_packet_drain(fd);
	r = packet_bind(fd, (int)ifindex, o->protocol);
	if (r < 0)
		return close_keep_errno(fd, r);
	return fd;
}

void np_packet_addr(struct sockaddr_ll *sll, int ifindex, uint16_t protocol,
		    const uint8_t dst[6])
{
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(protocol);
	sll->sll_ifindex = ifindex;
	sll->sll_halen = 6;
	memcpy(sll->sll_addr, dst, 6);
}

int np_packet_send(int fd, int ifindex, const void *frame, size_t len)
{
	const uint8_t *f = frame;
	struct sockaddr_ll sll;
	ssize_t n;

	if (len < ETH_HLEN)
		return -EINVAL;
	np_packet_addr(&sll, ifindex, (uint16_t)(f[12] << 8 | f[13]), f);
	do {
		n = sendto(fd, frame, len, MSG_DONTWAIT, (struct sockaddr *)&sll, sizeof(sll));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

/* ---- Ready-made BPF filters ------------------------------------------ */

/*
 * Offsets in an untagged Ethernet frame: EtherType at 12; the ARP header at
 * 14 (RFC 826: htype 14, ptype 16, hlen 18, plen 19, opcode 20); the IPv4
 * header at 14 (RFC 791: version/IHL 14, flags/fragment offset 20,
 * protocol 23, source 26).  Jump offsets count instructions after the
 * jump itself.
 */
#define ACCEPT_ALL 0xffffffffu

const struct sock_filter np_bpf_arp_request[] = {
	/* 0 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),           /* A = EtherType */
	/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_ARP, 0, 8), /* not ARP: drop */
	/* 2 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 14),           /* A = hardware type */
	/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARPHRD_ETHER, 0, 6), /* not Ethernet (1) */
	/* 4 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 16),           /* A = protocol type */
	/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 4), /* not IPv4 (0x0800) */
	/* 6 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 18),           /* A = hlen << 8 | plen */
	/* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0604, 0, 2), /* not 6-byte MAC, 4-byte IP */
	/* 8 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),           /* A = opcode */
	/* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARPOP_REQUEST, 1, 0), /* request (1): accept */
	/* 10 */ BPF_STMT(BPF_RET | BPF_K, 0),                    /* drop */
	/* 11 */ BPF_STMT(BPF_RET | BPF_K, ACCEPT_ALL),           /* accept the whole frame */
};
const size_t np_bpf_arp_request_len = sizeof(np_bpf_arp_request) / sizeof(np_bpf_arp_request[0]);

/*
 * RFC 5227 section 2.1.1: a conflict shows in any ARP packet whose sender
 * is the address being probed, request or reply, so the opcode is not
 * checked.
 */
const struct sock_filter np_bpf_arp_any[] = {
	/* 0 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),           /* A = EtherType */
	/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_ARP, 0, 6), /* not ARP: drop */
	/* 2 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 14),           /* A = hardware type */
	/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARPHRD_ETHER, 0, 4), /* not Ethernet (1) */
	/* 4 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 16),           /* A = protocol type */
	/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 2), /* not IPv4 */
	/* 6 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 18),           /* A = hlen << 8 | plen */
	/* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0604, 1, 0), /* 6 and 4: accept */
	/* 8 */ BPF_STMT(BPF_RET | BPF_K, 0),                     /* drop */
	/* 9 */ BPF_STMT(BPF_RET | BPF_K, ACCEPT_ALL),            /* accept */
};
const size_t np_bpf_arp_any_len = sizeof(np_bpf_arp_any) / sizeof(np_bpf_arp_any[0]);

/*
 * RFC 2131 section 4.1: clients send to UDP port 67.  A fragment is
 * dropped (MF set or a non-zero offset): only the first carries the UDP
 * header and the raw path does not reassemble; a DHCP message fits in
 * one 576-byte datagram anyway.
 */
const struct sock_filter np_bpf_dhcp_server[] = {
	/* 0 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),           /* A = EtherType */
	/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 8), /* not IPv4: drop */
	/* 2 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),           /* A = IP protocol */
	/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 6), /* not UDP: drop */
	/* 4 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),           /* A = flags | fragment offset */
	/* 5 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 4, 0), /* MF or offset: drop */
	/* 6 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),          /* X = 4 * IHL */
	/* 7 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),           /* A = UDP dst port at 14 + X + 2 */
	/* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 67, 0, 1),    /* not port 67: drop */
	/* 9 */ BPF_STMT(BPF_RET | BPF_K, ACCEPT_ALL),            /* accept */
	/* 10 */ BPF_STMT(BPF_RET | BPF_K, 0),                    /* drop */
};
const size_t np_bpf_dhcp_server_len = sizeof(np_bpf_dhcp_server) / sizeof(np_bpf_dhcp_server[0]);

int np_bpf_tcp_probe(struct sock_filter *buf, size_t cap, uint32_t peer, uint16_t port)
{
	/* "ja 0" jumps to the next instruction: the source check when any peer will do. */
	const struct sock_filter nop = BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0);
	const struct sock_filter prog[NP_BPF_TCP_PROBE_LEN] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),           /* A = EtherType */
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 12), /* not IPv4: drop */
		/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 26),           /* A = source address */
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, peer, 0, 10), /* not the peer: drop */
		/* 4 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),           /* A = IP protocol */
		/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMP, 7, 0), /* ICMP: accept */
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 7), /* not TCP: drop */
		/* 7 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),           /* A = flags | fragment offset */
		/* 8 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 5, 0), /* a fragment: drop */
		/* 9 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),          /* X = 4 * IHL */
		/* 10 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),          /* A = TCP dst port at 14 + X + 2 */
		/* 11 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 2), /* not our port: drop */
		/* 12 */ BPF_STMT(BPF_RET | BPF_K, ACCEPT_ALL),           /* accept (TCP) */
		/* 13 */ BPF_STMT(BPF_RET | BPF_K, ACCEPT_ALL),           /* accept (ICMP) */
		/* 14 */ BPF_STMT(BPF_RET | BPF_K, 0),                    /* drop */
	};

	if (cap < NP_BPF_TCP_PROBE_LEN)
		return -ENOSPC;
	memcpy(buf, prog, sizeof(prog));
	if (peer == 0) {
		buf[2] = nop;
		buf[3] = nop;
	}
	return NP_BPF_TCP_PROBE_LEN;
}

/* ---- Interface information ------------------------------------------- */

/* Flags, MTU and hardware address by ioctl on any datagram socket. */
static int ifinfo_link(int fd, struct np_ifinfo *out)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, out->name, sizeof(ifr.ifr_name));
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return errno == ENXIO ? -ENODEV : -errno;
	out->flags = (unsigned short)ifr.ifr_flags;
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		return -errno;
	out->mtu = ifr.ifr_mtu;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return -errno;
	out->hwtype = ifr.ifr_hwaddr.sa_family;
	if (out->hwtype == ARPHRD_ETHER)
		memcpy(out->mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

static void ifinfo_add_addr(struct np_ifinfo *out, const struct ifaddrmsg *ifa, size_t len)
{
	const struct rtattr *rta = IFA_RTA(ifa);
	struct np_ifaddr4 a = { .prefixlen = ifa->ifa_prefixlen };
	int have_local = 0;
	uint32_t v;

	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (RTA_PAYLOAD(rta) < 4)
			continue;
		memcpy(&v, RTA_DATA(rta), 4);
		/* IFA_LOCAL is our side; IFA_ADDRESS is the peer on point-to-point links. */
		if (rta->rta_type == IFA_LOCAL) {
			a.addr = ntohl(v);
			have_local = 1;
		} else if (rta->rta_type == IFA_ADDRESS && !have_local) {
			a.addr = ntohl(v);
		} else if (rta->rta_type == IFA_BROADCAST) {
			a.broadcast = ntohl(v);
		}
	}
	if (out->naddr < NP_IFINFO_MAX_ADDRS)
		out->addr[out->naddr++] = a;
}

/*
 * Handle one recv() worth of an RTM_GETADDR dump: 1 when the dump is done,
 * 0 for more, -errno on an error message.
 */
static int ifinfo_dump_part(const void *buf, size_t len, uint32_t seq, struct np_ifinfo *out)
{
	const struct nlmsghdr *nh = buf;

	for (; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
		const struct ifaddrmsg *ifa = NLMSG_DATA(nh);

		if (nh->nlmsg_seq != seq)
			continue;
		if (nh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			return e->error ? e->error : 1;
		}
		if (nh->nlmsg_type != RTM_NEWADDR || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
			continue;
		if (ifa->ifa_family == AF_INET && (int)ifa->ifa_index == out->ifindex)
			ifinfo_add_addr(out, ifa, nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa)));
	}
	return 0;
}

/* The kernel lists an interface's primary addresses before its secondaries. */
static int ifinfo_addrs(struct np_ifinfo *out)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
	} req;
	union {
		struct nlmsghdr align;
		uint8_t buf[32768];
	} resp;
	uint32_t seq = 1;
	int fd, r = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = seq;
	req.ifa.ifa_family = AF_INET;
	if (send(fd, &req, sizeof(req), 0) < 0)
		return close_keep_errno(fd, -errno);
	while (r == 0) {
		ssize_t n = recv(fd, resp.buf, sizeof(resp.buf), MSG_TRUNC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else if ((size_t)n > sizeof(resp.buf))
			r = -EMSGSIZE;
		else
			r = ifinfo_dump_part(resp.buf, (size_t)n, seq, out);
	}
	close(fd);
	return r < 0 ? r : 0;
}

int np_ifinfo_get(const char *ifname, struct np_ifinfo *out)
{
	struct np_ifinfo info;
	int fd, r;

	if (!ifname || !*ifname || strlen(ifname) >= IF_NAMESIZE)
		return -ENODEV;
	memset(&info, 0, sizeof(info));
	memcpy(info.name, ifname, strlen(ifname));
	info.ifindex = (int)if_nametoindex(ifname);
	if (info.ifindex == 0)
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = ifinfo_link(fd, &info);
	close(fd);
	if (r < 0)
		return r;
	r = ifinfo_addrs(&info);
	if (r < 0)
		return r;
	*out = info;
	return 0;
}

/* ---- The host's addresses ---------------------------------------------- */

static uint32_t sockaddr_v4(const struct sockaddr *sa)
{
	struct sockaddr_in sin;

	if (!sa || sa->sa_family != AF_INET)
		return 0;
	memcpy(&sin, sa, sizeof(sin));
	return ntohl(sin.sin_addr.s_addr);
}

int np_local4_read(struct np_local4 *out)
{
	struct ifaddrs *ifa, *p;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	np_local4_clear(out);
	for (p = ifa; p; p = p->ifa_next) {
		uint32_t m;
		uint8_t prefix = 0;

		if (!p->ifa_addr || p->ifa_addr->sa_family != AF_INET)
			continue;
		m = sockaddr_v4(p->ifa_netmask);
		while (prefix < 32 && (m & (0x80000000u >> prefix)))
			prefix++;
		np_local4_add(out, sockaddr_v4(p->ifa_addr), prefix,
			      (p->ifa_flags & IFF_BROADCAST) ? sockaddr_v4(p->ifa_broadaddr) : 0);
	}
	freeifaddrs(ifa);
	return 0;
}

int np_addr_watch_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_IPV4_IFADDR };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return close_keep_errno(fd, -errno);
	return fd;
}

int np_addr_watch_drain(int fd)
{
	union {
		struct nlmsghdr align;
		uint8_t buf[8192];
	} m;
	int changed = 0;

	for (unsigned i = 0; i < 64; i++) {
		ssize_t n = recv(fd, m.buf, sizeof(m.buf), 0);
		const struct nlmsghdr *nh = &m.align;
		size_t len = n > 0 ? (size_t)n : 0;

		if (n < 0 && errno == ENOBUFS) {
			changed = 1;
			continue;
		}
		if (n <= 0)
			break;
		for (; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len))
			if (nh->nlmsg_type == RTM_NEWADDR || nh->nlmsg_type == RTM_DELADDR)
				changed = 1;
	}
	return changed;
}

int np_addr6_watch_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_IPV6_IFADDR };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return close_keep_errno(fd, -errno);
	return fd;
}

static void ifaddr6_read(const struct ifaddrmsg *ifa, size_t len, struct np_ifaddr6 *a)
{
	const struct rtattr *rta = IFA_RTA(ifa);

	memset(a, 0, sizeof(*a));
	a->prefixlen = ifa->ifa_prefixlen;
	a->scope = ifa->ifa_scope;
	a->flags = ifa->ifa_flags;
	a->valid_lifetime = a->preferred_lifetime = 0xffffffffu;
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFA_ADDRESS && RTA_PAYLOAD(rta) >= 16) {
			memcpy(a->addr, RTA_DATA(rta), 16);
		} else if (rta->rta_type == IFA_FLAGS && RTA_PAYLOAD(rta) >= 4) {
			memcpy(&a->flags, RTA_DATA(rta), 4);   /* the 32-bit flags */
		} else if (rta->rta_type == IFA_CACHEINFO &&
			   RTA_PAYLOAD(rta) >= sizeof(struct ifa_cacheinfo)) {
			struct ifa_cacheinfo ci;

			memcpy(&ci, RTA_DATA(rta), sizeof(ci));
			a->valid_lifetime = ci.ifa_valid;
			a->preferred_lifetime = ci.ifa_prefered;
		}
	}
}

/* One recv() of an AF_INET6 RTM_GETADDR dump: 1 when done, 0 for more, -errno. */
static int ifaddr6_dump_part(const void *buf, size_t len, uint32_t seq, int ifindex,
			     struct np_ifaddr6 *out, size_t cap, size_t *n)
{
	const struct nlmsghdr *nh = buf;

	for (; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
		const struct ifaddrmsg *ifa = NLMSG_DATA(nh);

		if (nh->nlmsg_seq != seq)
			continue;
		if (nh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			return e->error ? e->error : 1;
		}
		if (nh->nlmsg_type != RTM_NEWADDR || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
			continue;
		if (ifa->ifa_family == AF_INET6 && (int)ifa->ifa_index == ifindex && *n < cap)
			ifaddr6_read(ifa, nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa)), &out[(*n)++]);
	}
	return 0;
}

int np_ifaddr6_list(int ifindex, struct np_ifaddr6 *out, size_t cap)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
	} req;
	union {
		struct nlmsghdr align;
		uint8_t buf[32768];
	} resp;
	uint32_t seq = 1;
	size_t n = 0;
	int fd, r = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = seq;
	req.ifa.ifa_family = AF_INET6;
	req.ifa.ifa_index = (unsigned)ifindex;
	if (send(fd, &req, sizeof(req), 0) < 0)
		return close_keep_errno(fd, -errno);
	while (r == 0) {
		ssize_t got = recv(fd, resp.buf, sizeof(resp.buf), MSG_TRUNC);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			r = -errno;
		else if ((size_t)got > sizeof(resp.buf))
			r = -EMSGSIZE;
		else
			r = ifaddr6_dump_part(resp.buf, (size_t)got, seq, ifindex, out, cap, &n);
	}
	close(fd);
	return r < 0 ? r : (int)n;
}

/* ---- UDP and TCP ------------------------------------------------------ */

static int inet_options(int fd, const struct np_sock_opts *o)
{
	int r = set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1);

	if (r == 0 && o->reuseport)
		r = set_int_opt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	if (r == 0 && o->freebind)
		r = set_int_opt(fd, IPPROTO_IP, IP_FREEBIND, 1);
	if (r == 0 && o->ifname && *o->ifname &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->ifname, (socklen_t)strlen(o->ifname)) < 0)
		r = -errno;
	if (r == 0)
		r = set_buf_size(fd, SO_RCVBUFFORCE, SO_RCVBUF, o->rcvbuf);
	if (r == 0)
		r = set_buf_size(fd, SO_SNDBUFFORCE, SO_SNDBUF, o->sndbuf);
	return r;
}

static int inet_bind(int fd, const struct np_sock_opts *o)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(o->addr);
	sin.sin_port = htons(o->port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -errno;
	return 0;
}

int np_udp_open(const struct np_sock_opts *o)
{
	int fd, r;

	if (!o)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = inet_options(fd, o);
	if (r == 0)
		r = set_int_opt(fd, IPPROTO_IP, IP_PKTINFO, 1);
	if (r == 0 && o->broadcast)
		r = set_int_opt(fd, SOL_SOCKET, SO_BROADCAST, 1);
	if (r == 0)
		r = inet_bind(fd, o);
	if (r < 0)
		return close_keep_errno(fd, r);
	return fd;
}

int np_tcp_listen(const struct np_sock_opts *o)
{
	int fd, r;

	if (!o)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = inet_options(fd, o);
	if (r == 0)
		r = inet_bind(fd, o);
	if (r == 0 && listen(fd, o->backlog > 0 ? o->backlog : SOMAXCONN) < 0)
		r = -errno;
	if (r < 0)
		return close_keep_errno(fd, r);
	return fd;
}

int np_sock_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		return -errno;
	if (sin.sin_family != AF_INET)
		return -EAFNOSUPPORT;
	return ntohs(sin.sin_port);
}

/* ---- Batches ---------------------------------------------------------- */

int np_batch_init(struct np_batch *b, unsigned int cap, size_t bufsize)
{
	struct np_batch nb;

	if (cap == 0 || bufsize == 0 || cap > NP_BATCH_MAX)
		return -EINVAL;
	memset(&nb, 0, sizeof(nb));
	nb.cap = cap;
	nb.bufsize = bufsize;
	nb.data = calloc(cap, bufsize);
	nb.msgs = calloc(cap, sizeof(*nb.msgs));
	nb.iov = calloc(cap, sizeof(*nb.iov));
	nb.addr = calloc(cap, sizeof(*nb.addr));
	nb.cmsg = calloc(cap, sizeof(*nb.cmsg));
	if (!nb.data || !nb.msgs || !nb.iov || !nb.addr || !nb.cmsg) {
		np_batch_free(&nb);
		return -ENOMEM;
	}
	*b = nb;
	return 0;
}

void np_batch_free(struct np_batch *b)
{
	if (!b)
		return;
	free(b->data);
	free(b->msgs);
	free(b->iov);
	free(b->addr);
	free(b->cmsg);
	memset(b, 0, sizeof(*b));
}

void np_batch_clear(struct np_batch *b)
{
	b->count = 0;
	b->done = 0;
	b->send_errors = 0;
	b->last_error = 0;
}

uint8_t *np_batch_buf(const struct np_batch *b, unsigned int i)
{
	return i < b->cap ? b->data + (size_t)i * b->bufsize : NULL;
}

size_t np_batch_len(const struct np_batch *b, unsigned int i)
{
	if (i >= b->count)
		return 0;
	return b->msgs[i].msg_len < b->bufsize ? b->msgs[i].msg_len : b->bufsize;
}

int np_batch_truncated(const struct np_batch *b, unsigned int i)
{
	return i < b->count && (b->msgs[i].msg_hdr.msg_flags & MSG_TRUNC);
}

const struct sockaddr *np_batch_addr(const struct np_batch *b, unsigned int i, socklen_t *len)
{
	if (len)
		*len = i < b->count ? b->msgs[i].msg_hdr.msg_namelen : 0;
	if (i >= b->count)
		return NULL;
	return (const struct sockaddr *)&b->addr[i];
}

int np_batch_pktinfo(const struct np_batch *b, unsigned int i, struct np_pktinfo *out)
{
	const struct msghdr *mh;
	struct cmsghdr *c;

	if (i >= b->count)
		return -ENOENT;
	mh = &b->msgs[i].msg_hdr;
	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		struct in_pktinfo pi;

		if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_PKTINFO ||
		    c->cmsg_len < CMSG_LEN(sizeof(pi)))
			continue;
		memcpy(&pi, CMSG_DATA(c), sizeof(pi));
		out->ifindex = pi.ipi_ifindex;
		out->local = ntohl(pi.ipi_spec_dst.s_addr);
		out->dst = ntohl(pi.ipi_addr.s_addr);
		return 0;
	}
	return -ENOENT;
}

/* Point message i's header at its own buffer, address and control space. */
static void batch_prepare(struct np_batch *b, unsigned int i, size_t len)
{
	struct msghdr *mh = &b->msgs[i].msg_hdr;

	b->iov[i].iov_base = np_batch_buf(b, i);
	b->iov[i].iov_len = len;
	memset(mh, 0, sizeof(*mh));
	mh->msg_iov = &b->iov[i];
	mh->msg_iovlen = 1;
	mh->msg_name = &b->addr[i];
	mh->msg_namelen = sizeof(b->addr[i]);
	mh->msg_control = b->cmsg[i].buf;
	mh->msg_controllen = sizeof(b->cmsg[i].buf);
	b->msgs[i].msg_len = 0;
}

/* Add an IP_PKTINFO message choosing the source address and interface. */
static void batch_set_src(struct np_batch *b, unsigned int i, const struct np_pktinfo *src)
{
	struct msghdr *mh = &b->msgs[i].msg_hdr;
	struct in_pktinfo pi;
	struct cmsghdr *c;

	if (!src) {
		mh->msg_control = NULL;
		mh->msg_controllen = 0;
		return;
	}
	memset(&pi, 0, sizeof(pi));
	pi.ipi_ifindex = src->ifindex;
	pi.ipi_spec_dst.s_addr = htonl(src->local);
	mh->msg_controllen = CMSG_SPACE(sizeof(pi));
	memset(b->cmsg[i].buf, 0, mh->msg_controllen);
	c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
}

int np_batch_add(struct np_batch *b, size_t len, const void *addr, socklen_t addrlen,
		 const struct np_pktinfo *src)
{
	unsigned int i = b->count;

	if (i >= b->cap)
		return -ENOBUFS;
	if (len > b->bufsize || addrlen > sizeof(b->addr[i]) || (addrlen && !addr))
		return -EINVAL;
	batch_prepare(b, i, len);
	if (addrlen)
		memcpy(&b->addr[i], addr, addrlen);
	else
		b->msgs[i].msg_hdr.msg_name = NULL;
	b->msgs[i].msg_hdr.msg_namelen = addrlen;
	batch_set_src(b, i, src);
	b->count++;
	return (int)i;
}

unsigned int np_batch_pending(const struct np_batch *b)
{
	return b->count - b->done;
}

int np_batch_recv(int fd, struct np_batch *b)
{
	unsigned int i;
	int n;

	np_batch_clear(b);
	for (i = 0; i < b->cap; i++)
		batch_prepare(b, i, b->bufsize);
	do {
		n = recvmmsg(fd, b->msgs, b->cap, MSG_DONTWAIT, NULL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
	b->count = (unsigned int)n;
	return n;
}

/* Errors that mean "the socket is full, try when it is writable". */
static int send_would_block(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS;
}

int np_batch_send(int fd, struct np_batch *b)
{
	int total = 0;

	while (b->done < b->count) {
		int n = sendmmsg(fd, b->msgs + b->done, b->count - b->done, MSG_DONTWAIT);

		if (n > 0) {
			b->done += (unsigned int)n;
			total += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && send_would_block(errno))
			break;
		/* The first pending message failed by itself: drop it, go on. */
		b->last_error = n < 0 ? -errno : -EIO;
		b->send_errors++;
		b->done++;
	}
	return total;
}
