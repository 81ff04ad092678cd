/*
 * fuzz-ctl.c: the control socket's request handling (framing, JSON parsing,
 * command dispatch).  Every input must get an answer in Kea's shape: an
 * object with an integer "result" from 0 to 3 and a string "text".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *echo(const char *command, json_t *arguments, void *ctx)
{
	(void)command;
	(void)ctx;
	return np_ctl_answer(NP_CTL_SUCCESS, "echo", arguments ? json_incref(arguments) : NULL);
}

static struct np_ctl *fuzz_ctl(void)
{
	static struct np_ctl *ctl;
	static char dir[] = "/tmp/np-fuzz-ctl.XXXXXX";
	char path[64];
	struct np_ctl_opts opts = { .version = "fuzz" };

	if (ctl)
		return ctl;
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	opts.path = path;
	if (np_ctl_new(event_base_new(), &opts, &ctl) < 0)
		abort();
	/* The socket file is not needed: requests go through np_ctl_handle(). */
	unlink(path);
	rmdir(dir);
	if (np_ctl_register(ctl, "echo", echo, NULL) < 0)
		abort();
	return ctl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *answer = np_ctl_handle(fuzz_ctl(), data, size);
	json_t *result, *text;

	if (!answer || !json_is_object(answer))
		abort();
	result = json_object_get(answer, "result");
	text = json_object_get(answer, "text");
	if (!json_is_integer(result) || json_integer_value(result) < NP_CTL_SUCCESS ||
	    json_integer_value(result) > NP_CTL_EMPTY || (text && !json_is_string(text)))
		abort();
	json_decref(answer);
	return 0;
}
