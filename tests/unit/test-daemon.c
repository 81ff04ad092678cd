/*
 * test-daemon.c: sd_notify, socket activation, privilege drop, CLOEXEC, and
 * the daemon skeleton end to end through the np-testd fixture.
 *
 * The test owns an AF_UNIX datagram socket and points NOTIFY_SOCKET at it,
 * as systemd does, and reads back exactly what a service manager would get.
 * np-testd is found at $NP_TESTD, else $NP_BUILDDIR/tests/unit/np-testd.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "notify.h"
#include "privdrop.h"

static char tmpdir[64];
static int notify_fd = -1;

/* Paths in tmpdir, fixed for the whole run. */
static const char *const tmp_names[] = {
	"notify", "testd.conf", "testd.log", "check.log", "nonexistent.conf",
};
static char tmp_paths[5][128];

static char *tmp_path(const char *name)
{
	for (size_t i = 0; i < sizeof(tmp_names) / sizeof(tmp_names[0]); i++)
		if (strcmp(tmp_names[i], name) == 0)
			return tmp_paths[i];
	fail_msg("no tmp path %s", name);
	return NULL;
}

static int group_setup(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/np-test-daemon-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	for (size_t i = 0; i < sizeof(tmp_names) / sizeof(tmp_names[0]); i++)
		snprintf(tmp_paths[i], sizeof(tmp_paths[i]), "%s/%s", tmpdir, tmp_names[i]);
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (strlen(tmp_path("notify")) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, tmp_path("notify"), strlen(tmp_path("notify")) + 1);
	if (notify_fd < 0 || bind(notify_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	/* Like /run/systemd/notify: reachable after the daemon drops root. */
	if (chmod(tmpdir, 0711) < 0 || chmod(sa.sun_path, 0666) < 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	close(notify_fd);
	for (size_t i = 0; i < sizeof(tmp_names) / sizeof(tmp_names[0]); i++)
		unlink(tmp_paths[i]);
	rmdir(tmpdir);
	return 0;
}

/* The next notification, or "" after timeout_ms. */
static const char *next_msg(int timeout_ms)
{
	static char buf[4096];
	struct pollfd p = { .fd = notify_fd, .events = POLLIN };
	ssize_t n;

	buf[0] = '\0';
	if (poll(&p, 1, timeout_ms) != 1)
		return buf;
	n = recv(notify_fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* Skip WATCHDOG=1 keep-alives, which may come at any time. */
static const char *next_event(void)
{
	const char *m;

	do
		m = next_msg(5000);
	while (strcmp(m, "WATCHDOG=1") == 0);
	return m;
}

static void drain(void)
{
	while (next_msg(0)[0])
		;
}

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* "RELOADING=1\nMONOTONIC_USEC=N" with N between lo and now. */
static void assert_reloading(const char *m, uint64_t lo)
{
	unsigned long long t = 0;

	assert_int_equal(sscanf(m, "RELOADING=1\nMONOTONIC_USEC=%llu", &t), 1);
	assert_true(t >= lo);
	assert_true(t <= mono_usec());
}

static void notify_messages(void **state)
{
	uint64_t before = mono_usec();

	(void)state;
	drain();
	assert_true(np_notify_ready() > 0);
	assert_string_equal(next_msg(1000), "READY=1");
	np_notify_status("serving %d leases\non eth0", 3);
	assert_string_equal(next_msg(1000), "STATUS=serving 3 leases on eth0");
	np_notify_reloading();
	assert_reloading(next_msg(1000), before);
	np_notify_stopping();
	assert_string_equal(next_msg(1000), "STOPPING=1");
	np_notify_watchdog();
	assert_string_equal(next_msg(1000), "WATCHDOG=1");
}

static void notify_without_systemd_is_a_noop(void **state)
{
	char *saved = strdup(getenv("NOTIFY_SOCKET"));

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(np_notify_ready(), 0);
	setenv("NOTIFY_SOCKET", saved, 1);
	free(saved);
	assert_string_equal(next_msg(100), "");
}

static void watchdog_usec_from_environment(void **state)
{
	char pid[16];

	(void)state;
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(np_notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "3000000", 1);
	assert_int_equal(np_notify_watchdog_usec(), 3000000);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(np_notify_watchdog_usec(), 3000000);
	/* Meant for another process (our parent, say): not ours to ping. */
	snprintf(pid, sizeof(pid), "%d", (int)getppid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(np_notify_watchdog_usec(), 0);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

/* Run fn in a child; it writes a one-line report to fd `out`; return the report. */
static const char *in_child(void (*fn)(int out))
{
	static char report[512];
	size_t len = 0;
	int p[2];
	pid_t pid;
	ssize_t n;
	int status;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int out = fcntl(p[1], F_DUPFD_CLOEXEC, 60);

		np_log_set_fd(open("/dev/null", O_WRONLY | O_CLOEXEC));
		fn(out);
		_exit(0);
	}
	close(p[1]);
	/* Until EOF: the child may write in several pieces. */
	while (len < sizeof(report) - 1 &&
	       (n = read(p[0], report + len, sizeof(report) - 1 - len)) > 0)
		len += (size_t)n;
	report[len] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return report;
}

static int bound_socket(int type)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, type, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	if (type == SOCK_STREAM && listen(fd, 4) < 0)
		return -1;
	return fd;
}

/* Put fds[i] at 3 + i without CLOEXEC, as systemd passes them. */
static void place_listen_fds(const int *fds, int n)
{
	int high[8];

	for (int i = 0; i < n; i++) {
		high[i] = fcntl(fds[i], F_DUPFD, 40);
		close(fds[i]);
	}
	for (int i = 0; i < n; i++) {
		dup2(high[i], 3 + i);
		close(high[i]);
	}
}

static const char *describe_fd(int fd, char *buf, size_t cap)
{
	int type = 0;
	socklen_t len = sizeof(type);

	if (fd < 0)
		snprintf(buf, cap, "none");
	else if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		snprintf(buf, cap, "%d/not-a-socket", fd);
	else
		snprintf(buf, cap, "%d/%s/%s", fd, type == SOCK_DGRAM ? "dgram" : "stream",
			 np_fd_is_cloexec(fd) == 1 ? "cloexec" : "inheritable");
	return buf;
}

static void activation_child(int out)
{
	int fds[3] = { bound_socket(SOCK_DGRAM), bound_socket(SOCK_STREAM), bound_socket(SOCK_DGRAM) };
	char pid[16], a[64], b[64], c[64];
	int n, udp, again, tcp, none;

	place_listen_fds(fds, 3);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "3", 1);
	setenv("LISTEN_FDNAMES", "dns-udp:dns-tcp:extra", 1);
	n = np_listen_fds_init();
	udp = np_listen_fd_take("dns-udp");
	again = np_listen_fd_take("dns-udp");
	tcp = np_listen_fd_take("dns-tcp");
	none = np_listen_fd_take("dhcp");
	np_listen_fds_close_unused();
	dprintf(out, "n=%d count=%d udp=%s again=%d tcp=%s none=%d env=%s extra=%s", n,
		np_listen_fds_count(), describe_fd(udp, a, sizeof(a)), again,
		describe_fd(tcp, b, sizeof(b)), none, getenv("LISTEN_FDS") ? "set" : "unset",
		fcntl(5, F_GETFD) < 0 && errno == EBADF ? "closed" : describe_fd(5, c, sizeof(c)));
}

static void socket_activation_by_name(void **state)
{
	(void)state;
	assert_string_equal(in_child(activation_child),
			    "n=3 count=3 udp=3/dgram/cloexec again=-1 tcp=4/stream/cloexec "
			    "none=-1 env=unset extra=closed");
}

static void activation_wrong_pid_child(int out)
{
	int fds[1] = { bound_socket(SOCK_DGRAM) };

	place_listen_fds(fds, 1);
	setenv("LISTEN_PID", "1", 1);     /* meant for another process */
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_FDNAMES", "dns-udp", 1);
	dprintf(out, "n=%d take=%d", np_listen_fds_init(), np_listen_fd_take("dns-udp"));
}

static void socket_activation_for_another_pid(void **state)
{
	(void)state;
	assert_string_equal(in_child(activation_wrong_pid_child), "n=0 take=-1");
}

static void cloexec_helpers(void **state)
{
	int p[2], before;

	(void)state;
	np_log_set_fd(open("/dev/null", O_WRONLY | O_CLOEXEC));
	before = np_fd_check_cloexec();
	assert_int_equal(pipe(p), 0);
	assert_int_equal(np_fd_is_cloexec(p[0]), 0);
	assert_int_equal(np_fd_check_cloexec(), before + 2);
	assert_int_equal(np_fd_set_cloexec(p[0]), 0);
	assert_int_equal(np_fd_set_cloexec(p[1]), 0);
	assert_int_equal(np_fd_is_cloexec(p[0]), 1);
	assert_int_equal(np_fd_check_cloexec(), before);
	close(p[0]);
	close(p[1]);
	assert_int_equal(np_fd_is_cloexec(p[0]), -1);
	assert_int_equal(np_fd_set_cloexec(p[0]), -1);
	np_log_set_fd(2);
}

/* The effective capability mask from /proc, as `grep CapEff` shows it. */
static unsigned long long cap_eff(void)
{
	char line[256];
	unsigned long long v = ~0ULL;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

static void privdrop_child(int out)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(81),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char err[256] = "";
	int r = np_privdrop("nobody", NP_CAP_NET_RAW, err, sizeof(err));
	int raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int b = bind(tcp, (struct sockaddr *)&sa, sizeof(sa));
	int bind_errno = errno;
	gid_t groups[8];

	dprintf(out, "r=%d%s uid=%u gid=%u groups=%d capeff=%llx raw=%s bind81=%s nnp=%d root=%s",
		r, err, (unsigned)getuid(), (unsigned)getgid(), getgroups(8, groups), cap_eff(),
		raw >= 0 ? "ok" : "denied", b == 0 ? "ok" : strerror(bind_errno),
		prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), setuid(0) == 0 ? "regained" : "no");
}

/* Needs root: as nobody with CAP_NET_RAW only, raw sockets work, port 81 does not. */
static void privdrop_keeps_only_requested_caps(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	char want[256];

	(void)state;
	if (geteuid() != 0 || !pw)
		skip();
	snprintf(want, sizeof(want),
		 "r=0 uid=%u gid=%u groups=1 capeff=2000 raw=ok bind81=Permission denied "
		 "nnp=1 root=no", (unsigned)pw->pw_uid, (unsigned)pw->pw_gid);
	assert_string_equal(in_child(privdrop_child), want);
}

static void privdrop_bad_user_child(int out)
{
	char err[256] = "";
	int r = np_privdrop("no-such-user-np", 0, err, sizeof(err));

	dprintf(out, "r=%d err=%s uid=%u", r, err, (unsigned)getuid());
}

static void privdrop_unknown_user_fails(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_string_equal(in_child(privdrop_bad_user_child),
			    "r=-1 err=no such user \"no-such-user-np\" uid=0");
}

static void privdrop_unprivileged_child(int out)
{
	char err[64] = "";
	struct passwd *pw = getpwnam("nobody");

	/* Become an ordinary user first when the test runs as root. */
	if (geteuid() == 0 &&
	    (!pw || setgroups(0, NULL) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	     setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0))
		return;
	np_log_set_fd(out);
	dprintf(out, "r=%d%s\n", np_privdrop("nobody", NP_CAP_NET_RAW, err, sizeof(err)), err);
	dprintf(out, "uid=%u\n", (unsigned)geteuid());
}

/* Under systemd's User= there is nothing to drop: not an error, but said. */
static void privdrop_skipped_when_not_root(void **state)
{
	char want[256];
	const char *got = in_child(privdrop_unprivileged_child);
	unsigned uid = 0;

	(void)state;
	assert_int_equal(sscanf(strstr(got, "uid=") ? strstr(got, "uid=") : "", "uid=%u", &uid), 1);
	snprintf(want, sizeof(want),
		 "<5>not running as root (uid %u): not changing user or capabilities\n"
		 "r=0\nuid=%u\n", uid, uid);
	assert_string_equal(got, want);
}

/* ---- np-testd end to end ---- */

static const char *testd_path(void)
{
	static char path[4096];
	const char *env = getenv("NP_TESTD"), *dir = getenv("NP_BUILDDIR");

	if (env)
		return env;
	snprintf(path, sizeof(path), "%s/tests/unit/np-testd", dir ? dir : ".");
	return path;
}

static void write_conf(const char *text)
{
	char tmp[160];
	FILE *f;

	/* Replace atomically, as an editor or config manager would. */
	snprintf(tmp, sizeof(tmp), "%s.new", tmp_path("testd.conf"));
	f = fopen(tmp, "we");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, tmp_path("testd.conf")), 0);
}

static char *read_file(const char *path)
{
	static char buf[16384];
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Start argv (argv[0] run by path) with stderr to log; extra env "K=V" or NULL. */
static pid_t spawn(char *const argv[], const char *log, const char *env, bool watchdog_pid)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		char pidbuf[16];

		dup2(fd, 2);
		dup2(fd, 1);
		if (env)
			putenv((char *)env);
		if (watchdog_pid) {
			snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
			setenv("WATCHDOG_PID", pidbuf, 1);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int wait_exit(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static pid_t start_testd(const char *env, bool watchdog_pid)
{
	char *argv[] = { (char *)testd_path(), "-c", tmp_path("testd.conf"), NULL };

	drain();
	return spawn(argv, tmp_path("testd.log"), env, watchdog_pid);
}

static void skeleton_lifecycle(void **state)
{
	char want[1024];
	const char *conf = tmp_path("testd.conf");
	pid_t pid;
	uint64_t t0;

	(void)state;
	write_conf("# np-testd\ngreeting = \"hello\";\n");
	pid = start_testd(NULL, false);
	assert_string_equal(next_event(), "READY=1");
	snprintf(want, sizeof(want), "STATUS=greeting=hello level=info uid=%u fds=0",
		 (unsigned)getuid());
	assert_string_equal(next_event(), want);

	/* A broken file: the daemon keeps running the old configuration. */
	write_conf("# np-testd\ngretting = \"bye\";\n");
	t0 = mono_usec();
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_reloading(next_event(), t0);
	snprintf(want, sizeof(want), "READY=1\nSTATUS=reload failed, running the previous "
		 "configuration: %s:2: unknown setting \"gretting\" (and 1 more error)", conf);
	assert_string_equal(next_event(), want);
	assert_int_equal(kill(pid, 0), 0);

	/* A syntax error is no different. */
	write_conf("greeting = \"bye\"\nlevel = ;\n");
	t0 = mono_usec();
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_reloading(next_event(), t0);
	snprintf(want, sizeof(want), "READY=1\nSTATUS=reload failed, running the previous "
		 "configuration: %s:2: syntax error", conf);
	assert_string_equal(next_event(), want);

	/* A good file is applied. */
	write_conf("greeting = \"bonjour\";\nlevel = \"debug\";\n");
	t0 = mono_usec();
	assert_int_equal(kill(pid, SIGHUP), 0);
	assert_reloading(next_event(), t0);
	snprintf(want, sizeof(want), "STATUS=greeting=bonjour level=debug uid=%u fds=0",
		 (unsigned)getuid());
	assert_string_equal(next_event(), want);
	assert_string_equal(next_event(), "READY=1");

	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_string_equal(next_event(), "STOPPING=1");
	assert_int_equal(wait_exit(pid), 0);

	/* The log shows each step with its sd-daemon level. */
	assert_non_null(strstr(read_file(tmp_path("testd.log")),
			       "<5>np-testd " PACKAGE_VERSION " started\n"));
	snprintf(want, sizeof(want),
		 "<6>reloading %s\n"
		 "<3>%s:2: unknown setting \"gretting\"\n"
		 "<3>%s:1: missing required setting \"greeting\"\n"
		 "<3>reload failed, keeping the running configuration: %s:2: unknown setting "
		 "\"gretting\" (and 1 more error)\n", conf, conf, conf, conf);
	assert_non_null(strstr(read_file(tmp_path("testd.log")), want));
	assert_non_null(strstr(read_file(tmp_path("testd.log")),
			       "<6>greeting: bonjour\n<5>configuration reloaded from "));
	assert_non_null(strstr(read_file(tmp_path("testd.log")),
			       "<5>received SIGTERM, stopping\n<6>stopped\n"));
}

static int run_check(const char *text, const char **output)
{
	char *argv[] = { (char *)testd_path(), "-t", "-c", tmp_path("testd.conf"), NULL };
	int code;

	write_conf(text);
	code = wait_exit(spawn(argv, tmp_path("check.log"), NULL, false));
	*output = read_file(tmp_path("check.log"));
	return code;
}

static void check_mode_exit_codes(void **state)
{
	const char *conf = tmp_path("testd.conf"), *out;
	char want[1024];

	(void)state;
	assert_int_equal(run_check("greeting = \"hi\";\nlevel = \"notice\";\n", &out), 0);
	snprintf(want, sizeof(want), "%s: configuration OK\n", conf);
	assert_string_equal(out, want);

	assert_int_equal(run_check("greeting = \"hi\";\nlevel = \"loud\";\nuser = 0;\n", &out), 1);
	snprintf(want, sizeof(want),
		 "%s:2: level: \"loud\" is not one of: err, warning, notice, info, debug\n"
		 "%s:3: user: expected a string, found an integer\n"
		 "%s: 2 errors\n", conf, conf, conf);
	assert_string_equal(out, want);

	assert_int_equal(run_check("greeting = {\n", &out), 1);
	snprintf(want, sizeof(want), "%s:2: syntax error\n%s: 1 error\n", conf, conf);
	assert_string_equal(out, want);
}

static void command_line(void **state)
{
	char *version[] = { (char *)testd_path(), "-V", NULL };
	char *bad[] = { (char *)testd_path(), "-x", NULL };
	char *missing[] = { (char *)testd_path(), "-c", tmp_path("nonexistent.conf"), NULL };
	char want[512];

	(void)state;
	assert_int_equal(wait_exit(spawn(version, tmp_path("check.log"), NULL, false)), 0);
	assert_string_equal(read_file(tmp_path("check.log")),
			    "np-testd (" PACKAGE_NAME ") " PACKAGE_VERSION "\n");
	assert_int_equal(wait_exit(spawn(bad, tmp_path("check.log"), NULL, false)), 2);
	assert_non_null(strstr(read_file(tmp_path("check.log")), "Usage: np-testd [-c FILE]"));
	/* A daemon that cannot read its config does not start (and says so). */
	drain();
	assert_int_equal(wait_exit(spawn(missing, tmp_path("check.log"), NULL, false)), 1);
	snprintf(want, sizeof(want), "<3>%s: cannot read: No such file or directory\n",
		 tmp_path("nonexistent.conf"));
	assert_non_null(strstr(read_file(tmp_path("check.log")), want));
	assert_string_equal(next_msg(100), "");   /* never READY */
}

static void watchdog_keepalives(void **state)
{
	uint64_t end;
	int pings = 0;
	pid_t pid;

	(void)state;
	write_conf("greeting = \"wd\";\n");
	pid = start_testd("WATCHDOG_USEC=200000", true);
	assert_string_equal(next_msg(5000), "READY=1");
	/* 100 ms period: about 8 keep-alives in 800 ms. */
	end = mono_usec() + 800000;
	while (mono_usec() < end) {
		const char *m = next_msg((int)((end - mono_usec()) / 1000) + 1);

		if (strcmp(m, "WATCHDOG=1") == 0)
			pings++;
	}
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(wait_exit(pid), 0);
	assert_true(pings >= 3);   /* slack for a loaded machine */
	assert_true(pings <= 10);
}

static void no_watchdog_when_meant_for_another_pid(void **state)
{
	pid_t pid;

	(void)state;
	write_conf("greeting = \"wd\";\n");
	pid = start_testd("WATCHDOG_USEC=100000", false);   /* no WATCHDOG_PID: ours */
	assert_string_equal(next_msg(5000), "READY=1");
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(wait_exit(pid), 0);
	setenv("WATCHDOG_PID", "1", 1);
	pid = start_testd("WATCHDOG_USEC=100000", false);
	unsetenv("WATCHDOG_PID");
	assert_string_equal(next_msg(5000), "READY=1");
	assert_true(strncmp(next_msg(5000), "STATUS=", 7) == 0);
	assert_string_equal(next_msg(400), "");
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_string_equal(next_msg(5000), "STOPPING=1");
	assert_int_equal(wait_exit(pid), 0);
}

static int free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = bound_socket(SOCK_STREAM), port;

	getsockname(fd, (struct sockaddr *)&sa, &len);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* systemd-socket-activate (Debian's systemd package) passes one named fd. */
static void socket_activation_end_to_end(void **state)
{
	char listen[64], want[256];
	char *argv[] = { "/usr/bin/systemd-socket-activate", "-l", listen, "--fdname=testd",
			 "-E", "NOTIFY_SOCKET", (char *)testd_path(), "-c",
			 tmp_path("testd.conf"), NULL };
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = -1, port = free_port();
	pid_t pid;

	(void)state;
	if (access(argv[0], X_OK) != 0)
		skip();
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	sa.sin_port = htons((uint16_t)port);
	write_conf("greeting = \"activated\";\n");
	drain();
	pid = spawn(argv, tmp_path("testd.log"), NULL, false);
	/* It execs the daemon on the first connection. */
	for (int i = 0; i < 100; i++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(fd);
		fd = -1;
		usleep(20000);
	}
	assert_true(fd >= 0);
	assert_string_equal(next_event(), "READY=1");
	snprintf(want, sizeof(want), "STATUS=greeting=activated level=info uid=%u fds=1",
		 (unsigned)getuid());
	assert_string_equal(next_event(), want);
	assert_int_equal(kill(pid, SIGTERM), 0);   /* same pid: it exec'd */
	assert_string_equal(next_event(), "STOPPING=1");
	assert_int_equal(wait_exit(pid), 0);
	close(fd);
}

/* Needs root: the daemon switches to nobody after start, keeping CAP_NET_RAW. */
static void skeleton_drops_privileges(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	char want[256], status[64];
	pid_t pid;
	FILE *f;
	unsigned long long eff = 0;
	char line[256];

	(void)state;
	if (geteuid() != 0 || !pw)
		skip();
	write_conf("greeting = \"dropped\";\nuser = \"nobody\";\n");
	pid = start_testd(NULL, false);
	assert_string_equal(next_event(), "READY=1");
	snprintf(want, sizeof(want), "STATUS=greeting=dropped level=info uid=%u fds=0",
		 (unsigned)pw->pw_uid);
	assert_string_equal(next_event(), want);
	snprintf(status, sizeof(status), "/proc/%d/status", (int)pid);
	f = fopen(status, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		sscanf(line, "CapEff: %llx", &eff);
	fclose(f);
	assert_int_equal(eff, 1ULL << 13);   /* CAP_NET_RAW */
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_string_equal(next_event(), "STOPPING=1");
	assert_int_equal(wait_exit(pid), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(notify_messages),
		cmocka_unit_test(notify_without_systemd_is_a_noop),
		cmocka_unit_test(watchdog_usec_from_environment),
		cmocka_unit_test(socket_activation_by_name),
		cmocka_unit_test(socket_activation_for_another_pid),
		cmocka_unit_test(cloexec_helpers),
		cmocka_unit_test(privdrop_keeps_only_requested_caps),
		cmocka_unit_test(privdrop_unknown_user_fails),
		cmocka_unit_test(privdrop_skipped_when_not_root),
		cmocka_unit_test(skeleton_lifecycle),
		cmocka_unit_test(check_mode_exit_codes),
		cmocka_unit_test(command_line),
		cmocka_unit_test(watchdog_keepalives),
		cmocka_unit_test(no_watchdog_when_meant_for_another_pid),
		cmocka_unit_test(socket_activation_end_to_end),
		cmocka_unit_test(skeleton_drops_privileges),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
