/* ipv6.c: the IPv6 header and extension headers (RFC 8200) and address text (RFC 5952). */
#include <string.h>

#include <netproto/buf.h>
#include <netproto/error.h>
#include <netproto/ipv4.h>
#include <netproto/ipv6.h>

#define IPV6_FLOW_MAX 0xfffff        /* the flow label is 20 bits (RFC 8200 §3) */

static int ipv6_is_ext(uint8_t next)
{
	switch (next) {
	case NP_IPPROTO_HOPOPTS:
	case NP_IPPROTO_ROUTING:
	case NP_IPPROTO_FRAGMENT:
	case NP_IPPROTO_DSTOPTS:
	case NP_IPPROTO_AH:
		return 1;
	}
	return 0;
}

/*
 * The length of an extension header of the given type from its length
 * octet: 8-octet units beyond the first 8 (RFC 8200 §4.3-4.6), 4-octet
 * units minus 2 for AH (RFC 4302 §2.2), and a fixed 8 for a fragment
 * header, whose second octet is reserved.
 */
static size_t ipv6_ext_len(uint8_t type, uint8_t len_octet)
{
	if (type == NP_IPPROTO_FRAGMENT)
		return NP_IPV6_FRAG_HDR_LEN;
	if (type == NP_IPPROTO_AH)
		return ((size_t)len_octet + 2) * 4;
	return ((size_t)len_octet + 1) * 8;
}

/* One extension header of type at r's position; *next is its next header. */
static int ipv6_ext_read(struct np_reader *r, uint8_t type, struct np_ipv6_ext *e, uint8_t *next)
{
	size_t start = r->pos;
	uint8_t len_octet;

	*next = np_read_u8(r);
	len_octet = np_read_u8(r);
	if (np_reader_error(r))
		return np_reader_error(r);
	e->type = type;
	e->len = ipv6_ext_len(type, len_octet);
	/* RFC 4302 §2.2: over IPv6 the AH length is a multiple of 8 octets. */
	if (type == NP_IPPROTO_AH && e->len % 8)
		return NP_EBADLEN;
	np_reader_seek(r, start);
	e->data = np_read_bytes(r, e->len);
	return np_reader_error(r);
}

static void ipv6_frag_fields(const struct np_ipv6_ext *e, struct np_ipv6_frag *f)
{
	struct np_reader r;
	uint16_t word;

	np_reader_init(&r, e->data, e->len);
	f->next = np_read_u8(&r);
	np_read_u8(&r);              /* reserved */
	word = np_read_be16(&r);
	f->offset = (uint16_t)((word >> 3) * 8);
	f->more = word & 1;
	f->id = np_read_be32(&r);
}

/* Record e in ip, within the caps on the chain. */
static int ipv6_ext_add(struct np_ipv6 *ip, const struct np_ipv6_ext *e)
{
	if (ip->ext_count == NP_IPV6_MAX_EXT_HDRS || ip->ext_len + e->len > NP_IPV6_MAX_EXT_LEN)
		return NP_ECOUNT;
	ip->ext[ip->ext_count++] = *e;
	ip->ext_len += e->len;
	return 0;
}

/* Walk the extension headers from ip->next to the upper layer. */
static int ipv6_walk(struct np_reader *r, struct np_ipv6 *ip)
{
	uint8_t type = ip->next, next;
	struct np_ipv6_ext e;
	int err;

	while (ipv6_is_ext(type)) {
		/* RFC 8200 §4.3: hop-by-hop options only right after the IPv6 header. */
		if (type == NP_IPPROTO_HOPOPTS && ip->ext_count != 0)
			return NP_EFORMAT;
		if (ip->ext_count == NP_IPV6_MAX_EXT_HDRS)
			return NP_ECOUNT;
		err = ipv6_ext_read(r, type, &e, &next);
		if (err)
			return err;
		err = ipv6_ext_add(ip, &e);
		if (err)
			return err;
		if (type == NP_IPPROTO_FRAGMENT) {
			/* Two fragment headers: fragments of fragments, which no view can express. */
			if (ip->has_frag)
				return NP_EFORMAT;
			ipv6_frag_fields(&e, &ip->frag);
			ip->has_frag = 1;
			/* RFC 8200 §4.5: only the first fragment holds the headers that follow. */
			if (ip->frag.offset != 0) {
				type = next;
				break;
			}
		}
		type = next;
	}
	ip->upper = type;
	return 0;
}

static void ipv6_read_fixed(struct np_reader *r, struct np_ipv6 *ip)
{
	uint32_t word = np_read_be32(r);

	ip->tclass = (uint8_t)(word >> 20);
	ip->flow = word & IPV6_FLOW_MAX;
	ip->plen = np_read_be16(r);
	ip->next = np_read_u8(r);
	ip->hop_limit = np_read_u8(r);
	np_read_copy(r, ip->src, NP_IPV6_ADDR_LEN);
	np_read_copy(r, ip->dst, NP_IPV6_ADDR_LEN);
}

static int ipv6_parse(const void *buf, size_t len, int quoted, struct np_ipv6 *out)
{
	struct np_reader r, pkt;
	struct np_ipv6 ip;
	size_t end;
	int err;

	memset(&ip, 0, sizeof(ip));
	np_reader_init(&r, buf, len);
	if (np_read_u8(&r) >> 4 != NP_IPV6_VERSION)
		return np_reader_error(&r) ? np_reader_error(&r) : NP_EVERSION;
	if (len < NP_IPV6_HDR_LEN)
		return NP_ETRUNC;
	np_reader_init(&r, buf, len);
	ipv6_read_fixed(&r, &ip);
	/* RFC 2675 §3: a jumbogram has payload length 0 and a jumbo payload option. */
	if (ip.plen == 0 && ip.next == NP_IPPROTO_HOPOPTS)
		return NP_EBADLEN;
	end = NP_IPV6_HDR_LEN + (size_t)ip.plen;
	if (end > len) {
		if (!quoted)
			return NP_EBADLEN;
		end = len;
	}
	/* The walk sees the packet only: link-layer padding is not a header. */
	np_reader_init(&pkt, buf, end);
	np_reader_seek(&pkt, NP_IPV6_HDR_LEN);
	err = ipv6_walk(&pkt, &ip);
	if (err)
		return err;
	ip.payload = np_read_rest(&pkt, &ip.payload_len);
	*out = ip;
	return 0;
}

int np_ipv6_parse(const void *buf, size_t len, struct np_ipv6 *out)
{
	return ipv6_parse(buf, len, 0, out);
}

int np_ipv6_parse_quoted(const void *buf, size_t len, struct np_ipv6 *out)
{
	return ipv6_parse(buf, len, 1, out);
}

int np_ipv6_is_fragment(const struct np_ipv6 *ip)
{
	return ip->has_frag && (ip->frag.more || ip->frag.offset != 0);
}

size_t np_ipv6_hdr_len(const struct np_ipv6 *in)
{
	size_t n = NP_IPV6_HDR_LEN, i;

	for (i = 0; i < in->ext_count && i < NP_IPV6_MAX_EXT_HDRS; i++)
		n += in->ext[i].len;
	return n;
}

/* A header the builder can chain: a known type whose length octet gives its length. */
static int ipv6_check_ext(const struct np_ipv6_ext *e)
{
	struct np_reader r;

	if (!ipv6_is_ext(e->type) || !e->data)
		return NP_EINVAL;
	np_reader_init(&r, e->data, e->len);
	np_read_u8(&r);
	if (np_reader_error(&r) || e->len != ipv6_ext_len(e->type, np_read_u8(&r)) || e->len % 8)
		return NP_EINVAL;
	return 0;
}

static int ipv6_check_build(const struct np_ipv6 *in)
{
	size_t i;
	int err;

	if (in->ext_count > NP_IPV6_MAX_EXT_HDRS || in->flow > IPV6_FLOW_MAX)
		return NP_EINVAL;
	for (i = 0; i < in->ext_count; i++) {
		err = ipv6_check_ext(&in->ext[i]);
		if (err)
			return err;
	}
	if (in->payload_len && !in->payload)
		return NP_EINVAL;
	if (in->payload_len > NP_IPV6_MAX_PAYLOAD - (np_ipv6_hdr_len(in) - NP_IPV6_HDR_LEN))
		return NP_EINVAL;
	return 0;
}

int np_ipv6_build(const struct np_ipv6 *in, void *buf, size_t cap)
{
	size_t hdr_len = np_ipv6_hdr_len(in), total, i, off;
	struct np_writer w;
	int err = ipv6_check_build(in);

	if (err)
		return err;
	/* Payload first, as np_ipv4_build() does, so it may already be in place. */
	np_writer_init(&w, buf, cap);
	np_write_zero(&w, hdr_len);
	np_write_bytes(&w, in->payload, in->payload_len);
	if (np_writer_error(&w))
		return np_writer_error(&w);
	total = np_writer_len(&w);

	np_writer_init(&w, buf, hdr_len);
	np_write_be32(&w, (uint32_t)NP_IPV6_VERSION << 28 | (uint32_t)in->tclass << 20 | in->flow);
	np_write_be16(&w, (uint16_t)(total - NP_IPV6_HDR_LEN));
	np_write_u8(&w, in->ext_count ? in->ext[0].type : in->upper);
	np_write_u8(&w, in->hop_limit);
	np_write_bytes(&w, in->src, NP_IPV6_ADDR_LEN);
	np_write_bytes(&w, in->dst, NP_IPV6_ADDR_LEN);
	for (i = 0; i < in->ext_count; i++) {
		off = np_writer_len(&w);
		np_write_bytes(&w, in->ext[i].data, in->ext[i].len);
		np_writer_patch_u8(&w, off, i + 1 < in->ext_count ? in->ext[i + 1].type : in->upper);
	}
	if (np_writer_error(&w))
		return np_writer_error(&w);
	return (int)total;
}

int np_ipv6_frag_hdr(const struct np_ipv6_frag *f, uint8_t out[NP_IPV6_FRAG_HDR_LEN])
{
	struct np_writer w;

	if (f->offset % 8)
		return NP_EINVAL;
	np_writer_init(&w, out, NP_IPV6_FRAG_HDR_LEN);
	np_write_u8(&w, f->next);
	np_write_u8(&w, 0);
	/* Offset in 8-octet units, two reserved bits, then M (RFC 8200 §4.5). */
	np_write_be16(&w, (uint16_t)(f->offset | (f->more ? 1 : 0)));
	np_write_be32(&w, f->id);
	return np_writer_error(&w);
}

int np_ipv6_opt_next(const struct np_ipv6_ext *e, size_t *pos, struct np_ipv6_opt *out)
{
	struct np_reader r;
	struct np_ipv6_opt o;
	uint8_t len;

	if (e->type != NP_IPPROTO_HOPOPTS && e->type != NP_IPPROTO_DSTOPTS)
		return NP_ETYPE;
	np_reader_init(&r, e->data, e->len);
	/* The options follow the next header and length octets. */
	np_reader_seek(&r, *pos < 2 ? 2 : *pos);
	if (np_reader_error(&r) || np_reader_left(&r) == 0)
		return 0;
	memset(&o, 0, sizeof(o));
	o.type = np_read_u8(&r);
	/* RFC 8200 §4.2: Pad1 is the one option without length and data octets. */
	if (o.type != NP_IPV6_OPT_PAD1) {
		len = np_read_u8(&r);
		o.len = len;
		o.data = np_read_bytes(&r, len);
		if (np_reader_error(&r))
			return NP_EOPT;
	}
	*pos = r.pos;
	*out = o;
	return 1;
}

int np_ipv6_routing(const struct np_ipv6_ext *e, uint8_t *type, uint8_t *segments_left)
{
	struct np_reader r;

	if (e->type != NP_IPPROTO_ROUTING)
		return NP_ETYPE;
	np_reader_init(&r, e->data, e->len);
	np_reader_skip(&r, 2);
	*type = np_read_u8(&r);
	*segments_left = np_read_u8(&r);
	return np_reader_error(&r);
}

/* ---- Addresses --------------------------------------------------------- */

static const uint8_t ipv4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int np_ipv6_addr_is_unspecified(const uint8_t addr[NP_IPV6_ADDR_LEN])
{
	static const uint8_t zero[NP_IPV6_ADDR_LEN];

	return memcmp(addr, zero, NP_IPV6_ADDR_LEN) == 0;
}

int np_ipv6_addr_is_multicast(const uint8_t addr[NP_IPV6_ADDR_LEN])
{
	return addr[0] == 0xff;
}

int np_ipv6_addr_is_link_local(const uint8_t addr[NP_IPV6_ADDR_LEN])
{
	/* fe80::/10 (RFC 4291 §2.5.6). */
	return addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80;
}

void np_ipv6_solicited_node(const uint8_t addr[NP_IPV6_ADDR_LEN], uint8_t out[NP_IPV6_ADDR_LEN])
{
	static const uint8_t prefix[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };

	memcpy(out, prefix, sizeof(prefix));
	memcpy(out + sizeof(prefix), addr + sizeof(prefix), NP_IPV6_ADDR_LEN - sizeof(prefix));
}

/* The longest run of two or more zero groups, the first of equal ones (RFC 5952 §4.2). */
static void addr_zero_run(const uint16_t g[8], int *start, int *len)
{
	int i, run = 0;

	*start = -1;
	*len = 1;
	for (i = 0; i < 8; i++) {
		run = g[i] ? 0 : run + 1;
		if (run > *len) {
			*len = run;
			*start = i - run + 1;
		}
	}
	if (*start < 0)
		*len = 0;
}

static size_t addr_put_group(uint16_t v, char *text)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	int shift;

	/* RFC 5952 §4.1 and §4.3: no leading zeros, lowercase. */
	for (shift = 12; shift > 0 && !(v >> shift); shift -= 4)
		;
	for (; shift >= 0; shift -= 4)
		text[n++] = hex[(v >> shift) & 0xf];
	return n;
}

size_t np_ipv6_addr_to_text(const uint8_t addr[NP_IPV6_ADDR_LEN],
			    char text[NP_IPV6_ADDR_TEXT_LEN])
{
	uint16_t g[8];
	size_t n = 0;
	int i, start, len;

	/* RFC 5952 §5: an IPv4-mapped address ends in dotted decimal. */
	if (memcmp(addr, ipv4_mapped_prefix, sizeof(ipv4_mapped_prefix)) == 0) {
		memcpy(text, "::ffff:", 7);
		return 7 + np_ipv4_addr_to_text(np_load_be32(addr + 12), text + 7);
	}
	for (i = 0; i < 8; i++)
		g[i] = np_load_be16(addr + 2 * i);
	addr_zero_run(g, &start, &len);
	for (i = 0; i < 8;) {
		if (i == start) {
			text[n++] = ':';
			text[n++] = ':';
			i += len;
			continue;
		}
		if (i > 0 && i != start + len)
			text[n++] = ':';
		n += addr_put_group(g[i], text + n);
		i++;
	}
	text[n] = '\0';
	return n;
}

/*
 * The groups of text before and after "::" (RFC 4291 §2.2): g gets them
 * in order, *gap the index of "::" or -1.  Returns the number of groups,
 * or -1.
 */
static int addr_parse_groups(const char *text, uint16_t g[8], int *gap)
{
	size_t pos = 0, d;
	uint32_t v4;
	unsigned v;
	int n = 0;

	*gap = -1;
	if (text[0] == ':') {
		if (text[1] != ':')
			return -1;
		*gap = 0;
		pos = 2;
		if (text[pos] == '\0')
			return 0;
	}
	for (;;) {
		for (d = 0, v = 0; d < 5 && np_hex_digit(text[pos + d]) >= 0; d++)
			v = v << 4 | (unsigned)np_hex_digit(text[pos + d]);
		if (d == 0)
			return -1;
		/* An IPv4 address in the last 32 bits (RFC 4291 §2.2 form 3). */
		if (text[pos + d] == '.') {
			if (n > 6 || np_ipv4_addr_parse(text + pos, &v4) < 0)
				return -1;
			g[n++] = (uint16_t)(v4 >> 16);
			g[n++] = (uint16_t)v4;
			return n;
		}
		if (d > 4 || n == 8)
			return -1;
		g[n++] = (uint16_t)v;
		pos += d;
		if (text[pos] == '\0')
			return n;
		if (text[pos++] != ':')
			return -1;
		if (text[pos] == ':') {
			if (*gap >= 0)
				return -1;
			*gap = n;
			if (text[++pos] == '\0')
				return n;
		}
	}
}

int np_ipv6_addr_parse(const char *text, uint8_t addr[NP_IPV6_ADDR_LEN])
{
	uint16_t g[8], full[8];
	int n, gap, i, tail;

	n = addr_parse_groups(text, g, &gap);
	/* Eight groups, or at most seven and a "::" that stands for at least one. */
	if (n < 0 || (gap < 0 && n != 8) || (gap >= 0 && n > 7))
		return NP_EINVAL;
	memset(full, 0, sizeof(full));
	if (gap < 0) {
		memcpy(full, g, sizeof(full));
	} else {
		tail = n - gap;
		for (i = 0; i < gap; i++)
			full[i] = g[i];
		for (i = 0; i < tail; i++)
			full[8 - tail + i] = g[gap + i];
	}
	for (i = 0; i < 8; i++)
		np_store_be16(addr + 2 * i, full[i]);
	return 0;
}
