/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host probe suite's fixture (probe_fixture.c), shared by its test files (probe_*.c): the probes the
 * group setup loads, watching a tmpfs "vault"; files made for them; workloads (commands from $PATH and
 * children of this test); gathering a process's records; and what every record must say.
 *
 * The tests, by subject, are declared at the end, in their files' order; test_access_probe.c runs them
 * all as one group, in an order of its own.
 */
#ifndef CV_PROBE_FIXTURE_H
#define CV_PROBE_FIXTURE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "probes/probes.h"

#define NOBODY 65534
#define MAX_RECS 64
#define CLIP_SIZE 200000	/* not a multiple of any buffer size */
#define WAIT_MS 3000		/* for records written after the process is gone (CLOSE_LATE) */

struct fixture {
	struct cv_probes *p;
	char err[256];			/* why p is NULL */
	bool root;
	char dir[PATH_MAX];		/* a private temporary directory, on the fs of $TMPDIR (real path) */
	char mnt[PATH_MAX];		/* the vault: a tmpfs mounted in dir, watched, or "" */
	struct stat mnt_st;
	char self_exe[PATH_MAX];	/* this program: the exe of its forked children */
	uint64_t cgroup_id;		/* 0 where there is no cgroup2 mount */
	uint32_t loginuid, sessionid;
};

/* The records of one process, gathered by collect(). */
struct gathered {
	pid_t pid;
	int n;
	struct camvault_rec recs[MAX_RECS];
};

/* What a child of a test (spawn()) is given: the file it reads, and how. */
struct job {
	const char *path;
	const char *out;	/* where a copier writes */
	size_t size;
	int mode;
	uint16_t port;		/* network order */
	int sock;
};

/* The group's setup and teardown: f->p, loaded once, watching the vault, in private namespaces. */
int group_setup(void **state);
int group_teardown(void **state);

/* Records. */
void collect_n(struct cv_probes *p, pid_t pid, struct gathered *g, int want);
void collect(struct cv_probes *p, pid_t pid, struct gathered *g);
void drain(struct cv_probes *p);
int gather_all(struct cv_probes *q, struct gathered *g);

/* Files. */
uint64_t boot_ns(void);
void path_in(char *out, const char *dir, const char *name);
void make_sized(const char *path, size_t size);
void make_file(const char *path);
void stat_path(const char *path, struct stat *st);
void new_watched_file(struct cv_probes *p, const char *dir, const char *name, char *path, struct stat *st);
void new_clip(const struct fixture *f, const char *name, char *path, struct stat *st);

/* Workloads. */
void wait_ok(pid_t pid);
pid_t run(const char *cwd, bool drop, char *const argv[]);
pid_t spawn_nowait(const char *comm, int (*fn)(void *), void *arg);
pid_t spawn(const char *comm, int (*fn)(void *), void *arg);
void exe_path(const char *cmd, char *out);
int read_all(int fd, size_t *total);

/* The probes, and their tier. */
const char *needed_btf(void);
bool hooks_tier(const struct fixture *f);
bool typed_tier(const struct fixture *f);
uint32_t given(const struct fixture *f, uint32_t flags);
struct cv_probes *need_probes(struct fixture *f);

/* Assertions. */
void assert_no_path2(const struct camvault_rec *r);
void assert_rec(const struct fixture *f, const struct camvault_rec *r, int type, pid_t pid,
		const struct stat *st);
void assert_session(const struct fixture *f, const struct camvault_rec *r, pid_t pid, const char *comm,
		    const char *exe, uid_t uid, const char *path, const struct stat *st, uint32_t open_flags);

/* probe_files.c: opens, reads and writes of watched files; what is watched. */
void test_cat(void **state);
void test_unwatched_no_record(void **state);
void test_unwatch_file(void **state);
void test_watch_filter_shared(void **state);
void test_dd_image(void **state);
void test_watched_fs(void **state);
void test_other_open_syscalls(void **state);
void test_open_unseen(void **state);

/* probe_devices.c: cameras, by their device major. */
void test_camera_major(void **state);

/* probe_lifetimes.c: where a session ends (munmap, a child's close, exit, close_range, dup2, exec). */
void test_mmap_reader(void **state);
void test_inherited_fd(void **state);
void test_exit_without_close(void **state);
void test_other_closes(void **state);

/* probe_copies.c: copies and exfiltration (cp, sockets, datagrams, readv, copy_file_range). */
void test_cp_out(void **state);
void test_socket_copiers(void **state);
void test_datagram_peer(void **state);
void test_vectors_and_copies(void **state);

/* probe_pathops.c: unlink, rename, truncate. */
void test_rm(void **state);
void test_mv(void **state);
void test_truncate(void **state);

/* probe_paths.c: the path a record gives (long, deep, from a chroot, through overlayfs). */
void test_long_paths(void **state);
void test_chroot_path(void **state);
void test_overlay_store(void **state);

/* probe_identity.c: who a process is, in namespaces of its own (a forged nginx). */
void test_forged_who(void **state);

/* probe_async.c: I/O outside the read and write syscalls (io_uring, aio). */
void test_io_uring_fio(void **state);
void test_aio_uncounted(void **state);

/* probe_threads.c: threads sharing a file; more of them than the per-thread table holds. */
void test_threads_share_file(void **state);
void test_full_inflight_counted(void **state);

/* probe_delivery.c: records out of the ring buffer, and what is lost or refused when it is full. */
void test_flush(void **state);
void test_consume_batches(void **state);
void test_no_loss(void **state);
void test_full_ring_counted(void **state);
void test_full_sessions_counted(void **state);
void test_record_or_deny(void **state);

/* probe_loading.c: loading the probes (BTF from a file, bad options, tiers). */
void test_custom_btf(void **state);
void test_btf_without_mount(void **state);
void test_bad_options(void **state);
void test_tier_names(void **state);

#endif /* CV_PROBE_FIXTURE_H */
