/*
 * ddns.h: np-dhcpd's client names in DNS, by RFC 2136 dynamic update.
 *
 * A name belongs to the client that registered it (RFC 4703 §5): beside
 * its A record the name holds a DHCID record (RFC 4701, dhcid.h) naming the
 * client, and every UPDATE carries prerequisites (RFC 2136 §2.4) so the
 * DNS server itself refuses a change to a name held by someone else; the
 * rule holds whichever DHCP server asks.  When a lease is ACKed to a client
 * that sent a hostname (option 12) or a client FQDN (option 81, RFC 4702):
 *   1. "host.zone is not in use": add its A and its DHCID (§5.3.1);
 *   2. when that fails with YXDOMAIN, "the DHCID at host.zone is this
 *      client's": replace the A RRset (a renewal, a new address);
 *   3. when that fails with NXRRSET, the name is another client's: the
 *      lease is served without it (logged, counted as ddns-conflicts);
 *      with the "suffix" conflict policy, the client gets a derived name
 *      instead, host-XXXX.zone (the last two octets of its hardware
 *      address in hex), claimed by steps 1 and 2 in turn.
 * Once the forward name is ours, the reverse zone gets "delete the PTR
 * RRset of d.c.b.a.in-addr.arpa, add its PTR host.zone" (§5.3.2: the
 * address is the server's to describe).  When the lease is released or
 * expires (§5.5): "the DHCID is this client's": delete our A record; then
 * "no A or AAAA left and the DHCID is this client's": delete the DHCID; and
 * the PTR record of the lease is deleted.  RFC 2136 §2.3 allows one zone
 * per UPDATE, hence separate messages.
 *
 * The messages are built here with libnetproto's DNS builder (pure
 * functions, tested byte by byte); io-ddns.c sends them over UDP without
 * blocking: an ACK never waits for DNS.  Each is sent again after `timeout` without
 * an answer, up to `retries` times; the answer's rcode decides the next
 * step (ddns_next()), is counted, and logged when it is a failure.  A
 * renewal of a name already published for the same client (answered
 * NOERROR since start-up) sends nothing, as ISC dhcpd's
 * update-optimization.  No TSIG (the server is expected to accept updates
 * from the DHCP server's address, as np-dnsd's update ACL).
 */
#ifndef NP_DHCPD_DDNS_H
#define NP_DHCPD_DDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netproto/dns.h>

#include "dhcid.h"
#include "lease.h"

#define DDNS_CLASS_NONE 254            /* RFC 2136 §1.3 */
#define DDNS_RCODE_YXDOMAIN 6          /* RFC 2136 §2.2 */
#define DDNS_RCODE_YXRRSET 7
#define DDNS_RCODE_NXRRSET 8
#define DDNS_MSG_MAX 1024              /* four records with 255-octet names fit */

/* ---- Building the messages (pure) ---------------------------------------- */

enum ddns_op {
	DDNS_ADD = 1,                  /* publish the client's name */
	DDNS_DELETE = 2,               /* withdraw it */
};

/* The UPDATE messages of RFC 4703, by the prerequisites they carry. */
enum ddns_step {
	DDNS_CLAIM = 1,                /* §5.3.1: name not in use; add A and DHCID */
	DDNS_RECLAIM,                  /* §5.3.1: DHCID is ours; replace the A RRset */
	DDNS_RELEASE,                  /* §5.5: DHCID is ours; delete our A */
	DDNS_RELEASE_DHCID,            /* §5.5: no A/AAAA left, DHCID ours; delete it */
	DDNS_PTR_SET,                  /* §5.3.2: replace the PTR RRset */
	DDNS_PTR_DELETE,               /* §5.5: delete our PTR */
};

/* One UPDATE: a zone, an owner, one A or PTR record, the client's DHCID. */
struct ddns_update {
	uint16_t type;                 /* NP_DNS_TYPE_A or NP_DNS_TYPE_PTR */
	enum ddns_step step;
	uint32_t ttl;
	uint8_t zone[NP_DNS_NAME_MAX];
	size_t zone_len;
	uint8_t owner[NP_DNS_NAME_MAX];
	size_t owner_len;
	uint32_t addr;                 /* A rdata */
	uint8_t target[NP_DNS_NAME_MAX];   /* PTR rdata */
	size_t target_len;
	uint8_t dhcid[DHCID_RDATA_LEN];    /* of the client, for host.zone */
	/* The derived name to turn to when owner is another client's; alt_len 0: none. */
	uint8_t alt_owner[NP_DNS_NAME_MAX];
	size_t alt_len;
	uint8_t alt_dhcid[DHCID_RDATA_LEN];
};

/*
 * The forward (A, step DDNS_CLAIM or DDNS_RELEASE) and reverse (PTR,
 * DDNS_PTR_SET or DDNS_PTR_DELETE) updates for client's host at addr.
 * zone is the forward zone and rzone the reverse zone in presentation form
 * (rzone NULL or "": the /24 of addr, "c.b.a.in-addr.arpa.").  host must
 * be one label of letters, digits and hyphens (RFC 952, RFC 1123 §2.1), at
 * most 63 octets; a host given as an FQDN keeps its first label, which is
 * lowercased (names compare without case, RFC 4343, and so does the
 * DHCID).  Returns 0, or NP_EINVAL (host is not such a name, or the client
 * has no identity), NP_ENAME (host.zone too long), NP_ENOTFOUND (*ptr)
 * when addr's reverse name is not inside rzone; the A update is still
 * filled in that last case.
 */
int ddns_prepare(const char *host, const struct dhcid_client *client, uint32_t addr,
		 const char *zone, const char *rzone, enum ddns_op op, uint32_t ttl,
		 struct ddns_update *a, struct ddns_update *ptr);

/*
 * The "suffix" conflict policy: give the A update a (from ddns_prepare())
 * the derived name of its host for client, host-XXXX.zone
 * (leasefmt_derived_name()), to claim when host.zone is another client's,
 * and to release after host.zone.  Returns 0, or NP_EINVAL when the client
 * has no hardware address to derive from, NP_ENAME when the name is too long.
 */
int ddns_derive(struct ddns_update *a, const struct dhcid_client *client, const char *zone);

/* The UPDATE message for u with id: its length, or an NP_E* code. */
int ddns_build(const struct ddns_update *u, uint16_t id, uint8_t *buf, size_t cap);

/*
 * Check an answer to the UPDATE with id: the rcode (0 NOERROR, ...), or
 * NP_EFORMAT when it is not an UPDATE answer, NP_ENOTFOUND for another id,
 * or the parser's error.
 */
int ddns_answer_rcode(const uint8_t *buf, size_t len, uint16_t id);

enum ddns_result {
	DDNS_DONE = 1,                 /* the step did what it meant */
	DDNS_NEXT,                     /* *next is the following UPDATE */
	DDNS_CONFLICT,                 /* the name is another client's (§5.3.1) */
	DDNS_DERIVED,                  /* it is: *next claims the derived name instead */
	DDNS_NOT_OWNED,                /* a removal: the name is not ours (§5.5) */
	DDNS_FAILED,                   /* any other rcode */
};

/* What the answer rcode to u means, and the UPDATE that follows it. */
enum ddns_result ddns_next(const struct ddns_update *u, int rcode, struct ddns_update *next);

/*
 * What a lease change means for its name (the engine asks, engine.h): a
 * BOUND lease with a hostname publishes it (DDNS_ADD), a RELEASED or
 * EXPIRED one withdraws it (DDNS_DELETE); anything else, 0.
 */
int ddns_lease_op(const struct lease_data *l);

#endif
