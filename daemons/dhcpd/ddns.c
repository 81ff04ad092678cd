/*
 * ddns.c: RFC 2136 / RFC 4703 updates for np-dhcpd's clients, built (see
 * ddns.h).  Pure: no sockets, no clock, no randomness.
 */
#include "ddns.h"

#include <stdio.h>
#include <string.h>

#include <netproto/error.h>

#include "leasefmt.h"

/* ---- building ------------------------------------------------------------------ */

/* RFC 952 / RFC 1123 §2.1: letters, digits, hyphens inside, 1..63 octets; lowercased. */
static int host_label(const char *host, char out[NP_DNS_LABEL_MAX + 1])
{
	size_t n = 0;

	while (host[n] != '\0' && host[n] != '.') {
		char c = host[n];

		if (n == NP_DNS_LABEL_MAX ||
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return NP_EINVAL;
		out[n] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		n++;
	}
	if (n == 0 || out[0] == '-' || out[n - 1] == '-')
		return NP_EINVAL;
	out[n] = '\0';
	return 0;
}

/* text + "." + zone (absolute or not) in wire form. */
static int join_name(const char *label, const char *zone, uint8_t *out, size_t *len)
{
	char text[NP_DNS_NAME_TEXT_MAX];
	int n;

	if (snprintf(text, sizeof(text), "%s.%s", label, zone) >= (int)sizeof(text))
		return NP_ENAME;
	n = np_dns_name_from_text(text, out, NP_DNS_NAME_MAX);
	if (n < 0)
		return n == NP_ENOSPC ? NP_ENAME : n;
	*len = (size_t)n;
	return 0;
}

static int text_name(const char *text, uint8_t *out, size_t *len)
{
	int n = np_dns_name_from_text(text, out, NP_DNS_NAME_MAX);

	if (n < 0)
		return n;
	*len = (size_t)n;
	return 0;
}

int ddns_prepare(const char *host, const struct dhcid_client *client, uint32_t addr,
		 const char *zone, const char *rzone, enum ddns_op op, uint32_t ttl,
		 struct ddns_update *a, struct ddns_update *ptr)
{
	char label[NP_DNS_LABEL_MAX + 1];
	int err, n;

	if (host_label(host, label) < 0)
		return NP_EINVAL;
	memset(a, 0, sizeof(*a));
	memset(ptr, 0, sizeof(*ptr));
	a->type = NP_DNS_TYPE_A;
	a->step = op == DDNS_ADD ? DDNS_CLAIM : DDNS_RELEASE;
	a->ttl = ttl;
	a->addr = addr;
	if ((err = text_name(zone, a->zone, &a->zone_len)) < 0 ||
	    (err = join_name(label, zone, a->owner, &a->owner_len)) < 0)
		return err;
	if ((err = dhcid_rdata(client, a->owner, a->owner_len, a->dhcid)) < 0)
		return err == NP_ENOSPC ? err : NP_EINVAL;
	ptr->type = NP_DNS_TYPE_PTR;
	ptr->step = op == DDNS_ADD ? DDNS_PTR_SET : DDNS_PTR_DELETE;
	ptr->ttl = ttl;
	ptr->addr = addr;
	memcpy(ptr->target, a->owner, a->owner_len);
	ptr->target_len = a->owner_len;
	memcpy(ptr->dhcid, a->dhcid, sizeof(a->dhcid));
	/* RFC 1035 §3.5: the reverse name lists the octets backwards. */
	if ((n = np_dns_name_reverse4(addr, ptr->owner, sizeof(ptr->owner))) < 0)
		return n;
	ptr->owner_len = (size_t)n;
	if (rzone != NULL && rzone[0]) {
		if ((err = text_name(rzone, ptr->zone, &ptr->zone_len)) < 0)
			return err;
	} else {
		/* The default reverse zone: the /24 above the address (its name less one label). */
		ptr->zone_len = ptr->owner_len - 1 - ptr->owner[0];
		memcpy(ptr->zone, ptr->owner + 1 + ptr->owner[0], ptr->zone_len);
	}
	if (!np_dns_name_is_subdomain(ptr->owner, ptr->owner_len, ptr->zone, ptr->zone_len))
		return NP_ENOTFOUND;
	return 0;
}

int ddns_derive(struct ddns_update *a, const struct dhcid_client *client, const char *zone)
{
	char label[NP_DNS_LABEL_MAX + 1], derived[LEASEFMT_LABEL_MAX + 1];
	size_t n = a->owner[0];
	int err;

	/* The owner's first label: the host as ddns_prepare() checked and lowercased it. */
	memcpy(label, a->owner + 1, n);
	label[n] = '\0';
	if (leasefmt_derived_name(label, client->chaddr, client->hlen, derived) == 0)
		return NP_EINVAL;
	if ((err = join_name(derived, zone, a->alt_owner, &a->alt_len)) < 0 ||
	    (err = dhcid_rdata(client, a->alt_owner, a->alt_len, a->alt_dhcid)) < 0) {
		a->alt_len = 0;
		return err == NP_ENAME ? err : NP_EINVAL;
	}
	return 0;
}

/* u, for its derived name (which has none in turn), at step. */
static void to_derived(const struct ddns_update *u, enum ddns_step step, struct ddns_update *next)
{
	*next = *u;
	memcpy(next->owner, u->alt_owner, u->alt_len);
	next->owner_len = u->alt_len;
	memcpy(next->dhcid, u->alt_dhcid, sizeof(next->dhcid));
	next->alt_len = 0;
	next->step = step;
}

/* A record of u's owner with no rdata: an RRset or name prerequisite, an RRset deletion. */
static int add_empty(struct np_dns_builder *b, enum np_dns_section sec,
		     const struct ddns_update *u, uint16_t type, uint16_t rclass)
{
	return np_dns_add_raw(b, sec, u->owner, u->owner_len, type, rclass, 0, NULL, 0);
}

/* u's DHCID: a prerequisite (§2.4.2: class IN, TTL 0) or an addition. */
static int add_dhcid(struct np_dns_builder *b, enum np_dns_section sec,
		     const struct ddns_update *u, uint32_t ttl)
{
	return np_dns_add_raw(b, sec, u->owner, u->owner_len, DHCID_TYPE, NP_DNS_CLASS_IN, ttl,
			      u->dhcid, sizeof(u->dhcid));
}

/* u's A or PTR record with class and TTL. */
static int add_record(struct np_dns_builder *b, const struct ddns_update *u, uint16_t rclass,
		      uint32_t ttl)
{
	struct np_dns_rdata rd;

	memset(&rd, 0, sizeof(rd));
	if (u->type == NP_DNS_TYPE_A) {
		rd.a = u->addr;
	} else {
		memcpy(rd.name.name, u->target, u->target_len);
		rd.name.len = u->target_len;
	}
	return np_dns_add_rr(b, NP_DNS_SEC_AUTHORITY, u->owner, u->owner_len, u->type, rclass,
			     ttl, &rd);
}

/* The prerequisite (answer) and update (authority) sections of u's step. */
static int add_step(struct np_dns_builder *b, const struct ddns_update *u)
{
	const enum np_dns_section pre = NP_DNS_SEC_ANSWER, upd = NP_DNS_SEC_AUTHORITY;
	int err;

	switch (u->step) {
	case DDNS_CLAIM:
		/* RFC 4703 §5.3.1: name not in use (RFC 2136 §2.4.5); add A and DHCID. */
		if ((err = add_empty(b, pre, u, NP_DNS_TYPE_ANY, DDNS_CLASS_NONE)) < 0 ||
		    (err = add_record(b, u, NP_DNS_CLASS_IN, u->ttl)) < 0)
			return err;
		return add_dhcid(b, upd, u, u->ttl);
	case DDNS_RECLAIM:
		/* §5.3.1: our DHCID is there (§2.4.2); delete the A RRset (§2.5.2), add. */
		if ((err = add_dhcid(b, pre, u, 0)) < 0 ||
		    (err = add_empty(b, upd, u, NP_DNS_TYPE_A, NP_DNS_CLASS_ANY)) < 0)
			return err;
		return add_record(b, u, NP_DNS_CLASS_IN, u->ttl);
	case DDNS_RELEASE:
		/* §5.5: our DHCID is there; delete our A record only (§2.5.4). */
		if ((err = add_dhcid(b, pre, u, 0)) < 0)
			return err;
		return add_record(b, u, DDNS_CLASS_NONE, 0);
	case DDNS_RELEASE_DHCID:
		/* §5.5: no address record left (§2.4.3) and our DHCID: delete it. */
		if ((err = add_empty(b, pre, u, NP_DNS_TYPE_A, DDNS_CLASS_NONE)) < 0 ||
		    (err = add_empty(b, pre, u, NP_DNS_TYPE_AAAA, DDNS_CLASS_NONE)) < 0 ||
		    (err = add_dhcid(b, pre, u, 0)) < 0)
			return err;
		return add_empty(b, upd, u, DHCID_TYPE, NP_DNS_CLASS_ANY);
	case DDNS_PTR_SET:
		/* §5.3.2: the address is the server's; replace its PTR RRset. */
		if ((err = add_empty(b, upd, u, NP_DNS_TYPE_PTR, NP_DNS_CLASS_ANY)) < 0)
			return err;
		return add_record(b, u, NP_DNS_CLASS_IN, u->ttl);
	case DDNS_PTR_DELETE:
		return add_record(b, u, DDNS_CLASS_NONE, 0);
	}
	return NP_EINVAL;
}

int ddns_build(const struct ddns_update *u, uint16_t id, uint8_t *buf, size_t cap)
{
	struct np_dns_header h = { .id = id, .opcode = NP_DNS_OPCODE_UPDATE };
	struct np_dns_builder b;
	int err;

	if ((err = np_dns_builder_init(&b, buf, cap, cap, &h)) < 0)
		return err;
	/* §2.3: the zone section names the zone, type SOA, class IN. */
	if ((err = np_dns_add_question(&b, u->zone, u->zone_len, NP_DNS_TYPE_SOA,
				       NP_DNS_CLASS_IN)) < 0 ||
	    (err = add_step(&b, u)) < 0)
		return err;
	return np_dns_builder_finish(&b);
}

enum ddns_result ddns_next(const struct ddns_update *u, int rcode, struct ddns_update *next)
{
	switch (u->step) {
	case DDNS_CLAIM:
		if (rcode == DDNS_RCODE_YXDOMAIN) {
			/* The name exists: maybe this client's own (a renewal, §5.3.1). */
			*next = *u;
			next->step = DDNS_RECLAIM;
			return DDNS_NEXT;
		}
		break;
	case DDNS_RECLAIM:
		if (rcode == DDNS_RCODE_NXRRSET && u->alt_len > 0) {
			/* Another client's name: claim the derived one, from step 1. */
			to_derived(u, DDNS_CLAIM, next);
			return DDNS_DERIVED;
		}
		if (rcode == DDNS_RCODE_NXRRSET)
			return DDNS_CONFLICT;
		break;
	case DDNS_RELEASE:
		if (rcode == NP_DNS_RCODE_NOERROR) {
			*next = *u;
			next->step = DDNS_RELEASE_DHCID;
			return DDNS_NEXT;
		}
		if (rcode == DDNS_RCODE_NXRRSET && u->alt_len > 0) {
			/* Not ours: the client may hold the derived name instead. */
			to_derived(u, DDNS_RELEASE, next);
			return DDNS_NEXT;
		}
		if (rcode == DDNS_RCODE_NXRRSET)
			return DDNS_NOT_OWNED;
		break;
	case DDNS_RELEASE_DHCID:
		/* Other addresses remain (YXRRSET), or the DHCID is gone: done. */
		if (rcode == DDNS_RCODE_YXRRSET || rcode == DDNS_RCODE_NXRRSET)
			return DDNS_DONE;
		break;
	case DDNS_PTR_SET:
	case DDNS_PTR_DELETE:
		break;
	}
	return rcode == NP_DNS_RCODE_NOERROR ? DDNS_DONE : DDNS_FAILED;
}

int ddns_answer_rcode(const uint8_t *buf, size_t len, uint16_t id)
{
	struct np_dns_msg m;
	int err = np_dns_msg_parse(buf, len, &m);

	if (err < 0)
		return err;
	if (!m.hdr.qr || m.hdr.opcode != NP_DNS_OPCODE_UPDATE)
		return NP_EFORMAT;
	if (m.hdr.id != id)
		return NP_ENOTFOUND;
	return np_dns_msg_rcode(&m);
}

int ddns_lease_op(const struct lease_data *l)
{
	if (l->hostname_len == 0)
		return 0;
	if (l->state == LEASE_BOUND)
		return DDNS_ADD;
	if (l->state == LEASE_RELEASED || l->state == LEASE_EXPIRED)
		return DDNS_DELETE;
	return 0;
}
