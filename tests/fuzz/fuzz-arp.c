/*
 * fuzz-arp.c: ARP decoder.  Every field is fixed-size, so the round trip
 * parse -> build must give back the first 28 input bytes exactly, and
 * parsing those must give the same view.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/arp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int arp_equal(const struct np_arp *a, const struct np_arp *b)
{
	return a->op == b->op && a->spa == b->spa && a->tpa == b->tpa &&
	       memcmp(a->sha, b->sha, sizeof(a->sha)) == 0 &&
	       memcmp(a->tha, b->tha, sizeof(a->tha)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[NP_ARP_LEN];
	struct np_arp a, b, rep;

	if (np_arp_parse(data, size, &a) < 0)
		return 0;
	if (size < NP_ARP_LEN)
		abort();
	if (np_arp_build(&a, out, sizeof(out)) != NP_ARP_LEN)
		abort();
	if (memcmp(out, data, NP_ARP_LEN) != 0)
		abort();
	if (np_arp_parse(out, sizeof(out), &b) < 0 || !arp_equal(&a, &b))
		abort();
	/* A probe is never an announcement. */
	if (np_arp_is_probe(&a) && np_arp_is_announcement(&a))
		abort();
	/* Answering a request, then answering the answer's mirror, gives the request back. */
	if (np_arp_reply_from_request(&a, a.tha, &rep) == 0) {
		if (rep.op != NP_ARP_OP_REPLY || rep.spa != a.tpa || rep.tpa != a.spa ||
		    memcmp(rep.tha, a.sha, sizeof(a.sha)) != 0)
			abort();
		rep.op = NP_ARP_OP_REQUEST;
		if (np_arp_reply_from_request(&rep, a.sha, &b) < 0)
			abort();
		b.op = NP_ARP_OP_REQUEST;
		if (!arp_equal(&a, &b))
			abort();
	} else if (a.op == NP_ARP_OP_REQUEST) {
		abort();
	}
	return 0;
}
