/*
 * engine.c: RFC 2131 server policy over the lease table, without I/O (see
 * engine.h).  Section numbers are RFC 2131's unless another RFC is named.
 */
#include "engine.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/dhcp4.h>
#include <netproto/dns.h>
#include <netproto/error.h>

#include "ddns.h"
#include "probe.h"

/* A token bucket, in thousandths of a token (integer arithmetic only). */
struct bucket {
	int64_t milli;
	int64_t last_ms;
	bool started;
};

/*
 * A reservation the lease table does not index (it keys clients by client
 * id or hardware address, and needs an address): those by DUID or
 * circuit-id, and those without an address.  Sorted by kind, then key.
 */
struct xresv {
	uint8_t kind;                  /* 'C' client id, 'H' htype + chaddr, 'D' DUID, 'R' circuit id */
	uint8_t len;
	uint8_t key[1 + 255];
	const struct engine_reservation *r;
};

/* Levels of a subnet's pool usage, for the warning when one is crossed upwards. */
enum pool_level { POOL_LEVEL_LOW, POOL_LEVEL_HIGH, POOL_LEVEL_FULL };

#define POOL_HIGH_PERCENT 90

struct subnet_usage {
	uint64_t cumulative_assigned;  /* cumulative-assigned-addresses */
	uint64_t warnings;             /* pool-exhaustion-warnings */
	uint8_t level;                 /* enum pool_level, when last looked at */
};

struct engine {
	const struct engine_config *cfg;
	struct lease_table *lt;
	const struct engine_pool **pool_cfg;   /* per lease-table pool: its configuration */
	size_t npool_cfg;
	struct xresv *xresv;
	size_t nxresv;
	struct probe_table *probe;     /* NULL: no conflict detection */
	struct engine_stats st;
	struct bucket *buckets;        /* per subnet: [2 * i] its links, [2 * i + 1] relayed */
	uint64_t *alloc_fail;          /* per subnet: v4-allocation-fail */
	struct subnet_usage *usage;    /* per subnet: assignments and pool-usage warnings */
	int *link;                     /* per subnet: the ifindex it is on, 0: any */
};

/* One received message, its options read once. */
struct req {
	struct np_dhcp4 msg;
	uint8_t type;
	struct lease_client client;
	uint8_t cid[255];
	uint32_t requested;            /* option 50, 0 when absent */
	uint32_t server_id;            /* option 54, 0 when absent */
	uint8_t prl[512];              /* option 55 (RFC 3396 may make it long) */
	size_t nprl;
	uint16_t max_size;             /* option 57, 0 when absent or invalid */
	uint8_t relay[255];            /* option 82, echoed (RFC 3046 §2.2) */
	int relay_len;                 /* -1: absent */
	uint32_t lease_req;            /* option 51, 0 when absent */
	char hostname[256];            /* option 12, "" when absent */
	bool rapid_commit;             /* option 80 present */
	int fqdn_flags;                /* option 81's flags, -1 when absent */
	const char *zone;              /* where names are published, NULL: nowhere */
	const struct engine_subnet *subnet;   /* of the address given; first the link's */
	size_t sidx;
	size_t psidx;                  /* the subnet the link or giaddr selected */
	uint64_t classes;              /* bit i: in cfg_classes[i] */
	const struct engine_class *cfg_classes;
	size_t ncfg_classes;
	uint32_t our_id;               /* our server identifier for this link */
	const struct engine_rx *rx;
	int64_t now;
};

/* ---- configuration helpers ----------------------------------------------- */

static uint32_t prefix_mask(uint8_t prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

static bool subnet_has(const struct engine_subnet *s, uint32_t addr)
{
	uint32_t m = prefix_mask(s->prefix);

	return (addr & m) == (s->addr & m);
}

static int xresv_cmp(const void *a, const void *b)
{
	const struct xresv *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int d;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if ((d = memcmp(x->key, y->key, n)) != 0)
		return d;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Key a reservation the lease table does not index. */
static int xresv_add(struct engine *e, const struct engine_reservation *r)
{
	struct xresv *x = realloc(e->xresv, (e->nxresv + 1) * sizeof(*x));

	if (x == NULL)
		return -ENOMEM;
	e->xresv = x;
	x = &x[e->nxresv++];
	memset(x, 0, sizeof(*x));
	x->r = r;
	if (r->key_kind == ENGINE_RESV_DUID || r->key_kind == ENGINE_RESV_CIRCUIT_ID) {
		x->kind = r->key_kind == ENGINE_RESV_DUID ? 'D' : 'R';
		x->len = r->key_len;
		memcpy(x->key, r->key, r->key_len);
	} else if (r->client.cid_len > 0) {
		x->kind = 'C';
		x->len = r->client.cid_len;
		memcpy(x->key, r->client.cid, r->client.cid_len);
	} else {
		x->kind = 'H';
		x->key[0] = r->client.htype;
		memcpy(x->key + 1, r->client.chaddr, r->client.hlen);
		x->len = (uint8_t)(1 + r->client.hlen);
	}
	return 0;
}

static const struct engine_reservation *xresv_find(const struct engine *e, uint8_t kind,
						   const uint8_t *key, size_t len)
{
	struct xresv k = { .kind = kind, .len = (uint8_t)len };
	const struct xresv *x;

	if (e->nxresv == 0 || len == 0 || len > 255)
		return NULL;
	memcpy(k.key, key, len);
	x = bsearch(&k, e->xresv, e->nxresv, sizeof(k), xresv_cmp);
	return x != NULL ? x->r : NULL;
}

static int register_pools(struct engine *e, size_t i)
{
	const struct engine_subnet *s = &e->cfg->subnets[i];
	int idx;

	for (size_t p = 0; p < s->npools; p++) {
		const struct engine_pool **v;

		if (!subnet_has(s, s->pools[p].first) || !subnet_has(s, s->pools[p].last))
			return -EINVAL;
		idx = lease_pool_add(e->lt, s->pools[p].first, s->pools[p].last, (int)i);
		if (idx < 0)
			return idx;
		v = realloc(e->pool_cfg, ((size_t)idx + 1) * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		e->pool_cfg = v;
		v[idx] = &s->pools[p];
		e->npool_cfg = (size_t)idx + 1;
	}
	return 0;
}

/*
 * Reservations by client id or hardware address with an address go to the
 * lease table (which keeps their address from everyone else); the others
 * are keyed here.  A DUID or circuit-id reservation's address must lie
 * outside the pools: the lease table could not tell its client.
 */
static int register_reservations(struct engine *e, size_t i)
{
	const struct engine_subnet *s = &e->cfg->subnets[i];
	int err;

	for (size_t r = 0; r < s->nresv; r++) {
		const struct engine_reservation *er = &s->resv[r];
		struct lease_reservation lr = {
			.client = er->client, .addr = er->addr, .hostname = er->hostname, .user = er,
		};

		if (er->addr != 0 && !subnet_has(s, er->addr))
			return -EINVAL;
		if (er->addr == 0 || er->key_kind != ENGINE_RESV_CLIENT) {
			if (er->addr != 0 && lease_pool_of(e->lt, er->addr) >= 0)
				return -EINVAL;
			err = xresv_add(e, er);
		} else {
			err = lease_reserve(e->lt, &lr);
		}
		if (err < 0)
			return err;
	}
	return 0;
}


int engine_new(const struct engine_config *cfg, struct lease_table *leases, struct engine **out)
{
	struct engine *e = calloc(1, sizeof(*e));
	int err = 0;

	if (e == NULL)
		return -ENOMEM;
	e->cfg = cfg;
	e->lt = leases;
	e->buckets = calloc(2 * cfg->nsubnets + 1, sizeof(*e->buckets));
	e->alloc_fail = calloc(cfg->nsubnets + 1, sizeof(*e->alloc_fail));
	e->usage = calloc(cfg->nsubnets + 1, sizeof(*e->usage));
	e->link = calloc(cfg->nsubnets + 1, sizeof(*e->link));
	if (e->buckets == NULL || e->alloc_fail == NULL || e->usage == NULL || e->link == NULL)
		err = -ENOMEM;
	for (size_t i = 0; i < cfg->nsubnets && err == 0; i++)
		e->link[i] = cfg->subnets[i].ifindex;
	if (cfg->nclasses > ENGINE_CLASSES_MAX)
		err = -EINVAL;
	/* Every pool first: reservations outside the pools are told apart. */
	for (size_t i = 0; i < cfg->nsubnets && err == 0; i++)
		err = register_pools(e, i);
	for (size_t i = 0; i < cfg->nsubnets && err == 0; i++)
		err = register_reservations(e, i);
	if (err == 0 && e->nxresv > 1) {
		qsort(e->xresv, e->nxresv, sizeof(*e->xresv), xresv_cmp);
		for (size_t i = 1; i < e->nxresv && err == 0; i++)
			if (xresv_cmp(&e->xresv[i - 1], &e->xresv[i]) == 0)
				err = -EEXIST;
	}
	if (err != 0) {
		engine_free(e);
		return err;
	}
	*out = e;
	return 0;
}

void engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	free(e->buckets);
	free(e->pool_cfg);
	free(e->xresv);
	free(e->alloc_fail);
	free(e->usage);
	free(e->link);
	probe_table_free(e->probe);
	free(e);
}

const struct engine_stats *engine_get_stats(const struct engine *e)
{
	return &e->st;
}

uint64_t engine_subnet_alloc_fail(const struct engine *e, size_t sidx)
{
	return sidx < e->cfg->nsubnets ? e->alloc_fail[sidx] : 0;
}

uint64_t engine_subnet_cumulative_assigned(const struct engine *e, size_t sidx)
{
	return sidx < e->cfg->nsubnets ? e->usage[sidx].cumulative_assigned : 0;
}

uint64_t engine_subnet_pool_warnings(const struct engine *e, size_t sidx)
{
	return sidx < e->cfg->nsubnets ? e->usage[sidx].warnings : 0;
}

void engine_copy_stats(struct engine *dst, const struct engine *src)
{
	dst->st = src->st;
	/* Per-subnet counters follow their subnet when the list kept its shape. */
	if (dst->cfg->nsubnets == src->cfg->nsubnets) {
		memcpy(dst->alloc_fail, src->alloc_fail,
		       dst->cfg->nsubnets * sizeof(*dst->alloc_fail));
		memcpy(dst->usage, src->usage, dst->cfg->nsubnets * sizeof(*dst->usage));
	}
}

void engine_bind_link(struct engine *e, size_t sidx, int ifindex)
{
	if (sidx < e->cfg->nsubnets)
		e->link[sidx] = ifindex;
}

/* ---- the conflict probe table ------------------------------------------------ */

int engine_probe_start(struct engine *e, size_t max, size_t max_held, uint32_t timeout_ms)
{
	probe_table_free(e->probe);
	/* A probe's answer is trusted as long as an offer is held. */
	e->probe = probe_table_new(max, max_held, timeout_ms, e->cfg->offer_hold * 1000u,
				   lease_table_key(e->lt));
	return e->probe != NULL ? 0 : -ENOMEM;
}

void engine_probe_stop(struct engine *e)
{
	probe_table_free(e->probe);
	e->probe = NULL;
}

void engine_probe_move(struct engine *dst, struct engine *src, uint32_t timeout_ms)
{
	engine_probe_stop(dst);
	dst->probe = src->probe;
	src->probe = NULL;
	if (dst->probe != NULL)
		probe_set_timing(dst->probe, timeout_ms, dst->cfg->offer_hold * 1000u);
}

const struct probe_table *engine_probe(const struct engine *e)
{
	return e->probe;
}

int64_t engine_probe_deadline(const struct engine *e)
{
	return e->probe != NULL ? probe_next_deadline(e->probe) : INT64_MAX;
}

struct lease_table *engine_leases(const struct engine *e)
{
	return e->lt;
}

/* ---- reading the request ---------------------------------------------------- */

static int read_client(struct req *q)
{
	int n = np_dhcp4_get_client_id(&q->msg, q->cid, sizeof(q->cid));

	q->client.htype = q->msg.htype;
	q->client.hlen = q->msg.hlen;
	memcpy(q->client.chaddr, q->msg.chaddr, sizeof(q->client.chaddr));
	if (n == NP_ENOTFOUND)
		return 0;
	if (n < 0)
		return n;
	q->client.cid = q->cid;
	q->client.cid_len = (uint8_t)n;
	return 0;
}

/* An optional single-address option: absent is 0, malformed is an error. */
static int read_addr_opt(const struct np_dhcp4 *m, uint8_t code, uint32_t *v)
{
	int err = np_dhcp4_get_addr(m, code, v);

	if (err == NP_ENOTFOUND) {
		*v = 0;
		return 0;
	}
	return err;
}

/*
 * Without option 12, the host part of the client FQDN (option 81, RFC 4702
 * §2.3) serves as the client's name: its first label in wire form (E), or
 * the ASCII form up to the first dot.
 */
static void read_fqdn(struct req *q, bool want_name)
{
	struct np_dhcp4_fqdn f;
	size_t len = 0;

	q->fqdn_flags = -1;
	if (np_dhcp4_get_fqdn(&q->msg, &f) < 0)
		return;
	q->fqdn_flags = f.flags;
	if (!want_name)
		return;
	if (f.flags & NP_DHCP4_FQDN_E) {
		if (f.name_len > 1 && f.name[0] < f.name_len) {
			len = f.name[0];
			memcpy(q->hostname, f.name + 1, len);
		}
	} else {
		while (len < f.name_len && f.name[len] != '.' && f.name[len] != '\0')
			len++;
		memcpy(q->hostname, f.name, len);
	}
	q->hostname[len] = '\0';
}

static int read_options(struct req *q)
{
	int n, err;

	if ((err = np_dhcp4_get_msg_type(&q->msg, &q->type)) < 0)
		return err;            /* plain BOOTP is not served */
	if ((err = read_client(q)) < 0)
		return err;
	if ((err = read_addr_opt(&q->msg, NP_DHCP4_OPT_REQUESTED_IP, &q->requested)) < 0)
		return err;
	if ((err = read_addr_opt(&q->msg, NP_DHCP4_OPT_SERVER_ID, &q->server_id)) < 0)
		return err;
	n = np_dhcp4_get_param_list(&q->msg, q->prl, sizeof(q->prl));
	q->nprl = n > 0 ? (size_t)n : 0;
	/* Below 576 is illegal (RFC 2132 §9.10) and ignored. */
	if (np_dhcp4_get_max_size(&q->msg, &q->max_size) < 0)
		q->max_size = 0;
	/*
	 * RFC 3046 §2.2: the relay needs its option back to route the reply, so
	 * a message whose option 82 is malformed is dropped (as Kea and ISC
	 * dhcpd do) rather than answered without it.
	 */
	q->relay_len = np_dhcp4_get_relay_info(&q->msg, q->relay, sizeof(q->relay));
	if (q->relay_len == NP_ENOTFOUND)
		q->relay_len = -1;
	else if (q->relay_len < 0)
		return q->relay_len;
	if (np_dhcp4_get_u32(&q->msg, NP_DHCP4_OPT_LEASE_TIME, &q->lease_req) < 0)
		q->lease_req = 0;
	if (np_dhcp4_get_string(&q->msg, NP_DHCP4_OPT_HOSTNAME, q->hostname,
				sizeof(q->hostname)) < 0) {
		q->hostname[0] = '\0';
		read_fqdn(q, true);
	} else {
		read_fqdn(q, false);
	}
	/* RFC 1123 §2.1: what the lease keeps and DNS gets is one valid label, or none. */
	{
		char label[LEASEFMT_LABEL_MAX + 1];
		size_t len = leasefmt_hostname_sanitize(q->hostname, label);

		memcpy(q->hostname, label, len + 1);
	}
	q->rapid_commit = np_dhcp4_opt_has(&q->msg, NP_DHCP4_OPT_RAPID_COMMIT) > 0;
	return 0;
}

/*
 * The client's subnet: the relay's (giaddr, §4.3.1), else one on the
 * receiving link, preferring the one holding ciaddr, then our own address.
 */
static const struct engine_subnet *select_subnet(const struct engine *e, struct req *q)
{
	const struct engine_config *c = e->cfg;
	size_t best = c->nsubnets;
	int best_score = -1;

	for (size_t i = 0; i < c->nsubnets; i++) {
		const struct engine_subnet *s = &c->subnets[i];
		int score;

		if (q->msg.giaddr != 0) {
			if (!subnet_has(s, q->msg.giaddr))
				continue;
			score = 3;
		} else {
			if (e->link[i] != 0 && e->link[i] != q->rx->ifindex)
				continue;
			score = q->msg.ciaddr != 0 && subnet_has(s, q->msg.ciaddr) ? 2 :
				subnet_has(s, q->rx->local_addr) ? 1 : 0;
		}
		if (score > best_score) {
			best_score = score;
			best = i;
		}
	}
	if (best == c->nsubnets)
		return NULL;
	q->sidx = q->psidx = best;
	return q->subnet = &c->subnets[best];
}

/*
 * Whether subnet j serves the client's link (a shared network): the
 * subnet selected, those sharing its number, and, for a client on our own
 * link, every subnet bound to that link.  A relayed client's link is known
 * only by giaddr, so only the number groups the relay's subnets.
 */
static bool in_group(const struct engine *e, const struct req *q, size_t j)
{
	const struct engine_subnet *v = e->cfg->subnets;
	size_t p = q->psidx;

	if (j == p)
		return true;
	if (v[p].shared != 0 && v[j].shared == v[p].shared)
		return true;
	return q->msg.giaddr == 0 && e->link[p] != 0 && e->link[j] == e->link[p];
}

/* The subnet of the client's link holding addr: an index, or -1. */
static long group_subnet_of(const struct engine *e, const struct req *q, uint32_t addr)
{
	if (addr == 0)
		return -1;
	if (subnet_has(&e->cfg->subnets[q->psidx], addr))
		return (long)q->psidx;
	for (size_t j = 0; j < e->cfg->nsubnets; j++)
		if (subnet_has(&e->cfg->subnets[j], addr) && in_group(e, q, j))
			return (long)j;
	return -1;
}

/* Options, mask and lease time from now on are those of the subnet holding addr. */
static void adopt_subnet(const struct engine *e, struct req *q, uint32_t addr)
{
	long j = group_subnet_of(e, q, addr);

	if (j >= 0) {
		q->sidx = (size_t)j;
		q->subnet = &e->cfg->subnets[j];
	}
}

/* Whether reservation r belongs to a subnet of the client's link. */
static bool resv_in_group(const struct engine *e, const struct req *q,
			  const struct engine_reservation *r)
{
	const struct engine_subnet *v = e->cfg->subnets;

	if (r->addr != 0)
		return group_subnet_of(e, q, r->addr) >= 0;
	for (size_t j = 0; j < e->cfg->nsubnets; j++)
		if (r >= v[j].resv && r < v[j].resv + v[j].nresv)
			return in_group(e, q, j);
	return false;
}

/* ---- trust: do the sources agree with the message? ------------------------------ */

/* The link addr is a neighbour on (a subnet bound to it), or 0: not on a served link. */
static int link_of(const struct engine *e, uint32_t addr)
{
	for (size_t i = 0; i < e->cfg->nsubnets; i++)
		if (e->link[i] != 0 && subnet_has(&e->cfg->subnets[i], addr))
			return e->link[i];
	return 0;
}

/*
 * A client's own frame carries its hardware address twice: as the Ethernet
 * source and in chaddr (RFC 2131 §2: chaddr is the client's hardware
 * address), so a frame where they differ claims to be someone else.  Only
 * what the client itself put on our link can be compared: a relayed
 * message's frame comes from the relay, and a unicast one from a client
 * elsewhere comes through a router.  A source address of another served
 * link arriving on this one is forged.
 */
static bool link_source_ok(const struct engine *e, const struct req *q)
{
	const struct engine_rx *rx = q->rx;
	int link;

	if (!rx->has_mac || q->msg.giaddr != 0)
		return true;
	link = rx->src_addr != 0 ? link_of(e, rx->src_addr) : rx->ifindex;
	if (link == 0)
		return true;
	return link == rx->ifindex && q->msg.htype == 1 && q->msg.hlen == 6 &&
	       memcmp(q->msg.chaddr, rx->src_mac, 6) == 0;
}

/*
 * §4.4.6: a client releases its address by unicasting DHCPRELEASE from that
 * address, so one whose IP source is not ciaddr speaks for another host.
 */
static bool release_from_owner(const struct req *q)
{
	return q->type != NP_DHCPRELEASE || q->rx->src_addr == q->msg.ciaddr;
}

/*
 * A relayed message (giaddr set) comes from a relay agent trusted for the
 * subnet giaddr selects: one of its configured relays, or else a source
 * inside that subnet sending to our address (a relay sends from its
 * address on the clients' link).  A client on our own link that writes
 * another subnet's giaddr would otherwise be given that subnet's addresses
 * without a conflict probe.
 */
static bool relay_trusted(const struct req *q)
{
	const struct engine_subnet *s = q->subnet;
	uint32_t src = q->rx->src_addr;

	if (q->msg.giaddr == 0)
		return true;
	if (s->nrelays > 0) {
		for (size_t i = 0; i < s->nrelays; i++)
			if (s->relays[i] == src)
				return true;
		return false;
	}
	return q->rx->unicast && src != 0 && subnet_has(s, src);
}

/* Counted and dropped when the sources disagree; a replayed message was checked. */
static bool sources_agree(struct engine *e, const struct req *q)
{
	uint64_t *counter = NULL;

	if (q->rx->replay)
		return true;
	if (!relay_trusted(q))
		counter = &e->st.pkt4_relay_untrusted;
	else if (!link_source_ok(e, q) || !release_from_owner(q))
		counter = &e->st.pkt4_spoofed;
	if (counter == NULL)
		return true;
	(*counter)++;
	e->st.pkt4_receive_drop++;
	return false;
}

/* ---- client classes ------------------------------------------------------------ */

static bool relay_subopt(const struct req *q, uint8_t code, struct np_dhcp4_opt *sub);

static const struct engine_reservation *reservation_for(const struct engine *e,
							const struct req *q);

/* RFC 3004 §4: instances, each a length octet and its data; or, as iPXE sends it, one raw value. */
static bool user_class_has(const uint8_t *v, size_t n, const uint8_t *want, size_t wlen)
{
	size_t i = 0;

	if (n == wlen && memcmp(v, want, n) == 0)
		return true;
	while (i < n) {
		size_t len = v[i++];

		if (len > n - i)
			return false;
		if (len == wlen && memcmp(v + i, want, len) == 0)
			return true;
		i += len;
	}
	return false;
}

/* RFC 4578 §2.1: a list of 16-bit architecture types. */
static bool arch_has(const uint8_t *v, size_t n, uint16_t arch)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		if ((uint16_t)(v[i] << 8 | v[i + 1]) == arch)
			return true;
	return false;
}

static bool match(const struct engine *e, const struct req *q, const struct engine_match *m,
		  unsigned depth);

static bool match_subs(const struct engine *e, const struct req *q, const struct engine_match *m,
		       unsigned depth)
{
	bool any = m->kind == ENGINE_MATCH_ANY;

	for (size_t i = 0; i < m->nsub; i++)
		if (match(e, q, &m->sub[i], depth + 1) == any)
			return any;
	return !any;
}

/* Whether the client meets condition m (nesting bounded by the configuration). */
static bool match(const struct engine *e, const struct req *q, const struct engine_match *m,
		  unsigned depth)
{
	uint8_t v[1024];
	struct np_dhcp4_opt sub;
	int n;

	if (depth > 16)
		return false;
	switch (m->kind) {
	case ENGINE_MATCH_ALL:
	case ENGINE_MATCH_ANY:
		return match_subs(e, q, m, depth);
	case ENGINE_MATCH_NOT:
		return m->nsub > 0 && !match(e, q, &m->sub[0], depth + 1);
	case ENGINE_MATCH_VENDOR_CLASS:
		n = np_dhcp4_opt_get(&q->msg, NP_DHCP4_OPT_VENDOR_CLASS, v, sizeof(v));
		return n >= (int)m->len && memcmp(v, m->data, m->len) == 0;
	case ENGINE_MATCH_USER_CLASS:
		n = np_dhcp4_opt_get(&q->msg, NP_DHCP4_OPT_USER_CLASS, v, sizeof(v));
		return n > 0 && user_class_has(v, (size_t)n, m->data, m->len);
	case ENGINE_MATCH_CLIENT_ARCH:
		n = np_dhcp4_opt_get(&q->msg, NP_DHCP4_OPT_CLIENT_ARCH, v, sizeof(v));
		return n > 0 && arch_has(v, (size_t)n, m->arch);
	case ENGINE_MATCH_MAC_PREFIX:
		return q->msg.htype == 1 && q->msg.hlen == 6 && m->len <= 6 &&
		       memcmp(q->msg.chaddr, m->data, m->len) == 0;
	case ENGINE_MATCH_CIRCUIT_ID:
	case ENGINE_MATCH_REMOTE_ID:
		return relay_subopt(q, m->kind == ENGINE_MATCH_CIRCUIT_ID ? 1 : 2, &sub) &&
		       sub.len == m->len && memcmp(sub.data, m->data, m->len) == 0;
	case ENGINE_MATCH_KNOWN:
		return (reservation_for(e, q) != NULL) == m->known;
	default:
		return false;
	}
}

/* The classes the client is in, read once (a request resumed after its probe keeps them). */
static void classify(const struct engine *e, struct req *q)
{
	const struct engine_config *c = e->cfg;

	q->cfg_classes = c->classes;
	q->ncfg_classes = c->nclasses < ENGINE_CLASSES_MAX ? c->nclasses : ENGINE_CLASSES_MAX;
	if (q->rx->replay)
		return;
	q->classes = 0;
	for (size_t i = 0; i < q->ncfg_classes; i++)
		if (match(e, q, &c->classes[i].match, 0))
			q->classes |= 1ull << i;
}

/* ---- budgets: new clients per second ------------------------------------------- */

/* One token from b, refilled at rate per second up to two seconds' worth. */
static bool bucket_take(struct bucket *b, uint32_t rate, int64_t now_ms)
{
	int64_t cap = (int64_t)rate * 2000;

	if (!b->started) {
		b->started = true;
		b->milli = cap;
		b->last_ms = now_ms;
	}
	if (now_ms > b->last_ms) {
		b->milli += (now_ms - b->last_ms) * (int64_t)rate;
		if (b->milli > cap)
			b->milli = cap;
	}
	b->last_ms = now_ms;
	if (b->milli < 1000)
		return false;
	b->milli -= 1000;
	return true;
}

/*
 * A client the server knows nothing of (no lease object in any state, no
 * reservation) takes a token of its subnet's bucket for its path (own link
 * or relayed) before it may be given an address.  Known clients are never
 * held back: an attacker inventing hardware addresses spends only the new
 * clients' budget, and what it can hold at once is bounded by that budget
 * times offer_hold.
 */
static bool admit_client(struct engine *e, const struct req *q)
{
	bool relayed = q->msg.giaddr != 0;
	uint32_t rate = relayed ? e->cfg->relayed_new_clients_rate : e->cfg->new_clients_rate;

	if (rate == 0 || q->rx->replay || lease_by_client(e->lt, &q->client) != NULL ||
	    reservation_for(e, q) != NULL)
		return true;
	if (bucket_take(&e->buckets[2 * q->sidx + (relayed ? 1 : 0)], rate, q->rx->now_ms))
		return true;
	e->st.pkt4_limit_exceeded++;
	e->st.pkt4_receive_drop++;
	return false;
}

/* ---- addresses ---------------------------------------------------------------- */

/* Option 82's sub-option code, from a relay only (RFC 3046 §2.1: the relay adds it). */
static bool relay_subopt(const struct req *q, uint8_t code, struct np_dhcp4_opt *sub)
{
	return q->msg.giaddr != 0 && q->relay_len > 0 &&
	       np_dhcp4_relay_subopt(q->relay, (size_t)q->relay_len, code, sub) == 0;
}

/*
 * Reservations the lease table does not index, in the order client id,
 * DUID (the one of an RFC 4361 client id: type 255, IAID, DUID), hardware
 * address, relay circuit-id.
 */
static const struct engine_reservation *xresv_for(const struct engine *e, const struct req *q)
{
	const struct lease_client *c = &q->client;
	const struct engine_reservation *r = NULL;
	struct np_dhcp4_opt sub;
	uint8_t hw[17];

	if (e->nxresv == 0)
		return NULL;
	if (c->cid_len > 0)
		r = xresv_find(e, 'C', c->cid, c->cid_len);
	if (r == NULL && c->cid_len > 5 && c->cid[0] == 255)
		r = xresv_find(e, 'D', c->cid + 5, c->cid_len - 5u);
	if (r == NULL && c->hlen <= 16) {
		hw[0] = c->htype;
		memcpy(hw + 1, c->chaddr, c->hlen);
		r = xresv_find(e, 'H', hw, 1u + c->hlen);
	}
	if (r == NULL && relay_subopt(q, 1, &sub))
		r = xresv_find(e, 'R', sub.data, sub.len);
	return r;
}

static const struct engine_reservation *reservation_for(const struct engine *e,
							const struct req *q)
{
	const struct lease_reservation *lr = lease_reservation_for(e->lt, &q->client);
	const struct engine_reservation *r;

	if (lr != NULL && group_subnet_of(e, q, lr->addr) >= 0)
		return lr->user;
	r = xresv_for(e, q);
	return r != NULL && resv_in_group(e, q, r) ? r : NULL;
}

/* Whether the client's classes let it have an address of lease-table pool p. */
static bool pool_allows(const struct engine *e, const struct req *q, int p)
{
	const struct engine_pool *c = (size_t)p < e->npool_cfg ? e->pool_cfg[p] : NULL;

	if (c == NULL)
		return true;
	if (c->allow != 0 && (c->allow & q->classes) == 0)
		return false;
	return (c->deny & q->classes) == 0;
}

/* An address outside the pools reserved (not in the lease table) for this client. */
static bool xresv_addr_ok(const struct engine *e, const struct req *q, uint32_t addr)
{
	const struct engine_reservation *r = xresv_for(e, q);

	return r != NULL && r->addr == addr && resv_in_group(e, q, r);
}

/* Whether addr may be this client's: its reservation, or a free pool address. */
static bool addr_ok_for(const struct engine *e, const struct req *q, uint32_t addr)
{
	const struct lease_reservation *r = lease_reservation_of(e->lt, addr);
	const struct lease *l;
	long sidx = group_subnet_of(e, q, addr);
	int pool;

	if (sidx < 0)
		return false;
	if (r != NULL)
		return lease_reservation_for(e->lt, &q->client) == r;
	pool = lease_pool_of(e->lt, addr);
	if (pool < 0) {
		if (!xresv_addr_ok(e, q, addr))
			return false;
	} else if (lease_pool_tag(e->lt, pool) != sidx || !pool_allows(e, q, pool)) {
		return false;
	}
	l = lease_by_addr(e->lt, addr);
	return l == NULL || lease_is_client(l, &q->client) || lease_state_reusable(l->state);
}

/* A free address from the pools of subnet j that allow the client. */
static int find_free_in(struct engine *e, const struct req *q, size_t j, uint32_t *addr)
{
	for (size_t p = 0; p < lease_pool_count(e->lt); p++)
		if ((size_t)lease_pool_tag(e->lt, (int)p) == j && pool_allows(e, q, (int)p) &&
		    lease_find_free(e->lt, (int)p, addr) == 0)
			return 0;
	return -ENOSPC;
}

/*
 * A free address: from the subnet selected, then from the other subnets of
 * the link in configuration order (a shared network: the next when one is
 * full, or when its pools do not allow the client).
 */
static int find_free(struct engine *e, const struct req *q, uint32_t *addr)
{
	if (find_free_in(e, q, q->psidx, addr) == 0)
		return 0;
	for (size_t j = 0; j < e->cfg->nsubnets; j++)
		if (j != q->psidx && in_group(e, q, j) && find_free_in(e, q, j, addr) == 0)
			return 0;
	return -ENOSPC;
}

/*
 * The address to offer (§4.3.1): the client's reservation, else its current
 * or previous address, else the one it asks for, else a free one.
 */
static int pick_address(struct engine *e, const struct req *q, uint32_t *addr)
{
	const struct engine_reservation *r = reservation_for(e, q);
	const struct lease *l = lease_by_client(e->lt, &q->client);

	if (r != NULL && addr_ok_for(e, q, r->addr)) {
		const struct lease *cur = lease_by_addr(e->lt, r->addr);

		if (cur == NULL || lease_is_client(cur, &q->client) ||
		    lease_state_reusable(cur->state)) {
			*addr = r->addr;
			return 0;
		}
	}
	if (l != NULL && addr_ok_for(e, q, l->addr)) {
		*addr = l->addr;
		return 0;
	}
	if (addr_ok_for(e, q, q->requested)) {
		*addr = q->requested;
		return 0;
	}
	return find_free(e, q, addr);
}

/* The lease as it now is, and what that means for its name in DNS. */
static void out_rec(struct engine_out *out, const struct lease *l)
{
	struct engine_change *c;

	if (out->nchanges >= ENGINE_MAX_CHANGES)
		return;
	c = &out->changes[out->nchanges++];
	lease_get(l, &c->lease);
	c->dns = (uint8_t)ddns_lease_op(&c->lease);
}

/* addr has no lease any more (its name stays: the client moved on). */
static void out_free_rec(struct engine_out *out, uint32_t addr)
{
	struct engine_change *c;

	if (out->nchanges >= ENGINE_MAX_CHANGES)
		return;
	c = &out->changes[out->nchanges++];
	memset(c, 0, sizeof(*c));
	c->lease.addr = addr;
	c->lease.state = LEASE_FREE;
}

/*
 * Give addr to the client in state until expire.  A lease the client holds
 * elsewhere (it moved) is let go first, with a journal record.
 */
static int claim(struct engine *e, const struct req *q, uint32_t addr, uint8_t state,
		 int64_t expire, struct engine_out *out, struct lease **lp)
{
	struct lease *old = lease_by_client(e->lt, &q->client);
	const struct engine_reservation *r;
	int err;

	if (old != NULL && old->addr != addr) {
		if (old->state == LEASE_BOUND)
			out_free_rec(out, old->addr);
		lease_remove(e->lt, old);
	}
	err = lease_claim(e->lt, addr, &q->client, state, q->now, expire, lp);
	if (err != 0)
		return err;
	r = reservation_for(e, q);
	if (r != NULL && (r->addr == addr || r->addr == 0) && r->hostname != NULL)
		return lease_set_hostname(e->lt, *lp, r->hostname);
	if (q->hostname[0] != '\0')
		return lease_set_hostname(e->lt, *lp, q->hostname);
	return 0;
}

/* ---- building replies -------------------------------------------------------- */

static uint32_t lease_secs(const struct req *q, const struct engine_reservation *r)
{
	uint32_t t = r != NULL && r->lease_time != 0 ? r->lease_time : q->subnet->lease_time;

	/* A client may ask for less (§4.3.1 says the server decides). */
	if (q->lease_req != 0 && q->lease_req < t)
		t = q->lease_req;
	return t;
}

static const struct engine_option *find_opt(const struct engine_option *v, size_t n, uint8_t code)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].code == code)
			return &v[i];
	return NULL;
}

/* A configured option: the reservation's first, then the classes' in order, then the subnet's. */
static const struct engine_option *config_opt(const struct req *q,
					      const struct engine_reservation *r, uint8_t code)
{
	const struct engine_option *o = NULL;

	if (r != NULL)
		o = find_opt(r->opts, r->nopts, code);
	for (size_t i = 0; o == NULL && q->classes != 0 && i < q->ncfg_classes; i++)
		if (q->classes & (1ull << i))
			o = find_opt(q->cfg_classes[i].opts, q->cfg_classes[i].nopts, code);
	return o != NULL ? o : find_opt(q->subnet->opts, q->subnet->nopts, code);
}

/*
 * The boot fields (siaddr, sname, file) as the reservation, the client's
 * classes in order and the subnet set them, each from the first that does.
 */
static struct engine_boot boot_fields(const struct req *q, const struct engine_reservation *r)
{
	struct engine_boot b = { 0, NULL, NULL };
	const struct engine_boot *from[2 + ENGINE_CLASSES_MAX];
	size_t n = 0;

	if (r != NULL)
		from[n++] = &r->boot;
	for (size_t i = 0; q->classes != 0 && i < q->ncfg_classes; i++)
		if (q->classes & (1ull << i))
			from[n++] = &q->cfg_classes[i].boot;
	from[n++] = &q->subnet->boot;
	for (size_t i = 0; i < n; i++) {
		if (b.next_server == 0)
			b.next_server = from[i]->next_server;
		if (b.server_name == NULL)
			b.server_name = from[i]->server_name;
		if (b.boot_file == NULL)
			b.boot_file = from[i]->boot_file;
	}
	return b;
}

/* Codes the engine writes itself, never from configuration. */
static bool engine_code(uint8_t code)
{
	switch (code) {
	case NP_DHCP4_OPT_LEASE_TIME: case NP_DHCP4_OPT_OVERLOAD: case NP_DHCP4_OPT_MSG_TYPE:
	case NP_DHCP4_OPT_SERVER_ID: case NP_DHCP4_OPT_PARAM_LIST: case NP_DHCP4_OPT_MAX_SIZE:
	case NP_DHCP4_OPT_T1: case NP_DHCP4_OPT_T2: case NP_DHCP4_OPT_CLIENT_ID:
	case NP_DHCP4_OPT_RAPID_COMMIT: case NP_DHCP4_OPT_RELAY_INFO: case NP_DHCP4_OPT_REQUESTED_IP:
	case NP_DHCP4_OPT_PAD: case NP_DHCP4_OPT_END:
		return true;
	default:
		return false;
	}
}

/* Where configuration options go; careful: skip those that do not fit. */
struct opt_sink {
	struct np_dhcp4_builder *b;
	uint8_t *buf;                  /* the builder's buffer */
	bool careful;
	struct engine_boot boot;       /* for options 66 and 67 */
	uint8_t done[32];              /* codes already considered */
};

static void add_value(struct opt_sink *k, const struct req *q,
		      const struct engine_reservation *r, uint8_t code)
{
	const struct engine_option *o = config_opt(q, r, code);
	struct np_dhcp4_builder *b = k->b;

	if (o != NULL)
		np_dhcp4_add(b, code, o->data, o->len);
	else if (code == NP_DHCP4_OPT_TFTP_SERVER && k->boot.server_name != NULL)
		np_dhcp4_add_string(b, code, k->boot.server_name);   /* RFC 2132 §9.4 */
	else if (code == NP_DHCP4_OPT_BOOTFILE && k->boot.boot_file != NULL)
		np_dhcp4_add_string(b, code, k->boot.boot_file);     /* RFC 2132 §9.5 */
	else if (code == NP_DHCP4_OPT_SUBNET_MASK)
		np_dhcp4_add_u32(b, code, prefix_mask(q->subnet->prefix));
	else if (code == NP_DHCP4_OPT_HOSTNAME && r != NULL && r->hostname != NULL)
		np_dhcp4_add_string(b, code, r->hostname);
}

/* One option by code, from configuration or derived (mask, hostname). */
static void add_one(struct opt_sink *k, const struct req *q, const struct engine_reservation *r,
		    uint8_t code)
{
	uint8_t saved_buf[ENGINE_REPLY_MAX];
	struct np_dhcp4_builder saved;

	if (engine_code(code) || k->done[code >> 3] & (1u << (code & 7)))
		return;
	k->done[code >> 3] |= (uint8_t)(1u << (code & 7));
	if (!k->careful) {
		add_value(k, q, r, code);
		return;
	}
	/* The builder fails for good when full: undo an option that did not fit. */
	saved = *k->b;
	memcpy(saved_buf, k->buf, sizeof(saved_buf));
	add_value(k, q, r, code);
	if (k->b->err != 0) {
		*k->b = saved;
		memcpy(k->buf, saved_buf, sizeof(saved_buf));
	}
}

/*
 * Configuration options: those the client lists in option 55, in its order
 * (RFC 2132 §9.8), or, without a list, the subnet mask and every configured
 * option.
 */
static void add_config_opts(struct opt_sink *k, const struct req *q,
			    const struct engine_reservation *r)
{
	if (q->nprl > 0) {
		for (size_t i = 0; i < q->nprl; i++)
			add_one(k, q, r, q->prl[i]);
		return;
	}
	add_one(k, q, r, NP_DHCP4_OPT_SUBNET_MASK);
	if (r != NULL)
		for (size_t i = 0; i < r->nopts; i++)
			add_one(k, q, r, r->opts[i].code);
	for (size_t i = 0; q->classes != 0 && i < q->ncfg_classes; i++)
		if (q->classes & (1ull << i))
			for (size_t j = 0; j < q->cfg_classes[i].nopts; j++)
				add_one(k, q, r, q->cfg_classes[i].opts[j].code);
	for (size_t i = 0; i < q->subnet->nopts; i++)
		add_one(k, q, r, q->subnet->opts[i].code);
}

/* A string into a fixed field when it fits with its NUL (RFC 2131 §2: "null terminated string"). */
static bool put_field(uint8_t *field, size_t cap, const char *v)
{
	size_t len = v != NULL ? strlen(v) : 0;

	if (len == 0 || len >= cap)
		return false;
	memcpy(field, v, len);
	return true;
}

/*
 * Network boot (RFC 2131 §2, RFC 2132 §9.4, §9.5): siaddr is the next
 * server, sname and file carry the server name and the boot file when they
 * fit; those fields are then kept out of option overload.  Options 66 and
 * 67 go when the client asks for them (or they are configured as options);
 * 67 also when the file name does not fit its field.
 */
static unsigned set_boot_fields(struct np_dhcp4 *h, const struct engine_boot *b)
{
	unsigned keep = 0;

	h->siaddr = b->next_server;
	if (put_field(h->sname, sizeof(h->sname), b->server_name))
		keep |= NP_DHCP4_BUILD_KEEP_SNAME;
	if (put_field(h->file, sizeof(h->file), b->boot_file))
		keep |= NP_DHCP4_BUILD_KEEP_FILE;
	return keep;
}

static void add_lease_opts(struct np_dhcp4_builder *b, const struct req *q,
			   const struct engine_reservation *r)
{
	uint32_t t = lease_secs(q, r);
	uint32_t t1 = q->subnet->t1 ? q->subnet->t1 : t / 2;
	uint32_t t2 = q->subnet->t2 ? q->subnet->t2 : (uint32_t)((uint64_t)t * 7 / 8);

	np_dhcp4_add_u32(b, NP_DHCP4_OPT_LEASE_TIME, t);
	if (t1 < t)
		np_dhcp4_add_u32(b, NP_DHCP4_OPT_T1, t1);
	if (t2 < t)
		np_dhcp4_add_u32(b, NP_DHCP4_OPT_T2, t2);
}

enum { WITH_LEASE = 1, WITH_CONFIG = 2, WITH_RAPID = 4 };

/*
 * RFC 4702 §4: answer a client FQDN option with the server's: the E flag as
 * the client sent it, S when the server publishes the name (O when that
 * overrides the client's wish), else N (no usable host name); both rcodes
 * 255 (§2.2); the name the server uses, host.zone, in the client's
 * encoding.  Called only when names are published (q->zone): without
 * dns_update the option is ignored, as by a server that does not know it.
 */
static void add_fqdn(struct np_dhcp4_builder *b, const struct req *q,
		     const struct engine_reservation *r)
{
	const char *host = r != NULL && r->hostname != NULL ? r->hostname : q->hostname;
	uint8_t v[3 + 256], flags = (uint8_t)(q->fqdn_flags & NP_DHCP4_FQDN_E);
	char text[NP_DNS_NAME_TEXT_MAX];
	size_t len = 3;
	int n;

	if (host[0] != '\0' && strchr(host, '.') == NULL &&
	    snprintf(text, sizeof(text), "%s.%s", host, q->zone) < (int)sizeof(text)) {
		flags |= NP_DHCP4_FQDN_S;
		if (!(q->fqdn_flags & NP_DHCP4_FQDN_S))
			flags |= NP_DHCP4_FQDN_O;
		if (flags & NP_DHCP4_FQDN_E) {
			n = np_dns_name_from_text(text, v + 3, sizeof(v) - 3);
			len += n > 0 ? (size_t)n : 0;
		} else if (strlen(text) < sizeof(v) - 3) {
			memcpy(v + 3, text, strlen(text));
			len += strlen(text);
		}
	} else {
		flags |= NP_DHCP4_FQDN_N;
	}
	v[0] = flags;
	v[1] = v[2] = 255;
	np_dhcp4_add(b, 81, v, len);
}

static int build_reply(const struct req *q, uint8_t type, uint32_t yiaddr, unsigned what,
		       const struct engine_reservation *r, struct engine_out *out, bool careful)
{
	struct np_dhcp4 h = { 0 };
	struct np_dhcp4_builder b;
	struct opt_sink k = { .b = &b, .buf = out->buf, .careful = careful };
	unsigned keep = 0;
	int len;

	h.op = NP_BOOTREPLY;
	h.htype = q->msg.htype;
	h.hlen = q->msg.hlen;
	h.xid = q->msg.xid;
	h.flags = q->msg.flags;
	h.giaddr = q->msg.giaddr;
	h.yiaddr = yiaddr;
	/* Table 3: ciaddr from the request in ACKs, 0 in OFFER and NAK. */
	h.ciaddr = type == NP_DHCPACK ? q->msg.ciaddr : 0;
	if (type == NP_DHCPNAK && q->msg.giaddr != 0)
		h.flags |= NP_DHCP4_FLAG_BROADCAST;   /* §4.3.2: relay broadcasts the NAK */
	memcpy(h.chaddr, q->msg.chaddr, sizeof(h.chaddr));
	if (what & WITH_CONFIG) {
		k.boot = boot_fields(q, r);
		keep = set_boot_fields(&h, &k.boot);
	}
	np_dhcp4_builder_init(&b, &h, out->buf, sizeof(out->buf), q->max_size,
			      NP_DHCP4_BUILD_OVERLOAD | keep);
	np_dhcp4_add_u8(&b, NP_DHCP4_OPT_MSG_TYPE, type);
	np_dhcp4_add_u32(&b, NP_DHCP4_OPT_SERVER_ID, q->our_id);
	if (what & WITH_LEASE)
		add_lease_opts(&b, q, r);
	if (what & WITH_RAPID)
		np_dhcp4_add(&b, NP_DHCP4_OPT_RAPID_COMMIT, NULL, 0);
	if (type == NP_DHCPNAK)
		np_dhcp4_add_string(&b, NP_DHCP4_OPT_MESSAGE, "address not valid for this client");
	if (what & WITH_CONFIG) {
		add_config_opts(&k, q, r);
		/* A boot file name too long for its field goes as option 67 unasked. */
		if (k.boot.boot_file != NULL && !(keep & NP_DHCP4_BUILD_KEEP_FILE))
			add_one(&k, q, r, NP_DHCP4_OPT_BOOTFILE);
	}
	if (q->fqdn_flags >= 0 && q->zone != NULL && (what & WITH_LEASE))
		add_fqdn(&b, q, r);
	/* RFC 6842: echo the client identifier. */
	if (q->client.cid_len > 0)
		np_dhcp4_add(&b, NP_DHCP4_OPT_CLIENT_ID, q->client.cid, q->client.cid_len);
	/* RFC 3046 §2.2: relay agent information echoed, last. */
	if (q->relay_len >= 0)
		np_dhcp4_add(&b, NP_DHCP4_OPT_RELAY_INFO, q->relay, (size_t)q->relay_len);
	len = np_dhcp4_builder_finish(&b);
	if (len < 0)
		return len;
	out->len = (size_t)len;
	return 0;
}

/* §4.1: where the reply goes. */
static void set_dest(const struct req *q, struct engine_out *out, uint32_t yiaddr)
{
	const struct np_dhcp4 *m = &q->msg;

	out->src_addr = q->our_id;
	out->ifindex = q->rx->ifindex;
	out->dst_port = NP_DHCP4_CLIENT_PORT;
	if (m->giaddr != 0) {
		out->dest = ENGINE_DEST_RELAY;
		out->dst_addr = m->giaddr;
		out->dst_port = NP_DHCP4_SERVER_PORT;
	} else if (out->type == NP_DHCPNAK) {
		out->dest = ENGINE_DEST_BROADCAST;   /* §4.1: NAKs are broadcast */
		out->dst_addr = 0xffffffffu;
	} else if (m->ciaddr != 0) {
		out->dest = ENGINE_DEST_CIADDR;
		out->dst_addr = m->ciaddr;
	} else if ((m->flags & NP_DHCP4_FLAG_BROADCAST) || m->hlen == 0 || yiaddr == 0) {
		out->dest = ENGINE_DEST_BROADCAST;
		out->dst_addr = 0xffffffffu;
	} else {
		out->dest = ENGINE_DEST_CHADDR;
		out->dst_addr = yiaddr;
		out->hlen = m->hlen;
		memcpy(out->chaddr, m->chaddr, sizeof(out->chaddr));
	}
}

/*
 * Build a reply.  When it does not fit the size the client accepts (option
 * 57, else 576), build it again leaving out the configuration options that
 * do not fit, in the client's order of preference.
 */
/* The exchange as the transaction log tells it: who, which address, via which relay. */
static void txn_set(const struct req *q, uint8_t type, uint32_t addr, const struct lease *l,
		    uint32_t lease_time, struct engine_out *out)
{
	struct leasefmt_txn *t = &out->txn;
	const char *name = l != NULL && l->hostname != NULL ? l->hostname : q->hostname;

	t->type = type;
	t->time = q->now;
	t->addr = addr;
	t->htype = q->client.htype;
	t->hlen = q->client.hlen <= sizeof(t->chaddr) ? q->client.hlen : 0;
	memcpy(t->chaddr, q->client.chaddr, sizeof(t->chaddr));
	t->cid_len = q->client.cid_len;
	if (t->cid_len > 0)
		memcpy(t->cid, q->client.cid, t->cid_len);
	snprintf(t->hostname, sizeof(t->hostname), "%s", name);
	t->lease_time = lease_time;
	t->relay = q->msg.giaddr;
}

static int reply(struct engine *e, const struct req *q, uint8_t type, uint32_t yiaddr,
		 unsigned what, struct engine_out *out)
{
	const struct engine_reservation *r = reservation_for(e, q);
	int err = build_reply(q, type, yiaddr, what, r, out, false);

	if (err == NP_ENOSPC)
		err = build_reply(q, type, yiaddr, what, r, out, true);
	if (err < 0) {
		out->len = 0;
		e->st.pkt4_receive_drop++;
		return 0;
	}
	out->type = type;
	set_dest(q, out, yiaddr);
	if (type == NP_DHCPOFFER)
		e->st.pkt4_offer_sent++;
	else if (type == NP_DHCPACK)
		e->st.pkt4_ack_sent++;
	else if (type == NP_DHCPNAK)
		e->st.pkt4_nak_sent++;
	return 0;
}

static int nak(struct engine *e, const struct req *q, struct engine_out *out)
{
	txn_set(q, LEASEFMT_NAK, q->requested ? q->requested : q->msg.ciaddr, NULL, 0, out);
	return reply(e, q, NP_DHCPNAK, 0, 0, out);
}

/* Whether the client already holds addr bound: an ACK of it is a renewal. */
static bool holds_bound(const struct engine *e, const struct req *q, uint32_t addr)
{
	const struct lease *l = lease_by_addr(e->lt, addr);

	return l != NULL && l->state == LEASE_BOUND && lease_is_client(l, &q->client);
}

/*
 * The usage level of subnet sidx's pools: HIGH from POOL_HIGH_PERCENT of
 * their addresses assigned, FULL when none is left to assign (the declined
 * ones are not).  A fall below the level last seen is remembered, so that
 * the next rise is warned of again.
 */
static enum pool_level pool_level_now(struct engine *e, size_t sidx)
{
	uint64_t total = 0, assigned = 0, declined = 0;
	enum pool_level level = POOL_LEVEL_LOW;

	for (size_t p = 0; p < e->npool_cfg; p++) {
		struct lease_pool_stats ps;

		if ((size_t)lease_pool_tag(e->lt, (int)p) != sidx)
			continue;
		lease_pool_stats(e->lt, (int)p, &ps);
		total += ps.total;
		assigned += ps.assigned;
		declined += ps.declined;
	}
	if (total > 0 && assigned + declined >= total)
		level = POOL_LEVEL_FULL;
	else if (total > 0 && assigned * 100 >= total * POOL_HIGH_PERCENT)
		level = POOL_LEVEL_HIGH;
	if (level < e->usage[sidx].level)
		e->usage[sidx].level = (uint8_t)level;
	return level;
}

/*
 * A new address assigned in subnet sidx (Kea's cumulative-assigned-addresses
 * counts these, not renewals); when its pools crossed a usage level upwards,
 * io.c is told to log it, once per crossing.
 */
static void count_assignment(struct engine *e, size_t sidx, struct engine_out *out)
{
	enum pool_level level;

	e->usage[sidx].cumulative_assigned++;
	level = pool_level_now(e, sidx);
	if (level <= e->usage[sidx].level)
		return;
	e->usage[sidx].level = (uint8_t)level;
	e->usage[sidx].warnings++;
	out->pool_warn = (int)sidx + 1;
	out->pool_full = level == POOL_LEVEL_FULL;
}

/* Bind addr to the client and ACK once durable. */
static int ack(struct engine *e, struct req *q, uint32_t addr, unsigned extra,
	       struct engine_out *out)
{
	struct lease *l;
	bool renewal;
	int err;

	adopt_subnet(e, q, addr);
	renewal = holds_bound(e, q, addr);
	/* Releases and expiries since the last ACK may have lowered the usage. */
	pool_level_now(e, q->sidx);
	err = claim(e, q, addr, LEASE_BOUND, q->now + lease_secs(q, reservation_for(e, q)), out,
		    &l);

	if (err == -EBUSY)
		return nak(e, q, out);
	if (err != 0) {
		e->st.pkt4_receive_drop++;
		return 0;
	}
	if (!renewal)
		count_assignment(e, q->sidx, out);
	out_rec(out, l);
	out->wait_commit = true;
	if (e->probe != NULL)
		probe_forget(e->probe, addr);  /* handed out: the probe's answer is spent */
	txn_set(q, LEASEFMT_ACK, addr, l, (uint32_t)(l->expire - q->now), out);
	return reply(e, q, NP_DHCPACK, addr, WITH_LEASE | WITH_CONFIG | extra, out);
}

/* ---- handlers, one per message type -------------------------------------------- */

enum check { CHECK_OK, CHECK_WAIT, CHECK_INUSE, CHECK_DROP };

/* The address was found in use: probation, as if a client had declined it. */
static enum check probe_conflict(struct engine *e, struct req *q, uint32_t addr,
				 struct engine_out *out)
{
	struct lease *l = lease_by_addr(e->lt, addr);

	probe_forget(e->probe, addr);
	if (l != NULL && lease_is_client(l, &q->client) && l->state != LEASE_BOUND)
		lease_remove(e->lt, l);        /* the hold made for the probe */
	if (lease_decline_addr(e->lt, addr, q->now, q->now + e->cfg->decline_probation, &l) == 0) {
		out_rec(out, l);
		e->st.declined_in_use++;
	}
	return CHECK_INUSE;
}

/*
 * Keep the request, as parsed, until addr's probe ends (resume_held()).
 * Its pointers are set again then: into itself, to the configuration of
 * that moment and to the receive details kept beside it.
 */
static int hold(struct engine *e, const struct req *q, uint32_t addr)
{
	struct req h = *q;

	h.msg.options = NULL;
	h.msg.options_len = 0;
	h.client.cid = NULL;
	h.zone = NULL;
	h.subnet = NULL;
	h.rx = NULL;
	return probe_hold(e->probe, addr, (const uint8_t *)&h, sizeof(h), q->rx->ifindex,
			  q->rx->local_addr, q->rx->unicast);
}

/* Hold addr for the client, ask io.c for a probe and keep the request. */
static enum check probe_begin(struct engine *e, struct req *q, uint32_t addr,
			      struct engine_out *out)
{
	const struct engine_rx *rx = q->rx;
	struct lease *l;

	if (probe_start(e->probe, addr, rx->ifindex, rx->now_ms) < 0)
		return CHECK_DROP;
	if (claim(e, q, addr, LEASE_OFFERED, q->now + e->cfg->offer_hold, out, &l) != 0) {
		probe_forget(e->probe, addr);
		return CHECK_DROP;
	}
	if (hold(e, q, addr) < 0) {
		/* Not offered unprobed later either: the hold goes with the probe. */
		lease_remove(e->lt, l);
		probe_forget(e->probe, addr);
		return CHECK_DROP;
	}
	out->probe_addr = addr;
	out->probe_ifindex = rx->ifindex;
	return CHECK_WAIT;
}

/*
 * Conflict detection before an offer (probe.h): only on a link we are on
 * (a relayed client's link is out of ARP's reach), and not for the address
 * the client already holds.
 */
static enum check check_addr(struct engine *e, struct req *q, uint32_t addr,
			     struct engine_out *out)
{
	const struct lease *l;
	bool own;

	if (e->probe == NULL || q->msg.giaddr != 0 || q->rx->ifindex == 0)
		return CHECK_OK;
	l = lease_by_addr(e->lt, addr);
	own = l != NULL && lease_is_client(l, &q->client);
	if (own && l->state == LEASE_BOUND)
		return CHECK_OK;
	switch (probe_state(e->probe, addr, q->rx->now_ms)) {
	case PROBE_FREE:
		return CHECK_OK;
	case PROBE_INUSE:
		return probe_conflict(e, q, addr, out);
	case PROBE_PENDING:
		if (hold(e, q, addr) < 0)
			return CHECK_DROP;
		return CHECK_WAIT;
	case PROBE_NONE:
	default:
		/* Held for it after a probe whose result has aged out: still good. */
		if (own && l->state == LEASE_OFFERED)
			return CHECK_OK;
		return probe_begin(e, q, addr, out);
	}
}

#define PICK_TRIES 8

static int handle_discover(struct engine *e, struct req *q, struct engine_out *out)
{
	struct lease *l;
	uint32_t addr;
	enum check c = CHECK_INUSE;
	int err;

	if (!q->rx->replay)
		e->st.pkt4_discover_received++;
	if (!admit_client(e, q))
		return 0;
	for (int tries = 0; c == CHECK_INUSE && tries < PICK_TRIES; tries++) {
		if (pick_address(e, q, &addr) != 0) {
			/* Pool exhausted: say nothing; counted, and io.c logs it. */
			e->st.pkt4_receive_drop++;
			e->st.v4_allocation_fail++;
			e->alloc_fail[q->sidx]++;
			out->alloc_fail = (int)q->sidx + 1;
			return 0;
		}
		c = check_addr(e, q, addr, out);
	}
	if (c == CHECK_WAIT)
		return 0;                      /* answered when the probe ends */
	if (c != CHECK_OK) {
		e->st.pkt4_receive_drop++;
		return 0;
	}
	adopt_subnet(e, q, addr);
	/* RFC 4039: with rapid commit on both sides, DISCOVER -> ACK. */
	if (q->subnet->rapid_commit && q->rapid_commit)
		return ack(e, q, addr, WITH_RAPID, out);
	l = lease_by_client(e->lt, &q->client);
	if (l != NULL && l->addr == addr && l->state == LEASE_BOUND) {
		/* Still bound (it lost its state): offer the same, keep the binding. */
		return reply(e, q, NP_DHCPOFFER, addr, WITH_LEASE | WITH_CONFIG, out);
	}
	/* §4.3.1: held for this client while it decides, so no one else gets it. */
	err = claim(e, q, addr, LEASE_OFFERED, q->now + e->cfg->offer_hold, out, &l);
	if (err != 0) {
		e->st.pkt4_receive_drop++;
		return 0;
	}
	return reply(e, q, NP_DHCPOFFER, addr, WITH_LEASE | WITH_CONFIG, out);
}

/* SELECTING (§4.3.2): the client answers one server's offer. */
static int request_selecting(struct engine *e, struct req *q, struct engine_out *out)
{
	struct lease *l = lease_by_client(e->lt, &q->client);

	if (q->server_id != q->our_id) {
		/* It chose another server: our offer is free again.  No reply. */
		if (l != NULL && l->state == LEASE_OFFERED)
			lease_set_state(e->lt, l, LEASE_EXPIRED, q->now);
		return 0;
	}
	if (q->msg.ciaddr != 0 || q->requested == 0)
		return nak(e, q, out);         /* §4.3.2: ciaddr 0, option 50 required */
	if (l == NULL || l->addr != q->requested || !addr_ok_for(e, q, q->requested))
		return nak(e, q, out);
	return ack(e, q, q->requested, 0, out);
}

/* INIT-REBOOT (§4.3.2): the client verifies an address it remembers. */
static int request_init_reboot(struct engine *e, struct req *q, struct engine_out *out)
{
	struct lease *l = lease_by_client(e->lt, &q->client);
	const struct engine_reservation *r = reservation_for(e, q);

	/* "on the wrong network": NAK. */
	if (group_subnet_of(e, q, q->requested) < 0)
		return nak(e, q, out);
	if (r != NULL && r->addr != q->requested)
		return nak(e, q, out);
	if (l != NULL && l->addr == q->requested && addr_ok_for(e, q, q->requested))
		return ack(e, q, q->requested, 0, out);
	if (l != NULL)
		return nak(e, q, out);         /* we know it, with another address */
	/* No record of the client: "MUST remain silent" unless we own the subnet. */
	if (!e->cfg->authoritative)
		return 0;
	if (addr_ok_for(e, q, q->requested))
		return admit_client(e, q) ? ack(e, q, q->requested, 0, out) : 0;
	return nak(e, q, out);
}

/* RENEWING (unicast) and REBINDING (broadcast) (§4.3.2): extend ciaddr. */
static int request_renew(struct engine *e, struct req *q, struct engine_out *out)
{
	struct lease *l = lease_by_addr(e->lt, q->msg.ciaddr);

	if (l != NULL && lease_is_client(l, &q->client) && addr_ok_for(e, q, q->msg.ciaddr))
		return ack(e, q, q->msg.ciaddr, 0, out);
	if (!e->cfg->authoritative)
		return 0;                      /* not ours to refuse: another server may know it */
	if (l == NULL && addr_ok_for(e, q, q->msg.ciaddr))
		return admit_client(e, q) ? ack(e, q, q->msg.ciaddr, 0, out) : 0;
	return nak(e, q, out);
}

static int handle_request(struct engine *e, struct req *q, struct engine_out *out)
{
	e->st.pkt4_request_received++;
	if (q->server_id != 0)
		return request_selecting(e, q, out);
	if (q->requested != 0 && q->msg.ciaddr == 0)
		return request_init_reboot(e, q, out);
	if (q->msg.ciaddr != 0)
		return request_renew(e, q, out);
	e->st.pkt4_receive_drop++;             /* neither: not a valid REQUEST */
	return 0;
}

/* DECLINE (§4.3.3): the address is in use by someone else; probation. */
static int handle_decline(struct engine *e, struct req *q, struct engine_out *out)
{
	struct lease *l = lease_by_client(e->lt, &q->client);

	e->st.pkt4_decline_received++;
	if ((q->server_id != 0 && q->server_id != q->our_id) || l == NULL ||
	    l->addr != q->requested || q->requested == 0) {
		e->st.pkt4_receive_drop++;
		return 0;
	}
	lease_remove(e->lt, l);
	if (lease_decline_addr(e->lt, q->requested, q->now,
			       q->now + e->cfg->decline_probation, &l) == 0)
		out_rec(out, l);
	txn_set(q, LEASEFMT_DECLINE, q->requested, NULL, 0, out);
	return 0;
}

/* RELEASE (§4.3.4): the client gives ciaddr back; remembered for it. */
static int handle_release(struct engine *e, struct req *q, struct engine_out *out)
{
	struct lease *l = lease_by_addr(e->lt, q->msg.ciaddr);

	e->st.pkt4_release_received++;
	if (l == NULL || !lease_is_client(l, &q->client) || l->state != LEASE_BOUND ||
	    (q->server_id != 0 && q->server_id != q->our_id)) {
		e->st.pkt4_receive_drop++;
		return 0;
	}
	lease_set_state(e->lt, l, LEASE_RELEASED, q->now);
	out_rec(out, l);
	txn_set(q, LEASEFMT_RELEASE, l->addr, l, 0, out);
	return 0;
}

/* INFORM (§4.3.5): configuration only, no lease, no lease time. */
static int handle_inform(struct engine *e, struct req *q, struct engine_out *out)
{
	e->st.pkt4_inform_received++;
	return reply(e, q, NP_DHCPACK, 0, WITH_CONFIG, out);
}

/* ---- entry points ------------------------------------------------------------------- */

static int parse(struct engine *e, const uint8_t *pkt, size_t len, struct req *q)
{
	int err = np_dhcp4_parse(pkt, len, &q->msg);

	if (err == 0 && q->msg.op != NP_BOOTREQUEST)
		err = NP_ETYPE;
	if (err == 0)
		err = np_dhcp4_opts_validate(&q->msg);
	if (err == 0)
		err = read_options(q);
	if (err < 0)
		e->st.pkt4_parse_failed++;
	return err;
}

static void out_reset(struct engine_out *out)
{
	out->len = 0;
	out->nchanges = 0;
	out->dest = ENGINE_DEST_NONE;
	out->wait_commit = false;
	out->type = 0;
	out->probe_addr = 0;
	out->probe_ifindex = 0;
	out->alloc_fail = 0;
	out->pool_warn = 0;
	out->pool_full = false;
	out->txn.type = 0;
}

/* A request read (or resumed after its probe): the handler of its type. */
static int dispatch(struct engine *e, struct req *q, struct engine_out *out)
{
	q->our_id = e->cfg->server_id ? e->cfg->server_id : q->rx->local_addr;
	q->zone = e->cfg->fqdn_zone;
	if (select_subnet(e, q) == NULL) {
		e->st.pkt4_receive_drop++;     /* no subnet for this link or relay */
		return 0;
	}
	if (!sources_agree(e, q))
		return 0;
	classify(e, q);
	switch (q->type) {
	case NP_DHCPDISCOVER:
		return handle_discover(e, q, out);
	case NP_DHCPREQUEST:
		return handle_request(e, q, out);
	case NP_DHCPDECLINE:
		return handle_decline(e, q, out);
	case NP_DHCPRELEASE:
		return handle_release(e, q, out);
	case NP_DHCPINFORM:
		return handle_inform(e, q, out);
	default:
		e->st.pkt4_unknown_received++;
		return 0;
	}
}

int engine_handle(struct engine *e, const uint8_t *pkt, size_t len, const struct engine_rx *rx,
		  int64_t now, struct engine_out *out)
{
	struct req q;
	int err;

	memset(&q, 0, sizeof(q));
	out_reset(out);
	q.rx = rx;
	q.now = now;
	if (!rx->replay)
		e->st.pkt4_received++;
	if ((err = parse(e, pkt, len, &q)) < 0)
		return err;
	return dispatch(e, &q, out);
}

/* ---- requests held for a probe, resumed ---------------------------------------------- */

struct resume_ctx {
	struct engine *e;
	int64_t now_ms, now;
	engine_out_fn fn;
	void *arg;
};

/* A request whose probe ended: handled on from its parsed form, not counted again. */
static void resume_held(void *arg, const struct probe_msg *m)
{
	struct resume_ctx *c = arg;
	struct engine_rx rx = { .ifindex = m->ifindex, .local_addr = m->local_addr,
				.unicast = m->unicast != 0, .now_ms = c->now_ms, .replay = true };
	struct engine_out out;
	struct req q;

	if (m->len != sizeof(q))
		return;
	memcpy(&q, m->pkt, sizeof(q));
	q.client.cid = q.client.cid_len > 0 ? q.cid : NULL;
	q.rx = &rx;
	q.now = c->now;
	out_reset(&out);
	if (dispatch(c->e, &q, &out) >= 0)
		c->fn(c->arg, &out);
}

size_t engine_probe_run(struct engine *e, int64_t now_ms, int64_t now, engine_out_fn fn,
			void *arg)
{
	struct resume_ctx c = { e, now_ms, now, fn, arg };

	return e->probe != NULL ? probe_run(e->probe, now_ms, resume_held, &c) : 0;
}

int engine_arp_seen(struct engine *e, uint32_t addr, int ifindex, int64_t now_ms, int64_t now,
		    engine_out_fn fn, void *arg)
{
	struct resume_ctx c = { e, now_ms, now, fn, arg };

	if (e->probe == NULL || probe_seen(e->probe, addr, ifindex, now_ms) != 1)
		return 0;
	probe_take(e->probe, addr, resume_held, &c);
	return 1;
}

struct expire_ctx {
	struct engine *e;
	engine_change_fn fn;
	void *arg;
};

static void on_expired(void *arg, const struct lease *l, uint8_t old)
{
	struct expire_ctx *c = arg;
	struct engine_change ch;

	memset(&ch, 0, sizeof(ch));
	if (l->state == LEASE_FREE) {
		c->e->st.reclaimed_declined++;
		ch.lease.addr = l->addr;
	} else {
		if (old == LEASE_BOUND)
			c->e->st.reclaimed_leases++;
		lease_get(l, &ch.lease);
		ch.dns = (uint8_t)ddns_lease_op(&ch.lease);   /* an expired name leaves DNS */
	}
	/* Offers were never journaled; their end need not be either. */
	if (c->fn != NULL && old != LEASE_OFFERED)
		c->fn(c->arg, &ch);
}

size_t engine_expire(struct engine *e, int64_t now, size_t max, engine_change_fn fn, void *arg)
{
	struct expire_ctx c = { e, fn, arg };

	return lease_expire(e->lt, now, max, on_expired, &c);
}

/*
 * lease4-del: as a DHCPRELEASE for a lease held for its client, else the
 * address is forgotten.  The name goes in both cases, as the lease does.
 */
int engine_delete(struct engine *e, uint32_t addr, int64_t now, struct engine_out *out)
{
	struct lease *l = lease_by_addr(e->lt, addr);
	struct engine_change *c = &out->changes[0];

	memset(out, 0, offsetof(struct engine_out, buf));
	if (l == NULL)
		return -ENOENT;
	out->nchanges = 1;
	if (l->state == LEASE_BOUND || l->state == LEASE_OFFERED) {
		lease_set_state(e->lt, l, LEASE_RELEASED, now);
		lease_get(l, &c->lease);
	} else {
		lease_get(l, &c->lease);       /* whose it was, for DNS */
		lease_remove(e->lt, l);
		c->lease.state = LEASE_FREE;
	}
	c->dns = c->lease.hostname_len > 0 ? DDNS_DELETE : 0;
	return 0;
}
