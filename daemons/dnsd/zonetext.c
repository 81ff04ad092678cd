/*
 * zonetext.c: record lines in zone-file presentation format (see zonetext.h).
 *
 * A line is read token by token; the rdata is written in wire form with
 * names uncompressed, as the local zone keeps it and as the validator takes
 * its trust anchors.  Pure: no sockets, no clock, no logging.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/buf.h>
#include <netproto/error.h>

#include "zonetext.h"

/* ---- Zone-file lines -------------------------------------------------- */

struct line {
	const char *p;
	char *err;
	size_t errlen;
	int flags;                      /* DNS_RR_TEXT_* */
};

int dns_text_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return NP_EINVAL;
}

/* A parse error at l: its reason into l's err; NP_EINVAL. */
#define line_fail(l, ...) dns_text_fail((l)->err, (l)->errlen, __VA_ARGS__)

/* The next blank-separated token (up to cap-1 chars); 0 at the end or a comment. */
static size_t token(struct line *l, char *out, size_t cap)
{
	size_t n = 0;

	while (*l->p == ' ' || *l->p == '\t' || *l->p == '\r' || *l->p == '\n')
		l->p++;
	if (!*l->p || *l->p == ';')
		return 0;
	while (*l->p && !isspace((unsigned char)*l->p)) {
		if (n + 1 < cap)
			out[n] = *l->p;
		n++;
		l->p++;
	}
	out[n < cap ? n : cap - 1] = 0;
	return n;
}

static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* An absolute name token into wire form. */
static int parse_name(struct line *l, const char *what, uint8_t *out, size_t *len)
{
	char tok[NP_DNS_NAME_TEXT_MAX + 2];
	size_t n = token(l, tok, sizeof(tok));
	int rc;

	if (!n)
		return line_fail(l, "missing %s", what);
	if (n >= sizeof(tok) - 1)
		return line_fail(l, "%s too long", what);
	if (tok[n - 1] != '.' || (n >= 2 && tok[n - 2] == '\\'))
		return line_fail(l, "%s \"%s\" is not absolute (add the trailing dot)", what, tok);
	if ((rc = np_dns_name_from_text(tok, out, NP_DNS_NAME_MAX)) < 0)
		return line_fail(l, "bad %s \"%s\": %s", what, tok, np_strerror(rc));
	*len = (size_t)rc;
	return 0;
}

static int parse_u16(struct line *l, const char *what, struct np_writer *w)
{
	char tok[16];
	uint32_t v;

	if (!token(l, tok, sizeof(tok)))
		return line_fail(l, "missing %s", what);
	if (parse_u32(tok, 0xffff, &v))
		return line_fail(l, "bad %s \"%s\" (0..65535)", what, tok);
	np_write_be16(w, (uint16_t)v);
	return 0;
}

static int parse_name_into(struct line *l, const char *what, struct np_writer *w)
{
	uint8_t name[NP_DNS_NAME_MAX];
	size_t len;
	int err;

	if ((err = parse_name(l, what, name, &len)))
		return err;
	np_write_bytes(w, name, len);
	return 0;
}

/* One TXT character-string, quoted (with \" \\ \DDD escapes) or bare. */
static int txt_string(struct line *l, struct np_writer *w)
{
	size_t lenpos = np_write_reserve(w, 1), n = 0;
	int quoted = *l->p == '"';

	if (quoted)
		l->p++;
	while (*l->p && (quoted ? *l->p != '"' : !isspace((unsigned char)*l->p))) {
		unsigned c = (unsigned char)*l->p++;

		if (c == '\\' && isdigit((unsigned char)l->p[0]) &&
		    isdigit((unsigned char)l->p[1]) && isdigit((unsigned char)l->p[2])) {
			c = (unsigned)(l->p[0] - '0') * 100 + (unsigned)(l->p[1] - '0') * 10 +
			    (unsigned)(l->p[2] - '0');
			l->p += 3;
			if (c > 255)
				return line_fail(l, "bad escape in TXT string");
		} else if (c == '\\' && *l->p) {
			c = (unsigned char)*l->p++;
		}
		np_write_u8(w, (uint8_t)c);
		n++;
	}
	if (quoted && *l->p != '"')
		return line_fail(l, "unterminated TXT string");
	if (quoted)
		l->p++;
	if (n > 255)
		return line_fail(l, "TXT string longer than 255 octets (RFC 1035 §3.3)");
	np_writer_patch_u8(w, lenpos, (uint8_t)n);
	return 0;
}

static int parse_txt(struct line *l, struct np_writer *w)
{
	int n = 0, err;

	for (;;) {
		while (*l->p == ' ' || *l->p == '\t')
			l->p++;
		if (!*l->p || *l->p == ';' || *l->p == '\r' || *l->p == '\n')
			break;
		if ((err = txt_string(l, w)))
			return err;
		n++;
	}
	return n ? 0 : line_fail(l, "TXT needs at least one string");
}

static int parse_addr(struct line *l, int af, struct np_writer *w)
{
	char tok[64];
	uint8_t a[16];

	if (!token(l, tok, sizeof(tok)))
		return line_fail(l, "missing address");
	if (inet_pton(af, tok, a) != 1)
		return line_fail(l, "bad %s address \"%s\"", af == AF_INET ? "IPv4" : "IPv6", tok);
	np_write_bytes(w, a, af == AF_INET ? 4 : 16);
	return 0;
}

static int parse_u8(struct line *l, const char *what, struct np_writer *w)
{
	char tok[16];
	uint32_t v;

	if (!token(l, tok, sizeof(tok)))
		return line_fail(l, "missing %s", what);
	if (parse_u32(tok, 0xff, &v))
		return line_fail(l, "bad %s \"%s\" (0..255)", what, tok);
	np_write_u8(w, (uint8_t)v);
	return 0;
}

static int hex_digit(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

static int base64_digit(int c)
{
	static const char set[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(set, c) : NULL;

	return p ? (int)(p - set) : -1;
}

/*
 * The rest of the line as one hex (DS digest, RFC 4034 §5.3) or base64
 * (DNSKEY public key, RFC 4034 §2.2; RFC 4648 §4 with padding) field,
 * which presentation format allows to be split by blanks.
 */
static int parse_blob(struct line *l, int base64, const char *what, struct np_writer *w)
{
	unsigned acc = 0, bits = 0, n = 0, pad = 0;

	for (; *l->p && *l->p != ';'; l->p++) {
		int c = (unsigned char)*l->p, v;

		if (isspace(c))
			continue;
		if (base64 && c == '=' && n) {
			pad++;
			continue;
		}
		v = base64 ? base64_digit(c) : hex_digit(c);
		if (v < 0 || pad)
			return line_fail(l, "bad character '%c' in %s", c, what);
		acc = acc << (base64 ? 6 : 4) | (unsigned)v;
		bits += base64 ? 6 : 4;
		n++;
		if (bits >= 8) {
			bits -= 8;
			np_write_u8(w, (uint8_t)(acc >> bits));
			acc &= (1u << bits) - 1;
		}
	}
	if (!n)
		return line_fail(l, "missing %s", what);
	if ((!base64 && bits) || (base64 && ((n + pad) % 4 || acc)))
		return line_fail(l, "%s is not whole octets", what);
	return 0;
}

static const struct {
	const char *name;
	uint16_t type;
} dnssec_types[] = {
	{ "DS", NP_DNS_TYPE_DS }, { "DNSKEY", NP_DNS_TYPE_DNSKEY },
};

static const struct {
	const char *name;
	uint16_t type;
} line_types[] = {
	{ "A", NP_DNS_TYPE_A }, { "AAAA", NP_DNS_TYPE_AAAA }, { "CNAME", NP_DNS_TYPE_CNAME },
	{ "PTR", NP_DNS_TYPE_PTR }, { "MX", NP_DNS_TYPE_MX }, { "TXT", NP_DNS_TYPE_TXT },
	{ "SRV", NP_DNS_TYPE_SRV },
};

static int parse_rdata(struct line *l, uint16_t type, struct np_writer *w)
{
	int err = 0;

	switch (type) {
	case NP_DNS_TYPE_A:
		return parse_addr(l, AF_INET, w);
	case NP_DNS_TYPE_AAAA:
		return parse_addr(l, AF_INET6, w);
	case NP_DNS_TYPE_CNAME:
	case NP_DNS_TYPE_PTR:
		return parse_name_into(l, "target", w);
	case NP_DNS_TYPE_MX:
		if (!(err = parse_u16(l, "MX preference", w)))
			err = parse_name_into(l, "MX exchange", w);
		return err;
	case NP_DNS_TYPE_SRV:
		if (!(err = parse_u16(l, "SRV priority", w)) && !(err = parse_u16(l, "SRV weight", w)) &&
		    !(err = parse_u16(l, "SRV port", w)))
			err = parse_name_into(l, "SRV target", w);
		return err;
	case NP_DNS_TYPE_DS:            /* RFC 4034 §5.3 */
		if (!(err = parse_u16(l, "DS key tag", w)) && !(err = parse_u8(l, "DS algorithm", w)) &&
		    !(err = parse_u8(l, "DS digest type", w)))
			err = parse_blob(l, 0, "DS digest", w);
		return err;
	case NP_DNS_TYPE_DNSKEY:        /* RFC 4034 §2.2 */
		if (!(err = parse_u16(l, "DNSKEY flags", w)) &&
		    !(err = parse_u8(l, "DNSKEY protocol", w)) &&
		    !(err = parse_u8(l, "DNSKEY algorithm", w)))
			err = parse_blob(l, 1, "DNSKEY public key", w);
		return err;
	default:
		return parse_txt(l, w);
	}
}

/* [ttl] [IN] or [IN] [ttl], then the type. */
static int parse_ttl_class_type(struct line *l, uint32_t *ttl, uint16_t *type)
{
	char tok[32];
	int seen_ttl = 0, seen_class = 0;
	size_t i;

	for (;;) {
		if (!token(l, tok, sizeof(tok)))
			return line_fail(l, "missing record type");
		if (!seen_ttl && isdigit((unsigned char)tok[0])) {
			if (parse_u32(tok, DNS_TTL_MAX, ttl))
				return line_fail(l, "bad TTL \"%s\" (0..2147483647, RFC 2181 §8)", tok);
			seen_ttl = 1;
			continue;
		}
		if (!seen_class && !strcasecmp(tok, "IN")) {
			seen_class = 1;
			continue;
		}
		for (i = 0; i < sizeof(line_types) / sizeof(line_types[0]); i++) {
			if (!strcasecmp(tok, line_types[i].name)) {
				*type = line_types[i].type;
				return 0;
			}
		}
		for (i = 0; (l->flags & DNS_RR_TEXT_DNSSEC) &&
			    i < sizeof(dnssec_types) / sizeof(dnssec_types[0]); i++) {
			if (!strcasecmp(tok, dnssec_types[i].name)) {
				*type = dnssec_types[i].type;
				return 0;
			}
		}
		if (!strcasecmp(tok, "CH") || !strcasecmp(tok, "HS") || !strcasecmp(tok, "CS"))
			return line_fail(l, "class %s not supported (only IN)", tok);
		return line_fail(l, "unsupported record type \"%s\" (A, AAAA, CNAME, PTR, MX, "
				 "TXT, SRV)", tok);
	}
}


int dns_rr_text_parse(const char *line, uint32_t default_ttl, int flags,
		      struct dns_rr_text *out, char *err, size_t errlen)
{
	struct line l = { line, err, errlen, flags };
	struct np_writer w;
	char extra[32];
	int rc;

	if (errlen)
		err[0] = 0;
	out->ttl = default_ttl;
	out->type = 0;
	if ((rc = parse_name(&l, "owner", out->owner, &out->owner_len)) ||
	    (rc = parse_ttl_class_type(&l, &out->ttl, &out->type)))
		return rc;
	np_writer_init(&w, out->rdata, sizeof(out->rdata));
	if ((rc = parse_rdata(&l, out->type, &w)))
		return rc;
	if (np_writer_error(&w))
		return line_fail(&l, "record data too long");
	if (token(&l, extra, sizeof(extra)))
		return line_fail(&l, "unexpected \"%s\" after the record data", extra);
	out->rdlength = np_writer_len(&w);
	return 0;
}
