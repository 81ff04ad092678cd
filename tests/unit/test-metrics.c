/*
 * test-metrics.c: the Prometheus endpoint, scraped over real TCP by
 * libevent's HTTP client on the same loop: exact exposition text, fresh
 * values per scrape, 404/405, HEAD, JSON statistics as samples, bind errors,
 * the connection cap (idle clients make room for a scrape).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "metrics.h"

#define LOCALHOST 0x7f000001u
#define WAIT_S 5

struct fixture {
	struct event_base *base;
	struct np_metrics *m;
	uint64_t received;             /* what the writer reports */
	int scrapes;
};

struct reply {
	int code;                      /* 0: no answer */
	char body[4096];
	char type[128];
	struct event_base *base;
};

static void writer(struct np_metrics_out *out, void *ctx)
{
	struct fixture *f = ctx;

	f->scrapes++;
	np_metrics_write(out, "pkt4-received", NP_METRIC_COUNTER, f->received);
	np_metrics_write(out, "leases", NP_METRIC_GAUGE, 7);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || !(f->base = event_base_new()))
		return -1;
	f->received = 42;
	if (np_metrics_new(f->base, LOCALHOST, 0, "np_test", writer, f, &f->m) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	np_metrics_free(f->m);
	event_base_free(f->base);
	free(f);
	return 0;
}

static void on_reply(struct evhttp_request *req, void *arg)
{
	struct reply *r = arg;
	struct evbuffer *in;
	const char *t;
	size_t n;

	event_base_loopexit(r->base, NULL);
	if (!req)
		return;
	r->code = evhttp_request_get_response_code(req);
	t = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	snprintf(r->type, sizeof(r->type), "%s", t ? t : "");
	in = evhttp_request_get_input_buffer(req);
	n = evbuffer_get_length(in);
	assert_true(n < sizeof(r->body));
	evbuffer_remove(in, r->body, n);
	r->body[n] = '\0';
}

/* One request to the fixture's endpoint, served by the same loop. */
static void request(struct fixture *f, enum evhttp_cmd_type cmd, const char *path,
		    struct reply *r)
{
	struct evhttp_connection *c =
		evhttp_connection_base_new(f->base, NULL, "127.0.0.1", np_metrics_port(f->m));
	struct evhttp_request *req;
	struct timeval limit = { WAIT_S, 0 };

	memset(r, 0, sizeof(*r));
	r->base = f->base;
	assert_non_null(c);
	req = evhttp_request_new(on_reply, r);
	assert_non_null(req);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", "localhost");
	assert_int_equal(evhttp_make_request(c, req, cmd, path), 0);
	event_base_loopexit(f->base, &limit);
	event_base_dispatch(f->base);
	evhttp_connection_free(c);
	assert_int_not_equal(r->code, 0);
}

static void test_scrape_exact_text(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	request(f, EVHTTP_REQ_GET, "/metrics", &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.type, "text/plain; version=0.0.4; charset=utf-8");
	assert_string_equal(r.body,
			    "# TYPE np_test_pkt4_received counter\n"
			    "np_test_pkt4_received 42\n"
			    "# TYPE np_test_leases gauge\n"
			    "np_test_leases 7\n");
	assert_int_equal(f->scrapes, 1);
}

static void test_each_scrape_is_fresh(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	request(f, EVHTTP_REQ_GET, "/metrics", &r);
	assert_non_null(strstr(r.body, "\nnp_test_pkt4_received 42\n"));
	f->received = UINT64_C(18446744073709551615);
	request(f, EVHTTP_REQ_GET, "/", &r);
	assert_int_equal(r.code, 200);
	assert_non_null(strstr(r.body, "\nnp_test_pkt4_received 18446744073709551615\n"));
	assert_int_equal(f->scrapes, 2);
}

static void test_other_paths_404(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	request(f, EVHTTP_REQ_GET, "/metricsx", &r);
	assert_int_equal(r.code, 404);
	request(f, EVHTTP_REQ_GET, "/metrics/../etc/passwd", &r);
	assert_int_equal(r.code, 404);
	assert_int_equal(f->scrapes, 0);
}

static void test_methods(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	request(f, EVHTTP_REQ_POST, "/metrics", &r);
	assert_int_equal(r.code, 405);
	request(f, EVHTTP_REQ_HEAD, "/metrics", &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body, "");
}

static void test_query_string_ignored(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	request(f, EVHTTP_REQ_GET, "/metrics?name[]=x", &r);
	assert_int_equal(r.code, 200);
	assert_non_null(strstr(r.body, "np_test_leases 7\n"));
}

/* The daemons' statistic-get-all objects become samples, names made legal. */
static enum np_metric_type gauge_if_leases(const char *name)
{
	return strcmp(name, "leases") == 0 ? NP_METRIC_GAUGE : NP_METRIC_COUNTER;
}

static void json_writer(struct np_metrics_out *out, void *ctx)
{
	json_t *o = json_pack("{s:I, s:s, s:i, s:I, s:f, s:i, s:b}", "pkt-received", (json_int_t)5,
			      "interface", "eth0", "negative", -1, "cache.hits",
			      (json_int_t)1099511627776LL, "ratio", 0.5, "leases", 3, "up", 1);

	(void)ctx;
	np_metrics_write_json(out, o, gauge_if_leases);
	json_decref(o);
}

static void test_json_statistics(void **state)
{
	struct fixture *f = *state;
	struct np_metrics *m2;
	struct np_metrics *saved = f->m;
	struct reply r;

	assert_int_equal(np_metrics_new(f->base, LOCALHOST, 0, "np_arpd", json_writer, NULL, &m2), 0);
	f->m = m2;
	request(f, EVHTTP_REQ_GET, "/metrics", &r);
	f->m = saved;
	np_metrics_free(m2);
	assert_int_equal(r.code, 200);
	/* Grouped by name (sorted), as the text format requires. */
	assert_string_equal(r.body,
			    "# TYPE np_arpd_cache_hits counter\n"
			    "np_arpd_cache_hits 1099511627776\n"
			    "# TYPE np_arpd_leases gauge\n"
			    "np_arpd_leases 3\n"
			    "# TYPE np_arpd_pkt_received counter\n"
			    "np_arpd_pkt_received 5\n");
}

/*
 * Kea's statistics shape (np-dhcpd): [[value, "time"]] samples, per-subnet
 * and per-pool names as labels of one metric, every sample of a metric
 * after its one TYPE line.
 */
static enum np_metric_type gauge_if_addresses(const char *name)
{
	return strstr(name, "-addresses") ? NP_METRIC_GAUGE : NP_METRIC_COUNTER;
}

static void kea_writer(struct np_metrics_out *out, void *ctx)
{
	json_error_t err;
	json_t *o = json_loads("{\"pkt4-received\": [[10, \"2026-11-22 02:30:00.000001\"]],"
			       " \"subnet[1].assigned-addresses\": [[2, \"t\"], [1, \"t0\"]],"
			       " \"subnet[1].pool[0].assigned-addresses\": [[1, \"t\"]],"
			       " \"declined-addresses\": [[0, \"t\"]],"
			       " \"subnet[2].assigned-addresses\": [[5, \"t\"]],"
			       " \"subnet[x\\\"y].odd\": 4, \"empty\": []}", 0, &err);

	(void)ctx;
	assert_non_null(o);
	np_metrics_write_json(out, o, gauge_if_addresses);
	json_decref(o);
}

static void test_kea_statistics(void **state)
{
	struct fixture *f = *state;
	struct np_metrics *m2;
	struct np_metrics *saved = f->m;
	struct reply r;

	assert_int_equal(np_metrics_new(f->base, LOCALHOST, 0, "np_dhcpd", kea_writer, NULL, &m2), 0);
	f->m = m2;
	request(f, EVHTTP_REQ_GET, "/metrics", &r);
	f->m = saved;
	np_metrics_free(m2);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body,
			    "# TYPE np_dhcpd_assigned_addresses gauge\n"
			    "np_dhcpd_assigned_addresses{subnet=\"1\"} 2\n"
			    "np_dhcpd_assigned_addresses{subnet=\"1\",pool=\"0\"} 1\n"
			    "np_dhcpd_assigned_addresses{subnet=\"2\"} 5\n"
			    "# TYPE np_dhcpd_declined_addresses gauge\n"
			    "np_dhcpd_declined_addresses 0\n"
			    "# TYPE np_dhcpd_pkt4_received counter\n"
			    "np_dhcpd_pkt4_received 10\n"
			    "# TYPE np_dhcpd_subnet_x_y__odd counter\n"
			    "np_dhcpd_subnet_x_y__odd 4\n");
}

static void test_bind_errors(void **state)
{
	struct fixture *f = *state;
	struct np_metrics *m = NULL;

	assert_int_equal(np_metrics_new(f->base, LOCALHOST, np_metrics_port(f->m), "np_x", writer,
					f, &m), -EADDRINUSE);
	/* TEST-NET-1 (RFC 5737) is on no interface here. */
	assert_int_equal(np_metrics_new(f->base, 0xc0000201u, 0, "np_x", writer, f, &m),
			 -EADDRNOTAVAIL);
	assert_int_equal(np_metrics_new(f->base, LOCALHOST, 0, "", writer, f, &m), -EINVAL);
	assert_int_equal(np_metrics_new(f->base, LOCALHOST, 0,
					"a_prefix_longer_than_thirty_one_bytes", writer, f, &m),
			 -EINVAL);
	assert_int_equal(np_metrics_new(f->base, LOCALHOST, 0, "np_x", NULL, f, &m), -EINVAL);
	assert_null(m);
	np_metrics_free(NULL);
}

/* A freed endpoint gives its port back: a new one binds the same port. */
static void test_free_closes(void **state)
{
	struct fixture *f = *state;
	uint16_t port = np_metrics_port(f->m);
	struct np_metrics *m;

	np_metrics_free(f->m);
	assert_int_equal(np_metrics_new(f->base, LOCALHOST, port, "np_test", writer, f, &m), 0);
	f->m = m;
	assert_int_equal(np_metrics_port(m), port);
}

/* A plain TCP connection to the endpoint that sends nothing. */
static int idle_client(struct fixture *f)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(np_metrics_port(f->m)),
				   .sin_addr.s_addr = htonl(LOCALHOST) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Run the loop until it has nothing left to do at once. */
static void settle(struct fixture *f)
{
	struct timeval t = { 0, 100 * 1000 };

	event_base_loopexit(f->base, &t);
	event_base_dispatch(f->base);
}

/* 16 idle clients fill every place: a scrape still gets in, the oldest goes. */
static void test_idle_clients_make_room(void **state)
{
	struct fixture *f = *state;
	struct np_metrics_stats st;
	struct reply r;
	int fds[17];
	struct pollfd p;
	char c;

	for (int i = 0; i < 17; i++) {
		fds[i] = idle_client(f);
		settle(f);              /* accepted in this order */
	}
	request(f, EVHTTP_REQ_GET, "/metrics", &r);
	assert_int_equal(r.code, 200);
	np_metrics_get_stats(f->m, &st);
	assert_int_equal(st.accepted, 18);
	assert_int_equal(st.evicted, 2);
	assert_int_equal(st.refused, 0);
	for (int i = 0; i < 17; i++) {
		p = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		/* The two oldest were closed; the others are still open. */
		assert_int_equal(poll(&p, 1, 0) == 1 && recv(fds[i], &c, 1, 0) == 0, i < 2);
		close(fds[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scrape_exact_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_scrape_is_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_paths_404, setup, teardown),
		cmocka_unit_test_setup_teardown(test_methods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_string_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_statistics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kea_statistics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_clients_make_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_closes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
