// SPDX-License-Identifier: GPL-2.0
/*
 * camvault access probes on kernel hooks: the LSM tier (CAMVAULT_TIER_LSM), the fentry/fexit tier
 * (CAMVAULT_TIER_FENTRY) and the kprobe tier (CAMVAULT_TIER_KPROBE). Each hook below is written once
 * and compiled three times; the agent loads the programs of one tier (agent/probes/progs.c lists every
 * program with its tiers: a program added here needs its entry there; by name, lsm_, fentry_ or kprobe_,
 * and the byte counters' cnt_fentry_/cnt_fexit_ for the LSM and fentry tiers, cnt_kprobe_/cnt_kretprobe_
 * for the kprobe tier) and sets cv_tier, which every record carries.
 *
 * Sessions are the same records as at the syscall-tracepoint tier (session.bpf.h), seen from inside
 * the kernel rather than at its doors, so what syscalls hide is seen too:
 *   - file_open (security_file_open): every open, by any syscall or by io_uring, with the flags as
 *     given (O_CREAT and O_TRUNC are still in f_flags there) and FMODE_CREATED;
 *   - file_free_security (security_file_free, from __fput): the last close, exactly, whoever held the
 *     last reference (an fd, a mapping, a passed fd, io_uring): no pending list, no CLOSE_LATE. A file
 *     whose open failed after the hook (never FMODE_OPENED) is dropped: nothing was read;
 *   - bytes: vfs_read and vfs_write (read, write, pread64, pwrite64), do_iter_read and do_iter_write
 *     (readv, writev and friends, up to 6.8) or do_iter_readv_writev (from 6.9), do_splice_direct
 *     (sendfile, and copy_file_range's fallback), splice_file_range (copy_file_range from 6.8),
 *     do_splice (splice(2), io_uring's splice), at their
 *     return (fexit, which has the arguments; at the kprobe tier an open session at the kprobe marks
 *     the thread in map "inflight", and the kretprobe adds what moved);
 *   - rw_verify_area (fentry or kprobe, at every tier: where security_file_permission is called, with
 *     the byte count): every read and write, io_uring and aio included. One of a session's that no
 *     counter turns out to cover (aio; io_uring where
 *     its completions cannot be hooked) sets CAMVAULT_RF_UNCOUNTED: its bytes are a lower bound. Not
 *     every check sits inside its counter (sendfile checks, then splices; at the LSM and fentry tiers
 *     the counters are exits alone), so a check waits for its counter: in its session (check_rd,
 *     check_wr) at those tiers, unless another thread's waits there already; else per thread in
 *     "unmarked", until the thread's next counter returns, its close of that file, or its exit. It
 *     also makes the session of a file opened before the probes ran;
 *   - mmap_file, file_ioctl: mmaps and ioctls, counted when asked; a camera's VIDIOC_STREAMON and
 *     VIDIOC_DQBUF when they succeed, at the return of ioctl(2) (__x64_sys_ioctl, __arm64_sys_ioctl);
 *   - path_unlink, path_rename, path_truncate, file_truncate (6.2 on): records with the exact inode
 *     and the path from the dentry, written when the operation is allowed (before it is done);
 *   - socket_sendmsg: footage read and then sent (the PEER heuristic of session.bpf.h);
 *   - io_uring: the tracepoint io_uring_complete counts its reads and writes by their result (the agent
 *     sets cv_uring_counted when it attaches it); a read or write checked by an io_uring worker or by a
 *     thread inside io_uring_enter(2) is left to it;
 *   - aio: a read or write checked inside io_submit(2) sets CAMVAULT_RF_UNCOUNTED there and then.
 *
 * RECORD-OR-DENY (LSM tier, cv_record_or_deny set by the agent): the ring buffer must keep room for
 * the record of every session in progress. A read-open of a watched file that would leave less, or
 * whose session the table cannot hold, is refused with EACCES unless the process's executable is in
 * "recorders" (the NVR: its writes are never refused); each refusal counts in "denied".
 *
 * The LSM and fentry tiers need the kernel's BTF and trampolines (x86-64; arm64 from 6.4), the LSM
 * tier also "bpf" in the active LSMs; the kprobe tier needs CONFIG_KPROBES and works with the BTF
 * built with the module (camvault.btf) on kernels without their own.
 */
/* session.bpf.h's branches for the LSM and fentry tiers (cv_typed_tier()) are compiled in. */
#define CV_HOOKS_OBJECT 1
#include "session.bpf.h"

/* struct pt_regs, for the kprobes' arguments (bpf_tracing.h reads them by register name). */
#include <asm/ptrace.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define CV_EACCES 13
#define CV_FMODE_READ (1u << 0)
#define CV_FMODE_OPENED (1u << 19)
#define CV_RING_HDR 8			/* a ring buffer record's header */
#define CV_PF_IO_WORKER 0x10		/* an io_uring worker thread (6.1 to 6.12 at least) */

/* Set by the agent before load: refuse what cannot be recorded (LSM tier only). */
const volatile __u32 cv_record_or_deny = 0;
/* Set by the agent when it attaches cv_uring_complete: io_uring's reads and writes are counted. */
const volatile __u32 cv_uring_counted = 0;

/*
 * Threads inside io_uring_enter(2) or io_submit(2), submitting: what they read or write there is
 * io_uring's (counted at its completion, if that is hooked), or aio's (never counted).
 */
enum cv_submitter {
	CV_SUBMIT_URING = 1,
	CV_SUBMIT_AIO,
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);	/* enum cv_submitter */
} submitting SEC(".maps");

/* How many threads "submitting" holds: a footage read asks it only when there are any. */
__u64 cv_nsubmitting = 0;

/* Executables whose opens are never refused, by their {dev, ino} (the NVR, the recorder). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct camvault_file_key);
	__type(value, __u8);
} recorders SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} denied SEC(".maps");

/*
 * The last read and the last write of a session that no byte counter surrounded (yet), by thread, where
 * the session cannot hold it (the kprobe tier, or another thread's check waits there): their
 * files. Settled when the thread's next counter returns (they were that counter's: sendfile and
 * copy_file_range check both files before they splice; at the LSM and fentry tiers, where counters are
 * exits alone, every read and write), or flagged CAMVAULT_RF_UNCOUNTED when they prove to be no
 * counter's. A thread's element stays until it exits, written in place (rd = wr = 0: nothing waits);
 * cv_nunmarked counts the threads with something waiting.
 */
struct cv_unmarked {
	__u64 rd;	/* struct file * */
	__u64 wr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct cv_unmarked);
} unmarked SEC(".maps");

__u64 cv_nunmarked = 0;

/*
 * This thread's unmarked read or write, if any, is over: it was counted if its file is rd or wr (those
 * of the counter returning now), else not. rd = wr = 0: not counted (a close, the thread's exit).
 */
static __always_inline void unmarked_settle(__u64 rd, __u64 wr)
{
	__u32 tid = cur_tid();
	struct cv_unmarked *u;

	if (!cv_nunmarked)
		return;
	u = bpf_map_lookup_elem(&unmarked, &tid);
	if (!u || (!u->rd && !u->wr))
		return;
	if (u->rd && u->rd != rd && u->rd != wr)
		flag_uncounted(u->rd);
	if (u->wr && u->wr != rd && u->wr != wr)
		flag_uncounted(u->wr);
	u->rd = u->wr = 0;
	__sync_fetch_and_add(&cv_nunmarked, -1);
}

/* The executable of the current process is in "recorders". */
static __always_inline int is_recorder(void)
{
	struct file *exe = BPF_CORE_READ(cur_task(), mm, exe_file);
	struct camvault_file_key key = {};
	struct inode *inode;

	if (!exe)
		return 0;
	/* The inode stat() shows (on overlayfs, f_inode is the layer's below). */
	inode = BPF_CORE_READ(exe, f_path.dentry, d_inode);
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key.ino = BPF_CORE_READ(inode, i_ino);
	return bpf_map_lookup_elem(&recorders, &key) != NULL;
}

/* Whether the ring buffer holds room for the records of every session in progress and one more. */
static __always_inline int room_for_one_more(void)
{
	__u64 size = bpf_ringbuf_query(&records, BPF_RB_RING_SIZE);
	__u64 used = bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA);
	__u64 need = (cv_nsessions + 1) * (sizeof(struct camvault_rec) + CV_RING_HDR);

	return used + need <= size;
}

/* Forget a session without writing it (its open was refused, or failed). */
static __always_inline void session_drop(__u64 key)
{
	if (!bpf_map_delete_elem(&sessions, &key))
		__sync_fetch_and_add(&cv_nsessions, -1);
}

static __always_inline int on_open(struct file *file)
{
	__u64 key = (__u64)file;
	int made;

	made = cv_new_session(key, CV_FLAGS_OF_FILE, 0, bpf_ktime_get_boot_ns());
	if (!cv_record_or_deny || made < 0 || !(BPF_CORE_READ(file, f_mode) & CV_FMODE_READ))
		return 0;
	if (made == 0 && room_for_one_more())
		return 0;
	if (is_recorder())
		return 0;
	if (made == 0)
		session_drop(key);
	count_one(&denied);
	return -CV_EACCES;
}

/*
 * The last reference to key is gone: its session v ends here (or is dropped if the open never finished:
 * f_mode, the file's, without FMODE_OPENED).
 */
static __always_inline int session_end(__u64 key, struct cv_session *v, __u32 f_mode)
{
	if (cv_nunmarked) {
		__u32 tid = cur_tid();
		struct cv_unmarked *u = bpf_map_lookup_elem(&unmarked, &tid);

		if (u && (u->rd == key || u->wr == key))
			unmarked_settle(0, 0);
	}
	if (!(f_mode & CV_FMODE_OPENED)) {
		session_drop(key);
		return 0;
	}
	emit_session(v, key, 0, 1);
	return 0;
}

/*
 * count bytes about to be read or written (rw_verify_area): is a byte counter around it? typed
 * (CV_TYPED): the counters are exits alone, and what waits in "unmarked" is theirs when they return;
 * the task is read as the verifier types it, one load. Else (the kprobe tier) the counters mark the
 * thread in "inflight" at their entry.
 */
static __always_inline int on_verify_area(int write, struct file *file, __u64 count, int typed)
{
	__u64 key = (__u64)file;
	__u32 tid = cur_tid();
	struct cv_unmarked *u, nu = {};
	struct cv_session *v;
	struct cv_io *io;
	__u8 *sub = NULL;
	__u64 was;
	__u32 flags;
	__u64 *slot;

	/* copy_file_range checks its files even when there is nothing to copy, and then does not. */
	if (!count)
		return 0;
	/*
	 * Opened before the probes ran (or before its watch was added): a session from here on. One
	 * lookup for a file that is no session; the watch check after it is mostly the watch filter's.
	 */
	v = file_session(file);
	if (!v)
		return 0;
	io = typed ? NULL : bpf_map_lookup_elem(&inflight, &tid);
	if (io && io->kind && (io->rd == key || io->wr == key))
		return 0;
	/*
	 * io_uring's (its workers', or a submitting thread's): counted at completion, if that is hooked.
	 * aio's: never, and said at once, so that no later read of the thread's can pass for this one.
	 */
	flags = typed ? bpf_get_current_task_btf()->flags : BPF_CORE_READ(cur_task(), flags);
	if ((flags & CV_PF_IO_WORKER) || (cv_nsubmitting && (sub = bpf_map_lookup_elem(&submitting, &tid)))) {
		if (!cv_uring_counted || (sub && *sub == CV_SUBMIT_AIO))
			flag_uncounted(key);
		return 0;
	}
	/*
	 * Every read and write waits for its counter's exit at these tiers: in the session it has at
	 * hand, where the exit finds it at no cost, unless another thread's check waits there (this
	 * thread's own may: sendfile checks its output twice).
	 */
	if (typed) {
		was = __sync_val_compare_and_swap(write ? &v->check_wr : &v->check_rd, 0, tid);
		if (!was || was == tid)
			return 0;
	}
	u = bpf_map_lookup_elem(&unmarked, &tid);
	if (u) {
		if (!u->rd && !u->wr)
			__sync_fetch_and_add(&cv_nunmarked, 1);
		slot = write ? &u->wr : &u->rd;
		if (*slot && *slot != key)
			flag_uncounted(*slot);
		*slot = key;
		return 0;
	}
	if (write)
		nu.wr = key;
	else
		nu.rd = key;
	if (!bpf_map_update_elem(&unmarked, &tid, &nu, BPF_NOEXIST)) {
		__sync_fetch_and_add(&cv_nunmarked, 1);
	} else {
		flag_uncounted(key);	/* no room to wait and see */
	}
	return 0;
}

static __always_inline int on_mmap(struct file *file)
{
	struct cv_io io = { .kind = CV_IO_MMAP, .rd = (__u64)file };

	if (file && file_session(file))
		io_account(&io, 0);
	return 0;
}

/* An ioctl: counted here; a camera's streaming ones by their result, at the syscall's return (below). */
static __always_inline int on_ioctl(struct file *file, unsigned int cmd)
{
	struct cv_io io = { .kind = CV_IO_IOCTL, .rd = (__u64)file };
	struct cv_session *v = file_session(file);

	if (!v)
		return 0;
	io_account(&io, 0);
	if (!(v->rec.rflags & CAMVAULT_RF_CAMERA) || CV_IOC_TYPE(cmd) != 'V')
		return 0;
	io.kind = CV_IO_STREAM;
	io.cmd = cmd;
	return io_start(&io);
}

/* Footage read before, now sent: the destination given, else the socket's peer. */
static __always_inline int on_sendmsg(struct socket *sock, struct msghdr *msg)
{
	struct file *file = BPF_CORE_READ(sock, file);
	struct cv_io io = { .kind = CV_IO_XFER };

	if (file && reader_peer(file, &io, BPF_CORE_READ(msg, msg_name), 0))
		io_account(&io, 1);
	return 0;
}

/*
 * An unlink, rename or truncate record for the inode behind dentry, if it is watched: the path is
 * {mnt, dentry}'s (and {mnt2, dentry2}'s for a rename), written now.
 */
__noinline int cv_path_record(__u32 type, __u64 mnt, __u64 dentry, __u64 mnt2, __u64 dentry2)
{
	struct cv_scratch *s;

	if (cv_inode_record(type, (__u64)BPF_CORE_READ((struct dentry *)dentry, d_inode), mnt, dentry))
		return 0;
	s = scratch();
	if (!s)
		return 0;
	if (dentry2 && cv_path(mnt2, dentry2, 2))
		s->s.rec.rflags |= CAMVAULT_RF_PATH_TAIL;
	s->s.rec.open_ns = s->s.rec.close_ns = bpf_ktime_get_boot_ns();
	cv_output(&s->s.rec, sizeof(s->s.rec));
	return 0;
}

static __always_inline int on_unlink(const struct path *dir, struct dentry *dentry)
{
	return cv_path_record(CAMVAULT_REC_UNLINK, (__u64)BPF_CORE_READ(dir, mnt), (__u64)dentry, 0, 0);
}

/* A rename of a watched file, or over one (which deletes it). */
static __always_inline int on_rename(const struct path *old_dir, struct dentry *old_dentry,
				     const struct path *new_dir, struct dentry *new_dentry)
{
	__u64 mnt = (__u64)BPF_CORE_READ(old_dir, mnt), mnt2 = (__u64)BPF_CORE_READ(new_dir, mnt);

	cv_path_record(CAMVAULT_REC_RENAME, mnt, (__u64)old_dentry, mnt2, (__u64)new_dentry);
	return 0;
}

static __always_inline int on_truncate_path(const struct path *path)
{
	return cv_path_record(CAMVAULT_REC_TRUNCATE, (__u64)BPF_CORE_READ(path, mnt),
			      (__u64)BPF_CORE_READ(path, dentry), 0, 0);
}

static __always_inline int on_truncate_file(struct file *file)
{
	return cv_path_record(CAMVAULT_REC_TRUNCATE, (__u64)BPF_CORE_READ(file, f_path.mnt),
			      (__u64)BPF_CORE_READ(file, f_path.dentry), 0, 0);
}

/*
 * Arguments as plain numbers: the verifier types a pointer read from an LSM or fentry program's context
 * as a kernel object, which the global functions of session.bpf.h (made to be verified once) do not
 * take; bpf_get_func_arg's copy of its value is a scalar (a few instructions, inlined for fentry, where
 * bpf_probe_read_kernel took about 100). A kprobe reads its registers, scalars already.
 */
static __always_inline __u64 tr_arg(unsigned long long *ctx, int i)
{
	__u64 v = 0;

	bpf_get_func_arg(ctx, i, &v);
	return v;
}

static __always_inline __u64 kp_arg(struct pt_regs *ctx, int i)
{
	switch (i) {
	case 0:
		return PT_REGS_PARM1(ctx);
	case 1:
		return PT_REGS_PARM2(ctx);
	case 2:
		return PT_REGS_PARM3(ctx);
	default:
		return PT_REGS_PARM4(ctx);
	}
}

/* Argument i of the hooked function, in whichever kind of program this is. */
#define CV_ARG(i) _Generic((ctx), struct pt_regs *: kp_arg, default: tr_arg)(ctx, i)

/*
 * Whether this is an LSM or fentry program (typed arguments, the kernel's BTF), not a kprobe: its hook's
 * quick test ("skip" below) is behind it, it reads the task typed, and its byte counters are exits alone.
 * cv_typed_tier() says the same to the global functions, from cv_tier.
 */
#define CV_TYPED _Generic((ctx), struct pt_regs *: 0, default: 1)

/*
 * Argument i of an LSM or fentry program as the verifier types it: a kernel object, whose members are
 * plain loads (checked: a fault reads 0), where CV_ARG(i) and BPF_CORE_READ are a helper call each. For the
 * "nothing to do" that most calls end in, decided before paying for the scalars the work needs.
 */
#define CV_TYPED_ARG(i) typed_arg(ctx, (i) * 8)

/* One load at a constant offset from ctx itself, as the verifier requires (not from ctx + 8, say). */
static __always_inline void *typed_arg(unsigned long long *ctx, const int off)
{
	void *v;

	asm volatile("%[v] = *(u64 *)(%[ctx] + %[off])" : [v] "=r"(v) : [ctx] "r"(ctx), [off] "i"(off));
	return v;
}

/*
 * Whether file certainly is no footage: its bits in the watch filter are clear (watched_inode's tests,
 * without its lookups). Most files the hooks see leave here.
 */
static __always_inline int unwatched_file(struct file *file)
{
	struct inode *inode = file ? file->f_inode : NULL;

	return !inode || unwatched_inode(inode, inode->i_mode, inode->i_sb->s_dev, 1);
}

/*
 * Whether d_path, which stops at the task's root, gives the path cv_path's walk gives, which stops at
 * the root of the mount namespace: when the task's root is that root, or the root of a mount on it (the
 * root of a system booted through an initramfs, or of a container after pivot_root). Not in a chroot.
 */
static __always_inline int root_is_ns_root(struct task_struct *t)
{
	struct vfsmount *rmnt = t->fs->root.mnt;
	struct mount *ns_root, *parent = NULL;
	struct dentry *mountpoint = NULL;

	/* A BTF without them (see mount_up): the walk, which then says what it misses. */
	if (!bpf_core_type_exists(struct mount) || !bpf_core_type_exists(struct mnt_namespace))
		return 0;
	ns_root = t->nsproxy->mnt_ns->root;
	if (!rmnt || !ns_root || t->fs->root.dentry != rmnt->mnt_root)
		return 0;
	if (rmnt == &ns_root->mnt)
		return 1;
	CV_READ_PAIR((struct mount *)((void *)rmnt - bpf_core_field_offset(struct mount, mnt)),
		     mnt_parent, parent, mnt_mountpoint, mountpoint);
	return parent == ns_root && mountpoint == ns_root->mnt.mnt_root;
}

/*
 * The path of a file being opened, by bpf_d_path (the kernel's d_path, allowed at file_open: a few
 * instructions a component, where cv_path's walk makes two helper calls for each), into s->pre.path:
 * its length with the NUL, or 0 where cv_path must walk it: where d_path's root is not the walk's, for
 * a name d_path makes up, for an error (a path longer than the field), and for an unlinked file
 * (O_TMPFILE, say), which d_path marks " (deleted)" and the walk does not.
 */
static __always_inline __u32 open_path(struct file *file, struct cv_scratch *s)
{
	static const char deleted[] = " (deleted)";
	const __u32 dl = sizeof(deleted) - 1;
	struct dentry *d = file->f_path.dentry;
	const struct dentry_operations *op = d->d_op;
	long n;
	__u32 i;

	if ((op && op->d_dname) || !root_is_ns_root(bpf_get_current_task_btf()))
		return 0;
	n = bpf_d_path(&file->f_path, s->pre.path, sizeof(s->pre.path));
	if (n <= 0 || n > CV_PLEN)
		return 0;
	if (n - 1 < dl)
		return n;
	for (i = 0; i < dl; i++)
		if (s->pre.path[(n - 1 - dl + i) & (CV_PLEN - 1)] != deleted[i])
			return n;
	return 0;
}

/*
 * unwatched_file for an open, which then makes the file's session: what the test read, and the members
 * cv_new_session reads next, are left in the scratch's "pre" for it (plain loads here, where it would
 * call a helper for each), with the file's path.
 */
static __always_inline int unwatched_open(struct file *file)
{
	struct inode *inode = file ? file->f_inode : NULL;
	struct cv_scratch *s;
	__u32 sb_dev;
	__u16 mode;

	if (!inode)
		return 1;
	mode = inode->i_mode;
	sb_dev = inode->i_sb->s_dev;
	if (unwatched_inode(inode, mode, sb_dev, 1))
		return 1;
	s = scratch();
	if (s) {
		s->pre.inode = (__u64)inode;
		s->pre.mode = mode;
		s->pre.sb_dev = sb_dev;
		s->pre.ino = inode->i_ino;
		s->pre.f_mode = file->f_mode;
		s->pre.f_flags = file->f_flags;
		s->pre.mnt = (__u64)file->f_path.mnt;
		s->pre.dentry = (__u64)file->f_path.dentry;
		s->pre.path_len = open_path(file, s);
		s->pre.file = (__u64)file;
	}
	return 0;
}

/* The session of file in progress, or NULL. */
static __always_inline struct cv_session *session_of(struct file *file)
{
	__u64 key = (__u64)file;

	return file ? bpf_map_lookup_elem(&sessions, &key) : NULL;
}

/* Whether file is a session in progress (the lookup only while there are any). */
static __always_inline int in_session(struct file *file)
{
	return cv_nsessions && session_of(file);
}

/*
 * One hook, three tiers: the LSM hook, and fentry and kprobe on the security_* function that calls
 * it, with the same first arguments. Only the LSM program's return value counts (0 or -errno). skip:
 * what the LSM and fentry programs can tell at once from CV_TYPED_ARG(i) and globals, that there is
 * nothing to do.
 */
#define CV_HOOK(hook, fn, skip, call)						\
SEC("lsm/" #hook)								\
int lsm_##hook(unsigned long long *ctx)						\
{										\
	if (skip)								\
		return 0;							\
	return call;								\
}										\
SEC("fentry/" #fn)								\
int fentry_##hook(unsigned long long *ctx)					\
{										\
	if (!(skip))								\
		call;								\
	return 0;								\
}										\
SEC("kprobe/" #fn)								\
int kprobe_##hook(struct pt_regs *ctx)						\
{										\
	call;									\
	return 0;								\
}

/*
 * Skipped: the open of a file not watched (a new file has no session yet); mmaps and ioctls of files
 * neither watched nor a session (a NULL file: anonymous memory).
 */
#define CV_NOTHING_TO_DO(file) (unwatched_file(file) && !in_session(file))
CV_HOOK(file_open, security_file_open, unwatched_open(CV_TYPED_ARG(0)), on_open((struct file *)CV_ARG(0)))
CV_HOOK(mmap_file, security_mmap_file, CV_NOTHING_TO_DO(CV_TYPED_ARG(0)), on_mmap((struct file *)CV_ARG(0)))
CV_HOOK(file_ioctl, security_file_ioctl, CV_NOTHING_TO_DO(CV_TYPED_ARG(0)),
	on_ioctl((struct file *)CV_ARG(0), (unsigned int)CV_ARG(1)))
CV_HOOK(socket_sendmsg, security_socket_sendmsg, 0, on_sendmsg((struct socket *)CV_ARG(0), (struct msghdr *)CV_ARG(1)))
CV_HOOK(path_unlink, security_path_unlink, 0, on_unlink((const struct path *)CV_ARG(0), (struct dentry *)CV_ARG(1)))
CV_HOOK(path_rename, security_path_rename, 0, on_rename((const struct path *)CV_ARG(0), (struct dentry *)CV_ARG(1),
							   (const struct path *)CV_ARG(2), (struct dentry *)CV_ARG(3)))
CV_HOOK(path_truncate, security_path_truncate, 0, on_truncate_path((const struct path *)CV_ARG(0)))
/* 6.2 on: ftruncate and O_TRUNC (path_truncate sees only truncate(2) there). The agent skips it before. */
CV_HOOK(file_truncate, security_file_truncate, 0, on_truncate_file((struct file *)CV_ARG(0)))

/*
 * The last close (security_file_free, from __fput). The LSM and fentry programs have the file typed:
 * the session they look up is the one they end, and its f_mode is one load.
 */
static __always_inline int free_typed(struct file *file)
{
	struct cv_session *v = cv_nsessions ? session_of(file) : NULL;

	return v ? session_end((__u64)file, v, file->f_mode) : 0;
}

SEC("lsm/file_free_security")
int lsm_file_free_security(unsigned long long *ctx)
{
	return free_typed(CV_TYPED_ARG(0));
}

SEC("fentry/security_file_free")
int fentry_file_free_security(unsigned long long *ctx)
{
	free_typed(CV_TYPED_ARG(0));
	return 0;
}

SEC("kprobe/security_file_free")
int kprobe_file_free_security(struct pt_regs *ctx)
{
	struct file *file = (struct file *)CV_ARG(0);
	struct cv_session *v = cv_nsessions ? session_of(file) : NULL;

	if (v)
		session_end((__u64)file, v, BPF_CORE_READ(file, f_mode));
	return 0;
}

/* ---- byte counters ---- */

/*
 * The peer of a transfer from rd (session vr) into wr (session vw), into io: a socket fed from a session,
 * or, from elsewhere, a socket fed by a process reading footage (the heuristic). 0: none.
 */
static __always_inline int xfer_peer(struct cv_session *vr, __u64 rd, struct file *wr, struct cv_session *vw,
				     struct cv_io *io)
{
	if (!wr)
		return 0;
	if (!vr)
		return !vw && reader_peer(wr, io, NULL, 0);
	if (!sock_peer(wr, &io->peer))
		return 0;
	io->peer_key = rd;
	return 1;
}

/* What a transfer from rd into wr (either may be NULL) is to the sessions; 0 when it is nothing to them. */
static __always_inline int io_describe(struct file *rd, struct file *wr, struct cv_io *io)
{
	struct cv_session *vr = session_of(rd), *vw = session_of(wr);

	io->kind = CV_IO_XFER;
	io->rd = vr ? (__u64)rd : 0;
	io->wr = vw ? (__u64)wr : 0;
	return xfer_peer(vr, (__u64)rd, wr, vw, io) || vr || vw;
}

/*
 * LSM and fentry tiers: a transfer from rd into wr returned ret, bytes moved or -errno. An fexit program
 * has the arguments as well as the result, so it needs no entry program: one trampoline run less on
 * every read and write of every file. A session rw_verify_area made during the transfer (a file opened
 * before the probes ran) is found here like the others. Each session is looked up once.
 */
/*
 * Threads inside do_splice_direct (sendfile, copy_file_range's fallback; LSM and fentry tiers), by thread
 * id: the files it moves data between. Its exit counts both, so a counter it runs on the way, such as
 * do_iter_write of its output file (iter_file_splice_write, up to 6.8), must not count the same bytes
 * again (copy_file_range counted its copy twice). Added and removed by do_splice_direct's own entry and
 * exit, which a trampoline never misses.
 */
struct cv_splicing {
	__u64 rd;
	__u64 wr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct cv_splicing);
} splicing SEC(".maps");

volatile __u32 cv_nsplicing;

/* Whether this thread is inside a do_splice_direct that counts rd or wr itself. */
static __always_inline int in_splice(struct file *rd, struct file *wr)
{
	__u32 tid = cur_tid();
	struct cv_splicing *sp = cv_nsplicing ? bpf_map_lookup_elem(&splicing, &tid) : NULL;

	return sp && ((rd && sp->rd == (__u64)rd) || (wr && sp->wr == (__u64)wr));
}

static __always_inline int io_done(struct file *rd, struct file *wr, long ret)
{
	struct cv_session *vr = session_of(rd), *vw = session_of(wr), *vp;
	struct cv_io io = {};
	__u32 tid = cur_tid();

	/* This thread's checks waiting in the sessions were this counter's (on_verify_area). */
	if (vr && vr->check_rd == tid)
		vr->check_rd = 0;
	if (vw && vw->check_wr == tid)
		vw->check_wr = 0;
	if (ret > 0) {
		xfer_account(vr, (__u64)rd, vw, ret);
		if (xfer_peer(vr, (__u64)rd, wr, vw, &io)) {
			vp = vr ? vr : bpf_map_lookup_elem(&sessions, &io.peer_key);
			if (vp)
				set_peer(vp, &io.peer);
		}
	}
	unmarked_settle((__u64)rd, (__u64)wr);
	return 0;
}

/*
 * Kprobe tier: a kretprobe has no arguments, so the transfer's entry marks the thread (io_start) when it
 * concerns a session, and its exit (io_end) takes the mark. No session in progress: nothing to mark,
 * and no footage read to send (reader_peer needs the session).
 */
/*
 * A counter runs inside another when the thread's mark was made at an outer stack frame (a greater stack
 * pointer: do_iter_write inside do_splice_direct, which counts both files itself). The inner counter then
 * neither marks nor takes the mark; told by the stack, so a mark whose kretprobe was missed (kretprobes
 * can be: maxactive) is taken over by the next counter, not left to mute the thread.
 */
static __always_inline int io_nested(struct cv_io *iop, __u64 sp)
{
	return iop && iop->kind == CV_IO_XFER && sp < iop->sp;
}

/* The thread's inflight element is looked up once, for io_nested and then io_start_at or io_take_from. */
static __always_inline int io_begin(struct file *rd, struct file *wr, __u64 sp)
{
	struct cv_io io = { .sp = sp }, *iop;

	if (!cv_nsessions)
		return 0;
	iop = io_slot();
	if (io_nested(iop, sp) || !io_describe(rd, wr, &io))
		return 0;
	return io_start_at(iop, &io);
}

static __always_inline int io_end(long ret, __u64 sp)
{
	struct cv_io io, *iop;

	if (!cv_nsessions)
		return 0;
	iop = io_slot();
	if (io_nested(iop, sp))
		return 0;
	if (io_take_from(iop, &io)) {
		io_account(&io, ret);
		unmarked_settle(io.rd, io.wr);
	} else {
		unmarked_settle(0, 0);
	}
	return 0;
}

/*
 * fexit for the LSM and fentry tiers, kprobe/kretprobe for the kprobe tier. rd, wr: the files data goes
 * from and to (NULL: none); nargs: how many arguments fn has (fexit's return value follows).
 */
#define CV_COUNTER(fn, rd, wr, nargs)						\
SEC("fexit/" #fn)								\
int cnt_fexit_##fn(unsigned long long *ctx)					\
{										\
	if (!cv_nsessions || in_splice(rd, wr))					\
		return 0;							\
	return io_done(rd, wr, (long)ctx[nargs]);				\
}										\
CV_KCOUNTER(fn, rd, wr)

#define CV_KCOUNTER(fn, rd, wr)							\
SEC("kprobe/" #fn)								\
int cnt_kprobe_##fn(struct pt_regs *ctx)					\
{										\
	return io_begin(rd, wr, PT_REGS_SP(ctx));				\
}										\
SEC("kretprobe/" #fn)								\
int cnt_kretprobe_##fn(struct pt_regs *ctx)					\
{										\
	return io_end(PT_REGS_RC(ctx), PT_REGS_SP(ctx));			\
}

/*
 * rw_verify_area(write, file, pos, count), where every read and write is checked (io_uring's and
 * aio's too) and security_file_permission called: at entry only.
 */
SEC("fentry/rw_verify_area")
int cnt_fentry_rw_verify_area(unsigned long long *ctx)
{
	if (CV_NOTHING_TO_DO(CV_TYPED_ARG(1)))
		return 0;
	return on_verify_area((int)CV_ARG(0), (struct file *)CV_ARG(1), CV_ARG(3), CV_TYPED);
}

SEC("kprobe/rw_verify_area")
int cnt_kprobe_rw_verify_area(struct pt_regs *ctx)
{
	return on_verify_area((int)CV_ARG(0), (struct file *)CV_ARG(1), CV_ARG(3), CV_TYPED);
}

/* vfs_read/vfs_write(file, buf, count, pos); do_splice_direct/do_splice(in, pos, out, pos, len, flags) */
CV_COUNTER(vfs_read, (struct file *)CV_ARG(0), NULL, 4)
CV_COUNTER(vfs_write, NULL, (struct file *)CV_ARG(0), 4)
/*
 * A splice between two files that counts both itself (fn(in, pos, out, pos, len...), nargs arguments):
 * at the LSM and fentry tiers its entry marks the thread (splicing) for the counters it runs on the way.
 * do_splice_direct: sendfile, copy_file_range's fallback; splice_file_range: copy_file_range from 6.8.
 */
#define CV_SPLICER(fn, nargs)							\
SEC("fentry/" #fn)								\
int cnt_fentry_##fn(unsigned long long *ctx)					\
{										\
	struct cv_splicing sp = { .rd = CV_ARG(0), .wr = CV_ARG(2) };		\
	__u32 tid = cur_tid();							\
										\
	if (cv_nsessions && !bpf_map_update_elem(&splicing, &tid, &sp, BPF_NOEXIST))	\
		__sync_fetch_and_add(&cv_nsplicing, 1);				\
	return 0;								\
}										\
SEC("fexit/" #fn)								\
int cnt_fexit_##fn(unsigned long long *ctx)					\
{										\
	__u32 tid = cur_tid();							\
										\
	if (cv_nsplicing && !bpf_map_delete_elem(&splicing, &tid))		\
		__sync_fetch_and_add(&cv_nsplicing, -1);			\
	return cv_nsessions ?							\
	       io_done((struct file *)CV_ARG(0), (struct file *)CV_ARG(2), (long)ctx[nargs]) : 0;	\
}										\
CV_KCOUNTER(fn, (struct file *)CV_ARG(0), (struct file *)CV_ARG(2))

CV_SPLICER(do_splice_direct, 6)
CV_SPLICER(splice_file_range, 5)
CV_COUNTER(do_splice, (struct file *)CV_ARG(0), (struct file *)CV_ARG(2), 6)
/* readv, writev and their p*v(2) (file, iter, pos, flags): static in fs/read_write.c, up to 6.8. */
CV_COUNTER(do_iter_read, (struct file *)CV_ARG(0), NULL, 4)
CV_COUNTER(do_iter_write, NULL, (struct file *)CV_ARG(0), 4)
/*
 * From 6.9 (file, iter, pos, type: READ 0 or WRITE 1, flags), called by vfs_readv/vfs_writev and
 * vfs_iter_read/vfs_iter_write. Up to 6.8 do_iter_read/do_iter_write call it: the agent attaches it only
 * where they are gone, so that no bytes count twice.
 */
CV_COUNTER(do_iter_readv_writev, CV_ARG(3) == 0 ? (struct file *)CV_ARG(0) : NULL,
	   CV_ARG(3) == 1 ? (struct file *)CV_ARG(0) : NULL, 5)
/*
 * The end of an ioctl(2) whose start on a camera on_ioctl marked: a VIDIOC_STREAMON or VIDIOC_DQBUF
 * counts if it succeeded. At the syscall's own function (vfs_ioctl, exported, is inlined into it).
 */
#ifdef __TARGET_ARCH_arm64
#define CV_SYS_IOCTL "__arm64_sys_ioctl"
#else
#define CV_SYS_IOCTL "__x64_sys_ioctl"
#endif

static __always_inline int stream_end(long ret)
{
	struct cv_io io;

	if (cv_nsessions && io_take(&io))
		io_account(&io, ret);
	return 0;
}

SEC("fexit/" CV_SYS_IOCTL)
int cnt_fexit_sys_ioctl(unsigned long long *ctx)
{
	return stream_end((long)ctx[1]);
}

SEC("kretprobe/" CV_SYS_IOCTL)
int cnt_kretprobe_sys_ioctl(struct pt_regs *ctx)
{
	return stream_end(PT_REGS_RC(ctx));
}

/* ---- io_uring ---- */

#define CV_IORING_OP_READV 1
#define CV_IORING_OP_WRITEV 2
#define CV_IORING_OP_READ_FIXED 4
#define CV_IORING_OP_WRITE_FIXED 5
#define CV_IORING_OP_READ 22
#define CV_IORING_OP_WRITE 23

/*
 * Every io_uring completion (6.1 to 6.12: ctx, req, user_data, res, cflags, extra1, extra2): a read or
 * write of a session's file adds its result. The other opcodes that move file data (splice, tee) go
 * through do_splice, counted above.
 */
SEC("raw_tp/io_uring_complete")
int cv_uring_complete(struct bpf_raw_tracepoint_args *ctx)
{
	struct io_kiocb *req = (struct io_kiocb *)ctx->args[1];
	struct cv_io io = { .kind = CV_IO_XFER };
	long res = (int)ctx->args[3];
	__u64 file;
	__u8 op;

	if (!cv_nsessions || res <= 0 || !req)
		return 0;
	op = BPF_CORE_READ(req, opcode);
	file = (__u64)BPF_CORE_READ(req, file);
	if (op == CV_IORING_OP_READ || op == CV_IORING_OP_READV || op == CV_IORING_OP_READ_FIXED)
		io.rd = file;
	else if (op == CV_IORING_OP_WRITE || op == CV_IORING_OP_WRITEV || op == CV_IORING_OP_WRITE_FIXED)
		io.wr = file;
	else
		return 0;
	io_account(&io, res);
	return 0;
}

/*
 * io_uring_enter(2) and io_submit(2): their thread submits, and may read or write inline (x86-64 and
 * arm64 names). kind: enum cv_submitter, 0 at the return.
 */
#ifdef __TARGET_ARCH_arm64
#define CV_SYS_URING_ENTER "__arm64_sys_io_uring_enter"
#define CV_SYS_IO_SUBMIT "__arm64_sys_io_submit"
#else
#define CV_SYS_URING_ENTER "__x64_sys_io_uring_enter"
#define CV_SYS_IO_SUBMIT "__x64_sys_io_submit"
#endif

static __always_inline int submit(__u8 kind)
{
	__u32 tid = cur_tid();

	if (kind) {
		if (!bpf_map_update_elem(&submitting, &tid, &kind, BPF_NOEXIST))
			__sync_fetch_and_add(&cv_nsubmitting, 1);
	} else if (!bpf_map_delete_elem(&submitting, &tid)) {
		__sync_fetch_and_add(&cv_nsubmitting, -1);
	}
	return 0;
}

#define CV_SUBMITTER(fn, name, kind)						\
SEC("fentry/" fn)								\
int cnt_fentry_##name(unsigned long long *ctx)					\
{										\
	return submit(kind);							\
}										\
SEC("fexit/" fn)								\
int cnt_fexit_##name(unsigned long long *ctx)					\
{										\
	return submit(0);							\
}										\
SEC("kprobe/" fn)								\
int cnt_kprobe_##name(struct pt_regs *ctx)					\
{										\
	return submit(kind);							\
}										\
SEC("kretprobe/" fn)								\
int cnt_kretprobe_##name(struct pt_regs *ctx)					\
{										\
	return submit(0);							\
}

CV_SUBMITTER(CV_SYS_URING_ENTER, sys_uring_enter, CV_SUBMIT_URING)
CV_SUBMITTER(CV_SYS_IO_SUBMIT, sys_io_submit, CV_SUBMIT_AIO)

/* Per-process state ends with the process. A raw tracepoint: no tracefs needed. */
SEC("raw_tp/sched_process_exit")
int cv_sched_exit(void *ctx)
{
	__u32 tid = cur_tid(), tgid = cur_tgid();

	bpf_map_delete_elem(&inflight, &tid);
	if (!bpf_map_delete_elem(&submitting, &tid))
		__sync_fetch_and_add(&cv_nsubmitting, -1);
	unmarked_settle(0, 0);
	bpf_map_delete_elem(&unmarked, &tid);
	if (BPF_CORE_READ(cur_task(), signal, live.counter) != 0)
		return 0;
	bpf_map_delete_elem(&reader, &tgid);
	bpf_map_delete_elem(&exe_paths, &tgid);
	return 0;
}
