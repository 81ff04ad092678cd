/*
 * test-arpd-responder.c: np-arpd's policy (daemons/arpd/responder.c) fed
 * real frames from arping and compared with the Linux kernel's answers to
 * the same frames, then one field at a time for every case it must ignore.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <netproto/arp.h>
#include <netproto/error.h>
#include <netproto/ether.h>

#include "responder.h"
#include "table.h"
#include "testutil.h"

/* The fixtures' hosts: arping ran in a (.1, :0a); b (.2, :0b) answered. */
#define IP_A 0x0a4d0001u
#define IP_B 0x0a4d0002u
static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t mac_v[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };

struct fix {
	struct arpd_table t;
	struct arpd_responder r;
	uint8_t in[128], out[ARPD_FRAME_MAX];
	size_t in_len;
	struct arpd_result res;
};

/* b answers for 10.77.0.2 (own MAC), 10.77.1.0/24 (a virtual MAC) and
 * 10.77.2.10-10.77.2.20 (unused_only). */
static int setup(void **state)
{
	static struct fix f;
	uint32_t dup;
	int v;

	memset(&f, 0, sizeof(f));
	assert_int_equal(arpd_table_init(&f.t, 1000), 0);
	assert_int_equal(arpd_table_add(&f.t, IP_B, IP_B, ARPD_MAC_IFACE, 0, &dup), 0);
	v = arpd_table_mac(&f.t, mac_v);
	assert_int_equal(v, 1);
	assert_int_equal(arpd_table_add(&f.t, 0x0a4d0100, 0x0a4d01ff, (uint16_t)v, 0, &dup), 0);
	assert_int_equal(arpd_table_add(&f.t, 0x0a4d020a, 0x0a4d0214, ARPD_MAC_IFACE,
					ARPD_SLOT_UNUSED_ONLY, &dup), 0);
	arpd_responder_init(&f.r, &f.t, mac_b, false);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	arpd_table_free(&f->t);
	return 0;
}

static enum arpd_verdict run(struct fix *f, uint64_t now)
{
	return arpd_handle(&f->r, f->in, f->in_len, now, f->out, sizeof(f->out), &f->res);
}

static void load(struct fix *f, const char *name)
{
	f->in_len = np_test_load_hex(name, f->in, sizeof(f->in));
}

/* Offsets in an untagged ARP frame. */
enum { SHA = 22, SPA = 28, THA = 32, TPA = 38 };

static void put_ip(uint8_t *p, uint32_t ip)
{
	p[0] = (uint8_t)(ip >> 24);
	p[1] = (uint8_t)(ip >> 16);
	p[2] = (uint8_t)(ip >> 8);
	p[3] = (uint8_t)ip;
}

static void expect_ignored(struct fix *f, enum arpd_verdict v)
{
	uint64_t before = f->r.stats.verdict[v];

	assert_int_equal(run(f, 1), v);
	assert_int_equal(f->res.len, 0);
	assert_int_equal(f->r.stats.verdict[v], before + 1);
}

/* The reply is the kernel's, byte for byte, plus Ethernet padding to 60. */
static void request_gets_the_kernels_reply(void **state)
{
	struct fix *f = *state;
	uint8_t want[64] = { 0 };

	load(f, "arp-request-arping.hex");
	np_test_load_hex("arp-reply-kernel.hex", want, sizeof(want));
	assert_int_equal(run(f, 1), ARPD_REPLY);
	assert_int_equal(f->res.len, NP_ETHER_MIN_FRAME);
	assert_memory_equal(f->out, want, NP_ETHER_MIN_FRAME);
	assert_int_equal(f->r.stats.received, 1);
	assert_int_equal(f->r.stats.requests, 1);
	assert_int_equal(f->r.stats.verdict[ARPD_REPLY], 1);
}

/* RFC 5227 probe: answered as the kernel does (target IP 0.0.0.0). */
static void probe_gets_the_kernels_probe_reply(void **state)
{
	struct fix *f = *state;
	uint8_t want[64] = { 0 };

	load(f, "arp-probe-arping.hex");
	np_test_load_hex("arp-probe-reply-kernel.hex", want, sizeof(want));
	assert_int_equal(run(f, 1), ARPD_REPLY_PROBE);
	assert_int_equal(f->res.len, NP_ETHER_MIN_FRAME);
	assert_memory_equal(f->out, want, NP_ETHER_MIN_FRAME);
}

/* A CIDR entry with its own MAC: sender and Ethernet source are that MAC. */
static void entry_mac_is_the_sender(void **state)
{
	struct fix *f = *state;
	struct np_ether e;
	struct np_arp a;

	load(f, "arp-request-arping.hex");
	put_ip(f->in + TPA, 0x0a4d01ff);   /* 10.77.1.255, last of the /24 */
	assert_int_equal(run(f, 1), ARPD_REPLY);
	assert_int_equal(np_ether_parse(f->out, f->res.len, &e), 0);
	assert_memory_equal(e.dst, mac_a, 6);
	assert_memory_equal(e.src, mac_v, 6);
	assert_int_equal(np_arp_parse(e.payload, e.payload_len, &a), 0);
	assert_int_equal(a.op, NP_ARP_OP_REPLY);
	assert_memory_equal(a.sha, mac_v, 6);
	assert_int_equal(a.spa, 0x0a4d01ff);
	assert_memory_equal(a.tha, mac_a, 6);
	assert_int_equal(a.tpa, IP_A);
}

static void not_in_table_is_ignored(void **state)
{
	struct fix *f = *state;

	load(f, "arp-request-arping.hex");
	put_ip(f->in + TPA, 0x0a4d0003);
	expect_ignored(f, ARPD_IGNORE_NOT_OURS);
	put_ip(f->in + TPA, 0x0a4d0200);   /* just below the range */
	expect_ignored(f, ARPD_IGNORE_NOT_OURS);
	put_ip(f->in + TPA, 0x0a4d0215);   /* just above */
	expect_ignored(f, ARPD_IGNORE_NOT_OURS);
}

/* A request with our own MAC as sender (another socket of ours, a loop). */
static void own_request_is_ignored(void **state)
{
	struct fix *f = *state;

	load(f, "arp-request-arping.hex");
	memcpy(f->in + SHA, mac_b, 6);
	expect_ignored(f, ARPD_IGNORE_OWN);
	load(f, "arp-request-arping.hex");
	memcpy(f->in + 6, mac_b, 6);      /* Ethernet source only */
	expect_ignored(f, ARPD_IGNORE_OWN);
}

/* Each way an ARP frame can be malformed, counted as such. */
static void malformed_frames_are_ignored(void **state)
{
	struct fix *f = *state;
	static const struct { size_t off; uint8_t val; } bad[] = {
		{ 15, 6 },     /* hardware type 6 (IEEE 802) */
		{ 16, 0x86 },  /* protocol type 0x86dd */
		{ 18, 8 },     /* hardware length 8 */
		{ 19, 16 },    /* protocol length 16 */
		{ 13, 0x00 },  /* EtherType 0x0800: not ARP */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		load(f, "arp-request-arping.hex");
		f->in[bad[i].off] = bad[i].val;
		expect_ignored(f, ARPD_IGNORE_MALFORMED);
	}
	load(f, "arp-request-arping.hex");
	f->in_len = 14 + 27;               /* one byte short of the message */
	expect_ignored(f, ARPD_IGNORE_MALFORMED);
	f->in_len = 13;                    /* not even an Ethernet header */
	expect_ignored(f, ARPD_IGNORE_MALFORMED);
	load(f, "arp-request-arping.hex");
	f->in[12] = 0x05;                  /* EtherType 0x0506 < 0x0600: 802.3 length */
	expect_ignored(f, ARPD_IGNORE_MALFORMED);
	assert_int_equal(f->r.stats.verdict[ARPD_IGNORE_MALFORMED], 8);
	assert_int_equal(f->r.stats.requests, 0);
}

static void bad_senders_are_ignored(void **state)
{
	struct fix *f = *state;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const uint8_t zero[6] = { 0 };
	static const uint32_t ips[] = { 0x7f000001, 0xe0000001, 0xffffffff };

	load(f, "arp-request-arping.hex");
	memcpy(f->in + SHA, bcast, 6);
	expect_ignored(f, ARPD_IGNORE_BAD_SENDER);
	memcpy(f->in + SHA, mcast, 6);
	expect_ignored(f, ARPD_IGNORE_BAD_SENDER);
	memcpy(f->in + SHA, zero, 6);
	expect_ignored(f, ARPD_IGNORE_BAD_SENDER);
	load(f, "arp-request-arping.hex");
	memcpy(f->in + 6, mcast, 6);       /* Ethernet source multicast */
	expect_ignored(f, ARPD_IGNORE_BAD_SENDER);
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		load(f, "arp-request-arping.hex");
		put_ip(f->in + SPA, ips[i]);
		expect_ignored(f, ARPD_IGNORE_BAD_SENDER);
	}
}

/* Replies and unknown opcodes ask nothing; only a conflict would matter. */
static void other_opcodes_are_ignored(void **state)
{
	struct fix *f = *state;

	load(f, "arp-reply-kernel.hex");   /* from b's MAC: make it another host's */
	memcpy(f->in + 6, mac_a, 6);
	memcpy(f->in + SHA, mac_a, 6);
	put_ip(f->in + SPA, 0x0a4d0009);
	expect_ignored(f, ARPD_IGNORE_NOT_REQUEST);
	load(f, "arp-request-arping.hex");
	f->in[21] = 3;                     /* RARP request */
	expect_ignored(f, ARPD_IGNORE_NOT_REQUEST);
}

/* arping -U from a for 10.77.0.2: another MAC claims our address. */
static void conflict_is_counted_not_answered(void **state)
{
	struct fix *f = *state;

	load(f, "arp-gratuitous-arping.hex");
	put_ip(f->in + SPA, IP_B);
	put_ip(f->in + TPA, IP_B);
	assert_int_equal(run(f, 1), ARPD_CONFLICT);
	assert_int_equal(f->res.len, 0);
	assert_int_equal(f->res.addr, IP_B);
	assert_memory_equal(f->res.peer, mac_a, 6);
	/* A reply claiming it is a conflict too (RFC 5227 §2.1.1). */
	load(f, "arp-reply-kernel.hex");
	memcpy(f->in + 6, mac_a, 6);
	memcpy(f->in + SHA, mac_a, 6);
	assert_int_equal(run(f, 2), ARPD_CONFLICT);
	assert_int_equal(f->r.stats.verdict[ARPD_CONFLICT], 2);
}

/* Our own announcement for the virtual MAC, looped back, is no conflict. */
static void own_announcement_is_not_a_conflict(void **state)
{
	struct fix *f = *state;

	f->in_len = (size_t)arpd_announcement_frame(mac_v, 0x0a4d0105, f->in, sizeof(f->in));
	expect_ignored(f, ARPD_IGNORE_OWN);
}

/* RFC 5227 §2.4 (b): one announcement, then none for DEFEND_INTERVAL. */
static void defend_once_per_interval(void **state)
{
	struct fix *f = *state;
	uint8_t want[64];
	uint64_t t0 = 5000000;

	f->r.defend = true;
	load(f, "arp-gratuitous-arping.hex");
	put_ip(f->in + SPA, IP_B);
	put_ip(f->in + TPA, IP_B);
	assert_int_equal(run(f, t0), ARPD_DEFEND);
	assert_int_equal(arpd_announcement_frame(mac_b, IP_B, want, sizeof(want)), 60);
	assert_int_equal(f->res.len, 60);
	assert_memory_equal(f->out, want, 60);
	assert_int_equal(run(f, t0 + ARPD_DEFEND_INTERVAL_US - 1), ARPD_CONFLICT);
	assert_int_equal(f->res.len, 0);
	assert_int_equal(run(f, t0 + ARPD_DEFEND_INTERVAL_US), ARPD_DEFEND);
	assert_int_equal(f->r.stats.verdict[ARPD_DEFEND], 2);
	assert_int_equal(f->r.stats.verdict[ARPD_CONFLICT], 1);
}

/* RFC 5227 §2.3: request, sender IP = target IP, zero target MAC, broadcast. */
static void announcement_and_probe_frames(void **state)
{
	uint8_t out[64];
	static const uint8_t ann[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x0b, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0, 0, 0, 0, 0x0b,
		0x0a, 0x4d, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0x0a, 0x4d, 0x00, 0x02,
	};
	uint8_t probe[60] = { 0 };

	(void)state;
	assert_int_equal(arpd_announcement_frame(mac_b, IP_B, out, sizeof(out)), 60);
	assert_memory_equal(out, ann, sizeof(ann));
	for (size_t i = 42; i < 60; i++)
		assert_int_equal(out[i], 0);
	/* The probe is arping -0's frame from b's MAC, padded the same way. */
	np_test_load_hex("arp-probe-arping.hex", probe, sizeof(probe));
	memcpy(probe + 6, mac_b, 6);
	memcpy(probe + SHA, mac_b, 6);
	assert_int_equal(arpd_probe_frame(mac_b, IP_B, out, sizeof(out)), 60);
	assert_memory_equal(out, probe, 60);
	assert_int_equal(arpd_announcement_frame(mac_b, IP_B, out, 59), NP_ENOSPC);
}

/* unused_only: silent until a probe went unanswered; used on any sign. */
static void unused_only_lifecycle(void **state)
{
	struct fix *f = *state;
	struct arpd_slot *s = arpd_table_find(&f->t, 0x0a4d020a);

	assert_non_null(s);
	load(f, "arp-request-arping.hex");
	put_ip(f->in + TPA, 0x0a4d020a);
	expect_ignored(f, ARPD_IGNORE_IN_USE);         /* unknown yet */
	arpd_probe_start(s);
	expect_ignored(f, ARPD_IGNORE_IN_USE);         /* probing */
	arpd_probe_expire(s);
	assert_int_equal(s->state, ARPD_STATE_FREE);
	assert_int_equal(run(f, 1), ARPD_REPLY);        /* nobody answered: ours */
	/* Re-checked: a host answers our probe (a reply to b's MAC). */
	arpd_probe_start(s);
	assert_int_equal(run(f, 1), ARPD_REPLY);        /* still free meanwhile */
	load(f, "arp-reply-kernel.hex");
	memcpy(f->in, mac_b, 6);
	memcpy(f->in + 6, mac_a, 6);
	memcpy(f->in + SHA, mac_a, 6);
	put_ip(f->in + SPA, 0x0a4d020a);
	memcpy(f->in + THA, mac_b, 6);
	put_ip(f->in + TPA, 0);
	assert_int_equal(run(f, 1), ARPD_PROBE_ANSWER);
	assert_int_equal(s->state, ARPD_STATE_USED);
	arpd_probe_expire(s);                           /* the answer wins */
	assert_int_equal(s->state, ARPD_STATE_USED);
	load(f, "arp-request-arping.hex");
	put_ip(f->in + TPA, 0x0a4d020a);
	expect_ignored(f, ARPD_IGNORE_IN_USE);
}

/* A host probing for an unused_only address wants it: not answered. */
static void unused_only_probe_marks_used(void **state)
{
	struct fix *f = *state;
	struct arpd_slot *s = arpd_table_find(&f->t, 0x0a4d0214);

	arpd_probe_start(s);
	arpd_probe_expire(s);
	load(f, "arp-probe-arping.hex");
	put_ip(f->in + TPA, 0x0a4d0214);
	expect_ignored(f, ARPD_IGNORE_CLAIMED);
	assert_int_equal(s->state, ARPD_STATE_USED);
	/* And a gratuitous ARP from another host: used, no conflict. */
	s->state = ARPD_STATE_FREE;
	load(f, "arp-gratuitous-arping.hex");
	put_ip(f->in + SPA, 0x0a4d0214);
	put_ip(f->in + TPA, 0x0a4d0214);
	expect_ignored(f, ARPD_IGNORE_CLAIMED);
	assert_int_equal(s->state, ARPD_STATE_USED);
	assert_int_equal(f->r.stats.verdict[ARPD_CONFLICT], 0);
}

/* A tagged request (no VLAN offload) gets a reply in the same VLAN. */
static void vlan_tag_is_mirrored(void **state)
{
	struct fix *f = *state;
	uint8_t plain[64];
	size_t n = np_test_load_hex("arp-request-arping.hex", plain, sizeof(plain));
	struct np_ether e;

	memcpy(f->in, plain, 12);
	f->in[12] = 0x81;
	f->in[13] = 0x00;
	f->in[14] = 0x20;                  /* PCP 1, VID 0x05 */
	f->in[15] = 0x05;
	memcpy(f->in + 16, plain + 12, n - 12);
	f->in_len = n + 4;
	assert_int_equal(run(f, 1), ARPD_REPLY);
	assert_int_equal(np_ether_parse(f->out, f->res.len, &e), 0);
	assert_true(e.has_vlan);
	assert_int_equal(e.vlan_tci, 0x2005);
	assert_int_equal(e.ethertype, NP_ETHERTYPE_ARP);
	assert_int_equal(f->res.len, NP_ETHER_MIN_FRAME);  /* 18 + 28, padded */
}

/* A too-small output buffer is never written past. */
static void small_output_buffer(void **state)
{
	struct fix *f = *state;
	uint8_t small[32];

	load(f, "arp-request-arping.hex");
	memset(small, 0xaa, sizeof(small));
	arpd_handle(&f->r, f->in, f->in_len, 1, small, sizeof(small), &f->res);
	assert_int_equal(f->res.len, 0);
	for (size_t i = 0; i < sizeof(small); i++)
		assert_int_equal(small[i], 0xaa);
}

static void verdict_names(void **state)
{
	(void)state;
	assert_string_equal(arpd_verdict_name(ARPD_REPLY), "arp-reply-sent");
	assert_string_equal(arpd_verdict_name(ARPD_IGNORE_MALFORMED), "ignored-malformed");
	assert_string_equal(arpd_verdict_name(ARPD_VERDICTS), "unknown");
	for (int v = 0; v < ARPD_VERDICTS; v++)
		assert_non_null(arpd_verdict_name(v));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(request_gets_the_kernels_reply),
		T(probe_gets_the_kernels_probe_reply),
		T(entry_mac_is_the_sender),
		T(not_in_table_is_ignored),
		T(own_request_is_ignored),
		T(malformed_frames_are_ignored),
		T(bad_senders_are_ignored),
		T(other_opcodes_are_ignored),
		T(conflict_is_counted_not_answered),
		T(own_announcement_is_not_a_conflict),
		T(defend_once_per_interval),
		T(announcement_and_probe_frames),
		T(unused_only_lifecycle),
		T(unused_only_probe_marks_used),
		T(vlan_tag_is_mirrored),
		T(small_output_buffer),
		T(verdict_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
