// SPDX-License-Identifier: GPL-2.0
/*
 * I/O outside the read and write syscalls: fio's io_uring engine and an aio read, which the records say
 * went unobserved or uncounted where the probes cannot count them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/aio_abi.h>
#include <sys/syscall.h>

#include "probe_fixture.h"

/* fio's io_uring engine: its session says its I/O went unobserved. */
void test_io_uring_fio(void **state)
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
void test_aio_uncounted(void **state)
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
