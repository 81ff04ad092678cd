/* ndp.c: IPv6 Neighbor Discovery messages and options (RFC 4861, RFC 8106). */
#include <string.h>

#include <netproto/buf.h>
#include <netproto/csum.h>
#include <netproto/dns.h>
#include <netproto/error.h>
#include <netproto/icmp6.h>
#include <netproto/ipv6.h>

#define NDP_OPT_UNIT 8               /* option lengths count 8-octet units (RFC 4861 §4.6) */
#define NDP_NA_RESERVED_MASK 0x1fffffffu
#define NDP_PREFIX_OPT_UNITS 4       /* RFC 4861 §4.6.2 */
#define NDP_MTU_OPT_UNITS 1          /* RFC 4861 §4.6.4 */
#define NDP_RDNSS_MIN_UNITS 3        /* RFC 8106 §5.1: one address at least */
#define NDP_DNSSL_MIN_UNITS 2        /* RFC 8106 §5.2 */
#define NDP_REDIRECTED_RESERVED 6    /* RFC 4861 §4.6.3 */

static int ndp_is_type(uint8_t type)
{
	return type >= NP_ICMP6_ND_ROUTER_SOLICIT && type <= NP_ICMP6_ND_REDIRECT;
}

int np_ndp_opt_next(const uint8_t *opts, size_t len, size_t *pos, struct np_ndp_opt *out)
{
	struct np_reader r;
	struct np_ndp_opt o;
	uint8_t units;

	np_reader_init(&r, opts, len);
	np_reader_seek(&r, *pos);
	if (np_reader_error(&r) || np_reader_left(&r) == 0)
		return 0;
	o.type = np_read_u8(&r);
	units = np_read_u8(&r);
	/* RFC 4861 §4.6: "Nodes MUST silently discard an ND packet that contains an option with length zero." */
	if (np_reader_error(&r) || units == 0)
		return NP_EOPT;
	o.data_len = (size_t)units * NDP_OPT_UNIT - 2;
	o.data = np_read_bytes(&r, o.data_len);
	if (np_reader_error(&r))
		return NP_EOPT;
	*pos = r.pos;
	*out = o;
	return 1;
}

/* Every option whole and of non-zero length. */
static int ndp_opts_check(const uint8_t *opts, size_t len)
{
	struct np_ndp_opt o;
	size_t pos = 0;
	int ret;

	while ((ret = np_ndp_opt_next(opts, len, &pos, &o)) > 0)
		;
	return ret;
}

int np_ndp_opt_find(const struct np_ndp *nd, uint8_t type, struct np_ndp_opt *out)
{
	struct np_ndp_opt o;
	size_t pos = 0;
	int ret;

	while ((ret = np_ndp_opt_next(nd->opts, nd->opts_len, &pos, &o)) > 0) {
		if (o.type == type) {
			*out = o;
			return 0;
		}
	}
	return ret < 0 ? ret : NP_ENOTFOUND;
}

/* The fixed fields after the ICMPv6 header, by type (RFC 4861 §4.1-4.5). */
static void ndp_read_fixed(struct np_reader *r, uint32_t rest, struct np_ndp *nd)
{
	switch (nd->type) {
	case NP_ICMP6_ND_ROUTER_ADVERT:
		nd->cur_hop_limit = (uint8_t)(rest >> 24);
		nd->flags = (uint8_t)(rest >> 16);
		nd->router_lifetime = (uint16_t)rest;
		nd->reachable_time = np_read_be32(r);
		nd->retrans_timer = np_read_be32(r);
		break;
	case NP_ICMP6_ND_NEIGHBOR_ADVERT:
		nd->flags = (uint8_t)(rest >> 24) & (NP_NDP_NA_ROUTER | NP_NDP_NA_SOLICITED |
						     NP_NDP_NA_OVERRIDE);
		nd->reserved = rest & NDP_NA_RESERVED_MASK;
		np_read_copy(r, nd->target, NP_IPV6_ADDR_LEN);
		break;
	case NP_ICMP6_ND_NEIGHBOR_SOLICIT:
		nd->reserved = rest;
		np_read_copy(r, nd->target, NP_IPV6_ADDR_LEN);
		break;
	case NP_ICMP6_ND_REDIRECT:
		nd->reserved = rest;
		np_read_copy(r, nd->target, NP_IPV6_ADDR_LEN);
		np_read_copy(r, nd->dest, NP_IPV6_ADDR_LEN);
		break;
	default:                     /* router solicitation: reserved only */
		nd->reserved = rest;
		break;
	}
}

int np_ndp_parse(const struct np_icmp6 *m, struct np_ndp *out)
{
	struct np_reader r;
	struct np_ndp nd;
	int err;

	if (!ndp_is_type(m->type))
		return NP_ETYPE;
	/* RFC 4861 §6.1.1, §6.1.2, §7.1.1, §7.1.2, §8.1: "ICMP Code is 0." */
	if (m->code != 0)
		return NP_EFORMAT;
	memset(&nd, 0, sizeof(nd));
	nd.type = m->type;
	np_reader_init(&r, m->data, m->data_len);
	ndp_read_fixed(&r, m->rest, &nd);
	if (np_reader_error(&r))
		return np_reader_error(&r);
	/* §7.1.1, §7.1.2: "Target Address is not a multicast address"; §8.1 for Redirect's destination. */
	if (np_ipv6_addr_is_multicast(nd.target) || np_ipv6_addr_is_multicast(nd.dest))
		return NP_EFORMAT;
	nd.opts = np_read_rest(&r, &nd.opts_len);
	err = ndp_opts_check(nd.opts, nd.opts_len);
	if (err)
		return err;
	*out = nd;
	return 0;
}

static int ndp_has_opt(const struct np_ndp *nd, uint8_t type)
{
	struct np_ndp_opt o;

	return np_ndp_opt_find(nd, type, &o) == 0;
}

/* §7.1.1: from the unspecified address, only duplicate address detection. */
static int ndp_check_dad(const struct np_ipv6 *ip, const struct np_ndp *nd)
{
	uint8_t snm[NP_IPV6_ADDR_LEN];

	if (nd->type == NP_ICMP6_ND_NEIGHBOR_SOLICIT) {
		np_ipv6_solicited_node(nd->target, snm);
		if (memcmp(ip->dst, snm, NP_IPV6_ADDR_LEN) != 0)
			return NP_EFORMAT;
	}
	/* §6.1.1, §7.1.1: no source link-layer address from the unspecified source. */
	if ((nd->type == NP_ICMP6_ND_NEIGHBOR_SOLICIT || nd->type == NP_ICMP6_ND_ROUTER_SOLICIT) &&
	    ndp_has_opt(nd, NP_NDP_OPT_SLLA))
		return NP_EFORMAT;
	return 0;
}

int np_ndp_check_ip(const struct np_ipv6 *ip, const struct np_ndp *nd)
{
	/* Hop limit 255: the message was not forwarded by a router (RFC 4861 §3.1). */
	if (ip->hop_limit != NP_NDP_HOP_LIMIT)
		return NP_EFORMAT;
	if ((nd->type == NP_ICMP6_ND_ROUTER_ADVERT || nd->type == NP_ICMP6_ND_REDIRECT) &&
	    !np_ipv6_addr_is_link_local(ip->src))
		return NP_EFORMAT;
	if (np_ipv6_addr_is_unspecified(ip->src))
		return ndp_check_dad(ip, nd);
	/* §7.1.2: a multicast NA answers no solicitation. */
	if (nd->type == NP_ICMP6_ND_NEIGHBOR_ADVERT && np_ipv6_addr_is_multicast(ip->dst) &&
	    (nd->flags & NP_NDP_NA_SOLICITED))
		return NP_EFORMAT;
	return 0;
}

/* Bytes 4..7 of the ICMPv6 header for the ND message in. */
static uint32_t ndp_rest(const struct np_ndp *in)
{
	switch (in->type) {
	case NP_ICMP6_ND_ROUTER_ADVERT:
		return (uint32_t)in->cur_hop_limit << 24 | (uint32_t)in->flags << 16 |
		       in->router_lifetime;
	case NP_ICMP6_ND_NEIGHBOR_ADVERT:
		return (uint32_t)in->flags << 24 | in->reserved;
	}
	return in->reserved;
}

static int ndp_check_build(const struct np_ndp *in)
{
	if (!ndp_is_type(in->type) || (in->opts_len && !in->opts))
		return NP_EINVAL;
	if (in->type == NP_ICMP6_ND_NEIGHBOR_ADVERT &&
	    ((in->flags & ~(NP_NDP_NA_ROUTER | NP_NDP_NA_SOLICITED | NP_NDP_NA_OVERRIDE)) ||
	     in->reserved > NDP_NA_RESERVED_MASK))
		return NP_EINVAL;
	if (in->type != NP_ICMP6_ND_ROUTER_ADVERT && in->type != NP_ICMP6_ND_NEIGHBOR_ADVERT &&
	    in->flags)
		return NP_EINVAL;
	return ndp_opts_check(in->opts, in->opts_len);
}

/* Octets of fixed fields after the ICMPv6 header (RFC 4861 §4.1-4.5). */
static size_t ndp_fixed_len(uint8_t type)
{
	switch (type) {
	case NP_ICMP6_ND_ROUTER_ADVERT:
		return 8;
	case NP_ICMP6_ND_NEIGHBOR_SOLICIT:
	case NP_ICMP6_ND_NEIGHBOR_ADVERT:
		return NP_IPV6_ADDR_LEN;
	case NP_ICMP6_ND_REDIRECT:
		return 2 * NP_IPV6_ADDR_LEN;
	}
	return 0;
}

static void ndp_write_fixed(struct np_writer *w, const struct np_ndp *in)
{
	if (in->type == NP_ICMP6_ND_ROUTER_ADVERT) {
		np_write_be32(w, in->reachable_time);
		np_write_be32(w, in->retrans_timer);
	} else if (in->type != NP_ICMP6_ND_ROUTER_SOLICIT) {
		np_write_bytes(w, in->target, NP_IPV6_ADDR_LEN);
		if (in->type == NP_ICMP6_ND_REDIRECT)
			np_write_bytes(w, in->dest, NP_IPV6_ADDR_LEN);
	}
}

int np_ndp_build(const struct np_ndp *in, const uint8_t src[NP_IPV6_ADDR_LEN],
		 const uint8_t dst[NP_IPV6_ADDR_LEN], void *buf, size_t cap)
{
	size_t body = NP_ICMP6_HDR_LEN + ndp_fixed_len(in->type);
	struct np_writer w;
	struct np_icmp6 m;
	int err = ndp_check_build(in);

	if (err)
		return err;
	/* Options first, so that they may already be in place (see np_icmp6_build()). */
	np_writer_init(&w, buf, cap);
	np_write_zero(&w, body);
	np_write_bytes(&w, in->opts, in->opts_len);
	if (np_writer_error(&w))
		return np_writer_error(&w);
	np_writer_init(&w, buf, body);
	np_write_zero(&w, NP_ICMP6_HDR_LEN);
	ndp_write_fixed(&w, in);
	if (np_writer_error(&w))
		return np_writer_error(&w);

	memset(&m, 0, sizeof(m));
	m.type = in->type;
	m.rest = ndp_rest(in);
	m.data = (const uint8_t *)buf + NP_ICMP6_HDR_LEN;
	m.data_len = body - NP_ICMP6_HDR_LEN + in->opts_len;
	return np_icmp6_build(&m, src, dst, buf, cap);
}

/* ---- Options ----------------------------------------------------------- */

int np_ndp_prefix_parse(const struct np_ndp_opt *o, struct np_ndp_prefix *out)
{
	struct np_reader r;
	struct np_ndp_prefix p;

	if (o->type != NP_NDP_OPT_PREFIX)
		return NP_ETYPE;
	if (o->data_len != NDP_PREFIX_OPT_UNITS * NDP_OPT_UNIT - 2)
		return NP_EOPT;
	np_reader_init(&r, o->data, o->data_len);
	p.prefix_len = np_read_u8(&r);
	p.flags = np_read_u8(&r);
	p.valid_lifetime = np_read_be32(&r);
	p.preferred_lifetime = np_read_be32(&r);
	p.reserved2 = np_read_be32(&r);
	np_read_copy(&r, p.prefix, NP_IPV6_ADDR_LEN);
	if (np_reader_error(&r) || p.prefix_len > 128)
		return NP_EOPT;
	*out = p;
	return 0;
}

int np_ndp_mtu_parse(const struct np_ndp_opt *o, uint32_t *mtu)
{
	struct np_reader r;

	if (o->type != NP_NDP_OPT_MTU)
		return NP_ETYPE;
	if (o->data_len != NDP_MTU_OPT_UNITS * NDP_OPT_UNIT - 2)
		return NP_EOPT;
	np_reader_init(&r, o->data, o->data_len);
	np_read_be16(&r);            /* reserved */
	*mtu = np_read_be32(&r);
	return np_reader_error(&r) ? NP_EOPT : 0;
}

int np_ndp_rdnss_parse(const struct np_ndp_opt *o, struct np_ndp_rdnss *out)
{
	struct np_reader r;
	struct np_ndp_rdnss d;
	size_t units = (o->data_len + 2) / NDP_OPT_UNIT;

	if (o->type != NP_NDP_OPT_RDNSS)
		return NP_ETYPE;
	/* RFC 8106 §5.1: length 1 + 2 * (number of addresses), at least one. */
	if (units < NDP_RDNSS_MIN_UNITS || units % 2 == 0)
		return NP_EOPT;
	np_reader_init(&r, o->data, o->data_len);
	np_read_be16(&r);            /* reserved */
	d.lifetime = np_read_be32(&r);
	d.count = (units - 1) / 2;
	d.addrs = np_read_bytes(&r, d.count * NP_IPV6_ADDR_LEN);
	if (np_reader_error(&r))
		return NP_EOPT;
	*out = d;
	return 0;
}

/*
 * The extent of the uncompressed name at *pos in the names field: RFC 8106
 * §5.2 forbids compression, so a pointer (or a reserved label type) is an
 * error, as is a name running into the end of the field.
 */
static int dnssl_name_end(struct np_reader *r, size_t *len)
{
	size_t start = r->pos;
	uint8_t label;

	do {
		label = np_read_u8(r);
		if (np_reader_error(r) || (label & 0xc0))
			return NP_EOPT;
		np_reader_skip(r, label);
	} while (label != 0);
	if (np_reader_error(r))
		return NP_EOPT;
	*len = r->pos - start;
	return 0;
}

int np_ndp_dnssl_next(const struct np_ndp_dnssl *d, size_t *pos, const uint8_t **name,
		      size_t *name_len)
{
	struct np_reader r;
	size_t start, len;
	const uint8_t *p;

	np_reader_init(&r, d->names, d->names_len);
	np_reader_seek(&r, *pos);
	/* The first zero octet where a name would start is the padding (RFC 8106 §5.2). */
	if (np_reader_error(&r) || np_reader_left(&r) == 0)
		return 0;
	start = r.pos;
	if (np_read_u8(&r) == 0)
		return 0;
	np_reader_seek(&r, start);
	if (dnssl_name_end(&r, &len) < 0)
		return NP_EOPT;
	np_reader_seek(&r, start);
	p = np_read_bytes(&r, len);
	if (!p || np_dns_name_check(p, len) < 0)
		return NP_EOPT;
	*name = p;
	*name_len = len;
	*pos = r.pos;
	return 1;
}

int np_ndp_dnssl_parse(const struct np_ndp_opt *o, struct np_ndp_dnssl *out)
{
	struct np_ndp_dnssl d;
	struct np_reader r;
	const uint8_t *name;
	size_t pos = 0, n, i;
	int ret;

	if (o->type != NP_NDP_OPT_DNSSL)
		return NP_ETYPE;
	if ((o->data_len + 2) / NDP_OPT_UNIT < NDP_DNSSL_MIN_UNITS)
		return NP_EOPT;
	np_reader_init(&r, o->data, o->data_len);
	np_read_be16(&r);            /* reserved */
	d.lifetime = np_read_be32(&r);
	d.names = np_read_rest(&r, &d.names_len);
	while ((ret = np_ndp_dnssl_next(&d, &pos, &name, &n)) > 0)
		;
	if (ret < 0 || pos == 0)
		return NP_EOPT;
	/* "MUST be padded with zeros" (RFC 8106 §5.2): nothing hides after the names. */
	np_reader_init(&r, d.names, d.names_len);
	np_reader_seek(&r, pos);
	for (i = pos; i < d.names_len; i++)
		if (np_read_u8(&r) != 0)
			return NP_EOPT;
	*out = d;
	return 0;
}

int np_ndp_redirected_parse(const struct np_ndp_opt *o, const uint8_t **pkt, size_t *len)
{
	struct np_reader r;

	if (o->type != NP_NDP_OPT_REDIRECTED)
		return NP_ETYPE;
	np_reader_init(&r, o->data, o->data_len);
	np_reader_skip(&r, NDP_REDIRECTED_RESERVED);
	if (np_reader_error(&r))
		return NP_EOPT;
	*pkt = np_read_rest(&r, len);
	return 0;
}

/* Type and length octets for an option of n octets after them, rounded up to 8. */
static size_t ndp_opt_begin(struct np_writer *w, uint8_t type, size_t n)
{
	size_t units = (n + 2 + NDP_OPT_UNIT - 1) / NDP_OPT_UNIT;

	if (units > 255) {
		np_writer_fail(w, NP_EINVAL);
		return 0;
	}
	np_write_u8(w, type);
	np_write_u8(w, (uint8_t)units);
	return units * NDP_OPT_UNIT - 2 - n;
}

void np_ndp_opt_write_lla(struct np_writer *w, uint8_t type, const uint8_t *lla, size_t len)
{
	size_t pad = ndp_opt_begin(w, type, len);

	np_write_bytes(w, lla, len);
	np_write_zero(w, pad);
}

void np_ndp_opt_write_prefix(struct np_writer *w, const struct np_ndp_prefix *p)
{
	if (p->prefix_len > 128) {
		np_writer_fail(w, NP_EINVAL);
		return;
	}
	ndp_opt_begin(w, NP_NDP_OPT_PREFIX, NDP_PREFIX_OPT_UNITS * NDP_OPT_UNIT - 2);
	np_write_u8(w, p->prefix_len);
	np_write_u8(w, p->flags);
	np_write_be32(w, p->valid_lifetime);
	np_write_be32(w, p->preferred_lifetime);
	np_write_be32(w, p->reserved2);
	np_write_bytes(w, p->prefix, NP_IPV6_ADDR_LEN);
}

void np_ndp_opt_write_mtu(struct np_writer *w, uint32_t mtu)
{
	ndp_opt_begin(w, NP_NDP_OPT_MTU, NDP_MTU_OPT_UNITS * NDP_OPT_UNIT - 2);
	np_write_be16(w, 0);
	np_write_be32(w, mtu);
}

void np_ndp_opt_write_rdnss(struct np_writer *w, uint32_t lifetime, const uint8_t *addrs,
			    size_t count)
{
	/* One address at least (RFC 8106 §5.1), and a length that fits one octet. */
	if (count == 0 || !addrs || count > 127) {
		np_writer_fail(w, NP_EINVAL);
		return;
	}
	ndp_opt_begin(w, NP_NDP_OPT_RDNSS, 6 + count * NP_IPV6_ADDR_LEN);
	np_write_be16(w, 0);
	np_write_be32(w, lifetime);
	np_write_bytes(w, addrs, count * NP_IPV6_ADDR_LEN);
}

void np_ndp_opt_write_dnssl(struct np_writer *w, uint32_t lifetime, const uint8_t *names,
			    size_t names_len)
{
	struct np_ndp_dnssl d = { .lifetime = lifetime, .names = names, .names_len = names_len };
	const uint8_t *name;
	size_t pos = 0, n, pad;
	int ret;

	/* The names as RFC 8106 §5.2 wants them: whole, uncompressed, one at least. */
	while ((ret = np_ndp_dnssl_next(&d, &pos, &name, &n)) > 0)
		;
	if (ret < 0 || pos == 0 || pos != names_len) {
		np_writer_fail(w, NP_EINVAL);
		return;
	}
	pad = ndp_opt_begin(w, NP_NDP_OPT_DNSSL, 6 + names_len);
	np_write_be16(w, 0);
	np_write_be32(w, lifetime);
	np_write_bytes(w, names, names_len);
	np_write_zero(w, pad);
}
