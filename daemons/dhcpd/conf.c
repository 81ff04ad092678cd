/*
 * conf.c: np-dhcpd's configuration file (see conf/np-dhcpd.conf).
 */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netproto/dhcp4.h>

#include "../common/log.h"
#include "conf-ra.h"

#define MAX_SUBNETS 256
#define MAX_POOLS 64
#define MAX_RESV 65536
#define MAX_OPTS 64
#define MAX_LIST 32

/* ---- allowed keys ------------------------------------------------------- */

static const struct np_conf_key route_keys[] = {
	{ "destination", NULL }, { "router", NULL }, { NULL, NULL },
};
static const struct np_conf_key custom_keys[] = {
	{ "code", NULL }, { "type", NULL }, { "value", NULL }, { NULL, NULL },
};
static const struct np_conf_key option_keys[] = {
	{ "routers", NULL }, { "dns_servers", NULL }, { "domain_name", NULL },
	{ "domain_search", NULL }, { "ntp_servers", NULL }, { "mtu", NULL },
	{ "broadcast_address", NULL }, { "classless_routes", route_keys },
	{ "custom", custom_keys }, { NULL, NULL },
};
static const struct np_conf_key pool_keys[] = {
	{ "first", NULL }, { "last", NULL }, { "allow", NULL }, { "deny", NULL }, { NULL, NULL },
};
#define BOOT_KEYS { "next_server", NULL }, { "server_name", NULL }, { "boot_file", NULL }
static const struct np_conf_key resv_keys[] = {
	{ "mac", NULL }, { "client_id", NULL }, { "duid", NULL }, { "circuit_id", NULL },
	{ "address", NULL }, { "hostname", NULL }, { "lease_time", NULL },
	{ "options", option_keys }, BOOT_KEYS, { NULL, NULL },
};
static const struct np_conf_key subnet_keys[] = {
	{ "subnet", NULL }, { "interface", NULL }, { "pools", pool_keys },
	{ "lease_time", NULL }, { "renew_time", NULL }, { "rebind_time", NULL },
	{ "rapid_commit", NULL }, { "options", option_keys }, { "reservations", resv_keys },
	{ "relays", NULL }, { "shared_network", NULL }, BOOT_KEYS, { NULL, NULL },
};
static const struct np_conf_key match_keys[] = {
	{ "vendor_class", NULL }, { "user_class", NULL }, { "client_arch", NULL },
	{ "mac_prefix", NULL }, { "circuit_id", NULL }, { "remote_id", NULL }, { "known", NULL },
	{ "all", match_keys }, { "any", match_keys }, { "not", match_keys }, { NULL, NULL },
};
static const struct np_conf_key class_keys[] = {
	{ "name", NULL }, { "match", match_keys }, { "options", option_keys }, BOOT_KEYS,
	{ NULL, NULL },
};
static const struct np_conf_key dns_keys[] = {
	{ "server", NULL }, { "zone", NULL }, { "reverse_zone", NULL }, { "ttl", NULL },
	{ "timeout", NULL }, { "retries", NULL }, { "update_ptr", NULL }, { "conflict", NULL },
	{ NULL, NULL },
};
static const struct np_conf_key root_keys[] = {
	{ "interfaces", NULL }, { "lease_file", NULL }, NP_COMMON_CONF_KEYS,
	{ "authoritative", NULL }, { "offer_hold", NULL }, { "decline_probation", NULL },
	{ "compact_every", NULL },
	{ "ping_check", NULL }, { "probe_timeout", NULL },
	{ "new_clients_per_second", NULL }, { "relayed_new_clients_per_second", NULL },
	{ "client_classes", class_keys },
	{ "subnets", subnet_keys }, { "dns_update", dns_keys }, { "transaction_log", NULL },
	{ "subnets6", dhcpd_subnet6_keys }, { "information_refresh_time", NULL },
	{ "router_advertisements", dhcpd_ra_keys },
	{ NULL, NULL },
};

/* ---- option values in wire form -------------------------------------------- */

struct optset {
	struct engine_option v[MAX_OPTS];
	size_t n;
};

static int opt_put(struct np_conf_err *e, const config_setting_t *s, struct optset *o,
		   uint8_t code, const uint8_t *data, size_t len)
{
	uint8_t *copy;

	if (o->n == MAX_OPTS || len > 4096) {
		np_conf_error(e, s, "too many options, or one too long");
		return -1;
	}
	for (size_t i = 0; i < o->n; i++)
		if (o->v[i].code == code) {
			np_conf_error(e, s, "option %u given twice", code);
			return -1;
		}
	copy = malloc(len ? len : 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, data, len);
	o->v[o->n++] = (struct engine_option){ code, (uint16_t)len, copy };
	return 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A list of addresses: routers, DNS, NTP. */
static int opt_addrs(struct np_conf_err *e, const config_setting_t *g, const char *name,
		     uint8_t code, struct optset *o)
{
	char **v = NULL;
	size_t n = 0;
	uint8_t buf[MAX_LIST * 4];
	int rc = np_conf_get_strv(e, g, name, NP_CONF_OPTIONAL, MAX_LIST, 16, &v, &n);

	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		uint32_t a;

		if (np_conf_parse_ipv4(v[i], &a) < 0) {
			np_conf_error(e, config_setting_get_member(g, name),
				      "%s: \"%s\" is not an IPv4 address", name, v[i]);
			np_conf_strv_free(v);
			return -1;
		}
		put_be32(buf + 4 * i, a);
	}
	np_conf_strv_free(v);
	if (n == 0)
		return 0;
	return opt_put(e, config_setting_get_member(g, name), o, code, buf, 4 * n);
}

/* A domain name in uncompressed wire form (RFC 1035 §3.1); length or -1. */
static int name_to_wire(const char *name, uint8_t *out, size_t cap)
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

/* 119: the names one after another, uncompressed (RFC 3397 §2 allows it). */
static int opt_search(struct np_conf_err *e, const config_setting_t *g, struct optset *o)
{
	char **v = NULL;
	size_t n = 0, len = 0;
	uint8_t buf[MAX_LIST * 256];
	int rc = np_conf_get_strv(e, g, "domain_search", NP_CONF_OPTIONAL, MAX_LIST, 254, &v, &n);

	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		int w = name_to_wire(v[i], buf + len, sizeof(buf) - len);

		if (w < 0) {
			np_conf_error(e, config_setting_get_member(g, "domain_search"),
				      "domain_search: \"%s\" is not a domain name", v[i]);
			np_conf_strv_free(v);
			return -1;
		}
		len += (size_t)w;
	}
	np_conf_strv_free(v);
	return opt_put(e, config_setting_get_member(g, "domain_search"), o,
		       NP_DHCP4_OPT_DOMAIN_SEARCH, buf, len);
}

/* 121 (RFC 3442 §3): width, significant destination octets, router. */
static int opt_routes(struct np_conf_err *e, const config_setting_t *g, struct optset *o)
{
	const config_setting_t *list = NULL;
	uint8_t buf[MAX_LIST * 9];
	size_t len = 0;
	int n, rc = np_conf_get_list(e, g, "classless_routes", NP_CONF_OPTIONAL, &list);

	if (rc <= 0)
		return rc;
	n = config_setting_length(list);
	if (n > MAX_LIST) {
		np_conf_error(e, list, "classless_routes: at most %d routes", MAX_LIST);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *r = config_setting_get_elem(list, (unsigned)i);
		struct np_conf_cidr dst;
		uint32_t gw;

		if (np_conf_get_cidr(e, r, "destination", NP_CONF_REQUIRED | NP_CONF_NETWORK,
				     &dst) < 0 ||
		    np_conf_get_ipv4(e, r, "router", NP_CONF_REQUIRED, &gw) < 0)
			return -1;
		buf[len++] = dst.prefix;
		for (int k = 0; k < (dst.prefix + 7) / 8; k++)
			buf[len++] = (uint8_t)(dst.addr >> (24 - 8 * k));
		put_be32(buf + len, gw);
		len += 4;
	}
	return opt_put(e, list, o, NP_DHCP4_OPT_CLASSLESS_ROUTE, buf, len);
}

static int hex_octets(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	size_t k = 0;

	while (*s != '\0') {
		unsigned v;
		int used;

		if (*s == ':' || *s == '-' || *s == ' ') {
			s++;
			continue;
		}
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) || k == cap)
			return -1;
		if (sscanf(s, "%2x%n", &v, &used) != 1 || used != 2)
			return -1;
		out[k++] = (uint8_t)v;
		s += 2;
	}
	*n = k;
	return 0;
}

static const struct np_conf_enum custom_types[] = {
	{ "string", 's' }, { "ip", 'a' }, { "ips", 'A' }, { "u8", '1' }, { "u16", '2' },
	{ "u32", '4' }, { "bool", 'b' }, { "hex", 'x' }, { NULL, 0 },
};

/*
 * Codes the engine writes itself and never takes from the configuration
 * (engine.c, engine_code()): a custom option of one of them would be
 * accepted and silently never sent.
 */
static bool server_sets_code(uint8_t code)
{
	switch (code) {
	case NP_DHCP4_OPT_LEASE_TIME: case NP_DHCP4_OPT_OVERLOAD: case NP_DHCP4_OPT_MSG_TYPE:
	case NP_DHCP4_OPT_SERVER_ID: case NP_DHCP4_OPT_PARAM_LIST: case NP_DHCP4_OPT_MAX_SIZE:
	case NP_DHCP4_OPT_T1: case NP_DHCP4_OPT_T2: case NP_DHCP4_OPT_CLIENT_ID:
	case NP_DHCP4_OPT_RAPID_COMMIT: case NP_DHCP4_OPT_RELAY_INFO: case NP_DHCP4_OPT_REQUESTED_IP:
		return true;
	default:
		return false;
	}
}

/* Any option by code with a typed value, as Kea's option-data. */
static int opt_custom_one(struct np_conf_err *e, const config_setting_t *c, struct optset *o)
{
	int code = 0, type = 0;
	const config_setting_t *val;
	uint8_t buf[1024];
	size_t len = 0;

	if (np_conf_get_int(e, c, "code", NP_CONF_REQUIRED, 1, 254, &code) < 0 ||
	    np_conf_get_enum(e, c, "type", NP_CONF_REQUIRED, custom_types, &type) < 0)
		return -1;
	if (server_sets_code((uint8_t)code)) {
		np_conf_error(e, c, "custom option %d is never sent: the server sets it itself%s",
			      code, code == NP_DHCP4_OPT_LEASE_TIME ? " (use lease_time)" :
			      code == NP_DHCP4_OPT_T1 ? " (use renew_time)" :
			      code == NP_DHCP4_OPT_T2 ? " (use rebind_time)" : "");
		return -1;
	}
	val = config_setting_get_member(c, "value");
	if (val == NULL) {
		np_conf_error(e, c, "custom option %d: value missing", code);
		return -1;
	}
	if (type == 'A') {
		/* Reuse the address-list reader under the name "value". */
		struct optset tmp = { .n = 0 };

		/* opt_addrs() says 0 when it added the option, -1 on an error. */
		if (opt_addrs(e, c, "value", (uint8_t)code, &tmp) < 0)
			return -1;
		if (tmp.n == 0) {
			np_conf_error(e, val, "custom option %d: value must be a list of addresses",
				      code);
			return -1;
		}
		if (o->n == MAX_OPTS) {
			free((void *)tmp.v[0].data);
			np_conf_error(e, c, "too many options, or one too long");
			return -1;
		}
		for (size_t i = 0; i < o->n; i++)
			if (o->v[i].code == code) {
				free((void *)tmp.v[0].data);
				np_conf_error(e, c, "option %d given twice", code);
				return -1;
			}
		o->v[o->n++] = tmp.v[0];
		return 0;
	}
	if (type == 's' || type == 'a' || type == 'x') {
		const char *s = config_setting_get_string(val);
		uint32_t a;

		if (s == NULL) {
			np_conf_error(e, val, "custom option %d: value must be a string", code);
			return -1;
		}
		if (type == 's') {
			len = strlen(s);
			if (len > sizeof(buf))
				len = sizeof(buf) + 1;
			else
				memcpy(buf, s, len);
		} else if (type == 'a') {
			if (np_conf_parse_ipv4(s, &a) < 0)
				len = sizeof(buf) + 1;
			else
				put_be32(buf, a), len = 4;
		} else if (hex_octets(s, buf, sizeof(buf), &len) < 0) {
			len = sizeof(buf) + 1;
		}
		if (len > sizeof(buf)) {
			np_conf_error(e, val, "custom option %d: bad %s value", code,
				      type == 'a' ? "ip" : type == 'x' ? "hex" : "string");
			return -1;
		}
	} else {
		long long v;
		long long max = type == '1' || type == 'b' ? (type == 'b' ? 1 : 255) :
				type == '2' ? 65535 : 4294967295LL;

		if (type == 'b' && config_setting_type(val) == CONFIG_TYPE_BOOL)
			v = config_setting_get_bool(val);
		else if (config_setting_type(val) == CONFIG_TYPE_INT ||
			 config_setting_type(val) == CONFIG_TYPE_INT64)
			v = config_setting_get_int64(val);
		else
			v = -1;
		if (v < 0 || v > max) {
			np_conf_error(e, val, "custom option %d: value out of range 0..%lld", code,
				      max);
			return -1;
		}
		len = type == '2' ? 2 : type == '4' ? 4 : 1;
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)(v >> (8 * (len - 1 - k)));
	}
	return opt_put(e, c, o, (uint8_t)code, buf, len);
}

static int opt_custom(struct np_conf_err *e, const config_setting_t *g, struct optset *o)
{
	const config_setting_t *list = NULL;
	int rc = np_conf_get_list(e, g, "custom", NP_CONF_OPTIONAL, &list), bad = 0;

	if (rc <= 0)
		return rc;
	for (int i = 0; i < config_setting_length(list); i++)
		bad |= opt_custom_one(e, config_setting_get_elem(list, (unsigned)i), o);
	return bad ? -1 : 0;
}

static int read_options(struct np_conf_err *e, const config_setting_t *parent, struct optset *o)
{
	const config_setting_t *g = NULL;
	char str[256];
	uint32_t a;
	int mtu, bad = 0;

	o->n = 0;
	if (np_conf_get_group(e, parent, "options", NP_CONF_OPTIONAL, &g) <= 0)
		return 0;
	bad |= opt_addrs(e, g, "routers", NP_DHCP4_OPT_ROUTER, o) < 0;
	bad |= opt_addrs(e, g, "dns_servers", NP_DHCP4_OPT_DNS, o) < 0;
	bad |= opt_addrs(e, g, "ntp_servers", NP_DHCP4_OPT_NTP, o) < 0;
	if (np_conf_get_string(e, g, "domain_name", NP_CONF_OPTIONAL, str, sizeof(str)) > 0)
		bad |= opt_put(e, g, o, NP_DHCP4_OPT_DOMAIN_NAME, (uint8_t *)str, strlen(str)) < 0;
	bad |= opt_search(e, g, o) < 0;
	if (np_conf_get_int(e, g, "mtu", NP_CONF_OPTIONAL, 68, 65535, &mtu) > 0) {
		uint8_t v[2] = { (uint8_t)(mtu >> 8), (uint8_t)mtu };

		bad |= opt_put(e, g, o, 26, v, 2) < 0;   /* interface MTU, RFC 2132 §5.1 */
	}
	if (np_conf_get_ipv4(e, g, "broadcast_address", NP_CONF_OPTIONAL, &a) > 0) {
		uint8_t v[4];

		put_be32(v, a);
		bad |= opt_put(e, g, o, NP_DHCP4_OPT_BROADCAST, v, 4) < 0;
	}
	bad |= opt_routes(e, g, o) < 0;
	bad |= opt_custom(e, g, o) < 0;
	return bad ? -1 : 0;
}

static struct engine_option *opts_dup(const struct optset *o)
{
	struct engine_option *v = calloc(o->n ? o->n : 1, sizeof(*v));

	if (v != NULL)
		memcpy(v, o->v, o->n * sizeof(*v));
	return v;
}

/* ---- network boot fields ---------------------------------------------------------- */

/* next_server, server_name, boot_file (RFC 2131 §2 siaddr, sname, file). */
static int read_boot(struct np_conf_err *e, const config_setting_t *g, struct engine_boot *b)
{
	static const char *const names[] = { "server_name", "boot_file" };
	const char **dst[] = { &b->server_name, &b->boot_file };
	char v[256];
	int bad = 0, rc;

	if (np_conf_get_ipv4(e, g, "next_server", NP_CONF_OPTIONAL, &b->next_server) < 0)
		bad = 1;
	else if (config_setting_get_member(g, "next_server") != NULL && b->next_server == 0) {
		np_conf_error(e, config_setting_get_member(g, "next_server"),
			      "next_server 0.0.0.0 is no server");
		bad = 1;
	}
	for (size_t i = 0; i < 2; i++) {
		rc = np_conf_get_string(e, g, names[i], NP_CONF_OPTIONAL, v, sizeof(v));
		if (rc < 0)
			bad = 1;
		else if (rc > 0 && (*dst[i] = strdup(v)) == NULL)
			bad = 1;
	}
	return bad ? -1 : 0;
}

static void free_boot(const struct engine_boot *b)
{
	free((void *)b->server_name);
	free((void *)b->boot_file);
}

/* ---- client classes --------------------------------------------------------------- */

#define MATCH_DEPTH_MAX 8              /* engine.c stops at 16 */

static void free_match(const struct engine_match *m)
{
	for (size_t i = 0; i < m->nsub; i++)
		free_match(&m->sub[i]);
	free((void *)m->sub);
	free((void *)m->data);
}

static int match_bytes(struct np_conf_err *e, const config_setting_t *s, struct engine_match *m,
		       bool hex, size_t max)
{
	const char *v = config_setting_get_string(s);
	uint8_t buf[255];
	size_t n = 0;

	if (v == NULL) {
		np_conf_error(e, s, "%s must be a string", config_setting_name(s));
		return -1;
	}
	if (hex ? hex_octets(v, buf, sizeof(buf), &n) < 0 : (n = strlen(v)) > sizeof(buf))
		n = 0;
	else if (!hex)
		memcpy(buf, v, n);
	if (n == 0 || n > max) {
		np_conf_error(e, s, "%s \"%s\": %s, 1 to %zu octets", config_setting_name(s), v,
			      hex ? "hex octets" : "a string", max);
		return -1;
	}
	m->data = malloc(n);
	if (m->data == NULL)
		return -1;
	memcpy((void *)m->data, buf, n);
	m->len = (uint16_t)n;
	return 0;
}

static int read_match(struct np_conf_err *e, const config_setting_t *g, struct engine_match *m,
		      unsigned depth);

/* all / any: a list of match groups; not: one match group. */
static int read_match_combo(struct np_conf_err *e, const config_setting_t *s,
			    struct engine_match *m, unsigned depth)
{
	const char *name = config_setting_name(s);
	bool is_not = strcmp(name, "not") == 0;
	int n = is_not ? 1 : config_setting_length(s), bad = 0;
	struct engine_match *sub;

	if (depth >= MATCH_DEPTH_MAX) {
		np_conf_error(e, s, "match nested deeper than %d levels", MATCH_DEPTH_MAX);
		return -1;
	}
	if (is_not ? !config_setting_is_group(s) : !config_setting_is_list(s) || n == 0) {
		np_conf_error(e, s, is_not ? "not must be a group: not = { ... }" :
			      "%s must be a non-empty list of groups: %s = ( { ... }, ... )", name,
			      name);
		return -1;
	}
	m->kind = is_not ? ENGINE_MATCH_NOT : name[1] == 'l' ? ENGINE_MATCH_ALL : ENGINE_MATCH_ANY;
	sub = calloc((size_t)n, sizeof(*sub));
	if (sub == NULL)
		return -1;
	m->sub = sub;
	m->nsub = (size_t)n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = is_not ? s : config_setting_get_elem(s, (unsigned)i);

		if (!config_setting_is_group(g)) {
			np_conf_error(e, g, "%s: each element is a group { ... }", name);
			bad = 1;
			continue;
		}
		bad |= read_match(e, g, &sub[i], depth + 1) < 0;
	}
	return bad ? -1 : 0;
}

/* One condition of a match group. */
static int read_condition(struct np_conf_err *e, const config_setting_t *s, struct engine_match *m,
			  unsigned depth)
{
	const char *name = config_setting_name(s);
	int v;

	if (strcmp(name, "all") == 0 || strcmp(name, "any") == 0 || strcmp(name, "not") == 0)
		return read_match_combo(e, s, m, depth);
	if (strcmp(name, "known") == 0) {
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			np_conf_error(e, s, "known must be true or false");
			return -1;
		}
		m->kind = ENGINE_MATCH_KNOWN;
		m->known = config_setting_get_bool(s) != 0;
		return 0;
	}
	if (strcmp(name, "client_arch") == 0) {
		if (config_setting_type(s) != CONFIG_TYPE_INT ||
		    (v = config_setting_get_int(s)) < 0 || v > 65535) {
			np_conf_error(e, s, "client_arch must be an integer 0..65535 (RFC 4578 §2.1)");
			return -1;
		}
		m->kind = ENGINE_MATCH_CLIENT_ARCH;
		m->arch = (uint16_t)v;
		return 0;
	}
	if (strcmp(name, "mac_prefix") == 0) {
		m->kind = ENGINE_MATCH_MAC_PREFIX;
		return match_bytes(e, s, m, true, 6);
	}
	m->kind = strcmp(name, "vendor_class") == 0 ? ENGINE_MATCH_VENDOR_CLASS :
		  strcmp(name, "user_class") == 0 ? ENGINE_MATCH_USER_CLASS :
		  strcmp(name, "circuit_id") == 0 ? ENGINE_MATCH_CIRCUIT_ID : ENGINE_MATCH_REMOTE_ID;
	return match_bytes(e, s, m, false, 255);
}

/* A match group: every condition in it holds (an empty group matches every client). */
static int read_match(struct np_conf_err *e, const config_setting_t *g, struct engine_match *m,
		      unsigned depth)
{
	int n = config_setting_length(g), bad = 0;
	struct engine_match *sub;

	m->kind = ENGINE_MATCH_ALL;
	if (n == 0)
		return 0;
	sub = calloc((size_t)n, sizeof(*sub));
	if (sub == NULL)
		return -1;
	m->sub = sub;
	m->nsub = (size_t)n;
	for (int i = 0; i < n; i++)
		bad |= read_condition(e, config_setting_get_elem(g, (unsigned)i), &sub[i], depth) < 0;
	return bad ? -1 : 0;
}

static int read_class(struct np_conf_err *e, const config_setting_t *cg, struct engine_class *c,
		      const struct engine_class *before, size_t nbefore)
{
	const config_setting_t *mg = NULL;
	char name[64];
	struct optset o;
	int bad = 0;

	if (np_conf_get_string(e, cg, "name", NP_CONF_REQUIRED, name, sizeof(name)) < 0)
		return -1;
	for (size_t i = 0; i < nbefore; i++)
		if (strcmp(before[i].name, name) == 0) {
			np_conf_error(e, config_setting_get_member(cg, "name"),
				      "client class \"%s\" is defined twice", name);
			bad = 1;
		}
	if ((c->name = strdup(name)) == NULL)
		return -1;
	if (np_conf_get_group(e, cg, "match", NP_CONF_REQUIRED, &mg) < 0 ||
	    read_match(e, mg, &c->match, 0) < 0)
		bad = 1;
	bad |= read_boot(e, cg, &c->boot) < 0;
	if (read_options(e, cg, &o) < 0)
		bad = 1;
	c->opts = opts_dup(&o);
	c->nopts = o.n;
	return bad ? -1 : 0;
}

static int read_classes(struct np_conf_err *e, const config_setting_t *root, struct dhcpd_conf *c)
{
	const config_setting_t *list = NULL;
	struct engine_class *v;
	int n, bad = 0;

	if (np_conf_get_list(e, root, "client_classes", NP_CONF_OPTIONAL, &list) <= 0)
		return 0;
	n = config_setting_length(list);
	if (n > ENGINE_CLASSES_MAX) {
		np_conf_error(e, list, "client_classes: at most %d", ENGINE_CLASSES_MAX);
		return -1;
	}
	v = calloc((size_t)n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	c->engine.classes = v;
	c->engine.nclasses = (size_t)n;
	for (int i = 0; i < n; i++)
		bad |= read_class(e, config_setting_get_elem(list, (unsigned)i), &v[i], v,
				  (size_t)i) < 0;
	return bad ? -1 : 0;
}

/* allow / deny of a pool: class names into a set of class indexes. */
static int read_class_set(struct np_conf_err *e, const config_setting_t *pg, const char *key,
			  const struct engine_config *ec, uint64_t *set)
{
	char **v = NULL;
	size_t n = 0;
	int rc = np_conf_get_strv(e, pg, key, NP_CONF_OPTIONAL, ENGINE_CLASSES_MAX, 64, &v, &n), bad = 0;

	*set = 0;
	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		while (k < ec->nclasses && (ec->classes[k].name == NULL ||
					    strcmp(ec->classes[k].name, v[i]) != 0))
			k++;
		if (k == ec->nclasses) {
			np_conf_error(e, config_setting_get_member(pg, key),
				      "%s: no client class \"%s\" in client_classes", key, v[i]);
			bad = 1;
			continue;
		}
		*set |= 1ull << k;
	}
	np_conf_strv_free(v);
	return bad ? -1 : 0;
}

/* ---- subnets ----------------------------------------------------------------- */

static bool in_subnet(const struct np_conf_cidr *c, uint32_t a)
{
	uint32_t m = c->prefix ? 0xffffffffu << (32 - c->prefix) : 0;

	return (a & m) == c->addr;
}

static int read_pools(struct np_conf_err *e, const config_setting_t *sg,
		      const struct np_conf_cidr *net, struct engine_subnet *s,
		      const struct engine_config *ec)
{
	const config_setting_t *list = NULL;
	struct engine_pool *p;
	int n, bad = 0;

	if (np_conf_get_list(e, sg, "pools", NP_CONF_OPTIONAL, &list) <= 0)
		return 0;
	n = config_setting_length(list);
	if (n > MAX_POOLS) {
		np_conf_error(e, list, "at most %d pools per subnet", MAX_POOLS);
		return -1;
	}
	p = calloc((size_t)n + 1, sizeof(*p));
	if (p == NULL)
		return -1;
	s->pools = p;
	for (int i = 0; i < n; i++) {
		const config_setting_t *pg = config_setting_get_elem(list, (unsigned)i);

		if (read_class_set(e, pg, "allow", ec, &p[i].allow) < 0 ||
		    read_class_set(e, pg, "deny", ec, &p[i].deny) < 0)
			bad = 1;
		if (np_conf_get_ipv4(e, pg, "first", NP_CONF_REQUIRED, &p[i].first) < 0 ||
		    np_conf_get_ipv4(e, pg, "last", NP_CONF_REQUIRED, &p[i].last) < 0) {
			bad = 1;
			continue;
		}
		if (p[i].first > p[i].last || !in_subnet(net, p[i].first) ||
		    !in_subnet(net, p[i].last)) {
			np_conf_error(e, pg, "pool %u.%u.%u.%u-%u.%u.%u.%u is not a range inside the subnet",
				      p[i].first >> 24, (p[i].first >> 16) & 255,
				      (p[i].first >> 8) & 255, p[i].first & 255, p[i].last >> 24,
				      (p[i].last >> 16) & 255, (p[i].last >> 8) & 255,
				      p[i].last & 255);
			bad = 1;
			continue;
		}
		for (int k = 0; k < i; k++)
			if (!(p[i].last < p[k].first || p[i].first > p[k].last)) {
				np_conf_error(e, pg, "pool overlaps another pool");
				bad = 1;
			}
	}
	s->npools = (size_t)n;
	return bad ? -1 : 0;
}

static int read_resv_one(struct np_conf_err *e, const config_setting_t *rg,
			 const struct np_conf_cidr *net, struct engine_reservation *r)
{
	char mac[64] = "", cid[800] = "", host[256] = "", duid[800] = "", circuit[256] = "";
	int has_mac = np_conf_get_string(e, rg, "mac", NP_CONF_OPTIONAL, mac, sizeof(mac));
	int has_cid = np_conf_get_string(e, rg, "client_id", NP_CONF_OPTIONAL, cid, sizeof(cid));
	int has_duid = np_conf_get_string(e, rg, "duid", NP_CONF_OPTIONAL, duid, sizeof(duid));
	int has_circuit = np_conf_get_string(e, rg, "circuit_id", NP_CONF_OPTIONAL, circuit,
					     sizeof(circuit));
	uint64_t ms = 0;
	struct optset o;
	size_t n;

	if (np_conf_get_ipv4(e, rg, "address", NP_CONF_OPTIONAL, &r->addr) < 0 ||
	    has_mac < 0 || has_cid < 0 || has_duid < 0 || has_circuit < 0 ||
	    np_conf_get_duration(e, rg, "lease_time", NP_CONF_OPTIONAL, 60000,
				 0xffffffffull * 1000, &ms) < 0 ||
	    read_boot(e, rg, &r->boot) < 0)
		return -1;
	r->lease_time = (uint32_t)(ms / 1000);
	if ((has_mac > 0) + (has_cid > 0) + (has_duid > 0) + (has_circuit > 0) != 1) {
		np_conf_error(e, rg, "a reservation needs exactly one of mac, client_id, duid and circuit_id");
		return -1;
	}
	if (config_setting_get_member(rg, "address") != NULL && r->addr == 0) {
		np_conf_error(e, rg, "address 0.0.0.0: leave address out for a reservation without one");
		return -1;
	}
	if (r->addr != 0 && !in_subnet(net, r->addr)) {
		np_conf_error(e, rg, "reserved address is outside the subnet");
		return -1;
	}
	r->client.htype = 1;
	if (has_duid > 0 || has_circuit > 0) {
		uint8_t *v = malloc(255);

		if (v == NULL)
			return -1;
		r->key = v;
		r->key_kind = has_duid > 0 ? ENGINE_RESV_DUID : ENGINE_RESV_CIRCUIT_ID;
		if (has_circuit > 0) {
			n = strlen(circuit);
			memcpy(v, circuit, n);
		} else if (hex_octets(duid, v, 255, &n) < 0 || n < 3 || n > 130) {
			np_conf_error(e, rg, "duid \"%s\": hex octets, 3 to 130 (RFC 8415 §11.1)", duid);
			return -1;
		}
		r->key_len = (uint8_t)n;
	} else if (has_mac > 0) {
		if (hex_octets(mac, r->client.chaddr, 16, &n) < 0 || n != 6) {
			np_conf_error(e, rg, "mac \"%s\" is not a MAC address", mac);
			return -1;
		}
		r->client.hlen = 6;
	} else {
		uint8_t *v = malloc(255);

		if (v == NULL)
			return -1;
		r->client.cid = v;
		if (hex_octets(cid, v, 255, &n) < 0 || n < 2) {
			np_conf_error(e, rg, "client_id \"%s\": hex octets, at least 2 (RFC 2132 §9.14)",
				      cid);
			return -1;
		}
		r->client.cid_len = (uint8_t)n;
	}
	if (np_conf_get_string(e, rg, "hostname", NP_CONF_OPTIONAL, host, sizeof(host)) > 0)
		r->hostname = strdup(host);
	if (read_options(e, rg, &o) < 0)
		return -1;
	r->opts = opts_dup(&o);
	r->nopts = o.n;
	return 0;
}

static int read_resv(struct np_conf_err *e, const config_setting_t *sg,
		     const struct np_conf_cidr *net, struct engine_subnet *s)
{
	const config_setting_t *list = NULL;
	struct engine_reservation *r;
	int n, bad = 0;

	if (np_conf_get_list(e, sg, "reservations", NP_CONF_OPTIONAL, &list) <= 0)
		return 0;
	n = config_setting_length(list);
	if (n > MAX_RESV) {
		np_conf_error(e, list, "at most %d reservations per subnet", MAX_RESV);
		return -1;
	}
	r = calloc((size_t)n + 1, sizeof(*r));
	if (r == NULL)
		return -1;
	s->resv = r;
	s->nresv = (size_t)n;
	for (int i = 0; i < n; i++)
		bad |= read_resv_one(e, config_setting_get_elem(list, (unsigned)i), net, &r[i]) < 0;
	return bad ? -1 : 0;
}

/* The relay agents trusted for the subnet: IP sources of its relayed messages. */
static int read_relays(struct np_conf_err *e, const config_setting_t *sg, struct engine_subnet *s)
{
	char **v = NULL;
	size_t n = 0;
	uint32_t *a;
	int rc = np_conf_get_strv(e, sg, "relays", NP_CONF_OPTIONAL, MAX_LIST, 16, &v, &n);

	if (rc <= 0 || n == 0) {
		np_conf_strv_free(v);
		return rc < 0 ? -1 : 0;
	}
	a = calloc(n, sizeof(*a));
	if (a == NULL) {
		np_conf_strv_free(v);
		return -1;
	}
	s->relays = a;
	s->nrelays = n;
	for (size_t i = 0; i < n; i++)
		if (np_conf_parse_ipv4(v[i], &a[i]) < 0 || a[i] == 0) {
			np_conf_error(e, config_setting_get_member(sg, "relays"),
				      "relays: \"%s\" is not an IPv4 address", v[i]);
			np_conf_strv_free(v);
			return -1;
		}
	np_conf_strv_free(v);
	return 0;
}

static int read_subnet(struct np_conf_err *e, const config_setting_t *sg, struct engine_subnet *s,
		       char ifname[IF_NAMESIZE], char shared[64], const struct engine_config *ec)
{
	struct np_conf_cidr net;
	uint64_t ms = 3600 * 1000ull, t1 = 0, t2 = 0;
	struct optset o;
	int bad = 0;

	if (np_conf_get_cidr(e, sg, "subnet", NP_CONF_REQUIRED | NP_CONF_NETWORK, &net) < 0)
		return -1;
	s->addr = net.addr;
	s->prefix = net.prefix;
	np_conf_get_string(e, sg, "interface", NP_CONF_OPTIONAL, ifname, IF_NAMESIZE);
	bad |= np_conf_get_string(e, sg, "shared_network", NP_CONF_OPTIONAL, shared, 64) < 0;
	bad |= read_boot(e, sg, &s->boot) < 0;
	bad |= np_conf_get_duration(e, sg, "lease_time", NP_CONF_OPTIONAL, 60000,
				    0xffffffffull * 1000, &ms) < 0;
	bad |= np_conf_get_duration(e, sg, "renew_time", NP_CONF_OPTIONAL, 1000,
				    0xffffffffull * 1000, &t1) < 0;
	bad |= np_conf_get_duration(e, sg, "rebind_time", NP_CONF_OPTIONAL, 1000,
				    0xffffffffull * 1000, &t2) < 0;
	s->lease_time = (uint32_t)(ms / 1000);
	s->t1 = (uint32_t)(t1 / 1000);
	s->t2 = (uint32_t)(t2 / 1000);
	if ((s->t1 && s->t1 >= s->lease_time) || (s->t2 && s->t2 >= s->lease_time) ||
	    (s->t1 && s->t2 && s->t1 >= s->t2)) {
		np_conf_error(e, sg, "renew_time < rebind_time < lease_time is required (RFC 2131 §4.4.5)");
		bad = 1;
	}
	bad |= np_conf_get_bool(e, sg, "rapid_commit", NP_CONF_OPTIONAL, &s->rapid_commit) < 0;
	bad |= read_pools(e, sg, &net, s, ec) < 0;
	bad |= read_resv(e, sg, &net, s) < 0;
	bad |= read_relays(e, sg, s) < 0;
	if (read_options(e, sg, &o) < 0)
		bad = 1;
	s->opts = opts_dup(&o);
	s->nopts = o.n;
	return bad ? -1 : 0;
}

/*
 * Shared networks: subnets naming the same interface, or the same
 * shared_network, share one link and one number (engine.h).  A
 * shared_network spanning two interfaces, or an interface whose subnets
 * name two shared networks, is refused: the link would be ambiguous.
 */
static int assign_shared_networks(struct np_conf_err *e, const config_setting_t *list,
				  struct dhcpd_conf *c, char (*shared)[64])
{
	struct engine_subnet *s = (struct engine_subnet *)c->engine.subnets;
	char where[300];
	int bad = 0;

	for (size_t i = 0; i < c->engine.nsubnets; i++) {
		const char *ifi = c->subnet_ifname[i];

		s[i].shared = 0;
		for (size_t k = 0; k < i; k++) {
			const char *ifk = c->subnet_ifname[k];
			bool same_if = ifi[0] != '\0' && strcmp(ifi, ifk) == 0;
			bool same_sn = shared[i][0] != '\0' && strcmp(shared[i], shared[k]) == 0;

			if (same_sn && ifi[0] != '\0' && ifk[0] != '\0' && !same_if) {
				np_conf_error(e, config_setting_get_elem(list, (unsigned)i),
					      "shared_network \"%s\" is on interface %s here, on %s at %s",
					      shared[i], ifi, ifk,
					      np_conf_where(config_setting_get_elem(list, (unsigned)k),
							    where, sizeof(where)));
				bad = 1;
			} else if (same_if && shared[i][0] != '\0' && shared[k][0] != '\0' && !same_sn) {
				np_conf_error(e, config_setting_get_elem(list, (unsigned)i),
					      "interface \"%s\": shared_network %s here, %s at %s", ifi,
					      shared[i], shared[k],
					      np_conf_where(config_setting_get_elem(list, (unsigned)k),
							    where, sizeof(where)));
				bad = 1;
			}
			if ((same_if || same_sn) && s[i].shared == 0)
				s[i].shared = s[k].shared;
		}
		if (s[i].shared == 0)
			s[i].shared = (unsigned)i + 1;
	}
	return bad ? -1 : 0;
}

/*
 * A reservation by DUID or circuit-id is not known to the lease table,
 * which keeps pool addresses from everyone but their client: its address
 * must lie outside every pool (engine.c refuses it at start otherwise).
 */
static int check_keyed_reservations(struct np_conf_err *e, const config_setting_t *list,
				    const struct dhcpd_conf *c)
{
	const struct engine_config *ec = &c->engine;
	int bad = 0;

	for (size_t i = 0; i < ec->nsubnets; i++) {
		const config_setting_t *rl =
			config_setting_get_member(config_setting_get_elem(list, (unsigned)i),
						  "reservations");

		for (size_t j = 0; j < ec->subnets[i].nresv; j++) {
			const struct engine_reservation *r = &ec->subnets[i].resv[j];

			if (r->key_kind == ENGINE_RESV_CLIENT || r->addr == 0)
				continue;
			for (size_t k = 0; k < ec->nsubnets; k++)
				for (size_t p = 0; p < ec->subnets[k].npools; p++)
					if (r->addr >= ec->subnets[k].pools[p].first &&
					    r->addr <= ec->subnets[k].pools[p].last) {
						np_conf_error(e, config_setting_get_elem(rl, (unsigned)j),
							      "a %s reservation's address must lie outside the pools",
							      r->key_kind == ENGINE_RESV_DUID ? "duid" :
							      "circuit_id");
						bad = 1;
					}
		}
	}
	return bad ? -1 : 0;
}

static int read_subnets(struct np_conf_err *e, const config_setting_t *root, struct dhcpd_conf *c)
{
	const config_setting_t *list = NULL;
	struct engine_subnet *s;
	char (*shared)[64];
	int n, bad = 0;

	if (np_conf_get_list(e, root, "subnets", NP_CONF_REQUIRED, &list) < 0)
		return -1;
	n = config_setting_length(list);
	if (n == 0 || n > MAX_SUBNETS) {
		np_conf_error(e, list, "subnets: between 1 and %d", MAX_SUBNETS);
		return -1;
	}
	s = calloc((size_t)n, sizeof(*s));
	c->subnet_ifname = calloc((size_t)n, sizeof(*c->subnet_ifname));
	shared = calloc((size_t)n, sizeof(*shared));
	if (s == NULL || c->subnet_ifname == NULL || shared == NULL) {
		free(s);
		free(shared);
		return -1;
	}
	c->engine.subnets = s;
	c->engine.nsubnets = (size_t)n;
	for (int i = 0; i < n; i++)
		bad |= read_subnet(e, config_setting_get_elem(list, (unsigned)i), &s[i],
				   c->subnet_ifname[i], shared[i], &c->engine) < 0;
	if (!bad)
		bad |= assign_shared_networks(e, list, c, shared) < 0;
	free(shared);
	if (!bad)
		bad |= check_keyed_reservations(e, list, c) < 0;
	/* Pools of different subnets must not overlap either. */
	for (int i = 0; i < n && !bad; i++)
		for (int k = 0; k < i; k++)
			if (s[i].prefix && s[k].prefix &&
			    ((s[i].addr ^ s[k].addr) &
			     (0xffffffffu << (32 - (s[i].prefix < s[k].prefix ? s[i].prefix :
						    s[k].prefix)))) == 0) {
				np_conf_error(e, config_setting_get_elem(list, (unsigned)i),
					      "subnet overlaps subnet %d", k + 1);
				bad = 1;
			}
	return bad ? -1 : 0;
}

/* A zone name in presentation form that fits the wire (RFC 1035 §2.3.4). */
static bool ddns_name_ok(const char *name)
{
	uint8_t wire[256];

	return name_to_wire(name, wire, sizeof(wire)) > 1;
}

static const struct np_conf_enum ddns_conflicts[] = {
	{ "no-name", DHCPD_DDNS_CONFLICT_NO_NAME },
	{ "suffix", DHCPD_DDNS_CONFLICT_SUFFIX },
	{ NULL, 0 },
};

static int read_dns_update(struct np_conf_err *e, const config_setting_t *root,
			   struct dhcpd_dns_update *d)
{
	const config_setting_t *g = NULL;
	uint64_t ttl = 300000, timeout = 1000;
	int retries = 3, bad = 0;

	if (np_conf_get_group(e, root, "dns_update", NP_CONF_OPTIONAL, &g) <= 0)
		return 0;
	d->enabled = true;
	bad |= np_conf_get_hostport(e, g, "server", NP_CONF_REQUIRED, 53, &d->server) < 0;
	bad |= np_conf_get_string(e, g, "zone", NP_CONF_REQUIRED, d->zone, sizeof(d->zone)) < 0;
	bad |= np_conf_get_string(e, g, "reverse_zone", NP_CONF_OPTIONAL, d->reverse_zone,
				  sizeof(d->reverse_zone)) < 0;
	bad |= np_conf_get_duration(e, g, "ttl", NP_CONF_OPTIONAL, 0, 0x7fffffffull * 1000,
				    &ttl) < 0;
	bad |= np_conf_get_duration(e, g, "timeout", NP_CONF_OPTIONAL, 10, 60000, &timeout) < 0;
	bad |= np_conf_get_int(e, g, "retries", NP_CONF_OPTIONAL, 0, 10, &retries) < 0;
	d->update_ptr = true;
	bad |= np_conf_get_bool(e, g, "update_ptr", NP_CONF_OPTIONAL, &d->update_ptr) < 0;
	d->conflict = DHCPD_DDNS_CONFLICT_NO_NAME;
	bad |= np_conf_get_enum(e, g, "conflict", NP_CONF_OPTIONAL, ddns_conflicts,
				&d->conflict) < 0;
	d->ttl = (uint32_t)(ttl / 1000);
	d->timeout_ms = (uint32_t)timeout;
	d->retries = (uint32_t)retries;
	if (!bad && !ddns_name_ok(d->zone)) {
		np_conf_error(e, config_setting_get_member(g, "zone"),
			      "zone \"%s\" is not a domain name", d->zone);
		bad = 1;
	}
	if (!bad && d->reverse_zone[0] && !ddns_name_ok(d->reverse_zone)) {
		np_conf_error(e, config_setting_get_member(g, "reverse_zone"),
			      "reverse_zone \"%s\" is not a domain name", d->reverse_zone);
		bad = 1;
	}
	return bad ? -1 : 0;
}

/*
 * The lease store is opened at start-up as LEASE_FILE, LEASE_FILE.snapshot
 * and LEASE_FILE.tmp (leasedb.h): its directory must exist and be writable,
 * and the file must not be a directory.  Checked here so that `-t` refuses
 * what the start would.
 */
static void check_lease_file(struct np_conf_err *e, const config_setting_t *root,
			     const char *path)
{
	const config_setting_t *s = config_setting_get_member(root, "lease_file");
	const config_setting_t *at = s != NULL ? s : root;
	const char *slash = strrchr(path, '/');
	char dir[sizeof(((struct dhcpd_conf *)0)->lease_file)];
	struct stat sb;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (slash != NULL && slash[1] == '\0') {
		np_conf_error(e, at, "lease_file \"%s\" names a directory, not a file", path);
		return;
	}
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		np_conf_error(e, at, "lease_file \"%s\" is a directory", path);
		return;
	}
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		np_conf_error(e, at, "lease_file \"%s\": directory %s: %s", path, dir,
			      stat(dir, &sb) < 0 ? strerror(errno) : "not a directory");
		return;
	}
	if (access(dir, W_OK | X_OK) < 0)
		np_conf_error(e, at, "lease_file \"%s\": directory %s is not writable: %s", path,
			      dir, strerror(errno));
}

/* ---- checks across subnets ------------------------------------------------------ */

struct resv_ref {
	const struct engine_reservation *r;
	const config_setting_t *where;
	uint8_t key[1 + 255];      /* as the lease table keys clients (lease.c) */
	size_t key_len;
};

static int resv_by_addr(const void *a, const void *b)
{
	const struct resv_ref *x = a, *y = b;

	if (x->r->addr != y->r->addr)
		return x->r->addr < y->r->addr ? -1 : 1;
	return x->where < y->where ? -1 : x->where > y->where;
}

static int resv_by_client(const void *a, const void *b)
{
	const struct resv_ref *x = a, *y = b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int d = memcmp(x->key, y->key, n);

	if (d != 0)
		return d;
	if (x->key_len != y->key_len)
		return x->key_len < y->key_len ? -1 : 1;
	return x->where < y->where ? -1 : x->where > y->where;
}

/*
 * An address reserved twice, or a client with two reservations, is refused
 * by the lease table at start-up (lease_reserve(): -EEXIST); here it is
 * refused with both places named.
 */
static void check_reservations_unique(struct np_conf_err *e, const config_setting_t *root,
				      const struct dhcpd_conf *c)
{
	const config_setting_t *subnets = config_setting_get_member(root, "subnets");
	struct resv_ref *v;
	size_t n = 0, k = 0;
	char where[300];

	for (size_t i = 0; i < c->engine.nsubnets; i++)
		n += c->engine.subnets[i].nresv;
	if (n < 2 || subnets == NULL || (v = calloc(n, sizeof(*v))) == NULL)
		return;
	for (size_t i = 0; i < c->engine.nsubnets; i++) {
		const config_setting_t *sg = config_setting_get_elem(subnets, (unsigned)i);
		const config_setting_t *list = config_setting_get_member(sg, "reservations");

		for (size_t j = 0; j < c->engine.subnets[i].nresv; j++, k++) {
			const struct engine_reservation *r = &c->engine.subnets[i].resv[j];
			struct resv_ref *x = &v[k];

			x->r = r;
			x->where = config_setting_get_elem(list, (unsigned)j);
			if (r->key_kind != ENGINE_RESV_CLIENT) {
				x->key[0] = r->key_kind == ENGINE_RESV_DUID ? 'D' : 'R';
				memcpy(x->key + 1, r->key, r->key_len);
				x->key_len = 1u + r->key_len;
			} else if (r->client.cid_len > 0) {
				x->key[0] = 'C';
				memcpy(x->key + 1, r->client.cid, r->client.cid_len);
				x->key_len = 1u + r->client.cid_len;
			} else {
				x->key[0] = 'H';
				x->key[1] = r->client.htype;
				memcpy(x->key + 2, r->client.chaddr, r->client.hlen);
				x->key_len = 2u + r->client.hlen;
			}
		}
	}
	qsort(v, n, sizeof(*v), resv_by_addr);
	for (size_t i = 1; i < n; i++)
		if (v[i].r->addr != 0 && v[i].r->addr == v[i - 1].r->addr)
			np_conf_error(e, v[i].where,
				      "address %u.%u.%u.%u is reserved already at %s",
				      v[i].r->addr >> 24, (v[i].r->addr >> 16) & 255,
				      (v[i].r->addr >> 8) & 255, v[i].r->addr & 255,
				      np_conf_where(v[i - 1].where, where, sizeof(where)));
	qsort(v, n, sizeof(*v), resv_by_client);
	for (size_t i = 1; i < n; i++)
		if (v[i].key_len == v[i - 1].key_len &&
		    memcmp(v[i].key, v[i - 1].key, v[i].key_len) == 0)
			np_conf_error(e, v[i].where, "this client has a reservation already at %s",
				      np_conf_where(v[i - 1].where, where, sizeof(where)));
	free(v);
}

/*
 * transaction_log: an absolute file name whose directory exists (the file
 * is created, and reopened on every reload, so it can be rotated).
 */
static void read_transaction_log(struct np_conf_err *e, const config_setting_t *root,
				 struct dhcpd_conf *c)
{
	const config_setting_t *s = config_setting_get_member(root, "transaction_log");
	char dir[sizeof(c->transaction_log)];
	char *slash;
	struct stat sb;

	if (np_conf_get_string(e, root, "transaction_log", NP_CONF_OPTIONAL, c->transaction_log,
			       sizeof(c->transaction_log)) < 0 || s == NULL)
		return;
	if (c->transaction_log[0] != '/') {
		np_conf_error(e, s, "transaction_log \"%s\" is not an absolute path",
			      c->transaction_log);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", c->transaction_log);
	slash = strrchr(dir, '/');
	if (slash[1] == '\0') {
		np_conf_error(e, s, "transaction_log \"%s\" names a directory, not a file",
			      c->transaction_log);
		return;
	}
	*(slash == dir ? slash + 1 : slash) = '\0';
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		np_conf_error(e, s, "transaction_log \"%s\": directory %s does not exist",
			      c->transaction_log, dir);
	else if (stat(c->transaction_log, &sb) == 0 && S_ISDIR(sb.st_mode))
		np_conf_error(e, s, "transaction_log \"%s\" is a directory", c->transaction_log);
}

void *dhcpd_conf_load(const struct np_conf *nc, struct np_conf_err *e)
{
	const config_setting_t *root = np_conf_root(nc);
	struct dhcpd_conf *c = calloc(1, sizeof(*c));
	uint64_t hold = ENGINE_OFFER_HOLD_DEFAULT * 1000, probation = 86400000, probe_ms = 300;
	int every = 100000, new_rate = ENGINE_NEW_CLIENTS_DEFAULT,
	    relayed_rate = ENGINE_RELAYED_NEW_CLIENTS_DEFAULT;

	if (c == NULL)
		return NULL;
	snprintf(c->lease_file, sizeof(c->lease_file), "%s", DHCPD_DEFAULT_LEASE_FILE);
	np_conf_check_keys(e, root, root_keys);
	np_conf_get_strv(e, root, "interfaces", NP_CONF_REQUIRED, DHCPD_MAX_INTERFACES,
			 IF_NAMESIZE, &c->interfaces, &c->ninterfaces);
	if (np_conf_get_string(e, root, "lease_file", NP_CONF_OPTIONAL, c->lease_file,
			       sizeof(c->lease_file)) >= 0)
		check_lease_file(e, root, c->lease_file);
	np_common_conf_load(e, root, DHCPD_DEFAULT_CONTROL, &c->common);
	np_conf_get_bool(e, root, "authoritative", NP_CONF_OPTIONAL, &c->engine.authoritative);
	np_conf_get_duration(e, root, "offer_hold", NP_CONF_OPTIONAL, 1000, 3600000, &hold);
	np_conf_get_duration(e, root, "decline_probation", NP_CONF_OPTIONAL, 0,
			     365ull * 86400000, &probation);
	np_conf_get_int(e, root, "compact_every", NP_CONF_OPTIONAL, 100, 100000000, &every);
	c->compact_every = (uint32_t)every;
	c->ping_check = true;
	np_conf_get_bool(e, root, "ping_check", NP_CONF_OPTIONAL, &c->ping_check);
	np_conf_get_duration(e, root, "probe_timeout", NP_CONF_OPTIONAL, 50, 10000, &probe_ms);
	c->probe_timeout_ms = (uint32_t)probe_ms;
	np_conf_get_int(e, root, "new_clients_per_second", NP_CONF_OPTIONAL, 0, ENGINE_RATE_MAX,
			&new_rate);
	np_conf_get_int(e, root, "relayed_new_clients_per_second", NP_CONF_OPTIONAL, 0,
			ENGINE_RATE_MAX, &relayed_rate);
	c->engine.new_clients_rate = (uint32_t)new_rate;
	c->engine.relayed_new_clients_rate = (uint32_t)relayed_rate;
	c->engine.offer_hold = (uint32_t)(hold / 1000);
	c->engine.decline_probation = (uint32_t)(probation / 1000);
	read_classes(e, root, c);
	if (read_subnets(e, root, c) == 0)
		check_reservations_unique(e, root, c);
	read_dns_update(e, root, &c->dns_update);
	dhcpd_conf6_load(e, root, c);
	read_transaction_log(e, root, c);
	c->engine.fqdn_zone = c->dns_update.enabled ? c->dns_update.zone : NULL;
	dhcpd_ra_conf_load(e, root, &c->ra, &c->nra);
	return c;   /* the skeleton discards it if any error was reported */
}

static void free_opts(const struct engine_option *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((void *)v[i].data);
	free((void *)v);
}

void dhcpd_conf_free(void *conf)
{
	struct dhcpd_conf *c = conf;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->engine.nsubnets; i++) {
		const struct engine_subnet *s = &c->engine.subnets[i];

		for (size_t k = 0; k < s->nresv; k++) {
			free((void *)s->resv[k].client.cid);
			free((void *)s->resv[k].key);
			free_boot(&s->resv[k].boot);
			free((void *)s->resv[k].hostname);
			free_opts(s->resv[k].opts, s->nresv ? s->resv[k].nopts : 0);
		}
		free((void *)s->resv);
		free((void *)s->pools);
		free((void *)s->relays);
		free_boot(&s->boot);
		free_opts(s->opts, s->nopts);
	}
	free((void *)c->engine.subnets);
	for (size_t i = 0; i < c->engine.nclasses; i++) {
		const struct engine_class *k = &c->engine.classes[i];

		free((void *)k->name);
		free_match(&k->match);
		free_boot(&k->boot);
		free_opts(k->opts, k->nopts);
	}
	free((void *)c->engine.classes);
	free(c->subnet_ifname);
	dhcpd_conf6_free(c);
	free(c->ra);
	np_conf_strv_free(c->interfaces);
	free(c);
}
