/*
 * main.c: np-tcpprobe, a TCP handshake prober over AF_PACKET.
 *
 *   np-tcpprobe [options] HOST PORT[,PORT|-PORT...]
 *
 * For each port, COUNT times, a SYN goes out with the configured options
 * from a source port of our own; probe.c classifies the answer and
 * completes and closes open connections; report.c prints the result.
 * HOST is an IPv4 or IPv6 address or a name (its first address, or the
 * first of the family -4 / -6 ask for).
 * The kernel is kept from resetting those connections by an nftables
 * table for the run (io.c), or by a --source address it does not own,
 * for which we answer ARP (IPv6: Neighbor Solicitations) ourselves.  Exit status: 0 every probe open,
 * 1 some were not, 2 an error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <netproto/ether.h>
#include <netproto/ipv4.h>
#include <netproto/ipv6.h>

#include "config.h"
#include "clock.h"
#include "io.h"
#include "netio.h"
#include "probe.h"
#include "report.h"

#define EXIT_ERROR 2
#define MAX_PORTS 65536
#define MAX_PROBES 100000000u
#define SPORT_SLOTS 1024         /* distinct source ports per run, at most */
#define MAX_INFLIGHT 256         /* probes waiting for an answer or a close */
#define SPORT_AUTO_LO 61000      /* above Linux's ephemeral range (32768-60999) */
#define ETHERTYPE_IPV6_ 0x86dd   /* RFC 2464 §3 */

struct options {
	unsigned int count;
	double interval;             /* seconds */
	double timeout;              /* seconds */
	const char *ifname;
	int sport;                   /* -1: random */
	const char *source;
	int family;                  /* AF_UNSPEC, or AF_INET / AF_INET6 (-4, -6) */
	struct probe_config probe;   /* options of the SYN */
	int json;
	const char *host;
	const char *port_list;       /* -p PORTS, or the second operand */
	uint16_t *ports;
	unsigned int nports;
};

struct slot {
	struct probe p;
	unsigned int seq;
	int used;
	int reported;
};

struct run {
	struct options *o;
	struct io_route route;
	struct np_ifinfo ifinfo;
	struct probe_addr dst, src;
	int v4;                      /* the target is IPv4 */
	int scope_ifindex;           /* a link-local IPv6 target's zone (fe80::1%eth0) */
	uint8_t dmac[6];
	int own_source;              /* --source the kernel does not own: we answer ARP / NS */
	int ipfd, arpfd, sigfd;
	char table[IO_NFT_TABLE_LEN];
	uint16_t sport_lo;
	unsigned int nslots;
	struct slot *slots;
	unsigned int total, next, inflight;
	uint64_t next_send;
	uint64_t key[2];             /* the host's secret for ISNs and TSvals */
	struct report rep;
	int interrupted;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: np-tcpprobe [options] HOST PORT[,PORT|-PORT...]\n"
		"       np-tcpprobe [options] -p PORT[,PORT|-PORT...] HOST\n"
		"  -p, --ports LIST       the ports to probe (or as the second operand)\n"
		"  -4, -6                 HOST's IPv4 or IPv6 address only\n"
		"  -c, --count N          probes per port (default 1)\n"
		"  -i, --interval SEC     between probes (default 1, 0 = as fast as possible)\n"
		"  -w, --timeout SEC      wait for an answer, and for the close (default 1)\n"
		"  -I, --interface IFACE  send through IFACE\n"
		"      --sport PORT       first source port (default random above 61000)\n"
		"      --source ADDR      source address; one the kernel does not own gets our ARP/NA\n"
		"      --mss N            MSS option (default 1460), --no-mss\n"
		"      --wscale N         window scale option (default 7), --no-wscale\n"
		"      --no-sack          no SACK-permitted option\n"
		"      --no-timestamps    no timestamps option\n"
		"      --window N         window in the SYN (default 64240)\n"
		"      --ttl N            IP time to live, IPv6 hop limit (default 64)\n"
		"      --close fin|rst    close open connections by FIN (default) or RST\n"
		"      --json             one JSON object per probe and a summary\n"
		"  -h, --help, -V, --version\n");
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= 0) || v > 3600)
		return -1;
	*out = v;
	return 0;
}

/* "80,443,8000-8010" into o->ports, in the order written. */
static int parse_ports(const char *spec, struct options *o)
{
	char buf[4096], *tok, *save = NULL;

	if (strlen(spec) >= sizeof(buf))
		return -1;
	strcpy(buf, spec);
	o->ports = calloc(MAX_PORTS, sizeof(*o->ports));
	if (!o->ports)
		return -1;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		unsigned long lo, hi, p;

		if (dash)
			*dash = 0;
		if (parse_uint(tok, 65535, &lo) < 0 || lo == 0)
			return -1;
		hi = lo;
		if (dash && (parse_uint(dash + 1, 65535, &hi) < 0 || hi < lo))
			return -1;
		for (p = lo; p <= hi; p++) {
			if (o->nports >= MAX_PORTS)
				return -1;
			o->ports[o->nports++] = (uint16_t)p;
		}
	}
	return o->nports ? 0 : -1;
}

enum {
	OPT_SPORT = 256, OPT_SOURCE, OPT_MSS, OPT_NO_MSS, OPT_WSCALE, OPT_NO_WSCALE, OPT_NO_SACK,
	OPT_NO_TS, OPT_WINDOW, OPT_TTL, OPT_CLOSE, OPT_JSON,
};

static const struct option long_opts[] = {
	{ "count", required_argument, NULL, 'c' },
	{ "interval", required_argument, NULL, 'i' },
	{ "timeout", required_argument, NULL, 'w' },
	{ "interface", required_argument, NULL, 'I' },
	{ "sport", required_argument, NULL, OPT_SPORT },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "mss", required_argument, NULL, OPT_MSS },
	{ "no-mss", no_argument, NULL, OPT_NO_MSS },
	{ "wscale", required_argument, NULL, OPT_WSCALE },
	{ "no-wscale", no_argument, NULL, OPT_NO_WSCALE },
	{ "no-sack", no_argument, NULL, OPT_NO_SACK },
	{ "no-timestamps", no_argument, NULL, OPT_NO_TS },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "close", required_argument, NULL, OPT_CLOSE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "ports", required_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "np-tcpprobe: invalid %s '%s'\n", what, arg);
	return -1;
}

/* One option; 1 when the program should exit 0 (help, version), -1 on error. */
static int parse_opt(int c, const char *arg, struct options *o)
{
	unsigned long v;

	switch (c) {
	case '4':
		o->family = AF_INET;
		return 0;
	case '6':
		o->family = AF_INET6;
		return 0;
	case 'c':
		if (parse_uint(arg, MAX_PROBES, &v) < 0 || v == 0)
			return bad("count", arg);
		o->count = (unsigned int)v;
		return 0;
	case 'i':
		return parse_seconds(arg, &o->interval) < 0 ? bad("interval", arg) : 0;
	case 'w':
		if (parse_seconds(arg, &o->timeout) < 0 || o->timeout <= 0)
			return bad("timeout", arg);
		return 0;
	case 'p':
		o->port_list = arg;
		return 0;
	case 'I':
		o->ifname = arg;
		return 0;
	case OPT_SPORT:
		if (parse_uint(arg, 65535, &v) < 0 || v == 0)
			return bad("source port", arg);
		o->sport = (int)v;
		return 0;
	case OPT_SOURCE:
		o->source = arg;
		return 0;
	case OPT_MSS:
		if (parse_uint(arg, 65535, &v) < 0)
			return bad("MSS", arg);
		o->probe.mss = (uint16_t)v;
		return 0;
	case OPT_NO_MSS:
		o->probe.mss = 0;
		return 0;
	case OPT_WSCALE:
		if (parse_uint(arg, 14, &v) < 0)
			return bad("window scale (0..14)", arg);
		o->probe.wscale = (int)v;
		return 0;
	case OPT_NO_WSCALE:
		o->probe.wscale = -1;
		return 0;
	case OPT_NO_SACK:
		o->probe.sack = 0;
		return 0;
	case OPT_NO_TS:
		o->probe.timestamps = 0;
		return 0;
	case OPT_WINDOW:
		if (parse_uint(arg, 65535, &v) < 0 || v == 0)
			return bad("window", arg);
		o->probe.window = (uint16_t)v;
		return 0;
	case OPT_TTL:
		if (parse_uint(arg, 255, &v) < 0 || v == 0)
			return bad("TTL", arg);
		o->probe.ttl = (uint8_t)v;
		return 0;
	case OPT_CLOSE:
		if (strcmp(arg, "fin") && strcmp(arg, "rst"))
			return bad("close (fin or rst)", arg);
		o->probe.close_rst = strcmp(arg, "rst") == 0;
		return 0;
	case OPT_JSON:
		o->json = 1;
		return 0;
	case 'h':
		usage(stdout);
		return 1;
	case 'V':
		printf("np-tcpprobe %s\n", PACKAGE_VERSION);
		return 1;
	default:
		usage(stderr);
		return -1;
	}
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int c, r;

	memset(o, 0, sizeof(*o));
	o->count = 1;
	o->interval = 1;
	o->timeout = 1;
	o->sport = -1;
	o->probe.mss = 1460;
	o->probe.wscale = 7;
	o->probe.sack = 1;
	o->probe.timestamps = 1;
	o->probe.window = 64240;     /* Linux's initial window: 44 * 1460 */
	o->probe.ttl = 64;
	while ((c = getopt_long(argc, argv, "46c:i:w:I:p:hV", long_opts, NULL)) != -1) {
		r = parse_opt(c, optarg, o);
		if (r)
			return r;
	}
	/* HOST PORTS, or -p PORTS HOST (nmap's and hping3's habit); not both. */
	if (argc - optind != (o->port_list ? 1 : 2)) {
		usage(stderr);
		return -1;
	}
	o->host = argv[optind];
	if (!o->port_list)
		o->port_list = argv[optind + 1];
	if (parse_ports(o->port_list, o) < 0)
		return bad("port list", o->port_list);
	if ((uint64_t)o->count * o->nports > MAX_PROBES)
		return bad("count (too many probes)", o->port_list);
	return 0;
}

/* ---- set-up ----------------------------------------------------------- */

/* HOST's first address (getaddrinfo()'s order, RFC 6724 §6) of the family asked for. */
static int resolve_host(struct run *rn)
{
	const char *host = rn->o->host;
	struct addrinfo hints = { .ai_family = rn->o->family, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	int r = getaddrinfo(host, NULL, &hints, &res);

	if (r) {
		fprintf(stderr, "np-tcpprobe: unknown host %s: %s\n", host, gai_strerror(r));
		return -1;
	}
	if (res->ai_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)res->ai_addr;

		memcpy(rn->dst.b, &sin6->sin6_addr, NP_IPV6_ADDR_LEN);
		rn->scope_ifindex = (int)sin6->sin6_scope_id;
	} else {
		rn->dst = probe_addr_v4(ntohl(((const struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr));
	}
	freeaddrinfo(res);
	/* ::ffff:a.b.c.d is the IPv4 host a.b.c.d (RFC 4291 §2.5.5.2). */
	rn->v4 = probe_addr_is_v4(&rn->dst);
	return 0;
}

/* --source in the target's family. */
static int parse_source(struct run *rn, const char *text)
{
	uint32_t v4;

	if (rn->v4 && np_ipv4_addr_parse(text, &v4) == 0) {
		rn->src = probe_addr_v4(v4);
		return 0;
	}
	if (!rn->v4 && np_ipv6_addr_parse(text, rn->src.b) == 0 && !probe_addr_is_v4(&rn->src) &&
	    !np_ipv6_addr_is_unspecified(rn->src.b) && !np_ipv6_addr_is_multicast(rn->src.b))
		return 0;
	fprintf(stderr, "np-tcpprobe: invalid source address '%s' (an IPv%d address)\n", text,
		rn->v4 ? 4 : 6);
	return -1;
}

static void say_errno(const char *what, int err)
{
	if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "np-tcpprobe: %s: %s (raw sockets need CAP_NET_RAW, "
			"the nftables table CAP_NET_ADMIN: run as root)\n", what, strerror(-err));
	else
		fprintf(stderr, "np-tcpprobe: %s: %s\n", what, strerror(-err));
}

static int setup_route(struct run *rn)
{
	char a[NP_IPV6_ADDR_TEXT_LEN];
	int r;

	probe_addr_to_text(&rn->dst, a);
	if (rn->o->ifname && if_nametoindex(rn->o->ifname) == 0) {
		fprintf(stderr, "np-tcpprobe: %s: no such interface\n", rn->o->ifname);
		return -1;
	}
	if (!rn->v4 && np_ipv6_addr_is_link_local(rn->dst.b) && !rn->scope_ifindex &&
	    !rn->o->ifname) {
		fprintf(stderr, "np-tcpprobe: %s is link-local: give its link (%s%%IFACE or -I)\n", a,
			a);
		return -1;
	}
	r = io_route_get(&rn->dst, rn->o->ifname ? 0 : rn->scope_ifindex, rn->o->ifname,
			 &rn->route);
	if (r < 0) {
		fprintf(stderr, "np-tcpprobe: no route to %s%s%s: %s\n", a,
			rn->o->ifname ? " via " : "", rn->o->ifname ? rn->o->ifname : "",
			strerror(-r));
		return -1;
	}
	r = np_ifinfo_get(rn->route.ifname, &rn->ifinfo);
	if (r < 0) {
		say_errno(rn->route.ifname, r);
		return -1;
	}
	if (rn->ifinfo.hwtype != 1 /* ARPHRD_ETHER */ && !(rn->ifinfo.flags & IFF_LOOPBACK)) {
		fprintf(stderr, "np-tcpprobe: %s is not an Ethernet interface\n", rn->route.ifname);
		return -1;
	}
	rn->src = rn->route.src;
	if (rn->o->source) {
		if (parse_source(rn, rn->o->source) < 0)
			return -1;
		rn->route.has_src = 1;
		rn->own_source = !io_addr_is_local(&rn->src, rn->route.ifindex);
	}
	if (!rn->route.has_src || (rn->v4 && probe_addr_to_v4(&rn->src) == 0)) {
		fprintf(stderr, "np-tcpprobe: no source address on %s (use --source)\n",
			rn->route.ifname);
		return -1;
	}
	return 0;
}

static int open_sockets(struct run *rn)
{
	sigset_t set;
	uint16_t hi = (uint16_t)(rn->sport_lo + rn->nslots - 1);

	rn->ipfd = io_open_ip(rn->route.ifname, &rn->src, rn->sport_lo, hi);
	if (rn->ipfd < 0) {
		say_errno("packet socket", rn->ipfd);
		return -1;
	}
	/* IPv6's Neighbor Discovery is ICMPv6: it comes on the IP socket. */
	rn->arpfd = rn->v4 ? io_open_arp(rn->route.ifname) : -1;
	if (rn->v4 && rn->arpfd < 0) {
		say_errno("ARP packet socket", rn->arpfd);
		return -1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	rn->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (rn->sigfd < 0) {
		say_errno("signalfd", -errno);
		return -1;
	}
	return 0;
}

/* Wait up to ms for fd to be readable or a signal; 1 readable, 0 not, -1 signal. */
static int wait_readable(struct run *rn, int fd, int ms)
{
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = rn->sigfd, .events = POLLIN } };

	if (poll(p, 2, ms) < 0)
		return 0;
	if (p[1].revents) {
		rn->interrupted = 1;
		return -1;
	}
	return p[0].revents ? 1 : 0;
}

/*
 * IPv6: our own Neighbor Solicitations (RFC 4861 §7.2.2: three, one second
 * apart, as MAX_MULTICAST_SOLICIT and RETRANS_TIMER), answered on the IP
 * socket, which also answers solicitations for a --source address.
 */
static int solicit_nexthop(struct run *rn)
{
	char a[NP_IPV6_ADDR_TEXT_LEN];
	uint8_t frame[2048];
	int try;

	for (try = 0; try < 3; try++) {
		uint64_t end = np_mono_ns() + 1000000000u;

		io_send_ndp_solicit(rn->ipfd, rn->route.ifindex, rn->ifinfo.mac, &rn->src,
				    &rn->route.nexthop);
		while (np_mono_ns() < end) {
			size_t len;
			int ok, w = wait_readable(rn, rn->ipfd, (int)((end - np_mono_ns()) / 1000000u) + 1);

			if (w < 0)
				return -1;
			while (io_recv(rn->ipfd, frame, sizeof(frame), &len, &ok, NULL) == 0)
				if (io_ndp_input(rn->ipfd, rn->route.ifindex, frame, len,
						 rn->ifinfo.mac, &rn->src, rn->own_source,
						 &rn->route.nexthop, rn->dmac) == 1)
					return 0;
		}
	}
	probe_addr_to_text(&rn->route.nexthop, a);
	fprintf(stderr, "np-tcpprobe: next hop %s on %s does not answer Neighbor Solicitations\n",
		a, rn->route.ifname);
	return -1;
}

/* The next hop's MAC: the kernel's neighbour table, else three ARP requests (IPv6: NS). */
static int resolve_nexthop(struct run *rn)
{
	char a[NP_IPV4_ADDR_TEXT_LEN];
	uint8_t frame[128];
	uint32_t nexthop = probe_addr_to_v4(&rn->route.nexthop), src = probe_addr_to_v4(&rn->src);
	int try;

	if (rn->ifinfo.flags & IFF_LOOPBACK) {
		memset(rn->dmac, 0, 6);
		return 0;
	}
	if (io_neigh_get(rn->route.ifindex, &rn->route.nexthop, rn->dmac) == 0)
		return 0;
	if (!rn->v4)
		return solicit_nexthop(rn);
	for (try = 0; try < 3; try++) {
		uint64_t end = np_mono_ns() + 1000000000u;

		io_send_arp_request(rn->arpfd, rn->route.ifindex, rn->ifinfo.mac, src, nexthop);
		while (np_mono_ns() < end) {
			size_t len;
			int ok, w = wait_readable(rn, rn->arpfd, (int)((end - np_mono_ns()) / 1000000u) + 1);

			if (w < 0)
				return -1;
			while (io_recv(rn->arpfd, frame, sizeof(frame), &len, &ok, NULL) == 0)
				if (io_arp_input(rn->arpfd, rn->route.ifindex, frame, len,
						 rn->ifinfo.mac, src, rn->own_source, nexthop,
						 rn->dmac) == 1)
					return 0;
		}
	}
	np_ipv4_addr_to_text(nexthop, a);
	fprintf(stderr, "np-tcpprobe: next hop %s on %s does not answer ARP\n", a, rn->route.ifname);
	return -1;
}

static int setup_ports(struct run *rn)
{
	uint32_t r = 0;

	rn->total = rn->o->count * rn->o->nports;
	rn->nslots = rn->total < SPORT_SLOTS ? rn->total : SPORT_SLOTS;
	if (rn->o->sport > 0) {
		if ((unsigned)rn->o->sport + rn->nslots - 1 > 65535)
			rn->nslots = 65536 - (unsigned)rn->o->sport;
		rn->sport_lo = (uint16_t)rn->o->sport;
	} else {
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (uint32_t)getpid();
		rn->sport_lo = (uint16_t)(SPORT_AUTO_LO + r % (65536 - SPORT_AUTO_LO - rn->nslots + 1));
	}
	rn->slots = calloc(rn->nslots, sizeof(*rn->slots));
	if (!rn->slots) {
		fprintf(stderr, "np-tcpprobe: out of memory\n");
		return -1;
	}
	return 0;
}

static int setup_firewall(struct run *rn)
{
	int r;

	if (rn->own_source)
		return 0;            /* the kernel never sees these connections */
	r = io_nft_clean_stale();
	if (r == -ENOENT)
		r = 0;
	r = io_nft_add(rn->sport_lo, (uint16_t)(rn->sport_lo + rn->nslots - 1), &rn->dst,
		       rn->table);
	if (r == -ENOENT) {
		fprintf(stderr, "np-tcpprobe: nft not found: install nftables, or use --source "
			"with an address the kernel does not own\n");
		return -1;
	}
	if (r < 0) {
		rn->table[0] = 0;
		say_errno("cannot add the nftables table that stops the kernel's resets", r);
		return -1;
	}
	return 0;
}

/* ---- the run ------------------------------------------------------------ */

static void send_tx(struct run *rn, const struct probe_tx *tx)
{
	unsigned int i;

	for (i = 0; i < tx->count; i++)
		io_send_ip(rn->ipfd, rn->route.ifindex, rn->ifinfo.mac, rn->dmac, tx->pkt[i],
			   tx->len[i]);
}

/*
 * Each SYN's stamp from the error queue (io_tx_stamp()) to its probe, found
 * by source port and checked by sequence number.  The stamp is queued while
 * the SYN is sent, so this runs right after each SYN and again whenever
 * poll() reports the error queue.
 */
static void read_syn_stamps(struct run *rn)
{
	uint16_t port;
	uint32_t seq;
	uint64_t sent;
	int n, r;

	for (n = 0; n < 256 && (r = io_tx_stamp(rn->ipfd, &port, &seq, &sent)) != -EAGAIN; n++) {
		struct slot *s;

		if (r < 0 || port < rn->sport_lo || port - rn->sport_lo >= (int)rn->nslots)
			continue;
		s = &rn->slots[port - rn->sport_lo];
		if (s->used && s->p.iss == seq)
			probe_syn_stamp(&s->p, sent);
	}
}

static void finish_slot(struct run *rn, struct slot *s)
{
	if (s->reported || !probe_done(&s->p))
		return;
	s->reported = 1;
	rn->inflight--;
	report_probe(&rn->rep, &s->p, s->seq);
}

/* Start probe number rn->next if its source port is free; 0 or -1 (slot busy). */
static int send_next(struct run *rn, uint64_t now)
{
	struct slot *s = &rn->slots[rn->next % rn->nslots];
	struct probe_config cfg = rn->o->probe;
	struct probe_tx tx;
	uint32_t iss;

	if (s->used && !s->reported)
		return -1;
	cfg.src = rn->src;
	cfg.dst = rn->dst;
	cfg.sport = (uint16_t)(rn->sport_lo + rn->next % rn->nslots);
	cfg.dport = rn->o->ports[rn->next % rn->o->nports];
	cfg.timeout_ns = (uint64_t)(rn->o->timeout * 1e9);
	cfg.close_timeout_ns = cfg.timeout_ns;
	cfg.ts_offset = probe_ts_offset(rn->key, &cfg.src, &cfg.dst);
	iss = probe_isn(rn->key, &cfg.src, cfg.sport, &cfg.dst, cfg.dport, now);
	if (probe_start(&s->p, &cfg, iss, (uint16_t)(iss ^ rn->next), now, &tx) < 0)
		return -1;
	s->seq = rn->next;
	s->used = 1;
	s->reported = 0;
	io_send_ip_stamped(rn->ipfd, rn->route.ifindex, rn->ifinfo.mac, rn->dmac, tx.pkt[0],
			   tx.len[0]);
	read_syn_stamps(rn);
	report_sent(&rn->rep);
	rn->inflight++;
	rn->next++;
	return 0;
}

static void receive(struct run *rn)
{
	uint8_t frame[2048];
	uint64_t now;               /* when the kernel took the frame in */
	size_t len;
	int ok, n;

	for (n = 0; n < 256 && io_recv(rn->ipfd, frame, sizeof(frame), &len, &ok, &now) == 0; n++) {
		struct np_ether e;
		struct probe_tx tx;
		uint16_t port;
		struct slot *s;

		if (np_ether_parse(frame, len, &e) < 0 ||
		    e.ethertype != (rn->v4 ? NP_ETHERTYPE_IPV4 : ETHERTYPE_IPV6_))
			continue;
		if (probe_packet_port(e.payload, e.payload_len, &port) < 0) {
			/* Not about a probe: maybe a solicitation for our --source. */
			if (!rn->v4 && rn->own_source)
				io_ndp_input(rn->ipfd, rn->route.ifindex, frame, len, rn->ifinfo.mac,
					     &rn->src, 1, NULL, NULL);
			continue;
		}
		if (port < rn->sport_lo || port - rn->sport_lo >= (int)rn->nslots)
			continue;
		s = &rn->slots[port - rn->sport_lo];
		if (!s->used)
			continue;
		probe_input(&s->p, e.payload, e.payload_len, ok, now, &tx);
		send_tx(rn, &tx);
		finish_slot(rn, s);
	}
}

static void receive_arp(struct run *rn)
{
	uint8_t frame[128], mac[6];
	size_t len;
	int ok, n;

	for (n = 0; n < 64 && io_recv(rn->arpfd, frame, sizeof(frame), &len, &ok, NULL) == 0; n++)
		io_arp_input(rn->arpfd, rn->route.ifindex, frame, len, rn->ifinfo.mac,
			     probe_addr_to_v4(&rn->src), rn->own_source, 0, mac);
}

/* Expire deadlines; returns the earliest deadline still pending (or UINT64_MAX). */
static uint64_t expire(struct run *rn, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < rn->nslots; i++) {
		struct slot *s = &rn->slots[i];
		struct probe_tx tx;

		if (!s->used || probe_done(&s->p))
			continue;
		if (now >= s->p.deadline) {
			probe_timeout(&s->p, now, &tx);
			send_tx(rn, &tx);
			finish_slot(rn, s);
		} else if (s->p.deadline < next) {
			next = s->p.deadline;
		}
	}
	return next;
}

static int poll_ms(uint64_t now, uint64_t until)
{
	if (until == UINT64_MAX)
		return -1;
	if (until <= now)
		return 0;
	return (int)((until - now + 999999) / 1000000);
}

static void run_loop(struct run *rn)
{
	uint64_t interval = (uint64_t)(rn->o->interval * 1e9);

	io_host_key(rn->key);

	rn->next_send = np_mono_ns();
	while (!rn->interrupted && (rn->next < rn->total || rn->inflight > 0)) {
		struct pollfd p[3] = {
			{ .fd = rn->ipfd, .events = POLLIN },
			{ .fd = rn->arpfd, .events = POLLIN },
			{ .fd = rn->sigfd, .events = POLLIN },
		};
		uint64_t now = np_mono_ns(), wake;

		/* Each SYN's clock is read just before it goes (RTT starts there). */
		while (rn->next < rn->total && now >= rn->next_send && rn->inflight < MAX_INFLIGHT &&
		       send_next(rn, np_mono_ns()) == 0) {
			rn->next_send = interval ? rn->next_send + interval : now;
			if (interval)
				break;
		}
		wake = expire(rn, now);
		if (rn->next < rn->total && rn->inflight < MAX_INFLIGHT && rn->next_send < wake)
			wake = rn->next_send;
		if (rn->next >= rn->total && rn->inflight == 0)
			break;
		if (poll(p, 3, poll_ms(np_mono_ns(), wake)) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLERR)
			read_syn_stamps(rn);
		/* receive() also clears a socket error that POLLERR may stand for. */
		if (p[0].revents)
			receive(rn);
		if (p[1].revents)
			receive_arp(rn);
		if (p[2].revents)
			rn->interrupted = 1;
	}
}

/* Interrupted: reset what is open, count what never got an answer as not open. */
static void abort_open(struct run *rn)
{
	unsigned int i;

	for (i = 0; i < rn->nslots; i++) {
		struct slot *s = &rn->slots[i];
		struct probe_tx tx;

		if (!s->used || s->reported)
			continue;
		if (s->p.state != PROBE_SYN_SENT && !probe_done(&s->p)) {
			probe_timeout(&s->p, np_mono_ns(), &tx);
			send_tx(rn, &tx);
			finish_slot(rn, s);
		}
	}
}

static void cleanup(struct run *rn)
{
	if (rn->table[0])
		io_nft_del(rn->table);
	if (rn->ipfd >= 0)
		close(rn->ipfd);
	if (rn->arpfd >= 0)
		close(rn->arpfd);
	if (rn->sigfd >= 0)
		close(rn->sigfd);
	free(rn->slots);
	free(rn->o->ports);
}

int main(int argc, char **argv)
{
	struct options o;
	struct run rn;
	int r, status = EXIT_ERROR;

	r = parse_args(argc, argv, &o);
	if (r) {
		free(o.ports);
		return r > 0 ? 0 : EXIT_ERROR;
	}
	memset(&rn, 0, sizeof(rn));
	rn.o = &o;
	rn.ipfd = rn.arpfd = rn.sigfd = -1;
	if (resolve_host(&rn) < 0 || setup_route(&rn) < 0 || setup_ports(&rn) < 0 ||
	    open_sockets(&rn) < 0 || setup_firewall(&rn) < 0 || resolve_nexthop(&rn) < 0)
		goto out_cleanup;
	report_init(&rn.rep, stdout, o.json, o.host, &rn.dst);
	report_header(&rn.rep, &rn.src, rn.route.ifname, o.nports, o.count);
	run_loop(&rn);
	if (rn.interrupted)
		abort_open(&rn);
	report_summary(&rn.rep, rn.interrupted);
	status = report_status(&rn.rep);
out_cleanup:
	cleanup(&rn);
	return status;
}
