/* xsk.c: UDP datagrams through an AF_XDP socket (see xsk.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_xdp.h>

#include <netproto/buf.h>
#include <netproto/ether.h>
#include <netproto/ipv4.h>
#include <netproto/udp.h>

#include "martian.h"
#include "netio.h"
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
#define HDRS_LEN (14u + 20u + 8u)      /* Ethernet, IPv4 without options, UDP */
/* The kernel keeps XDP_PACKET_HEADROOM (256) in front of a received frame. */
#define RX_FRAME_MAX (FRAME_SIZE - 256u)

struct ring {
	uint32_t *producer, *consumer, *flags;
	void *desc;
	uint32_t mask;
	uint32_t head;                 /* our side: next to produce or consume */
	void *map;
	size_t map_len;
};

/*
 * Two sockets share the umem on one queue: fd receives (its RX ring, the
 * fill and completion rings) and is the one polled; txfd only transmits.
 * Every frame sent is an skb charged to its socket, whose release wakes
 * that socket's waiters: on the polled socket that is an epoll callback
 * per answer, on txfd (never polled) nothing.
 */
struct np_xsk {
	int fd, txfd, map_fd, prog_fd, link_fd;
	uint8_t *umem;
	struct ring fill, comp, rx, tx;
	uint64_t tx_free[TX_FRAMES];
	unsigned ntx_free;
	uint16_t ip_id;
	bool zerocopy;
	uint8_t mac[6];                /* the interface's: every answer's source */
	unsigned mtu;
	struct np_local4 local;        /* the host's addresses: martian sources */
	struct np_xsk_stats st;
};

/* ---- Rings (the kernel is the other side: acquire/release ordering) ---- */

static uint32_t load_acquire(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_release(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static uint64_t *addr_slot(struct ring *r, uint32_t i)
{
	return &((uint64_t *)r->desc)[i & r->mask];
}

static struct xdp_desc *desc_slot(struct ring *r, uint32_t i)
{
	return &((struct xdp_desc *)r->desc)[i & r->mask];
}

static bool needs_wakeup(const struct ring *r)
{
	return __atomic_load_n(r->flags, __ATOMIC_RELAXED) & XDP_RING_NEED_WAKEUP;
}

static int map_ring(int fd, struct ring *r, const struct xdp_ring_offset *off, size_t entry,
		    off_t pgoff)
{
	r->map_len = off->desc + RING_SIZE * entry;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
		      pgoff);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return -errno;
	}
	r->producer = (uint32_t *)((uint8_t *)r->map + off->producer);
	r->consumer = (uint32_t *)((uint8_t *)r->map + off->consumer);
	r->flags = (uint32_t *)((uint8_t *)r->map + off->flags);
	r->desc = (uint8_t *)r->map + off->desc;
	r->mask = RING_SIZE - 1;
	return 0;
}

static void unmap_ring(struct ring *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	r->map = NULL;
}

/* ---- The XDP program --------------------------------------------------- */

static int bpf_call(int cmd, union bpf_attr *attr)
{
	int r = (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));

	return r < 0 ? -errno : r;
}

struct prog {
	struct bpf_insn insn[40 + 3 * NP_XSK_MAX_MATCH];
	unsigned n;
	unsigned to_pass[16 + 2 * NP_XSK_MAX_MATCH], npass;   /* jumps to patch */
	unsigned to_take[NP_XSK_MAX_MATCH], ntake;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	p->insn[p->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src,
					     .off = off, .imm = imm };
}

/* if (u32)reg != imm goto PASS */
static void unless_eq_pass(struct prog *p, uint8_t reg, uint32_t imm)
{
	p->to_pass[p->npass++] = p->n;
	emit(p, BPF_JMP32 | BPF_JNE | BPF_K, reg, 0, 0, (int32_t)imm);
}

/* The value a load of these bytes gives on this host (packet loads are raw). */
static uint32_t wire_bytes16(const uint8_t b[2])
{
	uint16_t h;

	memcpy(&h, b, 2);
	return h;
}

static uint32_t wire_bytes32(const uint8_t b[4])
{
	uint32_t h;

	memcpy(&h, b, 4);
	return h;
}

/* The same for a field of the given value in network byte order. */
static uint32_t wire16(uint16_t v)
{
	uint8_t b[2];

	np_store_be16(b, v);
	return wire_bytes16(b);
}

static uint32_t wire32(uint32_t v)
{
	uint8_t b[4];

	np_store_be32(b, v);
	return wire_bytes32(b);
}

/*
 * r6 = ctx; r2 = data; r3 = data_end.  Take the frame (redirect it into
 * the socket map at this receive queue, XDP_PASS if no socket is there)
 * only if it is Ethernet II to our MAC (not broadcast, nor another host's
 * seen in promiscuous mode) + IPv4 with a 20-octet header + UDP, not a
 * fragment, to one of the (address, port) pairs; pass everything else.
 */
static void build_program(struct prog *p, int map_fd, const uint8_t mac[6],
			  const struct np_xsk_match *m, unsigned nm)
{
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_6, 0, 0);   /* xdp_md.data */
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_6, 4, 0);   /* xdp_md.data_end */
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_2, 0, 0);
	emit(p, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_4, 0, 0, (int32_t)HDRS_LEN);
	p->to_pass[p->npass++] = p->n;                                     /* too short */
	emit(p, BPF_JMP | BPF_JGT | BPF_X, BPF_REG_4, BPF_REG_3, 0, 0);
	/* Longer than a ring frame holds: the socket would drop it. */
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_2, 0, 0);
	emit(p, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_4, 0, 0, (int32_t)RX_FRAME_MAX + 1);
	p->to_pass[p->npass++] = p->n;
	emit(p, BPF_JMP | BPF_JLE | BPF_X, BPF_REG_4, BPF_REG_3, 0, 0);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_2, 0, 0);   /* our MAC */
	unless_eq_pass(p, BPF_REG_5, wire_bytes32(mac));
	emit(p, BPF_LDX | BPF_MEM | BPF_H, BPF_REG_5, BPF_REG_2, 4, 0);
	unless_eq_pass(p, BPF_REG_5, wire_bytes16(mac + 4));
	emit(p, BPF_LDX | BPF_MEM | BPF_H, BPF_REG_5, BPF_REG_2, 12, 0);  /* EtherType */
	unless_eq_pass(p, BPF_REG_5, wire16(0x0800));
	emit(p, BPF_LDX | BPF_MEM | BPF_B, BPF_REG_5, BPF_REG_2, 14, 0);  /* version, IHL */
	unless_eq_pass(p, BPF_REG_5, 0x45);
	emit(p, BPF_LDX | BPF_MEM | BPF_B, BPF_REG_5, BPF_REG_2, 23, 0);  /* protocol */
	unless_eq_pass(p, BPF_REG_5, 17);
	emit(p, BPF_LDX | BPF_MEM | BPF_H, BPF_REG_5, BPF_REG_2, 20, 0);  /* MF, offset */
	emit(p, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_5, 0, 0, (int32_t)wire16(0x3fff));
	unless_eq_pass(p, BPF_REG_5, 0);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_7, BPF_REG_2, 30, 0);  /* destination */
	emit(p, BPF_LDX | BPF_MEM | BPF_H, BPF_REG_8, BPF_REG_2, 36, 0);  /* dst port */
	for (unsigned i = 0; i < nm; i++) {
		/* A mismatch skips to the next pair. */
		emit(p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_8, 0, 2, (int32_t)wire16(m[i].port));
		emit(p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_7, 0, 1, (int32_t)wire32(m[i].addr));
		p->to_take[p->ntake++] = p->n;
		emit(p, BPF_JMP | BPF_JA, 0, 0, 0, 0);
	}
	p->to_pass[p->npass++] = p->n;
	emit(p, BPF_JMP | BPF_JA, 0, 0, 0, 0);
	/* TAKE: bpf_redirect_map(map, ctx->rx_queue_index, XDP_PASS) */
	for (unsigned i = 0; i < p->ntake; i++)
		p->insn[p->to_take[i]].off = (int16_t)(p->n - p->to_take[i] - 1);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_6, 16, 0);
	emit(p, BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map_fd);
	emit(p, 0, 0, 0, 0, 0);
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, XDP_PASS);
	emit(p, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_redirect_map);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	/* PASS */
	for (unsigned i = 0; i < p->npass; i++)
		p->insn[p->to_pass[i]].off = (int16_t)(p->n - p->to_pass[i] - 1);
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int load_program(struct np_xsk *x, const struct np_xsk_opts *o)
{
	static const char license[] = "BSD";
	struct prog p = { .n = 0 };
	union bpf_attr a;

	build_program(&p, x->map_fd, x->mac, o->match, o->nmatch);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.expected_attach_type = BPF_XDP;
	a.insns = (uint64_t)(uintptr_t)p.insn;
	a.insn_cnt = p.n;
	a.license = (uint64_t)(uintptr_t)license;
	memcpy(a.prog_name, "np_xsk", 7);
	x->prog_fd = bpf_call(BPF_PROG_LOAD, &a);
	return x->prog_fd < 0 ? x->prog_fd : 0;
}

static int make_map(struct np_xsk *x, uint32_t queue)
{
	union bpf_attr a;
	uint32_t key = queue;
	int r;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_XSKMAP;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = queue + 1;
	memcpy(a.map_name, "np_xsks", 8);
	x->map_fd = bpf_call(BPF_MAP_CREATE, &a);
	if (x->map_fd < 0)
		return x->map_fd;
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)x->map_fd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)&x->fd;
	r = bpf_call(BPF_MAP_UPDATE_ELEM, &a);
	return r < 0 ? r : 0;
}

static int attach_program(struct np_xsk *x, int ifindex)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)x->prog_fd;
	a.link_create.target_ifindex = (uint32_t)ifindex;
	a.link_create.attach_type = BPF_XDP;
	x->link_fd = bpf_call(BPF_LINK_CREATE, &a);
	return x->link_fd < 0 ? x->link_fd : 0;
}

/* ---- The socket ---------------------------------------------------------- */

static int setup_umem(struct np_xsk *x, bool zerocopy)
{
	struct xdp_umem_reg reg = { 0 };
	size_t len = (size_t)(RX_FRAMES + TX_FRAMES) * FRAME_SIZE;
	unsigned ring = RING_SIZE;

	x->umem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->umem == MAP_FAILED) {
		x->umem = NULL;
		return -errno;
	}
	reg.addr = (uint64_t)(uintptr_t)x->umem;
	reg.len = len;
	reg.chunk_size = FRAME_SIZE;
	if (setsockopt(x->fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) < 0 ||
	    setsockopt(x->fd, SOL_XDP, XDP_UMEM_FILL_RING, &ring, sizeof(ring)) < 0 ||
	    setsockopt(x->fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &ring, sizeof(ring)) < 0 ||
	    setsockopt(x->fd, SOL_XDP, XDP_RX_RING, &ring, sizeof(ring)) < 0 ||
	    setsockopt(x->txfd, SOL_XDP, XDP_TX_RING, &ring, sizeof(ring)) < 0)
		return -errno;
	/*
	 * Never used, but in zero-copy mode a pool whose first socket has no
	 * TX ring gets no transmit descriptors, and the drivers of kernels
	 * before "xsk: Fix possible crash when multiple sockets are created"
	 * then crash sending for the second; sized as txfd's ring.  Not in
	 * copy mode: there every poll of a socket with a TX ring runs the
	 * transmit path, and the first socket is polled for each batch.
	 */
	if (zerocopy && setsockopt(x->fd, SOL_XDP, XDP_TX_RING, &ring, sizeof(ring)) < 0)
		return -errno;
	for (unsigned i = 0; i < TX_FRAMES; i++)
		x->tx_free[x->ntx_free++] = (uint64_t)(RX_FRAMES + i) * FRAME_SIZE;
	return 0;
}

static int setup_rings(struct np_xsk *x)
{
	struct xdp_mmap_offsets off, txoff;
	socklen_t ol = sizeof(off), txol = sizeof(txoff);
	int r;

	if (getsockopt(x->fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &ol) < 0 ||
	    getsockopt(x->txfd, SOL_XDP, XDP_MMAP_OFFSETS, &txoff, &txol) < 0)
		return -errno;
	if ((r = map_ring(x->fd, &x->fill, &off.fr, sizeof(uint64_t),
			  (off_t)XDP_UMEM_PGOFF_FILL_RING)) < 0 ||
	    (r = map_ring(x->fd, &x->comp, &off.cr, sizeof(uint64_t),
			  (off_t)XDP_UMEM_PGOFF_COMPLETION_RING)) < 0 ||
	    (r = map_ring(x->fd, &x->rx, &off.rx, sizeof(struct xdp_desc), XDP_PGOFF_RX_RING)) < 0 ||
	    (r = map_ring(x->txfd, &x->tx, &txoff.tx, sizeof(struct xdp_desc),
			  XDP_PGOFF_TX_RING)) < 0)
		return r;
	/* Every receive frame starts in the fill ring. */
	for (unsigned i = 0; i < RX_FRAMES; i++)
		*addr_slot(&x->fill, x->fill.head++) = (uint64_t)i * FRAME_SIZE;
	store_release(x->fill.producer, x->fill.head);
	return 0;
}

static int bind_socket(struct np_xsk *x, int ifindex, uint32_t queue)
{
	struct sockaddr_xdp sa = { .sxdp_family = AF_XDP, .sxdp_ifindex = (uint32_t)ifindex,
				   .sxdp_queue_id = queue };

	sa.sxdp_flags = XDP_USE_NEED_WAKEUP | (x->zerocopy ? XDP_ZEROCOPY : XDP_COPY);
	/*
	 * The kernel frees a closed socket's hold on the queue from a work
	 * queue, a moment after close(): a restart that comes quickly finds
	 * the queue still busy.  Wait for it, up to two seconds, at start-up.
	 */
	for (int tries = 0; bind(x->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0; tries++) {
		if (errno != EBUSY || tries == 40)
			return -errno;
		usleep(50 * 1000);
	}
	/* The transmit socket: same queue, same umem, its flags the first's. */
	sa.sxdp_flags = XDP_SHARED_UMEM;
	sa.sxdp_shared_umem_fd = (uint32_t)x->fd;
	if (bind(x->txfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/* The umem, its rings and both sockets, bound in x->zerocopy's mode. */
static int open_sockets(struct np_xsk *x, int ifindex, uint32_t queue, const char **stage)
{
	int r;

	*stage = "socket";
	x->fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	x->txfd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (x->fd < 0 || x->txfd < 0)
		return -errno;
	*stage = "umem";
	if ((r = setup_umem(x, x->zerocopy)) < 0)
		return r;
	*stage = "rings";
	if ((r = setup_rings(x)) < 0)
		return r;
	*stage = "bind";
	return bind_socket(x, ifindex, queue);
}

static void close_sockets(struct np_xsk *x)
{
	unmap_ring(&x->fill);
	unmap_ring(&x->comp);
	unmap_ring(&x->rx);
	unmap_ring(&x->tx);
	x->fill = x->comp = x->rx = x->tx = (struct ring){ .head = 0 };
	if (x->txfd >= 0)
		close(x->txfd);
	if (x->fd >= 0)
		close(x->fd);
	x->fd = x->txfd = -1;
	if (x->umem)
		munmap(x->umem, (size_t)(RX_FRAMES + TX_FRAMES) * FRAME_SIZE);
	x->umem = NULL;
	x->ntx_free = 0;
}

int np_xsk_open(const struct np_xsk_opts *o, struct np_xsk **out, const char **stage)
{
	struct np_ifinfo ifi;
	struct np_xsk *x;
	int ifindex, r;

	*stage = "interface";
	if (o->nmatch == 0 || o->nmatch > NP_XSK_MAX_MATCH)
		return -EINVAL;
	if ((r = np_ifinfo_get(o->ifname, &ifi)) < 0)
		return r;
	if (ifi.hwtype != ARPHRD_ETHER || ifi.mtu < 576)
		return -EPROTONOSUPPORT;
	ifindex = ifi.ifindex;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	memcpy(x->mac, ifi.mac, 6);
	x->mtu = (unsigned)ifi.mtu;
	x->fd = x->txfd = x->map_fd = x->prog_fd = x->link_fd = -1;
	/* Zero-copy where the driver has it, copy mode elsewhere (veth). */
	x->zerocopy = true;
	if (open_sockets(x, ifindex, o->queue, stage) < 0) {
		close_sockets(x);
		x->zerocopy = false;
		if ((r = open_sockets(x, ifindex, o->queue, stage)) < 0)
			goto fail;
	}
	*stage = "map";
	if ((r = make_map(x, o->queue)) < 0)
		goto fail;
	*stage = "program";
	if ((r = load_program(x, o)) < 0)
		goto fail;
	*stage = "attach";
	if ((r = attach_program(x, ifindex)) < 0)
		goto fail;
	*out = x;
	return 0;
fail:
	np_xsk_close(x);
	return r;
}

int np_xsk_fd(const struct np_xsk *x)
{
	return x->fd;
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
	/* The fill ring holds every receive frame: it always has room. */
	*addr_slot(&x->fill, x->fill.head++) = frame & ~(uint64_t)(FRAME_SIZE - 1);
}

static void publish_fill(struct np_xsk *x)
{
	store_release(x->fill.producer, x->fill.head);
	if (x->zerocopy && needs_wakeup(&x->fill))
		recvfrom(x->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

/*
 * The kernel wrote the frames from another CPU: start loading every
 * frame's headers at once rather than stall on each in turn.
 */
static void prefetch_frames(struct np_xsk *x, uint32_t avail, unsigned max)
{
	for (uint32_t i = 0; i < avail && i < max; i++) {
		uint64_t a = desc_slot(&x->rx, x->rx.head + i)->addr;

		if (a < (uint64_t)RX_FRAMES * FRAME_SIZE - 128) {
			__builtin_prefetch(x->umem + a);
			__builtin_prefetch(x->umem + a + 64);
		}
	}
}

unsigned np_xsk_recv(struct np_xsk *x, struct np_xsk_dgram *d, unsigned max)
{
	uint32_t avail = load_acquire(x->rx.producer) - x->rx.head;
	unsigned n = 0, bad = 0;

	prefetch_frames(x, avail, max);
	while (avail-- > 0 && n < max) {
		const struct xdp_desc *desc = desc_slot(&x->rx, x->rx.head++);
		const uint64_t lim = (uint64_t)RX_FRAMES * FRAME_SIZE;
		enum frame_verdict v;

		if (desc->addr >= lim) {
			/* Not a receive frame: never expected from the kernel, and
			 * recycling it could hand out a transmit frame twice. */
			x->st.rx_malformed++;
			continue;
		}
		v = desc->len <= lim - desc->addr ?
			    parse_frame(x, x->umem + desc->addr, desc->len, &d[n]) : FRAME_MALFORMED;
		if (v == FRAME_OK) {
			d[n++].frame = desc->addr;
			continue;
		}
		if (v == FRAME_MARTIAN)
			x->st.rx_martian++;
		else
			x->st.rx_malformed++;
		give_back(x, desc->addr);
		bad++;
	}
	store_release(x->rx.consumer, x->rx.head);
	if (bad)
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
	uint32_t done = load_acquire(x->comp.producer) - x->comp.head;

	while (done-- > 0 && x->ntx_free < TX_FRAMES) {
		uint64_t a = *addr_slot(&x->comp, x->comp.head++);

		/* Only our transmit frames go back on the free list. */
		if (a >= (uint64_t)RX_FRAMES * FRAME_SIZE && a % FRAME_SIZE == 0 &&
		    a < (uint64_t)(RX_FRAMES + TX_FRAMES) * FRAME_SIZE)
			x->tx_free[x->ntx_free++] = a;
	}
	store_release(x->comp.consumer, x->comp.head);
}

static size_t build_answer(struct np_xsk *x, uint8_t *f, const struct np_xsk_dgram *q,
			   size_t len)
{
	struct np_udp u = { .src_port = q->port_dst, .dst_port = q->port_src,
			    .payload = f + HDRS_LEN, .payload_len = len };
	struct np_ipv4 ip = { .id = x->ip_id++, .ttl = 64, .proto = NP_IPPROTO_UDP,
			      .src = q->ip_dst, .dst = q->ip_src, .payload = f + 34 };
	struct np_ether e = { .ethertype = 0x0800, .payload = f + 14 };
	int n;

	n = np_udp_build(&u, q->ip_dst, q->ip_src, f + 34, FRAME_SIZE - 34);
	if (n < 0)
		return 0;
	ip.payload_len = (size_t)n;
	n = np_ipv4_build(&ip, f + 14, FRAME_SIZE - 14);
	if (n < 0)
		return 0;
	memcpy(e.dst, q->mac_src, 6);
	memcpy(e.src, x->mac, 6);
	e.payload_len = (size_t)n;
	n = np_ether_build(&e, f, FRAME_SIZE);
	return n < 0 ? 0 : (size_t)n;
}

int np_xsk_send(struct np_xsk *x, const struct np_xsk_dgram *q, const void *payload, size_t len)
{
	uint32_t queued = x->tx.head - load_acquire(x->tx.consumer);
	uint64_t frame;
	size_t flen;

	/* The kernel socket fragments what the link cannot carry whole. */
	if (len > FRAME_SIZE - HDRS_LEN || len + 28 > x->mtu)
		return -EMSGSIZE;
	if (x->ntx_free == 0)
		reap_completions(x);
	if (x->ntx_free == 0 || queued >= RING_SIZE) {
		x->st.tx_no_frame++;
		return -ENOSPC;
	}
	frame = x->tx_free[x->ntx_free - 1];
	memcpy(x->umem + frame + HDRS_LEN, payload, len);
	flen = build_answer(x, x->umem + frame, q, len);
	if (flen == 0)
		return -EMSGSIZE;
	x->ntx_free--;
	*desc_slot(&x->tx, x->tx.head++) = (struct xdp_desc){ .addr = frame, .len = (uint32_t)flen };
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

	store_release(x->tx.producer, x->tx.head);
	while (tries-- > 0 && load_acquire(x->tx.consumer) != x->tx.head) {
		if (x->zerocopy && !needs_wakeup(&x->tx))
			break;
		if (sendto(x->txfd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN &&
		    errno != EBUSY && errno != ENOBUFS)
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
	return load_acquire(x->tx.consumer) != x->tx.head;
}

void np_xsk_get_stats(struct np_xsk *x, struct np_xsk_stats *out)
{
	struct xdp_statistics ks;
	socklen_t kl = sizeof(ks);

	if (getsockopt(x->fd, SOL_XDP, XDP_STATISTICS, &ks, &kl) == 0) {
		x->st.kernel_rx_dropped = ks.rx_dropped;
		x->st.kernel_rx_ring_full = ks.rx_ring_full;
		x->st.kernel_fill_ring_empty = ks.rx_fill_ring_empty_descs;
	}
	kl = sizeof(ks);
	if (getsockopt(x->txfd, SOL_XDP, XDP_STATISTICS, &ks, &kl) == 0)
		x->st.kernel_tx_invalid = ks.tx_invalid_descs;
	*out = x->st;
}

void np_xsk_close(struct np_xsk *x)
{
	if (!x)
		return;
	if (x->link_fd >= 0)
		close(x->link_fd);     /* detaches the program */
	if (x->prog_fd >= 0)
		close(x->prog_fd);
	if (x->map_fd >= 0)
		close(x->map_fd);
	close_sockets(x);
	free(x);
}
