/*
 * lease6.c: the DHCPv6 lease table (lease6.h).
 *
 * Two chained hash indexes (by address or prefix, by binding) over lease
 * objects allocated one by one, and a binary min-heap on expiry that also
 * lists every lease (iteration walks it).  Reservations are a short list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lease6.h"

#define MIN_BUCKETS 1024u

struct resv6 {
	uint8_t kind;
	uint8_t plen;
	uint8_t addr[NP_DHCP6_ADDR_LEN];
};

struct pool6 {
	struct lease6_pool p;
	unsigned __int128 size;             /* candidates in the pool */
	unsigned __int128 cursor;           /* next candidate, 0..size-1 */
};

struct lease6_table {
	struct lease6 **addr_idx;
	struct lease6 **ia_idx;
	size_t nbuckets;                    /* power of two, both indexes */
	struct lease6 **heap;
	size_t count, heap_cap;
	struct pool6 *pools;
	size_t npools;
	struct resv6 *resv;
	size_t nresv;
	size_t hostname_bytes;
};

/* ---- 128-bit arithmetic ---------------------------------------------- */

static unsigned __int128 u128_of(const uint8_t a[16])
{
	unsigned __int128 v = 0;

	for (int i = 0; i < 16; i++)
		v = v << 8 | a[i];
	return v;
}

static void u128_put(unsigned __int128 v, uint8_t a[16])
{
	for (int i = 15; i >= 0; i--) {
		a[i] = (uint8_t)v;
		v >>= 8;
	}
}

void lease6_prefix_mask(uint8_t addr[16], uint8_t plen)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = i * 8;

		if (plen >= bits + 8)
			continue;
		addr[i] &= plen <= bits ? 0 : (uint8_t)(0xff00u >> (plen - bits));
	}
}

bool lease6_prefix_has(const uint8_t prefix[16], uint8_t plen, const uint8_t addr[16])
{
	uint8_t a[16], p[16];

	memcpy(a, addr, 16);
	memcpy(p, prefix, 16);
	lease6_prefix_mask(a, plen);
	lease6_prefix_mask(p, plen);
	return memcmp(a, p, 16) == 0;
}

/* ---- hashing ---------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static size_t addr_hash(const struct lease6_table *t, uint8_t kind, const uint8_t addr[16])
{
	return fnv(0xcbf29ce484222325ull ^ kind, addr, 16) & (t->nbuckets - 1);
}

static size_t ia_hash_raw(const struct lease6_table *t, const uint8_t *duid, size_t len,
			  uint32_t iaid, uint8_t kind)
{
	uint8_t k[5] = { kind, (uint8_t)(iaid >> 24), (uint8_t)(iaid >> 16), (uint8_t)(iaid >> 8),
			 (uint8_t)iaid };

	return fnv(fnv(0xcbf29ce484222325ull, k, 5), duid, len) & (t->nbuckets - 1);
}

static size_t lease_ia_hash(const struct lease6_table *t, const struct lease6 *l)
{
	return ia_hash_raw(t, l->duid, l->duid_len, l->iaid, l->kind);
}

/* ---- table ------------------------------------------------------------ */

struct lease6_table *lease6_table_new(void)
{
	struct lease6_table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->nbuckets = MIN_BUCKETS;
	t->addr_idx = calloc(t->nbuckets, sizeof(*t->addr_idx));
	t->ia_idx = calloc(t->nbuckets, sizeof(*t->ia_idx));
	if (t->addr_idx == NULL || t->ia_idx == NULL) {
		lease6_table_free(t);
		return NULL;
	}
	return t;
}

void lease6_table_free(struct lease6_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->count; i++) {
		free(t->heap[i]->hostname);
		free(t->heap[i]);
	}
	free(t->heap);
	free(t->addr_idx);
	free(t->ia_idx);
	free(t->pools);
	free(t->resv);
	free(t);
}

static void index_insert(struct lease6_table *t, struct lease6 *l)
{
	size_t a = addr_hash(t, l->kind, l->addr);

	l->next_addr = t->addr_idx[a];
	t->addr_idx[a] = l;
	l->next_ia = NULL;
	if (l->duid_len > 0) {
		size_t h = lease_ia_hash(t, l);

		l->next_ia = t->ia_idx[h];
		t->ia_idx[h] = l;
	}
}

static void ia_unlink(struct lease6_table *t, struct lease6 *l)
{
	struct lease6 **p;

	if (l->duid_len == 0)
		return;
	for (p = &t->ia_idx[lease_ia_hash(t, l)]; *p != NULL; p = &(*p)->next_ia) {
		if (*p == l) {
			*p = l->next_ia;
			return;
		}
	}
}

static void addr_unlink(struct lease6_table *t, struct lease6 *l)
{
	struct lease6 **p;

	for (p = &t->addr_idx[addr_hash(t, l->kind, l->addr)]; *p != NULL; p = &(*p)->next_addr) {
		if (*p == l) {
			*p = l->next_addr;
			return;
		}
	}
}

/* Double both indexes once there are as many leases as buckets. */
static int grow(struct lease6_table *t)
{
	size_t n = t->nbuckets * 2;
	struct lease6 **a = calloc(n, sizeof(*a)), **b = calloc(n, sizeof(*b));

	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	free(t->addr_idx);
	free(t->ia_idx);
	t->addr_idx = a;
	t->ia_idx = b;
	t->nbuckets = n;
	for (size_t i = 0; i < t->count; i++)
		index_insert(t, t->heap[i]);
	return 0;
}

/* ---- expiry heap ------------------------------------------------------ */

static void heap_set(struct lease6_table *t, size_t i, struct lease6 *l)
{
	t->heap[i] = l;
	l->heap = i;
}

static void heap_up(struct lease6_table *t, size_t i)
{
	struct lease6 *l = t->heap[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (t->heap[p]->expire <= l->expire)
			break;
		heap_set(t, i, t->heap[p]);
		i = p;
	}
	heap_set(t, i, l);
}

static void heap_down(struct lease6_table *t, size_t i)
{
	struct lease6 *l = t->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= t->count)
			break;
		if (c + 1 < t->count && t->heap[c + 1]->expire < t->heap[c]->expire)
			c++;
		if (t->heap[c]->expire >= l->expire)
			break;
		heap_set(t, i, t->heap[c]);
		i = c;
	}
	heap_set(t, i, l);
}

static void heap_fix(struct lease6_table *t, size_t i)
{
	struct lease6 *l = t->heap[i];

	heap_up(t, i);
	heap_down(t, l->heap);
}

static int heap_push(struct lease6_table *t, struct lease6 *l)
{
	if (t->count == t->heap_cap) {
		size_t cap = t->heap_cap ? t->heap_cap * 2 : 256;
		struct lease6 **h = realloc(t->heap, cap * sizeof(*h));

		if (h == NULL)
			return -ENOMEM;
		t->heap = h;
		t->heap_cap = cap;
	}
	heap_set(t, t->count++, l);
	heap_up(t, t->count - 1);
	return 0;
}

static void heap_del(struct lease6_table *t, struct lease6 *l)
{
	size_t i = l->heap;
	struct lease6 *last = t->heap[--t->count];

	if (i == t->count)
		return;
	heap_set(t, i, last);
	heap_up(t, i);
	heap_down(t, last->heap);
}

int64_t lease6_next_expiry(const struct lease6_table *t)
{
	return t->count > 0 ? t->heap[0]->expire : INT64_MAX;
}

struct lease6 *lease6_earliest(const struct lease6_table *t)
{
	return t->count > 0 ? t->heap[0] : NULL;
}

struct lease6 *lease6_iter(const struct lease6_table *t, size_t *cursor)
{
	return *cursor < t->count ? t->heap[(*cursor)++] : NULL;
}

size_t lease6_count(const struct lease6_table *t)
{
	return t->count;
}

size_t lease6_table_memory(const struct lease6_table *t)
{
	return sizeof(*t) + 2 * t->nbuckets * sizeof(struct lease6 *) +
	       t->heap_cap * sizeof(struct lease6 *) + t->count * sizeof(struct lease6) +
	       t->npools * sizeof(struct pool6) + t->nresv * sizeof(struct resv6) +
	       t->hostname_bytes;
}

/* ---- pools and reservations ------------------------------------------ */

static unsigned __int128 pool_size(const struct lease6_pool *p)
{
	unsigned bits;

	if (p->kind == LEASE6_NA)
		return u128_of(p->last) - u128_of(p->first) + 1; /* 0: all 2^128 (never) */
	bits = p->delegated_len - p->plen;
	return bits >= 127 ? ((unsigned __int128)1 << 127) : (unsigned __int128)1 << bits;
}

/* The n-th candidate of a pool. */
static void pool_nth(const struct pool6 *p, unsigned __int128 n, uint8_t out[16])
{
	if (p->p.kind == LEASE6_NA) {
		u128_put(u128_of(p->p.first) + n, out);
		return;
	}
	u128_put(u128_of(p->p.first) + (p->p.delegated_len == 0 ? 0 : n << (128 - p->p.delegated_len)),
		 out);
}

static bool pool_has(const struct lease6_pool *p, const uint8_t addr[16], uint8_t plen)
{
	if (p->kind == LEASE6_NA)
		return memcmp(addr, p->first, 16) >= 0 && memcmp(addr, p->last, 16) <= 0;
	return plen == p->delegated_len && lease6_prefix_has(p->first, p->plen, addr);
}

static bool pools_overlap(const struct lease6_pool *a, const struct lease6_pool *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == LEASE6_NA)
		return memcmp(a->first, b->last, 16) <= 0 && memcmp(b->first, a->last, 16) <= 0;
	return lease6_prefix_has(a->first, a->plen < b->plen ? a->plen : b->plen, b->first);
}

int lease6_pool_add(struct lease6_table *t, const struct lease6_pool *p)
{
	struct pool6 *v;

	if (p->kind == LEASE6_NA && memcmp(p->first, p->last, 16) > 0)
		return -EINVAL;
	if (p->kind == LEASE6_PD && (p->plen > p->delegated_len || p->delegated_len > 128))
		return -EINVAL;
	if (p->kind != LEASE6_NA && p->kind != LEASE6_PD)
		return -EINVAL;
	for (size_t i = 0; i < t->npools; i++)
		if (pools_overlap(&t->pools[i].p, p))
			return -EINVAL;
	v = realloc(t->pools, (t->npools + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	t->pools = v;
	v[t->npools].p = *p;
	if (p->kind == LEASE6_PD)
		lease6_prefix_mask(v[t->npools].p.first, p->plen);
	v[t->npools].size = pool_size(&v[t->npools].p);
	v[t->npools].cursor = 0;
	return (int)t->npools++;
}

size_t lease6_pool_count(const struct lease6_table *t)
{
	return t->npools;
}

const struct lease6_pool *lease6_pool_get(const struct lease6_table *t, int pool)
{
	return pool >= 0 && (size_t)pool < t->npools ? &t->pools[pool].p : NULL;
}

int lease6_pool_of(const struct lease6_table *t, uint8_t kind, const uint8_t addr[16], uint8_t plen)
{
	for (size_t i = 0; i < t->npools; i++)
		if (t->pools[i].p.kind == kind && pool_has(&t->pools[i].p, addr, plen))
			return (int)i;
	return -1;
}

int lease6_reserve(struct lease6_table *t, uint8_t kind, const uint8_t addr[16], uint8_t plen)
{
	struct resv6 *v;

	if (lease6_is_reserved(t, kind, addr))
		return -EEXIST;
	v = realloc(t->resv, (t->nresv + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	t->resv = v;
	v[t->nresv].kind = kind;
	v[t->nresv].plen = plen;
	memcpy(v[t->nresv].addr, addr, 16);
	t->nresv++;
	return 0;
}

bool lease6_is_reserved(const struct lease6_table *t, uint8_t kind, const uint8_t addr[16])
{
	for (size_t i = 0; i < t->nresv; i++)
		if (t->resv[i].kind == kind && memcmp(t->resv[i].addr, addr, 16) == 0)
			return true;
	return false;
}

/* ---- lookups ---------------------------------------------------------- */

struct lease6 *lease6_by_addr(const struct lease6_table *t, uint8_t kind, const uint8_t addr[16])
{
	for (struct lease6 *l = t->addr_idx[addr_hash(t, kind, addr)]; l != NULL; l = l->next_addr)
		if (l->kind == kind && memcmp(l->addr, addr, 16) == 0)
			return l;
	return NULL;
}

bool lease6_is_of(const struct lease6 *l, const struct lease6_ia *ia)
{
	return l->kind == ia->kind && l->iaid == ia->iaid && l->duid_len == ia->duid_len &&
	       l->duid_len > 0 && memcmp(l->duid, ia->duid, ia->duid_len) == 0;
}

struct lease6 *lease6_next_of(const struct lease6_table *t, const struct lease6_ia *ia,
			      struct lease6 *l)
{
	l = l == NULL ? t->ia_idx[ia_hash_raw(t, ia->duid, ia->duid_len, ia->iaid, ia->kind)]
		      : l->next_ia;
	while (l != NULL && !lease6_is_of(l, ia))
		l = l->next_ia;
	return l;
}

bool lease6_state_reusable(uint8_t state)
{
	return state == LEASE_FREE || state == LEASE_RELEASED || state == LEASE_EXPIRED;
}

static bool candidate_free(const struct lease6_table *t, uint8_t kind, const uint8_t addr[16])
{
	const struct lease6 *l = lease6_by_addr(t, kind, addr);

	if (l != NULL && !lease6_state_reusable(l->state))
		return false;
	return !lease6_is_reserved(t, kind, addr);
}

int lease6_find_free(struct lease6_table *t, int pool, size_t max_steps, uint8_t addr[16])
{
	struct pool6 *p;
	uint8_t cand[16];

	if (pool < 0 || (size_t)pool >= t->npools)
		return -EINVAL;
	p = &t->pools[pool];
	/* Untouched candidates first: a released address stays its client's a while longer. */
	for (int pass = 0; pass < 2; pass++) {
		unsigned __int128 c = p->cursor;

		for (size_t i = 0; i < max_steps && (unsigned __int128)i < p->size; i++) {
			const struct lease6 *l;

			pool_nth(p, c, cand);
			c = c + 1 == p->size ? 0 : c + 1;
			l = lease6_by_addr(t, p->p.kind, cand);
			if ((pass == 0 && l != NULL) || !candidate_free(t, p->p.kind, cand))
				continue;
			p->cursor = c;
			memcpy(addr, cand, 16);
			return 0;
		}
	}
	return -ENOSPC;
}

/* ---- changes ---------------------------------------------------------- */

static void set_client(struct lease6 *l, const struct lease6_ia *ia)
{
	l->duid_len = ia != NULL ? ia->duid_len : 0;
	if (ia != NULL)
		memcpy(l->duid, ia->duid, ia->duid_len);
	l->iaid = ia != NULL ? ia->iaid : 0;
}

static int lease_new(struct lease6_table *t, uint8_t kind, const uint8_t addr[16], uint8_t plen,
		     struct lease6 **out)
{
	struct lease6 *l;

	if (t->count >= t->nbuckets && grow(t) < 0)
		return -ENOMEM;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	l->kind = kind;
	l->plen = plen;
	memcpy(l->addr, addr, 16);
	l->expire = INT64_MAX;
	if (heap_push(t, l) < 0) {
		free(l);
		return -ENOMEM;
	}
	index_insert(t, l);
	*out = l;
	return 0;
}

int lease6_claim(struct lease6_table *t, const struct lease6_ia *ia, const uint8_t addr[16],
		 uint8_t plen, bool reserved, int64_t start, int64_t preferred, int64_t expire,
		 struct lease6 **out)
{
	struct lease6 *l = lease6_by_addr(t, ia->kind, addr);
	int rc;

	if (ia->duid_len == 0 || ia->duid_len > NP_DHCP6_DUID_MAX)
		return -EINVAL;
	if (!reserved && lease6_is_reserved(t, ia->kind, addr))
		return -EBUSY;
	if (l != NULL && !lease6_is_of(l, ia) && !lease6_state_reusable(l->state))
		return -EBUSY;
	if (l == NULL) {
		rc = lease_new(t, ia->kind, addr, plen, &l);
		if (rc < 0)
			return rc;
	}
	if (!lease6_is_of(l, ia)) {
		ia_unlink(t, l);
		set_client(l, ia);
		lease6_set_hostname(t, l, NULL);
		l->next_ia = NULL;
		{
			size_t h = lease_ia_hash(t, l);

			l->next_ia = t->ia_idx[h];
			t->ia_idx[h] = l;
		}
	}
	l->plen = plen;
	l->start = start;
	lease6_set_state(t, l, LEASE_BOUND, preferred, expire);
	*out = l;
	return 0;
}

void lease6_set_state(struct lease6_table *t, struct lease6 *l, uint8_t state, int64_t preferred,
		      int64_t expire)
{
	l->state = state;
	l->preferred = preferred;
	l->expire = expire;
	heap_fix(t, l->heap);
}

void lease6_decline(struct lease6_table *t, struct lease6 *l, int64_t start, int64_t expire)
{
	ia_unlink(t, l);
	set_client(l, NULL);
	lease6_set_hostname(t, l, NULL);
	l->start = start;
	lease6_set_state(t, l, LEASE_DECLINED, start, expire);
}

void lease6_remove(struct lease6_table *t, struct lease6 *l)
{
	ia_unlink(t, l);
	addr_unlink(t, l);
	heap_del(t, l);
	lease6_set_hostname(t, l, NULL);
	free(l);
}

int lease6_set_hostname(struct lease6_table *t, struct lease6 *l, const char *name)
{
	char *copy = NULL;

	if (name != NULL && name[0] != '\0') {
		if (l->hostname != NULL && strcmp(l->hostname, name) == 0)
			return 0;
		copy = strdup(name);
		if (copy == NULL)
			return -ENOMEM;
		t->hostname_bytes += strlen(copy) + 1;
	}
	if (l->hostname != NULL)
		t->hostname_bytes -= strlen(l->hostname) + 1;
	free(l->hostname);
	l->hostname = copy;
	return 0;
}

/* ---- values ----------------------------------------------------------- */

void lease6_get(const struct lease6 *l, struct lease6_data *d)
{
	size_t n = l->hostname != NULL ? strlen(l->hostname) : 0;

	memset(d, 0, sizeof(*d));
	d->kind = l->kind;
	memcpy(d->addr, l->addr, 16);
	d->plen = l->plen;
	d->state = l->state;
	d->iaid = l->iaid;
	d->start = l->start;
	d->preferred = l->preferred;
	d->expire = l->expire;
	d->duid_len = l->duid_len;
	memcpy(d->duid, l->duid, l->duid_len);
	if (n > 255)
		n = 255;
	d->hostname_len = (uint8_t)n;
	memcpy(d->hostname, l->hostname != NULL ? l->hostname : "", n);
	d->hostname[n] = '\0';
}

int lease6_apply(struct lease6_table *t, const struct lease6_data *d)
{
	struct lease6 *l;
	int rc;

	if ((d->kind != LEASE6_NA && d->kind != LEASE6_PD) || d->plen > 128 ||
	    (d->kind == LEASE6_NA && d->plen != 128) || d->state > LEASE_EXPIRED ||
	    d->duid_len > NP_DHCP6_DUID_MAX || d->state == LEASE_OFFERED ||
	    (d->duid_len == 0 && d->state != LEASE_DECLINED && d->state != LEASE_FREE))
		return -EINVAL;
	l = lease6_by_addr(t, d->kind, d->addr);
	if (d->state == LEASE_FREE) {
		if (l != NULL)
			lease6_remove(t, l);
		return 0;
	}
	if (l == NULL) {
		rc = lease_new(t, d->kind, d->addr, d->plen, &l);
		if (rc < 0)
			return rc;
	}
	ia_unlink(t, l);
	l->plen = d->plen;
	l->duid_len = d->duid_len;
	memcpy(l->duid, d->duid, d->duid_len);
	l->iaid = d->iaid;
	if (l->duid_len > 0) {
		size_t h = lease_ia_hash(t, l);

		l->next_ia = t->ia_idx[h];
		t->ia_idx[h] = l;
	}
	l->start = d->start;
	lease6_set_state(t, l, d->state, d->preferred, d->expire);
	return lease6_set_hostname(t, l, d->hostname_len > 0 ? d->hostname : NULL);
}
