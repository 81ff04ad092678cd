/*
 * responder.h: np-arpd's policy, a pure function of (state, frame, now).
 *
 * arpd_handle() takes one received Ethernet frame and decides, the way the
 * kernel's arp_process() does for its own addresses:
 *
 *   - a request (RFC 826) for an address in the table gets a unicast reply
 *     to the requester, from the entry's MAC, padded to 60 bytes;
 *   - an RFC 5227 §2.1.1 probe (sender IP 0.0.0.0) for one of our addresses
 *     gets the reply the kernel sends (target IP 0.0.0.0), so the prober
 *     sees the address as taken;
 *   - any ARP packet whose sender IP is one of our addresses but whose
 *     sender MAC is not ours is a conflict (RFC 5227 §2.4): counted, and
 *     with `defend` answered by one broadcast announcement unless one was
 *     sent for that address within DEFEND_INTERVAL (10 s);
 *   - everything else is ignored and counted by reason: frames that are not
 *     ARP for IPv4 over Ethernet or are cut short, frames we sent ourselves,
 *     opcodes other than request, senders with a broadcast, multicast or
 *     zero MAC or a loopback, multicast or broadcast IP, targets not in the
 *     table, and unused_only addresses not known to be free.
 *
 * For unused_only addresses (farpd's mode) another host showing the address
 * as its sender, answering our probe or probing for it itself marks it used
 * (no reply, no conflict); the prober (arpd_probe_*) marks it free when a
 * probe goes unanswered.  Those state changes are the only writes to the
 * table.
 *
 * IPv6 frames go to the Neighbor Discovery side (responder6.c, RFC 4861,
 * RFC 4862), which does for the IPv6 table (table6.h) what the above does
 * for ARP:
 *
 *   - a Neighbor Solicitation that passes RFC 4861 §7.1.1 (hop limit 255,
 *     checksum, code 0, options of non-zero length, no source link-layer
 *     address from the unspecified address, which must be sent to the
 *     target's solicited-node group) for an address in the table gets a
 *     Neighbor Advertisement (§7.2.4): from the target address and the
 *     entry's MAC, with a target link-layer address option, Solicited set,
 *     Override set unless the entry is a proxy entry (§7.2.8), Router as
 *     configured; unicast to the solicitor (to the MAC of its source
 *     link-layer address option, else the frame's source);
 *   - a solicitation from the unspecified address is a duplicate address
 *     detection probe (RFC 4862 §5.4.2): answered to all-nodes ff02::1 with
 *     Solicited clear (§7.2.4), so the prober finds the address in use
 *     (RFC 4862 §5.4.3, §5.4.5);
 *   - an advertisement for one of our addresses from another MAC is a
 *     conflict, counted and, with `defend`, answered once per
 *     DEFEND_INTERVAL with our own unsolicited advertisement (Override set);
 *   - unused_only addresses: an advertisement for them, a DAD probe for
 *     them or a solicitation from them by another host marks them used;
 *     the prober's DAD probe (arpd_dad_probe_frame) unanswered marks them
 *     free;
 *   - everything malformed is counted by reason (hop limit, checksum,
 *     options, the rest) and dropped, never answered.
 *
 * No I/O, no clock (now is passed in), no logging, no allocation: the unit
 * tests and the fuzzer drive it directly, io.c sends what it returns.
 */
#ifndef NP_ARPD_RESPONDER_H
#define NP_ARPD_RESPONDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "table.h"
#include "table6.h"

/* RFC 5227 §1.1 constants, in microseconds (announce timings are config). */
#define ARPD_DEFEND_INTERVAL_US (10 * 1000000ull)

/*
 * Room for any frame arpd_handle() or arpd_*_frame() writes: the largest is
 * a Neighbor Advertisement with an 802.1Q tag, 18 + 40 + 24 + 8 = 90 bytes.
 */
#define ARPD_FRAME_MAX 96

/* RFC 4861 §10: unsolicited advertisements sent for an address. */
#define ARPD_MAX_NEIGHBOR_ADVERTISEMENT 3

enum arpd_verdict {
	ARPD_REPLY,                 /* out holds a unicast reply to a request */
	ARPD_REPLY_PROBE,           /* out holds the reply to an RFC 5227 probe */
	ARPD_DEFEND,                /* a conflict; out holds our announcement */
	ARPD_CONFLICT,              /* a conflict, not defended (off, or too soon) */
	ARPD_IGNORE_MALFORMED,      /* not ARP/Ethernet/IPv4, or truncated */
	ARPD_IGNORE_OWN,            /* sent by us (our MAC as sender) */
	ARPD_IGNORE_NOT_REQUEST,    /* a reply or another opcode, no conflict */
	ARPD_IGNORE_BAD_SENDER,     /* broadcast/multicast/zero MAC, or bad sender IP */
	ARPD_IGNORE_NOT_OURS,       /* target not in the table */
	ARPD_IGNORE_IN_USE,         /* unused_only target not known to be free */
	ARPD_IGNORE_CLAIMED,        /* another host showed an unused_only address */
	ARPD_PROBE_ANSWER,          /* a reply to our own probe: address is used */
	/* IPv6 Neighbor Discovery (responder6.c) */
	ARPD_NA_SENT,               /* out holds an NA answering a solicitation */
	ARPD_NA_DAD_SENT,           /* out holds an NA to ff02::1 answering a DAD probe */
	ARPD_NDP_DEFEND,            /* an NA for our address from another MAC; out: ours */
	ARPD_NDP_CONFLICT,          /* the same, not defended (off, or too soon) */
	ARPD_NDP_MALFORMED,         /* bad IPv6/ICMPv6/ND, fragmented, truncated */
	ARPD_NDP_HOP_LIMIT,         /* hop limit not 255 (RFC 4861 §7.1.1) */
	ARPD_NDP_CHECKSUM,          /* ICMPv6 checksum wrong */
	ARPD_NDP_BAD_OPTION,        /* an option of length 0, past the end, or a bad LLA */
	ARPD_NDP_OWN,               /* sent by us */
	ARPD_NDP_NOT_SOLICIT,       /* other ICMPv6, or an NA that tells nothing */
	ARPD_NDP_BAD_SENDER,        /* multicast or zero source MAC, multicast source */
	ARPD_NDP_NOT_OURS,          /* target not in the IPv6 table */
	ARPD_NDP_IN_USE,            /* unused_only target not known to be free */
	ARPD_NDP_CLAIMED,           /* another host showed an unused_only address */
	ARPD_NDP_PROBE_ANSWER,      /* an NA answering our DAD probe: address is used */
	ARPD_VERDICTS               /* count */
};

/* Statistic names ("arp-reply-sent", ...), one per verdict. */
const char *arpd_verdict_name(enum arpd_verdict v);
/* The verdicts of an ordinary answer (not worth a log line). */
bool arpd_verdict_is_answer(enum arpd_verdict v);

struct arpd_stats {
	uint64_t received;                  /* frames handed to arpd_handle() */
	uint64_t requests;                  /* of them, well-formed requests */
	uint64_t solicits;                  /* of them, valid Neighbor Solicitations */
	uint64_t verdict[ARPD_VERDICTS];
};

/* Recently defended addresses: a small direct-mapped cache (RFC 5227 §2.4 (b)). */
#define ARPD_DEFEND_CACHE 256

struct arpd_responder {
	struct arpd_table *table;           /* not owned; its MACs serve table6 too */
	struct arpd_table6 *table6;         /* not owned; NULL: no IPv6 addresses */
	uint8_t ifmac[6];                   /* the interface's MAC */
	bool defend;
	bool router;                        /* the Router flag of our advertisements */
	struct {
		uint32_t addr;
		uint64_t when;              /* now of the last defence; 0 = never */
	} defended[ARPD_DEFEND_CACHE];
	struct {
		uint8_t addr[16];
		uint64_t when;
	} defended6[ARPD_DEFEND_CACHE];
	struct arpd_stats stats;
};

/* What arpd_handle() decided; the addresses are for the caller's log. */
struct arpd_result {
	enum arpd_verdict verdict;
	size_t len;                         /* bytes in out (0: send nothing) */
	uint32_t addr;                      /* the address asked for / in conflict */
	uint8_t peer[6];                    /* sender hardware address */
	uint32_t peer_ip;                   /* sender protocol address */
	uint8_t addr6[16];                  /* IPv6: the target asked for / in conflict */
};

void arpd_responder_init(struct arpd_responder *r, struct arpd_table *table,
			 const uint8_t ifmac[6], bool defend);

/*
 * Handle one frame received at time now (microseconds, any monotonic
 * origin).  Writes the frame to send, if any, into out[cap] (cap >=
 * ARPD_FRAME_MAX) and fills *res.  Always returns res->verdict.
 */
enum arpd_verdict arpd_handle(struct arpd_responder *r, const uint8_t *frame, size_t len,
			      uint64_t now, uint8_t *out, size_t cap, struct arpd_result *res);

/*
 * The RFC 5227 §2.3 announcement of ip from mac, broadcast, padded to 60
 * bytes.  Returns the length or a negative NP_E* code.
 */
int arpd_announcement_frame(const uint8_t mac[6], uint32_t ip, uint8_t *out, size_t cap);
/* The RFC 5227 §2.1.1 probe for ip from mac (sender IP 0.0.0.0), broadcast. */
int arpd_probe_frame(const uint8_t mac[6], uint32_t ip, uint8_t *out, size_t cap);

/*
 * IPv6 frames (Ethernet + IPv6 + ICMPv6, 14 + 40 + 32 = 86 bytes, 90 with
 * a tag), each returning the length or a negative NP_E* code:
 *
 * an unsolicited advertisement of target from mac to all-nodes ff02::1
 * (RFC 4861 §7.2.6: Solicited clear, Override as override);
 */
int arpd_unsolicited_na_frame(const uint8_t mac[6], const uint8_t target[16], bool override,
			      bool router, uint8_t *out, size_t cap);
/*
 * the duplicate address detection probe for target (RFC 4862 §5.4.2:
 * from ::, to the solicited-node group, no source link-layer address).
 */
int arpd_dad_probe_frame(const uint8_t mac[6], const uint8_t target[16], uint8_t *out,
			 size_t cap);
/* The Ethernet group of IPv6 multicast address group (RFC 2464 §7). */
void arpd_ipv6_multicast_mac(const uint8_t group[16], uint8_t mac[6]);

/* The IPv6 side of arpd_handle() (responder6.c), for a frame already parsed as eth. */
struct np_ether;
enum arpd_verdict arpd_handle6(struct arpd_responder *r, const struct np_ether *eth,
			       uint64_t now, uint8_t *out, size_t cap, struct arpd_result *res);
/* Count verdict v in r and return it (shared by both sides). */
enum arpd_verdict arpd_done(struct arpd_responder *r, struct arpd_result *res,
			    enum arpd_verdict v);

/*
 * unused_only probing.  arpd_probe_start() marks slot s as probed (keeping
 * its state) and arpd_probe_expire() ends the probe: an address nobody
 * answered for is free.  Replies arriving in between mark it used
 * (ARPD_PROBE_ANSWER from arpd_handle()).
 */
void arpd_probe_start(struct arpd_slot *s);
void arpd_probe_expire(struct arpd_slot *s);
/* The same for the state byte of an IPv6 slot. */
void arpd_probe6_start(struct arpd_slot6 *s);
void arpd_probe6_expire(struct arpd_slot6 *s);

#endif
