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
#include "policy.h"

#define DNSD_MAX_LISTEN 32

struct vc_trust;

/*
 * DNSSEC validation (val-chain.h).  Only DNSD_DNSSEC_OFF is accepted for
 * now: the query path does not validate yet, so the loader refuses the
 * other two rather than pretend (np-dnsd passes DNSSEC records through).
 */
enum dnsd_dnssec {
	DNSD_DNSSEC_OFF = 0,
	DNSD_DNSSEC_PERMISSIVE = 1,    /* validate, log and count, answer anyway */
	DNSD_DNSSEC_VALIDATE = 2,      /* bogus: SERVFAIL with an EDE */
};


struct dnsd_conf {
	struct dnsd_addr listen[DNSD_MAX_LISTEN];
	unsigned nlisten;

	/* What the engine takes (query.h); the rest is the I/O side's. */
	struct dnsd_policy_conf policy;
	char **records;                /* the local zone's record lines (policy.local_records) */
	unsigned nrecords;

	uint64_t tcp_idle_timeout_ms;  /* between queries */
	uint64_t tcp_query_timeout_ms; /* from a query's first octet to its last */
	unsigned tcp_max_connections;
	unsigned tcp_per_client;       /* connections from one client address */

	/*
	 * UDP queries to the listen addresses arriving on this interface are
	 * read and answered through AF_XDP (io-xdp.c, daemons/common/xsk.h);
	 * empty: kernel sockets only.
	 */
	char xdp_interface[16];        /* IF_NAMESIZE */

	enum dnsd_dnssec dnssec;
	/* trust_anchors, trust_anchor_file or the built-in root anchors, and
	 * negative_trust_anchors; always set by a successful load. */
	struct vc_trust *trust;
	struct np_common_conf common;  /* user, log_level, control_socket, metrics_listen */
};

/* Build a config from a parsed file; NULL after reporting errors to e. */
struct dnsd_conf *dnsd_conf_load(const struct np_conf *c, struct np_conf_err *e);
void dnsd_conf_free(struct dnsd_conf *conf);

#endif
