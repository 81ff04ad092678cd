/*
 * fuzz-ether.c: Ethernet II / 802.1Q decoder, with the round trip
 * parse -> build -> parse giving the same header and payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/ether.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[65536 + NP_ETHER_VLAN_HDR_LEN];
	struct np_ether a, b;
	int len;

	if (np_ether_parse(data, size, &a) < 0)
		return 0;
	len = np_ether_build(&a, frame, sizeof(frame));
	if (len < 0)
		abort();
	if (np_ether_parse(frame, (size_t)len, &b) < 0)
		abort();
	if (memcmp(a.dst, b.dst, 6) || memcmp(a.src, b.src, 6) || a.ethertype != b.ethertype ||
	    a.has_vlan != b.has_vlan || a.vlan_tci != b.vlan_tci)
		abort();
	/* Padding may lengthen the payload, never change what was there. */
	if (b.payload_len < a.payload_len || memcmp(a.payload, b.payload, a.payload_len))
		abort();
	return 0;
}
