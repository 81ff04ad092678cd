/*
 * connlimit.h: which connection to close so a new one fits (pure policy:
 * no sockets, no clock, no heap).
 *
 * Every server socket here (np-dnsd's TCP listeners, the metrics endpoint,
 * the control socket) keeps its open connections in a set with a total
 * limit and, optionally, a share per client.  A newcomer is not refused
 * while room can be made: the least recently active connection that owes
 * no answer is closed for it (RFC 7766 §6.2.3: under load a server should
 * close idle connections, the oldest first).  Activity is a complete
 * request, never a partial read, so a client that trickles octets looks
 * as old as the moment it connected or last finished a request.  When the
 * newcomer's client holds its whole share, only that client's connections
 * are candidates: one address cannot push others out.
 *
 * The set is an intrusive list, most recently active first; the caller
 * embeds a struct np_conn in each connection and finds its connection
 * from the victim with container_of-style arithmetic.
 */
#ifndef NP_CONNLIMIT_H
#define NP_CONNLIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct np_conn {
	struct np_conn *prev, *next;   /* more / less recently active */
	uint64_t client;               /* identity for the per-client share */
	bool busy;                     /* owes an answer: never evicted */
};

struct np_conn_set {
	struct np_conn *head, *tail;   /* most / least recently active */
	unsigned count;
	unsigned max;                  /* connections at once (at least 1) */
	unsigned per_client;           /* from one client at once; 0 = no share */
};

enum np_conn_verdict {
	NP_CONN_ADMIT,                 /* room for it */
	NP_CONN_EVICT,                 /* close *victim, then ask again */
	NP_CONN_REFUSE,                /* full of connections that owe answers */
};

/* An empty set. */
void np_conn_set_init(struct np_conn_set *s, unsigned max, unsigned per_client);

/* New limits (a reload); connections beyond them go as newcomers need room. */
void np_conn_set_limits(struct np_conn_set *s, unsigned max, unsigned per_client);

/*
 * May a new connection from client open now?  On NP_CONN_EVICT, *victim
 * is the connection to close (and np_conn_remove()) first; asking again
 * afterwards may name another one when the limits were lowered.
 */
enum np_conn_verdict np_conn_admit(const struct np_conn_set *s, uint64_t client,
				   struct np_conn **victim);

/* Add c (not busy) as the most recently active connection of client. */
void np_conn_add(struct np_conn_set *s, struct np_conn *c, uint64_t client);

void np_conn_remove(struct np_conn_set *s, struct np_conn *c);

/* c finished a request: it becomes the most recently active. */
void np_conn_touch(struct np_conn_set *s, struct np_conn *c);

/* Connections of client in s. */
unsigned np_conn_count_client(const struct np_conn_set *s, uint64_t client);

#endif
