// SPDX-License-Identifier: GPL-2.0
/*
 * camvault lock NAME: asks camvault.ko to wipe the key of the vault NAME (CAMVAULT_CMD_LOCK). From then on
 * every read and write of the vault fails with EIO, until it is closed and opened again.
 * Needs CAP_SYS_ADMIN.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "ipc.h"

#define CV_ERRLEN 512

int cmd_lock(int argc, char **argv)
{
	char err[CV_ERRLEN];
	struct cv_ipc ipc;
	const char *name;
	int ret;

	if (cv_parse_name_arg(argc, argv, &name))
		return 1;
	if (!name) {
		printf("Usage: camvault lock NAME\n\n"
		       "Wipes the key of the vault NAME from the kernel: every later read or write of\n"
		       "/dev/mapper/NAME fails (I/O error) until the vault is closed and opened again.\n"
		       "Needs root (CAP_SYS_ADMIN).\n");
		return 0;
	}
	ret = cv_ipc_open(&ipc, err, sizeof(err));
	if (!ret) {
		ret = cv_ipc_lock(&ipc, name, err, sizeof(err));
		cv_ipc_close(&ipc);
	}
	if (ret) {
		fprintf(stderr, "camvault: %s\n", err);
		return 1;
	}
	return 0;
}
