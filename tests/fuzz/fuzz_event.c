// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for cv_parse_event() and cv_event_format(): any bytes, as if multicast by the kernel on
 * camvault.ko's events group, which the agent logs as text.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vault/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size, aligned copy: ASan sees any read past the end, and nlmsghdr is 4-byte aligned. */
	struct nlmsghdr *nlh = malloc(size ? size : 1);
	struct cv_event e;
	char text[256];
	int ret;

	if (!nlh)
		return 0;
	memcpy(nlh, data, size);
	ret = cv_parse_event(nlh, size, &e);
	if (ret == 0) {
		/* What parses is what the log gets: a terminated, non-empty, printable name, in a text that fits. */
		size_t n = strnlen(e.vault, sizeof(e.vault));

		if (n == 0 || n == sizeof(e.vault))
			abort();
		for (size_t i = 0; i < n; i++)
			if (e.vault[i] < 0x20 || e.vault[i] > 0x7e)
				abort();
		if (cv_event_format(&e, text, sizeof(text)) >= (int)sizeof(text))
			abort();
		if (strncmp(text, "kernel: ", 8))
			abort();
	} else if (ret >= 0 || -ret >= __CV_PARSE_MAX || strstr(cv_parse_strerror(ret), "unknown")) {
		abort();
	}
	free(nlh);
	return 0;
}
