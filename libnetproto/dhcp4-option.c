/*
 * dhcp4-option.c: DHCPv4 options (RFC 2132): the iterator over the options,
 * file and sname fields (§9.3 overload), RFC 3396 concatenation, the
 * builder, and typed accessors.
 */
#include <string.h>

#include <netproto/buf.h>
#include <netproto/dhcp4.h>
#include <netproto/dns.h>
#include <netproto/error.h>

/* Offsets of the overloadable fields in the message (RFC 2131 §2, figure 1). */
#define SNAME_OFF 44
#define FILE_OFF 108

/* Largest concatenated value the typed accessors read (RFC 3396 allows more). */
#define VALUE_MAX 1024

/* ---- Iterator ---------------------------------------------------------- */

/* Move to the next area that option 52 enabled (options, file, sname order). */
static void iter_advance(struct np_dhcp4_iter *it)
{
	it->count = 0;
	for (it->area++; it->area <= 2; it->area++) {
		if (it->area == 1 && (it->overload & NP_DHCP4_OVERLOAD_FILE)) {
			np_reader_init(&it->r, it->msg->file, NP_DHCP4_FILE_LEN);
			return;
		}
		if (it->area == 2 && (it->overload & NP_DHCP4_OVERLOAD_SNAME)) {
			np_reader_init(&it->r, it->msg->sname, NP_DHCP4_SNAME_LEN);
			return;
		}
	}
	np_reader_init(&it->r, NULL, 0);
}

void np_dhcp4_iter_init(struct np_dhcp4_iter *it, const struct np_dhcp4 *msg)
{
	memset(it, 0, sizeof(*it));
	it->msg = msg;
	np_reader_init(&it->r, msg->options, msg->options_len);
}

static int iter_fail(struct np_dhcp4_iter *it, int err)
{
	it->err = err;
	return err;
}

/*
 * Option 52 in the options field names the other areas (RFC 2132 §9.3);
 * returns 1 when the option is to be reported, 0 to skip it.
 */
static int iter_overload(struct np_dhcp4_iter *it, const struct np_dhcp4_opt *o)
{
	/* Only the options field may say which fields carry options. */
	if (it->area != 0)
		return 0;
	if (o->len != 1 || o->data[0] < 1 || o->data[0] > 3)
		return iter_fail(it, NP_EOPT);
	it->overload |= o->data[0];
	return 1;
}

int np_dhcp4_iter_next(struct np_dhcp4_iter *it, struct np_dhcp4_opt *opt)
{
	struct np_dhcp4_opt o;
	int keep;

	while (!it->err && it->area <= 2) {
		if (!np_reader_left(&it->r)) {
			/* An area may end without END: tolerated, as most clients do. */
			iter_advance(it);
			continue;
		}
		o.code = np_read_u8(&it->r);
		if (o.code == NP_DHCP4_OPT_PAD)
			continue;
		if (o.code == NP_DHCP4_OPT_END) {
			iter_advance(it);
			continue;
		}
		/* PADs cost one octet each; real options are capped so lookups stay cheap. */
		if (++it->count > NP_DHCP4_MAX_OPTS)
			return iter_fail(it, NP_ECOUNT);
		o.len = np_read_u8(&it->r);
		o.data = np_read_bytes(&it->r, o.len);
		if (np_reader_error(&it->r))
			return iter_fail(it, NP_EOPT);
		if (o.code == NP_DHCP4_OPT_OVERLOAD) {
			keep = iter_overload(it, &o);
			if (keep <= 0)
				continue;
		}
		*opt = o;
		return 1;
	}
	return it->err;
}

int np_dhcp4_opts_validate(const struct np_dhcp4 *msg)
{
	struct np_dhcp4_iter it;
	struct np_dhcp4_opt o;
	int rc;

	np_dhcp4_iter_init(&it, msg);
	while ((rc = np_dhcp4_iter_next(&it, &o)) > 0)
		;
	return rc;
}

int np_dhcp4_opt_get(const struct np_dhcp4 *msg, uint8_t code, uint8_t *out, size_t cap)
{
	struct np_dhcp4_iter it;
	struct np_dhcp4_opt o;
	struct np_writer w;
	int found = 0, rc;

	if (code == NP_DHCP4_OPT_PAD || code == NP_DHCP4_OPT_END)
		return NP_EINVAL;
	np_writer_init(&w, out, cap);
	np_dhcp4_iter_init(&it, msg);
	/* RFC 3396 §6: every instance, in options, file, sname order, is one value. */
	while ((rc = np_dhcp4_iter_next(&it, &o)) > 0) {
		if (o.code != code)
			continue;
		found = 1;
		np_write_bytes(&w, o.data, o.len);
	}
	if (rc < 0)
		return rc;
	if (!found)
		return NP_ENOTFOUND;
	return np_writer_result(&w);
}

int np_dhcp4_opt_has(const struct np_dhcp4 *msg, uint8_t code)
{
	struct np_dhcp4_iter it;
	struct np_dhcp4_opt o;

	np_dhcp4_iter_init(&it, msg);
	while (np_dhcp4_iter_next(&it, &o) > 0)
		if (o.code == code)
			return 1;
	return 0;
}

/* ---- Typed accessors --------------------------------------------------- */

/* The value of code, which must be exactly len octets. */
static int get_fixed(const struct np_dhcp4 *msg, uint8_t code, uint8_t *out, size_t len)
{
	uint8_t v[8];
	int n = np_dhcp4_opt_get(msg, code, v, sizeof(v));

	if (n == NP_ENOSPC || (n >= 0 && (size_t)n != len))
		return NP_EBADLEN;
	if (n < 0)
		return n;
	memcpy(out, v, len);
	return 0;
}

int np_dhcp4_get_addr(const struct np_dhcp4 *msg, uint8_t code, uint32_t *addr)
{
	uint8_t v[4];
	int rc = get_fixed(msg, code, v, sizeof(v));

	if (rc < 0)
		return rc;
	*addr = np_load_be32(v);
	return 0;
}

int np_dhcp4_get_u32(const struct np_dhcp4 *msg, uint8_t code, uint32_t *val)
{
	return np_dhcp4_get_addr(msg, code, val);
}

int np_dhcp4_get_addrs(const struct np_dhcp4 *msg, uint8_t code, uint32_t *addrs, size_t max)
{
	uint8_t v[VALUE_MAX];
	struct np_reader r;
	int n = np_dhcp4_opt_get(msg, code, v, sizeof(v));
	size_t i, count;

	if (n == NP_ENOSPC)
		return NP_ECOUNT;
	if (n < 0)
		return n;
	/* RFC 2132 §3.5, §3.8, §8.3: at least one address, a multiple of 4. */
	if (n == 0 || n % 4)
		return NP_EBADLEN;
	count = (size_t)n / 4;
	if (count > max)
		return NP_ENOSPC;
	np_reader_init(&r, v, (size_t)n);
	for (i = 0; i < count; i++)
		addrs[i] = np_read_be32(&r);
	return (int)count;
}

int np_dhcp4_get_msg_type(const struct np_dhcp4 *msg, uint8_t *type)
{
	return get_fixed(msg, NP_DHCP4_OPT_MSG_TYPE, type, 1);
}

int np_dhcp4_get_max_size(const struct np_dhcp4 *msg, uint16_t *size)
{
	uint8_t v[2];
	int rc = get_fixed(msg, NP_DHCP4_OPT_MAX_SIZE, v, sizeof(v));

	if (rc < 0)
		return rc;
	/* RFC 2132 §9.10: the minimum legal value is 576. */
	if (np_load_be16(v) < NP_DHCP4_MIN_MAX_SIZE)
		return NP_EFORMAT;
	*size = np_load_be16(v);
	return 0;
}

int np_dhcp4_get_string(const struct np_dhcp4 *msg, uint8_t code, char *out, size_t cap)
{
	uint8_t v[VALUE_MAX];
	int n = np_dhcp4_opt_get(msg, code, v, sizeof(v));

	if (n < 0)
		return n;
	/* Some clients count a C string's NUL in the length (RFC 2132 §2 says not to). */
	while (n > 0 && v[n - 1] == 0)
		n--;
	if (n == 0)
		return NP_EBADLEN;
	if (memchr(v, 0, (size_t)n))
		return NP_EFORMAT;
	if ((size_t)n >= cap)
		return NP_ENOSPC;
	memcpy(out, v, (size_t)n);
	out[n] = '\0';
	return n;
}

int np_dhcp4_get_param_list(const struct np_dhcp4 *msg, uint8_t *codes, size_t cap)
{
	uint8_t v[VALUE_MAX];
	int n = np_dhcp4_opt_get(msg, NP_DHCP4_OPT_PARAM_LIST, v, sizeof(v));

	if (n < 0)
		return n;
	if (n == 0)
		return NP_EBADLEN;  /* RFC 2132 §9.8: minimum length 1 */
	if ((size_t)n > cap)
		return NP_ENOSPC;
	memcpy(codes, v, (size_t)n);
	return n;
}

int np_dhcp4_param_list_has(const uint8_t *codes, size_t n, uint8_t code)
{
	return codes && n && memchr(codes, code, n) != NULL;
}

int np_dhcp4_get_client_id(const struct np_dhcp4 *msg, uint8_t *out, size_t cap)
{
	uint8_t v[VALUE_MAX];
	int n = np_dhcp4_opt_get(msg, NP_DHCP4_OPT_CLIENT_ID, v, sizeof(v));

	if (n < 0)
		return n;
	if (n < 2)
		return NP_EBADLEN;  /* RFC 2132 §9.14: type and at least one octet */
	if ((size_t)n > cap)
		return NP_ENOSPC;
	memcpy(out, v, (size_t)n);
	return n;
}

/*
 * A wire name in option 81 must be uncompressed (RFC 4702 §2.3.1); a client
 * may send only its host label without the root label (a partial name).
 */
static int fqdn_wire_name(struct np_reader *r, struct np_dhcp4_fqdn *f)
{
	size_t len = np_reader_left(r);
	const uint8_t *name = np_read_bytes(r, len);
	int rc;

	f->partial = 0;
	f->name_len = 0;
	if (len == 0)
		return 0;  /* no name: the client asks the server to choose one */
	if (len >= sizeof(f->name))
		return NP_ENAME;
	memcpy(f->name, name, len);
	rc = np_dns_name_check(f->name, len);
	if (rc == NP_EBADLEN) {
		/* No root label at the end: try it as a partial name. */
		f->name[len] = 0;
		rc = np_dns_name_check(f->name, len + 1);
		if (rc < 0)
			return rc == NP_EBADLEN ? NP_EFORMAT : rc;
		f->partial = 1;
		len++;
	} else if (rc < 0) {
		return rc == NP_ELABEL ? NP_EFORMAT : rc;
	}
	f->name_len = len;
	return 0;
}

int np_dhcp4_get_fqdn(const struct np_dhcp4 *msg, struct np_dhcp4_fqdn *out)
{
	uint8_t v[3 + NP_DNS_NAME_MAX];
	struct np_dhcp4_fqdn f;
	struct np_reader r;
	int n = np_dhcp4_opt_get(msg, NP_DHCP4_OPT_FQDN, v, sizeof(v));
	int rc;

	if (n == NP_ENOSPC)
		return NP_ENAME;
	if (n < 0)
		return n;
	if (n < 3)
		return NP_EBADLEN;  /* RFC 4702 §2: flags, RCODE1, RCODE2 */
	memset(&f, 0, sizeof(f));
	np_reader_init(&r, v, (size_t)n);
	f.flags = np_read_u8(&r);
	f.rcode1 = np_read_u8(&r);
	f.rcode2 = np_read_u8(&r);
	/* RFC 4702 §2.1: "If the N bit is 1, the S bit MUST be 0." */
	if ((f.flags & NP_DHCP4_FQDN_S) && (f.flags & NP_DHCP4_FQDN_N))
		return NP_EFORMAT;
	if (f.flags & NP_DHCP4_FQDN_E) {
		rc = fqdn_wire_name(&r, &f);
		if (rc < 0)
			return rc;
	} else {
		/* Deprecated ASCII encoding (RFC 4702 §2.3.1): kept as sent. */
		f.name_len = np_reader_left(&r);
		np_read_copy(&r, f.name, f.name_len);
	}
	*out = f;
	return 0;
}

/* Check raw relay agent sub-options (RFC 3046 §2.0: code, length, value). */
static int relay_check(const uint8_t *raw, size_t len)
{
	struct np_reader r;
	uint8_t sublen;

	np_reader_init(&r, raw, len);
	while (np_reader_left(&r)) {
		np_read_u8(&r);
		sublen = np_read_u8(&r);
		np_reader_skip(&r, sublen);
	}
	return np_reader_error(&r) ? NP_EOPT : 0;
}

int np_dhcp4_get_relay_info(const struct np_dhcp4 *msg, uint8_t *out, size_t cap)
{
	uint8_t v[VALUE_MAX];
	int n = np_dhcp4_opt_get(msg, NP_DHCP4_OPT_RELAY_INFO, v, sizeof(v));

	if (n < 0)
		return n;
	if (n == 0)
		return NP_EBADLEN;  /* RFC 3046 §2.0: at least one sub-option */
	if (relay_check(v, (size_t)n) < 0)
		return NP_EOPT;
	if ((size_t)n > cap)
		return NP_ENOSPC;
	memcpy(out, v, (size_t)n);
	return n;
}

int np_dhcp4_relay_subopt(const uint8_t *raw, size_t len, uint8_t code, struct np_dhcp4_opt *sub)
{
	struct np_reader r;
	struct np_dhcp4_opt o;

	np_reader_init(&r, raw, len);
	while (np_reader_left(&r)) {
		o.code = np_read_u8(&r);
		o.len = np_read_u8(&r);
		o.data = np_read_bytes(&r, o.len);
		if (np_reader_error(&r))
			return NP_EOPT;
		if (o.code == code) {
			*sub = o;
			return 0;
		}
	}
	return NP_ENOTFOUND;
}

int np_dhcp4_get_domain_search(const struct np_dhcp4 *msg, uint8_t *out, size_t cap,
			       size_t *out_len)
{
	uint8_t v[VALUE_MAX];
	uint8_t name[NP_DNS_NAME_MAX];
	struct np_reader r;
	struct np_writer w;
	int n = np_dhcp4_opt_get(msg, NP_DHCP4_OPT_DOMAIN_SEARCH, v, sizeof(v));
	int count = 0, len;

	if (n == NP_ENOSPC)
		return NP_ECOUNT;
	if (n < 0)
		return n;
	/* RFC 3397 §2: pointers are offsets into the concatenated option data. */
	np_reader_init(&r, v, (size_t)n);
	np_writer_init(&w, out, cap);
	while (np_reader_left(&r)) {
		len = np_dns_name_read(&r, name, sizeof(name));
		if (len < 0)
			return len;
		np_write_bytes(&w, name, (size_t)len);
		count++;
	}
	if (count == 0)
		return NP_EBADLEN;
	if (np_writer_error(&w))
		return np_writer_error(&w);
	*out_len = np_writer_len(&w);
	return count;
}

int np_dhcp4_get_routes(const struct np_dhcp4 *msg, struct np_dhcp4_route *routes, size_t max)
{
	uint8_t v[VALUE_MAX];
	struct np_dhcp4_route rt;
	struct np_reader r;
	int n = np_dhcp4_opt_get(msg, NP_DHCP4_OPT_CLASSLESS_ROUTE, v, sizeof(v));
	size_t count = 0, i, sig;

	if (n == NP_ENOSPC)
		return NP_ECOUNT;
	if (n < 0)
		return n;
	if (n < 5)
		return NP_EBADLEN;  /* RFC 3442 §3: minimum length 5 */
	np_reader_init(&r, v, (size_t)n);
	while (np_reader_left(&r)) {
		/* RFC 3442 §3: width, then only the significant octets of the destination. */
		rt.prefix_len = np_read_u8(&r);
		if (rt.prefix_len > 32)
			return NP_EOPT;
		sig = (rt.prefix_len + 7u) / 8u;
		rt.dest = 0;
		for (i = 0; i < 4; i++)
			rt.dest = rt.dest << 8 | (i < sig ? np_read_u8(&r) : 0u);
		if (rt.prefix_len < 32)
			rt.dest &= rt.prefix_len ? ~(0xffffffffu >> rt.prefix_len) : 0u;
		rt.router = np_read_be32(&r);
		if (np_reader_error(&r))
			return NP_EOPT;
		if (count == max)
			return NP_ENOSPC;
		routes[count++] = rt;
	}
	return (int)count;
}

/* ---- Builder ----------------------------------------------------------- */

/* Start writing options into the file (area 1) or sname (area 2) field. */
static void builder_open_area(struct np_dhcp4_builder *b, int area)
{
	struct np_writer *aw = area == 1 ? &b->file : &b->sname;
	size_t off = area == 1 ? FILE_OFF : SNAME_OFF;
	size_t len = area == 1 ? NP_DHCP4_FILE_LEN : NP_DHCP4_SNAME_LEN;

	/* The field's old contents go: it now holds options only (RFC 2132 §9.3). */
	np_writer_init(aw, b->w.data, off + len);
	aw->pos = off;
	np_write_zero(aw, len);
	aw->pos = off;
	aw->cap = off + len - 1;  /* room for END */
	b->area = area;
	b->used |= area == 1 ? NP_DHCP4_OVERLOAD_FILE : NP_DHCP4_OVERLOAD_SNAME;
}

/* The next field options may overflow into, skipping those kept (0: none). */
static int builder_next_area(const struct np_dhcp4_builder *b)
{
	for (int area = b->area + 1; area <= 2; area++)
		if (!(b->keep & (area == 1 ? NP_DHCP4_BUILD_KEEP_FILE : NP_DHCP4_BUILD_KEEP_SNAME)))
			return area;
	return 0;
}

static struct np_writer *builder_area(struct np_dhcp4_builder *b)
{
	if (b->area == 1)
		return &b->file;
	if (b->area == 2)
		return &b->sname;
	return &b->w;
}

/* Write one instance (len <= 255) in the current area or a later one. */
static int builder_put(struct np_dhcp4_builder *b, uint8_t code, struct np_reader *val,
		       size_t len)
{
	struct np_writer *aw = builder_area(b);

	while (aw->cap - aw->pos < len + 2) {
		int next = b->allow_overload ? builder_next_area(b) : 0;

		if (next == 0)
			return b->err = NP_ENOSPC;
		builder_open_area(b, next);
		aw = builder_area(b);
	}
	np_write_u8(aw, code);
	np_write_u8(aw, (uint8_t)len);
	if (len)
		np_write_bytes(aw, np_read_bytes(val, len), len);
	return b->err = np_writer_error(aw);
}

int np_dhcp4_add(struct np_dhcp4_builder *b, uint8_t code, const void *val, size_t len)
{
	struct np_reader r;
	size_t chunk;

	if (b->err)
		return b->err;
	if (code == NP_DHCP4_OPT_PAD || code == NP_DHCP4_OPT_END || code == NP_DHCP4_OPT_OVERLOAD)
		return NP_EINVAL;
	if (len && !val)
		return NP_EINVAL;
	np_reader_init(&r, val, len);
	/* RFC 3396 §5: values over 255 octets go out as consecutive instances. */
	do {
		chunk = len > 255 ? 255 : len;
		if (builder_put(b, code, &r, chunk) < 0)
			return b->err;
		len -= chunk;
	} while (len);
	return 0;
}

int np_dhcp4_add_u8(struct np_dhcp4_builder *b, uint8_t code, uint8_t v)
{
	return np_dhcp4_add(b, code, &v, 1);
}

int np_dhcp4_add_u16(struct np_dhcp4_builder *b, uint8_t code, uint16_t v)
{
	uint8_t x[2];

	np_store_be16(x, v);
	return np_dhcp4_add(b, code, x, sizeof(x));
}

int np_dhcp4_add_u32(struct np_dhcp4_builder *b, uint8_t code, uint32_t v)
{
	uint8_t x[4];

	np_store_be32(x, v);
	return np_dhcp4_add(b, code, x, sizeof(x));
}

int np_dhcp4_add_addrs(struct np_dhcp4_builder *b, uint8_t code, const uint32_t *addrs, size_t n)
{
	uint8_t v[VALUE_MAX];
	struct np_writer w;
	size_t i;

	if (n == 0)
		return NP_EINVAL;
	np_writer_init(&w, v, sizeof(v));
	for (i = 0; i < n; i++)
		np_write_be32(&w, addrs[i]);
	if (np_writer_error(&w))
		return NP_EINVAL;
	return np_dhcp4_add(b, code, v, np_writer_len(&w));
}

int np_dhcp4_add_string(struct np_dhcp4_builder *b, uint8_t code, const char *s)
{
	size_t len = strlen(s);

	/* RFC 2132 §2: strings are not NUL-terminated; empty ones are not allowed. */
	if (len == 0)
		return NP_EINVAL;
	return np_dhcp4_add(b, code, s, len);
}

int np_dhcp4_add_fqdn(struct np_dhcp4_builder *b, uint8_t flags, uint8_t rcode1, uint8_t rcode2,
		      const char *name)
{
	uint8_t v[3 + NP_DNS_NAME_MAX], wire[NP_DNS_NAME_MAX];
	struct np_writer w;
	size_t len = name ? strlen(name) : 0;
	int n;

	np_writer_init(&w, v, sizeof(v));
	np_write_u8(&w, flags);
	np_write_u8(&w, rcode1);
	np_write_u8(&w, rcode2);
	if (len && (flags & NP_DHCP4_FQDN_E)) {
		/* RFC 4702 §2.3.1: canonical wire format, no compression. */
		n = np_dns_name_from_text(name, wire, sizeof(wire));
		if (n < 0)
			return n;
		np_write_bytes(&w, wire, (size_t)n);
	} else {
		np_write_bytes(&w, name, len);
	}
	if (np_writer_error(&w))
		return NP_ENAME;
	return np_dhcp4_add(b, NP_DHCP4_OPT_FQDN, v, np_writer_len(&w));
}

int np_dhcp4_add_domain_search(struct np_dhcp4_builder *b, const char *const *names, size_t n)
{
	uint8_t v[VALUE_MAX], wire[NP_DNS_NAME_MAX];
	struct np_dns_ctable ct;
	struct np_writer w;
	size_t i;
	int len, rc;

	if (n == 0)
		return NP_EINVAL;
	/* RFC 3397 §2: compression pointers count from the start of the option data. */
	np_writer_init(&w, v, sizeof(v));
	np_dns_ctable_init(&ct, 0);
	for (i = 0; i < n; i++) {
		len = np_dns_name_from_text(names[i], wire, sizeof(wire));
		if (len < 0)
			return len;
		rc = np_dns_name_write(&w, wire, (size_t)len, &ct);
		if (rc < 0)
			return rc;
	}
	return np_dhcp4_add(b, NP_DHCP4_OPT_DOMAIN_SEARCH, v, np_writer_len(&w));
}

int np_dhcp4_add_routes(struct np_dhcp4_builder *b, const struct np_dhcp4_route *routes, size_t n)
{
	uint8_t v[VALUE_MAX];
	struct np_writer w;
	size_t i, k, sig;

	if (n == 0)
		return NP_EINVAL;
	np_writer_init(&w, v, sizeof(v));
	for (i = 0; i < n; i++) {
		if (routes[i].prefix_len > 32)
			return NP_EINVAL;
		/* RFC 3442 §3: width, then only the significant octets. */
		sig = (routes[i].prefix_len + 7u) / 8u;
		np_write_u8(&w, routes[i].prefix_len);
		for (k = 0; k < sig; k++)
			np_write_u8(&w, (uint8_t)(routes[i].dest >> (24 - 8 * k)));
		np_write_be32(&w, routes[i].router);
	}
	if (np_writer_error(&w))
		return NP_EINVAL;
	return np_dhcp4_add(b, NP_DHCP4_OPT_CLASSLESS_ROUTE, v, np_writer_len(&w));
}

/* Close a file/sname area with END (its last octet was kept for it). */
static void builder_close_area(struct np_writer *aw)
{
	aw->cap++;
	np_write_u8(aw, NP_DHCP4_OPT_END);
}

int np_dhcp4_builder_finish(struct np_dhcp4_builder *b)
{
	uint8_t overload = 0;

	if (b->err)
		return b->err;
	if (b->used & NP_DHCP4_OVERLOAD_FILE) {
		builder_close_area(&b->file);
		overload |= NP_DHCP4_OVERLOAD_FILE;
	}
	if (b->used & NP_DHCP4_OVERLOAD_SNAME) {
		builder_close_area(&b->sname);
		overload |= NP_DHCP4_OVERLOAD_SNAME;
	}
	b->w.cap = b->limit;
	/* RFC 2132 §9.3: option 52 itself must be in the options field. */
	if (overload) {
		np_write_u8(&b->w, NP_DHCP4_OPT_OVERLOAD);
		np_write_u8(&b->w, 1);
		np_write_u8(&b->w, overload);
	}
	np_write_u8(&b->w, NP_DHCP4_OPT_END);
	if (np_writer_len(&b->w) < NP_DHCP4_BOOTP_MIN_LEN)
		np_write_zero(&b->w, NP_DHCP4_BOOTP_MIN_LEN - np_writer_len(&b->w));
	b->err = np_writer_error(&b->w);
	return b->err ? b->err : np_writer_result(&b->w);
}
