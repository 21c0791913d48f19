// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the record formatters: any bytes as a struct camvault_rec, as if from the probes'
 * ring buffer. A malformed record (unknown type, unterminated strings) must be said to be malformed, and a
 * well-formed one must format as text and as JSON into exactly the length the formatter said it needs,
 * never past it, and the JSON must be one line of printable ASCII.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct camvault_rec *r;
	char *buf;
	int need, got, i;

	if (size < sizeof(*r))
		return 0;
	r = malloc(sizeof(*r));
	if (!r)
		return 0;
	memcpy(r, data, sizeof(*r));
	need = cv_rec_format_json(r, (int64_t)(size * 1000003), NULL, 0);
	buf = malloc((size_t)need + 1);
	if (!buf)
		abort();
	got = cv_rec_format_json(r, (int64_t)(size * 1000003), buf, (size_t)need + 1);
	if (got != need || strlen(buf) != (size_t)need)
		abort();
	for (i = 0; i < need; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			abort();
	if (!cv_rec_valid(r) && !strstr(buf, "malformed"))
		abort();
	free(buf);
	need = cv_rec_format_text(r, 0, NULL, 0);
	buf = malloc((size_t)need + 1);
	if (!buf)
		abort();
	if (cv_rec_format_text(r, 0, buf, (size_t)need + 1) != need)
		abort();
	free(buf);
	free(r);
	return 0;
}
