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
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

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

/* Syscall-tracepoint tier: the raw sys_enter and sys_exit tracepoints, which every syscall passes. */
NOTHING("raw_tp/sys_enter", tracepoint_enter)
NOTHING("raw_tp/sys_exit", tracepoint_exit)
