// SPDX-License-Identifier: GPL-2.0
/*
 * Seeds for fuzz_logsig: the TPM2B_PUBLIC of a P-256 ECDSA signing key as a TPM returns it (a software key's
 * point in the TPM's template), followed by a DER signature, and variants with another curve and scheme.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

static int seed(const char *dir, int n, const TPM2B_PUBLIC *pub, const uint8_t *sig, size_t sig_len)
{
	uint8_t buf[sizeof(TPM2B_PUBLIC) + 128];
	size_t off = 1;
	char path[4096];
	FILE *f;

	if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS || off - 1 > 255)
		return -1;
	buf[0] = (uint8_t)(off - 1);
	memcpy(buf + off, sig, sig_len);
	snprintf(path, sizeof(path), "%s/seed-%d", dir, n);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, off + sig_len, 1, f) != 1 || fclose(f))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t sig[] = { 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 };
	TPM2B_PUBLIC pub = { .size = 0 };
	TPMT_PUBLIC *p = &pub.publicArea;
	uint8_t point[65];
	size_t len = 0;
	EVP_PKEY *key;

	if (argc != 2)
		return 2;
	key = EVP_EC_gen("P-256");
	if (!key || !EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &len) ||
	    len != 65)
		return 1;
	p->type = TPM2_ALG_ECC;
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			      TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA;
	p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	p->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	p->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	p->unique.ecc.x.size = 32;
	memcpy(p->unique.ecc.x.buffer, point + 1, 32);
	p->unique.ecc.y.size = 32;
	memcpy(p->unique.ecc.y.buffer, point + 33, 32);
	EVP_PKEY_free(key);
	if (seed(argv[1], 0, &pub, sig, sizeof(sig)))
		return 1;
	p->unique.ecc.x.size = 31;	/* a leading zero byte dropped */
	if (seed(argv[1], 1, &pub, sig, sizeof(sig)))
		return 1;
	p->unique.ecc.x.size = 32;
	p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P384;
	if (seed(argv[1], 2, &pub, sig, sizeof(sig)))
		return 1;
	p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	p->objectAttributes |= TPMA_OBJECT_RESTRICTED;
	return seed(argv[1], 3, &pub, sig, sizeof(sig)) ? 1 : 0;
}
