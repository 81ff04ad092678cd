/*
 * io.h: np-dhcpd's sockets.  Thin libevent glue around the engine: receive
 * (AF_PACKET per interface for the clients on it: broadcasts, and unicast
 * with giaddr 0, whose Ethernet source the engine checks; UDP port 67 for
 * relays and other unicast), call engine_handle(), append the journal
 * records, commit them in one fdatasync per batch (group commit), then send
 * the replies whose records are durable.  Replies to clients without an
 * address are built as Ethernet + IPv4 + UDP frames with libnetproto.
 */
#ifndef NP_DHCPD_IO_H
#define NP_DHCPD_IO_H

#include <stdint.h>

#include "conf.h"
#include "engine.h"
#include "leasedb.h"

struct event_base;
struct dhcpd_io;

struct dhcpd_io_stats {
	uint64_t sent;
	uint64_t send_errors;
	uint64_t commit_failures;       /* syncs that failed: their ACKs were not sent */
	uint64_t acks_withheld;
	uint64_t batches;
	uint64_t rx_malformed;          /* frames the filter let through that do not parse */
	uint64_t rx_oversized;          /* messages longer than the receive buffer */
};

/* Called after each failed commit (the daemon logs and updates STATUS=). */
typedef void (*dhcpd_io_fail_fn)(void *arg, int err);

/*
 * Open the sockets for conf's interfaces and serve them on base.  Fills in
 * each subnet's ifindex from the interfaces (by name, or by holding one of
 * the interface's addresses: engine_bind_link()).  0, or -errno after
 * logging what failed.
 */
int dhcpd_io_start(struct event_base *base, struct dhcpd_conf *conf, struct engine *eng,
		   struct leasedb *db, dhcpd_io_fail_fn fail, void *arg, struct dhcpd_io **out);
void dhcpd_io_free(struct dhcpd_io *io);
/*
 * A reload: serve conf (same interfaces) with engine eng (which has taken
 * over the old one's probes) from now on; the subnets are bound to their
 * links again.
 */
void dhcpd_io_rebind(struct dhcpd_io *io, struct dhcpd_conf *conf, struct engine *eng);
void dhcpd_io_get_stats(const struct dhcpd_io *io, struct dhcpd_io_stats *st);

/*
 * Told of each lease change once it is in effect: an ACK's after it is
 * durable and the ACK is sent, the others (release, decline) at once, an
 * operator's deletion once durable.  For DNS updates (io-ddns.h).
 */
typedef void (*dhcpd_io_change_fn)(void *arg, const struct engine_change *c);
void dhcpd_io_set_change_hook(struct dhcpd_io *io, dhcpd_io_change_fn fn, void *arg);
/* Told of every completed exchange (out->txn) once it is in effect: the transaction log. */
typedef void (*dhcpd_io_txn_fn)(void *arg, const struct leasefmt_txn *txn);
void dhcpd_io_set_txn_hook(struct dhcpd_io *io, dhcpd_io_txn_fn fn, void *arg);

/*
 * lease4-del: the engine deletes the lease of addr (engine_delete()), the
 * change is committed, then told to the change hook.  0, -ENOENT, or
 * -errno of the lease store (the change is then not durable).
 */
int dhcpd_io_delete(struct dhcpd_io *io, uint32_t addr);

#endif
