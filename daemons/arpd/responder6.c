/*
 * responder6.c: which Neighbor Discovery frames np-arpd answers, and with
 * what (RFC 4861 §7.1.1, §7.2.4, §7.2.6, §7.2.8; RFC 4862 §5.4; see
 * responder.h).  Mirrors the checks of Linux's ndisc_recv_ns() for the
 * addresses in the IPv6 table.
 */
#include "config.h"

#include <string.h>

#include <netproto/buf.h>
#include <netproto/error.h>
#include <netproto/ether.h>
#include <netproto/icmp6.h>
#include <netproto/ipv6.h>

#include "responder.h"

/* ff02::1, all-nodes (RFC 4291 §2.7.1). */
static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
static const uint8_t unspecified[16];

void arpd_ipv6_multicast_mac(const uint8_t group[16], uint8_t mac[6])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, group + 12, 4);
}

/*
 * Ethernet + IPv6 (hop limit 255, RFC 4861 §7.1) + the ND message nd,
 * mirroring any 802.1Q tag of the frame answered.
 */
static int ndp_frame(const uint8_t smac[6], const uint8_t dmac[6], const struct np_ether *tag,
		     const uint8_t src[16], const uint8_t dst[16], const struct np_ndp *nd,
		     uint8_t *out, size_t cap)
{
	struct np_ether e = { .ethertype = NP_ETHERTYPE_IPV6 };
	struct np_ipv6 ip = { .hop_limit = NP_NDP_HOP_LIMIT, .upper = NP_IPPROTO_ICMPV6 };
	size_t eh, ih;
	int n;

	memcpy(e.dst, dmac, 6);
	memcpy(e.src, smac, 6);
	if (tag && tag->has_vlan) {
		e.has_vlan = 1;
		e.vlan_tci = tag->vlan_tci;
	}
	memcpy(ip.src, src, 16);
	memcpy(ip.dst, dst, 16);
	eh = np_ether_hdr_len(&e);
	ih = np_ipv6_hdr_len(&ip);
	if (cap < eh + ih)
		return NP_ENOSPC;
	n = np_ndp_build(nd, src, dst, out + eh + ih, cap - eh - ih);
	if (n < 0)
		return n;
	ip.payload = out + eh + ih;
	ip.payload_len = (size_t)n;
	n = np_ipv6_build(&ip, out + eh, cap - eh);
	if (n < 0)
		return n;
	e.payload = out + eh;
	e.payload_len = (size_t)n;
	return np_ether_build(&e, out, cap);
}

/* An NA for target from mac with a target link-layer address option (§4.4). */
static int na_frame(const uint8_t mac[6], const uint8_t dmac[6], const struct np_ether *tag,
		    const uint8_t target[16], const uint8_t dst[16], uint8_t flags,
		    uint8_t *out, size_t cap)
{
	struct np_ndp nd = { .type = NP_ICMP6_ND_NEIGHBOR_ADVERT, .flags = flags };
	uint8_t opt[8];
	struct np_writer w;

	np_writer_init(&w, opt, sizeof(opt));
	np_ndp_opt_write_lla(&w, NP_NDP_OPT_TLLA, mac, 6);
	if (np_writer_result(&w) != (int)sizeof(opt))
		return NP_ENOSPC;
	memcpy(nd.target, target, 16);
	nd.opts = opt;
	nd.opts_len = sizeof(opt);
	/* The source is the target address itself, as the kernel sends it (§7.2.4). */
	return ndp_frame(mac, dmac, tag, target, dst, &nd, out, cap);
}

int arpd_unsolicited_na_frame(const uint8_t mac[6], const uint8_t target[16], bool override,
			      bool router, uint8_t *out, size_t cap)
{
	uint8_t dmac[6];

	arpd_ipv6_multicast_mac(all_nodes, dmac);
	return na_frame(mac, dmac, NULL, target, all_nodes,
			(uint8_t)((override ? NP_NDP_NA_OVERRIDE : 0) |
				  (router ? NP_NDP_NA_ROUTER : 0)), out, cap);
}

int arpd_dad_probe_frame(const uint8_t mac[6], const uint8_t target[16], uint8_t *out,
			 size_t cap)
{
	struct np_ndp nd = { .type = NP_ICMP6_ND_NEIGHBOR_SOLICIT };
	uint8_t snm[16], dmac[6];

	memcpy(nd.target, target, 16);
	np_ipv6_solicited_node(target, snm);
	arpd_ipv6_multicast_mac(snm, dmac);
	return ndp_frame(mac, dmac, NULL, unspecified, snm, &nd, out, cap);
}

void arpd_probe6_start(struct arpd_slot6 *s)
{
	s->state |= ARPD_STATE_PROBING;
}

void arpd_probe6_expire(struct arpd_slot6 *s)
{
	if (s->state & ARPD_STATE_PROBING)
		s->state = ARPD_STATE_FREE;
}

static const uint8_t *slot6_mac(const struct arpd_responder *r, const struct arpd_slot6 *s)
{
	return s->mac == ARPD_MAC_IFACE || !r->table || s->mac >= r->table->nmacs ?
	       r->ifmac : r->table->macs[s->mac];
}

static uint8_t our_flags(const struct arpd_responder *r, const struct arpd_slot6 *s)
{
	/* §7.2.8: a proxy leaves Override clear, so the owner's own NA wins. */
	return (uint8_t)((s->flags & ARPD_SLOT_PROXY ? 0 : NP_NDP_NA_OVERRIDE) |
			 (r->router ? NP_NDP_NA_ROUTER : 0));
}

/*
 * The link-layer address option of type, if any: 0 and *lla (NULL when
 * absent), or NP_EOPT for one that is not an Ethernet address (RFC 2464 §6:
 * length 1, 6 octets).
 */
static int lla_opt(const struct np_ndp *nd, uint8_t type, const uint8_t **lla)
{
	struct np_ndp_opt o;
	int e = np_ndp_opt_find(nd, type, &o);

	*lla = NULL;
	if (e == NP_ENOTFOUND)
		return 0;
	if (e < 0 || o.data_len != 6)
		return NP_EOPT;
	*lla = o.data;
	return 0;
}

/* The IPv6, ICMPv6 and ND layers, every RFC 4861 §7.1 check, by reason. */
static enum arpd_verdict ndp_parse(const struct np_ether *eth, struct np_ipv6 *ip,
				   struct np_ndp *nd)
{
	struct np_icmp6 m;
	int e;

	if (np_ipv6_parse(eth->payload, eth->payload_len, ip) < 0 || np_ipv6_is_fragment(ip))
		return ARPD_NDP_MALFORMED;      /* RFC 6980 §5: no fragmented ND */
	if (ip->upper != NP_IPPROTO_ICMPV6)
		return ARPD_NDP_NOT_SOLICIT;
	e = np_icmp6_parse(ip->payload, ip->payload_len, ip->src, ip->dst, &m);
	if (e == NP_ECSUM)
		return ARPD_NDP_CHECKSUM;
	if (e < 0)
		return ARPD_NDP_MALFORMED;
	if (m.type != NP_ICMP6_ND_NEIGHBOR_SOLICIT && m.type != NP_ICMP6_ND_NEIGHBOR_ADVERT)
		return ARPD_NDP_NOT_SOLICIT;
	if (ip->hop_limit != NP_NDP_HOP_LIMIT)
		return ARPD_NDP_HOP_LIMIT;
	e = np_ndp_parse(&m, nd);
	if (e == NP_EOPT)
		return ARPD_NDP_BAD_OPTION;
	if (e < 0 || np_ndp_check_ip(ip, nd) < 0)
		return ARPD_NDP_MALFORMED;
	return ARPD_VERDICTS;   /* valid */
}

/*
 * RFC 5227 §2.4 (b) carried over: defend with one unsolicited NA unless one
 * went out for this address less than DEFEND_INTERVAL ago.
 */
static enum arpd_verdict conflict6(struct arpd_responder *r, const struct arpd_slot6 *s,
				   uint64_t now, uint8_t *out, size_t cap,
				   struct arpd_result *res)
{
	unsigned int i = s->addr[15] ^ s->addr[14] ^ s->addr[13];
	int n;

	if (!r->defend)
		return arpd_done(r, res, ARPD_NDP_CONFLICT);
	if (memcmp(r->defended6[i].addr, s->addr, 16) == 0 && r->defended6[i].when != 0 &&
	    now - r->defended6[i].when < ARPD_DEFEND_INTERVAL_US)
		return arpd_done(r, res, ARPD_NDP_CONFLICT);
	n = arpd_unsolicited_na_frame(slot6_mac(r, s), s->addr, true, r->router, out, cap);
	if (n < 0)
		return arpd_done(r, res, ARPD_NDP_CONFLICT);
	memcpy(r->defended6[i].addr, s->addr, 16);
	r->defended6[i].when = now ? now : 1;
	res->len = (size_t)n;
	return arpd_done(r, res, ARPD_NDP_DEFEND);
}

/* An NA (§7.2.5): news about one of our addresses, never answered as such. */
static enum arpd_verdict advert(struct arpd_responder *r, const struct np_ndp *nd,
				const struct np_ether *eth, uint64_t now, uint8_t *out,
				size_t cap, struct arpd_result *res)
{
	struct arpd_slot6 tmp;
	const struct arpd_slot6 *s = arpd_table6_lookup(r->table6, nd->target, &tmp);
	const uint8_t *tlla;
	struct arpd_slot6 *own;

	if (!s)
		return arpd_done(r, res, ARPD_NDP_NOT_OURS);
	if (lla_opt(nd, NP_NDP_OPT_TLLA, &tlla) < 0)
		return arpd_done(r, res, ARPD_NDP_BAD_OPTION);
	if (memcmp(tlla ? tlla : eth->src, slot6_mac(r, s), 6) == 0)
		return arpd_done(r, res, ARPD_NDP_OWN);
	if (s->flags & ARPD_SLOT_UNUSED_ONLY) {
		bool answered;

		own = arpd_table6_find(r->table6, nd->target);
		answered = own->state & ARPD_STATE_PROBING;
		own->state = ARPD_STATE_USED;
		return arpd_done(r, res, answered ? ARPD_NDP_PROBE_ANSWER : ARPD_NDP_CLAIMED);
	}
	/* A proxy stands in for the owner, whose own NA is no conflict (§7.2.8). */
	if (s->flags & ARPD_SLOT_PROXY)
		return arpd_done(r, res, ARPD_NDP_NOT_SOLICIT);
	return conflict6(r, s, now, out, cap, res);
}

/* An NS (§7.2.3, §7.2.4) for a target in the table. */
static enum arpd_verdict solicit(struct arpd_responder *r, const struct np_ipv6 *ip,
				 const struct np_ndp *nd, const struct np_ether *eth,
				 uint8_t *out, size_t cap, struct arpd_result *res)
{
	struct arpd_slot6 tmp, *from;
	const struct arpd_slot6 *s;
	const uint8_t *slla;
	bool dad = np_ipv6_addr_is_unspecified(ip->src);
	uint8_t dmac[6];
	int n;

	if (lla_opt(nd, NP_NDP_OPT_SLLA, &slla) < 0)
		return arpd_done(r, res, ARPD_NDP_BAD_OPTION);
	r->stats.solicits++;
	if (np_ether_is_multicast(eth->src) || np_ether_is_zero(eth->src) ||
	    np_ipv6_addr_is_multicast(ip->src) ||
	    (slla && (np_ether_is_multicast(slla) || np_ether_is_zero(slla))))
		return arpd_done(r, res, ARPD_NDP_BAD_SENDER);
	/* A solicitation from an unused_only address: another host uses it. */
	if (!dad && (from = arpd_table6_find(r->table6, ip->src)) != NULL &&
	    (from->flags & ARPD_SLOT_UNUSED_ONLY) &&
	    memcmp(slla ? slla : eth->src, slot6_mac(r, from), 6) != 0)
		from->state = ARPD_STATE_USED;
	s = arpd_table6_lookup(r->table6, nd->target, &tmp);
	if (!s)
		return arpd_done(r, res, ARPD_NDP_NOT_OURS);
	if (s->flags & ARPD_SLOT_UNUSED_ONLY) {
		if (dad) {
			/* RFC 4862 §5.4: a host about to use the address. */
			arpd_table6_find(r->table6, nd->target)->state = ARPD_STATE_USED;
			return arpd_done(r, res, ARPD_NDP_CLAIMED);
		}
		if ((s->state & ~ARPD_STATE_PROBING) != ARPD_STATE_FREE)
			return arpd_done(r, res, ARPD_NDP_IN_USE);
	}
	if (dad) {
		/* §7.2.4: to all-nodes, Solicited clear; RFC 4862 §5.4.3: the prober sees it taken. */
		arpd_ipv6_multicast_mac(all_nodes, dmac);
		n = na_frame(slot6_mac(r, s), dmac, eth, nd->target, all_nodes,
			     our_flags(r, s), out, cap);
	} else {
		n = na_frame(slot6_mac(r, s), slla ? slla : eth->src, eth, nd->target, ip->src,
			     (uint8_t)(our_flags(r, s) | NP_NDP_NA_SOLICITED), out, cap);
	}
	if (n < 0)
		return arpd_done(r, res, ARPD_NDP_MALFORMED);
	res->len = (size_t)n;
	return arpd_done(r, res, dad ? ARPD_NA_DAD_SENT : ARPD_NA_SENT);
}

enum arpd_verdict arpd_handle6(struct arpd_responder *r, const struct np_ether *eth,
			       uint64_t now, uint8_t *out, size_t cap, struct arpd_result *res)
{
	struct np_ipv6 ip;
	struct np_ndp nd;
	enum arpd_verdict v = ndp_parse(eth, &ip, &nd);

	if (v != ARPD_VERDICTS)
		return arpd_done(r, res, v);
	memcpy(res->peer, eth->src, 6);
	memcpy(res->addr6, nd.target, 16);
	if (cap < ARPD_FRAME_MAX)
		return arpd_done(r, res, ARPD_NDP_MALFORMED);
	if (memcmp(eth->src, r->ifmac, 6) == 0)
		return arpd_done(r, res, ARPD_NDP_OWN);
	if (!r->table6)
		return arpd_done(r, res, ARPD_NDP_NOT_OURS);
	if (nd.type == NP_ICMP6_ND_NEIGHBOR_ADVERT)
		return advert(r, &nd, eth, now, out, cap, res);
	return solicit(r, &ip, &nd, eth, out, cap, res);
}
