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
 *   SQPOLL, aio, or from a 32-bit (compat) process is not seen (io_uring is flagged, below).
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
 * COST for what is not watched: an open costs a map update at entry, and at exit a few reads of the fd
 * table and three lookups; a read or write the fd table reads and two or three lookups at entry, one
 * lookup at exit. Tracepoint programs run with preemption off and never nest on a CPU (the kernel's
 * bpf_prog_active), so the per-CPU scratch is never shared.
 *
 * Verifier: nothing newer than bpf_loop (5.17) and bpf_for_each_map_elem (5.13); no open-coded
 * iterators, so 6.1 loads it. Path walks are bpf_loop steps whose state (the path's offset) lives in
 * the scratch map, so the verifier checks a step once rather than CV_WALK_MAX times; the heavy parts
 * are global functions, checked once per program. All programs together: about 120k instructions
 * processed on 6.18 (14 s to load in the KASAN 6.12 guest under emulation, 0.2 s natively).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "core_types.h"
#include "uapi/camvault.h"

char LICENSE[] SEC("license") = "GPL";

/* The same on every architecture the probes support (not so O_DIRECTORY and friends). */
#define CV_O_ACCMODE 03
#define CV_O_WRONLY 01
#define CV_O_CREAT 0100
#define CV_O_TRUNC 01000
#define CV_O_PATH 010000000

#define CV_S_IFMT 0170000
#define CV_S_IFSOCK 0140000
#define CV_S_IFREG 0100000
#define CV_S_IFBLK 0060000
#define CV_S_IFDIR 0040000
#define CV_S_IFCHR 0020000
#define CV_S_IFIFO 0010000

#define CV_FMODE_PATH (1u << 14)
#define CV_FMODE_CREATED (1u << 20)

#define CV_AT_FDCWD -100
#define CV_MAP_ANONYMOUS 0x20
#define CV_AF_INET 2
#define CV_AF_INET6 10
#define CV_CLOSE_RANGE_UNSHARE (1u << 1)
#define CV_CLOSE_RANGE_CLOEXEC (1u << 2)
#define CV_EEXIST 17
#define CV_MAX_ERRNO 4095
#define CV_MINORBITS 20

/* file_ref_t (6.13 on): counts from 0 for one reference; at and above this, released. */
#define CV_FILE_REF_RELEASED 0xc000000000000000ULL

/* ioctl numbers: nr in bits 0-7, type in 8-15, direction in 30-31 (write 1, read 2). */
#define CV_IOC_NR(c) ((c) & 0xff)
#define CV_IOC_TYPE(c) (((c) >> 8) & 0xff)
#define CV_IOC_DIR(c) (((c) >> 30) & 3)
#define CV_VIDIOC_STREAMON_NR 18	/* _IOW('V', 18, int) */
#define CV_VIDIOC_DQBUF_NR 17		/* _IOWR('V', 17, struct v4l2_buffer): its size differs 32/64-bit */

#define CV_PLEN CAMVAULT_PATH_LEN
#define CV_BUF_END (2 * CV_PLEN - 1)	/* where the NUL of the path being built goes */
#define CV_BUF_MASK (2 * CV_PLEN - 1)
#define CV_WALK_MAX 32			/* dentries and mount crossings per path */

_Static_assert(CV_PLEN == 256, "the masks below assume 256-byte paths");

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

/* A session in progress: its record, and what tells its struct file from a later one at that address. */
struct cv_session {
	struct camvault_rec rec;
	__u64 inode;
};

struct cv_peer {
	__u16 family;
	__be16 port;
	__u8 addr[16];
};

enum cv_io_kind {
	CV_IO_XFER = 1,	/* bytes from rd, into wr; peer_key gets peer */
	CV_IO_MMAP,
	CV_IO_IOCTL,
	CV_IO_CLOSE,	/* dup2/dup3 over rd's last fd */
};

/* A syscall on a session in progress, by thread: what its exit accounts. Keys are struct file addresses. */
struct cv_io {
	__u64 rd;
	__u64 wr;
	__u64 peer_key;
	__u32 kind;
	__u32 cmd;
	struct cv_peer peer;
	__u32 pad;
};

struct cv_scratch {
	struct cv_session s;
	__u32 off;			/* the path being built starts at buf[off] */
	__u32 tail;			/* ... and misses its head */
	char buf[3 * CV_PLEN];		/* paths are built backwards, ending at buf[CV_BUF_END] */
	char name[CV_PLEN];		/* a path from userspace */
	struct camvault_path_key key;
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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);	/* a char device major: 81 for /dev/video* */
	__type(value, __u8);
} watched_major SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct camvault_path_key);
	__type(value, struct camvault_file_key);	/* the filesystem's dev; the file's ino, or 0 */
} watched_path SEC(".maps");

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

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost_sessions SEC(".maps");

/* The agent may change max_entries before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);	/* struct file * */
	__type(value, struct cv_session);
} sessions SEC(".maps");

/* Sessions whose last reference may go unseen (see the top); checked at munmap, exec, exit, free. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);	/* struct file * */
	__type(value, __u8);
} pending SEC(".maps");

/* Open flags of the threads now inside an open syscall, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u32);
} open_flags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);	/* thread id */
	__type(value, struct cv_io);
} inflight SEC(".maps");

/* Unlink, rename, truncate records waiting for their syscall's result, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct camvault_rec);
} pathops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);	/* tgid */
	__type(value, __u8);
} uring_tgids SEC(".maps");

/* The last session each process read from (PEER heuristic). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);	/* tgid */
	__type(value, __u64);	/* struct file * */
} reader SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cv_scratch);
} scratch_map SEC(".maps");

/* How many entries "sessions" and "pending" hold, so that exits and munmaps skip what is empty. */
__u64 cv_nsessions = 0;
__u64 cv_npending = 0;

static __always_inline struct cv_scratch *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch_map, &zero);
}

static __always_inline void count_one(void *percpu_counter)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(percpu_counter, &zero);

	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline __u32 cur_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

static __always_inline __u32 cur_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

static __always_inline struct task_struct *cur_task(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

/* The struct file behind fd in the current task's table, or NULL. */
static __always_inline struct file *fd_file(long fd)
{
	struct fdtable *fdt = BPF_CORE_READ(cur_task(), files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (!fdt || (unsigned long)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (!fds || bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

/* How many references a struct file has: 0 once released. */
static __always_inline __u64 file_refs(struct file *file)
{
	struct file___ref *fr = (void *)file;
	struct file___count *fc = (void *)file;

	if (bpf_core_field_exists(fr->f_ref)) {
		__u64 c = BPF_CORE_READ(fr, f_ref.refcnt.counter);

		return c >= CV_FILE_REF_RELEASED ? 0 : c + 1;
	}
	return BPF_CORE_READ(fc, f_count.counter);
}

static __always_inline __u32 inode_type(struct inode *inode)
{
	return BPF_CORE_READ(inode, i_mode) & CV_S_IFMT;
}

/*
 * Whether inode is watched, and as what: key gets the record's dev and ino, *rflags CAMVAULT_RF_CAMERA
 * for a char device.
 */
static __always_inline int watched_inode(struct inode *inode, struct camvault_file_key *key, __u32 *rflags)
{
	__u32 type = inode_type(inode);

	*rflags = 0;
	if (type == CV_S_IFDIR || type == CV_S_IFSOCK || type == CV_S_IFIFO)
		return 0;
	key->ino = BPF_CORE_READ(inode, i_ino);
	if (type == CV_S_IFCHR || type == CV_S_IFBLK) {
		struct camvault_file_key dk = { .dev = BPF_CORE_READ(inode, i_rdev), .ino = 0 };
		__u32 major = dk.dev >> CV_MINORBITS;

		if (type == CV_S_IFCHR)
			*rflags = CAMVAULT_RF_CAMERA;
		if ((type == CV_S_IFCHR && bpf_map_lookup_elem(&watched_major, &major)) ||
		    bpf_map_lookup_elem(&watched, &dk)) {
			key->dev = dk.dev;
			return 1;
		}
		*rflags = 0;
	}
	key->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	return bpf_map_lookup_elem(&watched_sb, &key->dev) || bpf_map_lookup_elem(&watched, key);
}

/* The vfsmount and mountpoint above vmnt's mount, or 0 at the top (or without struct mount in BTF). */
static __always_inline int mount_up(struct vfsmount **vmnt, struct dentry **d)
{
	struct mount *mnt, *parent;

	if (!bpf_core_type_exists(struct mount))
		return 0;
	mnt = (void *)*vmnt - bpf_core_field_offset(struct mount, mnt);
	parent = BPF_CORE_READ(mnt, mnt_parent);
	if (!parent || parent == mnt)
		return 0;
	*d = BPF_CORE_READ(mnt, mnt_mountpoint);
	*vmnt = (void *)parent + bpf_core_field_offset(struct mount, mnt);
	return 1;
}

struct cv_walk {
	__u64 vmnt;	/* struct vfsmount * */
	__u64 d;	/* struct dentry * */
};

/* One step of walk_path: a component, or a mount crossed. 1 to stop. */
static long walk_step(__u32 i, struct cv_walk *w)
{
	struct vfsmount *vmnt = (struct vfsmount *)w->vmnt;
	struct dentry *d = (struct dentry *)w->d;
	struct dentry *root = BPF_CORE_READ(vmnt, mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	struct cv_scratch *s = scratch();
	__u32 off, len;

	if (!s)
		return 1;
	if (d == root || d == parent || !parent) {
		if (d == root && mount_up(&vmnt, &d)) {
			w->vmnt = (__u64)vmnt;
			w->d = (__u64)d;
			return 0;
		}
		/*
		 * The namespace's root (or a filesystem root not mounted anywhere); or, without struct
		 * mount, the root of this mount: what is above is missing.
		 */
		s->tail = d == root && !bpf_core_type_exists(struct mount);
		return 1;
	}
	len = BPF_CORE_READ(d, d_name.len);
	off = s->off;
	if (len > CV_PLEN - 2 || off < CV_PLEN + 1 + len)
		return 1;	/* too long: a tail */
	off -= len;
	bpf_probe_read_kernel(&s->buf[off & CV_BUF_MASK], len & (CV_PLEN - 1), BPF_CORE_READ(d, d_name.name));
	off--;
	s->buf[off & CV_BUF_MASK] = '/';
	s->off = off;
	w->d = (__u64)parent;
	return 0;
}

/*
 * Prepend the path of {vmnt, d} to what s->buf holds from s->off on, keeping s->off the start; s->tail
 * says whether components are missing at the head (too long or deep, or no struct mount). A bpf_loop,
 * whose step the verifier checks once, and whose state is in the scratch map.
 */
static __always_inline void walk_path(struct cv_scratch *s, struct vfsmount *vmnt, struct dentry *d)
{
	struct cv_walk w = { .vmnt = (__u64)vmnt, .d = (__u64)d };

	s->tail = 1;
	bpf_loop(CV_WALK_MAX, walk_step, &w, 0);
}

/* Copy the path built in s->buf (from s->off) to dst: "/" when it is empty. */
static __always_inline void put_path(struct cv_scratch *s, char *dst)
{
	__u32 off = s->off;

	if (off >= CV_BUF_END) {
		off = CV_BUF_END - 1;
		s->buf[off & CV_BUF_MASK] = '/';
	}
	bpf_probe_read_kernel_str(dst, CV_PLEN, &s->buf[off & CV_BUF_MASK]);
}

/* The path of {mnt, dentry} into dst (a CV_PLEN field of s->s.rec); returns whether it is a tail. */
__noinline int cv_path(__u64 mnt, __u64 dentry, __u32 which)
{
	struct cv_scratch *s = scratch();
	char *dst;

	if (!s)
		return 0;
	s->off = CV_BUF_END;
	s->buf[CV_BUF_END] = '\0';
	if (mnt && dentry)
		walk_path(s, (struct vfsmount *)mnt, (struct dentry *)dentry);
	else
		s->tail = 0;
	dst = which == 0 ? s->s.rec.exe : which == 1 ? s->s.rec.path : s->s.rec.path2;
	put_path(s, dst);
	return s->tail;
}

/* Who is doing it, into the scratch record (zeroed first). */
__noinline int cv_fill_task(__u32 type)
{
	struct cv_scratch *s = scratch();
	struct task_struct *task = cur_task();
	struct camvault_rec *r;
	struct file *exe;
	__u64 id;

	if (!s)
		return -1;
	__builtin_memset(&s->s, 0, sizeof(s->s));
	r = &s->s.rec;
	r->type = type;
	r->tier = CAMVAULT_TIER_SYSCALL_TP;
	id = bpf_get_current_pid_tgid();
	r->pid = id >> 32;
	r->tid = (__u32)id;
	r->ppid = BPF_CORE_READ(task, real_parent, tgid);
	id = bpf_get_current_uid_gid();
	r->uid = (__u32)id;
	r->gid = id >> 32;
	if (bpf_core_field_exists(task->loginuid)) {
		r->loginuid = BPF_CORE_READ(task, loginuid.val);
		r->sessionid = BPF_CORE_READ(task, sessionid);
	} else {
		r->loginuid = CAMVAULT_ID_UNSET;
		r->sessionid = CAMVAULT_ID_UNSET;
	}
	r->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	exe = BPF_CORE_READ(task, mm, exe_file);
	if (exe && cv_path((__u64)BPF_CORE_READ(exe, f_path.mnt), (__u64)BPF_CORE_READ(exe, f_path.dentry), 0))
		r->rflags |= CAMVAULT_RF_EXE_TAIL;
	return 0;
}

static __always_inline int uring_tgid(__u32 tgid)
{
	return bpf_map_lookup_elem(&uring_tgids, &tgid) != NULL;
}

static __always_inline void pending_add(__u64 key)
{
	__u8 one = 1;

	if (!bpf_map_update_elem(&pending, &key, &one, BPF_NOEXIST))
		__sync_fetch_and_add(&cv_npending, 1);
}

/*
 * Write the session of struct file key as closed now, and forget it. Whoever deletes it writes it, so a
 * session is written once. in_task: the caller runs in the task that closed it (not in the softirq of
 * sched_process_free), whose io_uring counts too.
 */
__noinline int cv_emit(__u64 key, __u32 rflags, __u32 in_task)
{
	struct cv_session *v = bpf_map_lookup_elem(&sessions, &key);
	__u32 tgid = cur_tgid();

	if (!v)
		return 0;
	v->rec.close_ns = bpf_ktime_get_boot_ns();
	v->rec.rflags |= rflags;
	if (uring_tgid(v->rec.pid) || (in_task && uring_tgid(tgid)))
		v->rec.rflags |= CAMVAULT_RF_UNOBSERVED;
	/*
	 * The element stays readable after its delete until this program ends (RCU, and nothing here
	 * allocates another), so the record is copied out of it after.
	 */
	if (bpf_map_delete_elem(&sessions, &key))
		return 0;
	__sync_fetch_and_add(&cv_nsessions, -1);
	if (!bpf_map_delete_elem(&pending, &key))
		__sync_fetch_and_add(&cv_npending, -1);
	if (bpf_ringbuf_output(&records, &v->rec, sizeof(v->rec), 0))
		count_one(&lost);
	return 1;
}

/*
 * A session for struct file file, if it is watched: open_flags and open_ns as seen at its open (or
 * CAMVAULT_RF_OPEN_UNSEEN in rflags). Returns 0 when made, 1 when the scratch record was filled but the
 * map was full (counted in lost_sessions), -1 when the file is not watched.
 */
__noinline int cv_new_session(__u64 file_addr, __u32 open_flags, __u32 rflags, __u64 open_ns)
{
	struct file *file = (struct file *)file_addr;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct camvault_file_key target = {};
	struct cv_scratch *s;
	struct camvault_rec *r;
	__u32 kind;
	long err;

	if (!inode || (BPF_CORE_READ(file, f_mode) & CV_FMODE_PATH) || !watched_inode(inode, &target, &kind))
		return -1;
	if (cv_fill_task(CAMVAULT_REC_SESSION))
		return -1;
	s = scratch();
	if (!s)
		return -1;
	r = &s->s.rec;
	r->rflags |= rflags | kind;
	r->open_flags = open_flags;
	r->open_ns = open_ns;
	r->dev = target.dev;
	r->ino = target.ino;
	if (uring_tgid(r->pid))
		r->rflags |= CAMVAULT_RF_UNOBSERVED;
	if (cv_path((__u64)BPF_CORE_READ(file, f_path.mnt), (__u64)BPF_CORE_READ(file, f_path.dentry), 1))
		r->rflags |= CAMVAULT_RF_PATH_TAIL;
	s->s.inode = (__u64)inode;

	err = bpf_map_update_elem(&sessions, &file_addr, &s->s, BPF_NOEXIST);
	if (err == -CV_EEXIST) {
		/* That struct file was freed unseen, and this is a new one at its address. */
		cv_emit(file_addr, CAMVAULT_RF_CLOSE_LATE, 0);
		err = bpf_map_update_elem(&sessions, &file_addr, &s->s, BPF_NOEXIST);
	}
	if (err) {
		count_one(&lost_sessions);
		return 1;
	}
	__sync_fetch_and_add(&cv_nsessions, 1);
	return 0;
}

/* The session of file: the one in progress, or one made now if file is watched; NULL for the rest. */
static __always_inline struct cv_session *file_session(struct file *file)
{
	__u64 key = (__u64)file;
	struct cv_session *v;

	if (!file)
		return NULL;
	v = bpf_map_lookup_elem(&sessions, &key);
	if (v)
		return v;
	if (cv_new_session(key, BPF_CORE_READ(file, f_flags), CAMVAULT_RF_OPEN_UNSEEN, 0) != 0)
		return NULL;
	return bpf_map_lookup_elem(&sessions, &key);
}

/* Where file (an AF_INET or AF_INET6 socket) is connected to: 1, or 0 when it is no such socket. */
static __always_inline int sock_peer(struct file *file, struct cv_peer *peer)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct socket *sock;
	struct sock *sk;
	__u16 family;

	if (!inode || inode_type(inode) != CV_S_IFSOCK)
		return 0;
	sock = BPF_CORE_READ(file, private_data);
	if (!sock || BPF_CORE_READ(sock, file) != file)
		return 0;
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == CV_AF_INET) {
		__be32 a = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memset(peer->addr, 0, sizeof(peer->addr));
		__builtin_memcpy(peer->addr, &a, sizeof(a));
	} else if (family == CV_AF_INET6) {
		if (!bpf_core_field_exists(sk->__sk_common.skc_v6_daddr))
			return 0;
		bpf_core_read(peer->addr, sizeof(peer->addr), &sk->__sk_common.skc_v6_daddr);
	} else {
		return 0;
	}
	peer->family = family;
	peer->port = BPF_CORE_READ(sk, __sk_common.skc_dport);
	return 1;
}

/* A destination address given to sendto/sendmsg, if it is AF_INET or AF_INET6. */
static __always_inline void user_peer(const void *uaddr, struct cv_peer *peer)
{
	struct cv_user_sockaddr sa = {};

	/* A sockaddr_in is 16 bytes, a sockaddr_in6 28: read no further than the family says. */
	if (!uaddr || bpf_probe_read_user(&sa, 8, uaddr))
		return;
	if (sa.family == CV_AF_INET) {
		__builtin_memset(peer->addr, 0, sizeof(peer->addr));
		__builtin_memcpy(peer->addr, &sa.addr4_or_flowinfo, 4);
	} else if (sa.family == CV_AF_INET6) {
		if (bpf_probe_read_user(sa.addr6, sizeof(sa.addr6), uaddr + 8))
			return;
		__builtin_memcpy(peer->addr, sa.addr6, sizeof(peer->addr));
	} else {
		return;
	}
	peer->family = sa.family;
	peer->port = sa.port;
}

/* PEER heuristic: file is a socket, and this process read footage from a session still open. */
static __always_inline int reader_peer(struct file *file, struct cv_io *io, const void *uaddr)
{
	__u32 tgid = cur_tgid();
	__u64 *key = bpf_map_lookup_elem(&reader, &tgid);

	if (!key || !bpf_map_lookup_elem(&sessions, key) || !sock_peer(file, &io->peer))
		return 0;
	user_peer(uaddr, &io->peer);
	io->peer_key = *key;
	return 1;
}

static __always_inline void set_reader(__u64 key)
{
	__u32 tgid = cur_tgid();
	__u64 *cur = bpf_map_lookup_elem(&reader, &tgid);

	if (!cur || *cur != key)
		bpf_map_update_elem(&reader, &tgid, &key, BPF_ANY);
}

static __always_inline int io_start(struct cv_io *io)
{
	__u32 tid = cur_tid();

	bpf_map_update_elem(&inflight, &tid, io, BPF_ANY);
	return 0;
}

/* read-like (into memory) or write-like syscalls on fd. uaddr: sendto/sendmsg's destination. */
static __always_inline int rw_enter(long fd, int write, const void *uaddr)
{
	struct file *file = fd_file(fd);
	struct cv_io io = {};

	if (!file)
		return 0;
	if (file_session(file)) {
		if (write)
			io.wr = (__u64)file;
		else
			io.rd = (__u64)file;
	} else if (!write || !reader_peer(file, &io, uaddr)) {
		return 0;
	}
	io.kind = CV_IO_XFER;
	return io_start(&io);
}

/* sendfile, splice, copy_file_range: from in_fd to out_fd. */
static __always_inline int xfer_enter(long in_fd, long out_fd)
{
	struct file *in = fd_file(in_fd), *out = fd_file(out_fd);
	struct cv_io io = {};

	if (!in || !out)
		return 0;
	if (file_session(in))
		io.rd = (__u64)in;
	if (file_session(out))
		io.wr = (__u64)out;
	if (io.rd) {
		if (sock_peer(out, &io.peer))
			io.peer_key = io.rd;
	} else {
		/* From a pipe (or another unwatched file) to a socket: the heuristic. */
		reader_peer(out, &io, NULL);
	}
	if (!io.rd && !io.wr && !io.peer_key)
		return 0;
	io.kind = CV_IO_XFER;
	return io_start(&io);
}

static __always_inline void set_peer(struct cv_session *v, const struct cv_peer *peer)
{
	v->rec.peer_family = peer->family;
	v->rec.peer_port = peer->port;
	__builtin_memcpy(v->rec.peer_addr, peer->addr, sizeof(v->rec.peer_addr));
	v->rec.rflags |= CAMVAULT_RF_PEER;
}

/* The exit of a syscall that io_start()ed: account its result. */
static __always_inline int io_exit(long ret)
{
	__u32 tid = cur_tid();
	struct cv_io *iop = bpf_map_lookup_elem(&inflight, &tid);
	struct cv_session *v;
	struct cv_io io;

	if (!iop)
		return 0;
	io = *iop;
	bpf_map_delete_elem(&inflight, &tid);

	switch (io.kind) {
	case CV_IO_XFER:
		if (ret <= 0)
			break;
		if (io.rd && (v = bpf_map_lookup_elem(&sessions, &io.rd))) {
			__sync_fetch_and_add(&v->rec.bytes_read, ret);
			set_reader(io.rd);
		}
		if (io.wr && (v = bpf_map_lookup_elem(&sessions, &io.wr)))
			__sync_fetch_and_add(&v->rec.bytes_written, ret);
		if (io.peer_key && (v = bpf_map_lookup_elem(&sessions, &io.peer_key)))
			set_peer(v, &io.peer);
		break;
	case CV_IO_MMAP:
		if (ret < 0 && ret >= -CV_MAX_ERRNO)
			break;
		v = bpf_map_lookup_elem(&sessions, &io.rd);
		if (v) {
			__sync_fetch_and_add(&v->rec.mmaps, 1);
			set_reader(io.rd);
		}
		break;
	case CV_IO_IOCTL:
		v = bpf_map_lookup_elem(&sessions, &io.rd);
		if (!v)
			break;
		__sync_fetch_and_add(&v->rec.ioctls, 1);
		if (ret != 0 || !(v->rec.rflags & CAMVAULT_RF_CAMERA) || CV_IOC_TYPE(io.cmd) != 'V')
			break;
		if (CV_IOC_NR(io.cmd) == CV_VIDIOC_STREAMON_NR && CV_IOC_DIR(io.cmd) == 1)
			__sync_fetch_and_add(&v->rec.streamons, 1);
		else if (CV_IOC_NR(io.cmd) == CV_VIDIOC_DQBUF_NR && CV_IOC_DIR(io.cmd) == 3)
			__sync_fetch_and_add(&v->rec.dqbufs, 1);
		break;
	case CV_IO_CLOSE:
		if (ret >= 0)
			cv_emit(io.rd, 0, 1);
		break;
	}
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

static __always_inline int remember_flags(__u32 flags)
{
	__u32 tid = cur_tid();

	bpf_map_update_elem(&open_flags, &tid, &flags, BPF_ANY);
	return 0;
}

/*
 * The flags come from the syscall's arguments, remembered per thread at entry, because the struct file
 * no longer has O_CREAT, O_EXCL, O_NOCTTY or O_TRUNC; only when the entry was missed (the probes were
 * attached while the thread was inside the syscall, or "open_flags" was full) do they come from
 * file->f_flags.
 */
static __always_inline int open_exit(long ret)
{
	__u32 tid = cur_tid();
	struct cv_scratch *s;
	struct file *file;
	__u32 *flagsp;
	__u32 flags;
	int made;

	if (ret < 0) {
		bpf_map_delete_elem(&open_flags, &tid);
		return 0;
	}
	file = fd_file(ret);
	if (!file) {
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
	if (flags & CV_O_PATH)
		return 0;
	made = cv_new_session((__u64)file, flags, 0, bpf_ktime_get_boot_ns());
	if (made < 0 || !(flags & CV_O_TRUNC) || (BPF_CORE_READ(file, f_mode) & CV_FMODE_CREATED) ||
	    inode_type(BPF_CORE_READ(file, f_inode)) != CV_S_IFREG)
		return 0;
	/* O_TRUNC on a file that existed: a truncate record too, from the session's (still in scratch). */
	s = scratch();
	if (!s)
		return 0;
	s->s.rec.type = CAMVAULT_REC_TRUNCATE;
	s->s.rec.close_ns = s->s.rec.open_ns;
	s->s.rec.rflags &= ~(CAMVAULT_RF_UNOBSERVED | CAMVAULT_RF_OPEN_UNSEEN);
	if (bpf_ringbuf_output(&records, &s->s.rec, sizeof(s->s.rec), 0))
		count_one(&lost);
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
	bpf_map_delete_elem(&uring_tgids, &tgid);
	bpf_map_delete_elem(&reader, &tgid);
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

	if (!uring_tgid(tgid))
		bpf_map_update_elem(&uring_tgids, &tgid, &one, BPF_ANY);
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
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct camvault_file_key target = {};
	struct cv_scratch *s;
	__u32 kind;

	if (!inode || !watched_inode(inode, &target, &kind) || cv_fill_task(CAMVAULT_REC_TRUNCATE))
		return 0;
	s = scratch();
	if (!s)
		return 0;
	s->s.rec.rflags |= kind;
	s->s.rec.dev = target.dev;
	s->s.rec.ino = target.ino;
	s->s.rec.open_flags = BPF_CORE_READ(file, f_flags);
	if (cv_path((__u64)BPF_CORE_READ(file, f_path.mnt), (__u64)BPF_CORE_READ(file, f_path.dentry), 1))
		s->s.rec.rflags |= CAMVAULT_RF_PATH_TAIL;
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
		if (bpf_ringbuf_output(&records, r, sizeof(*r), 0))
			count_one(&lost);
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
