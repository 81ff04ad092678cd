/*
 * fuzz-ipv4.c: IPv4 header decoder, strict and quoted.  Round trip:
 * parse -> build gives the datagram back byte for byte (the checksum is
 * recomputed, so it is compared by verifying it), and parses to the same
 * view.  Each input is also tried with its header checksum made valid, so
 * the fuzzer gets past the checksum without having to guess it.  The
 * address text helpers must round-trip too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/buf.h>
#include <netproto/csum.h>
#include <netproto/ipv4.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t scratch[NP_IPV4_MAX_LEN + 64];
static uint8_t out[NP_IPV4_MAX_LEN];

static int same_view(const struct np_ipv4 *a, const struct np_ipv4 *b)
{
	return a->tos == b->tos && a->id == b->id && a->flags == b->flags &&
	       a->frag_off == b->frag_off && a->ttl == b->ttl && a->proto == b->proto &&
	       a->src == b->src && a->dst == b->dst && a->hdr_len == b->hdr_len &&
	       a->opts_len == b->opts_len && a->payload_len == b->payload_len &&
	       memcmp(a->opts, b->opts, a->opts_len) == 0 &&
	       memcmp(a->payload, b->payload, a->payload_len) == 0;
}

/* Build what was parsed; the result must parse strictly to the same view. */
static void check_round_trip(const struct np_ipv4 *a, const uint8_t *orig)
{
	struct np_ipv4 b;
	int len = np_ipv4_build(a, out, sizeof(out));

	if (len < 0 || (size_t)len != a->hdr_len + a->payload_len)
		abort();
	if (np_ipv4_parse(out, (size_t)len, &b) < 0 || !same_view(a, &b))
		abort();
	/* Every byte but the checksum is the original's (0x0000 and 0xffff both verify). */
	if (orig && (memcmp(out, orig, 10) != 0 || memcmp(out + 12, orig + 12, (size_t)len - 12) != 0))
		abort();
}

static void fuzz_strict(const uint8_t *data, size_t size)
{
	struct np_ipv4 a;

	if (np_ipv4_parse(data, size, &a) < 0)
		return;
	if (a.total_len > size || a.hdr_len + a.payload_len != a.total_len)
		abort();
	check_round_trip(&a, data);
}

/* The same input with a valid header checksum, when the header is there. */
static void fuzz_fixed_csum(const uint8_t *data, size_t size)
{
	size_t hdr_len;

	if (size < NP_IPV4_HDR_LEN || size > sizeof(scratch))
		return;
	hdr_len = (size_t)(data[0] & 0x0f) * 4;
	if (hdr_len < NP_IPV4_HDR_LEN || hdr_len > size)
		return;
	memcpy(scratch, data, size);
	np_store_be16(scratch + 10, 0);
	np_store_be16(scratch + 10, np_csum(scratch, hdr_len));
	fuzz_strict(scratch, size);
}

static void fuzz_quoted(const uint8_t *data, size_t size)
{
	struct np_ipv4 a;

	if (np_ipv4_parse_quoted(data, size, &a) < 0)
		return;
	if (a.payload_len > size - a.hdr_len || a.hdr_len + a.payload_len > a.total_len)
		abort();
	/* Rebuilt, the quote is a whole datagram of what was quoted. */
	check_round_trip(&a, NULL);
}

static void fuzz_addr_text(const uint8_t *data, size_t size)
{
	char text[NP_IPV4_ADDR_TEXT_LEN], in[32];
	uint32_t addr, back;
	size_t n = size < sizeof(in) - 1 ? size : sizeof(in) - 1;

	if (size >= 4) {
		addr = np_load_be32(data);
		np_ipv4_addr_to_text(addr, text);
		if (np_ipv4_addr_parse(text, &back) < 0 || back != addr)
			abort();
	}
	/* Text that parses is canonical: printing it gives the same string. */
	memcpy(in, data, n);
	in[n] = '\0';
	if (np_ipv4_addr_parse(in, &addr) == 0) {
		np_ipv4_addr_to_text(addr, text);
		if (strcmp(text, in) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_strict(data, size);
	fuzz_fixed_csum(data, size);
	fuzz_quoted(data, size);
	fuzz_addr_text(data, size);
	return 0;
}
