/* ctl.c: the JSON control socket (Kea's command shape); the client is ctl-client.c. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>

#include "clock.h"
#include "connlimit.h"
#include "ctl.h"

/* After accept() fails (out of descriptors), pause the listener this long. */
#define CTL_ACCEPT_PAUSE_MS 500
/* Connections waiting to be accepted: a burst of clients is not refused. */
#define CTL_BACKLOG 128

struct ctl_cmd {
	char *name;
	np_ctl_handler_fn *fn;
	void *ctx;
	int builtin;
};

/*
 * Finds where the request's top-level object ends without parsing it: the
 * brackets outside strings are counted, so each byte is looked at once.
 * jansson parses the bytes once they are complete.
 */
struct ctl_scan {
	size_t pos;
	unsigned int depth;
	unsigned char in_str;
	unsigned char esc;
};

struct ctl_conn {
	struct np_conn lim;            /* in ctl->conns; busy while answering */
	struct np_ctl *ctl;
	struct bufferevent *bev;
	struct event *deadline;        /* absolute: reading, then writing */
	struct ctl_scan scan;
};

struct np_ctl {
	struct event_base *base;
	struct evconnlistener *listener;
	struct event *resume;          /* re-enables the listener after an accept error */
	char *path;                    /* removed at free when still our file */
	dev_t dev;
	ino_t ino;
	size_t max_request;
	int timeout_ms;
	char *version;
	char *extended;
	struct ctl_cmd *cmds;
	size_t ncmds;
	np_mono_ms_t started;
	np_mono_ms_t reloaded;
	struct np_conn_set conns;      /* most recently accepted first */
	struct np_ctl_stats stats;
};

/* ---- Answers ------------------------------------------------------------ */

json_t *np_ctl_answer(int result, const char *text, json_t *arguments)
{
	json_t *a = json_object();

	if (!a) {
		json_decref(arguments);
		return NULL;
	}
	json_object_set_new(a, "result", json_integer(result));
	if (text)
		json_object_set_new(a, "text", json_string(text));
	if (arguments)
		json_object_set_new(a, "arguments", arguments);
	return a;
}

static json_t *answerf(int result, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static json_t *answerf(int result, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return np_ctl_answer(result, text, NULL);
}

/* ---- Commands ------------------------------------------------------------ */

static struct ctl_cmd *ctl_find(struct np_ctl *ctl, const char *name)
{
	for (size_t i = 0; i < ctl->ncmds; i++)
		if (strcmp(ctl->cmds[i].name, name) == 0)
			return &ctl->cmds[i];
	return NULL;
}

static int ctl_add(struct np_ctl *ctl, const char *name, np_ctl_handler_fn *fn, void *ctx,
		   int builtin)
{
	struct ctl_cmd *c = ctl_find(ctl, name);
	struct ctl_cmd *grown;
	char *copy;

	if (c && !c->builtin)
		return -EEXIST;
	if (c) {
		c->fn = fn;
		c->ctx = ctx;
		c->builtin = builtin;
		return 0;
	}
	copy = strdup(name);
	grown = realloc(ctl->cmds, (ctl->ncmds + 1) * sizeof(*grown));
	if (!copy || !grown) {
		free(copy);
		if (grown)
			ctl->cmds = grown;
		return -ENOMEM;
	}
	ctl->cmds = grown;
	ctl->cmds[ctl->ncmds++] = (struct ctl_cmd){ copy, fn, ctx, builtin };
	return 0;
}

int np_ctl_register(struct np_ctl *ctl, const char *command, np_ctl_handler_fn *fn, void *ctx)
{
	if (!ctl || !command || !*command || !fn)
		return -EINVAL;
	return ctl_add(ctl, command, fn, ctx, 0);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_t *cmd_list_commands(const char *command, json_t *arguments, void *ctx)
{
	struct np_ctl *ctl = ctx;
	const char **names = calloc(ctl->ncmds, sizeof(*names));
	json_t *list = json_array();

	(void)command;
	(void)arguments;
	if (!names || !list) {
		free(names);
		json_decref(list);
		return NULL;
	}
	for (size_t i = 0; i < ctl->ncmds; i++)
		names[i] = ctl->cmds[i].name;
	qsort(names, ctl->ncmds, sizeof(*names), cmp_names);
	for (size_t i = 0; i < ctl->ncmds; i++)
		json_array_append_new(list, json_string(names[i]));
	free(names);
	return np_ctl_answer(NP_CTL_SUCCESS, NULL, list);
}

static json_t *cmd_version_get(const char *command, json_t *arguments, void *ctx)
{
	struct np_ctl *ctl = ctx;

	(void)command;
	(void)arguments;
	return np_ctl_answer(NP_CTL_SUCCESS, ctl->version,
			     json_pack("{s:s}", "extended", ctl->extended));
}

/* Kea's status-get: pid, uptime and seconds since the last reload. */
static json_t *cmd_status_get(const char *command, json_t *arguments, void *ctx)
{
	struct np_ctl *ctl = ctx;

	(void)command;
	(void)arguments;
	return np_ctl_answer(NP_CTL_SUCCESS, NULL,
			     json_pack("{s:I, s:I, s:I}", "pid", (json_int_t)getpid(),
				       "uptime", (json_int_t)np_mono_seconds_since(ctl->started),
				       "reload", (json_int_t)np_mono_seconds_since(ctl->reloaded)));
}

void np_ctl_reloaded(struct np_ctl *ctl)
{
	if (!ctl)
		return;
	ctl->reloaded = np_mono_ms();
}

/* ---- Requests ------------------------------------------------------------ */

/*
 * Kea's request keys: "command", "arguments", and "service" (which daemon
 * a control agent forwards to; a daemon ignores it).  Anything else is
 * likely a typo ("argument") and is refused rather than ignored.
 */
static json_t *check_request(json_t *req, const char **command, json_t **arguments)
{
	const char *key;
	json_t *val;

	if (!json_is_object(req))
		return answerf(NP_CTL_ERROR, "invalid request: not a JSON object");
	json_object_foreach(req, key, val) {
		if (strcmp(key, "command") && strcmp(key, "arguments") && strcmp(key, "service"))
			return answerf(NP_CTL_ERROR, "invalid request: unsupported parameter '%s'", key);
	}
	val = json_object_get(req, "command");
	if (!json_is_string(val) || json_string_length(val) == 0)
		return answerf(NP_CTL_ERROR, "invalid request: 'command' must be a non-empty string");
	*command = json_string_value(val);
	val = json_object_get(req, "arguments");
	if (val && !json_is_object(val))
		return answerf(NP_CTL_ERROR, "invalid request: 'arguments' must be a map");
	*arguments = val;
	return NULL;
}

static json_t *dispatch(struct np_ctl *ctl, json_t *req)
{
	const char *command = NULL;
	json_t *arguments = NULL, *ans;
	struct ctl_cmd *c;

	ans = check_request(req, &command, &arguments);
	if (ans)
		return ans;
	c = ctl_find(ctl, command);
	if (!c)
		return answerf(NP_CTL_UNSUPPORTED, "'%.100s' command not supported", command);
	ans = c->fn(command, arguments, c->ctx);
	if (ans && json_is_integer(json_object_get(ans, "result")))
		return ans;
	json_decref(ans);
	return answerf(NP_CTL_ERROR, "internal error: '%.100s' gave no answer", command);
}

json_t *np_ctl_handle(struct np_ctl *ctl, const void *request, size_t len)
{
	json_error_t err;
	json_t *req, *ans;

	req = json_loadb(request, len, JSON_REJECT_DUPLICATES, &err);
	if (!req)
		return answerf(NP_CTL_ERROR, "invalid JSON: %s at line %d, column %d", err.text,
			       err.line, err.column);
	ans = dispatch(ctl, req);
	json_decref(req);
	return ans;
}

/*
 * Advance over p[scan->pos..len): 1 once the first top-level value is
 * closed (scan->pos is then just past it) or cannot be an object or array
 * (scan->pos is then len, for the parser to say what is wrong), 0 while
 * more is needed.
 */
static int scan_complete(struct ctl_scan *s, const unsigned char *p, size_t len)
{
	for (; s->pos < len; s->pos++) {
		unsigned char c = p[s->pos];

		if (s->in_str) {
			if (s->esc)
				s->esc = 0;
			else if (c == '\\')
				s->esc = 1;
			else if (c == '"')
				s->in_str = 0;
		} else if (c == '"' && s->depth > 0) {
			s->in_str = 1;
		} else if (c == '{' || c == '[') {
			s->depth++;
		} else if (c == '}' || c == ']') {
			if (s->depth <= 1) {
				s->pos++;
				return 1;
			}
			s->depth--;
		} else if (s->depth == 0 && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			s->pos = len;   /* not an object: let the parser see all there is */
			return 1;
		}
	}
	return 0;
}

/* ---- Connections ---------------------------------------------------------- */

static struct ctl_conn *conn_of(struct np_conn *l)
{
	return (struct ctl_conn *)(void *)((char *)l - offsetof(struct ctl_conn, lim));
}

static void conn_free(struct ctl_conn *conn)
{
	np_conn_remove(&conn->ctl->conns, &conn->lim);
	bufferevent_free(conn->bev);
	event_free(conn->deadline);
	free(conn);
}

/*
 * Restart the connection's one deadline: timeout_ms for the whole request
 * from accept(), then timeout_ms for the whole answer.  A client sending
 * or reading a byte at a time extends neither.
 */
static void conn_deadline_from_now(struct ctl_conn *conn)
{
	int ms = conn->ctl->timeout_ms;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(conn->deadline, &tv);
}

static void conn_written(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_free(arg);
}

static void conn_event(struct bufferevent *bev, short what, void *arg);

/* Queue the answer, stop reading, close once it has been written. */
static void conn_answer(struct ctl_conn *conn, json_t *ans)
{
	char *text = ans ? json_dumps(ans, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(ans);
	bufferevent_disable(conn->bev, EV_READ);
	conn->lim.busy = true;         /* owes an answer: not evicted */
	conn_deadline_from_now(conn);
	if (!text || bufferevent_write(conn->bev, text, strlen(text)) < 0 ||
	    bufferevent_write(conn->bev, "\n", 1) < 0) {
		free(text);
		conn_free(conn);
		return;
	}
	free(text);
	bufferevent_setcb(conn->bev, NULL, conn_written, conn_event, conn);
	bufferevent_enable(conn->bev, EV_WRITE);
}

static json_t *too_large(const struct np_ctl *ctl)
{
	return answerf(NP_CTL_ERROR, "request exceeds %zu bytes", ctl->max_request);
}

static void conn_read(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *conn = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);
	const unsigned char *p = evbuffer_pullup(in, -1);

	if (p && scan_complete(&conn->scan, p, len) && conn->scan.pos <= conn->ctl->max_request)
		conn_answer(conn, np_ctl_handle(conn->ctl, p, conn->scan.pos));
	else if (len > conn->ctl->max_request)
		conn_answer(conn, too_large(conn->ctl));
}

/* The client shut down its side: what came is the whole request. */
static void conn_eof(struct ctl_conn *conn)
{
	struct evbuffer *in = bufferevent_get_input(conn->bev);
	size_t len = evbuffer_get_length(in);
	const unsigned char *p = evbuffer_pullup(in, -1);
	size_t i = 0;

	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	if (i == len)
		conn_answer(conn, answerf(NP_CTL_ERROR, "empty request"));
	else if (len > conn->ctl->max_request)
		conn_answer(conn, too_large(conn->ctl));
	else
		conn_answer(conn, np_ctl_handle(conn->ctl, p, len));
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_conn *conn = arg;

	(void)bev;
	if ((what & BEV_EVENT_READING) && (what & BEV_EVENT_EOF))
		conn_eof(conn);
	else
		conn_free(conn);        /* an error */
}

static void conn_expired(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_conn *conn = arg;

	(void)fd;
	(void)what;
	conn->ctl->stats.timed_out++;
	if (conn->lim.busy)
		conn_free(conn);        /* the answer was not taken in time */
	else
		conn_answer(conn, answerf(NP_CTL_ERROR, "no complete request within %d ms",
					  conn->ctl->timeout_ms));
}

/*
 * Room for one more connection: when max_clients are open, the oldest one
 * still sending its request (or sending nothing at all) is closed, so idle
 * or half-open clients cannot lock everyone else out.  false only when
 * every connection is being answered.
 */
static bool ctl_make_room(struct np_ctl *ctl)
{
	unsigned rounds = ctl->conns.count + 1;
	struct np_conn *victim;

	while (rounds--) {
		switch (np_conn_admit(&ctl->conns, 0, &victim)) {
		case NP_CONN_ADMIT:
			return true;
		case NP_CONN_REFUSE:
			return false;
		case NP_CONN_EVICT:
			ctl->stats.evicted++;
			conn_free(conn_of(victim));
			break;
		}
	}
	return false;
}

static void ctl_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		       int salen, void *arg)
{
	static const char busy[] = "{\"result\":1,\"text\":\"too many connections\"}\n";
	struct np_ctl *ctl = arg;
	struct ctl_conn *conn;

	(void)l;
	(void)sa;
	(void)salen;
	if (!ctl_make_room(ctl)) {
		ctl->stats.refused++;
		(void)!send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(fd);
		return;
	}
	conn = calloc(1, sizeof(*conn));
	if (conn) {
		conn->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
		conn->deadline = evtimer_new(ctl->base, conn_expired, conn);
	}
	if (!conn || !conn->bev || !conn->deadline) {
		if (conn && conn->bev)
			bufferevent_free(conn->bev);
		else
			close(fd);
		if (conn && conn->deadline)
			event_free(conn->deadline);
		free(conn);
		return;
	}
	conn->ctl = ctl;
	np_conn_add(&ctl->conns, &conn->lim, 0);
	ctl->stats.accepted++;
	bufferevent_setcb(conn->bev, conn_read, NULL, conn_event, conn);
	/* Read no further than one byte past the limit: enough to know it is over. */
	bufferevent_setwatermark(conn->bev, EV_READ, 0, ctl->max_request + 1);
	conn_deadline_from_now(conn);
	bufferevent_enable(conn->bev, EV_READ);
}

/* accept() failed (EMFILE, ENFILE, ENOMEM): pause rather than spin on it. */
static void ctl_accept_error(struct evconnlistener *l, void *arg)
{
	struct np_ctl *ctl = arg;
	struct timeval tv = { 0, CTL_ACCEPT_PAUSE_MS * 1000 };

	if (ctl->resume && evconnlistener_disable(l) == 0)
		event_add(ctl->resume, &tv);
}

static void ctl_resume(evutil_socket_t fd, short what, void *arg)
{
	struct np_ctl *ctl = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(ctl->listener);
}

/* ---- Server set-up -------------------------------------------------------- */

/*
 * A socket file whose daemon died stays behind and makes bind() fail.  It
 * is removed only when connecting to it is refused: a file that is not a
 * socket, or one that answers, is not ours to take.
 */
static int ctl_clear_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, r;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	if (r == 0 || errno == EAGAIN)
		r = -EADDRINUSE;        /* someone listens (EAGAIN: with a full backlog) */
	else if (errno != ECONNREFUSED)
		r = -errno;
	else if (unlink(sun->sun_path) < 0 && errno != ENOENT)
		r = -errno;
	else
		r = 0;
	close(fd);
	return r;
}

/* Bind with the final permissions already in the umask: no window where they are wider. */
static int ctl_bind(int fd, const struct sockaddr_un *sun, mode_t mode)
{
	mode_t old = umask(~mode & 0777);
	int r = bind(fd, (const struct sockaddr *)sun, sizeof(*sun));
	int err = errno;

	umask(old);
	if (r < 0)
		return -err;
	if (chmod(sun->sun_path, mode) < 0)
		return -errno;
	return 0;
}

static int ctl_listen(const struct np_ctl_opts *o, struct stat *st)
{
	struct sockaddr_un sun;
	int fd, r;

	r = np_ctl_sockaddr(o->path, &sun);
	if (r < 0)
		return r;
	r = ctl_clear_stale(&sun);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = ctl_bind(fd, &sun, o->mode ? o->mode : 0660);
	if (r == 0 && listen(fd, CTL_BACKLOG) < 0)
		r = -errno;
	if (r == 0 && stat(sun.sun_path, st) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

static int ctl_options(struct np_ctl *ctl, const struct np_ctl_opts *o)
{
	ctl->max_request = o->max_request ? o->max_request : NP_CTL_MAX_REQUEST;
	ctl->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : NP_CTL_TIMEOUT_MS;
	np_conn_set_init(&ctl->conns, o->max_clients ? o->max_clients : NP_CTL_MAX_CLIENTS, 0);
	ctl->version = strdup(o->version ? o->version : "unknown");
	ctl->extended = strdup(o->extended ? o->extended : ctl->version ? ctl->version : "");
	ctl->started = np_mono_ms();
	ctl->reloaded = ctl->started;
	if (!ctl->version || !ctl->extended)
		return -ENOMEM;
	if (ctl_add(ctl, "list-commands", cmd_list_commands, ctl, 1) < 0 ||
	    ctl_add(ctl, "version-get", cmd_version_get, ctl, 1) < 0 ||
	    ctl_add(ctl, "status-get", cmd_status_get, ctl, 1) < 0)
		return -ENOMEM;
	return 0;
}

/* Wrap fd (closed on failure too) into a server. */
static int ctl_serve(struct event_base *base, int fd, const struct np_ctl_opts *o,
		     struct np_ctl **out)
{
	struct np_ctl *ctl = calloc(1, sizeof(*ctl));
	int r;

	if (!ctl) {
		close(fd);
		return -ENOMEM;
	}
	ctl->base = base;
	r = ctl_options(ctl, o);
	if (r == 0) {
		ctl->resume = evtimer_new(base, ctl_resume, ctl);
		ctl->listener = evconnlistener_new(base, ctl_accept, ctl,
						   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
		if (!ctl->resume || !ctl->listener)
			r = -ENOMEM;
	}
	if (r < 0) {
		if (!ctl->listener)
			close(fd);
		np_ctl_free(ctl);
		return r;
	}
	evconnlistener_set_error_cb(ctl->listener, ctl_accept_error);
	*out = ctl;
	return 0;
}

int np_ctl_new(struct event_base *base, const struct np_ctl_opts *opts, struct np_ctl **out)
{
	struct np_ctl *ctl;
	struct stat st;
	char *path;
	int fd, r;

	if (!base || !opts || !out)
		return -EINVAL;
	fd = ctl_listen(opts, &st);
	if (fd < 0)
		return fd;
	path = strdup(opts->path);
	if (!path) {
		unlink(opts->path);
		close(fd);
		return -ENOMEM;
	}
	r = ctl_serve(base, fd, opts, &ctl);
	if (r < 0) {
		unlink(path);
		free(path);
		return r;
	}
	ctl->path = path;
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	*out = ctl;
	return 0;
}

int np_ctl_new_fd(struct event_base *base, int fd, const struct np_ctl_opts *opts,
		  struct np_ctl **out)
{
	static const struct np_ctl_opts defaults;

	if (!base || fd < 0 || !out)
		return -EINVAL;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	return ctl_serve(base, fd, opts ? opts : &defaults, out);
}

void np_ctl_get_stats(const struct np_ctl *ctl, struct np_ctl_stats *out)
{
	*out = ctl->stats;
}

/* Remove the socket file only if it is still the one we made. */
static void ctl_unlink(const struct np_ctl *ctl)
{
	struct stat st;

	if (ctl->path && lstat(ctl->path, &st) == 0 && st.st_dev == ctl->dev &&
	    st.st_ino == ctl->ino)
		unlink(ctl->path);
}

void np_ctl_free(struct np_ctl *ctl)
{
	if (!ctl)
		return;
	while (ctl->conns.head)
		conn_free(conn_of(ctl->conns.head));
	if (ctl->listener)
		evconnlistener_free(ctl->listener);
	if (ctl->resume)
		event_free(ctl->resume);
	ctl_unlink(ctl);
	for (size_t i = 0; i < ctl->ncmds; i++)
		free(ctl->cmds[i].name);
	free(ctl->cmds);
	free(ctl->path);
	free(ctl->version);
	free(ctl->extended);
	free(ctl);
}
