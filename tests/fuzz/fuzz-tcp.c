/*
 * fuzz-tcp.c: TCP decoder.  The input is the IPv4 source and destination
 * (4 octets each, network order) then the segment.  Properties: the
 * checked parse fails only where the unchecked one does or on the
 * checksum; a segment rebuilt with its raw options is the same bytes
 * (checksum aside when it did not verify); a segment rebuilt with the
 * Linux option layout parses back to the same fields and options, or the
 * build refuses it for a reason the contract names; a segment rebuilt with
 * its options listed in the order they came gives the same option octets
 * up to the first EOL, then zero padding; the lax option parse
 * (NP_TCP_PARSE_LAX_OPTS) never fails on options and, where the strict
 * parse succeeds, gives the same segment unflagged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/buf.h>
#include <netproto/error.h>
#include <netproto/tcp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_opts(const struct np_tcp_opts *a, const struct np_tcp_opts *b)
{
	unsigned i;

	if (a->present != b->present || a->mss != b->mss || a->wscale != b->wscale ||
	    a->ts_val != b->ts_val || a->ts_ecr != b->ts_ecr || a->sack_count != b->sack_count ||
	    a->unknown_count != b->unknown_count)
		abort();
	for (i = 0; i < NP_TCP_SACK_MAX; i++)
		if (a->sack[i].left != b->sack[i].left || a->sack[i].right != b->sack[i].right)
			abort();
	for (i = 0; i < a->unknown_count && i < NP_TCP_UNKNOWN_MAX; i++) {
		const struct np_tcp_unknown_opt *x = &a->unknown[i], *y = &b->unknown[i];

		if (x->kind != y->kind || x->len != y->len || memcmp(x->data, y->data, x->len - 2u))
			abort();
	}
}

static void same_segment(const struct np_tcp *a, const struct np_tcp *b)
{
	if (a->src_port != b->src_port || a->dst_port != b->dst_port || a->seq != b->seq ||
	    a->ack != b->ack || a->flags != b->flags || a->reserved != b->reserved ||
	    a->window != b->window || a->urgent != b->urgent || a->payload_len != b->payload_len ||
	    memcmp(a->payload, b->payload, a->payload_len))
		abort();
	same_opts(&a->opts, &b->opts);
}

static unsigned known_bit(uint8_t kind)
{
	switch (kind) {
	case NP_TCP_OPT_MSS:
		return NP_TCP_HAS_MSS;
	case NP_TCP_OPT_WSCALE:
		return NP_TCP_HAS_WSCALE;
	case NP_TCP_OPT_SACK_PERM:
		return NP_TCP_HAS_SACK_PERM;
	case NP_TCP_OPT_SACK:
		return NP_TCP_HAS_SACK;
	case NP_TCP_OPT_TIMESTAMP:
		return NP_TCP_HAS_TIMESTAMP;
	default:
		return 0;
	}
}

/*
 * The kinds of a parsed segment's options before the first EOL, as an
 * order list, and the octets they span.  0 when the order layout cannot
 * reproduce them: a known kind repeated (it has one value) or unknown
 * options counted but not stored.
 */
static int order_of(const struct np_tcp *t, uint8_t *order, size_t *n, size_t *octets)
{
	unsigned seen = 0, bit;
	size_t i = 0;

	*n = 0;
	if (t->opts.unknown_count > NP_TCP_UNKNOWN_MAX)
		return 0;
	while (i < t->opt_len && t->opt_data[i] != NP_TCP_OPT_EOL) {
		uint8_t kind = t->opt_data[i];

		order[(*n)++] = kind;
		if (kind == NP_TCP_OPT_NOP) {
			i++;
			continue;
		}
		bit = known_bit(kind);
		if (seen & bit)
			return 0;
		seen |= bit;
		i += t->opt_data[i + 1];  /* the parse checked every length */
	}
	*octets = i;
	return 1;
}

static void check_order_layout(const struct np_tcp *a, uint32_t src, uint32_t dst, uint8_t *out,
			       size_t cap)
{
	uint8_t order[NP_TCP_MAX_OPT_LEN];
	struct np_tcp o = *a, b;
	size_t n, octets, i;
	int len;

	if (!order_of(a, order, &n, &octets))
		return;
	o.opt_layout = NP_TCP_LAYOUT_ORDER;
	o.opt_order = order;
	o.opt_order_len = n;
	len = np_tcp_build(&o, src, dst, out, cap);
	if (len < 0 || np_tcp_parse(out, (size_t)len, src, dst, &b) < 0)
		abort();
	same_segment(a, &b);
	if (b.opt_len < octets || b.opt_len - octets >= 4 || memcmp(b.opt_data, a->opt_data, octets))
		abort();
	for (i = octets; i < b.opt_len; i++)
		if (b.opt_data[i] != NP_TCP_OPT_EOL)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65536];
	struct np_tcp a, b, l, raw;
	uint32_t src, dst;
	const uint8_t *seg;
	size_t len;
	int checked, strict, lax, n;

	if (size < 8)
		return 0;
	src = np_load_be32(data);
	dst = np_load_be32(data + 4);
	seg = data + 8;
	len = size - 8;
	checked = np_tcp_parse(seg, len, src, dst, &b);
	lax = np_tcp_parse_flags(seg, len, 0, 0, NP_TCP_PARSE_NOCSUM | NP_TCP_PARSE_LAX_OPTS, &l);
	strict = np_tcp_parse_nocsum(seg, len, &a);
	/* Lax options never refuse a segment for its options; otherwise as strict. */
	if (lax == NP_EOPT || (strict != NP_EOPT && lax != strict))
		abort();
	if (strict < 0) {
		if (checked == 0)
			abort();
		return 0;
	}
	same_segment(&a, &l);
	if (l.opts.malformed)
		abort();
	if (checked < 0 && checked != NP_ECSUM)
		abort();

	/* Raw options: the input again, with a checksum that verifies. */
	raw = a;
	raw.opt_layout = NP_TCP_LAYOUT_RAW;
	n = np_tcp_build(&raw, src, dst, out, sizeof(out));
	if (n < 0 || (size_t)n != len)
		abort();
	if (memcmp(out, seg, 16) || memcmp(out + 18, seg + 18, len - 18))
		abort();
	/*
	 * A checksum that verified is the computed one, except that one's
	 * complement has two zeros: a sender's 0xffff verifies where 0 is
	 * computed.
	 */
	if (checked == 0 && memcmp(out + 16, seg + 16, 2) &&
	    !(np_load_be16(out + 16) == 0 && np_load_be16(seg + 16) == 0xffff))
		abort();
	if (np_tcp_parse(out, len, src, dst, &b) < 0)
		abort();
	same_segment(&a, &b);
	if (b.hdr_len != a.hdr_len || memcmp(b.opt_data, a.opt_data, a.opt_len))
		abort();

	check_order_layout(&a, src, dst, out, sizeof(out));

	/* The Linux layout: same fields and options, or a refusal it documents. */
	n = np_tcp_build(&a, src, dst, out, sizeof(out));
	if (n < 0) {
		if (n == NP_ECOUNT && a.opts.unknown_count > NP_TCP_UNKNOWN_MAX)
			return 0;
		if (n == NP_EOPT)            /* re-laid out with NOPs, over 40 octets */
			return 0;
		abort();
	}
	if (np_tcp_hdr_len(&a) != n - (int)a.payload_len)
		abort();
	if (np_tcp_parse(out, (size_t)n, src, dst, &b) < 0)
		abort();
	same_segment(&a, &b);
	return 0;
}
