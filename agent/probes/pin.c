// SPDX-License-Identifier: GPL-2.0
/*
 * camvault agent, the eBPF probes' userspace half: pinning the probes on a bpffs. See probes.h.
 */
#define _GNU_SOURCE
#include "probes/internal.h"

/* ---- pinning: see cv_probes_opts.pin_dir ---- */

/*
 * A pinned set, in pin_dir (on a bpffs):
 *	meta		an array map of one struct cv_pin_meta: what the set is. Pinned last, so that a set
 *			without it is one whose pinning was cut short (a process killed while starting)
 *	maps/NAME	every map of the object, by name
 *	links/PROG	the link of every program attached, by the program's name: while they are pinned the
 *			probes stay attached, and their maps alive, with no process holding them
 * The process using a set holds an flock() on pin_dir, which goes with it even when it is killed: the
 * ring buffer has one reader, and a set is not replaced or removed under it.
 */
#define CV_PIN_VERSION 1	/* of this layout and of struct cv_pin_meta */
#define CV_PIN_META "meta"
#define CV_PIN_MAPS "maps"
#define CV_PIN_LINKS "links"
#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

struct cv_pin_meta {
	char magic[8];			/* "camvault", no NUL */
	uint32_t version;		/* CV_PIN_VERSION */
	uint32_t tier;
	uint64_t object_hash;		/* object_hash() of the object loaded */
	uint32_t rec_size;		/* sizeof(struct camvault_rec) */
	uint32_t ringbuf_bytes;
	uint32_t sessions_max;
	uint32_t record_or_deny;
	uint32_t nlinks;
	uint32_t pad;
	int64_t pinned_at;		/* CLOCK_REALTIME, seconds */
	char fallback[1024];		/* why better tiers were not taken */
};

const char *cv_probes_pin_dir(void)
{
	const char *env = getenv("CAMVAULT_BPFFS");

	return env && *env ? env : CV_PROBES_PIN_DIR;
}

/*
 * Which build of the probes a set comes from: FNV-1a of the tier's object as built into this program. Any
 * change to the programs or maps changes it, and pinned probes of another build are not reused.
 */
static uint64_t object_hash(int tier)
{
	const unsigned char *b;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t n;

	b = tier == CAMVAULT_TIER_SYSCALL_TP ? access_bpf__elf_bytes(&n) : hooks_bpf__elf_bytes(&n);
	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

/*
 * dir/sub/name (dir/name without sub) into buf: 0, or -ENAMETOOLONG. bpffs refuses dots in names (EPERM:
 * kept for its own files), which internal maps have ("hooks_bp.rodata"): '_' instead, as libbpf does.
 */
static int pin_path(char *buf, size_t len, const char *dir, const char *sub, const char *name)
{
	int n = sub ? snprintf(buf, len, "%s/%s/", dir, sub) : snprintf(buf, len, "%s/", dir);

	if (n < 0 || (size_t)n >= len || strlen(name) >= len - n)
		return -ENAMETOOLONG;
	for (char *c = strcpy(buf + n, name); *c; c++)
		if (*c == '.')
			*c = '_';
	return 0;
}

/* The fd of what is pinned at dir/sub/name, or a negative errno. */
static int pin_get(const char *dir, const char *sub, const char *name)
{
	char path[PATH_MAX];
	int e = pin_path(path, sizeof(path), dir, sub, name);

	return e ? e : bpf_obj_get(path);
}

/*
 * Go over the entries of dir/sub: count them, or (unpin) unlink each, then remove dir/sub. How many there
 * were (0 when dir/sub does not exist), or the first negative errno.
 */
static int pin_walk(const char *dir, const char *sub, bool unpin)
{
	char path[PATH_MAX];
	struct dirent *d;
	int n = 0, e = 0;
	DIR *dh;

	if (pin_path(path, sizeof(path), dir, NULL, sub))
		return -ENAMETOOLONG;
	dh = opendir(path);
	if (!dh)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dh))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		n++;
		if (unpin && unlinkat(dirfd(dh), d->d_name, 0) != 0 && !e)
			e = -errno;
	}
	closedir(dh);
	if (unpin && rmdir(path) != 0 && !e)
		e = -errno;
	return e ? e : n;
}

static int pin_count(const char *dir, const char *sub)
{
	return pin_walk(dir, sub, false);
}

/* Who holds the flock on dir (the process using the set pinned there), from /proc/locks: a pid, or 0. */
static int pin_holder(const char *dir)
{
	char line[256], kind[16];
	unsigned int maj, mnr;
	unsigned long ino;
	struct stat st;
	int pid = 0, who;
	FILE *f;

	if (stat(dir, &st) != 0)
		return 0;
	f = fopen("/proc/locks", "re");
	if (!f)
		return 0;
	while (!pid && fgets(line, sizeof(line), f)) {
		/* "3: FLOCK  ADVISORY  WRITE 1234 00:28:145026 0 EOF"; a waiter's has "->" before FLOCK. */
		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%lu", kind, &who, &maj, &mnr, &ino) == 5 &&
		    !strcmp(kind, "FLOCK") && maj == major(st.st_dev) && mnr == minor(st.st_dev) && ino == st.st_ino)
			pid = who;
	}
	fclose(f);
	return pid;
}

/*
 * Whether the directory dir goes in is on a bpffs (pins can only go there); if not and it is /sys/fs/bpf,
 * one is mounted there when mount_it (as systemd does). 0, or a negative errno and err saying what to do.
 */
static int pin_fs(const char *dir, bool mount_it, char *err, size_t errlen)
{
	char parent[PATH_MAX];
	struct statfs sf;
	char *slash;
	int e;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (!slash)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (statfs(parent, &sf) != 0) {
		e = -errno;
		set_err(err, errlen, "%s: %s: the pinned probes' directory must be on a bpffs", parent, strerror(-e));
		return e;
	}
	if ((uint32_t)sf.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount_it && !strcmp(parent, "/sys/fs/bpf") && mount("bpf", parent, "bpf", 0, "mode=0700") == 0)
		return 0;
	set_err(err, errlen, "%s is not a bpffs: mount one (mount -t bpf bpf /sys/fs/bpf), or set $CAMVAULT_BPFFS to "
		"a directory on one", parent);
	return -ENOENT;
}

/*
 * dir, made if missing, open and flock()ed for this process: its fd, or a negative errno (-EBUSY: another
 * process uses the set pinned there) and err saying why.
 */
static int pin_lock(const char *dir, char *err, size_t errlen)
{
	for (int tries = 0; tries < 3; tries++) {
		struct stat a, b;
		int fd, e;

		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			e = -errno;
			set_err(err, errlen, "cannot make %s: %s: %s", dir, errno_name(e), errno_hint(e));
			return e;
		}
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0) {
			e = -errno;
			set_err(err, errlen, "cannot open %s: %s: %s", dir, errno_name(e), errno_hint(e));
			return e;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			int pid;

			e = errno == EWOULDBLOCK ? -EBUSY : -errno;
			close(fd);
			pid = pin_holder(dir);
			if (e == -EBUSY && pid)
				set_err(err, errlen, "the probes pinned in %s are in use by pid %d (the agent, or "
					"camvault trace --pin): stop it first", dir, pid);
			else if (e == -EBUSY)
				set_err(err, errlen, "the probes pinned in %s are in use by another process (the "
					"agent, or camvault trace --pin): stop it first", dir);
			else
				set_err(err, errlen, "cannot lock %s: %s", dir, errno_name(e));
			return e;
		}
		/* Removed (cv_probes_unpin) between mkdir and flock: a lock on nothing. Again. */
		if (fstat(fd, &a) == 0 && stat(dir, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return fd;
		close(fd);
	}
	set_err(err, errlen, "%s keeps being removed under us: is another camvault unpinning?", dir);
	return -EAGAIN;
}

/* Unpin every entry of dir/sub, then remove dir/sub: 0, or the first negative errno. */
static int unpin_sub(const char *dir, const char *sub)
{
	int e = pin_walk(dir, sub, true);

	return e < 0 ? e : 0;
}

/* Unpin the set in dir: its links first (the probes detach, unless a process holds them), its maps, its meta. */
int probes_unpin_all(const char *dir)
{
	char path[PATH_MAX];
	int e = unpin_sub(dir, CV_PIN_LINKS), r = unpin_sub(dir, CV_PIN_MAPS);

	if (!e)
		e = r;
	r = pin_path(path, sizeof(path), dir, NULL, CV_PIN_META);
	if (!r && unlink(path) != 0 && errno != ENOENT)
		r = -errno;
	return e ? e : r;
}

/* The meta of the set in dir: 0; -ENOENT: none; -EPROTO: not of this layout (another version of camvault). */
static int pin_meta_read(const char *dir, struct cv_pin_meta *meta)
{
	struct bpf_map_info info;
	const uint32_t zero = 0;
	int fd = pin_get(dir, NULL, CV_PIN_META), e;

	if (fd < 0)
		return fd;
	e = probes_map_info(fd, &info);
	if (!e && (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(zero) ||
		   info.value_size != sizeof(*meta) || info.max_entries != 1))
		e = -EPROTO;
	if (!e)
		e = bpf_map_lookup_elem(fd, &zero, meta);
	close(fd);
	if (!e && (memcmp(meta->magic, "camvault", sizeof(meta->magic)) || meta->version != CV_PIN_VERSION))
		e = -EPROTO;
	return e;
}

/* "2026-11-25T15:04:05Z" */
static void utc_format(int64_t secs, char *buf, size_t len)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", (long long)secs);
}

/* Pin what try_tier loaded and attached in p->pin_dir (locked, and empty), the meta last. */
int probes_pin_all(struct cv_probes *p, const struct cv_probes_opts *o, char *err, size_t errlen)
{
	struct cv_pin_meta meta = { 0 };
	const uint32_t zero = 0;
	char path[PATH_MAX];
	struct bpf_map *map;
	int fd, e = 0;

	if (mkdirat(p->pin_dfd, CV_PIN_MAPS, 0700) != 0 || mkdirat(p->pin_dfd, CV_PIN_LINKS, 0700) != 0) {
		e = -errno;
		set_err(err, errlen, "cannot make %s/%s and %s/%s: %s", p->pin_dir, CV_PIN_MAPS, p->pin_dir,
			CV_PIN_LINKS, errno_name(e));
		return e;
	}
	bpf_object__for_each_map(map, p->obj) {
		e = pin_path(path, sizeof(path), p->pin_dir, CV_PIN_MAPS, bpf_map__name(map));
		if (!e)
			e = bpf_obj_pin(bpf_map__fd(map), path);
		if (e) {
			set_err(err, errlen, "pinning map %s in %s failed: %s", bpf_map__name(map), p->pin_dir,
				errno_name(e));
			return e;
		}
	}
	for (int i = 0; i < p->nlinks; i++) {
		e = pin_path(path, sizeof(path), p->pin_dir, CV_PIN_LINKS, p->link_names[i]);
		if (!e)
			e = bpf_obj_pin(bpf_link__fd(p->links[i]), path);
		if (e) {
			/* Tracepoints and kprobes are links (BPF_LINK_TYPE_PERF_EVENT) from 5.15 on. */
			set_err(err, errlen, "pinning the link of %s in %s failed: %s%s", p->link_names[i], p->pin_dir,
				errno_name(e), e == -EINVAL ? ": pinning probes needs Linux 5.15 or later" : "");
			return e;
		}
	}
	memcpy(meta.magic, "camvault", sizeof(meta.magic));
	meta.version = CV_PIN_VERSION;
	meta.tier = p->tier;
	meta.object_hash = object_hash(p->tier);
	meta.rec_size = sizeof(struct camvault_rec);
	meta.ringbuf_bytes = o->ringbuf_bytes;
	meta.sessions_max = o->sessions_max;
	meta.record_or_deny = o->record_or_deny;
	meta.nlinks = p->nlinks;
	meta.pinned_at = time(NULL);
	snprintf(meta.fallback, sizeof(meta.fallback), "%s", p->fallback);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "cv_pin_meta", sizeof(zero), sizeof(meta), 1, NULL);
	e = fd < 0 ? fd : bpf_map_update_elem(fd, &zero, &meta, BPF_ANY);
	if (!e)
		e = pin_path(path, sizeof(path), p->pin_dir, NULL, CV_PIN_META);
	if (!e)
		e = bpf_obj_pin(fd, path);
	if (fd >= 0)
		close(fd);
	if (e) {
		set_err(err, errlen, "pinning %s/%s failed: %s", p->pin_dir, CV_PIN_META, errno_name(e));
		return e;
	}
	p->links_pinned = true;
	return 0;
}

/*
 * Use the set pinned in p->pin_dir as it is: nothing loaded; its maps by path, each checked against this
 * build's object (type, key and value sizes, entries), its links left where they are. 0; -ESTALE when a
 * map or link is missing or a map differs (err says which); another negative errno.
 */
static int pin_reuse(struct cv_probes *p, const struct cv_pin_meta *meta, char *err, size_t errlen)
{
	struct access_bpf *tp = NULL;
	struct hooks_bpf *hooks = NULL;
	struct bpf_object *obj;
	struct bpf_map *map;
	int e = 0, n;

	/* Opened only (nothing goes to the kernel): what the maps must look like. */
	if (meta->tier == CAMVAULT_TIER_SYSCALL_TP) {
		tp = access_bpf__open();
		obj = tp ? tp->obj : NULL;
	} else {
		hooks = hooks_bpf__open();
		obj = hooks ? hooks->obj : NULL;
	}
	if (!obj) {
		e = -errno;
		set_err(err, errlen, "opening the BPF object failed: %s", errno_name(e));
		return e;
	}
	probes_no_maps(&p->m);
	p->own_fds = true;
	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		uint32_t entries = !strcmp(name, "records") ? meta->ringbuf_bytes :
				   !strcmp(name, "sessions") ? meta->sessions_max : bpf_map__max_entries(map);
		struct bpf_map_info info;
		int fd = pin_get(p->pin_dir, CV_PIN_MAPS, name), *slot;

		if (fd < 0) {
			set_err(err, errlen, "their map %s: %s", name, errno_name(fd));
			e = fd == -ENOENT ? -ESTALE : fd;
			break;
		}
		e = probes_map_info(fd, &info);
		if (!e && (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
			   info.value_size != bpf_map__value_size(map) || info.max_entries != entries)) {
			set_err(err, errlen, "their map %s is not this build's", name);
			e = -ESTALE;
		} else if (e) {
			set_err(err, errlen, "their map %s: %s", name, errno_name(e));
		}
		slot = probes_map_slot(&p->m, name);
		if (!e && slot)
			*slot = fd;
		else
			close(fd);
		if (!e && !strcmp(name, "sessions"))
			p->sessions_vsize = info.value_size;
		if (e)
			break;
	}
	access_bpf__destroy(tp);
	hooks_bpf__destroy(hooks);
	n = e ? 0 : pin_count(p->pin_dir, CV_PIN_LINKS);
	if (!e && n != (int)meta->nlinks) {
		set_err(err, errlen, "%d of their %u links are pinned", n < 0 ? 0 : n, meta->nlinks);
		e = -ESTALE;
	}
	if (!e && p->m.records < 0) {
		set_err(err, errlen, "they have no ring buffer");
		e = -ESTALE;
	}
	if (!e) {
		p->rb = ring_buffer__new(p->m.records, probes_on_record, p, NULL);
		if (!p->rb) {
			e = -errno;
			set_err(err, errlen, "reading their ring buffer failed: %s: %s", errno_name(e), errno_hint(e));
		}
	}
	if (e) {
		probes_close_maps(p);
		return e;
	}
	p->tier = meta->tier;
	snprintf(p->fallback, sizeof(p->fallback), "%.*s", (int)sizeof(meta->fallback) - 1, meta->fallback);
	return 0;
}

/*
 * Lock p->pin_dir (made if missing), then: reuse the set pinned there if it is this build's and fits what
 * was asked (0); or clear the way for new probes (1: nothing there, or a set of another build or half
 * pinned, removed); or fail (a negative errno, err says why). p->pin_note says what was found and done.
 * asked: the caller's options (sizes asked for explicitly), want: the tier asked for, or 0.
 */
int probes_pin_open(struct cv_probes *p, const struct cv_probes_opts *asked, const struct cv_probes_opts *o,
		    int want, char *err, size_t errlen)
{
	struct cv_pin_meta meta;
	char why[512] = "", when[32];
	const char *dir = p->pin_dir;
	int e, maps, links;

	e = pin_fs(dir, true, err, errlen);
	if (e)
		return e;
	e = pin_lock(dir, err, errlen);
	if (e < 0)
		return e;
	p->pin_dfd = e;
	e = pin_meta_read(dir, &meta);
	if (e == -ENOENT) {
		maps = pin_count(dir, CV_PIN_MAPS);
		links = pin_count(dir, CV_PIN_LINKS);
		if (maps == 0 && links == 0) {
			snprintf(p->pin_note, sizeof(p->pin_note), "pinned in %s", dir);
			return 1;
		}
		snprintf(why, sizeof(why), "they were pinned only in part, by a start cut short");
	} else if (e == -EPROTO) {
		snprintf(why, sizeof(why), "they come from another version of camvault");
	} else if (e) {
		set_err(err, errlen, "reading %s/%s failed: %s: %s", dir, CV_PIN_META, errno_name(e), errno_hint(e));
		return e;
	} else if (meta.rec_size != sizeof(struct camvault_rec) || meta.tier < CAMVAULT_TIER_LSM ||
		   meta.tier > CAMVAULT_TIER_SYSCALL_TP || meta.object_hash != object_hash(meta.tier)) {
		snprintf(why, sizeof(why), "they come from another build of the probes");
	} else if (want && want != (int)meta.tier) {
		set_err(err, errlen, "the probes pinned in %s run at the %s tier, not %s: ask for no tier to use them, "
			"or detach them first (camvault trace --unpin)", dir, cv_probes_tier_name(meta.tier),
			cv_probes_tier_name(want));
		return -EEXIST;
	} else if (!o->record_or_deny != !meta.record_or_deny) {
		set_err(err, errlen, "the probes pinned in %s %s record-or-deny: %s, or detach them first (camvault "
			"trace --unpin)", dir, meta.record_or_deny ? "enforce" : "do not enforce",
			meta.record_or_deny ? "ask for it too" : "do without it");
		return -EEXIST;
	} else if ((asked && asked->ringbuf_bytes && asked->ringbuf_bytes != meta.ringbuf_bytes) ||
		   (asked && asked->sessions_max && asked->sessions_max != meta.sessions_max)) {
		set_err(err, errlen, "the probes pinned in %s have a %u-byte ring buffer and a table of %u sessions, "
			"not what was asked: detach them first (camvault trace --unpin)", dir, meta.ringbuf_bytes,
			meta.sessions_max);
		return -EEXIST;
	} else {
		e = pin_reuse(p, &meta, why, sizeof(why));
		if (!e) {
			utc_format(meta.pinned_at, when, sizeof(when));
			snprintf(p->pin_note, sizeof(p->pin_note), "reusing the probes pinned in %s since %s: their "
				 "records from where the last reader stopped", dir, when);
			return 0;
		}
		if (e != -ESTALE) {
			set_err(err, errlen, "reusing the probes pinned in %s failed: %s", dir, why);
			return e;
		}
	}
	e = probes_unpin_all(dir);
	if (e) {
		set_err(err, errlen, "removing the probes pinned in %s failed: %s (%s)", dir, errno_name(e), why);
		return e;
	}
	snprintf(p->pin_note, sizeof(p->pin_note), "replaced the probes pinned in %s: %s (the records they held "
		 "unread are lost)", dir, why);
	return 1;
}

const char *cv_probes_pin_note(const struct cv_probes *p)
{
	return p->pin_note;
}

int cv_probes_unpin(const char *pin_dir, char *err, size_t errlen)
{
	struct stat st;
	int fd, e;

	if (stat(pin_dir, &st) != 0) {
		e = -errno;
		if (e == -ENOENT)
			set_err(err, errlen, "no probes pinned in %s", pin_dir);
		else
			set_err(err, errlen, "%s: %s: %s", pin_dir, errno_name(e), errno_hint(e));
		return e;
	}
	fd = pin_lock(pin_dir, err, errlen);
	if (fd < 0)
		return fd;
	e = probes_unpin_all(pin_dir);
	if (!e && rmdir(pin_dir) != 0)
		e = -errno;
	close(fd);
	if (e == -ENOTEMPTY)
		set_err(err, errlen, "%s holds more than camvault's probes: remove the rest by hand", pin_dir);
	else if (e)
		set_err(err, errlen, "removing the probes pinned in %s failed: %s: %s", pin_dir, errno_name(e),
			errno_hint(e));
	return e;
}

/* Bytes written to the ring buffer (fd) and not read yet: its producer position less its consumer's. */
static int ringbuf_waiting(int fd, uint64_t *waiting)
{
	long page = sysconf(_SC_PAGESIZE);
	void *cons, *prod;

	cons = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	if (cons == MAP_FAILED)
		return -errno;
	prod = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, page);
	if (prod == MAP_FAILED) {
		munmap(cons, page);
		return -errno;
	}
	*waiting = __atomic_load_n((uint64_t *)prod, __ATOMIC_ACQUIRE) - __atomic_load_n((uint64_t *)cons,
											__ATOMIC_ACQUIRE);
	munmap(prod, page);
	munmap(cons, page);
	return 0;
}

int cv_probes_pinned_info(const char *pin_dir, struct cv_probes_pinned *info, char *err, size_t errlen)
{
	struct cv_pin_meta meta;
	struct cv_probe_maps m;
	uint64_t key, next;
	struct stat st;
	int e;

	memset(info, 0, sizeof(*info));
	if (stat(pin_dir, &st) != 0) {
		e = -errno;
		if (e == -ENOENT && pin_fs(pin_dir, false, err, errlen) == 0)
			set_err(err, errlen, "nothing pinned in %s", pin_dir);
		else if (e != -ENOENT)
			set_err(err, errlen, "%s: %s: %s", pin_dir, errno_name(e), errno_hint(e));
		return e;
	}
	info->reader = pin_holder(pin_dir);
	e = pin_meta_read(pin_dir, &meta);
	if (e == -ENOENT && !info->reader && pin_count(pin_dir, CV_PIN_MAPS) <= 0 &&
	    pin_count(pin_dir, CV_PIN_LINKS) <= 0) {
		set_err(err, errlen, "nothing pinned in %s", pin_dir);
		return -ENOENT;
	}
	if (e == -ENOENT) {
		if (info->reader)
			set_err(err, errlen, "pid %d is loading probes to pin in %s", info->reader, pin_dir);
		else
			set_err(err, errlen, "%s holds probes pinned only in part (a start cut short): the next "
				"camvault trace --pin replaces them", pin_dir);
		return -EAGAIN;
	}
	if (e == -EPROTO) {
		set_err(err, errlen, "%s holds probes of another version of camvault: camvault trace --unpin removes "
			"them", pin_dir);
		return e;
	}
	if (e) {
		set_err(err, errlen, "reading %s/%s failed: %s: %s", pin_dir, CV_PIN_META, errno_name(e),
			errno_hint(e));
		return e;
	}
	info->tier = meta.tier;
	info->record_or_deny = meta.record_or_deny;
	info->other_build = meta.tier < CAMVAULT_TIER_LSM || meta.tier > CAMVAULT_TIER_SYSCALL_TP ||
			    meta.object_hash != object_hash(meta.tier);
	info->since = meta.pinned_at;
	info->ringbuf_bytes = meta.ringbuf_bytes;
	info->sessions_max = meta.sessions_max;
	e = pin_count(pin_dir, CV_PIN_LINKS);
	info->links = e > 0 ? e : 0;

	probes_no_maps(&m);
#define CV_MAP_GET(name) m.name = pin_get(pin_dir, CV_PIN_MAPS, #name);
	CV_MAP_NAMES(CV_MAP_GET)
#undef CV_MAP_GET
	e = m.lost < 0 ? m.lost : m.lost_sessions < 0 ? m.lost_sessions : m.sessions < 0 ? m.sessions :
	    m.records < 0 ? m.records : 0;
	if (!e)
		e = probes_lost_counts(&m, &info->loss);
	for (int r = e ? 1 : bpf_map_get_next_key(m.sessions, NULL, &next); r == 0;
	     r = bpf_map_get_next_key(m.sessions, &key, &next)) {
		key = next;
		info->sessions++;
	}
	if (!e)
		e = ringbuf_waiting(m.records, &info->waiting);
	if (e)
		set_err(err, errlen, "reading the probes' maps in %s/%s failed: %s: %s", pin_dir, CV_PIN_MAPS,
			errno_name(e), errno_hint(e));
#define CV_MAP_PUT(name) if (m.name >= 0) close(m.name);
	CV_MAP_NAMES(CV_MAP_PUT)
#undef CV_MAP_PUT
	return e;
}
