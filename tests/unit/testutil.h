/*
 * testutil.h: helpers shared by the cmocka unit tests.
 *
 * Fixtures live in tests/data as hex text: '#' starts a comment that runs to
 * the end of the line, white space is ignored, every other character is a
 * hex digit.  The first comment lines say where the bytes came from.
 */
#ifndef NP_TESTUTIL_H
#define NP_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Load tests/data/NAME into buf and return its length; fails the test on error. */
size_t np_test_load_hex(const char *name, uint8_t *buf, size_t cap);
/* Decode a hex string (white space allowed) into buf; fails the test on error. */
size_t np_test_hex(const char *hex, uint8_t *buf, size_t cap);
/* The path of a file under tests/data (static buffer). */
const char *np_test_data_path(const char *name);

#endif
