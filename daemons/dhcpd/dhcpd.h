/*
 * dhcpd.h: np-dhcpd's state and lifecycle: the lease table and its engine,
 * the lease store, the sockets (io.c), DNS updates (io-ddns.c) and the
 * control socket (control.c), started, reloaded and stopped as
 * daemons/common/daemon.h's operations.
 *
 * A lease change takes one path whatever asked for it (a client's message,
 * expiry, lease4-del): the engine makes it, the lease store journals it,
 * and the change hook moves the client's name in DNS.
 */
#ifndef NP_DHCPD_DHCPD_H
#define NP_DHCPD_DHCPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "clock.h"
#include "../common/daemon.h"
#include "hashmap.h"

struct np_daemon;
struct np_ctl;
struct event;
struct lease_table;
struct lease6_table;
struct engine;
struct engine6;
struct dhcpd_io6;
struct leasedb;
struct dhcpd_io;
struct ddns;
struct translog;
struct dhcpd_ra;

/* The daemon's state: one, main.c's. */
struct dhcpd {
	struct np_daemon *dm;
	struct lease_table *lt;
	struct lease6_table *lt6;      /* DHCPv6 leases, journaled beside the v4 ones */
	struct engine *eng;
	struct leasedb *db;
	struct dhcpd_io *io;
	struct engine6 *eng6;          /* NULL without subnets6 */
	struct dhcpd_io6 *io6;         /* NULL without subnets6 */
	uint8_t duid[130];             /* the server DUID (duid.h) */
	size_t duid_len;
	struct ddns *ddns;             /* NULL without dns_update */
	struct translog *tl;           /* the transaction log (translog.h) */
	int lock_fd;                   /* the lease store's lock, held while running (leaseio.h) */
	struct dhcpd_ra *ra;           /* NULL without router_advertisements */
	struct event *tick;
	uint64_t replay_errors;
	unsigned store_damage;         /* leasedb_recovery()'s damage at start */
	uint64_t store_lost_octets;    /* unreadable octets skipped at start */
	int last_err;                  /* of the lease store; 0 when healthy */
	np_mono_ms_t started, reloaded;
	struct np_hmap_key hash_key;   /* the process's, for every table (hashmap.h) */
};

/* The np_daemon_ops start / apply / stop / healthy of np-dhcpd. */
int dhcpd_start(struct np_daemon *dm, void *conf);
int dhcpd_apply(struct np_daemon *dm, void *new_conf, char *why, size_t cap);
void dhcpd_stop(struct np_daemon *dm);
bool dhcpd_healthy(struct np_daemon *dm);

/* Settings that take effect on restart only (daemon.h). */
extern const struct np_restart_only dhcpd_restart_only[];

#endif
