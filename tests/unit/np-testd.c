/*
 * np-testd.c: a minimal daemon built on daemons/common/daemon.h.
 *
 * TEST FIXTURE, not a service: test-daemon runs it to check the skeleton end
 * to end (readiness, STATUS=, -t, reloads good and bad, stop, watchdog,
 * socket activation, privilege drop).  Its configuration:
 *
 *   greeting = "hello";     # required string, shown in STATUS=
 *   level = "info";         # optional log level (err ... debug)
 *   user = "nobody";        # optional: drop to this user, keep CAP_NET_RAW
 *
 * STATUS= reads "greeting=G level=L uid=U fds=N", N being the number of
 * socket-activated descriptors named "testd" it took.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "privdrop.h"

struct testd_conf {
	char greeting[64];
	int level;
	char user[32];
};

struct testd {
	int fds[8];
	int nfds;
	struct event *status_ev;
};

static const struct np_conf_key testd_keys[] = {
	{ "greeting", NULL },
	{ "level", NULL },
	{ "user", NULL },
	{ NULL, NULL },
};

static const struct np_conf_enum levels[] = {
	{ "err", NP_LOG_ERR }, { "warning", NP_LOG_WARNING }, { "notice", NP_LOG_NOTICE },
	{ "info", NP_LOG_INFO }, { "debug", NP_LOG_DEBUG }, { NULL, 0 },
};

static void *testd_conf_load(const struct np_conf *c, struct np_conf_err *e)
{
	const config_setting_t *root = np_conf_root(c);
	struct testd_conf *conf = calloc(1, sizeof(*conf));

	if (!conf)
		return NULL;
	conf->level = NP_LOG_INFO;
	np_conf_check_keys(e, root, testd_keys);
	np_conf_get_string(e, root, "greeting", NP_CONF_REQUIRED, conf->greeting,
			   sizeof(conf->greeting));
	np_conf_get_enum(e, root, "level", NP_CONF_OPTIONAL, levels, &conf->level);
	np_conf_get_string(e, root, "user", NP_CONF_OPTIONAL, conf->user, sizeof(conf->user));
	return conf;   /* the skeleton discards it if any error was reported */
}

static void testd_conf_free(void *conf)
{
	free(conf);
}

static void send_status(struct np_daemon *d)
{
	const struct testd_conf *conf = np_daemon_conf(d);
	const struct testd *t = np_daemon_userdata(d);

	np_notify_status("greeting=%s level=%s uid=%u fds=%d", conf->greeting,
			 np_log_level_name(conf->level), (unsigned)getuid(), t->nfds);
}

/* Runs once the loop is up, after the privilege drop. */
static void on_started(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	send_status(arg);
}

static int testd_start(struct np_daemon *d, void *confp)
{
	struct testd_conf *conf = confp;
	struct testd *t = np_daemon_userdata(d);
	struct timeval now = { 0, 0 };
	int fd;

	np_daemon_set_log_level(d, conf->level);
	while (t->nfds < 8 && (fd = np_listen_fd_take("testd")) >= 0)
		t->fds[t->nfds++] = fd;
	if (conf->user[0])
		np_daemon_set_privileges(d, conf->user, NP_CAP_NET_RAW);
	t->status_ev = evtimer_new(np_daemon_base(d), on_started, d);
	if (!t->status_ev || evtimer_add(t->status_ev, &now) < 0) {
		np_log_err("cannot schedule the status update");
		return -1;
	}
	np_log_info("greeting: %s", conf->greeting);
	return 0;
}

static int testd_apply(struct np_daemon *d, void *confp, char *why, size_t cap)
{
	struct testd_conf *conf = confp;
	const struct testd_conf *old = np_daemon_conf(d);

	if (strcmp(conf->user, old->user) != 0) {
		snprintf(why, cap, "user cannot change on reload (restart instead)");
		return -1;
	}
	np_daemon_set_log_level(d, conf->level);
	np_log_info("greeting: %s", conf->greeting);
	np_notify_status("greeting=%s level=%s uid=%u fds=%d", conf->greeting,
			 np_log_level_name(conf->level), (unsigned)getuid(),
			 ((struct testd *)np_daemon_userdata(d))->nfds);
	return 0;
}

static void testd_stop(struct np_daemon *d)
{
	struct testd *t = np_daemon_userdata(d);

	for (int i = 0; i < t->nfds; i++)
		close(t->fds[i]);
	if (t->status_ev)
		event_free(t->status_ev);
	t->status_ev = NULL;
	np_log_info("stopped");
}

static const struct np_daemon_ops testd_ops = {
	.name = "np-testd",
	.description = "Test fixture for the netproto daemon skeleton.",
	.default_config = "/etc/netproto/np-testd.conf",
	.conf_load = testd_conf_load,
	.conf_free = testd_conf_free,
	.start = testd_start,
	.apply = testd_apply,
	.stop = testd_stop,
};

int main(int argc, char **argv)
{
	struct testd t = { .nfds = 0 };

	return np_daemon_main(&testd_ops, &t, argc, argv);
}
