/*
 * control.h: np-dhcpd's running state and its control commands (Kea's
 * names and answer shapes, over daemons/common/ctl.h):
 *
 *   lease4-get-all      every lease
 *   lease4-get          one lease, by "ip-address", "hw-address", or Kea's
 *                       "identifier-type" ("hw-address", "client-id") with
 *                       "identifier"
 *   lease4-del          release one lease (by the same keys): the address is
 *                       free again, the change journaled, its DNS names
 *                       deleted
 *   statistic-get-all   the counters by Kea's names ({"name": [[value,
 *                       "time"]]}), per subnet and pool as
 *                       "subnet[ID].NAME" and "subnet[ID].pool[N].NAME"
 *   config-reload       re-read the configuration file (as SIGHUP; service.h)
 *   status-get          pid, uptime, seconds since the last reload, leases,
 *                       probes and DNS updates under way, lease file state
 *
 * Subnet IDs are the subnets' positions in the configuration, from 1.
 */
#ifndef NP_DHCPD_CONTROL_H
#define NP_DHCPD_CONTROL_H

#include "conf.h"
#include "../common/service.h"
#include "dhcpd.h"

/* The commands and the counter table, for the skeleton (service.h). */
extern const struct np_service_ops dhcpd_service;

#endif
