// SPDX-License-Identifier: GPL-2.0
/*
 * camvault verify [--db FILE] [--pubkey FILE] [--no-tpm]: the command's options; cv_verify() (log/verify.c)
 * does the checking. The exit status says what was found (verify.h's CV_VERIFY_*).
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>

#include "log/log.h"
#include "log/verify.h"
#include "util/opts.h"

static void cv_verify_usage(FILE *f)
{
	fprintf(f, "Usage: camvault verify [--db FILE] [--pubkey FILE] [--no-tpm]\n\n"
		"Checks the access log (default $%s or %s): recomputes its hash chain row by row, checks every\n"
		"checkpoint's signature, and that the TPM's counter matches the last checkpoint. Says in one sentence\n"
		"each what was altered, deleted, inserted, reordered or truncated, and where.\n\n"
		"  --pubkey FILE  check the signatures with the owner's copy of the key ('camvault key export'),\n"
		"                 not with the key stored in the log: only this proves the log was not rewritten\n"
		"  --no-tpm       do not ask the TPM (a copy of the log on another machine)\n\n"
		"Exit status: 0 intact; 1 unreadable log; 2 a row altered (or rows rewritten); 3 rows deleted or\n"
		"inserted; 4 rows or checkpoints reordered; 5 truncated (rows or checkpoints removed at the end, or\n"
		"checkpoints removed); 6 a bad signature, or not the owner's key; 64 a usage error.\n", CV_DB_ENV, CV_DB_PATH);
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "pubkey", required_argument, NULL, 'k' },
		{ "no-tpm", no_argument, NULL, 'T' },
		CV_OPT_HELP,
		{ 0 }
	};
	struct cv_opts o = CV_OPTS("verify", "", opts);
	struct cv_verify_opts v = { 0 };
	int c;

	while ((c = cv_opts_next(&o, argc, argv)) != -1) {
		switch (c) {
		case 'd': v.db = o.arg; break;
		case 'k': v.pubkey = o.arg; break;
		case 'T': v.no_tpm = 1; break;
		}
	}
	cv_opts_name(&o, argc, argv, NULL, false);
	c = cv_opts_exit(&o, cv_verify_usage);
	return c >= 0 ? c : cv_verify(&v, stdout, stderr);
}
