/* SPDX-License-Identifier: GPL-2.0 */
/* camvault create, the testing command: its argument parser, for the unit tests. */
#ifndef CV_CREATE_H
#define CV_CREATE_H

#include <stddef.h>

struct cv_vault_params;

/*
 * Parses create's arguments, argv[0] being "create": NAME, --backing, --key-file (each option also as
 * --opt=VALUE), --cipher, --sector-size, --allow-discards, --help. Checks the name (cv_vault_name_check()) but
 * touches no file. Returns 0 or -1.
 */
int cv_create_parse_args(int argc, char **argv, struct cv_vault_params *out, char *err, size_t errlen);

#endif /* CV_CREATE_H */
