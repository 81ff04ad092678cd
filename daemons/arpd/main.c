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
	return arpd_io_start(a, c);
}

static int apply(struct np_daemon *d, void *conf, char *why, size_t cap)
{
	return arpd_io_apply(np_daemon_userdata(d), conf, why, cap);
}

static void stop(struct np_daemon *d)
{
	arpd_io_stop(np_daemon_userdata(d));
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
