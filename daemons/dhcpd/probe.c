/*
 * probe.c: conflict detection state (see probe.h).
 *
 * Entries live in a fixed array, found by address through a chained hash
 * (indexes + 1, 0 ends a chain).  Two FIFO rings order the deadlines: one
 * for probes under way (all started with the same timeout, so first in is
 * first due) and one for results (trusted for the same time).  A ring item
 * names an address and a deadline; it is stale, and skipped, when the entry
 * has since changed or gone.
 */
#include "probe.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct held {
	struct held *next;
	int ifindex;
	uint32_t local_addr;
	int unicast;
	size_t len;
	uint8_t pkt[];
};

struct entry {
	uint32_t addr;
	uint8_t state;             /* enum probe_state; PROBE_NONE: unused slot */
	int ifindex;
	int64_t t;                 /* PENDING: deadline; FREE/INUSE: trusted until */
	uint32_t next;             /* hash chain or free list, index + 1 */
	struct held *held;
	unsigned nheld;
};

struct ring_item {
	uint32_t addr;
	int64_t t;
};

struct ring {
	struct ring_item *v;
	size_t cap, head, len;
};

struct probe_table {
	struct entry *ent;
	size_t max, count, npending;
	uint32_t *bucket;
	size_t nbuckets;           /* power of two */
	uint32_t free_list;
	struct ring pending, results;
	size_t max_held, nheld;
	uint32_t timeout, valid;
	struct np_hmap_key key;    /* clients choose the addresses they ask for */
	struct probe_stats st;
};

static uint32_t bucket_of(const struct probe_table *p, uint32_t addr)
{
	return (uint32_t)np_siphash24(&p->key, &addr, sizeof(addr)) & (uint32_t)(p->nbuckets - 1);
}

struct probe_table *probe_table_new(size_t max, size_t max_held, uint32_t timeout_ms,
				    uint32_t valid_ms, const struct np_hmap_key *key)
{
	struct probe_table *p;

	if (max == 0 || max > (1u << 24))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->key = *key;
	p->max = max;
	p->max_held = max_held;
	for (p->nbuckets = 16; p->nbuckets < 2 * max; p->nbuckets *= 2)
		;
	p->ent = calloc(max, sizeof(*p->ent));
	p->bucket = calloc(p->nbuckets, sizeof(*p->bucket));
	p->pending.cap = p->results.cap = max + 1;
	p->pending.v = calloc(max + 1, sizeof(struct ring_item));
	p->results.v = calloc(max + 1, sizeof(struct ring_item));
	if (p->ent == NULL || p->bucket == NULL || p->pending.v == NULL || p->results.v == NULL) {
		probe_table_free(p);
		return NULL;
	}
	for (size_t i = 0; i < max; i++)
		p->ent[i].next = i + 1 < max ? (uint32_t)(i + 2) : 0;
	p->free_list = 1;
	probe_set_timing(p, timeout_ms, valid_ms);
	return p;
}

static void free_held(struct held *h)
{
	while (h != NULL) {
		struct held *n = h->next;

		free(h);
		h = n;
	}
}

void probe_table_free(struct probe_table *p)
{
	if (p == NULL)
		return;
	if (p->ent != NULL)
		for (size_t i = 0; i < p->max; i++)
			free_held(p->ent[i].held);
	free(p->ent);
	free(p->bucket);
	free(p->pending.v);
	free(p->results.v);
	free(p);
}

void probe_set_timing(struct probe_table *p, uint32_t timeout_ms, uint32_t valid_ms)
{
	p->timeout = timeout_ms ? timeout_ms : PROBE_TIMEOUT_DEFAULT;
	p->valid = valid_ms ? valid_ms : PROBE_VALID_DEFAULT;
}

/* ---- entries ---------------------------------------------------------------- */

static struct entry *find(const struct probe_table *p, uint32_t addr)
{
	for (uint32_t i = p->bucket[bucket_of(p, addr)]; i != 0; i = p->ent[i - 1].next)
		if (p->ent[i - 1].addr == addr)
			return &p->ent[i - 1];
	return NULL;
}

static struct entry *add(struct probe_table *p, uint32_t addr)
{
	uint32_t i = p->free_list, b;
	struct entry *e;

	if (i == 0)
		return NULL;
	e = &p->ent[i - 1];
	p->free_list = e->next;
	b = bucket_of(p, addr);
	memset(e, 0, sizeof(*e));
	e->addr = addr;
	e->next = p->bucket[b];
	p->bucket[b] = i;
	p->count++;
	return e;
}

static void drop_held(struct probe_table *p, struct entry *e)
{
	p->st.held_dropped += e->nheld;
	p->nheld -= e->nheld;
	free_held(e->held);
	e->held = NULL;
	e->nheld = 0;
}

static void remove_entry(struct probe_table *p, struct entry *e)
{
	uint32_t idx = (uint32_t)(e - p->ent) + 1;
	uint32_t *link = &p->bucket[bucket_of(p, e->addr)];

	while (*link != idx)
		link = &p->ent[*link - 1].next;
	*link = e->next;
	drop_held(p, e);
	if (e->state == PROBE_PENDING)
		p->npending--;
	e->state = PROBE_NONE;
	e->next = p->free_list;
	p->free_list = idx;
	p->count--;
}

/* ---- rings -------------------------------------------------------------------- */

static bool item_live(const struct probe_table *p, const struct ring_item *it, bool pending)
{
	const struct entry *e = find(p, it->addr);

	if (e == NULL || e->t != it->t)
		return false;
	return pending ? e->state == PROBE_PENDING : e->state != PROBE_PENDING;
}

/* Drop stale items so a live one fits (live items never exceed max). */
static void ring_compact(const struct probe_table *p, struct ring *r, bool pending)
{
	size_t n = 0;

	for (size_t k = 0; k < r->len; k++) {
		struct ring_item it = r->v[(r->head + k) % r->cap];

		/* Writes trail reads in the same circular order: nothing unread is lost. */
		if (item_live(p, &it, pending))
			r->v[(r->head + n++) % r->cap] = it;
	}
	r->len = n;
}

static void ring_push(const struct probe_table *p, struct ring *r, uint32_t addr, int64_t t,
		      bool pending)
{
	if (r->len == r->cap)
		ring_compact(p, r, pending);
	r->v[(r->head + r->len) % r->cap] = (struct ring_item){ addr, t };
	r->len++;
}

static bool ring_pop_due(struct ring *r, int64_t now, struct ring_item *out)
{
	if (r->len == 0 || r->v[r->head].t > now)
		return false;
	*out = r->v[r->head];
	r->head = (r->head + 1) % r->cap;
	r->len--;
	return true;
}

static void set_result(struct probe_table *p, struct entry *e, uint8_t state, int64_t from)
{
	if (e->state == PROBE_PENDING)
		p->npending--;
	e->state = state;
	e->t = from + p->valid;
	ring_push(p, &p->results, e->addr, e->t, false);
}

/* ---- the interface ------------------------------------------------------------- */

enum probe_state probe_state(const struct probe_table *p, uint32_t addr, int64_t now)
{
	const struct entry *e = find(p, addr);

	if (e == NULL)
		return PROBE_NONE;
	if (e->state == PROBE_FREE && now >= e->t)
		return PROBE_NONE;
	return (enum probe_state)e->state;
}

int probe_start(struct probe_table *p, uint32_t addr, int ifindex, int64_t now)
{
	struct entry *e = find(p, addr);

	if (e != NULL && probe_state(p, addr, now) != PROBE_NONE)
		return -EALREADY;
	if (e != NULL)
		remove_entry(p, e);        /* a stale result */
	e = add(p, addr);
	if (e == NULL) {
		p->st.table_full++;
		return -ENOSPC;
	}
	e->state = PROBE_PENDING;
	e->ifindex = ifindex;
	e->t = now + p->timeout;
	p->npending++;
	ring_push(p, &p->pending, addr, e->t, true);
	p->st.started++;
	return 0;
}

int probe_hold(struct probe_table *p, uint32_t addr, const uint8_t *pkt, size_t len,
	       int ifindex, uint32_t local_addr, int unicast)
{
	struct entry *e = find(p, addr);
	struct held *h, **tail;

	if (e == NULL || e->state != PROBE_PENDING)
		return -ENOENT;
	if (e->nheld >= PROBE_HELD_PER_ADDR || p->nheld >= p->max_held) {
		p->st.held_dropped++;
		return -ENOSPC;
	}
	h = malloc(sizeof(*h) + len);
	if (h == NULL)
		return -ENOMEM;
	h->next = NULL;
	h->ifindex = ifindex;
	h->local_addr = local_addr;
	h->unicast = unicast;
	h->len = len;
	memcpy(h->pkt, pkt, len);
	for (tail = &e->held; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = h;
	e->nheld++;
	p->nheld++;
	p->st.held++;
	return 0;
}

int probe_seen(struct probe_table *p, uint32_t addr, int ifindex, int64_t now)
{
	struct entry *e = find(p, addr);

	/* Only the link the probe went out on says anything about the address. */
	if (e == NULL || e->state == PROBE_INUSE || (ifindex != 0 && e->ifindex != ifindex))
		return 0;
	if (e->state == PROBE_FREE && now >= e->t)
		return 0;
	set_result(p, e, PROBE_INUSE, now);
	p->st.conflicts++;
	return 1;
}

size_t probe_take(struct probe_table *p, uint32_t addr, probe_msg_fn fn, void *arg)
{
	struct entry *e = find(p, addr);
	struct held *list;
	uint8_t state;
	size_t n = 0;

	if (e == NULL || e->state == PROBE_PENDING || e->held == NULL)
		return 0;
	/* Detach first: fn may start probes, hold messages, or forget addr. */
	list = e->held;
	state = e->state;
	p->nheld -= e->nheld;
	e->held = NULL;
	e->nheld = 0;
	for (struct held *h = list; h != NULL; h = h->next, n++) {
		struct probe_msg m = { .addr = addr, .state = state, .ifindex = h->ifindex,
				       .local_addr = h->local_addr, .unicast = h->unicast,
				       .pkt = h->pkt, .len = h->len };

		if (fn != NULL)
			fn(arg, &m);
	}
	free_held(list);
	return n;
}

size_t probe_run(struct probe_table *p, int64_t now, probe_msg_fn fn, void *arg)
{
	struct ring_item it;
	size_t ended = 0;

	while (ring_pop_due(&p->pending, now, &it)) {
		struct entry *e = find(p, it.addr);

		if (e == NULL || e->state != PROBE_PENDING || e->t != it.t)
			continue;
		/* No answer within the timeout: free (RFC 5227 §2.1.1). */
		set_result(p, e, PROBE_FREE, it.t);
		p->st.free++;
		ended++;
		probe_take(p, it.addr, fn, arg);
	}
	while (ring_pop_due(&p->results, now, &it)) {
		struct entry *e = find(p, it.addr);

		if (e == NULL || e->state == PROBE_PENDING || e->t != it.t)
			continue;
		probe_take(p, it.addr, fn, arg);
		e = find(p, it.addr);
		if (e != NULL && e->state != PROBE_PENDING && e->t == it.t)
			remove_entry(p, e);
	}
	return ended;
}

int64_t probe_next_deadline(const struct probe_table *p)
{
	int64_t t = INT64_MAX;

	if (p->pending.len > 0)
		t = p->pending.v[p->pending.head].t;
	if (p->results.len > 0 && p->results.v[p->results.head].t < t)
		t = p->results.v[p->results.head].t;
	return t;
}

void probe_forget(struct probe_table *p, uint32_t addr)
{
	struct entry *e = find(p, addr);

	if (e != NULL)
		remove_entry(p, e);
}

size_t probe_count(const struct probe_table *p, size_t *pending)
{
	if (pending != NULL)
		*pending = p->npending;
	return p->count;
}

const struct probe_stats *probe_get_stats(const struct probe_table *p)
{
	return &p->st;
}
