/*
 * arpd.c: np-arpd's lifecycle (arpd.h): start with the first config, put a
 * reloaded one into effect, stop.  The skeleton (daemon.h) opens the
 * control socket and the metrics endpoint after start and refuses a reload
 * that changes a restart-only setting.
 */
#include "config.h"

#include <stddef.h>

#include "arpd.h"
#include "io.h"

void *arpd_conf_load_op(const struct np_conf *c, struct np_conf_err *e)
{
	return arpd_conf_load(c, e);
}

void arpd_conf_free_op(void *conf)
{
	arpd_conf_free(conf);
}

const struct np_common_conf *arpd_common(const void *conf)
{
	return &((const struct arpd_conf *)conf)->common;
}

/* The socket is opened once, with these. */
const struct np_restart_only arpd_restart_only[] = {
	{ "interface", offsetof(struct arpd_conf, interface), sizeof(((struct arpd_conf *)0)->interface), NULL },
	{ "receive_buffer", offsetof(struct arpd_conf, rcvbuf), sizeof(int), NULL },
	{ "batch", offsetof(struct arpd_conf, batch), sizeof(int), NULL },
	{ NULL, 0, 0, NULL },
};

int arpd_start(struct np_daemon *d, void *conf)
{
	struct arpd *a = np_daemon_userdata(d);
	struct arpd_conf *c = conf;

	a->d = d;
	np_daemon_set_log_level(d, c->common.log_level);
	if (arpd_io_start(a, c) < 0)
		return -1;
	if (c->common.user[0])
		np_daemon_set_privileges(d, c->common.user, 0);
	return 0;
}

int arpd_apply(struct np_daemon *d, void *conf, char *why, size_t cap)
{
	struct arpd *a = np_daemon_userdata(d);
	struct arpd_conf *c = conf;

	if (arpd_io_apply(a, c, why, cap) < 0)
		return -1;
	np_daemon_set_log_level(d, c->common.log_level);
	return 0;
}

void arpd_stop(struct np_daemon *d)
{
	arpd_io_stop(np_daemon_userdata(d));
}
