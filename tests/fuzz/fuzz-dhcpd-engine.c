/*
 * fuzz-dhcpd-engine.c: np-dhcpd's message handler (engine_handle) on a
 * small configuration with a relay subnet, a reservation and rapid commit.
 *
 * The input is a sequence of messages, each prefixed by a length octet pair
 * (be16) and a flags octet (bit 0: unicast, bit 1: advance the clock an
 * hour), so state carries from one message to the next.  Properties: every
 * reply parses as a BOOTREPLY within the client's size limit with a message
 * type, an ACK that binds carries its journal record, and the lease table
 * never holds one address twice or a client twice (checked by replaying its
 * records into a fresh table).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/dhcp4.h>

#include "engine.h"

/* A fixed hash key: the tests do not depend on where entries hash. */
static const struct np_hmap_key test_key = { 0x0123456789abcdefull, 0xfedcba9876543210ull };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NET 0x0a4d0000u

static const uint8_t routers[] = { 10, 77, 0, 1 };
static const uint8_t domain[] = "example.net";
static const struct engine_option opts[] = {
	{ NP_DHCP4_OPT_ROUTER, 4, routers },
	{ NP_DHCP4_OPT_DOMAIN_NAME, 11, domain },
};
static const struct engine_pool pools[] = { { NET + 100, NET + 107, 0, 0 } };
static const struct engine_pool rpools[] = { { NET + 0x100 + 10, NET + 0x100 + 20, 0, 0 } };
static const struct engine_reservation resv[] = {
	{ .client = { .htype = 1, .hlen = 6, .chaddr = { 2, 0, 0x5e, 0, 0, 0x99 } },
	  .addr = NET + 50, .hostname = "printer" },
};
static const struct engine_subnet subnets[] = {
	{ .addr = NET, .prefix = 24, .ifindex = 3, .pools = pools, .npools = 1, .lease_time = 3600,
	  .rapid_commit = true, .opts = opts, .nopts = 2, .resv = resv, .nresv = 1 },
	{ .addr = NET + 0x100, .prefix = 24, .pools = rpools, .npools = 1, .lease_time = 600,
	  .opts = opts, .nopts = 1 },
};
static const struct engine_config cfg = {
	.authoritative = true, .offer_hold = 30, .decline_probation = 86400,
	.subnets = subnets, .nsubnets = 2,
};

static void check_reply(const struct engine_out *out)
{
	struct np_dhcp4 m;
	uint8_t type;

	if (out->len == 0) {
		if (out->dest != ENGINE_DEST_NONE)
			abort();
		return;
	}
	if (out->len > ENGINE_REPLY_MAX || out->dest == ENGINE_DEST_NONE)
		abort();
	if (np_dhcp4_parse(out->buf, out->len, &m) != 0 || m.op != NP_BOOTREPLY)
		abort();
	if (np_dhcp4_opts_validate(&m) != 0 || np_dhcp4_get_msg_type(&m, &type) != 0 ||
	    type != out->type)
		abort();
	if (out->wait_commit && (type != NP_DHCPACK || out->nchanges == 0))
		abort();
	if (type == NP_DHCPACK && m.yiaddr != 0 && !out->wait_commit)
		abort();
}

/* Replaying the table into a fresh one keeps every lease: no duplicates. */
static void check_table(struct lease_table *lt)
{
	struct lease_table *copy = lease_table_new(&test_key);
	struct lease_data rec;
	struct lease *l;
	size_t cur = 0;

	if (copy == NULL)
		return;
	while ((l = lease_iter(lt, &cur)) != NULL) {
		lease_get(l, &rec);
		if (lease_apply(copy, &rec) != 0)
			abort();
	}
	if (lease_count(copy) != lease_count(lt))
		abort();
	lease_table_free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct engine_out out;
	struct lease_table *lt = lease_table_new(&test_key);
	struct engine *e = NULL;
	int64_t now = 1763770000;
	size_t off = 0;

	if (lt == NULL || engine_new(&cfg, lt, &e) != 0)
		abort();
	while (size - off >= 3) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		uint8_t flags = data[off + 2];
		struct engine_rx rx = { .ifindex = 3, .local_addr = NET + 1,
					.unicast = flags & 1 };

		off += 3;
		if (len > size - off)
			len = size - off;
		if (flags & 2)
			now += 3600;
		(void)engine_expire(e, now, 0, NULL, NULL);
		(void)engine_handle(e, data + off, len, &rx, now, &out);
		check_reply(&out);
		off += len;
	}
	check_table(lt);
	engine_free(e);
	lease_table_free(lt);
	return 0;
}
