/*
 * netproto/ipv6.h: the IPv6 header and its extension headers (RFC 8200),
 * and address text forms (RFC 4291 §2.2, RFC 5952).
 *
 * np_ipv6_parse() checks the fixed header and walks the extension header
 * chain (hop-by-hop options, routing, fragment, destination options, and
 * authentication, RFC 4302) to the upper-layer protocol, whose number is in
 * upper and whose bytes are in payload.  Untrusted chains are bounded: at
 * most NP_IPV6_MAX_EXT_HDRS headers and NP_IPV6_MAX_EXT_LEN octets of them
 * (RFC 8504 §5.3 lets a node set such limits; RFC 7112 puts the whole chain
 * in the first fragment, so a bounded walk sees all of it).
 *
 * Fragments are parsed, not reassembled: the fragment header's fields are
 * exposed, and np_ipv6_is_fragment() tells a caller that the payload is not
 * a whole upper-layer message.  In a non-first fragment the walk stops at
 * the fragment header: what follows is fragment data, not headers.
 *
 * Other next header values (ESP, Mobility, HIP, Shim6, the experimental
 * 253 and 254, anything unknown) end the walk and are the upper layer:
 * ESP is encrypted and the others are not needed to find a transport
 * header in this library's users.
 */
#ifndef NETPROTO_IPV6_H
#define NETPROTO_IPV6_H

#include <stddef.h>
#include <stdint.h>

#define NP_IPV6_VERSION 6
#define NP_IPV6_HDR_LEN 40
#define NP_IPV6_ADDR_LEN 16
#define NP_IPV6_MAX_PAYLOAD 65535    /* the payload length field (no jumbograms, RFC 2675) */
#define NP_IPV6_MIN_MTU 1280         /* RFC 8200 §5 */

/* Extension headers walked, and the cap on a chain (see above). */
#define NP_IPV6_MAX_EXT_HDRS 8
#define NP_IPV6_MAX_EXT_LEN 2048     /* one header of the largest size, (255 + 1) * 8 */

/* Next header values (IANA "Assigned Internet Protocol Numbers"). */
#define NP_IPPROTO_HOPOPTS 0
#define NP_IPPROTO_ROUTING 43
#define NP_IPPROTO_FRAGMENT 44
#define NP_IPPROTO_ESP 50
#define NP_IPPROTO_AH 51
#define NP_IPPROTO_ICMPV6 58
#define NP_IPPROTO_NONE 59           /* No Next Header, RFC 8200 §4.7 */
#define NP_IPPROTO_DSTOPTS 60
#ifndef NP_IPPROTO_TCP
#define NP_IPPROTO_TCP 6
#endif
#ifndef NP_IPPROTO_UDP
#define NP_IPPROTO_UDP 17
#endif

#define NP_IPV6_FRAG_HDR_LEN 8
/* Options of hop-by-hop and destination options headers (RFC 8200 §4.2). */
#define NP_IPV6_OPT_PAD1 0
#define NP_IPV6_OPT_PADN 1
#define NP_IPV6_OPT_ROUTER_ALERT 5   /* RFC 2711 */

/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" and its NUL (INET6_ADDRSTRLEN). */
#define NP_IPV6_ADDR_TEXT_LEN 46

/* One extension header as it stands in the packet. */
struct np_ipv6_ext {
	uint8_t type;                /* NP_IPPROTO_HOPOPTS, _ROUTING, _FRAGMENT, _DSTOPTS, _AH */
	const uint8_t *data;         /* the whole header, its next header and length octets included */
	size_t len;                  /* in octets: 8 for a fragment header, a multiple of 8 (AH: 4) */
};

/* The fields of a fragment header (RFC 8200 §4.5). */
struct np_ipv6_frag {
	uint8_t next;                /* next header of the fragmentable part */
	uint16_t offset;             /* in octets (the field times 8) */
	int more;                    /* the M flag */
	uint32_t id;
};

struct np_ipv6 {
	uint8_t tclass;              /* DSCP (6 bits) and ECN (2 bits), RFC 2474, RFC 3168 */
	uint32_t flow;               /* 20-bit flow label, RFC 6437 */
	uint16_t plen;               /* the payload length field as received; set by build */
	uint8_t next;                /* next header of the fixed header; set by np_ipv6_build() */
	uint8_t hop_limit;
	uint8_t src[NP_IPV6_ADDR_LEN];
	uint8_t dst[NP_IPV6_ADDR_LEN];
	struct np_ipv6_ext ext[NP_IPV6_MAX_EXT_HDRS];
	size_t ext_count;
	size_t ext_len;              /* octets of extension headers, set by parse */
	int has_frag;                /* a fragment header was found; its fields in frag */
	struct np_ipv6_frag frag;
	uint8_t upper;               /* the protocol after the chain (NP_IPPROTO_*) */
	const uint8_t *payload;      /* the upper-layer bytes (or fragment data) */
	size_t payload_len;
};

/*
 * Parse an IPv6 packet.  Returns 0 or, checked in this order,
 *   NP_ETRUNC    no byte at all,
 *   NP_EVERSION  the version field is not 6 (known from the first byte),
 *   NP_ETRUNC    fewer than 40 bytes,
 *   NP_EBADLEN   the payload length is beyond the data, or 0 with a
 *                hop-by-hop header (a jumbogram, not supported),
 *   NP_ETRUNC    an extension header runs past the payload,
 *   NP_EBADLEN   an authentication header whose length is not a multiple
 *                of 8 octets (RFC 4302 §2.2),
 *   NP_ECOUNT    more than NP_IPV6_MAX_EXT_HDRS extension headers or more
 *                than NP_IPV6_MAX_EXT_LEN octets of them,
 *   NP_EFORMAT   a hop-by-hop header not right after the fixed header
 *                (RFC 8200 §4.3), or a second fragment header.
 * Bytes after the payload length (link-layer padding) are ignored.  The
 * options inside hop-by-hop and destination options headers are not
 * interpreted: np_ipv6_opt_next() reads them.
 */
int np_ipv6_parse(const void *buf, size_t len, struct np_ipv6 *out);
/*
 * Parse the packet that an ICMPv6 error quotes (RFC 4443 §2.4 (c)): cut to
 * fit the minimum MTU, so the payload length may exceed the data and
 * payload is what is there.  The extension headers must still be whole.
 * In a non-first fragment, upper is the fragment header's next header and
 * payload the fragment data (np_ipv6_parse() alike).
 */
int np_ipv6_parse_quoted(const void *buf, size_t len, struct np_ipv6 *out);

/*
 * Write the fixed header, the in->ext_count extension headers in order and
 * the payload (which may already sit at buf + np_ipv6_hdr_len(in); the
 * extension headers must not overlap buf).  The next header fields are
 * chained by the builder: the fixed header's names ext[0] (or upper), each
 * extension header's names the one after it and the last names upper, so
 * in->next and the first octet of each extension header are ignored, as
 * are plen and ext_len.  Returns the packet length, NP_ENOSPC, or
 * NP_EINVAL (more than NP_IPV6_MAX_EXT_HDRS headers, a header whose length
 * is not the one its length octet gives, a flow label over 20 bits, a
 * payload over 65535 octets, NULL with a length).
 */
int np_ipv6_build(const struct np_ipv6 *in, void *buf, size_t cap);
/* Length of the fixed header and extension headers np_ipv6_build() writes. */
size_t np_ipv6_hdr_len(const struct np_ipv6 *in);
/*
 * Write the 8-octet fragment header for f into out (its next header octet
 * is f->next; np_ipv6_build() chains it anyway).  NP_EINVAL when the
 * offset is not a multiple of 8; else 0.
 */
int np_ipv6_frag_hdr(const struct np_ipv6_frag *f, uint8_t out[NP_IPV6_FRAG_HDR_LEN]);

/*
 * True for a fragment of a larger packet: a fragment header with M set or
 * a non-zero offset.  An atomic fragment (offset 0, M clear) is a whole
 * packet and is processed as such (RFC 8200 §4.5, RFC 6946 §4).
 */
int np_ipv6_is_fragment(const struct np_ipv6 *ip);

/* One option of a hop-by-hop or destination options header (RFC 8200 §4.2). */
struct np_ipv6_opt {
	uint8_t type;                /* the two high bits say what to do if unknown */
	const uint8_t *data;         /* NULL for Pad1 */
	size_t len;
};

/*
 * Iterate over the options of e (a hop-by-hop or destination options
 * header), from *pos (start at 0).  Returns 1 and the option, 0 at the
 * end, NP_ETYPE (e is not an options header) or NP_EOPT (an option runs
 * past the header).  Pad1 and PadN are returned like any other option.
 */
int np_ipv6_opt_next(const struct np_ipv6_ext *e, size_t *pos, struct np_ipv6_opt *out);

/*
 * The routing header e's routing type and segments left (RFC 8200 §4.4);
 * 0, or NP_ETYPE when e is not a routing header.
 */
int np_ipv6_routing(const struct np_ipv6_ext *e, uint8_t *type, uint8_t *segments_left);

static inline uint8_t np_ipv6_dscp(uint8_t tclass)
{
	return tclass >> 2;
}

static inline uint8_t np_ipv6_ecn(uint8_t tclass)
{
	return tclass & 0x3;
}

/*
 * Write addr as RFC 5952 canonical text: lowercase hex, no leading zeros,
 * the longest run of two or more zero groups (the first of equal runs)
 * shown as "::", and an IPv4-mapped address as ::ffff:a.b.c.d (§5).
 * Returns the text length.
 */
size_t np_ipv6_addr_to_text(const uint8_t addr[NP_IPV6_ADDR_LEN],
			    char text[NP_IPV6_ADDR_TEXT_LEN]);
/*
 * Parse any text form of RFC 4291 §2.2: eight groups of 1 to 4 hex digits
 * (either case), one "::" for one or more zero groups, and a dotted-decimal
 * IPv4 address (strict, as np_ipv4_addr_parse()) in place of the last two
 * groups.  No zone index (RFC 4007 §11) and nothing before or after.
 * Returns 0 and fills addr, or NP_EINVAL.
 */
int np_ipv6_addr_parse(const char *text, uint8_t addr[NP_IPV6_ADDR_LEN]);

/* Address classes used by the protocol checks (RFC 4291 §2.4). */
int np_ipv6_addr_is_unspecified(const uint8_t addr[NP_IPV6_ADDR_LEN]);
int np_ipv6_addr_is_multicast(const uint8_t addr[NP_IPV6_ADDR_LEN]);
int np_ipv6_addr_is_link_local(const uint8_t addr[NP_IPV6_ADDR_LEN]);
/* The solicited-node multicast address of addr, ff02::1:ffXX:XXXX (RFC 4291 §2.7.1). */
void np_ipv6_solicited_node(const uint8_t addr[NP_IPV6_ADDR_LEN], uint8_t out[NP_IPV6_ADDR_LEN]);

#endif
