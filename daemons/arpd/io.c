/*
 * io.c: np-arpd's receive/answer loop, announcer and prober (see io.h).
 * Everything here is plumbing; the decisions are in responder.c.
 */
#include "config.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include <netproto/error.h>
#include <netproto/ether.h>
#include <netproto/ipv4.h>
#include <netproto/ipv6.h>

#include "clock.h"
#include "daemon.h"
#include "io.h"
#include "log.h"
#include "netio.h"
#include "notify.h"

/* Rounds of recvmmsg per wake-up before letting timers run. */
#define RX_ROUNDS 16
/*
 * Receive buffer per frame: an ARP frame is 42 to 64 bytes (more with
 * padding), a Neighbor Solicitation 86 (more with extension headers or
 * options); longer frames arrive cut, are counted truncated and fail to
 * parse.
 */
#define RX_FRAME 256
/* Beyond this many solicited-node groups, receive all multicast instead. */
#define MAX_GROUPS 1024

/*
 * Every ARP frame, not only well-formed requests: replies and gratuitous
 * ARP show conflicts (RFC 5227 §2.1.1, §2.4) and answer unused_only probes,
 * and malformed ARP is to be counted, which a kernel drop would hide.
 * IPv4 and everything else, the bulk of a LAN, never wakes the daemon.
 */
static const struct sock_filter arp_only[] = {
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),                 /* A = EtherType */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_ARP, 0, 1),   /* ARP? */
	BPF_STMT(BPF_RET | BPF_K, 0xffff),                      /* accept */
	BPF_STMT(BPF_RET | BPF_K, 0),                           /* drop */
};

/*
 * The IPv6 socket: Neighbor Solicitations (to answer them) and
 * Advertisements (conflicts, answers to unused_only probes), malformed ones
 * included, since they are to be counted.  An ICMPv6 header right after
 * the fixed header is checked for types 135 and 136; a packet with
 * extension headers is passed whole (NDP carries none in practice, and the
 * codec walks the chain), any other next header is dropped.
 */
static const struct sock_filter ndp_only[] = {
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),                       /* A = EtherType */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 10),       /* IPv6? else drop */
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 20),                       /* A = next header */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NP_IPPROTO_ICMPV6, 4, 0), /* ICMPv6 */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NP_IPPROTO_HOPOPTS, 6, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NP_IPPROTO_DSTOPTS, 5, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NP_IPPROTO_ROUTING, 4, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NP_IPPROTO_FRAGMENT, 3, 4),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 54),                       /* A = ICMPv6 type */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 135, 1, 0),               /* NS */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 136, 0, 1),               /* NA */
	BPF_STMT(BPF_RET | BPF_K, 0xffff),                            /* accept */
	BPF_STMT(BPF_RET | BPF_K, 0),                                 /* drop */
};

/* While no IPv6 entry is configured the IPv6 socket stays open (a reload may add one). */
static const struct sock_filter drop_all[] = {
	BPF_STMT(BPF_RET | BPF_K, 0),
};

static void ms_to_tv(uint64_t ms, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)(ms % 1000) * 1000;
}

static void log_result(const struct arpd_result *res)
{
	char ip[NP_IPV4_ADDR_TEXT_LEN], peer[NP_IPV4_ADDR_TEXT_LEN], ip6[NP_IPV6_ADDR_TEXT_LEN];
	char mac[NP_ETHER_ADDR_TEXT_LEN];

	np_ether_addr_to_text(res->peer, mac);

	switch (res->verdict) {
	case ARPD_DEFEND:
	case ARPD_CONFLICT:
		np_ipv4_addr_to_text(res->addr, ip);
		NP_LOG_RATELIMIT(NP_LOG_WARNING, "conflict: %s is claimed by %s%s", ip, mac,
				 res->verdict == ARPD_DEFEND ? ", defending it" : "");
		break;
	case ARPD_IGNORE_MALFORMED:
		NP_LOG_RATELIMIT(NP_LOG_INFO, "ignored a malformed ARP frame");
		break;
	case ARPD_IGNORE_BAD_SENDER:
		np_ipv4_addr_to_text(res->peer_ip, peer);
		NP_LOG_RATELIMIT(NP_LOG_INFO, "ignored a request from a bad sender %s %s", peer,
				 mac);
		break;
	case ARPD_NDP_DEFEND:
	case ARPD_NDP_CONFLICT:
		np_ipv6_addr_to_text(res->addr6, ip6);
		NP_LOG_RATELIMIT(NP_LOG_WARNING, "conflict: %s is advertised by %s%s", ip6, mac,
				 res->verdict == ARPD_NDP_DEFEND ? ", defending it" : "");
		break;
	case ARPD_NDP_MALFORMED:
	case ARPD_NDP_HOP_LIMIT:
	case ARPD_NDP_CHECKSUM:
	case ARPD_NDP_BAD_OPTION:
		NP_LOG_RATELIMIT(NP_LOG_INFO, "ignored a malformed Neighbor Discovery frame (%s)",
				 arpd_verdict_name(res->verdict));
		break;
	case ARPD_NDP_CLAIMED:
	case ARPD_NDP_PROBE_ANSWER:
		if (np_log_enabled(NP_LOG_DEBUG)) {
			np_ipv6_addr_to_text(res->addr6, ip6);
			np_log_debug("%s is in use by %s: not answering", ip6, mac);
		}
		break;
	case ARPD_IGNORE_CLAIMED:
	case ARPD_PROBE_ANSWER:
		if (np_log_enabled(NP_LOG_DEBUG)) {
			np_ipv4_addr_to_text(res->addr, ip);
			np_log_debug("%s is in use by %s: not answering", ip, mac);
		}
		break;
	default:
		break;
	}
}

/* Send what tx holds; whatever the socket cannot take now is dropped. */
static void flush_tx(struct arpd *a)
{
	int n;

	if (a->tx.count == 0)
		return;
	n = np_batch_send(a->tx_fd, &a->tx);
	if (n > 0)
		a->stats.sent += (uint64_t)n;
	a->stats.send_dropped += a->tx.send_errors + np_batch_pending(&a->tx);
	if (a->tx.send_errors)
		NP_LOG_RATELIMIT(NP_LOG_WARNING, "send: %s", np_strerror(a->tx.last_error));
	np_batch_clear(&a->tx);
}

/*
 * Frames built from here on go out of socket fd: the ARP socket's or the
 * IPv6 one's, so each leaves with its own protocol.
 */
static void tx_use(struct arpd *a, int fd)
{
	if (a->tx_fd != fd)
		flush_tx(a);
	a->tx_fd = fd;
}

static void handle_batch(struct arpd *a, int fd, unsigned int n)
{
	uint64_t now = np_mono_us();
	struct arpd_result res;

	tx_use(a, fd);
	for (unsigned int i = 0; i < n; i++) {
		if (np_batch_truncated(&a->rx, i))
			a->stats.truncated++;
		arpd_handle(&a->resp, np_batch_buf(&a->rx, i), np_batch_len(&a->rx, i), now,
			    np_batch_buf(&a->tx, a->tx.count), a->tx.bufsize, &res);
		if (res.len && np_batch_add(&a->tx, res.len, NULL, 0, NULL) < 0)
			a->stats.send_dropped++;
		if (!arpd_verdict_is_answer(res.verdict))
			log_result(&res);
	}
	flush_tx(a);
}

/*
 * The packet socket reports ENETDOWN both when its interface goes down (it
 * then receives again once the link is up) and when the interface is removed
 * (it never receives again).  Only the name no longer naming our index tells
 * the second.
 */
static bool interface_gone(const struct arpd *a)
{
	return if_nametoindex(a->conf->interface) != (unsigned int)a->ifindex;
}

/* Exit with failure: the unit's Restart=on-failure starts np-arpd again,
 * which waits for the interface to come back (np-arpd@.service). */
static void stop_interface_gone(struct arpd *a)
{
	np_log_err("interface %s is gone: stopping", a->conf->interface);
	np_daemon_stop(a->d, EXIT_FAILURE);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct arpd *a = arg;

	(void)what;
	for (int round = 0; round < RX_ROUNDS; round++) {
		int n = np_batch_recv(fd, &a->rx);

		if (n <= 0) {
			if (n == -ENETDOWN && interface_gone(a)) {
				stop_interface_gone(a);
				return;
			}
			if (n < 0 && n != -EAGAIN && n != -EINTR)
				NP_LOG_RATELIMIT(NP_LOG_WARNING, "receive: %s", np_strerror(n));
			return;
		}
		a->stats.batches++;
		handle_batch(a, fd, (unsigned int)n);
		if ((unsigned int)n < a->rx.cap)
			return;
	}
}

void arpd_io_refresh_stats(struct arpd *a)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	/* The kernel resets these on every read: accumulate. */
	if (a->fd >= 0 && getsockopt(a->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		a->stats.kernel_drops += st.tp_drops;
	len = sizeof(st);
	if (a->fd6 >= 0 && getsockopt(a->fd6, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		a->stats.kernel_drops += st.tp_drops;
}

/* ---- Announcements (RFC 5227 §2.3) ---------------------------------- */

/* The next address of cursor c in entries matching want_unused; false at the end. */
static bool cursor_next(const struct arpd_conf *conf, struct arpd_cursor *c, bool want_unused,
			uint32_t *addr)
{
	while (c->entry < conf->nentries) {
		const struct arpd_entry *en = &conf->entries[c->entry];

		if (!en->v6 && en->unused_only == want_unused) {
			if (c->addr < en->first)
				c->addr = en->first;
			if (c->addr <= en->last) {
				*addr = (uint32_t)c->addr++;
				return true;
			}
		}
		c->entry++;
		c->addr = 0;
	}
	return false;
}

/*
 * The next single IPv6 address from entry *at with unused_only as
 * want_unused (and for announcements, not a proxy entry: a proxy leaves
 * advertising to the owner, RFC 4861 §7.2.8); NULL at the end.
 */
static const struct arpd_entry *cursor6_next(const struct arpd_conf *conf, unsigned int *at,
					     bool want_unused)
{
	while (*at < conf->nentries) {
		const struct arpd_entry *en = &conf->entries[(*at)++];

		if (en->v6 && en->plen6 == 128 && en->unused_only == want_unused &&
		    (want_unused || !en->proxy))
			return en;
	}
	return NULL;
}

static unsigned int announceable6(const struct arpd_conf *conf)
{
	unsigned int at = 0, n = 0;

	while (cursor6_next(conf, &at, false))
		n++;
	return n;
}

/*
 * RFC 4861 §7.2.6: unsolicited advertisements (to ff02::1, Override set)
 * in the first MAX_NEIGHBOR_ADVERTISEMENT rounds.  True when done.
 */
static bool announce6(struct arpd *a)
{
	const struct arpd_conf *conf = a->conf;
	const struct arpd_entry *en;

	if (a->announce_round >= ARPD_MAX_NEIGHBOR_ADVERTISEMENT)
		return true;
	tx_use(a, a->fd6);
	while (a->tx.count < a->tx.cap && (en = cursor6_next(conf, &a->announce6_at, false))) {
		const struct arpd_slot6 *s = arpd_table6_find(&conf->table6, en->addr6);
		int n;

		if (!s)
			continue;
		n = arpd_unsolicited_na_frame(en->has_mac ? en->mac : a->ifmac, en->addr6, true,
					      conf->router, np_batch_buf(&a->tx, a->tx.count),
					      a->tx.bufsize);
		if (n > 0 && np_batch_add(&a->tx, (size_t)n, NULL, 0, NULL) >= 0)
			a->stats.unsolicited_na++;
	}
	return a->tx.count < a->tx.cap;
}

static void announce_schedule(struct arpd *a, uint64_t ms)
{
	struct timeval tv;

	ms_to_tv(ms, &tv);
	evtimer_add(a->announce_ev, &tv);
}

/* One batch of announcements per call, so a large table never blocks the loop. */
static void on_announce(evutil_socket_t fd, short what, void *arg)
{
	struct arpd *a = arg;
	const struct arpd_conf *conf = a->conf;
	uint32_t addr;

	(void)fd;
	(void)what;
	tx_use(a, a->fd);
	flush_tx(a);
	while (a->tx.count < a->tx.cap && cursor_next(conf, &a->announce_at, false, &addr)) {
		const struct arpd_slot *s = arpd_table_find(&conf->table, addr);
		int n = arpd_announcement_frame(arpd_table_slot_mac(&conf->table, s, a->ifmac),
						addr, np_batch_buf(&a->tx, a->tx.count),
						a->tx.bufsize);

		if (n > 0 && np_batch_add(&a->tx, (size_t)n, NULL, 0, NULL) >= 0)
			a->stats.announcements++;
	}
	if (a->tx.count == a->tx.cap || !announce6(a)) {
		flush_tx(a);
		announce_schedule(a, 0);
		return;
	}
	flush_tx(a);
	a->announce_at = (struct arpd_cursor){ 0, 0 };
	a->announce6_at = 0;
	if (++a->announce_round < conf->announce.count)
		announce_schedule(a, conf->announce.interval_ms);
	else
		np_log_info("announced %u addresses %d times", conf->table.count -
			    conf->table.unused_only, conf->announce.count);
}

static void announce_start(struct arpd *a)
{
	evtimer_del(a->announce_ev);
	a->announce_round = 0;
	a->announce_at = (struct arpd_cursor){ 0, 0 };
	a->announce6_at = 0;
	if (a->conf->announce.count > 0 && (a->conf->table.count > a->conf->table.unused_only ||
					    announceable6(a->conf) > 0))
		announce_schedule(a, a->conf->announce.wait_ms);
}

/* ---- unused_only probing ---------------------------------------------- */

#define PROBE_TICK_MS 100

static void probe_expire(struct arpd *a, uint64_t now)
{
	uint64_t timeout = a->conf->probe.timeout_ms * 1000;

	while (a->pending_len) {
		struct arpd_probe_pending *p = &a->pending[a->pending_head];
		struct arpd_slot *s;

		if (now - p->sent < timeout)
			break;
		if (p->v6) {
			struct arpd_slot6 *s6 = arpd_table6_find(&a->conf->table6, p->addr6);

			if (s6 && (s6->flags & ARPD_SLOT_UNUSED_ONLY))
				arpd_probe6_expire(s6);
		} else {
			s = arpd_table_find(&a->conf->table, p->addr);
			if (s && (s->flags & ARPD_SLOT_UNUSED_ONLY))
				arpd_probe_expire(s);
		}
		a->pending_head = (a->pending_head + 1) % a->pending_cap;
		a->pending_len--;
	}
}

/* One RFC 4862 §5.4.2 probe for the next unused_only IPv6 address; false at the end. */
static bool probe6_send(struct arpd *a, uint64_t now)
{
	const struct arpd_entry *en = cursor6_next(a->conf, &a->probe6_at, true);
	struct arpd_probe_pending p = { .v6 = true, .sent = now };
	struct arpd_slot6 *s;
	int n;

	if (!en)
		return false;
	s = arpd_table6_find(&a->conf->table6, en->addr6);
	tx_use(a, a->fd6);
	n = arpd_dad_probe_frame(a->ifmac, en->addr6, np_batch_buf(&a->tx, a->tx.count),
				 a->tx.bufsize);
	if (!s || n < 0 || np_batch_add(&a->tx, (size_t)n, NULL, 0, NULL) < 0)
		return true;
	arpd_probe6_start(s);
	memcpy(p.addr6, en->addr6, 16);
	a->pending[(a->pending_head + a->pending_len++) % a->pending_cap] = p;
	a->stats.probes++;
	return true;
}

static void probe_send(struct arpd *a, uint64_t now, unsigned int quota)
{
	const struct arpd_conf *conf = a->conf;
	uint32_t addr;

	while (quota-- && a->pending_len < a->pending_cap && a->tx.count < a->tx.cap) {
		struct arpd_slot *s;
		int n;

		if (!cursor_next(conf, &a->probe_at, true, &addr)) {
			if (probe6_send(a, now))
				continue;
			a->sweeping = false;   /* done: the next waits for the recheck time */
			break;
		}
		tx_use(a, a->fd);
		s = arpd_table_find(&conf->table, addr);
		n = arpd_probe_frame(a->ifmac, addr, np_batch_buf(&a->tx, a->tx.count),
				     a->tx.bufsize);
		if (!s || n < 0 || np_batch_add(&a->tx, (size_t)n, NULL, 0, NULL) < 0)
			continue;
		arpd_probe_start(s);
		a->pending[(a->pending_head + a->pending_len++) % a->pending_cap] =
			(struct arpd_probe_pending){ .addr = addr, .sent = now };
		a->stats.probes++;
	}
	flush_tx(a);
}

static void on_probe_tick(evutil_socket_t fd, short what, void *arg)
{
	struct arpd *a = arg;
	uint64_t now = np_mono_us();
	unsigned int quota = (unsigned int)(a->conf->probe.rate * PROBE_TICK_MS / 1000);

	(void)fd;
	(void)what;
	probe_expire(a, now);
	if (!a->sweeping) {
		/* The next sweep starts `recheck` after the previous one began. */
		if (a->sweep_started && now - a->sweep_started < a->conf->probe.recheck_ms * 1000)
			return;
		a->probe_at = (struct arpd_cursor){ 0, 0 };
		a->probe6_at = 0;
		a->sweeping = true;
		a->sweep_started = now;
	}
	probe_send(a, now, quota ? quota : 1);
}

/* A pending ring large enough for every probe that can be outstanding. */
static int probe_setup(struct arpd *a)
{
	const struct arpd_conf *conf = a->conf;
	struct timeval tick;
	uint64_t cap = (uint64_t)conf->probe.rate * (conf->probe.timeout_ms + PROBE_TICK_MS) /
		       1000 + 64;

	if (!conf->table.unused_only && !conf->table6.unused_only)
		return 0;
	if (cap > a->pending_cap) {
		struct arpd_probe_pending *p = calloc(cap, sizeof(*p));

		if (!p)
			return -1;
		/* Keep what is outstanding, in order. */
		for (unsigned int i = 0; i < a->pending_len; i++)
			p[i] = a->pending[(a->pending_head + i) % a->pending_cap];
		free(a->pending);
		a->pending = p;
		a->pending_cap = (unsigned int)cap;
		a->pending_head = 0;
	}
	if (!a->probe_ev) {
		a->probe_ev = event_new(np_daemon_base(a->d), -1, EV_PERSIST, on_probe_tick, a);
		ms_to_tv(PROBE_TICK_MS, &tick);
		if (!a->probe_ev || event_add(a->probe_ev, &tick) < 0)
			return -1;
	}
	return 0;
}

/* ---- Start, reload, stop ---------------------------------------------- */

static int open_socket(struct arpd *a, const struct arpd_conf *conf)
{
	struct np_packet_opts opts = {
		.protocol = ETH_P_ARP,
		.filter = arp_only,
		.filter_len = sizeof(arp_only) / sizeof(arp_only[0]),
		.rcvbuf = conf->rcvbuf,
		.ignore_outgoing = 1,
	};
	struct np_ifinfo ifi;
	int r = np_ifinfo_get(conf->interface, &ifi);

	if (r < 0) {
		np_log_err("interface %s: %s", conf->interface, np_strerror(r));
		return -1;
	}
	if (np_ether_is_zero(ifi.mac) || (ifi.flags & IFF_LOOPBACK) || (ifi.flags & IFF_NOARP)) {
		np_log_err("interface %s has no Ethernet address to answer ARP with",
			   conf->interface);
		return -1;
	}
	a->fd = np_packet_open(conf->interface, &opts);
	if (a->fd < 0) {
		np_log_err("packet socket on %s: %s", conf->interface, np_strerror(a->fd));
		return -1;
	}
	a->ifindex = ifi.ifindex;
	memcpy(a->ifmac, ifi.mac, 6);
	return 0;
}

/*
 * The IPv6 socket, opened whatever the config (while privileged), so a
 * reload can add IPv6 entries; with none its filter drops everything.
 */
static int open_socket6(struct arpd *a, const struct arpd_conf *conf)
{
	struct np_packet_opts opts = {
		.protocol = ETH_P_IPV6,
		.filter = ndp_only,
		.filter_len = sizeof(ndp_only) / sizeof(ndp_only[0]),
		.rcvbuf = conf->rcvbuf,
		.ignore_outgoing = 1,
	};

	a->fd6 = np_packet_open(conf->interface, &opts);
	if (a->fd6 < 0) {
		np_log_err("IPv6 packet socket on %s: %s", conf->interface, np_strerror(a->fd6));
		return -1;
	}
	return 0;
}

static int membership(struct arpd *a, int op, unsigned short type, const uint8_t mac[6])
{
	struct packet_mreq mr = { .mr_ifindex = a->ifindex, .mr_type = type };

	if (mac) {
		mr.mr_alen = 6;
		memcpy(mr.mr_address, mac, 6);
	}
	return setsockopt(a->fd6, SOL_PACKET, op, &mr, sizeof(mr)) < 0 ? -errno : 0;
}

/*
 * The groups the NIC must deliver (RFC 4861 §7.2.1, RFC 2464 §7): all-nodes
 * (answers to our DAD probes) and the solicited-node group of every single
 * address; with prefixes, or more than MAX_GROUPS groups, all multicast.
 * The new set is joined before the old one is left (memberships count), so
 * a reload never misses a solicitation.
 */
static int join_groups(struct arpd *a, const struct arpd_conf *conf)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	uint8_t (*old)[6] = a->groups, (*g)[6] = NULL;
	unsigned int nold = a->ngroups, n = 0, at = 0;
	bool old_allmulti = a->allmulti, allmulti;
	const struct arpd_entry *en;
	uint8_t snm[16];

	allmulti = conf->table6.nprefixes > 0 || conf->nentries6 > MAX_GROUPS;
	if (conf->nentries6 > 0) {
		g = calloc(conf->nentries6 + 1, sizeof(*g));
		if (!g)
			return -ENOMEM;
		arpd_ipv6_multicast_mac(all_nodes, g[n++]);
		while (!allmulti && at < conf->nentries) {
			en = &conf->entries[at++];
			if (!en->v6 || en->plen6 != 128)
				continue;
			np_ipv6_solicited_node(en->addr6, snm);
			arpd_ipv6_multicast_mac(snm, g[n++]);
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		int r = membership(a, PACKET_ADD_MEMBERSHIP, PACKET_MR_MULTICAST, g[i]);

		if (r < 0) {
			np_log_warning("joining a multicast group on %s: %s: receiving all "
				       "multicast", a->conf->interface, np_strerror(r));
			allmulti = true;
			n = i;
			break;
		}
	}
	if (allmulti && !old_allmulti)
		membership(a, PACKET_ADD_MEMBERSHIP, PACKET_MR_ALLMULTI, NULL);
	for (unsigned int i = 0; i < nold; i++)
		membership(a, PACKET_DROP_MEMBERSHIP, PACKET_MR_MULTICAST, old[i]);
	if (old_allmulti && !allmulti)
		membership(a, PACKET_DROP_MEMBERSHIP, PACKET_MR_ALLMULTI, NULL);
	free(old);
	a->groups = g;
	a->ngroups = n;
	a->allmulti = allmulti;
	a->stats.groups_joined = n;
	return 0;
}

/* Listen for Neighbor Discovery only while there is an IPv6 entry. */
static int filter6(struct arpd *a, const struct arpd_conf *conf)
{
	return conf->nentries6 ? np_packet_attach_filter(a->fd6, ndp_only, sizeof(ndp_only) /
							 sizeof(ndp_only[0]))
			       : np_packet_attach_filter(a->fd6, drop_all, 1);
}

static void status(const struct arpd *a)
{
	np_notify_status("answering for %u addresses on %s (%u unused_only)",
			 a->conf->table.count, a->conf->interface, a->conf->table.unused_only);
}

int arpd_io_start(struct arpd *a, struct arpd_conf *conf)
{
	struct event_base *base = np_daemon_base(a->d);
	int r;

	a->fd = a->fd6 = -1;
	a->conf = conf;
	if (open_socket(a, conf) < 0 || open_socket6(a, conf) < 0)
		return -1;
	a->tx_fd = a->fd;
	if ((r = filter6(a, conf)) < 0 || (r = join_groups(a, conf)) < 0) {
		np_log_err("IPv6 packet socket on %s: %s", conf->interface, np_strerror(r));
		return -1;
	}
	if ((r = np_batch_init(&a->rx, (unsigned int)conf->batch, RX_FRAME)) < 0 ||
	    (r = np_batch_init(&a->tx, 1024, ARPD_FRAME_MAX)) < 0) {
		np_log_err("batches: %s", np_strerror(r));
		return -1;
	}
	arpd_responder_init(&a->resp, &conf->table, a->ifmac, conf->defend);
	a->resp.table6 = &conf->table6;
	a->resp.router = conf->router;
	a->rx_ev = event_new(base, a->fd, EV_READ | EV_PERSIST, on_readable, a);
	a->rx6_ev = event_new(base, a->fd6, EV_READ | EV_PERSIST, on_readable, a);
	a->announce_ev = evtimer_new(base, on_announce, a);
	if (!a->rx_ev || !a->rx6_ev || !a->announce_ev || event_add(a->rx_ev, NULL) < 0 ||
	    event_add(a->rx6_ev, NULL) < 0 || probe_setup(a) < 0) {
		np_log_err("cannot register events");
		return -1;
	}
	announce_start(a);
	np_log_info("answering for %u addresses (%zu KiB of table) on %s", conf->table.count,
		    arpd_table_memory(&conf->table) / 1024, conf->interface);
	if (conf->nentries6)
		np_log_info("answering Neighbor Solicitations for %u IPv6 addresses and %u "
			    "prefixes on %s", conf->table6.count, conf->table6.nprefixes,
			    conf->interface);
	status(a);
	return 0;
}

int arpd_io_apply(struct arpd *a, struct arpd_conf *conf, char *why, size_t cap)
{
	const struct arpd_conf *old = a->conf;

	/* interface, receive_buffer and batch are restart-only (arpd.c). */
	arpd_table_copy_state(&conf->table, &old->table);
	arpd_table6_copy_state(&conf->table6, &old->table6);
	if (join_groups(a, conf) < 0) {
		snprintf(why, cap, "out of memory");
		return -1;
	}
	if (filter6(a, conf) < 0)
		np_log_warning("IPv6 packet socket: cannot change the filter");
	a->conf = conf;
	a->resp.table = &conf->table;
	a->resp.table6 = &conf->table6;
	a->resp.router = conf->router;
	a->resp.defend = conf->defend;
	/* The old table is about to be freed; the prober starts over on the new one. */
	a->pending_len = 0;
	a->sweeping = false;
	a->sweep_started = 0;
	if (probe_setup(a) < 0) {
		snprintf(why, cap, "out of memory");
		a->conf = (struct arpd_conf *)old;
		a->resp.table = &a->conf->table;
		a->resp.table6 = &a->conf->table6;
		a->resp.router = old->router;
		a->resp.defend = old->defend;
		join_groups(a, old);
		filter6(a, old);
		return -1;
	}
	announce_start(a);
	status(a);
	return 0;
}

void arpd_io_stop(struct arpd *a)
{
	if (a->rx_ev)
		event_free(a->rx_ev);
	if (a->rx6_ev)
		event_free(a->rx6_ev);
	a->rx6_ev = NULL;
	free(a->groups);
	a->groups = NULL;
	a->ngroups = 0;
	if (a->announce_ev)
		event_free(a->announce_ev);
	if (a->probe_ev)
		event_free(a->probe_ev);
	a->rx_ev = a->announce_ev = a->probe_ev = NULL;
	np_batch_free(&a->rx);
	np_batch_free(&a->tx);
	free(a->pending);
	a->pending = NULL;
	if (a->fd >= 0)
		close(a->fd);
	if (a->fd6 >= 0)
		close(a->fd6);
	a->fd = a->fd6 = -1;
}
