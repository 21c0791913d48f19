// SPDX-License-Identifier: GPL-2.0
/*
 * camvault access probes, syscall-tracepoint tier (CAMVAULT_TIER_SYSCALL_TP).
 *
 * Every successful open of a watched file (map "watched", keyed by {dev, ino}) or of any file on a
 * watched filesystem (map "watched_sb", keyed by dev) writes one struct camvault_rec into the ring
 * buffer "records". When the ring is full, the per-CPU counter "lost" is incremented instead: a record
 * is never dropped silently.
 *
 * The flags come from the syscall's arguments, remembered per thread at entry, because the struct file
 * no longer has O_CREAT, O_EXCL, O_NOCTTY or O_TRUNC; only when the entry was missed (the probes were
 * attached while the thread was inside the syscall, or "open_flags" was full) do they come from
 * file->f_flags.
 *
 * An unwatched open costs one map update at entry and, at exit, one delete, a few reads of the fd
 * table and two lookups.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "core_types.h"
#include "uapi/camvault.h"

char LICENSE[] SEC("license") = "GPL";

/* The same on every architecture the probes support (not so O_DIRECTORY and friends). */
#define CV_O_WRONLY 01
#define CV_O_CREAT 0100
#define CV_O_TRUNC 01000

/*
 * Tracepoint contexts: the layout of the syscall events' format files, declared plainly (no CO-RE:
 * they have no BTF). The syscall number is an int at offset 8, padded to 16.
 */
struct cv_sys_enter {
	__u64 common;
	long id;
	unsigned long args[6];
};

struct cv_sys_exit {
	__u64 common;
	long id;
	long ret;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct camvault_file_key);
	__type(value, __u8);
} watched SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);	/* kernel dev_t of the superblock */
	__type(value, __u8);
} watched_sb SEC(".maps");

/* Size in bytes; the agent may change it before load (a power of 2, a multiple of the page size). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* Open flags of the threads now inside an open syscall, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u32);
} open_flags SEC(".maps");

static __always_inline int remember_flags(__u32 flags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_update_elem(&open_flags, &tid, &flags, BPF_ANY);
	return 0;
}

/* The struct file behind fd in the current task's table, or NULL. */
static __always_inline struct file *fd_file(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (!fdt || (unsigned long)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (!fds || bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

static __always_inline int record_open(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct camvault_file_key key;
	struct camvault_rec *rec;
	struct inode *inode;
	struct file *file;
	__u32 *flagsp;
	__u32 flags;
	__u64 id;

	if (ret < 0) {
		bpf_map_delete_elem(&open_flags, &tid);
		return 0;
	}
	file = fd_file(ret);
	inode = file ? BPF_CORE_READ(file, f_inode) : NULL;
	if (!inode) {
		bpf_map_delete_elem(&open_flags, &tid);
		return 0;
	}
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key.ino = BPF_CORE_READ(inode, i_ino);
	if (!bpf_map_lookup_elem(&watched_sb, &key.dev) && !bpf_map_lookup_elem(&watched, &key)) {
		bpf_map_delete_elem(&open_flags, &tid);
		return 0;
	}

	flagsp = bpf_map_lookup_elem(&open_flags, &tid);
	if (flagsp) {
		flags = *flagsp;
		bpf_map_delete_elem(&open_flags, &tid);
	} else {
		flags = BPF_CORE_READ(file, f_flags);
	}

	rec = bpf_ringbuf_reserve(&records, sizeof(*rec), 0);
	if (!rec) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&lost, &zero);

		if (n)
			__sync_fetch_and_add(n, 1);
		return 0;
	}
	rec->type = CAMVAULT_REC_OPEN;
	rec->tier = CAMVAULT_TIER_SYSCALL_TP;
	id = bpf_get_current_pid_tgid();
	rec->pid = id >> 32;
	rec->tid = (__u32)id;
	id = bpf_get_current_uid_gid();
	rec->uid = (__u32)id;
	rec->gid = id >> 32;
	rec->flags = flags;
	rec->time_ns = bpf_ktime_get_ns();
	rec->cgroup_id = bpf_get_current_cgroup_id();
	rec->dev = key.dev;
	rec->ino = key.ino;
	bpf_get_current_comm(rec->comm, sizeof(rec->comm));
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int cv_enter_openat(struct cv_sys_enter *ctx)
{
	return remember_flags(ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int cv_exit_openat(struct cv_sys_exit *ctx)
{
	return record_open(ctx->ret);
}

/* openat2(dfd, path, struct open_how *how, size): the flags are in userspace memory. */
SEC("tracepoint/syscalls/sys_enter_openat2")
int cv_enter_openat2(struct cv_sys_enter *ctx)
{
	struct cv_open_how how;

	if (bpf_probe_read_user(&how.flags, sizeof(how.flags), (void *)ctx->args[2]))
		return 0;	/* the exit falls back to file->f_flags */
	return remember_flags(how.flags);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int cv_exit_openat2(struct cv_sys_exit *ctx)
{
	return record_open(ctx->ret);
}

#ifdef __TARGET_ARCH_x86
/* x86-64 still has open(2) and creat(2); arm64 has only openat and openat2. */
SEC("tracepoint/syscalls/sys_enter_open")
int cv_enter_open(struct cv_sys_enter *ctx)
{
	return remember_flags(ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_open")
int cv_exit_open(struct cv_sys_exit *ctx)
{
	return record_open(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_creat")
int cv_enter_creat(struct cv_sys_enter *ctx)
{
	return remember_flags(CV_O_CREAT | CV_O_WRONLY | CV_O_TRUNC);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int cv_exit_creat(struct cv_sys_exit *ctx)
{
	return record_open(ctx->ret);
}
#endif
