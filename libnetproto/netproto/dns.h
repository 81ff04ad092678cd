/*
 * netproto/dns.h: DNS names and messages (RFC 1035 and successors).
 *
 * Names are handled in uncompressed wire form: a sequence of length-prefixed
 * labels ending with the zero-length root label, at most NP_DNS_NAME_MAX
 * octets.  Reading untrusted names applies the limits of RFC 9267: every
 * compression pointer must point strictly before the start of the name or
 * label sequence that contains it, at most NP_DNS_MAX_JUMPS pointers are
 * followed, labels are at most 63 octets, and the label types 0x40 and 0x80
 * (RFC 6891 §5 made extended labels obsolete) are rejected.
 */
#ifndef NETPROTO_DNS_H
#define NETPROTO_DNS_H

#include <stddef.h>
#include <stdint.h>

#include <netproto/buf.h>

#define NP_DNS_NAME_MAX 255          /* octets in wire form, root label included (RFC 1035 §3.1) */
#define NP_DNS_LABEL_MAX 63          /* octets in one label (RFC 1035 §2.3.4) */
#define NP_DNS_NAME_TEXT_MAX 1005    /* 255 octets as \DDD text, dots, trailing NUL */
#define NP_DNS_MAX_JUMPS 128         /* compression pointers followed per name */
#define NP_DNS_PTR_MAX 0x3fff        /* largest offset a compression pointer can hold */

/* ---- Names ---------------------------------------------------------- */

/*
 * Read the name at r's position.  r covers the whole message: compression
 * pointer offsets count from r->data.  r advances past the name as it
 * appears in place (up to and including the first pointer).  The name is
 * written to out in uncompressed wire form (cap >= NP_DNS_NAME_MAX always
 * suffices).  Returns the wire length, or NP_ETRUNC, NP_ELOOP (pointer not
 * strictly backwards, or more than NP_DNS_MAX_JUMPS), NP_ELABEL (label type
 * 0x40/0x80), NP_ENAME (longer than 255 octets) or NP_ENOSPC (cap); on error
 * the code is also recorded in r, and out may hold a partial name.
 */
int np_dns_name_read(struct np_reader *r, uint8_t *out, size_t cap);

/*
 * Check that wire[0..len) is exactly one uncompressed name.  Returns 0 or
 * NP_ELABEL (pointer or reserved label type), NP_ENAME (too long) or
 * NP_EBADLEN (the root label is missing or not at the end).
 */
int np_dns_name_check(const uint8_t *wire, size_t len);

/*
 * Presentation format to wire form (RFC 1035 §5.1): "a.b.c." or "a.b.c"
 * (both absolute), "." is the root; "\." and "\\" escape one character and
 * "\DDD" one octet in decimal.  Returns the wire length or NP_EINVAL (empty
 * string, empty label, bad escape), NP_ELABEL, NP_ENAME or NP_ENOSPC.
 */
int np_dns_name_from_text(const char *text, uint8_t *out, size_t cap);

/*
 * Wire form to presentation format with the trailing dot, escaping as dig
 * does: . \ " ; ( ) @ $ get a backslash, octets outside 0x21..0x7e become
 * \DDD.  out is NUL-terminated; NP_DNS_NAME_TEXT_MAX always suffices.
 * Returns the text length (without the NUL) or an np_dns_name_check() error
 * or NP_ENOSPC.
 */
int np_dns_name_to_text(const uint8_t *wire, size_t len, char *out, size_t cap);

/* Number of labels, the root not counted ("." has 0, "a.b." has 2). */
int np_dns_name_labels(const uint8_t *wire, size_t len);
/* ASCII case-insensitive equality of two valid names (RFC 4343 §3). */
int np_dns_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* True when name equals parent or lies below it (case-insensitive). */
int np_dns_name_is_subdomain(const uint8_t *name, size_t len, const uint8_t *parent,
			     size_t plen);
/* Lowercase ASCII letters in place (RFC 4343: octets >= 0x80 untouched). */
void np_dns_name_lower(uint8_t *wire, size_t len);
/* A case-insensitive hash (FNV-1a over lowercased octets) for caches. */
uint32_t np_dns_name_hash(const uint8_t *wire, size_t len);

/*
 * Reverse-mapping names, in wire form: d.c.b.a.in-addr.arpa. for the IPv4
 * address a.b.c.d (host order; RFC 1035 §3.5) and the 32 nibbles of an IPv6
 * address, least significant first, under ip6.arpa. (RFC 3596 §2.5), e.g.
 * b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa.
 * for 4321:0:1:2:3:4:567:89ab.  Return the wire length or NP_ENOSPC;
 * NP_DNS_REVERSE_MAX always suffices.
 */
#define NP_DNS_REVERSE4_MAX 30       /* 4 labels of up to 3 digits, in-addr, arpa, root */
#define NP_DNS_REVERSE6_MAX 74       /* 32 one-nibble labels, ip6, arpa, root */
#define NP_DNS_REVERSE_MAX NP_DNS_REVERSE6_MAX
int np_dns_name_reverse4(uint32_t addr, uint8_t *out, size_t cap);
int np_dns_name_reverse6(const uint8_t addr[16], uint8_t *out, size_t cap);

/*
 * Compression table for writing (RFC 1035 §4.1.4): the offsets of label
 * sequences already written, which later names may point to.  Bounded, no
 * heap: when it is full, names are still written correctly, just less
 * compressed.  Only offsets below 0x4000 can be pointed to.
 */
#define NP_DNS_CTABLE_SIZE 128

struct np_dns_ctable {
	size_t base;                          /* writer offset where the message starts */
	size_t count;
	uint16_t off[NP_DNS_CTABLE_SIZE];     /* from base */
	uint8_t rest[NP_DNS_CTABLE_SIZE];     /* wire length of the name from there: a cheap filter */
};

/* base: the offset in the writer where the message (its header) starts. */
void np_dns_ctable_init(struct np_dns_ctable *t, size_t base);

/*
 * Write the name wire[0..len) (uncompressed wire form) at w's position,
 * replacing its longest suffix already written (an exact octet match, so the
 * case of every name is preserved, RFC 4343 §4.1) with a pointer, and
 * remembering the new labels.  ct NULL: no compression.  Returns 0 or an
 * np_dns_name_check() error or w's error (NP_ENOSPC).
 */
int np_dns_name_write(struct np_writer *w, const uint8_t *wire, size_t len,
		      struct np_dns_ctable *ct);

/* ---- Messages (RFC 1035 §4) ----------------------------------------- */

#define NP_DNS_HDR_LEN 12
#define NP_DNS_UDP_MIN 512            /* without EDNS (RFC 1035 §4.2.1) */
#define NP_DNS_MSG_MAX 65535
/* Records (questions included) accepted in one message: bounds the work. */
#define NP_DNS_MAX_RECORDS 1024

enum np_dns_section {
	NP_DNS_SEC_QUESTION = 0,
	NP_DNS_SEC_ANSWER = 1,
	NP_DNS_SEC_AUTHORITY = 2,
	NP_DNS_SEC_ADDITIONAL = 3,
};

#define NP_DNS_TYPE_A 1
#define NP_DNS_TYPE_NS 2
#define NP_DNS_TYPE_CNAME 5
#define NP_DNS_TYPE_SOA 6
#define NP_DNS_TYPE_PTR 12
#define NP_DNS_TYPE_MX 15
#define NP_DNS_TYPE_TXT 16
#define NP_DNS_TYPE_AAAA 28
#define NP_DNS_TYPE_SRV 33
#define NP_DNS_TYPE_OPT 41
#define NP_DNS_TYPE_DS 43             /* RFC 4034 §5 */
#define NP_DNS_TYPE_RRSIG 46          /* RFC 4034 §3 */
#define NP_DNS_TYPE_NSEC 47           /* RFC 4034 §4 */
#define NP_DNS_TYPE_DNSKEY 48         /* RFC 4034 §2 */
#define NP_DNS_TYPE_NSEC3 50          /* RFC 5155 §3 */
#define NP_DNS_TYPE_TSIG 250          /* RFC 8945 §4.2 */
#define NP_DNS_TYPE_ANY 255

#define NP_DNS_CLASS_IN 1
#define NP_DNS_CLASS_ANY 255
#define NP_DNS_CLASS_NONE 254         /* RFC 2136 §1.1 */

#define NP_DNS_OPCODE_QUERY 0
#define NP_DNS_OPCODE_UPDATE 5       /* RFC 2136 §1.3 */

#define NP_DNS_RCODE_NOERROR 0
#define NP_DNS_RCODE_FORMERR 1
#define NP_DNS_RCODE_SERVFAIL 2
#define NP_DNS_RCODE_NXDOMAIN 3
#define NP_DNS_RCODE_NOTIMP 4
#define NP_DNS_RCODE_REFUSED 5
#define NP_DNS_RCODE_NOTAUTH 9        /* RFC 8945 §5.2: TSIG failures */
#define NP_DNS_RCODE_BADVERS 16       /* extended, needs OPT (RFC 6891 §6.1.3) */
#define NP_DNS_TSIG_BADSIG 16         /* TSIG error field values (RFC 8945 §3) */
#define NP_DNS_TSIG_BADKEY 17
#define NP_DNS_TSIG_BADTIME 18

#define NP_DNS_EDNS_NSID 3            /* RFC 5001 */
#define NP_DNS_EDNS_COOKIE 10         /* RFC 7873 */
#define NP_DNS_EDNS_PADDING 12        /* RFC 7830 */

/* The fixed header (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD and CD). */
struct np_dns_header {
	uint16_t id;
	uint8_t qr, opcode, aa, tc, rd, ra, z, ad, cd;
	uint8_t rcode;                    /* the low 4 bits; see np_dns_msg_rcode() */
	uint16_t count[4];                /* indexed by enum np_dns_section */
};

/*
 * A parsed message: a view of buf, which must outlive it.  np_dns_msg_parse()
 * walks every record once, so a message it accepts has only well-formed
 * names and, for the types it knows, rdata of exactly the right shape.
 */
struct np_dns_msg {
	const uint8_t *data;
	size_t len;
	struct np_dns_header hdr;
	size_t opt_off;                   /* offset of the OPT record's owner, 0 if none */
	size_t end;                       /* offset after the last record (<= len) */
};

/*
 * Returns 0 or NP_ETRUNC (header short, counts larger than the data can hold,
 * or a record cut off), NP_ECOUNT (more than NP_DNS_MAX_RECORDS records),
 * a name error (NP_ELOOP, NP_ELABEL, NP_ENAME), NP_EBADLEN (rdata that does
 * not match its type or its rdlength), NP_EFORMAT (an OPT record outside the
 * additional section, not owned by the root, or more than one: RFC 6891
 * §6.1.1).  Octets after the last record are ignored.  Records of class ANY
 * or NONE with empty rdata (RFC 2136 prerequisites and deletions) are
 * accepted whatever their type; np_dns_rr_rdata() refuses them.
 */
int np_dns_msg_parse(const void *buf, size_t len, struct np_dns_msg *out);

/* One question or resource record, as found by the iterator. */
struct np_dns_rr {
	enum np_dns_section section;
	uint8_t owner[NP_DNS_NAME_MAX];   /* uncompressed wire form */
	size_t owner_len;
	uint16_t type, rclass;
	uint32_t ttl;                     /* 0 for questions */
	const uint8_t *rdata;             /* into the message; NULL for questions */
	uint16_t rdlength;
	size_t rdata_off;                 /* offset of rdata in the message */
};

/* Walks the sections in order; bounded by the header counts. */
struct np_dns_iter {
	const struct np_dns_msg *msg;
	struct np_reader r;
	int section;
	unsigned left;
};

/* The first question of msg: 0, or NP_ENOTFOUND when qdcount is 0. */
int np_dns_msg_question(const struct np_dns_msg *msg, struct np_dns_rr *q);

void np_dns_iter_init(struct np_dns_iter *it, const struct np_dns_msg *msg);
/* 1 and *rr filled, 0 after the last record, or a negative NP_E* code. */
int np_dns_iter_next(struct np_dns_iter *it, struct np_dns_rr *rr);

struct np_dns_mx {
	uint16_t preference;
	uint8_t exchange[NP_DNS_NAME_MAX];
	size_t exchange_len;
};

struct np_dns_soa {
	uint8_t mname[NP_DNS_NAME_MAX];
	size_t mname_len;
	uint8_t rname[NP_DNS_NAME_MAX];
	size_t rname_len;
	uint32_t serial, refresh, retry, expire, minimum;
};

struct np_dns_srv {
	uint16_t priority, weight, port;
	uint8_t target[NP_DNS_NAME_MAX];
	size_t target_len;
};

/*
 * Rdata of one record.  For A, AAAA, NS, CNAME, PTR, MX, SOA and SRV the
 * typed member is used (names uncompressed); for every other type (TXT, OPT
 * and unknown types, RFC 3597) raw/raw_len is the rdata as octets, in which
 * names are never decompressed or compressed.  When parsed, raw/raw_len is
 * the rdata as received for every type.
 */
struct np_dns_rdata {
	union {
		uint32_t a;                       /* host order */
		uint8_t aaaa[16];
		struct {
			uint8_t name[NP_DNS_NAME_MAX];
			size_t len;
		} name;                           /* NS, CNAME, PTR */
		struct np_dns_mx mx;
		struct np_dns_soa soa;
		struct np_dns_srv srv;
	};
	const uint8_t *raw;
	size_t raw_len;
};

/* True for the types whose rdata np_dns_rdata holds in a typed member. */
int np_dns_type_is_typed(uint16_t type);

/*
 * Decode the rdata of rr (from msg), decompressing names relative to msg.
 * Lengths are checked exactly: A 4, AAAA 16, a name must end exactly at
 * rdlength, TXT one or more character-strings filling rdlength, OPT options
 * filling rdlength.  Returns 0, NP_EINVAL (a question) or NP_EBADLEN or a
 * name error.
 */
int np_dns_rr_rdata(const struct np_dns_msg *msg, const struct np_dns_rr *rr,
		    struct np_dns_rdata *out);

/* Room for the uncompressed rdata of a typed type: at most an SOA's. */
#define NP_DNS_RDATA_TYPED_MAX (2 * NP_DNS_NAME_MAX + 20)

/*
 * The rdata of rr (a record of msg) as it stands without the message, the
 * form a cache or a zone keeps: the names of the typed types
 * (np_dns_type_is_typed(): NS, CNAME, PTR, MX, SOA, SRV) decompressed, case
 * kept; any other type's rdata as octets (RFC 3597 §4: only the well-known
 * types may be compressed).  Checked as np_dns_rr_rdata() does.  *out points
 * at buf (cap NP_DNS_RDATA_TYPED_MAX suffices) or into the message.  Returns
 * the length or a negative NP_E* code.  (dnssec.c: it shares the layout of
 * np_dnssec_rdata_canonical(), which lowercases as well.)
 */
int np_dns_rr_rdata_uncompressed(const struct np_dns_msg *msg, const struct np_dns_rr *rr,
				 uint8_t *buf, size_t cap, const uint8_t **out);

/* TXT character-strings (RFC 1035 §3.3.14): iterate over raw rdata. */
struct np_dns_txt_iter {
	struct np_reader r;
};

void np_dns_txt_init(struct np_dns_txt_iter *it, const uint8_t *rdata, size_t len);
/* 1 and the string in *s and *len, 0 at the end, NP_EBADLEN if a string overruns. */
int np_dns_txt_next(struct np_dns_txt_iter *it, const uint8_t **s, size_t *len);

/* EDNS(0) OPT pseudo-record (RFC 6891 §6.1.2, §6.1.3). */
struct np_dns_opt {
	uint16_t udp_size;                /* requestor's payload size (the CLASS field) */
	uint8_t ext_rcode;                /* upper 8 bits of the 12-bit rcode */
	uint8_t version;
	uint8_t do_bit;                   /* DNSSEC OK (RFC 3225) */
	uint16_t z;                       /* the other 15 flag bits, kept as received */
	const uint8_t *options;           /* option TLVs as octets */
	size_t options_len;
};

#define NP_DNS_OPT_DO 0x8000

/* The OPT record of msg: 0, or NP_ENOTFOUND without one. */
int np_dns_msg_opt(const struct np_dns_msg *msg, struct np_dns_opt *out);
/* The OPT fields of an OPT rr: 0 or NP_ETYPE or NP_EBADLEN. */
int np_dns_rr_opt(const struct np_dns_rr *rr, struct np_dns_opt *out);
/* The full 12-bit rcode: header bits plus the OPT's extended bits. */
int np_dns_msg_rcode(const struct np_dns_msg *msg);
/*
 * The largest UDP answer the sender of query accepts: its EDNS payload size
 * (values below 512 count as 512, RFC 6891 §6.2.5), else 512.
 */
size_t np_dns_msg_udp_limit(const struct np_dns_msg *query);

struct np_dns_opt_iter {
	struct np_reader r;
};

void np_dns_opt_iter_init(struct np_dns_opt_iter *it, const struct np_dns_opt *opt);
/* 1 and one option, 0 at the end, NP_EBADLEN if an option overruns. */
int np_dns_opt_next(struct np_dns_opt_iter *it, uint16_t *code, const uint8_t **data,
		    uint16_t *len);

/* DNSSEC signature (RFC 4034 §3.1): the fixed fields and the signer. */
struct np_dns_rrsig {
	uint16_t type_covered;
	uint8_t algorithm, labels;
	uint32_t original_ttl, expiration, inception;
	uint16_t key_tag;
	uint8_t signer[NP_DNS_NAME_MAX];  /* uncompressed (RFC 4034 §3.1.7) */
	size_t signer_len;
	const uint8_t *signature;         /* into rdata */
	size_t signature_len;
};

/*
 * Decode RRSIG rdata.  The signer name must be uncompressed and is not
 * lowercased; the signature must not be empty.  Returns 0 or NP_EBADLEN or
 * a name error (a compression pointer is NP_ELABEL).
 */
int np_dns_rrsig_parse(const uint8_t *rdata, size_t len, struct np_dns_rrsig *out);

/* Transaction signature (RFC 8945 §4.2), a view of the record's rdata. */
struct np_dns_tsig {
	uint8_t algorithm[NP_DNS_NAME_MAX];   /* uncompressed (RFC 8945 §4.2) */
	size_t algorithm_len;
	uint64_t time_signed;             /* 48 bits */
	uint16_t fudge;
	const uint8_t *mac;
	uint16_t mac_len;
	uint16_t original_id, error;
	const uint8_t *other;
	uint16_t other_len;
};

/*
 * The TSIG record of msg (RFC 8945 §5.1): 0 with *rr when the last record
 * of the additional section is one; NP_ENOTFOUND when the message has none;
 * NP_EFORMAT when a TSIG is anywhere else or has a class other than ANY
 * (the receiver answers FORMERR); or an iterator error.
 */
int np_dns_msg_tsig(const struct np_dns_msg *msg, struct np_dns_rr *rr);
/* The TSIG fields of rr: 0, NP_ETYPE (not a TSIG), NP_EBADLEN or a name error. */
int np_dns_rr_tsig(const struct np_dns_rr *rr, struct np_dns_tsig *out);

/* ---- Building messages ---------------------------------------------- */

/*
 * A message being written.  The header is rewritten after every record, so
 * the buffer always holds a well-formed message with correct counts.  When
 * a record does not fit the size limit, it is left out, the builder stops
 * adding records and sets TC, unless the record was for the additional
 * section, whose loss does not make the answer incomplete (RFC 2181 §9,
 * RFC 1035 §4.2.1).  Records must be added in section order.
 */
struct np_dns_builder {
	struct np_writer w;
	struct np_dns_ctable ct;
	struct np_dns_header hdr;
	size_t limit;                     /* message size limit */
	size_t reserve;                   /* kept free for the OPT record */
	int section;                      /* last section written to */
	int full;                         /* a record did not fit */
	int has_opt;
	uint8_t ext_rcode;                /* from np_dns_builder_rcode() */
	size_t opt_ttl_off;               /* where the OPT's TTL was written */
};

/*
 * Start a message in buf with hdr (its counts are ignored).  limit is the
 * size allowed (512, the client's EDNS size, 65535 for TCP), capped by cap
 * and NP_DNS_MSG_MAX.  Returns 0 or NP_ENOSPC or NP_EINVAL.
 */
int np_dns_builder_init(struct np_dns_builder *b, void *buf, size_t cap, size_t limit,
			const struct np_dns_header *hdr);
/*
 * Start the answer to query: id, opcode, RD and CD copied (RFC 1035 §4.1.1,
 * RFC 4035 §3.1.6), QR set, and its questions copied.
 */
int np_dns_builder_reply(struct np_dns_builder *b, void *buf, size_t cap, size_t limit,
			 const struct np_dns_msg *query);
/* Keep n octets free for a later np_dns_add_opt() that other records cannot use. */
void np_dns_builder_reserve(struct np_dns_builder *b, size_t n);

int np_dns_add_question(struct np_dns_builder *b, const uint8_t *name, size_t len,
			uint16_t qtype, uint16_t qclass);
/*
 * Add a record.  Names of the owner and inside NS, CNAME, PTR, MX and SOA
 * are compressed (RFC 1035 §4.1.4); the SRV target is not (RFC 2782), nor
 * anything in raw rdata (RFC 3597 §4).  OPT must use np_dns_add_opt().
 * Returns 0, NP_ENOSPC (did not fit: see above), NP_EINVAL (section out of
 * order, OPT, raw rdata over 65535 or malformed TXT) or a name error.
 */
int np_dns_add_rr(struct np_dns_builder *b, enum np_dns_section section, const uint8_t *owner,
		  size_t owner_len, uint16_t type, uint16_t rclass, uint32_t ttl,
		  const struct np_dns_rdata *rd);
/* Add rdata as opaque octets, whatever the type (OPT excepted). */
int np_dns_add_raw(struct np_dns_builder *b, enum np_dns_section section, const uint8_t *owner,
		   size_t owner_len, uint16_t type, uint16_t rclass, uint32_t ttl,
		   const uint8_t *rdata, size_t rdlength);
/*
 * Add the OPT record to the additional section, using any reserved space.
 * Only one per message; allowed after a record did not fit (RFC 6891 §7).
 */
int np_dns_add_opt(struct np_dns_builder *b, const struct np_dns_opt *opt);
/*
 * Add a TSIG record owned by key (class ANY, TTL 0, RFC 8945 §4.2) as the
 * last record of the additional section, after the OPT if any.  Used for
 * the unsigned error answers of RFC 8945 §5.3.2 (MAC size 0).  Returns 0,
 * NP_ENOSPC (additional data: no TC), NP_EINVAL (fields too long for one
 * record of at most 1024 octets of rdata) or a name error.
 */
int np_dns_add_tsig(struct np_dns_builder *b, const uint8_t *key, size_t klen,
		    const struct np_dns_tsig *t);
/*
 * Set the rcode (0..4095): the low 4 bits go to the header, the upper 8 to
 * the OPT record, added before or after (RFC 6891 §6.1.3).
 */
void np_dns_builder_rcode(struct np_dns_builder *b, unsigned rcode);
/* The length of the message, or the builder's error. */
int np_dns_builder_finish(struct np_dns_builder *b);

#endif
