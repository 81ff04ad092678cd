/*
 * report.c: human and JSON output of np-tcpprobe (report.h).
 */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include <netproto/ipv6.h>
#include <netproto/tcp.h>

#include "report.h"

void report_init(struct report *r, FILE *out, int json, const char *host,
		 const struct probe_addr *addr)
{
	memset(r, 0, sizeof(*r));
	r->out = out;
	r->json = json;
	r->host = host;
	r->addr = *addr;
}

void report_header(struct report *r, const struct probe_addr *src, const char *ifname,
		   unsigned int nports, unsigned int count)
{
	char a[NP_IPV6_ADDR_TEXT_LEN], s[NP_IPV6_ADDR_TEXT_LEN];

	if (r->json)
		return;
	probe_addr_to_text(&r->addr, a);
	probe_addr_to_text(src, s);
	fprintf(r->out, "NP-TCPPROBE %s (%s): %u port%s x %u from %s on %s\n", r->host, a, nports,
		nports == 1 ? "" : "s", count, s, ifname);
	fflush(r->out);
}

void report_sent(struct report *r)
{
	r->sent++;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = 0;
}

/* ---- JSON -------------------------------------------------------------- */

static json_t *json_options(const struct probe *p)
{
	const struct np_tcp_opts *o = &p->peer_opts;
	json_t *j = json_object(), *unk = json_array();
	char h[2 * NP_TCP_MAX_OPT_LEN + 1];
	unsigned int i, n;

	if (o->present & NP_TCP_HAS_MSS)
		json_object_set_new(j, "mss", json_integer(o->mss));
	if (o->present & NP_TCP_HAS_WSCALE)
		json_object_set_new(j, "wscale", json_integer(o->wscale));
	json_object_set_new(j, "sack_permitted", json_boolean(o->present & NP_TCP_HAS_SACK_PERM));
	if (o->present & NP_TCP_HAS_TIMESTAMP)
		json_object_set_new(j, "timestamps", json_pack("{s:I,s:I}", "val", (json_int_t)o->ts_val,
							       "ecr", (json_int_t)o->ts_ecr));
	n = o->unknown_count < NP_TCP_UNKNOWN_MAX ? o->unknown_count : NP_TCP_UNKNOWN_MAX;
	for (i = 0; i < n; i++) {
		const struct np_tcp_unknown_opt *u = &o->unknown[i];

		h[0] = 0;
		if (u->data && u->len >= 2)
			hex(u->data, (size_t)u->len - 2, h);
		json_array_append_new(unk, json_pack("{s:i,s:i,s:s}", "kind", u->kind, "len", u->len,
						     "data", h));
	}
	json_object_set_new(j, "unknown", unk);
	hex(p->peer_raw_opts, p->peer_raw_opts_len, h);
	json_object_set_new(j, "raw", json_string(h));
	json_object_set_new(j, "malformed", json_boolean(o->malformed));
	return j;
}

static void json_probe(struct report *r, const struct probe *p, unsigned int seq)
{
	char a[NP_IPV6_ADDR_TEXT_LEN];
	json_t *j;

	probe_addr_to_text(&r->addr, a);
	j = json_pack("{s:i,s:s,s:s,s:i,s:i,s:s}", "seq", seq, "host", r->host, "addr", a,
		      "port", p->cfg.dport, "sport", p->cfg.sport, "result",
		      probe_result_name(p->result));
	if (p->result != PROBE_FILTERED)
		json_object_set_new(j, "rtt_ms", json_real(ms(p->rtt_ns)));
	switch (p->result) {
	case PROBE_OPEN:
		json_object_set_new(j, "ttl", json_integer(p->peer_ttl));
		json_object_set_new(j, "window", json_integer(p->peer_window));
		json_object_set_new(j, "isn", json_integer(p->peer_isn));
		json_object_set_new(j, "options", json_options(p));
		json_object_set_new(j, "close", json_string(probe_close_name(p->close)));
		json_object_set_new(j, "synack_retransmits", json_integer(p->synack_retrans));
		json_object_set_new(j, "dup_answers_limited", json_integer(p->dup_answers_limited));
		json_object_set_new(j, "data_bytes", json_integer((json_int_t)p->data_bytes));
		break;
	case PROBE_CLOSED:
		json_object_set_new(j, "ttl", json_integer(p->rst_ttl));
		break;
	case PROBE_UNREACHABLE:
		probe_addr_to_text(&p->icmp_from, a);
		json_object_set_new(j, "icmp_type", json_integer(p->icmp_type));
		json_object_set_new(j, "icmp_code", json_integer(p->icmp_code));
		json_object_set_new(j, "icmp_from", json_string(a));
		break;
	default:
		json_object_set_new(j, "timeout_ms", json_real(ms(p->cfg.timeout_ns)));
		break;
	}
	json_dumpf(j, r->out, JSON_COMPACT | JSON_REAL_PRECISION(6));
	fputc('\n', r->out);
	json_decref(j);
}

/* ---- human ------------------------------------------------------------- */

static void human_options(FILE *out, const struct probe *p)
{
	const struct np_tcp_opts *o = &p->peer_opts;
	unsigned int i, n;

	if (o->present & NP_TCP_HAS_MSS)
		fprintf(out, " mss=%u", o->mss);
	if (o->present & NP_TCP_HAS_WSCALE)
		fprintf(out, " ws=%u", o->wscale);
	if (o->present & NP_TCP_HAS_SACK_PERM)
		fprintf(out, " sack");
	if (o->present & NP_TCP_HAS_TIMESTAMP)
		fprintf(out, " ts=%u/%u", (unsigned)o->ts_val, (unsigned)o->ts_ecr);
	n = o->unknown_count < NP_TCP_UNKNOWN_MAX ? o->unknown_count : NP_TCP_UNKNOWN_MAX;
	for (i = 0; i < n; i++)
		fprintf(out, " opt%u/%u", o->unknown[i].kind, o->unknown[i].len);
	if (o->malformed)
		fprintf(out, " opts-malformed");
}

static void human_probe(struct report *r, const struct probe *p, unsigned int seq)
{
	char a[NP_IPV6_ADDR_TEXT_LEN];
	const int v6 = !probe_addr_is_v4(&r->addr);

	probe_addr_to_text(&r->addr, a);
	/* An IPv6 address with a port in brackets (RFC 5952 §6). */
	fprintf(r->out, "%s %s%s%s:%u seq=%u sport=%u", probe_result_name(p->result), v6 ? "[" : "",
		a, v6 ? "]" : "", p->cfg.dport, seq, p->cfg.sport);
	switch (p->result) {
	case PROBE_OPEN:
		fprintf(r->out, " rtt=%.3f ms ttl=%u win=%u isn=%u", ms(p->rtt_ns), p->peer_ttl,
			p->peer_window, (unsigned)p->peer_isn);
		human_options(r->out, p);
		fprintf(r->out, " close=%s", probe_close_name(p->close));
		if (p->synack_retrans)
			fprintf(r->out, " synack-retransmits=%u", p->synack_retrans);
		if (p->dup_answers_limited)
			fprintf(r->out, " dup-answers-limited=%u", p->dup_answers_limited);
		break;
	case PROBE_CLOSED:
		fprintf(r->out, " rtt=%.3f ms ttl=%u (RST)", ms(p->rtt_ns), p->rst_ttl);
		break;
	case PROBE_UNREACHABLE:
		probe_addr_to_text(&p->icmp_from, a);
		fprintf(r->out, " rtt=%.3f ms icmp type=%u code=%u from %s", ms(p->rtt_ns),
			p->icmp_type, p->icmp_code, a);
		break;
	default:
		fprintf(r->out, " (no answer in %.3f s)", (double)p->cfg.timeout_ns / 1e9);
		break;
	}
	fputc('\n', r->out);
}

void report_probe(struct report *r, const struct probe *p, unsigned int seq)
{
	if (p->result <= PROBE_UNREACHABLE)
		r->count[p->result]++;
	if (p->result != PROBE_FILTERED && p->result != PROBE_PENDING) {
		double v = ms(p->rtt_ns);

		if (r->rtt_n == 0 || v < r->rtt_min)
			r->rtt_min = v;
		if (r->rtt_n == 0 || v > r->rtt_max)
			r->rtt_max = v;
		r->rtt_n++;
		r->rtt_sum += v;
		r->rtt_sum2 += v * v;
	}
	if (r->json)
		json_probe(r, p, seq);
	else
		human_probe(r, p, seq);
	fflush(r->out);
}

static double rtt_mdev(const struct report *r, double avg)
{
	double var = r->rtt_sum2 / r->rtt_n - avg * avg;

	return var > 0 ? sqrt(var) : 0;
}

void report_summary(struct report *r, int interrupted)
{
	char a[NP_IPV6_ADDR_TEXT_LEN];
	double avg = r->rtt_n ? r->rtt_sum / r->rtt_n : 0;
	double mdev = r->rtt_n ? rtt_mdev(r, avg) : 0;

	probe_addr_to_text(&r->addr, a);
	if (r->json) {
		json_t *j = json_pack("{s:{s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:b}}", "summary", "host", r->host,
				      "addr", a, "sent", r->sent, "open", r->count[PROBE_OPEN],
				      "closed", r->count[PROBE_CLOSED], "filtered",
				      r->count[PROBE_FILTERED], "unreachable",
				      r->count[PROBE_UNREACHABLE], "interrupted", interrupted);

		if (r->rtt_n)
			json_object_set_new(json_object_get(j, "summary"), "rtt_ms",
					    json_pack("{s:f,s:f,s:f,s:f}", "min", r->rtt_min, "avg",
						      avg, "max", r->rtt_max, "mdev", mdev));
		json_dumpf(j, r->out, JSON_COMPACT | JSON_REAL_PRECISION(6));
		fputc('\n', r->out);
		json_decref(j);
		fflush(r->out);
		return;
	}
	fprintf(r->out, "\n--- %s (%s) np-tcpprobe statistics ---\n", r->host, a);
	fprintf(r->out, "%u probes sent, %u open, %u closed, %u filtered, %u unreachable%s\n",
		r->sent, r->count[PROBE_OPEN], r->count[PROBE_CLOSED], r->count[PROBE_FILTERED],
		r->count[PROBE_UNREACHABLE], interrupted ? ", interrupted" : "");
	if (r->rtt_n)
		fprintf(r->out, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", r->rtt_min, avg,
			r->rtt_max, mdev);
	fflush(r->out);
}

int report_status(const struct report *r)
{
	return r->sent > 0 && r->count[PROBE_OPEN] == r->sent ? 0 : 1;
}
