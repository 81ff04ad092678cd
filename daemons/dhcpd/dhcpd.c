/*
 * dhcpd.c: np-dhcpd's state and lifecycle (see dhcpd.h).
 *
 * Start-up: read the config, build the lease table and the engine, replay
 * the lease store, reclaim what expired while the daemon was down, open
 * the sockets, then READY=1.  A one-second timer reclaims expired leases
 * and compacts the journal when it has grown.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include <netproto/error.h>

#include "clock.h"
#include "../common/daemon.h"
#include "../common/hashkey.h"
#include "../common/log.h"
#include "../common/notify.h"
#include "../common/privdrop.h"
#include "../common/ctl.h"
#include "dhcpd.h"
#include "conf.h"
#include "control.h"
#include "io-ddns.h"
#include "duid.h"
#include "engine.h"
#include "engine6.h"
#include "io.h"
#include "io6.h"
#include "io-ra.h"
#include "lease.h"
#include "lease6.h"
#include "leasedb.h"
#include "probe.h"
#include "leaseio.h"
#include "translog.h"

static int replay_one(void *arg, const struct leasedb_rec *rec)
{
	struct dhcpd *d = arg;
	struct lease_data l;

	if (rec->type == LEASEDB_REC_LEASE6) {
		struct lease6_data l6;

		leasedb_rec_to_lease6(rec, &l6);
		if (lease6_apply(d->lt6, &l6) < 0)
			d->replay_errors++;
		return 0;
	}
	leasedb_rec_to_lease(rec, &l);
	if (lease_apply(d->lt, &l) < 0)
		d->replay_errors++;
	return 0;
}

/* Lease changes in effect (io.c, expiry): names into and out of DNS. */
static void lease_changed(void *arg, const struct engine_change *c)
{
	struct dhcpd *d = arg;

	if (c->dns != 0)
		ddns_name(d->ddns, &c->lease, (enum ddns_op)c->dns);
}

static void log_txn(void *arg, const struct leasefmt_txn *txn)
{
	struct dhcpd *d = arg;

	translog_write(d->tl, txn);
}

/* A binding that ran out, as the transaction log tells it. */
static void log_expiry(struct dhcpd *d, const struct lease_data *l, int64_t now)
{
	struct leasefmt_txn t = { .type = LEASEFMT_EXPIRE, .time = now, .addr = l->addr,
				  .htype = l->htype, .hlen = l->hlen, .cid_len = l->cid_len };

	memcpy(t.chaddr, l->chaddr, sizeof(t.chaddr));
	memcpy(t.cid, l->cid, l->cid_len);
	memcpy(t.hostname, l->hostname, l->hostname_len);
	translog_write(d->tl, &t);
}

static void expired(void *arg, const struct engine_change *c)
{
	struct dhcpd *d = arg;

	(void)leasedb_append_lease(d->db, &c->lease);
	if (c->lease.state == LEASE_EXPIRED)
		log_expiry(d, &c->lease, (int64_t)time(NULL));
	lease_changed(d, c);               /* an expired name leaves DNS */
}

static void expired6(void *arg, const struct engine6_change *c)
{
	struct dhcpd *d = arg;

	(void)leasedb_append_lease6(d->db, &c->lease);
}

/* Every v4 lease, then every v6 lease. */
static int compact_next(void *arg, struct leasedb_rec *rec)
{
	void **it = arg;
	struct lease_table *lt = it[0];
	size_t *cur = it[1];
	struct lease6_table *lt6 = it[2];
	size_t *cur6 = it[3];
	struct lease *l = lease_iter(lt, cur);
	struct lease_data ld;
	struct lease6 *l6;
	struct lease6_data ld6;

	if (l != NULL) {
		lease_get(l, &ld);
		leasedb_rec_of_lease(&ld, rec);
		return 1;
	}
	l6 = lt6 != NULL ? lease6_iter(lt6, cur6) : NULL;
	if (l6 == NULL)
		return 0;
	lease6_get(l6, &ld6);
	leasedb_rec_of_lease6(&ld6, rec);
	return 1;
}

static int compact(struct dhcpd *d)
{
	size_t cur = 0, cur6 = 0;
	void *it[4] = { d->lt, &cur, d->lt6, &cur6 };
	uint64_t durable;
	int err = leasedb_compact(d->db, compact_next, it, &durable);

	return err;
}

/*
 * Say loudly what leasedb_open() recovered from (leasedb.h): which file was
 * damaged or missing, what is lost, how many leases are back, where the
 * damaged file was kept.
 */
static void log_recovery(const char *file, const struct leasedb_recovery *r,
			 const struct leasedb_stats *ls, size_t leases)
{
	if (r->damage & LEASEDB_SNAPSHOT_HEADER_DAMAGED)
		np_log_err("lease file %s.snapshot: header damaged; its %llu records that verify were replayed (kept as %s)",
			   file, (unsigned long long)ls->snapshot_records, r->snapshot_kept);
	if (r->damage & LEASEDB_SNAPSHOT_RECORDS_DAMAGED)
		np_log_err("lease file %s.snapshot: %llu damaged octets skipped: the leases stored there are lost (kept as %s)",
			   file, (unsigned long long)r->snapshot_lost_bytes, r->snapshot_kept);
	if (r->damage & LEASEDB_SNAPSHOT_MISSING)
		np_log_err("lease file %s.snapshot: %s, but the journal is of generation %llu: the leases compacted into that snapshot are lost (how many is unknown); %llu journal records replayed",
			   file, r->snapshot_generation ? "older than the journal" : "missing",
			   (unsigned long long)r->journal_generation,
			   (unsigned long long)ls->journal_records);
	if (r->damage & LEASEDB_JOURNAL_HEADER_DAMAGED)
		np_log_err("lease file %s: journal header damaged; its %llu records that verify were replayed over the snapshot, %llu octets skipped (kept as %s)",
			   file, (unsigned long long)ls->journal_records,
			   (unsigned long long)(ls->skipped_bytes + ls->torn_bytes), r->journal_kept);
	if (r->damage & LEASEDB_JOURNAL_RECORDS_DAMAGED)
		np_log_err("lease file %s: %llu damaged octets skipped inside the journal: the lease changes stored there are lost (kept as %s)",
			   file, (unsigned long long)ls->skipped_bytes, r->journal_kept);
	if (r->damage & LEASEDB_JOURNAL_MISSING)
		np_log_err("lease file %s: journal missing or empty next to a snapshot of generation %llu: every lease change since that snapshot is lost (how many is unknown)",
			   file, (unsigned long long)r->snapshot_generation);
	np_log_warning("lease file %s recovered: %zu leases (%llu from the snapshot, %llu journal records)",
		       file, leases, (unsigned long long)ls->snapshot_records,
		       (unsigned long long)ls->journal_records);
}

static void update_status(struct dhcpd *d)
{
	const struct engine_stats *st = engine_get_stats(d->eng);

	if (d->last_err != 0) {
		np_notify_status("lease file not writable (%s): no ACK is sent",
				 np_strerror(d->last_err));
		return;
	}
	np_notify_status("%zu leases, %llu received, %llu acks", lease_count(d->lt),
			 (unsigned long long)st->pkt4_received,
			 (unsigned long long)st->pkt4_ack_sent);
}

static void on_commit_failed(void *arg, int err)
{
	struct dhcpd *d = arg;

	if (d->last_err == 0)
		np_log_err("cannot write the lease journal: %s; ACKs are withheld until it works",
			   np_strerror(err));
	d->last_err = err;
	update_status(d);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct np_daemon *dm = arg;
	struct dhcpd *d = np_daemon_userdata(dm);
	const struct dhcpd_conf *conf = np_daemon_conf(dm);
	struct leasedb_stats ls;
	uint64_t durable;
	int err;

	(void)fd;
	(void)what;

	engine_expire(d->eng, np_wall_s(), 10000, expired, d);
	if (d->eng6 != NULL)
		engine6_expire(d->eng6, np_wall_s(), 10000, expired6, d);
	err = leasedb_commit(d->db, &durable);
	leasedb_get_stats(d->db, &ls);
	if (err == 0 && ls.journal_records >= conf->compact_every)
		err = compact(d);
	if (err < 0) {
		on_commit_failed(d, err);
		/* A failed sync poisons the journal: a fresh snapshot recovers. */
		if (compact(d) == 0) {
			np_log_notice("lease store rewritten; ACKs resume");
			d->last_err = 0;
		}
	}
	translog_flush(d->tl);
	update_status(d);
}

/*
 * The server DUID (RFC 8415 §11), from LEASE_FILE.duid or made there at the
 * first start from the MAC of the first DHCPv6 interface.
 */
static int server_duid(struct dhcpd *d, struct dhcpd_conf *conf)
{
	char path[sizeof(conf->lease_file) + 8];
	uint8_t mac[6];
	int err;

	snprintf(path, sizeof(path), "%s.duid", conf->lease_file);
	if (access(path, F_OK) != 0 && dhcpd_io6_first_mac(conf, mac) < 0) {
		np_log_err("%s: no server DUID yet, and no interface with a MAC address to make one from",
			   path);
		return -1;
	}
	err = dhcpd_duid_load(path, mac, np_wall_s(), d->duid, &d->duid_len);
	if (err < 0) {
		np_log_err("%s: %s", path,
			   err == -EINVAL ? "does not hold a DUID (hex octets, as 00:01:00:01:...)" :
					    np_strerror(err));
		return -1;
	}
	return 0;
}

/* DHCPv6 beside DHCPv4 when subnets6 are configured: the engine over lt6. */
static int start6(struct dhcpd *d, struct dhcpd_conf *conf)
{
	int err;

	if (conf->engine6.nsubnets == 0)
		return 0;
	if (server_duid(d, conf) < 0)
		return -1;
	conf->engine6.server_duid = d->duid;
	conf->engine6.server_duid_len = d->duid_len;
	err = engine6_new(&conf->engine6, d->lt6, &d->eng6);
	if (err < 0) {
		np_log_err("subnets6: %s", np_strerror(err));
		return -1;
	}
	return 0;
}

int dhcpd_start(struct np_daemon *dm, void *confp)
{
	struct dhcpd_conf *conf = confp;
	struct dhcpd *d = np_daemon_userdata(dm);
	struct timeval one = { 1, 0 };
	struct leasedb_stats ls;
	int err;

	np_daemon_set_log_level(dm, conf->common.log_level);
	d->dm = dm;
	d->lock_fd = -1;
	d->started = np_mono_ms();
	d->reloaded = d->started;
	np_hmap_key_draw(&d->hash_key);
	d->lt = lease_table_new(&d->hash_key);
	d->lt6 = lease6_table_new();
	if (d->lt == NULL || d->lt6 == NULL)
		return -1;
	err = engine_new(&conf->engine, d->lt, &d->eng);
	if (err < 0) {
		np_log_err("configuration: %s", np_strerror(err));
		return -1;
	}
	if (start6(d, conf) < 0)
		return -1;
	if (conf->ping_check &&
	    engine_probe_start(d->eng, ENGINE_PROBE_MAX, ENGINE_PROBE_HELD_MAX,
			       conf->probe_timeout_ms) < 0)
		return -1;
	/* One owner of the store: --import-leases refuses while this is held. */
	d->lock_fd = leaseio_lock(conf->lease_file);
	if (d->lock_fd < 0) {
		np_log_err("lease file %s: %s", conf->lease_file,
			   d->lock_fd == -EWOULDBLOCK ? "in use by another process (its .lock is held)"
						      : np_strerror(d->lock_fd));
		return -1;
	}
	err = leasedb_open(conf->lease_file, replay_one, d, &d->db);
	if (err < 0) {
		np_log_err("lease file %s: %s", conf->lease_file, np_strerror(err));
		return -1;
	}
	leasedb_get_stats(d->db, &ls);
	d->store_damage = leasedb_recovery(d->db)->damage;
	d->store_lost_octets = ls.skipped_bytes + leasedb_recovery(d->db)->snapshot_lost_bytes;
	if (d->store_damage != 0) {
		log_recovery(conf->lease_file, leasedb_recovery(d->db), &ls, lease_count(d->lt));
		/* Rewrite both files from what was recovered before anything is ACKed. */
		if (leasedb_recovery(d->db)->must_compact && (err = compact(d)) < 0) {
			np_log_err("lease file %s: cannot rewrite the recovered store: %s",
				   conf->lease_file, np_strerror(err));
			return -1;
		}
	}
	np_log_info("lease file %s: %llu leases from the snapshot, %llu journal records, %llu torn octets dropped, %llu corrupt octets skipped",
		    conf->lease_file, (unsigned long long)ls.snapshot_records,
		    (unsigned long long)ls.journal_records, (unsigned long long)ls.torn_bytes,
		    (unsigned long long)ls.skipped_bytes);
	if (d->replay_errors)
		np_log_warning("%llu lease records could not be applied",
			       (unsigned long long)d->replay_errors);
	err = dhcpd_io_start(np_daemon_base(dm), conf, d->eng, d->db, on_commit_failed, d, &d->io);
	if (err < 0)
		return -1;
	if (d->eng6 != NULL &&
	    dhcpd_io6_start(np_daemon_base(dm), conf, d->eng6, d->db, on_commit_failed, d,
			    &d->io6) < 0)
		return -1;
	if (conf->dns_update.enabled &&
	    (d->ddns = ddns_new(np_daemon_base(dm), &conf->dns_update)) == NULL)
		return -1;
	dhcpd_io_set_change_hook(d->io, lease_changed, d);
	if ((d->tl = translog_new(conf->transaction_log)) == NULL)
		return -1;
	dhcpd_io_set_txn_hook(d->io, log_txn, d);
	if (dhcpd_ra_start(np_daemon_base(dm), conf->ra, conf->nra, &d->ra) < 0)
		return -1;
	d->tick = event_new(np_daemon_base(dm), -1, EV_PERSIST, on_tick, dm);
	if (d->tick == NULL || event_add(d->tick, &one) < 0)
		return -1;
	if (conf->common.user[0])
		np_daemon_set_privileges(dm, conf->common.user,
					 NP_CAP_NET_RAW | NP_CAP_NET_BIND_SERVICE);
	on_tick(-1, 0, dm);
	return 0;
}

/* The advertising interfaces, in order (their sockets and timers stay on reload). */
static bool dhcpd_ra_same_interfaces(const struct dhcpd_conf *a, const struct dhcpd_conf *b)
{
	if (a->nra != b->nra)
		return false;
	for (size_t i = 0; i < a->nra; i++)
		if (strcmp(a->ra[i].ifname, b->ra[i].ifname) != 0)
			return false;
	return true;
}

static bool same_sockets(const struct dhcpd_conf *a, const struct dhcpd_conf *b)
{
	if (a->ninterfaces != b->ninterfaces || a->engine.nsubnets != b->engine.nsubnets ||
	    strcmp(a->lease_file, b->lease_file) != 0 || a->ping_check != b->ping_check)
		return false;
	for (size_t i = 0; i < a->ninterfaces; i++)
		if (strcmp(a->interfaces[i], b->interfaces[i]) != 0)
			return false;
	for (size_t i = 0; i < a->engine.nsubnets; i++)
		if (strcmp(a->subnet_ifname[i], b->subnet_ifname[i]) != 0)
			return false;
	return true;
}

/*
 * DHCPv6's part of a reload: a new v6 lease table and engine for the new
 * subnets6, every v6 lease carried over (as for DHCPv4).  Whether DHCPv6
 * runs, and on which interfaces, is restart-only (dhcpd_restart_only), so
 * with subnets6 the engine and socket exist already.
 */
static int apply6(struct dhcpd *d, struct dhcpd_conf *nc, struct lease6_table **lt6,
		  struct engine6 **eng6, char *why, size_t cap)
{
	struct lease6_data rec;
	size_t cur = 0;
	int err;

	if (nc->engine6.nsubnets == 0 || d->eng6 == NULL)
		return 0;
	nc->engine6.server_duid = d->duid;
	nc->engine6.server_duid_len = d->duid_len;
	*lt6 = lease6_table_new();
	if (*lt6 == NULL || (err = engine6_new(&nc->engine6, *lt6, eng6)) < 0) {
		snprintf(why, cap, "subnets6: %s", *lt6 ? np_strerror(err) : "out of memory");
		lease6_table_free(*lt6);
		*lt6 = NULL;
		return -1;
	}
	for (const struct lease6 *l; (l = lease6_iter(d->lt6, &cur)) != NULL;) {
		lease6_get(l, &rec);
		(void)lease6_apply(*lt6, &rec);
	}
	return 0;
}

/*
 * Reload: a new lease table and engine for the new subnets, pools,
 * reservations and options, with every lease carried over; sockets and
 * the lease store stay.
 */
int dhcpd_apply(struct np_daemon *dm, void *new_conf, char *why, size_t cap)
{
	struct dhcpd *d = np_daemon_userdata(dm);
	struct dhcpd_conf *nc = new_conf;
	struct lease_table *lt;
	struct engine *eng = NULL;
	const struct dhcpd_dns_update *old_dns;
	struct ddns *dd = NULL;
	struct lease_data rec;
	struct lease6_table *lt6 = NULL;
	struct engine6 *eng6 = NULL;
	size_t cur = 0;
	int err;

	if (!same_sockets(np_daemon_conf(dm), nc)) {
		snprintf(why, cap, "interfaces, subnet interfaces, lease_file and ping_check take "
			 "effect on restart only");
		return -1;
	}
	if (!dhcpd_ra_same_interfaces(np_daemon_conf(dm), nc)) {
		snprintf(why, cap, "router_advertisements interfaces take effect on restart only");
		return -1;
	}
	lt = lease_table_new(&d->hash_key);
	if (lt == NULL || (err = engine_new(&nc->engine, lt, &eng)) < 0) {
		snprintf(why, cap, "subnets: %s", lt ? np_strerror(err) : "out of memory");
		lease_table_free(lt);
		return -1;
	}
	for (const struct lease *l; (l = lease_iter(d->lt, &cur)) != NULL;) {
		lease_get(l, &rec);
		(void)lease_apply(lt, &rec);
	}
	if (apply6(d, nc, &lt6, &eng6, why, cap) < 0) {
		engine_free(eng);
		lease_table_free(lt);
		return -1;
	}
	old_dns = &((const struct dhcpd_conf *)np_daemon_conf(dm))->dns_update;
	if (d->ddns != NULL && nc->dns_update.enabled &&
	    nc->dns_update.server.addr == old_dns->server.addr &&
	    nc->dns_update.server.port == old_dns->server.port) {
		dd = d->ddns;                  /* same server: updates in flight go on */
		ddns_set_conf(dd, &nc->dns_update);
		d->ddns = NULL;
	} else if (nc->dns_update.enabled &&
		   (dd = ddns_new(np_daemon_base(dm), &nc->dns_update)) == NULL) {
		snprintf(why, cap, "dns_update: cannot open its socket");
		engine_free(eng);
		lease_table_free(lt);
		engine6_free(eng6);
		lease6_table_free(lt6);
		return -1;
	}
	if (d->ra != NULL)
		(void)dhcpd_ra_reconfigure(d->ra, nc->ra, nc->nra, why, cap);
	engine_copy_stats(eng, d->eng);
	engine_probe_move(eng, d->eng, nc->probe_timeout_ms);
	dhcpd_io_rebind(d->io, nc, eng);
	engine_free(d->eng);
	lease_table_free(d->lt);
	ddns_free(d->ddns);
	d->eng = eng;
	d->lt = lt;
	if (eng6 != NULL) {
		engine6_copy_stats(eng6, d->eng6);
		dhcpd_io6_rebind(d->io6, nc, eng6);
		engine6_free(d->eng6);
		lease6_table_free(d->lt6);
		d->eng6 = eng6;
		d->lt6 = lt6;
	}
	d->ddns = dd;
	np_daemon_set_log_level(dm, nc->common.log_level);
	translog_reopen(d->tl, nc->transaction_log);   /* a rotated file starts afresh */
	d->reloaded = np_mono_ms();
	np_log_info("configuration reloaded: %zu subnets, %zu leases", nc->engine.nsubnets,
		    lease_count(lt));
	update_status(d);
	return 0;
}

void dhcpd_stop(struct np_daemon *dm)
{
	struct dhcpd *d = np_daemon_userdata(dm);

	if (d->tick != NULL)
		event_free(d->tick);
	dhcpd_ra_stop(d->ra);                /* the final RAs (RFC 4861 §6.2.5) */
	ddns_free(d->ddns);
	dhcpd_io_free(d->io);
	dhcpd_io6_free(d->io6);
	engine6_free(d->eng6);
	translog_free(d->tl);
	leasedb_close(d->db);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	engine_free(d->eng);
	lease_table_free(d->lt);
	lease6_table_free(d->lt6);
	memset(d, 0, sizeof(*d));
}

/* The DHCPv6 socket's interfaces are joined once (conf6.c). */
const struct np_restart_only dhcpd_restart_only[] = {
	{ "subnets6", 0, 0, dhcpd_conf6_same_links },
	{ NULL, 0, 0, NULL },
};

bool dhcpd_healthy(struct np_daemon *dm)
{
	const struct dhcpd *d = np_daemon_userdata(dm);

	return d->last_err == 0;
}
