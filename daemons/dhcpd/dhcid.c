/*
 * dhcid.c: DHCID rdata (RFC 4701), see dhcid.h.
 */
#include "dhcid.h"

#include <string.h>

#include <netproto/buf.h>
#include <netproto/dns.h>
#include <netproto/error.h>

#include "../common/digest.h"

#define DIGEST_SHA256 1                /* RFC 4701 §3.4 */
#define CID_TYPE_DUID 255              /* RFC 4361 §6.1 */
#define CID_DUID_OFFSET 5              /* type 255, then a 4-octet IAID */

int dhcid_rdata(const struct dhcid_client *client, const uint8_t *fqdn, size_t fqdn_len,
		uint8_t out[DHCID_RDATA_LEN])
{
	uint8_t name[NP_DNS_NAME_MAX], htype = client->htype;
	struct np_digest_part parts[3];
	enum dhcid_identifier type;
	size_t n = 0;
	int err;

	if (fqdn_len > sizeof(name) || np_dns_name_check(fqdn, fqdn_len) < 0)
		return NP_EINVAL;
	/* §3.3: the most specific identity the client gave. */
	if (client->cid_len > CID_DUID_OFFSET && client->cid[0] == CID_TYPE_DUID) {
		type = DHCID_ID_DUID;
		parts[n++] = (struct np_digest_part){ client->cid + CID_DUID_OFFSET,
						      client->cid_len - CID_DUID_OFFSET };
	} else if (client->cid_len > 0) {
		type = DHCID_ID_CLIENT_ID;
		parts[n++] = (struct np_digest_part){ client->cid, client->cid_len };
	} else {
		if (client->hlen == 0 || client->hlen > 16)
			return NP_EINVAL;
		type = DHCID_ID_CHADDR;
		parts[n++] = (struct np_digest_part){ &htype, 1 };
		parts[n++] = (struct np_digest_part){ client->chaddr, client->hlen };
	}
	/* §3.5: the FQDN in canonical wire form (RFC 4034 §6.2: lowercase). */
	memcpy(name, fqdn, fqdn_len);
	np_dns_name_lower(name, fqdn_len);
	parts[n++] = (struct np_digest_part){ name, fqdn_len };
	if ((err = np_sha256(parts, n, out + 3)) < 0)
		return err;
	np_store_be16(out, (uint16_t)type);
	out[2] = DIGEST_SHA256;
	return DHCID_RDATA_LEN;
}
