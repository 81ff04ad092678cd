/*
 * dnsd.c: np-dnsd's state and lifecycle (see dnsd.h): start (still
 * privileged: listeners, the AF_XDP socket), reload, stop.
 */
#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "io.h"
#include "log.h"
#include "notify.h"

uint64_t dnsd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct event_base *dnsd_base(struct dnsd *io)
{
	return np_daemon_base(io->d);
}

void *dnsd_conf_load_op(const struct np_conf *c, struct np_conf_err *e)
{
	return dnsd_conf_load(c, e);
}

void dnsd_conf_free_op(void *conf)
{
	dnsd_conf_free(conf);
}

const struct np_common_conf *dnsd_common(const void *conf)
{
	return &((const struct dnsd_conf *)conf)->common;
}

/* Default access control: loopback and the subnets of our own addresses. */
static void default_acl(struct dnsd *io)
{
	struct dnsd_acl_entry acl[64] = { { 0x7f000000, 8, DNSD_ACL_ALLOW } };
	unsigned n = 1;
	struct ifaddrs *ifa, *p;

	if (getifaddrs(&ifa) == 0) {
		for (p = ifa; p && n < 64; p = p->ifa_next) {
			uint32_t a, m;
			uint16_t port;
			uint8_t prefix = 0;

			if (!p->ifa_addr || !p->ifa_netmask || p->ifa_addr->sa_family != AF_INET ||
			    p->ifa_netmask->sa_family != AF_INET)
				continue;
			a = dnsd_peer_v4(p->ifa_addr, &port);
			m = dnsd_peer_v4(p->ifa_netmask, &port);
			while (prefix < 32 && (m & (0x80000000u >> prefix)))
				prefix++;
			acl[n++] = (struct dnsd_acl_entry){ a & m, prefix, DNSD_ACL_ALLOW };
		}
		freeifaddrs(ifa);
	}
	dnsd_engine_set_default_acl(&io->eng, acl, n);
}

/* One socket per upstream try and per TCP client: 1024 descriptors is too few. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			np_log_warning("cannot raise the descriptor limit: %s", strerror(errno));
	}
}

static int start(struct dnsd *io, struct dnsd_conf *conf)
{
	struct dnsd_engine_ops ops = { dnsd_io_random, io };
	int n;

	io->conf = conf;
	io->started_ms = dnsd_now_ms();
	raise_fd_limit();
	io->slots = calloc(DNSD_SLOTS, sizeof(*io->slots));
	io->tcpin = malloc(NP_DNS_MSG_MAX);
	io->tcpout = malloc(NP_DNS_MSG_MAX);
	io->upbuf = malloc(NP_DNS_MSG_MAX);
	if (!io->slots || !io->tcpin || !io->tcpout || !io->upbuf ||
	    np_batch_init(&io->rx, RX_BATCH, UDP_BUF) < 0 ||
	    np_batch_init(&io->tx, RX_BATCH, UDP_BUF) < 0 ||
	    np_batch_init(&io->late, 1, UDP_BUF) < 0 || dnsd_engine_init(&io->eng, &conf->policy, &ops) < 0) {
		np_log_err("out of memory");
		return -1;
	}
	dnsd_slots_init(io);
	np_conn_set_init(&io->tcp, conf->tcp_max_connections, conf->tcp_per_client);
	default_acl(io);
	n = dnsd_listen_open(io, conf);
	if (n < 0 || dnsd_listen_arm(io) < 0)
		return -1;
	if (n > 0)
		np_log_info("using %d socket-activated listeners", n);
	if (conf->xdp_interface[0] && dnsd_xdp_start(io, conf) < 0)
		return -1;
	np_daemon_set_privileges(io->d, conf->common.user[0] ? conf->common.user : NULL, 0);
	np_notify_status("serving on %u sockets, %u upstream sets", io->nls, conf->policy.nsets);
	return 0;
}

static bool same_listen(const void *old_conf, const void *new_conf)
{
	const struct dnsd_conf *a = old_conf, *b = new_conf;

	return a->nlisten == b->nlisten &&
	       memcmp(a->listen, b->listen, a->nlisten * sizeof(a->listen[0])) == 0;
}

static bool same_xdp_interface(const void *old_conf, const void *new_conf)
{
	const struct dnsd_conf *a = old_conf, *b = new_conf;

	return strcmp(a->xdp_interface, b->xdp_interface) == 0;
}

/* The listeners are bound, and the AF_XDP socket attached, once at start. */
const struct np_restart_only dnsd_restart_only[] = {
	{ "listen", 0, 0, same_listen },
	{ "xdp_interface", 0, 0, same_xdp_interface },
	{ NULL, 0, 0, NULL },
};

static int apply(struct dnsd *io, struct dnsd_conf *conf, char *why, size_t cap)
{
	if (dnsd_engine_configure(&io->eng, &conf->policy) < 0) {
		snprintf(why, cap, "out of memory");
		return -1;
	}
	if (io->eng.reload_kept)
		np_log_info("local zone: %zu dynamic records kept", io->eng.reload_kept);
	if (io->eng.reload_dropped)
		np_log_notice("local zone: %zu dynamic records at names the new "
			      "configuration defines dropped: configured records win",
			      io->eng.reload_dropped);
	io->conf = conf;
	np_conn_set_limits(&io->tcp, conf->tcp_max_connections, conf->tcp_per_client);
	default_acl(io);
	np_notify_status("serving on %u sockets, %u upstream sets (reloaded)", io->nls,
			 conf->policy.nsets);
	return 0;
}

void dnsd_stop(struct np_daemon *d)
{
	struct dnsd *io = np_daemon_userdata(d);

	/* Whoever still waits gets SERVFAIL, every try's socket goes. */
	if (io->slots)
		while (dnsd_engine_drain(&io->eng, dnsd_now_ms()))
			dnsd_io_run(io);
	dnsd_engine_free(&io->eng);
	dnsd_tcp_close_all(io);
	dnsd_xdp_stop(io);
	dnsd_listen_close(io);
	np_batch_free(&io->rx);
	np_batch_free(&io->tx);
	np_batch_free(&io->late);
	free(io->slots);
	free(io->tcpin);
	free(io->tcpout);
	free(io->upbuf);
	io->slots = NULL;
}

int dnsd_start(struct np_daemon *d, void *conf)
{
	struct dnsd *io = np_daemon_userdata(d);
	struct dnsd_conf *c = conf;

	io->d = d;
	np_daemon_set_log_level(d, c->common.log_level);
	return start(io, c);
}

int dnsd_apply(struct np_daemon *d, void *conf, char *why, size_t cap)
{
	struct dnsd_conf *c = conf;

	np_daemon_set_log_level(d, c->common.log_level);
	return apply(np_daemon_userdata(d), c, why, cap);
}
