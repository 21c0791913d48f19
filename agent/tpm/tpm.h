/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TPM, through tpm2-tss's ESAPI.
 *
 * Which TPM: the TCTI configuration string in the environment variable CAMVAULT_TCTI when set (for example
 * "device:/dev/tpmrm0" or "swtpm:host=127.0.0.1,port=2321"), else tpm2-tss's default search
 * (Tss2_TctiLdr_Initialize(NULL)). Failing functions write one sentence into err naming what failed and the
 * fix, without the "camvault: " prefix.
 */
#ifndef CV_TPM_H
#define CV_TPM_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#define CV_TPM_ENV "CAMVAULT_TCTI"

struct cv_tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	const char *tcti_conf;		/* CAMVAULT_TCTI, or NULL for the default search */
};

struct cv_tpm_info {
	char manufacturer[5];		/* TPM2_PT_MANUFACTURER: 4 ASCII characters, trailing NULs and spaces cut */
	uint32_t firmware1;		/* TPM2_PT_FIRMWARE_VERSION_1: major << 16 | minor, by convention */
	uint32_t firmware2;		/* TPM2_PT_FIRMWARE_VERSION_2: vendor-specific */
};

/* Opens the TPM. Returns 0 or -1; on failure, tpm needs no cv_tpm_close(). */
int cv_tpm_open(struct cv_tpm *tpm, char *err, size_t errlen);
void cv_tpm_close(struct cv_tpm *tpm);

/* Reads the manufacturer and the firmware version. Returns 0 or -1. */
int cv_tpm_get_info(struct cv_tpm *tpm, struct cv_tpm_info *info, char *err, size_t errlen);

/*
 * Wipes what tpm2-tss keeps of the last command and its response: call it right after a command whose
 * parameters were secret (TPM2_Unseal, TPM2_NV_Read of a vault's N, TPM2_GetRandom of key material), with
 * what that command returned. ESAPI unmarshals every response (decrypted in place when the session encrypts
 * it) in its SAPI context's one buffer, which it reuses and at last frees without wiping, and decrypts on the
 * stack first. This wipes the response's parameters in that buffer (when rc is success: a failed command
 * returned none), and the stack below the caller.
 */
void cv_tpm_scrub(struct cv_tpm *tpm, TSS2_RC rc);

/* cv_tpm_open(), cv_tpm_get_info(), cv_tpm_close(): what "camvault status" shows. Returns 0 or -1. */
int cv_tpm_probe(struct cv_tpm_info *info, char *err, size_t errlen);

#endif /* CV_TPM_H */
