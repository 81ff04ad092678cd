/*
 * io.h: np-arpd's sockets and timers on the libevent loop.
 *
 * One AF_PACKET socket on the configured interface, with a kernel filter
 * that passes ARP frames only, PACKET_IGNORE_OUTGOING so the host's own
 * frames never come back, and a large receive buffer.  Frames are read in
 * batches (recvmmsg), each is handed to arpd_handle(), and the answers are
 * sent in one sendmmsg per batch.  Timers send the start-up announcements
 * and, for unused_only entries, the probes.
 */
#ifndef NP_ARPD_IO_H
#define NP_ARPD_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "netio.h"
#include "responder.h"

struct event;
struct np_ctl;
struct np_metrics;
struct np_daemon;

/* Counters kept by the I/O layer (the responder keeps its own). */
struct arpd_io_stats {
	uint64_t batches;              /* recvmmsg calls that returned frames */
	uint64_t truncated;            /* frames longer than the receive buffer */
	uint64_t sent;                 /* frames sent (replies, defences) */
	uint64_t send_dropped;         /* frames the socket refused or had no room for */
	uint64_t announcements;        /* announcements sent */
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
	uint64_t sent;                 /* monotonic microseconds */
};

struct arpd {
	struct np_daemon *d;
	struct arpd_conf *conf;        /* the running one (owned by the skeleton) */
	int fd;
	int ifindex;
	uint8_t ifmac[6];
	struct event *rx_ev;
	struct np_batch rx, tx;
	struct arpd_responder resp;
	struct arpd_io_stats stats;

	struct event *announce_ev;
	int announce_round;            /* rounds done */
	struct arpd_cursor announce_at;

	struct event *probe_ev;
	struct arpd_cursor probe_at;
	bool sweeping;                 /* a sweep is under way */
	uint64_t sweep_started;        /* monotonic us of the last sweep; 0 = none */
	struct arpd_probe_pending *pending;
	unsigned int pending_cap, pending_head, pending_len;

	struct np_ctl *ctl;
	struct np_metrics *metrics;    /* metrics_listen endpoint, or NULL */
};

/* Monotonic microseconds. */
uint64_t arpd_now(void);

/* Open the socket, start reading, schedule announcements and probing. */
int arpd_io_start(struct arpd *a, struct arpd_conf *conf);
/* Put a reloaded config into effect; -1 with why when it cannot be. */
int arpd_io_apply(struct arpd *a, struct arpd_conf *conf, char *why, size_t cap);
void arpd_io_stop(struct arpd *a);
/* Refresh kernel_drops from PACKET_STATISTICS. */
void arpd_io_refresh_stats(struct arpd *a);

/* The control socket commands (control.c). */
int arpd_control_start(struct arpd *a);
/* The Prometheus endpoint on metrics_listen: statistic-get-all's counters. */
int arpd_metrics_start(struct arpd *a);

#endif
