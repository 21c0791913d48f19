// SPDX-License-Identifier: GPL-2.0
/*
 * camvault agent: the userspace half of the eBPF access probes: opening them (the tier in tier.c, its programs
 * in progs.c, pinning in pin.c), what they watch, reading their records. See probes.h.
 */
#define _GNU_SOURCE
#include "probes/internal.h"
#include "util/mountinfo.h"

static int check_ringbuf_bytes(uint32_t bytes, char *err, size_t errlen)
{
	long page = sysconf(_SC_PAGESIZE);

	if ((bytes & (bytes - 1)) != 0 || page <= 0 || bytes % (uint32_t)page != 0) {
		set_err(err, errlen, "ring buffer size %u: must be a power of 2 and a multiple of the page size (%ld)",
			bytes, page);
		return -EINVAL;
	}
	return 0;
}

/* A record shorter than ours comes from probes of another version: skipped, never read past its end. */
int probes_on_record(void *ctx, void *data, size_t size)
{
	struct cv_probes *p = ctx;

	if (size >= sizeof(struct camvault_rec) && p->cb)
		p->cb(data, p->cb_ctx);
	return 0;
}

/* Close the maps reused from pins (the loaded object's go with it). */
void probes_ring_unmap(struct cv_probes *p)
{
	long page = sysconf(_SC_PAGESIZE);

	if (p->rb_cons)
		munmap(p->rb_cons, (size_t)page);
	if (p->rb_prod)
		munmap(p->rb_prod, (size_t)page + 2 * p->rb_size);
	p->rb_cons = NULL;
	p->rb_prod = NULL;
	p->rb_size = 0;
}

/* Maps the ring buffer as the kernel lays it out: the data pages twice, so that a record never wraps. */
static int ring_map(struct cv_probes *p)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	void *cons, *prod;

	if (p->rb_cons)
		return 0;
	if (bpf_obj_get_info_by_fd(p->m.records, &info, &len))
		return -errno;
	cons = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, p->m.records, 0);
	if (cons == MAP_FAILED)
		return -errno;
	prod = mmap(NULL, (size_t)page + 2 * (size_t)info.max_entries, PROT_READ, MAP_SHARED, p->m.records, page);
	if (prod == MAP_FAILED) {
		int e = -errno;

		munmap(cons, (size_t)page);
		return e;
	}
	p->rb_cons = cons;
	p->rb_prod = prod;
	p->rb_size = info.max_entries;
	return 0;
}

static struct cv_probes *probes_open(const struct cv_probes_opts *opts, char *err, size_t errlen)
{
	struct cv_probes_opts o = opts ? *opts : (struct cv_probes_opts){ 0 };
	char why[sizeof(((struct cv_probes *)0)->fallback)], one[512];
	struct cv_probes *p;
	int e, want, tier;

	if (!o.ringbuf_bytes)
		o.ringbuf_bytes = CV_PROBES_RINGBUF_DEFAULT;
	if (!o.sessions_max)
		o.sessions_max = CV_PROBES_SESSIONS_DEFAULT;
	e = check_ringbuf_bytes(o.ringbuf_bytes, err, errlen);
	if (e)
		goto fail;
	if (o.btf_path && access(o.btf_path, R_OK) != 0) {
		e = -errno;
		set_err(err, errlen, "kernel BTF file %s: %s: give the BTF of the running kernel", o.btf_path,
			strerror(-e));
		goto fail;
	}
	want = probes_wanted_tier(&o, err, errlen);
	if (want < 0 || want > CAMVAULT_TIER_SYSCALL_TP) {
		e = -EINVAL;
		if (want > 0)
			set_err(err, errlen, "tier %d: no such tier", want);
		goto fail;
	}
	if (o.record_or_deny && want && want != CAMVAULT_TIER_LSM) {
		e = -EINVAL;
		set_err(err, errlen, "record-or-deny needs the lsm tier, not %s", cv_probes_tier_name(want));
		goto fail;
	}

	p = calloc(1, sizeof(*p));
	if (!p) {
		e = -ENOMEM;
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	p->pin_dfd = -1;
	probes_no_maps(&p->m);
	libbpf_set_print(probes_libbpf_print);
	if (o.pin_dir) {
		if (snprintf(p->pin_dir, sizeof(p->pin_dir), "%s", o.pin_dir) >= (int)sizeof(p->pin_dir)) {
			e = -ENAMETOOLONG;
			set_err(err, errlen, "pin directory %s: too long", o.pin_dir);
			goto fail_free;
		}
		e = probes_pin_open(p, opts, &o, want, err, errlen);
		if (e < 0)
			goto fail_free;
		if (e == 0) {
			probes_shed_object(p);
			set_err(err, errlen, "ok");
			return p;
		}
	}
	why[0] = '\0';
	for (tier = want ? want : CAMVAULT_TIER_LSM; tier <= (want ? want : CAMVAULT_TIER_SYSCALL_TP); tier++) {
		if (o.record_or_deny && tier != CAMVAULT_TIER_LSM)
			break;
		one[0] = '\0';
		cv_libbpf_quiet = !want && tier != CAMVAULT_TIER_SYSCALL_TP;
		e = probes_try_tier(p, tier, &o, one, sizeof(one));
		cv_libbpf_quiet = false;
		if (!e)
			break;
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s: %s", why[0] ? "; " : "",
			 cv_probes_tier_name(tier), one);
	}
	if (!p->tier) {
		if (want)
			set_err(err, errlen, "%s", one);
		else if (o.record_or_deny)
			set_err(err, errlen, "record-or-deny needs the lsm tier: %s", why);
		else
			set_err(err, errlen, "no tier of the probes works here: %s", why);
		e = e ? e : -ENOENT;
		goto fail_free;
	}
	memcpy(p->fallback, why, sizeof(why));
	if (o.pin_dir) {
		e = probes_pin_all(p, &o, err, errlen);
		if (e) {
			/* Half a set would be taken for one cut short: none at all. */
			probes_unpin_all(p->pin_dir);
			probes_unload(p);
			goto fail_free;
		}
	}
	probes_shed_object(p);
	set_err(err, errlen, "ok");
	return p;

fail_free:
	if (p->pin_dfd >= 0) {
		/* Nothing pinned: the directory made for it goes too (not when it holds anything). */
		rmdir(p->pin_dir);
		close(p->pin_dfd);
	}
	free(p);
fail:
	errno = -e;
	return NULL;
}

struct cv_probes_load {
	const struct cv_probes_opts *opts;
	char *err;
	size_t errlen;
	struct cv_probes *p;
	int errnum;		/* errno, when p is NULL */
};

static void *probes_load(void *arg)
{
	struct cv_probes_load *l = arg;

	l->p = probes_open(l->opts, l->err, l->errlen);
	l->errnum = errno;
	return NULL;
}

/*
 * Loading parses the kernel's BTF (megabytes), all of it freed by the end; malloc_trim() then gives the pages
 * back, the agent runs for months. It cannot give back those of the chunks glibc's per-thread cache keeps
 * (up to 7 freed chunks of each size up to 1 KiB, in use as far as the heap knows): after libbpf, some 110
 * KiB of them scattered over 230 KiB of pages. So the load runs in a thread of its own, whose cache goes back
 * to the heap when it ends. One malloc arena for the process (the agent's few threads mostly sleep): a thread
 * would otherwise get an arena of its own, whose top malloc_trim() does not shrink. The thread has the
 * caller's signal mask; the caller waits for it.
 */
struct cv_probes *cv_probes_open_opts(const struct cv_probes_opts *opts, char *err, size_t errlen)
{
	struct cv_probes_load l = { .opts = opts, .err = err, .errlen = errlen };
	pthread_t t;

	mallopt(M_ARENA_MAX, 1);
	if (pthread_create(&t, NULL, probes_load, &l) == 0)
		pthread_join(t, NULL);
	else
		probes_load(&l);
	malloc_trim(0);
	if (!l.p)
		errno = l.errnum;
	return l.p;
}

struct cv_probes *cv_probes_open(const char *btf_path, char *err, size_t errlen)
{
	struct cv_probes_opts opts = { .btf_path = btf_path };

	return cv_probes_open_opts(&opts, err, errlen);
}

/* Add (watch) or remove key: 0, or a negative errno (-ENOENT: not there to remove). */
static int map_set(int fd, const void *key, const void *val, bool watch)
{
	if (fd < 0)
		return -EOPNOTSUPP;
	if (watch)
		return bpf_map_update_elem(fd, key, val, BPF_ANY);
	return bpf_map_delete_elem(fd, key);
}

static void filter_set(__u64 *words, uint64_t dev)
{
	uint32_t bit = camvault_dev_bit(dev);

	words[bit / 64] |= 1ULL << (bit % 64);
}

/*
 * Make "watch_filter" again from what "watched", "watched_sb" and "watched_major" hold: after every
 * change to them, so that a watch added is in the filter once it is in its map, and one removed leaves
 * it (see struct camvault_watch_filter). Those maps are small: a few vaults, files and majors.
 */
static int filter_rebuild(struct cv_probes *p)
{
	struct camvault_watch_filter f;
	struct camvault_file_key fk, fnext;
	uint64_t dev, dnext;
	uint32_t major, mnext;
	const uint32_t zero = 0;
	int e;

	if (p->m.watch_filter < 0 || p->m.watched < 0 || p->m.watched_sb < 0 || p->m.watched_major < 0)
		return -EOPNOTSUPP;
	memset(&f, 0, sizeof(f));
	for (e = bpf_map_get_next_key(p->m.watched, NULL, &fnext); !e;
	     e = bpf_map_get_next_key(p->m.watched, &fk, &fnext)) {
		fk = fnext;
		filter_set(f.devs, fk.dev);
	}
	if (e != -ENOENT)
		return e;
	for (e = bpf_map_get_next_key(p->m.watched_sb, NULL, &dnext); !e;
	     e = bpf_map_get_next_key(p->m.watched_sb, &dev, &dnext)) {
		dev = dnext;
		filter_set(f.devs, dev);
	}
	if (e != -ENOENT)
		return e;
	for (e = bpf_map_get_next_key(p->m.watched_major, NULL, &mnext); !e;
	     e = bpf_map_get_next_key(p->m.watched_major, &major, &mnext)) {
		major = mnext;
		filter_set(f.majors, major);
	}
	if (e != -ENOENT)
		return e;
	return bpf_map_update_elem(p->m.watch_filter, &zero, &f, BPF_ANY);
}

/* The result e of a change to the watches, after the filter follows it. */
static int filter_follow(struct cv_probes *p, int e)
{
	int r = filter_rebuild(p);

	return e ? e : r;
}

/* path (with its NUL when exact, else a prefix: a directory and its "/") into key; -ENAMETOOLONG. */
static int path_key(struct camvault_path_key *key, const char *path, bool exact)
{
	size_t len = strlen(path);

	memset(key, 0, sizeof(*key));
	if (len + 1 > sizeof(key->path))
		return -ENAMETOOLONG;
	memcpy(key->path, path, len);
	if (exact) {
		len++;		/* the NUL */
	} else if (len == 0 || path[len - 1] != '/') {
		if (len + 2 > sizeof(key->path))
			return -ENAMETOOLONG;
		key->path[len++] = '/';
	}
	key->prefixlen = (uint32_t)(len * 8);
	return 0;
}

/*
 * Add or remove, in watched_path, the mountpoints of the filesystem st_dev as /proc/self/mountinfo
 * lists them. 0, or a negative errno (the first failure; the others are still tried).
 */
static int set_mountpoints(struct cv_probes *p, dev_t st_dev, bool watch)
{
	const struct camvault_file_key val = { .dev = camvault_kdev(st_dev) };
	char line[2 * PATH_MAX], mp[PATH_MAX];
	unsigned int maj, mnr;
	int e = 0, found = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct camvault_path_key key;
		int r;

		/* id parent major:minor root mountpoint ... */
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &mnr, mp) != 3 ||
		    maj != major(st_dev) || mnr != minor(st_dev))
			continue;
		cv_mountinfo_unescape(mp);
		found++;
		r = path_key(&key, mp, false);
		if (!r)
			r = map_set(p->m.watched_path, &key, &val, watch);
		if (r == -ENOENT && !watch)
			r = 0;	/* already gone (mounted again since?) */
		if (r && !e)
			e = r;
	}
	fclose(f);
	return e ? e : found ? 0 : -ENOENT;
}

/*
 * On overlayfs, the file in each of its layers too: read by its layer's path (the lower layer of Raspberry
 * Pi OS's read-only root is mounted at /media/root-ro), it is another file to the kernel. Best effort: a
 * layer that cannot be watched leaves the overlay's own door watched.
 */
static void set_layer_watches(struct cv_probes *p, const char *path, bool watch)
{
	char layers[4][PATH_MAX];
	struct camvault_file_key key = { 0 };
	const uint8_t one = 1;
	struct stat st;
	int i, n = cv_mountinfo_overlay_layers(path, layers, 4);

	for (i = 0; i < n; i++) {
		if (stat(layers[i], &st))
			continue;
		key.dev = camvault_kdev(st.st_dev);
		key.ino = st.st_ino;
		map_set(p->m.watched, &key, &one, watch);
	}
}

/*
 * Add (watch) or remove the key of path: for a file its {dev, ino} in "watched" and its real path in
 * "watched_path"; for a device {rdev, 0}; for a filesystem (fs) its dev in "watched_sb" and its
 * mountpoints in "watched_path".
 */
static int set_watch(struct cv_probes *p, const char *path, bool fs, bool watch)
{
	struct camvault_file_key key, sb_key = { 0 };
	struct camvault_path_key pkey;
	uint64_t sb_dev, sb_ino;
	const uint8_t one = 1;
	char real[PATH_MAX];
	struct stat st;
	int e;

	if (stat(path, &st) != 0)
		return -errno;
	memset(&key, 0, sizeof(key));
	if (fs) {
		key.dev = camvault_kdev(st.st_dev);
		e = map_set(p->m.watched_sb, &key.dev, &one, watch);
		if (e)
			return e;
		e = set_mountpoints(p, st.st_dev, watch);
		if (e && watch) {
			map_set(p->m.watched_sb, &key.dev, NULL, false);
			set_mountpoints(p, st.st_dev, false);
		}
		return watch ? e : 0;
	}
	if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) {
		key.dev = camvault_kdev(st.st_rdev);
		return map_set(p->m.watched, &key, &one, watch);
	}
	key.dev = camvault_kdev(st.st_dev);
	key.ino = st.st_ino;
	e = map_set(p->m.watched, &key, &one, watch);
	if (e)
		return e;
	/*
	 * And as the kernel sees it through its mount, when that differs: on overlayfs without xino, stat()
	 * says the file's layer (which a read of the layer's own path, or a mapping, carries), while a struct
	 * file opened through the overlay carries the overlay's superblock. Both are this file.
	 */
	if (!cv_mountinfo_sb("/proc/self/mountinfo", path, &sb_dev, &sb_ino) &&
	    (sb_dev != key.dev || sb_ino != key.ino)) {
		sb_key.dev = sb_dev;
		sb_key.ino = sb_ino;
		e = map_set(p->m.watched, &sb_key, &one, watch);
		if (e && watch) {
			map_set(p->m.watched, &key, NULL, false);
			return e;
		}
	}
	/* The path too, when it fits: unlink and rename by path are seen only through it. */
	if (realpath(path, real) && path_key(&pkey, real, true) == 0) {
		int r = map_set(p->m.watched_path, &pkey, &key, watch);

		if (r && watch) {
			map_set(p->m.watched, &key, NULL, false);
			map_set(p->m.watched, &sb_key, NULL, false);
			return r;
		}
	}
	set_layer_watches(p, path, watch);
	return 0;
}

int cv_probes_watch_file(struct cv_probes *p, const char *path)
{
	return filter_follow(p, set_watch(p, path, false, true));
}

int cv_probes_watch_fs(struct cv_probes *p, const char *path_on_fs)
{
	return filter_follow(p, set_watch(p, path_on_fs, true, true));
}

int cv_probes_unwatch_file(struct cv_probes *p, const char *path)
{
	return filter_follow(p, set_watch(p, path, false, false));
}

int cv_probes_unwatch_fs(struct cv_probes *p, const char *path_on_fs)
{
	return filter_follow(p, set_watch(p, path_on_fs, true, false));
}

int cv_probes_watch_major(struct cv_probes *p, uint32_t major)
{
	const uint8_t one = 1;

	return filter_follow(p, map_set(p->m.watched_major, &major, &one, true));
}

int cv_probes_unwatch_major(struct cv_probes *p, uint32_t major)
{
	return filter_follow(p, map_set(p->m.watched_major, &major, NULL, false));
}

int cv_probes_poll(struct cv_probes *p, int timeout_ms, cv_probes_cb cb, void *ctx)
{
	int n, more;

	p->cb = cb;
	p->cb_ctx = ctx;
	n = ring_buffer__poll(p->rb, timeout_ms);
	/* epoll may not have heard of the newest records yet: take whatever is there. */
	more = n >= 0 ? ring_buffer__consume(p->rb) : 0;
	p->cb = NULL;
	p->cb_ctx = NULL;
	if (n < 0)
		return n;
	if (more < 0)
		return more;
	return n > INT_MAX - more ? INT_MAX : n + more;
}

int cv_probes_consume(struct cv_probes *p, size_t max, cv_probes_batch_cb cb, void *ctx)
{
	const struct camvault_rec **batch = p->rb_batch;
	unsigned long cons, prod, pos;
	const uint8_t *data;
	size_t n = 0;
	long page = sysconf(_SC_PAGESIZE);
	int e = ring_map(p);

	if (e)
		return e;
	if (!max || max > CV_PROBES_BATCH_MAX)
		max = CV_PROBES_BATCH_MAX;
	data = (const uint8_t *)p->rb_prod + page;
	cons = __atomic_load_n(p->rb_cons, __ATOMIC_ACQUIRE);
	prod = __atomic_load_n((unsigned long *)p->rb_prod, __ATOMIC_ACQUIRE);
	for (pos = cons; pos < prod && n < max;) {
		const uint32_t *hdr = (const uint32_t *)(data + (pos & (p->rb_size - 1)));
		uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;	/* reserved, not yet submitted: the rest waits for it */
		pos += ((len & ~BPF_RINGBUF_DISCARD_BIT) + BPF_RINGBUF_HDR_SZ + 7) & ~7ul;
		if (!(len & BPF_RINGBUF_DISCARD_BIT) && len >= sizeof(struct camvault_rec))
			batch[n++] = (const struct camvault_rec *)(hdr + 2);
	}
	/* Only a batch the callback kept leaves the ring buffer (discarded records leave it unseen). */
	e = n ? cb(batch, n, ctx) : 0;
	if (pos != cons && !e)
		__atomic_store_n(p->rb_cons, pos, __ATOMIC_RELEASE);
	if (e)
		return e < 0 ? e : -ECANCELED;
	return n > INT_MAX ? INT_MAX : (int)n;
}

int cv_probes_fd(const struct cv_probes *p)
{
	return ring_buffer__epoll_fd(p->rb);
}

int cv_probes_flush(struct cv_probes *p, cv_probes_cb cb, void *ctx)
{
	int map = p->m.sessions;
	size_t vsize = p->sessions_vsize;
	uint64_t key, next;
	void *val;
	int n = 0, e;

	/* The value is the record in progress and what the probes keep beside it. */
	if (vsize < sizeof(struct camvault_rec))
		return -EPROTO;
	val = malloc(vsize);
	if (!val)
		return -ENOMEM;
	for (e = bpf_map_get_next_key(map, NULL, &next); e == 0; e = bpf_map_get_next_key(map, &key, &next)) {
		struct camvault_rec rec;
		uint8_t one;

		key = next;
		/* Closed since get_next_key: gone, and written to the ring buffer. */
		if (bpf_map_lookup_elem(map, &key, val) != 0)
			continue;
		memcpy(&rec, val, sizeof(rec));
		rec.rflags |= CAMVAULT_RF_STILL_OPEN;
		rec.close_ns = 0;
		if (bpf_map_lookup_elem(p->m.uring_tgids, &rec.pid, &one) == 0)
			rec.rflags |= CAMVAULT_RF_UNOBSERVED;
		cb(&rec, ctx);
		n++;
	}
	free(val);
	return e == -ENOENT ? n : e;
}

/* Every key of hash map fd (keys of ksize bytes) into a malloc'd array *out, their number into *n. */
static int map_keys(int fd, size_t ksize, void **out, size_t *n)
{
	unsigned char key[sizeof(struct camvault_file_key)], next[sizeof(key)];
	size_t cap = 0;
	char *keys = NULL, *grown;
	int e;

	*out = NULL;
	*n = 0;
	if (fd < 0 || ksize > sizeof(key))
		return -EBADF;
	for (e = bpf_map_get_next_key(fd, NULL, next); e == 0; e = bpf_map_get_next_key(fd, key, next)) {
		memcpy(key, next, ksize);
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(keys, cap * ksize);
			if (!grown) {
				free(keys);
				*n = 0;
				return -ENOMEM;
			}
			keys = grown;
		}
		memcpy(keys + *n * ksize, key, ksize);
		(*n)++;
	}
	*out = keys;
	return e == -ENOENT ? 0 : e;
}

int cv_probes_keys(struct cv_probes *p, struct cv_probes_keys *k)
{
	int e;

	memset(k, 0, sizeof(*k));
	e = map_keys(p->m.watched, sizeof(*k->files), (void **)&k->files, &k->nfiles);
	if (!e)
		e = map_keys(p->m.watched_sb, sizeof(*k->sbs), (void **)&k->sbs, &k->nsbs);
	if (!e)
		e = map_keys(p->m.watched_major, sizeof(*k->majors), (void **)&k->majors, &k->nmajors);
	if (e)
		cv_probes_keys_free(k);
	return e;
}

void cv_probes_keys_free(struct cv_probes_keys *k)
{
	free(k->files);
	free(k->sbs);
	free(k->majors);
	memset(k, 0, sizeof(*k));
}

/* The sum over CPUs of a per-CPU u64 counter (map fd). */
static int percpu_sum(int map, uint64_t *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	const uint32_t zero = 0;
	uint64_t *vals;
	int e;

	*sum = 0;
	if (ncpus <= 0)
		return ncpus < 0 ? ncpus : -EINVAL;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	e = bpf_map_lookup_elem(map, &zero, vals);
	for (int i = 0; !e && i < ncpus; i++)
		*sum += vals[i];
	free(vals);
	return e;
}

/* The loss counters of the maps m. */
int probes_lost_counts(const struct cv_probe_maps *m, struct cv_probes_loss *loss)
{
	int e = percpu_sum(m->lost, &loss->records);

	if (!e)
		e = percpu_sum(m->lost_sessions, &loss->sessions);
	loss->denied = 0;
	if (!e && m->denied >= 0)
		e = percpu_sum(m->denied, &loss->denied);
	return e;
}

int cv_probes_lost_counts(const struct cv_probes *p, struct cv_probes_loss *loss)
{
	return probes_lost_counts(&p->m, loss);
}

uint64_t cv_probes_lost(const struct cv_probes *p)
{
	struct cv_probes_loss loss;

	if (cv_probes_lost_counts(p, &loss) != 0 || loss.records > UINT64_MAX - loss.sessions)
		return UINT64_MAX;
	return loss.records + loss.sessions;
}

int cv_probes_allow_recorder(struct cv_probes *p, const char *exe)
{
	struct camvault_file_key key = { 0 };
	const uint8_t one = 1;
	struct stat st;

	if (p->m.recorders < 0)
		return -EOPNOTSUPP;
	if (stat(exe, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	key.dev = camvault_kdev(st.st_dev);
	key.ino = st.st_ino;
	return map_set(p->m.recorders, &key, &one, true);
}

void cv_probes_close(struct cv_probes *p)
{
	if (!p)
		return;
	probes_unload(p);
	if (p->pin_dfd >= 0)
		close(p->pin_dfd);	/* the lock: the next process may use the pinned probes */
	free(p);
}
