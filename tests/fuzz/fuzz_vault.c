// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for cv_parse_vault(): any bytes, as if one message of the CAMVAULT_CMD_GET_VAULTS dump.
 * Built by tests/unit/Makefile with clang -fsanitize=fuzzer,address,undefined; run by tests/unit/run.sh on
 * the seeds that seeds_vault writes.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vault/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What parses is what status prints and puts in JSON: a terminated, non-empty, printable string. */
static void check_string(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == 0 || n == size)
		abort();
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cv_kernel_vault v, sentinel;
	/* An exact-size, aligned copy: ASan sees any read past the end, and nlmsghdr is 4-byte aligned. */
	struct nlmsghdr *nlh = malloc(size ? size : 1);
	int ret;

	if (!nlh)
		return 0;
	memcpy(nlh, data, size);
	memset(&v, 0xa5, sizeof(v));
	memset(&sentinel, 0xa5, sizeof(sentinel));
	ret = cv_parse_vault(nlh, size, &v);
	if (ret == 0) {
		check_string(v.name, sizeof(v.name));
		check_string(v.cipher, sizeof(v.cipher));
		if (v.locked != 0 && v.locked != 1)
			abort();
	} else if (ret >= 0 || -ret >= __CV_PARSE_MAX || strstr(cv_parse_strerror(ret), "unknown") ||
		   memcmp(&v, &sentinel, sizeof(v))) {
		/* A failure is a known code, and leaves *out alone. */
		abort();
	}
	free(nlh);
	return 0;
}
