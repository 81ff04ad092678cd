/* ipv4.c: the IPv4 header (RFC 791 §3.1) and dotted-decimal addresses. */
#include <string.h>

#include <netproto/buf.h>
#include <netproto/csum.h>
#include <netproto/error.h>
#include <netproto/ipv4.h>

#define IPV4_FRAG_OFF_MASK 0x1fff    /* offset in 8-octet units, below the 3 flag bits */

/* Bytes 2..19 of the header, after the version/IHL byte has been checked. */
static void ipv4_read_fixed(struct np_reader *r, struct np_ipv4 *ip)
{
	uint16_t frag;

	ip->tos = np_read_u8(r);
	ip->total_len = np_read_be16(r);
	ip->id = np_read_be16(r);
	frag = np_read_be16(r);
	ip->flags = (uint8_t)(frag >> 13);
	ip->frag_off = (uint16_t)((frag & IPV4_FRAG_OFF_MASK) * 8);
	ip->ttl = np_read_u8(r);
	ip->proto = np_read_u8(r);
	ip->csum = np_read_be16(r);
	ip->src = np_read_be32(r);
	ip->dst = np_read_be32(r);
}

static int ipv4_parse(const void *buf, size_t len, int quoted, struct np_ipv4 *out)
{
	struct np_reader r;
	struct np_ipv4 ip;
	uint8_t vihl;
	size_t end;

	memset(&ip, 0, sizeof(ip));
	np_reader_init(&r, buf, len);
	vihl = np_read_u8(&r);
	if (np_reader_error(&r))
		return np_reader_error(&r);
	/* The version first: a 40-byte IPv6 header is not a truncated IPv4 one. */
	if (vihl >> 4 != NP_IPV4_VERSION)
		return NP_EVERSION;
	if (len < NP_IPV4_HDR_LEN)
		return NP_ETRUNC;
	ip.hdr_len = (size_t)(vihl & 0x0f) * 4;
	if (ip.hdr_len < NP_IPV4_HDR_LEN || ip.hdr_len > len)
		return NP_EBADLEN;
	ipv4_read_fixed(&r, &ip);
	if (ip.total_len < ip.hdr_len)
		return NP_EBADLEN;
	end = ip.total_len;
	if (end > len) {
		if (!quoted)
			return NP_EBADLEN;
		end = len;
	}
	/* The checksum covers the header only, options included (RFC 791 §3.1). */
	if (!quoted && np_csum(buf, ip.hdr_len) != 0)
		return NP_ECSUM;
	ip.opts_len = ip.hdr_len - NP_IPV4_HDR_LEN;
	ip.opts = np_read_bytes(&r, ip.opts_len);
	ip.payload_len = end - ip.hdr_len;
	ip.payload = np_read_bytes(&r, ip.payload_len);
	if (np_reader_error(&r))
		return np_reader_error(&r);
	*out = ip;
	return 0;
}

int np_ipv4_parse(const void *buf, size_t len, struct np_ipv4 *out)
{
	return ipv4_parse(buf, len, 0, out);
}

int np_ipv4_parse_quoted(const void *buf, size_t len, struct np_ipv4 *out)
{
	return ipv4_parse(buf, len, 1, out);
}

size_t np_ipv4_hdr_len(const struct np_ipv4 *in)
{
	size_t opts = in->opts_len > NP_IPV4_MAX_OPT_LEN ? NP_IPV4_MAX_OPT_LEN : in->opts_len;

	/* The header ends on a 32-bit boundary (RFC 791 §3.1, "Padding"). */
	return NP_IPV4_HDR_LEN + ((opts + 3) & ~(size_t)3);
}

static int ipv4_check_build(const struct np_ipv4 *in)
{
	if (in->opts_len > NP_IPV4_MAX_OPT_LEN || (in->opts_len && !in->opts))
		return NP_EINVAL;
	if (in->payload_len && !in->payload)
		return NP_EINVAL;
	if (in->payload_len > NP_IPV4_MAX_LEN - np_ipv4_hdr_len(in))
		return NP_EINVAL;
	if (in->frag_off % 8 || in->flags > (NP_IPV4_RF | NP_IPV4_DF | NP_IPV4_MF))
		return NP_EINVAL;
	return 0;
}

int np_ipv4_build(const struct np_ipv4 *in, void *buf, size_t cap)
{
	struct np_writer w;
	size_t hdr_len = np_ipv4_hdr_len(in), total, csum_off;
	int err = ipv4_check_build(in);

	if (err)
		return err;
	/* Payload first, as np_ether_build() does, so it may already be in place. */
	np_writer_init(&w, buf, cap);
	np_write_zero(&w, hdr_len);
	np_write_bytes(&w, in->payload, in->payload_len);
	if (np_writer_error(&w))
		return np_writer_error(&w);
	total = np_writer_len(&w);

	np_writer_init(&w, buf, hdr_len);
	np_write_u8(&w, (uint8_t)(NP_IPV4_VERSION << 4 | hdr_len / 4));
	np_write_u8(&w, in->tos);
	np_write_be16(&w, (uint16_t)total);
	np_write_be16(&w, in->id);
	np_write_be16(&w, (uint16_t)(in->flags << 13 | in->frag_off / 8));
	np_write_u8(&w, in->ttl);
	np_write_u8(&w, in->proto);
	csum_off = np_write_reserve(&w, 2);
	np_write_be32(&w, in->src);
	np_write_be32(&w, in->dst);
	np_write_bytes(&w, in->opts, in->opts_len);
	np_write_zero(&w, hdr_len - np_writer_len(&w));
	np_writer_patch_be16(&w, csum_off, np_csum(buf, hdr_len));
	if (np_writer_error(&w))
		return np_writer_error(&w);
	return (int)total;
}

int np_ipv4_is_fragment(const struct np_ipv4 *ip)
{
	/* RFC 791 §3.2: a whole datagram has MF clear and offset zero. */
	return (ip->flags & NP_IPV4_MF) || ip->frag_off != 0;
}

size_t np_ipv4_addr_to_text(uint32_t addr, char text[NP_IPV4_ADDR_TEXT_LEN])
{
	size_t n = 0;
	int shift;

	for (shift = 24; shift >= 0; shift -= 8) {
		unsigned v = (addr >> shift) & 0xff;

		if (v >= 100)
			text[n++] = (char)('0' + v / 100);
		if (v >= 10)
			text[n++] = (char)('0' + v / 10 % 10);
		text[n++] = (char)('0' + v % 10);
		if (shift)
			text[n++] = '.';
	}
	text[n] = '\0';
	return n;
}

/*
 * The decimal part at s[pos]: 0..255 without a leading zero (inet_pton()
 * refuses them too, since inet_aton() reads them as octal).  Returns the
 * number of digits, or 0.
 */
static size_t addr_parse_part(const char *s, size_t pos, unsigned *part)
{
	unsigned v = 0;
	size_t n;

	for (n = 0; s[pos + n] >= '0' && s[pos + n] <= '9'; n++) {
		if (n == 3)
			return 0;
		v = v * 10 + (unsigned)(s[pos + n] - '0');
	}
	if (n == 0 || v > 255 || (n > 1 && s[pos] == '0'))
		return 0;
	*part = v;
	return n;
}

int np_ipv4_addr_parse(const char *text, uint32_t *addr)
{
	uint32_t a = 0;
	size_t pos = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned part;
		size_t n = addr_parse_part(text, pos, &part);

		if (!n)
			return NP_EINVAL;
		pos += n;
		a = a << 8 | part;
		if (text[pos] != (i < 3 ? '.' : '\0'))
			return NP_EINVAL;
		pos++;
	}
	*addr = a;
	return 0;
}
