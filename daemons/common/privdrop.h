/*
 * privdrop.h: drop root after the privileged set-up, and keep fds CLOEXEC.
 *
 * The order matters (OpenBSD daemons, Unbound): bind ports below 1024 and
 * open raw/packet sockets as root, then switch to an unprivileged user that
 * keeps only the capabilities it still needs at run time (CAP_NET_RAW to
 * open a new packet socket after an interface comes back, say).
 */
#ifndef NP_PRIVDROP_H
#define NP_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>

/* Capabilities a daemon may keep after the switch. */
enum np_priv_cap {
	NP_CAP_NET_RAW = 1u << 0,
	NP_CAP_NET_BIND_SERVICE = 1u << 1,
	NP_CAP_NET_ADMIN = 1u << 2,
};

/*
 * Switch to `user` (its uid and primary gid; supplementary groups cleared),
 * keeping only the capabilities in `keep` (permitted and effective), then
 * set PR_SET_NO_NEW_PRIVS and verify that root cannot be regained.
 * user NULL or "" keeps the uid and only reduces the capabilities.
 * When not running as root there is nothing to drop: returns 0 and logs it
 * at notice level (systemd's User= and AmbientCapabilities= did the work).
 * Returns 0, or -1 with the reason in err (nothing is logged).
 */
int np_privdrop(const char *user, unsigned keep, char *err, size_t errcap);

/* Set FD_CLOEXEC on fd: 0 or -1 (errno). */
int np_fd_set_cloexec(int fd);
/* 1 if fd has FD_CLOEXEC, 0 if not, -1 if fd is not open. */
int np_fd_is_cloexec(int fd);
/* Log a warning for each open descriptor above 2 without FD_CLOEXEC and
 * return how many there are (a start-up check; inherited ones included). */
int np_fd_check_cloexec(void);

#endif
