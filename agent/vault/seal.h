/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vault's TPM slot, the flow (the TPM's mechanics are in tpm/tpm2-util.h): sealing the master secret M,
 * the NV index that holds the shred secret N, and their release. vault/vaultkey.h says what M and N are.
 *
 * - Parent: the storage primary key (cv_primary_new(), tpm/tpm2-util.h): the TCG SRK template (ECC NIST
 *   P-256, falling back to RSA 2048 when the TPM has no ECC), reproducible, so nothing is persisted. Empty
 *   owner auth is assumed.
 * - Sealed object: KEYEDHASH with sensitive data M, fixedTPM|fixedParent. Without PIN or PCRs it is
 *   userWithAuth with an empty authValue and TPMA_OBJECT_NODA (power cuts never push the TPM into lockout).
 *   With --pin: authPolicy includes PolicyAuthValue, authValue = the PIN, DA-protected (no NODA). With --pcrs:
 *   authPolicy includes PolicyPCR over the SHA-256 bank. Either way userWithAuth is clear.
 * - NV index: CV_NV_BYTES, TPMA_NV_AUTHREAD|POLICYWRITE|NO_DA, authPolicy = PolicyAuthValue, authValue =
 *   BLAKE2b-256 keyed with M over ("camvault-v1-nv-auth" || uuid): only whoever unsealed M reads or writes N,
 *   not anyone who merely reaches the TPM. Vaults sealed before had AUTHREAD|AUTHWRITE|NO_DA with an empty
 *   authValue (writable by anyone with TPM access): still accepted, and cv_nv_weak() tells them.
 *   Chosen in 0x01800000..0x01bfffff from the vault's uuid, the first free one from there. Undefining it
 *   still takes only the owner authorization, which camvault assumes empty.
 * - Every command carrying M or N runs in a session salted with the primary key and with parameter encryption
 *   (AES-128-CFB), so M and N never cross the bus (SPI on a Pi) in clear.
 *
 * Failing functions write one sentence into err naming what failed and the fix, and return a CV_SEAL_E*
 * code (tpm/tpm2-util.h) that lets callers add what they know (the vault's name).
 *
 * The functions that look up h's NV index close the ESYS_TR they use for it, and ESAPI hands out the same
 * ESYS_TR for an index each time: callers keep no ESYS_TR of their own for a vault's index.
 */
#ifndef CV_VAULT_SEAL_H
#define CV_VAULT_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "tpm/tpm.h"
#include "tpm/tpm2-util.h"
#include "vault/header.h"
#include "vault/secret.h"
#include "vault/vaultkey.h"

struct cv_seal_opts {
	const char *pin;		/* NULL: no PIN */
	uint32_t pcr_mask;		/* 0: no PCR policy; else bit n = PCR n, SHA-256 bank */
};

/*
 * M and N fresh from the TPM's RNG XORed with getrandom(); allocates m (CV_MASTER_BYTES) and n (CV_NV_BYTES).
 */
int cv_seal_random(struct cv_tpm *tpm, struct cv_secret *m, struct cv_secret *n, char *err, size_t errlen);

/*
 * Seals m for header h: fills h->srk_alg, h->pub/pub_len, h->priv/priv_len, and with PCRs h->pcr_bank,
 * h->pcr_mask, h->pcr_values, and sets CV_HDR_F_TPM, CV_HDR_F_PIN, CV_HDR_F_PCRS as opts say. Then defines the
 * NV index for h->uuid, writes n into it and sets h->nv_index. On failure nothing stays defined in the TPM.
 */
int cv_seal(struct cv_tpm *tpm, struct cv_header *h, const struct cv_seal_opts *opts, const struct cv_secret *m,
	    const struct cv_secret *n, char *err, size_t errlen);

/*
 * Unseals h's M into m and reads its N into n (both allocated on success; on failure neither holds anything,
 * and cv_secret_free() on them is harmless). pin: NULL when none was given; ignored when h has no PIN.
 */
int cv_unseal(struct cv_tpm *tpm, const struct cv_header *h, const char *pin, struct cv_secret *m,
	      struct cv_secret *n, char *err, size_t errlen);

/*
 * Undefines h's NV index (owner authorization): every copy of h's TPM slot is useless from then on.
 * CV_SEAL_ENO_NV when it was already gone.
 */
int cv_nv_destroy(struct cv_tpm *tpm, const struct cv_header *h, char *err, size_t errlen);

/* Whether h's NV index exists in this TPM: 1, 0, or CV_SEAL_EFAIL. */
int cv_nv_exists(struct cv_tpm *tpm, const struct cv_header *h, char *err, size_t errlen);

/*
 * Whether h's NV index is of the old kind, writable by anyone with TPM access (empty authValue): 1, 0, or a
 * CV_SEAL_E* code.
 */
int cv_nv_weak(struct cv_tpm *tpm, const struct cv_header *h, char *err, size_t errlen);

#endif /* CV_VAULT_SEAL_H */
