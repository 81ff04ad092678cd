/*
 * netproto/csum.h: the Internet checksum (RFC 1071), the IPv4 pseudo-header
 * used by UDP and TCP (RFC 768, RFC 9293 §3.1), the IPv6 pseudo-header used
 * by UDP, TCP and ICMPv6 (RFC 8200 §8.1), and incremental update (RFC 1624).
 *
 * A checksum is computed in two steps: accumulate 16-bit big-endian words
 * into a 32-bit partial sum with np_csum_add() (every chunk but the last
 * must have an even length), then fold and complement with np_csum_finish().
 * Checksum values are returned in host order, ready for np_store_be16().
 */
#ifndef NETPROTO_CSUM_H
#define NETPROTO_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add the bytes to a partial sum (start with 0); returns the new sum. */
uint32_t np_csum_add(uint32_t sum, const void *data, size_t len);
/* Fold a partial sum to 16 bits and complement it. */
uint16_t np_csum_finish(uint32_t sum);
/* The checksum of one buffer; a buffer that holds its own correct checksum gives 0. */
uint16_t np_csum(const void *data, size_t len);
/*
 * Partial sum of the IPv4 pseudo-header: addresses in host order, the
 * protocol number and the upper-layer length (header plus data).
 */
uint32_t np_csum_pseudo4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
/*
 * Partial sum of the IPv6 pseudo-header (RFC 8200 §8.1): the 16-octet
 * source and destination addresses in network order, the upper-layer
 * packet length (32 bits: header plus data, without extension headers) and
 * the next header value of the upper-layer protocol.  The destination is
 * the final one: a routing header's last segment, not the first hop.
 */
uint32_t np_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t next,
			 uint32_t len);
/*
 * RFC 1624 eqn. 3: the new checksum after a 16-bit field changed from
 * old_word to new_word, without summing the whole packet again.
 */
uint16_t np_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word);
/* The same for a 32-bit field (an address), as two 16-bit updates. */
uint16_t np_csum_update32(uint16_t csum, uint32_t old_word, uint32_t new_word);

#endif
