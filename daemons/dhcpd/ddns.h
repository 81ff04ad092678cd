/*
 * ddns.h: np-dhcpd's client names in DNS, by RFC 2136 dynamic update.
 *
 * When a lease is ACKed to a client that sent a hostname (option 12) or a
 * client FQDN (option 81, RFC 4702), two UPDATE messages go to the
 * configured DNS server: one for the forward zone,
 *     delete the A RRset of host.zone (§2.5.2), add host.zone A address,
 * and one for the reverse zone,
 *     delete the PTR RRset of d.c.b.a.in-addr.arpa, add its PTR host.zone.
 * When the lease is released or expires, exactly those records are deleted
 * (§2.5.4, "delete an RR from an RRset"), so a name or address already
 * taken over by another lease is left alone.  RFC 2136 §2.3 allows one zone
 * per UPDATE, hence two messages.
 *
 * The messages are built here with libnetproto's DNS builder (pure
 * functions, tested byte by byte), then sent over UDP without blocking:
 * an ACK never waits for DNS.  Each is sent again after `timeout` without
 * an answer, up to `retries` times; the answer's rcode is checked, counted,
 * and logged when it is not NOERROR.  A renewal of a name already published
 * (answered NOERROR since start-up) sends nothing, as ISC dhcpd's
 * update-optimization.  No TSIG (the server is expected to
 * accept updates from the DHCP server's address, as np-dnsd's update ACL).
 */
#ifndef NP_DHCPD_DDNS_H
#define NP_DHCPD_DDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netproto/dns.h>

#include "conf.h"
#include "leasedb.h"

#define DDNS_OPCODE_UPDATE 5           /* RFC 2136 §1.3 */
#define DDNS_CLASS_NONE 254            /* RFC 2136 §1.3 */
#define DDNS_MSG_MAX 1024              /* two records with 255-octet names fit */

/* ---- Building the messages (pure) ---------------------------------------- */

enum ddns_op {
	DDNS_ADD = 1,                  /* replace the RRset with this record */
	DDNS_DELETE = 2,               /* delete this one record */
};

/* One UPDATE: a zone, an owner and one A or PTR record. */
struct ddns_update {
	uint16_t type;                 /* NP_DNS_TYPE_A or NP_DNS_TYPE_PTR */
	enum ddns_op op;
	uint32_t ttl;
	uint8_t zone[NP_DNS_NAME_MAX];
	size_t zone_len;
	uint8_t owner[NP_DNS_NAME_MAX];
	size_t owner_len;
	uint32_t addr;                 /* A rdata */
	uint8_t target[NP_DNS_NAME_MAX];   /* PTR rdata */
	size_t target_len;
};

/*
 * The forward (A) and reverse (PTR) updates for host at addr.  zone is the
 * forward zone and rzone the reverse zone in presentation form (rzone NULL
 * or "": the /24 of addr, "c.b.a.in-addr.arpa.").  host must be one label
 * of letters, digits and hyphens (RFC 952, RFC 1123 §2.1), at most 63
 * octets; a host given as an FQDN keeps its first label.  Returns 0, or
 * NP_EINVAL (host is not such a name), NP_ENAME (host.zone too long),
 * NP_ENOTFOUND (*ptr) when addr's reverse name is not inside rzone; the
 * A update is still filled in that last case.
 */
int ddns_prepare(const char *host, uint32_t addr, const char *zone, const char *rzone,
		 enum ddns_op op, uint32_t ttl, struct ddns_update *a, struct ddns_update *ptr);

/* The UPDATE message for u with id: its length, or an NP_E* code. */
int ddns_build(const struct ddns_update *u, uint16_t id, uint8_t *buf, size_t cap);

/*
 * Check an answer to the UPDATE with id: the rcode (0 NOERROR, ...), or
 * NP_EFORMAT when it is not an UPDATE answer, NP_ENOTFOUND for another id,
 * or the parser's error.
 */
int ddns_answer_rcode(const uint8_t *buf, size_t len, uint16_t id);

/* ---- Sending them (libevent) ------------------------------------------------ */

struct ddns_stats {
	uint64_t queued;               /* UPDATE messages made */
	uint64_t sent;                 /* datagrams sent, retries included */
	uint64_t retries;
	uint64_t noerror;              /* answers with rcode NOERROR */
	uint64_t failed;               /* answers with another rcode */
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
 * A lease changed (the io hook): BOUND with a hostname publishes it,
 * RELEASED or EXPIRED with a hostname deletes it, anything else is ignored.
 */
void ddns_lease(struct ddns *d, const struct leasedb_rec *rec);
/* The same by hand (the control socket's lease4-del). */
void ddns_name(struct ddns *d, const char *host, uint32_t addr, enum ddns_op op);

const struct ddns_stats *ddns_get_stats(const struct ddns *d);
/* UPDATE messages waiting for their answer. */
size_t ddns_in_flight(const struct ddns *d);

#endif
