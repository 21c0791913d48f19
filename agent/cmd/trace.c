// SPDX-License-Identifier: GPL-2.0
/*
 * camvault trace [--json | --binary] [--seconds N] [--count N] [--vault NAME]... [--file PATH]... [--fs DIR]...
 *                [--no-cameras] [--tier TIER] [--record-or-deny [--recorder EXE]...] [--pin]
 * camvault trace --unpin
 *
 * Loads the access probes and prints every record as it comes: who touched footage, what, when, how much.
 * What it watches, by default: every vault of the registry (its mounted filesystem, its /dev/mapper device
 * and its backing store) and the cameras (/dev/video*). The agent does the same and keeps the records; this
 * is the tool to see them live, and what the guest tests read. Ends on SIGINT/SIGTERM, after --seconds, or
 * after --count records; then prints the sessions still open (flagged "still open") and the loss counts.
 *
 * --pin uses the probes pinned in bpffs (cv_probes_pin_dir()), pinning them first if none are: they stay
 * attached when trace ends, however it ends, and the next "trace --pin" prints the records from where the
 * last one stopped. --unpin detaches them for good.
 *
 * --binary writes the records as they are (struct camvault_rec, include/uapi/camvault.h, native byte
 * order, back to back) for a program to read: formatting text is most of what a record costs the agent.
 *
 * Names and paths come from whoever named the file or the process: the lines escape them (cv_text_safe(),
 * JSON's \u00XX), so that none drives the terminal or starts a line of its own, and a record's line is
 * written whole however long its escapes make it (cv_rec_fprint()).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/args.h"
#include "probes/btf.h"
#include "probes/probes.h"
#include "probes/watch.h"
#include "util/record.h"
#include "vault/vault.h"

static volatile sig_atomic_t cv_trace_stop;

static void cv_trace_signal(int sig)
{
	(void)sig;
	cv_trace_stop = 1;
}

struct cv_trace {
	bool json;
	bool binary;		/* struct camvault_rec as it is */
	bool keep_all;		/* pinned: a record taken from the ring buffer is printed, even past --count */
	long count;		/* records printed */
	long max;		/* 0: no limit */
	int64_t offset;		/* CLOCK_BOOTTIME to CLOCK_REALTIME */
};

static void cv_trace_print(const struct camvault_rec *r, void *ctx)
{
	struct cv_trace *t = ctx;

	/* Unprinted, a record taken from pinned probes would be lost to the next reader too. */
	if (t->max && t->count >= t->max && !t->keep_all)
		return;
	if (t->binary) {
		fwrite(r, sizeof(*r), 1, stdout);
	} else {
		/* Straight to stdout: no buffer to cut a line whose escaped strings are long. */
		cv_rec_fprint(stdout, r, t->offset, t->json);
	}
	/*
	 * Pinned, the probes forget a record once this callback returns: it must be out before. Else a
	 * batch goes out at once (a write per record would be most of the agent's cost at 50k records/s).
	 */
	if (t->keep_all)
		fflush(stdout);
	t->count++;
}

static void cv_trace_usage(FILE *f)
{
	fprintf(f, "Usage: camvault trace [--json | --binary] [--seconds N] [--count N] [--vault NAME]...\n"
		"                      [--file PATH]... [--fs DIR]... [--no-cameras] [--tier TIER]\n"
		"                      [--record-or-deny [--recorder EXE]...] [--pin]\n"
		"       camvault trace --unpin\n\n"
		"Prints every access to footage as the probes record it, until interrupted.\n"
		"  --vault NAME   watch this registered vault (default: all of them): its mounted filesystem,\n"
		"                 its device and its backing store\n"
		"  --file PATH    watch this file or device too\n"
		"  --fs DIR       watch every file of the filesystem holding DIR too\n"
		"  --no-cameras   do not watch the cameras (/dev/video*)\n"
		"  --json         one JSON object per record\n"
		"  --binary       the records as they are (struct camvault_rec of camvault.h, native byte\n"
		"                 order, back to back), for programs: the cheapest output\n"
		"  --seconds N    stop after N seconds; --count N: after N records\n"
		"  --tier TIER    hook the kernel at this tier only: lsm, fentry, kprobe or tracepoint\n"
		"                 (default: auto, the best this kernel offers; also $CAMVAULT_TIER)\n"
		"  --record-or-deny  (lsm tier) refuse read-opens of footage that could not be recorded,\n"
		"                 except by a --recorder EXE (the NVR); writes are never refused\n"
		"  --pin          use the probes pinned in %s ($CAMVAULT_BPFFS), pinning them if none are:\n"
		"                 they stay attached after trace ends, and the next trace --pin prints the\n"
		"                 records from where this one stopped (--count may then print a few more)\n"
		"  --unpin        detach the pinned probes for good (their unread records go with them)\n",
		CV_PROBES_PIN_DIR);
}

/* camvault trace --unpin */
static int cv_trace_unpin(void)
{
	const char *dir = cv_probes_pin_dir();
	char err[CV_ERRLEN];
	int e = cv_probes_unpin(dir, err, sizeof(err));

	if (e == -ENOENT) {
		cv_text_line(stderr, "trace: %s: nothing to unpin", err);
		return 0;
	}
	if (e) {
		cv_text_line(stderr, "camvault: %s", err);
		return 1;
	}
	cv_text_line(stderr, "trace: unpinned the probes in %s: detached", dir);
	return 0;
}

/* Watches what vault e consists of; prints what on stderr. */
static int cv_trace_vault(struct cv_probes *p, const struct cv_vault_entry *e)
{
	char desc[3 * PATH_MAX + 64], err[CV_ERRLEN];

	if (cv_watch_vault(p, e, NULL, desc, sizeof(desc), err, sizeof(err))) {
		cv_text_line(stderr, "camvault: %s", err);
		return -1;
	}
	cv_text_line(stderr, "trace: vault %s: %s", e->name, desc);
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	const char *vaults[64], *files[64], *fss[64], *recorders[64], *v;
	size_t nv = 0, nf = 0, nfs = 0, nrec = 0, i;
	struct cv_trace t = { 0 };
	struct cv_probes_opts opts = { 0 };
	struct cv_probes_loss loss;
	struct cv_registry reg = { 0 };
	char err[CV_ERRLEN], btf[PATH_MAX], path[PATH_MAX];
	bool cameras = true, pin = false, unpin = false;
	double seconds = 0;
	struct cv_probes *p;
	struct timespec start, now;
	const char *opt = NULL;
	int ret = 1, j;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cv_trace_usage(stdout);
			return 0;
		}
	}
	for (j = 1; j < argc; j++) {
		char *end = NULL;

		opt = argv[j];
		if (!strcmp(opt, "--json")) {
			t.json = true;
			continue;
		}
		if (!strcmp(opt, "--binary")) {
			t.binary = true;
			continue;
		}
		if (!strcmp(opt, "--no-cameras")) {
			cameras = false;
			continue;
		}
		if (!strcmp(opt, "--record-or-deny")) {
			opts.record_or_deny = true;
			continue;
		}
		if (!strcmp(opt, "--pin")) {
			pin = true;
			continue;
		}
		if (!strcmp(opt, "--unpin")) {
			unpin = true;
			continue;
		}
		if (cv_option(argc, argv, &j, "--seconds", &v)) {
			seconds = v ? strtod(v, &end) : 0;
			if (!v || *end || seconds <= 0)
				goto bad_value;
		} else if (cv_option(argc, argv, &j, "--count", &v)) {
			t.max = v ? strtol(v, &end, 10) : 0;
			if (!v || *end || t.max <= 0)
				goto bad_value;
		} else if (cv_option(argc, argv, &j, "--tier", &v)) {
			opts.tier = v ? cv_probes_tier_parse(v) : -1;
			if (opts.tier < 0)
				goto bad_value;
		} else if (cv_option(argc, argv, &j, "--recorder", &v)) {
			if (!v || !*v || nrec >= 64)
				goto bad_value;
			recorders[nrec++] = v;
		} else if (cv_option(argc, argv, &j, "--vault", &v) || cv_option(argc, argv, &j, "--file", &v) ||
			   cv_option(argc, argv, &j, "--fs", &v)) {
			const char **list = opt[2] == 'v' ? vaults : opt[3] == 'i' ? files : fss;
			size_t *n = opt[2] == 'v' ? &nv : opt[3] == 'i' ? &nf : &nfs;

			if (!v || !*v || *n >= 64)
				goto bad_value;
			list[(*n)++] = v;
		} else {
			cv_text_line(stderr, "camvault trace: unknown argument '%s': see 'camvault help trace'", opt);
			return 1;
		}
	}

	if (t.json && t.binary) {
		fprintf(stderr, "camvault trace: --json and --binary exclude each other: pick one\n");
		return 1;
	}
	if (unpin) {
		if (argc > 2) {
			fprintf(stderr, "camvault trace: --unpin takes no other option: see 'camvault help trace'\n");
			return 1;
		}
		return cv_trace_unpin();
	}
	if (pin) {
		opts.pin_dir = cv_probes_pin_dir();
		t.keep_all = true;
	}

	if (!cv_registry_path(path, sizeof(path)) || cv_registry_load(path, &reg, err, sizeof(err))) {
		cv_text_line(stderr, "camvault: %s", err);
		return 1;
	}
	for (i = 0; i < nv; i++) {
		if (!cv_registry_find(&reg, vaults[i])) {
			cv_text_line(stderr, "camvault: no vault %s in %s: 'camvault status' lists them", vaults[i],
				     path);
			goto out_reg;
		}
	}

	errno = 0;
	opts.btf_path = cv_btf_path(btf, sizeof(btf));
	if (!opts.btf_path && errno) {
		cv_text_line(stderr, "camvault: %s", btf);
		goto out_reg;
	}
	p = cv_probes_open_opts(&opts, err, sizeof(err));
	if (!p) {
		cv_text_line(stderr, "camvault: %s", err);
		goto out_reg;
	}
	cv_text_line(stderr, "trace: probes at the %s tier%s%s", cv_probes_tier_name(cv_probes_tier(p)),
		     opts.btf_path ? ", BTF from " : "", opts.btf_path ? opts.btf_path : "");
	if (*cv_probes_fallback(p))
		cv_text_line(stderr, "trace: better tiers not available: %s", cv_probes_fallback(p));
	if (*cv_probes_pin_note(p))
		cv_text_line(stderr, "trace: %s", cv_probes_pin_note(p));
	for (i = 0; i < nrec; i++) {
		int r = cv_probes_allow_recorder(p, recorders[i]);

		if (r) {
			cv_text_line(stderr, "camvault: cannot allow recorder %s: %s", recorders[i], strerror(-r));
			goto out;
		}
		cv_text_line(stderr, "trace: recorder %s (never refused)", recorders[i]);
	}
	for (i = 0; i < reg.n; i++) {
		size_t k;
		bool want = !nv;

		for (k = 0; k < nv; k++)
			want |= !strcmp(vaults[k], reg.v[i].name);
		if (want && cv_trace_vault(p, &reg.v[i]))
			goto out;
	}
	for (i = 0; i < nf; i++) {
		if (cv_probes_watch_file(p, files[i])) {
			cv_text_line(stderr, "camvault: cannot watch %s: %s", files[i], strerror(errno));
			goto out;
		}
		cv_text_line(stderr, "trace: file %s", files[i]);
	}
	for (i = 0; i < nfs; i++) {
		if (cv_probes_watch_fs(p, fss[i])) {
			cv_text_line(stderr, "camvault: cannot watch the filesystem of %s: %s", fss[i],
				     strerror(errno));
			goto out;
		}
		cv_text_line(stderr, "trace: files on the filesystem of %s", fss[i]);
	}
	if (cameras && !cv_probes_watch_major(p, CV_PROBES_VIDEO_MAJOR))
		fprintf(stderr, "trace: cameras (char major %u)\n", CV_PROBES_VIDEO_MAJOR);

	signal(SIGINT, cv_trace_signal);
	signal(SIGTERM, cv_trace_signal);
	t.offset = cv_boot_to_wall_offset();
	fprintf(stderr, "trace: ready\n");
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!cv_trace_stop && !(t.max && t.count >= t.max)) {
		int r = cv_probes_poll(p, 200, cv_trace_print, &t);

		fflush(stdout);

		if (r < 0 && r != -EINTR) {
			fprintf(stderr, "camvault: reading the probes' records failed: %s\n", strerror(-r));
			goto out;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (seconds && (now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 >= seconds)
			break;
	}
	/* What came in meanwhile, then what is still open. */
	cv_probes_poll(p, 0, cv_trace_print, &t);
	cv_probes_flush(p, cv_trace_print, &t);
	if (!cv_probes_lost_counts(p, &loss))
		fprintf(stderr, "trace: %ld records; lost: %llu records (ring buffer full), %llu sessions (table "
			"full); denied: %llu opens\n", t.count, (unsigned long long)loss.records,
			(unsigned long long)loss.sessions, (unsigned long long)loss.denied);
	ret = 0;
out:
	cv_probes_close(p);
out_reg:
	cv_registry_free(&reg);
	return ret;

bad_value:
	cv_text_line(stderr, "camvault trace: %.*s needs a %s: see 'camvault help trace'", (int)strcspn(opt, "="),
		     opt, v ? "valid value" : "value");
	return 1;
}
