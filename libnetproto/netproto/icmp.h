/*
 * netproto/icmp.h: ICMP for IPv4 (RFC 792).
 *
 * Every message is an 8-byte header (type, code, checksum and four bytes
 * whose meaning depends on the type) followed by data.  The checksum
 * covers the whole message (RFC 792, "Checksum"), so np_icmp_parse() must
 * be given exactly the IPv4 payload.  Unknown types are parsed too: their
 * four bytes are in rest and the remainder in data.
 *
 * Error messages (destination unreachable, time exceeded, ...) quote the
 * IPv4 header of the datagram that caused them plus at least its first 8
 * payload bytes; np_icmp_quote_parse() reads that quote, bounded by the
 * RFC 4884 length when the message gives one.
 */
#ifndef NETPROTO_ICMP_H
#define NETPROTO_ICMP_H

#include <stddef.h>
#include <stdint.h>

#include <netproto/ipv4.h>

#define NP_ICMP_HDR_LEN 8

/* Types (RFC 792, RFC 6918 for the deprecated ones). */
#define NP_ICMP_ECHO_REPLY 0
#define NP_ICMP_DEST_UNREACH 3
#define NP_ICMP_SOURCE_QUENCH 4      /* deprecated, RFC 6633 */
#define NP_ICMP_REDIRECT 5
#define NP_ICMP_ECHO_REQUEST 8
#define NP_ICMP_TIME_EXCEEDED 11
#define NP_ICMP_PARAM_PROBLEM 12
#define NP_ICMP_TIMESTAMP 13
#define NP_ICMP_TIMESTAMP_REPLY 14
#define NP_ICMP_INFO_REQUEST 15      /* deprecated, RFC 6918 */
#define NP_ICMP_INFO_REPLY 16        /* deprecated, RFC 6918 */

/* Destination unreachable codes (RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1). */
#define NP_ICMP_UNREACH_NET 0
#define NP_ICMP_UNREACH_HOST 1
#define NP_ICMP_UNREACH_PROTO 2
#define NP_ICMP_UNREACH_PORT 3
#define NP_ICMP_UNREACH_NEEDFRAG 4   /* with the next-hop MTU, RFC 1191 §4 */
#define NP_ICMP_UNREACH_SRCROUTE 5
#define NP_ICMP_UNREACH_ADMIN 13

/* Time exceeded codes (RFC 792). */
#define NP_ICMP_TIMX_TTL 0           /* time to live exceeded in transit */
#define NP_ICMP_TIMX_REASS 1         /* fragment reassembly time exceeded */

struct np_icmp {
	uint8_t type;
	uint8_t code;
	uint16_t csum;               /* as received; computed by np_icmp_build() */
	/*
	 * Echo, timestamp and information messages: identifier and sequence
	 * number (np_icmp_has_id_seq()).  np_icmp_build() writes them for
	 * those types and rest for every other type.
	 */
	uint16_t id;
	uint16_t seq;
	uint32_t rest;               /* bytes 4..7 of the header, host order, for every type */
	const uint8_t *data;         /* echo data, or the quoted datagram of an error */
	size_t data_len;
};

struct np_icmp_quote {
	struct np_ipv4 ip;           /* from np_ipv4_parse_quoted(); payload is what was quoted */
	int has_ports;               /* TCP or UDP, first fragment, 4 payload bytes quoted */
	uint16_t sport;              /* source and destination ports when has_ports */
	uint16_t dport;
};

/*
 * Parse an ICMP message; 0, NP_ETRUNC (shorter than 8 bytes) or NP_ECSUM
 * (the checksum over the whole message does not verify).
 */
int np_icmp_parse(const void *buf, size_t len, struct np_icmp *out);
/*
 * Write the header and data with the checksum computed; in->csum is
 * ignored.  The data may already sit at buf + NP_ICMP_HDR_LEN.  Returns the
 * length, NP_ENOSPC, or NP_EINVAL (data_len without data, or a message
 * over 65535 bytes, which no IPv4 datagram can carry).
 */
int np_icmp_build(const struct np_icmp *in, void *buf, size_t cap);

/* Types whose header carries an identifier and a sequence number. */
int np_icmp_has_id_seq(uint8_t type);
/* Error types, whose data quotes the offending datagram (RFC 792). */
int np_icmp_is_error(uint8_t type);

/*
 * Read the datagram quoted by an error message: its IPv4 header (checked
 * leniently, see np_ipv4_parse_quoted()) and, for TCP and UDP, the ports
 * in its first 8 bytes.  Returns 0, NP_ETYPE (m is not an error type) or
 * an np_ipv4_parse_quoted() error.
 */
int np_icmp_quote_parse(const struct np_icmp *m, struct np_icmp_quote *out);

/* Destination unreachable, code 4: the next-hop MTU (RFC 1191 §4), or 0. */
static inline uint16_t np_icmp_next_mtu(const struct np_icmp *m)
{
	return (uint16_t)(m->rest & 0xffff);
}

/* Parameter problem: the offset of the octet in error (RFC 792). */
static inline uint8_t np_icmp_pointer(const struct np_icmp *m)
{
	return (uint8_t)(m->rest >> 24);
}

#endif
