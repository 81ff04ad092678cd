/*
 * query.h: np-dnsd's message handler, without sockets or clock reads.
 *
 * dnsd_engine_query() takes the bytes of one client message and decides:
 * drop it, answer now (the answer is written to out), or wait for an
 * upstream answer (the client becomes a waiter of the resolver; its answer
 * comes later as a DNSD_ACT_DELIVER action, see "Actions" below).  The order of the checks is Unbound's
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
 *
 * Actions (resolver.h has the list and its contract).  The engine never
 * calls the I/O side.  Every entry point - dnsd_engine_query() (a client
 * message), dnsd_engine_response() (an upstream message for q),
 * dnsd_engine_timeout(), dnsd_engine_send_failed() (a SEND the I/O side
 * could not carry out) and dnsd_engine_drain() (shutdown) - appends what is
 * to be done to dnsd_engine_actions(e): SEND q, CANCEL a try's I/O handle,
 * DELIVER an answer to a client token, CAPS_FALLBACK.  The I/O side carries
 * them out in order at once, reports failed SENDs while doing so, and
 * clears the list before the next event.  Who owns what:
 *   - the engine owns every query (struct dnsd_upq) and waiter; a SEND's q
 *     is valid while its action is carried out, q->io is the I/O side's to
 *     set and is handed back in a CANCEL, after which the engine forgets it;
 *   - a DELIVER's octets belong to the list (valid until it is cleared);
 *     its token is the one the I/O side gave in struct dnsd_client, and it
 *     comes exactly once per DNSD_PENDING verdict with a token (none when
 *     the answer could not be built: answers_dropped);
 *   - an immediate answer (DNSD_ANSWER, a cache hit among them) is written
 *     to out and appends nothing, except a prefetch's SEND: the hot path
 *     neither allocates nor builds a list.
 *
 * Holding an answer.  A waiter (struct dnsd_waiter) is a client whose
 * answer the engine holds.  When its query finishes (on_finish() in
 * query.c) each waiter is either delivered or held further: a CNAME target
 * other servers answer for is asked on its own (restart(): the waiter and
 * its struct dnsd_chase move to the target's query, whose SEND goes into
 * the same list), and the waiter resumes when that query finishes.  DNSSEC
 * validation (val-chain.h) plugs in at the same point: a waiter whose
 * answer needs a chain of trust is held with its validation run, each
 * "DS/DNSKEY for zone Z" question becomes a query of the engine's own
 * (a SEND, coalesced like any other), and the run resumes in on_finish()
 * of that query until the verdict; only then is the DELIVER appended.
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
	DNSD_PENDING,                  /* the answer comes later, as a DELIVER action */
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
 * What the engine takes from the I/O side: random numbers (the one injected
 * interface; the time comes with each call).  Everything else goes the
 * other way, as actions (above).
 */
struct dnsd_engine_ops {
	uint32_t (*random)(void *arg);
	void *arg;
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
/* Free everything; queries still in flight end without actions (drain first). */
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

/* The actions the last calls appended (resolver.h); cleared by the I/O side. */
static inline struct dnsd_actions *dnsd_engine_actions(struct dnsd_engine *e)
{
	return &e->res.acts;
}

/* An upstream message for q (see dnsd_res_response()). */
enum dnsd_res_verdict dnsd_engine_response(struct dnsd_engine *e, struct dnsd_upq *q,
					   const struct dnsd_addr *from, bool tcp,
					   const uint8_t *buf, size_t len, uint64_t now_ms);
/* q's deadline passed, or its connection failed: the next server. */
void dnsd_engine_timeout(struct dnsd_engine *e, struct dnsd_upq *q, uint64_t now_ms);
/* q's SEND could not be carried out: the next server, or SERVFAIL. */
void dnsd_engine_send_failed(struct dnsd_engine *e, struct dnsd_upq *q, uint64_t now_ms);
/*
 * Shutdown with clients waiting: one query in flight ends (its waiters get
 * SERVFAIL, its try a CANCEL): true, or false when none is left.  Carry out
 * the actions after each call.
 */
bool dnsd_engine_drain(struct dnsd_engine *e, uint64_t now_ms);

/* true for a UDP source port no query is answered to (see above). */
bool dnsd_udp_port_refused(uint16_t port);

/* Index of qtype in stats.by_type and its name ("A", ..., "other"). */
unsigned dnsd_stat_type_index(uint16_t qtype);
const char *dnsd_stat_type_name(unsigned index);

#endif
