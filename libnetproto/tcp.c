/* tcp.c: TCP header, options and pseudo-header checksum (RFC 9293, RFC 8200 §8.1). */
#include <string.h>

#include <netproto/buf.h>
#include <netproto/csum.h>
#include <netproto/error.h>
#include <netproto/tcp.h>

#define TCP_CSUM_OFF 16              /* offset of the checksum field */
#define TCP_SEG_MAX 65535            /* the pseudo-header length is 16 bits */

/* Fixed option lengths: kind, length octet and value. */
#define OPT_MSS_LEN 4
#define OPT_WSCALE_LEN 3
#define OPT_SACK_PERM_LEN 2
#define OPT_TIMESTAMP_LEN 10
#define OPT_SACK_BLOCK_LEN 8

/* SACK: 2 + 8n octets for n blocks, 1 <= n <= 4 (RFC 2018 §3). */
static int tcp_opt_sack(uint8_t len, struct np_reader *body, struct np_tcp_opts *o)
{
	unsigned i, n;

	if (len < 2 + OPT_SACK_BLOCK_LEN || (len - 2) % OPT_SACK_BLOCK_LEN)
		return NP_EOPT;
	n = (len - 2u) / OPT_SACK_BLOCK_LEN;
	if (n > NP_TCP_SACK_MAX)
		return NP_EOPT;
	/* A repeated SACK option replaces every block of an earlier one. */
	memset(o->sack, 0, sizeof(o->sack));
	for (i = 0; i < n; i++) {
		o->sack[i].left = np_read_be32(body);
		o->sack[i].right = np_read_be32(body);
	}
	o->sack_count = (uint8_t)n;
	o->present |= NP_TCP_HAS_SACK;
	return 0;
}

static void tcp_opt_unknown(uint8_t kind, uint8_t len, struct np_reader *body,
			    struct np_tcp_opts *o)
{
	struct np_tcp_unknown_opt *u;

	/* Keep the first few; count them all so a caller knows some were dropped. */
	if (o->unknown_count < NP_TCP_UNKNOWN_MAX) {
		u = &o->unknown[o->unknown_count];
		u->kind = kind;
		u->len = len;
		u->data = np_read_bytes(body, len - 2u);
	}
	o->unknown_count++;
}

/* One option whose kind and length octet are read; body holds its value. */
static int tcp_opt_one(uint8_t kind, uint8_t len, struct np_reader *body, struct np_tcp_opts *o)
{
	switch (kind) {
	case NP_TCP_OPT_MSS:
		if (len != OPT_MSS_LEN)
			return NP_EOPT;
		o->mss = np_read_be16(body);
		o->present |= NP_TCP_HAS_MSS;
		return 0;
	case NP_TCP_OPT_WSCALE:
		if (len != OPT_WSCALE_LEN)
			return NP_EOPT;
		o->wscale = np_read_u8(body);
		o->present |= NP_TCP_HAS_WSCALE;
		return 0;
	case NP_TCP_OPT_SACK_PERM:
		if (len != OPT_SACK_PERM_LEN)
			return NP_EOPT;
		o->present |= NP_TCP_HAS_SACK_PERM;
		return 0;
	case NP_TCP_OPT_SACK:
		return tcp_opt_sack(len, body, o);
	case NP_TCP_OPT_TIMESTAMP:
		if (len != OPT_TIMESTAMP_LEN)
			return NP_EOPT;
		o->ts_val = np_read_be32(body);
		o->ts_ecr = np_read_be32(body);
		o->present |= NP_TCP_HAS_TIMESTAMP;
		return 0;
	default:
		tcp_opt_unknown(kind, len, body, o);
		return 0;
	}
}

/*
 * An illegal option length (RFC 9293 §3.2, MUST-7).  Strict: the segment
 * is refused.  Lax: the list ends here and the options read so far stand,
 * as in Linux's tcp_parse_options() ("silly options", "don't parse partial
 * options").
 */
static int tcp_opts_stop(struct np_tcp_opts *o, int lax)
{
	if (!lax)
		return NP_EOPT;
	o->malformed = 1;
	return 0;
}

/*
 * The option list (RFC 9293 §3.2): EOL ends it, NOP is one octet, every
 * other kind has a length octet counting kind and length, so at least 2,
 * and must end inside the header.  lax: see tcp_opts_stop(); a known kind
 * of the wrong length is skipped, as Linux ignores it.
 */
static int tcp_opts_parse(struct np_reader *r, struct np_tcp_opts *o, int lax)
{
	uint8_t kind, len;
	struct np_reader body;
	int err;

	while (np_reader_left(r)) {
		kind = np_read_u8(r);
		if (kind == NP_TCP_OPT_EOL)
			break;               /* the rest is padding */
		if (kind == NP_TCP_OPT_NOP)
			continue;
		if (!np_reader_left(r))
			return tcp_opts_stop(o, lax);  /* no room for the length octet */
		len = np_read_u8(r);
		if (len < 2)
			return tcp_opts_stop(o, lax);
		body = np_reader_sub(r, len - 2u);
		if (np_reader_error(&body))
			return tcp_opts_stop(o, lax);
		err = tcp_opt_one(kind, len, &body, o);
		if (err && !lax)
			return err;
		if (err)
			o->malformed = 1;
	}
	return 0;
}

static int tcp_parse_header(const void *buf, size_t len, int lax, struct np_tcp *out)
{
	struct np_reader r, opts;
	struct np_tcp t;
	uint8_t off;
	int err;

	memset(&t, 0, sizeof(t));
	np_reader_init(&r, buf, len);
	t.src_port = np_read_be16(&r);
	t.dst_port = np_read_be16(&r);
	t.seq = np_read_be32(&r);
	t.ack = np_read_be32(&r);
	off = np_read_u8(&r);
	t.flags = np_read_u8(&r);
	t.window = np_read_be16(&r);
	t.checksum = np_read_be16(&r);
	t.urgent = np_read_be16(&r);
	if (np_reader_error(&r))
		return np_reader_error(&r);
	if (len > TCP_SEG_MAX)
		return NP_EBADLEN;
	/* Data offset: header length in 32-bit words, at least the fixed 5. */
	t.hdr_len = (uint8_t)((off >> 4) * 4);
	t.reserved = off & 0x0f;
	if (t.hdr_len < NP_TCP_HDR_LEN || t.hdr_len > len)
		return NP_EBADLEN;
	t.opt_len = t.hdr_len - NP_TCP_HDR_LEN;
	t.opt_data = np_read_bytes(&r, t.opt_len);
	np_reader_init(&opts, t.opt_data, t.opt_len);
	err = tcp_opts_parse(&opts, &t.opts, lax);
	if (err)
		return err;
	t.payload = np_read_rest(&r, &t.payload_len);
	*out = t;
	return 0;
}

/* The checksum's partial sum over the pseudo-header, by address family. */
struct tcp_pseudo {
	int v6;
	uint32_t src4, dst4;
	const uint8_t *src6, *dst6;
};

static uint32_t tcp_pseudo_sum(const struct tcp_pseudo *ph, size_t len)
{
	if (ph->v6)
		return np_csum_pseudo6(ph->src6, ph->dst6, NP_IPPROTO_TCP, (uint32_t)len);
	return np_csum_pseudo4(ph->src4, ph->dst4, NP_IPPROTO_TCP, (uint16_t)len);
}

static int tcp_parse(const void *buf, size_t len, const struct tcp_pseudo *ph, unsigned flags,
		     struct np_tcp *out)
{
	struct np_tcp t;
	int err;

	err = tcp_parse_header(buf, len, (flags & NP_TCP_PARSE_LAX_OPTS) != 0, &t);
	if (err)
		return err;
	/* RFC 9293 §3.1: the sum over pseudo-header, header and data is all ones. */
	if (!(flags & NP_TCP_PARSE_NOCSUM) &&
	    np_csum_finish(np_csum_add(tcp_pseudo_sum(ph, len), buf, len)) != 0)
		return NP_ECSUM;
	*out = t;
	return 0;
}

int np_tcp_parse_flags(const void *buf, size_t len, uint32_t src, uint32_t dst, unsigned flags,
		       struct np_tcp *out)
{
	struct tcp_pseudo ph = { .v6 = 0, .src4 = src, .dst4 = dst };

	return tcp_parse(buf, len, &ph, flags, out);
}

int np_tcp_parse_nocsum(const void *buf, size_t len, struct np_tcp *out)
{
	return np_tcp_parse_flags(buf, len, 0, 0, NP_TCP_PARSE_NOCSUM, out);
}

int np_tcp_parse(const void *buf, size_t len, uint32_t src, uint32_t dst, struct np_tcp *out)
{
	return np_tcp_parse_flags(buf, len, src, dst, 0, out);
}

int np_tcp6_parse(const void *buf, size_t len, const uint8_t src[16], const uint8_t dst[16],
		  struct np_tcp *out)
{
	return np_tcp6_parse_flags(buf, len, src, dst, 0, out);
}

int np_tcp6_parse_flags(const void *buf, size_t len, const uint8_t src[16], const uint8_t dst[16],
			unsigned flags, struct np_tcp *out)
{
	struct tcp_pseudo ph = { .v6 = 1, .src6 = src, .dst6 = dst };

	return tcp_parse(buf, len, &ph, flags, out);
}

static void tcp_write_sack(struct np_writer *w, const struct np_tcp_opts *o)
{
	unsigned i;

	np_write_u8(w, NP_TCP_OPT_SACK);
	np_write_u8(w, (uint8_t)(2 + o->sack_count * OPT_SACK_BLOCK_LEN));
	for (i = 0; i < o->sack_count; i++) {
		np_write_be32(w, o->sack[i].left);
		np_write_be32(w, o->sack[i].right);
	}
}

static void tcp_write_timestamp(struct np_writer *w, const struct np_tcp_opts *o)
{
	np_write_u8(w, NP_TCP_OPT_TIMESTAMP);
	np_write_u8(w, OPT_TIMESTAMP_LEN);
	np_write_be32(w, o->ts_val);
	np_write_be32(w, o->ts_ecr);
}

static void tcp_write_unknown(struct np_writer *w, const struct np_tcp_unknown_opt *u)
{
	np_write_u8(w, u->kind);
	np_write_u8(w, u->len);
	np_write_bytes(w, u->data, u->len - 2u);
}

/* Write the known option of kind k, which must be present. */
static void tcp_write_known(struct np_writer *w, const struct np_tcp_opts *o, uint8_t k)
{
	switch (k) {
	case NP_TCP_OPT_MSS:
		np_write_u8(w, k);
		np_write_u8(w, OPT_MSS_LEN);
		np_write_be16(w, o->mss);
		break;
	case NP_TCP_OPT_WSCALE:
		np_write_u8(w, k);
		np_write_u8(w, OPT_WSCALE_LEN);
		np_write_u8(w, o->wscale);
		break;
	case NP_TCP_OPT_SACK_PERM:
		np_write_u8(w, k);
		np_write_u8(w, OPT_SACK_PERM_LEN);
		break;
	case NP_TCP_OPT_SACK:
		tcp_write_sack(w, o);
		break;
	case NP_TCP_OPT_TIMESTAMP:
		tcp_write_timestamp(w, o);
		break;
	}
}

/*
 * Linux's tcp_options_write() order, NOPs included, which keeps the
 * 32-bit values aligned (RFC 7323 Appendix A suggests the same layout).
 */
static void tcp_opts_write_linux(struct np_writer *w, const struct np_tcp_opts *o)
{
	unsigned i;

	if (o->present & NP_TCP_HAS_MSS)
		tcp_write_known(w, o, NP_TCP_OPT_MSS);
	if (o->present & NP_TCP_HAS_TIMESTAMP) {
		if (o->present & NP_TCP_HAS_SACK_PERM) {
			tcp_write_known(w, o, NP_TCP_OPT_SACK_PERM);
		} else {
			np_write_u8(w, NP_TCP_OPT_NOP);
			np_write_u8(w, NP_TCP_OPT_NOP);
		}
		tcp_write_timestamp(w, o);
	} else if (o->present & NP_TCP_HAS_SACK_PERM) {
		np_write_u8(w, NP_TCP_OPT_NOP);
		np_write_u8(w, NP_TCP_OPT_NOP);
		tcp_write_known(w, o, NP_TCP_OPT_SACK_PERM);
	}
	if (o->present & NP_TCP_HAS_WSCALE) {
		np_write_u8(w, NP_TCP_OPT_NOP);
		tcp_write_known(w, o, NP_TCP_OPT_WSCALE);
	}
	if (o->present & NP_TCP_HAS_SACK) {
		np_write_u8(w, NP_TCP_OPT_NOP);
		np_write_u8(w, NP_TCP_OPT_NOP);
		tcp_write_sack(w, o);
	}
	for (i = 0; i < o->unknown_count; i++)
		tcp_write_unknown(w, &o->unknown[i]);
}

static unsigned tcp_known_bit(uint8_t kind)
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

/* The next stored unknown option of this kind not yet written, or -1. */
static int tcp_next_unknown(const struct np_tcp_opts *o, uint8_t kind, unsigned *used)
{
	unsigned i;

	for (i = 0; i < o->unknown_count; i++) {
		if (o->unknown[i].kind == kind && !(*used & (1u << i))) {
			*used |= 1u << i;
			return (int)i;
		}
	}
	return -1;
}

static int tcp_opts_write_order(struct np_writer *w, const struct np_tcp *in)
{
	const struct np_tcp_opts *o = &in->opts;
	unsigned used = 0, bit;
	size_t i;
	int u;

	if (!in->opt_order && in->opt_order_len)
		return NP_EINVAL;
	for (i = 0; i < in->opt_order_len; i++) {
		uint8_t kind = in->opt_order[i];

		bit = tcp_known_bit(kind);
		if (kind == NP_TCP_OPT_EOL || kind == NP_TCP_OPT_NOP) {
			np_write_u8(w, kind);
		} else if (bit) {
			if (!(o->present & bit))
				return NP_EINVAL;
			tcp_write_known(w, o, kind);
		} else {
			u = tcp_next_unknown(o, kind, &used);
			if (u < 0)
				return NP_EINVAL;
			tcp_write_unknown(w, &o->unknown[u]);
		}
	}
	return 0;
}

/* Refuse option values that cannot be written as the parser would read them back. */
static int tcp_opts_check(const struct np_tcp_opts *o)
{
	unsigned i;

	if ((o->present & NP_TCP_HAS_SACK) &&
	    (o->sack_count < 1 || o->sack_count > NP_TCP_SACK_MAX))
		return NP_ECOUNT;
	if (o->unknown_count > NP_TCP_UNKNOWN_MAX)
		return NP_ECOUNT;
	for (i = 0; i < o->unknown_count; i++) {
		if (o->unknown[i].len < 2)
			return NP_EOPT;
		if (o->unknown[i].len > 2 && !o->unknown[i].data)
			return NP_EINVAL;
	}
	return 0;
}

/*
 * Lay the options out into opt (NP_TCP_MAX_OPT_LEN bytes), padded with
 * zero octets (EOL, then padding: RFC 9293 §3.1) to a multiple of 4.
 * Returns their length or a negative code.
 */
static int tcp_opts_layout(const struct np_tcp *in, uint8_t *opt)
{
	struct np_writer w;
	int err = 0;

	np_writer_init(&w, opt, NP_TCP_MAX_OPT_LEN);
	switch (in->opt_layout) {
	case NP_TCP_LAYOUT_LINUX:
		err = tcp_opts_check(&in->opts);
		if (!err)
			tcp_opts_write_linux(&w, &in->opts);
		break;
	case NP_TCP_LAYOUT_ORDER:
		err = tcp_opts_check(&in->opts);
		if (!err)
			err = tcp_opts_write_order(&w, in);
		break;
	case NP_TCP_LAYOUT_RAW:
		if (!in->opt_data && in->opt_len)
			return NP_EINVAL;
		np_write_bytes(&w, in->opt_data, in->opt_len);
		break;
	default:
		return NP_EINVAL;
	}
	if (err)
		return err;
	while (!np_writer_error(&w) && np_writer_len(&w) % 4)
		np_write_u8(&w, NP_TCP_OPT_EOL);
	/* The data offset cannot describe more than 40 octets of options. */
	if (np_writer_error(&w))
		return NP_EOPT;
	return (int)np_writer_len(&w);
}

int np_tcp_hdr_len(const struct np_tcp *in)
{
	uint8_t opt[NP_TCP_MAX_OPT_LEN];
	int n = tcp_opts_layout(in, opt);

	return n < 0 ? n : NP_TCP_HDR_LEN + n;
}

static void tcp_write_header(struct np_writer *w, const struct np_tcp *in, size_t hdr_len)
{
	np_write_be16(w, in->src_port);
	np_write_be16(w, in->dst_port);
	np_write_be32(w, in->seq);
	np_write_be32(w, in->ack);
	np_write_u8(w, (uint8_t)((hdr_len / 4) << 4 | (in->reserved & 0x0f)));
	np_write_u8(w, in->flags);
	np_write_be16(w, in->window);
	np_write_be16(w, 0);         /* checksum, filled in last */
	np_write_be16(w, in->urgent);
}

static int tcp_build(const struct np_tcp *in, const struct tcp_pseudo *ph, void *buf, size_t cap)
{
	uint8_t opt[NP_TCP_MAX_OPT_LEN];
	struct np_writer w;
	size_t hdr_len, len;
	int n;

	if (in->payload_len && !in->payload)
		return NP_EINVAL;
	/* Options first, into opt: a raw option source may overlap buf. */
	n = tcp_opts_layout(in, opt);
	if (n < 0)
		return n;
	hdr_len = NP_TCP_HDR_LEN + (size_t)n;
	if (in->payload_len > TCP_SEG_MAX - hdr_len)
		return NP_EINVAL;
	len = hdr_len + in->payload_len;

	/* The payload next: it may already sit right after the header. */
	np_writer_init(&w, buf, cap);
	np_write_zero(&w, hdr_len);
	np_write_bytes(&w, in->payload, in->payload_len);
	if (np_writer_error(&w))
		return np_writer_error(&w);

	np_writer_init(&w, buf, cap);
	tcp_write_header(&w, in, hdr_len);
	np_write_bytes(&w, opt, (size_t)n);
	if (np_writer_error(&w))
		return np_writer_error(&w);
	/* Unlike UDP, TCP gives a checksum of 0 no meaning of its own: send it as computed. */
	np_writer_patch_be16(&w, TCP_CSUM_OFF,
			     np_csum_finish(np_csum_add(tcp_pseudo_sum(ph, len), buf, len)));
	if (np_writer_error(&w))
		return np_writer_error(&w);
	return (int)len;
}

int np_tcp_build(const struct np_tcp *in, uint32_t src, uint32_t dst, void *buf, size_t cap)
{
	struct tcp_pseudo ph = { .v6 = 0, .src4 = src, .dst4 = dst };

	return tcp_build(in, &ph, buf, cap);
}

int np_tcp6_build(const struct np_tcp *in, const uint8_t src[16], const uint8_t dst[16],
		  void *buf, size_t cap)
{
	struct tcp_pseudo ph = { .v6 = 1, .src6 = src, .dst6 = dst };

	return tcp_build(in, &ph, buf, cap);
}
