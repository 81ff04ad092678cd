/*
 * control.c: np-arpd's control commands, in Kea's command shape (ctl.h),
 * and its counter table:
 *
 *   table [{"address": "a.b.c.d"}]: the entries, or what one address is
 *
 * The skeleton's service (service.h) adds statistic-get-all (alias
 * "stats"), config-reload and status-get, and serves the same counters on
 * metrics_listen as Prometheus samples.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <netproto/error.h>
#include <netproto/ether.h>
#include <netproto/ipv4.h>
#include <netproto/ipv6.h>

#include "arpd.h"
#include "io.h"

static json_t *stats_json(void *ctx)
{
	struct arpd *a = ctx;
	const struct arpd_stats *st = &a->resp.stats;
	json_t *o = json_object();

	if (!o)
		return NULL;
	arpd_io_refresh_stats(a);
	json_object_set_new(o, "pkt-received", json_integer((json_int_t)st->received));
	json_object_set_new(o, "arp-request-received", json_integer((json_int_t)st->requests));
	json_object_set_new(o, "ndp-solicit-received", json_integer((json_int_t)st->solicits));
	for (int v = 0; v < ARPD_VERDICTS; v++)
		json_object_set_new(o, arpd_verdict_name(v),
				    json_integer((json_int_t)st->verdict[v]));
	json_object_set_new(o, "conflicts", json_integer((json_int_t)(
		st->verdict[ARPD_DEFEND] + st->verdict[ARPD_CONFLICT])));
	json_object_set_new(o, "pkt-sent", json_integer((json_int_t)a->stats.sent));
	json_object_set_new(o, "pkt-send-dropped", json_integer((json_int_t)a->stats.send_dropped));
	json_object_set_new(o, "pkt-truncated", json_integer((json_int_t)a->stats.truncated));
	json_object_set_new(o, "pkt-kernel-dropped", json_integer((json_int_t)a->stats.kernel_drops));
	json_object_set_new(o, "receive-batches", json_integer((json_int_t)a->stats.batches));
	json_object_set_new(o, "announcements-sent", json_integer((json_int_t)a->stats.announcements));
	json_object_set_new(o, "probes-sent", json_integer((json_int_t)a->stats.probes));
	json_object_set_new(o, "ndp-unsolicited-na-sent",
			    json_integer((json_int_t)a->stats.unsolicited_na));
	json_object_set_new(o, "ndp-groups-joined", json_integer((json_int_t)a->stats.groups_joined));
	return o;
}

static const char *state_name(const struct arpd_slot *s)
{
	static const char *const names[] = { "unknown", "free", "used" };
	unsigned int st = s->state & ~ARPD_STATE_PROBING;

	if (!(s->flags & ARPD_SLOT_UNUSED_ONLY))
		return "claimed";
	return st < 3 ? names[st] : "unknown";
}

static json_t *one_address6(struct arpd *a, const char *text)
{
	const struct arpd_table6 *t = &a->conf->table6;
	struct arpd_slot6 tmp;
	const struct arpd_slot6 *s;
	uint8_t addr[16];
	char mac[NP_ETHER_ADDR_TEXT_LEN];

	if (np_ipv6_addr_parse(text, addr) < 0)
		return np_ctl_answer(1, "\"address\" is not an IPv4 or IPv6 address", NULL);
	s = arpd_table6_lookup(t, addr, &tmp);
	if (!s)
		return np_ctl_answer(3, "not in the table", NULL);
	np_ether_addr_to_text(s->mac == ARPD_MAC_IFACE ? a->ifmac : a->conf->table.macs[s->mac],
			      mac);
	return np_ctl_answer(0, "in the table",
			     json_pack("{s:s, s:s, s:b, s:b, s:s, s:b}", "address", text, "mac",
				       mac, "proxy", !!(s->flags & ARPD_SLOT_PROXY), "unused-only",
				       !!(s->flags & ARPD_SLOT_UNUSED_ONLY), "state",
				       state_name((const struct arpd_slot *)&(struct arpd_slot){
					       .flags = s->flags, .state = s->state }),
				       "probing", !!(s->state & ARPD_STATE_PROBING)));
}

static json_t *one_address(struct arpd *a, const char *text)
{
	const struct arpd_table *t = &a->conf->table;
	const struct arpd_slot *s;
	char mac[NP_ETHER_ADDR_TEXT_LEN];
	uint32_t addr;

	if (strchr(text, ':'))
		return one_address6(a, text);
	if (np_ipv4_addr_parse(text, &addr) < 0)
		return np_ctl_answer(1, "\"address\" is not an IPv4 or IPv6 address", NULL);
	s = arpd_table_find(t, addr);
	if (!s)
		return np_ctl_answer(3, "not in the table", NULL);
	np_ether_addr_to_text(arpd_table_slot_mac(t, s, a->ifmac), mac);
	return np_ctl_answer(0, "in the table",
			     json_pack("{s:s, s:s, s:b, s:s, s:b}", "address", text, "mac", mac,
				       "unused-only", !!(s->flags & ARPD_SLOT_UNUSED_ONLY),
				       "state", state_name(s), "probing",
				       !!(s->state & ARPD_STATE_PROBING)));
}

static json_t *cmd_table(const char *command, json_t *args, void *ctx)
{
	struct arpd *a = ctx;
	const struct arpd_conf *conf = a->conf;
	json_t *addr = args ? json_object_get(args, "address") : NULL;
	json_t *entries = json_array();
	char first[NP_IPV4_ADDR_TEXT_LEN], last[NP_IPV4_ADDR_TEXT_LEN], mac[NP_ETHER_ADDR_TEXT_LEN];

	(void)command;
	if (addr) {
		json_decref(entries);
		if (!json_is_string(addr))
			return np_ctl_answer(1, "\"address\" must be a string", NULL);
		return one_address(a, json_string_value(addr));
	}
	if (!entries)
		return NULL;
	for (unsigned int i = 0; i < conf->nentries; i++) {
		const struct arpd_entry *en = &conf->entries[i];

		if (en->v6) {
			char a6[NP_IPV6_ADDR_TEXT_LEN], pfx[NP_IPV6_ADDR_TEXT_LEN + 4];

			np_ipv6_addr_to_text(en->addr6, a6);
			snprintf(pfx, sizeof(pfx), "%s/%u", a6, en->plen6);
			np_ether_addr_to_text(en->has_mac ? en->mac : a->ifmac, mac);
			json_array_append_new(entries, json_pack("{s:s, s:s, s:b, s:b}", "prefix",
								 pfx, "mac", mac, "proxy", en->proxy,
								 "unused-only", en->unused_only));
			continue;
		}
		np_ipv4_addr_to_text(en->first, first);
		np_ipv4_addr_to_text(en->last, last);
		np_ether_addr_to_text(en->has_mac ? en->mac : a->ifmac, mac);
		json_array_append_new(entries, json_pack("{s:s, s:s, s:s, s:I, s:b}", "first",
							 first, "last", last, "mac", mac,
							 "addresses", (json_int_t)(en->last -
							 en->first + 1), "unused-only",
							 en->unused_only));
	}
	return np_ctl_answer(0, "table", json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:o}",
				"interface", conf->interface,
				"ipv6-addresses", (json_int_t)conf->table6.count,
				"ipv6-prefixes", (json_int_t)conf->table6.nprefixes,
				"addresses", (json_int_t)conf->table.count,
				"unused-only", (json_int_t)conf->table.unused_only,
				"memory-bytes", (json_int_t)arpd_table_memory(&conf->table),
				"entries", entries));
}

static const struct np_ctl_command commands[] = {
	{ "table", cmd_table },
	{ NULL, NULL },
};

const struct np_service_ops arpd_service = {
	.commands = commands,
	.stats = stats_json,
	.metrics_prefix = "np_arpd",
	.reload_text = "configuration reloaded",
};
