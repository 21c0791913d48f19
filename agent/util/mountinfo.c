// SPDX-License-Identifier: GPL-2.0
/* /proc/self/mountinfo: its path escapes, and the superblock of a path (mountinfo.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "uapi/camvault.h"
#include "util/mountinfo.h"

void cv_mountinfo_unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

int cv_mountinfo_sb(const char *mountinfo, const char *path, uint64_t *kdev, uint64_t *ino)
{
	unsigned long long id;
	unsigned int maj, mnr;
	struct statx stx;
	char *line = NULL;
	size_t cap = 0;
	int ret = -ENOENT;
	FILE *f;

	if (statx(AT_FDCWD, path, 0, STATX_INO | STATX_MNT_ID, &stx))
		return -errno;
	*ino = stx.stx_ino;
	if (!(stx.stx_mask & STATX_MNT_ID)) {	/* before 5.8: st_dev, right but on overlayfs and btrfs */
		*kdev = camvault_kdev(makedev(stx.stx_dev_major, stx.stx_dev_minor));
		return 0;
	}
	f = fopen(mountinfo, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%llu %*u %u:%u", &id, &maj, &mnr) == 3 && id == stx.stx_mnt_id) {
			*kdev = (uint64_t)maj << 20 | mnr;
			ret = 0;
			break;
		}
	}
	free(line);
	fclose(f);
	return ret;
}

/* Adds dir + rel to out when that is a regular file; returns the new count. */
static int cv_layer_add(const char *dir, size_t dlen, const char *rel, char (*out)[PATH_MAX], int n, int max)
{
	struct stat st;

	if (n >= max || !dlen || snprintf(out[n], PATH_MAX, "%.*s%s", (int)dlen, dir, rel) >= PATH_MAX)
		return n;
	return !stat(out[n], &st) && S_ISREG(st.st_mode) ? n + 1 : n;
}

int cv_mountinfo_overlay_layers(const char *path, char (*out)[PATH_MAX], int max)
{
	char *line = NULL, *mp, *dash, *opt, *save = NULL, real[PATH_MAX];
	unsigned long long id;
	struct statx stx;
	size_t cap = 0, mlen;
	int n = 0, off = 0;
	FILE *f;

	if (!realpath(path, real) || statx(AT_FDCWD, real, 0, STATX_MNT_ID, &stx) || !(stx.stx_mask & STATX_MNT_ID))
		return 0;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPEROPTS */
		if (sscanf(line, "%llu %*u %*u:%*u %*s %n", &id, &off) < 1 || id != stx.stx_mnt_id)
			continue;
		mp = line + off;
		mp[strcspn(mp, " ")] = '\0';
		dash = strstr(mp + strlen(mp) + 1, " - overlay ");
		if (!dash)
			break;
		cv_mountinfo_unescape(mp);
		mlen = strcmp(mp, "/") ? strlen(mp) : 0;
		if (strncmp(real, mp, mlen) || (real[mlen] && real[mlen] != '/'))
			break;
		opt = strchr(dash + strlen(" - overlay "), ' ');	/* past the source */
		if (!opt)
			break;
		opt[strcspn(opt, "\n")] = '\0';
		/* upperdir first: the file as it is now; each lowerdir (colon-separated) then, top down. */
		for (int pass = 0; pass < 2; pass++) {
			char *opts = strdup(opt + 1), *o;

			if (!opts)
				break;
			for (o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
				const char *v = !pass && !strncmp(o, "upperdir=", 9) ? o + 9 :
						pass && !strncmp(o, "lowerdir=", 9) ? o + 9 :
						pass && !strncmp(o, "lowerdir+=", 10) ? o + 10 : NULL;

				while (v && *v) {
					size_t len = pass ? strcspn(v, ":") : strlen(v);

					n = cv_layer_add(v, len, real + mlen, out, n, max);
					v += len + (v[len] == ':');
				}
			}
			free(opts);
		}
		break;
	}
	free(line);
	fclose(f);
	return n;
}
