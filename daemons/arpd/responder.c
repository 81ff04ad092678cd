/*
 * responder.c: which ARP frames np-arpd answers, and with what (see
 * responder.h).  Mirrors the checks of Linux's arp_process() for the
 * addresses in the table, plus RFC 5227 conflict handling.
 */
#include "config.h"

#include <string.h>

#include <netproto/arp.h>
#include <netproto/error.h>
#include <netproto/ether.h>

#include "responder.h"

static const char *const verdict_names[ARPD_VERDICTS] = {
	[ARPD_REPLY] = "arp-reply-sent",
	[ARPD_REPLY_PROBE] = "arp-probe-reply-sent",
	[ARPD_DEFEND] = "conflict-defended",
	[ARPD_CONFLICT] = "conflict-not-defended",
	[ARPD_IGNORE_MALFORMED] = "ignored-malformed",
	[ARPD_IGNORE_OWN] = "ignored-own",
	[ARPD_IGNORE_NOT_REQUEST] = "ignored-not-request",
	[ARPD_IGNORE_BAD_SENDER] = "ignored-bad-sender",
	[ARPD_IGNORE_NOT_OURS] = "ignored-not-ours",
	[ARPD_IGNORE_IN_USE] = "ignored-in-use",
	[ARPD_IGNORE_CLAIMED] = "ignored-claimed",
	[ARPD_PROBE_ANSWER] = "probe-answered",
	[ARPD_NA_SENT] = "ndp-na-sent",
	[ARPD_NA_DAD_SENT] = "ndp-dad-na-sent",
	[ARPD_NDP_DEFEND] = "ndp-conflict-defended",
	[ARPD_NDP_CONFLICT] = "ndp-conflict-not-defended",
	[ARPD_NDP_MALFORMED] = "ndp-ignored-malformed",
	[ARPD_NDP_HOP_LIMIT] = "ndp-ignored-hop-limit",
	[ARPD_NDP_CHECKSUM] = "ndp-ignored-bad-checksum",
	[ARPD_NDP_BAD_OPTION] = "ndp-ignored-bad-option",
	[ARPD_NDP_OWN] = "ndp-ignored-own",
	[ARPD_NDP_NOT_SOLICIT] = "ndp-ignored-not-solicit",
	[ARPD_NDP_BAD_SENDER] = "ndp-ignored-bad-sender",
	[ARPD_NDP_NOT_OURS] = "ndp-ignored-not-ours",
	[ARPD_NDP_IN_USE] = "ndp-ignored-in-use",
	[ARPD_NDP_CLAIMED] = "ndp-ignored-claimed",
	[ARPD_NDP_PROBE_ANSWER] = "ndp-probe-answered",
};

const char *arpd_verdict_name(enum arpd_verdict v)
{
	return (unsigned)v < ARPD_VERDICTS ? verdict_names[v] : "unknown";
}

void arpd_responder_init(struct arpd_responder *r, struct arpd_table *table,
			 const uint8_t ifmac[6], bool defend)
{
	memset(r, 0, sizeof(*r));
	r->table = table;
	memcpy(r->ifmac, ifmac, 6);
	r->defend = defend;
}

bool arpd_verdict_is_answer(enum arpd_verdict v)
{
	return v == ARPD_REPLY || v == ARPD_REPLY_PROBE || v == ARPD_NA_SENT ||
	       v == ARPD_NA_DAD_SENT;
}

enum arpd_verdict arpd_done(struct arpd_responder *r, struct arpd_result *res,
			    enum arpd_verdict v)
{
	res->verdict = v;
	r->stats.verdict[v]++;
	return v;
}


/* 0.0.0.0 is allowed (a probe); loopback, multicast, broadcast are not. */
static bool bad_sender_ip(uint32_t ip)
{
	return (ip >> 24) == 127 || (ip >> 28) == 0xe || ip == UINT32_MAX;
}

static bool bad_sender_mac(const uint8_t mac[6])
{
	/* Multicast covers broadcast; a reply to either would flood the LAN. */
	return np_ether_is_multicast(mac) || np_ether_is_zero(mac);
}

/* Ethernet header (mirroring any 802.1Q tag) around an ARP message. */
static int frame_build(const struct np_arp *a, const uint8_t dst[6], const uint8_t src[6],
		       const struct np_ether *tag, uint8_t *out, size_t cap)
{
	struct np_ether e = { .ethertype = NP_ETHERTYPE_ARP, .payload_len = NP_ARP_LEN };
	int n;

	memcpy(e.dst, dst, 6);
	memcpy(e.src, src, 6);
	if (tag && tag->has_vlan) {
		e.has_vlan = 1;
		e.vlan_tci = tag->vlan_tci;
	}
	if (cap < np_ether_hdr_len(&e))
		return NP_ENOSPC;
	n = np_arp_build(a, out + np_ether_hdr_len(&e), cap - np_ether_hdr_len(&e));
	if (n < 0)
		return n;
	e.payload = out + np_ether_hdr_len(&e);
	return np_ether_build(&e, out, cap);
}

int arpd_announcement_frame(const uint8_t mac[6], uint32_t ip, uint8_t *out, size_t cap)
{
	struct np_arp a;

	np_arp_announcement_init(&a, mac, ip);
	return frame_build(&a, np_ether_broadcast, mac, NULL, out, cap);
}

int arpd_probe_frame(const uint8_t mac[6], uint32_t ip, uint8_t *out, size_t cap)
{
	struct np_arp a;

	np_arp_probe_init(&a, mac, ip);
	return frame_build(&a, np_ether_broadcast, mac, NULL, out, cap);
}

void arpd_probe_start(struct arpd_slot *s)
{
	s->state |= ARPD_STATE_PROBING;
}

void arpd_probe_expire(struct arpd_slot *s)
{
	/* Still marked probing: no reply came (a reply clears the bit). */
	if (s->state & ARPD_STATE_PROBING)
		s->state = ARPD_STATE_FREE;
}

static void mark_used(struct arpd_slot *s)
{
	s->state = ARPD_STATE_USED;
}

/*
 * RFC 5227 §2.4 (b): defend with one announcement, unless one was sent for
 * this address less than DEFEND_INTERVAL ago; then step back to (a) and
 * only record the conflict.
 */
static enum arpd_verdict conflict(struct arpd_responder *r, const struct arpd_slot *s,
				  uint64_t now, uint8_t *out, size_t cap, struct arpd_result *res)
{
	unsigned int i = (s->addr * 0x9e3779b1u) >> 24;  /* 256 buckets */
	const uint8_t *mac = arpd_table_slot_mac(r->table, s, r->ifmac);
	int n;

	if (!r->defend)
		return arpd_done(r, res, ARPD_CONFLICT);
	if (r->defended[i].addr == s->addr && r->defended[i].when != 0 &&
	    now - r->defended[i].when < ARPD_DEFEND_INTERVAL_US)
		return arpd_done(r, res, ARPD_CONFLICT);
	n = arpd_announcement_frame(mac, s->addr, out, cap);
	if (n < 0)
		return arpd_done(r, res, ARPD_CONFLICT);
	r->defended[i].addr = s->addr;
	r->defended[i].when = now ? now : 1;
	res->len = (size_t)n;
	return arpd_done(r, res, ARPD_DEFEND);
}

/*
 * A packet whose sender IP is in the table (and not 0.0.0.0).  Ours, if the
 * sender MAC is the entry's; a conflict otherwise, or for unused_only
 * addresses the news that another host uses it.
 */
static enum arpd_verdict sender_is_ours(struct arpd_responder *r, struct arpd_slot *s,
					const struct np_arp *a, uint64_t now, uint8_t *out,
					size_t cap, struct arpd_result *res)
{
	const uint8_t *mac = arpd_table_slot_mac(r->table, s, r->ifmac);

	res->addr = s->addr;
	if (memcmp(a->sha, mac, 6) == 0)
		return arpd_done(r, res, ARPD_IGNORE_OWN);
	if (s->flags & ARPD_SLOT_UNUSED_ONLY) {
		bool answered_probe = (s->state & ARPD_STATE_PROBING) &&
				      a->op == NP_ARP_OP_REPLY;

		mark_used(s);
		return arpd_done(r, res, answered_probe ? ARPD_PROBE_ANSWER : ARPD_IGNORE_CLAIMED);
	}
	return conflict(r, s, now, out, cap, res);
}

/* A well-formed request for s->addr from a valid sender: the reply. */
static enum arpd_verdict reply(struct arpd_responder *r, const struct arpd_slot *s,
			       const struct np_arp *req, const struct np_ether *eth,
			       uint8_t *out, size_t cap, struct arpd_result *res)
{
	const uint8_t *mac = arpd_table_slot_mac(r->table, s, r->ifmac);
	struct np_arp rep;
	int n;

	if (np_arp_reply_from_request(req, mac, &rep) < 0)
		return arpd_done(r, res, ARPD_IGNORE_NOT_REQUEST);
	/* RFC 826: the reply goes to the requester's hardware address only. */
	n = frame_build(&rep, req->sha, mac, eth, out, cap);
	if (n < 0)
		return arpd_done(r, res, ARPD_IGNORE_MALFORMED);
	res->len = (size_t)n;
	return arpd_done(r, res, req->spa == 0 ? ARPD_REPLY_PROBE : ARPD_REPLY);
}

static enum arpd_verdict request(struct arpd_responder *r, const struct np_arp *a,
				 const struct np_ether *eth, uint8_t *out, size_t cap,
				 struct arpd_result *res)
{
	struct arpd_slot *s;

	r->stats.requests++;
	if (bad_sender_mac(a->sha) || bad_sender_mac(eth->src) || bad_sender_ip(a->spa))
		return arpd_done(r, res, ARPD_IGNORE_BAD_SENDER);
	s = arpd_table_find(r->table, a->tpa);
	if (!s)
		return arpd_done(r, res, ARPD_IGNORE_NOT_OURS);
	if (s->flags & ARPD_SLOT_UNUSED_ONLY) {
		/* A host probing for an address (RFC 5227 §2.1) wants to use it. */
		if (np_arp_is_probe(a)) {
			mark_used(s);
			return arpd_done(r, res, ARPD_IGNORE_CLAIMED);
		}
		if ((s->state & ~ARPD_STATE_PROBING) != ARPD_STATE_FREE)
			return arpd_done(r, res, ARPD_IGNORE_IN_USE);
	}
	return reply(r, s, a, eth, out, cap, res);
}

enum arpd_verdict arpd_handle(struct arpd_responder *r, const uint8_t *frame, size_t len,
			      uint64_t now, uint8_t *out, size_t cap, struct arpd_result *res)
{
	struct np_ether eth;
	struct np_arp a;
	struct arpd_slot *s;

	memset(res, 0, sizeof(*res));
	r->stats.received++;
	if (np_ether_parse(frame, len, &eth) < 0)
		return arpd_done(r, res, ARPD_IGNORE_MALFORMED);
	if (eth.ethertype == NP_ETHERTYPE_IPV6)
		return arpd_handle6(r, &eth, now, out, cap, res);
	if (eth.ethertype != NP_ETHERTYPE_ARP || np_arp_parse(eth.payload, eth.payload_len, &a) < 0)
		return arpd_done(r, res, ARPD_IGNORE_MALFORMED);
	memcpy(res->peer, a.sha, 6);
	res->peer_ip = a.spa;
	res->addr = a.tpa;
	if (cap < ARPD_FRAME_MAX)
		return arpd_done(r, res, ARPD_IGNORE_MALFORMED);
	/* Our own frames, looped back or sent by another socket of this host. */
	if (memcmp(a.sha, r->ifmac, 6) == 0 || memcmp(eth.src, r->ifmac, 6) == 0)
		return arpd_done(r, res, ARPD_IGNORE_OWN);
	if (a.spa != 0 && (s = arpd_table_find(r->table, a.spa)) != NULL)
		return sender_is_ours(r, s, &a, now, out, cap, res);
	if (a.op != NP_ARP_OP_REQUEST)
		return arpd_done(r, res, ARPD_IGNORE_NOT_REQUEST);
	return request(r, &a, &eth, out, cap, res);
}
