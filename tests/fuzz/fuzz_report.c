// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for camvault report's two parsers of outside text: --since/--until values
 * (cv_report_parse_time) and recording paths, whose Frigate or motionEye layout gives a camera and a clip
 * time (cv_clip_parse). Neither may crash or read past the string; a time that parses is at most the "now"
 * given for a duration and a whole second for a date; a clip has a non-empty camera without '/' and a time of
 * the layout's shape.
 * Built by tests/unit/Makefile with clang -fsanitize=fuzzer,address,undefined; run by tests/unit/run.sh on
 * the seeds that seeds_report writes.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const int64_t now = 1795600800LL * 1000000000LL;
	char *s = malloc(size + 1);
	struct cv_clip clip;
	int64_t t;
	size_t n;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!cv_report_parse_time(s, now, &t)) {
		n = strlen(s);
		if (n && strchr("smhd", s[n - 1]) && s[0] != '2' && t > now)
			abort();
		if ((n >= 10 && s[4] == '-') && t % 1000000000LL)
			abort();
	}
	if (cv_clip_parse(s, &clip)) {
		n = strlen(clip.time);
		if (!clip.camera[0] || strchr(clip.camera, '/') || n < 19 || clip.time[10] != 'T' ||
		    (!strcmp(clip.layout, "frigate") != (clip.time[n - 1] == 'Z')))
			abort();
	}
	free(s);
	return 0;
}
