/*
 * val-chain.h: the DNSSEC validation driver, pure: one upstream answer in,
 * the DS/DNSKEY questions its chain of trust needs out, one at a time, and
 * finally the verdict for the answer (RFC 4033 §5, RFC 4035 §5).  It drives
 * the validator core (validator.h) and keeps the DNSKEY/DS RRsets it
 * validated, and the zone cuts it proved insecure, in a small key cache
 * (struct vc_keycache) shared by all answers.  No sockets, no clock: the
 * caller passes the time, sends each question upstream (RD, EDNS0 with DO,
 * and CD so that the upstream's own validation cannot hide the records,
 * RFC 4035 §3.2.2) and feeds the reply back; NULL for a timeout or an
 * upstream error.
 *
 *   vc_start(run, answer)  -> VC_QUERY "DS net." (send it)
 *   vc_resume(run, reply)  -> VC_QUERY "DNSKEY net." ...
 *   vc_resume(run, reply)  -> VC_DONE, the verdict
 *
 * The chain of trust (RFC 4035 §5.1): from the closest trust anchor above
 * a name down to the signer of each RRSIG, one label at a time, as
 * Unbound's validator does (val_find_DS / processFindKey): the DS RRset of
 * the next label below the last zone with secure keys, from the parent
 * (validated with the parent's keys), then that zone's DNSKEY RRset
 * (validated against the DS, val_verify_dnskeys()).  A DS denial proves
 * either an insecure delegation (RFC 4035 §5.2: the NSEC/NSEC3 at the cut
 * has NS and no DS; or an opt-out span, RFC 5155 §8.6) - everything below
 * is insecure - or that the label is no zone cut (the walk goes on with
 * the same keys).  A DS RRset whose algorithms or digests none are
 * supported makes the zone insecure (RFC 4035 §5.2, RFC 6840 §5.2).
 *
 * What is validated in an answer: the RRset of the question and the CNAME
 * chain leading to it in the answer section, each with the keys of its own
 * signer (a CNAME from a secure zone into an insecure one leaves the
 * target insecure, and so the whole answer); a wildcard expansion with the
 * NSEC/NSEC3 proof of the authority section (RFC 4035 §5.3.4); for NXDOMAIN
 * and NODATA, the SOA and NSEC/NSEC3 RRsets of the authority section and
 * the denial proof for the last name of the chain (RFC 4035 §5.4, RFC 5155
 * §8).  An unsigned RRset is insecure only when its name is proven to lie
 * under an insecure delegation; in a secure zone it is bogus (EDE 10).
 * Other records (the NS RRset and glue of a positive answer, the
 * additional section) are not validated: the caller must not present them
 * as authenticated.
 *
 * Verdicts: VC_SECURE (AD may be set), VC_INSECURE, VC_BOGUS with its RFC
 * 8914 code (SERVFAIL; the caller may cache the bogus answer for
 * verdict.ttl seconds), VC_SERVFAIL when the work could not be finished:
 * the validator's budget (KeyTrap, struct val_budget, shared by every
 * sub-step of one client query), the sub-query limit, or an upstream that
 * did not answer a DS/DNSKEY question.
 *
 * Limits, from Unbound:
 * - VC_MAX_FETCHES 32 DS/DNSKEY questions per answer: 16 zone cuts.
 *   Unbound's iterator caps "targets spawned for a query and its
 *   subqueries" at MAX_TARGET_COUNT 64 (iterator/iterator.h) and its
 *   validator suspends at most MAX_VALIDATION_SUSPENDS 16 times
 *   (validator/validator.c, 1.19.1); a forwarder's chain needs two
 *   questions per zone cut, a label walk at most one per label.
 * - VC_MAX_CNAMES 8 CNAME links in one answer (Unbound's MAX_RESTART_COUNT
 *   8, iterator/iterator.h: "Determines max number of CNAME chain").
 * - VC_BOGUS_TTL 60: a zone whose DS or DNSKEY failed is bogus for 60
 *   seconds in the key cache, and a bogus answer may be cached as long
 *   (Unbound's BOGUS_KEY_TTL 60 and val-bogus-ttl default 60).
 */
#ifndef NP_DNSD_VAL_CHAIN_H
#define NP_DNSD_VAL_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include <netproto/dns.h>

#include "validator.h"

#define VC_MAX_FETCHES 32
#define VC_MAX_CNAMES 8
#define VC_MAX_ITEMS 24               /* RRsets of one answer validated */
#define VC_MAX_NSEC 32                /* NSEC/NSEC3 records used by the proofs */
#define VC_BOGUS_TTL 60
#define VC_KEY_MAX_TTL 86400          /* key cache entries (Unbound's cache-max-ttl) */
#define VC_MAX_ANCHORS 64
#define VC_MAX_NTAS 256

/* RFC 8914 §4.23: no DS/DNSKEY answer came back from upstream. */
#define VC_EDE_NETWORK_ERROR 23

enum vc_status {
	VC_SECURE,
	VC_INSECURE,
	VC_BOGUS,
	VC_SERVFAIL,                      /* budget, sub-query limit, upstream failure */
};

struct vc_verdict {
	enum vc_status status;
	int ede;                          /* RFC 8914 code, -1 for none */
	/*
	 * Secure: the longest the answer may be kept as secure (RFC 4035
	 * §5.3.3, the smallest of its RRsets'); bogus: retry after this many
	 * seconds; otherwise 0 (no bound from validation).
	 */
	uint32_t ttl;
	const char *why;                  /* short text for logs */
};

/* ---- Trust anchors and negative trust anchors ---------------------------- */

struct vc_trust;

struct vc_trust *vc_trust_new(void);
void vc_trust_free(struct vc_trust *t);
/*
 * A DS or DNSKEY line (". IN DS 20326 8 2 E06D...", the formats of
 * /usr/share/dns/root.ds and root.key), for any zone.  Returns 0,
 * NP_ENOTFOUND for a blank or comment line, NP_ECOUNT (more than
 * VC_MAX_ANCHORS zones), or NP_EINVAL with the reason in err.
 */
int vc_trust_add_line(struct vc_trust *t, const char *line, char *err, size_t errlen);
/* The built-in root anchors (the two root KSKs as DS, see val-chain.c). */
int vc_trust_add_builtin(struct vc_trust *t);
/* A negative trust anchor (RFC 7646): name and everything below is insecure. */
int vc_trust_add_nta(struct vc_trust *t, const uint8_t *name, size_t len);
/* Anchored zones and negative trust anchors. */
size_t vc_trust_anchors(const struct vc_trust *t);
size_t vc_trust_ntas(const struct vc_trust *t);
/* The i-th anchored zone's name (wire form), its DS and DNSKEY counts. */
const uint8_t *vc_trust_anchor(const struct vc_trust *t, size_t i, size_t *len, size_t *nds,
			       size_t *nkeys);
/* True when a negative trust anchor covers name. */
int vc_trust_nta_covers(const struct vc_trust *t, const uint8_t *name, size_t len);

/* ---- The key cache ---------------------------------------------------------- */

struct vc_keycache;

/* At most max entries (one per zone cut or name walked); the oldest go first. */
struct vc_keycache *vc_keycache_new(size_t max);
void vc_keycache_free(struct vc_keycache *kc);
/* Entries held, expired ones included until they are replaced. */
size_t vc_keycache_count(const struct vc_keycache *kc);
/* Forget everything (new trust anchors on reload). */
void vc_keycache_clear(struct vc_keycache *kc);

/* ---- One answer ------------------------------------------------------------- */

enum vc_action_kind {
	VC_QUERY,                         /* ask upstream (name, qtype), then vc_resume() */
	VC_DONE,                          /* verdict is final */
};

struct vc_action {
	enum vc_action_kind kind;
	uint8_t name[NP_DNS_NAME_MAX];
	size_t name_len;
	uint16_t qtype;                   /* NP_DNS_TYPE_DS or NP_DNS_TYPE_DNSKEY */
	struct vc_verdict verdict;
};

struct vc_run;

/* A run bound to the anchors and the key cache (both outlive it); NULL: no memory. */
struct vc_run *vc_run_new(const struct vc_trust *t, struct vc_keycache *kc);
void vc_run_free(struct vc_run *r);
/*
 * Start validating answer (the upstream's reply to the client's question,
 * as received; copied).  b is the budget of the client query, shared with
 * every other step taken for it.  Fills out with the first action.
 */
void vc_start(struct vc_run *r, const uint8_t *answer, size_t len, uint32_t now,
	      struct val_budget *b, struct vc_action *out);
/* The reply to the last VC_QUERY (NULL, 0 when none came); fills out. */
void vc_resume(struct vc_run *r, const uint8_t *reply, size_t len, uint32_t now,
	       struct vc_action *out);
/* Lower the sub-query limit of this run (default VC_MAX_FETCHES; never above it). */
void vc_run_limit(struct vc_run *r, unsigned max_fetches);
/* DS/DNSKEY questions asked so far by this run. */
unsigned vc_run_fetches(const struct vc_run *r);

const char *vc_status_name(enum vc_status s);

#endif
