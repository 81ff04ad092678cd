/*
 * probe.h: np-dhcpd's conflict detection state ("ping check").
 *
 * Before an address is offered to a client that never held it, the server
 * asks the link whether anyone already uses it: io.c broadcasts an ARP
 * probe in the form of RFC 5227 §2.1.1 (sender IP 0.0.0.0, so no neighbour
 * learns anything from it) and listens.  Any ARP packet whose sender IP is
 * the probed address (a reply to the probe, a request or an announcement of
 * the holder: RFC 5227 §2.1.1 counts them all) means the address is in
 * use; no answer within the timeout means it is free.  ISC dhcpd (with an
 * ICMP echo) and Kea's ping-check hook do the same before an offer.
 *
 * Probing never makes a client wait for another: the DISCOVER that needed
 * the probe is copied into the table ("held") and handed back when the
 * probe ends, and meanwhile the server goes on with other messages.
 *
 * This module is the state alone: which addresses are being probed, since
 * when, what was found and which messages wait for the answer.  It does no
 * I/O and reads no clock (times are monotonic milliseconds passed in).
 * Functions return 0 or -errno.
 */
#ifndef NP_DHCPD_PROBE_H
#define NP_DHCPD_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"

enum probe_state {
	PROBE_NONE = 0,            /* not probed, or the result is too old */
	PROBE_PENDING = 1,         /* probe sent, waiting for the timeout */
	PROBE_FREE = 2,            /* nobody answered: may be offered */
	PROBE_INUSE = 3,           /* somebody uses it */
};

#define PROBE_TIMEOUT_DEFAULT 300      /* ms: ISC pings for 1 s, RFC 5227 waits 1-2 s */
#define PROBE_VALID_DEFAULT 30000      /* ms a result is trusted (the offer hold) */
#define PROBE_HELD_PER_ADDR 4          /* messages waiting on one probe */

struct probe_stats {
	uint64_t started;          /* probes sent */
	uint64_t free;             /* probes that timed out unanswered */
	uint64_t conflicts;        /* addresses found in use */
	uint64_t table_full;       /* probes not started: too many at once */
	uint64_t held;             /* messages held for a probe */
	uint64_t held_dropped;     /* messages not held: too many waiting */
};

/* What probe_run() and probe_take() hand back, per held message. */
struct probe_msg {
	uint32_t addr;             /* the probed address */
	uint8_t state;             /* PROBE_FREE or PROBE_INUSE */
	int ifindex;               /* where the message came from */
	uint32_t local_addr;       /* engine_rx fields of the message */
	int unicast;
	const uint8_t *pkt;        /* valid during the callback only */
	size_t len;
};

typedef void (*probe_msg_fn)(void *arg, const struct probe_msg *m);

struct probe_table;

/*
 * A table for at most max addresses at once and max_held held messages in
 * all; timeout_ms until an unanswered probe means free, valid_ms that a
 * result is trusted; key the hash key (hashmap.h).  NULL when out of memory
 * or max is 0.
 */
struct probe_table *probe_table_new(size_t max, size_t max_held, uint32_t timeout_ms,
				    uint32_t valid_ms, const struct np_hmap_key *key);
void probe_table_free(struct probe_table *p);
/* New timings (a reload); probes under way keep their deadline. */
void probe_set_timing(struct probe_table *p, uint32_t timeout_ms, uint32_t valid_ms);

/* What is known of addr at now. */
enum probe_state probe_state(const struct probe_table *p, uint32_t addr, int64_t now);

/*
 * Start probing addr on ifindex at now: 0 (the caller sends the ARP
 * probe), -EALREADY when a probe of addr is under way or its result is
 * still valid, -ENOSPC when max probes are under way.
 */
int probe_start(struct probe_table *p, uint32_t addr, int ifindex, int64_t now);

/*
 * Keep a copy of a waiting request (pkt: opaque octets, the engine's
 * parsed request) for when the probe of addr ends.  -ENOENT
 * when addr is not being probed, -ENOSPC when too many messages wait
 * (PROBE_HELD_PER_ADDR for addr, or max_held in all), -ENOMEM.
 */
int probe_hold(struct probe_table *p, uint32_t addr, const uint8_t *pkt, size_t len,
	       int ifindex, uint32_t local_addr, int unicast);

/*
 * An ARP packet from sender IP addr arrived on ifindex at now: addr is in
 * use if it is in the table (probing, or found free and not yet handed
 * out).  Returns 1 when that changed its state (the caller then gives the
 * held messages back with probe_take()), 0 otherwise.
 */
int probe_seen(struct probe_table *p, uint32_t addr, int ifindex, int64_t now);

/*
 * Give back the messages held for addr's probe, once it has a result, to fn
 * (which may start probes and hold messages again).  Returns how many.
 */
size_t probe_take(struct probe_table *p, uint32_t addr, probe_msg_fn fn, void *arg);

/*
 * Probes unanswered by now become PROBE_FREE, and their held messages go
 * to fn; results older than valid_ms are forgotten.  Returns how many
 * probes ended.
 */
size_t probe_run(struct probe_table *p, int64_t now, probe_msg_fn fn, void *arg);

/* The next time probe_run() has work to do, or INT64_MAX. */
int64_t probe_next_deadline(const struct probe_table *p);

/* Forget addr (it was handed out, or declined). */
void probe_forget(struct probe_table *p, uint32_t addr);

/* Addresses in the table, and how many of them are being probed. */
size_t probe_count(const struct probe_table *p, size_t *pending);
const struct probe_stats *probe_get_stats(const struct probe_table *p);

#endif
