/* SPDX-License-Identifier: GPL-2.0 */
/*
 * camvault agent: the programs of the probes' two objects, as tables of skeleton handles (progs.c): which
 * tiers load each one, and what a kernel may lack without the tier failing. A program renamed or removed
 * in bpf/ breaks the build here (offsetof into the skeleton's progs), one added without an entry too (the
 * tables' sizes are checked against the skeletons'), rather than not being loaded or attached.
 */
#ifndef CAMVAULT_PROBES_PROGS_H
#define CAMVAULT_PROBES_PROGS_H

#include <stdbool.h>
#include <stddef.h>

#include "uapi/camvault.h"

struct bpf_program;

/* The set of tiers a program belongs to: bits of enum camvault_tier. */
#define CV_TIER_BIT(tier) (1u << (tier))

struct cv_prog {
	size_t off;		/* of its struct bpf_program * in the skeleton (struct hooks_bpf, struct access_bpf) */
	const char *name;	/* the program's name, which its link is pinned under */
	unsigned int tiers;	/* CV_TIER_BIT()s of the tiers that load it */
	/*
	 * Its kernel function may be missing (a hook of some kernel versions, or of a kernel option: needs
	 * says which): then it is not loaded, and the tier works without it.
	 */
	bool optional;
	const char *needs;
	/* Loaded without looking its hook up: a tracepoint every kernel with BPF has (sched_process_exit). */
	bool any_kernel;
	/* Not loaded where the kernel has this function too (one that counts the same bytes). NULL: none. */
	const char *unless;
	/* Loaded, never attached: a tail-call target (access.bpf.c's op_progs). */
	bool tail_call;
};

/* bpf/hooks.bpf.c's programs (LSM, fentry, kprobe tiers) and bpf/access.bpf.c's (syscall tracepoints), in
 * their skeletons' order. */
extern const struct cv_prog cv_hooks_progs[];
extern const size_t cv_hooks_nprogs;
extern const struct cv_prog cv_access_progs[];
extern const size_t cv_access_nprogs;

/* The program of entry e in skeleton skel (a struct hooks_bpf * or struct access_bpf *, opened). */
static inline struct bpf_program *cv_prog_of(const void *skel, const struct cv_prog *e)
{
	return *(struct bpf_program *const *)((const char *)skel + e->off);
}

static inline bool cv_prog_in_tier(const struct cv_prog *e, int tier)
{
	return tier > 0 && tier < 32 && (e->tiers & CV_TIER_BIT(tier)) != 0;
}

#endif /* CAMVAULT_PROBES_PROGS_H */
