/* SPDX-License-Identifier: GPL-2.0 */
/* What several commands' argument parsing shares. */
#ifndef CV_ARGS_H
#define CV_ARGS_H

#include <stddef.h>

/*
 * Parses "<command> NAME" (argv[0] is the command: "remove", "lock"): one name, no options but --help.
 * Returns 0 with *name, or with *name NULL for --help; or -1, the error printed on stderr as
 * "camvault <command>: ...".
 */
int cv_parse_name_arg(int argc, char **argv, const char **name);

/*
 * A vault name: 1 to 127 characters of A-Z a-z 0-9 _ . + -, not starting with '.' or '-'. It becomes the
 * device-mapper name and, in the key description "camvault:<name>", part of the table, whose words are
 * separated by spaces. Returns 0 or -1.
 */
int cv_vault_name_check(const char *name, char *err, size_t errlen);

#endif /* CV_ARGS_H */
