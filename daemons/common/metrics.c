/*
 * metrics.c: Prometheus text endpoint (metrics.h).  The HTTP side is a
 * small bounded HTTP/1.1 reader rather than libevent's evhttp, whose
 * timeouts restart with every read: here each connection has one absolute
 * deadline, and the number of connections is capped.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "connlimit.h"
#include "metrics.h"

#define PREFIX_MAX 32
#define NAME_MAX_LEN 128
#define LABELS_MAX 128
/*
 * The whole request must arrive within this long of the connection, and
 * the whole answer must be taken within this long of it being ready: a
 * scraper sends one short request, so seconds are plenty, and a client
 * that trickles headers cannot extend either.
 */
#define HTTP_DEADLINE_MS 5000
#define HTTP_MAX_HEADERS 8192
#define HTTP_MAX_CONNS 16              /* beyond: the oldest unanswered one goes */
#define HTTP_BACKLOG 128
#define HTTP_ACCEPT_PAUSE_MS 500       /* after accept() fails (out of descriptors) */

struct np_metrics {
	struct event_base *base;
	struct evconnlistener *listener;
	struct event *resume;          /* re-enables the listener after an accept error */
	struct np_conn_set conns;
	struct np_metrics_stats stats;
	char prefix[PREFIX_MAX];
	np_metrics_fn *fn;
	void *ctx;
	uint16_t port;
};

struct http_conn {
	struct np_conn lim;            /* in m->conns; busy while answering */
	struct np_metrics *m;
	struct bufferevent *bev;
	struct event *deadline;
};

struct np_metrics_out {
	struct evbuffer *buf;
	const char *prefix;
};

/* Prometheus names: [a-zA-Z_:][a-zA-Z0-9_:]*; anything else becomes '_'. */
static void metric_name(const char *prefix, const char *name, char *out, size_t cap)
{
	size_t n = (size_t)snprintf(out, cap, "%s_%s", prefix, name);

	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++) {
		char c = out[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
		      (i > 0 && c >= '0' && c <= '9')))
			out[i] = '_';
	}
}

void np_metrics_write(struct np_metrics_out *out, const char *name, enum np_metric_type type,
		      uint64_t value)
{
	char full[NAME_MAX_LEN];

	metric_name(out->prefix, name, full, sizeof(full));
	evbuffer_add_printf(out->buf, "# TYPE %s %s\n%s %" PRIu64 "\n", full,
			    type == NP_METRIC_GAUGE ? "gauge" : "counter", full, value);
}

/* A sample from the JSON of a statistic-get-all answer, before sorting. */
struct sample {
	char family[NAME_MAX_LEN];     /* the name without the subnet[N]. parts */
	char labels[LABELS_MAX];       /* subnet="1",pool="0" or empty */
	enum np_metric_type type;
	uint64_t value;
	size_t order;                  /* position in the object: a stable sort */
};

/* Kea's statistic shape, [[value, "timestamp"], ...]: the newest value. */
static const json_t *sample_value(const json_t *v)
{
	if (json_is_array(v) && json_is_array(json_array_get(v, 0)))
		return json_array_get(json_array_get(v, 0), 0);
	return v;
}

/*
 * Kea's per-subnet names, "subnet[1].pool[0].assigned-addresses", become
 * the family "assigned-addresses" with labels subnet="1",pool="0".
 */
/* [a-z_][a-z0-9_]* for a label name, [A-Za-z0-9_.:-]+ for its value. */
static bool plain(const char *s, size_t n, bool value)
{
	if (n == 0 || n > 32 || (!value && s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
		      (value && ((c >= 'A' && c <= 'Z') || c == '.' || c == ':' || c == '-'))))
			return false;
	}
	return true;
}

static void split_labels(const char *name, struct sample *sm)
{
	size_t used = 0;

	sm->labels[0] = '\0';
	for (;;) {
		const char *open = strchr(name, '['), *close = open ? strchr(open, ']') : NULL;
		int w;

		if (!close || close[1] != '.' || !plain(name, (size_t)(open - name), false) ||
		    !plain(open + 1, (size_t)(close - open - 1), true))
			break;
		w = snprintf(sm->labels + used, sizeof(sm->labels) - used, "%s%.*s=\"%.*s\"",
			     used ? "," : "", (int)(open - name), name, (int)(close - open - 1),
			     open + 1);
		if (w < 0 || (size_t)w >= sizeof(sm->labels) - used)
			break;
		used += (size_t)w;
		name = close + 2;
	}
	snprintf(sm->family, sizeof(sm->family), "%s", name);
}

static int by_family(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	int c = strcmp(x->family, y->family);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

void np_metrics_write_json(struct np_metrics_out *out, const json_t *obj,
			   enum np_metric_type (*type)(const char *name))
{
	size_t n = 0, cap = json_object_size(obj);
	struct sample *sm = cap ? calloc(cap, sizeof(*sm)) : NULL;
	char full[NAME_MAX_LEN];
	const char *key;
	json_t *v;

	if (!sm)
		return;
	json_object_foreach((json_t *)obj, key, v) {
		const json_t *val = sample_value(v);

		if (n == cap || !json_is_integer(val) || json_integer_value(val) < 0)
			continue;
		split_labels(key, &sm[n]);
		sm[n].type = type ? type(sm[n].family) : NP_METRIC_COUNTER;
		sm[n].value = (uint64_t)json_integer_value(val);
		sm[n].order = n;
		n++;
	}
	/* The text format wants the samples of one metric together, TYPE first. */
	qsort(sm, n, sizeof(*sm), by_family);
	for (size_t i = 0; i < n; i++) {
		metric_name(out->prefix, sm[i].family, full, sizeof(full));
		if (i == 0 || strcmp(sm[i].family, sm[i - 1].family) != 0)
			evbuffer_add_printf(out->buf, "# TYPE %s %s\n", full,
					    sm[i].type == NP_METRIC_GAUGE ? "gauge" : "counter");
		evbuffer_add_printf(out->buf, "%s%s%s%s %" PRIu64 "\n", full,
				    sm[i].labels[0] ? "{" : "", sm[i].labels,
				    sm[i].labels[0] ? "}" : "", sm[i].value);
	}
	free(sm);
}

/* ---- HTTP ------------------------------------------------------------------ */

static struct http_conn *conn_of(struct np_conn *l)
{
	return (struct http_conn *)(void *)((char *)l - offsetof(struct http_conn, lim));
}

static void conn_free(struct http_conn *c)
{
	np_conn_remove(&c->m->conns, &c->lim);
	bufferevent_free(c->bev);
	event_free(c->deadline);
	free(c);
}

static void deadline_from_now(struct http_conn *c)
{
	struct timeval tv = { HTTP_DEADLINE_MS / 1000, (HTTP_DEADLINE_MS % 1000) * 1000 };

	evtimer_add(c->deadline, &tv);
}

static void on_written(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_free(arg);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	conn_free(arg);                /* EOF before a whole request, or an error */
}

/*
 * Queue the answer and close once it is written (Connection: close: one
 * request per connection).  body may be NULL; with head, only its length
 * is sent (RFC 9110 §9.3.2).
 */
static void respond(struct http_conn *c, int code, const char *reason, const char *type,
		    const char *extra, struct evbuffer *body, bool head)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t len = body ? evbuffer_get_length(body) : 0;

	bufferevent_disable(c->bev, EV_READ);
	c->lim.busy = true;            /* owes an answer: not evicted */
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			    "Cache-Control: no-store\r\nConnection: close\r\n%s\r\n", code, reason,
			    type, len, extra ? extra : "");
	if (body && !head)
		evbuffer_add_buffer(out, body);
	deadline_from_now(c);
	bufferevent_setcb(c->bev, NULL, on_written, on_event, c);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void respond_error(struct http_conn *c, int code, const char *reason, const char *extra)
{
	struct evbuffer *body = evbuffer_new();

	if (body)
		evbuffer_add_printf(body, "%d %s\n", code, reason);
	respond(c, code, reason, "text/plain; charset=utf-8", extra, body, false);
	evbuffer_free(body);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;

	(void)fd;
	(void)what;
	c->m->stats.timed_out++;
	if (c->lim.busy)
		conn_free(c);          /* the answer was not taken in time */
	else
		respond_error(c, 408, "Request Timeout", NULL);
}

/*
 * The path of a request target (RFC 9112 §3.2): origin form "/metrics?x",
 * or absolute form "http://host:port/metrics"; query and fragment dropped.
 */
static bool target_is_metrics(const char *t, size_t n)
{
	const char *scheme = memchr(t, ':', n);
	size_t plen;

	if (n > 7 && scheme && scheme[1] == '/' && scheme[2] == '/') {
		const char *path = memchr(scheme + 3, '/', n - (size_t)(scheme + 3 - t));

		if (!path)
			return true;   /* "http://host" means "/" */
		n -= (size_t)(path - t);
		t = path;
	}
	for (plen = 0; plen < n && t[plen] != '?' && t[plen] != '#'; plen++)
		;
	return (plen == 8 && memcmp(t, "/metrics", 8) == 0) || (plen == 1 && t[0] == '/');
}

/* The request line "METHOD SP TARGET SP HTTP/x.y" (RFC 9112 §3), then the answer. */
static void handle_request(struct http_conn *c, const char *line, size_t n)
{
	const char *sp1 = memchr(line, ' ', n), *sp2;
	struct np_metrics_out out = { .prefix = c->m->prefix };
	bool head;

	sp2 = sp1 ? memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - line)) : NULL;
	if (!sp1 || !sp2 || sp2 == sp1 + 1 || n - (size_t)(sp2 + 1 - line) < 8 ||
	    memcmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		respond_error(c, 400, "Bad Request", NULL);
		return;
	}
	head = sp1 - line == 4 && memcmp(line, "HEAD", 4) == 0;
	if (!head && !(sp1 - line == 3 && memcmp(line, "GET", 3) == 0)) {
		respond_error(c, 405, "Method Not Allowed", "Allow: GET, HEAD\r\n");
		return;
	}
	if (!target_is_metrics(sp1 + 1, (size_t)(sp2 - sp1 - 1))) {
		respond_error(c, 404, "Not Found", NULL);
		return;
	}
	out.buf = evbuffer_new();
	if (!out.buf) {
		conn_free(c);
		return;
	}
	c->m->fn(&out, c->m->ctx);
	respond(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", NULL, out.buf, head);
	evbuffer_free(out.buf);
}

/* Where the header section ends (an empty line), or NULL while incomplete. */
static const char *headers_end(const char *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (p[i] == '\n' && (p[i + 1] == '\n' || (p[i + 1] == '\r' && i + 2 < n &&
							  p[i + 2] == '\n')))
			return p + i;
	return NULL;
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);
	const char *p = (const char *)evbuffer_pullup(in, -1);
	const char *eol;

	if (!p)
		return;
	if (!headers_end(p, len)) {
		if (len > HTTP_MAX_HEADERS)
			respond_error(c, 431, "Request Header Fields Too Large", NULL);
		return;
	}
	eol = memchr(p, '\n', len);
	handle_request(c, p, (size_t)(eol - p) - (eol > p && eol[-1] == '\r'));
}

/*
 * Room for one more connection: when HTTP_MAX_CONNS are open, the oldest
 * one still sending its request goes, so slow or idle clients cannot lock
 * scrapes out.  false only when every connection is being answered.
 */
static bool make_room(struct np_metrics *m)
{
	unsigned rounds = m->conns.count + 1;
	struct np_conn *victim;

	while (rounds--) {
		switch (np_conn_admit(&m->conns, 0, &victim)) {
		case NP_CONN_ADMIT:
			return true;
		case NP_CONN_REFUSE:
			return false;
		case NP_CONN_EVICT:
			m->stats.evicted++;
			conn_free(conn_of(victim));
			break;
		}
	}
	return false;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct np_metrics *m = arg;
	struct http_conn *c;

	(void)l;
	(void)sa;
	(void)salen;
	if (!make_room(m)) {
		m->stats.refused++;
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c) {
		c->bev = bufferevent_socket_new(m->base, fd, BEV_OPT_CLOSE_ON_FREE);
		c->deadline = evtimer_new(m->base, on_deadline, c);
	}
	if (!c || !c->bev || !c->deadline) {
		if (c && c->bev)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c && c->deadline)
			event_free(c->deadline);
		free(c);
		return;
	}
	c->m = m;
	np_conn_add(&m->conns, &c->lim, 0);
	m->stats.accepted++;
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	/* Read no further than one byte past the limit: enough to know it is over. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, HTTP_MAX_HEADERS + 1);
	deadline_from_now(c);
	bufferevent_enable(c->bev, EV_READ);
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct np_metrics *m = arg;
	struct timeval tv = { 0, HTTP_ACCEPT_PAUSE_MS * 1000 };

	if (evconnlistener_disable(l) == 0)
		event_add(m->resume, &tv);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct np_metrics *m = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(m->listener);
}

/* A listening, non-blocking, CLOEXEC TCP socket; -errno on failure. */
static int listen_on(uint32_t addr, uint16_t port, uint16_t *bound)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(addr) };
	socklen_t len = sizeof(sin);
	int one = 1, err;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, HTTP_BACKLOG) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	*bound = ntohs(sin.sin_port);
	return fd;
}

int np_metrics_new(struct event_base *base, uint32_t addr, uint16_t port, const char *prefix,
		   np_metrics_fn *fn, void *ctx, struct np_metrics **out)
{
	struct np_metrics *m;
	int fd;

	if (!base || !prefix || !prefix[0] || strlen(prefix) >= PREFIX_MAX || !fn || !out)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	memcpy(m->prefix, prefix, strlen(prefix) + 1);
	m->fn = fn;
	m->ctx = ctx;
	m->base = base;
	np_conn_set_init(&m->conns, HTTP_MAX_CONNS, 0);
	m->resume = evtimer_new(base, on_resume, m);
	fd = listen_on(addr, port, &m->port);
	if (fd >= 0 && m->resume)
		m->listener = evconnlistener_new(base, on_accept, m, LEV_OPT_CLOSE_ON_FREE, 0, fd);
	if (fd < 0 || !m->listener) {
		if (fd >= 0)
			close(fd);
		np_metrics_free(m);
		return fd < 0 ? fd : -ENOMEM;
	}
	evconnlistener_set_error_cb(m->listener, on_accept_error);
	*out = m;
	return 0;
}

void np_metrics_get_stats(const struct np_metrics *m, struct np_metrics_stats *out)
{
	*out = m->stats;
}

uint16_t np_metrics_port(const struct np_metrics *m)
{
	return m->port;
}

void np_metrics_free(struct np_metrics *m)
{
	if (!m)
		return;
	while (m->conns.head)
		conn_free(conn_of(m->conns.head));
	if (m->listener)
		evconnlistener_free(m->listener);   /* closes the listening socket too */
	if (m->resume)
		event_free(m->resume);
	free(m);
}
