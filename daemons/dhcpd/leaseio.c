/*
 * leaseio.c: the lease store offline: --dump-leases, --import-leases and
 * the store's lock (see leaseio.h).
 */
#include "config.h"

#include "leaseio.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <netproto/error.h>

#include "../common/conf.h"
#include "../common/hashkey.h"
#include "conf.h"
#include "lease.h"
#include "leasedb.h"
#include "leasefmt.h"

int leaseio_lock(const char *lease_file)
{
	char path[512];
	int fd;

	if (snprintf(path, sizeof(path), "%s.lock", lease_file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno == EWOULDBLOCK ? -EWOULDBLOCK : -errno;

		close(fd);
		return err;
	}
	return fd;
}

bool leaseio_wanted(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--dump-leases") == 0 || strcmp(argv[i], "--import-leases") == 0)
			return true;
	return false;
}

/* ---- the config, when given ------------------------------------------------------ */

static void report(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "np-dhcpd: %s\n", msg);
}

static struct dhcpd_conf *load_conf(const char *path)
{
	struct np_conf c;
	struct np_conf_err e;
	struct dhcpd_conf *conf = NULL;

	np_conf_err_init(&e, report, NULL);
	if (np_conf_read(&c, path, &e) == 0)
		conf = dhcpd_conf_load(&c, &e);
	np_conf_free(&c);
	if (conf != NULL && e.count > 0) {
		dhcpd_conf_free(conf);
		conf = NULL;
	}
	return conf;
}

/* The 0-based subnet holding addr, or -1. */
static long subnet_of(const struct dhcpd_conf *c, uint32_t addr)
{
	for (size_t i = 0; c != NULL && i < c->engine.nsubnets; i++) {
		const struct engine_subnet *s = &c->engine.subnets[i];
		uint32_t m = s->prefix ? 0xffffffffu << (32 - s->prefix) : 0;

		if ((addr & m) == (s->addr & m))
			return (long)i;
	}
	return -1;
}

/* ---- --dump-leases ------------------------------------------------------------------ */

static int replay(void *arg, const struct leasedb_rec *rec)
{
	struct lease_data l;

	if (rec->type == LEASEDB_REC_LEASE6)
		return 0;                      /* the IPv4 leases are printed */
	leasedb_rec_to_lease(rec, &l);
	(void)lease_apply(arg, &l);
	return 0;
}

static const char *const state_names[] = {
	[LEASE_FREE] = "free", [LEASE_OFFERED] = "offered", [LEASE_BOUND] = "assigned",
	[LEASE_DECLINED] = "declined", [LEASE_RELEASED] = "released",
	[LEASE_EXPIRED] = "expired-reclaimed",
};

static void hex_text(const uint8_t *p, size_t n, char *out)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		sprintf(out + 3 * i, i + 1 < n ? "%02x:" : "%02x", p[i]);
}

/* The fields of np-ctl's lease4-get-all (control.c). */
static json_t *lease_json(const struct lease_data *l, unsigned subnet_id)
{
	char ip[16], hw[16 * 3 + 1], cid[255 * 3 + 1];
	json_t *o;

	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", l->addr >> 24, (l->addr >> 16) & 255,
		 (l->addr >> 8) & 255, l->addr & 255);
	hex_text(l->chaddr, l->hlen <= 16 ? l->hlen : 16, hw);
	o = json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:i, s:s, s:s}", "ip-address", ip,
		      "hw-address", hw, "subnet-id", (int)subnet_id, "cltt", (json_int_t)l->start,
		      "valid-lft", (json_int_t)(l->expire > l->start ? l->expire - l->start : 0),
		      "expire", (json_int_t)l->expire, "state", leasefmt_kea_state(l->state),
		      "state-name", l->state < 6 ? state_names[l->state] : "unknown", "hostname",
		      l->hostname);
	if (o != NULL && l->cid_len > 0) {
		hex_text(l->cid, l->cid_len, cid);
		json_object_set_new(o, "client-id", json_string(cid));
	}
	return o;
}

static int dump(const char *file, bool json, const struct dhcpd_conf *conf)
{
	struct np_hmap_key key;
	struct lease_table *lt;
	json_t *list = json ? json_array() : NULL;
	size_t cur = 0;
	int err;

	np_hmap_key_draw(&key);
	lt = lease_table_new(&key);
	if (lt == NULL || (json && list == NULL))
		return 1;
	err = leasedb_read(file, replay, lt);
	if (err < 0) {
		fprintf(stderr, "np-dhcpd: --dump-leases %s: %s\n", file, np_strerror(err));
		lease_table_free(lt);
		return 1;
	}
	if (!json)
		printf("%s\n", LEASEFMT_KEA_HEADER);
	for (const struct lease *l; (l = lease_iter(lt, &cur)) != NULL;) {
		struct lease_data d;
		unsigned sid = (unsigned)(subnet_of(conf, l->addr) + 1);
		char line[2048];

		lease_get(l, &d);
		if (json)
			json_array_append_new(list, lease_json(&d, sid));
		else if (leasefmt_kea_line(&d, sid, line, sizeof(line)) >= 0)
			printf("%s\n", line);
	}
	if (json) {
		json_t *o = json_pack("{s:o}", "leases", list);

		json_dumpf(o, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(o);
	}
	lease_table_free(lt);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* ---- --import-leases ------------------------------------------------------------------ */

enum source { SRC_DNSMASQ, SRC_KEA };

struct import {
	struct lease_data *v;
	size_t n, cap;
};

static int import_add(struct import *im, const struct lease_data *l)
{
	if (im->n == im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 64;
		struct lease_data *v = realloc(im->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		im->v = v;
		im->cap = cap;
	}
	im->v[im->n++] = *l;
	return 0;
}

/* Every lease of file, checked against conf's subnets; 0, or 1 after printing why. */
static int read_source(enum source src, const char *file, const struct dhcpd_conf *conf,
		       struct import *im)
{
	FILE *f = fopen(file, "r");
	char line[4096];
	unsigned lineno = 0, bad = 0;
	struct leasefmt_kea_cols cols;
	bool header = src == SRC_KEA;
	int64_t now = (int64_t)time(NULL);

	if (f == NULL) {
		fprintf(stderr, "np-dhcpd: %s: %s\n", file, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		struct lease_data l;
		const char *why = NULL;
		long sidx;
		int rc;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (header) {
			header = false;
			if (leasefmt_kea_header(line, &cols) < 0) {
				fprintf(stderr, "%s:%u: not a Kea lease4 CSV header (address,hwaddr,...)\n",
					file, lineno);
				bad++;
				break;
			}
			continue;
		}
		if (src == SRC_KEA)
			rc = line[0] == '\0' ? 1 : leasefmt_kea_parse(line, &cols, &l, &why);
		else
			rc = leasefmt_dnsmasq_parse(line, now, 0, &l, &why);
		if (rc == 1)
			continue;
		if (rc < 0) {
			fprintf(stderr, "%s:%u: %s\n", file, lineno, why);
			bad++;
			continue;
		}
		sidx = subnet_of(conf, l.addr);
		if (sidx < 0) {
			fprintf(stderr, "%s:%u: address %u.%u.%u.%u is outside the configured subnets\n",
				file, lineno, l.addr >> 24, (l.addr >> 16) & 255, (l.addr >> 8) & 255,
				l.addr & 255);
			bad++;
			continue;
		}
		if (src == SRC_DNSMASQ) {
			uint32_t lt = conf->engine.subnets[sidx].lease_time;

			l.start = l.expire > lt ? l.expire - lt : 0;
		}
		if (import_add(im, &l) < 0) {
			bad++;
			break;
		}
	}
	fclose(f);
	if (bad > 0)
		fprintf(stderr, "np-dhcpd: %s: %u line(s) refused; nothing imported\n", file, bad);
	return bad > 0 ? 1 : 0;
}

static int import(const char *spec, const char *conf_path)
{
	struct dhcpd_conf *conf;
	struct import im = { 0 };
	struct np_hmap_key key;
	struct lease_table *lt = NULL;
	struct leasedb *db = NULL;
	enum source src;
	const char *file;
	uint64_t durable;
	int lock = -1, err, rc = 1;

	if (strncmp(spec, "dnsmasq:", 8) == 0) {
		src = SRC_DNSMASQ;
		file = spec + 8;
	} else if (strncmp(spec, "kea:", 4) == 0) {
		src = SRC_KEA;
		file = spec + 4;
	} else {
		fprintf(stderr, "np-dhcpd: --import-leases wants dnsmasq:FILE or kea:FILE\n");
		return 2;
	}
	conf = load_conf(conf_path);
	if (conf == NULL)
		return 1;
	lock = leaseio_lock(conf->lease_file);
	if (lock < 0) {
		fprintf(stderr, "np-dhcpd: lease file %s: %s; nothing imported\n", conf->lease_file,
			lock == -EWOULDBLOCK ? "in use: np-dhcpd is running (stop it first)"
					     : np_strerror(lock));
		goto out;
	}
	if (read_source(src, file, conf, &im) != 0)
		goto out;
	np_hmap_key_draw(&key);
	lt = lease_table_new(&key);
	if (lt == NULL)
		goto out;
	err = leasedb_open(conf->lease_file, replay, lt, &db);
	if (err < 0) {
		fprintf(stderr, "np-dhcpd: lease file %s: %s\n", conf->lease_file, np_strerror(err));
		goto out;
	}
	for (size_t i = 0; i < im.n; i++) {
		if ((err = lease_apply(lt, &im.v[i])) < 0 ||
		    (err = (int)leasedb_append_lease(db, &im.v[i])) < 0) {
			fprintf(stderr, "np-dhcpd: %s: lease %zu: %s\n", file, i + 1, np_strerror(err));
			goto out;
		}
	}
	err = leasedb_commit(db, &durable);
	if (err < 0) {
		fprintf(stderr, "np-dhcpd: lease file %s: %s\n", conf->lease_file, np_strerror(err));
		goto out;
	}
	printf("imported %zu leases from %s into %s\n", im.n, file, conf->lease_file);
	rc = 0;
out:
	leasedb_close(db);
	lease_table_free(lt);
	free(im.v);
	if (lock >= 0)
		close(lock);
	dhcpd_conf_free(conf);
	return rc;
}

int leaseio_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dump-leases", required_argument, NULL, 'D' },
		{ "import-leases", required_argument, NULL, 'I' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = NULL, *dump_file = NULL, *import_spec = NULL;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (c) {
		case 'c': conf_path = optarg; break;
		case 'D': dump_file = optarg; break;
		case 'I': import_spec = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "csv") != 0) {
				fprintf(stderr, "np-dhcpd: --format is csv or json\n");
				return 2;
			}
			break;
		default:
			return 2;
		}
	}
	if (optind < argc || (dump_file != NULL) == (import_spec != NULL)) {
		fprintf(stderr, "usage: np-dhcpd --dump-leases FILE [--format csv|json] [-c CONFIG]\n"
				"       np-dhcpd [-c CONFIG] --import-leases dnsmasq:FILE|kea:FILE\n");
		return 2;
	}
	if (dump_file != NULL) {
		struct dhcpd_conf *conf = conf_path != NULL ? load_conf(conf_path) : NULL;
		int rc;

		if (conf_path != NULL && conf == NULL)
			return 1;
		rc = dump(dump_file, json, conf);
		dhcpd_conf_free(conf);
		return rc;
	}
	return import(import_spec, conf_path != NULL ? conf_path : DHCPD_DEFAULT_CONFIG);
}
