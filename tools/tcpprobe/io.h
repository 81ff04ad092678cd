/*
 * io.h: np-tcpprobe's contact with the system.
 *
 *   - the route, source address and next hop to a target from the kernel
 *     (rtnetlink RTM_GETROUTE and the RTM_GETNEIGH table), or our own ARP
 *     request or IPv6 Neighbor Solicitation (RFC 4861 §7.2.2);
 *   - an AF_PACKET socket for IPv4 or IPv6 with a BPF filter that passes
 *     TCP to our source ports and ICMP (ICMPv6) to our address, and one
 *     for ARP;
 *   - frames built with libnetproto and sent whole; received frames with
 *     the kernel's checksum status (PACKET_AUXDATA);
 *   - the nftables table that keeps the local kernel from resetting our
 *     connections: one table per run, inet np_tcpprobe_<pid> (the inet
 *     family covers IPv4 and IPv6), dropping what the kernel sends from
 *     our source ports to the target; removed
 *     at exit, and tables whose process is gone are removed at start.
 *
 * Addresses are struct probe_addr (probe.h): IPv4 in its mapped form.
 * Functions return 0 (or a descriptor) or a negative errno value and
 * never print: main.c says what failed, once.
 */
#ifndef NP_TCPPROBE_IO_H
#define NP_TCPPROBE_IO_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

struct io_route {
	int ifindex;
	char ifname[IF_NAMESIZE];
	struct probe_addr src;       /* the kernel's source address for dst */
	int has_src;
	struct probe_addr gateway;
	int has_gateway;             /* 0: the target is on the link */
	struct probe_addr nexthop;   /* gateway, or the target itself */
	int local;                   /* the target is one of our own addresses */
};

/*
 * Ask the kernel how it would reach dst (through ifindex when not 0, else
 * ifname when not NULL), and from which source address: RTA_PREFSRC of the
 * route (IPv4), the kernel's source address selection (RFC 6724 §5) as a
 * connected UDP socket's getsockname() reports it (IPv6).
 * -ENETUNREACH / -EHOSTUNREACH / -EACCES (prohibit) when it would not,
 * -ENODEV for an unknown ifname.
 */
int io_route_get(const struct probe_addr *dst, int ifindex, const char *ifname,
		 struct io_route *out);

/* The link-layer address of addr on ifindex from the kernel's neighbour table; -ENOENT. */
int io_neigh_get(int ifindex, const struct probe_addr *addr, uint8_t mac[6]);

/* True when the kernel owns addr (a bind() to it works). */
int io_addr_is_local(const struct probe_addr *addr, int ifindex);

/*
 * Packet sockets on ifname: IPv4 or IPv6 (as src is) for our ports lo..hi
 * and address src, or ARP.  The IPv6 one also passes ICMPv6 to the
 * solicited-node multicast group of src, joined on the link, so that
 * Neighbor Solicitations for a --source address reach us.
 */
int io_open_ip(const char *ifname, const struct probe_addr *src, uint16_t lo, uint16_t hi);
int io_open_arp(const char *ifname);

/*
 * The host's secret for ISNs and TSvals: this boot's random identity
 * (the same for every run until a reboot, unknown off the host), or random
 * bytes for this run when it cannot be read.
 */
void io_host_key(uint64_t key[2]);

/*
 * Read one frame without blocking: its length in *len, and in *csum_ok
 * whether the kernel verified (or has not yet filled in) the transport
 * checksum, and in *rx_ns (when not NULL) when the kernel received it, on
 * np_mono_ns()'s clock (clock.h).  0, -EAGAIN when nothing is queued, or -errno.
 */
int io_recv(int fd, uint8_t *buf, size_t cap, size_t *len, int *csum_ok, uint64_t *rx_ns);

/* Send the IPv4 datagram or IPv6 packet ip in an Ethernet frame from smac to dmac. */
int io_send_ip(int fd, int ifindex, const uint8_t smac[6], const uint8_t dmac[6],
	       const uint8_t *ip, size_t len);

/*
 * As io_send_ip(), asking the kernel for the time the frame enters the
 * device's queue (SCM_TSTAMP_SCHED), which io_tx_stamp() then reads.
 */
int io_send_ip_stamped(int fd, int ifindex, const uint8_t smac[6], const uint8_t dmac[6],
		       const uint8_t *ip, size_t len);

/*
 * Read one send stamp from fd's error queue without blocking: the TCP
 * source port and sequence number of the segment it belongs to, and the
 * time on np_mono_ns()'s clock (clock.h).  0, -EAGAIN when none is queued, -EINVAL for
 * an entry that is not such a stamp (it is consumed), or -errno.
 */
int io_tx_stamp(int fd, uint16_t *sport, uint32_t *seq, uint64_t *tx_ns);

/* ARP request for tpa from (smac, spa), broadcast (RFC 826). */
int io_send_arp_request(int fd, int ifindex, const uint8_t smac[6], uint32_t spa, uint32_t tpa);

/*
 * Handle one received ARP frame: a request for addr gets our reply (for
 * --source addresses the kernel does not own); a reply from want fills
 * want_mac and returns 1.  0 otherwise, or -errno from sending.
 */
int io_arp_input(int fd, int ifindex, const uint8_t *frame, size_t len, const uint8_t mymac[6],
		 uint32_t addr, int answer, uint32_t want, uint8_t want_mac[6]);

/*
 * Neighbor Solicitation for target from (smac, src), to target's
 * solicited-node multicast address, with our link-layer address
 * (RFC 4861 §7.2.2, §4.3).
 */
int io_send_ndp_solicit(int fd, int ifindex, const uint8_t smac[6], const struct probe_addr *src,
			const struct probe_addr *target);

/*
 * Handle one received IPv6 frame that may be Neighbor Discovery (RFC 4861
 * §7.1 validity: hop limit 255, checksum, code 0): a Neighbor Solicitation
 * for addr gets our solicited Neighbor Advertisement when answer is set
 * (§7.2.4); an advertisement for want with a target link-layer address
 * fills want_mac and returns 1 (want NULL: none awaited).  0 otherwise,
 * or -errno from sending.
 */
int io_ndp_input(int fd, int ifindex, const uint8_t *frame, size_t len, const uint8_t mymac[6],
		 const struct probe_addr *addr, int answer, const struct probe_addr *want,
		 uint8_t want_mac[6]);

/* ---- nftables ------------------------------------------------------- */

#define IO_NFT_TABLE_LEN 40

/*
 * Add table inet np_tcpprobe_<pid> dropping what this host sends from
 * ports lo..hi to dst (an "ip daddr" or "ip6 daddr" rule as dst is).  name receives the table's name.  -ENOENT when nft
 * is not installed, -EPERM or -EIO when it fails.
 */
int io_nft_add(uint16_t lo, uint16_t hi, const struct probe_addr *dst,
	       char name[IO_NFT_TABLE_LEN]);
/* Delete the table; 0 or -EIO. */
int io_nft_del(const char *name);
/* Delete np_tcpprobe_<pid> tables whose process no longer runs; how many, or -errno. */
int io_nft_clean_stale(void);

#endif
