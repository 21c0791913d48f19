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
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "access.skel.h"
#include "probes.h"
#include "mountinfo.h"

#define CV_MAX_LINKS 96

struct cv_probes {
	struct access_bpf *skel;
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

	bpf_object__for_each_program(prog, p->skel->obj) {
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

struct cv_probes *cv_probes_open_opts(const struct cv_probes_opts *opts, char *err, size_t errlen)
{
	const char *btf_path = opts ? opts->btf_path : NULL;
	uint32_t ringbuf_bytes = opts && opts->ringbuf_bytes ? opts->ringbuf_bytes : CV_PROBES_RINGBUF_DEFAULT;
	uint32_t sessions_max = opts && opts->sessions_max ? opts->sessions_max : CV_PROBES_SESSIONS_DEFAULT;
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = btf_path);
	bool kernel_btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	struct cv_probes *p;
	int e;

	e = check_ringbuf_bytes(ringbuf_bytes, err, errlen);
	if (e)
		goto fail;
	if (btf_path && access(btf_path, R_OK) != 0) {
		e = -errno;
		set_err(err, errlen, "kernel BTF file %s: %s: give the BTF of the running kernel", btf_path,
			strerror(-e));
		goto fail;
	}
	e = check_tracefs(err, errlen);
	if (e)
		goto fail;

	p = calloc(1, sizeof(*p));
	if (!p) {
		e = -ENOMEM;
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	p->skel = access_bpf__open_opts(&oo);
	if (!p->skel) {
		e = -errno;
		set_err(err, errlen, "opening the BPF object failed: %s: %s", errno_name(e), errno_hint(e));
		goto fail_free;
	}
	e = bpf_map__set_max_entries(p->skel->maps.records, ringbuf_bytes);
	if (e) {
		set_err(err, errlen, "setting the ring buffer size failed: %s", errno_name(e));
		goto fail_free;
	}
	e = bpf_map__set_max_entries(p->skel->maps.sessions, sessions_max);
	if (e) {
		set_err(err, errlen, "setting the session table size failed: %s", errno_name(e));
		goto fail_free;
	}
	skip_missing_tracepoints(p->skel->obj);

	e = access_bpf__load(p->skel);
	if (e) {
		if (!btf_path && !kernel_btf && e != -EPERM)
			set_err(err, errlen, "BPF load failed: %s: the kernel has no BTF (/sys/kernel/btf/vmlinux): "
				"give a BTF file for it as btf_path", errno_name(e));
		else if (btf_path && e != -EPERM)
			set_err(err, errlen, "BPF load failed: %s: is %s the BTF of the running kernel? %s",
				errno_name(e), btf_path, errno_hint(e));
		else
			set_err(err, errlen, "BPF load failed: %s: %s", errno_name(e), errno_hint(e));
		goto fail_free;
	}
	e = attach_all(p, err, errlen);
	if (e)
		goto fail_free;

	p->rb = ring_buffer__new(bpf_map__fd(p->skel->maps.records), on_record, p, NULL);
	if (!p->rb) {
		e = -errno;
		set_err(err, errlen, "reading the ring buffer failed: %s: %s", errno_name(e), errno_hint(e));
		goto fail_free;
	}
	set_err(err, errlen, "ok");
	return p;

fail_free:
	cv_probes_close(p);
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
			r = map_set(p->skel->maps.watched_path, &key, sizeof(key), &val, sizeof(val), watch);
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
		e = map_set(p->skel->maps.watched_sb, &key.dev, sizeof(key.dev), &one, sizeof(one), watch);
		if (e)
			return e;
		e = set_mountpoints(p, st.st_dev, watch);
		if (e && watch) {
			map_set(p->skel->maps.watched_sb, &key.dev, sizeof(key.dev), NULL, 0, false);
			set_mountpoints(p, st.st_dev, false);
		}
		return watch ? e : 0;
	}
	if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) {
		key.dev = camvault_kdev(st.st_rdev);
		return map_set(p->skel->maps.watched, &key, sizeof(key), &one, sizeof(one), watch);
	}
	key.dev = camvault_kdev(st.st_dev);
	key.ino = st.st_ino;
	e = map_set(p->skel->maps.watched, &key, sizeof(key), &one, sizeof(one), watch);
	if (e)
		return e;
	/* The path too, when it fits: unlink and rename by path are seen only through it. */
	if (realpath(path, real) && path_key(&pkey, real, true) == 0) {
		int r = map_set(p->skel->maps.watched_path, &pkey, sizeof(pkey), &key, sizeof(key), watch);

		if (r && watch) {
			map_set(p->skel->maps.watched, &key, sizeof(key), NULL, 0, false);
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

	return map_set(p->skel->maps.watched_major, &major, sizeof(major), &one, sizeof(one), true);
}

int cv_probes_unwatch_major(struct cv_probes *p, uint32_t major)
{
	return map_set(p->skel->maps.watched_major, &major, sizeof(major), NULL, 0, false);
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
	const struct bpf_map *map = p->skel->maps.sessions;
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
		if (bpf_map__lookup_elem(p->skel->maps.uring_tgids, &rec.pid, sizeof(rec.pid), &(uint8_t){ 0 }, 1,
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
	int e = percpu_sum(p->skel->maps.lost, &loss->records);

	return e ? e : percpu_sum(p->skel->maps.lost_sessions, &loss->sessions);
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
	(void)p;
	return CAMVAULT_TIER_SYSCALL_TP;
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
	ring_buffer__free(p->rb);
	for (int i = 0; i < p->nlinks; i++)
		bpf_link__destroy(p->links[i]);
	access_bpf__destroy(p->skel);
	free(p);
}
