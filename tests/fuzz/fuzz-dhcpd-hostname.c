/*
 * fuzz-dhcpd-hostname.c: np-dhcpd's client name sanitiser.  Whatever a
 * client sends as its name (option 12, option 81, a lease file's field),
 * what np-dhcpd keeps is one valid label (RFC 1123 §2.1: letters, digits
 * and '-', starting and ending with a letter or digit, at most 63 octets,
 * RFC 1035 §2.3.4) or nothing, and sanitising it again changes nothing.
 * The name derived on a conflict ("name-xxxx") is a valid label too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leasefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static void check_label(const char *s, size_t n)
{
	if (n != strlen(s) || n > LEASEFMT_LABEL_MAX)
		abort();
	if (n == 0)
		return;
	if (!alnum(s[0]) || !alnum(s[n - 1]))
		abort();
	for (size_t i = 0; i < n; i++)
		if (!alnum(s[i]) && s[i] != '-')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1);
	char out[LEASEFMT_LABEL_MAX + 1], again[LEASEFMT_LABEL_MAX + 1];
	char derived[LEASEFMT_LABEL_MAX + 1];
	size_t n, m;

	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	n = leasefmt_hostname_sanitize(in, out);
	check_label(out, n);
	m = leasefmt_hostname_sanitize(out, again);
	if (m != n || strcmp(out, again) != 0)
		abort();

	/* The conflict name, with the hardware address taken from the input's first octets. */
	if (size >= 2) {
		uint8_t hlen = (uint8_t)(data[0] % 18);
		uint8_t chaddr[16] = { 0 };

		memcpy(chaddr, data, size < sizeof(chaddr) ? size : sizeof(chaddr));
		m = leasefmt_derived_name(in, chaddr, hlen, derived);
		if (hlen < 2 || hlen > 16 || n == 0) {
			if (m != 0)
				abort();
		} else {
			check_label(derived, m);
			if (m < 6 || derived[m - 5] != '-')
				abort();
		}
	}
	free(in);
	return 0;
}
