// SPDX-License-Identifier: GPL-2.0
/*
 * The access log's signing key and counter in the TPM: logkey.h says what each is and why. Nothing here is
 * secret: the key's private part never leaves the TPM unwrapped, and digests, signatures and counter values are
 * public. The counter's value is read through a salted session all the same, for the integrity of the answer.
 * The TPM's mechanics (primary, sessions, NV allocation, reads and writes) are tpm/tpm2-util.c's.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "log/logkey.h"
#include "log/logsig.h"
#include "tpm/tpm2-util.h"
#include "util/erase.h"

/*
 * The counter: incremented with its random authValue, which the log's database keeps (meta 'nv_auth', in the
 * root-only /var/lib/camvault), so that whoever merely reaches the TPM (the tss group) cannot bump it and make
 * an intact log verify as truncated; read with the owner authorization (empty, as camvault assumes), so that
 * verifying needs no secret. Counters defined before had CV_LOGNV_ATTRS_V1 and an empty authValue, which
 * anyone with TPM access can increment: still accepted, and cv_lognv_weak() tells them.
 */
#define CV_LOGNV_ATTRS	(TPMA_NV_OWNERREAD | TPMA_NV_AUTHWRITE | TPMA_NV_NO_DA | \
			 (TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT))
#define CV_LOGNV_ATTRS_V1 (TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE | TPMA_NV_NO_DA | \
			   (TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT))
#define CV_LOGNV_RANGE	0x01000000u	/* the owner's range the counter is in: 0x01000000..CV_LOGNV_LAST */
#define CV_LOGNV_WHAT	"the log's NV counter"

static const TPM2B_PUBLIC cv_logkey_template = {
	.publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA,
		.parameters.eccDetail = {
			.symmetric.algorithm = TPM2_ALG_NULL,
			.scheme = { .scheme = TPM2_ALG_ECDSA, .details.ecdsa.hashAlg = TPM2_ALG_SHA256 },
			.curveID = TPM2_ECC_NIST_P256,
			.kdf.scheme = TPM2_ALG_NULL,
		},
	},
};

int cv_logkey_create(struct cv_tpm *tpm, struct cv_logkey *k, char *err, size_t errlen)
{
	const TPM2B_SENSITIVE_CREATE sens = { .size = 0 };
	const TPML_PCR_SELECTION pcrs = { .count = 0 };
	const TPM2B_DATA outside = { .size = 0 };
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *pub = NULL;
	ESYS_TR primary;
	TSS2_RC rc;
	int ret;

	memset(k, 0, sizeof(*k));
	ret = cv_primary_new(tpm, &primary, &k->srk_alg, err, errlen);
	if (ret)
		return ret;
	rc = Esys_Create(tpm->esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens,
			 &cv_logkey_template, &outside, &pcrs, &priv, &pub, NULL, NULL, NULL);
	cv_flush(tpm, &primary);
	switch (cv_rc(rc)) {
	case TSS2_RC_SUCCESS:
		break;
	case TPM2_RC_CURVE:
	case TPM2_RC_ASYMMETRIC:
	case TPM2_RC_SCHEME:
	case TPM2_RC_VALUE:
		snprintf(err, errlen, "the TPM cannot make an ECDSA P-256 signing key (%s): the access log needs a "
			 "TPM with ECC P-256, as every TPM 2.0 of the PC client profile has", Tss2_RC_Decode(rc));
		return CV_SEAL_EFAIL;
	default:
		return cv_tpm_error(err, errlen, "creating the access log's signing key (TPM2_Create)", rc);
	}
	if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, k->pub, sizeof(k->pub), &k->pub_len) != TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_PRIVATE_Marshal(priv, k->priv, sizeof(k->priv), &k->priv_len) != TSS2_RC_SUCCESS) {
		snprintf(err, errlen, "cannot marshal the signing key TPM2_Create returned: tpm2-tss is broken");
		ret = CV_SEAL_EFAIL;
	}
	Esys_Free(pub);
	Esys_Free(priv);
	return ret;
}

/* Loads k under its primary: *primary and *key are flushed by the caller. */
static int cv_logkey_load(struct cv_tpm *tpm, const struct cv_logkey *k, ESYS_TR *primary, ESYS_TR *key,
			  char *err, size_t errlen)
{
	int ret;

	*key = ESYS_TR_NONE;
	ret = cv_primary_load(tpm, k->srk_alg, primary, err, errlen);
	if (ret)
		return ret;
	return cv_load_blobs(tpm, *primary, k->pub, k->pub_len, k->priv, k->priv_len,
			     "the log's signing key blobs are malformed: the database is damaged",
			     "this TPM cannot load the log's signing key: another TPM made it (the database comes from "
			     "another machine, or the TPM was cleared)", key, err, errlen);
}

int cv_logkey_check(struct cv_tpm *tpm, const struct cv_logkey *k, char *err, size_t errlen)
{
	ESYS_TR primary, key;
	int ret = cv_logkey_load(tpm, k, &primary, &key, err, errlen);

	cv_flush(tpm, &key);
	cv_flush(tpm, &primary);
	return ret;
}

int cv_logkey_sign(struct cv_tpm *tpm, const struct cv_logkey *k, const uint8_t digest[32], uint8_t *sig,
		   size_t *sig_len, char *err, size_t errlen)
{
	const TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_ECDSA, .details.ecdsa.hashAlg = TPM2_ALG_SHA256 };
	/* A null ticket: the key is not restricted, so the TPM signs digests it did not compute. */
	const TPMT_TK_HASHCHECK ticket = { .tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL };
	TPM2B_DIGEST d = { .size = 32 };
	TPMT_SIGNATURE *out = NULL;
	ESYS_TR primary, key;
	TSS2_RC rc;
	int ret;

	ret = cv_logkey_load(tpm, k, &primary, &key, err, errlen);
	if (ret)
		goto out;
	memcpy(d.buffer, digest, 32);
	rc = Esys_Sign(tpm->esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &d, &scheme, &ticket, &out);
	if (rc != TSS2_RC_SUCCESS) {
		ret = cv_tpm_error(err, errlen, "signing the checkpoint (TPM2_Sign)", rc);
		goto out;
	}
	if (out->sigAlg != TPM2_ALG_ECDSA ||
	    cv_logsig_der(out->signature.ecdsa.signatureR.buffer, out->signature.ecdsa.signatureR.size,
			  out->signature.ecdsa.signatureS.buffer, out->signature.ecdsa.signatureS.size, sig,
			  sig_len)) {
		snprintf(err, errlen, "the TPM returned a signature that is not ECDSA P-256 (algorithm 0x%04x): the "
			 "TPM is faulty", out->sigAlg);
		ret = CV_SEAL_EFAIL;
	}
out:
	Esys_Free(out);
	cv_flush(tpm, &key);
	cv_flush(tpm, &primary);
	return ret;
}

/*
 * An ESYS_TR for the camvault counter at index: CV_SEAL_ENO_NV when there is none, or when what is there is not
 * a camvault counter (err says which). The caller closes *nv with Esys_TR_Close().
 */
static int cv_lognv_open(struct cv_tpm *tpm, uint32_t index, ESYS_TR *nv, int *weak, char *err, size_t errlen)
{
	TPMS_NV_PUBLIC pub;
	TPMA_NV attrs;
	int ret;

	*nv = ESYS_TR_NONE;
	*weak = 0;
	if (index < CV_LOGNV_RANGE || index > CV_LOGNV_LAST) {
		snprintf(err, errlen, "0x%08x is not an NV index in the owner's range: the log is damaged", index);
		return CV_SEAL_EFAIL;
	}
	ret = cv_nv_open(tpm, index, CV_LOGNV_WHAT, nv, &pub, err, errlen);
	if (ret)
		return ret;
	attrs = pub.attributes & ~TPMA_NV_WRITTEN;
	if ((attrs != CV_LOGNV_ATTRS && attrs != CV_LOGNV_ATTRS_V1) || pub.dataSize != 8) {
		snprintf(err, errlen, "NV index 0x%08x is not a camvault counter (attributes 0x%08x, %u bytes): it was "
			 "undefined and replaced", index, pub.attributes, pub.dataSize);
		Esys_TR_Close(tpm->esys, nv);
		return CV_SEAL_ENO_NV;
	}
	*weak = attrs == CV_LOGNV_ATTRS_V1;
	return CV_SEAL_OK;
}

int cv_lognv_weak(struct cv_tpm *tpm, uint32_t index, char *err, size_t errlen)
{
	ESYS_TR nv;
	int weak, ret = cv_lognv_open(tpm, index, &nv, &weak, err, errlen);

	if (ret)
		return ret;
	Esys_TR_Close(tpm->esys, &nv);
	return weak;
}

int cv_lognv_increment(struct cv_tpm *tpm, uint32_t index, const uint8_t *auth, size_t auth_len, char *err,
		       size_t errlen)
{
	ESYS_TR nv, primary = ESYS_TR_NONE, session = ESYS_TR_PASSWORD;
	TSS2_RC rc;
	int weak, ret = cv_lognv_open(tpm, index, &nv, &weak, err, errlen);

	if (ret)
		return ret;
	if (weak && auth_len) {
		/* Only a new definition changes the attributes: the owner authorization (empty) allows that. */
		snprintf(err, errlen, "the log's NV counter 0x%08x is of the old kind, with an empty authorization, "
			 "but the log was made with one: the counter was undefined and replaced; move the log away "
			 "(keep it as evidence) and let camvault start a new one", index);
		ret = CV_SEAL_EFAIL;
		goto out;
	}
	if (!weak && !auth_len) {
		snprintf(err, errlen, "the log's NV counter 0x%08x needs its authorization and the log's database "
			 "has none (meta 'nv_auth'): the database is damaged or not the one that made the counter; "
			 "move it away (keep it as evidence) and let camvault start a new one", index);
		ret = CV_SEAL_EFAIL;
		goto out;
	}
	if (!weak) {
		if (auth_len > sizeof(((TPM2B_AUTH *)0)->buffer)) {
			snprintf(err, errlen, "the log's counter authorization has %zu bytes, at most %zu are valid: "
				 "the database is damaged", auth_len, sizeof(((TPM2B_AUTH *)0)->buffer));
			ret = CV_SEAL_EFAIL;
			goto out;
		}
		/* A salted HMAC session: the authValue never crosses the bus. */
		ret = cv_salted_session(tpm, &primary, &session, err, errlen);
		if (!ret)
			ret = cv_set_auth(tpm, nv, auth, auth_len, "the counter's authorization", err, errlen);
		if (ret)
			goto out;
	}
	rc = cv_nv_increment(tpm, nv, session);
	switch (cv_rc(rc)) {
	case TSS2_RC_SUCCESS:
		break;
	case TPM2_RC_NV_RATE:
		snprintf(err, errlen, "the TPM refuses to write its NV memory this often (TPM2_RC_NV_RATE): take "
			 "checkpoints less often (more rows or minutes between them)");
		ret = CV_SEAL_EFAIL;
		break;
	case TPM2_RC_AUTH_FAIL:
	case TPM2_RC_BAD_AUTH:
		snprintf(err, errlen, "the TPM refuses the log's authorization for its NV counter 0x%08x: the "
			 "database is not the one that made the counter, or the counter was replaced", index);
		ret = CV_SEAL_EFAIL;
		break;
	default:
		ret = cv_tpm_error(err, errlen, "incrementing the log's NV counter (TPM2_NV_Increment)", rc);
	}
out:
	cv_forget_auth(tpm, nv);
	if (session != ESYS_TR_PASSWORD)
		cv_flush(tpm, &session);
	cv_flush(tpm, &primary);
	Esys_TR_Close(tpm->esys, &nv);
	return ret;
}

int cv_lognv_read(struct cv_tpm *tpm, uint32_t index, uint64_t *value, char *err, size_t errlen)
{
	ESYS_TR nv, primary = ESYS_TR_NONE, session = ESYS_TR_NONE;
	uint8_t data[8];
	uint16_t got = 0;
	TSS2_RC rc;
	int ret, i, weak;

	ret = cv_lognv_open(tpm, index, &nv, &weak, err, errlen);
	if (ret)
		return ret;
	ret = cv_salted_session(tpm, &primary, &session, err, errlen);
	if (ret)
		goto out;
	/* The old kind reads with its own (empty) authValue, the new one with the owner's (empty too). */
	rc = cv_nv_read(tpm, weak ? nv : ESYS_TR_RH_OWNER, nv, session, data, sizeof(data), &got);
	if (cv_rc(rc) == TPM2_RC_NV_UNINITIALIZED) {
		snprintf(err, errlen, "the log's NV counter 0x%08x was never incremented: the log's creation was "
			 "interrupted", index);
		ret = CV_SEAL_ENO_NV;
		goto out;
	}
	if (rc != TSS2_RC_SUCCESS) {
		ret = cv_tpm_error(err, errlen, "reading the log's NV counter (TPM2_NV_Read)", rc);
		goto out;
	}
	if (got != 8) {
		snprintf(err, errlen, "the log's NV counter 0x%08x returned %u bytes instead of 8: the TPM is faulty",
			 index, got);
		ret = CV_SEAL_EFAIL;
		goto out;
	}
	*value = 0;
	for (i = 0; i < 8; i++)
		*value = *value << 8 | data[i];
out:
	cv_flush(tpm, &session);
	cv_flush(tpm, &primary);
	Esys_TR_Close(tpm->esys, &nv);
	return ret;
}

/* Defines the counter at the first free index from CV_LOGNV_FIRST, with authValue auth sent encrypted in session. */
static int cv_lognv_define_in(struct cv_tpm *tpm, ESYS_TR session, const TPM2B_AUTH *auth, uint32_t *index,
			      char *err, size_t errlen)
{
	const struct cv_nv_template t = {
		.first = CV_LOGNV_RANGE,
		.span = CV_LOGNV_LAST - CV_LOGNV_RANGE + 1,
		.start = CV_LOGNV_FIRST - CV_LOGNV_RANGE,
		.attributes = CV_LOGNV_ATTRS,
		.policy = NULL,
		.size = 8,
		.what = CV_LOGNV_WHAT,
		.hint = "remove NV indices you no longer need ('tpm2_getcap handles-nv-index')",
	};
	ESYS_TR nv = ESYS_TR_NONE;
	int ret = cv_nv_alloc(tpm, session, &t, auth, &nv, index, err, errlen);

	cv_forget_auth(tpm, nv);	/* ESAPI's copy */
	if (nv != ESYS_TR_NONE)
		Esys_TR_Close(tpm->esys, &nv);
	return ret;
}

int cv_lognv_define(struct cv_tpm *tpm, uint32_t *index, uint8_t auth_out[CV_LOGNV_AUTH_BYTES], char *err,
		    size_t errlen)
{
	ESYS_TR primary = ESYS_TR_NONE, session = ESYS_TR_NONE;
	TPM2B_AUTH auth = { .size = CV_LOGNV_AUTH_BYTES };
	CV_CLEANUP_ERASE(auth);
	uint32_t idx = 0;
	int ret;

	randombytes_buf(auth.buffer, CV_LOGNV_AUTH_BYTES);
	/* The authValue goes to the TPM encrypted, in a session salted with the storage primary. */
	ret = cv_salted_session(tpm, &primary, &session, err, errlen);
	if (!ret)
		ret = cv_lognv_define_in(tpm, session, &auth, &idx, err, errlen);
	cv_flush(tpm, &session);
	cv_flush(tpm, &primary);
	if (!ret) {
		/* A counter has no value until its first increment (TPM2_RC_NV_UNINITIALIZED). */
		ret = cv_lognv_increment(tpm, idx, auth.buffer, auth.size, err, errlen);
		if (ret)
			cv_lognv_undefine(tpm, idx, err + strlen(err), errlen - strlen(err));
	}
	if (!ret) {
		memcpy(auth_out, auth.buffer, CV_LOGNV_AUTH_BYTES);
		*index = idx;
	}
	return ret;
}

int cv_lognv_undefine(struct cv_tpm *tpm, uint32_t index, char *err, size_t errlen)
{
	ESYS_TR nv;
	int weak, ret = cv_lognv_open(tpm, index, &nv, &weak, err, errlen);

	if (!ret)
		ret = cv_nv_undefine(tpm, &nv, index, CV_LOGNV_WHAT, err, errlen);
	if (nv != ESYS_TR_NONE)
		Esys_TR_Close(tpm->esys, &nv);
	return ret;
}
