/*
 * zonetext.h: one DNS record in zone-file presentation format (RFC 1035
 * §5.1), as np-dnsd's configured local records and trust anchors are
 * written.  Pure: no sockets, no clock, no logging.
 */
#ifndef NP_DNSD_ZONETEXT_H
#define NP_DNSD_ZONETEXT_H

#include <stddef.h>
#include <stdint.h>

#include "netproto/dns.h"

#define DNS_TTL_MAX 0x7fffffffu         /* RFC 2181 §8 */

/*
 * One record line in zone-file presentation format, the parser of
 * dns_local_add_line(): owner (absolute), optional TTL and class IN, a
 * type and its rdata.  With DNS_RR_TEXT_DNSSEC, DS (RFC 4034 §5.3: hex
 * digest) and DNSKEY (§2.2: base64 key) lines too, as trust anchors are
 * written (". IN DS 20326 8 2 E06D..."); the digest and key may be split by
 * blanks, and "; comment" ends the line.  Returns 0 or NP_EINVAL with a
 * one-line reason in err.
 */
#define DNS_RR_TEXT_DNSSEC 1
struct dns_rr_text {
	uint8_t owner[NP_DNS_NAME_MAX];
	size_t owner_len;
	uint32_t ttl;
	uint16_t type;
	size_t rdlength;
	uint8_t rdata[4096];
};

int dns_rr_text_parse(const char *line, uint32_t default_ttl, int flags,
		      struct dns_rr_text *out, char *err, size_t errlen);

/* Write a one-line reason into err (errlen 0: none) and return NP_EINVAL. */
int dns_text_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
