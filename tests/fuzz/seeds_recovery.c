// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_recovery into the directory given: recovery keys as printed and as people
 * type them, and near misses.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const seeds[] = {
	"000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5RR",
	"wzmek tqbxk pyxvz gy7sf 7x7ny vvzhy ftzfy fvzqz",
	"ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ",
	"oOoG4-OR4OM-3OE2O-9I85G-R38El-W8l24-GK2GA-HC5RR",
	"000G4-U0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5RR",
	"000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5",
	"000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5RR-0",
	"000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5RR\n",
	"- - - -",
};

int main(int argc, char **argv)
{
	char path[4096];
	size_t i;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: seeds_recovery DIR\n");
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
