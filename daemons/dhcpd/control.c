/*
 * control.c: np-dhcpd's control commands (see control.h).
 */
#include "config.h"

#include "clock.h"
#include "control.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <netproto/error.h>
#include <netproto/ipv4.h>
#include <netproto/ipv6.h>

#include "../common/ctl.h"
#include "../common/daemon.h"
#include "../common/log.h"
#include "io-ddns.h"
#include "engine.h"
#include "engine6.h"
#include "io.h"
#include "io6.h"
#include "io-ra.h"
#include "lease.h"
#include "lease6.h"
#include "probe.h"
#include "translog.h"

/* ---- leases as JSON (Kea's lease4 fields) ---------------------------------- */

static const char *const state_names[] = {
	[LEASE_FREE] = "free", [LEASE_OFFERED] = "offered", [LEASE_BOUND] = "assigned",
	[LEASE_DECLINED] = "declined", [LEASE_RELEASED] = "released",
	[LEASE_EXPIRED] = "expired-reclaimed",
};

/* Kea's lease states: 0 default, 1 declined, 2 expired-reclaimed, 3 released. */
static int kea_state(uint8_t s)
{
	switch (s) {
	case LEASE_DECLINED: return 1;
	case LEASE_EXPIRED: return 2;
	case LEASE_RELEASED: return 3;
	case LEASE_OFFERED: return 4;
	default: return 0;
	}
}

static void hex_text(const uint8_t *p, size_t n, char *out)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		sprintf(out + 3 * i, i + 1 < n ? "%02x:" : "%02x", p[i]);
}

static int subnet_id(const struct dhcpd_conf *c, uint32_t addr)
{
	for (size_t i = 0; i < c->engine.nsubnets; i++) {
		const struct engine_subnet *s = &c->engine.subnets[i];
		uint32_t m = s->prefix ? 0xffffffffu << (32 - s->prefix) : 0;

		if ((addr & m) == (s->addr & m))
			return (int)i + 1;
	}
	return 0;
}

static json_t *lease_json(const struct dhcpd_conf *c, const struct lease *l)
{
	struct lease_data rec;
	char ip[NP_IPV4_ADDR_TEXT_LEN], hw[16 * 3 + 1], cid[255 * 3 + 1];
	json_t *o;

	lease_get(l, &rec);
	np_ipv4_addr_to_text(l->addr, ip);
	hex_text(l->chaddr, l->hlen <= 16 ? l->hlen : 16, hw);
	o = json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:i, s:s, s:s}", "ip-address", ip,
		      "hw-address", hw, "subnet-id", subnet_id(c, l->addr), "cltt",
		      (json_int_t)l->start, "valid-lft",
		      (json_int_t)(l->expire > l->start ? l->expire - l->start : 0), "expire",
		      (json_int_t)l->expire, "state", kea_state(l->state), "state-name",
		      l->state < 6 ? state_names[l->state] : "unknown", "hostname",
		      l->hostname ? l->hostname : "");
	if (o != NULL && rec.cid_len > 0) {
		hex_text(rec.cid, rec.cid_len, cid);
		json_object_set_new(o, "client-id", json_string(cid));
	}
	return o;
}

static json_t *cmd_get_all(const char *command, json_t *args, void *ctx)
{
	struct dhcpd *d = ctx;
	const struct dhcpd_conf *c = np_daemon_conf(d->dm);
	json_t *list = json_array();
	size_t cur = 0, n = 0;
	char text[64];

	(void)command;
	(void)args;
	if (list == NULL)
		return NULL;
	for (const struct lease *l; (l = lease_iter(d->lt, &cur)) != NULL; n++)
		json_array_append_new(list, lease_json(c, l));
	snprintf(text, sizeof(text), "%zu IPv4 lease(s) found.", n);
	return np_ctl_answer(n ? NP_CTL_SUCCESS : NP_CTL_EMPTY, text,
			     json_pack("{s:o}", "leases", list));
}

/* ---- DHCPv6 leases as JSON (Kea's lease6 fields) ----------------------------- */

static json_t *lease6_json(const struct lease6 *l)
{
	char ip[NP_IPV6_ADDR_TEXT_LEN], duid[NP_DHCP6_DUID_MAX * 3 + 1];

	np_ipv6_addr_to_text(l->addr, ip);
	hex_text(l->duid, l->duid_len, duid);
	return json_pack("{s:s, s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:i, s:s, s:s}",
			 "ip-address", ip, "prefix-len", l->plen, "type",
			 l->kind == LEASE6_PD ? "IA_PD" : "IA_NA", "duid", duid, "iaid",
			 (json_int_t)l->iaid, "cltt", (json_int_t)l->start, "valid-lft",
			 (json_int_t)(l->expire > l->start ? l->expire - l->start : 0),
			 "preferred-lft",
			 (json_int_t)(l->preferred > l->start ? l->preferred - l->start : 0),
			 "expire", (json_int_t)l->expire, "state", kea_state(l->state),
			 "state-name", l->state < 6 ? state_names[l->state] : "unknown", "hostname",
			 l->hostname ? l->hostname : "");
}

static json_t *cmd_get_all6(const char *command, json_t *args, void *ctx)
{
	struct dhcpd *d = ctx;
	json_t *list = json_array();
	size_t cur = 0, n = 0;
	char text[64];

	(void)command;
	(void)args;
	if (list == NULL)
		return NULL;
	for (const struct lease6 *l; d->lt6 != NULL && (l = lease6_iter(d->lt6, &cur)) != NULL;
	     n++)
		json_array_append_new(list, lease6_json(l));
	snprintf(text, sizeof(text), "%zu IPv6 lease(s) found.", n);
	return np_ctl_answer(n ? NP_CTL_SUCCESS : NP_CTL_EMPTY, text,
			     json_pack("{s:o}", "leases", list));
}

/*
 * lease-get-all: both families in one answer, "leases" as lease4-get-all's
 * and "leases6" as lease6-get-all's.
 */
static json_t *cmd_get_all_families(const char *command, json_t *args, void *ctx)
{
	struct dhcpd *d = ctx;
	const struct dhcpd_conf *c = np_daemon_conf(d->dm);
	json_t *v4 = json_array(), *v6 = json_array();
	size_t cur = 0, n4 = 0, n6 = 0;
	char text[96];

	(void)command;
	(void)args;
	if (v4 == NULL || v6 == NULL) {
		json_decref(v4);
		json_decref(v6);
		return NULL;
	}
	for (const struct lease *l; (l = lease_iter(d->lt, &cur)) != NULL; n4++)
		json_array_append_new(v4, lease_json(c, l));
	cur = 0;
	for (const struct lease6 *l; d->lt6 != NULL && (l = lease6_iter(d->lt6, &cur)) != NULL;
	     n6++)
		json_array_append_new(v6, lease6_json(l));
	snprintf(text, sizeof(text), "%zu IPv4 lease(s) and %zu IPv6 lease(s) found.", n4, n6);
	return np_ctl_answer(n4 + n6 ? NP_CTL_SUCCESS : NP_CTL_EMPTY, text,
			     json_pack("{s:o, s:o}", "leases", v4, "leases6", v6));
}

/* "aa:bb:cc", "aa-bb-cc" or "aabbcc": octets, or -1. */
static int parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s != '\0') {
		unsigned v;

		if (*s == ':' || *s == '-') {
			s++;
			continue;
		}
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) || n == cap ||
		    sscanf(s, "%2x", &v) != 1)
			return -1;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return (int)n;
}

static struct lease *by_hw(const struct dhcpd *d, const uint8_t *mac, int n)
{
	struct lease_client c = { .htype = 1, .hlen = (uint8_t)n };
	struct lease *l;
	size_t cur = 0;

	memcpy(c.chaddr, mac, (size_t)n);
	if ((l = lease_by_client(d->lt, &c)) != NULL)
		return l;
	/* A client known by its client identifier: look at the chaddr of each. */
	while ((l = lease_iter(d->lt, &cur)) != NULL)
		if (l->hlen == n && memcmp(l->chaddr, mac, (size_t)n) == 0 &&
		    l->state != LEASE_DECLINED)
			return l;
	return NULL;
}

/*
 * The lease the arguments name: "ip-address", "hw-address", or Kea's
 * "identifier-type" + "identifier".  NULL with *why set when none.
 */
static struct lease *find_lease(const struct dhcpd *d, json_t *args, const char **why)
{
	const char *ip = NULL, *hw = NULL, *type = NULL, *id = NULL;
	uint8_t key[255];
	uint32_t addr;
	int n;

	*why = "arguments: \"ip-address\", \"hw-address\", or \"identifier-type\" and \"identifier\"";
	if (!json_is_object(args))
		return NULL;
	json_unpack(args, "{s?s, s?s, s?s, s?s}", "ip-address", &ip, "hw-address", &hw,
		    "identifier-type", &type, "identifier", &id);
	if (type != NULL && id != NULL && strcmp(type, "hw-address") == 0)
		hw = id;
	if (ip != NULL) {
		if (np_ipv4_addr_parse(ip, &addr) < 0) {
			*why = "\"ip-address\" is not an IPv4 address";
			return NULL;
		}
		*why = "Lease not found.";
		return lease_by_addr(d->lt, addr);
	}
	if (hw != NULL) {
		n = parse_hex(hw, key, 16);
		if (n <= 0) {
			*why = "\"hw-address\" is not a hardware address";
			return NULL;
		}
		*why = "Lease not found.";
		return by_hw(d, key, n);
	}
	if (type != NULL && id != NULL && strcmp(type, "client-id") == 0) {
		struct lease_client c = { .htype = 1 };

		n = parse_hex(id, key, sizeof(key));
		if (n < 2) {
			*why = "\"identifier\" is not a client identifier (hex octets, at least 2)";
			return NULL;
		}
		c.cid = key;
		c.cid_len = (uint8_t)n;
		*why = "Lease not found.";
		return lease_by_client(d->lt, &c);
	}
	return NULL;
}

static json_t *cmd_get(const char *command, json_t *args, void *ctx)
{
	struct dhcpd *d = ctx;
	const char *why;
	struct lease *l = find_lease(d, args, &why);

	(void)command;
	if (l == NULL)
		return np_ctl_answer(strcmp(why, "Lease not found.") == 0 ? NP_CTL_EMPTY :
				     NP_CTL_ERROR, why, NULL);
	return np_ctl_answer(NP_CTL_SUCCESS, "IPv4 lease found.",
			     lease_json(np_daemon_conf(d->dm), l));
}

/*
 * Release: the address is free for others (the engine decides how, as for
 * a DHCPRELEASE); the change is on disk first, then its name leaves DNS.
 */
static json_t *cmd_del(const char *command, json_t *args, void *ctx)
{
	struct dhcpd *d = ctx;
	const char *why;
	struct lease *l = find_lease(d, args, &why);

	(void)command;
	if (l == NULL)
		return np_ctl_answer(strcmp(why, "Lease not found.") == 0 ? NP_CTL_EMPTY :
				     NP_CTL_ERROR, why, NULL);
	if (dhcpd_io_delete(d->io, l->addr) < 0)
		return np_ctl_answer(NP_CTL_ERROR, "the lease journal refused the change", NULL);
	return np_ctl_answer(NP_CTL_SUCCESS, "IPv4 lease deleted.", NULL);
}

/* ---- statistics ------------------------------------------------------------------ */

struct stats {
	json_t *o;
	char when[NP_WALL_STAMP_LEN];
};

/* Kea's shape: "name": [[value, "YYYY-MM-DD HH:MM:SS.UUUUUU"]]. */
static void stat(struct stats *s, const char *name, uint64_t v)
{
	json_object_set_new(s->o, name, json_pack("[[I, s]]", (json_int_t)v, s->when));
}

static void stat_sub(struct stats *s, size_t sid, int pool, const char *name, uint64_t v)
{
	char key[96];

	if (pool < 0)
		snprintf(key, sizeof(key), "subnet[%zu].%s", sid, name);
	else
		snprintf(key, sizeof(key), "subnet[%zu].pool[%d].%s", sid, pool, name);
	stat(s, key, v);
}

static void engine_stats(struct stats *s, const struct engine_stats *e)
{
	stat(s, "pkt4-received", e->pkt4_received);
	stat(s, "pkt4-discover-received", e->pkt4_discover_received);
	stat(s, "pkt4-request-received", e->pkt4_request_received);
	stat(s, "pkt4-decline-received", e->pkt4_decline_received);
	stat(s, "pkt4-release-received", e->pkt4_release_received);
	stat(s, "pkt4-inform-received", e->pkt4_inform_received);
	stat(s, "pkt4-unknown-received", e->pkt4_unknown_received);
	stat(s, "pkt4-parse-failed", e->pkt4_parse_failed);
	stat(s, "pkt4-receive-drop", e->pkt4_receive_drop + e->pkt4_parse_failed);
	stat(s, "pkt4-offer-sent", e->pkt4_offer_sent);
	stat(s, "pkt4-ack-sent", e->pkt4_ack_sent);
	stat(s, "pkt4-nak-sent", e->pkt4_nak_sent);
	stat(s, "reclaimed-leases", e->reclaimed_leases);
	stat(s, "reclaimed-declined-addresses", e->reclaimed_declined);
	stat(s, "declined-in-use-addresses", e->declined_in_use);
	stat(s, "pkt4-spoofed", e->pkt4_spoofed);
	stat(s, "pkt4-relay-untrusted", e->pkt4_relay_untrusted);
	stat(s, "pkt4-limit-exceeded", e->pkt4_limit_exceeded);
	stat(s, "v4-allocation-fail", e->v4_allocation_fail);
}

static void engine6_stats(struct stats *s, const struct engine6_stats *e)
{
	stat(s, "pkt6-received", e->pkt6_received);
	stat(s, "pkt6-solicit-received", e->pkt6_solicit_received);
	stat(s, "pkt6-request-received", e->pkt6_request_received);
	stat(s, "pkt6-renew-received", e->pkt6_renew_received);
	stat(s, "pkt6-rebind-received", e->pkt6_rebind_received);
	stat(s, "pkt6-release-received", e->pkt6_release_received);
	stat(s, "pkt6-decline-received", e->pkt6_decline_received);
	stat(s, "pkt6-confirm-received", e->pkt6_confirm_received);
	stat(s, "pkt6-infrequest-received", e->pkt6_infrequest_received);
	stat(s, "pkt6-relay-forw-received", e->pkt6_relay_forw_received);
	stat(s, "pkt6-unknown-received", e->pkt6_unknown_received);
	stat(s, "pkt6-parse-failed", e->pkt6_parse_failed);
	stat(s, "pkt6-receive-drop", e->pkt6_receive_drop);
	stat(s, "pkt6-invalid", e->pkt6_invalid);
	stat(s, "pkt6-no-subnet", e->pkt6_no_subnet);
	stat(s, "pkt6-not-for-us", e->pkt6_not_for_us);
	stat(s, "pkt6-advertise-sent", e->pkt6_advertise_sent);
	stat(s, "pkt6-reply-sent", e->pkt6_reply_sent);
	stat(s, "v6-allocation-fail", e->v6_allocation_fail);
	stat(s, "reclaimed-leases6", e->reclaimed_leases);
	stat(s, "reclaimed-declined-addresses6", e->reclaimed_declined);
}

static void io6_stats(struct stats *s, const struct dhcpd_io6 *io6)
{
	struct dhcpd_io6_stats st;

	dhcpd_io6_get_stats(io6, &st);
	stat(s, "pkt6-sent", st.sent);
	stat(s, "pkt6-send-errors", st.send_errors);
	stat(s, "pkt6-oversized", st.rx_oversized);
	stat(s, "pkt6-unserved-link", st.rx_not_for_us);
	stat(s, "lease6-commit-failures", st.commit_failures);
	stat(s, "replies6-withheld", st.replies_withheld);
}

/* Per pool, per subnet, and in all (Kea gives the same names at each level). */
static void address_stats(struct stats *s, const struct dhcpd *d, const struct dhcpd_conf *c)
{
	uint64_t tot[5] = { 0 };                 /* total, assigned, declined, cumulative, warnings */
	size_t npools = lease_pool_count(d->lt);

	for (size_t sid = 1; sid <= c->engine.nsubnets; sid++) {
		uint64_t sub[4] = { 0 };         /* + offered */
		int k = 0;

		for (size_t p = 0; p < npools; p++) {
			struct lease_pool_stats ps;

			if ((size_t)lease_pool_tag(d->lt, (int)p) != sid - 1)
				continue;
			lease_pool_stats(d->lt, (int)p, &ps);
			stat_sub(s, sid, k, "total-addresses", ps.total);
			stat_sub(s, sid, k, "assigned-addresses", ps.assigned);
			stat_sub(s, sid, k, "declined-addresses", ps.declined);
			k++;
			sub[0] += ps.total;
			sub[1] += ps.assigned;
			sub[2] += ps.declined;
			sub[3] += ps.offered;
		}
		stat_sub(s, sid, -1, "total-addresses", sub[0]);
		stat_sub(s, sid, -1, "assigned-addresses", sub[1]);
		stat_sub(s, sid, -1, "declined-addresses", sub[2]);
		stat_sub(s, sid, -1, "offered-addresses", sub[3]);
		stat_sub(s, sid, -1, "v4-allocation-fail", engine_subnet_alloc_fail(d->eng, sid - 1));
		stat_sub(s, sid, -1, "cumulative-assigned-addresses",
			 engine_subnet_cumulative_assigned(d->eng, sid - 1));
		stat_sub(s, sid, -1, "pool-exhaustion-warnings",
			 engine_subnet_pool_warnings(d->eng, sid - 1));
		for (int i = 0; i < 3; i++)
			tot[i] += sub[i];
		tot[3] += engine_subnet_cumulative_assigned(d->eng, sid - 1);
		tot[4] += engine_subnet_pool_warnings(d->eng, sid - 1);
	}
	stat(s, "total-addresses", tot[0]);
	stat(s, "assigned-addresses", tot[1]);
	stat(s, "declined-addresses", tot[2]);
	stat(s, "cumulative-assigned-addresses", tot[3]);
	stat(s, "pool-exhaustion-warnings", tot[4]);
}

static void probe_stats(struct stats *s, const struct probe_table *p)
{
	const struct probe_stats *ps = probe_get_stats(p);

	stat(s, "probes-sent", ps->started);
	stat(s, "probe-free", ps->free);
	stat(s, "probe-conflicts", ps->conflicts);
	stat(s, "probe-table-full", ps->table_full);
	stat(s, "probe-held", ps->held);
	stat(s, "probe-held-dropped", ps->held_dropped);
}

static void ddns_stats(struct stats *s, const struct ddns *dd)
{
	const struct ddns_stats *ds = ddns_get_stats(dd);

	stat(s, "ddns-updates-queued", ds->queued);
	stat(s, "ddns-updates-sent", ds->sent);
	stat(s, "ddns-retries", ds->retries);
	stat(s, "ddns-noerror", ds->noerror);
	stat(s, "ddns-failed", ds->failed);
	stat(s, "ddns-conflicts", ds->conflicts);
	stat(s, "ddns-derived-names", ds->derived);
	stat(s, "ddns-not-owned", ds->not_owned);
	stat(s, "ddns-timeouts", ds->timeouts);
	stat(s, "ddns-dropped", ds->dropped);
	stat(s, "ddns-invalid-names", ds->invalid_names);
	stat(s, "ddns-unchanged", ds->unchanged);
	stat(s, "ddns-send-errors", ds->send_errors);
}

static void ra_stat(void *arg, const char *name, uint64_t v)
{
	stat(arg, name, v);
}

static json_t *stats_json(void *ctx)
{
	struct dhcpd *d = ctx;
	const struct dhcpd_conf *c = np_daemon_conf(d->dm);
	struct stats s = { .o = json_object() };
	struct dhcpd_io_stats io;

	if (s.o == NULL)
		return NULL;
	np_wall_stamp(s.when);
	engine_stats(&s, engine_get_stats(d->eng));
	dhcpd_io_get_stats(d->io, &io);
	stat(&s, "pkt4-sent", io.sent);
	stat(&s, "pkt4-send-errors", io.send_errors);
	stat(&s, "lease-commit-failures", io.commit_failures);
	stat(&s, "acks-withheld", io.acks_withheld);
	stat(&s, "pkt4-malformed-frames", io.rx_malformed);
	stat(&s, "pkt4-oversized", io.rx_oversized);
	stat(&s, "commit-batches", io.batches);
	address_stats(&s, d, c);
	stat(&s, "leases", lease_count(d->lt));
	stat(&s, "leases6", d->lt6 != NULL ? lease6_count(d->lt6) : 0);
	if (d->eng6 != NULL)
		engine6_stats(&s, engine6_get_stats(d->eng6));
	if (d->io6 != NULL)
		io6_stats(&s, d->io6);
	/* What the start-up recovered from a damaged or incomplete lease store. */
	stat(&s, "lease-file-damage-recovered", (uint64_t)__builtin_popcount(d->store_damage));
	stat(&s, "lease-file-octets-lost", d->store_lost_octets);
	if (engine_probe(d->eng) != NULL)
		probe_stats(&s, engine_probe(d->eng));
	if (d->ddns != NULL)
		ddns_stats(&s, d->ddns);
	if (d->tl != NULL) {
		const struct translog_stats *ts = translog_get_stats(d->tl);

		stat(&s, "transaction-log-entries", ts->entries);
		stat(&s, "transaction-log-file-lines", ts->file_lines);
		stat(&s, "transaction-log-write-errors", ts->write_errors);
		stat(&s, "transaction-log-dropped", ts->dropped);
		stat(&s, "transaction-log-open-errors", ts->reopen_errors);
	}
	if (d->ra != NULL)
		dhcpd_ra_stats(d->ra, ra_stat, &s);
	return s.o;
}

/* ---- the daemon ---------------------------------------------------------------------- */

static json_t *cmd_status(const char *command, json_t *args, void *ctx)
{
	struct dhcpd *d = ctx;
	const struct probe_table *p = engine_probe(d->eng);
	size_t probing = 0;

	(void)command;
	(void)args;
	if (p != NULL)
		probe_count(p, &probing);
	return np_ctl_answer(NP_CTL_SUCCESS, "status",
			     json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:s}", "pid",
				       (json_int_t)getpid(), "uptime", (json_int_t)np_mono_seconds_since(d->started),
				       "reload", (json_int_t)np_mono_seconds_since(d->reloaded), "leases",
				       (json_int_t)lease_count(d->lt), "probes-in-flight",
				       (json_int_t)probing, "ddns-in-flight",
				       (json_int_t)(d->ddns ? ddns_in_flight(d->ddns) : 0),
				       "lease-file-ok", d->last_err == 0, "lease-file-error",
				       d->last_err ? np_strerror(d->last_err) : ""));
}

/* Kea's pool and lease counts are levels, not totals. */
static enum np_metric_type metric_type(const char *name)
{
	size_t n = strlen(name);

	if ((n >= 10 && strcmp(name + n - 10, "-addresses") == 0) || strcmp(name, "leases") == 0 ||
	    strcmp(name, "leases6") == 0)
		return NP_METRIC_GAUGE;
	return NP_METRIC_COUNTER;
}

static const struct np_ctl_command commands[] = {
	{ "lease4-get-all", cmd_get_all },
	{ "lease4-get", cmd_get },
	{ "lease4-del", cmd_del },
	{ "lease6-get-all", cmd_get_all6 },
	{ "lease-get-all", cmd_get_all_families },
	{ "status-get", cmd_status },
	{ NULL, NULL },
};

const struct np_service_ops dhcpd_service = {
	.commands = commands,
	.stats = stats_json,
	.kea_stats = true,
	.metrics_prefix = "np_dhcpd",
	.metric_type = metric_type,
	.reload_text = "Configuration successful.",
};
