/* error.c: names for the NP_E* codes. */
#include <netproto/error.h>

const char *np_strerror(int err)
{
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
