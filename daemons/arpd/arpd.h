/*
 * arpd.h: np-arpd's state and lifecycle (RFC 826 replies, RFC 5227
 * announcements, probes and defence for addresses the kernel does not own).
 *
 * The parts, as every daemon has them (ARCHITECTURE.md):
 *   main.c       the operations table the skeleton (daemon.h) runs
 *   arpd.c       this state's lifecycle: start, reload, stop
 *   conf.c       libconfig -> struct arpd_conf (no libconfig past it)
 *   table.c      the address table (pure policy)
 *   responder.c  what to answer to one frame (pure policy)
 *   io.c         the packet socket, the batches and the timers
 *   control.c    the control commands and the counter table
 */
#ifndef NP_ARPD_H
#define NP_ARPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "daemon.h"
#include "netio.h"
#include "responder.h"

struct event;

/* Counters kept by the I/O layer (the responder keeps its own). */
struct arpd_io_stats {
	uint64_t batches;              /* recvmmsg calls that returned frames */
	uint64_t truncated;            /* frames longer than the receive buffer */
	uint64_t sent;                 /* frames sent (replies, defences) */
	uint64_t send_dropped;         /* frames the socket refused or had no room for */
	uint64_t announcements;        /* announcements sent */
	uint64_t unsolicited_na;       /* unsolicited Neighbor Advertisements sent */
	uint64_t groups_joined;        /* solicited-node groups the IPv6 socket is in */
	uint64_t probes;               /* unused_only probes sent */
	uint64_t kernel_drops;         /* PACKET_STATISTICS tp_drops */
};

/* Where the announcer or the prober is in the table. */
struct arpd_cursor {
	unsigned int entry;
	uint64_t addr;
};

struct arpd_probe_pending {
	uint32_t addr;
	bool v6;                       /* then the address is addr6 */
	uint8_t addr6[16];
	uint64_t sent;                 /* monotonic microseconds */
};

struct arpd {
	struct np_daemon *d;
	struct arpd_conf *conf;        /* the running one (owned by the skeleton) */
	int fd;
	int fd6;                       /* IPv6 Neighbor Discovery (io.c) */
	int tx_fd;                     /* the socket tx's frames go out of */
	int ifindex;
	uint8_t ifmac[6];
	struct event *rx_ev, *rx6_ev;
	uint8_t (*groups)[6];          /* multicast MACs joined on fd6 */
	unsigned int ngroups;
	bool allmulti;
	struct np_batch rx, tx;
	struct arpd_responder resp;
	struct arpd_io_stats stats;

	struct event *announce_ev;
	int announce_round;            /* rounds done */
	struct arpd_cursor announce_at;
	unsigned int announce6_at;     /* entry index of the next unsolicited NA */

	struct event *probe_ev;
	struct arpd_cursor probe_at;
	unsigned int probe6_at;        /* entry index of the next IPv6 probe */
	bool sweeping;                 /* a sweep is under way */
	uint64_t sweep_started;        /* monotonic us of the last sweep; 0 = none */
	struct arpd_probe_pending *pending;
	unsigned int pending_cap, pending_head, pending_len;
};

/* The skeleton's operations (daemon.h). */
void *arpd_conf_load_op(const struct np_conf *c, struct np_conf_err *e);
void arpd_conf_free_op(void *conf);
int arpd_start(struct np_daemon *d, void *conf);
int arpd_apply(struct np_daemon *d, void *conf, char *why, size_t cap);
void arpd_stop(struct np_daemon *d);
const struct np_common_conf *arpd_common(const void *conf);
extern const struct np_restart_only arpd_restart_only[];

/* control.c: the commands and the counter table. */
extern const struct np_service_ops arpd_service;

#endif
