// SPDX-License-Identifier: GPL-2.0
/*
 * Watching a vault with the access probes (watch.h): its store, its device and its filesystem, shared by
 * "camvault trace" and "camvault agent" so that both watch a vault the same way.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>


#include "dm.h"
#include "vault.h"
#include "watch.h"

int cv_watch_vault(struct cv_probes *p, const struct cv_vault_entry *e, struct cv_watch *w, char *desc,
		   size_t desclen, char *err, size_t errlen)
{
	struct cv_watch local;
	char why[CV_ERRLEN];
	int ret, n;

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
	if (cv_probes_watch_file(p, w->dev))
		w->dev[0] = '\0';
	else if (n >= 0 && (size_t)n < desclen)
		n += snprintf(desc + n, desclen - n, ", device %s", w->dev);
	if (cv_vault_mounted(e->name, w->fs, sizeof(w->fs), why, sizeof(why)) <= 0 || cv_probes_watch_fs(p, w->fs))
		w->fs[0] = '\0';
	else if (n >= 0 && (size_t)n < desclen)
		snprintf(desc + n, desclen - n, ", files under %s", w->fs);
	return 0;
}

int cv_unwatch_vault(struct cv_probes *p, const struct cv_watch *w)
{
	int first = 0, ret;

	ret = cv_probes_unwatch_file(p, w->backing);
	if (ret && ret != -ENOENT)
		first = ret;
	if (w->dev[0]) {
		ret = cv_probes_unwatch_file(p, w->dev);
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
