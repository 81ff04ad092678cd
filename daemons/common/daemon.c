/* daemon.c: common start-up, signals, reload, notify and watchdog. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <netproto/error.h>

#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "privdrop.h"

struct np_daemon {
	const struct np_daemon_ops *ops;
	void *userdata;
	void *conf;
	const char *config_path;
	bool debug;
	bool test_only;
	struct event_base *base;
	struct event *sigterm, *sigint, *sighup, *watchdog;
	char user[64];
	bool drop;
	unsigned keep_caps;
	int exit_code;
	struct np_service *service;    /* control socket and metrics */
};

static void usage(const struct np_daemon_ops *ops, FILE *out)
{
	fprintf(out,
		"Usage: %s [-c FILE] [-t] [-d] [-h] [-V]\n"
		"%s\n\n"
		"  -c FILE  configuration file (default %s)\n"
		"  -t       check the configuration and exit: 0 if valid, 1 if not\n"
		"  -d       log debug messages\n"
		"  -h       show this help\n"
		"  -V       show the version\n",
		ops->name, ops->description ? ops->description : "",
		ops->default_config);
}

/* 0 to run, 1 to exit 0 (-h, -V), -1 to exit 2 (usage error). */
static int parse_args(struct np_daemon *d, int argc, char **argv)
{
	int c;

	d->config_path = d->ops->default_config;
	opterr = 0;
	while ((c = getopt(argc, argv, "c:tdhV")) != -1) {
		switch (c) {
		case 'c': d->config_path = optarg; break;
		case 't': d->test_only = true; break;
		case 'd': d->debug = true; break;
		case 'h': usage(d->ops, stdout); return 1;
		case 'V': printf("%s (%s) %s\n", d->ops->name, PACKAGE_NAME, PACKAGE_VERSION); return 1;
		default:
			fprintf(stderr, "%s: unknown option or missing argument: -%c\n",
				d->ops->name, optopt);
			usage(d->ops, stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument: %s\n", d->ops->name, argv[optind]);
		usage(d->ops, stderr);
		return -1;
	}
	return 0;
}

/* Parse c into a new validated struct, or NULL. */
static void *load_parsed(struct np_daemon *d, struct np_conf *c, struct np_conf_err *e)
{
	void *conf = d->ops->conf_load(c, e);

	/* A loader that reported an error but built a struct anyway fails too. */
	if (conf && e->count > 0) {
		d->ops->conf_free(conf);
		conf = NULL;
	}
	return conf;
}

/* Read and validate the config file into a new struct, or NULL. */
static void *load_config(struct np_daemon *d, struct np_conf_err *e)
{
	struct np_conf c;
	void *conf = NULL;

	if (np_conf_read(&c, d->config_path, e) == 0)
		conf = load_parsed(d, &c, e);
	np_conf_free(&c);
	return conf;
}

/* "NAME takes effect on restart only", where the new file sets it. */
static void restart_only_why(const struct np_conf *c, const char *key, char *why, size_t cap)
{
	const config_setting_t *s = config_lookup(&c->cfg, key);
	char where[300];

	if (s)
		np_conf_where(s, where, sizeof(where));
	else
		snprintf(where, sizeof(where), "%s", c->path);
	snprintf(why, cap, "%s: %s takes effect on restart only", where, key);
}

static bool common_same(const struct np_common_conf *a, const struct np_common_conf *b,
			const char **key)
{
	if (strcmp(a->user, b->user) != 0)
		*key = "user";
	else if (strcmp(a->control_socket, b->control_socket) != 0)
		*key = "control_socket";
	else if (a->metrics.addr != b->metrics.addr || a->metrics.port != b->metrics.port)
		*key = "metrics_listen";
	else
		return true;
	return false;
}

/* The one reload rule: -1 with why when new_conf changes a restart-only setting. */
static int check_restart_only(struct np_daemon *d, const struct np_conf *c,
			      const void *new_conf, char *why, size_t cap)
{
	const char *old = d->conf, *nc = new_conf;
	const char *key = NULL;

	if (d->ops->common && !common_same(d->ops->common(old), d->ops->common(nc), &key)) {
		restart_only_why(c, key, why, cap);
		return -1;
	}
	for (const struct np_restart_only *r = d->ops->restart_only; r && r->key; r++) {
		bool same = r->same ? r->same(old, nc) :
			    memcmp(old + r->offset, nc + r->offset, r->size) == 0;

		if (!same) {
			restart_only_why(c, r->key, why, cap);
			return -1;
		}
	}
	return 0;
}

/* -t prints errors plainly, one per line, like a compiler. */
static void print_error(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static int test_config(struct np_daemon *d)
{
	struct np_conf_err e;
	void *conf;

	np_conf_err_init(&e, print_error, NULL);
	conf = load_config(d, &e);
	if (!conf) {
		fprintf(stderr, "%s: %u error%s\n", d->config_path, e.count, e.count == 1 ? "" : "s");
		return 1;
	}
	d->ops->conf_free(conf);
	printf("%s: configuration OK\n", d->config_path);
	return 0;
}

static void reason_from_errors(const struct np_conf_err *e, char *why, size_t cap)
{
	if (e->count > 1)
		snprintf(why, cap, "%s (and %u more error%s)", e->first, e->count - 1,
			 e->count == 2 ? "" : "s");
	else
		snprintf(why, cap, "%s", e->count ? e->first : "configuration rejected");
}

static int reload_failed(const char *why)
{
	np_log_err("reload failed, keeping the running configuration: %s", why);
	np_notifyf("READY=1\nSTATUS=reload failed, running the previous configuration: %s", why);
	return -1;
}

int np_daemon_reload(struct np_daemon *d, char *why, size_t cap)
{
	struct np_conf_err e;
	struct np_conf c;
	void *conf = NULL, *old;

	np_notify_reloading();
	np_log_info("reloading %s", d->config_path);
	np_conf_err_init(&e, np_conf_err_log, NULL);
	if (np_conf_read(&c, d->config_path, &e) == 0)
		conf = load_parsed(d, &c, &e);
	if (!conf) {
		reason_from_errors(&e, why, cap);
		goto fail_conf;
	}
	if (check_restart_only(d, &c, conf, why, cap) < 0)
		goto fail_new;
	snprintf(why, cap, "rejected by the daemon");
	if (d->ops->apply && d->ops->apply(d, conf, why, cap) < 0)
		goto fail_new;
	np_conf_free(&c);
	old = d->conf;
	d->conf = conf;
	d->ops->conf_free(old);
	why[0] = '\0';
	np_ctl_reloaded(np_daemon_ctl(d));
	np_log_notice("configuration reloaded from %s", d->config_path);
	np_notify_ready();
	return 0;
fail_new:
	d->ops->conf_free(conf);
fail_conf:
	np_conf_free(&c);
	return reload_failed(why);
}

static int service_reload(void *arg, char *why, size_t cap)
{
	return np_daemon_reload(arg, why, cap);
}

/* The control socket and metrics endpoint, after ops->start (still privileged). */
static int start_service(struct np_daemon *d)
{
	void *ctx;

	if (!d->ops->common)
		return 0;
	ctx = d->ops->service_ctx ? d->ops->service_ctx(d) : d->userdata;
	return np_service_start(d->base, d->ops->service, d->ops->common(d->conf), ctx,
				service_reload, d, &d->service);
}

struct np_ctl *np_daemon_ctl(struct np_daemon *d)
{
	return np_service_ctl(d->service);
}

void np_daemon_stop(struct np_daemon *d, int code)
{
	np_notify_stopping();
	d->exit_code = code;
	event_base_loopbreak(d->base);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct np_daemon *d = arg;
	char why[512];

	(void)what;
	if (sig == SIGHUP) {
		np_daemon_reload(d, why, sizeof(why));
		return;
	}
	np_log_notice("received %s, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	np_daemon_stop(d, 0);
}

static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct np_daemon *d = arg;

	(void)fd;
	(void)what;
	if (!d->ops->healthy || d->ops->healthy(d))
		np_notify_watchdog();
	else
		np_log_warning("unhealthy: not sending the watchdog keep-alive");
}

static int add_signal(struct np_daemon *d, struct event **ev, int sig)
{
	*ev = evsignal_new(d->base, sig, on_signal, d);
	return (*ev && evsignal_add(*ev, NULL) == 0) ? 0 : -1;
}

static int setup_events(struct np_daemon *d)
{
	uint64_t wd = np_notify_watchdog_usec();
	struct timeval tv;

	if (add_signal(d, &d->sigterm, SIGTERM) < 0 || add_signal(d, &d->sigint, SIGINT) < 0 ||
	    add_signal(d, &d->sighup, SIGHUP) < 0) {
		np_log_err("cannot install signal handlers");
		return -1;
	}
	if (wd == 0)
		return 0;
	/* Half the period, as sd_watchdog_enabled(3) recommends. */
	wd /= 2;
	tv.tv_sec = (time_t)(wd / 1000000);
	tv.tv_usec = (suseconds_t)(wd % 1000000);

	d->watchdog = event_new(d->base, -1, EV_PERSIST, on_watchdog, d);
	if (!d->watchdog || event_add(d->watchdog, &tv) < 0) {
		np_log_err("cannot start the watchdog timer");
		return -1;
	}
	np_log_debug("watchdog keep-alive every %llu us", (unsigned long long)wd);
	return 0;
}

static int drop_privileges(struct np_daemon *d)
{
	char err[256];

	if (!d->drop)
		return 0;
	if (np_privdrop(d->user[0] ? d->user : NULL, d->keep_caps, err, sizeof(err)) < 0) {
		np_log_err("dropping privileges: %s", err);
		return -1;
	}
	if (d->user[0] && getuid() != 0)
		np_log_info("running as user %s (uid %u)", d->user, (unsigned)getuid());
	return 0;
}

/* Load the first config; errors are fatal at start-up. */
static int first_config(struct np_daemon *d)
{
	struct np_conf_err e;

	np_conf_err_init(&e, np_conf_err_log, NULL);
	d->conf = load_config(d, &e);
	if (!d->conf) {
		np_log_err("%s: %u configuration error%s, not starting", d->config_path, e.count,
			   e.count == 1 ? "" : "s");
		return -1;
	}
	return 0;
}

static int run(struct np_daemon *d)
{
	int n = np_listen_fds_init();

	if (n < 0)
		np_log_warning("socket activation: %s", np_strerror(n));
	else if (n > 0)
		np_log_info("socket activation: %d descriptor%s passed", n, n == 1 ? "" : "s");
	if (first_config(d) < 0)
		return 1;
	d->base = event_base_new();
	if (!d->base) {
		np_log_err("cannot create the event base");
		return 1;
	}
	if (setup_events(d) < 0 || d->ops->start(d, d->conf) < 0 || start_service(d) < 0 ||
	    drop_privileges(d) < 0)
		return 1;
	np_listen_fds_close_unused();
	np_fd_check_cloexec();
	np_log_notice("%s %s started", d->ops->name, PACKAGE_VERSION);
	np_notify_ready();
	if (event_base_dispatch(d->base) < 0) {
		np_log_err("event loop failed");
		return 1;
	}
	/* The handlers use the daemon's state: close them first. */
	np_service_free(d->service);
	d->service = NULL;
	if (d->ops->stop)
		d->ops->stop(d);
	return d->exit_code;
}

static void cleanup(struct np_daemon *d)
{
	struct event *evs[] = { d->sigterm, d->sigint, d->sighup, d->watchdog };

	np_service_free(d->service);
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			event_free(evs[i]);
	if (d->conf)
		d->ops->conf_free(d->conf);
	if (d->base)
		event_base_free(d->base);
}

int np_daemon_main(const struct np_daemon_ops *ops, void *userdata, int argc, char **argv)
{
	struct np_daemon d = { .ops = ops, .userdata = userdata };
	int r;

	/* A peer closing a TCP or control connection must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	r = parse_args(&d, argc, argv);
	if (r != 0)
		return r > 0 ? 0 : 2;
	np_log_set_level(d.debug ? NP_LOG_DEBUG : NP_LOG_INFO);
	if (d.test_only)
		return test_config(&d);
	r = run(&d);
	cleanup(&d);
	return r;
}

struct event_base *np_daemon_base(struct np_daemon *d)
{
	return d->base;
}

void *np_daemon_conf(struct np_daemon *d)
{
	return d->conf;
}

void *np_daemon_userdata(struct np_daemon *d)
{
	return d->userdata;
}

const char *np_daemon_config_path(struct np_daemon *d)
{
	return d->config_path;
}

void np_daemon_set_log_level(struct np_daemon *d, int level)
{
	if (!d->debug)
		np_log_set_level(level);
}

void np_daemon_set_privileges(struct np_daemon *d, const char *user, unsigned keep)
{
	d->drop = true;
	d->keep_caps = keep;
	snprintf(d->user, sizeof(d->user), "%s", user ? user : "");
}
