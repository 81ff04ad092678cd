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

#include <stddef.h>

#include "arpd.h"

/* Open the socket, start reading, schedule announcements and probing. */
int arpd_io_start(struct arpd *a, struct arpd_conf *conf);
/* Put a reloaded config into effect; -1 with why when it cannot be. */
int arpd_io_apply(struct arpd *a, struct arpd_conf *conf, char *why, size_t cap);
void arpd_io_stop(struct arpd *a);
/* Refresh kernel_drops from PACKET_STATISTICS. */
void arpd_io_refresh_stats(struct arpd *a);

#endif
