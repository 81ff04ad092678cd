/*
 * io-upstream.c: np-dnsd's upstream tries on the wire.  Per try, a new UDP
 * socket bound to a random port by the kernel and connected to the server
 * (so only its address and port can reach it), or a TCP connection after
 * TC, and a timer at the resolver's deadline; what arrives goes to the
 * resolver (resolver.h), which judges it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <netproto/error.h>

#include "io.h"
#include "log.h"

#define UPSTREAM_READS 8               /* datagrams read per upstream wake-up */

/* The I/O state of one upstream try (q->io). */
struct upio {
	struct dnsd *io;
	struct dnsd_upq *q;
	int fd;
	struct event *rd, *timer;
	struct bufferevent *bev;
};

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

/* A CANCEL action: the try is over, its query may be gone already. */
void dnsd_up_cancel(void *handle)
{
	upio_free(handle);
}

/* Logged once per fallback: the resolver asks the server without 0x20 a while. */
void dnsd_up_caps_fallback(const struct dnsd_addr *server)
{
	struct in_addr ia = { htonl(server->addr) };

	np_log_warning("upstream %s:%u changed the letter case of the name in %d answers in a "
		       "row: asking it without use_0x20 for %llu minutes", inet_ntoa(ia),
		       server->port, DNSD_CAPS_RETRIES + 1,
		       (unsigned long long)(DNSD_CAPS_FALLBACK_MS / 60000));
}

static void on_up_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct upio *u = arg;
	struct dnsd *io = u->io;
	uint64_t now = dnsd_now_ms();

	(void)fd;
	(void)what;
	dnsd_engine_timeout(&io->eng, u->q, now);
	dnsd_io_run(io);               /* u is gone (a CANCEL) */
}

static void on_up_udp(evutil_socket_t fd, short what, void *arg)
{
	struct upio *u = arg;
	struct dnsd *io = u->io;

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
			dnsd_engine_timeout(&io->eng, u->q, now);
			dnsd_io_run(io);
			return;
		}
		if (n < 0)
			return;
		a.addr = dnsd_peer_v4((struct sockaddr *)&from, &a.port);
		v = dnsd_engine_response(&io->eng, u->q, &a, false, io->upbuf, (size_t)n, now);
		dnsd_io_run_actions(io);
		if (v == DNSD_RES_ACCEPTED || v == DNSD_RES_RETRY || v == DNSD_RES_TCP)
			return;        /* u is gone (a CANCEL) */
	}
}

static void on_up_tcp_read(struct bufferevent *bev, void *arg)
{
	struct upio *u = arg;
	struct dnsd *io = u->io;
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
		v = dnsd_engine_response(&io->eng, u->q, &a, true, io->upbuf, len, now);
		dnsd_io_run_actions(io);
		if (v == DNSD_RES_ACCEPTED || v == DNSD_RES_RETRY || v == DNSD_RES_TCP)
			return;
	}
}

static void on_up_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct upio *u = arg;
	uint64_t now = dnsd_now_ms();
	struct dnsd *io;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	io = u->io;
	dnsd_engine_timeout(&io->eng, u->q, now);
	dnsd_io_run(io);               /* u is gone (a CANCEL) */
}

static int up_send_udp(struct dnsd *io, struct upio *u, const struct sockaddr_in *to,
		       const uint8_t *msg, size_t len)
{
	/* connect() binds a random ephemeral port (RFC 5452 §9.2) and makes the
	 * kernel drop datagrams from any other address or port. */
	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->fd < 0 || connect(u->fd, (const struct sockaddr *)to, sizeof(*to)) < 0 ||
	    send(u->fd, msg, len, 0) != (ssize_t)len)
		return -1;
	u->rd = event_new(dnsd_base(io), u->fd, EV_READ | EV_PERSIST, on_up_udp, u);
	return u->rd && event_add(u->rd, NULL) == 0 ? 0 : -1;
}

static int up_send_tcp(struct dnsd *io, struct upio *u, const struct sockaddr_in *to,
		       const uint8_t *msg, size_t len)
{
	uint8_t pfx[2];

	u->bev = bufferevent_socket_new(dnsd_base(io), -1, BEV_OPT_CLOSE_ON_FREE);
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

/* A SEND action: the try on the wire, its handle in q->io; 0 or -1. */
int dnsd_up_send(struct dnsd *io, struct dnsd_upq *q)
{
	struct upio *u = calloc(1, sizeof(*u));
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t msg[512];
	int n = dnsd_res_build_query(q, io->conf->policy.edns_buffer_size, msg, sizeof(msg));
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
	u->timer = evtimer_new(dnsd_base(io), on_up_timeout, u);
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
