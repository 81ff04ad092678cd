/* xsk.c: UDP datagrams through an AF_XDP socket (see xsk.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <net/if_arp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include <netproto/buf.h>
#include <netproto/ether.h>
#include <netproto/frame.h>
#include <netproto/ipv4.h>
#include <netproto/udp.h>

#include "daemons/common/xsk-prog.skel.h"
#include "martian.h"
#include "netio.h"
#include "xsk-prog.h"
#include "xsk.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

/*
 * One umem of 4 KiB frames: the first half receives (they circulate
 * between the fill ring and the RX ring), the second half transmits (free
 * list -> TX ring -> completion ring -> free list).  4096 frames are 16 MiB.
 */
#define FRAME_SIZE 4096u
#define RX_FRAMES 2048u
#define TX_FRAMES 2048u
#define RING_SIZE 2048u                /* every ring; a power of two */
#define UMEM_LEN ((size_t)(RX_FRAMES + TX_FRAMES) * FRAME_SIZE)
#define HDRS_LEN NP_UDP4_FRAME_HDRS   /* Ethernet, IPv4 without options, UDP */

_Static_assert(NP_XSK_MAX_MATCH <= NP_XSK_PROG_MAX_LISTEN, "the listen table holds every pair");

/*
 * Two sockets share the umem on one queue: rxsk receives (its RX ring, the
 * fill and completion rings) and is the one polled; txsk only transmits.
 * Every frame sent is an skb charged to its socket, whose release wakes
 * that socket's waiters: on the polled socket that is an epoll callback
 * per answer, on txsk (never polled) nothing.
 *
 * libxdp makes the sockets and the umem and gives the rings; the program
 * is ours (xsk-prog.bpf.c), loaded and attached with libbpf through a BPF
 * link (see np_xsk_open()), so libxdp is told not to load its own.
 */
struct np_xsk {
	struct xsk_umem *umem;
	struct xsk_socket *rxsk, *txsk;
	struct xsk_ring_prod fill, tx, rx_unused_tx;
	struct xsk_ring_cons comp, rx;
	uint32_t fill_unpublished;     /* frames given back, not yet submitted */
	uint32_t tx_unpublished;       /* answers queued, not yet submitted */
	struct xsk_prog *prog;         /* the skeleton: program and maps */
	struct bpf_link *link;
	uint8_t *area;                 /* the umem's frames */
	uint64_t tx_free[TX_FRAMES];
	unsigned ntx_free;
	uint16_t ip_id;
	bool zerocopy;
	uint8_t mac[6];                /* the interface's: every answer's source */
	unsigned mtu;
	struct np_local4 local;        /* the host's addresses: martian sources */
	struct np_xsk_stats st;
};

/* ---- The XDP program --------------------------------------------------- */

/*
 * libbpf and libxdp print warnings to stderr by default; this module
 * returns errors and never logs (xsk.h), so they are quiet while it calls
 * them.
 */
static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int quiet_libxdp(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* libbpf returns NULL and sets errno where it returns no error code. */
static int libbpf_errno(void)
{
	return errno > 0 ? -errno : -EINVAL;
}

/*
 * Load the program with the interface's MAC (read-only data, a constant
 * to the verifier) and an XSKMAP with a slot for the queue.
 */
static int load_program(struct np_xsk *x, uint32_t queue)
{
	int r;

	x->prog = xsk_prog__open();
	if (!x->prog)
		return libbpf_errno();
	memcpy(x->prog->rodata->if_mac, x->mac, 6);
	if ((r = bpf_map__set_max_entries(x->prog->maps.xsks, queue + 1)) < 0)
		return r;
	return xsk_prog__load(x->prog);
}

/* The listen table's pairs, and the receiving socket in the queue's slot. */
static int fill_maps(struct np_xsk *x, const struct np_xsk_opts *o)
{
	const uint8_t take = 1;
	int fd = xsk_socket__fd(x->rxsk), r;

	for (unsigned i = 0; i < o->nmatch; i++) {
		struct np_xsk_listen_key key;

		memset(&key, 0, sizeof(key));
		np_store_be32((uint8_t *)&key.addr, o->match[i].addr);
		np_store_be16((uint8_t *)&key.port, o->match[i].port);
		r = bpf_map__update_elem(x->prog->maps.listen_table, &key, sizeof(key), &take,
					 sizeof(take), BPF_ANY);
		if (r < 0)
			return r;
	}
	return bpf_map__update_elem(x->prog->maps.xsks, &o->queue, sizeof(o->queue), &fd,
				    sizeof(fd), BPF_ANY);
}

/*
 * A BPF link, not the netlink attach (nor libxdp's dispatcher, which
 * attaches through netlink and pins its state in bpffs): the link is a
 * file descriptor of this process, so the program goes away with it, even
 * on SIGKILL, and a second program on the interface gets -EBUSY.
 */
static int attach_program(struct np_xsk *x, int ifindex)
{
	x->link = bpf_program__attach_xdp(x->prog->progs.np_xsk, ifindex);
	return x->link ? 0 : libbpf_errno();
}

/* ---- The socket ---------------------------------------------------------- */

/* libxdp's sockets are not close-on-exec; ours were, and stay so. */
static int set_cloexec(int fd)
{
	return fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ? -errno : 0;
}

static int setup_umem(struct np_xsk *x)
{
	const struct xsk_umem_config uc = { .fill_size = RING_SIZE, .comp_size = RING_SIZE,
					    .frame_size = FRAME_SIZE, .frame_headroom = 0 };
	int r;

	x->area = mmap(NULL, UMEM_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->area == MAP_FAILED) {
		x->area = NULL;
		return -errno;
	}
	if ((r = xsk_umem__create(&x->umem, x->area, UMEM_LEN, &x->fill, &x->comp, &uc)) < 0) {
		x->umem = NULL;
		return r;
	}
	return set_cloexec(xsk_umem__fd(x->umem));
}

/*
 * The receiving socket (the umem's own) and the transmitting one: same
 * queue, same umem, its bind flags the first's (libxdp binds the second
 * with XDP_SHARED_UMEM).
 */
static int create_sockets(struct np_xsk *x, const char *ifname, uint32_t queue)
{
	struct xsk_socket_config sc = {
		.rx_size = RING_SIZE, .tx_size = RING_SIZE,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_USE_NEED_WAKEUP | (x->zerocopy ? XDP_ZEROCOPY : XDP_COPY),
	};
	int r;

	/*
	 * rx_unused_tx is never used, but in zero-copy mode a pool whose first
	 * socket has no TX ring gets no transmit descriptors, and the drivers
	 * of kernels before "xsk: Fix possible crash when multiple sockets are
	 * created" then crash sending for the second; sized as txsk's ring.
	 * Not in copy mode: there every poll of a socket with a TX ring runs
	 * the transmit path, and the first socket is polled for each batch.
	 */
	r = xsk_socket__create(&x->rxsk, ifname, queue, x->umem, &x->rx,
			       x->zerocopy ? &x->rx_unused_tx : NULL, &sc);
	if (r < 0) {
		x->rxsk = NULL;
		return r;
	}
	r = xsk_socket__create(&x->txsk, ifname, queue, x->umem, NULL, &x->tx, &sc);
	if (r < 0) {
		x->txsk = NULL;
		return r;
	}
	return set_cloexec(xsk_socket__fd(x->txsk));
}

static void close_sockets(struct np_xsk *x)
{
	/* The transmitting socket first: the last one unmaps fill and completion. */
	xsk_socket__delete(x->txsk);
	xsk_socket__delete(x->rxsk);
	xsk_umem__delete(x->umem);
	x->txsk = x->rxsk = NULL;
	x->umem = NULL;
	if (x->area)
		munmap(x->area, UMEM_LEN);
	x->area = NULL;
	x->ntx_free = 0;
	x->fill_unpublished = x->tx_unpublished = 0;
}

/* Every receive frame starts in the fill ring; every transmit frame is free. */
static void prime_rings(struct np_xsk *x)
{
	uint32_t idx;

	if (xsk_ring_prod__reserve(&x->fill, RX_FRAMES, &idx) == RX_FRAMES) {
		for (unsigned i = 0; i < RX_FRAMES; i++)
			*xsk_ring_prod__fill_addr(&x->fill, idx + i) = (uint64_t)i * FRAME_SIZE;
		xsk_ring_prod__submit(&x->fill, RX_FRAMES);
	}
	for (unsigned i = 0; i < TX_FRAMES; i++)
		x->tx_free[x->ntx_free++] = (uint64_t)(RX_FRAMES + i) * FRAME_SIZE;
}

/* The umem, its rings and both sockets, bound in x->zerocopy's mode. */
static int open_sockets(struct np_xsk *x, const char *ifname, uint32_t queue, const char **stage)
{
	int r;

	/*
	 * The kernel frees a closed socket's hold on the queue from a work
	 * queue, a moment after close(): a restart that comes quickly finds
	 * the queue still busy.  Wait for it, up to two seconds, at start-up.
	 */
	for (int tries = 0;; tries++) {
		*stage = "umem";
		if ((r = setup_umem(x)) < 0)
			return r;
		*stage = "bind";
		if ((r = create_sockets(x, ifname, queue)) != -EBUSY || tries == 40)
			break;
		close_sockets(x);
		usleep(50 * 1000);
	}
	if (r < 0)
		return r;
	prime_rings(x);
	return 0;
}

/*
 * Sockets, then the program, its maps and the link.  libxdp is used for
 * the sockets and the umem only: its dispatcher would let other XDP
 * programs share the interface, but it attaches through netlink (the
 * program would outlive a killed np-dnsd) and keeps its state pinned in
 * bpffs (/sys/fs/bpf), which np-dnsd's sandbox and the test namespaces do
 * not mount.
 */
static int open_xsk(struct np_xsk *x, const struct np_xsk_opts *o, int ifindex,
		    const char **stage)
{
	int r;

	/* Zero-copy where the driver has it, copy mode elsewhere (veth). */
	x->zerocopy = true;
	if (open_sockets(x, o->ifname, o->queue, stage) < 0) {
		close_sockets(x);
		x->zerocopy = false;
		if ((r = open_sockets(x, o->ifname, o->queue, stage)) < 0)
			return r;
	}
	*stage = "program";
	if ((r = load_program(x, o->queue)) < 0)
		return r;
	*stage = "map";
	if ((r = fill_maps(x, o)) < 0)
		return r;
	*stage = "attach";
	return attach_program(x, ifindex);
}

int np_xsk_open(const struct np_xsk_opts *o, struct np_xsk **out, const char **stage)
{
	libbpf_print_fn_t bpf_print;
	libxdp_print_fn_t xdp_print;
	struct np_ifinfo ifi;
	struct np_xsk *x;
	int r;

	*stage = "interface";
	if (o->nmatch == 0 || o->nmatch > NP_XSK_MAX_MATCH)
		return -EINVAL;
	if ((r = np_ifinfo_get(o->ifname, &ifi)) < 0)
		return r;
	if (ifi.hwtype != ARPHRD_ETHER || ifi.mtu < 576)
		return -EPROTONOSUPPORT;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	memcpy(x->mac, ifi.mac, 6);
	x->mtu = (unsigned)ifi.mtu;
	bpf_print = libbpf_set_print(quiet_libbpf);
	xdp_print = libxdp_set_print(quiet_libxdp);
	r = open_xsk(x, o, ifi.ifindex, stage);
	libbpf_set_print(bpf_print);
	libxdp_set_print(xdp_print);
	if (r < 0) {
		np_xsk_close(x);
		return r;
	}
	*out = x;
	return 0;
}

int np_xsk_fd(const struct np_xsk *x)
{
	return xsk_socket__fd(x->rxsk);
}

bool np_xsk_zerocopy(const struct np_xsk *x)
{
	return x->zerocopy;
}

/* ---- Receiving --------------------------------------------------------- */

void np_xsk_set_local(struct np_xsk *x, const struct np_local4 *local)
{
	x->local = *local;
}

enum frame_verdict { FRAME_OK, FRAME_MALFORMED, FRAME_MARTIAN };

/*
 * The UDP checksum is not verified: frames from a local sender (veth) or
 * from a NIC with checksum offload may carry only the pseudo-header sum
 * (the kernel trusts those too), and the Ethernet FCS has already covered
 * the link.  The IPv4 header checksum is verified.  A source the kernel's
 * ip_route_input() would refuse is dropped here, in its place
 * (martian.h): the program cannot know the host's addresses as they change.
 */
static enum frame_verdict parse_frame(const struct np_xsk *x, const uint8_t *f, size_t len,
				      struct np_xsk_dgram *d)
{
	struct np_ether e;
	struct np_ipv4 ip;
	struct np_udp u;

	if (np_ether_parse(f, len, &e) < 0 || e.has_vlan || e.ethertype != 0x0800 ||
	    np_ether_is_multicast(e.src) || np_ether_is_zero(e.src) ||
	    np_ipv4_parse(e.payload, e.payload_len, &ip) < 0 || ip.proto != NP_IPPROTO_UDP ||
	    np_ipv4_is_fragment(&ip) || np_udp_parse_nocsum(ip.payload, ip.payload_len, &u) < 0)
		return FRAME_MALFORMED;
	if (np_martian_source(&x->local, ip.src))
		return FRAME_MARTIAN;
	memcpy(d->mac_src, e.src, 6);
	memcpy(d->mac_dst, e.dst, 6);
	d->ip_src = ip.src;
	d->ip_dst = ip.dst;
	d->port_src = u.src_port;
	d->port_dst = u.dst_port;
	d->payload = u.payload;
	d->len = u.payload_len;
	return FRAME_OK;
}

static void give_back(struct np_xsk *x, uint64_t frame)
{
	uint32_t idx;

	/* The fill ring holds every receive frame: it always has room. */
	if (xsk_ring_prod__reserve(&x->fill, 1, &idx) == 1) {
		*xsk_ring_prod__fill_addr(&x->fill, idx) = frame & ~(uint64_t)(FRAME_SIZE - 1);
		x->fill_unpublished++;
	}
}

static void publish_fill(struct np_xsk *x)
{
	xsk_ring_prod__submit(&x->fill, x->fill_unpublished);
	x->fill_unpublished = 0;
	if (x->zerocopy && xsk_ring_prod__needs_wakeup(&x->fill))
		recvfrom(xsk_socket__fd(x->rxsk), NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

/*
 * The kernel wrote the frames from another CPU: start loading every
 * frame's headers at once rather than stall on each in turn.
 */
static void prefetch_frames(struct np_xsk *x, uint32_t idx, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t a = xsk_ring_cons__rx_desc(&x->rx, idx + i)->addr;

		if (a < (uint64_t)RX_FRAMES * FRAME_SIZE - 128) {
			__builtin_prefetch(x->area + a);
			__builtin_prefetch(x->area + a + 64);
		}
	}
}

/* One descriptor from the RX ring: a datagram in *d, or counted and recycled. */
static bool take_frame(struct np_xsk *x, const struct xdp_desc *desc, struct np_xsk_dgram *d)
{
	const uint64_t lim = (uint64_t)RX_FRAMES * FRAME_SIZE;
	enum frame_verdict v;

	if (desc->addr >= lim) {
		/* Not a receive frame: never expected from the kernel, and
		 * recycling it could hand out a transmit frame twice. */
		x->st.rx_malformed++;
		return false;
	}
	v = desc->len <= lim - desc->addr ? parse_frame(x, x->area + desc->addr, desc->len, d) :
					    FRAME_MALFORMED;
	if (v == FRAME_OK) {
		d->frame = desc->addr;
		return true;
	}
	if (v == FRAME_MARTIAN)
		x->st.rx_martian++;
	else
		x->st.rx_malformed++;
	give_back(x, desc->addr);
	return false;
}

unsigned np_xsk_recv(struct np_xsk *x, struct np_xsk_dgram *d, unsigned max)
{
	unsigned n = 0;
	uint32_t idx, got;

	/* A frame that is not taken does not count against max: look again. */
	while (n < max && (got = xsk_ring_cons__peek(&x->rx, max - n, &idx)) > 0) {
		prefetch_frames(x, idx, got);
		for (uint32_t i = 0; i < got; i++)
			if (take_frame(x, xsk_ring_cons__rx_desc(&x->rx, idx + i), &d[n]))
				n++;
		xsk_ring_cons__release(&x->rx, got);
	}
	if (x->fill_unpublished)
		publish_fill(x);
	x->st.rx += n;
	return n;
}

void np_xsk_recv_done(struct np_xsk *x, const struct np_xsk_dgram *d, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		give_back(x, d[i].frame);
	if (n)
		publish_fill(x);
}

/* ---- Sending ----------------------------------------------------------- */

static void reap_completions(struct np_xsk *x)
{
	uint32_t idx, done = xsk_ring_cons__peek(&x->comp, TX_FRAMES - x->ntx_free, &idx);

	for (uint32_t i = 0; i < done; i++) {
		uint64_t a = *xsk_ring_cons__comp_addr(&x->comp, idx + i);

		/* Only our transmit frames go back on the free list. */
		if (a >= (uint64_t)RX_FRAMES * FRAME_SIZE && a % FRAME_SIZE == 0 &&
		    a < (uint64_t)(RX_FRAMES + TX_FRAMES) * FRAME_SIZE)
			x->tx_free[x->ntx_free++] = a;
	}
	xsk_ring_cons__release(&x->comp, done);
}

static size_t build_answer(struct np_xsk *x, uint8_t *f, const struct np_xsk_dgram *q,
			   size_t len)
{
	struct np_udp4_frame a = { .src = q->ip_dst, .dst = q->ip_src, .src_port = q->port_dst,
				   .dst_port = q->port_src, .ip_id = x->ip_id++, .ttl = 64 };
	int n;

	memcpy(a.dst_mac, q->mac_src, 6);
	memcpy(a.src_mac, x->mac, 6);
	n = np_udp4_frame_build(&a, f, FRAME_SIZE, len);
	return n < 0 ? 0 : (size_t)n;
}

int np_xsk_send(struct np_xsk *x, const struct np_xsk_dgram *q, const void *payload, size_t len)
{
	uint64_t frame;
	uint32_t idx;
	size_t flen;

	/* The kernel socket fragments what the link cannot carry whole. */
	if (len > FRAME_SIZE - HDRS_LEN || len + 28 > x->mtu)
		return -EMSGSIZE;
	if (x->ntx_free == 0)
		reap_completions(x);
	if (x->ntx_free == 0 || xsk_prod_nb_free(&x->tx, 1) < 1) {
		x->st.tx_no_frame++;
		return -ENOSPC;
	}
	frame = x->tx_free[x->ntx_free - 1];
	memcpy(x->area + frame + HDRS_LEN, payload, len);
	flen = build_answer(x, x->area + frame, q, len);
	if (flen == 0)
		return -EMSGSIZE;
	/* The room was checked above (a producer reservation cannot be undone). */
	if (xsk_ring_prod__reserve(&x->tx, 1, &idx) != 1)
		return -ENOSPC;
	x->ntx_free--;
	*xsk_ring_prod__tx_desc(&x->tx, idx) = (struct xdp_desc){ .addr = frame,
								  .len = (uint32_t)flen };
	x->tx_unpublished++;
	x->st.tx++;
	return 0;
}

/*
 * Copy mode transmits only inside sendto(), at most 32 frames a call
 * (EAGAIN: more are left); zero-copy drivers ask for a kick only when
 * they sleep (XDP_RING_NEED_WAKEUP), and what they have not taken yet is
 * the caller's retry timer's (np_xsk_tx_pending()).
 */
int np_xsk_flush(struct np_xsk *x)
{
	unsigned tries = RING_SIZE / 32 + 2;

	xsk_ring_prod__submit(&x->tx, x->tx_unpublished);
	x->tx_unpublished = 0;
	while (tries-- > 0 && np_xsk_tx_pending(x)) {
		if (x->zerocopy && !xsk_ring_prod__needs_wakeup(&x->tx))
			break;
		if (sendto(xsk_socket__fd(x->txsk), NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 &&
		    errno != EAGAIN && errno != EBUSY && errno != ENOBUFS)
			return -errno;
		/* A zero-copy driver takes the frames in its own time: one kick. */
		if (x->zerocopy)
			break;
	}
	reap_completions(x);
	return 0;
}

bool np_xsk_tx_pending(const struct np_xsk *x)
{
	/* The kernel's consumer index against ours: libxdp keeps it in cached_prod. */
	return __atomic_load_n(x->tx.consumer, __ATOMIC_ACQUIRE) != x->tx.cached_prod;
}

void np_xsk_get_stats(struct np_xsk *x, struct np_xsk_stats *out)
{
	struct xdp_statistics ks;
	socklen_t kl = sizeof(ks);

	if (getsockopt(xsk_socket__fd(x->rxsk), SOL_XDP, XDP_STATISTICS, &ks, &kl) == 0) {
		x->st.kernel_rx_dropped = ks.rx_dropped;
		x->st.kernel_rx_ring_full = ks.rx_ring_full;
		x->st.kernel_fill_ring_empty = ks.rx_fill_ring_empty_descs;
	}
	kl = sizeof(ks);
	if (getsockopt(xsk_socket__fd(x->txsk), SOL_XDP, XDP_STATISTICS, &ks, &kl) == 0)
		x->st.kernel_tx_invalid = ks.tx_invalid_descs;
	*out = x->st;
}

void np_xsk_close(struct np_xsk *x)
{
	if (!x)
		return;
	bpf_link__destroy(x->link);    /* detaches the program */
	xsk_prog__destroy(x->prog);
	close_sockets(x);
	free(x);
}
