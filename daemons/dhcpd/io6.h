/*
 * io6.h: np-dhcpd's DHCPv6 socket.  Thin libevent glue around engine6:
 * one UDP socket on port 547 (RFC 8415 §7.2) joined to
 * All_DHCP_Relay_Agents_and_Servers (ff02::1:2, §7.1) on each subnet6's
 * interface; receive a batch, call engine6_handle(), append the lease
 * changes to the journal, commit them with one fdatasync (group commit,
 * as io.c does for DHCPv4), then send the replies the commit covers.
 */
#ifndef NP_DHCPD_IO6_H
#define NP_DHCPD_IO6_H

#include <stdint.h>

#include "conf.h"
#include "engine6.h"
#include "io.h"
#include "leasedb.h"

struct event_base;
struct dhcpd_io6;

struct dhcpd_io6_stats {
	uint64_t sent;
	uint64_t send_errors;
	uint64_t commit_failures;       /* syncs that failed: their REPLYs were not sent */
	uint64_t replies_withheld;
	uint64_t rx_oversized;          /* datagrams longer than the receive buffer */
	uint64_t rx_not_for_us;         /* to port 547 on an interface we do not serve */
};

/*
 * Open the socket and join the group on conf's subnets6 interfaces;
 * bind each subnet6 to its link (by name, or by holding one of the
 * interface's addresses: engine6_bind_link()).  0, or -errno after
 * logging what failed.
 */
int dhcpd_io6_start(struct event_base *base, struct dhcpd_conf *conf, struct engine6 *eng,
		    struct leasedb *db, dhcpd_io_fail_fn fail, void *arg, struct dhcpd_io6 **out);
void dhcpd_io6_free(struct dhcpd_io6 *io);
/* A reload: serve conf (same interfaces) with eng from now on. */
void dhcpd_io6_rebind(struct dhcpd_io6 *io, struct dhcpd_conf *conf, struct engine6 *eng);
void dhcpd_io6_get_stats(const struct dhcpd_io6 *io, struct dhcpd_io6_stats *st);

/* Told of each lease change once it is in effect (a REPLY's once durable and sent). */
typedef void (*dhcpd_io6_change_fn)(void *arg, const struct engine6_change *c);
void dhcpd_io6_set_change_hook(struct dhcpd_io6 *io, dhcpd_io6_change_fn fn, void *arg);

/* The MAC of the first subnet6 interface that has one (for the server DUID); -ENODEV. */
int dhcpd_io6_first_mac(const struct dhcpd_conf *conf, uint8_t mac[6]);

#endif
