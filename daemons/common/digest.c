/*
 * digest.c: digests and DNSSEC signature checks through OpenSSL's EVP
 * interface (see digest.h).
 */
#include "digest.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

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

/* ---- DNSSEC ------------------------------------------------------------- */

int np_digest(enum np_digest_alg alg, const struct np_digest_part *parts, size_t n,
	      uint8_t *out)
{
	const EVP_MD *md = alg == NP_DIGEST_SHA1 ? EVP_sha1() :
			   alg == NP_DIGEST_SHA384 ? EVP_sha384() : EVP_sha256();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok;

	if (ctx == NULL)
		return NP_ENOSPC;
	ok = EVP_DigestInit_ex(ctx, md, NULL);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, parts[i].data, parts[i].len);
	ok = ok && EVP_DigestFinal_ex(ctx, out, &len);
	EVP_MD_CTX_free(ctx);
	return ok ? (int)len : NP_ENOSPC;
}

int np_dnssec_alg_supported(uint8_t alg)
{
	switch (alg) {
	case 8: case 10: case 13: case 14: case 15: case 16:
		return 1;
	default:
		return 0;
	}
}

/* RFC 3110 §2: a one-octet exponent length, or zero and a two-octet one. */
static EVP_PKEY *rsa_key(const uint8_t *key, size_t len)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *e = NULL, *n = NULL;
	size_t elen, off = 1, nlen;

	if (len < 1)
		return NULL;
	elen = key[0];
	if (elen == 0) {
		if (len < 3)
			return NULL;
		elen = (size_t)key[1] << 8 | key[2];
		off = 3;
	}
	if (elen == 0 || elen > len - off)
		return NULL;
	nlen = len - off - elen;
	/* Moduli of 1024..4096 bits (RFC 3110 §2 and RFC 5702 §2); no leading zero. */
	if (nlen < 128 || nlen > 512 || key[off + elen] == 0)
		return NULL;
	e = BN_bin2bn(key + off, (int)elen, NULL);
	n = BN_bin2bn(key + off + elen, (int)nlen, NULL);
	bld = OSSL_PARAM_BLD_new();
	/*
	 * A huge public exponent makes every verification as slow as a private
	 * key operation (a KeyTrap amplifier): at most 35 bits, BIND's
	 * RSA_MAX_PUBEXP_BITS; real keys use 65537 or 3.
	 */
	if (e && n && bld && BN_num_bits(e) <= 35 && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) &&
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) &&
	    EVP_PKEY_fromdata_init(ctx) > 0)
		EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(e);
	BN_free(n);
	return pkey;
}

/* RFC 6605 §4: x || y, given to OpenSSL as the uncompressed point 0x04 || x || y. */
static EVP_PKEY *ec_key(const char *group, const uint8_t *key, size_t len, size_t want)
{
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;
	uint8_t point[1 + 96];

	if (len != want)
		return NULL;
	point[0] = 0x04;
	memcpy(point + 1, key, len);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, len + 1);
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx && EVP_PKEY_fromdata_init(ctx) > 0)
		EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* RFC 6605 §4: r || s of half the length each, to the DER ECDSA-Sig-Value. */
static int ec_sig_der(const uint8_t *sig, size_t siglen, size_t want, uint8_t **der)
{
	ECDSA_SIG *es;
	BIGNUM *r, *s;
	int len;

	if (siglen != want)
		return NP_EBADLEN;
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, (int)(siglen / 2), NULL);
	s = BN_bin2bn(sig + siglen / 2, (int)(siglen / 2), NULL);
	if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
		ECDSA_SIG_free(es);
		BN_free(r);
		BN_free(s);
		return NP_ENOSPC;
	}
	*der = NULL;
	len = i2d_ECDSA_SIG(es, der);
	ECDSA_SIG_free(es);
	return len > 0 ? len : NP_ENOSPC;
}

static int verify_with(EVP_PKEY *pkey, const EVP_MD *md, const uint8_t *data, size_t datalen,
		       const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = NP_ENOSPC;

	if (ctx && EVP_DigestVerifyInit_ex(ctx, NULL, md ? EVP_MD_get0_name(md) : NULL, NULL,
					   NULL, pkey, NULL) > 0)
		rc = EVP_DigestVerify(ctx, sig, siglen, data, datalen) == 1 ? 0 : NP_ECSUM;
	EVP_MD_CTX_free(ctx);
	return rc;
}

int np_dnssec_verify(uint8_t alg, const uint8_t *key, size_t keylen, const uint8_t *data,
		     size_t datalen, const uint8_t *sig, size_t siglen)
{
	EVP_PKEY *pkey = NULL;
	const EVP_MD *md = NULL;
	uint8_t *der = NULL;
	int rc, derlen;

	switch (alg) {
	case 8: case 10:
		pkey = rsa_key(key, keylen);
		md = alg == 8 ? EVP_sha256() : EVP_sha512();
		break;
	case 13: case 14:
		pkey = ec_key(alg == 13 ? "P-256" : "P-384", key, keylen, alg == 13 ? 64 : 96);
		md = alg == 13 ? EVP_sha256() : EVP_sha384();
		break;
	case 15: case 16:
		if (keylen != (alg == 15 ? 32u : 57u))
			return NP_EBADLEN;
		pkey = EVP_PKEY_new_raw_public_key(alg == 15 ? EVP_PKEY_ED25519 : EVP_PKEY_ED448,
						   NULL, key, keylen);
		break;
	default:
		return NP_ETYPE;
	}
	if (!pkey)
		return NP_EBADLEN;
	if (alg == 13 || alg == 14) {
		if ((derlen = ec_sig_der(sig, siglen, alg == 13 ? 64 : 96, &der)) < 0) {
			EVP_PKEY_free(pkey);
			return derlen;
		}
		rc = verify_with(pkey, md, data, datalen, der, (size_t)derlen);
		OPENSSL_free(der);
	} else {
		rc = verify_with(pkey, md, data, datalen, sig, siglen);
	}
	EVP_PKEY_free(pkey);
	return rc;
}
