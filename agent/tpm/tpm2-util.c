// SPDX-License-Identifier: GPL-2.0
/*
 * The TPM's mechanics: tpm2-util.h says what each function does and what it assumes.
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

#include "tpm/tpm2-util.h"

/* The TCG storage root key templates (TCG TPM v2.0 Provisioning Guidance), with an empty unique. */
#define CV_SRK_ATTRS	(TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | \
			 TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)
#define CV_AES128_CFB	{ .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB }

/* The SRK template for alg: ECC NIST P-256 or RSA 2048 (exponent 0: the default, 65537), no scheme. */
static void cv_srk_template(uint16_t alg, TPM2B_PUBLIC *t)
{
	const TPMT_SYM_DEF_OBJECT aes = CV_AES128_CFB;
	TPMT_PUBLIC *p = &t->publicArea;

	memset(t, 0, sizeof(*t));
	p->type = alg;
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = CV_SRK_ATTRS;
	if (alg == TPM2_ALG_RSA) {
		p->parameters.rsaDetail.symmetric = aes;
		p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		p->parameters.rsaDetail.keyBits = 2048;
		p->parameters.rsaDetail.exponent = 0;
	} else {
		p->parameters.eccDetail.symmetric = aes;
		p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	}
}

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

int cv_tpm_error(char *err, size_t errlen, const char *what, TSS2_RC rc)
{
	snprintf(err, errlen, "%s failed (%s): check that the TPM works ('tpm2_selftest --fulltest') and that "
		 "nothing else uses up its memory", what, Tss2_RC_Decode(rc));
	return CV_SEAL_EFAIL;
}

void cv_flush(struct cv_tpm *tpm, ESYS_TR *handle)
{
	if (*handle == ESYS_TR_NONE)
		return;
	if (Esys_FlushContext(tpm->esys, *handle) != TSS2_RC_SUCCESS)
		Esys_TR_Close(tpm->esys, handle);
	*handle = ESYS_TR_NONE;
}

int cv_set_auth(struct cv_tpm *tpm, ESYS_TR handle, const uint8_t *auth, size_t len, const char *what, char *err,
		size_t errlen)
{
	TPM2B_AUTH a = { .size = 0 };
	CV_CLEANUP_ERASE(a);
	TSS2_RC rc;
	char why[128];

	if (len > sizeof(a.buffer)) {
		snprintf(err, errlen, "%s has %zu bytes, more than the %zu an authorization holds: this is a bug in "
			 "camvault", what, len, sizeof(a.buffer));
		return CV_SEAL_EFAIL;
	}
	a.size = (UINT16)len;
	memcpy(a.buffer, auth, len);
	rc = Esys_TR_SetAuth(tpm->esys, handle, &a);
	if (rc != TSS2_RC_SUCCESS) {
		snprintf(why, sizeof(why), "giving %s to ESAPI (Esys_TR_SetAuth)", what);
		return cv_tpm_error(err, errlen, why, rc);
	}
	return CV_SEAL_OK;
}

void cv_forget_auth(struct cv_tpm *tpm, ESYS_TR handle)
{
	const TPM2B_AUTH none = { .size = 0 };

	if (handle != ESYS_TR_NONE)
		Esys_TR_SetAuth(tpm->esys, handle, &none);
}

/* The primary from the SRK template for alg (TPM2_ALG_ECC or TPM2_ALG_RSA). */
static TSS2_RC cv_primary_alg(struct cv_tpm *tpm, uint16_t alg, ESYS_TR *primary)
{
	const TPM2B_SENSITIVE_CREATE sens = { .size = 0 };
	const TPML_PCR_SELECTION pcrs = { .count = 0 };
	const TPM2B_DATA outside = { .size = 0 };
	TPM2B_PUBLIC template;

	cv_srk_template(alg == TPM2_ALG_RSA ? TPM2_ALG_RSA : TPM2_ALG_ECC, &template);
	return Esys_CreatePrimary(tpm->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens,
				  &template, &outside, &pcrs, primary, NULL, NULL, NULL, NULL);
}

static int cv_primary_error(char *err, size_t errlen, TSS2_RC rc)
{
	switch (cv_rc(rc)) {
	case TPM2_RC_AUTH_FAIL:
	case TPM2_RC_BAD_AUTH:
		snprintf(err, errlen, "the TPM refuses to create its storage key: %s", CV_OWNER_AUTH_HINT);
		return CV_SEAL_EFAIL;
	case TPM2_RC_HIERARCHY:
		snprintf(err, errlen, "the TPM refuses to create its storage key: its owner hierarchy is disabled "
			 "(enable it in the firmware setup, or clear the TPM)");
		return CV_SEAL_EFAIL;
	}
	return cv_tpm_error(err, errlen, "creating the TPM's storage key (TPM2_CreatePrimary)", rc);
}

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

int cv_salted_session(struct cv_tpm *tpm, ESYS_TR *primary, ESYS_TR *session, char *err, size_t errlen)
{
	uint16_t alg;
	int ret;

	*session = ESYS_TR_NONE;
	ret = cv_primary_new(tpm, primary, &alg, err, errlen);
	if (!ret)
		ret = cv_session(tpm, *primary, TPM2_SE_HMAC, session, err, errlen);
	if (ret)
		cv_flush(tpm, primary);
	return ret;
}

int cv_trial_session(struct cv_tpm *tpm, ESYS_TR *session, char *err, size_t errlen)
{
	const TPMT_SYM_DEF none = { .algorithm = TPM2_ALG_NULL };
	TSS2_RC rc;

	rc = Esys_StartAuthSession(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   NULL, TPM2_SE_TRIAL, &none, TPM2_ALG_SHA256, session);
	if (rc != TSS2_RC_SUCCESS) {
		*session = ESYS_TR_NONE;
		return cv_tpm_error(err, errlen, "starting a trial policy session (TPM2_StartAuthSession)", rc);
	}
	return CV_SEAL_OK;
}

int cv_session_crypt(struct cv_tpm *tpm, ESYS_TR session, TPMA_SESSION dir, char *err, size_t errlen)
{
	TSS2_RC rc;

	rc = Esys_TRSess_SetAttributes(tpm->esys, session, TPMA_SESSION_CONTINUESESSION | dir, 0xff);
	if (rc != TSS2_RC_SUCCESS)
		return cv_tpm_error(err, errlen, "setting the session's parameter encryption", rc);
	return CV_SEAL_OK;
}

void cv_policy_authvalue(TPM2B_DIGEST *digest)
{
	uint8_t in[32 + 4] = { 0 };

	in[32] = (uint8_t)(TPM2_CC_PolicyAuthValue >> 24);
	in[33] = (uint8_t)(TPM2_CC_PolicyAuthValue >> 16);
	in[34] = (uint8_t)(TPM2_CC_PolicyAuthValue >> 8);
	in[35] = (uint8_t)TPM2_CC_PolicyAuthValue;
	digest->size = 32;
	crypto_hash_sha256(digest->buffer, in, sizeof(in));
}

void cv_pcr_selection(uint32_t mask, TPML_PCR_SELECTION *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->count = 1;
	sel->pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel->pcrSelections[0].sizeofSelect = 3;
	sel->pcrSelections[0].pcrSelect[0] = mask & 0xff;
	sel->pcrSelections[0].pcrSelect[1] = (mask >> 8) & 0xff;
	sel->pcrSelections[0].pcrSelect[2] = (mask >> 16) & 0xff;
}

int cv_pcr_read(struct cv_tpm *tpm, uint32_t mask, uint8_t vals[CV_TPM_PCRS][32], char *err, size_t errlen)
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
				for (n = 0; n < CV_TPM_PCRS && n / 8 < out->pcrSelections[0].sizeofSelect; n++)
					if (out->pcrSelections[0].pcrSelect[n / 8] & (1u << (n % 8)))
						got |= 1u << n;
			got &= left;
			for (n = 0; n < CV_TPM_PCRS; n++) {
				if (!(got & (1u << n)))
					continue;
				if (k >= digests->count || digests->digests[k].size != 32)
					break;
				memcpy(vals[n], digests->digests[k].buffer, 32);
				k++;
			}
			Esys_Free(out);
			Esys_Free(digests);
			if (!got || n < CV_TPM_PCRS) {
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

int cv_pcr_digest(struct cv_tpm *tpm, uint32_t mask, const uint8_t vals[CV_TPM_PCRS][32], TPM2B_DIGEST *digest,
		  char *err, size_t errlen)
{
	TPM2B_MAX_BUFFER data = { .size = 0 };
	TPMT_TK_HASHCHECK *ticket = NULL;
	TPM2B_DIGEST *out = NULL;
	unsigned int n;
	TSS2_RC rc;

	for (n = 0; n < CV_TPM_PCRS; n++)
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

int cv_nv_alloc(struct cv_tpm *tpm, ESYS_TR session, const struct cv_nv_template *t, const TPM2B_AUTH *auth,
		ESYS_TR *nv, uint32_t *index, char *err, size_t errlen)
{
	char why[128];
	unsigned int i;
	int ret;

	*nv = ESYS_TR_NONE;
	for (i = 0; i < CV_NV_PROBES && i < t->span; i++) {
		uint32_t idx = t->first + (t->start + i) % t->span;
		TPM2B_NV_PUBLIC pub = {
			.nvPublic = {
				.nvIndex = idx,
				.nameAlg = TPM2_ALG_SHA256,
				.attributes = t->attributes,
				.dataSize = t->size,
			},
		};
		TSS2_RC rc;
		int used = cv_nv_defined(tpm, idx, err, errlen);

		if (used < 0)
			return used;
		if (used)
			continue;
		if (t->policy)
			pub.nvPublic.authPolicy = *t->policy;
		ret = cv_session_crypt(tpm, session, TPMA_SESSION_DECRYPT, err, errlen);
		if (ret)
			return ret;
		rc = Esys_NV_DefineSpace(tpm->esys, ESYS_TR_RH_OWNER, session, ESYS_TR_NONE, ESYS_TR_NONE, auth, &pub,
					 nv);
		cv_tpm_scrub(tpm, rc);	/* ESAPI encrypted auth on the stack */
		switch (cv_rc(rc)) {
		case TSS2_RC_SUCCESS:
			*index = idx;
			return CV_SEAL_OK;
		case TPM2_RC_NV_DEFINED:	/* someone else took it meanwhile */
			*nv = ESYS_TR_NONE;
			continue;
		case TPM2_RC_NV_SPACE:
			*nv = ESYS_TR_NONE;
			snprintf(err, errlen, "the TPM's NV memory is full: %s", t->hint);
			return CV_SEAL_EFAIL;
		case TPM2_RC_AUTH_FAIL:
		case TPM2_RC_BAD_AUTH:
			*nv = ESYS_TR_NONE;
			snprintf(err, errlen, "the TPM refuses to define %s: %s", t->what, CV_OWNER_AUTH_HINT);
			return CV_SEAL_EFAIL;
		}
		*nv = ESYS_TR_NONE;
		snprintf(why, sizeof(why), "defining %s (TPM2_NV_DefineSpace)", t->what);
		return cv_tpm_error(err, errlen, why, rc);
	}
	snprintf(err, errlen, "no free NV index among the %u from 0x%08x: %s", CV_NV_PROBES, t->first + t->start,
		 t->hint);
	return CV_SEAL_EFAIL;
}

int cv_nv_open(struct cv_tpm *tpm, uint32_t index, const char *what, ESYS_TR *nv, TPMS_NV_PUBLIC *pub,
	       char *err, size_t errlen)
{
	TPM2B_NV_PUBLIC *out = NULL;
	char why[128];
	TSS2_RC rc;

	*nv = ESYS_TR_NONE;
	rc = Esys_TR_FromTPMPublic(tpm->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, nv);
	if (rc != TSS2_RC_SUCCESS) {
		*nv = ESYS_TR_NONE;
		if (cv_rc(rc) == TPM2_RC_HANDLE) {
			snprintf(err, errlen, "the TPM has no NV index 0x%08x, %s", index, what);
			return CV_SEAL_ENO_NV;
		}
		snprintf(why, sizeof(why), "finding %s (TPM2_NV_ReadPublic)", what);
		return cv_tpm_error(err, errlen, why, rc);
	}
	rc = Esys_NV_ReadPublic(tpm->esys, *nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &out, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		Esys_TR_Close(tpm->esys, nv);
		*nv = ESYS_TR_NONE;
		snprintf(why, sizeof(why), "reading %s's attributes (TPM2_NV_ReadPublic)", what);
		return cv_tpm_error(err, errlen, why, rc);
	}
	*pub = out->nvPublic;
	Esys_Free(out);
	return CV_SEAL_OK;
}

TSS2_RC cv_nv_read(struct cv_tpm *tpm, ESYS_TR auth, ESYS_TR nv, ESYS_TR session, uint8_t *buf, uint16_t size,
		   uint16_t *got)
{
	TPM2B_MAX_NV_BUFFER *data = NULL;
	CV_CLEANUP_ESYS_ERASE(data);
	TSS2_RC rc;

	*got = 0;
	rc = Esys_NV_Read(tpm->esys, auth, nv, session, ESYS_TR_NONE, ESYS_TR_NONE, size, 0, &data);
	cv_tpm_scrub(tpm, rc);
	if (rc != TSS2_RC_SUCCESS)
		return rc;
	*got = data->size;
	if (data->size <= size)
		memcpy(buf, data->buffer, data->size);
	return rc;
}

int cv_nv_write(struct cv_tpm *tpm, ESYS_TR primary, ESYS_TR nv, const uint8_t *buf, size_t len, const char *what,
		char *err, size_t errlen)
{
	TPM2B_MAX_NV_BUFFER data = { .size = (UINT16)len };
	CV_CLEANUP_ERASE(data);
	ESYS_TR policy = ESYS_TR_NONE;
	char why[128];
	TSS2_RC rc;
	int ret;

	if (len > sizeof(data.buffer)) {
		snprintf(err, errlen, "%zu bytes do not fit one TPM2_NV_Write: this is a bug in camvault", len);
		return CV_SEAL_EFAIL;
	}
	ret = cv_session(tpm, primary, TPM2_SE_POLICY, &policy, err, errlen);
	if (ret)
		return ret;
	rc = Esys_PolicyAuthValue(tpm->esys, policy, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc != TSS2_RC_SUCCESS) {
		cv_flush(tpm, &policy);
		snprintf(why, sizeof(why), "starting %s's write policy (TPM2_PolicyAuthValue)", what);
		return cv_tpm_error(err, errlen, why, rc);
	}
	ret = cv_session_crypt(tpm, policy, TPMA_SESSION_DECRYPT, err, errlen);
	if (ret) {
		cv_flush(tpm, &policy);
		return ret;
	}
	memcpy(data.buffer, buf, len);
	rc = Esys_NV_Write(tpm->esys, nv, nv, policy, ESYS_TR_NONE, ESYS_TR_NONE, &data, 0);
	cv_tpm_scrub(tpm, rc);	/* ESAPI encrypted buf on the stack */
	cv_flush(tpm, &policy);
	if (rc != TSS2_RC_SUCCESS) {
		snprintf(why, sizeof(why), "writing %s (TPM2_NV_Write)", what);
		return cv_tpm_error(err, errlen, why, rc);
	}
	return CV_SEAL_OK;
}

TSS2_RC cv_nv_increment(struct cv_tpm *tpm, ESYS_TR nv, ESYS_TR session)
{
	return Esys_NV_Increment(tpm->esys, nv, nv, session, ESYS_TR_NONE, ESYS_TR_NONE);
}

int cv_nv_undefine(struct cv_tpm *tpm, ESYS_TR *nv, uint32_t index, const char *what, char *err, size_t errlen)
{
	char why[128];
	TSS2_RC rc;

	rc = Esys_NV_UndefineSpace(tpm->esys, ESYS_TR_RH_OWNER, *nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
	switch (cv_rc(rc)) {
	case TSS2_RC_SUCCESS:
		*nv = ESYS_TR_NONE;	/* ESAPI forgot it with the index */
		return CV_SEAL_OK;
	case TPM2_RC_AUTH_FAIL:
	case TPM2_RC_BAD_AUTH:
		snprintf(err, errlen, "the TPM refuses to undefine NV index 0x%08x: %s", index, CV_OWNER_AUTH_HINT);
		return CV_SEAL_EFAIL;
	}
	snprintf(why, sizeof(why), "undefining %s (TPM2_NV_UndefineSpace)", what);
	return cv_tpm_error(err, errlen, why, rc);
}

int cv_tpm_random(struct cv_tpm *tpm, unsigned char *buf, size_t len, char *err, size_t errlen)
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
		CV_CLEANUP_ESYS_ERASE(rnd);
		TSS2_RC rc;
		size_t i;

		rc = Esys_GetRandom(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, (UINT16)want, &rnd);
		cv_tpm_scrub(tpm, rc);
		if (rc != TSS2_RC_SUCCESS)
			return cv_tpm_error(err, errlen, "reading the TPM's random generator (TPM2_GetRandom)", rc);
		if (!rnd->size || rnd->size > want) {
			snprintf(err, errlen, "the TPM's random generator returned %u bytes for %zu: the TPM is "
				 "faulty; replace it, or check it with 'tpm2_selftest --fulltest'", rnd->size, want);
			return CV_SEAL_EFAIL;
		}
		for (i = 0; i < rnd->size; i++)
			buf[off + i] ^= rnd->buffer[i];
		off += rnd->size;
	}
	return CV_SEAL_OK;
}
