/*
 * control.c: np-dnsd's control commands, in Kea's command shape (ctl.h).
 *
 *   statistic-get-all (alias "stats", from the skeleton's service.h): every
 *       counter, by name (Unbound's names where they fit: num.query.type.A,
 *       num.answer.rcode.NXDOMAIN), also served on metrics_listen
 *   cache-flush [{"name": "www.example.net."}]: all entries, or one name's
 *   cache-dump: every cache entry with its remaining TTL
 *   local-zone-dump: the local zone's records, static and dynamic
 *   config-reload (service.h): re-read the configuration file; the cache
 *       stays unless the upstreams, forward zones or local zone changed,
 *       a configuration that does not validate is refused
 *   status-get (built in): pid, uptime, reload
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <netproto/error.h>
#include <netproto/dns.h>

#include "cache.h"
#include "ctl.h"
#include "daemon.h"
#include "dnsd.h"
#include "localzone.h"
#include "log.h"
#include "xsk.h"

static const char *const rcode_names[16] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN",
	"YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "rcode11", "rcode12", "rcode13",
	"rcode14", "extended",
};

static void put(json_t *o, const char *name, uint64_t v)
{
	json_object_set_new(o, name, json_integer((json_int_t)v));
}

static void engine_stats(json_t *o, const struct dnsd_stats *st)
{
	char name[64];

	put(o, "num.queries", st->queries);
	put(o, "num.queries.udp", st->queries_udp);
	put(o, "num.queries.tcp", st->queries_tcp);
	for (unsigned i = 0; i <= DNSD_STAT_TYPES; i++) {
		snprintf(name, sizeof(name), "num.query.type.%s", dnsd_stat_type_name(i));
		put(o, name, st->by_type[i]);
	}
	for (unsigned i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "num.answer.rcode.%s", rcode_names[i]);
		put(o, name, st->by_rcode[i]);
	}
	put(o, "malformed-dropped", st->dropped_malformed);
	put(o, "source-port-dropped", st->dropped_bad_port);
	put(o, "formerr-answered", st->formerr);
	put(o, "acl-refused", st->acl_refused);
	put(o, "acl-denied", st->acl_denied);
	put(o, "notimp-answered", st->notimp);
	put(o, "badvers-answered", st->badvers);
	put(o, "tsig-badkey-answered", st->tsig_badkey);
	put(o, "answers.local", st->local_answers);
	put(o, "answers.cache", st->cache_answers);
	put(o, "answers.stale", st->stale_answers);
	put(o, "answers.upstream", st->upstream_answers);
	put(o, "answers.servfail", st->servfail);
	put(o, "answers.truncated", st->truncated);
	put(o, "answers.dropped", st->answers_dropped);
	put(o, "answers.upstream-unusable", st->answers_unusable);
	put(o, "answers.cname-loop", st->cname_loops);
	put(o, "cache.reload-flushed", st->reload_flushed);
	put(o, "upstream.records-scrubbed", st->scrubbed_records);
	put(o, "upstream.cname-restarts", st->cname_restarts);
	put(o, "prefetches", st->prefetches);
	put(o, "updates.applied", st->updates);
	put(o, "updates.refused", st->updates_refused);
}

/* The local zone's own refusals (RFC 2136 §3.3 policy, RFC 4703 ownership). */
static void local_stats(json_t *o, const struct dns_local *z)
{
	static const struct dns_local_stats none;
	const struct dns_local_stats *s = z ? dns_local_get_stats(z) : &none;

	put(o, "updates.refused-static", s->refused_static);
	put(o, "updates.refused-owned", s->refused_owned);
	put(o, "updates.prereq-failed", s->prereq_failed);
	put(o, "local-zone.reload-dropped", s->reload_dropped);
}

static void resolver_stats(json_t *o, const struct dnsd_resolver *r)
{
	const struct dnsd_res_stats *s = &r->stats;
	json_t *servers = json_array();

	put(o, "upstream.queries-started", s->started);
	put(o, "upstream.coalesced", s->coalesced);
	put(o, "upstream.sent", s->sent);
	put(o, "upstream.sent-tcp", s->sent_tcp);
	put(o, "upstream.accepted", s->accepted);
	put(o, "upstream.timeouts", s->timeouts);
	put(o, "upstream.servfail", s->servfail);
	put(o, "upstream.refused", s->refused);
	put(o, "upstream.other-rcode", s->other_rcode);
	put(o, "upstream.tc-retries", s->tc_retries);
	put(o, "upstream.failed", s->failed);
	put(o, "upstream.rejected-source", s->bad_source);
	put(o, "upstream.rejected-id", s->bad_id);
	put(o, "upstream.rejected-question", s->bad_question);
	put(o, "upstream.malformed", s->malformed);
	put(o, "upstream.send-errors", s->send_errors);
	put(o, "upstream.in-flight", r->inflight);
	put(o, "upstream.0x20-mismatch", s->caps_mismatch);
	put(o, "upstream.0x20-retries", s->caps_retries);
	put(o, "upstream.0x20-fallbacks", s->caps_fallbacks);
	for (unsigned i = 0; servers && i < r->nsets; i++)
		for (unsigned j = 0; j < r->sets[i].nservers; j++) {
			const struct dnsd_server *sv = &r->sets[i].servers[j];
			char zone[NP_DNS_NAME_TEXT_MAX], addr[32];
			struct in_addr ia = { htonl(sv->addr.addr) };

			np_dns_name_to_text(r->sets[i].zone, r->sets[i].zlen, zone, sizeof(zone));
			snprintf(addr, sizeof(addr), "%s:%u", inet_ntoa(ia), sv->addr.port);
			json_array_append_new(servers, json_pack(
				"{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "zone", zone,
				"address", addr, "srtt-ms", (json_int_t)sv->srtt_ms,
				"rttvar-ms", (json_int_t)sv->rttvar_ms,
				"rtt-avg-ms", (json_int_t)(sv->answers ? sv->rtt_sum_ms / sv->answers : 0),
				"sent", (json_int_t)sv->sent, "answers", (json_int_t)sv->answers,
				"timeouts", (json_int_t)sv->timeouts,
				"failures", (json_int_t)sv->failures, "tcp", (json_int_t)sv->tcp,
				"0x20-mismatches", (json_int_t)sv->caps_mismatches,
				"0x20-fallbacks", (json_int_t)sv->caps_fallbacks));
		}
	if (servers)
		json_object_set_new(o, "upstreams", servers);
}

static json_t *stats_json(void *ctx)
{
	struct dnsd *io = ctx;
	json_t *o = json_object();
	struct dns_cache_stats cs;

	if (!o)
		return NULL;
	engine_stats(o, &io->eng.stats);
	resolver_stats(o, &io->eng.res);
	dns_cache_get_stats(io->eng.cache, &cs);
	put(o, "cache.hits", cs.hits);
	put(o, "cache.misses", cs.misses);
	put(o, "cache.inserts", cs.inserts);
	put(o, "cache.evictions", cs.evictions);
	put(o, "cache.expired", cs.expired);
	put(o, "cache.entries", cs.entries);
	put(o, "cache.bytes", cs.bytes);
	put(o, "local-zone.records", io->eng.local ? dns_local_count(io->eng.local) : 0);
	local_stats(o, io->eng.local);
	put(o, "udp.batches", io->stats.udp_batches);
	put(o, "udp.truncated-received", io->stats.udp_truncated);
	put(o, "udp.sent", io->stats.udp_sent);
	put(o, "udp.send-errors", io->stats.udp_send_errors);
	put(o, "tcp.accepted", io->stats.tcp_accepted);
	put(o, "tcp.refused-limit", io->stats.tcp_refused_limit);
	put(o, "tcp.idle-closed", io->stats.tcp_idle_closed);
	put(o, "tcp.bad-length", io->stats.tcp_bad_length);
	put(o, "tcp.evicted", io->stats.tcp_evicted);
	put(o, "tcp.query-timeout", io->stats.tcp_query_timeout);
	put(o, "tcp.write-timeout", io->stats.tcp_write_timeout);
	put(o, "tcp.connections", io->tcp.count);
	put(o, "overload-dropped", io->stats.overload);
	put(o, "upstream.socket-errors", io->stats.upstream_socket_errors);
	if (io->xsk) {
		struct np_xsk_stats x;

		np_xsk_get_stats(io->xsk, &x);
		put(o, "xdp.received", x.rx);
		put(o, "xdp.malformed", x.rx_malformed);
		put(o, "xdp.martian-dropped", x.rx_martian);
		put(o, "xdp.local-addresses", io->xdp_local_addrs);
		put(o, "xdp.address-updates", io->stats.xdp_addr_updates);
		put(o, "xdp.sent", x.tx);
		put(o, "xdp.no-frame", x.tx_no_frame);
		put(o, "xdp.fallback-sent", io->stats.xdp_fallback);
		put(o, "xdp.kernel-dropped", x.kernel_rx_dropped);
		put(o, "xdp.kernel-ring-full", x.kernel_rx_ring_full);
		put(o, "xdp.kernel-fill-empty", x.kernel_fill_ring_empty);
		put(o, "xdp.kernel-tx-invalid", x.kernel_tx_invalid);
	}
	put(o, "uptime-ms", dnsd_now_ms() - io->started_ms);
	return o;
}

static json_t *cmd_flush(const char *command, json_t *args, void *ctx)
{
	struct dnsd *io = ctx;
	const char *text = NULL;
	uint8_t name[NP_DNS_NAME_MAX];
	char msg[128];
	size_t n;
	int len;

	(void)command;
	if (args && json_is_object(args)) {
		json_t *v = json_object_get(args, "name");

		if (v && !json_is_string(v))
			return np_ctl_answer(1, "\"name\" must be a domain name", NULL);
		text = v ? json_string_value(v) : NULL;
	}
	if (!text) {
		n = dns_cache_flush(io->eng.cache, NULL, 0);
	} else {
		len = np_dns_name_from_text(text, name, sizeof(name));
		if (len < 0)
			return np_ctl_answer(1, "\"name\" is not a domain name", NULL);
		n = dns_cache_flush(io->eng.cache, name, (size_t)len);
	}
	snprintf(msg, sizeof(msg), "%zu entries removed", n);
	return np_ctl_answer(0, msg, json_pack("{s:I}", "removed", (json_int_t)n));
}

static int dump_one(void *arg, const struct dns_cache_entry_info *e)
{
	json_t *list = arg;
	char name[NP_DNS_NAME_TEXT_MAX];
	static const char *const neg[] = { "", "NXDOMAIN", "NODATA" };

	if (np_dns_name_to_text(e->owner, e->owner_len, name, sizeof(name)) < 0)
		return 0;
	json_array_append_new(list, json_pack("{s:s,s:i,s:s,s:I,s:i,s:i,s:i}", "name", name,
					      "type", e->type, "negative",
					      neg[e->negative >= 0 && e->negative <= 2 ? e->negative : 0],
					      "ttl", (json_int_t)e->ttl_left,
					      "records", (int)e->nrecords, "rrsigs", (int)e->nsigs,
					      "proofs", (int)e->nproofs));
	return json_array_size(list) >= 100000;
}

static json_t *cmd_dump(const char *command, json_t *args, void *ctx)
{
	struct dnsd *io = ctx;
	json_t *list = json_array();

	(void)command;
	(void)args;
	if (!list)
		return NULL;
	dns_cache_walk(io->eng.cache, dnsd_now_ms(), dump_one, list);
	return np_ctl_answer(json_array_size(list) ? 0 : 3, "cache entries", list);
}

static int local_one(void *arg, const uint8_t *owner, size_t len, uint16_t type, uint32_t ttl,
		     const uint8_t *rdata, size_t rdlen, int dynamic)
{
	json_t *list = arg;
	char name[NP_DNS_NAME_TEXT_MAX];

	(void)rdata;
	if (np_dns_name_to_text(owner, len, name, sizeof(name)) < 0)
		return 0;
	json_array_append_new(list, json_pack("{s:s,s:i,s:I,s:I,s:b}", "name", name, "type", type,
					      "ttl", (json_int_t)ttl, "rdlength", (json_int_t)rdlen,
					      "dynamic", dynamic));
	return 0;
}

static json_t *cmd_local(const char *command, json_t *args, void *ctx)
{
	struct dnsd *io = ctx;
	json_t *list = json_array();

	(void)command;
	(void)args;
	if (!list)
		return NULL;
	if (io->eng.local)
		dns_local_walk(io->eng.local, local_one, list);
	return np_ctl_answer(json_array_size(list) ? 0 : 3, "local zone records", list);
}

static const struct np_ctl_command commands[] = {
	{ "cache-flush", cmd_flush },
	{ "cache-dump", cmd_dump },
	{ "local-zone-dump", cmd_local },
	{ NULL, NULL },
};

const struct np_service_ops dnsd_service = {
	.commands = commands,
	.stats = stats_json,
	.name_sep = '.',
	.metrics_prefix = "np_dnsd",
	.reload_text = "configuration reloaded",
};
