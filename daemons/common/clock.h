/*
 * clock.h: the one monotonic clock type, and the I/O side's one way to read it.
 *
 * Deadlines, timeouts, rate limits and TTL countdowns are in np_mono_ms_t:
 * milliseconds of CLOCK_MONOTONIC, which no settimeofday() or NTP step moves.
 * Policy code never reads it: it is given `now` as an argument of this type.
 * np_mono_ns() is for measuring short intervals (round-trip times).
 */
#ifndef NP_COMMON_CLOCK_H
#define NP_COMMON_CLOCK_H

#include <stdint.h>

typedef uint64_t np_mono_ms_t;

/* I/O side only (clock.c, libnpio). */
np_mono_ms_t np_mono_ms(void);
uint64_t np_mono_ns(void);

#endif
