// SPDX-License-Identifier: GPL-2.0
/*
 * camvault open NAME [--backing FILE|DEV] [--recovery] [--no-mount]
 * camvault close NAME
 * camvault lock NAME
 *
 * open: the vault's key from the TPM (or its recovery key) straight into the kernel: unseal, derive, check it
 * against the header, add it as a logon key, load the table, unlink the key, wipe every userspace copy (they
 * live in mlock'd, undumpable buffers). Then mount it where the registry says. close: unmount and remove; the
 * key leaves the kernel with the table.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>


#include "util/opts.h"
#include "vault/dm.h"
#include "vault/ipc.h"
#include "vault/vault.h"

static void cv_open_usage(FILE *f)
{
	fprintf(f, "Usage: camvault open NAME [--backing FILE|DEV] [--recovery] [--no-mount]\n\n"
		"Opens the vault NAME as /dev/mapper/NAME with the key its TPM releases, and mounts it where\n"
		"vaults.conf says.\n"
		"  --backing FILE|DEV  a vault that is not in vaults.conf (a copied image, another machine's disk)\n"
		"  --recovery          use the recovery key instead of the TPM (asked for, or CAMVAULT_RECOVERY_KEY)\n"
		"  --no-mount          do not mount it\n"
		"A vault with a PIN asks for it (or takes CAMVAULT_PIN).\n");
}

int cmd_open(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "backing", required_argument, NULL, 'b' },
		{ "recovery", no_argument, NULL, 'r' },
		{ "no-mount", no_argument, NULL, 'M' },
		CV_OPT_HELP,
		{ 0 }
	};
	struct cv_opts o = CV_OPTS("open", "", opts);
	const char *name, *backing = NULL;
	bool recovery = false, mount = true;
	struct cv_secret k = { 0 };
	struct cv_vault_entry e;
	char err[CV_ERRLEN];
	struct cv_header h;
	int ret;

	while ((ret = cv_opts_next(&o, argc, argv)) != -1) {
		switch (ret) {
		case 'b': backing = o.arg; break;
		case 'r': recovery = true; break;
		case 'M': mount = false; break;
		}
	}
	cv_opts_name(&o, argc, argv, &name, true);
	ret = cv_opts_exit(&o, cv_open_usage);
	if (ret >= 0)
		return ret;
	if (cv_vault_find(name, backing, &e, err, sizeof(err)))
		goto fail;
	ret = cv_dm_exists(name, NULL, err, sizeof(err));
	if (ret < 0)
		goto fail;
	if (ret) {
		printf("vault %s is open already: %s/%s\n", name, CV_DM_DIR, name);
		return 0;
	}
	if (cv_vault_header(&e, &h, err, sizeof(err)))
		goto fail;
	if (recovery)
		ret = cv_vault_key_from_recovery(&e, &h, &k, err, sizeof(err));
	else
		ret = cv_vault_key_from_tpm(&e, &h, &k, err, sizeof(err));
	if (ret)
		goto fail;
	ret = cv_vault_activate(&e, &h, &k, err, sizeof(err));
	/* The kernel has its copy; ours goes. */
	cv_secret_free(&k);
	if (ret)
		goto fail;
	if (mount && e.mountpoint[0]) {
		if (cv_vault_mount(&e, err, sizeof(err))) {
			fprintf(stderr, "camvault: %s\n", err);
			printf("vault %s open, not mounted: %s/%s\n", name, CV_DM_DIR, name);
			return 1;
		}
		printf("vault %s open: %s/%s, mounted on %s\n", name, CV_DM_DIR, name, e.mountpoint);
		return 0;
	}
	printf("vault %s open: %s/%s\n", name, CV_DM_DIR, name);
	return 0;

fail:
	fprintf(stderr, "camvault: %s\n", err);
	return 1;
}

static void cv_close_usage(FILE *f)
{
	fprintf(f, "Usage: camvault close NAME\n\n"
		"Unmounts the vault NAME and removes /dev/mapper/NAME: its key leaves the kernel. A busy\n"
		"mount is an error: stop what records there first.\n");
}

static void cv_lock_usage(FILE *f)
{
	fprintf(f, "Usage: camvault lock NAME\n\n"
		"Wipes the key of the vault NAME from the kernel: every later read or write of\n"
		"/dev/mapper/NAME fails (I/O error) until the vault is closed and opened again.\n"
		"Needs root (CAP_SYS_ADMIN).\n");
}

int cmd_close(int argc, char **argv)
{
	char err[CV_ERRLEN];
	const char *name;
	int ret = cv_opts_name_only(argc, argv, &name, cv_close_usage);

	if (ret >= 0)
		return ret;
	if (cv_vault_name_check(name, err, sizeof(err)) || cv_vault_stop(name, false, err, sizeof(err))) {
		fprintf(stderr, "camvault: %s\n", err);
		return CV_EXIT_FAIL;
	}
	printf("vault %s closed\n", name);
	return 0;
}

/*
 * lock: asks camvault.ko to wipe the key of the vault NAME (CAMVAULT_CMD_LOCK). From then on every read and
 * write of the vault fails with EIO, until it is closed and opened again. Needs CAP_SYS_ADMIN.
 */
int cmd_lock(int argc, char **argv)
{
	char err[CV_ERRLEN];
	struct cv_ipc ipc;
	const char *name;
	int ret;

	ret = cv_opts_name_only(argc, argv, &name, cv_lock_usage);
	if (ret >= 0)
		return ret;
	ret = cv_ipc_open(&ipc, err, sizeof(err));
	if (!ret) {
		ret = cv_ipc_lock(&ipc, name, err, sizeof(err));
		cv_ipc_close(&ipc);
	}
	if (ret) {
		fprintf(stderr, "camvault: %s\n", err);
		return CV_EXIT_FAIL;
	}
	return 0;
}
