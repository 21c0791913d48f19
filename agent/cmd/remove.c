// SPDX-License-Identifier: GPL-2.0
/*
 * camvault remove NAME: removes the vault NAME, the device-mapper device that "camvault create" made, with its
 * /dev/mapper node. The loop device under an image goes away with it (it was attached with autoclear).
 * Refuses a device-mapper device of another target than camvault: that is dmsetup's business.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "uapi/camvault.h"
#include "util/opts.h"
#include "vault/dm.h"
#include "vault/vault.h"

int cv_vault_remove(const char *name, char *err, size_t errlen)
{
	char type[64];
	int ret;

	if (cv_dm_name_check(name, err, errlen))
		return -1;
	ret = cv_dm_target_type(name, type, sizeof(type), err, errlen);
	if (ret && ret != -EMLINK)
		return -1;
	if (ret || strcmp(type, CAMVAULT_TARGET_NAME)) {
		char why[96];

		if (ret)
			snprintf(why, sizeof(why), "its table has targets of several types");
		else if (!type[0])
			snprintf(why, sizeof(why), "it has no live table");
		else
			snprintf(why, sizeof(why), "its table's target is '%s'", type);
		snprintf(err, errlen, "%s is not a camvault vault (%s): remove it with 'dmsetup remove %s'", name,
			 why, name);
		return -1;
	}
	return cv_dm_remove(name, err, errlen) ? -1 : 0;
}

static void cv_remove_usage(FILE *f)
{
	fprintf(f, "Usage: camvault remove NAME\n\n"
		"A testing command: removes the vault NAME (the device /dev/mapper/NAME) that 'camvault create'\n"
		"made, and the loop device of its image. Unmount it first. Only removes camvault vaults; other\n"
		"devices are dmsetup's.\n");
}

int cmd_remove(int argc, char **argv)
{
	char err[CV_ERRLEN];
	const char *name;
	int ret = cv_opts_name_only(argc, argv, &name, cv_remove_usage);

	if (ret >= 0)
		return ret;
	if (cv_vault_remove(name, err, sizeof(err))) {
		fprintf(stderr, "camvault: %s\n", err);
		return CV_EXIT_FAIL;
	}
	return 0;
}
