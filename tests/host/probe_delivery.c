// SPDX-License-Identifier: GPL-2.0
/*
 * Records out of the ring buffer: flushed while still open, consumed in batches that a callback may refuse;
 * nothing lost by the tests before test_no_loss; a full ring buffer and a full session table counted
 * exactly; record-or-deny refusing what could not be recorded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probe_fixture.h"

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
void test_flush(void **state)
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
void test_consume_batches(void **state)
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

/* Nothing was lost by the tests above. */
void test_no_loss(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	struct cv_probes_loss loss;

	assert_int_equal(cv_probes_lost_counts(p, &loss), 0);
	assert_int_equal(loss.records, 0);
	assert_int_equal(loss.sessions, 0);
	assert_int_equal(cv_probes_lost(p), 0);
}

/* A full ring buffer: the overflow is counted, exactly. */
void test_full_ring_counted(void **state)
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
void test_full_sessions_counted(void **state)
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
 * Record-or-deny (LSM tier; skipped at the others): with the ring buffer not read, read-opens go through
 * while their records are sure to fit, then are refused with EACCES and counted; none of those let
 * through loses its record. A write, and a read by an allowed recorder, are never refused.
 */
void test_record_or_deny(void **state)
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
