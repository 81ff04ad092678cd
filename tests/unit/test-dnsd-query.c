/*
 * test-dnsd-query.c: np-dnsd's message handler (daemons/dnsd/query.c) with
 * the real resolver, cache and local zone and fake sockets: access control,
 * malformed queries, opcodes and EDNS versions, the local zone, UPDATE from
 * allowed and refused addresses, answers through the upstream (the client's
 * ID and case, the cache afterwards with a lower TTL), truncation to the
 * client's size, SERVFAIL and serve-stale; CNAME chains that leave the
 * answering servers' names (into a forward zone, the local zone, out of a
 * forward zone) followed by np-dnsd's own query, and CNAME loops.  The
 * engine's actions are carried out by a fake I/O side (run()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "localzone.h"
#include "query.h"

#define CLIENT 0x0a4d0002u
#define UPDATER 0x0a4d0003u
#define REFUSED_NET_CLIENT 0x0a4d4001u
#define DENIED_CLIENT 0xc0a80001u
#define CORP_NS 0x0a4d0201u

struct fake {
	uint32_t rnd;
	struct dnsd_upq *sent;
	unsigned sends;
	uint8_t late[NP_DNS_MSG_MAX];
	size_t late_len;
	unsigned delivered;
	uint64_t token;
	unsigned fail_sends;           /* SENDs that fail from now on (reported back) */
	unsigned cancels;
};

static uint32_t f_random(void *arg)
{
	struct fake *f = arg;

	f->rnd = f->rnd * 1103515245u + 12345u;
	return f->rnd >> 4;
}

static int f_send(struct fake *f, struct dnsd_upq *q)
{
	if (f->fail_sends) {
		f->fail_sends--;
		return -1;
	}
	f->sent = q;
	f->sends++;
	q->io = q;                     /* the handle a CANCEL gives back */
	return 0;
}

static void f_abandon(struct fake *f, void *io)
{
	f->cancels++;
	if (f->sent == io)
		f->sent = NULL;
}

static void f_deliver(struct fake *f, uint64_t token, bool tcp, const uint8_t *msg, size_t len)
{
	(void)tcp;
	memcpy(f->late, msg, len);
	f->late_len = len;
	f->token = token;
	f->delivered++;
}

static const char *const printer_record[] = { "printer.lan. 300 IN A 10.77.0.50" };

struct env {
	struct dnsd_policy_conf conf;
	struct dnsd_upstream_set sets[2];
	struct dnsd_engine e;
	struct fake f;
	uint8_t out[NP_DNS_MSG_MAX];
	size_t outlen;
};

static int setup(void **state)
{
	struct env *v = calloc(1, sizeof(*v));
	struct dnsd_engine_ops ops = { f_random, NULL };

	assert_non_null(v);
	v->sets[0].zlen = 1;
	v->sets[0].servers[0] = (struct dnsd_addr){ 0x0a4d0102, 53 };
	v->sets[0].nservers = 1;
	/* corp.example. is forwarded to its own server */
	memcpy(v->sets[1].zone, "\4corp\7example", 14);
	v->sets[1].zlen = 14;
	v->sets[1].servers[0] = (struct dnsd_addr){ CORP_NS, 53 };
	v->sets[1].nservers = 1;
	v->conf.sets = v->sets;
	v->conf.nsets = 2;
	v->conf.cache_size = 1000;
	v->conf.max_ttl = 86400;
	v->conf.max_negative_ttl = 3600;
	v->conf.edns_buffer_size = 1232;
	v->conf.upstream_timeout_ms = 1000;
	memcpy(v->conf.local_zone, "\3lan", 5);
	v->conf.local_zone_len = 5;
	v->conf.local_records = printer_record;
	v->conf.nlocal_records = 1;
	v->conf.acl[0] = (struct dnsd_acl_entry){ 0x0a000000, 8, DNSD_ACL_ALLOW };
	v->conf.acl[1] = (struct dnsd_acl_entry){ 0x0a4d4000, 24, DNSD_ACL_REFUSE };
	v->conf.nacl = 2;
	v->conf.acl_given = true;
	v->conf.update_acl[0] = (struct dnsd_prefix){ UPDATER, 32 };
	v->conf.nupdate_acl = 1;
	v->f.rnd = 7;
	ops.arg = &v->f;
	assert_int_equal(dnsd_engine_init(&v->e, &v->conf, &ops), 0);
	*state = v;
	return 0;
}

static int teardown(void **state)
{
	struct env *v = *state;

	dnsd_engine_free(&v->e);
	free(v);
	return 0;
}

/* The I/O side: carry out the engine's actions in order, then clear them. */
static void run(struct env *v)
{
	struct dnsd_actions *a = dnsd_engine_actions(&v->e);

	for (unsigned i = 0; i < a->n; i++) {
		const struct dnsd_action *act = &a->v[i];

		switch (act->kind) {
		case DNSD_ACT_SEND:
			if (f_send(&v->f, act->u.q) < 0)
				dnsd_engine_send_failed(&v->e, act->u.q, v->e.now_ms);
			break;
		case DNSD_ACT_CANCEL:
			f_abandon(&v->f, act->u.io);
			break;
		case DNSD_ACT_DELIVER:
			f_deliver(&v->f, act->u.deliver.token, act->u.deliver.tcp,
				  dnsd_action_msg(a, act), act->u.deliver.len);
			break;
		case DNSD_ACT_CAPS_FALLBACK:
			break;
		}
	}
	dnsd_actions_clear(a);
}

static enum dnsd_verdict eng_query(struct env *v, const uint8_t *q, size_t len,
				   const struct dnsd_client *c, uint64_t now, uint8_t *out,
				   size_t cap, size_t *outlen)
{
	enum dnsd_verdict verdict = dnsd_engine_query(&v->e, q, len, c, now, out, cap, outlen);

	run(v);
	return verdict;
}

/* An upstream message, as the test gives it (e->now_ms left as it was). */
static enum dnsd_res_verdict res_response(struct env *v, struct dnsd_upq *q,
					  const struct dnsd_addr *from, bool tcp,
					  const uint8_t *buf, size_t len, uint64_t now)
{
	enum dnsd_res_verdict verdict = dnsd_res_response(&v->e.res, q, from, tcp, buf, len, now);

	run(v);
	return verdict;
}

static void res_timeout(struct env *v, struct dnsd_upq *q, uint64_t now)
{
	dnsd_res_timeout(&v->e.res, q, now);
	run(v);
}

/* A query: edns 0 = none, else the payload size (version in ver). */
static size_t make_query(uint8_t *buf, uint16_t id, unsigned opcode, const uint8_t *name,
			 size_t nlen, uint16_t qtype, uint16_t qclass, unsigned edns, unsigned ver)
{
	struct np_dns_header h = { .id = id, .rd = 1, .opcode = (uint8_t)opcode };
	struct np_dns_builder b;
	struct np_dns_opt opt = { .udp_size = (uint16_t)edns, .version = (uint8_t)ver };

	assert_int_equal(np_dns_builder_init(&b, buf, 512, 512, &h), 0);
	assert_int_equal(np_dns_add_question(&b, name, nlen, qtype, qclass), 0);
	if (edns)
		assert_int_equal(np_dns_add_opt(&b, &opt), 0);
	return (size_t)np_dns_builder_finish(&b);
}

static enum dnsd_verdict ask(struct env *v, uint32_t from, bool tcp, const uint8_t *q,
			     size_t len, uint64_t now)
{
	struct dnsd_client c = { .addr = from, .port = 5000, .tcp = tcp, .token = 99 };

	return eng_query(v, q, len, &c, now, v->out, sizeof(v->out), &v->outlen);
}

static void parse(const uint8_t *buf, size_t len, struct np_dns_msg *m)
{
	assert_int_equal(np_dns_msg_parse(buf, len, m), 0);
	assert_true(m->hdr.qr);
}

static const uint8_t www[] = "\3www\7example\3net";
static const uint8_t www_mixed[] = "\3wWw\7ExAmple\3NET";

/* The upstream's answer to the query in flight: n A records, TTL ttl. */
static size_t upstream_answer(const struct dnsd_upq *q, unsigned n, uint32_t ttl, unsigned rcode,
			      uint8_t *buf)
{
	struct np_dns_header h = { .id = q->id, .qr = 1, .rd = 1, .ra = 1, .rcode = (uint8_t)rcode };
	struct np_dns_builder b;

	assert_int_equal(np_dns_builder_init(&b, buf, 4096, 4096, &h), 0);
	assert_int_equal(np_dns_add_question(&b, q->qname, q->qlen, q->qtype, q->qclass), 0);
	for (unsigned i = 0; i < n; i++) {
		struct np_dns_rdata rd = { .a = 0x0a4d0100 + i };

		assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_ANSWER, q->qname, q->qlen,
					       NP_DNS_TYPE_A, 1, ttl, &rd), 0);
	}
	return (size_t)np_dns_builder_finish(&b);
}

static void acl_deny_and_refuse(void **state)
{
	struct env *v = *state;
	uint8_t q[512];
	size_t n = make_query(q, 1, 0, www, sizeof(www), 1, 1, 0, 0);
	struct np_dns_msg m;

	assert_int_equal(ask(v, DENIED_CLIENT, false, q, n, 1), DNSD_DROP);
	assert_int_equal(v->e.stats.acl_denied, 1);
	assert_int_equal(ask(v, REFUSED_NET_CLIENT, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_REFUSED);
	assert_int_equal(m.hdr.id, 1);
	assert_int_equal(m.hdr.count[0], 1);
	assert_int_equal(v->f.sends, 0);
}

/*
 * UDP from port 0 (no answer can reach it) or from echo, daytime, chargen
 * and time (7, 13, 19, 37: they answer anything, a reflection loop) is
 * dropped and counted, from any client; TCP cannot be forged that way.
 */
static void udp_source_ports_refused(void **state)
{
	static const uint16_t bad[] = { 0, 7, 13, 19, 37 };
	struct env *v = *state;
	uint8_t q[512];
	size_t n = make_query(q, 1, 0, www, sizeof(www), 1, 1, 0, 0);
	struct dnsd_client c = { .addr = CLIENT, .tcp = false, .token = 99 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.port = bad[i];
		assert_int_equal(eng_query(v, q, n, &c, 1, v->out, sizeof(v->out),
						   &v->outlen), DNSD_DROP);
	}
	assert_int_equal(v->e.stats.dropped_bad_port, 5);
	assert_int_equal(v->e.stats.queries, 0);
	assert_int_equal(v->f.sends, 0);
	/* Ports next to them, 53 (old resolvers), and TCP from port 7 are served. */
	for (c.port = 1; c.port <= 100; c.port++) {
		if (dnsd_udp_port_refused(c.port))
			continue;
		assert_int_not_equal(eng_query(v, q, n, &c, 1, v->out, sizeof(v->out),
						       &v->outlen), DNSD_DROP);
	}
	c.port = 7;
	c.tcp = true;
	assert_int_not_equal(eng_query(v, q, n, &c, 1, v->out, sizeof(v->out),
					       &v->outlen), DNSD_DROP);
	assert_int_equal(v->e.stats.dropped_bad_port, 5);
}

static void malformed(void **state)
{
	struct env *v = *state;
	uint8_t q[512];
	size_t n = make_query(q, 0x1234, 0, www, sizeof(www), 1, 1, 0, 0);
	struct np_dns_msg m;

	/* runt, and a response: dropped */
	assert_int_equal(ask(v, CLIENT, false, q, 11, 1), DNSD_DROP);
	q[2] |= 0x80;
	assert_int_equal(ask(v, CLIENT, false, q, n, 1), DNSD_DROP);
	q[2] &= 0x7f;
	assert_int_equal(v->e.stats.dropped_malformed, 2);
	/* the question cut short: FORMERR with the ID */
	assert_int_equal(ask(v, CLIENT, false, q, n - 3, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_FORMERR);
	assert_int_equal(m.hdr.id, 0x1234);
	/* no question */
	q[5] = 0;
	assert_int_equal(ask(v, CLIENT, false, q, 12, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_FORMERR);
	assert_int_equal(v->e.stats.formerr, 2);
}

static void opcodes_classes_versions(void **state)
{
	struct env *v = *state;
	uint8_t q[512];
	struct np_dns_msg m;
	size_t n;

	n = make_query(q, 2, 2 /* STATUS */, www, sizeof(www), 1, 1, 0, 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_NOTIMP);
	n = make_query(q, 3, 0, www, sizeof(www), 1, 1, 1232, 1);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(np_dns_msg_rcode(&m), NP_DNS_RCODE_BADVERS);
	n = make_query(q, 4, 0, www, sizeof(www), 1, 3 /* CH */, 0, 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_REFUSED);
	n = make_query(q, 5, 0, www, sizeof(www), 252 /* AXFR */, 1, 0, 0);
	assert_int_equal(ask(v, CLIENT, true, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_REFUSED);
	assert_int_equal(v->f.sends, 0);
}

static void local_zone_authoritative(void **state)
{
	struct env *v = *state;
	static const uint8_t printer[] = "\7printer\3lan";
	static const uint8_t nosuch[] = "\6nosuch\3lan";
	uint8_t q[512];
	struct np_dns_msg m;
	size_t n;

	n = make_query(q, 6, 0, printer, sizeof(printer), 1, 1, 1232, 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_true(m.hdr.aa);
	assert_int_equal(m.hdr.rcode, 0);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 1);
	assert_true(m.opt_off != 0);
	n = make_query(q, 7, 0, nosuch, sizeof(nosuch), 1, 1, 0, 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_NXDOMAIN);
	assert_true(m.hdr.aa);
	/* never forwarded */
	assert_int_equal(v->f.sends, 0);
	assert_int_equal(v->e.stats.local_answers, 2);
}

static size_t make_update(uint8_t *buf, uint16_t id)
{
	struct np_dns_header h = { .id = id, .opcode = 5 };
	struct np_dns_builder b;
	struct np_dns_rdata rd = { .a = 0x0a4d003d };
	static const uint8_t host[] = "\5host1\3lan";

	assert_int_equal(np_dns_builder_init(&b, buf, 512, 512, &h), 0);
	assert_int_equal(np_dns_add_question(&b, (const uint8_t *)"\3lan", 5, NP_DNS_TYPE_SOA, 1), 0);
	/* RFC 2136 §2.5.1: the update section is the authority section */
	assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_AUTHORITY, host, sizeof(host), NP_DNS_TYPE_A,
				       1, 300, &rd), 0);
	return (size_t)np_dns_builder_finish(&b);
}

static void update_acl(void **state)
{
	struct env *v = *state;
	static const uint8_t host[] = "\5host1\3lan";
	uint8_t q[512];
	struct np_dns_msg m;
	size_t n = make_update(q, 8);

	assert_int_equal(ask(v, CLIENT, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_REFUSED);
	assert_int_equal(m.hdr.opcode, 5);
	assert_int_equal(v->e.stats.updates_refused, 1);
	assert_int_equal(ask(v, UPDATER, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, 0);
	assert_int_equal(v->e.stats.updates, 1);
	n = make_query(q, 9, 0, host, sizeof(host), 1, 1, 0, 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 1);
	/* RFC 2136 §2.5.2 delete an RRset: class ANY, TTL 0, empty rdata */
	{
		struct np_dns_header h = { .id = 10, .opcode = 5 };
		struct np_dns_builder b;

		assert_int_equal(np_dns_builder_init(&b, q, 512, 512, &h), 0);
		assert_int_equal(np_dns_add_question(&b, (const uint8_t *)"\3lan", 5,
						     NP_DNS_TYPE_SOA, 1), 0);
		assert_int_equal(np_dns_add_raw(&b, NP_DNS_SEC_AUTHORITY, host, sizeof(host),
						NP_DNS_TYPE_A, NP_DNS_CLASS_ANY, 0, NULL, 0), 0);
		n = (size_t)np_dns_builder_finish(&b);
	}
	assert_int_equal(ask(v, UPDATER, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, 0);
	n = make_query(q, 11, 0, host, sizeof(host), 1, 1, 0, 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_NXDOMAIN);
}

static void reload_keeps_dynamic_names(void **state)
{
	struct env *v = *state;
	static const uint8_t host[] = "\5host1\3lan";
	uint8_t q[512];
	struct np_dns_msg m;
	size_t n = make_update(q, 8);

	assert_int_equal(ask(v, UPDATER, false, q, n, 1), DNSD_ANSWER);
	/* A reload: the zone is built again from the records, the dynamic name kept. */
	assert_int_equal(dnsd_engine_configure(&v->e, &v->conf), 0);
	/* the static record is not copied, the dynamic one is */
	assert_int_equal(v->e.reload_kept, 1);
	assert_int_equal(v->e.reload_dropped, 0);
	n = make_query(q, 9, 0, host, sizeof(host), 1, 1, 0, 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 1);
}

/*
 * A SEND the I/O side cannot carry out is reported back: the next try
 * (the lone server's second one) goes out in the same pass; when that
 * fails too, the client's SERVFAIL comes as a DELIVER in the same pass,
 * and nothing stays in flight or is left to cancel.  (The same checks hold
 * for the callbacks the actions replaced: send() failing moved on at once.)
 */
static void send_failures_reported_back(void **state)
{
	struct env *v = *state;
	uint8_t q[512];
	struct np_dns_msg m;
	size_t n = make_query(q, 0x4242, 0, www, sizeof(www), 1, 1, 0, 0);

	v->f.fail_sends = 1;
	assert_int_equal(ask(v, CLIENT, false, q, n, 1000), DNSD_PENDING);
	assert_int_equal(v->f.sends, 1);
	assert_non_null(v->f.sent);
	assert_int_equal(v->e.res.stats.send_errors, 1);
	assert_int_equal(v->f.delivered, 0);
	assert_int_equal(dnsd_engine_actions(&v->e)->n, 0);
	/* its second try times out: the lone server had both, SERVFAIL */
	dnsd_engine_timeout(&v->e, v->f.sent, 1400);
	run(v);
	assert_int_equal(v->f.cancels, 1);
	assert_int_equal(v->f.delivered, 1);
	assert_int_equal(v->e.res.inflight, 0);

	/* every try fails to go out: SERVFAIL to the client at once */
	n = make_query(q, 0x4343, 0, www, sizeof(www), 28, 1, 0, 0);
	v->f.fail_sends = 2;
	v->f.sent = NULL;
	assert_int_equal(ask(v, CLIENT, false, q, n, 2000), DNSD_PENDING);
	assert_null(v->f.sent);
	assert_int_equal(v->f.delivered, 2);
	assert_int_equal(v->f.token, 99);
	parse(v->f.late, v->f.late_len, &m);
	assert_int_equal(m.hdr.id, 0x4343);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_SERVFAIL);
	assert_int_equal(v->e.res.inflight, 0);
	assert_int_equal(v->f.cancels, 1);          /* nothing went out to cancel */
	assert_int_equal(v->e.res.stats.send_errors, 3);
}

static void upstream_then_cache(void **state)
{
	struct env *v = *state;
	uint8_t q[512], r[4096];
	struct np_dns_msg m;
	struct np_dns_rr rr;
	struct np_dns_iter it;
	struct dnsd_addr from;
	size_t n = make_query(q, 0xabcd, 0, www_mixed, sizeof(www_mixed), 1, 1, 1232, 0), rn;

	assert_int_equal(ask(v, CLIENT, false, q, n, 1000), DNSD_PENDING);
	assert_non_null(v->f.sent);
	/* sent lowercased (no 0x20), with RD */
	assert_memory_equal(v->f.sent->qname, www, sizeof(www));
	rn = upstream_answer(v->f.sent, 2, 300, 0, r);
	from = v->f.sent->to;
	assert_int_equal(res_response(v, v->f.sent, &from, false, r, rn, 1010),
			 DNSD_RES_ACCEPTED);
	assert_int_equal(v->f.delivered, 1);
	assert_int_equal(v->f.token, 99);
	parse(v->f.late, v->f.late_len, &m);
	assert_int_equal(m.hdr.id, 0xabcd);
	assert_true(m.hdr.ra && m.hdr.rd && !m.hdr.aa);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 2);
	np_dns_iter_init(&it, &m);
	assert_int_equal(np_dns_iter_next(&it, &rr), 1);
	/* the client's own case in the question */
	assert_memory_equal(rr.owner, www_mixed, sizeof(www_mixed));
	/* 100 s later from the cache, TTL 200, no upstream query */
	n = make_query(q, 0x1111, 0, www, sizeof(www), 1, 1, 0, 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 101000), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.id, 0x1111);
	np_dns_iter_init(&it, &m);
	assert_int_equal(np_dns_iter_next(&it, &rr), 1);
	assert_int_equal(np_dns_iter_next(&it, &rr), 1);
	assert_int_equal(rr.section, NP_DNS_SEC_ANSWER);
	assert_true(rr.ttl <= 200 && rr.ttl >= 199);
	assert_int_equal(v->f.sends, 1);
	assert_int_equal(v->e.stats.cache_answers, 1);
}

/* ---- Trust follows authority ------------------------------------------ */

/* One record "owner TYPE data" of a scripted upstream answer (A or CNAME). */
static void add_text_rr(struct np_dns_builder *b, const char *owner, uint16_t type,
			const char *data)
{
	uint8_t o[NP_DNS_NAME_MAX];
	struct np_dns_rdata rd;
	int ol = np_dns_name_from_text(owner, o, sizeof(o));

	assert_true(ol > 0);
	memset(&rd, 0, sizeof(rd));
	if (type == NP_DNS_TYPE_A) {
		unsigned a, b2, c, d;

		assert_int_equal(sscanf(data, "%u.%u.%u.%u", &a, &b2, &c, &d), 4);
		rd.a = a << 24 | b2 << 16 | c << 8 | d;
	} else {
		int n = np_dns_name_from_text(data, rd.name.name, sizeof(rd.name.name));

		assert_true(n > 0);
		rd.name.len = (size_t)n;
	}
	assert_int_equal(np_dns_add_rr(b, NP_DNS_SEC_ANSWER, o, (size_t)ol, type, 1, 86400, &rd),
			 0);
}

/*
 * The server of the query in flight answers with recs, a NULL-ended list
 * of "owner", "A" or "CNAME", "data" triples.  Returns the verdict.
 */
static enum dnsd_res_verdict upstream_says(struct env *v, uint64_t now, const char *const *recs)
{
	struct dnsd_upq *q = v->f.sent;
	struct np_dns_header h = { .id = q->id, .qr = 1, .rd = 1, .ra = 1 };
	struct np_dns_builder b;
	struct dnsd_addr from = q->to;
	uint8_t buf[4096];
	int n;

	assert_int_equal(np_dns_builder_init(&b, buf, sizeof(buf), sizeof(buf), &h), 0);
	assert_int_equal(np_dns_add_question(&b, q->qname, q->qlen, q->qtype, q->qclass), 0);
	for (; recs[0]; recs += 3)
		add_text_rr(&b, recs[0], strcmp(recs[1], "A") ? NP_DNS_TYPE_CNAME : NP_DNS_TYPE_A,
			    recs[2]);
	n = np_dns_builder_finish(&b);
	assert_true(n > 0);
	return res_response(v, q, &from, false, buf, (size_t)n, now);
}

static enum dnsd_verdict ask_name(struct env *v, const char *name, uint64_t now)
{
	uint8_t w[NP_DNS_NAME_MAX], q[512];
	int wl = np_dns_name_from_text(name, w, sizeof(w));
	size_t n;

	assert_true(wl > 0);
	n = make_query(q, 0x5151, 0, w, (size_t)wl, NP_DNS_TYPE_A, 1, 1232, 0);
	return ask(v, CLIENT, false, q, n, now);
}

/* The A records of an answer, as text "a.b.c.d " each, and whether a CNAME to target is there. */
static void answer_text(const uint8_t *buf, size_t len, char *out, size_t cap, int *rcode)
{
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;
	char name[NP_DNS_NAME_TEXT_MAX], one[NP_DNS_NAME_TEXT_MAX * 2 + 32];

	parse(buf, len, &m);
	*rcode = m.hdr.rcode;
	out[0] = 0;
	np_dns_iter_init(&it, &m);
	while (np_dns_iter_next(&it, &rr) > 0) {
		if (rr.section != NP_DNS_SEC_ANSWER)
			continue;
		assert_int_equal(np_dns_rr_rdata(&m, &rr, &rd), 0);
		assert_true(np_dns_name_to_text(rr.owner, rr.owner_len, name, sizeof(name)) > 0);
		if (rr.type == NP_DNS_TYPE_A) {
			snprintf(one, sizeof(one), "%s A %u.%u.%u.%u; ", name, rd.a >> 24,
				 (rd.a >> 16) & 255, (rd.a >> 8) & 255, rd.a & 255);
		} else {
			char t[NP_DNS_NAME_TEXT_MAX];

			assert_true(np_dns_name_to_text(rd.name.name, rd.name.len, t, sizeof(t)) > 0);
			snprintf(one, sizeof(one), "%s CNAME %s; ", name, t);
		}
		assert_true(strlen(out) + strlen(one) < cap);
		strcat(out, one);
	}
}

/*
 * The default upstream answers cross.example.com with a CNAME into the
 * forward zone corp.example and an A for the target: the A is not
 * believed; the target is asked of corp.example's server, and the client
 * gets the CNAME and that server's answer.  Asked directly afterwards, the
 * target is that server's address (from the cache, no query).
 */
static void cname_into_forward_zone_asked_there(void **state)
{
	static const char *const hostile[] = {
		"cross.example.com.", "CNAME", "www.corp.example.",
		"www.corp.example.", "A", "6.6.6.6", NULL };
	static const char *const corp[] = { "www.corp.example.", "A", "10.77.1.80", NULL };
	struct env *v = *state;
	char text[1024];
	int rcode;

	assert_int_equal(ask_name(v, "cross.example.com.", 1000), DNSD_PENDING);
	assert_int_equal(v->f.sent->to.addr, 0x0a4d0102);
	assert_int_equal(upstream_says(v, 1010, hostile), DNSD_RES_ACCEPTED);
	assert_int_equal(v->f.delivered, 0);
	assert_int_equal(v->f.sends, 2);
	assert_int_equal(v->f.sent->to.addr, CORP_NS);
	assert_true(np_dns_name_equal(v->f.sent->qname, v->f.sent->qlen,
				      (const uint8_t *)"\3www\4corp\7example", 18));
	assert_int_equal(upstream_says(v, 1020, corp), DNSD_RES_ACCEPTED);
	assert_int_equal(v->f.delivered, 1);
	answer_text(v->f.late, v->f.late_len, text, sizeof(text), &rcode);
	assert_int_equal(rcode, 0);
	assert_string_equal(text, "cross.example.com. CNAME www.corp.example.; "
				  "www.corp.example. A 10.77.1.80; ");
	assert_int_equal(v->e.stats.cname_restarts, 1);
	assert_true(v->e.stats.scrubbed_records >= 1);

	assert_int_equal(ask_name(v, "www.corp.example.", 2000), DNSD_ANSWER);
	answer_text(v->out, v->outlen, text, sizeof(text), &rcode);
	assert_string_equal(text, "www.corp.example. A 10.77.1.80; ");
	assert_int_equal(ask_name(v, "cross.example.com.", 2000), DNSD_ANSWER);
	answer_text(v->out, v->outlen, text, sizeof(text), &rcode);
	assert_string_equal(text, "cross.example.com. CNAME www.corp.example.; "
				  "www.corp.example. A 10.77.1.80; ");
	assert_int_equal(v->f.sends, 2);
}

/* A CNAME into the local zone: the local zone answers the target, never the upstream. */
static void cname_into_local_zone_answered_locally(void **state)
{
	static const char *const hostile[] = {
		"tolan.example.com.", "CNAME", "printer.lan.",
		"printer.lan.", "A", "6.6.6.6", NULL };
	struct env *v = *state;
	char text[1024];
	int rcode;

	assert_int_equal(ask_name(v, "tolan.example.com.", 1000), DNSD_PENDING);
	assert_int_equal(upstream_says(v, 1010, hostile), DNSD_RES_ACCEPTED);
	assert_int_equal(v->f.delivered, 1);
	assert_int_equal(v->f.sends, 1);
	answer_text(v->f.late, v->f.late_len, text, sizeof(text), &rcode);
	assert_int_equal(rcode, 0);
	assert_string_equal(text, "tolan.example.com. CNAME printer.lan.; "
				  "printer.lan. A 10.77.0.50; ");
}

/* A forward zone's server answering for a name outside its zone: asked of the default upstream. */
static void cname_out_of_forward_zone(void **state)
{
	static const char *const corp[] = {
		"out.corp.example.", "CNAME", "bank.example.org.",
		"bank.example.org.", "A", "6.6.6.6", NULL };
	static const char *const root[] = { "bank.example.org.", "A", "10.77.1.77", NULL };
	struct env *v = *state;
	char text[1024];
	int rcode;

	assert_int_equal(ask_name(v, "out.corp.example.", 1000), DNSD_PENDING);
	assert_int_equal(v->f.sent->to.addr, CORP_NS);
	assert_int_equal(upstream_says(v, 1010, corp), DNSD_RES_ACCEPTED);
	assert_int_equal(v->f.delivered, 0);
	assert_int_equal(v->f.sent->to.addr, 0x0a4d0102);
	assert_int_equal(upstream_says(v, 1020, root), DNSD_RES_ACCEPTED);
	answer_text(v->f.late, v->f.late_len, text, sizeof(text), &rcode);
	assert_string_equal(text, "out.corp.example. CNAME bank.example.org.; "
				  "bank.example.org. A 10.77.1.77; ");
}

/* CNAME loops, in one answer or across two servers, are SERVFAIL (as Unbound answers). */
static void cname_loops_servfail(void **state)
{
	static const char *const loop[] = {
		"loop.example.com.", "CNAME", "loop2.example.com.",
		"loop2.example.com.", "CNAME", "loop.example.com.", NULL };
	static const char *const a[] = { "a.example.com.", "CNAME", "b.corp.example.", NULL };
	static const char *const b[] = { "b.corp.example.", "CNAME", "a.example.com.", NULL };
	struct env *v = *state;
	char text[1024];
	int rcode;

	assert_int_equal(ask_name(v, "loop.example.com.", 1000), DNSD_PENDING);
	assert_int_equal(upstream_says(v, 1010, loop), DNSD_RES_ACCEPTED);
	assert_int_equal(v->f.delivered, 1);
	answer_text(v->f.late, v->f.late_len, text, sizeof(text), &rcode);
	assert_int_equal(rcode, NP_DNS_RCODE_SERVFAIL);
	assert_string_equal(text, "");

	assert_int_equal(ask_name(v, "a.example.com.", 2000), DNSD_PENDING);
	assert_int_equal(upstream_says(v, 2010, a), DNSD_RES_ACCEPTED);
	assert_int_equal(v->f.sent->to.addr, CORP_NS);
	assert_int_equal(upstream_says(v, 2020, b), DNSD_RES_ACCEPTED);
	assert_int_equal(v->f.delivered, 2);
	answer_text(v->f.late, v->f.late_len, text, sizeof(text), &rcode);
	assert_int_equal(rcode, NP_DNS_RCODE_SERVFAIL);
	assert_int_equal(v->e.stats.cname_loops, 2);
}

static void truncated_to_client_size(void **state)
{
	struct env *v = *state;
	uint8_t q[512], r[4096];
	struct np_dns_msg m;
	struct dnsd_addr from;
	size_t n = make_query(q, 1, 0, www, sizeof(www), 1, 1, 0, 0), rn;

	/* 60 A records: about 1000 octets */
	assert_int_equal(ask(v, CLIENT, false, q, n, 1000), DNSD_PENDING);
	rn = upstream_answer(v->f.sent, 60, 300, 0, r);
	from = v->f.sent->to;
	res_response(v, v->f.sent, &from, false, r, rn, 1001);
	parse(v->f.late, v->f.late_len, &m);
	assert_true(v->f.late_len <= 512);
	assert_true(m.hdr.tc);
	/* EDNS 4096 is capped at our 1232: fits */
	n = make_query(q, 2, 0, www, sizeof(www), 1, 1, 4096, 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 2000), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_false(m.hdr.tc);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 60);
	/* EDNS 600: truncated within 600 */
	n = make_query(q, 3, 0, www, sizeof(www), 1, 1, 600, 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 2000), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_true(m.hdr.tc);
	assert_true(v->outlen <= 600);
	/* TCP: everything */
	n = make_query(q, 4, 0, www, sizeof(www), 1, 1, 0, 0);
	assert_int_equal(ask(v, CLIENT, true, q, n, 2000), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_false(m.hdr.tc);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 60);
	assert_true(v->e.stats.truncated >= 2);
}

static void servfail_and_stale(void **state)
{
	struct env *v = *state;
	uint8_t q[512], r[4096];
	struct np_dns_msg m;
	struct dnsd_addr from;
	size_t n = make_query(q, 1, 0, www, sizeof(www), 1, 1, 0, 0), rn;

	/* the lone upstream is silent twice: SERVFAIL */
	assert_int_equal(ask(v, CLIENT, false, q, n, 1000), DNSD_PENDING);
	res_timeout(v, v->f.sent, 1400);
	res_timeout(v, v->f.sent, 1800);
	parse(v->f.late, v->f.late_len, &m);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_SERVFAIL);
	/* with serve_stale, an expired entry answers when the upstream fails */
	v->conf.serve_stale = true;
	assert_int_equal(dnsd_engine_configure(&v->e, &v->conf), 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 2000), DNSD_PENDING);
	rn = upstream_answer(v->f.sent, 1, 10, 0, r);
	from = v->f.sent->to;
	res_response(v, v->f.sent, &from, false, r, rn, 2001);
	assert_int_equal(ask(v, CLIENT, false, q, n, 60000), DNSD_PENDING);
	res_timeout(v, v->f.sent, 60400);
	res_timeout(v, v->f.sent, 60800);
	parse(v->f.late, v->f.late_len, &m);
	assert_int_equal(m.hdr.rcode, 0);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 1);
	assert_int_equal(v->e.stats.stale_answers, 1);
}

static void no_upstream_servfail_now(void **state)
{
	struct env *v = *state;
	uint8_t q[512];
	struct np_dns_msg m;
	size_t n = make_query(q, 1, 0, www, sizeof(www), 1, 1, 0, 0);

	v->sets[0].nservers = 0;
	assert_int_equal(dnsd_engine_configure(&v->e, &v->conf), 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1000), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_SERVFAIL);
}

/*
 * A reload that changes which servers answer for a zone drops the cache:
 * its data was believed only for the servers responsible then.  A reload
 * that keeps the zones and servers keeps it.
 */
static void reload_flushes_when_authority_changes(void **state)
{
	struct env *v = *state;
	struct dnsd_policy_conf same = v->conf, moved = v->conf;
	struct dnsd_upstream_set same_sets[2], moved_sets[2];
	uint8_t q[512], r[4096];
	struct dnsd_addr from;
	size_t n = make_query(q, 1, 0, www, sizeof(www), 1, 1, 0, 0), rn;

	assert_int_equal(ask(v, CLIENT, false, q, n, 1000), DNSD_PENDING);
	rn = upstream_answer(v->f.sent, 1, 300, 0, r);
	from = v->f.sent->to;
	res_response(v, v->f.sent, &from, false, r, rn, 1001);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1002), DNSD_ANSWER);

	memcpy(same_sets, v->sets, sizeof(same_sets));
	same.sets = same_sets;
	assert_int_equal(dnsd_engine_configure(&v->e, &same), 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1003), DNSD_ANSWER);
	assert_int_equal(v->e.stats.reload_flushed, 0);

	memcpy(moved_sets, v->sets, sizeof(moved_sets));
	moved_sets[0].servers[0].addr = 0x0a4d0109;     /* other default upstream */
	moved.sets = moved_sets;
	assert_int_equal(dnsd_engine_configure(&v->e, &moved), 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1004), DNSD_PENDING);
	assert_true(v->e.stats.reload_flushed >= 1);
	dnsd_engine_configure(&v->e, &v->conf);     /* conf outlives the locals */
}

static void stat_type_names(void **state)
{
	(void)state;
	assert_string_equal(dnsd_stat_type_name(dnsd_stat_type_index(28)), "AAAA");
	assert_string_equal(dnsd_stat_type_name(dnsd_stat_type_index(999)), "other");
}

/* ---- DNSSEC pass-through, RA, TSIG ------------------------------------- */

/* A query with EDNS and DO (RFC 3225). */
static size_t make_do_query(uint8_t *buf, uint16_t id, const uint8_t *name, size_t nlen,
			    uint16_t qtype, bool do_bit)
{
	struct np_dns_header h = { .id = id, .rd = 1 };
	struct np_dns_builder b;
	struct np_dns_opt opt = { .udp_size = 1232, .do_bit = do_bit };

	assert_int_equal(np_dns_builder_init(&b, buf, 512, 512, &h), 0);
	assert_int_equal(np_dns_add_question(&b, name, nlen, qtype, 1), 0);
	assert_int_equal(np_dns_add_opt(&b, &opt), 0);
	return (size_t)np_dns_builder_finish(&b);
}

/* The upstream's signed answer: one A and its RRSIG, with AD set as a validator would. */
static size_t upstream_signed(const struct dnsd_upq *q, uint8_t *buf)
{
	struct np_dns_header h = { .id = q->id, .qr = 1, .rd = 1, .ra = 1, .ad = 1 };
	struct np_dns_builder b;
	struct np_dns_rdata rd = { .a = 0x0a4d0150 };
	struct np_dns_opt opt = { .udp_size = 1232, .do_bit = 1 };
	uint8_t sig[18 + 13 + 64] = { 0, 1, 13, 3, 0, 0, 0x0e, 0x10 };

	memcpy(sig + 18, "\7example\3net", 13);
	memset(sig + 31, 0xab, 64);
	assert_int_equal(np_dns_builder_init(&b, buf, 4096, 4096, &h), 0);
	assert_int_equal(np_dns_add_question(&b, q->qname, q->qlen, q->qtype, q->qclass), 0);
	assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_ANSWER, q->qname, q->qlen, NP_DNS_TYPE_A, 1,
				       3600, &rd), 0);
	assert_int_equal(np_dns_add_raw(&b, NP_DNS_SEC_ANSWER, q->qname, q->qlen,
					NP_DNS_TYPE_RRSIG, 1, 3600, sig, sizeof(sig)), 0);
	assert_int_equal(np_dns_add_opt(&b, &opt), 0);
	return (size_t)np_dns_builder_finish(&b);
}

static int rrsigs(const uint8_t *buf, size_t len)
{
	struct np_dns_msg m;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	int n = 0;

	parse(buf, len, &m);
	np_dns_iter_init(&it, &m);
	while (np_dns_iter_next(&it, &rr) > 0)
		n += rr.type == NP_DNS_TYPE_RRSIG;
	return n;
}

static bool answer_do(const uint8_t *buf, size_t len)
{
	struct np_dns_msg m;
	struct np_dns_opt opt;

	parse(buf, len, &m);
	return np_dns_msg_opt(&m, &opt) == 0 && opt.do_bit;
}

/*
 * Upstream queries carry DO whoever asks; the DO client gets the RRSIG and
 * DO back, relayed and then cached; a client without DO gets neither; AD
 * from the upstream is never passed on (np-dnsd does not validate).
 */
static void dnssec_passthrough(void **state)
{
	struct env *v = *state;
	uint8_t q[512], r[4096], up[512];
	struct np_dns_msg m;
	struct np_dns_opt opt;
	struct dnsd_addr from;
	size_t n, rn;
	int un;

	/* A client without DO asks first: the upstream query still has DO. */
	n = make_do_query(q, 0x100, www, sizeof(www), NP_DNS_TYPE_A, false);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1000), DNSD_PENDING);
	/* A DO client joins the same upstream query. */
	n = make_do_query(q, 0x101, www, sizeof(www), NP_DNS_TYPE_A, true);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1000), DNSD_PENDING);
	assert_int_equal(v->f.sends, 1);
	un = dnsd_res_build_query(v->f.sent, 1232, up, sizeof(up));
	assert_true(un > 0);
	assert_int_equal(np_dns_msg_parse(up, (size_t)un, &m), 0);
	assert_int_equal(np_dns_msg_opt(&m, &opt), 0);
	assert_true(opt.do_bit);
	rn = upstream_signed(v->f.sent, r);
	from = v->f.sent->to;
	assert_int_equal(res_response(v, v->f.sent, &from, false, r, rn, 1010),
			 DNSD_RES_ACCEPTED);
	assert_int_equal(v->f.delivered, 2);
	/* The last delivered is the DO client's: A + RRSIG, DO echoed, AD clear. */
	parse(v->f.late, v->f.late_len, &m);
	assert_int_equal(m.hdr.id, 0x101);
	assert_false(m.hdr.ad);
	assert_int_equal(rrsigs(v->f.late, v->f.late_len), 1);
	assert_true(answer_do(v->f.late, v->f.late_len));

	/* From the cache: without DO, the A alone and no DO in the OPT. */
	n = make_do_query(q, 0x102, www, sizeof(www), NP_DNS_TYPE_A, false);
	assert_int_equal(ask(v, CLIENT, false, q, n, 2000), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 1);
	assert_int_equal(rrsigs(v->out, v->outlen), 0);
	assert_false(answer_do(v->out, v->outlen));
	/* With DO: the RRSIG too, DO echoed, AD clear. */
	n = make_do_query(q, 0x103, www, sizeof(www), NP_DNS_TYPE_A, true);
	assert_int_equal(ask(v, CLIENT, false, q, n, 2000), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 2);
	assert_int_equal(rrsigs(v->out, v->outlen), 1);
	assert_true(answer_do(v->out, v->outlen));
	assert_false(m.hdr.ad);
	assert_int_equal(v->f.sends, 1);
}

/* A relayed (uncacheable) answer without DO: the RRSIG is stripped. */
static void dnssec_stripped_when_relayed(void **state)
{
	struct env *v = *state;
	uint8_t q[512], r[4096];
	struct np_dns_msg m;
	struct dnsd_addr from;
	size_t n, rn;

	v->conf.max_ttl = 0;                    /* nothing is cached: every answer is relayed */
	assert_int_equal(dnsd_engine_configure(&v->e, &v->conf), 0);
	n = make_do_query(q, 0x200, www, sizeof(www), NP_DNS_TYPE_A, false);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1000), DNSD_PENDING);
	rn = upstream_signed(v->f.sent, r);
	from = v->f.sent->to;
	res_response(v, v->f.sent, &from, false, r, rn, 1010);
	parse(v->f.late, v->f.late_len, &m);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 1);
	assert_int_equal(rrsigs(v->f.late, v->f.late_len), 0);
	assert_false(m.hdr.ad);
	n = make_do_query(q, 0x201, www, sizeof(www), NP_DNS_TYPE_A, true);
	assert_int_equal(ask(v, CLIENT, false, q, n, 2000), DNSD_PENDING);
	rn = upstream_signed(v->f.sent, r);
	from = v->f.sent->to;
	res_response(v, v->f.sent, &from, false, r, rn, 2010);
	assert_int_equal(rrsigs(v->f.late, v->f.late_len), 1);
	assert_true(answer_do(v->f.late, v->f.late_len));
}

/* RA is for QUERY: a NOTIMP answer to another opcode has it clear. */
static void notimp_without_ra(void **state)
{
	struct env *v = *state;
	uint8_t q[512];
	struct np_dns_msg m;
	size_t n = make_query(q, 2, 2 /* STATUS */, www, sizeof(www), 1, 1, 0, 0);

	assert_int_equal(ask(v, CLIENT, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_NOTIMP);
	assert_false(m.hdr.ra);
	/* QUERY answers keep it. */
	n = make_query(q, 3, 0, www, sizeof(www), 1, 3 /* CH */, 0, 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_true(m.hdr.ra);
}

/* A signed message: TSIG as the last record, or in front of another one. */
static size_t make_signed(uint8_t *buf, uint16_t id, unsigned opcode, bool tsig_last)
{
	struct np_dns_header h = { .id = id, .rd = 1, .opcode = (uint8_t)opcode };
	struct np_dns_builder b;
	static const uint8_t key[] = "\5nokey\7example";
	static const uint8_t mac[32] = { 1, 2, 3 };
	struct np_dns_tsig t = { .time_signed = 1700000000, .fudge = 300, .mac = mac,
				 .mac_len = sizeof(mac), .original_id = id };
	struct np_dns_rdata rd = { .a = 0x0a4d003d };

	t.algorithm_len = (size_t)np_dns_name_from_text("hmac-sha256.", t.algorithm,
							 sizeof(t.algorithm));
	assert_int_equal(np_dns_builder_init(&b, buf, 512, 512, &h), 0);
	if (opcode == 5) {
		assert_int_equal(np_dns_add_question(&b, (const uint8_t *)"\3lan", 5,
						     NP_DNS_TYPE_SOA, 1), 0);
		assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_AUTHORITY,
					       (const uint8_t *)"\5host9\3lan", 11,
					       NP_DNS_TYPE_A, 1, 300, &rd), 0);
	} else {
		assert_int_equal(np_dns_add_question(&b, www, sizeof(www), 1, 1), 0);
	}
	assert_int_equal(np_dns_add_tsig(&b, key, sizeof(key), &t), 0);
	if (!tsig_last)
		assert_int_equal(np_dns_add_rr(&b, NP_DNS_SEC_ADDITIONAL, www, sizeof(www),
					       NP_DNS_TYPE_A, 1, 300, &rd), 0);
	return (size_t)np_dns_builder_finish(&b);
}

/* np-dnsd has no keys: NOTAUTH with an unsigned BADKEY TSIG (RFC 8945 §5.2, §5.3.2). */
static void tsig_unknown_key(void **state)
{
	struct env *v = *state;
	static const uint8_t host9[] = "\5host9\3lan";
	uint8_t q[512];
	struct np_dns_msg m;
	struct np_dns_rr rr;
	struct np_dns_tsig t;
	size_t n = make_signed(q, 0x77, 0, true);

	assert_int_equal(ask(v, CLIENT, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.id, 0x77);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_NOTAUTH);
	assert_int_equal(m.hdr.count[NP_DNS_SEC_ANSWER], 0);
	assert_int_equal(np_dns_msg_tsig(&m, &rr), 0);
	assert_memory_equal(rr.owner, "\5nokey\7example", rr.owner_len);
	assert_int_equal(rr.rclass, NP_DNS_CLASS_ANY);
	assert_int_equal(rr.ttl, 0);
	assert_int_equal(np_dns_rr_tsig(&rr, &t), 0);
	assert_int_equal(t.error, NP_DNS_TSIG_BADKEY);
	assert_int_equal(t.mac_len, 0);
	assert_int_equal(t.time_signed, 1700000000);
	assert_int_equal(t.fudge, 300);
	assert_int_equal(t.original_id, 0x77);
	assert_int_equal(v->f.sends, 0);
	assert_int_equal(v->e.stats.tsig_badkey, 1);
	/* A signed UPDATE from an allowed address is not applied either. */
	n = make_signed(q, 0x78, 5, true);
	assert_int_equal(ask(v, UPDATER, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_NOTAUTH);
	assert_false(m.hdr.ra);
	n = make_query(q, 0x79, 0, host9, sizeof(host9), 1, 1, 0, 0);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_NXDOMAIN);
	/* A TSIG that is not the last record: FORMERR (RFC 8945 §5.1). */
	n = make_signed(q, 0x7a, 0, false);
	assert_int_equal(ask(v, CLIENT, false, q, n, 1), DNSD_ANSWER);
	parse(v->out, v->outlen, &m);
	assert_int_equal(m.hdr.rcode, NP_DNS_RCODE_FORMERR);
	assert_int_equal(v->f.sends, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(acl_deny_and_refuse, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(send_failures_reported_back, setup, teardown),
		cmocka_unit_test_setup_teardown(udp_source_ports_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(opcodes_classes_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(local_zone_authoritative, setup, teardown),
		cmocka_unit_test_setup_teardown(update_acl, setup, teardown),
		cmocka_unit_test_setup_teardown(reload_keeps_dynamic_names, setup, teardown),
		cmocka_unit_test_setup_teardown(upstream_then_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(cname_into_forward_zone_asked_there, setup, teardown),
		cmocka_unit_test_setup_teardown(cname_into_local_zone_answered_locally, setup,
						teardown),
		cmocka_unit_test_setup_teardown(cname_out_of_forward_zone, setup, teardown),
		cmocka_unit_test_setup_teardown(cname_loops_servfail, setup, teardown),
		cmocka_unit_test_setup_teardown(truncated_to_client_size, setup, teardown),
		cmocka_unit_test_setup_teardown(servfail_and_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(no_upstream_servfail_now, setup, teardown),
		cmocka_unit_test_setup_teardown(dnssec_passthrough, setup, teardown),
		cmocka_unit_test_setup_teardown(dnssec_stripped_when_relayed, setup, teardown),
		cmocka_unit_test_setup_teardown(notimp_without_ra, setup, teardown),
		cmocka_unit_test_setup_teardown(tsig_unknown_key, setup, teardown),
		cmocka_unit_test_setup_teardown(reload_flushes_when_authority_changes, setup, teardown),
		cmocka_unit_test(stat_type_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
