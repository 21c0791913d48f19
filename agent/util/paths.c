// SPDX-License-Identifier: GPL-2.0
/*
 * Where camvault keeps its files (paths.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "util/paths.h"

const char *cv_etc_path(const char *name, char *buf, size_t len)
{
	const char *dir = getenv(CV_ETC_ENV);
	int n;

	if (!dir || !*dir)
		dir = CV_ETC_DIR;
	n = snprintf(buf, len, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= len ? NULL : buf;
}

const char *cv_db_path(void)
{
	const char *env = getenv(CV_DB_ENV);

	return env && *env ? env : CV_DB_PATH;
}
