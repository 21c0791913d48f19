/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types the camvault probes read, declared by hand for CO-RE.
 *
 * Only the members the probes use are listed, flat: members the kernel keeps inside anonymous
 * structs or unions (qstr's len, sock_common's skc_daddr, file's f_path on 6.13 and later) are found
 * there by name when libbpf relocates. preserve_access_index makes every access a CO-RE relocation that
 * libbpf resolves against the running kernel's BTF (or the file given as btf_custom_path on kernels
 * built without it), so neither offsets nor the rest of each struct matter, and the probes need no
 * vmlinux.h generated on the build host.
 *
 * Members that exist on some kernels only are read behind bpf_core_field_exists() or
 * bpf_core_type_exists(), so a BTF without them still loads:
 *   - file.f_count (atomic_long_t, up to 6.12) and file.f_ref (file_ref_t, 6.13 on), as flavours;
 *   - task_struct.loginuid and sessionid (CONFIG_AUDIT);
 *   - sock_common.skc_v6_daddr (CONFIG_IPV6);
 *   - struct mount, private to fs/: camvault.btf carries a copy of its first members, except on
 *     randstruct kernels (kmod/btf_types.c); without it paths stop at their mount's root.
 *
 * Checked against Debian's 6.1, the 6.12.117 sources and 6.18's BTF.
 *
 * Tracepoint contexts are not kernel types with BTF: they are declared plainly in access.bpf.c.
 */
#ifndef CAMVAULT_CORE_TYPES_H
#define CAMVAULT_CORE_TYPES_H

#include <linux/types.h>

#define CV_CORE __attribute__((preserve_access_index))

/*
 * atomic_t, atomic_long_t (64-bit kernels only), kuid_t, file_ref_t, in6_addr: only their member names
 * matter to CO-RE. Anonymous typedefs, not CV_CORE structs: tests/scripts/check-btf.py looks for every
 * "struct NAME { ... } CV_CORE;" in the kernel's BTF by that name.
 */
typedef struct {
	int counter;
} cv_atomic_t;

typedef struct {
	__s64 counter;
} cv_atomic_long_t;

typedef struct {
	__u32 val;
} cv_kuid_t;

typedef struct {
	cv_atomic_long_t refcnt;
} cv_file_ref_t;

typedef struct {
	__u8 u6_addr8[16];
} cv_in6_addr_t;

struct super_block {
	__u32 s_dev;			/* dev_t: major << 20 | minor */
} CV_CORE;

struct inode {
	__u16 i_mode;			/* umode_t */
	__u32 i_rdev;			/* dev_t of a device node */
	unsigned long i_ino;
	struct super_block *i_sb;
} CV_CORE;

struct qstr {
	__u32 len;
	const unsigned char *name;
} CV_CORE;

struct dentry_operations {
	void *d_dname;			/* a function: names made up (pipes, sockets...) */
} CV_CORE;

struct dentry {
	struct dentry *d_parent;
	const struct dentry_operations *d_op;
	struct inode *d_inode;		/* NULL: a negative dentry (a name not there) */
	struct qstr d_name;
	struct super_block *d_sb;
} CV_CORE;

struct vfsmount {
	struct dentry *mnt_root;
	struct super_block *mnt_sb;
} CV_CORE;

/* fs/mount.h: struct vfsmount is embedded in it. */
struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
} CV_CORE;

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
} CV_CORE;

/* include/linux/ns_common.h: what /proc/PID/ns/NAME's inode number is. */
struct ns_common {
	unsigned int inum;
} CV_CORE;

/* fs/mount.h */
struct mnt_namespace {
	struct ns_common ns;
	struct mount *root;
} CV_CORE;

struct user_namespace {
	struct ns_common ns;
} CV_CORE;

struct cred {
	struct user_namespace *user_ns;
} CV_CORE;

struct nsproxy {
	struct mnt_namespace *mnt_ns;
} CV_CORE;

struct file {
	struct path f_path;
	struct inode *f_inode;
	unsigned int f_flags;
	unsigned int f_mode;		/* fmode_t */
	void *private_data;		/* a socket file's struct socket */
} CV_CORE;

/* The references to a struct file: CO-RE flavours of it, one of which the kernel has. */
struct file___count {
	cv_atomic_long_t f_count;	/* up to 6.12: the references */
} CV_CORE;

struct file___ref {
	cv_file_ref_t f_ref;		/* 6.13 on: the references - 1 (include/linux/file_ref.h) */
} CV_CORE;

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
	unsigned long *close_on_exec;
	unsigned long *open_fds;
} CV_CORE;

struct files_struct {
	cv_atomic_t count;		/* tasks sharing the table */
	struct fdtable *fdt;
} CV_CORE;

struct fs_struct {
	struct path root;
	struct path pwd;
} CV_CORE;

struct mm_struct {
	struct file *exe_file;
} CV_CORE;

struct signal_struct {
	cv_atomic_t live;		/* threads not yet exiting */
} CV_CORE;

/* Embedded in task_struct (CONFIG_THREAD_INFO_IN_TASK: x86-64 and arm64 always). */
struct thread_info {
	unsigned long flags;		/* TIF_* */
} CV_CORE;

/*
 * What says that the current syscall is a 32-bit program's (compat), per architecture: CO-RE
 * flavours, so that each object relocates only its own (named ___cv_ARCH: libbpf's bpf_tracing.h
 * has a pt_regs___arm64 of its own). x86-64: thread_info.status has TS_COMPAT
 * while an ia32 syscall runs (also one a 64-bit program makes with int $0x80); arm64: TIF_32BIT in
 * thread_info.flags for an AArch32 task. The syscall's registers (struct pt_regs): its arguments and
 * its number.
 */
struct thread_info___cv_x86 {
	__u32 status;			/* TS_* */
} CV_CORE;

struct pt_regs___cv_x86 {
	unsigned long bp;
	unsigned long bx;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
} CV_CORE;

struct pt_regs___cv_arm64 {
	__u64 regs[31];
	int syscallno;
} CV_CORE;

struct task_struct {
	struct thread_info thread_info;
	unsigned int flags;		/* PF_* */
	int pid;
	int tgid;
	struct task_struct *real_parent;
	struct mm_struct *mm;
	struct files_struct *files;
	struct fs_struct *fs;
	struct nsproxy *nsproxy;
	const struct cred *cred;	/* the subjective credentials */
	struct signal_struct *signal;
	cv_kuid_t loginuid;	/* CONFIG_AUDIT */
	unsigned int sessionid;		/* CONFIG_AUDIT */
} CV_CORE;

struct sock_common {
	unsigned short skc_family;
	__be32 skc_daddr;
	__be16 skc_dport;
	cv_in6_addr_t skc_v6_daddr;	/* CONFIG_IPV6 */
} CV_CORE;

struct sock {
	struct sock_common __sk_common;
} CV_CORE;

/* The kernel's copy of a sendmsg's header: msg_name points to a kernel sockaddr. */
struct msghdr {
	void *msg_name;
} CV_CORE;

struct socket {
	struct sock *sk;
	struct file *file;
} CV_CORE;

/* An io_uring request (CONFIG_IO_URING): its file is in an anonymous union. */
struct io_kiocb {
	struct file *file;
	__u8 opcode;			/* IORING_OP_* */
} CV_CORE;

/* Userspace's structs, read from the syscalls' arguments: plain, not CO-RE. */
struct cv_open_how {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
};

struct cv_user_msghdr {
	void *msg_name;
	int msg_namelen;
};

/* sockaddr_in and sockaddr_in6 share their first 8 bytes: family, port. */
struct cv_user_sockaddr {
	__u16 family;
	__be16 port;
	__u32 addr4_or_flowinfo;
	__u8 addr6[16];
};

#endif /* CAMVAULT_CORE_TYPES_H */
