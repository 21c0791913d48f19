// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for cv_header_decode(): any bytes, as if the first bytes of a backing store. Built by
 * tests/unit/Makefile with clang -fsanitize=fuzzer,address,undefined; run by tests/unit/run.sh on the seeds
 * that seeds_header writes.
 *
 * Each input is decoded twice: as it is, and (when it is a whole block) with its checksum made right, since
 * random mutations almost never get past the checksum and the field rules behind it are what is worth fuzzing.
 * Besides memory safety it checks the format's promise that a header has exactly one encoding: what decodes
 * re-encodes to the very same bytes, so no byte of an accepted block escapes the rules.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vault/header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *buf, size_t size)
{
	static uint8_t again[CV_HDR_SIZE];
	struct cv_header h;
	char err[512];

	memset(err, 0, sizeof(err));
	if (cv_header_decode(buf, size, &h, err, sizeof(err)) == 0) {
		if (size < CV_HDR_SIZE || cv_header_encode(&h, again, err, sizeof(err)) ||
		    memcmp(again, buf, CV_HDR_SIZE))
			abort();
	} else if (!err[0] || strchr(err, '\n')) {
		/* A refusal always says why, in one line. */
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: ASan sees any read past the end. */
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	check(buf, size);
	if (size >= CV_HDR_SIZE) {
		crypto_hash_sha256(buf + CV_HDR_SIZE - 32, buf, CV_HDR_SIZE - 32);
		check(buf, size);
	}
	free(buf);
	return 0;
}
