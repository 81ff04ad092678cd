/*
 * policy.h: np-dnsd's policy settings as a plain struct: what conf.c makes
 * of the configuration file for the engine (query.h) and the resolver
 * (resolver.h).  No libconfig type here: the policy library is built
 * without its include path (ARCHITECTURE.md, the policy guard).
 */
#ifndef NP_DNSD_POLICY_H
#define NP_DNSD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netproto/dns.h>

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

/* An IPv4 prefix (update_acl). */
struct dnsd_prefix {
	uint32_t addr;                 /* host order, host bits zero */
	uint8_t prefix;
};

struct dnsd_policy_conf {
	/* sets[0] is `upstreams` (zone "."), then every forward_zones entry. */
	struct dnsd_upstream_set *sets;
	unsigned nsets;

	size_t cache_size;             /* RRsets */
	uint32_t min_ttl, max_ttl, max_negative_ttl;   /* seconds */
	bool serve_stale, prefetch, use_0x20;
	unsigned edns_buffer_size;
	uint64_t upstream_timeout_ms;  /* the longest one try may wait */

	uint8_t local_zone[NP_DNS_NAME_MAX];
	size_t local_zone_len;         /* 0: no local zone */
	/* The configured records, zone-file lines already checked by conf.c. */
	const char *const *local_records;
	unsigned nlocal_records;

	struct dnsd_acl_entry acl[DNSD_MAX_ACL];
	unsigned nacl;
	bool acl_given;                /* false: loopback + the local subnets (dnsd.c) */
	struct dnsd_prefix update_acl[DNSD_MAX_ACL];
	unsigned nupdate_acl;
};

#endif
