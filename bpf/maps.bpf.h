/* SPDX-License-Identifier: GPL-2.0 */
/*
 * camvault access probes, what every tier shares (1 of 3: maps.bpf.h, path.bpf.h, session.bpf.h, each
 * including the one before): the maps (what is watched, the sessions in progress, the ring buffer and its
 * loss counters, the scratch space), their types and globals, and what reads them: writing a record to the
 * ring buffer, the watch filter, and whether an inode is watched (with the kernel reads that takes: the
 * current task, a file descriptor's struct file, an inode's mode and devices).
 */
#ifndef CAMVAULT_MAPS_BPF_H
#define CAMVAULT_MAPS_BPF_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "core_types.h"
#include "uapi/camvault.h"

/* The same on every architecture the probes support (not so O_DIRECTORY and friends). */
#define CV_O_ACCMODE 03
#define CV_O_WRONLY 01
#define CV_O_CREAT 0100
#define CV_O_TRUNC 01000
#define CV_O_PATH 010000000
#define CV_O_CLOEXEC 02000000
/* What the kernel adds to every open on 64-bit: not what the process asked for. */
#ifdef __TARGET_ARCH_arm64
#define CV_O_LARGEFILE 0400000
#else
#define CV_O_LARGEFILE 0100000
#endif

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

/* A session in progress: its record, and what tells its struct file from a later one at that address. */
struct cv_session {
	struct camvault_rec rec;
	__u64 inode;
	/*
	 * At the LSM and fentry tiers, the thread whose check of a read (a write) of this file waits for
	 * its byte counter to return (hooks.bpf.c's on_verify_area), 0 for none. Still there at the
	 * close: no counter covered that read (write).
	 */
	__u64 check_rd;
	__u64 check_wr;
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
	CV_IO_STREAM,	/* an ioctl's result on a camera, counted as an ioctl already */
};

/* A syscall on a session in progress, by thread: what its exit accounts. Keys are struct file addresses. */
struct cv_io {
	__u64 rd;
	__u64 wr;
	__u64 peer_key;
	__u64 sp;		/* kprobe tier: the stack pointer at the counter's entry (io_begin) */
	__u32 kind;
	__u32 cmd;
	struct cv_peer peer;
	__u32 pad;
};

/*
 * What an LSM or fentry program's quick test read of the file it then passes to cv_new_session, with
 * plain loads, where cv_new_session would call a helper for each: good for that file (file) in that
 * program run only, and forgotten when used.
 */
struct cv_file_pre {
	__u64 file;
	__u64 inode;
	__u64 ino;
	__u64 mnt;
	__u64 dentry;
	__u32 f_mode;
	__u32 f_flags;
	__u32 sb_dev;
	__u16 mode;
	__u16 pad;
	__u32 path_len;		/* path's bytes with its NUL; 0: walk it */
	__u32 pad2;
	char path[CV_PLEN];	/* the file's path, from bpf_d_path */
};

struct cv_scratch {
	struct cv_session s;
	struct cv_file_pre pre;
	__u32 off;			/* the path being built starts at buf[off] */
	__u32 tail;			/* ... and misses its head */
	char buf[3 * CV_PLEN];		/* paths are built backwards, ending at buf[CV_BUF_END] */
	char name[CV_PLEN];		/* a path from userspace */
	struct camvault_path_key key;
	__u64 regs[12];			/* a syscall's registers (access.bpf.c's syscall_args) */
	unsigned long args[6];		/* ... its arguments */
	__u32 compat;			/* ... and whether it is a 32-bit program's */
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

/* Set by the agent (see struct camvault_watch_filter): what certainly is not watched. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct camvault_watch_filter);
} watch_filter SEC(".maps");

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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);	/* thread id */
	__type(value, struct cv_io);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);	/* tgid */
	__type(value, __u8);
} uring_tgids SEC(".maps");

/*
 * Each process's executable path as cv_fill_task last walked it. A process touching footage makes
 * many records (a recorder a segment every few seconds, a copier one per clip), and the walk up its
 * executable's dentries is the dearest part of each. Good while the process has the same mm and
 * mm->exe_file: an exec replaces both (the new ones are made while the old ones live, so they are
 * other pointers), PR_SET_MM_EXE_FILE the file. Dropped at the process's exit. A rename of the
 * executable while it runs shows in none of its later records.
 */
struct cv_exe_path {
	__u64 mm;
	__u64 exe_file;
	__u64 dev;		/* the executable's superblock and inode */
	__u64 ino;
	__u32 tail;
	__u32 pad;
	char path[CV_PLEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);	/* tgid */
	__type(value, struct cv_exe_path);
} exe_paths SEC(".maps");

/* What an exe_paths element starts as, before cv_fill_task fills it in place. */
static struct cv_exe_path cv_exe_blank;

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

/*
 * How many entries "sessions", "pending" and "uring_tgids" hold, so that exits, munmaps and closes skip
 * what is empty.
 */
__u64 cv_nsessions = 0;
__u64 cv_npending = 0;
__u64 cv_nuring = 0;
/* When a record last woke the agent (its close_ns): see cv_output(). */
__u64 cv_last_wakeup = 0;

/*
 * Waking the agent for every record costs the writer an irq_work and the agent a wakeup per record,
 * most of the agent's cost at 50k records/s. A record wakes it when none did for this long, or when the
 * ring buffer is this full (of its size, in 1/n); the others wait for the next wakeup, or for the
 * agent's own poll timeout (it consumes what is there when the timeout ends: cv_probes_poll), so a
 * record waits at most about that long (200 ms for "camvault trace").
 */
#define CV_WAKEUP_NS 1000000ULL
#define CV_WAKEUP_FILL 8

/* The tier these programs run at, stamped on every record: the agent sets it before load. */
const volatile __u32 cv_tier = CAMVAULT_TIER_SYSCALL_TP;

/*
 * The LSM and fentry tiers, whose programs have typed arguments and the kernel's BTF (hooks.bpf.c's
 * CV_TYPED says the same at compile time). cv_tier is set before load, so the verifier drops the
 * branch that does not apply, and never checks it: BTF-typed helpers there cost a kernel without
 * BTF nothing. Such branches are compiled into hooks.bpf.o alone (CV_HOOKS_OBJECT).
 */
static __always_inline int cv_typed_tier(void)
{
	return cv_tier == CAMVAULT_TIER_LSM || cv_tier == CAMVAULT_TIER_FENTRY;
}

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

/*
 * Write a record (close_ns set: it is the time now) to the ring buffer, counted in "lost" when it has no
 * room. See CV_WAKEUP_NS.
 */
static __always_inline void cv_output(struct camvault_rec *rec, __u64 size)
{
	__u64 now = rec->close_ns, flags = BPF_RB_NO_WAKEUP;

	if (now - cv_last_wakeup >= CV_WAKEUP_NS ||
	    bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA) >=
	    bpf_ringbuf_query(&records, BPF_RB_RING_SIZE) / CV_WAKEUP_FILL) {
		flags = BPF_RB_FORCE_WAKEUP;
		cv_last_wakeup = now;
	}
	if (bpf_ringbuf_output(&records, rec, size, flags))
		count_one(&lost);
}

/* Whether bit (camvault_dev_bit) is set in the filter's words: 0 means certainly not watched. */
static __always_inline int filter_has(const __u64 *words, __u64 dev)
{
	__u32 bit = camvault_dev_bit(dev);

	return (words[(bit >> 6) & 3] >> (bit & 63)) & 1;
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

/*
 * Members a and b of *p (each at most 8 bytes, at its natural alignment) into va and vb: in one helper
 * call when CO-RE places them within 48 bytes of each other (the calls, not the bytes, are what the
 * probe-read tiers pay for), else in one call each. The buffer is on the stack, whose 512 bytes 6.1
 * counts over the whole chain of calls: used sparingly. The copy starts 8-aligned, so neither straddles two
 * of its words; taken out of them by shifts (little-endian, as on x86-64 and arm64).
 */
#define CV_READ_PAIR(p, a, va, b, vb)								\
do {												\
	__u64 _w[6];										\
	__u32 _ao = bpf_core_field_offset((p)->a), _bo = bpf_core_field_offset((p)->b);		\
	__u32 _s = (_ao < _bo ? _ao : _bo) & ~7u;						\
	__u32 _e = _ao + sizeof(va) > _bo + sizeof(vb) ? _ao + sizeof(va) : _bo + sizeof(vb);	\
												\
	if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&					\
	    bpf_core_field_size((p)->a) == sizeof(va) && bpf_core_field_size((p)->b) == sizeof(vb) &&	\
	    _e - _s <= sizeof(_w)) {								\
		/* A fault zeroes _w: both read as 0, as BPF_CORE_READ's would. */		\
		bpf_probe_read_kernel(_w, _e - _s, (void *)(p) + _s);				\
		(va) = (typeof(va))(_w[(_ao - _s) / 8] >> ((_ao - _s) % 8 * 8));		\
		(vb) = (typeof(vb))(_w[(_bo - _s) / 8] >> ((_bo - _s) % 8 * 8));		\
	} else {										\
		(va) = BPF_CORE_READ(p, a);							\
		(vb) = BPF_CORE_READ(p, b);							\
	}											\
} while (0)

/* The struct file behind fd in the current task's table, or NULL. */
static __always_inline struct file *fd_file(long fd)
{
	struct fdtable *fdt = BPF_CORE_READ(cur_task(), files, fdt);
	struct file **fds = NULL;
	struct file *file = NULL;
	__u32 max_fds = 0;

	if (!fdt)
		return NULL;
	CV_READ_PAIR(fdt, max_fds, max_fds, fd, fds);
	if ((unsigned long)fd >= max_fds || !fds || bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
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
 * The watch filter's verdict on an inode of mode whose superblock is sb_dev: 1 when it certainly is no
 * footage (its bits are clear), 0 when the watch maps must say. A device's rdev is read only for one, as
 * the caller reads members (typed: a plain load from a pointer the verifier types, else a helper call).
 */
static __always_inline int unwatched_inode(struct inode *inode, __u32 mode, __u32 sb_dev, const int typed)
{
	__u32 zero = 0, type = mode & CV_S_IFMT, rdev;
	struct camvault_watch_filter *f = bpf_map_lookup_elem(&watch_filter, &zero);

	if (!f)
		return 1;
	if (filter_has(f->devs, sb_dev))
		return 0;
	if (type != CV_S_IFCHR && type != CV_S_IFBLK)
		return 1;
	rdev = typed ? inode->i_rdev : BPF_CORE_READ(inode, i_rdev);
	return !filter_has(f->devs, rdev) && !(type == CV_S_IFCHR && filter_has(f->majors, rdev >> CV_MINORBITS));
}

/* An inode's mode and its superblock's dev, in two helper calls. */
static __always_inline void inode_mode_dev(struct inode *inode, __u16 *mode, __u32 *sb_dev)
{
	struct super_block *sb = NULL;

	CV_READ_PAIR(inode, i_mode, *mode, i_sb, sb);
	*sb_dev = BPF_CORE_READ(sb, s_dev);
}

/*
 * Whether inode is watched, and as what: key gets the record's dev and ino, *rflags CAMVAULT_RF_CAMERA
 * for a char device.
 */
static __always_inline int watched_inode(struct inode *inode, __u16 mode, __u32 sb_dev,
					 struct camvault_file_key *key, __u32 *rflags)
{
	__u32 type = mode & CV_S_IFMT, zero = 0;
	struct camvault_watch_filter *f = bpf_map_lookup_elem(&watch_filter, &zero);

	*rflags = 0;
	if (!f || type == CV_S_IFDIR || type == CV_S_IFSOCK || type == CV_S_IFIFO)
		return 0;
	if (!key->ino)	/* else the caller read it */
		key->ino = BPF_CORE_READ(inode, i_ino);
	if (type == CV_S_IFCHR || type == CV_S_IFBLK) {
		struct camvault_file_key dk = { .dev = BPF_CORE_READ(inode, i_rdev), .ino = 0 };
		__u32 major = dk.dev >> CV_MINORBITS;

		if (type == CV_S_IFCHR)
			*rflags = CAMVAULT_RF_CAMERA;
		if ((type == CV_S_IFCHR && filter_has(f->majors, major) &&
		     bpf_map_lookup_elem(&watched_major, &major)) ||
		    (filter_has(f->devs, dk.dev) && bpf_map_lookup_elem(&watched, &dk))) {
			key->dev = dk.dev;
			return 1;
		}
		*rflags = 0;
	}
	key->dev = sb_dev;
	if (!filter_has(f->devs, key->dev))
		return 0;
	return bpf_map_lookup_elem(&watched_sb, &key->dev) || bpf_map_lookup_elem(&watched, key);
}
#endif /* CAMVAULT_MAPS_BPF_H */
