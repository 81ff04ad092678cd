/*
 * conf-ra.c: the router_advertisements list of np-dhcpd.conf into plain
 * struct ra_config values (ra.h), with the bounds of RFC 4861 §6.2.1.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/dns.h>

#include "../common/conf.h"
#include "../common/log.h"
#include "conf-ra.h"

#define DEFAULT_MAX_INTERVAL_MS 600000u
#define DEFAULT_VALID_LIFETIME 86400u      /* RFC 4861 §6.2.1 AdvValidLifetime */
#define DEFAULT_PREFERRED_LIFETIME 14400u  /* AdvPreferredLifetime */
#define INFINITE 0xffffffffu

static const struct np_conf_key prefix_keys[] = {
	{ "prefix", NULL }, { "on_link", NULL }, { "autonomous", NULL },
	{ "valid_lifetime", NULL }, { "preferred_lifetime", NULL }, { NULL, NULL },
};

const struct np_conf_key dhcpd_ra_keys[] = {
	{ "interface", NULL }, { "prefixes", prefix_keys }, { "managed", NULL },
	{ "other", NULL }, { "router_lifetime", NULL }, { "preference", NULL },
	{ "mtu", NULL }, { "min_interval", NULL }, { "max_interval", NULL },
	{ "hop_limit", NULL }, { "solicited_unicast", NULL }, { "rdnss", NULL },
	{ "dnssl", NULL }, { "dns_lifetime", NULL }, { NULL, NULL },
};

static const struct np_conf_enum preferences[] = {
	{ "low", RA_PRF_LOW }, { "medium", RA_PRF_MEDIUM }, { "high", RA_PRF_HIGH }, { NULL, 0 },
};

static int parse_prefix6(const char *s, struct ra_prefix *p)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	char *end;
	long len;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	len = strtol(slash + 1, &end, 10);
	if (*end != '\0' || end == slash + 1 || len < 1 || len > 128 ||
	    inet_pton(AF_INET6, buf, p->prefix) != 1)
		return -1;
	p->len = (uint8_t)len;
	return 0;
}

static bool host_bits_set(const struct ra_prefix *p)
{
	for (unsigned bit = p->len; bit < 128; bit++)
		if (p->prefix[bit / 8] & (0x80u >> (bit % 8)))
			return true;
	return false;
}

/* A lifetime: a duration, or "infinite" (0xffffffff, RFC 4861 §4.6.2). */
static int get_lifetime(struct np_conf_err *e, const config_setting_t *g, const char *name,
			uint32_t *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	uint64_t ms;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING &&
	    strcmp(config_setting_get_string(s), "infinite") == 0) {
		*out = INFINITE;
		return 1;
	}
	if (np_conf_get_duration(e, g, name, NP_CONF_OPTIONAL, 0, (INFINITE - 1ull) * 1000, &ms) < 0)
		return -1;
	*out = (uint32_t)(ms / 1000);
	return 1;
}

static void check_prefix(struct np_conf_err *e, const config_setting_t *at,
			 const struct ra_prefix *p, const char *text)
{
	if (p->preferred_lifetime > p->valid_lifetime)
		np_conf_error(e, at, "prefix %s: preferred_lifetime is longer than valid_lifetime "
			      "(RFC 4862 §5.5.3)", text);
	if (p->autonomous && p->len != 64)
		np_conf_error(e, at, "prefix %s: an autonomous prefix is a /64 (SLAAC forms a 64-bit "
			      "interface identifier, RFC 4862 §5.5.3, RFC 4291 §2.5.1); set "
			      "autonomous = false for another length", text);
	if (p->len <= 128 && host_bits_set(p))
		np_conf_error(e, at, "prefix %s has bits set after its length", text);
}

static void prefix_defaults(struct ra_prefix *p)
{
	p->on_link = true;
	p->autonomous = true;
	p->valid_lifetime = DEFAULT_VALID_LIFETIME;
	p->preferred_lifetime = DEFAULT_PREFERRED_LIFETIME;
}

/* One element of prefixes: "auto", "PREFIX/LEN", or { prefix = ...; ... }. */
static void read_prefix(struct np_conf_err *e, const config_setting_t *el, struct ra_config *c)
{
	struct ra_prefix p;
	char text[64] = "";

	memset(&p, 0, sizeof(p));
	prefix_defaults(&p);
	if (config_setting_type(el) == CONFIG_TYPE_STRING) {
		snprintf(text, sizeof(text), "%s", config_setting_get_string(el));
	} else if (config_setting_is_group(el)) {
		if (np_conf_get_string(e, el, "prefix", NP_CONF_REQUIRED, text, sizeof(text)) < 0)
			return;
		np_conf_get_bool(e, el, "on_link", NP_CONF_OPTIONAL, &p.on_link);
		np_conf_get_bool(e, el, "autonomous", NP_CONF_OPTIONAL, &p.autonomous);
		get_lifetime(e, el, "valid_lifetime", &p.valid_lifetime);
		get_lifetime(e, el, "preferred_lifetime", &p.preferred_lifetime);
	} else {
		np_conf_error(e, el, "prefixes: each one is a string or a group { prefix = ...; }");
		return;
	}
	if (strcmp(text, "auto") == 0) {
		if (c->auto_prefixes)
			np_conf_error(e, el, "prefixes: \"auto\" given twice");
		c->auto_prefixes = true;
		c->auto_prefix = p;
		check_prefix(e, el, &(struct ra_prefix){ .len = 64, .autonomous = false,
				 .valid_lifetime = p.valid_lifetime,
				 .preferred_lifetime = p.preferred_lifetime }, text);
		return;
	}
	if (parse_prefix6(text, &p) < 0) {
		np_conf_error(e, el, "prefixes: \"%s\" is not an IPv6 prefix (2001:db8:1::/64) or \"auto\"",
			      text);
		return;
	}
	check_prefix(e, el, &p, text);
	for (size_t i = 0; i < c->nprefixes; i++)
		if (c->prefixes[i].len == p.len && memcmp(c->prefixes[i].prefix, p.prefix, 16) == 0)
			np_conf_error(e, el, "prefixes: %s given twice", text);
	if (c->nprefixes == RA_MAX_PREFIXES) {
		np_conf_error(e, el, "prefixes: at most %d", RA_MAX_PREFIXES);
		return;
	}
	c->prefixes[c->nprefixes++] = p;
}

static void read_prefixes(struct np_conf_err *e, const config_setting_t *g, struct ra_config *c)
{
	const config_setting_t *list = config_setting_get_member(g, "prefixes");

	if (list == NULL)
		return;
	if (!config_setting_is_aggregate(list) || config_setting_is_group(list)) {
		np_conf_error(e, list, "prefixes must be a list: [ \"2001:db8:1::/64\" ] or ( { prefix = ...; } )");
		return;
	}
	for (int i = 0; i < config_setting_length(list); i++)
		read_prefix(e, config_setting_get_elem(list, (unsigned)i), c);
}

static void read_dns(struct np_conf_err *e, const config_setting_t *g, struct ra_config *c)
{
	char **v = NULL;
	size_t n = 0;

	if (np_conf_get_strv(e, g, "rdnss", NP_CONF_OPTIONAL, RA_MAX_RDNSS, 64, &v, &n) > 0)
		for (size_t i = 0; i < n; i++)
			if (inet_pton(AF_INET6, v[i], c->rdnss[c->nrdnss++]) != 1)
				np_conf_error(e, config_setting_get_member(g, "rdnss"),
					      "rdnss: \"%s\" is not an IPv6 address", v[i]);
	np_conf_strv_free(v);
	v = NULL;
	if (np_conf_get_strv(e, g, "dnssl", NP_CONF_OPTIONAL, 16, 254, &v, &n) > 0)
		for (size_t i = 0; i < n; i++) {
			int w = np_dns_name_from_text(v[i], c->dnssl + c->dnssl_len,
						      sizeof(c->dnssl) - c->dnssl_len);

			if (w < 0 || w == 1) {
				np_conf_error(e, config_setting_get_member(g, "dnssl"),
					      "dnssl: \"%s\" is not a domain name, or the list is too long",
					      v[i]);
				break;
			}
			c->dnssl_len += (size_t)w;
		}
	np_conf_strv_free(v);
}

/* §6.2.1: MaxRtrAdvInterval 4..1800 s, MinRtrAdvInterval 3 s..0.75 Max. */
static void read_intervals(struct np_conf_err *e, const config_setting_t *g, struct ra_config *c)
{
	uint64_t max = DEFAULT_MAX_INTERVAL_MS, min;
	int has_min;

	np_conf_get_duration(e, g, "max_interval", NP_CONF_OPTIONAL, RA_MAX_INTERVAL_MIN_MS,
			     RA_MAX_INTERVAL_MAX_MS, &max);
	/* The default MinRtrAdvInterval: 0.33 Max when Max >= 9 s, else Max (§6.2.1). */
	min = max >= 9000 ? max / 3 : max;
	has_min = np_conf_get_duration(e, g, "min_interval", NP_CONF_OPTIONAL, 0, RA_MAX_INTERVAL_MAX_MS,
				       &min);
	if (has_min > 0 && (min < RA_MIN_INTERVAL_MIN_MS || min * 4 > max * 3))
		np_conf_error(e, config_setting_get_member(g, "min_interval"),
			      "min_interval must be between 3 s and 0.75 * max_interval (%llu ms) "
			      "(RFC 4861 §6.2.1)", (unsigned long long)(max * 3 / 4));
	c->max_interval_ms = (uint32_t)max;
	c->min_interval_ms = (uint32_t)min;
}

static void read_lifetimes(struct np_conf_err *e, const config_setting_t *g, struct ra_config *c)
{
	uint64_t life = 3ull * c->max_interval_ms, dns = 3ull * c->max_interval_ms;
	const config_setting_t *at = config_setting_get_member(g, "router_lifetime");

	/* §6.2.1: AdvDefaultLifetime 0 or MaxRtrAdvInterval..9000 s, default 3 * Max. */
	if (np_conf_get_duration(e, g, "router_lifetime", NP_CONF_OPTIONAL, 0, 9000000, &life) > 0 &&
	    life != 0 && life < c->max_interval_ms)
		np_conf_error(e, at, "router_lifetime must be 0 or between max_interval and 9000 s "
			      "(RFC 4861 §6.2.1)");
	c->router_lifetime = (uint16_t)(life / 1000);
	/* RFC 8106 §5.1: the default lifetime is at least 3 * MaxRtrAdvInterval. */
	np_conf_get_duration(e, g, "dns_lifetime", NP_CONF_OPTIONAL, 0, (INFINITE - 1ull) * 1000, &dns);
	c->dns_lifetime = (uint32_t)(dns / 1000);
}

static void read_one(struct np_conf_err *e, const config_setting_t *g, struct ra_config *c)
{
	int pref = RA_PRF_MEDIUM, mtu = 0, hops = 64;

	np_conf_get_string(e, g, "interface", NP_CONF_REQUIRED, c->ifname, sizeof(c->ifname));
	read_prefixes(e, g, c);
	np_conf_get_bool(e, g, "managed", NP_CONF_OPTIONAL, &c->managed);
	np_conf_get_bool(e, g, "other", NP_CONF_OPTIONAL, &c->other);
	np_conf_get_enum(e, g, "preference", NP_CONF_OPTIONAL, preferences, &pref);
	c->preference = (enum ra_preference)pref;
	/* RFC 8200 §5: 1280 is the least MTU of an IPv6 link. */
	np_conf_get_int(e, g, "mtu", NP_CONF_OPTIONAL, 1280, 65535, &mtu);
	c->mtu = (uint32_t)mtu;
	np_conf_get_int(e, g, "hop_limit", NP_CONF_OPTIONAL, 0, 255, &hops);
	c->cur_hop_limit = (uint8_t)hops;
	c->solicited_unicast = true;
	np_conf_get_bool(e, g, "solicited_unicast", NP_CONF_OPTIONAL, &c->solicited_unicast);
	read_intervals(e, g, c);
	read_lifetimes(e, g, c);
	read_dns(e, g, c);
}

/*
 * M set with no DHCPv6 subnet for the interface leaves its hosts without
 * addresses from anyone but SLAAC: a warning, since a DHCPv6 server
 * elsewhere on the link may serve them.  A subnets6 entry serves an
 * interface when it names it, or names none and its subnet is one of the
 * interface's prefixes.
 */
static bool subnet6_serves(const config_setting_t *root, const struct ra_config *c)
{
	const config_setting_t *list = config_setting_get_member(root, "subnets6");

	for (int i = 0; list != NULL && i < config_setting_length(list); i++) {
		const config_setting_t *sg = config_setting_get_elem(list, (unsigned)i);
		const char *ifname = NULL, *subnet = NULL;
		struct ra_prefix p;

		if (config_setting_lookup_string(sg, "interface", &ifname) && ifname != NULL)
			if (strcmp(ifname, c->ifname) == 0)
				return true;
		if (ifname != NULL || !config_setting_lookup_string(sg, "subnet", &subnet) ||
		    parse_prefix6(subnet, &p) < 0)
			continue;
		for (size_t k = 0; k < c->nprefixes; k++)
			if (c->prefixes[k].len == p.len && memcmp(c->prefixes[k].prefix, p.prefix, 16) == 0)
				return true;
		if (c->auto_prefixes)
			return true;            /* which prefix "auto" brings is known at run time */
	}
	return false;
}

int dhcpd_ra_conf_load(struct np_conf_err *e, const config_setting_t *root,
		       struct ra_config **out, size_t *count)
{
	const config_setting_t *list;
	struct ra_config *v;
	char where[300];
	int n;

	*out = NULL;
	*count = 0;
	if (np_conf_get_list(e, root, "router_advertisements", NP_CONF_OPTIONAL, &list) <= 0)
		return 0;
	n = config_setting_length(list);
	if (n > RA_MAX_INTERFACES) {
		np_conf_error(e, list, "router_advertisements: at most %d interfaces", RA_MAX_INTERFACES);
		return -1;
	}
	v = calloc((size_t)n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);

		read_one(e, g, &v[i]);
		for (int k = 0; k < i; k++)
			if (strcmp(v[k].ifname, v[i].ifname) == 0)
				np_conf_error(e, g, "router_advertisements: interface %s given twice",
					      v[i].ifname);
		if (v[i].nprefixes == 0 && !v[i].auto_prefixes && !v[i].managed)
			np_log_warning("%s: router_advertisements for %s: no prefix and managed = false: "
				       "hosts get no address from this link",
				       np_conf_where(g, where, sizeof(where)), v[i].ifname);
		if (v[i].managed && !subnet6_serves(root, &v[i]))
			np_log_warning("%s: router_advertisements for %s: managed = true but no subnets6 "
				       "entry serves %s: hosts are told to ask a DHCPv6 server",
				       np_conf_where(g, where, sizeof(where)), v[i].ifname, v[i].ifname);
	}
	*out = v;
	*count = (size_t)n;
	return 0;
}
