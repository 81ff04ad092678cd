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
 * No I/O, no clock (now is passed in), no logging, no allocation: the unit
 * tests and the fuzzer drive it directly, io.c sends what it returns.
 */
#ifndef NP_ARPD_RESPONDER_H
#define NP_ARPD_RESPONDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "table.h"

/* RFC 5227 §1.1 constants, in microseconds (announce timings are config). */
#define ARPD_DEFEND_INTERVAL_US (10 * 1000000ull)

/* Room for any frame arpd_handle() or arpd_*_frame() writes. */
#define ARPD_FRAME_MAX 64

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
	ARPD_VERDICTS               /* count */
};

/* Statistic names ("arp-reply-sent", ...), one per verdict. */
const char *arpd_verdict_name(enum arpd_verdict v);

struct arpd_stats {
	uint64_t received;                  /* frames handed to arpd_handle() */
	uint64_t requests;                  /* of them, well-formed requests */
	uint64_t verdict[ARPD_VERDICTS];
};

/* Recently defended addresses: a small direct-mapped cache (RFC 5227 §2.4 (b)). */
#define ARPD_DEFEND_CACHE 256

struct arpd_responder {
	struct arpd_table *table;           /* not owned */
	uint8_t ifmac[6];                   /* the interface's MAC */
	bool defend;
	struct {
		uint32_t addr;
		uint64_t when;              /* now of the last defence; 0 = never */
	} defended[ARPD_DEFEND_CACHE];
	struct arpd_stats stats;
};

/* What arpd_handle() decided; the addresses are for the caller's log. */
struct arpd_result {
	enum arpd_verdict verdict;
	size_t len;                         /* bytes in out (0: send nothing) */
	uint32_t addr;                      /* the address asked for / in conflict */
	uint8_t peer[6];                    /* sender hardware address */
	uint32_t peer_ip;                   /* sender protocol address */
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
 * unused_only probing.  arpd_probe_start() marks slot s as probed (keeping
 * its state) and arpd_probe_expire() ends the probe: an address nobody
 * answered for is free.  Replies arriving in between mark it used
 * (ARPD_PROBE_ANSWER from arpd_handle()).
 */
void arpd_probe_start(struct arpd_slot *s);
void arpd_probe_expire(struct arpd_slot *s);

#endif
