// SPDX-License-Identifier: GPL-2.0
/*
 * camvault agent, the eBPF probes' userspace half: the programs of each tier, and attaching
 * them. See probes.h.
 */
#define _GNU_SOURCE
#include "probes/internal.h"

int probes_attach_all(struct cv_probes *p, char *err, size_t errlen)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, p->obj) {
		struct bpf_link *link;

		/* Not attached: tail-call targets (SEC "raw_tp" with no tracepoint: access.bpf.c's op_progs). */
		if (!bpf_program__autoload(prog) || !strchr(bpf_program__section_name(prog), '/'))
			continue;
		if (p->nlinks == CV_MAX_LINKS) {
			set_err(err, errlen, "more than %d probes: raise CV_MAX_LINKS", CV_MAX_LINKS);
			return -E2BIG;
		}
		link = bpf_program__attach(prog);
		if (!link) {
			int e = -errno;

			set_err(err, errlen, "attaching %s failed: %s: %s", bpf_program__section_name(prog),
				errno_name(e), errno_hint(e));
			return e;
		}
		p->link_names[p->nlinks] = bpf_program__name(prog);
		p->links[p->nlinks++] = link;
	}
	return 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Whether hooks.bpf.c's program name belongs to tier (see the naming there). */
static bool prog_in_tier(const char *name, int tier)
{
	if (has_prefix(name, "cv_"))
		return true;	/* every tier's: the process-exit and io_uring tracepoints */
	switch (tier) {
	case CAMVAULT_TIER_LSM:
		return has_prefix(name, "lsm_") || has_prefix(name, "cnt_fentry_") || has_prefix(name, "cnt_fexit_");
	case CAMVAULT_TIER_FENTRY:
		return has_prefix(name, "fentry_") || has_prefix(name, "cnt_fentry_") || has_prefix(name, "cnt_fexit_");
	case CAMVAULT_TIER_KPROBE:
		return has_prefix(name, "kprobe_") || has_prefix(name, "cnt_kprobe_") || has_prefix(name, "cnt_kretprobe_");
	default:
		return false;
	}
}

/*
 * Hooks a kernel may lack: file_truncate came in 6.2 (before, path_truncate sees every truncate);
 * do_iter_read/do_iter_write, static, went in 6.9 (do_iter_readv_writev counts readv then), and
 * splice_file_range came in 6.8 (copy_file_range's splice; do_splice_direct's before); io_uring and aio
 * are options of the kernel (without io_submit's hook, aio's reads are flagged at the close).
 */
static bool prog_optional(const char *name)
{
	return strstr(name, "file_truncate") || strstr(name, "do_iter_") || strstr(name, "uring") ||
	       strstr(name, "io_submit") || strstr(name, "splice_file_range");
}

/*
 * The kernel function prog attaches to ("bpf_lsm_file_open", "vfs_read"...) into fn, and whether it is
 * found in the kernel's BTF (LSM, fentry) or symbols (kprobes). A tracepoint is told by its iterator
 * function, __traceiter_NAME (5.10 on): its __tracepoint_NAME is data, which /proc/kallsyms lists only
 * with CONFIG_KALLSYMS_ALL, which Debian's arm64 kernel (like Raspberry Pi OS's) does not set.
 */
static const char *prog_target(const struct bpf_program *prog, char *fn, size_t len)
{
	const char *sec = bpf_program__section_name(prog), *slash = strchr(sec, '/');

	if (!slash)
		return NULL;
	snprintf(fn, len, "%s%s", has_prefix(sec, "lsm/") ? "bpf_lsm_" : has_prefix(sec, "raw_tp/") ? "__traceiter_" : "",
		 slash + 1);
	return fn;
}

/* Whether every name in names[] is a kernel symbol: found[i] set for each (one pass over kallsyms). */
static void kallsyms_find(const char *const *names, bool *found, int n)
{
	char line[512], sym[256];
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		/* address type name [module] */
		if (sscanf(line, "%*s %*s %255s", sym) != 1)
			continue;
		for (int i = 0; i < n; i++)
			if (!found[i] && strcmp(sym, names[i]) == 0)
				found[i] = true;
	}
	fclose(f);
}

/*
 * Choose tier's programs of the hooks object: autoload those whose kernel function exists; a missing
 * one that is not optional makes the tier unavailable (-ENOENT, err says which).
 */
int probes_select_programs(struct bpf_object *obj, int tier, char *err, size_t errlen)
{
	const char *names[CV_MAX_LINKS];
	struct bpf_program *progs[CV_MAX_LINKS], *prog;
	char fns[CV_MAX_LINKS][64];
	bool found[CV_MAX_LINKS] = { false };
	struct btf *vmlinux = NULL;
	int n = 0;

	bpf_object__for_each_program(prog, obj) {
		const char *name = bpf_program__name(prog);
		bool mine = prog_in_tier(name, tier);

		bpf_program__set_autoload(prog, mine);
		if (!mine || has_prefix(name, "cv_sched"))
			continue;
		if (n == CV_MAX_LINKS || !prog_target(prog, fns[n], sizeof(fns[n])))
			return -E2BIG;
		names[n] = fns[n];
		progs[n++] = prog;
	}
	/* Tracepoints, and kprobes' functions, by their symbols; LSM hooks and fentry's by their BTF. */
	kallsyms_find(names, found, n);
	if (tier != CAMVAULT_TIER_KPROBE) {
		vmlinux = btf__load_vmlinux_btf();
		if (!vmlinux) {
			set_err(err, errlen, "no kernel BTF (/sys/kernel/btf/vmlinux)");
			return -ENOENT;
		}
		for (int i = 0; i < n; i++)
			if (!has_prefix(names[i], "__traceiter_"))
				found[i] = btf__find_by_name_kind(vmlinux, names[i], BTF_KIND_FUNC) >= 0;
		btf__free(vmlinux);
	}
	for (int i = 0; i < n; i++) {
		/* do_iter_readv_writev counts where do_iter_read and do_iter_write (6.8 and before) do not. */
		if (found[i] && !strcmp(names[i], "do_iter_readv_writev"))
			for (int k = 0; k < n; k++)
				if (found[k] && !strcmp(names[k], "do_iter_read"))
					found[i] = false;
		if (found[i])
			continue;
		if (!prog_optional(bpf_program__name(progs[i]))) {
			set_err(err, errlen, "the kernel has no %s", names[i]);
			return -ENOENT;
		}
		bpf_program__set_autoload(progs[i], false);
	}
	return 0;
}
