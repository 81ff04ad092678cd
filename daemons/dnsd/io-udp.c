/*
 * io-udp.c: np-dnsd's UDP clients: queries read in batches (recvmmsg),
 * answers sent in batches (sendmmsg), each from the address the query came
 * to (IP_PKTINFO on a wildcard socket); late answers one at a time.
 */
#include "config.h"

#include <string.h>

#include <event2/event.h>

#include "io.h"

/*
 * Ask the engine about one UDP query.  The client gets a slot first: if the
 * answer must wait for an upstream, it leaves later from listener l to
 * peer (from src when l is a wildcard socket).  true: an answer of *outlen
 * octets is in out, to send now.
 */
bool dnsd_udp_query(struct dnsd *io, struct dnsd_listener *l, const struct sockaddr *peer,
		    socklen_t plen, const struct np_pktinfo *src, const uint8_t *msg, size_t len,
		    uint64_t now, uint8_t *out, size_t *outlen)
{
	struct dnsd_client cl = { .tcp = false };
	struct dnsd_slot *s = NULL;
	enum dnsd_verdict v;

	cl.addr = dnsd_peer_v4(peer, &cl.port);
	cl.token = dnsd_slot_alloc(io, &s);
	if (s) {
		s->l = l;
		memcpy(&s->peer, peer, plen);
		s->peerlen = plen;
		s->has_src = src != NULL;
		if (src)
			s->src = *src;
	}
	v = dnsd_engine_query(&io->eng, msg, len, &cl, now, out, io->tx.bufsize, outlen);
	if (v != DNSD_PENDING || !cl.token)
		dnsd_slot_free(io, cl.token);
	/* SENDs (a miss, a prefetch); a DELIVER only when every SEND failed. */
	dnsd_io_run_actions(io);
	return v == DNSD_ANSWER;
}

static void udp_one(struct dnsd *io, struct dnsd_listener *l, unsigned i, uint64_t now)
{
	socklen_t plen = 0;
	const struct sockaddr *peer = np_batch_addr(&io->rx, i, &plen);
	struct np_pktinfo pi;
	struct np_pktinfo src = { 0 };
	bool has_src = false;
	size_t outlen = 0;

	if (np_batch_truncated(&io->rx, i)) {
		io->stats.udp_truncated++;
		io->eng.stats.dropped_malformed++;
		return;
	}
	if (np_batch_pktinfo(&io->rx, i, &pi) == 0) {
		src.local = pi.local;
		has_src = true;
	}
	if (dnsd_udp_query(io, l, peer, plen, has_src ? &src : NULL, np_batch_buf(&io->rx, i),
		      np_batch_len(&io->rx, i), now, np_batch_buf(&io->tx, io->tx.count), &outlen) &&
	    np_batch_add(&io->tx, outlen, peer, plen, has_src ? &src : NULL) < 0)
		io->stats.udp_send_errors++;
}

/* One datagram now, through listener l's kernel socket. */
void dnsd_udp_send_one(struct dnsd *io, struct dnsd_listener *l, const void *peer,
		       socklen_t plen, const struct np_pktinfo *src, const uint8_t *msg, size_t len)
{
	np_batch_clear(&io->late);
	if (len <= io->late.bufsize) {
		memcpy(np_batch_buf(&io->late, 0), msg, len);
		if (np_batch_add(&io->late, len, peer, plen, src) >= 0 &&
		    np_batch_send(l->fd, &io->late) == 1) {
			io->stats.udp_sent++;
			return;
		}
	}
	io->stats.udp_send_errors++;
}

static void udp_flush(struct dnsd *io, int fd)
{
	int n;

	if (io->tx.count == 0)
		return;
	n = np_batch_send(fd, &io->tx);
	if (n > 0)
		io->stats.udp_sent += (uint64_t)n;
	io->stats.udp_send_errors += io->tx.send_errors + np_batch_pending(&io->tx);
	np_batch_clear(&io->tx);
}

void dnsd_udp_on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct dnsd_listener *l = arg;
	struct dnsd *io = l->io;

	(void)what;
	for (int round = 0; round < 8; round++) {
		int n = np_batch_recv(fd, &io->rx);
		uint64_t now = dnsd_now_ms();

		if (n <= 0)
			return;
		io->stats.udp_batches++;
		np_batch_clear(&io->tx);
		for (unsigned i = 0; i < (unsigned)n; i++)
			udp_one(io, l, i, now);
		udp_flush(io, fd);
		if ((unsigned)n < io->rx.cap)
			return;
	}
}
