/*
 * netproto/dnssec.h: DNSSEC wire formats and canonical forms (RFC 4034,
 * RFC 5155, RFC 6840), without any cryptography.
 *
 * Views of DNSKEY, DS, NSEC, NSEC3 and NSEC3PARAM rdata (RRSIG is in
 * netproto/dns.h: np_dns_rrsig_parse()), the key tag, the canonical form
 * of rdata and of an RRset as signed (RFC 4034 §6), canonical name order,
 * the NSEC3 hash input and base32hex (RFC 4648 §7).  A validator takes the
 * bytes built here to a digest or signature library; nothing here needs
 * one, allocates or keeps state.
 */
#ifndef NETPROTO_DNSSEC_H
#define NETPROTO_DNSSEC_H

#include <stddef.h>
#include <stdint.h>

#include <netproto/dns.h>

#define NP_DNS_TYPE_NSEC3PARAM 51     /* RFC 5155 §4 */

/* DNSKEY flags (RFC 4034 §2.1.1, RFC 5011 §7 for REVOKE) and protocol. */
#define NP_DNSKEY_FLAG_ZONE 0x0100
#define NP_DNSKEY_FLAG_REVOKE 0x0080
#define NP_DNSKEY_FLAG_SEP 0x0001
#define NP_DNSKEY_PROTOCOL 3          /* RFC 4034 §2.1.2 */

/* Algorithm numbers (IANA "DNS Security Algorithm Numbers", RFC 8624 §3.1). */
#define NP_DNSSEC_ALG_RSAMD5 1
#define NP_DNSSEC_ALG_RSASHA1 5
#define NP_DNSSEC_ALG_RSASHA1_NSEC3 7
#define NP_DNSSEC_ALG_RSASHA256 8
#define NP_DNSSEC_ALG_RSASHA512 10
#define NP_DNSSEC_ALG_ECDSAP256SHA256 13
#define NP_DNSSEC_ALG_ECDSAP384SHA384 14
#define NP_DNSSEC_ALG_ED25519 15
#define NP_DNSSEC_ALG_ED448 16

/* DS digest types (RFC 8624 §3.3). */
#define NP_DS_DIGEST_SHA1 1
#define NP_DS_DIGEST_SHA256 2
#define NP_DS_DIGEST_SHA384 4

#define NP_NSEC3_HASH_SHA1 1          /* RFC 5155 §11 */
#define NP_NSEC3_FLAG_OPTOUT 0x01     /* RFC 5155 §3.1.2.1 */
#define NP_NSEC3_HASH_MAX 255         /* hash length is one octet */
/* Base32hex of a 255-octet hash, the longest label it could need (not a valid label). */
#define NP_BASE32HEX_MAX(n) (((n) + 4) / 5 * 8)

struct np_dnskey {
	uint16_t flags;
	uint8_t protocol, algorithm;
	const uint8_t *key;               /* public key, into rdata; never empty */
	size_t key_len;
};

/* DNSKEY rdata (RFC 4034 §2.1): 0 or NP_EBADLEN (shorter than 5 octets). */
int np_dnskey_parse(const uint8_t *rdata, size_t len, struct np_dnskey *out);

/*
 * The key tag of DNSKEY rdata (RFC 4034 Appendix B): the ones'-complement
 * style sum of the whole rdata; for algorithm 1 (RSA/MD5, RFC 4034 B.1) the
 * third- and second-last octets of the modulus.  Rdata shorter than 4
 * octets gives 0.
 */
uint16_t np_dnssec_key_tag(const uint8_t *rdata, size_t len);

struct np_ds {
	uint16_t key_tag;
	uint8_t algorithm, digest_type;
	const uint8_t *digest;            /* into rdata; never empty */
	size_t digest_len;
};

/* DS rdata (RFC 4034 §5.1): 0 or NP_EBADLEN. */
int np_ds_parse(const uint8_t *rdata, size_t len, struct np_ds *out);

/*
 * The type bitmap (RFC 4034 §4.1.2, RFC 5155 §3.2.1): window blocks in
 * increasing order, each with a bitmap length 1..32 whose last octet is not
 * zero.  Returns 0 or NP_EBADLEN.
 */
int np_dnssec_bitmap_check(const uint8_t *bitmap, size_t len);
/* True when type is set in a bitmap np_dnssec_bitmap_check() accepted. */
int np_dnssec_bitmap_has(const uint8_t *bitmap, size_t len, uint16_t type);

struct np_nsec {
	uint8_t next[NP_DNS_NAME_MAX];    /* next owner name, uncompressed, case kept */
	size_t next_len;
	const uint8_t *bitmap;            /* into rdata; may be empty */
	size_t bitmap_len;
};

/*
 * NSEC rdata (RFC 4034 §4.1): an uncompressed name (RFC 4034 §4.1.1; a
 * pointer is NP_ELABEL) and a well-formed bitmap.  0 or NP_EBADLEN or a
 * name error.
 */
int np_nsec_parse(const uint8_t *rdata, size_t len, struct np_nsec *out);

struct np_nsec3 {
	uint8_t hash_alg, flags;
	uint16_t iterations;
	const uint8_t *salt;              /* into rdata */
	uint8_t salt_len;
	const uint8_t *next_hash;         /* next hashed owner name, raw (not base32) */
	uint8_t hash_len;                 /* >= 1 (RFC 5155 §3.2) */
	const uint8_t *bitmap;
	size_t bitmap_len;
};

/* NSEC3 rdata (RFC 5155 §3.2): 0 or NP_EBADLEN. */
int np_nsec3_parse(const uint8_t *rdata, size_t len, struct np_nsec3 *out);

struct np_nsec3param {
	uint8_t hash_alg, flags;
	uint16_t iterations;
	const uint8_t *salt;
	uint8_t salt_len;
};

/* NSEC3PARAM rdata (RFC 5155 §4.2): 0 or NP_EBADLEN (bytes after the salt too). */
int np_nsec3param_parse(const uint8_t *rdata, size_t len, struct np_nsec3param *out);

/*
 * Canonical DNS name order (RFC 4034 §6.1): labels compared from the root
 * down, each as lowercased octet strings, a shorter label before a longer
 * one it prefixes, and a name before its subdomains.  a and b must be
 * valid uncompressed names.  Returns <0, 0 or >0.
 */
int np_dns_name_canonical_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/*
 * True when the rdata of type holds names that the canonical form
 * lowercases: the types of RFC 4034 §6.2 item 3 without NSEC (RFC 6840
 * §5.1; HINFO, listed there, has no names).
 */
int np_dnssec_type_lowers_names(uint16_t type);

/*
 * The canonical rdata (RFC 4034 §6.2) of the record whose rdata is at
 * msg[rdata_off, rdata_off + rdlength): names decompressed (RFC 3597 §4:
 * msg is the whole message, so compression pointers into it are followed,
 * with the limits of np_dns_name_read()) and lowercased for the types of
 * np_dnssec_type_lowers_names(); other types' rdata is copied as octets.
 * A record that is not a message's (rdata on its own) is passed with msg =
 * rdata and rdata_off = 0.  Writes to out; returns the length, or
 * NP_ENOSPC (cap; 65535 always suffices), NP_EBADLEN (the rdata does not
 * have the type's shape) or a name error.
 */
int np_dnssec_rdata_canonical(const uint8_t *msg, size_t msglen, size_t rdata_off,
			      uint16_t rdlength, uint16_t type, uint8_t *out, size_t cap);

/* One record's canonical rdata (as np_dnssec_rdata_canonical() wrote it). */
struct np_dnssec_rdata {
	const uint8_t *data;
	uint16_t len;
};

/*
 * Sort an RRset's canonical rdata in canonical order (RFC 4034 §6.3: as
 * left-justified unsigned octet strings, a shorter prefix first) in place
 * and drop duplicates.  Returns the new count.  n is bounded by the
 * caller (insertion sort: quadratic in n).
 */
size_t np_dnssec_rdata_sort(struct np_dnssec_rdata *rd, size_t n);

/*
 * The data an RRSIG signs (RFC 4034 §3.1.8.1, §6.2): the RRSIG rdata
 * without its signature and with its signer name lowercased, then each
 * record of the RRset in canonical form: owner lowercased, or "*." and
 * the owner's rightmost labels when the RRSIG's labels field is smaller
 * than the owner's label count (a wildcard expansion, RFC 4035 §5.3.2),
 * type, class, the RRSIG's original TTL, rdlength and rdata.  rd must
 * already be canonical and sorted (np_dnssec_rdata_sort()).  Writes to out
 * and returns the length, or NP_EINVAL (labels larger than the owner's
 * label count; a bad owner), NP_ENOSPC, or an np_dns_rrsig_parse() error.
 */
int np_dnssec_signed_data(const uint8_t *rrsig, size_t rrsig_len, const uint8_t *owner,
			  size_t owner_len, uint16_t type, uint16_t rclass,
			  const struct np_dnssec_rdata *rd, size_t n, uint8_t *out, size_t cap);

/*
 * The DS digest input (RFC 4034 §5.1.4): the lowercased owner name, then
 * the DNSKEY rdata.  Returns the length or NP_ENOSPC / NP_EINVAL.
 */
int np_dnssec_ds_input(const uint8_t *owner, size_t owner_len, const uint8_t *dnskey,
		       size_t dnskey_len, uint8_t *out, size_t cap);

/*
 * The first NSEC3 hash input (RFC 5155 §5): the lowercased name in wire
 * form, then the salt.  Each further iteration hashes the previous digest
 * followed by the salt again.  Returns the length or NP_ENOSPC / NP_EINVAL.
 */
int np_nsec3_hash_input(const uint8_t *name, size_t len, const uint8_t *salt, size_t salt_len,
			uint8_t *out, size_t cap);

/*
 * Base32 with the extended hex alphabet (RFC 4648 §7), without padding, as
 * NSEC3 owner labels use it (RFC 5155 §3.3).  encode writes lowercase
 * letters and returns the text length or NP_ENOSPC; decode accepts either
 * case and returns the octet count, or NP_EINVAL (a character outside the
 * alphabet, a length no octet count gives, or nonzero trailing bits) or
 * NP_ENOSPC.
 */
int np_base32hex_encode(const uint8_t *in, size_t len, char *out, size_t cap);
int np_base32hex_decode(const char *in, size_t len, uint8_t *out, size_t cap);

#endif
