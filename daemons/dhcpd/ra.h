/*
 * ra.h: router advertisements as a function (RFC 4861 §6.2, RFC 4191,
 * RFC 8106): per interface, what an RA carries, when the next one is due,
 * and what a Router Solicitation asks for.
 *
 * Pure policy: no socket, clock or randomness.  The caller passes the
 * monotonic time in milliseconds and one random 32-bit value per call that
 * may schedule something; it sends what ra_poll() returns, at the time
 * ra_next_due() names.
 */
#ifndef NP_DHCPD_RA_H
#define NP_DHCPD_RA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netproto/ipv6.h>

/* Protocol constants of RFC 4861 §10 (router constants). */
#define RA_MAX_INITIAL_RTR_ADVERTISEMENTS 3
#define RA_MAX_INITIAL_RTR_ADVERT_INTERVAL_MS 16000
#define RA_MAX_FINAL_RTR_ADVERTISEMENTS 3
#define RA_MIN_DELAY_BETWEEN_RAS_MS 3000
#define RA_MAX_RA_DELAY_TIME_MS 500

/* Bounds of the router configuration variables (RFC 4861 §6.2.1). */
#define RA_MAX_INTERVAL_MIN_MS 4000
#define RA_MAX_INTERVAL_MAX_MS 1800000
#define RA_MIN_INTERVAL_MIN_MS 3000
#define RA_ROUTER_LIFETIME_MAX 9000      /* seconds */

#define RA_MAX_PREFIXES 16               /* configured plus learned */
#define RA_MAX_RDNSS 8
#define RA_MAX_DNSSL 512                 /* octets of wire names */
#define RA_MAX_UNICAST 8                 /* solicited answers waiting, per interface */
#define RA_MSG_MAX 1280                  /* an RA fits the minimum MTU */
#define RA_IFNAME_MAX 16

enum ra_preference { RA_PRF_MEDIUM = 0, RA_PRF_HIGH = 1, RA_PRF_LOW = 3 };  /* RFC 4191 §2.2 */

/* One Prefix Information option (RFC 4861 §4.6.2). */
struct ra_prefix {
	uint8_t prefix[NP_IPV6_ADDR_LEN];
	uint8_t len;
	bool on_link;
	bool autonomous;
	uint32_t valid_lifetime;         /* seconds, 0xffffffff infinite */
	uint32_t preferred_lifetime;
};

/* An address of the interface, as the I/O side reads it (for "auto" prefixes). */
struct ra_ifaddr {
	uint8_t addr[NP_IPV6_ADDR_LEN];
	uint8_t len;                     /* prefix length */
	uint32_t valid_lifetime;         /* seconds left, 0xffffffff infinite */
	uint32_t preferred_lifetime;
};

/* The AdvXXX variables of one advertising interface (RFC 4861 §6.2.1). */
struct ra_config {
	char ifname[RA_IFNAME_MAX];
	bool managed;                    /* M: addresses from DHCPv6 */
	bool other;                      /* O: other configuration from DHCPv6 */
	enum ra_preference preference;
	uint16_t router_lifetime;        /* seconds; 0: not a default router */
	uint32_t min_interval_ms;
	uint32_t max_interval_ms;
	uint8_t cur_hop_limit;
	uint32_t reachable_time_ms;
	uint32_t retrans_timer_ms;
	uint32_t mtu;                    /* 0: no MTU option */
	bool solicited_unicast;          /* answer an RS from a unicast source directly */
	struct ra_prefix prefixes[RA_MAX_PREFIXES];
	size_t nprefixes;
	/*
	 * Prefixes of the interface's own global addresses: each address's
	 * prefix is advertised with auto_prefix's flags and lifetimes (never
	 * longer than the address's own), autonomous only for a /64.
	 */
	bool auto_prefixes;
	struct ra_prefix auto_prefix;
	uint8_t rdnss[RA_MAX_RDNSS][NP_IPV6_ADDR_LEN];
	size_t nrdnss;
	uint8_t dnssl[RA_MAX_DNSSL];     /* uncompressed wire names one after another */
	size_t dnssl_len;
	uint32_t dns_lifetime;           /* seconds, of RDNSS and DNSSL (RFC 8106 §5) */
};

/* Why an RS was dropped (RFC 4861 §6.1.1); each one a counter. */
enum ra_rs_drop {
	RA_RS_OK = 0,
	RA_RS_BAD_HOP_LIMIT,             /* not 255: it crossed a router */
	RA_RS_BAD_CHECKSUM,
	RA_RS_TRUNCATED,
	RA_RS_BAD_CODE,                  /* not 0, or not an RS */
	RA_RS_BAD_OPTION,                /* an option of length 0, or past the end */
	RA_RS_BAD_SOURCE,                /* SLLA from the unspecified address */
	RA_RS_DROP_MAX
};

struct ra_stats {
	uint64_t ra_sent;                /* counted by ra_poll() */
	uint64_t ra_solicited;           /* of which answered an RS */
	uint64_t rs_received;
	uint64_t rs_invalid[RA_RS_DROP_MAX];
};

struct ra_unicast {
	uint8_t dst[NP_IPV6_ADDR_LEN];
	int64_t due_ms;
};

/* One advertising interface's state. */
struct ra_iface {
	const struct ra_config *conf;
	struct ra_prefix learned[RA_MAX_PREFIXES];
	size_t nlearned;
	unsigned initial_left;           /* initial advertisements still to send (§6.2.4) */
	int64_t next_ms;                 /* the next unsolicited multicast RA */
	int64_t solicited_ms;            /* a multicast answer to an RS, or INT64_MAX */
	int64_t last_multicast_ms;       /* INT64_MIN before the first */
	struct ra_unicast unicast[RA_MAX_UNICAST];
	size_t nunicast;
	bool stopped;
	struct ra_stats stats;
};

/* What to send now. */
struct ra_send {
	uint8_t dst[NP_IPV6_ADDR_LEN];   /* ff02::1 or a solicitor */
	bool solicited;
};

/*
 * Start advertising at now_ms: the first RA is due at once, then
 * MAX_INITIAL_RTR_ADVERTISEMENTS in all at intervals of at most
 * MAX_INITIAL_RTR_ADVERT_INTERVAL (§6.2.4).
 */
void ra_iface_init(struct ra_iface *ri, const struct ra_config *c, int64_t now_ms);
/* A new config for the same interface: keeps the schedule and counters, restarts the burst. */
void ra_iface_reconfigure(struct ra_iface *ri, const struct ra_config *c, int64_t now_ms);

/*
 * The interface's addresses changed: learn the prefixes of its global
 * ones (auto_prefixes).  Returns true when the advertised set changed, in
 * which case the initial burst starts again (§6.2.4: AdvPrefixList changed).
 */
bool ra_set_addresses(struct ra_iface *ri, const struct ra_ifaddr *addrs, size_t n,
		      int64_t now_ms);

/* When something is due next (monotonic ms), or INT64_MAX. */
int64_t ra_next_due(const struct ra_iface *ri);

/*
 * What is due at now_ms: 1 and the destination of one RA (whose state
 * ra_poll() has already advanced as sent, drawing the next interval
 * from rnd), or 0.  Call until 0.
 */
int ra_poll(struct ra_iface *ri, int64_t now_ms, uint32_t rnd, struct ra_send *out);

/*
 * An RS received: the ICMPv6 message msg (checksum not yet verified) with
 * the IPv6 source, destination and hop limit the socket reported.
 * Validates it (§6.1.1) and schedules an answer (§6.2.6): a random delay of
 * rnd % MAX_RA_DELAY_TIME, multicast answers no sooner than
 * MIN_DELAY_BETWEEN_RAS after the last one.  Returns RA_RS_OK or the drop
 * reason (counted).
 */
enum ra_rs_drop ra_handle_rs(struct ra_iface *ri, const void *msg, size_t len,
			     const uint8_t src[NP_IPV6_ADDR_LEN],
			     const uint8_t dst[NP_IPV6_ADDR_LEN], uint8_t hop_limit,
			     int64_t now_ms, uint32_t rnd);

/*
 * Build the RA from src (the interface's link-local address) to dst, with
 * a source link-layer address option when mac is not NULL; final: router
 * lifetime 0 (§6.2.5).  Returns the ICMPv6 length or an NP_E* error.
 */
int ra_build(const struct ra_iface *ri, bool final, const uint8_t src[NP_IPV6_ADDR_LEN],
	     const uint8_t dst[NP_IPV6_ADDR_LEN], const uint8_t *mac, uint8_t *buf, size_t cap);

/* Stop advertising (§6.2.5): nothing more is due; the caller sends the final RAs. */
void ra_stop(struct ra_iface *ri);

const char *ra_rs_drop_name(enum ra_rs_drop d);

#endif
