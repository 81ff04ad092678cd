/*
 * update.c: RFC 2136 UPDATE of np-dnsd's local zone (see localzone.h).
 *
 * The prerequisites are checked (§3.2) and the update section prescanned
 * (§3.4.1) before anything changes; then the zone's own policy (§3.3:
 * configured names are not touched, a DHCID-owned name only with its
 * DHCID as a prerequisite, RFC 4703 §5), then the updates applied as one
 * transaction of the store (localzone-store.h): all or nothing (§3.4.2).
 * Pure: no sockets, no clock, no logging.
 */
#include <stddef.h>
#include <stdint.h>

#include <netproto/buf.h>
#include <netproto/error.h>

#include "localzone-store.h"

#define RCODE_YXDOMAIN 6
#define RCODE_YXRRSET 7
#define RCODE_NXRRSET 8
#define RCODE_NOTZONE 10
#define TYPE_DHCID 49                   /* RFC 4701 §2 */

/* rr's rdata with names uncompressed, as the zone keeps it; its length or an error. */
static int rdata_of(const struct np_dns_msg *msg, const struct np_dns_rr *rr,
		    uint8_t buf[NP_DNS_RDATA_TYPED_MAX], const uint8_t **out)
{
	return np_dns_rr_rdata_uncompressed(msg, rr, buf, NP_DNS_RDATA_TYPED_MAX, out);
}

static int meta_type(uint16_t type)
{
	return type == NP_DNS_TYPE_OPT || (type >= 128 && type <= 255);
}

static int in_zone(const struct dns_local *z, const struct np_dns_rr *rr)
{
	return np_dns_name_is_subdomain(rr->owner, rr->owner_len, z->zone, z->zlen);
}

/* Does the zone hold (owner, type, rdata)? */
static int zone_has_rr(const struct dns_local *z, const struct np_dns_rr *rr,
		       const uint8_t *rd, size_t len)
{
	const struct lnode *n = dns_local_node_find(z, rr->owner, rr->owner_len);
	const struct lrec *r;

	for (r = n ? n->recs : NULL; r; r = r->next)
		if (dns_local_rec_same(r, rr->type, rd, len))
			return 1;
	return 0;
}

/* Is o a class-IN prerequisite of the same (name, type) as rr? */
static int same_rrset(const struct np_dns_rr *o, const struct np_dns_rr *rr)
{
	return o->section == NP_DNS_SEC_ANSWER && o->rclass == NP_DNS_CLASS_IN &&
	       o->type == rr->type && np_dns_name_equal(o->owner, o->owner_len, rr->owner,
							rr->owner_len);
}

/* Is the zone record r among the class-IN prerequisites of its RRset? */
static int prereq_has(const struct np_dns_msg *msg, const struct np_dns_rr *rr,
		      const struct lrec *r)
{
	uint8_t buf[NP_DNS_RDATA_TYPED_MAX];
	struct np_dns_iter it;
	struct np_dns_rr o;
	const uint8_t *rd;
	int rl;

	np_dns_iter_init(&it, msg);
	while (np_dns_iter_next(&it, &o) > 0 && o.section <= NP_DNS_SEC_ANSWER)
		if (same_rrset(&o, rr) && (rl = rdata_of(msg, &o, buf, &rd)) >= 0 &&
		    dns_local_rec_same(r, o.type, rd, (size_t)rl))
			return 1;
	return 0;
}

/*
 * §3.2.3: the RRset named by class-IN prerequisites must equal the zone's:
 * every prerequisite record is in the zone and every zone record of the
 * RRset is among the prerequisites.  Checked once, at the RRset's first
 * prerequisite.
 */
static int prereq_value(const struct dns_local *z, const struct np_dns_msg *msg,
			const struct np_dns_rr *rr)
{
	uint8_t buf[NP_DNS_RDATA_TYPED_MAX];
	struct np_dns_iter it;
	struct np_dns_rr o;
	const struct lnode *n = dns_local_node_find(z, rr->owner, rr->owner_len);
	const struct lrec *r;
	const uint8_t *rd;
	int rl, rc;

	np_dns_iter_init(&it, msg);
	while ((rc = np_dns_iter_next(&it, &o)) > 0 && o.section <= NP_DNS_SEC_ANSWER) {
		if (!same_rrset(&o, rr))
			continue;
		if (o.rdata_off < rr->rdata_off)
			return 0;       /* an earlier prerequisite checked this RRset */
		if ((rl = rdata_of(msg, &o, buf, &rd)) < 0)
			return NP_DNS_RCODE_FORMERR;
		if (!zone_has_rr(z, &o, rd, (size_t)rl))
			return RCODE_NXRRSET;
	}
	if (rc < 0)
		return NP_DNS_RCODE_FORMERR;
	for (r = n ? n->recs : NULL; r; r = r->next)
		if (r->type == rr->type && !prereq_has(msg, rr, r))
			return RCODE_NXRRSET;
	return 0;
}

/* §3.2: one prerequisite. */
static int prereq_check(const struct dns_local *z, const struct np_dns_msg *msg,
			const struct np_dns_rr *rr)
{
	const struct lnode *n = dns_local_node_find(z, rr->owner, rr->owner_len);
	int in_use = n && n->recs;
	int exists = rr->type != NP_DNS_TYPE_ANY && dns_local_node_has_type(n, rr->type);

	if (rr->ttl != 0)
		return NP_DNS_RCODE_FORMERR;
	if (!in_zone(z, rr))
		return RCODE_NOTZONE;
	switch (rr->rclass) {
	case NP_DNS_CLASS_ANY:          /* §2.4.1 RRset exists, §2.4.4 name in use */
		if (rr->rdlength)
			return NP_DNS_RCODE_FORMERR;
		if (rr->type == NP_DNS_TYPE_ANY)
			return in_use ? 0 : NP_DNS_RCODE_NXDOMAIN;
		return exists ? 0 : RCODE_NXRRSET;
	case NP_DNS_CLASS_NONE:                /* §2.4.3 RRset does not exist, §2.4.5 name not in use */
		if (rr->rdlength)
			return NP_DNS_RCODE_FORMERR;
		if (rr->type == NP_DNS_TYPE_ANY)
			return in_use ? RCODE_YXDOMAIN : 0;
		return exists ? RCODE_YXRRSET : 0;
	case NP_DNS_CLASS_IN:           /* §2.4.2 RRset exists (value dependent) */
		if (meta_type(rr->type))
			return NP_DNS_RCODE_FORMERR;
		return prereq_value(z, msg, rr);
	default:
		return NP_DNS_RCODE_FORMERR;
	}
}

/* §3.4.1.3: prescan one update. */
static int update_prescan(const struct dns_local *z, const struct np_dns_rr *rr)
{
	if (!in_zone(z, rr))
		return RCODE_NOTZONE;
	switch (rr->rclass) {
	case NP_DNS_CLASS_IN:
		return meta_type(rr->type) ? NP_DNS_RCODE_FORMERR : 0;
	case NP_DNS_CLASS_ANY:
		if (rr->ttl || rr->rdlength || (meta_type(rr->type) && rr->type != NP_DNS_TYPE_ANY))
			return NP_DNS_RCODE_FORMERR;
		return 0;
	case NP_DNS_CLASS_NONE:
		return rr->ttl || meta_type(rr->type) ? NP_DNS_RCODE_FORMERR : 0;
	default:
		return NP_DNS_RCODE_FORMERR;
	}
}

/* The apex keeps its SOA and NS (§3.4.2.3, §3.4.2.4); we synthesize them anyway. */
static int protected_type(const struct dns_local *z, const struct np_dns_rr *rr, uint16_t type)
{
	return type == NP_DNS_TYPE_SOA ||
	       (type == NP_DNS_TYPE_NS && np_dns_name_equal(rr->owner, rr->owner_len, z->zone,
							    z->zlen));
}

/* Delete dynamic records of rr's name: of one type, or all (ANY). */
static void delete_rrsets(struct dns_local *z, const struct np_dns_rr *rr, uint16_t type)
{
	struct lnode *n = dns_local_node_find(z, rr->owner, rr->owner_len);
	struct lrec *r, *next;

	for (r = n ? n->recs : NULL; r; r = next) {
		next = r->next;
		if ((type == NP_DNS_TYPE_ANY || r->type == type) && r->dynamic && !r->autoptr &&
		    !protected_type(z, rr, r->type))
			dns_local_rec_delete(z, r);
	}
}

/* §3.4.2.2: add, replacing a duplicate; CNAME conflicts are ignored. */
static int update_add(struct dns_local *z, const struct np_dns_rr *rr, const uint8_t *rd,
		      size_t len)
{
	struct lnode *n = dns_local_node_find(z, rr->owner, rr->owner_len);
	struct lrec *r;
	uint32_t ttl = rr->ttl > DNS_TTL_MAX ? DNS_TTL_MAX : rr->ttl;
	int err;

	if (protected_type(z, rr, rr->type))
		return 0;
	if (rr->type == NP_DNS_TYPE_CNAME) {
		if (dns_local_node_has_type(n, NP_DNS_TYPE_CNAME))
			delete_rrsets(z, rr, NP_DNS_TYPE_CNAME);
		else if (n && n->recs)
			return 0;
	} else if (dns_local_node_has_type(n, NP_DNS_TYPE_CNAME)) {
		return 0;
	}
	for (r = n ? n->recs : NULL; r; r = r->next) {
		if (!r->autoptr && dns_local_rec_same(r, rr->type, rd, len)) {
			r->ttl = ttl;   /* the zone's copy is replaced: only the TTL can differ */
			return 0;
		}
	}
	if (rr->type == NP_DNS_TYPE_PTR)
		dns_local_autoptr_clear(z, rr->owner, rr->owner_len);
	if ((err = dns_local_rec_add(z, rr->owner, rr->owner_len, rr->type, ttl, rd, len, 1, 0, NULL)))
		return err;
	return dns_local_autoptr_add(z, rr->owner, rr->owner_len, rr->type, ttl, rd, len, 1);
}

/* §3.4.2.4: delete the one RR equal to rr. */
static void update_delete_rr(struct dns_local *z, const struct np_dns_rr *rr,
			     const uint8_t *rd, size_t len)
{
	struct lnode *n = dns_local_node_find(z, rr->owner, rr->owner_len);
	struct lrec *r, *next;

	if (protected_type(z, rr, rr->type))
		return;
	for (r = n ? n->recs : NULL; r; r = next) {
		next = r->next;
		if (r->dynamic && !r->autoptr && dns_local_rec_same(r, rr->type, rd, len))
			dns_local_rec_delete(z, r);
	}
}

static int update_apply(struct dns_local *z, const struct np_dns_msg *msg,
			const struct np_dns_rr *rr)
{
	uint8_t buf[NP_DNS_RDATA_TYPED_MAX];
	const uint8_t *rd;
	int rl;

	if (rr->rclass == NP_DNS_CLASS_ANY) {
		delete_rrsets(z, rr, rr->type);
		return 0;
	}
	if ((rl = rdata_of(msg, rr, buf, &rd)) < 0)
		return rl;
	if (rr->rclass == NP_DNS_CLASS_NONE) {
		update_delete_rr(z, rr, rd, (size_t)rl);
		return 0;
	}
	return update_add(z, rr, rd, (size_t)rl);
}


/* The zone section (§2.3): one SOA question of class IN for our zone. */
static int update_zone(const struct dns_local *z, const struct np_dns_msg *msg)
{
	struct np_dns_rr q;

	if (msg->hdr.count[NP_DNS_SEC_QUESTION] != 1 || np_dns_msg_question(msg, &q) ||
	    q.type != NP_DNS_TYPE_SOA)
		return NP_DNS_RCODE_FORMERR;
	if (q.rclass != NP_DNS_CLASS_IN ||
	    !np_dns_name_equal(q.owner, q.owner_len, z->zone, z->zlen))
		return NP_DNS_RCODE_NOTAUTH;   /* §3.1.1 */
	return 0;
}

/* Run fn over the records of one section; the first non-zero result stops. */
static int each_rr(struct dns_local *z, const struct np_dns_msg *msg, enum np_dns_section sec,
		   int (*fn)(struct dns_local *z, const struct np_dns_msg *msg,
			     const struct np_dns_rr *rr))
{
	struct np_dns_iter it;
	struct np_dns_rr rr;
	int rc, res;

	np_dns_iter_init(&it, msg);
	while ((rc = np_dns_iter_next(&it, &rr)) > 0 && rr.section <= sec) {
		if (rr.section == sec && (res = fn(z, msg, &rr)))
			return res;
	}
	return rc < 0 ? NP_DNS_RCODE_FORMERR : 0;
}

static int step_prereq(struct dns_local *z, const struct np_dns_msg *msg,
		       const struct np_dns_rr *rr)
{
	return prereq_check(z, msg, rr);
}

/* Does the prerequisite section name the DHCID RRset at owner (§2.4.2, value dependent)? */
static int has_dhcid_prereq(const struct np_dns_msg *msg, const uint8_t *owner, size_t len)
{
	struct np_dns_iter it;
	struct np_dns_rr o;

	np_dns_iter_init(&it, msg);
	while (np_dns_iter_next(&it, &o) > 0 && o.section <= NP_DNS_SEC_ANSWER)
		if (o.section == NP_DNS_SEC_ANSWER && o.rclass == NP_DNS_CLASS_IN &&
		    o.type == TYPE_DHCID && np_dns_name_equal(o.owner, o.owner_len, owner, len))
			return 1;
	return 0;
}

/*
 * §3.3 (the server's own policy): a name with configured records is not
 * changed by UPDATE at all; a name holding a DHCID record belongs to the
 * DHCP client it names (RFC 4703 §5) and is changed only by an UPDATE that
 * proves it knows that DHCID: a value-dependent prerequisite on it, which
 * the prerequisite step has already found equal to the zone's.  So the
 * rule holds whichever DHCP server sends the UPDATE.
 */
static int step_permit(struct dns_local *z, const struct np_dns_msg *msg,
		       const struct np_dns_rr *rr)
{
	const struct lnode *n = dns_local_node_find(z, rr->owner, rr->owner_len);
	const struct lrec *r;

	for (r = n ? n->recs : NULL; r; r = r->next)
		if (!r->dynamic) {
			z->st.refused_static++;
			return NP_DNS_RCODE_REFUSED;
		}
	if (dns_local_node_has_type(n, TYPE_DHCID) && !has_dhcid_prereq(msg, rr->owner, rr->owner_len)) {
		z->st.refused_owned++;
		return NP_DNS_RCODE_REFUSED;
	}
	return 0;
}

static int step_prescan(struct dns_local *z, const struct np_dns_msg *msg,
			const struct np_dns_rr *rr)
{
	uint8_t buf[NP_DNS_RDATA_TYPED_MAX];
	const uint8_t *rd;
	int rc = update_prescan(z, rr);

	/* Data we will store must decode (names inside rdata). */
	if (!rc && rr->rclass != NP_DNS_CLASS_ANY && rdata_of(msg, rr, buf, &rd) < 0)
		rc = NP_DNS_RCODE_FORMERR;
	return rc;
}

static int step_apply(struct dns_local *z, const struct np_dns_msg *msg,
		      const struct np_dns_rr *rr)
{
	return update_apply(z, msg, rr) ? NP_DNS_RCODE_SERVFAIL : 0;
}

int dns_local_update(struct dns_local *z, const struct np_dns_msg *msg)
{
	int rc;

	if (msg->hdr.opcode != NP_DNS_OPCODE_UPDATE || msg->hdr.qr)
		return NP_DNS_RCODE_FORMERR;
	if ((rc = update_zone(z, msg)))
		return rc;
	if ((rc = each_rr(z, msg, NP_DNS_SEC_ANSWER, step_prereq))) {
		if (rc >= NP_DNS_RCODE_NXDOMAIN)
			z->st.prereq_failed++;
		return rc;
	}
	/* Malformed updates are FORMERR/NOTZONE before any policy (§3.4.1). */
	if ((rc = each_rr(z, msg, NP_DNS_SEC_AUTHORITY, step_prescan)) ||
	    (rc = each_rr(z, msg, NP_DNS_SEC_AUTHORITY, step_permit)))
		return rc;
	dns_local_txn_begin(z);
	rc = each_rr(z, msg, NP_DNS_SEC_AUTHORITY, step_apply);
	dns_local_txn_end(z, rc == 0);
	if (rc)
		return NP_DNS_RCODE_SERVFAIL;
	if (msg->hdr.count[NP_DNS_SEC_AUTHORITY])
		dns_local_serial_bump(z);
	return NP_DNS_RCODE_NOERROR;
}
