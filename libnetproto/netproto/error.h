/*
 * netproto/error.h: error codes shared by every libnetproto codec.
 *
 * Functions return 0 (or a length) on success and a negative NP_E* code on
 * failure.  np_strerror() names every code.
 */
#ifndef NETPROTO_ERROR_H
#define NETPROTO_ERROR_H

enum np_error {
	NP_OK = 0,
	NP_ETRUNC = -1,        /* input ends before the structure it declares */
	NP_ENOSPC = -2,        /* output buffer too small */
	NP_EINVAL = -3,        /* argument out of range */
	NP_EBADLEN = -4,       /* a length field contradicts the data */
	NP_ECSUM = -5,         /* checksum does not verify */
	NP_EVERSION = -6,      /* unsupported protocol version */
	NP_ETYPE = -7,         /* unsupported hardware/protocol/message type */
	NP_EFRAG = -8,         /* IPv4 fragment (raw paths do not reassemble) */
	NP_EOPT = -9,          /* malformed option */
	NP_ECOOKIE = -10,      /* DHCP magic cookie missing or wrong */
	NP_ELOOP = -11,        /* DNS compression pointer loop or not strictly backwards */
	NP_ELABEL = -12,       /* DNS label longer than 63 octets or reserved label type */
	NP_ENAME = -13,        /* DNS name longer than 255 octets */
	NP_ECOUNT = -14,       /* a count exceeds the codec's cap */
	NP_ENOTFOUND = -15,    /* the requested option or field is absent */
	NP_EFORMAT = -16,      /* well-formed bytes with a meaning the protocol forbids */
};

/* A static, human-readable name for an NP_E* code (never NULL). */
const char *np_strerror(int err);

#endif
