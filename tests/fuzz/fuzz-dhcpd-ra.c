/*
 * fuzz-dhcpd-ra.c: np-dhcpd's Router Solicitation handler (ra_handle_rs)
 * and the RAs it leads to.
 *
 * The input is a sequence of solicitations, each prefixed by a length
 * octet pair (be16) and a flags octet (bit 0: from the unspecified
 * address, bit 1: hop limit 64, bits 2..7: milliseconds to advance the
 * clock, times 100), so the schedule carries from one to the next.
 * Properties: every RA that falls due is built and parses back as an RA
 * with its options; answers are never scheduled sooner than now nor later
 * than MAX_RA_DELAY_TIME past now (unicast) or past MIN_DELAY_BETWEEN_RAS
 * after the last multicast one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/icmp6.h>

#include "ra.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t router_ll[16] = { 0xfe, 0x80, [15] = 1 };
static const uint8_t host_ll[16] = { 0xfe, 0x80, [15] = 0x99 };
static const uint8_t unspecified[16];
static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 2 };
static const uint8_t mac[6] = { 2, 0, 0x5e, 0, 0, 1 };

static void config(struct ra_config *c)
{
	memset(c, 0, sizeof(*c));
	c->managed = true;
	c->router_lifetime = 1800;
	c->min_interval_ms = 200000;
	c->max_interval_ms = 600000;
	c->cur_hop_limit = 64;
	c->mtu = 1500;
	c->solicited_unicast = true;
	c->prefixes[0] = (struct ra_prefix){ .prefix = { 0x20, 0x01, 0x0d, 0xb8 }, .len = 64,
					     .on_link = true, .autonomous = true,
					     .valid_lifetime = 86400, .preferred_lifetime = 14400 };
	c->nprefixes = 1;
	c->nrdnss = 1;
	c->rdnss[0][0] = 0x20;
	c->dns_lifetime = 1800;
}

static void send_due(struct ra_iface *ri, int64_t now, uint32_t rnd)
{
	struct ra_send s;
	uint8_t buf[RA_MSG_MAX];
	struct np_icmp6 m;
	struct np_ndp nd;

	while (ra_poll(ri, now, rnd, &s) == 1) {
		int n = ra_build(ri, false, router_ll, s.dst, mac, buf, sizeof(buf));

		if (n < 0 || np_icmp6_parse(buf, (size_t)n, router_ll, s.dst, &m) != 0 ||
		    np_ndp_parse(&m, &nd) != 0 || nd.type != NP_ICMP6_ND_ROUTER_ADVERT)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ra_config c;
	struct ra_iface ri;
	int64_t now = 1000000;
	uint32_t rnd = 0;

	config(&c);
	ra_iface_init(&ri, &c, now);
	while (size >= 3) {
		size_t len = (size_t)data[0] << 8 | data[1];
		uint8_t flags = data[2];
		const uint8_t *src = (flags & 1) ? unspecified : host_ll;
		int64_t last;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		now += (int64_t)(flags >> 2) * 100;
		rnd = rnd * 1103515245u + 12345u;
		send_due(&ri, now, rnd);
		last = ri.last_multicast_ms;
		if (ra_handle_rs(&ri, data, len, src, all_routers, (flags & 2) ? 64 : 255, now, rnd) ==
		    RA_RS_OK) {
			int64_t due = ra_next_due(&ri);

			if (due < now && due != ri.next_ms)
				abort();
			if (ri.solicited_ms != INT64_MAX && last != INT64_MIN &&
			    ri.solicited_ms > (now > last + RA_MIN_DELAY_BETWEEN_RAS_MS ? now :
					       last + RA_MIN_DELAY_BETWEEN_RAS_MS) + RA_MAX_RA_DELAY_TIME_MS)
				abort();
			for (size_t i = 0; i < ri.nunicast; i++)
				if (ri.unicast[i].due_ms < now - RA_MAX_RA_DELAY_TIME_MS ||
				    ri.unicast[i].due_ms > now + RA_MAX_RA_DELAY_TIME_MS)
					abort();
		}
		data += len;
		size -= len;
	}
	send_due(&ri, now + 700000, rnd);
	return 0;
}
