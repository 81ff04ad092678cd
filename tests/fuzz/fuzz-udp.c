/*
 * fuzz-udp.c: UDP decoder.  The input is the IPv4 source and destination
 * (4 octets each, network order) then the datagram.  Properties: a
 * datagram whose checksum verifies rebuilds to the same bytes; any
 * datagram that parses rebuilds to one that parses, with a valid checksum,
 * the same ports and the same data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/buf.h>
#include <netproto/csum.h>
#include <netproto/error.h>
#include <netproto/udp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[NP_UDP_MAX_LEN];
	struct np_udp a, b;
	uint32_t src, dst, sum;
	const uint8_t *seg;
	size_t len;
	int checked, n;

	if (size < 8)
		return 0;
	src = np_load_be32(data);
	dst = np_load_be32(data + 4);
	seg = data + 8;
	len = size - 8;
	checked = np_udp_parse(seg, len, src, dst, &a);
	if (np_udp_parse_nocsum(seg, len, &b) < 0) {
		/* Only the checksum separates the two parses. */
		if (checked == 0)
			abort();
		return 0;
	}
	if (checked < 0 && checked != NP_ECSUM)
		abort();
	if (checked < 0)
		a = b;
	if (a.length != b.length || a.payload != b.payload || a.payload_len != a.length - 8u)
		abort();

	n = np_udp_build(&a, src, dst, out, sizeof(out));
	if (n != a.length)
		abort();
	sum = np_csum_pseudo4(src, dst, NP_IPPROTO_UDP, (uint16_t)n);
	if (np_csum_finish(np_csum_add(sum, out, (size_t)n)) != 0)
		abort();
	if (np_udp_parse(out, (size_t)n, src, dst, &b) < 0 || b.checksum == 0)
		abort();
	if (b.src_port != a.src_port || b.dst_port != a.dst_port || b.length != a.length ||
	    b.payload_len != a.payload_len || memcmp(b.payload, a.payload, a.payload_len))
		abort();
	/* A checksum that verified is the one the builder computes. */
	if (checked == 0 && a.checksum != 0 && memcmp(out, seg, (size_t)n))
		abort();
	return 0;
}
