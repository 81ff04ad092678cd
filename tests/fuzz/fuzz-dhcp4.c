/*
 * fuzz-dhcp4.c: DHCPv4 message parser, option iterator and every typed
 * accessor, with three round-trip properties that abort() on mismatch:
 *   - parse -> np_dhcp4_build -> parse gives the same fixed part and options;
 *   - parse -> builder (every option's RFC 3396 concatenation) -> parse gives
 *     the same value for every option code;
 *   - each typed accessor's result, written back with its typed builder,
 *     reads back the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netproto/dhcp4.h>
#include <netproto/dns.h>
#include <netproto/error.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Larger inputs are only parsed and iterated (every value fits in flat[]). */
#define ROUND_TRIP_MAX 16384

static uint8_t out[70000];
static uint8_t flat[ROUND_TRIP_MAX];

struct optset {
	size_t n;
	uint8_t code[256];
	size_t off[256];
	int len[256];
};

static void check(int cond)
{
	if (!cond)
		abort();
}

static int same_fixed(const struct np_dhcp4 *a, const struct np_dhcp4 *b, int names)
{
	return a->op == b->op && a->htype == b->htype && a->hlen == b->hlen &&
	       a->hops == b->hops && a->xid == b->xid && a->secs == b->secs &&
	       a->flags == b->flags && a->ciaddr == b->ciaddr && a->yiaddr == b->yiaddr &&
	       a->siaddr == b->siaddr && a->giaddr == b->giaddr &&
	       !memcmp(a->chaddr, b->chaddr, sizeof(a->chaddr)) &&
	       (!names || (!memcmp(a->sname, b->sname, sizeof(a->sname)) &&
			   !memcmp(a->file, b->file, sizeof(a->file))));
}

/* Every option code but 52, with its concatenated value stored in buf. */
static void collect(const struct np_dhcp4 *m, struct optset *s, uint8_t *buf, size_t cap)
{
	struct np_dhcp4_iter it;
	struct np_dhcp4_opt o;
	size_t i, used = 0;
	int rc;

	s->n = 0;
	np_dhcp4_iter_init(&it, m);
	while ((rc = np_dhcp4_iter_next(&it, &o)) > 0) {
		if (o.code == NP_DHCP4_OPT_OVERLOAD)
			continue;
		for (i = 0; i < s->n && s->code[i] != o.code; i++)
			;
		if (i < s->n)
			continue;
		s->code[i] = o.code;
		s->off[i] = used;
		s->len[i] = np_dhcp4_opt_get(m, o.code, buf + used, cap - used);
		check(s->len[i] >= 0);
		used += (size_t)s->len[i];
		s->n++;
	}
	check(rc == 0);
}

static void begin(struct np_dhcp4_builder *b, const struct np_dhcp4 *hdr)
{
	check(np_dhcp4_builder_init(b, hdr, out, sizeof(out), 65535, 0) == 0);
}

static void finish(struct np_dhcp4_builder *b, struct np_dhcp4 *m)
{
	int len = np_dhcp4_builder_finish(b);

	check(len >= NP_DHCP4_BOOTP_MIN_LEN);
	check(np_dhcp4_parse(out, (size_t)len, m) == 0);
	check(np_dhcp4_opts_validate(m) == 0);
}

/*
 * Every option value, rebuilt with the option builder, reads back the same.
 * Within 65535 everything fits; within 576 with overload into file and sname
 * it may not (NP_ENOSPC), but what is built must read back the same.
 */
static void round_trip_options(const struct np_dhcp4 *a, uint16_t max_size, unsigned flags)
{
	static struct optset sa, sb;
	static uint8_t flat2[ROUND_TRIP_MAX];
	struct np_dhcp4_builder b;
	struct np_dhcp4 back;
	size_t i, count;
	int rc;

	collect(a, &sa, flat, sizeof(flat));
	/* Rebuilt in the options field alone, instances must stay under the per-area cap. */
	for (i = 0, count = 0; i < sa.n; i++)
		count += sa.len[i] ? ((size_t)sa.len[i] + 254) / 255 : 1;
	if (count > NP_DHCP4_MAX_OPTS)
		return;
	check(np_dhcp4_builder_init(&b, a, out, sizeof(out), max_size, flags) == 0);
	for (i = 0; i < sa.n; i++) {
		rc = np_dhcp4_add(&b, sa.code[i], flat + sa.off[i], (size_t)sa.len[i]);
		if (rc == NP_ENOSPC && max_size < 65535)
			return;
		check(rc == 0);
	}
	finish(&b, &back);
	/* An overloaded rebuild may have replaced file and sname. */
	check(same_fixed(a, &back, !(flags & NP_DHCP4_BUILD_OVERLOAD)));
	collect(&back, &sb, flat2, sizeof(flat2));
	check(sa.n == sb.n);
	for (i = 0; i < sa.n; i++)
		check(sa.code[i] == sb.code[i] && sa.len[i] == sb.len[i] &&
		      !memcmp(flat + sa.off[i], flat2 + sb.off[i], (size_t)sa.len[i]));
}

static void typed_addrs(const struct np_dhcp4 *a, struct np_dhcp4 *m)
{
	static const uint8_t one[] = { 1, 28, 50, 54 };
	static const uint8_t many[] = { 3, 6, 42 };
	uint32_t x[300], y[300], v, w;
	struct np_dhcp4_builder b;
	size_t i;
	int n;

	for (i = 0; i < sizeof(one); i++) {
		if (np_dhcp4_get_addr(a, one[i], &v) < 0)
			continue;
		begin(&b, a);
		check(np_dhcp4_add_u32(&b, one[i], v) == 0);
		finish(&b, m);
		check(np_dhcp4_get_addr(m, one[i], &w) == 0 && v == w);
	}
	for (i = 0; i < sizeof(many); i++) {
		n = np_dhcp4_get_addrs(a, many[i], x, 300);
		if (n <= 0)
			continue;
		begin(&b, a);
		check(np_dhcp4_add_addrs(&b, many[i], x, (size_t)n) == 0);
		finish(&b, m);
		check(np_dhcp4_get_addrs(m, many[i], y, 300) == n && !memcmp(x, y, (size_t)n * 4));
	}
}

static void typed_scalars(const struct np_dhcp4 *a, struct np_dhcp4 *m)
{
	static const uint8_t times[] = { 51, 58, 59 };
	struct np_dhcp4_builder b;
	uint32_t v, w;
	uint16_t s, t;
	uint8_t ty, tz;
	size_t i;

	for (i = 0; i < sizeof(times); i++) {
		if (np_dhcp4_get_u32(a, times[i], &v) < 0)
			continue;
		begin(&b, a);
		check(np_dhcp4_add_u32(&b, times[i], v) == 0);
		finish(&b, m);
		check(np_dhcp4_get_u32(m, times[i], &w) == 0 && v == w);
	}
	if (np_dhcp4_get_msg_type(a, &ty) == 0) {
		check(np_dhcp4_msg_type_name(ty) != NULL);
		begin(&b, a);
		check(np_dhcp4_add_u8(&b, NP_DHCP4_OPT_MSG_TYPE, ty) == 0);
		finish(&b, m);
		check(np_dhcp4_get_msg_type(m, &tz) == 0 && ty == tz);
	}
	if (np_dhcp4_get_max_size(a, &s) == 0) {
		check(s >= NP_DHCP4_MIN_MAX_SIZE);
		begin(&b, a);
		check(np_dhcp4_add_u16(&b, NP_DHCP4_OPT_MAX_SIZE, s) == 0);
		finish(&b, m);
		check(np_dhcp4_get_max_size(m, &t) == 0 && s == t);
	}
}

static void typed_strings(const struct np_dhcp4 *a, struct np_dhcp4 *m)
{
	static const uint8_t codes[] = { 12, 15 };
	static char s[1100], t[1100];
	uint8_t x[1100], y[1100];
	struct np_dhcp4_builder b;
	size_t i;
	int n;

	for (i = 0; i < sizeof(codes); i++) {
		n = np_dhcp4_get_string(a, codes[i], s, sizeof(s));
		if (n < 0)
			continue;
		check(n > 0 && strlen(s) == (size_t)n);
		begin(&b, a);
		check(np_dhcp4_add_string(&b, codes[i], s) == 0);
		finish(&b, m);
		check(np_dhcp4_get_string(m, codes[i], t, sizeof(t)) == n && !strcmp(s, t));
	}
	n = np_dhcp4_get_param_list(a, x, sizeof(x));
	if (n > 0) {
		check(np_dhcp4_param_list_has(x, (size_t)n, x[0]));
		begin(&b, a);
		check(np_dhcp4_add(&b, NP_DHCP4_OPT_PARAM_LIST, x, (size_t)n) == 0);
		finish(&b, m);
		check(np_dhcp4_get_param_list(m, y, sizeof(y)) == n && !memcmp(x, y, (size_t)n));
	}
	n = np_dhcp4_get_client_id(a, x, sizeof(x));
	if (n > 0) {
		begin(&b, a);
		check(np_dhcp4_add(&b, NP_DHCP4_OPT_CLIENT_ID, x, (size_t)n) == 0);
		finish(&b, m);
		check(np_dhcp4_get_client_id(m, y, sizeof(y)) == n && !memcmp(x, y, (size_t)n));
	}
}

static void typed_fqdn(const struct np_dhcp4 *a, struct np_dhcp4 *m)
{
	static char text[NP_DNS_NAME_TEXT_MAX];
	struct np_dhcp4_fqdn f, g;
	struct np_dhcp4_builder b;

	if (np_dhcp4_get_fqdn(a, &f) < 0)
		return;
	check(f.name_len <= sizeof(f.name));
	if (f.flags & NP_DHCP4_FQDN_E) {
		if (f.name_len == 0)
			return;
		/* Wire -> text -> wire is the identity for every valid name. */
		check(np_dns_name_to_text(f.name, f.name_len, text, sizeof(text)) > 0);
	} else {
		if (f.name_len == 0 || memchr(f.name, 0, f.name_len))
			return;
		memcpy(text, f.name, f.name_len);
		text[f.name_len] = '\0';
	}
	begin(&b, a);
	check(np_dhcp4_add_fqdn(&b, f.flags, f.rcode1, f.rcode2, text) == 0);
	finish(&b, m);
	check(np_dhcp4_get_fqdn(m, &g) == 0);
	check(f.flags == g.flags && f.rcode1 == g.rcode1 && f.rcode2 == g.rcode2);
	check(f.name_len == g.name_len && !memcmp(f.name, g.name, f.name_len));
	check(!g.partial);
}

/* Split a flat list of wire names into text names (at most max). */
static size_t names_to_text(const uint8_t *wire, size_t len, char (*text)[NP_DNS_NAME_TEXT_MAX],
			    size_t max)
{
	size_t off = 0, start, n = 0;

	while (off < len && n < max) {
		start = off;
		while (wire[off])
			off += 1u + wire[off];
		off++;
		check(np_dns_name_to_text(wire + start, off - start, text[n], sizeof(text[n])) > 0);
		n++;
	}
	return off == len ? n : 0;
}

static void typed_search(const struct np_dhcp4 *a, struct np_dhcp4 *m)
{
	static char text[64][NP_DNS_NAME_TEXT_MAX];
	static uint8_t x[16384], y[16384];
	const char *names[64];
	struct np_dhcp4_builder b;
	size_t xl, yl, i, n;
	int count;

	count = np_dhcp4_get_domain_search(a, x, sizeof(x), &xl);
	if (count <= 0 || count > 64)
		return;
	n = names_to_text(x, xl, text, 64);
	check(n == (size_t)count);
	for (i = 0; i < n; i++)
		names[i] = text[i];
	begin(&b, a);
	/* Hostile pointers can compress better than a suffix match; skip what does not fit. */
	if (np_dhcp4_add_domain_search(&b, names, n) < 0)
		return;
	finish(&b, m);
	check(np_dhcp4_get_domain_search(m, y, sizeof(y), &yl) == count);
	check(xl == yl && !memcmp(x, y, xl));
}

static void typed_routes_relay(const struct np_dhcp4 *a, struct np_dhcp4 *m)
{
	static struct np_dhcp4_route r[300], q[300];
	uint8_t x[1100], y[1100];
	struct np_dhcp4_builder b;
	struct np_dhcp4_opt sub;
	int n, i;

	n = np_dhcp4_get_routes(a, r, 300);
	if (n > 0) {
		begin(&b, a);
		check(np_dhcp4_add_routes(&b, r, (size_t)n) == 0);
		finish(&b, m);
		check(np_dhcp4_get_routes(m, q, 300) == n);
		for (i = 0; i < n; i++)
			check(r[i].dest == q[i].dest && r[i].prefix_len == q[i].prefix_len &&
			      r[i].router == q[i].router);
	}
	n = np_dhcp4_get_relay_info(a, x, sizeof(x));
	if (n > 0) {
		check(np_dhcp4_relay_subopt(x, (size_t)n, 1, &sub) != NP_EOPT);
		check(np_dhcp4_relay_subopt(x, (size_t)n, 2, &sub) != NP_EOPT);
		begin(&b, a);
		check(np_dhcp4_add(&b, NP_DHCP4_OPT_RELAY_INFO, x, (size_t)n) == 0);
		finish(&b, m);
		check(np_dhcp4_get_relay_info(m, y, sizeof(y)) == n && !memcmp(x, y, (size_t)n));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct np_dhcp4 m;
	struct np_dhcp4 a, b;
	int len, valid;

	if (np_dhcp4_parse(data, size, &a) < 0)
		return 0;
	valid = np_dhcp4_opts_validate(&a) == 0;

	/* The fixed part and the options bytes survive np_dhcp4_build(). */
	len = np_dhcp4_build(&a, out, sizeof(out));
	if (size <= sizeof(out)) {
		check(len >= NP_DHCP4_BOOTP_MIN_LEN);
		check(np_dhcp4_parse(out, (size_t)len, &b) == 0);
		check(same_fixed(&a, &b, 1));
		check(b.options_len >= a.options_len &&
		      !memcmp(a.options, b.options, a.options_len));
		/* Zero padding may complete a cut option as PADs, never break a valid one. */
		check(!valid || np_dhcp4_opts_validate(&b) == 0);
	}

	/* Every accessor on every input: errors are fine, crashes are not. */
	typed_addrs(&a, &m);
	typed_scalars(&a, &m);
	typed_strings(&a, &m);
	typed_fqdn(&a, &m);
	typed_search(&a, &m);
	typed_routes_relay(&a, &m);

	if (valid && size <= ROUND_TRIP_MAX) {
		round_trip_options(&a, 65535, 0);
		round_trip_options(&a, 0, NP_DHCP4_BUILD_OVERLOAD);
	}
	return 0;
}
