/*
 * dns-name.c: DNS names (RFC 1035 §3.1, §4.1.4, §5.1) with the defensive
 * limits of RFC 9267 and case rules of RFC 4343.
 */
#include <stdio.h>
#include <string.h>

#include <netproto/buf.h>
#include <netproto/dns.h>
#include <netproto/error.h>

/* The two high bits of a length octet (RFC 1035 §4.1.4, RFC 6891 §5). */
#define LABEL_TYPE_MASK 0xc0
#define LABEL_NORMAL 0x00
#define LABEL_POINTER 0xc0

static uint8_t ascii_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/*
 * Follow a compression pointer whose first octet b was just read from c.
 * RFC 9267 §2: a pointer must point strictly before the label sequence that
 * contains it (*limit), which rules out loops; the jump count bounds work.
 */
static int follow_pointer(struct np_reader *c, uint8_t b, size_t *limit, unsigned *jumps)
{
	size_t target = (size_t)(b & ~LABEL_TYPE_MASK) << 8;

	target |= np_read_u8(c);
	if (np_reader_error(c))
		return np_reader_error(c);
	if (target >= *limit || ++*jumps > NP_DNS_MAX_JUMPS)
		return NP_ELOOP;
	*limit = target;
	np_reader_seek(c, target);
	return 0;
}

/* Copy one label of length b from c to o, keeping the 255-octet bound. */
static int copy_label(struct np_reader *c, uint8_t b, struct np_writer *o)
{
	const uint8_t *label;

	if (np_writer_len(o) + 1 + b > NP_DNS_NAME_MAX)
		return NP_ENAME;
	label = np_read_bytes(c, b);
	if (!label)
		return np_reader_error(c);
	np_write_u8(o, b);
	np_write_bytes(o, label, b);
	return np_writer_error(o);
}

int np_dns_name_read(struct np_reader *r, uint8_t *out, size_t cap)
{
	struct np_reader c = *r;
	struct np_writer o;
	size_t limit = r->pos, end = 0;
	unsigned jumps = 0;
	int err = r->err;

	np_writer_init(&o, out, cap);
	while (!err) {
		uint8_t b = np_read_u8(&c);

		if ((err = np_reader_error(&c)))
			break;
		if ((b & LABEL_TYPE_MASK) == LABEL_POINTER) {
			size_t at = c.pos - 1;

			err = follow_pointer(&c, b, &limit, &jumps);
			if (!end && !err)
				end = at + 2;
			continue;
		}
		if ((b & LABEL_TYPE_MASK) != LABEL_NORMAL) {
			err = NP_ELABEL;
			break;
		}
		err = copy_label(&c, b, &o);
		if (!err && b == 0)
			break;
	}
	if (err) {
		np_reader_fail(r, err);
		return err;
	}
	np_reader_seek(r, end ? end : c.pos);
	return (int)np_writer_len(&o);
}

int np_dns_name_check(const uint8_t *wire, size_t len)
{
	size_t i = 0;

	if (len > NP_DNS_NAME_MAX)
		return NP_ENAME;
	while (i < len) {
		uint8_t b = wire[i];

		if (b & LABEL_TYPE_MASK)
			return NP_ELABEL;
		if (b == 0)
			return i + 1 == len ? 0 : NP_EBADLEN;
		i += 1 + (size_t)b;
	}
	return NP_EBADLEN;
}

/* Append one octet of a label being parsed from text. */
static int text_octet(uint8_t *buf, size_t *n, size_t *lablen, uint8_t o)
{
	if (*lablen == NP_DNS_LABEL_MAX)
		return NP_ELABEL;
	/* Room must remain for the root label. */
	if (*n + 1 >= NP_DNS_NAME_MAX)
		return NP_ENAME;
	buf[(*n)++] = o;
	++*lablen;
	return 0;
}

/* Decode the escape after a backslash at text[*i] (RFC 1035 §5.1). */
static int text_escape(const char *text, size_t *i, uint8_t *o)
{
	unsigned v = 0;
	int k;

	if (text[*i] == '\0')
		return NP_EINVAL;
	if (text[*i] < '0' || text[*i] > '9') {
		*o = (uint8_t)text[(*i)++];
		return 0;
	}
	for (k = 0; k < 3; k++) {
		char d = text[*i];

		if (d < '0' || d > '9')
			return NP_EINVAL;
		v = v * 10 + (unsigned)(d - '0');
		++*i;
	}
	if (v > 255)
		return NP_EINVAL;
	*o = (uint8_t)v;
	return 0;
}

int np_dns_name_from_text(const char *text, uint8_t *out, size_t cap)
{
	uint8_t buf[NP_DNS_NAME_MAX];
	size_t n = 1, lab = 0, lablen = 0, i = 0;

	if (!text || text[0] == '\0')
		return NP_EINVAL;
	if (strcmp(text, ".") == 0) {
		n = 1;
		buf[0] = 0;
		goto done;
	}
	while (text[i] != '\0') {
		uint8_t o;
		int err;

		if (text[i] == '.') {
			if (lablen == 0)
				return NP_EINVAL;       /* empty label */
			buf[lab] = (uint8_t)lablen;
			lab = n++;
			lablen = 0;
			i++;
			continue;
		}
		if (text[i] == '\\') {
			i++;
			if ((err = text_escape(text, &i, &o)))
				return err;
		} else {
			o = (uint8_t)text[i++];
		}
		if ((err = text_octet(buf, &n, &lablen, o)))
			return err;
	}
	/* Without a trailing dot the last label still needs closing. */
	buf[lab] = (uint8_t)lablen;
	if (lablen) {
		if (n >= NP_DNS_NAME_MAX)
			return NP_ENAME;
		buf[n++] = 0;
	}
done:
	if (n > cap)
		return NP_ENOSPC;
	memcpy(out, buf, n);
	return (int)n;
}

/* Write one octet of a label as dig prints it. */
static void text_put(struct np_writer *w, uint8_t c)
{
	static const char special[] = ".\\\";()@$";
	char esc[8];

	if (c < 0x21 || c > 0x7e) {
		snprintf(esc, sizeof(esc), "\\%03u", c);
		np_write_bytes(w, esc, 4);
		return;
	}
	if (strchr(special, c))
		np_write_u8(w, '\\');
	np_write_u8(w, c);
}

int np_dns_name_to_text(const uint8_t *wire, size_t len, char *out, size_t cap)
{
	struct np_writer w;
	size_t i = 0;
	int err = np_dns_name_check(wire, len);

	if (err)
		return err;
	np_writer_init(&w, out, cap);
	if (len == 1)
		np_write_u8(&w, '.');
	while (wire[i] != 0) {
		size_t end = i + 1 + wire[i];

		for (i++; i < end; i++)
			text_put(&w, wire[i]);
		np_write_u8(&w, '.');
	}
	np_write_u8(&w, '\0');
	if (np_writer_error(&w))
		return np_writer_error(&w);
	return (int)np_writer_len(&w) - 1;
}

int np_dns_name_labels(const uint8_t *wire, size_t len)
{
	size_t i = 0;
	int n = 0;

	while (i < len && wire[i] != 0) {
		i += 1 + (size_t)wire[i];
		n++;
	}
	return n;
}

int np_dns_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return 0;
	/* Length octets are <= 63, below 'A', so lowercasing leaves them alone. */
	for (i = 0; i < alen; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return 0;
	return 1;
}

int np_dns_name_is_subdomain(const uint8_t *name, size_t len, const uint8_t *parent,
			     size_t plen)
{
	size_t i = 0;

	while (i < len && len - i >= plen) {
		if (len - i == plen)
			return np_dns_name_equal(&name[i], len - i, parent, plen);
		if (name[i] == 0)
			break;
		i += 1 + (size_t)name[i];
	}
	return 0;
}

void np_dns_name_lower(uint8_t *wire, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		wire[i] = ascii_lower(wire[i]);
}

uint32_t np_dns_name_hash(const uint8_t *wire, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= ascii_lower(wire[i]);
		h *= 16777619u;
	}
	return h;
}

/* ---- Reverse-mapping names ------------------------------------------- */

static const uint8_t in_addr_arpa[] = "\007in-addr\004arpa";  /* the NUL is the root */
static const uint8_t ip6_arpa[] = "\003ip6\004arpa";

/* One label of the decimal digits of v (0..255), without leading zeros. */
static void reverse_put_decimal(struct np_writer *w, unsigned v)
{
	np_write_u8(w, (uint8_t)(v >= 100 ? 3 : v >= 10 ? 2 : 1));
	if (v >= 100)
		np_write_u8(w, (uint8_t)('0' + v / 100));
	if (v >= 10)
		np_write_u8(w, (uint8_t)('0' + v / 10 % 10));
	np_write_u8(w, (uint8_t)('0' + v % 10));
}

int np_dns_name_reverse4(uint32_t addr, uint8_t *out, size_t cap)
{
	struct np_writer w;
	int shift;

	np_writer_init(&w, out, cap);
	/* RFC 1035 §3.5: the octets in reverse order, below in-addr.arpa. */
	for (shift = 0; shift < 32; shift += 8)
		reverse_put_decimal(&w, (addr >> shift) & 0xff);
	np_write_bytes(&w, in_addr_arpa, sizeof(in_addr_arpa));
	return np_writer_result(&w);
}

int np_dns_name_reverse6(const uint8_t addr[16], uint8_t *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	struct np_writer w;
	int i;

	np_writer_init(&w, out, cap);
	/* RFC 3596 §2.5: one label per nibble, the low-order nibble first, lowercase. */
	for (i = 15; i >= 0; i--) {
		np_write_u8(&w, 1);
		np_write_u8(&w, (uint8_t)hex[addr[i] & 0xf]);
		np_write_u8(&w, 1);
		np_write_u8(&w, (uint8_t)hex[addr[i] >> 4]);
	}
	np_write_bytes(&w, ip6_arpa, sizeof(ip6_arpa));
	return np_writer_result(&w);
}

void np_dns_ctable_init(struct np_dns_ctable *t, size_t base)
{
	t->base = base;
	t->count = 0;
}

/*
 * True when the label sequence written at message offset at (which may
 * itself end in pointers) spells exactly name[0..len).  The bytes were
 * written by us, but they are walked with the same bounds as input.
 */
static int suffix_at(const struct np_writer *w, size_t base, size_t at, const uint8_t *name,
		     size_t len)
{
	struct np_reader m;
	size_t i = 0, limit = at;
	unsigned jumps = 0;

	np_reader_init(&m, w->data, np_writer_len(w));
	np_reader_seek(&m, base + at);
	for (;;) {
		uint8_t b = np_read_u8(&m);
		const uint8_t *label;

		if (np_reader_error(&m))
			return 0;
		if ((b & LABEL_TYPE_MASK) == LABEL_POINTER) {
			size_t target = (size_t)(b & ~LABEL_TYPE_MASK) << 8 | np_read_u8(&m);

			if (np_reader_error(&m) || target >= limit || ++jumps > NP_DNS_MAX_JUMPS)
				return 0;
			limit = target;
			np_reader_seek(&m, base + target);
			continue;
		}
		if (i >= len || name[i] != b)
			return 0;
		if (b == 0)
			return 1;
		label = np_read_bytes(&m, b);
		if (!label || i + 1 + b > len || memcmp(label, &name[i + 1], b) != 0)
			return 0;
		i += 1 + (size_t)b;
	}
}

/* The table entry holding name[0..len), or -1. */
static int ctable_find(const struct np_dns_ctable *ct, const struct np_writer *w,
		       const uint8_t *name, size_t len)
{
	size_t k;

	/* Only entries spelling a name of the same length can match (bounds the work). */
	for (k = 0; k < ct->count; k++)
		if (ct->rest[k] == len && suffix_at(w, ct->base, ct->off[k], name, len))
			return (int)k;
	return -1;
}

int np_dns_name_write(struct np_writer *w, const uint8_t *wire, size_t len,
		      struct np_dns_ctable *ct)
{
	size_t i = 0, stop;
	int err = np_dns_name_check(wire, len), hit = -1;

	if (err)
		return err;
	if (np_writer_error(w))
		return np_writer_error(w);
	if (!ct || np_writer_len(w) < ct->base) {
		np_write_bytes(w, wire, len);
		return np_writer_error(w);
	}
	/* The longest suffix already written (the root alone is never pointed to). */
	for (stop = 0; wire[stop] != 0; stop += 1 + (size_t)wire[stop])
		if ((hit = ctable_find(ct, w, &wire[stop], len - stop)) >= 0)
			break;
	for (i = 0; i < stop; i += 1 + (size_t)wire[i]) {
		size_t at = np_writer_len(w) - ct->base;

		if (at <= NP_DNS_PTR_MAX && ct->count < NP_DNS_CTABLE_SIZE) {
			ct->off[ct->count] = (uint16_t)at;
			ct->rest[ct->count++] = (uint8_t)(len - i);
		}
		np_write_bytes(w, &wire[i], 1 + (size_t)wire[i]);
	}
	if (hit >= 0)
		np_write_be16(w, (uint16_t)(LABEL_POINTER << 8 | ct->off[hit]));
	else
		np_write_u8(w, 0);
	return np_writer_error(w);
}
