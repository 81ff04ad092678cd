/* test-log.c: sd-daemon prefixes, threshold, sanitizing and rate limits. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/* Each test logs into a pipe and reads back what a journal would get. */
static int pipe_fds[2];
static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static int setup(void **state)
{
	(void)state;
	if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	np_log_set_fd(pipe_fds[1]);
	np_log_set_level(NP_LOG_INFO);
	np_log_set_clock(fake_clock);
	fake_now = 1000000;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	np_log_set_fd(2);
	np_log_set_clock(NULL);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	return 0;
}

/* Everything written since the last call. */
static const char *output(void)
{
	static char buf[65536];
	ssize_t n = read(pipe_fds[0], buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void prefixes_are_sd_daemon_levels(void **state)
{
	(void)state;
	np_log_set_level(NP_LOG_DEBUG);
	np_log_err("e %d", 1);
	np_log_warning("w");
	np_log_notice("n");
	np_log_info("i %s", "x");
	np_log_debug("d");
	assert_string_equal(output(), "<3>e 1\n<4>w\n<5>n\n<6>i x\n<7>d\n");
}

static void threshold_drops_higher_levels(void **state)
{
	(void)state;
	np_log_set_level(NP_LOG_WARNING);
	np_log_info("hidden");
	np_log_debug("hidden");
	np_log_warning("shown");
	np_log_err("shown too");
	assert_string_equal(output(), "<4>shown\n<3>shown too\n");
	assert_false(np_log_enabled(NP_LOG_NOTICE));
	assert_true(np_log_enabled(NP_LOG_WARNING));
	/* Out-of-range thresholds clamp to err..debug. */
	np_log_set_level(99);
	assert_int_equal(np_log_get_level(), NP_LOG_DEBUG);
	np_log_set_level(0);
	assert_int_equal(np_log_get_level(), NP_LOG_ERR);
}

static void level_names(void **state)
{
	(void)state;
	assert_int_equal(np_log_level_from_name("err"), NP_LOG_ERR);
	assert_int_equal(np_log_level_from_name("warning"), NP_LOG_WARNING);
	assert_int_equal(np_log_level_from_name("notice"), NP_LOG_NOTICE);
	assert_int_equal(np_log_level_from_name("INFO"), NP_LOG_INFO);
	assert_int_equal(np_log_level_from_name("debug"), NP_LOG_DEBUG);
	assert_int_equal(np_log_level_from_name("verbose"), -1);
	assert_string_equal(np_log_level_name(NP_LOG_NOTICE), "notice");
	assert_string_equal(np_log_level_name(12), "?");
}

/* A newline from the network must not forge a second journal line. */
static void control_characters_cannot_forge_lines(void **state)
{
	(void)state;
	np_log_info("host %s", "evil\n<3>forged\r\x1b[31m");
	assert_string_equal(output(), "<6>host evil?<3>forged??[31m\n");
}

static void long_messages_are_cut_to_one_line(void **state)
{
	static char big[3 * NP_LOG_LINE_MAX];
	const char *out;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	np_log_info("%s", big);
	out = output();
	assert_int_equal(strlen(out), NP_LOG_LINE_MAX - 1);
	assert_memory_equal(out, "<6>xxx", 6);
	assert_int_equal(out[NP_LOG_LINE_MAX - 2], '\n');
	assert_ptr_equal(strchr(out, '\n'), out + NP_LOG_LINE_MAX - 2);
}

static void errno_survives_logging(void **state)
{
	(void)state;
	errno = EADDRINUSE;
	np_log_err("bind: %s", strerror(errno));
	assert_int_equal(errno, EADDRINUSE);
	output();
}

/* The limiter itself: burst 3 per second, driven by explicit times. */
static void ratelimit_burst_then_suppress(void **state)
{
	struct np_ratelimit rl = NP_RATELIMIT_INIT(1000000, 3);
	unsigned sup = 99;

	(void)state;
	assert_true(np_ratelimit_check(&rl, 5000000, &sup));
	assert_int_equal(sup, 0);
	assert_true(np_ratelimit_check(&rl, 5000001, &sup));
	assert_true(np_ratelimit_check(&rl, 5000002, &sup));
	assert_false(np_ratelimit_check(&rl, 5000003, &sup));
	assert_false(np_ratelimit_check(&rl, 5999999, &sup));
	/* A new interval begins one second after the first message. */
	assert_true(np_ratelimit_check(&rl, 6000000, &sup));
	assert_int_equal(sup, 2);
	assert_true(np_ratelimit_check(&rl, 6000001, &sup));
	assert_int_equal(sup, 0);
}

static void log_bad_packet(int i)
{
	NP_LOG_RATELIMIT(NP_LOG_WARNING, "bad packet %d", i);
}

static void log_other_site(int i)
{
	NP_LOG_RATELIMIT_N(1000000, 1, NP_LOG_NOTICE, "other %d", i);
}

/* NP_LOG_RATELIMIT: 10 per 5 s per call site, then one "suppressed" line. */
static void ratelimit_macro_per_call_site(void **state)
{
	char want[1024];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 15; i++)
		log_bad_packet(i);
	log_other_site(0);
	log_other_site(1);    /* its own state: burst 1 */
	for (int i = 0; i < 10; i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "<4>bad packet %d\n", i);
	snprintf(want + n, sizeof(want) - n, "<5>other 0\n");
	assert_string_equal(output(), want);

	fake_now += 4999999;
	log_bad_packet(15);
	assert_string_equal(output(), "");
	fake_now += 1;
	log_bad_packet(16);
	log_other_site(2);
	assert_string_equal(output(),
			    "<4>suppressed 6 messages like the next one\n<4>bad packet 16\n"
			    "<5>suppressed 1 message like the next one\n<5>other 2\n");
}

static void log_debug_site(int i)
{
	NP_LOG_RATELIMIT_N(1000000, 2, NP_LOG_DEBUG, "debug %d", i);
}

/* Messages under the threshold neither print nor use up the burst. */
static void ratelimit_ignores_filtered_messages(void **state)
{
	(void)state;
	np_log_set_level(NP_LOG_INFO);
	for (int i = 0; i < 5; i++)
		log_debug_site(i);
	np_log_set_level(NP_LOG_DEBUG);
	log_debug_site(5);
	log_debug_site(6);
	log_debug_site(7);
	assert_string_equal(output(), "<7>debug 5\n<7>debug 6\n");
}

/* Without an injected clock the limiter runs on CLOCK_MONOTONIC. */
static void real_clock_is_monotonic(void **state)
{
	uint64_t a, b;

	(void)state;
	np_log_set_clock(NULL);
	a = np_log_now_usec();
	usleep(2000);
	b = np_log_now_usec();
	assert_true(b >= a + 2000);
	assert_true(b < a + 2000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(prefixes_are_sd_daemon_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(threshold_drops_higher_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(level_names, setup, teardown),
		cmocka_unit_test_setup_teardown(control_characters_cannot_forge_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(long_messages_are_cut_to_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(errno_survives_logging, setup, teardown),
		cmocka_unit_test_setup_teardown(ratelimit_burst_then_suppress, setup, teardown),
		cmocka_unit_test_setup_teardown(ratelimit_macro_per_call_site, setup, teardown),
		cmocka_unit_test_setup_teardown(ratelimit_ignores_filtered_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(real_clock_is_monotonic, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
