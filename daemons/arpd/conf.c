/*
 * conf.c: np-arpd's settings (documented in conf/np-arpd.conf).
 *
 * The loader reports every error it finds with its file:line and goes on,
 * so `np-arpd -t` lists them all.  Entries are checked one by one (syntax,
 * addresses one cannot answer for, the MAC), then together: overlaps and
 * the 1,000,000-address limit, while the table is built, so a config that
 * passes -t is exactly one that loads.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/error.h>
#include <netproto/ether.h>
#include <netproto/ipv4.h>
#include <netproto/ipv6.h>

#include "conf.h"
#include "log.h"

static const struct np_conf_key entry_keys[] = {
	{ "address", NULL },
	{ "mac", NULL },
	{ "unused_only", NULL },
	{ "proxy", NULL },
	{ NULL, NULL },
};

static const struct np_conf_key announce_keys[] = {
	{ "count", NULL },
	{ "interval", NULL },
	{ "wait", NULL },
	{ NULL, NULL },
};

static const struct np_conf_key probe_keys[] = {
	{ "rate", NULL },
	{ "timeout", NULL },
	{ "recheck", NULL },
	{ NULL, NULL },
};

static const struct np_conf_key root_keys[] = {
	{ "interface", NULL },
	{ "entries", entry_keys },
	{ "unused_only", NULL },
	{ "announce", announce_keys },
	{ "probe", probe_keys },
	{ "defend", NULL },
	{ "router", NULL },
	NP_COMMON_CONF_KEYS,
	{ "receive_buffer", NULL },
	{ "batch", NULL },
	{ NULL, NULL },
};

int arpd_parse_mac(const char *s, uint8_t mac[6])
{
	return np_ether_addr_parse(s, mac) == 0 ? 0 : -1;
}

static uint32_t prefix_mask(unsigned int prefix)
{
	return prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
}

int arpd_parse_range(const char *s, uint32_t *first, uint32_t *last, char *why, size_t cap)
{
	const char *dash = strchr(s, '-');
	struct np_conf_cidr c;
	uint32_t a, b;
	char left[32];

	if (strchr(s, '/')) {
		if (np_conf_parse_cidr(s, &c) < 0) {
			snprintf(why, cap, "\"%s\" is not a prefix a.b.c.d/n", s);
			return -1;
		}
		if (c.addr & ~prefix_mask(c.prefix)) {
			snprintf(why, cap, "\"%s\" has host bits set", s);
			return -1;
		}
		*first = c.addr;
		*last = c.addr | ~prefix_mask(c.prefix);
		return 0;
	}
	if (dash) {
		if ((size_t)(dash - s) >= sizeof(left) || np_conf_parse_ipv4(dash + 1, &b) < 0)
			goto bad_range;
		memcpy(left, s, (size_t)(dash - s));
		left[dash - s] = '\0';
		if (np_conf_parse_ipv4(left, &a) < 0)
			goto bad_range;
		if (a > b) {
			snprintf(why, cap, "\"%s\": the first address is above the last", s);
			return -1;
		}
		*first = a;
		*last = b;
		return 0;
	}
	if (np_conf_parse_ipv4(s, &a) < 0) {
		snprintf(why, cap, "\"%s\" is not an address, a prefix a.b.c.d/n or a range "
			 "a.b.c.d-e.f.g.h", s);
		return -1;
	}
	*first = *last = a;
	return 0;

bad_range:
	snprintf(why, cap, "\"%s\" is not an address, a prefix a.b.c.d/n or a range "
		 "a.b.c.d-e.f.g.h", s);
	return -1;
}

int arpd_parse_prefix6(const char *s, uint8_t addr[16], uint8_t *plen, char *why, size_t cap)
{
	const char *slash = strchr(s, '/');
	char text[NP_IPV6_ADDR_TEXT_LEN];
	unsigned long n = 128;
	char *end;

	if ((slash ? (size_t)(slash - s) : strlen(s)) >= sizeof(text))
		goto bad;
	memcpy(text, s, slash ? (size_t)(slash - s) : strlen(s) + 1);
	if (slash) {
		text[slash - s] = '\0';
		if (slash[1] < '0' || slash[1] > '9')
			goto bad;
		n = strtoul(slash + 1, &end, 10);
		if (*end || n > 128)
			goto bad;
	}
	if (np_ipv6_addr_parse(text, addr) < 0)
		goto bad;
	for (unsigned int i = (unsigned int)n; i < 128; i++) {
		if (addr[i / 8] & (0x80u >> (i % 8))) {
			snprintf(why, cap, "\"%s\" has host bits set", s);
			return -1;
		}
	}
	*plen = (uint8_t)n;
	return 0;
bad:
	snprintf(why, cap, "\"%s\" is not an IPv6 address or prefix (2001:db8::10, "
		 "2001:db8::/64)", s);
	return -1;
}

/*
 * IPv6 addresses nobody may answer Neighbor Solicitations for: the
 * unspecified address (the DAD prober's source), loopback, multicast
 * (RFC 4861 §7.1.1 drops a multicast target) (RFC 4291 §2.5.2, §2.5.3, §2.7).
 */
static const char *reserved6(const uint8_t a[16], unsigned int plen)
{
	static const uint8_t zero[16], loop[16] = { [15] = 1 }, mcast[16] = { 0xff };

	if (arpd_prefix6_match(a, plen, zero))
		return "the unspecified address ::";
	if (arpd_prefix6_match(a, plen, loop))
		return "the loopback address ::1";
	if (a[0] == 0xff || (plen < 8 && arpd_prefix6_match(a, plen, mcast)))
		return "multicast addresses (ff00::/8)";
	return NULL;
}

/* Addresses nobody may answer ARP for (RFC 1122 §3.2.1.3, RFC 5771). */
static const char *reserved(uint32_t first, uint32_t last)
{
	if (first == 0)
		return "0.0.0.0 (\"this host\", the RFC 5227 probe sender)";
	if (first <= 0x7fffffff && last >= 0x7f000000)
		return "loopback addresses (127.0.0.0/8)";
	if (last >= 0xe0000000)
		return "multicast or broadcast addresses (224.0.0.0 and above)";
	return NULL;
}

static int load_entry(struct np_conf_err *e, const config_setting_t *g, bool unused_default,
		      struct arpd_entry *out)
{
	char addr[64], mac[32], why[160];
	const config_setting_t *s;
	struct arpd_entry en = { .unused_only = unused_default, .line = 0 };
	const char *r;
	int ok = 0;

	en.line = (int)config_setting_source_line(g);
	if (np_conf_get_string(e, g, "address", NP_CONF_REQUIRED, addr, sizeof(addr)) < 1)
		ok = -1;
	s = config_setting_get_member(g, "address");
	en.v6 = ok == 0 && strchr(addr, ':') != NULL;
	if (en.v6) {
		if (arpd_parse_prefix6(addr, en.addr6, &en.plen6, why, sizeof(why)) < 0) {
			np_conf_error(e, s, "address: %s", why);
			ok = -1;
		} else if ((r = reserved6(en.addr6, en.plen6)) != NULL) {
			np_conf_error(e, s, "address: \"%s\" includes %s", addr, r);
			ok = -1;
		}
	} else if (ok == 0 && arpd_parse_range(addr, &en.first, &en.last, why, sizeof(why)) < 0) {
		np_conf_error(e, s, "address: %s", why);
		ok = -1;
	}
	if (ok == 0 && !en.v6 && (r = reserved(en.first, en.last)) != NULL) {
		np_conf_error(e, s, "address: \"%s\" includes %s", addr, r);
		ok = -1;
	}
	switch (np_conf_get_string(e, g, "mac", NP_CONF_OPTIONAL, mac, sizeof(mac))) {
	case 1:
		s = config_setting_get_member(g, "mac");
		if (arpd_parse_mac(mac, en.mac) < 0) {
			np_conf_error(e, s, "mac: \"%s\" is not a MAC address aa:bb:cc:dd:ee:ff", mac);
			ok = -1;
		} else if ((en.mac[0] & 1) || !(en.mac[0] | en.mac[1] | en.mac[2] | en.mac[3] |
						en.mac[4] | en.mac[5])) {
			np_conf_error(e, s, "mac: \"%s\" is not a unicast address", mac);
			ok = -1;
		}
		en.has_mac = true;
		break;
	case -1:
		ok = -1;
		break;
	}
	if (np_conf_get_bool(e, g, "unused_only", NP_CONF_OPTIONAL, &en.unused_only) < 0)
		ok = -1;
	if (np_conf_get_bool(e, g, "proxy", NP_CONF_OPTIONAL, &en.proxy) < 0)
		ok = -1;
	if (ok == 0 && en.proxy && !en.v6) {
		np_conf_error(e, config_setting_get_member(g, "proxy"),
			      "proxy: applies to IPv6 entries only (ARP has no override flag)");
		ok = -1;
	}
	/* Probing a /64 address by address is not possible: unused_only needs one address. */
	if (ok == 0 && en.v6 && en.unused_only && en.plen6 != 128) {
		np_conf_error(e, s, "address: \"%s\": unused_only takes single IPv6 addresses, "
			      "not prefixes", addr);
		ok = -1;
	}
	if (ok == 0)
		*out = en;
	return ok;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct arpd_entry *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* Overlaps are found on a sorted copy, so the message can name both lines. */
static int check_overlaps(struct np_conf_err *e, const config_setting_t *list,
			  const struct arpd_entry *en, unsigned int n)
{
	struct arpd_entry *sorted = malloc(n * sizeof(*sorted));
	char a[NP_IPV4_ADDR_TEXT_LEN];
	int bad = 0;

	if (!sorted) {
		np_conf_error(e, list, "entries: out of memory");
		return -1;
	}
	{
		unsigned int m = 0;

		for (unsigned int i = 0; i < n; i++)
			if (!en[i].v6)
				sorted[m++] = en[i];
		n = m;
	}
	qsort(sorted, n, sizeof(*sorted), entry_cmp);
	for (unsigned int i = 1; i < n; i++) {
		if (sorted[i].first > sorted[i - 1].last)
			continue;
		const struct arpd_entry *x = &sorted[i - 1], *y = &sorted[i];
		const struct arpd_entry *later = x->line > y->line ? x : y;
		const struct arpd_entry *earlier = later == x ? y : x;

		np_ipv4_addr_to_text(y->first, a);
		np_conf_error(e, NULL, "%s:%d: entries: this entry overlaps the one at line %d "
			      "(both hold %s)", config_setting_source_file(list) ?
			      config_setting_source_file(list) : "config", later->line,
			      earlier->line, a);
		bad = -1;
	}
	free(sorted);
	return bad;
}

static int build_table4(struct np_conf_err *e, const config_setting_t *list,
			struct arpd_conf *conf);

/* One IPv6 entry into table6; duplicates named with both lines. */
static int add6(struct np_conf_err *e, const config_setting_t *g, struct arpd_conf *conf,
		const struct arpd_entry *en, uint16_t mac)
{
	uint8_t flags = (uint8_t)((en->unused_only ? ARPD_SLOT_UNUSED_ONLY : 0) |
				  (en->proxy ? ARPD_SLOT_PROXY : 0));
	char a[NP_IPV6_ADDR_TEXT_LEN];
	int r;

	if (en->plen6 == 128)
		r = arpd_table6_add(&conf->table6, en->addr6, mac, flags);
	else
		r = arpd_table6_add_prefix(&conf->table6, en->addr6, en->plen6, mac, flags);
	if (r == 0)
		return 0;
	np_ipv6_addr_to_text(en->addr6, a);
	if (r == -EEXIST) {
		for (const struct arpd_entry *o = conf->entries; o < en; o++)
			if (o->v6 && o->plen6 == en->plen6 && memcmp(o->addr6, en->addr6, 16) == 0)
				np_conf_error(e, g, "entries: %s/%u is already the entry at line %d",
					      a, en->plen6, o->line);
	} else if (r == -ENOSPC && en->plen6 != 128) {
		np_conf_error(e, g, "entries: more than %u IPv6 prefixes", ARPD_TABLE6_MAX_PREFIXES);
	} else {
		np_conf_error(e, g, "entries: cannot add %s to the table: %s", a, np_strerror(r));
	}
	return -1;
}

static int build_table(struct np_conf_err *e, const config_setting_t *list,
		       struct arpd_conf *conf)
{
	uint64_t singles6 = 0;

	for (unsigned int i = 0; i < conf->nentries; i++) {
		if (conf->entries[i].v6) {
			conf->nentries6++;
			singles6 += conf->entries[i].plen6 == 128;
		}
	}
	if (singles6 > ARPD_TABLE_MAX) {
		np_conf_error(e, list, "entries: more than %u IPv6 addresses", ARPD_TABLE_MAX);
		return -1;
	}
	if (arpd_table6_init(&conf->table6, (uint32_t)singles6) < 0) {
		np_conf_error(e, list, "entries: out of memory for %llu IPv6 addresses",
			      (unsigned long long)singles6);
		return -1;
	}
	return build_table4(e, list, conf);
}

static int build_table4(struct np_conf_err *e, const config_setting_t *list,
			struct arpd_conf *conf)
{
	uint64_t total = 0;
	uint32_t dup;
	int r;

	for (unsigned int i = 0; i < conf->nentries; i++) {
		if (conf->entries[i].v6)
			continue;
		total += (uint64_t)conf->entries[i].last - conf->entries[i].first + 1;
		if (total > ARPD_TABLE_MAX) {
			np_conf_error(e, config_setting_get_elem(list, i),
				      "entries: more than %u addresses in all (this entry brings "
				      "the total to %llu)", ARPD_TABLE_MAX,
				      (unsigned long long)total);
			return -1;
		}
	}
	if (check_overlaps(e, list, conf->entries, conf->nentries) < 0)
		return -1;
	if (arpd_table_init(&conf->table, total ? (uint32_t)total : 1) < 0) {
		np_conf_error(e, list, "entries: out of memory for %llu addresses",
			      (unsigned long long)total);
		return -1;
	}
	for (unsigned int i = 0; i < conf->nentries; i++) {
		const struct arpd_entry *en = &conf->entries[i];
		int mac = arpd_table_mac(&conf->table, en->has_mac ? en->mac : NULL);

		if (mac < 0) {
			np_conf_error(e, config_setting_get_elem(list, i),
				      "entries: more than %u distinct MACs", ARPD_TABLE_MAX_MACS - 1);
			return -1;
		}
		if (en->v6) {
			if (add6(e, config_setting_get_elem(list, i), conf, en, (uint16_t)mac) < 0)
				return -1;
			continue;
		}
		r = arpd_table_add(&conf->table, en->first, en->last, (uint16_t)mac,
				   en->unused_only ? ARPD_SLOT_UNUSED_ONLY : 0, &dup);
		if (r < 0) {
			np_conf_error(e, config_setting_get_elem(list, i),
				      "entries: cannot add to the table: %s", np_strerror(r));
			return -1;
		}
	}
	return 0;
}

static int load_entries(struct np_conf_err *e, const config_setting_t *root,
			struct arpd_conf *conf)
{
	const config_setting_t *list;
	unsigned int n, bad = 0;

	if (np_conf_get_list(e, root, "entries", NP_CONF_REQUIRED, &list) < 1)
		return -1;
	n = (unsigned int)config_setting_length(list);
	if (n == 0) {
		np_conf_error(e, list, "entries: the list is empty: nothing to answer for");
		return -1;
	}
	conf->entries = calloc(n, sizeof(*conf->entries));
	if (!conf->entries) {
		np_conf_error(e, list, "entries: out of memory");
		return -1;
	}
	conf->nentries = n;
	for (unsigned int i = 0; i < n; i++)
		if (load_entry(e, config_setting_get_elem(list, i), conf->unused_only,
			       &conf->entries[i]) < 0)
			bad++;
	if (bad)
		return -1;
	return build_table(e, list, conf);
}

static void load_announce(struct np_conf_err *e, const config_setting_t *root,
			  struct arpd_conf *conf)
{
	const config_setting_t *g = NULL;

	conf->announce.count = ARPD_ANNOUNCE_NUM;
	conf->announce.interval_ms = ARPD_ANNOUNCE_INTERVAL_MS;
	conf->announce.wait_ms = ARPD_ANNOUNCE_WAIT_MS;
	if (np_conf_get_group(e, root, "announce", NP_CONF_OPTIONAL, &g) < 1)
		return;
	np_conf_get_int(e, g, "count", NP_CONF_OPTIONAL, 0, 100, &conf->announce.count);
	np_conf_get_duration(e, g, "interval", NP_CONF_OPTIONAL, 10, 3600 * 1000,
			     &conf->announce.interval_ms);
	np_conf_get_duration(e, g, "wait", NP_CONF_OPTIONAL, 0, 3600 * 1000,
			     &conf->announce.wait_ms);
}

static void load_probe(struct np_conf_err *e, const config_setting_t *root,
		       struct arpd_conf *conf)
{
	const config_setting_t *g = NULL;

	conf->probe.rate = 100;
	conf->probe.timeout_ms = 1000;
	conf->probe.recheck_ms = 300 * 1000;
	if (np_conf_get_group(e, root, "probe", NP_CONF_OPTIONAL, &g) < 1)
		return;
	np_conf_get_int(e, g, "rate", NP_CONF_OPTIONAL, 1, 100000, &conf->probe.rate);
	np_conf_get_duration(e, g, "timeout", NP_CONF_OPTIONAL, 10, 60 * 1000,
			     &conf->probe.timeout_ms);
	np_conf_get_duration(e, g, "recheck", NP_CONF_OPTIONAL, 1000, 7 * 86400 * 1000ull,
			     &conf->probe.recheck_ms);
}

struct arpd_conf *arpd_conf_load(const struct np_conf *c, struct np_conf_err *e)
{
	const config_setting_t *root = np_conf_root(c);
	struct arpd_conf *conf = calloc(1, sizeof(*conf));

	if (!conf) {
		np_conf_error(e, NULL, "out of memory");
		return NULL;
	}
	conf->rcvbuf = 4 << 20;
	conf->batch = 64;
	np_conf_check_keys(e, root, root_keys);
	np_conf_get_string(e, root, "interface", NP_CONF_REQUIRED, conf->interface,
			   sizeof(conf->interface));
	np_conf_get_bool(e, root, "unused_only", NP_CONF_OPTIONAL, &conf->unused_only);
	np_conf_get_bool(e, root, "defend", NP_CONF_OPTIONAL, &conf->defend);
	np_conf_get_bool(e, root, "router", NP_CONF_OPTIONAL, &conf->router);
	np_common_conf_load(e, root, NULL, &conf->common);
	np_conf_get_int(e, root, "receive_buffer", NP_CONF_OPTIONAL, 65536, 1 << 30,
			&conf->rcvbuf);
	np_conf_get_int(e, root, "batch", NP_CONF_OPTIONAL, 1, 1024, &conf->batch);
	load_announce(e, root, conf);
	load_probe(e, root, conf);
	load_entries(e, root, conf);
	if (e->count) {
		arpd_conf_free(conf);
		return NULL;
	}
	return conf;
}

void arpd_conf_free(struct arpd_conf *conf)
{
	if (!conf)
		return;
	arpd_table_free(&conf->table);
	arpd_table6_free(&conf->table6);
	free(conf->entries);
	free(conf);
}
