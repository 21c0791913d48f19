// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for cv_recovery_parse(): any text, as a person (or a paste) might type it. It must never
 * crash; what parses must format and parse back to the same bytes, and what does not must say why.
 * Built by tests/unit/Makefile with clang -fsanitize=fuzzer,address,undefined; run by tests/unit/run.sh on
 * the seeds that seeds_recovery writes.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vaultkey.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	if (cv_keys_init(err, sizeof(err))) {
		fprintf(stderr, "fuzz_recovery: %s\n", err);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The parser takes a C string: the input up to its first NUL, in an exact-size copy for ASan. */
	char *text = malloc(size + 1), err[256], out[CV_RECOVERY_TEXT];
	struct cv_secret r, again;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (cv_recovery_parse(text, &r, err, sizeof(err)) == 0) {
		if (!r.buf || r.len != CV_RECOVERY_BYTES)
			abort();
		cv_recovery_format(&r, out);
		if (strlen(out) != CV_RECOVERY_TEXT - 1)
			abort();
		if (cv_recovery_parse(out, &again, err, sizeof(err)) || again.len != r.len ||
		    memcmp(again.buf, r.buf, r.len))
			abort();
		cv_secret_free(&again);
		cv_secret_free(&r);
	} else if (r.buf || strncmp(err, "recovery key", 12) || !strstr(err, ": check the printed key")) {
		abort();
	}
	free(text);
	return 0;
}
