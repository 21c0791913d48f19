// SPDX-License-Identifier: GPL-2.0
/*
 * The TPM's dictionary-attack state and its lockout authorization: lockout.h says what and why.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_rc.h>

#include "tpm/lockout.h"
#include "tpm/tpm2-util.h"

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
	TPM2B_AUTH auth = { .size = CV_LOCKOUT_TEXT - 1 };
	CV_CLEANUP_ERASE(auth);
	unsigned char raw[(CV_LOCKOUT_TEXT - 1) / 2];
	CV_CLEANUP_ERASE(raw);
	TSS2_RC rc;
	size_t i;
	int ret;

	text[0] = '\0';
	ret = cv_tpm_random(tpm, raw, sizeof(raw), err, errlen);
	if (ret)
		goto out;
	/* The authValue is the text itself, so that 'tpm2_dictionarylockout -c -p <text>' takes it as typed. */
	for (i = 0; i < sizeof(raw); i++) {
		auth.buffer[2 * i] = (BYTE)hex[raw[i] >> 4];
		auth.buffer[2 * i + 1] = (BYTE)hex[raw[i] & 15];
	}
	/* The new authValue crosses the bus encrypted, in a session salted with the storage primary. */
	ret = cv_salted_session(tpm, &primary, &session, err, errlen);
	if (!ret)
		ret = cv_session_crypt(tpm, session, TPMA_SESSION_DECRYPT, err, errlen);
	if (ret)
		goto out;
	rc = Esys_HierarchyChangeAuth(tpm->esys, ESYS_TR_RH_LOCKOUT, session, ESYS_TR_NONE, ESYS_TR_NONE, &auth);
	cv_tpm_scrub(tpm, rc);
	cv_forget_auth(tpm, ESYS_TR_RH_LOCKOUT);	/* ESAPI keeps the new one otherwise */
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
	cv_flush(tpm, &session);
	cv_flush(tpm, &primary);
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
