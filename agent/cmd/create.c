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

#include "cmd/args.h"
#include "cmd/create.h"
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

int cv_create_parse_args(int argc, char **argv, struct cv_vault_params *out, char *err, size_t errlen)
{
	static const char *const opts[] = { "--backing", "--key-file", "--cipher", "--sector-size" };
	const char *values[4] = { NULL };
	const char *name = NULL;
	int i;

	memset(out, 0, sizeof(*out));
	/* --help anywhere wins over whatever else is wrong. */
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			out->help = true;
			return 0;
		}
	for (i = 1; i < argc; i++) {
		const char *value = NULL;
		size_t o;

		if (!strcmp(argv[i], "--allow-discards")) {
			out->allow_discards = true;
			continue;
		}
		for (o = 0; o < 4; o++)
			if (cv_option(argc, argv, &i, opts[o], &value))
				break;
		if (o < 4) {
			if (!value || !value[0]) {
				snprintf(err, errlen, "%s needs a value: see 'camvault help create'", opts[o]);
				return -1;
			}
			if (values[o]) {
				snprintf(err, errlen, "%s given twice ('%s' and '%s')", opts[o], values[o], value);
				return -1;
			}
			values[o] = value;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			snprintf(err, errlen, "unknown option '%s': see 'camvault help create'", argv[i]);
			return -1;
		} else if (name) {
			snprintf(err, errlen, "unexpected argument '%s' (the vault's name is '%s'): see 'camvault "
				 "help create'", argv[i], name);
			return -1;
		} else {
			name = argv[i];
		}
	}

	if (!name) {
		snprintf(err, errlen, "missing the vault's NAME: camvault create NAME --backing FILE|DEV "
			 "--key-file FILE");
		return -1;
	}
	if (cv_vault_name_check(name, err, errlen))
		return -1;
	if (!values[0]) {
		snprintf(err, errlen, "missing --backing FILE|DEV: the image file or block device to hold vault "
			 "%s", name);
		return -1;
	}
	if (!values[1]) {
		snprintf(err, errlen, "missing --key-file FILE: the file with vault %s's raw key", name);
		return -1;
	}
	out->cipher = cv_cipher_find(values[2] ? values[2] : "aes-xts");
	if (!out->cipher) {
		snprintf(err, errlen, "unknown cipher '%s': use aes-xts or adiantum", values[2]);
		return -1;
	}
	if (!values[3] || !strcmp(values[3], "512")) {
		out->sector_size = 512;
	} else if (!strcmp(values[3], "4096")) {
		out->sector_size = 4096;
	} else {
		snprintf(err, errlen, "--sector-size must be 512 or 4096, not '%s'", values[3]);
		return -1;
	}
	out->name = name;
	out->backing = values[0];
	out->key_file = values[1];
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
		return 1;
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
