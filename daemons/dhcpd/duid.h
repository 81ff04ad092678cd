/*
 * duid.h: np-dhcpd's DHCPv6 server DUID (RFC 8415 §11), kept in a file
 * beside the lease file so it stays the same across restarts and NIC
 * changes (§11: "the DUID ... MUST NOT change").
 */
#ifndef NP_DHCPD_DUID_H
#define NP_DHCPD_DUID_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <netproto/dhcp6.h>

/*
 * The DUID stored at path ("00:01:00:01:..." on one line), or, when there
 * is no such file, a new DUID-LLT (§11.2: type 1, hardware type 1, now as
 * seconds since 2000-01-01 UTC, mac) written there atomically (temporary
 * file, fsync, rename, fsync of the directory).  Length in *len; 0, or
 * -EINVAL for a file that does not hold a DUID, or -errno.
 */
int dhcpd_duid_load(const char *path, const uint8_t mac[6], time_t now,
		    uint8_t out[NP_DHCP6_DUID_MAX], size_t *len);

#endif
