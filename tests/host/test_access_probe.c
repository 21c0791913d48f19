// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of the eBPF access probes (bpf/access.bpf.c and bpf/hooks.bpf.c, through agent/probes/probes.c)
 * at the tier $CAMVAULT_TIER names, else the best the kernel offers (on the build host, the syscall-
 * tracepoint tier; the 6.1 guest runs it at each tier): real processes (coreutils, fio, and children of this test) touching real files on the
 * running kernel, one session record per struct file, with exact byte counts. Needs root. Records are
 * matched by pid, so other processes on the machine do not matter.
 *
 * The "vault" is a tmpfs mounted in a private directory of $TMPDIR (in a private mount namespace) and
 * watched as a filesystem; other files are watched one by one, or not at all. $TMPDIR must not be on
 * overlayfs, whose files' f_inode is not the inode stat() shows (the guests use /run).
 *
 * The tests share one cv_probes (group setup) and run in order, so that test_no_loss sees what those
 * before it did; the ring-buffer, session-table and BTF tests load their own.
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
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/aio_abi.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "policy/policy.h"
#include "probes/probes.h"

#define NOBODY 65534
#define MAX_RECS 64
#define CLIP_SIZE 200000	/* not a multiple of any buffer size */
#define WAIT_MS 3000		/* for records written after the process is gone (CLOSE_LATE) */

struct fixture {
	struct cv_probes *p;
	char err[256];			/* why p is NULL */
	bool root;
	char dir[PATH_MAX];		/* a private temporary directory, on the fs of $TMPDIR (real path) */
	char mnt[PATH_MAX];		/* the vault: a tmpfs mounted in dir, watched, or "" */
	struct stat mnt_st;
	char self_exe[PATH_MAX];	/* this program: the exe of its forked children */
	uint64_t cgroup_id;		/* 0 where there is no cgroup2 mount */
	uint32_t loginuid, sessionid;
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

/* Every record of pid now in p's ring buffer, waiting up to WAIT_MS for at least want of them. */
static void collect_n(struct cv_probes *p, pid_t pid, struct gathered *g, int want)
{
	int n, waited = 0;

	memset(g, 0, sizeof(*g));
	g->pid = pid;
	for (;;) {
		n = cv_probes_poll(p, 0, gather, g);
		assert_true(n >= 0);
		if (n > 0)
			continue;
		if (g->n >= want || waited >= WAIT_MS)
			break;
		n = cv_probes_poll(p, 50, gather, g);
		assert_true(n >= 0);
		waited += 50;
	}
}

/* Every record of pid now in p's ring buffer (and throw away the others). */
static void collect(struct cv_probes *p, pid_t pid, struct gathered *g)
{
	collect_n(p, pid, g, 0);
}

static void drain(struct cv_probes *p)
{
	struct gathered g;

	collect(p, 0, &g);
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void path_in(char *out, const char *dir, const char *name)
{
	assert_true(snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX);
}

/* A file of size bytes of a known pattern. */
static void make_sized(const char *path, size_t size)
{
	static char buf[65536];
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 1);
	while (size) {
		size_t n = size < sizeof(buf) ? size : sizeof(buf);

		assert_int_equal(write(fd, buf, n), (ssize_t)n);
		size -= n;
	}
	assert_int_equal(close(fd), 0);
}

static void make_file(const char *path)
{
	make_sized(path, 6);
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

/* A clip in the vault: dir/name of CLIP_SIZE bytes. */
static void new_clip(const struct fixture *f, const char *name, char *path, struct stat *st)
{
	path_in(path, f->mnt, name);
	make_sized(path, CLIP_SIZE);
	stat_path(path, st);
}

static void wait_ok(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("process %d: %s %d", (int)pid, WIFEXITED(status) ? "exit status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* Run argv (from PATH), in cwd unless NULL, output to /dev/null, as nobody when drop; wait for success. */
static pid_t run(const char *cwd, bool drop, char *const argv[])
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null < 0 || dup2(null, STDOUT_FILENO) < 0 || dup2(null, STDIN_FILENO) < 0)
			_exit(126);
		if (cwd && chdir(cwd))
			_exit(124);
		if (drop && (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
			     setresuid(NOBODY, NOBODY, NOBODY)))
			_exit(125);
		setenv("LC_ALL", "C", 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	wait_ok(pid);
	return pid;
}

/* Fork a child named comm that runs fn(arg) and exits with its result; its pid. */
static pid_t spawn_nowait(const char *comm, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, comm);
		_exit(fn(arg));
	}
	return pid;
}

static pid_t spawn(const char *comm, int (*fn)(void *), void *arg)
{
	pid_t pid = spawn_nowait(comm, fn, arg);

	wait_ok(pid);
	return pid;
}

/*
 * The real path of the command execvp() runs (run() above): the first in $PATH's directories. /bin may
 * be a link to /usr/bin, or not (the arm64 guest's root, unpacked from packages: cat in /bin, truncate in
 * /usr/bin).
 */
static void exe_path(const char *cmd, char *out)
{
	const char *dirs = getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin";
	char path[PATH_MAX];

	for (const char *d = dirs; *d; d += strcspn(d, ":") + (d[strcspn(d, ":")] == ':')) {
		snprintf(path, sizeof(path), "%.*s/%s", (int)strcspn(d, ":"), d, cmd);
		if (access(path, X_OK) == 0) {
			assert_non_null(realpath(path, out));
			return;
		}
	}
	fail_msg("%s: not in $PATH (%s)", cmd, dirs);
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

/* /proc/self/loginuid or sessionid; CAMVAULT_ID_UNSET where the kernel has no audit. */
static uint32_t proc_id(const char *name)
{
	char path[64];
	unsigned long v;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	f = fopen(path, "r");
	if (!f)
		return CAMVAULT_ID_UNSET;
	ok = fscanf(f, "%lu", &v) == 1;
	fclose(f);
	return ok ? (uint32_t)v : CAMVAULT_ID_UNSET;
}

/*
 * The BTF the probes need on a kernel without its own (our Pi-profile 6.12 guest): the file given as
 * $CAMVAULT_TEST_BTF (camvault.btf); NULL where the kernel has BTF.
 */
static const char *needed_btf(void)
{
	const char *btf = getenv("CAMVAULT_TEST_BTF");

	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0 || !btf || !btf[0])
		return NULL;
	return btf;
}

/* Whether the probes run on kernel hooks (LSM, fentry, kprobe) rather than on syscall tracepoints. */
static bool hooks_tier(const struct fixture *f)
{
	return cv_probes_tier(f->p) != CAMVAULT_TIER_SYSCALL_TP;
}

/*
 * The LSM and fentry tiers: typed programs, an open's path from the kernel's d_path, bytes counted at
 * the counters' exits.
 */
static bool typed_tier(const struct fixture *f)
{
	return cv_probes_tier(f->p) == CAMVAULT_TIER_LSM || cv_probes_tier(f->p) == CAMVAULT_TIER_FENTRY;
}

/* The open flags a record gives: at the hook tiers the struct file's, which keep no O_CLOEXEC. */
static uint32_t given(const struct fixture *f, uint32_t flags)
{
	return hooks_tier(f) ? flags & ~(uint32_t)O_CLOEXEC : flags;
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

/* What every record says of the file and the process. */
/* Every byte of path2 is 0: the probes keep a session's own members there (bpf/session.bpf.h). */
static void assert_no_path2(const struct camvault_rec *r)
{
	static const char zero[sizeof(r->path2)];

	assert_memory_equal(r->path2, zero, sizeof(zero));
}

static void assert_rec(const struct fixture *f, const struct camvault_rec *r, int type, pid_t pid,
		       const struct stat *st)
{
	if (type != CAMVAULT_REC_RENAME)
		assert_no_path2(r);
	assert_int_equal(r->type, type);
	assert_int_equal(r->tier, cv_probes_tier(f->p));
	assert_int_equal(r->pid, pid);
	assert_int_equal(r->loginuid, f->loginuid);
	assert_int_equal(r->sessionid, f->sessionid);
	if (f->cgroup_id)
		assert_int_equal(r->cgroup_id, f->cgroup_id);
	if (st) {
		assert_int_equal(r->ino, st->st_ino);
		assert_int_equal(r->dev, camvault_kdev(st->st_dev));
	}
	assert_true(r->open_ns <= r->close_ns);
}

/* A closed session of pid (a child of this test) on path, by exe (NULL: this program) as uid. */
/*
 * Who the process is, beyond what it calls itself: the file the kernel ran (its inode is exe's), its mount
 * and user namespaces (this test's: its children's); and the agent, judging from this process's namespace,
 * finds exe to be that file.
 */
static void assert_who(const struct camvault_rec *r, const char *exe)
{
	struct camvault_rec checked = *r;
	struct stat st, mnt, user;

	stat_path(exe, &st);
	stat_path("/proc/self/ns/mnt", &mnt);
	stat_path("/proc/self/ns/user", &user);
	assert_int_equal(r->exe_ino, st.st_ino);
	assert_int_equal(r->mnt_ns, mnt.st_ino);
	assert_int_equal(r->user_ns, user.st_ino);
	assert_int_equal(r->aflags, 0);
	cv_rec_check_host(&checked, "/proc/self");
	assert_int_equal(checked.aflags, CAMVAULT_AF_EXE_HOST | CAMVAULT_AF_HOST_MNTNS);
}

static void assert_session(const struct fixture *f, const struct camvault_rec *r, pid_t pid, const char *comm,
			   const char *exe, uid_t uid, const char *path, const struct stat *st, uint32_t open_flags)
{
	assert_rec(f, r, CAMVAULT_REC_SESSION, pid, st);
	assert_int_equal(r->ppid, getpid());
	assert_int_equal(r->uid, uid);
	assert_int_equal(r->gid, uid);
	assert_string_equal(r->comm, comm);
	assert_string_equal(r->exe, exe ? exe : f->self_exe);
	assert_who(r, exe ? exe : f->self_exe);
	assert_string_equal(r->path, path);
	assert_int_equal(r->open_flags, given(f, open_flags));
	assert_true(r->open_ns > 0 && r->close_ns > 0);
	assert_int_equal(r->rflags & (CAMVAULT_RF_STILL_OPEN | CAMVAULT_RF_OPEN_UNSEEN | CAMVAULT_RF_PATH_TAIL |
				      CAMVAULT_RF_EXE_TAIL), 0);
	assert_string_equal(r->path2, "");
}

static int loopback_up(void)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	if (s < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	r = ioctl(s, SIOCGIFFLAGS, &ifr);
	if (r == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		r = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return r;
}

static int group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char tmpl[PATH_MAX];
	const char *tmp;
	ssize_t n;

	if (!f)
		return -1;
	*state = f;
	f->root = geteuid() == 0;
	if (!f->root)
		return 0;
	f->cgroup_id = own_cgroup_id();
	f->loginuid = proc_id("loginuid");
	f->sessionid = proc_id("sessionid");
	n = readlink("/proc/self/exe", f->self_exe, sizeof(f->self_exe) - 1);
	if (n <= 0) {
		snprintf(f->err, sizeof(f->err), "/proc/self/exe: %s", strerror(errno));
		return 0;
	}
	f->self_exe[n] = '\0';
	/* Our mounts stay ours, and vanish with us; so does our loopback (down in a fresh guest). */
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		snprintf(f->err, sizeof(f->err), "private mount and network namespaces: %s", strerror(errno));
		return 0;
	}
	if (loopback_up()) {
		snprintf(f->err, sizeof(f->err), "bringing up lo: %s", strerror(errno));
		return 0;
	}
	tmp = getenv("TMPDIR");
	snprintf(tmpl, sizeof(tmpl), "%s/cv-probe-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl) || chmod(tmpl, 0755) || !realpath(tmpl, f->dir)) {
		snprintf(f->err, sizeof(f->err), "temporary directory: %s", strerror(errno));
		f->dir[0] = '\0';
		return 0;
	}
	/* The vault filesystem. */
	if (snprintf(f->mnt, sizeof(f->mnt), "%.4000s/vault", f->dir) >= (int)sizeof(f->mnt) || mkdir(f->mnt, 0755) || mount("tmpfs", f->mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=0755") ||
	    stat(f->mnt, &f->mnt_st)) {
		snprintf(f->err, sizeof(f->err), "mounting a tmpfs on %.200s: %s", f->mnt, strerror(errno));
		f->mnt[0] = '\0';
		return 0;
	}
	f->p = cv_probes_open(needed_btf(), f->err, sizeof(f->err));
	if (f->p) {
		int e = cv_probes_watch_fs(f->p, f->mnt);

		if (e) {
			snprintf(f->err, sizeof(f->err), "watching %.200s: %s", f->mnt, strerror(-e));
			cv_probes_close(f->p);
			f->p = NULL;
		}
	}
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

/* cat, as nobody, of a clip in the vault: one session, all of it right, bytes_read the clip's size. */
static void test_cat(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char file[PATH_MAX], exe[PATH_MAX];
	struct gathered g;
	struct stat st;
	uint64_t before, after;
	pid_t pid;

	new_clip(f, "front-door.mp4", file, &st);
	exe_path("cat", exe);

	before = boot_ns();
	pid = run(NULL, true, (char *const[]){ "cat", file, NULL });
	after = boot_ns();
	collect_n(p, pid, &g, 1);

	assert_int_equal(g.n, 1);
	assert_session(f, &g.recs[0], pid, "cat", exe, NOBODY, file, &st, O_RDONLY);
	assert_int_equal(g.recs[0].tid, pid);
	assert_int_equal(g.recs[0].rflags, 0);
	assert_int_equal(g.recs[0].bytes_read, CLIP_SIZE);
	assert_int_equal(g.recs[0].bytes_written, 0);
	assert_int_equal(g.recs[0].mmaps + g.recs[0].ioctls + g.recs[0].streamons + g.recs[0].dqbufs, 0);
	assert_int_equal(g.recs[0].peer_family, 0);
	assert_true(g.recs[0].open_ns >= before && g.recs[0].close_ns <= after);
	if (!f->cgroup_id)
		print_message("# no cgroup v2 mount: cgroup id not checked\n");
}

/* Files outside the vault, not watched: nothing; beside a clip, only the clip's session. */
static void test_unwatched_no_record(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char clip[PATH_MAX], notes[PATH_MAX], exe[PATH_MAX];
	struct gathered g;
	struct stat st;
	pid_t pid;

	new_clip(f, "back-yard.mp4", clip, &st);
	path_in(notes, f->dir, "notes.txt");
	make_sized(notes, 5000);
	exe_path("cat", exe);

	pid = run(NULL, false, (char *const[]){ "cat", notes, clip, notes, NULL });
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_session(f, &g.recs[0], pid, "cat", exe, 0, clip, &st, O_RDONLY);
	assert_int_equal(g.recs[0].bytes_read, CLIP_SIZE);

	pid = run(NULL, false, (char *const[]){ "cat", notes, NULL });
	collect(p, pid, &g);
	assert_int_equal(g.n, 0);
}

/* A file watched by itself, outside the vault; unwatching it stops its records. */
static void test_unwatch_file(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char file[PATH_MAX], exe[PATH_MAX];
	struct gathered g;
	struct stat st;
	pid_t pid;

	new_watched_file(p, f->dir, "garage.mp4", file, &st);
	exe_path("cat", exe);
	pid = run(NULL, false, (char *const[]){ "cat", file, NULL });
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_session(f, &g.recs[0], pid, "cat", exe, 0, file, &st, O_RDONLY);
	assert_int_equal(g.recs[0].bytes_read, 6);

	assert_int_equal(cv_probes_unwatch_file(p, file), 0);
	assert_int_equal(cv_probes_unwatch_file(p, file), -ENOENT);
	pid = run(NULL, false, (char *const[]){ "cat", file, NULL });
	collect(p, pid, &g);
	assert_int_equal(g.n, 0);
}

/*
 * A store on overlayfs without xino (Raspberry Pi OS's read-only root, a container's overlay): stat() says
 * the layer's device, a file opened through the overlay carries the overlay's. Watched by its merged path,
 * it is recorded read through the overlay and read through its layer's own path; unwatched, neither.
 */
static void test_overlay_store(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char base[PATH_MAX], lower[PATH_MAX], up[PATH_MAX], merged[PATH_MAX], opts[4 * PATH_MAX];
	char in_lower[PATH_MAX], in_merged[PATH_MAX];
	struct gathered g;
	struct stat st;
	pid_t pid;

	path_in(base, f->dir, "ovl");
	path_in(lower, base, "lower");
	path_in(up, base, "up");
	path_in(merged, base, "merged");
	assert_int_equal(mkdir(base, 0755), 0);
	assert_int_equal(mkdir(lower, 0755) | mkdir(up, 0755) | mkdir(merged, 0755), 0);
	/* Two filesystems, so that the overlay is not "samefs" and st_dev is the layer's. */
	assert_int_equal(mount("tmpfs", lower, "tmpfs", 0, "mode=0755"), 0);
	assert_int_equal(mount("tmpfs", up, "tmpfs", 0, "mode=0755"), 0);
	snprintf(opts, sizeof(opts), "%s/upper", up);
	assert_int_equal(mkdir(opts, 0755), 0);
	snprintf(opts, sizeof(opts), "%s/work", up);
	assert_int_equal(mkdir(opts, 0755), 0);
	path_in(in_lower, lower, "drive.mp4");
	make_sized(in_lower, CLIP_SIZE);
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s/upper,workdir=%s/work,xino=off", lower, up, up);
	if (mount("overlay", merged, "overlay", 0, opts)) {
		print_message("# overlayfs: %s\n", strerror(errno));
		umount2(lower, MNT_DETACH);
		umount2(up, MNT_DETACH);
		skip();
	}
	path_in(in_merged, merged, "drive.mp4");
	stat_path(in_merged, &st);
	assert_int_equal(cv_probes_watch_file(p, in_merged), 0);
	for (int i = 0; i < 2; i++) {
		const char *path = i ? in_lower : in_merged;

		int whole = 0;

		pid = run(NULL, false, (char *const[]){ "cat", (char *)path, NULL });
		collect_n(p, pid, &g, 1);
		/*
		 * At the hook tiers the overlay's own open of its layer's file (under the overlay's path) is a
		 * second session of the same read (its bytes counted too, or not, by tier): one or two, one at
		 * least with every byte.
		 */
		if (g.n < 1 || g.n > 2 - i)
			fail_msg("read of %s: %d records", path, g.n);
		for (int k = 0; k < g.n; k++) {
			assert_int_equal(g.recs[k].ino, st.st_ino);
			whole += g.recs[k].bytes_read == CLIP_SIZE;
		}
		assert_true(whole >= 1);
	}
	assert_int_equal(cv_probes_unwatch_file(p, in_merged), 0);
	pid = run(NULL, false, (char *const[]){ "cat", in_merged, NULL });
	collect(p, pid, &g);
	assert_int_equal(g.n, 0);
	umount2(merged, MNT_DETACH);
	umount2(lower, MNT_DETACH);
	umount2(up, MNT_DETACH);
}

/*
 * Two files watched on one filesystem share their bit of the watch filter: unwatching one leaves the
 * other recorded (the filter is rebuilt, not cleared), and unwatching both stops the records.
 */
static void test_watch_filter_shared(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char front[PATH_MAX], back[PATH_MAX], exe[PATH_MAX];
	struct gathered g;
	struct stat st_front, st_back;
	pid_t pid;

	new_watched_file(p, f->dir, "front.mp4", front, &st_front);
	new_watched_file(p, f->dir, "back.mp4", back, &st_back);
	exe_path("cat", exe);
	assert_int_equal(cv_probes_unwatch_file(p, front), 0);

	pid = run(NULL, false, (char *const[]){ "cat", front, back, NULL });
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_session(f, &g.recs[0], pid, "cat", exe, 0, back, &st_back, O_RDONLY);
	assert_int_equal(g.recs[0].bytes_read, 6);

	assert_int_equal(cv_probes_unwatch_file(p, back), 0);
	pid = run(NULL, false, (char *const[]){ "cat", front, back, NULL });
	collect(p, pid, &g);
	assert_int_equal(g.n, 0);
}

/* cp of a clip to $TMPDIR: the clip's session, every byte read; the copy, outside the vault, none. */
static void test_cp_out(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char clip[PATH_MAX], copy[PATH_MAX], exe[PATH_MAX];
	struct gathered g;
	struct stat st, st_copy;
	pid_t pid;

	new_clip(f, "driveway.mp4", clip, &st);
	path_in(copy, f->dir, "driveway-copy.mp4");
	exe_path("cp", exe);

	pid = run(NULL, false, (char *const[]){ "cp", clip, copy, NULL });
	stat_path(copy, &st_copy);
	assert_int_equal(st_copy.st_size, CLIP_SIZE);
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_session(f, &g.recs[0], pid, "cp", exe, 0, clip, &st, O_RDONLY);
	assert_int_equal(g.recs[0].bytes_read, CLIP_SIZE);
	assert_int_equal(g.recs[0].bytes_written, 0);
}

/* dd of a watched image file (a vault's backing store): bs * count exactly. */
static void test_dd_image(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char img[PATH_MAX], exe[PATH_MAX], iff[PATH_MAX + 3];
	struct gathered g;
	struct stat st;
	pid_t pid;

	path_in(img, f->dir, "cam0.img");
	make_sized(img, 1 << 20);
	stat_path(img, &st);
	assert_int_equal(cv_probes_watch_file(p, img), 0);
	exe_path("dd", exe);
	snprintf(iff, sizeof(iff), "if=%s", img);

	pid = run(NULL, false, (char *const[]){ "dd", iff, "of=/dev/null", "bs=4096", "count=7", "skip=3", "status=none", NULL });
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_session(f, &g.recs[0], pid, "dd", exe, 0, img, &st, O_RDONLY);
	assert_int_equal(g.recs[0].bytes_read, 7 * 4096);
	assert_int_equal(g.recs[0].bytes_written, 0);
	assert_int_equal(cv_probes_unwatch_file(p, img), 0);
}

/* ---- children of this test: mmap readers, socket copiers, inheritance, exit ---- */

struct job {
	const char *path;
	const char *out;	/* where a copier writes */
	size_t size;
	int mode;
	uint16_t port;		/* network order */
	int sock;
};

/* Touch every page of a mapping; 0 when the bytes are the file's. */
static int touch(const unsigned char *m, size_t size)
{
	unsigned sum = 0;

	for (size_t i = 0; i < size; i += 4096)
		sum += m[i];
	return sum == 0 ? 1 : 0;
}

enum { MMAP_MUNMAP_CLOSE, MMAP_CLOSE_MUNMAP, MMAP_EXIT };

static int mmap_reader(void *arg)
{
	const struct job *j = arg;
	unsigned char *m;
	int fd = open(j->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 2;
	m = mmap(NULL, j->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return 3;
	if (j->mode == MMAP_CLOSE_MUNMAP && close(fd))
		return 4;
	if (touch(m, j->size))
		return 5;
	if (j->mode == MMAP_EXIT)
		return 0;	/* neither munmap nor close: the exit does both */
	if (munmap(m, j->size))
		return 6;
	if (j->mode == MMAP_MUNMAP_CLOSE && close(fd))
		return 7;
	return 0;
}

/* An mmap reader: mmaps 1, and nothing read through read(2). */
static void test_mmap_reader(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	static const char *const names[] = { "munmap-close", "close-munmap", "exit" };
	char clip[PATH_MAX];
	struct gathered g;
	struct stat st;

	new_clip(f, "porch.mp4", clip, &st);
	for (int mode = MMAP_MUNMAP_CLOSE; mode <= MMAP_EXIT; mode++) {
		struct job j = { .path = clip, .size = CLIP_SIZE, .mode = mode };
		pid_t pid = spawn("mmap-reader", mmap_reader, &j);

		collect_n(p, pid, &g, 1);
		print_message("# %s: %d record(s), rflags %#x\n", names[mode], g.n, g.n ? g.recs[0].rflags : 0);
		assert_int_equal(g.n, 1);
		assert_rec(f, &g.recs[0], CAMVAULT_REC_SESSION, pid, &st);
		assert_string_equal(g.recs[0].comm, "mmap-reader");
		assert_string_equal(g.recs[0].exe, f->self_exe);
		assert_string_equal(g.recs[0].path, clip);
		assert_int_equal(g.recs[0].open_flags, given(f, O_RDONLY | O_CLOEXEC));
		assert_int_equal(g.recs[0].mmaps, 1);
		assert_int_equal(g.recs[0].bytes_read, 0);
		/*
		 * The fd went first: its last reference was the mapping's, dropped by munmap, which the
		 * syscall tier notices late, and the hook tiers see.
		 */
		if (mode == MMAP_CLOSE_MUNMAP && !hooks_tier(f))
			assert_true(g.recs[0].rflags & CAMVAULT_RF_CLOSE_LATE);
		else if (mode != MMAP_EXIT || hooks_tier(f))
			assert_int_equal(g.recs[0].rflags, 0);
	}
}

static int read_all(int fd, size_t *total)
{
	char buf[8192];
	ssize_t n;

	*total = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		*total += n;
	return n < 0 ? -1 : 0;
}

static int connect_local(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = port,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0 || connect(s, (struct sockaddr *)&sin, sizeof(sin)))
		return -1;
	return s;
}

enum { COPY_SENDFILE, COPY_READ_WRITE, COPY_SPLICE };

/* Send the file to 127.0.0.1:port: by sendfile(2), by read(2) and write(2), or splice(2) through a pipe. */
static int socket_copier(void *arg)
{
	const struct job *j = arg;
	int s = connect_local(j->port), fd = open(j->path, O_RDONLY | O_CLOEXEC), pfd[2];
	size_t sent = 0;

	if (s < 0 || fd < 0 || pipe(pfd))
		return 2;
	while (sent < j->size) {
		char buf[16384];
		ssize_t n, m;

		if (j->mode == COPY_SENDFILE) {
			n = sendfile(s, fd, NULL, j->size - sent);
		} else if (j->mode == COPY_READ_WRITE) {
			n = read(fd, buf, sizeof(buf));
			if (n > 0 && write(s, buf, n) != n)
				return 3;
		} else {
			n = splice(fd, NULL, pfd[1], NULL, 16384, 0);
			for (m = 0; n > 0 && m < n;) {
				ssize_t k = splice(pfd[0], NULL, s, NULL, n - m, 0);

				if (k <= 0)
					return 3;
				m += k;
			}
		}
		if (n <= 0)
			return 4;
		sent += n;
	}
	return close(fd) || close(s) ? 5 : 0;
}

/*
 * Footage to a TCP socket: the session says where (127.0.0.1, the listener's port). sendfile straight
 * from the file; read then write, and splice through a pipe, by the reader heuristic.
 */
static void test_socket_copiers(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	char clip[PATH_MAX];
	struct gathered g;
	struct stat st;
	int l;

	new_clip(f, "side-gate.mp4", clip, &st);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &len), 0);

	for (int mode = COPY_SENDFILE; mode <= COPY_SPLICE; mode++) {
		static const char *const names[] = { "sendfile-copier", "rw-copier", "splice-copier" };
		struct job j = { .path = clip, .size = CLIP_SIZE, .mode = mode, .port = sin.sin_port };
		pid_t pid = spawn_nowait(names[mode], socket_copier, &j);
		const struct camvault_rec *r;
		struct pollfd pfd = { .fd = l, .events = POLLIN };
		size_t got;
		int c;

		/* Not forever: a copier that failed never connects (wait_ok says why). */
		if (poll(&pfd, 1, 20000) != 1)
			wait_ok(pid);
		c = accept(l, NULL, NULL);
		assert_true(c >= 0);
		assert_int_equal(read_all(c, &got), 0);
		close(c);
		wait_ok(pid);
		assert_int_equal(got, CLIP_SIZE);

		collect_n(p, pid, &g, 1);
		assert_int_equal(g.n, 1);
		r = &g.recs[0];
		assert_rec(f, r, CAMVAULT_REC_SESSION, pid, &st);
		assert_string_equal(r->path, clip);
		assert_int_equal(r->bytes_read, CLIP_SIZE);
		assert_int_equal(r->bytes_written, 0);
		assert_int_equal(r->rflags, CAMVAULT_RF_PEER);
		assert_int_equal(r->peer_family, AF_INET);
		assert_int_equal(r->peer_port, sin.sin_port);
		assert_memory_equal(r->peer_addr, &(uint32_t){ htonl(INADDR_LOOPBACK) }, 4);
	}
	close(l);
}

struct datagrams {
	const char *path;
	struct sockaddr_storage to;
	socklen_t tolen;
};

/* Read the file and send it in datagrams, from an unconnected socket: sendto(2), then sendmsg(2). */
static int datagram_sender(void *arg)
{
	const struct datagrams *d = arg;
	int s = socket(d->to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), fd = open(d->path, O_RDONLY | O_CLOEXEC);
	char buf[8192];
	ssize_t n;
	bool msg = false;

	if (s < 0 || fd < 0)
		return 2;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		struct iovec iov = { .iov_base = buf, .iov_len = n };
		struct msghdr mh = { .msg_name = (void *)&d->to, .msg_namelen = d->tolen, .msg_iov = &iov,
				     .msg_iovlen = 1 };

		if ((msg ? sendmsg(s, &mh, 0) : sendto(s, buf, n, 0, (struct sockaddr *)&d->to, d->tolen)) != n)
			return 3;
		msg = !msg;
	}
	return n < 0 || close(fd) || close(s) ? 4 : 0;
}

/* Footage read, then sent by sendto/sendmsg to an address given with each datagram: PEER, that address. */
static void test_datagram_peer(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char clip[PATH_MAX];
	struct gathered g;
	struct stat st;

	new_clip(f, "datagrams.mp4", clip, &st);
	for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
		struct datagrams d = { .path = clip, .tolen = family == AF_INET ? sizeof(struct sockaddr_in) :
										  sizeof(struct sockaddr_in6) };
		struct sockaddr_in *sin = (struct sockaddr_in *)&d.to;
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&d.to;
		socklen_t len = d.tolen;
		const struct camvault_rec *r;
		int u = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		pid_t pid;

		if (u < 0 && family == AF_INET6) {
			print_message("# no IPv6 (%s): AF_INET6 not checked\n", strerror(errno));
			break;
		}
		assert_true(u >= 0);
		d.to.ss_family = family;
		if (family == AF_INET)
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		else
			sin6->sin6_addr = in6addr_loopback;
		assert_int_equal(bind(u, (struct sockaddr *)&d.to, len), 0);
		assert_int_equal(getsockname(u, (struct sockaddr *)&d.to, &len), 0);

		pid = spawn("datagrams", datagram_sender, &d);
		close(u);
		collect_n(p, pid, &g, 1);
		assert_int_equal(g.n, 1);
		r = &g.recs[0];
		assert_rec(f, r, CAMVAULT_REC_SESSION, pid, &st);
		assert_int_equal(r->bytes_read, CLIP_SIZE);
		assert_int_equal(r->rflags, CAMVAULT_RF_PEER);
		assert_int_equal(r->peer_family, family);
		if (family == AF_INET) {
			assert_int_equal(r->peer_port, sin->sin_port);
			assert_memory_equal(r->peer_addr, &sin->sin_addr, 4);
		} else {
			assert_int_equal(r->peer_port, sin6->sin6_port);
			assert_memory_equal(r->peer_addr, &sin6->sin6_addr, 16);
		}
	}
}

struct inherit {
	const char *path;
	int ready[2];
};

/* Open, fork; close first; the child reads everything and closes last. */
static int inheriting_opener(void *arg)
{
	struct inherit *in = arg;
	int fd = open(in->path, O_RDONLY), status;
	pid_t child;
	char c = 1;

	if (fd < 0 || pipe(in->ready))
		return 2;
	child = fork();
	if (child < 0)
		return 3;
	if (child == 0) {
		size_t total;

		prctl(PR_SET_NAME, "heir");
		close(in->ready[1]);
		if (read(in->ready[0], &c, 1) != 1 || read_all(fd, &total) || total != CLIP_SIZE || close(fd))
			_exit(4);
		_exit(0);
	}
	close(in->ready[0]);
	if (close(fd) || write(in->ready[1], &c, 1) != 1)
		return 5;
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
		return 6;
	return WEXITSTATUS(status);
}

/* A child inherits the fd and the opener closes first: one record, at the child's close, with its reads. */
static void test_inherited_fd(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	struct inherit in = { 0 };
	char clip[PATH_MAX];
	struct gathered g;
	struct stat st;
	pid_t pid;

	new_clip(f, "shed.mp4", clip, &st);
	in.path = clip;
	pid = spawn("opener", inheriting_opener, &in);
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_session(f, &g.recs[0], pid, "opener", NULL, 0, clip, &st, O_RDONLY);
	assert_int_equal(g.recs[0].bytes_read, CLIP_SIZE);
	assert_int_equal(g.recs[0].rflags, 0);
}

static int reader_no_close(void *arg)
{
	const struct job *j = arg;
	int fd = open(j->path, O_RDONLY);
	size_t total;

	if (fd < 0 || read_all(fd, &total) || total != j->size)
		return 2;
	return 0;	/* no close */
}

/* A process that exits without closing: its record at the exit. */
static void test_exit_without_close(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char clip[PATH_MAX];
	struct gathered g;
	struct stat st;
	struct job j;
	uint64_t before, after;
	pid_t pid;

	new_clip(f, "garden.mp4", clip, &st);
	j = (struct job){ .path = clip, .size = CLIP_SIZE };
	before = boot_ns();
	pid = spawn("no-close", reader_no_close, &j);
	after = boot_ns();
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_session(f, &g.recs[0], pid, "no-close", NULL, 0, clip, &st, O_RDONLY);
	assert_int_equal(g.recs[0].bytes_read, CLIP_SIZE);
	assert_true(g.recs[0].close_ns >= before && g.recs[0].close_ns <= after);
	assert_int_equal(g.recs[0].rflags, 0);
}

enum { CLOSE_RANGE, CLOSE_DUP2, CLOSE_EXEC };

static int other_closer(void *arg)
{
	const struct job *j = arg;
	int fd = open(j->path, O_RDONLY | (j->mode == CLOSE_EXEC ? O_CLOEXEC : 0)), null;
	size_t total;

	if (fd < 0 || read_all(fd, &total) || total != j->size)
		return 2;
	switch (j->mode) {
	case CLOSE_RANGE:
		return syscall(SYS_close_range, 3, ~0U, 0) ? 3 : 0;
	case CLOSE_DUP2:
		null = open("/dev/null", O_RDONLY);
		return null < 0 || dup2(null, fd) != fd ? 4 : 0;
	default:
		execl("/bin/true", "true", (char *)NULL);
		return 5;
	}
}

/* The last close by close_range(2), by dup2(2) over the fd, by exec of a close-on-exec fd. */
static void test_other_closes(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	static const char *const names[] = { "close-range", "dup2", "exec" };
	char clip[PATH_MAX];
	struct gathered g;
	struct stat st;

	new_clip(f, "closes.mp4", clip, &st);
	for (int mode = CLOSE_RANGE; mode <= CLOSE_EXEC; mode++) {
		struct job j = { .path = clip, .size = CLIP_SIZE, .mode = mode };
		uint64_t before = boot_ns();
		pid_t pid = spawn(names[mode], other_closer, &j);

		collect_n(p, pid, &g, 1);
		print_message("# %s: %d record(s), rflags %#x\n", names[mode], g.n, g.n ? g.recs[0].rflags : 0);
		assert_int_equal(g.n, 1);
		assert_session(f, &g.recs[0], pid, names[mode], NULL, 0, clip, &st,
			       O_RDONLY | (mode == CLOSE_EXEC ? O_CLOEXEC : 0));
		assert_int_equal(g.recs[0].bytes_read, CLIP_SIZE);
		assert_int_equal(g.recs[0].rflags, mode == CLOSE_EXEC && !hooks_tier(f) ? CAMVAULT_RF_CLOSE_LATE : 0);
		assert_true(g.recs[0].close_ns >= before);
	}
}

/* ---- unlink, rename, truncate ---- */

/* A record of a path operation by pid (rm, mv...), of the vault's filesystem (ino 0: a path). */
static void assert_pathop(const struct fixture *f, const struct camvault_rec *r, int type, pid_t pid,
			  const char *comm, const char *path, const char *path2)
{
	char exe[PATH_MAX];

	exe_path(comm, exe);
	assert_rec(f, r, type, pid, NULL);
	assert_int_equal(r->tid, pid);
	assert_int_equal(r->ppid, getpid());
	assert_int_equal(r->uid, 0);
	assert_string_equal(r->comm, comm);
	assert_string_equal(r->exe, exe);
	assert_string_equal(r->path, path);
	assert_string_equal(r->path2, path2);
	assert_int_equal(r->open_ns, r->close_ns);
	assert_true(r->open_ns > 0);
	assert_int_equal(r->rflags, 0);
}

/* rm of a clip, by a name relative to the cwd and by an absolute path; rm elsewhere: nothing. */
static void test_rm(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char a[PATH_MAX], b[PATH_MAX], other[PATH_MAX], img[PATH_MAX], keep[PATH_MAX];
	struct gathered g;
	struct stat st, sta;
	pid_t pid;

	new_clip(f, "rm-relative.mp4", a, &sta);
	new_clip(f, "rm-absolute.mp4", b, &st);

	pid = run(f->mnt, false, (char *const[]){ "rm", "rm-relative.mp4", NULL });
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_pathop(f, &g.recs[0], CAMVAULT_REC_UNLINK, pid, "rm", a, "");
	assert_int_equal(g.recs[0].dev, camvault_kdev(f->mnt_st.st_dev));
	/* The syscall tier saw a name on a watched filesystem; the hooks, the inode. */
	assert_int_equal(g.recs[0].ino, hooks_tier(f) ? sta.st_ino : 0);

	pid = run("/", false, (char *const[]){ "rm", b, NULL });
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_pathop(f, &g.recs[0], CAMVAULT_REC_UNLINK, pid, "rm", b, "");
	assert_int_equal(g.recs[0].dev, camvault_kdev(f->mnt_st.st_dev));

	/*
	 * A watched file outside the vault, by its path: its dev and ino too. A second link keeps the
	 * inode, to unwatch it after (else a later file could get its number, and be watched).
	 */
	new_watched_file(p, f->dir, "cam1.img", img, &st);
	path_in(keep, f->dir, "cam1.img.link");
	assert_int_equal(link(img, keep), 0);
	pid = run("/", false, (char *const[]){ "rm", img, NULL });
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_pathop(f, &g.recs[0], CAMVAULT_REC_UNLINK, pid, "rm", img, "");
	assert_int_equal(g.recs[0].dev, camvault_kdev(st.st_dev));
	assert_int_equal(g.recs[0].ino, st.st_ino);
	assert_int_equal(cv_probes_unwatch_file(p, keep), 0);

	path_in(other, f->dir, "not-footage.txt");
	make_file(other);
	pid = run(f->dir, false, (char *const[]){ "rm", "not-footage.txt", NULL });
	collect(p, pid, &g);
	assert_int_equal(g.n, 0);
	/* A failed unlink is no record. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(unlink(a) == -1 && errno == ENOENT ? 0 : 1);
	wait_ok(pid);
	collect(p, pid, &g);
	assert_int_equal(g.n, 0);
}

/* mv inside the vault: a rename record with both paths. */
static void test_mv(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX];
	struct gathered g;
	struct stat st;
	pid_t pid;

	new_clip(f, "mv-a.mp4", a, &st);
	path_in(b, f->mnt, "mv-b.mp4");
	path_in(c, f->mnt, "mv-c.mp4");

	pid = run(f->mnt, false, (char *const[]){ "mv", "mv-a.mp4", "mv-b.mp4", NULL });
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_pathop(f, &g.recs[0], CAMVAULT_REC_RENAME, pid, "mv", a, b);
	assert_int_equal(g.recs[0].dev, camvault_kdev(f->mnt_st.st_dev));

	pid = run("/", false, (char *const[]){ "mv", b, c, NULL });
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_pathop(f, &g.recs[0], CAMVAULT_REC_RENAME, pid, "mv", b, c);
	stat_path(c, &st);
}

/* truncate -s 0: its open's session and a truncate record; truncate(2), O_TRUNC too. */
static void test_truncate(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char a[PATH_MAX], b[PATH_MAX], fresh[PATH_MAX], exe[PATH_MAX];
	struct gathered g;
	struct stat st;
	pid_t pid;
	int fd;

	new_clip(f, "truncate-me.mp4", a, &st);
	exe_path("truncate", exe);
	pid = run(NULL, false, (char *const[]){ "truncate", "-s", "0", a, NULL });
	collect_n(p, pid, &g, 2);
	assert_int_equal(g.n, 2);
	/* ftruncate(2) of its fd: the file's own path and inode. */
	assert_rec(f, &g.recs[0], CAMVAULT_REC_TRUNCATE, pid, &st);
	assert_string_equal(g.recs[0].comm, "truncate");
	assert_string_equal(g.recs[0].exe, exe);
	assert_string_equal(g.recs[0].path, a);
	assert_int_equal(g.recs[0].open_ns, g.recs[0].close_ns);
	assert_session(f, &g.recs[1], pid, "truncate", exe, 0, a, &st, O_WRONLY | O_CREAT | O_NONBLOCK);
	assert_int_equal(g.recs[1].bytes_written + g.recs[1].bytes_read, 0);

	/* truncate(2) by a path relative to the cwd; open(O_TRUNC) of an existing file; not of a new one. */
	new_clip(f, "truncate-me-too.mp4", b, &st);
	path_in(fresh, f->mnt, "fresh.mp4");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, "truncator");
		if (chdir(f->mnt) || truncate("truncate-me-too.mp4", 100))
			_exit(2);
		fd = open(b, O_WRONLY | O_TRUNC);
		if (fd < 0 || close(fd))
			_exit(3);
		fd = open(fresh, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		_exit(fd < 0 || close(fd) ? 4 : 0);
	}
	wait_ok(pid);
	collect_n(p, pid, &g, 4);
	assert_int_equal(g.n, 4);
	assert_rec(f, &g.recs[0], CAMVAULT_REC_TRUNCATE, pid, NULL);
	assert_string_equal(g.recs[0].path, b);
	assert_int_equal(g.recs[0].ino, hooks_tier(f) ? st.st_ino : 0);
	assert_int_equal(g.recs[0].dev, camvault_kdev(f->mnt_st.st_dev));
	assert_rec(f, &g.recs[1], CAMVAULT_REC_TRUNCATE, pid, &st);
	assert_string_equal(g.recs[1].path, b);
	/* Before 6.2 the hooks see an O_TRUNC open's truncate as path_truncate, without the open's flags. */
	if (!hooks_tier(f) || g.recs[1].open_flags)
		assert_int_equal(g.recs[1].open_flags, O_WRONLY | O_TRUNC);
	assert_session(f, &g.recs[2], pid, "truncator", NULL, 0, b, &st, O_WRONLY | O_TRUNC);
	stat_path(fresh, &st);
	assert_session(f, &g.recs[3], pid, "truncator", NULL, 0, fresh, &st, O_WRONLY | O_CREAT | O_TRUNC);
}

/* fio's io_uring engine: its session says its I/O went unobserved. */
static void test_io_uring_fio(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char clip[PATH_MAX], fname[PATH_MAX + 16], size[32];
	struct gathered g;
	struct stat st;
	bool unobserved = false;
	uint64_t total = 0;
	pid_t pid;

	if (system("command -v fio >/dev/null 2>&1") != 0) {
		print_message("# SKIP: no fio\n");
		skip();
	}
	new_clip(f, "fio.mp4", clip, &st);
	snprintf(fname, sizeof(fname), "--filename=%s", clip);
	snprintf(size, sizeof(size), "--size=%d", CLIP_SIZE / 4096 * 4096);
	pid = run(NULL, false, (char *const[]){ "fio", "--name=uring", fname, "--rw=read", "--bs=4k", size,
						"--ioengine=io_uring", "--thread", "--numjobs=1", "--invalidate=0",
						"--output=/dev/null", NULL });
	collect_n(p, pid, &g, 1);
	assert_true(g.n >= 1);
	for (int i = 0; i < g.n && i < MAX_RECS; i++) {
		assert_rec(f, &g.recs[i], CAMVAULT_REC_SESSION, pid, &st);
		assert_string_equal(g.recs[i].path, clip);
		print_message("# fio session %d: rflags %#x, %llu bytes read\n", i, g.recs[i].rflags,
			      (unsigned long long)g.recs[i].bytes_read);
		total += g.recs[i].bytes_read;
		if (g.recs[i].rflags & CAMVAULT_RF_UNOBSERVED) {
			unobserved = true;
			assert_true(g.recs[i].bytes_read < CLIP_SIZE);
		}
		assert_false(g.recs[i].rflags & CAMVAULT_RF_UNCOUNTED);
	}
	/* The syscall tier knows the process uses io_uring; the hooks count its reads at completion. */
	if (hooks_tier(f))
		assert_int_equal(total, CLIP_SIZE / 4096 * 4096);
	else
		assert_true(unobserved);
}

/* A camera stand-in: every char device of /dev/null's major is one while watched. */
static int camera_user(void *arg)
{
	int fd = open("/dev/null", O_RDWR), type = 1;
	char buf[128] = { 0 };

	(void)arg;
	if (fd < 0)
		return 2;
	/* VIDIOC_STREAMON, VIDIOC_DQBUF: /dev/null says ENOTTY, so neither counts as streaming. */
	if (ioctl(fd, _IOW('V', 18, int), &type) != -1 || ioctl(fd, _IOWR('V', 17, char[88]), buf) != -1)
		return 3;
	return close(fd) ? 4 : 0;
}

static void test_camera_major(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	struct gathered g;
	struct stat st;
	pid_t pid;

	stat_path("/dev/null", &st);
	assert_int_equal(cv_probes_watch_major(p, major(st.st_rdev)), 0);
	pid = spawn("camera-user", camera_user, NULL);
	assert_int_equal(cv_probes_unwatch_major(p, major(st.st_rdev)), 0);
	assert_int_equal(cv_probes_unwatch_major(p, major(st.st_rdev)), -ENOENT);
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_rec(f, &g.recs[0], CAMVAULT_REC_SESSION, pid, NULL);
	assert_int_equal(g.recs[0].dev, camvault_kdev(st.st_rdev));
	assert_int_equal(g.recs[0].ino, st.st_ino);
	assert_string_equal(g.recs[0].path, "/dev/null");
	assert_int_equal(g.recs[0].rflags, CAMVAULT_RF_CAMERA);
	assert_int_equal(g.recs[0].open_flags, O_RDWR);
	assert_int_equal(g.recs[0].ioctls, 2);
	assert_int_equal(g.recs[0].streamons, 0);
	assert_int_equal(g.recs[0].dqbufs, 0);
}

/*
 * Opens of files created in the vault, by this process: O_CREAT and the bytes written; the vault's
 * files only; nothing once the vault is unwatched (then watched again, for the tests after).
 */
static void test_watched_fs(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char a[PATH_MAX], b[PATH_MAX], elsewhere[PATH_MAX], exe[PATH_MAX];
	struct stat st_a, st_b;
	struct gathered g;
	pid_t pid;
	int fd;

	path_in(a, f->mnt, "2024-06-01.mp4");
	path_in(b, f->mnt, "2024-06-02.mp4");
	path_in(elsewhere, f->dir, "not-in-vault.mp4");
	make_file(a);
	make_file(elsewhere);
	fd = open(b, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	assert_int_equal(pwrite(fd, "abc", 3, 100), 3);
	assert_int_equal(close(fd), 0);
	stat_path(a, &st_a);
	stat_path(b, &st_b);

	collect_n(p, getpid(), &g, 2);
	assert_int_equal(g.n, 2);
	assert_rec(f, &g.recs[0], CAMVAULT_REC_SESSION, getpid(), &st_a);
	assert_string_equal(g.recs[0].path, a);
	assert_int_equal(g.recs[0].open_flags, given(f, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC));
	assert_int_equal(g.recs[0].bytes_written, 6);
	assert_rec(f, &g.recs[1], CAMVAULT_REC_SESSION, getpid(), &st_b);
	assert_int_equal(g.recs[1].open_flags, given(f, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC));
	assert_int_equal(g.recs[1].bytes_written, 13);
	assert_int_equal(g.recs[1].bytes_read, 0);

	exe_path("cat", exe);
	pid = run(NULL, false, (char *const[]){ "cat", elsewhere, a, NULL });
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_session(f, &g.recs[0], pid, "cat", exe, 0, a, &st_a, O_RDONLY);

	assert_int_equal(cv_probes_unwatch_fs(p, b), 0);
	pid = run(NULL, false, (char *const[]){ "cat", a, b, NULL });
	collect(p, pid, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(cv_probes_watch_fs(p, f->mnt), 0);
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
	uint32_t flags[4], types[4];

	new_watched_file(p, f->dir, "shed-door.mp4", file, &st);

	fd = syscall(SYS_openat2, AT_FDCWD, file, &how, sizeof(how));
	if (fd >= 0) {
		types[expected] = CAMVAULT_REC_SESSION;
		flags[expected++] = how.flags;
		close(fd);
	} else {
		assert_int_equal(errno, ENOSYS);
		print_message("# openat2: ENOSYS, not checked\n");
	}
#ifdef SYS_open
	fd = syscall(SYS_open, file, O_RDWR | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	types[expected] = CAMVAULT_REC_SESSION;
	flags[expected++] = O_RDWR | O_APPEND | O_CLOEXEC;
	close(fd);
#endif
#ifdef SYS_creat
	/* creat(2) of a file that exists truncates it. */
	fd = syscall(SYS_creat, file, 0644);
	assert_true(fd >= 0);
	types[expected] = CAMVAULT_REC_TRUNCATE;
	flags[expected++] = O_CREAT | O_WRONLY | O_TRUNC;
	types[expected] = CAMVAULT_REC_SESSION;
	flags[expected++] = O_CREAT | O_WRONLY | O_TRUNC;
	close(fd);
#endif
	collect_n(p, getpid(), &g, expected);
	assert_int_equal(g.n, expected);
	for (int i = 0; i < expected; i++) {
		assert_rec(f, &g.recs[i], types[i], getpid(), &st);
		/* Before 6.2 the hooks see an O_TRUNC open's truncate as path_truncate, without its flags. */
		if (types[i] != CAMVAULT_REC_TRUNCATE || !hooks_tier(f) || g.recs[i].open_flags)
			assert_int_equal(g.recs[i].open_flags, given(f, flags[i]));
		assert_string_equal(g.recs[i].path, file);
	}
	assert_int_equal(cv_probes_unwatch_file(p, file), 0);
}

/* A file opened before it was watched: its session starts at its first I/O, and says so. */
static void test_open_unseen(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char file[PATH_MAX], buf[100];
	struct gathered g;
	struct stat st;
	int fd;

	path_in(file, f->dir, "earlier.mp4");
	make_sized(file, 5000);
	stat_path(file, &st);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(cv_probes_watch_file(p, file), 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(read(fd, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(close(fd), 0);
	collect_n(p, getpid(), &g, 1);
	assert_int_equal(g.n, 1);
	assert_rec(f, &g.recs[0], CAMVAULT_REC_SESSION, getpid(), &st);
	assert_int_equal(g.recs[0].open_ns, 0);
	assert_int_equal(g.recs[0].open_flags & O_ACCMODE, O_RDONLY);
	/* A kretprobe knows no file: the read that made the session went uncounted, and it says so. */
	if (cv_probes_tier(p) == CAMVAULT_TIER_KPROBE) {
		assert_int_equal(g.recs[0].rflags, CAMVAULT_RF_OPEN_UNSEEN | CAMVAULT_RF_UNCOUNTED);
		assert_int_equal(g.recs[0].bytes_read, sizeof(buf));
	} else {
		assert_int_equal(g.recs[0].rflags, CAMVAULT_RF_OPEN_UNSEEN);
		assert_int_equal(g.recs[0].bytes_read, 2 * sizeof(buf));
	}
	assert_string_equal(g.recs[0].path, file);
	assert_int_equal(cv_probes_unwatch_file(p, file), 0);
}

/*
 * Paths too long, or too deep, for the record: their last components, flagged PATH_TAIL. Too deep is
 * more components than the walk takes (CV_WALK_MAX); at the LSM and fentry tiers the open's path comes
 * from d_path, which has no such limit: the whole path, when it fits.
 */
static void test_long_paths(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	static const char *const parts[] = { "a-directory-name-of-sixty-characters-give-or-take-0123456789",
					     "d" };
	static const int depth[] = { 6, 40 };

	for (int k = 0; k < 2; k++) {
		char dir[PATH_MAX], file[PATH_MAX];
		struct gathered g;
		struct stat st;
		size_t len, tail;
		int fd;

		snprintf(dir, sizeof(dir), "%s", f->mnt);
		for (int i = 0; i < depth[k]; i++) {
			assert_true(strlen(dir) + strlen(parts[k]) + 2 < sizeof(dir));
			strcat(dir, "/");
			strcat(dir, parts[k]);
			assert_true(mkdir(dir, 0755) == 0 || errno == EEXIST);
		}
		path_in(file, dir, "clip.mp4");
		make_file(file);
		stat_path(file, &st);
		drain(p);
		fd = open(file, O_RDONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(close(fd), 0);
		collect_n(p, getpid(), &g, 1);
		assert_int_equal(g.n, 1);
		assert_rec(f, &g.recs[0], CAMVAULT_REC_SESSION, getpid(), &st);
		len = strlen(file);
		if (k == 1 && typed_tier(f)) {
			assert_true(len < CAMVAULT_PATH_LEN);
			assert_int_equal(g.recs[0].rflags, 0);
			assert_string_equal(g.recs[0].path, file);
			continue;
		}
		assert_int_equal(g.recs[0].rflags, CAMVAULT_RF_PATH_TAIL);
		tail = strlen(g.recs[0].path);
		print_message("# %zu-byte path, %d deep: \"%s\"\n", len, depth[k] + 1, g.recs[0].path);
		assert_true(tail > 0 && tail < len && tail < CAMVAULT_PATH_LEN);
		assert_int_equal(g.recs[0].path[0], '/');
		assert_string_equal(g.recs[0].path, file + len - tail);
	}
}

/* Threads reading one fd at once: each of them the whole clip, READS_EACH times, 4 KiB at a time. */
#define READERS 4
#define READS_EACH 8

struct shared_fd {
	int fd;
	pthread_barrier_t start;
	int failed;
};

static void *fd_sharer(void *arg)
{
	struct shared_fd *sf = arg;
	char buf[4096];

	pthread_barrier_wait(&sf->start);
	for (int r = 0; r < READS_EACH; r++) {
		for (off_t off = 0; off < CLIP_SIZE;) {
			ssize_t n = pread(sf->fd, buf, sizeof(buf), off);

			if (n <= 0) {
				__atomic_store_n(&sf->failed, 1, __ATOMIC_RELAXED);
				return NULL;
			}
			off += n;
		}
	}
	return NULL;
}

static int threads_reader(void *arg)
{
	const struct job *j = arg;
	struct shared_fd sf = { .fd = open(j->path, O_RDONLY | O_CLOEXEC) };
	pthread_t t[READERS];

	if (sf.fd < 0 || pthread_barrier_init(&sf.start, NULL, READERS))
		return 2;
	for (int i = 0; i < READERS; i++)
		if (pthread_create(&t[i], NULL, fd_sharer, &sf))
			return 3;
	for (int i = 0; i < READERS; i++)
		pthread_join(t[i], NULL);
	return sf.failed || close(sf.fd) ? 4 : 0;
}

/*
 * Threads reading one file at once: every byte counted, none said uncounted. (At the LSM and fentry
 * tiers a read's check waits for its counter in the session, or in "unmarked" when another thread's
 * waits there: both paths, in a race.)
 */
static void test_threads_share_file(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char clip[PATH_MAX];
	struct gathered g;
	struct stat st;

	new_clip(f, "drive.mp4", clip, &st);
	for (int round = 0; round < 3; round++) {
		struct job j = { .path = clip, .size = CLIP_SIZE };
		pid_t pid = spawn("fd-sharers", threads_reader, &j);

		collect_n(p, pid, &g, 1);
		assert_int_equal(g.n, 1);
		assert_rec(f, &g.recs[0], CAMVAULT_REC_SESSION, pid, &st);
		assert_int_equal(g.recs[0].bytes_read, (uint64_t)READERS * READS_EACH * CLIP_SIZE);
		assert_int_equal(g.recs[0].rflags, 0);
	}
}

/* More threads than "inflight" holds (8192), alive at once, each of which has read footage once. */
#define MANY_THREADS (8192 + 64)

struct many_readers {
	int fd;
	pthread_barrier_t all_read;
	int failed;
};

static void *read_then_wait(void *arg)
{
	struct many_readers *m = arg;
	char buf[4096];

	if (pread(m->fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		__atomic_store_n(&m->failed, 1, __ATOMIC_RELAXED);
	pthread_barrier_wait(&m->all_read);
	return NULL;
}

/* Exit status 77: the threads could not all be made (a limit on tasks). */
static int many_threads_reader(void *arg)
{
	const struct job *j = arg;
	struct many_readers m = { .fd = open(j->path, O_RDONLY | O_CLOEXEC) };
	pthread_t *t = calloc(MANY_THREADS, sizeof(*t));
	long min = sysconf(_SC_THREAD_STACK_MIN);	/* arm64's glibc: 128 KiB */
	size_t stack = min > 64 << 10 ? (size_t)min : 64 << 10;
	pthread_attr_t attr;

	if (m.fd < 0 || !t || pthread_attr_init(&attr) || pthread_attr_setstacksize(&attr, stack) ||
	    pthread_barrier_init(&m.all_read, NULL, MANY_THREADS))
		return 2;
	for (int i = 0; i < MANY_THREADS; i++)
		if (pthread_create(&t[i], &attr, read_then_wait, &m))
			_exit(77);	/* the threads made wait at the barrier: leave them */
	for (int i = 0; i < MANY_THREADS; i++)
		pthread_join(t[i], NULL);
	return m.failed || close(m.fd) ? 4 : 0;
}

/*
 * Never silent when the per-thread table is full: at the kprobe and tracepoint tiers a read's thread
 * holds an element of "inflight" from the read until it exits, and a read with no room left is not
 * counted, but its session says so (UNCOUNTED), and what it does count is exact. The LSM and fentry
 * tiers count at the read's exit, with nothing per thread held: every byte.
 */
static void test_full_inflight_counted(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	const uint64_t all = (uint64_t)MANY_THREADS * 4096;
	struct job j = { .size = CLIP_SIZE };
	char clip[PATH_MAX];
	struct gathered g;
	struct stat st;
	int status;
	pid_t pid;

	new_clip(f, "crowd.mp4", clip, &st);
	j.path = clip;
	pid = spawn_nowait("many-readers", many_threads_reader, &j);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		print_message("# SKIP: could not run %d threads at once here\n", MANY_THREADS);
		skip();
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_rec(f, &g.recs[0], CAMVAULT_REC_SESSION, pid, &st);
	print_message("# %d threads: %llu of %llu bytes counted, rflags %#x\n", MANY_THREADS,
		      (unsigned long long)g.recs[0].bytes_read, (unsigned long long)all, g.recs[0].rflags);
	assert_int_equal(g.recs[0].bytes_read % 4096, 0);
	if (typed_tier(f)) {
		assert_int_equal(g.recs[0].bytes_read, all);
		return;
	}
	assert_int_equal(g.recs[0].rflags, CAMVAULT_RF_UNCOUNTED);
	assert_true(g.recs[0].bytes_read <= (uint64_t)8192 * 4096);
	assert_true(g.recs[0].bytes_read >= (uint64_t)(8192 - 64) * 4096);
}

/* An aio read (io_submit): one 4 KiB read the probes see but cannot count. */
static int aio_reader(void *arg)
{
	const struct job *j = arg;
	static char buf[4096];
	struct iocb cb = { .aio_lio_opcode = IOCB_CMD_PREAD, .aio_buf = (uintptr_t)buf, .aio_nbytes = sizeof(buf) };
	struct iocb *cbs[1] = { &cb };
	aio_context_t ctx = 0;
	struct io_event ev;
	int fd = open(j->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || syscall(SYS_io_setup, 1, &ctx))
		return 2;
	cb.aio_fildes = fd;
	if (syscall(SYS_io_submit, ctx, 1, cbs) != 1 || syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) != 1 ||
	    ev.res != sizeof(buf))
		return 3;
	syscall(SYS_io_destroy, ctx);
	/* Then a plain read by the same thread, which must not pass for the aio one. */
	if (pread(fd, buf, sizeof(buf), 0) != sizeof(buf))
		return 4;
	return close(fd) ? 5 : 0;
}

/*
 * aio reads footage where no counter does: the record says its bytes went uncounted, at every tier,
 * though a counted read of the same thread follows it (its bytes are the record's).
 */
static void test_aio_uncounted(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	struct job j = { .size = CLIP_SIZE };
	aio_context_t ctx = 0;
	char clip[PATH_MAX];
	struct gathered g;
	struct stat st;
	pid_t pid;

	if (syscall(SYS_io_setup, 1, &ctx)) {
		print_message("# SKIP: no aio in this kernel (%s)\n", strerror(errno));
		skip();
	}
	syscall(SYS_io_destroy, ctx);
	new_clip(f, "alley.mp4", clip, &st);
	j.path = clip;
	pid = spawn("aio-reader", aio_reader, &j);
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_rec(f, &g.recs[0], CAMVAULT_REC_SESSION, pid, &st);
	assert_int_equal(g.recs[0].rflags, CAMVAULT_RF_UNCOUNTED);
	assert_int_equal(g.recs[0].bytes_read, 4096);
}

enum { VEC_READV, VEC_COPY_FILE_RANGE };

/*
 * readv(2) to the end through two buffers, then preadv(2) of the first 4 KiB; or copy_file_range(2) of
 * the whole clip to j->out (on the same filesystem: the kernel copies, by splicing).
 */
static int vector_reader(void *arg)
{
	const struct job *j = arg;
	static char a[4096], b[8192];
	struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	int fd = open(j->path, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (fd < 0)
		return 2;
	if (j->mode == VEC_READV) {
		while ((n = readv(fd, iov, 2)) > 0)
			;
		if (n < 0 || preadv(fd, iov, 1, 0) != sizeof(a))
			return 3;
		return close(fd) ? 4 : 0;
	}
	out = open(j->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		return 5;
	for (size_t done = 0; done < j->size; done += n)
		if ((n = copy_file_range(fd, NULL, out, NULL, j->size - done, 0)) <= 0)
			return 6;
	return close(fd) || close(out) ? 7 : 0;
}

/*
 * The read families the other tests do not use: readv and preadv (the syscall tier's READ op; the hook
 * tiers' do_iter_read, to 6.8), and copy_file_range (the syscall tier's SPLICE op; in the kernel, a
 * splice, do_splice_direct to 6.7): every byte counted, nothing flagged, both files' sessions.
 */
static void test_vectors_and_copies(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char clip[PATH_MAX], copy[PATH_MAX];
	struct gathered g;
	struct stat st, st_copy;
	pid_t pid;

	new_clip(f, "gate.mp4", clip, &st);
	pid = spawn("vector-reader", vector_reader, &(struct job){ .path = clip, .size = CLIP_SIZE, .mode = VEC_READV });
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_session(f, &g.recs[0], pid, "vector-reader", NULL, 0, clip, &st, O_RDONLY | O_CLOEXEC);
	print_message("# readv: %llu bytes read, rflags %#x\n", (unsigned long long)g.recs[0].bytes_read,
		      g.recs[0].rflags);
	assert_int_equal(g.recs[0].bytes_read, CLIP_SIZE + 4096);
	assert_int_equal(g.recs[0].rflags, 0);

	path_in(copy, f->mnt, "gate-copy.mp4");
	pid = spawn("range-copier", vector_reader, &(struct job){ .path = clip, .out = copy, .size = CLIP_SIZE,
								   .mode = VEC_COPY_FILE_RANGE });
	stat_path(copy, &st_copy);
	assert_int_equal(st_copy.st_size, CLIP_SIZE);
	collect_n(p, pid, &g, 2);
	assert_int_equal(g.n, 2);
	for (int i = 0; i < 2; i++) {
		const struct camvault_rec *r = &g.recs[i];
		bool in = strcmp(r->path, clip) == 0;

		print_message("# copy_file_range: %s: %llu read, %llu written, rflags %#x\n", r->path,
			      (unsigned long long)r->bytes_read, (unsigned long long)r->bytes_written, r->rflags);
		assert_session(f, r, pid, "range-copier", NULL, 0, in ? clip : copy, in ? &st : &st_copy,
			       in ? O_RDONLY | O_CLOEXEC : O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
		assert_int_equal(r->bytes_read, in ? CLIP_SIZE : 0);
		assert_int_equal(r->bytes_written, in ? 0 : CLIP_SIZE);
		assert_int_equal(r->rflags, 0);
	}
}

struct chrooted {
	const char *root;	/* where the reader chroots */
	const char *path;	/* the clip, as it sees it */
	size_t size;
};

static int chrooted_reader(void *arg)
{
	const struct chrooted *c = arg;
	size_t total;
	int fd;

	if (chroot(c->root) || chdir("/"))
		return 2;
	fd = open(c->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read_all(fd, &total) || total != c->size)
		return 3;
	return close(fd) ? 4 : 0;
}

/*
 * A process in a chroot is seen where it is: the path of what it reads is the path from the root of
 * the mount namespace, as every tier's walk gives it, not the one its chroot shows it (d_path's). The
 * chroot at a directory, then at the vault's own mount.
 */
static void test_chroot_path(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	struct chrooted jobs[] = {
		{ .root = f->dir, .path = "/vault/garden.mp4", .size = CLIP_SIZE },
		{ .root = f->mnt, .path = "/garden.mp4", .size = CLIP_SIZE },
	};
	char clip[PATH_MAX];
	struct gathered g;
	struct stat st;

	new_clip(f, "garden.mp4", clip, &st);
	for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
		pid_t pid = spawn("chrooted", chrooted_reader, &jobs[i]);

		collect_n(p, pid, &g, 1);
		assert_int_equal(g.n, 1);
		print_message("# chroot %s, %s: \"%s\"\n", jobs[i].root, jobs[i].path, g.recs[0].path);
		assert_session(f, &g.recs[0], pid, "chrooted", NULL, 0, clip, &st, O_RDONLY | O_CLOEXEC);
		assert_int_equal(g.recs[0].bytes_read, CLIP_SIZE);
	}
}

/*
 * The review's forgery: a reader copied as nginx onto a tmpfs over /usr/sbin (the review used /usr/local/sbin,
 * which not every root has), in a mount namespace of its own: by a user, in a user namespace it made
 * (unshare -Urm), and by root (unshare -m). exec'd there, it reads a clip.
 */
struct forger {
	bool user;		/* as nobody, in a user namespace of its own */
	const char *reader;	/* the program copied (cat) */
	const char *clip;
};

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

static int forge_nginx(void *arg)
{
	const struct forger *fg = arg;
	char buf[65536];
	int in, out, null = open("/dev/null", O_RDWR);
	ssize_t n;

	if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
		return 120;
	if (fg->user) {
		/* Dumpable again, as a user who never was root is: else /proc/self/uid_map stays root's. */
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY) ||
		    prctl(PR_SET_DUMPABLE, 1))
			return 121;
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
			return errno == EPERM || errno == ENOSPC ? 77 : 122;
		if (write_file("/proc/self/setgroups", "deny") || write_file("/proc/self/uid_map", "0 65534 1") ||
		    write_file("/proc/self/gid_map", "0 65534 1"))
			return 123;
	} else if (unshare(CLONE_NEWNS)) {
		return 122;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/usr/sbin", "tmpfs", 0, "mode=0755"))
		return 124;
	in = open(fg->reader, O_RDONLY | O_CLOEXEC);
	out = open("/usr/sbin/nginx", O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	if (in < 0 || out < 0)
		return 125;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return 126;
	close(in);
	close(out);
	execl("/usr/sbin/nginx", "nginx", fg->clip, (char *)NULL);
	return 127;
}

static void test_forged_who(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	struct cv_policy *pol = NULL;
	static const char rules[] = "allow serve exe=/usr/*sbin/nginx op=read,peer path=/*\n";
	char clip[PATH_MAX], reader[PATH_MAX], err[256], why_text[1024];
	struct stat st, own_mnt, reader_st;
	struct cv_policy_why why;
	struct gathered g;

	if (access("/usr/sbin", F_OK))
		skip();		/* nothing to mount over on this root */
	assert_int_equal(cv_policy_parse(rules, sizeof(rules) - 1, "test", &pol, err, sizeof(err)), 0);
	new_clip(f, "porch.mp4", clip, &st);
	exe_path("cat", reader);
	stat_path(reader, &reader_st);
	stat_path("/proc/self/ns/mnt", &own_mnt);
	for (int user = 1; user >= 0; user--) {
		struct forger fg = { .user = user, .reader = reader, .clip = clip };
		pid_t pid = spawn_nowait("forger", forge_nginx, &fg);
		int status;
		struct camvault_rec r;

		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (user && WIFEXITED(status) && WEXITSTATUS(status) == 77) {
			print_message("# no unprivileged user namespaces here: the user's forgery not tried\n");
			continue;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("the %s forger: status %#x (exit 120-127: which step failed)", user ? "user's" : "root's",
				 status);
		collect_n(p, pid, &g, 1);
		assert_int_equal(g.n, 1);
		r = g.recs[0];
		assert_string_equal(r.comm, "nginx");
		assert_string_equal(r.exe, "/usr/sbin/nginx");
		assert_int_equal(r.bytes_read, CLIP_SIZE);
		/* What the kernel ran: a file on the tmpfs, not cat's; and where: not our namespaces. */
		assert_int_not_equal(r.exe_dev, camvault_kdev(reader_st.st_dev));
		assert_int_not_equal(r.mnt_ns, own_mnt.st_ino);
		if (user)
			assert_int_not_equal(r.user_ns, CAMVAULT_INIT_USER_NS);
		else
			assert_int_equal(r.user_ns, CAMVAULT_INIT_USER_NS);
		/* The agent's verdict, from this process's namespace as the NVR's. */
		cv_rec_check_host(&r, "/proc/self");
		assert_int_equal(r.aflags, 0);
		assert_null(cv_policy_match_why(pol, &r, NULL, &why));
		cv_policy_why_text(&why, &r, why_text, sizeof(why_text));
		print_message("# %s: unexpected: %s\n", user ? "user (unshare -Urm)" : "root (unshare -m)", why_text);
		if (user) {
			assert_int_equal(why.why, CV_WHY_USER_NS);
		} else {
			assert_int_equal(why.why, CV_WHY_EXE_MNTNS);
			assert_non_null(strstr(why_text, "exe /usr/sbin/nginx is not the NVR's nginx: other "
					       "mount namespace"));
		}
	}
	cv_policy_free(pol);
}

struct flushed {
	const char *path;
	int n;
	struct camvault_rec rec;
};

static void on_flushed(const struct camvault_rec *rec, void *ctx)
{
	struct flushed *fl = ctx;

	if ((pid_t)rec->pid == getpid() && strcmp(rec->path, fl->path) == 0) {
		fl->rec = *rec;
		fl->n++;
	}
}

/* cv_probes_flush: a session still open, as it stands; then, closed, its record whole. */
static void test_flush(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char clip[PATH_MAX], buf[1000];
	struct flushed fl = { 0 };
	struct gathered g;
	struct stat st;
	int fd;

	new_clip(f, "still-open.mp4", clip, &st);
	drain(p);	/* new_clip's own session */
	fl.path = clip;
	fd = open(clip, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), sizeof(buf));
	assert_true(cv_probes_flush(p, on_flushed, &fl) >= 1);
	assert_int_equal(fl.n, 1);
	assert_int_equal(fl.rec.type, CAMVAULT_REC_SESSION);
	assert_int_equal(fl.rec.rflags, CAMVAULT_RF_STILL_OPEN);
	assert_int_equal(fl.rec.close_ns, 0);
	assert_int_equal(fl.rec.bytes_read, sizeof(buf));
	assert_no_path2(&fl.rec);
	collect(p, getpid(), &g);
	assert_int_equal(g.n, 0);

	assert_int_equal(read(fd, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(close(fd), 0);
	collect_n(p, getpid(), &g, 1);
	assert_int_equal(g.n, 1);
	assert_rec(f, &g.recs[0], CAMVAULT_REC_SESSION, getpid(), &st);
	assert_int_equal(g.recs[0].rflags, 0);
	assert_int_equal(g.recs[0].bytes_read, 2 * sizeof(buf));
	fl.n = 0;
	assert_true(cv_probes_flush(p, on_flushed, &fl) >= 0);
	assert_int_equal(fl.n, 0);
}

/* Nothing was lost by the tests above. */
static void test_no_loss(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	struct cv_probes_loss loss;

	assert_int_equal(cv_probes_lost_counts(p, &loss), 0);
	assert_int_equal(loss.records, 0);
	assert_int_equal(loss.sessions, 0);
	assert_int_equal(cv_probes_lost(p), 0);
}


/* What cv_probes_consume's callback sees of pid's records, and whether it keeps them. */
struct batch_seen {
	pid_t pid;
	int calls, mine, total;
	int ret;		/* what the callback returns */
	uint64_t bytes;
};

static int batch_cb(const struct camvault_rec *const *recs, size_t n, void *ctx)
{
	struct batch_seen *b = ctx;

	b->calls++;
	b->total += (int)n;
	for (size_t i = 0; i < n; i++) {
		if ((pid_t)recs[i]->pid != b->pid)
			continue;
		b->mine++;
		b->bytes += recs[i]->bytes_read;
	}
	return b->ret;
}

/*
 * cv_probes_consume: records a callback refuses stay in the ring buffer and come again, whole; kept ones
 * leave it; max bounds a batch; nothing waiting, no call.
 */
static void test_consume_batches(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	struct batch_seen b = { 0 };
	char file[PATH_MAX];
	struct stat st;
	int n, waited = 0;

	new_clip(f, "porch.mp4", file, &st);
	drain(p);	/* the clip's own writing */
	b.pid = run(NULL, false, (char *const[]){ "cat", file, file, file, NULL });
	/* The three sessions, refused: they stay. */
	b.ret = -EIO;
	while (b.mine < 3 && waited < WAIT_MS) {
		b.mine = 0;
		n = cv_probes_consume(p, 0, batch_cb, &b);
		assert_true(n == -EIO || n == 0);
		if (b.mine < 3) {
			usleep(50 * 1000);
			waited += 50;
		}
	}
	assert_int_equal(b.mine, 3);
	assert_int_equal(b.bytes, 3 * CLIP_SIZE);
	/* Again, one at a time, kept: the same three, each once. */
	b = (struct batch_seen){ .pid = b.pid, .ret = 0 };
	for (int i = 0; i < 3; i++) {
		int before = b.mine;

		n = cv_probes_consume(p, 1, batch_cb, &b);
		assert_int_equal(n, 1);
		assert_int_equal(b.mine, before + 1);
	}
	assert_int_equal(b.calls, 3);
	assert_int_equal(b.bytes, 3 * CLIP_SIZE);
	/* Gone: nothing waits, the callback is not called. */
	assert_int_equal(cv_probes_consume(p, 0, batch_cb, &b), 0);
	assert_int_equal(b.calls, 3);
	/* A positive return keeps them too, as an error. */
	b = (struct batch_seen){ .pid = run(NULL, false, (char *const[]){ "cat", file, NULL }), .ret = 1 };
	for (waited = 0; !b.mine && waited < WAIT_MS; waited += 50) {
		n = cv_probes_consume(p, 0, batch_cb, &b);
		assert_true(n == -ECANCELED || n == 0);
		if (!b.mine)
			usleep(50 * 1000);
	}
	assert_int_equal(b.mine, 1);
	b.ret = 0;
	b.mine = 0;
	assert_int_equal(cv_probes_consume(p, 0, batch_cb, &b), 1);
	assert_int_equal(b.mine, 1);
}

/* A full ring buffer: the overflow is counted, exactly. */
/* Read every record waiting, without waiting for more; those of this process into g. How many there were. */
static int gather_all(struct cv_probes *q, struct gathered *g)
{
	int n, received = 0;

	memset(g, 0, sizeof(*g));
	g->pid = getpid();
	do {
		n = cv_probes_poll(q, 0, gather, g);
		assert_true(n >= 0);
		received += n;
	} while (n > 0);
	return received;
}

static void test_full_ring_counted(void **state)
{
	struct fixture *f = *state;
	const uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);
	struct cv_probes_opts opts = { .ringbuf_bytes = page, .btf_path = needed_btf() };
	/* Each record takes 8 bytes of header, and is rounded up to 8. */
	const int fits = page / (sizeof(struct camvault_rec) + 8), opens = 4 * fits + 7;
	char file[PATH_MAX], err[256];
	struct cv_probes_loss loss;
	struct cv_probes *q;
	struct gathered g;
	struct stat st;
	int received;

	need_probes(f);
	q = cv_probes_open_opts(&opts, err, sizeof(err));
	if (!q)
		fail_msg("cv_probes_open_opts: %s", err);
	new_watched_file(q, f->dir, "lane.mp4", file, &st);

	for (int i = 0; i < opens; i++) {
		int fd = open(file, O_RDONLY | O_CLOEXEC);

		assert_true(fd >= 0);
		close(fd);
	}
	received = gather_all(q, &g);
	assert_int_equal(cv_probes_lost_counts(q, &loss), 0);
	cv_probes_close(q);

	print_message("# %d sessions: %d received, %llu lost\n", opens, received, (unsigned long long)loss.records);
	assert_int_equal(g.n, received);
	assert_true(received > 0 && received <= fits);
	assert_true(loss.records > 0);
	assert_int_equal(loss.sessions, 0);
	assert_int_equal(received + loss.records, opens);
	assert_rec(f, &g.recs[0], CAMVAULT_REC_SESSION, getpid(), &st);
}

/* A full session table: the sessions it could not take are counted, exactly. */
static void test_full_sessions_counted(void **state)
{
	struct fixture *f = *state;
	struct cv_probes_opts opts = { .sessions_max = 4, .btf_path = needed_btf() };
	enum { FILES = 10 };
	char file[PATH_MAX], name[32], err[256];
	struct cv_probes_loss loss;
	struct cv_probes *q;
	struct gathered g;
	struct stat st;
	int fds[FILES];

	need_probes(f);
	q = cv_probes_open_opts(&opts, err, sizeof(err));
	if (!q)
		fail_msg("cv_probes_open_opts: %s", err);
	for (int i = 0; i < FILES; i++) {
		snprintf(name, sizeof(name), "cam-%d.mp4", i);
		new_watched_file(q, f->dir, name, file, &st);
		fds[i] = open(file, O_RDONLY | O_CLOEXEC);
		assert_true(fds[i] >= 0);
	}
	for (int i = 0; i < FILES; i++)
		close(fds[i]);
	collect_n(q, getpid(), &g, 4);
	assert_int_equal(cv_probes_lost_counts(q, &loss), 0);
	cv_probes_close(q);
	assert_int_equal(g.n, 4);
	assert_int_equal(loss.sessions, FILES - 4);
	assert_int_equal(loss.records, 0);
}

/*
 * The BTF of a kernel built without it comes from a file: here $CAMVAULT_TEST_BTF (run.sh makes one
 * with bpftool gen min_core_btf, only what the probes use; the guests give camvault.btf), else a copy of
 * the kernel's own.
 */
static const char *test_btf(void)
{
	const char *btf = getenv("CAMVAULT_TEST_BTF");

	return btf && btf[0] ? btf : "/sys/kernel/btf/vmlinux";
}

/* cat of a clip with probes relocated against btf; returns its record in r. */
static void cat_with_btf(struct fixture *f, const char *btf, char *clip, struct camvault_rec *r)
{
	struct cv_probes_opts opts = { .btf_path = btf };
	struct cv_probes *q;
	struct gathered g;
	char err[256];
	pid_t pid;

	print_message("# btf_path %s\n", btf);
	q = cv_probes_open_opts(&opts, err, sizeof(err));
	if (!q)
		fail_msg("cv_probes_open_opts: %s", err);
	assert_int_equal(cv_probes_watch_fs(q, f->mnt), 0);
	pid = run(NULL, false, (char *const[]){ "cat", clip, NULL });
	collect_n(q, pid, &g, 1);
	cv_probes_close(q);
	assert_int_equal(g.n, 1);
	*r = g.recs[0];
}

static void test_custom_btf(void **state)
{
	struct fixture *f = *state;
	const char *btf = test_btf();
	char clip[PATH_MAX], exe[PATH_MAX];
	struct camvault_rec r;
	struct stat st;

	need_probes(f);
	if (access(btf, R_OK) != 0) {
		print_message("# SKIP: no BTF file (%s)\n", btf);
		skip();
	}
	new_clip(f, "btf.mp4", clip, &st);
	exe_path("cat", exe);
	cat_with_btf(f, btf, clip, &r);
	assert_rec(f, &r, CAMVAULT_REC_SESSION, r.pid, &st);
	assert_string_equal(r.path, clip);
	assert_string_equal(r.exe, exe);
	assert_int_equal(r.open_flags, O_RDONLY);
	assert_int_equal(r.bytes_read, CLIP_SIZE);
	assert_int_equal(r.rflags, 0);
}

/*
 * A BTF without struct mount (a randstruct kernel's camvault.btf): the probes still load; paths stop at
 * the root of their mount and say so. Made from the BTF file by renaming the type.
 */
static void test_btf_without_mount(void **state)
{
	struct fixture *f = *state;
	const char *btf = test_btf();
	char clip[PATH_MAX], copy[PATH_MAX], expect[PATH_MAX];
	static const char needle[] = "\0mount\0";
	struct camvault_rec r;
	struct stat st;
	char *data = NULL, *hit = NULL;
	size_t len = 0;
	FILE *in, *out;

	need_probes(f);
	in = fopen(btf, "rb");
	if (!in) {
		print_message("# SKIP: no BTF file (%s)\n", btf);
		skip();
	}
	data = malloc(64 << 20);
	assert_non_null(data);
	len = fread(data, 1, 64 << 20, in);
	fclose(in);
	assert_true(len > 0 && len < (64 << 20));
	hit = memmem(data, len, needle, sizeof(needle) - 1);
	if (!hit) {
		free(data);
		print_message("# SKIP: %s has no struct mount already\n", btf);
		skip();
	}
	hit[5] = 'X';	/* "mounX" */
	path_in(copy, f->dir, "nomount.btf");
	out = fopen(copy, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(data, 1, len, out), len);
	assert_int_equal(fclose(out), 0);
	free(data);

	new_clip(f, "no-mount.mp4", clip, &st);
	cat_with_btf(f, copy, clip, &r);
	assert_rec(f, &r, CAMVAULT_REC_SESSION, r.pid, &st);
	assert_string_equal(r.path, "/no-mount.mp4");
	assert_int_equal(r.rflags & (CAMVAULT_RF_PATH_TAIL | CAMVAULT_RF_EXE_TAIL),
			 CAMVAULT_RF_PATH_TAIL | CAMVAULT_RF_EXE_TAIL);
	assert_int_equal(r.bytes_read, CLIP_SIZE);
	/* cat's own path, from the root of the filesystem that holds it. */
	exe_path("cat", expect);
	assert_non_null(strstr(expect, r.exe));
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

/*
 * Record-or-deny (LSM tier; skipped at the others): with the ring buffer not read, read-opens go through
 * while their records are sure to fit, then are refused with EACCES and counted; none of those let
 * through loses its record. A write, and a read by an allowed recorder, are never refused.
 */
static void test_record_or_deny(void **state)
{
	struct fixture *f = *state;
	const uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);
	struct cv_probes_opts opts = { .ringbuf_bytes = 4 * page, .btf_path = needed_btf(),
				       .tier = CAMVAULT_TIER_LSM, .record_or_deny = true };
	char file[PATH_MAX], recorder[PATH_MAX], cat[PATH_MAX], err[512];
	int reads = 0, denied = 0, fd, received;
	struct cv_probes_loss loss;
	struct cv_probes *q;
	struct gathered g;
	struct stat st;

	need_probes(f);
	if (cv_probes_tier(f->p) != CAMVAULT_TIER_LSM) {
		print_message("# SKIP: record-or-deny needs the lsm tier; these probes run at %s\n",
			      cv_probes_tier_name(cv_probes_tier(f->p)));
		skip();
	}
	q = cv_probes_open_opts(&opts, err, sizeof(err));
	if (!q)
		fail_msg("cv_probes_open_opts: %s", err);
	new_watched_file(q, f->dir, "guarded.mp4", file, &st);

	while (denied < 3 && reads + denied < 200) {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			reads++;
			close(fd);
			continue;
		}
		assert_int_equal(errno, EACCES);
		denied++;
	}
	print_message("# %d reads let through, then %d refused\n", reads, denied);
	assert_int_equal(denied, 3);
	assert_true(reads > 0 && reads < 4 * (int)page / (int)sizeof(struct camvault_rec));
	assert_int_equal(cv_probes_lost_counts(q, &loss), 0);
	assert_int_equal(loss.records, 0);
	assert_int_equal(loss.denied, 3);

	/*
	 * Still full: a write goes through, and so does a read by a recorder: a copy of cat on a plain
	 * filesystem (on the guests' overlayfs root, stat() shows another inode than the kernel's).
	 */
	fd = open(file, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	path_in(recorder, f->dir, "recorder-cat");
	exe_path("cat", cat);
	run(NULL, false, (char *const[]){ "cp", cat, recorder, NULL });
	assert_int_equal(cv_probes_allow_recorder(q, recorder), 0);
	run(NULL, false, (char *const[]){ recorder, file, NULL });

	received = gather_all(q, &g);
	assert_int_equal(cv_probes_lost_counts(q, &loss), 0);
	/*
	 * Every read let through has its record, in order. Only the write and the recorder's read, let
	 * through when there was no room, may have found none: counted as lost.
	 */
	print_message("# %d records of ours, %llu lost\n", g.n, (unsigned long long)loss.records);
	assert_true(g.n == reads || g.n == reads + 1);
	assert_true(loss.records <= 2 && g.n + (int)loss.records >= reads + 1);
	assert_true(received >= g.n);
	for (int i = 0; i < reads && i < MAX_RECS; i++) {
		assert_rec(f, &g.recs[i], CAMVAULT_REC_SESSION, getpid(), &st);
		assert_int_equal(g.recs[i].open_flags & O_ACCMODE, O_RDONLY);
	}
	/* Read, there is room again. */
	fd = open(file, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	cv_probes_close(q);
}

static void test_tier_names(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	const char *want = getenv("CAMVAULT_TIER");
	int tier = cv_probes_tier(p);

	/* The tier asked for; else the best that works, and each better one skipped says why. */
	if (want && *want && strcmp(want, "auto") != 0) {
		assert_int_equal(tier, cv_probes_tier_parse(want));
	} else {
		assert_in_range(tier, CAMVAULT_TIER_LSM, CAMVAULT_TIER_SYSCALL_TP);
		for (int t = CAMVAULT_TIER_LSM; t < tier; t++) {
			char name[32];

			snprintf(name, sizeof(name), "%s: ", cv_probes_tier_name(t));
			assert_non_null(strstr(cv_probes_fallback(p), name));
		}
	}
	assert_int_equal(cv_probes_tier_parse("tracepoint"), CAMVAULT_TIER_SYSCALL_TP);
	assert_int_equal(cv_probes_tier_parse("syscall-tracepoint"), CAMVAULT_TIER_SYSCALL_TP);
	assert_int_equal(cv_probes_tier_parse("lsm"), CAMVAULT_TIER_LSM);
	assert_int_equal(cv_probes_tier_parse("auto"), 0);
	assert_int_equal(cv_probes_tier_parse("best"), -EINVAL);
	assert_string_equal(cv_probes_tier_name(CAMVAULT_TIER_LSM), "lsm");
	assert_string_equal(cv_probes_tier_name(CAMVAULT_TIER_FENTRY), "fentry");
	assert_string_equal(cv_probes_tier_name(CAMVAULT_TIER_KPROBE), "kprobe");
	assert_string_equal(cv_probes_tier_name(CAMVAULT_TIER_SYSCALL_TP), "syscall-tracepoint");
	assert_string_equal(cv_probes_tier_name(0), "unknown");
	assert_string_equal(cv_probes_tier_name(99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cat),
		cmocka_unit_test(test_unwatched_no_record),
		cmocka_unit_test(test_unwatch_file),
		cmocka_unit_test(test_watch_filter_shared),
		cmocka_unit_test(test_cp_out),
		cmocka_unit_test(test_dd_image),
		cmocka_unit_test(test_mmap_reader),
		cmocka_unit_test(test_socket_copiers),
		cmocka_unit_test(test_datagram_peer),
		cmocka_unit_test(test_inherited_fd),
		cmocka_unit_test(test_exit_without_close),
		cmocka_unit_test(test_other_closes),
		cmocka_unit_test(test_rm),
		cmocka_unit_test(test_mv),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_io_uring_fio),
		cmocka_unit_test(test_camera_major),
		cmocka_unit_test(test_watched_fs),
		cmocka_unit_test(test_other_open_syscalls),
		cmocka_unit_test(test_open_unseen),
		cmocka_unit_test(test_long_paths),
		cmocka_unit_test(test_chroot_path),
		cmocka_unit_test(test_overlay_store),
		cmocka_unit_test(test_forged_who),
		cmocka_unit_test(test_threads_share_file),
		cmocka_unit_test(test_full_inflight_counted),
		cmocka_unit_test(test_aio_uncounted),
		cmocka_unit_test(test_vectors_and_copies),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_consume_batches),
		cmocka_unit_test(test_no_loss),
		cmocka_unit_test(test_full_ring_counted),
		cmocka_unit_test(test_full_sessions_counted),
		cmocka_unit_test(test_custom_btf),
		cmocka_unit_test(test_btf_without_mount),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_record_or_deny),
		cmocka_unit_test(test_tier_names),
	};

	return cmocka_run_group_tests_name("access_probe", tests, group_setup, group_teardown);
}
