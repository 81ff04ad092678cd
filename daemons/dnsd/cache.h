/*
 * cache.h: np-dnsd's RRset cache, a pure function of (state, message, now).
 *
 * Entries are RRsets keyed by (owner, type) for class IN, owners compared
 * case-insensitively (RFC 4343), plus negative entries (RFC 2308): an
 * NXDOMAIN entry covers its name for every type, a NODATA entry one type.
 * Rdata is kept in canonical uncompressed form, so an entry never points
 * into the message it came from.
 *
 * What is cached from a response follows the credibility rules of RFC 2181
 * §5.4.1 and the bailiwick rule resolvers (Unbound's scrubber) apply: only
 * answer-section records on the CNAME chain from the question's name, inside
 * the zone the upstream was asked about; never authority or additional data,
 * except the SOA that proves a negative answer (RFC 2308 §5), and only when
 * that SOA owns an ancestor (or the name itself) of the chain's last name.
 *
 * DNSSEC records are kept with what they sign or prove, never on their
 * own: the answer-section RRSIGs covering a cached RRset (its TTL is the
 * smallest of the RRset's, the RRSIGs' and their original TTL), and the
 * authority-section NSEC/NSEC3 records, their RRSIGs and the SOA's RRSIGs
 * with a negative entry (only those inside the SOA's zone) or with a
 * wildcard expansion (inside the signer's zone, itself inside the zone the
 * upstream was asked about).  They are served only to lookups with
 * DNS_CACHE_F_DNSSEC, with the entry's TTL, and count in the cache's bytes.
 * Nothing is validated here: signature times are not checked, so callers
 * must not set AD (RFC 4035 §3.2.3).  A query for type RRSIG, NSEC or NSEC3
 * itself caches and answers that RRset as any other type.
 *
 * The cache is bounded (max_rrsets entries; the least recently used one is
 * evicted), TTLs count down from the now_ms given at store time and are
 * clamped by the limits, expired data may be served for max_stale seconds
 * when the caller allows it (RFC 8767 serve-stale), and popular entries near
 * their expiry ask the caller to refresh them (prefetch).  The table
 * hashes under the key the caller draws (hashmap.h) so that chosen names
 * cannot degrade lookups (hash flooding).
 *
 * No sockets, no clock reads (now_ms is a monotonic millisecond count passed
 * in), no logging: the unit tests and the fuzzer drive it directly.
 */
#ifndef NP_DNSD_CACHE_H
#define NP_DNSD_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "netproto/dns.h"

#include "hashmap.h"

struct dns_cache;

struct dns_cache_limits {
	uint32_t min_ttl, max_ttl, max_negative_ttl;  /* seconds; clamps (Unbound's cache-min-ttl...) */
	int serve_stale;                              /* RFC 8767 */
	uint32_t stale_answer_ttl;                    /* TTL given to stale answers (RFC 8767: 30) */
	uint32_t max_stale;                           /* how long past expiry data may be served, s */
};

/*
 * A cache of at most max_rrsets entries (at least 1 is used), or NULL when
 * out of memory.  The limits are taken literally (max_ttl 0 caches nothing,
 * max_negative_ttl 0 no negative answer; a TTL of 0 after the clamps is not
 * cached, RFC 1035 §3.2.1); min_ttl is applied after max_ttl.  lim NULL:
 * Unbound's defaults (min_ttl 0, max_ttl 86400, max_negative_ttl 3600,
 * serve-stale off, stale_answer_ttl 30, max_stale 86400).  key: the
 * process's random hash key (np_hmap_key_draw() on the I/O side).
 */
struct dns_cache *dns_cache_new(size_t max_rrsets, const struct dns_cache_limits *lim,
			       const struct np_hmap_key *key);
/* The hash key the cache was made with (for the engine's other tables). */
const struct np_hmap_key *dns_cache_key(const struct dns_cache *c);
void dns_cache_free(struct dns_cache *c);                      /* NULL ok */
/*
 * Reload: new limits/size; entries kept (evicted down to the new size,
 * least recently used first).  Returns 0 or NP_ENOSPC (out of memory: the
 * cache keeps its old table and limits).
 * New clamps apply to data stored from now on.
 */
int dns_cache_configure(struct dns_cache *c, size_t max_rrsets, const struct dns_cache_limits *lim);

/*
 * Store an upstream response to the question (qname, qtype, class IN).  Only
 * records inside `zone` (the forwarding zone the upstream was asked for, the
 * root "\0" for the default upstreams) AND on the CNAME chain that starts at
 * qname are cached (bailiwick); a negative answer (NXDOMAIN, or NOERROR with no
 * record of qtype at the chain's end) is cached by the SOA in the authority
 * section, TTL = min(SOA TTL, SOA minimum) (RFC 2308 §5), clamped by
 * max_negative_ttl; without an SOA it is not cached.  SERVFAIL/REFUSED/TC
 * responses are not cached.  Returns the number of entries stored (>= 0) or a
 * negative NP_E* code.
 */
int dns_cache_store(struct dns_cache *c, const struct np_dns_msg *resp,
		    const uint8_t *qname, size_t qlen, uint16_t qtype,
		    const uint8_t *zone, size_t zlen, uint64_t now_ms);

enum dns_cache_result {
	DNS_CACHE_MISS = 0,       /* nothing usable: b untouched */
	DNS_CACHE_HIT,            /* answer records added */
	DNS_CACHE_NXDOMAIN,       /* chain (maybe empty) added, SOA in authority, rcode set */
	DNS_CACHE_NODATA,         /* chain (maybe empty) added, SOA in authority */
};

#define DNS_CACHE_F_STALE    1   /* allow expired data (serve-stale, after upstream failure) */
#define DNS_CACHE_F_DNSSEC   2   /* the client set DO: add RRSIGs and proofs (RFC 4035 §3.2.1) */

/* Longest CNAME chain followed, in the cache and when storing. */
#define DNS_CACHE_MAX_CHAIN 16

/*
 * Answer (qname, qtype) from the cache into b, whose header and question the
 * caller has written already (np_dns_builder_reply).  Follows CNAMEs through
 * cached entries (at most 16 links) and succeeds only when the whole chain to a
 * final RRset or negative entry is cached; TTLs are the remaining ones.  On a
 * HIT/NXDOMAIN/NODATA, *prefetch is set to 1 when the final entry is popular
 * and within 10 % of its original TTL of expiring (the caller refreshes it in
 * the background), else 0.  Returns an enum dns_cache_result or a negative
 * NP_E* code (e.g. NP_ENOSPC from the builder: the caller then answers with TC).
 *
 * With DNS_CACHE_F_STALE and limits.serve_stale, entries expired for at most
 * max_stale seconds are used, with stale_answer_ttl as their TTL (RFC 8767
 * §4).  Responses to qtype ANY and other meta types (RFC 6895 §3.1) are
 * never stored, and a lookup of ANY is answered only by an NXDOMAIN entry
 * (the caller forwards it otherwise).  A final entry counts as popular from
 * its second use.  prefetch may be NULL.
 */
int dns_cache_lookup(struct dns_cache *c, const uint8_t *qname, size_t qlen,
		     uint16_t qtype, uint64_t now_ms, unsigned flags,
		     struct np_dns_builder *b, int *prefetch);

/* Remove every entry owned by name (all types), or everything when name is NULL. Returns entries removed. */
size_t dns_cache_flush(struct dns_cache *c, const uint8_t *name, size_t len);

/* dns_cache_entry_info.negative */
#define DNS_CACHE_NEG_NXDOMAIN 1
#define DNS_CACHE_NEG_NODATA 2

struct dns_cache_entry_info {
	const uint8_t *owner; size_t owner_len;    /* lowercased wire form */
	uint16_t type;             /* qtype of a negative entry (0 for an NXDOMAIN one) */
	int negative;              /* 0 positive, 1 NXDOMAIN, 2 NODATA (DNS_CACHE_NEG_*) */
	uint32_t ttl_left;         /* 0 when expired (stale) */
	unsigned nrecords;         /* records in the RRset; 1 (the SOA) for a negative entry */
	unsigned nsigs;            /* RRSIGs kept with the RRset */
	unsigned nproofs;          /* authority records kept as its proof (RRSIG, NSEC, NSEC3) */
};

/*
 * Visit every entry (dump); fn returns non-zero to stop.  The cache must not
 * be changed from fn.
 */
void dns_cache_walk(struct dns_cache *c, uint64_t now_ms,
		    int (*fn)(void *arg, const struct dns_cache_entry_info *e), void *arg);

/*
 * hits/misses: dns_cache_lookup results; inserts: entries stored (new or
 * replaced); evictions: entries dropped for room; expired: entries removed
 * because they were past their (stale) lifetime.  bytes: the heap the cache
 * holds, hash table and entries included.
 */
struct dns_cache_stats { uint64_t hits, misses, inserts, evictions, expired; size_t entries, bytes; };
void dns_cache_get_stats(const struct dns_cache *c, struct dns_cache_stats *st);

#endif
