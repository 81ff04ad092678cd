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

#endif
