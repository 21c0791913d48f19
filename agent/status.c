// SPDX-License-Identifier: GPL-2.0
/*
 * camvault status [--json]: is camvault.ko loaded, which vaults does it have, is there a TPM.
 *
 * The text output is stable (scripts and tests grep it):
 *	module: camvault 0.1.0
 *	vaults: 1
 *	TPM: present (manufacturer IBM, firmware 8217.4131)
 *	vault cam0 (dm-0, 254:0) aes-xts-plain64 open, read 1.2 MiB, written 3.4 MiB, 0 I/O errors
 * with one "vault" line per vault (CAMVAULT_CMD_GET_VAULTS), LOCKED instead of open once its key was wiped;
 * or, without the module, "module: not loaded (...)" and no vaults line. Without a TPM the TPM line is
 * "TPM: none found (<why and the fix>)", which is not an error. Exit status: 1 when the module cannot be asked.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "status.h"
#include "tpm.h"

#define CV_ERRLEN 512

static void cv_status_usage(FILE *f)
{
	fprintf(f, "Usage: camvault status [--json]\n\n"
		"Shows whether camvault.ko is loaded, how many vaults it has, and the TPM.\n"
		"  --json    one JSON object: {\"module_version\":..,\"vaults\":..,\"vault_list\":[..],\"tpm\":{..}}\n");
}

void cv_human_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return;
	}
	/* Up a unit while the value would print as 1024.0 or more. */
	do {
		v /= 1024;
		u++;
	} while (u < 5 && v >= 1023.95);
	snprintf(buf, len, "%.1f %s", v, units[u]);
}

void cv_vault_line(const struct cv_vault_info *v, char *buf, size_t len)
{
	char r[32], w[32];

	cv_human_bytes(v->bytes_read, r, sizeof(r));
	cv_human_bytes(v->bytes_written, w, sizeof(w));
	/* A device-mapper device's kernel name is dm-<minor>. */
	snprintf(buf, len, "vault %s (dm-%" PRIu32 ", %" PRIu32 ":%" PRIu32 ") %s %s, read %s, written %s, %" PRIu64
		 " I/O error%s", v->name, v->minor, v->major, v->minor, v->cipher, v->locked ? "LOCKED" : "open", r,
		 w, v->io_errors, v->io_errors == 1 ? "" : "s");
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
	char module_err[CV_ERRLEN] = "", tpm_err[CV_ERRLEN] = "", line[512];
	struct cv_vault_info *vaults = NULL;
	struct cv_tpm_info tpm;
	struct cv_status st = { 0 };
	struct cv_ipc ipc;
	bool json = false;
	int ret, tpm_ret;
	size_t i, n = 0;

	for (i = 1; i < (size_t)argc; i++) {
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
		if (!ret)
			ret = cv_ipc_get_vaults(&ipc, &vaults, &n, module_err, sizeof(module_err)) ? 1 : 0;
		cv_ipc_close(&ipc);
	}
	tpm_ret = cv_tpm_probe(&tpm, tpm_err, sizeof(tpm_err));

	if (json) {
		printf("{\"module_version\":");
		if (ret < 0) {
			printf("null,\"vaults\":null,\"module_error\":");
			cv_json_str(module_err);
			printf(",\"vault_list\":null");
		} else {
			cv_json_str(st.version);
			printf(",\"vaults\":%u,\"vault_list\":", st.num_vaults);
			if (ret) {
				printf("null,\"vault_list_error\":");
				cv_json_str(module_err);
			} else {
				putchar('[');
				for (i = 0; i < n; i++) {
					printf("%s{\"name\":", i ? "," : "");
					cv_json_str(vaults[i].name);
					printf(",\"dev\":\"dm-%" PRIu32 "\",\"major\":%" PRIu32 ",\"minor\":%" PRIu32
					       ",\"cipher\":", vaults[i].minor, vaults[i].major, vaults[i].minor);
					cv_json_str(vaults[i].cipher);
					printf(",\"locked\":%s,\"bytes_read\":%" PRIu64 ",\"bytes_written\":%" PRIu64
					       ",\"io_errors\":%" PRIu64 "}", vaults[i].locked ? "true" : "false",
					       vaults[i].bytes_read, vaults[i].bytes_written, vaults[i].io_errors);
				}
				putchar(']');
			}
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
		else if (ret < 0)
			printf("module: unavailable (%s)\n", module_err);
		else
			printf("module: camvault %s\nvaults: %u\n", st.version, st.num_vaults);
		if (tpm_ret)
			printf("TPM: none found (%s)\n", tpm_err);
		else
			printf("TPM: present (manufacturer %s, firmware %u.%u)\n", tpm.manufacturer,
			       tpm.firmware1 >> 16, tpm.firmware1 & 0xffff);
		for (i = 0; i < n; i++) {
			cv_vault_line(&vaults[i], line, sizeof(line));
			printf("%s\n", line);
		}
	}
	fflush(stdout);
	free(vaults);
	if (ret) {
		fprintf(stderr, "camvault: %s\n", module_err);
		return 1;
	}
	return 0;
}
