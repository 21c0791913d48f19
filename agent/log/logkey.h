/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TPM side of the access log (tpm2-tss ESAPI): the key that signs checkpoints and the NV counter that
 * numbers them.
 *
 * - Signing key: ECC NIST P-256, scheme ECDSA with SHA-256, sign|fixedTPM|fixedParent|sensitiveDataOrigin|
 *   userWithAuth|noDA, not restricted (it signs digests the agent computes), empty authValue. Its parent is the
 *   storage primary key (cv_primary_new(), tpm/tpm2-util.h), so nothing is persisted in the TPM: the public and
 *   private blobs TPM2_Create returns live in the database, and are loaded for each checkpoint. The private
 *   blob is wrapped by this TPM's storage key: only this TPM can sign with it.
 * - Counter: an NV index of type TPM_NT_COUNTER, OWNERREAD|AUTHWRITE|NO_DA, with a random authValue of
 *   CV_LOGNV_AUTH_BYTES that the log's database keeps (so only the agent, not whoever reaches the TPM, can
 *   increment it; reading takes the empty owner authorization). Counters made before: AUTHREAD|AUTHWRITE|NO_DA
 *   with an empty authValue, still accepted (cv_lognv_weak()). The first free one from
 *   CV_LOGNV_FIRST in the owner's range 0x01000000..0x013fffff (0x01c0xxxx belongs to the TPM's
 *   manufacturer, EK certificates). Not ORDERLY: an orderly counter jumps ahead after a power cut, which would
 *   look like removed checkpoints. It only ever goes up, also across TPM2_NV_UndefineSpace/DefineSpace (a new
 *   counter starts at the highest count the TPM ever had), which is what makes truncation detectable.
 *
 * Failing functions write one sentence into err and return a CV_SEAL_E* code (tpm/tpm2-util.h).
 */
#ifndef CV_LOGKEY_H
#define CV_LOGKEY_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#include "tpm/tpm.h"

#define CV_LOGNV_FIRST	0x0100ca00u	/* the first NV index tried for the counter */
#define CV_LOGNV_LAST	0x013fffffu

/* The signing key's blobs, marshalled as TPM2_Create returned them, and the parent's algorithm. */
struct cv_logkey {
	uint16_t srk_alg;		/* TPM2_ALG_ECC or TPM2_ALG_RSA: which primary is the parent */
	uint8_t pub[sizeof(TPM2B_PUBLIC)];
	size_t pub_len;
	uint8_t priv[sizeof(TPM2B_PRIVATE)];
	size_t priv_len;
};

/* Creates a new signing key under the storage primary. */
int cv_logkey_create(struct cv_tpm *tpm, struct cv_logkey *k, char *err, size_t errlen);

/*
 * Signs the SHA-256 digest with k: sig gets the DER ECDSA-Sig-Value (CV_SIG_MAX bytes). CV_SEAL_EOTHER_TPM
 * when this TPM cannot load k (another TPM made it).
 */
int cv_logkey_sign(struct cv_tpm *tpm, const struct cv_logkey *k, const uint8_t digest[32], uint8_t *sig,
		   size_t *sig_len, char *err, size_t errlen);

/* Whether this TPM can load k: CV_SEAL_OK, CV_SEAL_EOTHER_TPM, or CV_SEAL_EFAIL. */
int cv_logkey_check(struct cv_tpm *tpm, const struct cv_logkey *k, char *err, size_t errlen);

#define CV_LOGNV_AUTH_BYTES 32

/*
 * Defines a new counter with a random authValue, increments it once (a counter cannot be read before), and
 * returns its index and its authValue (auth, for the caller to keep and wipe).
 */
int cv_lognv_define(struct cv_tpm *tpm, uint32_t *index, uint8_t auth[CV_LOGNV_AUTH_BYTES], char *err,
		    size_t errlen);

/* Whether the counter at index is of the old kind that anyone with TPM access can increment: 1, 0, or < 0. */
int cv_lognv_weak(struct cv_tpm *tpm, uint32_t index, char *err, size_t errlen);

/*
 * Reads the counter at index, through a session salted with the storage primary, so that what the TPM says
 * cannot be changed on the bus unnoticed. CV_SEAL_ENO_NV when there is no such counter (err says what is there).
 */
int cv_lognv_read(struct cv_tpm *tpm, uint32_t index, uint64_t *value, char *err, size_t errlen);

/*
 * Adds one to the counter at index (TPM2_NV_Increment) with its authValue (auth_len 0: none, for a counter of
 * the old kind; a counter of the old kind with an authValue given is refused: it replaced the log's own).
 */
int cv_lognv_increment(struct cv_tpm *tpm, uint32_t index, const uint8_t *auth, size_t auth_len, char *err,
		       size_t errlen);

/* Undefines the counter (owner authorization), for tests and for removing a log. */
int cv_lognv_undefine(struct cv_tpm *tpm, uint32_t index, char *err, size_t errlen);

#endif /* CV_LOGKEY_H */
