/* error.c: names for the NP_E* codes and for negative errno values. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>

#include <netproto/error.h>

/* strerror() may build its text in a shared buffer; the description
 * table is static and thread-safe.  NULL for an unknown errno value. */
static const char *errno_text(int e)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
	return strerrordesc_np(e);
#else
	return strerror(e);
#endif
}

const char *np_strerror(int err)
{
	const char *text;

	if (err < 0 && err > -NP_EBASE) {
		text = errno_text(-err);
		return text ? text : "unknown error";
	}
	switch (err) {
	case NP_OK: return "success";
	case NP_ETRUNC: return "truncated input";
	case NP_ENOSPC: return "output buffer too small";
	case NP_EINVAL: return "invalid argument";
	case NP_EBADLEN: return "length field contradicts the data";
	case NP_ECSUM: return "bad checksum";
	case NP_EVERSION: return "unsupported protocol version";
	case NP_ETYPE: return "unsupported type";
	case NP_EFRAG: return "IPv4 fragment";
	case NP_EOPT: return "malformed option";
	case NP_ECOOKIE: return "bad DHCP magic cookie";
	case NP_ELOOP: return "bad DNS compression pointer";
	case NP_ELABEL: return "bad DNS label";
	case NP_ENAME: return "DNS name too long";
	case NP_ECOUNT: return "count exceeds limit";
	case NP_ENOTFOUND: return "not found";
	case NP_EFORMAT: return "malformed message";
	}
	return "unknown error";
}
