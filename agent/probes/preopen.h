/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Footage open before the probes watched it (issue 21 §4). The probes see a file from its open, or from the
 * first read, write, mmap or ioctl through a file they did not see opened (CAMVAULT_RF_OPEN_UNSEEN); a file
 * opened before they watched it and then only held, or only mapped and read through page faults, and closed
 * without another syscall on it, they never see. An agent started after the NVR, or after a kernel upgrade
 * that took the pinned probes away, would never record those. So when the probes begin to watch something,
 * the agent walks /proc: every open fd (/proc/PID/fd, stat() through the link) and every file mapping
 * (/proc/PID/maps) of a watched file becomes one record, CAMVAULT_RF_FOUND_AT_START.
 *
 * A file the process later uses through a syscall is recorded again by the probes at its close (OPEN_UNSEEN,
 * with what was done from then on): the scan's record says "it was open when the watch began", the probes'
 * "this is what it did after". Sessions the probes already follow (pinned probes that ran while no agent
 * read them) are theirs to record, and left out of the scan.
 */
#ifndef CV_PREOPEN_H
#define CV_PREOPEN_H

#include <stddef.h>
#include <stdint.h>

#include "probes/probes.h"
#include "uapi/camvault.h"

/* A session the probes already follow: the scan does not record that file for that process. */
struct cv_preopen_seen {
	uint32_t pid;
	uint64_t dev;
	uint64_t ino;
};

struct cv_preopen_opts {
	const struct cv_probes_keys *keys;	/* what is watched, as the probes key it */
	const struct cv_preopen_seen *seen;	/* may be NULL */
	size_t nseen;
	int tier;				/* the probes' tier, for the records */
};

typedef void (*cv_preopen_cb)(const struct camvault_rec *rec, void *ctx);

/*
 * Hands cb one CAMVAULT_REC_SESSION record per (process, watched file) that a process of the proc root
 * (normally "/proc") holds open or mapped: rflags OPEN_UNSEEN | STILL_OPEN | FOUND_AT_START (and CAMERA for a
 * camera), open_ns and close_ns 0, mmaps 1 when the file is mapped, open_flags the fd's f_flags, path the fd's
 * link (or the mapping's file). Processes that go away meanwhile, or whose /proc entries cannot be read, are
 * skipped. Returns how many records, or a negative errno when proc cannot be read.
 */
int cv_preopen_scan(const char *proc, const struct cv_preopen_opts *o, cv_preopen_cb cb, void *ctx);

/* The keys of after that are not in before (a vault added by a SIGHUP): into *out, freed by the caller. */
int cv_preopen_keys_new(const struct cv_probes_keys *after, const struct cv_probes_keys *before,
			struct cv_probes_keys *out);

#endif /* CV_PREOPEN_H */
