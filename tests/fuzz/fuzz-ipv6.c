/*
 * fuzz-ipv6.c: IPv6 header and extension-header walk, strict and quoted,
 * the hop-by-hop/destination option iterator, and address text.  Round
 * trip: parse -> build gives the packet back byte for byte and parses to
 * the same view; text that parses prints canonically and parses back to
 * the same address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/buf.h>
#include <netproto/ipv6.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[NP_IPV6_HDR_LEN + NP_IPV6_MAX_PAYLOAD];

static int same_view(const struct np_ipv6 *a, const struct np_ipv6 *b)
{
	size_t i;

	if (a->tclass != b->tclass || a->flow != b->flow || a->next != b->next ||
	    a->hop_limit != b->hop_limit || memcmp(a->src, b->src, 16) || memcmp(a->dst, b->dst, 16) ||
	    a->ext_count != b->ext_count || a->ext_len != b->ext_len || a->has_frag != b->has_frag ||
	    a->upper != b->upper || a->payload_len != b->payload_len ||
	    memcmp(a->payload, b->payload, a->payload_len))
		return 0;
	if (a->has_frag && (a->frag.offset != b->frag.offset || a->frag.more != b->frag.more ||
			    a->frag.id != b->frag.id || a->frag.next != b->frag.next))
		return 0;
	for (i = 0; i < a->ext_count; i++)
		if (a->ext[i].type != b->ext[i].type || a->ext[i].len != b->ext[i].len ||
		    memcmp(a->ext[i].data, b->ext[i].data, a->ext[i].len))
			return 0;
	return 1;
}

/* Every option lies inside its header, and the iteration ends. */
static void check_options(const struct np_ipv6 *ip)
{
	struct np_ipv6_opt o;
	uint8_t rtype, left;
	size_t i, pos;
	int n, ret;

	for (i = 0; i < ip->ext_count; i++) {
		np_ipv6_routing(&ip->ext[i], &rtype, &left);
		pos = 0;
		for (n = 0; (ret = np_ipv6_opt_next(&ip->ext[i], &pos, &o)) > 0; n++) {
			if (n > 2048 || pos > ip->ext[i].len)
				abort();
			if (o.data && (o.data < ip->ext[i].data ||
				       o.data + o.len > ip->ext[i].data + ip->ext[i].len))
				abort();
		}
	}
}

static void check_round_trip(const struct np_ipv6 *a, const uint8_t *orig)
{
	struct np_ipv6 b;
	int len = np_ipv6_build(a, out, sizeof(out));

	if (len < 0 || (size_t)len != NP_IPV6_HDR_LEN + a->ext_len + a->payload_len)
		abort();
	if (np_ipv6_parse(out, (size_t)len, &b) < 0 || !same_view(a, &b))
		abort();
	if (orig && memcmp(out, orig, (size_t)len) != 0)
		abort();
}

static void fuzz_strict(const uint8_t *data, size_t size)
{
	struct np_ipv6 a;

	if (np_ipv6_parse(data, size, &a) < 0)
		return;
	if (NP_IPV6_HDR_LEN + (size_t)a.plen > size ||
	    a.ext_len + a.payload_len != a.plen || a.ext_count > NP_IPV6_MAX_EXT_HDRS ||
	    a.ext_len > NP_IPV6_MAX_EXT_LEN)
		abort();
	check_options(&a);
	check_round_trip(&a, data);
}

static void fuzz_quoted(const uint8_t *data, size_t size)
{
	struct np_ipv6 a;

	if (np_ipv6_parse_quoted(data, size, &a) < 0)
		return;
	if (NP_IPV6_HDR_LEN + a.ext_len + a.payload_len > size)
		abort();
	check_options(&a);
	/* Rebuilt, the quote is a whole packet of what was quoted. */
	check_round_trip(&a, NULL);
}

static void fuzz_addr_text(const uint8_t *data, size_t size)
{
	char text[NP_IPV6_ADDR_TEXT_LEN], again[NP_IPV6_ADDR_TEXT_LEN], in[64];
	uint8_t addr[16], back[16];
	size_t n = size < sizeof(in) - 1 ? size : sizeof(in) - 1;

	if (size >= 16) {
		memcpy(addr, data, 16);
		if (np_ipv6_addr_to_text(addr, text) >= NP_IPV6_ADDR_TEXT_LEN)
			abort();
		if (np_ipv6_addr_parse(text, back) < 0 || memcmp(addr, back, 16))
			abort();
	}
	memcpy(in, data, n);
	in[n] = '\0';
	if (np_ipv6_addr_parse(in, addr) == 0) {
		/* Canonical text is a fixed point. */
		np_ipv6_addr_to_text(addr, text);
		if (np_ipv6_addr_parse(text, back) < 0 || memcmp(addr, back, 16))
			abort();
		np_ipv6_addr_to_text(back, again);
		if (strcmp(text, again) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_strict(data, size);
	fuzz_quoted(data, size);
	fuzz_addr_text(data, size);
	return 0;
}
