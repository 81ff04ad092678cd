/*
 * control.c: np-dnsd's control commands, in Kea's command shape (ctl.h).
 *
 *   statistic-get-all (alias "stats"): every counter, by name (Unbound's
 *       names where they fit: num.query.type.A, num.answer.rcode.NXDOMAIN)
 *   cache-flush [{"name": "www.example.net."}]: all entries, or one name's
 *   cache-dump: every cache entry with its remaining TTL
 *   local-zone-dump: the local zone's records, static and dynamic
 *   config-reload: re-read the configuration file (as SIGHUP); the cache
 *       stays, a configuration that does not validate is refused
 *   status-get (built in): pid, uptime, reload
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <netproto/dns.h>

#include "cache.h"
#include "ctl.h"
#include "daemon.h"
#include "io.h"
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
	put(o, "answers.local", st->local_answers);
	put(o, "answers.cache", st->cache_answers);
	put(o, "answers.stale", st->stale_answers);
	put(o, "answers.upstream", st->upstream_answers);
	put(o, "answers.servfail", st->servfail);
	put(o, "answers.truncated", st->truncated);
	put(o, "answers.dropped", st->answers_dropped);
	put(o, "answers.upstream-unusable", st->answers_unusable);
	put(o, "prefetches", st->prefetches);
	put(o, "updates.applied", st->updates);
	put(o, "updates.refused", st->updates_refused);
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
	for (unsigned i = 0; servers && i < r->nsets; i++)
		for (unsigned j = 0; j < r->sets[i].nservers; j++) {
			const struct dnsd_server *sv = &r->sets[i].servers[j];
			char zone[NP_DNS_NAME_TEXT_MAX], addr[32];
			struct in_addr ia = { htonl(sv->addr.addr) };

			np_dns_name_to_text(r->sets[i].zone, r->sets[i].zlen, zone, sizeof(zone));
			snprintf(addr, sizeof(addr), "%s:%u", inet_ntoa(ia), sv->addr.port);
			json_array_append_new(servers, json_pack(
				"{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "zone", zone,
				"address", addr, "srtt-ms", (json_int_t)sv->srtt_ms,
				"rttvar-ms", (json_int_t)sv->rttvar_ms,
				"rtt-avg-ms", (json_int_t)(sv->answers ? sv->rtt_sum_ms / sv->answers : 0),
				"sent", (json_int_t)sv->sent, "answers", (json_int_t)sv->answers,
				"timeouts", (json_int_t)sv->timeouts,
				"failures", (json_int_t)sv->failures, "tcp", (json_int_t)sv->tcp));
		}
	if (servers)
		json_object_set_new(o, "upstreams", servers);
}

static json_t *stats_json(struct dnsd_io *io)
{
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
	put(o, "local-zone.records", io->conf->local ? dns_local_count(io->conf->local) : 0);
	put(o, "udp.batches", io->stats.udp_batches);
	put(o, "udp.truncated-received", io->stats.udp_truncated);
	put(o, "udp.sent", io->stats.udp_sent);
	put(o, "udp.send-errors", io->stats.udp_send_errors);
	put(o, "tcp.accepted", io->stats.tcp_accepted);
	put(o, "tcp.refused-limit", io->stats.tcp_refused_limit);
	put(o, "tcp.idle-closed", io->stats.tcp_idle_closed);
	put(o, "tcp.bad-length", io->stats.tcp_bad_length);
	put(o, "tcp.connections", io->tcp_conns);
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

static json_t *cmd_stats(const char *command, json_t *args, void *ctx)
{
	json_t *o = stats_json(ctx);

	(void)command;
	(void)args;
	return o ? np_ctl_answer(0, "statistics", o) : NULL;
}

static json_t *cmd_flush(const char *command, json_t *args, void *ctx)
{
	struct dnsd_io *io = ctx;
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
	json_array_append_new(list, json_pack("{s:s,s:i,s:s,s:I,s:i}", "name", name,
					      "type", e->type, "negative",
					      neg[e->negative >= 0 && e->negative <= 2 ? e->negative : 0],
					      "ttl", (json_int_t)e->ttl_left,
					      "records", (int)e->nrecords));
	return json_array_size(list) >= 100000;
}

static json_t *cmd_dump(const char *command, json_t *args, void *ctx)
{
	struct dnsd_io *io = ctx;
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
	struct dnsd_io *io = ctx;
	json_t *list = json_array();

	(void)command;
	(void)args;
	if (!list)
		return NULL;
	if (io->conf->local)
		dns_local_walk(io->conf->local, local_one, list);
	return np_ctl_answer(json_array_size(list) ? 0 : 3, "local zone records", list);
}

static json_t *cmd_reload(const char *command, json_t *args, void *ctx)
{
	struct dnsd_io *io = ctx;
	char why[512];

	(void)command;
	(void)args;
	if (np_daemon_reload(io->d, why, sizeof(why)) < 0)
		return np_ctl_answer(1, why, NULL);
	np_ctl_reloaded(io->ctl);
	return np_ctl_answer(0, "configuration reloaded", NULL);
}

int dnsd_control_start(struct dnsd_io *io)
{
	struct np_ctl_opts opts = { .path = io->conf->control_socket, .version = PACKAGE_VERSION };
	int r = np_ctl_new(np_daemon_base(io->d), &opts, &io->ctl);

	if (r < 0) {
		np_log_err("control socket %s: %s", opts.path, strerror(-r));
		return -1;
	}
	if ((r = np_ctl_register(io->ctl, "statistic-get-all", cmd_stats, io)) < 0 ||
	    (r = np_ctl_register(io->ctl, "stats", cmd_stats, io)) < 0 ||
	    (r = np_ctl_register(io->ctl, "cache-flush", cmd_flush, io)) < 0 ||
	    (r = np_ctl_register(io->ctl, "cache-dump", cmd_dump, io)) < 0 ||
	    (r = np_ctl_register(io->ctl, "local-zone-dump", cmd_local, io)) < 0 ||
	    (r = np_ctl_register(io->ctl, "config-reload", cmd_reload, io)) < 0) {
		np_log_err("control socket: %s", strerror(-r));
		return -1;
	}
	return 0;
}
