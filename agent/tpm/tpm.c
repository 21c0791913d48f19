// SPDX-License-Identifier: GPL-2.0
/*
 * The TPM, through tpm2-tss's ESAPI and TCTI loader.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_rc.h>
#include <tss2/tss2_sys.h>
#include <tss2/tss2_tctildr.h>

#include "tpm/tpm.h"

/* Where the TPM was looked for, for messages. */
static const char *cv_tpm_where(const struct cv_tpm *tpm)
{
	return tpm->tcti_conf ? tpm->tcti_conf : "tpm2-tss's default TCTI search";
}

int cv_tpm_open(struct cv_tpm *tpm, char *err, size_t errlen)
{
	const char *conf = getenv(CV_TPM_ENV);
	TSS2_RC rc;

	/*
	 * tpm2-tss logs every failed TCTI it tries to stderr; the error below says it in one line. Whoever
	 * wants the details sets TSS2_LOG themselves (for example TSS2_LOG=all+debug).
	 */
	setenv("TSS2_LOG", "all+NONE", 0);

	tpm->tcti = NULL;
	tpm->esys = NULL;
	tpm->tcti_conf = conf && *conf ? conf : NULL;
	rc = Tss2_TctiLdr_Initialize(tpm->tcti_conf, &tpm->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		if (tpm->tcti_conf)
			snprintf(err, errlen, "no TPM reachable through %s='%s' (%s): start that TPM, or correct "
				 "%s (e.g. device:/dev/tpmrm0 or swtpm:host=127.0.0.1,port=2321)", CV_TPM_ENV,
				 tpm->tcti_conf, Tss2_RC_Decode(rc), CV_TPM_ENV);
		else
			snprintf(err, errlen, "no TPM found by %s (%s): add a TPM 2.0 module (on a Raspberry Pi an "
				 "SLB9670 with 'dtoverlay=tpm-slb9670' in config.txt) and load its driver (tpm_tis_spi, "
				 "tpm_tis or tpm_crb), or point %s at one (e.g. swtpm:host=127.0.0.1,port=2321)",
				 cv_tpm_where(tpm), Tss2_RC_Decode(rc), CV_TPM_ENV);
		tpm->tcti = NULL;
		return -1;
	}
	rc = Esys_Initialize(&tpm->esys, tpm->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		snprintf(err, errlen, "cannot start an ESAPI session with the TPM at %s (%s): check that nothing "
			 "else holds it open (use /dev/tpmrm0 rather than /dev/tpm0)", cv_tpm_where(tpm),
			 Tss2_RC_Decode(rc));
		Tss2_TctiLdr_Finalize(&tpm->tcti);
		return -1;
	}
	return 0;
}

/*
 * Wipes the stack below its caller, where the functions it called (ESAPI's, OpenSSL's) left their locals: a
 * response parameter ESAPI decrypted, the session key it derived for it. Not inlined, so that its array lies
 * below the caller's frame; deeper than ESAPI goes.
 */
#define CV_STACK_BURN 32768
static __attribute__((noinline)) void cv_burn_stack(void)
{
	unsigned char burn[CV_STACK_BURN];

	explicit_bzero(burn, sizeof(burn));
	__asm__ __volatile__("" : : "r"(burn) : "memory");
}

void cv_tpm_scrub(struct cv_tpm *tpm, TSS2_RC rc)
{
	TSS2_SYS_CONTEXT *sys = NULL;
	const uint8_t *p = NULL;
	size_t len = 0;

	/*
	 * The response's parameter area: SAPI hands it out read-only, but it is the context's own heap buffer.
	 * Only after a command that succeeded: a failed one returned no parameters, and SAPI computes the area
	 * of an error response (a bare header) as if it had them. A successful response was unmarshalled
	 * whole, so its parameters lie within the buffer, whose size is the largest command's.
	 */
	if (rc == TSS2_RC_SUCCESS && tpm->esys && Esys_GetSysContext(tpm->esys, &sys) == TSS2_RC_SUCCESS && sys &&
	    Tss2_Sys_GetRpBuffer(sys, &len, &p) == TSS2_RC_SUCCESS && p && len <= TPM2_MAX_COMMAND_SIZE)
		explicit_bzero((void *)(uintptr_t)p, len);
	cv_burn_stack();
}

void cv_tpm_close(struct cv_tpm *tpm)
{
	if (tpm->esys)
		Esys_Finalize(&tpm->esys);
	if (tpm->tcti)
		Tss2_TctiLdr_Finalize(&tpm->tcti);
}

/* TPM2_PT_MANUFACTURER is 4 ASCII characters, most significant byte first ("IBM\0"). */
static void cv_tpm_vendor(uint32_t v, char out[5])
{
	int n;

	/* Up to the first byte that is not printable, then without trailing spaces. */
	for (n = 0; n < 4; n++) {
		char c = (char)(v >> (24 - 8 * n));

		if (c < 0x20 || c > 0x7e)
			break;
		out[n] = c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

int cv_tpm_get_info(struct cv_tpm *tpm, struct cv_tpm_info *info, char *err, size_t errlen)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;
	UINT32 i;

	rc = Esys_GetCapability(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_TPM_PROPERTIES,
				TPM2_PT_MANUFACTURER, TPM2_PT_FIRMWARE_VERSION_2 - TPM2_PT_MANUFACTURER + 1, &more,
				&cap);
	if (rc == TPM2_RC_INITIALIZE) {
		snprintf(err, errlen, "the TPM at %s was never started (TPM2_Startup): run 'tpm2_startup -c', or "
			 "start swtpm with --flags startup-clear", cv_tpm_where(tpm));
		return -1;
	}
	if (rc != TSS2_RC_SUCCESS) {
		snprintf(err, errlen, "the TPM at %s does not answer TPM2_GetCapability (%s): check that it is a "
			 "TPM 2.0 and that it is not in failure mode", cv_tpm_where(tpm), Tss2_RC_Decode(rc));
		return -1;
	}

	memset(info, 0, sizeof(*info));
	for (i = 0; i < cap->data.tpmProperties.count; i++) {
		const TPMS_TAGGED_PROPERTY *p = &cap->data.tpmProperties.tpmProperty[i];

		if (p->property == TPM2_PT_MANUFACTURER)
			cv_tpm_vendor(p->value, info->manufacturer);
		else if (p->property == TPM2_PT_FIRMWARE_VERSION_1)
			info->firmware1 = p->value;
		else if (p->property == TPM2_PT_FIRMWARE_VERSION_2)
			info->firmware2 = p->value;
	}
	Esys_Free(cap);
	if (!info->manufacturer[0]) {
		snprintf(err, errlen, "the TPM at %s reports no TPM2_PT_MANUFACTURER: it is not a TPM 2.0 "
			 "following the specification", cv_tpm_where(tpm));
		return -1;
	}
	return 0;
}

int cv_tpm_probe(struct cv_tpm_info *info, char *err, size_t errlen)
{
	struct cv_tpm tpm;
	int ret;

	if (cv_tpm_open(&tpm, err, errlen) < 0)
		return -1;
	ret = cv_tpm_get_info(&tpm, info, err, errlen);
	cv_tpm_close(&tpm);
	return ret;
}
