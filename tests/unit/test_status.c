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
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "cmd/status.h"
#include "util/opts.h"
#include "util/record.h"

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
	/* Its line ends "X.Y)"; the agent's follows, the last one (no vault registered). */
	assert_non_null(strchr(tpm, '.'));
	assert_true(strchr(tpm, '\n')[-1] == ')');
	assert_true(strncmp(strchr(tpm, '\n'), "\nagent: ", 8) == 0);
	assert_string_equal(strchr(strchr(tpm, '\n') + 1, '\n'), "\n");
}

static void test_json_with_tpm(void **state)
{
	struct cv_run r;

	(void)state;
	cv_swtpm_require();
	/* An empty registry: a directory without vaults.conf. */
	assert_int_equal(setenv("CAMVAULT_ETC", "/nonexistent/camvault-etc", 1), 0);
	cv_run(&r, cmd_status, "status", "--format", "json", NULL);
	assert_int_equal(unsetenv("CAMVAULT_ETC"), 0);
	assert_true(strncmp(r.out, "{\"module_version\":", 18) == 0);
	assert_non_null(strstr(r.out, ",\"tpm\":{\"present\":true,\"manufacturer\":\"IBM\",\"firmware\":\""));
	assert_string_equal(strstr(r.out, "\"},\"registry\":[]}\n"), "\"},\"registry\":[]}\n");
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
	cv_run(&r, cmd_status, "status", "--format", "json", NULL);
	assert_non_null(strstr(r.out, "\"tpm\":{\"present\":false,\"error\":\"no TPM reachable through "
			       "CAMVAULT_TCTI='swtpm:host=\\\"q\\\\' ("));
}

static void test_bad_argument(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, cmd_status, "status", "--jsn", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "unknown option '--jsn'"));
	cv_run(&r, cmd_status, "status", "--format", "xml", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.err, "camvault status: unknown format 'xml': give text or json\n");
	cv_run(&r, cmd_status, "status", "--format=json", "cam0", "cam1", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_non_null(strstr(r.err, "one vault at a time, not 'cam0' and 'cam1'"));
}

static void test_help(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, cmd_status, "status", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(strncmp(r.out, "Usage: camvault status [--format text|json] [NAME]\n", 51) == 0);
}

static const char *human(uint64_t bytes)
{
	static char buf[32];

	memset(buf, 'x', sizeof(buf));
	cv_human_bytes(bytes, buf, sizeof(buf));
	return buf;
}

static void test_human_bytes(void **state)
{
	(void)state;
	assert_string_equal(human(0), "0 B");
	assert_string_equal(human(1023), "1023 B");
	assert_string_equal(human(1024), "1.0 KiB");
	assert_string_equal(human(1536), "1.5 KiB");
	assert_string_equal(human(1258291), "1.2 MiB");
	assert_string_equal(human(3565158), "3.4 MiB");
	/* 1023.99 KiB would print as "1024.0 KiB": it is 1.0 MiB. */
	assert_string_equal(human(1024 * 1024 - 10), "1.0 MiB");
	assert_string_equal(human(5ULL << 30), "5.0 GiB");
	assert_string_equal(human(UINT64_MAX), "16.0 EiB");
}

static void test_vault_line(void **state)
{
	struct cv_kernel_vault v = {
		.name = "cam0", .cipher = "aes-xts-plain64", .major = 254, .minor = 0, .locked = false,
		.bytes_read = 1258291, .bytes_written = 3565158, .io_errors = 0,
	};
	char line[256];

	(void)state;
	cv_vault_line(&v, line, sizeof(line));
	assert_string_equal(line, "vault cam0 (dm-0, 254:0) aes-xts-plain64 open, read 1.2 MiB, written 3.4 MiB, "
			    "0 I/O errors");
	v.locked = true;
	v.io_errors = 1;
	v.minor = 12;
	v.bytes_read = 0;
	snprintf(v.cipher, sizeof(v.cipher), "xchacha12,aes-adiantum-plain64");
	cv_vault_line(&v, line, sizeof(line));
	assert_string_equal(line, "vault cam0 (dm-12, 254:12) xchacha12,aes-adiantum-plain64 LOCKED, read 0 B, "
			    "written 3.4 MiB, 1 I/O error");
	v.io_errors = 12345678901ULL;
	cv_vault_line(&v, line, sizeof(line));
	assert_non_null(strstr(line, ", 12345678901 I/O errors"));
}

/* A registry of one vault, cam0, whose image is not there; no TPM. Returns the registry's directory. */
static const char *one_vault_registry(void)
{
	static char dir[64];
	char path[sizeof(dir) + 32], tcti[64];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/camvault-unit-status.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vaults.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "cam0 %s/cam0.img - defaults\n", dir);
	fclose(f);
	assert_int_equal(setenv("CAMVAULT_ETC", dir, 1), 0);
	snprintf(tcti, sizeof(tcti), "swtpm:host=127.0.0.1,port=%d", cv_closed_port());
	assert_int_equal(setenv("CAMVAULT_TCTI", tcti, 1), 0);
	return dir;
}

static void one_vault_registry_gone(const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/vaults.conf", dir);
	unlink(path);
	rmdir(dir);
	unsetenv("CAMVAULT_ETC");
	unsetenv("CAMVAULT_TCTI");
}

/*
 * status NAME: only that vault, as camvault.ko (not loaded here, or without cam0: it is not open) and the
 * registry see it. Whether the module could be asked decides the exit status, as for status alone.
 */
static void test_one_vault(void **state)
{
	const char *dir = one_vault_registry();
	char want[256];
	struct cv_run r;

	(void)state;
	snprintf(want, sizeof(want), "registered cam0: %s/cam0.img, no mountpoint, header unreadable (No such file "
		 "or directory), closed\n", dir);
	cv_run(&r, cmd_status, "status", "cam0", NULL);
	if (r.rc == 0) {
		assert_string_equal(r.out, want);
		assert_string_equal(r.err, "");
	} else {
		assert_int_equal(r.rc, 1);
		assert_true(strncmp(r.out, "module: not loaded (no generic netlink family 'camvault')\n", 58) == 0);
		assert_string_equal(r.out + 58, want);
		assert_string_equal(r.err, "camvault: kernel module not loaded (no generic netlink family "
				    "'camvault'): load it with 'modprobe camvault'\n");
	}
	/* Nothing of the rest: no TPM, probes or agent line, no other vault. */
	assert_null(strstr(r.out, "TPM:"));
	assert_null(strstr(r.out, "probes:"));
	assert_null(strstr(r.out, "agent:"));

	cv_run(&r, cmd_status, "status", "--format", "json", "cam0", NULL);
	assert_true(strncmp(r.out, "{\"name\":\"cam0\",", 15) == 0);
	assert_non_null(strstr(r.out, ",\"vault\":null,\"registered\":{\"name\":\"cam0\",\"backing\":\""));
	assert_non_null(strstr(r.out, "\"state\":\"closed\",\"header_error\":\"No such file or directory\"}}\n"));
	assert_null(strstr(r.out, "\"tpm\""));
	one_vault_registry_gone(dir);
}

/* status NAME of a vault neither the kernel nor the registry knows: exit status 1, and why. */
static void test_one_vault_absent(void **state)
{
	const char *dir = one_vault_registry();
	struct cv_run r;

	(void)state;
	cv_run(&r, cmd_status, "status", "nosuch", NULL);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.out, "");
	assert_true(strncmp(r.err, "camvault: no vault nosuch: ", 27) == 0);
	assert_non_null(strstr(r.err, "vaults.conf does not list it"));
	cv_run(&r, cmd_status, "status", "--format=json", "nosuch", NULL);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "camvault: no vault nosuch: "));
	/* Not a name at all: a usage error. */
	cv_run(&r, cmd_status, "status", "a/b", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "camvault status: 'a/b' cannot be a vault name"));
	one_vault_registry_gone(dir);
}

/* Without the module, the JSON still has the vault list, as null. */
static void test_json_vault_list_null(void **state)
{
	struct cv_run r;

	(void)state;
	assert_int_equal(setenv("CAMVAULT_TCTI", "swtpm:host=127.0.0.1,port=1", 1), 0);
	cv_run(&r, cmd_status, "status", "--format", "json", NULL);
	if (r.rc == 0) {
		/* camvault.ko is loaded here: the list is an array. */
		assert_non_null(strstr(r.out, ",\"vault_list\":["));
		return;
	}
	assert_non_null(strstr(r.out, "\"module_error\":\"kernel module not loaded"));
	assert_non_null(strstr(r.out, ",\"vault_list\":null,\"tpm\":{"));
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
		cmocka_unit_test(test_human_bytes),
		cmocka_unit_test(test_vault_line),
		cmocka_unit_test(test_json_vault_list_null),
		cmocka_unit_test(test_one_vault),
		cmocka_unit_test(test_one_vault_absent),
	};

	return cmocka_run_group_tests(tests, cv_swtpm_setup, cv_swtpm_teardown);
}
