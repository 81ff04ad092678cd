/* dhcp4.c: the DHCPv4 message, BOOTP fixed part and cookie (RFC 951, RFC 2131 §2, §3). */
#include <string.h>

#include <netproto/buf.h>
#include <netproto/dhcp4.h>
#include <netproto/error.h>

static void read_fixed(struct np_reader *r, struct np_dhcp4 *m)
{
	m->op = np_read_u8(r);
	m->htype = np_read_u8(r);
	m->hlen = np_read_u8(r);
	m->hops = np_read_u8(r);
	m->xid = np_read_be32(r);
	m->secs = np_read_be16(r);
	m->flags = np_read_be16(r);
	m->ciaddr = np_read_be32(r);
	m->yiaddr = np_read_be32(r);
	m->siaddr = np_read_be32(r);
	m->giaddr = np_read_be32(r);
	np_read_copy(r, m->chaddr, NP_DHCP4_CHADDR_LEN);
	np_read_copy(r, m->sname, NP_DHCP4_SNAME_LEN);
	np_read_copy(r, m->file, NP_DHCP4_FILE_LEN);
}

int np_dhcp4_parse(const void *buf, size_t len, struct np_dhcp4 *out)
{
	struct np_reader r;
	struct np_dhcp4 m;

	memset(&m, 0, sizeof(m));
	np_reader_init(&r, buf, len);
	read_fixed(&r, &m);
	if (np_reader_error(&r))
		return np_reader_error(&r);
	/*
	 * The first four octets of the options field must be the cookie
	 * (RFC 2131 §3); without it this is BOOTP, whose vendor area we do
	 * not read.
	 */
	if (np_read_be32(&r) != NP_DHCP4_COOKIE || np_reader_error(&r))
		return NP_ECOOKIE;
	if (m.op != NP_BOOTREQUEST && m.op != NP_BOOTREPLY)
		return NP_ETYPE;
	if (m.hlen > NP_DHCP4_CHADDR_LEN)
		return NP_EBADLEN;
	m.options = np_read_rest(&r, &m.options_len);
	*out = m;
	return 0;
}

static void write_fixed(struct np_writer *w, const struct np_dhcp4 *m)
{
	np_write_u8(w, m->op);
	np_write_u8(w, m->htype);
	np_write_u8(w, m->hlen);
	np_write_u8(w, m->hops);
	np_write_be32(w, m->xid);
	np_write_be16(w, m->secs);
	np_write_be16(w, m->flags);
	np_write_be32(w, m->ciaddr);
	np_write_be32(w, m->yiaddr);
	np_write_be32(w, m->siaddr);
	np_write_be32(w, m->giaddr);
	np_write_bytes(w, m->chaddr, NP_DHCP4_CHADDR_LEN);
	np_write_bytes(w, m->sname, NP_DHCP4_SNAME_LEN);
	np_write_bytes(w, m->file, NP_DHCP4_FILE_LEN);
	np_write_be32(w, NP_DHCP4_COOKIE);
}

int np_dhcp4_build(const struct np_dhcp4 *in, void *buf, size_t cap)
{
	struct np_writer w;
	int len;

	if (in->hlen > NP_DHCP4_CHADDR_LEN)
		return NP_EBADLEN;
	if (in->options_len && !in->options)
		return NP_EINVAL;
	np_writer_init(&w, buf, cap);
	/*
	 * The options may already be in buf after the header: move them first
	 * (np_write_bytes copies overlapping data safely), then the header.
	 */
	np_write_zero(&w, NP_DHCP4_HDR_LEN);
	np_write_bytes(&w, in->options, in->options_len);
	/* Relays and old clients drop messages under BOOTP's 300 octets (RFC 1542 §2.1). */
	if (np_writer_len(&w) < NP_DHCP4_BOOTP_MIN_LEN)
		np_write_zero(&w, NP_DHCP4_BOOTP_MIN_LEN - np_writer_len(&w));
	len = np_writer_result(&w);
	if (len < 0)
		return len;

	np_writer_init(&w, buf, cap);
	write_fixed(&w, in);
	if (np_writer_error(&w))
		return np_writer_error(&w);
	return len;
}

const char *np_dhcp4_msg_type_name(uint8_t type)
{
	static const char *const names[] = {
		[NP_DHCPDISCOVER] = "DISCOVER",
		[NP_DHCPOFFER] = "OFFER",
		[NP_DHCPREQUEST] = "REQUEST",
		[NP_DHCPDECLINE] = "DECLINE",
		[NP_DHCPACK] = "ACK",
		[NP_DHCPNAK] = "NAK",
		[NP_DHCPRELEASE] = "RELEASE",
		[NP_DHCPINFORM] = "INFORM",
		[NP_DHCPFORCERENEW] = "FORCERENEW",
		[NP_DHCPLEASEQUERY] = "LEASEQUERY",
		[NP_DHCPLEASEUNASSIGNED] = "LEASEUNASSIGNED",
		[NP_DHCPLEASEUNKNOWN] = "LEASEUNKNOWN",
		[NP_DHCPLEASEACTIVE] = "LEASEACTIVE",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "UNKNOWN";
}

/* ---- Builder: fixed part ------------------------------------------- */

int np_dhcp4_builder_init(struct np_dhcp4_builder *b, const struct np_dhcp4 *hdr, void *buf,
			  size_t cap, uint16_t max_size, unsigned flags)
{
	size_t limit = max_size < NP_DHCP4_MIN_MAX_SIZE ? NP_DHCP4_MIN_MAX_SIZE : max_size;

	memset(b, 0, sizeof(*b));
	/* Option 57 counts the IP and UDP headers too (RFC 2131 §2: 576 - 28 - 236 = 312). */
	limit -= NP_DHCP4_IP_UDP_LEN;
	if (limit > cap)
		limit = cap;
	if (hdr->hlen > NP_DHCP4_CHADDR_LEN)
		return b->err = NP_EBADLEN;
	if (limit < NP_DHCP4_BOOTP_MIN_LEN)
		return b->err = NP_ENOSPC;
	b->limit = limit;
	b->allow_overload = flags & NP_DHCP4_BUILD_OVERLOAD;
	b->keep = flags & (NP_DHCP4_BUILD_KEEP_FILE | NP_DHCP4_BUILD_KEEP_SNAME);
	/* END, and option 52 when it may be needed, always fit at the end of the options field. */
	b->opt_end = limit - 1 - (b->allow_overload ? 3 : 0);
	np_writer_init(&b->w, buf, limit);
	write_fixed(&b->w, hdr);
	b->w.cap = b->opt_end;
	return b->err = np_writer_error(&b->w);
}
