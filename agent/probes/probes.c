// SPDX-License-Identifier: GPL-2.0
/* camvault agent: the userspace half of the eBPF access probes. See probes.h. */
#define _GNU_SOURCE
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
#include "util/mountinfo.h"

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

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* "EPERM: run as root" and the like, for a negative errno from libbpf or the kernel. */
static const char *errno_hint(int e)
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

static const char *errno_name(int e)
{
	const char *name = strerrorname_np(e < 0 ? -e : e);

	return name ? name : "error";
}

static int attach_all(struct cv_probes *p, char *err, size_t errlen)
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

/* A record shorter than ours comes from probes of another version: skipped, never read past its end. */
static int on_record(void *ctx, void *data, size_t size)
{
	struct cv_probes *p = ctx;

	if (size >= sizeof(struct camvault_rec) && p->cb)
		p->cb(data, p->cb_ctx);
	return 0;
}

static int check_ringbuf_bytes(uint32_t bytes, char *err, size_t errlen)
{
	long page = sysconf(_SC_PAGESIZE);

	if ((bytes & (bytes - 1)) != 0 || page <= 0 || bytes % (uint32_t)page != 0) {
		set_err(err, errlen, "ring buffer size %u: must be a power of 2 and a multiple of the page size (%ld)",
			bytes, page);
		return -EINVAL;
	}
	return 0;
}

/* ---- tiers ---- */

/*
 * libbpf's warnings (a verifier log, say) go to stderr, except while a better tier is tried in vain
 * before the next: the fallback note says why it failed. CAMVAULT_LIBBPF_DEBUG=1 shows everything.
 */
static bool cv_libbpf_quiet;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static int debug = -1;

	if (debug < 0)
		debug = getenv("CAMVAULT_LIBBPF_DEBUG") != NULL;
	if (!debug && (level == LIBBPF_DEBUG || cv_libbpf_quiet))
		return 0;
	return vfprintf(stderr, fmt, ap);
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
static int select_programs(struct bpf_object *obj, int tier, char *err, size_t errlen)
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

/* Whether "bpf" is among the active LSMs; securityfs is mounted if it is not (as systemd does). */
static bool lsm_bpf_active(void)
{
	char lsms[512] = "";
	FILE *f = fopen("/sys/kernel/security/lsm", "re");

	if (!f && mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL) == 0)
		f = fopen("/sys/kernel/security/lsm", "re");
	if (!f)
		return false;
	if (!fgets(lsms, sizeof(lsms), f))
		lsms[0] = '\0';
	fclose(f);
	for (char *save = NULL, *tok = strtok_r(lsms, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save))
		if (strcmp(tok, "bpf") == 0)
			return true;
	return false;
}

/* What tier needs that the running kernel shows it lacks, before trying: 0, or -ENOENT and why. */
static int tier_precheck(int tier, const char *btf_path, char *err, size_t errlen)
{
	bool kernel_btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;

	switch (tier) {
	case CAMVAULT_TIER_LSM:
		if (!kernel_btf) {
			set_err(err, errlen, "no kernel BTF (/sys/kernel/btf/vmlinux)");
			return -ENOENT;
		}
		if (!lsm_bpf_active()) {
			set_err(err, errlen, "\"bpf\" is not among the active LSMs (/sys/kernel/security/lsm): "
				"boot with lsm=...,bpf");
			return -ENOENT;
		}
		return 0;
	case CAMVAULT_TIER_FENTRY:
		if (!kernel_btf) {
			set_err(err, errlen, "no kernel BTF (/sys/kernel/btf/vmlinux)");
			return -ENOENT;
		}
		return 0;
	case CAMVAULT_TIER_KPROBE:
		if (access("/sys/bus/event_source/devices/kprobe/type", F_OK) != 0) {
			set_err(err, errlen, "no kprobes (CONFIG_KPROBES)");
			return -ENOENT;
		}
		(void)btf_path;
		return 0;
	default:
		/* raw tracepoints: in every kernel with BPF (the loading says if not) */
		return 0;
	}
}

static void no_maps(struct cv_probe_maps *m)
{
#define CV_MAP_NONE(name) m->name = -1;
	CV_MAP_NAMES(CV_MAP_NONE)
#undef CV_MAP_NONE
}

/* Where the fd of the map called name goes in m, or NULL for a map userspace does not use. */
static int *map_slot(struct cv_probe_maps *m, const char *name)
{
#define CV_MAP_SLOT(n) if (!strcmp(name, #n)) return &m->n;
	CV_MAP_NAMES(CV_MAP_SLOT)
#undef CV_MAP_SLOT
	return NULL;
}

static int map_info(int fd, struct bpf_map_info *info)
{
	uint32_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len);
}

/* The loaded object's maps (their fds are the object's). */
static int find_maps(struct cv_probes *p)
{
	struct bpf_map_info info;
	struct bpf_map *map;

	no_maps(&p->m);
	bpf_object__for_each_map(map, p->obj) {
		int *slot = map_slot(&p->m, bpf_map__name(map));

		if (slot)
			*slot = bpf_map__fd(map);
	}
	if (p->m.sessions < 0 || map_info(p->m.sessions, &info) != 0)
		return -ENOENT;
	p->sessions_vsize = info.value_size;
	return 0;
}

/* Close the maps reused from pins (the loaded object's go with it). */
static void ring_unmap(struct cv_probes *p)
{
	long page = sysconf(_SC_PAGESIZE);

	if (p->rb_cons)
		munmap(p->rb_cons, (size_t)page);
	if (p->rb_prod)
		munmap(p->rb_prod, (size_t)page + 2 * p->rb_size);
	p->rb_cons = NULL;
	p->rb_prod = NULL;
	p->rb_size = 0;
}

/* Maps the ring buffer as the kernel lays it out: the data pages twice, so that a record never wraps. */
static int ring_map(struct cv_probes *p)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	void *cons, *prod;

	if (p->rb_cons)
		return 0;
	if (bpf_obj_get_info_by_fd(p->m.records, &info, &len))
		return -errno;
	cons = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, p->m.records, 0);
	if (cons == MAP_FAILED)
		return -errno;
	prod = mmap(NULL, (size_t)page + 2 * (size_t)info.max_entries, PROT_READ, MAP_SHARED, p->m.records, page);
	if (prod == MAP_FAILED) {
		int e = -errno;

		munmap(cons, (size_t)page);
		return e;
	}
	p->rb_cons = cons;
	p->rb_prod = prod;
	p->rb_size = info.max_entries;
	return 0;
}

static void close_maps(struct cv_probes *p)
{
	if (p->own_fds) {
#define CV_MAP_CLOSE(name) if (p->m.name >= 0) close(p->m.name);
		CV_MAP_NAMES(CV_MAP_CLOSE)
#undef CV_MAP_CLOSE
	}
	p->own_fds = false;
	no_maps(&p->m);
}

/* Undo what try_tier (or pin_reuse) did, so that another tier can be tried. */
static void unload(struct cv_probes *p)
{
	ring_buffer__free(p->rb);
	p->rb = NULL;
	ring_unmap(p);
	for (int i = 0; i < p->nlinks; i++) {
		/*
		 * A pinned link stays attached: destroying it would detach it (a perf-event link is even
		 * disabled, for every holder). Disconnected, it is only freed; its fd is closed here, and
		 * the perf event's (kprobes, tracepoints), which libbpf keeps to itself, at exit.
		 */
		if (p->links_pinned) {
			bpf_link__disconnect(p->links[i]);
			close(bpf_link__fd(p->links[i]));
		}
		bpf_link__destroy(p->links[i]);
	}
	p->nlinks = 0;
	p->links_pinned = false;
	close_maps(p);
	access_bpf__destroy(p->tp);
	hooks_bpf__destroy(p->hooks);
	p->tp = NULL;
	p->hooks = NULL;
	p->obj = NULL;
	p->tier = 0;
}

/* Give the kernel back the pages of an embedded BPF object (bytes, size): read again if ever needed. */
static void drop_pages(const void *bytes, size_t size)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)bytes + page - 1) & ~(page - 1), end = ((uintptr_t)bytes + size) & ~(page - 1);

	if (end > start)
		madvise((void *)start, end - start, MADV_DONTNEED);
}

/*
 * Once attached (and pinned), the probes live on in the kernel through the links and the map fds: the
 * libbpf object (its BTF, programs, relocations) is only memory, held for months by the agent. Keep
 * copies of the map fds, close the object, and drop the pages of the embedded objects the loading
 * read. Nothing is lost when a copy fails: the object is then kept.
 */
static void shed_object(struct cv_probes *p)
{
	struct cv_probe_maps m;
	size_t size;
	const void *bytes;
	bool ok = true;

	if (!p->obj || p->own_fds)
		goto drop;
	no_maps(&m);
#define CV_MAP_DUP(name) \
	if (ok && p->m.name >= 0 && (m.name = fcntl(p->m.name, F_DUPFD_CLOEXEC, 3)) < 0) \
		ok = false;
	CV_MAP_NAMES(CV_MAP_DUP)
#undef CV_MAP_DUP
	if (!ok) {
#define CV_MAP_UNDUP(name) if (m.name >= 0) close(m.name);
		CV_MAP_NAMES(CV_MAP_UNDUP)
#undef CV_MAP_UNDUP
		return;
	}
	/* The ring buffer's mapping and epoll hold the map itself, not the fd number. */
	p->m = m;
	p->own_fds = true;
	access_bpf__destroy(p->tp);
	hooks_bpf__destroy(p->hooks);
	p->tp = NULL;
	p->hooks = NULL;
	p->obj = NULL;
	for (int i = 0; i < p->nlinks; i++)
		p->link_names[i] = NULL;	/* the object's */
drop:
	bytes = access_bpf__elf_bytes(&size);
	drop_pages(bytes, size);
	bytes = hooks_bpf__elf_bytes(&size);
	drop_pages(bytes, size);
}

/* Open, load and attach tier's programs. 0, or a negative errno with err saying why. */
static int try_tier(struct cv_probes *p, int tier, const struct cv_probes_opts *o, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = o->btf_path);
	bool kernel_btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	int e = tier_precheck(tier, o->btf_path, err, errlen);

	if (e)
		return e;
	if (tier == CAMVAULT_TIER_SYSCALL_TP) {
		p->tp = access_bpf__open_opts(&oo);
		p->obj = p->tp ? p->tp->obj : NULL;
		if (p->tp)
			p->tp->rodata->cv_kernel_btf = kernel_btf;
	} else {
		p->hooks = hooks_bpf__open_opts(&oo);
		if (p->hooks) {
			p->obj = p->hooks->obj;
			p->hooks->rodata->cv_tier = tier;
			p->hooks->rodata->cv_record_or_deny = o->record_or_deny;
		}
	}
	if (!p->obj) {
		e = -errno;
		set_err(err, errlen, "opening the BPF object failed: %s: %s", errno_name(e), errno_hint(e));
		goto fail;
	}
	e = bpf_map__set_max_entries(bpf_object__find_map_by_name(p->obj, "records"), o->ringbuf_bytes);
	if (e) {
		set_err(err, errlen, "setting the ring buffer size failed: %s", errno_name(e));
		goto fail;
	}
	e = bpf_map__set_max_entries(bpf_object__find_map_by_name(p->obj, "sessions"), o->sessions_max);
	if (e) {
		set_err(err, errlen, "setting the session table size failed: %s", errno_name(e));
		goto fail;
	}
	if (tier != CAMVAULT_TIER_SYSCALL_TP && (e = select_programs(p->obj, tier, err, errlen)) != 0)
		goto fail;
	if (p->hooks)
		p->hooks->rodata->cv_uring_counted = bpf_program__autoload(p->hooks->progs.cv_uring_complete);

	e = bpf_object__load(p->obj);
	if (e) {
		if (!o->btf_path && !kernel_btf && e != -EPERM)
			set_err(err, errlen, "BPF load failed: %s: the kernel has no BTF (/sys/kernel/btf/vmlinux): "
				"give a BTF file for it as btf_path", errno_name(e));
		else if (o->btf_path && e != -EPERM)
			set_err(err, errlen, "BPF load failed: %s: is %s the BTF of the running kernel? %s",
				errno_name(e), o->btf_path, errno_hint(e));
		else
			set_err(err, errlen, "BPF load failed: %s: %s", errno_name(e), errno_hint(e));
		goto fail;
	}
	e = find_maps(p);
	if (e) {
		set_err(err, errlen, "the BPF object has no session table: a broken build");
		goto fail;
	}
	e = attach_all(p, err, errlen);
	if (e)
		goto fail;
	p->rb = ring_buffer__new(p->m.records, on_record, p, NULL);
	if (!p->rb) {
		e = -errno;
		set_err(err, errlen, "reading the ring buffer failed: %s: %s", errno_name(e), errno_hint(e));
		goto fail;
	}
	p->tier = tier;
	return 0;
fail:
	unload(p);
	return e ? e : -EINVAL;
}

/* ---- pinning: see cv_probes_opts.pin_dir ---- */

static int lost_counts(const struct cv_probe_maps *m, struct cv_probes_loss *loss);

/*
 * A pinned set, in pin_dir (on a bpffs):
 *	meta		an array map of one struct cv_pin_meta: what the set is. Pinned last, so that a set
 *			without it is one whose pinning was cut short (a process killed while starting)
 *	maps/NAME	every map of the object, by name
 *	links/PROG	the link of every program attached, by the program's name: while they are pinned the
 *			probes stay attached, and their maps alive, with no process holding them
 * The process using a set holds an flock() on pin_dir, which goes with it even when it is killed: the
 * ring buffer has one reader, and a set is not replaced or removed under it.
 */
#define CV_PIN_VERSION 1	/* of this layout and of struct cv_pin_meta */
#define CV_PIN_META "meta"
#define CV_PIN_MAPS "maps"
#define CV_PIN_LINKS "links"
#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

struct cv_pin_meta {
	char magic[8];			/* "camvault", no NUL */
	uint32_t version;		/* CV_PIN_VERSION */
	uint32_t tier;
	uint64_t object_hash;		/* object_hash() of the object loaded */
	uint32_t rec_size;		/* sizeof(struct camvault_rec) */
	uint32_t ringbuf_bytes;
	uint32_t sessions_max;
	uint32_t record_or_deny;
	uint32_t nlinks;
	uint32_t pad;
	int64_t pinned_at;		/* CLOCK_REALTIME, seconds */
	char fallback[1024];		/* why better tiers were not taken */
};

const char *cv_probes_pin_dir(void)
{
	const char *env = getenv("CAMVAULT_BPFFS");

	return env && *env ? env : CV_PROBES_PIN_DIR;
}

/*
 * Which build of the probes a set comes from: FNV-1a of the tier's object as built into this program. Any
 * change to the programs or maps changes it, and pinned probes of another build are not reused.
 */
static uint64_t object_hash(int tier)
{
	const unsigned char *b;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t n;

	b = tier == CAMVAULT_TIER_SYSCALL_TP ? access_bpf__elf_bytes(&n) : hooks_bpf__elf_bytes(&n);
	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

/*
 * dir/sub/name (dir/name without sub) into buf: 0, or -ENAMETOOLONG. bpffs refuses dots in names (EPERM:
 * kept for its own files), which internal maps have ("hooks_bp.rodata"): '_' instead, as libbpf does.
 */
static int pin_path(char *buf, size_t len, const char *dir, const char *sub, const char *name)
{
	int n = sub ? snprintf(buf, len, "%s/%s/", dir, sub) : snprintf(buf, len, "%s/", dir);

	if (n < 0 || (size_t)n >= len || strlen(name) >= len - n)
		return -ENAMETOOLONG;
	for (char *c = strcpy(buf + n, name); *c; c++)
		if (*c == '.')
			*c = '_';
	return 0;
}

/* The fd of what is pinned at dir/sub/name, or a negative errno. */
static int pin_get(const char *dir, const char *sub, const char *name)
{
	char path[PATH_MAX];
	int e = pin_path(path, sizeof(path), dir, sub, name);

	return e ? e : bpf_obj_get(path);
}

/*
 * Go over the entries of dir/sub: count them, or (unpin) unlink each, then remove dir/sub. How many there
 * were (0 when dir/sub does not exist), or the first negative errno.
 */
static int pin_walk(const char *dir, const char *sub, bool unpin)
{
	char path[PATH_MAX];
	struct dirent *d;
	int n = 0, e = 0;
	DIR *dh;

	if (pin_path(path, sizeof(path), dir, NULL, sub))
		return -ENAMETOOLONG;
	dh = opendir(path);
	if (!dh)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dh))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		n++;
		if (unpin && unlinkat(dirfd(dh), d->d_name, 0) != 0 && !e)
			e = -errno;
	}
	closedir(dh);
	if (unpin && rmdir(path) != 0 && !e)
		e = -errno;
	return e ? e : n;
}

static int pin_count(const char *dir, const char *sub)
{
	return pin_walk(dir, sub, false);
}

/* Who holds the flock on dir (the process using the set pinned there), from /proc/locks: a pid, or 0. */
static int pin_holder(const char *dir)
{
	char line[256], kind[16];
	unsigned int maj, mnr;
	unsigned long ino;
	struct stat st;
	int pid = 0, who;
	FILE *f;

	if (stat(dir, &st) != 0)
		return 0;
	f = fopen("/proc/locks", "re");
	if (!f)
		return 0;
	while (!pid && fgets(line, sizeof(line), f)) {
		/* "3: FLOCK  ADVISORY  WRITE 1234 00:28:145026 0 EOF"; a waiter's has "->" before FLOCK. */
		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%lu", kind, &who, &maj, &mnr, &ino) == 5 &&
		    !strcmp(kind, "FLOCK") && maj == major(st.st_dev) && mnr == minor(st.st_dev) && ino == st.st_ino)
			pid = who;
	}
	fclose(f);
	return pid;
}

/*
 * Whether the directory dir goes in is on a bpffs (pins can only go there); if not and it is /sys/fs/bpf,
 * one is mounted there when mount_it (as systemd does). 0, or a negative errno and err saying what to do.
 */
static int pin_fs(const char *dir, bool mount_it, char *err, size_t errlen)
{
	char parent[PATH_MAX];
	struct statfs sf;
	char *slash;
	int e;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (!slash)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (statfs(parent, &sf) != 0) {
		e = -errno;
		set_err(err, errlen, "%s: %s: the pinned probes' directory must be on a bpffs", parent, strerror(-e));
		return e;
	}
	if ((uint32_t)sf.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount_it && !strcmp(parent, "/sys/fs/bpf") && mount("bpf", parent, "bpf", 0, "mode=0700") == 0)
		return 0;
	set_err(err, errlen, "%s is not a bpffs: mount one (mount -t bpf bpf /sys/fs/bpf), or set $CAMVAULT_BPFFS to "
		"a directory on one", parent);
	return -ENOENT;
}

/*
 * dir, made if missing, open and flock()ed for this process: its fd, or a negative errno (-EBUSY: another
 * process uses the set pinned there) and err saying why.
 */
static int pin_lock(const char *dir, char *err, size_t errlen)
{
	for (int tries = 0; tries < 3; tries++) {
		struct stat a, b;
		int fd, e;

		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			e = -errno;
			set_err(err, errlen, "cannot make %s: %s: %s", dir, errno_name(e), errno_hint(e));
			return e;
		}
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0) {
			e = -errno;
			set_err(err, errlen, "cannot open %s: %s: %s", dir, errno_name(e), errno_hint(e));
			return e;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			int pid;

			e = errno == EWOULDBLOCK ? -EBUSY : -errno;
			close(fd);
			pid = pin_holder(dir);
			if (e == -EBUSY && pid)
				set_err(err, errlen, "the probes pinned in %s are in use by pid %d (the agent, or "
					"camvault trace --pin): stop it first", dir, pid);
			else if (e == -EBUSY)
				set_err(err, errlen, "the probes pinned in %s are in use by another process (the "
					"agent, or camvault trace --pin): stop it first", dir);
			else
				set_err(err, errlen, "cannot lock %s: %s", dir, errno_name(e));
			return e;
		}
		/* Removed (cv_probes_unpin) between mkdir and flock: a lock on nothing. Again. */
		if (fstat(fd, &a) == 0 && stat(dir, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return fd;
		close(fd);
	}
	set_err(err, errlen, "%s keeps being removed under us: is another camvault unpinning?", dir);
	return -EAGAIN;
}

/* Unpin every entry of dir/sub, then remove dir/sub: 0, or the first negative errno. */
static int unpin_sub(const char *dir, const char *sub)
{
	int e = pin_walk(dir, sub, true);

	return e < 0 ? e : 0;
}

/* Unpin the set in dir: its links first (the probes detach, unless a process holds them), its maps, its meta. */
static int unpin_all(const char *dir)
{
	char path[PATH_MAX];
	int e = unpin_sub(dir, CV_PIN_LINKS), r = unpin_sub(dir, CV_PIN_MAPS);

	if (!e)
		e = r;
	r = pin_path(path, sizeof(path), dir, NULL, CV_PIN_META);
	if (!r && unlink(path) != 0 && errno != ENOENT)
		r = -errno;
	return e ? e : r;
}

/* The meta of the set in dir: 0; -ENOENT: none; -EPROTO: not of this layout (another version of camvault). */
static int pin_meta_read(const char *dir, struct cv_pin_meta *meta)
{
	struct bpf_map_info info;
	const uint32_t zero = 0;
	int fd = pin_get(dir, NULL, CV_PIN_META), e;

	if (fd < 0)
		return fd;
	e = map_info(fd, &info);
	if (!e && (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(zero) ||
		   info.value_size != sizeof(*meta) || info.max_entries != 1))
		e = -EPROTO;
	if (!e)
		e = bpf_map_lookup_elem(fd, &zero, meta);
	close(fd);
	if (!e && (memcmp(meta->magic, "camvault", sizeof(meta->magic)) || meta->version != CV_PIN_VERSION))
		e = -EPROTO;
	return e;
}

/* "2026-11-25T15:04:05Z" */
static void utc_format(int64_t secs, char *buf, size_t len)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", (long long)secs);
}

/* Pin what try_tier loaded and attached in p->pin_dir (locked, and empty), the meta last. */
static int pin_all(struct cv_probes *p, const struct cv_probes_opts *o, char *err, size_t errlen)
{
	struct cv_pin_meta meta = { 0 };
	const uint32_t zero = 0;
	char path[PATH_MAX];
	struct bpf_map *map;
	int fd, e = 0;

	if (mkdirat(p->pin_dfd, CV_PIN_MAPS, 0700) != 0 || mkdirat(p->pin_dfd, CV_PIN_LINKS, 0700) != 0) {
		e = -errno;
		set_err(err, errlen, "cannot make %s/%s and %s/%s: %s", p->pin_dir, CV_PIN_MAPS, p->pin_dir,
			CV_PIN_LINKS, errno_name(e));
		return e;
	}
	bpf_object__for_each_map(map, p->obj) {
		e = pin_path(path, sizeof(path), p->pin_dir, CV_PIN_MAPS, bpf_map__name(map));
		if (!e)
			e = bpf_obj_pin(bpf_map__fd(map), path);
		if (e) {
			set_err(err, errlen, "pinning map %s in %s failed: %s", bpf_map__name(map), p->pin_dir,
				errno_name(e));
			return e;
		}
	}
	for (int i = 0; i < p->nlinks; i++) {
		e = pin_path(path, sizeof(path), p->pin_dir, CV_PIN_LINKS, p->link_names[i]);
		if (!e)
			e = bpf_obj_pin(bpf_link__fd(p->links[i]), path);
		if (e) {
			/* Tracepoints and kprobes are links (BPF_LINK_TYPE_PERF_EVENT) from 5.15 on. */
			set_err(err, errlen, "pinning the link of %s in %s failed: %s%s", p->link_names[i], p->pin_dir,
				errno_name(e), e == -EINVAL ? ": pinning probes needs Linux 5.15 or later" : "");
			return e;
		}
	}
	memcpy(meta.magic, "camvault", sizeof(meta.magic));
	meta.version = CV_PIN_VERSION;
	meta.tier = p->tier;
	meta.object_hash = object_hash(p->tier);
	meta.rec_size = sizeof(struct camvault_rec);
	meta.ringbuf_bytes = o->ringbuf_bytes;
	meta.sessions_max = o->sessions_max;
	meta.record_or_deny = o->record_or_deny;
	meta.nlinks = p->nlinks;
	meta.pinned_at = time(NULL);
	snprintf(meta.fallback, sizeof(meta.fallback), "%s", p->fallback);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "cv_pin_meta", sizeof(zero), sizeof(meta), 1, NULL);
	e = fd < 0 ? fd : bpf_map_update_elem(fd, &zero, &meta, BPF_ANY);
	if (!e)
		e = pin_path(path, sizeof(path), p->pin_dir, NULL, CV_PIN_META);
	if (!e)
		e = bpf_obj_pin(fd, path);
	if (fd >= 0)
		close(fd);
	if (e) {
		set_err(err, errlen, "pinning %s/%s failed: %s", p->pin_dir, CV_PIN_META, errno_name(e));
		return e;
	}
	p->links_pinned = true;
	return 0;
}

/*
 * Use the set pinned in p->pin_dir as it is: nothing loaded; its maps by path, each checked against this
 * build's object (type, key and value sizes, entries), its links left where they are. 0; -ESTALE when a
 * map or link is missing or a map differs (err says which); another negative errno.
 */
static int pin_reuse(struct cv_probes *p, const struct cv_pin_meta *meta, char *err, size_t errlen)
{
	struct access_bpf *tp = NULL;
	struct hooks_bpf *hooks = NULL;
	struct bpf_object *obj;
	struct bpf_map *map;
	int e = 0, n;

	/* Opened only (nothing goes to the kernel): what the maps must look like. */
	if (meta->tier == CAMVAULT_TIER_SYSCALL_TP) {
		tp = access_bpf__open();
		obj = tp ? tp->obj : NULL;
	} else {
		hooks = hooks_bpf__open();
		obj = hooks ? hooks->obj : NULL;
	}
	if (!obj) {
		e = -errno;
		set_err(err, errlen, "opening the BPF object failed: %s", errno_name(e));
		return e;
	}
	no_maps(&p->m);
	p->own_fds = true;
	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		uint32_t entries = !strcmp(name, "records") ? meta->ringbuf_bytes :
				   !strcmp(name, "sessions") ? meta->sessions_max : bpf_map__max_entries(map);
		struct bpf_map_info info;
		int fd = pin_get(p->pin_dir, CV_PIN_MAPS, name), *slot;

		if (fd < 0) {
			set_err(err, errlen, "their map %s: %s", name, errno_name(fd));
			e = fd == -ENOENT ? -ESTALE : fd;
			break;
		}
		e = map_info(fd, &info);
		if (!e && (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
			   info.value_size != bpf_map__value_size(map) || info.max_entries != entries)) {
			set_err(err, errlen, "their map %s is not this build's", name);
			e = -ESTALE;
		} else if (e) {
			set_err(err, errlen, "their map %s: %s", name, errno_name(e));
		}
		slot = map_slot(&p->m, name);
		if (!e && slot)
			*slot = fd;
		else
			close(fd);
		if (!e && !strcmp(name, "sessions"))
			p->sessions_vsize = info.value_size;
		if (e)
			break;
	}
	access_bpf__destroy(tp);
	hooks_bpf__destroy(hooks);
	n = e ? 0 : pin_count(p->pin_dir, CV_PIN_LINKS);
	if (!e && n != (int)meta->nlinks) {
		set_err(err, errlen, "%d of their %u links are pinned", n < 0 ? 0 : n, meta->nlinks);
		e = -ESTALE;
	}
	if (!e && p->m.records < 0) {
		set_err(err, errlen, "they have no ring buffer");
		e = -ESTALE;
	}
	if (!e) {
		p->rb = ring_buffer__new(p->m.records, on_record, p, NULL);
		if (!p->rb) {
			e = -errno;
			set_err(err, errlen, "reading their ring buffer failed: %s: %s", errno_name(e), errno_hint(e));
		}
	}
	if (e) {
		close_maps(p);
		return e;
	}
	p->tier = meta->tier;
	snprintf(p->fallback, sizeof(p->fallback), "%.*s", (int)sizeof(meta->fallback) - 1, meta->fallback);
	return 0;
}

/*
 * Lock p->pin_dir (made if missing), then: reuse the set pinned there if it is this build's and fits what
 * was asked (0); or clear the way for new probes (1: nothing there, or a set of another build or half
 * pinned, removed); or fail (a negative errno, err says why). p->pin_note says what was found and done.
 * asked: the caller's options (sizes asked for explicitly), want: the tier asked for, or 0.
 */
static int pin_open(struct cv_probes *p, const struct cv_probes_opts *asked, const struct cv_probes_opts *o,
		    int want, char *err, size_t errlen)
{
	struct cv_pin_meta meta;
	char why[512] = "", when[32];
	const char *dir = p->pin_dir;
	int e, maps, links;

	e = pin_fs(dir, true, err, errlen);
	if (e)
		return e;
	e = pin_lock(dir, err, errlen);
	if (e < 0)
		return e;
	p->pin_dfd = e;
	e = pin_meta_read(dir, &meta);
	if (e == -ENOENT) {
		maps = pin_count(dir, CV_PIN_MAPS);
		links = pin_count(dir, CV_PIN_LINKS);
		if (maps == 0 && links == 0) {
			snprintf(p->pin_note, sizeof(p->pin_note), "pinned in %s", dir);
			return 1;
		}
		snprintf(why, sizeof(why), "they were pinned only in part, by a start cut short");
	} else if (e == -EPROTO) {
		snprintf(why, sizeof(why), "they come from another version of camvault");
	} else if (e) {
		set_err(err, errlen, "reading %s/%s failed: %s: %s", dir, CV_PIN_META, errno_name(e), errno_hint(e));
		return e;
	} else if (meta.rec_size != sizeof(struct camvault_rec) || meta.tier < CAMVAULT_TIER_LSM ||
		   meta.tier > CAMVAULT_TIER_SYSCALL_TP || meta.object_hash != object_hash(meta.tier)) {
		snprintf(why, sizeof(why), "they come from another build of the probes");
	} else if (want && want != (int)meta.tier) {
		set_err(err, errlen, "the probes pinned in %s run at the %s tier, not %s: ask for no tier to use them, "
			"or detach them first (camvault trace --unpin)", dir, cv_probes_tier_name(meta.tier),
			cv_probes_tier_name(want));
		return -EEXIST;
	} else if (!o->record_or_deny != !meta.record_or_deny) {
		set_err(err, errlen, "the probes pinned in %s %s record-or-deny: %s, or detach them first (camvault "
			"trace --unpin)", dir, meta.record_or_deny ? "enforce" : "do not enforce",
			meta.record_or_deny ? "ask for it too" : "do without it");
		return -EEXIST;
	} else if ((asked && asked->ringbuf_bytes && asked->ringbuf_bytes != meta.ringbuf_bytes) ||
		   (asked && asked->sessions_max && asked->sessions_max != meta.sessions_max)) {
		set_err(err, errlen, "the probes pinned in %s have a %u-byte ring buffer and a table of %u sessions, "
			"not what was asked: detach them first (camvault trace --unpin)", dir, meta.ringbuf_bytes,
			meta.sessions_max);
		return -EEXIST;
	} else {
		e = pin_reuse(p, &meta, why, sizeof(why));
		if (!e) {
			utc_format(meta.pinned_at, when, sizeof(when));
			snprintf(p->pin_note, sizeof(p->pin_note), "reusing the probes pinned in %s since %s: their "
				 "records from where the last reader stopped", dir, when);
			return 0;
		}
		if (e != -ESTALE) {
			set_err(err, errlen, "reusing the probes pinned in %s failed: %s", dir, why);
			return e;
		}
	}
	e = unpin_all(dir);
	if (e) {
		set_err(err, errlen, "removing the probes pinned in %s failed: %s (%s)", dir, errno_name(e), why);
		return e;
	}
	snprintf(p->pin_note, sizeof(p->pin_note), "replaced the probes pinned in %s: %s (the records they held "
		 "unread are lost)", dir, why);
	return 1;
}

const char *cv_probes_pin_note(const struct cv_probes *p)
{
	return p->pin_note;
}

int cv_probes_unpin(const char *pin_dir, char *err, size_t errlen)
{
	struct stat st;
	int fd, e;

	if (stat(pin_dir, &st) != 0) {
		e = -errno;
		if (e == -ENOENT)
			set_err(err, errlen, "no probes pinned in %s", pin_dir);
		else
			set_err(err, errlen, "%s: %s: %s", pin_dir, errno_name(e), errno_hint(e));
		return e;
	}
	fd = pin_lock(pin_dir, err, errlen);
	if (fd < 0)
		return fd;
	e = unpin_all(pin_dir);
	if (!e && rmdir(pin_dir) != 0)
		e = -errno;
	close(fd);
	if (e == -ENOTEMPTY)
		set_err(err, errlen, "%s holds more than camvault's probes: remove the rest by hand", pin_dir);
	else if (e)
		set_err(err, errlen, "removing the probes pinned in %s failed: %s: %s", pin_dir, errno_name(e),
			errno_hint(e));
	return e;
}

/* Bytes written to the ring buffer (fd) and not read yet: its producer position less its consumer's. */
static int ringbuf_waiting(int fd, uint64_t *waiting)
{
	long page = sysconf(_SC_PAGESIZE);
	void *cons, *prod;

	cons = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	if (cons == MAP_FAILED)
		return -errno;
	prod = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, page);
	if (prod == MAP_FAILED) {
		munmap(cons, page);
		return -errno;
	}
	*waiting = __atomic_load_n((uint64_t *)prod, __ATOMIC_ACQUIRE) - __atomic_load_n((uint64_t *)cons,
											__ATOMIC_ACQUIRE);
	munmap(prod, page);
	munmap(cons, page);
	return 0;
}

int cv_probes_pinned_info(const char *pin_dir, struct cv_probes_pinned *info, char *err, size_t errlen)
{
	struct cv_pin_meta meta;
	struct cv_probe_maps m;
	uint64_t key, next;
	struct stat st;
	int e;

	memset(info, 0, sizeof(*info));
	if (stat(pin_dir, &st) != 0) {
		e = -errno;
		if (e == -ENOENT && pin_fs(pin_dir, false, err, errlen) == 0)
			set_err(err, errlen, "nothing pinned in %s", pin_dir);
		else if (e != -ENOENT)
			set_err(err, errlen, "%s: %s: %s", pin_dir, errno_name(e), errno_hint(e));
		return e;
	}
	info->reader = pin_holder(pin_dir);
	e = pin_meta_read(pin_dir, &meta);
	if (e == -ENOENT && !info->reader && pin_count(pin_dir, CV_PIN_MAPS) <= 0 &&
	    pin_count(pin_dir, CV_PIN_LINKS) <= 0) {
		set_err(err, errlen, "nothing pinned in %s", pin_dir);
		return -ENOENT;
	}
	if (e == -ENOENT) {
		if (info->reader)
			set_err(err, errlen, "pid %d is loading probes to pin in %s", info->reader, pin_dir);
		else
			set_err(err, errlen, "%s holds probes pinned only in part (a start cut short): the next "
				"camvault trace --pin replaces them", pin_dir);
		return -EAGAIN;
	}
	if (e == -EPROTO) {
		set_err(err, errlen, "%s holds probes of another version of camvault: camvault trace --unpin removes "
			"them", pin_dir);
		return e;
	}
	if (e) {
		set_err(err, errlen, "reading %s/%s failed: %s: %s", pin_dir, CV_PIN_META, errno_name(e),
			errno_hint(e));
		return e;
	}
	info->tier = meta.tier;
	info->record_or_deny = meta.record_or_deny;
	info->other_build = meta.tier < CAMVAULT_TIER_LSM || meta.tier > CAMVAULT_TIER_SYSCALL_TP ||
			    meta.object_hash != object_hash(meta.tier);
	info->since = meta.pinned_at;
	info->ringbuf_bytes = meta.ringbuf_bytes;
	info->sessions_max = meta.sessions_max;
	e = pin_count(pin_dir, CV_PIN_LINKS);
	info->links = e > 0 ? e : 0;

	no_maps(&m);
#define CV_MAP_GET(name) m.name = pin_get(pin_dir, CV_PIN_MAPS, #name);
	CV_MAP_NAMES(CV_MAP_GET)
#undef CV_MAP_GET
	e = m.lost < 0 ? m.lost : m.lost_sessions < 0 ? m.lost_sessions : m.sessions < 0 ? m.sessions :
	    m.records < 0 ? m.records : 0;
	if (!e)
		e = lost_counts(&m, &info->loss);
	for (int r = e ? 1 : bpf_map_get_next_key(m.sessions, NULL, &next); r == 0;
	     r = bpf_map_get_next_key(m.sessions, &key, &next)) {
		key = next;
		info->sessions++;
	}
	if (!e)
		e = ringbuf_waiting(m.records, &info->waiting);
	if (e)
		set_err(err, errlen, "reading the probes' maps in %s/%s failed: %s: %s", pin_dir, CV_PIN_MAPS,
			errno_name(e), errno_hint(e));
#define CV_MAP_PUT(name) if (m.name >= 0) close(m.name);
	CV_MAP_NAMES(CV_MAP_PUT)
#undef CV_MAP_PUT
	return e;
}

/* The tier asked for: opts->tier, else $CAMVAULT_TIER ("lsm"...), else 0 (the best available). */
static int wanted_tier(const struct cv_probes_opts *opts, char *err, size_t errlen)
{
	const char *env = getenv("CAMVAULT_TIER");
	int t;

	if (opts && opts->tier)
		return opts->tier;
	if (!env || !*env || strcmp(env, "auto") == 0)
		return 0;
	t = cv_probes_tier_parse(env);
	if (t <= 0)
		set_err(err, errlen, "CAMVAULT_TIER=%s: not a tier (auto, lsm, fentry, kprobe, tracepoint)", env);
	return t <= 0 ? -EINVAL : t;
}

static struct cv_probes *probes_open(const struct cv_probes_opts *opts, char *err, size_t errlen)
{
	struct cv_probes_opts o = opts ? *opts : (struct cv_probes_opts){ 0 };
	char why[sizeof(((struct cv_probes *)0)->fallback)], one[512];
	struct cv_probes *p;
	int e, want, tier;

	if (!o.ringbuf_bytes)
		o.ringbuf_bytes = CV_PROBES_RINGBUF_DEFAULT;
	if (!o.sessions_max)
		o.sessions_max = CV_PROBES_SESSIONS_DEFAULT;
	e = check_ringbuf_bytes(o.ringbuf_bytes, err, errlen);
	if (e)
		goto fail;
	if (o.btf_path && access(o.btf_path, R_OK) != 0) {
		e = -errno;
		set_err(err, errlen, "kernel BTF file %s: %s: give the BTF of the running kernel", o.btf_path,
			strerror(-e));
		goto fail;
	}
	want = wanted_tier(&o, err, errlen);
	if (want < 0 || want > CAMVAULT_TIER_SYSCALL_TP) {
		e = -EINVAL;
		if (want > 0)
			set_err(err, errlen, "tier %d: no such tier", want);
		goto fail;
	}
	if (o.record_or_deny && want && want != CAMVAULT_TIER_LSM) {
		e = -EINVAL;
		set_err(err, errlen, "record-or-deny needs the lsm tier, not %s", cv_probes_tier_name(want));
		goto fail;
	}

	p = calloc(1, sizeof(*p));
	if (!p) {
		e = -ENOMEM;
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	p->pin_dfd = -1;
	no_maps(&p->m);
	libbpf_set_print(libbpf_print);
	if (o.pin_dir) {
		if (snprintf(p->pin_dir, sizeof(p->pin_dir), "%s", o.pin_dir) >= (int)sizeof(p->pin_dir)) {
			e = -ENAMETOOLONG;
			set_err(err, errlen, "pin directory %s: too long", o.pin_dir);
			goto fail_free;
		}
		e = pin_open(p, opts, &o, want, err, errlen);
		if (e < 0)
			goto fail_free;
		if (e == 0) {
			shed_object(p);
			set_err(err, errlen, "ok");
			return p;
		}
	}
	why[0] = '\0';
	for (tier = want ? want : CAMVAULT_TIER_LSM; tier <= (want ? want : CAMVAULT_TIER_SYSCALL_TP); tier++) {
		if (o.record_or_deny && tier != CAMVAULT_TIER_LSM)
			break;
		one[0] = '\0';
		cv_libbpf_quiet = !want && tier != CAMVAULT_TIER_SYSCALL_TP;
		e = try_tier(p, tier, &o, one, sizeof(one));
		cv_libbpf_quiet = false;
		if (!e)
			break;
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s: %s", why[0] ? "; " : "",
			 cv_probes_tier_name(tier), one);
	}
	if (!p->tier) {
		if (want)
			set_err(err, errlen, "%s", one);
		else if (o.record_or_deny)
			set_err(err, errlen, "record-or-deny needs the lsm tier: %s", why);
		else
			set_err(err, errlen, "no tier of the probes works here: %s", why);
		e = e ? e : -ENOENT;
		goto fail_free;
	}
	memcpy(p->fallback, why, sizeof(why));
	if (o.pin_dir) {
		e = pin_all(p, &o, err, errlen);
		if (e) {
			/* Half a set would be taken for one cut short: none at all. */
			unpin_all(p->pin_dir);
			unload(p);
			goto fail_free;
		}
	}
	shed_object(p);
	set_err(err, errlen, "ok");
	return p;

fail_free:
	if (p->pin_dfd >= 0) {
		/* Nothing pinned: the directory made for it goes too (not when it holds anything). */
		rmdir(p->pin_dir);
		close(p->pin_dfd);
	}
	free(p);
fail:
	errno = -e;
	return NULL;
}

struct cv_probes_load {
	const struct cv_probes_opts *opts;
	char *err;
	size_t errlen;
	struct cv_probes *p;
	int errnum;		/* errno, when p is NULL */
};

static void *probes_load(void *arg)
{
	struct cv_probes_load *l = arg;

	l->p = probes_open(l->opts, l->err, l->errlen);
	l->errnum = errno;
	return NULL;
}

/*
 * Loading parses the kernel's BTF (megabytes), all of it freed by the end; malloc_trim() then gives the pages
 * back, the agent runs for months. It cannot give back those of the chunks glibc's per-thread cache keeps
 * (up to 7 freed chunks of each size up to 1 KiB, in use as far as the heap knows): after libbpf, some 110
 * KiB of them scattered over 230 KiB of pages. So the load runs in a thread of its own, whose cache goes back
 * to the heap when it ends. One malloc arena for the process (the agent's few threads mostly sleep): a thread
 * would otherwise get an arena of its own, whose top malloc_trim() does not shrink. The thread has the
 * caller's signal mask; the caller waits for it.
 */
struct cv_probes *cv_probes_open_opts(const struct cv_probes_opts *opts, char *err, size_t errlen)
{
	struct cv_probes_load l = { .opts = opts, .err = err, .errlen = errlen };
	pthread_t t;

	mallopt(M_ARENA_MAX, 1);
	if (pthread_create(&t, NULL, probes_load, &l) == 0)
		pthread_join(t, NULL);
	else
		probes_load(&l);
	malloc_trim(0);
	if (!l.p)
		errno = l.errnum;
	return l.p;
}

struct cv_probes *cv_probes_open(const char *btf_path, char *err, size_t errlen)
{
	struct cv_probes_opts opts = { .btf_path = btf_path };

	return cv_probes_open_opts(&opts, err, errlen);
}

/* Add (watch) or remove key: 0, or a negative errno (-ENOENT: not there to remove). */
static int map_set(int fd, const void *key, const void *val, bool watch)
{
	if (fd < 0)
		return -EOPNOTSUPP;
	if (watch)
		return bpf_map_update_elem(fd, key, val, BPF_ANY);
	return bpf_map_delete_elem(fd, key);
}

static void filter_set(__u64 *words, uint64_t dev)
{
	uint32_t bit = camvault_dev_bit(dev);

	words[bit / 64] |= 1ULL << (bit % 64);
}

/*
 * Make "watch_filter" again from what "watched", "watched_sb" and "watched_major" hold: after every
 * change to them, so that a watch added is in the filter once it is in its map, and one removed leaves
 * it (see struct camvault_watch_filter). Those maps are small: a few vaults, files and majors.
 */
static int filter_rebuild(struct cv_probes *p)
{
	struct camvault_watch_filter f;
	struct camvault_file_key fk, fnext;
	uint64_t dev, dnext;
	uint32_t major, mnext;
	const uint32_t zero = 0;
	int e;

	if (p->m.watch_filter < 0 || p->m.watched < 0 || p->m.watched_sb < 0 || p->m.watched_major < 0)
		return -EOPNOTSUPP;
	memset(&f, 0, sizeof(f));
	for (e = bpf_map_get_next_key(p->m.watched, NULL, &fnext); !e;
	     e = bpf_map_get_next_key(p->m.watched, &fk, &fnext)) {
		fk = fnext;
		filter_set(f.devs, fk.dev);
	}
	if (e != -ENOENT)
		return e;
	for (e = bpf_map_get_next_key(p->m.watched_sb, NULL, &dnext); !e;
	     e = bpf_map_get_next_key(p->m.watched_sb, &dev, &dnext)) {
		dev = dnext;
		filter_set(f.devs, dev);
	}
	if (e != -ENOENT)
		return e;
	for (e = bpf_map_get_next_key(p->m.watched_major, NULL, &mnext); !e;
	     e = bpf_map_get_next_key(p->m.watched_major, &major, &mnext)) {
		major = mnext;
		filter_set(f.majors, major);
	}
	if (e != -ENOENT)
		return e;
	return bpf_map_update_elem(p->m.watch_filter, &zero, &f, BPF_ANY);
}

/* The result e of a change to the watches, after the filter follows it. */
static int filter_follow(struct cv_probes *p, int e)
{
	int r = filter_rebuild(p);

	return e ? e : r;
}

/* path (with its NUL when exact, else a prefix: a directory and its "/") into key; -ENAMETOOLONG. */
static int path_key(struct camvault_path_key *key, const char *path, bool exact)
{
	size_t len = strlen(path);

	memset(key, 0, sizeof(*key));
	if (len + 1 > sizeof(key->path))
		return -ENAMETOOLONG;
	memcpy(key->path, path, len);
	if (exact) {
		len++;		/* the NUL */
	} else if (len == 0 || path[len - 1] != '/') {
		if (len + 2 > sizeof(key->path))
			return -ENAMETOOLONG;
		key->path[len++] = '/';
	}
	key->prefixlen = (uint32_t)(len * 8);
	return 0;
}

/*
 * Add or remove, in watched_path, the mountpoints of the filesystem st_dev as /proc/self/mountinfo
 * lists them. 0, or a negative errno (the first failure; the others are still tried).
 */
static int set_mountpoints(struct cv_probes *p, dev_t st_dev, bool watch)
{
	const struct camvault_file_key val = { .dev = camvault_kdev(st_dev) };
	char line[2 * PATH_MAX], mp[PATH_MAX];
	unsigned int maj, mnr;
	int e = 0, found = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct camvault_path_key key;
		int r;

		/* id parent major:minor root mountpoint ... */
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &mnr, mp) != 3 ||
		    maj != major(st_dev) || mnr != minor(st_dev))
			continue;
		cv_mountinfo_unescape(mp);
		found++;
		r = path_key(&key, mp, false);
		if (!r)
			r = map_set(p->m.watched_path, &key, &val, watch);
		if (r == -ENOENT && !watch)
			r = 0;	/* already gone (mounted again since?) */
		if (r && !e)
			e = r;
	}
	fclose(f);
	return e ? e : found ? 0 : -ENOENT;
}

/*
 * On overlayfs, the file in each of its layers too: read by its layer's path (the lower layer of Raspberry
 * Pi OS's read-only root is mounted at /media/root-ro), it is another file to the kernel. Best effort: a
 * layer that cannot be watched leaves the overlay's own door watched.
 */
static void set_layer_watches(struct cv_probes *p, const char *path, bool watch)
{
	char layers[4][PATH_MAX];
	struct camvault_file_key key = { 0 };
	const uint8_t one = 1;
	struct stat st;
	int i, n = cv_mountinfo_overlay_layers(path, layers, 4);

	for (i = 0; i < n; i++) {
		if (stat(layers[i], &st))
			continue;
		key.dev = camvault_kdev(st.st_dev);
		key.ino = st.st_ino;
		map_set(p->m.watched, &key, &one, watch);
	}
}

/*
 * Add (watch) or remove the key of path: for a file its {dev, ino} in "watched" and its real path in
 * "watched_path"; for a device {rdev, 0}; for a filesystem (fs) its dev in "watched_sb" and its
 * mountpoints in "watched_path".
 */
static int set_watch(struct cv_probes *p, const char *path, bool fs, bool watch)
{
	struct camvault_file_key key, sb_key = { 0 };
	struct camvault_path_key pkey;
	uint64_t sb_dev, sb_ino;
	const uint8_t one = 1;
	char real[PATH_MAX];
	struct stat st;
	int e;

	if (stat(path, &st) != 0)
		return -errno;
	memset(&key, 0, sizeof(key));
	if (fs) {
		key.dev = camvault_kdev(st.st_dev);
		e = map_set(p->m.watched_sb, &key.dev, &one, watch);
		if (e)
			return e;
		e = set_mountpoints(p, st.st_dev, watch);
		if (e && watch) {
			map_set(p->m.watched_sb, &key.dev, NULL, false);
			set_mountpoints(p, st.st_dev, false);
		}
		return watch ? e : 0;
	}
	if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) {
		key.dev = camvault_kdev(st.st_rdev);
		return map_set(p->m.watched, &key, &one, watch);
	}
	key.dev = camvault_kdev(st.st_dev);
	key.ino = st.st_ino;
	e = map_set(p->m.watched, &key, &one, watch);
	if (e)
		return e;
	/*
	 * And as the kernel sees it through its mount, when that differs: on overlayfs without xino, stat()
	 * says the file's layer (which a read of the layer's own path, or a mapping, carries), while a struct
	 * file opened through the overlay carries the overlay's superblock. Both are this file.
	 */
	if (!cv_mountinfo_sb("/proc/self/mountinfo", path, &sb_dev, &sb_ino) &&
	    (sb_dev != key.dev || sb_ino != key.ino)) {
		sb_key.dev = sb_dev;
		sb_key.ino = sb_ino;
		e = map_set(p->m.watched, &sb_key, &one, watch);
		if (e && watch) {
			map_set(p->m.watched, &key, NULL, false);
			return e;
		}
	}
	/* The path too, when it fits: unlink and rename by path are seen only through it. */
	if (realpath(path, real) && path_key(&pkey, real, true) == 0) {
		int r = map_set(p->m.watched_path, &pkey, &key, watch);

		if (r && watch) {
			map_set(p->m.watched, &key, NULL, false);
			map_set(p->m.watched, &sb_key, NULL, false);
			return r;
		}
	}
	set_layer_watches(p, path, watch);
	return 0;
}

int cv_probes_watch_file(struct cv_probes *p, const char *path)
{
	return filter_follow(p, set_watch(p, path, false, true));
}

int cv_probes_watch_fs(struct cv_probes *p, const char *path_on_fs)
{
	return filter_follow(p, set_watch(p, path_on_fs, true, true));
}

int cv_probes_unwatch_file(struct cv_probes *p, const char *path)
{
	return filter_follow(p, set_watch(p, path, false, false));
}

int cv_probes_unwatch_fs(struct cv_probes *p, const char *path_on_fs)
{
	return filter_follow(p, set_watch(p, path_on_fs, true, false));
}

int cv_probes_watch_major(struct cv_probes *p, uint32_t major)
{
	const uint8_t one = 1;

	return filter_follow(p, map_set(p->m.watched_major, &major, &one, true));
}

int cv_probes_unwatch_major(struct cv_probes *p, uint32_t major)
{
	return filter_follow(p, map_set(p->m.watched_major, &major, NULL, false));
}

int cv_probes_poll(struct cv_probes *p, int timeout_ms, cv_probes_cb cb, void *ctx)
{
	int n, more;

	p->cb = cb;
	p->cb_ctx = ctx;
	n = ring_buffer__poll(p->rb, timeout_ms);
	/* epoll may not have heard of the newest records yet: take whatever is there. */
	more = n >= 0 ? ring_buffer__consume(p->rb) : 0;
	p->cb = NULL;
	p->cb_ctx = NULL;
	if (n < 0)
		return n;
	if (more < 0)
		return more;
	return n > INT_MAX - more ? INT_MAX : n + more;
}

int cv_probes_consume(struct cv_probes *p, size_t max, cv_probes_batch_cb cb, void *ctx)
{
	const struct camvault_rec **batch = p->rb_batch;
	unsigned long cons, prod, pos;
	const uint8_t *data;
	size_t n = 0;
	long page = sysconf(_SC_PAGESIZE);
	int e = ring_map(p);

	if (e)
		return e;
	if (!max || max > CV_PROBES_BATCH_MAX)
		max = CV_PROBES_BATCH_MAX;
	data = (const uint8_t *)p->rb_prod + page;
	cons = __atomic_load_n(p->rb_cons, __ATOMIC_ACQUIRE);
	prod = __atomic_load_n((unsigned long *)p->rb_prod, __ATOMIC_ACQUIRE);
	for (pos = cons; pos < prod && n < max;) {
		const uint32_t *hdr = (const uint32_t *)(data + (pos & (p->rb_size - 1)));
		uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;	/* reserved, not yet submitted: the rest waits for it */
		pos += ((len & ~BPF_RINGBUF_DISCARD_BIT) + BPF_RINGBUF_HDR_SZ + 7) & ~7ul;
		if (!(len & BPF_RINGBUF_DISCARD_BIT) && len >= sizeof(struct camvault_rec))
			batch[n++] = (const struct camvault_rec *)(hdr + 2);
	}
	/* Only a batch the callback kept leaves the ring buffer (discarded records leave it unseen). */
	e = n ? cb(batch, n, ctx) : 0;
	if (pos != cons && !e)
		__atomic_store_n(p->rb_cons, pos, __ATOMIC_RELEASE);
	if (e)
		return e < 0 ? e : -ECANCELED;
	return n > INT_MAX ? INT_MAX : (int)n;
}

int cv_probes_fd(const struct cv_probes *p)
{
	return ring_buffer__epoll_fd(p->rb);
}

int cv_probes_flush(struct cv_probes *p, cv_probes_cb cb, void *ctx)
{
	int map = p->m.sessions;
	size_t vsize = p->sessions_vsize;
	uint64_t key, next;
	void *val;
	int n = 0, e;

	/* The value is the record in progress and what the probes keep beside it. */
	if (vsize < sizeof(struct camvault_rec))
		return -EPROTO;
	val = malloc(vsize);
	if (!val)
		return -ENOMEM;
	for (e = bpf_map_get_next_key(map, NULL, &next); e == 0; e = bpf_map_get_next_key(map, &key, &next)) {
		struct camvault_rec rec;
		uint8_t one;

		key = next;
		/* Closed since get_next_key: gone, and written to the ring buffer. */
		if (bpf_map_lookup_elem(map, &key, val) != 0)
			continue;
		memcpy(&rec, val, sizeof(rec));
		rec.rflags |= CAMVAULT_RF_STILL_OPEN;
		rec.close_ns = 0;
		if (bpf_map_lookup_elem(p->m.uring_tgids, &rec.pid, &one) == 0)
			rec.rflags |= CAMVAULT_RF_UNOBSERVED;
		cb(&rec, ctx);
		n++;
	}
	free(val);
	return e == -ENOENT ? n : e;
}

/* Every key of hash map fd (keys of ksize bytes) into a malloc'd array *out, their number into *n. */
static int map_keys(int fd, size_t ksize, void **out, size_t *n)
{
	unsigned char key[sizeof(struct camvault_file_key)], next[sizeof(key)];
	size_t cap = 0;
	char *keys = NULL, *grown;
	int e;

	*out = NULL;
	*n = 0;
	if (fd < 0 || ksize > sizeof(key))
		return -EBADF;
	for (e = bpf_map_get_next_key(fd, NULL, next); e == 0; e = bpf_map_get_next_key(fd, key, next)) {
		memcpy(key, next, ksize);
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(keys, cap * ksize);
			if (!grown) {
				free(keys);
				*n = 0;
				return -ENOMEM;
			}
			keys = grown;
		}
		memcpy(keys + *n * ksize, key, ksize);
		(*n)++;
	}
	*out = keys;
	return e == -ENOENT ? 0 : e;
}

int cv_probes_keys(struct cv_probes *p, struct cv_probes_keys *k)
{
	int e;

	memset(k, 0, sizeof(*k));
	e = map_keys(p->m.watched, sizeof(*k->files), (void **)&k->files, &k->nfiles);
	if (!e)
		e = map_keys(p->m.watched_sb, sizeof(*k->sbs), (void **)&k->sbs, &k->nsbs);
	if (!e)
		e = map_keys(p->m.watched_major, sizeof(*k->majors), (void **)&k->majors, &k->nmajors);
	if (e)
		cv_probes_keys_free(k);
	return e;
}

void cv_probes_keys_free(struct cv_probes_keys *k)
{
	free(k->files);
	free(k->sbs);
	free(k->majors);
	memset(k, 0, sizeof(*k));
}

/* The sum over CPUs of a per-CPU u64 counter (map fd). */
static int percpu_sum(int map, uint64_t *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	const uint32_t zero = 0;
	uint64_t *vals;
	int e;

	*sum = 0;
	if (ncpus <= 0)
		return ncpus < 0 ? ncpus : -EINVAL;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	e = bpf_map_lookup_elem(map, &zero, vals);
	for (int i = 0; !e && i < ncpus; i++)
		*sum += vals[i];
	free(vals);
	return e;
}

/* The loss counters of the maps m. */
static int lost_counts(const struct cv_probe_maps *m, struct cv_probes_loss *loss)
{
	int e = percpu_sum(m->lost, &loss->records);

	if (!e)
		e = percpu_sum(m->lost_sessions, &loss->sessions);
	loss->denied = 0;
	if (!e && m->denied >= 0)
		e = percpu_sum(m->denied, &loss->denied);
	return e;
}

int cv_probes_lost_counts(const struct cv_probes *p, struct cv_probes_loss *loss)
{
	return lost_counts(&p->m, loss);
}

uint64_t cv_probes_lost(const struct cv_probes *p)
{
	struct cv_probes_loss loss;

	if (cv_probes_lost_counts(p, &loss) != 0 || loss.records > UINT64_MAX - loss.sessions)
		return UINT64_MAX;
	return loss.records + loss.sessions;
}

int cv_probes_tier(const struct cv_probes *p)
{
	return p->tier;
}

const char *cv_probes_fallback(const struct cv_probes *p)
{
	return p->fallback;
}

int cv_probes_tier_parse(const char *name)
{
	if (!strcmp(name, "auto"))
		return 0;
	for (int t = CAMVAULT_TIER_LSM; t <= CAMVAULT_TIER_SYSCALL_TP; t++)
		if (!strcmp(name, cv_probes_tier_name(t)))
			return t;
	if (!strcmp(name, "tracepoint"))
		return CAMVAULT_TIER_SYSCALL_TP;
	return -EINVAL;
}

int cv_probes_allow_recorder(struct cv_probes *p, const char *exe)
{
	struct camvault_file_key key = { 0 };
	const uint8_t one = 1;
	struct stat st;

	if (p->m.recorders < 0)
		return -EOPNOTSUPP;
	if (stat(exe, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	key.dev = camvault_kdev(st.st_dev);
	key.ino = st.st_ino;
	return map_set(p->m.recorders, &key, &one, true);
}

const char *cv_probes_tier_name(int tier)
{
	switch (tier) {
	case CAMVAULT_TIER_LSM:
		return "lsm";
	case CAMVAULT_TIER_FENTRY:
		return "fentry";
	case CAMVAULT_TIER_KPROBE:
		return "kprobe";
	case CAMVAULT_TIER_SYSCALL_TP:
		return "syscall-tracepoint";
	default:
		return "unknown";
	}
}

void cv_probes_close(struct cv_probes *p)
{
	if (!p)
		return;
	unload(p);
	if (p->pin_dfd >= 0)
		close(p->pin_dfd);	/* the lock: the next process may use the pinned probes */
	free(p);
}
