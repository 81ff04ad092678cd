/*
 * fuzz-dnsd-valchain.c: np-dnsd's DNSSEC validation driver fed untrusted
 * messages: the answer to validate and the replies to every DS/DNSKEY
 * question it asks.
 *
 * Input: a sequence of (2-octet length L, L octets) messages; the first is
 * the answer, each next one the reply to the driver's next question (a
 * zero length stands for a timeout).  The trust anchor is the root of the
 * test hierarchy (tests/data/dnssec-hier-root.ds) and the built-in root
 * anchors; one key cache is shared by all inputs, as in the daemon.
 * Properties (abort on violation), beyond never crashing or leaking:
 *   - the driver ends: at most VC_MAX_FETCHES questions, each for DS or
 *     DNSKEY, then a verdict among the four;
 *   - the work stays within the budget (KeyTrap);
 *   - a bogus verdict carries an EDE and the retry time VC_BOGUS_TTL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/buf.h>
#include <netproto/dns.h>

#include "val-chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1767225600u

static const char root_ds[] =
	". 3600 IN DS 57072 13 2 a84901c3b818b85439483df63f037398fcba87ff185ecee2dac22304fdd72730";

static void check(int ok)
{
	if (!ok)
		abort();
}

/* The next (length, message) of the input; 0 at its end. */
static int next(const uint8_t **p, size_t *left, const uint8_t **msg, size_t *len)
{
	if (*left < 2)
		return 0;
	*len = np_load_be16(*p);
	*p += 2;
	*left -= 2;
	if (*len > *left)
		*len = *left;
	*msg = *p;
	*p += *len;
	*left -= *len;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vc_trust *t;
	static struct vc_keycache *kc;
	static struct vc_run *r;
	struct val_budget b;
	struct vc_action a;
	const uint8_t *msg;
	size_t len;
	unsigned questions = 0;

	if (!t) {
		char err[128];

		t = vc_trust_new();
		kc = vc_keycache_new(64);
		r = vc_run_new(t, kc);
		check(t && kc && r);
		check(vc_trust_add_line(t, root_ds, err, sizeof(err)) == 0);
		check(vc_trust_add_builtin(t) == 0);
	}
	if (!next(&data, &size, &msg, &len))
		return 0;
	val_budget_init(&b);
	vc_start(r, msg, len, NOW, &b, &a);
	while (a.kind == VC_QUERY) {
		check(++questions <= VC_MAX_FETCHES);
		check(a.qtype == NP_DNS_TYPE_DS || a.qtype == NP_DNS_TYPE_DNSKEY);
		check(np_dns_name_check(a.name, a.name_len) == 0);
		if (!next(&data, &size, &msg, &len) || len == 0)
			vc_resume(r, NULL, 0, NOW, &a);
		else
			vc_resume(r, msg, len, NOW, &a);
	}
	check(a.kind == VC_DONE);
	check(a.verdict.status <= VC_SERVFAIL);
	check(b.verifies <= b.max_verifies && b.hashes <= b.max_hashes);
	if (a.verdict.status == VC_BOGUS)
		check(a.verdict.ede >= 0 && a.verdict.ttl == VC_BOGUS_TTL);
	check(vc_run_fetches(r) == questions);
	return 0;
}
