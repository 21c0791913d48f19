/* SPDX-License-Identifier: GPL-2.0 */
/*
 * camvault access probes, what every tier shares (2 of 3, after maps.bpf.h): the path walk, a file's path
 * built backwards from its dentry up through its mounts, in the scratch space (cv_path).
 */
#ifndef CAMVAULT_PATH_BPF_H
#define CAMVAULT_PATH_BPF_H

#include "maps.bpf.h"

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
#endif /* CAMVAULT_PATH_BPF_H */
