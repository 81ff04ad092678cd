/*
 * io.c: np-dhcpd's sockets and group commit (see io.h).
 */
#include "io.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include <event2/event.h>

#include <netproto/error.h>
#include <netproto/arp.h>
#include <netproto/dhcp4.h>
#include <netproto/ether.h>
#include <netproto/frame.h>
#include <netproto/ipv4.h>
#include <netproto/udp.h>

#include "../common/clock.h"
#include "../common/log.h"
#include "../common/netio.h"

#define RX_BATCH 64
#define PEND_MAX 1024               /* ACKs covered by one fdatasync at most */
#define RX_ROUNDS 16                /* receive batches drained before a commit */
#define FRAME_MAX 1600
#define TX_BATCH 64                 /* UDP replies per sendmmsg() */

struct iface {
	struct np_ifinfo info;
	int fd;                         /* AF_PACKET */
	struct event *ev;
	int arp_fd;                     /* AF_PACKET for conflict probes, -1: none */
	struct event *arp_ev;
	struct dhcpd_io *io;
};

/* A reply waiting for its records to be durable. */
struct pending {
	uint64_t seq;
	struct engine_out out;
};

struct dhcpd_io {
	struct event_base *base;
	struct dhcpd_conf *conf;
	struct engine *eng;
	struct leasedb *db;
	dhcpd_io_fail_fn fail;
	void *fail_arg;
	struct iface *ifs;
	size_t nifs;
	int udp_fd;
	struct event *udp_ev;
	struct np_batch rx;
	struct np_batch tx;             /* UDP replies of this turn, one sendmmsg() */
	struct pending *pend;           /* PEND_MAX of them */
	size_t npend;
	struct dhcpd_io_stats st;
	struct event *probe_ev;         /* the engine's next probe deadline; NULL: no probing */
	dhcpd_io_change_fn change_fn;   /* told of every lease change made effective */
	void *change_arg;
	dhcpd_io_txn_fn txn_fn;         /* told of every exchange made effective */
	void *txn_arg;
};

/* The engine's monotonic milliseconds (engine.h keeps them signed). */
static int64_t mono_ms(void)
{
	return (int64_t)np_mono_ms();
}

static void tell_changes(struct dhcpd_io *io, const struct engine_out *o)
{
	if (io->change_fn != NULL)
		for (size_t i = 0; i < o->nchanges; i++)
			io->change_fn(io->change_arg, &o->changes[i]);
	if (io->txn_fn != NULL && o->txn.type != 0)
		io->txn_fn(io->txn_arg, &o->txn);
}

void dhcpd_io_set_txn_hook(struct dhcpd_io *io, dhcpd_io_txn_fn fn, void *arg)
{
	io->txn_fn = fn;
	io->txn_arg = arg;
}

void dhcpd_io_set_change_hook(struct dhcpd_io *io, dhcpd_io_change_fn fn, void *arg)
{
	io->change_fn = fn;
	io->change_arg = arg;
}

/* ---- sending -------------------------------------------------------------- */

static struct iface *iface_by_index(struct dhcpd_io *io, int ifindex)
{
	for (size_t i = 0; i < io->nifs; i++)
		if (io->ifs[i].info.ifindex == ifindex)
			return &io->ifs[i];
	return NULL;
}

static bool iface_has_addr(const struct iface *ifc, uint32_t addr)
{
	for (unsigned a = 0; a < ifc->info.naddr; a++)
		if (ifc->info.addr[a].addr == addr)
			return true;
	return false;
}

/* The DHCP message's giaddr (RFC 2131 §2: octets 24..27), 0 when too short. */
static uint32_t msg_giaddr(const uint8_t *pkt, size_t len)
{
	if (len < 28)
		return 0;
	return (uint32_t)pkt[24] << 24 | (uint32_t)pkt[25] << 16 | (uint32_t)pkt[26] << 8 | pkt[27];
}

/*
 * Direct unicast (giaddr 0, to an address of a served interface) is read
 * from the packet socket, where its Ethernet source is known (the engine
 * compares it with chaddr); its copy on the UDP socket is skipped.  The
 * same test on both sockets, so each message is handled exactly once.
 */
static bool unicast_at_link_level(const struct iface *ifc, uint32_t dst, const uint8_t *pkt,
				  size_t len)
{
	return ifc != NULL && dst != 0xffffffffu && len >= 28 && msg_giaddr(pkt, len) == 0 &&
	       iface_has_addr(ifc, dst);
}

/*
 * Send the queued UDP replies: one sendmmsg() per event-loop turn (per 64
 * replies) instead of one sendmsg() each.  What the socket cannot take now
 * is dropped and counted, as a failed sendmsg() was: the client
 * retransmits.
 */
static void flush_tx(struct dhcpd_io *io)
{
	unsigned int errs0 = io->tx.send_errors;
	int n;

	while (np_batch_pending(&io->tx) > 0 && (n = np_batch_send(io->udp_fd, &io->tx)) > 0)
		io->st.sent += (uint64_t)n;
	if (io->tx.send_errors > errs0 || np_batch_pending(&io->tx) > 0) {
		io->st.send_errors += io->tx.send_errors - errs0 + np_batch_pending(&io->tx);
		NP_LOG_RATELIMIT(NP_LOG_WARNING, "cannot send %u DHCP replies: %s",
				 io->tx.send_errors - errs0 + np_batch_pending(&io->tx),
				 np_strerror(io->tx.last_error ? io->tx.last_error : -EAGAIN));
	}
	np_batch_clear(&io->tx);
}

/* Queue a reply for flush_tx(); sent at the end of this event-loop turn. */
static int send_udp(struct dhcpd_io *io, const struct engine_out *o)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(o->dst_port),
				   .sin_addr.s_addr = htonl(o->dst_addr) };
	/* Leave from the server identifier's address (§4.1: the client checks it). */
	struct np_pktinfo src = { .local = o->src_addr,
				  .ifindex = o->dest == ENGINE_DEST_BROADCAST ? o->ifindex : 0 };
	int err;

	if (o->len > io->tx.bufsize)
		return -EMSGSIZE;
	if (io->tx.count == io->tx.cap)
		flush_tx(io);
	memcpy(np_batch_buf(&io->tx, io->tx.count), o->buf, o->len);
	err = np_batch_add(&io->tx, o->len, &sin, sizeof(sin), &src);
	return err < 0 ? err : 1;
}

static int send_raw(struct dhcpd_io *io, struct iface *ifc, const struct engine_out *o)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t frame[FRAME_MAX];
	struct np_udp4_frame f = { .src = o->src_addr, .dst = o->dst_addr, .ttl = 64,
				   .src_port = NP_DHCP4_SERVER_PORT,
				   .dst_port = NP_DHCP4_CLIENT_PORT };
	int n;

	(void)io;
	if (o->len > sizeof(frame) - NP_UDP4_FRAME_HDRS)
		return -EINVAL;
	memcpy(f.src_mac, ifc->info.mac, 6);
	memcpy(f.dst_mac, o->dest == ENGINE_DEST_CHADDR ? o->chaddr : bcast, 6);
	memcpy(frame + NP_UDP4_FRAME_HDRS, o->buf, o->len);
	n = np_udp4_frame_build(&f, frame, sizeof(frame), o->len);
	if (n < 0)
		return -EINVAL;
	return np_packet_send(ifc->fd, ifc->info.ifindex, frame, (size_t)n);
}

/* §4.1: relays and clients with an address by UDP, the others at link level. */
static void send_reply(struct dhcpd_io *io, const struct engine_out *o)
{
	struct iface *ifc = iface_by_index(io, o->ifindex);
	int err;

	if ((o->dest == ENGINE_DEST_BROADCAST || o->dest == ENGINE_DEST_CHADDR) && ifc != NULL)
		err = send_raw(io, ifc, o);
	else
		err = send_udp(io, o);
	if (err > 0)
		return;         /* queued: counted by flush_tx() */
	if (err < 0) {
		io->st.send_errors++;
		NP_LOG_RATELIMIT(NP_LOG_WARNING, "cannot send DHCP%s: %s",
				 np_dhcp4_msg_type_name(o->type), np_strerror(err));
		return;
	}
	io->st.sent++;
}

/* ---- group commit ------------------------------------------------------------ */

/*
 * Make the pending records durable with one fdatasync, then send the replies
 * they cover.  On failure no ACK leaves: the clients retry.
 */
static void commit_and_flush(struct dhcpd_io *io)
{
	uint64_t durable = 0;
	int err = 0;

	if (leasedb_pending(io->db) > 0 || io->npend > 0)
		err = leasedb_commit(io->db, &durable);
	io->st.batches++;
	if (err < 0) {
		io->st.commit_failures++;
		io->st.acks_withheld += io->npend;
		io->npend = 0;
		flush_tx(io);   /* the OFFERs and NAKs of the turn still go */
		if (io->fail != NULL)
			io->fail(io->fail_arg, err);
		return;
	}
	for (size_t i = 0; i < io->npend; i++)
		if (io->pend[i].seq <= durable) {
			send_reply(io, &io->pend[i].out);
			tell_changes(io, &io->pend[i].out);
		}
	io->npend = 0;
	flush_tx(io);
}

int dhcpd_io_delete(struct dhcpd_io *io, uint32_t addr)
{
	struct engine_out o;
	uint64_t durable;
	int err = engine_delete(io->eng, addr, np_wall_s(), &o);

	if (err < 0)
		return err;
	for (size_t i = 0; i < o.nchanges; i++) {
		int64_t seq = leasedb_append_lease(io->db, &o.changes[i].lease);

		if (seq < 0)
			return (int)seq;
	}
	if ((err = leasedb_commit(io->db, &durable)) < 0)
		return err;
	tell_changes(io, &o);          /* durable: its name leaves DNS */
	return 0;
}

/* ---- conflict probes (the engine's, probe.h) ------------------------------------ */

static void resumed(void *arg, struct engine_out *o);

/* Wake up when the oldest probe is due. */
static void probe_arm(struct dhcpd_io *io)
{
	int64_t due = engine_probe_deadline(io->eng), wait;
	struct timeval tv;

	if (due == INT64_MAX) {
		evtimer_del(io->probe_ev);
		return;
	}
	wait = due - mono_ms();
	if (wait < 1)
		wait = 1;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	evtimer_add(io->probe_ev, &tv);
}

/* RFC 5227 §2.1.1: a broadcast ARP request with sender IP 0.0.0.0. */
static void probe_send(struct dhcpd_io *io, uint32_t addr, int ifindex)
{
	struct iface *ifc = iface_by_index(io, ifindex);
	struct np_ether eth = { .ethertype = NP_ETHERTYPE_ARP };
	uint8_t arp[NP_ARP_LEN], frame[64];
	struct np_arp a;
	int n;

	probe_arm(io);
	if (ifc == NULL || ifc->arp_fd < 0)
		return;                 /* nobody can answer: it times out as free */
	np_arp_probe_init(&a, ifc->info.mac, addr);
	memset(eth.dst, 0xff, sizeof(eth.dst));
	memcpy(eth.src, ifc->info.mac, sizeof(eth.src));
	eth.payload = arp;
	eth.payload_len = (size_t)np_arp_build(&a, arp, sizeof(arp));
	n = np_ether_build(&eth, frame, sizeof(frame));
	if (n < 0 || (n = np_packet_send(ifc->arp_fd, ifindex, frame, (size_t)n)) < 0) {
		io->st.send_errors++;
		NP_LOG_RATELIMIT(NP_LOG_WARNING, "cannot send an ARP probe: %s", np_strerror(n));
	}
}

static void on_probe_timer(evutil_socket_t fd, short what, void *arg)
{
	struct dhcpd_io *io = arg;

	(void)fd;
	(void)what;
	engine_probe_run(io->eng, mono_ms(), np_wall_s(), resumed, io);
	commit_and_flush(io);
	probe_arm(io);
}

/* RFC 5227 §2.1.1: any ARP packet whose sender IP is being probed means in use. */
static void on_arp(evutil_socket_t fd, short what, void *arg)
{
	struct iface *ifc = arg;
	struct dhcpd_io *io = ifc->io;
	uint8_t frame[FRAME_MAX];

	(void)what;
	for (int k = 0; k < RX_BATCH; k++) {
		struct np_ether eth = { 0 };
		struct np_arp a = { 0 };
		ssize_t n = recv(fd, frame, sizeof(frame), MSG_DONTWAIT);
		char ip[NP_IPV4_ADDR_TEXT_LEN], mac[NP_ETHER_ADDR_TEXT_LEN];

		if (n < 0)
			break;
		if (np_ether_parse(frame, (size_t)n, &eth) < 0 ||
		    eth.ethertype != NP_ETHERTYPE_ARP ||
		    np_arp_parse(eth.payload, eth.payload_len, &a) < 0 || a.spa == 0 ||
		    engine_arp_seen(io->eng, a.spa, ifc->info.ifindex, mono_ms(), np_wall_s(),
				    resumed, io) != 1)
			continue;
		np_ipv4_addr_to_text(a.spa, ip);
		np_ether_addr_to_text(a.sha, mac);
		NP_LOG_RATELIMIT(NP_LOG_WARNING, "%s is in use by %s on %s: not offered", ip, mac,
				 ifc->info.name);
	}
	commit_and_flush(io);
	probe_arm(io);
}

static int open_arp(struct dhcpd_io *io, struct iface *ifc, const char *name)
{
	struct np_packet_opts po = { .protocol = NP_ETHERTYPE_ARP, .filter = np_bpf_arp_any,
				     .filter_len = np_bpf_arp_any_len, .ignore_outgoing = 1 };

	ifc->arp_fd = np_packet_open(name, &po);
	if (ifc->arp_fd < 0) {
		np_log_err("interface %s: cannot open an ARP socket for conflict probes: %s", name,
			   np_strerror(ifc->arp_fd));
		return ifc->arp_fd;
	}
	ifc->arp_ev = event_new(io->base, ifc->arp_fd, EV_READ | EV_PERSIST, on_arp, ifc);
	if (ifc->arp_ev == NULL || event_add(ifc->arp_ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

/* Pool exhaustion: one line now and then, however many clients are refused. */
static void log_alloc_fail(const struct dhcpd_io *io, size_t sidx)
{
	const struct engine_subnet *s = &io->conf->engine.subnets[sidx];

	NP_LOG_RATELIMIT(NP_LOG_WARNING,
			 "subnet %u.%u.%u.%u/%u: no free address in its pools for a new client "
			 "(v4-allocation-fail %llu); unanswered offers are reclaimed after offer_hold",
			 s->addr >> 24, (s->addr >> 16) & 255, (s->addr >> 8) & 255, s->addr & 255,
			 s->prefix, (unsigned long long)engine_subnet_alloc_fail(io->eng, sidx));
}

/*
 * A subnet's pools crossed 90 % assigned, or are full: one line per
 * crossing (the engine tells only the crossings), and rate-limited still.
 */
static void log_pool_warn(const struct dhcpd_io *io, size_t sidx, bool full)
{
	const struct engine_subnet *s = &io->conf->engine.subnets[sidx];

	NP_LOG_RATELIMIT(NP_LOG_WARNING,
			 "subnet %u.%u.%u.%u/%u: its pools are %s (pool-exhaustion-warnings %llu)",
			 s->addr >> 24, (s->addr >> 16) & 255, (s->addr >> 8) & 255, s->addr & 255,
			 s->prefix, full ? "full, no address left to assign" : "90 % assigned",
			 (unsigned long long)engine_subnet_pool_warnings(io->eng, sidx));
}

/* Where the engine's next output goes: the next pending slot. */
static struct engine_out *next_out(struct dhcpd_io *io)
{
	if (io->npend >= PEND_MAX)
		commit_and_flush(io);
	return &io->pend[io->npend].out;
}

static void engine_done(struct dhcpd_io *io, struct engine_out *o);

/* One message through the engine; the reply is sent now or after commit. */
static void handle(struct dhcpd_io *io, const uint8_t *pkt, size_t len,
		   const struct engine_rx *rx)
{
	struct engine_out *o = next_out(io);
	struct engine_rx r = *rx;

	r.now_ms = mono_ms();
	if (engine_handle(io->eng, pkt, len, &r, np_wall_s(), o) < 0)
		return;        /* malformed: counted by the engine */
	engine_done(io, o);
}

/* A request the engine resumed after its probe: as if just handled. */
static void resumed(void *arg, struct engine_out *o)
{
	struct dhcpd_io *io = arg;
	struct engine_out *slot = next_out(io);

	memcpy(slot, o, offsetof(struct engine_out, buf) + o->len);
	engine_done(io, slot);
}

/* What the engine said: journal the changes, probe, reply now or once durable. */
static void engine_done(struct dhcpd_io *io, struct engine_out *o)
{
	int64_t seq = 0;

	if (o->alloc_fail > 0)
		log_alloc_fail(io, (size_t)o->alloc_fail - 1);
	if (o->pool_warn > 0)
		log_pool_warn(io, (size_t)o->pool_warn - 1, o->pool_full);
	for (size_t i = 0; i < o->nchanges; i++) {
		seq = leasedb_append_lease(io->db, &o->changes[i].lease);
		if (seq < 0)
			break;
	}
	if (o->probe_addr != 0)
		probe_send(io, o->probe_addr, o->probe_ifindex);
	if (!o->wait_commit)
		tell_changes(io, o);
	if (o->len == 0)
		return;
	if (!o->wait_commit) {
		send_reply(io, o);
		return;
	}
	if (seq < 0) {
		io->st.acks_withheld++;
		NP_LOG_RATELIMIT(NP_LOG_ERR, "lease journal refuses records: ACK withheld");
		return;
	}
	io->pend[io->npend++].seq = (uint64_t)seq;
}

/* ---- receiving --------------------------------------------------------------- */

/*
 * recv() of one frame, and whether the kernel vouches for its checksum:
 * checked by the NIC, or not filled in yet (a frame from a local socket or
 * a veth peer, whose checksum the sender offloaded): PACKET_AUXDATA.
 */
static ssize_t recv_frame(int fd, uint8_t *buf, size_t cap, bool *csum_ok)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_TRUNC);

	*csum_ok = false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); n >= 0 && c != NULL;
	     c = CMSG_NXTHDR(&msg, c)) {
		struct tpacket_auxdata aux;

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		*csum_ok = (aux.tp_status & (TP_STATUS_CSUM_VALID | TP_STATUS_CSUMNOTREADY)) != 0;
	}
	return n;
}

/*
 * Clients on a served link: a client without an address (Ethernet, IPv4 to
 * 255.255.255.255, UDP to 67), and direct unicast to us (giaddr 0), read
 * here with the Ethernet source the engine checks against chaddr.
 */
static void on_packet(evutil_socket_t fd, short what, void *arg)
{
	struct iface *ifc = arg;
	struct dhcpd_io *io = ifc->io;
	uint8_t frame[FRAME_MAX];

	(void)what;
	for (int k = 0; k < RX_BATCH * RX_ROUNDS; k++) {
		struct np_ether eth = { 0 };
		struct np_ipv4 ip = { 0 };
		struct np_udp udp = { 0 };
		struct engine_rx rx = { .ifindex = ifc->info.ifindex,
					.local_addr = ifc->info.naddr ? ifc->info.addr[0].addr : 0,
					.has_mac = true };
		bool csum_ok;
		ssize_t n = recv_frame(fd, frame, sizeof(frame), &csum_ok);

		if (n < 0)
			break;
		if ((size_t)n > sizeof(frame)) {
			io->st.rx_oversized++;
			continue;
		}
		if (np_ether_parse(frame, (size_t)n, &eth) < 0 ||
		    eth.ethertype != NP_ETHERTYPE_IPV4 ||
		    np_ipv4_parse(eth.payload, eth.payload_len, &ip) < 0 ||
		    (csum_ok ? np_udp_parse_nocsum(ip.payload, ip.payload_len, &udp) :
			       np_udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &udp)) < 0) {
			io->st.rx_malformed++;
			continue;
		}
		if (udp.dst_port != NP_DHCP4_SERVER_PORT)
			continue;
		if (ip.dst != 0xffffffffu) {
			/* Relayed unicast is served by the UDP socket alone. */
			if (!unicast_at_link_level(ifc, ip.dst, udp.payload, udp.payload_len))
				continue;
			rx.local_addr = ip.dst;
			rx.unicast = true;
		}
		rx.src_addr = ip.src;
		memcpy(rx.src_mac, eth.src, sizeof(rx.src_mac));
		handle(io, udp.payload, udp.payload_len, &rx);
	}
	commit_and_flush(io);
}

static void udp_batch(struct dhcpd_io *io, int n);

/* Relays and renewals: UDP port 67, with IP_PKTINFO. */
static void on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct dhcpd_io *io = arg;

	(void)what;
	/*
	 * Drain what is queued (a bounded number of batches) before the one
	 * fdatasync: the longer a sync takes, the more ACKs the next one covers.
	 */
	for (int round = 0; round < RX_ROUNDS; round++) {
		int n = np_batch_recv(fd, &io->rx);

		udp_batch(io, n);
		if (n < RX_BATCH)
			break;
	}
	commit_and_flush(io);
}

static void udp_batch(struct dhcpd_io *io, int n)
{
	for (int i = 0; i < n; i++) {
		struct np_pktinfo pi;
		struct engine_rx rx = { 0 };
		const struct sockaddr *sa;
		socklen_t salen = 0;
		const uint8_t *pkt = np_batch_buf(&io->rx, (unsigned)i);
		size_t len = np_batch_len(&io->rx, (unsigned)i);

		if (np_batch_truncated(&io->rx, (unsigned)i)) {
			io->st.rx_oversized++;
			continue;
		}
		if (np_batch_pktinfo(&io->rx, (unsigned)i, &pi) < 0)
			continue;
		sa = np_batch_addr(&io->rx, (unsigned)i, &salen);
		if (sa == NULL || sa->sa_family != AF_INET || salen < sizeof(struct sockaddr_in))
			continue;
		/* Seen, with its Ethernet source, on the packet socket (on_packet). */
		if (unicast_at_link_level(iface_by_index(io, pi.ifindex), pi.dst, pkt, len))
			continue;
		/*
		 * Limited broadcasts are served from the AF_PACKET socket of a
		 * configured interface; here they would be seen twice, or on a
		 * link the server is not configured for.
		 */
		if (pi.dst == 0xffffffffu)
			continue;
		rx.ifindex = pi.ifindex;
		rx.local_addr = pi.local;
		rx.unicast = pi.dst != 0xffffffffu;
		rx.src_addr = ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr);
		handle(io, pkt, len, &rx);
	}
}

/* ---- setup ---------------------------------------------------------------------- */

static bool subnet_has(const struct engine_subnet *s, uint32_t a)
{
	uint32_t m = s->prefix ? 0xffffffffu << (32 - s->prefix) : 0;

	return (a & m) == (s->addr & m);
}

/* Which link each subnet is on: named in the config, or holding its address. */
static void bind_subnets(struct dhcpd_io *io)
{
	const struct engine_subnet *subs = io->conf->engine.subnets;

	for (size_t s = 0; s < io->conf->engine.nsubnets; s++) {
		for (size_t i = 0; i < io->nifs; i++) {
			const struct np_ifinfo *inf = &io->ifs[i].info;
			bool match = strcmp(io->conf->subnet_ifname[s], inf->name) == 0;

			for (unsigned a = 0; a < inf->naddr && !io->conf->subnet_ifname[s][0]; a++)
				match |= subnet_has(&subs[s], inf->addr[a].addr);
			if (match) {
				engine_bind_link(io->eng, s, inf->ifindex);
				break;
			}
		}
	}
}

/*
 * The packet socket's filter: netio's DHCP server filter (IPv4, UDP to
 * port 67, no fragments) narrowed to what on_packet() serves: the limited
 * broadcast, and unicast with giaddr 0 (a client on the link, whose
 * Ethernet source is checked).  Relayed messages come through the UDP
 * socket alone; without this every one of them was also copied to the
 * packet socket, read and thrown away: half the server's receive work
 * under relayed load.
 */
static const struct sock_filter bpf_broadcast67[] = {
	/* 0 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),           /* A = EtherType */
	/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NP_ETHERTYPE_IPV4, 0, 12),
	/* 2 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),           /* A = IP protocol */
	/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 10),   /* not UDP: drop */
	/* 4 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),           /* A = flags | fragment offset */
	/* 5 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 8, 0), /* a fragment: drop */
	/* 6 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),          /* X = 4 * IHL */
	/* 7 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),           /* A = UDP dst port at 14 + X + 2 */
	/* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NP_DHCP4_SERVER_PORT, 0, 5),
	/* 9 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 30),           /* A = IPv4 destination */
	/* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, 2, 0),
	/* 11 */ BPF_STMT(BPF_LD | BPF_W | BPF_IND, 46),          /* A = giaddr at 14 + X + 8 + 24 */
	/* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
	/* 13 */ BPF_STMT(BPF_RET | BPF_K, 0x40000),              /* accept */
	/* 14 */ BPF_STMT(BPF_RET | BPF_K, 0),                    /* drop */
};

static int open_iface(struct dhcpd_io *io, struct iface *ifc, const char *name)
{
	struct np_packet_opts po = { .protocol = NP_ETHERTYPE_IPV4, .filter = bpf_broadcast67,
				     .filter_len = sizeof(bpf_broadcast67) / sizeof(bpf_broadcast67[0]),
				     .rcvbuf = 4 << 20,
				     .ignore_outgoing = 1 };
	int err = np_ifinfo_get(name, &ifc->info);

	if (err < 0) {
		np_log_err("interface %s: %s", name, np_strerror(err));
		return err;
	}
	ifc->io = io;
	ifc->fd = np_packet_open(name, &po);
	if (ifc->fd < 0) {
		np_log_err("interface %s: cannot open a packet socket: %s", name, np_strerror(ifc->fd));
		return ifc->fd;
	}
	/* Unicast from a local or veth peer arrives with its checksum still partial. */
	if (setsockopt(ifc->fd, SOL_PACKET, PACKET_AUXDATA, &(int){ 1 }, sizeof(int)) < 0) {
		err = -errno;
		np_log_err("interface %s: PACKET_AUXDATA: %s", name, np_strerror(err));
		return err;
	}
	ifc->ev = event_new(io->base, ifc->fd, EV_READ | EV_PERSIST, on_packet, ifc);
	if (ifc->ev == NULL || event_add(ifc->ev, NULL) < 0)
		return -ENOMEM;
	if (ifc->info.naddr == 0)
		np_log_warning("interface %s has no IPv4 address: replies need one as server identifier",
			       name);
	if (io->probe_ev != NULL)
		return open_arp(io, ifc, name);
	return 0;
}

int dhcpd_io_start(struct event_base *base, struct dhcpd_conf *conf, struct engine *eng,
		   struct leasedb *db, dhcpd_io_fail_fn fail, void *arg, struct dhcpd_io **out)
{
	struct np_sock_opts so = { .port = NP_DHCP4_SERVER_PORT, .broadcast = 1,
				   .rcvbuf = 4 << 20 };
	struct dhcpd_io *io = calloc(1, sizeof(*io));
	int err = 0;

	if (io == NULL)
		return -ENOMEM;
	io->base = base;
	io->conf = conf;
	io->eng = eng;
	io->db = db;
	io->fail = fail;
	io->fail_arg = arg;
	io->udp_fd = -1;
	io->ifs = calloc(conf->ninterfaces, sizeof(*io->ifs));
	io->pend = calloc(PEND_MAX, sizeof(*io->pend));
	if (io->ifs == NULL || io->pend == NULL || np_batch_init(&io->rx, RX_BATCH, 2048) < 0 ||
	    np_batch_init(&io->tx, TX_BATCH, ENGINE_REPLY_MAX) < 0)
		err = -ENOMEM;
	if (err == 0 && engine_probe(eng) != NULL &&
	    (io->probe_ev = evtimer_new(base, on_probe_timer, io)) == NULL)
		err = -ENOMEM;
	for (size_t i = 0; err == 0 && i < conf->ninterfaces; i++) {
		io->ifs[i].fd = -1;
		io->ifs[i].arp_fd = -1;
		err = open_iface(io, &io->ifs[i], conf->interfaces[i]);
		io->nifs = i + 1;
	}
	if (err == 0) {
		io->udp_fd = np_udp_open(&so);
		if (io->udp_fd < 0) {
			err = io->udp_fd;
			np_log_err("cannot bind UDP port 67: %s", np_strerror(err));
		}
	}
	if (err == 0) {
		io->udp_ev = event_new(base, io->udp_fd, EV_READ | EV_PERSIST, on_udp, io);
		if (io->udp_ev == NULL || event_add(io->udp_ev, NULL) < 0)
			err = -ENOMEM;
	}
	if (err != 0) {
		dhcpd_io_free(io);
		return err;
	}
	bind_subnets(io);
	*out = io;
	return 0;
}

void dhcpd_io_rebind(struct dhcpd_io *io, struct dhcpd_conf *conf, struct engine *eng)
{
	io->conf = conf;
	io->eng = eng;
	bind_subnets(io);
}

void dhcpd_io_free(struct dhcpd_io *io)
{
	if (io == NULL)
		return;
	for (size_t i = 0; i < io->nifs; i++) {
		if (io->ifs[i].ev != NULL)
			event_free(io->ifs[i].ev);
		if (io->ifs[i].fd >= 0)
			close(io->ifs[i].fd);
		if (io->ifs[i].arp_ev != NULL)
			event_free(io->ifs[i].arp_ev);
		if (io->ifs[i].arp_fd >= 0)
			close(io->ifs[i].arp_fd);
	}
	if (io->probe_ev != NULL)
		event_free(io->probe_ev);
	if (io->udp_ev != NULL)
		event_free(io->udp_ev);
	if (io->udp_fd >= 0)
		close(io->udp_fd);
	np_batch_free(&io->rx);
	np_batch_free(&io->tx);
	free(io->ifs);
	free(io->pend);
	free(io);
}

void dhcpd_io_get_stats(const struct dhcpd_io *io, struct dhcpd_io_stats *st)
{
	*st = io->st;
}
