/*
 * netproto/frame.h: a whole Ethernet/IPv4/UDP frame, built in place.
 *
 * The servers that answer at link level (np-dhcpd to clients with no
 * address yet, the AF_XDP path of np-dnsd) write the UDP payload where it
 * will lie in the frame, at buf + NP_UDP4_FRAME_HDRS, and have the three
 * headers written in front of it: no copy of the payload.
 */
#ifndef NETPROTO_FRAME_H
#define NETPROTO_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <netproto/ether.h>
#include <netproto/ipv4.h>
#include <netproto/udp.h>

/* Where the UDP payload starts: Ethernet, IPv4 without options, UDP. */
#define NP_UDP4_FRAME_HDRS (NP_ETHER_HDR_LEN + NP_IPV4_HDR_LEN + NP_UDP_HDR_LEN)

struct np_udp4_frame {
	uint8_t src_mac[NP_ETHER_ADDR_LEN], dst_mac[NP_ETHER_ADDR_LEN];
	uint32_t src, dst;           /* host order */
	uint16_t src_port, dst_port;
	uint16_t ip_id;
	uint8_t ttl;
};

/*
 * Write the headers of f around the len payload octets already at
 * buf + NP_UDP4_FRAME_HDRS (UDP checksum computed, IPv4 header checksum
 * computed, zero padding up to the Ethernet minimum).  Returns the frame
 * length, NP_ENOSPC (cap) or NP_EINVAL (the datagram exceeds 65535 octets).
 */
int np_udp4_frame_build(const struct np_udp4_frame *f, uint8_t *buf, size_t cap, size_t len);

#endif
