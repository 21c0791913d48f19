// SPDX-License-Identifier: GPL-2.0
/*
 * camvault access probes, syscall-tracepoint tier (CAMVAULT_TIER_SYSCALL_TP): the floor, for kernels
 * with neither BPF LSM, trampolines nor kprobes. Only syscall tracepoints and sched/sched_process_exit
 * and sched_process_free are used; the fd -> struct file step goes through the task's fd table.
 *
 * What is watched: a file by {dev, ino} (map "watched"), every file of a filesystem by its dev
 * ("watched_sb"), a device by {rdev, 0} ("watched"), every char device of a major ("watched_major":
 * cameras, CAMVAULT_RF_CAMERA) and, for the syscalls that name files by path, path prefixes
 * ("watched_path"). Directories, pipes, sockets and O_PATH opens are never sessions.
 *
 * SESSIONS. One struct camvault_rec per struct file, kept in the hash "sessions" keyed by the struct
 * file's address from its open to its last close, then written to the ring buffer "records":
 *   - created at a successful open/openat/openat2/creat of a watched file (flags as passed, remembered
 *     per thread at entry) - or at the first read/write/mmap/ioctl/transfer through a watched file the
 *     probes did not see opened (they were attached later, or io_uring opened it):
 *     CAMVAULT_RF_OPEN_UNSEEN, open_ns 0, open_flags from file->f_flags;
 *   - aggregated: read/pread64/readv/preadv(2) -> bytes_read, write/pwrite64/writev/pwritev(2) ->
 *     bytes_written, sendfile/splice/copy_file_range -> bytes_read of the source and bytes_written of
 *     the destination, all from the syscall's return value at exit; mmap -> mmaps, ioctl -> ioctls, and
 *     on a camera the successful VIDIOC_STREAMON -> streamons, VIDIOC_DQBUF -> dqbufs;
 *   - emitted at the last close. A struct file counts its references (f_count, or f_ref from 6.13):
 *     close(2) of an fd whose file has one reference is the last close; so are dup2/dup3 over it,
 *     close_range(2), and the exit of the last thread of a process whose fd table holds it. A file
 *     with more references (a forked child has it too, a mapping outlives the fd, the fd is in flight
 *     over a unix socket, exec is about to close it) goes to the small hash "pending"; the munmap, exec
 *     and process exits and frees after which a reference may be gone unseen check those: a file with no
 *     references left (or whose struct file now belongs to another inode) is emitted with
 *     CAMVAULT_RF_CLOSE_LATE. A session still in the map when a new open gets the same struct file
 *     address was such a file: it is emitted then, also with CLOSE_LATE.
 *   Limits: a session whose last reference dies unseen stays in "sessions" (cv_probes_flush reports it
 *   as still open) until one of those checks or a reuse of its address; I/O through io_uring,
 *   SQPOLL, aio, or from a 32-bit (compat) process is not seen (io_uring is flagged, below; an aio
 *   read or write flags its session CAMVAULT_RF_UNCOUNTED at io_submit).
 *
 * PEER. Footage going to a socket: sendfile/splice from a watched file into an AF_INET/AF_INET6 socket
 * sets CAMVAULT_RF_PEER and peer_* on the file's session, from the socket's sk (skc_family, skc_daddr or
 * skc_v6_daddr, skc_dport). Heuristic for data read into memory and then sent: the map "reader" keeps,
 * per process, the last session it read from (read, splice out of it, mmap); a write/writev/sendto/
 * sendmsg/sendmmsg/splice/sendfile into an inet socket by that process, while that session is open,
 * sets PEER on it (the address given to sendto/sendmsg, else the socket's peer). It can blame the
 * wrong file when a process reads several, and misses data sent after the file was closed.
 *
 * UNLINK, RENAME, TRUNCATE records. unlink/unlinkat, rename/renameat/renameat2, truncate name a path:
 * at entry the probes build it - relative paths from the dfd's or the cwd's directory (its dentries,
 * as for sessions) plus "/" and the name given, absolute ones as given - and the syscall is watched
 * when that directory is on a watched filesystem, or when the path matches "watched_path" (the agent
 * puts there the mountpoints of watched filesystems, as the agent sees them, and the paths of watched
 * files). The record is kept per thread ("pathops") and written at exit if the syscall succeeded; dev
 * is the filesystem's, ino 0 unless an exact watched path matched. Paths are not normalised ("..",
 * symlinks): an absolute path in another mount namespace, or through a symlink, may be missed.
 * ftruncate(2) of a watched file and an open with O_TRUNC of an existing one (not FMODE_CREATED) are
 * TRUNCATE records with the file's exact path and inode.
 *
 * IO_URING. io_uring_setup/enter/register mark the process in "uring_tgids" until it exits; a session
 * opened or closed by a marked process, or held by one when it exits, gets CAMVAULT_RF_UNOBSERVED.
 *
 * LOSS. A record the ring buffer has no room for counts in the per-CPU "lost"; a session that could not
 * be created because "sessions" was full, in "lost_sessions" (counted at every attempt: a file whose
 * open was not recorded is retried, and counted, at its next I/O). Nothing is dropped silently.
 *
 * PATHS (exe, path, path2) are built by walking dentries up to their mount's root and across mounts
 * (struct mount: mnt_parent, mnt_mountpoint) to the root of the mount namespace, at most CV_WALK_MAX
 * steps, in a per-CPU scratch buffer (records are far bigger than the 512-byte BPF stack). A path longer
 * than CAMVAULT_PATH_LEN - 1 keeps its last components and sets CAMVAULT_RF_PATH_TAIL (EXE_TAIL), as
 * does a kernel whose BTF lacks struct mount (randstruct: see kmod/btf_types.c): its paths stop at the
 * root of their mount.
 *
 * COST for what is not watched: an open costs, at exit, a lookup, a few reads of the fd table and of the
 * file, and the watch filter's test (an array element: no hash lookup unless the filter says "maybe"),
 * plus a map update at entry and a delete at exit only when its flags are some the file does not keep
 * (O_CREAT, O_TRUNC...); a read or write the fd table reads, a lookup in "sessions" while any is open,
 * and the filter's test at entry; nothing at exit while no session is open. The sessions' records wake
 * the agent in batches (cv_output). Tracepoint programs run with preemption off and never nest on a
 * CPU (the kernel's bpf_prog_active), so the per-CPU scratch is never shared.
 *
 * Verifier: nothing newer than bpf_loop (5.17) and bpf_for_each_map_elem (5.13); no open-coded
 * iterators, so 6.1 loads it. Path walks are bpf_loop steps whose state (the path's offset) lives in
 * the scratch map, so the verifier checks a step once rather than CV_WALK_MAX times; the heavy parts
 * are global functions, checked once per program. All programs together: about 120k instructions
 * processed on 6.18 (14 s to load in the KASAN 6.12 guest under emulation, 0.2 s natively).
 */
#include "session.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Tracepoint contexts: the layout of the syscall events' format files, declared plainly (no CO-RE:
 * they have no BTF). The syscall number is an int at offset 8, padded to 16. An argument declared int
 * (fds, dfds) is read as an int: the upper half of its register is not defined (AT_FDCWD arrives as
 * 0xffffff9c).
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

/* Open flags of the threads now inside an open syscall, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u32);
} open_flags SEC(".maps");

/* Unlink, rename, truncate records waiting for their syscall's result, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct camvault_rec);
} pathops SEC(".maps");

/* The exit of a syscall that io_start()ed: account its result. */
static __always_inline int io_exit(long ret)
{
	struct cv_io io;

	/* Only a syscall on a session is marked, and it holds the session's file: none, none marked. */
	if (!cv_nsessions || !io_take(&io))
		return 0;
	if (io.kind == CV_IO_CLOSE) {
		if (ret >= 0)
			cv_emit(io.rd, 0, 1);
		return 0;
	}
	io_account(&io, ret);
	return 0;
}

/* A session's fd is going away: written now if it is the file's last reference, else pending. */
static __always_inline void fd_closing(struct file *file)
{
	__u64 key = (__u64)file;

	if (!file || !bpf_map_lookup_elem(&sessions, &key))
		return;
	if (file_refs(file) == 1)
		cv_emit(key, 0, 1);
	else
		pending_add(key);
}

/* ---- scanning an fd table: process exit, close_range, exec ---- */

enum cv_scan_mode {
	CV_SCAN_EXIT,
	CV_SCAN_CLOSE,	/* close_range */
	CV_SCAN_EXEC,	/* close-on-exec fds */
};

struct cv_scan {
	__u64 fds;		/* struct file ** */
	__u64 open_fds;		/* unsigned long * */
	__u64 cloexec;		/* unsigned long * */
	__u32 first, last;	/* fds */
	__u32 word0;		/* open_fds word of the first */
	__u32 mode;
	__u32 uring;
};

/* An open fd's file found by a scan: written if this was its last reference, else pending. */
__noinline int cv_scan_file(__u64 key, __u32 mode, __u32 uring)
{
	struct cv_session *v = bpf_map_lookup_elem(&sessions, &key);

	if (!v)
		return 0;
	if (mode != CV_SCAN_EXEC && file_refs((struct file *)key) == 1)
		return cv_emit(key, 0, 1);
	if (uring)
		v->rec.rflags |= CAMVAULT_RF_UNOBSERVED;
	pending_add(key);
	return 0;
}

static long scan_word(__u32 i, struct cv_scan *c)
{
	__u32 w = c->word0 + i;
	unsigned long bits = 0, cx = ~0UL;

	if (bpf_probe_read_kernel(&bits, sizeof(bits), (unsigned long *)c->open_fds + w))
		return 1;
	if (c->mode == CV_SCAN_EXEC && bpf_probe_read_kernel(&cx, sizeof(cx), (unsigned long *)c->cloexec + w))
		return 1;
	bits &= cx;
	for (int b = 0; b < 64 && bits; b++, bits >>= 1) {
		__u32 fd = w * 64 + b;
		struct file *file = NULL;

		if (!(bits & 1) || fd < c->first || fd > c->last)
			continue;
		if (bpf_probe_read_kernel(&file, sizeof(file), (struct file **)c->fds + fd) || !file)
			continue;
		cv_scan_file((__u64)file, c->mode, c->uring);
	}
	return 0;
}

/* Go over the open fds first..last of the current task (see enum cv_scan_mode). */
__noinline int cv_scan_fds(__u32 mode, __u32 first, __u32 last)
{
	struct fdtable *fdt = BPF_CORE_READ(cur_task(), files, fdt);
	struct cv_scan c = {};
	__u32 max;

	if (!fdt)
		return 0;
	max = BPF_CORE_READ(fdt, max_fds);
	if (!max || first >= max || first > last)
		return 0;
	if (last >= max)
		last = max - 1;
	c.fds = (__u64)BPF_CORE_READ(fdt, fd);
	c.open_fds = (__u64)BPF_CORE_READ(fdt, open_fds);
	c.cloexec = (__u64)BPF_CORE_READ(fdt, close_on_exec);
	c.first = first;
	c.last = last;
	c.word0 = first / 64;
	c.mode = mode;
	c.uring = uring_tgid(cur_tgid());
	if (!c.fds || !c.open_fds || !c.cloexec)
		return 0;
	bpf_loop(last / 64 - c.word0 + 1, scan_word, &c, 0);
	return 0;
}

static long check_pending_one(void *map, __u64 *key, __u8 *val, void *ctx)
{
	struct file *file = (struct file *)*key;
	struct cv_session *v = bpf_map_lookup_elem(&sessions, key);

	if (!v) {
		if (!bpf_map_delete_elem(&pending, key))
			__sync_fetch_and_add(&cv_npending, -1);
		return 0;
	}
	/*
	 * Released: no references, or its memory is another file's by now (struct files are
	 * SLAB_TYPESAFE_BY_RCU from 6.7; on older kernels a freed one may hold anything, and then the
	 * inode differs too).
	 */
	if (file_refs(file) == 0 || (__u64)BPF_CORE_READ(file, f_inode) != v->inode)
		cv_emit(*key, CAMVAULT_RF_CLOSE_LATE, 0);
	return 0;
}

/* Write the pending sessions whose files are gone. */
__noinline int cv_check_pending(void)
{
	if (cv_npending)
		bpf_for_each_map_elem(&pending, check_pending_one, NULL, 0);
	return 0;
}

/* ---- opens ---- */

/*
 * Open flags the struct file and its fd keep as they were given (f_flags, the fd's close-on-exec bit):
 * an open asking for no others is not remembered (a map update and delete for every open of the
 * machine); its exit finds them there.
 */
#define CV_O_KEPT (CV_O_ACCMODE | 02000 /* O_APPEND */ | 04000 /* O_NONBLOCK */ | CV_O_CLOEXEC)

static __always_inline int remember_flags(__u32 flags)
{
	__u32 tid = cur_tid();

	if (flags & ~CV_O_KEPT)
		bpf_map_update_elem(&open_flags, &tid, &flags, BPF_ANY);
	return 0;
}

/* Whether fd (open) is close-on-exec in the current task's table. */
static __always_inline int fd_cloexec(long fd)
{
	struct fdtable *fdt = BPF_CORE_READ(cur_task(), files, fdt);
	unsigned long *bits = fdt ? BPF_CORE_READ(fdt, close_on_exec) : NULL;
	unsigned long word = 0;

	if (!bits || bpf_probe_read_kernel(&word, sizeof(word), &bits[(unsigned long)fd / 64]))
		return 0;
	return (word >> (fd % 64)) & 1;
}

/*
 * The flags come from the syscall's arguments, remembered per thread at entry when the struct file no
 * longer has them all (O_CREAT, O_EXCL, O_NOCTTY and O_TRUNC are gone from it); else from file->f_flags
 * (without the O_LARGEFILE the kernel adds) and the fd's close-on-exec bit: also when the entry was
 * missed (the probes were attached while the thread was inside the syscall, or "open_flags" was full).
 */
static __always_inline int open_exit(long ret)
{
	__u32 tid = cur_tid();
	struct cv_scratch *s;
	struct cv_session *v;
	struct file *file;
	__u32 *flagsp;
	__u32 flags;
	int made, from_file = 0;
	__u64 key;

	flagsp = bpf_map_lookup_elem(&open_flags, &tid);
	if (flagsp) {
		flags = *flagsp;
		bpf_map_delete_elem(&open_flags, &tid);
	}
	if (ret < 0)
		return 0;
	file = fd_file(ret);
	if (!file || (flagsp && (flags & CV_O_PATH)))
		return 0;
	made = cv_new_session((__u64)file, flagsp ? flags : CV_FLAGS_OF_FILE, 0, bpf_ktime_get_boot_ns());
	if (made < 0)
		return 0;
	s = scratch();
	if (!s)
		return 0;
	flags = s->s.rec.open_flags;
	from_file = !flagsp;
	/* Only a watched file's open pays for reading the fd's close-on-exec bit. */
	if (from_file && fd_cloexec(ret)) {
		flags |= CV_O_CLOEXEC;
		s->s.rec.open_flags = flags;
		key = (__u64)file;
		v = made == 0 ? bpf_map_lookup_elem(&sessions, &key) : NULL;
		if (v)
			v->rec.open_flags = flags;
	}
	if (!(flags & CV_O_TRUNC) || (BPF_CORE_READ(file, f_mode) & CV_FMODE_CREATED) ||
	    inode_type(BPF_CORE_READ(file, f_inode)) != CV_S_IFREG)
		return 0;
	/* O_TRUNC on a file that existed: a truncate record too, from the session's (still in scratch). */
	s->s.rec.type = CAMVAULT_REC_TRUNCATE;
	s->s.rec.close_ns = s->s.rec.open_ns;
	s->s.rec.rflags &= ~(CAMVAULT_RF_UNOBSERVED | CAMVAULT_RF_OPEN_UNSEEN);
	cv_output(&s->s.rec, sizeof(s->s.rec));
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
	return open_exit(ctx->ret);
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
	return open_exit(ctx->ret);
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
	return open_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_creat")
int cv_enter_creat(struct cv_sys_enter *ctx)
{
	return remember_flags(CV_O_CREAT | CV_O_WRONLY | CV_O_TRUNC);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int cv_exit_creat(struct cv_sys_exit *ctx)
{
	return open_exit(ctx->ret);
}
#endif

/* ---- closes ---- */

SEC("tracepoint/syscalls/sys_enter_close")
int cv_enter_close(struct cv_sys_enter *ctx)
{
	if (cv_nsessions)
		fd_closing(fd_file((int)ctx->args[0]));
	return 0;
}

/* close_range(first, last, flags): CLOSE_RANGE_CLOEXEC only marks them (exec closes them later). */
SEC("tracepoint/syscalls/sys_enter_close_range")
int cv_enter_close_range(struct cv_sys_enter *ctx)
{
	__u32 flags = ctx->args[2];

	if (!cv_nsessions || (flags & CV_CLOSE_RANGE_CLOEXEC))
		return 0;
	/* UNSHARE on a shared table closes the fds of a private copy: the files keep their references. */
	if ((flags & CV_CLOSE_RANGE_UNSHARE) && BPF_CORE_READ(cur_task(), files, count.counter) > 1)
		return 0;
	return cv_scan_fds(CV_SCAN_CLOSE, (__u32)ctx->args[0], (__u32)ctx->args[1]);
}

/* dup2/dup3(oldfd, newfd): newfd's file is closed first. */
static __always_inline int dup_enter(long oldfd, long newfd)
{
	struct file *file;
	struct cv_io io = {};
	__u64 key;

	if (!cv_nsessions || oldfd == newfd)
		return 0;
	file = fd_file(newfd);
	key = (__u64)file;
	if (!file || !bpf_map_lookup_elem(&sessions, &key))
		return 0;
	if (file_refs(file) != 1) {
		pending_add(key);
		return 0;
	}
	io.kind = CV_IO_CLOSE;
	io.rd = key;
	return io_start(&io);
}

SEC("tracepoint/syscalls/sys_enter_dup3")
int cv_enter_dup3(struct cv_sys_enter *ctx)
{
	return dup_enter((int)ctx->args[0], (int)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_dup3")
int cv_exit_dup3(struct cv_sys_exit *ctx)
{
	return io_exit(ctx->ret);
}

#ifdef __TARGET_ARCH_x86
SEC("tracepoint/syscalls/sys_enter_dup2")
int cv_enter_dup2(struct cv_sys_enter *ctx)
{
	return dup_enter((int)ctx->args[0], (int)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_dup2")
int cv_exit_dup2(struct cv_sys_exit *ctx)
{
	return io_exit(ctx->ret);
}
#endif

/* exec closes the close-on-exec fds: those of sessions are pending, checked once exec succeeded. */
static __always_inline int exec_enter(void)
{
	if (cv_nsessions)
		cv_scan_fds(CV_SCAN_EXEC, 0, ~0u);
	return 0;
}

static __always_inline int exec_exit(long ret)
{
	if (ret == 0)
		cv_check_pending();
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int cv_enter_execve(struct cv_sys_enter *ctx)
{
	return exec_enter();
}

SEC("tracepoint/syscalls/sys_exit_execve")
int cv_exit_execve(struct cv_sys_exit *ctx)
{
	return exec_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int cv_enter_execveat(struct cv_sys_enter *ctx)
{
	return exec_enter();
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int cv_exit_execveat(struct cv_sys_exit *ctx)
{
	return exec_exit(ctx->ret);
}

/* A mapping may have held a pending session's last reference. */
SEC("tracepoint/syscalls/sys_exit_munmap")
int cv_exit_munmap(struct cv_sys_exit *ctx)
{
	if (ctx->ret == 0)
		cv_check_pending();
	return 0;
}

/*
 * A 32-bit program on a 64-bit kernel (an armhf userland on a Pi's arm64 kernel, i386 on x86-64): the
 * syscall trace events leave its (compat) syscalls out (ARCH_TRACE_IGNORE_COMPAT_SYSCALLS), so this
 * tier sees none of its file accesses. Not silently: each exec of one counts in "unseen_compat", which
 * the agent reports. The hook tiers see such programs like any other.
 */
#ifdef __TARGET_ARCH_arm64
#define CV_TIF_COMPAT 22		/* TIF_32BIT, 6.1 to 6.12 */
#else
#define CV_TIF_COMPAT 29		/* TIF_ADDR32 (set for ia32 and x32), 6.1 to 6.12 */
#endif

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} unseen_compat SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int cv_exec(void *ctx)
{
	if (BPF_CORE_READ(cur_task(), thread_info.flags) & (1ULL << CV_TIF_COMPAT))
		count_one(&unseen_compat);
	return 0;
}

/*
 * The exit of a thread; for the last one of a process (signal->live is 0 by now), its fd table: the
 * files with one reference close with it. On 6.1 and 6.12 the tracepoint comes after the process's
 * mappings are gone; on newer kernels (6.18) before, with the mappings' references still there: a
 * file still mapped is pending then, and written at the process's sched_process_free (or an earlier
 * check), with CAMVAULT_RF_CLOSE_LATE.
 */
SEC("tracepoint/sched/sched_process_exit")
int cv_sched_exit(void *ctx)
{
	struct task_struct *task = cur_task();
	__u32 tid = cur_tid(), tgid = cur_tgid();

	bpf_map_delete_elem(&inflight, &tid);
	bpf_map_delete_elem(&open_flags, &tid);
	bpf_map_delete_elem(&pathops, &tid);
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	/* A table shared with another process (CLONE_FILES) stays. */
	if (cv_nsessions && BPF_CORE_READ(task, files, count.counter) == 1)
		cv_scan_fds(CV_SCAN_EXIT, 0, ~0u);
	if (cv_nuring && !bpf_map_delete_elem(&uring_tgids, &tgid))
		__sync_fetch_and_add(&cv_nuring, -1);
	bpf_map_delete_elem(&reader, &tgid);
	bpf_map_delete_elem(&exe_paths, &tgid);
	cv_check_pending();
	return 0;
}

SEC("tracepoint/sched/sched_process_free")
int cv_sched_free(void *ctx)
{
	cv_check_pending();
	return 0;
}

/* ---- reads, writes, transfers ---- */

#define CV_RW(name, write)						\
SEC("tracepoint/syscalls/sys_enter_" #name)				\
int cv_enter_##name(struct cv_sys_enter *ctx)				\
{									\
	return rw_enter((int)ctx->args[0], write, NULL);			\
}									\
SEC("tracepoint/syscalls/sys_exit_" #name)				\
int cv_exit_##name(struct cv_sys_exit *ctx)				\
{									\
	return io_exit(ctx->ret);					\
}

CV_RW(read, 0)
CV_RW(pread64, 0)
CV_RW(readv, 0)
CV_RW(preadv, 0)
CV_RW(preadv2, 0)
CV_RW(write, 1)
CV_RW(pwrite64, 1)
CV_RW(writev, 1)
CV_RW(pwritev, 1)
CV_RW(pwritev2, 1)
CV_RW(sendmmsg, 1)

/* sendto(fd, buf, len, flags, dest_addr, addrlen) */
SEC("tracepoint/syscalls/sys_enter_sendto")
int cv_enter_sendto(struct cv_sys_enter *ctx)
{
	return rw_enter((int)ctx->args[0], 1, (const void *)ctx->args[4]);
}

SEC("tracepoint/syscalls/sys_exit_sendto")
int cv_exit_sendto(struct cv_sys_exit *ctx)
{
	return io_exit(ctx->ret);
}

/* sendmsg(fd, msg, flags): the destination is msg->msg_name. */
SEC("tracepoint/syscalls/sys_enter_sendmsg")
int cv_enter_sendmsg(struct cv_sys_enter *ctx)
{
	struct cv_user_msghdr msg = {};

	if (ctx->args[1])
		bpf_probe_read_user(&msg, sizeof(msg), (void *)ctx->args[1]);
	return rw_enter((int)ctx->args[0], 1, msg.msg_name);
}

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int cv_exit_sendmsg(struct cv_sys_exit *ctx)
{
	return io_exit(ctx->ret);
}

/* sendfile64(out_fd, in_fd, offset, count) */
SEC("tracepoint/syscalls/sys_enter_sendfile64")
int cv_enter_sendfile64(struct cv_sys_enter *ctx)
{
	return xfer_enter((int)ctx->args[1], (int)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_exit_sendfile64")
int cv_exit_sendfile64(struct cv_sys_exit *ctx)
{
	return io_exit(ctx->ret);
}

/* splice(fd_in, off_in, fd_out, off_out, len, flags), copy_file_range(fd_in, off_in, fd_out, ...) */
SEC("tracepoint/syscalls/sys_enter_splice")
int cv_enter_splice(struct cv_sys_enter *ctx)
{
	return xfer_enter((int)ctx->args[0], (int)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_splice")
int cv_exit_splice(struct cv_sys_exit *ctx)
{
	return io_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_copy_file_range")
int cv_enter_copy_file_range(struct cv_sys_enter *ctx)
{
	return xfer_enter((int)ctx->args[0], (int)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_copy_file_range")
int cv_exit_copy_file_range(struct cv_sys_exit *ctx)
{
	return io_exit(ctx->ret);
}

/* mmap(addr, len, prot, flags, fd, off) */
SEC("tracepoint/syscalls/sys_enter_mmap")
int cv_enter_mmap(struct cv_sys_enter *ctx)
{
	struct cv_io io = {};
	struct file *file;

	if (ctx->args[3] & CV_MAP_ANONYMOUS)
		return 0;
	file = fd_file((int)ctx->args[4]);
	if (!file_session(file))
		return 0;
	io.kind = CV_IO_MMAP;
	io.rd = (__u64)file;
	return io_start(&io);
}

SEC("tracepoint/syscalls/sys_exit_mmap")
int cv_exit_mmap(struct cv_sys_exit *ctx)
{
	return io_exit(ctx->ret);
}

/* ioctl(fd, cmd, arg) */
SEC("tracepoint/syscalls/sys_enter_ioctl")
int cv_enter_ioctl(struct cv_sys_enter *ctx)
{
	struct file *file = fd_file((int)ctx->args[0]);
	struct cv_io io = {};

	if (!file_session(file))
		return 0;
	io.kind = CV_IO_IOCTL;
	io.rd = (__u64)file;
	io.cmd = ctx->args[1];
	return io_start(&io);
}

SEC("tracepoint/syscalls/sys_exit_ioctl")
int cv_exit_ioctl(struct cv_sys_exit *ctx)
{
	return io_exit(ctx->ret);
}

/* ---- io_uring ---- */

static __always_inline int uring_mark(void)
{
	__u32 tgid = cur_tgid();
	__u8 one = 1;

	if (!uring_tgid(tgid) && !bpf_map_update_elem(&uring_tgids, &tgid, &one, BPF_NOEXIST))
		__sync_fetch_and_add(&cv_nuring, 1);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_io_uring_setup")
int cv_enter_io_uring_setup(struct cv_sys_enter *ctx)
{
	return uring_mark();
}

SEC("tracepoint/syscalls/sys_enter_io_uring_enter")
int cv_enter_io_uring_enter(struct cv_sys_enter *ctx)
{
	return uring_mark();
}

SEC("tracepoint/syscalls/sys_enter_io_uring_register")
int cv_enter_io_uring_register(struct cv_sys_enter *ctx)
{
	return uring_mark();
}

/* ---- aio ---- */

#define CV_IOCB_CMD_PREAD 0
#define CV_IOCB_CMD_PWRITE 1
#define CV_IOCB_CMD_PREADV 7
#define CV_IOCB_CMD_PWRITEV 8
#define CV_AIO_SCAN 64		/* iocbs looked at, of one io_submit */

struct cv_aio_scan {
	__u64 iocbpp;		/* struct iocb *[], in userspace */
	__u64 nr;
};

/* One iocb of an io_submit: a read or write of a session's file flags the session. 1 to stop. */
static long aio_step(__u32 i, struct cv_aio_scan *a)
{
	__u64 cb, w;
	__u32 op;
	struct cv_session *v;

	if (i >= a->nr || bpf_probe_read_user(&cb, sizeof(cb), (void *)(a->iocbpp + i * 8)))
		return 1;
	/* struct iocb: aio_lio_opcode (__u16), aio_reqprio, then aio_fildes (__u32), from byte 16 on. */
	if (!cb || bpf_probe_read_user(&w, sizeof(w), (void *)(cb + 16)))
		return 1;
	op = w & 0xffff;
	if (op != CV_IOCB_CMD_PREAD && op != CV_IOCB_CMD_PWRITE && op != CV_IOCB_CMD_PREADV &&
	    op != CV_IOCB_CMD_PWRITEV)
		return 0;
	v = file_session(fd_file((int)(w >> 32)));
	if (v)
		v->rec.rflags |= CAMVAULT_RF_UNCOUNTED;
	return 0;
}

/*
 * io_submit(ctx, nr, iocbpp): aio reads and writes, whose bytes no syscall returns. A session they touch
 * says so (CAMVAULT_RF_UNCOUNTED), as at the hook tiers, which see them at rw_verify_area.
 */
SEC("tracepoint/syscalls/sys_enter_io_submit")
int cv_enter_io_submit(struct cv_sys_enter *ctx)
{
	struct cv_aio_scan a = { .iocbpp = ctx->args[2], .nr = (long)ctx->args[1] };

	if ((long)ctx->args[1] <= 0)
		return 0;
	bpf_loop(CV_AIO_SCAN, aio_step, &a, 0);
	return 0;
}

/* ---- unlink, rename, truncate ---- */

/*
 * The path a syscall names (dfd, upath) into s->s.rec.path (which 1) or path2 (2), as described at the
 * top. Returns bit 0: watched (match gets dev and ino), bit 1: a tail.
 */
static __always_inline int user_path(struct cv_scratch *s, long dfd, const char *upath, __u32 which,
				     struct camvault_file_key *match)
{
	struct camvault_file_key *hit;
	long n = bpf_probe_read_user_str(s->name, sizeof(s->name), upath);
	int watched = 0, tail = n >= CV_PLEN;
	__u32 len, off;

	if (n <= 1)
		return 0;
	len = (n - 1) & (CV_PLEN - 1);
	off = CV_BUF_END - len;
	s->buf[CV_BUF_END] = '\0';
	bpf_probe_read_kernel(&s->buf[off & CV_BUF_MASK], len, s->name);
	s->off = off;
	s->tail = 0;
	if (s->name[0] != '/') {
		struct vfsmount *mnt;
		struct dentry *dir;
		__u64 dev;

		if ((int)dfd == CV_AT_FDCWD) {
			struct fs_struct *fs = BPF_CORE_READ(cur_task(), fs);

			mnt = BPF_CORE_READ(fs, pwd.mnt);
			dir = BPF_CORE_READ(fs, pwd.dentry);
		} else {
			struct file *f = fd_file((int)dfd);

			if (!f)
				return 0;
			mnt = BPF_CORE_READ(f, f_path.mnt);
			dir = BPF_CORE_READ(f, f_path.dentry);
		}
		if (!mnt || !dir)
			return 0;
		dev = BPF_CORE_READ(mnt, mnt_sb, s_dev);
		if (bpf_map_lookup_elem(&watched_sb, &dev)) {
			watched = 1;
			match->dev = dev;
			match->ino = 0;
		}
		if (off > CV_PLEN) {
			off--;
			s->buf[off & CV_BUF_MASK] = '/';
			s->off = off;
			walk_path(s, mnt, dir);
		} else {
			s->tail = 1;
		}
		tail |= s->tail;
	}
	if (!tail) {
		off = s->off;
		s->key.prefixlen = (CV_BUF_END - off + 1) * 8;	/* with the NUL */
		bpf_probe_read_kernel_str(s->key.path, sizeof(s->key.path), &s->buf[off & CV_BUF_MASK]);
		hit = bpf_map_lookup_elem(&watched_path, &s->key);
		if (hit) {
			watched = 1;
			*match = *hit;
		}
	}
	put_path(s, which == 1 ? s->s.rec.path : s->s.rec.path2);
	return watched | tail << 1;
}

static __always_inline void pathop_keep(struct cv_scratch *s)
{
	__u32 tid = cur_tid();

	s->s.rec.open_ns = bpf_ktime_get_boot_ns();
	/* No room to keep it until the exit (1024 threads at it at once): a record lost. */
	if (bpf_map_update_elem(&pathops, &tid, &s->s.rec, BPF_ANY))
		count_one(&lost);
}

/* unlink(at), truncate, rename(at)(2): type, the path(s), kept until the exit says it succeeded. */
__noinline int cv_pathop(__u32 type, long dfd, __u64 upath, long dfd2, __u64 upath2)
{
	struct camvault_file_key match = {}, match2 = {};
	struct cv_scratch *s;
	int r, r2 = 0;

	if (cv_fill_task(type))
		return 0;
	s = scratch();
	if (!s)
		return 0;
	r = user_path(s, dfd, (const char *)upath, 1, &match);
	if (type == CAMVAULT_REC_RENAME) {
		r2 = user_path(s, dfd2, (const char *)upath2, 2, &match2);
		if (!(r & 1))
			match = match2;
	}
	if (!((r | r2) & 1))
		return 0;
	if ((r | r2) & 2)
		s->s.rec.rflags |= CAMVAULT_RF_PATH_TAIL;
	s->s.rec.dev = match.dev;
	s->s.rec.ino = match.ino;
	pathop_keep(s);
	return 0;
}

/* ftruncate(fd): the file's own path and inode. */
__noinline int cv_ftruncate(__u64 file_addr)
{
	struct file *file = (struct file *)file_addr;
	struct cv_scratch *s;

	if (cv_inode_record(CAMVAULT_REC_TRUNCATE, (__u64)BPF_CORE_READ(file, f_inode),
			    (__u64)BPF_CORE_READ(file, f_path.mnt), (__u64)BPF_CORE_READ(file, f_path.dentry)))
		return 0;
	s = scratch();
	if (!s)
		return 0;
	s->s.rec.open_flags = BPF_CORE_READ(file, f_flags);
	pathop_keep(s);
	return 0;
}

static __always_inline int pathop_exit(long ret)
{
	__u32 tid = cur_tid();
	struct camvault_rec *r = bpf_map_lookup_elem(&pathops, &tid);

	if (!r)
		return 0;
	if (ret == 0) {
		r->open_ns = r->close_ns = bpf_ktime_get_boot_ns();
		cv_output(r, sizeof(*r));
	}
	bpf_map_delete_elem(&pathops, &tid);
	return 0;
}

#define CV_PATHOP_EXIT(name)						\
SEC("tracepoint/syscalls/sys_exit_" #name)				\
int cv_exit_##name(struct cv_sys_exit *ctx)				\
{									\
	return pathop_exit(ctx->ret);					\
}

/* unlinkat(dfd, path, flags): AT_REMOVEDIR removes a directory, not footage. */
SEC("tracepoint/syscalls/sys_enter_unlinkat")
int cv_enter_unlinkat(struct cv_sys_enter *ctx)
{
	if (ctx->args[2] & 0x200)
		return 0;
	return cv_pathop(CAMVAULT_REC_UNLINK, (int)ctx->args[0], ctx->args[1], 0, 0);
}
CV_PATHOP_EXIT(unlinkat)

/* renameat2(olddfd, oldpath, newdfd, newpath, flags), renameat without the flags. */
SEC("tracepoint/syscalls/sys_enter_renameat2")
int cv_enter_renameat2(struct cv_sys_enter *ctx)
{
	return cv_pathop(CAMVAULT_REC_RENAME, (int)ctx->args[0], ctx->args[1], (int)ctx->args[2], ctx->args[3]);
}
CV_PATHOP_EXIT(renameat2)

SEC("tracepoint/syscalls/sys_enter_renameat")
int cv_enter_renameat(struct cv_sys_enter *ctx)
{
	return cv_pathop(CAMVAULT_REC_RENAME, (int)ctx->args[0], ctx->args[1], (int)ctx->args[2], ctx->args[3]);
}
CV_PATHOP_EXIT(renameat)

SEC("tracepoint/syscalls/sys_enter_truncate")
int cv_enter_truncate(struct cv_sys_enter *ctx)
{
	return cv_pathop(CAMVAULT_REC_TRUNCATE, CV_AT_FDCWD, ctx->args[0], 0, 0);
}
CV_PATHOP_EXIT(truncate)

SEC("tracepoint/syscalls/sys_enter_ftruncate")
int cv_enter_ftruncate(struct cv_sys_enter *ctx)
{
	struct file *file = fd_file((int)ctx->args[0]);

	return file ? cv_ftruncate((__u64)file) : 0;
}
CV_PATHOP_EXIT(ftruncate)

#ifdef __TARGET_ARCH_x86
/* x86-64 still has unlink(2) and rename(2). */
SEC("tracepoint/syscalls/sys_enter_unlink")
int cv_enter_unlink(struct cv_sys_enter *ctx)
{
	return cv_pathop(CAMVAULT_REC_UNLINK, CV_AT_FDCWD, ctx->args[0], 0, 0);
}
CV_PATHOP_EXIT(unlink)

SEC("tracepoint/syscalls/sys_enter_rename")
int cv_enter_rename(struct cv_sys_enter *ctx)
{
	return cv_pathop(CAMVAULT_REC_RENAME, CV_AT_FDCWD, ctx->args[0], CV_AT_FDCWD, ctx->args[1]);
}
CV_PATHOP_EXIT(rename)
#endif
