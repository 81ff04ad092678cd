/*
 * query.c: np-dnsd's message handler (see query.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <netproto/dns.h>
#include <netproto/error.h>

#include "localzone.h"
#include "query.h"

#define OPCODE_UPDATE 5                /* RFC 2136 §1 */
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

static void cache_limits(const struct dnsd_conf *conf, struct dns_cache_limits *lim)
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

/* Our OPT in an answer to an EDNS query (RFC 6891 §6.1.1): our size, no DO. */
static void add_our_opt(struct dnsd_engine *e, struct np_dns_builder *b, bool edns)
{
	struct np_dns_opt opt = { .udp_size = (uint16_t)e->conf->edns_buffer_size };

	if (edns)
		np_dns_add_opt(b, &opt);
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
	b.hdr.ra = 1;
	np_dns_builder_rcode(&b, rcode);
	add_our_opt(e, &b, edns);
	return finish_answer(e, &b, outlen) < 0 ? DNSD_DROP : DNSD_ANSWER;
}

/* FORMERR for a message that does not parse: the header's ID and opcode only. */
static enum dnsd_verdict formerr_raw(struct dnsd_engine *e, const uint8_t *buf, uint8_t *out,
				     size_t cap, size_t *outlen)
{
	struct np_dns_header h = { .id = np_load_be16(buf), .qr = 1, .ra = 1,
				   .opcode = (uint8_t)((buf[2] >> 3) & 0xf), .rd = buf[2] & 1,
				   .rcode = NP_DNS_RCODE_FORMERR };
	struct np_dns_builder b;

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

static enum dnsd_verdict handle_update(struct dnsd_engine *e, const struct np_dns_msg *q,
				       const struct dnsd_client *c, uint8_t *out, size_t cap,
				       size_t *outlen)
{
	int rcode;

	/* RFC 2136 §3.1: the zone section holds exactly one zone. */
	if (!dnsd_update_allowed(e->conf, c->addr) || !e->conf->local) {
		e->stats.updates_refused++;
		return error_answer(e, q, NP_DNS_RCODE_REFUSED, false, out, cap, outlen);
	}
	rcode = dns_local_update(e->conf->local, q);
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
	if (dns_local_answer(e->conf->local, qr->owner, qr->owner_len, qr->type, &b) < 0 &&
	    !b.full)
		return error_answer(e, q, NP_DNS_RCODE_SERVFAIL, edns, out, cap, outlen);
	add_our_opt(e, &b, edns);
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
	int prefetch = 0, r;

	if (np_dns_builder_reply(&b, out, cap, limit, q) < 0)
		return DNSD_DROP;
	b.hdr.ra = 1;
	if (edns)
		np_dns_builder_reserve(&b, OPT_RR_LEN);
	r = from_cache(e, &b, qr->owner, qr->owner_len, qr->type, 0, &prefetch);
	if (r <= DNS_CACHE_MISS)
		return DNSD_PENDING;
	if (prefetch && e->conf->prefetch)
		start_prefetch(e, qr, q->hdr.cd);
	add_our_opt(e, &b, edns);
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
	if (e->conf->local && dns_local_owns(e->conf->local, qr.owner, qr.owner_len))
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
	if (q.hdr.opcode == OPCODE_UPDATE)
		return handle_update(e, &q, c, out, cap, outlen);
	if (q.hdr.opcode != NP_DNS_OPCODE_QUERY) {
		e->stats.notimp++;
		return error_answer(e, &q, NP_DNS_RCODE_NOTIMP, false, out, cap, outlen);
	}
	return handle_query(e, &q, c, out, cap, outlen);
}

/* ---- Upstream answers --------------------------------------------------- */

/* Copy the records of resp's answer, authority and additional sections. */
static int copy_sections(struct np_dns_builder *b, const struct np_dns_msg *resp)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;
	int rc;

	np_dns_iter_init(&it, resp);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0) {
		if (rr.section == NP_DNS_SEC_QUESTION || rr.type == NP_DNS_TYPE_OPT)
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

/* The answer for one waiter: from the cache when it holds it, else resp as is. */
static int waiter_answer(struct dnsd_engine *e, const struct dnsd_upq *q,
			 const struct dnsd_waiter *w, const struct np_dns_msg *resp,
			 uint8_t *out, size_t cap)
{
	struct np_dns_header h = { .id = w->id, .qr = 1, .rd = w->rd, .cd = w->cd, .ra = 1 };
	struct np_dns_builder b;
	int prefetch, r = DNS_CACHE_MISS;
	size_t limit = w->udp_limit ? w->udp_limit : NP_DNS_MSG_MAX;

	if (np_dns_builder_init(&b, out, cap, limit, &h) < 0 ||
	    np_dns_add_question(&b, w->qname, w->qlen, q->qtype, q->qclass) < 0)
		return -1;
	if (w->edns)
		np_dns_builder_reserve(&b, OPT_RR_LEN);
	if (resp)
		r = from_cache(e, &b, w->qname, w->qlen, q->qtype, 0, &prefetch);
	else if (e->conf->serve_stale) {
		r = from_cache(e, &b, w->qname, w->qlen, q->qtype, DNS_CACHE_F_STALE,
			       &prefetch);
		if (r > DNS_CACHE_MISS)
			e->stats.stale_answers++;
	}
	if (r < 0)
		return -1;
	if (r == DNS_CACHE_MISS && resp) {
		np_dns_builder_rcode(&b, (unsigned)np_dns_msg_rcode(resp) & 0xf);
		b.hdr.aa = 0;
		if (copy_sections(&b, resp) < 0)
			return -1;
	} else if (r == DNS_CACHE_MISS) {
		np_dns_builder_rcode(&b, NP_DNS_RCODE_SERVFAIL);
		e->stats.servfail++;
	}
	if (resp)
		e->stats.upstream_answers++;
	add_our_opt(e, &b, w->edns);
	{
		size_t n;

		if (finish_answer(e, &b, &n) < 0)
			return -1;
		return (int)n;
	}
}

static void on_finish(void *arg, struct dnsd_upq *q, const struct np_dns_msg *resp)
{
	struct dnsd_engine *e = arg;
	uint8_t *out = e->scratch;

	if (resp)
		dns_cache_store(e->cache, resp, q->qname, q->qlen, q->qtype,
				e->res.sets[q->set < e->res.nsets ? q->set : 0].zone,
				e->res.sets[q->set < e->res.nsets ? q->set : 0].zlen, e->now_ms);
	for (unsigned i = 0; i < q->nwaiters; i++) {
		const struct dnsd_waiter *w = &q->waiters[i];
		int n = waiter_answer(e, q, w, resp, out, NP_DNS_MSG_MAX);

		/*
		 * An upstream answer that parses but cannot be copied (a record
		 * whose data does not fit its type): the client still gets an
		 * answer, the one for no usable answer (SERVFAIL, or stale data).
		 */
		if (n < 0 && resp) {
			e->stats.answers_unusable++;
			n = waiter_answer(e, q, w, NULL, out, NP_DNS_MSG_MAX);
		}
		if (n < 0) {
			e->stats.answers_dropped++;
			continue;
		}
		e->ops.deliver(e->ops.arg, w->token, w->udp_limit == 0, out, (size_t)n);
	}
}

static uint32_t eng_random(void *arg)
{
	struct dnsd_engine *e = arg;

	return e->ops.random(e->ops.arg);
}

static int eng_send(void *arg, struct dnsd_upq *q)
{
	struct dnsd_engine *e = arg;

	return e->ops.send(e->ops.arg, q);
}

static void eng_abandon(void *arg, struct dnsd_upq *q)
{
	struct dnsd_engine *e = arg;

	e->ops.abandon(e->ops.arg, q);
}

int dnsd_engine_init(struct dnsd_engine *e, const struct dnsd_conf *conf,
		     const struct dnsd_engine_ops *ops)
{
	struct dnsd_res_ops rops = { eng_random, eng_send, on_finish, eng_abandon, e };
	struct dns_cache_limits lim;

	memset(e, 0, sizeof(*e));
	e->conf = conf;
	e->ops = *ops;
	cache_limits(conf, &lim);
	e->scratch = malloc(NP_DNS_MSG_MAX);
	e->cache = dns_cache_new(conf->cache_size, &lim);
	if (!e->cache || !e->scratch) {
		dns_cache_free(e->cache);
		free(e->scratch);
		e->cache = NULL;
		e->scratch = NULL;
		return -1;
	}
	if (dnsd_res_init(&e->res, &rops, conf) < 0) {
		dns_cache_free(e->cache);
		free(e->scratch);
		e->cache = NULL;
		e->scratch = NULL;
		return -1;
	}
	return 0;
}

int dnsd_engine_configure(struct dnsd_engine *e, const struct dnsd_conf *conf)
{
	struct dns_cache_limits lim;

	cache_limits(conf, &lim);
	if (dnsd_res_configure(&e->res, conf) < 0 ||
	    dns_cache_configure(e->cache, conf->cache_size, &lim) < 0)
		return -1;
	e->conf = conf;
	return 0;
}

void dnsd_engine_free(struct dnsd_engine *e)
{
	dnsd_res_free(&e->res);
	dns_cache_free(e->cache);
	free(e->scratch);
	e->cache = NULL;
	e->scratch = NULL;
}

/* ---- Reload: names published by UPDATE survive ------------------------- */

struct carry {
	struct dns_local *to;
	const uint8_t *zone;
	size_t zlen;
	size_t carried, lost;
};

static int carry_one(void *arg, const uint8_t *owner, size_t len, uint16_t type, uint32_t ttl,
		     const uint8_t *rdata, size_t rdlen, int dynamic)
{
	struct carry *c = arg;
	struct np_dns_header h = { .opcode = OPCODE_UPDATE };
	struct np_dns_builder b;
	struct np_dns_msg m;
	uint8_t buf[NP_DNS_NAME_MAX * 2 + 65535 / 64];
	int n;

	/* PTRs in the reverse zones follow their A/AAAA by themselves. */
	if (!dynamic || !np_dns_name_is_subdomain(owner, len, c->zone, c->zlen))
		return 0;
	if (np_dns_builder_init(&b, buf, sizeof(buf), sizeof(buf), &h) < 0 ||
	    np_dns_add_question(&b, c->zone, c->zlen, NP_DNS_TYPE_SOA, NP_DNS_CLASS_IN) < 0 ||
	    np_dns_add_raw(&b, NP_DNS_SEC_AUTHORITY, owner, len, type, NP_DNS_CLASS_IN, ttl, rdata,
			   rdlen) < 0 ||
	    (n = np_dns_builder_finish(&b)) < 0 || np_dns_msg_parse(buf, (size_t)n, &m) < 0 ||
	    dns_local_update(c->to, &m) != NP_DNS_RCODE_NOERROR)
		c->lost++;
	else
		c->carried++;
	return 0;
}

size_t dnsd_local_carry(const struct dns_local *from, struct dns_local *to, const uint8_t *zone,
			size_t zlen, size_t *lost)
{
	struct carry c = { .to = to, .zone = zone, .zlen = zlen };

	if (from && to)
		dns_local_walk(from, carry_one, &c);
	if (lost)
		*lost = c.lost;
	return c.carried;
}
