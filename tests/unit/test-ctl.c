/*
 * test-ctl.c: the control socket, served by a libevent loop in a second
 * thread, driven by np_ctl_call() and by raw clients that write requests
 * in pieces, stall, or crowd the server.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "ctl.h"

#define VERSION "1.2.3-test"
#define EXTENDED "netproto 1.2.3-test (unit test)"
#define WAIT_MS 5000

struct server {
	char dir[64];
	char path[128];
	struct np_ctl_opts opts;
	struct event_base *base;
	struct np_ctl *ctl;
	struct event *stop_ev;
	int stop_pipe[2];
	pthread_t thread;
	int running;
	int calls;                     /* touched by the server thread only */
};

/* ---- Handlers ---------------------------------------------------------- */

static json_t *h_echo(const char *command, json_t *arguments, void *ctx)
{
	(void)command;
	(void)ctx;
	return np_ctl_answer(NP_CTL_SUCCESS, "echoed", arguments ? json_incref(arguments) : NULL);
}

/* Counts its calls through the context pointer and reports the count. */
static json_t *h_count(const char *command, json_t *arguments, void *ctx)
{
	struct server *s = ctx;

	(void)command;
	(void)arguments;
	s->calls++;
	return np_ctl_answer(NP_CTL_SUCCESS, NULL, json_pack("{s:i}", "calls", s->calls));
}

static json_t *h_empty(const char *command, json_t *arguments, void *ctx)
{
	(void)command;
	(void)arguments;
	(void)ctx;
	return np_ctl_answer(NP_CTL_EMPTY, "0 leases found", NULL);
}

static json_t *h_noanswer(const char *command, json_t *arguments, void *ctx)
{
	(void)command;
	(void)arguments;
	(void)ctx;
	return NULL;
}

static json_t *h_status(const char *command, json_t *arguments, void *ctx)
{
	(void)command;
	(void)arguments;
	(void)ctx;
	return np_ctl_answer(NP_CTL_SUCCESS, "custom status", NULL);
}

/* ---- Server in a thread -------------------------------------------------- */

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(s->base);
}

static void *run_loop(void *arg)
{
	struct server *s = arg;

	event_base_dispatch(s->base);
	return NULL;
}

static void server_prepare(struct server *s)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->dir, "/tmp/np-test-ctl.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/ctl.sock", s->dir);
	s->opts.path = s->path;
	s->opts.version = VERSION;
	s->opts.extended = EXTENDED;
	s->base = event_base_new();
	assert_non_null(s->base);
}

static void server_start(struct server *s)
{
	assert_int_equal(np_ctl_new(s->base, &s->opts, &s->ctl), 0);
	assert_int_equal(np_ctl_register(s->ctl, "echo", h_echo, NULL), 0);
	assert_int_equal(np_ctl_register(s->ctl, "count", h_count, s), 0);
	assert_int_equal(np_ctl_register(s->ctl, "empty", h_empty, NULL), 0);
	assert_int_equal(np_ctl_register(s->ctl, "noanswer", h_noanswer, NULL), 0);
	assert_int_equal(pipe2(s->stop_pipe, O_CLOEXEC), 0);
	s->stop_ev = event_new(s->base, s->stop_pipe[0], EV_READ, on_stop, s);
	event_add(s->stop_ev, NULL);
	assert_int_equal(pthread_create(&s->thread, NULL, run_loop, s), 0);
	s->running = 1;
}

static int setup_with(void **state, size_t max_request, int timeout_ms, unsigned int max_clients)
{
	struct server *s = malloc(sizeof(*s));

	server_prepare(s);
	s->opts.max_request = max_request;
	s->opts.timeout_ms = timeout_ms;
	s->opts.max_clients = max_clients;
	server_start(s);
	*state = s;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, 0, 0, 0);
}

static int setup_short_timeout(void **state)
{
	return setup_with(state, 0, 200, 0);
}

static int setup_two_clients(void **state)
{
	return setup_with(state, 0, 0, 2);
}

static void server_stop(struct server *s)
{
	if (s->running) {
		assert_int_equal(write(s->stop_pipe[1], "x", 1), 1);
		pthread_join(s->thread, NULL);
		event_free(s->stop_ev);
		close(s->stop_pipe[0]);
		close(s->stop_pipe[1]);
		s->running = 0;
	}
	np_ctl_free(s->ctl);
	s->ctl = NULL;
}

static int teardown(void **state)
{
	struct server *s = *state;

	server_stop(s);
	/* The socket file goes with the server. */
	assert_int_equal(access(s->path, F_OK), -1);
	event_base_free(s->base);
	rmdir(s->dir);
	free(s);
	return 0;
}

/* ---- Helpers --------------------------------------------------------------- */

static json_t *call(struct server *s, const char *command, json_t *arguments)
{
	json_t *ans = NULL;

	assert_int_equal(np_ctl_call(s->path, command, arguments, &ans, WAIT_MS), 0);
	assert_non_null(ans);
	return ans;
}

static json_t *call_raw(struct server *s, const char *request)
{
	json_t *ans = NULL;

	assert_int_equal(np_ctl_call_raw(s->path, request, strlen(request), &ans, WAIT_MS), 0);
	return ans;
}

static const char *text_of(const json_t *ans)
{
	const char *t = json_string_value(json_object_get(ans, "text"));

	return t ? t : "";
}

/* The answer to request has this result and its text starts with prefix. */
static void expect_raw(struct server *s, const char *request, int result, const char *prefix)
{
	json_t *ans = call_raw(s, request);

	assert_int_equal(np_ctl_result(ans), result);
	assert_true(strncmp(text_of(ans), prefix, strlen(prefix)) == 0 ||
		    (fprintf(stderr, "text: %s\n", text_of(ans)), 0));
	json_decref(ans);
}

static int raw_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sun.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static void raw_write(int fd, const char *text)
{
	assert_int_equal(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

/* Read one answer until the server closes; NULL when nothing came in time. */
static json_t *raw_answer(int fd, int timeout_ms)
{
	char buf[4096];
	size_t len = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		ssize_t n;

		if (poll(&p, 1, timeout_ms) != 1)
			return NULL;
		n = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	return json_loadb(buf, len, 0, NULL);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Built-in commands ------------------------------------------------------ */

static void version_get(void **state)
{
	json_t *ans = call(*state, "version-get", NULL);

	assert_int_equal(np_ctl_result(ans), NP_CTL_SUCCESS);
	assert_string_equal(text_of(ans), VERSION);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ans, "arguments"),
							      "extended")), EXTENDED);
	json_decref(ans);
}

static void list_commands(void **state)
{
	json_t *ans = call(*state, "list-commands", NULL);
	json_t *want = json_pack("[s,s,s,s,s,s,s]", "count", "echo", "empty", "list-commands",
				 "noanswer", "status-get", "version-get");

	assert_int_equal(np_ctl_result(ans), NP_CTL_SUCCESS);
	assert_true(json_equal(json_object_get(ans, "arguments"), want));
	json_decref(want);
	json_decref(ans);
}

static void status_get(void **state)
{
	json_t *ans = call(*state, "status-get", NULL);
	json_t *args = json_object_get(ans, "arguments");

	assert_int_equal(np_ctl_result(ans), NP_CTL_SUCCESS);
	assert_int_equal(json_integer_value(json_object_get(args, "pid")), getpid());
	assert_true(json_is_integer(json_object_get(args, "uptime")));
	assert_true(json_integer_value(json_object_get(args, "uptime")) < 60);
	assert_true(json_is_integer(json_object_get(args, "reload")));
	json_decref(ans);
}

/* ---- Requests ---------------------------------------------------------------- */

static void unknown_command(void **state)
{
	json_t *ans = call(*state, "no-such-command", NULL);

	assert_int_equal(np_ctl_result(ans), NP_CTL_UNSUPPORTED);
	assert_string_equal(text_of(ans), "'no-such-command' command not supported");
	json_decref(ans);
}

/* Every JSON type through a handler and back, unchanged. */
static void arguments_round_trip(void **state)
{
	json_t *args = json_pack("{s:s, s:I, s:f, s:b, s:n, s:[i,s,{s:[]}], s:{s:{s:s}}}",
				 "name", "caf\xc3\xa9 \"quoted\" \\ \xe2\x82\xac",
				 "big", (json_int_t)9007199254740993LL,
				 "real", 0.25, "flag", 1, "nothing",
				 "list", 1, "two", "three",
				 "deep", "a", "b", "c");
	json_t *ans = call(*state, "echo", args);

	assert_int_equal(np_ctl_result(ans), NP_CTL_SUCCESS);
	assert_string_equal(text_of(ans), "echoed");
	assert_true(json_equal(json_object_get(ans, "arguments"), args));
	json_decref(ans);
	/* No arguments: none in the answer either. */
	ans = call(*state, "echo", NULL);
	assert_null(json_object_get(ans, "arguments"));
	json_decref(ans);
	json_decref(args);
}

static void handler_context(void **state)
{
	for (int i = 1; i <= 3; i++) {
		json_t *ans = call(*state, "count", NULL);

		assert_int_equal(json_integer_value(json_object_get(json_object_get(ans, "arguments"),
								    "calls")), i);
		json_decref(ans);
	}
}

static void handler_results(void **state)
{
	json_t *ans = call(*state, "empty", NULL);

	assert_int_equal(np_ctl_result(ans), NP_CTL_EMPTY);
	assert_string_equal(text_of(ans), "0 leases found");
	json_decref(ans);
	ans = call(*state, "noanswer", NULL);
	assert_int_equal(np_ctl_result(ans), NP_CTL_ERROR);
	assert_string_equal(text_of(ans), "internal error: 'noanswer' gave no answer");
	json_decref(ans);
}

static void malformed_json(void **state)
{
	expect_raw(*state, "{\"command\": \"echo\", ", NP_CTL_ERROR, "invalid JSON: ");
	expect_raw(*state, "{\"command\" \"echo\"}", NP_CTL_ERROR, "invalid JSON: ");
	expect_raw(*state, "hello", NP_CTL_ERROR, "invalid JSON: ");
	expect_raw(*state, "}", NP_CTL_ERROR, "invalid JSON: ");
	expect_raw(*state, "{\"command\": \"echo\"]", NP_CTL_ERROR, "invalid JSON: ");
	expect_raw(*state, "{\"command\": \"echo\", \"command\": \"x\"}", NP_CTL_ERROR,
		   "invalid JSON: duplicate object key");
	/* Not JSON text at all. */
	expect_raw(*state, "\xff\xfe{}", NP_CTL_ERROR, "invalid JSON: ");
	/* The position is in the text. */
	expect_raw(*state, "{\"command\": tru}", NP_CTL_ERROR, "invalid JSON: invalid token near 'tru' at line 1, column");
}

static void malformed_request(void **state)
{
	expect_raw(*state, "[\"command\", \"echo\"]", NP_CTL_ERROR, "invalid request: not a JSON object");
	expect_raw(*state, "{\"command\": 5}", NP_CTL_ERROR, "invalid request: 'command' must be");
	expect_raw(*state, "{\"command\": \"\"}", NP_CTL_ERROR, "invalid request: 'command' must be");
	expect_raw(*state, "{\"arguments\": {}}", NP_CTL_ERROR, "invalid request: 'command' must be");
	expect_raw(*state, "{\"command\": \"echo\", \"arguments\": [1]}", NP_CTL_ERROR,
		   "invalid request: 'arguments' must be a map");
	expect_raw(*state, "{\"command\": \"echo\", \"argument\": {}}", NP_CTL_ERROR,
		   "invalid request: unsupported parameter 'argument'");
	/* Kea's "service" is accepted and ignored; braces inside strings are data. */
	expect_raw(*state, "{\"command\": \"echo\", \"service\": [\"dhcp4\"], \"arguments\": {\"x\": \"}]\\\"{\"}}",
		   NP_CTL_SUCCESS, "echoed");
}

static void empty_request(void **state)
{
	expect_raw(*state, "", NP_CTL_ERROR, "empty request");
	expect_raw(*state, " \n\t", NP_CTL_ERROR, "empty request");
}

/* A request of n bytes: {"command":"echo","arguments":{"pad":"xxx..."}} */
static char *padded_request(size_t n)
{
	static const char head[] = "{\"command\":\"echo\",\"arguments\":{\"pad\":\"";
	static const char tail[] = "\"}}";
	char *r = malloc(n + 1);

	memcpy(r, head, sizeof(head) - 1);
	memset(r + sizeof(head) - 1, 'x', n - (sizeof(head) - 1) - (sizeof(tail) - 1));
	memcpy(r + n - (sizeof(tail) - 1), tail, sizeof(tail));
	assert_int_equal(strlen(r), n);
	return r;
}

static void size_limit(void **state)
{
	char *ok = padded_request(NP_CTL_MAX_REQUEST);
	char *big = padded_request(NP_CTL_MAX_REQUEST + 1);
	char *huge = padded_request(1 << 20);
	json_t *ans = call_raw(*state, ok);

	assert_int_equal(np_ctl_result(ans), NP_CTL_SUCCESS);
	assert_int_equal(json_string_length(json_object_get(json_object_get(ans, "arguments"), "pad")),
			 NP_CTL_MAX_REQUEST - strlen("{\"command\":\"echo\",\"arguments\":{\"pad\":\"\"}}"));
	json_decref(ans);
	expect_raw(*state, big, NP_CTL_ERROR, "request exceeds 65536 bytes");
	/* The client is still writing when the server answers and closes. */
	expect_raw(*state, huge, NP_CTL_ERROR, "request exceeds 65536 bytes");
	free(ok);
	free(big);
	free(huge);
}

/* The object's closing brace ends the request; no EOF needed. */
static void request_in_pieces_without_eof(void **state)
{
	struct server *s = *state;
	int fd = raw_connect(s->path);
	json_t *ans;

	raw_write(fd, "{\"command\": \"ec");
	usleep(50000);
	raw_write(fd, "ho\", \"arguments\": {\"a\": [1, {\"b\": \"}\"}]");
	usleep(50000);
	/* Not yet complete: nothing to read. */
	assert_null(raw_answer(fd, 100));
	raw_write(fd, "}}");
	ans = raw_answer(fd, WAIT_MS);
	assert_non_null(ans);
	assert_int_equal(np_ctl_result(ans), NP_CTL_SUCCESS);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
		json_object_get(ans, "arguments"), "a"), 1), "b")), "}");
	json_decref(ans);
	close(fd);
}

/* Three clients at once, answered in the order their requests complete. */
static void several_clients(void **state)
{
	struct server *s = *state;
	int a = raw_connect(s->path), b = raw_connect(s->path), c = raw_connect(s->path);
	json_t *ans;

	raw_write(a, "{\"command\": \"echo\", \"arguments\": {\"who\": ");
	raw_write(b, "{\"command\": \"echo\", \"arguments\": {\"who\": \"b\"}}");
	raw_write(c, "{\"command\": \"version-get\"");
	ans = raw_answer(b, WAIT_MS);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ans, "arguments"), "who")), "b");
	json_decref(ans);
	raw_write(c, "}");
	ans = raw_answer(c, WAIT_MS);
	assert_string_equal(text_of(ans), VERSION);
	json_decref(ans);
	raw_write(a, "\"a\"}}");
	ans = raw_answer(a, WAIT_MS);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ans, "arguments"), "who")), "a");
	json_decref(ans);
	close(a);
	close(b);
	close(c);
}

static void idle_timeout(void **state)
{
	struct server *s = *state;
	int fd = raw_connect(s->path);
	long long t0 = now_ms(), dt;
	json_t *ans;

	raw_write(fd, "{\"command\": \"echo\"");
	ans = raw_answer(fd, WAIT_MS);
	dt = now_ms() - t0;
	assert_non_null(ans);
	assert_int_equal(np_ctl_result(ans), NP_CTL_ERROR);
	assert_string_equal(text_of(ans), "no complete request within 200 ms");
	assert_true(dt >= 150 && dt < 3000);
	json_decref(ans);
	close(fd);
}

/* Stop the loop (the server stays, for teardown) and read its counters. */
static void stats_after_stop(struct server *s, struct np_ctl_stats *st)
{
	assert_int_equal(write(s->stop_pipe[1], "x", 1), 1);
	pthread_join(s->thread, NULL);
	event_free(s->stop_ev);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	s->running = 0;
	np_ctl_get_stats(s->ctl, st);
}

/* true when the server closed fd within WAIT_MS. */
static bool closed_by_server(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	return poll(&p, 1, WAIT_MS) == 1 && recv(fd, &c, 1, 0) <= 0;
}

/* Idle clients holding every place: the oldest makes room for a newcomer. */
static void too_many_clients(void **state)
{
	struct server *s = *state;
	int a = raw_connect(s->path), b = raw_connect(s->path);
	struct pollfd p = { .fd = b, .events = POLLIN };
	struct np_ctl_stats st;
	json_t *ans = NULL;

	usleep(100000);          /* let the server accept both */
	ans = call(s, "version-get", NULL);
	assert_int_equal(np_ctl_result(ans), NP_CTL_SUCCESS);
	json_decref(ans);
	assert_true(closed_by_server(a));
	assert_int_equal(poll(&p, 1, 0), 0);    /* the younger one is still open */
	close(a);
	close(b);
	stats_after_stop(s, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.refused, 0);
}

/* A request sent a byte at a time cannot outlive timeout_ms (200 ms). */
static void trickled_request_deadline(void **state)
{
	struct server *s = *state;
	int fd = raw_connect(s->path);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct np_ctl_stats st;
	json_t *ans;
	int i;

	raw_write(fd, "{");
	for (i = 0; i < 60 && poll(&p, 1, 50) == 0; i++)
		raw_write(fd, " ");     /* never complete */
	assert_true(i < 60);
	ans = raw_answer(fd, WAIT_MS);
	assert_non_null(ans);
	assert_string_equal(text_of(ans), "no complete request within 200 ms");
	json_decref(ans);
	close(fd);
	stats_after_stop(s, &st);
	assert_int_equal(st.timed_out, 1);
	assert_int_equal(st.accepted, 1);
}

/* ---- The socket file ----------------------------------------------------------- */

static void file_mode(void **state)
{
	struct server *s = *state;
	struct stat st;

	assert_int_equal(stat(s->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
}

static void live_socket_refused(void **state)
{
	struct server *s = *state;
	struct event_base *base2 = event_base_new();
	struct np_ctl *second = NULL;
	json_t *ans;

	assert_int_equal(np_ctl_new(base2, &s->opts, &second), -EADDRINUSE);
	assert_null(second);
	/* The first server still has its file and answers. */
	ans = call(s, "version-get", NULL);
	assert_int_equal(np_ctl_result(ans), NP_CTL_SUCCESS);
	json_decref(ans);
	event_base_free(base2);
}

/* Leave a socket file behind, as a daemon killed with SIGKILL does. */
static void make_stale_socket(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sun.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
}

static void stale_socket_replaced(void **state)
{
	struct server *s = malloc(sizeof(*s));
	json_t *ans = NULL;

	server_prepare(s);
	make_stale_socket(s->path);
	assert_int_equal(np_ctl_call(s->path, "version-get", NULL, &ans, WAIT_MS), -ECONNREFUSED);
	server_start(s);
	ans = call(s, "version-get", NULL);
	assert_int_equal(np_ctl_result(ans), NP_CTL_SUCCESS);
	json_decref(ans);
	*state = s;             /* teardown() stops it and checks the file is gone */
}

static void other_file_kept(void **state)
{
	struct server s;
	struct np_ctl *ctl = NULL;
	char buf[16] = { 0 };
	int fd;

	(void)state;
	server_prepare(&s);
	fd = open(s.path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_int_equal(write(fd, "precious", 8), 8);
	close(fd);
	assert_int_equal(np_ctl_new(s.base, &s.opts, &ctl), -EEXIST);
	fd = open(s.path, O_RDONLY | O_CLOEXEC);
	assert_int_equal(read(fd, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "precious");
	close(fd);
	unlink(s.path);
	rmdir(s.dir);
	event_base_free(s.base);
}

static void bad_paths_and_mode(void **state)
{
	struct server s;
	struct np_ctl *ctl = NULL;
	char longpath[200];
	struct stat st;

	(void)state;
	server_prepare(&s);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = 0;
	s.opts.path = longpath;
	assert_int_equal(np_ctl_new(s.base, &s.opts, &ctl), -ENAMETOOLONG);
	s.opts.path = "";
	assert_int_equal(np_ctl_new(s.base, &s.opts, &ctl), -EINVAL);
	s.opts.path = "/nonexistent-dir-np/ctl.sock";
	assert_int_equal(np_ctl_new(s.base, &s.opts, &ctl), -ENOENT);
	assert_null(ctl);
	s.opts.path = s.path;
	s.opts.mode = 0600;
	assert_int_equal(np_ctl_new(s.base, &s.opts, &ctl), 0);
	assert_int_equal(stat(s.path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	np_ctl_free(ctl);
	assert_int_equal(access(s.path, F_OK), -1);
	np_ctl_free(NULL);
	rmdir(s.dir);
	event_base_free(s.base);
}

/* A listening socket handed over (socket activation) is served, and its file kept. */
static void inherited_socket(void **state)
{
	struct server *s = malloc(sizeof(*s));
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;
	json_t *ans;

	server_prepare(s);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sun.sun_path, s->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(np_ctl_new_fd(s->base, fd, &s->opts, &s->ctl), 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(pipe2(s->stop_pipe, O_CLOEXEC), 0);
	s->stop_ev = event_new(s->base, s->stop_pipe[0], EV_READ, on_stop, s);
	event_add(s->stop_ev, NULL);
	assert_int_equal(pthread_create(&s->thread, NULL, run_loop, s), 0);
	s->running = 1;
	ans = call(s, "version-get", NULL);
	assert_int_equal(np_ctl_result(ans), NP_CTL_SUCCESS);
	json_decref(ans);
	server_stop(s);
	assert_int_equal(access(s->path, F_OK), 0);
	unlink(s->path);
	event_base_free(s->base);
	rmdir(s->dir);
	free(s);
	(void)state;
}

/* ---- Registration and in-memory handling ------------------------------------------ */

static void registration(void **state)
{
	struct server *s = *state;
	json_t *ans;

	assert_int_equal(np_ctl_register(s->ctl, "echo", h_echo, NULL), -EEXIST);
	assert_int_equal(np_ctl_register(s->ctl, "", h_echo, NULL), -EINVAL);
	assert_int_equal(np_ctl_register(s->ctl, "x", NULL, NULL), -EINVAL);
	/* A built-in may be replaced, once. */
	assert_int_equal(np_ctl_register(s->ctl, "status-get", h_status, NULL), 0);
	assert_int_equal(np_ctl_register(s->ctl, "status-get", h_status, NULL), -EEXIST);
	ans = np_ctl_handle(s->ctl, "{\"command\":\"status-get\"}", 24);
	assert_string_equal(text_of(ans), "custom status");
	json_decref(ans);
}

static void handle_in_memory(void **state)
{
	struct server *s = *state;
	const char req[] = "{\"command\": \"echo\", \"arguments\": {\"k\": 1}}  \n";
	json_t *ans = np_ctl_handle(s->ctl, req, sizeof(req) - 1);

	assert_int_equal(np_ctl_result(ans), NP_CTL_SUCCESS);
	json_decref(ans);
	/* Only white space may follow the object. */
	ans = np_ctl_handle(s->ctl, "{\"command\": \"echo\"} x", 21);
	assert_int_equal(np_ctl_result(ans), NP_CTL_ERROR);
	json_decref(ans);
	ans = np_ctl_handle(s->ctl, NULL, 0);
	assert_int_equal(np_ctl_result(ans), NP_CTL_ERROR);
	json_decref(ans);
}

/* ---- Client errors ------------------------------------------------------------------ */

/* A child process that accepts one connection and does what is asked. */
static pid_t fake_server(const char *path, const char *reply)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	strcpy(sun.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int c = accept(fd, NULL, NULL);
		char buf[256];

		if (!reply) {
			pause();        /* never answers */
			_exit(0);
		}
		(void)!read(c, buf, sizeof(buf));
		(void)!write(c, reply, strlen(reply));
		_exit(0);
	}
	close(fd);
	return pid;
}

static void client_errors(void **state)
{
	struct server s;
	json_t *ans = NULL;
	long long t0;
	pid_t pid;

	(void)state;
	server_prepare(&s);
	assert_int_equal(np_ctl_call(s.path, "version-get", NULL, &ans, WAIT_MS), -ENOENT);
	assert_int_equal(np_ctl_call(s.path, "", NULL, &ans, WAIT_MS), -EINVAL);
	{
		json_t *one = json_integer(1);

		assert_int_equal(np_ctl_call(s.path, "x", one, &ans, WAIT_MS), -EINVAL);
		json_decref(one);
	}

	pid = fake_server(s.path, NULL);
	t0 = now_ms();
	assert_int_equal(np_ctl_call(s.path, "version-get", NULL, &ans, 200), -ETIMEDOUT);
	assert_true(now_ms() - t0 >= 150 && now_ms() - t0 < 3000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(s.path);

	pid = fake_server(s.path, "this is not JSON");
	assert_int_equal(np_ctl_call(s.path, "version-get", NULL, &ans, WAIT_MS), -EPROTO);
	waitpid(pid, NULL, 0);
	unlink(s.path);

	pid = fake_server(s.path, "");
	assert_int_equal(np_ctl_call(s.path, "version-get", NULL, &ans, WAIT_MS), -ECONNRESET);
	waitpid(pid, NULL, 0);
	unlink(s.path);
	assert_null(ans);
	rmdir(s.dir);
	event_base_free(s.base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(version_get, setup, teardown),
		cmocka_unit_test_setup_teardown(list_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(status_get, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_command, setup, teardown),
		cmocka_unit_test_setup_teardown(arguments_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(handler_context, setup, teardown),
		cmocka_unit_test_setup_teardown(handler_results, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_json, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_request, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_request, setup, teardown),
		cmocka_unit_test_setup_teardown(size_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(request_in_pieces_without_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(several_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(idle_timeout, setup_short_timeout, teardown),
		cmocka_unit_test_setup_teardown(too_many_clients, setup_two_clients, teardown),
		cmocka_unit_test_setup_teardown(trickled_request_deadline, setup_short_timeout,
						teardown),
		cmocka_unit_test_setup_teardown(file_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(live_socket_refused, setup, teardown),
		cmocka_unit_test_teardown(stale_socket_replaced, teardown),
		cmocka_unit_test(other_file_kept),
		cmocka_unit_test(bad_paths_and_mode),
		cmocka_unit_test(inherited_socket),
		cmocka_unit_test_setup_teardown(registration, setup, teardown),
		cmocka_unit_test_setup_teardown(handle_in_memory, setup, teardown),
		cmocka_unit_test(client_errors),
	};

	/* A client whose server vanished must get EPIPE, not die of SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
