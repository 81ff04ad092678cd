/*
 * notify.h: systemd service notification (sd_notify) and socket activation.
 *
 * Outside systemd (no NOTIFY_SOCKET) every notify call is a no-op returning
 * 0, so the daemons call them unconditionally.  See sd_notify(3):
 *   READY=1          after the sockets are bound and the state is loaded;
 *   STATUS=...       one line for `systemctl status`;
 *   RELOADING=1      with MONOTONIC_USEC= (the form systemd 253's
 *                    Type=notify-reload expects; older systemd ignores the
 *                    extra field), then READY=1 when the reload is over;
 *   STOPPING=1       when a clean stop begins;
 *   WATCHDOG=1       every WATCHDOG_USEC / 2 while healthy.
 */
#ifndef NP_NOTIFY_H
#define NP_NOTIFY_H

#include <stdint.h>

#include "log.h"

/* Send one or more "VAR=value" lines.  >0 sent, 0 no NOTIFY_SOCKET, <0 -errno. */
int np_notify(const char *state);
int np_notifyf(const char *fmt, ...) NP_PRINTF(1, 2);

int np_notify_ready(void);
int np_notify_status(const char *fmt, ...) NP_PRINTF(1, 2);
int np_notify_reloading(void);
int np_notify_stopping(void);
int np_notify_watchdog(void);

/* The service watchdog timeout in microseconds, 0 when not enabled (no
 * WATCHDOG_USEC, or WATCHDOG_PID names another process). */
uint64_t np_notify_watchdog_usec(void);

/*
 * Socket activation.  np_listen_fds_init() takes the descriptors passed by
 * systemd (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES, see
 * sd_listen_fds_with_names(3)), marks them CLOEXEC and removes the variables
 * from the environment so children do not inherit them.  It returns the
 * number of descriptors (0 without socket activation) or -errno.
 *
 * np_listen_fd_take(name) hands over the next untaken descriptor with that
 * name (FileDescriptorName= in the .socket unit; the unit name by default):
 * the caller owns it.  Call it again for the next one with the same name;
 * -1 when there is none left.  np_listen_fds_close_unused() closes and logs
 * whatever the daemon did not take.
 */
int np_listen_fds_init(void);
int np_listen_fd_take(const char *name);
int np_listen_fds_count(void);
void np_listen_fds_close_unused(void);

#endif
