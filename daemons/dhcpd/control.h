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

#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "../common/service.h"

struct np_daemon;
struct np_ctl;
struct event;
struct lease_table;
struct engine;
struct leasedb;
struct dhcpd_io;
struct ddns;

/* The daemon's state (main.c owns it). */
struct dhcpd {
	struct np_daemon *dm;
	struct lease_table *lt;
	struct engine *eng;
	struct leasedb *db;
	struct dhcpd_io *io;
	struct ddns *ddns;             /* NULL without dns_update */
	struct event *tick;
	uint64_t replay_errors;
	unsigned store_damage;         /* leasedb_recovery()'s damage at start */
	uint64_t store_lost_octets;    /* unreadable octets skipped at start */
	int last_err;                  /* of the lease store; 0 when healthy */
	struct timespec started, reloaded;  /* CLOCK_MONOTONIC */
};

/* The commands and the counter table, for the skeleton (service.h). */
extern const struct np_service_ops dhcpd_service;

#endif
