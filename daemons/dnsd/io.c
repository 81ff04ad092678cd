/*
 * io.c: np-dnsd's sockets on the libevent loop (see io.h).  Everything
 * here moves bytes; the decisions are query.c's and resolver.c's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <netproto/error.h>

#include "ctl.h"
#include "daemon.h"
#include "io.h"
#include "localzone.h"
#include "log.h"
#include "martian.h"
#include "notify.h"
#include "xsk.h"

#define UDP_BUF 4096                   /* edns_buffer_size is at most 4096 */
#define RX_BATCH 64
#define UPSTREAM_READS 8               /* datagrams read per upstream wake-up */
#define TCP_OUT_MAX (256 * 1024)       /* answers queued for one TCP client */

struct dnsd_tcpconn {
	struct np_conn lim;            /* in io->tcp */
	struct dnsd_io *io;
	struct bufferevent *bev;
	struct event *timer;           /* at conn_deadline() */
	uint32_t addr;
	uint16_t port;
	unsigned pending;              /* queries waiting for an upstream */
	bool closed, eof;
	bool held;                     /* not read while answers pile up */
	uint64_t idle_since_ms;        /* accepted, or the last query or answer */
	uint64_t query_since_ms;       /* first octet of a query still incomplete; 0: none */
	uint64_t write_since_ms;       /* answers queued since; 0: all written */
};

/* The I/O state of one upstream try (q->io). */
struct upio {
	struct dnsd_io *io;
	struct dnsd_upq *q;
	int fd;
	struct event *rd, *timer;
	struct bufferevent *bev;
};

uint64_t dnsd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct event_base *base_of(struct dnsd_io *io)
{
	return np_daemon_base(io->d);
}

/*
 * IPv4 of a peer: AF_INET, or v4-mapped AF_INET6 (socket-activated dual
 * stack); 0 for other IPv6 peers.  *port: the peer's port (0 for other
 * families).
 */
static uint32_t peer_v4(const struct sockaddr *sa, uint16_t *port)
{
	/* Copies: a struct sockaddr may be less aligned than the family's. */
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in s;

		memcpy(&s, sa, sizeof(s));
		*port = ntohs(s.sin_port);
		return ntohl(s.sin_addr.s_addr);
	}
	if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 s;

		memcpy(&s, sa, sizeof(s));
		*port = ntohs(s.sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s.sin6_addr))
			return np_load_be32(&s.sin6_addr.s6_addr[12]);
		if (IN6_IS_ADDR_LOOPBACK(&s.sin6_addr))
			return 0x7f000001;
		return 0;              /* native IPv6: no IPv4 address, a port all the same */
	}
	*port = 0;
	return 0;
}

static uint32_t io_random(void *arg)
{
	struct dnsd_io *io = arg;

	if (io->rnd_left == 0) {
		if (getrandom(io->rnd, sizeof(io->rnd), 0) != (ssize_t)sizeof(io->rnd)) {
			/* Never expected; a weak fallback beats stopping. */
			for (unsigned i = 0; i < 64; i++)
				io->rnd[i] ^= (uint32_t)dnsd_now_ms() * 2654435761u + i;
		}
		io->rnd_left = 64;
	}
	return io->rnd[--io->rnd_left];
}

/* ---- Waiting clients ------------------------------------------------ */

static void slots_init(struct dnsd_io *io)
{
	for (uint32_t i = 0; i < DNSD_SLOTS; i++)
		io->slots[i].next_free = i + 1 < DNSD_SLOTS ? i + 2 : 0;
	io->free_head = 1;
}

/* A free slot's token (0 when none is free). */
static uint64_t slot_alloc(struct dnsd_io *io, struct dnsd_slot **out)
{
	uint32_t i;

	if (io->free_head == 0) {
		io->stats.overload++;
		return 0;
	}
	i = io->free_head - 1;
	io->free_head = io->slots[i].next_free;
	if (++io->slot_gen == 0)
		io->slot_gen = 1;
	io->slots[i].gen = io->slot_gen;
	io->slots[i].conn = NULL;
	io->slots[i].has_src = false;
	*out = &io->slots[i];
	return (uint64_t)io->slot_gen << 32 | i;
}

static struct dnsd_slot *slot_get(struct dnsd_io *io, uint64_t token)
{
	uint32_t i = (uint32_t)token, gen = (uint32_t)(token >> 32);

	if (gen == 0 || i >= DNSD_SLOTS || io->slots[i].gen != gen)
		return NULL;
	return &io->slots[i];
}

static void slot_free(struct dnsd_io *io, uint64_t token)
{
	struct dnsd_slot *s = slot_get(io, token);

	if (!s)
		return;
	s->gen = 0;
	s->next_free = io->free_head;
	io->free_head = (uint32_t)token + 1;
}

/* ---- TCP clients (RFC 7766) ------------------------------------------- */

/*
 * Every connection has a deadline that trickling cannot push back:
 *   - a query must be complete tcp_query_timeout after its first octet
 *     arrived, however the rest of it comes;
 *   - with nothing outstanding, the connection is closed tcp_idle_timeout
 *     after the last complete query or answer (RFC 7766 §6.2.3), never
 *     counted from a partial read;
 *   - queued answers must all be written within tcp_idle_timeout: a client
 *     that reads a few octets at a time cannot hold the connection either.
 * While queries wait for an upstream and nothing is half read or unwritten,
 * the resolver's own deadline bounds the wait.
 */
enum conn_end { END_NONE, END_IDLE, END_QUERY, END_WRITE };

static struct dnsd_tcpconn *conn_of(struct np_conn *l)
{
	return (struct dnsd_tcpconn *)(void *)((char *)l - offsetof(struct dnsd_tcpconn, lim));
}

/* When c must be closed, and why; 0 when no deadline runs. */
static uint64_t conn_deadline(const struct dnsd_tcpconn *c, enum conn_end *why)
{
	const struct dnsd_conf *cf = c->io->conf;
	uint64_t at = 0;

	*why = END_NONE;
	if (c->write_since_ms) {
		at = c->write_since_ms + cf->tcp_idle_timeout_ms;
		*why = END_WRITE;
	}
	if (c->query_since_ms && (!at || c->query_since_ms + cf->tcp_query_timeout_ms < at)) {
		at = c->query_since_ms + cf->tcp_query_timeout_ms;
		*why = END_QUERY;
	}
	if (!at && c->pending == 0) {
		at = c->idle_since_ms + cf->tcp_idle_timeout_ms;
		*why = END_IDLE;
	}
	return at;
}

/* After any change of c's state: its timer, and whether it may be evicted. */
static void conn_arm(struct dnsd_tcpconn *c)
{
	enum conn_end why;
	uint64_t at = conn_deadline(c, &why), now = dnsd_now_ms(), wait;
	struct timeval tv;

	if (c->closed)
		return;
	/* Only a connection that owes no answer may be closed to make room. */
	c->lim.busy = c->pending > 0 || c->write_since_ms != 0;
	if (!at) {
		evtimer_del(c->timer);
		return;
	}
	wait = at > now ? at - now : 0;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	evtimer_add(c->timer, &tv);
}

static void conn_free_if_done(struct dnsd_tcpconn *c)
{
	if (c->closed && c->pending == 0)
		free(c);
}

static void conn_close(struct dnsd_tcpconn *c)
{
	if (c->closed)
		return;
	bufferevent_free(c->bev);
	c->bev = NULL;
	event_free(c->timer);
	c->timer = NULL;
	c->closed = true;
	np_conn_remove(&c->io->tcp, &c->lim);
	conn_free_if_done(c);
}

/* After the client's EOF: close once every answer is written.  true: closed. */
static bool conn_close_when_done(struct dnsd_tcpconn *c)
{
	if (c->eof && c->pending == 0 &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		conn_close(c);
		return true;
	}
	return false;
}

static void on_conn_timer(evutil_socket_t fd, short what, void *arg)
{
	struct dnsd_tcpconn *c = arg;
	enum conn_end why;
	uint64_t at = conn_deadline(c, &why);

	(void)fd;
	(void)what;
	if (!at || dnsd_now_ms() < at) {
		conn_arm(c);
		return;
	}
	if (why == END_IDLE)
		c->io->stats.tcp_idle_closed++;
	else if (why == END_QUERY)
		c->io->stats.tcp_query_timeout++;
	else
		c->io->stats.tcp_write_timeout++;
	conn_close(c);
}

static void conn_write(struct dnsd_tcpconn *c, const uint8_t *msg, size_t len)
{
	uint8_t pfx[2];

	if (!c->write_since_ms)
		c->write_since_ms = dnsd_now_ms();
	np_store_be16(pfx, (uint16_t)len);
	bufferevent_write(c->bev, pfx, 2);
	bufferevent_write(c->bev, msg, len);
}

static void conn_handle(struct dnsd_tcpconn *c, const uint8_t *msg, size_t len)
{
	struct dnsd_io *io = c->io;
	struct dnsd_slot *s = NULL;
	struct dnsd_client cl = { .addr = c->addr, .port = c->port, .tcp = true };
	size_t outlen = 0;
	enum dnsd_verdict v;

	cl.token = slot_alloc(io, &s);
	if (s)
		s->conn = c;
	c->pending++;                  /* the answer may come before the call returns */
	v = dnsd_engine_query(&io->eng, msg, len, &cl, dnsd_now_ms(), io->tcpout,
			      NP_DNS_MSG_MAX, &outlen);
	if (v == DNSD_PENDING && cl.token)
		return;
	c->pending--;
	slot_free(io, cl.token);
	if (v == DNSD_ANSWER)
		conn_write(c, io->tcpout, outlen);
}

static void on_conn_read(struct bufferevent *bev, void *arg)
{
	struct dnsd_tcpconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t pfx[2];
	size_t len;

	while (!c->closed && evbuffer_get_length(in) >= 2) {
		/* A client that does not read its answers stops being read. */
		if (evbuffer_get_length(bufferevent_get_output(bev)) > TCP_OUT_MAX) {
			bufferevent_disable(bev, EV_READ);
			c->held = true;
			break;
		}
		evbuffer_copyout(in, pfx, 2);
		len = np_load_be16(pfx);
		if (len < NP_DNS_HDR_LEN) {
			/* Not a DNS message: the stream cannot be resynchronised. */
			c->io->stats.tcp_bad_length++;
			c->io->eng.stats.dropped_malformed++;
			conn_close(c);
			return;
		}
		if (evbuffer_get_length(in) < 2 + len)
			break;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, c->io->tcpin, len);
		c->query_since_ms = 0;
		c->idle_since_ms = dnsd_now_ms();
		np_conn_touch(&c->io->tcp, &c->lim);
		conn_handle(c, c->io->tcpin, len);
	}
	if (c->closed)
		return;
	/* The next query's clock starts at its first octet; held input waits on us. */
	if (evbuffer_get_length(in) == 0 || c->held)
		c->query_since_ms = 0;
	else if (!c->query_since_ms)
		c->query_since_ms = dnsd_now_ms();
	conn_arm(c);
}

/* Every queued answer is written. */
static void on_conn_write(struct bufferevent *bev, void *arg)
{
	struct dnsd_tcpconn *c = arg;

	c->write_since_ms = 0;
	c->idle_since_ms = dnsd_now_ms();
	if (!c->eof) {
		c->held = false;
		bufferevent_enable(bev, EV_READ);
		on_conn_read(bev, c);          /* what waited while we held back */
		return;
	}
	if (!conn_close_when_done(c))
		conn_arm(c);
}

static void on_conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct dnsd_tcpconn *c = arg;

	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		c->eof = true;
		c->query_since_ms = 0;         /* what is half read will not be completed */
		bufferevent_disable(bev, EV_READ);
		if (!conn_close_when_done(c))
			conn_arm(c);
		return;
	}
	conn_close(c);
}

/*
 * Who a connection counts against for tcp_per_client: its IPv4 address
 * (also v4-mapped), or the /64 of a native IPv6 one (one host's share).
 */
static uint64_t client_key(const struct sockaddr *sa, uint32_t v4)
{
	struct sockaddr_in6 s6;

	if (v4 || sa->sa_family != AF_INET6)
		return 0xffffffff00000000ull | v4;
	memcpy(&s6, sa, sizeof(s6));
	return (uint64_t)np_load_be32(&s6.sin6_addr.s6_addr[0]) << 32 |
	       np_load_be32(&s6.sin6_addr.s6_addr[4]);
}

/*
 * RFC 7766 §6.2.3: under load, close idle connections, the least recently
 * active first, rather than turn the newcomer away.  A client at its
 * tcp_per_client share makes room among its own connections only.
 */
static bool conn_make_room(struct dnsd_io *io, uint64_t client)
{
	unsigned rounds = io->tcp.count + 1;
	struct np_conn *victim;

	while (rounds--) {
		switch (np_conn_admit(&io->tcp, client, &victim)) {
		case NP_CONN_ADMIT:
			return true;
		case NP_CONN_REFUSE:
			return false;
		case NP_CONN_EVICT:
			io->stats.tcp_evicted++;
			conn_close(conn_of(victim));
			break;
		}
	}
	return false;
}

static void on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct dnsd_listener *l = arg;
	struct dnsd_io *io = l->io;

	(void)what;
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct dnsd_tcpconn *c = NULL;
		uint16_t port;
		uint32_t addr;
		uint64_t client;

		if (cfd < 0)
			return;
		addr = peer_v4((struct sockaddr *)&ss, &port);
		client = client_key((struct sockaddr *)&ss, addr);
		if (!conn_make_room(io, client) || !(c = calloc(1, sizeof(*c)))) {
			io->stats.tcp_refused_limit++;
			close(cfd);
			continue;
		}
		c->io = io;
		c->addr = addr;
		c->port = port;
		c->bev = bufferevent_socket_new(base_of(io), cfd, BEV_OPT_CLOSE_ON_FREE);
		c->timer = evtimer_new(base_of(io), on_conn_timer, c);
		if (!c->bev || !c->timer) {
			if (c->bev)
				bufferevent_free(c->bev);
			else
				close(cfd);
			if (c->timer)
				event_free(c->timer);
			free(c);
			continue;
		}
		io->stats.tcp_accepted++;
		np_conn_add(&io->tcp, &c->lim, client);
		c->idle_since_ms = dnsd_now_ms();
		bufferevent_setcb(c->bev, on_conn_read, on_conn_write, on_conn_event, c);
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
		conn_arm(c);
	}
}

/* ---- UDP clients -------------------------------------------------------- */

/*
 * Ask the engine about one UDP query.  The client gets a slot first: if the
 * answer must wait for an upstream, it leaves later from listener l to
 * peer (from src when l is a wildcard socket).  true: an answer of *outlen
 * octets is in out, to send now.
 */
static bool udp_query(struct dnsd_io *io, struct dnsd_listener *l, const struct sockaddr *peer,
		      socklen_t plen, const struct np_pktinfo *src, const uint8_t *msg, size_t len,
		      uint64_t now, uint8_t *out, size_t *outlen)
{
	struct dnsd_client cl = { .tcp = false };
	struct dnsd_slot *s = NULL;
	enum dnsd_verdict v;

	cl.addr = peer_v4(peer, &cl.port);
	cl.token = slot_alloc(io, &s);
	if (s) {
		s->l = l;
		memcpy(&s->peer, peer, plen);
		s->peerlen = plen;
		s->has_src = src != NULL;
		if (src)
			s->src = *src;
	}
	v = dnsd_engine_query(&io->eng, msg, len, &cl, now, out, io->tx.bufsize, outlen);
	if (v == DNSD_PENDING && cl.token)
		return false;
	slot_free(io, cl.token);
	return v == DNSD_ANSWER;
}

static void udp_one(struct dnsd_io *io, struct dnsd_listener *l, unsigned i, uint64_t now)
{
	socklen_t plen = 0;
	const struct sockaddr *peer = np_batch_addr(&io->rx, i, &plen);
	struct np_pktinfo pi;
	struct np_pktinfo src = { 0 };
	bool has_src = false;
	size_t outlen = 0;

	if (np_batch_truncated(&io->rx, i)) {
		io->stats.udp_truncated++;
		io->eng.stats.dropped_malformed++;
		return;
	}
	if (np_batch_pktinfo(&io->rx, i, &pi) == 0) {
		src.local = pi.local;
		has_src = true;
	}
	if (udp_query(io, l, peer, plen, has_src ? &src : NULL, np_batch_buf(&io->rx, i),
		      np_batch_len(&io->rx, i), now, np_batch_buf(&io->tx, io->tx.count), &outlen) &&
	    np_batch_add(&io->tx, outlen, peer, plen, has_src ? &src : NULL) < 0)
		io->stats.udp_send_errors++;
}

/* One datagram now, through listener l's kernel socket. */
static void udp_send_one(struct dnsd_io *io, struct dnsd_listener *l, const void *peer,
			 socklen_t plen, const struct np_pktinfo *src, const uint8_t *msg, size_t len)
{
	np_batch_clear(&io->late);
	if (len <= io->late.bufsize) {
		memcpy(np_batch_buf(&io->late, 0), msg, len);
		if (np_batch_add(&io->late, len, peer, plen, src) >= 0 &&
		    np_batch_send(l->fd, &io->late) == 1) {
			io->stats.udp_sent++;
			return;
		}
	}
	io->stats.udp_send_errors++;
}

static void udp_flush(struct dnsd_io *io, int fd)
{
	int n;

	if (io->tx.count == 0)
		return;
	n = np_batch_send(fd, &io->tx);
	if (n > 0)
		io->stats.udp_sent += (uint64_t)n;
	io->stats.udp_send_errors += io->tx.send_errors + np_batch_pending(&io->tx);
	np_batch_clear(&io->tx);
}

static void on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct dnsd_listener *l = arg;
	struct dnsd_io *io = l->io;

	(void)what;
	for (int round = 0; round < 8; round++) {
		int n = np_batch_recv(fd, &io->rx);
		uint64_t now = dnsd_now_ms();

		if (n <= 0)
			return;
		io->stats.udp_batches++;
		np_batch_clear(&io->tx);
		for (unsigned i = 0; i < (unsigned)n; i++)
			udp_one(io, l, i, now);
		udp_flush(io, fd);
		if ((unsigned)n < io->rx.cap)
			return;
	}
}

/* ---- UDP clients through AF_XDP ---------------------------------------- */

/* The UDP listener a datagram taken by the XDP program was addressed to. */
static struct dnsd_listener *xsk_listener(struct dnsd_io *io, const struct np_xsk_dgram *d)
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

static void xsk_one(struct dnsd_io *io, const struct np_xsk_dgram *d, uint64_t now)
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
	if (!udp_query(io, l, (const struct sockaddr *)&peer, plen, from, d->payload, d->len, now,
		       out, &outlen))
		return;
	if (np_xsk_send(io->xsk, d, out, outlen) == 0) {
		io->stats.udp_sent++;
		return;
	}
	io->stats.xdp_fallback++;
	udp_send_one(io, l, &peer, plen, from, out, outlen);
}

/*
 * Send what is queued.  Answers the kernel could not take yet (a busy
 * driver) are tried again by a timer: no query may be needed to push
 * them out.
 */
static void xsk_flush(struct dnsd_io *io)
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
	struct dnsd_io *io = arg;

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
static void xsk_read_local(struct dnsd_io *io)
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

static int xsk_watch_addrs(struct dnsd_io *io)
{
	io->addr_fd = np_addr_watch_open();
	if (io->addr_fd < 0) {
		np_log_err("xdp_interface %s: cannot watch address changes: %s",
			   io->conf->xdp_interface, strerror(-io->addr_fd));
		return -1;
	}
	io->addr_ev = event_new(base_of(io), io->addr_fd, EV_READ | EV_PERSIST, on_addr_change, io);
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
static int xsk_start(struct dnsd_io *io, const struct dnsd_conf *conf)
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
	io->xsk_ev = event_new(base_of(io), np_xsk_fd(io->xsk), EV_READ | EV_PERSIST, on_xsk, io);
	io->xsk_retry = evtimer_new(base_of(io), on_xsk_retry, io);
	if (!io->xsk_ev || !io->xsk_retry || event_add(io->xsk_ev, NULL) < 0) {
		np_log_err("xdp_interface %s: cannot watch the socket", conf->xdp_interface);
		return -1;
	}
	np_log_info("xdp_interface %s: UDP queries to %u listen addresses through AF_XDP "
		    "(queue 0, %s mode)", conf->xdp_interface, o.nmatch,
		    np_xsk_zerocopy(io->xsk) ? "zero-copy" : "copy");
	return 0;
}

/* The late answer for a waiting client (engine ops->deliver). */
static void io_deliver(void *arg, uint64_t token, bool tcp, const uint8_t *msg, size_t len)
{
	struct dnsd_io *io = arg;
	struct dnsd_slot *s = slot_get(io, token);

	(void)tcp;
	if (!s)
		return;
	if (s->conn) {
		struct dnsd_tcpconn *c = s->conn;

		c->pending--;
		if (!c->closed) {
			conn_write(c, msg, len);
			c->idle_since_ms = dnsd_now_ms();
			if (!conn_close_when_done(c))
				conn_arm(c);
		} else {
			conn_free_if_done(c);
		}
	} else {
		udp_send_one(io, s->l, &s->peer, s->peerlen, s->has_src ? &s->src : NULL, msg, len);
	}
	slot_free(io, token);
}

/* ---- Upstreams ----------------------------------------------------------- */

static void upio_free(struct upio *u)
{
	if (!u)
		return;
	if (u->rd)
		event_free(u->rd);
	if (u->timer)
		event_free(u->timer);
	if (u->bev)
		bufferevent_free(u->bev);
	if (u->fd >= 0)
		close(u->fd);
	free(u);
}

static void io_abandon(void *arg, struct dnsd_upq *q)
{
	(void)arg;
	upio_free(q->io);
	q->io = NULL;
}

/* Logged once per fallback: the resolver asks the server without 0x20 a while. */
static void io_caps_fallback(void *arg, const struct dnsd_server *s)
{
	struct in_addr ia = { htonl(s->addr.addr) };

	(void)arg;
	np_log_warning("upstream %s:%u changed the letter case of the name in %d answers in a "
		       "row: asking it without use_0x20 for %llu minutes", inet_ntoa(ia),
		       s->addr.port, DNSD_CAPS_RETRIES + 1,
		       (unsigned long long)(DNSD_CAPS_FALLBACK_MS / 60000));
}

static void on_up_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct upio *u = arg;
	struct dnsd_io *io = u->io;
	uint64_t now = dnsd_now_ms();

	(void)fd;
	(void)what;
	io->eng.now_ms = now;
	dnsd_res_timeout(&io->eng.res, u->q, now);
}

static void on_up_udp(evutil_socket_t fd, short what, void *arg)
{
	struct upio *u = arg;
	struct dnsd_io *io = u->io;

	(void)what;
	for (int i = 0; i < UPSTREAM_READS; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, io->upbuf, NP_DNS_MSG_MAX, 0, (struct sockaddr *)&from, &fl);
		struct dnsd_addr a;
		uint64_t now = dnsd_now_ms();
		enum dnsd_res_verdict v;

		if (n < 0 && errno == ECONNREFUSED) {
			/* ICMP port unreachable: no server there, move on now. */
			io->eng.now_ms = now;
			dnsd_res_timeout(&io->eng.res, u->q, now);
			return;
		}
		if (n < 0)
			return;
		a.addr = peer_v4((struct sockaddr *)&from, &a.port);
		io->eng.now_ms = now;
		v = dnsd_res_response(&io->eng.res, u->q, &a, false, io->upbuf, (size_t)n, now);
		if (v == DNSD_RES_ACCEPTED || v == DNSD_RES_RETRY || v == DNSD_RES_TCP)
			return;        /* u is gone */
	}
}

static void on_up_tcp_read(struct bufferevent *bev, void *arg)
{
	struct upio *u = arg;
	struct dnsd_io *io = u->io;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (evbuffer_get_length(in) >= 2) {
		uint8_t pfx[2];
		size_t len;
		uint64_t now = dnsd_now_ms();
		struct dnsd_addr a = u->q->to;
		enum dnsd_res_verdict v;

		evbuffer_copyout(in, pfx, 2);
		len = np_load_be16(pfx);
		if (evbuffer_get_length(in) < 2 + len)
			return;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, io->upbuf, len);
		io->eng.now_ms = now;
		v = dnsd_res_response(&io->eng.res, u->q, &a, true, io->upbuf, len, now);
		if (v == DNSD_RES_ACCEPTED || v == DNSD_RES_RETRY || v == DNSD_RES_TCP)
			return;
	}
}

static void on_up_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct upio *u = arg;
	uint64_t now = dnsd_now_ms();

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	u->io->eng.now_ms = now;
	dnsd_res_timeout(&u->io->eng.res, u->q, now);
}

static int up_send_udp(struct dnsd_io *io, struct upio *u, const struct sockaddr_in *to,
		       const uint8_t *msg, size_t len)
{
	/* connect() binds a random ephemeral port (RFC 5452 §9.2) and makes the
	 * kernel drop datagrams from any other address or port. */
	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->fd < 0 || connect(u->fd, (const struct sockaddr *)to, sizeof(*to)) < 0 ||
	    send(u->fd, msg, len, 0) != (ssize_t)len)
		return -1;
	u->rd = event_new(base_of(io), u->fd, EV_READ | EV_PERSIST, on_up_udp, u);
	return u->rd && event_add(u->rd, NULL) == 0 ? 0 : -1;
}

static int up_send_tcp(struct dnsd_io *io, struct upio *u, const struct sockaddr_in *to,
		       const uint8_t *msg, size_t len)
{
	uint8_t pfx[2];

	u->bev = bufferevent_socket_new(base_of(io), -1, BEV_OPT_CLOSE_ON_FREE);
	if (!u->bev)
		return -1;
	bufferevent_setcb(u->bev, on_up_tcp_read, NULL, on_up_tcp_event, u);
	if (bufferevent_socket_connect(u->bev, (const struct sockaddr *)to, sizeof(*to)) < 0)
		return -1;
	np_store_be16(pfx, (uint16_t)len);
	bufferevent_write(u->bev, pfx, 2);
	bufferevent_write(u->bev, msg, len);
	return bufferevent_enable(u->bev, EV_READ | EV_WRITE);
}

static int io_send(void *arg, struct dnsd_upq *q)
{
	struct dnsd_io *io = arg;
	struct upio *u = calloc(1, sizeof(*u));
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t msg[512];
	int n = dnsd_res_build_query(q, io->conf->edns_buffer_size, msg, sizeof(msg));
	uint64_t now = dnsd_now_ms(), wait;
	struct timeval tv;

	if (!u || n < 0) {
		free(u);
		return -1;
	}
	u->io = io;
	u->q = q;
	u->fd = -1;
	to.sin_addr.s_addr = htonl(q->to.addr);
	to.sin_port = htons(q->to.port);
	if ((q->tcp ? up_send_tcp(io, u, &to, msg, (size_t)n)
		    : up_send_udp(io, u, &to, msg, (size_t)n)) < 0)
		goto fail;
	wait = q->deadline_ms > now ? q->deadline_ms - now : 1;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	u->timer = evtimer_new(base_of(io), on_up_timeout, u);
	if (!u->timer || evtimer_add(u->timer, &tv) < 0)
		goto fail;
	q->io = u;
	return 0;

fail:
	io->stats.upstream_socket_errors++;
	NP_LOG_RATELIMIT(NP_LOG_WARNING, "upstream %s:%u: %s", inet_ntoa(to.sin_addr),
			 q->to.port, strerror(errno));
	upio_free(u);
	return -1;
}

/* ---- Listeners ------------------------------------------------------------- */

/*
 * Answers use the interface's MTU and ignore path MTU updates: a forged
 * ICMP "fragmentation needed" cannot make this server fragment answers
 * (fragments are how off-path attackers splice records into a UDP answer),
 * as Unbound, BIND and Knot do.  Larger answers than the client's EDNS size
 * are truncated with TC anyway (RFC 6891 §6.2.5).
 */
static void ignore_path_mtu(int fd)
{
	int omit = IP_PMTUDISC_OMIT;

	setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &omit, sizeof(omit));
}

/*
 * Answers leave from the address the query came to.  A socket bound to one
 * address does that by itself; only a wildcard socket needs IP_PKTINFO,
 * whose control message costs a copy each way for every datagram.
 */
static void pktinfo_if_wildcard(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int on = 1;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, &ss, sizeof(sin));
		on = sin.sin_addr.s_addr == htonl(INADDR_ANY);
	}
	setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
}

/*
 * The IPv4 address (0: any) and port a listener receives on, for the XDP
 * program; port 0 when it receives no IPv4 (an IPv6-only socket).  A
 * socket-activated dual-stack socket is bound to :: with IPV6_V6ONLY off.
 */
static void bound_v4(struct dnsd_listener *l)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 s6;
	socklen_t len = sizeof(ss), ol = sizeof(int);
	int v6only = 1;

	if (getsockname(l->fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	l->inet6 = ss.ss_family == AF_INET6;
	if (!l->inet6) {
		l->addr = peer_v4((struct sockaddr *)&ss, &l->port);
		return;
	}
	memcpy(&s6, &ss, sizeof(s6));
	if (IN6_IS_ADDR_V4MAPPED(&s6.sin6_addr)) {
		l->addr = np_load_be32(&s6.sin6_addr.s6_addr[12]);
		l->port = ntohs(s6.sin6_port);
	} else if (IN6_IS_ADDR_UNSPECIFIED(&s6.sin6_addr) &&
		   getsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &ol) == 0 && !v6only) {
		l->port = ntohs(s6.sin6_port);
	}
}

static int add_listener(struct dnsd_io *io, int fd, bool tcp, bool activated)
{
	struct dnsd_listener *ls = realloc(io->ls, (io->nls + 1) * sizeof(*ls));
	struct dnsd_listener *l;

	if (!ls)
		return -1;
	io->ls = ls;
	l = &io->ls[io->nls];
	*l = (struct dnsd_listener){ .fd = fd, .tcp = tcp, .activated = activated, .io = io };
	bound_v4(l);
	io->nls++;
	return 0;
}

static int take_activated(struct dnsd_io *io)
{
	static const char *const names[] = { "dns", "dns-udp", "dns-tcp" };
	int n = 0;

	for (unsigned i = 0; i < 3; i++) {
		int fd;

		while ((fd = np_listen_fd_take(names[i])) >= 0) {
			int type = 0;
			socklen_t tl = sizeof(type);

			getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl);
			/* Passed sockets may be blocking: every read here must not be. */
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
			/* Answer from the address asked (also on dual-stack sockets). */
			if (type == SOCK_DGRAM) {
				pktinfo_if_wildcard(fd);
				ignore_path_mtu(fd);
			}
			if (add_listener(io, fd, type == SOCK_STREAM, true) < 0)
				return -1;
			n++;
		}
	}
	return n;
}

static int bind_listeners(struct dnsd_io *io, const struct dnsd_conf *conf)
{
	for (unsigned i = 0; i < conf->nlisten; i++) {
		struct np_sock_opts o = { .addr = conf->listen[i].addr, .port = conf->listen[i].port,
					  .rcvbuf = 4 << 20, .sndbuf = 4 << 20 };
		struct in_addr ia = { htonl(o.addr) };
		int u = np_udp_open(&o), t;

		if (u < 0) {
			np_log_err("listen %s:%u/udp: %s", inet_ntoa(ia), o.port, np_strerror(u));
			return -1;
		}
		pktinfo_if_wildcard(u);
		ignore_path_mtu(u);
		if (add_listener(io, u, false, false) < 0)
			return -1;
		t = np_tcp_listen(&o);
		if (t < 0) {
			np_log_err("listen %s:%u/tcp: %s", inet_ntoa(ia), o.port, np_strerror(t));
			return -1;
		}
		if (add_listener(io, t, true, false) < 0)
			return -1;
	}
	return 0;
}

static int arm_listeners(struct dnsd_io *io)
{
	for (unsigned i = 0; i < io->nls; i++) {
		struct dnsd_listener *l = &io->ls[i];

		l->io = io;
		l->ev = event_new(base_of(io), l->fd, EV_READ | EV_PERSIST,
				  l->tcp ? on_accept : on_udp, l);
		if (!l->ev || event_add(l->ev, NULL) < 0)
			return -1;
	}
	return 0;
}

/* Default access control: loopback and the subnets of our own addresses. */
static void default_acl(struct dnsd_io *io)
{
	struct dnsd_acl_entry acl[64] = { { 0x7f000000, 8, DNSD_ACL_ALLOW } };
	unsigned n = 1;
	struct ifaddrs *ifa, *p;

	if (getifaddrs(&ifa) == 0) {
		for (p = ifa; p && n < 64; p = p->ifa_next) {
			uint32_t a, m;
			uint16_t port;
			uint8_t prefix = 0;

			if (!p->ifa_addr || !p->ifa_netmask || p->ifa_addr->sa_family != AF_INET ||
			    p->ifa_netmask->sa_family != AF_INET)
				continue;
			a = peer_v4(p->ifa_addr, &port);
			m = peer_v4(p->ifa_netmask, &port);
			while (prefix < 32 && (m & (0x80000000u >> prefix)))
				prefix++;
			acl[n++] = (struct dnsd_acl_entry){ a & m, prefix, DNSD_ACL_ALLOW };
		}
		freeifaddrs(ifa);
	}
	dnsd_engine_set_default_acl(&io->eng, acl, n);
}

/* One socket per upstream try and per TCP client: 1024 descriptors is too few. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			np_log_warning("cannot raise the descriptor limit: %s", strerror(errno));
	}
}

int dnsd_io_start(struct dnsd_io *io, struct dnsd_conf *conf)
{
	struct dnsd_engine_ops ops = { io_random, io_send, io_abandon, io_deliver, io,
				       io_caps_fallback };
	int n;

	io->conf = conf;
	io->started_ms = dnsd_now_ms();
	raise_fd_limit();
	io->slots = calloc(DNSD_SLOTS, sizeof(*io->slots));
	io->tcpin = malloc(NP_DNS_MSG_MAX);
	io->tcpout = malloc(NP_DNS_MSG_MAX);
	io->upbuf = malloc(NP_DNS_MSG_MAX);
	if (!io->slots || !io->tcpin || !io->tcpout || !io->upbuf ||
	    np_batch_init(&io->rx, RX_BATCH, UDP_BUF) < 0 ||
	    np_batch_init(&io->tx, RX_BATCH, UDP_BUF) < 0 ||
	    np_batch_init(&io->late, 1, UDP_BUF) < 0 || dnsd_engine_init(&io->eng, conf, &ops) < 0) {
		np_log_err("out of memory");
		return -1;
	}
	slots_init(io);
	np_conn_set_init(&io->tcp, conf->tcp_max_connections, conf->tcp_per_client);
	default_acl(io);
	n = take_activated(io);
	if (n < 0 || (n == 0 && bind_listeners(io, conf) < 0) || arm_listeners(io) < 0)
		return -1;
	if (n > 0)
		np_log_info("using %d socket-activated listeners", n);
	if (conf->xdp_interface[0] && xsk_start(io, conf) < 0)
		return -1;
	np_daemon_set_privileges(io->d, conf->common.user[0] ? conf->common.user : NULL, 0);
	np_notify_status("serving on %u sockets, %u upstream sets", io->nls, conf->nsets);
	return 0;
}

static bool same_listen(const struct dnsd_conf *a, const struct dnsd_conf *b)
{
	return a->nlisten == b->nlisten &&
	       memcmp(a->listen, b->listen, a->nlisten * sizeof(a->listen[0])) == 0;
}

int dnsd_io_apply(struct dnsd_io *io, struct dnsd_conf *conf, char *why, size_t cap)
{
	if (io->conf->local && conf->local &&
	    np_dns_name_equal(io->conf->local_zone, io->conf->local_zone_len, conf->local_zone,
			      conf->local_zone_len)) {
		size_t lost, n = dns_local_carry(io->conf->local, conf->local, &lost);

		if (n)
			np_log_info("local zone: %zu dynamic records kept", n);
		if (lost)
			np_log_notice("local zone: %zu dynamic records at names the new "
				      "configuration defines dropped: configured records win", lost);
	}
	if (dnsd_engine_configure(&io->eng, conf) < 0) {
		snprintf(why, cap, "out of memory");
		return -1;
	}
	if (!same_listen(io->conf, conf))
		np_log_warning("listen changes take effect at the next start");
	if (strcmp(io->conf->xdp_interface, conf->xdp_interface) != 0)
		np_log_warning("xdp_interface changes take effect at the next start");
	io->conf = conf;
	np_conn_set_limits(&io->tcp, conf->tcp_max_connections, conf->tcp_per_client);
	default_acl(io);
	np_notify_status("serving on %u sockets, %u upstream sets (reloaded)", io->nls,
			 conf->nsets);
	return 0;
}

void dnsd_io_stop(struct dnsd_io *io)
{
	dnsd_engine_free(&io->eng);   /* answers SERVFAIL to whoever still waits */
	while (io->tcp.head)
		conn_close(conn_of(io->tcp.head));
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
	for (unsigned i = 0; i < io->nls; i++) {
		if (io->ls[i].ev)
			event_free(io->ls[i].ev);
		close(io->ls[i].fd);
	}
	free(io->ls);
	io->ls = NULL;
	io->nls = 0;
	np_batch_free(&io->rx);
	np_batch_free(&io->tx);
	np_batch_free(&io->late);
	free(io->slots);
	free(io->tcpin);
	free(io->tcpout);
	free(io->upbuf);
	io->slots = NULL;
}
