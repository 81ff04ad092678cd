/*
 * scrub.c: which records of an upstream answer np-dnsd believes (see scrub.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <netproto/dns.h>
#include <netproto/error.h>

#include "scrub.h"

/* What the answer section says at one name of the chain. */
struct scan {
	int has_qtype;                  /* records of the question's type */
	int ncname;                     /* distinct CNAME targets */
	struct np_dns_rr cname;         /* the (first) CNAME */
};

static int answer_scan(const struct np_dns_msg *resp, const uint8_t *owner, size_t len,
		       uint16_t qtype, struct scan *s)
{
	struct np_dns_rdata first, rd;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	int rc, err;

	memset(s, 0, sizeof(*s));
	memset(&first, 0, sizeof(first));
	np_dns_iter_init(&it, resp);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0 && rr.section <= NP_DNS_SEC_ANSWER) {
		if (rr.section != NP_DNS_SEC_ANSWER || rr.rclass != NP_DNS_CLASS_IN ||
		    !np_dns_name_equal(rr.owner, rr.owner_len, owner, len))
			continue;
		if (rr.type == qtype) {
			s->has_qtype = 1;
		} else if (rr.type == NP_DNS_TYPE_CNAME) {
			if ((err = np_dns_rr_rdata(resp, &rr, &rd)))
				return err;
			/* Identical copies are one record (RFC 2181 §5). */
			if (s->ncname && np_dns_name_equal(first.name.name, first.name.len,
							   rd.name.name, rd.name.len))
				continue;
			if (!s->ncname++) {
				first = rd;
				s->cname = rr;
			}
		}
	}
	return rc < 0 ? rc : 0;
}

/* Is name one the chain already went through (qname, or a target before the last)? */
static int chain_visited(const struct dns_scrub *out, const uint8_t *qname, size_t qlen,
			 const uint8_t *name, size_t len)
{
	if (np_dns_name_equal(qname, qlen, name, len))
		return 1;
	for (unsigned i = 0; i + 1 < out->nlinks; i++)
		if (np_dns_name_equal(out->links[i].target, out->links[i].target_len, name, len))
			return 1;
	return 0;
}

/*
 * Follow the CNAMEs from qname while their owners are the asked set's;
 * fills out->links and out->end.  RFC 1034 §3.6.2: a CNAME question (and
 * ANY) is answered by the CNAME itself.
 */
static int chain_walk(const struct np_dns_msg *resp, const uint8_t *qname, size_t qlen,
		      uint16_t qtype, const struct dns_scrub_authority *a,
		      struct dns_scrub *out)
{
	const uint8_t *cur = qname;
	size_t len = qlen;
	struct np_dns_rdata rd;
	struct scan s;
	int err;

	out->end = DNS_SCRUB_COMPLETE;
	for (;;) {
		struct dns_scrub_link *l;

		if ((err = answer_scan(resp, cur, len, qtype, &s)))
			return err;
		/* Two different CNAMEs (RFC 2181 §10.1): the cache refuses the name. */
		if (s.has_qtype || s.ncname != 1 || qtype == NP_DNS_TYPE_CNAME ||
		    qtype == NP_DNS_TYPE_ANY)
			return 0;
		if (out->nlinks == DNS_SCRUB_MAX_CHAIN) {
			out->end = DNS_SCRUB_TOO_LONG;
			return 0;
		}
		if ((err = np_dns_rr_rdata(resp, &s.cname, &rd)))
			return err;
		l = &out->links[out->nlinks++];
		memcpy(l->owner, cur, len);
		l->owner_len = (uint8_t)len;
		memcpy(l->target, rd.name.name, rd.name.len);
		l->target_len = (uint8_t)rd.name.len;
		l->ttl = s.cname.ttl;
		np_dns_name_lower(l->owner, l->owner_len);
		np_dns_name_lower(l->target, l->target_len);
		if (chain_visited(out, qname, qlen, l->target, l->target_len)) {
			out->end = DNS_SCRUB_LOOP;
			return 0;
		}
		if (a->zone_of(a->arg, l->target, l->target_len) != a->asked) {
			out->end = DNS_SCRUB_EXIT;
			out->target = l->target;
			out->target_len = l->target_len;
			return 0;
		}
		cur = l->target;
		len = l->target_len;
	}
}

/* Is owner one of the chain's names the asked set speaks for? */
static int on_chain(const struct dns_scrub *out, const uint8_t *qname, size_t qlen,
		    const uint8_t *owner, size_t len)
{
	unsigned n = out->end == DNS_SCRUB_EXIT ? out->nlinks - 1 : out->nlinks;

	if (np_dns_name_equal(qname, qlen, owner, len))
		return 1;
	for (unsigned i = 0; i < n; i++)
		if (np_dns_name_equal(out->links[i].target, out->links[i].target_len, owner, len))
			return 1;
	return 0;
}

/*
 * Names are case-insensitive (RFC 4343), and with 0x20 an upstream's
 * compression pointers into the question carry our random case into owners
 * and rdata: the names kept are lowercased, so clients and the cache see
 * the data, not the query's case.
 */
static void lower_names(struct np_dns_rr *rr, struct np_dns_rdata *rd)
{
	np_dns_name_lower(rr->owner, rr->owner_len);
	switch (rr->type) {
	case NP_DNS_TYPE_NS:
	case NP_DNS_TYPE_CNAME:
	case NP_DNS_TYPE_PTR:
		np_dns_name_lower(rd->name.name, rd->name.len);
		break;
	case NP_DNS_TYPE_MX:
		np_dns_name_lower(rd->mx.exchange, rd->mx.exchange_len);
		break;
	case NP_DNS_TYPE_SOA:
		np_dns_name_lower(rd->soa.mname, rd->soa.mname_len);
		np_dns_name_lower(rd->soa.rname, rd->soa.rname_len);
		break;
	case NP_DNS_TYPE_SRV:
		np_dns_name_lower(rd->srv.target, rd->srv.target_len);
		break;
	default:                        /* opaque rdata (RFC 3597) is left alone */
		break;
	}
}

static int keep_record(const struct np_dns_rr *rr, const uint8_t *qname, size_t qlen,
		       const struct dns_scrub_authority *a, const struct dns_scrub *out)
{
	if (rr->section == NP_DNS_SEC_ANSWER)
		return on_chain(out, qname, qlen, rr->owner, rr->owner_len);
	/* After an EXIT, authority and additional data describe the target. */
	return out->end != DNS_SCRUB_EXIT &&
	       a->zone_of(a->arg, rr->owner, rr->owner_len) == a->asked;
}

/* The header, the question and the OPT of resp; the records kept in between. */
static int copy_kept(const struct np_dns_msg *resp, const uint8_t *qname, size_t qlen,
		     const struct dns_scrub_authority *a, struct np_dns_builder *b,
		     struct dns_scrub *out)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;
	int rc, err;

	np_dns_iter_init(&it, resp);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0) {
		if (rr.type == NP_DNS_TYPE_OPT)
			continue;
		if (rr.section == NP_DNS_SEC_QUESTION) {
			err = np_dns_add_question(b, rr.owner, rr.owner_len, rr.type, rr.rclass);
		} else if (!keep_record(&rr, qname, qlen, a, out)) {
			out->dropped++;
			continue;
		} else if ((err = np_dns_rr_rdata(resp, &rr, &rd)) == 0) {
			lower_names(&rr, &rd);
			err = np_dns_add_rr(b, rr.section, rr.owner, rr.owner_len, rr.type,
					    rr.rclass, rr.ttl, &rd);
		}
		if (err)
			return err;
	}
	return rc;
}

int dns_scrub_answer(const struct np_dns_msg *resp, const uint8_t *qname, size_t qlen,
		     uint16_t qtype, const struct dns_scrub_authority *a, uint8_t *buf,
		     size_t cap, struct dns_scrub *out)
{
	struct np_dns_header h = resp->hdr;
	struct np_dns_builder b;
	struct np_dns_opt opt;
	int rcode = np_dns_msg_rcode(resp), has_opt, n, err;

	memset(out, 0, offsetof(struct dns_scrub, links));
	out->target = NULL;
	out->target_len = 0;
	out->dropped = 0;
	if (np_dns_name_check(qname, qlen))
		return NP_EINVAL;
	if ((err = chain_walk(resp, qname, qlen, qtype, a, out)))
		return err;
	has_opt = np_dns_msg_opt(resp, &opt) == 0;
	h.rcode = 0;
	if ((err = np_dns_builder_init(&b, buf, cap, cap, &h)) ||
	    (err = copy_kept(resp, qname, qlen, a, &b, out)))
		return err;
	/* The upstream's rcode speaks of the chain's end, which it left (RFC 6604 §2). */
	np_dns_builder_rcode(&b, out->end == DNS_SCRUB_EXIT ? NP_DNS_RCODE_NOERROR
							    : (unsigned)rcode);
	if (has_opt) {
		opt.ext_rcode = 0;
		if ((err = np_dns_add_opt(&b, &opt)))
			return err;
	}
	if ((n = np_dns_builder_finish(&b)) < 0)
		return n;
	return np_dns_msg_parse(buf, (size_t)n, &out->msg);
}
