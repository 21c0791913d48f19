// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel types the eBPF access probes read (bpf/core_types.h), for camvault.btf.
 *
 * Kernels built without CONFIG_DEBUG_INFO_BTF (Raspberry Pi OS) have no /sys/kernel/btf/vmlinux,
 * so libbpf has nothing to resolve the probes' CO-RE relocations against. Kbuild compiles this
 * file with the kernel's own headers, .config and flags, plus -g, and pahole turns its DWARF into
 * camvault.btf (see Kbuild), which the agent hands to libbpf as btf_custom_path: the offsets in it
 * are the ones the compiler chose for this kernel, as for camvault.ko.
 *
 * This object is never linked into camvault.ko. One variable of each struct type, by value, makes
 * the compiler emit the type's full definition; a pointer alone may leave only a declaration. A
 * probe that reads a new kernel type needs its variable here too: tests/scripts/check-btf.py
 * checks camvault.btf against the structs and members in bpf/core_types.h.
 */
#include <linux/compiler.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/io_uring_types.h>
#include <linux/mm_types.h>
#include <linux/mount.h>
#include <linux/net.h>
#include <linux/ns_common.h>
#include <linux/nsproxy.h>
#include <linux/path.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/user_namespace.h>
#include <net/sock.h>
#include <asm/ptrace.h>

/*
 * struct mount and struct mnt_namespace are private to fs/ (fs/mount.h), which kernel header
 * packages do not ship. The probes read only their first members, the same in 6.1, 6.12 and 6.18:
 * a copy of that prefix gives their offsets, computed from this kernel's own hlist_node, vfsmount
 * and ns_common (tests/kbuild.sh checks them against 6.12's fs/mount.h and 6.1's BTF). Under
 * randstruct the real layout is shuffled and no copy can match it: leave the types out, so that
 * libbpf refuses the relocation rather than a probe reading the wrong field.
 */
#if !defined(CONFIG_RANDSTRUCT) && !defined(CONFIG_GCC_PLUGIN_RANDSTRUCT)
struct mount {
	struct hlist_node mnt_hash;
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
};

struct mnt_namespace {
	struct ns_common ns;
	struct mount *root;
};

static struct mount cv_btf_mount __used;
static struct mnt_namespace cv_btf_mnt_namespace __used;
#endif

static struct task_struct cv_btf_task_struct __used;
static struct mm_struct cv_btf_mm_struct __used;
static struct signal_struct cv_btf_signal_struct __used;
static struct cred cv_btf_cred __used;
static struct user_namespace cv_btf_user_namespace __used;
static struct pt_regs cv_btf_pt_regs __used;
static struct files_struct cv_btf_files_struct __used;
static struct fdtable cv_btf_fdtable __used;
static struct fs_struct cv_btf_fs_struct __used;
static struct nsproxy cv_btf_nsproxy __used;
static struct file cv_btf_file __used;
static struct path cv_btf_path __used;
static struct dentry cv_btf_dentry __used;
static const struct dentry_operations cv_btf_dentry_operations __used;
static struct qstr cv_btf_qstr __used;
static struct vfsmount cv_btf_vfsmount __used;
static struct inode cv_btf_inode __used;
static struct super_block cv_btf_super_block __used;
static struct socket cv_btf_socket __used;
static struct sock cv_btf_sock __used;
static struct sock_common cv_btf_sock_common __used;
static struct msghdr cv_btf_msghdr __used;
static struct io_kiocb cv_btf_io_kiocb __used;
