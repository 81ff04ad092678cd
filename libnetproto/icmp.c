/* icmp.c: ICMP for IPv4 (RFC 792) and the datagrams its errors quote. */
#include <string.h>

#include <netproto/buf.h>
#include <netproto/csum.h>
#include <netproto/error.h>
#include <netproto/icmp.h>
#include <netproto/ipv4.h>

int np_icmp_has_id_seq(uint8_t type)
{
	switch (type) {
	case NP_ICMP_ECHO_REPLY:
	case NP_ICMP_ECHO_REQUEST:
	case NP_ICMP_TIMESTAMP:
	case NP_ICMP_TIMESTAMP_REPLY:
	case NP_ICMP_INFO_REQUEST:
	case NP_ICMP_INFO_REPLY:
		return 1;
	}
	return 0;
}

int np_icmp_is_error(uint8_t type)
{
	switch (type) {
	case NP_ICMP_DEST_UNREACH:
	case NP_ICMP_SOURCE_QUENCH:
	case NP_ICMP_REDIRECT:
	case NP_ICMP_TIME_EXCEEDED:
	case NP_ICMP_PARAM_PROBLEM:
		return 1;
	}
	return 0;
}

int np_icmp_parse(const void *buf, size_t len, struct np_icmp *out)
{
	struct np_reader r;
	struct np_icmp m;

	memset(&m, 0, sizeof(m));
	np_reader_init(&r, buf, len);
	m.type = np_read_u8(&r);
	m.code = np_read_u8(&r);
	m.csum = np_read_be16(&r);
	m.rest = np_read_be32(&r);
	if (np_reader_error(&r))
		return np_reader_error(&r);
	/* RFC 792: the checksum is over "the ICMP message starting with the ICMP Type". */
	if (np_csum(buf, len) != 0)
		return NP_ECSUM;
	if (np_icmp_has_id_seq(m.type)) {
		m.id = (uint16_t)(m.rest >> 16);
		m.seq = (uint16_t)m.rest;
	}
	m.data = np_read_rest(&r, &m.data_len);
	*out = m;
	return 0;
}

int np_icmp_build(const struct np_icmp *in, void *buf, size_t cap)
{
	struct np_writer w;
	uint32_t rest = in->rest;
	size_t csum_off;

	if ((in->data_len && !in->data) || in->data_len > NP_IPV4_MAX_LEN - NP_ICMP_HDR_LEN)
		return NP_EINVAL;
	if (np_icmp_has_id_seq(in->type))
		rest = (uint32_t)in->id << 16 | in->seq;
	/* Data first, so that it may already be in place (see np_ether_build()). */
	np_writer_init(&w, buf, cap);
	np_write_zero(&w, NP_ICMP_HDR_LEN);
	np_write_bytes(&w, in->data, in->data_len);
	if (np_writer_error(&w))
		return np_writer_error(&w);

	np_writer_init(&w, buf, NP_ICMP_HDR_LEN);
	np_write_u8(&w, in->type);
	np_write_u8(&w, in->code);
	csum_off = np_write_reserve(&w, 2);
	np_write_be32(&w, rest);
	np_writer_patch_be16(&w, csum_off, np_csum(buf, NP_ICMP_HDR_LEN + in->data_len));
	if (np_writer_error(&w))
		return np_writer_error(&w);
	return (int)(NP_ICMP_HDR_LEN + in->data_len);
}

/* The ports open a TCP (RFC 9293 §3.1) or UDP (RFC 768) header alike. */
static void quote_read_ports(struct np_icmp_quote *q)
{
	struct np_reader r;

	if (q->ip.proto != NP_IPPROTO_TCP && q->ip.proto != NP_IPPROTO_UDP)
		return;
	/* Only the first fragment holds the transport header (RFC 791 §3.2). */
	if (q->ip.frag_off != 0)
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
 * RFC 4884 §4.1: destination unreachable, time exceeded and parameter
 * problem may give the length of the quote in 32-bit words in the second
 * byte of rest, and append an extension structure after it.  0 means no
 * length (an RFC 792 message): the quote is the whole data.
 */
static size_t quote_len(const struct np_icmp *m)
{
	size_t words = (m->rest >> 16) & 0xff;

	if (m->type != NP_ICMP_DEST_UNREACH && m->type != NP_ICMP_TIME_EXCEEDED &&
	    m->type != NP_ICMP_PARAM_PROBLEM)
		return m->data_len;
	if (words == 0 || words * 4 > m->data_len)
		return m->data_len;
	return words * 4;
}

int np_icmp_quote_parse(const struct np_icmp *m, struct np_icmp_quote *out)
{
	struct np_icmp_quote q;
	struct np_reader r, quote;
	const uint8_t *p;
	size_t n;
	int err;

	if (!np_icmp_is_error(m->type))
		return NP_ETYPE;
	if (m->data_len < NP_IPV4_HDR_LEN || !m->data)
		return NP_ETRUNC;
	memset(&q, 0, sizeof(q));
	np_reader_init(&r, m->data, m->data_len);
	quote = np_reader_sub(&r, quote_len(m));
	p = np_read_rest(&quote, &n);
	err = np_ipv4_parse_quoted(p, n, &q.ip);
	if (err)
		return err;
	quote_read_ports(&q);
	*out = q;
	return 0;
}
