/*
 * netio.h: the sockets the daemons use, opened the same careful way.
 *
 *   - AF_PACKET sockets bound to one interface, with a classic BPF filter
 *     attached before any frame can be queued, for np-dhcpd (clients with no
 *     address yet), np-arpd and np-tcpprobe;
 *   - ready-made BPF filters, documented instruction by instruction;
 *   - interface facts (ifindex, MAC, MTU, IPv4 addresses) from ioctl and
 *     rtnetlink;
 *   - UDP sockets with IP_PKTINFO, so a reply leaves from the address the
 *     request arrived on, and a TCP listener helper;
 *   - struct np_batch: N buffers behind recvmmsg()/sendmmsg().
 *
 * Every socket is non-blocking and close-on-exec.  Functions return 0 (or a
 * file descriptor, a count) on success and a negative errno value on
 * failure; they never log: the caller knows what the socket is for and says
 * so once.  Output parameters are written only on success.  IPv4 addresses
 * are uint32_t in host byte order, as in libnetproto.
 */
#ifndef NP_NETIO_H
#define NP_NETIO_H

#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* ---- AF_PACKET ------------------------------------------------------- */

struct np_packet_opts {
	/*
	 * EtherType to receive, host order (0x0806 for ARP, 0x0800 for IPv4);
	 * 0 means every protocol (ETH_P_ALL).
	 */
	uint16_t protocol;
	/* Classic BPF program attached before the socket is bound; NULL = none. */
	const struct sock_filter *filter;
	size_t filter_len;             /* instructions, at most BPF_MAXINSNS */
	/*
	 * Receive buffer in bytes, 0 = system default.  SO_RCVBUFFORCE is
	 * tried first (needs CAP_NET_ADMIN, lifts the rmem_max cap), then
	 * SO_RCVBUF.
	 */
	int rcvbuf;
	/*
	 * Do not deliver frames this host sends (PACKET_IGNORE_OUTGOING,
	 * Linux 4.20): a responder must not see its own replies, including
	 * those of other programs on the host.
	 */
	int ignore_outgoing;
};

/*
 * Open a raw AF_PACKET socket (SOCK_RAW: frames with their Ethernet header)
 * on interface ifname and return its descriptor.
 *
 * The socket is created with protocol 0, which hooks it to no traffic at
 * all; the filter is attached, anything queued is drained, and only then is
 * it bound to the interface and protocol.  So no frame that the filter
 * would reject is ever read.  Errors: -ENODEV (no such interface),
 * -EPERM (needs CAP_NET_RAW), -EINVAL (filter too long), others from the
 * kernel.
 */
int np_packet_open(const char *ifname, const struct np_packet_opts *opts);

/* Attach (or replace) a classic BPF filter; 0 or -errno. */
int np_packet_attach_filter(int fd, const struct sock_filter *filter, size_t len);

/* Read and discard every frame queued on fd; returns how many. */
int np_packet_drain(int fd);

/* Fill a link-layer address for sending on ifindex to dst (6 bytes). */
void np_packet_addr(struct sockaddr_ll *sll, int ifindex, uint16_t protocol,
		    const uint8_t dst[6]);

/*
 * Send one complete Ethernet frame (header included) out of ifindex.  The
 * destination MAC is taken from the frame itself.  Returns 0, -EAGAIN when
 * the socket buffer is full, or another -errno.
 */
int np_packet_send(int fd, int ifindex, const void *frame, size_t len);

/* ---- Ready-made BPF filters ------------------------------------------ */

/*
 * Filters see the frame from its Ethernet header (offset 0) and accept it
 * whole or drop it.  A load beyond the end of a short frame makes the
 * kernel drop it, so no length checks are needed.  The socket's interface
 * strips 802.1Q tags into metadata (VLAN offload on veth and most NICs), so
 * the EtherType is at offset 12.
 */

/* ARP requests for IPv4 over Ethernet only (np-arpd answering). */
extern const struct sock_filter np_bpf_arp_request[];
extern const size_t np_bpf_arp_request_len;
/* Any ARP opcode for IPv4 over Ethernet (RFC 5227 conflict detection). */
extern const struct sock_filter np_bpf_arp_any[];
extern const size_t np_bpf_arp_any_len;
/* IPv4 UDP to port 67 that is not a fragment (np-dhcpd). */
extern const struct sock_filter np_bpf_dhcp_server[];
extern const size_t np_bpf_dhcp_server_len;

/* Instructions np_bpf_tcp_probe() writes. */
#define NP_BPF_TCP_PROBE_LEN 15

/*
 * For np-tcpprobe: IPv4 from peer (0 = any source) that is either TCP to
 * port (the prober's own source port), not a fragment, or ICMP (errors
 * about the probes, echo replies).  Writes the program into buf and returns
 * its length, or -ENOSPC when cap is below NP_BPF_TCP_PROBE_LEN.
 */
int np_bpf_tcp_probe(struct sock_filter *buf, size_t cap, uint32_t peer, uint16_t port);

/* ---- Interface information ------------------------------------------- */

#define NP_IFINFO_MAX_ADDRS 16

struct np_ifaddr4 {
	uint32_t addr;                 /* the local address (IFA_LOCAL) */
	uint8_t prefixlen;
	uint32_t broadcast;            /* 0 when the interface has none */
};

struct np_ifinfo {
	char name[IF_NAMESIZE];
	int ifindex;
	unsigned int flags;            /* IFF_UP, IFF_RUNNING, IFF_LOOPBACK, ... */
	int mtu;
	unsigned short hwtype;         /* ARPHRD_ETHER, ARPHRD_LOOPBACK, ... */
	uint8_t mac[6];                /* all zero when the link has none */
	unsigned int naddr;            /* IPv4 addresses in addr[], at most the cap */
	struct np_ifaddr4 addr[NP_IFINFO_MAX_ADDRS];  /* primary addresses first */
};

/* Fill out for interface ifname; 0, -ENODEV or another -errno. */
int np_ifinfo_get(const char *ifname, struct np_ifinfo *out);

/*
 * The host's IPv4 addresses, on every interface, with their subnets'
 * broadcast addresses (martian.h); 0 or -errno.
 */
struct np_local4;
int np_local4_read(struct np_local4 *out);

/*
 * A non-blocking rtnetlink socket told of every IPv4 address added or
 * removed (RTMGRP_IPV4_IFADDR); needs no privilege.  fd or -errno.
 */
int np_addr_watch_open(void);
/*
 * Read what is queued on it: 1 when an address changed (also when the
 * kernel had to drop notices, ENOBUFS: something changed), 0 otherwise.
 */
int np_addr_watch_drain(int fd);

/* One IPv6 address of an interface, from an RTM_GETADDR dump. */
struct np_ifaddr6 {
	uint8_t addr[16];
	uint8_t prefixlen;
	uint8_t scope;                 /* RT_SCOPE_UNIVERSE (global, ULA), RT_SCOPE_LINK, ... */
	uint32_t flags;                /* IFA_F_TENTATIVE, IFA_F_DADFAILED, IFA_F_DEPRECATED, ... */
	uint32_t valid_lifetime;       /* seconds left, 0xffffffff infinite */
	uint32_t preferred_lifetime;
};

/*
 * The IPv6 addresses of interface ifindex, at most cap into out: their
 * number, or -errno.  Needs no privilege.
 */
int np_ifaddr6_list(int ifindex, struct np_ifaddr6 *out, size_t cap);
/*
 * The IPv6 counterpart of np_addr_watch_open() (RTMGRP_IPV6_IFADDR);
 * read it with np_addr_watch_drain().
 */
int np_addr6_watch_open(void);

/* ---- UDP and TCP ------------------------------------------------------ */

struct np_sock_opts {
	uint32_t addr;                 /* local address, host order; 0 = any */
	uint16_t port;                 /* 0 = an ephemeral port */
	const char *ifname;            /* SO_BINDTODEVICE when set (CAP_NET_RAW) */
	int reuseport;                 /* SO_REUSEPORT: several sockets, one port */
	int freebind;                  /* IP_FREEBIND: bind an address not (yet) ours */
	int broadcast;                 /* SO_BROADCAST (UDP): may send to 255.255.255.255 */
	int rcvbuf;                    /* bytes, 0 = default (FORCE tried first) */
	int sndbuf;                    /* bytes, 0 = default (FORCE tried first) */
	int backlog;                   /* TCP listen(); 0 = SOMAXCONN */
};

/*
 * A UDP socket bound to opts->addr:port with SO_REUSEADDR and IP_PKTINFO on,
 * so each datagram read with np_batch_recv() says where it was sent and on
 * which interface it arrived.  Returns the descriptor or -errno.
 *
 * SO_REUSEADDR lets such sockets share a port on Linux (as ISC dhcpd's and
 * dnsmasq's do, one per interface with SO_BINDTODEVICE): the daemons keep
 * to one instance through their control socket, which refuses to replace
 * a live one.
 */
int np_udp_open(const struct np_sock_opts *opts);

/* A listening TCP socket (SO_REUSEADDR); returns the descriptor or -errno. */
int np_tcp_listen(const struct np_sock_opts *opts);

/* The local port a socket is bound to (host order), or -errno. */
int np_sock_port(int fd);

/* ---- Batches for recvmmsg()/sendmmsg() ------------------------------- */

/*
 * Where a datagram arrived (receive) or how it should leave (send), from and
 * to an IP_PKTINFO control message.
 */
struct np_pktinfo {
	int ifindex;                   /* arrival interface; on send 0 = by route */
	/*
	 * The local address the datagram was for, or for broadcasts the
	 * interface's address (ipi_spec_dst): the right source for a reply.
	 * On send, the source address to use (0 = by route).
	 */
	uint32_t local;
	uint32_t dst;                  /* destination in the IP header (receive only) */
};

/* sendmmsg() and recvmmsg() take at most this many messages (UIO_MAXIOV). */
#define NP_BATCH_MAX 1024

/* Room for one IP_PKTINFO message, aligned. */
#define NP_BATCH_CMSG_SPACE 64
union np_batch_cmsg {
	struct cmsghdr align;
	uint8_t buf[NP_BATCH_CMSG_SPACE];
};

/*
 * A batch of cap messages of up to bufsize bytes each.  After
 * np_batch_recv(), messages 0..count-1 hold what arrived.  For sending,
 * write message count's bytes into np_batch_buf(b, b->count), then queue it
 * with np_batch_add(); np_batch_send() sends what is pending.
 */
struct np_batch {
	unsigned int cap;
	size_t bufsize;
	unsigned int count;            /* messages held */
	unsigned int done;             /* of those, already sent or dropped */
	unsigned int send_errors;      /* dropped by np_batch_send() after an error */
	int last_error;                /* -errno of the last dropped message */
	uint8_t *data;                 /* cap * bufsize bytes */
	struct mmsghdr *msgs;
	struct iovec *iov;
	struct sockaddr_storage *addr;
	union np_batch_cmsg *cmsg;
};

/* Allocate the arrays; 0, -EINVAL (cap 0 or above NP_BATCH_MAX, bufsize 0) or -ENOMEM. */
int np_batch_init(struct np_batch *b, unsigned int cap, size_t bufsize);
/* Free what np_batch_init() allocated; a zeroed batch is fine. */
void np_batch_free(struct np_batch *b);
/* Forget every message (count, done, errors back to 0). */
void np_batch_clear(struct np_batch *b);

uint8_t *np_batch_buf(const struct np_batch *b, unsigned int i);
/* Bytes of message i (after receive: what was stored, at most bufsize). */
size_t np_batch_len(const struct np_batch *b, unsigned int i);
/* True when message i was longer than the buffer and was cut (MSG_TRUNC). */
int np_batch_truncated(const struct np_batch *b, unsigned int i);
/* The peer address of message i (sockaddr_in, or sockaddr_ll on AF_PACKET). */
const struct sockaddr *np_batch_addr(const struct np_batch *b, unsigned int i, socklen_t *len);
/* The IP_PKTINFO of received message i: 0, or -ENOENT if none came. */
int np_batch_pktinfo(const struct np_batch *b, unsigned int i, struct np_pktinfo *out);

/*
 * Queue message b->count: len bytes already written at np_batch_buf(b,
 * b->count), to addr (may be NULL on a connected or bound AF_PACKET
 * socket), leaving as src says (may be NULL; UDP only).  Returns the
 * message's index, -ENOBUFS when the batch is full, -EINVAL when len or
 * addrlen is too large.
 */
int np_batch_add(struct np_batch *b, size_t len, const void *addr, socklen_t addrlen,
		 const struct np_pktinfo *src);
/* Messages queued and not yet sent or dropped. */
unsigned int np_batch_pending(const struct np_batch *b);

/*
 * Clear the batch and read up to cap messages without blocking.  Returns
 * how many arrived (0 when none was waiting) or -errno.
 */
int np_batch_recv(int fd, struct np_batch *b);

/*
 * Send the pending messages with sendmmsg().  Stops when the socket is full
 * (EAGAIN, ENOBUFS): the rest stay pending for when it is writable again.
 * A message the kernel refuses for itself (EMSGSIZE, EHOSTUNREACH, ...) is
 * dropped so it cannot block those behind it; it counts in send_errors
 * with its error in last_error.  Returns the number sent by this call.
 */
int np_batch_send(int fd, struct np_batch *b);

#endif
