/*
 * conf6.c: np-dhcpd's DHCPv6 settings (subnets6, information_refresh_time)
 * into the engine's plain struct engine6_config (see conf.h).
 *
 * Option values are put in their RFC 8415 §21 wire form here: 23 (DNS
 * servers, RFC 3646 §3), 24 (domain search list, RFC 3646 §4, names
 * uncompressed as RFC 1035 §3.1 says), 56 (NTP server, RFC 5908 §4: one
 * NTP_SUBOPTION_SRV_ADDR per address).  Every error names FILE:LINE.
 */
#include "conf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/dhcp6.h>
#include <netproto/ipv6.h>

#define MAX_SUBNETS6 256
#define MAX_POOLS6 64
#define MAX_RESV6 4096
#define MAX_LIST6 16
#define NTP_SUBOPTION_SRV_ADDR 1               /* RFC 5908 §4.1 */
#define IRT_MINIMUM 600                        /* RFC 8415 §21.23 */

static const struct np_conf_key pool6_keys[] = {
	{ "first", NULL }, { "last", NULL }, { NULL, NULL },
};
static const struct np_conf_key pd_pool_keys[] = {
	{ "prefix", NULL }, { "delegated_length", NULL }, { NULL, NULL },
};
static const struct np_conf_key option6_keys[] = {
	{ "dns_servers", NULL }, { "domain_search", NULL }, { "ntp_servers", NULL },
	{ NULL, NULL },
};
static const struct np_conf_key resv6_keys[] = {
	{ "duid", NULL }, { "address", NULL }, { "prefix", NULL }, { "hostname", NULL },
	{ NULL, NULL },
};
const struct np_conf_key dhcpd_subnet6_keys[] = {
	{ "subnet", NULL }, { "interface", NULL }, { "pools", pool6_keys },
	{ "pd_pools", pd_pool_keys }, { "options", option6_keys },
	{ "reservations", resv6_keys }, { "preferred_lifetime", NULL },
	{ "valid_lifetime", NULL }, { "renew_timer", NULL }, { "rebind_timer", NULL },
	{ "rapid_commit", NULL }, { NULL, NULL },
};

/* ---- addresses and prefixes ------------------------------------------------ */

/* "2001:db8::/48": address and length; 0 or -1. */
static int parse_prefix6(const char *s, uint8_t addr[16], uint8_t *plen)
{
	char text[NP_IPV6_ADDR_TEXT_LEN + 8];
	char *slash, *end;
	long n;

	if (strlen(s) >= sizeof(text))
		return -1;
	strcpy(text, s);
	slash = strchr(text, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	n = strtol(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end != '\0' || n < 0 || n > 128 ||
	    np_ipv6_addr_parse(text, addr) < 0)
		return -1;
	*plen = (uint8_t)n;
	return 0;
}

static bool host_bits_zero(const uint8_t addr[16], uint8_t plen)
{
	uint8_t m[16];

	memcpy(m, addr, 16);
	lease6_prefix_mask(m, plen);
	return memcmp(m, addr, 16) == 0;
}

static int get_addr6(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     int flags, uint8_t addr[16])
{
	char text[NP_IPV6_ADDR_TEXT_LEN + 1];
	int rc = np_conf_get_string(e, g, name, flags, text, sizeof(text));

	if (rc <= 0)
		return rc;
	if (np_ipv6_addr_parse(text, addr) < 0) {
		np_conf_error(e, config_setting_get_member(g, name),
			      "%s: \"%s\" is not an IPv6 address", name, text);
		return -1;
	}
	return 1;
}

/* A prefix "ADDR/LEN" with its host bits zero. */
static int get_prefix6(struct np_conf_err *e, const config_setting_t *g, const char *name,
		       int flags, uint8_t addr[16], uint8_t *plen)
{
	char text[NP_IPV6_ADDR_TEXT_LEN + 8];
	int rc = np_conf_get_string(e, g, name, flags, text, sizeof(text));

	if (rc <= 0)
		return rc;
	if (parse_prefix6(text, addr, plen) < 0) {
		np_conf_error(e, config_setting_get_member(g, name),
			      "%s: \"%s\" is not an IPv6 prefix (ADDRESS/LENGTH)", name, text);
		return -1;
	}
	if (!host_bits_zero(addr, *plen)) {
		np_conf_error(e, config_setting_get_member(g, name),
			      "%s: \"%s\" has bits set after its first %u", name, text, *plen);
		return -1;
	}
	return 1;
}

static void text6(const uint8_t a[16], char out[NP_IPV6_ADDR_TEXT_LEN])
{
	np_ipv6_addr_to_text(a, out);
}

/* ---- options ------------------------------------------------------------------ */

struct optset6 {
	struct engine6_option v[8];
	size_t n;
};

static int opt6_put(struct optset6 *o, uint16_t code, const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (copy == NULL || o->n == sizeof(o->v) / sizeof(o->v[0])) {
		free(copy);
		return -1;
	}
	memcpy(copy, data, len);
	o->v[o->n++] = (struct engine6_option){ code, (uint16_t)len, copy };
	return 0;
}

/* 23 (RFC 3646 §3) or 56 (RFC 5908 §4: each address as suboption 1). */
static int opt6_addrs(struct np_conf_err *e, const config_setting_t *g, const char *name,
		      uint16_t code, bool ntp, struct optset6 *o)
{
	char **v = NULL;
	size_t n = 0, len = 0;
	uint8_t buf[MAX_LIST6 * 20];
	int rc = np_conf_get_strv(e, g, name, NP_CONF_OPTIONAL, MAX_LIST6,
				  NP_IPV6_ADDR_TEXT_LEN, &v, &n);

	if (rc <= 0 || n == 0) {
		np_conf_strv_free(v);
		return rc < 0 ? -1 : 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (ntp) {
			buf[len++] = 0;
			buf[len++] = NTP_SUBOPTION_SRV_ADDR;
			buf[len++] = 0;
			buf[len++] = 16;
		}
		if (np_ipv6_addr_parse(v[i], buf + len) < 0) {
			np_conf_error(e, config_setting_get_member(g, name),
				      "%s: \"%s\" is not an IPv6 address", name, v[i]);
			np_conf_strv_free(v);
			return -1;
		}
		len += 16;
	}
	np_conf_strv_free(v);
	return opt6_put(o, code, buf, len);
}

/* A domain name, uncompressed (RFC 1035 §3.1); length or -1. */
static int name_wire(const char *name, uint8_t *out, size_t cap)
{
	size_t pos = 0;

	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		size_t len = dot ? (size_t)(dot - name) : strlen(name);

		if (len == 0 || len > 63 || pos + 1 + len + 1 > cap)
			return -1;
		out[pos++] = (uint8_t)len;
		memcpy(out + pos, name, len);
		pos += len;
		name += len;
		if (*name == '.')
			name++;
	}
	if (pos + 1 > cap || pos + 1 > 255)
		return -1;
	out[pos++] = 0;
	return (int)pos;
}

/* 24 (RFC 3646 §4): the names one after another. */
static int opt6_search(struct np_conf_err *e, const config_setting_t *g, struct optset6 *o)
{
	char **v = NULL;
	size_t n = 0, len = 0;
	uint8_t buf[MAX_LIST6 * 256];
	int rc = np_conf_get_strv(e, g, "domain_search", NP_CONF_OPTIONAL, MAX_LIST6, 254, &v, &n);

	if (rc <= 0 || n == 0) {
		np_conf_strv_free(v);
		return rc < 0 ? -1 : 0;
	}
	for (size_t i = 0; i < n; i++) {
		int w = name_wire(v[i], buf + len, sizeof(buf) - len);

		if (w < 0) {
			np_conf_error(e, config_setting_get_member(g, "domain_search"),
				      "domain_search: \"%s\" is not a domain name", v[i]);
			np_conf_strv_free(v);
			return -1;
		}
		len += (size_t)w;
	}
	np_conf_strv_free(v);
	return opt6_put(o, NP_DHCP6_OPT_DOMAIN_LIST, buf, len);
}

static int read_options6(struct np_conf_err *e, const config_setting_t *sg, struct engine6_subnet *s)
{
	const config_setting_t *g = NULL;
	struct optset6 o = { .n = 0 };
	struct engine6_option *v;
	int bad = 0;

	if (np_conf_get_group(e, sg, "options", NP_CONF_OPTIONAL, &g) < 0)
		return -1;
	if (g != NULL) {
		bad |= opt6_addrs(e, g, "dns_servers", NP_DHCP6_OPT_DNS_SERVERS, false, &o) < 0;
		bad |= opt6_search(e, g, &o) < 0;
		bad |= opt6_addrs(e, g, "ntp_servers", NP_DHCP6_OPT_NTP_SERVER, true, &o) < 0;
	}
	v = calloc(o.n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	memcpy(v, o.v, o.n * sizeof(*v));
	s->opts = v;
	s->nopts = o.n;
	return bad ? -1 : 0;
}

/* ---- pools ----------------------------------------------------------------------- */

static bool ranges_overlap(const uint8_t a1[16], const uint8_t a2[16], const uint8_t b1[16],
			   const uint8_t b2[16])
{
	return !(memcmp(a2, b1, 16) < 0 || memcmp(a1, b2, 16) > 0);
}

static int read_pools6(struct np_conf_err *e, const config_setting_t *sg, struct engine6_subnet *s)
{
	const config_setting_t *list = NULL;
	struct engine6_pool *p;
	int n, bad = 0;

	if (np_conf_get_list(e, sg, "pools", NP_CONF_OPTIONAL, &list) <= 0)
		return list == NULL && config_setting_get_member(sg, "pools") != NULL ? -1 : 0;
	n = config_setting_length(list);
	if (n > MAX_POOLS6) {
		np_conf_error(e, list, "at most %d pools per subnet", MAX_POOLS6);
		return -1;
	}
	p = calloc((size_t)n + 1, sizeof(*p));
	if (p == NULL)
		return -1;
	s->pools = p;
	s->npools = (size_t)n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *pg = config_setting_get_elem(list, (unsigned)i);
		char a[NP_IPV6_ADDR_TEXT_LEN], b[NP_IPV6_ADDR_TEXT_LEN];

		if (get_addr6(e, pg, "first", NP_CONF_REQUIRED, p[i].first) < 0 ||
		    get_addr6(e, pg, "last", NP_CONF_REQUIRED, p[i].last) < 0) {
			bad = 1;
			continue;
		}
		text6(p[i].first, a);
		text6(p[i].last, b);
		if (memcmp(p[i].first, p[i].last, 16) > 0 ||
		    !lease6_prefix_has(s->addr, s->prefix_len, p[i].first) ||
		    !lease6_prefix_has(s->addr, s->prefix_len, p[i].last)) {
			np_conf_error(e, pg, "pool %s-%s is not a range inside the subnet", a, b);
			bad = 1;
			continue;
		}
		for (int k = 0; k < i; k++)
			if (ranges_overlap(p[i].first, p[i].last, p[k].first, p[k].last)) {
				np_conf_error(e, pg, "pool %s-%s overlaps pool %d of the subnet", a, b,
					      k + 1);
				bad = 1;
			}
	}
	return bad ? -1 : 0;
}

/* The first..last addresses a prefix covers, for overlap tests. */
static void prefix_range(const uint8_t pfx[16], uint8_t plen, uint8_t lo[16], uint8_t hi[16])
{
	memcpy(lo, pfx, 16);
	lease6_prefix_mask(lo, plen);
	memcpy(hi, lo, 16);
	for (unsigned bit = plen; bit < 128; bit++)
		hi[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
}

static int read_pd_pools(struct np_conf_err *e, const config_setting_t *sg,
			 struct engine6_subnet *s)
{
	const config_setting_t *list = NULL;
	struct engine6_pd_pool *p;
	int n, bad = 0;

	if (np_conf_get_list(e, sg, "pd_pools", NP_CONF_OPTIONAL, &list) <= 0)
		return list == NULL && config_setting_get_member(sg, "pd_pools") != NULL ? -1 : 0;
	n = config_setting_length(list);
	if (n > MAX_POOLS6) {
		np_conf_error(e, list, "at most %d pd_pools per subnet", MAX_POOLS6);
		return -1;
	}
	p = calloc((size_t)n + 1, sizeof(*p));
	if (p == NULL)
		return -1;
	s->pd_pools = p;
	s->npd_pools = (size_t)n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *pg = config_setting_get_elem(list, (unsigned)i);
		uint8_t lo[16], hi[16], klo[16], khi[16];
		int dl = 0;

		if (get_prefix6(e, pg, "prefix", NP_CONF_REQUIRED, p[i].prefix, &p[i].prefix_len) < 0 ||
		    np_conf_get_int(e, pg, "delegated_length", NP_CONF_REQUIRED, 1, 128, &dl) < 0) {
			bad = 1;
			continue;
		}
		p[i].delegated_len = (uint8_t)dl;
		if (p[i].delegated_len <= p[i].prefix_len) {
			np_conf_error(e, config_setting_get_member(pg, "delegated_length"),
				      "delegated_length %d is not longer than the prefix's /%u", dl,
				      p[i].prefix_len);
			bad = 1;
			continue;
		}
		prefix_range(p[i].prefix, p[i].prefix_len, lo, hi);
		for (int k = 0; k < i; k++) {
			prefix_range(p[k].prefix, p[k].prefix_len, klo, khi);
			if (ranges_overlap(lo, hi, klo, khi)) {
				np_conf_error(e, pg, "pd_pool overlaps pd_pool %d of the subnet", k + 1);
				bad = 1;
			}
		}
	}
	return bad ? -1 : 0;
}

/* ---- reservations -------------------------------------------------------------------- */

/* "00:01:00:01:...": hex octets with optional ':' or '-'; count or -1. */
static int duid_octets(const char *s, uint8_t *out, size_t cap)
{
	size_t k = 0;

	while (*s != '\0') {
		unsigned v;

		if (*s == ':' || *s == '-') {
			s++;
			continue;
		}
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) || k == cap ||
		    sscanf(s, "%2x", &v) != 1)
			return -1;
		out[k++] = (uint8_t)v;
		s += 2;
	}
	return (int)k;
}

static int read_resv6_one(struct np_conf_err *e, const config_setting_t *rg,
			  const struct engine6_subnet *s, struct engine6_reservation *r)
{
	char text[NP_DHCP6_DUID_MAX * 3 + 1], host[256];
	uint8_t *duid;
	int n, has_addr, has_pfx;

	if (np_conf_get_string(e, rg, "duid", NP_CONF_REQUIRED, text, sizeof(text)) < 0)
		return -1;
	duid = malloc(NP_DHCP6_DUID_MAX);
	if (duid == NULL)
		return -1;
	r->duid = duid;
	n = duid_octets(text, duid, NP_DHCP6_DUID_MAX);
	/* A type code (2 octets) and at least one octet of identifier (RFC 8415 §11.1). */
	if (n < 3) {
		np_conf_error(e, config_setting_get_member(rg, "duid"),
			      "duid \"%s\" is not a DUID: 3 to %d hex octets (RFC 8415 §11.1)",
			      text, NP_DHCP6_DUID_MAX);
		return -1;
	}
	r->duid_len = (uint8_t)n;
	has_addr = get_addr6(e, rg, "address", NP_CONF_OPTIONAL, r->addr);
	has_pfx = get_prefix6(e, rg, "prefix", NP_CONF_OPTIONAL, r->prefix, &r->prefix_len);
	if (has_addr < 0 || has_pfx < 0)
		return -1;
	r->has_addr = has_addr > 0;
	r->has_prefix = has_pfx > 0;
	if (r->has_addr && !lease6_prefix_has(s->addr, s->prefix_len, r->addr)) {
		np_conf_error(e, config_setting_get_member(rg, "address"),
			      "reserved address is outside the subnet");
		return -1;
	}
	if (np_conf_get_string(e, rg, "hostname", NP_CONF_OPTIONAL, host, sizeof(host)) > 0)
		r->hostname = strdup(host);
	if (!r->has_addr && !r->has_prefix && r->hostname == NULL) {
		np_conf_error(e, rg, "a reservation needs an address, a prefix or a hostname");
		return -1;
	}
	return 0;
}

static int read_resv6(struct np_conf_err *e, const config_setting_t *sg, struct engine6_subnet *s)
{
	const config_setting_t *list = NULL;
	struct engine6_reservation *r;
	int n, bad = 0;

	if (np_conf_get_list(e, sg, "reservations", NP_CONF_OPTIONAL, &list) <= 0)
		return list == NULL && config_setting_get_member(sg, "reservations") != NULL ? -1 : 0;
	n = config_setting_length(list);
	if (n > MAX_RESV6) {
		np_conf_error(e, list, "at most %d reservations per subnet", MAX_RESV6);
		return -1;
	}
	r = calloc((size_t)n + 1, sizeof(*r));
	if (r == NULL)
		return -1;
	s->resv = r;
	s->nresv = (size_t)n;
	for (int i = 0; i < n; i++)
		bad |= read_resv6_one(e, config_setting_get_elem(list, (unsigned)i), s, &r[i]) < 0;
	return bad ? -1 : 0;
}

/* ---- subnets ---------------------------------------------------------------------------- */

static int read_lifetimes(struct np_conf_err *e, const config_setting_t *sg,
			  struct engine6_subnet *s)
{
	uint64_t pref = ENGINE6_PREFERRED_DEFAULT * 1000ull, valid = ENGINE6_VALID_DEFAULT * 1000ull;
	uint64_t t1 = 0, t2 = 0, max = 0xfffffffeull * 1000;
	int bad = 0;

	bad |= np_conf_get_duration(e, sg, "preferred_lifetime", NP_CONF_OPTIONAL, 60000, max,
				    &pref) < 0;
	bad |= np_conf_get_duration(e, sg, "valid_lifetime", NP_CONF_OPTIONAL, 60000, max, &valid) < 0;
	bad |= np_conf_get_duration(e, sg, "renew_timer", NP_CONF_OPTIONAL, 1000, max, &t1) < 0;
	bad |= np_conf_get_duration(e, sg, "rebind_timer", NP_CONF_OPTIONAL, 1000, max, &t2) < 0;
	if (bad)
		return -1;
	s->preferred = (uint32_t)(pref / 1000);
	s->valid = (uint32_t)(valid / 1000);
	s->t1 = (uint32_t)(t1 / 1000);
	s->t2 = (uint32_t)(t2 / 1000);
	/* RFC 8415 §21.6: preferred <= valid; §21.4: T1 <= T2, both within the preferred lifetime. */
	if (s->preferred > s->valid) {
		np_conf_error(e, sg, "preferred_lifetime must not exceed valid_lifetime (RFC 8415 §21.6)");
		return -1;
	}
	if ((s->t1 && s->t2 && s->t1 > s->t2) || s->t1 > s->preferred || s->t2 > s->preferred) {
		np_conf_error(e, sg, "renew_timer <= rebind_timer <= preferred_lifetime is required "
			      "(RFC 8415 §21.4)");
		return -1;
	}
	return 0;
}

static int read_subnet6(struct np_conf_err *e, const config_setting_t *sg,
			struct engine6_subnet *s, char ifname[IF_NAMESIZE])
{
	int bad = 0;

	if (get_prefix6(e, sg, "subnet", NP_CONF_REQUIRED, s->addr, &s->prefix_len) < 0)
		return -1;
	if (np_conf_get_string(e, sg, "interface", NP_CONF_OPTIONAL, ifname, IF_NAMESIZE) < 0)
		bad = 1;
	bad |= read_lifetimes(e, sg, s) < 0;
	bad |= np_conf_get_bool(e, sg, "rapid_commit", NP_CONF_OPTIONAL, &s->rapid_commit) < 0;
	bad |= read_pools6(e, sg, s) < 0;
	bad |= read_pd_pools(e, sg, s) < 0;
	bad |= read_resv6(e, sg, s) < 0;
	bad |= read_options6(e, sg, s) < 0;
	return bad ? -1 : 0;
}

static bool ifname_same(const struct dhcpd_conf *c, size_t i, size_t k)
{
	return c->subnet6_ifname[i][0] != '\0' &&
	       strcmp(c->subnet6_ifname[i], c->subnet6_ifname[k]) == 0;
}

/* Address pools of different subnets, and delegated-prefix pools anywhere, must not overlap. */
static void check_across_subnets6(struct np_conf_err *e, const config_setting_t *list,
				  const struct dhcpd_conf *c)
{
	const struct engine6_subnet *s = c->engine6.subnets;
	char where[300];

	for (size_t i = 0; i < c->engine6.nsubnets; i++)
		for (size_t k = 0; k < i; k++) {
			const config_setting_t *si = config_setting_get_elem(list, (unsigned)i);
			const config_setting_t *sk = config_setting_get_elem(list, (unsigned)k);
			uint8_t plen = s[i].prefix_len < s[k].prefix_len ? s[i].prefix_len :
									   s[k].prefix_len;

			if (lease6_prefix_has(s[k].addr, plen, s[i].addr))
				np_conf_error(e, si, "subnet overlaps the subnet at %s",
					      np_conf_where(sk, where, sizeof(where)));
			for (size_t a = 0; a < s[i].npd_pools; a++)
				for (size_t b = 0; b < s[k].npd_pools; b++) {
					uint8_t l1[16], h1[16], l2[16], h2[16];

					prefix_range(s[i].pd_pools[a].prefix, s[i].pd_pools[a].prefix_len,
						     l1, h1);
					prefix_range(s[k].pd_pools[b].prefix, s[k].pd_pools[b].prefix_len,
						     l2, h2);
					if (ranges_overlap(l1, h1, l2, h2))
						np_conf_error(e, si, "pd_pool %zu overlaps a pd_pool of the subnet at %s",
							      a + 1, np_conf_where(sk, where, sizeof(where)));
				}
			if (ifname_same(c, i, k))
				np_conf_error(e, si, "interface \"%s\" has a subnet already (%s): one subnet per interface",
					      c->subnet6_ifname[i], np_conf_where(sk, where, sizeof(where)));
		}
}

/* A client (DUID) or an address reserved twice, anywhere. */
static void check_resv6_unique(struct np_conf_err *e, const config_setting_t *list,
			       const struct dhcpd_conf *c)
{
	char where[300];

	for (size_t i = 0; i < c->engine6.nsubnets; i++) {
		const struct engine6_subnet *s = &c->engine6.subnets[i];
		const config_setting_t *rl =
			config_setting_get_member(config_setting_get_elem(list, (unsigned)i),
						  "reservations");

		for (size_t j = 0; j < s->nresv; j++)
			for (size_t k2 = 0; k2 <= i; k2++) {
				const struct engine6_subnet *t = &c->engine6.subnets[k2];
				const config_setting_t *tl =
					config_setting_get_member(config_setting_get_elem(list, (unsigned)k2),
								  "reservations");
				size_t end = k2 == i ? j : t->nresv;

				for (size_t m = 0; m < end; m++) {
					const struct engine6_reservation *x = &s->resv[j], *y = &t->resv[m];
					const config_setting_t *xw = config_setting_get_elem(rl, (unsigned)j);

					np_conf_where(config_setting_get_elem(tl, (unsigned)m), where,
						      sizeof(where));
					if (x->duid_len == y->duid_len &&
					    memcmp(x->duid, y->duid, x->duid_len) == 0)
						np_conf_error(e, xw, "this DUID has a reservation already at %s",
							      where);
					if (x->has_addr && y->has_addr && memcmp(x->addr, y->addr, 16) == 0)
						np_conf_error(e, xw, "this address is reserved already at %s",
							      where);
					if (x->has_prefix && y->has_prefix &&
					    memcmp(x->prefix, y->prefix, 16) == 0)
						np_conf_error(e, xw, "this prefix is reserved already at %s",
							      where);
				}
			}
	}
}

int dhcpd_conf6_load(struct np_conf_err *e, const config_setting_t *root, struct dhcpd_conf *c)
{
	const config_setting_t *list = NULL;
	struct engine6_subnet *s;
	uint64_t irt = 0;
	int n, bad = 0;

	c->engine6.remember = ENGINE6_REMEMBER_DEFAULT;
	c->engine6.decline_probation = c->engine.decline_probation;
	if (np_conf_get_duration(e, root, "information_refresh_time", NP_CONF_OPTIONAL,
				 IRT_MINIMUM * 1000ull, 0xffffffffull * 1000, &irt) < 0)
		bad = 1;
	c->engine6.info_refresh = (uint32_t)(irt / 1000);
	if (np_conf_get_list(e, root, "subnets6", NP_CONF_OPTIONAL, &list) <= 0)
		return bad || (list == NULL && config_setting_get_member(root, "subnets6") != NULL) ?
			       -1 : 0;
	n = config_setting_length(list);
	if (n > MAX_SUBNETS6) {
		np_conf_error(e, list, "subnets6: at most %d", MAX_SUBNETS6);
		return -1;
	}
	s = calloc((size_t)n + 1, sizeof(*s));
	c->subnet6_ifname = calloc((size_t)n + 1, sizeof(*c->subnet6_ifname));
	if (s == NULL || c->subnet6_ifname == NULL) {
		free(s);
		return -1;
	}
	c->engine6.subnets = s;
	c->engine6.nsubnets = (size_t)n;
	for (int i = 0; i < n; i++)
		bad |= read_subnet6(e, config_setting_get_elem(list, (unsigned)i), &s[i],
				    c->subnet6_ifname[i]) < 0;
	if (!bad) {
		check_across_subnets6(e, list, c);
		check_resv6_unique(e, list, c);
	}
	return bad ? -1 : 0;
}

void dhcpd_conf6_free(struct dhcpd_conf *c)
{
	for (size_t i = 0; i < c->engine6.nsubnets; i++) {
		const struct engine6_subnet *s = &c->engine6.subnets[i];

		for (size_t k = 0; k < s->nresv; k++) {
			free((void *)s->resv[k].duid);
			free((void *)s->resv[k].hostname);
		}
		for (size_t k = 0; k < s->nopts; k++)
			free((void *)s->opts[k].data);
		free((void *)s->opts);
		free((void *)s->resv);
		free((void *)s->pools);
		free((void *)s->pd_pools);
	}
	free((void *)c->engine6.subnets);
	free(c->subnet6_ifname);
}

/*
 * The DHCPv6 socket joins ff02::1:2 on the subnets' interfaces once, at
 * start: whether DHCPv6 is served at all, and on which interfaces, takes
 * effect on restart only.
 */
bool dhcpd_conf6_same_links(const void *old_conf, const void *new_conf)
{
	const struct dhcpd_conf *a = old_conf, *b = new_conf;

	if (a->engine6.nsubnets != b->engine6.nsubnets)
		return false;
	for (size_t i = 0; i < a->engine6.nsubnets; i++)
		if (strcmp(a->subnet6_ifname[i], b->subnet6_ifname[i]) != 0)
			return false;
	return true;
}
