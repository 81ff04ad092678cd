/*
 * query.c: np-dnsd's message handler (see query.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <netproto/dns.h>
#include <netproto/error.h>

#include "acl.h"
#include "localzone.h"
#include "query.h"
#include "scrub.h"

#define TYPE_IXFR 251
#define TYPE_AXFR 252
#define OPT_RR_LEN 11                  /* an OPT record without options */
#define STALE_ANSWER_TTL 30            /* RFC 8767 §4 */
#define MAX_STALE_S 86400              /* RFC 8767 §5: 1 to 3 days suggested */

static const uint16_t stat_types[DNSD_STAT_TYPES] = {
	NP_DNS_TYPE_A, NP_DNS_TYPE_AAAA, NP_DNS_TYPE_CNAME, NP_DNS_TYPE_MX, NP_DNS_TYPE_TXT,
	NP_DNS_TYPE_SRV, NP_DNS_TYPE_PTR, NP_DNS_TYPE_NS, NP_DNS_TYPE_SOA, 65 /* HTTPS */,
	64 /* SVCB */, NP_DNS_TYPE_ANY,
};
static const char *const stat_type_names[DNSD_STAT_TYPES + 1] = {
	"A", "AAAA", "CNAME", "MX", "TXT", "SRV", "PTR", "NS", "SOA", "HTTPS", "SVCB", "ANY",
	"other",
};

unsigned dnsd_stat_type_index(uint16_t qtype)
{
	for (unsigned i = 0; i < DNSD_STAT_TYPES; i++)
		if (stat_types[i] == qtype)
			return i;
	return DNSD_STAT_TYPES;
}

const char *dnsd_stat_type_name(unsigned index)
{
	return index <= DNSD_STAT_TYPES ? stat_type_names[index] : "other";
}

static void cache_limits(const struct dnsd_policy_conf *conf, struct dns_cache_limits *lim)
{
	lim->min_ttl = conf->min_ttl;
	lim->max_ttl = conf->max_ttl;
	lim->max_negative_ttl = conf->max_negative_ttl;
	lim->serve_stale = conf->serve_stale;
	lim->stale_answer_ttl = STALE_ANSWER_TTL;
	lim->max_stale = MAX_STALE_S;
}

/* ---- Answers -------------------------------------------------------- */

/* The UDP size a client gets: its EDNS size capped by ours, else 512. */
static size_t client_limit(const struct dnsd_engine *e, const struct np_dns_msg *q, bool tcp)
{
	size_t lim;

	if (tcp)
		return NP_DNS_MSG_MAX;
	lim = np_dns_msg_udp_limit(q);
	if (lim > e->conf->edns_buffer_size)
		lim = e->conf->edns_buffer_size;
	return lim < NP_DNS_UDP_MIN ? NP_DNS_UDP_MIN : lim;
}

/*
 * Our OPT in an answer to an EDNS query (RFC 6891 §6.1.1): our size, and
 * the query's DO bit copied (RFC 3225 §3, RFC 4035 §3.2.1).
 */
static void add_our_opt(struct dnsd_engine *e, struct np_dns_builder *b, bool edns,
			bool do_bit)
{
	struct np_dns_opt opt = { .udp_size = (uint16_t)e->conf->edns_buffer_size,
				  .do_bit = do_bit };

	if (edns)
		np_dns_add_opt(b, &opt);
}

/* Did the client set DO (RFC 3225 §3)? */
static bool query_do(const struct np_dns_msg *q)
{
	struct np_dns_opt opt;

	return np_dns_msg_opt(q, &opt) == 0 && opt.do_bit;
}

/* Cache lookup flags for a client: DNSSEC records only when it set DO. */
static unsigned dnssec_flags(bool do_bit)
{
	return do_bit ? DNS_CACHE_F_DNSSEC : 0;
}

/*
 * RA is defined for QUERY only (RFC 1035 §4.1.1); in UPDATE the bit is
 * zero (RFC 2136 §2.2) and other opcodes are not ours to describe.
 */
static uint8_t ra_for(unsigned opcode)
{
	return opcode == NP_DNS_OPCODE_QUERY;
}

static int finish_answer(struct dnsd_engine *e, struct np_dns_builder *b, size_t *outlen)
{
	int n = np_dns_builder_finish(b);

	if (n < 0)
		return -1;
	if (b->hdr.tc)
		e->stats.truncated++;
	e->stats.by_rcode[(b->ext_rcode ? 15 : b->hdr.rcode) & 15]++;
	*outlen = (size_t)n;
	return 0;
}

/* A header-only error answer, with the question when there is one. */
static enum dnsd_verdict error_answer(struct dnsd_engine *e, const struct np_dns_msg *q,
				      unsigned rcode, bool edns, uint8_t *out, size_t cap,
				      size_t *outlen)
{
	struct np_dns_builder b;

	if (np_dns_builder_reply(&b, out, cap, NP_DNS_UDP_MIN, q) < 0)
		return DNSD_DROP;
	b.hdr.ra = ra_for(q->hdr.opcode);
	np_dns_builder_rcode(&b, rcode);
	add_our_opt(e, &b, edns, edns && query_do(q));
	return finish_answer(e, &b, outlen) < 0 ? DNSD_DROP : DNSD_ANSWER;
}

/* FORMERR for a message that does not parse: the header's ID and opcode only. */
static enum dnsd_verdict formerr_raw(struct dnsd_engine *e, const uint8_t *buf, uint8_t *out,
				     size_t cap, size_t *outlen)
{
	struct np_dns_header h = { .id = np_load_be16(buf), .qr = 1,
				   .opcode = (uint8_t)((buf[2] >> 3) & 0xf), .rd = buf[2] & 1,
				   .rcode = NP_DNS_RCODE_FORMERR };
	struct np_dns_builder b;

	h.ra = ra_for(h.opcode);
	e->stats.formerr++;
	if (np_dns_builder_init(&b, out, cap, NP_DNS_UDP_MIN, &h) < 0)
		return DNSD_DROP;
	return finish_answer(e, &b, outlen) < 0 ? DNSD_DROP : DNSD_ANSWER;
}

/* ---- Access control --------------------------------------------------- */

static enum dnsd_acl_action acl_for(const struct dnsd_engine *e, uint32_t addr)
{
	if (e->conf->acl_given)
		return dnsd_acl_check(e->conf->acl, e->conf->nacl, addr);
	return dnsd_acl_check(e->default_acl, e->ndefault_acl, addr);
}

void dnsd_engine_set_default_acl(struct dnsd_engine *e, const struct dnsd_acl_entry *acl,
				 unsigned n)
{
	if (n > sizeof(e->default_acl) / sizeof(e->default_acl[0]))
		n = sizeof(e->default_acl) / sizeof(e->default_acl[0]);
	memcpy(e->default_acl, acl, n * sizeof(*acl));
	e->ndefault_acl = n;
}

/* ---- Handlers ---------------------------------------------------------- */

/*
 * A message signed with TSIG (RFC 8945).  np-dnsd holds no keys, so the key
 * is unknown whatever it is: NOTAUTH, and a TSIG with error BADKEY that is
 * itself unsigned (MAC size 0; time signed, fudge and original ID copied),
 * as RFC 8945 §5.2 and §5.3.2 require and BIND and Knot answer; never the
 * answer an unsigned message would get (an UPDATE is not applied).  A TSIG
 * elsewhere than last, or whose rdata does not parse: FORMERR (§5.1).
 * Returns DNSD_PENDING for an unsigned message.
 */
static enum dnsd_verdict handle_tsig(struct dnsd_engine *e, const struct np_dns_msg *q,
				     uint8_t *out, size_t cap, size_t *outlen)
{
	bool edns = q->opt_off != 0;
	struct np_dns_builder b;
	struct np_dns_tsig t;
	struct np_dns_rr rr;
	int rc = np_dns_msg_tsig(q, &rr);

	if (rc == NP_ENOTFOUND)
		return DNSD_PENDING;
	if (rc < 0 || np_dns_rr_tsig(&rr, &t) < 0) {
		e->stats.formerr++;
		return error_answer(e, q, NP_DNS_RCODE_FORMERR, edns, out, cap, outlen);
	}
	e->stats.tsig_badkey++;
	if (np_dns_builder_reply(&b, out, cap, NP_DNS_UDP_MIN, q) < 0)
		return DNSD_DROP;
	b.hdr.ra = ra_for(q->hdr.opcode);
	np_dns_builder_rcode(&b, NP_DNS_RCODE_NOTAUTH);
	add_our_opt(e, &b, edns, edns && query_do(q));
	t.mac = NULL;
	t.mac_len = 0;
	t.error = NP_DNS_TSIG_BADKEY;
	t.other = NULL;
	t.other_len = 0;
	if (np_dns_add_tsig(&b, rr.owner, rr.owner_len, &t) < 0)
		return DNSD_DROP;
	return finish_answer(e, &b, outlen) < 0 ? DNSD_DROP : DNSD_ANSWER;
}

static enum dnsd_verdict handle_update(struct dnsd_engine *e, const struct np_dns_msg *q,
				       const struct dnsd_client *c, uint8_t *out, size_t cap,
				       size_t *outlen)
{
	int rcode;

	/* RFC 2136 §3.1: the zone section holds exactly one zone. */
	if (!dnsd_update_allowed(e->conf, c->addr) || !e->local) {
		e->stats.updates_refused++;
		return error_answer(e, q, NP_DNS_RCODE_REFUSED, false, out, cap, outlen);
	}
	rcode = dns_local_update(e->local, q);
	if (rcode == 0)
		e->stats.updates++;
	if (rcode < 0 || rcode > 15)
		rcode = NP_DNS_RCODE_SERVFAIL;
	return error_answer(e, q, (unsigned)rcode, false, out, cap, outlen);
}

static enum dnsd_verdict answer_local(struct dnsd_engine *e, const struct np_dns_msg *q,
				      const struct np_dns_rr *qr, bool edns, size_t limit,
				      uint8_t *out, size_t cap, size_t *outlen)
{
	struct np_dns_builder b;

	if (np_dns_builder_reply(&b, out, cap, limit, q) < 0)
		return DNSD_DROP;
	b.hdr.ra = 1;
	if (edns)
		np_dns_builder_reserve(&b, OPT_RR_LEN);
	if (dns_local_answer(e->local, qr->owner, qr->owner_len, qr->type, &b) < 0 &&
	    !b.full)
		return error_answer(e, q, NP_DNS_RCODE_SERVFAIL, edns, out, cap, outlen);
	/* The local zone is not signed: DO is echoed, there is nothing to add. */
	add_our_opt(e, &b, edns, edns && query_do(q));
	e->stats.local_answers++;
	return finish_answer(e, &b, outlen) < 0 ? DNSD_DROP : DNSD_ANSWER;
}

/*
 * The answer from the cache into a builder already holding the header and
 * question.  Returns the dns_cache_result (MISS: b untouched) or -1.
 */
static int from_cache(struct dnsd_engine *e, struct np_dns_builder *b, const uint8_t *qname,
		      size_t qlen, uint16_t qtype, unsigned flags, int *prefetch)
{
	int r = dns_cache_lookup(e->cache, qname, qlen, qtype, e->now_ms, flags, b, prefetch);

	if (r == NP_ENOSPC || (r < 0 && b->full))
		return DNS_CACHE_HIT;          /* truncated: TC is set */
	return r;
}

static void start_prefetch(struct dnsd_engine *e, const struct np_dns_rr *qr, int cd)
{
	uint8_t name[NP_DNS_NAME_MAX];

	memcpy(name, qr->owner, qr->owner_len);
	np_dns_name_lower(name, qr->owner_len);
	if (dnsd_res_query(&e->res, name, qr->owner_len, qr->type, qr->rclass, cd, NULL,
			   e->now_ms) == 0)
		e->stats.prefetches++;
}

static enum dnsd_verdict answer_cached(struct dnsd_engine *e, const struct np_dns_msg *q,
				       const struct np_dns_rr *qr, bool edns, size_t limit,
				       uint8_t *out, size_t cap, size_t *outlen)
{
	struct np_dns_builder b;
	bool do_bit = edns && query_do(q);
	int prefetch = 0, r;

	/* AD stays clear: np-dnsd does not validate (RFC 4035 §3.2.3, RFC 6840 §5.8). */
	if (np_dns_builder_reply(&b, out, cap, limit, q) < 0)
		return DNSD_DROP;
	b.hdr.ra = 1;
	if (edns)
		np_dns_builder_reserve(&b, OPT_RR_LEN);
	r = from_cache(e, &b, qr->owner, qr->owner_len, qr->type, dnssec_flags(do_bit),
		       &prefetch);
	if (r <= DNS_CACHE_MISS)
		return DNSD_PENDING;
	if (prefetch && e->conf->prefetch)
		start_prefetch(e, qr, q->hdr.cd);
	add_our_opt(e, &b, edns, do_bit);
	e->stats.cache_answers++;
	return finish_answer(e, &b, outlen) < 0 ? DNSD_DROP : DNSD_ANSWER;
}

static enum dnsd_verdict handle_query(struct dnsd_engine *e, const struct np_dns_msg *q,
				      const struct dnsd_client *c, uint8_t *out, size_t cap,
				      size_t *outlen)
{
	struct np_dns_opt opt;
	struct np_dns_rr qr;
	bool edns = np_dns_msg_opt(q, &opt) == 0;
	size_t limit = client_limit(e, q, c->tcp);
	struct dnsd_waiter w = { .token = c->token, .id = q->hdr.id, .rd = q->hdr.rd,
				 .cd = q->hdr.cd, .edns = edns, .do_bit = edns && opt.do_bit };
	enum dnsd_verdict v;

	if (q->hdr.count[NP_DNS_SEC_QUESTION] != 1 || np_dns_msg_question(q, &qr) < 0) {
		e->stats.formerr++;
		return error_answer(e, q, NP_DNS_RCODE_FORMERR, edns, out, cap, outlen);
	}
	e->stats.by_type[dnsd_stat_type_index(qr.type)]++;
	if (edns && opt.version > 0) {
		e->stats.badvers++;
		return error_answer(e, q, NP_DNS_RCODE_BADVERS, true, out, cap, outlen);
	}
	if (qr.rclass != NP_DNS_CLASS_IN || qr.type == TYPE_AXFR || qr.type == TYPE_IXFR ||
	    qr.type == NP_DNS_TYPE_OPT)
		return error_answer(e, q, NP_DNS_RCODE_REFUSED, edns, out, cap, outlen);
	if (e->local && dns_local_owns(e->local, qr.owner, qr.owner_len))
		return answer_local(e, q, &qr, edns, limit, out, cap, outlen);
	v = answer_cached(e, q, &qr, edns, limit, out, cap, outlen);
	if (v != DNSD_PENDING)
		return v;
	w.udp_limit = (uint16_t)(c->tcp ? 0 : limit);
	memcpy(w.qname, qr.owner, qr.owner_len);
	w.qlen = (uint8_t)qr.owner_len;
	{
		uint8_t name[NP_DNS_NAME_MAX];

		memcpy(name, qr.owner, qr.owner_len);
		np_dns_name_lower(name, qr.owner_len);
		if (dnsd_res_query(&e->res, name, qr.owner_len, qr.type, qr.rclass, q->hdr.cd, &w,
				   e->now_ms) >= 0)
			return DNSD_PENDING;
	}
	e->stats.servfail++;
	return error_answer(e, q, NP_DNS_RCODE_SERVFAIL, edns, out, cap, outlen);
}

bool dnsd_udp_port_refused(uint16_t port)
{
	switch (port) {
	case 0:                        /* not a port a datagram can be sent to */
	case 7:                        /* echo (RFC 862) */
	case 13:                       /* daytime (RFC 867) */
	case 19:                       /* chargen (RFC 864) */
	case 37:                       /* time (RFC 868) */
		return true;
	default:
		return false;
	}
}

enum dnsd_verdict dnsd_engine_query(struct dnsd_engine *e, const uint8_t *buf, size_t len,
				    const struct dnsd_client *c, uint64_t now_ms, uint8_t *out,
				    size_t cap, size_t *outlen)
{
	enum dnsd_acl_action acl = acl_for(e, c->addr);
	enum dnsd_verdict v;
	struct np_dns_msg q;

	e->now_ms = now_ms;
	/* A forged source to reflect answers at, whoever the client claims to be. */
	if (!c->tcp && dnsd_udp_port_refused(c->port)) {
		e->stats.dropped_bad_port++;
		return DNSD_DROP;
	}
	if (acl == DNSD_ACL_DENY) {
		e->stats.acl_denied++;
		return DNSD_DROP;
	}
	/* Never answer a response or a runt: that is how reflection loops start. */
	if (len < NP_DNS_HDR_LEN || (buf[2] & 0x80)) {
		e->stats.dropped_malformed++;
		return DNSD_DROP;
	}
	e->stats.queries++;
	if (c->tcp)
		e->stats.queries_tcp++;
	else
		e->stats.queries_udp++;
	if (np_dns_msg_parse(buf, len, &q) < 0)
		return formerr_raw(e, buf, out, cap, outlen);
	if (acl == DNSD_ACL_REFUSE) {
		e->stats.acl_refused++;
		return error_answer(e, &q, NP_DNS_RCODE_REFUSED, false, out, cap, outlen);
	}
	if ((v = handle_tsig(e, &q, out, cap, outlen)) != DNSD_PENDING)
		return v;
	if (q.hdr.opcode == NP_DNS_OPCODE_UPDATE)
		return handle_update(e, &q, c, out, cap, outlen);
	if (q.hdr.opcode != NP_DNS_OPCODE_QUERY) {
		e->stats.notimp++;
		return error_answer(e, &q, NP_DNS_RCODE_NOTIMP, false, out, cap, outlen);
	}
	return handle_query(e, &q, c, out, cap, outlen);
}

/* ---- Trust follows authority: scrubbing and CNAME restarts (scrub.h) ------ */

/*
 * A waiter's CNAME restarts: the CNAMEs believed so far, from the client's
 * name to the one asked now (the last target).  Owned by the waiter; freed
 * when its answer is delivered.
 */
struct dnsd_chase {
	unsigned nlinks;
	struct dns_scrub_link links[DNS_SCRUB_MAX_CHAIN];
};

/* The set of servers responsible for name, or DNS_SCRUB_LOCAL. */
static int zone_of(void *arg, const uint8_t *name, size_t len)
{
	const struct dnsd_engine *e = arg;

	if (e->local && dns_local_owns(e->local, name, len))
		return DNS_SCRUB_LOCAL;
	return (int)dnsd_res_pick_set(&e->res, name, len);
}

/* The name a waiter's answer is about now: its own, or its last CNAME target. */
static void waiter_name(const struct dnsd_waiter *w, const uint8_t **name, size_t *len)
{
	const struct dns_scrub_link *l;

	if (!w->chase || !w->chase->nlinks) {
		*name = w->qname;
		*len = w->qlen;
		return;
	}
	l = &w->chase->links[w->chase->nlinks - 1];
	*name = l->target;
	*len = l->target_len;
}

/*
 * Add the CNAMEs of s (which leave the answering servers' names) to w's
 * chain.  -1 when the chain gets too long or comes back to one of its
 * names (SERVFAIL, as Unbound answers a CNAME loop).
 */
static int chase_extend(struct dnsd_waiter *w, const struct dns_scrub *s)
{
	struct dnsd_chase *c = w->chase;

	if (!c && !(c = w->chase = calloc(1, sizeof(*c))))
		return -1;
	if (c->nlinks + s->nlinks > DNS_SCRUB_MAX_CHAIN)
		return -1;
	memcpy(&c->links[c->nlinks], s->links, s->nlinks * sizeof(s->links[0]));
	c->nlinks += s->nlinks;
	if (np_dns_name_equal(s->target, s->target_len, w->qname, w->qlen))
		return -1;
	for (unsigned i = 0; i + 1 < c->nlinks; i++)
		if (np_dns_name_equal(c->links[i].target, c->links[i].target_len, s->target,
				      s->target_len))
			return -1;
	return 0;
}

/* The CNAMEs found before the name asked now, owners in the client's case. */
static int put_chase(struct np_dns_builder *b, const struct dnsd_waiter *w)
{
	const uint8_t *owner = w->qname;
	size_t olen = w->qlen;

	for (unsigned i = 0; w->chase && i < w->chase->nlinks; i++) {
		const struct dns_scrub_link *l = &w->chase->links[i];
		struct np_dns_rdata rd;
		int rc;

		memset(&rd, 0, sizeof(rd));
		memcpy(rd.name.name, l->target, l->target_len);
		rd.name.len = l->target_len;
		rc = np_dns_add_rr(b, NP_DNS_SEC_ANSWER, owner, olen, NP_DNS_TYPE_CNAME,
				   NP_DNS_CLASS_IN, l->ttl, &rd);
		if (rc < 0)
			return rc;
		owner = l->target;
		olen = l->target_len;
	}
	return 0;
}

/* Scrub resp into e->scrub and cache what is believed: 0, or -1 (unusable). */
static int scrub_and_store(struct dnsd_engine *e, const struct dnsd_upq *q,
			   const struct np_dns_msg *resp)
{
	unsigned set = q->set < e->res.nsets ? q->set : 0;
	struct dns_scrub_authority a = { zone_of, e, (int)set };
	struct dns_scrub *s = e->scrub;

	if (dns_scrub_answer(resp, q->qname, q->qlen, q->qtype, &a, e->scrub_buf,
			     NP_DNS_MSG_MAX, s) < 0)
		return -1;
	e->stats.scrubbed_records += s->dropped;
	if (s->end == DNS_SCRUB_LOOP || s->end == DNS_SCRUB_TOO_LONG) {
		e->stats.cname_loops++;
		return -1;
	}
	dns_cache_store(e->cache, &s->msg, q->qname, q->qlen, q->qtype, e->res.sets[set].zone,
			e->res.sets[set].zlen, e->now_ms);
	return 0;
}

/* ---- Upstream answers --------------------------------------------------- */

/*
 * DNSSEC records a client without DO does not get (RFC 4035 §3.2.1,
 * RFC 3225 §3): RRSIG, NSEC and NSEC3, unless it asked for that type, in
 * which case the answer section holds them as any other RRset.
 */
static bool dnssec_only(const struct np_dns_rr *rr, uint16_t qtype)
{
	if (rr->type != NP_DNS_TYPE_RRSIG && rr->type != NP_DNS_TYPE_NSEC &&
	    rr->type != NP_DNS_TYPE_NSEC3)
		return false;
	return !(rr->section == NP_DNS_SEC_ANSWER && rr->type == qtype);
}

/*
 * Copy the records of resp's answer, authority and additional sections;
 * without do_bit, the DNSSEC records are left out.  The upstream's own
 * OPT and any TSIG (a message signature, not data) are never copied.
 */
static int copy_sections(struct np_dns_builder *b, const struct np_dns_msg *resp,
			 uint16_t qtype, bool do_bit)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;
	int rc;

	np_dns_iter_init(&it, resp);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0) {
		if (rr.section == NP_DNS_SEC_QUESTION || rr.type == NP_DNS_TYPE_OPT ||
		    rr.type == NP_DNS_TYPE_TSIG || (!do_bit && dnssec_only(&rr, qtype)))
			continue;
		if (np_dns_rr_rdata(resp, &rr, &rd) < 0)
			return -1;
		rc = np_dns_add_rr(b, rr.section, rr.owner, rr.owner_len, rr.type, rr.rclass,
				   rr.ttl, &rd);
		if (rc == NP_ENOSPC)
			return 0;
		if (rc < 0)
			return -1;
	}
	return rc;
}

/* Where a waiter's answer comes from. */
enum answer_src {
	SRC_UPSTREAM,                  /* the scrubbed answer (or the cache it went to) */
	SRC_FAILED,                    /* no usable answer: stale data or SERVFAIL */
	SRC_CACHE,                     /* the cache only: -2 on a miss */
	SRC_LOCAL,                     /* the local zone (a CNAME target it owns) */
};

/*
 * The header and the client's question.  AD is never copied from the
 * upstream: np-dnsd has not validated anything (RFC 4035 §3.2.3, RFC 6840 §5.8).
 */
static int waiter_begin(const struct dnsd_upq *q, const struct dnsd_waiter *w,
			struct np_dns_builder *b, uint8_t *out, size_t cap)
{
	struct np_dns_header h = { .id = w->id, .qr = 1, .rd = w->rd, .cd = w->cd, .ra = 1 };
	size_t limit = w->udp_limit ? w->udp_limit : NP_DNS_MSG_MAX;

	if (np_dns_builder_init(b, out, cap, limit, &h) < 0 ||
	    np_dns_add_question(b, w->qname, w->qlen, q->qtype, q->qclass) < 0)
		return -1;
	if (w->edns)
		np_dns_builder_reserve(b, OPT_RR_LEN);
	return 0;
}

/*
 * The records for the name a waiter asks now, after the CNAMEs of its
 * restarts: a dns_cache_result, or -1.
 */
static int waiter_records(struct dnsd_engine *e, const struct dnsd_upq *q,
			  const struct dnsd_waiter *w, enum answer_src src,
			  const struct np_dns_msg *resp, struct np_dns_builder *b)
{
	const uint8_t *name;
	size_t len;
	int prefetch, r = DNS_CACHE_MISS;

	waiter_name(w, &name, &len);
	if (put_chase(b, w) < 0)
		return b->full ? DNS_CACHE_HIT : -1;    /* truncated: TC is set */
	switch (src) {
	case SRC_LOCAL:
		if (dns_local_answer(e->local, name, len, q->qtype, b) < 0 && !b->full)
			return -1;
		b->hdr.aa = 0;                  /* the CNAMEs are not ours */
		return DNS_CACHE_HIT;
	case SRC_UPSTREAM:
	case SRC_CACHE:
		r = from_cache(e, b, name, len, q->qtype, dnssec_flags(w->do_bit), &prefetch);
		break;
	case SRC_FAILED:
		if (e->conf->serve_stale) {
			r = from_cache(e, b, name, len, q->qtype,
				       dnssec_flags(w->do_bit) | DNS_CACHE_F_STALE, &prefetch);
			if (r > DNS_CACHE_MISS)
				e->stats.stale_answers++;
		}
		break;
	}
	if (r != DNS_CACHE_MISS || src != SRC_UPSTREAM)
		return r;
	np_dns_builder_rcode(b, (unsigned)np_dns_msg_rcode(resp) & 0xf);
	b->hdr.aa = 0;
	return copy_sections(b, resp, q->qtype, w->do_bit) < 0 ? -1 : DNS_CACHE_HIT;
}

/* The answer for one waiter into out: its length, -1, or -2 (SRC_CACHE missed). */
static int waiter_answer(struct dnsd_engine *e, const struct dnsd_upq *q,
			 const struct dnsd_waiter *w, enum answer_src src,
			 const struct np_dns_msg *resp, uint8_t *out, size_t cap)
{
	struct np_dns_builder b;
	size_t n;
	int r;

	if (waiter_begin(q, w, &b, out, cap) < 0)
		return -1;
	r = waiter_records(e, q, w, src, resp, &b);
	if (r < 0)
		return -1;
	if (r == DNS_CACHE_MISS && src == SRC_CACHE)
		return -2;
	if (r == DNS_CACHE_MISS) {
		/* No records, not even the CNAMEs: SERVFAIL says nothing else (RFC 1035 §4.1.1). */
		if (waiter_begin(q, w, &b, out, cap) < 0)
			return -1;
		np_dns_builder_rcode(&b, NP_DNS_RCODE_SERVFAIL);
		e->stats.servfail++;
	}
	if (src == SRC_UPSTREAM)
		e->stats.upstream_answers++;
	add_our_opt(e, &b, w->edns, w->do_bit);
	if (finish_answer(e, &b, &n) < 0)
		return -1;
	return (int)n;
}

/* A DELIVER action for w's answer, built in e->scratch. */
static void deliver_bytes(struct dnsd_engine *e, const struct dnsd_waiter *w, size_t n)
{
	if (dnsd_actions_deliver(&e->res.acts, w->token, w->udp_limit == 0, e->scratch, n) < 0)
		e->stats.answers_dropped++;
}

static void deliver(struct dnsd_engine *e, const struct dnsd_upq *q,
		    const struct dnsd_waiter *w, enum answer_src src,
		    const struct np_dns_msg *resp)
{
	int n = waiter_answer(e, q, w, src, resp, e->scratch, NP_DNS_MSG_MAX);

	/*
	 * An upstream answer that parses but cannot be copied (a record whose
	 * data does not fit its type): the client still gets an answer, the
	 * one for no usable answer (SERVFAIL, or stale data).
	 */
	if (n < 0 && src == SRC_UPSTREAM) {
		e->stats.answers_unusable++;
		n = waiter_answer(e, q, w, SRC_FAILED, NULL, e->scratch, NP_DNS_MSG_MAX);
	}
	if (n < 0) {
		e->stats.answers_dropped++;
		return;
	}
	deliver_bytes(e, w, (size_t)n);
}

/*
 * Look a waiter's CNAME target up on its own: in the local zone when it
 * owns it, else the cache, else a query to the servers responsible for it
 * (the waiter, with its chase, moves there; the query's SEND goes into the
 * same action list as the other waiters' DELIVERs).  This is the engine's
 * one place that holds a client's answer while it asks a question of its
 * own; a DNSSEC validation step (val-chain.h) holds a waiter the same way
 * while its DS/DNSKEY questions are out (see query.h).
 */
static void restart(struct dnsd_engine *e, const struct dnsd_upq *q, struct dnsd_waiter *w)
{
	uint8_t name[NP_DNS_NAME_MAX];
	const uint8_t *target;
	size_t len;
	int n;

	e->stats.cname_restarts++;
	waiter_name(w, &target, &len);
	if (zone_of(e, target, len) == DNS_SCRUB_LOCAL) {
		deliver(e, q, w, SRC_LOCAL, NULL);
		return;
	}
	n = waiter_answer(e, q, w, SRC_CACHE, NULL, e->scratch, NP_DNS_MSG_MAX);
	if (n >= 0) {
		deliver_bytes(e, w, (size_t)n);
		return;
	}
	memcpy(name, target, len);
	np_dns_name_lower(name, len);
	if (n == -2 && dnsd_res_query(&e->res, name, len, q->qtype, q->qclass, w->cd, w,
				      e->now_ms) >= 0) {
		w->chase = NULL;                /* the waiter of the new query owns it now */
		return;
	}
	deliver(e, q, w, SRC_FAILED, NULL);
}

/*
 * The resolver's hook: q is over.  Each waiter gets a DELIVER, or its CNAME
 * target is restarted; all of them go into out (e->res.acts).
 */
static void on_finish(void *arg, struct dnsd_upq *q, const struct np_dns_msg *resp,
		      struct dnsd_actions *out)
{
	struct dnsd_engine *e = arg;
	uint32_t restarts[(DNSD_MAX_WAITERS + 31) / 32] = { 0 };
	const struct np_dns_msg *scrubbed = NULL;
	bool usable = resp != NULL;

	(void)out;                      /* == &e->res.acts, where deliver() and restart() append */

	if (resp && scrub_and_store(e, q, resp) < 0)
		usable = false;
	else if (resp)
		scrubbed = &e->scrub->msg;
	/* Answers first: restarts may start queries that reuse e->scrub. */
	for (unsigned i = 0; i < q->nwaiters && i < DNSD_MAX_WAITERS; i++) {
		struct dnsd_waiter *w = &q->waiters[i];

		if (usable && e->scrub->end == DNS_SCRUB_EXIT) {
			if (chase_extend(w, e->scrub) == 0) {
				restarts[i / 32] |= 1u << (i % 32);
				continue;
			}
			e->stats.cname_loops++;
			deliver(e, q, w, SRC_FAILED, NULL);
		} else {
			deliver(e, q, w, usable ? SRC_UPSTREAM : SRC_FAILED, scrubbed);
		}
	}
	for (unsigned i = 0; i < q->nwaiters && i < DNSD_MAX_WAITERS; i++) {
		struct dnsd_waiter *w = &q->waiters[i];

		if (restarts[i / 32] & (1u << (i % 32)))
			restart(e, q, w);
		free(w->chase);
		w->chase = NULL;
	}
}

static uint32_t eng_random(void *arg)
{
	struct dnsd_engine *e = arg;

	return e->ops.random(e->ops.arg);
}

/*
 * The local zone of conf: its records were checked by the config loader,
 * so only memory can fail.  *out NULL without local_zone.  0 or -1.
 */
static int local_build(const struct dnsd_policy_conf *conf, const struct np_hmap_key *key,
		       struct dns_local **out)
{
	struct dns_local *z;
	char why[256];

	*out = NULL;
	if (conf->local_zone_len == 0)
		return 0;
	if (!(z = dns_local_new(conf->local_zone, conf->local_zone_len, key)))
		return -1;
	for (unsigned i = 0; i < conf->nlocal_records; i++)
		if (dns_local_add_line(z, conf->local_records[i], why, sizeof(why)) < 0) {
			dns_local_free(z);
			return -1;
		}
	*out = z;
	return 0;
}

int dnsd_engine_init(struct dnsd_engine *e, const struct dnsd_policy_conf *conf,
		     const struct dnsd_engine_ops *ops)
{
	struct dnsd_res_ops rops = { eng_random, on_finish, e };
	struct dns_cache_limits lim;
	struct np_hmap_key key;

	memset(e, 0, sizeof(*e));
	e->conf = conf;
	e->ops = *ops;
	/* The cache's hash key, from the I/O side's random numbers. */
	key.k0 = (uint64_t)ops->random(ops->arg) << 32 | ops->random(ops->arg);
	key.k1 = (uint64_t)ops->random(ops->arg) << 32 | ops->random(ops->arg);
	cache_limits(conf, &lim);
	e->scratch = malloc(NP_DNS_MSG_MAX);
	e->scrub = malloc(sizeof(*e->scrub));
	e->scrub_buf = malloc(NP_DNS_MSG_MAX);
	e->cache = dns_cache_new(conf->cache_size, &lim, &key);
	if (!e->cache || !e->scratch || !e->scrub || !e->scrub_buf ||
	    local_build(conf, &key, &e->local) < 0 || dnsd_res_init(&e->res, &rops, conf) < 0) {
		dns_local_free(e->local);
		e->local = NULL;
		dns_cache_free(e->cache);
		free(e->scratch);
		free(e->scrub);
		free(e->scrub_buf);
		e->cache = NULL;
		e->scratch = NULL;
		e->scrub = NULL;
		e->scrub_buf = NULL;
		return -1;
	}
	return 0;
}

/* Same servers for the same zones, in the same order (upstream set indexes). */
static bool same_sets(const struct dnsd_policy_conf *a, const struct dnsd_policy_conf *b)
{
	if (a->nsets != b->nsets)
		return false;
	for (unsigned i = 0; i < a->nsets; i++) {
		const struct dnsd_upstream_set *x = &a->sets[i], *y = &b->sets[i];

		if (x->nservers != y->nservers ||
		    !np_dns_name_equal(x->zone, x->zlen, y->zone, y->zlen))
			return false;
		for (unsigned j = 0; j < x->nservers; j++)
			if (x->servers[j].addr != y->servers[j].addr ||
			    x->servers[j].port != y->servers[j].port)
				return false;
	}
	return true;
}

/*
 * True when a name may now be answered by other servers than those its
 * cached data came from: forward zones, their servers or the local zone
 * changed.  Cached data was believed only for the servers responsible for
 * it then (scrub.h), so it cannot outlive that responsibility.
 */
static bool authority_changed(const struct dnsd_policy_conf *old, const struct dnsd_policy_conf *conf)
{
	return !same_sets(old, conf) ||
	       !np_dns_name_equal(old->local_zone, old->local_zone_len, conf->local_zone,
				  conf->local_zone_len);
}

int dnsd_engine_configure(struct dnsd_engine *e, const struct dnsd_policy_conf *conf)
{
	struct dns_cache_limits lim;
	bool flush = authority_changed(e->conf, conf);
	struct dns_local *local;

	cache_limits(conf, &lim);
	if (local_build(conf, dns_cache_key(e->cache), &local) < 0)
		return -1;
	if (dnsd_res_configure(&e->res, conf) < 0 ||
	    dns_cache_configure(e->cache, conf->cache_size, &lim) < 0) {
		dns_local_free(local);
		return -1;
	}
	if (flush)
		e->stats.reload_flushed += dns_cache_flush(e->cache, NULL, 0);
	e->reload_kept = e->reload_dropped = 0;
	/* The same zone: the names UPDATEs published stay (configured names win). */
	if (e->local && local &&
	    np_dns_name_equal(e->conf->local_zone, e->conf->local_zone_len, conf->local_zone,
			      conf->local_zone_len))
		e->reload_kept = dns_local_carry(e->local, local, &e->reload_dropped);
	dns_local_free(e->local);
	e->local = local;
	e->conf = conf;
	return 0;
}

/* ---- Upstream events (query.h) ---------------------------------------- */

enum dnsd_res_verdict dnsd_engine_response(struct dnsd_engine *e, struct dnsd_upq *q,
					   const struct dnsd_addr *from, bool tcp,
					   const uint8_t *buf, size_t len, uint64_t now_ms)
{
	e->now_ms = now_ms;
	return dnsd_res_response(&e->res, q, from, tcp, buf, len, now_ms);
}

void dnsd_engine_timeout(struct dnsd_engine *e, struct dnsd_upq *q, uint64_t now_ms)
{
	e->now_ms = now_ms;
	dnsd_res_timeout(&e->res, q, now_ms);
}

void dnsd_engine_send_failed(struct dnsd_engine *e, struct dnsd_upq *q, uint64_t now_ms)
{
	e->now_ms = now_ms;
	dnsd_res_send_failed(&e->res, q, now_ms);
}

bool dnsd_engine_drain(struct dnsd_engine *e, uint64_t now_ms)
{
	e->now_ms = now_ms;
	return dnsd_res_drain(&e->res);
}

void dnsd_engine_free(struct dnsd_engine *e)
{
	dnsd_res_free(&e->res);
	dns_local_free(e->local);
	e->local = NULL;
	dns_cache_free(e->cache);
	free(e->scratch);
	free(e->scrub);
	free(e->scrub_buf);
	e->cache = NULL;
	e->scratch = NULL;
	e->scrub = NULL;
	e->scrub_buf = NULL;
}
