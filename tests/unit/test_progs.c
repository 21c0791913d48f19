// SPDX-License-Identifier: GPL-2.0
/*
 * The tables of the probes' programs (agent/probes/progs.c) against the objects they name: every program of
 * each skeleton, in its order, and, for the hooks object, the tiers, optional hooks and exceptions that the
 * agent derived from the programs' names before the tables (the rule kept below as it was), tier by tier.
 * Only opens the objects (nothing goes to the kernel): no root needed.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <bpf/libbpf.h>

#include "access.skel.h"
#include "hooks.skel.h"
#include "probes/progs.h"

/* ---- the rule the tables replaced, as agent/probes/probes.c had it ---- */

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool prog_in_tier(const char *name, int tier)
{
	if (has_prefix(name, "cv_"))
		return true;	/* every tier's: the process-exit and io_uring tracepoints */
	switch (tier) {
	case CAMVAULT_TIER_LSM:
		return has_prefix(name, "lsm_") || has_prefix(name, "cnt_fentry_") || has_prefix(name, "cnt_fexit_");
	case CAMVAULT_TIER_FENTRY:
		return has_prefix(name, "fentry_") || has_prefix(name, "cnt_fentry_") || has_prefix(name, "cnt_fexit_");
	case CAMVAULT_TIER_KPROBE:
		return has_prefix(name, "kprobe_") || has_prefix(name, "cnt_kprobe_") || has_prefix(name, "cnt_kretprobe_");
	default:
		return false;
	}
}

static bool prog_optional(const char *name)
{
	return strstr(name, "file_truncate") || strstr(name, "do_iter_") || strstr(name, "uring") ||
	       strstr(name, "io_submit") || strstr(name, "splice_file_range");
}

/* The function a program hooks: what follows the '/' of its section ("fexit/vfs_read": "vfs_read"). */
static const char *hooked(const struct bpf_program *prog)
{
	const char *slash = strchr(bpf_program__section_name(prog), '/');

	return slash ? slash + 1 : NULL;
}

/* ---- the tables ---- */

/* Every program of obj, in order, is entry i of progs (its handle in skel and its name), and no more. */
static void check_order(const void *skel, struct bpf_object *obj, const struct cv_prog *progs, size_t n)
{
	struct bpf_program *prog;
	size_t i = 0;

	bpf_object__for_each_program(prog, obj) {
		assert_true(i < n);
		assert_ptr_equal(cv_prog_of(skel, &progs[i]), prog);
		assert_string_equal(progs[i].name, bpf_program__name(prog));
		i++;
	}
	assert_int_equal(i, n);
}

static void test_hooks_table(void **state)
{
	struct hooks_bpf *skel = hooks_bpf__open();

	(void)state;
	assert_non_null(skel);
	check_order(skel, skel->obj, cv_hooks_progs, cv_hooks_nprogs);
	for (size_t i = 0; i < cv_hooks_nprogs; i++) {
		const struct cv_prog *e = &cv_hooks_progs[i];
		struct bpf_program *prog = cv_prog_of(skel, e);
		const char *name = bpf_program__name(prog), *fn = hooked(prog);

		for (int tier = CAMVAULT_TIER_LSM; tier <= CAMVAULT_TIER_SYSCALL_TP; tier++)
			if (cv_prog_in_tier(e, tier) != prog_in_tier(name, tier) && tier != CAMVAULT_TIER_SYSCALL_TP)
				fail_msg("%s: the table %s the %d tier, its name does not", name,
					 cv_prog_in_tier(e, tier) ? "has it in" : "leaves it out of", tier);
		/* The hooks object is never loaded at the syscall tier. */
		assert_false(cv_prog_in_tier(e, CAMVAULT_TIER_SYSCALL_TP));
		if (e->optional != prog_optional(name))
			fail_msg("%s: optional %d in the table, %d by its name", name, e->optional, prog_optional(name));
		assert_int_equal(e->optional, e->needs != NULL);
		assert_int_equal(e->any_kernel, has_prefix(name, "cv_sched"));
		/* Every program attaches somewhere: none is a tail-call target. */
		assert_non_null(fn);
		assert_false(e->tail_call);
		if (!strcmp(fn, "do_iter_readv_writev"))
			assert_string_equal(e->unless, "do_iter_read");
		else
			assert_null(e->unless);
	}
	hooks_bpf__destroy(skel);
}

static void test_access_table(void **state)
{
	struct access_bpf *skel = access_bpf__open();

	(void)state;
	assert_non_null(skel);
	check_order(skel, skel->obj, cv_access_progs, cv_access_nprogs);
	for (size_t i = 0; i < cv_access_nprogs; i++) {
		const struct cv_prog *e = &cv_access_progs[i];

		assert_int_equal(e->tiers, CV_TIER_BIT(CAMVAULT_TIER_SYSCALL_TP));
		/* Attached where the section names a tracepoint; the rest are op_progs' tail-call targets. */
		assert_int_equal(e->tail_call, hooked(cv_prog_of(skel, e)) == NULL);
		assert_false(e->optional);
		assert_false(e->any_kernel);
		assert_null(e->unless);
	}
	access_bpf__destroy(skel);
}

/* What each tier loads, as a TAP comment: for the record, and for a reviewer comparing with the old rule. */
static void test_tier_lists(void **state)
{
	static const char *const tier_names[] = { "", "lsm", "fentry", "kprobe", "syscall-tracepoint" };

	(void)state;
	for (int tier = CAMVAULT_TIER_LSM; tier <= CAMVAULT_TIER_SYSCALL_TP; tier++) {
		const struct cv_prog *progs = tier == CAMVAULT_TIER_SYSCALL_TP ? cv_access_progs : cv_hooks_progs;
		size_t n = tier == CAMVAULT_TIER_SYSCALL_TP ? cv_access_nprogs : cv_hooks_nprogs, count = 0;

		printf("# %s:", tier_names[tier]);
		for (size_t i = 0; i < n; i++) {
			if (!cv_prog_in_tier(&progs[i], tier))
				continue;
			printf(" %s%s%s", progs[i].name, progs[i].optional ? "?" : "", progs[i].tail_call ? "(tail)" : "");
			count++;
		}
		printf("\n");
		assert_true(count > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hooks_table),
		cmocka_unit_test(test_access_table),
		cmocka_unit_test(test_tier_lists),
	};

	libbpf_set_print(NULL);
	return cmocka_run_group_tests_name("progs", tests, NULL, NULL);
}
