/* SPDX-License-Identifier: GPL-2.0 */
/*
 * camvault access probes: what every tier shares. The maps (what is watched, the sessions in
 * progress, the ring buffer and its loss counters), and the session engine: deciding whether a file
 * is watched, filling a record (who, the paths), making a session, accounting I/O to it, writing it.
 * Included once by each tier's object: access.bpf.c (syscall tracepoints) and hooks.bpf.c (LSM,
 * fentry/fexit, kprobes); the agent loads one of them.
 */
#ifndef CAMVAULT_SESSION_BPF_H
#define CAMVAULT_SESSION_BPF_H

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
	__u64 root;	/* its mnt_root */
	__u64 d;	/* struct dentry * */
};

/*
 * d's parent, name length and name: one read where the kernel keeps d_parent and d_name (a struct qstr:
 * hash, len, name) side by side, as 6.1 to 6.12 do on little-endian CPUs; three reads elsewhere.
 */
static __always_inline void dentry_name(struct dentry *d, struct dentry **parent, __u32 *len,
					const unsigned char **name)
{
	__u32 p = bpf_core_field_offset(struct dentry, d_parent);
	__u64 v[3] = {};

	if (bpf_core_field_offset(struct dentry, d_name) == p + 8 && bpf_core_field_size(struct dentry, d_name) == 16 &&
	    bpf_core_field_offset(struct qstr, len) == 4 && bpf_core_field_offset(struct qstr, name) == 8 &&
	    !bpf_probe_read_kernel(v, sizeof(v), (void *)d + p)) {
		*parent = (struct dentry *)v[0];
		*len = v[1] >> 32;
		*name = (const unsigned char *)v[2];
		return;
	}
	*parent = BPF_CORE_READ(d, d_parent);
	*len = BPF_CORE_READ(d, d_name.len);
	*name = BPF_CORE_READ(d, d_name.name);
}

/* One step of walk_path: a component, or a mount crossed. 1 to stop. */
static long walk_step(__u32 i, struct cv_walk *w)
{
	struct vfsmount *vmnt = (struct vfsmount *)w->vmnt;
	struct dentry *d = (struct dentry *)w->d, *root = (struct dentry *)w->root, *parent;
	struct cv_scratch *s = scratch();
	const unsigned char *name;
	__u32 off, len;

	if (!s)
		return 1;
	dentry_name(d, &parent, &len, &name);
	if (d == root || d == parent || !parent) {
		if (d == root && mount_up(&vmnt, &d)) {
			w->vmnt = (__u64)vmnt;
			w->root = (__u64)BPF_CORE_READ(vmnt, mnt_root);
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
	off = s->off;
	if (len > CV_PLEN - 2 || off < CV_PLEN + 1 + len)
		return 1;	/* too long: a tail */
	off -= len;
	/* Its bound, lost to the verifier on a copy of len that the compiler reuses: masked again. */
	barrier_var(len);
	bpf_probe_read_kernel(&s->buf[off & CV_BUF_MASK], len & (CV_PLEN - 1), name);
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
	struct cv_walk w = { .vmnt = (__u64)vmnt, .root = (__u64)BPF_CORE_READ(vmnt, mnt_root), .d = (__u64)d };

	s->tail = 1;
	bpf_loop(CV_WALK_MAX, walk_step, &w, 0);
}

/*
 * Copy the path built in s->buf (from s->off) to dst: "/" when it is empty. Its length is known, so it
 * is copied a word at a time (a string copy goes a byte at a time: 300 instructions for 40 bytes).
 */
static __always_inline void put_path(struct cv_scratch *s, char *dst)
{
	__u32 off = s->off, n;

	if (off >= CV_BUF_END) {
		off = CV_BUF_END - 1;
		s->buf[off & CV_BUF_MASK] = '/';
	}
	n = CV_BUF_END + 1 - off;	/* with its NUL */
	barrier_var(n);
	if (n <= CV_PLEN)
		bpf_probe_read_kernel(dst, n, &s->buf[off & CV_BUF_MASK]);
	else
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

/*
 * The process's mount and user namespaces into the scratch record. Apart from cv_fill_task, whose frame
 * already holds the most of any call chain's (the syscall-tracepoint tier's limit is 512 bytes for all).
 */
__noinline int cv_fill_ns(void)
{
	struct cv_scratch *s = scratch();
	struct task_struct *task = cur_task();

	if (!s)
		return 0;
	s->s.rec.mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	s->s.rec.user_ns = BPF_CORE_READ(task, cred, user_ns, ns.inum);
	return 0;
}

/* The executable's superblock and inode number (inode_addr its struct inode *) into the scratch record. */
__noinline int cv_fill_exe_id(__u64 inode_addr)
{
	struct cv_scratch *s = scratch();
	struct inode *inode = (struct inode *)inode_addr;

	if (!s)
		return 0;
	s->s.rec.exe_dev = BPF_CORE_READ(inode, i_sb, s_dev);
	s->s.rec.exe_ino = BPF_CORE_READ(inode, i_ino);
	return 0;
}

/* Who is doing it, into the scratch record (zeroed first). */
__noinline int cv_fill_task(__u32 type)
{
	struct cv_scratch *s = scratch();
	struct cv_exe_path *c;
	struct camvault_rec *r;
	struct mm_struct *mm;
	__u32 tgid, tail;
	struct file *exe;
	__u64 id;

	if (!s)
		return -1;
	__builtin_memset(&s->s, 0, sizeof(s->s));
	r = &s->s.rec;
	r->type = type;
	r->tier = cv_tier;
	id = bpf_get_current_pid_tgid();
	r->pid = id >> 32;
	r->tid = (__u32)id;
	id = bpf_get_current_uid_gid();
	r->uid = (__u32)id;
	r->gid = id >> 32;
	r->loginuid = CAMVAULT_ID_UNSET;
	r->sessionid = CAMVAULT_ID_UNSET;
#ifdef CV_HOOKS_OBJECT
	if (cv_typed_tier()) {
		/* Plain loads (a fault reads 0), where each member below is a helper call otherwise. */
		struct task_struct *t = bpf_get_current_task_btf();

		r->ppid = t->real_parent->tgid;
		if (bpf_core_field_exists(t->loginuid)) {
			r->loginuid = t->loginuid.val;
			r->sessionid = t->sessionid;
		}
		mm = t->mm;
		exe = mm ? mm->exe_file : NULL;
	} else
#endif
	{
		struct task_struct *task = cur_task();

		r->ppid = BPF_CORE_READ(task, real_parent, tgid);
		if (bpf_core_field_exists(task->loginuid)) {
			r->loginuid = BPF_CORE_READ(task, loginuid.val);
			r->sessionid = BPF_CORE_READ(task, sessionid);
		}
		mm = BPF_CORE_READ(task, mm);
		exe = BPF_CORE_READ(mm, exe_file);
	}
	cv_fill_ns();
	r->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	if (!exe)
		return 0;
	tgid = r->pid;
	c = bpf_map_lookup_elem(&exe_paths, &tgid);
	if (!c || c->mm != (__u64)mm || c->exe_file != (__u64)exe) {
		tail = cv_path((__u64)BPF_CORE_READ(exe, f_path.mnt), (__u64)BPF_CORE_READ(exe, f_path.dentry), 0);
		cv_fill_exe_id((__u64)BPF_CORE_READ(exe, f_inode));	/* read: a scalar, as a global function takes */
		/* Filled in place, its pointers last: a thread reading it meanwhile walks on its own. */
		if (!bpf_map_update_elem(&exe_paths, &tgid, &cv_exe_blank, BPF_ANY) &&
		    (c = bpf_map_lookup_elem(&exe_paths, &tgid))) {
			__builtin_memcpy(c->path, r->exe, CV_PLEN);
			c->dev = r->exe_dev;
			c->ino = r->exe_ino;
			c->tail = tail;
			c->exe_file = (__u64)exe;
			c->mm = (__u64)mm;
		}
	} else {
		__builtin_memcpy(r->exe, c->path, CV_PLEN);
		r->exe_dev = c->dev;
		r->exe_ino = c->ino;
		tail = c->tail;
	}
	if (tail)
		r->rflags |= CAMVAULT_RF_EXE_TAIL;
	return 0;
}

/*
 * A record of type for inode, if it is watched, with {mnt, dentry}'s path, into the scratch record
 * (dev, ino and the CAMERA flag from the watch): 0, or -1 when it is not watched.
 */
__noinline int cv_inode_record(__u32 type, __u64 inode_addr, __u64 mnt, __u64 dentry)
{
	struct inode *inode = (struct inode *)inode_addr;
	struct camvault_file_key target = {};
	struct cv_scratch *s;
	__u32 kind, sb_dev;
	__u16 mode = 0;

	if (!inode)
		return -1;
	inode_mode_dev(inode, &mode, &sb_dev);
	if (!watched_inode(inode, mode, sb_dev, &target, &kind) || cv_fill_task(type))
		return -1;
	s = scratch();
	if (!s)
		return -1;
	s->s.rec.rflags |= kind;
	s->s.rec.dev = target.dev;
	s->s.rec.ino = target.ino;
	if (cv_path(mnt, dentry, 1))
		s->s.rec.rflags |= CAMVAULT_RF_PATH_TAIL;
	return 0;
}

static __always_inline int uring_tgid(__u32 tgid)
{
	return cv_nuring && bpf_map_lookup_elem(&uring_tgids, &tgid) != NULL;
}

static __always_inline void pending_add(__u64 key)
{
	__u8 one = 1;

	if (!bpf_map_update_elem(&pending, &key, &one, BPF_NOEXIST))
		__sync_fetch_and_add(&cv_npending, 1);
}

/*
 * Write session v (of struct file key) as closed now, and forget it. Whoever deletes it writes it, so a
 * session is written once. in_task: the caller runs in the task that closed it (not in the softirq of
 * sched_process_free), whose io_uring counts too.
 */
static __always_inline int emit_session(struct cv_session *v, __u64 key, __u32 rflags, __u32 in_task)
{
	v->rec.close_ns = bpf_ktime_get_boot_ns();
	v->rec.rflags |= rflags;
	if (v->check_rd || v->check_wr)
		v->rec.rflags |= CAMVAULT_RF_UNCOUNTED;
	if (uring_tgid(v->rec.pid) || (in_task && uring_tgid(cur_tgid())))
		v->rec.rflags |= CAMVAULT_RF_UNOBSERVED;
	/*
	 * The element stays readable after its delete until this program ends (RCU, and nothing here
	 * allocates another), so the record is copied out of it after.
	 */
	if (bpf_map_delete_elem(&sessions, &key))
		return 0;
	__sync_fetch_and_add(&cv_nsessions, -1);
	if (cv_npending && !bpf_map_delete_elem(&pending, &key))
		__sync_fetch_and_add(&cv_npending, -1);
	cv_output(&v->rec, sizeof(v->rec));
	return 1;
}

/* emit_session for the session of key, if there is one: its callers are many, verified once. */
__noinline int cv_emit(__u64 key, __u32 rflags, __u32 in_task)
{
	struct cv_session *v = bpf_map_lookup_elem(&sessions, &key);

	return v ? emit_session(v, key, rflags, in_task) : 0;
}

/* cv_new_session's open_flags: the file's f_flags (without the O_LARGEFILE the kernel adds). */
#define CV_FLAGS_OF_FILE 0xffffffffu

/*
 * A session for struct file file, if it is watched: open_flags (or CV_FLAGS_OF_FILE) and open_ns as seen
 * at its open (or CAMVAULT_RF_OPEN_UNSEEN in rflags). Returns 0 when made, 1 when the scratch record was
 * filled but the map was full (counted in lost_sessions), -1 when the file is not watched. Most files
 * are not: the watch filter says so first, in three helper calls in all.
 */
__noinline int cv_new_session(__u64 file_addr, __u32 open_flags, __u32 rflags, __u64 open_ns)
{
	struct file *file = (struct file *)file_addr;
	struct camvault_file_key target = {};
	struct cv_scratch *s = scratch();
	__u32 kind, sb_dev, f_mode, f_flags = 0;
	struct vfsmount *mnt = NULL;
	struct dentry *dentry = NULL;
	struct camvault_rec *r;
	struct inode *inode;
	__u16 mode = 0;
	long err;
	int pre;

	if (!s)
		return -1;
	pre = cv_typed_tier() && s->pre.file == file_addr;
	if (pre) {
		s->pre.file = 0;
		inode = (struct inode *)s->pre.inode;
		mode = s->pre.mode;
		sb_dev = s->pre.sb_dev;
		target.ino = s->pre.ino;
		f_mode = s->pre.f_mode;
		f_flags = s->pre.f_flags;
		mnt = (struct vfsmount *)s->pre.mnt;
		dentry = (struct dentry *)s->pre.dentry;
	} else {
		inode = BPF_CORE_READ(file, f_inode);
		if (!inode)
			return -1;
		inode_mode_dev(inode, &mode, &sb_dev);
		/* The LSM and fentry programs call it only for a file the watch filter let through. */
		if (!cv_typed_tier() && unwatched_inode(inode, mode, sb_dev, 0))
			return -1;
		f_mode = BPF_CORE_READ(file, f_mode);
	}
	if ((f_mode & CV_FMODE_PATH) || !watched_inode(inode, mode, sb_dev, &target, &kind))
		return -1;
	if (!pre) {
		/* mnt and dentry in one read, into 16 bytes of stack (CV_READ_PAIR's 48 are too many here) */
		struct path p = {};

		f_flags = open_flags == CV_FLAGS_OF_FILE ? BPF_CORE_READ(file, f_flags) : 0;
		bpf_core_read(&p, sizeof(p), &file->f_path);
		mnt = p.mnt;
		dentry = p.dentry;
	}
	if (open_flags == CV_FLAGS_OF_FILE)
		open_flags = f_flags & ~CV_O_LARGEFILE;
	if (cv_fill_task(CAMVAULT_REC_SESSION))
		return -1;
	r = &s->s.rec;
	r->rflags |= rflags | kind;
	r->open_flags = open_flags;
	r->open_ns = open_ns;
	r->dev = target.dev;
	r->ino = target.ino;
	if (uring_tgid(r->pid))
		r->rflags |= CAMVAULT_RF_UNOBSERVED;
	if (pre && s->pre.path_len) {
		__u64 n = s->pre.path_len;	/* 64 bits: the bound checked is the register passed */

		barrier_var(n);
		if (n <= CV_PLEN)
			bpf_probe_read_kernel(r->path, n, s->pre.path);
	} else if (cv_path((__u64)mnt, (__u64)dentry, 1)) {
		r->rflags |= CAMVAULT_RF_PATH_TAIL;
	}
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
	v = cv_nsessions ? bpf_map_lookup_elem(&sessions, &key) : NULL;
	if (v)
		return v;
	if (cv_new_session(key, CV_FLAGS_OF_FILE, CAMVAULT_RF_OPEN_UNSEEN, 0) != 0)
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

static __always_inline long peer_read(void *dst, __u32 size, const void *src, int user)
{
	return user ? bpf_probe_read_user(dst, size, src) : bpf_probe_read_kernel(dst, size, src);
}

/*
 * A destination address given to sendto/sendmsg, if it is AF_INET or AF_INET6: in userspace memory
 * (user, at the syscall) or in the kernel's copy (the sendmsg hook).
 */
static __always_inline void addr_peer(const void *addr, int user, struct cv_peer *peer)
{
	struct cv_user_sockaddr sa = {};

	/* A sockaddr_in is 16 bytes, a sockaddr_in6 28: read no further than the family says. */
	if (!addr || peer_read(&sa, 8, addr, user))
		return;
	if (sa.family == CV_AF_INET) {
		__builtin_memset(peer->addr, 0, sizeof(peer->addr));
		__builtin_memcpy(peer->addr, &sa.addr4_or_flowinfo, 4);
	} else if (sa.family == CV_AF_INET6) {
		if (peer_read(sa.addr6, sizeof(sa.addr6), addr + 8, user))
			return;
		__builtin_memcpy(peer->addr, sa.addr6, sizeof(peer->addr));
	} else {
		return;
	}
	peer->family = sa.family;
	peer->port = sa.port;
}

/*
 * PEER heuristic: file is a socket, and this process read footage from a session still open. addr:
 * the destination given with the data (user: in userspace memory), if any.
 */
static __always_inline int reader_peer(struct file *file, struct cv_io *io, const void *addr, int user)
{
	__u32 tgid = cur_tgid();
	__u64 *key = bpf_map_lookup_elem(&reader, &tgid);

	if (!key || !bpf_map_lookup_elem(&sessions, key) || !sock_peer(file, &io->peer))
		return 0;
	addr_peer(addr, user, &io->peer);
	io->peer_key = *key;
	return 1;
}

/*
 * The process's entry is written in place once it has one: an update allocates an element and takes
 * the bucket's lock, and a reader moving from clip to clip would pay that on every read.
 */
static __always_inline void set_reader(__u64 key)
{
	__u32 tgid = cur_tgid();
	__u64 *cur = bpf_map_lookup_elem(&reader, &tgid);

	if (cur)
		*cur = key;
	else
		bpf_map_update_elem(&reader, &tgid, &key, BPF_NOEXIST);
}

/* Session key's bytes are a lower bound: some I/O of it could not be counted (0: no session). */
static __always_inline void flag_uncounted(__u64 key)
{
	struct cv_session *v = key ? bpf_map_lookup_elem(&sessions, &key) : NULL;

	if (v)
		v->rec.rflags |= CAMVAULT_RF_UNCOUNTED;
}

/*
 * Mark this thread's I/O. Its "inflight" element stays until the thread exits, emptied by io_take()
 * (kind 0) and written in place by the next io_start(): only the thread itself touches it. With no
 * room for one more thread (8192 of them touching footage), the I/O is not lost silently: its sessions
 * say their counts are lower bounds, and a close waits in "pending" like one of a shared file.
 * io_start_at: the same, with the thread's element as io_slot() found it (NULL: none yet).
 */
static __always_inline int io_start_at(struct cv_io *iop, struct cv_io *io)
{
	__u32 tid = cur_tid();

	if (iop) {
		*iop = *io;
		return 0;
	}
	if (!bpf_map_update_elem(&inflight, &tid, io, BPF_NOEXIST))
		return 0;
	if (io->kind == CV_IO_CLOSE) {
		pending_add(io->rd);
	} else {
		flag_uncounted(io->rd);
		flag_uncounted(io->wr);
	}
	return 0;
}

/* This thread's "inflight" element, or NULL. */
static __always_inline struct cv_io *io_slot(void)
{
	__u32 tid = cur_tid();

	return bpf_map_lookup_elem(&inflight, &tid);
}

static __always_inline int io_start(struct cv_io *io)
{
	return io_start_at(io_slot(), io);
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
	} else if (!write || !reader_peer(file, &io, uaddr, 1)) {
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
		reader_peer(out, &io, NULL, 1);
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

/* ret bytes (> 0) moved out of session vr (whose file is rd) and into session vw; either may be NULL. */
static __always_inline void xfer_account(struct cv_session *vr, __u64 rd, struct cv_session *vw, long ret)
{
	if (vr) {
		__sync_fetch_and_add(&vr->rec.bytes_read, ret);
		set_reader(rd);
	}
	if (vw)
		__sync_fetch_and_add(&vw->rec.bytes_written, ret);
}

/* Account the result ret of the I/O io describes (CV_IO_CLOSE aside, which is a tier's own). */
static __always_inline void io_account(const struct cv_io *io, long ret)
{
	struct cv_session *v;

	switch (io->kind) {
	case CV_IO_XFER:
		if (ret <= 0)
			break;
		xfer_account(io->rd ? bpf_map_lookup_elem(&sessions, &io->rd) : NULL, io->rd,
			     io->wr ? bpf_map_lookup_elem(&sessions, &io->wr) : NULL, ret);
		if (io->peer_key && (v = bpf_map_lookup_elem(&sessions, &io->peer_key)))
			set_peer(v, &io->peer);
		break;
	case CV_IO_MMAP:
		if (ret < 0 && ret >= -CV_MAX_ERRNO)
			break;
		v = bpf_map_lookup_elem(&sessions, &io->rd);
		if (v) {
			__sync_fetch_and_add(&v->rec.mmaps, 1);
			set_reader(io->rd);
		}
		break;
	case CV_IO_IOCTL:
	case CV_IO_STREAM:
		v = bpf_map_lookup_elem(&sessions, &io->rd);
		if (!v)
			break;
		if (io->kind == CV_IO_IOCTL)
			__sync_fetch_and_add(&v->rec.ioctls, 1);
		if (ret != 0 || !(v->rec.rflags & CAMVAULT_RF_CAMERA) || CV_IOC_TYPE(io->cmd) != 'V')
			break;
		if (CV_IOC_NR(io->cmd) == CV_VIDIOC_STREAMON_NR && CV_IOC_DIR(io->cmd) == 1)
			__sync_fetch_and_add(&v->rec.streamons, 1);
		else if (CV_IOC_NR(io->cmd) == CV_VIDIOC_DQBUF_NR && CV_IOC_DIR(io->cmd) == 3)
			__sync_fetch_and_add(&v->rec.dqbufs, 1);
		break;
	}
}

/*
 * The end of an I/O that io_start()ed (on this thread): the io it described, taken out, or 0.
 * io_take_from: the same from the thread's element as io_slot() found it.
 */
static __always_inline int io_take_from(struct cv_io *iop, struct cv_io *io)
{
	if (!iop || !iop->kind)
		return 0;
	*io = *iop;
	iop->kind = 0;
	return 1;
}

static __always_inline int io_take(struct cv_io *io)
{
	return io_take_from(io_slot(), io);
}

#endif /* CAMVAULT_SESSION_BPF_H */
