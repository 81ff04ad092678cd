/*
 * fuzz-arpd.c: np-arpd's frame handler (daemons/arpd/responder.c).
 *
 * Input: one control byte, then a frame as AF_PACKET delivers it.  The
 * control byte turns `defend` on (bit 0), sets the state of the unused_only
 * addresses (bits 1-2) and picks the time (bits 3-7, in seconds, across
 * DEFEND_INTERVAL).  The table is rebuilt for every input so runs are
 * deterministic.  Properties (abort() on violation):
 *   - every frame is counted under exactly one verdict;
 *   - a frame is sent only for REPLY, REPLY_PROBE and DEFEND, is 60 or 64
 *     bytes and parses as Ethernet + ARP;
 *   - a reply answers a request for an address in the table, from that
 *     address's MAC, to the requester's MAC and IP (RFC 826), and never to
 *     a broadcast, multicast or zero MAC;
 *   - a defence is a broadcast announcement of an address in the table;
 *   - IPv6 (responder6.c): a frame is sent only for NA_SENT, NA_DAD_SENT
 *     and NDP_DEFEND, is a valid Neighbor Advertisement (hop limit 255,
 *     checksum, RFC 4861 §7.1.2 checks) for an address the IPv6 table
 *     answers for, from that address, with its MAC as the target
 *     link-layer address; a solicited one (Solicited set) answers a
 *     solicitation for the same target, never to a multicast MAC; one
 *     to ff02::1 has Solicited clear.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/arp.h>
#include <netproto/ether.h>
#include <netproto/icmp6.h>
#include <netproto/ipv6.h>

#include "responder.h"
#include "table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t ifmac[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t vmac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };

static void build_table(struct arpd_table *t, uint8_t state)
{
	uint32_t dup;

	if (arpd_table_init(t, 512) < 0)
		abort();
	if (arpd_table_add(t, 0x0a4d0002, 0x0a4d0002, ARPD_MAC_IFACE, 0, &dup) < 0 ||
	    arpd_table_mac(t, vmac) != 1 ||
	    arpd_table_add(t, 0x0a4d0100, 0x0a4d01ff, 1, 0, &dup) < 0 ||
	    arpd_table_add(t, 0x0a4d020a, 0x0a4d0214, ARPD_MAC_IFACE, ARPD_SLOT_UNUSED_ONLY,
			   &dup) < 0)
		abort();
	for (uint32_t a = 0x0a4d020a; a <= 0x0a4d0214; a++)
		arpd_table_find(t, a)->state = (uint8_t)(state == 3 ? ARPD_STATE_FREE |
							 ARPD_STATE_PROBING : state);
}

/*
 * The IPv6 table: 2001:db8::10 (own MAC), 2001:db8:1::/64 as a proxy (the
 * virtual MAC), 2001:db8::20 unused_only in the state the control byte picks.
 */
static void build_table6(struct arpd_table6 *t, uint8_t state)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };

	if (arpd_table6_init(t, 2) < 0 || arpd_table6_add(t, a, ARPD_MAC_IFACE, 0) < 0)
		abort();
	a[15] = 0x20;
	if (arpd_table6_add(t, a, ARPD_MAC_IFACE, ARPD_SLOT_UNUSED_ONLY) < 0)
		abort();
	arpd_table6_find(t, a)->state = (uint8_t)(state == 3 ? ARPD_STATE_FREE |
						  ARPD_STATE_PROBING : state);
	a[5] = 1;
	a[15] = 0;
	if (arpd_table6_add_prefix(t, a, 64, 1, ARPD_SLOT_PROXY) < 0)
		abort();
}

static void check_output6(const struct arpd_table *t, const struct arpd_table6 *t6,
			  const uint8_t *in, size_t in_len, const uint8_t *out,
			  const struct arpd_result *res)
{
	struct np_ether e, ie;
	struct np_ipv6 ip, iip;
	struct np_icmp6 m, im;
	struct np_ndp nd, ind;
	struct np_ndp_opt o;
	struct arpd_slot6 tmp;
	const struct arpd_slot6 *s;
	const uint8_t *mac;

	if (np_ether_parse(out, res->len, &e) < 0 || e.ethertype != NP_ETHERTYPE_IPV6 ||
	    np_ipv6_parse(e.payload, e.payload_len, &ip) < 0 || ip.upper != NP_IPPROTO_ICMPV6 ||
	    np_icmp6_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &m) < 0 ||
	    np_ndp_parse(&m, &nd) < 0 || nd.type != NP_ICMP6_ND_NEIGHBOR_ADVERT ||
	    np_ndp_check_ip(&ip, &nd) < 0 || memcmp(ip.src, nd.target, 16) != 0)
		abort();
	s = arpd_table6_lookup(t6, nd.target, &tmp);
	if (!s || np_ndp_opt_find(&nd, NP_NDP_OPT_TLLA, &o) < 0 || o.data_len != 6)
		abort();
	mac = s->mac == ARPD_MAC_IFACE ? ifmac : t->macs[s->mac];
	if (memcmp(o.data, mac, 6) != 0 || memcmp(e.src, mac, 6) != 0)
		abort();
	if (np_ipv6_addr_is_multicast(ip.dst)) {
		if (nd.flags & NP_NDP_NA_SOLICITED)
			abort();
		return;
	}
	if (res->verdict != ARPD_NA_SENT || !(nd.flags & NP_NDP_NA_SOLICITED) ||
	    np_ether_is_multicast(e.dst) || np_ether_is_zero(e.dst))
		abort();
	/* The solicitation it answers: for the same target, from where the NA goes. */
	if (np_ether_parse(in, in_len, &ie) < 0 ||
	    np_ipv6_parse(ie.payload, ie.payload_len, &iip) < 0 ||
	    np_icmp6_parse(iip.payload, iip.payload_len, iip.src, iip.dst, &im) < 0 ||
	    np_ndp_parse(&im, &ind) < 0 || ind.type != NP_ICMP6_ND_NEIGHBOR_SOLICIT ||
	    memcmp(ind.target, nd.target, 16) != 0 || memcmp(iip.src, ip.dst, 16) != 0)
		abort();
}

static void check_reply(const struct arpd_table *t, const struct np_arp *req,
			const struct np_ether *e, const struct np_arp *rep)
{
	const struct arpd_slot *s = arpd_table_find(t, rep->spa);

	if (!s || rep->op != NP_ARP_OP_REPLY || req->op != NP_ARP_OP_REQUEST ||
	    rep->spa != req->tpa || rep->tpa != req->spa || memcmp(rep->tha, req->sha, 6) ||
	    memcmp(e->dst, req->sha, 6) || memcmp(rep->sha, arpd_table_slot_mac(t, s, ifmac), 6) ||
	    memcmp(e->src, rep->sha, 6) || np_ether_is_multicast(e->dst) ||
	    np_ether_is_zero(e->dst))
		abort();
}

static void check_output(const struct arpd_table *t, const struct arpd_table6 *t6,
			 const uint8_t *in, size_t in_len,
			 const uint8_t *out, const struct arpd_result *res)
{
	struct np_ether ie, e;
	struct np_arp req, a;

	if (res->verdict >= ARPD_NA_SENT) {
		check_output6(t, t6, in, in_len, out, res);
		return;
	}
	if (res->len != 60 && res->len != 64)
		abort();
	if (np_ether_parse(out, res->len, &e) < 0 || e.ethertype != NP_ETHERTYPE_ARP ||
	    np_arp_parse(e.payload, e.payload_len, &a) < 0)
		abort();
	if (res->verdict == ARPD_DEFEND) {
		if (!np_ether_is_broadcast(e.dst) || !np_arp_is_announcement(&a) ||
		    !arpd_table_find(t, a.spa))
			abort();
		return;
	}
	if (np_ether_parse(in, in_len, &ie) < 0 || np_arp_parse(ie.payload, ie.payload_len,
								&req) < 0)
		abort();
	check_reply(t, &req, &e, &a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arpd_table t;
	struct arpd_table6 t6;
	struct arpd_responder r;
	struct arpd_result res;
	uint8_t out[ARPD_FRAME_MAX];
	uint64_t now, counted = 0;
	enum arpd_verdict v;

	if (size < 1)
		return 0;
	build_table(&t, (data[0] >> 1) & 3);
	build_table6(&t6, (data[0] >> 1) & 3);
	arpd_responder_init(&r, &t, ifmac, data[0] & 1);
	r.table6 = &t6;
	now = (uint64_t)(data[0] >> 3) * 1000000u;
	/* Twice: the second run sees the state changes of the first. */
	for (int round = 0; round < 2; round++) {
		v = arpd_handle(&r, data + 1, size - 1, now + (uint64_t)round * 3000000u, out,
				sizeof(out), &res);
		if (v != res.verdict || (unsigned)v >= ARPD_VERDICTS)
			abort();
		if ((v == ARPD_REPLY || v == ARPD_REPLY_PROBE || v == ARPD_DEFEND ||
		     v == ARPD_NA_SENT || v == ARPD_NA_DAD_SENT || v == ARPD_NDP_DEFEND) !=
		    (res.len > 0))
			abort();
		if (res.len)
			check_output(&t, &t6, data + 1, size - 1, out, &res);
	}
	for (int i = 0; i < ARPD_VERDICTS; i++)
		counted += r.stats.verdict[i];
	if (counted != r.stats.received || r.stats.received != 2)
		abort();
	arpd_table_free(&t);
	arpd_table6_free(&t6);
	return 0;
}
