/*
 * netproto/dhcp4.h: DHCPv4 messages (RFC 2131) and their options (RFC 2132).
 *
 * A message is the BOOTP fixed part (RFC 951, RFC 2131 §2), the magic cookie
 * and the options field.  np_dhcp4_parse() reads the UDP payload of a message:
 * the fixed fields in host byte order, sname and file copied (option 52 may
 * make them option areas), and a pointer to the options field in the buffer.
 *
 * Options are read with an iterator that walks the options field and then,
 * when option 52 (overload) in the options field says so, the file field and
 * then the sname field (RFC 2132 §9.3).  The same code appearing more than
 * once is one option whose values are concatenated in that order (RFC 3396):
 * np_dhcp4_opt_get() and every typed accessor return the concatenation.
 *
 * Messages are written with a builder that owns the output buffer: it writes
 * the fixed part, appends options within the size the client accepts (option
 * 57, at least 576), splits values longer than 255 octets (RFC 3396), and on
 * request overloads the file and sname fields when the options field is full.
 *
 * Untrusted-input limits: an option that runs past its area is NP_EOPT; at
 * most NP_DHCP4_MAX_OPTS non-PAD options per area (NP_ECOUNT); option 52 is
 * only honoured in the options field.
 */
#ifndef NETPROTO_DHCP4_H
#define NETPROTO_DHCP4_H

#include <stddef.h>
#include <stdint.h>

#include <netproto/buf.h>

#define NP_DHCP4_SERVER_PORT 67
#define NP_DHCP4_CLIENT_PORT 68

#define NP_DHCP4_CHADDR_LEN 16
#define NP_DHCP4_SNAME_LEN 64
#define NP_DHCP4_FILE_LEN 128
#define NP_DHCP4_FIXED_LEN 236       /* op .. file */
#define NP_DHCP4_COOKIE 0x63825363u  /* RFC 2131 §3 */
#define NP_DHCP4_HDR_LEN 240         /* fixed part + cookie */
#define NP_DHCP4_BOOTP_MIN_LEN 300   /* BOOTP with its 64-octet vendor area (RFC 951, RFC 1542 §2.1) */
#define NP_DHCP4_MIN_MAX_SIZE 576    /* smallest legal option 57 (RFC 2132 §9.10) */
#define NP_DHCP4_IP_UDP_LEN 28       /* IPv4 (no options) + UDP headers, counted by option 57 */
#define NP_DHCP4_MAX_OPTS 255        /* non-PAD options per area before NP_ECOUNT */

#define NP_DHCP4_FLAG_BROADCAST 0x8000  /* RFC 2131 §2, figure 2 */

enum np_dhcp4_op {
	NP_BOOTREQUEST = 1,
	NP_BOOTREPLY = 2,
};

/* Option 53 values (RFC 2132 §9.6, RFC 3203, RFC 4388). */
enum np_dhcp4_msg_type {
	NP_DHCPDISCOVER = 1,
	NP_DHCPOFFER = 2,
	NP_DHCPREQUEST = 3,
	NP_DHCPDECLINE = 4,
	NP_DHCPACK = 5,
	NP_DHCPNAK = 6,
	NP_DHCPRELEASE = 7,
	NP_DHCPINFORM = 8,
	NP_DHCPFORCERENEW = 9,
	NP_DHCPLEASEQUERY = 10,
	NP_DHCPLEASEUNASSIGNED = 11,
	NP_DHCPLEASEUNKNOWN = 12,
	NP_DHCPLEASEACTIVE = 13,
};

enum np_dhcp4_opt_code {
	NP_DHCP4_OPT_PAD = 0,
	NP_DHCP4_OPT_SUBNET_MASK = 1,
	NP_DHCP4_OPT_ROUTER = 3,
	NP_DHCP4_OPT_DNS = 6,
	NP_DHCP4_OPT_HOSTNAME = 12,
	NP_DHCP4_OPT_DOMAIN_NAME = 15,
	NP_DHCP4_OPT_BROADCAST = 28,
	NP_DHCP4_OPT_NTP = 42,
	NP_DHCP4_OPT_REQUESTED_IP = 50,
	NP_DHCP4_OPT_LEASE_TIME = 51,
	NP_DHCP4_OPT_OVERLOAD = 52,
	NP_DHCP4_OPT_MSG_TYPE = 53,
	NP_DHCP4_OPT_SERVER_ID = 54,
	NP_DHCP4_OPT_PARAM_LIST = 55,
	NP_DHCP4_OPT_MESSAGE = 56,
	NP_DHCP4_OPT_MAX_SIZE = 57,
	NP_DHCP4_OPT_T1 = 58,
	NP_DHCP4_OPT_T2 = 59,
	NP_DHCP4_OPT_VENDOR_CLASS = 60,
	NP_DHCP4_OPT_CLIENT_ID = 61,
	NP_DHCP4_OPT_TFTP_SERVER = 66,     /* RFC 2132 §9.4 */
	NP_DHCP4_OPT_BOOTFILE = 67,        /* RFC 2132 §9.5 */
	NP_DHCP4_OPT_USER_CLASS = 77,      /* RFC 3004 */
	NP_DHCP4_OPT_RAPID_COMMIT = 80,
	NP_DHCP4_OPT_FQDN = 81,
	NP_DHCP4_OPT_RELAY_INFO = 82,
	NP_DHCP4_OPT_CLIENT_ARCH = 93,     /* RFC 4578 §2.1 */
	NP_DHCP4_OPT_DOMAIN_SEARCH = 119,
	NP_DHCP4_OPT_CLASSLESS_ROUTE = 121,
	NP_DHCP4_OPT_END = 255,
};

/* Option 52 values: which fields hold options (RFC 2132 §9.3). */
#define NP_DHCP4_OVERLOAD_FILE 1
#define NP_DHCP4_OVERLOAD_SNAME 2

struct np_dhcp4 {
	uint8_t op;                  /* NP_BOOTREQUEST or NP_BOOTREPLY */
	uint8_t htype;               /* 1 for Ethernet */
	uint8_t hlen;                /* <= NP_DHCP4_CHADDR_LEN */
	uint8_t hops;
	uint32_t xid;
	uint16_t secs;
	uint16_t flags;              /* NP_DHCP4_FLAG_BROADCAST */
	uint32_t ciaddr, yiaddr, siaddr, giaddr;   /* host order */
	uint8_t chaddr[NP_DHCP4_CHADDR_LEN];
	uint8_t sname[NP_DHCP4_SNAME_LEN];
	uint8_t file[NP_DHCP4_FILE_LEN];
	const uint8_t *options;      /* after the cookie, to the end of the payload */
	size_t options_len;
};

/*
 * Parse a DHCP message (a UDP payload).  0, or NP_ETRUNC (shorter than the
 * fixed part), NP_ECOOKIE (no DHCP magic cookie: plain BOOTP or garbage),
 * NP_ETYPE (op neither request nor reply), NP_EBADLEN (hlen > 16).  Options
 * are checked only when iterated.
 */
int np_dhcp4_parse(const void *buf, size_t len, struct np_dhcp4 *out);
/*
 * Write the fixed part, the cookie and in->options (which may already sit
 * at offset NP_DHCP4_HDR_LEN of buf), then zeros up to
 * NP_DHCP4_BOOTP_MIN_LEN.  Returns the length or NP_ENOSPC / NP_EBADLEN.
 */
int np_dhcp4_build(const struct np_dhcp4 *in, void *buf, size_t cap);

/* "DISCOVER", "OFFER", ...; "UNKNOWN" for other values (never NULL). */
const char *np_dhcp4_msg_type_name(uint8_t type);

/* ---- Reading options ------------------------------------------------- */

struct np_dhcp4_opt {
	uint8_t code;
	uint8_t len;
	const uint8_t *data;         /* len bytes, inside the message or its sname/file copy */
};

struct np_dhcp4_iter {
	const struct np_dhcp4 *msg;  /* must outlive the iterator */
	struct np_reader r;          /* the current area */
	int area;                    /* 0 options, 1 file, 2 sname, 3 done */
	uint8_t overload;            /* option 52 seen in the options field */
	unsigned count;              /* non-PAD options in the current area */
	int err;                     /* sticky */
};

void np_dhcp4_iter_init(struct np_dhcp4_iter *it, const struct np_dhcp4 *msg);
/*
 * The next option other than PAD and END: 1 with *opt set, 0 after the
 * last area, or a negative code (NP_EOPT: option runs past its area or a bad
 * option 52; NP_ECOUNT: more than NP_DHCP4_MAX_OPTS in one area).  Option
 * 52 is returned from the options field only; in file/sname it is skipped.
 */
int np_dhcp4_iter_next(struct np_dhcp4_iter *it, struct np_dhcp4_opt *opt);

/* Check every option of msg: 0 or the iterator's error. */
int np_dhcp4_opts_validate(const struct np_dhcp4 *msg);
/*
 * Copy the concatenation of every instance of code (RFC 3396) into out.
 * Returns its length, NP_ENOTFOUND, NP_ENOSPC when it is longer than cap,
 * or an iterator error.
 */
int np_dhcp4_opt_get(const struct np_dhcp4 *msg, uint8_t code, uint8_t *out, size_t cap);
int np_dhcp4_opt_has(const struct np_dhcp4 *msg, uint8_t code);

/*
 * Typed accessors.  Each returns 0 (or a count) and writes its output only
 * on success; NP_ENOTFOUND when absent; NP_EBADLEN when the length does not
 * fit the option's format; NP_ENOSPC when the caller's room is too small;
 * NP_ECOUNT for a list option whose concatenated value exceeds 1024 octets
 * (the accessors' bound on work and stack).
 */
/* 1, 28, 50, 54 and any other single-address option. */
int np_dhcp4_get_addr(const struct np_dhcp4 *msg, uint8_t code, uint32_t *addr);
/* 3, 6, 42: a non-empty list of addresses; returns the count. */
int np_dhcp4_get_addrs(const struct np_dhcp4 *msg, uint8_t code, uint32_t *addrs, size_t max);
/* 51, 58, 59: seconds. */
int np_dhcp4_get_u32(const struct np_dhcp4 *msg, uint8_t code, uint32_t *v);
/* 53. */
int np_dhcp4_get_msg_type(const struct np_dhcp4 *msg, uint8_t *type);
/* 57: NP_EFORMAT below 576 (RFC 2132 §9.10), which the server ignores. */
int np_dhcp4_get_max_size(const struct np_dhcp4 *msg, uint16_t *size);
/*
 * 12, 15 and other NVT ASCII strings: copied NUL-terminated; trailing NULs
 * that some clients send are dropped, an embedded NUL is NP_EFORMAT.
 * Returns the string length.
 */
int np_dhcp4_get_string(const struct np_dhcp4 *msg, uint8_t code, char *out, size_t cap);
/* 55: the codes requested; returns the count (at least 1). */
int np_dhcp4_get_param_list(const struct np_dhcp4 *msg, uint8_t *codes, size_t cap);
/* Whether code appears in a parameter request list. */
int np_dhcp4_param_list_has(const uint8_t *codes, size_t n, uint8_t code);
/* 61: type octet and identifier, at least 2 octets (RFC 2132 §9.14); returns the length. */
int np_dhcp4_get_client_id(const struct np_dhcp4 *msg, uint8_t *out, size_t cap);

/* 81, client FQDN (RFC 4702 §2). */
#define NP_DHCP4_FQDN_S 0x01         /* server performs the A update */
#define NP_DHCP4_FQDN_O 0x02         /* server overrode the client's S */
#define NP_DHCP4_FQDN_E 0x04         /* name in canonical wire format */
#define NP_DHCP4_FQDN_N 0x08         /* server performs no update */
#define NP_DHCP4_FQDN_MBZ 0xf0

struct np_dhcp4_fqdn {
	uint8_t flags;
	uint8_t rcode1, rcode2;      /* 0 from clients, 255 from servers (RFC 4702 §2.2) */
	/*
	 * With E: the name in uncompressed wire form; partial (no root label
	 * sent: the client gave only its host label, RFC 4702 §2.3.1) is then
	 * set and the root label is added here.  Without E: the deprecated
	 * ASCII form, as sent, not NUL-terminated.
	 */
	uint8_t name[256];
	size_t name_len;
	int partial;
};

/*
 * 81.  NP_EBADLEN under 3 octets; NP_EFORMAT when S and N are both set
 * (RFC 4702 §2.1; the MBZ bits are ignored, as the RFC says) or a wire name
 * that uses compression or has octets after its root label; a wire name
 * that does not decode gives the DNS codec's error.
 */
int np_dhcp4_get_fqdn(const struct np_dhcp4 *msg, struct np_dhcp4_fqdn *out);

/*
 * 82, relay agent information (RFC 3046).  The sub-options are kept raw so
 * the server can echo them back unchanged (RFC 3046 §2.2); returns the
 * length after checking that the sub-options are well formed (NP_EOPT).
 */
int np_dhcp4_get_relay_info(const struct np_dhcp4 *msg, uint8_t *out, size_t cap);
/* Find sub-option code (1 circuit id, 2 remote id) in raw option-82 data. */
int np_dhcp4_relay_subopt(const uint8_t *raw, size_t len, uint8_t code, struct np_dhcp4_opt *sub);

/*
 * 119, domain search (RFC 3397): the names, decompressed, written one after
 * another in wire form into out; returns the number of names.  Compression
 * pointers are offsets into the concatenated option (RFC 3397 §2).
 */
int np_dhcp4_get_domain_search(const struct np_dhcp4 *msg, uint8_t *out, size_t cap, size_t *out_len);

/* 121, classless static routes (RFC 3442). */
struct np_dhcp4_route {
	uint32_t dest;               /* host order, bits beyond prefix_len zero */
	uint8_t prefix_len;          /* 0..32 */
	uint32_t router;
};

/* 121: returns the count; NP_EOPT on a bad width or a truncated descriptor. */
int np_dhcp4_get_routes(const struct np_dhcp4 *msg, struct np_dhcp4_route *routes, size_t max);

/* ---- Writing messages ------------------------------------------------ */

/* Flags for np_dhcp4_builder_init(). */
#define NP_DHCP4_BUILD_OVERLOAD 0x1  /* may move options into file, then sname */
/* The header's file / sname field carries a value (a boot file, a server name): never overloaded. */
#define NP_DHCP4_BUILD_KEEP_FILE 0x2
#define NP_DHCP4_BUILD_KEEP_SNAME 0x4

struct np_dhcp4_builder {
	struct np_writer w;          /* the message, then the options field up to opt_end */
	struct np_writer file;       /* the file field, once options overflow into it */
	struct np_writer sname;      /* the sname field, after file */
	size_t limit;                /* bytes the receiver accepts */
	size_t opt_end;              /* the options field stops here (room for 52 and END) */
	int area;                    /* 0 options, 1 file, 2 sname */
	unsigned allow_overload;
	unsigned keep;               /* NP_DHCP4_BUILD_KEEP_* */
	unsigned used;               /* NP_DHCP4_OVERLOAD_* areas holding options */
	int err;                     /* sticky */
};

/*
 * Start a message in buf: writes hdr's fixed part (sname/file included) and
 * the cookie.  max_size is the receiver's option 57 (0: none sent); the
 * message is kept within max(max_size, 576) - 28 bytes (option 57 counts
 * the IP and UDP headers, RFC 2131 §2) and within cap.
 */
int np_dhcp4_builder_init(struct np_dhcp4_builder *b, const struct np_dhcp4 *hdr, void *buf,
			  size_t cap, uint16_t max_size, unsigned flags);
/*
 * Append an option.  A value longer than 255 octets becomes several
 * instances of code (RFC 3396 §5); an instance is never split across fields,
 * so receivers without RFC 3396 still read short options whole.  Options
 * fill the options field, then (with NP_DHCP4_BUILD_OVERLOAD) file, then
 * sname, never going back to an earlier field, so split values keep their
 * order.  NP_ENOSPC when it does not fit (the builder then fails for good),
 * NP_EINVAL for PAD/END/52 (the builder writes those).
 */
int np_dhcp4_add(struct np_dhcp4_builder *b, uint8_t code, const void *val, size_t len);
int np_dhcp4_add_u8(struct np_dhcp4_builder *b, uint8_t code, uint8_t v);
int np_dhcp4_add_u16(struct np_dhcp4_builder *b, uint8_t code, uint16_t v);
int np_dhcp4_add_u32(struct np_dhcp4_builder *b, uint8_t code, uint32_t v);
int np_dhcp4_add_addrs(struct np_dhcp4_builder *b, uint8_t code, const uint32_t *addrs, size_t n);
int np_dhcp4_add_string(struct np_dhcp4_builder *b, uint8_t code, const char *s);
/* 81; with NP_DHCP4_FQDN_E the name is converted to wire form. */
int np_dhcp4_add_fqdn(struct np_dhcp4_builder *b, uint8_t flags, uint8_t rcode1, uint8_t rcode2,
		      const char *name);
/* 119 from text names, compressed (RFC 3397 §2). */
int np_dhcp4_add_domain_search(struct np_dhcp4_builder *b, const char *const *names, size_t n);
/* 121; destinations are masked to their prefix. */
int np_dhcp4_add_routes(struct np_dhcp4_builder *b, const struct np_dhcp4_route *routes, size_t n);
/*
 * Write option 52 when file/sname were used, END in every used area, and
 * zeros up to NP_DHCP4_BOOTP_MIN_LEN.  Returns the message length or the
 * first error met while building.  The builder is done with after this.
 */
int np_dhcp4_builder_finish(struct np_dhcp4_builder *b);

#endif
