/*
 * clock.h: the one monotonic clock type, and the I/O side's one way to read
 * the clocks.
 *
 * Deadlines, timeouts, rate limits and TTL countdowns are in np_mono_ms_t:
 * milliseconds of CLOCK_MONOTONIC, which no settimeofday() or NTP step moves.
 * Policy code never reads it: it is given `now` as an argument of this type.
 * np_mono_us() is for what counts in microseconds (np-arpd's timers, log
 * and systemd stamps), np_mono_ns() for measuring short intervals (round-trip
 * times).  The wall clock is read only where calendar time is meant: lease
 * times (np_wall_s()) and Kea's statistics stamps (np_wall_stamp()).
 */
#ifndef NP_COMMON_CLOCK_H
#define NP_COMMON_CLOCK_H

#include <stdint.h>

typedef uint64_t np_mono_ms_t;

/* I/O side only (clock.c, libnpio). */
np_mono_ms_t np_mono_ms(void);
uint64_t np_mono_us(void);
uint64_t np_mono_ns(void);

/* Whole seconds of the monotonic clock since then (a np_mono_ms() reading). */
static inline int64_t np_mono_seconds_since(np_mono_ms_t then)
{
	return (int64_t)(np_mono_ms() / 1000u) - (int64_t)(then / 1000u);
}

/* Wall-clock seconds since the epoch (time(2)). */
int64_t np_wall_s(void);

/* Local time with microseconds, "2024-05-01 12:34:56.123456" (Kea's stamps). */
#define NP_WALL_STAMP_LEN 64
void np_wall_stamp(char out[NP_WALL_STAMP_LEN]);

#endif
