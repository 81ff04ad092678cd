/*
 * io-ra.h: router advertisements on the wire (RFC 4861 §6.2): one raw
 * ICMPv6 socket that receives Router Solicitations from every advertising
 * interface and sends the RAs ra.c decides, from each interface's
 * link-local address, hop limit 255; a timer per interface; an rtnetlink
 * watch on IPv6 addresses for "auto" prefixes and the link-local source.
 */
#ifndef NP_DHCPD_IO_RA_H
#define NP_DHCPD_IO_RA_H

#include <stddef.h>
#include <stdint.h>

#include "ra.h"

struct event_base;
struct dhcpd_ra;

/*
 * Start advertising on each of the n interfaces of confs (which must
 * outlive the returned state, or be replaced by dhcpd_ra_reconfigure()).
 * n == 0: *out is NULL and nothing is opened.  0, or -errno after logging.
 */
int dhcpd_ra_start(struct event_base *base, const struct ra_config *confs, size_t n,
		   struct dhcpd_ra **out);
/*
 * A reload: the same interfaces in the same order take confs from now on
 * (the burst of §6.2.4 starts again); 0, or -1 with why when the
 * interfaces differ (they take effect on restart only).
 */
int dhcpd_ra_reconfigure(struct dhcpd_ra *ra, const struct ra_config *confs, size_t n,
			 char *why, size_t cap);
/* Stop: a final RA with router lifetime 0 on each interface (§6.2.5), then close. */
void dhcpd_ra_stop(struct dhcpd_ra *ra);

/* Each counter by name, summed over the interfaces. */
void dhcpd_ra_stats(const struct dhcpd_ra *ra,
		    void (*put)(void *arg, const char *name, uint64_t v), void *arg);

#endif
