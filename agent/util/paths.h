/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where camvault keeps its files: the configuration directory (vaults.conf, policy.conf, push.conf,
 * tpm-lockout-auth) and the access log. The environment moves them (the tests, unusual installs); these are
 * the only places that read it, and the only definitions of the defaults.
 */
#ifndef CV_PATHS_H
#define CV_PATHS_H

#include <stddef.h>

#define CV_ETC_ENV	"CAMVAULT_ETC"			/* the configuration directory */
#define CV_ETC_DIR	"/etc/camvault"			/* ... when it is unset or empty */
#define CV_DB_ENV	"CAMVAULT_DB"			/* the access log */
#define CV_DB_PATH	"/var/lib/camvault/access.db"	/* ... when it is unset or empty */

/* $CAMVAULT_ETC/name, or /etc/camvault/name, into buf; NULL if it does not fit. */
const char *cv_etc_path(const char *name, char *buf, size_t len);

/* The access log's path: $CAMVAULT_DB, or /var/lib/camvault/access.db. */
const char *cv_db_path(void);

#endif
