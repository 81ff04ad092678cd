/*
 * engine6.c: np-dhcpd's DHCPv6 policy (engine6.h), RFC 8415.
 *
 * One message: unwrap the relays (§9, §19), validate (§16), pick the
 * subnet, then one handler per message type (§18.3.x), each writing its
 * reply with libnetproto's builder and recording every lease it changed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/error.h>

#include "ddns.h"
#include "engine6.h"

#define ORO_MAX 128

struct engine6 {
	const struct engine6_config *cfg;
	struct lease6_table *lt;
	int *links;                            /* per subnet: bound ifindex */
	struct engine6_stats st;
};

/* One client message, parsed once. */
struct req6 {
	const struct engine6_rx *rx;
	int64_t now;
	struct np_dhcp6 relays[NP_DHCP6_MAX_RELAY_DEPTH];
	int nrelays;
	struct np_dhcp6 msg;
	const struct engine6_subnet *subnet;
	size_t sidx;
	bool has_clientid;
	struct np_dhcp6_opt clientid;
	struct np_dhcp6_duid duid;
	bool has_serverid;
	bool serverid_ours;
	uint16_t oro[ORO_MAX];
	size_t noro;
	bool rapid_commit;
	bool has_ia;
	char hostname[64];                     /* first label of the client FQDN (39); "" none */
	const struct engine6_reservation *resv;
};

/* ---- setup ------------------------------------------------------------- */

static bool subnet_has(const struct engine6_subnet *s, const uint8_t addr[16])
{
	return lease6_prefix_has(s->addr, s->prefix_len, addr);
}

static int add_subnet_pools(struct engine6 *e, size_t i)
{
	const struct engine6_subnet *s = &e->cfg->subnets[i];
	int rc;

	for (size_t k = 0; k < s->npools; k++) {
		struct lease6_pool p = { .kind = LEASE6_NA, .tag = (int)i };

		memcpy(p.first, s->pools[k].first, 16);
		memcpy(p.last, s->pools[k].last, 16);
		if (!subnet_has(s, p.first) || !subnet_has(s, p.last))
			return -EINVAL;
		rc = lease6_pool_add(e->lt, &p);
		if (rc < 0)
			return rc;
	}
	for (size_t k = 0; k < s->npd_pools; k++) {
		struct lease6_pool p = { .kind = LEASE6_PD, .tag = (int)i,
					 .plen = s->pd_pools[k].prefix_len,
					 .delegated_len = s->pd_pools[k].delegated_len };

		memcpy(p.first, s->pd_pools[k].prefix, 16);
		rc = lease6_pool_add(e->lt, &p);
		if (rc < 0)
			return rc;
	}
	for (size_t k = 0; k < s->nresv; k++) {
		const struct engine6_reservation *r = &s->resv[k];

		if (r->duid_len == 0 || r->duid_len > NP_DHCP6_DUID_MAX)
			return -EINVAL;
		if (r->has_addr && (rc = lease6_reserve(e->lt, LEASE6_NA, r->addr, 128)) < 0)
			return rc == -EEXIST ? -EINVAL : rc;
		if (r->has_prefix &&
		    (rc = lease6_reserve(e->lt, LEASE6_PD, r->prefix, r->prefix_len)) < 0)
			return rc == -EEXIST ? -EINVAL : rc;
	}
	return 0;
}

int engine6_new(const struct engine6_config *cfg, struct lease6_table *leases,
		struct engine6 **out)
{
	struct engine6 *e;
	int rc = 0;

	if (cfg->server_duid == NULL || cfg->server_duid_len < 3 ||
	    cfg->server_duid_len > NP_DHCP6_DUID_MAX)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	e->cfg = cfg;
	e->lt = leases;
	e->links = calloc(cfg->nsubnets + 1, sizeof(*e->links));
	if (e->links == NULL) {
		free(e);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->nsubnets && rc == 0; i++) {
		e->links[i] = cfg->subnets[i].ifindex;
		rc = add_subnet_pools(e, i);
	}
	if (rc < 0) {
		engine6_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

void engine6_free(struct engine6 *e)
{
	if (e == NULL)
		return;
	free(e->links);
	free(e);
}

void engine6_bind_link(struct engine6 *e, size_t sidx, int ifindex)
{
	if (sidx < e->cfg->nsubnets)
		e->links[sidx] = ifindex;
}

const struct engine6_stats *engine6_get_stats(const struct engine6 *e)
{
	return &e->st;
}

void engine6_copy_stats(struct engine6 *dst, const struct engine6 *src)
{
	dst->st = src->st;
}

struct lease6_table *engine6_leases(const struct engine6 *e)
{
	return e->lt;
}

/* ---- reading the message ------------------------------------------------ */

static bool addr_unspecified_or_ll(const uint8_t a[16])
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0 || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

/*
 * The subnet: a relayed message's by the link-address of the relay next to
 * the client (§19.1.1: an address on the client's link); a direct one's by
 * the interface it arrived on.
 */
static const struct engine6_subnet *select_subnet(const struct engine6 *e, struct req6 *q)
{
	for (size_t i = 0; i < e->cfg->nsubnets; i++) {
		const struct engine6_subnet *s = &e->cfg->subnets[i];
		bool match;

		if (q->nrelays > 0) {
			const uint8_t *link = q->relays[q->nrelays - 1].link_addr;

			match = !addr_unspecified_or_ll(link) && subnet_has(s, link);
		} else {
			match = e->links[i] != 0 && e->links[i] == q->rx->ifindex;
		}
		if (match) {
			q->sidx = i;
			return s;
		}
	}
	return NULL;
}

/* A host label: letters, digits and hyphens (RFC 952, RFC 1123 §2.1). */
static bool host_label_ok(const uint8_t *p, size_t n)
{
	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
	}
	return true;
}

/* The client FQDN (RFC 4704 §4.1): its first label is the lease's host name. */
static void read_fqdn(struct req6 *q)
{
	struct np_dhcp6_opt o;
	struct np_dhcp6_fqdn f;

	q->hostname[0] = '\0';
	if (np_dhcp6_get(&q->msg, NP_DHCP6_OPT_CLIENT_FQDN, &o) < 0 ||
	    np_dhcp6_opt_fqdn(&o, &f) < 0 || f.name_len < 2)
		return;
	if (f.name[0] + 1u > f.name_len || !host_label_ok(f.name + 1, f.name[0]))
		return;
	memcpy(q->hostname, f.name + 1, f.name[0]);
	q->hostname[f.name[0]] = '\0';
}

/* Client and server identifiers, ORO, Rapid Commit, IAs. */
static int read_options(const struct engine6 *e, struct req6 *q)
{
	struct np_dhcp6_opt o;
	struct np_dhcp6_iter it;
	int rc;

	q->has_clientid = np_dhcp6_get(&q->msg, NP_DHCP6_OPT_CLIENTID, &q->clientid) == 0;
	if (q->has_clientid && np_dhcp6_opt_duid(&q->clientid, &q->duid) < 0)
		return NP_EFORMAT;
	q->has_serverid = np_dhcp6_get(&q->msg, NP_DHCP6_OPT_SERVERID, &o) == 0;
	q->serverid_ours = q->has_serverid && o.len == e->cfg->server_duid_len &&
			   memcmp(o.data, e->cfg->server_duid, o.len) == 0;
	q->noro = 0;
	if (np_dhcp6_get(&q->msg, NP_DHCP6_OPT_ORO, &o) == 0) {
		rc = np_dhcp6_opt_oro(&o, q->oro, ORO_MAX);
		if (rc < 0)
			return rc;
		q->noro = (size_t)rc;
	}
	q->rapid_commit = np_dhcp6_get(&q->msg, NP_DHCP6_OPT_RAPID_COMMIT, &o) == 0;
	q->has_ia = false;
	np_dhcp6_iter_init(&it, q->msg.options, q->msg.options_len);
	while ((rc = np_dhcp6_iter_next(&it, &o)) > 0)
		if (o.code == NP_DHCP6_OPT_IA_NA || o.code == NP_DHCP6_OPT_IA_TA ||
		    o.code == NP_DHCP6_OPT_IA_PD)
			q->has_ia = true;
	if (rc < 0)
		return rc;
	read_fqdn(q);
	return 0;
}

static const struct engine6_reservation *reservation_for(const struct req6 *q)
{
	const struct engine6_subnet *s = q->subnet;

	if (!q->has_clientid)
		return NULL;
	for (size_t i = 0; i < s->nresv; i++)
		if (s->resv[i].duid_len == q->clientid.len &&
		    memcmp(s->resv[i].duid, q->clientid.data, q->clientid.len) == 0)
			return &s->resv[i];
	return NULL;
}

/*
 * RFC 8415 §16: what each message type must and must not carry; a message
 * failing it is discarded.  Servers also discard a Solicit, Confirm,
 * Rebind or Information-request sent straight to a unicast address (§16).
 */
static bool valid_for_type(const struct req6 *q)
{
	bool direct_unicast = q->nrelays == 0 && !q->rx->multicast;

	switch (q->msg.msg_type) {
	case NP_DHCP6_SOLICIT:            /* §16.2 */
	case NP_DHCP6_CONFIRM:            /* §16.5 */
	case NP_DHCP6_REBIND:             /* §16.7 */
		return q->has_clientid && !q->has_serverid && !direct_unicast;
	case NP_DHCP6_REQUEST:            /* §16.4 */
	case NP_DHCP6_RENEW:              /* §16.6 */
	case NP_DHCP6_DECLINE:            /* §16.8 */
	case NP_DHCP6_RELEASE:            /* §16.9 */
		return q->has_clientid && q->has_serverid;
	case NP_DHCP6_INFORMATION_REQUEST: /* §16.12 */
		return !q->has_ia && !direct_unicast;
	default:
		return false;
	}
}

/* ---- writing the reply ------------------------------------------------- */

static uint32_t t1_of(const struct engine6_subnet *s)
{
	return s->t1 != 0 ? s->t1 : s->preferred / 2;
}

static uint32_t t2_of(const struct engine6_subnet *s)
{
	return s->t2 != 0 ? s->t2 : (uint32_t)((uint64_t)s->preferred * 4 / 5);
}

static void reply_begin(const struct engine6 *e, const struct req6 *q,
			struct np_dhcp6_builder *b, uint8_t type, struct engine6_out *out)
{
	np_dhcp6_builder_init(b, out->buf, sizeof(out->buf), type, q->msg.xid);
	np_dhcp6_add(b, NP_DHCP6_OPT_SERVERID, e->cfg->server_duid, e->cfg->server_duid_len);
	if (q->has_clientid)
		np_dhcp6_add(b, NP_DHCP6_OPT_CLIENTID, q->clientid.data, q->clientid.len);
	out->type = type;
}

/* The configured options the client's ORO asks for (§18.3, §21.7). */
static void add_config_opts(const struct req6 *q, struct np_dhcp6_builder *b)
{
	const struct engine6_subnet *s = q->subnet;

	for (size_t i = 0; s != NULL && i < s->nopts; i++)
		if (np_dhcp6_oro_has(q->oro, q->noro, s->opts[i].code))
			np_dhcp6_add(b, s->opts[i].code, s->opts[i].data, s->opts[i].len);
}

/*
 * Finish the message, wrap it in one RELAY-REPL per relay from the
 * innermost out (§19.3: Interface-Id echoed, §21.18), and say where it goes.
 */
static int reply_finish(struct engine6 *e, const struct req6 *q, struct np_dhcp6_builder *b,
			struct engine6_out *out)
{
	int len = np_dhcp6_builder_finish(b);

	for (int i = q->nrelays - 1; i >= 0 && len >= 0; i--)
		len = np_dhcp6_build_relay_repl(&q->relays[i], out->buf, (size_t)len, out->buf,
						sizeof(out->buf));
	if (len < 0) {
		out->nchanges = 0;
		out->wait_commit = false;
		e->st.pkt6_receive_drop++;
		return len;
	}
	out->len = (size_t)len;
	memcpy(out->dst, q->rx->src, 16);
	out->ifindex = q->rx->ifindex;
	if (q->nrelays > 0) {
		out->dest = ENGINE6_DEST_RELAY;
		out->dst_port = NP_DHCP6_SERVER_PORT;
	} else {
		out->dest = ENGINE6_DEST_CLIENT;
		out->dst_port = NP_DHCP6_CLIENT_PORT;
	}
	out->wait_commit = out->nchanges > 0;
	if (out->type == NP_DHCP6_ADVERTISE)
		e->st.pkt6_advertise_sent++;
	else
		e->st.pkt6_reply_sent++;
	return 0;
}

static void record(struct engine6_out *out, const struct lease6 *l, uint8_t dns)
{
	struct engine6_change *c;

	if (out->nchanges >= ENGINE6_MAX_CHANGES)
		return;
	c = &out->changes[out->nchanges++];
	lease6_get(l, &c->lease);
	c->dns = dns;
}

/* ---- the IAs ---------------------------------------------------------- */

static uint8_t kind_of(uint16_t code)
{
	return code == NP_DHCP6_OPT_IA_PD ? LEASE6_PD : LEASE6_NA;
}

static uint16_t item_code(uint8_t kind)
{
	return kind == LEASE6_PD ? NP_DHCP6_OPT_IAPREFIX : NP_DHCP6_OPT_IAADDR;
}

/* One IA Address or IA Prefix the client listed (its hint or what it holds). */
struct item6 {
	uint8_t addr[16];
	uint8_t plen;
};

/* The items of an IA, up to max; IA options are already validated (§21.4). */
static size_t ia_items(const struct np_dhcp6_ia *ia, struct item6 *v, size_t max)
{
	struct np_dhcp6_iter it;
	struct np_dhcp6_opt o;
	size_t n = 0;
	uint8_t kind = kind_of(ia->code);

	np_dhcp6_iter_init(&it, ia->options, ia->options_len);
	while (n < max && np_dhcp6_iter_next(&it, &o) > 0) {
		if (o.code != item_code(kind))
			continue;
		if (kind == LEASE6_NA) {
			struct np_dhcp6_iaaddr a;

			if (np_dhcp6_parse_iaaddr(&o, &a) < 0)
				continue;
			memcpy(v[n].addr, a.addr, 16);
			v[n++].plen = 128;
		} else {
			struct np_dhcp6_iaprefix p;

			if (np_dhcp6_parse_iaprefix(&o, &p) < 0)
				continue;
			memcpy(v[n].addr, p.prefix, 16);
			v[n++].plen = p.prefix_len;
		}
	}
	return n;
}

static void ia_key(const struct req6 *q, const struct np_dhcp6_ia *ia, struct lease6_ia *k)
{
	k->duid = q->clientid.data;
	k->duid_len = (uint8_t)q->clientid.len;
	k->iaid = ia->iaid;
	k->kind = kind_of(ia->code);
}

/* Whether addr/plen of kind belongs to this subnet: one of its pools, or reserved in it. */
static bool in_subnet_pools(const struct engine6 *e, const struct req6 *q, uint8_t kind,
			    const uint8_t addr[16], uint8_t plen)
{
	const struct engine6_reservation *r = q->resv;
	int pool = lease6_pool_of(e->lt, kind, addr, plen);

	if (pool >= 0 && lease6_pool_get(e->lt, pool)->tag == (int)q->sidx)
		return true;
	if (r == NULL)
		return false;
	if (kind == LEASE6_NA)
		return r->has_addr && memcmp(r->addr, addr, 16) == 0;
	return r->has_prefix && r->prefix_len == plen && memcmp(r->prefix, addr, 16) == 0;
}

/* Appropriate for the client's link (§18.3.2, §18.3.3): an address inside the subnet. */
static bool on_link(const struct req6 *q, uint8_t kind, const uint8_t addr[16], uint8_t plen)
{
	if (kind == LEASE6_NA)
		return subnet_has(q->subnet, addr);
	(void)plen;
	return true;
}

/* The lease of this binding the client may keep (bound or remembered), or NULL. */
static struct lease6 *binding_lease(const struct engine6 *e, const struct req6 *q,
				    const struct lease6_ia *k)
{
	struct lease6 *l = NULL, *best = NULL;

	while ((l = lease6_next_of(e->lt, k, l)) != NULL) {
		if (!in_subnet_pools(e, q, l->kind, l->addr, l->plen))
			continue;
		if (l->state == LEASE_BOUND)
			return l;
		if (lease6_state_reusable(l->state) && best == NULL)
			best = l;
	}
	return best;
}

/* Reserved, and not for this client. */
static bool reserved_for_other(const struct engine6 *e, const struct req6 *q, uint8_t kind,
			       const uint8_t addr[16])
{
	const struct engine6_reservation *r = q->resv;

	if (!lease6_is_reserved(e->lt, kind, addr))
		return false;
	if (r == NULL)
		return true;
	if (kind == LEASE6_NA)
		return !(r->has_addr && memcmp(r->addr, addr, 16) == 0);
	return !(r->has_prefix && memcmp(r->prefix, addr, 16) == 0);
}

static bool candidate_free_for(const struct engine6 *e, const struct lease6_ia *k,
			       const uint8_t addr[16])
{
	const struct lease6 *l = lease6_by_addr(e->lt, k->kind, addr);

	if (l != NULL && !lease6_is_of(l, k) && !lease6_state_reusable(l->state))
		return false;
	return !lease6_is_reserved(e->lt, k->kind, addr);
}

/*
 * The address or prefix for an IA: the client's reservation, what the
 * binding has or had, the client's hint when free, else a free one from
 * the subnet's pools.  0 with *addr, *plen and *reserved, or -ENOSPC.
 */
static int choose(struct engine6 *e, const struct req6 *q, const struct np_dhcp6_ia *ia,
		  const struct lease6_ia *k, uint8_t addr[16], uint8_t *plen, bool *reserved)
{
	const struct engine6_reservation *r = q->resv;
	struct item6 hints[NP_DHCP6_MAX_IA_ADDRS];
	struct lease6 *l;
	size_t n;

	*reserved = false;
	if (r != NULL && k->kind == LEASE6_NA && r->has_addr && subnet_has(q->subnet, r->addr)) {
		memcpy(addr, r->addr, 16);
		*plen = 128;
		*reserved = true;
		return 0;
	}
	if (r != NULL && k->kind == LEASE6_PD && r->has_prefix) {
		memcpy(addr, r->prefix, 16);
		*plen = r->prefix_len;
		*reserved = true;
		return 0;
	}
	l = binding_lease(e, q, k);
	if (l != NULL && !reserved_for_other(e, q, k->kind, l->addr)) {
		memcpy(addr, l->addr, 16);
		*plen = l->plen;
		return 0;
	}
	n = ia_items(ia, hints, NP_DHCP6_MAX_IA_ADDRS);
	for (size_t i = 0; i < n; i++) {
		int pool = lease6_pool_of(e->lt, k->kind, hints[i].addr, hints[i].plen);

		if (pool >= 0 && lease6_pool_get(e->lt, pool)->tag == (int)q->sidx &&
		    candidate_free_for(e, k, hints[i].addr)) {
			memcpy(addr, hints[i].addr, 16);
			*plen = hints[i].plen;
			return 0;
		}
	}
	for (size_t p = 0; p < lease6_pool_count(e->lt); p++) {
		const struct lease6_pool *pool = lease6_pool_get(e->lt, (int)p);

		if (pool->tag != (int)q->sidx || pool->kind != k->kind)
			continue;
		if (lease6_find_free(e->lt, (int)p, ENGINE6_FIND_STEPS, addr) == 0) {
			*plen = pool->kind == LEASE6_PD ? pool->delegated_len : 128;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Bind what choose() picked: BOUND with fresh lifetimes, recorded. */
static int bind(struct engine6 *e, const struct req6 *q, const struct lease6_ia *k,
		const uint8_t addr[16], uint8_t plen, bool reserved, struct engine6_out *out)
{
	const struct engine6_subnet *s = q->subnet;
	const char *host = q->resv != NULL && q->resv->hostname != NULL ? q->resv->hostname
									  : q->hostname;
	struct lease6 *l;
	int rc;

	rc = lease6_claim(e->lt, k, addr, plen, reserved, q->now, q->now + s->preferred,
			  q->now + s->valid, &l);
	if (rc < 0)
		return rc;
	if (k->kind == LEASE6_NA)
		lease6_set_hostname(e->lt, l, host);
	record(out, l, l->hostname != NULL ? DDNS_ADD : 0);
	return 0;
}

static void add_item(struct np_dhcp6_builder *b, uint8_t kind, const uint8_t addr[16],
		     uint8_t plen, uint32_t preferred, uint32_t valid)
{
	if (kind == LEASE6_NA)
		np_dhcp6_begin_iaaddr(b, addr, preferred, valid);
	else
		np_dhcp6_begin_iaprefix(b, preferred, valid, plen, addr);
	np_dhcp6_end(b);
}

/* An IA with a status only (§21.13 inside the IA), T1 = T2 = 0. */
static void add_ia_status(struct np_dhcp6_builder *b, const struct np_dhcp6_ia *ia,
			  uint16_t status, const char *text)
{
	np_dhcp6_begin_ia(b, ia->code, ia->iaid, 0, 0);
	np_dhcp6_add_status(b, status, text);
	np_dhcp6_end(b);
}

static void add_ia_lease(struct np_dhcp6_builder *b, const struct req6 *q,
			 const struct np_dhcp6_ia *ia, const uint8_t addr[16], uint8_t plen)
{
	const struct engine6_subnet *s = q->subnet;

	np_dhcp6_begin_ia(b, ia->code, ia->iaid, t1_of(s), t2_of(s));
	add_item(b, kind_of(ia->code), addr, plen, s->preferred, s->valid);
	np_dhcp6_end(b);
}

static uint16_t no_avail(uint8_t kind)
{
	return kind == LEASE6_PD ? NP_DHCP6_STATUS_NO_PREFIX_AVAIL : NP_DHCP6_STATUS_NO_ADDRS_AVAIL;
}

static const char *no_avail_text(uint8_t kind)
{
	return kind == LEASE6_PD ? "no prefixes available" : "no addresses available";
}

/* Run the statements after ia for every IA option of the message, in order. */
#define FOR_EACH_IA(q, ia, ...)                                                        \
	do {                                                                            \
		struct np_dhcp6_iter it_;                                               \
		struct np_dhcp6_opt o_;                                                 \
		np_dhcp6_iter_init(&it_, (q)->msg.options, (q)->msg.options_len);       \
		while (np_dhcp6_iter_next(&it_, &o_) > 0) {                             \
			struct np_dhcp6_ia ia;                                          \
			if ((o_.code != NP_DHCP6_OPT_IA_NA && o_.code != NP_DHCP6_OPT_IA_TA && \
			     o_.code != NP_DHCP6_OPT_IA_PD) ||                          \
			    np_dhcp6_parse_ia(&o_, &ia) < 0)                            \
				continue;                                               \
			__VA_ARGS__                                                     \
		}                                                                       \
	} while (0)

/* ---- handlers ---------------------------------------------------------- */

/*
 * An IA of a Request (or of a Solicit under Rapid Commit): bind an address
 * or prefix, or return the IA with NoAddrsAvail / NoPrefixAvail (§18.3.2).
 * Temporary addresses (IA_TA) are not served: NoAddrsAvail.
 */
static bool assign_ia(struct engine6 *e, const struct req6 *q, const struct np_dhcp6_ia *ia,
		      struct np_dhcp6_builder *b, struct engine6_out *out)
{
	struct lease6_ia k;
	uint8_t addr[16], plen;
	bool reserved;

	ia_key(q, ia, &k);
	if (ia->code != NP_DHCP6_OPT_IA_TA && out->nchanges < ENGINE6_MAX_CHANGES) {
		for (int tries = 0; tries < 4; tries++) {
			if (choose(e, q, ia, &k, addr, &plen, &reserved) < 0)
				break;
			if (bind(e, q, &k, addr, plen, reserved, out) == 0) {
				add_ia_lease(b, q, ia, addr, plen);
				return true;
			}
		}
	}
	e->st.v6_allocation_fail++;
	out->alloc_fail = 1 + (int)q->sidx;
	add_ia_status(b, ia, no_avail(k.kind), no_avail_text(k.kind));
	return false;
}

/*
 * §18.3.2: an IA holding an address not appropriate for the link comes
 * back with NotOnLink (the client then solicits again).
 */
static bool ia_not_on_link(const struct req6 *q, const struct np_dhcp6_ia *ia)
{
	struct item6 v[NP_DHCP6_MAX_IA_ADDRS];
	size_t n = ia_items(ia, v, NP_DHCP6_MAX_IA_ADDRS);

	for (size_t i = 0; i < n; i++)
		if (!on_link(q, kind_of(ia->code), v[i].addr, v[i].plen))
			return true;
	return false;
}

/* §18.3.2 Request; also the Reply to a Solicit with Rapid Commit (§18.3.1). */
static int handle_request(struct engine6 *e, struct req6 *q, struct engine6_out *out,
			  bool rapid)
{
	struct np_dhcp6_builder b;

	reply_begin(e, q, &b, NP_DHCP6_REPLY, out);
	if (rapid)
		np_dhcp6_add(&b, NP_DHCP6_OPT_RAPID_COMMIT, NULL, 0);
	FOR_EACH_IA(q, ia, {
		if (!rapid && ia.code == NP_DHCP6_OPT_IA_NA && ia_not_on_link(q, &ia))
			add_ia_status(&b, &ia, NP_DHCP6_STATUS_NOT_ON_LINK,
				      "address not on link");
		else
			assign_ia(e, q, &ia, &b, out);
	});
	add_config_opts(q, &b);
	return reply_finish(e, q, &b, out);
}

/*
 * §18.3.1 Solicit: with Rapid Commit (and the subnet allowing it), bind at
 * once and Reply.  Otherwise an Advertise of what a Request would get,
 * binding nothing; an IA that would get nothing carries NoAddrsAvail (or
 * NoPrefixAvail) in it (§18.3.9), and when no IA would get anything the
 * Advertise holds only a NoAddrsAvail status beside the identifiers
 * (§18.3.9).
 */
static int handle_solicit(struct engine6 *e, struct req6 *q, struct engine6_out *out)
{
	struct np_dhcp6_builder b;
	struct {
		struct np_dhcp6_ia ia;
		bool ok;
		uint8_t addr[16], plen;
	} plan[NP_DHCP6_MAX_IAS];
	size_t n = 0, got = 0;

	if (q->rapid_commit && q->subnet->rapid_commit)
		return handle_request(e, q, out, true);
	FOR_EACH_IA(q, ia, {
		if (n < NP_DHCP6_MAX_IAS) {
			struct lease6_ia k;
			bool reserved;

			ia_key(q, &ia, &k);
			plan[n].ia = ia;
			plan[n].ok = ia.code != NP_DHCP6_OPT_IA_TA &&
				     choose(e, q, &ia, &k, plan[n].addr, &plan[n].plen,
					    &reserved) == 0;
			got += plan[n].ok;
			if (!plan[n].ok) {
				e->st.v6_allocation_fail++;
				out->alloc_fail = 1 + (int)q->sidx;
			}
			n++;
		}
	});
	reply_begin(e, q, &b, NP_DHCP6_ADVERTISE, out);
	if (n > 0 && got == 0) {
		np_dhcp6_add_status(&b, NP_DHCP6_STATUS_NO_ADDRS_AVAIL, "no addresses available");
		return reply_finish(e, q, &b, out);
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t kind = kind_of(plan[i].ia.code);

		if (plan[i].ok)
			add_ia_lease(&b, q, &plan[i].ia, plan[i].addr, plan[i].plen);
		else
			add_ia_status(&b, &plan[i].ia, no_avail(kind), no_avail_text(kind));
	}
	add_config_opts(q, &b);
	return reply_finish(e, q, &b, out);
}

/*
 * Renew (§18.3.4) and Rebind (§18.3.5) of one IA.  A binding found has its
 * lease extended; addresses the client lists that are not its binding's
 * come back with lifetimes 0.  No binding: Renew says NoBinding; Rebind
 * returns addresses not appropriate for the link with lifetimes 0 (so the
 * client stops using them) and NoBinding otherwise.
 */
static void extend_ia(struct engine6 *e, const struct req6 *q, const struct np_dhcp6_ia *ia,
		      struct np_dhcp6_builder *b, struct engine6_out *out, bool rebind)
{
	const struct engine6_subnet *s = q->subnet;
	struct item6 v[NP_DHCP6_MAX_IA_ADDRS];
	size_t n = ia_items(ia, v, NP_DHCP6_MAX_IA_ADDRS);
	uint8_t kind = kind_of(ia->code);
	struct lease6_ia k;
	struct lease6 *l;

	ia_key(q, ia, &k);
	l = ia->code == NP_DHCP6_OPT_IA_TA ? NULL : binding_lease(e, q, &k);
	if (l != NULL && (l->state == LEASE_BOUND || !reserved_for_other(e, q, kind, l->addr)) &&
	    out->nchanges < ENGINE6_MAX_CHANGES) {
		l->start = q->now;
		lease6_set_state(e->lt, l, LEASE_BOUND, q->now + s->preferred, q->now + s->valid);
		if (kind == LEASE6_NA)
			lease6_set_hostname(e->lt, l,
					    q->resv != NULL && q->resv->hostname != NULL
						    ? q->resv->hostname : q->hostname);
		record(out, l, l->hostname != NULL ? DDNS_ADD : 0);
		np_dhcp6_begin_ia(b, ia->code, ia->iaid, t1_of(s), t2_of(s));
		add_item(b, kind, l->addr, l->plen, s->preferred, s->valid);
		for (size_t i = 0; i < n; i++)
			if (memcmp(v[i].addr, l->addr, 16) != 0 || v[i].plen != l->plen)
				add_item(b, kind, v[i].addr, v[i].plen, 0, 0);
		np_dhcp6_end(b);
		return;
	}
	if (rebind && n > 0) {
		bool all_off = true;

		for (size_t i = 0; i < n; i++)
			all_off = all_off && !in_subnet_pools(e, q, kind, v[i].addr, v[i].plen);
		if (all_off) {
			np_dhcp6_begin_ia(b, ia->code, ia->iaid, 0, 0);
			for (size_t i = 0; i < n; i++)
				add_item(b, kind, v[i].addr, v[i].plen, 0, 0);
			np_dhcp6_end(b);
			return;
		}
	}
	add_ia_status(b, ia, NP_DHCP6_STATUS_NO_BINDING, "no binding");
}

static int handle_renew(struct engine6 *e, struct req6 *q, struct engine6_out *out, bool rebind)
{
	struct np_dhcp6_builder b;

	reply_begin(e, q, &b, NP_DHCP6_REPLY, out);
	FOR_EACH_IA(q, ia, { extend_ia(e, q, &ia, &b, out, rebind); });
	add_config_opts(q, &b);
	return reply_finish(e, q, &b, out);
}

/*
 * Release (§18.3.7) and Decline (§18.3.8): each address or prefix the
 * client lists that its binding holds is released (kept for the client a
 * while) or declined (probation, no client; addresses only); an IA of
 * which none was held comes back with NoBinding.  The Reply carries
 * Success.
 */
static int handle_release(struct engine6 *e, struct req6 *q, struct engine6_out *out,
			  bool decline)
{
	struct np_dhcp6_builder b;

	reply_begin(e, q, &b, NP_DHCP6_REPLY, out);
	np_dhcp6_add_status(&b, NP_DHCP6_STATUS_SUCCESS, decline ? "declined" : "released");
	FOR_EACH_IA(q, ia, {
		struct item6 v[NP_DHCP6_MAX_IA_ADDRS];
		size_t n = ia_items(&ia, v, NP_DHCP6_MAX_IA_ADDRS), held = 0;
		struct lease6_ia k;

		ia_key(q, &ia, &k);
		for (size_t i = 0; i < n && ia.code != NP_DHCP6_OPT_IA_TA; i++) {
			struct lease6 *l = lease6_by_addr(e->lt, k.kind, v[i].addr);

			if (l == NULL || !lease6_is_of(l, &k) || l->state != LEASE_BOUND ||
			    (decline && k.kind != LEASE6_NA) ||
			    out->nchanges >= ENGINE6_MAX_CHANGES)
				continue;
			held++;
			if (decline) {
				uint8_t dns = l->hostname != NULL ? DDNS_DELETE : 0;

				lease6_decline(e->lt, l, q->now,
					       q->now + e->cfg->decline_probation);
				record(out, l, dns);
			} else {
				lease6_set_state(e->lt, l, LEASE_RELEASED, q->now,
						 q->now + e->cfg->remember);
				record(out, l, l->hostname != NULL ? DDNS_DELETE : 0);
			}
		}
		if (held == 0)
			add_ia_status(&b, &ia, NP_DHCP6_STATUS_NO_BINDING, "no binding");
	});
	return reply_finish(e, q, &b, out);
}

/*
 * §18.3.3 Confirm: Success when every address of the client's IAs is
 * appropriate for its link, NotOnLink otherwise; no addresses at all: no
 * reply.
 */
static int handle_confirm(struct engine6 *e, struct req6 *q, struct engine6_out *out)
{
	struct np_dhcp6_builder b;
	size_t count = 0;
	bool all_on = true;

	FOR_EACH_IA(q, ia, {
		struct item6 v[NP_DHCP6_MAX_IA_ADDRS];
		size_t n = ia.code == NP_DHCP6_OPT_IA_PD ? 0 : ia_items(&ia, v, NP_DHCP6_MAX_IA_ADDRS);

		for (size_t i = 0; i < n; i++)
			all_on = all_on && on_link(q, LEASE6_NA, v[i].addr, 128);
		count += n;
	});
	if (count == 0)
		return 0;
	reply_begin(e, q, &b, NP_DHCP6_REPLY, out);
	if (all_on)
		np_dhcp6_add_status(&b, NP_DHCP6_STATUS_SUCCESS, "all addresses on link");
	else
		np_dhcp6_add_status(&b, NP_DHCP6_STATUS_NOT_ON_LINK, "not on link");
	return reply_finish(e, q, &b, out);
}

/* §18.3.6 Information-request: the options asked for, and the refresh time (§21.23). */
static int handle_inforeq(struct engine6 *e, struct req6 *q, struct engine6_out *out)
{
	struct np_dhcp6_builder b;

	reply_begin(e, q, &b, NP_DHCP6_REPLY, out);
	add_config_opts(q, &b);
	if (e->cfg->info_refresh != 0)
		np_dhcp6_add_u32(&b, NP_DHCP6_OPT_INFORMATION_REFRESH_TIME, e->cfg->info_refresh);
	return reply_finish(e, q, &b, out);
}

/*
 * A Request, Renew, Release or Decline a client sent straight to our
 * unicast address without our Server Unicast option (never sent) is
 * answered with UseMulticast and nothing else (§18.3.2, §18.3.4, §18.3.7,
 * §18.3.8).
 */
static int use_multicast(struct engine6 *e, struct req6 *q, struct engine6_out *out)
{
	struct np_dhcp6_builder b;

	reply_begin(e, q, &b, NP_DHCP6_REPLY, out);
	np_dhcp6_add_status(&b, NP_DHCP6_STATUS_USE_MULTICAST, "use multicast");
	return reply_finish(e, q, &b, out);
}

/* ---- entry ------------------------------------------------------------ */

static void count_type(struct engine6 *e, uint8_t type)
{
	switch (type) {
	case NP_DHCP6_SOLICIT: e->st.pkt6_solicit_received++; break;
	case NP_DHCP6_REQUEST: e->st.pkt6_request_received++; break;
	case NP_DHCP6_RENEW: e->st.pkt6_renew_received++; break;
	case NP_DHCP6_REBIND: e->st.pkt6_rebind_received++; break;
	case NP_DHCP6_RELEASE: e->st.pkt6_release_received++; break;
	case NP_DHCP6_DECLINE: e->st.pkt6_decline_received++; break;
	case NP_DHCP6_CONFIRM: e->st.pkt6_confirm_received++; break;
	case NP_DHCP6_INFORMATION_REQUEST: e->st.pkt6_infrequest_received++; break;
	default: e->st.pkt6_unknown_received++; break;
	}
}

/* Unwrap and check the relays (all RELAY-FORW, §19.3) and every option area. */
static int parse(struct engine6 *e, const uint8_t *pkt, size_t len, struct req6 *q)
{
	int rc = np_dhcp6_unwrap(pkt, len, q->relays, NP_DHCP6_MAX_RELAY_DEPTH, &q->msg);

	if (rc < 0)
		return rc;
	q->nrelays = rc;
	if (rc > 0)
		e->st.pkt6_relay_forw_received++;
	for (int i = 0; i < q->nrelays; i++) {
		if (q->relays[i].msg_type != NP_DHCP6_RELAY_FORW)
			return NP_ETYPE;
		rc = np_dhcp6_opts_validate(q->relays[i].options, q->relays[i].options_len);
		if (rc < 0)
			return rc;
	}
	rc = np_dhcp6_opts_validate(q->msg.options, q->msg.options_len);
	if (rc < 0)
		return rc;
	return read_options(e, q);
}

static int dispatch(struct engine6 *e, struct req6 *q, struct engine6_out *out)
{
	bool direct_unicast = q->nrelays == 0 && !q->rx->multicast;

	switch (q->msg.msg_type) {
	case NP_DHCP6_SOLICIT:
		return handle_solicit(e, q, out);
	case NP_DHCP6_REQUEST:
	case NP_DHCP6_RENEW:
	case NP_DHCP6_RELEASE:
	case NP_DHCP6_DECLINE:
		if (direct_unicast)
			return use_multicast(e, q, out);
		if (q->msg.msg_type == NP_DHCP6_REQUEST)
			return handle_request(e, q, out, false);
		if (q->msg.msg_type == NP_DHCP6_RENEW)
			return handle_renew(e, q, out, false);
		return handle_release(e, q, out, q->msg.msg_type == NP_DHCP6_DECLINE);
	case NP_DHCP6_REBIND:
		return handle_renew(e, q, out, true);
	case NP_DHCP6_CONFIRM:
		return handle_confirm(e, q, out);
	case NP_DHCP6_INFORMATION_REQUEST:
		return handle_inforeq(e, q, out);
	default:
		return 0;
	}
}

static void out_reset(struct engine6_out *out)
{
	out->dest = ENGINE6_DEST_NONE;
	out->dst_port = 0;
	out->ifindex = 0;
	out->type = 0;
	out->wait_commit = false;
	out->alloc_fail = 0;
	out->nchanges = 0;
	out->len = 0;
}

int engine6_handle(struct engine6 *e, const uint8_t *pkt, size_t len,
		   const struct engine6_rx *rx, int64_t now, struct engine6_out *out)
{
	struct req6 q;
	int rc;

	out_reset(out);
	memset(&q, 0, sizeof(q));
	q.rx = rx;
	q.now = now;
	e->st.pkt6_received++;
	rc = parse(e, pkt, len, &q);
	if (rc < 0) {
		e->st.pkt6_parse_failed++;
		e->st.pkt6_receive_drop++;
		return rc;
	}
	count_type(e, q.msg.msg_type);
	if (!valid_for_type(&q)) {
		e->st.pkt6_invalid++;
		e->st.pkt6_receive_drop++;
		return 0;
	}
	/* §16.4, 16.6, 16.8, 16.9, 16.12: a Server Identifier must be ours. */
	if (q.has_serverid && !q.serverid_ours) {
		e->st.pkt6_not_for_us++;
		e->st.pkt6_receive_drop++;
		return 0;
	}
	q.subnet = select_subnet(e, &q);
	if (q.subnet == NULL) {
		e->st.pkt6_no_subnet++;
		e->st.pkt6_receive_drop++;
		return 0;
	}
	q.resv = reservation_for(&q);
	return dispatch(e, &q, out);
}

/* ---- expiry ------------------------------------------------------------ */

size_t engine6_expire(struct engine6 *e, int64_t now, size_t max, engine6_change_fn fn, void *arg)
{
	size_t done = 0;
	struct lease6 *l;

	while ((max == 0 || done < max) && (l = lease6_earliest(e->lt)) != NULL &&
	       l->expire <= now) {
		struct engine6_change c;

		memset(&c, 0, sizeof(c));
		if (l->state == LEASE_BOUND) {
			lease6_set_state(e->lt, l, LEASE_EXPIRED, now, now + e->cfg->remember);
			lease6_get(l, &c.lease);
			c.dns = l->hostname != NULL ? DDNS_DELETE : 0;
			e->st.reclaimed_leases++;
		} else {
			if (l->state == LEASE_DECLINED)
				e->st.reclaimed_declined++;
			lease6_get(l, &c.lease);
			c.lease.state = LEASE_FREE;
			lease6_remove(e->lt, l);
		}
		if (fn != NULL)
			fn(arg, &c);
		done++;
	}
	return done;
}
