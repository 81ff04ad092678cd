/* ether.c: Ethernet II and 802.1Q (IEEE 802.3 §3.2, IEEE 802.1Q §9). */
#include <string.h>

#include <netproto/buf.h>
#include <netproto/error.h>
#include <netproto/ether.h>

/* EtherType values start here; smaller values are 802.3 lengths (IEEE 802.3 §3.2.6). */
#define ETHERTYPE_MIN 0x0600

const uint8_t np_ether_broadcast[NP_ETHER_ADDR_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

int np_ether_parse(const void *buf, size_t len, struct np_ether *out)
{
	struct np_reader r;
	struct np_ether e;

	memset(&e, 0, sizeof(e));
	np_reader_init(&r, buf, len);
	np_read_copy(&r, e.dst, NP_ETHER_ADDR_LEN);
	np_read_copy(&r, e.src, NP_ETHER_ADDR_LEN);
	e.ethertype = np_read_be16(&r);
	if (e.ethertype == NP_ETHERTYPE_VLAN) {
		e.has_vlan = 1;
		e.vlan_tci = np_read_be16(&r);
		e.ethertype = np_read_be16(&r);
	}
	if (np_reader_error(&r))
		return np_reader_error(&r);
	if (e.ethertype < ETHERTYPE_MIN)
		return NP_ETYPE;
	e.payload = np_read_rest(&r, &e.payload_len);
	*out = e;
	return 0;
}

size_t np_ether_hdr_len(const struct np_ether *in)
{
	return in->has_vlan ? NP_ETHER_VLAN_HDR_LEN : NP_ETHER_HDR_LEN;
}

int np_ether_build(const struct np_ether *in, void *buf, size_t cap)
{
	struct np_writer w;
	size_t len;

	if (in->payload_len && !in->payload)
		return NP_EINVAL;
	np_writer_init(&w, buf, cap);
	/*
	 * The payload may already be in buf right after the header: write it
	 * first (np_write_bytes moves overlapping data safely), then the header.
	 */
	np_write_zero(&w, np_ether_hdr_len(in));
	np_write_bytes(&w, in->payload, in->payload_len);
	if (np_writer_len(&w) < NP_ETHER_MIN_FRAME)
		np_write_zero(&w, NP_ETHER_MIN_FRAME - np_writer_len(&w));
	if (np_writer_error(&w))
		return np_writer_error(&w);
	len = np_writer_len(&w);

	np_writer_init(&w, buf, cap);
	np_write_bytes(&w, in->dst, NP_ETHER_ADDR_LEN);
	np_write_bytes(&w, in->src, NP_ETHER_ADDR_LEN);
	if (in->has_vlan) {
		np_write_be16(&w, NP_ETHERTYPE_VLAN);
		np_write_be16(&w, in->vlan_tci);
	}
	np_write_be16(&w, in->ethertype);
	if (np_writer_error(&w))
		return np_writer_error(&w);
	return (int)len;
}

int np_ether_is_broadcast(const uint8_t addr[NP_ETHER_ADDR_LEN])
{
	return memcmp(addr, np_ether_broadcast, NP_ETHER_ADDR_LEN) == 0;
}

int np_ether_is_multicast(const uint8_t addr[NP_ETHER_ADDR_LEN])
{
	return addr[0] & 0x01;
}

int np_ether_is_zero(const uint8_t addr[NP_ETHER_ADDR_LEN])
{
	static const uint8_t zero[NP_ETHER_ADDR_LEN];

	return memcmp(addr, zero, NP_ETHER_ADDR_LEN) == 0;
}

char *np_ether_addr_to_text(const uint8_t addr[NP_ETHER_ADDR_LEN],
			    char text[NP_ETHER_ADDR_TEXT_LEN])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < NP_ETHER_ADDR_LEN; i++) {
		text[3 * i] = hex[addr[i] >> 4];
		text[3 * i + 1] = hex[addr[i] & 0xf];
		text[3 * i + 2] = i + 1 < NP_ETHER_ADDR_LEN ? ':' : '\0';
	}
	return text;
}

int np_ether_addr_parse(const char *text, uint8_t addr[NP_ETHER_ADDR_LEN])
{
	uint8_t a[NP_ETHER_ADDR_LEN];
	char sep = text[0] != '\0' && text[1] != '\0' ? text[2] : '\0';

	if (sep != ':' && sep != '-')
		return NP_EINVAL;
	for (int i = 0; i < NP_ETHER_ADDR_LEN; i++) {
		const char *p = text + 3 * i;
		int hi = np_hex_digit(p[0]), lo = hi < 0 ? -1 : np_hex_digit(p[1]);

		if (lo < 0 || p[2] != (i + 1 < NP_ETHER_ADDR_LEN ? sep : '\0'))
			return NP_EINVAL;
		a[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(addr, a, sizeof(a));
	return 0;
}
