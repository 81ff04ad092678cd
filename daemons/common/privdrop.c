/* privdrop.c: switch user keeping chosen capabilities; CLOEXEC helpers. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <sys/capability.h>

#include "log.h"
#include "privdrop.h"

static const struct {
	unsigned flag;
	cap_value_t cap;
} cap_map[] = {
	{ NP_CAP_NET_RAW, CAP_NET_RAW },
	{ NP_CAP_NET_BIND_SERVICE, CAP_NET_BIND_SERVICE },
	{ NP_CAP_NET_ADMIN, CAP_NET_ADMIN },
};

#define ERR(...) (snprintf(err, errcap, __VA_ARGS__), -1)

/* Make permitted = effective = keep, inheritable empty. */
static int set_caps(unsigned keep, char *err, size_t errcap)
{
	cap_value_t list[sizeof(cap_map) / sizeof(cap_map[0])];
	int n = 0, r;
	cap_t caps = cap_init();   /* all sets empty */

	if (!caps)
		return ERR("cap_init: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(cap_map) / sizeof(cap_map[0]); i++)
		if (keep & cap_map[i].flag)
			list[n++] = cap_map[i].cap;
	r = 0;
	if (n > 0 && (cap_set_flag(caps, CAP_PERMITTED, n, list, CAP_SET) < 0 ||
		      cap_set_flag(caps, CAP_EFFECTIVE, n, list, CAP_SET) < 0))
		r = ERR("cap_set_flag: %s", strerror(errno));
	if (r == 0 && cap_set_proc(caps) < 0)
		r = ERR("cap_set_proc: %s", strerror(errno));
	cap_free(caps);
	return r;
}

static int lookup_user(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errcap)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int r = getpwnam_r(user, &pw, buf, sizeof(buf), &res);

	if (r != 0)
		return ERR("looking up user \"%s\": %s", user, strerror(r));
	if (!res)
		return ERR("no such user \"%s\"", user);
	if (pw.pw_uid == 0)
		return ERR("user \"%s\" is root: choose an unprivileged user", user);
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	return 0;
}

/* setgroups, then gid, then uid: after setuid we could no longer change
 * groups.  PR_SET_KEEPCAPS keeps the permitted set across the uid change. */
static int switch_user(uid_t uid, gid_t gid, char *err, size_t errcap)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return ERR("prctl(PR_SET_KEEPCAPS): %s", strerror(errno));
	if (setgroups(1, &gid) < 0)
		return ERR("setgroups: %s", strerror(errno));
	if (setresgid(gid, gid, gid) < 0)
		return ERR("setresgid(%u): %s", (unsigned)gid, strerror(errno));
	if (setresuid(uid, uid, uid) < 0)
		return ERR("setresuid(%u): %s", (unsigned)uid, strerror(errno));
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return ERR("prctl(PR_SET_KEEPCAPS, 0): %s", strerror(errno));
	return 0;
}

int np_privdrop(const char *user, unsigned keep, char *err, size_t errcap)
{
	uid_t uid = 0;
	gid_t gid = 0;
	bool change = user && user[0];

	if (geteuid() != 0) {
		np_log_notice("not running as root (uid %u): not changing user or capabilities",
			      (unsigned)geteuid());
		return 0;
	}
	if (change && lookup_user(user, &uid, &gid, err, errcap) < 0)
		return -1;
	if (change && switch_user(uid, gid, err, errcap) < 0)
		return -1;
	if (set_caps(keep, err, errcap) < 0)
		return -1;
	/* No set-uid or file-capability exec can give anything back. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return ERR("prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	if (change && (setuid(0) == 0 || seteuid(0) == 0))
		return ERR("could regain root after switching to \"%s\"", user);
	return 0;
}

int np_fd_set_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0)
		return -1;
	if (flags & FD_CLOEXEC)
		return 0;
	return fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0 ? -1 : 0;
}

int np_fd_is_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0)
		return -1;
	return (flags & FD_CLOEXEC) ? 1 : 0;
}

int np_fd_check_cloexec(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int bad = 0;

	if (!d)
		return 0;     /* no /proc: nothing to check with */
	while ((de = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end != '\0' || end == de->d_name || fd <= 2 || fd == dirfd(d))
			continue;
		if (np_fd_is_cloexec((int)fd) == 0) {
			np_log_warning("descriptor %ld is not close-on-exec", fd);
			bad++;
		}
	}
	closedir(d);
	return bad;
}
