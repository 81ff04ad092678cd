/*
 * netproto/arp.h: ARP for IPv4 over Ethernet (RFC 826), with the probe and
 * announcement conventions of IPv4 address conflict detection (RFC 5227).
 *
 * Only the one combination a LAN uses is accepted: hardware type 1
 * (Ethernet), protocol type 0x0800 (IPv4), hardware length 6, protocol
 * length 4.  The message is always 28 bytes; bytes after it (Ethernet
 * padding) are ignored by np_arp_parse(), and np_arp_build() writes exactly
 * 28 bytes: np_ether_build() pads the frame.  Addresses are in host order.
 */
#ifndef NETPROTO_ARP_H
#define NETPROTO_ARP_H

#include <stddef.h>
#include <stdint.h>

#define NP_ARP_LEN 28                /* the message for Ethernet/IPv4 */
#define NP_ARP_HTYPE_ETHER 1         /* ar$hrd, RFC 826 / IANA "Hardware Types" */
#define NP_ARP_PTYPE_IPV4 0x0800     /* ar$pro: the EtherType of IPv4 */
#define NP_ARP_HLEN_ETHER 6          /* ar$hln */
#define NP_ARP_PLEN_IPV4 4           /* ar$pln */

#define NP_ARP_OP_REQUEST 1          /* ar$op, RFC 826 */
#define NP_ARP_OP_REPLY 2

struct np_arp {
	uint16_t op;                 /* NP_ARP_OP_*; other values are kept, not rejected */
	uint8_t sha[6];              /* sender hardware address */
	uint32_t spa;                /* sender protocol (IPv4) address, host order */
	uint8_t tha[6];              /* target hardware address */
	uint32_t tpa;                /* target protocol (IPv4) address, host order */
};

/*
 * Parse an ARP message (the payload of an Ethernet frame of type 0x0806).
 * Returns 0 or, checked in this order on the 8-byte fixed part first,
 *   NP_ETRUNC   fewer than 8 bytes,
 *   NP_ETYPE    hardware type not Ethernet or protocol type not IPv4,
 *   NP_EBADLEN  hardware length not 6 or protocol length not 4,
 *   NP_ETRUNC   fewer than the 28 bytes these lengths imply.
 * Any opcode is accepted: the caller decides what it answers.
 */
int np_arp_parse(const void *buf, size_t len, struct np_arp *out);
/* Write the 28-byte message; returns NP_ARP_LEN or NP_ENOSPC. */
int np_arp_build(const struct np_arp *in, void *buf, size_t cap);

/*
 * RFC 5227 §2.1.1 probe: a request whose sender IP address is 0.0.0.0, so
 * that no neighbour caches the prober's mapping.  tpa is the address probed.
 */
int np_arp_is_probe(const struct np_arp *a);
/*
 * Gratuitous ARP / RFC 5227 §2.3 announcement: a request or reply whose
 * sender and target IP addresses are the same (and not 0.0.0.0).  Such a
 * packet asks no question; it updates caches and, for conflict detection
 * (§2.1.1), a sender IP equal to an address being probed is a conflict.
 */
int np_arp_is_announcement(const struct np_arp *a);

/*
 * The reply RFC 826 ("Packet Reception") prescribes for a request for an
 * address we own: op = reply, the requester's sender fields become the
 * target fields, and our hardware address and the requested IP become the
 * sender fields.  A probe (spa 0.0.0.0) gets a reply with tpa 0.0.0.0, as
 * the Linux kernel sends.  Send it in a frame from mac to req->sha.
 * Returns 0, or NP_EINVAL when req is not a request.
 */
int np_arp_reply_from_request(const struct np_arp *req, const uint8_t mac[6],
			      struct np_arp *reply);
/*
 * Fill out with an RFC 5227 §2.1.1 probe for ip from mac: sender IP 0,
 * target hardware address zero.  Broadcast it.
 */
void np_arp_probe_init(struct np_arp *out, const uint8_t mac[6], uint32_t ip);
/*
 * Fill out with an RFC 5227 §2.3 announcement of ip by mac: a request with
 * sender IP == target IP and a zero target hardware address.  Broadcast it.
 */
void np_arp_announcement_init(struct np_arp *out, const uint8_t mac[6], uint32_t ip);

#endif
