/*
 * conf.h: np-dnsd's configuration, read from a libconfig file into a
 * validated struct (daemons/common/conf.h does the checking).  Documented
 * setting by setting in conf/np-dnsd.conf and np-dnsd.conf(5).
 */
#ifndef NP_DNSD_CONF_H
#define NP_DNSD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netproto/dns.h>

/* The shared helpers; a plain "conf.h" here would name this file. */
#include "../common/conf.h"

#define DNSD_MAX_LISTEN 32
#define DNSD_MAX_SERVERS 16            /* per upstream set */
#define DNSD_MAX_FORWARD_ZONES 256
#define DNSD_MAX_ACL 256
#define DNSD_EDNS_DEFAULT 1232         /* DNS flag day 2020 */

struct dnsd_addr {
	uint32_t addr;                 /* host order */
	uint16_t port;
};

/* A set of upstream servers for one zone ("." for the default upstreams). */
struct dnsd_upstream_set {
	uint8_t zone[NP_DNS_NAME_MAX];
	size_t zlen;
	struct dnsd_addr servers[DNSD_MAX_SERVERS];
	unsigned nservers;
	int line;
};

enum dnsd_acl_action {
	DNSD_ACL_DENY = 0,             /* drop silently */
	DNSD_ACL_REFUSE = 1,           /* answer REFUSED */
	DNSD_ACL_ALLOW = 2,
};

struct dnsd_acl_entry {
	uint32_t net;                  /* host order, host bits zero */
	uint8_t prefix;
	uint8_t action;                /* enum dnsd_acl_action */
};

struct dnsd_conf {
	struct dnsd_addr listen[DNSD_MAX_LISTEN];
	unsigned nlisten;

	/* sets[0] is `upstreams` (zone "."), then every forward_zones entry. */
	struct dnsd_upstream_set *sets;
	unsigned nsets;

	size_t cache_size;             /* RRsets */
	uint32_t min_ttl, max_ttl, max_negative_ttl;   /* seconds */
	bool serve_stale, prefetch, use_0x20;
	unsigned edns_buffer_size;

	uint8_t local_zone[NP_DNS_NAME_MAX];
	size_t local_zone_len;         /* 0: no local zone */
	struct dns_local *local;       /* built from local_zone + records; NULL without */

	struct dnsd_acl_entry acl[DNSD_MAX_ACL];
	unsigned nacl;
	bool acl_given;                /* false: loopback + the local subnets (dnsd.c) */
	struct np_conf_cidr update_acl[DNSD_MAX_ACL];
	unsigned nupdate_acl;

	uint64_t tcp_idle_timeout_ms;  /* between queries */
	uint64_t tcp_query_timeout_ms; /* from a query's first octet to its last */
	unsigned tcp_max_connections;
	unsigned tcp_per_client;       /* connections from one client address */
	uint64_t upstream_timeout_ms;  /* the longest one try may wait */

	/*
	 * UDP queries to the listen addresses arriving on this interface are
	 * read and answered through AF_XDP (io-xdp.c, daemons/common/xsk.h);
	 * empty: kernel sockets only.
	 */
	char xdp_interface[16];        /* IF_NAMESIZE */
	struct np_common_conf common;  /* user, log_level, control_socket, metrics_listen */
};

/* Build a config from a parsed file; NULL after reporting errors to e. */
struct dnsd_conf *dnsd_conf_load(const struct np_conf *c, struct np_conf_err *e);
void dnsd_conf_free(struct dnsd_conf *conf);

/* The ACL verdict for a client address (longest prefix wins; no match: deny). */
enum dnsd_acl_action dnsd_acl_check(const struct dnsd_acl_entry *acl, unsigned n,
				    uint32_t addr);
/* True when addr is inside one of the update_acl prefixes. */
bool dnsd_update_allowed(const struct dnsd_conf *conf, uint32_t addr);

#endif
