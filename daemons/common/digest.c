/*
 * digest.c: SHA-256 through OpenSSL's EVP interface (see digest.h).
 */
#include "digest.h"

#include <openssl/evp.h>

#include <netproto/error.h>

int np_sha256(const struct np_digest_part *parts, size_t n, uint8_t out[NP_SHA256_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok;

	if (ctx == NULL)
		return NP_ENOSPC;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, parts[i].data, parts[i].len);
	ok = ok && EVP_DigestFinal_ex(ctx, out, &len) && len == NP_SHA256_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : NP_ENOSPC;
}
