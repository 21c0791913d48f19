/* SPDX-License-Identifier: GPL-2.0 */
/* What several commands' argument parsing shares. */
#ifndef CV_ARGS_H
#define CV_ARGS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Parses "<command> NAME" (argv[0] is the command: "remove", "lock"): one name, no options but --help.
 * Returns 0 with *name, or with *name NULL for --help; or -1, the error printed on stderr as
 * "camvault <command>: ...".
 */
int cv_parse_name_arg(int argc, char **argv, const char **name);

/*
 * Whether argv[*i] is the option opt, as "--opt VALUE" or "--opt=VALUE". When it is, *value is the value (NULL
 * when there is none) and *i is past it.
 */
bool cv_option(int argc, char **argv, int *i, const char *opt, const char **value);

/* A boolean option of cv_parse_vault_args(): "--recovery" sets *set. */
struct cv_flag {
	const char *name;
	bool *set;
};

/*
 * Parses "<command> NAME [--backing FILE|DEV] [flags...]" (argv[0] is the command): one vault name, an
 * optional store, and the boolean options of flags (terminated by a { NULL } entry). Returns 0 with *name set
 * (and *backing, or NULL), 1 for --help, or -1 with the error printed on stderr as "camvault <command>: ...".
 */
int cv_parse_vault_args(int argc, char **argv, const struct cv_flag *flags, const char **name,
			const char **backing);

#endif /* CV_ARGS_H */
