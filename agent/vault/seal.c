// SPDX-License-Identifier: GPL-2.0
/*
 * A vault's TPM slot: M sealed in a TPM object under the reproducible storage primary, N in an NV index.
 * vault/seal.h says what each TPM object is and why; the TPM's mechanics (primary, sessions, NV allocation,
 * reads and writes) are tpm/tpm2-util.c's.
 *
 * M, N and the PIN live in struct cv_secret or in the caller's string; every other copy this file makes (TPM2B
 * structures on the stack, what ESAPI returns, ESAPI's copy of the PIN) is wiped before it goes
 * (CV_CLEANUP_ERASE(), CV_CLEANUP_ESYS_ERASE(), cv_forget_auth()). ESAPI's own buffers are not ours to free: it
 * unmarshals and decrypts responses in a buffer it reuses and frees without wiping, and on the stack;
 * cv_tpm_scrub() wipes both after every command that carried a secret. Parameter encryption protects the bus,
 * not this process's memory. A process that ever held a secret is not dumpable (cv_secret_alloc(),
 * cv_unseal()): no core file, no ptrace or /proc/PID/mem by its user.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "tpm/lockout.h"
#include "tpm/tpm2-util.h"
#include "util/erase.h"
#include "vault/seal.h"

#define CV_NV_FIRST	0x01800000u	/* the owner's NV range: 0x01800000..0x01bfffff */
#define CV_NV_SPAN	0x00400000u
#define CV_PIN_MAX	32		/* an authValue is at most its object's nameAlg digest: SHA-256 */
#define CV_PCR_ALL	((1u << CV_HDR_PCRS) - 1)
/*
 * The NV index holding N. Writes need its authValue through PolicyAuthValue (POLICYWRITE, no AUTHWRITE), reads
 * need it as a plain authorization (AUTHREAD); the authValue is derived from M (cv_nv_auth()), so only whoever
 * unsealed M writes or reads N: the tss group, which reaches /dev/tpmrm0 but cannot unseal a PIN- or PCR-bound
 * M, can neither overwrite N (the vault's footage gone for good without its recovery key) nor read it. N read
 * alone tells nothing either: the vault key is a hash keyed with N over M (vault/vaultkey.h), and M is the sealed part.
 * Vaults sealed before had CV_NV_ATTRS_V1 with an empty authValue, which anyone with TPM access can write
 * (and read): still opened and shredded, and reported as the weaker kind (cv_nv_weak()).
 */
#define CV_NV_ATTRS	(TPMA_NV_AUTHREAD | TPMA_NV_POLICYWRITE | TPMA_NV_NO_DA | \
			 (TPM2_NT_ORDINARY << TPMA_NV_TPM2_NT_SHIFT))
#define CV_NV_ATTRS_V1	(TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE | TPMA_NV_NO_DA | \
			 (TPM2_NT_ORDINARY << TPMA_NV_TPM2_NT_SHIFT))
#define CV_NV_AUTH_CTX	"camvault-v1-nv-auth"
#define CV_RECOVERY_HINT "open it with its recovery key ('camvault open --recovery')"
#define CV_NV_WHAT	"the vault's NV index"

_Static_assert(CV_HDR_PCRS == CV_TPM_PCRS, "the header keeps a value for each PCR cv_pcr_read() reads");

/*
 * The sealed object's policy, into session (a trial one when sealing): PolicyPCR over the SHA-256 bank, then
 * PolicyAuthValue with a PIN. pcr_digest: the PCR values' digest, or empty for the TPM's current values.
 */
static TSS2_RC cv_policy(struct cv_tpm *tpm, ESYS_TR session, uint32_t pcr_mask, const TPM2B_DIGEST *pcr_digest,
			 int pin)
{
	TPML_PCR_SELECTION sel;
	TSS2_RC rc;

	if (pcr_mask) {
		cv_pcr_selection(pcr_mask, &sel);
		rc = Esys_PolicyPCR(tpm->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, pcr_digest, &sel);
		if (rc != TSS2_RC_SUCCESS)
			return rc;
	}
	if (pin)
		return Esys_PolicyAuthValue(tpm->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE);
	return TSS2_RC_SUCCESS;
}

/* The policy digest for opts, computed by the TPM in a trial session; with PCRs, fills h's PCR fields. */
static int cv_policy_digest(struct cv_tpm *tpm, struct cv_header *h, const struct cv_seal_opts *opts,
			    TPM2B_DIGEST *policy, char *err, size_t errlen)
{
	TPM2B_DIGEST pcr_digest = { .size = 0 }, *out = NULL;
	ESYS_TR trial = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret;

	if (opts->pcr_mask) {
		ret = cv_pcr_read(tpm, opts->pcr_mask, h->pcr_values, err, errlen);
		if (!ret)
			ret = cv_pcr_digest(tpm, opts->pcr_mask, (const uint8_t (*)[32])h->pcr_values, &pcr_digest,
					    err, errlen);
		if (ret)
			return ret;
	}
	ret = cv_trial_session(tpm, &trial, err, errlen);
	if (ret)
		return ret;
	/* The PCR digest of the values read: the policy is the one h->pcr_values describe, even if a PCR moves. */
	rc = cv_policy(tpm, trial, opts->pcr_mask, &pcr_digest, opts->pin != NULL);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_PolicyGetDigest(tpm->esys, trial, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &out);
	cv_flush(tpm, &trial);
	if (rc != TSS2_RC_SUCCESS)
		return cv_tpm_error(err, errlen, "computing the sealed object's policy (TPM2_PolicyPCR)", rc);
	*policy = *out;
	Esys_Free(out);
	return CV_SEAL_OK;
}

/* The NV index's authValue: BLAKE2b-256 keyed with M over (CV_NV_AUTH_CTX || uuid). Wiped by the caller. */
static int cv_nv_auth(const struct cv_secret *m, const uint8_t uuid[16], TPM2B_AUTH *auth, char *err,
		      size_t errlen)
{
	uint8_t in[sizeof(CV_NV_AUTH_CTX) - 1 + 16];

	memcpy(in, CV_NV_AUTH_CTX, sizeof(CV_NV_AUTH_CTX) - 1);
	memcpy(in + sizeof(CV_NV_AUTH_CTX) - 1, uuid, 16);
	auth->size = 32;
	if (!m->buf || m->len != CV_MASTER_BYTES ||
	    crypto_generichash(auth->buffer, 32, in, sizeof(in), m->buf, m->len)) {
		auth->size = 0;
		snprintf(err, errlen, "cannot derive the NV index's authorization from the master secret: this is a "
			 "bug in camvault");
		return CV_SEAL_EFAIL;
	}
	return CV_SEAL_OK;
}

/*
 * Defines the NV index for uuid: the first free one in the owner range from a place the uuid picks, so that
 * vaults do not all compete for the same few indices. auth: its authValue (cv_nv_auth()), sent encrypted
 * in session (salted: a bus sniffer does not learn it).
 */
static int cv_nv_define(struct cv_tpm *tpm, ESYS_TR session, const uint8_t uuid[16], const TPM2B_AUTH *auth,
			ESYS_TR *nv, uint32_t *index, char *err, size_t errlen)
{
	TPM2B_DIGEST policy;
	const struct cv_nv_template t = {
		.first = CV_NV_FIRST,
		.span = CV_NV_SPAN,
		.start = ((uint32_t)uuid[0] << 16 | (uint32_t)uuid[1] << 8 | uuid[2]) & (CV_NV_SPAN - 1),
		.attributes = CV_NV_ATTRS,
		.policy = &policy,
		.size = CV_NV_BYTES,
		.what = CV_NV_WHAT,
		.hint = "remove vaults you no longer need ('camvault shred') or other NV indices "
			"('tpm2_getcap handles-nv-index')",
	};

	cv_policy_authvalue(&policy);
	return cv_nv_alloc(tpm, session, &t, auth, nv, index, err, errlen);
}

int cv_seal_random(struct cv_tpm *tpm, struct cv_secret *m, struct cv_secret *n, char *err, size_t errlen)
{
	int ret;

	memset(n, 0, sizeof(*n));
	if (cv_secret_alloc(m, CV_MASTER_BYTES, err, errlen) < 0)
		return CV_SEAL_EFAIL;
	if (cv_secret_alloc(n, CV_NV_BYTES, err, errlen) < 0) {
		cv_secret_free(m);
		return CV_SEAL_EFAIL;
	}
	ret = cv_tpm_random(tpm, m->buf, m->len, err, errlen);
	if (!ret)
		ret = cv_tpm_random(tpm, n->buf, n->len, err, errlen);
	if (ret) {
		cv_secret_free(m);
		cv_secret_free(n);
	}
	return ret;
}

/* Checks what cv_seal() is given before anything touches the TPM. */
static int cv_seal_check(const struct cv_seal_opts *opts, const struct cv_secret *m, const struct cv_secret *n,
			 char *err, size_t errlen)
{
	if (!m->buf || m->len != CV_MASTER_BYTES || !n->buf || n->len != CV_NV_BYTES) {
		snprintf(err, errlen, "the secrets to seal are %zu and %zu bytes instead of %u and %u: this is a bug "
			 "in camvault", m->len, n->len, CV_MASTER_BYTES, CV_NV_BYTES);
		return CV_SEAL_EFAIL;
	}
	if (opts->pin && !*opts->pin) {
		snprintf(err, errlen, "the PIN is empty: choose a PIN of 1 to %d bytes, or go without one",
			 CV_PIN_MAX);
		return CV_SEAL_EFAIL;
	}
	if (opts->pin && strlen(opts->pin) > CV_PIN_MAX) {
		snprintf(err, errlen, "the PIN is %zu bytes long and the TPM takes at most %d: choose a shorter one",
			 strlen(opts->pin), CV_PIN_MAX);
		return CV_SEAL_EFAIL;
	}
	if (opts->pcr_mask & ~CV_PCR_ALL) {
		snprintf(err, errlen, "PCR %d does not exist: choose PCRs among 0 to %d",
			 31 - __builtin_clz(opts->pcr_mask), CV_HDR_PCRS - 1);
		return CV_SEAL_EFAIL;
	}
	return CV_SEAL_OK;
}

/* Creates the sealed object holding m under primary, into h's blobs. */
static int cv_seal_object(struct cv_tpm *tpm, ESYS_TR primary, ESYS_TR session, struct cv_header *h,
			  const struct cv_seal_opts *opts, const TPM2B_DIGEST *policy, const struct cv_secret *m,
			  char *err, size_t errlen)
{
	TPM2B_PUBLIC in_pub = {
		.publicArea = {
			.type = TPM2_ALG_KEYEDHASH,
			.nameAlg = TPM2_ALG_SHA256,
			.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT,
			.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL,
		},
	};
	const TPML_PCR_SELECTION pcrs = { .count = 0 };
	const TPM2B_DATA outside = { .size = 0 };
	TPM2B_SENSITIVE_CREATE sens = { .size = 0 };
	CV_CLEANUP_ERASE(sens);
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *pub = NULL;
	size_t pub_off = 0, priv_off = 0;
	TSS2_RC rc;
	int ret;

	if (opts->pin || opts->pcr_mask) {
		/* Only the policy opens it; with a PIN, PolicyAuthValue and DA protection guard the PIN. */
		in_pub.publicArea.authPolicy = *policy;
		if (!opts->pin)
			in_pub.publicArea.objectAttributes |= TPMA_OBJECT_NODA;
	} else {
		/* Empty authValue: nothing to guess, and power cuts never count as failed tries. */
		in_pub.publicArea.objectAttributes |= TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA;
	}
	if (opts->pin) {
		sens.sensitive.userAuth.size = (UINT16)strlen(opts->pin);
		memcpy(sens.sensitive.userAuth.buffer, opts->pin, sens.sensitive.userAuth.size);
	}
	sens.sensitive.data.size = (UINT16)m->len;
	memcpy(sens.sensitive.data.buffer, m->buf, m->len);

	ret = cv_session_crypt(tpm, session, TPMA_SESSION_DECRYPT, err, errlen);
	if (ret)
		goto out;
	rc = Esys_Create(tpm->esys, primary, session, ESYS_TR_NONE, ESYS_TR_NONE, &sens, &in_pub, &outside, &pcrs,
			 &priv, &pub, NULL, NULL, NULL);
	cv_tpm_scrub(tpm, rc);	/* ESAPI encrypted M on the stack */
	if (rc != TSS2_RC_SUCCESS) {
		ret = cv_tpm_error(err, errlen, "sealing the master secret (TPM2_Create)", rc);
		goto out;
	}
	rc = Tss2_MU_TPM2B_PUBLIC_Marshal(pub, h->pub, sizeof(h->pub), &pub_off);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_MU_TPM2B_PRIVATE_Marshal(priv, h->priv, sizeof(h->priv), &priv_off);
	if (rc != TSS2_RC_SUCCESS) {
		snprintf(err, errlen, "the sealed object does not fit the header's %d bytes (%s): this is a bug in "
			 "camvault", CV_HDR_BLOB_MAX, Tss2_RC_Decode(rc));
		ret = CV_SEAL_EFAIL;
		goto out;
	}
	h->pub_len = (uint16_t)pub_off;
	h->priv_len = (uint16_t)priv_off;
out:
	Esys_Free(pub);
	Esys_Free(priv);
	return ret;
}

int cv_seal(struct cv_tpm *tpm, struct cv_header *h, const struct cv_seal_opts *opts, const struct cv_secret *m,
	    const struct cv_secret *n, char *err, size_t errlen)
{
	ESYS_TR primary = ESYS_TR_NONE, session = ESYS_TR_NONE, nv = ESYS_TR_NONE;
	TPM2B_DIGEST policy = { .size = 0 };
	TPM2B_AUTH nv_auth = { .size = 0 };
	CV_CLEANUP_ERASE(nv_auth);
	uint32_t index = 0;
	uint16_t alg;
	int ret;

	ret = cv_seal_check(opts, m, n, err, errlen);
	if (ret)
		return ret;

	h->flags &= ~(CV_HDR_F_PIN | CV_HDR_F_PCRS);
	h->pcr_bank = 0;
	h->pcr_mask = 0;
	memset(h->pcr_values, 0, sizeof(h->pcr_values));
	h->nv_index = 0;

	ret = cv_primary_new(tpm, &primary, &alg, err, errlen);
	if (ret)
		return ret;
	ret = cv_session(tpm, primary, TPM2_SE_HMAC, &session, err, errlen);
	if (!ret && (opts->pin || opts->pcr_mask))
		ret = cv_policy_digest(tpm, h, opts, &policy, err, errlen);
	if (!ret)
		ret = cv_seal_object(tpm, primary, session, h, opts, &policy, m, err, errlen);
	/* The NV index last: before it, a failure leaves nothing in the TPM. */
	if (!ret)
		ret = cv_nv_auth(m, h->uuid, &nv_auth, err, errlen);
	if (!ret)
		ret = cv_nv_define(tpm, session, h->uuid, &nv_auth, &nv, &index, err, errlen);
	/* ESAPI keeps the authValue given at definition for the new index's ESYS_TR: it writes n with it. */
	if (!ret) {
		char why[256];

		ret = cv_nv_write(tpm, primary, nv, n->buf, n->len, CV_NV_WHAT, err, errlen);
		/* Nothing stays defined: the header that would name the index is not written. */
		if (ret && cv_nv_undefine(tpm, &nv, index, CV_NV_WHAT, why, sizeof(why)))
			snprintf(err, errlen, "writing the vault's NV index 0x%08x failed and it could not be removed "
				 "either: remove it with 'tpm2_nvundefine 0x%08x', then check the TPM ('tpm2_selftest "
				 "--fulltest')", index, index);
	}
	if (nv != ESYS_TR_NONE) {
		cv_forget_auth(tpm, nv);
		Esys_TR_Close(tpm->esys, &nv);
	}
	cv_flush(tpm, &session);
	cv_flush(tpm, &primary);
	if (ret) {
		memset(h->pcr_values, 0, sizeof(h->pcr_values));
		h->pub_len = 0;
		h->priv_len = 0;
		return ret;
	}

	h->flags |= CV_HDR_F_TPM;
	h->srk_alg = alg;
	h->nv_index = index;
	if (opts->pin)
		h->flags |= CV_HDR_F_PIN;
	if (opts->pcr_mask) {
		h->flags |= CV_HDR_F_PCRS;
		h->pcr_bank = TPM2_ALG_SHA256;
		h->pcr_mask = opts->pcr_mask;
	}
	return CV_SEAL_OK;
}

/* After a failed PCR policy: which PCRs no longer hold their sealed values. */
static int cv_pcr_changed(struct cv_tpm *tpm, const struct cv_header *h, char *err, size_t errlen)
{
	uint8_t now[CV_HDR_PCRS][32];
	unsigned int changed[CV_HDR_PCRS], count = 0, n;
	char list[CV_HDR_PCRS * 12] = "", why[256];
	size_t len = 0;

	if (cv_pcr_read(tpm, h->pcr_mask, now, why, sizeof(why))) {
		snprintf(err, errlen, "the PCRs the vault is sealed to changed, and they cannot be read to tell which "
			 "(%s): %s", why, CV_RECOVERY_HINT);
		return CV_SEAL_EPCR;
	}
	for (n = 0; n < CV_HDR_PCRS; n++)
		if ((h->pcr_mask & (1u << n)) && memcmp(now[n], h->pcr_values[n], 32))
			changed[count++] = n;
	if (!count) {
		snprintf(err, errlen, "the TPM refuses the PCR policy although the PCRs hold their sealed values: the "
			 "header's PCR values are damaged; %s", CV_RECOVERY_HINT);
		return CV_SEAL_EPCR;
	}
	for (n = 0; n < count; n++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%sPCR %u",
					!n ? "" : n + 1 < count ? ", " : " and ", changed[n]);
	snprintf(err, errlen, "%s changed since sealing: the boot configuration differs; restore it, or %s", list,
		 CV_RECOVERY_HINT);
	return CV_SEAL_EPCR;
}

/* After TPM2_RC_AUTH_FAIL: the wrong PIN, and how many tries are left before lockout. */
static int cv_wrong_pin(struct cv_tpm *tpm, char *err, size_t errlen)
{
	uint32_t failed, max, recovery;
	char why[256];

	if (cv_tpm_da_state(tpm, &failed, &max, &recovery, why, sizeof(why))) {
		snprintf(err, errlen, "wrong PIN: type it again (the TPM locks out after a few tries), or %s",
			 CV_RECOVERY_HINT);
	} else if (failed < max) {
		snprintf(err, errlen, "wrong PIN (TPM lockout in %u %s): type it again, or %s", max - failed,
			 max - failed == 1 ? "try" : "tries", CV_RECOVERY_HINT);
	} else {
		char where[CV_LOCKOUT_WHERE];

		snprintf(err, errlen, "wrong PIN (no tries left: the TPM is now in dictionary-attack lockout): wait "
			 "%u s, clear it with the TPM's lockout authorization ('tpm2_dictionarylockout -c -p <it>'; %s), "
			 "or %s", recovery, cv_lockout_where(where, sizeof(where)), CV_RECOVERY_HINT);
	}
	return CV_SEAL_EPIN;
}

static int cv_lockout(struct cv_tpm *tpm, char *err, size_t errlen)
{
	uint32_t failed, max, recovery;
	char why[256], where[CV_LOCKOUT_WHERE];

	cv_lockout_where(where, sizeof(where));
	if (cv_tpm_da_state(tpm, &failed, &max, &recovery, why, sizeof(why)))
		snprintf(err, errlen, "the TPM is in dictionary-attack lockout after too many wrong PINs: wait, or "
			 "clear it with the TPM's lockout authorization ('tpm2_dictionarylockout -c -p <it>'; %s)",
			 where);
	else
		snprintf(err, errlen, "the TPM is in dictionary-attack lockout after %u wrong PINs or unclean "
			 "shutdowns: wait %u s, or clear it with the TPM's lockout authorization "
			 "('tpm2_dictionarylockout -c -p <it>'; %s)", failed, recovery, where);
	return CV_SEAL_ELOCKOUT;
}

/* Loads h's sealed object under primary. */
static int cv_load(struct cv_tpm *tpm, const struct cv_header *h, ESYS_TR primary, ESYS_TR *obj, char *err,
		   size_t errlen)
{
	return cv_load_blobs(tpm, primary, h->pub, h->pub_len, h->priv, h->priv_len,
			     "the header's sealed object is malformed: " CV_RECOVERY_HINT,
			     "the vault was sealed to a different TPM: this TPM cannot load its key; " CV_RECOVERY_HINT,
			     obj, err, errlen);
}

/* Unseals the loaded object obj into m. */
static int cv_unseal_object(struct cv_tpm *tpm, const struct cv_header *h, ESYS_TR primary, ESYS_TR obj,
			    ESYS_TR session, struct cv_secret *m, char *err, size_t errlen)
{
	const TPM2B_DIGEST current = { .size = 0 };
	TPM2B_SENSITIVE_DATA *out = NULL;
	CV_CLEANUP_ESYS_ERASE(out);
	ESYS_TR policy = ESYS_TR_NONE, auth = session;
	uint32_t pcr_mask = h->flags & CV_HDR_F_PCRS ? h->pcr_mask : 0;
	int pin = !!(h->flags & CV_HDR_F_PIN);
	TSS2_RC rc = TSS2_RC_SUCCESS;
	int ret = CV_SEAL_OK;

	if (pin || pcr_mask) {
		ret = cv_session(tpm, primary, TPM2_SE_POLICY, &policy, err, errlen);
		if (ret)
			return ret;
		/* The current PCR values: with changed ones, TPM2_Unseal refuses the policy (TPM2_RC_POLICY_FAIL). */
		rc = cv_policy(tpm, policy, pcr_mask, &current, pin);
		auth = policy;
	}
	if (rc == TSS2_RC_SUCCESS) {
		ret = cv_session_crypt(tpm, auth, TPMA_SESSION_ENCRYPT, err, errlen);
		if (ret)
			goto out;
		rc = Esys_Unseal(tpm->esys, obj, auth, ESYS_TR_NONE, ESYS_TR_NONE, &out);
		cv_tpm_scrub(tpm, rc);
	}
	if (rc != TSS2_RC_SUCCESS) {
		TSS2_RC base = cv_rc(rc);

		/* An empty authValue cannot be wrong, and only a PCR policy checks PCRs. */
		if (pin && (base == TPM2_RC_AUTH_FAIL || base == TPM2_RC_BAD_AUTH))
			ret = cv_wrong_pin(tpm, err, errlen);
		else if (base == TPM2_RC_LOCKOUT)
			ret = cv_lockout(tpm, err, errlen);
		else if (pcr_mask && (base == TPM2_RC_POLICY_FAIL || base == TPM2_RC_PCR_CHANGED ||
				      base == TPM2_RC_VALUE))
			ret = cv_pcr_changed(tpm, h, err, errlen);
		else
			ret = cv_tpm_error(err, errlen, "unsealing the master secret (TPM2_Unseal)", rc);
		goto out;
	}
	ret = cv_secret_alloc(m, out->size, err, errlen) < 0 ? CV_SEAL_EFAIL : CV_SEAL_OK;
	if (!ret)
		memcpy(m->buf, out->buffer, out->size);
out:
	cv_flush(tpm, &policy);
	return ret;
}

/*
 * Reads h's NV index into n. Esys_TR_FromTPMPublic() hands back the ESYS_TR the context already has for an
 * index, if any, and the one used here is closed at the end: callers keep no ESYS_TR for a vault's index (the
 * same goes for cv_nv_destroy()).
 */
static int cv_vault_nv_read(struct cv_tpm *tpm, const struct cv_header *h, const struct cv_secret *m,
			    ESYS_TR session, struct cv_secret *n, char *err, size_t errlen)
{
	TPMS_NV_PUBLIC pub;
	TPM2B_AUTH auth = { .size = 0 };
	CV_CLEANUP_ERASE(auth);
	ESYS_TR nv = ESYS_TR_NONE;
	uint16_t got = 0;
	TPMA_NV attrs;
	TSS2_RC rc;
	int ret;

	ret = cv_nv_open(tpm, h->nv_index, CV_NV_WHAT, &nv, &pub, err, errlen);
	if (ret == CV_SEAL_ENO_NV)
		snprintf(err, errlen, "the vault's TPM secret (NV index 0x%08x) is gone: the vault was shredded, or "
			 "this is a different TPM; %s", h->nv_index, CV_RECOVERY_HINT);
	if (ret)
		return ret;
	attrs = pub.attributes & ~TPMA_NV_WRITTEN;
	/* A vault sealed before write protection (CV_NV_ATTRS_V1) has an empty authValue. */
	if (attrs == CV_NV_ATTRS) {
		ret = cv_nv_auth(m, h->uuid, &auth, err, errlen);
		if (!ret)
			ret = cv_set_auth(tpm, nv, auth.buffer, auth.size, "the NV index's authorization", err, errlen);
		if (ret)
			goto out;
	} else if (attrs != CV_NV_ATTRS_V1) {
		snprintf(err, errlen, "NV index 0x%08x is not this vault's TPM secret (attributes 0x%08x): the vault "
			 "was shredded and its index reused, or this is a different TPM; %s", h->nv_index, attrs,
			 CV_RECOVERY_HINT);
		ret = CV_SEAL_ENO_NV;
		goto out;
	}
	ret = cv_session_crypt(tpm, session, TPMA_SESSION_ENCRYPT, err, errlen);
	if (ret)
		goto out;
	/* Straight into n: no other copy of N than ESAPI's, which cv_nv_read() wipes. */
	ret = cv_secret_alloc(n, CV_NV_BYTES, err, errlen) < 0 ? CV_SEAL_EFAIL : CV_SEAL_OK;
	if (ret)
		goto out;
	rc = cv_nv_read(tpm, nv, nv, session, n->buf, CV_NV_BYTES, &got);
	switch (cv_rc(rc)) {
	case TSS2_RC_SUCCESS:
		break;
	case TPM2_RC_NV_UNINITIALIZED:
		snprintf(err, errlen, "the vault's TPM secret (NV index 0x%08x) was never written: sealing was "
			 "interrupted; %s", h->nv_index, CV_RECOVERY_HINT);
		ret = CV_SEAL_ENO_NV;
		goto out;
	case TPM2_RC_AUTH_FAIL:
	case TPM2_RC_BAD_AUTH:
		/* M unsealed, so its authValue is right: the index was replaced by one with these attributes. */
	case TPM2_RC_NV_RANGE:
	case TPM2_RC_NV_AUTHORIZATION:
	case TPM2_RC_AUTH_UNAVAILABLE:
	case TPM2_RC_ATTRIBUTES:
		snprintf(err, errlen, "NV index 0x%08x is not this vault's TPM secret (%s): the vault was shredded and "
			 "its index reused, or this is a different TPM; %s", h->nv_index, Tss2_RC_Decode(rc),
			 CV_RECOVERY_HINT);
		ret = CV_SEAL_ENO_NV;
		goto out;
	default:
		ret = cv_tpm_error(err, errlen, "reading the vault's NV index (TPM2_NV_Read)", rc);
		goto out;
	}
	if (got != CV_NV_BYTES) {
		snprintf(err, errlen, "NV index 0x%08x returned %u bytes instead of %d: %s", h->nv_index, got,
			 CV_NV_BYTES, CV_RECOVERY_HINT);
		ret = CV_SEAL_EFAIL;
	}
out:
	if (ret)
		cv_secret_free(n);
	cv_forget_auth(tpm, nv);
	Esys_TR_Close(tpm->esys, &nv);
	return ret;
}

int cv_unseal(struct cv_tpm *tpm, const struct cv_header *h, const char *pin, struct cv_secret *m,
	      struct cv_secret *n, char *err, size_t errlen)
{
	ESYS_TR primary = ESYS_TR_NONE, session = ESYS_TR_NONE, obj = ESYS_TR_NONE;
	int ret;

	memset(m, 0, sizeof(*m));
	memset(n, 0, sizeof(*n));
	/* Before ESAPI holds any of it (cv_secret_alloc() says why). */
	cv_secret_undumpable();
	if (!(h->flags & CV_HDR_F_TPM) || !h->pub_len || !h->priv_len) {
		snprintf(err, errlen, "the vault has no TPM slot: %s", CV_RECOVERY_HINT);
		return CV_SEAL_EFAIL;
	}
	if (h->srk_alg != TPM2_ALG_ECC && h->srk_alg != TPM2_ALG_RSA) {
		snprintf(err, errlen, "the header names an unknown TPM storage key algorithm 0x%04x: %s", h->srk_alg,
			 CV_RECOVERY_HINT);
		return CV_SEAL_EFAIL;
	}
	if ((h->flags & CV_HDR_F_PCRS) && (h->pcr_bank != TPM2_ALG_SHA256 || !h->pcr_mask ||
					    (h->pcr_mask & ~CV_PCR_ALL))) {
		snprintf(err, errlen, "the header's PCR policy (bank 0x%04x, PCRs 0x%08x) is not one camvault makes: "
			 "%s", h->pcr_bank, h->pcr_mask, CV_RECOVERY_HINT);
		return CV_SEAL_EFAIL;
	}
	if (h->flags & CV_HDR_F_PIN) {
		if (!pin) {
			snprintf(err, errlen, "the vault's TPM key needs its PIN and none was given: give the PIN, or "
				 "%s", CV_RECOVERY_HINT);
			return CV_SEAL_ENEED_PIN;
		}
		/* No PIN this long was accepted when sealing: refuse it without costing a try. */
		if (!*pin || strlen(pin) > CV_PIN_MAX) {
			snprintf(err, errlen, "wrong PIN (it has 1 to %d bytes; no TPM tries were used): type it "
				 "again, or %s", CV_PIN_MAX, CV_RECOVERY_HINT);
			return CV_SEAL_EPIN;
		}
	}

	ret = cv_primary_load(tpm, h->srk_alg, &primary, err, errlen);
	if (ret)
		return ret;
	ret = cv_load(tpm, h, primary, &obj, err, errlen);
	if (!ret && (h->flags & CV_HDR_F_PIN))
		ret = cv_set_auth(tpm, obj, (const uint8_t *)pin, strlen(pin), "the PIN", err, errlen);
	if (!ret)
		ret = cv_session(tpm, primary, TPM2_SE_HMAC, &session, err, errlen);
	if (!ret)
		ret = cv_unseal_object(tpm, h, primary, obj, session, m, err, errlen);
	if (!ret)
		ret = cv_vault_nv_read(tpm, h, m, session, n, err, errlen);

	if (h->flags & CV_HDR_F_PIN)
		cv_forget_auth(tpm, obj);	/* overwrites ESAPI's copy of the PIN */
	cv_flush(tpm, &session);
	cv_flush(tpm, &obj);
	cv_flush(tpm, &primary);
	if (ret) {
		cv_secret_free(m);
		cv_secret_free(n);
	}
	return ret;
}

static int cv_nv_index_check(const struct cv_header *h, char *err, size_t errlen)
{
	if (h->nv_index >> TPM2_HR_SHIFT != TPM2_HT_NV_INDEX) {
		snprintf(err, errlen, "the header's NV index 0x%08x is not one: the header is damaged", h->nv_index);
		return CV_SEAL_EFAIL;
	}
	return CV_SEAL_OK;
}

int cv_nv_destroy(struct cv_tpm *tpm, const struct cv_header *h, char *err, size_t errlen)
{
	ESYS_TR nv = ESYS_TR_NONE;
	TPMS_NV_PUBLIC pub;
	TPMA_NV attrs;
	int ret;

	ret = cv_nv_index_check(h, err, errlen);
	if (ret)
		return ret;
	ret = cv_nv_open(tpm, h->nv_index, CV_NV_WHAT, &nv, &pub, err, errlen);
	if (ret == CV_SEAL_ENO_NV)
		snprintf(err, errlen, "the vault's TPM secret (NV index 0x%08x) is already gone: the vault was "
			 "shredded before, or this is a different TPM", h->nv_index);
	if (ret)
		return ret;
	/* Never undefine an index that is not one camvault defines: the header may be old, the index reused. */
	attrs = pub.attributes & ~TPMA_NV_WRITTEN;
	if ((attrs != CV_NV_ATTRS && attrs != CV_NV_ATTRS_V1) || pub.dataSize != CV_NV_BYTES) {
		snprintf(err, errlen, "NV index 0x%08x is not a camvault secret (attributes 0x%08x, %u bytes): the "
			 "vault was shredded and its index reused by something else, which is left alone", h->nv_index,
			 pub.attributes, pub.dataSize);
		ret = CV_SEAL_ENO_NV;
	} else {
		ret = cv_nv_undefine(tpm, &nv, h->nv_index, CV_NV_WHAT, err, errlen);
	}
	if (nv != ESYS_TR_NONE)
		Esys_TR_Close(tpm->esys, &nv);
	return ret;
}

int cv_nv_exists(struct cv_tpm *tpm, const struct cv_header *h, char *err, size_t errlen)
{
	int ret = cv_nv_index_check(h, err, errlen);

	if (ret)
		return ret;
	ret = cv_nv_defined(tpm, h->nv_index, err, errlen);
	return ret < 0 ? CV_SEAL_EFAIL : ret;
}

int cv_nv_weak(struct cv_tpm *tpm, const struct cv_header *h, char *err, size_t errlen)
{
	ESYS_TR nv = ESYS_TR_NONE;
	TPMS_NV_PUBLIC pub;
	int ret = cv_nv_index_check(h, err, errlen);

	if (ret)
		return ret;
	ret = cv_nv_open(tpm, h->nv_index, CV_NV_WHAT, &nv, &pub, err, errlen);
	if (ret)
		return ret;
	Esys_TR_Close(tpm->esys, &nv);
	return (pub.attributes & ~TPMA_NV_WRITTEN) == CV_NV_ATTRS_V1;
}
