/*
 * io.h: what np-dnsd's I/O files (io*.c) share; dnsd.h has the state.
 *
 * io.c keeps the waiting clients (a slot per client whose answer waits for
 * an upstream; its token is what the engine knows it by) and delivers
 * their late answers (query.h); io-listen.c opens the listeners,
 * io-udp.c, io-tcp.c and io-xdp.c read queries and write answers,
 * io-upstream.c sends the upstream tries and reads their answers.
 */
#ifndef NP_DNSD_IO_H
#define NP_DNSD_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <event2/util.h>

#include "dnsd.h"

#define UDP_BUF 4096                   /* edns_buffer_size is at most 4096 */
#define RX_BATCH 64

struct sockaddr;

/* io.c: the engine's random numbers (getrandom(), buffered). */
uint32_t dnsd_io_random(void *arg);
/* io.c: waiting clients.  A free slot's token (0 when none is free). */
void dnsd_slots_init(struct dnsd *io);
uint64_t dnsd_slot_alloc(struct dnsd *io, struct dnsd_slot **out);
void dnsd_slot_free(struct dnsd *io, uint64_t token);
/*
 * io.c: carry out the engine's actions (send, cancel, deliver; query.h) and
 * clear them.  Called after every engine call that may append some.
 */
void dnsd_io_run(struct dnsd *io);
/* Only when there are actions: the cache-hit path pays a test. */
static inline void dnsd_io_run_actions(struct dnsd *io)
{
	if (dnsd_engine_actions(&io->eng)->n)
		dnsd_io_run(io);
}

/* io-listen.c */
/*
 * IPv4 of a peer: AF_INET, or v4-mapped AF_INET6 (socket-activated dual
 * stack); 0 for other IPv6 peers.  *port: the peer's port (0 for other
 * families).
 */
uint32_t dnsd_peer_v4(const struct sockaddr *sa, uint16_t *port);
/* The socket-activated listeners, else the configured ones bound: how many, or -1. */
int dnsd_listen_open(struct dnsd *io, const struct dnsd_conf *conf);
int dnsd_listen_arm(struct dnsd *io);
void dnsd_listen_close(struct dnsd *io);

/* io-udp.c */
void dnsd_udp_on_readable(evutil_socket_t fd, short what, void *arg);
bool dnsd_udp_query(struct dnsd *io, struct dnsd_listener *l, const struct sockaddr *peer,
		    socklen_t plen, const struct np_pktinfo *src, const uint8_t *msg, size_t len,
		    uint64_t now, uint8_t *out, size_t *outlen);
void dnsd_udp_send_one(struct dnsd *io, struct dnsd_listener *l, const void *peer,
		       socklen_t plen, const struct np_pktinfo *src, const uint8_t *msg, size_t len);

/* io-tcp.c */
void dnsd_tcp_on_accept(evutil_socket_t fd, short what, void *arg);
/* A late answer to a TCP client (c may have closed meanwhile). */
void dnsd_tcp_deliver(struct dnsd_tcpconn *c, const uint8_t *msg, size_t len);
void dnsd_tcp_close_all(struct dnsd *io);

/* io-xdp.c */
int dnsd_xdp_start(struct dnsd *io, const struct dnsd_conf *conf);
void dnsd_xdp_stop(struct dnsd *io);

/*
 * io-upstream.c: the SEND, CANCEL and CAPS_FALLBACK actions.  dnsd_up_send()
 * stores its handle in q->io and returns 0, or -1 (report the failure).
 */
int dnsd_up_send(struct dnsd *io, struct dnsd_upq *q);
void dnsd_up_cancel(void *handle);
void dnsd_up_caps_fallback(const struct dnsd_addr *server);

#endif
