/*
 * netproto/error.h: error codes shared by every libnetproto codec.
 *
 * Functions return 0 (or a length) on success and a negative NP_E* code on
 * failure.
 *
 * One error space: the NP_E* codes lie below -NP_EBASE, outside the range of
 * negative errno values (-1 .. -4095, as the kernel returns them), so a
 * daemon may carry either in one int: a codec's NP_E* or a system call's
 * -errno.  np_strerror() names both, and is the one function that prints an
 * error code.
 */
#ifndef NETPROTO_ERROR_H
#define NETPROTO_ERROR_H

/* Above every errno value (the kernel's MAX_ERRNO is 4095). */
#define NP_EBASE 4096

enum np_error {
	NP_OK = 0,
	NP_ETRUNC = -(NP_EBASE + 1),        /* input ends before the structure it declares */
	NP_ENOSPC = -(NP_EBASE + 2),        /* output buffer too small */
	NP_EINVAL = -(NP_EBASE + 3),        /* argument out of range */
	NP_EBADLEN = -(NP_EBASE + 4),       /* a length field contradicts the data */
	NP_ECSUM = -(NP_EBASE + 5),         /* checksum does not verify */
	NP_EVERSION = -(NP_EBASE + 6),      /* unsupported protocol version */
	NP_ETYPE = -(NP_EBASE + 7),         /* unsupported hardware/protocol/message type */
	NP_EFRAG = -(NP_EBASE + 8),         /* IPv4 fragment (raw paths do not reassemble) */
	NP_EOPT = -(NP_EBASE + 9),          /* malformed option */
	NP_ECOOKIE = -(NP_EBASE + 10),      /* DHCP magic cookie missing or wrong */
	NP_ELOOP = -(NP_EBASE + 11),        /* DNS compression pointer loop or not strictly backwards */
	NP_ELABEL = -(NP_EBASE + 12),       /* DNS label longer than 63 octets or reserved label type */
	NP_ENAME = -(NP_EBASE + 13),        /* DNS name longer than 255 octets */
	NP_ECOUNT = -(NP_EBASE + 14),       /* a count exceeds the codec's cap */
	NP_ENOTFOUND = -(NP_EBASE + 15),    /* the requested option or field is absent */
	NP_EFORMAT = -(NP_EBASE + 16),      /* well-formed bytes with a meaning the protocol forbids */
};

/*
 * A static, human-readable name (never NULL) for 0, an NP_E* code or a
 * negative errno value (-ENOSPC: "No space left on device"); "unknown error"
 * for anything else.
 */
const char *np_strerror(int err);

#endif
