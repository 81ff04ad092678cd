/*
 * conf.h: np-dhcpd's configuration, read from a libconfig file into a
 * validated struct (conf/np-dhcpd.conf documents every setting).
 *
 * Option values are turned into their wire form here (RFC 2132 formats,
 * RFC 3397 domain search, RFC 3442 classless routes), so the engine only
 * copies octets.  Every error names FILE:LINE; unknown settings are errors.
 */
#ifndef NP_DHCPD_CONF_H
#define NP_DHCPD_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include <net/if.h>

#include "../common/conf.h"
#include "engine.h"
#include "engine6.h"
#include "ra.h"

#define DHCPD_MAX_INTERFACES 32
#define DHCPD_DEFAULT_CONFIG "/etc/netproto/np-dhcpd.conf"
#define DHCPD_DEFAULT_LEASE_FILE "/var/lib/netproto/np-dhcpd.leases"
#define DHCPD_DEFAULT_CONTROL "/run/netproto/np-dhcpd.sock"

/* A client asking for a name another client owns (RFC 4703 §5.3.1). */
enum dhcpd_ddns_conflict {
	DHCPD_DDNS_CONFLICT_NO_NAME = 0,    /* leased without a name */
	DHCPD_DDNS_CONFLICT_SUFFIX,         /* given name-XXXX (its MAC's last two octets) */
};

struct dhcpd_dns_update {
	bool enabled;
	struct np_conf_hostport server;
	char zone[256];
	char reverse_zone[256];             /* "": PTR records in in-addr.arpa by address */
	uint32_t ttl;                       /* seconds, of the A and PTR records */
	uint32_t timeout_ms;                /* before an UPDATE is sent again */
	uint32_t retries;                   /* sends after the first */
	bool update_ptr;                    /* false: the server keeps PTRs itself */
	int conflict;                       /* enum dhcpd_ddns_conflict */
};

struct dhcpd_conf {
	char **interfaces;                  /* NULL-terminated */
	size_t ninterfaces;
	char lease_file[256];
	struct np_common_conf common;       /* user, log_level, control_socket, metrics_listen */
	uint32_t compact_every;             /* journal records between compactions */
	bool ping_check;                    /* ARP probe an address before offering it */
	uint32_t probe_timeout_ms;          /* no answer within this: free */
	struct dhcpd_dns_update dns_update;
	char transaction_log[256];          /* JSON lines of exchanges; "": the journal only */
	/* Per subnet: the interface name it is bound to ("" = by address). */
	char (*subnet_ifname)[IF_NAMESIZE];
	struct engine_config engine;        /* subnets, pools, options, reservations */
	/* DHCPv6 (subnets6): per subnet, the interface it is on ("" = by address). */
	char (*subnet6_ifname)[IF_NAMESIZE];
	struct engine6_config engine6;      /* server_duid is filled in at start (dhcpd.c) */
	struct ra_config *ra;               /* router_advertisements, one per interface */
	size_t nra;
};

/* The np_daemon_ops conf_load / conf_free pair. */
void *dhcpd_conf_load(const struct np_conf *c, struct np_conf_err *e);
void dhcpd_conf_free(void *conf);

/* conf6.c: subnets6 and information_refresh_time into c->engine6 (0 or -1). */
extern const struct np_conf_key dhcpd_subnet6_keys[];
int dhcpd_conf6_load(struct np_conf_err *e, const config_setting_t *root, struct dhcpd_conf *c);
void dhcpd_conf6_free(struct dhcpd_conf *c);
/* The reload rule for DHCPv6's sockets (main.c's restart-only table). */
bool dhcpd_conf6_same_links(const void *old_conf, const void *new_conf);

#endif
