// SPDX-License-Identifier: GPL-2.0
/*
 * Threads: several reading one file at once, every byte counted; more of them alive than the per-thread
 * table ("inflight") holds, never silent.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "probe_fixture.h"

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
void test_threads_share_file(void **state)
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
void test_full_inflight_counted(void **state)
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
