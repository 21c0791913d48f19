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
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "access.skel.h"
#include "probes.h"

#define CV_MAX_LINKS 16

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

/* Add (watch) or remove the key of path in map: the file's {dev, ino}, or only its dev when fs. */
static int set_watch(struct cv_probes *p, const char *path, bool fs, bool watch)
{
	struct bpf_map *map = fs ? p->skel->maps.watched_sb : p->skel->maps.watched;
	struct camvault_file_key key;
	const uint8_t one = 1;
	size_t keylen = fs ? sizeof(key.dev) : sizeof(key);
	struct stat st;

	if (stat(path, &st) != 0)
		return -errno;
	memset(&key, 0, sizeof(key));
	key.dev = camvault_kdev(st.st_dev);
	key.ino = st.st_ino;
	if (watch)
		return bpf_map__update_elem(map, &key, keylen, &one, sizeof(one), BPF_ANY);
	return bpf_map__delete_elem(map, &key, keylen, 0);
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

uint64_t cv_probes_lost(const struct cv_probes *p)
{
	int ncpus = libbpf_num_possible_cpus();
	const uint32_t zero = 0;
	uint64_t *vals, sum = 0;

	if (ncpus <= 0)
		return UINT64_MAX;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return UINT64_MAX;
	if (bpf_map__lookup_elem(p->skel->maps.lost, &zero, sizeof(zero), vals, ncpus * sizeof(*vals), 0) != 0) {
		free(vals);
		return UINT64_MAX;
	}
	for (int i = 0; i < ncpus; i++)
		sum += vals[i];
	free(vals);
	return sum;
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
