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
#include "util/opts.h"

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
	assert_int_equal(r.rc, CV_EXIT_USAGE);
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
	assert_non_null(strstr(r.out, "\n  lock       wipe a vault's key"));
	assert_non_null(strstr(r.out, "\n  help       "));
	/* The testing commands are not the owner's: only --help-all lists them. */
	assert_null(strstr(r.out, "\n  create "));
	assert_null(strstr(r.out, "\n  remove "));
	assert_non_null(strstr(r.out, "\"camvault --help-all\" the testing commands too"));
	cv_run(&r, camvault_main, "camvault", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_null(strstr(r.out, "\n  create "));
	assert_null(strstr(r.out, "\n  remove "));
	cv_run(&r, camvault_main, "camvault", "--help-all", NULL);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "\n  status     show camvault.ko"));
	assert_non_null(strstr(r.out, "\n  create     create a vault from a raw key file"));
	assert_non_null(strstr(r.out, "\n  remove     remove a vault that create made"));
	/* Still callable. */
	cv_run(&r, camvault_main, "camvault", "remove", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(strncmp(r.out, "Usage: camvault remove NAME\n", 28) == 0);
}

static void test_help_command(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, camvault_main, "camvault", "help", "status", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(strncmp(r.out, "Usage: camvault status [--format text|json] [NAME]\n", 51) == 0);
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
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.err, "camvault: unknown command 'frobnicate': run 'camvault help' for the list\n");
	cv_run(&r, camvault_main, "camvault", "help", "frobnicate", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_non_null(strstr(r.err, "'frobnicate'"));
}

/* Arguments after the command reach it, with the command as argv[0]. */
static void test_arguments_passed(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, camvault_main, "camvault", "status", "--bogus", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.err, "camvault status: unknown option '--bogus': see 'camvault status --help'\n");
}

/*
 * One parser for every command: --help prints its usage, an unknown option or a missing value is a usage error
 * (CV_EXIT_USAGE) named the same way, and a run leaves nothing behind for the next (getopt's state).
 */
static void test_every_command_parses_alike(void **state)
{
	static const char *const cmds[] = { "status", "init", "open", "close", "lock", "shred", "trace", "agent",
					    "create", "remove", "report", "verify", "key", "push" };
	char want[160];
	struct cv_run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		cv_run(&r, camvault_main, "camvault", cmds[i], "--help", NULL);
		assert_int_equal(r.rc, 0);
		snprintf(want, sizeof(want), "Usage: camvault %s", cmds[i]);
		if (strncmp(r.out, want, strlen(want)))
			fail_msg("%s --help: '%s'", cmds[i], r.out);
		cv_run(&r, camvault_main, "camvault", cmds[i], "-h", NULL);
		assert_int_equal(r.rc, 0);
		assert_true(strncmp(r.out, want, strlen(want)) == 0);
		/* --help wins over whatever else is wrong. */
		cv_run(&r, camvault_main, "camvault", cmds[i], "--bogus", "--help", NULL);
		assert_int_equal(r.rc, 0);
		cv_run(&r, camvault_main, "camvault", cmds[i], "--bogus", NULL);
		snprintf(want, sizeof(want), "camvault %s: unknown option '--bogus': see 'camvault %s", cmds[i],
			 cmds[i]);
		if (r.rc != CV_EXIT_USAGE || strncmp(r.err, want, strlen(want)))
			fail_msg("%s --bogus: rc %d, '%s'", cmds[i], r.rc, r.err);
		assert_string_equal(r.out, "");
	}
	/* "--opt" without its value, at the end or as "--opt=". */
	cv_run(&r, camvault_main, "camvault", "report", "--db", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.err, "camvault report: --db needs a value: see 'camvault report --help'\n");
	cv_run(&r, camvault_main, "camvault", "verify", "--pubkey=", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.err, "camvault verify: --pubkey needs a value: see 'camvault verify --help'\n");
	cv_run(&r, camvault_main, "camvault", "key", "export", "-o", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.err, "camvault key export: -o needs a value: see 'camvault key export --help'\n");
	/* Numbers in their range, words of their list. */
	cv_run(&r, camvault_main, "camvault", "agent", "--checkpoint-every=0", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.err, "camvault agent: --checkpoint-every needs a whole number from 1 to 86400, not "
			    "'0'\n");
	cv_run(&r, camvault_main, "camvault", "trace", "--count", "x", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.err, "camvault trace: --count needs a whole number of at least 1, not 'x'\n");
	cv_run(&r, camvault_main, "camvault", "trace", "--format", "xml", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.err, "camvault trace: unknown format 'xml': give text, json or binary\n");
	/* --json and --binary were --format: the error says so. */
	cv_run(&r, camvault_main, "camvault", "trace", "--binary", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_non_null(strstr(r.err, "'--binary': machine output is asked for with --format now"));
	cv_run(&r, camvault_main, "camvault", "report", "x", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.err, "camvault report: unexpected argument 'x': see 'camvault report --help'\n");
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
		cmocka_unit_test(test_every_command_parses_alike),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
