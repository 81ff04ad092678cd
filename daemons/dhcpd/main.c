/*
 * main.c: np-dhcpd, the DHCPv4 server of netproto: its operations table
 * (daemons/common/daemon.h).  The state and lifecycle are dhcpd.c's.
 */
#include "config.h"

#include "../common/daemon.h"
#include "conf.h"
#include "control.h"
#include "dhcpd.h"
#include "leaseio.h"

static const struct np_common_conf *dhcpd_common(const void *conf)
{
	return &((const struct dhcpd_conf *)conf)->common;
}

static const struct np_daemon_ops dhcpd_ops = {
	.name = "np-dhcpd",
	.description = "DHCPv4 (RFC 2131) and DHCPv6 (RFC 8415) server with durable leases.",
	.default_config = DHCPD_DEFAULT_CONFIG,
	.conf_load = dhcpd_conf_load,
	.conf_free = dhcpd_conf_free,
	.start = dhcpd_start,
	.apply = dhcpd_apply,
	.stop = dhcpd_stop,
	.healthy = dhcpd_healthy,
	.common = dhcpd_common,
	.restart_only = dhcpd_restart_only,
	.service = &dhcpd_service,
};

int main(int argc, char **argv)
{
	static struct dhcpd d;

	if (leaseio_wanted(argc, argv))
		return leaseio_main(argc, argv);   /* the lease store offline */
	return np_daemon_main(&dhcpd_ops, &d, argc, argv);
}
