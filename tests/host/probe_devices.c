// SPDX-License-Identifier: GPL-2.0
/*
 * Cameras: every char device of a watched major is one; its session counts its ioctls, and the streaming
 * ones (VIDIOC_STREAMON, VIDIOC_DQBUF) when they succeed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

#include "probe_fixture.h"

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

void test_camera_major(void **state)
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
