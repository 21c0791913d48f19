// SPDX-License-Identifier: GPL-2.0
/*
 * The TPM side of a vault key: M sealed in a TPM object under a reproducible primary key, N in an NV index.
 * seal.h says what each TPM object is and why.
 *
 * M, N and the PIN live in struct cv_secret or in the caller's string; every other copy this file makes (TPM2B
 * structures on the stack, what ESAPI returns, ESAPI's copy of the PIN) is wiped with explicit_bzero() before
 * it goes. ESAPI's own buffers are not ours to free: it unmarshals and decrypts responses in a buffer it reuses
 * and frees without wiping, and on the stack; cv_tpm_scrub() wipes both after every command that carried a
 * secret. Parameter encryption protects the bus, not this process's memory. A process that ever held a
 * secret is not dumpable (cv_secret_alloc(), cv_unseal()): no core file, no ptrace or /proc/PID/mem by its
 * user.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <sodium.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "tpm/seal.h"

#define CV_NV_FIRST	0x01800000u	/* the owner's NV range: 0x01800000..0x01bfffff */
#define CV_NV_SPAN	0x00400000u
#define CV_NV_PROBES	1024		/* far more than a TPM has NV indices */
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

/* The TCG storage root key templates (TCG TPM v2.0 Provisioning Guidance), with an empty unique. */
#define CV_SRK_ATTRS	(TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | \
			 TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)
#define CV_AES128_CFB	{ .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB }

static const TPM2B_PUBLIC cv_srk_ecc = {
	.publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = CV_SRK_ATTRS,
		.parameters.eccDetail = {
			.symmetric = CV_AES128_CFB,
			.scheme.scheme = TPM2_ALG_NULL,
			.curveID = TPM2_ECC_NIST_P256,
			.kdf.scheme = TPM2_ALG_NULL,
		},
	},
};

static const TPM2B_PUBLIC cv_srk_rsa = {
	.publicArea = {
		.type = TPM2_ALG_RSA,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = CV_SRK_ATTRS,
		.parameters.rsaDetail = {
			.symmetric = CV_AES128_CFB,
			.scheme.scheme = TPM2_ALG_NULL,
			.keyBits = 2048,
			.exponent = 0,
		},
	},
};

/*
 * The TPM's error without where it applies (the handle, session or parameter number of a format-1 code), and
 * without the resource manager's layer (tpm2-abrmd passes TPM codes on in a layer of its own).
 */
TSS2_RC cv_rc(TSS2_RC rc)
{
	TSS2_RC layer = rc & TSS2_RC_LAYER_MASK;

	if (layer != TSS2_TPM_RC_LAYER && layer != TSS2_RESMGR_TPM_RC_LAYER)
		return rc;
	rc &= 0xffff;
	if (rc & TPM2_RC_FMT1)
		return rc & (TPM2_RC_FMT1 | 0x3f);
	return rc;
}

/* A TPM error with no better explanation. */
int cv_tpm_error(char *err, size_t errlen, const char *what, TSS2_RC rc)
{
	snprintf(err, errlen, "%s failed (%s): check that the TPM works ('tpm2_selftest --fulltest') and that "
		 "nothing else uses up its memory", what, Tss2_RC_Decode(rc));
	return CV_SEAL_EFAIL;
}

/* Flushes a transient object or session; forgets the handle even when the TPM is gone. */
void cv_flush(struct cv_tpm *tpm, ESYS_TR *handle)
{
	if (*handle == ESYS_TR_NONE)
		return;
	if (Esys_FlushContext(tpm->esys, *handle) != TSS2_RC_SUCCESS)
		Esys_TR_Close(tpm->esys, handle);
	*handle = ESYS_TR_NONE;
}

static void cv_pcr_selection(uint32_t mask, TPML_PCR_SELECTION *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->count = 1;
	sel->pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel->pcrSelections[0].sizeofSelect = 3;
	sel->pcrSelections[0].pcrSelect[0] = mask & 0xff;
	sel->pcrSelections[0].pcrSelect[1] = (mask >> 8) & 0xff;
	sel->pcrSelections[0].pcrSelect[2] = (mask >> 16) & 0xff;
}

/*
 * Reads the SHA-256 values of the PCRs in mask into vals[n] for each bit n. TPM2_PCR_Read returns at most 8
 * values a call; the reads are repeated until they all see the same pcrUpdateCounter, so that the values are
 * one consistent set.
 */
static int cv_pcr_read(struct cv_tpm *tpm, uint32_t mask, uint8_t vals[CV_HDR_PCRS][32], char *err, size_t errlen)
{
	int attempt;

	for (attempt = 0; attempt < 8; attempt++) {
		uint32_t left = mask, first_counter = 0;
		int first = 1, consistent = 1;

		while (left) {
			TPML_PCR_SELECTION in, *out = NULL;
			TPML_DIGEST *digests = NULL;
			uint32_t got = 0, k = 0, counter;
			unsigned int n;
			TSS2_RC rc;

			cv_pcr_selection(left, &in);
			rc = Esys_PCR_Read(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &in, &counter, &out,
					   &digests);
			if (rc != TSS2_RC_SUCCESS)
				return cv_tpm_error(err, errlen, "reading the PCRs (TPM2_PCR_Read)", rc);
			if (out->count == 1 && out->pcrSelections[0].hash == TPM2_ALG_SHA256)
				for (n = 0; n < CV_HDR_PCRS && n / 8 < out->pcrSelections[0].sizeofSelect; n++)
					if (out->pcrSelections[0].pcrSelect[n / 8] & (1u << (n % 8)))
						got |= 1u << n;
			got &= left;
			for (n = 0; n < CV_HDR_PCRS; n++) {
				if (!(got & (1u << n)))
					continue;
				if (k >= digests->count || digests->digests[k].size != 32)
					break;
				memcpy(vals[n], digests->digests[k].buffer, 32);
				k++;
			}
			Esys_Free(out);
			Esys_Free(digests);
			if (!got || n < CV_HDR_PCRS) {
				snprintf(err, errlen, "the TPM has no active SHA-256 PCR bank with PCRs 0x%06x: "
					 "allocate it ('tpm2_pcrallocate sha256:all', then reboot), or seal without "
					 "PCRs", left);
				return CV_SEAL_EFAIL;
			}
			if (first)
				first_counter = counter;
			else if (counter != first_counter)
				consistent = 0;
			first = 0;
			left &= ~got;
		}
		if (consistent)
			return CV_SEAL_OK;
	}
	snprintf(err, errlen, "the PCRs keep changing while they are read: wait until the boot has settled and try "
		 "again");
	return CV_SEAL_EFAIL;
}

/* The PolicyPCR digest of the values in vals for mask: SHA-256 over them in PCR order, hashed by the TPM. */
static int cv_pcr_digest(struct cv_tpm *tpm, uint32_t mask, const uint8_t vals[CV_HDR_PCRS][32],
			 TPM2B_DIGEST *digest, char *err, size_t errlen)
{
	TPM2B_MAX_BUFFER data = { .size = 0 };
	TPMT_TK_HASHCHECK *ticket = NULL;
	TPM2B_DIGEST *out = NULL;
	unsigned int n;
	TSS2_RC rc;

	for (n = 0; n < CV_HDR_PCRS; n++)
		if (mask & (1u << n)) {
			memcpy(data.buffer + data.size, vals[n], 32);
			data.size += 32;
		}
	rc = Esys_Hash(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &data, TPM2_ALG_SHA256, ESYS_TR_RH_NULL,
		       &out, &ticket);
	if (rc != TSS2_RC_SUCCESS)
		return cv_tpm_error(err, errlen, "hashing the PCR values (TPM2_Hash)", rc);
	*digest = *out;
	Esys_Free(out);
	Esys_Free(ticket);
	return CV_SEAL_OK;
}

/*
 * The primary key of the owner hierarchy from the SRK template for alg (TPM2_ALG_ECC or TPM2_ALG_RSA). It is
 * the same key every time on the same TPM (same seed, same template), so nothing needs to persist.
 */
static TSS2_RC cv_primary_alg(struct cv_tpm *tpm, uint16_t alg, ESYS_TR *primary)
{
	const TPM2B_SENSITIVE_CREATE sens = { .size = 0 };
	const TPML_PCR_SELECTION pcrs = { .count = 0 };
	const TPM2B_DATA outside = { .size = 0 };

	return Esys_CreatePrimary(tpm->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens,
				  alg == TPM2_ALG_RSA ? &cv_srk_rsa : &cv_srk_ecc, &outside, &pcrs, primary, NULL,
				  NULL, NULL, NULL);
}

static int cv_primary_error(char *err, size_t errlen, TSS2_RC rc)
{
	switch (cv_rc(rc)) {
	case TPM2_RC_AUTH_FAIL:
	case TPM2_RC_BAD_AUTH:
		snprintf(err, errlen, "the TPM refuses to create its storage key: its owner hierarchy has a password "
			 "and camvault needs it empty (remove it with 'tpm2_changeauth -c owner -p <password>')");
		return CV_SEAL_EFAIL;
	case TPM2_RC_HIERARCHY:
		snprintf(err, errlen, "the TPM refuses to create its storage key: its owner hierarchy is disabled "
			 "(enable it in the firmware setup, or clear the TPM)");
		return CV_SEAL_EFAIL;
	}
	return cv_tpm_error(err, errlen, "creating the TPM's storage key (TPM2_CreatePrimary)", rc);
}

/* The primary key for sealing: ECC P-256 when the TPM has it, else RSA 2048. *alg says which. */
int cv_primary_new(struct cv_tpm *tpm, ESYS_TR *primary, uint16_t *alg, char *err, size_t errlen)
{
	TSS2_RC rc = cv_primary_alg(tpm, TPM2_ALG_ECC, primary);

	*alg = TPM2_ALG_ECC;
	switch (cv_rc(rc)) {
	case TPM2_RC_ASYMMETRIC:
	case TPM2_RC_CURVE:
	case TPM2_RC_TYPE:
	case TPM2_RC_SCHEME:
	case TPM2_RC_KDF:
	case TPM2_RC_VALUE:
		/* No ECC, or no P-256: the TCG's RSA template works on every PC client TPM. */
		*alg = TPM2_ALG_RSA;
		rc = cv_primary_alg(tpm, TPM2_ALG_RSA, primary);
		break;
	}
	if (rc != TSS2_RC_SUCCESS) {
		*primary = ESYS_TR_NONE;
		return cv_primary_error(err, errlen, rc);
	}
	return CV_SEAL_OK;
}

int cv_primary_load(struct cv_tpm *tpm, uint16_t alg, ESYS_TR *primary, char *err, size_t errlen)
{
	TSS2_RC rc;

	if (alg != TPM2_ALG_ECC && alg != TPM2_ALG_RSA) {
		*primary = ESYS_TR_NONE;
		snprintf(err, errlen, "unknown TPM storage key algorithm 0x%04x: the stored key blobs are damaged", alg);
		return CV_SEAL_EFAIL;
	}
	rc = cv_primary_alg(tpm, alg, primary);
	if (rc != TSS2_RC_SUCCESS) {
		*primary = ESYS_TR_NONE;
		return cv_primary_error(err, errlen, rc);
	}
	return CV_SEAL_OK;
}

/*
 * A session salted with the primary key's public key: its session key, and so its parameter encryption
 * (AES-128-CFB), is known only to this process and to the TPM. type: TPM2_SE_HMAC or TPM2_SE_POLICY.
 */
int cv_session(struct cv_tpm *tpm, ESYS_TR primary, TPM2_SE type, ESYS_TR *session, char *err, size_t errlen)
{
	const TPMT_SYM_DEF aes = CV_AES128_CFB;
	TSS2_RC rc;

	rc = Esys_StartAuthSession(tpm->esys, primary, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL,
				   type, &aes, TPM2_ALG_SHA256, session);
	if (rc != TSS2_RC_SUCCESS) {
		*session = ESYS_TR_NONE;
		return cv_tpm_error(err, errlen, "starting an encrypted TPM session (TPM2_StartAuthSession)", rc);
	}
	return CV_SEAL_OK;
}

/*
 * Which way the session's next command encrypts its first parameter: TPMA_SESSION_DECRYPT for a secret sent to
 * the TPM, TPMA_SESSION_ENCRYPT for one it returns.
 */
static int cv_session_crypt(struct cv_tpm *tpm, ESYS_TR session, TPMA_SESSION dir, char *err, size_t errlen)
{
	TSS2_RC rc;

	rc = Esys_TRSess_SetAttributes(tpm->esys, session, TPMA_SESSION_CONTINUESESSION | dir, 0xff);
	if (rc != TSS2_RC_SUCCESS)
		return cv_tpm_error(err, errlen, "setting the session's parameter encryption", rc);
	return CV_SEAL_OK;
}

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
	const TPMT_SYM_DEF none = { .algorithm = TPM2_ALG_NULL };
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
	rc = Esys_StartAuthSession(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   NULL, TPM2_SE_TRIAL, &none, TPM2_ALG_SHA256, &trial);
	if (rc != TSS2_RC_SUCCESS)
		return cv_tpm_error(err, errlen, "starting a trial policy session (TPM2_StartAuthSession)", rc);
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

int cv_nv_defined(struct cv_tpm *tpm, uint32_t index, char *err, size_t errlen)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;
	int found;

	rc = Esys_GetCapability(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES, index, 1,
				&more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return cv_tpm_error(err, errlen, "listing the TPM's NV indices (TPM2_GetCapability)", rc);
	/* The list starts at the first defined handle >= index. */
	found = cap->data.handles.count > 0 && cap->data.handles.handle[0] == index;
	Esys_Free(cap);
	return found;
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

/* The policy digest of a lone TPM2_PolicyAuthValue: SHA-256(32 zero bytes || TPM2_CC_PolicyAuthValue). */
static void cv_policy_authvalue(TPM2B_DIGEST *digest)
{
	uint8_t in[32 + 4] = { 0 };

	in[32] = (uint8_t)(TPM2_CC_PolicyAuthValue >> 24);
	in[33] = (uint8_t)(TPM2_CC_PolicyAuthValue >> 16);
	in[34] = (uint8_t)(TPM2_CC_PolicyAuthValue >> 8);
	in[35] = (uint8_t)TPM2_CC_PolicyAuthValue;
	digest->size = 32;
	crypto_hash_sha256(digest->buffer, in, sizeof(in));
}

/*
 * Defines the NV index for uuid: the first free one in the owner range from a place the uuid picks, so that
 * vaults do not all compete for the same few indices. auth: its authValue (cv_nv_auth()), sent encrypted
 * in session (salted: a bus sniffer does not learn it).
 */
static int cv_nv_define(struct cv_tpm *tpm, ESYS_TR session, const uint8_t uuid[16], const TPM2B_AUTH *auth,
			ESYS_TR *nv, uint32_t *index, char *err, size_t errlen)
{
	uint32_t start = ((uint32_t)uuid[0] << 16 | (uint32_t)uuid[1] << 8 | uuid[2]) & (CV_NV_SPAN - 1);
	TPM2B_DIGEST policy;
	unsigned int i;
	int ret;

	cv_policy_authvalue(&policy);

	for (i = 0; i < CV_NV_PROBES; i++) {
		uint32_t idx = CV_NV_FIRST + ((start + i) & (CV_NV_SPAN - 1));
		TPM2B_NV_PUBLIC pub = {
			.nvPublic = {
				.nvIndex = idx,
				.nameAlg = TPM2_ALG_SHA256,
				.attributes = CV_NV_ATTRS,
				.authPolicy = policy,
				.dataSize = CV_NV_BYTES,
			},
		};
		TSS2_RC rc;
		int used = cv_nv_defined(tpm, idx, err, errlen);

		if (used < 0)
			return used;
		if (used)
			continue;
		ret = cv_session_crypt(tpm, session, TPMA_SESSION_DECRYPT, err, errlen);
		if (ret)
			return ret;
		rc = Esys_NV_DefineSpace(tpm->esys, ESYS_TR_RH_OWNER, session, ESYS_TR_NONE, ESYS_TR_NONE, auth,
					 &pub, nv);
		cv_tpm_scrub(tpm, rc);
		if (cv_rc(rc) == TPM2_RC_NV_DEFINED)	/* someone else took it meanwhile */
			continue;
		switch (cv_rc(rc)) {
		case TSS2_RC_SUCCESS:
			*index = idx;
			return CV_SEAL_OK;
		case TPM2_RC_NV_SPACE:
			snprintf(err, errlen, "the TPM's NV memory is full: remove vaults you no longer need "
				 "('camvault shred') or other NV indices ('tpm2_getcap handles-nv-index')");
			return CV_SEAL_EFAIL;
		case TPM2_RC_AUTH_FAIL:
		case TPM2_RC_BAD_AUTH:
			snprintf(err, errlen, "the TPM refuses to define an NV index: its owner hierarchy has a "
				 "password and camvault needs it empty (remove it with 'tpm2_changeauth -c owner -p "
				 "<password>')");
			return CV_SEAL_EFAIL;
		}
		*nv = ESYS_TR_NONE;
		return cv_tpm_error(err, errlen, "defining the vault's NV index (TPM2_NV_DefineSpace)", rc);
	}
	snprintf(err, errlen, "no free NV index among the %u from 0x%08x: remove vaults you no longer need "
		 "('camvault shred')", CV_NV_PROBES, CV_NV_FIRST + start);
	return CV_SEAL_EFAIL;
}

/* Fills buf with getrandom() XOR TPM2_GetRandom: neither RNG alone decides M or N. */
static int cv_random_fill(struct cv_tpm *tpm, unsigned char *buf, size_t len, char *err, size_t errlen)
{
	size_t off = 0;

	while (off < len) {
		ssize_t got = getrandom(buf + off, len - off, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "the kernel's random generator fails (getrandom: %s)", strerror(errno));
			return CV_SEAL_EFAIL;
		}
		off += (size_t)got;
	}
	/* TPM2_GetRandom returns at most a digest's worth a call (32 or 48 bytes, by TPM). */
	for (off = 0; off < len;) {
		size_t want = len - off < sizeof(((TPM2B_DIGEST *)0)->buffer) ? len - off :
			      sizeof(((TPM2B_DIGEST *)0)->buffer);
		TPM2B_DIGEST *rnd = NULL;
		TSS2_RC rc;
		size_t i;

		rc = Esys_GetRandom(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, (UINT16)want, &rnd);
		cv_tpm_scrub(tpm, rc);
		if (rc != TSS2_RC_SUCCESS)
			return cv_tpm_error(err, errlen, "reading the TPM's random generator (TPM2_GetRandom)", rc);
		if (!rnd->size || rnd->size > want) {
			snprintf(err, errlen, "the TPM's random generator returned %u bytes for %zu: the TPM is "
				 "faulty; replace it, or check it with 'tpm2_selftest --fulltest'", rnd->size, want);
			explicit_bzero(rnd, sizeof(*rnd));
			Esys_Free(rnd);
			return CV_SEAL_EFAIL;
		}
		for (i = 0; i < rnd->size; i++)
			buf[off + i] ^= rnd->buffer[i];
		off += rnd->size;
		explicit_bzero(rnd, sizeof(*rnd));
		Esys_Free(rnd);
	}
	return CV_SEAL_OK;
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
	ret = cv_random_fill(tpm, m->buf, m->len, err, errlen);
	if (!ret)
		ret = cv_random_fill(tpm, n->buf, n->len, err, errlen);
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
	explicit_bzero(&sens, sizeof(sens));
	Esys_Free(pub);
	Esys_Free(priv);
	return ret;
}

/*
 * Writes n into the NV index nv (whose authValue ESAPI holds) through a policy session salted with primary:
 * PolicyAuthValue, what the index's POLICYWRITE asks for. The session encrypts n.
 */
static int cv_nv_write(struct cv_tpm *tpm, ESYS_TR primary, ESYS_TR nv, const struct cv_secret *n, char *err,
		       size_t errlen)
{
	TPM2B_MAX_NV_BUFFER data = { .size = (UINT16)n->len };
	ESYS_TR policy = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret;

	ret = cv_session(tpm, primary, TPM2_SE_POLICY, &policy, err, errlen);
	if (ret)
		return ret;
	rc = Esys_PolicyAuthValue(tpm->esys, policy, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc != TSS2_RC_SUCCESS) {
		cv_flush(tpm, &policy);
		return cv_tpm_error(err, errlen, "starting the vault's NV write policy (TPM2_PolicyAuthValue)", rc);
	}
	ret = cv_session_crypt(tpm, policy, TPMA_SESSION_DECRYPT, err, errlen);
	if (ret) {
		cv_flush(tpm, &policy);
		return ret;
	}
	memcpy(data.buffer, n->buf, n->len);
	rc = Esys_NV_Write(tpm->esys, nv, nv, policy, ESYS_TR_NONE, ESYS_TR_NONE, &data, 0);
	cv_tpm_scrub(tpm, rc);	/* ESAPI encrypted N on the stack */
	explicit_bzero(&data, sizeof(data));
	cv_flush(tpm, &policy);
	if (rc != TSS2_RC_SUCCESS)
		return cv_tpm_error(err, errlen, "writing the vault's NV index (TPM2_NV_Write)", rc);
	return CV_SEAL_OK;
}

/* Overwrites ESAPI's copy of nv's authValue with an empty one, before the ESYS_TR goes. */
static void cv_nv_forget_auth(struct cv_tpm *tpm, ESYS_TR nv)
{
	const TPM2B_AUTH none = { .size = 0 };

	if (nv != ESYS_TR_NONE)
		Esys_TR_SetAuth(tpm->esys, nv, &none);
}

int cv_seal(struct cv_tpm *tpm, struct cv_header *h, const struct cv_seal_opts *opts, const struct cv_secret *m,
	    const struct cv_secret *n, char *err, size_t errlen)
{
	ESYS_TR primary = ESYS_TR_NONE, session = ESYS_TR_NONE, nv = ESYS_TR_NONE;
	TPM2B_DIGEST policy = { .size = 0 };
	TPM2B_AUTH nv_auth = { .size = 0 };
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
	/* ESAPI keeps the authValue given at definition for the new index's ESYS_TR. */
	explicit_bzero(&nv_auth, sizeof(nv_auth));
	if (!ret) {
		ret = cv_nv_write(tpm, primary, nv, n, err, errlen);
		/* Nothing stays defined: the header that would name the index is not written. */
		if (ret && Esys_NV_UndefineSpace(tpm->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
						 ESYS_TR_NONE) == TSS2_RC_SUCCESS)
			nv = ESYS_TR_NONE;
		else if (ret)
			snprintf(err, errlen, "writing the vault's NV index 0x%08x failed and it could not be removed "
				 "either: remove it with 'tpm2_nvundefine 0x%08x', then check the TPM ('tpm2_selftest "
				 "--fulltest')", index, index);
	}
	if (nv != ESYS_TR_NONE) {
		cv_nv_forget_auth(tpm, nv);
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

const char *cv_lockout_path(char *buf, size_t len)
{
	return cv_etc_path(CV_LOCKOUT_FILE, buf, len);
}

const char *cv_lockout_where(char *buf, size_t len)
{
	char path[CV_LOCKOUT_WHERE / 2];

	snprintf(buf, len, "'camvault init --pin' set it when the TPM had none, and printed it with the recovery "
		 "key, or kept it in %s when made with --no-recovery",
		 cv_lockout_path(path, sizeof(path)) ? path : CV_ETC_DIR "/" CV_LOCKOUT_FILE);
	return buf;
}

int cv_tpm_lockout_auth_set(struct cv_tpm *tpm, int *set, char *err, size_t errlen)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;
	UINT32 i;
	int seen = 0;

	rc = Esys_GetCapability(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_TPM_PROPERTIES,
				TPM2_PT_PERMANENT, 1, &more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return cv_tpm_error(err, errlen, "reading the TPM's permanent flags (TPM2_GetCapability)", rc);
	for (i = 0; i < cap->data.tpmProperties.count; i++)
		if (cap->data.tpmProperties.tpmProperty[i].property == TPM2_PT_PERMANENT) {
			*set = !!(cap->data.tpmProperties.tpmProperty[i].value & TPMA_PERMANENT_LOCKOUTAUTHSET);
			seen = 1;
		}
	Esys_Free(cap);
	if (!seen) {
		snprintf(err, errlen, "the TPM does not report TPM2_PT_PERMANENT: it is not a TPM 2.0 following the "
			 "specification");
		return CV_SEAL_EFAIL;
	}
	return CV_SEAL_OK;
}

int cv_tpm_lockout_take(struct cv_tpm *tpm, char text[CV_LOCKOUT_TEXT], char *err, size_t errlen)
{
	static const char hex[] = "0123456789abcdef";
	ESYS_TR primary = ESYS_TR_NONE, session = ESYS_TR_NONE;
	TPM2B_AUTH auth = { .size = CV_LOCKOUT_TEXT - 1 }, none = { .size = 0 };
	unsigned char raw[(CV_LOCKOUT_TEXT - 1) / 2];
	uint16_t alg;
	TSS2_RC rc;
	size_t i;
	int ret;

	text[0] = '\0';
	ret = cv_random_fill(tpm, raw, sizeof(raw), err, errlen);
	if (ret)
		goto out;
	/* The authValue is the text itself, so that 'tpm2_dictionarylockout -c -p <text>' takes it as typed. */
	for (i = 0; i < sizeof(raw); i++) {
		auth.buffer[2 * i] = (BYTE)hex[raw[i] >> 4];
		auth.buffer[2 * i + 1] = (BYTE)hex[raw[i] & 15];
	}
	/* The new authValue crosses the bus encrypted, in a session salted with the storage primary. */
	ret = cv_primary_new(tpm, &primary, &alg, err, errlen);
	if (!ret)
		ret = cv_session(tpm, primary, TPM2_SE_HMAC, &session, err, errlen);
	if (!ret)
		ret = cv_session_crypt(tpm, session, TPMA_SESSION_DECRYPT, err, errlen);
	if (ret)
		goto out;
	rc = Esys_HierarchyChangeAuth(tpm->esys, ESYS_TR_RH_LOCKOUT, session, ESYS_TR_NONE, ESYS_TR_NONE, &auth);
	cv_tpm_scrub(tpm, rc);
	Esys_TR_SetAuth(tpm->esys, ESYS_TR_RH_LOCKOUT, &none);	/* ESAPI keeps the new one otherwise */
	switch (cv_rc(rc)) {
	case TSS2_RC_SUCCESS:
		memcpy(text, auth.buffer, auth.size);
		text[auth.size] = '\0';
		break;
	case TPM2_RC_AUTH_FAIL:
	case TPM2_RC_BAD_AUTH:
		snprintf(err, errlen, "the TPM refuses to set its lockout authorization: someone set one meanwhile; "
			 "whoever did keeps it");
		ret = CV_SEAL_EFAIL;
		break;
	case TPM2_RC_LOCKOUT:
		snprintf(err, errlen, "the TPM refuses to set its lockout authorization: the lockout hierarchy is "
			 "itself locked out after a wrong lockout authorization; wait its lockout recovery time (or "
			 "reboot) and run 'camvault init --pin' again for another vault");
		ret = CV_SEAL_EFAIL;
		break;
	default:
		ret = cv_tpm_error(err, errlen, "setting the TPM's lockout authorization (TPM2_HierarchyChangeAuth)",
				   rc);
	}
out:
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(&auth, sizeof(auth));
	cv_flush(tpm, &session);
	cv_flush(tpm, &primary);
	return ret;
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

int cv_load_blobs(struct cv_tpm *tpm, ESYS_TR primary, const uint8_t *pub_blob, size_t pub_len,
		  const uint8_t *priv_blob, size_t priv_len, const char *malformed, const char *other_tpm, ESYS_TR *obj,
		  char *err, size_t errlen)
{
	TPM2B_PRIVATE priv = { .size = 0 };
	TPM2B_PUBLIC pub = { .size = 0 };
	size_t pub_off = 0, priv_off = 0;
	TSS2_RC rc;

	*obj = ESYS_TR_NONE;
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(pub_blob, pub_len, &pub_off, &pub) != TSS2_RC_SUCCESS ||
	    pub_off != pub_len ||
	    Tss2_MU_TPM2B_PRIVATE_Unmarshal(priv_blob, priv_len, &priv_off, &priv) != TSS2_RC_SUCCESS ||
	    priv_off != priv_len) {
		snprintf(err, errlen, "%s", malformed);
		return CV_SEAL_EFAIL;
	}
	rc = Esys_Load(tpm->esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &priv, &pub, obj);
	switch (cv_rc(rc)) {
	case TSS2_RC_SUCCESS:
		return CV_SEAL_OK;
	case TPM2_RC_INTEGRITY:
	case TPM2_RC_BINDING:
	case TPM2_RC_VALUE:
	case TPM2_RC_SIZE:
	case TPM2_RC_KEY:
	case TPM2_RC_SENSITIVE:
		/* The outer HMAC or the unwrapping failed: another TPM's storage key made these blobs. */
		*obj = ESYS_TR_NONE;
		snprintf(err, errlen, "%s", other_tpm);
		return CV_SEAL_EOTHER_TPM;
	}
	*obj = ESYS_TR_NONE;
	return cv_tpm_error(err, errlen, "loading an object into the TPM (TPM2_Load)", rc);
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
	if (out) {
		explicit_bzero(out, sizeof(*out));
		Esys_Free(out);
	}
	cv_flush(tpm, &policy);
	return ret;
}

/*
 * Reads h's NV index into n. Esys_TR_FromTPMPublic() hands back the ESYS_TR the context already has for an
 * index, if any, and the one used here is closed at the end: callers keep no ESYS_TR for a vault's index (the
 * same goes for cv_nv_destroy()).
 */
static int cv_nv_read(struct cv_tpm *tpm, const struct cv_header *h, const struct cv_secret *m, ESYS_TR session,
		      struct cv_secret *n, char *err, size_t errlen)
{
	TPM2B_MAX_NV_BUFFER *data = NULL;
	TPM2B_NV_PUBLIC *pub = NULL;
	TPM2B_AUTH auth = { .size = 0 };
	ESYS_TR nv = ESYS_TR_NONE;
	TPMA_NV attrs;
	TSS2_RC rc;
	int ret;

	rc = Esys_TR_FromTPMPublic(tpm->esys, h->nv_index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv);
	if (cv_rc(rc) == TPM2_RC_HANDLE) {
		snprintf(err, errlen, "the vault's TPM secret (NV index 0x%08x) is gone: the vault was shredded, or "
			 "this is a different TPM; %s", h->nv_index, CV_RECOVERY_HINT);
		return CV_SEAL_ENO_NV;
	}
	if (rc != TSS2_RC_SUCCESS)
		return cv_tpm_error(err, errlen, "finding the vault's NV index (TPM2_NV_ReadPublic)", rc);
	rc = Esys_NV_ReadPublic(tpm->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		ret = cv_tpm_error(err, errlen, "reading the vault's NV index's attributes (TPM2_NV_ReadPublic)", rc);
		goto out;
	}
	attrs = pub->nvPublic.attributes & ~TPMA_NV_WRITTEN;
	Esys_Free(pub);
	/* A vault sealed before write protection (CV_NV_ATTRS_V1) has an empty authValue. */
	if (attrs == CV_NV_ATTRS) {
		ret = cv_nv_auth(m, h->uuid, &auth, err, errlen);
		rc = ret ? TSS2_RC_SUCCESS : Esys_TR_SetAuth(tpm->esys, nv, &auth);
		explicit_bzero(&auth, sizeof(auth));
		if (rc != TSS2_RC_SUCCESS)
			ret = cv_tpm_error(err, errlen, "giving the NV index's authorization to ESAPI (Esys_TR_SetAuth)",
					   rc);
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
	rc = Esys_NV_Read(tpm->esys, nv, nv, session, ESYS_TR_NONE, ESYS_TR_NONE, CV_NV_BYTES, 0, &data);
	cv_tpm_scrub(tpm, rc);
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
	if (data->size != CV_NV_BYTES) {
		snprintf(err, errlen, "NV index 0x%08x returned %u bytes instead of %d: %s", h->nv_index, data->size,
			 CV_NV_BYTES, CV_RECOVERY_HINT);
		ret = CV_SEAL_EFAIL;
		goto out;
	}
	ret = cv_secret_alloc(n, data->size, err, errlen) < 0 ? CV_SEAL_EFAIL : CV_SEAL_OK;
	if (!ret)
		memcpy(n->buf, data->buffer, data->size);
out:
	if (data) {
		explicit_bzero(data, sizeof(*data));
		Esys_Free(data);
	}
	cv_nv_forget_auth(tpm, nv);
	Esys_TR_Close(tpm->esys, &nv);
	return ret;
}

int cv_unseal(struct cv_tpm *tpm, const struct cv_header *h, const char *pin, struct cv_secret *m,
	      struct cv_secret *n, char *err, size_t errlen)
{
	ESYS_TR primary = ESYS_TR_NONE, session = ESYS_TR_NONE, obj = ESYS_TR_NONE;
	TPM2B_AUTH auth = { .size = 0 };
	TSS2_RC rc;
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

	rc = cv_primary_alg(tpm, h->srk_alg, &primary);
	if (rc != TSS2_RC_SUCCESS) {
		primary = ESYS_TR_NONE;
		return cv_primary_error(err, errlen, rc);
	}
	ret = cv_load(tpm, h, primary, &obj, err, errlen);
	if (!ret && (h->flags & CV_HDR_F_PIN)) {
		auth.size = (UINT16)strlen(pin);
		memcpy(auth.buffer, pin, auth.size);
		rc = Esys_TR_SetAuth(tpm->esys, obj, &auth);
		explicit_bzero(&auth, sizeof(auth));
		if (rc != TSS2_RC_SUCCESS)
			ret = cv_tpm_error(err, errlen, "giving the PIN to ESAPI (Esys_TR_SetAuth)", rc);
	}
	if (!ret)
		ret = cv_session(tpm, primary, TPM2_SE_HMAC, &session, err, errlen);
	if (!ret)
		ret = cv_unseal_object(tpm, h, primary, obj, session, m, err, errlen);
	if (!ret)
		ret = cv_nv_read(tpm, h, m, session, n, err, errlen);

	if (obj != ESYS_TR_NONE && (h->flags & CV_HDR_F_PIN))
		Esys_TR_SetAuth(tpm->esys, obj, &auth);	/* overwrites ESAPI's copy of the PIN (auth is zero) */
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
	TPM2B_NV_PUBLIC *pub = NULL;
	ESYS_TR nv = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret;

	ret = cv_nv_index_check(h, err, errlen);
	if (ret)
		return ret;
	rc = Esys_TR_FromTPMPublic(tpm->esys, h->nv_index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv);
	if (cv_rc(rc) == TPM2_RC_HANDLE) {
		snprintf(err, errlen, "the vault's TPM secret (NV index 0x%08x) is already gone: the vault was "
			 "shredded before, or this is a different TPM", h->nv_index);
		return CV_SEAL_ENO_NV;
	}
	if (rc != TSS2_RC_SUCCESS)
		return cv_tpm_error(err, errlen, "finding the vault's NV index (TPM2_NV_ReadPublic)", rc);
	/* Never undefine an index that is not one camvault defines: the header may be old, the index reused. */
	rc = Esys_NV_ReadPublic(tpm->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		ret = cv_tpm_error(err, errlen, "reading the vault's NV index (TPM2_NV_ReadPublic)", rc);
		goto out;
	}
	if (((pub->nvPublic.attributes & ~TPMA_NV_WRITTEN) != CV_NV_ATTRS &&
	     (pub->nvPublic.attributes & ~TPMA_NV_WRITTEN) != CV_NV_ATTRS_V1) ||
	    pub->nvPublic.dataSize != CV_NV_BYTES) {
		snprintf(err, errlen, "NV index 0x%08x is not a camvault secret (attributes 0x%08x, %u bytes): the "
			 "vault was shredded and its index reused by something else, which is left alone", h->nv_index,
			 pub->nvPublic.attributes, pub->nvPublic.dataSize);
		ret = CV_SEAL_ENO_NV;
		goto out;
	}
	rc = Esys_NV_UndefineSpace(tpm->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
	switch (cv_rc(rc)) {
	case TSS2_RC_SUCCESS:
		nv = ESYS_TR_NONE;	/* ESAPI forgot it with the index */
		break;
	case TPM2_RC_AUTH_FAIL:
	case TPM2_RC_BAD_AUTH:
		snprintf(err, errlen, "the TPM refuses to undefine NV index 0x%08x: its owner hierarchy has a password "
			 "and camvault needs it empty (remove it with 'tpm2_changeauth -c owner -p <password>')",
			 h->nv_index);
		ret = CV_SEAL_EFAIL;
		break;
	default:
		ret = cv_tpm_error(err, errlen, "undefining the vault's NV index (TPM2_NV_UndefineSpace)", rc);
	}
out:
	Esys_Free(pub);
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
	TPM2B_NV_PUBLIC *pub = NULL;
	ESYS_TR nv = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret = cv_nv_index_check(h, err, errlen);

	if (ret)
		return ret;
	rc = Esys_TR_FromTPMPublic(tpm->esys, h->nv_index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv);
	if (rc != TSS2_RC_SUCCESS)
		return cv_tpm_error(err, errlen, "finding the vault's NV index (TPM2_NV_ReadPublic)", rc);
	rc = Esys_NV_ReadPublic(tpm->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
	if (rc != TSS2_RC_SUCCESS)
		ret = cv_tpm_error(err, errlen, "reading the vault's NV index (TPM2_NV_ReadPublic)", rc);
	else
		ret = (pub->nvPublic.attributes & ~TPMA_NV_WRITTEN) == CV_NV_ATTRS_V1;
	Esys_Free(pub);
	Esys_TR_Close(tpm->esys, &nv);
	return ret;
}

int cv_tpm_da_state(struct cv_tpm *tpm, uint32_t *failed, uint32_t *max, uint32_t *recovery_s, char *err,
		    size_t errlen)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	unsigned int seen = 0;
	TSS2_RC rc;
	UINT32 i;

	rc = Esys_GetCapability(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_TPM_PROPERTIES,
				TPM2_PT_LOCKOUT_COUNTER, TPM2_PT_LOCKOUT_INTERVAL - TPM2_PT_LOCKOUT_COUNTER + 1, &more,
				&cap);
	if (rc != TSS2_RC_SUCCESS)
		return cv_tpm_error(err, errlen, "reading the TPM's dictionary-attack state (TPM2_GetCapability)", rc);
	for (i = 0; i < cap->data.tpmProperties.count; i++) {
		const TPMS_TAGGED_PROPERTY *p = &cap->data.tpmProperties.tpmProperty[i];

		if (p->property == TPM2_PT_LOCKOUT_COUNTER) {
			*failed = p->value;
			seen |= 1;
		} else if (p->property == TPM2_PT_MAX_AUTH_FAIL) {
			*max = p->value;
			seen |= 2;
		} else if (p->property == TPM2_PT_LOCKOUT_INTERVAL) {
			*recovery_s = p->value;
			seen |= 4;
		}
	}
	Esys_Free(cap);
	if (seen != 7) {
		snprintf(err, errlen, "the TPM does not report its dictionary-attack state: it is not a TPM 2.0 "
			 "following the specification");
		return CV_SEAL_EFAIL;
	}
	return CV_SEAL_OK;
}
