/*
 * fuzz-dns-name.c: DNS name reader.  The first two input octets pick where
 * the name starts in the rest (a message); a name that reads is printed as
 * text and read back, written twice with compression and read back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/buf.h>
#include <netproto/dns.h>
#include <netproto/error.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Text form and back must give the same octets. */
static void check_text(const uint8_t *name, size_t len)
{
	char text[NP_DNS_NAME_TEXT_MAX];
	uint8_t back[NP_DNS_NAME_MAX];

	if (np_dns_name_to_text(name, len, text, sizeof(text)) < 0)
		abort();
	if (np_dns_name_from_text(text, back, sizeof(back)) != (int)len || memcmp(back, name, len))
		abort();
}

/* Behind a 12-octet header, write the name twice; the second must be a pointer. */
static void check_write(const uint8_t *name, size_t len)
{
	uint8_t buf[12 + 2 * NP_DNS_NAME_MAX], back[NP_DNS_NAME_MAX];
	struct np_writer w;
	struct np_reader r;
	struct np_dns_ctable ct;
	size_t second;
	int k;

	np_writer_init(&w, buf, sizeof(buf));
	np_write_zero(&w, 12);
	np_dns_ctable_init(&ct, 0);
	if (np_dns_name_write(&w, name, len, &ct))
		abort();
	second = np_writer_len(&w);
	if (np_dns_name_write(&w, name, len, &ct))
		abort();
	if (len > 1 && np_writer_len(&w) - second != 2)
		abort();
	np_reader_init(&r, buf, np_writer_len(&w));
	np_reader_seek(&r, 12);
	for (k = 0; k < 2; k++)
		if (np_dns_name_read(&r, back, sizeof(back)) != (int)len || memcmp(back, name, len))
			abort();
	if (np_reader_left(&r))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t name[NP_DNS_NAME_MAX], lower[NP_DNS_NAME_MAX];
	struct np_reader r;
	size_t start;
	int n;

	if (size < 2)
		return 0;
	start = (size_t)data[0] << 8 | data[1];
	np_reader_init(&r, data, size);
	np_reader_skip(&r, 2);
	{
		struct np_reader msg = np_reader_sub(&r, size - 2);

		np_reader_seek(&msg, start % (size - 1));
		n = np_dns_name_read(&msg, name, sizeof(name));
	}
	if (n < 0)
		return 0;
	if (np_dns_name_check(name, (size_t)n) != 0)
		abort();
	check_text(name, (size_t)n);
	check_write(name, (size_t)n);
	memcpy(lower, name, (size_t)n);
	np_dns_name_lower(lower, (size_t)n);
	if (!np_dns_name_equal(name, (size_t)n, lower, (size_t)n) ||
	    np_dns_name_hash(name, (size_t)n) != np_dns_name_hash(lower, (size_t)n) ||
	    !np_dns_name_is_subdomain(name, (size_t)n, (const uint8_t *)"", 1))
		abort();
	return 0;
}
