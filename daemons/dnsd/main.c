/*
 * main.c: np-dnsd, a caching DNS resolver for the LAN that forwards to
 * upstream servers and answers a local zone fed by RFC 2136 updates: the
 * operations table the skeleton (daemons/common/daemon.h) runs.  The parts
 * are listed in dnsd.h.
 */
#include "config.h"

#include "dnsd.h"

static const struct np_daemon_ops dnsd_ops = {
	.name = "np-dnsd",
	.description = "Caching DNS resolver (forwarding) with a local zone.",
	.default_config = SYSCONFDIR "/netproto/np-dnsd.conf",
	.conf_load = dnsd_conf_load_op,
	.conf_free = dnsd_conf_free_op,
	.start = dnsd_start,
	.apply = dnsd_apply,
	.stop = dnsd_stop,
	.common = dnsd_common,
	.service = &dnsd_service,
	.restart_only = dnsd_restart_only,
};

int main(int argc, char **argv)
{
	struct dnsd io = { 0 };

	return np_daemon_main(&dnsd_ops, &io, argc, argv);
}
