/*
 * fuzz-dhcpd-leasedb.c: np-dhcpd's lease journal record decoder.  Every
 * record that decodes re-encodes to exactly the same octets (the format is
 * canonical), and the input is also walked the way start-up replay walks a
 * journal, record after record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leasedb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[LEASEDB_REC_MAX];
	struct leasedb_rec rec, again;
	size_t off = 0;

	while (off < size) {
		int n = leasedb_rec_decode(data + off, size - off, &rec);
		int m;

		if (n < 0)
			return 0;
		if (n > LEASEDB_REC_MAX || (size_t)n > size - off)
			abort();
		m = leasedb_rec_encode(&rec, out, sizeof(out));
		if (m != n || memcmp(out, data + off, (size_t)n) != 0)
			abort();
		if (leasedb_rec_decode(out, (size_t)m, &again) != m ||
		    leasedb_rec_encode(&again, out, sizeof(out)) != m ||
		    memcmp(out, data + off, (size_t)n) != 0)
			abort();
		off += (size_t)n;
	}
	return 0;
}
