/*
 * netproto/tcp.h: TCP segment headers and options over IPv4 and IPv6 (RFC 9293).
 *
 * The codec sees the TCP header, options and data; the IPv4 source and
 * destination addresses (host order), or the IPv6 ones (np_tcp6_*), come
 * from the caller because the checksum covers a pseudo-header made of them
 * (RFC 9293 §3.1, RFC 8200 §8.1).  The segment length is the IP payload
 * length (after any IPv6 extension headers): pass exactly the segment.
 *
 * Options: MSS (kind 2, RFC 9293 §3.2), window scale (3, RFC 7323 §2),
 * SACK-permitted (4) and SACK blocks (5, RFC 2018), timestamps (8,
 * RFC 7323 §3), NOP (1), EOL (0).  Other kinds are kept as unknown
 * options.  RFC 9293 §3.2 (MUST-7) requires handling an illegal option
 * length; np_tcp_parse() refuses the segment with NP_EOPT for a length
 * octet below 2, an option running past the header, and a wrong length for
 * a known kind.  With NP_TCP_PARSE_LAX_OPTS the options are read as
 * Linux's tcp_parse_options() reads them: the first two end the option
 * list and the third is skipped, the segment is accepted with the options
 * read so far, and opts.malformed says so.  A known kind that appears
 * twice keeps its last value, as in Linux.
 */
#ifndef NETPROTO_TCP_H
#define NETPROTO_TCP_H

#include <stddef.h>
#include <stdint.h>

#define NP_TCP_HDR_LEN 20            /* without options */
#define NP_TCP_MAX_HDR_LEN 60        /* data offset is 4 bits of 32-bit words */
#define NP_TCP_MAX_OPT_LEN 40

#ifndef NP_IPPROTO_TCP
#define NP_IPPROTO_TCP 6
#endif

/* Control bits (RFC 9293 §3.1; CWR and ECE from RFC 3168 §6.1). */
#define NP_TCP_FIN 0x01
#define NP_TCP_SYN 0x02
#define NP_TCP_RST 0x04
#define NP_TCP_PSH 0x08
#define NP_TCP_ACK 0x10
#define NP_TCP_URG 0x20
#define NP_TCP_ECE 0x40
#define NP_TCP_CWR 0x80

/* Option kinds (IANA "TCP Option Kind Numbers"). */
#define NP_TCP_OPT_EOL 0
#define NP_TCP_OPT_NOP 1
#define NP_TCP_OPT_MSS 2
#define NP_TCP_OPT_WSCALE 3
#define NP_TCP_OPT_SACK_PERM 4
#define NP_TCP_OPT_SACK 5
#define NP_TCP_OPT_TIMESTAMP 8

/* Bits of np_tcp_opts.present. */
#define NP_TCP_HAS_MSS 0x01
#define NP_TCP_HAS_WSCALE 0x02
#define NP_TCP_HAS_SACK_PERM 0x04
#define NP_TCP_HAS_SACK 0x08
#define NP_TCP_HAS_TIMESTAMP 0x10

#define NP_TCP_SACK_MAX 4            /* 2 + 4 * 8 = 34 octets fill the option space */
#define NP_TCP_UNKNOWN_MAX 8         /* unknown options stored; more are only counted */
#define NP_TCP_WSCALE_MAX 14         /* RFC 7323 §2.3: larger shifts are used as 14 */

struct np_tcp_sack_block {
	uint32_t left;               /* first sequence number of the block */
	uint32_t right;              /* sequence number just after it */
};

struct np_tcp_unknown_opt {
	uint8_t kind;
	uint8_t len;                 /* the length octet: kind, length and data */
	const uint8_t *data;         /* len - 2 octets */
};

struct np_tcp_opts {
	unsigned present;            /* NP_TCP_HAS_* */
	uint16_t mss;
	uint8_t wscale;              /* shift count as received; see NP_TCP_WSCALE_MAX */
	uint32_t ts_val;
	uint32_t ts_ecr;
	uint8_t sack_count;          /* 1..NP_TCP_SACK_MAX when NP_TCP_HAS_SACK */
	struct np_tcp_sack_block sack[NP_TCP_SACK_MAX];
	uint8_t unknown_count;       /* every unknown option seen */
	struct np_tcp_unknown_opt unknown[NP_TCP_UNKNOWN_MAX]; /* the first ones */
	uint8_t malformed;           /* NP_TCP_PARSE_LAX_OPTS: an illegal option was passed over */
};

/* How np_tcp_build() lays out the options. */
enum np_tcp_opt_layout {
	/*
	 * The order Linux writes (tcp_options_write()): MSS; timestamps with
	 * SACK-permitted in front of them, or NOP NOP then timestamps;
	 * otherwise NOP NOP SACK-permitted; NOP window scale; NOP NOP SACK
	 * blocks; then the stored unknown options.  A SYN built this way is
	 * the kernel's SYN.
	 */
	NP_TCP_LAYOUT_LINUX = 0,
	/*
	 * The kinds listed in opt_order, in that order: NOP and EOL write
	 * themselves, a known kind writes its value (NP_EINVAL if it is not
	 * present), another kind writes the next stored unknown option of
	 * that kind (NP_EINVAL if none is left).  Options not listed are not
	 * written.
	 */
	NP_TCP_LAYOUT_ORDER,
	/* The bytes opt_data, opt_len as they are (malformed ones too). */
	NP_TCP_LAYOUT_RAW,
};

struct np_tcp {
	uint16_t src_port;
	uint16_t dst_port;
	uint32_t seq;
	uint32_t ack;
	uint8_t hdr_len;             /* data offset in bytes (build: computed, ignored) */
	uint8_t flags;               /* NP_TCP_* control bits */
	uint8_t reserved;            /* the 4 reserved bits before CWR, kept as received */
	uint16_t window;             /* unscaled, as on the wire */
	uint16_t checksum;           /* as received (build: computed, ignored) */
	uint16_t urgent;
	struct np_tcp_opts opts;
	/* Parse: the option space as received, padding included.  Build: for NP_TCP_LAYOUT_RAW. */
	const uint8_t *opt_data;
	size_t opt_len;
	int opt_layout;              /* build only: enum np_tcp_opt_layout (parse sets LINUX) */
	const uint8_t *opt_order;    /* build only, for NP_TCP_LAYOUT_ORDER */
	size_t opt_order_len;
	const uint8_t *payload;
	size_t payload_len;
};

/*
 * Parse the segment at buf (the IPv4 payload, exactly len bytes) and
 * verify its checksum against the pseudo-header of src and dst.  Returns
 * 0, or NP_ETRUNC (shorter than 20 bytes), NP_EBADLEN (data offset below 5
 * or beyond len, or len above 65535), NP_EOPT (a malformed option),
 * NP_ECSUM (the checksum does not verify).
 */
int np_tcp_parse(const void *buf, size_t len, uint32_t src, uint32_t dst, struct np_tcp *out);
/*
 * The same without checking the checksum, for segments whose checksum is
 * known good or not filled in yet (AF_PACKET's TP_STATUS_CSUM_VALID and
 * TP_STATUS_CSUMNOTREADY on a host that offloads checksums).
 */
int np_tcp_parse_nocsum(const void *buf, size_t len, struct np_tcp *out);

/* Flags of np_tcp_parse_flags(). */
#define NP_TCP_PARSE_NOCSUM 0x01     /* do not verify the checksum (src, dst unused) */
#define NP_TCP_PARSE_LAX_OPTS 0x02   /* illegal options as Linux: never NP_EOPT */
/*
 * np_tcp_parse() with flags.  With NP_TCP_PARSE_LAX_OPTS, an option whose
 * length octet is below 2 or missing, or that runs past the header, ends
 * the option list; a known kind of the wrong length is passed over; in
 * both cases opts.malformed is set and the segment parses.  For a TCP
 * endpoint, which must accept what the peer's stack accepts (a receiver
 * that drops such a SYN-ACK leaves the peer half-open).
 */
int np_tcp_parse_flags(const void *buf, size_t len, uint32_t src, uint32_t dst, unsigned flags,
		       struct np_tcp *out);
/*
 * Length of the header (options and padding included) that np_tcp_build()
 * writes for in, so a caller can put the payload in place first; or a
 * negative NP_E* code for options that cannot be written.
 */
int np_tcp_hdr_len(const struct np_tcp *in);
/*
 * Write header, options (padded to a multiple of 4 with EOL octets, which
 * are zero as RFC 9293 §3.1 wants the padding) and payload (which may
 * already sit at buf + np_tcp_hdr_len(in)), and fill in the checksum for
 * src and dst.  Returns the segment length, or NP_ENOSPC, NP_EINVAL (bad
 * layout or order, payload NULL with a length, segment over 65535 bytes),
 * NP_EOPT (options over 40 bytes, or an unknown option with a length below
 * 2), NP_ECOUNT (SACK blocks not 1..4, more unknown options counted than
 * stored).
 */
int np_tcp_build(const struct np_tcp *in, uint32_t src, uint32_t dst, void *buf, size_t cap);

/*
 * The same over IPv6 (RFC 9293 §3.1 "Checksum", RFC 8200 §8.1): src and dst
 * are the 16-octet addresses of the IPv6 header (dst the final destination
 * when there is a routing header) and buf is the upper-layer payload after
 * any extension headers.  Returns and limits as np_tcp_parse() and
 * np_tcp_build() (jumbograms, RFC 2675, are not supported).
 */
int np_tcp6_parse(const void *buf, size_t len, const uint8_t src[16], const uint8_t dst[16],
		  struct np_tcp *out);
int np_tcp6_build(const struct np_tcp *in, const uint8_t src[16], const uint8_t dst[16],
		  void *buf, size_t cap);
/* np_tcp6_parse() with the flags of np_tcp_parse_flags() (src, dst unused with NOCSUM). */
int np_tcp6_parse_flags(const void *buf, size_t len, const uint8_t src[16], const uint8_t dst[16],
			unsigned flags, struct np_tcp *out);

/*
 * Sequence number comparisons modulo 2^32 (RFC 9293 §3.4): a is before b
 * when the 32-bit difference a - b, read as signed, is negative.  The
 * top-bit test below is that sign without an implementation-defined
 * conversion.  Numbers exactly 2^31 apart compare "before" both ways.
 */
static inline int np_tcp_seq_lt(uint32_t a, uint32_t b)
{
	return ((a - b) & 0x80000000u) != 0;
}

static inline int np_tcp_seq_le(uint32_t a, uint32_t b)
{
	return a == b || np_tcp_seq_lt(a, b);
}

static inline int np_tcp_seq_gt(uint32_t a, uint32_t b)
{
	return np_tcp_seq_lt(b, a);
}

static inline int np_tcp_seq_ge(uint32_t a, uint32_t b)
{
	return np_tcp_seq_le(b, a);
}

#endif
