// SPDX-License-Identifier: GPL-2.0
/*
 * camvault access probes, syscall-tracepoint tier (CAMVAULT_TIER_SYSCALL_TP): the floor, for kernels
 * with neither BPF LSM, trampolines nor kprobes. Only raw tracepoints are used: sys_enter and sys_exit,
 * which every syscall passes (the syscalls followed: bottom of this file), sched_process_exit and
 * sched_process_free; the fd -> struct file step goes through the task's fd table.
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
 *   SQPOLL or aio is not seen (io_uring is flagged, below; an aio read or write flags its session
 *   CAMVAULT_RF_UNCOUNTED at io_submit).
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
 * 32-BIT PROGRAMS (armhf on a Pi's arm64 kernel, i386 on x86-64) make compat syscalls, followed as the
 * 64-bit ones are, by their own numbers (see "the syscalls followed" at the bottom).
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
 * COST for what is not watched: every syscall runs cv_sys_enter and cv_sys_exit; those no op follows
 * leave after a look at two tables (and, at the exit, a read of the syscall's number). An open costs,
 * at exit, a lookup, a few reads of the fd table and of the
 * file, and the watch filter's test (an array element: no hash lookup unless the filter says "maybe"),
 * plus a map update at entry and a delete at exit only when its flags are some the file does not keep
 * (O_CREAT, O_TRUNC...); a read or write the fd table reads, a lookup in "sessions" while any is open,
 * and the filter's test at entry; nothing at exit while no session is open. The sessions' records wake
 * the agent in batches (cv_output). The programs run with preemption off; of them only
 * sched_process_free (from RCU's softirq) can interrupt another on its CPU, and it does not touch the
 * per-CPU scratch, which is thus never shared.
 *
 * Verifier: nothing newer than bpf_loop (5.17) and bpf_for_each_map_elem (5.13); no open-coded
 * iterators, so 6.1 loads it. Path walks are bpf_loop steps whose state (the path's offset) lives in
 * the scratch map, so the verifier checks a step once rather than CV_WALK_MAX times; the heavy parts
 * are global functions, checked once per program; each op's entry is a program of its own (tail-called),
 * checked for its op alone. Loading takes about 0.3 s natively, tens of seconds in the KASAN 6.12 guest
 * under emulation.
 */
#include "session.bpf.h"

char LICENSE[] SEC("license") = "GPL";

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

/* ---- closes ---- */

/* close_range(first, last, flags): CLOSE_RANGE_CLOEXEC only marks them (exec closes them later). */
static __always_inline int close_range_enter(__u32 first, __u32 last, __u32 flags)
{
	if (!cv_nsessions || (flags & CV_CLOSE_RANGE_CLOEXEC))
		return 0;
	/* UNSHARE on a shared table closes the fds of a private copy: the files keep their references. */
	if ((flags & CV_CLOSE_RANGE_UNSHARE) && BPF_CORE_READ(cur_task(), files, count.counter) > 1)
		return 0;
	return cv_scan_fds(CV_SCAN_CLOSE, first, last);
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

/*
 * The exit of a thread; for the last one of a process (signal->live is 0 by now), its fd table: the
 * files with one reference close with it. On 6.1 and 6.12 the tracepoint comes after the process's
 * mappings are gone; on newer kernels (6.18) before, with the mappings' references still there: a
 * file still mapped is pending then, and written at the process's sched_process_free (or an earlier
 * check), with CAMVAULT_RF_CLOSE_LATE.
 */
SEC("raw_tp/sched_process_exit")
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

SEC("raw_tp/sched_process_free")
int cv_sched_free(void *ctx)
{
	cv_check_pending();
	return 0;
}

/* ---- mappings, ioctls (reads, writes, transfers: session.bpf.h's rw_enter, xfer_enter) ---- */

/* mmap(addr, len, prot, flags, fd, off), mmap2 the same: a mapping of a session's file. */
static __always_inline int mmap_enter(__u32 flags, long fd)
{
	struct cv_io io = {};
	struct file *file;

	if (flags & CV_MAP_ANONYMOUS)
		return 0;
	file = fd_file(fd);
	if (!file_session(file))
		return 0;
	io.kind = CV_IO_MMAP;
	io.rd = (__u64)file;
	return io_start(&io);
}

/* ioctl(fd, cmd, arg) */
static __always_inline int ioctl_enter(long fd, __u32 cmd)
{
	struct file *file = fd_file(fd);
	struct cv_io io = {};

	if (!file_session(file))
		return 0;
	io.kind = CV_IO_IOCTL;
	io.rd = (__u64)file;
	io.cmd = cmd;
	return io_start(&io);
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

/* ---- aio ---- */

#define CV_IOCB_CMD_PREAD 0
#define CV_IOCB_CMD_PWRITE 1
#define CV_IOCB_CMD_PREADV 7
#define CV_IOCB_CMD_PWRITEV 8
#define CV_AIO_SCAN 64		/* iocbs looked at, of one io_submit */

struct cv_aio_scan {
	__u64 iocbpp;		/* struct iocb *[], in userspace */
	__u64 nr;
	__u32 ptr_size;		/* of iocbpp's pointers: 4 for a 32-bit program */
	__u32 pad;
};

/* One iocb of an io_submit: a read or write of a session's file flags the session. 1 to stop. */
static long aio_step(__u32 i, struct cv_aio_scan *a)
{
	__u64 cb = 0, w;
	__u32 op, size = a->ptr_size == 4 ? 4 : 8;
	struct cv_session *v;

	if (i >= a->nr || bpf_probe_read_user(&cb, size, (void *)(a->iocbpp + i * size)))
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
static __always_inline int io_submit_enter(long nr, __u64 iocbpp, __u32 ptr_size)
{
	struct cv_aio_scan a = { .iocbpp = iocbpp, .nr = nr, .ptr_size = ptr_size };

	if (nr > 0)
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


/* ---- the syscalls followed ---- */

enum cv_op {
	CV_OP_NONE,
	CV_OP_OPENAT,		/* openat(dfd, path, flags, mode) */
	CV_OP_OPENAT2,		/* openat2(dfd, path, struct open_how *how, size): flags in userspace */
	CV_OP_OPEN,		/* open(path, flags, mode) */
	CV_OP_CREAT,		/* creat(path, mode) */
	CV_OP_CLOSE,		/* close(fd) */
	CV_OP_CLOSE_RANGE,	/* close_range(first, last, flags) */
	CV_OP_DUP,		/* dup2(oldfd, newfd), dup3(oldfd, newfd, flags) */
	CV_OP_EXEC,		/* execve, execveat */
	CV_OP_MUNMAP,		/* munmap(addr, len): a mapping may have held a session's last reference */
	CV_OP_READ,		/* read, pread64, readv, preadv, preadv2 (fd, ...) */
	CV_OP_WRITE,		/* write, pwrite64, writev, pwritev, pwritev2, send, sendmmsg (fd, ...) */
	CV_OP_SENDTO,		/* sendto(fd, buf, len, flags, dest_addr, addrlen) */
	CV_OP_SENDMSG,		/* sendmsg(fd, msg, flags): the destination is msg->msg_name */
	CV_OP_SENDFILE,		/* sendfile(64)(out_fd, in_fd, offset, count) */
	CV_OP_SPLICE,		/* splice(fd_in, off_in, fd_out, ...), copy_file_range the same */
	CV_OP_MMAP,		/* mmap, mmap2 (addr, len, prot, flags, fd, off) */
	CV_OP_IOCTL,		/* ioctl(fd, cmd, arg) */
	CV_OP_URING,		/* io_uring_setup, io_uring_enter, io_uring_register */
	CV_OP_IO_SUBMIT,	/* io_submit(ctx, nr, iocbpp) */
	CV_OP_UNLINKAT,		/* unlinkat(dfd, path, flags): AT_REMOVEDIR removes a directory, not footage */
	CV_OP_UNLINK,		/* unlink(path) */
	CV_OP_RENAMEAT,		/* renameat(olddfd, oldpath, newdfd, newpath), renameat2 the same + flags */
	CV_OP_RENAME,		/* rename(oldpath, newpath) */
	CV_OP_TRUNCATE,		/* truncate(64)(path, length) */
	CV_OP_FTRUNCATE,	/* ftruncate(64)(fd, length) */
	CV_OP_SOCKETCALL,	/* socketcall(call, args): i386's, taken as the op of its call (socketcall_op) */
	CV_OP_COUNT
};

#define CV_AT_REMOVEDIR 0x200

/*
 * A syscall's entry: op says which (enum cv_op), a[] holds its arguments. compat: a 32-bit program's,
 * whose arguments were zero-extended from 32 bits and whose userspace structs hold 32-bit pointers.
 * Each op's program (cv_op_NAME, below) has op a constant: only its case is compiled into it.
 */
static __always_inline int sys_enter(__u32 op, const unsigned long *a, __u32 compat)
{
	switch (op) {
	case CV_OP_OPENAT:
		return remember_flags(a[2]);
	case CV_OP_OPENAT2: {
		struct cv_open_how how;

		if (bpf_probe_read_user(&how.flags, sizeof(how.flags), (void *)a[2]))
			return 0;	/* the exit falls back to file->f_flags */
		return remember_flags(how.flags);
	}
	case CV_OP_OPEN:
		return remember_flags(a[1]);
	case CV_OP_CREAT:
		return remember_flags(CV_O_CREAT | CV_O_WRONLY | CV_O_TRUNC);
	case CV_OP_CLOSE:
		if (cv_nsessions)
			fd_closing(fd_file((int)a[0]));
		return 0;
	case CV_OP_CLOSE_RANGE:
		return close_range_enter(a[0], a[1], a[2]);
	case CV_OP_DUP:
		return dup_enter((int)a[0], (int)a[1]);
	case CV_OP_EXEC:
		return exec_enter();
	case CV_OP_READ:
		return rw_enter((int)a[0], 0, NULL);
	case CV_OP_WRITE:
		return rw_enter((int)a[0], 1, NULL);
	case CV_OP_SENDTO:
		return rw_enter((int)a[0], 1, (const void *)a[4]);
	case CV_OP_SENDMSG: {
		struct cv_user_msghdr msg = {};
		__u32 name32 = 0;

		if (a[1] && compat) {
			/* struct compat_msghdr: msg_name is a 32-bit pointer, first too */
			bpf_probe_read_user(&name32, sizeof(name32), (void *)a[1]);
			msg.msg_name = (void *)(unsigned long)name32;
		} else if (a[1]) {
			bpf_probe_read_user(&msg, sizeof(msg), (void *)a[1]);
		}
		return rw_enter((int)a[0], 1, msg.msg_name);
	}
	case CV_OP_SENDFILE:
		return xfer_enter((int)a[1], (int)a[0]);
	case CV_OP_SPLICE:
		return xfer_enter((int)a[0], (int)a[2]);
	case CV_OP_MMAP:
		return mmap_enter(a[3], (int)a[4]);
	case CV_OP_IOCTL:
		return ioctl_enter((int)a[0], a[1]);
	case CV_OP_URING:
		return uring_mark();
	case CV_OP_IO_SUBMIT:
		return io_submit_enter(compat ? (int)a[1] : (long)a[1], a[2], compat ? 4 : 8);
	case CV_OP_UNLINKAT:
		if (a[2] & CV_AT_REMOVEDIR)
			return 0;
		return cv_pathop(CAMVAULT_REC_UNLINK, (int)a[0], a[1], 0, 0);
	case CV_OP_UNLINK:
		return cv_pathop(CAMVAULT_REC_UNLINK, CV_AT_FDCWD, a[0], 0, 0);
	case CV_OP_RENAMEAT:
		return cv_pathop(CAMVAULT_REC_RENAME, (int)a[0], a[1], (int)a[2], a[3]);
	case CV_OP_RENAME:
		return cv_pathop(CAMVAULT_REC_RENAME, CV_AT_FDCWD, a[0], CV_AT_FDCWD, a[1]);
	case CV_OP_TRUNCATE:
		return cv_pathop(CAMVAULT_REC_TRUNCATE, CV_AT_FDCWD, a[0], 0, 0);
	case CV_OP_FTRUNCATE: {
		struct file *file = fd_file((int)a[0]);

		return file ? cv_ftruncate((__u64)file) : 0;
	}
	default:
		return 0;
	}
}

/* A syscall's exit, ret its result (see sys_enter). */
static __always_inline int sys_exit(__u32 op, long ret)
{
	switch (op) {
	case CV_OP_OPENAT:
	case CV_OP_OPENAT2:
	case CV_OP_OPEN:
	case CV_OP_CREAT:
		return open_exit(ret);
	case CV_OP_EXEC:
		return exec_exit(ret);
	case CV_OP_MUNMAP:
		if (ret == 0)
			cv_check_pending();
		return 0;
	case CV_OP_DUP:
	case CV_OP_READ:
	case CV_OP_WRITE:
	case CV_OP_SENDTO:
	case CV_OP_SENDMSG:
	case CV_OP_SENDFILE:
	case CV_OP_SPLICE:
	case CV_OP_MMAP:
	case CV_OP_IOCTL:
	case CV_OP_SOCKETCALL:
		return io_exit(ret);
	case CV_OP_UNLINKAT:
	case CV_OP_UNLINK:
	case CV_OP_RENAMEAT:
	case CV_OP_RENAME:
	case CV_OP_TRUNCATE:
	case CV_OP_FTRUNCATE:
		return pathop_exit(ret);
	default:
		return 0;
	}
}

/*
 * Every syscall passes the raw tracepoints sys_enter (regs, nr) and sys_exit (regs, ret), 64-bit and
 * 32-bit (compat) ones alike: a 32-bit program on a 64-bit kernel (an armhf userland on a Pi 4 or 5's
 * arm64 kernel, i386 on x86-64) makes compat syscalls, which have no per-syscall trace events
 * (ARCH_TRACE_IGNORE_COMPAT_SYSCALLS). cv_sys_enter and cv_sys_exit map the syscall's number to an op
 * (cv_ops: the kernel's table for the task's kind, the 32-bit architecture's own for a compat one),
 * leave at once for the syscalls no op follows, and run the op's code with the arguments taken from the
 * saved registers: at the entry through a tail call into the op's own program (op_progs), whose stack
 * frame is its own (all ops in one program would need a frame as large as their largest together, over
 * the 512 bytes 6.1 allows along a chain of calls).
 *
 * Raw tracepoints rather than the per-syscall events (sys_enter_openat...): those build a trace buffer
 * for each event before a program sees it, more than this whole dispatch costs (make bench, the floor
 * rows), and they would miss 32-bit programs. Compat syscalls not followed: i386's old mmap (90: glibc
 * uses mmap2), arm's OABI (arm64 has none).
 */
#ifdef __TARGET_ARCH_arm64
#define CV_TIF_32BIT 22			/* 6.1 to 6.12 */
#else
#define CV_TS_COMPAT 0x0002		/* 6.1 to 6.12 */
#endif
#include "syscall_ops.h"		/* cv_ops, from the kernel's tables: bpf/gen-syscall-ops.py */

/*
 * Set by the agent before load: the kernel has BTF of its own, so the task and the syscall's registers
 * are read with plain loads (bpf_get_current_task_btf, bpf_task_pt_regs) rather than a helper call of
 * about 100 instructions each, two or three for every syscall. Without it the verifier never sees
 * those branches.
 */
const volatile __u32 cv_kernel_btf = 0;

/* The current syscall's saved registers, typed (cv_kernel_btf only). */
static __always_inline void *regs_btf(void)
{
	return (void *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* Whether the current syscall is a 32-bit program's (see struct thread_info___cv_x86). */
static __always_inline __u32 compat_syscall(void)
{
	struct task_struct *task;

	if (cv_kernel_btf) {
		task = bpf_get_current_task_btf();
#ifdef __TARGET_ARCH_arm64
		return (task->thread_info.flags >> CV_TIF_32BIT) & 1;
#else
		return !!(((struct thread_info___cv_x86 *)&task->thread_info)->status & CV_TS_COMPAT);
#endif
	}
	task = cur_task();
#ifdef __TARGET_ARCH_arm64
	return (BPF_CORE_READ(task, thread_info.flags) >> CV_TIF_32BIT) & 1;
#else
	struct thread_info___cv_x86 *ti = (void *)task + bpf_core_field_offset(task->thread_info);

	return !!(BPF_CORE_READ(ti, status) & CV_TS_COMPAT);
#endif
}

/*
 * The op of syscall nr of the current task, and in *compat whether the syscall is a 32-bit one:
 * CV_OP_NONE for the syscalls not followed, and then the task is not even read when neither table
 * follows nr.
 */
static __always_inline __u32 syscall_op(long nr, __u32 *compat)
{
	if ((unsigned long)nr >= CV_NR_MAX || (cv_ops[0][nr] == CV_OP_NONE && cv_ops[1][nr] == CV_OP_NONE))
		return CV_OP_NONE;
	*compat = compat_syscall();
	return cv_ops[*compat & 1][nr];
}

/*
 * The syscall's six arguments into s->args, from its registers (regs): a 32-bit syscall's zero-extended
 * from 32 bits. Where the kernel has BTF they are plain loads, else one helper read of the registers
 * into s->regs, then picked there. The scratch map, not the stack: the handlers' chains of calls use
 * most of its 512 bytes.
 */
#ifdef __TARGET_ARCH_arm64
static __always_inline int syscall_args(void *regs, __u32 compat, struct cv_scratch *s)
{
	struct pt_regs___cv_arm64 *r = regs;
	const __u64 *x = s->regs;

	/* x0 to x5; AArch32's r0 to r5 are their low halves */
	if (cv_kernel_btf)
		x = ((struct pt_regs___cv_arm64 *)regs_btf())->regs;
	else if (bpf_probe_read_kernel(s->regs, 6 * sizeof(__u64), regs + bpf_core_field_offset(r->regs)))
		return -1;
	for (int i = 0; i < 6; i++)
		s->args[i] = compat ? (__u32)x[i] : x[i];
	return 0;
}
#else
/* The arguments' registers, read by REG(name): ia32's ebx, ecx, edx, esi, edi, ebp, or x86-64's. */
#define CV_X86_ARGS(a, compat, REG) do {						\
	if (compat) {									\
		a[0] = (__u32)REG(bx);							\
		a[1] = (__u32)REG(cx);							\
		a[2] = (__u32)REG(dx);							\
		a[3] = (__u32)REG(si);							\
		a[4] = (__u32)REG(di);							\
		a[5] = (__u32)REG(bp);							\
	} else {									\
		a[0] = REG(di);								\
		a[1] = REG(si);								\
		a[2] = REG(dx);								\
		a[3] = REG(r10);							\
		a[4] = REG(r8);								\
		a[5] = REG(r9);								\
	}										\
} while (0)

static __always_inline int syscall_args(void *regs, __u32 compat, struct cv_scratch *s)
{
	struct pt_regs___cv_x86 *r = regs;
	__u32 s0 = bpf_core_field_offset(r->bp), e = bpf_core_field_offset(r->di) + 8;
	__u64 *w = s->regs;

	if (cv_kernel_btf) {
		r = regs_btf();
#define CV_TYPED(name) r->name
		CV_X86_ARGS(s->args, compat, CV_TYPED);
#undef CV_TYPED
		return 0;
	}
	/* One read of the registers from bp to di (their order in struct pt_regs, 6.1 on), then picked. */
	if (e <= s0 || e - s0 > sizeof(s->regs) || bpf_probe_read_kernel(w, e - s0, regs + s0))
		return -1;
#define CV_READ(name) w[(bpf_core_field_offset(r->name) - s0) / 8]
	CV_X86_ARGS(s->args, compat, CV_READ);
#undef CV_READ
	return 0;
}
#endif

/*
 * i386's socketcall(call, args), its older way to the socket calls, which glibc still takes there when
 * built for kernels before 4.3, as Debian's is: the op of the calls followed (send, sendto, sendmsg,
 * sendmmsg; CV_OP_NONE for the others), with their arguments read from the array of 32-bit words at args
 * into s->args, as many as the kernel reads (net/compat.c: nas[]).
 */
static __always_inline __u32 socketcall_op(struct cv_scratch *s)
{
	__u32 v[6] = {}, op, n;

	switch (s->args[0]) {
	case 9:		/* SYS_SEND */
		op = CV_OP_WRITE, n = 4;
		break;
	case 11:	/* SYS_SENDTO */
		op = CV_OP_SENDTO, n = 6;
		break;
	case 16:	/* SYS_SENDMSG */
		op = CV_OP_SENDMSG, n = 3;
		break;
	case 20:	/* SYS_SENDMMSG */
		op = CV_OP_WRITE, n = 4;
		break;
	default:
		return CV_OP_NONE;
	}
	if (bpf_probe_read_user(v, n * sizeof(v[0]), (void *)s->args[1]))
		return CV_OP_NONE;
	for (int i = 0; i < 6; i++)
		s->args[i] = v[i];
	return op;
}

/* The number of the syscall now ending, from its registers (what the kernel's syscall_get_nr() reads). */
static __always_inline long syscall_nr(void *regs)
{
#ifdef __TARGET_ARCH_arm64
	/*
	 * An int there (NO_SYSCALL is -1): taken as unsigned, so that the bounds check of syscall_op()
	 * holds for the index it makes (sign-extended, the verifier saw it unbounded and refused the load).
	 */
	if (cv_kernel_btf)
		return (__u32)((struct pt_regs___cv_arm64 *)regs_btf())->syscallno;
	return (__u32)BPF_CORE_READ((struct pt_regs___cv_arm64 *)regs, syscallno);
#else
	if (cv_kernel_btf)
		return ((struct pt_regs___cv_x86 *)regs_btf())->orig_ax;
	return BPF_CORE_READ((struct pt_regs___cv_x86 *)regs, orig_ax);
#endif
}

/* The ops' entry programs: cv_op_NAME, loaded but not attached (SEC "raw_tp" names no tracepoint). */
#define CV_OPS(X) X(openat, CV_OP_OPENAT) X(openat2, CV_OP_OPENAT2) X(open, CV_OP_OPEN)			\
	X(creat, CV_OP_CREAT) X(close, CV_OP_CLOSE) X(close_range, CV_OP_CLOSE_RANGE) X(dup, CV_OP_DUP)	\
	X(exec, CV_OP_EXEC) X(read, CV_OP_READ) X(write, CV_OP_WRITE) X(sendto, CV_OP_SENDTO)		\
	X(sendmsg, CV_OP_SENDMSG) X(sendfile, CV_OP_SENDFILE) X(splice, CV_OP_SPLICE) X(mmap, CV_OP_MMAP)	\
	X(ioctl, CV_OP_IOCTL) X(uring, CV_OP_URING) X(io_submit, CV_OP_IO_SUBMIT)			\
	X(unlinkat, CV_OP_UNLINKAT) X(unlink, CV_OP_UNLINK) X(renameat, CV_OP_RENAMEAT)			\
	X(rename, CV_OP_RENAME) X(truncate, CV_OP_TRUNCATE) X(ftruncate, CV_OP_FTRUNCATE)

#define CV_OP_DECL(name, op) int cv_op_##name(void *ctx);
CV_OPS(CV_OP_DECL)

#define CV_OP_SLOT(name, op) [op] = (void *)&cv_op_##name,
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, CV_OP_COUNT);
	__uint(key_size, sizeof(__u32));	/* no BTF type: the kernel takes none for a program array */
	__array(values, int (void *));
} op_progs SEC(".maps") = {
	.values = { CV_OPS(CV_OP_SLOT) },
};

/* The arguments are in the scratch map, where cv_sys_enter put them. */
#define CV_OP_PROG(name, op)						\
SEC("raw_tp")								\
int cv_op_##name(void *ctx)						\
{									\
	struct cv_scratch *s = scratch();				\
									\
	return s ? sys_enter(op, s->args, s->compat) : 0;		\
}
CV_OPS(CV_OP_PROG)

/* sys_enter(struct pt_regs *regs, long nr). It calls no BPF function: it tail-calls (see above). */
SEC("raw_tp/sys_enter")
int cv_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct cv_scratch *s;
	__u32 op, compat = 0;

	op = syscall_op(ctx->args[1], &compat);
	if (op == CV_OP_NONE)
		return 0;
	s = scratch();
	if (!s || syscall_args((void *)ctx->args[0], compat, s))
		return 0;
	if (op == CV_OP_SOCKETCALL && (op = socketcall_op(s)) == CV_OP_NONE)
		return 0;
	s->compat = compat;
	bpf_tail_call(ctx, &op_progs, op);
	return 0;
}

/* sys_exit(struct pt_regs *regs, long ret) */
SEC("raw_tp/sys_exit")
int cv_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 op, compat = 0;

	op = syscall_op(syscall_nr((void *)ctx->args[0]), &compat);
	return op == CV_OP_NONE ? 0 : sys_exit(op, ctx->args[1]);
}
