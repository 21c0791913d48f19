/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Watching a vault with the access probes: what "camvault trace" and the agent both do for each vault of the
 * registry. A vault is four things one can read footage through: its backing store (image or disk), the block
 * devices its table stacks on (the loop device an image is attached to: dd if=/dev/loop0 reads the same
 * ciphertext as the image), its device-mapper device, and the filesystem mounted from it; each is watched.
 */
#ifndef CV_WATCH_H
#define CV_WATCH_H

#include <limits.h>
#include <stddef.h>

#include "probes/probes.h"
#include "uapi/camvault.h"
#include "vault/registry.h"

#define CV_WATCH_LOWER 4

/* What was watched for one vault, so that it can be unwatched exactly (the mount may move meanwhile). */
struct cv_watch {
	char name[CAMVAULT_NAME_MAXLEN];	/* the vault's */
	char backing[PATH_MAX];
	char dev[PATH_MAX];		/* "" when the device was not there (vault closed) */
	/* The block devices its table stacks on (the loop device over an image, the disk), "" after the last */
	char lower[CV_WATCH_LOWER][64];
	char fs[PATH_MAX];		/* where it was mounted, "" when it was not */
	unsigned int deadman_s;		/* the agent's: the dead-man grace its entry asks for (deadman=), 0: none */
};

/*
 * Watches vault e's store, its /dev/mapper device when open and its filesystem when mounted; w records
 * which (w may be NULL). The store must be watchable: else -1 and err names it. A closed or unmounted vault
 * is not an error (its device or filesystem is simply not watched). desc gets "store X, device Y, files
 * under Z" for people. Returns 0 or -1.
 */
int cv_watch_vault(struct cv_probes *p, const struct cv_vault_entry *e, struct cv_watch *w, char *desc,
		   size_t desclen, char *err, size_t errlen);

/* Stops watching what w says was watched. Returns 0, or the first negative errno (-ENOENT ignored). */
int cv_unwatch_vault(struct cv_probes *p, const struct cv_watch *w);

#endif /* CV_WATCH_H */
