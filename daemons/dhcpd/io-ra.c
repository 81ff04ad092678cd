/*
 * io-ra.c: router advertisements on the wire (see io-ra.h).
 */
#include "config.h"

#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/rtnetlink.h>
#include <net/if.h>

#include <event2/event.h>

#include <netproto/error.h>

#include "../common/log.h"
#include "../common/netio.h"
#include "io-ra.h"

#define MAX_ADDRS 64
#define NO_SOURCE_RETRY_MS 1000   /* no usable link-local address yet (DAD) */

struct ra_link {
	struct dhcpd_ra *ra;
	struct ra_iface ri;
	int ifindex;
	uint8_t mac[6];
	bool has_mac;
	uint8_t src[16];          /* the link-local address RAs leave from */
	bool has_src;
	struct event *timer;
};

struct dhcpd_ra {
	struct event_base *base;
	int fd;
	struct event *rx;
	int watch_fd;
	struct event *watch;
	struct ra_link *links;
	size_t n;
	uint64_t send_errors;
	uint64_t no_link_local;   /* RAs due while the interface had no usable link-local */
	uint64_t rs_other;        /* solicitations on an interface that does not advertise */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t random32(void)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)now_ms() * 2654435761u;   /* jitter only; never fails in practice */
	return r;
}

/*
 * Read the interface's addresses: its link-local source (one that has
 * passed DAD, RFC 4861 §6.2.2 sends from a link-local address) and, for
 * "auto" prefixes, its global ones.
 */
static void refresh_addresses(struct ra_link *l)
{
	struct np_ifaddr6 a[MAX_ADDRS];
	struct ra_ifaddr g[MAX_ADDRS];
	struct np_ifinfo info;
	size_t ng = 0;
	int n = np_ifaddr6_list(l->ifindex, a, MAX_ADDRS);

	if (np_ifinfo_get(l->ri.conf->ifname, &info) == 0 && info.hwtype == 1 /* ARPHRD_ETHER */) {
		memcpy(l->mac, info.mac, 6);
		l->has_mac = true;
	}
	if (n < 0)
		return;
	l->has_src = false;
	for (int i = 0; i < n; i++) {
		if (a[i].flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
			continue;
		if (a[i].scope == RT_SCOPE_LINK && a[i].addr[0] == 0xfe && !l->has_src) {
			memcpy(l->src, a[i].addr, 16);
			l->has_src = true;
		} else if (a[i].scope == RT_SCOPE_UNIVERSE) {
			memcpy(g[ng].addr, a[i].addr, 16);
			g[ng].len = a[i].prefixlen;
			g[ng].valid_lifetime = a[i].valid_lifetime;
			g[ng].preferred_lifetime = a[i].preferred_lifetime;
			ng++;
		}
	}
	if (ra_set_addresses(&l->ri, g, ng, now_ms()))
		np_log_info("router advertisements on %s: %zu prefixes from the interface's addresses",
			    l->ri.conf->ifname, l->ri.nlearned);
}

static int send_ra(struct ra_link *l, const uint8_t *dst, bool final)
{
	uint8_t buf[RA_MSG_MAX];
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)l->ifindex };
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} control;
	struct in6_pktinfo pi;
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *cm;
	int len = ra_build(&l->ri, final, l->src, dst, l->has_mac ? l->mac : NULL, buf, sizeof(buf));

	if (len < 0) {
		np_log_err("router advertisement on %s: %s", l->ri.conf->ifname, np_strerror(len));
		return len;
	}
	memcpy(&to.sin6_addr, dst, 16);
	iov.iov_base = buf;
	iov.iov_len = (size_t)len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &to;
	mh.msg_namelen = sizeof(to);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	memset(&control, 0, sizeof(control));
	mh.msg_control = control.buf;
	mh.msg_controllen = sizeof(control.buf);
	/* The source: the interface and its link-local address (RFC 4861 §4.2). */
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memset(&pi, 0, sizeof(pi));
	memcpy(&pi.ipi6_addr, l->src, 16);
	pi.ipi6_ifindex = (unsigned)l->ifindex;
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	if (sendmsg(l->ra->fd, &mh, 0) < 0) {
		l->ra->send_errors++;
		np_log_debug("router advertisement on %s: %s", l->ri.conf->ifname, strerror(errno));
		return -errno;
	}
	return 0;
}

static void arm(struct ra_link *l, int64_t now)
{
	int64_t due = ra_next_due(&l->ri), wait;
	struct timeval tv;

	if (due == INT64_MAX) {
		event_del(l->timer);
		return;
	}
	wait = due > now ? due - now : 0;
	if (!l->has_src && wait < NO_SOURCE_RETRY_MS)
		wait = NO_SOURCE_RETRY_MS;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	event_add(l->timer, &tv);
}

/* Send whatever is due, then sleep until the next thing is. */
static void run(struct ra_link *l)
{
	int64_t now = now_ms();
	struct ra_send s;

	if (!l->has_src)
		refresh_addresses(l);
	if (!l->has_src) {
		if (ra_next_due(&l->ri) <= now)
			l->ra->no_link_local++;
		arm(l, now);
		return;
	}
	while (ra_poll(&l->ri, now, random32(), &s) == 1)
		(void)send_ra(l, s.dst, false);
	arm(l, now);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	run(arg);
}

static struct ra_link *link_of(struct dhcpd_ra *ra, int ifindex)
{
	for (size_t i = 0; i < ra->n; i++)
		if (ra->links[i].ifindex == ifindex)
			return &ra->links[i];
	return NULL;
}

/* One RS: its interface, destination and hop limit from the ancillary data. */
static void receive_one(struct dhcpd_ra *ra)
{
	uint8_t buf[1500];
	struct sockaddr_in6 from;
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf) };
	struct in6_pktinfo pi;
	int hops = -1, have_pi = 0;
	struct ra_link *l;
	ssize_t n = recvmsg(ra->fd, &mh, MSG_DONTWAIT);

	if (n < 0)
		return;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != IPPROTO_IPV6)
			continue;
		if (cm->cmsg_type == IPV6_PKTINFO && cm->cmsg_len >= CMSG_LEN(sizeof(pi))) {
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			have_pi = 1;
		} else if (cm->cmsg_type == IPV6_HOPLIMIT && cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&hops, CMSG_DATA(cm), sizeof(int));
		}
	}
	if (!have_pi || hops < 0 || (l = link_of(ra, (int)pi.ipi6_ifindex)) == NULL) {
		ra->rs_other++;
		return;
	}
	if ((size_t)n > sizeof(buf))
		n = sizeof(buf);
	if (ra_handle_rs(&l->ri, buf, (size_t)n, from.sin6_addr.s6_addr, pi.ipi6_addr.s6_addr,
			 (uint8_t)hops, now_ms(), random32()) == RA_RS_OK)
		run(l);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	/* A bounded batch: a flood of solicitations cannot hold the loop. */
	for (int i = 0; i < 64; i++) {
		int avail = 0;

		receive_one(arg);
		if (recv(((struct dhcpd_ra *)arg)->fd, &avail, sizeof(avail), MSG_PEEK | MSG_DONTWAIT) < 0)
			break;
	}
}

static void on_address_change(evutil_socket_t fd, short what, void *arg)
{
	struct dhcpd_ra *ra = arg;

	(void)what;
	if (!np_addr_watch_drain(fd))
		return;
	for (size_t i = 0; i < ra->n; i++) {
		refresh_addresses(&ra->links[i]);
		run(&ra->links[i]);
	}
}

static int set_opt(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v)) < 0 ? -errno : 0;
}

/*
 * The raw ICMPv6 socket: Router Solicitations only (ICMP6_FILTER), hop
 * limit 255 out (RFC 4861 §6.1.2 makes hosts drop anything else) and
 * reported in, the arrival interface and destination reported, our own
 * multicasts not looped back to this host's kernel.
 */
static int open_socket(void)
{
	struct icmp6_filter filter;
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6);
	int err = 0;

	if (fd < 0)
		return -errno;
	ICMP6_FILTER_SETBLOCKALL(&filter);
	ICMP6_FILTER_SETPASS(ND_ROUTER_SOLICIT, &filter);
	if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter)) < 0)
		err = -errno;
	if (err == 0)
		err = set_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255);
	if (err == 0)
		err = set_opt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255);
	if (err == 0)
		err = set_opt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
	if (err == 0)
		err = set_opt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	if (err == 0)
		err = set_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
	if (err < 0) {
		close(fd);
		return err;
	}
	return fd;
}

/* Solicitations go to all-routers, ff02::2 (RFC 4861 §6.3.7). */
static int join_all_routers(int fd, int ifindex)
{
	struct ipv6_mreq mr = { .ipv6mr_interface = (unsigned)ifindex };

	mr.ipv6mr_multiaddr.s6_addr[0] = 0xff;
	mr.ipv6mr_multiaddr.s6_addr[1] = 0x02;
	mr.ipv6mr_multiaddr.s6_addr[15] = 0x02;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)) < 0 && errno != EADDRINUSE)
		return -errno;
	return 0;
}

static int start_link(struct dhcpd_ra *ra, struct ra_link *l, const struct ra_config *c)
{
	int err;

	l->ra = ra;
	l->ifindex = (int)if_nametoindex(c->ifname);
	if (l->ifindex == 0) {
		np_log_err("router advertisements: interface %s: %s", c->ifname, strerror(errno));
		return -ENODEV;
	}
	if ((err = join_all_routers(ra->fd, l->ifindex)) < 0) {
		np_log_err("router advertisements: %s: joining ff02::2: %s", c->ifname,
			   strerror(-err));
		return err;
	}
	ra_iface_init(&l->ri, c, now_ms());
	l->timer = event_new(ra->base, -1, 0, on_timer, l);
	if (l->timer == NULL)
		return -ENOMEM;
	refresh_addresses(l);
	run(l);
	return 0;
}

int dhcpd_ra_start(struct event_base *base, const struct ra_config *confs, size_t n,
		   struct dhcpd_ra **out)
{
	struct dhcpd_ra *ra;
	int err = 0;

	*out = NULL;
	if (n == 0)
		return 0;
	ra = calloc(1, sizeof(*ra));
	if (ra == NULL || (ra->links = calloc(n, sizeof(*ra->links))) == NULL) {
		free(ra);
		return -ENOMEM;
	}
	ra->base = base;
	ra->watch_fd = -1;
	ra->fd = open_socket();
	if (ra->fd < 0) {
		np_log_err("router advertisements: ICMPv6 socket: %s", strerror(-ra->fd));
		err = ra->fd;
		goto fail;
	}
	ra->rx = event_new(base, ra->fd, EV_READ | EV_PERSIST, on_readable, ra);
	ra->watch_fd = np_addr6_watch_open();
	if (ra->watch_fd >= 0)
		ra->watch = event_new(base, ra->watch_fd, EV_READ | EV_PERSIST, on_address_change, ra);
	if (ra->rx == NULL || event_add(ra->rx, NULL) < 0 ||
	    (ra->watch != NULL && event_add(ra->watch, NULL) < 0)) {
		err = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		ra->n = i + 1;
		if ((err = start_link(ra, &ra->links[i], &confs[i])) < 0)
			goto fail;
	}
	np_log_info("router advertisements on %zu interfaces", n);
	*out = ra;
	return 0;
fail:
	/* The links started so far are closed without a final RA: none was advertised long. */
	for (size_t i = 0; i < ra->n; i++)
		ra_stop(&ra->links[i].ri);
	dhcpd_ra_stop(ra);
	return err;
}

int dhcpd_ra_reconfigure(struct dhcpd_ra *ra, const struct ra_config *confs, size_t n,
			 char *why, size_t cap)
{
	size_t have = ra != NULL ? ra->n : 0;

	if (have != n) {
		snprintf(why, cap, "router_advertisements interfaces take effect on restart only");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(ra->links[i].ri.conf->ifname, confs[i].ifname) != 0) {
			snprintf(why, cap, "router_advertisements interfaces take effect on restart only");
			return -1;
		}
	for (size_t i = 0; i < n; i++) {
		ra_iface_reconfigure(&ra->links[i].ri, &confs[i], now_ms());
		refresh_addresses(&ra->links[i]);
		run(&ra->links[i]);
	}
	return 0;
}

void dhcpd_ra_stop(struct dhcpd_ra *ra)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };

	if (ra == NULL)
		return;
	for (size_t i = 0; i < ra->n; i++) {
		struct ra_link *l = &ra->links[i];

		/* §6.2.5: hosts drop this router from their default router lists now. */
		if (!l->ri.stopped && l->has_src)
			(void)send_ra(l, all_nodes, true);
		ra_stop(&l->ri);
		if (l->timer != NULL)
			event_free(l->timer);
	}
	if (ra->rx != NULL)
		event_free(ra->rx);
	if (ra->watch != NULL)
		event_free(ra->watch);
	if (ra->watch_fd >= 0)
		close(ra->watch_fd);
	if (ra->fd >= 0)
		close(ra->fd);
	free(ra->links);
	free(ra);
}

void dhcpd_ra_stats(const struct dhcpd_ra *ra,
		    void (*put)(void *arg, const char *name, uint64_t v), void *arg)
{
	struct ra_stats t;
	char name[64];

	memset(&t, 0, sizeof(t));
	for (size_t i = 0; ra != NULL && i < ra->n; i++) {
		const struct ra_stats *s = &ra->links[i].ri.stats;

		t.ra_sent += s->ra_sent;
		t.ra_solicited += s->ra_solicited;
		t.rs_received += s->rs_received;
		for (int k = 1; k < RA_RS_DROP_MAX; k++)
			t.rs_invalid[k] += s->rs_invalid[k];
	}
	put(arg, "ra-sent", t.ra_sent);
	put(arg, "ra-solicited-sent", t.ra_solicited);
	put(arg, "ra-send-errors", ra != NULL ? ra->send_errors : 0);
	put(arg, "ra-no-link-local", ra != NULL ? ra->no_link_local : 0);
	put(arg, "rs-received", t.rs_received);
	put(arg, "rs-other-interface", ra != NULL ? ra->rs_other : 0);
	for (int k = 1; k < RA_RS_DROP_MAX; k++) {
		snprintf(name, sizeof(name), "rs-invalid-%s", ra_rs_drop_name((enum ra_rs_drop)k));
		put(arg, name, t.rs_invalid[k]);
	}
}
