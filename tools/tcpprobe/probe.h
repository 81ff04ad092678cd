/*
 * probe.h: np-tcpprobe's policy, one TCP handshake as a pure state machine.
 *
 * A probe is one connection attempt from (src, sport) to (dst, dport).
 * probe_start() writes the SYN; probe_input() takes every IPv4 or IPv6
 * packet that may concern the probe and classifies the answer, the way a
 * TCP in SYN-SENT does (RFC 9293 §3.10.7.3):
 *
 *   - SYN-ACK acknowledging our SYN: OPEN.  The handshake is completed with
 *     an ACK, then the connection is closed: by FIN (RFC 9293 §3.6, the
 *     peer may answer with FIN+ACK in one segment, a 3-way close, or ACK
 *     then FIN, a 4-way close; a simultaneous close is handled too) or by
 *     RST.  A close that does not finish within the close timeout is ended
 *     with RST, so nothing is left half-open on the target.
 *   - RST acknowledging our SYN: CLOSED.
 *   - ICMP destination unreachable (RFC 792 type 3, or ICMPv6 type 1 of
 *     RFC 4443 §3.1, every code) quoting our SYN (addresses, ports and
 *     sequence number): UNREACHABLE with the ICMP type, code and sender.
 *   - nothing within the timeout: FILTERED (probe_timeout()).
 *
 * Anything else is ignored: other addresses or ports, a SYN-ACK or RST
 * that does not acknowledge our SYN (RFC 9293 §3.10.7.3; a wrong SYN-ACK
 * gets the RST the RFC prescribes), fragments, malformed headers, and bad
 * checksums (unless the caller says the link already verified them).
 * A retransmitted SYN-ACK after the handshake means our ACK was lost: it
 * is acknowledged again (RFC 9293 §3.10.7.4, "If the SYN bit is on").
 * Answers to such duplicates (and to data or a FIN received before) are
 * rate-limited per connection as Linux limits them (tcp_invalid_ratelimit):
 * one per PROBE_DUP_ANSWER_INTERVAL_NS.
 *
 * TCP options are read as Linux reads them: an illegal option length ends
 * the option list and the segment is accepted (a SYN-ACK with one is an
 * open port, reported with the options before it, and closed as usual).
 *
 * Once the peer agreed to timestamps (RFC 7323 §3.2) every segment but RST
 * carries them; window scaling (RFC 7323 §2) applies to our window after
 * the SYN when both sides sent the option.
 *
 * Both families take the same path: addresses are 16-octet struct
 * probe_addr values (IPv4 in its mapped form), and only the packet's
 * outer layer (probe_emit(), parse_ip(), the ICMP quote) looks at the
 * family.  An IPv6 SYN has flow label 0 (RFC 6437 §2 lets a source leave
 * flows unlabelled) and the configured hop limit; an IPv6 packet with
 * extension headers is read past them (np_ipv6_parse()), a fragment is not.
 *
 * No I/O, no clock (now is given, nanoseconds from any monotonic origin),
 * no allocation, no logging: unit tests and the fuzzer drive it directly,
 * io.c sends what it returns.
 */
#ifndef NP_TCPPROBE_PROBE_H
#define NP_TCPPROBE_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include <netproto/ipv6.h>
#include <netproto/tcp.h>

/* Room for any packet the probe writes: IPv6 header and TCP with options. */
#define PROBE_PKT_MAX (NP_IPV6_HDR_LEN + NP_TCP_MAX_HDR_LEN)
/* Datagrams one call may ask to send (the ACK and the FIN or RST after it). */
#define PROBE_TX_MAX 2
/* Linux's net.ipv4.tcp_invalid_ratelimit default: 500 ms. */
#define PROBE_DUP_ANSWER_INTERVAL_NS 500000000ull

/*
 * An address of either family: an IPv6 address, or an IPv4 address as
 * the IPv4-mapped IPv6 address ::ffff:a.b.c.d (RFC 4291 §2.5.5.2).  The
 * mapped form never appears in an IPv6 header on the wire (RFC 4038
 * §4.2), so it alone says "IPv4".
 */
struct probe_addr {
	uint8_t b[NP_IPV6_ADDR_LEN];
};

/* The mapped form of a (host order) as an initialiser. */
#define PROBE_ADDR_V4_INIT(a)                                                             \
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, (uint8_t)((a) >> 24),                \
	    (uint8_t)((a) >> 16), (uint8_t)((a) >> 8), (uint8_t)(a) } }

static inline struct probe_addr probe_addr_v4(uint32_t a)
{
	const struct probe_addr r = PROBE_ADDR_V4_INIT(a);

	return r;
}

static inline int probe_addr_is_v4(const struct probe_addr *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a->b, mapped, sizeof(mapped)) == 0;
}

/* The IPv4 address (host order) of a mapped address. */
static inline uint32_t probe_addr_to_v4(const struct probe_addr *a)
{
	return (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 | (uint32_t)a->b[14] << 8 |
	       a->b[15];
}

static inline int probe_addr_eq(const struct probe_addr *a, const struct probe_addr *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

/*
 * a as text: dotted decimal for IPv4, RFC 5952 for IPv6.  Returns the
 * text length.
 */
size_t probe_addr_to_text(const struct probe_addr *a, char text[NP_IPV6_ADDR_TEXT_LEN]);

struct probe_config {
	struct probe_addr src;       /* both of the same family */
	struct probe_addr dst;
	uint16_t sport;
	uint16_t dport;
	uint16_t mss;                /* 0: no MSS option */
	int wscale;                  /* -1: no window scale option, else 0..14 */
	int sack;                    /* send SACK-permitted */
	int timestamps;              /* send timestamps */
	uint16_t window;             /* our receive window in bytes (unscaled) */
	uint8_t ttl;                 /* IPv4 TTL, IPv6 hop limit */
	uint32_t ts_offset;          /* added to the TSval clock: probe_ts_offset() */
	int close_rst;               /* close with RST instead of FIN */
	uint64_t timeout_ns;         /* wait for an answer to the SYN */
	uint64_t close_timeout_ns;   /* wait for the FIN exchange before RST */
};

enum probe_state {
	PROBE_SYN_SENT,
	PROBE_FIN_WAIT_1,            /* our FIN sent, not acknowledged */
	PROBE_FIN_WAIT_2,            /* our FIN acknowledged, peer's FIN awaited */
	PROBE_CLOSING,               /* both FINs sent, ours not acknowledged */
	PROBE_DONE,                  /* nothing more to send (but re-ACKs) */
};

enum probe_result {
	PROBE_PENDING,
	PROBE_OPEN,
	PROBE_CLOSED,
	PROBE_FILTERED,
	PROBE_UNREACHABLE,
};

/* How an open connection ended. */
enum probe_close {
	PROBE_CLOSE_NONE,
	PROBE_CLOSE_FIN3,            /* our FIN, peer's FIN+ACK, our ACK */
	PROBE_CLOSE_FIN4,            /* our FIN, peer's ACK, peer's FIN, our ACK */
	PROBE_CLOSE_SIMULTANEOUS,    /* both FINs crossed (RFC 9293 §3.6 case 3) */
	PROBE_CLOSE_RST,             /* we reset it (--close rst) */
	PROBE_CLOSE_PEER_RST,        /* the peer reset it during the close */
	PROBE_CLOSE_TIMEOUT_RST,     /* the close timed out; we reset it */
};

/* What probe_input() made of a datagram. */
enum probe_verdict {
	PROBE_IGNORED_MALFORMED,     /* not a whole TCP/ICMP packet of the probe's family we can read */
	PROBE_IGNORED_CSUM,          /* a checksum does not verify */
	PROBE_IGNORED_UNRELATED,     /* other addresses, ports or sequence numbers */
	PROBE_IGNORED_LATE,          /* for this connection, but nothing left to do */
	PROBE_CONSUMED,              /* it moved the probe (tx may hold segments) */
};

struct probe_tx {
	unsigned int count;
	size_t len[PROBE_TX_MAX];
	uint8_t pkt[PROBE_TX_MAX][PROBE_PKT_MAX];   /* IPv4 datagrams or IPv6 packets */
};

struct probe {
	struct probe_config cfg;
	enum probe_state state;
	enum probe_result result;
	enum probe_close close;
	uint32_t iss;                /* our initial sequence number */
	uint32_t snd_nxt;
	uint32_t rcv_nxt;
	uint16_t ip_id;              /* IPv4 only */
	int ts_ok;                   /* both sides sent timestamps */
	int ws_ok;                   /* both sides sent window scale */
	uint32_t ts_recent;          /* the peer's last TSval, echoed (RFC 7323 §4.3) */
	uint64_t t_syn;              /* when the SYN was handed out (or entered the device queue) */
	uint64_t t_answer;           /* when the answer arrived (finished probes) */
	uint64_t deadline;           /* probe_timeout() is due at this time */
	uint64_t rtt_ns;             /* SYN to the answer (open, closed, unreachable) */
	/* The peer's SYN-ACK (OPEN). */
	uint32_t peer_isn;
	uint16_t peer_window;
	uint8_t peer_ttl;            /* IPv4 TTL or IPv6 hop limit */
	struct np_tcp_opts peer_opts; /* unknown[].data point into peer_raw_opts */
	uint8_t peer_raw_opts[NP_TCP_MAX_OPT_LEN];
	size_t peer_raw_opts_len;
	/* RST answer (CLOSED). */
	uint8_t rst_ttl;
	/* ICMP or ICMPv6 answer (UNREACHABLE). */
	uint8_t icmp_type;
	uint8_t icmp_code;
	struct probe_addr icmp_from;
	/* Counters. */
	unsigned int synack_retrans; /* SYN-ACKs received again */
	unsigned int dup_answers_limited; /* duplicates left unanswered (rate limit) */
	int dup_answered;            /* dup_answer_at is set */
	uint64_t dup_answer_at;      /* when a duplicate was last answered */
	uint64_t data_bytes;         /* payload the peer sent (a banner) */
};

/*
 * RFC 6528 §3 initial sequence number: a 4-microsecond clock (now_ns) plus
 * F(src, sport, dst, dport, key).  For a given connection 4-tuple the ISNs
 * of successive runs keep increasing, so a target still in TIME-WAIT for a
 * reused source port accepts the next SYN (RFC 9293 §3.4.1).  key is the
 * host's secret (io_host_key()); F is a keyed 64-bit mix, unpredictable
 * without the key, not a cryptographic hash.  For IPv4 the addresses enter
 * F as 32-bit values, for IPv6 all 128 bits of each are folded in.
 */
uint32_t probe_isn(const uint64_t key[2], const struct probe_addr *src, uint16_t sport,
		   const struct probe_addr *dst, uint16_t dport, uint64_t now_ns);

/*
 * Offset added to the millisecond TSval clock for one pair of hosts, as
 * Linux's tcp_ts_off: TSval tells nothing of the uptime (RFC 7323 §7.1) yet
 * grows from run to run, so PAWS in the target's TIME-WAIT (RFC 7323 §5,
 * RFC 6191) takes the next SYN of a reused port.
 */
uint32_t probe_ts_offset(const uint64_t key[2], const struct probe_addr *src,
			 const struct probe_addr *dst);

/*
 * Initialise p from cfg and write the SYN into tx (tx->count 1), an IPv4
 * datagram or an IPv6 packet as cfg's addresses are.  iss and
 * ip_id (IPv4 only) come from the caller (probe_isn() in main.c, fixed in tests).  Returns 0
 * or a negative NP_E* code from the codecs (options that cannot be built).
 */
int probe_start(struct probe *p, const struct probe_config *cfg, uint32_t iss, uint16_t ip_id,
		uint64_t now, struct probe_tx *tx);

/*
 * Feed one IPv4 datagram or IPv6 packet (exactly the packet; trailing
 * link padding is ignored) received at now; one of the other family than
 * the probe's is unrelated.  csum_verified: the link already checked the
 * TCP checksum, or it is not filled in yet (AF_PACKET's
 * TP_STATUS_CSUM_VALID / TP_STATUS_CSUMNOTREADY), so it is not verified
 * again; the IPv4 header checksum and ICMP checksums always are.  tx receives what to send
 * (tx->count may be 0).
 */
enum probe_verdict probe_input(struct probe *p, const uint8_t *ip, size_t len, int csum_verified,
			       uint64_t now, struct probe_tx *tx);

/*
 * The kernel's stamp of the SYN entering the device's queue (io_tx_stamp()),
 * later than the clock read before sending it: the RTT starts there, so it
 * leaves out this process's system call, as a capture on the interface
 * would.  The answer may already be in (the peer can answer before the
 * stamp is read): its RTT is corrected.  A stamp before the probe's own
 * clock reading, or after its answer, is not this SYN's and is ignored.
 * The deadline stays as set by probe_start().
 */
void probe_syn_stamp(struct probe *p, uint64_t sent_ns);

/*
 * Call when now >= p->deadline and the probe is not PROBE_DONE: a SYN
 * without answer becomes FILTERED; a close that did not finish is reset.
 */
void probe_timeout(struct probe *p, uint64_t now, struct probe_tx *tx);

/* True when the probe has nothing more to wait for. */
static inline int probe_done(const struct probe *p)
{
	return p->state == PROBE_DONE;
}

/*
 * The local port a datagram concerns: the TCP destination port of a
 * segment, or the TCP source port quoted by an ICMP or ICMPv6 error, for
 * IPv4 and IPv6 (past extension headers) alike.  For main.c to find the
 * probe; it checks lengths only (probe_input() checks the rest).
 * Returns 0 and sets *port, or NP_ETRUNC / NP_ETYPE.
 */
int probe_packet_port(const uint8_t *ip, size_t len, uint16_t *port);

const char *probe_result_name(enum probe_result r);
const char *probe_close_name(enum probe_close c);

#endif
