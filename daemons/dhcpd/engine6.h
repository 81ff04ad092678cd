/*
 * engine6.h: np-dhcpd's DHCPv6 policy, RFC 8415 as a pure function.
 *
 * engine6_handle() takes one received DHCPv6 message (the UDP payload, a
 * client's message or a RELAY-FORW around one), where it came from and the
 * time, updates the v6 lease table (lease6.h), and returns what to do: a
 * reply (ADVERTISE or REPLY, wrapped in a RELAY-REPL per relay it came
 * through, RFC 8415 §19.3) with where it goes, and the lease changes it made.
 * No I/O, no clock, no randomness: io6.c journals the changes and sends a
 * reply marked wait_commit only once they are durable.
 *
 * The server's behaviour per message is RFC 8415 §18.3 (the section is
 * cited at each handler); messages are validated first as §16 says (a
 * message failing it is dropped and counted, no reply).  Addresses come
 * from IA_NA pools, prefixes from IA_PD delegated-prefix pools (§6.3), one
 * per IA, several IAs per client.  The engine holds nothing for an
 * ADVERTISE: the address is bound by the REQUEST (or by a SOLICIT with
 * Rapid Commit, §18.3.1), so a flood of SOLICITs writes nothing.
 *
 * The subnet is picked by the link-address of the innermost relay (§19.1.1)
 * for a relayed message, by the receiving interface otherwise.
 */
#ifndef NP_DHCPD_ENGINE6_H
#define NP_DHCPD_ENGINE6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netproto/dhcp6.h>

#include "lease6.h"

/* ---- Configuration (filled by conf.c, read-only here) ------------------ */

/* An option value in wire form: sent when the client's ORO asks for its code. */
struct engine6_option {
	uint16_t code;
	uint16_t len;
	const uint8_t *data;
};

struct engine6_pool {
	uint8_t first[NP_DHCP6_ADDR_LEN], last[NP_DHCP6_ADDR_LEN];
};

struct engine6_pd_pool {
	uint8_t prefix[NP_DHCP6_ADDR_LEN];
	uint8_t prefix_len;
	uint8_t delegated_len;
};

/* What a client (by DUID) always gets: an address for its IA_NA, a prefix for its IA_PD. */
struct engine6_reservation {
	const uint8_t *duid;
	uint8_t duid_len;
	bool has_addr;
	uint8_t addr[NP_DHCP6_ADDR_LEN];
	bool has_prefix;
	uint8_t prefix[NP_DHCP6_ADDR_LEN];
	uint8_t prefix_len;
	const char *hostname;                  /* NULL: the client's own FQDN, if any */
};

struct engine6_subnet {
	uint8_t addr[NP_DHCP6_ADDR_LEN];
	uint8_t prefix_len;
	int ifindex;                           /* link it is on (direct clients); 0: none */
	const struct engine6_pool *pools;
	size_t npools;
	const struct engine6_pd_pool *pd_pools;
	size_t npd_pools;
	uint32_t preferred, valid;             /* lifetimes (s), preferred <= valid */
	uint32_t t1, t2;                       /* 0: 0.5 and 0.8 x preferred (§21.4) */
	bool rapid_commit;                     /* answer a SOLICIT with Rapid Commit by a REPLY */
	const struct engine6_option *opts;     /* 23, 24, 56, ... */
	size_t nopts;
	const struct engine6_reservation *resv;
	size_t nresv;
};

struct engine6_config {
	const uint8_t *server_duid;            /* the server's DUID (§11), kept by io6.c */
	size_t server_duid_len;
	uint32_t info_refresh;                 /* option 32 in stateless replies; 0: not sent */
	uint32_t decline_probation;            /* s a declined address rests */
	uint32_t remember;                     /* s a released or expired lease stays its client's */
	const struct engine6_subnet *subnets;
	size_t nsubnets;
};

#define ENGINE6_PREFERRED_DEFAULT 3600
#define ENGINE6_VALID_DEFAULT 7200
#define ENGINE6_REMEMBER_DEFAULT 86400
#define ENGINE6_FIND_STEPS 4096                /* pool candidates looked at per allocation */

/* ---- Input and output --------------------------------------------------- */

struct engine6_rx {
	int ifindex;                           /* interface it arrived on */
	bool multicast;                        /* sent to a multicast group, not to our address */
	uint8_t src[NP_DHCP6_ADDR_LEN];        /* IPv6 source */
	uint16_t src_port;
};

enum engine6_dest {
	ENGINE6_DEST_NONE = 0,
	ENGINE6_DEST_CLIENT,                   /* the source address, port 546, on ifindex */
	ENGINE6_DEST_RELAY,                    /* the relay's source address, port 547 */
};

#define ENGINE6_REPLY_MAX 4096
#define ENGINE6_MAX_CHANGES 64

struct engine6_change {
	struct lease6_data lease;              /* the lease of lease.addr is now this */
	uint8_t dns;                           /* enum ddns_op for its name; 0: none */
};

struct engine6_out {
	enum engine6_dest dest;
	uint8_t dst[NP_DHCP6_ADDR_LEN];
	uint16_t dst_port;
	int ifindex;
	uint8_t type;                          /* of the client's reply: ADVERTISE or REPLY */
	bool wait_commit;                      /* send only once the changes are durable */
	int alloc_fail;                        /* 1 + subnet whose pools had nothing; 0: none */
	size_t nchanges;
	struct engine6_change changes[ENGINE6_MAX_CHANGES];
	size_t len;                            /* reply length, 0: none */
	uint8_t buf[ENGINE6_REPLY_MAX];
};

/* Counters, named as Kea's statistics. */
struct engine6_stats {
	uint64_t pkt6_received;
	uint64_t pkt6_solicit_received;
	uint64_t pkt6_request_received;
	uint64_t pkt6_renew_received;
	uint64_t pkt6_rebind_received;
	uint64_t pkt6_release_received;
	uint64_t pkt6_decline_received;
	uint64_t pkt6_confirm_received;
	uint64_t pkt6_infrequest_received;
	uint64_t pkt6_relay_forw_received;
	uint64_t pkt6_unknown_received;
	uint64_t pkt6_parse_failed;            /* malformed: truncated, bad options, relays too deep */
	uint64_t pkt6_receive_drop;            /* every message dropped, parse failures included */
	uint64_t pkt6_invalid;                 /* fails RFC 8415 §16's checks (in receive_drop) */
	uint64_t pkt6_no_subnet;               /* no subnet for its link (in receive_drop) */
	uint64_t pkt6_not_for_us;              /* server identifier of another server (in receive_drop) */
	uint64_t pkt6_advertise_sent;
	uint64_t pkt6_reply_sent;
	uint64_t v6_allocation_fail;           /* an IA got no address or prefix */
	uint64_t reclaimed_leases;
	uint64_t reclaimed_declined;
};

struct engine6;

/*
 * A new engine over cfg (which must outlive it) and a table it fills with
 * cfg's pools and reservations.  -EINVAL (overlapping pools, a pool
 * outside its subnet, no server DUID), -ENOMEM.
 */
int engine6_new(const struct engine6_config *cfg, struct lease6_table *leases,
		struct engine6 **out);
void engine6_free(struct engine6 *e);

/* The link subnet sidx is on, found by io6.c at start; until then the subnet's ifindex. */
void engine6_bind_link(struct engine6 *e, size_t sidx, int ifindex);

/*
 * Handle one message.  0 with *out filled (out->len 0: nothing to send),
 * or a negative NP_E* code when it is malformed (counted, no reply).
 */
int engine6_handle(struct engine6 *e, const uint8_t *pkt, size_t len,
		   const struct engine6_rx *rx, int64_t now, struct engine6_out *out);

/*
 * Leases that ran out by now: BOUND becomes EXPIRED (kept for its client
 * for cfg->remember), RELEASED, EXPIRED and DECLINED ones are forgotten.
 * fn gets each change (may be NULL); at most max (0: all).  Returns how many.
 */
typedef void (*engine6_change_fn)(void *arg, const struct engine6_change *c);
size_t engine6_expire(struct engine6 *e, int64_t now, size_t max, engine6_change_fn fn, void *arg);

const struct engine6_stats *engine6_get_stats(const struct engine6 *e);
void engine6_copy_stats(struct engine6 *dst, const struct engine6 *src);
struct lease6_table *engine6_leases(const struct engine6 *e);

#endif
