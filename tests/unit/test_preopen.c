// SPDX-License-Identifier: GPL-2.0
/*
 * preopen.c: footage open before the probes, found in the real /proc. The test holds files of its own open and
 * mapped (in a directory under the current one: a disk's filesystem has a major, which the maps' dev column
 * must be decoded with) and scans for their keys: each file once per process, with the process's identity, its
 * path, mmaps 1 when mapped, the flags; nothing for a file not watched, or one the probes follow already.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "probes/preopen.h"

#define FOUND (CAMVAULT_RF_OPEN_UNSEEN | CAMVAULT_RF_STILL_OPEN | CAMVAULT_RF_FOUND_AT_START)
#define MAXRECS 16

static char dir[PATH_MAX];

/* The records the scan found for this process. */
struct found {
	struct camvault_rec r[MAXRECS];
	int n, others;
};

static void collect(const struct camvault_rec *rec, void *ctx)
{
	struct found *f = ctx;

	if (rec->pid != (uint32_t)getpid())
		f->others++;
	else if (f->n < MAXRECS)
		f->r[f->n++] = *rec;
}

/* A file of size bytes at dir/name; its key as the probes' "watched" has it into *key. */
static void make_file(const char *name, size_t size, char *path, struct camvault_file_key *key)
{
	char buf[4096] = { 0 };
	struct stat st;
	int fd;

	assert_true(snprintf(path, PATH_MAX, "%s/%s", dir, name) < PATH_MAX);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	for (; size; size -= size < sizeof(buf) ? size : sizeof(buf))
		assert_true(write(fd, buf, size < sizeof(buf) ? size : sizeof(buf)) > 0);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	key->dev = camvault_kdev(st.st_dev);
	key->ino = st.st_ino;
}

static int scan(const struct camvault_file_key *files, size_t nfiles, const struct cv_preopen_seen *seen,
		size_t nseen, struct found *f)
{
	struct cv_probes_keys k = { .files = (struct camvault_file_key *)files, .nfiles = nfiles };
	struct cv_preopen_opts o = { .keys = &k, .seen = seen, .nseen = nseen, .tier = CAMVAULT_TIER_FENTRY };

	memset(f, 0, sizeof(*f));
	return cv_preopen_scan("/proc", &o, collect, f);
}

static uint32_t ino_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (uint32_t)st.st_ino;
}

/* Who this process is, as the record must say. */
static void assert_is_me(const struct camvault_rec *r)
{
	char comm[32] = "", exe[PATH_MAX];
	ssize_t n;
	FILE *f = fopen("/proc/self/comm", "re");

	assert_non_null(f);
	assert_non_null(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_int_equal(r->type, CAMVAULT_REC_SESSION);
	assert_int_equal(r->tier, CAMVAULT_TIER_FENTRY);
	assert_int_equal(r->pid, getpid());
	assert_int_equal(r->tid, getpid());
	assert_int_equal(r->ppid, getppid());
	assert_int_equal(r->uid, getuid());
	assert_int_equal(r->gid, getgid());
	assert_string_equal(r->comm, comm);
	assert_string_equal(r->exe, exe);
	assert_int_equal(r->exe_ino, ino_of("/proc/self/exe"));
	assert_int_equal(r->mnt_ns, ino_of("/proc/self/ns/mnt"));
	assert_int_equal(r->user_ns, ino_of("/proc/self/ns/user"));
	assert_int_equal(r->open_ns, 0);
	assert_int_equal(r->close_ns, 0);
	assert_int_equal(r->bytes_read, 0);
}

/* A file open and mapped: one record (fd and mapping are one file), mmaps 1, with the fd's flags. */
static void test_fd_and_map(void **state)
{
	struct camvault_file_key key;
	char path[PATH_MAX];
	struct found f;
	void *m;
	int fd;

	(void)state;
	make_file("held.mp4", 3 * 4096, path, &key);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	m = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(m != MAP_FAILED);

	assert_int_equal(scan(&key, 1, NULL, 0, &f), 1);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.others, 0);
	assert_is_me(&f.r[0]);
	assert_int_equal(f.r[0].rflags, FOUND);
	assert_int_equal(f.r[0].dev, key.dev);
	assert_int_equal(f.r[0].ino, key.ino);
	assert_string_equal(f.r[0].path, path);
	assert_int_equal(f.r[0].mmaps, 1);
	assert_int_equal(f.r[0].open_flags & (O_ACCMODE | O_CLOEXEC), O_RDONLY | O_CLOEXEC);

	/* The probes follow it already (pinned probes that saw it opened): theirs to record. */
	struct cv_preopen_seen seen = { .pid = (uint32_t)getpid(), .dev = key.dev, .ino = key.ino };

	assert_int_equal(scan(&key, 1, &seen, 1, &f), 0);
	seen.pid = 1;	/* another process's session of the same file is not this one's */
	assert_int_equal(scan(&key, 1, &seen, 1, &f), 1);

	munmap(m, 3 * 4096);
	close(fd);
	assert_int_equal(scan(&key, 1, NULL, 0, &f), 0);
}

/*
 * Mapped with its fd closed: found in /proc/PID/maps alone, whose MAJ:MIN must decode to the probes' dev (a disk's
 * major is not at stat's bits). Open without a mapping: mmaps 0.
 */
static void test_map_only_and_fd_only(void **state)
{
	struct camvault_file_key keys[2];
	char mapped[PATH_MAX], held[PATH_MAX];
	struct found f;
	void *m;
	int fd, fd2;

	(void)state;
	make_file("mapped.mp4", 4096, mapped, &keys[0]);
	make_file("fd-only.mp4", 100, held, &keys[1]);
	fd = open(mapped, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(m != MAP_FAILED);
	close(fd);
	fd2 = open(held, O_RDWR | O_CLOEXEC);
	assert_true(fd2 >= 0);

	assert_int_equal(scan(keys, 2, NULL, 0, &f), 2);
	assert_int_equal(f.n, 2);
	for (int i = 0; i < 2; i++) {
		const struct camvault_rec *r = &f.r[i];
		bool is_map = !strcmp(r->path, mapped);

		assert_is_me(r);
		assert_int_equal(r->rflags, FOUND);
		assert_string_equal(r->path, is_map ? mapped : held);
		assert_int_equal(r->dev, keys[is_map ? 0 : 1].dev);
		assert_int_equal(r->ino, keys[is_map ? 0 : 1].ino);
		assert_int_equal(r->mmaps, is_map ? 1 : 0);
		assert_int_equal(r->open_flags & O_ACCMODE, is_map ? 0 : O_RDWR);
	}
	/* Watched as a filesystem: the same two, by their superblock. */
	uint64_t sb = keys[0].dev;
	struct cv_probes_keys k = { .sbs = &sb, .nsbs = 1 };
	struct cv_preopen_opts o = { .keys = &k, .tier = CAMVAULT_TIER_LSM };
	int n;

	memset(&f, 0, sizeof(f));
	n = cv_preopen_scan("/proc", &o, collect, &f);
	assert_true(n >= 2);	/* and whatever else on that filesystem the machine holds open */
	assert_true(f.n >= 2);
	munmap(m, 4096);
	close(fd2);
}

/* A file not watched is not found; a path too long for a record keeps its tail, flagged. */
static void test_unwatched_and_long_path(void **state)
{
	struct camvault_file_key key, other;
	char path[PATH_MAX], name[200], sub[PATH_MAX];
	struct found f;
	int fd;

	(void)state;
	make_file("other.mp4", 10, path, &other);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	memset(name, 'd', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_true(snprintf(sub, sizeof(sub), "%s/%s", dir, name) < (int)sizeof(sub));
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_true(snprintf(sub, sizeof(sub), "%s/%s/long-clip.mp4", name, name) < (int)sizeof(sub));
	assert_true(snprintf(path, sizeof(path), "%s/%s/%s", dir, name, name) < (int)sizeof(path));
	assert_int_equal(mkdir(path, 0700), 0);
	make_file(sub, 10, path, &key);
	assert_true(strlen(path) >= CAMVAULT_PATH_LEN);

	/* watched: key only (other is open, and not watched) */
	assert_int_equal(scan(&key, 1, NULL, 0, &f), 0);
	close(fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(scan(&key, 1, NULL, 0, &f), 1);
	assert_int_equal(f.r[0].rflags, FOUND | CAMVAULT_RF_PATH_TAIL);
	assert_int_equal(f.r[0].path[0], '/');
	assert_true(strlen(f.r[0].path) < CAMVAULT_PATH_LEN);
	assert_string_equal(f.r[0].path, path + strlen(path) - strlen(f.r[0].path));
	close(fd);
	unlink(path);
}

static void test_no_proc(void **state)
{
	struct cv_probes_keys k = { 0 };
	struct cv_preopen_opts o = { .keys = &k };
	struct found f = { 0 };

	(void)state;
	assert_int_equal(cv_preopen_scan("/nonexistent-proc", &o, collect, &f), -ENOENT);
}

/* A SIGHUP's added vault: the keys watched after and not before, and only those. */
static void test_keys_new(void **state)
{
	struct camvault_file_key fa[] = { { 1, 2 }, { 3, 4 }, { 5, 0 } }, fb[] = { { 3, 4 } };
	uint64_t sa[] = { 7, 8 }, sb[] = { 8 };
	uint32_t ma[] = { 81 };
	struct cv_probes_keys after = { fa, 3, sa, 2, ma, 1 }, before = { fb, 1, sb, 1, ma, 1 }, out;

	(void)state;
	assert_int_equal(cv_preopen_keys_new(&after, &before, &out), 0);
	assert_int_equal(out.nfiles, 2);
	assert_int_equal(out.files[0].dev, 1);
	assert_int_equal(out.files[1].dev, 5);
	assert_int_equal(out.nsbs, 1);
	assert_int_equal(out.sbs[0], 7);
	assert_int_equal(out.nmajors, 0);
	cv_probes_keys_free(&out);
	before = (struct cv_probes_keys){ 0 };
	assert_int_equal(cv_preopen_keys_new(&after, &before, &out), 0);
	assert_int_equal(out.nfiles + out.nsbs + out.nmajors, 6);
	cv_probes_keys_free(&out);
}

static int setup(void **state)
{
	char tmpl[] = "preopen-XXXXXX";

	(void)state;
	return mkdtemp(tmpl) && realpath(tmpl, dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_and_map),
		cmocka_unit_test(test_map_only_and_fd_only),
		cmocka_unit_test(test_unwatched_and_long_path),
		cmocka_unit_test(test_no_proc),
		cmocka_unit_test(test_keys_new),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
