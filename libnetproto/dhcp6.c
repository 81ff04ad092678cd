/*
 * dhcp6.c: DHCPv6 messages (RFC 8415 §8), relay messages (§9), the walk
 * through nested relays and the RELAY-REPL that answers a RELAY-FORW (§19.3).
 */
#include <string.h>

#include <netproto/buf.h>
#include <netproto/dhcp6.h>
#include <netproto/error.h>

int np_dhcp6_is_relay(uint8_t msg_type)
{
	return msg_type == NP_DHCP6_RELAY_FORW || msg_type == NP_DHCP6_RELAY_REPL;
}

int np_dhcp6_parse(const void *buf, size_t len, struct np_dhcp6 *out)
{
	struct np_reader r;
	struct np_dhcp6 m;

	memset(&m, 0, sizeof(m));
	np_reader_init(&r, buf, len);
	m.msg_type = np_read_u8(&r);
	if (np_dhcp6_is_relay(m.msg_type)) {
		/* §9: hop-count, link-address, peer-address. */
		m.hop_count = np_read_u8(&r);
		np_read_copy(&r, m.link_addr, NP_DHCP6_ADDR_LEN);
		np_read_copy(&r, m.peer_addr, NP_DHCP6_ADDR_LEN);
	} else {
		/* §8: a 24-bit transaction-id. */
		m.xid = (uint32_t)np_read_u8(&r) << 16;
		m.xid |= np_read_be16(&r);
	}
	if (np_reader_error(&r))
		return np_reader_error(&r);
	/* msg-type 0 is reserved (§7.3): likely not DHCPv6 at all. */
	if (m.msg_type == 0)
		return NP_ETYPE;
	m.options = np_read_rest(&r, &m.options_len);
	*out = m;
	return 0;
}

static void write_header(struct np_writer *w, const struct np_dhcp6 *m)
{
	np_write_u8(w, m->msg_type);
	if (np_dhcp6_is_relay(m->msg_type)) {
		np_write_u8(w, m->hop_count);
		np_write_bytes(w, m->link_addr, NP_DHCP6_ADDR_LEN);
		np_write_bytes(w, m->peer_addr, NP_DHCP6_ADDR_LEN);
	} else {
		np_write_u8(w, (uint8_t)(m->xid >> 16));
		np_write_be16(w, (uint16_t)m->xid);
	}
}

static size_t header_len(uint8_t msg_type)
{
	return np_dhcp6_is_relay(msg_type) ? NP_DHCP6_RELAY_HDR_LEN : NP_DHCP6_HDR_LEN;
}

int np_dhcp6_build(const struct np_dhcp6 *in, void *buf, size_t cap)
{
	struct np_writer w;
	int len;

	if (in->msg_type == 0 || (!np_dhcp6_is_relay(in->msg_type) && in->xid > NP_DHCP6_XID_MAX))
		return NP_EINVAL;
	if (in->options_len && !in->options)
		return NP_EINVAL;
	np_writer_init(&w, buf, cap);
	/* The options may already be in buf: move them first (overlap-safe), then the header. */
	np_write_zero(&w, header_len(in->msg_type));
	np_write_bytes(&w, in->options, in->options_len);
	len = np_writer_result(&w);
	if (len < 0)
		return len;
	np_writer_init(&w, buf, cap);
	write_header(&w, in);
	if (np_writer_error(&w))
		return np_writer_error(&w);
	return len;
}

int np_dhcp6_relay_inner(const struct np_dhcp6 *relay, struct np_dhcp6 *inner)
{
	struct np_dhcp6_opt o;
	int rc;

	if (!np_dhcp6_is_relay(relay->msg_type))
		return NP_EINVAL;
	/* §9: every relay message carries exactly one Relay Message option. */
	rc = np_dhcp6_get(relay, NP_DHCP6_OPT_RELAY_MSG, &o);
	if (rc < 0)
		return rc;
	return np_dhcp6_parse(o.data, o.len, inner);
}

int np_dhcp6_unwrap(const void *buf, size_t len, struct np_dhcp6 *relays, size_t max,
		    struct np_dhcp6 *msg)
{
	struct np_dhcp6 m, inner;
	size_t depth = 0;
	int rc = np_dhcp6_parse(buf, len, &m);

	if (rc < 0)
		return rc;
	while (np_dhcp6_is_relay(m.msg_type)) {
		/*
		 * Each relay adds one layer and a relay drops a message whose
		 * hop-count reached HOP_COUNT_LIMIT (§19.1.2), so no honest
		 * message nests deeper; the cap also bounds the work.
		 */
		if (depth == NP_DHCP6_MAX_RELAY_DEPTH)
			return NP_ECOUNT;
		if (relays) {
			if (depth == max)
				return NP_ENOSPC;
			relays[depth] = m;
		}
		depth++;
		rc = np_dhcp6_relay_inner(&m, &inner);
		if (rc < 0)
			return rc;
		m = inner;
	}
	*msg = m;
	return (int)depth;
}

int np_dhcp6_build_relay_repl(const struct np_dhcp6 *forw, const void *inner, size_t inner_len,
			      void *buf, size_t cap)
{
	struct np_dhcp6_opt ifid;
	struct np_dhcp6 repl;
	struct np_writer w;
	size_t ifid_len = 0, off;
	int rc;

	if (forw->msg_type != NP_DHCP6_RELAY_FORW || inner_len > 0xffff || (inner_len && !inner))
		return NP_EINVAL;
	/* §21.18: the server copies the Interface-Id option into its RELAY-REPL. */
	rc = np_dhcp6_get(forw, NP_DHCP6_OPT_INTERFACE_ID, &ifid);
	if (rc == 0)
		ifid_len = NP_DHCP6_OPT_HDR_LEN + ifid.len;
	else if (rc != NP_ENOTFOUND)
		return rc;

	/*
	 * Move the inner message to its place first: it may lie in buf, even
	 * where the header goes, so nothing is written before it has moved.
	 */
	off = NP_DHCP6_RELAY_HDR_LEN + ifid_len + NP_DHCP6_OPT_HDR_LEN;
	if (cap < off || cap - off < inner_len)
		return NP_ENOSPC;
	if (inner_len)
		memmove((uint8_t *)buf + off, inner, inner_len);

	repl = *forw;
	repl.msg_type = NP_DHCP6_RELAY_REPL;
	np_writer_init(&w, buf, off);
	write_header(&w, &repl);
	if (ifid_len) {
		np_write_be16(&w, NP_DHCP6_OPT_INTERFACE_ID);
		np_write_be16(&w, ifid.len);
		np_write_bytes(&w, ifid.data, ifid.len);
	}
	np_write_be16(&w, NP_DHCP6_OPT_RELAY_MSG);
	np_write_be16(&w, (uint16_t)inner_len);
	if (np_writer_error(&w))
		return np_writer_error(&w);
	return (int)(off + inner_len);
}

const char *np_dhcp6_msg_type_name(uint8_t type)
{
	static const char *const names[] = {
		[NP_DHCP6_SOLICIT] = "SOLICIT",
		[NP_DHCP6_ADVERTISE] = "ADVERTISE",
		[NP_DHCP6_REQUEST] = "REQUEST",
		[NP_DHCP6_CONFIRM] = "CONFIRM",
		[NP_DHCP6_RENEW] = "RENEW",
		[NP_DHCP6_REBIND] = "REBIND",
		[NP_DHCP6_REPLY] = "REPLY",
		[NP_DHCP6_RELEASE] = "RELEASE",
		[NP_DHCP6_DECLINE] = "DECLINE",
		[NP_DHCP6_RECONFIGURE] = "RECONFIGURE",
		[NP_DHCP6_INFORMATION_REQUEST] = "INFORMATION-REQUEST",
		[NP_DHCP6_RELAY_FORW] = "RELAY-FORW",
		[NP_DHCP6_RELAY_REPL] = "RELAY-REPL",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "UNKNOWN";
}
