/*
 * fuzz-icmp6.c: ICMPv6, the packet its errors quote, and Neighbor
 * Discovery messages and options.  The input is the IPv6 source and
 * destination (16 octets each) then the message.  Round trips: parse ->
 * build gives the message back byte for byte for ICMPv6 and for ND (the
 * checksum is recomputed, and 0x0000 and 0xffff both verify, so it is
 * compared by verifying it); every option reader stays inside its option.  Each input is also tried with its checksum made
 * valid, so the fuzzer reaches the ND code without guessing the sum.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/buf.h>
#include <netproto/csum.h>
#include <netproto/dns.h>
#include <netproto/icmp6.h>
#include <netproto/ipv6.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t scratch[NP_IPV6_MAX_PAYLOAD];
static uint8_t out[NP_IPV6_MAX_PAYLOAD];

static int inside(const uint8_t *p, size_t n, const struct np_ndp_opt *o)
{
	return p >= o->data && p + n <= o->data + o->data_len;
}

static void check_option(const struct np_ndp_opt *o)
{
	struct np_ndp_prefix pi;
	struct np_ndp_rdnss rd;
	struct np_ndp_dnssl dl;
	const uint8_t *p;
	uint32_t mtu;
	size_t n, pos = 0;
	int k = 0;

	if (np_ndp_prefix_parse(o, &pi) == 0 && pi.prefix_len > 128)
		abort();
	np_ndp_mtu_parse(o, &mtu);
	if (np_ndp_rdnss_parse(o, &rd) == 0 && (rd.count == 0 || !inside(rd.addrs, rd.count * 16, o)))
		abort();
	if (np_ndp_dnssl_parse(o, &dl) == 0) {
		while (np_ndp_dnssl_next(&dl, &pos, &p, &n) > 0) {
			if (!inside(p, n, o) || np_dns_name_check(p, n) < 0 || ++k > 256)
				abort();
		}
	}
	if (np_ndp_redirected_parse(o, &p, &n) == 0 && n && !inside(p, n, o))
		abort();
}

/* out[0..len) is msg with a checksum that verifies. */
static int same_message(const uint8_t *src, const uint8_t *dst, const uint8_t *msg, size_t len)
{
	uint32_t sum = np_csum_pseudo6(src, dst, NP_IPPROTO_ICMPV6, (uint32_t)len);

	return memcmp(out, msg, 2) == 0 && memcmp(out + 4, msg + 4, len - 4) == 0 &&
	       np_csum_finish(np_csum_add(sum, out, len)) == 0;
}

static void fuzz_ndp(const struct np_icmp6 *m, const uint8_t *src, const uint8_t *dst,
		     const uint8_t *msg, size_t len)
{
	struct np_ndp nd, back;
	struct np_ndp_opt o;
	size_t pos = 0;
	int n, k = 0;

	if (np_ndp_parse(m, &nd) < 0)
		return;
	np_ndp_check_ip(&(struct np_ipv6){ .hop_limit = 255 }, &nd);
	while ((n = np_ndp_opt_next(nd.opts, nd.opts_len, &pos, &o)) > 0) {
		if (o.data_len + 2 < 8 || (o.data_len + 2) % 8 || ++k > 8192)
			abort();
		check_option(&o);
	}
	if (n < 0)
		abort();
	n = np_ndp_build(&nd, src, dst, out, sizeof(out));
	if (n < 0 || (size_t)n != len || !same_message(src, dst, msg, len))
		abort();
	if (np_ndp_parse(m, &back) < 0 || back.opts_len != nd.opts_len)
		abort();
}

static void fuzz_msg(const uint8_t *src, const uint8_t *dst, const uint8_t *msg, size_t len)
{
	struct np_icmp6_quote q;
	struct np_icmp6 m, b;
	int n;

	if (np_icmp6_parse(msg, len, src, dst, &m) < 0)
		return;
	n = np_icmp6_build(&m, src, dst, out, sizeof(out));
	if (n < 0 || (size_t)n != len || !same_message(src, dst, msg, len))
		abort();
	if (np_icmp6_parse(out, (size_t)n, src, dst, &b) < 0 || b.type != m.type ||
	    b.rest != m.rest || b.data_len != m.data_len)
		abort();
	if (np_icmp6_quote_parse(&m, &q) == 0) {
		if (!np_icmp6_is_error(m.type) ||
		    NP_IPV6_HDR_LEN + q.ip.ext_len + q.ip.payload_len > m.data_len)
			abort();
		if (q.has_ports && (q.sport != np_load_be16(q.ip.payload) ||
				    q.dport != np_load_be16(q.ip.payload + 2)))
			abort();
	}
	fuzz_ndp(&m, src, dst, msg, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *src = data, *dst = data + 16;
	size_t len;

	if (size < 32)
		return 0;
	len = size - 32;
	fuzz_msg(src, dst, data + 32, len);
	if (len >= NP_ICMP6_HDR_LEN && len <= sizeof(scratch)) {
		memcpy(scratch, data + 32, len);
		np_store_be16(scratch + 2, 0);
		np_store_be16(scratch + 2, np_csum_finish(np_csum_add(
			np_csum_pseudo6(src, dst, NP_IPPROTO_ICMPV6, (uint32_t)len), scratch, len)));
		fuzz_msg(src, dst, scratch, len);
	}
	return 0;
}
