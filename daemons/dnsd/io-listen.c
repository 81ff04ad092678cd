/*
 * io-listen.c: np-dnsd's listening sockets: the ones systemd passes under
 * the name "dns" (or "dns-udp", "dns-tcp"), else a UDP and a TCP socket
 * bound to each `listen` address.
 */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include <netproto/error.h>

#include "io.h"
#include "log.h"
#include "notify.h"

uint32_t dnsd_peer_v4(const struct sockaddr *sa, uint16_t *port)
{
	/* Copies: a struct sockaddr may be less aligned than the family's. */
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in s;

		memcpy(&s, sa, sizeof(s));
		*port = ntohs(s.sin_port);
		return ntohl(s.sin_addr.s_addr);
	}
	if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 s;

		memcpy(&s, sa, sizeof(s));
		*port = ntohs(s.sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s.sin6_addr))
			return np_load_be32(&s.sin6_addr.s6_addr[12]);
		if (IN6_IS_ADDR_LOOPBACK(&s.sin6_addr))
			return 0x7f000001;
		return 0;              /* native IPv6: no IPv4 address, a port all the same */
	}
	*port = 0;
	return 0;
}

/*
 * Answers use the interface's MTU and ignore path MTU updates: a forged
 * ICMP "fragmentation needed" cannot make this server fragment answers
 * (fragments are how off-path attackers splice records into a UDP answer),
 * as Unbound, BIND and Knot do.  Larger answers than the client's EDNS size
 * are truncated with TC anyway (RFC 6891 §6.2.5).
 */
static void ignore_path_mtu(int fd)
{
	int omit = IP_PMTUDISC_OMIT;

	setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &omit, sizeof(omit));
}

/*
 * Answers leave from the address the query came to.  A socket bound to one
 * address does that by itself; only a wildcard socket needs IP_PKTINFO,
 * whose control message costs a copy each way for every datagram.
 */
static void pktinfo_if_wildcard(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int on = 1;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, &ss, sizeof(sin));
		on = sin.sin_addr.s_addr == htonl(INADDR_ANY);
	}
	setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
}

/*
 * The IPv4 address (0: any) and port a listener receives on, for the XDP
 * program; port 0 when it receives no IPv4 (an IPv6-only socket).  A
 * socket-activated dual-stack socket is bound to :: with IPV6_V6ONLY off.
 */
static void bound_v4(struct dnsd_listener *l)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 s6;
	socklen_t len = sizeof(ss), ol = sizeof(int);
	int v6only = 1;

	if (getsockname(l->fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	l->inet6 = ss.ss_family == AF_INET6;
	if (!l->inet6) {
		l->addr = dnsd_peer_v4((struct sockaddr *)&ss, &l->port);
		return;
	}
	memcpy(&s6, &ss, sizeof(s6));
	if (IN6_IS_ADDR_V4MAPPED(&s6.sin6_addr)) {
		l->addr = np_load_be32(&s6.sin6_addr.s6_addr[12]);
		l->port = ntohs(s6.sin6_port);
	} else if (IN6_IS_ADDR_UNSPECIFIED(&s6.sin6_addr) &&
		   getsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &ol) == 0 && !v6only) {
		l->port = ntohs(s6.sin6_port);
	}
}

static int add_listener(struct dnsd *io, int fd, bool tcp, bool activated)
{
	struct dnsd_listener *ls = realloc(io->ls, (io->nls + 1) * sizeof(*ls));
	struct dnsd_listener *l;

	if (!ls)
		return -1;
	io->ls = ls;
	l = &io->ls[io->nls];
	*l = (struct dnsd_listener){ .fd = fd, .tcp = tcp, .activated = activated, .io = io };
	bound_v4(l);
	io->nls++;
	return 0;
}

static int take_activated(struct dnsd *io)
{
	static const char *const names[] = { "dns", "dns-udp", "dns-tcp" };
	int n = 0;

	for (unsigned i = 0; i < 3; i++) {
		int fd;

		while ((fd = np_listen_fd_take(names[i])) >= 0) {
			int type = 0;
			socklen_t tl = sizeof(type);

			getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl);
			/* Passed sockets may be blocking: every read here must not be. */
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
			/* Answer from the address asked (also on dual-stack sockets). */
			if (type == SOCK_DGRAM) {
				pktinfo_if_wildcard(fd);
				ignore_path_mtu(fd);
			}
			if (add_listener(io, fd, type == SOCK_STREAM, true) < 0)
				return -1;
			n++;
		}
	}
	return n;
}

static int bind_listeners(struct dnsd *io, const struct dnsd_conf *conf)
{
	for (unsigned i = 0; i < conf->nlisten; i++) {
		struct np_sock_opts o = { .addr = conf->listen[i].addr, .port = conf->listen[i].port,
					  .rcvbuf = 4 << 20, .sndbuf = 4 << 20 };
		struct in_addr ia = { htonl(o.addr) };
		int u = np_udp_open(&o), t;

		if (u < 0) {
			np_log_err("listen %s:%u/udp: %s", inet_ntoa(ia), o.port, np_strerror(u));
			return -1;
		}
		pktinfo_if_wildcard(u);
		ignore_path_mtu(u);
		if (add_listener(io, u, false, false) < 0)
			return -1;
		t = np_tcp_listen(&o);
		if (t < 0) {
			np_log_err("listen %s:%u/tcp: %s", inet_ntoa(ia), o.port, np_strerror(t));
			return -1;
		}
		if (add_listener(io, t, true, false) < 0)
			return -1;
	}
	return 0;
}

int dnsd_listen_arm(struct dnsd *io)
{
	for (unsigned i = 0; i < io->nls; i++) {
		struct dnsd_listener *l = &io->ls[i];

		l->io = io;
		l->ev = event_new(dnsd_base(io), l->fd, EV_READ | EV_PERSIST,
				  l->tcp ? dnsd_tcp_on_accept : dnsd_udp_on_readable, l);
		if (!l->ev || event_add(l->ev, NULL) < 0)
			return -1;
	}
	return 0;
}

int dnsd_listen_open(struct dnsd *io, const struct dnsd_conf *conf)
{
	int n = take_activated(io);

	if (n < 0 || (n == 0 && bind_listeners(io, conf) < 0))
		return -1;
	return n;
}

void dnsd_listen_close(struct dnsd *io)
{
	for (unsigned i = 0; i < io->nls; i++) {
		if (io->ls[i].ev)
			event_free(io->ls[i].ev);
		close(io->ls[i].fd);
	}
	free(io->ls);
	io->ls = NULL;
	io->nls = 0;
}
