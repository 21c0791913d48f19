// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_registry into the directory given: good registries, in camvault's layout and
 * in hand-edited ones, and a few near misses.
 */
#define _DEFAULT_SOURCE
#include <stddef.h>

#include "helpers.h"

static const struct cv_seed seeds[] = {
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
	return cv_seeds_main(argc, argv, "seeds_registry", seeds, sizeof(seeds) / sizeof(seeds[0]));
}
