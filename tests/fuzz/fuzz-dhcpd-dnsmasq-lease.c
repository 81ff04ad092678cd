/*
 * fuzz-dhcpd-dnsmasq-lease.c: the reader of dnsmasq's lease file
 * (np-dhcpd --import-leases dnsmasq:FILE), fed the input line by line as
 * the import reads a file.  A line is skipped, refused with a reason, or
 * gives a lease np-dhcpd can hold (an address, an identity, a valid label
 * or no name, start <= expire); that lease, dumped as Kea CSV
 * (--dump-leases) and read back (--import-leases kea:), is the same lease.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-dhcpd-lease.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[FUZZ_LINE_MAX];
	size_t off = 0;

	while (fuzz_next_line(data, size, &off, line)) {
		struct lease_data l;
		const char *why = NULL;
		int rc = leasefmt_dnsmasq_parse(line, FUZZ_NOW, 3600, &l, &why);

		if (rc == 1)
			continue;
		if (rc < 0) {
			if (rc != -1 || why == NULL || why[0] == '\0')
				abort();
			continue;
		}
		if (rc != 0 || (l.state != LEASE_BOUND && l.state != LEASE_EXPIRED))
			abort();
		fuzz_check_lease(&l);
		fuzz_check_kea_roundtrip(&l);
	}
	return 0;
}
