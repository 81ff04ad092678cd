/* csum.c: RFC 1071 Internet checksum, IPv4 and IPv6 pseudo-headers, RFC 1624 update. */
#include <netproto/buf.h>
#include <netproto/csum.h>

/* Reduce to at most 17 bits by end-around carry (RFC 1071 §2(1)). */
static uint32_t csum_fold32(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)sum;
}

uint32_t np_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		acc += np_load_be16(p + i);
	/* An odd final byte is padded with a zero byte on the right (RFC 1071 §4.1). */
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	return csum_fold32(acc);
}

uint16_t np_csum_finish(uint32_t sum)
{
	return (uint16_t)~csum_fold32(sum);
}

uint16_t np_csum(const void *data, size_t len)
{
	return np_csum_finish(np_csum_add(0, data, len));
}

uint32_t np_csum_pseudo4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint64_t acc = 0;

	acc += src >> 16;
	acc += src & 0xffff;
	acc += dst >> 16;
	acc += dst & 0xffff;
	acc += proto;
	acc += len;
	return csum_fold32(acc);
}

uint32_t np_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t next,
			 uint32_t len)
{
	uint64_t acc;

	acc = np_csum_add(0, src, 16);
	acc += np_csum_add(0, dst, 16);
	acc += len >> 16;
	acc += len & 0xffff;
	/* Three zero octets, then the next header value (RFC 8200 §8.1). */
	acc += next;
	return csum_fold32(acc);
}

uint16_t np_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word)
{
	/* HC' = ~(~HC + ~m + m'): RFC 1624 §3, which avoids the -0 of eqn. 2. */
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~old_word;
	sum += new_word;
	return (uint16_t)~csum_fold32(sum);
}

uint16_t np_csum_update32(uint16_t csum, uint32_t old_word, uint32_t new_word)
{
	csum = np_csum_update16(csum, (uint16_t)(old_word >> 16), (uint16_t)(new_word >> 16));
	return np_csum_update16(csum, (uint16_t)old_word, (uint16_t)new_word);
}
