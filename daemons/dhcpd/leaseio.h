/*
 * leaseio.h: np-dhcpd's lease store offline: printed (--dump-leases) and
 * filled from another server's lease file (--import-leases), and the lock
 * that keeps those apart from a running daemon.
 *
 *   np-dhcpd --dump-leases FILE [--format csv|json] [-c CONFIG]
 *       The leases of the store FILE (snapshot + journal, read without
 *       changing it) as a restart would find them: Kea's memfile lease4 CSV
 *       (leasefmt.h) or, with --format json, {"leases": [...]} with the
 *       fields of np-ctl's lease4-get-all.  With -c, subnet ids are the
 *       config's (1-based, as np-ctl's); without, 0.
 *
 *   np-dhcpd [-c CONFIG] --import-leases dnsmasq:FILE | kea:FILE
 *       Adds every IPv4 lease of a dnsmasq lease file or a Kea memfile CSV
 *       to the configured lease store.  Refused, with nothing written, when
 *       the daemon runs (the store's lock is held), when the config is
 *       wrong, or when any line cannot be read or names an address outside
 *       the configured subnets ("FILE:LINE: why").
 */
#ifndef NP_DHCPD_LEASEIO_H
#define NP_DHCPD_LEASEIO_H

#include <stdbool.h>

/*
 * Take the lease store's lock ("<lease_file>.lock", flock, not waiting):
 * its descriptor (held until closed), or -EWOULDBLOCK when another process
 * holds it, or -errno.
 */
int leaseio_lock(const char *lease_file);

/* Whether argv asks for --dump-leases or --import-leases. */
bool leaseio_wanted(int argc, char **argv);
/* Run that command; the process's exit code. */
int leaseio_main(int argc, char **argv);

#endif
