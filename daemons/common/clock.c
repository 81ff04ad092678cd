/*
 * clock.c: reading the clocks (see clock.h).
 */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

#include "clock.h"

static struct timespec mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

uint64_t np_mono_ns(void)
{
	struct timespec ts = mono();

	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t np_mono_us(void)
{
	struct timespec ts = mono();

	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

np_mono_ms_t np_mono_ms(void)
{
	struct timespec ts = mono();

	return (np_mono_ms_t)ts.tv_sec * 1000u + (np_mono_ms_t)ts.tv_nsec / 1000000u;
}

int64_t np_wall_s(void)
{
	return (int64_t)time(NULL);
}

void np_wall_stamp(char out[NP_WALL_STAMP_LEN])
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	snprintf(out, NP_WALL_STAMP_LEN, "%04d-%02d-%02d %02d:%02d:%02d.%06ld",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)tv.tv_usec);
}
