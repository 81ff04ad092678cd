/*
 * dhcid.h: the DHCID resource record of a DHCP client (RFC 4701).
 *
 * A DHCID record stored beside a client's name says which client the name
 * belongs to, without revealing the client's identity: its rdata is
 *     identifier-type code (2 octets), digest type (1 octet, 1 = SHA-256),
 *     SHA-256(identifier || FQDN in canonical wire form)
 * (§3.3 - §3.5).  The identifier is, by the client's choice of identity
 * (§3.3):
 *     0x0000  the htype octet and chaddr, when no client identifier is sent;
 *     0x0001  the data of the client identifier option (61), type octet
 *             included;
 *     0x0002  the DUID, for a client identifier of type 255 (RFC 4361:
 *             255, a 4-octet IAID, then the DUID).
 * Pure: the digest comes from daemons/common/digest.c.
 */
#ifndef NP_DHCPD_DHCID_H
#define NP_DHCPD_DHCID_H

#include <stddef.h>
#include <stdint.h>

#define DHCID_TYPE 49                  /* RFC 4701 §2 */
#define DHCID_RDATA_LEN 35             /* 2 + 1 + SHA-256 */

enum dhcid_identifier {
	DHCID_ID_CHADDR = 0x0000,
	DHCID_ID_CLIENT_ID = 0x0001,
	DHCID_ID_DUID = 0x0002,
};

/* The client's identity as the lease keeps it. */
struct dhcid_client {
	uint8_t htype;
	uint8_t hlen;                  /* <= 16 */
	const uint8_t *chaddr;
	uint8_t cid_len;               /* 0: no client identifier option */
	const uint8_t *cid;
};

/*
 * The DHCID rdata of client for fqdn (wire form, absolute; compared
 * without case: it is lowercased before hashing) into out.  Returns
 * DHCID_RDATA_LEN, or NP_EINVAL (no usable identity: hlen 0 or above 16,
 * a bad name), NP_ENOSPC (the digest failed).
 */
int dhcid_rdata(const struct dhcid_client *client, const uint8_t *fqdn, size_t fqdn_len,
		uint8_t out[DHCID_RDATA_LEN]);

#endif
