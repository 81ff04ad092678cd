/*
 * leasefmt.c: np-dhcpd's leases and transactions as text (see leasefmt.h).
 */
#include "config.h"

#include "leasefmt.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- host names ------------------------------------------------------------ */

static bool label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

size_t leasefmt_hostname_sanitize(const char *in, char out[LEASEFMT_LABEL_MAX + 1])
{
	size_t n = 0;

	/* An FQDN keeps its first label: the domain is the subnet's, not the client's. */
	for (const unsigned char *p = (const unsigned char *)in; *p != '\0' && *p != '.'; p++) {
		unsigned char c = (unsigned char)tolower(*p);

		/*
		 * Leading junk (and '-', which may not start a label) is trimmed,
		 * not replaced, so that it does not count against the 63 octets.
		 */
		if (n == 0 && (!label_char(c) || c == '-'))
			continue;
		if (n >= LEASEFMT_LABEL_MAX)
			break;
		out[n++] = label_char(c) ? (char)c : '-';
	}
	/* RFC 1123 §2.1: a label starts and ends with a letter or digit. */
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	return n;
}

size_t leasefmt_derived_name(const char *name, const uint8_t *chaddr, uint8_t hlen,
			     char out[LEASEFMT_LABEL_MAX + 1])
{
	char suffix[8];
	size_t n;

	if (hlen < 2 || hlen > 16)
		return 0;
	snprintf(suffix, sizeof(suffix), "-%02x%02x", chaddr[hlen - 2], chaddr[hlen - 1]);
	n = leasefmt_hostname_sanitize(name, out);
	if (n == 0)
		return 0;
	if (n > LEASEFMT_LABEL_MAX - strlen(suffix))
		n = LEASEFMT_LABEL_MAX - strlen(suffix);
	while (n > 0 && out[n - 1] == '-')
		n--;
	memcpy(out + n, suffix, strlen(suffix) + 1);
	return n + strlen(suffix);
}

/* ---- the transaction log ---------------------------------------------------- */

const char *leasefmt_txn_name(uint8_t type)
{
	switch (type) {
	case LEASEFMT_ACK: return "DHCPACK";
	case LEASEFMT_NAK: return "DHCPNAK";
	case LEASEFMT_RELEASE: return "DHCPRELEASE";
	case LEASEFMT_DECLINE: return "DHCPDECLINE";
	case LEASEFMT_EXPIRE: return "EXPIRED";
	default: return "UNKNOWN";
	}
}

struct out {
	char *buf;
	size_t cap, len;
	bool full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->full = true;
		return;
	}
	o->len += (size_t)n;
}

static void put_hex(struct out *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(o, i + 1 < n ? "%02x:" : "%02x", p[i]);
}

static void put_ip(struct out *o, uint32_t a)
{
	put(o, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* A client's string, as JSON string content or a log word: nothing raw but printable ASCII. */
static void put_text(struct out *o, const char *s, bool json)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' && (json || *p != ' '))
			put(o, "%c", *p);
		else
			put(o, json ? "\\u%04x" : "\\x%02x", *p);
	}
}

static int done(struct out *o)
{
	return o->full ? -1 : (int)o->len;
}

int leasefmt_txn_text(const struct leasefmt_txn *t, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0, cap == 0 };

	put(&o, "%s", leasefmt_txn_name(t->type));
	if (t->addr != 0) {
		put(&o, " address=");
		put_ip(&o, t->addr);
	}
	if (t->hlen > 0 && t->hlen <= 16) {
		put(&o, " hw-address=");
		put_hex(&o, t->chaddr, t->hlen);
	}
	if (t->cid_len > 0) {
		put(&o, " client-id=");
		put_hex(&o, t->cid, t->cid_len);
	}
	if (t->hostname[0] != '\0') {
		put(&o, " hostname=");
		put_text(&o, t->hostname, false);
	}
	if (t->type == LEASEFMT_ACK)
		put(&o, " lease-time=%u", t->lease_time);
	if (t->relay != 0) {
		put(&o, " relay=");
		put_ip(&o, t->relay);
	}
	return done(&o);
}

int leasefmt_txn_json(const struct leasefmt_txn *t, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0, cap == 0 };
	time_t when = (time_t)t->time;
	struct tm tm;

	if (gmtime_r(&when, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	put(&o, "{\"timestamp\":\"%04d-%02d-%02dT%02d:%02d:%02dZ\",\"type\":\"%s\"",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    leasefmt_txn_name(t->type));
	put(&o, ",\"address\":\"");
	if (t->addr != 0)
		put_ip(&o, t->addr);
	put(&o, "\",\"hw-address\":\"");
	if (t->hlen <= 16)
		put_hex(&o, t->chaddr, t->hlen);
	put(&o, "\",\"hw-type\":%u,\"client-id\":\"", t->htype);
	put_hex(&o, t->cid, t->cid_len);
	put(&o, "\",\"hostname\":\"");
	put_text(&o, t->hostname, true);
	put(&o, "\",\"lease-time\":%u,\"relay\":\"", t->type == LEASEFMT_ACK ? t->lease_time : 0);
	if (t->relay != 0)
		put_ip(&o, t->relay);
	put(&o, "\"}");
	return done(&o);
}

/* ---- Kea memfile CSV ---------------------------------------------------------- */

int leasefmt_kea_state(uint8_t state)
{
	switch (state) {
	case LEASE_DECLINED: return 1;
	case LEASE_EXPIRED: return 2;
	case LEASE_RELEASED: return 3;  /* Kea deletes these; named apart for reading */
	default: return 0;
	}
}

/* Kea escapes a comma in a field as "&#x2c" (util/csv_file.cc). */
static void put_csv_text(struct out *o, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == ',')
			put(o, "&#x2c");
		else if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f)
			put(o, "%c", *s);
	}
}

int leasefmt_kea_line(const struct lease_data *l, unsigned subnet_id, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0, cap == 0 };
	int64_t lft = l->expire > l->start ? l->expire - l->start : 0;

	put_ip(&o, l->addr);
	put(&o, ",");
	put_hex(&o, l->chaddr, l->hlen <= 16 ? l->hlen : 0);
	put(&o, ",");
	put_hex(&o, l->cid, l->cid_len);
	put(&o, ",%lld,%lld,%u,0,0,", (long long)lft, (long long)l->expire, subnet_id);
	put_csv_text(&o, l->hostname);
	put(&o, ",%d,", leasefmt_kea_state(l->state));
	return done(&o);
}

#define CSV_FIELDS_MAX 16
#define CSV_LINE_MAX 4096

/* Split line at commas into f[] (a copy in store); the count, or -1 when too many. */
static int split_csv(const char *line, char store[CSV_LINE_MAX], char *f[CSV_FIELDS_MAX])
{
	int n = 0;
	char *p = store;

	if (strlen(line) >= CSV_LINE_MAX)
		return -1;
	strcpy(store, line);
	f[n++] = p;
	for (; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n') {
			*p = '\0';
			break;
		}
		if (*p != ',')
			continue;
		if (n >= CSV_FIELDS_MAX)
			return -1;
		*p = '\0';
		f[n++] = p + 1;
	}
	return n;
}

int leasefmt_kea_header(const char *line, struct leasefmt_kea_cols *cols)
{
	char store[CSV_LINE_MAX], *f[CSV_FIELDS_MAX];
	int n = split_csv(line, store, f);
	struct { const char *name; int *at; } want[] = {
		{ "address", &cols->address }, { "hwaddr", &cols->hwaddr },
		{ "client_id", &cols->client_id }, { "valid_lifetime", &cols->valid_lifetime },
		{ "expire", &cols->expire }, { "hostname", &cols->hostname },
		{ "state", &cols->state },
	};

	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		*want[k].at = -1;
		for (int i = 0; i < n; i++)
			if (strcmp(f[i], want[k].name) == 0)
				*want[k].at = i;
	}
	return n > 0 && cols->address >= 0 && cols->hwaddr >= 0 && cols->valid_lifetime >= 0 &&
	       cols->expire >= 0 ? 0 : -1;
}

static int parse_ip(const char *s, uint32_t *a)
{
	unsigned v[4];
	char tail;

	if (sscanf(s, "%3u.%3u.%3u.%3u%c", &v[0], &v[1], &v[2], &v[3], &tail) != 4 ||
	    v[0] > 255 || v[1] > 255 || v[2] > 255 || v[3] > 255)
		return -1;
	*a = v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3];
	return *a != 0 ? 0 : -1;
}

/* "aa:bb:.." (or '-' separated) into out; the length, or -1. */
static int parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s != '\0') {
		unsigned v;

		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) || n >= cap)
			return -1;
		sscanf(s, "%2x", &v);
		out[n++] = (uint8_t)v;
		s += 2;
		if (*s == ':' || *s == '-')
			s++;
		else if (*s != '\0')
			return -1;
	}
	return (int)n;
}

static int parse_i64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || x < 0 || x > (1LL << 40))
		return -1;
	*v = x;
	return 0;
}

/* Kea's "&#x2c" back to ',' and the name a lease keeps: one sanitised label or none. */
static void set_hostname(struct lease_data *l, const char *s)
{
	char raw[256], label[LEASEFMT_LABEL_MAX + 1];
	size_t n = 0;

	while (*s != '\0' && n + 1 < sizeof(raw)) {
		if (strncmp(s, "&#x2c", 5) == 0) {
			raw[n++] = ',';
			s += 5;
		} else {
			raw[n++] = *s++;
		}
	}
	raw[n] = '\0';
	n = leasefmt_hostname_sanitize(raw, label);
	memcpy(l->hostname, label, n + 1);
	l->hostname_len = (uint8_t)n;
}

static int fail(const char **why, const char *what)
{
	*why = what;
	return -1;
}

int leasefmt_kea_parse(const char *line, const struct leasefmt_kea_cols *cols,
		       struct lease_data *l, const char **why)
{
	char store[CSV_LINE_MAX], *f[CSV_FIELDS_MAX];
	int n = split_csv(line, store, f), hl;
	int64_t lft, expire, state = 0;

	memset(l, 0, sizeof(*l));
	if (n < 0)
		return fail(why, "line too long or too many fields");
	if (cols->address >= n || cols->hwaddr >= n || cols->valid_lifetime >= n ||
	    cols->expire >= n || cols->client_id >= n || cols->hostname >= n || cols->state >= n)
		return fail(why, "fewer fields than the header names");
	if (parse_ip(f[cols->address], &l->addr) < 0)
		return fail(why, "address is not an IPv4 address");
	hl = parse_hex(f[cols->hwaddr], l->chaddr, sizeof(l->chaddr));
	if (hl < 0)
		return fail(why, "hwaddr is not a hardware address");
	l->hlen = (uint8_t)hl;
	l->htype = 1;
	if (cols->client_id >= 0) {
		int cl = parse_hex(f[cols->client_id], l->cid, sizeof(l->cid));

		if (cl < 0)
			return fail(why, "client_id is not hexadecimal");
		l->cid_len = (uint8_t)cl;
	}
	if (parse_i64(f[cols->valid_lifetime], &lft) < 0 || parse_i64(f[cols->expire], &expire) < 0)
		return fail(why, "valid_lifetime or expire is not a number");
	if (cols->state >= 0 && f[cols->state][0] != '\0' && parse_i64(f[cols->state], &state) < 0)
		return fail(why, "state is not a number");
	switch (state) {
	case 0: l->state = LEASE_BOUND; break;
	case 1: l->state = LEASE_DECLINED; break;
	case 2: l->state = LEASE_EXPIRED; break;
	default: return fail(why, "unknown lease state");
	}
	/*
	 * Kea forgets who declined an address (Lease4::decline empties hwaddr
	 * and client_id): a declined lease is the address alone, held in
	 * probation (lease_apply).  Any other lease belongs to a client.
	 */
	if (l->hlen == 0 && l->cid_len == 0 && l->state != LEASE_DECLINED)
		return fail(why, "neither hwaddr nor client_id");
	l->expire = expire;
	l->start = expire >= lft ? expire - lft : 0;
	if (cols->hostname >= 0)
		set_hostname(l, f[cols->hostname]);
	return 0;
}

/* ---- dnsmasq's lease file ---------------------------------------------------------- */

/*
 * dnsmasq's MAC field: "aa:bb:..", or, for a hardware type other than
 * Ethernet and for a client without a hardware address, the type as two
 * hex digits first ("%.2x-" in dnsmasq's lease.c): "06-aa:bb:..", "01-".
 * The address's length (0 for "01-"), or -1.
 */
static int dnsmasq_mac(const char *s, struct lease_data *l)
{
	l->htype = 1;
	if (isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[1]) && s[2] == '-') {
		l->htype = (uint8_t)strtoul(s, NULL, 16);
		s += 3;
	}
	return parse_hex(s, l->chaddr, sizeof(l->chaddr));
}

int leasefmt_dnsmasq_parse(const char *line, int64_t now, uint32_t lease_time,
			   struct lease_data *l, const char **why)
{
	char store[CSV_LINE_MAX], *f[6], *save = NULL;
	int n = 0, hl;
	int64_t expire;

	memset(l, 0, sizeof(*l));
	if (strlen(line) >= sizeof(store))
		return fail(why, "line too long");
	strcpy(store, line);
	for (char *t = strtok_r(store, " \t\r\n", &save); t != NULL && n < 6;
	     t = strtok_r(NULL, " \t\r\n", &save))
		f[n++] = t;
	if (n == 0)
		return 1;                      /* an empty line */
	if (strcmp(f[0], "duid") == 0)
		return 1;                      /* DHCPv6: the server's DUID */
	if (n != 5)
		return fail(why, "not \"EXPIRY MAC ADDRESS HOSTNAME CLIENT-ID\"");
	if (strchr(f[2], ':') != NULL)
		return 1;                      /* a DHCPv6 lease (its IAID in field 2) */
	if (parse_i64(f[0], &expire) < 0)
		return fail(why, "expiry is not a number");
	if (parse_ip(f[2], &l->addr) < 0)
		return fail(why, "address is not an IPv4 address");
	hl = dnsmasq_mac(f[1], l);
	if (hl < 0)
		return fail(why, "MAC is not a hardware address");
	l->hlen = (uint8_t)hl;
	if (strcmp(f[4], "*") != 0) {
		int cl = parse_hex(f[4], l->cid, sizeof(l->cid));

		if (cl < 0)
			return fail(why, "client-id is not hexadecimal");
		l->cid_len = (uint8_t)cl;
	}
	if (l->hlen == 0 && l->cid_len == 0)
		return fail(why, "no MAC and no client-id");
	if (strcmp(f[3], "*") != 0)
		set_hostname(l, f[3]);
	l->expire = expire == 0 ? now + 365 * 86400 : expire;   /* 0: an infinite lease */
	l->start = l->expire > lease_time ? l->expire - lease_time : 0;
	l->state = l->expire > now ? LEASE_BOUND : LEASE_EXPIRED;
	return 0;
}
