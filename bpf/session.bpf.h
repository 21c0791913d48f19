/* SPDX-License-Identifier: GPL-2.0 */
/*
 * camvault access probes: what every tier shares (3 of 3, after maps.bpf.h, the maps, and path.bpf.h, the
 * path walk, which it includes): the session engine: filling a record (who, the paths), making a session,
 * accounting I/O to it, writing it.
 * Included once by each tier's object: access.bpf.c (syscall tracepoints) and hooks.bpf.c (LSM,
 * fentry/fexit, kprobes); the agent loads one of them.
 */
#ifndef CAMVAULT_SESSION_BPF_H
#define CAMVAULT_SESSION_BPF_H

#include "path.bpf.h"

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
	/*
	 * A session of another inode is a struct file freed unseen (pending: its last reference went with a
	 * mapping or an exit), and this is a new one at its address: its I/O is not the old session's. A
	 * watched file's new session replaces it (cv_new_session() emits it, CLOSE_LATE); else the pending
	 * check does.
	 */
	if (v && v->inode == (__u64)BPF_CORE_READ(file, f_inode))
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
