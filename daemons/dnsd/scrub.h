/*
 * scrub.h: which records of an upstream answer np-dnsd believes ("trust
 * follows authority": RFC 2181 §5.4.1 ranking, Unbound's scrubber).
 *
 * An answer to QNAME came from the servers of one upstream set Z (a
 * forward_zones entry, or the default upstreams for "."). Those servers
 * speak only for the names whose responsible set is Z: not for names under
 * a more specific forward zone, not for the local zone (nor the reverse
 * names it owns), not for another zone's names. So of the answer:
 *
 *   - the answer section keeps the records owned by QNAME and by the names
 *     of its CNAME chain while each name is still Z's; the first CNAME
 *     target that is not Z's ends the chain (DNS_SCRUB_EXIT): what the
 *     answer says about it and beyond is dropped, and the caller looks the
 *     target up on its own (with the servers, or the local zone,
 *     responsible for it), as Unbound does;
 *   - records not on the chain are dropped;
 *   - authority and additional records are kept only for names that are
 *     Z's, and none at all after an EXIT (they describe the target);
 *   - names are lowercased (RFC 4343): with 0x20, compression pointers
 *     into the question would otherwise carry the query's random case into
 *     the data;
 *   - after an EXIT the rcode is NOERROR: the upstream's NXDOMAIN would be
 *     about the target (RFC 6604 §2), which it does not speak for;
 *   - a chain that comes back to one of its names (DNS_SCRUB_LOOP) or is
 *     longer than DNS_SCRUB_MAX_CHAIN CNAMEs (DNS_SCRUB_TOO_LONG) is an
 *     answer nobody can use: the caller answers SERVFAIL (as Unbound does).
 *
 * The result is a new message, so everything downstream (the cache, the
 * copy relayed to clients) sees only believed data.  Pure: no sockets, no
 * clock, no heap, no logging.
 */
#ifndef NP_DNSD_SCRUB_H
#define NP_DNSD_SCRUB_H

#include <stddef.h>
#include <stdint.h>

#include <netproto/dns.h>

/* CNAMEs followed for one client question, over every restart (Unbound: 11). */
#define DNS_SCRUB_MAX_CHAIN 16
/* zone_of() for the names the local zone owns. */
#define DNS_SCRUB_LOCAL (-1)

struct dns_scrub_authority {
	/* The upstream set responsible for name (an index), or DNS_SCRUB_LOCAL. */
	int (*zone_of)(void *arg, const uint8_t *name, size_t len);
	void *arg;
	int asked;                      /* the set whose server answered */
};

enum dns_scrub_end {
	DNS_SCRUB_COMPLETE = 0,         /* the chain ends inside the asked set's names */
	DNS_SCRUB_EXIT,                 /* a CNAME leads out: look its target up on its own */
	DNS_SCRUB_LOOP,                 /* a CNAME loop: SERVFAIL */
	DNS_SCRUB_TOO_LONG,             /* more than DNS_SCRUB_MAX_CHAIN CNAMEs: SERVFAIL */
};

/* One CNAME of the chain kept. */
struct dns_scrub_link {
	uint8_t owner[NP_DNS_NAME_MAX], target[NP_DNS_NAME_MAX];
	uint8_t owner_len, target_len;
	uint32_t ttl;
};

struct dns_scrub {
	enum dns_scrub_end end;
	unsigned nlinks;                /* CNAMEs kept, in chain order */
	struct dns_scrub_link links[DNS_SCRUB_MAX_CHAIN];
	const uint8_t *target;          /* EXIT: links[nlinks - 1].target */
	size_t target_len;
	unsigned dropped;               /* records removed */
	struct np_dns_msg msg;          /* the scrubbed answer, in the caller's buffer */
};

/*
 * Scrub resp, the answer to (qname, qtype) from a server of set a->asked,
 * into buf[cap] (NP_DNS_MSG_MAX suffices) and out->msg.  QNAME itself is
 * believed (the set was chosen for it).  qtype CNAME and ANY do not follow
 * CNAMEs (RFC 1034 §3.6.2).  Returns 0 or a negative NP_E* code (resp
 * malformed in a way the parser let through; the caller treats the answer
 * as unusable).
 */
int dns_scrub_answer(const struct np_dns_msg *resp, const uint8_t *qname, size_t qlen,
		     uint16_t qtype, const struct dns_scrub_authority *a, uint8_t *buf,
		     size_t cap, struct dns_scrub *out);

#endif
