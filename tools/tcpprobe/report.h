/*
 * report.h: np-tcpprobe's output, ping-style lines or JSON.
 *
 * Human: one line per finished probe ("open 10.0.0.1:80 seq=0 ...", for
 * IPv6 "open [2001:db8::2]:80 seq=0 ...", RFC 5952 §6) and a
 * summary with counts and RTT min/avg/max/mdev (mdev as iputils' ping:
 * the standard deviation).  JSON: one object per line and probe, then one
 * {"summary": ...} object.  RTT statistics cover every answered probe
 * (open, closed, unreachable); filtered probes have no RTT.
 */
#ifndef NP_TCPPROBE_REPORT_H
#define NP_TCPPROBE_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "probe.h"

struct report {
	FILE *out;
	int json;
	const char *host;            /* as the user wrote it */
	struct probe_addr addr;
	unsigned int sent;
	unsigned int count[PROBE_UNREACHABLE + 1];   /* by enum probe_result */
	unsigned int rtt_n;
	double rtt_min, rtt_max, rtt_sum, rtt_sum2;  /* milliseconds */
};

void report_init(struct report *r, FILE *out, int json, const char *host,
		 const struct probe_addr *addr);
/* The first line (human only): what is probed from where. */
void report_header(struct report *r, const struct probe_addr *src, const char *ifname,
		   unsigned int nports, unsigned int count);
/* A probe was sent. */
void report_sent(struct report *r);
/* A probe finished; seq is its number in the run. */
void report_probe(struct report *r, const struct probe *p, unsigned int seq);
/* The summary; interrupted: the run was stopped by a signal. */
void report_summary(struct report *r, int interrupted);
/* 0 when every probe sent was open, else 1 (the exit status). */
int report_status(const struct report *r);

#endif
