// SPDX-License-Identifier: GPL-2.0
/*
 * camvault agent, the eBPF probes' userspace half: choosing the tier, loading its programs
 * and unloading them. See probes.h.
 */
#define _GNU_SOURCE
#include "probes/internal.h"

/*
 * libbpf's warnings (a verifier log, say) go to stderr, except while a better tier is tried in vain
 * before the next: the fallback note says why it failed. CAMVAULT_LIBBPF_DEBUG=1 shows everything.
 */
bool cv_libbpf_quiet;

int probes_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static int debug = -1;

	if (debug < 0)
		debug = getenv("CAMVAULT_LIBBPF_DEBUG") != NULL;
	if (!debug && (level == LIBBPF_DEBUG || cv_libbpf_quiet))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Whether "bpf" is among the active LSMs; securityfs is mounted if it is not (as systemd does). */
static bool lsm_bpf_active(void)
{
	char lsms[512] = "";
	FILE *f = fopen("/sys/kernel/security/lsm", "re");

	if (!f && mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL) == 0)
		f = fopen("/sys/kernel/security/lsm", "re");
	if (!f)
		return false;
	if (!fgets(lsms, sizeof(lsms), f))
		lsms[0] = '\0';
	fclose(f);
	for (char *save = NULL, *tok = strtok_r(lsms, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save))
		if (strcmp(tok, "bpf") == 0)
			return true;
	return false;
}

/* What tier needs that the running kernel shows it lacks, before trying: 0, or -ENOENT and why. */
static int probes_tier_precheck(int tier, const char *btf_path, char *err, size_t errlen)
{
	bool kernel_btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;

	switch (tier) {
	case CAMVAULT_TIER_LSM:
		if (!kernel_btf) {
			set_err(err, errlen, "no kernel BTF (/sys/kernel/btf/vmlinux)");
			return -ENOENT;
		}
		if (!lsm_bpf_active()) {
			set_err(err, errlen, "\"bpf\" is not among the active LSMs (/sys/kernel/security/lsm): "
				"boot with lsm=...,bpf");
			return -ENOENT;
		}
		return 0;
	case CAMVAULT_TIER_FENTRY:
		if (!kernel_btf) {
			set_err(err, errlen, "no kernel BTF (/sys/kernel/btf/vmlinux)");
			return -ENOENT;
		}
		return 0;
	case CAMVAULT_TIER_KPROBE:
		if (access("/sys/bus/event_source/devices/kprobe/type", F_OK) != 0) {
			set_err(err, errlen, "no kprobes (CONFIG_KPROBES)");
			return -ENOENT;
		}
		(void)btf_path;
		return 0;
	default:
		/* raw tracepoints: in every kernel with BPF (the loading says if not) */
		return 0;
	}
}

/* The tier asked for: opts->tier, else $CAMVAULT_TIER ("lsm"...), else 0 (the best available). */
int probes_wanted_tier(const struct cv_probes_opts *opts, char *err, size_t errlen)
{
	const char *env = getenv("CAMVAULT_TIER");
	int t;

	if (opts && opts->tier)
		return opts->tier;
	if (!env || !*env || strcmp(env, "auto") == 0)
		return 0;
	t = cv_probes_tier_parse(env);
	if (t <= 0)
		set_err(err, errlen, "CAMVAULT_TIER=%s: not a tier (auto, lsm, fentry, kprobe, tracepoint)", env);
	return t <= 0 ? -EINVAL : t;
}

void probes_no_maps(struct cv_probe_maps *m)
{
#define CV_MAP_NONE(name) m->name = -1;
	CV_MAP_NAMES(CV_MAP_NONE)
#undef CV_MAP_NONE
}

/* Where the fd of the map called name goes in m, or NULL for a map userspace does not use. */
int *probes_map_slot(struct cv_probe_maps *m, const char *name)
{
#define CV_MAP_SLOT(n) if (!strcmp(name, #n)) return &m->n;
	CV_MAP_NAMES(CV_MAP_SLOT)
#undef CV_MAP_SLOT
	return NULL;
}

int probes_map_info(int fd, struct bpf_map_info *info)
{
	uint32_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len);
}

/* The loaded object's maps (their fds are the object's). */
static int find_maps(struct cv_probes *p)
{
	struct bpf_map_info info;
	struct bpf_map *map;

	probes_no_maps(&p->m);
	bpf_object__for_each_map(map, p->obj) {
		int *slot = probes_map_slot(&p->m, bpf_map__name(map));

		if (slot)
			*slot = bpf_map__fd(map);
	}
	if (p->m.sessions < 0 || probes_map_info(p->m.sessions, &info) != 0)
		return -ENOENT;
	p->sessions_vsize = info.value_size;
	return 0;
}

void probes_close_maps(struct cv_probes *p)
{
	if (p->own_fds) {
#define CV_MAP_CLOSE(name) if (p->m.name >= 0) close(p->m.name);
		CV_MAP_NAMES(CV_MAP_CLOSE)
#undef CV_MAP_CLOSE
	}
	p->own_fds = false;
	probes_no_maps(&p->m);
}

/* Undo what try_tier (or pin_reuse) did, so that another tier can be tried. */
void probes_unload(struct cv_probes *p)
{
	ring_buffer__free(p->rb);
	p->rb = NULL;
	probes_ring_unmap(p);
	for (int i = 0; i < p->nlinks; i++) {
		/*
		 * A pinned link stays attached: destroying it would detach it (a perf-event link is even
		 * disabled, for every holder). Disconnected, it is only freed; its fd is closed here, and
		 * the perf event's (kprobes, tracepoints), which libbpf keeps to itself, at exit.
		 */
		if (p->links_pinned) {
			bpf_link__disconnect(p->links[i]);
			close(bpf_link__fd(p->links[i]));
		}
		bpf_link__destroy(p->links[i]);
	}
	p->nlinks = 0;
	p->links_pinned = false;
	probes_close_maps(p);
	access_bpf__destroy(p->tp);
	hooks_bpf__destroy(p->hooks);
	p->tp = NULL;
	p->hooks = NULL;
	p->obj = NULL;
	p->tier = 0;
}

/* Give the kernel back the pages of an embedded BPF object (bytes, size): read again if ever needed. */
static void drop_pages(const void *bytes, size_t size)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)bytes + page - 1) & ~(page - 1), end = ((uintptr_t)bytes + size) & ~(page - 1);

	if (end > start)
		madvise((void *)start, end - start, MADV_DONTNEED);
}

/*
 * Once attached (and pinned), the probes live on in the kernel through the links and the map fds: the
 * libbpf object (its BTF, programs, relocations) is only memory, held for months by the agent. Keep
 * copies of the map fds, close the object, and drop the pages of the embedded objects the loading
 * read. Nothing is lost when a copy fails: the object is then kept.
 */
void probes_shed_object(struct cv_probes *p)
{
	struct cv_probe_maps m;
	size_t size;
	const void *bytes;
	bool ok = true;

	if (!p->obj || p->own_fds)
		goto drop;
	probes_no_maps(&m);
#define CV_MAP_DUP(name) \
	if (ok && p->m.name >= 0 && (m.name = fcntl(p->m.name, F_DUPFD_CLOEXEC, 3)) < 0) \
		ok = false;
	CV_MAP_NAMES(CV_MAP_DUP)
#undef CV_MAP_DUP
	if (!ok) {
#define CV_MAP_UNDUP(name) if (m.name >= 0) close(m.name);
		CV_MAP_NAMES(CV_MAP_UNDUP)
#undef CV_MAP_UNDUP
		return;
	}
	/* The ring buffer's mapping and epoll hold the map itself, not the fd number. */
	p->m = m;
	p->own_fds = true;
	access_bpf__destroy(p->tp);
	hooks_bpf__destroy(p->hooks);
	p->tp = NULL;
	p->hooks = NULL;
	p->obj = NULL;
	for (int i = 0; i < p->nlinks; i++)
		p->link_names[i] = NULL;	/* the object's */
drop:
	bytes = access_bpf__elf_bytes(&size);
	drop_pages(bytes, size);
	bytes = hooks_bpf__elf_bytes(&size);
	drop_pages(bytes, size);
}

/* Open, load and attach tier's programs. 0, or a negative errno with err saying why. */
int probes_try_tier(struct cv_probes *p, int tier, const struct cv_probes_opts *o, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = o->btf_path);
	bool kernel_btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	int e = probes_tier_precheck(tier, o->btf_path, err, errlen);

	if (e)
		return e;
	if (tier == CAMVAULT_TIER_SYSCALL_TP) {
		p->tp = access_bpf__open_opts(&oo);
		p->obj = p->tp ? p->tp->obj : NULL;
		if (p->tp)
			p->tp->rodata->cv_kernel_btf = kernel_btf;
	} else {
		p->hooks = hooks_bpf__open_opts(&oo);
		if (p->hooks) {
			p->obj = p->hooks->obj;
			p->hooks->rodata->cv_tier = tier;
			p->hooks->rodata->cv_record_or_deny = o->record_or_deny;
		}
	}
	if (!p->obj) {
		e = -errno;
		set_err(err, errlen, "opening the BPF object failed: %s: %s", errno_name(e), errno_hint(e));
		goto fail;
	}
	e = bpf_map__set_max_entries(bpf_object__find_map_by_name(p->obj, "records"), o->ringbuf_bytes);
	if (e) {
		set_err(err, errlen, "setting the ring buffer size failed: %s", errno_name(e));
		goto fail;
	}
	e = bpf_map__set_max_entries(bpf_object__find_map_by_name(p->obj, "sessions"), o->sessions_max);
	if (e) {
		set_err(err, errlen, "setting the session table size failed: %s", errno_name(e));
		goto fail;
	}
	if (tier != CAMVAULT_TIER_SYSCALL_TP && (e = probes_select_programs(p->hooks, tier, err, errlen)) != 0)
		goto fail;
	if (p->hooks)
		p->hooks->rodata->cv_uring_counted = bpf_program__autoload(p->hooks->progs.cv_uring_complete);

	e = bpf_object__load(p->obj);
	if (e) {
		if (!o->btf_path && !kernel_btf && e != -EPERM)
			set_err(err, errlen, "BPF load failed: %s: the kernel has no BTF (/sys/kernel/btf/vmlinux): "
				"give a BTF file for it as btf_path", errno_name(e));
		else if (o->btf_path && e != -EPERM)
			set_err(err, errlen, "BPF load failed: %s: is %s the BTF of the running kernel? %s",
				errno_name(e), o->btf_path, errno_hint(e));
		else
			set_err(err, errlen, "BPF load failed: %s: %s", errno_name(e), errno_hint(e));
		goto fail;
	}
	e = find_maps(p);
	if (e) {
		set_err(err, errlen, "the BPF object has no session table: a broken build");
		goto fail;
	}
	e = probes_attach_all(p, err, errlen);
	if (e)
		goto fail;
	p->rb = ring_buffer__new(p->m.records, probes_on_record, p, NULL);
	if (!p->rb) {
		e = -errno;
		set_err(err, errlen, "reading the ring buffer failed: %s: %s", errno_name(e), errno_hint(e));
		goto fail;
	}
	p->tier = tier;
	return 0;
fail:
	probes_unload(p);
	return e ? e : -EINVAL;
}

int cv_probes_tier(const struct cv_probes *p)
{
	return p->tier;
}

const char *cv_probes_fallback(const struct cv_probes *p)
{
	return p->fallback;
}

int cv_probes_tier_parse(const char *name)
{
	if (!strcmp(name, "auto"))
		return 0;
	for (int t = CAMVAULT_TIER_LSM; t <= CAMVAULT_TIER_SYSCALL_TP; t++)
		if (!strcmp(name, cv_probes_tier_name(t)))
			return t;
	if (!strcmp(name, "tracepoint"))
		return CAMVAULT_TIER_SYSCALL_TP;
	return -EINVAL;
}

const char *cv_probes_tier_name(int tier)
{
	switch (tier) {
	case CAMVAULT_TIER_LSM:
		return "lsm";
	case CAMVAULT_TIER_FENTRY:
		return "fentry";
	case CAMVAULT_TIER_KPROBE:
		return "kprobe";
	case CAMVAULT_TIER_SYSCALL_TP:
		return "syscall-tracepoint";
	default:
		return "unknown";
	}
}
