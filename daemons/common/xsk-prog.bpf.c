/*
 * xsk-prog.bpf.c: the XDP program np_xsk_open() attaches (see xsk.h).
 *
 * Compiled by clang for the BPF target at build time and embedded in the
 * binary (a libbpf skeleton, xsk-prog.skel.h).  It hands an AF_XDP socket
 * the frames np-dnsd answers itself and passes everything else to the
 * kernel unchanged.  A frame is taken only if it is
 *
 *   - Ethernet II to the interface's own MAC: not broadcast, not multicast,
 *     not another host's seen in promiscuous mode (the kernel would not
 *     deliver those to a local socket either);
 *   - IPv4 with a 20-octet header: no options, which the ring's parser does
 *     not skip (the kernel's socket answers those);
 *   - not a fragment: reassembly is the kernel's (RFC 791 §3.2);
 *   - UDP to one (address, port) pair of the listen table;
 *   - no longer than a ring frame holds (the socket would drop it);
 *
 * and then it goes to the socket of the receive queue it came in on (the
 * XSKMAP), or to the kernel if no socket serves that queue.  VLAN-tagged
 * frames have another EtherType and pass.  The checks the program cannot
 * make (a martian source, which depends on the host's addresses as they
 * change; the IPv4 header checksum) are made by np_xsk_recv().
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xsk-prog.h"

/* IPv4 flags and fragment offset field (RFC 791 §3.1): MF, offset. */
#define IP_MORE_FRAGMENTS 0x2000
#define IP_FRAGMENT_OFFSET 0x1fff

/* The interface's MAC, written by the loader before the load (read-only after). */
const volatile __u8 if_mac[ETH_ALEN];

/* Receive queue -> AF_XDP socket; sized queue + 1 by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

/* The (address, port) pairs to take; filled by the loader, read-only here. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NP_XSK_PROG_MAX_LISTEN);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, struct np_xsk_listen_key);
	__type(value, __u8);
} listen_table SEC(".maps");

static __always_inline int to_our_mac(const struct ethhdr *eth)
{
	for (int i = 0; i < ETH_ALEN; i++)
		if (eth->h_dest[i] != if_mac[i])
			return 0;
	return 1;
}

SEC("xdp")
int np_xsk(struct xdp_md *ctx)
{
	const void *data = (const void *)(long)ctx->data;
	const void *end = (const void *)(long)ctx->data_end;
	const struct ethhdr *eth = data;
	const struct iphdr *ip = (const void *)(eth + 1);
	const struct udphdr *udp = (const void *)(ip + 1);
	struct np_xsk_listen_key key = { 0 };

	/* Too short for Ethernet, IPv4 without options and UDP. */
	if ((const void *)(udp + 1) > end)
		return XDP_PASS;
	if (data + NP_XSK_PROG_FRAME_MAX < end)
		return XDP_PASS;
	if (!to_our_mac(eth) || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	/* The first octet: version 4, IHL 5 (20 octets, no options). */
	if (*(const __u8 *)ip != 0x45 || ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	if (ip->frag_off & bpf_htons(IP_MORE_FRAGMENTS | IP_FRAGMENT_OFFSET))
		return XDP_PASS;
	key.addr = ip->daddr;
	key.port = udp->dest;
	if (!bpf_map_lookup_elem(&listen_table, &key))
		return XDP_PASS;
	/* The queue's socket, or the kernel if none serves it (the flags' action). */
	return (int)bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "BSD";
