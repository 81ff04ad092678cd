/*
 * netproto/icmp6.h: ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861,
 * with the RDNSS and DNSSL options of RFC 8106).
 *
 * Every message handled here is at least 8 bytes: type, code, checksum and
 * four bytes whose meaning depends on the type, then data.  The checksum
 * covers the IPv6 pseudo-header and the whole message (RFC 4443 §2.3), so
 * np_icmp6_parse() is given the source and destination of the IPv6 header
 * and exactly the upper-layer payload.
 *
 * Error messages (types 0..127, RFC 4443 §2.1) quote as much of the
 * invoking packet as fits in the minimum MTU; np_icmp6_quote_parse() reads
 * it.  Neighbor Discovery messages are read from a parsed ICMPv6 message
 * by np_ndp_parse(), which applies the checks of RFC 4861 that need only
 * the message; np_ndp_check_ip() adds those that need the IPv6 header.
 */
#ifndef NETPROTO_ICMP6_H
#define NETPROTO_ICMP6_H

#include <stddef.h>
#include <stdint.h>

#include <netproto/buf.h>
#include <netproto/ipv6.h>

#define NP_ICMP6_HDR_LEN 8

/* Types (RFC 4443 §2.1, RFC 4861 §4, RFC 3810 for MLDv2). */
#define NP_ICMP6_DEST_UNREACH 1
#define NP_ICMP6_PACKET_TOO_BIG 2
#define NP_ICMP6_TIME_EXCEEDED 3
#define NP_ICMP6_PARAM_PROBLEM 4
#define NP_ICMP6_ECHO_REQUEST 128
#define NP_ICMP6_ECHO_REPLY 129
#define NP_ICMP6_MLD_QUERY 130
#define NP_ICMP6_MLD_REPORT 131
#define NP_ICMP6_MLD_DONE 132
#define NP_ICMP6_ND_ROUTER_SOLICIT 133
#define NP_ICMP6_ND_ROUTER_ADVERT 134
#define NP_ICMP6_ND_NEIGHBOR_SOLICIT 135
#define NP_ICMP6_ND_NEIGHBOR_ADVERT 136
#define NP_ICMP6_ND_REDIRECT 137
#define NP_ICMP6_MLD2_REPORT 143

/* Destination unreachable codes (RFC 4443 §3.1). */
#define NP_ICMP6_UNREACH_NOROUTE 0
#define NP_ICMP6_UNREACH_ADMIN 1
#define NP_ICMP6_UNREACH_BEYOND_SCOPE 2
#define NP_ICMP6_UNREACH_ADDR 3
#define NP_ICMP6_UNREACH_PORT 4
#define NP_ICMP6_UNREACH_POLICY 5    /* source address failed ingress/egress policy */
#define NP_ICMP6_UNREACH_REJECT 6    /* reject route to destination */

/* Time exceeded codes (RFC 4443 §3.3). */
#define NP_ICMP6_TIMX_HOPLIMIT 0
#define NP_ICMP6_TIMX_REASS 1

/* Parameter problem codes (RFC 4443 §3.4). */
#define NP_ICMP6_PARAM_HEADER 0      /* erroneous header field */
#define NP_ICMP6_PARAM_NEXTHDR 1     /* unrecognized next header type */
#define NP_ICMP6_PARAM_OPTION 2      /* unrecognized IPv6 option */

struct np_icmp6 {
	uint8_t type;
	uint8_t code;
	uint16_t csum;               /* as received; computed by np_icmp6_build() */
	/* Echo request and reply: identifier and sequence number (RFC 4443 §4). */
	uint16_t id;
	uint16_t seq;
	/*
	 * Bytes 4..7 of the header, host order, for every type: the MTU of
	 * packet too big, the pointer of parameter problem, the NDP flags.
	 * np_icmp6_build() writes id and seq for echo and rest otherwise.
	 */
	uint32_t rest;
	const uint8_t *data;         /* echo data, the invoking packet, or NDP fields and options */
	size_t data_len;
};

struct np_icmp6_quote {
	struct np_ipv6 ip;           /* from np_ipv6_parse_quoted(); payload is what was quoted */
	int has_ports;               /* TCP or UDP, first fragment, 4 payload bytes quoted */
	uint16_t sport;
	uint16_t dport;
};

/*
 * Parse an ICMPv6 message and verify its checksum with the pseudo-header
 * of src and dst (RFC 4443 §2.3).  Returns 0, NP_ETRUNC (shorter than 8
 * bytes), NP_EBADLEN (longer than 65535, more than an IPv6 payload can
 * hold) or NP_ECSUM.
 */
int np_icmp6_parse(const void *buf, size_t len, const uint8_t src[NP_IPV6_ADDR_LEN],
		   const uint8_t dst[NP_IPV6_ADDR_LEN], struct np_icmp6 *out);
/* The same without the checksum, for messages whose checksum is known good. */
int np_icmp6_parse_nocsum(const void *buf, size_t len, struct np_icmp6 *out);
/*
 * Write the header and data (which may already sit at buf + 8) with the
 * checksum computed for src and dst; in->csum is ignored.  Returns the
 * length, NP_ENOSPC or NP_EINVAL (data_len without data, over 65535).
 */
int np_icmp6_build(const struct np_icmp6 *in, const uint8_t src[NP_IPV6_ADDR_LEN],
		   const uint8_t dst[NP_IPV6_ADDR_LEN], void *buf, size_t cap);

/* Error messages: types below 128 (RFC 4443 §2.1). */
int np_icmp6_is_error(uint8_t type);

/*
 * Read the invoking packet quoted by an error message: its IPv6 header and
 * extension headers (see np_ipv6_parse_quoted()) and, for TCP and UDP in a
 * first fragment, the ports.  Returns 0, NP_ETYPE (m is not an error) or
 * an np_ipv6_parse_quoted() error.
 */
int np_icmp6_quote_parse(const struct np_icmp6 *m, struct np_icmp6_quote *out);

/* Packet too big: the MTU of the next-hop link (RFC 4443 §3.2). */
static inline uint32_t np_icmp6_mtu(const struct np_icmp6 *m)
{
	return m->rest;
}

/* Parameter problem: the offset in the invoking packet of the error (RFC 4443 §3.4). */
static inline uint32_t np_icmp6_pointer(const struct np_icmp6 *m)
{
	return m->rest;
}

/* ---- Neighbor Discovery (RFC 4861) ---------------------------------- */

#define NP_NDP_HOP_LIMIT 255         /* every ND message is sent with it (RFC 4861 §6.1.1 ...) */

/* Router advertisement flags (RFC 4861 §4.2, RFC 4191 §2.2, RFC 8425). */
#define NP_NDP_RA_MANAGED 0x80
#define NP_NDP_RA_OTHER 0x40
#define NP_NDP_RA_HOME_AGENT 0x20    /* RFC 6275 §7.1 */
#define NP_NDP_RA_PRF_MASK 0x18      /* default router preference, RFC 4191 §2.2 */
#define NP_NDP_RA_PROXY 0x04         /* RFC 4389 §4.1.3.3 */
/* Neighbor advertisement flags (RFC 4861 §4.4), the top bits of byte 4. */
#define NP_NDP_NA_ROUTER 0x80
#define NP_NDP_NA_SOLICITED 0x40
#define NP_NDP_NA_OVERRIDE 0x20

/* Option types (RFC 4861 §4.6, RFC 8106 §5). */
#define NP_NDP_OPT_SLLA 1            /* source link-layer address */
#define NP_NDP_OPT_TLLA 2            /* target link-layer address */
#define NP_NDP_OPT_PREFIX 3
#define NP_NDP_OPT_REDIRECTED 4      /* redirected header */
#define NP_NDP_OPT_MTU 5
#define NP_NDP_OPT_RDNSS 25
#define NP_NDP_OPT_DNSSL 31

/* Prefix information flags (RFC 4861 §4.6.2). */
#define NP_NDP_PREFIX_ONLINK 0x80
#define NP_NDP_PREFIX_AUTO 0x40

/*
 * The fixed fields of RS, RA, NS, NA and Redirect (RFC 4861 §4.1-4.5) and
 * their options as raw bytes.
 */
struct np_ndp {
	uint8_t type;                /* NP_ICMP6_ND_* */
	uint8_t flags;               /* RA: byte 5 (NP_NDP_RA_*); NA: NP_NDP_NA_*; else 0 */
	/*
	 * Reserved bits as received, sent as given (0 to follow the RFC): RS,
	 * NS and Redirect bytes 4..7, NA the 29 bits after the flags.
	 */
	uint32_t reserved;
	uint8_t cur_hop_limit;       /* RA */
	uint16_t router_lifetime;    /* RA, seconds */
	uint32_t reachable_time;     /* RA, milliseconds */
	uint32_t retrans_timer;      /* RA, milliseconds */
	uint8_t target[NP_IPV6_ADDR_LEN];   /* NS, NA, Redirect */
	uint8_t dest[NP_IPV6_ADDR_LEN];     /* Redirect */
	const uint8_t *opts;         /* options, each a multiple of 8 octets */
	size_t opts_len;
};

/*
 * Read the ND message m (checksum already verified).  Returns 0 or
 * NP_ETYPE (not an ND type), NP_EFORMAT (code not 0, a multicast target,
 * RFC 4861 §7.1.1, §7.1.2, §8.1), NP_ETRUNC (shorter than the type's fixed
 * fields) or NP_EOPT (an option of length 0, which RFC 4861 §4.6 makes
 * invalid, or one running past the message).
 */
int np_ndp_parse(const struct np_icmp6 *m, struct np_ndp *out);
/*
 * The checks of RFC 4861 that need the IPv6 header ip that carried nd:
 * hop limit 255 (§6.1.1, §6.1.2, §7.1.1, §7.1.2, §8.1), a link-local
 * source for RA and Redirect (§6.1.2, §8.1), and from the unspecified
 * source (duplicate address detection) an NS to a solicited-node address
 * and without SLLA (§7.1.1), an RS without SLLA (§6.1.1); an NA to a
 * multicast address without the solicited flag (§7.1.2).  0 or NP_EFORMAT.
 */
int np_ndp_check_ip(const struct np_ipv6 *ip, const struct np_ndp *nd);
/*
 * Write the ND message in (fixed fields of in->type, then in->opts, which
 * must be whole options) as an ICMPv6 message with its checksum for src and
 * dst.  Returns the length, NP_ENOSPC, NP_EINVAL (not an ND type, NA flags
 * or reserved bits out of their fields) or NP_EOPT (options malformed).
 */
int np_ndp_build(const struct np_ndp *in, const uint8_t src[NP_IPV6_ADDR_LEN],
		 const uint8_t dst[NP_IPV6_ADDR_LEN], void *buf, size_t cap);

/* One option: its type, and its bytes after the type and length octets. */
struct np_ndp_opt {
	uint8_t type;
	const uint8_t *data;
	size_t data_len;             /* length * 8 - 2 */
};

/*
 * Iterate over options (nd->opts, nd->opts_len) from *pos (start at 0).
 * Returns 1 and the option, 0 at the end, or NP_EOPT (length 0, RFC 4861
 * §4.6, or past the end).
 */
int np_ndp_opt_next(const uint8_t *opts, size_t len, size_t *pos, struct np_ndp_opt *out);
/* The first option of the given type: 0, NP_ENOTFOUND or NP_EOPT. */
int np_ndp_opt_find(const struct np_ndp *nd, uint8_t type, struct np_ndp_opt *out);

/* Prefix information (RFC 4861 §4.6.2). */
struct np_ndp_prefix {
	uint8_t prefix_len;          /* 0..128 */
	uint8_t flags;               /* NP_NDP_PREFIX_* and the reserved bits as received */
	uint32_t valid_lifetime;     /* seconds, 0xffffffff infinite */
	uint32_t preferred_lifetime;
	uint32_t reserved2;
	uint8_t prefix[NP_IPV6_ADDR_LEN];
};

/* Recursive DNS servers (RFC 8106 §5.1). */
struct np_ndp_rdnss {
	uint32_t lifetime;           /* seconds */
	const uint8_t *addrs;        /* count addresses of 16 octets */
	size_t count;
};

/* DNS search list (RFC 8106 §5.2). */
struct np_ndp_dnssl {
	uint32_t lifetime;           /* seconds */
	const uint8_t *names;        /* the domain names field, zero padding included */
	size_t names_len;
};

/*
 * Typed readers for one option; each returns 0 or NP_ETYPE (another type)
 * or NP_EOPT (the wrong length, a prefix length over 128, a malformed
 * name).  A link-layer address is the option's data (6 octets of an
 * Ethernet MAC and no padding for length 1, RFC 2464 §6).
 */
int np_ndp_prefix_parse(const struct np_ndp_opt *o, struct np_ndp_prefix *out);
int np_ndp_mtu_parse(const struct np_ndp_opt *o, uint32_t *mtu);
int np_ndp_rdnss_parse(const struct np_ndp_opt *o, struct np_ndp_rdnss *out);
/* Checks every name, uncompressed (RFC 8106 §5.2), and that the padding is zero. */
int np_ndp_dnssl_parse(const struct np_ndp_opt *o, struct np_ndp_dnssl *out);
/*
 * The next name of a DNSSL from *pos (start at 0), in wire form: 1 and the
 * name, 0 at the end (the padding), NP_EOPT for a malformed name.
 */
int np_ndp_dnssl_next(const struct np_ndp_dnssl *d, size_t *pos, const uint8_t **name,
		      size_t *name_len);
/* Redirected header (RFC 4861 §4.6.3): as much of the redirected packet as fits. */
int np_ndp_redirected_parse(const struct np_ndp_opt *o, const uint8_t **pkt, size_t *len);

/*
 * Option writers for the options of np_ndp_build(), into a caller's writer
 * (errors are the writer's: NP_ENOSPC, or NP_EINVAL for values that do not
 * fit the option).  A link-layer address is zero-padded to 8 octets.
 */
void np_ndp_opt_write_lla(struct np_writer *w, uint8_t type, const uint8_t *lla, size_t len);
void np_ndp_opt_write_prefix(struct np_writer *w, const struct np_ndp_prefix *p);
void np_ndp_opt_write_mtu(struct np_writer *w, uint32_t mtu);
void np_ndp_opt_write_rdnss(struct np_writer *w, uint32_t lifetime, const uint8_t *addrs,
			    size_t count);
/* names: uncompressed wire names one after another (np_dns_name_from_text() output). */
void np_ndp_opt_write_dnssl(struct np_writer *w, uint32_t lifetime, const uint8_t *names,
			    size_t names_len);

#endif
