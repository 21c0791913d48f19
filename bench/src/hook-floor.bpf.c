// SPDX-License-Identifier: GPL-2.0
/*
 * make bench's floor: a program that does nothing on each hook the probes run for one pass of
 * probe-loop (open, read 4 KiB, close), one set per tier, named after it, and a minimal set
 * (hook-floor.c loads one set).
 * What the loop loses with these attached is what the kernel's hook mechanism costs (trampolines, kprobes,
 * raw tracepoints) before any program does any work: no probe on these hooks can cost less.
 *
 * The hooks are those of bpf/hooks.bpf.c and bpf/access.bpf.c that such a pass reaches, for files watched
 * or not: the open, the permission check and byte counter of the read, the last close; at the
 * tracepoint tier, the raw syscall tracepoints every syscall passes.
 *
 * One set does some work: "record", the least a record of footage can cost at the LSM tier. Its open
 * writes a record straight to the ring buffer for a file of the watched filesystem (the ids, comm,
 * dev and inode, and the path by d_path) and nothing else: no session kept, no executable's path, no
 * byte counts, though the read's and the last close's hooks, which byte counts and a close need, are
 * there, empty. What any probe recording footage sessions with their paths costs is above it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "core_types.h"
#include "uapi/camvault.h"

char LICENSE[] SEC("license") = "GPL";

#define NOTHING(sec, name) SEC(sec) int name(void *ctx) { return 0; }

/* LSM tier: LSM hooks for open and free, trampolines for the check and the counter. */
NOTHING("lsm/file_open", lsm_open)
NOTHING("fentry/rw_verify_area", lsm_verify)
NOTHING("fexit/vfs_read", lsm_read)
NOTHING("lsm/file_free_security", lsm_free)

/* fentry tier: the same on the security_* functions. */
NOTHING("fentry/security_file_open", fentry_open)
NOTHING("fentry/rw_verify_area", fentry_verify)
NOTHING("fexit/vfs_read", fentry_read)
NOTHING("fentry/security_file_free", fentry_free)

/* kprobe tier: the counter is a kprobe and a kretprobe (which has no arguments). */
NOTHING("kprobe/security_file_open", kprobe_open)
NOTHING("kprobe/rw_verify_area", kprobe_verify)
NOTHING("kprobe/vfs_read", kprobe_read)
NOTHING("kretprobe/vfs_read", kprobe_read_ret)
NOTHING("kprobe/security_file_free", kprobe_free)

/* The least any record of sessions needs, at any tier: their opens and last closes, at the LSM hooks. */
NOTHING("lsm/file_open", minimal_open)
NOTHING("lsm/file_free_security", minimal_free)

/* The record set's watched filesystem (its kernel dev, set by hook-floor), its ring buffer, and how
 * many records did not fit. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} watched_dev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} records SEC(".maps");

__u64 lost;

SEC("lsm/file_open")
int record_open(unsigned long long *ctx)
{
	struct file *file = (void *)ctx[0];
	struct inode *inode = file->f_inode;
	struct camvault_rec *r;
	__u64 id, ug;
	__u32 zero = 0, *dev = bpf_map_lookup_elem(&watched_dev, &zero);

	if (!inode || !dev || inode->i_sb->s_dev != *dev)
		return 0;
	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost, 1);
		return 0;
	}
	id = bpf_get_current_pid_tgid();
	ug = bpf_get_current_uid_gid();
	r->type = CAMVAULT_REC_SESSION;
	r->tier = CAMVAULT_TIER_LSM;
	r->pid = id >> 32;
	r->tid = (__u32)id;
	r->uid = (__u32)ug;
	r->gid = ug >> 32;
	r->open_flags = file->f_flags;
	r->open_ns = bpf_ktime_get_boot_ns();
	r->cgroup_id = bpf_get_current_cgroup_id();
	r->dev = *dev;
	r->ino = inode->i_ino;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	bpf_d_path(&file->f_path, r->path, sizeof(r->path));
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}
NOTHING("fexit/vfs_read", record_read)
NOTHING("lsm/file_free_security", record_free)

/* Syscall-tracepoint tier: the raw sys_enter and sys_exit tracepoints, which every syscall passes. */
NOTHING("raw_tp/sys_enter", tracepoint_enter)
NOTHING("raw_tp/sys_exit", tracepoint_exit)
