/*
 * leasedb.h: the durable lease store of np-dhcpd.
 *
 * Two files next to each other:
 *   LEASE_FILE           the journal: a header, then records appended as
 *                        leases change;
 *   LEASE_FILE.snapshot  a compacted copy of every lease at one moment.
 * and LEASE_FILE.tmp while a compaction writes a new file.
 *
 * Each file starts with a 24-octet header: the magic "NPDHCPLS", a format
 * version, the kind (journal or snapshot), a generation number and a CRC32C
 * of the header.  Each record is framed as
 *     length (be32, of the payload)  crc32c (be32, of length and payload)  payload
 * and its payload is one lease in full (leasedb_rec below), so replay is
 * "last record for an address wins" and replaying a record twice is harmless.
 *
 * Durability contract (RFC 2131 §4.3.1 says a server MUST commit a binding
 * to persistent storage before its DHCPACK):
 *   seq = leasedb_append(db, &rec);   only buffered, nothing is promised yet
 *   ...                               more appends from the same event-loop turn
 *   leasedb_commit(db, &durable);     one write() and one fdatasync()
 * Every record with seq <= durable is on stable storage; the caller sends the
 * ACKs of exactly those.  When commit fails, the records it covered are NOT
 * durable (they are cut from the file when possible) and the caller must not
 * ACK them.  After a failed fdatasync() the kernel may have dropped the dirty
 * pages, so the journal is not trusted again: every later commit fails until
 * leasedb_compact() has written a fresh snapshot and journal.
 *
 * Compaction writes every lease into LEASE_FILE.tmp, fsyncs it, renames it
 * to LEASE_FILE.snapshot, fsyncs the directory, then does the same for an
 * empty journal with the same generation.  A journal whose generation is
 * older than the snapshot's is one a crash left behind between the two
 * renames; all its records are in the snapshot, so it is ignored.
 *
 * Opening replays the snapshot and then the journal through a callback.  A
 * record that does not verify at the end of the journal is a torn write of a
 * crash (never ACKed, since it was never synced): the file is truncated
 * there.  A bad record followed by good ones (media corruption) is skipped
 * and counted, and replay resumes at the next record that verifies.
 *
 * Damage is recovered from, not refused (leasedb_recovery() says what was
 * found; the daemon logs it and compacts at once).  Every record carries
 * its own CRC, so what verifies is replayed wherever it lies:
 *   - a journal header that does not verify: its generation is unknown, but
 *     a journal is only ever of the snapshot's generation or, after a crash
 *     between the two renames of a compaction, of the one before, whose
 *     records the snapshot already holds in their final state.  Replaying
 *     its records over the snapshot is right in the first case and changes
 *     nothing in the second, so they are replayed;
 *   - a snapshot header that does not verify: its records are replayed, then
 *     the journal's; a damaged record inside the snapshot is skipped (the
 *     leases it held are lost, counted in octets);
 *   - no snapshot while the journal's generation says one was written: the
 *     leases compacted into it are lost (how many is unknown); the journal
 *     is replayed;
 *   - no journal (or an empty one) next to a snapshot: the changes since the
 *     snapshot are lost; the snapshot is replayed.
 * A damaged file is first copied to FILE.damaged-YYYYMMDDTHHMMSS next to it
 * for inspection.  After a damaged journal header or damaged journal records
 * commits are refused (-EIO) until leasedb_compact() has rewritten the store,
 * since appending behind a damaged header would make the damage permanent.
 * A file that is not a lease store at all (no magic, no record that
 * verifies after the header) is refused with -EBADMSG, never overwritten.
 *
 * File functions return 0 or -errno (-EBADMSG for a file that is not a lease
 * store, -EPROTONOSUPPORT for another format version).  The pure record
 * codec below returns libnetproto NP_E* codes.  Single-threaded; no logging.
 */
#ifndef NP_DHCPD_LEASEDB_H
#define NP_DHCPD_LEASEDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lease.h"
#include "lease6.h"

#define LEASEDB_VERSION 1
#define LEASEDB_HDR_LEN 24
#define LEASEDB_FRAME_LEN 8          /* length + crc */
#define LEASEDB_PAYLOAD_MAX 1024     /* a full record is about 560 */
#define LEASEDB_REC_MAX (LEASEDB_FRAME_LEN + LEASEDB_PAYLOAD_MAX)

enum leasedb_kind {
	LEASEDB_JOURNAL = 1,
	LEASEDB_SNAPSHOT = 2,
};

enum leasedb_rec_type {
	LEASEDB_REC_LEASE = 1,      /* the lease of addr is now exactly this */
	LEASEDB_REC_FREE = 2,       /* addr has no lease any more */
	/*
	 * A DHCPv6 lease (lease6.h): the lease of (kind, addr6) is now exactly
	 * this, or, with state LEASE_FREE, there is none.  Its payload is laid
	 * out apart (type, state, kind, plen, addr6, iaid, start, preferred,
	 * expire, duid, hostname); v4 records are unchanged by it.
	 */
	LEASEDB_REC_LEASE6 = 3,
};

/* One lease as stored.  Times are wall-clock seconds (they outlive a boot). */
struct leasedb_rec {
	uint8_t type;               /* leasedb_rec_type */
	uint8_t state;              /* lease.h's enum lease_state, opaque here */
	uint32_t addr;              /* host order */
	int64_t start;              /* when the client last got it (cltt) */
	int64_t expire;
	uint8_t htype;
	uint8_t hlen;               /* <= 16 */
	uint8_t chaddr[16];
	uint8_t cid_len;            /* 0: no client identifier (option 61) */
	uint8_t cid[255];
	uint8_t hostname_len;
	char hostname[256];         /* hostname_len octets, then NUL */
	/* LEASEDB_REC_LEASE6 only (start, expire, hostname above are shared) */
	uint8_t kind6;              /* lease6.h's enum lease6_kind */
	uint8_t plen6;
	uint8_t addr6[16];
	uint32_t iaid;
	int64_t preferred;
	uint8_t duid_len;
	uint8_t duid[130];
};

/* ---- Record codec (pure) --------------------------------------------- */

/*
 * A lease (lease.h) as a record and back: state LEASE_FREE is a
 * LEASEDB_REC_FREE record of the address alone.  A LEASEDB_REC_LEASE
 * record must name a state; one that does not becomes a lease_data that
 * lease_apply() refuses.
 */
void leasedb_rec_of_lease(const struct lease_data *l, struct leasedb_rec *rec);
void leasedb_rec_to_lease(const struct leasedb_rec *rec, struct lease_data *l);
/* A DHCPv6 lease (lease6.h) as a LEASEDB_REC_LEASE6 record and back. */
void leasedb_rec_of_lease6(const struct lease6_data *l, struct leasedb_rec *rec);
void leasedb_rec_to_lease6(const struct leasedb_rec *rec, struct lease6_data *l);
/* leasedb_append() of a DHCPv6 lease's record. */
struct leasedb;
int64_t leasedb_append_lease6(struct leasedb *db, const struct lease6_data *l);

uint32_t leasedb_crc32c(uint32_t crc, const void *data, size_t len);

/* Frame rec into buf: the length written, NP_ENOSPC or NP_EINVAL. */
int leasedb_rec_encode(const struct leasedb_rec *rec, uint8_t *buf, size_t cap);
/*
 * Decode the framed record at the start of buf: the octets it takes, or
 * NP_ETRUNC (buf ends inside it), NP_EBADLEN (length 0 or above
 * LEASEDB_PAYLOAD_MAX, or fields that do not fill the payload exactly),
 * NP_ECSUM, NP_ETYPE (unknown record type).  *out is written only on
 * success.
 */
int leasedb_rec_decode(const uint8_t *buf, size_t len, struct leasedb_rec *out);

/* ---- Files ------------------------------------------------------------ */

struct leasedb;

/* Called for each record replayed, in order; non-zero stops with that value. */
typedef int (*leasedb_replay_fn)(void *arg, const struct leasedb_rec *rec);
/* Called by compaction for each lease to store: 1 with *rec filled, 0 at the end. */
typedef int (*leasedb_iter_fn)(void *arg, struct leasedb_rec *rec);

struct leasedb_stats {
	uint64_t snapshot_records;  /* replayed from the snapshot */
	uint64_t journal_records;   /* replayed from the journal, plus appended since */
	uint64_t torn_bytes;        /* cut from the end of the journal at open */
	uint64_t skipped_bytes;     /* corrupt octets skipped inside the journal at open */
	uint64_t journal_bytes;     /* current size of the journal */
	uint64_t commits;           /* successful syncs */
	uint64_t generation;
};

/* What leasedb_open() found damaged or missing (leasedb.h's top comment). */
enum leasedb_damage {
	LEASEDB_JOURNAL_HEADER_DAMAGED = 1u << 0,
	LEASEDB_JOURNAL_RECORDS_DAMAGED = 1u << 1,  /* octets skipped between good records */
	LEASEDB_JOURNAL_MISSING = 1u << 2,          /* absent or empty next to a snapshot */
	LEASEDB_SNAPSHOT_HEADER_DAMAGED = 1u << 3,
	LEASEDB_SNAPSHOT_RECORDS_DAMAGED = 1u << 4,
	LEASEDB_SNAPSHOT_MISSING = 1u << 5,         /* the journal's generation says one existed */
};

struct leasedb_recovery {
	unsigned damage;                /* enum leasedb_damage bits; 0: the store was intact */
	uint64_t journal_generation;    /* as the journal header says (0 if damaged) */
	uint64_t snapshot_generation;   /* as the snapshot header says (0 if damaged/missing) */
	uint64_t snapshot_lost_bytes;   /* unreadable octets inside the snapshot */
	const char *journal_kept;       /* the copy of a damaged journal, or NULL */
	const char *snapshot_kept;      /* the copy of a damaged snapshot, or NULL */
	bool must_compact;              /* commits fail until leasedb_compact() */
};

/*
 * Open (creating when absent) the store at path, replaying every record to
 * fn.  Returns 0 with *out set, or -errno / the callback's value.
 */
int leasedb_open(const char *path, leasedb_replay_fn fn, void *arg, struct leasedb **out);
/*
 * Read the store at path without changing it (--dump-leases): the
 * snapshot's records, then the journal's when its generation is the
 * snapshot's or newer; damaged octets are skipped, nothing is repaired.
 * 0, -ENOENT when neither file exists, or -errno / the callback's value.
 */
int leasedb_read(const char *path, leasedb_replay_fn fn, void *arg);
/* Commit what is pending (best effort) and close; NULL is accepted. */
void leasedb_close(struct leasedb *db);

/*
 * Buffer a record: its sequence number (>= 1), or -EINVAL for a record that
 * cannot be encoded, -ENOMEM, -EIO while the journal is not trusted.
 */
int64_t leasedb_append(struct leasedb *db, const struct leasedb_rec *rec);
/* leasedb_append() of a lease's record. */
int64_t leasedb_append_lease(struct leasedb *db, const struct lease_data *l);
/* Records appended and not yet covered by a successful commit. */
size_t leasedb_pending(const struct leasedb *db);
/*
 * Write and fdatasync the pending records.  0 with *durable = the sequence
 * number of the last durable record (all earlier ones are durable too), or
 * -errno, in which case the pending records are dropped and not durable.
 */
int leasedb_commit(struct leasedb *db, uint64_t *durable);
/*
 * Replace snapshot and journal by a snapshot of the leases fn yields and an
 * empty journal.  Pending records are discarded: the caller's leases (which
 * fn yields) already contain them, and they become durable with the
 * snapshot (*durable says up to where).  0 or -errno; on failure the old
 * files remain valid.
 */
int leasedb_compact(struct leasedb *db, leasedb_iter_fn fn, void *arg, uint64_t *durable);

void leasedb_get_stats(const struct leasedb *db, struct leasedb_stats *st);
/* What the open recovered from; valid until leasedb_close(). */
const struct leasedb_recovery *leasedb_recovery(const struct leasedb *db);

/* Test hook: the journal's file descriptor (to simulate I/O failures). */
int leasedb_journal_fd(const struct leasedb *db);

#endif
