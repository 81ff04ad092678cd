/*
 * io6.c: np-dhcpd's DHCPv6 socket and its group commit (see io6.h).
 */
#include "config.h"

#include "clock.h"
#include "io6.h"

#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/event.h>

#include <netproto/error.h>
#include <netproto/ipv6.h>

#include "../common/log.h"
#include "../common/netio.h"

#define RX6_BUDGET 1024             /* datagrams read before a commit */
#define PEND6_MAX 256               /* REPLYs covered by one fdatasync at most */
#define RX6_MAX 4096                /* larger than any message a client sends (§7.6: no fragments assumed) */

/* A REPLY waiting for its records to be durable. */
struct pending6 {
	uint64_t seq;
	struct engine6_out out;
};

struct dhcpd_io6 {
	struct event_base *base;
	struct dhcpd_conf *conf;
	struct engine6 *eng;
	struct leasedb *db;
	dhcpd_io_fail_fn fail;
	void *fail_arg;
	int fd;
	struct event *ev;
	int *links;                     /* per subnet6: the ifindex it is bound to, 0: none */
	struct pending6 *pend;
	size_t npend;
	struct dhcpd_io6_stats st;
	dhcpd_io6_change_fn change_fn;
	void *change_arg;
};

static void tell_changes(struct dhcpd_io6 *io, const struct engine6_out *o)
{
	if (io->change_fn != NULL)
		for (size_t i = 0; i < o->nchanges; i++)
			io->change_fn(io->change_arg, &o->changes[i]);
}

void dhcpd_io6_set_change_hook(struct dhcpd_io6 *io, dhcpd_io6_change_fn fn, void *arg)
{
	io->change_fn = fn;
	io->change_arg = arg;
}

/* ---- sending ------------------------------------------------------------------- */

/*
 * To the client's link-local address on the interface it came from
 * (RFC 8415 §18.3: to the source of the message, port 546), or to the
 * relay's address, port 547 (§19.3).  The outgoing interface is set, so
 * a link-local destination is reachable and the source is our address
 * on that link.
 */
static void send_reply(struct dhcpd_io6 *io, const struct engine6_out *o)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(o->dst_port) };
	struct iovec iov = { .iov_base = (void *)o->buf, .iov_len = o->len };
	struct msghdr msg = { .msg_name = &sin6, .msg_namelen = sizeof(sin6), .msg_iov = &iov,
			      .msg_iovlen = 1 };
	struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned)o->ifindex };
	struct cmsghdr *c;

	memcpy(&sin6.sin6_addr, o->dst, 16);
	if (IN6_IS_ADDR_LINKLOCAL(&sin6.sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&sin6.sin6_addr))
		sin6.sin6_scope_id = (uint32_t)o->ifindex;
	if (o->ifindex > 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	if (sendmsg(io->fd, &msg, MSG_DONTWAIT) < 0) {
		int err = -errno;

		io->st.send_errors++;
		NP_LOG_RATELIMIT(NP_LOG_WARNING, "cannot send a DHCPv6 reply: %s", np_strerror(err));
		return;
	}
	io->st.sent++;
}

/* ---- group commit -------------------------------------------------------------------- */

/* One fdatasync for the pending records, then the REPLYs they cover (RFC 8415 §18.3.2's binding first). */
static void commit_and_flush(struct dhcpd_io6 *io)
{
	uint64_t durable = 0;
	int err = 0;

	if (leasedb_pending(io->db) > 0 || io->npend > 0)
		err = leasedb_commit(io->db, &durable);
	if (err < 0) {
		io->st.commit_failures++;
		io->st.replies_withheld += io->npend;
		io->npend = 0;
		if (io->fail != NULL)
			io->fail(io->fail_arg, err);
		return;
	}
	for (size_t i = 0; i < io->npend; i++)
		if (io->pend[i].seq <= durable) {
			send_reply(io, &io->pend[i].out);
			tell_changes(io, &io->pend[i].out);
		}
	io->npend = 0;
}

/* What the engine said: journal the changes, reply now or once they are durable. */
static void engine_done(struct dhcpd_io6 *io, struct engine6_out *o)
{
	int64_t seq = 0;

	if (o->alloc_fail > 0)
		NP_LOG_RATELIMIT(NP_LOG_WARNING,
				 "subnet6 %d: no free address or prefix in its pools for a client",
				 o->alloc_fail);
	for (size_t i = 0; i < o->nchanges; i++) {
		seq = leasedb_append_lease6(io->db, &o->changes[i].lease);
		if (seq < 0)
			break;
	}
	if (!o->wait_commit) {
		tell_changes(io, o);
		if (o->len > 0)
			send_reply(io, o);
		return;
	}
	if (o->len == 0)
		return;
	if (seq < 0) {
		io->st.replies_withheld++;
		NP_LOG_RATELIMIT(NP_LOG_ERR, "lease journal refuses records: REPLY withheld");
		return;
	}
	io->pend[io->npend++].seq = (uint64_t)seq;
}

/* ---- receiving ------------------------------------------------------------------------ */

static bool served_link(const struct dhcpd_io6 *io, int ifindex)
{
	for (size_t i = 0; i < io->conf->engine6.nsubnets; i++)
		if (io->links[i] == ifindex)
			return true;
	return false;
}

/* One datagram with where it was sent (IPV6_PKTINFO); length, or -1 when none is left. */
static ssize_t recv_one(int fd, uint8_t *buf, size_t cap, struct sockaddr_in6 *from,
			struct in6_pktinfo *pi, bool *truncated)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = { .msg_name = from, .msg_namelen = sizeof(*from), .msg_iov = &iov,
			      .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

	if (n < 0)
		return -1;
	memset(pi, 0, sizeof(*pi));
	*truncated = (msg.msg_flags & MSG_TRUNC) != 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
			memcpy(pi, CMSG_DATA(c), sizeof(*pi));
	return n;
}

static struct engine6_out *next_out(struct dhcpd_io6 *io)
{
	if (io->npend >= PEND6_MAX)
		commit_and_flush(io);
	return &io->pend[io->npend].out;
}

static void on_udp6(evutil_socket_t fd, short what, void *arg)
{
	struct dhcpd_io6 *io = arg;
	uint8_t buf[RX6_MAX];

	(void)what;
	/* Drain what is queued (bounded) before the one fdatasync. */
	for (int k = 0; k < RX6_BUDGET; k++) {
		struct sockaddr_in6 from;
		struct in6_pktinfo pi;
		struct engine6_rx rx = { 0 };
		struct engine6_out *o;
		bool truncated;
		ssize_t n = recv_one(fd, buf, sizeof(buf), &from, &pi, &truncated);

		if (n < 0)
			break;
		if (truncated) {
			io->st.rx_oversized++;
			continue;
		}
		if (from.sin6_family != AF_INET6 || pi.ipi6_ifindex == 0)
			continue;
		/* Multicast from links we were not configured for never arrives (not joined);
		 * unicast from one is served only when relayed (a subnet found by link-address). */
		rx.ifindex = (int)pi.ipi6_ifindex;
		rx.multicast = IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr);
		memcpy(rx.src, &from.sin6_addr, 16);
		rx.src_port = ntohs(from.sin6_port);
		if (rx.multicast && !served_link(io, rx.ifindex)) {
			io->st.rx_not_for_us++;
			continue;
		}
		o = next_out(io);
		if (engine6_handle(io->eng, buf, (size_t)n, &rx, np_wall_s(), o) < 0)
			continue;      /* malformed: counted by the engine */
		engine_done(io, o);
	}
	commit_and_flush(io);
}

/* ---- setup ------------------------------------------------------------------------------ */

/* Which link each subnet6 is on: named in the config, or holding an address in it. */
static void bind_subnets(struct dhcpd_io6 *io)
{
	const struct engine6_config *cfg = &io->conf->engine6;
	struct ifaddrs *ifa = NULL;

	if (getifaddrs(&ifa) < 0)
		ifa = NULL;
	for (size_t s = 0; s < cfg->nsubnets; s++) {
		const char *name = io->conf->subnet6_ifname[s];
		int ifindex = name[0] ? (int)if_nametoindex(name) : 0;

		for (struct ifaddrs *a = ifa; a != NULL && !name[0] && ifindex == 0; a = a->ifa_next)
			if (a->ifa_addr != NULL && a->ifa_addr->sa_family == AF_INET6 &&
			    lease6_prefix_has(cfg->subnets[s].addr, cfg->subnets[s].prefix_len,
					      ((const struct sockaddr_in6 *)(const void *)a->ifa_addr)
						      ->sin6_addr.s6_addr))
				ifindex = (int)if_nametoindex(a->ifa_name);
		if (name[0] && ifindex == 0)
			np_log_warning("subnets6: interface %s does not exist: its clients are served only through relays",
				       name);
		io->links[s] = ifindex;
		engine6_bind_link(io->eng, s, ifindex);
	}
	if (ifa != NULL)
		freeifaddrs(ifa);
}

/* RFC 8415 §7.1: All_DHCP_Relay_Agents_and_Servers on each served link. */
static int join_groups(struct dhcpd_io6 *io)
{
	for (size_t s = 0; s < io->conf->engine6.nsubnets; s++) {
		struct ipv6_mreq mr = { .ipv6mr_interface = (unsigned)io->links[s] };
		char name[IF_NAMESIZE] = "?";
		bool seen = false;

		for (size_t k = 0; k < s; k++)
			seen |= io->links[k] == io->links[s];
		if (io->links[s] == 0 || seen)
			continue;
		inet_pton(AF_INET6, "ff02::1:2", &mr.ipv6mr_multiaddr);
		if (setsockopt(io->fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)) < 0) {
			int err = -errno;

			if_indextoname((unsigned)io->links[s], name);
			np_log_err("interface %s: cannot join ff02::1:2: %s", name, np_strerror(err));
			return err;
		}
	}
	return 0;
}

static int open_socket(void)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT,
				     .sin6_port = htons(NP_DHCP6_SERVER_PORT) };
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	int rcvbuf = 4 << 20;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0 ||
	    /* Our own multicast sends are not ours to answer. */
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &(int){ 0 }, sizeof(int)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

int dhcpd_io6_first_mac(const struct dhcpd_conf *conf, uint8_t mac[6])
{
	static const uint8_t zero[6];

	for (size_t s = 0; s < conf->engine6.nsubnets; s++) {
		struct np_ifinfo info;

		if (conf->subnet6_ifname[s][0] == '\0' ||
		    np_ifinfo_get(conf->subnet6_ifname[s], &info) < 0 ||
		    memcmp(info.mac, zero, 6) == 0)
			continue;
		memcpy(mac, info.mac, 6);
		return 0;
	}
	for (size_t i = 0; i < conf->ninterfaces; i++) {
		struct np_ifinfo info;

		if (np_ifinfo_get(conf->interfaces[i], &info) == 0 && memcmp(info.mac, zero, 6) != 0) {
			memcpy(mac, info.mac, 6);
			return 0;
		}
	}
	return -ENODEV;
}

int dhcpd_io6_start(struct event_base *base, struct dhcpd_conf *conf, struct engine6 *eng,
		    struct leasedb *db, dhcpd_io_fail_fn fail, void *arg, struct dhcpd_io6 **out)
{
	struct dhcpd_io6 *io = calloc(1, sizeof(*io));
	int err = 0;

	if (io == NULL)
		return -ENOMEM;
	io->base = base;
	io->conf = conf;
	io->eng = eng;
	io->db = db;
	io->fail = fail;
	io->fail_arg = arg;
	io->links = calloc(conf->engine6.nsubnets + 1, sizeof(*io->links));
	io->pend = calloc(PEND6_MAX, sizeof(*io->pend));
	io->fd = open_socket();
	if (io->links == NULL || io->pend == NULL)
		err = -ENOMEM;
	else if (io->fd < 0) {
		err = io->fd;
		np_log_err("cannot bind UDP port %u (IPv6): %s", NP_DHCP6_SERVER_PORT,
			   np_strerror(err));
	}
	if (err == 0) {
		bind_subnets(io);
		err = join_groups(io);
	}
	if (err == 0) {
		io->ev = event_new(base, io->fd, EV_READ | EV_PERSIST, on_udp6, io);
		if (io->ev == NULL || event_add(io->ev, NULL) < 0)
			err = -ENOMEM;
	}
	if (err != 0) {
		dhcpd_io6_free(io);
		return err;
	}
	*out = io;
	return 0;
}

void dhcpd_io6_rebind(struct dhcpd_io6 *io, struct dhcpd_conf *conf, struct engine6 *eng)
{
	io->conf = conf;
	io->eng = eng;
	bind_subnets(io);
}

void dhcpd_io6_free(struct dhcpd_io6 *io)
{
	if (io == NULL)
		return;
	if (io->ev != NULL)
		event_free(io->ev);
	if (io->fd >= 0)
		close(io->fd);
	free(io->links);
	free(io->pend);
	free(io);
}

void dhcpd_io6_get_stats(const struct dhcpd_io6 *io, struct dhcpd_io6_stats *st)
{
	*st = io->st;
}
