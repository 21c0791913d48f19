// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for cv_parse_status(): any bytes, as if received from the kernel.
 * Built by tests/unit/Makefile with clang -fsanitize=fuzzer,address,undefined; run by tests/unit/run.sh on
 * the seeds that seeds_status writes.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vault/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cv_status st;
	/* An exact-size, aligned copy: ASan sees any read past the end, and nlmsghdr is 4-byte aligned. */
	struct nlmsghdr *nlh = malloc(size ? size : 1);
	int ret;

	if (!nlh)
		return 0;
	memcpy(nlh, data, size);
	ret = cv_parse_status(nlh, size, &st);
	if (ret == 0) {
		/* What parses is what status prints: a terminated, non-empty, printable version. */
		size_t n = strnlen(st.version, sizeof(st.version));

		if (n == 0 || n == sizeof(st.version))
			abort();
		for (size_t i = 0; i < n; i++)
			if (st.version[i] < 0x20 || st.version[i] > 0x7e)
				abort();
	} else if (ret >= 0 || -ret >= __CV_PARSE_MAX || strstr(cv_parse_strerror(ret), "unknown")) {
		abort();
	}
	free(nlh);
	return 0;
}
