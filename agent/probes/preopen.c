// SPDX-License-Identifier: GPL-2.0
/* Footage open before the probes watched it, found in /proc (preopen.h). */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probes/preopen.h"
#include "util/mountinfo.h"

#define CV_CGROUP2_ROOT "/sys/fs/cgroup"

/* What one process holds of watched footage: one record per file (fd and mapping together). */
struct cv_held {
	struct camvault_rec *recs;
	size_t n, cap;
	bool have_task;			/* recs[0..n) carry the process's fields (filled at the first file) */
	struct camvault_rec task;	/* those fields */
};

static bool cv_all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/*
 * src into a CAMVAULT_PATH_LEN field; too long, its last components (from a '/'), as the probes keep them:
 * returns whether the head was cut (CAMVAULT_RF_PATH_TAIL, EXE_TAIL).
 */
static bool cv_copy_tail(char *dst, const char *src)
{
	size_t len = strlen(src);
	const char *tail;

	if (len < CAMVAULT_PATH_LEN) {
		memcpy(dst, src, len + 1);
		return false;
	}
	tail = src + len - (CAMVAULT_PATH_LEN - 1);
	while (*tail && *tail != '/')
		tail++;
	snprintf(dst, CAMVAULT_PATH_LEN, "%s", tail);
	return true;
}

/* readlink(proc/pid/name) as a string; false when it cannot be read. */
static bool cv_proc_link(const char *proc, const char *pid, const char *name, char *buf, size_t len)
{
	char link[PATH_MAX];
	ssize_t n;

	if (snprintf(link, sizeof(link), "%s/%s/%s", proc, pid, name) >= (int)sizeof(link))
		return false;
	n = readlink(link, buf, len - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* proc/pid/name (a small text file) into buf, NUL-terminated; its length, or -1. */
static ssize_t cv_proc_read(const char *proc, const char *pid, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	size_t n;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s/%s", proc, pid, name) >= (int)sizeof(path))
		return -1;
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (ssize_t)n;
}

/* The inode of proc/pid/name (a namespace's), 0 when unknown. */
static uint32_t cv_proc_ino(const char *proc, const char *pid, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s/%s", proc, pid, name) >= (int)sizeof(path) || stat(path, &st))
		return 0;
	return (uint32_t)st.st_ino;
}

/* A u32 the kernel writes alone in proc/pid/name (loginuid, sessionid): CAMVAULT_ID_UNSET when unknown. */
static uint32_t cv_proc_u32(const char *proc, const char *pid, const char *name)
{
	char buf[32], *end;
	unsigned long v;

	if (cv_proc_read(proc, pid, name, buf, sizeof(buf)) <= 0)
		return CAMVAULT_ID_UNSET;
	errno = 0;
	v = strtoul(buf, &end, 10);
	return errno || end == buf || v > UINT32_MAX ? CAMVAULT_ID_UNSET : (uint32_t)v;
}

/* The value of "key:" in /proc/PID/status (PPid, Uid, Gid: the first, the real id), or 0. */
static uint32_t cv_status_field(const char *status, const char *key)
{
	size_t klen = strlen(key);
	const char *line;

	for (line = status; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, key, klen) && line[klen] == ':')
			return (uint32_t)strtoul(line + klen + 1, NULL, 10);
	return 0;
}

/* The cgroup v2 id the probes record (bpf_get_current_cgroup_id): the inode of its cgroup2 directory. */
static uint64_t cv_proc_cgroup(const char *proc, const char *pid)
{
	char buf[PATH_MAX], path[PATH_MAX + sizeof(CV_CGROUP2_ROOT)], *rel;
	struct stat st;

	if (cv_proc_read(proc, pid, "cgroup", buf, sizeof(buf)) <= 0)
		return 0;
	rel = strstr(buf, "0::");
	if (!rel || (rel != buf && rel[-1] != '\n'))
		return 0;
	rel += 3;
	rel[strcspn(rel, "\n")] = '\0';
	snprintf(path, sizeof(path), "%s%s", CV_CGROUP2_ROOT, rel);
	return stat(path, &st) ? 0 : st.st_ino;
}

/* Who the process is, as the probes fill it (cv_fill_task): into t. */
static void cv_fill_task(const char *proc, const char *pid, int tier, struct camvault_rec *t)
{
	char buf[4096], exe[PATH_MAX], path[PATH_MAX];
	uint64_t dev, ino;

	memset(t, 0, sizeof(*t));
	t->type = CAMVAULT_REC_SESSION;
	t->tier = (uint16_t)tier;
	t->rflags = CAMVAULT_RF_OPEN_UNSEEN | CAMVAULT_RF_STILL_OPEN | CAMVAULT_RF_FOUND_AT_START;
	t->pid = t->tid = (uint32_t)strtoul(pid, NULL, 10);
	if (cv_proc_read(proc, pid, "status", buf, sizeof(buf)) > 0) {
		t->ppid = cv_status_field(buf, "PPid");
		t->uid = cv_status_field(buf, "Uid");
		t->gid = cv_status_field(buf, "Gid");
	}
	/* comm, not status's Name: the name raw, as the probes read it (the log escapes it where shown). */
	if (cv_proc_read(proc, pid, "comm", buf, sizeof(buf)) > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(t->comm, sizeof(t->comm), "%.15s", buf);
	}
	if (cv_proc_link(proc, pid, "exe", exe, sizeof(exe)) && cv_copy_tail(t->exe, exe))
		t->rflags |= CAMVAULT_RF_EXE_TAIL;
	/* The executable's superblock as the kernel sees it, through the process's own mounts. */
	snprintf(buf, sizeof(buf), "%s/%s/mountinfo", proc, pid);
	snprintf(path, sizeof(path), "%s/%s/exe", proc, pid);
	if (!cv_mountinfo_sb(buf, path, &dev, &ino)) {
		t->exe_dev = dev;
		t->exe_ino = ino;
	}
	t->loginuid = cv_proc_u32(proc, pid, "loginuid");
	t->sessionid = cv_proc_u32(proc, pid, "sessionid");
	t->cgroup_id = cv_proc_cgroup(proc, pid);
	t->mnt_ns = cv_proc_ino(proc, pid, "ns/mnt");
	t->user_ns = cv_proc_ino(proc, pid, "ns/user");
}

/*
 * Whether a file is watched, as the probes' watched_inode() decides: a char or block device by its rdev (a
 * char device of a camera major too: CAMVAULT_RF_CAMERA), anything else by {sb, ino} or its filesystem.
 * key gets the record's dev and ino.
 */
static bool cv_preopen_match(const struct cv_probes_keys *k, uint64_t sb, uint64_t ino, mode_t mode, uint64_t rdev,
			     struct camvault_file_key *key, uint32_t *rflags)
{
	size_t i;

	*rflags = 0;
	if (S_ISDIR(mode) || S_ISSOCK(mode) || S_ISFIFO(mode))
		return false;
	key->ino = ino;
	if (S_ISCHR(mode) || S_ISBLK(mode)) {
		key->dev = rdev;
		for (i = 0; S_ISCHR(mode) && i < k->nmajors; i++)
			if (k->majors[i] == rdev >> 20)
				goto device;
		for (i = 0; i < k->nfiles; i++)
			if (k->files[i].dev == rdev && !k->files[i].ino)
				goto device;
	}
	key->dev = sb;
	for (i = 0; i < k->nsbs; i++)
		if (k->sbs[i] == sb)
			return true;
	for (i = 0; i < k->nfiles; i++)
		if (k->files[i].dev == sb && k->files[i].ino == ino)
			return true;
	return false;
device:
	*rflags = S_ISCHR(mode) ? CAMVAULT_RF_CAMERA : 0;
	return true;
}

/* The record of key in h, made (with the process's fields, path, flags) when there is none; NULL: no memory. */
static struct camvault_rec *cv_held_get(struct cv_held *h, const char *proc, const char *pid, int tier,
					const struct camvault_file_key *key, uint32_t rflags, const char *path)
{
	struct camvault_rec *r;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->recs[i].dev == key->dev && h->recs[i].ino == key->ino)
			return &h->recs[i];
	if (!h->have_task) {
		cv_fill_task(proc, pid, tier, &h->task);
		h->have_task = true;
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 4;
		struct camvault_rec *grown = realloc(h->recs, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		h->recs = grown;
		h->cap = cap;
	}
	r = &h->recs[h->n++];
	*r = h->task;
	r->rflags |= rflags;
	r->dev = key->dev;
	r->ino = key->ino;
	if (cv_copy_tail(r->path, path))
		r->rflags |= CAMVAULT_RF_PATH_TAIL;
	return r;
}

/* The f_flags of fd fdname from proc/pid/fdinfo (octal "flags:"), without O_LARGEFILE as the probes; or 0. */
static uint32_t cv_fd_flags(const char *proc, const char *pid, const char *fdname)
{
	char name[64], buf[512], *f;

	snprintf(name, sizeof(name), "fdinfo/%.20s", fdname);
	if (cv_proc_read(proc, pid, name, buf, sizeof(buf)) <= 0)
		return 0;
	f = strstr(buf, "flags:");
	return f ? (uint32_t)strtoul(f + 6, NULL, 8) & ~(uint32_t)0100000 : 0;
}

/* The process's open fds on watched files into h. */
static void cv_scan_fds(const char *proc, const char *pid, const struct cv_preopen_opts *o, struct cv_held *h)
{
	char dir[PATH_MAX], fdpath[PATH_MAX + 32], name[64], link[PATH_MAX];
	struct camvault_file_key key;
	struct camvault_rec *r;
	struct dirent *d;
	struct stat st;
	uint32_t kind;
	DIR *fds;

	if (snprintf(dir, sizeof(dir), "%s/%s/fd", proc, pid) >= (int)sizeof(dir))
		return;
	fds = opendir(dir);
	if (!fds)
		return;
	while ((d = readdir(fds))) {
		if (!cv_all_digits(d->d_name) || strlen(d->d_name) > 20)
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/%.20s", dir, d->d_name);
		/* stat() through the link: the file's st_dev, as set_watch keyed it (camvault_kdev). */
		if (stat(fdpath, &st) ||
		    !cv_preopen_match(o->keys, camvault_kdev(st.st_dev), st.st_ino, st.st_mode, camvault_kdev(st.st_rdev),
				      &key, &kind))
			continue;
		snprintf(name, sizeof(name), "fd/%.20s", d->d_name);
		if (!cv_proc_link(proc, pid, name, link, sizeof(link)))
			continue;
		r = cv_held_get(h, proc, pid, o->tier, &key, kind, link);
		if (r && !r->open_flags)
			r->open_flags = cv_fd_flags(proc, pid, d->d_name);
	}
	closedir(fds);
}

/*
 * The process's file mappings of watched files into h (mmaps 1). The maps' "MAJ:MIN" is the inode's
 * superblock's s_dev printed as MAJOR():MINOR() of the kernel's encoding: major << 20 | minor, the probes'
 * dev, not stat's st_dev. A device mapped is left out (maps shows its node's filesystem, not its rdev).
 */
static void cv_scan_maps(const char *proc, const char *pid, const struct cv_preopen_opts *o, struct cv_held *h)
{
	char path[PATH_MAX], range[80], file[PATH_MAX], *line = NULL;
	unsigned long long start, end, ino;
	struct camvault_file_key key;
	struct camvault_rec *r;
	unsigned int maj, mnr;
	size_t cap = 0;
	uint32_t kind;
	int off;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s/maps", proc, pid) >= (int)sizeof(path))
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		/* START-END PERMS OFFSET MAJ:MIN INODE   PATH */
		off = 0;
		if (sscanf(line, "%llx-%llx %*s %*x %x:%x %llu %n", &start, &end, &maj, &mnr, &ino, &off) < 5 ||
		    !ino || !off)
			continue;
		if (!cv_preopen_match(o->keys, (uint64_t)maj << 20 | mnr, ino, S_IFREG, 0, &key, &kind))
			continue;
		/* map_files gives the path raw; maps escapes a newline in it ("\012"). */
		snprintf(range, sizeof(range), "map_files/%llx-%llx", start, end);
		if (!cv_proc_link(proc, pid, range, file, sizeof(file))) {
			snprintf(file, sizeof(file), "%s", line + off);
			file[strcspn(file, "\n")] = '\0';
		}
		r = cv_held_get(h, proc, pid, o->tier, &key, kind, file);
		if (r)
			r->mmaps = 1;
	}
	free(line);
	fclose(f);
}

static bool cv_preopen_seen_by_probes(const struct cv_preopen_opts *o, const struct camvault_rec *r)
{
	size_t i;

	for (i = 0; i < o->nseen; i++)
		if (o->seen[i].pid == r->pid && o->seen[i].dev == r->dev && o->seen[i].ino == r->ino)
			return true;
	return false;
}

int cv_preopen_scan(const char *proc, const struct cv_preopen_opts *o, cv_preopen_cb cb, void *ctx)
{
	struct cv_held h = { 0 };
	struct dirent *d;
	int n = 0;
	size_t i;
	DIR *dir;

	dir = opendir(proc);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		if (!cv_all_digits(d->d_name))
			continue;
		h.n = 0;
		h.have_task = false;
		cv_scan_fds(proc, d->d_name, o, &h);
		cv_scan_maps(proc, d->d_name, o, &h);
		for (i = 0; i < h.n; i++) {
			if (cv_preopen_seen_by_probes(o, &h.recs[i]))
				continue;
			cb(&h.recs[i], ctx);
			n++;
		}
	}
	closedir(dir);
	free(h.recs);
	return n;
}

/* Appends to *arr (n elements of size) those of add not in have: a key set's difference. */
static int cv_keys_minus(void **arr, size_t *n, const void *add, size_t nadd, const void *have, size_t nhave,
			 size_t size)
{
	char *out = nadd ? malloc(nadd * size) : NULL;
	size_t i, j;

	*arr = out;
	*n = 0;
	if (nadd && !out)
		return -ENOMEM;
	for (i = 0; i < nadd; i++) {
		const char *k = (const char *)add + i * size;

		for (j = 0; j < nhave && memcmp(k, (const char *)have + j * size, size); j++)
			;
		if (j == nhave)
			memcpy(out + (*n)++ * size, k, size);
	}
	return 0;
}

int cv_preopen_keys_new(const struct cv_probes_keys *after, const struct cv_probes_keys *before,
			struct cv_probes_keys *out)
{
	int e;

	memset(out, 0, sizeof(*out));
	e = cv_keys_minus((void **)&out->files, &out->nfiles, after->files, after->nfiles, before->files,
			  before->nfiles, sizeof(*out->files));
	if (!e)
		e = cv_keys_minus((void **)&out->sbs, &out->nsbs, after->sbs, after->nsbs, before->sbs, before->nsbs,
				  sizeof(*out->sbs));
	if (!e)
		e = cv_keys_minus((void **)&out->majors, &out->nmajors, after->majors, after->nmajors, before->majors,
				  before->nmajors, sizeof(*out->majors));
	if (e)
		cv_probes_keys_free(out);
	return e;
}
