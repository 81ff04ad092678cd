/*
 * dnsd.h: np-dnsd's state and lifecycle: a caching DNS resolver for the LAN
 * that forwards to upstream servers and answers a local zone fed by RFC
 * 2136 updates.
 *
 * The parts, as every daemon has them (ARCHITECTURE.md):
 *   main.c         the operations table the skeleton (daemon.h) runs
 *   dnsd.c         this state's lifecycle: start, reload, stop
 *   conf.c         libconfig -> struct dnsd_conf (no libconfig past it)
 *   policy (libdnsd.la, pure): query.c (the engine), resolver.c,
 *                  cache.c, scrub.c, localzone.c, acl.c; policy.h its
 *                  settings; validator.c (libdnsval.la)
 *   io.c           the waiting clients, random numbers, late answers
 *   io-listen.c    the listening sockets (bound or socket-activated)
 *   io-udp.c       UDP queries and answers in batches
 *   io-tcp.c       TCP clients (RFC 7766) and their deadlines
 *   io-xdp.c       UDP queries through AF_XDP
 *   io-upstream.c  one socket and timer per upstream try
 *   control.c      the control commands and the counter table
 *
 * I/O, as Unbound's netevent.c does it:
 *
 *   - UDP listeners read in batches (recvmmsg) and answer in batches
 *     (sendmmsg), each answer leaving from the address the query came to
 *     (IP_PKTINFO);
 *   - TCP listeners (RFC 7766): length-prefixed messages, several queries in
 *     flight per connection (pipelining) answered as they complete (out of
 *     order); deadlines trickling cannot extend (a query complete within
 *     tcp_query_timeout of its first octet, tcp_idle_timeout from the last
 *     complete query or answer, answers read within tcp_idle_timeout); a
 *     total limit and a per-client share, a newcomer beyond either taking
 *     the place of the least recently active connection owing no answer
 *     (daemons/common/connlimit.h);
 *   - per upstream try, a new UDP socket bound to a random port by the
 *     kernel and connected to the server (so only its address and port can
 *     reach it), or a TCP connection after TC, and a timer at the deadline;
 *   - sockets passed by systemd socket activation under the name "dns" (or
 *     "dns-udp", "dns-tcp") are used instead of binding `listen`;
 *   - with `xdp_interface`, the UDP queries to the listen addresses that
 *     arrive on that interface are read and answered through an AF_XDP
 *     socket (daemons/common/xsk.h), past the kernel's IP and UDP layers;
 *     answers that must wait for an upstream, or find no free frame, leave
 *     through the listener's kernel socket, bound to the same address.
 *     The kernel's martian-source checks are done in its place: the host's
 *     addresses are read at start and again on every rtnetlink notice of
 *     an IPv4 address change.
 */
#ifndef NP_DNSD_H
#define NP_DNSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "connlimit.h"
#include "daemon.h"
#include "netio.h"
#include "query.h"
#include "service.h"

struct event;
struct event_base;
struct np_daemon;
struct dnsd_tcpconn;
struct np_xsk;
struct np_xsk_dgram;

struct dnsd_io_stats {
	uint64_t udp_batches, udp_truncated, udp_sent, udp_send_errors;
	uint64_t tcp_accepted, tcp_refused_limit, tcp_idle_closed, tcp_bad_length;
	uint64_t tcp_evicted;          /* idle, closed to make room for a newcomer */
	uint64_t tcp_query_timeout;    /* a query not complete in tcp_query_timeout */
	uint64_t tcp_write_timeout;    /* answers not taken in tcp_idle_timeout */
	uint64_t overload;             /* no room to remember a waiting client */
	uint64_t upstream_socket_errors;
	uint64_t xdp_fallback;         /* immediate answers sent by the kernel socket */
	uint64_t xdp_addr_updates;     /* times the host's addresses were read for the ring */
};

struct dnsd_listener {
	int fd;
	bool tcp;
	bool activated;                /* from systemd: kept across reloads */
	bool inet6;                    /* AF_INET6 (socket-activated dual stack) */
	uint32_t addr;                 /* bound IPv4 address (0: any), host order */
	uint16_t port;                 /* 0: receives no IPv4 */
	struct event *ev;
	struct dnsd *io;
};

/* A client waiting for an upstream answer (the engine's token names it). */
struct dnsd_slot {
	uint32_t gen;                  /* part of the token; 0 = free */
	uint32_t next_free;
	struct dnsd_listener *l;       /* UDP: where to answer from */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct np_pktinfo src;
	bool has_src;
	struct dnsd_tcpconn *conn;     /* TCP */
};

#define DNSD_SLOTS 65536

struct dnsd {
	struct np_daemon *d;
	struct dnsd_conf *conf;        /* the running one (owned by the skeleton) */
	struct dnsd_engine eng;
	struct dnsd_listener *ls;
	unsigned nls;
	struct np_batch rx, tx;
	struct np_batch late;          /* one late answer at a time */
	struct np_xsk *xsk;            /* NULL without xdp_interface */
	struct np_xsk_dgram *xrx;      /* RX_BATCH datagrams */
	struct event *xsk_ev, *xsk_retry;
	int addr_fd;                   /* rtnetlink address changes (with xsk), or 0/-1 */
	struct event *addr_ev;
	unsigned xdp_local_addrs;      /* the host's addresses the ring's check knows */
	uint8_t *tcpin, *tcpout, *upbuf; /* NP_DNS_MSG_MAX octets each */
	struct dnsd_slot *slots;
	uint32_t free_head, slot_gen;
	struct np_conn_set tcp;        /* TCP clients, most recently active first */
	struct dnsd_io_stats stats;
	uint32_t rnd[64];
	unsigned rnd_left;
	uint64_t started_ms;
};

/* Monotonic milliseconds. */
uint64_t dnsd_now_ms(void);
/* The daemon's event loop. */
struct event_base *dnsd_base(struct dnsd *io);

/* The skeleton's operations (daemon.h). */
void *dnsd_conf_load_op(const struct np_conf *c, struct np_conf_err *e);
void dnsd_conf_free_op(void *conf);
int dnsd_start(struct np_daemon *d, void *conf);
int dnsd_apply(struct np_daemon *d, void *conf, char *why, size_t cap);
void dnsd_stop(struct np_daemon *d);
const struct np_common_conf *dnsd_common(const void *conf);
extern const struct np_restart_only dnsd_restart_only[];

/* control.c: the commands and the counter table. */
extern const struct np_service_ops dnsd_service;

#endif
