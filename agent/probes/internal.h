/* SPDX-License-Identifier: GPL-2.0 */
/*
 * camvault agent: what the files of the probes' userspace half share (probes.c, progs.c, tier.c, pin.c), not
 * for use outside agent/probes/: the public API is probes.h.
 */
#ifndef CAMVAULT_PROBES_INTERNAL_H
#define CAMVAULT_PROBES_INTERNAL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "access.skel.h"
#include "hooks.skel.h"
#include "probes/probes.h"

#define CV_MAX_LINKS 96

/*
 * The maps userspace uses, by name: both objects have them, but "recorders" and "denied" (the hooks
 * object's only) and "op_progs" (the syscall-tracepoint object's: a program array, which the kernel
 * empties once no fd or pin holds it, so one is held while the probes run). File descriptors, -1 when
 * absent: the loaded object's, or (pinned probes reused) ours.
 */
#define CV_MAP_NAMES(X) X(records) X(sessions) X(lost) X(lost_sessions) X(watched) X(watched_sb) \
	X(watched_major) X(watched_path) X(uring_tgids) X(recorders) X(denied) \
	X(watch_filter) X(op_progs)

struct cv_probe_maps {
#define CV_MAP_FIELD(name) int name;
	CV_MAP_NAMES(CV_MAP_FIELD)
#undef CV_MAP_FIELD
};

struct cv_probes {
	struct access_bpf *tp;		/* the syscall-tracepoint tier, or */
	struct hooks_bpf *hooks;	/* the LSM, fentry or kprobe tier */
	struct bpf_object *obj;		/* the one loaded (NULL: pinned probes reused) */
	struct cv_probe_maps m;
	bool own_fds;			/* m's fds are ours to close (pinned probes reused) */
	uint32_t sessions_vsize;	/* the value size of "sessions" */
	int tier;
	char fallback[1024];		/* why better tiers were not taken */
	struct bpf_link *links[CV_MAX_LINKS];
	const char *link_names[CV_MAX_LINKS];	/* their programs' names */
	int nlinks;
	bool links_pinned;		/* the links outlive this process: never detach them */
	int pin_dfd;			/* the pin directory, flock()ed while we use it; -1 without pinning */
	char pin_dir[PATH_MAX];
	char pin_note[PATH_MAX + 1024];	/* what was found pinned and what was done with it */
	struct ring_buffer *rb;
	/*
	 * The ring buffer mapped for cv_probes_consume(), which advances the consumer position itself, only
	 * once its callback has kept a batch: libbpf's reader advances it after every record.
	 */
	unsigned long *rb_cons;		/* the consumer page */
	void *rb_prod;			/* the producer page, then the data pages mapped twice */
	size_t rb_size;			/* the data size (max_entries) */
	/* cv_probes_consume()'s batch: kept here, so that the agent's hot loop allocates nothing. */
	const struct camvault_rec *rb_batch[CV_PROBES_BATCH_MAX];
	/* The callback of the cv_probes_poll in progress. */
	cv_probes_cb cb;
	void *cb_ctx;
};

static inline void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* "EPERM: run as root" and the like, for a negative errno from libbpf or the kernel. */
static inline const char *errno_hint(int e)
{
	switch (e < 0 ? -e : e) {
	case EPERM:
	case EACCES:
		if (geteuid() == 0)
			return "refused by the kernel (lockdown, or a security module)";
		return "run as root (needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)";
	case ENOMEM:
		return "out of memory, or the locked-memory limit (ulimit -l) is too low";
	case ESRCH:
		return "no BTF for this kernel: give its BTF file as btf_path";
	default:
		return "see libbpf's messages above";
	}
}

static inline const char *errno_name(int e)
{
	const char *name = strerrorname_np(e < 0 ? -e : e);

	return name ? name : "error";
}

/* probes.c */
int probes_on_record(void *ctx, void *data, size_t size);
void probes_ring_unmap(struct cv_probes *p);
int probes_lost_counts(const struct cv_probe_maps *m, struct cv_probes_loss *loss);

/* progs.c: the programs of a tier */
int probes_select_programs(struct hooks_bpf *skel, int tier, char *err, size_t errlen);
int probes_attach_all(struct cv_probes *p, char *err, size_t errlen);

/* tier.c: choosing a tier, loading and unloading it */
extern bool cv_libbpf_quiet;
int probes_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap);
int probes_wanted_tier(const struct cv_probes_opts *opts, char *err, size_t errlen);
int probes_try_tier(struct cv_probes *p, int tier, const struct cv_probes_opts *o, char *err, size_t errlen);
void probes_unload(struct cv_probes *p);
void probes_shed_object(struct cv_probes *p);
void probes_no_maps(struct cv_probe_maps *m);
int *probes_map_slot(struct cv_probe_maps *m, const char *name);
int probes_map_info(int fd, struct bpf_map_info *info);
void probes_close_maps(struct cv_probes *p);

/* pin.c: pinning, see cv_probes_opts.pin_dir */
int probes_pin_open(struct cv_probes *p, const struct cv_probes_opts *asked, const struct cv_probes_opts *o,
		    int want, char *err, size_t errlen);
int probes_pin_all(struct cv_probes *p, const struct cv_probes_opts *o, char *err, size_t errlen);
int probes_unpin_all(const char *dir);

#endif /* CAMVAULT_PROBES_INTERNAL_H */
