// SPDX-License-Identifier: GPL-2.0
/* What several commands' argument parsing shares (args.h). */
#include <stdio.h>
#include <string.h>

#include "args.h"

int cv_parse_name_arg(int argc, char **argv, const char **name)
{
	int i;

	*name = NULL;
	/* --help anywhere wins over whatever else is wrong. */
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 0;
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "camvault %s: unknown option '%s': see 'camvault help %s'\n", argv[0],
				argv[i], argv[0]);
			return -1;
		}
		if (*name) {
			fprintf(stderr, "camvault %s: one vault at a time, not '%s' and '%s': see 'camvault help "
				"%s'\n", argv[0], *name, argv[i], argv[0]);
			return -1;
		}
		*name = argv[i];
	}
	if (!*name) {
		fprintf(stderr, "camvault %s: missing the vault's NAME: camvault %s NAME\n", argv[0], argv[0]);
		return -1;
	}
	return 0;
}
