/*
 * ctl-client.c: the client side of the control socket (ctl.h), with no
 * event loop: np-ctl and the tests link it without the daemon runtime.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "ctl.h"

/* An answer larger than this is refused (statistics dumps fit). */
#define CTL_MAX_ANSWER (16u << 20)

int np_ctl_result(const json_t *answer)
{
	const json_t *r = json_object_get(answer, "result");

	return json_is_integer(r) ? (int)json_integer_value(r) : -1;
}

int np_ctl_sockaddr(const char *path, struct sockaddr_un *sun)
{
	size_t len = path ? strlen(path) : 0;

	if (len == 0)
		return -EINVAL;
	if (len >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len);
	return 0;
}

/* ---- Client ---------------------------------------------------------------- */

/* Milliseconds left before deadline for poll(); -1 = no deadline. */
static int ms_left(long long deadline)
{
	long long left;

	if (deadline < 0)
		return -1;
	left = deadline - (long long)np_mono_ms();
	return left > 0 ? (left > 1000000 ? 1000000 : (int)left) : 0;
}

/* Wait for events on fd; 0, -ETIMEDOUT or -errno. */
static int client_wait(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do {
		r = poll(&p, 1, ms_left(deadline));
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

/*
 * connect() on a Unix stream socket waits only while the listener's
 * backlog is full; SO_SNDTIMEO bounds that wait.
 */
static int client_connect(const char *path, long long deadline)
{
	struct sockaddr_un sun;
	int fd, r, left = ms_left(deadline);
	/* A zero SO_SNDTIMEO would mean no limit at all. */
	struct timeval tv = { left / 1000, left > 0 ? (left % 1000) * 1000 : 1000 };

	r = np_ctl_sockaddr(path, &sun);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (left >= 0 && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		r = -errno;
	else if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		r = errno == EAGAIN || errno == EINPROGRESS ? -ETIMEDOUT : -errno;
	else if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/*
 * Write the request, then shut down our side so the server sees where it
 * ends.  A server that answers early (a request too large) closes its side:
 * EPIPE then means "go and read the answer", not failure.
 */
static int client_send(int fd, const char *p, size_t len, long long deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (errno == EPIPE || errno == ECONNRESET) {
			break;
		} else if (errno == EAGAIN) {
			int r = client_wait(fd, POLLOUT, deadline);

			if (r < 0)
				return r;
		} else if (errno != EINTR) {
			return -errno;
		}
	}
	shutdown(fd, SHUT_WR);
	return 0;
}

/* Read until the server closes; the answer in *out (malloc'd), its length returned. */
static long client_recv(int fd, char **out, long long deadline)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	ssize_t n;

	for (;;) {
		if (len == cap) {
			char *grown = cap < CTL_MAX_ANSWER ? realloc(buf, cap ? cap * 2 : 4096) : NULL;

			if (!grown) {
				free(buf);
				return cap < CTL_MAX_ANSWER ? -ENOMEM : -EMSGSIZE;
			}
			buf = grown;
			cap = cap ? cap * 2 : 4096;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		/* A reset after the answer: the server closed with our request unread. */
		if (n == 0 || (errno == ECONNRESET && len > 0))
			break;
		if (errno == EAGAIN) {
			int r = client_wait(fd, POLLIN, deadline);

			if (r == 0)
				continue;
			free(buf);
			return r;
		}
		if (errno != EINTR) {
			int err = errno;

			free(buf);
			return -err;
		}
	}
	*out = buf;
	return (long)len;
}

int np_ctl_call_raw(const char *path, const void *request, size_t len, json_t **answer,
		    int timeout_ms)
{
	long long deadline = timeout_ms < 0 ? -1 : (long long)np_mono_ms() + timeout_ms;
	char *text = NULL;
	json_t *ans;
	long n;
	int fd, r;

	if (!answer || (!request && len))
		return -EINVAL;
	fd = client_connect(path, deadline);
	if (fd < 0)
		return fd;
	r = client_send(fd, request, len, deadline);
	n = r < 0 ? r : client_recv(fd, &text, deadline);
	close(fd);
	if (n < 0)
		return (int)n;
	if (n == 0) {
		free(text);
		return -ECONNRESET;     /* closed without a word */
	}
	ans = json_loadb(text, (size_t)n, 0, NULL);
	free(text);
	if (!json_is_object(ans)) {
		json_decref(ans);
		return -EPROTO;
	}
	*answer = ans;
	return 0;
}

int np_ctl_call(const char *path, const char *command, json_t *arguments, json_t **answer,
		int timeout_ms)
{
	json_t *req;
	char *text;
	int r;

	if (!command || !*command || (arguments && !json_is_object(arguments)))
		return -EINVAL;
	req = json_pack("{s:s}", "command", command);
	if (req && arguments)
		json_object_set(req, "arguments", arguments);
	text = req ? json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(req);
	if (!text)
		return -ENOMEM;
	r = np_ctl_call_raw(path, text, strlen(text), answer, timeout_ms);
	free(text);
	return r;
}
