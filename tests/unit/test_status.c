// SPDX-License-Identifier: GPL-2.0
/*
 * "camvault status" end to end: the real netlink family (absent on a test host, present in a guest with
 * camvault.ko) and a real swtpm. The output format is what scripts grep.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"

int cmd_status(int argc, char **argv);

/* The module lines match the exit code: loaded and asked, or not loaded with the fix on stderr. */
static void assert_module_lines(const struct cv_run *r)
{
	if (r->rc == 0) {
		assert_true(strncmp(r->out, "module: camvault ", 17) == 0);
		assert_non_null(strstr(r->out, "\nvaults: "));
		assert_string_equal(r->err, "");
	} else {
		assert_int_equal(r->rc, 1);
		assert_true(strncmp(r->out, "module: not loaded (no generic netlink family 'camvault')\n", 57) == 0);
		assert_null(strstr(r->out, "vaults:"));
		assert_string_equal(r->err, "camvault: kernel module not loaded (no generic netlink family "
				    "'camvault'): load it with 'modprobe camvault'\n");
	}
}

static void test_text_with_tpm(void **state)
{
	struct cv_run r;
	const char *tpm;

	(void)state;
	cv_swtpm_require();
	cv_run(&r, cmd_status, "status", NULL);
	assert_module_lines(&r);
	tpm = strstr(r.out, "TPM: present (manufacturer IBM, firmware ");
	assert_non_null(tpm);
	/* The last line, "X.Y)" */
	assert_non_null(strchr(tpm, '.'));
	assert_string_equal(strchr(tpm, '\n'), "\n");
	assert_true(strchr(tpm, '\n')[-1] == ')');
}

static void test_json_with_tpm(void **state)
{
	struct cv_run r;

	(void)state;
	cv_swtpm_require();
	cv_run(&r, cmd_status, "status", "--json", NULL);
	assert_true(strncmp(r.out, "{\"module_version\":", 18) == 0);
	assert_non_null(strstr(r.out, ",\"tpm\":{\"present\":true,\"manufacturer\":\"IBM\",\"firmware\":\""));
	assert_string_equal(strstr(r.out, "\"}}\n"), "\"}}\n");
	if (r.rc)
		assert_non_null(strstr(r.out, "\"module_version\":null,\"vaults\":null,\"module_error\":\"kernel "
				       "module not loaded"));
	else
		assert_non_null(strstr(r.out, ",\"vaults\":"));
}

static void test_text_without_tpm(void **state)
{
	char tcti[64], want[160];
	struct cv_run r;

	(void)state;
	snprintf(tcti, sizeof(tcti), "swtpm:host=127.0.0.1,port=%d", cv_closed_port());
	assert_int_equal(setenv("CAMVAULT_TCTI", tcti, 1), 0);
	cv_run(&r, cmd_status, "status", NULL);
	assert_module_lines(&r);
	snprintf(want, sizeof(want), "\nTPM: none found (no TPM reachable through CAMVAULT_TCTI='%s' (", tcti);
	assert_non_null(strstr(r.out, want));
}

/* Quotes and backslashes in what the user set come out escaped. */
static void test_json_escapes(void **state)
{
	struct cv_run r;

	(void)state;
	assert_int_equal(setenv("CAMVAULT_TCTI", "swtpm:host=\"q\\", 1), 0);
	cv_run(&r, cmd_status, "status", "--json", NULL);
	assert_non_null(strstr(r.out, "\"tpm\":{\"present\":false,\"error\":\"no TPM reachable through "
			       "CAMVAULT_TCTI='swtpm:host=\\\"q\\\\' ("));
}

static void test_bad_argument(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, cmd_status, "status", "--jsn", NULL);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "unknown argument '--jsn'"));
}

static void test_help(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, cmd_status, "status", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(strncmp(r.out, "Usage: camvault status [--json]\n", 32) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_with_tpm),
		cmocka_unit_test(test_json_with_tpm),
		cmocka_unit_test(test_text_without_tpm),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_bad_argument),
		cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, cv_swtpm_setup, cv_swtpm_teardown);
}
