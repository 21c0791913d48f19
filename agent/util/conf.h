/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What camvault's configuration files (vaults.conf, policy.conf, push.conf) share: reading one whole, safely,
 * and splitting a line into its fields. Each file's own parser gives the fields their meaning.
 */
#ifndef CV_CONF_H
#define CV_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Reads the file at path whole into *text (malloc'd, NUL-terminated after *len bytes): a regular file of at
 * most max bytes (a FIFO does not hang the reader: it is refused). what names the file in errors ("the
 * policy"). A missing file sets *missing and gives no text. *mode (when not NULL) gets its permissions.
 * Returns 0 or -1 with err.
 */
int cv_conf_read(const char *path, const char *what, size_t max, char **text, size_t *len, bool *missing,
		 mode_t *mode, char *err, size_t errlen);

/* Spaces and tabs separate fields; '\r' too, so that a file saved with CRLF line ends still reads. */
bool cv_conf_space(char c);

/*
 * Splits one line (n bytes at p, no '\n') into at most max fields (f[i], fl[i] bytes), stopping at a field
 * that starts with '#' (a comment, whatever follows); f and fl hold max + 1. Returns their count; -1 with
 * what for a control character; max + 1 when there are more fields than max (f[max] is then the first field
 * too many).
 */
int cv_conf_fields(const char *p, size_t n, const char **f, size_t *fl, size_t max, char *what, size_t wl);

#endif /* CV_CONF_H */
