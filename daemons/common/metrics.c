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

void np_metrics_write_json(struct np_metrics_out *out, const json_t *obj,
			   enum np_metric_type (*type)(const char *name))
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			continue;
		np_metrics_write(out, key, type ? type(key) : NP_METRIC_COUNTER,
				 (uint64_t)json_integer_value(v));
	}
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
