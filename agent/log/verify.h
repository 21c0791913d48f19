/* SPDX-License-Identifier: GPL-2.0 */
/*
 * camvault verify: checks an access log (log.h) row by row and checkpoint by checkpoint, and says in one
 * sentence each what was found where. Its exit status says the first thing found, in row order:
 */
#ifndef CV_VERIFY_H
#define CV_VERIFY_H

#include <stdio.h>

enum cv_verify_status {
	CV_VERIFY_OK = 0,		/* chain, checkpoints, signatures and (with the TPM) counter all agree */
	CV_VERIFY_EUSAGE = 1,		/* the log cannot be read: nothing was verified (usage errors: CV_EXIT_USAGE) */
	CV_VERIFY_ALTERED = 2,		/* a row's contents, link or query columns changed; or rows rewritten */
	CV_VERIFY_DELETED = 3,		/* rows deleted (ids not contiguous, or the chain skips) or inserted */
	CV_VERIFY_REORDERED = 4,	/* rows or checkpoints moved: each is genuine, but not where it was logged */
	CV_VERIFY_TRUNCATED = 5,	/* rows or checkpoints removed at the end, or checkpoints removed anywhere */
	CV_VERIFY_BADSIG = 6,		/* a checkpoint's signature fails, or the key is not the owner's */
};

struct cv_verify_opts {
	const char *db;			/* NULL: cv_db_path() */
	const char *pubkey;		/* the owner's PEM copy of the key; NULL: the key stored in the log */
	int no_tpm;			/* do not ask the TPM for its counter */
};

/* Verifies, writing findings and the verdict to out and errors to errf; returns an enum cv_verify_status. */
int cv_verify(const struct cv_verify_opts *o, FILE *out, FILE *errf);

#endif /* CV_VERIFY_H */
