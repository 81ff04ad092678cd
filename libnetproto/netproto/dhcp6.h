/*
 * netproto/dhcp6.h: DHCPv6 messages and options (RFC 8415), with the client
 * FQDN option of RFC 4704, the NTP server option of RFC 5908, the client
 * link-layer address option of RFC 6939 and DUID-UUID of RFC 6355.
 *
 * A client/server message is msg-type, a 24-bit transaction-id and options
 * (RFC 8415 §8); a relay message (RELAY-FORW, RELAY-REPL) is msg-type,
 * hop-count, link-address, peer-address and options (§9), one of which, the
 * Relay Message option, carries the message being relayed, itself possibly a
 * relay message.  np_dhcp6_parse() reads either kind into a view that points
 * into the buffer; np_dhcp6_unwrap() walks nested relays down to the client
 * or server message.
 *
 * Options are a flat sequence of code (16 bits), length (16 bits) and value
 * (§21.1).  Some options (IA_NA, IA_TA, IA_PD, IA Address, IA Prefix, Relay
 * Message) carry options of their own: every option area, the message's or a
 * container's, is read with the same iterator.  Typed parsers read one option
 * (struct np_dhcp6_opt) into a view; they write their output only on success.
 *
 * Messages are written with a builder over the caller's buffer; container
 * options are opened and closed around the options they hold, and their
 * lengths are filled in when they are closed.
 *
 * Addresses are 16-byte arrays in network order (uint8_t[16]).
 *
 * Untrusted-input limits: an option that runs past its area is NP_EOPT; at
 * most NP_DHCP6_MAX_OPTS options per area, NP_DHCP6_MAX_IAS IAs per message,
 * NP_DHCP6_MAX_IA_ADDRS addresses or prefixes per IA and
 * NP_DHCP6_MAX_RELAY_DEPTH nested relay messages (NP_ECOUNT beyond).
 */
#ifndef NETPROTO_DHCP6_H
#define NETPROTO_DHCP6_H

#include <stddef.h>
#include <stdint.h>

#include <netproto/buf.h>

#define NP_DHCP6_CLIENT_PORT 546     /* RFC 8415 §7.2 */
#define NP_DHCP6_SERVER_PORT 547

#define NP_DHCP6_ADDR_LEN 16
#define NP_DHCP6_HDR_LEN 4           /* msg-type, transaction-id (§8) */
#define NP_DHCP6_RELAY_HDR_LEN 34    /* msg-type, hop-count, link-address, peer-address (§9) */
#define NP_DHCP6_OPT_HDR_LEN 4       /* option-code, option-len (§21.1) */
#define NP_DHCP6_XID_MAX 0xffffffu   /* the transaction-id is 24 bits */

#define NP_DHCP6_HOP_COUNT_LIMIT 8   /* RFC 8415 §7.6 */
/* Relay messages nested around one client/server message (one per hop). */
#define NP_DHCP6_MAX_RELAY_DEPTH NP_DHCP6_HOP_COUNT_LIMIT
#define NP_DHCP6_MAX_OPTS 256        /* options per area before NP_ECOUNT */
#define NP_DHCP6_MAX_IAS 32          /* IA_NA + IA_TA + IA_PD options per message */
#define NP_DHCP6_MAX_IA_ADDRS 32     /* IA Address or IA Prefix options per IA */
#define NP_DHCP6_DUID_MAX 130        /* type code and at most 128 octets (§11.1) */
#define NP_DHCP6_BUILD_DEPTH 4       /* container options open at once in a builder */

/* msg-type (RFC 8415 §7.3). */
enum np_dhcp6_msg_type {
	NP_DHCP6_SOLICIT = 1,
	NP_DHCP6_ADVERTISE = 2,
	NP_DHCP6_REQUEST = 3,
	NP_DHCP6_CONFIRM = 4,
	NP_DHCP6_RENEW = 5,
	NP_DHCP6_REBIND = 6,
	NP_DHCP6_REPLY = 7,
	NP_DHCP6_RELEASE = 8,
	NP_DHCP6_DECLINE = 9,
	NP_DHCP6_RECONFIGURE = 10,
	NP_DHCP6_INFORMATION_REQUEST = 11,
	NP_DHCP6_RELAY_FORW = 12,
	NP_DHCP6_RELAY_REPL = 13,
};

/* option-code (RFC 8415 §21, §24; RFC 3646, 4704, 5908, 6939). */
enum np_dhcp6_opt_code {
	NP_DHCP6_OPT_CLIENTID = 1,
	NP_DHCP6_OPT_SERVERID = 2,
	NP_DHCP6_OPT_IA_NA = 3,
	NP_DHCP6_OPT_IA_TA = 4,
	NP_DHCP6_OPT_IAADDR = 5,
	NP_DHCP6_OPT_ORO = 6,
	NP_DHCP6_OPT_PREFERENCE = 7,
	NP_DHCP6_OPT_ELAPSED_TIME = 8,
	NP_DHCP6_OPT_RELAY_MSG = 9,
	NP_DHCP6_OPT_AUTH = 11,
	NP_DHCP6_OPT_UNICAST = 12,
	NP_DHCP6_OPT_STATUS_CODE = 13,
	NP_DHCP6_OPT_RAPID_COMMIT = 14,
	NP_DHCP6_OPT_USER_CLASS = 15,
	NP_DHCP6_OPT_VENDOR_CLASS = 16,
	NP_DHCP6_OPT_VENDOR_OPTS = 17,
	NP_DHCP6_OPT_INTERFACE_ID = 18,
	NP_DHCP6_OPT_RECONF_MSG = 19,
	NP_DHCP6_OPT_RECONF_ACCEPT = 20,
	NP_DHCP6_OPT_DNS_SERVERS = 23,
	NP_DHCP6_OPT_DOMAIN_LIST = 24,
	NP_DHCP6_OPT_IA_PD = 25,
	NP_DHCP6_OPT_IAPREFIX = 26,
	NP_DHCP6_OPT_INFORMATION_REFRESH_TIME = 32,
	NP_DHCP6_OPT_CLIENT_FQDN = 39,
	NP_DHCP6_OPT_NTP_SERVER = 56,
	NP_DHCP6_OPT_CLIENT_LINKLAYER_ADDR = 79,
	NP_DHCP6_OPT_SOL_MAX_RT = 82,
	NP_DHCP6_OPT_INF_MAX_RT = 83,
};

/* Status codes (RFC 8415 §21.13, §24). */
enum np_dhcp6_status_code {
	NP_DHCP6_STATUS_SUCCESS = 0,
	NP_DHCP6_STATUS_UNSPEC_FAIL = 1,
	NP_DHCP6_STATUS_NO_ADDRS_AVAIL = 2,
	NP_DHCP6_STATUS_NO_BINDING = 3,
	NP_DHCP6_STATUS_NOT_ON_LINK = 4,
	NP_DHCP6_STATUS_USE_MULTICAST = 5,
	NP_DHCP6_STATUS_NO_PREFIX_AVAIL = 6,
};

/* DUID types (RFC 8415 §11.2, RFC 6355 §4). */
enum np_dhcp6_duid_type {
	NP_DHCP6_DUID_LLT = 1,
	NP_DHCP6_DUID_EN = 2,
	NP_DHCP6_DUID_LL = 3,
	NP_DHCP6_DUID_UUID = 4,
};

/* ---- Messages -------------------------------------------------------- */

struct np_dhcp6 {
	uint8_t msg_type;
	uint32_t xid;                /* client/server messages: 24 bits */
	uint8_t hop_count;           /* relay messages */
	uint8_t link_addr[NP_DHCP6_ADDR_LEN];   /* relay messages */
	uint8_t peer_addr[NP_DHCP6_ADDR_LEN];   /* relay messages */
	const uint8_t *options;      /* after the header, to the end of the payload */
	size_t options_len;
};

/* True for RELAY-FORW and RELAY-REPL, whose header is §9's. */
int np_dhcp6_is_relay(uint8_t msg_type);

/*
 * Parse a DHCPv6 message (a UDP payload), either kind.  0, or NP_ETRUNC
 * (shorter than its header) or NP_ETYPE (msg-type 0).  Unknown message
 * types parse as client/server messages (§8), for the caller to drop.
 * Options are checked only when iterated or validated.
 */
int np_dhcp6_parse(const void *buf, size_t len, struct np_dhcp6 *out);
/*
 * Write the header of in (by its msg-type) and in->options, which may
 * already sit in buf.  Returns the length, or NP_ENOSPC, NP_EINVAL (a
 * transaction-id over 24 bits, msg-type 0).
 */
int np_dhcp6_build(const struct np_dhcp6 *in, void *buf, size_t cap);

/*
 * The message a relay message carries (its Relay Message option, §21.10),
 * parsed.  NP_EINVAL when relay is not a relay message, NP_ENOTFOUND
 * without the option, the iterator's or the parser's errors otherwise.
 */
int np_dhcp6_relay_inner(const struct np_dhcp6 *relay, struct np_dhcp6 *inner);
/*
 * Parse buf and walk its relay messages down to the client or server
 * message, into *msg.  relays[] (max entries; NULL when not wanted)
 * receives the relay messages outermost first.  Returns the number of
 * relay messages (0 for a message sent directly), or NP_ECOUNT (more than
 * NP_DHCP6_MAX_RELAY_DEPTH), NP_ENOSPC (more than max), or an error of
 * np_dhcp6_relay_inner().
 */
int np_dhcp6_unwrap(const void *buf, size_t len, struct np_dhcp6 *relays, size_t max,
		    struct np_dhcp6 *msg);

/* "SOLICIT", "RELAY-FORW", ...; "UNKNOWN" for other values (never NULL). */
const char *np_dhcp6_msg_type_name(uint8_t type);

/* ---- Reading options ------------------------------------------------- */

struct np_dhcp6_opt {
	uint16_t code;
	uint16_t len;
	const uint8_t *data;         /* len bytes inside the message */
};

struct np_dhcp6_iter {
	struct np_reader r;          /* the option area */
	unsigned count;
	int err;                     /* sticky */
};

/* Iterate the options in area[0..len): a message's or a container's. */
void np_dhcp6_iter_init(struct np_dhcp6_iter *it, const uint8_t *area, size_t len);
/*
 * The next option: 1 with *opt set, 0 at the end of the area, or a
 * negative code (NP_EOPT: an option header or value runs past the area;
 * NP_ECOUNT: more than NP_DHCP6_MAX_OPTS).
 */
int np_dhcp6_iter_next(struct np_dhcp6_iter *it, struct np_dhcp6_opt *opt);
/*
 * The first option code in the area (options appear once unless RFC 8415
 * §21 says otherwise).  0, NP_ENOTFOUND, or an iterator error met before it.
 */
int np_dhcp6_opt_find(const uint8_t *area, size_t len, uint16_t code, struct np_dhcp6_opt *opt);
/* np_dhcp6_opt_find() in a message's options. */
int np_dhcp6_get(const struct np_dhcp6 *msg, uint16_t code, struct np_dhcp6_opt *opt);
/*
 * Check an option area and, inside every IA, IA Address and IA Prefix, the
 * areas they carry, and the counts (NP_DHCP6_MAX_IAS,
 * NP_DHCP6_MAX_IA_ADDRS).  0 or the first error of the iterator or of
 * np_dhcp6_parse_ia() / np_dhcp6_parse_iaaddr() / np_dhcp6_parse_iaprefix().
 * The Relay Message option is not entered: np_dhcp6_unwrap() does that.
 */
int np_dhcp6_opts_validate(const uint8_t *area, size_t len);

/*
 * Typed parsers.  Each reads one option, returns 0 (or a count) and writes
 * its output only on success; NP_EBADLEN when the length does not fit the
 * option's format; NP_ENOSPC when the caller's room is too small.  Views
 * point into the option.
 */

/* A value of exactly 1, 2 or 4 octets: 7 preference, 8 elapsed time
 * (hundredths of a second), 32 information refresh time, 82, 83 (seconds). */
int np_dhcp6_opt_u8(const struct np_dhcp6_opt *o, uint8_t *v);
int np_dhcp6_opt_u16(const struct np_dhcp6_opt *o, uint16_t *v);
int np_dhcp6_opt_u32(const struct np_dhcp6_opt *o, uint32_t *v);
/* 14 rapid commit, 20 reconfigure accept: NP_EBADLEN unless empty. */
int np_dhcp6_opt_empty(const struct np_dhcp6_opt *o);
/* 12 server unicast: one address. */
int np_dhcp6_opt_addr(const struct np_dhcp6_opt *o, uint8_t addr[NP_DHCP6_ADDR_LEN]);
/* 23 DNS recursive name servers (RFC 3646 §3): one or more; returns the count. */
int np_dhcp6_opt_addrs(const struct np_dhcp6_opt *o, uint8_t (*addrs)[NP_DHCP6_ADDR_LEN],
		       size_t max);
/* 6 option request: the codes, none or more; returns the count. */
int np_dhcp6_opt_oro(const struct np_dhcp6_opt *o, uint16_t *codes, size_t max);
/* Whether code is among codes[0..n). */
int np_dhcp6_oro_has(const uint16_t *codes, size_t n, uint16_t code);
/* 18 interface-id: opaque, at least one octet (§21.18). */
int np_dhcp6_opt_interface_id(const struct np_dhcp6_opt *o, const uint8_t **id, size_t *len);

/* 1 client identifier, 2 server identifier (§11, §21.2, §21.3). */
struct np_dhcp6_duid {
	uint16_t type;               /* NP_DHCP6_DUID_* or another value */
	uint16_t hw_type;            /* LLT, LL: IANA hardware type (1 Ethernet) */
	uint32_t time;               /* LLT: seconds since 2000-01-01 UTC, mod 2^32 */
	uint32_t enterprise;         /* EN: IANA enterprise number */
	/*
	 * LLT, LL: the link-layer address; EN: the identifier; UUID: the 16
	 * octets; other types: everything after the type code.
	 */
	const uint8_t *id;
	size_t id_len;
	const uint8_t *raw;          /* the whole DUID, type code included */
	size_t raw_len;
};

/*
 * A DUID in data[0..len): NP_EBADLEN outside 3..130 octets (§11.1), or
 * shorter than its type's fixed fields, or a UUID other than 16 octets
 * (RFC 6355 §4).  Other types are opaque (§11: compare DUIDs as octets).
 */
int np_dhcp6_parse_duid(const uint8_t *data, size_t len, struct np_dhcp6_duid *out);
/* The DUID in option 1 or 2. */
int np_dhcp6_opt_duid(const struct np_dhcp6_opt *o, struct np_dhcp6_duid *out);

/* 3 IA_NA, 4 IA_TA, 25 IA_PD (§21.4, §21.5, §21.21). */
struct np_dhcp6_ia {
	uint16_t code;               /* the option it came from */
	uint32_t iaid;
	uint32_t t1, t2;             /* 0 for IA_TA, which has neither */
	const uint8_t *options;      /* IA Address / IA Prefix / Status Code ... */
	size_t options_len;
};

/*
 * NP_EINVAL for another option, NP_EBADLEN shorter than its fixed fields,
 * and any error of the options it carries (validated as by
 * np_dhcp6_opts_validate(), NP_ECOUNT past NP_DHCP6_MAX_IA_ADDRS).  T1 > T2
 * is left to the caller: a server ignores a client's values (§21.4).
 */
int np_dhcp6_parse_ia(const struct np_dhcp6_opt *o, struct np_dhcp6_ia *out);

/* 5 IA Address (§21.6). */
struct np_dhcp6_iaaddr {
	uint8_t addr[NP_DHCP6_ADDR_LEN];
	uint32_t preferred, valid;   /* seconds; 0xffffffff is infinity (§7.7) */
	const uint8_t *options;
	size_t options_len;
};

int np_dhcp6_parse_iaaddr(const struct np_dhcp6_opt *o, struct np_dhcp6_iaaddr *out);

/* 26 IA Prefix (§21.22). */
struct np_dhcp6_iaprefix {
	uint32_t preferred, valid;
	uint8_t prefix_len;          /* 0..128 */
	uint8_t prefix[NP_DHCP6_ADDR_LEN];
	const uint8_t *options;
	size_t options_len;
};

/* NP_EFORMAT for a prefix length over 128. */
int np_dhcp6_parse_iaprefix(const struct np_dhcp6_opt *o, struct np_dhcp6_iaprefix *out);

/* 13 status code (§21.13). */
struct np_dhcp6_status {
	uint16_t code;
	const uint8_t *msg;          /* UTF-8 text, not NUL-terminated */
	size_t msg_len;
};

/* NP_EFORMAT when the message is not valid UTF-8 (RFC 3629). */
int np_dhcp6_opt_status(const struct np_dhcp6_opt *o, struct np_dhcp6_status *out);

/* 79 client link-layer address (RFC 6939 §4). */
struct np_dhcp6_lladdr {
	uint16_t hw_type;
	const uint8_t *addr;
	size_t addr_len;
};

/* NP_EBADLEN without a link-layer address. */
int np_dhcp6_opt_lladdr(const struct np_dhcp6_opt *o, struct np_dhcp6_lladdr *out);

/* A domain name in uncompressed wire form, inside the option. */
struct np_dhcp6_name {
	const uint8_t *wire;
	size_t len;
};

/*
 * 24 domain search list (RFC 3646 §4): one or more names, uncompressed
 * (RFC 8415 §10); returns the count.  NP_EFORMAT for a compression pointer,
 * NP_EBADLEN for a name cut by the end of the option, the DNS codec's
 * NP_ELABEL / NP_ENAME otherwise.
 */
int np_dhcp6_opt_domains(const struct np_dhcp6_opt *o, struct np_dhcp6_name *names, size_t max);

/* 56 NTP server suboptions (RFC 5908 §4). */
enum np_dhcp6_ntp_subopt {
	NP_DHCP6_NTP_SRV_ADDR = 1,
	NP_DHCP6_NTP_MC_ADDR = 2,
	NP_DHCP6_NTP_SRV_FQDN = 3,
};

struct np_dhcp6_ntp {
	uint16_t type;               /* NP_DHCP6_NTP_* or another value, kept raw */
	const uint8_t *data;         /* an address (16 octets), a name, or raw */
	size_t len;
};

/*
 * 56: one or more suboptions (RFC 5908 §4); returns the count.  NP_EOPT for
 * a suboption past the option, NP_EBADLEN for an address suboption other
 * than 16 octets, a name error as np_dhcp6_opt_domains() for the FQDN.
 */
int np_dhcp6_opt_ntp(const struct np_dhcp6_opt *o, struct np_dhcp6_ntp *servers, size_t max);

/* 39 client FQDN (RFC 4704 §4.1). */
#define NP_DHCP6_FQDN_S 0x01         /* server performs the AAAA update */
#define NP_DHCP6_FQDN_O 0x02         /* server overrode the client's S */
#define NP_DHCP6_FQDN_N 0x04         /* server performs no update */
#define NP_DHCP6_FQDN_MBZ 0xf8

struct np_dhcp6_fqdn {
	uint8_t flags;
	/*
	 * The name in uncompressed wire form as sent: empty (the client asks
	 * the server to choose), a full name, or, with partial set, labels
	 * without the root label (RFC 4704 §4.2).
	 */
	const uint8_t *name;
	size_t name_len;
	int partial;
};

/*
 * NP_EBADLEN when empty; NP_EFORMAT when S and N are both set (RFC 4704
 * §4.1; the MBZ bits are ignored) or the name uses compression or has
 * octets after its root label; NP_ELABEL / NP_ENAME from the DNS codec.
 */
int np_dhcp6_opt_fqdn(const struct np_dhcp6_opt *o, struct np_dhcp6_fqdn *out);

/* 15 user class, 16 vendor class (§21.15, §21.16): kept raw. */
struct np_dhcp6_class {
	uint32_t enterprise;         /* vendor class only */
	const uint8_t *data;         /* class data: (16-bit length, opaque) items */
	size_t len;
	unsigned count;              /* items in data */
};

/* NP_EOPT for an item past the option; user class needs one item, vendor class none. */
int np_dhcp6_opt_class(const struct np_dhcp6_opt *o, struct np_dhcp6_class *out);

/* ---- Writing messages ------------------------------------------------ */

struct np_dhcp6_builder {
	struct np_writer w;
	size_t open[NP_DHCP6_BUILD_DEPTH];    /* offsets of open containers' option-len */
	unsigned depth;
	int err;                     /* sticky */
};

/* Start a client/server message: NP_EINVAL for a relay type or xid over 24 bits. */
int np_dhcp6_builder_init(struct np_dhcp6_builder *b, void *buf, size_t cap, uint8_t msg_type,
			  uint32_t xid);
/* Start a relay message: NP_EINVAL for a type other than RELAY-FORW/RELAY-REPL. */
int np_dhcp6_builder_init_relay(struct np_dhcp6_builder *b, void *buf, size_t cap,
				uint8_t msg_type, uint8_t hop_count,
				const uint8_t link_addr[NP_DHCP6_ADDR_LEN],
				const uint8_t peer_addr[NP_DHCP6_ADDR_LEN]);
/*
 * Append an option with a value of len octets.  NP_EINVAL for a bad
 * argument (a value over 65535 octets, ...), which writes nothing; once
 * something does not fit (NP_ENOSPC) the builder fails for good and every
 * later call returns that error.
 */
int np_dhcp6_add(struct np_dhcp6_builder *b, uint16_t code, const void *val, size_t len);
int np_dhcp6_add_u8(struct np_dhcp6_builder *b, uint16_t code, uint8_t v);
int np_dhcp6_add_u16(struct np_dhcp6_builder *b, uint16_t code, uint16_t v);
int np_dhcp6_add_u32(struct np_dhcp6_builder *b, uint16_t code, uint32_t v);
/* 23 and other address lists (n >= 1), 12 with n == 1. */
int np_dhcp6_add_addrs(struct np_dhcp6_builder *b, uint16_t code,
		       const uint8_t (*addrs)[NP_DHCP6_ADDR_LEN], size_t n);
int np_dhcp6_add_oro(struct np_dhcp6_builder *b, const uint16_t *codes, size_t n);
/* 1 or 2 from the fields of d (raw is not read); NP_EINVAL for a bad shape. */
int np_dhcp6_add_duid(struct np_dhcp6_builder *b, uint16_t code, const struct np_dhcp6_duid *d);
/* 13; msg is UTF-8 text (may be NULL for none). */
int np_dhcp6_add_status(struct np_dhcp6_builder *b, uint16_t code, const char *msg);
/* 79. */
int np_dhcp6_add_lladdr(struct np_dhcp6_builder *b, uint16_t hw_type, const uint8_t *addr,
			size_t len);
/* 24 from text names, uncompressed (RFC 8415 §10). */
int np_dhcp6_add_domains(struct np_dhcp6_builder *b, const char *const *names, size_t n);
/* 56 from suboptions; FQDN suboptions hold wire names. */
int np_dhcp6_add_ntp(struct np_dhcp6_builder *b, const struct np_dhcp6_ntp *servers, size_t n);
/*
 * 39 from a text name (NULL or "" for none); partial drops the root label
 * (RFC 4704 §4.2).  NP_EINVAL when S and N are both set.
 */
int np_dhcp6_add_fqdn(struct np_dhcp6_builder *b, uint8_t flags, const char *name, int partial);
/* 15, 16: the class data items are written as given in c (data, len). */
int np_dhcp6_add_class(struct np_dhcp6_builder *b, uint16_t code, const struct np_dhcp6_class *c);

/*
 * Containers: open one, add the options it carries (containers nest up to
 * NP_DHCP6_BUILD_DEPTH), close it with np_dhcp6_end(), which writes its
 * length (NP_EINVAL when none is open, NP_EBADLEN over 65535).
 */
int np_dhcp6_begin(struct np_dhcp6_builder *b, uint16_t code);
/* IA_NA / IA_PD (t1, t2 written), IA_TA (t1, t2 ignored). */
int np_dhcp6_begin_ia(struct np_dhcp6_builder *b, uint16_t code, uint32_t iaid, uint32_t t1,
		      uint32_t t2);
int np_dhcp6_begin_iaaddr(struct np_dhcp6_builder *b, const uint8_t addr[NP_DHCP6_ADDR_LEN],
			  uint32_t preferred, uint32_t valid);
/* NP_EINVAL for a prefix length over 128. */
int np_dhcp6_begin_iaprefix(struct np_dhcp6_builder *b, uint32_t preferred, uint32_t valid,
			    uint8_t prefix_len, const uint8_t prefix[NP_DHCP6_ADDR_LEN]);
int np_dhcp6_end(struct np_dhcp6_builder *b);
/*
 * The message length, or the first error met while building (NP_EINVAL
 * when a container is still open).  The builder is done with after this.
 */
int np_dhcp6_builder_finish(struct np_dhcp6_builder *b);

/*
 * The RELAY-REPL answering the RELAY-FORW forw (§19.3): its hop-count,
 * link-address and peer-address, its Interface-Id option echoed when it
 * has one (§21.18), and a Relay Message option carrying inner[0..inner_len),
 * which may already lie anywhere in buf (forw's options must not).  For
 * nested relays, call it once per relay from the innermost out.  Returns
 * the length, or NP_EINVAL (forw not a RELAY-FORW, inner over 65535
 * octets), NP_ENOSPC, or an iterator error from forw's options.
 */
int np_dhcp6_build_relay_repl(const struct np_dhcp6 *forw, const void *inner, size_t inner_len,
			      void *buf, size_t cap);

#endif
