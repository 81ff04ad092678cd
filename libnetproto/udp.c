/* udp.c: UDP header, length and pseudo-header checksum (RFC 768, RFC 8200 §8.1). */
#include <string.h>

#include <netproto/buf.h>
#include <netproto/csum.h>
#include <netproto/error.h>
#include <netproto/udp.h>

/* Offset of the checksum field in the header. */
#define UDP_CSUM_OFF 6

int np_udp_parse_nocsum(const void *buf, size_t len, struct np_udp *out)
{
	struct np_reader r;
	struct np_udp u;

	memset(&u, 0, sizeof(u));
	np_reader_init(&r, buf, len);
	u.src_port = np_read_be16(&r);
	u.dst_port = np_read_be16(&r);
	u.length = np_read_be16(&r);
	u.checksum = np_read_be16(&r);
	if (np_reader_error(&r))
		return np_reader_error(&r);
	/*
	 * The length counts the header and the data (RFC 768), so it is at
	 * least 8; data beyond it (Ethernet padding) is not ours.
	 */
	if (u.length < NP_UDP_HDR_LEN || u.length > len)
		return NP_EBADLEN;
	u.payload_len = u.length - NP_UDP_HDR_LEN;
	u.payload = np_read_bytes(&r, u.payload_len);
	*out = u;
	return 0;
}

int np_udp_parse(const void *buf, size_t len, uint32_t src, uint32_t dst, struct np_udp *out)
{
	struct np_udp u;
	uint32_t sum;
	int err;

	err = np_udp_parse_nocsum(buf, len, &u);
	if (err)
		return err;
	/*
	 * A transmitted 0 means no checksum was computed (RFC 768).  Otherwise
	 * the sum over pseudo-header, header and data, checksum included, is
	 * all ones; a sender's 0xffff in place of a computed 0 sums the same.
	 */
	if (u.checksum) {
		sum = np_csum_pseudo4(src, dst, NP_IPPROTO_UDP, u.length);
		sum = np_csum_add(sum, buf, u.length);
		if (np_csum_finish(sum) != 0)
			return NP_ECSUM;
	}
	*out = u;
	return 0;
}

/* The checksum's partial sum over the pseudo-header, by address family. */
struct udp_pseudo {
	int v6;
	uint32_t src4, dst4;
	const uint8_t *src6, *dst6;
};

static uint32_t udp_pseudo_sum(const struct udp_pseudo *ph, uint16_t length)
{
	if (ph->v6)
		return np_csum_pseudo6(ph->src6, ph->dst6, NP_IPPROTO_UDP, length);
	return np_csum_pseudo4(ph->src4, ph->dst4, NP_IPPROTO_UDP, length);
}

static int udp_build(const struct np_udp *in, const struct udp_pseudo *ph, void *buf, size_t cap)
{
	struct np_writer w;
	uint16_t length, csum;
	uint32_t sum;

	if (in->payload_len && !in->payload)
		return NP_EINVAL;
	if (in->payload_len > NP_UDP_MAX_LEN - NP_UDP_HDR_LEN)
		return NP_EINVAL;
	length = (uint16_t)(NP_UDP_HDR_LEN + in->payload_len);
	np_writer_init(&w, buf, cap);
	/* The payload first: it may already sit right after the header. */
	np_write_zero(&w, NP_UDP_HDR_LEN);
	np_write_bytes(&w, in->payload, in->payload_len);
	if (np_writer_error(&w))
		return np_writer_error(&w);

	np_writer_init(&w, buf, cap);
	np_write_be16(&w, in->src_port);
	np_write_be16(&w, in->dst_port);
	np_write_be16(&w, length);
	np_write_be16(&w, 0);
	if (np_writer_error(&w))
		return np_writer_error(&w);
	sum = udp_pseudo_sum(ph, length);
	csum = np_csum_finish(np_csum_add(sum, buf, length));
	/*
	 * RFC 768: "If the computed checksum is zero, it is transmitted as all
	 * ones."  RFC 8200 §8.1 says the same for IPv6.
	 */
	np_writer_patch_be16(&w, UDP_CSUM_OFF, csum ? csum : 0xffff);
	if (np_writer_error(&w))
		return np_writer_error(&w);
	return length;
}

int np_udp_build(const struct np_udp *in, uint32_t src, uint32_t dst, void *buf, size_t cap)
{
	struct udp_pseudo ph = { .v6 = 0, .src4 = src, .dst4 = dst };

	return udp_build(in, &ph, buf, cap);
}

int np_udp6_parse(const void *buf, size_t len, const uint8_t src[16], const uint8_t dst[16],
		  struct np_udp *out)
{
	struct np_udp u;
	uint32_t sum;
	int err;

	err = np_udp_parse_nocsum(buf, len, &u);
	if (err)
		return err;
	/*
	 * RFC 8200 §8.1: unlike IPv4, the checksum is not optional, and "IPv6
	 * receivers must discard UDP packets containing a zero checksum".
	 */
	if (u.checksum == 0)
		return NP_ECSUM;
	sum = np_csum_pseudo6(src, dst, NP_IPPROTO_UDP, u.length);
	if (np_csum_finish(np_csum_add(sum, buf, u.length)) != 0)
		return NP_ECSUM;
	*out = u;
	return 0;
}

int np_udp6_build(const struct np_udp *in, const uint8_t src[16], const uint8_t dst[16],
		  void *buf, size_t cap)
{
	struct udp_pseudo ph = { .v6 = 1, .src6 = src, .dst6 = dst };

	return udp_build(in, &ph, buf, cap);
}
