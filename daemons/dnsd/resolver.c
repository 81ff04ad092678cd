/*
 * resolver.c: forwarding resolution as a state machine (see resolver.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <netproto/dns.h>
#include <netproto/error.h>

#include "resolver.h"

static void free_sets(struct dnsd_res_set *sets, unsigned n)
{
	if (!sets)
		return;
	for (unsigned i = 0; i < n; i++)
		free(sets[i].servers);
	free(sets);
}

/* ---- Actions (resolver.h) ---------------------------------------------- */

static int actions_init(struct dnsd_actions *a)
{
	memset(a, 0, sizeof(*a));
	a->v = malloc(DNSD_ACTIONS_MAX * sizeof(*a->v));
	a->buf = malloc(DNSD_ACTIONS_BUF);
	if (!a->v || !a->buf) {
		free(a->v);
		free(a->buf);
		a->v = NULL;
		a->buf = NULL;
		return -1;
	}
	a->capv = DNSD_ACTIONS_MAX;
	a->cap = DNSD_ACTIONS_BUF;
	return 0;
}

static void actions_free(struct dnsd_actions *a)
{
	free(a->v);
	free(a->buf);
	a->v = NULL;
	a->buf = NULL;
	a->n = a->capv = 0;
	a->used = a->cap = 0;
}

/* A new action at the end of the list, or NULL (counted). */
static struct dnsd_action *actions_push(struct dnsd_actions *a, enum dnsd_action_kind kind)
{
	if (a->n == a->capv) {
		unsigned cap = a->capv ? a->capv * 2 : DNSD_ACTIONS_MAX;
		struct dnsd_action *v = realloc(a->v, cap * sizeof(*v));

		if (!v) {
			a->dropped++;
			return NULL;
		}
		a->v = v;
		a->capv = cap;
	}
	a->v[a->n].kind = kind;
	return &a->v[a->n++];
}

int dnsd_actions_deliver(struct dnsd_actions *a, uint64_t token, bool tcp, const uint8_t *msg,
			 size_t len)
{
	struct dnsd_action *act;

	if (len > UINT32_MAX) {
		a->dropped++;
		return -1;
	}
	if (a->cap - a->used < len) {
		size_t cap = a->cap ? a->cap : DNSD_ACTIONS_BUF;
		uint8_t *buf;

		while (cap - a->used < len)
			cap *= 2;
		if (!(buf = realloc(a->buf, cap))) {
			a->dropped++;
			return -1;
		}
		a->buf = buf;
		a->cap = cap;
	}
	if (!(act = actions_push(a, DNSD_ACT_DELIVER)))
		return -1;
	memcpy(a->buf + a->used, msg, len);
	act->u.deliver.token = token;
	act->u.deliver.tcp = tcp;
	act->u.deliver.off = (uint32_t)a->used;
	act->u.deliver.len = (uint32_t)len;
	a->used += len;
	return 0;
}

/* The try in flight is over: its I/O state goes (the handle, q may be freed next). */
static void cancel_try(struct dnsd_resolver *r, struct dnsd_upq *q)
{
	struct dnsd_action *act;

	if (!q->io)
		return;
	act = actions_push(&r->acts, DNSD_ACT_CANCEL);
	if (act)
		act->u.io = q->io;
	q->io = NULL;
}

/* ---- Servers ------------------------------------------------------------- */

/* The old state of a server with the same address, to keep its RTT. */
static const struct dnsd_server *find_old(const struct dnsd_resolver *r,
					  const struct dnsd_addr *a)
{
	for (unsigned i = 0; i < r->nsets; i++)
		for (unsigned j = 0; j < r->sets[i].nservers; j++) {
			const struct dnsd_server *s = &r->sets[i].servers[j];

			if (s->addr.addr == a->addr && s->addr.port == a->port)
				return s;
		}
	return NULL;
}

static struct dnsd_res_set *build_sets(const struct dnsd_resolver *r,
				       const struct dnsd_policy_conf *conf)
{
	struct dnsd_res_set *sets = calloc(conf->nsets ? conf->nsets : 1, sizeof(*sets));

	if (!sets)
		return NULL;
	for (unsigned i = 0; i < conf->nsets; i++) {
		const struct dnsd_upstream_set *cs = &conf->sets[i];

		memcpy(sets[i].zone, cs->zone, cs->zlen);
		sets[i].zlen = cs->zlen;
		sets[i].servers = calloc(cs->nservers ? cs->nservers : 1,
					 sizeof(*sets[i].servers));
		if (!sets[i].servers) {
			free_sets(sets, conf->nsets);
			return NULL;
		}
		sets[i].nservers = cs->nservers;
		for (unsigned j = 0; j < cs->nservers; j++) {
			const struct dnsd_server *old = r->sets ? find_old(r, &cs->servers[j]) : NULL;
			struct dnsd_server *s = &sets[i].servers[j];

			s->addr = cs->servers[j];
			if (old) {
				s->srtt_ms = old->srtt_ms;
				s->rttvar_ms = old->rttvar_ms;
			}
		}
	}
	return sets;
}

int dnsd_res_init(struct dnsd_resolver *r, const struct dnsd_res_ops *ops,
		  const struct dnsd_policy_conf *conf)
{
	memset(r, 0, sizeof(*r));
	r->ops = *ops;
	r->buckets = calloc(DNSD_RES_BUCKETS, sizeof(*r->buckets));
	if (!r->buckets || actions_init(&r->acts) < 0 || dnsd_res_configure(r, conf) < 0) {
		free(r->buckets);
		r->buckets = NULL;
		actions_free(&r->acts);
		return -1;
	}
	return 0;
}

int dnsd_res_configure(struct dnsd_resolver *r, const struct dnsd_policy_conf *conf)
{
	struct dnsd_res_set *sets = build_sets(r, conf);

	if (!sets)
		return -1;
	free_sets(r->sets, r->nsets);
	r->sets = sets;
	r->nsets = conf->nsets;
	r->gen++;
	r->use_0x20 = conf->use_0x20;
	r->timeout_ms = conf->upstream_timeout_ms;
	return 0;
}

unsigned dnsd_res_pick_set(const struct dnsd_resolver *r, const uint8_t *name, size_t len)
{
	unsigned best = 0;
	int best_labels = -1;

	for (unsigned i = 1; i < r->nsets; i++) {
		int l = np_dns_name_labels(r->sets[i].zone, r->sets[i].zlen);

		if (l > best_labels &&
		    np_dns_name_is_subdomain(name, len, r->sets[i].zone, r->sets[i].zlen)) {
			best = i;
			best_labels = l;
		}
	}
	return best;
}

uint64_t dnsd_res_rto(const struct dnsd_resolver *r, const struct dnsd_server *s)
{
	uint64_t rto = s->srtt_ms ? (uint64_t)s->srtt_ms + 4 * (uint64_t)s->rttvar_ms
				  : DNSD_RTT_UNKNOWN_MS;

	if (rto < DNSD_RTO_MIN_MS)
		rto = DNSD_RTO_MIN_MS;
	if (rto > r->timeout_ms)
		rto = r->timeout_ms;
	return rto;
}

/* RFC 6298 §2 smoothing, as Unbound's rtt_update(). */
static void rtt_update(struct dnsd_server *s, uint64_t rtt)
{
	uint32_t m = rtt > 120000 ? 120000 : (uint32_t)rtt;

	if (m == 0)
		m = 1;
	if (s->srtt_ms == 0) {
		s->srtt_ms = m;
		s->rttvar_ms = m / 2;
		return;
	}
	uint32_t d = s->srtt_ms > m ? s->srtt_ms - m : m - s->srtt_ms;

	s->rttvar_ms = (3 * s->rttvar_ms + d) / 4;
	s->srtt_ms = (7 * s->srtt_ms + m) / 8;
	if (s->srtt_ms == 0)
		s->srtt_ms = 1;
}

/* A timeout doubles the server's RTT estimate (Unbound's backoff), bounded. */
static void rtt_backoff(const struct dnsd_resolver *r, struct dnsd_server *s)
{
	uint64_t v = s->srtt_ms ? (uint64_t)s->srtt_ms * 2 : DNSD_RTT_UNKNOWN_MS * 2;

	if (v > r->timeout_ms * 4)
		v = r->timeout_ms * 4;
	s->srtt_ms = (uint32_t)v;
}

static uint32_t effective_rtt(const struct dnsd_server *s)
{
	return s->srtt_ms ? s->srtt_ms : DNSD_RTT_UNKNOWN_MS;
}

/* Pick an untried server of q's set: random within the RTT band of the best. */
static int pick_server(struct dnsd_resolver *r, const struct dnsd_upq *q)
{
	const struct dnsd_res_set *set = &r->sets[q->set];
	uint32_t best = UINT32_MAX;
	unsigned n = 0, k;

	for (unsigned i = 0; i < set->nservers && i < 32; i++)
		if (!(q->tried & (1u << i)) && effective_rtt(&set->servers[i]) < best)
			best = effective_rtt(&set->servers[i]);
	if (best == UINT32_MAX)
		return -1;
	for (unsigned i = 0; i < set->nservers && i < 32; i++)
		if (!(q->tried & (1u << i)) && effective_rtt(&set->servers[i]) <= best + DNSD_RTT_BAND_MS)
			n++;
	k = r->ops.random(r->ops.arg) % n;
	for (unsigned i = 0; i < set->nservers && i < 32; i++)
		if (!(q->tried & (1u << i)) &&
		    effective_rtt(&set->servers[i]) <= best + DNSD_RTT_BAND_MS && k-- == 0)
			return (int)i;
	return -1;
}

static struct dnsd_server *cur_server(struct dnsd_resolver *r, const struct dnsd_upq *q)
{
	if (q->gen != r->gen || q->server < 0 || q->set >= r->nsets ||
	    (unsigned)q->server >= r->sets[q->set].nservers)
		return NULL;
	return &r->sets[q->set].servers[q->server];
}

/* A new random case for the try to s, unless s is in its 0x20 fallback. */
static void apply_0x20(struct dnsd_resolver *r, struct dnsd_upq *q, const struct dnsd_server *s,
		       uint64_t now_ms)
{
	uint32_t bits = 0;
	unsigned have = 0;

	np_dns_name_lower(q->qname, q->qlen);
	q->caps = r->use_0x20 && now_ms >= s->nocaps_until_ms;
	if (!q->caps)
		return;
	for (size_t i = 0; i < q->qlen; i++) {
		uint8_t c = q->qname[i];

		if (c < 'a' || c > 'z')
			continue;
		if (have == 0) {
			bits = r->ops.random(r->ops.arg);
			have = 32;
		}
		if (bits & 1)
			q->qname[i] = (uint8_t)(c - 'a' + 'A');
		bits >>= 1;
		have--;
	}
}

static void unlink_query(struct dnsd_resolver *r, struct dnsd_upq *q)
{
	struct dnsd_upq **pp = &r->buckets[q->hash % DNSD_RES_BUCKETS];

	while (*pp && *pp != q)
		pp = &(*pp)->next;
	if (*pp)
		*pp = q->next;
	r->inflight--;
}

static void finish(struct dnsd_resolver *r, struct dnsd_upq *q, const struct np_dns_msg *resp)
{
	cancel_try(r, q);
	unlink_query(r, q);
	if (!resp)
		r->stats.failed++;
	r->ops.finish(r->ops.arg, q, resp, &r->acts);
	free(q->waiters);
	free(q);
}

enum try_kind {
	TRY_NEXT,                      /* over UDP to a server not tried yet */
	TRY_TCP,                       /* over TCP to the same server */
	TRY_SAME,                      /* the same server, transport and all, afresh */
};

/*
 * Ask for the next try as kind says (TRY_NEXT when the server is gone after
 * a reload): a SEND action.  With no server left, q finishes with NULL.
 * Returns 0 when a try is asked for, -1 when q was finished (and freed).
 */
static int send_try(struct dnsd_resolver *r, struct dnsd_upq *q, enum try_kind kind,
		    uint64_t now_ms)
{
	bool tcp = kind == TRY_TCP || (kind == TRY_SAME && q->tcp);

	for (;;) {
		struct dnsd_server *s;
		struct dnsd_action *act;

		cancel_try(r, q);
		if (kind == TRY_NEXT || cur_server(r, q) == NULL) {
			int i;

			tcp = false;
			if (q->gen != r->gen) {        /* reloaded: indexes are new */
				q->gen = r->gen;
				q->set = dnsd_res_pick_set(r, q->qname, q->qlen);
				q->tried = 0;
			}
			i = pick_server(r, q);
			/* A lone server gets a second try (RFC 1035 §7.2 retransmission). */
			if (i < 0 && r->sets[q->set].nservers == 1 && q->tries < 2) {
				q->tried = 0;
				i = 0;
			}
			if (i < 0) {
				finish(r, q, NULL);
				return -1;
			}
			q->server = i;
			q->tried |= 1u << i;
		}
		s = cur_server(r, q);
		q->tcp = tcp;
		q->to = s->addr;
		q->id = (uint16_t)r->ops.random(r->ops.arg);
		apply_0x20(r, q, s, now_ms);
		q->sent_ms = now_ms;
		/* TCP gets the full timeout: connection set-up costs round trips. */
		q->deadline_ms = now_ms + (tcp ? r->timeout_ms : dnsd_res_rto(r, s));
		q->tries++;
		s->sent++;
		r->stats.sent++;
		if (tcp) {
			s->tcp++;
			r->stats.sent_tcp++;
		}
		if ((act = actions_push(&r->acts, DNSD_ACT_SEND)) != NULL) {
			act->u.q = q;
			return 0;
		}
		/* Not even asked for: as a send that failed. */
		r->stats.send_errors++;
		s->failures++;
		tcp = false;
		kind = TRY_NEXT;
	}
}

void dnsd_res_send_failed(struct dnsd_resolver *r, struct dnsd_upq *q, uint64_t now_ms)
{
	struct dnsd_server *s = cur_server(r, q);

	r->stats.send_errors++;
	if (s)
		s->failures++;
	q->io = NULL;
	send_try(r, q, TRY_NEXT, now_ms);
}

static uint32_t question_hash(const uint8_t *name, size_t len, uint16_t qtype, uint16_t qclass,
			      int cd)
{
	return np_dns_name_hash(name, len) ^ ((uint32_t)qtype * 2654435761u) ^
	       ((uint32_t)qclass << 16) ^ (uint32_t)(cd ? 0x5bd1e995 : 0);
}

static struct dnsd_upq *find_query(struct dnsd_resolver *r, uint32_t h, const uint8_t *name,
				   size_t len, uint16_t qtype, uint16_t qclass, int cd)
{
	for (struct dnsd_upq *q = r->buckets[h % DNSD_RES_BUCKETS]; q; q = q->next)
		if (q->hash == h && q->qtype == qtype && q->qclass == qclass &&
		    q->cd == (cd ? 1 : 0) && np_dns_name_equal(q->qname, q->qlen, name, len))
			return q;
	return NULL;
}

static int add_waiter(struct dnsd_upq *q, const struct dnsd_waiter *w)
{
	if (!w)
		return 0;
	if (q->nwaiters == q->capwaiters) {
		unsigned cap = q->capwaiters ? q->capwaiters * 2 : 2;
		struct dnsd_waiter *nw;

		if (cap > DNSD_MAX_WAITERS)
			cap = DNSD_MAX_WAITERS;
		if (q->nwaiters >= cap)
			return -1;
		nw = realloc(q->waiters, cap * sizeof(*nw));
		if (!nw)
			return -1;
		q->waiters = nw;
		q->capwaiters = cap;
	}
	q->waiters[q->nwaiters++] = *w;
	return 0;
}

int dnsd_res_query(struct dnsd_resolver *r, const uint8_t *qname, size_t qlen, uint16_t qtype,
		   uint16_t qclass, int cd, const struct dnsd_waiter *w, uint64_t now_ms)
{
	uint32_t h = question_hash(qname, qlen, qtype, qclass, cd);
	struct dnsd_upq *q = find_query(r, h, qname, qlen, qtype, qclass, cd);
	unsigned set;

	if (q) {
		if (add_waiter(q, w) < 0) {
			r->stats.overload++;
			return -1;
		}
		r->stats.coalesced++;
		return 1;
	}
	set = dnsd_res_pick_set(r, qname, qlen);
	if (r->sets[set].nservers == 0)
		return -1;
	if (r->inflight >= DNSD_MAX_INFLIGHT || qlen > NP_DNS_NAME_MAX) {
		r->stats.overload++;
		return -1;
	}
	q = calloc(1, sizeof(*q));
	if (!q || add_waiter(q, w) < 0) {
		free(q);
		r->stats.overload++;
		return -1;
	}
	memcpy(q->qname, qname, qlen);
	q->qlen = qlen;
	q->qtype = qtype;
	q->qclass = qclass;
	q->cd = cd ? 1 : 0;
	q->set = set;
	q->server = -1;
	q->gen = r->gen;
	q->hash = h;
	q->last_rcode = -1;
	np_dns_name_lower(q->qname, q->qlen);
	q->next = r->buckets[h % DNSD_RES_BUCKETS];
	r->buckets[h % DNSD_RES_BUCKETS] = q;
	r->inflight++;
	r->stats.started++;
	/* A query whose SEND fails moves on when the I/O side reports it. */
	send_try(r, q, TRY_NEXT, now_ms);
	return 0;
}

/*
 * The checks that make an off-path answer fail (RFC 5452 §9.1); *bad_case
 * is set for an answer right but for the case of the name (0x20).
 */
static enum dnsd_res_verdict check_answer(struct dnsd_resolver *r, const struct dnsd_upq *q,
					  const struct np_dns_msg *m, bool *bad_case)
{
	struct np_dns_rr qr;
	bool same;

	if (!m->hdr.qr || m->hdr.id != q->id || m->hdr.opcode != NP_DNS_OPCODE_QUERY) {
		r->stats.bad_id++;
		return DNSD_RES_BAD_ID;
	}
	if (m->hdr.count[NP_DNS_SEC_QUESTION] != 1 || np_dns_msg_question(m, &qr) < 0) {
		r->stats.bad_question++;
		return DNSD_RES_BAD_QUESTION;
	}
	same = qr.type == q->qtype && qr.rclass == q->qclass &&
	       np_dns_name_equal(qr.owner, qr.owner_len, q->qname, q->qlen);
	if (!same) {
		r->stats.bad_question++;
		return DNSD_RES_BAD_QUESTION;
	}
	*bad_case = q->caps && memcmp(qr.owner, q->qname, q->qlen) != 0;
	return DNSD_RES_ACCEPTED;
}

/*
 * The answer has the name in another case than sent (0x20).  It is not
 * used (a spoofer who guessed ID and port but not the case sends just
 * that): the same server is asked again with a new ID, port and case.
 * Only a server that changes the case of fresh tries DNSD_CAPS_RETRIES + 1
 * times in a row is taken not to keep it, and asked without 0x20 for a
 * while (Unbound's fallback for such servers).
 */
static enum dnsd_res_verdict caps_mismatch(struct dnsd_resolver *r, struct dnsd_upq *q,
					   uint64_t now_ms)
{
	struct dnsd_server *s = cur_server(r, q);
	struct dnsd_action *act;

	r->stats.caps_mismatch++;
	if (s)
		s->caps_mismatches++;
	if (++q->caps_mismatches > DNSD_CAPS_RETRIES && s) {
		s->nocaps_until_ms = now_ms + DNSD_CAPS_FALLBACK_MS;
		s->caps_fallbacks++;
		r->stats.caps_fallbacks++;
		q->caps_mismatches = 0;
		cancel_try(r, q);               /* a CANCEL comes first in a list */
		if ((act = actions_push(&r->acts, DNSD_ACT_CAPS_FALLBACK)) != NULL)
			act->u.server = s->addr;
	} else {
		r->stats.caps_retries++;
	}
	send_try(r, q, TRY_SAME, now_ms);
	return DNSD_RES_RETRY;
}

enum dnsd_res_verdict dnsd_res_response(struct dnsd_resolver *r, struct dnsd_upq *q,
					const struct dnsd_addr *from, bool tcp,
					const uint8_t *buf, size_t len, uint64_t now_ms)
{
	struct np_dns_msg m;
	struct dnsd_server *s;
	enum dnsd_res_verdict v;
	bool bad_case = false;
	int rcode;

	if (from->addr != q->to.addr || from->port != q->to.port || tcp != q->tcp) {
		r->stats.bad_source++;
		return DNSD_RES_BAD_SOURCE;
	}
	if (np_dns_msg_parse(buf, len, &m) < 0) {
		r->stats.malformed++;
		return DNSD_RES_MALFORMED;
	}
	v = check_answer(r, q, &m, &bad_case);
	if (v != DNSD_RES_ACCEPTED)
		return v;
	if (bad_case)
		return caps_mismatch(r, q, now_ms);
	q->caps_mismatches = 0;
	s = cur_server(r, q);
	if (s) {
		rtt_update(s, now_ms > q->sent_ms ? now_ms - q->sent_ms : 0);
		s->answers++;
		s->rtt_sum_ms += now_ms > q->sent_ms ? now_ms - q->sent_ms : 0;
	}
	rcode = np_dns_msg_rcode(&m);
	if (m.hdr.tc && !tcp) {
		/* RFC 7766 §5: a truncated UDP answer is retried over TCP. */
		r->stats.tc_retries++;
		send_try(r, q, TRY_TCP, now_ms);
		return DNSD_RES_TCP;
	}
	if (rcode != NP_DNS_RCODE_NOERROR && rcode != NP_DNS_RCODE_NXDOMAIN) {
		if (rcode == NP_DNS_RCODE_SERVFAIL)
			r->stats.servfail++;
		else if (rcode == NP_DNS_RCODE_REFUSED)
			r->stats.refused++;
		else
			r->stats.other_rcode++;
		if (s)
			s->failures++;
		q->last_rcode = rcode;
		send_try(r, q, TRY_NEXT, now_ms);
		return DNSD_RES_RETRY;
	}
	r->stats.accepted++;
	finish(r, q, &m);
	return DNSD_RES_ACCEPTED;
}

void dnsd_res_timeout(struct dnsd_resolver *r, struct dnsd_upq *q, uint64_t now_ms)
{
	struct dnsd_server *s = cur_server(r, q);

	r->stats.timeouts++;
	if (s) {
		s->timeouts++;
		rtt_backoff(r, s);
	}
	send_try(r, q, TRY_NEXT, now_ms);
}

bool dnsd_res_drain(struct dnsd_resolver *r)
{
	if (r->buckets)
		for (unsigned i = 0; i < DNSD_RES_BUCKETS; i++)
			if (r->buckets[i]) {
				finish(r, r->buckets[i], NULL);
				return true;
			}
	return false;
}

void dnsd_res_free(struct dnsd_resolver *r)
{
	while (dnsd_res_drain(r))
		dnsd_actions_clear(&r->acts);     /* nobody left to carry them out */
	actions_free(&r->acts);
	free(r->buckets);
	r->buckets = NULL;
	free_sets(r->sets, r->nsets);
	r->sets = NULL;
	r->nsets = 0;
}

int dnsd_res_build_query(const struct dnsd_upq *q, unsigned edns_size, uint8_t *buf, size_t cap)
{
	struct np_dns_header h = { .id = q->id, .rd = 1, .cd = q->cd };
	struct np_dns_builder b;
	/*
	 * DO always (RFC 3225 §3, RFC 4035 §4.9.1): the answer is cached for
	 * every client, and the ones that set DO get the DNSSEC records with it.
	 */
	struct np_dns_opt opt = { .udp_size = (uint16_t)edns_size, .do_bit = 1 };
	int rc;

	if ((rc = np_dns_builder_init(&b, buf, cap, cap, &h)) < 0 ||
	    (rc = np_dns_add_question(&b, q->qname, q->qlen, q->qtype, q->qclass)) < 0 ||
	    (rc = np_dns_add_opt(&b, &opt)) < 0)
		return rc;
	return np_dns_builder_finish(&b);
}
