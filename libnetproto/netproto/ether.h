/*
 * netproto/ether.h: Ethernet II frames with an optional IEEE 802.1Q tag.
 *
 * np_ether_parse() reads the header of a frame as received from AF_PACKET
 * (no preamble, no FCS) and points payload at the rest of the buffer, which
 * may include the padding up to the 60-byte minimum: the upper layer trims
 * by its own length field.
 */
#ifndef NETPROTO_ETHER_H
#define NETPROTO_ETHER_H

#include <stddef.h>
#include <stdint.h>

#define NP_ETHER_ADDR_LEN 6
#define NP_ETHER_HDR_LEN 14
#define NP_ETHER_VLAN_HDR_LEN 18
#define NP_ETHER_MIN_FRAME 60        /* minimum frame length without the FCS */
#define NP_ETHER_MTU 1500

#define NP_ETHERTYPE_IPV4 0x0800
#define NP_ETHERTYPE_ARP 0x0806
#define NP_ETHERTYPE_VLAN 0x8100
#define NP_ETHERTYPE_IPV6 0x86dd

struct np_ether {
	uint8_t dst[NP_ETHER_ADDR_LEN];
	uint8_t src[NP_ETHER_ADDR_LEN];
	int has_vlan;                /* an 802.1Q tag was present / is to be written */
	uint16_t vlan_tci;           /* PCP(3) DEI(1) VID(12), host order */
	uint16_t ethertype;          /* of the payload, after any tag */
	const uint8_t *payload;
	size_t payload_len;
};

extern const uint8_t np_ether_broadcast[NP_ETHER_ADDR_LEN];

/*
 * Parse a frame; 0 or NP_ETRUNC (shorter than its header) or NP_ETYPE (an
 * EtherType below 0x0600 is an 802.3 length field, not Ethernet II).
 */
int np_ether_parse(const void *buf, size_t len, struct np_ether *out);
/*
 * Write the header and the payload (which may already sit at its place in
 * buf), then zero padding up to NP_ETHER_MIN_FRAME.  Returns the frame
 * length or NP_ENOSPC.
 */
int np_ether_build(const struct np_ether *in, void *buf, size_t cap);
/* Length of the header that np_ether_build() writes for in. */
size_t np_ether_hdr_len(const struct np_ether *in);

static inline uint16_t np_ether_vlan_id(uint16_t tci)
{
	return tci & 0x0fff;
}

int np_ether_is_broadcast(const uint8_t addr[NP_ETHER_ADDR_LEN]);
int np_ether_is_multicast(const uint8_t addr[NP_ETHER_ADDR_LEN]);
int np_ether_is_zero(const uint8_t addr[NP_ETHER_ADDR_LEN]);

/* "aa:bb:cc:dd:ee:ff" and its NUL. */
#define NP_ETHER_ADDR_TEXT_LEN 18

/* Write addr as six lowercase hex pairs separated by ':'; returns text. */
char *np_ether_addr_to_text(const uint8_t addr[NP_ETHER_ADDR_LEN],
			    char text[NP_ETHER_ADDR_TEXT_LEN]);
/*
 * Parse six hex pairs (either case) separated by ':' or, throughout, by '-'
 * ("aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF"), nothing before or after.
 * Returns 0 and sets addr, or NP_EINVAL.
 */
int np_ether_addr_parse(const char *text, uint8_t addr[NP_ETHER_ADDR_LEN]);

#endif
