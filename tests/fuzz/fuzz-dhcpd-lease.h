/*
 * fuzz-dhcpd-lease.h: what the lease-file fuzz targets share: the input cut
 * into lines the way --import-leases reads a file, and the properties
 * every imported lease has.
 */
#ifndef NP_FUZZ_DHCPD_LEASE_H
#define NP_FUZZ_DHCPD_LEASE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leasefmt.h"

#define FUZZ_LINE_MAX 4096            /* leaseio.c reads lines into 4096 octets */
#define FUZZ_NOW ((int64_t)1700000000)

/* The next line of data (fgets-sized, newline and CR cut) in line; false at the end. */
static inline bool fuzz_next_line(const uint8_t *data, size_t size, size_t *off,
				  char line[FUZZ_LINE_MAX])
{
	size_t n = 0;

	if (*off >= size)
		return false;
	while (*off < size && n + 1 < FUZZ_LINE_MAX) {
		char c = (char)data[(*off)++];

		if (c == '\n')
			break;
		line[n++] = c;
	}
	line[n] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	return true;
}

static inline bool fuzz_label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* A lease np-dhcpd can hold: an address, a way to know the client, a label or no name. */
static inline void fuzz_check_lease(const struct lease_data *l)
{
	size_t n = l->hostname_len;

	if (l->addr == 0 || l->hlen > 16 || l->start > l->expire || l->start < 0)
		abort();
	if (l->hlen == 0 && l->cid_len == 0 && l->state != LEASE_DECLINED)
		abort();
	if (n > LEASEFMT_LABEL_MAX || strlen(l->hostname) != n)
		abort();
	if (n > 0 && (l->hostname[0] == '-' || l->hostname[n - 1] == '-'))
		abort();
	for (size_t i = 0; i < n; i++)
		if (!fuzz_label_char(l->hostname[i]))
			abort();
}

/* --dump-leases then --import-leases kea: gives the same lease back. */
static inline void fuzz_check_kea_roundtrip(const struct lease_data *l)
{
	char csv[FUZZ_LINE_MAX];
	struct leasefmt_kea_cols cols;
	struct lease_data back;
	const char *why = NULL;
	int n = leasefmt_kea_line(l, 1, csv, sizeof(csv));

	if (n < 0 || (size_t)n != strlen(csv) || leasefmt_kea_header(LEASEFMT_KEA_HEADER, &cols) < 0)
		abort();
	if (leasefmt_kea_parse(csv, &cols, &back, &why) != 0)
		abort();
	if (back.addr != l->addr || back.state != l->state || back.expire != l->expire ||
	    back.start != l->start || back.hlen != l->hlen ||
	    memcmp(back.chaddr, l->chaddr, l->hlen) != 0 || back.cid_len != l->cid_len ||
	    memcmp(back.cid, l->cid, l->cid_len) != 0 || back.hostname_len != l->hostname_len ||
	    strcmp(back.hostname, l->hostname) != 0)
		abort();
}

#endif
