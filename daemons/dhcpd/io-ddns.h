/*
 * io-ddns.h: np-dhcpd's DNS updates on the wire (the messages are ddns.h's).
 *
 * Each UPDATE goes over UDP to the configured server without blocking, is
 * sent again after `timeout` without an answer, up to `retries` times; the
 * answer's rcode decides the next step (ddns_next()), is counted, and
 * logged when it is a failure.  Message ids are random.
 */
#ifndef NP_DHCPD_IO_DDNS_H
#define NP_DHCPD_IO_DDNS_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "ddns.h"
#include "lease.h"

struct ddns_stats {
	uint64_t queued;               /* UPDATE messages made */
	uint64_t sent;                 /* datagrams sent, retries included */
	uint64_t retries;
	uint64_t noerror;              /* answers with rcode NOERROR */
	uint64_t failed;               /* answers with an rcode that is no step of RFC 4703 */
	uint64_t conflicts;            /* names held by another client: leased without them */
	uint64_t not_owned;            /* removals of names that were not the client's */
	uint64_t derived;              /* conflicts given a derived name (conflict = "suffix") */
	uint64_t timeouts;             /* given up after the last retry */
	uint64_t dropped;              /* not queued: too many in flight */
	uint64_t invalid_names;        /* hostnames that are not DNS labels */
	uint64_t unchanged;            /* renewals of a name already published: nothing sent */
	uint64_t send_errors;
	int last_rcode;                /* of the last answer, -1 before any */
};

struct event_base;
struct ddns;

/* Open the socket towards conf->server; NULL after logging why. */
struct ddns *ddns_new(struct event_base *base, const struct dhcpd_dns_update *conf);
/*
 * A reload with the same server: keep the socket and what is in flight,
 * use conf (zone, ttl, timers) from now on.
 */
void ddns_set_conf(struct ddns *d, const struct dhcpd_dns_update *conf);
/* Drop what is in flight and close; NULL is fine. */
void ddns_free(struct ddns *d);

/*
 * A lease changed: what ddns_lease_op() says of it (publish, withdraw or
 * nothing).
 */
void ddns_lease(struct ddns *d, const struct lease_data *l);
/* Publish or withdraw the name of rec's client (hostname, address, identity). */
void ddns_name(struct ddns *d, const struct lease_data *rec, enum ddns_op op);

const struct ddns_stats *ddns_get_stats(const struct ddns *d);
/* UPDATE messages waiting for their answer. */
size_t ddns_in_flight(const struct ddns *d);

#endif
