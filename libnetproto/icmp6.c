/* icmp6.c: ICMPv6 (RFC 4443) and the packets its errors quote. */
#include <string.h>

#include <netproto/buf.h>
#include <netproto/csum.h>
#include <netproto/error.h>
#include <netproto/icmp6.h>
#include <netproto/ipv6.h>

int np_icmp6_is_error(uint8_t type)
{
	/* RFC 4443 §2.1: error messages have a zero high-order bit in the type. */
	return type < 128;
}

static int icmp6_has_id_seq(uint8_t type)
{
	return type == NP_ICMP6_ECHO_REQUEST || type == NP_ICMP6_ECHO_REPLY;
}

int np_icmp6_parse_nocsum(const void *buf, size_t len, struct np_icmp6 *out)
{
	struct np_reader r;
	struct np_icmp6 m;

	memset(&m, 0, sizeof(m));
	np_reader_init(&r, buf, len);
	m.type = np_read_u8(&r);
	m.code = np_read_u8(&r);
	m.csum = np_read_be16(&r);
	m.rest = np_read_be32(&r);
	if (np_reader_error(&r))
		return np_reader_error(&r);
	if (len > NP_IPV6_MAX_PAYLOAD)
		return NP_EBADLEN;
	if (icmp6_has_id_seq(m.type)) {
		m.id = (uint16_t)(m.rest >> 16);
		m.seq = (uint16_t)m.rest;
	}
	m.data = np_read_rest(&r, &m.data_len);
	*out = m;
	return 0;
}

int np_icmp6_parse(const void *buf, size_t len, const uint8_t src[NP_IPV6_ADDR_LEN],
		   const uint8_t dst[NP_IPV6_ADDR_LEN], struct np_icmp6 *out)
{
	struct np_icmp6 m;
	uint32_t sum;
	int err;

	err = np_icmp6_parse_nocsum(buf, len, &m);
	if (err)
		return err;
	/* RFC 4443 §2.3: the checksum covers the pseudo-header and the whole message. */
	sum = np_csum_pseudo6(src, dst, NP_IPPROTO_ICMPV6, (uint32_t)len);
	if (np_csum_finish(np_csum_add(sum, buf, len)) != 0)
		return NP_ECSUM;
	*out = m;
	return 0;
}

int np_icmp6_build(const struct np_icmp6 *in, const uint8_t src[NP_IPV6_ADDR_LEN],
		   const uint8_t dst[NP_IPV6_ADDR_LEN], void *buf, size_t cap)
{
	struct np_writer w;
	uint32_t rest = in->rest, sum;
	size_t len = NP_ICMP6_HDR_LEN + in->data_len;

	if ((in->data_len && !in->data) || in->data_len > NP_IPV6_MAX_PAYLOAD - NP_ICMP6_HDR_LEN)
		return NP_EINVAL;
	if (icmp6_has_id_seq(in->type))
		rest = (uint32_t)in->id << 16 | in->seq;
	/* Data first, so that it may already be in place (see np_icmp_build()). */
	np_writer_init(&w, buf, cap);
	np_write_zero(&w, NP_ICMP6_HDR_LEN);
	np_write_bytes(&w, in->data, in->data_len);
	if (np_writer_error(&w))
		return np_writer_error(&w);

	np_writer_init(&w, buf, NP_ICMP6_HDR_LEN);
	np_write_u8(&w, in->type);
	np_write_u8(&w, in->code);
	np_write_be16(&w, 0);
	np_write_be32(&w, rest);
	sum = np_csum_pseudo6(src, dst, NP_IPPROTO_ICMPV6, (uint32_t)len);
	np_writer_patch_be16(&w, 2, np_csum_finish(np_csum_add(sum, buf, len)));
	if (np_writer_error(&w))
		return np_writer_error(&w);
	return (int)len;
}

/* The ports open a TCP (RFC 9293 §3.1) or UDP (RFC 768) header alike. */
static void quote_read_ports(struct np_icmp6_quote *q)
{
	struct np_reader r;

	if (q->ip.upper != NP_IPPROTO_TCP && q->ip.upper != NP_IPPROTO_UDP)
		return;
	/* Only the first fragment holds the transport header (RFC 8200 §4.5). */
	if (q->ip.has_frag && q->ip.frag.offset != 0)
		return;
	np_reader_init(&r, q->ip.payload, q->ip.payload_len);
	q->sport = np_read_be16(&r);
	q->dport = np_read_be16(&r);
	if (np_reader_error(&r)) {
		q->sport = q->dport = 0;
		return;
	}
	q->has_ports = 1;
}

/*
 * RFC 4884 §4.1: destination unreachable and time exceeded may give the
 * length of the quote in 64-bit words in the first byte of rest, and
 * append an extension structure after it.  0 means no length (an RFC 4443
 * message): the quote is the whole data.
 */
static size_t quote_len(const struct np_icmp6 *m)
{
	size_t words = m->rest >> 24;

	if (m->type != NP_ICMP6_DEST_UNREACH && m->type != NP_ICMP6_TIME_EXCEEDED)
		return m->data_len;
	if (words == 0 || words * 8 > m->data_len)
		return m->data_len;
	return words * 8;
}

int np_icmp6_quote_parse(const struct np_icmp6 *m, struct np_icmp6_quote *out)
{
	struct np_icmp6_quote q;
	struct np_reader r, quote;
	const uint8_t *p;
	size_t n;
	int err;

	if (!np_icmp6_is_error(m->type))
		return NP_ETYPE;
	if (m->data_len < NP_IPV6_HDR_LEN || !m->data)
		return NP_ETRUNC;
	memset(&q, 0, sizeof(q));
	np_reader_init(&r, m->data, m->data_len);
	quote = np_reader_sub(&r, quote_len(m));
	p = np_read_rest(&quote, &n);
	err = np_ipv6_parse_quoted(p, n, &q.ip);
	if (err)
		return err;
	quote_read_ports(&q);
	*out = q;
	return 0;
}
