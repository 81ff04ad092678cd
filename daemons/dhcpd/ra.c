/*
 * ra.c: router advertisements as a function (see ra.h).
 */
#include "config.h"

#include <string.h>

#include <netproto/buf.h>
#include <netproto/error.h>
#include <netproto/icmp6.h>
#include <netproto/ipv6.h>

#include "ra.h"

static const uint8_t all_nodes[NP_IPV6_ADDR_LEN] = { 0xff, 0x02, [15] = 0x01 };

/*
 * §6.2.4: a uniformly distributed interval between MinRtrAdvInterval and
 * MaxRtrAdvInterval; while the initial advertisements last, no longer than
 * MAX_INITIAL_RTR_ADVERT_INTERVAL.
 */
static int64_t next_interval(const struct ra_iface *ri, uint32_t rnd)
{
	const struct ra_config *c = ri->conf;
	uint32_t span = c->max_interval_ms - c->min_interval_ms;
	int64_t ms = (int64_t)c->min_interval_ms + (span ? rnd % (span + 1u) : 0);

	if (ri->initial_left > 0 && ms > RA_MAX_INITIAL_RTR_ADVERT_INTERVAL_MS)
		ms = RA_MAX_INITIAL_RTR_ADVERT_INTERVAL_MS;
	return ms;
}

static void restart_burst(struct ra_iface *ri, int64_t now_ms)
{
	ri->initial_left = RA_MAX_INITIAL_RTR_ADVERTISEMENTS;
	ri->next_ms = now_ms;
}

void ra_iface_init(struct ra_iface *ri, const struct ra_config *c, int64_t now_ms)
{
	memset(ri, 0, sizeof(*ri));
	ri->conf = c;
	ri->solicited_ms = INT64_MAX;
	ri->last_multicast_ms = INT64_MIN;
	restart_burst(ri, now_ms);
}

void ra_iface_reconfigure(struct ra_iface *ri, const struct ra_config *c, int64_t now_ms)
{
	ri->conf = c;
	if (!c->auto_prefixes)
		ri->nlearned = 0;
	restart_burst(ri, now_ms);   /* §6.2.4: the advertised values changed */
}

static bool prefix_equal(const struct ra_prefix *a, const struct ra_prefix *b)
{
	return a->len == b->len && memcmp(a->prefix, b->prefix, sizeof(a->prefix)) == 0 &&
	       a->on_link == b->on_link && a->autonomous == b->autonomous &&
	       a->valid_lifetime == b->valid_lifetime &&
	       a->preferred_lifetime == b->preferred_lifetime;
}

static bool same_prefix(const struct ra_prefix *a, const uint8_t *p, uint8_t len)
{
	return a->len == len && memcmp(a->prefix, p, NP_IPV6_ADDR_LEN) == 0;
}

static void mask(uint8_t out[NP_IPV6_ADDR_LEN], const uint8_t *addr, uint8_t len)
{
	for (unsigned i = 0; i < NP_IPV6_ADDR_LEN; i++) {
		unsigned bits = len > i * 8 ? len - i * 8 : 0;

		out[i] = bits >= 8 ? addr[i] : (uint8_t)(addr[i] & (0xff00u >> bits));
	}
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Whether p is already advertised (configured, or learned before it). */
static bool known_prefix(const struct ra_config *c, const struct ra_prefix *learned, size_t n,
			 const uint8_t *p, uint8_t len)
{
	for (size_t i = 0; i < c->nprefixes; i++)
		if (same_prefix(&c->prefixes[i], p, len))
			return true;
	for (size_t i = 0; i < n; i++)
		if (same_prefix(&learned[i], p, len))
			return true;
	return false;
}

/*
 * A global address's prefix, advertised as auto_prefix says but never
 * valid or preferred longer than the address itself (a delegated prefix
 * whose lease runs out must not outlive it on the LAN).  SLAAC needs a
 * 64-bit interface identifier (RFC 4862 §5.5.3, RFC 4291 §2.5.1): only a
 * /64 is autonomous; a prefix longer than 64 is left out.
 */
static bool learn_one(const struct ra_config *c, const struct ra_ifaddr *a, struct ra_prefix *out)
{
	const struct ra_prefix *t = &c->auto_prefix;

	if (a->len == 0 || a->len > 64 || np_ipv6_addr_is_link_local(a->addr) ||
	    np_ipv6_addr_is_multicast(a->addr))
		return false;
	memset(out, 0, sizeof(*out));
	mask(out->prefix, a->addr, a->len);
	out->len = a->len;
	out->on_link = t->on_link;
	out->autonomous = t->autonomous && a->len == 64;
	out->valid_lifetime = min_u32(t->valid_lifetime, a->valid_lifetime);
	out->preferred_lifetime = min_u32(min_u32(t->preferred_lifetime, a->preferred_lifetime),
					  out->valid_lifetime);
	return true;
}

bool ra_set_addresses(struct ra_iface *ri, const struct ra_ifaddr *addrs, size_t n,
		      int64_t now_ms)
{
	struct ra_prefix learned[RA_MAX_PREFIXES];
	size_t k = 0, room = RA_MAX_PREFIXES - ri->conf->nprefixes;
	bool changed;

	if (!ri->conf->auto_prefixes)
		return false;
	for (size_t i = 0; i < n && k < room; i++) {
		struct ra_prefix p;

		if (learn_one(ri->conf, &addrs[i], &p) &&
		    !known_prefix(ri->conf, learned, k, p.prefix, p.len))
			learned[k++] = p;
	}
	changed = k != ri->nlearned;
	for (size_t i = 0; i < k && !changed; i++)
		changed = !prefix_equal(&learned[i], &ri->learned[i]);
	if (!changed)
		return false;
	memcpy(ri->learned, learned, k * sizeof(learned[0]));
	ri->nlearned = k;
	if (!ri->stopped)
		restart_burst(ri, now_ms);
	return true;
}

static int64_t min_i64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int64_t ra_next_due(const struct ra_iface *ri)
{
	int64_t due;

	if (ri->stopped)
		return INT64_MAX;
	due = min_i64(ri->next_ms, ri->solicited_ms);
	for (size_t i = 0; i < ri->nunicast; i++)
		due = min_i64(due, ri->unicast[i].due_ms);
	return due;
}

/* A multicast RA goes out now: the unsolicited timer restarts (§6.2.4, §6.2.6). */
static void sent_multicast(struct ra_iface *ri, int64_t now_ms, uint32_t rnd)
{
	ri->last_multicast_ms = now_ms;
	ri->solicited_ms = INT64_MAX;
	if (ri->initial_left > 0)
		ri->initial_left--;
	ri->next_ms = now_ms + next_interval(ri, rnd);
	ri->stats.ra_sent++;
}

int ra_poll(struct ra_iface *ri, int64_t now_ms, uint32_t rnd, struct ra_send *out)
{
	if (ri->stopped)
		return 0;
	for (size_t i = 0; i < ri->nunicast; i++) {
		if (ri->unicast[i].due_ms > now_ms)
			continue;
		memcpy(out->dst, ri->unicast[i].dst, NP_IPV6_ADDR_LEN);
		out->solicited = true;
		ri->unicast[i] = ri->unicast[--ri->nunicast];
		ri->stats.ra_sent++;
		ri->stats.ra_solicited++;
		return 1;
	}
	if (ri->next_ms > now_ms && ri->solicited_ms > now_ms)
		return 0;
	memcpy(out->dst, all_nodes, NP_IPV6_ADDR_LEN);
	out->solicited = ri->next_ms > now_ms;
	if (out->solicited)
		ri->stats.ra_solicited++;
	sent_multicast(ri, now_ms, rnd);
	return 1;
}

/* The RFC 4861 §6.1.1 checks, each with its own counter. */
static enum ra_rs_drop check_rs(const void *msg, size_t len, const uint8_t *src,
				const uint8_t *dst, uint8_t hop_limit)
{
	struct np_icmp6 m;
	struct np_ndp nd;
	struct np_ipv6 ip;
	int err;

	if (hop_limit != NP_NDP_HOP_LIMIT)
		return RA_RS_BAD_HOP_LIMIT;
	err = np_icmp6_parse(msg, len, src, dst, &m);
	if (err == NP_ECSUM)
		return RA_RS_BAD_CHECKSUM;
	if (err < 0)
		return RA_RS_TRUNCATED;
	if (m.type != NP_ICMP6_ND_ROUTER_SOLICIT)
		return RA_RS_BAD_CODE;
	err = np_ndp_parse(&m, &nd);
	if (err == NP_EOPT)
		return RA_RS_BAD_OPTION;
	if (err == NP_ETRUNC)
		return RA_RS_TRUNCATED;
	if (err < 0)
		return RA_RS_BAD_CODE;
	memset(&ip, 0, sizeof(ip));
	ip.hop_limit = hop_limit;
	memcpy(ip.src, src, NP_IPV6_ADDR_LEN);
	memcpy(ip.dst, dst, NP_IPV6_ADDR_LEN);
	if (np_ndp_check_ip(&ip, &nd) < 0)
		return RA_RS_BAD_SOURCE;
	return RA_RS_OK;
}

/* §6.2.6: a unicast answer when allowed and there is room, else multicast. */
static bool schedule_unicast(struct ra_iface *ri, const uint8_t *src, int64_t due_ms)
{
	if (!ri->conf->solicited_unicast || np_ipv6_addr_is_unspecified(src))
		return false;
	for (size_t i = 0; i < ri->nunicast; i++)
		if (memcmp(ri->unicast[i].dst, src, NP_IPV6_ADDR_LEN) == 0)
			return true;        /* one answer is on its way already */
	if (ri->nunicast == RA_MAX_UNICAST)
		return false;
	memcpy(ri->unicast[ri->nunicast].dst, src, NP_IPV6_ADDR_LEN);
	ri->unicast[ri->nunicast++].due_ms = due_ms;
	return true;
}

enum ra_rs_drop ra_handle_rs(struct ra_iface *ri, const void *msg, size_t len,
			     const uint8_t src[NP_IPV6_ADDR_LEN],
			     const uint8_t dst[NP_IPV6_ADDR_LEN], uint8_t hop_limit,
			     int64_t now_ms, uint32_t rnd)
{
	enum ra_rs_drop why = check_rs(msg, len, src, dst, hop_limit);
	int64_t delay = rnd % RA_MAX_RA_DELAY_TIME_MS, due;

	ri->stats.rs_received++;
	if (why != RA_RS_OK) {
		ri->stats.rs_invalid[why]++;
		return why;
	}
	if (ri->stopped || schedule_unicast(ri, src, now_ms + delay))
		return RA_RS_OK;
	/*
	 * Multicast: no sooner than MIN_DELAY_BETWEEN_RAS after the last one,
	 * and not at all when the unsolicited one comes first anyway.
	 */
	due = now_ms + delay;
	if (ri->last_multicast_ms != INT64_MIN &&
	    due < ri->last_multicast_ms + RA_MIN_DELAY_BETWEEN_RAS_MS)
		due = ri->last_multicast_ms + RA_MIN_DELAY_BETWEEN_RAS_MS + delay;
	if (due < ri->next_ms && due < ri->solicited_ms)
		ri->solicited_ms = due;
	return RA_RS_OK;
}

static uint8_t ra_flags(const struct ra_config *c)
{
	return (uint8_t)((c->managed ? NP_NDP_RA_MANAGED : 0) | (c->other ? NP_NDP_RA_OTHER : 0) |
			 ((unsigned)c->preference << 3));
}

static void write_prefix(struct np_writer *w, const struct ra_prefix *p)
{
	struct np_ndp_prefix o;

	memset(&o, 0, sizeof(o));
	o.prefix_len = p->len;
	o.flags = (uint8_t)((p->on_link ? NP_NDP_PREFIX_ONLINK : 0) |
			    (p->autonomous ? NP_NDP_PREFIX_AUTO : 0));
	o.valid_lifetime = p->valid_lifetime;
	o.preferred_lifetime = p->preferred_lifetime;
	memcpy(o.prefix, p->prefix, NP_IPV6_ADDR_LEN);
	np_ndp_opt_write_prefix(w, &o);
}

/* Options in radvd's order: prefixes, RDNSS, DNSSL, MTU, source link-layer address. */
static int write_options(const struct ra_iface *ri, const uint8_t *mac, uint8_t *buf, size_t cap)
{
	const struct ra_config *c = ri->conf;
	struct np_writer w;

	np_writer_init(&w, buf, cap);
	for (size_t i = 0; i < c->nprefixes; i++)
		write_prefix(&w, &c->prefixes[i]);
	for (size_t i = 0; i < ri->nlearned; i++)
		write_prefix(&w, &ri->learned[i]);
	if (c->nrdnss > 0)
		np_ndp_opt_write_rdnss(&w, c->dns_lifetime, &c->rdnss[0][0], c->nrdnss);
	if (c->dnssl_len > 0)
		np_ndp_opt_write_dnssl(&w, c->dns_lifetime, c->dnssl, c->dnssl_len);
	if (c->mtu != 0)
		np_ndp_opt_write_mtu(&w, c->mtu);
	if (mac != NULL)
		np_ndp_opt_write_lla(&w, NP_NDP_OPT_SLLA, mac, 6);
	return np_writer_result(&w);
}

int ra_build(const struct ra_iface *ri, bool final, const uint8_t src[NP_IPV6_ADDR_LEN],
	     const uint8_t dst[NP_IPV6_ADDR_LEN], const uint8_t *mac, uint8_t *buf, size_t cap)
{
	const struct ra_config *c = ri->conf;
	uint8_t opts[RA_MSG_MAX];
	struct np_ndp nd;
	int n = write_options(ri, mac, opts, sizeof(opts));

	if (n < 0)
		return n;
	memset(&nd, 0, sizeof(nd));
	nd.type = NP_ICMP6_ND_ROUTER_ADVERT;
	nd.flags = ra_flags(c);
	nd.cur_hop_limit = c->cur_hop_limit;
	/* §6.2.5: a router that stops advertising says it is no default router. */
	nd.router_lifetime = final ? 0 : c->router_lifetime;
	nd.reachable_time = c->reachable_time_ms;
	nd.retrans_timer = c->retrans_timer_ms;
	nd.opts = opts;
	nd.opts_len = (size_t)n;
	return np_ndp_build(&nd, src, dst, buf, cap);
}

void ra_stop(struct ra_iface *ri)
{
	ri->stopped = true;
	ri->nunicast = 0;
	ri->solicited_ms = INT64_MAX;
}

const char *ra_rs_drop_name(enum ra_rs_drop d)
{
	static const char *const names[RA_RS_DROP_MAX] = {
		[RA_RS_OK] = "ok",
		[RA_RS_BAD_HOP_LIMIT] = "hop-limit",
		[RA_RS_BAD_CHECKSUM] = "checksum",
		[RA_RS_TRUNCATED] = "truncated",
		[RA_RS_BAD_CODE] = "code",
		[RA_RS_BAD_OPTION] = "option",
		[RA_RS_BAD_SOURCE] = "source",
	};

	return (unsigned)d < RA_RS_DROP_MAX ? names[d] : "unknown";
}
