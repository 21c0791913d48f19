// SPDX-License-Identifier: GPL-2.0
/*
 * The host probe suite's fixture: the group's probes, loaded once as root in private mount and network
 * namespaces, watching the vault (a tmpfs in a private directory of $TMPDIR); the files the tests make;
 * the workloads they run (commands from $PATH, as root or nobody, and children of this test); gathering a
 * process's records; and what every record says of the file and the process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "policy/policy.h"
#include "probe_fixture.h"

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
void collect_n(struct cv_probes *p, pid_t pid, struct gathered *g, int want)
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
void collect(struct cv_probes *p, pid_t pid, struct gathered *g)
{
	collect_n(p, pid, g, 0);
}

void drain(struct cv_probes *p)
{
	struct gathered g;

	collect(p, 0, &g);
}

/* Read every record waiting, without waiting for more; those of this process into g. How many there were. */
int gather_all(struct cv_probes *q, struct gathered *g)
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

uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

void path_in(char *out, const char *dir, const char *name)
{
	assert_true(snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX);
}

/* A file of size bytes of a known pattern. */
void make_sized(const char *path, size_t size)
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

void make_file(const char *path)
{
	make_sized(path, 6);
}

void stat_path(const char *path, struct stat *st)
{
	assert_int_equal(stat(path, st), 0);
}

/* Make dir/name (its path in path, its stat in st) and have p watch it. */
void new_watched_file(struct cv_probes *p, const char *dir, const char *name, char *path, struct stat *st)
{
	path_in(path, dir, name);
	make_file(path);
	stat_path(path, st);
	assert_int_equal(cv_probes_watch_file(p, path), 0);
}

/* A clip in the vault: dir/name of CLIP_SIZE bytes. */
void new_clip(const struct fixture *f, const char *name, char *path, struct stat *st)
{
	path_in(path, f->mnt, name);
	make_sized(path, CLIP_SIZE);
	stat_path(path, st);
}

void wait_ok(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("process %d: %s %d", (int)pid, WIFEXITED(status) ? "exit status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* Run argv (from PATH), in cwd unless NULL, output to /dev/null, as nobody when drop; wait for success. */
pid_t run(const char *cwd, bool drop, char *const argv[])
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
pid_t spawn_nowait(const char *comm, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, comm);
		_exit(fn(arg));
	}
	return pid;
}

pid_t spawn(const char *comm, int (*fn)(void *), void *arg)
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
void exe_path(const char *cmd, char *out)
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

int read_all(int fd, size_t *total)
{
	char buf[8192];
	ssize_t n;

	*total = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		*total += n;
	return n < 0 ? -1 : 0;
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
const char *needed_btf(void)
{
	const char *btf = getenv("CAMVAULT_TEST_BTF");

	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0 || !btf || !btf[0])
		return NULL;
	return btf;
}

/* Whether the probes run on kernel hooks (LSM, fentry, kprobe) rather than on syscall tracepoints. */
bool hooks_tier(const struct fixture *f)
{
	return cv_probes_tier(f->p) != CAMVAULT_TIER_SYSCALL_TP;
}

/*
 * The LSM and fentry tiers: typed programs, an open's path from the kernel's d_path, bytes counted at
 * the counters' exits.
 */
bool typed_tier(const struct fixture *f)
{
	return cv_probes_tier(f->p) == CAMVAULT_TIER_LSM || cv_probes_tier(f->p) == CAMVAULT_TIER_FENTRY;
}

/* The open flags a record gives: at the hook tiers the struct file's, which keep no O_CLOEXEC. */
uint32_t given(const struct fixture *f, uint32_t flags)
{
	return hooks_tier(f) ? flags & ~(uint32_t)O_CLOEXEC : flags;
}

/* Skip when not root; fail, saying why, when the probes would not load as root. */
struct cv_probes *need_probes(struct fixture *f)
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

/* Every byte of path2 is 0: the probes keep a session's own members there (bpf/session.bpf.h). */
void assert_no_path2(const struct camvault_rec *r)
{
	static const char zero[sizeof(r->path2)];

	assert_memory_equal(r->path2, zero, sizeof(zero));
}

/* What every record says of the file and the process. */
void assert_rec(const struct fixture *f, const struct camvault_rec *r, int type, pid_t pid,
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

/* A closed session of pid (a child of this test) on path, by exe (NULL: this program) as uid. */
void assert_session(const struct fixture *f, const struct camvault_rec *r, pid_t pid, const char *comm,
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

int group_setup(void **state)
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

int group_teardown(void **state)
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
