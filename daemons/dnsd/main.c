/*
 * main.c: np-dnsd, a caching DNS resolver for the LAN that forwards to
 * upstream servers and answers a local zone fed by RFC 2136 updates.
 *
 * The skeleton (daemons/common/daemon.h) runs the options, the config, the
 * signals, systemd, the control socket and the metrics endpoint; conf.c reads the settings, io.c moves the bytes,
 * query.c and resolver.c decide, cache.c and localzone.c hold the data.
 */
#include "config.h"

#include "conf.h"
#include "daemon.h"
#include "io.h"
#include "log.h"

static void *conf_load(const struct np_conf *c, struct np_conf_err *e)
{
	return dnsd_conf_load(c, e);
}

static void conf_free(void *conf)
{
	dnsd_conf_free(conf);
}

static int start(struct np_daemon *d, void *conf)
{
	struct dnsd_io *io = np_daemon_userdata(d);
	struct dnsd_conf *c = conf;

	io->d = d;
	np_daemon_set_log_level(d, c->common.log_level);
	return dnsd_io_start(io, c);
}

static int apply(struct np_daemon *d, void *conf, char *why, size_t cap)
{
	struct dnsd_conf *c = conf;

	np_daemon_set_log_level(d, c->common.log_level);
	return dnsd_io_apply(np_daemon_userdata(d), c, why, cap);
}

static void stop(struct np_daemon *d)
{
	dnsd_io_stop(np_daemon_userdata(d));
}

static const struct np_common_conf *common(const void *conf)
{
	return &((const struct dnsd_conf *)conf)->common;
}

static const struct np_daemon_ops dnsd_ops = {
	.name = "np-dnsd",
	.description = "Caching DNS resolver (forwarding) with a local zone.",
	.default_config = SYSCONFDIR "/netproto/np-dnsd.conf",
	.conf_load = conf_load,
	.conf_free = conf_free,
	.start = start,
	.apply = apply,
	.stop = stop,
	.common = common,
	.service = &dnsd_service,
};

int main(int argc, char **argv)
{
	struct dnsd_io io = { 0 };

	return np_daemon_main(&dnsd_ops, &io, argc, argv);
}
