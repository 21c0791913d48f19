// SPDX-License-Identifier: GPL-2.0
/*
 * What "camvault status" says of the probes pinned in bpffs (cv_probes_status(), the lines scripts grep),
 * and what status, trace --unpin and cv_probes_pinned_info() do when nothing is pinned. Pinning itself
 * (load, kill -9, reuse) needs probes that attach: tests/guest/t/46-restart.sh.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "util/opts.h"
#include "cmd/status.h"
#include "probes/probes.h"

int cmd_status(int argc, char **argv);
int cmd_trace(int argc, char **argv);

/* Not a bpffs, and nothing there: what a machine without an agent looks like. */
#define NOWHERE "/nonexistent/camvault-test-bpffs/camvault"

static void test_line_not_running(void **state)
{
	char line[512];

	(void)state;
	cv_probes_status(-ENOENT, NULL, NOWHERE, "nothing pinned in " NOWHERE, line, sizeof(line));
	assert_string_equal(line, "probes: not running (no agent)");
	cv_probes_status(-EAGAIN, NULL, NOWHERE, "pid 12 is loading probes to pin in " NOWHERE, line, sizeof(line));
	assert_string_equal(line, "probes: not running (pid 12 is loading probes to pin in " NOWHERE ")");
	cv_probes_status(-EACCES, NULL, NOWHERE, NOWHERE ": EACCES: run as root", line, sizeof(line));
	assert_string_equal(line, "probes: unknown (" NOWHERE ": EACCES: run as root)");
}

static const struct cv_probes_pinned running = {
	.tier = CAMVAULT_TIER_LSM,
	.links = 27,
	.reader = 412,
	.since = 1795619045,	/* 2026-11-25T15:04:05Z */
	.loss = { .records = 3, .sessions = 2, .denied = 1 },
	.sessions = 5,
	.sessions_max = 8192,
	.ringbuf_bytes = 256 * 1024,
	.waiting = 1258,
};

static void test_lines_running(void **state)
{
	struct cv_probes_pinned i = running;
	char line[1024];

	(void)state;
	cv_probes_status(0, &i, "/sys/fs/bpf/camvault", "", line, sizeof(line));
	assert_string_equal(line, "probes: lsm tier, 27 attached, pinned in /sys/fs/bpf/camvault since "
			    "2026-11-25T15:04:05.000Z, read by pid 412\n"
			    "probes: lost: 3 records (ring buffer full), 2 sessions (table full); denied: 1 opens; "
			    "sessions open: 5; waiting: 1.2 KiB of 256.0 KiB");
	/* No process reads them: the records wait; record-or-deny and another build's said. */
	i.reader = 0;
	i.record_or_deny = true;
	i.other_build = true;
	i.tier = CAMVAULT_TIER_SYSCALL_TP;
	i.waiting = 0;
	i.loss = (struct cv_probes_loss){ 0 };
	cv_probes_status(0, &i, "/sys/fs/bpf/camvault", "", line, sizeof(line));
	assert_string_equal(line, "probes: syscall-tracepoint tier, 27 attached, pinned in /sys/fs/bpf/camvault since "
			    "2026-11-25T15:04:05.000Z, record-or-deny, not read (no agent): records wait in the ring "
			    "buffer; another build's: the next start replaces them\n"
			    "probes: lost: 0 records (ring buffer full), 0 sessions (table full); denied: 0 opens; "
			    "sessions open: 5; waiting: 0 B of 256.0 KiB");
}

/*
 * The directory comes from $CAMVAULT_BPFFS and the error names it: a newline or ESC in them is escaped, and the
 * status text keeps its own newline, one between its two lines.
 */
static void test_lines_escaped(void **state)
{
	char line[1024];

	(void)state;
	cv_probes_status(-EACCES, NULL, "/x\n<0>y", "/x\n<0>y\x1b[31m: EACCES", line, sizeof(line));
	assert_string_equal(line, "probes: unknown (/x\\x0a<0>y\\x1b[31m: EACCES)");
	cv_probes_status(0, &running, "/sys/fs/bpf/\x1b[2Jcv", "", line, sizeof(line));
	assert_non_null(strstr(line, "pinned in /sys/fs/bpf/\\x1b[2Jcv since"));
	assert_ptr_equal(strchr(line, '\n'), strrchr(line, '\n'));
	assert_null(strchr(line, '\x1b'));
}

/* A short buffer: cut, terminated, never overrun (ASan watches). */
static void test_lines_short_buffer(void **state)
{
	char line[40];

	(void)state;
	memset(line, 'x', sizeof(line));
	cv_probes_status(0, &running, "/sys/fs/bpf/camvault", "", line, sizeof(line));
	assert_int_equal(strlen(line), sizeof(line) - 1);
}

static void test_pinned_info_nothing(void **state)
{
	struct cv_probes_pinned i;
	char err[512];

	(void)state;
	assert_int_equal(cv_probes_pinned_info(NOWHERE, &i, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/camvault-test-bpffs: No such file or directory: the pinned "
			       "probes' directory must be on a bpffs"));
	/* A directory that is there, but on no bpffs. */
	assert_int_equal(cv_probes_pinned_info("/tmp/camvault", &i, err, sizeof(err)), -ENOENT);
}

static void test_pin_dir(void **state)
{
	(void)state;
	assert_int_equal(unsetenv("CAMVAULT_BPFFS"), 0);
	assert_string_equal(cv_probes_pin_dir(), "/sys/fs/bpf/camvault");
	assert_int_equal(setenv("CAMVAULT_BPFFS", "", 1), 0);
	assert_string_equal(cv_probes_pin_dir(), "/sys/fs/bpf/camvault");
	assert_int_equal(setenv("CAMVAULT_BPFFS", NOWHERE, 1), 0);
	assert_string_equal(cv_probes_pin_dir(), NOWHERE);
}

/* status does not fail for the probes: without any pinned, it says so, in text and JSON. */
static void test_status_without_probes(void **state)
{
	struct cv_run r;

	(void)state;
	assert_int_equal(setenv("CAMVAULT_BPFFS", NOWHERE, 1), 0);
	assert_int_equal(setenv("CAMVAULT_ETC", "/nonexistent/camvault-etc", 1), 0);
	assert_int_equal(setenv("CAMVAULT_TCTI", "swtpm:host=127.0.0.1,port=1", 1), 0);
	cv_run(&r, cmd_status, "status", NULL);
	assert_non_null(strstr(r.out, "\nprobes: not running (no agent)\nTPM: "));
	assert_null(strstr(r.err, "probes"));
	cv_run(&r, cmd_status, "status", "--format", "json", NULL);
	assert_non_null(strstr(r.out, "},\"probes\":{\"running\":false,\"error\":\""));
	assert_non_null(strstr(r.out, "\"dir\":\"" NOWHERE "\"},\"agent\":{\"running\":false,\"pid\":null,"));
	assert_non_null(strstr(r.out, "},\"registry\":[]}\n"));
	assert_int_equal(unsetenv("CAMVAULT_ETC"), 0);
	assert_int_equal(unsetenv("CAMVAULT_TCTI"), 0);
}

/* trace --unpin with nothing pinned: nothing to do, not an error; with other options: an error. */
static void test_unpin_nothing(void **state)
{
	char err[512];
	struct cv_run r;

	(void)state;
	assert_int_equal(cv_probes_unpin(NOWHERE, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "no probes pinned in " NOWHERE);
	assert_int_equal(setenv("CAMVAULT_BPFFS", NOWHERE, 1), 0);
	cv_run(&r, cmd_trace, "trace", "--unpin", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, "trace: no probes pinned in " NOWHERE ": nothing to unpin\n");
	cv_run(&r, cmd_trace, "trace", "--unpin", "--format", "json", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.err, "camvault trace: --unpin takes no other option: see 'camvault trace --help'\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_not_running),
		cmocka_unit_test(test_lines_running),
		cmocka_unit_test(test_lines_escaped),
		cmocka_unit_test(test_lines_short_buffer),
		cmocka_unit_test(test_pinned_info_nothing),
		cmocka_unit_test(test_pin_dir),
		cmocka_unit_test(test_status_without_probes),
		cmocka_unit_test(test_unpin_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
