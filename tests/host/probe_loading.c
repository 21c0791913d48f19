// SPDX-License-Identifier: GPL-2.0
/*
 * Loading the probes: relocated against a BTF file (a kernel without BTF of its own), one without struct
 * mount, bad options refused, the tier asked for or the best, and the tiers' names.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe_fixture.h"

/*
 * The BTF of a kernel built without it comes from a file: here $CAMVAULT_TEST_BTF (run.sh makes one
 * with bpftool gen min_core_btf, only what the probes use; the guests give camvault.btf), else a copy of
 * the kernel's own.
 */
static const char *test_btf(void)
{
	const char *btf = getenv("CAMVAULT_TEST_BTF");

	return btf && btf[0] ? btf : "/sys/kernel/btf/vmlinux";
}

/* cat of a clip with probes relocated against btf; returns its record in r. */
static void cat_with_btf(struct fixture *f, const char *btf, char *clip, struct camvault_rec *r)
{
	struct cv_probes_opts opts = { .btf_path = btf };
	struct cv_probes *q;
	struct gathered g;
	char err[256];
	pid_t pid;

	print_message("# btf_path %s\n", btf);
	q = cv_probes_open_opts(&opts, err, sizeof(err));
	if (!q)
		fail_msg("cv_probes_open_opts: %s", err);
	assert_int_equal(cv_probes_watch_fs(q, f->mnt), 0);
	pid = run(NULL, false, (char *const[]){ "cat", clip, NULL });
	collect_n(q, pid, &g, 1);
	cv_probes_close(q);
	assert_int_equal(g.n, 1);
	*r = g.recs[0];
}

void test_custom_btf(void **state)
{
	struct fixture *f = *state;
	const char *btf = test_btf();
	char clip[PATH_MAX], exe[PATH_MAX];
	struct camvault_rec r;
	struct stat st;

	need_probes(f);
	if (access(btf, R_OK) != 0) {
		print_message("# SKIP: no BTF file (%s)\n", btf);
		skip();
	}
	new_clip(f, "btf.mp4", clip, &st);
	exe_path("cat", exe);
	cat_with_btf(f, btf, clip, &r);
	assert_rec(f, &r, CAMVAULT_REC_SESSION, r.pid, &st);
	assert_string_equal(r.path, clip);
	assert_string_equal(r.exe, exe);
	assert_int_equal(r.open_flags, O_RDONLY);
	assert_int_equal(r.bytes_read, CLIP_SIZE);
	assert_int_equal(r.rflags, 0);
}

/*
 * A BTF without struct mount (a randstruct kernel's camvault.btf): the probes still load; paths stop at
 * the root of their mount and say so. Made from the BTF file by renaming the type.
 */
void test_btf_without_mount(void **state)
{
	struct fixture *f = *state;
	const char *btf = test_btf();
	char clip[PATH_MAX], copy[PATH_MAX], expect[PATH_MAX];
	static const char needle[] = "\0mount\0";
	struct camvault_rec r;
	struct stat st;
	char *data = NULL, *hit = NULL;
	size_t len = 0;
	FILE *in, *out;

	need_probes(f);
	in = fopen(btf, "rb");
	if (!in) {
		print_message("# SKIP: no BTF file (%s)\n", btf);
		skip();
	}
	data = malloc(64 << 20);
	assert_non_null(data);
	len = fread(data, 1, 64 << 20, in);
	fclose(in);
	assert_true(len > 0 && len < (64 << 20));
	hit = memmem(data, len, needle, sizeof(needle) - 1);
	if (!hit) {
		free(data);
		print_message("# SKIP: %s has no struct mount already\n", btf);
		skip();
	}
	hit[5] = 'X';	/* "mounX" */
	path_in(copy, f->dir, "nomount.btf");
	out = fopen(copy, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(data, 1, len, out), len);
	assert_int_equal(fclose(out), 0);
	free(data);

	new_clip(f, "no-mount.mp4", clip, &st);
	cat_with_btf(f, copy, clip, &r);
	assert_rec(f, &r, CAMVAULT_REC_SESSION, r.pid, &st);
	assert_string_equal(r.path, "/no-mount.mp4");
	assert_int_equal(r.rflags & (CAMVAULT_RF_PATH_TAIL | CAMVAULT_RF_EXE_TAIL),
			 CAMVAULT_RF_PATH_TAIL | CAMVAULT_RF_EXE_TAIL);
	assert_int_equal(r.bytes_read, CLIP_SIZE);
	/* cat's own path, from the root of the filesystem that holds it. */
	exe_path("cat", expect);
	assert_non_null(strstr(expect, r.exe));
}

/* Bad options are refused, saying why. */
void test_bad_options(void **state)
{
	struct fixture *f = *state;
	struct cv_probes_opts odd = { .ringbuf_bytes = 3 * 4096 };
	struct cv_probes_opts nobtf = { .btf_path = "/nonexistent/vmlinux.btf" };
	char err[256];

	need_probes(f);
	assert_null(cv_probes_open_opts(&odd, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "power of 2"));
	assert_null(cv_probes_open_opts(&nobtf, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "/nonexistent/vmlinux.btf"));
}

void test_tier_names(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	const char *want = getenv("CAMVAULT_TIER");
	int tier = cv_probes_tier(p);

	/* The tier asked for; else the best that works, and each better one skipped says why. */
	if (want && *want && strcmp(want, "auto") != 0) {
		assert_int_equal(tier, cv_probes_tier_parse(want));
	} else {
		assert_in_range(tier, CAMVAULT_TIER_LSM, CAMVAULT_TIER_SYSCALL_TP);
		for (int t = CAMVAULT_TIER_LSM; t < tier; t++) {
			char name[32];

			snprintf(name, sizeof(name), "%s: ", cv_probes_tier_name(t));
			assert_non_null(strstr(cv_probes_fallback(p), name));
		}
	}
	assert_int_equal(cv_probes_tier_parse("tracepoint"), CAMVAULT_TIER_SYSCALL_TP);
	assert_int_equal(cv_probes_tier_parse("syscall-tracepoint"), CAMVAULT_TIER_SYSCALL_TP);
	assert_int_equal(cv_probes_tier_parse("lsm"), CAMVAULT_TIER_LSM);
	assert_int_equal(cv_probes_tier_parse("auto"), 0);
	assert_int_equal(cv_probes_tier_parse("best"), -EINVAL);
	assert_string_equal(cv_probes_tier_name(CAMVAULT_TIER_LSM), "lsm");
	assert_string_equal(cv_probes_tier_name(CAMVAULT_TIER_FENTRY), "fentry");
	assert_string_equal(cv_probes_tier_name(CAMVAULT_TIER_KPROBE), "kprobe");
	assert_string_equal(cv_probes_tier_name(CAMVAULT_TIER_SYSCALL_TP), "syscall-tracepoint");
	assert_string_equal(cv_probes_tier_name(0), "unknown");
	assert_string_equal(cv_probes_tier_name(99), "unknown");
}
