// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_recovery into the directory given: recovery keys as printed and as people
 * type them, and near misses.
 */
#define _DEFAULT_SOURCE
#include <stddef.h>

#include "helpers.h"

static const struct cv_seed seeds[] = {
	{ "000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5RR", 0 },
	{ "wzmek tqbxk pyxvz gy7sf 7x7ny vvzhy ftzfy fvzqz", 0 },
	{ "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", 0 },
	{ "oOoG4-OR4OM-3OE2O-9I85G-R38El-W8l24-GK2GA-HC5RR", 0 },
	{ "000G4-U0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5RR", 0 },
	{ "000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5", 0 },
	{ "000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5RR-0", 0 },
	{ "000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5RR\n", 0 },
	{ "- - - -", 0 },
};

int main(int argc, char **argv)
{
	return cv_seeds_main(argc, argv, "seeds_recovery", seeds, sizeof(seeds) / sizeof(seeds[0]));
}
