/* test-dhcpd-leasedb.c: the lease journal, its torn tails, snapshots and crashes. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <netproto/error.h>

#include "leasedb.h"

#define MAXREC 4096

struct fixture {
	char dir[64];
	char path[96];
};

/* What a replay delivered. */
struct seen {
	struct leasedb_rec rec[MAXREC];
	size_t n;
};

static struct seen seen;

static int collect(void *arg, const struct leasedb_rec *rec)
{
	struct seen *s = arg;

	if (s->n < MAXREC)
		s->rec[s->n] = *rec;
	s->n++;
	return 0;
}

static void make_rec(struct leasedb_rec *r, uint32_t i)
{
	memset(r, 0, sizeof(*r));
	r->type = LEASEDB_REC_LEASE;
	r->state = 2;
	r->addr = 0x0a4d0000u + i;
	r->start = 1700000000 + i;
	r->expire = 1700003600 + i;
	r->htype = 1;
	r->hlen = 6;
	memcpy(r->chaddr, "\x02\x00\x5e\x10", 4);
	r->chaddr[4] = (uint8_t)(i >> 8);
	r->chaddr[5] = (uint8_t)i;
	if (i % 3 == 0) {
		r->cid_len = 7;
		r->cid[0] = 1;
		memcpy(r->cid + 1, r->chaddr, 6);
	}
	if (i % 2 == 0)
		r->hostname_len = (uint8_t)snprintf(r->hostname, sizeof(r->hostname), "host-%u", i);
}

static void assert_rec_equal(const struct leasedb_rec *a, const struct leasedb_rec *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->addr, b->addr);
	assert_int_equal(a->start, b->start);
	assert_int_equal(a->expire, b->expire);
	assert_int_equal(a->hlen, b->hlen);
	assert_memory_equal(a->chaddr, b->chaddr, a->hlen);
	assert_int_equal(a->cid_len, b->cid_len);
	assert_memory_equal(a->cid, b->cid, a->cid_len);
	assert_int_equal(a->hostname_len, b->hostname_len);
	assert_string_equal(a->hostname, b->hostname);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/np-leasedb-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/leases", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static struct leasedb *reopen(const struct fixture *f)
{
	struct leasedb *db = NULL;

	seen.n = 0;
	assert_int_equal(leasedb_open(f->path, collect, &seen, &db), 0);
	return db;
}

/* Append recs [from, to) and commit them in one sync. */
static void append_range(struct leasedb *db, uint32_t from, uint32_t to)
{
	struct leasedb_rec r;
	uint64_t durable = 0;
	int64_t seq = 0;

	for (uint32_t i = from; i < to; i++) {
		make_rec(&r, i);
		seq = leasedb_append(db, &r);
		assert_true(seq > 0);
	}
	assert_int_equal(leasedb_commit(db, &durable), 0);
	assert_int_equal(durable, (uint64_t)seq);
	assert_int_equal(leasedb_pending(db), 0);
}

static off_t file_size(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

/* ---- codec ---- */

static void codec_round_trip(void **state)
{
	struct leasedb_rec a, b;
	uint8_t buf[LEASEDB_REC_MAX];
	int n;

	(void)state;
	make_rec(&a, 6);
	n = leasedb_rec_encode(&a, buf, sizeof(buf));
	/* frame 8 + fixed 24 + chaddr 6 + cid 1+7 + hostname 1+6 */
	assert_int_equal(n, 8 + 24 + 6 + 8 + 7);
	assert_int_equal(buf[3], n - 8);
	assert_int_equal(leasedb_rec_decode(buf, (size_t)n, &b), n);
	assert_rec_equal(&a, &b);
	/* Longest fields still fit the declared maximum. */
	a.cid_len = 255;
	a.hlen = 16;
	a.hostname_len = 255;
	memset(a.hostname, 'h', 255);
	a.hostname[255] = '\0';
	n = leasedb_rec_encode(&a, buf, sizeof(buf));
	assert_true(n > 0 && n <= LEASEDB_REC_MAX);
	assert_int_equal(leasedb_rec_decode(buf, (size_t)n, &b), n);
	assert_rec_equal(&a, &b);
}

static void codec_rejects(void **state)
{
	struct leasedb_rec a, b;
	uint8_t buf[LEASEDB_REC_MAX];
	int n;

	(void)state;
	make_rec(&a, 4);
	n = leasedb_rec_encode(&a, buf, sizeof(buf));
	for (int cut = 0; cut < n; cut++)
		assert_int_equal(leasedb_rec_decode(buf, (size_t)cut, &b), NP_ETRUNC);
	buf[20] ^= 0x01;
	assert_int_equal(leasedb_rec_decode(buf, (size_t)n, &b), NP_ECSUM);
	buf[20] ^= 0x01;
	buf[3] ^= 0x01;     /* length changed: the CRC covers it */
	assert_true(leasedb_rec_decode(buf, (size_t)n, &b) < 0);
	buf[3] ^= 0x01;
	memset(buf, 0, 4);
	assert_int_equal(leasedb_rec_decode(buf, (size_t)n, &b), NP_EBADLEN);
	a.hlen = 17;
	assert_int_equal(leasedb_rec_encode(&a, buf, sizeof(buf)), NP_EINVAL);
	a.hlen = 6;
	a.type = 9;
	assert_int_equal(leasedb_rec_encode(&a, buf, sizeof(buf)), NP_EINVAL);
	a.type = LEASEDB_REC_LEASE;
	assert_int_equal(leasedb_rec_encode(&a, buf, 20), NP_ENOSPC);
}

static void crc32c_known_value(void **state)
{
	(void)state;
	/* RFC 3720 appendix B.4: 32 octets of zeros. */
	static const uint8_t zeros[32];

	assert_int_equal(leasedb_crc32c(0, "123456789", 9), 0xe3069283u);
	assert_int_equal(leasedb_crc32c(0, zeros, 32), 0x8a9136aau);
}

/* ---- files ---- */

/* A DHCPv6 lease, as the v6 engine reports it. */
static void make_lease6(struct lease6_data *l, uint32_t i)
{
	memset(l, 0, sizeof(*l));
	l->kind = i % 2 ? LEASE6_PD : LEASE6_NA;
	l->plen = i % 2 ? 56 : 128;
	memcpy(l->addr, "\x20\x01\x0d\xb8\x00\x01", 6);
	l->addr[14] = (uint8_t)(i >> 8);
	l->addr[15] = (uint8_t)i;
	l->state = 2;
	l->iaid = 0x0c000000u + i;
	l->start = 1700000000 + i;
	l->preferred = 1700003000 + i;
	l->expire = 1700004000 + i;
	l->duid_len = 14;
	memcpy(l->duid, "\x00\x01\x00\x01\x32\xaa\x09\xb0\x02\x00\x00\x00\x00\x0c", 14);
	l->duid[13] = (uint8_t)i;
	if (i % 2 == 0)
		l->hostname_len = (uint8_t)snprintf(l->hostname, sizeof(l->hostname), "v6-%u", i);
}

/* v4 and v6 records in one journal: each replays as what it was, in order. */
static void v6_records_beside_v4(void **state)
{
	struct fixture *f = *state;
	struct leasedb *db = reopen(f);
	struct lease6_data l6, back;
	struct leasedb_rec r;
	uint8_t buf[LEASEDB_REC_MAX];
	uint64_t durable;
	int n;

	make_lease6(&l6, 7);
	leasedb_rec_of_lease6(&l6, &r);
	n = leasedb_rec_encode(&r, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(leasedb_rec_decode(buf, (size_t)n, &r), n);
	leasedb_rec_to_lease6(&r, &back);
	assert_memory_equal(&back, &l6, sizeof(l6));
	buf[LEASEDB_FRAME_LEN + 1 + 1 + 1 + 1 + 16 + 4 + 24] = 200;   /* a DUID length past the payload */
	assert_true(leasedb_rec_decode(buf, (size_t)n, &r) < 0);

	for (uint32_t i = 0; i < 20; i++) {
		make_rec(&r, i);
		assert_true(leasedb_append(db, &r) > 0);
		make_lease6(&l6, i);
		assert_true(leasedb_append_lease6(db, &l6) > 0);
	}
	assert_int_equal(leasedb_commit(db, &durable), 0);
	assert_int_equal(durable, 40);
	leasedb_close(db);
	db = reopen(f);
	assert_int_equal(seen.n, 40);
	for (uint32_t i = 0; i < 20; i++) {
		make_rec(&r, i);
		assert_rec_equal(&seen.rec[2 * i], &r);
		assert_int_equal(seen.rec[2 * i + 1].type, LEASEDB_REC_LEASE6);
		leasedb_rec_to_lease6(&seen.rec[2 * i + 1], &back);
		make_lease6(&l6, i);
		assert_memory_equal(&back, &l6, sizeof(l6));
	}
	leasedb_close(db);
}

static void replay_after_clean_close(void **state)
{
	struct fixture *f = *state;
	struct leasedb *db = reopen(f);
	struct leasedb_stats st;
	struct leasedb_rec r;

	assert_int_equal(seen.n, 0);
	append_range(db, 0, 50);
	append_range(db, 50, 51);
	leasedb_close(db);

	db = reopen(f);
	assert_int_equal(seen.n, 51);
	for (uint32_t i = 0; i < 51; i++) {
		make_rec(&r, i);
		assert_rec_equal(&seen.rec[i], &r);
	}
	leasedb_get_stats(db, &st);
	assert_int_equal(st.journal_records, 51);
	assert_int_equal(st.torn_bytes, 0);
	assert_int_equal(st.journal_bytes, (uint64_t)file_size(f->path));
	leasedb_close(db);
}

static void close_commits_pending(void **state)
{
	struct fixture *f = *state;
	struct leasedb *db = reopen(f);
	struct leasedb_rec r;

	make_rec(&r, 1);
	assert_int_equal(leasedb_append(db, &r), 1);
	assert_int_equal(leasedb_pending(db), 1);
	leasedb_close(db);
	db = reopen(f);
	assert_int_equal(seen.n, 1);
	leasedb_close(db);
}

static void copy_prefix(const char *from, const char *to, off_t len)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	assert_true(in >= 0 && out >= 0);
	n = read(in, buf, sizeof(buf));
	assert_true(n >= len);
	assert_int_equal(write(out, buf, (size_t)len), len);
	close(in);
	close(out);
}

static void torn_tail_every_offset(void **state)
{
	struct fixture *f = *state;
	struct leasedb *db = reopen(f);
	struct leasedb_stats st;
	char saved[128];
	off_t before, after;

	append_range(db, 0, 3);
	before = file_size(f->path);
	append_range(db, 3, 4);
	after = file_size(f->path);
	leasedb_close(db);
	snprintf(saved, sizeof(saved), "%s/saved", f->dir);
	copy_prefix(f->path, saved, after);

	for (off_t cut = before; cut < after; cut++) {
		copy_prefix(saved, f->path, cut);
		db = reopen(f);
		assert_int_equal(seen.n, 3);
		assert_int_equal(seen.rec[2].addr, 0x0a4d0002u);
		leasedb_get_stats(db, &st);
		assert_int_equal(st.torn_bytes, (uint64_t)(cut - before));
		/* The torn record is cut off, so new records follow good ones. */
		assert_int_equal(file_size(f->path), before);
		append_range(db, 10, 11);
		leasedb_close(db);
		db = reopen(f);
		assert_int_equal(seen.n, 4);
		assert_int_equal(seen.rec[3].addr, 0x0a4d000au);
		leasedb_close(db);
	}
	/* The whole file replays all four. */
	copy_prefix(saved, f->path, after);
	db = reopen(f);
	assert_int_equal(seen.n, 4);
	leasedb_close(db);
}

static void flip_byte(const char *path, off_t off)
{
	int fd = open(path, O_RDWR);
	uint8_t b;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, off), 1);
	b ^= 0x40;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

static void corrupt_checksum_in_middle_is_skipped(void **state)
{
	struct fixture *f = *state;
	struct leasedb *db = reopen(f);
	struct leasedb_stats st;
	off_t a, b;

	append_range(db, 0, 1);
	a = file_size(f->path);
	append_range(db, 1, 2);
	b = file_size(f->path);
	append_range(db, 2, 3);
	leasedb_close(db);

	flip_byte(f->path, a + 12);     /* inside record 1's payload */
	db = reopen(f);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.rec[0].addr, 0x0a4d0000u);
	assert_int_equal(seen.rec[1].addr, 0x0a4d0002u);
	leasedb_get_stats(db, &st);
	assert_int_equal(st.skipped_bytes, (uint64_t)(b - a));
	assert_int_equal(st.torn_bytes, 0);
	assert_int_equal(leasedb_recovery(db)->damage, LEASEDB_JOURNAL_RECORDS_DAMAGED);
	assert_non_null(leasedb_recovery(db)->journal_kept);
	leasedb_close(db);
}

static void corrupt_checksum_at_end_is_dropped(void **state)
{
	struct fixture *f = *state;
	struct leasedb *db = reopen(f);
	struct leasedb_stats st;
	off_t a, b;

	append_range(db, 0, 2);
	a = file_size(f->path);
	append_range(db, 2, 3);
	b = file_size(f->path);
	leasedb_close(db);
	flip_byte(f->path, b - 1);
	db = reopen(f);
	assert_int_equal(seen.n, 2);
	leasedb_get_stats(db, &st);
	assert_int_equal(st.torn_bytes, (uint64_t)(b - a));
	leasedb_close(db);
	assert_int_equal(file_size(f->path), a);
}

/* Compaction: the snapshot yields these; the caller's table, in short. */
struct iter {
	uint32_t next, end;
};

static int iter_next(void *arg, struct leasedb_rec *rec)
{
	struct iter *it = arg;

	if (it->next >= it->end)
		return 0;
	make_rec(rec, it->next++);
	return 1;
}

/* A file that is not a lease store is refused and left as it is. */
static void foreign_file_refused(void **state)
{
	struct fixture *f = *state;
	struct leasedb *db = NULL;
	char kept[160];
	int fd;

	fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, "not a lease file at all, really", 31), 31);
	close(fd);
	assert_int_equal(leasedb_open(f->path, collect, &seen, &db), -EBADMSG);
	assert_null(db);
	assert_int_equal(file_size(f->path), 31);
	snprintf(kept, sizeof(kept), "ls '%s' | grep -q damaged", f->dir);
	assert_int_not_equal(system(kept), 0);
}

/* The leases of make_rec(first..first+n) were replayed, each once, in order. */
static void assert_seen_range(size_t at, uint32_t first, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(seen.rec[at + i].addr, 0x0a4d0000u + first + i);
}

/* The file kept aside holds exactly the damaged octets. */
static void assert_kept_copy(const char *kept, const char *orig)
{
	char cmd[512];

	assert_non_null(kept);
	assert_non_null(strstr(kept, ".damaged-"));
	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", kept, orig);
	assert_int_equal(system(cmd), 0);
}

/* A store of 10 compacted leases (100..109) and 5 journal records (200..204). */
static void build_store(struct fixture *f)
{
	struct leasedb *db = reopen(f);
	struct iter it = { 100, 110 };
	uint64_t durable;

	append_range(db, 0, 3);
	assert_int_equal(leasedb_compact(db, iter_next, &it, &durable), 0);
	append_range(db, 200, 205);
	leasedb_close(db);
}

/* Commits are refused until compaction rewrote the store; then it opens clean. */
static void assert_compaction_heals(struct fixture *f, struct leasedb *db, size_t leases)
{
	struct iter it = { 100, 100 + (uint32_t)leases };
	struct leasedb_rec r;
	uint64_t durable;

	assert_true(leasedb_recovery(db)->must_compact);
	make_rec(&r, 300);
	if (leasedb_append(db, &r) > 0)
		assert_int_equal(leasedb_commit(db, &durable), -EIO);
	assert_int_equal(leasedb_compact(db, iter_next, &it, &durable), 0);
	leasedb_close(db);
	db = reopen(f);
	assert_int_equal(leasedb_recovery(db)->damage, 0);
	assert_int_equal(seen.n, leases);
	leasedb_close(db);
}

static void journal_header_damaged_is_recovered(void **state)
{
	struct fixture *f = *state;
	char copy[160];
	struct leasedb *db;

	build_store(f);
	for (off_t off = 0; off < LEASEDB_HDR_LEN; off += 5) {
		flip_byte(f->path, off);    /* magic, version, kind, generation, CRC */
		snprintf(copy, sizeof(copy), "%s/damaged", f->dir);
		copy_prefix(f->path, copy, file_size(f->path));
		db = reopen(f);
		assert_int_equal(seen.n, 15);
		assert_seen_range(0, 100, 10);
		assert_seen_range(10, 200, 5);
		assert_int_equal(leasedb_recovery(db)->damage, LEASEDB_JOURNAL_HEADER_DAMAGED);
		assert_kept_copy(leasedb_recovery(db)->journal_kept, copy);
		unlink(leasedb_recovery(db)->journal_kept);
		leasedb_close(db);
		flip_byte(f->path, off);    /* undamaged again for the next round */
	}
	flip_byte(f->path, 17);
	db = reopen(f);
	assert_compaction_heals(f, db, 15);
}

static void snapshot_header_damaged_is_recovered(void **state)
{
	struct fixture *f = *state;
	char snap[160], copy[160];
	struct leasedb *db;

	build_store(f);
	snprintf(snap, sizeof(snap), "%s.snapshot", f->path);
	snprintf(copy, sizeof(copy), "%s/damaged", f->dir);
	flip_byte(snap, 3);
	copy_prefix(snap, copy, file_size(snap));
	db = reopen(f);
	assert_int_equal(seen.n, 15);
	assert_seen_range(0, 100, 10);
	assert_seen_range(10, 200, 5);
	assert_int_equal(leasedb_recovery(db)->damage, LEASEDB_SNAPSHOT_HEADER_DAMAGED);
	assert_kept_copy(leasedb_recovery(db)->snapshot_kept, copy);
	assert_compaction_heals(f, db, 15);
}

static void snapshot_record_damaged_loses_only_it(void **state)
{
	struct fixture *f = *state;
	char snap[160];
	struct leasedb *db;

	build_store(f);
	snprintf(snap, sizeof(snap), "%s.snapshot", f->path);
	flip_byte(snap, LEASEDB_HDR_LEN + LEASEDB_FRAME_LEN + 5);   /* lease 100 */
	db = reopen(f);
	assert_int_equal(seen.n, 14);
	assert_seen_range(0, 101, 9);
	assert_seen_range(9, 200, 5);
	assert_int_equal(leasedb_recovery(db)->damage, LEASEDB_SNAPSHOT_RECORDS_DAMAGED);
	assert_true(leasedb_recovery(db)->snapshot_lost_bytes > 0);
	assert_non_null(leasedb_recovery(db)->snapshot_kept);
	assert_compaction_heals(f, db, 14);
}

static void snapshot_deleted_is_said(void **state)
{
	struct fixture *f = *state;
	char snap[160];
	struct leasedb *db;

	build_store(f);
	snprintf(snap, sizeof(snap), "%s.snapshot", f->path);
	assert_int_equal(unlink(snap), 0);
	db = reopen(f);
	assert_int_equal(seen.n, 5);
	assert_seen_range(0, 200, 5);
	assert_int_equal(leasedb_recovery(db)->damage, LEASEDB_SNAPSHOT_MISSING);
	assert_int_equal(leasedb_recovery(db)->journal_generation, 1);
	assert_compaction_heals(f, db, 5);
}

static void journal_deleted_is_said(void **state)
{
	struct fixture *f = *state;
	struct leasedb *db;
	struct leasedb_rec r;
	uint64_t durable;

	build_store(f);
	assert_int_equal(unlink(f->path), 0);
	db = reopen(f);
	assert_int_equal(seen.n, 10);
	assert_seen_range(0, 100, 10);
	assert_int_equal(leasedb_recovery(db)->damage, LEASEDB_JOURNAL_MISSING);
	assert_int_equal(leasedb_recovery(db)->snapshot_generation, 1);
	/* A fresh journal of the snapshot's generation takes commits at once. */
	assert_false(leasedb_recovery(db)->must_compact);
	make_rec(&r, 300);
	assert_true(leasedb_append(db, &r) > 0);
	assert_int_equal(leasedb_commit(db, &durable), 0);
	leasedb_close(db);
	db = reopen(f);
	assert_int_equal(leasedb_recovery(db)->damage, 0);
	assert_int_equal(seen.n, 11);
	leasedb_close(db);
}

static void compaction_then_replay(void **state)
{
	struct fixture *f = *state;
	struct leasedb *db = reopen(f);
	struct leasedb_stats st;
	struct iter it = { 100, 110 };
	struct leasedb_rec r;
	uint64_t durable = 0;
	char old[128];

	append_range(db, 0, 100);
	make_rec(&r, 999);
	assert_int_equal(leasedb_append(db, &r), 101);      /* pending, covered by the snapshot */
	snprintf(old, sizeof(old), "%s/old-journal", f->dir);
	copy_prefix(f->path, old, file_size(f->path));
	assert_int_equal(leasedb_compact(db, iter_next, &it, &durable), 0);
	assert_int_equal(durable, 101);
	assert_int_equal(leasedb_pending(db), 0);
	assert_int_equal(file_size(f->path), LEASEDB_HDR_LEN);
	append_range(db, 200, 205);
	leasedb_close(db);

	db = reopen(f);
	assert_int_equal(seen.n, 15);
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(seen.rec[i].addr, 0x0a4d0000u + 100 + i);
	assert_int_equal(seen.rec[10].addr, 0x0a4d0000u + 200);
	leasedb_get_stats(db, &st);
	assert_int_equal(st.generation, 1);
	assert_int_equal(st.snapshot_records, 10);
	assert_int_equal(st.journal_records, 5);
	leasedb_close(db);

	/* A crash between the two renames leaves the old journal: ignored. */
	copy_prefix(old, f->path, file_size(old));
	db = reopen(f);
	assert_int_equal(seen.n, 10);
	leasedb_close(db);
	assert_int_equal(file_size(f->path), LEASEDB_HDR_LEN);

	/* A snapshot is never torn: its damaged last record is lost, said so, kept aside. */
	snprintf(old, sizeof(old), "%s.snapshot", f->path);
	flip_byte(old, file_size(old) - 3);
	db = reopen(f);
	assert_int_equal(seen.n, 9);
	assert_int_equal(leasedb_recovery(db)->damage, LEASEDB_SNAPSHOT_RECORDS_DAMAGED);
	assert_non_null(leasedb_recovery(db)->snapshot_kept);
	leasedb_close(db);
}

static void write_failure_is_reported(void **state)
{
	struct fixture *f = *state;
	struct leasedb *db = reopen(f);
	struct iter it = { 0, 3 };
	struct leasedb_rec r;
	uint64_t durable = 77;
	int ro, fd;

	append_range(db, 0, 3);
	/* Make the journal descriptor read-only: the write fails. */
	fd = leasedb_journal_fd(db);
	ro = open(f->path, O_RDONLY);
	assert_true(ro >= 0);
	assert_int_equal(dup2(ro, fd), fd);
	close(ro);
	make_rec(&r, 3);
	assert_int_equal(leasedb_append(db, &r), 4);
	assert_true(leasedb_commit(db, &durable) < 0);
	assert_int_equal(durable, 77);          /* untouched: nothing to ACK */
	assert_int_equal(leasedb_pending(db), 0);
	/* Not trusted until a compaction writes new files. */
	assert_int_equal(leasedb_append(db, &r), -EIO);
	assert_int_equal(leasedb_compact(db, iter_next, &it, &durable), 0);
	assert_int_equal(durable, 4);    /* what the table holds is on disk now */
	append_range(db, 3, 4);
	leasedb_close(db);
	db = reopen(f);
	assert_int_equal(seen.n, 4);
	leasedb_close(db);
}

struct range {
	uint32_t from, to;      /* ACKed: [from, to) */
	uint32_t have;
	uint32_t next;          /* the next one expected, in order */
};

static int count_range(void *arg, const struct leasedb_rec *rec)
{
	struct range *rg = arg;
	uint32_t i = rec->addr - 0x0a4d0000u;

	if (i >= rg->from && i < rg->to) {
		if (i != rg->from + rg->next)
			return -1;
		rg->next++;
		rg->have++;
	}
	return 0;
}

/*
 * Crash simulation: a child appends and commits in batches and reports every
 * durable sequence number (its "ACKs") through a pipe; it is killed with
 * SIGKILL mid-stream.  Every reported record must replay.
 */
static void kill9_keeps_committed(void **state)
{
	struct fixture *f = *state;

	for (int round = 0; round < 5; round++) {
		struct leasedb *db;
		uint64_t acked = 0, v;
		int p[2];
		pid_t pid;

		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct leasedb *cdb = NULL;
			struct leasedb_rec r;
			uint64_t durable;
			uint32_t i = 0;

			close(p[0]);
			seen.n = 0;
			if (leasedb_open(f->path, NULL, NULL, &cdb) != 0)
				_exit(2);
			for (;;) {
				uint32_t batch = 1 + (i * 7) % 13;

				for (uint32_t k = 0; k < batch; k++, i++) {
					make_rec(&r, round * 1000000u + i);
					if (leasedb_append(cdb, &r) < 0)
						_exit(3);
				}
				if (leasedb_commit(cdb, &durable) != 0)
					_exit(4);
				v = round * 1000000u + i;   /* records below v are durable */
				if (write(p[1], &v, sizeof(v)) != sizeof(v))
					_exit(5);
			}
		}
		close(p[1]);
		for (int k = 0; k < 20 + round * 37; k++) {
			assert_int_equal(read(p[0], &v, sizeof(v)), sizeof(v));
			acked = v;
		}
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, NULL, 0), pid);
		/* The last ones may still be in the pipe: they were ACKed too. */
		while (read(p[0], &v, sizeof(v)) == sizeof(v))
			acked = v;
		close(p[0]);

		{
			struct range rg = { round * 1000000u, (uint32_t)acked, 0, 0 };

			db = NULL;
			assert_int_equal(leasedb_open(f->path, count_range, &rg, &db), 0);
			/* Each ACKed record once, and in order. */
			assert_int_equal(rg.have, acked - rg.from);
			leasedb_close(db);
		}
		/* Start the next round from a compacted file so it stays small. */
		{
			struct iter it = { 0, 0 };
			uint64_t d;

			db = reopen(f);
			assert_int_equal(leasedb_compact(db, iter_next, &it, &d), 0);
			leasedb_close(db);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codec_round_trip),
		cmocka_unit_test(codec_rejects),
		cmocka_unit_test(crc32c_known_value),
		cmocka_unit_test_setup_teardown(replay_after_clean_close, setup, teardown),
		cmocka_unit_test_setup_teardown(v6_records_beside_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(close_commits_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(torn_tail_every_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(corrupt_checksum_in_middle_is_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(corrupt_checksum_at_end_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(foreign_file_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(compaction_then_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(journal_header_damaged_is_recovered, setup, teardown),
		cmocka_unit_test_setup_teardown(snapshot_header_damaged_is_recovered, setup, teardown),
		cmocka_unit_test_setup_teardown(snapshot_record_damaged_loses_only_it, setup, teardown),
		cmocka_unit_test_setup_teardown(snapshot_deleted_is_said, setup, teardown),
		cmocka_unit_test_setup_teardown(journal_deleted_is_said, setup, teardown),
		cmocka_unit_test_setup_teardown(write_failure_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(kill9_keeps_committed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
