// SPDX-License-Identifier: GPL-2.0
/*
 * tpm.c against a real swtpm, and against TPMs that are not there.
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

#include "tpm/tpm.h"
#include "helpers.h"

static void test_swtpm_is_ibm(void **state)
{
	struct cv_tpm_info info;
	char err[512] = "";

	(void)state;
	cv_swtpm_require();
	assert_int_equal(cv_tpm_probe(&info, err, sizeof(err)), 0);
	assert_string_equal(info.manufacturer, "IBM");
	/* libtpms puts a date there (0x20191023 for 0.7), never 0. */
	assert_int_not_equal(info.firmware1, 0);
	assert_string_equal(err, "");
}

/* The same TPM opened twice in a row: cv_tpm_close() released it. */
static void test_open_close_twice(void **state)
{
	struct cv_tpm_info info;
	struct cv_tpm tpm;
	char err[512];
	int i;

	(void)state;
	cv_swtpm_require();
	for (i = 0; i < 2; i++) {
		assert_int_equal(cv_tpm_open(&tpm, err, sizeof(err)), 0);
		assert_string_equal(tpm.tcti_conf, cv_swtpm.tcti);
		assert_int_equal(cv_tpm_get_info(&tpm, &info, err, sizeof(err)), 0);
		assert_string_equal(info.manufacturer, "IBM");
		cv_tpm_close(&tpm);
	}
}

static void test_closed_port(void **state)
{
	char tcti[64], err[512] = "", want[128];
	struct cv_tpm_info info;

	(void)state;
	snprintf(tcti, sizeof(tcti), "swtpm:host=127.0.0.1,port=%d", cv_closed_port());
	assert_int_equal(setenv("CAMVAULT_TCTI", tcti, 1), 0);
	assert_int_equal(cv_tpm_probe(&info, err, sizeof(err)), -1);
	/* Names the TPM it tried, and the fix. */
	snprintf(want, sizeof(want), "no TPM reachable through CAMVAULT_TCTI='%s'", tcti);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "start that TPM, or correct CAMVAULT_TCTI"));
}

static void test_unknown_tcti(void **state)
{
	char err[512] = "";
	struct cv_tpm_info info;

	(void)state;
	assert_int_equal(setenv("CAMVAULT_TCTI", "nosuchtcti:whatever", 1), 0);
	assert_int_equal(cv_tpm_probe(&info, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'nosuchtcti:whatever'"));
}

/* tpm2-tss's own log lines are silenced unless the user asked for them. */
static void test_tss2_log_quiet_by_default(void **state)
{
	char err[512];
	struct cv_tpm_info info;

	(void)state;
	assert_int_equal(unsetenv("TSS2_LOG"), 0);
	assert_int_equal(setenv("CAMVAULT_TCTI", "nosuchtcti:whatever", 1), 0);
	assert_int_equal(cv_tpm_probe(&info, err, sizeof(err)), -1);
	assert_string_equal(getenv("TSS2_LOG"), "all+NONE");
	assert_int_equal(setenv("TSS2_LOG", "all+debug", 1), 0);
	assert_int_equal(cv_tpm_probe(&info, err, sizeof(err)), -1);
	assert_string_equal(getenv("TSS2_LOG"), "all+debug");
	assert_int_equal(unsetenv("TSS2_LOG"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swtpm_is_ibm),
		cmocka_unit_test(test_open_close_twice),
		cmocka_unit_test(test_closed_port),
		cmocka_unit_test(test_unknown_tcti),
		cmocka_unit_test(test_tss2_log_quiet_by_default),
	};

	return cmocka_run_group_tests(tests, cv_swtpm_setup, cv_swtpm_teardown);
}
