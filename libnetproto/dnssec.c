/*
 * dnssec.c: DNSSEC rdata views and canonical forms (see netproto/dnssec.h).
 */
#include <string.h>

#include <netproto/buf.h>
#include <netproto/dnssec.h>
#include <netproto/error.h>

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* A short read of fixed fields is a length that contradicts the type. */
static int reader_result(const struct np_reader *r)
{
	int err = np_reader_error(r);

	return err == NP_ETRUNC ? NP_EBADLEN : err;
}

/* ---- Record views ------------------------------------------------------ */

int np_dnskey_parse(const uint8_t *rdata, size_t len, struct np_dnskey *out)
{
	struct np_reader r;
	struct np_dnskey k;

	np_reader_init(&r, rdata, len);
	k.flags = np_read_be16(&r);
	k.protocol = np_read_u8(&r);
	k.algorithm = np_read_u8(&r);
	k.key = np_read_rest(&r, &k.key_len);
	if (np_reader_error(&r) || !k.key_len)
		return NP_EBADLEN;
	*out = k;
	return 0;
}

uint16_t np_dnssec_key_tag(const uint8_t *rdata, size_t len)
{
	uint32_t ac = 0;
	size_t i;

	if (len < 4)
		return 0;
	/* RFC 4034 B.1: RSA/MD5 keys use the modulus' low 16 bits. */
	if (rdata[3] == NP_DNSSEC_ALG_RSAMD5)
		return len < 7 ? 0 : (uint16_t)(rdata[len - 3] << 8 | rdata[len - 2]);
	for (i = 0; i < len; i++)
		ac += (i & 1) ? rdata[i] : (uint32_t)rdata[i] << 8;
	ac += ac >> 16 & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

int np_ds_parse(const uint8_t *rdata, size_t len, struct np_ds *out)
{
	struct np_reader r;
	struct np_ds d;

	np_reader_init(&r, rdata, len);
	d.key_tag = np_read_be16(&r);
	d.algorithm = np_read_u8(&r);
	d.digest_type = np_read_u8(&r);
	d.digest = np_read_rest(&r, &d.digest_len);
	if (np_reader_error(&r) || !d.digest_len)
		return NP_EBADLEN;
	*out = d;
	return 0;
}

int np_dnssec_bitmap_check(const uint8_t *bitmap, size_t len)
{
	size_t i = 0;
	int last = -1;

	while (i < len) {
		unsigned window, blen;

		if (len - i < 2)
			return NP_EBADLEN;
		window = bitmap[i];
		blen = bitmap[i + 1];
		/* RFC 4034 §4.1.2: increasing windows, 1..32 octets, no trailing zero octets. */
		if ((int)window <= last || blen < 1 || blen > 32 || len - i - 2 < blen ||
		    bitmap[i + 1 + blen] == 0)
			return NP_EBADLEN;
		last = (int)window;
		i += 2 + blen;
	}
	return 0;
}

int np_dnssec_bitmap_has(const uint8_t *bitmap, size_t len, uint16_t type)
{
	size_t i = 0;
	unsigned window = type >> 8, bit = type & 0xff;

	while (i + 2 <= len) {
		unsigned blen = bitmap[i + 1];

		if (i + 2 + blen > len)
			return 0;
		if (bitmap[i] == window)
			return bit / 8 < blen && (bitmap[i + 2 + bit / 8] & (0x80 >> (bit % 8)));
		i += 2 + blen;
	}
	return 0;
}

/* An uncompressed name at r's position (its octets as they are). */
static size_t plain_name(struct np_reader *r, uint8_t *out)
{
	struct np_reader whole = *r;
	size_t start = r->pos;
	int n;

	/* A reader starting at the name: any pointer would point before it. */
	np_reader_init(&whole, r->data + start, r->len - start);
	n = np_dns_name_read(&whole, out, NP_DNS_NAME_MAX);
	if (n < 0) {
		np_reader_fail(r, n == NP_ELOOP ? NP_ELABEL : n);
		return 0;
	}
	if (whole.pos != (size_t)n) {
		np_reader_fail(r, NP_ELABEL);
		return 0;
	}
	np_reader_skip(r, (size_t)n);
	return (size_t)n;
}

int np_nsec_parse(const uint8_t *rdata, size_t len, struct np_nsec *out)
{
	struct np_reader r;
	int err;

	np_reader_init(&r, rdata, len);
	out->next_len = plain_name(&r, out->next);
	if ((err = reader_result(&r)))
		return err;
	out->bitmap = np_read_rest(&r, &out->bitmap_len);
	return np_dnssec_bitmap_check(out->bitmap, out->bitmap_len);
}

int np_nsec3_parse(const uint8_t *rdata, size_t len, struct np_nsec3 *out)
{
	struct np_reader r;
	struct np_nsec3 n;

	np_reader_init(&r, rdata, len);
	n.hash_alg = np_read_u8(&r);
	n.flags = np_read_u8(&r);
	n.iterations = np_read_be16(&r);
	n.salt_len = np_read_u8(&r);
	n.salt = np_read_bytes(&r, n.salt_len);
	n.hash_len = np_read_u8(&r);
	n.next_hash = np_read_bytes(&r, n.hash_len);
	n.bitmap = np_read_rest(&r, &n.bitmap_len);
	if (np_reader_error(&r) || !n.hash_len)
		return NP_EBADLEN;
	if (np_dnssec_bitmap_check(n.bitmap, n.bitmap_len))
		return NP_EBADLEN;
	*out = n;
	return 0;
}

int np_nsec3param_parse(const uint8_t *rdata, size_t len, struct np_nsec3param *out)
{
	struct np_reader r;
	struct np_nsec3param p;

	np_reader_init(&r, rdata, len);
	p.hash_alg = np_read_u8(&r);
	p.flags = np_read_u8(&r);
	p.iterations = np_read_be16(&r);
	p.salt_len = np_read_u8(&r);
	p.salt = np_read_bytes(&r, p.salt_len);
	if (np_reader_error(&r) || np_reader_left(&r))
		return NP_EBADLEN;
	*out = p;
	return 0;
}

/* ---- Canonical order (RFC 4034 §6.1) ------------------------------------ */

/* Offsets of the labels of a valid name, root excluded; returns the count. */
static size_t label_offsets(const uint8_t *name, size_t len, uint8_t off[128])
{
	size_t i = 0, n = 0;

	while (i < len && name[i] != 0 && n < 128) {
		off[n++] = (uint8_t)i;
		i += 1 + (size_t)name[i];
	}
	return n;
}

int np_dns_name_canonical_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	uint8_t ao[128], bo[128];
	size_t an = label_offsets(a, alen, ao), bn = label_offsets(b, blen, bo);

	while (an && bn) {
		const uint8_t *la = &a[ao[--an]], *lb = &b[bo[--bn]];
		size_t i, n = la[0] < lb[0] ? la[0] : lb[0];

		for (i = 1; i <= n; i++)
			if (lower(la[i]) != lower(lb[i]))
				return lower(la[i]) < lower(lb[i]) ? -1 : 1;
		if (la[0] != lb[0])
			return la[0] < lb[0] ? -1 : 1;
	}
	return an ? 1 : bn ? -1 : 0;
}

/* ---- Canonical rdata (RFC 4034 §6.2) ------------------------------------ */

/*
 * The shape of the rdata of the types whose names are lowercased, as a
 * string of fields: 'n' a name, '1' '2' '4' fixed octets, 's' a
 * character-string, 'r' the rest as octets, 'a' the A6 prefix and suffix
 * (RFC 2874 §3.1; its name follows only for a nonzero prefix length).
 */
static const char *name_layout(uint16_t type)
{
	switch (type) {
	case NP_DNS_TYPE_NS: case 3: case 4: case NP_DNS_TYPE_CNAME: case 7: case 8: case 9:
	case NP_DNS_TYPE_PTR: case 39:               /* MD MF MB MG MR DNAME */
		return "n";
	case NP_DNS_TYPE_SOA:
		return "nn44444";
	case 14: case 17:                            /* MINFO RP */
		return "nn";
	case NP_DNS_TYPE_MX: case 18: case 21: case 36: /* AFSDB RT KX */
		return "2n";
	case 26:                                     /* PX */
		return "2nn";
	case NP_DNS_TYPE_SRV:
		return "222n";
	case 35:                                     /* NAPTR */
		return "22sssn";
	case 24: case NP_DNS_TYPE_RRSIG:             /* SIG */
		return "2114442nr";
	case 30:                                     /* NXT */
		return "nr";
	case 38:                                     /* A6 */
		return "a";
	default:
		return NULL;
	}
}

int np_dnssec_type_lowers_names(uint16_t type)
{
	return name_layout(type) != NULL;
}

static void copy_octets(struct np_reader *r, struct np_writer *w, size_t n)
{
	const uint8_t *p = np_read_bytes(r, n);

	if (p)
		np_write_bytes(w, p, n);
}

static void copy_name(struct np_reader *r, struct np_writer *w, int lower)
{
	uint8_t name[NP_DNS_NAME_MAX];
	int n = np_dns_name_read(r, name, sizeof(name));

	if (n < 0)
		return;                     /* the error is in r */
	if (lower)
		np_dns_name_lower(name, (size_t)n);
	np_write_bytes(w, name, (size_t)n);
}

static void copy_field(char f, struct np_reader *r, struct np_writer *w, size_t end, int lower)
{
	uint8_t prefix;

	switch (f) {
	case 'n':
		copy_name(r, w, lower);
		break;
	case '1': case '2': case '4':
		copy_octets(r, w, (size_t)(f - '0'));
		break;
	case 's':
		copy_octets(r, w, 1 + (size_t)(np_reader_left(r) ? r->data[r->pos] : 0));
		break;
	case 'r':
		copy_octets(r, w, r->pos < end ? end - r->pos : 0);
		break;
	case 'a':
		prefix = np_read_u8(r);
		np_write_u8(w, prefix);
		if (prefix > 128) {
			np_reader_fail(r, NP_EBADLEN);
			break;
		}
		copy_octets(r, w, (size_t)(128 - prefix + 7) / 8);
		if (prefix)
			copy_name(r, w, lower);
		break;
	}
}

/* The rdata with its names decompressed, and lowercased when lower is set. */
static int rdata_names_copy(const uint8_t *msg, size_t msglen, size_t rdata_off,
			    uint16_t rdlength, uint16_t type, int lower, uint8_t *out, size_t cap)
{
	const char *layout = name_layout(type);
	size_t end = rdata_off + rdlength;
	struct np_reader r;
	struct np_writer w;
	int err;

	if (rdata_off > msglen || msglen - rdata_off < rdlength)
		return NP_EBADLEN;
	np_writer_init(&w, out, cap);
	if (!layout) {
		np_write_bytes(&w, msg + rdata_off, rdlength);
		return np_writer_result(&w);
	}
	/* The reader ends with the rdata but starts at the message: pointers go back into it. */
	np_reader_init(&r, msg, end);
	np_reader_seek(&r, rdata_off);
	for (; *layout && !np_reader_error(&r); layout++)
		copy_field(*layout, &r, &w, end, lower);
	if ((err = reader_result(&r)))
		return err;
	if (r.pos != end)
		return NP_EBADLEN;
	return np_writer_result(&w);
}

int np_dnssec_rdata_canonical(const uint8_t *msg, size_t msglen, size_t rdata_off,
			      uint16_t rdlength, uint16_t type, uint8_t *out, size_t cap)
{
	return rdata_names_copy(msg, msglen, rdata_off, rdlength, type, 1, out, cap);
}

int np_dns_rr_rdata_uncompressed(const struct np_dns_msg *msg, const struct np_dns_rr *rr,
				 uint8_t *buf, size_t cap, const uint8_t **out)
{
	struct np_dns_rdata rd;
	int err;

	if ((err = np_dns_rr_rdata(msg, rr, &rd)))
		return err;
	if (!np_dns_type_is_typed(rr->type) || !name_layout(rr->type)) {
		*out = rd.raw;
		return (int)rd.raw_len;
	}
	*out = buf;
	return rdata_names_copy(msg->data, msg->len, rr->rdata_off, rr->rdlength, rr->type, 0,
				buf, cap);
}

/* ---- The signed RRset (RFC 4034 §3.1.8.1, §6.3) ------------------------- */

static int rdata_cmp(const struct np_dnssec_rdata *a, const struct np_dnssec_rdata *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = n ? memcmp(a->data, b->data, n) : 0;

	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

size_t np_dnssec_rdata_sort(struct np_dnssec_rdata *rd, size_t n)
{
	size_t i, j, out = 0;

	for (i = 1; i < n; i++) {
		struct np_dnssec_rdata v = rd[i];

		for (j = i; j > 0 && rdata_cmp(&rd[j - 1], &v) > 0; j--)
			rd[j] = rd[j - 1];
		rd[j] = v;
	}
	/* RFC 4034 §6.3: duplicates in an RRset are suppressed. */
	for (i = 0; i < n; i++)
		if (!out || rdata_cmp(&rd[out - 1], &rd[i]))
			rd[out++] = rd[i];
	return out;
}

static int is_wildcard(const uint8_t *name, size_t len)
{
	return len >= 2 && name[0] == 1 && name[1] == '*';
}

/* The canonical owner as signed: lowercased, or the wildcard it was expanded from. */
static int signed_owner(const uint8_t *owner, size_t len, unsigned labels, uint8_t *out)
{
	int n = np_dns_name_labels(owner, len);
	size_t i = 0;

	if (np_dns_name_check(owner, len))
		return NP_EINVAL;
	if (is_wildcard(owner, len))
		n--;                        /* RFC 4034 §3.1.3: "*" is not counted */
	if ((int)labels > n)
		return NP_EINVAL;
	if ((int)labels == n) {
		memcpy(out, owner, len);
		np_dns_name_lower(out, len);
		return (int)len;
	}
	/* RFC 4035 §5.3.2: "*." and the rightmost labels labels of the owner. */
	while (n-- > (int)labels)
		i += 1 + (size_t)owner[i];
	out[0] = 1;
	out[1] = '*';
	memcpy(out + 2, owner + i, len - i);
	np_dns_name_lower(out, len - i + 2);
	return (int)(len - i + 2);
}

int np_dnssec_signed_data(const uint8_t *rrsig, size_t rrsig_len, const uint8_t *owner,
			  size_t owner_len, uint16_t type, uint16_t rclass,
			  const struct np_dnssec_rdata *rd, size_t n, uint8_t *out, size_t cap)
{
	struct np_dns_rrsig s;
	uint8_t name[NP_DNS_NAME_MAX + 2];
	struct np_writer w;
	int olen, err;
	size_t i;

	if ((err = np_dns_rrsig_parse(rrsig, rrsig_len, &s)))
		return err;
	if ((olen = signed_owner(owner, owner_len, s.labels, name)) < 0)
		return olen;
	np_writer_init(&w, out, cap);
	np_write_bytes(&w, rrsig, 18);
	np_dns_name_lower(s.signer, s.signer_len);
	np_write_bytes(&w, s.signer, s.signer_len);
	for (i = 0; i < n; i++) {
		np_write_bytes(&w, name, (size_t)olen);
		np_write_be16(&w, type);
		np_write_be16(&w, rclass);
		np_write_be32(&w, s.original_ttl);
		np_write_be16(&w, rd[i].len);
		np_write_bytes(&w, rd[i].data, rd[i].len);
	}
	return np_writer_result(&w);
}

int np_dnssec_ds_input(const uint8_t *owner, size_t owner_len, const uint8_t *dnskey,
		       size_t dnskey_len, uint8_t *out, size_t cap)
{
	struct np_writer w;

	if (np_dns_name_check(owner, owner_len))
		return NP_EINVAL;
	np_writer_init(&w, out, cap);
	np_write_bytes(&w, owner, owner_len);
	np_write_bytes(&w, dnskey, dnskey_len);
	if (!np_writer_error(&w))
		np_dns_name_lower(out, owner_len);
	return np_writer_result(&w);
}

int np_nsec3_hash_input(const uint8_t *name, size_t len, const uint8_t *salt, size_t salt_len,
			uint8_t *out, size_t cap)
{
	return np_dnssec_ds_input(name, len, salt, salt_len, out, cap);
}

/* ---- Base32hex (RFC 4648 §7) ------------------------------------------- */

static const char b32hex[] = "0123456789abcdefghijklmnopqrstuv";

int np_base32hex_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t i, n = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	if ((len * 8 + 4) / 5 > cap)
		return NP_ENOSPC;
	for (i = 0; i < len; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[n++] = b32hex[acc >> bits & 31];
		}
	}
	if (bits)
		out[n++] = b32hex[acc << (5 - bits) & 31];
	return (int)n;
}

static int b32hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'v')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'V')
		return c - 'A' + 10;
	return -1;
}

int np_base32hex_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	size_t i, n = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	/* Unpadded lengths: 8 characters per 5 octets, a partial group 2, 4, 5 or 7. */
	switch (len % 8) {
	case 1: case 3: case 6:
		return NP_EINVAL;
	}
	if (len * 5 / 8 > cap)
		return NP_ENOSPC;
	for (i = 0; i < len; i++) {
		int v = b32hex_value(in[i]);

		if (v < 0)
			return NP_EINVAL;
		acc = (acc << 5 | (uint32_t)v) & 0xffff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (acc & ((1u << bits) - 1))
		return NP_EINVAL;           /* RFC 4648 §3.5: pad bits are zero */
	return (int)n;
}
