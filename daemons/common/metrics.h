/*
 * metrics.h: an optional Prometheus endpoint (text exposition format 0.0.4)
 * over HTTP/1.1, for a daemon's `metrics_listen = "ADDR:PORT"`.
 *
 * GET /metrics (or /) calls the daemon's writer, which emits the same
 * counters its control socket's statistic-get-all reports, each as
 *
 *     # TYPE np_arpd_pkt_received counter
 *     np_arpd_pkt_received 42
 *
 * The daemon's prefix ("np_arpd") is put before each name and characters
 * Prometheus does not allow in names ('-', '.') become '_'.  Anything else
 * gets 404, methods other than GET and HEAD 405.  Requests are served on the
 * daemon's event loop; the writer must not block.
 *
 * One request per connection.  Its request line and headers (at most 8 KiB,
 * else 431) must arrive within 5 s of the connection, else 408; the answer
 * must be taken within 5 s.  Sending or reading a byte at a time extends
 * neither.  At most 16 connections are open: a new one takes the place of
 * the oldest that is still sending its request.
 *
 * Functions return 0 or a negative errno value and never log.
 */
#ifndef NP_METRICS_H
#define NP_METRICS_H

#include <stdint.h>

#include <jansson.h>

struct event_base;
struct np_metrics;
struct np_metrics_out;

enum np_metric_type {
	NP_METRIC_COUNTER,             /* only grows (until a restart) */
	NP_METRIC_GAUGE,               /* goes up and down */
};

/* Called for each scrape: emit every sample with np_metrics_write*(). */
typedef void np_metrics_fn(struct np_metrics_out *out, void *ctx);

/*
 * Serve on addr:port (host byte order; port 0 picks a free port, see
 * np_metrics_port()).  prefix (copied, at most 31 bytes) is put before each
 * name.  -EINVAL for a bad prefix, -ENOMEM, or the bind error (-EADDRINUSE,
 * -EADDRNOTAVAIL, -EACCES...).
 */
int np_metrics_new(struct event_base *base, uint32_t addr, uint16_t port, const char *prefix,
		   np_metrics_fn *fn, void *ctx, struct np_metrics **out);

/* Connection counters, for the daemon's statistics. */
struct np_metrics_stats {
	uint64_t accepted;
	uint64_t evicted;              /* unanswered, closed for a newcomer */
	uint64_t timed_out;            /* request or answer past its deadline */
	uint64_t refused;              /* every connection was being answered */
};

void np_metrics_get_stats(const struct np_metrics *m, struct np_metrics_stats *out);

/* The bound port (the chosen one when asked for 0). */
uint16_t np_metrics_port(const struct np_metrics *m);

/* Stop serving and free; NULL is fine. */
void np_metrics_free(struct np_metrics *m);

/* One sample, "PREFIX_NAME value" with its TYPE line. */
void np_metrics_write(struct np_metrics_out *out, const char *name, enum np_metric_type type,
		      uint64_t value);

/*
 * Every member of obj (a statistic-get-all answer's arguments) as a sample:
 * a non-negative integer, or Kea's [[value, "time"], ...] (the first, newest
 * value).  Kea's scoped names become labels of one metric:
 * "subnet[1].pool[0].assigned-addresses" is
 * PREFIX_assigned_addresses{subnet="1",pool="0"}.  Samples are grouped by
 * metric (sorted by name), one TYPE line each; type(name) says which are
 * gauges (NULL: all counters).  Anything else is skipped.
 */
void np_metrics_write_json(struct np_metrics_out *out, const json_t *obj,
			   enum np_metric_type (*type)(const char *name));

#endif
