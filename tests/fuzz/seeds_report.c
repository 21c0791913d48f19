// SPDX-License-Identifier: GPL-2.0
/* Writes the seed corpus of fuzz_report into the directory given: times and recording paths, good and not. */
#define _DEFAULT_SOURCE
#include <stddef.h>

#include "helpers.h"

static const struct cv_seed seeds[] = {
	{ "24h", 0 },
	{ "7d", 0 },
	{ "30m", 0 },
	{ "90s", 0 },
	{ "2026-11-25", 0 },
	{ "2026-11-25T12:00", 0 },
	{ "2026-11-25T12:00:30Z", 0 },
	{ "2026-13-01", 0 },
	{ "/media/frigate/recordings/2026-11-25/10/front_door/05.30.mp4", 0 },
	{ "/var/lib/motioneye/Camera1/2026-11-25/10-05-30.mp4", 0 },
	{ "/media/frigate/recordings/2026-11-25/10//05.30.mp4", 0 },
	{ "2026-11-25/10/x/05.30.mp4", 0 },
	{ "/dev/video0", 0 },
};

int main(int argc, char **argv)
{
	return cv_seeds_main(argc, argv, "seeds_report", seeds, sizeof(seeds) / sizeof(seeds[0]));
}
