/*
 * fuzz-icmp.c: ICMP decoder and the quoted-datagram reader.  Round trip:
 * parse -> build gives the message back byte for byte (the checksum is
 * recomputed, so it is compared by verifying it) and parses to the same
 * view.  Each input is also tried with its checksum made valid, so the
 * fuzzer reaches the type-specific code without guessing the sum.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/buf.h>
#include <netproto/csum.h>
#include <netproto/icmp.h>
#include <netproto/ipv4.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t scratch[NP_IPV4_MAX_LEN];
static uint8_t out[NP_IPV4_MAX_LEN];

static int same_view(const struct np_icmp *a, const struct np_icmp *b)
{
	return a->type == b->type && a->code == b->code && a->id == b->id &&
	       a->seq == b->seq && a->rest == b->rest && a->data_len == b->data_len &&
	       memcmp(a->data, b->data, a->data_len) == 0;
}

/* Whatever the quote reader returns lies inside the message and is consistent. */
static void check_quote(const struct np_icmp *m)
{
	struct np_icmp_quote q;

	if (np_icmp_quote_parse(m, &q) < 0)
		return;
	if (!np_icmp_is_error(m->type) || q.ip.hdr_len + q.ip.payload_len > m->data_len)
		abort();
	if (q.has_ports) {
		if ((q.ip.proto != NP_IPPROTO_TCP && q.ip.proto != NP_IPPROTO_UDP) ||
		    q.ip.frag_off != 0 || q.ip.payload_len < 4 ||
		    q.sport != np_load_be16(q.ip.payload) || q.dport != np_load_be16(q.ip.payload + 2))
			abort();
	}
}

static void fuzz_parse(const uint8_t *data, size_t size)
{
	struct np_icmp a, b;
	int len;

	if (np_icmp_parse(data, size, &a) < 0)
		return;
	len = np_icmp_build(&a, out, sizeof(out));
	if (len < 0 || (size_t)len != size)
		abort();
	if (out[0] != data[0] || out[1] != data[1] || memcmp(out + 4, data + 4, size - 4) != 0)
		abort();
	if (np_icmp_parse(out, (size_t)len, &b) < 0 || !same_view(&a, &b))
		abort();
	check_quote(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parse(data, size);
	if (size >= NP_ICMP_HDR_LEN && size <= sizeof(scratch)) {
		memcpy(scratch, data, size);
		np_store_be16(scratch + 2, 0);
		np_store_be16(scratch + 2, np_csum(scratch, size));
		fuzz_parse(scratch, size);
	}
	return 0;
}
