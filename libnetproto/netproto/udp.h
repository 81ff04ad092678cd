/*
 * netproto/udp.h: UDP datagrams over IPv4 (RFC 768) and IPv6 (RFC 8200 §8.1).
 *
 * The codec sees the UDP header and data only; the IPv4 source and
 * destination addresses (host order), or the IPv6 ones (16 octets, network
 * order), come from the caller because the checksum covers a pseudo-header
 * made of them (RFC 768, "Fields"; RFC 8200 §8.1).
 */
#ifndef NETPROTO_UDP_H
#define NETPROTO_UDP_H

#include <stddef.h>
#include <stdint.h>

#define NP_UDP_HDR_LEN 8
#define NP_UDP_MAX_LEN 65535         /* the length field is 16 bits */

#ifndef NP_IPPROTO_UDP
#define NP_IPPROTO_UDP 17
#endif

struct np_udp {
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t length;             /* header plus data, from the header (build: ignored) */
	uint16_t checksum;           /* as received, 0 when none was sent (build: ignored) */
	const uint8_t *payload;
	size_t payload_len;          /* length - NP_UDP_HDR_LEN */
};

/*
 * Parse the datagram at buf (the IPv4 payload, len bytes) and verify its
 * checksum against the pseudo-header of src and dst.  Returns 0, or
 * NP_ETRUNC (fewer than 8 bytes), NP_EBADLEN (the length field is below 8
 * or beyond len), NP_ECSUM (a non-zero checksum that does not verify).
 * Bytes beyond the length field (link-layer padding) are not part of the
 * datagram.  A checksum of 0 means the sender computed none (RFC 768) and
 * is accepted as such.
 */
int np_udp_parse(const void *buf, size_t len, uint32_t src, uint32_t dst, struct np_udp *out);
/*
 * The same without checking the checksum, for datagrams whose checksum is
 * known good or not filled in yet (AF_PACKET's TP_STATUS_CSUM_VALID and
 * TP_STATUS_CSUMNOTREADY on a host that offloads checksums).
 */
int np_udp_parse_nocsum(const void *buf, size_t len, struct np_udp *out);
/*
 * Write the header and the payload (which may already sit at buf + 8) and
 * fill in the checksum for src and dst.  A computed checksum of 0 is sent
 * as 0xffff, because 0 would mean "no checksum" (RFC 768).  Returns the
 * datagram length, NP_ENOSPC, or NP_EINVAL (payload longer than the
 * 16-bit length field allows, or NULL with a length).
 */
int np_udp_build(const struct np_udp *in, uint32_t src, uint32_t dst, void *buf, size_t cap);

/*
 * The same over IPv6: src and dst are the 16-octet addresses of the IPv6
 * header (dst the final destination when there is a routing header), and
 * buf is the upper-layer payload after any extension headers.  Over IPv6
 * the checksum is mandatory (RFC 8200 §8.1): a checksum of 0 is NP_ECSUM
 * too (the RFC 6935 exception for tunnels is not supported).  Jumbograms
 * (RFC 2675) are not supported: the length field is the datagram length.
 */
int np_udp6_parse(const void *buf, size_t len, const uint8_t src[16], const uint8_t dst[16],
		  struct np_udp *out);
/* np_udp_build() with the IPv6 pseudo-header; a computed 0 is sent as 0xffff. */
int np_udp6_build(const struct np_udp *in, const uint8_t src[16], const uint8_t dst[16],
		  void *buf, size_t cap);

#endif
