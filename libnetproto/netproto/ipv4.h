/*
 * netproto/ipv4.h: the IPv4 header (RFC 791 §3.1) and address text helpers.
 *
 * np_ipv4_parse() checks the header, verifies its checksum, and points
 * payload at exactly total length minus header length bytes: Ethernet
 * padding after the datagram is not payload.  Options are exposed as raw
 * bytes and never interpreted.  Fragments are parsed, not reassembled: the
 * fragment fields are exposed and np_ipv4_is_fragment() tells a caller that
 * the payload is not a whole upper-layer message.
 */
#ifndef NETPROTO_IPV4_H
#define NETPROTO_IPV4_H

#include <stddef.h>
#include <stdint.h>

#define NP_IPV4_VERSION 4
#define NP_IPV4_HDR_LEN 20           /* without options (IHL 5) */
#define NP_IPV4_MAX_HDR_LEN 60       /* IHL 15 */
#define NP_IPV4_MAX_OPT_LEN 40
#define NP_IPV4_MAX_LEN 65535        /* the total length field */

/* Protocol numbers (IANA "Assigned Internet Protocol Numbers"). */
#define NP_IPPROTO_ICMP 1
#define NP_IPPROTO_TCP 6
#define NP_IPPROTO_UDP 17

/* The 3 flag bits of RFC 791 §3.1, as in struct np_ipv4.flags. */
#define NP_IPV4_RF 0x4               /* reserved, must be zero; kept as received */
#define NP_IPV4_DF 0x2               /* don't fragment */
#define NP_IPV4_MF 0x1               /* more fragments */

/* "255.255.255.255" and its terminating NUL. */
#define NP_IPV4_ADDR_TEXT_LEN 16

struct np_ipv4 {
	uint8_t tos;                 /* DSCP (6 bits) and ECN (2 bits), RFC 2474, RFC 3168 */
	uint16_t total_len;          /* header + payload; set by np_ipv4_build() */
	uint16_t id;
	uint8_t flags;               /* NP_IPV4_RF | NP_IPV4_DF | NP_IPV4_MF */
	uint16_t frag_off;           /* fragment offset in bytes (the field times 8) */
	uint8_t ttl;
	uint8_t proto;               /* NP_IPPROTO_* */
	uint16_t csum;               /* header checksum as received; computed by build */
	uint32_t src;                /* host order */
	uint32_t dst;                /* host order */
	size_t hdr_len;              /* IHL * 4, 20..60; set by np_ipv4_build() */
	const uint8_t *opts;         /* raw options (with any padding), not interpreted */
	size_t opts_len;             /* hdr_len - 20 on parse; at most 40 on build */
	const uint8_t *payload;
	size_t payload_len;
};

/*
 * Parse an IPv4 datagram.  Returns 0 or, checked in this order,
 *   NP_ETRUNC    no byte at all,
 *   NP_EVERSION  the version field is not 4 (known from the first byte),
 *   NP_ETRUNC    fewer than 20 bytes,
 *   NP_EBADLEN   IHL < 5, IHL * 4 beyond the data, total length beyond the
 *                data or shorter than the header,
 *   NP_ECSUM     the header checksum does not verify (RFC 791 §3.1).
 * Bytes after total length (link-layer padding) are ignored.
 */
int np_ipv4_parse(const void *buf, size_t len, struct np_ipv4 *out);
/*
 * Parse the IPv4 header that an ICMP error quotes (RFC 792): the datagram
 * is cut after its first 8 payload bytes (or more, RFC 1812 §4.3.2.3), so
 * total length may exceed the data and payload is what is there, and the
 * checksum is not verified (a NAT may rewrite the quoted header, RFC 5508
 * §7).  The version and IHL checks are those of np_ipv4_parse().
 */
int np_ipv4_parse_quoted(const void *buf, size_t len, struct np_ipv4 *out);

/*
 * Write the header, in->opts_len bytes of options (zero-padded to a
 * multiple of 4: zero is End of Option List, RFC 791 §3.1) and the payload,
 * with total length and checksum computed.  in->total_len, in->hdr_len and
 * in->csum are ignored.  The payload may already sit at
 * buf + np_ipv4_hdr_len(in).  Returns the datagram length, NP_ENOSPC, or
 * NP_EINVAL (options longer than 40 bytes, datagram over 65535 bytes,
 * fragment offset not a multiple of 8, flags beyond 3 bits).
 */
int np_ipv4_build(const struct np_ipv4 *in, void *buf, size_t cap);
/* Length of the header np_ipv4_build() writes for in (options padded). */
size_t np_ipv4_hdr_len(const struct np_ipv4 *in);

/* True for any fragment but a whole datagram: MF set or a non-zero offset. */
int np_ipv4_is_fragment(const struct np_ipv4 *ip);

static inline uint8_t np_ipv4_dscp(uint8_t tos)
{
	return tos >> 2;
}

static inline uint8_t np_ipv4_ecn(uint8_t tos)
{
	return tos & 0x3;
}

/* Write addr (host order) as dotted decimal into text; returns its length. */
size_t np_ipv4_addr_to_text(uint32_t addr, char text[NP_IPV4_ADDR_TEXT_LEN]);
/*
 * Parse strict dotted decimal, the form inet_pton() accepts: four decimal
 * numbers 0..255 without leading zeros, nothing before or after.  Returns
 * 0 and sets *addr (host order), or NP_EINVAL.
 */
int np_ipv4_addr_parse(const char *text, uint32_t *addr);

#endif
