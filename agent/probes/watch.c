// SPDX-License-Identifier: GPL-2.0
/*
 * Watching a vault with the access probes (watch.h): its store, its device and its filesystem, shared by
 * "camvault trace" and "camvault agent" so that both watch a vault the same way.
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>


#include "probes/watch.h"
#include "vault/dm.h"
#include "vault/vault.h"

/*
 * Watches the block devices dev (a device node) stacks on, as sysfs lists them (/sys/dev/block/M:m/slaves:
 * a loop device, a disk's partition, another device-mapper device, and what those stack on), into w->lower.
 */
static void cv_watch_lower(struct cv_probes *p, struct cv_watch *w, const char *dev, int depth)
{
	char dir[128], node[sizeof(w->lower[0])];
	struct dirent *d;
	struct stat st;
	DIR *slaves;
	int i;

	if (depth > 3 || stat(dev, &st) || !S_ISBLK(st.st_mode))
		return;
	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u/slaves", major(st.st_rdev), minor(st.st_rdev));
	slaves = opendir(dir);
	if (!slaves)
		return;
	while ((d = readdir(slaves))) {
		if (d->d_name[0] == '.' || snprintf(node, sizeof(node), "/dev/%s", d->d_name) >= (int)sizeof(node))
			continue;
		for (i = 0; i < CV_WATCH_LOWER && w->lower[i][0]; i++)
			;
		if (i == CV_WATCH_LOWER)
			break;
		if (cv_probes_watch_file(p, node))
			continue;	/* no node for it here (no devtmpfs): nothing opens it by that door */
		memcpy(w->lower[i], node, sizeof(node));
		cv_watch_lower(p, w, node, depth + 1);
	}
	closedir(slaves);
}

int cv_watch_vault(struct cv_probes *p, const struct cv_vault_entry *e, struct cv_watch *w, char *desc,
		   size_t desclen, char *err, size_t errlen)
{
	struct cv_watch local;
	char why[CV_ERRLEN];
	int ret, n, i;

	if (!w)
		w = &local;
	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", e->name);
	snprintf(w->backing, sizeof(w->backing), "%s", e->backing);
	ret = cv_probes_watch_file(p, e->backing);
	if (ret) {
		snprintf(err, errlen, "cannot watch vault %s's store %s: %s: check that it exists (vaults.conf line "
			 "%u)", e->name, e->backing, strerror(-ret), e->line);
		return -1;
	}
	n = snprintf(desc, desclen, "store %s", e->backing);
	snprintf(w->dev, sizeof(w->dev), "%s/%s", CV_DM_DIR, e->name);
	/* A closed vault has no device: nothing to read through it, nothing to watch. */
	if (cv_probes_watch_file(p, w->dev)) {
		w->dev[0] = '\0';
	} else {
		if (n >= 0 && (size_t)n < desclen)
			n += snprintf(desc + n, desclen - n, ", device %s", w->dev);
		cv_watch_lower(p, w, w->dev, 0);
		for (i = 0; i < CV_WATCH_LOWER && w->lower[i][0]; i++)
			if (n >= 0 && (size_t)n < desclen)
				n += snprintf(desc + n, desclen - n, ", %s under it", w->lower[i]);
	}
	if (cv_vault_mounted(e->name, w->fs, sizeof(w->fs), why, sizeof(why)) <= 0 || cv_probes_watch_fs(p, w->fs))
		w->fs[0] = '\0';
	else if (n >= 0 && (size_t)n < desclen)
		snprintf(desc + n, desclen - n, ", files under %s", w->fs);
	return 0;
}

int cv_unwatch_vault(struct cv_probes *p, const struct cv_watch *w)
{
	int first = 0, ret, i;

	ret = cv_probes_unwatch_file(p, w->backing);
	if (ret && ret != -ENOENT)
		first = ret;
	if (w->dev[0]) {
		ret = cv_probes_unwatch_file(p, w->dev);
		if (ret && ret != -ENOENT && !first)
			first = ret;
	}
	for (i = 0; i < CV_WATCH_LOWER && w->lower[i][0]; i++) {
		ret = cv_probes_unwatch_file(p, w->lower[i]);
		if (ret && ret != -ENOENT && !first)
			first = ret;
	}
	if (w->fs[0]) {
		ret = cv_probes_unwatch_fs(p, w->fs);
		if (ret && ret != -ENOENT && !first)
			first = ret;
	}
	return first;
}
