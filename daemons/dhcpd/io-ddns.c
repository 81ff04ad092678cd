/*
 * io-ddns.c: np-dhcpd's DNS updates on the wire (see io-ddns.h): the
 * socket, the retransmission timer and the random message ids.
 */
#include "io-ddns.h"

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

#include "../common/clock.h"
#include "../common/hashkey.h"
#include "../common/log.h"

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
	struct np_hmap_key key;        /* for the slots and the names' fingerprints */
	struct ddns_stats st;
};

static struct seen *seen_slot(const struct ddns *d, uint32_t addr)
{
	return &d->seen[np_siphash24(&d->key, &addr, sizeof(addr)) & (SEEN_SLOTS - 1)];
}

static int64_t mono_ms(void)
{
	return (int64_t)np_mono_ms();
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

/* f's PTR update, pointing at the derived name next claims instead. */
static const struct ddns_update *derived_ptr(struct flight *f, const struct ddns_update *next)
{
	memcpy(f->ptr.target, next->owner, next->owner_len);
	f->ptr.target_len = next->owner_len;
	return &f->ptr;
}

/* The answer to f (rcode rc): count it, take the next step of RFC 4703. */
static void step_done(struct ddns *d, struct flight *f, int rc)
{
	struct ddns_update next;
	char addr[16], derived[NP_DNS_NAME_TEXT_MAX];

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
	case DDNS_DERIVED:
		d->st.conflicts++;
		d->st.derived++;
		if (np_dns_name_to_text(next.owner, next.owner_len, derived, sizeof(derived)) < 0)
			derived[0] = '\0';
		NP_LOG_RATELIMIT(NP_LOG_NOTICE, "DNS name %.*s belongs to another client: "
				 "%s gets %s instead (RFC 4703 §5.3.1, conflict = \"suffix\")",
				 (int)(strlen(f->what) - 2), f->what, addr, derived);
		queue(d, &next, f->seen_name, f->ptr_after ? derived_ptr(f, &next) : NULL);
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

/*
 * Who holds a name: its owner (without case) and its client's DHCID, for the
 * published-name cache; keyed, so that no client can choose a name whose
 * fingerprint is another's.
 */
static uint32_t name_key(const struct ddns *d, const struct ddns_update *a)
{
	uint8_t k[NP_DNS_NAME_MAX + sizeof(a->dhcid)];

	memcpy(k, a->owner, a->owner_len);
	np_dns_name_lower(k, a->owner_len);
	memcpy(k + a->owner_len, a->dhcid, sizeof(a->dhcid));
	return (uint32_t)np_siphash24(&d->key, k, a->owner_len + sizeof(a->dhcid)) | 1;
}

void ddns_name(struct ddns *d, const struct lease_data *rec, enum ddns_op op)
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
	/* No hardware address to derive from: the "no-name" policy, then. */
	if (d->conf->conflict == DHCPD_DDNS_CONFLICT_SUFFIX)
		(void)ddns_derive(&a, &client, d->conf->zone);
	h = name_key(d, &a);
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
	/* The address's PTR may name the derived name instead (deleting no record is no error). */
	if (with_ptr && a.alt_len > 0) {
		memcpy(ptr.target, a.alt_owner, a.alt_len);
		ptr.target_len = a.alt_len;
		queue(d, &ptr, 0, NULL);
	}
}

void ddns_lease(struct ddns *d, const struct lease_data *l)
{
	int op = ddns_lease_op(l);

	if (d != NULL && op != 0)
		ddns_name(d, l, (enum ddns_op)op);
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
	np_hmap_key_draw(&d->key);
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
