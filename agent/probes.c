// SPDX-License-Identifier: GPL-2.0
/* camvault agent: the userspace half of the eBPF access probes. See probes.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "access.skel.h"
#include "hooks.skel.h"
#include "probes.h"
#include "mountinfo.h"

#define CV_MAX_LINKS 96

/* The maps both objects have, by name, and those of one only (NULL in the other). */
struct cv_probe_maps {
	struct bpf_map *records, *sessions, *lost, *lost_sessions, *watched, *watched_sb, *watched_major,
		*watched_path, *uring_tgids, *recorders, *denied;
};

struct cv_probes {
	struct access_bpf *tp;		/* the syscall-tracepoint tier, or */
	struct hooks_bpf *hooks;	/* the LSM, fentry or kprobe tier */
	struct bpf_object *obj;		/* the one loaded */
	struct cv_probe_maps m;
	int tier;
	char fallback[1024];		/* why better tiers were not taken */
	struct bpf_link *links[CV_MAX_LINKS];
	int nlinks;
	struct ring_buffer *rb;
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

/* Where libbpf looks for the tracepoint events: the debugfs path while it exists, as libbpf does. */
static const char *tracefs_events(void)
{
	if (access("/sys/kernel/debug/tracing", F_OK) == 0)
		return "/sys/kernel/debug/tracing/events";
	return "/sys/kernel/tracing/events";
}

static bool tracepoint_exists(const char *events, const char *category_name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", events, category_name);
	return access(path, F_OK) == 0;
}

/* Tracefs mounted, readable, and with the syscall events the probes cannot do without. */
static int check_tracefs(char *err, size_t errlen)
{
	const char *events = tracefs_events();

	if (access(events, F_OK) != 0) {
		int e = errno;

		if (e == EACCES)
			set_err(err, errlen, "cannot read tracefs (%s): EACCES: run as root", events);
		else
			set_err(err, errlen, "tracefs not mounted (no %s): mount -t tracefs nodev /sys/kernel/tracing",
				events);
		return -e;
	}
	if (!tracepoint_exists(events, "syscalls/sys_enter_openat") ||
	    !tracepoint_exists(events, "syscalls/sys_exit_openat")) {
		set_err(err, errlen, "no tracepoint syscalls/sys_enter_openat in %s: "
			"the kernel needs CONFIG_FTRACE_SYSCALLS=y", events);
		return -ENOENT;
	}
	return 0;
}

/* Programs whose tracepoint this kernel lacks (openat2 before 5.6) are not loaded. */
static void skip_missing_tracepoints(struct bpf_object *obj)
{
	const char *events = tracefs_events();
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);

		if (strncmp(sec, "tracepoint/", 11) == 0 && !tracepoint_exists(events, sec + 11))
			bpf_program__set_autoload(prog, false);
	}
}

static int attach_all(struct cv_probes *p, char *err, size_t errlen)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, p->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
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
 * do_iter_read/do_iter_write, static, went in 6.9 (readv is then flagged uncounted).
 */
static bool prog_optional(const char *name)
{
	return strstr(name, "file_truncate") || strstr(name, "do_iter_") || strstr(name, "uring");
}

/*
 * The kernel function prog attaches to ("bpf_lsm_file_open", "vfs_read"...) into fn, and whether it is
 * found in the kernel's BTF (LSM, fentry) or symbols (kprobes).
 */
static const char *prog_target(const struct bpf_program *prog, char *fn, size_t len)
{
	const char *sec = bpf_program__section_name(prog), *slash = strchr(sec, '/');

	if (!slash)
		return NULL;
	snprintf(fn, len, "%s%s", has_prefix(sec, "lsm/") ? "bpf_lsm_" : has_prefix(sec, "raw_tp/") ? "__tracepoint_" : "",
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
			if (!has_prefix(names[i], "__tracepoint_"))
				found[i] = btf__find_by_name_kind(vmlinux, names[i], BTF_KIND_FUNC) >= 0;
		btf__free(vmlinux);
	}
	for (int i = 0; i < n; i++) {
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
		return check_tracefs(err, errlen);
	}
}

static void find_maps(struct cv_probes *p)
{
	struct bpf_object *o = p->obj;

	p->m.records = bpf_object__find_map_by_name(o, "records");
	p->m.sessions = bpf_object__find_map_by_name(o, "sessions");
	p->m.lost = bpf_object__find_map_by_name(o, "lost");
	p->m.lost_sessions = bpf_object__find_map_by_name(o, "lost_sessions");
	p->m.watched = bpf_object__find_map_by_name(o, "watched");
	p->m.watched_sb = bpf_object__find_map_by_name(o, "watched_sb");
	p->m.watched_major = bpf_object__find_map_by_name(o, "watched_major");
	p->m.watched_path = bpf_object__find_map_by_name(o, "watched_path");
	p->m.uring_tgids = bpf_object__find_map_by_name(o, "uring_tgids");
	p->m.recorders = bpf_object__find_map_by_name(o, "recorders");
	p->m.denied = bpf_object__find_map_by_name(o, "denied");
}

/* Undo what try_tier did, so that another tier can be tried. */
static void unload(struct cv_probes *p)
{
	ring_buffer__free(p->rb);
	p->rb = NULL;
	for (int i = 0; i < p->nlinks; i++)
		bpf_link__destroy(p->links[i]);
	p->nlinks = 0;
	access_bpf__destroy(p->tp);
	hooks_bpf__destroy(p->hooks);
	p->tp = NULL;
	p->hooks = NULL;
	p->obj = NULL;
	memset(&p->m, 0, sizeof(p->m));
	p->tier = 0;
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
	find_maps(p);
	e = bpf_map__set_max_entries(p->m.records, o->ringbuf_bytes);
	if (e) {
		set_err(err, errlen, "setting the ring buffer size failed: %s", errno_name(e));
		goto fail;
	}
	e = bpf_map__set_max_entries(p->m.sessions, o->sessions_max);
	if (e) {
		set_err(err, errlen, "setting the session table size failed: %s", errno_name(e));
		goto fail;
	}
	if (tier == CAMVAULT_TIER_SYSCALL_TP)
		skip_missing_tracepoints(p->obj);
	else if ((e = select_programs(p->obj, tier, err, errlen)) != 0)
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
	e = attach_all(p, err, errlen);
	if (e)
		goto fail;
	p->rb = ring_buffer__new(bpf_map__fd(p->m.records), on_record, p, NULL);
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

struct cv_probes *cv_probes_open_opts(const struct cv_probes_opts *opts, char *err, size_t errlen)
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
	libbpf_set_print(libbpf_print);
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
		free(p);
		e = e ? e : -ENOENT;
		goto fail;
	}
	memcpy(p->fallback, why, sizeof(why));
	set_err(err, errlen, "ok");
	return p;

fail:
	errno = -e;
	return NULL;
}

struct cv_probes *cv_probes_open(const char *btf_path, char *err, size_t errlen)
{
	struct cv_probes_opts opts = { .btf_path = btf_path };

	return cv_probes_open_opts(&opts, err, errlen);
}

static int map_set(struct bpf_map *map, const void *key, size_t keylen, const void *val, size_t vallen,
		   bool watch)
{
	if (watch)
		return bpf_map__update_elem(map, key, keylen, val, vallen, BPF_ANY);
	return bpf_map__delete_elem(map, key, keylen, 0);
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
			r = map_set(p->m.watched_path, &key, sizeof(key), &val, sizeof(val), watch);
		if (r == -ENOENT && !watch)
			r = 0;	/* already gone (mounted again since?) */
		if (r && !e)
			e = r;
	}
	fclose(f);
	return e ? e : found ? 0 : -ENOENT;
}

/*
 * Add (watch) or remove the key of path: for a file its {dev, ino} in "watched" and its real path in
 * "watched_path"; for a device {rdev, 0}; for a filesystem (fs) its dev in "watched_sb" and its
 * mountpoints in "watched_path".
 */
static int set_watch(struct cv_probes *p, const char *path, bool fs, bool watch)
{
	struct camvault_file_key key;
	struct camvault_path_key pkey;
	const uint8_t one = 1;
	char real[PATH_MAX];
	struct stat st;
	int e;

	if (stat(path, &st) != 0)
		return -errno;
	memset(&key, 0, sizeof(key));
	if (fs) {
		key.dev = camvault_kdev(st.st_dev);
		e = map_set(p->m.watched_sb, &key.dev, sizeof(key.dev), &one, sizeof(one), watch);
		if (e)
			return e;
		e = set_mountpoints(p, st.st_dev, watch);
		if (e && watch) {
			map_set(p->m.watched_sb, &key.dev, sizeof(key.dev), NULL, 0, false);
			set_mountpoints(p, st.st_dev, false);
		}
		return watch ? e : 0;
	}
	if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) {
		key.dev = camvault_kdev(st.st_rdev);
		return map_set(p->m.watched, &key, sizeof(key), &one, sizeof(one), watch);
	}
	key.dev = camvault_kdev(st.st_dev);
	key.ino = st.st_ino;
	e = map_set(p->m.watched, &key, sizeof(key), &one, sizeof(one), watch);
	if (e)
		return e;
	/* The path too, when it fits: unlink and rename by path are seen only through it. */
	if (realpath(path, real) && path_key(&pkey, real, true) == 0) {
		int r = map_set(p->m.watched_path, &pkey, sizeof(pkey), &key, sizeof(key), watch);

		if (r && watch) {
			map_set(p->m.watched, &key, sizeof(key), NULL, 0, false);
			return r;
		}
	}
	return 0;
}

int cv_probes_watch_file(struct cv_probes *p, const char *path)
{
	return set_watch(p, path, false, true);
}

int cv_probes_watch_fs(struct cv_probes *p, const char *path_on_fs)
{
	return set_watch(p, path_on_fs, true, true);
}

int cv_probes_unwatch_file(struct cv_probes *p, const char *path)
{
	return set_watch(p, path, false, false);
}

int cv_probes_unwatch_fs(struct cv_probes *p, const char *path_on_fs)
{
	return set_watch(p, path_on_fs, true, false);
}

int cv_probes_watch_major(struct cv_probes *p, uint32_t major)
{
	const uint8_t one = 1;

	return map_set(p->m.watched_major, &major, sizeof(major), &one, sizeof(one), true);
}

int cv_probes_unwatch_major(struct cv_probes *p, uint32_t major)
{
	return map_set(p->m.watched_major, &major, sizeof(major), NULL, 0, false);
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

int cv_probes_fd(const struct cv_probes *p)
{
	return ring_buffer__epoll_fd(p->rb);
}

int cv_probes_flush(struct cv_probes *p, cv_probes_cb cb, void *ctx)
{
	const struct bpf_map *map = p->m.sessions;
	size_t vsize = bpf_map__value_size(map);
	uint64_t key, next;
	void *val;
	int n = 0, e;

	/* The value is the record in progress and what the probes keep beside it. */
	if (vsize < sizeof(struct camvault_rec))
		return -EPROTO;
	val = malloc(vsize);
	if (!val)
		return -ENOMEM;
	for (e = bpf_map__get_next_key(map, NULL, &next, sizeof(next)); e == 0;
	     e = bpf_map__get_next_key(map, &key, &next, sizeof(next))) {
		struct camvault_rec rec;

		key = next;
		/* Closed since get_next_key: gone, and written to the ring buffer. */
		if (bpf_map__lookup_elem(map, &key, sizeof(key), val, vsize, 0) != 0)
			continue;
		memcpy(&rec, val, sizeof(rec));
		rec.rflags |= CAMVAULT_RF_STILL_OPEN;
		rec.close_ns = 0;
		if (bpf_map__lookup_elem(p->m.uring_tgids, &rec.pid, sizeof(rec.pid), &(uint8_t){ 0 }, 1,
					 0) == 0)
			rec.rflags |= CAMVAULT_RF_UNOBSERVED;
		cb(&rec, ctx);
		n++;
	}
	free(val);
	return e == -ENOENT ? n : e;
}

/* The sum over CPUs of a per-CPU u64 counter. */
static int percpu_sum(const struct bpf_map *map, uint64_t *sum)
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
	e = bpf_map__lookup_elem(map, &zero, sizeof(zero), vals, ncpus * sizeof(*vals), 0);
	for (int i = 0; !e && i < ncpus; i++)
		*sum += vals[i];
	free(vals);
	return e;
}

int cv_probes_lost_counts(const struct cv_probes *p, struct cv_probes_loss *loss)
{
	int e = percpu_sum(p->m.lost, &loss->records);

	if (!e)
		e = percpu_sum(p->m.lost_sessions, &loss->sessions);
	loss->denied = 0;
	if (!e && p->m.denied)
		e = percpu_sum(p->m.denied, &loss->denied);
	return e;
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

	if (!p->m.recorders)
		return -EOPNOTSUPP;
	if (stat(exe, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	key.dev = camvault_kdev(st.st_dev);
	key.ino = st.st_ino;
	return map_set(p->m.recorders, &key, sizeof(key), &one, sizeof(one), true);
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
	free(p);
}
