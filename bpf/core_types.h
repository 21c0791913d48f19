/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types the camvault probes read, declared by hand for CO-RE.
 *
 * Only the members the probes use are listed. preserve_access_index makes every access a CO-RE
 * relocation that libbpf resolves against the running kernel's BTF (or the file given as
 * btf_custom_path on kernels built without it), so neither offsets nor the rest of each struct matter,
 * and the probes need no vmlinux.h generated on the build host.
 *
 * Tracepoint contexts are not kernel types with BTF: they are declared plainly in access.bpf.c.
 */
#ifndef CAMVAULT_CORE_TYPES_H
#define CAMVAULT_CORE_TYPES_H

#include <linux/types.h>

#define CV_CORE __attribute__((preserve_access_index))

struct super_block {
	__u32 s_dev;			/* dev_t: major << 20 | minor */
} CV_CORE;

struct inode {
	unsigned long i_ino;
	struct super_block *i_sb;
} CV_CORE;

struct file {
	struct inode *f_inode;
	unsigned int f_flags;
} CV_CORE;

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} CV_CORE;

struct files_struct {
	struct fdtable *fdt;
} CV_CORE;

struct task_struct {
	struct files_struct *files;
} CV_CORE;

/* Userspace's struct, read from the syscall's argument: plain, not CO-RE. */
struct cv_open_how {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
};

#endif /* CAMVAULT_CORE_TYPES_H */
