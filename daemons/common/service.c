/* service.c: the control socket and metrics endpoint every daemon serves. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <netproto/error.h>
#include <netproto/ipv4.h>

#include "clock.h"
#include "conf.h"
#include "log.h"
#include "service.h"

struct np_service {
	const struct np_service_ops *ops;
	void *ctx;
	np_service_reload_fn *reload;
	void *reload_arg;
	struct np_ctl *ctl;
	struct np_metrics *metrics;
};

/* One counter, in the shape the daemon's table uses. */
static void put(const struct np_service *s, json_t *o, const char *name, uint64_t v)
{
	char stamp[NP_WALL_STAMP_LEN];

	if (!s->ops->kea_stats) {
		json_object_set_new(o, name, json_integer((json_int_t)v));
		return;
	}
	np_wall_stamp(stamp);           /* Kea's timestamp: local time with microseconds */
	json_object_set_new(o, name, json_pack("[[I, s]]", (json_int_t)v, stamp));
}

/* "control-accepted", or with the daemon's separator "control.accepted". */
static void put_conn(const struct np_service *s, json_t *o, const char *group, const char *what,
		     uint64_t v)
{
	char name[64];

	snprintf(name, sizeof(name), "%s%c%s", group, s->ops->name_sep ? s->ops->name_sep : '-',
		 what);
	put(s, o, name, v);
}

json_t *np_service_stats(struct np_service *s)
{
	json_t *o = s->ops->stats ? s->ops->stats(s->ctx) : json_object();

	if (!o)
		return NULL;
	if (s->ctl) {
		struct np_ctl_stats cs;

		np_ctl_get_stats(s->ctl, &cs);
		put_conn(s, o, "control", "accepted", cs.accepted);
		put_conn(s, o, "control", "evicted", cs.evicted);
		put_conn(s, o, "control", "timed-out", cs.timed_out);
		put_conn(s, o, "control", "refused", cs.refused);
	}
	if (s->metrics) {
		struct np_metrics_stats ms;

		np_metrics_get_stats(s->metrics, &ms);
		put_conn(s, o, "metrics", "accepted", ms.accepted);
		put_conn(s, o, "metrics", "evicted", ms.evicted);
		put_conn(s, o, "metrics", "timed-out", ms.timed_out);
		put_conn(s, o, "metrics", "refused", ms.refused);
	}
	return o;
}

static json_t *cmd_stats(const char *command, json_t *args, void *ctx)
{
	json_t *o = np_service_stats(ctx);

	(void)command;
	(void)args;
	return o ? np_ctl_answer(NP_CTL_SUCCESS, "statistics", o) : NULL;
}

static json_t *cmd_reload(const char *command, json_t *args, void *ctx)
{
	struct np_service *s = ctx;
	char why[512];

	(void)command;
	(void)args;
	if (s->reload(s->reload_arg, why, sizeof(why)) < 0)
		return np_ctl_answer(NP_CTL_ERROR, why, NULL);
	return np_ctl_answer(NP_CTL_SUCCESS, s->ops->reload_text ? s->ops->reload_text :
			     "configuration reloaded", NULL);
}

/* A scrape gets exactly the counters statistic-get-all reports. */
static void write_metrics(struct np_metrics_out *out, void *ctx)
{
	struct np_service *s = ctx;
	json_t *o = np_service_stats(s);

	if (o)
		np_metrics_write_json(out, o, s->ops->metric_type);
	json_decref(o);
}

static int control_start(struct np_service *s, struct event_base *base, const char *path)
{
	struct np_ctl_opts opts = { .path = path, .version = PACKAGE_VERSION };
	int r = np_ctl_new(base, &opts, &s->ctl);

	if (r < 0) {
		np_log_err("control socket %s: %s", path, np_strerror(r));
		return -1;
	}
	if ((r = np_ctl_register(s->ctl, "statistic-get-all", cmd_stats, s)) < 0 ||
	    (r = np_ctl_register(s->ctl, "stats", cmd_stats, s)) < 0 ||
	    (r = np_ctl_register(s->ctl, "config-reload", cmd_reload, s)) < 0)
		goto fail;
	for (const struct np_ctl_command *c = s->ops->commands; c && c->name; c++)
		if ((r = np_ctl_register(s->ctl, c->name, c->fn, s->ctx)) < 0)
			goto fail;
	return 0;
fail:
	np_log_err("control socket: %s", np_strerror(r));
	return -1;
}

static int metrics_start(struct np_service *s, struct event_base *base,
			 const struct np_conf_hostport *hp)
{
	char addr[NP_IPV4_ADDR_TEXT_LEN];
	int r = np_metrics_new(base, hp->addr, hp->port, s->ops->metrics_prefix, write_metrics, s,
			       &s->metrics);

	np_ipv4_addr_to_text(hp->addr, addr);
	if (r < 0) {
		np_log_err("metrics_listen %s:%u: %s", addr, hp->port, np_strerror(r));
		return -1;
	}
	np_log_info("metrics on http://%s:%u/metrics", addr, hp->port);
	return 0;
}

int np_service_start(struct event_base *base, const struct np_service_ops *ops,
		     const struct np_common_conf *cc, void *ctx, np_service_reload_fn *reload,
		     void *reload_arg, struct np_service **out)
{
	struct np_service *s = calloc(1, sizeof(*s));

	if (!s) {
		np_log_err("control socket: out of memory");
		return -1;
	}
	s->ops = ops;
	s->ctx = ctx;
	s->reload = reload;
	s->reload_arg = reload_arg;
	if (cc->control_socket[0] && control_start(s, base, cc->control_socket) < 0)
		goto fail_free;
	/* Bound while still privileged, like the other sockets. */
	if (cc->metrics.port && metrics_start(s, base, &cc->metrics) < 0)
		goto fail_free;
	*out = s;
	return 0;
fail_free:
	np_service_free(s);
	return -1;
}

struct np_ctl *np_service_ctl(struct np_service *s)
{
	return s ? s->ctl : NULL;
}

void np_service_free(struct np_service *s)
{
	if (!s)
		return;
	np_metrics_free(s->metrics);
	np_ctl_free(s->ctl);
	free(s);
}
