/*
 * xsk-prog.h: what the XDP program (xsk-prog.bpf.c) and its loader
 * (xsk.c) share: the listen table's key and the frame size limit.
 * Included by both the BPF target and the host: kernel types only.
 */
#ifndef NP_XSK_PROG_H
#define NP_XSK_PROG_H

#include <linux/types.h>

/* The listen table holds at most this many (address, port) pairs. */
#define NP_XSK_PROG_MAX_LISTEN 16

/*
 * The longest frame the program hands to the socket: a ring frame (4096
 * octets) less the XDP_PACKET_HEADROOM (256) the kernel keeps in front of
 * a received frame.  A longer one would be dropped by the socket; the
 * kernel takes it instead.
 */
#define NP_XSK_PROG_FRAME_MAX (4096u - 256u)

/* One listen table key: an IPv4 destination and UDP port, as on the wire. */
struct np_xsk_listen_key {
	__be32 addr;
	__be16 port;
	__u16 zero;                    /* padding, always 0: part of the hashed key */
};

#endif
