/*
 * dhcp6-option.c: DHCPv6 options (RFC 8415 §21): the iterator over an option
 * area, validation of the IA containers, typed parsers and the builder.
 */
#include <string.h>

#include <netproto/buf.h>
#include <netproto/dhcp6.h>
#include <netproto/dns.h>
#include <netproto/error.h>

/* Fixed fields before the options of each container (RFC 8415 §21.4-§21.6, §21.21, §21.22). */
#define IA_NA_FIXED 12               /* IAID, T1, T2 */
#define IA_TA_FIXED 4                /* IAID */
#define IAADDR_FIXED 24              /* address, preferred, valid */
#define IAPREFIX_FIXED 25            /* preferred, valid, prefix-length, prefix */
#define DUID_MIN 3                   /* type code and one octet (§11.1) */
#define DUID_UUID_LEN 16             /* RFC 6355 §4 */

/* ---- Iterator ---------------------------------------------------------- */

void np_dhcp6_iter_init(struct np_dhcp6_iter *it, const uint8_t *area, size_t len)
{
	memset(it, 0, sizeof(*it));
	np_reader_init(&it->r, area, len);
}

static int iter_fail(struct np_dhcp6_iter *it, int err)
{
	it->err = err;
	return err;
}

int np_dhcp6_iter_next(struct np_dhcp6_iter *it, struct np_dhcp6_opt *opt)
{
	struct np_dhcp6_opt o;

	if (it->err)
		return it->err;
	if (!np_reader_left(&it->r))
		return 0;
	/* Options cost at least 4 octets; the cap keeps lookups cheap all the same. */
	if (++it->count > NP_DHCP6_MAX_OPTS)
		return iter_fail(it, NP_ECOUNT);
	/* §21.1: code and length, then exactly length octets inside the area. */
	o.code = np_read_be16(&it->r);
	o.len = np_read_be16(&it->r);
	o.data = np_read_bytes(&it->r, o.len);
	if (np_reader_error(&it->r))
		return iter_fail(it, NP_EOPT);
	*opt = o;
	return 1;
}

int np_dhcp6_opt_find(const uint8_t *area, size_t len, uint16_t code, struct np_dhcp6_opt *opt)
{
	struct np_dhcp6_iter it;
	struct np_dhcp6_opt o;
	int rc;

	np_dhcp6_iter_init(&it, area, len);
	while ((rc = np_dhcp6_iter_next(&it, &o)) > 0) {
		if (o.code == code) {
			*opt = o;
			return 0;
		}
	}
	return rc < 0 ? rc : NP_ENOTFOUND;
}

int np_dhcp6_get(const struct np_dhcp6 *msg, uint16_t code, struct np_dhcp6_opt *opt)
{
	return np_dhcp6_opt_find(msg->options, msg->options_len, code, opt);
}

/* Every option of an area is well formed (nothing nested is entered). */
static int check_area(const uint8_t *area, size_t len)
{
	struct np_dhcp6_iter it;
	struct np_dhcp6_opt o;
	int rc;

	np_dhcp6_iter_init(&it, area, len);
	while ((rc = np_dhcp6_iter_next(&it, &o)) > 0)
		;
	return rc;
}

static int is_ia(uint16_t code)
{
	return code == NP_DHCP6_OPT_IA_NA || code == NP_DHCP6_OPT_IA_TA ||
	       code == NP_DHCP6_OPT_IA_PD;
}

int np_dhcp6_opts_validate(const uint8_t *area, size_t len)
{
	struct np_dhcp6_iter it;
	struct np_dhcp6_opt o;
	struct np_dhcp6_ia ia;
	unsigned ias = 0;
	int rc;

	np_dhcp6_iter_init(&it, area, len);
	while ((rc = np_dhcp6_iter_next(&it, &o)) > 0) {
		if (!is_ia(o.code))
			continue;
		if (++ias > NP_DHCP6_MAX_IAS)
			return NP_ECOUNT;
		rc = np_dhcp6_parse_ia(&o, &ia);
		if (rc < 0)
			return rc;
	}
	return rc;
}

/* ---- Containers -------------------------------------------------------- */

/* The options an IA carries: its addresses or prefixes, each checked, and a cap on them. */
static int check_ia_options(const uint8_t *area, size_t len)
{
	struct np_dhcp6_iaprefix p;
	struct np_dhcp6_iaaddr a;
	struct np_dhcp6_iter it;
	struct np_dhcp6_opt o;
	unsigned addrs = 0;
	int rc;

	np_dhcp6_iter_init(&it, area, len);
	while ((rc = np_dhcp6_iter_next(&it, &o)) > 0) {
		if (o.code == NP_DHCP6_OPT_IAADDR)
			rc = np_dhcp6_parse_iaaddr(&o, &a);
		else if (o.code == NP_DHCP6_OPT_IAPREFIX)
			rc = np_dhcp6_parse_iaprefix(&o, &p);
		else
			continue;
		if (rc < 0)
			return rc;
		if (++addrs > NP_DHCP6_MAX_IA_ADDRS)
			return NP_ECOUNT;
	}
	return rc;
}

int np_dhcp6_parse_ia(const struct np_dhcp6_opt *o, struct np_dhcp6_ia *out)
{
	struct np_dhcp6_ia ia;
	struct np_reader r;
	int rc;

	if (!is_ia(o->code))
		return NP_EINVAL;
	memset(&ia, 0, sizeof(ia));
	ia.code = o->code;
	np_reader_init(&r, o->data, o->len);
	ia.iaid = np_read_be32(&r);
	/* §21.5: an IA_TA has no T1 or T2. */
	if (o->code != NP_DHCP6_OPT_IA_TA) {
		ia.t1 = np_read_be32(&r);
		ia.t2 = np_read_be32(&r);
	}
	if (np_reader_error(&r))
		return NP_EBADLEN;
	ia.options = np_read_rest(&r, &ia.options_len);
	rc = check_ia_options(ia.options, ia.options_len);
	if (rc < 0)
		return rc;
	*out = ia;
	return 0;
}

int np_dhcp6_parse_iaaddr(const struct np_dhcp6_opt *o, struct np_dhcp6_iaaddr *out)
{
	struct np_dhcp6_iaaddr a;
	struct np_reader r;
	int rc;

	if (o->code != NP_DHCP6_OPT_IAADDR)
		return NP_EINVAL;
	if (o->len < IAADDR_FIXED)
		return NP_EBADLEN;
	np_reader_init(&r, o->data, o->len);
	np_read_copy(&r, a.addr, NP_DHCP6_ADDR_LEN);
	a.preferred = np_read_be32(&r);
	a.valid = np_read_be32(&r);
	a.options = np_read_rest(&r, &a.options_len);
	rc = check_area(a.options, a.options_len);
	if (rc < 0)
		return rc;
	*out = a;
	return 0;
}

int np_dhcp6_parse_iaprefix(const struct np_dhcp6_opt *o, struct np_dhcp6_iaprefix *out)
{
	struct np_dhcp6_iaprefix p;
	struct np_reader r;
	int rc;

	if (o->code != NP_DHCP6_OPT_IAPREFIX)
		return NP_EINVAL;
	if (o->len < IAPREFIX_FIXED)
		return NP_EBADLEN;
	np_reader_init(&r, o->data, o->len);
	p.preferred = np_read_be32(&r);
	p.valid = np_read_be32(&r);
	p.prefix_len = np_read_u8(&r);
	np_read_copy(&r, p.prefix, NP_DHCP6_ADDR_LEN);
	p.options = np_read_rest(&r, &p.options_len);
	if (p.prefix_len > 128)
		return NP_EFORMAT;
	rc = check_area(p.options, p.options_len);
	if (rc < 0)
		return rc;
	*out = p;
	return 0;
}

/* ---- Simple values ----------------------------------------------------- */

int np_dhcp6_opt_u8(const struct np_dhcp6_opt *o, uint8_t *v)
{
	if (o->len != 1)
		return NP_EBADLEN;
	*v = o->data[0];
	return 0;
}

int np_dhcp6_opt_u16(const struct np_dhcp6_opt *o, uint16_t *v)
{
	if (o->len != 2)
		return NP_EBADLEN;
	*v = np_load_be16(o->data);
	return 0;
}

int np_dhcp6_opt_u32(const struct np_dhcp6_opt *o, uint32_t *v)
{
	if (o->len != 4)
		return NP_EBADLEN;
	*v = np_load_be32(o->data);
	return 0;
}

int np_dhcp6_opt_empty(const struct np_dhcp6_opt *o)
{
	return o->len ? NP_EBADLEN : 0;
}

int np_dhcp6_opt_addr(const struct np_dhcp6_opt *o, uint8_t addr[NP_DHCP6_ADDR_LEN])
{
	if (o->len != NP_DHCP6_ADDR_LEN)
		return NP_EBADLEN;
	memcpy(addr, o->data, NP_DHCP6_ADDR_LEN);
	return 0;
}

int np_dhcp6_opt_addrs(const struct np_dhcp6_opt *o, uint8_t (*addrs)[NP_DHCP6_ADDR_LEN],
		       size_t max)
{
	size_t i, n = o->len / NP_DHCP6_ADDR_LEN;

	/* RFC 3646 §3: a non-empty list of 16-octet addresses. */
	if (o->len == 0 || o->len % NP_DHCP6_ADDR_LEN)
		return NP_EBADLEN;
	if (n > max)
		return NP_ENOSPC;
	for (i = 0; i < n; i++)
		memcpy(addrs[i], o->data + i * NP_DHCP6_ADDR_LEN, NP_DHCP6_ADDR_LEN);
	return (int)n;
}

int np_dhcp6_opt_oro(const struct np_dhcp6_opt *o, uint16_t *codes, size_t max)
{
	size_t i, n = o->len / 2;

	/* §21.7: a list of 2-octet codes (a client may request none). */
	if (o->len % 2)
		return NP_EBADLEN;
	if (n > max)
		return NP_ENOSPC;
	for (i = 0; i < n; i++)
		codes[i] = np_load_be16(o->data + 2 * i);
	return (int)n;
}

int np_dhcp6_oro_has(const uint16_t *codes, size_t n, uint16_t code)
{
	size_t i;

	for (i = 0; codes && i < n; i++)
		if (codes[i] == code)
			return 1;
	return 0;
}

int np_dhcp6_opt_interface_id(const struct np_dhcp6_opt *o, const uint8_t **id, size_t *len)
{
	if (o->len == 0)
		return NP_EBADLEN;
	*id = o->data;
	*len = o->len;
	return 0;
}

/* ---- DUID -------------------------------------------------------------- */

int np_dhcp6_parse_duid(const uint8_t *data, size_t len, struct np_dhcp6_duid *out)
{
	struct np_dhcp6_duid d;
	struct np_reader r;

	/* §11.1: a type code and 1 to 128 octets. */
	if (len < DUID_MIN || len > NP_DHCP6_DUID_MAX)
		return NP_EBADLEN;
	memset(&d, 0, sizeof(d));
	d.raw = data;
	d.raw_len = len;
	np_reader_init(&r, data, len);
	d.type = np_read_be16(&r);
	switch (d.type) {
	case NP_DHCP6_DUID_LLT:     /* §11.2: hardware type, time, link-layer address */
		d.hw_type = np_read_be16(&r);
		d.time = np_read_be32(&r);
		break;
	case NP_DHCP6_DUID_EN:      /* §11.3: enterprise number, identifier */
		d.enterprise = np_read_be32(&r);
		break;
	case NP_DHCP6_DUID_LL:      /* §11.4: hardware type, link-layer address */
		d.hw_type = np_read_be16(&r);
		break;
	case NP_DHCP6_DUID_UUID:    /* RFC 6355 §4: exactly a 16-octet UUID */
		if (len != 2 + DUID_UUID_LEN)
			return NP_EBADLEN;
		break;
	default:                    /* opaque (§11: DUIDs are compared as octets) */
		break;
	}
	if (np_reader_error(&r))
		return NP_EBADLEN;
	d.id = np_read_rest(&r, &d.id_len);
	*out = d;
	return 0;
}

int np_dhcp6_opt_duid(const struct np_dhcp6_opt *o, struct np_dhcp6_duid *out)
{
	return np_dhcp6_parse_duid(o->data, o->len, out);
}

/* ---- Status code ------------------------------------------------------- */

/* The length of the UTF-8 sequence at s[0..n) (RFC 3629 §4), 0 when invalid. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static int utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		k = utf8_seq(s + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

int np_dhcp6_opt_status(const struct np_dhcp6_opt *o, struct np_dhcp6_status *out)
{
	if (o->len < 2)
		return NP_EBADLEN;
	/* §21.13: status-message is UTF-8 text for an end user. */
	if (!utf8_valid(o->data + 2, o->len - 2u))
		return NP_EFORMAT;
	out->code = np_load_be16(o->data);
	out->msg = o->data + 2;
	out->msg_len = o->len - 2u;
	return 0;
}

int np_dhcp6_opt_lladdr(const struct np_dhcp6_opt *o, struct np_dhcp6_lladdr *out)
{
	/* RFC 6939 §4: link-layer type and a link-layer address. */
	if (o->len < 3)
		return NP_EBADLEN;
	out->hw_type = np_load_be16(o->data);
	out->addr = o->data + 2;
	out->addr_len = o->len - 2u;
	return 0;
}

/* ---- Domain names ------------------------------------------------------ */

/*
 * The uncompressed name at the start of data[0..len) (RFC 8415 §10: no
 * compression).  Returns 1 with *span set, 0 when the labels end exactly
 * at len without a root label (a partial name, RFC 4704 §4.2; *span = len),
 * or NP_EFORMAT (compression pointer), NP_ELABEL, NP_ENAME, NP_EBADLEN (a
 * label cut by the end).
 */
static int wire_name_span(const uint8_t *data, size_t len, size_t *span)
{
	size_t i = 0;
	int rc;

	while (i < len) {
		uint8_t b = data[i];

		if ((b & 0xc0) == 0xc0)
			return NP_EFORMAT;
		if (b & 0xc0)
			return NP_ELABEL;
		if (i + 1 + b > NP_DNS_NAME_MAX)
			return NP_ENAME;
		if (b == 0) {
			rc = np_dns_name_check(data, i + 1);
			if (rc < 0)
				return rc;
			*span = i + 1;
			return 1;
		}
		i += 1u + b;
	}
	if (i > len)
		return NP_EBADLEN;
	*span = len;
	return 0;
}

int np_dhcp6_opt_domains(const struct np_dhcp6_opt *o, struct np_dhcp6_name *names, size_t max)
{
	size_t off = 0, span, n = 0;
	int rc;

	if (o->len == 0)
		return NP_EBADLEN;
	while (off < o->len) {
		rc = wire_name_span(o->data + off, o->len - off, &span);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return NP_EBADLEN;  /* the last name lacks its root label */
		if (n == max)
			return NP_ENOSPC;
		names[n].wire = o->data + off;
		names[n].len = span;
		n++;
		off += span;
	}
	return (int)n;
}

int np_dhcp6_opt_ntp(const struct np_dhcp6_opt *o, struct np_dhcp6_ntp *servers, size_t max)
{
	struct np_dhcp6_ntp s;
	struct np_reader r;
	size_t n = 0, span;
	int rc;

	np_reader_init(&r, o->data, o->len);
	while (np_reader_left(&r)) {
		/* RFC 5908 §4: suboption code and length, like an option. */
		s.type = np_read_be16(&r);
		s.len = np_read_be16(&r);
		s.data = np_read_bytes(&r, s.len);
		if (np_reader_error(&r))
			return NP_EOPT;
		if (s.type == NP_DHCP6_NTP_SRV_ADDR || s.type == NP_DHCP6_NTP_MC_ADDR) {
			if (s.len != NP_DHCP6_ADDR_LEN)
				return NP_EBADLEN;
		} else if (s.type == NP_DHCP6_NTP_SRV_FQDN) {
			/* RFC 5908 §4.3: one uncompressed name, nothing after it. */
			rc = wire_name_span(s.data, s.len, &span);
			if (rc < 0)
				return rc;
			if (rc == 0 || span != s.len)
				return NP_EFORMAT;
		}
		if (n == max)
			return NP_ENOSPC;
		servers[n++] = s;
	}
	return n ? (int)n : NP_EBADLEN;
}

int np_dhcp6_opt_fqdn(const struct np_dhcp6_opt *o, struct np_dhcp6_fqdn *out)
{
	struct np_dhcp6_fqdn f;
	size_t span = 0;
	int rc;

	if (o->len < 1)
		return NP_EBADLEN;  /* RFC 4704 §4.1: the flags octet */
	f.flags = o->data[0];
	/* RFC 4704 §4.1: "If the N bit is 1, the S bit MUST be 0." */
	if ((f.flags & NP_DHCP6_FQDN_S) && (f.flags & NP_DHCP6_FQDN_N))
		return NP_EFORMAT;
	f.name = o->data + 1;
	f.name_len = o->len - 1u;
	f.partial = 0;
	if (f.name_len) {
		rc = wire_name_span(f.name, f.name_len, &span);
		if (rc < 0)
			return rc;
		if (rc == 1 && span != f.name_len)
			return NP_EFORMAT;  /* octets after the root label */
		/* RFC 4704 §4.2: a partial name lacks the root label; it must fit one. */
		if (rc == 0 && f.name_len + 1 > NP_DNS_NAME_MAX)
			return NP_ENAME;
		f.partial = rc == 0;
	}
	*out = f;
	return 0;
}

/* Count the (16-bit length, opaque) items of class data (§21.15, §21.16). */
static int class_items(const uint8_t *data, size_t len, unsigned *count)
{
	struct np_reader r;
	unsigned n = 0;

	np_reader_init(&r, data, len);
	while (np_reader_left(&r)) {
		np_reader_skip(&r, np_read_be16(&r));
		n++;
	}
	if (np_reader_error(&r))
		return NP_EOPT;
	*count = n;
	return 0;
}

int np_dhcp6_opt_class(const struct np_dhcp6_opt *o, struct np_dhcp6_class *out)
{
	struct np_dhcp6_class c;
	size_t off = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	if (o->code == NP_DHCP6_OPT_VENDOR_CLASS) {
		if (o->len < 4)
			return NP_EBADLEN;
		c.enterprise = np_load_be32(o->data);
		off = 4;
	} else if (o->code != NP_DHCP6_OPT_USER_CLASS) {
		return NP_EINVAL;
	}
	c.data = o->data + off;
	c.len = o->len - off;
	rc = class_items(c.data, c.len, &c.count);
	if (rc < 0)
		return rc;
	if (o->code == NP_DHCP6_OPT_USER_CLASS && c.count == 0)
		return NP_EBADLEN;
	*out = c;
	return 0;
}

/* ---- Builder ----------------------------------------------------------- */

int np_dhcp6_builder_init(struct np_dhcp6_builder *b, void *buf, size_t cap, uint8_t msg_type,
			  uint32_t xid)
{
	memset(b, 0, sizeof(*b));
	if (msg_type == 0 || np_dhcp6_is_relay(msg_type) || xid > NP_DHCP6_XID_MAX)
		return b->err = NP_EINVAL;
	np_writer_init(&b->w, buf, cap);
	np_write_u8(&b->w, msg_type);
	np_write_u8(&b->w, (uint8_t)(xid >> 16));
	np_write_be16(&b->w, (uint16_t)xid);
	return b->err = np_writer_error(&b->w);
}

int np_dhcp6_builder_init_relay(struct np_dhcp6_builder *b, void *buf, size_t cap,
				uint8_t msg_type, uint8_t hop_count,
				const uint8_t link_addr[NP_DHCP6_ADDR_LEN],
				const uint8_t peer_addr[NP_DHCP6_ADDR_LEN])
{
	memset(b, 0, sizeof(*b));
	if (!np_dhcp6_is_relay(msg_type))
		return b->err = NP_EINVAL;
	np_writer_init(&b->w, buf, cap);
	np_write_u8(&b->w, msg_type);
	np_write_u8(&b->w, hop_count);
	np_write_bytes(&b->w, link_addr, NP_DHCP6_ADDR_LEN);
	np_write_bytes(&b->w, peer_addr, NP_DHCP6_ADDR_LEN);
	return b->err = np_writer_error(&b->w);
}

static int builder_check(struct np_dhcp6_builder *b)
{
	return b->err = np_writer_error(&b->w);
}

int np_dhcp6_add(struct np_dhcp6_builder *b, uint16_t code, const void *val, size_t len)
{
	if (b->err)
		return b->err;
	if (len > 0xffff || (len && !val))
		return NP_EINVAL;
	np_write_be16(&b->w, code);
	np_write_be16(&b->w, (uint16_t)len);
	np_write_bytes(&b->w, val, len);
	return builder_check(b);
}

int np_dhcp6_add_u8(struct np_dhcp6_builder *b, uint16_t code, uint8_t v)
{
	return np_dhcp6_add(b, code, &v, 1);
}

int np_dhcp6_add_u16(struct np_dhcp6_builder *b, uint16_t code, uint16_t v)
{
	uint8_t x[2];

	np_store_be16(x, v);
	return np_dhcp6_add(b, code, x, sizeof(x));
}

int np_dhcp6_add_u32(struct np_dhcp6_builder *b, uint16_t code, uint32_t v)
{
	uint8_t x[4];

	np_store_be32(x, v);
	return np_dhcp6_add(b, code, x, sizeof(x));
}

int np_dhcp6_begin(struct np_dhcp6_builder *b, uint16_t code)
{
	size_t off;

	if (b->err)
		return b->err;
	if (b->depth == NP_DHCP6_BUILD_DEPTH)
		return NP_EINVAL;
	np_write_be16(&b->w, code);
	off = np_write_reserve(&b->w, 2);
	if (builder_check(b) < 0)
		return b->err;
	b->open[b->depth++] = off;
	return 0;
}

int np_dhcp6_end(struct np_dhcp6_builder *b)
{
	size_t off, len;

	if (b->err)
		return b->err;
	if (b->depth == 0)
		return NP_EINVAL;
	off = b->open[--b->depth];
	len = np_writer_len(&b->w) - off - 2;
	/* §21.1: option-len is 16 bits; only a buffer over 64 KiB can overflow it. */
	if (len > 0xffff)
		return b->err = NP_EBADLEN;
	np_writer_patch_be16(&b->w, off, (uint16_t)len);
	return builder_check(b);
}

/* Undo a container whose contents turned out to be invalid arguments. */
static int builder_abandon(struct np_dhcp6_builder *b, size_t pos, unsigned depth, int err)
{
	if (b->err)
		return b->err;
	b->w.pos = pos;
	b->depth = depth;
	return err;
}

int np_dhcp6_add_addrs(struct np_dhcp6_builder *b, uint16_t code,
		       const uint8_t (*addrs)[NP_DHCP6_ADDR_LEN], size_t n)
{
	size_t i;
	int rc;

	if (n == 0 || n > 0xffff / NP_DHCP6_ADDR_LEN)
		return b->err ? b->err : NP_EINVAL;
	rc = np_dhcp6_begin(b, code);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++)
		np_write_bytes(&b->w, addrs[i], NP_DHCP6_ADDR_LEN);
	if (builder_check(b) < 0)
		return b->err;
	return np_dhcp6_end(b);
}

int np_dhcp6_add_oro(struct np_dhcp6_builder *b, const uint16_t *codes, size_t n)
{
	size_t i;
	int rc;

	if (n > 0xffff / 2 || (n && !codes))
		return b->err ? b->err : NP_EINVAL;
	rc = np_dhcp6_begin(b, NP_DHCP6_OPT_ORO);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++)
		np_write_be16(&b->w, codes[i]);
	if (builder_check(b) < 0)
		return b->err;
	return np_dhcp6_end(b);
}

int np_dhcp6_add_duid(struct np_dhcp6_builder *b, uint16_t code, const struct np_dhcp6_duid *d)
{
	uint8_t v[NP_DHCP6_DUID_MAX];
	struct np_writer w;

	if (d->id_len && !d->id)
		return b->err ? b->err : NP_EINVAL;
	if (d->type == NP_DHCP6_DUID_UUID && d->id_len != DUID_UUID_LEN)
		return b->err ? b->err : NP_EINVAL;
	np_writer_init(&w, v, sizeof(v));
	np_write_be16(&w, d->type);
	if (d->type == NP_DHCP6_DUID_LLT || d->type == NP_DHCP6_DUID_LL)
		np_write_be16(&w, d->hw_type);
	if (d->type == NP_DHCP6_DUID_LLT)
		np_write_be32(&w, d->time);
	if (d->type == NP_DHCP6_DUID_EN)
		np_write_be32(&w, d->enterprise);
	np_write_bytes(&w, d->id, d->id_len);
	/* §11.1: 1 to 128 octets after the type code. */
	if (np_writer_error(&w) || np_writer_len(&w) < DUID_MIN)
		return b->err ? b->err : NP_EINVAL;
	return np_dhcp6_add(b, code, v, np_writer_len(&w));
}

int np_dhcp6_add_status(struct np_dhcp6_builder *b, uint16_t code, const char *msg)
{
	size_t len = msg ? strlen(msg) : 0;
	int rc;

	if (len > 0xffff - 2)
		return b->err ? b->err : NP_EINVAL;
	rc = np_dhcp6_begin(b, NP_DHCP6_OPT_STATUS_CODE);
	if (rc < 0)
		return rc;
	np_write_be16(&b->w, code);
	np_write_bytes(&b->w, msg, len);
	if (builder_check(b) < 0)
		return b->err;
	return np_dhcp6_end(b);
}

int np_dhcp6_add_lladdr(struct np_dhcp6_builder *b, uint16_t hw_type, const uint8_t *addr,
			size_t len)
{
	int rc;

	if (len == 0 || len > 0xffff - 2 || !addr)
		return b->err ? b->err : NP_EINVAL;
	rc = np_dhcp6_begin(b, NP_DHCP6_OPT_CLIENT_LINKLAYER_ADDR);
	if (rc < 0)
		return rc;
	np_write_be16(&b->w, hw_type);
	np_write_bytes(&b->w, addr, len);
	if (builder_check(b) < 0)
		return b->err;
	return np_dhcp6_end(b);
}

int np_dhcp6_add_domains(struct np_dhcp6_builder *b, const char *const *names, size_t n)
{
	uint8_t wire[NP_DNS_NAME_MAX];
	size_t i, pos = b->w.pos;
	unsigned depth = b->depth;
	int len, rc;

	if (n == 0)
		return b->err ? b->err : NP_EINVAL;
	rc = np_dhcp6_begin(b, NP_DHCP6_OPT_DOMAIN_LIST);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		len = np_dns_name_from_text(names[i], wire, sizeof(wire));
		if (len < 0)
			return builder_abandon(b, pos, depth, len);
		/* RFC 8415 §10: domain names in DHCPv6 are never compressed. */
		np_write_bytes(&b->w, wire, (size_t)len);
	}
	if (builder_check(b) < 0)
		return b->err;
	return np_dhcp6_end(b);
}

int np_dhcp6_add_ntp(struct np_dhcp6_builder *b, const struct np_dhcp6_ntp *servers, size_t n)
{
	size_t i, pos = b->w.pos, span;
	unsigned depth = b->depth;
	int rc;

	if (n == 0)
		return b->err ? b->err : NP_EINVAL;
	rc = np_dhcp6_begin(b, NP_DHCP6_OPT_NTP_SERVER);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		const struct np_dhcp6_ntp *s = &servers[i];
		int addr = s->type == NP_DHCP6_NTP_SRV_ADDR || s->type == NP_DHCP6_NTP_MC_ADDR;

		if (s->len > 0xffff || (s->len && !s->data) ||
		    (addr && s->len != NP_DHCP6_ADDR_LEN))
			return builder_abandon(b, pos, depth, NP_EINVAL);
		if (s->type == NP_DHCP6_NTP_SRV_FQDN &&
		    (wire_name_span(s->data, s->len, &span) != 1 || span != s->len))
			return builder_abandon(b, pos, depth, NP_EINVAL);
		np_write_be16(&b->w, s->type);
		np_write_be16(&b->w, (uint16_t)s->len);
		np_write_bytes(&b->w, s->data, s->len);
	}
	if (builder_check(b) < 0)
		return b->err;
	return np_dhcp6_end(b);
}

int np_dhcp6_add_fqdn(struct np_dhcp6_builder *b, uint8_t flags, const char *name, int partial)
{
	uint8_t v[1 + NP_DNS_NAME_MAX];
	int len = 0;

	if ((flags & NP_DHCP6_FQDN_S) && (flags & NP_DHCP6_FQDN_N))
		return b->err ? b->err : NP_EINVAL;
	v[0] = flags;
	if (name && *name) {
		len = np_dns_name_from_text(name, v + 1, sizeof(v) - 1);
		if (len < 0)
			return b->err ? b->err : len;
		/* RFC 4704 §4.2: a partial name is sent without its root label. */
		if (partial)
			len--;
	}
	return np_dhcp6_add(b, NP_DHCP6_OPT_CLIENT_FQDN, v, 1 + (size_t)len);
}

int np_dhcp6_add_class(struct np_dhcp6_builder *b, uint16_t code, const struct np_dhcp6_class *c)
{
	int rc;

	if ((code != NP_DHCP6_OPT_USER_CLASS && code != NP_DHCP6_OPT_VENDOR_CLASS) ||
	    c->len > 0xffff - 4 || (c->len && !c->data))
		return b->err ? b->err : NP_EINVAL;
	rc = np_dhcp6_begin(b, code);
	if (rc < 0)
		return rc;
	if (code == NP_DHCP6_OPT_VENDOR_CLASS)
		np_write_be32(&b->w, c->enterprise);
	np_write_bytes(&b->w, c->data, c->len);
	if (builder_check(b) < 0)
		return b->err;
	return np_dhcp6_end(b);
}

int np_dhcp6_begin_ia(struct np_dhcp6_builder *b, uint16_t code, uint32_t iaid, uint32_t t1,
		      uint32_t t2)
{
	int rc;

	if (!is_ia(code))
		return b->err ? b->err : NP_EINVAL;
	rc = np_dhcp6_begin(b, code);
	if (rc < 0)
		return rc;
	np_write_be32(&b->w, iaid);
	if (code != NP_DHCP6_OPT_IA_TA) {
		np_write_be32(&b->w, t1);
		np_write_be32(&b->w, t2);
	}
	return builder_check(b);
}

int np_dhcp6_begin_iaaddr(struct np_dhcp6_builder *b, const uint8_t addr[NP_DHCP6_ADDR_LEN],
			  uint32_t preferred, uint32_t valid)
{
	int rc = np_dhcp6_begin(b, NP_DHCP6_OPT_IAADDR);

	if (rc < 0)
		return rc;
	np_write_bytes(&b->w, addr, NP_DHCP6_ADDR_LEN);
	np_write_be32(&b->w, preferred);
	np_write_be32(&b->w, valid);
	return builder_check(b);
}

int np_dhcp6_begin_iaprefix(struct np_dhcp6_builder *b, uint32_t preferred, uint32_t valid,
			    uint8_t prefix_len, const uint8_t prefix[NP_DHCP6_ADDR_LEN])
{
	int rc;

	if (prefix_len > 128)
		return b->err ? b->err : NP_EINVAL;
	rc = np_dhcp6_begin(b, NP_DHCP6_OPT_IAPREFIX);
	if (rc < 0)
		return rc;
	np_write_be32(&b->w, preferred);
	np_write_be32(&b->w, valid);
	np_write_u8(&b->w, prefix_len);
	np_write_bytes(&b->w, prefix, NP_DHCP6_ADDR_LEN);
	return builder_check(b);
}

int np_dhcp6_builder_finish(struct np_dhcp6_builder *b)
{
	if (b->err)
		return b->err;
	if (b->depth)
		return b->err = NP_EINVAL;
	return np_writer_result(&b->w);
}
