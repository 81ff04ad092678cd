/*
 * digest.h: message digests for the daemons, from OpenSSL's libcrypto.
 *
 * The one place the suite calls a crypto library, so the rest of the code
 * (and libnetproto, which has no crypto dependency) never sees its API.
 * Used for RFC 4701 DHCID records and for DNSSEC validation (DS digests,
 * NSEC3 hashes, RRSIG signatures).
 */
#ifndef NP_DAEMON_DIGEST_H
#define NP_DAEMON_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define NP_SHA1_LEN 20
#define NP_SHA256_LEN 32
#define NP_SHA384_LEN 48
#define NP_DIGEST_MAX 64

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


/* The digests np_digest() computes. */
enum np_digest_alg {
	NP_DIGEST_SHA1,                   /* NSEC3 hashes (RFC 5155 §5) only */
	NP_DIGEST_SHA256,
	NP_DIGEST_SHA384,
};

/*
 * The digest alg of the concatenation of n parts into out (NP_DIGEST_MAX
 * octets suffice).  Returns the digest length, or NP_ENOSPC when the
 * library fails.
 */
int np_digest(enum np_digest_alg alg, const struct np_digest_part *parts, size_t n,
	      uint8_t *out);

/*
 * Verify a DNSSEC signature (RFC 4034 §3.1.8.1) of data with a DNSKEY
 * public key in its DNSSEC wire format:
 *   RSASHA256 (8), RSASHA512 (10): RFC 3110 §2 exponent length, exponent,
 *     modulus (RFC 5702), PKCS#1 v1.5 signature; moduli of 1024..4096 bits
 *     (RFC 3110 §2, RFC 5702 §2), public exponents of at most 35 bits;
 *   ECDSAP256SHA256 (13), ECDSAP384SHA384 (14): the point x || y, and the
 *     signature r || s (RFC 6605 §4), converted to OpenSSL's forms;
 *   ED25519 (15), ED448 (16): the raw public key and signature (RFC 8080 §3, §4).
 * Returns 0 when the signature verifies, NP_ECSUM when it does not,
 * NP_ETYPE for any other algorithm, NP_EBADLEN for a key or signature of
 * the wrong shape for its algorithm, NP_ENOSPC when the library fails.
 */
int np_dnssec_verify(uint8_t alg, const uint8_t *key, size_t keylen, const uint8_t *data,
		     size_t datalen, const uint8_t *sig, size_t siglen);

/* True for the algorithms np_dnssec_verify() implements. */
int np_dnssec_alg_supported(uint8_t alg);

#endif
