// SPDX-License-Identifier: GPL-2.0
/*
 * Path operations on footage: unlink (rm), rename (mv), truncate (truncate -s, truncate(2), an O_TRUNC
 * open): one record each, with the paths as given, made absolute.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "probe_fixture.h"

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
void test_rm(void **state)
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
void test_mv(void **state)
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
void test_truncate(void **state)
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
