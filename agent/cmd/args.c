// SPDX-License-Identifier: GPL-2.0
/* What several commands' argument parsing shares (args.h). */
#include <stdio.h>
#include <string.h>

#include "cmd/args.h"

#include "uapi/camvault.h"

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

bool cv_option(int argc, char **argv, int *i, const char *opt, const char **value)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n))
		return false;
	if (argv[*i][n] == '=') {
		*value = argv[*i] + n + 1;
		return true;
	}
	if (argv[*i][n])
		return false;
	*value = *i + 1 < argc ? argv[++*i] : NULL;
	return true;
}

int cv_parse_vault_args(int argc, char **argv, const struct cv_flag *flags, const char **name,
			const char **backing)
{
	const struct cv_flag *f;
	const char *v;
	int i;

	*name = *backing = NULL;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	for (i = 1; i < argc; i++) {
		if (cv_option(argc, argv, &i, "--backing", &v)) {
			if (!v || !*v) {
				fprintf(stderr, "camvault %s: --backing needs a path\n", argv[0]);
				return -1;
			}
			*backing = v;
			continue;
		}
		for (f = flags; f->name && strcmp(argv[i], f->name); f++)
			;
		if (f->name) {
			*f->set = true;
		} else if (argv[i][0] == '-' || *name) {
			fprintf(stderr, "camvault %s: unexpected '%s': see 'camvault help %s'\n", argv[0], argv[i],
				argv[0]);
			return -1;
		} else {
			*name = argv[i];
		}
	}
	if (!*name) {
		fprintf(stderr, "camvault %s: missing the vault's NAME: 'camvault %s NAME'\n", argv[0], argv[0]);
		return -1;
	}
	return 0;
}
