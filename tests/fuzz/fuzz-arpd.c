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
 *   - a defence is a broadcast announcement of an address in the table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/arp.h>
#include <netproto/ether.h>

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

static void check_output(const struct arpd_table *t, const uint8_t *in, size_t in_len,
			 const uint8_t *out, const struct arpd_result *res)
{
	struct np_ether ie, e;
	struct np_arp req, a;

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
	struct arpd_responder r;
	struct arpd_result res;
	uint8_t out[ARPD_FRAME_MAX];
	uint64_t now, counted = 0;
	enum arpd_verdict v;

	if (size < 1)
		return 0;
	build_table(&t, (data[0] >> 1) & 3);
	arpd_responder_init(&r, &t, ifmac, data[0] & 1);
	now = (uint64_t)(data[0] >> 3) * 1000000u;
	/* Twice: the second run sees the state changes of the first. */
	for (int round = 0; round < 2; round++) {
		v = arpd_handle(&r, data + 1, size - 1, now + (uint64_t)round * 3000000u, out,
				sizeof(out), &res);
		if (v != res.verdict || (unsigned)v >= ARPD_VERDICTS)
			abort();
		if ((v == ARPD_REPLY || v == ARPD_REPLY_PROBE || v == ARPD_DEFEND) != (res.len > 0))
			abort();
		if (res.len)
			check_output(&t, data + 1, size - 1, out, &res);
	}
	for (int i = 0; i < ARPD_VERDICTS; i++)
		counted += r.stats.verdict[i];
	if (counted != r.stats.received || r.stats.received != 2)
		abort();
	arpd_table_free(&t);
	return 0;
}
