// SPDX-License-Identifier: GPL-2.0
/*
 * camvault status [--json]: is camvault.ko loaded, how many vaults does it have, is there a TPM.
 *
 * The text output is stable (scripts and tests grep it):
 *	module: camvault 0.1.0
 *	vaults: 0
 *	TPM: present (manufacturer IBM, firmware 8217.4131)
 * or, without the module, "module: not loaded (...)" and no vaults line. Without a TPM the last line is
 * "TPM: none found (<why and the fix>)", which is not an error. Exit status: 1 when the module cannot be asked.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ipc.h"
#include "tpm.h"

#define CV_ERRLEN 512

static void cv_status_usage(FILE *f)
{
	fprintf(f, "Usage: camvault status [--json]\n\n"
		"Shows whether camvault.ko is loaded, how many vaults it has, and the TPM.\n"
		"  --json    one JSON object: {\"module_version\":..,\"vaults\":..,\"tpm\":{..}}\n");
}

/* A JSON string, quoted and escaped. */
static void cv_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

int cmd_status(int argc, char **argv)
{
	char module_err[CV_ERRLEN] = "", tpm_err[CV_ERRLEN] = "";
	struct cv_tpm_info tpm;
	struct cv_status st;
	struct cv_ipc ipc;
	bool json = false;
	int ret, tpm_ret;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cv_status_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "camvault status: unknown argument '%s': see 'camvault help status'\n",
				argv[i]);
			return 1;
		}
	}

	ret = cv_ipc_open(&ipc, module_err, sizeof(module_err));
	if (!ret) {
		ret = cv_ipc_get_status(&ipc, &st, module_err, sizeof(module_err));
		cv_ipc_close(&ipc);
	}
	tpm_ret = cv_tpm_probe(&tpm, tpm_err, sizeof(tpm_err));

	if (json) {
		printf("{\"module_version\":");
		if (ret) {
			printf("null,\"vaults\":null,\"module_error\":");
			cv_json_str(module_err);
		} else {
			cv_json_str(st.version);
			printf(",\"vaults\":%u", st.num_vaults);
		}
		printf(",\"tpm\":{\"present\":");
		if (tpm_ret) {
			printf("false,\"error\":");
			cv_json_str(tpm_err);
		} else {
			printf("true,\"manufacturer\":");
			cv_json_str(tpm.manufacturer);
			printf(",\"firmware\":\"%u.%u\"", tpm.firmware1 >> 16, tpm.firmware1 & 0xffff);
		}
		printf("}}\n");
	} else {
		if (ret == -ENOENT)
			printf("module: not loaded (no generic netlink family '%s')\n", CAMVAULT_GENL_NAME);
		else if (ret)
			printf("module: unavailable (%s)\n", module_err);
		else
			printf("module: camvault %s\nvaults: %u\n", st.version, st.num_vaults);
		if (tpm_ret)
			printf("TPM: none found (%s)\n", tpm_err);
		else
			printf("TPM: present (manufacturer %s, firmware %u.%u)\n", tpm.manufacturer,
			       tpm.firmware1 >> 16, tpm.firmware1 & 0xffff);
	}
	fflush(stdout);
	if (ret) {
		fprintf(stderr, "camvault: %s\n", module_err);
		return 1;
	}
	return 0;
}
