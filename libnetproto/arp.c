/* arp.c: ARP for IPv4 over Ethernet (RFC 826), RFC 5227 probes and announcements. */
#include <string.h>

#include <netproto/arp.h>
#include <netproto/buf.h>
#include <netproto/error.h>

/*
 * The fixed part says which hardware and protocol the addresses belong to
 * (RFC 826 "Packet format"); only Ethernet/IPv4 has the 28-byte layout.
 */
static int arp_check_fixed(uint16_t htype, uint16_t ptype, uint8_t hlen, uint8_t plen)
{
	if (htype != NP_ARP_HTYPE_ETHER || ptype != NP_ARP_PTYPE_IPV4)
		return NP_ETYPE;
	if (hlen != NP_ARP_HLEN_ETHER || plen != NP_ARP_PLEN_IPV4)
		return NP_EBADLEN;
	return 0;
}

int np_arp_parse(const void *buf, size_t len, struct np_arp *out)
{
	struct np_reader r;
	struct np_arp a;
	uint16_t htype, ptype;
	uint8_t hlen, plen;
	int err;

	np_reader_init(&r, buf, len);
	htype = np_read_be16(&r);
	ptype = np_read_be16(&r);
	hlen = np_read_u8(&r);
	plen = np_read_u8(&r);
	a.op = np_read_be16(&r);
	if (np_reader_error(&r))
		return np_reader_error(&r);
	err = arp_check_fixed(htype, ptype, hlen, plen);
	if (err)
		return err;
	np_read_copy(&r, a.sha, sizeof(a.sha));
	a.spa = np_read_be32(&r);
	np_read_copy(&r, a.tha, sizeof(a.tha));
	a.tpa = np_read_be32(&r);
	/* Anything after the 28 bytes is Ethernet padding (RFC 826 gives no length). */
	if (np_reader_error(&r))
		return np_reader_error(&r);
	*out = a;
	return 0;
}

int np_arp_build(const struct np_arp *in, void *buf, size_t cap)
{
	struct np_writer w;

	np_writer_init(&w, buf, cap);
	np_write_be16(&w, NP_ARP_HTYPE_ETHER);
	np_write_be16(&w, NP_ARP_PTYPE_IPV4);
	np_write_u8(&w, NP_ARP_HLEN_ETHER);
	np_write_u8(&w, NP_ARP_PLEN_IPV4);
	np_write_be16(&w, in->op);
	np_write_bytes(&w, in->sha, sizeof(in->sha));
	np_write_be32(&w, in->spa);
	np_write_bytes(&w, in->tha, sizeof(in->tha));
	np_write_be32(&w, in->tpa);
	return np_writer_result(&w);
}

int np_arp_is_probe(const struct np_arp *a)
{
	return a->op == NP_ARP_OP_REQUEST && a->spa == 0;
}

int np_arp_is_announcement(const struct np_arp *a)
{
	/* RFC 5227 §2.3 uses requests; RFC 5944 §4.6 allows replies too. */
	if (a->op != NP_ARP_OP_REQUEST && a->op != NP_ARP_OP_REPLY)
		return 0;
	return a->spa != 0 && a->spa == a->tpa;
}

int np_arp_reply_from_request(const struct np_arp *req, const uint8_t mac[6],
			      struct np_arp *reply)
{
	struct np_arp r;

	if (req->op != NP_ARP_OP_REQUEST)
		return NP_EINVAL;
	/*
	 * RFC 826: "swap hardware and protocol fields, putting the local
	 * hardware and protocol addresses in the sender fields", set ar$op to
	 * reply.  The local protocol address is the one that was asked for.
	 */
	r.op = NP_ARP_OP_REPLY;
	memcpy(r.sha, mac, sizeof(r.sha));
	r.spa = req->tpa;
	memcpy(r.tha, req->sha, sizeof(r.tha));
	r.tpa = req->spa;
	*reply = r;
	return 0;
}

void np_arp_probe_init(struct np_arp *out, const uint8_t mac[6], uint32_t ip)
{
	/* RFC 5227 §2.1.1: "target hardware address field ... SHOULD be set to all zeroes". */
	memset(out, 0, sizeof(*out));
	out->op = NP_ARP_OP_REQUEST;
	memcpy(out->sha, mac, sizeof(out->sha));
	out->spa = 0;
	out->tpa = ip;
}

void np_arp_announcement_init(struct np_arp *out, const uint8_t mac[6], uint32_t ip)
{
	/*
	 * RFC 5227 §2.3: an announcement is "identical to an ARP Probe ...
	 * except that now the sender and target IP addresses are both set to
	 * the host's newly selected IPv4 address".
	 */
	np_arp_probe_init(out, mac, ip);
	out->spa = ip;
}
