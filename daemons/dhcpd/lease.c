/*
 * lease.c: the in-memory lease table (see lease.h for the model).
 */
#include "lease.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SHIFT 12
#define CHUNK_LEN (1u << CHUNK_SHIFT)
#define NO_SLOT 0u                 /* chains hold slot + 1 */

struct pool {
	uint32_t first, last;
	int tag;
	uint32_t cursor;           /* word where the next search starts */
	uint64_t *fresh;           /* 1: never leased, not reserved */
	uint64_t *reuse;           /* 1: RELEASED or EXPIRED lease, not reserved */
	struct lease_pool_stats st;
};

struct resv {
	struct lease_reservation pub;
	uint8_t key[LEASE_KEY_MAX];
	uint16_t key_len;
	uint8_t cid[255];
	char *hostname;
};

struct heap_ent {
	int64_t expire;
	uint32_t slot;
};

struct lease_table {
	struct lease **chunks;
	size_t nchunks;
	uint32_t nslots;           /* high-water mark */
	uint32_t free_slot;        /* free-slot list through next_addr (slot + 1) */
	size_t count;
	uint32_t *addr_idx, *id_idx;
	uint32_t nbuckets;         /* power of two */
	struct pool *pools;        /* in the order added: the index is the pool's name */
	uint32_t *order;           /* pool indexes sorted by first address */
	size_t npools;
	struct resv **resv;        /* by key */
	struct resv **resv_addr;   /* by address */
	size_t nresv;
	struct heap_ent *heap;
	size_t heap_len, heap_cap;
	size_t ext_bytes;          /* hostnames and long keys */
	struct np_hmap_key key;    /* both indexes hash under it (hashmap.h) */
};

/* ---- small helpers -------------------------------------------------------- */

/* Keyed: clients choose their identifiers and the addresses they ask for. */
static uint32_t hash_bytes(const struct lease_table *t, const uint8_t *p, size_t n)
{
	return (uint32_t)np_siphash24(&t->key, p, n);
}

static uint32_t hash_addr(const struct lease_table *t, uint32_t a)
{
	return (uint32_t)np_siphash24(&t->key, &a, sizeof(a));
}

/* The identity key: 'C' + client id, or 'H' + htype + chaddr. */
static size_t client_key(const struct lease_client *c, uint8_t key[LEASE_KEY_MAX])
{
	if (c->cid_len > 0) {
		key[0] = 'C';
		memcpy(key + 1, c->cid, c->cid_len);
		return 1u + c->cid_len;
	}
	key[0] = 'H';
	key[1] = c->htype;
	memcpy(key + 2, c->chaddr, c->hlen);
	return 2u + c->hlen;
}

static const uint8_t *lease_key(const struct lease *l)
{
	return l->key_len > LEASE_KEY_INLINE ? l->key.ext : l->key.inl;
}

static struct lease *slot_lease(const struct lease_table *t, uint32_t slot)
{
	return &t->chunks[slot >> CHUNK_SHIFT][slot & (CHUNK_LEN - 1)];
}

static uint32_t lease_slot(const struct lease_table *t, const struct lease *l)
{
	(void)t;
	return l->slot;
}

static bool state_holds(uint8_t s)
{
	return s == LEASE_OFFERED || s == LEASE_BOUND || s == LEASE_DECLINED;
}

int lease_state_reusable(uint8_t state)
{
	return state == LEASE_RELEASED || state == LEASE_EXPIRED;
}

static void bit_set(uint64_t *bits, uint32_t i, bool on)
{
	if (on)
		bits[i >> 6] |= 1ull << (i & 63);
	else
		bits[i >> 6] &= ~(1ull << (i & 63));
}

/* ---- table ---------------------------------------------------------------- */

struct lease_table *lease_table_new(const struct np_hmap_key *key)
{
	struct lease_table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->key = *key;
	t->nbuckets = 1024;
	t->addr_idx = calloc(t->nbuckets, sizeof(uint32_t));
	t->id_idx = calloc(t->nbuckets, sizeof(uint32_t));
	if (t->addr_idx == NULL || t->id_idx == NULL) {
		lease_table_free(t);
		return NULL;
	}
	return t;
}

static void lease_free_ext(struct lease *l)
{
	if (l->key_len > LEASE_KEY_INLINE)
		free(l->key.ext);
	free(l->hostname);
	l->key_len = 0;
	l->hostname = NULL;
}

void lease_table_free(struct lease_table *t)
{
	if (t == NULL)
		return;
	for (uint32_t s = 0; s < t->nslots; s++)
		if (slot_lease(t, s)->state != LEASE_FREE)
			lease_free_ext(slot_lease(t, s));
	for (size_t c = 0; c < t->nchunks; c++)
		free(t->chunks[c]);
	for (size_t p = 0; p < t->npools; p++) {
		free(t->pools[p].fresh);
		free(t->pools[p].reuse);
	}
	for (size_t r = 0; r < t->nresv; r++) {
		free(t->resv[r]->hostname);
		free(t->resv[r]);
	}
	free(t->resv);
	free(t->resv_addr);
	free(t->chunks);
	free(t->pools);
	free(t->order);
	free(t->addr_idx);
	free(t->id_idx);
	free(t->heap);
	free(t);
}

/* ---- pools ---------------------------------------------------------------- */

static struct pool *pool_for(const struct lease_table *t, uint32_t addr)
{
	size_t lo = 0, hi = t->npools;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		struct pool *p = &t->pools[t->order[mid]];

		if (addr < p->first)
			hi = mid;
		else if (addr > p->last)
			lo = mid + 1;
		else
			return p;
	}
	return NULL;
}

int lease_pool_add(struct lease_table *t, uint32_t first, uint32_t last, int tag)
{
	struct pool p = { .first = first, .last = last, .tag = tag };
	size_t words, at = 0;
	struct pool *np;
	uint32_t *no;

	if (first > last || last - first >= (1u << 24))
		return -EINVAL;
	for (size_t i = 0; i < t->npools; i++) {
		const struct pool *q = &t->pools[t->order[i]];

		if (!(last < q->first || first > q->last))
			return -EINVAL;
		if (q->first < first)
			at = i + 1;
	}
	p.st.total = last - first + 1;
	words = (p.st.total + 63) / 64;
	p.fresh = malloc(words * sizeof(uint64_t));
	p.reuse = calloc(words, sizeof(uint64_t));
	np = realloc(t->pools, (t->npools + 1) * sizeof(*np));
	if (np != NULL)
		t->pools = np;
	no = realloc(t->order, (t->npools + 1) * sizeof(*no));
	if (no != NULL)
		t->order = no;
	if (p.fresh == NULL || p.reuse == NULL || np == NULL || no == NULL) {
		free(p.fresh);
		free(p.reuse);
		return -ENOMEM;
	}
	memset(p.fresh, 0xff, words * sizeof(uint64_t));
	if (p.st.total % 64)
		p.fresh[words - 1] = (1ull << (p.st.total % 64)) - 1;
	t->pools[t->npools] = p;
	memmove(&t->order[at + 1], &t->order[at], (t->npools - at) * sizeof(*no));
	t->order[at] = (uint32_t)t->npools;
	return (int)t->npools++;
}

int lease_pool_of(const struct lease_table *t, uint32_t addr)
{
	struct pool *p = pool_for(t, addr);

	return p == NULL ? -1 : (int)(p - t->pools);
}

int lease_pool_tag(const struct lease_table *t, int pool)
{
	return t->pools[pool].tag;
}

size_t lease_pool_count(const struct lease_table *t)
{
	return t->npools;
}

void lease_pool_stats(const struct lease_table *t, int pool, struct lease_pool_stats *st)
{
	const struct pool *p = &t->pools[pool];

	*st = p->st;
	st->free = p->st.total - p->st.assigned - p->st.offered - p->st.declined;
}

/* Scan bits from the pool's cursor, wrapping once. */
static int pool_scan(struct pool *p, const uint64_t *bits, uint32_t *addr)
{
	uint32_t words = (p->st.total + 63) / 64;

	for (uint32_t k = 0; k < words; k++) {
		uint32_t w = (p->cursor + k) % words;

		if (bits[w] != 0) {
			p->cursor = w;
			*addr = p->first + w * 64 + (uint32_t)__builtin_ctzll(bits[w]);
			return 0;
		}
	}
	return -ENOSPC;
}

int lease_find_free(struct lease_table *t, int pool, uint32_t *addr)
{
	struct pool *p;

	if (pool < 0 || (size_t)pool >= t->npools)
		return -EINVAL;
	p = &t->pools[pool];
	if (pool_scan(p, p->fresh, addr) == 0)
		return 0;
	return pool_scan(p, p->reuse, addr);
}

/* Pool bookkeeping when a lease at addr leaves or enters a state. */
static void pool_account(struct lease_table *t, uint32_t addr, uint8_t state, int dir)
{
	struct pool *p = pool_for(t, addr);
	uint32_t i;

	if (p == NULL)
		return;
	i = addr - p->first;
	switch (state) {
	case LEASE_OFFERED:
		p->st.offered += (uint32_t)dir;
		break;
	case LEASE_BOUND:
		p->st.assigned += (uint32_t)dir;
		break;
	case LEASE_DECLINED:
		p->st.declined += (uint32_t)dir;
		break;
	case LEASE_RELEASED:
	case LEASE_EXPIRED:
		if (lease_reservation_of(t, addr) == NULL)
			bit_set(p->reuse, i, dir > 0);
		break;
	case LEASE_FREE:
		/* dir > 0: the address becomes free (fresh) again. */
		if (lease_reservation_of(t, addr) == NULL)
			bit_set(p->fresh, i, dir > 0);
		break;
	}
}

/* ---- reservations --------------------------------------------------------- */

static int resv_cmp_key(const struct resv *r, const uint8_t *key, size_t len)
{
	size_t n = r->key_len < len ? r->key_len : len;
	int c = memcmp(r->key, key, n);

	if (c != 0)
		return c;
	return r->key_len < len ? -1 : r->key_len > len;
}

/* Lower bound by key (by_key) or by address. */
static size_t resv_lower(struct resv *const *arr, size_t n, const uint8_t *key, size_t len,
			 uint32_t addr, bool by_key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		bool less = by_key ? resv_cmp_key(arr[mid], key, len) < 0 : arr[mid]->pub.addr < addr;

		if (less)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct resv *resv_by_key(const struct lease_table *t, const uint8_t *key, size_t len)
{
	size_t i = resv_lower(t->resv, t->nresv, key, len, 0, true);

	if (i < t->nresv && resv_cmp_key(t->resv[i], key, len) == 0)
		return t->resv[i];
	return NULL;
}

const struct lease_reservation *lease_reservation_of(const struct lease_table *t, uint32_t addr)
{
	size_t i;

	if (t->nresv == 0)
		return NULL;
	i = resv_lower(t->resv_addr, t->nresv, NULL, 0, addr, false);
	if (i < t->nresv && t->resv_addr[i]->pub.addr == addr)
		return &t->resv_addr[i]->pub;
	return NULL;
}

const struct lease_reservation *lease_reservation_for(const struct lease_table *t,
						      const struct lease_client *c)
{
	uint8_t key[LEASE_KEY_MAX];
	const struct resv *r = NULL;
	size_t len;

	if (t->nresv == 0)
		return NULL;
	if (c->cid_len > 0) {
		len = client_key(c, key);
		r = resv_by_key(t, key, len);
	}
	if (r == NULL) {
		struct lease_client hw = *c;

		hw.cid_len = 0;
		len = client_key(&hw, key);
		r = resv_by_key(t, key, len);
	}
	return r == NULL ? NULL : &r->pub;
}

static int resv_insert(struct lease_table *t, struct resv *r)
{
	struct resv **a = realloc(t->resv, (t->nresv + 1) * sizeof(*a));
	struct resv **b;
	size_t i, j;

	if (a == NULL)
		return -ENOMEM;
	t->resv = a;
	b = realloc(t->resv_addr, (t->nresv + 1) * sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	t->resv_addr = b;
	i = resv_lower(a, t->nresv, r->key, r->key_len, 0, true);
	j = resv_lower(b, t->nresv, NULL, 0, r->pub.addr, false);
	if ((i < t->nresv && resv_cmp_key(a[i], r->key, r->key_len) == 0) ||
	    (j < t->nresv && b[j]->pub.addr == r->pub.addr))
		return -EEXIST;
	memmove(&a[i + 1], &a[i], (t->nresv - i) * sizeof(*a));
	memmove(&b[j + 1], &b[j], (t->nresv - j) * sizeof(*b));
	a[i] = r;
	b[j] = r;
	t->nresv++;
	return 0;
}

int lease_reserve(struct lease_table *t, const struct lease_reservation *res)
{
	struct resv *r = calloc(1, sizeof(*r));
	struct pool *p;
	int err;

	if (r == NULL)
		return -ENOMEM;
	r->pub = *res;
	if (res->client.cid_len > 0) {
		memcpy(r->cid, res->client.cid, res->client.cid_len);
		r->pub.client.cid = r->cid;
	} else {
		r->pub.client.cid = NULL;
	}
	r->key_len = (uint16_t)client_key(&r->pub.client, r->key);
	if (res->hostname != NULL) {
		r->hostname = strdup(res->hostname);
		if (r->hostname == NULL) {
			free(r);
			return -ENOMEM;
		}
	}
	r->pub.hostname = r->hostname;
	err = resv_insert(t, r);
	if (err != 0) {
		free(r->hostname);
		free(r);
		return err;
	}
	/* Nobody else gets a reserved address from the pool. */
	p = pool_for(t, res->addr);
	if (p != NULL) {
		bit_set(p->fresh, res->addr - p->first, false);
		bit_set(p->reuse, res->addr - p->first, false);
	}
	return 0;
}

/* ---- indexes -------------------------------------------------------------- */

static uint32_t *addr_head(const struct lease_table *t, uint32_t addr)
{
	return &t->addr_idx[hash_addr(t, addr) & (t->nbuckets - 1)];
}

static uint32_t *id_head(const struct lease_table *t, uint32_t h)
{
	return &t->id_idx[h & (t->nbuckets - 1)];
}

static void index_link(struct lease_table *t, struct lease *l, uint32_t slot)
{
	uint32_t *h = addr_head(t, l->addr);

	l->next_addr = *h;
	*h = slot + 1;
	if (l->key_len > 0) {
		h = id_head(t, hash_bytes(t, lease_key(l), l->key_len));
		l->next_id = *h;
		*h = slot + 1;
	}
}

static void index_unlink(struct lease_table *t, struct lease *l, uint32_t slot)
{
	uint32_t *h;

	for (h = addr_head(t, l->addr); *h != slot + 1; h = &slot_lease(t, *h - 1)->next_addr)
		;
	*h = l->next_addr;
	if (l->key_len == 0)
		return;
	for (h = id_head(t, hash_bytes(t, lease_key(l), l->key_len)); *h != slot + 1; h = &slot_lease(t, *h - 1)->next_id)
		;
	*h = l->next_id;
}

static int index_grow(struct lease_table *t)
{
	uint32_t n = t->nbuckets * 2;
	uint32_t *a = calloc(n, sizeof(uint32_t)), *b = calloc(n, sizeof(uint32_t));

	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	free(t->addr_idx);
	free(t->id_idx);
	t->addr_idx = a;
	t->id_idx = b;
	t->nbuckets = n;
	for (uint32_t s = 0; s < t->nslots; s++) {
		struct lease *l = slot_lease(t, s);

		if (l->state != LEASE_FREE)
			index_link(t, l, s);
	}
	return 0;
}

struct lease *lease_by_addr(const struct lease_table *t, uint32_t addr)
{
	for (uint32_t s = *addr_head(t, addr); s != NO_SLOT; ) {
		struct lease *l = slot_lease(t, s - 1);

		if (l->addr == addr)
			return l;
		s = l->next_addr;
	}
	return NULL;
}

static struct lease *by_key(const struct lease_table *t, const uint8_t *key, size_t len)
{
	uint32_t h = hash_bytes(t, key, len);

	for (uint32_t s = *id_head(t, h); s != NO_SLOT; ) {
		struct lease *l = slot_lease(t, s - 1);

		if (l->key_len == len && memcmp(lease_key(l), key, len) == 0)
			return l;
		s = l->next_id;
	}
	return NULL;
}

struct lease *lease_by_client(const struct lease_table *t, const struct lease_client *c)
{
	uint8_t key[LEASE_KEY_MAX];

	return by_key(t, key, client_key(c, key));
}

int lease_is_client(const struct lease *l, const struct lease_client *c)
{
	uint8_t key[LEASE_KEY_MAX];
	size_t len = client_key(c, key);

	return l->key_len == len && memcmp(lease_key(l), key, len) == 0;
}

/* ---- expiry heap (lazy: stale entries are skipped when popped) ---------- */

static void heap_swap(struct heap_ent *h, size_t a, size_t b)
{
	struct heap_ent x = h[a];

	h[a] = h[b];
	h[b] = x;
}

static void heap_down(struct heap_ent *h, size_t n, size_t i)
{
	for (;;) {
		size_t m = i, l = 2 * i + 1, r = l + 1;

		if (l < n && h[l].expire < h[m].expire)
			m = l;
		if (r < n && h[r].expire < h[m].expire)
			m = r;
		if (m == i)
			return;
		heap_swap(h, i, m);
		i = m;
	}
}

static bool heap_ent_live(const struct lease_table *t, const struct heap_ent *e)
{
	const struct lease *l = slot_lease(t, e->slot);

	return state_holds(l->state) && l->expire == e->expire;
}

/* Drop stale entries when they outnumber the live ones. */
static void heap_compact(struct lease_table *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->heap_len; i++)
		if (heap_ent_live(t, &t->heap[i]))
			t->heap[n++] = t->heap[i];
	t->heap_len = n;
	for (size_t i = n / 2; i-- > 0;)
		heap_down(t->heap, n, i);
}

static int heap_push(struct lease_table *t, int64_t expire, uint32_t slot)
{
	size_t i;

	if (t->heap_len > 2 * t->count + 1024)
		heap_compact(t);
	if (t->heap_len == t->heap_cap) {
		size_t cap = t->heap_cap ? t->heap_cap * 2 : 1024;
		struct heap_ent *h = realloc(t->heap, cap * sizeof(*h));

		if (h == NULL)
			return -ENOMEM;
		t->heap = h;
		t->heap_cap = cap;
	}
	i = t->heap_len++;
	t->heap[i] = (struct heap_ent){ expire, slot };
	while (i > 0 && t->heap[(i - 1) / 2].expire > t->heap[i].expire) {
		heap_swap(t->heap, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return 0;
}

static void heap_pop(struct lease_table *t)
{
	t->heap[0] = t->heap[--t->heap_len];
	heap_down(t->heap, t->heap_len, 0);
}

int64_t lease_next_expiry(struct lease_table *t)
{
	while (t->heap_len > 0 && !heap_ent_live(t, &t->heap[0]))
		heap_pop(t);
	return t->heap_len > 0 ? t->heap[0].expire : INT64_MAX;
}

/* ---- lease objects -------------------------------------------------------- */

static int slot_alloc(struct lease_table *t, uint32_t *slot)
{
	if (t->free_slot != NO_SLOT) {
		*slot = t->free_slot - 1;
		t->free_slot = slot_lease(t, *slot)->next_addr;
		return 0;
	}
	if ((t->nslots >> CHUNK_SHIFT) >= t->nchunks) {
		struct lease **c = realloc(t->chunks, (t->nchunks + 1) * sizeof(*c));

		if (c == NULL)
			return -ENOMEM;
		t->chunks = c;
		c[t->nchunks] = calloc(CHUNK_LEN, sizeof(struct lease));
		if (c[t->nchunks] == NULL)
			return -ENOMEM;
		t->nchunks++;
	}
	*slot = t->nslots++;
	return 0;
}

static int set_key(struct lease_table *t, struct lease *l, const uint8_t *key, size_t len)
{
	if (len > LEASE_KEY_INLINE) {
		l->key.ext = malloc(len);
		if (l->key.ext == NULL)
			return -ENOMEM;
		memcpy(l->key.ext, key, len);
		t->ext_bytes += len;
	} else {
		memcpy(l->key.inl, key, len);
	}
	l->key_len = (uint16_t)len;
	return 0;
}

/* A new lease object at addr (not indexed yet as anyone's). */
static int lease_new(struct lease_table *t, uint32_t addr, const uint8_t *key, size_t len,
		     struct lease **out)
{
	struct lease *l;
	uint32_t slot;
	int err;

	if (t->count + 1 > t->nbuckets && (err = index_grow(t)) != 0)
		return err;
	if ((err = slot_alloc(t, &slot)) != 0)
		return err;
	l = slot_lease(t, slot);
	memset(l, 0, sizeof(*l));
	l->addr = addr;
	l->slot = slot;
	if (len > 0 && (err = set_key(t, l, key, len)) != 0) {
		l->next_addr = t->free_slot;
		t->free_slot = slot + 1;
		return err;
	}
	/* state is still LEASE_FREE: callers set it with lease_set_state(). */
	index_link(t, l, slot);
	pool_account(t, addr, LEASE_FREE, -1);
	t->count++;
	*out = l;
	return 0;
}

void lease_set_state(struct lease_table *t, struct lease *l, uint8_t state, int64_t expire)
{
	if (l->state != LEASE_FREE)
		pool_account(t, l->addr, l->state, -1);
	l->state = state;
	l->expire = expire;
	pool_account(t, l->addr, state, +1);
	/* A failed push only delays reclaim until the next heap rebuild. */
	if (state_holds(state))
		(void)heap_push(t, expire, lease_slot(t, l));
}

void lease_remove(struct lease_table *t, struct lease *l)
{
	uint32_t slot = lease_slot(t, l);

	pool_account(t, l->addr, l->state, -1);
	pool_account(t, l->addr, LEASE_FREE, +1);
	index_unlink(t, l, slot);
	if (l->key_len > LEASE_KEY_INLINE)
		t->ext_bytes -= l->key_len;
	if (l->hostname != NULL)
		t->ext_bytes -= strlen(l->hostname) + 1;
	lease_free_ext(l);
	l->state = LEASE_FREE;
	l->next_addr = t->free_slot;
	t->free_slot = slot + 1;
	t->count--;
}

/* Give an existing lease object to another identity (re-index it). */
static int lease_rekey(struct lease_table *t, struct lease *l, const uint8_t *key, size_t len)
{
	uint32_t slot = lease_slot(t, l);
	int err;

	index_unlink(t, l, slot);
	if (l->key_len > LEASE_KEY_INLINE) {
		t->ext_bytes -= l->key_len;
		free(l->key.ext);
	}
	l->key_len = 0;
	err = set_key(t, l, key, len);
	index_link(t, l, slot);
	return err;
}

int lease_claim(struct lease_table *t, uint32_t addr, const struct lease_client *c, uint8_t state,
		int64_t start, int64_t expire, struct lease **out)
{
	uint8_t key[LEASE_KEY_MAX];
	size_t len = client_key(c, key);
	const struct lease_reservation *r = lease_reservation_of(t, addr);
	struct lease *mine = by_key(t, key, len);
	struct lease *l = lease_by_addr(t, addr);
	int err;

	if (mine != NULL && mine != l)
		return -EEXIST;
	if (r != NULL && lease_reservation_for(t, c) != r)
		return -EBUSY;
	if (l == NULL) {
		err = lease_new(t, addr, key, len, &l);
		if (err != 0)
			return err;
	} else if (l != mine) {
		if (!lease_state_reusable(l->state))
			return -EBUSY;
		/* The previous holder's memory of this address is forgotten. */
		if ((err = lease_rekey(t, l, key, len)) != 0)
			return err;
		(void)lease_set_hostname(t, l, NULL);
	}
	l->htype = c->htype;
	l->hlen = c->hlen;
	memcpy(l->chaddr, c->chaddr, sizeof(l->chaddr));
	l->start = start;
	lease_set_state(t, l, state, expire);
	*out = l;
	return 0;
}

int lease_decline_addr(struct lease_table *t, uint32_t addr, int64_t start, int64_t expire,
		       struct lease **out)
{
	struct lease *l = lease_by_addr(t, addr);
	int err;

	if (l != NULL && (l->state == LEASE_BOUND || l->state == LEASE_OFFERED))
		return -EBUSY;
	if (l != NULL)
		lease_remove(t, l);
	err = lease_new(t, addr, NULL, 0, &l);
	if (err != 0)
		return err;
	l->start = start;
	lease_set_state(t, l, LEASE_DECLINED, expire);
	*out = l;
	return 0;
}

int lease_set_hostname(struct lease_table *t, struct lease *l, const char *name)
{
	char *copy = NULL;

	if (name != NULL && (copy = strdup(name)) == NULL)
		return -ENOMEM;
	if (l->hostname != NULL)
		t->ext_bytes -= strlen(l->hostname) + 1;
	free(l->hostname);
	l->hostname = copy;
	if (copy != NULL)
		t->ext_bytes += strlen(copy) + 1;
	return 0;
}

size_t lease_expire(struct lease_table *t, int64_t now, size_t max, lease_expire_fn fn, void *arg)
{
	size_t n = 0;

	while (t->heap_len > 0 && t->heap[0].expire <= now && (max == 0 || n < max)) {
		struct heap_ent e = t->heap[0];
		struct lease *l = slot_lease(t, e.slot);
		uint8_t old = l->state;

		heap_pop(t);
		if (!state_holds(old) || l->expire != e.expire)
			continue;       /* renewed, released or gone since */
		if (old == LEASE_DECLINED) {
			/* Probation over: the address is free again. */
			if (fn != NULL) {
				l->state = LEASE_FREE;
				fn(arg, l, old);
				l->state = old;
			}
			lease_remove(t, l);
		} else {
			lease_set_state(t, l, LEASE_EXPIRED, l->expire);
			if (fn != NULL)
				fn(arg, l, old);
		}
		n++;
	}
	return n;
}

struct lease *lease_iter(const struct lease_table *t, size_t *cursor)
{
	while (*cursor < t->nslots) {
		struct lease *l = slot_lease(t, (uint32_t)(*cursor)++);

		if (l->state != LEASE_FREE)
			return l;
	}
	return NULL;
}

const struct np_hmap_key *lease_table_key(const struct lease_table *t)
{
	return &t->key;
}

size_t lease_count(const struct lease_table *t)
{
	return t->count;
}

size_t lease_table_memory(const struct lease_table *t)
{
	size_t m = sizeof(*t) + t->nchunks * (CHUNK_LEN * sizeof(struct lease) + sizeof(void *));

	m += 2 * (size_t)t->nbuckets * sizeof(uint32_t);
	m += t->heap_cap * sizeof(struct heap_ent);
	for (size_t p = 0; p < t->npools; p++)
		m += 2 * ((t->pools[p].st.total + 63) / 64) * sizeof(uint64_t);
	m += t->nresv * (sizeof(struct resv) + 2 * sizeof(void *));
	return m + t->ext_bytes;
}

/* ---- leases as values ---------------------------------------------------- */

void lease_get(const struct lease *l, struct lease_data *rec)
{
	const uint8_t *key = lease_key(l);

	memset(rec, 0, sizeof(*rec));
	rec->state = l->state;
	rec->addr = l->addr;
	rec->start = l->start;
	rec->expire = l->expire;
	rec->htype = l->htype;
	rec->hlen = l->hlen;
	memcpy(rec->chaddr, l->chaddr, sizeof(rec->chaddr));
	if (l->key_len > 1 && key[0] == 'C') {
		rec->cid_len = (uint8_t)(l->key_len - 1);
		memcpy(rec->cid, key + 1, rec->cid_len);
	}
	if (l->hostname != NULL) {
		size_t n = strlen(l->hostname);

		rec->hostname_len = (uint8_t)(n > 255 ? 255 : n);
		memcpy(rec->hostname, l->hostname, rec->hostname_len);
	}
}

/*
 * Replay: the record is the whole truth about its address, and the client
 * it names holds no other address (a later record moved it).
 */
int lease_apply(struct lease_table *t, const struct lease_data *rec)
{
	struct lease_client c = {
		.htype = rec->htype, .hlen = rec->hlen, .cid_len = rec->cid_len, .cid = rec->cid,
	};
	struct lease *l = lease_by_addr(t, rec->addr);
	int err;

	if (rec->hlen > sizeof(c.chaddr))
		return -EINVAL;
	memcpy(c.chaddr, rec->chaddr, sizeof(c.chaddr));
	if (l != NULL)
		lease_remove(t, l);
	if (rec->state == LEASE_FREE)
		return 0;
	if (rec->state == LEASE_DECLINED && rec->hlen == 0 && rec->cid_len == 0)
		return lease_decline_addr(t, rec->addr, rec->start, rec->expire, &l);
	if (rec->state < LEASE_OFFERED || rec->state > LEASE_EXPIRED)
		return -EINVAL;
	l = lease_by_client(t, &c);
	if (l != NULL)
		lease_remove(t, l);
	{
		uint8_t key[LEASE_KEY_MAX];
		size_t len = client_key(&c, key);

		err = lease_new(t, rec->addr, key, len, &l);
	}
	if (err != 0)
		return err;
	l->htype = c.htype;
	l->hlen = c.hlen;
	memcpy(l->chaddr, c.chaddr, sizeof(l->chaddr));
	l->start = rec->start;
	lease_set_state(t, l, rec->state, rec->expire);
	if (rec->hostname_len > 0)
		return lease_set_hostname(t, l, rec->hostname);
	return 0;
}
