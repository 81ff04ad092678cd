/*
 * conf.h: np-arpd's configuration, read from a libconfig file into a
 * validated plain struct (daemons/common/conf.h does the checking).  Only
 * conf.c sees libconfig; the rest of the daemon reads struct arpd_conf.
 */
#ifndef NP_ARPD_CONF_H
#define NP_ARPD_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include <net/if.h>

/* The shared helpers; a plain "conf.h" here would name this file. */
#include "../common/conf.h"
#include "table.h"
#include "table6.h"

/*
 * One item of `entries`: the IPv4 addresses first..last, or (v6) the IPv6
 * address or prefix addr6/plen6, with one MAC.
 */
struct arpd_entry {
	uint32_t first, last;            /* host order; 0 for IPv6 entries */
	bool v6;
	uint8_t addr6[16];
	uint8_t plen6;                   /* 128 for a single address */
	bool proxy;                      /* IPv6: answer as a proxy, Override clear */
	uint8_t mac[6];
	bool has_mac;                    /* false: the interface's MAC */
	bool unused_only;
	int line;                        /* in the config file, for messages */
};

struct arpd_conf {
	char interface[IF_NAMESIZE];
	struct arpd_entry *entries;
	unsigned int nentries;
	struct arpd_table table;         /* every IPv4 address of every entry, all MACs */
	struct arpd_table6 table6;       /* the IPv6 addresses and prefixes */
	unsigned int nentries6;          /* of the entries, IPv6 ones */
	bool router;                     /* set the Router flag in advertisements */
	bool unused_only;                /* default for entries */
	struct {
		int count;               /* ANNOUNCE_NUM; 0 = no announcements */
		uint64_t interval_ms;    /* ANNOUNCE_INTERVAL */
		uint64_t wait_ms;        /* ANNOUNCE_WAIT, before the first */
	} announce;
	struct {
		int rate;                /* probes per second */
		uint64_t timeout_ms;     /* wait for an answer this long */
		uint64_t recheck_ms;     /* probe each address again after this */
	} probe;
	bool defend;
	struct np_common_conf common;    /* user, log_level, control_socket, metrics_listen */
	int rcvbuf;                      /* bytes */
	int batch;                       /* frames per recvmmsg() */
};

/* RFC 5227 §1.1 defaults. */
#define ARPD_ANNOUNCE_NUM 2
#define ARPD_ANNOUNCE_INTERVAL_MS 2000
#define ARPD_ANNOUNCE_WAIT_MS 2000

/* Build a config from a parsed file; NULL after reporting errors to e. */
struct arpd_conf *arpd_conf_load(const struct np_conf *c, struct np_conf_err *e);
void arpd_conf_free(struct arpd_conf *conf);

/*
 * Parse one `address` value: "a.b.c.d", "a.b.c.d/n" (host bits zero) or
 * "a.b.c.d-e.f.g.h" (first <= last).  Returns 0, or -1 with a reason in
 * why[cap].
 */
int arpd_parse_range(const char *s, uint32_t *first, uint32_t *last, char *why, size_t cap);
/*
 * Parse an IPv6 `address` value: "2001:db8::10" or "2001:db8::/64" (host
 * bits zero).  Returns 0 (plen 128 for an address), or -1 with a reason.
 */
int arpd_parse_prefix6(const char *s, uint8_t addr[16], uint8_t *plen, char *why, size_t cap);
/* "aa:bb:cc:dd:ee:ff" (or with '-'): 0 or -1. */
int arpd_parse_mac(const char *s, uint8_t mac[6]);

#endif
