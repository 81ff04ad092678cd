/*
 * query.h: np-dnsd's message handler, without sockets or clock reads.
 *
 * dnsd_engine_query() takes the bytes of one client message and decides:
 * drop it, answer now (the answer is written to out), or wait for an
 * upstream answer (the client becomes a waiter of the resolver; its answer
 * comes later through ops->deliver).  The order of the checks is Unbound's
 * worker_handle_request(): access control, header sanity, parse, opcode,
 * EDNS, then the local zone, the cache and the upstreams.
 *
 *   - deny: dropped; refuse: REFUSED (counted);
 *   - over UDP from source port 0, which no answer can reach, or from the
 *     echo, daytime, chargen and time ports (7, 13, 19, 37), which answer
 *     anything and so loop with a DNS server: dropped (counted), as BIND
 *     (ns_client_dropport()) and dnsmasq do, on every receive path;
 *   - QR set, or shorter than a header: dropped (counted as malformed);
 *   - unparseable, or not exactly one question: FORMERR (RFC 1035 §4.1.1);
 *   - signed with TSIG: NOTAUTH with an unsigned TSIG saying BADKEY, since
 *     np-dnsd holds no keys (RFC 8945 §5.2, §5.3.2); a TSIG that is not the
 *     last record: FORMERR (RFC 8945 §5.1);
 *   - EDNS version above 0: BADVERS (RFC 6891 §6.1.3);
 *   - UPDATE (RFC 2136) from an update_acl address: applied to the local
 *     zone; from anyone else: REFUSED; other opcodes: NOTIMP;
 *   - class other than IN, or zone transfers: REFUSED (a forwarder does
 *     not serve them);
 *   - the local zone and the reverse names it owns are answered
 *     authoritatively and never forwarded;
 *   - then the cache; on a miss the resolver (dnsd_res_query()).
 *
 * An upstream answer is scrubbed first (scrub.h: trust follows authority):
 * only what the answering servers speak for is cached or relayed.  When
 * its CNAME chain leads to a name another set of servers (or the local
 * zone) is responsible for, the target is looked up on its own, as
 * Unbound does, and the client gets the CNAMEs followed by that answer;
 * at most DNS_SCRUB_MAX_CHAIN CNAMEs in all, and a loop is SERVFAIL.
 *
 * DNSSEC (RFC 4035 §3.2): upstream queries always carry DO; a client that
 * set DO gets it echoed and the RRSIGs, NSEC and NSEC3 records that come
 * with its answer (relayed or cached), a client that did not gets none of
 * them unless it asked for that type; CD is passed upstream; AD is never
 * set, since np-dnsd does not validate (RFC 6840 §5.8).  Answers to other
 * opcodes than QUERY have RA clear.
 *
 * UDP answers are truncated with TC to the client's size: its EDNS payload
 * size capped at edns_buffer_size, or 512 without EDNS (RFC 6891 §7, RFC
 * 1035 §4.2.1); TCP answers may use 65535 octets (RFC 7766 §8).
 */
#ifndef NP_DNSD_QUERY_H
#define NP_DNSD_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "localzone.h"
#include "policy.h"
#include "resolver.h"

struct dnsd_client {
	uint32_t addr;                 /* host order */
	uint16_t port;
	bool tcp;
	uint64_t token;                /* the I/O layer's handle, for a later answer */
};

enum dnsd_verdict {
	DNSD_DROP = 0,
	DNSD_ANSWER,                   /* out holds the answer */
	DNSD_PENDING,                  /* the answer comes through ops->deliver */
};

/* Types counted one by one in statistics; the rest are "other". */
#define DNSD_STAT_TYPES 12

struct dnsd_stats {
	uint64_t queries, queries_udp, queries_tcp;
	uint64_t by_type[DNSD_STAT_TYPES + 1];
	uint64_t by_rcode[16];         /* answers sent, by rcode (extended ones in [15]) */
	uint64_t dropped_malformed, formerr, acl_refused, acl_denied, notimp, badvers;
	uint64_t tsig_badkey;           /* signed messages: NOTAUTH/BADKEY (we hold no keys) */
	uint64_t local_answers, cache_answers, stale_answers, upstream_answers, servfail;
	uint64_t truncated, prefetches, updates, updates_refused, answers_dropped;
	uint64_t answers_unusable;      /* upstream answers not copyable: SERVFAIL sent */
	/* Trust follows authority (scrub.h): */
	uint64_t scrubbed_records;      /* upstream records not believed, dropped */
	uint64_t cname_restarts;        /* CNAME targets looked up on their own */
	uint64_t cname_loops;           /* CNAME loops and too long chains: SERVFAIL */
	uint64_t reload_flushed;        /* entries dropped by reloads that moved a zone */
	uint64_t dropped_bad_port;      /* UDP queries from a source port never answered */
};

/*
 * How the engine reaches the I/O side.  Today these are callbacks made
 * during an engine call; ARCHITECTURE.md ("actions instead of callbacks")
 * describes the list of actions (send, cancel, deliver) they are to
 * become, so that the engine can hold a client's answer while it asks its
 * own sub-queries (CNAME targets now, DS/DNSKEY for validation later).
 */
struct dnsd_engine_ops {
	uint32_t (*random)(void *arg);
	int (*send)(void *arg, struct dnsd_upq *q);          /* see resolver.h */
	void (*abandon)(void *arg, struct dnsd_upq *q);
	/* The late answer to a waiter's client (token as given in dnsd_client). */
	void (*deliver)(void *arg, uint64_t token, bool tcp, const uint8_t *msg, size_t len);
	void *arg;
	/* Optional: an upstream server is asked without 0x20 a while (see resolver.h). */
	void (*caps_fallback)(void *arg, const struct dnsd_server *s);
};

struct dnsd_engine {
	const struct dnsd_policy_conf *conf;
	/*
	 * The local zone, the engine's own: built from conf's records, changed
	 * by UPDATEs, and across a reload its dynamic names go along into the
	 * zone built from the new records (dns_local_carry()).  NULL without
	 * local_zone.
	 */
	struct dns_local *local;
	size_t reload_kept, reload_dropped;   /* dynamic records, at the last reload */
	struct dns_cache *cache;
	struct dnsd_resolver res;
	struct dnsd_engine_ops ops;
	struct dnsd_stats stats;
	/* Access control in effect: conf->acl, or the defaults given by the I/O layer. */
	struct dnsd_acl_entry default_acl[64];
	unsigned ndefault_acl;
	uint64_t now_ms;               /* of the message being handled */
	uint8_t *scratch;              /* NP_DNS_MSG_MAX octets for late answers */
	struct dns_scrub *scrub;       /* the upstream answer being handled, scrubbed */
	uint8_t *scrub_buf;            /* NP_DNS_MSG_MAX octets for it */
};

/* 0, or -1 when out of memory. */
int dnsd_engine_init(struct dnsd_engine *e, const struct dnsd_policy_conf *conf,
		     const struct dnsd_engine_ops *ops);
/*
 * Reload: new settings, cache and queries in flight kept (the cache is
 * flushed when the servers responsible for names changed); the local zone
 * is rebuilt from the new records with the names UPDATEs published kept,
 * unless configured records now own them (reload_kept, reload_dropped).
 * conf must outlive the engine or the next reload.  0 or -1 (old kept).
 */
int dnsd_engine_configure(struct dnsd_engine *e, const struct dnsd_policy_conf *conf);
void dnsd_engine_free(struct dnsd_engine *e);
/* Used when access_control is not configured (loopback + local subnets). */
void dnsd_engine_set_default_acl(struct dnsd_engine *e, const struct dnsd_acl_entry *acl,
				 unsigned n);

/*
 * Handle one client message.  out[cap] receives an immediate answer (cap
 * >= 65535 suffices for every case; smaller caps truncate with TC).
 */
enum dnsd_verdict dnsd_engine_query(struct dnsd_engine *e, const uint8_t *buf, size_t len,
				    const struct dnsd_client *c, uint64_t now_ms, uint8_t *out,
				    size_t cap, size_t *outlen);

/* true for a UDP source port no query is answered to (see above). */
bool dnsd_udp_port_refused(uint16_t port);

/* Index of qtype in stats.by_type and its name ("A", ..., "other"). */
unsigned dnsd_stat_type_index(uint16_t qtype);
const char *dnsd_stat_type_name(unsigned index);

#endif
