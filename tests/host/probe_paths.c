// SPDX-License-Identifier: GPL-2.0
/*
 * The path a record gives: the tail of one too long or too deep; from the root of the mount namespace for
 * a process in a chroot; a store on overlayfs, read through the overlay and through its layer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>

#include "probe_fixture.h"

/*
 * Paths too long, or too deep, for the record: their last components, flagged PATH_TAIL. Too deep is
 * more components than the walk takes (CV_WALK_MAX); at the LSM and fentry tiers the open's path comes
 * from d_path, which has no such limit: the whole path, when it fits.
 */
void test_long_paths(void **state)
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
void test_chroot_path(void **state)
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
 * A store on overlayfs without xino (Raspberry Pi OS's read-only root, a container's overlay): stat() says
 * the layer's device, a file opened through the overlay carries the overlay's. Watched by its merged path,
 * it is recorded read through the overlay and read through its layer's own path; unwatched, neither.
 */
void test_overlay_store(void **state)
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
