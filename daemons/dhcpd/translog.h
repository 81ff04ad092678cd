/*
 * translog.h: np-dhcpd's transaction log: one entry per completed exchange
 * (DHCPACK, DHCPNAK, DHCPRELEASE, DHCPDECLINE, expiry) with the client's
 * hardware address, client identifier, address, host name, lease time and
 * relay (Kea's legal log holds the same facts).
 *
 * Each entry is a log line at info level ("transaction DHCPACK
 * address=..."), and, with `transaction_log`, a JSON object on a line of
 * that file.  The file is written from a memory buffer flushed by the
 * daemon's one-second tick (and when half full), never on the ACK's path;
 * a write that fails (a full disk) drops what was buffered and is counted
 * (transaction-log-write-errors, -dropped), never fatal.  A reload reopens
 * the file, so a rotation is "mv file file.1; systemctl reload".
 */
#ifndef NP_DHCPD_TRANSLOG_H
#define NP_DHCPD_TRANSLOG_H

#include <stdint.h>

#include "leasefmt.h"

struct translog_stats {
	uint64_t entries;              /* exchanges logged */
	uint64_t file_lines;           /* lines written to the file */
	uint64_t write_errors;         /* failed writes (each drops its buffer) */
	uint64_t dropped;              /* lines lost: buffer full or a failed write */
	uint64_t reopen_errors;
};

struct translog;

/* path NULL or "": the journal only.  NULL on out of memory (an open failure is logged). */
struct translog *translog_new(const char *path);
/* Flush, then open path (the same or a new one) afresh: after a rotation. */
void translog_reopen(struct translog *t, const char *path);
void translog_write(struct translog *t, const struct leasefmt_txn *txn);
void translog_flush(struct translog *t);
void translog_free(struct translog *t);
const struct translog_stats *translog_get_stats(const struct translog *t);

#endif
