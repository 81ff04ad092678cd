/*
 * main.c: np-arpd, an ARP responder for addresses the kernel does not own
 * (RFC 826 replies, RFC 5227 announcements, probes and defence).
 *
 * The skeleton (daemons/common/daemon.h) runs the options, the config, the
 * signals and systemd; conf.c reads the settings, io.c moves the frames and
 * responder.c decides.
 */
#include "config.h"

#include "conf.h"
#include "daemon.h"
#include "io.h"
#include "log.h"
#include "metrics.h"

static void *conf_load(const struct np_conf *c, struct np_conf_err *e)
{
	return arpd_conf_load(c, e);
}

static void conf_free(void *conf)
{
	arpd_conf_free(conf);
}

static int start(struct np_daemon *d, void *conf)
{
	struct arpd *a = np_daemon_userdata(d);
	struct arpd_conf *c = conf;

	a->d = d;
	np_daemon_set_log_level(d, c->log_level);
	if (arpd_io_start(a, c) < 0)
		return -1;
	/* Bound while still privileged, like the other sockets. */
	return c->metrics.port ? arpd_metrics_start(a) : 0;
}

static int apply(struct np_daemon *d, void *conf, char *why, size_t cap)
{
	struct arpd *a = np_daemon_userdata(d);
	const struct arpd_conf *c = conf;

	if (c->metrics.addr != a->conf->metrics.addr || c->metrics.port != a->conf->metrics.port) {
		snprintf(why, cap, "metrics_listen takes effect on restart only");
		return -1;
	}
	return arpd_io_apply(a, conf, why, cap);
}

static void stop(struct np_daemon *d)
{
	struct arpd *a = np_daemon_userdata(d);

	np_metrics_free(a->metrics);
	a->metrics = NULL;
	arpd_io_stop(a);
}

static const struct np_daemon_ops arpd_ops = {
	.name = "np-arpd",
	.description = "ARP responder for addresses the kernel does not own.",
	.default_config = SYSCONFDIR "/netproto/np-arpd.conf",
	.conf_load = conf_load,
	.conf_free = conf_free,
	.start = start,
	.apply = apply,
	.stop = stop,
};

int main(int argc, char **argv)
{
	struct arpd a = { .fd = -1 };

	return np_daemon_main(&arpd_ops, &a, argc, argv);
}
