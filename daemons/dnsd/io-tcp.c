/*
 * io-tcp.c: np-dnsd's TCP clients (RFC 7766): length-prefixed messages,
 * several queries in flight per connection answered as they complete,
 * deadlines trickling cannot extend, a total limit and a per-client share
 * (daemons/common/connlimit.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <netproto/error.h>

#include "io.h"

#define TCP_OUT_MAX (256 * 1024)       /* answers queued for one TCP client */

struct dnsd_tcpconn {
	struct np_conn lim;            /* in io->tcp */
	struct dnsd *io;
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
	struct dnsd *io = c->io;
	struct dnsd_slot *s = NULL;
	struct dnsd_client cl = { .addr = c->addr, .port = c->port, .tcp = true };
	size_t outlen = 0;
	enum dnsd_verdict v;

	cl.token = dnsd_slot_alloc(io, &s);
	if (s)
		s->conn = c;
	c->pending++;                  /* until the answer, now or as a DELIVER */
	v = dnsd_engine_query(&io->eng, msg, len, &cl, dnsd_now_ms(), io->tcpout,
			      NP_DNS_MSG_MAX, &outlen);
	if (v != DNSD_PENDING || !cl.token) {
		c->pending--;
		dnsd_slot_free(io, cl.token);
		if (v == DNSD_ANSWER)
			conn_write(c, io->tcpout, outlen);
	}
	/* SENDs; a DELIVER (dnsd_tcp_deliver()) only when every SEND failed. */
	dnsd_io_run_actions(io);
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
static bool conn_make_room(struct dnsd *io, uint64_t client)
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

void dnsd_tcp_on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct dnsd_listener *l = arg;
	struct dnsd *io = l->io;

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
		addr = dnsd_peer_v4((struct sockaddr *)&ss, &port);
		client = client_key((struct sockaddr *)&ss, addr);
		if (!conn_make_room(io, client) || !(c = calloc(1, sizeof(*c)))) {
			io->stats.tcp_refused_limit++;
			close(cfd);
			continue;
		}
		c->io = io;
		c->addr = addr;
		c->port = port;
		c->bev = bufferevent_socket_new(dnsd_base(io), cfd, BEV_OPT_CLOSE_ON_FREE);
		c->timer = evtimer_new(dnsd_base(io), on_conn_timer, c);
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

void dnsd_tcp_deliver(struct dnsd_tcpconn *c, const uint8_t *msg, size_t len)
{
	c->pending--;
	if (!c->closed) {
		conn_write(c, msg, len);
		c->idle_since_ms = dnsd_now_ms();
		if (!conn_close_when_done(c))
			conn_arm(c);
	} else {
		conn_free_if_done(c);
	}
}

void dnsd_tcp_close_all(struct dnsd *io)
{
	while (io->tcp.head)
		conn_close(conn_of(io->tcp.head));
}
