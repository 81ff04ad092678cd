/*
 * martian.h: the IPv4 source addresses the kernel refuses to take a
 * datagram from (ip_route_input_slow() and fib_validate_source()), for
 * paths that receive past the kernel's IP layer (AF_XDP, xsk.h).
 *
 * An answer to such a source goes nowhere useful, or to many: to this
 * host itself, or to the broadcast address of one of its subnets, where
 * every host of the link receives it (the kernel would not even send it
 * without SO_BROADCAST).  The fixed ranges are RFC 1122 §3.2.1.3 and RFC
 * 1112 §4 / RFC 6890; the host's own addresses and its subnets' broadcast
 * addresses come from the caller (np_local4_read() in netio.h), who keeps
 * them current.
 *
 * Pure: no I/O, no allocation.
 */
#ifndef NP_MARTIAN_H
#define NP_MARTIAN_H

#include <stdbool.h>
#include <stdint.h>

#define NP_LOCAL4_MAX 256

/* The host's IPv4 addresses and the broadcast addresses of their subnets. */
struct np_local4 {
	unsigned naddr, nbcast;
	bool truncated;                /* more than NP_LOCAL4_MAX: some left out */
	uint32_t addr[NP_LOCAL4_MAX];  /* host order */
	uint32_t bcast[NP_LOCAL4_MAX];
};

void np_local4_clear(struct np_local4 *l);

/*
 * Add one address of prefix length prefixlen, and brd (0: none), the
 * broadcast address configured with it.  As the kernel's fib_add_ifaddr(),
 * the subnet's all-ones address is a broadcast address too, for prefixes
 * shorter than 31 (RFC 3021: a /31 has none).
 */
void np_local4_add(struct np_local4 *l, uint32_t addr, uint8_t prefixlen, uint32_t brd);

/*
 * true for a source the kernel drops as martian: 0.0.0.0/8 ("this
 * network"), 127.0.0.0/8 (loopback, arriving on a link), 224.0.0.0/4
 * (multicast), 240.0.0.0/4 (reserved) with 255.255.255.255, one of the
 * host's own addresses, or a broadcast address of one of its subnets.
 */
bool np_martian_source(const struct np_local4 *l, uint32_t src);

#endif
