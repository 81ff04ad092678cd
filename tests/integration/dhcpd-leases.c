/*
 * dhcpd-leases: reads and writes np-dhcpd's lease store with the daemon's
 * own code (libdhcpd), for the namespace scenarios and the benchmark.
 *
 *   dhcpd-leases dump LEASE_FILE
 *       Replays snapshot + journal exactly as np-dhcpd does at start-up
 *       (leasedb_open() into a lease table through lease_apply()) and
 *       prints one line per lease:
 *           ADDRESS STATE MAC CLIENT_ID EXPIRE
 *       STATE is offered, bound, declined, released or expired; MAC is
 *       hlen octets of chaddr ("-" when none), CLIENT_ID hex or "-".
 *       The last line is "# N leases, T torn octets, S skipped octets".
 *   dhcpd-leases fill LEASE_FILE COUNT FIRST_ADDRESS
 *       Writes a snapshot of COUNT bound leases (one day), on consecutive
 *       addresses from FIRST_ADDRESS, for clients 02:xx:xx:xx:xx:xx with a
 *       MAC-based client identifier, as perfdhcp's clients look.
 *
 * Exit 0, or 1 with a message on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lease.h"
#include "leasedb.h"

/* A fixed hash key: the tests do not depend on where entries hash. */
static const struct np_hmap_key test_key = { 0x0123456789abcdefull, 0xfedcba9876543210ull };

static const char *state_name(uint8_t s)
{
	static const char *const names[] = { "free", "offered", "bound", "declined",
					     "released", "expired" };

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

static int replay(void *arg, const struct leasedb_rec *rec)
{
	struct lease_data l;

	leasedb_rec_to_lease(rec, &l);
	(void)lease_apply(arg, &l);
	return 0;
}

static void hex(const uint8_t *p, size_t n, char sep)
{
	if (n == 0) {
		fputs("-", stdout);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && sep)
			putchar(sep);
		printf("%02x", p[i]);
	}
}

static int dump(const char *path)
{
	struct lease_table *t = lease_table_new(&test_key);
	struct leasedb *db;
	struct leasedb_stats st;
	struct lease_data rec;
	struct lease *l;
	size_t cur = 0;
	int err;

	if (t == NULL)
		return -ENOMEM;
	err = leasedb_open(path, replay, t, &db);
	if (err < 0) {
		lease_table_free(t);
		return err;
	}
	leasedb_get_stats(db, &st);
	while ((l = lease_iter(t, &cur)) != NULL) {
		struct in_addr a;

		lease_get(l, &rec);
		a.s_addr = htonl(rec.addr);
		printf("%s %s ", inet_ntoa(a), state_name(rec.state));
		hex(rec.chaddr, rec.hlen, ':');
		putchar(' ');
		hex(rec.cid, rec.cid_len, 0);
		printf(" %lld\n", (long long)rec.expire);
	}
	printf("# %zu leases, %llu torn octets, %llu skipped octets\n", lease_count(t),
	       (unsigned long long)st.torn_bytes, (unsigned long long)st.skipped_bytes);
	leasedb_close(db);
	lease_table_free(t);
	return 0;
}

struct filler {
	uint32_t next, end;
	int64_t now;
};

static int fill_next(void *arg, struct leasedb_rec *rec)
{
	struct filler *f = arg;
	uint32_t i;

	if (f->next == f->end)
		return 0;
	i = f->next;
	memset(rec, 0, sizeof(*rec));
	rec->type = LEASEDB_REC_LEASE;
	rec->state = LEASE_BOUND;
	rec->addr = f->next;
	rec->start = f->now;
	rec->expire = f->now + 86400;
	rec->htype = 1;
	rec->hlen = 6;
	rec->chaddr[0] = 0x02;
	rec->chaddr[1] = 0x10;
	rec->chaddr[2] = (uint8_t)(i >> 24);
	rec->chaddr[3] = (uint8_t)(i >> 16);
	rec->chaddr[4] = (uint8_t)(i >> 8);
	rec->chaddr[5] = (uint8_t)i;
	rec->cid_len = 7;
	rec->cid[0] = 1;
	memcpy(rec->cid + 1, rec->chaddr, 6);
	f->next++;
	return 1;
}

static int fill(const char *path, const char *count, const char *first)
{
	struct filler f = { .now = (int64_t)time(NULL) };
	struct in_addr a;
	struct leasedb *db;
	uint64_t durable;
	char *end;
	unsigned long n = strtoul(count, &end, 10);
	int err;

	if (*end != '\0' || n == 0 || inet_pton(AF_INET, first, &a) != 1)
		return -EINVAL;
	f.next = ntohl(a.s_addr);
	f.end = f.next + (uint32_t)n;
	err = leasedb_open(path, NULL, NULL, &db);
	if (err < 0)
		return err;
	err = leasedb_compact(db, fill_next, &f, &durable);
	leasedb_close(db);
	return err;
}

int main(int argc, char **argv)
{
	int err;

	if (argc == 3 && strcmp(argv[1], "dump") == 0)
		err = dump(argv[2]);
	else if (argc == 5 && strcmp(argv[1], "fill") == 0)
		err = fill(argv[2], argv[3], argv[4]);
	else {
		fprintf(stderr, "usage: dhcpd-leases dump FILE | fill FILE COUNT FIRST_ADDRESS\n");
		return 2;
	}
	if (err < 0) {
		fprintf(stderr, "dhcpd-leases: %s: %s\n", argv[2], strerror(-err));
		return 1;
	}
	return 0;
}
