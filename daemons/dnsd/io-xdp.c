/*
 * io-xdp.c: with `xdp_interface`, np-dnsd's UDP queries to the listen
 * addresses that arrive on that interface, read and answered through an
 * AF_XDP socket (daemons/common/xsk.h), past the kernel's IP and UDP
 * layers; answers that must wait for an upstream, or find no free frame,
 * leave through the listener's kernel socket, bound to the same address.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <netproto/error.h>

#include "io.h"
#include "log.h"
#include "martian.h"
#include "xsk.h"

/* The UDP listener a datagram taken by the XDP program was addressed to. */
static struct dnsd_listener *xsk_listener(struct dnsd *io, const struct np_xsk_dgram *d)
{
	for (unsigned i = 0; i < io->nls; i++) {
		struct dnsd_listener *l = &io->ls[i];

		if (!l->tcp && l->port == d->port_dst && (l->addr == d->ip_dst || l->addr == 0))
			return l;
	}
	return NULL;
}

/* The client's address as l's socket writes it (v4-mapped on a dual-stack one). */
static socklen_t xsk_peer(const struct dnsd_listener *l, const struct np_xsk_dgram *d,
			  struct sockaddr_storage *ss)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(d->port_src) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(d->port_src),
				  .sin_addr.s_addr = htonl(d->ip_src) };

	if (!l->inet6) {
		memcpy(ss, &s4, sizeof(s4));
		return sizeof(s4);
	}
	s6.sin6_addr.s6_addr[10] = s6.sin6_addr.s6_addr[11] = 0xff;
	np_store_be32(&s6.sin6_addr.s6_addr[12], d->ip_src);
	memcpy(ss, &s6, sizeof(s6));
	return sizeof(s6);
}

static void xsk_one(struct dnsd *io, const struct np_xsk_dgram *d, uint64_t now)
{
	struct dnsd_listener *l = xsk_listener(io, d);
	struct sockaddr_storage peer;
	socklen_t plen;
	struct np_pktinfo src = { .local = d->ip_dst };
	const struct np_pktinfo *from;
	uint8_t *out = np_batch_buf(&io->tx, 0);
	size_t outlen = 0;

	if (!l) {
		/* The program takes only listened pairs; a listener gone is a bug. */
		io->eng.stats.dropped_malformed++;
		return;
	}
	plen = xsk_peer(l, d, &peer);
	from = l->addr == 0 ? &src : NULL;
	if (!dnsd_udp_query(io, l, (const struct sockaddr *)&peer, plen, from, d->payload, d->len,
			    now, out, &outlen))
		return;
	if (np_xsk_send(io->xsk, d, out, outlen) == 0) {
		io->stats.udp_sent++;
		return;
	}
	io->stats.xdp_fallback++;
	dnsd_udp_send_one(io, l, &peer, plen, from, out, outlen);
}

/*
 * Send what is queued.  Answers the kernel could not take yet (a busy
 * driver) are tried again by a timer: no query may be needed to push
 * them out.
 */
static void xsk_flush(struct dnsd *io)
{
	struct timeval retry = { 0, 10 * 1000 };
	int r = np_xsk_flush(io->xsk);

	if (r < 0)
		NP_LOG_RATELIMIT(NP_LOG_WARNING, "xdp %s: sending: %s", io->conf->xdp_interface,
				 strerror(-r));
	if (np_xsk_tx_pending(io->xsk) && !evtimer_pending(io->xsk_retry, NULL))
		evtimer_add(io->xsk_retry, &retry);
}

static void on_xsk_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	xsk_flush(arg);
}

static void on_xsk(evutil_socket_t fd, short what, void *arg)
{
	struct dnsd *io = arg;

	(void)fd;
	(void)what;
	for (int round = 0; round < 8; round++) {
		unsigned n = np_xsk_recv(io->xsk, io->xrx, RX_BATCH);
		uint64_t now = dnsd_now_ms();

		if (n == 0)
			return;
		io->stats.udp_batches++;
		for (unsigned i = 0; i < n; i++)
			xsk_one(io, &io->xrx[i], now);
		np_xsk_recv_done(io->xsk, io->xrx, n);
		xsk_flush(io);
		/*
		 * Look again even after a short batch: the ring is memory, so a
		 * look costs no system call, and queries that came in meanwhile
		 * are served without a trip through epoll_wait().
		 */
	}
}

/*
 * The ring's martian check needs the host's addresses and its subnets'
 * broadcast addresses as they are now: read at start, and again whenever
 * rtnetlink says an IPv4 address was added or removed.
 */
static void xsk_read_local(struct dnsd *io)
{
	struct np_local4 *l = malloc(sizeof(*l));
	int r;

	if (!l || (r = np_local4_read(l)) < 0) {
		NP_LOG_RATELIMIT(NP_LOG_WARNING, "xdp %s: cannot read the host's addresses: %s",
				 io->conf->xdp_interface, l ? strerror(-r) : "out of memory");
		free(l);
		return;
	}
	if (l->truncated)
		NP_LOG_RATELIMIT(NP_LOG_WARNING, "xdp %s: more than %d addresses: answers to the "
				 "others' are not refused", io->conf->xdp_interface, NP_LOCAL4_MAX);
	np_xsk_set_local(io->xsk, l);
	io->xdp_local_addrs = l->naddr;
	io->stats.xdp_addr_updates++;
	free(l);
}

static void on_addr_change(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	if (np_addr_watch_drain(fd))
		xsk_read_local(arg);
}

static int xsk_watch_addrs(struct dnsd *io)
{
	io->addr_fd = np_addr_watch_open();
	if (io->addr_fd < 0) {
		np_log_err("xdp_interface %s: cannot watch address changes: %s",
			   io->conf->xdp_interface, strerror(-io->addr_fd));
		return -1;
	}
	io->addr_ev = event_new(dnsd_base(io), io->addr_fd, EV_READ | EV_PERSIST, on_addr_change,
				io);
	if (!io->addr_ev || event_add(io->addr_ev, NULL) < 0) {
		np_log_err("xdp_interface %s: cannot watch address changes", io->conf->xdp_interface);
		return -1;
	}
	/* After the socket is open: a change from now on is not missed. */
	xsk_read_local(io);
	return 0;
}

/* What to do about a failed np_xsk_open(), where the error alone is cryptic. */
static const char *xsk_hint(const char *stage, int err)
{
	if (err == -EBUSY && strcmp(stage, "attach") == 0)
		return " (the interface already has an XDP program)";
	if (err == -ENOBUFS && strcmp(stage, "umem") == 0)
		return " (16 MiB of locked memory: needs CAP_IPC_LOCK or LimitMEMLOCK=)";
	if (err == -EPERM)
		return " (needs CAP_BPF, CAP_NET_ADMIN and CAP_NET_RAW)";
	return "";
}

/*
 * Take the UDP listeners' (address, port) pairs on xdp_interface.  Runs
 * before privileges are dropped: the program and the socket need
 * CAP_BPF/CAP_NET_ADMIN and CAP_NET_RAW once, not afterwards.
 */
int dnsd_xdp_start(struct dnsd *io, const struct dnsd_conf *conf)
{
	struct np_xsk_match m[NP_XSK_MAX_MATCH];
	struct np_xsk_opts o = { .ifname = conf->xdp_interface, .queue = 0, .match = m };
	const char *stage = "";
	unsigned left_out = 0;
	struct np_ifinfo ifi;
	int r;

	if ((r = np_ifinfo_get(conf->xdp_interface, &ifi)) < 0) {
		np_log_err("xdp_interface %s: %s", conf->xdp_interface, strerror(-r));
		return -1;
	}
	for (unsigned i = 0; i < io->nls; i++) {
		const struct dnsd_listener *l = &io->ls[i];

		if (l->tcp || l->port == 0)
			continue;
		/*
		 * The interface's own addresses only, a wildcard listener's
		 * included: on a router, queries passing through to other
		 * servers must still be forwarded, not answered here.
		 */
		for (unsigned a = 0; a < ifi.naddr; a++) {
			if (l->addr != 0 && l->addr != ifi.addr[a].addr)
				continue;
			if (o.nmatch < NP_XSK_MAX_MATCH)
				m[o.nmatch++] = (struct np_xsk_match){ ifi.addr[a].addr, l->port };
			else
				left_out++;
		}
	}
	if (left_out)
		np_log_warning("xdp_interface %s: %u listen address and port pairs beyond %d "
			       "use the kernel socket", conf->xdp_interface, left_out,
			       NP_XSK_MAX_MATCH);
	if (o.nmatch == 0) {
		np_log_err("xdp_interface %s: no IPv4 listen address is on it", conf->xdp_interface);
		return -1;
	}
	io->xrx = calloc(RX_BATCH, sizeof(*io->xrx));
	if (!io->xrx) {
		np_log_err("out of memory");
		return -1;
	}
	r = np_xsk_open(&o, &io->xsk, &stage);
	if (r < 0) {
		np_log_err("xdp_interface %s: %s: %s%s", conf->xdp_interface, stage, strerror(-r),
			   xsk_hint(stage, r));
		return -1;
	}
	if (xsk_watch_addrs(io) < 0)
		return -1;
	io->xsk_ev = event_new(dnsd_base(io), np_xsk_fd(io->xsk), EV_READ | EV_PERSIST, on_xsk, io);
	io->xsk_retry = evtimer_new(dnsd_base(io), on_xsk_retry, io);
	if (!io->xsk_ev || !io->xsk_retry || event_add(io->xsk_ev, NULL) < 0) {
		np_log_err("xdp_interface %s: cannot watch the socket", conf->xdp_interface);
		return -1;
	}
	np_log_info("xdp_interface %s: UDP queries to %u listen addresses through AF_XDP "
		    "(queue 0, %s mode)", conf->xdp_interface, o.nmatch,
		    np_xsk_zerocopy(io->xsk) ? "zero-copy" : "copy");
	return 0;
}

void dnsd_xdp_stop(struct dnsd *io)
{
	if (io->xsk_ev)
		event_free(io->xsk_ev);
	if (io->xsk_retry)
		event_free(io->xsk_retry);
	io->xsk_ev = io->xsk_retry = NULL;
	if (io->addr_ev)
		event_free(io->addr_ev);
	io->addr_ev = NULL;
	if (io->addr_fd > 0)
		close(io->addr_fd);
	io->addr_fd = -1;
	np_xsk_close(io->xsk);         /* detaches the XDP program */
	io->xsk = NULL;
	free(io->xrx);
	io->xrx = NULL;
}
