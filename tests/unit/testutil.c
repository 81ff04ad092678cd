/* testutil.c: fixture loading for the unit tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

const char *np_test_data_path(const char *name)
{
	static char path[4096];
	const char *dir = getenv("NP_TEST_DATA");

	if (!dir)
		dir = "tests/data";
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex text with '#' comments; returns the length or -1 on a bad character/overflow. */
static long decode_hex(const char *text, uint8_t *buf, size_t cap)
{
	size_t n = 0;
	int high = -1;
	const char *p;

	for (p = text; *p; p++) {
		int v;

		if (*p == '#') {
			while (*p && *p != '\n')
				p++;
			if (!*p)
				break;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ':')
			continue;
		v = hex_value((unsigned char)*p);
		if (v < 0)
			return -1;
		if (high < 0) {
			high = v;
			continue;
		}
		if (n >= cap)
			return -1;
		buf[n++] = (uint8_t)(high << 4 | v);
		high = -1;
	}
	return high < 0 ? (long)n : -1;
}

size_t np_test_hex(const char *hex, uint8_t *buf, size_t cap)
{
	long n = decode_hex(hex, buf, cap);

	if (n < 0)
		fail_msg("bad hex string or buffer too small");
	return (size_t)n;
}

size_t np_test_load_hex(const char *name, uint8_t *buf, size_t cap)
{
	const char *path = np_test_data_path(name);
	FILE *f = fopen(path, "r");
	char *text;
	long size, n;

	if (!f)
		fail_msg("cannot open fixture %s", path);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)size + 1);
	assert_non_null(text);
	if (fread(text, 1, (size_t)size, f) != (size_t)size)
		fail_msg("cannot read fixture %s", path);
	fclose(f);
	n = decode_hex(text, buf, cap);
	free(text);
	if (n < 0)
		fail_msg("fixture %s: bad hex or larger than %zu bytes", path, cap);
	return (size_t)n;
}
