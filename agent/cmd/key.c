// SPDX-License-Identifier: GPL-2.0
/*
 * camvault key export [-o FILE] [--db FILE]: writes the access log's signing key, the public part, as PEM
 * (SubjectPublicKeyInfo), for the owner to keep elsewhere: "camvault verify --pubkey FILE" then proves that
 * the checkpoints were signed by this machine's TPM key, and not by a key someone put in the log instead.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log/log.h"
#include "log/logsig.h"
#include "util/opts.h"

static void cv_key_usage(FILE *f)
{
	fprintf(f, "Usage: camvault key export [-o FILE] [--db FILE]\n\n"
		"Writes the public key that signs the access log's checkpoints (a TPM-resident ECDSA P-256 key) as\n"
		"PEM, to FILE or standard output, and its fingerprint to standard error. Keep it off this machine;\n"
		"'camvault verify --pubkey FILE' checks the log against it.\n");
}

static int cv_key_export(const char *db, const char *outpath)
{
	uint8_t spki[CV_SPKI_MAX], fpr[32];
	char err[768], fp[48];
	struct cv_log log;
	size_t spki_len;
	FILE *f = stdout;
	int ret;

	if (cv_log_open_ro(&log, db, err, sizeof(err))) {
		fprintf(stderr, "camvault: %s\n", err);
		return 1;
	}
	ret = cv_logsig_spki(log.key.pub, log.key.pub_len, spki, &spki_len, err, sizeof(err));
	cv_log_close(&log, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "camvault: %s\n", err);
		return 1;
	}
	if (outpath) {
		f = fopen(outpath, "w");
		if (!f) {
			fprintf(stderr, "camvault: cannot write %s (%s): give a writable path to -o\n", outpath,
				strerror(errno));
			return 1;
		}
	}
	ret = cv_logsig_write_pem(spki, spki_len, f);
	if (outpath && fclose(f))
		ret = -1;
	if (ret) {
		fprintf(stderr, "camvault: writing the key to %s failed: check the disk\n", outpath ? outpath :
			"standard output");
		return 1;
	}
	cv_logsig_fpr(spki, spki_len, fpr);
	cv_logsig_fpr_text(fpr, fp, sizeof(fp));
	fprintf(stderr, "access log key %s%s%s\n", fp, outpath ? " written to " : "", outpath ? outpath : "");
	return 0;
}

int cmd_key(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "db", required_argument, NULL, 'd' },
		CV_OPT_HELP,
		{ 0 }
	};
	struct cv_opts o = CV_OPTS("key export", "o:", opts);
	bool export = argc >= 2 && !strcmp(argv[1], "export");
	const char *out = NULL, *db = NULL;
	int c;

	if (!export && argc >= 2 && argv[1][0] != '-') {
		fprintf(stderr, "camvault key: unknown subcommand '%s': the only one is 'export'\n", argv[1]);
		return CV_EXIT_USAGE;
	}
	if (export) {
		argc--;
		argv++;
	}
	while ((c = cv_opts_next(&o, argc, argv)) != -1) {
		switch (c) {
		case 'o': out = o.arg; break;
		case 'd': db = o.arg; break;
		}
	}
	cv_opts_name(&o, argc, argv, NULL, false);
	if (!export) {
		o.cmd = "key";
		cv_opts_fail(&o, "missing the subcommand: 'camvault key export [-o FILE] [--db FILE]'");
	}
	c = cv_opts_exit(&o, cv_key_usage);
	return c >= 0 ? c : cv_key_export(db, out);
}
