// SPDX-License-Identifier: GPL-2.0
/*
 * Opens, reads and writes of watched files, by commands (cat, dd) and by this process: one session per
 * open, its bytes exact; files outside the vault and unwatched files, nothing; openat2, open and creat;
 * a file opened before it was watched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "probe_fixture.h"

/* cat, as nobody, of a clip in the vault: one session, all of it right, bytes_read the clip's size. */
void test_cat(void **state)
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
void test_unwatched_no_record(void **state)
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
void test_unwatch_file(void **state)
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
 * Two files watched on one filesystem share their bit of the watch filter: unwatching one leaves the
 * other recorded (the filter is rebuilt, not cleared), and unwatching both stops the records.
 */
void test_watch_filter_shared(void **state)
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

/* dd of a watched image file (a vault's backing store): bs * count exactly. */
void test_dd_image(void **state)
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

/*
 * Opens of files created in the vault, by this process: O_CREAT and the bytes written; the vault's
 * files only; nothing once the vault is unwatched (then watched again, for the tests after).
 */
void test_watched_fs(void **state)
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
void test_other_open_syscalls(void **state)
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
void test_open_unseen(void **state)
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
