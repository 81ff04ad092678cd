/*
 * ddns.c: RFC 2136 updates for np-dhcpd's clients (see ddns.h).
 */
#include "ddns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <event2/event.h>

#include <netproto/error.h>

#include "../common/log.h"
#include "lease.h"

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
	char label[NP_DNS_LABEL_MAX + 1], rev[64], def[64];
	int err;

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
	/* RFC 1035 §3.5: the reverse name lists the octets backwards. */
	snprintf(rev, sizeof(rev), "%u.%u.%u.%u.in-addr.arpa.", addr & 255, (addr >> 8) & 255,
		 (addr >> 16) & 255, addr >> 24);
	snprintf(def, sizeof(def), "%u.%u.%u.in-addr.arpa.", (addr >> 8) & 255, (addr >> 16) & 255,
		 addr >> 24);
	ptr->type = NP_DNS_TYPE_PTR;
	ptr->step = op == DDNS_ADD ? DDNS_PTR_SET : DDNS_PTR_DELETE;
	ptr->ttl = ttl;
	ptr->addr = addr;
	memcpy(ptr->target, a->owner, a->owner_len);
	ptr->target_len = a->owner_len;
	memcpy(ptr->dhcid, a->dhcid, sizeof(a->dhcid));
	if ((err = text_name(rev, ptr->owner, &ptr->owner_len)) < 0 ||
	    (err = text_name(rzone != NULL && rzone[0] ? rzone : def, ptr->zone,
			     &ptr->zone_len)) < 0)
		return err;
	if (!np_dns_name_is_subdomain(ptr->owner, ptr->owner_len, ptr->zone, ptr->zone_len))
		return NP_ENOTFOUND;
	return 0;
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
	struct np_dns_header h = { .id = id, .opcode = DDNS_OPCODE_UPDATE };
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
		if (rcode == DDNS_RCODE_NXRRSET)
			return DDNS_CONFLICT;
		break;
	case DDNS_RELEASE:
		if (rcode == NP_DNS_RCODE_NOERROR) {
			*next = *u;
			next->step = DDNS_RELEASE_DHCID;
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
	if (!m.hdr.qr || m.hdr.opcode != DDNS_OPCODE_UPDATE)
		return NP_EFORMAT;
	if (m.hdr.id != id)
		return NP_ENOTFOUND;
	return np_dns_msg_rcode(&m);
}

/* ---- sending -------------------------------------------------------------------- */

#define FLIGHT_MAX 256
#define SEEN_SLOTS 65536               /* published names remembered, by address */

/*
 * ISC dhcpd's update-optimization: a renewal whose name the server already
 * published (answered NOERROR since this process started) sends nothing.
 * One slot per address hash; a collision only costs a redundant update.
 */
struct seen {
	uint32_t addr;                 /* 0: empty */
	uint32_t name;                 /* name_key(): the owner and the client's DHCID */
};

struct flight {
	bool used;
	bool ptr_after;                /* the forward name ours: ptr follows */
	uint16_t id;
	uint8_t tries;                 /* sends so far */
	int64_t deadline;              /* monotonic ms */
	size_t len;
	uint8_t buf[DDNS_MSG_MAX];
	char what[NP_DNS_NAME_TEXT_MAX + 8];   /* "owner TYPE", for the log */
	uint32_t seen_name;            /* an A add: remembered once the name is ours */
	struct ddns_update u;          /* what buf holds, for the next step */
	struct ddns_update ptr;
};

struct ddns {
	struct event_base *base;
	const struct dhcpd_dns_update *conf;
	int fd;
	struct event *rx_ev, *timer;
	struct flight fl[FLIGHT_MAX];
	size_t nflight;
	struct seen *seen;             /* SEEN_SLOTS */
	struct ddns_stats st;
};

static struct seen *seen_slot(const struct ddns *d, uint32_t addr)
{
	return &d->seen[((addr * 2654435761u) >> 8) & (SEEN_SLOTS - 1)];
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void send_flight(struct ddns *d, struct flight *f)
{
	f->tries++;
	f->deadline = mono_ms() + d->conf->timeout_ms;
	if (send(d->fd, f->buf, f->len, MSG_DONTWAIT) < 0) {
		d->st.send_errors++;
		NP_LOG_RATELIMIT(NP_LOG_WARNING, "DNS update to %u.%u.%u.%u: %s",
				 d->conf->server.addr >> 24, (d->conf->server.addr >> 16) & 255,
				 (d->conf->server.addr >> 8) & 255, d->conf->server.addr & 255,
				 strerror(errno));
		return;
	}
	d->st.sent++;
}

static void arm(struct ddns *d)
{
	uint32_t ms = d->conf->timeout_ms / 4 ? d->conf->timeout_ms / 4 : 1;
	struct timeval tv = { ms / 1000, (suseconds_t)(ms % 1000) * 1000 };

	if (d->nflight > 0 && !evtimer_pending(d->timer, NULL))
		evtimer_add(d->timer, &tv);
}

static void done(struct ddns *d, struct flight *f)
{
	f->used = false;
	d->nflight--;
}

/* Resend what timed out; give up after the last retry. */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct ddns *d = arg;
	int64_t now = mono_ms();

	(void)fd;
	(void)what;
	for (size_t i = 0; i < FLIGHT_MAX; i++) {
		struct flight *f = &d->fl[i];

		if (!f->used || f->deadline > now)
			continue;
		if (f->tries <= d->conf->retries) {
			d->st.retries++;
			send_flight(d, f);
			continue;
		}
		d->st.timeouts++;
		NP_LOG_RATELIMIT(NP_LOG_WARNING, "DNS update of %s: no answer after %u tries",
				 f->what, (unsigned)f->tries);
		done(d, f);
	}
	arm(d);
}

static void queue(struct ddns *d, const struct ddns_update *u, uint32_t remember,
		  const struct ddns_update *ptr_after);

static void log_addr(char *out, size_t cap, uint32_t a)
{
	snprintf(out, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* The answer to f (rcode rc): count it, take the next step of RFC 4703. */
static void step_done(struct ddns *d, const struct flight *f, int rc)
{
	struct ddns_update next;
	char addr[16];

	d->st.last_rcode = rc;
	if (rc == NP_DNS_RCODE_NOERROR)
		d->st.noerror++;
	log_addr(addr, sizeof(addr), f->u.addr);
	switch (ddns_next(&f->u, rc, &next)) {
	case DDNS_DONE:
		if (f->seen_name != 0)
			*seen_slot(d, f->u.addr) = (struct seen){ f->u.addr, f->seen_name };
		if (f->ptr_after)
			queue(d, &f->ptr, 0, NULL);
		break;
	case DDNS_NEXT:
		queue(d, &next, f->seen_name, f->ptr_after ? &f->ptr : NULL);
		break;
	case DDNS_CONFLICT:
		d->st.conflicts++;
		NP_LOG_RATELIMIT(NP_LOG_NOTICE, "DNS name %.*s belongs to another client: "
				 "%s leased without it (RFC 4703 §5.3.1)",
				 (int)(strlen(f->what) - 2), f->what, addr);
		break;
	case DDNS_NOT_OWNED:
		d->st.not_owned++;
		NP_LOG_RATELIMIT(NP_LOG_INFO, "DNS name %.*s of %s is another client's: left alone",
				 (int)(strlen(f->what) - 2), f->what, addr);
		break;
	case DDNS_FAILED:
		d->st.failed++;
		NP_LOG_RATELIMIT(NP_LOG_WARNING, "DNS update of %s refused: rcode %d",
				 f->what, rc);
		break;
	}
}

static void on_answer(struct ddns *d, const uint8_t *buf, size_t len)
{
	struct flight was;
	struct np_dns_msg m;

	if (np_dns_msg_parse(buf, len, &m) < 0)
		return;
	for (size_t i = 0; i < FLIGHT_MAX; i++) {
		struct flight *f = &d->fl[i];
		int rc;

		if (!f->used || f->id != m.hdr.id)
			continue;
		rc = ddns_answer_rcode(buf, len, f->id);
		if (rc < 0)
			return;                /* not an UPDATE answer: keep waiting */
		was = *f;                      /* the next step may take the slot */
		done(d, f);
		step_done(d, &was, rc);
		return;
	}
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct ddns *d = arg;
	uint8_t buf[2048];

	(void)what;
	for (int k = 0; k < 64; k++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			continue;      /* ECONNREFUSED (ICMP): the retries go on */
		}
		on_answer(d, buf, (size_t)n);
	}
}

static uint16_t new_id(const struct ddns *d)
{
	uint16_t id;
	bool taken;

	do {
		if (getrandom(&id, sizeof(id), 0) != sizeof(id))
			id = (uint16_t)(mono_ms() * 2654435761u);
		taken = false;
		for (size_t i = 0; i < FLIGHT_MAX; i++)
			taken |= d->fl[i].used && d->fl[i].id == id;
	} while (taken);
	return id;
}

static void queue(struct ddns *d, const struct ddns_update *u, uint32_t remember,
		  const struct ddns_update *ptr_after)
{
	struct flight *f = NULL;
	int n;

	for (size_t i = 0; i < FLIGHT_MAX && f == NULL; i++)
		if (!d->fl[i].used)
			f = &d->fl[i];
	if (f == NULL) {
		d->st.dropped++;
		NP_LOG_RATELIMIT(NP_LOG_WARNING, "DNS updates: %d in flight, one dropped",
				 FLIGHT_MAX);
		return;
	}
	f->id = new_id(d);
	n = ddns_build(u, f->id, f->buf, sizeof(f->buf));
	if (n < 0)
		return;
	f->len = (size_t)n;
	f->u = *u;
	f->ptr_after = ptr_after != NULL;
	if (ptr_after != NULL)
		f->ptr = *ptr_after;
	if (np_dns_name_to_text(u->owner, u->owner_len, f->what, NP_DNS_NAME_TEXT_MAX) < 0)
		f->what[0] = '\0';
	strcat(f->what, u->type == NP_DNS_TYPE_A ? " A" : " PTR");
	f->seen_name = remember;
	f->used = true;
	f->tries = 0;
	d->nflight++;
	d->st.queued++;
	send_flight(d, f);
	arm(d);
}

/* Who holds a name: its owner and its client's DHCID, for the published-name cache. */
static uint32_t name_key(const struct ddns_update *a)
{
	uint32_t h = np_dns_name_hash(a->owner, a->owner_len);

	for (size_t i = 0; i < sizeof(a->dhcid); i++)
		h = (h ^ a->dhcid[i]) * 16777619u;     /* FNV-1a over the DHCID */
	return h | 1;
}

void ddns_name(struct ddns *d, const struct leasedb_rec *rec, enum ddns_op op)
{
	const struct dhcid_client client = { .htype = rec->htype, .hlen = rec->hlen,
					     .chaddr = rec->chaddr, .cid_len = rec->cid_len,
					     .cid = rec->cid };
	struct ddns_update a, ptr;
	bool with_ptr;
	struct seen *s;
	uint32_t h;
	int err;

	if (d == NULL)
		return;
	err = ddns_prepare(rec->hostname, &client, rec->addr, d->conf->zone,
			   d->conf->reverse_zone, op, d->conf->ttl, &a, &ptr);
	if (err == NP_EINVAL || err == NP_ENAME) {
		d->st.invalid_names++;
		NP_LOG_RATELIMIT(NP_LOG_NOTICE, "hostname \"%.63s\" is not a DNS name: not published",
				 rec->hostname);
		return;
	}
	if (err < 0 && err != NP_ENOTFOUND)
		return;
	with_ptr = err == 0 && d->conf->update_ptr;
	h = name_key(&a);
	s = seen_slot(d, rec->addr);
	if (op == DDNS_ADD && s->addr == rec->addr && s->name == h) {
		d->st.unchanged++;
		return;
	}
	if (s->addr == rec->addr)
		*s = (struct seen){ 0, 0 };    /* the name changes or goes */
	if (op == DDNS_ADD) {
		/* The PTR follows once the forward name is ours (RFC 4703 §5.3.2). */
		queue(d, &a, h, with_ptr ? &ptr : NULL);
		return;
	}
	queue(d, &a, 0, NULL);
	if (with_ptr)
		queue(d, &ptr, 0, NULL);
}

void ddns_lease(struct ddns *d, const struct leasedb_rec *rec)
{
	if (d == NULL || rec->type != LEASEDB_REC_LEASE || rec->hostname_len == 0)
		return;
	if (rec->state == LEASE_BOUND)
		ddns_name(d, rec, DDNS_ADD);
	else if (rec->state == LEASE_RELEASED || rec->state == LEASE_EXPIRED)
		ddns_name(d, rec, DDNS_DELETE);
}

struct ddns *ddns_new(struct event_base *base, const struct dhcpd_dns_update *conf)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(conf->server.port),
				   .sin_addr.s_addr = htonl(conf->server.addr) };
	struct ddns *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->base = base;
	d->conf = conf;
	d->st.last_rcode = -1;
	d->seen = calloc(SEEN_SLOTS, sizeof(*d->seen));
	d->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->seen == NULL || d->fd < 0 ||
	    connect(d->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		np_log_err("DNS update socket: %s", strerror(errno));
		ddns_free(d);
		return NULL;
	}
	d->rx_ev = event_new(base, d->fd, EV_READ | EV_PERSIST, on_readable, d);
	d->timer = evtimer_new(base, on_timer, d);
	if (d->rx_ev == NULL || d->timer == NULL || event_add(d->rx_ev, NULL) < 0) {
		ddns_free(d);
		return NULL;
	}
	return d;
}

void ddns_set_conf(struct ddns *d, const struct dhcpd_dns_update *conf)
{
	d->conf = conf;
}

void ddns_free(struct ddns *d)
{
	if (d == NULL)
		return;
	if (d->rx_ev != NULL)
		event_free(d->rx_ev);
	if (d->timer != NULL)
		event_free(d->timer);
	if (d->fd >= 0)
		close(d->fd);
	free(d->seen);
	free(d);
}

const struct ddns_stats *ddns_get_stats(const struct ddns *d)
{
	return &d->st;
}

size_t ddns_in_flight(const struct ddns *d)
{
	return d->nflight;
}
