/*
 * dns-msg.c: DNS messages (RFC 1035 §4), EDNS(0) (RFC 6891), unknown types
 * kept opaque (RFC 3597), truncation (RFC 2181 §9).
 */
#include <string.h>

#include <netproto/buf.h>
#include <netproto/dns.h>
#include <netproto/error.h>

/* Smallest question (root name, type, class) and record (plus TTL, rdlength). */
#define MIN_QUESTION 5
#define MIN_RR 11
#define RR_FIXED 10                   /* type, class, TTL, rdlength */

/* ---- Header --------------------------------------------------------- */

static void header_decode(uint16_t id, uint16_t flags, struct np_dns_header *h)
{
	h->id = id;
	h->qr = flags >> 15 & 1;
	h->opcode = flags >> 11 & 0xf;
	h->aa = flags >> 10 & 1;
	h->tc = flags >> 9 & 1;
	h->rd = flags >> 8 & 1;
	h->ra = flags >> 7 & 1;
	h->z = flags >> 6 & 1;
	h->ad = flags >> 5 & 1;
	h->cd = flags >> 4 & 1;
	h->rcode = flags & 0xf;
}

static uint16_t header_flags(const struct np_dns_header *h)
{
	return (uint16_t)((h->qr & 1) << 15 | (h->opcode & 0xf) << 11 | (h->aa & 1) << 10 |
			  (h->tc & 1) << 9 | (h->rd & 1) << 8 | (h->ra & 1) << 7 |
			  (h->z & 1) << 6 | (h->ad & 1) << 5 | (h->cd & 1) << 4 | (h->rcode & 0xf));
}

/* ---- Rdata ---------------------------------------------------------- */

int np_dns_type_is_typed(uint16_t type)
{
	switch (type) {
	case NP_DNS_TYPE_A:
	case NP_DNS_TYPE_AAAA:
	case NP_DNS_TYPE_NS:
	case NP_DNS_TYPE_CNAME:
	case NP_DNS_TYPE_PTR:
	case NP_DNS_TYPE_MX:
	case NP_DNS_TYPE_SOA:
	case NP_DNS_TYPE_SRV:
		return 1;
	default:
		return 0;
	}
}

/* Read a name inside rdata; running past rdlength is a length error. */
static size_t rdata_name(struct np_reader *r, uint8_t *out)
{
	int n = np_dns_name_read(r, out, NP_DNS_NAME_MAX);

	if (n == NP_ETRUNC)
		r->err = NP_EBADLEN;
	return n > 0 ? (size_t)n : 0;
}

static void rdata_soa(struct np_reader *r, struct np_dns_soa *soa)
{
	soa->mname_len = rdata_name(r, soa->mname);
	soa->rname_len = rdata_name(r, soa->rname);
	soa->serial = np_read_be32(r);
	soa->refresh = np_read_be32(r);
	soa->retry = np_read_be32(r);
	soa->expire = np_read_be32(r);
	soa->minimum = np_read_be32(r);
}

/* Every character-string fits, and there is at least one (RFC 1035 §3.3.14). */
static int txt_check(const uint8_t *rdata, size_t len)
{
	struct np_dns_txt_iter it;
	const uint8_t *s;
	size_t slen;
	int rc, n = 0;

	np_dns_txt_init(&it, rdata, len);
	while ((rc = np_dns_txt_next(&it, &s, &slen)) > 0)
		n++;
	if (rc < 0)
		return rc;
	return n ? 0 : NP_EBADLEN;
}

/* Options are TLVs filling the rdata exactly (RFC 6891 §6.1.2). */
static int opt_check(const uint8_t *rdata, size_t len)
{
	struct np_dns_opt opt = { .options = rdata, .options_len = len };
	struct np_dns_opt_iter it;
	const uint8_t *data;
	uint16_t code, olen;
	int rc;

	np_dns_opt_iter_init(&it, &opt);
	while ((rc = np_dns_opt_next(&it, &code, &data, &olen)) > 0)
		;
	return rc;
}

/* The typed fields of rdata at [off, off+len) of the message in m. */
static int rdata_typed(const struct np_reader *m, uint16_t type, size_t off, size_t len,
		       struct np_dns_rdata *out)
{
	struct np_reader r;

	/* Bounded at the end of the rdata: no field or name may run past it. */
	np_reader_init(&r, m->data, off + len);
	np_reader_seek(&r, off);
	switch (type) {
	case NP_DNS_TYPE_A:
		out->a = np_read_be32(&r);
		break;
	case NP_DNS_TYPE_AAAA:
		np_read_copy(&r, out->aaaa, sizeof(out->aaaa));
		break;
	case NP_DNS_TYPE_NS:
	case NP_DNS_TYPE_CNAME:
	case NP_DNS_TYPE_PTR:
		out->name.len = rdata_name(&r, out->name.name);
		break;
	case NP_DNS_TYPE_MX:
		out->mx.preference = np_read_be16(&r);
		out->mx.exchange_len = rdata_name(&r, out->mx.exchange);
		break;
	case NP_DNS_TYPE_SOA:
		rdata_soa(&r, &out->soa);
		break;
	case NP_DNS_TYPE_SRV:
		out->srv.priority = np_read_be16(&r);
		out->srv.weight = np_read_be16(&r);
		out->srv.port = np_read_be16(&r);
		/* RFC 2782 forbids compressing the target; accept it anyway, as BIND does. */
		out->srv.target_len = rdata_name(&r, out->srv.target);
		break;
	default:
		return 0;
	}
	if (np_reader_error(&r))
		return np_reader_error(&r) == NP_ETRUNC ? NP_EBADLEN : np_reader_error(&r);
	return np_reader_left(&r) ? NP_EBADLEN : 0;
}

/* Decode the rdata at [off, off+len) of the message in m. */
static int rdata_decode(const struct np_reader *m, uint16_t type, size_t off, size_t len,
			struct np_dns_rdata *out)
{
	struct np_reader r;

	np_reader_init(&r, m->data, off + len);
	np_reader_seek(&r, off);
	out->raw = np_read_bytes(&r, len);
	out->raw_len = len;
	if (!out->raw && len)
		return NP_EBADLEN;
	if (type == NP_DNS_TYPE_TXT)
		return txt_check(out->raw, len);
	if (type == NP_DNS_TYPE_OPT)
		return opt_check(out->raw, len);
	return rdata_typed(m, type, off, len, out);
}

int np_dns_rr_rdata(const struct np_dns_msg *msg, const struct np_dns_rr *rr,
		    struct np_dns_rdata *out)
{
	struct np_reader m;
	struct np_dns_rdata rd;
	int err;

	if (rr->section == NP_DNS_SEC_QUESTION)
		return NP_EINVAL;
	if (rr->rdata_off > msg->len || rr->rdlength > msg->len - rr->rdata_off)
		return NP_EBADLEN;
	np_reader_init(&m, msg->data, msg->len);
	memset(&rd, 0, sizeof(rd));
	if ((err = rdata_decode(&m, rr->type, rr->rdata_off, rr->rdlength, &rd)))
		return err;
	*out = rd;
	return 0;
}

void np_dns_txt_init(struct np_dns_txt_iter *it, const uint8_t *rdata, size_t len)
{
	np_reader_init(&it->r, rdata, len);
}

int np_dns_txt_next(struct np_dns_txt_iter *it, const uint8_t **s, size_t *len)
{
	uint8_t n;
	const uint8_t *p;

	if (np_reader_error(&it->r))
		return NP_EBADLEN;
	if (!np_reader_left(&it->r))
		return 0;
	n = np_read_u8(&it->r);
	p = np_read_bytes(&it->r, n);
	if (!p)
		return NP_EBADLEN;
	*s = p;
	*len = n;
	return 1;
}

/* ---- OPT ------------------------------------------------------------ */

void np_dns_opt_iter_init(struct np_dns_opt_iter *it, const struct np_dns_opt *opt)
{
	np_reader_init(&it->r, opt->options, opt->options_len);
}

int np_dns_opt_next(struct np_dns_opt_iter *it, uint16_t *code, const uint8_t **data,
		    uint16_t *len)
{
	uint16_t c, n;
	const uint8_t *p;

	if (np_reader_error(&it->r))
		return NP_EBADLEN;
	if (!np_reader_left(&it->r))
		return 0;
	c = np_read_be16(&it->r);
	n = np_read_be16(&it->r);
	p = np_read_bytes(&it->r, n);
	if (np_reader_error(&it->r))
		return NP_EBADLEN;
	*code = c;
	*data = p;
	*len = n;
	return 1;
}

int np_dns_rr_opt(const struct np_dns_rr *rr, struct np_dns_opt *out)
{
	struct np_dns_opt o;
	int err;

	if (rr->type != NP_DNS_TYPE_OPT || rr->section == NP_DNS_SEC_QUESTION)
		return NP_ETYPE;
	o.udp_size = rr->rclass;
	o.ext_rcode = (uint8_t)(rr->ttl >> 24);
	o.version = (uint8_t)(rr->ttl >> 16);
	o.do_bit = (rr->ttl & NP_DNS_OPT_DO) != 0;
	o.z = rr->ttl & 0x7fff;
	o.options = rr->rdata;
	o.options_len = rr->rdlength;
	if ((err = opt_check(o.options, o.options_len)))
		return err;
	*out = o;
	return 0;
}

/* ---- DNSSEC and TSIG rdata ------------------------------------------- */

/*
 * An uncompressed name inside rdata (RFC 4034 §3.1.7, RFC 8945 §4.2): a
 * pointer would consume fewer octets than the name it yields.
 */
static size_t rdata_plain_name(struct np_reader *r, uint8_t *out)
{
	size_t start = r->pos;
	size_t n = rdata_name(r, out);

	if (!np_reader_error(r) && r->pos - start != n)
		r->err = NP_ELABEL;
	return n;
}

static int reader_result(const struct np_reader *r)
{
	int err = np_reader_error(r);

	return err == NP_ETRUNC ? NP_EBADLEN : err;
}

int np_dns_rrsig_parse(const uint8_t *rdata, size_t len, struct np_dns_rrsig *out)
{
	struct np_dns_rrsig s;
	struct np_reader r;
	int err;

	np_reader_init(&r, rdata, len);
	s.type_covered = np_read_be16(&r);
	s.algorithm = np_read_u8(&r);
	s.labels = np_read_u8(&r);
	s.original_ttl = np_read_be32(&r);
	s.expiration = np_read_be32(&r);
	s.inception = np_read_be32(&r);
	s.key_tag = np_read_be16(&r);
	s.signer_len = rdata_plain_name(&r, s.signer);
	if ((err = reader_result(&r)))
		return err;
	s.signature_len = np_reader_left(&r);
	s.signature = np_read_bytes(&r, s.signature_len);
	if (!s.signature_len)
		return NP_EBADLEN;
	*out = s;
	return 0;
}

int np_dns_rr_tsig(const struct np_dns_rr *rr, struct np_dns_tsig *out)
{
	struct np_dns_tsig t;
	struct np_reader r;
	int err;

	if (rr->type != NP_DNS_TYPE_TSIG || rr->section == NP_DNS_SEC_QUESTION)
		return NP_ETYPE;
	np_reader_init(&r, rr->rdata, rr->rdlength);
	t.algorithm_len = rdata_plain_name(&r, t.algorithm);
	t.time_signed = (uint64_t)np_read_be16(&r) << 32;
	t.time_signed |= np_read_be32(&r);
	t.fudge = np_read_be16(&r);
	t.mac_len = np_read_be16(&r);
	t.mac = np_read_bytes(&r, t.mac_len);
	t.original_id = np_read_be16(&r);
	t.error = np_read_be16(&r);
	t.other_len = np_read_be16(&r);
	t.other = np_read_bytes(&r, t.other_len);
	if ((err = reader_result(&r)))
		return err;
	if (np_reader_left(&r))
		return NP_EBADLEN;
	*out = t;
	return 0;
}

int np_dns_msg_tsig(const struct np_dns_msg *msg, struct np_dns_rr *out)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	unsigned left = msg->hdr.count[NP_DNS_SEC_ADDITIONAL];
	int rc, found = 0;

	np_dns_iter_init(&it, msg);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0) {
		if (rr.section == NP_DNS_SEC_ADDITIONAL)
			left--;
		if (rr.type != NP_DNS_TYPE_TSIG)
			continue;
		/* RFC 8945 §5.1: only as the very last record, and of class ANY. */
		if (rr.section != NP_DNS_SEC_ADDITIONAL || left || rr.rclass != NP_DNS_CLASS_ANY)
			return NP_EFORMAT;
		*out = rr;
		found = 1;
	}
	if (rc < 0)
		return rc;
	return found ? 0 : NP_ENOTFOUND;
}

/* ---- Parsing -------------------------------------------------------- */

/* Read the fixed part of a record after its owner name. */
static void rr_fixed(struct np_reader *r, struct np_dns_rr *rr)
{
	rr->type = np_read_be16(r);
	rr->rclass = np_read_be16(r);
	if (rr->section == NP_DNS_SEC_QUESTION) {
		rr->ttl = 0;
		rr->rdata = NULL;
		rr->rdlength = 0;
		rr->rdata_off = r->pos;
		return;
	}
	rr->ttl = np_read_be32(r);
	rr->rdlength = np_read_be16(r);
	rr->rdata_off = r->pos;
	rr->rdata = np_read_bytes(r, rr->rdlength);
}

void np_dns_iter_init(struct np_dns_iter *it, const struct np_dns_msg *msg)
{
	it->msg = msg;
	np_reader_init(&it->r, msg->data, msg->len);
	np_reader_seek(&it->r, NP_DNS_HDR_LEN);
	it->section = NP_DNS_SEC_QUESTION;
	it->left = msg->hdr.count[NP_DNS_SEC_QUESTION];
}

int np_dns_iter_next(struct np_dns_iter *it, struct np_dns_rr *rr)
{
	int n;

	while (!it->left) {
		if (it->section == NP_DNS_SEC_ADDITIONAL)
			return 0;
		it->section++;
		it->left = it->msg->hdr.count[it->section];
	}
	rr->section = (enum np_dns_section)it->section;
	n = np_dns_name_read(&it->r, rr->owner, sizeof(rr->owner));
	if (n < 0)
		return n;
	rr->owner_len = (size_t)n;
	rr_fixed(&it->r, rr);
	if (np_reader_error(&it->r))
		return np_reader_error(&it->r);
	it->left--;
	return 1;
}

int np_dns_msg_question(const struct np_dns_msg *msg, struct np_dns_rr *q)
{
	struct np_dns_iter it;
	int rc;

	if (!msg->hdr.count[NP_DNS_SEC_QUESTION])
		return NP_ENOTFOUND;
	np_dns_iter_init(&it, msg);
	rc = np_dns_iter_next(&it, q);
	return rc == 1 ? 0 : rc < 0 ? rc : NP_ENOTFOUND;
}

/* Section-level rules for one record (RFC 6891 §6.1.1). */
static int rr_check_opt(struct np_dns_msg *m, const struct np_dns_rr *rr, size_t owner_off)
{
	if (rr->type != NP_DNS_TYPE_OPT || rr->section == NP_DNS_SEC_QUESTION)
		return 0;
	if (rr->section != NP_DNS_SEC_ADDITIONAL || rr->owner_len != 1 || m->opt_off)
		return NP_EFORMAT;
	m->opt_off = owner_off;
	return 0;
}

/*
 * RFC 2136 §2.4 and §2.5: prerequisites and deletions are records of class
 * ANY or NONE whose rdata is empty whatever the type ("delete the A RRset
 * of this name"), so they have no typed rdata to check.
 */
static int rr_is_update_meta(const struct np_dns_rr *rr)
{
	return rr->rdlength == 0 &&
	       (rr->rclass == NP_DNS_CLASS_ANY || rr->rclass == NP_DNS_CLASS_NONE);
}

/* Walk every record once, checking names and typed rdata. */
static int msg_walk(struct np_dns_msg *m)
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	struct np_dns_rdata rd;
	struct np_reader whole;
	size_t owner_off;
	int rc, err;

	np_reader_init(&whole, m->data, m->len);
	np_dns_iter_init(&it, m);
	for (;;) {
		owner_off = it.r.pos;
		if ((rc = np_dns_iter_next(&it, &rr)) <= 0)
			break;
		if ((err = rr_check_opt(m, &rr, owner_off)))
			return err;
		if (rr.section == NP_DNS_SEC_QUESTION || rr_is_update_meta(&rr))
			continue;
		if ((err = rdata_decode(&whole, rr.type, rr.rdata_off, rr.rdlength, &rd)))
			return err;
	}
	m->end = it.r.pos;
	return rc;
}

int np_dns_msg_parse(const void *buf, size_t len, struct np_dns_msg *out)
{
	struct np_reader r;
	struct np_dns_msg m;
	uint16_t id, flags;
	size_t records, need;
	int i, err;

	memset(&m, 0, sizeof(m));
	np_reader_init(&r, buf, len);
	id = np_read_be16(&r);
	flags = np_read_be16(&r);
	for (i = 0; i < 4; i++)
		m.hdr.count[i] = np_read_be16(&r);
	if (np_reader_error(&r))
		return np_reader_error(&r);
	header_decode(id, flags, &m.hdr);
	/* Counts the data cannot possibly hold are refused before any walking. */
	records = (size_t)m.hdr.count[1] + m.hdr.count[2] + m.hdr.count[3];
	need = NP_DNS_HDR_LEN + (size_t)m.hdr.count[0] * MIN_QUESTION + records * MIN_RR;
	if (need > len)
		return NP_ETRUNC;
	if (records + m.hdr.count[0] > NP_DNS_MAX_RECORDS)
		return NP_ECOUNT;
	m.data = buf;
	m.len = len;
	if ((err = msg_walk(&m)))
		return err;
	*out = m;
	return 0;
}

int np_dns_msg_opt(const struct np_dns_msg *msg, struct np_dns_opt *out)
{
	struct np_reader r;
	struct np_dns_rr rr;
	int n;

	if (!msg->opt_off)
		return NP_ENOTFOUND;
	np_reader_init(&r, msg->data, msg->len);
	np_reader_seek(&r, msg->opt_off);
	rr.section = NP_DNS_SEC_ADDITIONAL;
	n = np_dns_name_read(&r, rr.owner, sizeof(rr.owner));
	if (n < 0)
		return n;
	rr.owner_len = (size_t)n;
	rr_fixed(&r, &rr);
	if (np_reader_error(&r))
		return np_reader_error(&r);
	return np_dns_rr_opt(&rr, out);
}

int np_dns_msg_rcode(const struct np_dns_msg *msg)
{
	struct np_dns_opt opt;
	int rcode = msg->hdr.rcode;

	if (np_dns_msg_opt(msg, &opt) == 0)
		rcode |= opt.ext_rcode << 4;
	return rcode;
}

size_t np_dns_msg_udp_limit(const struct np_dns_msg *query)
{
	struct np_dns_opt opt;

	if (np_dns_msg_opt(query, &opt) != 0 || opt.udp_size < NP_DNS_UDP_MIN)
		return NP_DNS_UDP_MIN;
	return opt.udp_size;
}

/* ---- Building ------------------------------------------------------- */

static void builder_header(struct np_dns_builder *b)
{
	int i;

	np_writer_patch_be16(&b->w, 0, b->hdr.id);
	np_writer_patch_be16(&b->w, 2, header_flags(&b->hdr));
	for (i = 0; i < 4; i++)
		np_writer_patch_be16(&b->w, 4 + 2 * (size_t)i, b->hdr.count[i]);
}

int np_dns_builder_init(struct np_dns_builder *b, void *buf, size_t cap, size_t limit,
			const struct np_dns_header *hdr)
{
	memset(b, 0, sizeof(*b));
	if (!buf)
		return NP_EINVAL;
	if (limit > cap)
		limit = cap;
	if (limit > NP_DNS_MSG_MAX)
		limit = NP_DNS_MSG_MAX;
	if (limit < NP_DNS_HDR_LEN)
		return NP_ENOSPC;
	np_writer_init(&b->w, buf, limit);
	np_dns_ctable_init(&b->ct, 0);
	b->hdr = *hdr;
	memset(b->hdr.count, 0, sizeof(b->hdr.count));
	b->limit = limit;
	np_write_zero(&b->w, NP_DNS_HDR_LEN);
	builder_header(b);
	return np_writer_error(&b->w);
}

void np_dns_builder_reserve(struct np_dns_builder *b, size_t n)
{
	b->reserve = n;
}

/* Can a record go to section now?  0, NP_EINVAL or NP_ENOSPC. */
static int builder_open(const struct np_dns_builder *b, enum np_dns_section section)
{
	if (np_writer_error(&b->w))
		return np_writer_error(&b->w);
	if ((int)section < b->section || section > NP_DNS_SEC_ADDITIONAL)
		return NP_EINVAL;
	if (b->full)
		return NP_ENOSPC;
	return 0;
}

struct mark {
	size_t pos, ct_count;
};

/* Limit the writer for one record: what is reserved for OPT stays free. */
static struct mark builder_mark(struct np_dns_builder *b, int use_reserve)
{
	struct mark m = { b->w.pos, b->ct.count };
	size_t cap = b->limit;

	if (!use_reserve)
		cap = b->reserve < cap - b->w.pos ? cap - b->reserve : b->w.pos;
	b->w.cap = cap;
	return m;
}

/*
 * Finish one record: count it, or undo it.  A record that did not fit stops
 * the builder; TC is set unless only additional data was lost (RFC 2181 §9).
 */
static int builder_commit(struct np_dns_builder *b, struct mark m, enum np_dns_section section,
			  int err)
{
	b->w.cap = b->limit;
	if (!err)
		err = np_writer_error(&b->w);
	if (err) {
		b->w.pos = m.pos;
		b->w.err = 0;
		b->ct.count = m.ct_count;
		if (err != NP_ENOSPC)
			return err;
		b->full = 1;
		if (section != NP_DNS_SEC_ADDITIONAL)
			b->hdr.tc = 1;
		builder_header(b);
		return NP_ENOSPC;
	}
	b->hdr.count[section]++;
	b->section = (int)section;
	builder_header(b);
	return np_writer_error(&b->w);
}

int np_dns_add_question(struct np_dns_builder *b, const uint8_t *name, size_t len,
			uint16_t qtype, uint16_t qclass)
{
	struct mark m;
	int err = builder_open(b, NP_DNS_SEC_QUESTION);

	if (err)
		return err;
	if ((err = np_dns_name_check(name, len)))
		return err;
	m = builder_mark(b, 0);
	err = np_dns_name_write(&b->w, name, len, &b->ct);
	np_write_be16(&b->w, qtype);
	np_write_be16(&b->w, qclass);
	return builder_commit(b, m, NP_DNS_SEC_QUESTION, err);
}

/* Write the typed rdata of rd; names compressed per RFC 1035 §4.1.4. */
static int rdata_write(struct np_dns_builder *b, uint16_t type, const struct np_dns_rdata *rd)
{
	struct np_writer *w = &b->w;
	int err = 0;

	switch (type) {
	case NP_DNS_TYPE_A:
		np_write_be32(w, rd->a);
		break;
	case NP_DNS_TYPE_AAAA:
		np_write_bytes(w, rd->aaaa, sizeof(rd->aaaa));
		break;
	case NP_DNS_TYPE_NS:
	case NP_DNS_TYPE_CNAME:
	case NP_DNS_TYPE_PTR:
		err = np_dns_name_write(w, rd->name.name, rd->name.len, &b->ct);
		break;
	case NP_DNS_TYPE_MX:
		np_write_be16(w, rd->mx.preference);
		err = np_dns_name_write(w, rd->mx.exchange, rd->mx.exchange_len, &b->ct);
		break;
	case NP_DNS_TYPE_SOA:
		err = np_dns_name_write(w, rd->soa.mname, rd->soa.mname_len, &b->ct);
		if (!err)
			err = np_dns_name_write(w, rd->soa.rname, rd->soa.rname_len, &b->ct);
		np_write_be32(w, rd->soa.serial);
		np_write_be32(w, rd->soa.refresh);
		np_write_be32(w, rd->soa.retry);
		np_write_be32(w, rd->soa.expire);
		np_write_be32(w, rd->soa.minimum);
		break;
	case NP_DNS_TYPE_SRV:
		np_write_be16(w, rd->srv.priority);
		np_write_be16(w, rd->srv.weight);
		np_write_be16(w, rd->srv.port);
		err = np_dns_name_write(w, rd->srv.target, rd->srv.target_len, NULL);
		break;
	default:
		np_write_bytes(w, rd->raw, rd->raw_len);
		break;
	}
	return err;
}

#define ADD_RAW 1                      /* rdata as octets, whatever the type */
#define ADD_PLAIN_OWNER 2              /* owner name not compressed */

/* Everything but the rdata itself, which write_rdata() supplies. */
static int add_record(struct np_dns_builder *b, enum np_dns_section section,
		      const uint8_t *owner, size_t owner_len, uint16_t type, uint16_t rclass,
		      uint32_t ttl, const struct np_dns_rdata *rd, int flags)
{
	struct mark m;
	size_t lenpos;
	int raw = flags & ADD_RAW;
	int err = builder_open(b, section);

	if (err)
		return err;
	if (section == NP_DNS_SEC_QUESTION || type == NP_DNS_TYPE_OPT)
		return NP_EINVAL;
	if ((err = np_dns_name_check(owner, owner_len)))
		return err;
	if ((raw || !np_dns_type_is_typed(type)) &&
	    (rd->raw_len > 0xffff || (rd->raw_len && !rd->raw)))
		return NP_EINVAL;
	if (!raw && type == NP_DNS_TYPE_TXT && txt_check(rd->raw, rd->raw_len))
		return NP_EINVAL;
	m = builder_mark(b, 0);
	err = np_dns_name_write(&b->w, owner, owner_len,
				(flags & ADD_PLAIN_OWNER) ? NULL : &b->ct);
	np_write_be16(&b->w, type);
	np_write_be16(&b->w, rclass);
	np_write_be32(&b->w, ttl);
	lenpos = np_write_reserve(&b->w, 2);
	if (!err && raw)
		np_write_bytes(&b->w, rd->raw, rd->raw_len);
	else if (!err)
		err = rdata_write(b, type, rd);
	if (!err && !np_writer_error(&b->w)) {
		size_t rdlen = b->w.pos - lenpos - 2;

		if (rdlen > 0xffff)
			err = NP_EINVAL;
		np_writer_patch_be16(&b->w, lenpos, (uint16_t)rdlen);
	}
	return builder_commit(b, m, section, err);
}

int np_dns_add_rr(struct np_dns_builder *b, enum np_dns_section section, const uint8_t *owner,
		  size_t owner_len, uint16_t type, uint16_t rclass, uint32_t ttl,
		  const struct np_dns_rdata *rd)
{
	return add_record(b, section, owner, owner_len, type, rclass, ttl, rd, 0);
}

int np_dns_add_raw(struct np_dns_builder *b, enum np_dns_section section, const uint8_t *owner,
		   size_t owner_len, uint16_t type, uint16_t rclass, uint32_t ttl,
		   const uint8_t *rdata, size_t rdlength)
{
	struct np_dns_rdata rd;

	rd.raw = rdata;
	rd.raw_len = rdlength;
	return add_record(b, section, owner, owner_len, type, rclass, ttl, &rd, ADD_RAW);
}

int np_dns_add_opt(struct np_dns_builder *b, const struct np_dns_opt *opt)
{
	struct mark m;
	uint8_t ext = b->ext_rcode ? b->ext_rcode : opt->ext_rcode;
	uint32_t ttl;
	int err;

	if (np_writer_error(&b->w))
		return np_writer_error(&b->w);
	if (b->has_opt)
		return NP_EINVAL;
	if (opt->options_len > 0xffff || (opt->options_len && !opt->options) ||
	    opt_check(opt->options, opt->options_len))
		return NP_EINVAL;
	ttl = (uint32_t)ext << 24 | (uint32_t)opt->version << 16 |
	      (opt->do_bit ? NP_DNS_OPT_DO : 0) | (opt->z & 0x7fff);
	/* Allowed after truncation: the OPT is how the client learns our size (RFC 6891 §7). */
	m = builder_mark(b, 1);
	np_write_u8(&b->w, 0);
	np_write_be16(&b->w, NP_DNS_TYPE_OPT);
	np_write_be16(&b->w, opt->udp_size);
	b->opt_ttl_off = b->w.pos;
	np_write_be32(&b->w, ttl);
	np_write_be16(&b->w, (uint16_t)opt->options_len);
	np_write_bytes(&b->w, opt->options, opt->options_len);
	err = np_writer_error(&b->w);
	if (err) {
		/* Not fitting the OPT loses nothing the client asked for: no TC. */
		b->w.cap = b->limit;
		b->w.pos = m.pos;
		b->w.err = 0;
		return err;
	}
	b->has_opt = 1;
	return builder_commit(b, m, NP_DNS_SEC_ADDITIONAL, 0);
}

#define TSIG_RDATA_MAX 1024

int np_dns_add_tsig(struct np_dns_builder *b, const uint8_t *key, size_t klen,
		    const struct np_dns_tsig *t)
{
	uint8_t rdata[TSIG_RDATA_MAX];
	struct np_dns_rdata rd;
	struct np_writer w;
	int err;

	if ((err = np_dns_name_check(t->algorithm, t->algorithm_len)))
		return err;
	if ((t->mac_len && !t->mac) || (t->other_len && !t->other))
		return NP_EINVAL;
	np_writer_init(&w, rdata, sizeof(rdata));
	np_write_bytes(&w, t->algorithm, t->algorithm_len);
	np_write_be16(&w, (uint16_t)(t->time_signed >> 32));
	np_write_be32(&w, (uint32_t)t->time_signed);
	np_write_be16(&w, t->fudge);
	np_write_be16(&w, t->mac_len);
	np_write_bytes(&w, t->mac, t->mac_len);
	np_write_be16(&w, t->original_id);
	np_write_be16(&w, t->error);
	np_write_be16(&w, t->other_len);
	np_write_bytes(&w, t->other, t->other_len);
	if (np_writer_error(&w))
		return NP_EINVAL;
	rd.raw = rdata;
	rd.raw_len = w.pos;
	/* Written out in full: the key name is hashed in this form (RFC 8945 §4.3.2). */
	return add_record(b, NP_DNS_SEC_ADDITIONAL, key, klen, NP_DNS_TYPE_TSIG,
			  NP_DNS_CLASS_ANY, 0, &rd, ADD_RAW | ADD_PLAIN_OWNER);
}

void np_dns_builder_rcode(struct np_dns_builder *b, unsigned rcode)
{
	b->hdr.rcode = rcode & 0xf;
	b->ext_rcode = (uint8_t)(rcode >> 4);
	if (b->has_opt)
		np_writer_patch_u8(&b->w, b->opt_ttl_off, b->ext_rcode);
	builder_header(b);
}

int np_dns_builder_finish(struct np_dns_builder *b)
{
	builder_header(b);
	return np_writer_result(&b->w);
}

int np_dns_builder_reply(struct np_dns_builder *b, void *buf, size_t cap, size_t limit,
			 const struct np_dns_msg *query)
{
	struct np_dns_header h;
	struct np_dns_iter it;
	struct np_dns_rr rr;
	int rc, err;

	memset(&h, 0, sizeof(h));
	h.id = query->hdr.id;
	h.qr = 1;
	h.opcode = query->hdr.opcode;
	h.rd = query->hdr.rd;
	h.cd = query->hdr.cd;
	if ((err = np_dns_builder_init(b, buf, cap, limit, &h)))
		return err;
	np_dns_iter_init(&it, query);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0 && rr.section == NP_DNS_SEC_QUESTION)
		if ((err = np_dns_add_question(b, rr.owner, rr.owner_len, rr.type, rr.rclass)))
			return err;
	return rc < 0 ? rc : 0;
}
