/*
 * leasefmt.h: np-dhcpd's leases and transactions as text (pure).
 *
 *  - Host names a client sent, made valid labels (RFC 1123 §2.1):
 *    leasefmt_hostname_sanitize().
 *  - The transaction log's line (the journal) and JSON object (one per
 *    line of `transaction_log`), from a struct leasefmt_txn.
 *  - Leases as Kea's memfile lease4 CSV (`--dump-leases`), and the two
 *    formats `--import-leases` reads: Kea's memfile CSV and dnsmasq's
 *    lease file.
 *
 * No I/O, no clock: times come in as arguments.  Parsers take one line
 * (without its newline) and never trust it: every field is checked.
 */
#ifndef NP_DHCPD_LEASEFMT_H
#define NP_DHCPD_LEASEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "lease.h"

#define LEASEFMT_LABEL_MAX 63          /* RFC 1035 §2.3.4 */

/*
 * The client's name as one DNS label: the part before the first dot,
 * lowercased, every octet other than a letter, a digit or '-' replaced by
 * '-', runs of '-' kept, leading and trailing '-' trimmed, at most 63
 * octets (dnsmasq and Kea's hostname-char-set / hostname-char-replacement
 * do the same).  out has room for LEASEFMT_LABEL_MAX + 1.  Returns the
 * length; 0 means the client has no usable name.
 */
size_t leasefmt_hostname_sanitize(const char *in, char out[LEASEFMT_LABEL_MAX + 1]);

/*
 * The name a client gets when its own is another client's (policy
 * `name_conflict = "derive"`): "name-xxxx", xxxx the last two octets of
 * its hardware address in hex, the name shortened so that the whole stays
 * a 63-octet label.  Returns the length, 0 when there is no hardware
 * address.
 */
size_t leasefmt_derived_name(const char *name, const uint8_t *chaddr, uint8_t hlen,
			     char out[LEASEFMT_LABEL_MAX + 1]);

enum leasefmt_txn_type {
	LEASEFMT_ACK = 1,
	LEASEFMT_NAK,
	LEASEFMT_RELEASE,
	LEASEFMT_DECLINE,
	LEASEFMT_EXPIRE,
};

/* One completed exchange (Kea's legal log holds the same facts). */
struct leasefmt_txn {
	uint8_t type;                  /* enum leasefmt_txn_type */
	int64_t time;                  /* wall-clock s */
	uint32_t addr;                 /* host order; 0: none (a NAK without one) */
	uint8_t htype, hlen;
	uint8_t chaddr[16];
	uint8_t cid_len;
	uint8_t cid[255];
	char hostname[256];            /* "" none */
	uint32_t lease_time;           /* seconds (ACK) */
	uint32_t relay;                /* giaddr, host order; 0: on the link */
};

const char *leasefmt_txn_name(uint8_t type);

/*
 * "DHCPACK address=10.0.0.5 hw-address=02:00:00:00:00:01 client-id=01:02:..
 * hostname=pc lease-time=600 relay=10.1.0.1": absent fields are left out.
 * Returns the length (< cap) or -1 when it does not fit.
 */
int leasefmt_txn_text(const struct leasefmt_txn *t, char *buf, size_t cap);
/* The same as one JSON object, no newline, with "timestamp" (UTC, ISO 8601). */
int leasefmt_txn_json(const struct leasefmt_txn *t, char *buf, size_t cap);

/* ---- Kea memfile lease4 CSV ------------------------------------------------ */

#define LEASEFMT_KEA_HEADER \
	"address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context"

/* Kea's lease state of ours: 0 default (bound), 1 declined, 2 expired-reclaimed. */
int leasefmt_kea_state(uint8_t state);

/* One lease as a CSV line (no newline); subnet_id is the caller's (1-based). */
int leasefmt_kea_line(const struct lease_data *l, unsigned subnet_id, char *buf, size_t cap);

/* Column positions of a Kea header line: which fields the lines hold. */
struct leasefmt_kea_cols {
	int address, hwaddr, client_id, valid_lifetime, expire, hostname, state;
};

/* Read a header line; 0, or -1 when it lacks address, hwaddr, valid_lifetime or expire. */
int leasefmt_kea_header(const char *line, struct leasefmt_kea_cols *cols);

/*
 * A Kea CSV line into a lease: 0, or -1 with *why (a static string).
 * Released leases (Kea deletes them) and unknown states are refused; a
 * lease needs a hwaddr or a client_id unless it is declined (Kea empties
 * both when a client declines an address).
 */
int leasefmt_kea_parse(const char *line, const struct leasefmt_kea_cols *cols,
		       struct lease_data *l, const char **why);

/*
 * A dnsmasq lease line "EXPIRY MAC IP HOSTNAME CLIENT-ID" ('*' for none;
 * EXPIRY 0: infinite, taken as now + a year; MAC "TT-aa:bb:.." with a hardware
 * type TT in hex, "01-" for none).  1 for a line to skip (the
 * DHCPv6 part: "duid ..." and the IPv6 leases after it), 0 with *l, or -1
 * with *why.  lease_time: what start is taken as (expire - lease_time).
 */
int leasefmt_dnsmasq_parse(const char *line, int64_t now, uint32_t lease_time,
			   struct lease_data *l, const char **why);

#endif
