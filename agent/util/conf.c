// SPDX-License-Identifier: GPL-2.0
/* camvault's configuration files: reading and splitting (conf.h). */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/conf.h"

int cv_conf_read(const char *path, const char *what, size_t max, char **text, size_t *len, bool *missing,
		 mode_t *mode, char *err, size_t errlen)
{
	/* O_NONBLOCK: a FIFO there must not hang camvault; it is then refused as not a regular file. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	size_t got = 0;
	char *buf;

	*text = NULL;
	*len = 0;
	*missing = false;
	if (fd < 0) {
		if (errno == ENOENT) {
			*missing = true;
			return 0;
		}
		snprintf(err, errlen, "cannot read %s %s: %s: run as root, or fix its permissions", what, path,
			 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s is not a regular file: replace it with one", what, path);
		close(fd);
		return -1;
	}
	if (mode)
		*mode = st.st_mode & 07777;
	/* One byte more than allowed, to see a file too big even if it grows as it is read. */
	buf = malloc(max + 2);
	if (!buf) {
		snprintf(err, errlen, "out of memory to read %s", path);
		close(fd);
		return -1;
	}
	while (got <= max) {
		ssize_t n = read(fd, buf + got, max + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read %s %s: %s", what, path, strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got > max) {
		snprintf(err, errlen, "%s %s is larger than %zu bytes: it is not what it should be, check what it is",
			 what, path, max);
		free(buf);
		return -1;
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return 0;
}

bool cv_conf_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int cv_conf_fields(const char *p, size_t n, const char **f, size_t *fl, size_t max, char *what, size_t wl)
{
	size_t i = 0, nf = 0;

	for (;;) {
		size_t start;

		while (i < n && cv_conf_space(p[i]))
			i++;
		if (i == n || p[i] == '#')
			break;
		start = i;
		while (i < n && !cv_conf_space(p[i])) {
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) {
				snprintf(what, wl, "it contains the control character 0x%02x (column %zu): remove it",
					 (unsigned char)p[i], i + 1);
				return -1;
			}
			i++;
		}
		f[nf] = p + start;
		fl[nf] = i - start;
		if (nf++ == max)
			break;
	}
	return (int)nf;
}
