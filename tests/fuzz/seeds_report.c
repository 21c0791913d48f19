// SPDX-License-Identifier: GPL-2.0
/* Writes the seed corpus of fuzz_report into the directory given: times and recording paths, good and not. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>

static const char *const seeds[] = {
	"24h", "7d", "30m", "90s", "2026-11-25", "2026-11-25T12:00", "2026-11-25T12:00:30Z", "2026-13-01",
	"/media/frigate/recordings/2026-11-25/10/front_door/05.30.mp4",
	"/var/lib/motioneye/Camera1/2026-11-25/10-05-30.mp4",
	"/media/frigate/recordings/2026-11-25/10//05.30.mp4", "2026-11-25/10/x/05.30.mp4", "/dev/video0",
};

int main(int argc, char **argv)
{
	char path[4096];
	size_t i;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: seeds_report DIR\n");
		return 1;
	}
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		snprintf(path, sizeof(path), "%s/seed-%02zu", argv[1], i);
		f = fopen(path, "wb");
		if (!f || fwrite(seeds[i], strlen(seeds[i]), 1, f) != 1 || fclose(f)) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
