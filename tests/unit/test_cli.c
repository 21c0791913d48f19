// SPDX-License-Identifier: GPL-2.0
/*
 * cmd/main.c's command dispatch. The Makefile compiles cmd/main.c with -Dmain=camvault_main.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"

int camvault_main(int argc, char **argv);

static void test_version(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, camvault_main, "camvault", "--version", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "camvault " CAMVAULT_VERSION "\n");
}

static void test_no_command(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, camvault_main, "camvault", NULL);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.out, "");
	assert_true(strncmp(r.err, "Usage: camvault <command> [<args>]\n", 35) == 0);
}

static void test_help_lists_commands(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, camvault_main, "camvault", "help", NULL);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "\n  status     show camvault.ko, the TPM, and every vault"));
	assert_non_null(strstr(r.out, "\n  init       make a vault whose key only this machine's TPM releases"));
	assert_non_null(strstr(r.out, "\n  open       open (and mount) a vault"));
	assert_non_null(strstr(r.out, "\n  close      unmount and close a vault"));
	assert_non_null(strstr(r.out, "\n  shred      destroy a vault's key for good"));
	assert_non_null(strstr(r.out, "\n  create     create a vault from a raw key file"));
	assert_non_null(strstr(r.out, "\n  remove     remove a vault's device"));
	assert_non_null(strstr(r.out, "\n  lock       wipe a vault's key"));
	assert_non_null(strstr(r.out, "\n  help       "));
}

static void test_help_command(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, camvault_main, "camvault", "help", "status", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(strncmp(r.out, "Usage: camvault status [--json]\n", 32) == 0);
	cv_run(&r, camvault_main, "camvault", "help", "create", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(strncmp(r.out, "Usage: camvault create NAME ", 28) == 0);
	cv_run(&r, camvault_main, "camvault", "help", "lock", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(strncmp(r.out, "Usage: camvault lock NAME\n", 26) == 0);
}

static void test_unknown_command(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, camvault_main, "camvault", "frobnicate", NULL);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.err, "camvault: unknown command 'frobnicate': run 'camvault help' for the list\n");
	cv_run(&r, camvault_main, "camvault", "help", "frobnicate", NULL);
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.err, "'frobnicate'"));
}

/* Arguments after the command reach it, with the command as argv[0]. */
static void test_arguments_passed(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, camvault_main, "camvault", "status", "--bogus", NULL);
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.err, "camvault status: unknown argument '--bogus'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_no_command),
		cmocka_unit_test(test_help_lists_commands),
		cmocka_unit_test(test_help_command),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_arguments_passed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
