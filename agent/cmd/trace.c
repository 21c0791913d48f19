// SPDX-License-Identifier: GPL-2.0
/*
 * camvault trace [--format text|json|binary] [--seconds N] [--count N] [--vault NAME]... [--file PATH]... [--fs DIR]...
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
 * --format binary writes the records as they are (struct camvault_rec, include/uapi/camvault.h, native byte
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

#include "probes/btf.h"
#include "probes/probes.h"
#include "probes/watch.h"
#include "util/opts.h"
#include "util/record.h"
#include "vault/vault.h"

/* At most this many of --vault, --file, --fs and --recorder each. */
#define CV_TRACE_MAX 64

static volatile sig_atomic_t cv_trace_stop;

static void cv_trace_signal(int sig)
{
	(void)sig;
	cv_trace_stop = 1;
}

enum cv_trace_format { CV_TRACE_TEXT, CV_TRACE_JSON, CV_TRACE_BINARY };

struct cv_trace {
	int format;		/* enum cv_trace_format; binary: struct camvault_rec as it is */
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
	if (t->format == CV_TRACE_BINARY) {
		fwrite(r, sizeof(*r), 1, stdout);
	} else {
		/* Straight to stdout: no buffer to cut a line whose escaped strings are long. */
		cv_rec_fprint(stdout, r, t->offset, t->format == CV_TRACE_JSON);
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
	fprintf(f, "Usage: camvault trace [--format text|json|binary] [--seconds N] [--count N]\n"
		"                      [--vault NAME]... [--file PATH]... [--fs DIR]... [--no-cameras] [--tier TIER]\n"
		"                      [--record-or-deny [--recorder EXE]...] [--pin]\n"
		"       camvault trace --unpin\n\n"
		"Prints every access to footage as the probes record it, until interrupted.\n"
		"  --vault NAME   watch this registered vault (default: all of them): its mounted filesystem,\n"
		"                 its device and its backing store\n"
		"  --file PATH    watch this file or device too\n"
		"  --fs DIR       watch every file of the filesystem holding DIR too\n"
		"  --no-cameras   do not watch the cameras (/dev/video*)\n"
		"  --format F     text (the default): one line per record; json: one JSON object per record;\n"
		"                 binary: the records as they are (struct camvault_rec of camvault.h, native\n"
		"                 byte order, back to back), for programs: the cheapest output\n"
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

/* What trace was asked for. */
struct cv_trace_args {
	const char *vaults[CV_TRACE_MAX], *files[CV_TRACE_MAX], *fss[CV_TRACE_MAX], *recorders[CV_TRACE_MAX];
	size_t nv, nf, nfs, nrec;
	struct cv_probes_opts opts;
	bool cameras, pin, unpin;
	double seconds;			/* 0: no limit */
	int format;			/* enum cv_trace_format */
	long max;			/* records; 0: no limit */
};

/* Appends value to list, of *n entries, up to CV_TRACE_MAX. */
static void cv_trace_list(struct cv_opts *o, const char **list, size_t *n)
{
	if (*n >= CV_TRACE_MAX)
		cv_opts_fail(o, "%s given more than %d times", o->name, CV_TRACE_MAX);
	else
		list[(*n)++] = o->arg;
}

/* Parses trace's command line into a. Returns -1 to go on, or cv_opts_exit()'s exit status. */
static int cv_trace_parse(int argc, char **argv, struct cv_trace_args *a)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "seconds", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "vault", required_argument, NULL, 'V' },
		{ "file", required_argument, NULL, 'f' },
		{ "fs", required_argument, NULL, 'd' },
		{ "no-cameras", no_argument, NULL, 'C' },
		{ "tier", required_argument, NULL, 't' },
		{ "record-or-deny", no_argument, NULL, 'D' },
		{ "recorder", required_argument, NULL, 'r' },
		{ "pin", no_argument, NULL, 'p' },
		{ "unpin", no_argument, NULL, 'U' },
		CV_OPT_HELP,
		{ 0 }
	};
	static const char *const formats[] = { "text", "json", "binary", NULL };
	struct cv_opts o = CV_OPTS("trace", "", opts);
	int c, nopts = 0;
	char *end;

	a->cameras = true;
	while ((c = cv_opts_next(&o, argc, argv)) != -1) {
		nopts++;
		switch (c) {
		case 'F': cv_opts_choice(&o, formats, &a->format); break;
		case 'n': cv_opts_number(&o, 1, LONG_MAX, &a->max); break;
		case 'V': cv_trace_list(&o, a->vaults, &a->nv); break;
		case 'f': cv_trace_list(&o, a->files, &a->nf); break;
		case 'd': cv_trace_list(&o, a->fss, &a->nfs); break;
		case 'r': cv_trace_list(&o, a->recorders, &a->nrec); break;
		case 'C': a->cameras = false; break;
		case 'D': a->opts.record_or_deny = true; break;
		case 'p': a->pin = true; break;
		case 'U': a->unpin = true; break;
		case 's':
			a->seconds = strtod(o.arg, &end);
			if (*end || !(a->seconds > 0))
				cv_opts_fail(&o, "--seconds needs a number of seconds above 0, not '%s'", o.arg);
			break;
		case 't':
			a->opts.tier = cv_probes_tier_parse(o.arg);
			if (a->opts.tier < 0)
				cv_opts_fail(&o, "unknown tier '%s': give auto, lsm, fentry, kprobe or tracepoint",
					     o.arg);
			break;
		}
	}
	cv_opts_name(&o, argc, argv, NULL, false);
	if (a->unpin && nopts > 1)
		cv_opts_fail(&o, "--unpin takes no other option: see 'camvault trace --help'");
	return cv_opts_exit(&o, cv_trace_usage);
}

/* Watches what a asks for: the vaults of reg (all without --vault), files, filesystems, cameras. */
static int cv_trace_watch(struct cv_probes *p, const struct cv_trace_args *a, const struct cv_registry *reg)
{
	size_t i, k;

	for (i = 0; i < a->nrec; i++) {
		int r = cv_probes_allow_recorder(p, a->recorders[i]);

		if (r) {
			cv_text_line(stderr, "camvault: cannot allow recorder %s: %s", a->recorders[i], strerror(-r));
			return -1;
		}
		cv_text_line(stderr, "trace: recorder %s (never refused)", a->recorders[i]);
	}
	for (i = 0; i < reg->n; i++) {
		bool want = !a->nv;

		for (k = 0; k < a->nv; k++)
			want |= !strcmp(a->vaults[k], reg->v[i].name);
		if (want && cv_trace_vault(p, &reg->v[i]))
			return -1;
	}
	for (i = 0; i < a->nf; i++) {
		if (cv_probes_watch_file(p, a->files[i])) {
			cv_text_line(stderr, "camvault: cannot watch %s: %s", a->files[i], strerror(errno));
			return -1;
		}
		cv_text_line(stderr, "trace: file %s", a->files[i]);
	}
	for (i = 0; i < a->nfs; i++) {
		if (cv_probes_watch_fs(p, a->fss[i])) {
			cv_text_line(stderr, "camvault: cannot watch the filesystem of %s: %s", a->fss[i],
				     strerror(errno));
			return -1;
		}
		cv_text_line(stderr, "trace: files on the filesystem of %s", a->fss[i]);
	}
	if (a->cameras && !cv_probes_watch_major(p, CV_PROBES_VIDEO_MAJOR))
		fprintf(stderr, "trace: cameras (char major %u)\n", CV_PROBES_VIDEO_MAJOR);
	return 0;
}

/* Loads the probes a asks for, and says on stderr how. Returns them, or NULL. */
static struct cv_probes *cv_trace_load(struct cv_trace_args *a)
{
	char err[CV_ERRLEN], btf[PATH_MAX];
	struct cv_probes *p;

	if (a->pin)
		a->opts.pin_dir = cv_probes_pin_dir();
	errno = 0;
	a->opts.btf_path = cv_btf_path(btf, sizeof(btf));
	if (!a->opts.btf_path && errno) {
		cv_text_line(stderr, "camvault: %s", btf);
		return NULL;
	}
	p = cv_probes_open_opts(&a->opts, err, sizeof(err));
	if (!p) {
		cv_text_line(stderr, "camvault: %s", err);
		return NULL;
	}
	cv_text_line(stderr, "trace: probes at the %s tier%s%s", cv_probes_tier_name(cv_probes_tier(p)),
		     a->opts.btf_path ? ", BTF from " : "", a->opts.btf_path ? a->opts.btf_path : "");
	/* Not kept: a->opts.btf_path points into btf, gone on return. */
	a->opts.btf_path = NULL;
	if (*cv_probes_fallback(p))
		cv_text_line(stderr, "trace: better tiers not available: %s", cv_probes_fallback(p));
	if (*cv_probes_pin_note(p))
		cv_text_line(stderr, "trace: %s", cv_probes_pin_note(p));
	return p;
}

/* Prints the records until a signal, --seconds or --count; then the sessions still open and the losses. */
static int cv_trace_run(struct cv_probes *p, const struct cv_trace_args *a)
{
	struct cv_trace t = { .format = a->format, .keep_all = a->pin, .max = a->max };
	struct timespec start, now;
	struct cv_probes_loss loss;

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
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (a->seconds && (now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 >= a->seconds)
			break;
	}
	/* What came in meanwhile, then what is still open. */
	cv_probes_poll(p, 0, cv_trace_print, &t);
	cv_probes_flush(p, cv_trace_print, &t);
	if (!cv_probes_lost_counts(p, &loss))
		fprintf(stderr, "trace: %ld records; lost: %llu records (ring buffer full), %llu sessions (table "
			"full); denied: %llu opens\n", t.count, (unsigned long long)loss.records,
			(unsigned long long)loss.sessions, (unsigned long long)loss.denied);
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	struct cv_trace_args a = { 0 };
	struct cv_registry reg = { 0 };
	char err[CV_ERRLEN], path[PATH_MAX];
	struct cv_probes *p;
	int ret = cv_trace_parse(argc, argv, &a);
	size_t i;

	if (ret >= 0)
		return ret;
	if (a.unpin)
		return cv_trace_unpin();
	if (!cv_registry_path(path, sizeof(path)) || cv_registry_load(path, &reg, err, sizeof(err))) {
		cv_text_line(stderr, "camvault: %s", err);
		return CV_EXIT_FAIL;
	}
	ret = CV_EXIT_FAIL;
	for (i = 0; i < a.nv; i++) {
		if (!cv_registry_find(&reg, a.vaults[i])) {
			cv_text_line(stderr, "camvault: no vault %s in %s: 'camvault status' lists them", a.vaults[i],
				     path);
			goto out;
		}
	}
	p = cv_trace_load(&a);
	if (p) {
		if (!cv_trace_watch(p, &a, &reg) && !cv_trace_run(p, &a))
			ret = CV_EXIT_OK;
		cv_probes_close(p);
	}
out:
	cv_registry_free(&reg);
	return ret;
}
