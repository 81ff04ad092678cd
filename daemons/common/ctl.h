/*
 * ctl.h: the control socket every daemon serves, and the client np-ctl uses.
 *
 * A Unix stream socket on the daemon's libevent base.  A client connects,
 * writes one JSON request in the shape Kea's control channel uses,
 *
 *     {"command": "NAME", "arguments": {...}}
 *
 * and reads one answer, after which the server closes the connection:
 *
 *     {"result": 0, "text": "...", "arguments": ...}
 *
 * with Kea's result codes (NP_CTL_SUCCESS ... NP_CTL_EMPTY).  A request
 * ends when a complete JSON object has been read or when the client shuts
 * down its side; it may not exceed max_request bytes and must be complete
 * within timeout_ms of the connection (a deadline that sending a byte at a
 * time does not extend).  Anything else gets result 1 and a text saying
 * why.  The answer must then be read within timeout_ms.  With max_clients
 * connections open, a new one takes the place of the oldest connection not
 * yet answered (idle and half-open clients cannot lock others out); it is
 * refused only while every connection is being answered.
 *
 * Built-in commands: "list-commands" (arguments: the command names),
 * "version-get" (text: the version; arguments: {"extended": ...}) and
 * "status-get" (arguments: {"pid", "uptime", "reload"} in seconds, as Kea).
 * A daemon may register its own handler under a built-in name to replace it.
 *
 * The server (ctl.c) runs on libevent, in the daemon runtime; the client
 * (ctl-client.c) is plain blocking I/O in libnpio, for np-ctl.
 *
 * Functions return 0 or a negative errno value and never log.  Handlers
 * run on the event loop; they must not free the server.  libevent writes
 * answers with writev(), so the process must ignore SIGPIPE (a client that
 * leaves early would otherwise kill the daemon).
 */
#ifndef NP_CTL_H
#define NP_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

struct event_base;
struct np_ctl;

/* Kea's answer codes (src/lib/cc/command_interpreter.h). */
enum np_ctl_result {
	NP_CTL_SUCCESS = 0,
	NP_CTL_ERROR = 1,
	NP_CTL_UNSUPPORTED = 2,        /* no such command */
	NP_CTL_EMPTY = 3,              /* success, but nothing to report */
};

#define NP_CTL_MAX_REQUEST 65536       /* default max_request */
#define NP_CTL_TIMEOUT_MS 10000        /* default request (and answer) deadline */
#define NP_CTL_MAX_CLIENTS 32          /* default max_clients */

struct np_ctl_opts {
	const char *path;              /* socket file; at most 107 bytes */
	mode_t mode;                   /* permissions of the file; 0 = 0660 */
	size_t max_request;            /* bytes; 0 = NP_CTL_MAX_REQUEST */
	int timeout_ms;                /* deadline per request and answer; 0 = default */
	unsigned int max_clients;      /* connections at once; 0 = default */
	const char *version;           /* version-get text; NULL = "unknown" */
	const char *extended;          /* version-get "extended"; NULL = version */
};

/*
 * A command handler.  arguments is the request's "arguments" object, or
 * NULL when the request had none; it is borrowed.  Return a new answer
 * (np_ctl_answer()); NULL is answered as an internal error.
 */
typedef json_t *np_ctl_handler_fn(const char *command, json_t *arguments, void *ctx);

/*
 * Build an answer {"result": result, "text": text, "arguments": arguments}.
 * text may be NULL (no "text"); arguments may be NULL (no "arguments") and
 * is stolen (the answer owns the reference).  NULL only when out of memory.
 */
json_t *np_ctl_answer(int result, const char *text, json_t *arguments);

/*
 * Create the socket file at opts->path and serve it on base.  An existing
 * file at the path is replaced only when it is a socket nothing listens on
 * (a daemon that died); a live socket gives -EADDRINUSE, any other kind of
 * file -EEXIST.  Other errors: -ENAMETOOLONG, -EINVAL, -ENOMEM, or those
 * of socket(), bind(), listen().
 */
int np_ctl_new(struct event_base *base, const struct np_ctl_opts *opts, struct np_ctl **out);

/*
 * Serve an already listening Unix socket, such as one passed by systemd
 * socket activation.  np_ctl_free() closes fd but leaves the file.
 */
int np_ctl_new_fd(struct event_base *base, int fd, const struct np_ctl_opts *opts,
		  struct np_ctl **out);

/*
 * Register handler fn for command (copied) with ctx passed back to it.
 * -EEXIST when a handler (other than a built-in) already has the name,
 * -EINVAL for an empty name, -ENOMEM.
 */
int np_ctl_register(struct np_ctl *ctl, const char *command, np_ctl_handler_fn *fn, void *ctx);

/* Note a configuration reload for status-get's "reload"; NULL is fine. */
void np_ctl_reloaded(struct np_ctl *ctl);

/*
 * Handle one request held in memory, as a connection would, and return the
 * answer (never NULL unless out of memory).  For tests and fuzzing.
 */
json_t *np_ctl_handle(struct np_ctl *ctl, const void *request, size_t len);

/* Connection counters, for a daemon's statistics. */
struct np_ctl_stats {
	uint64_t accepted;
	uint64_t evicted;              /* unanswered, closed for a newcomer */
	uint64_t timed_out;            /* request or answer past its deadline */
	uint64_t refused;              /* every connection was being answered */
};

void np_ctl_get_stats(const struct np_ctl *ctl, struct np_ctl_stats *out);

/* Close the listener and every connection, remove the socket file; NULL is fine. */
void np_ctl_free(struct np_ctl *ctl);

/* ---- Client ---------------------------------------------------------- */

/*
 * Send {"command": command, "arguments": arguments} to the control socket
 * at path and wait up to timeout_ms (< 0: no limit) for the answer, stored
 * in *answer (the caller json_decref()s it).  arguments is borrowed and may
 * be NULL.  Returns 0 for any well-formed answer, whatever its result, or
 * -ENOENT, -ECONNREFUSED (nothing listens), -ETIMEDOUT, -EPROTO (the
 * answer is not a JSON object), -EMSGSIZE (the answer is too large), ...
 */
int np_ctl_call(const char *path, const char *command, json_t *arguments, json_t **answer,
		int timeout_ms);

/* The same with the request given as bytes, sent as they are. */
int np_ctl_call_raw(const char *path, const void *request, size_t len, json_t **answer,
		    int timeout_ms);

/* The "result" of an answer, or -1 when it has none. */
int np_ctl_result(const json_t *answer);

/* The address of the socket file path: 0, -EINVAL (empty), -ENAMETOOLONG. */
struct sockaddr_un;
int np_ctl_sockaddr(const char *path, struct sockaddr_un *sun);

#endif
