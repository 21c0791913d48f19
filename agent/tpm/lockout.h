/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TPM's dictionary-attack protection: its state, and its lockout authorization, which clears a lockout
 * (TPM2_DictionaryAttackLockReset) and so decides how many PINs can be tried. TPMs come with it empty: anyone
 * with TPM access may clear the lockout and keep guessing. 'camvault init --pin' sets a random one when it is
 * still empty: CV_LOCKOUT_TEXT - 1 hex characters, the authValue being those characters
 * (tpm2_dictionarylockout -c -p <text> takes it as typed). It prints it with the recovery key, or, with
 * --no-recovery, keeps it in cv_lockout_path() (0600): root-only, which stops the tss group but not root.
 *
 * Failing functions write one sentence into err and return a CV_SEAL_E* code (tpm2-util.h).
 */
#ifndef CV_TPM_LOCKOUT_H
#define CV_TPM_LOCKOUT_H

#include <stddef.h>
#include <stdint.h>

#include "tpm/tpm.h"
#include "util/paths.h"

#define CV_LOCKOUT_TEXT		33		/* 32 hex characters (128 bits) and a NUL */
#define CV_LOCKOUT_FILE		"tpm-lockout-auth"
#define CV_LOCKOUT_WHERE	1024		/* cv_lockout_where()'s buffer */

/* The dictionary-attack state: failed tries so far, the maximum, and the recovery time in seconds. */
int cv_tpm_da_state(struct cv_tpm *tpm, uint32_t *failed, uint32_t *max, uint32_t *recovery_s, char *err,
		    size_t errlen);

/* $CAMVAULT_ETC/tpm-lockout-auth or /etc/camvault/tpm-lockout-auth into buf; NULL if too long. */
const char *cv_lockout_path(char *buf, size_t len);

/* Where the lockout authorization camvault sets is kept, as a clause for messages, into buf. */
const char *cv_lockout_where(char *buf, size_t len);

/* Whether the TPM's lockout authorization is set (TPMA_PERMANENT_LOCKOUTAUTHSET): *set 1 or 0. */
int cv_tpm_lockout_auth_set(struct cv_tpm *tpm, int *set, char *err, size_t errlen);

/*
 * Sets a random lockout authorization (the TPM's must be empty; it crosses the bus encrypted, in a session salted
 * with the storage primary) and returns it as text.
 */
int cv_tpm_lockout_take(struct cv_tpm *tpm, char text[CV_LOCKOUT_TEXT], char *err, size_t errlen);

#endif /* CV_TPM_LOCKOUT_H */
