/* log.c: stderr logging with sd-daemon prefixes and per-call-site rate limits. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

/* Process state: one threshold, one output, one clock (see log.h). */
static int log_level = NP_LOG_INFO;
static int log_fd = 2;
static np_log_clock_fn log_clock;

static const char *const level_names[8] = {
	[NP_LOG_ERR] = "err",
	[NP_LOG_WARNING] = "warning",
	[NP_LOG_NOTICE] = "notice",
	[NP_LOG_INFO] = "info",
	[NP_LOG_DEBUG] = "debug",
};

void np_log_set_level(int level)
{
	if (level < NP_LOG_ERR)
		level = NP_LOG_ERR;
	if (level > NP_LOG_DEBUG)
		level = NP_LOG_DEBUG;
	log_level = level;
}

int np_log_get_level(void)
{
	return log_level;
}

bool np_log_enabled(int level)
{
	return level <= log_level;
}

int np_log_level_from_name(const char *name)
{
	for (int i = NP_LOG_ERR; i <= NP_LOG_DEBUG; i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

const char *np_log_level_name(int level)
{
	if (level < NP_LOG_ERR || level > NP_LOG_DEBUG)
		return "?";
	return level_names[level];
}

int np_log_set_fd(int fd)
{
	int old = log_fd;

	log_fd = fd;
	return old;
}

/* Replace control characters so one message is exactly one line. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;      /* nowhere to report a failing stderr */
		p += w;
		n -= (size_t)w;
	}
}

void np_logv(int level, const char *fmt, va_list ap)
{
	char line[NP_LOG_LINE_MAX];
	int saved_errno = errno;   /* callers may log and then look at errno */
	int n, len;

	if (!np_log_enabled(level))
		return;
	if (level < NP_LOG_ERR)
		level = NP_LOG_ERR;
	n = snprintf(line, sizeof(line), "<%d>", level);
	len = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (len < 0)
		len = 0;
	len += n;
	if ((size_t)len > sizeof(line) - 2)
		len = (int)sizeof(line) - 2;     /* truncated: keep the newline */
	line[len] = '\0';
	sanitize(line + n);
	line[len++] = '\n';
	write_all(log_fd, line, (size_t)len);
	errno = saved_errno;
}

void np_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	np_logv(level, fmt, ap);
	va_end(ap);
}

void np_log_set_clock(np_log_clock_fn now)
{
	log_clock = now;
}

uint64_t np_log_now_usec(void)
{
	return log_clock ? log_clock() : np_mono_us();
}

bool np_ratelimit_check(struct np_ratelimit *rl, uint64_t now, unsigned *suppressed)
{
	if (!rl->started || now - rl->begin >= rl->interval_usec) {
		rl->started = true;
		rl->begin = now;
		rl->printed = 0;
	}
	if (rl->printed >= rl->burst) {
		rl->suppressed++;
		return false;
	}
	rl->printed++;
	if (suppressed)
		*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

void np_log_ratelimited(struct np_ratelimit *rl, int level, const char *fmt, ...)
{
	unsigned suppressed;
	va_list ap;

	if (!np_log_enabled(level))
		return;
	if (!np_ratelimit_check(rl, np_log_now_usec(), &suppressed))
		return;
	if (suppressed > 0)
		np_log(level, "suppressed %u message%s like the next one", suppressed,
		       suppressed == 1 ? "" : "s");
	va_start(ap, fmt);
	np_logv(level, fmt, ap);
	va_end(ap);
}
