/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The access log's signatures without the TPM (pure, for verify, key export, the unit tests and the fuzzer):
 * the TPM signing key's public part as a SubjectPublicKeyInfo, ECDSA signatures as DER, and checking them with
 * OpenSSL's libcrypto.
 *
 * The key is ECC NIST P-256 and signs with ECDSA over SHA-256. A checkpoint's signature is the DER
 * ECDSA-Sig-Value over SHA-256 of the checkpoint message (log.h), so that anyone can check it with the exported
 * PEM and stock tools: 'openssl dgst -sha256 -verify owner.pem -signature sig.der message.bin'.
 */
#ifndef CV_LOGSIG_H
#define CV_LOGSIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>

#define CV_SPKI_MAX	128	/* a P-256 SubjectPublicKeyInfo is 91 bytes */
#define CV_SIG_MAX	80	/* a P-256 ECDSA-Sig-Value is at most 72 bytes */

/*
 * A marshalled TPM2B_PUBLIC (what TPM2_Create returned) of an ECC P-256 ECDSA-SHA256 signing key, to its
 * SubjectPublicKeyInfo in DER. Checks that it is such a key: anything else is refused with err saying what it
 * is. Returns 0 with *der_len set, or -1.
 */
int cv_logsig_spki(const uint8_t *pub, size_t pub_len, uint8_t der[CV_SPKI_MAX], size_t *der_len, char *err,
		   size_t errlen);

/* A DER SubjectPublicKeyInfo to a key, checked to be an EC P-256 public key; NULL with err. */
EVP_PKEY *cv_logsig_pkey(const uint8_t *der, size_t der_len, char *err, size_t errlen);

/* A PEM public key file (SubjectPublicKeyInfo, "BEGIN PUBLIC KEY") to its DER; 0, or -1 with err. */
int cv_logsig_read_pem(const char *path, uint8_t der[CV_SPKI_MAX], size_t *der_len, char *err, size_t errlen);

/* Writes the DER SubjectPublicKeyInfo as PEM to f. 0 or -1. */
int cv_logsig_write_pem(const uint8_t *der, size_t der_len, FILE *f);

/* The key's fingerprint: SHA-256 of its DER SubjectPublicKeyInfo, as OpenSSH and others print it. */
void cv_logsig_fpr(const uint8_t *der, size_t der_len, uint8_t fpr[32]);

/* "SHA256:" and the first 16 bytes of fpr in hex, for messages; buf needs 40 bytes. */
void cv_logsig_fpr_text(const uint8_t fpr[32], char *buf, size_t len);

/* The TPM's ECDSA signature (r and s, big-endian, up to 32 bytes each) as a DER ECDSA-Sig-Value. 0 or -1. */
int cv_logsig_der(const uint8_t *r, size_t r_len, const uint8_t *s, size_t s_len, uint8_t der[CV_SIG_MAX],
		  size_t *der_len);

/* Checks the DER signature sig over the SHA-256 digest with key: 1 valid, 0 not (malformed included). */
int cv_logsig_check(EVP_PKEY *key, const uint8_t digest[32], const uint8_t *sig, size_t sig_len);

#endif /* CV_LOGSIG_H */
