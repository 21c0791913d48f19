// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of the eBPF access probes (bpf/access.bpf.c through agent/probes.c): real processes opening
 * real files on the running kernel. Needs root. Records are matched by pid, so other processes on the
 * machine do not matter.
 *
 * The tests share one cv_probes (group setup) and run in order, so that test_no_loss sees what those
 * before it did; the ring-buffer and BTF tests load their own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "probes.h"

#define NOBODY 65534
#define MAX_RECS 64

struct fixture {
	struct cv_probes *p;
	char err[256];			/* why p is NULL */
	bool root;
	char dir[PATH_MAX];		/* a private temporary directory, on the fs of $TMPDIR */
	char mnt[PATH_MAX];		/* a tmpfs mounted in dir, or "" */
};

/* The records of one process, gathered by collect(). */
struct gathered {
	pid_t pid;
	int n;
	struct camvault_rec recs[MAX_RECS];
};

static void gather(const struct camvault_rec *rec, void *ctx)
{
	struct gathered *g = ctx;

	if ((pid_t)rec->pid != g->pid)
		return;
	if (g->n < MAX_RECS)
		g->recs[g->n] = *rec;
	g->n++;
}

/* Every record of pid now in p's ring buffer (and throw away the others). */
static void collect(struct cv_probes *p, pid_t pid, struct gathered *g)
{
	int n;

	memset(g, 0, sizeof(*g));
	g->pid = pid;
	do {
		n = cv_probes_poll(p, 0, gather, g);
		assert_true(n >= 0);
	} while (n > 0);
}

static void drain(struct cv_probes *p)
{
	struct gathered g;

	collect(p, 0, &g);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void path_in(char *out, const char *dir, const char *name)
{
	assert_true(snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX);
}

static void make_file(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "frame\n", 6), 6);
	assert_int_equal(close(fd), 0);
}

static void stat_path(const char *path, struct stat *st)
{
	assert_int_equal(stat(path, st), 0);
}

/* Make dir/name (its path in path, its stat in st) and have p watch it. */
static void new_watched_file(struct cv_probes *p, const char *dir, const char *name, char *path, struct stat *st)
{
	path_in(path, dir, name);
	make_file(path);
	stat_path(path, st);
	assert_int_equal(cv_probes_watch_file(p, path), 0);
}

/*
 * Run /bin/cat on file (and file2 unless NULL), output to /dev/null, as nobody when drop; wait for it
 * to succeed, gather its records in g and return its pid.
 */
static pid_t run_cat(struct cv_probes *p, struct gathered *g, bool drop, const char *file, const char *file2)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
			_exit(126);
		if (drop && (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
			     setresuid(NOBODY, NOBODY, NOBODY)))
			_exit(125);
		execl("/bin/cat", "cat", file, file2, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	collect(p, pid, g);
	return pid;
}

/* The id of this process's cgroup v2 (its directory's inode), or 0 where there is no cgroup2 mount. */
static uint64_t own_cgroup_id(void)
{
	char line[PATH_MAX + 64], mnt[PATH_MAX] = "", cg[PATH_MAX] = "", path[2 * PATH_MAX + 2];
	struct stat st;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char mp[PATH_MAX];

		/* id parent maj:min root mountpoint options... - fstype source options */
		if (strstr(line, " - cgroup2 ") && sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1)
			snprintf(mnt, sizeof(mnt), "%s", mp);
	}
	fclose(f);
	f = fopen("/proc/self/cgroup", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0)
			sscanf(line + 3, "%4095s", cg);
	fclose(f);
	if (!mnt[0] || !cg[0])
		return 0;
	snprintf(path, sizeof(path), "%s%s", mnt, cg);
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* Skip when not root; fail, saying why, when the probes would not load as root. */
static struct cv_probes *need_probes(struct fixture *f)
{
	if (!f->root) {
		print_message("# SKIP: needs root\n");
		skip();
	}
	if (!f->p)
		fail_msg("cv_probes_open: %s", f->err);
	drain(f->p);
	return f->p;
}

static void assert_rec(const struct camvault_rec *r, pid_t pid, const struct stat *st)
{
	assert_int_equal(r->type, CAMVAULT_REC_OPEN);
	assert_int_equal(r->tier, CAMVAULT_TIER_SYSCALL_TP);
	assert_int_equal(r->pid, pid);
	assert_int_equal(r->ino, st->st_ino);
	assert_int_equal(r->dev, camvault_kdev(st->st_dev));
}

static int group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp;

	if (!f)
		return -1;
	*state = f;
	f->root = geteuid() == 0;
	if (!f->root)
		return 0;
	/* Our mounts stay ours, and vanish with us. */
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		snprintf(f->err, sizeof(f->err), "private mount namespace: %s", strerror(errno));
		return 0;
	}
	/* $TMPDIR must not be on overlayfs, whose files' f_inode is not the inode stat() shows. */
	tmp = getenv("TMPDIR");
	snprintf(f->dir, sizeof(f->dir), "%s/cv-probe-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir) || chmod(f->dir, 0755)) {
		snprintf(f->err, sizeof(f->err), "temporary directory: %s", strerror(errno));
		f->dir[0] = '\0';
		return 0;
	}
	f->p = cv_probes_open(NULL, f->err, sizeof(f->err));
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[PATH_MAX + 16];

	cv_probes_close(f->p);
	if (f->mnt[0])
		umount2(f->mnt, MNT_DETACH);
	if (f->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", f->dir);
	}
	free(f);
	return 0;
}

/* 1. A child opening a watched file: exactly one record, all of it right. */
static void test_child_open_watched(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char file[PATH_MAX];
	struct gathered g;
	struct stat st;
	uint64_t before, after, cgid = own_cgroup_id();
	pid_t pid;

	new_watched_file(p, f->dir, "front-door.mp4", file, &st);

	before = now_ns();
	pid = run_cat(p, &g, true, file, NULL);
	after = now_ns();

	assert_int_equal(g.n, 1);
	assert_rec(&g.recs[0], pid, &st);
	assert_int_equal(g.recs[0].tid, pid);
	assert_int_equal(g.recs[0].uid, NOBODY);
	assert_int_equal(g.recs[0].gid, NOBODY);
	assert_string_equal(g.recs[0].comm, "cat");
	assert_int_equal(g.recs[0].flags, O_RDONLY);
	assert_true(g.recs[0].time_ns >= before && g.recs[0].time_ns <= after);
	if (cgid)
		assert_int_equal(g.recs[0].cgroup_id, cgid);
	else
		print_message("# no cgroup v2 mount: cgroup id not checked\n");
}

/* 2. An unwatched file beside it: no record (and the watched one, opened next, still has one). */
static void test_unwatched_no_record(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char watched[PATH_MAX], unwatched[PATH_MAX];
	struct gathered g;
	struct stat st;
	pid_t pid;

	new_watched_file(p, f->dir, "back-yard.mp4", watched, &st);
	path_in(unwatched, f->dir, "notes.txt");
	make_file(unwatched);

	pid = run_cat(p, &g, false, unwatched, watched);
	assert_int_equal(g.n, 1);
	assert_rec(&g.recs[0], pid, &st);
	assert_int_equal(g.recs[0].uid, 0);

	pid = run_cat(p, &g, false, unwatched, NULL);
	assert_int_equal(g.n, 0);
}

/* Unwatching a file stops its records. */
static void test_unwatch_file(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char file[PATH_MAX];
	struct gathered g;
	struct stat st;
	pid_t pid;

	new_watched_file(p, f->dir, "garage.mp4", file, &st);
	pid = run_cat(p, &g, false, file, NULL);
	assert_int_equal(g.n, 1);
	assert_rec(&g.recs[0], pid, &st);

	assert_int_equal(cv_probes_unwatch_file(p, file), 0);
	assert_int_equal(cv_probes_unwatch_file(p, file), -ENOENT);
	run_cat(p, &g, false, file, NULL);
	assert_int_equal(g.n, 0);
}

/*
 * 3. A watched filesystem: opens of files created there are recorded, with O_CREAT; other filesystems
 * are not, nor the filesystem once unwatched.
 */
static void test_watched_fs(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char a[PATH_MAX], b[PATH_MAX], elsewhere[PATH_MAX];
	struct stat st_mnt, st_dir, st_a, st_b;
	struct gathered g;
	pid_t pid;
	int fd;

	path_in(f->mnt, f->dir, "vault");
	assert_int_equal(mkdir(f->mnt, 0755), 0);
	if (mount("tmpfs", f->mnt, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m,mode=0755")) {
		int e = errno;

		f->mnt[0] = '\0';
		fail_msg("mounting a tmpfs: %s", strerror(e));
	}
	stat_path(f->mnt, &st_mnt);
	stat_path(f->dir, &st_dir);
	assert_true(st_mnt.st_dev != st_dir.st_dev);
	assert_int_equal(cv_probes_watch_fs(p, f->mnt), 0);

	path_in(a, f->mnt, "2024-06-01.mp4");
	path_in(b, f->mnt, "2024-06-02.mp4");
	path_in(elsewhere, f->dir, "not-in-vault.mp4");
	make_file(a);
	make_file(elsewhere);
	fd = open(b, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);
	stat_path(a, &st_a);
	stat_path(b, &st_b);

	collect(p, getpid(), &g);
	assert_int_equal(g.n, 2);
	assert_rec(&g.recs[0], getpid(), &st_a);
	assert_int_equal(g.recs[0].flags, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_rec(&g.recs[1], getpid(), &st_b);
	assert_int_equal(g.recs[1].flags, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC);

	/* Another process, an existing file; and only the vault's file of the two. */
	pid = run_cat(p, &g, false, elsewhere, a);
	assert_int_equal(g.n, 1);
	assert_rec(&g.recs[0], pid, &st_a);

	assert_int_equal(cv_probes_unwatch_fs(p, b), 0);
	run_cat(p, &g, false, a, b);
	assert_int_equal(g.n, 0);
}

/* openat2(2), and on x86-64 open(2) and creat(2): recorded with the flags they were given. */
static void test_other_open_syscalls(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	struct { uint64_t flags, mode, resolve; } how = { .flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC };
	char file[PATH_MAX];
	struct gathered g;
	struct stat st;
	int fd, expected = 0;
	uint32_t flags[3];

	new_watched_file(p, f->dir, "porch.mp4", file, &st);

	fd = syscall(SYS_openat2, AT_FDCWD, file, &how, sizeof(how));
	if (fd >= 0) {
		flags[expected++] = how.flags;
		close(fd);
	} else {
		assert_int_equal(errno, ENOSYS);
		print_message("# openat2: ENOSYS, not checked\n");
	}
#ifdef SYS_open
	fd = syscall(SYS_open, file, O_RDWR | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	flags[expected++] = O_RDWR | O_APPEND | O_CLOEXEC;
	close(fd);
#endif
#ifdef SYS_creat
	fd = syscall(SYS_creat, file, 0644);
	assert_true(fd >= 0);
	flags[expected++] = O_CREAT | O_WRONLY | O_TRUNC;
	close(fd);
#endif
	collect(p, getpid(), &g);
	assert_int_equal(g.n, expected);
	for (int i = 0; i < expected; i++) {
		assert_rec(&g.recs[i], getpid(), &st);
		assert_int_equal(g.recs[i].flags, flags[i]);
	}
}

/* 4a. Nothing was lost by the tests above. */
static void test_no_loss(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);

	assert_int_equal(cv_probes_lost(p), 0);
}

/* 4b. A full ring buffer: the overflow is counted, exactly. */
static void test_full_ring_counted(void **state)
{
	struct fixture *f = *state;
	const uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);
	struct cv_probes_opts opts = { .ringbuf_bytes = page };
	/* Each record takes 8 bytes of header, and is rounded up to 8. */
	const int fits = page / (sizeof(struct camvault_rec) + 8), opens = 4 * fits + 7;
	char file[PATH_MAX], err[256];
	struct cv_probes *q;
	struct gathered g;
	struct stat st;
	uint64_t lost;
	int n, received = 0;

	need_probes(f);
	q = cv_probes_open_opts(&opts, err, sizeof(err));
	if (!q)
		fail_msg("cv_probes_open_opts: %s", err);
	new_watched_file(q, f->dir, "driveway.mp4", file, &st);

	for (int i = 0; i < opens; i++) {
		int fd = open(file, O_RDONLY | O_CLOEXEC);

		assert_true(fd >= 0);
		close(fd);
	}
	memset(&g, 0, sizeof(g));
	g.pid = getpid();
	do {
		n = cv_probes_poll(q, 0, gather, &g);
		assert_true(n >= 0);
		received += n;
	} while (n > 0);
	lost = cv_probes_lost(q);
	cv_probes_close(q);

	print_message("# %d opens: %d received, %llu lost\n", opens, received, (unsigned long long)lost);
	assert_int_equal(g.n, received);
	assert_true(received > 0 && received <= fits);
	assert_true(lost > 0);
	assert_int_equal(received + lost, opens);
	assert_rec(&g.recs[0], getpid(), &st);
}

/*
 * The BTF of a kernel built without it comes from a file: here $CAMVAULT_TEST_BTF (run.sh makes one
 * with bpftool gen min_core_btf, only what the probes use), else a copy of the kernel's own.
 */
static void test_custom_btf(void **state)
{
	struct fixture *f = *state;
	const char *btf = getenv("CAMVAULT_TEST_BTF");
	struct cv_probes_opts opts = { .btf_path = btf && btf[0] ? btf : "/sys/kernel/btf/vmlinux" };
	char file[PATH_MAX], err[256];
	struct cv_probes *q;
	struct gathered g;
	struct stat st;
	int fd;

	need_probes(f);
	if (access(opts.btf_path, R_OK) != 0) {
		print_message("# SKIP: no BTF file (%s)\n", opts.btf_path);
		skip();
	}
	print_message("# btf_path %s\n", opts.btf_path);
	q = cv_probes_open_opts(&opts, err, sizeof(err));
	if (!q)
		fail_msg("cv_probes_open_opts: %s", err);
	new_watched_file(q, f->dir, "side-gate.mp4", file, &st);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	collect(q, getpid(), &g);
	cv_probes_close(q);
	assert_int_equal(g.n, 1);
	assert_rec(&g.recs[0], getpid(), &st);
	assert_int_equal(g.recs[0].flags, O_RDONLY | O_CLOEXEC);
}

/* Bad options are refused, saying why. */
static void test_bad_options(void **state)
{
	struct fixture *f = *state;
	struct cv_probes_opts odd = { .ringbuf_bytes = 3 * 4096 };
	struct cv_probes_opts nobtf = { .btf_path = "/nonexistent/vmlinux.btf" };
	char err[256];

	need_probes(f);
	assert_null(cv_probes_open_opts(&odd, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "power of 2"));
	assert_null(cv_probes_open_opts(&nobtf, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "/nonexistent/vmlinux.btf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_child_open_watched),
		cmocka_unit_test(test_unwatched_no_record),
		cmocka_unit_test(test_unwatch_file),
		cmocka_unit_test(test_watched_fs),
		cmocka_unit_test(test_other_open_syscalls),
		cmocka_unit_test(test_no_loss),
		cmocka_unit_test(test_full_ring_counted),
		cmocka_unit_test(test_custom_btf),
		cmocka_unit_test(test_bad_options),
	};

	return cmocka_run_group_tests_name("access_probe", tests, group_setup, group_teardown);
}
