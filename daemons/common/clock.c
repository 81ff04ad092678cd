/*
 * clock.c: reading the monotonic clock (see clock.h).
 */
#include <time.h>

#include "clock.h"

uint64_t np_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

np_mono_ms_t np_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (np_mono_ms_t)ts.tv_sec * 1000u + (np_mono_ms_t)ts.tv_nsec / 1000000u;
}
