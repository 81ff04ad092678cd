/*
 * fuzz-dhcpd-kea-lease.c: the reader of Kea's memfile lease4 CSV
 * (np-dhcpd --import-leases kea:FILE).  The first line is the header, as
 * in the file; when it is not a usable one the lines are read with Kea's
 * own header, so that the line parser is fuzzed either way.  A line is
 * refused with a reason or gives a lease np-dhcpd can hold, and that
 * lease dumped as CSV (--dump-leases) and read back is the same lease.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-dhcpd-lease.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[FUZZ_LINE_MAX];
	struct leasefmt_kea_cols cols;
	size_t off = 0;

	if (!fuzz_next_line(data, size, &off, line))
		return 0;
	if (leasefmt_kea_header(line, &cols) < 0) {
		if (leasefmt_kea_header(LEASEFMT_KEA_HEADER, &cols) < 0)
			abort();
		off = 0;
	}
	while (fuzz_next_line(data, size, &off, line)) {
		struct lease_data l;
		const char *why = NULL;
		int rc = leasefmt_kea_parse(line, &cols, &l, &why);

		if (rc < 0) {
			if (rc != -1 || why == NULL || why[0] == '\0')
				abort();
			continue;
		}
		if (rc != 0 || (l.state != LEASE_BOUND && l.state != LEASE_DECLINED &&
				l.state != LEASE_EXPIRED))
			abort();
		fuzz_check_lease(&l);
		fuzz_check_kea_roundtrip(&l);
	}
	return 0;
}
