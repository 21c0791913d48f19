/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TPM's mechanics (tpm2-tss ESAPI), for the flows that use the TPM: vault/seal.c (a vault's TPM slot: its
 * sealed master secret and its NV index) and log/logkey.c (the access log's signing key and NV counter). As
 * systemd's src/shared/tpm2-util.c serves src/cryptenroll/cryptenroll-tpm2.c, nothing here knows what a vault
 * or a log is: the flows say which objects, which attributes, which authValues, and what to call them in
 * messages. tpm.h opens the TPM (struct cv_tpm); lockout.h is about the TPM's dictionary-attack protection.
 *
 * Conventions:
 * - Functions returning int return CV_SEAL_OK (0) or a CV_SEAL_E* code and write into err one sentence that
 *   names what failed and the fix, without the "camvault: " prefix. Those returning TSS2_RC hand the TPM's
 *   answer to the caller, who tells its cases apart (with cv_rc()) and writes the message.
 * - what: the object as messages name it ("the vault's NV index", "the log's NV counter").
 * - ESYS_TR handles: transient objects and sessions go with cv_flush(); an NV index's ESYS_TR with
 *   Esys_TR_Close() after cv_forget_auth() when ESAPI was given its authValue.
 * - Secrets that pass through here (authValues, what TPM2_NV_Read or TPM2_GetRandom return) are wiped on the
 *   stack (util/erase.h) and in ESAPI's buffers (cv_tpm_scrub(), CV_CLEANUP_ESYS_ERASE()).
 */
#ifndef CV_TPM2_UTIL_H
#define CV_TPM2_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <tss2/tss2_esys.h>

#include "tpm/tpm.h"
#include "util/erase.h"

/*
 * What the TPM functions return, here and in the flows (named for sealing, their first user). Callers add what
 * they know to the ones that are not plain failures.
 */
enum cv_seal_error {
	CV_SEAL_OK = 0,
	CV_SEAL_EFAIL = -1,		/* anything else: err says what */
	CV_SEAL_EOTHER_TPM = -2,	/* a key's blobs do not load here: made by a different TPM */
	CV_SEAL_ENO_NV = -3,		/* the NV index is gone, or is not the one expected */
	CV_SEAL_EPCR = -4,		/* PolicyPCR failed: err names the PCRs that changed */
	CV_SEAL_EPIN = -5,		/* wrong PIN: err says how many tries remain before lockout */
	CV_SEAL_ELOCKOUT = -6,		/* the TPM is in dictionary-attack lockout: err says for how long */
	CV_SEAL_ENEED_PIN = -7,		/* the object needs a PIN and none was given */
};

/* The fix when the owner hierarchy refuses its (empty) authorization, for messages. */
#define CV_OWNER_AUTH_HINT "its owner hierarchy has a password and camvault needs it empty (remove it with " \
			   "'tpm2_changeauth -c owner -p <password>')"

/*
 * Return codes
 */

/*
 * A TPM error code without where it applies (the handle, session or parameter number of a format-1 code) and
 * without the resource manager's layer (tpm2-abrmd passes TPM codes on in a layer of its own): what to compare
 * with TPM2_RC_*.
 */
TSS2_RC cv_rc(TSS2_RC rc);

/* Writes "<what> failed (<decoded rc>): check that the TPM works..." into err; returns CV_SEAL_EFAIL. */
int cv_tpm_error(char *err, size_t errlen, const char *what, TSS2_RC rc);

/*
 * Handles and authorizations
 */

/* Flushes a transient object or session and sets *handle to ESYS_TR_NONE, even when the TPM is gone. */
void cv_flush(struct cv_tpm *tpm, ESYS_TR *handle);

/*
 * Gives ESAPI the authValue auth (len bytes, at most a TPM2B_AUTH's) for handle, through a copy wiped on
 * return. what names the authValue for messages ("the PIN"). Undo with cv_forget_auth().
 */
int cv_set_auth(struct cv_tpm *tpm, ESYS_TR handle, const uint8_t *auth, size_t len, const char *what, char *err,
		size_t errlen);

/* Overwrites ESAPI's copy of handle's authValue with an empty one (nothing when handle is ESYS_TR_NONE). */
void cv_forget_auth(struct cv_tpm *tpm, ESYS_TR handle);

/*
 * The storage primary key
 */

/*
 * The primary key of the owner hierarchy from the TCG storage root key template (TCG TPM v2.0 Provisioning
 * Guidance, empty unique): ECC NIST P-256, or RSA 2048, each with AES-128-CFB, restricted decrypt, fixedTPM,
 * fixedParent, sensitiveDataOrigin, userWithAuth, noDA. The same key every time on the same TPM (same seed, same
 * template), so nothing is persisted. Empty owner authorization is assumed.
 */

/* The primary: ECC P-256 when the TPM has it, else RSA 2048; *alg says which (to record with what it parents). */
int cv_primary_new(struct cv_tpm *tpm, ESYS_TR *primary, uint16_t *alg, char *err, size_t errlen);

/* The same primary for a known alg (TPM2_ALG_ECC or TPM2_ALG_RSA), as recorded when something was made. */
int cv_primary_load(struct cv_tpm *tpm, uint16_t alg, ESYS_TR *primary, char *err, size_t errlen);

/*
 * Loads the object whose marshalled TPM2B_PUBLIC and TPM2B_PRIVATE these are under primary. err gets malformed
 * when the blobs do not parse (CV_SEAL_EFAIL), other_tpm when this TPM cannot unwrap them (CV_SEAL_EOTHER_TPM).
 */
int cv_load_blobs(struct cv_tpm *tpm, ESYS_TR primary, const uint8_t *pub_blob, size_t pub_len,
		  const uint8_t *priv_blob, size_t priv_len, const char *malformed, const char *other_tpm, ESYS_TR *obj,
		  char *err, size_t errlen);

/*
 * Sessions
 */

/*
 * A session salted with primary's public key, SHA-256, with AES-128-CFB parameter encryption available: its
 * session key, and so what it encrypts, is known only to this process and the TPM. type: TPM2_SE_HMAC or
 * TPM2_SE_POLICY. *session is ESYS_TR_NONE on failure.
 */
int cv_session(struct cv_tpm *tpm, ESYS_TR primary, TPM2_SE type, ESYS_TR *session, char *err, size_t errlen);

/*
 * cv_primary_new() and an HMAC cv_session() salted with it, for a command that carries a secret or whose answer
 * must not be changed on the bus. Both are ESYS_TR_NONE on failure; the caller flushes both after.
 */
int cv_salted_session(struct cv_tpm *tpm, ESYS_TR *primary, ESYS_TR *session, char *err, size_t errlen);

/* A trial policy session (unsalted, SHA-256), in which policy commands compute a policy digest. */
int cv_trial_session(struct cv_tpm *tpm, ESYS_TR *session, char *err, size_t errlen);

/*
 * Which way session's next command encrypts its first parameter: TPMA_SESSION_DECRYPT for a secret sent to the
 * TPM, TPMA_SESSION_ENCRYPT for one it returns. The session stays open (continueSession).
 */
int cv_session_crypt(struct cv_tpm *tpm, ESYS_TR session, TPMA_SESSION dir, char *err, size_t errlen);

/* The policy digest of a lone TPM2_PolicyAuthValue: SHA-256(32 zero bytes || TPM2_CC_PolicyAuthValue). */
void cv_policy_authvalue(TPM2B_DIGEST *digest);

/*
 * PCRs (SHA-256 bank, PCRs 0..CV_TPM_PCRS - 1; mask: bit n = PCR n)
 */

#define CV_TPM_PCRS 24

/* The TPML_PCR_SELECTION of mask in the SHA-256 bank. */
void cv_pcr_selection(uint32_t mask, TPML_PCR_SELECTION *sel);

/*
 * Reads the PCRs in mask into vals[n] for each bit n, as one consistent set (the reads, at most 8 PCRs each,
 * are repeated until they all see the same pcrUpdateCounter).
 */
int cv_pcr_read(struct cv_tpm *tpm, uint32_t mask, uint8_t vals[CV_TPM_PCRS][32], char *err, size_t errlen);

/* The PolicyPCR digest of vals for mask: SHA-256 over them in PCR order, hashed by the TPM. */
int cv_pcr_digest(struct cv_tpm *tpm, uint32_t mask, const uint8_t vals[CV_TPM_PCRS][32], TPM2B_DIGEST *digest,
		  char *err, size_t errlen);

/*
 * NV indices
 */

/* Whether the TPM has an NV index at index: 1, 0, or a CV_SEAL_E* code (err says why). */
int cv_nv_defined(struct cv_tpm *tpm, uint32_t index, char *err, size_t errlen);

/* How many indices cv_nv_alloc() tries at the most: far more than a TPM has NV indices. */
#define CV_NV_PROBES 1024

/* What cv_nv_alloc() defines and where. */
struct cv_nv_template {
	uint32_t first;			/* the range searched: first .. first + span - 1 */
	uint32_t span;
	uint32_t start;			/* where in the range to begin (< span); the search wraps around */
	TPMA_NV attributes;		/* nameAlg is SHA-256 */
	const TPM2B_DIGEST *policy;	/* authPolicy; NULL: none */
	uint16_t size;			/* dataSize */
	const char *what;		/* the index, for messages */
	const char *hint;		/* how to free NV indices, for messages ("remove ... ('camvault shred')") */
};

/*
 * Defines an NV index as t says at the first free handle of its range from t->start (CV_NV_PROBES at the
 * most; one someone else takes meanwhile is skipped), with authValue auth, sent encrypted in session (an HMAC
 * session from cv_session(): a bus sniffer does not learn it). Returns its handle in *index and its ESYS_TR in
 * *nv, for which ESAPI keeps auth: cv_forget_auth() and Esys_TR_Close() it after use.
 */
int cv_nv_alloc(struct cv_tpm *tpm, ESYS_TR session, const struct cv_nv_template *t, const TPM2B_AUTH *auth,
		ESYS_TR *nv, uint32_t *index, char *err, size_t errlen);

/*
 * An ESYS_TR for the NV index at index (Esys_TR_FromTPMPublic: the one the context already has for it, if any)
 * and its public area (TPM2_NV_ReadPublic) in *pub. CV_SEAL_ENO_NV when the TPM has no such index; on failure
 * *nv is ESYS_TR_NONE. The caller closes *nv with Esys_TR_Close().
 */
int cv_nv_open(struct cv_tpm *tpm, uint32_t index, const char *what, ESYS_TR *nv, TPMS_NV_PUBLIC *pub,
	       char *err, size_t errlen);

/*
 * TPM2_NV_Read of size bytes from offset 0 of nv, authorized by auth (nv itself, or ESYS_TR_RH_OWNER) in
 * session, into buf; *got is what the TPM returned (nothing is copied when that is more than size). ESAPI's
 * copies are wiped (cv_tpm_scrub()). To read a secret, make the session encrypt the answer first
 * (cv_session_crypt(TPMA_SESSION_ENCRYPT)).
 */
TSS2_RC cv_nv_read(struct cv_tpm *tpm, ESYS_TR auth, ESYS_TR nv, ESYS_TR session, uint8_t *buf, uint16_t size,
		   uint16_t *got);

/*
 * Writes buf (len bytes, at offset 0) into nv, an index whose writes are authorized by a lone PolicyAuthValue
 * (TPMA_NV_POLICYWRITE, cv_policy_authvalue()) and whose authValue ESAPI holds, through a policy session salted
 * with primary that encrypts buf.
 */
int cv_nv_write(struct cv_tpm *tpm, ESYS_TR primary, ESYS_TR nv, const uint8_t *buf, size_t len, const char *what,
		char *err, size_t errlen);

/* TPM2_NV_Increment of the counter nv, authorized by its own authValue (cv_set_auth()) in session. */
TSS2_RC cv_nv_increment(struct cv_tpm *tpm, ESYS_TR nv, ESYS_TR session);

/*
 * Undefines nv, the index at index, with the owner authorization (empty, as camvault assumes). On success *nv
 * is ESYS_TR_NONE (ESAPI forgot it with the index); on failure the caller still closes it.
 */
int cv_nv_undefine(struct cv_tpm *tpm, ESYS_TR *nv, uint32_t index, const char *what, char *err, size_t errlen);

/*
 * Random bytes
 */

/* Fills buf with getrandom() XOR TPM2_GetRandom: neither generator alone decides a key. */
int cv_tpm_random(struct cv_tpm *tpm, unsigned char *buf, size_t len, char *err, size_t errlen);

/*
 * Wipes what ESAPI returned to ptr (sizeof(*ptr) bytes) and Esys_Free()s it when the scope ends, like
 * CV_CLEANUP_ERASE() (util/erase.h): for TPM2_Unseal's, TPM2_NV_Read's and TPM2_GetRandom's answers.
 */
struct cv_esys_erase {
	void *pp;			/* the address of the pointer */
	size_t size;
};

static inline void cv_esys_erase_cleanup(struct cv_esys_erase *e)
{
	void *p;

	memcpy(&p, e->pp, sizeof(p));
	if (!p)
		return;
	explicit_bzero(p, e->size);
	Esys_Free(p);
}

#define CV_CLEANUP_ESYS_ERASE(ptr)								\
	__attribute__((cleanup(cv_esys_erase_cleanup), unused)) struct cv_esys_erase		\
	CV_ERASE_CONCAT(cv_esys_erase_, __COUNTER__) = { .pp = &(ptr), .size = sizeof(*(ptr)) }

#endif /* CV_TPM2_UTIL_H */
