// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_registry into the directory given: good registries, in camvault's layout and
 * in hand-edited ones, and a few near misses.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *text;
	size_t len;		/* 0: strlen(text) */
} seeds[] = {
	{ "# name\tbacking\t\t\t\tmountpoint\t\toptions\n"
	  "cam0\t/var/lib/camvault/cam0.img\t/media/frigate\t\tdefaults\n"
	  "cam1\t/dev/sda2\t\t\t-\t\t\tpin,noauto\n", 0 },
	{ "\n   # indented\ncam0 /a /b\r\ncam1 /c - fstype=xfs,pin # comment\nfront-door_2.cam+x / / noauto", 0 },
	{ "cam0 /a - defaults,noauto,fstype=btrfs\n", 0 },
	{ "cam0 /a -\ncam0 /b -\n", 0 },
	{ "cam0 a.img /b pin,bogus,\n", 0 },
	{ "cam0 /a /b defaults extra\n", 0 },
	{ "cam0\n-cam /a\n", 0 },
	{ "cam0 /a\0 -\n", 11 },
	{ "cam0 /a - fstype=EXT4\n", 0 },
};

int main(int argc, char **argv)
{
	char path[4096];
	size_t i, len;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: seeds_registry DIR\n");
		return 1;
	}
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		len = seeds[i].len ? seeds[i].len : strlen(seeds[i].text);
		snprintf(path, sizeof(path), "%s/seed-%02zu", argv[1], i);
		f = fopen(path, "wb");
		if (!f || fwrite(seeds[i].text, len, 1, f) != 1 || fclose(f)) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
