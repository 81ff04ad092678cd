/* metrics.c: Prometheus text endpoint on libevent's evhttp (metrics.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "metrics.h"

#define PREFIX_MAX 32
#define NAME_MAX_LEN 128
#define LABELS_MAX 128
#define HTTP_TIMEOUT_S 10              /* a scraper that stalls is dropped */
#define HTTP_MAX_HEADERS 8192
#define HTTP_BACKLOG 16

struct np_metrics {
	struct evhttp *http;
	char prefix[PREFIX_MAX];
	np_metrics_fn *fn;
	void *ctx;
	uint16_t port;
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

static bool path_is_metrics(struct evhttp_request *req)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;

	return path && (strcmp(path, "/metrics") == 0 || strcmp(path, "/") == 0 || path[0] == '\0');
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct np_metrics *m = arg;
	struct np_metrics_out out = { .prefix = m->prefix };
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		evhttp_add_header(hdr, "Allow", "GET, HEAD");
		evhttp_send_error(req, 405, "Method Not Allowed");
		return;
	}
	if (!path_is_metrics(req)) {
		evhttp_send_error(req, HTTP_NOTFOUND, "metrics are at /metrics");
		return;
	}
	out.buf = evbuffer_new();
	if (!out.buf) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	m->fn(&out, m->ctx);
	evhttp_add_header(hdr, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_send_reply(req, HTTP_OK, "OK", out.buf);
	evbuffer_free(out.buf);
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
	m->http = evhttp_new(base);
	if (!m->http) {
		free(m);
		return -ENOMEM;
	}
	evhttp_set_timeout(m->http, HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(m->http, HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(m->http, 0);
	evhttp_set_gencb(m->http, on_request, m);
	fd = listen_on(addr, port, &m->port);
	if (fd < 0 || evhttp_accept_socket(m->http, fd) < 0) {
		if (fd >= 0)
			close(fd);
		np_metrics_free(m);
		return fd < 0 ? fd : -ENOMEM;
	}
	*out = m;
	return 0;
}

uint16_t np_metrics_port(const struct np_metrics *m)
{
	return m->port;
}

void np_metrics_free(struct np_metrics *m)
{
	if (!m)
		return;
	if (m->http)
		evhttp_free(m->http);   /* closes the listening socket too */
	free(m);
}
