// SPDX-License-Identifier: GPL-2.0
/*
 * The access log's signatures without the TPM: logsig.h says what is signed how. Everything here reads data
 * from the database or a file the user names, so everything is checked before use.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <tss2/tss2_mu.h>

#include "log/logsig.h"

#define CV_P256_BYTES 32

int cv_logsig_spki(const uint8_t *pub, size_t pub_len, uint8_t der[CV_SPKI_MAX], size_t *der_len, char *err,
		   size_t errlen)
{
	const TPMT_PUBLIC *p;
	TPM2B_PUBLIC tpub = { .size = 0 };
	uint8_t point[1 + 2 * CV_P256_BYTES];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	size_t off = 0, xl, yl;
	unsigned char *out;
	int len, ret = -1;

	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(pub, pub_len, &off, &tpub) != TSS2_RC_SUCCESS || off != pub_len) {
		snprintf(err, errlen, "the log's public key (%zu bytes) is not a TPM2B_PUBLIC: the database is damaged",
			 pub_len);
		return -1;
	}
	p = &tpub.publicArea;
	if (p->type != TPM2_ALG_ECC || p->parameters.eccDetail.curveID != TPM2_ECC_NIST_P256 ||
	    p->parameters.eccDetail.scheme.scheme != TPM2_ALG_ECDSA ||
	    p->parameters.eccDetail.scheme.details.ecdsa.hashAlg != TPM2_ALG_SHA256 ||
	    !(p->objectAttributes & TPMA_OBJECT_SIGN_ENCRYPT) || (p->objectAttributes & TPMA_OBJECT_RESTRICTED)) {
		snprintf(err, errlen, "the log's public key is not an ECDSA-SHA256 P-256 signing key (type 0x%04x, "
			 "curve 0x%04x, attributes 0x%08x): the database is damaged or not camvault's", p->type,
			 p->parameters.eccDetail.curveID, p->objectAttributes);
		return -1;
	}
	xl = p->unique.ecc.x.size;
	yl = p->unique.ecc.y.size;
	if (xl > CV_P256_BYTES || yl > CV_P256_BYTES) {
		snprintf(err, errlen, "the log's public key has coordinates of %zu and %zu bytes, not at most %d: "
			 "the database is damaged", xl, yl, CV_P256_BYTES);
		return -1;
	}
	/* The uncompressed point 04 || X || Y, coordinates left-padded: a TPM may drop leading zero bytes. */
	memset(point, 0, sizeof(point));
	point[0] = 0x04;
	memcpy(point + 1 + CV_P256_BYTES - xl, p->unique.ecc.x.buffer, xl);
	memcpy(point + 1 + 2 * CV_P256_BYTES - yl, p->unique.ecc.y.buffer, yl);

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point));
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		snprintf(err, errlen, "the log's public key is not a point on P-256: the database is damaged");
		goto out;
	}
	/* EVP_PKEY_fromdata() does not check that the point is on the curve. */
	EVP_PKEY_CTX_free(ctx);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!ctx || EVP_PKEY_public_check(ctx) != 1) {
		snprintf(err, errlen, "the log's public key is not a point on P-256: the database is damaged");
		goto out;
	}
	len = i2d_PUBKEY(pkey, NULL);
	if (len <= 0 || len > CV_SPKI_MAX) {
		snprintf(err, errlen, "OpenSSL cannot encode the log's public key: check libcrypto");
		goto out;
	}
	out = der;
	i2d_PUBKEY(pkey, &out);
	*der_len = (size_t)len;
	ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return ret;
}

EVP_PKEY *cv_logsig_pkey(const uint8_t *der, size_t der_len, char *err, size_t errlen)
{
	const unsigned char *p = der;
	char group[32] = "";
	EVP_PKEY *pkey;

	pkey = d2i_PUBKEY(NULL, &p, (long)der_len);
	if (!pkey || p != der + der_len) {
		snprintf(err, errlen, "not a DER SubjectPublicKeyInfo");
		goto bad;
	}
	if (!EVP_PKEY_is_a(pkey, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) ||
	    strcmp(group, "prime256v1")) {
		snprintf(err, errlen, "a %s key%s%s, not the EC P-256 key camvault's TPM signs with",
			 EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) : "unknown",
			 group[0] ? " on " : "", group);
		goto bad;
	}
	ERR_clear_error();
	return pkey;
bad:
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return NULL;
}

int cv_logsig_read_pem(const char *path, uint8_t der[CV_SPKI_MAX], size_t *der_len, char *err, size_t errlen)
{
	BIO *bio = BIO_new_file(path, "r");
	EVP_PKEY *pkey = NULL, *checked = NULL;
	unsigned char *out = der;
	char why[160];
	int len, ret = -1;

	if (!bio) {
		snprintf(err, errlen, "cannot read %s (%s): give the file 'camvault key export' wrote", path,
			 strerror(errno ? errno : ENOENT));
		goto out;
	}
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	if (!pkey) {
		snprintf(err, errlen, "%s holds no PEM public key (\"BEGIN PUBLIC KEY\"): give the file 'camvault key "
			 "export' wrote", path);
		goto out;
	}
	len = i2d_PUBKEY(pkey, NULL);
	if (len <= 0 || len > CV_SPKI_MAX) {
		snprintf(err, errlen, "the public key in %s is not a P-256 key (%d bytes of DER): give the file "
			 "'camvault key export' wrote", path, len);
		goto out;
	}
	i2d_PUBKEY(pkey, &out);
	checked = cv_logsig_pkey(der, (size_t)len, why, sizeof(why));
	if (!checked) {
		snprintf(err, errlen, "the public key in %s is %s: give the file 'camvault key export' wrote", path,
			 why);
		goto out;
	}
	*der_len = (size_t)len;
	ret = 0;
out:
	EVP_PKEY_free(checked);
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	ERR_clear_error();
	return ret;
}

int cv_logsig_write_pem(const uint8_t *der, size_t der_len, FILE *f)
{
	const unsigned char *p = der;
	EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)der_len);
	int ok = pkey && PEM_write_PUBKEY(f, pkey) == 1;

	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return ok ? 0 : -1;
}

void cv_logsig_fpr(const uint8_t *der, size_t der_len, uint8_t fpr[32])
{
	crypto_hash_sha256(fpr, der, der_len);
}

void cv_logsig_fpr_text(const uint8_t fpr[32], char *buf, size_t len)
{
	char hex[33];

	sodium_bin2hex(hex, sizeof(hex), fpr, 16);
	snprintf(buf, len, "SHA256:%s", hex);
}

int cv_logsig_der(const uint8_t *r, size_t r_len, const uint8_t *s, size_t s_len, uint8_t der[CV_SIG_MAX],
		  size_t *der_len)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(r, (int)r_len, NULL), *bs = BN_bin2bn(s, (int)s_len, NULL);
	unsigned char *out = der;
	int len, ret = -1;

	if (!sig || !br || !bs || r_len > CV_P256_BYTES || s_len > CV_P256_BYTES || !ECDSA_SIG_set0(sig, br, bs)) {
		BN_free(br);
		BN_free(bs);
		goto out;
	}
	/* sig owns br and bs now. */
	len = i2d_ECDSA_SIG(sig, NULL);
	if (len > 0 && len <= CV_SIG_MAX) {
		i2d_ECDSA_SIG(sig, &out);
		*der_len = (size_t)len;
		ret = 0;
	}
out:
	ECDSA_SIG_free(sig);
	ERR_clear_error();
	return ret;
}

int cv_logsig_check(EVP_PKEY *key, const uint8_t digest[32], const uint8_t *sig, size_t sig_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	int ok;

	ok = ctx && EVP_PKEY_verify_init(ctx) > 0 && EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0 &&
	     EVP_PKEY_verify(ctx, sig, sig_len, digest, 32) == 1;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}
