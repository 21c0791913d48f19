// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of the eBPF access probes (bpf/access.bpf.c and bpf/hooks.bpf.c, through agent/probes/probes.c)
 * at the tier $CAMVAULT_TIER names, else the best the kernel offers (on the build host, the syscall-
 * tracepoint tier; the 6.1 guest runs it at each tier): real processes (coreutils, fio, and children of
 * this test) touching real files on the running kernel, one session record per struct file, with exact
 * byte counts. Needs root. Records are matched by pid, so other processes on the machine do not matter.
 *
 * The "vault" is a tmpfs mounted in a private directory of $TMPDIR (in a private mount namespace) and
 * watched as a filesystem; other files are watched one by one, or not at all. $TMPDIR must not be on
 * overlayfs, whose files' f_inode is not the inode stat() shows (the guests use /run).
 *
 * The tests share one cv_probes (group setup) and run in order, so that test_no_loss sees what those
 * before it did; the ring-buffer, session-table and BTF tests load their own. Keep the order below.
 *
 * One program, one group ("access_probe"), whose TAP lines tests/host/run.sh counts and the guests read
 * (tests/guest/probe-suite.sh). Its fixture is probe_fixture.c; its tests are in probe_*.c, by subject
 * (probe_fixture.h lists them).
 */
#define _GNU_SOURCE
#include <limits.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "policy/policy.h"
#include "probes/probes.h"

#include "probe_fixture.h"

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cat),
		cmocka_unit_test(test_unwatched_no_record),
		cmocka_unit_test(test_unwatch_file),
		cmocka_unit_test(test_watch_filter_shared),
		cmocka_unit_test(test_cp_out),
		cmocka_unit_test(test_dd_image),
		cmocka_unit_test(test_mmap_reader),
		cmocka_unit_test(test_socket_copiers),
		cmocka_unit_test(test_datagram_peer),
		cmocka_unit_test(test_inherited_fd),
		cmocka_unit_test(test_exit_without_close),
		cmocka_unit_test(test_other_closes),
		cmocka_unit_test(test_rm),
		cmocka_unit_test(test_mv),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_io_uring_fio),
		cmocka_unit_test(test_camera_major),
		cmocka_unit_test(test_watched_fs),
		cmocka_unit_test(test_other_open_syscalls),
		cmocka_unit_test(test_open_unseen),
		cmocka_unit_test(test_long_paths),
		cmocka_unit_test(test_chroot_path),
		cmocka_unit_test(test_overlay_store),
		cmocka_unit_test(test_forged_who),
		cmocka_unit_test(test_threads_share_file),
		cmocka_unit_test(test_full_inflight_counted),
		cmocka_unit_test(test_aio_uncounted),
		cmocka_unit_test(test_vectors_and_copies),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_consume_batches),
		cmocka_unit_test(test_no_loss),
		cmocka_unit_test(test_full_ring_counted),
		cmocka_unit_test(test_full_sessions_counted),
		cmocka_unit_test(test_custom_btf),
		cmocka_unit_test(test_btf_without_mount),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_record_or_deny),
		cmocka_unit_test(test_tier_names),
	};

	return cmocka_run_group_tests_name("access_probe", tests, group_setup, group_teardown);
}
