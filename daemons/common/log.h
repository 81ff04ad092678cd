/*
 * log.h: daemon logging to stderr with sd-daemon level prefixes.
 *
 * Every line starts with "<N>" (sd-daemon(3)): journald strips the prefix and
 * stores N as the priority, so a daemon under systemd needs no syslog
 * connection.  Levels are the syslog ones the suite uses: 3 err, 4 warning,
 * 5 notice, 6 info, 7 debug.  Messages above the threshold are dropped.
 *
 * One message is one write(2) of one line: control characters (a newline in
 * a hostname from the network, say) are replaced by '?' so input cannot forge
 * extra log lines, and long messages are cut at NP_LOG_LINE_MAX.
 *
 * Messages caused by network input go through NP_LOG_RATELIMIT, which keeps
 * its state per call site: a flood of bad packets costs at most `burst` lines
 * per interval plus one "suppressed N messages" line.
 *
 * The logger is process state (one stderr, one threshold); it is not thread
 * safe and the daemons are single-threaded.
 */
#ifndef NP_LOG_H
#define NP_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum np_log_level {
	NP_LOG_ERR = 3,
	NP_LOG_WARNING = 4,
	NP_LOG_NOTICE = 5,
	NP_LOG_INFO = 6,
	NP_LOG_DEBUG = 7,
};

/* Longest line written, prefix and newline included. */
#define NP_LOG_LINE_MAX 2048

#define NP_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* The threshold: messages with a level above it are dropped (default info). */
void np_log_set_level(int level);
int np_log_get_level(void);
/* True when a message at this level would be written (skip costly formatting). */
bool np_log_enabled(int level);
/* "err", "warning", "notice", "info", "debug" -> level; -1 if unknown. */
int np_log_level_from_name(const char *name);
const char *np_log_level_name(int level);

/* Write to this fd instead of 2 (tests); returns the previous one. */
int np_log_set_fd(int fd);

void np_log(int level, const char *fmt, ...) NP_PRINTF(2, 3);
void np_logv(int level, const char *fmt, va_list ap) NP_PRINTF(2, 0);

#define np_log_err(...) np_log(NP_LOG_ERR, __VA_ARGS__)
#define np_log_warning(...) np_log(NP_LOG_WARNING, __VA_ARGS__)
#define np_log_notice(...) np_log(NP_LOG_NOTICE, __VA_ARGS__)
#define np_log_info(...) np_log(NP_LOG_INFO, __VA_ARGS__)
#define np_log_debug(...) np_log(NP_LOG_DEBUG, __VA_ARGS__)

/*
 * Rate limiting.  The clock is CLOCK_MONOTONIC in microseconds; tests replace
 * it with np_log_set_clock() (NULL restores the real one).
 */
typedef uint64_t (*np_log_clock_fn)(void);
void np_log_set_clock(np_log_clock_fn now);
uint64_t np_log_now_usec(void);

struct np_ratelimit {
	uint64_t interval_usec;
	unsigned burst;
	uint64_t begin;        /* start of the current interval */
	unsigned printed;      /* messages let through in this interval */
	unsigned suppressed;   /* messages dropped since the last one let through */
	bool started;
};

#define NP_RATELIMIT_INIT(interval_usec_, burst_) \
	{ .interval_usec = (interval_usec_), .burst = (burst_) }

/* The default for NP_LOG_RATELIMIT: 10 messages per 5 seconds per call site. */
#define NP_LOG_RATELIMIT_INTERVAL_USEC (5 * 1000000ULL)
#define NP_LOG_RATELIMIT_BURST 10

/*
 * Account one event at time now.  Returns true if it may be logged; then
 * *suppressed (if not NULL) is the number dropped before it, which the
 * caller reports.  Pure function of (state, now): tests drive it directly.
 */
bool np_ratelimit_check(struct np_ratelimit *rl, uint64_t now, unsigned *suppressed);

/* Log through a limiter: first a "suppressed N messages" line if any were
 * dropped, then the message.  Messages above the threshold are not counted. */
void np_log_ratelimited(struct np_ratelimit *rl, int level, const char *fmt, ...)
	NP_PRINTF(3, 4);

#define NP_LOG_RATELIMIT_N(interval_usec, burst, level, ...) do { \
	static struct np_ratelimit np_log_rl_ = \
		NP_RATELIMIT_INIT((interval_usec), (burst)); \
	np_log_ratelimited(&np_log_rl_, (level), __VA_ARGS__); \
} while (0)

#define NP_LOG_RATELIMIT(level, ...) \
	NP_LOG_RATELIMIT_N(NP_LOG_RATELIMIT_INTERVAL_USEC, NP_LOG_RATELIMIT_BURST, \
			   (level), __VA_ARGS__)

#endif
