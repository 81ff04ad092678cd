/*
 * test-dnsd-resolver.c: the forwarding state machine (daemons/dnsd/resolver.c)
 * driven without sockets: server choice by zone and RTT, timeout -> failover,
 * SERVFAIL/REFUSED -> next server, TC -> TCP to the same server, answers with
 * the wrong source, ID or question ignored, a 0x20 case mismatch retried
 * afresh and the per-server fallback only after repeated evidence,
 * coalescing, the query bytes sent upstream.  The resolver's actions are
 * carried out by a fake I/O side (run()): SENDs recorded, CANCELs counted,
 * failed SENDs reported back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "resolver.h"

#define NS1 0x0a4d0101u
#define NS2 0x0a4d0102u
#define NS3 0x0a4d0201u

struct fake {
	uint32_t rnd;
	struct dnsd_upq *last;
	unsigned sends, abandons, finishes;
	int fail_send_to;              /* address whose sends fail, 0 = none */
	struct dnsd_upq sent[16];      /* copies of the tries, in order */
	struct dnsd_upq *ptr[16];      /* the queries of those tries */
	int finished_rcode;            /* -1 for NULL */
	unsigned finished_waiters;
	uint64_t finished_tokens[8];
};

static uint32_t fake_random(void *arg)
{
	struct fake *f = arg;

	f->rnd = f->rnd * 1103515245u + 12345u;
	return f->rnd >> 8;
}

static int fake_send(struct fake *f, struct dnsd_upq *q)
{
	if (f->fail_send_to && q->to.addr == (uint32_t)f->fail_send_to)
		return -1;
	if (f->sends < 16) {
		f->sent[f->sends] = *q;
		f->ptr[f->sends] = q;
	}
	f->sends++;
	f->last = q;
	q->io = f;
	return 0;
}

static void fake_finish(void *arg, struct dnsd_upq *q, const struct np_dns_msg *resp,
			struct dnsd_actions *out)
{
	struct fake *f = arg;

	(void)out;
	f->finishes++;
	f->finished_rcode = resp ? np_dns_msg_rcode(resp) : -1;
	f->finished_waiters = q->nwaiters;
	for (unsigned i = 0; i < q->nwaiters && i < 8; i++)
		f->finished_tokens[i] = q->waiters[i].token;
	f->last = NULL;
}

static void fake_abandon(struct fake *f, void *io)
{
	(void)io;
	f->abandons++;
}

static unsigned fallbacks_reported;

static void count_fallback(const struct dnsd_addr *server)
{
	(void)server;
	fallbacks_reported++;
}

/* The I/O side: carry out the resolver's actions in order, then clear them. */
static void run(struct dnsd_resolver *r, uint64_t now)
{
	struct dnsd_actions *a = &r->acts;
	struct fake *f = r->ops.arg;

	for (unsigned i = 0; i < a->n; i++) {
		switch (a->v[i].kind) {
		case DNSD_ACT_SEND: {
			struct dnsd_upq *q = a->v[i].u.q;

			if (fake_send(f, q) < 0)
				dnsd_res_send_failed(r, q, now);
			break;
		}
		case DNSD_ACT_CANCEL:
			fake_abandon(f, a->v[i].u.io);
			break;
		case DNSD_ACT_CAPS_FALLBACK:
			count_fallback(&a->v[i].u.server);
			break;
		case DNSD_ACT_DELIVER:
			fail_msg("the resolver delivers nothing itself");
			break;
		}
	}
	dnsd_actions_clear(a);
}

static int res_query(struct dnsd_resolver *r, const uint8_t *qname, size_t qlen,
		     uint16_t qtype, uint16_t qclass, int cd, const struct dnsd_waiter *w,
		     uint64_t now)
{
	int rc = dnsd_res_query(r, qname, qlen, qtype, qclass, cd, w, now);

	run(r, now);
	return rc;
}

static enum dnsd_res_verdict res_response(struct dnsd_resolver *r, struct dnsd_upq *q,
					  const struct dnsd_addr *from, bool tcp,
					  const uint8_t *buf, size_t len, uint64_t now)
{
	enum dnsd_res_verdict v = dnsd_res_response(r, q, from, tcp, buf, len, now);

	run(r, now);
	return v;
}

static void res_timeout(struct dnsd_resolver *r, struct dnsd_upq *q, uint64_t now)
{
	dnsd_res_timeout(r, q, now);
	run(r, now);
}

static struct dnsd_policy_conf conf;
static struct dnsd_upstream_set sets[2];

static void setup_conf(bool use_0x20)
{
	static const uint8_t corp[] = "\4corp\7example";

	memset(&conf, 0, sizeof(conf));
	memset(sets, 0, sizeof(sets));
	sets[0].zlen = 1;
	sets[0].servers[0] = (struct dnsd_addr){ NS1, 53 };
	sets[0].servers[1] = (struct dnsd_addr){ NS2, 5300 };
	sets[0].nservers = 2;
	memcpy(sets[1].zone, corp, sizeof(corp));
	sets[1].zlen = sizeof(corp);
	sets[1].servers[0] = (struct dnsd_addr){ NS3, 53 };
	sets[1].nservers = 1;
	conf.sets = sets;
	conf.nsets = 2;
	conf.use_0x20 = use_0x20;
	conf.upstream_timeout_ms = 1500;
}

static void start(struct dnsd_resolver *r, struct fake *f, bool use_0x20)
{
	struct dnsd_res_ops ops = { fake_random, fake_finish, f };

	memset(f, 0, sizeof(*f));
	f->rnd = 42;
	setup_conf(use_0x20);
	assert_int_equal(dnsd_res_init(r, &ops, &conf), 0);
}

static const uint8_t www[] = "\3www\7example\3net";

static struct dnsd_waiter waiter(uint64_t token)
{
	struct dnsd_waiter w = { .token = token, .id = (uint16_t)token, .udp_limit = 512 };

	memcpy(w.qname, www, sizeof(www));
	w.qlen = sizeof(www);
	return w;
}

/* An answer to q: flags as given, the question as q sent it (or name). */
static size_t answer(const struct dnsd_upq *q, uint16_t id, const uint8_t *name, size_t nlen,
		     unsigned rcode, int tc, uint8_t *buf, size_t cap)
{
	struct np_dns_header h = { .id = id, .qr = 1, .rd = 1, .ra = 1, .rcode = (uint8_t)rcode,
				   .tc = (uint8_t)tc };
	struct np_dns_builder b;
	struct np_dns_rdata rd = { .a = 0x0a4d0909 };
	int n;

	assert_int_equal(np_dns_builder_init(&b, buf, cap, cap, &h), 0);
	assert_int_equal(np_dns_add_question(&b, name ? name : q->qname, name ? nlen : q->qlen,
					     q->qtype, q->qclass), 0);
	if (rcode == 0 && !tc)
		assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_ANSWER, q->qname, q->qlen,
					       NP_DNS_TYPE_A, 1, 300, &rd), 0);
	n = np_dns_builder_finish(&b);
	assert_true(n > 0);
	return (size_t)n;
}

static enum dnsd_res_verdict reply(struct dnsd_resolver *r, struct dnsd_upq *q, unsigned rcode,
				   int tc, uint64_t now)
{
	uint8_t buf[512];
	size_t n = answer(q, q->id, NULL, 0, rcode, tc, buf, sizeof(buf));
	struct dnsd_addr from = q->to;

	return res_response(r, q, &from, q->tcp, buf, n, now);
}

static void answer_accepted_and_rtt_measured(void **state)
{
	struct dnsd_resolver r;
	struct fake f;
	struct dnsd_waiter w = waiter(7);
	struct dnsd_server *s;

	(void)state;
	start(&r, &f, false);
	assert_int_equal(res_query(&r, www, sizeof(www), 1, 1, 0, &w, 1000), 0);
	assert_int_equal(f.sends, 1);
	assert_false(f.last->tcp);
	assert_true(f.last->to.addr == NS1 || f.last->to.addr == NS2);
	/* an unmeasured server gets Unbound's initial 376 ms */
	assert_int_equal(f.last->deadline_ms, 1000 + DNSD_RTT_UNKNOWN_MS);
	s = &r.sets[0].servers[f.last->server];
	assert_int_equal(reply(&r, f.last, 0, 0, 1040), DNSD_RES_ACCEPTED);
	assert_int_equal(f.finishes, 1);
	assert_int_equal(f.finished_rcode, 0);
	assert_int_equal(f.finished_waiters, 1);
	assert_int_equal(f.finished_tokens[0], 7);
	assert_int_equal(s->srtt_ms, 40);
	assert_int_equal(s->rttvar_ms, 20);
	assert_int_equal(dnsd_res_rto(&r, s), 120);
	assert_int_equal(r.inflight, 0);
	assert_int_equal(r.stats.accepted, 1);
	dnsd_res_free(&r);
}

static void timeout_fails_over(void **state)
{
	struct dnsd_resolver r;
	struct fake f;
	struct dnsd_waiter w = waiter(1);
	uint32_t first;

	(void)state;
	start(&r, &f, false);
	res_query(&r, www, sizeof(www), 1, 1, 0, &w, 0);
	first = f.last->to.addr;
	res_timeout(&r, f.last, 400);
	assert_int_equal(f.sends, 2);
	assert_int_not_equal(f.last->to.addr, first);
	assert_int_equal(f.abandons, 1);
	/* the silent server's estimate doubled */
	assert_int_equal(r.sets[0].servers[first == NS1 ? 0 : 1].srtt_ms, 2 * DNSD_RTT_UNKNOWN_MS);
	assert_int_equal(r.sets[0].servers[first == NS1 ? 0 : 1].timeouts, 1);
	/* the second one is silent too: every server tried, SERVFAIL */
	res_timeout(&r, f.last, 800);
	assert_int_equal(f.finishes, 1);
	assert_int_equal(f.finished_rcode, -1);
	assert_int_equal(r.stats.timeouts, 2);
	assert_int_equal(r.stats.failed, 1);
	dnsd_res_free(&r);
}

static void slow_server_avoided(void **state)
{
	struct dnsd_resolver r;
	struct fake f;
	unsigned to_ns1 = 0;

	(void)state;
	start(&r, &f, false);
	r.sets[0].servers[0].srtt_ms = 900;    /* NS1 slow, NS2 fast */
	r.sets[0].servers[1].srtt_ms = 10;
	for (unsigned i = 0; i < 20; i++) {
		uint8_t name[32];
		int n = snprintf((char *)name + 1, sizeof(name) - 1, "h%u", i);

		name[0] = (uint8_t)n;
		memcpy(name + 1 + n, "\3net", 5);
		res_query(&r, name, (size_t)n + 6, 1, 1, 0, NULL, 0);
		to_ns1 += f.last->to.addr == NS1;
	}
	/* outside the 400 ms band: never chosen first */
	assert_int_equal(to_ns1, 0);
	dnsd_res_free(&r);
}

static void servfail_and_refused_next_server(void **state)
{
	struct dnsd_resolver r;
	struct fake f;
	struct dnsd_waiter w = waiter(1);
	uint32_t first;

	(void)state;
	start(&r, &f, false);
	res_query(&r, www, sizeof(www), 1, 1, 0, &w, 0);
	first = f.last->to.addr;
	assert_int_equal(reply(&r, f.last, 2, 0, 5), DNSD_RES_RETRY);
	assert_int_equal(f.sends, 2);
	assert_int_not_equal(f.last->to.addr, first);
	assert_int_equal(f.finishes, 0);
	assert_int_equal(reply(&r, f.last, 5, 0, 9), DNSD_RES_RETRY);
	assert_int_equal(f.finishes, 1);
	assert_int_equal(f.finished_rcode, -1);
	assert_int_equal(r.stats.servfail, 1);
	assert_int_equal(r.stats.refused, 1);
	dnsd_res_free(&r);
}

static void nxdomain_is_an_answer(void **state)
{
	struct dnsd_resolver r;
	struct fake f;

	(void)state;
	start(&r, &f, false);
	res_query(&r, www, sizeof(www), 1, 1, 0, NULL, 0);
	assert_int_equal(reply(&r, f.last, 3, 0, 5), DNSD_RES_ACCEPTED);
	assert_int_equal(f.finished_rcode, 3);
	assert_int_equal(f.sends, 1);
	dnsd_res_free(&r);
}

static void tc_retries_same_server_over_tcp(void **state)
{
	struct dnsd_resolver r;
	struct fake f;
	struct dnsd_waiter w = waiter(1);
	uint32_t first;
	uint16_t udp_id;

	(void)state;
	start(&r, &f, false);
	res_query(&r, www, sizeof(www), 1, 1, 0, &w, 0);
	first = f.last->to.addr;
	udp_id = f.last->id;
	assert_int_equal(reply(&r, f.last, 0, 1, 5), DNSD_RES_TCP);
	assert_int_equal(f.sends, 2);
	assert_true(f.last->tcp);
	assert_int_equal(f.last->to.addr, first);
	assert_int_not_equal(f.last->id, udp_id);
	assert_int_equal(f.last->deadline_ms, 5 + 1500);
	/* a late UDP answer is not the TCP one */
	{
		uint8_t buf[512];
		size_t n = answer(f.last, f.last->id, NULL, 0, 0, 0, buf, sizeof(buf));
		struct dnsd_addr from = f.last->to;

		assert_int_equal(res_response(&r, f.last, &from, false, buf, n, 6),
				 DNSD_RES_BAD_SOURCE);
	}
	assert_int_equal(reply(&r, f.last, 0, 0, 9), DNSD_RES_ACCEPTED);
	assert_int_equal(f.finished_rcode, 0);
	assert_int_equal(r.stats.tc_retries, 1);
	assert_int_equal(r.stats.sent_tcp, 1);
	dnsd_res_free(&r);
}

static void spoofed_answers_ignored(void **state)
{
	struct dnsd_resolver r;
	struct fake f;
	struct dnsd_waiter w = waiter(1);
	static const uint8_t other[] = "\4evil\7example\3net";
	uint8_t buf[512];
	size_t n;
	struct dnsd_upq *q;
	struct dnsd_addr from;

	(void)state;
	start(&r, &f, false);
	res_query(&r, www, sizeof(www), 1, 1, 0, &w, 0);
	q = f.last;
	/* wrong address */
	n = answer(q, q->id, NULL, 0, 0, 0, buf, sizeof(buf));
	from = (struct dnsd_addr){ 0x0a4d0663, q->to.port };
	assert_int_equal(res_response(&r, q, &from, false, buf, n, 1), DNSD_RES_BAD_SOURCE);
	/* wrong port */
	from = (struct dnsd_addr){ q->to.addr, (uint16_t)(q->to.port + 1) };
	assert_int_equal(res_response(&r, q, &from, false, buf, n, 1), DNSD_RES_BAD_SOURCE);
	/* wrong ID */
	from = q->to;
	n = answer(q, (uint16_t)(q->id + 1), NULL, 0, 0, 0, buf, sizeof(buf));
	assert_int_equal(res_response(&r, q, &from, false, buf, n, 1), DNSD_RES_BAD_ID);
	/* wrong question */
	n = answer(q, q->id, other, sizeof(other), 0, 0, buf, sizeof(buf));
	assert_int_equal(res_response(&r, q, &from, false, buf, n, 1),
			 DNSD_RES_BAD_QUESTION);
	/* not a response (QR clear) */
	n = answer(q, q->id, NULL, 0, 0, 0, buf, sizeof(buf));
	buf[2] &= 0x7f;
	assert_int_equal(res_response(&r, q, &from, false, buf, n, 1), DNSD_RES_BAD_ID);
	/* garbage */
	assert_int_equal(res_response(&r, q, &from, false, buf, 7, 1), DNSD_RES_MALFORMED);
	assert_int_equal(f.finishes, 0);
	assert_int_equal(f.sends, 1);
	assert_int_equal(r.stats.bad_source, 2);
	assert_int_equal(r.stats.bad_id, 2);
	assert_int_equal(r.stats.bad_question, 1);
	assert_int_equal(r.stats.malformed, 1);
	/* the real answer is still accepted */
	assert_int_equal(reply(&r, q, 0, 0, 2), DNSD_RES_ACCEPTED);
	assert_int_equal(f.finishes, 1);
	dnsd_res_free(&r);
}

static int has_upper(const struct dnsd_upq *q)
{
	int upper = 0;

	for (size_t i = 0; i < q->qlen; i++)
		upper += q->qname[i] >= 'A' && q->qname[i] <= 'Z';
	return upper > 0;
}

/* Answer q with the name lowercased (a server that does not keep the case). */
static enum dnsd_res_verdict reply_lowercase(struct dnsd_resolver *r, struct dnsd_upq *q,
					     uint64_t now)
{
	uint8_t lower[NP_DNS_NAME_MAX], buf[512];
	struct dnsd_addr from = q->to;
	size_t n;

	memcpy(lower, q->qname, q->qlen);
	np_dns_name_lower(lower, q->qlen);
	n = answer(q, q->id, lower, q->qlen, 0, 0, buf, sizeof(buf));
	return res_response(r, q, &from, q->tcp, buf, n, now);
}

/*
 * 0x20: a new random case on every try, checked octet for octet.  An answer
 * with the case changed is not used: the same server is asked afresh (new
 * ID, new case); one right answer then is accepted.
 */
static void case_0x20_checked_exactly(void **state)
{
	struct dnsd_resolver r;
	struct fake f;
	struct dnsd_upq *q;
	uint32_t server;

	(void)state;
	start(&r, &f, true);
	res_query(&r, www, sizeof(www), 1, 1, 0, NULL, 0);
	q = f.last;
	assert_true(has_upper(q));
	assert_true(q->caps);
	assert_true(np_dns_name_equal(q->qname, q->qlen, www, sizeof(www)));
	server = q->to.addr;
	assert_int_equal(reply_lowercase(&r, q, 1), DNSD_RES_RETRY);
	assert_int_equal(f.finishes, 0);
	assert_int_equal(f.sends, 2);
	assert_int_equal(f.abandons, 1);
	assert_int_equal(f.sent[1].to.addr, server);
	assert_int_not_equal(f.sent[1].id, f.sent[0].id);
	assert_true(f.sent[1].caps);
	assert_int_equal(memcmp(f.sent[1].qname, f.sent[0].qname, sizeof(www)) != 0, 1);
	assert_int_equal(r.stats.caps_mismatch, 1);
	assert_int_equal(r.stats.caps_retries, 1);
	assert_int_equal(r.stats.bad_question, 0);
	assert_int_equal(reply(&r, q, 0, 0, 2), DNSD_RES_ACCEPTED);
	assert_int_equal(f.finishes, 1);
	assert_int_equal(f.finished_rcode, 0);
	assert_int_equal(r.stats.caps_fallbacks, 0);
	dnsd_res_free(&r);
}

/*
 * A server that changes the case in DNSD_CAPS_RETRIES + 1 answers in a row
 * (each to a fresh ID and case) is asked without 0x20 for
 * DNSD_CAPS_FALLBACK_MS, reported once, and its answers are used; other
 * servers keep 0x20; after the time it is tried with 0x20 again.
 */
static void case_0x20_fallback_needs_repeated_evidence(void **state)
{
	struct dnsd_resolver r;
	struct fake f;
	struct dnsd_upq *q;
	struct dnsd_server *s;
	uint32_t server;
	unsigned i;

	(void)state;
	start(&r, &f, true);
	fallbacks_reported = 0;
	res_query(&r, www, sizeof(www), 1, 1, 0, NULL, 0);
	q = f.last;
	server = q->to.addr;
	s = &r.sets[0].servers[q->server];
	for (i = 0; i < DNSD_CAPS_RETRIES; i++) {
		assert_int_equal(reply_lowercase(&r, q, 10 + i), DNSD_RES_RETRY);
		assert_int_equal(q->to.addr, server);
		assert_true(q->caps);           /* still with 0x20: not enough evidence */
	}
	assert_int_equal(fallbacks_reported, 0);
	assert_int_equal(reply_lowercase(&r, q, 20), DNSD_RES_RETRY);
	assert_int_equal(fallbacks_reported, 1);
	assert_int_equal(r.stats.caps_fallbacks, 1);
	assert_int_equal(s->caps_fallbacks, 1);
	assert_int_equal(s->caps_mismatches, DNSD_CAPS_RETRIES + 1);
	/* asked again, now without 0x20, and its lowercase answer is used */
	assert_int_equal(q->to.addr, server);
	assert_false(q->caps);
	assert_false(has_upper(q));
	assert_int_equal(f.sends, DNSD_CAPS_RETRIES + 2);
	assert_int_equal(reply_lowercase(&r, q, 30), DNSD_RES_ACCEPTED);
	assert_int_equal(f.finishes, 1);
	assert_int_equal(f.finished_rcode, 0);

	/* The next query to that server goes without 0x20 at once, no report. */
	res_query(&r, www, sizeof(www), 1, 1, 0, NULL, 1000);
	q = f.last;
	if (q->to.addr != server) {     /* the other server keeps 0x20 */
		assert_true(q->caps);
		res_timeout(&r, q, 1400);
		q = f.last;
	}
	assert_int_equal(q->to.addr, server);
	assert_false(q->caps);
	assert_int_equal(reply_lowercase(&r, q, 1500), DNSD_RES_ACCEPTED);
	assert_int_equal(fallbacks_reported, 1);

	/* After DNSD_CAPS_FALLBACK_MS it gets 0x20 again. */
	res_query(&r, www, sizeof(www), 1, 1, 0, NULL, 20 + DNSD_CAPS_FALLBACK_MS);
	q = f.last;
	assert_true(q->caps);
	dnsd_res_free(&r);
}

/*
 * A case mismatch, then a right answer: the evidence starts over, so a
 * spoofer's forged mismatches interleaved with real answers never turn
 * 0x20 off.
 */
static void case_0x20_evidence_resets(void **state)
{
	struct dnsd_resolver r;
	struct fake f;
	struct dnsd_upq *q;

	(void)state;
	start(&r, &f, true);
	for (int round = 0; round < 4; round++) {
		res_query(&r, www, sizeof(www), 1, 1, 0, NULL, (uint64_t)round * 100);
		q = f.last;
		for (int i = 0; i < DNSD_CAPS_RETRIES; i++)
			assert_int_equal(reply_lowercase(&r, q, (uint64_t)round * 100 + 1),
					 DNSD_RES_RETRY);
		assert_true(q->caps);
		assert_int_equal(reply(&r, q, 0, 0, (uint64_t)round * 100 + 2), DNSD_RES_ACCEPTED);
	}
	assert_int_equal(r.stats.caps_fallbacks, 0);
	assert_int_equal(r.stats.caps_mismatch, 4 * DNSD_CAPS_RETRIES);
	dnsd_res_free(&r);
}

static void identical_questions_coalesced(void **state)
{
	struct dnsd_resolver r;
	struct fake f;
	struct dnsd_waiter w1 = waiter(1), w2 = waiter(2), w3 = waiter(3);
	static const uint8_t upper[] = "\3WWW\7example\3NET";

	(void)state;
	start(&r, &f, false);
	assert_int_equal(res_query(&r, www, sizeof(www), 1, 1, 0, &w1, 0), 0);
	assert_int_equal(res_query(&r, upper, sizeof(upper), 1, 1, 0, &w2, 1), 1);
	/* another type, or CD, is another question */
	assert_int_equal(res_query(&r, www, sizeof(www), 28, 1, 0, &w3, 1), 0);
	assert_int_equal(res_query(&r, www, sizeof(www), 1, 1, 1, &w3, 1), 0);
	assert_int_equal(f.sends, 3);
	assert_int_equal(r.inflight, 3);
	assert_int_equal(r.stats.coalesced, 1);
	assert_int_equal(reply(&r, f.ptr[0], 0, 0, 3), DNSD_RES_ACCEPTED);
	assert_int_equal(f.finished_waiters, 2);
	assert_int_equal(f.finished_tokens[0], 1);
	assert_int_equal(f.finished_tokens[1], 2);
	dnsd_res_free(&r);
	/* the two left finish with SERVFAIL when the resolver goes away */
	assert_int_equal(f.finishes, 3);
}

static void forward_zone_longest_match(void **state)
{
	struct dnsd_resolver r;
	struct fake f;
	static const uint8_t in_corp[] = "\4mail\4CORP\7example";
	static const uint8_t not_corp[] = "\6notcorp\7example";

	(void)state;
	start(&r, &f, false);
	assert_int_equal(dnsd_res_pick_set(&r, in_corp, sizeof(in_corp)), 1);
	assert_int_equal(dnsd_res_pick_set(&r, not_corp, sizeof(not_corp)), 0);
	res_query(&r, in_corp, sizeof(in_corp), 1, 1, 0, NULL, 0);
	assert_int_equal(f.last->to.addr, NS3);
	/* a lone server is tried twice, then SERVFAIL */
	res_timeout(&r, f.last, 400);
	assert_int_equal(f.last->to.addr, NS3);
	res_timeout(&r, f.last, 800);
	assert_int_equal(f.finished_rcode, -1);
	assert_int_equal(f.sends, 2);
	dnsd_res_free(&r);
}

static void send_failure_moves_on(void **state)
{
	struct dnsd_resolver r;
	struct fake f;

	(void)state;
	start(&r, &f, false);
	f.fail_send_to = (int)NS1;
	res_query(&r, www, sizeof(www), 1, 1, 0, NULL, 0);
	assert_int_equal(f.last->to.addr, NS2);
	f.fail_send_to = (int)NS2;
	res_timeout(&r, f.last, 400);
	assert_int_equal(f.finished_rcode, -1);
	assert_true(r.stats.send_errors >= 1);
	dnsd_res_free(&r);
}

static void no_upstream_refuses_at_once(void **state)
{
	struct dnsd_resolver r;
	struct fake f;

	(void)state;
	start(&r, &f, false);
	dnsd_res_free(&r);
	sets[0].nservers = 0;
	{
		struct dnsd_res_ops ops = { fake_random, fake_finish, &f };

		assert_int_equal(dnsd_res_init(&r, &ops, &conf), 0);
	}
	assert_int_equal(res_query(&r, www, sizeof(www), 1, 1, 0, NULL, 0), -1);
	assert_int_equal(f.sends, 0);
	dnsd_res_free(&r);
}

static void reload_keeps_rtt_and_queries(void **state)
{
	struct dnsd_resolver r;
	struct fake f;

	(void)state;
	start(&r, &f, false);
	r.sets[0].servers[1].srtt_ms = 33;
	res_query(&r, www, sizeof(www), 1, 1, 0, NULL, 0);
	sets[0].servers[0] = (struct dnsd_addr){ NS3, 53 };
	assert_int_equal(dnsd_res_configure(&r, &conf), 0);
	assert_int_equal(r.sets[0].servers[1].srtt_ms, 33);
	assert_int_equal(r.sets[0].servers[0].srtt_ms, 0);
	assert_int_equal(reply(&r, f.last, 0, 0, 10), DNSD_RES_ACCEPTED);
	dnsd_res_free(&r);
}

static void query_bytes(void **state)
{
	struct dnsd_upq q = { .qlen = sizeof(www), .qtype = 28, .qclass = 1, .id = 0xbeef, .cd = 1 };
	uint8_t buf[512];
	struct np_dns_msg m;
	struct np_dns_opt opt;
	struct np_dns_rr rr;
	int n;

	(void)state;
	memcpy(q.qname, www, sizeof(www));
	n = dnsd_res_build_query(&q, 1232, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(np_dns_msg_parse(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.id, 0xbeef);
	assert_true(m.hdr.rd && m.hdr.cd && !m.hdr.qr);
	assert_int_equal(np_dns_msg_question(&m, &rr), 0);
	assert_int_equal(rr.type, 28);
	assert_int_equal(np_dns_msg_opt(&m, &opt), 0);
	assert_int_equal(opt.udp_size, 1232);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(answer_accepted_and_rtt_measured),
		cmocka_unit_test(timeout_fails_over),
		cmocka_unit_test(slow_server_avoided),
		cmocka_unit_test(servfail_and_refused_next_server),
		cmocka_unit_test(nxdomain_is_an_answer),
		cmocka_unit_test(tc_retries_same_server_over_tcp),
		cmocka_unit_test(spoofed_answers_ignored),
		cmocka_unit_test(case_0x20_checked_exactly),
		cmocka_unit_test(case_0x20_fallback_needs_repeated_evidence),
		cmocka_unit_test(case_0x20_evidence_resets),
		cmocka_unit_test(identical_questions_coalesced),
		cmocka_unit_test(forward_zone_longest_match),
		cmocka_unit_test(send_failure_moves_on),
		cmocka_unit_test(no_upstream_refuses_at_once),
		cmocka_unit_test(reload_keeps_rtt_and_queries),
		cmocka_unit_test(query_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
