/*
 * xsk.h: UDP datagrams to chosen addresses and ports through an AF_XDP
 * socket, past the kernel's IP and UDP layers (Knot DNS's XDP mode).
 *
 * np_xsk_open() loads a small XDP program on one interface that hands the
 * IPv4 UDP datagrams addressed to one of the given (address, port) pairs
 * to an AF_XDP socket on one receive queue; everything else (ARP, ICMP,
 * TCP, other ports, IP fragments, datagrams with IP options, VLAN-tagged
 * frames, frames too long for a ring frame, other queues) goes on to the
 * kernel as before.  So the daemon
 * keeps its ordinary UDP socket bound to the same address and port: the
 * kernel answers whatever the program passes, and the daemon uses it for
 * anything it cannot send through the ring.
 *
 * The program takes only frames to the interface's own MAC; frames from a
 * multicast or zero MAC or a martian source address are dropped (and
 * counted) as the kernel would: the martian check (martian.h) includes the
 * host's own addresses and its subnets' broadcast addresses, which the
 * caller gives with np_xsk_set_local() and keeps current.  Answers sent
 * through the ring leave past the kernel's packet taps: a capture
 * (tcpdump) on this host does not see them.  Answers are built in place in the ring's
 * frames, addressed back to the query's sender: from the interface's MAC
 * to the query's source MAC, addresses and ports swapped, IPv4 and UDP
 * checksums computed; no neighbour lookup is needed, as for any reply.
 * An answer longer than the link's MTU is left to the kernel socket, which
 * fragments it.
 *
 * The program (xsk-prog.bpf.c, C compiled for the BPF target and embedded
 * in the binary) is loaded with libbpf and attached through a BPF link
 * owned by the socket's holder: it goes away with the process, even on a
 * crash.  libxdp makes the sockets and the umem.  Zero-copy is used where
 * the driver offers it, copy mode elsewhere (veth).
 *
 * Like netio.h: functions return 0 (or a count) or a negative errno value,
 * never log, and write output parameters only on success.
 */
#ifndef NP_XSK_H
#define NP_XSK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NP_XSK_MAX_MATCH 16

/* One (address, port) to take. */
struct np_xsk_match {
	uint32_t addr;                 /* host order, not 0 */
	uint16_t port;
};

struct np_xsk_opts {
	const char *ifname;
	uint32_t queue;                /* the receive queue to serve */
	const struct np_xsk_match *match;
	unsigned nmatch;               /* 1..NP_XSK_MAX_MATCH */
};

/* One UDP datagram read from the ring (it points into the ring's memory). */
struct np_xsk_dgram {
	uint64_t frame;                /* for np_xsk_recv_done() */
	uint8_t mac_src[6], mac_dst[6];
	uint32_t ip_src, ip_dst;       /* host order */
	uint16_t port_src, port_dst;
	const uint8_t *payload;
	size_t len;
};

struct np_xsk_stats {
	uint64_t rx, rx_malformed;     /* datagrams read; frames that did not parse */
	uint64_t rx_martian;           /* datagrams from a source the kernel would drop */
	uint64_t tx, tx_no_frame;      /* answers queued; answers with no free frame */
	uint64_t kernel_rx_dropped;    /* the kernel's XDP_STATISTICS */
	uint64_t kernel_rx_ring_full, kernel_fill_ring_empty, kernel_tx_invalid;
};

struct np_xsk;

/*
 * Open the socket on opts->ifname and attach the program.  Needs
 * CAP_NET_RAW, CAP_NET_ADMIN and CAP_BPF (or CAP_SYS_ADMIN).  On failure
 * *stage names the step that failed ("interface", "umem", "bind",
 * "program", "map", "attach"); -EBUSY from "attach" means the interface
 * already has an XDP program, -ENOBUFS from "umem" that the frames
 * exceed the locked-memory limit, -EPROTONOSUPPORT from "interface" that
 * it is not Ethernet.
 */
int np_xsk_open(const struct np_xsk_opts *opts, struct np_xsk **out, const char **stage);

/*
 * The host's addresses and broadcast addresses (martian.h), whose sources
 * are dropped; until the first call, only the fixed martian ranges are.
 */
struct np_local4;
void np_xsk_set_local(struct np_xsk *x, const struct np_local4 *local);

/* The descriptor to poll: readable while datagrams wait in the ring. */
int np_xsk_fd(const struct np_xsk *x);

/* true if the kernel gave zero-copy mode. */
bool np_xsk_zerocopy(const struct np_xsk *x);

/*
 * Read up to max datagrams.  Frames that are not a well-formed IPv4 UDP
 * datagram (rx_malformed) or come from a martian source (rx_martian) are
 * counted and recycled here.  The datagrams
 * stay valid until np_xsk_recv_done() hands their frames back.
 */
unsigned np_xsk_recv(struct np_xsk *x, struct np_xsk_dgram *d, unsigned max);
void np_xsk_recv_done(struct np_xsk *x, const struct np_xsk_dgram *d, unsigned n);

/*
 * Queue payload (len octets) as the answer to q, from q's destination to
 * q's source.  -ENOSPC: no free frame right now; -EMSGSIZE: the datagram
 * would not fit the link's MTU or a ring frame.  Either way the caller sends it another way.
 * Queued answers leave at np_xsk_flush().
 */
int np_xsk_send(struct np_xsk *x, const struct np_xsk_dgram *q, const void *payload,
		size_t len);

/* Have the kernel transmit what is queued; 0 or -errno (the frames stay queued). */
int np_xsk_flush(struct np_xsk *x);
/* true while queued answers wait (the kernel was busy): flush again soon. */
bool np_xsk_tx_pending(const struct np_xsk *x);

void np_xsk_get_stats(struct np_xsk *x, struct np_xsk_stats *out);

/* Detach the program and free everything; accepts NULL. */
void np_xsk_close(struct np_xsk *x);

#endif
