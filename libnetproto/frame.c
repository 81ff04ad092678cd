/*
 * frame.c: an Ethernet/IPv4/UDP frame built in place (see netproto/frame.h).
 */
#include <string.h>

#include <netproto/error.h>
#include <netproto/frame.h>

#define IP_OFF NP_ETHER_HDR_LEN
#define UDP_OFF (NP_ETHER_HDR_LEN + NP_IPV4_HDR_LEN)

int np_udp4_frame_build(const struct np_udp4_frame *f, uint8_t *buf, size_t cap, size_t len)
{
	struct np_udp u = { .src_port = f->src_port, .dst_port = f->dst_port,
			    .payload = buf + NP_UDP4_FRAME_HDRS, .payload_len = len };
	struct np_ipv4 ip = { .id = f->ip_id, .ttl = f->ttl, .proto = NP_IPPROTO_UDP,
			      .src = f->src, .dst = f->dst, .payload = buf + UDP_OFF };
	struct np_ether e = { .ethertype = NP_ETHERTYPE_IPV4, .payload = buf + IP_OFF };
	int n;

	if (cap < NP_UDP4_FRAME_HDRS)
		return NP_ENOSPC;
	/* Each layer writes its payload first, so what lies in place stays. */
	n = np_udp_build(&u, f->src, f->dst, buf + UDP_OFF, cap - UDP_OFF);
	if (n < 0)
		return n;
	ip.payload_len = (size_t)n;
	n = np_ipv4_build(&ip, buf + IP_OFF, cap - IP_OFF);
	if (n < 0)
		return n;
	memcpy(e.dst, f->dst_mac, NP_ETHER_ADDR_LEN);
	memcpy(e.src, f->src_mac, NP_ETHER_ADDR_LEN);
	e.payload_len = (size_t)n;
	return np_ether_build(&e, buf, cap);
}
