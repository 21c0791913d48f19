/* SPDX-License-Identifier: GPL-2.0 */
/*
 * camvault agent: loading the eBPF access probes at the best tier the kernel offers (bpf/hooks.bpf.c
 * for the LSM, fentry and kprobe tiers, bpf/access.bpf.c for syscall tracepoints), choosing what they
 * watch and reading their records.
 *
 * Single-threaded: one cv_probes is used by one thread at a time. Needs root (CAP_BPF and CAP_PERFMON,
 * CAP_MAC_ADMIN for the LSM tier); the syscall-tracepoint tier needs tracefs at /sys/kernel/tracing.
 */
#ifndef CAMVAULT_PROBES_H
#define CAMVAULT_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/camvault.h"

struct cv_probes;

struct cv_probes_opts {
	/*
	 * BTF of the running kernel, for kernels built without /sys/kernel/btf/vmlinux (Raspberry Pi OS).
	 * NULL: the kernel's own.
	 */
	const char *btf_path;
	/*
	 * Size in bytes of the ring buffer the records go through: a power of 2 and a multiple of the page
	 * size. 0: the default, CV_PROBES_RINGBUF_DEFAULT.
	 */
	uint32_t ringbuf_bytes;
	/*
	 * How many sessions (files open on footage) the probes follow at once; beyond, opens are counted
	 * as lost (cv_probes_lost_counts). 0: the default, CV_PROBES_SESSIONS_DEFAULT.
	 */
	uint32_t sessions_max;
	/*
	 * enum camvault_tier: only this tier, or fail saying why. 0: the best the kernel offers (LSM,
	 * fentry, kprobe, syscall tracepoints, in that order), or what $CAMVAULT_TIER names.
	 */
	int tier;
	/*
	 * Record-or-deny (LSM tier only; with another tier asked for, or none available, opening fails):
	 * a read-open of a watched file whose record the ring buffer could not be sure to hold is refused
	 * (EACCES), unless by a recorder (cv_probes_allow_recorder). Writes are never refused.
	 */
	bool record_or_deny;
	/*
	 * A directory on a bpffs (cv_probes_pin_dir(): the agent's and "camvault trace --pin"'s) where the
	 * probes are pinned, maps and links, once loaded and attached: they stay attached after this process
	 * ends, even killed, and their ring buffer keeps the records (as many as it holds; the rest are
	 * counted lost) for the next process, which reads on from where the last one stopped: nothing is
	 * lost across a restart. pin_dir is made if missing, in a bpffs (one is mounted on /sys/fs/bpf if
	 * none is there).
	 * When a set pinned by this build of the probes is there, it is used as it is: nothing is loaded, the
	 * tier, sizes and record-or-deny are its own (others asked for explicitly: -EEXIST); the watches set
	 * by the last process stay. A set of another build, or pinned only in part, is replaced (its unread
	 * records are lost); cv_probes_pin_note() says which happened. One process at a time uses a set:
	 * -EBUSY while another does. A record leaves the ring buffer once cv_probes_poll's callback has
	 * returned: a process killed inside the callback hands that one record to the next process again
	 * (at least once, never lost). NULL: no pinning, the probes go with cv_probes_close().
	 */
	const char *pin_dir;
};

#define CV_PROBES_RINGBUF_DEFAULT (1024u * 1024)
#define CV_PROBES_SESSIONS_DEFAULT 8192u

/* Where the agent pins the probes: $CAMVAULT_BPFFS, else CV_PROBES_PIN_DIR. */
#define CV_PROBES_PIN_DIR "/sys/fs/bpf/camvault"
const char *cv_probes_pin_dir(void);

/*
 * Load the probes and attach them. On failure: NULL, errno set, and err (if errlen > 0) says what
 * failed, why and what to do, e.g. "BPF load failed: EPERM: run as root".
 */
struct cv_probes *cv_probes_open(const char *btf_path, char *err, size_t errlen);
struct cv_probes *cv_probes_open_opts(const struct cv_probes_opts *opts, char *err, size_t errlen);

/*
 * Record every later session on the file at path (its inode: later renames do not matter, but a file
 * replaced by a new one under the same name is not watched; a block or char device: every node of that
 * device), or on any file of the filesystem that holds path_on_fs. Unlink, rename and truncate name
 * files by path, which the syscall-tracepoint tier matches against paths: watch_file adds the file's
 * real path, watch_fs every mountpoint of the filesystem, as this process's mount namespace shows them.
 * 0, or a negative errno: from stat(2), or -E2BIG when a map is full.
 */
int cv_probes_watch_file(struct cv_probes *p, const char *path);
int cv_probes_watch_fs(struct cv_probes *p, const char *path_on_fs);
/* Stop watching; -ENOENT when it was not watched. */
int cv_probes_unwatch_file(struct cv_probes *p, const char *path);
int cv_probes_unwatch_fs(struct cv_probes *p, const char *path_on_fs);

/* Every char device of this major is a camera (81: /dev/video*), or no longer; as above. */
#define CV_PROBES_VIDEO_MAJOR 81u
int cv_probes_watch_major(struct cv_probes *p, uint32_t major);
int cv_probes_unwatch_major(struct cv_probes *p, uint32_t major);

typedef void (*cv_probes_cb)(const struct camvault_rec *rec, void *ctx);

/*
 * Wait up to timeout_ms (0: do not wait, -1: forever) for records, then hand every record waiting to
 * cb, oldest first. Returns how many, or a negative errno (-EINTR when a signal came).
 */
int cv_probes_poll(struct cv_probes *p, int timeout_ms, cv_probes_cb cb, void *ctx);

/*
 * Hand cb a copy of every session still open, flagged CAMVAULT_RF_STILL_OPEN (close_ns 0): the probes
 * keep following them, and write them again, whole, when they close. Returns how many, or a negative
 * errno.
 */
int cv_probes_flush(struct cv_probes *p, cv_probes_cb cb, void *ctx);

/*
 * What the probes watch now, as their maps key it: the {dev, ino} of files and the {rdev, 0} of devices
 * ("watched"), the superblocks of filesystems ("watched_sb"), the camera majors ("watched_major"). Arrays
 * the caller frees with cv_probes_keys_free() (which a zeroed struct also takes).
 */
struct cv_probes_keys {
	struct camvault_file_key *files;
	size_t nfiles;
	uint64_t *sbs;
	size_t nsbs;
	uint32_t *majors;
	size_t nmajors;
};

/* Reads the keys above into *k (zeroed first). 0, or a negative errno (*k then empty). */
int cv_probes_keys(struct cv_probes *p, struct cv_probes_keys *k);
void cv_probes_keys_free(struct cv_probes_keys *k);

/*
 * For a reader that must keep records before they leave the ring buffer (the agent commits them to its log):
 * hands cb up to max (0: CV_PROBES_BATCH_MAX) records waiting, oldest first, as pointers into the ring buffer
 * (valid during the call only), and lets them leave it only when cb returns 0. A reader killed before that finds
 * them again (pinned probes): nothing is lost, and nothing is handed twice to a reader whose cb kept it.
 * cb is not called with no records. Returns how many records cb kept, or a negative errno (cb's when it
 * returned one, -ECANCELED for a positive return: the records stay).
 */
#define CV_PROBES_BATCH_MAX 1024u
typedef int (*cv_probes_batch_cb)(const struct camvault_rec *const *recs, size_t n, void *ctx);
int cv_probes_consume(struct cv_probes *p, size_t max, cv_probes_batch_cb cb, void *ctx);

/* A file descriptor that polls readable when records wait, for an event loop; then call cv_probes_poll(p, 0, ...). */
int cv_probes_fd(const struct cv_probes *p);

/*
 * How many records the probes could not write because the ring buffer was full, plus how many sessions
 * they could not follow because they already followed sessions_max, since they were loaded (pinned
 * probes: since they were pinned): the sum over CPUs. UINT64_MAX if a counter could not be read.
 */
uint64_t cv_probes_lost(const struct cv_probes *p);

struct cv_probes_loss {
	uint64_t records;	/* ring buffer full */
	uint64_t sessions;	/* session table full: counted at each attempt (open, then each I/O) */
	uint64_t denied;	/* opens refused by record-or-deny */
};

/* The counters above; 0, or a negative errno. */
int cv_probes_lost_counts(const struct cv_probes *p, struct cv_probes_loss *loss);

/*
 * The tier the probes run at (enum camvault_tier); the name of a tier: "lsm" ... "unknown"; a tier by
 * name ("tracepoint" too; "auto": 0), or -EINVAL.
 */
int cv_probes_tier(const struct cv_probes *p);
const char *cv_probes_tier_name(int tier);
int cv_probes_tier_parse(const char *name);

/* Why the better tiers were not taken ("lsm: ...; fentry: ..."), or "" when none was skipped. */
const char *cv_probes_fallback(const struct cv_probes *p);

/*
 * Record-or-deny never refuses the process running executable exe (its inode: the NVR, the recorder).
 * 0, or a negative errno (-EOPNOTSUPP at the syscall-tracepoint tier).
 */
int cv_probes_allow_recorder(struct cv_probes *p, const char *exe);

/*
 * With pin_dir: what was found there and done, for people: "pinned in DIR", "reusing the probes pinned in
 * DIR since 2026-11-25T15:04:05Z: ...", "replaced the probes pinned in DIR (why; ...)". Else "".
 */
const char *cv_probes_pin_note(const struct cv_probes *p);

/*
 * Detach the probes and free everything; NULL is allowed. Pinned probes stay pinned and attached (that
 * is the point): cv_probes_unpin() detaches them for good.
 */
void cv_probes_close(struct cv_probes *p);

/*
 * Unpin the probes pinned in pin_dir, links first: they detach, their maps and unread records go, and
 * pin_dir is removed. 0; -ENOENT: nothing pinned there; -EBUSY: a process uses them (this one too,
 * until its cv_probes_close()); err says why and what to do.
 */
int cv_probes_unpin(const char *pin_dir, char *err, size_t errlen);

/* What cv_probes_pinned_info() finds pinned (for camvault status). */
struct cv_probes_pinned {
	int tier;
	bool record_or_deny;
	bool other_build;		/* not this build's probes: the next process to pin replaces them */
	uint32_t links;			/* probes attached: their links pinned */
	int reader;			/* the pid using them (reading their records), 0: none */
	int64_t since;			/* when they were pinned: CLOCK_REALTIME, in seconds */
	struct cv_probes_loss loss;	/* since then */
	uint64_t sessions;		/* sessions in progress */
	uint32_t sessions_max;
	uint32_t ringbuf_bytes;
	uint64_t waiting;		/* bytes of records (and their headers) in the ring buffer, unread */
};

/*
 * Look at the probes pinned in pin_dir without taking them (no lock, nothing loaded): 0 and *info;
 * -ENOENT: nothing pinned (err says so, or that no bpffs is mounted there); -EAGAIN: a set pinned in
 * part (being pinned, or a start cut short); -EPROTO: another version of camvault's; another negative
 * errno (-EACCES: not root). err says which.
 */
int cv_probes_pinned_info(const char *pin_dir, struct cv_probes_pinned *info, char *err, size_t errlen);

#endif /* CAMVAULT_PROBES_H */
