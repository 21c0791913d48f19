// SPDX-License-Identifier: GPL-2.0
/*
 * camvault shred NAME [--backing FILE|DEV] [--yes]
 *
 * Makes a vault's footage unrecoverable through its TPM: destroys the TPM NV secret that every copy of the
 * header needs (copies made earlier, blocks the SD card's wear levelling kept), overwrites the header area of
 * the store, and takes the vault out of the registry. Then says exactly what remains: with a recovery slot, a
 * copy of the header made before now still opens with the recovery key.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/erase.h"
#include "util/opts.h"
#include "vault/seal.h"
#include "vault/vault.h"

static void cv_shred_usage(FILE *f)
{
	fprintf(f, "Usage: camvault shred NAME [--backing FILE|DEV] [--yes]\n\n"
		"Destroys vault NAME's key: its TPM secret and its header. It asks you to type the name, unless\n"
		"--yes. The vault is closed first (a busy mount is an error).\n"
		"  --backing FILE|DEV  a vault that is not in vaults.conf\n");
}

/* The person types the vault's name to go on. */
static int cv_shred_confirm(const char *name, char *err, size_t errlen)
{
	struct cv_secret typed = { 0 };
	char prompt[256];
	int ok;

	snprintf(prompt, sizeof(prompt), "Type the vault's name (%s) to destroy its key for good: ", name);
	/* Not a secret, but read the same way: terminal, or a line of standard input. */
	if (cv_read_secret(prompt, "CAMVAULT_SHRED_CONFIRM", false, &typed, err, errlen))
		return -1;
	ok = !strcmp((const char *)typed.buf, name);
	cv_secret_free(&typed);
	if (!ok) {
		snprintf(err, errlen, "the name typed is not %s: nothing was shredded", name);
		return -1;
	}
	return 0;
}

int cmd_shred(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "backing", required_argument, NULL, 'b' },
		{ "yes", no_argument, NULL, 'y' },
		CV_OPT_HELP,
		{ 0 }
	};
	struct cv_opts o = CV_OPTS("shred", "", opts);
	const char *name, *backing = NULL;
	char err[CV_ERRLEN], path[4096], uuid[37];
	struct cv_vault_entry e;
	struct cv_tpm tpm;
	struct cv_header h;
	CV_CLEANUP_ERASE(h);
	bool yes = false;
	int fd, nv, ret;

	while ((ret = cv_opts_next(&o, argc, argv)) != -1) {
		switch (ret) {
		case 'b': backing = o.arg; break;
		case 'y': yes = true; break;
		}
	}
	cv_opts_name(&o, argc, argv, &name, true);
	ret = cv_opts_exit(&o, cv_shred_usage);
	if (ret >= 0)
		return ret;
	if (cv_vault_find(name, backing, &e, err, sizeof(err)) || cv_vault_header(&e, &h, err, sizeof(err)))
		goto fail;
	cv_uuid_format(h.uuid, uuid);
	if (!yes) {
		printf("Shredding vault %s (%s) on %s destroys its TPM secret (NV index 0x%08x) and its header.\n",
		       name, uuid, e.backing, h.nv_index);
		fflush(stdout);
		if (cv_shred_confirm(name, err, sizeof(err)))
			goto fail;
	}
	if (cv_vault_stop(name, true, err, sizeof(err)))
		goto fail;

	/* The TPM secret first: once it is gone, no header copy anywhere opens through a TPM. */
	if (cv_tpm_open(&tpm, err, sizeof(err)))
		goto fail;
	nv = cv_nv_destroy(&tpm, &h, err, sizeof(err));
	cv_tpm_close(&tpm);
	if (nv && nv != CV_SEAL_ENO_NV)
		goto fail;

	fd = open(e.backing, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, sizeof(err), "the TPM secret is destroyed, but %.400s cannot be opened to overwrite the "
			 "header: %s", e.backing, strerror(errno));
		goto fail;
	}
	if (cv_header_wipe(fd, e.backing, err, sizeof(err))) {
		close(fd);
		goto fail;
	}
	close(fd);
	if (!backing) {
		if (!cv_registry_path(path, sizeof(path))) {
			snprintf(err, sizeof(err), "the registry's path is too long: shorten " CV_ETC_ENV);
			goto fail;
		}
		if (cv_registry_remove(path, name, err, sizeof(err)) < 0)
			goto fail;
	}

	printf("vault %s (%s) shredded:\n", name, uuid);
	if (nv == CV_SEAL_ENO_NV)
		printf("  - its TPM secret (NV index 0x%08x) was already gone from this TPM\n", h.nv_index);
	else
		printf("  - its TPM secret (NV index 0x%08x) is destroyed: no TPM opens any copy of its header, "
		       "copies made before now included\n", h.nv_index);
	printf("  - its header area (1 MiB) on %s is overwritten with random bytes\n", e.backing);
	if (!backing)
		printf("  - it is no longer in %s\n", path);
	if (h.flags & CV_HDR_F_RECOVERY)
		printf("  - NOT destroyed: its recovery slot in any copy of the header made before now. Such a copy\n"
		       "    and the recovery key still open the footage: destroy every copy of the recovery key to\n"
		       "    make this final.\n");
	else
		printf("  - it had no recovery slot: the footage is now unrecoverable\n");
	printf("  - the encrypted footage itself is still on %s: without the key it is noise; reuse the store\n",
	       e.backing);
	return 0;

fail:
	fprintf(stderr, "camvault: %s\n", err);
	return 1;
}
