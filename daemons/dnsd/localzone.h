/*
 * localzone.h: np-dnsd's authoritative local data.
 *
 * The authoritative local zone (e.g. "lan.") and its reverse zone(s): static
 * records from the config plus names published by DHCP through RFC 2136 UPDATE.
 * A and AAAA records get their PTR automatically (in in-addr.arpa / ip6.arpa).
 *
 * Answers carry AA; a name that does not exist gets NXDOMAIN and a name
 * without the type NODATA, both with a synthesized SOA in the authority
 * section whose TTL is the negative TTL (RFC 2308 §3) and whose serial grows
 * with every change (RFC 1982 arithmetic, RFC 2136 §3.6).  Pure: no sockets,
 * no clock, no logging.
 *
 * localzone.c keeps the records and answers from them; update.c applies
 * UPDATEs (both through localzone-store.h); zonetext.c parses record lines.
 */
#ifndef NP_DNSD_LOCALZONE_H
#define NP_DNSD_LOCALZONE_H

#include <stddef.h>
#include <stdint.h>

#include "netproto/dns.h"

#include "hashmap.h"

/* TTL of records added without one, of the SOA and of negative answers. */
#define DNS_LOCAL_DEFAULT_TTL 300

struct dns_local;
/*
 * zone: wire name of the local zone.  key: the process's hash key
 * (np_hmap_key_draw() on the I/O side), under which owners are hashed, so
 * that names DHCP clients choose cannot be aimed at one chain.
 */
struct dns_local *dns_local_new(const uint8_t *zone, size_t zlen,
				const struct np_hmap_key *key);
void dns_local_free(struct dns_local *z);                      /* NULL ok */
/*
 * Add one static record from a zone-file line such as
 * "printer.lan. 300 IN A 10.77.0.50" (types A, AAAA, CNAME, PTR, MX, TXT, SRV;
 * owner must be absolute; TTL and class optional; read by dns_rr_text_parse(),
 * zonetext.h).  On error returns a negative code and writes a one-line reason
 * to err (for the config's file:line error).
 */
int dns_local_add_line(struct dns_local *z, const char *line, char *err, size_t errlen);

/* Is name in the local zone or in a reverse zone we own entries for? (never forwarded) */
int dns_local_owns(const struct dns_local *z, const uint8_t *name, size_t len);
/*
 * Answer a query for a name dns_local_owns(): adds the records (following a
 * local CNAME), sets AA; NXDOMAIN with the zone's SOA in authority when the
 * name does not exist, NODATA with SOA when the type does not.  Returns 0 or a
 * negative code (NP_ENOSPC from the builder).
 */
int dns_local_answer(struct dns_local *z, const uint8_t *qname, size_t qlen,
		     uint16_t qtype, struct np_dns_builder *b);
/*
 * Apply an RFC 2136 UPDATE message (opcode 5) already checked against
 * update_acl by the caller: zone section must be the local zone (else NOTAUTH),
 * prerequisites (§2.4) evaluated (§3.2), then the zone's policy (§3.3):
 * REFUSED when an update touches a name that has configured records (they
 * are never deleted or overridden by UPDATE), or a name holding a DHCID
 * record (RFC 4701, the DHCP client that owns it) without a prerequisite on
 * that DHCID (RFC 4703 §5); then updates (§2.5: add RR, delete RRset,
 * delete all RRsets of a name, delete one RR) applied atomically (all or
 * nothing, §3.4.2), PTRs kept in step with A/AAAA.  Returns the RFC 2136
 * rcode to answer with (0 NOERROR, 1 FORMERR, 2 SERVFAIL, 5 REFUSED,
 * 6 YXDOMAIN, 7 YXRRSET, 8 NXRRSET, 9 NOTAUTH, 10 NOTZONE).
 */
int dns_local_update(struct dns_local *z, const struct np_dns_msg *msg);
/* TTL of the SOA and of negative answers (default DNS_LOCAL_DEFAULT_TTL), and of
 * records added by dns_local_add_line() without a TTL from now on. */
void dns_local_set_ttl(struct dns_local *z, uint32_t ttl);
/* The SOA serial: 1 for a new zone, one more after every change (RFC 1982). */
uint32_t dns_local_serial(const struct dns_local *z);
/* Dump and counts for the control socket.  owner is lowercased; rdata is
 * canonical (names uncompressed); the automatic PTRs are included. */
void dns_local_walk(const struct dns_local *z,
		    int (*fn)(void *arg, const uint8_t *owner, size_t len, uint16_t type,
			      uint32_t ttl, const uint8_t *rdata, size_t rdlen, int dynamic),
		    void *arg);
size_t dns_local_count(const struct dns_local *z);

struct dns_local_stats {
	uint64_t refused_static;       /* UPDATEs touching configured names: REFUSED */
	uint64_t refused_owned;        /* ... a DHCID-owned name without its prerequisite */
	uint64_t prereq_failed;        /* prerequisites not met (§3.2: YXDOMAIN, NXRRSET, ...) */
	uint64_t reload_dropped;       /* dynamic records at names configured by a reload */
};

/* Counters, kept across reloads by dns_local_carry(). */
const struct dns_local_stats *dns_local_get_stats(const struct dns_local *z);
/*
 * A reload: the names published by UPDATE in from (the running zone) into
 * to (the new configuration's, same zone), with their PTRs, except at names
 * to has configured records for: the configuration wins and those dynamic
 * records are dropped (and counted).  The counters come along too.  Returns
 * how many records were kept; *dropped (may be NULL) how many were not.
 */
size_t dns_local_carry(const struct dns_local *from, struct dns_local *to, size_t *dropped);

#endif
