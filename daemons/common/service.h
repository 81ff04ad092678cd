/*
 * service.h: what every daemon serves besides its protocol, started by the
 * skeleton (daemon.h) from the common settings (np_common_conf):
 *
 *   - the control socket on control_socket (ctl.h), with the daemon's own
 *     command table and these built in:
 *         statistic-get-all (alias "stats")  the daemon's counter table
 *         config-reload                      re-read the file (as SIGHUP)
 *         status-get, list-commands, version-get (ctl.h)
 *   - the Prometheus endpoint on metrics_listen (metrics.h), which serves
 *     the same counter table as statistic-get-all.
 *
 * One counter table: the daemon's stats() builds statistic-get-all's
 * arguments, the service adds its own connection counters (control-*,
 * metrics-*), and a scrape writes exactly that object as samples.
 */
#ifndef NP_SERVICE_H
#define NP_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "ctl.h"
#include "metrics.h"

struct event_base;
struct np_common_conf;
struct np_service;

/* One control command; a table ends with { NULL, NULL }. */
struct np_ctl_command {
	const char *name;
	np_ctl_handler_fn *fn;
};

struct np_service_ops {
	const struct np_ctl_command *commands;   /* the daemon's own; NULL: none */
	/* statistic-get-all's arguments: a new object of counters, each a
	 * non-negative integer (or, with kea_stats, Kea's [[value, "time"]]). */
	json_t *(*stats)(void *ctx);
	bool kea_stats;
	char name_sep;        /* between "control"/"metrics" and the counter; 0: '-' */
	const char *metrics_prefix;              /* "np_arpd" */
	enum np_metric_type (*metric_type)(const char *name);  /* NULL: counters */
	const char *reload_text;                 /* config-reload's answer text */
};

/* Re-read the configuration: 0, or -1 with the reason in why[cap]. */
typedef int np_service_reload_fn(void *arg, char *why, size_t cap);

/*
 * Open the control socket and the metrics endpoint as cc asks (either may be
 * absent) on base; ctx goes to every handler and to stats().  0, or -1
 * after logging why.
 */
int np_service_start(struct event_base *base, const struct np_service_ops *ops,
		     const struct np_common_conf *cc, void *ctx, np_service_reload_fn *reload,
		     void *reload_arg, struct np_service **out);

/* The counter table as statistic-get-all answers it (a new object), or NULL. */
json_t *np_service_stats(struct np_service *s);

/* The control server, for a daemon that needs it (NULL without one). */
struct np_ctl *np_service_ctl(struct np_service *s);

/* Close both; NULL is fine. */
void np_service_free(struct np_service *s);

#endif
