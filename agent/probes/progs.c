// SPDX-License-Identifier: GPL-2.0
/*
 * camvault agent, the eBPF probes' userspace half: the programs of each tier (the tables of progs.h), and
 * attaching them. See probes.h.
 */
#define _GNU_SOURCE
#include "probes/internal.h"
#include "probes/progs.h"

#define CV_LSM CV_TIER_BIT(CAMVAULT_TIER_LSM)
#define CV_FENTRY CV_TIER_BIT(CAMVAULT_TIER_FENTRY)
#define CV_KPROBE CV_TIER_BIT(CAMVAULT_TIER_KPROBE)
#define CV_SYSCALL_TP CV_TIER_BIT(CAMVAULT_TIER_SYSCALL_TP)
/* The byte counters' fentry and fexit programs: the LSM tier's and the fentry tier's. */
#define CV_TRAMPOLINES (CV_LSM | CV_FENTRY)
#define CV_HOOK_TIERS (CV_LSM | CV_FENTRY | CV_KPROBE)

#define CV_HOOKS(prog, ...) { .off = offsetof(struct hooks_bpf, progs.prog), .name = #prog, __VA_ARGS__ }
#define CV_ACCESS(prog, ...) { .off = offsetof(struct access_bpf, progs.prog), .name = #prog, __VA_ARGS__ }

/*
 * Hooks a kernel may lack: file_truncate came in 6.2 (before, path_truncate sees every truncate);
 * do_iter_read/do_iter_write, static, went in 6.9 (do_iter_readv_writev counts readv then), and
 * splice_file_range came in 6.8 (copy_file_range's splice; do_splice_direct's before); io_uring and aio
 * are options of the kernel (without io_submit's hook, aio's reads are flagged at the close).
 */
#define CV_NEEDS_FILE_TRUNCATE .optional = true, .needs = "security_file_truncate (6.2 on)"
#define CV_NEEDS_SPLICE_FILE_RANGE .optional = true, .needs = "splice_file_range (6.8 on)"
#define CV_NEEDS_DO_ITER .optional = true, .needs = "do_iter_read and do_iter_write (up to 6.8)"
/* do_iter_readv_writev counts where do_iter_read and do_iter_write (6.8 and before) do not. */
#define CV_NEEDS_READV_WRITEV .optional = true, .needs = "do_iter_readv_writev, where do_iter_read is gone (6.9 on)", \
	.unless = "do_iter_read"
#define CV_NEEDS_URING .optional = true, .needs = "io_uring (CONFIG_IO_URING)"
#define CV_NEEDS_AIO .optional = true, .needs = "aio (CONFIG_AIO)"

/* bpf/hooks.bpf.c: each hook as lsm_, fentry_ and kprobe_, each byte counter as cnt_ programs. */
const struct cv_prog cv_hooks_progs[] = {
	CV_HOOKS(lsm_file_open, .tiers = CV_LSM),
	CV_HOOKS(fentry_file_open, .tiers = CV_FENTRY),
	CV_HOOKS(kprobe_file_open, .tiers = CV_KPROBE),
	CV_HOOKS(lsm_mmap_file, .tiers = CV_LSM),
	CV_HOOKS(fentry_mmap_file, .tiers = CV_FENTRY),
	CV_HOOKS(kprobe_mmap_file, .tiers = CV_KPROBE),
	CV_HOOKS(lsm_file_ioctl, .tiers = CV_LSM),
	CV_HOOKS(fentry_file_ioctl, .tiers = CV_FENTRY),
	CV_HOOKS(kprobe_file_ioctl, .tiers = CV_KPROBE),
	CV_HOOKS(lsm_socket_sendmsg, .tiers = CV_LSM),
	CV_HOOKS(fentry_socket_sendmsg, .tiers = CV_FENTRY),
	CV_HOOKS(kprobe_socket_sendmsg, .tiers = CV_KPROBE),
	CV_HOOKS(lsm_path_unlink, .tiers = CV_LSM),
	CV_HOOKS(fentry_path_unlink, .tiers = CV_FENTRY),
	CV_HOOKS(kprobe_path_unlink, .tiers = CV_KPROBE),
	CV_HOOKS(lsm_path_rename, .tiers = CV_LSM),
	CV_HOOKS(fentry_path_rename, .tiers = CV_FENTRY),
	CV_HOOKS(kprobe_path_rename, .tiers = CV_KPROBE),
	CV_HOOKS(lsm_path_truncate, .tiers = CV_LSM),
	CV_HOOKS(fentry_path_truncate, .tiers = CV_FENTRY),
	CV_HOOKS(kprobe_path_truncate, .tiers = CV_KPROBE),
	CV_HOOKS(lsm_file_truncate, .tiers = CV_LSM, CV_NEEDS_FILE_TRUNCATE),
	CV_HOOKS(fentry_file_truncate, .tiers = CV_FENTRY, CV_NEEDS_FILE_TRUNCATE),
	CV_HOOKS(kprobe_file_truncate, .tiers = CV_KPROBE, CV_NEEDS_FILE_TRUNCATE),
	CV_HOOKS(lsm_file_free_security, .tiers = CV_LSM),
	CV_HOOKS(fentry_file_free_security, .tiers = CV_FENTRY),
	CV_HOOKS(kprobe_file_free_security, .tiers = CV_KPROBE),
	CV_HOOKS(cnt_fentry_rw_verify_area, .tiers = CV_TRAMPOLINES),
	CV_HOOKS(cnt_kprobe_rw_verify_area, .tiers = CV_KPROBE),
	CV_HOOKS(cnt_fexit_vfs_read, .tiers = CV_TRAMPOLINES),
	CV_HOOKS(cnt_kprobe_vfs_read, .tiers = CV_KPROBE),
	CV_HOOKS(cnt_kretprobe_vfs_read, .tiers = CV_KPROBE),
	CV_HOOKS(cnt_fexit_vfs_write, .tiers = CV_TRAMPOLINES),
	CV_HOOKS(cnt_kprobe_vfs_write, .tiers = CV_KPROBE),
	CV_HOOKS(cnt_kretprobe_vfs_write, .tiers = CV_KPROBE),
	CV_HOOKS(cnt_fentry_do_splice_direct, .tiers = CV_TRAMPOLINES),
	CV_HOOKS(cnt_fexit_do_splice_direct, .tiers = CV_TRAMPOLINES),
	CV_HOOKS(cnt_kprobe_do_splice_direct, .tiers = CV_KPROBE),
	CV_HOOKS(cnt_kretprobe_do_splice_direct, .tiers = CV_KPROBE),
	CV_HOOKS(cnt_fentry_splice_file_range, .tiers = CV_TRAMPOLINES, CV_NEEDS_SPLICE_FILE_RANGE),
	CV_HOOKS(cnt_fexit_splice_file_range, .tiers = CV_TRAMPOLINES, CV_NEEDS_SPLICE_FILE_RANGE),
	CV_HOOKS(cnt_kprobe_splice_file_range, .tiers = CV_KPROBE, CV_NEEDS_SPLICE_FILE_RANGE),
	CV_HOOKS(cnt_kretprobe_splice_file_range, .tiers = CV_KPROBE, CV_NEEDS_SPLICE_FILE_RANGE),
	CV_HOOKS(cnt_fexit_do_splice, .tiers = CV_TRAMPOLINES),
	CV_HOOKS(cnt_kprobe_do_splice, .tiers = CV_KPROBE),
	CV_HOOKS(cnt_kretprobe_do_splice, .tiers = CV_KPROBE),
	CV_HOOKS(cnt_fexit_do_iter_read, .tiers = CV_TRAMPOLINES, CV_NEEDS_DO_ITER),
	CV_HOOKS(cnt_kprobe_do_iter_read, .tiers = CV_KPROBE, CV_NEEDS_DO_ITER),
	CV_HOOKS(cnt_kretprobe_do_iter_read, .tiers = CV_KPROBE, CV_NEEDS_DO_ITER),
	CV_HOOKS(cnt_fexit_do_iter_write, .tiers = CV_TRAMPOLINES, CV_NEEDS_DO_ITER),
	CV_HOOKS(cnt_kprobe_do_iter_write, .tiers = CV_KPROBE, CV_NEEDS_DO_ITER),
	CV_HOOKS(cnt_kretprobe_do_iter_write, .tiers = CV_KPROBE, CV_NEEDS_DO_ITER),
	CV_HOOKS(cnt_fexit_do_iter_readv_writev, .tiers = CV_TRAMPOLINES, CV_NEEDS_READV_WRITEV),
	CV_HOOKS(cnt_kprobe_do_iter_readv_writev, .tiers = CV_KPROBE, CV_NEEDS_READV_WRITEV),
	CV_HOOKS(cnt_kretprobe_do_iter_readv_writev, .tiers = CV_KPROBE, CV_NEEDS_READV_WRITEV),
	CV_HOOKS(cnt_fexit_sys_ioctl, .tiers = CV_TRAMPOLINES),
	CV_HOOKS(cnt_kretprobe_sys_ioctl, .tiers = CV_KPROBE),
	CV_HOOKS(cv_uring_complete, .tiers = CV_HOOK_TIERS, CV_NEEDS_URING),
	CV_HOOKS(cnt_fentry_sys_uring_enter, .tiers = CV_TRAMPOLINES, CV_NEEDS_URING),
	CV_HOOKS(cnt_fexit_sys_uring_enter, .tiers = CV_TRAMPOLINES, CV_NEEDS_URING),
	CV_HOOKS(cnt_kprobe_sys_uring_enter, .tiers = CV_KPROBE, CV_NEEDS_URING),
	CV_HOOKS(cnt_kretprobe_sys_uring_enter, .tiers = CV_KPROBE, CV_NEEDS_URING),
	CV_HOOKS(cnt_fentry_sys_io_submit, .tiers = CV_TRAMPOLINES, CV_NEEDS_AIO),
	CV_HOOKS(cnt_fexit_sys_io_submit, .tiers = CV_TRAMPOLINES, CV_NEEDS_AIO),
	CV_HOOKS(cnt_kprobe_sys_io_submit, .tiers = CV_KPROBE, CV_NEEDS_AIO),
	CV_HOOKS(cnt_kretprobe_sys_io_submit, .tiers = CV_KPROBE, CV_NEEDS_AIO),
	CV_HOOKS(cv_sched_exit, .tiers = CV_HOOK_TIERS, .any_kernel = true),
};
const size_t cv_hooks_nprogs = sizeof(cv_hooks_progs) / sizeof(cv_hooks_progs[0]);
_Static_assert(sizeof(cv_hooks_progs) / sizeof(cv_hooks_progs[0]) ==
	       sizeof(((struct hooks_bpf *)0)->progs) / sizeof(struct bpf_program *),
	       "a program of bpf/hooks.bpf.c has no entry in cv_hooks_progs");

/* bpf/access.bpf.c: every program at its tier; the syscalls' handlers are tail-call targets of sys_enter/exit. */
const struct cv_prog cv_access_progs[] = {
	CV_ACCESS(cv_sched_exit, .tiers = CV_SYSCALL_TP),
	CV_ACCESS(cv_sched_free, .tiers = CV_SYSCALL_TP),
	CV_ACCESS(cv_op_openat, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_openat2, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_open, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_creat, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_close, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_close_range, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_dup, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_exec, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_read, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_write, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_sendto, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_sendmsg, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_sendfile, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_splice, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_mmap, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_ioctl, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_uring, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_io_submit, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_unlinkat, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_unlink, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_renameat, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_rename, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_truncate, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_op_ftruncate, .tiers = CV_SYSCALL_TP, .tail_call = true),
	CV_ACCESS(cv_sys_enter, .tiers = CV_SYSCALL_TP),
	CV_ACCESS(cv_sys_exit, .tiers = CV_SYSCALL_TP),
};
const size_t cv_access_nprogs = sizeof(cv_access_progs) / sizeof(cv_access_progs[0]);
_Static_assert(sizeof(cv_access_progs) / sizeof(cv_access_progs[0]) ==
	       sizeof(((struct access_bpf *)0)->progs) / sizeof(struct bpf_program *),
	       "a program of bpf/access.bpf.c has no entry in cv_access_progs");

/*
 * Attach the loaded object's programs: those its tier loaded, but tail-call targets, in the table's order
 * (the object's).
 */
int probes_attach_all(struct cv_probes *p, char *err, size_t errlen)
{
	const struct cv_prog *progs = p->tp ? cv_access_progs : cv_hooks_progs;
	size_t nprogs = p->tp ? cv_access_nprogs : cv_hooks_nprogs;
	const void *skel = p->tp ? (const void *)p->tp : (const void *)p->hooks;

	for (size_t i = 0; i < nprogs; i++) {
		struct bpf_program *prog = cv_prog_of(skel, &progs[i]);
		struct bpf_link *link;

		if (!bpf_program__autoload(prog) || progs[i].tail_call)
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
 * Choose tier's programs of the hooks object (skel, opened): autoload those whose kernel function exists; a
 * missing one that is not optional makes the tier unavailable (-ENOENT, err says which).
 */
int probes_select_programs(struct hooks_bpf *skel, int tier, char *err, size_t errlen)
{
	const char *names[CV_MAX_LINKS];
	const struct cv_prog *progs[CV_MAX_LINKS];
	char fns[CV_MAX_LINKS][64];
	bool found[CV_MAX_LINKS] = { false };
	struct btf *vmlinux = NULL;
	int n = 0;

	for (size_t i = 0; i < cv_hooks_nprogs; i++) {
		const struct cv_prog *e = &cv_hooks_progs[i];
		struct bpf_program *prog = cv_prog_of(skel, e);
		bool mine = cv_prog_in_tier(e, tier);

		bpf_program__set_autoload(prog, mine);
		if (!mine || e->any_kernel)
			continue;
		if (n == CV_MAX_LINKS || !prog_target(prog, fns[n], sizeof(fns[n])))
			return -E2BIG;
		names[n] = fns[n];
		progs[n++] = e;
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
		/* Left out where the kernel has the function that counts the same bytes (do_iter_read). */
		if (found[i] && progs[i]->unless)
			for (int k = 0; k < n; k++)
				if (found[k] && !strcmp(names[k], progs[i]->unless))
					found[i] = false;
		if (found[i])
			continue;
		if (!progs[i]->optional) {
			set_err(err, errlen, "the kernel has no %s", names[i]);
			return -ENOENT;
		}
		bpf_program__set_autoload(cv_prog_of(skel, progs[i]), false);
	}
	return 0;
}
