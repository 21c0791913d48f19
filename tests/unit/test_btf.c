// SPDX-License-Identifier: GPL-2.0
/*
 * btf.c: which BTF the probes get, on fake roots under a temporary directory: the kernel's own, $CAMVAULT_BTF,
 * camvault.btf beside camvault.ko (by modules.dep, then where DKMS installs), and the errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "probes/btf.h"
#include "helpers.h"

#define REL "6.12.47+rpt-rpi-v8"

static char root[64];
static char buf[PATH_MAX];

/* Each test gets an empty root and no $CAMVAULT_BTF. */
static int setup(void **state)
{
	(void)state;
	unsetenv(CV_BTF_ENV);
	strcpy(root, "/tmp/camvault-unit-btf.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	unsetenv(CV_BTF_ENV);
	return cv_test_rmtree(root);
}

/* root/<rel>, with its parent directories; written with text unless text is NULL (a directory). */
static void make(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	assert_true(snprintf(path, sizeof(path), "%s/%s", root, rel) < (int)sizeof(path));
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
	if (!text) {
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		return;
	}
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static const char *under_root(const char *rel)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return path;
}

static const char *find(void)
{
	memset(buf, 'x', sizeof(buf));
	errno = 12345;
	return cv_btf_path_at(root, REL, buf, sizeof(buf));
}

/* A kernel with its own BTF: NULL, errno 0, whatever else there is. */
static void test_kernel_btf(void **state)
{
	(void)state;
	make("sys/kernel/btf/vmlinux", "BTF");
	make("lib/modules/" REL "/updates/dkms/camvault.btf", "BTF");
	setenv(CV_BTF_ENV, under_root("lib/modules/" REL "/updates/dkms/camvault.btf"), 1);
	assert_null(find());
	assert_int_equal(errno, 0);
}

/* Debian's DKMS: updates/dkms, found through modules.dep (compressed module) and without it. */
static void test_dkms_debian(void **state)
{
	(void)state;
	make("sys/kernel/btf/other", "");
	make("lib/modules/" REL "/updates/dkms/camvault.ko.xz", "ELF");
	make("lib/modules/" REL "/updates/dkms/camvault.btf", "BTF");
	assert_ptr_equal(find(), buf);
	assert_string_equal(buf, under_root("lib/modules/" REL "/updates/dkms/camvault.btf"));

	make("lib/modules/" REL "/modules.dep",
	     "kernel/drivers/md/dm-mod.ko.xz:\n"
	     "updates/dkms/camvault.ko.xz: kernel/drivers/md/dm-mod.ko.xz\n");
	assert_ptr_equal(find(), buf);
	assert_string_equal(buf, under_root("lib/modules/" REL "/updates/dkms/camvault.btf"));
}

/* modules.dep wins over the usual places: that is the camvault.ko modprobe loads. */
static void test_modules_dep_first(void **state)
{
	(void)state;
	make("lib/modules/" REL "/extra/camvault.btf", "stale");
	make("lib/modules/" REL "/kernel/drivers/md/camvault.ko", "ELF");
	make("lib/modules/" REL "/kernel/drivers/md/camvault.btf", "BTF");
	make("lib/modules/" REL "/modules.dep",
	     "kernel/drivers/md/dm-mod.ko:\n"
	     "kernel/fs/notcamvault.ko:\n"
	     "kernel/drivers/md/camvault_kunit.ko: kernel/drivers/md/camvault.ko\n"
	     "kernel/drivers/md/camvault.ko: kernel/drivers/md/dm-mod.ko\n");
	assert_ptr_equal(find(), buf);
	assert_string_equal(buf, under_root("lib/modules/" REL "/kernel/drivers/md/camvault.btf"));
}

/* An old depmod's absolute paths are under root too. */
static void test_modules_dep_absolute(void **state)
{
	char dep[PATH_MAX];

	(void)state;
	make("lib/modules/" REL "/misc/camvault.btf", "BTF");
	snprintf(dep, sizeof(dep), "/lib/modules/%s/misc/camvault.ko.zst:\n", REL);
	make("lib/modules/" REL "/modules.dep", dep);
	assert_ptr_equal(find(), buf);
	assert_string_equal(buf, under_root("lib/modules/" REL "/misc/camvault.btf"));
}

/* modules.dep names a camvault.ko with no camvault.btf beside it: the DKMS places are still tried. */
static void test_modules_dep_without_btf(void **state)
{
	(void)state;
	make("lib/modules/" REL "/kernel/camvault.ko", "ELF");
	make("lib/modules/" REL "/modules.dep", "kernel/camvault.ko:\n");
	make("lib/modules/" REL "/extra/camvault.btf", "BTF");
	assert_ptr_equal(find(), buf);
	assert_string_equal(buf, under_root("lib/modules/" REL "/extra/camvault.btf"));
}

/* Fedora's and SUSE's DKMS places, in that order. */
static void test_extra_then_updates(void **state)
{
	(void)state;
	make("lib/modules/" REL "/updates/camvault.btf", "BTF");
	assert_ptr_equal(find(), buf);
	assert_string_equal(buf, under_root("lib/modules/" REL "/updates/camvault.btf"));
	make("lib/modules/" REL "/extra/camvault.btf", "BTF");
	assert_ptr_equal(find(), buf);
	assert_string_equal(buf, under_root("lib/modules/" REL "/extra/camvault.btf"));
}

/* Another kernel's camvault.btf is not this one's. */
static void test_other_release(void **state)
{
	(void)state;
	make("lib/modules/6.1.0-56-amd64/updates/dkms/camvault.btf", "BTF");
	assert_null(find());
	assert_int_equal(errno, ENOENT);
}

/* $CAMVAULT_BTF comes first; when it names nothing, that is the error, not a fallback. */
static void test_env(void **state)
{
	(void)state;
	make("lib/modules/" REL "/updates/dkms/camvault.btf", "BTF");
	make("my.btf", "BTF");
	setenv(CV_BTF_ENV, under_root("my.btf"), 1);
	assert_ptr_equal(find(), buf);
	assert_string_equal(buf, under_root("my.btf"));

	setenv(CV_BTF_ENV, under_root("missing.btf"), 1);
	assert_null(find());
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(buf, "CAMVAULT_BTF="));
	assert_non_null(strstr(buf, "missing.btf: No such file or directory"));
	assert_non_null(strstr(buf, "or unset it"));

	make("dir.btf", NULL);
	setenv(CV_BTF_ENV, under_root("dir.btf"), 1);
	assert_null(find());
	assert_non_null(strstr(buf, "dir.btf: not a file"));

	/* Empty is unset. */
	setenv(CV_BTF_ENV, "", 1);
	assert_ptr_equal(find(), buf);
	assert_string_equal(buf, under_root("lib/modules/" REL "/updates/dkms/camvault.btf"));
}

/* Nothing anywhere: the message says what to install. A directory named camvault.btf is not a file. */
static void test_none(void **state)
{
	(void)state;
	make("lib/modules/" REL "/updates/dkms/camvault.ko", "ELF");
	make("lib/modules/" REL "/updates/dkms/camvault.btf", NULL);
	assert_null(find());
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(buf, "this kernel has no BTF (/sys/kernel/btf/vmlinux) and no camvault.btf was built "
				    "with camvault.ko: reinstall camvault-dkms (needs the dwarves package)"));
	assert_non_null(strstr(buf, under_root("lib/modules/" REL)));
}

/* A buffer too small for the path found: ENAMETOOLONG, not "none"; no buffer at all: EINVAL. */
static void test_small_buffer(void **state)
{
	char small[16];

	(void)state;
	make("lib/modules/" REL "/updates/dkms/camvault.btf", "BTF");
	errno = 0;
	assert_null(cv_btf_path_at(root, REL, small, sizeof(small)));
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(strlen(small), sizeof(small) - 1);

	setenv(CV_BTF_ENV, under_root("lib/modules/" REL "/updates/dkms/camvault.btf"), 1);
	assert_null(cv_btf_path_at(root, REL, small, sizeof(small)));
	assert_int_equal(errno, ENAMETOOLONG);

	assert_null(cv_btf_path_at(root, REL, small, 0));
	assert_int_equal(errno, EINVAL);
}

/* The real machine: whatever it has, the answer is one of the three, consistent with errno. */
static void test_this_machine(void **state)
{
	const char *p;

	(void)state;
	errno = 12345;
	p = cv_btf_path(buf, sizeof(buf));
	if (access(CV_BTF_KERNEL, F_OK) == 0) {
		assert_null(p);
		assert_int_equal(errno, 0);
	} else if (p) {
		assert_ptr_equal(p, buf);
		assert_int_equal(access(p, F_OK), 0);
	} else {
		assert_int_equal(errno, ENOENT);
		assert_non_null(strstr(buf, "camvault-dkms"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kernel_btf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dkms_debian, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules_dep_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules_dep_absolute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules_dep_without_btf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extra_then_updates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_this_machine, setup, teardown),
	};

	return cmocka_run_group_tests_name("btf", tests, NULL, NULL);
}
