// SPDX-License-Identifier: GPL-2.0
/*
 * Where a session ends, when the last reference to the file goes other than by the opener's close(2):
 * a mapping's munmap or the exit, a child that inherited the fd, an exit without close, close_range(2),
 * dup2(2) over the fd, exec of a close-on-exec fd.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "probe_fixture.h"

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
void test_mmap_reader(void **state)
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
void test_inherited_fd(void **state)
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
void test_exit_without_close(void **state)
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
void test_other_closes(void **state)
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
