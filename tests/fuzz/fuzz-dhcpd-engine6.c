/*
 * fuzz-dhcpd-engine6.c: np-dhcpd's DHCPv6 message handler (engine6_handle)
 * on a configuration with an IA_NA pool, an IA_PD pool, a relayed subnet,
 * a reservation and rapid commit.
 *
 * The input is a sequence of messages, each prefixed by a length octet pair
 * (be16) and a flags octet (bit 0: sent to the multicast group, bit 1:
 * advance the clock an hour, bit 2: from a relay's global address), so state
 * carries from one message to the next.  Properties: every reply parses
 * (through its relays) as an ADVERTISE or REPLY with valid options, a reply
 * that binds waits for its journal records, and the lease table never holds
 * one address twice (checked by replaying it into a fresh table).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/dhcp6.h>

#include "engine6.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t server_duid[] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, 1 };
static const uint8_t dns[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t domain[] = { 3, 'l', 'a', 'n', 0 };
static const struct engine6_option opts[] = {
	{ NP_DHCP6_OPT_DNS_SERVERS, sizeof(dns), dns },
	{ NP_DHCP6_OPT_DOMAIN_LIST, sizeof(domain), domain },
};
static const struct engine6_pool pools[] = {
	{ { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x10 }, { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x17 } },
};
static const struct engine6_pool rpools[] = {
	{ { 0x20, 0x01, 0x0d, 0xb8, 0, 3, [15] = 0x10 }, { 0x20, 0x01, 0x0d, 0xb8, 0, 3, [15] = 0x1f } },
};
static const struct engine6_pd_pool pd[] = {
	{ { 0x20, 0x01, 0x0d, 0xb8, 1, 0 }, 40, 43 },
};
static const uint8_t resv_duid[] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, 0x99 };
static const struct engine6_reservation resv[] = {
	{ .duid = resv_duid, .duid_len = sizeof(resv_duid), .has_addr = true,
	  .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x42 }, .hostname = "printer" },
};
static const struct engine6_subnet subnets[] = {
	{ .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 }, .prefix_len = 64, .ifindex = 3,
	  .pools = pools, .npools = 1, .pd_pools = pd, .npd_pools = 1, .preferred = 3000,
	  .valid = 4000, .rapid_commit = true, .opts = opts, .nopts = 2, .resv = resv, .nresv = 1 },
	{ .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 3 }, .prefix_len = 64, .pools = rpools, .npools = 1,
	  .preferred = 50, .valid = 60, .t1 = 6, .t2 = 40 },
};
static const struct engine6_config cfg = {
	.server_duid = server_duid, .server_duid_len = sizeof(server_duid), .info_refresh = 3600,
	.decline_probation = 86400, .remember = 600, .subnets = subnets, .nsubnets = 2,
};

static void check_reply(const struct engine6_out *out)
{
	struct np_dhcp6 relays[NP_DHCP6_MAX_RELAY_DEPTH], m;

	if (out->len == 0) {
		if (out->nchanges != 0 && out->wait_commit)
			abort();
		return;
	}
	if (out->len > ENGINE6_REPLY_MAX || out->dest == ENGINE6_DEST_NONE)
		abort();
	if (np_dhcp6_unwrap(out->buf, out->len, relays, NP_DHCP6_MAX_RELAY_DEPTH, &m) < 0)
		abort();
	if (m.msg_type != NP_DHCP6_ADVERTISE && m.msg_type != NP_DHCP6_REPLY)
		abort();
	if (np_dhcp6_opts_validate(m.options, m.options_len) != 0)
		abort();
	if (out->wait_commit != (out->nchanges > 0))
		abort();
	if (m.msg_type == NP_DHCP6_ADVERTISE && out->nchanges != 0)
		abort();
}

static void check_table(struct lease6_table *lt)
{
	struct lease6_table *copy = lease6_table_new();
	struct lease6_data rec;
	struct lease6 *l;
	size_t cur = 0;

	if (copy == NULL)
		return;
	while ((l = lease6_iter(lt, &cur)) != NULL) {
		lease6_get(l, &rec);
		if (lease6_apply(copy, &rec) != 0)
			abort();
	}
	if (lease6_count(copy) != lease6_count(lt))
		abort();
	lease6_table_free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct engine6_out out;
	struct lease6_table *lt = lease6_table_new();
	struct engine6 *e = NULL;
	int64_t now = 1763770000;
	size_t off = 0;

	if (lt == NULL || engine6_new(&cfg, lt, &e) != 0)
		abort();
	while (size - off >= 3) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		uint8_t flags = data[off + 2];
		struct engine6_rx rx = { .ifindex = 3, .multicast = flags & 1, .src_port = 546,
					 .src = { 0xfe, 0x80, [15] = 0x0c } };

		if (flags & 4) {
			static const uint8_t relay[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2 };

			memcpy(rx.src, relay, 16);
		}
		off += 3;
		if (len > size - off)
			len = size - off;
		if (flags & 2)
			now += 3600;
		(void)engine6_expire(e, now, 0, NULL, NULL);
		(void)engine6_handle(e, data + off, len, &rx, now, &out);
		check_reply(&out);
		off += len;
	}
	check_table(lt);
	engine6_free(e);
	lease6_table_free(lt);
	return 0;
}
