// SPDX-License-Identifier: GPL-2.0
/*
 * camvault verify [--db FILE] [--pubkey FILE] [--no-tpm]: the command's options; cv_verify() (log/verify.c)
 * does the checking. The exit status says what was found (verify.h's CV_VERIFY_*).
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>

#include "cmd/args.h"
#include "log/log.h"
#include "log/verify.h"

static void cv_verify_usage(FILE *f)
{
	fprintf(f, "Usage: camvault verify [--db FILE] [--pubkey FILE] [--no-tpm]\n\n"
		"Checks the access log (default $%s or %s): recomputes its hash chain row by row, checks every\n"
		"checkpoint's signature, and that the TPM's counter matches the last checkpoint. Says in one sentence\n"
		"each what was altered, deleted, inserted, reordered or truncated, and where.\n\n"
		"  --pubkey FILE  check the signatures with the owner's copy of the key ('camvault key export'),\n"
		"                 not with the key stored in the log: only this proves the log was not rewritten\n"
		"  --no-tpm       do not ask the TPM (a copy of the log on another machine)\n\n"
		"Exit status: 0 intact; 1 usage or unreadable log; 2 a row altered (or rows rewritten); 3 rows deleted\n"
		"or inserted; 4 rows or checkpoints reordered; 5 truncated (rows or checkpoints removed at the end,\n"
		"or checkpoints removed); 6 a bad signature, or not the owner's key.\n", CV_DB_ENV, CV_DB_PATH);
}

int cmd_verify(int argc, char **argv)
{
	struct cv_verify_opts o = { 0 };
	const char *val;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cv_verify_usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--no-tpm")) {
			o.no_tpm = 1;
		} else if (cv_option(argc, argv, &i, "--db", &val)) {
			if (!val || !*val)
				goto needs_file;
			o.db = val;
		} else if (cv_option(argc, argv, &i, "--pubkey", &val)) {
			if (!val || !*val)
				goto needs_file;
			o.pubkey = val;
		} else {
			fprintf(stderr, "camvault verify: unknown argument '%s': see 'camvault verify --help'\n",
				argv[i]);
			return CV_VERIFY_EUSAGE;
		}
	}
	return cv_verify(&o, stdout, stderr);
needs_file:
	fprintf(stderr, "camvault verify: --db and --pubkey need a file: see 'camvault verify --help'\n");
	return CV_VERIFY_EUSAGE;
}
