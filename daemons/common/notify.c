/* notify.c: sd_notify wrappers and socket activation by descriptor name. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "clock.h"
#include "notify.h"

int np_notify(const char *state)
{
	/* Keep NOTIFY_SOCKET in the environment: we notify for our whole life. */
	return sd_notify(0, state);
}

static int notify_va(const char *prefix, const char *fmt, va_list ap) NP_PRINTF(2, 0);
static int notify_va(const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%s", prefix);

	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	return np_notify(buf);
}

int np_notifyf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = notify_va("", fmt, ap);
	va_end(ap);
	return r;
}

int np_notify_ready(void)
{
	return np_notify("READY=1");
}

int np_notify_status(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* STATUS= is one line: a newline would start a new assignment. */
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return np_notifyf("STATUS=%s", line);
}

int np_notify_reloading(void)
{
	/* systemd 253 (Type=notify-reload) wants the time the reload began,
	 * to tell this reload from an older one. */
	return np_notifyf("RELOADING=1\nMONOTONIC_USEC=%llu", (unsigned long long)np_mono_us());
}

int np_notify_stopping(void)
{
	return np_notify("STOPPING=1");
}

int np_notify_watchdog(void)
{
	return np_notify("WATCHDOG=1");
}

uint64_t np_notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}

/* Process state: the descriptors systemd passed, once per process. */
static struct listen_fd {
	int fd;        /* -1 once taken or closed */
	char *name;
} *listen_fds;
static int listen_n;

static void listen_fds_free(void)
{
	for (int i = 0; i < listen_n; i++)
		free(listen_fds[i].name);
	free(listen_fds);
	listen_fds = NULL;
	listen_n = 0;
}

int np_listen_fds_init(void)
{
	char **names = NULL;
	int n;

	listen_fds_free();
	/* sd_listen_fds_with_names() checks LISTEN_PID, sets FD_CLOEXEC on each
	 * descriptor and, with 1, unsets the variables. */
	n = sd_listen_fds_with_names(1, &names);
	if (n <= 0)
		return n;
	listen_fds = calloc((size_t)n, sizeof(*listen_fds));
	if (!listen_fds) {
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		listen_fds[i].fd = SD_LISTEN_FDS_START + i;
		listen_fds[i].name = names[i];   /* ownership moves to the table */
	}
	free(names);
	listen_n = n;
	return n;
}

int np_listen_fd_take(const char *name)
{
	for (int i = 0; i < listen_n; i++) {
		if (listen_fds[i].fd >= 0 && strcmp(listen_fds[i].name, name) == 0) {
			int fd = listen_fds[i].fd;

			listen_fds[i].fd = -1;
			return fd;
		}
	}
	return -1;
}

int np_listen_fds_count(void)
{
	return listen_n;
}

void np_listen_fds_close_unused(void)
{
	for (int i = 0; i < listen_n; i++) {
		if (listen_fds[i].fd < 0)
			continue;
		np_log_warning("socket activation: closing unused descriptor %d named \"%s\"",
			       listen_fds[i].fd, listen_fds[i].name);
		close(listen_fds[i].fd);
		listen_fds[i].fd = -1;
	}
}
