// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for what the access log's verification parses from the database: the signing key's
 * TPM2B_PUBLIC (to a SubjectPublicKeyInfo, then back to a key) and a checkpoint's DER signature. The first
 * byte splits the input: the key's blob, then the signature. A blob that is not a P-256 ECDSA key must be
 * refused with a message; an accepted one must round-trip; no signature made of fuzz may verify.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log/logsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t der[CV_SPKI_MAX], digest[32] = { 0 }, fpr[32];
	char err[512] = "";
	size_t split, der_len = 0;
	EVP_PKEY *key;

	if (!size)
		return 0;
	split = data[0] < size - 1 ? data[0] : size - 1;
	data++;
	size--;
	if (cv_logsig_spki(data, split, der, &der_len, err, sizeof(err))) {
		if (!err[0])
			abort();
		return 0;
	}
	if (!der_len || der_len > CV_SPKI_MAX)
		abort();
	key = cv_logsig_pkey(der, der_len, err, sizeof(err));
	if (!key)
		abort();
	cv_logsig_fpr(der, der_len, fpr);
	memcpy(digest, fpr, sizeof(digest));
	/* The fuzzer does not know the private key: a signature it makes up never verifies. */
	if (cv_logsig_check(key, digest, data + split, size - split))
		abort();
	EVP_PKEY_free(key);
	return 0;
}
