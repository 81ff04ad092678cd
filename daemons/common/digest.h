/*
 * digest.h: message digests for the daemons, from OpenSSL's libcrypto.
 *
 * The one place the suite calls a crypto library, so the rest of the code
 * (and libnetproto, which has no crypto dependency) never sees its API.
 * Used for RFC 4701 DHCID records; DNSSEC will use it too.
 */
#ifndef NP_DAEMON_DIGEST_H
#define NP_DAEMON_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define NP_SHA256_LEN 32

/* One input part: the digest is taken over the parts in order. */
struct np_digest_part {
	const void *data;
	size_t len;
};

/*
 * SHA-256 (FIPS 180-4) of the concatenation of n parts into out.
 * Returns 0, or NP_ENOSPC when the library fails (out of memory).
 */
int np_sha256(const struct np_digest_part *parts, size_t n, uint8_t out[NP_SHA256_LEN]);

#endif
