/* connlimit.c: the connection-eviction policy (connlimit.h). */
#include "config.h"

#include <stddef.h>

#include "connlimit.h"

void np_conn_set_init(struct np_conn_set *s, unsigned max, unsigned per_client)
{
	*s = (struct np_conn_set){ .max = max ? max : 1, .per_client = per_client };
}

void np_conn_set_limits(struct np_conn_set *s, unsigned max, unsigned per_client)
{
	s->max = max ? max : 1;
	s->per_client = per_client;
}

unsigned np_conn_count_client(const struct np_conn_set *s, uint64_t client)
{
	unsigned n = 0;

	for (const struct np_conn *c = s->head; c; c = c->next)
		n += c->client == client;
	return n;
}

/* The least recently active idle connection (of client only, when mine). */
static struct np_conn *oldest_idle(const struct np_conn_set *s, bool mine, uint64_t client)
{
	for (struct np_conn *c = s->tail; c; c = c->prev)
		if (!c->busy && (!mine || c->client == client))
			return c;
	return NULL;
}

enum np_conn_verdict np_conn_admit(const struct np_conn_set *s, uint64_t client,
				   struct np_conn **victim)
{
	bool share_full = s->per_client && np_conn_count_client(s, client) >= s->per_client;
	struct np_conn *v;

	if (!share_full && s->count < s->max)
		return NP_CONN_ADMIT;
	v = oldest_idle(s, share_full, client);
	if (!v)
		return NP_CONN_REFUSE;
	*victim = v;
	return NP_CONN_EVICT;
}

static void link_head(struct np_conn_set *s, struct np_conn *c)
{
	c->prev = NULL;
	c->next = s->head;
	if (s->head)
		s->head->prev = c;
	else
		s->tail = c;
	s->head = c;
}

static void unlink_conn(struct np_conn_set *s, struct np_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		s->tail = c->prev;
	c->prev = c->next = NULL;
}

void np_conn_add(struct np_conn_set *s, struct np_conn *c, uint64_t client)
{
	c->client = client;
	c->busy = false;
	link_head(s, c);
	s->count++;
}

void np_conn_remove(struct np_conn_set *s, struct np_conn *c)
{
	unlink_conn(s, c);
	s->count--;
}

void np_conn_touch(struct np_conn_set *s, struct np_conn *c)
{
	if (s->head == c)
		return;
	unlink_conn(s, c);
	link_head(s, c);
}
