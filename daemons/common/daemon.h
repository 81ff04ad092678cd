/*
 * daemon.h: the skeleton every netproto daemon's main() runs.
 *
 *   int main(int argc, char **argv)
 *   {
 *           struct mystate st = { 0 };
 *           return np_daemon_main(&my_ops, &st, argc, argv);
 *   }
 *
 * np_daemon_main() parses the common options (-c FILE, -t, -d, -h, -V),
 * reads and validates the configuration (ops->conf_load), and with -t stops
 * there: exit 0, or print every error as "FILE:LINE: message" and exit 1.
 * Otherwise it creates the event base, takes socket-activated descriptors
 * (np_listen_fd_take() in notify.h), handles SIGTERM/SIGINT (clean stop,
 * STOPPING=1), SIGHUP (reload) and ignores SIGPIPE, calls ops->start (as
 * root: bind, open raw sockets, load state), drops privileges as requested
 * with np_daemon_set_privileges(), sends READY=1, pings the systemd watchdog
 * at half its period while ops->healthy says so, and runs the loop.
 *
 * Reload (SIGHUP, or np_daemon_reload() from the control socket) re-reads
 * the same file into a NEW config.  Only if it validates, changes no
 * restart-only setting and ops->apply accepts it does it replace the
 * running one; otherwise the old one keeps running and the reason is
 * logged, put in STATUS= and returned.  One reload rule for every daemon: a
 * change to a restart-only setting (the common user, control_socket and
 * metrics_listen, and the daemon's ops->restart_only) is refused as
 * "FILE:LINE: NAME takes effect on restart only".
 *
 * After ops->start, the skeleton opens the control socket and the metrics
 * endpoint the common settings ask for (service.h) with the daemon's
 * command table and counter table, and closes them before ops->stop.
 */
#ifndef NP_DAEMON_H
#define NP_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "service.h"

struct event_base;
struct np_daemon;

/*
 * A setting of the daemon's own that takes effect on restart only: the
 * config member at offset (size bytes, compared as they are) or, when same
 * is set, what same() says.  key is the setting's name in the file, for the
 * refusal's FILE:LINE.  A table ends with { NULL }.
 */
struct np_restart_only {
	const char *key;
	size_t offset, size;
	bool (*same)(const void *old_conf, const void *new_conf);
};

struct np_daemon_ops {
	const char *name;            /* "np-dhcpd": -h, -V and logs */
	const char *description;     /* one line for -h */
	const char *default_config;  /* used without -c */

	/* Build a fresh config struct from the parsed file; report every error
	 * to e (np_conf_error, np_conf_get_*) and return NULL if there was any. */
	void *(*conf_load)(const struct np_conf *c, struct np_conf_err *e);
	void (*conf_free)(void *conf);

	/* Start-up with the first config, still privileged: bind sockets, open
	 * raw sockets, load state, register events on np_daemon_base(d).
	 * Return 0, or -1 after logging why (the daemon exits 1). */
	int (*start)(struct np_daemon *d, void *conf);

	/* Reload: put new_conf into effect (np_daemon_conf(d) is still the old
	 * one), and update STATUS=.  Return 0, or -1 with a one-line reason in
	 * why[cap] to keep the old config.  NULL: the swap alone suffices. */
	int (*apply)(struct np_daemon *d, void *new_conf, char *why, size_t cap);

	/* Clean stop after the loop ends: close, flush, free userdata parts. */
	void (*stop)(struct np_daemon *d);

	/* Watchdog: return false to withhold WATCHDOG=1.  NULL: healthy. */
	bool (*healthy)(struct np_daemon *d);

	/* The settings every daemon shares, inside conf.  NULL: none, and no
	 * control socket or metrics endpoint is opened. */
	const struct np_common_conf *(*common)(const void *conf);
	/* The daemon's control commands and counter table (service.h). */
	const struct np_service_ops *service;
	/* The handlers' and stats()'s ctx; NULL: the userdata. */
	void *(*service_ctx)(struct np_daemon *d);
	/* The daemon's own restart-only settings; NULL: none. */
	const struct np_restart_only *restart_only;
};

/* Run the daemon; returns the process exit code. */
int np_daemon_main(const struct np_daemon_ops *ops, void *userdata, int argc, char **argv);

struct event_base *np_daemon_base(struct np_daemon *d);
void *np_daemon_conf(struct np_daemon *d);
void *np_daemon_userdata(struct np_daemon *d);
const char *np_daemon_config_path(struct np_daemon *d);

/* The configured log level; -d (debug) wins over it. */
void np_daemon_set_log_level(struct np_daemon *d, int level);

/* Called from ops->start: after start returns, switch to user (NULL: stay)
 * keeping the NP_CAP_* capabilities in keep.  See np_privdrop(). */
void np_daemon_set_privileges(struct np_daemon *d, const char *user, unsigned keep);

/* Reload now.  Returns 0, or -1 with the reason ("FILE:LINE: message",
 * "and N more errors" when there are several) in why[cap]. */
int np_daemon_reload(struct np_daemon *d, char *why, size_t cap);

/* The control socket, or NULL (none configured, or not started yet). */
struct np_ctl *np_daemon_ctl(struct np_daemon *d);

/* End the loop: STOPPING=1, then ops->stop; the process exits with code. */
void np_daemon_stop(struct np_daemon *d, int code);

#endif
