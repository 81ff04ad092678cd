/*
 * resolver.h: forwarding resolution as a pure state machine (no sockets, no
 * clock reads, no logging), in the shape of Knot Resolver's
 * kr_resolve_produce/consume, so it can iterate when full recursion comes.
 *
 * One upstream query (struct dnsd_upq) exists per distinct in-flight
 * question (name case-insensitively, type, class, CD): identical questions
 * from many clients wait on the same one (coalescing: the DNSpooq lesson is
 * to never have two queries out for one question, which would multiply a
 * spoofer's chances).  For each question:
 *
 *   - the upstream set is the forward_zones entry whose zone is the longest
 *     match of the name, else `upstreams`;
 *   - a server is picked among those not tried yet: at random among the ones
 *     whose smoothed RTT is within DNSD_RTT_BAND_MS of the fastest, as
 *     Unbound does, so every server keeps being measured (exploration);
 *   - each try gets a random ID, and with use_0x20 a new random case for
 *     each letter of the name (draft-vixie-dnsext-dns0x20); the I/O layer
 *     sends it from a new random source port on a socket connected to the
 *     server;
 *   - an answer is accepted only when it comes from the server's address and
 *     port over the transport the query went out on, has QR, the ID, and
 *     exactly the question sent (octet for octet when 0x20 is on, else
 *     case-insensitively); anything else is counted and ignored, and the
 *     query keeps waiting for the real answer;
 *   - an answer that is right but for the letter case of the name (0x20)
 *     is not used: the same server is asked again with a new ID, port and
 *     case.  Only when it changes the case in DNSD_CAPS_RETRIES + 1 answers
 *     in a row to such fresh tries (evidence an off-path spoofer would have
 *     to forge by guessing ID and port that many times over) is it taken as
 *     a server that does not keep the case: it is then asked without 0x20
 *     for DNSD_CAPS_FALLBACK_MS (counted, and reported once with a
 *     DNSD_ACT_CAPS_FALLBACK action), as Unbound falls back for such servers;
 *   - a timeout (the server's RTO: srtt + 4 rttvar, clamped), SERVFAIL,
 *     REFUSED, FORMERR or NOTIMP moves on to the next server; TC retries the
 *     same server over TCP (RFC 7766 §5); when every server was tried, the
 *     waiters get SERVFAIL (finish with NULL).
 *
 * Actions, not callbacks (the shape of Knot Resolver's kr_resolve_consume()
 * and kr_resolve_produce(), which say what to send and leave the I/O to
 * the caller, and of OpenBSD unwind, whose resolving and frontend processes
 * exchange only messages): the resolver never reaches the I/O side.  Each entry point (dnsd_res_query(),
 * dnsd_res_response(), dnsd_res_timeout(), dnsd_res_send_failed()) appends
 * what the I/O side must do to r->acts, a list the resolver owns:
 *
 *   DNSD_ACT_SEND    send q's try (q->id, q->qname, q->tcp: build the bytes
 *                    with dnsd_res_build_query()) to q->to, arm a timer at
 *                    q->deadline_ms, and store the I/O handle in q->io; or,
 *                    when it cannot be sent, report dnsd_res_send_failed();
 *   DNSD_ACT_CANCEL  drop the I/O state of a try that is over (socket,
 *                    timer): the action carries the handle itself, since its
 *                    query may be gone by then;
 *   DNSD_ACT_DELIVER the answer to a waiting client (appended by the engine,
 *                    query.h; the resolver itself never delivers);
 *   DNSD_ACT_CAPS_FALLBACK  a server was found not to keep the case of
 *                    names (0x20 off for it a while): worth a log line.
 *
 * The contract:
 *   - the I/O side carries the actions out in order, right after the call
 *     that appended them and before it hands the resolver any other event,
 *     then empties the list (dnsd_actions_clear());
 *   - a SEND's query lives until its outcome is known: when it cannot be
 *     sent, the I/O side calls dnsd_res_send_failed() for it while carrying
 *     out the list (the actions that appends, the next server or the
 *     waiters' SERVFAIL, are carried out in the same pass: walk the list by
 *     index up to its current length);
 *   - a query has at most one SEND in a list, never followed by its own
 *     CANCEL; a CANCEL's handle is never touched again by the resolver;
 *   - DELIVER's octets live in the list's buffer (dnsd_action_msg()) until
 *     the list is cleared; the I/O side copies or sends them at once;
 *   - the list is allocated once for DNSD_ACTIONS_MAX actions, what one
 *     event appends (a CANCEL, then per waiter a DELIVER, or a SEND for a
 *     CNAME restart), and its DELIVER buffer once for DNSD_ACTIONS_BUF
 *     octets; both are reused from event to event, so nothing is allocated
 *     per event on the hot path (a cache hit appends nothing: its answer is
 *     the verdict).  They grow only for a chain of failed SENDs or very
 *     many large answers; an action that cannot be appended is counted
 *     (a->dropped): a SEND is then taken as failed at once, a DELIVER is
 *     lost (the engine counts answers_dropped).  A CANCEL is always the
 *     first action of an event's list, so it always fits.
 *
 * finish() is the engine's hook (policy, not I/O): called exactly once per
 * query, inside the entry point that ends it, with the actions list to add
 * its DELIVERs and restarts to; the query is freed afterwards.  Random
 * numbers come through ops.random (the one injected interface), the time
 * as an argument.
 */
#ifndef NP_DNSD_RESOLVER_H
#define NP_DNSD_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netproto/dns.h>

#include "policy.h"

#define DNSD_RTT_BAND_MS 400           /* Unbound's RTT_BAND */
#define DNSD_RTT_UNKNOWN_MS 376        /* Unbound's UNKNOWN_SERVER_NICENESS */
#define DNSD_RTO_MIN_MS 50
#define DNSD_MAX_INFLIGHT 8192         /* upstream queries at once */
#define DNSD_MAX_WAITERS 256           /* clients waiting on one query */
#define DNSD_CAPS_RETRIES 2            /* fresh tries after a 0x20 case mismatch */
#define DNSD_CAPS_FALLBACK_MS (15 * 60 * 1000ull)   /* then without 0x20 this long */

struct dnsd_chase;

/* A client waiting for the answer to a question. */
struct dnsd_waiter {
	uint64_t token;                /* the I/O layer's handle of the client */
	/* The engine's CNAME restarts (query.c); NULL while asking the client's own name. */
	struct dnsd_chase *chase;
	uint16_t id;                   /* the client's query ID */
	uint16_t udp_limit;            /* answer size limit; 0 over TCP */
	uint8_t rd, cd, edns, do_bit;
	uint8_t qname[NP_DNS_NAME_MAX];/* as the client wrote it (its case) */
	uint8_t qlen;
};

struct dnsd_server {
	struct dnsd_addr addr;
	uint32_t srtt_ms, rttvar_ms;   /* srtt 0: not measured yet */
	uint64_t sent, answers, timeouts, failures, tcp;
	uint64_t rtt_sum_ms;           /* for the average in statistics */
	uint64_t caps_mismatches;      /* answers with the name's case changed (0x20) */
	uint64_t caps_fallbacks;       /* times it was found not to keep the case */
	uint64_t nocaps_until_ms;      /* asked without 0x20 until then */
};

struct dnsd_res_set {
	uint8_t zone[NP_DNS_NAME_MAX];
	size_t zlen;
	struct dnsd_server *servers;
	unsigned nservers;
};

struct dnsd_upq {
	uint8_t qname[NP_DNS_NAME_MAX];/* as sent (0x20 case applied) */
	size_t qlen;
	uint16_t qtype, qclass;
	uint8_t cd;
	uint16_t id;                   /* of the try in flight */
	bool tcp;                      /* the try in flight is over TCP */
	bool caps;                     /* the try in flight uses 0x20 */
	uint8_t caps_mismatches;       /* answers in a row with the case changed */
	unsigned set;                  /* index in the resolver's sets */
	int server;                    /* index in the set; -1 before the first try */
	struct dnsd_addr to;           /* where the try in flight went */
	uint32_t tried;                /* servers of the set tried over UDP (bits) */
	unsigned tries;
	unsigned gen;                  /* resolver generation the indexes belong to */
	uint64_t sent_ms, deadline_ms;
	int last_rcode;                /* of the last rejected-by-rcode answer, or -1 */
	struct dnsd_waiter *waiters;
	unsigned nwaiters, capwaiters;
	void *io;                      /* the I/O side's handle of the try in flight
					* (socket, timer), stored by it after a SEND */
	uint32_t hash;
	struct dnsd_upq *next;         /* hash chain */
};

struct dnsd_res_stats {
	uint64_t started, coalesced, sent, sent_tcp, accepted, timeouts;
	uint64_t servfail, refused, other_rcode, tc_retries, failed;
	uint64_t bad_source, bad_id, bad_question, malformed, send_errors, overload;
	uint64_t caps_mismatch, caps_retries, caps_fallbacks;   /* 0x20 */
};

/* What the I/O side is asked to do (see above). */
enum dnsd_action_kind {
	DNSD_ACT_SEND = 1,
	DNSD_ACT_CANCEL,
	DNSD_ACT_DELIVER,
	DNSD_ACT_CAPS_FALLBACK,
};

struct dnsd_action {
	enum dnsd_action_kind kind;
	union {
		struct dnsd_upq *q;            /* SEND */
		void *io;                      /* CANCEL: the I/O handle q->io was */
		struct {                       /* DELIVER */
			uint64_t token;        /* the client, as given in its waiter */
			uint32_t off, len;     /* the answer: dnsd_action_msg() */
			bool tcp;
		} deliver;
		struct dnsd_addr server;       /* CAPS_FALLBACK */
	} u;
};

/* Per event: a CANCEL, and per waiter (DNSD_MAX_WAITERS) a SEND and a DELIVER. */
#define DNSD_ACTIONS_MAX (2 * DNSD_MAX_WAITERS + 16)
#define DNSD_ACTIONS_BUF (64 * 1024)   /* DELIVER octets held at first; grows */

struct dnsd_actions {
	struct dnsd_action *v;         /* DNSD_ACTIONS_MAX at first */
	unsigned n, capv;
	uint8_t *buf;                  /* DELIVER octets, reused from event to event */
	size_t used, cap;
	uint64_t dropped;              /* actions not appended (full list, no memory) */
};

/* The octets of a DELIVER action (valid until the list is cleared). */
static inline const uint8_t *dnsd_action_msg(const struct dnsd_actions *a,
					     const struct dnsd_action *act)
{
	return a->buf + act->u.deliver.off;
}

/* After the I/O side carried the actions out. */
static inline void dnsd_actions_clear(struct dnsd_actions *a)
{
	a->n = 0;
	a->used = 0;
}

/*
 * Append a DELIVER of msg[len] to token; 0, or -1 (not appended: the list
 * is full or no memory for the octets, counted in a->dropped).
 */
int dnsd_actions_deliver(struct dnsd_actions *a, uint64_t token, bool tcp, const uint8_t *msg,
			 size_t len);

struct dnsd_res_ops {
	uint32_t (*random)(void *arg);
	/*
	 * The engine's hook: q is over with this answer (NULL: none, answer
	 * SERVFAIL); its DELIVERs and restarts go to out.  q is freed afterwards.
	 */
	void (*finish)(void *arg, struct dnsd_upq *q, const struct np_dns_msg *resp,
		       struct dnsd_actions *out);
	void *arg;
};

struct dnsd_resolver {
	struct dnsd_res_ops ops;
	struct dnsd_res_set *sets;
	unsigned nsets;
	unsigned gen;
	bool use_0x20;
	uint64_t timeout_ms;           /* upstream_timeout: the longest RTO */
	struct dnsd_upq **buckets;     /* DNSD_RES_BUCKETS chains */
	unsigned inflight;
	struct dnsd_res_stats stats;
	struct dnsd_actions acts;      /* what the I/O side is to do, see above */
};

#define DNSD_RES_BUCKETS 4096

/* 0, or -1 when out of memory. */
int dnsd_res_init(struct dnsd_resolver *r, const struct dnsd_res_ops *ops,
		  const struct dnsd_policy_conf *conf);
/*
 * Take new upstream sets and settings (reload).  Measured RTTs are kept for
 * servers that stay; queries in flight keep waiting for their server and
 * move on in the new sets.  0 or -1 (out of memory: the old ones stay).
 */
int dnsd_res_configure(struct dnsd_resolver *r, const struct dnsd_policy_conf *conf);
/*
 * Finish (SERVFAIL) one query in flight, its actions (CANCEL, DELIVERs) in
 * r->acts: true, or false when none is left.  Called until false before
 * dnsd_res_free() when the I/O side goes away with clients waiting.
 */
bool dnsd_res_drain(struct dnsd_resolver *r);
/*
 * Finish (SERVFAIL) every query in flight and free everything.  The I/O
 * side is gone by then: the actions of those finishes are discarded.
 */
void dnsd_res_free(struct dnsd_resolver *r);

/* Index of the set for name: the longest forward_zones match, else 0. */
unsigned dnsd_res_pick_set(const struct dnsd_resolver *r, const uint8_t *name, size_t len);

/*
 * A client asks (qname, qtype, qclass, cd): join the query in flight for
 * the same question, or start one and send its first try.  Returns 1 when
 * joined, 0 when started, -1 when the client must get SERVFAIL now (no
 * upstream server, every server failed to send, too many queries or
 * waiters).  w may be NULL for a query nobody waits for (prefetch).
 */
int dnsd_res_query(struct dnsd_resolver *r, const uint8_t *qname, size_t qlen, uint16_t qtype,
		   uint16_t qclass, int cd, const struct dnsd_waiter *w, uint64_t now_ms);

enum dnsd_res_verdict {
	DNSD_RES_ACCEPTED = 0,         /* finished with this answer */
	DNSD_RES_RETRY,                /* SERVFAIL/REFUSED/...: next server (or finished with
					* NULL); 0x20 case changed: the same server again */
	DNSD_RES_TCP,                  /* TC: the same server again over TCP */
	DNSD_RES_BAD_SOURCE,           /* ignored: wrong address, port or transport */
	DNSD_RES_BAD_ID,               /* ignored: not a response, or another ID */
	DNSD_RES_BAD_QUESTION,         /* ignored: another question (or case, with 0x20) */
	DNSD_RES_MALFORMED,            /* ignored: does not parse */
};

/* A message arrived for q from `from` over UDP or TCP (tcp true). */
enum dnsd_res_verdict dnsd_res_response(struct dnsd_resolver *r, struct dnsd_upq *q,
					const struct dnsd_addr *from, bool tcp,
					const uint8_t *buf, size_t len, uint64_t now_ms);
/* q's deadline passed (or its TCP connection failed): next server. */
void dnsd_res_timeout(struct dnsd_resolver *r, struct dnsd_upq *q, uint64_t now_ms);
/* q's SEND could not be carried out (no socket, send error): next server. */
void dnsd_res_send_failed(struct dnsd_resolver *r, struct dnsd_upq *q, uint64_t now_ms);

/*
 * The query for q's try in flight: ID, RD (forwarding asks for recursion),
 * CD as the clients asked, the question, and an OPT record advertising
 * edns_size (RFC 6891) with DO set (RFC 3225), whoever asked.  Returns the length or a negative NP_E* code.
 */
int dnsd_res_build_query(const struct dnsd_upq *q, unsigned edns_size, uint8_t *buf,
			 size_t cap);

/* The server's current retransmission timeout in milliseconds. */
uint64_t dnsd_res_rto(const struct dnsd_resolver *r, const struct dnsd_server *s);

#endif
