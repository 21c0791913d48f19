/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TPM side of a vault key (tpm2-tss ESAPI): sealing the master secret M, the NV index that holds the
 * shred secret N, and their release. vault/vaultkey.h says what M and N are.
 *
 * - Parent: a primary key created under the owner hierarchy from the TCG SRK template (ECC NIST P-256,
 *   falling back to RSA 2048 when the TPM has no ECC), reproducible, so nothing is persisted. Empty owner
 *   auth is assumed.
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
 * code that lets callers add what they know (the vault's name).
 *
 * The functions that look up h's NV index close the ESYS_TR they use for it, and ESAPI hands out the same
 * ESYS_TR for an index each time: callers keep no ESYS_TR of their own for a vault's index.
 */
#ifndef CV_SEAL_H
#define CV_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "tpm/tpm.h"
#include "util/paths.h"
#include "vault/header.h"
#include "vault/secret.h"
#include "vault/vaultkey.h"

enum cv_seal_error {
	CV_SEAL_OK = 0,
	CV_SEAL_EFAIL = -1,		/* anything else: err says what */
	CV_SEAL_EOTHER_TPM = -2,	/* the sealed object does not load here: sealed to a different TPM */
	CV_SEAL_ENO_NV = -3,		/* the NV index is gone: shredded, or a different TPM */
	CV_SEAL_EPCR = -4,		/* PolicyPCR failed: err names the PCRs that changed */
	CV_SEAL_EPIN = -5,		/* wrong PIN: err says how many tries remain before lockout */
	CV_SEAL_ELOCKOUT = -6,		/* the TPM is in dictionary-attack lockout: err says for how long */
	CV_SEAL_ENEED_PIN = -7,		/* the object needs a PIN and none was given */
};

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

/* The dictionary-attack state: failed tries so far, the maximum, and the recovery time in seconds. */
int cv_tpm_da_state(struct cv_tpm *tpm, uint32_t *failed, uint32_t *max, uint32_t *recovery_s, char *err,
		    size_t errlen);

/*
 * The TPM's lockout authorization, which clears a dictionary-attack lockout (TPM2_DictionaryAttackLockReset)
 * and so decides how many PINs can be tried. TPMs come with it empty: anyone with TPM access may clear the
 * lockout and keep guessing. 'camvault init --pin' sets a random one when it is still empty: CV_LOCKOUT_TEXT - 1
 * hex characters, the authValue being those characters (tpm2_dictionarylockout -c -p <text> takes it as typed).
 * It prints it with the recovery key, or, with --no-recovery, keeps it in cv_lockout_path() (0600): root-only,
 * which stops the tss group but not root.
 */
#define CV_LOCKOUT_TEXT		33		/* 32 hex characters (128 bits) and a NUL */
#define CV_LOCKOUT_FILE		"tpm-lockout-auth"
#define CV_LOCKOUT_WHERE	1024		/* cv_lockout_where()'s buffer */

/* $CAMVAULT_ETC/tpm-lockout-auth or /etc/camvault/tpm-lockout-auth into buf; NULL if too long. */
const char *cv_lockout_path(char *buf, size_t len);

/* Where the lockout authorization camvault sets is kept, as a clause for messages, into buf. */
const char *cv_lockout_where(char *buf, size_t len);

/* Whether the TPM's lockout authorization is set (TPMA_PERMANENT_LOCKOUTAUTHSET): *set 1 or 0. */
int cv_tpm_lockout_auth_set(struct cv_tpm *tpm, int *set, char *err, size_t errlen);

/* Sets a random lockout authorization (the TPM's must be empty) and returns it as text. */
int cv_tpm_lockout_take(struct cv_tpm *tpm, char text[CV_LOCKOUT_TEXT], char *err, size_t errlen);

/*
 * Shared with the access log's TPM key and counter (logkey.c), so that both use the same storage key and the
 * same error wording.
 */

/* A TPM error code without the handle/session/parameter number and without the resource manager's layer. */
TSS2_RC cv_rc(TSS2_RC rc);

/* Writes "<what> failed (<decoded rc>): check that the TPM works..." into err; returns CV_SEAL_EFAIL. */
int cv_tpm_error(char *err, size_t errlen, const char *what, TSS2_RC rc);

/* Flushes a transient object or session and sets *handle to ESYS_TR_NONE. */
void cv_flush(struct cv_tpm *tpm, ESYS_TR *handle);

/* The SRK-template primary key: ECC P-256 when the TPM has it, else RSA 2048; *alg says which. */
int cv_primary_new(struct cv_tpm *tpm, ESYS_TR *primary, uint16_t *alg, char *err, size_t errlen);

/* The same primary key for a known alg (TPM2_ALG_ECC or TPM2_ALG_RSA), as recorded when something was made. */
int cv_primary_load(struct cv_tpm *tpm, uint16_t alg, ESYS_TR *primary, char *err, size_t errlen);

/* A session salted with primary, with AES-128-CFB parameter encryption available; type TPM2_SE_HMAC/POLICY. */
int cv_session(struct cv_tpm *tpm, ESYS_TR primary, TPM2_SE type, ESYS_TR *session, char *err, size_t errlen);

/*
 * Loads the object whose TPM2B_PUBLIC and TPM2B_PRIVATE blobs these are under primary. err gets malformed when the
 * blobs do not parse (CV_SEAL_EFAIL), other_tpm when this TPM cannot unwrap them (CV_SEAL_EOTHER_TPM).
 */
int cv_load_blobs(struct cv_tpm *tpm, ESYS_TR primary, const uint8_t *pub_blob, size_t pub_len,
		  const uint8_t *priv_blob, size_t priv_len, const char *malformed, const char *other_tpm, ESYS_TR *obj,
		  char *err, size_t errlen);

/* Whether the TPM has an NV index at index: 1, 0, or a CV_SEAL_E* code (err says why). */
int cv_nv_defined(struct cv_tpm *tpm, uint32_t index, char *err, size_t errlen);

#endif /* CV_SEAL_H */
