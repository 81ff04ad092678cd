/*
 * validator.h: DNSSEC validation (RFC 4033, RFC 4034, RFC 4035, RFC 5155,
 * RFC 6840) as a pure module: RRsets, keys and the current time in, a
 * verdict out.  No sockets, no clock, no logging; the caller fetches the
 * DNSKEY/DS RRsets it needs, walks the chain of trust from its anchors and
 * maps the verdict to AD, SERVFAIL and an Extended DNS Error (RFC 8914).
 *
 * Contract:
 * - An RRset (struct val_rrset) holds its records' canonical rdata (RFC 4034
 *   §6.2: names decompressed, lowercased for the types of RFC 4034 §6.2 as
 *   corrected by RFC 6840 §5.1) and the RRSIGs that cover it.
 * - val_verify_rrset() trusts the DNSKEY RRset it is given: the caller
 *   passes keys that val_verify_dnskeys() found secure (or an anchor).
 * - The denial proofs trust the NSEC/NSEC3 records they are given: the
 *   caller verifies each NSEC/NSEC3 RRset with val_verify_rrset() first
 *   (RFC 4035 §5.4, RFC 5155 §8.1) and passes only secure ones.
 * - Every function charges its work to a struct val_budget shared by one
 *   client query; when a cap is reached the verdict is VAL_BUDGET (answer
 *   SERVFAIL), distinct from VAL_BOGUS.
 *
 * Design choices:
 * - Algorithms: RSASHA256 (8), RSASHA512 (10), ECDSAP256SHA256 (13),
 *   ECDSAP384SHA384 (14), ED25519 (15), ED448 (16); DS digests SHA-256 (2)
 *   and SHA-384 (4).  RSASHA1 (5, 7) and the SHA-1 DS digest (1) are
 *   treated as unsupported, so zones that use only them are insecure, not
 *   bogus (RFC 4035 §5.2).  This departs from RFC 8624 §3.1, which still
 *   lists RSASHA1 as MUST for validation: SHA-1 signatures can be forged
 *   with a chosen-prefix collision ("SHA-1 is a Shambles", Leurent and
 *   Peyrin, 2020), and operating systems already refuse them (RHEL 9's
 *   DEFAULT crypto policy), so such zones are insecure for many validators
 *   today; treating them so here is the documented, predictable choice.
 * - NSEC3 iterations above VAL_NSEC3_MAX_ITERATIONS (150, Unbound's
 *   val-nsec3-keysize-iterations default "1024 150 2048 150 4096 150")
 *   make a denial insecure with EDE 27, as RFC 9276 §3.2 allows
 *   ("Validating resolvers MAY return an insecure response ... with
 *   iterations larger than 0") and §3.3 asks for the EDE; the NSEC3
 *   records' signatures are still checked first (RFC 9276 §3.2, by the
 *   caller, see above).  No hashing is done for such records.
 * - Budgets against KeyTrap (CVE-2023-50387) and the NSEC3 attack
 *   (CVE-2023-50868), per client query, from Unbound 1.19.1 and later:
 *   VAL_MAX_VERIFIES 32 signature verifications (val-validation-attempts,
 *   default 32), VAL_MAX_HASHES 32 NSEC3 name hashes (val-hash-attempts,
 *   default 32; Unbound 1.19.1 did MAX_NSEC3_CALCULATIONS 8 per run),
 *   VAL_MAX_COLLISIONS 4 keys tried for one key tag and algorithm, or DS
 *   digests that match no key (MAX_DS_MATCH_FAILURES 4), and
 *   VAL_MAX_RRSIGS 8 RRSIGs tried per RRset (MAX_VALIDATE_RRSIGS 8; more
 *   are ignored).
 */
#ifndef NP_DNSD_VALIDATOR_H
#define NP_DNSD_VALIDATOR_H

#include <stddef.h>
#include <stdint.h>

#include <netproto/dns.h>
#include <netproto/dnssec.h>

#define VAL_RRSET_MAX 64              /* records kept per RRset */
#define VAL_MAX_RRSIGS 8
#define VAL_STORE_MAX 65536           /* canonical rdata octets per RRset */
#define VAL_MAX_VERIFIES 32
#define VAL_MAX_HASHES 32
#define VAL_MAX_COLLISIONS 4
#define VAL_NSEC3_MAX_ITERATIONS 150

/* Extended DNS Error codes (RFC 8914 §4, RFC 9276 §3.3). */
enum val_ede {
	VAL_EDE_NONE = -1,
	VAL_EDE_UNSUPPORTED_ALG = 1,
	VAL_EDE_UNSUPPORTED_DIGEST = 2,
	VAL_EDE_BOGUS = 6,
	VAL_EDE_SIG_EXPIRED = 7,
	VAL_EDE_SIG_NOT_YET_VALID = 8,
	VAL_EDE_DNSKEY_MISSING = 9,
	VAL_EDE_RRSIGS_MISSING = 10,
	VAL_EDE_NO_ZONE_KEY_BIT = 11,
	VAL_EDE_NSEC_MISSING = 12,
	VAL_EDE_NSEC3_ITERATIONS = 27,
};

enum val_status {
	VAL_SECURE,                       /* signed and verified / proof holds */
	VAL_INSECURE,                     /* provably unsigned (or unsupported, or opt-out) */
	VAL_BOGUS,                        /* should be signed but does not verify: SERVFAIL */
	VAL_BUDGET,                       /* a work cap was reached: SERVFAIL */
};

struct val_result {
	enum val_status status;
	enum val_ede ede;
	uint32_t ttl;                     /* RFC 4035 §5.3.3: capped by original TTL and expiration */
	int wildcard_labels;              /* RRSIG labels of a wildcard expansion, else -1 */
};

/* Work done for one client query, against the caps. */
struct val_budget {
	unsigned verifies, max_verifies;
	unsigned hashes, max_hashes;
	unsigned max_collisions;
};

/* The caps above, counters at zero. */
void val_budget_init(struct val_budget *b);

struct val_rrset {
	uint8_t owner[NP_DNS_NAME_MAX];
	size_t owner_len;
	uint16_t type, rclass;
	uint32_t ttl;                     /* the smallest TTL of its records */
	size_t n, nsig;
	struct np_dnssec_rdata rd[VAL_RRSET_MAX];   /* canonical, sorted, no duplicates */
	struct np_dnssec_rdata sig[VAL_MAX_RRSIGS]; /* RRSIG rdata covering it */
	size_t used;
	uint8_t store[VAL_STORE_MAX];
};

/* An empty RRset (owner, type, class IN). */
void val_rrset_init(struct val_rrset *s, const uint8_t *owner, size_t len, uint16_t type);
/*
 * Add a record whose rdata is msg[off, off + rdlength) (a whole message, for
 * compressed names; or msg = the rdata and off = 0).  Returns 0, NP_ECOUNT
 * (more than VAL_RRSET_MAX records), NP_ENOSPC or a canonical-form error.
 */
int val_rrset_add(struct val_rrset *s, const uint8_t *msg, size_t msglen, size_t off,
		  uint16_t rdlength, uint32_t ttl);
/* Add RRSIG rdata covering the set; beyond VAL_MAX_RRSIGS they are ignored. */
int val_rrset_add_sig(struct val_rrset *s, const uint8_t *rdata, size_t len);
/*
 * The RRset (owner, type) of section sec of msg with its RRSIGs: 0, or
 * NP_ENOTFOUND when it has no record of that type there, or an error above.
 */
int val_rrset_from_msg(struct val_rrset *s, const struct np_dns_msg *msg,
		       enum np_dns_section sec, const uint8_t *owner, size_t len, uint16_t type);

/*
 * Verify set with the (trusted) DNSKEY RRset keys, whose owner is the
 * signer: secure when one RRSIG of a supported algorithm, within its
 * validity window at now (RFC 4034 §3.1.5, serial arithmetic of RFC 1982),
 * for a key with the zone bit and protocol 3 of the same tag and algorithm,
 * verifies (RFC 4035 §5.3).  Otherwise bogus with the EDE of the most
 * telling failure (an RRSIG of an unsupported algorithm under trusted keys
 * is bogus, EDE 1: only the DS RRset can make a zone insecure).
 */
struct val_result val_verify_rrset(const struct val_rrset *set, const struct val_rrset *keys,
				   uint32_t now, struct val_budget *b);

/*
 * Validate a zone's DNSKEY RRset (RFC 4035 §5.2) against its DS RRset
 * (from the verified parent, or a DS trust anchor) and/or trust-anchor
 * DNSKEY rdata (anchor_keys, may be NULL): secure when a key matched by
 * a DS of a supported digest and algorithm, or equal to an anchor key,
 * signs the RRset.  Insecure when no DS has a supported algorithm (EDE 1)
 * or digest (EDE 2), RFC 4035 §5.2 and RFC 6840 §5.2.
 */
struct val_result val_verify_dnskeys(const struct val_rrset *keys, const struct val_rrset *ds,
				     const struct val_rrset *anchor_keys, uint32_t now,
				     struct val_budget *b);

/* One verified NSEC or NSEC3 record for the denial proofs. */
struct val_nsec {
	const uint8_t *owner;
	size_t owner_len;
	uint16_t type;                    /* NSEC or NSEC3 */
	const uint8_t *rdata;
	size_t rdlength;
};

/*
 * Denial of existence.  zone is the signer of the records (NSEC3 owners
 * are hash labels below it).  Each proof is secure when it holds, insecure
 * for opt-out (RFC 5155 §6, §8.6) or too many NSEC3 iterations, bogus with
 * EDE 12 (NSEC Missing) when it does not hold; VAL_BUDGET when hashing
 * would exceed the budget.
 */
/* NXDOMAIN: qname and the wildcard at its closest encloser do not exist
 * (RFC 4035 §5.4, RFC 5155 §8.4). */
struct val_result val_prove_nxdomain(const uint8_t *zone, size_t zlen, const uint8_t *qname,
				     size_t qlen, const struct val_nsec *rr, size_t n,
				     struct val_budget *b);
/* NODATA: qname exists without qtype (or CNAME), or only a wildcard without
 * it matches (RFC 4035 §5.4, RFC 5155 §8.5, §8.7); for DS also an opt-out
 * span (§8.6, insecure). */
struct val_result val_prove_nodata(const uint8_t *zone, size_t zlen, const uint8_t *qname,
				   size_t qlen, uint16_t qtype, const struct val_nsec *rr,
				   size_t n, struct val_budget *b);
/* A wildcard expansion (RRSIG labels < owner labels): no closer name
 * exists (RFC 4035 §5.3.4, RFC 5155 §8.8). */
struct val_result val_prove_wildcard(const uint8_t *zone, size_t zlen, const uint8_t *qname,
				     size_t qlen, int labels, const struct val_nsec *rr,
				     size_t n, struct val_budget *b);
/* An insecure delegation: name has NS but no DS and is not an apex, or an
 * opt-out span covers it (RFC 4035 §5.2, RFC 5155 §8.6).  VAL_INSECURE
 * when proven, VAL_BOGUS otherwise. */
struct val_result val_prove_no_ds(const uint8_t *zone, size_t zlen, const uint8_t *name,
				  size_t len, const struct val_nsec *rr, size_t n,
				  struct val_budget *b);

/* The NSEC/NSEC3 records of a section of msg (up to max): their count. */
size_t val_nsec_from_msg(const struct np_dns_msg *msg, enum np_dns_section sec,
			 struct val_nsec *out, uint8_t (*owners)[NP_DNS_NAME_MAX], size_t max);

/*
 * A trust anchor line (". IN DS 20326 8 2 E06D..." or ". IN DNSKEY 257 3 8
 * AwEAA...", the formats of /usr/share/dns/root.ds and root.key), parsed by
 * dns_rr_text_parse() and added to ds or keys, which are initialised with
 * the anchor's zone (val_rrset_init()).  Returns 0, NP_ENOTFOUND for a line
 * whose owner is another zone or a blank/comment line, NP_EINVAL with a
 * reason in err for a bad line, or a val_rrset_add() error.
 */
int val_anchor_add_line(struct val_rrset *ds, struct val_rrset *keys, const char *line,
			char *err, size_t errlen);

/* Short names for logs and statistics. */
const char *val_status_name(enum val_status s);

#endif
