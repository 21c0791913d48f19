// SPDX-License-Identifier: GPL-2.0
/*
 * camvault create NAME --backing FILE|DEV --key-file FILE [--cipher aes-xts|adiantum] [--sector-size 512|4096]
 *                 [--allow-discards]
 *
 * A testing command: makes the vault NAME, the device-mapper device /dev/mapper/NAME of target camvault over
 * the backing store, with a raw key from a file (device.c's cv_vault_start() does the work: the key into
 * locked memory, then into the kernel, and wiped). On success the one line on stdout is the device's path,
 * /dev/mapper/NAME.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>

#include "cmd/create.h"
#include "util/opts.h"
#include "vault/device.h"
#include "vault/dm.h"
#include "vault/registry.h"
#include "vault/secret.h"

#define CV_ERRLEN 768

static void cv_create_usage(FILE *f)
{
	fprintf(f, "Usage: camvault create NAME --backing FILE|DEV --key-file FILE [--cipher aes-xts|adiantum]\n"
		"                       [--sector-size 512|4096] [--allow-discards]\n\n"
		"Creates the vault NAME, the device /dev/mapper/NAME, which encrypts into the backing image file\n"
		"(through a loop device) or block device with the raw key in the key file, and prints its path.\n"
		"  --backing FILE|DEV  what holds the vault, all of it; its size a multiple of the sector size\n"
		"  --key-file FILE     the raw key: 64 bytes for aes-xts (AES-256-XTS), 32 for adiantum\n"
		"  --cipher C          aes-xts (aes-xts-plain64, the default), or adiantum\n"
		"                      (xchacha12,aes-adiantum-plain64: fast on CPUs without AES instructions)\n"
		"  --sector-size N     the encryption sector, 512 (the default) or 4096 bytes\n"
		"  --allow-discards    pass discards (TRIM) down to the backing store (it then shows which\n"
		"                      sectors are unused)\n");
}

/* Keeps value in *slot, once. */
static void cv_create_once(struct cv_opts *o, const char **slot)
{
	if (*slot)
		cv_opts_fail(o, "%s given twice ('%s' and '%s')", o->name, *slot, o->arg);
	*slot = o->arg;
}

int cv_create_parse_args(int argc, char **argv, struct cv_vault_params *out, char *err, size_t errlen)
{
	static const struct option opts[] = {
		{ "backing", required_argument, NULL, 'b' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "cipher", required_argument, NULL, 'c' },
		{ "sector-size", required_argument, NULL, 's' },
		{ "allow-discards", no_argument, NULL, 'D' },
		CV_OPT_HELP,
		{ 0 }
	};
	struct cv_opts o = CV_OPTS("create", "", opts);
	const char *cipher = NULL, *sector = NULL;
	int c;

	memset(out, 0, sizeof(*out));
	o.synopsis = "NAME --backing FILE|DEV --key-file FILE";
	while ((c = cv_opts_next(&o, argc, argv)) != -1) {
		switch (c) {
		case 'b': cv_create_once(&o, &out->backing); break;
		case 'k': cv_create_once(&o, &out->key_file); break;
		case 'c': cv_create_once(&o, &cipher); break;
		case 's': cv_create_once(&o, &sector); break;
		case 'D': out->allow_discards = true; break;
		}
	}
	cv_opts_name(&o, argc, argv, &out->name, true);
	out->help = o.help;
	if (o.help || o.err[0]) {
		snprintf(err, errlen, "%s", o.err);
		return o.help ? 0 : -1;
	}
	if (cv_vault_name_check(out->name, err, errlen))
		return -1;
	if (!out->backing) {
		snprintf(err, errlen, "missing --backing FILE|DEV: the image file or block device to hold vault "
			 "%s", out->name);
		return -1;
	}
	if (!out->key_file) {
		snprintf(err, errlen, "missing --key-file FILE: the file with vault %s's raw key", out->name);
		return -1;
	}
	out->cipher = cv_cipher_find(cipher ? cipher : "aes-xts");
	if (!out->cipher) {
		snprintf(err, errlen, "unknown cipher '%s': use aes-xts or adiantum", cipher);
		return -1;
	}
	if (!sector || !strcmp(sector, "512")) {
		out->sector_size = 512;
	} else if (!strcmp(sector, "4096")) {
		out->sector_size = 4096;
	} else {
		snprintf(err, errlen, "--sector-size must be 512 or 4096, not '%s'", sector);
		return -1;
	}
	return 0;
}

int cmd_create(int argc, char **argv)
{
	struct cv_secret key = { 0 };
	struct cv_vault_params a;
	char err[CV_ERRLEN];
	int ret;

	if (cv_create_parse_args(argc, argv, &a, err, sizeof(err))) {
		fprintf(stderr, "camvault create: %s\n", err);
		return CV_EXIT_USAGE;
	}
	if (a.help) {
		cv_create_usage(stdout);
		return 0;
	}
	if (cv_secret_read(&key, a.key_file, a.cipher, err, sizeof(err))) {
		fprintf(stderr, "camvault: %s\n", err);
		return 1;
	}
	ret = cv_vault_start(&a, &key, err, sizeof(err));
	cv_secret_free(&key);
	if (ret) {
		fprintf(stderr, "camvault: %s\n", err);
		return 1;
	}
	printf("%s/%s\n", CV_DM_DIR, a.name);
	return 0;
}
