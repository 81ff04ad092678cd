/*
 * engine.h: np-dhcpd's policy, RFC 2131 as a pure function.
 *
 * engine_handle() takes one received DHCP message (the UDP payload), where
 * it came from and the time, updates the lease table, and returns what to do:
 * a reply (the DHCP payload and where it goes, per RFC 2131 §4.1) and the
 * lease changes it made (each with what it means for the client's name in
 * DNS).  It never does I/O: io.c has the lease store serialise the changes
 * and, for a reply marked wait_commit (an ACK), sends it only once
 * leasedb_commit() says they are durable (RFC 2131 §4.3.1: the binding is
 * committed before the DHCPACK).  Every lease change goes through here:
 * a client's messages, expiry (engine_expire()) and an operator's deletion
 * (engine_delete()).
 *
 * One handler per message type (DISCOVER, REQUEST, DECLINE, RELEASE,
 * INFORM).  REQUEST is told apart as RFC 2131 §4.3.2 says: SELECTING
 * (server identifier present), INIT-REBOOT (requested address, no ciaddr),
 * RENEWING (ciaddr, unicast to us) and REBINDING (ciaddr, broadcast).
 *
 * A message is believed only as far as its sources agree with it (checked
 * before any handler runs): a client's own frame (seen at link level, not
 * relayed) comes from the Ethernet address in chaddr, a DHCPRELEASE from
 * the address it releases (RFC 2131 §4.4.6), and a relayed message from a
 * relay agent trusted for the subnet its giaddr selects.  Clients the server
 * has no record of are admitted at a bounded rate per subnet and path (a
 * token bucket), so a flood of invented clients cannot take a whole pool.
 *
 * `authoritative` (as in ISC dhcpd and Kea): the server owns the subnets it
 * serves, so a client asking for an address the server has no record of is
 * told NAK (and the address is given when it is free and valid) instead of
 * being left to another server by silence.
 */
#ifndef NP_DHCPD_ENGINE_H
#define NP_DHCPD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lease.h"
#include "leasefmt.h"

/* ---- Configuration (filled by conf.c, read-only here) ------------------ */

/* An option value already in wire form; len may exceed 255 (RFC 3396 split). */
struct engine_option {
	uint8_t code;
	uint16_t len;
	const uint8_t *data;
};

/*
 * The fixed fields of network boot (RFC 2131 §2: siaddr, sname, file), set
 * per subnet, class and reservation; unset fields (0, NULL) fall through
 * to the next of reservation, classes, subnet.
 */
struct engine_boot {
	uint32_t next_server;                   /* siaddr; 0: unset */
	const char *server_name;                /* sname, option 66; NULL: unset */
	const char *boot_file;                  /* file, option 67; NULL: unset */
};

/*
 * A condition on a client: a client class's match.  ALL, ANY and NOT
 * combine sub-conditions; the others test one thing the client sent.
 */
enum engine_match_kind {
	ENGINE_MATCH_ALL = 0,                   /* every sub (none: true) */
	ENGINE_MATCH_ANY,                       /* at least one sub */
	ENGINE_MATCH_NOT,                       /* not sub[0] */
	ENGINE_MATCH_VENDOR_CLASS,              /* option 60 starts with data */
	ENGINE_MATCH_USER_CLASS,                /* option 77 is data, or holds it as an RFC 3004 instance */
	ENGINE_MATCH_CLIENT_ARCH,               /* option 93 (RFC 4578 §2.1) lists arch */
	ENGINE_MATCH_MAC_PREFIX,                /* Ethernet chaddr starts with data */
	ENGINE_MATCH_CIRCUIT_ID,                /* option 82 sub-option 1 is data */
	ENGINE_MATCH_REMOTE_ID,                 /* option 82 sub-option 2 is data */
	ENGINE_MATCH_KNOWN,                     /* the client has a reservation (== known) */
};

struct engine_match {
	uint8_t kind;                           /* enum engine_match_kind */
	bool known;                             /* KNOWN: true for known clients, false for unknown */
	uint16_t arch;                          /* CLIENT_ARCH */
	const uint8_t *data;                    /* the value compared */
	uint16_t len;
	const struct engine_match *sub;         /* ALL, ANY, NOT */
	size_t nsub;
};

#define ENGINE_CLASSES_MAX 64                   /* a client's classes are a 64-bit set */

/*
 * A client class: the clients its match holds for get its options and boot
 * fields (over the subnet's, under a reservation's) and the pools that
 * allow the class.  Classes are evaluated in order; for an option or a
 * field, the first class that sets it wins.
 */
struct engine_class {
	const char *name;
	struct engine_match match;
	const struct engine_option *opts;
	size_t nopts;
	struct engine_boot boot;
};

struct engine_pool {
	uint32_t first, last;                   /* host order, inclusive */
	/*
	 * Client classes (bits: indexes into cfg->classes): a client is given
	 * an address of the pool only when it is in one of allow (0: anyone)
	 * and in none of deny.
	 */
	uint64_t allow, deny;
};

/* How a reservation knows its client. */
enum engine_resv_key {
	ENGINE_RESV_CLIENT = 0,                 /* client: client id, else htype + chaddr */
	ENGINE_RESV_DUID,                       /* key: the DUID of an RFC 4361 client id */
	ENGINE_RESV_CIRCUIT_ID,                 /* key: option 82 sub-option 1 (RFC 3046 §3.1) */
};

struct engine_reservation {
	struct lease_client client;             /* client id, else htype + chaddr */
	uint8_t key_kind;                       /* enum engine_resv_key */
	uint8_t key_len;
	const uint8_t *key;                     /* DUID, CIRCUIT_ID */
	uint32_t addr;                          /* 0: no address (options and name only) */
	const char *hostname;                   /* NULL: none */
	const struct engine_option *opts;       /* override the classes' and the subnet's */
	size_t nopts;
	struct engine_boot boot;
	uint32_t lease_time;                    /* seconds; 0: the subnet's */
};

struct engine_subnet {
	uint32_t addr;                          /* network, host order */
	uint8_t prefix;                         /* 0..32 */
	int ifindex;                            /* link it is on; 0: any */
	const struct engine_pool *pools;
	size_t npools;
	uint32_t lease_time;                    /* seconds */
	uint32_t t1, t2;                        /* 0: 50 % and 87.5 % (RFC 2131 §4.4.5) */
	bool rapid_commit;                      /* RFC 4039 */
	const struct engine_option *opts;       /* subnet mask (1) is derived unless given */
	size_t nopts;
	const struct engine_reservation *resv;
	size_t nresv;
	/*
	 * IP sources relayed messages for this subnet (giaddr inside it) may
	 * come from.  None: a source inside the subnet, unicast to us (a relay
	 * agent sending from its address on the clients' link, as perfdhcp).
	 */
	const uint32_t *relays;
	size_t nrelays;
	struct engine_boot boot;
	/*
	 * Subnets with the same non-zero number share one link (a shared
	 * network): a client is served from any of them, in configuration
	 * order, whose pools allow it.  Subnets bound to the same interface
	 * share their link whatever this says.
	 */
	unsigned shared;
};

struct engine_config {
	bool authoritative;
	uint32_t server_id;                     /* 0: the receiving interface's address */
	uint32_t offer_hold;                    /* seconds an offered address is held */
	uint32_t decline_probation;             /* seconds a declined address rests */
	/*
	 * Clients with no lease, offer or reservation admitted per second, per
	 * subnet: those on the server's own links and those relayed are
	 * counted apart.  Bursts of two seconds' worth pass.  0: no limit.
	 */
	uint32_t new_clients_rate;
	uint32_t relayed_new_clients_rate;
	const char *fqdn_zone;                  /* names published there (RFC 4702 §4 S=1); NULL: none */
	const struct engine_class *classes;     /* at most ENGINE_CLASSES_MAX */
	size_t nclasses;
	const struct engine_subnet *subnets;
	size_t nsubnets;
};

#define ENGINE_OFFER_HOLD_DEFAULT 5
#define ENGINE_NEW_CLIENTS_DEFAULT 50
#define ENGINE_RELAYED_NEW_CLIENTS_DEFAULT 1000
#define ENGINE_RATE_MAX 1000000
#define ENGINE_PROBATION_DEFAULT 86400

/* ---- Input and output --------------------------------------------------- */

struct engine_rx {
	int ifindex;                            /* interface it arrived on */
	uint32_t local_addr;                    /* our address there (server identifier) */
	bool unicast;                           /* sent to our address, not broadcast */
	uint32_t src_addr;                      /* IP source, host order */
	bool has_mac;                           /* seen at link level: src_mac is set */
	uint8_t src_mac[6];                     /* Ethernet source */
	int64_t now_ms;                         /* monotonic ms: conflict probes, rate limits */
	bool replay;                            /* resumed after its probe: not recounted */
};

enum engine_dest {
	ENGINE_DEST_NONE = 0,                   /* no reply */
	ENGINE_DEST_RELAY,                      /* UDP to giaddr, port 67 */
	ENGINE_DEST_CIADDR,                     /* UDP to ciaddr, port 68 */
	ENGINE_DEST_BROADCAST,                  /* 255.255.255.255:68, link broadcast */
	ENGINE_DEST_CHADDR,                     /* yiaddr:68 at link level to chaddr */
};

#define ENGINE_REPLY_MAX 1472                   /* Ethernet MTU - IPv4 - UDP */
#define ENGINE_MAX_CHANGES 2

/* One lease change: to be made durable, then acted upon in DNS. */
struct engine_change {
	struct lease_data lease;                /* the lease of lease.addr is now this */
	uint8_t dns;                            /* enum ddns_op for its name; 0: none */
};

struct engine_out {
	enum engine_dest dest;
	uint32_t dst_addr;                      /* host order */
	uint16_t dst_port;
	uint32_t src_addr;                      /* our server identifier */
	uint8_t chaddr[16];                     /* ENGINE_DEST_CHADDR */
	uint8_t hlen;
	int ifindex;                            /* where to send (rx's) */
	uint8_t type;                           /* of the reply: NP_DHCPOFFER, ... */
	bool wait_commit;                       /* send only once the changes are durable */
	uint32_t probe_addr;                    /* != 0: send an ARP probe for it (probe.h) */
	int probe_ifindex;                      /* on this link */
	int alloc_fail;                         /* 1 + subnet whose pools had no address; 0: none */
	int pool_warn;                          /* 1 + subnet whose pools crossed a usage level */
	bool pool_full;                         /* that level: full (else 90 % assigned) */
	size_t nchanges;                        /* lease changes to journal, reply or not */
	struct engine_change changes[ENGINE_MAX_CHANGES];
	struct leasefmt_txn txn;                /* the exchange, for the transaction log; type 0: none */
	size_t len;                             /* reply length, 0: none */
	uint8_t buf[ENGINE_REPLY_MAX];
};

/* Counters, named as Kea's statistics. */
struct engine_stats {
	uint64_t pkt4_received;
	uint64_t pkt4_discover_received;
	uint64_t pkt4_request_received;
	uint64_t pkt4_decline_received;
	uint64_t pkt4_release_received;
	uint64_t pkt4_inform_received;
	uint64_t pkt4_unknown_received;
	uint64_t pkt4_parse_failed;
	uint64_t pkt4_receive_drop;
	uint64_t pkt4_offer_sent;               /* replies produced (io.c may fail to send) */
	uint64_t pkt4_ack_sent;
	uint64_t pkt4_nak_sent;
	uint64_t reclaimed_leases;
	uint64_t reclaimed_declined;
	uint64_t declined_in_use;               /* found in use by a probe, put on probation */
	uint64_t pkt4_spoofed;                  /* sources disagree with the message (in receive_drop) */
	uint64_t pkt4_relay_untrusted;          /* relayed from an untrusted source (in receive_drop) */
	uint64_t pkt4_limit_exceeded;           /* new client over the rate (in receive_drop) */
	uint64_t v4_allocation_fail;            /* no free address for a client (in receive_drop) */
};

struct engine;

/*
 * A new engine over cfg (which must outlive it) and a lease table it fills
 * with the pools and reservations of cfg.  -EINVAL (overlapping pools, a
 * pool outside its subnet, duplicate reservations, a DUID or circuit-id
 * reservation whose address lies in a pool, more than
 * ENGINE_CLASSES_MAX classes), -ENOMEM.
 */
int engine_new(const struct engine_config *cfg, struct lease_table *leases, struct engine **out);
void engine_free(struct engine *e);

/*
 * Handle one message.  0 with *out filled (out->len 0: nothing to send), or
 * a negative NP_E* code when the message is malformed (counted, no reply).
 */
int engine_handle(struct engine *e, const uint8_t *pkt, size_t len, const struct engine_rx *rx,
		  int64_t now, struct engine_out *out);

/*
 * Reclaim leases and probations that ran out by now; for each, fn gets the
 * change to journal (may be NULL).  At most max (0: all).  Returns how many.
 */
typedef void (*engine_change_fn)(void *arg, const struct engine_change *c);
size_t engine_expire(struct engine *e, int64_t now, size_t max, engine_change_fn fn, void *arg);

/*
 * An operator deletes the lease of addr (lease4-del) at now: a lease held
 * for its client (BOUND or OFFERED) is released as by a DHCPRELEASE (RFC
 * 2131 §4.3.4: remembered for the client), any other is forgotten; either
 * way its name leaves DNS.  0 with the change in *out (no reply), or
 * -ENOENT when addr has no lease.
 */
int engine_delete(struct engine *e, uint32_t addr, int64_t now, struct engine_out *out);

/*
 * The link subnet sidx (an index into cfg->subnets) is on, found by io.c
 * at start (by interface name or address); 0: any.  Until then the
 * subnet's own ifindex holds.
 */
void engine_bind_link(struct engine *e, size_t sidx, int ifindex);

/*
 * Conflict detection (probe.h): with probing started, an address is
 * offered to a client on a directly attached link only after a probe found
 * it free.  A DISCOVER that needs a probe gets no reply yet: the engine
 * holds the address for the client, asks io.c for the probe
 * (out->probe_addr) and keeps the request as parsed in its probe table;
 * resumed once the probe ends (not counted again), it gets the OFFER, or,
 * when the address was in use, that address goes on probation and another
 * one is tried.  The table is the engine's: io.c only reports the clock
 * and the ARP packets it sees.
 */
struct probe_table;
#define ENGINE_PROBE_MAX 65536                  /* addresses probed at once */
#define ENGINE_PROBE_HELD_MAX 4096              /* DISCOVERs waiting for their probe */
/* Probe with a table of max addresses and max_held requests; 0 or -ENOMEM. */
int engine_probe_start(struct engine *e, size_t max, size_t max_held, uint32_t timeout_ms);
/* No probing from now on (requests held are dropped). */
void engine_probe_stop(struct engine *e);
/* A reload: dst takes over src's probes, with its timings. */
void engine_probe_move(struct engine *dst, struct engine *src, uint32_t timeout_ms);
/* The probe table, for statistics; NULL when not probing. */
const struct probe_table *engine_probe(const struct engine *e);
/* When engine_probe_run() has work next (monotonic ms), or INT64_MAX. */
int64_t engine_probe_deadline(const struct engine *e);

/* What a resumed request produced (out is the caller's until it returns). */
typedef void (*engine_out_fn)(void *arg, struct engine_out *out);
/*
 * Probes unanswered by now_ms mean free: their requests are resumed, each
 * output to fn.  Returns how many probes ended.
 */
size_t engine_probe_run(struct engine *e, int64_t now_ms, int64_t now, engine_out_fn fn,
			void *arg);
/*
 * An ARP packet from sender IP addr on ifindex (RFC 5227 §2.1.1): when
 * that address was being probed or offered after a probe, it is in use;
 * the requests held for it are resumed (to fn) and 1 is returned, else 0.
 */
int engine_arp_seen(struct engine *e, uint32_t addr, int ifindex, int64_t now_ms, int64_t now,
		    engine_out_fn fn, void *arg);

const struct engine_stats *engine_get_stats(const struct engine *e);
/* v4-allocation-fail of subnet sidx (an index into cfg->subnets). */
uint64_t engine_subnet_alloc_fail(const struct engine *e, size_t sidx);
/* cumulative-assigned-addresses of subnet sidx: new assignments, not renewals. */
uint64_t engine_subnet_cumulative_assigned(const struct engine *e, size_t sidx);
/* pool-exhaustion-warnings of subnet sidx: its pools crossing 90 % assigned or full. */
uint64_t engine_subnet_pool_warnings(const struct engine *e, size_t sidx);
/* Carry the counters over to the engine of a reloaded configuration. */
void engine_copy_stats(struct engine *dst, const struct engine *src);
struct lease_table *engine_leases(const struct engine *e);

#endif
