/*
 * conf.c: np-dnsd's settings (documented in conf/np-dnsd.conf).
 *
 * The loader reports every error with its file:line and goes on, so
 * `np-dnsd -t` lists them all.  The local zone is built here, record line by
 * record line, so a bad record is reported at its own line and a config that
 * passes -t is exactly one that loads.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/dns.h>
#include <netproto/error.h>

#include "acl.h"
#include "conf.h"
#include "hashkey.h"
#include "localzone.h"
#include "log.h"
#include "val-chain.h"

static const struct np_conf_key fz_keys[] = {
	{ "zone", NULL },
	{ "servers", NULL },
	{ NULL, NULL },
};

static const struct np_conf_key acl_keys[] = {
	{ "net", NULL },
	{ "action", NULL },
	{ NULL, NULL },
};

static const struct np_conf_key root_keys[] = {
	{ "listen", NULL },
	{ "upstreams", NULL },
	{ "forward_zones", fz_keys },
	{ "cache_size", NULL },
	{ "min_ttl", NULL },
	{ "max_ttl", NULL },
	{ "max_negative_ttl", NULL },
	{ "serve_stale", NULL },
	{ "prefetch", NULL },
	{ "edns_buffer_size", NULL },
	{ "local_zone", NULL },
	{ "records", NULL },
	{ "access_control", acl_keys },
	{ "update_acl", NULL },
	{ "tcp_idle_timeout", NULL },
	{ "tcp_max_connections", NULL },
	{ "tcp_per_client", NULL },
	{ "tcp_query_timeout", NULL },
	{ "upstream_timeout", NULL },
	{ "use_0x20", NULL },
	{ "xdp_interface", NULL },
	{ "dnssec", NULL },
	{ "trust_anchors", NULL },
	{ "trust_anchor_file", NULL },
	{ "negative_trust_anchors", NULL },
	NP_COMMON_CONF_KEYS,
	{ NULL, NULL },
};

static const struct np_conf_enum actions[] = {
	{ "allow", DNSD_ACL_ALLOW }, { "refuse", DNSD_ACL_REFUSE }, { "deny", DNSD_ACL_DENY },
	{ NULL, 0 },
};

static const struct np_conf_enum dnssec_modes[] = {
	{ "off", DNSD_DNSSEC_OFF },
	{ "permissive", DNSD_DNSSEC_PERMISSIVE },
	{ "validate", DNSD_DNSSEC_VALIDATE },
	{ NULL, 0 },
};

/* "a.b.c.d" or "a.b.c.d:port" (port 1..65535); 0 or -1. */
static int parse_addr_port(const char *s, uint16_t def_port, struct dnsd_addr *out)
{
	const char *colon = strchr(s, ':');
	char host[32];
	unsigned long port = def_port;
	char *end;

	if (colon) {
		if ((size_t)(colon - s) >= sizeof(host))
			return -1;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno || *end || end == colon + 1 || port == 0 || port > 65535)
			return -1;
	} else {
		if (strlen(s) >= sizeof(host))
			return -1;
		strcpy(host, s);
	}
	if (np_conf_parse_ipv4(host, &out->addr) < 0)
		return -1;
	out->port = (uint16_t)port;
	return 0;
}

/* A list of "addr[:port]" strings into out[max]; *n set; -1 after errors. */
static int load_addrs(struct np_conf_err *e, const config_setting_t *g, const char *name,
		      int flags, struct dnsd_addr *out, unsigned max, unsigned *n)
{
	const config_setting_t *list = config_setting_get_member(g, name);
	int bad = 0;

	if (!list) {
		if (flags & NP_CONF_REQUIRED) {
			np_conf_error(e, g, "%s: missing (a list of \"address[:port]\")", name);
			return -1;
		}
		return 0;
	}
	if (!config_setting_is_aggregate(list) || config_setting_is_group(list)) {
		np_conf_error(e, list, "%s: must be a list of \"address[:port]\" strings", name);
		return -1;
	}
	if ((unsigned)config_setting_length(list) > max) {
		np_conf_error(e, list, "%s: more than %u addresses", name, max);
		return -1;
	}
	*n = 0;
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *it = config_setting_get_elem(list, (unsigned)i);
		const char *s = config_setting_get_string(it);

		if (!s || parse_addr_port(s, 53, &out[*n]) < 0) {
			np_conf_error(e, it, "%s: \"%s\" is not an IPv4 address[:port]", name,
				      s ? s : "(not a string)");
			bad = -1;
			continue;
		}
		(*n)++;
	}
	return bad;
}

static int load_zone_name(struct np_conf_err *e, const config_setting_t *g, const char *name,
			  int flags, uint8_t *out, size_t *len)
{
	char text[NP_DNS_NAME_TEXT_MAX];
	int r = np_conf_get_string(e, g, name, flags, text, sizeof(text));
	int n;

	if (r < 1)
		return r;
	n = np_dns_name_from_text(text, out, NP_DNS_NAME_MAX);
	if (n < 0) {
		np_conf_error(e, config_setting_get_member(g, name),
			      "%s: \"%s\" is not a domain name", name, text);
		return -1;
	}
	np_dns_name_lower(out, (size_t)n);
	*len = (size_t)n;
	return 1;
}

static int load_upstreams(struct np_conf_err *e, const config_setting_t *root,
			  struct dnsd_conf *conf)
{
	const config_setting_t *fz = NULL;
	unsigned nfz = 0, bad = 0;

	if (np_conf_get_list(e, root, "forward_zones", NP_CONF_OPTIONAL, &fz) == 1)
		nfz = (unsigned)config_setting_length(fz);
	if (nfz > DNSD_MAX_FORWARD_ZONES) {
		np_conf_error(e, fz, "forward_zones: more than %u zones", DNSD_MAX_FORWARD_ZONES);
		return -1;
	}
	conf->policy.sets = calloc(nfz + 1, sizeof(*conf->policy.sets));
	if (!conf->policy.sets) {
		np_conf_error(e, NULL, "out of memory");
		return -1;
	}
	conf->policy.nsets = nfz + 1;
	conf->policy.sets[0].zlen = 1;        /* the root: default upstreams */
	if (load_addrs(e, root, "upstreams", NP_CONF_OPTIONAL, conf->policy.sets[0].servers,
		       DNSD_MAX_SERVERS, &conf->policy.sets[0].nservers) < 0)
		bad++;
	for (unsigned i = 0; i < nfz; i++) {
		const config_setting_t *g = config_setting_get_elem(fz, i);
		struct dnsd_upstream_set *s = &conf->policy.sets[i + 1];

		s->line = (int)config_setting_source_line(g);
		if (!config_setting_is_group(g)) {
			np_conf_error(e, g, "forward_zones: each item must be a group "
				      "{ zone = ...; servers = (...); }");
			bad++;
			continue;
		}
		if (load_zone_name(e, g, "zone", NP_CONF_REQUIRED, s->zone, &s->zlen) < 1)
			bad++;
		if (load_addrs(e, g, "servers", NP_CONF_REQUIRED, s->servers, DNSD_MAX_SERVERS,
			       &s->nservers) < 0)
			bad++;
		else if (s->nservers == 0) {
			np_conf_error(e, g, "servers: the list is empty");
			bad++;
		}
		for (unsigned j = 1; j <= i && s->zlen; j++)
			if (np_dns_name_equal(conf->policy.sets[j].zone, conf->policy.sets[j].zlen, s->zone,
					      s->zlen)) {
				np_conf_error(e, g, "zone: also forwarded at line %d",
					      conf->policy.sets[j].line);
				bad++;
			}
	}
	return bad ? -1 : 0;
}

static int load_acl(struct np_conf_err *e, const config_setting_t *root, struct dnsd_conf *conf)
{
	const config_setting_t *list = NULL;
	unsigned n;
	int bad = 0;

	if (np_conf_get_list(e, root, "access_control", NP_CONF_OPTIONAL, &list) < 1)
		return 0;
	n = (unsigned)config_setting_length(list);
	if (n > DNSD_MAX_ACL) {
		np_conf_error(e, list, "access_control: more than %u entries", DNSD_MAX_ACL);
		return -1;
	}
	conf->policy.acl_given = true;
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, i);
		struct np_conf_cidr c;
		int action;

		if (!config_setting_is_group(g)) {
			np_conf_error(e, g, "access_control: each item must be a group "
				      "{ net = \"a.b.c.d/n\"; action = \"allow\"; }");
			bad = -1;
			continue;
		}
		if (np_conf_get_cidr(e, g, "net", NP_CONF_REQUIRED | NP_CONF_NETWORK, &c) < 1 ||
		    np_conf_get_enum(e, g, "action", NP_CONF_REQUIRED, actions, &action) < 1) {
			bad = -1;
			continue;
		}
		conf->policy.acl[conf->policy.nacl].net = c.addr;
		conf->policy.acl[conf->policy.nacl].prefix = c.prefix;
		conf->policy.acl[conf->policy.nacl].action = (uint8_t)action;
		conf->policy.nacl++;
	}
	return bad;
}

static int load_update_acl(struct np_conf_err *e, const config_setting_t *root,
			   struct dnsd_conf *conf)
{
	const config_setting_t *list = config_setting_get_member(root, "update_acl");
	int bad = 0;

	if (!list)
		return 0;
	if (!config_setting_is_aggregate(list) || config_setting_is_group(list)) {
		np_conf_error(e, list, "update_acl: must be a list of \"a.b.c.d/n\" strings");
		return -1;
	}
	if ((unsigned)config_setting_length(list) > DNSD_MAX_ACL) {
		np_conf_error(e, list, "update_acl: more than %u entries", DNSD_MAX_ACL);
		return -1;
	}
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *it = config_setting_get_elem(list, (unsigned)i);
		const char *s = config_setting_get_string(it);
		struct np_conf_cidr c;
		uint32_t a;

		if (s && !strchr(s, '/') && np_conf_parse_ipv4(s, &a) == 0) {
			c.addr = a;
			c.prefix = 32;
		} else if (!s || np_conf_parse_cidr(s, &c) < 0 ||
			   (c.addr & ~dnsd_prefix_mask(c.prefix))) {
			np_conf_error(e, it, "update_acl: \"%s\" is not an address or a prefix "
				      "a.b.c.d/n without host bits", s ? s : "(not a string)");
			bad = -1;
			continue;
		}
		conf->policy.update_acl[conf->policy.nupdate_acl++] =
			(struct dnsd_prefix){ c.addr, c.prefix };
	}
	return bad;
}

/*
 * The local zone's records: each line is checked by adding it to a zone
 * built for the purpose (so an error is reported at its own line, and a
 * config that passes -t is exactly one whose zone the engine builds), and
 * kept as text for the engine, which owns the zone (query.h).
 */
static int load_local(struct np_conf_err *e, const config_setting_t *root, struct dnsd_conf *conf)
{
	const config_setting_t *list = config_setting_get_member(root, "records");
	struct dns_local *check;
	struct np_hmap_key key;
	char why[256];
	int bad = 0;

	if (load_zone_name(e, root, "local_zone", NP_CONF_OPTIONAL, conf->policy.local_zone,
			   &conf->policy.local_zone_len) < 0)
		return -1;
	if (conf->policy.local_zone_len == 0) {
		if (list)
			np_conf_error(e, list, "records: needs a local_zone");
		return list ? -1 : 0;
	}
	if (conf->policy.local_zone_len == 1) {
		np_conf_error(e, config_setting_get_member(root, "local_zone"),
			      "local_zone: the root cannot be the local zone");
		return -1;
	}
	if (!list)
		return 0;
	if (!config_setting_is_aggregate(list) || config_setting_is_group(list)) {
		np_conf_error(e, list, "records: must be a list of zone-file lines");
		return -1;
	}
	np_hmap_key_draw(&key);
	check = dns_local_new(conf->policy.local_zone, conf->policy.local_zone_len, &key);
	conf->records = calloc((size_t)config_setting_length(list) + 1, sizeof(*conf->records));
	if (!check || !conf->records) {
		dns_local_free(check);
		np_conf_error(e, NULL, "out of memory");
		return -1;
	}
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *it = config_setting_get_elem(list, (unsigned)i);
		const char *s = config_setting_get_string(it);

		if (!s) {
			np_conf_error(e, it, "records: each item must be a string such as "
				      "\"printer.lan. 300 IN A 10.77.0.50\"");
			bad = -1;
			continue;
		}
		why[0] = '\0';
		if (dns_local_add_line(check, s, why, sizeof(why)) < 0) {
			np_conf_error(e, it, "records: \"%s\": %s", s, why[0] ? why : "invalid");
			bad = -1;
		} else if (!(conf->records[conf->nrecords++] = strdup(s))) {
			np_conf_error(e, NULL, "out of memory");
			bad = -1;
		}
	}
	dns_local_free(check);
	conf->policy.local_records = (const char *const *)conf->records;
	conf->policy.nlocal_records = conf->nrecords;
	return bad;
}

/* A list setting of strings, or NULL (absent, or reported as not a list). */
static const config_setting_t *string_list(struct np_conf_err *e, const config_setting_t *root,
					   const char *name, const char *what)
{
	const config_setting_t *list = config_setting_get_member(root, name);

	if (list && (!config_setting_is_aggregate(list) || config_setting_is_group(list))) {
		np_conf_error(e, list, "%s: must be a list of %s", name, what);
		return NULL;
	}
	return list;
}

/* trust_anchor_file: DS or DNSKEY lines (root.ds or root.key of dns-root-data). */
static void load_anchor_file(struct np_conf_err *e, const config_setting_t *s, const char *path,
			     struct vc_trust *t)
{
	char line[8192], why[256];
	unsigned lineno = 0, added = 0;
	FILE *fp = fopen(path, "r");

	if (!fp) {
		np_conf_error(e, s, "trust_anchor_file: %s: %s", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), fp)) {
		int rc;

		lineno++;
		why[0] = '\0';
		rc = vc_trust_add_line(t, line, why, sizeof(why));
		if (rc == 0)
			added++;
		else if (rc != NP_ENOTFOUND)
			np_conf_error(e, s, "trust_anchor_file: %s:%u: %s", path, lineno,
				      why[0] ? why : np_strerror(rc));
	}
	fclose(fp);
	if (!added)
		np_conf_error(e, s, "trust_anchor_file: %s: no DS or DNSKEY record", path);
}

/*
 * dnssec, trust_anchors, trust_anchor_file, negative_trust_anchors.  The
 * anchors are checked whatever the mode, so -t finds a bad one before it
 * is used.
 */
static void load_dnssec(struct np_conf_err *e, const config_setting_t *root,
			struct dnsd_conf *conf)
{
	const config_setting_t *list;
	char path[4096], why[256];
	int mode, given = 0;

	if (np_conf_get_enum(e, root, "dnssec", NP_CONF_OPTIONAL, dnssec_modes, &mode) == 1) {
		conf->dnssec = (enum dnsd_dnssec)mode;
		if (mode != DNSD_DNSSEC_OFF)
			np_conf_error(e, config_setting_get_member(root, "dnssec"),
				      "dnssec: \"%s\" is not yet supported: np-dnsd passes DNSSEC "
				      "records through without validating them (use \"off\")",
				      mode == DNSD_DNSSEC_VALIDATE ? "validate" : "permissive");
	}
	if (!(conf->trust = vc_trust_new())) {
		np_conf_error(e, NULL, "out of memory");
		return;
	}
	if ((list = string_list(e, root, "trust_anchors", "\"DS or DNSKEY record\" strings"))) {
		given = 1;
		for (int i = 0; i < config_setting_length(list); i++) {
			const config_setting_t *it = config_setting_get_elem(list, (unsigned)i);
			const char *s = config_setting_get_string(it);
			int rc;

			why[0] = '\0';
			if (!s) {
				np_conf_error(e, it, "trust_anchors: each item must be a string such as "
					      "\". IN DS 20326 8 2 E06D...\"");
				continue;
			}
			rc = vc_trust_add_line(conf->trust, s, why, sizeof(why));
			if (rc == NP_ENOTFOUND)
				np_conf_error(e, it, "trust_anchors: \"%s\": not a DS or DNSKEY record", s);
			else if (rc)
				np_conf_error(e, it, "trust_anchors: \"%s\": %s", s,
					      why[0] ? why : np_strerror(rc));
		}
	}
	if (np_conf_get_string(e, root, "trust_anchor_file", NP_CONF_OPTIONAL, path,
			       sizeof(path)) == 1) {
		given = 1;
		load_anchor_file(e, config_setting_get_member(root, "trust_anchor_file"), path,
				 conf->trust);
	}
	if (!given && vc_trust_add_builtin(conf->trust))
		np_conf_error(e, NULL, "the built-in root trust anchors do not load");
	if ((list = string_list(e, root, "negative_trust_anchors", "domain names"))) {
		for (int i = 0; i < config_setting_length(list); i++) {
			const config_setting_t *it = config_setting_get_elem(list, (unsigned)i);
			const char *s = config_setting_get_string(it);
			uint8_t name[NP_DNS_NAME_MAX];
			int n = s ? np_dns_name_from_text(s, name, sizeof(name)) : -1;

			if (n < 0)
				np_conf_error(e, it, "negative_trust_anchors: \"%s\" is not a domain name",
					      s ? s : "(not a string)");
			else if (vc_trust_add_nta(conf->trust, name, (size_t)n))
				np_conf_error(e, it, "negative_trust_anchors: more than %d names",
					      VC_MAX_NTAS);
		}
	}
}

static void load_numbers(struct np_conf_err *e, const config_setting_t *root,
			 struct dnsd_conf *conf)
{
	int64_t v;
	int i;

	if (np_conf_get_int64(e, root, "cache_size", NP_CONF_OPTIONAL, 16, 100000000, &v) == 1)
		conf->policy.cache_size = (size_t)v;
	if (np_conf_get_int64(e, root, "min_ttl", NP_CONF_OPTIONAL, 0, 86400, &v) == 1)
		conf->policy.min_ttl = (uint32_t)v;
	if (np_conf_get_int64(e, root, "max_ttl", NP_CONF_OPTIONAL, 1, 2147483647, &v) == 1)
		conf->policy.max_ttl = (uint32_t)v;
	if (np_conf_get_int64(e, root, "max_negative_ttl", NP_CONF_OPTIONAL, 0, 2147483647,
			      &v) == 1)
		conf->policy.max_negative_ttl = (uint32_t)v;
	if (conf->policy.min_ttl > conf->policy.max_ttl)
		np_conf_error(e, config_setting_get_member(root, "min_ttl"),
			      "min_ttl: %u is above max_ttl %u", conf->policy.min_ttl, conf->policy.max_ttl);
	/* RFC 6891 §6.2.5: below 512 is treated as 512; 4096 is the usual top. */
	if (np_conf_get_int(e, root, "edns_buffer_size", NP_CONF_OPTIONAL, 512, 4096, &i) == 1)
		conf->policy.edns_buffer_size = (unsigned)i;
	if (np_conf_get_int(e, root, "tcp_max_connections", NP_CONF_OPTIONAL, 1, 65536, &i) == 1)
		conf->tcp_max_connections = (unsigned)i;
	if (np_conf_get_int(e, root, "tcp_per_client", NP_CONF_OPTIONAL, 1, 65536, &i) == 1)
		conf->tcp_per_client = (unsigned)i;
	np_conf_get_duration(e, root, "tcp_idle_timeout", NP_CONF_OPTIONAL, 100, 3600 * 1000,
			     &conf->tcp_idle_timeout_ms);
	np_conf_get_duration(e, root, "tcp_query_timeout", NP_CONF_OPTIONAL, 100, 60 * 1000,
			     &conf->tcp_query_timeout_ms);
	np_conf_get_duration(e, root, "upstream_timeout", NP_CONF_OPTIONAL, 50, 60 * 1000,
			     &conf->policy.upstream_timeout_ms);
}

static void set_defaults(struct dnsd_conf *conf)
{
	conf->policy.cache_size = 100000;
	conf->policy.min_ttl = 0;
	conf->policy.max_ttl = 86400;             /* Unbound's cache-max-ttl */
	conf->policy.max_negative_ttl = 3600;     /* Unbound's cache-max-negative-ttl */
	conf->policy.edns_buffer_size = DNSD_EDNS_DEFAULT;
	conf->tcp_idle_timeout_ms = 10000; /* RFC 7766 §6.2.3: "on the order of seconds" */
	conf->tcp_max_connections = 1000;
	/* A query is a few hundred octets: seconds are plenty even on a slow link. */
	conf->tcp_query_timeout_ms = 5000;
	conf->tcp_per_client = 32;
	conf->policy.upstream_timeout_ms = 1500;
	/* 0x20 on: the bits it adds are what defeat a spoofer who knows the port. */
	conf->policy.use_0x20 = true;
}

struct dnsd_conf *dnsd_conf_load(const struct np_conf *c, struct np_conf_err *e)
{
	const config_setting_t *root = np_conf_root(c);
	struct dnsd_conf *conf = calloc(1, sizeof(*conf));

	if (!conf) {
		np_conf_error(e, NULL, "out of memory");
		return NULL;
	}
	set_defaults(conf);
	np_conf_check_keys(e, root, root_keys);
	load_addrs(e, root, "listen", NP_CONF_REQUIRED, conf->listen, DNSD_MAX_LISTEN,
		   &conf->nlisten);
	if (config_setting_get_member(root, "listen") && conf->nlisten == 0 && e->count == 0)
		np_conf_error(e, config_setting_get_member(root, "listen"),
			      "listen: the list is empty");
	load_upstreams(e, root, conf);
	load_numbers(e, root, conf);
	np_conf_get_bool(e, root, "serve_stale", NP_CONF_OPTIONAL, &conf->policy.serve_stale);
	np_conf_get_bool(e, root, "prefetch", NP_CONF_OPTIONAL, &conf->policy.prefetch);
	np_conf_get_bool(e, root, "use_0x20", NP_CONF_OPTIONAL, &conf->policy.use_0x20);
	load_local(e, root, conf);
	load_acl(e, root, conf);
	load_update_acl(e, root, conf);
	np_common_conf_load(e, root, NULL, &conf->common);
	np_conf_get_string(e, root, "xdp_interface", NP_CONF_OPTIONAL, conf->xdp_interface,
			   sizeof(conf->xdp_interface));
	load_dnssec(e, root, conf);
	if (e->count) {
		dnsd_conf_free(conf);
		return NULL;
	}
	return conf;
}

void dnsd_conf_free(struct dnsd_conf *conf)
{
	if (!conf)
		return;
	for (unsigned i = 0; i < conf->nrecords; i++)
		free(conf->records[i]);
	free(conf->records);
	vc_trust_free(conf->trust);
	free(conf->policy.sets);
	free(conf);
}
