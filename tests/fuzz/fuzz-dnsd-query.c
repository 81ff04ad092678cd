/*
 * fuzz-dnsd-query.c: np-dnsd's message handler (daemons/dnsd/query.c) and
 * the upstream-answer path of the resolver (daemons/dnsd/resolver.c), with
 * the real cache and local zone, without sockets: the engine's actions
 * (send, cancel, deliver) are carried out by run().
 *
 * Input: a flags octet, a be16 length, the client's message, then an
 * upstream response.  Flags: bit 0 the client uses TCP; bit 1 the response
 * gets the ID and the question of the query np-dnsd sent (so the fuzzer
 * reaches the cache and the answer copy); bit 2 use_0x20; bit 3 serve_stale;
 * bit 4 the client is in a refused subnet; bit 5 the client may UPDATE.
 * Then the same client message is handled again (the cache path).
 *
 * Properties (abort() on violation):
 *   - every answer, immediate or late, parses, has QR and the client's ID,
 *     and fits the client's limit: 65535 over TCP, else the EDNS size capped
 *     by edns_buffer_size (1232), or 512 without EDNS;
 *   - every waiting client gets exactly one answer;
 *   - an answer is only accepted when the resolver says so, and a query
 *     finished without an answer leaves nothing in flight.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/dns.h>

#include "policy.h"
#include "localzone.h"
#include "query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CLIENT_REFUSED 0x0a4d4001u
#define CLIENT_OK 0x0a4d0002u

struct fz {
	uint32_t rnd;
	struct dnsd_upq *sent;         /* the try in flight */
	unsigned delivered;
	size_t limit;
	uint16_t id;
	bool tcp;
};

static void check_answer(const struct fz *f, const uint8_t *msg, size_t len)
{
	struct np_dns_msg m;

	if (np_dns_msg_parse(msg, len, &m) < 0 || !m.hdr.qr || m.hdr.id != f->id ||
	    len > f->limit)
		abort();
}

static uint32_t fz_random(void *arg)
{
	struct fz *f = arg;

	f->rnd = f->rnd * 1103515245u + 12345u;
	return f->rnd >> 4;
}

static void fz_send(struct fz *f, struct dnsd_upq *q)
{
	f->sent = q;
	q->io = q;                     /* the handle a CANCEL gives back */
}

static void fz_abandon(struct fz *f, void *io)
{
	if (f->sent == io)
		f->sent = NULL;
}

static void fz_deliver(struct fz *f, uint64_t token, bool tcp, const uint8_t *msg, size_t len)
{
	if (token != 77 || tcp != f->tcp)
		abort();
	check_answer(f, msg, len);
	f->delivered++;
}

/* The I/O side: carry out the engine's actions in order, then clear them. */
static void run(struct dnsd_engine *e, struct fz *f)
{
	struct dnsd_actions *a = dnsd_engine_actions(e);

	for (unsigned i = 0; i < a->n; i++) {
		const struct dnsd_action *act = &a->v[i];

		switch (act->kind) {
		case DNSD_ACT_SEND:
			fz_send(f, act->u.q);
			break;
		case DNSD_ACT_CANCEL:
			fz_abandon(f, act->u.io);
			break;
		case DNSD_ACT_DELIVER:
			fz_deliver(f, act->u.deliver.token, act->u.deliver.tcp,
				   dnsd_action_msg(a, act), act->u.deliver.len);
			break;
		case DNSD_ACT_CAPS_FALLBACK:
			break;
		}
	}
	dnsd_actions_clear(a);
}

static struct dnsd_policy_conf *make_conf(uint8_t flags)
{
	static const char *const records[] = {
		"printer.lan. 300 IN A 10.77.0.50", "www.lan. IN CNAME printer.lan.",
		"lan. IN MX 10 printer.lan.", "_ipp._tcp.lan. IN SRV 0 0 631 printer.lan.",
		"lan. IN TXT \"netproto\"", "v6.lan. IN AAAA 2001:db8::50",
	};
	struct dnsd_policy_conf *c = calloc(1, sizeof(*c));

	if (!c || !(c->sets = calloc(2, sizeof(*c->sets))))
		abort();
	c->nsets = 2;
	c->sets[0].zlen = 1;
	c->sets[0].servers[0] = (struct dnsd_addr){ 0x0a4d0102, 53 };
	c->sets[0].servers[1] = (struct dnsd_addr){ 0x0a4d0103, 53 };
	c->sets[0].nservers = 2;
	memcpy(c->sets[1].zone, "\7example\3net", 13);
	c->sets[1].zlen = 13;
	c->sets[1].servers[0] = (struct dnsd_addr){ 0x0a4d0104, 5353 };
	c->sets[1].nservers = 1;
	c->cache_size = 64;
	c->max_ttl = 86400;
	c->max_negative_ttl = 3600;
	c->edns_buffer_size = DNSD_EDNS_DEFAULT;
	c->upstream_timeout_ms = 1000;
	c->use_0x20 = flags & 4;
	c->serve_stale = flags & 8;
	c->prefetch = true;
	memcpy(c->local_zone, "\3lan", 5);
	c->local_zone_len = 5;
	c->local_records = records;
	c->nlocal_records = sizeof(records) / sizeof(records[0]);
	c->acl[0] = (struct dnsd_acl_entry){ 0x0a000000, 8, DNSD_ACL_ALLOW };
	c->acl[1] = (struct dnsd_acl_entry){ 0x0a4d4000, 24, DNSD_ACL_REFUSE };
	c->nacl = 2;
	c->acl_given = true;
	if (flags & 32) {
		c->update_acl[0] = (struct dnsd_prefix){ CLIENT_OK, 32 };
		c->nupdate_acl = 1;
	}
	return c;
}

/* The client's limit, as query.h promises it. */
static size_t limit_for(const uint8_t *q, size_t len, bool tcp)
{
	struct np_dns_msg m;
	size_t lim;

	if (tcp)
		return NP_DNS_MSG_MAX;
	if (np_dns_msg_parse(q, len, &m) < 0)
		return NP_DNS_UDP_MIN;
	lim = np_dns_msg_udp_limit(&m);
	return lim > DNSD_EDNS_DEFAULT ? DNSD_EDNS_DEFAULT : lim;
}

/* The response to feed: as given, or with the sent query's ID and question. */
static size_t make_response(const struct dnsd_upq *q, const uint8_t *r, size_t rlen, bool echo,
			    uint8_t *out, size_t cap)
{
	struct np_writer w;

	if (!echo || rlen < NP_DNS_HDR_LEN) {
		if (rlen > cap)
			rlen = cap;
		memcpy(out, r, rlen);
		return rlen;
	}
	np_writer_init(&w, out, cap);
	np_write_be16(&w, q->id);
	np_write_bytes(&w, r + 2, 2);
	np_write_be16(&w, 1);
	np_write_bytes(&w, r + 6, 6);
	np_write_bytes(&w, q->qname, q->qlen);
	np_write_be16(&w, q->qtype);
	np_write_be16(&w, q->qclass);
	np_write_bytes(&w, r + NP_DNS_HDR_LEN, rlen - NP_DNS_HDR_LEN);
	return np_writer_error(&w) ? 0 : w.pos;
}

static void handle(struct dnsd_engine *e, struct fz *f, const uint8_t *q, size_t qlen,
		   const struct dnsd_client *cl, uint64_t now, const uint8_t *r, size_t rlen,
		   bool echo, uint8_t *out, uint8_t *resp)
{
	size_t outlen = 0;
	enum dnsd_verdict v;

	f->delivered = 0;
	v = dnsd_engine_query(e, q, qlen, cl, now, out, NP_DNS_MSG_MAX, &outlen);
	run(e, f);
	if (v == DNSD_ANSWER)
		check_answer(f, out, outlen);
	if (v != DNSD_PENDING)
		return;
	for (int round = 0; round < 8 && f->sent; round++) {
		struct dnsd_upq *sq = f->sent;
		struct dnsd_addr from = sq->to;
		size_t n = make_response(sq, r, rlen, echo, resp, NP_DNS_MSG_MAX);

		now += 10;
		e->now_ms = now;
		if (round == 0 && n)
			dnsd_res_response(&e->res, sq, &from, sq->tcp, resp, n, now);
		else
			dnsd_res_timeout(&e->res, sq, now);
		run(e, f);
	}
	/* Every try ran out: nothing stays in flight, the client got one answer. */
	if (f->sent || e->res.inflight || f->delivered != 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsd_engine_ops ops = { fz_random, NULL };
	static uint8_t out[NP_DNS_MSG_MAX], resp[NP_DNS_MSG_MAX];
	struct fz f = { .rnd = 1 };
	struct dnsd_client cl = { .port = 4242, .token = 77 };
	struct dnsd_engine e;
	struct dnsd_policy_conf *conf;
	size_t qlen;
	uint8_t flags;

	if (size < 3)
		return 0;
	flags = data[0];
	qlen = (size_t)data[1] << 8 | data[2];
	if (qlen > size - 3)
		qlen = size - 3;
	conf = make_conf(flags);
	ops.arg = &f;
	if (dnsd_engine_init(&e, conf, &ops) < 0)
		abort();
	cl.tcp = flags & 1;
	cl.addr = (flags & 16) ? CLIENT_REFUSED : CLIENT_OK;
	f.tcp = cl.tcp;
	f.limit = limit_for(data + 3, qlen, cl.tcp);
	f.id = qlen >= 2 ? (uint16_t)(data[3] << 8 | data[4]) : 0;
	handle(&e, &f, data + 3, qlen, &cl, 1000, data + 3 + qlen, size - 3 - qlen, flags & 2,
	       out, resp);
	/* Again, later: the cache (and maybe prefetch or serve-stale) answers. */
	handle(&e, &f, data + 3, qlen, &cl, 400000, data + 3 + qlen, size - 3 - qlen, flags & 2,
	       out, resp);
	dnsd_engine_free(&e);
	free(conf->sets);
	free(conf);
	return 0;
}
