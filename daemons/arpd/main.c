/*
 * main.c: np-arpd, an ARP responder for addresses the kernel does not own
 * (RFC 826 replies, RFC 5227 announcements, probes and defence).
 *
 * Only the operations table: the skeleton (daemons/common/daemon.h) runs
 * the options, the config, the signals, systemd, the control socket and
 * the metrics endpoint; arpd.c is the daemon's lifecycle (see arpd.h for
 * the parts).
 */
#include "config.h"

#include "arpd.h"

static const struct np_daemon_ops arpd_ops = {
	.name = "np-arpd",
	.description = "ARP responder for addresses the kernel does not own.",
	.default_config = SYSCONFDIR "/netproto/np-arpd.conf",
	.conf_load = arpd_conf_load_op,
	.conf_free = arpd_conf_free_op,
	.start = arpd_start,
	.apply = arpd_apply,
	.stop = arpd_stop,
	.common = arpd_common,
	.service = &arpd_service,
	.restart_only = arpd_restart_only,
};

int main(int argc, char **argv)
{
	struct arpd a = { .fd = -1 };

	return np_daemon_main(&arpd_ops, &a, argc, argv);
}
