/* SPDX-License-Identifier: GPL-2.0 */
/* What several commands' argument parsing shares. */
#ifndef CV_ARGS_H
#define CV_ARGS_H

/*
 * Parses "<command> NAME" (argv[0] is the command: "remove", "lock"): one name, no options but --help.
 * Returns 0 with *name, or with *name NULL for --help; or -1, the error printed on stderr as
 * "camvault <command>: ...".
 */
int cv_parse_name_arg(int argc, char **argv, const char **name);

#endif /* CV_ARGS_H */
