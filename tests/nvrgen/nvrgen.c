// SPDX-License-Identifier: GPL-2.0
/*
 * nvrgen: writes a home NVR's accesses (gen.h) into a new access log, through the log's real append path, for
 * tests, benchmarks and demos of the reports and queries on realistic volumes.
 *
 * The log needs a TPM for its key, counter and checkpoints: the one $CAMVAULT_TCTI names, else a swtpm
 * started for the run (its state in --tpm-dir, kept, or in a temporary directory removed at the end: then
 * verify the log with "camvault verify --no-tpm").
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"
#include "helpers.h"
#include "log/log.h"
#include "tpm/tpm.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: nvrgen --db FILE [--cameras N] [--days D] [--start YYYY-MM-DD] [--nvr frigate|motioneye]\n"
		"              [--snoopers LIST] [--seed N] [--retention D] [--checkpoint-rows N] [--batch N]\n"
		"              [--tpm-dir DIR] [--quiet]\n\n"
		"Writes D days of a home NVR's accesses to its footage (N cameras) into a new access log FILE, as\n"
		"camvault's agent would log them. Deterministic for a seed.\n"
		"  --cameras N          cameras, 1..64 (default 1)\n"
		"  --days D             days (default 1)\n"
		"  --start DATE         the first day, UTC (default 2026-11-01)\n"
		"  --nvr NAME           frigate (default: Frigate 0.14 in Docker) or motioneye\n"
		"  --snoopers LIST      comma-separated: cp, scp, userns, camera, status; all; none (default)\n"
		"  --seed N             the random seed (default 1)\n"
		"  --retention D        days recordings are kept (default 7)\n"
		"  --checkpoint-rows N  the log's checkpoint cadence (default %d, the agent's)\n"
		"  --batch N            rows per transaction (default 1024, the probes' batch)\n"
		"  --tpm-dir DIR        without $CAMVAULT_TCTI: the swtpm's state directory, kept\n"
		"  --quiet              no progress lines\n", CV_LOG_EVERY_ROWS);
}

struct progress {
	struct timespec t0;
	double last;
	bool quiet;
	const struct nvr_gen_opts *o;
};

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void on_progress(const struct nvr_gen_stats *st, void *ctx)
{
	struct progress *p = ctx;
	double s = since(&p->t0);
	char day[32] = "";

	if (p->quiet || s - p->last < 1.0)
		return;
	p->last = s;
	if (st->rows)
		snprintf(day, sizeof(day), "day %" PRId64 "/%d, ",
			 (st->last_ns / 1000000000 - p->o->start_s) / 86400 + 1, p->o->days);
	fprintf(stderr, "nvrgen: %s%" PRId64 " rows, %.0f rows/s\n", day, st->rows, (double)st->rows / s);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' }, { "cameras", required_argument, NULL, 'c' },
		{ "days", required_argument, NULL, 'D' }, { "start", required_argument, NULL, 's' },
		{ "nvr", required_argument, NULL, 'n' }, { "snoopers", required_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 'r' }, { "retention", required_argument, NULL, 'R' },
		{ "checkpoint-rows", required_argument, NULL, 'k' }, { "batch", required_argument, NULL, 'b' },
		{ "tpm-dir", required_argument, NULL, 't' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	struct nvr_gen_opts o = { .nvr = NVR_FRIGATE, .cameras = 1, .days = 1, .seed = 1 };
	struct cv_log_opts lopts = { .every_rows = CV_LOG_EVERY_ROWS, .every_s = CV_LOG_EVERY_S };
	struct progress prog = { 0 };
	const char *db = NULL, *tpm_dir = NULL;
	struct cv_swtpm swtpm = { 0 };
	struct nvr_gen_stats st;
	struct cv_tpm tpm;
	struct cv_log log;
	struct stat sb;
	char err[1024] = "";
	int c, ret;
	double secs;

	nvr_parse_date("2026-11-01", &o.start_s);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'c':
			o.cameras = atoi(optarg);
			break;
		case 'D':
			o.days = atoi(optarg);
			break;
		case 's':
			if (nvr_parse_date(optarg, &o.start_s)) {
				fprintf(stderr, "nvrgen: --start %s: give a date as 2026-11-01\n", optarg);
				return 2;
			}
			break;
		case 'n':
			if (!strcmp(optarg, "frigate")) {
				o.nvr = NVR_FRIGATE;
			} else if (!strcmp(optarg, "motioneye")) {
				o.nvr = NVR_MOTIONEYE;
			} else {
				fprintf(stderr, "nvrgen: --nvr %s: frigate or motioneye\n", optarg);
				return 2;
			}
			break;
		case 'S':
			if (nvr_snoopers_parse(optarg, &o.snoopers, err, sizeof(err))) {
				fprintf(stderr, "nvrgen: --snoopers: %s\n", err);
				return 2;
			}
			break;
		case 'r':
			o.seed = strtoull(optarg, NULL, 0);
			break;
		case 'R':
			o.retention_days = atoi(optarg);
			break;
		case 'k':
			lopts.every_rows = (unsigned int)atoi(optarg);
			break;
		case 'b':
			o.batch = (unsigned int)atoi(optarg);
			break;
		case 't':
			tpm_dir = optarg;
			break;
		case 'q':
			prog.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!db || optind < argc || o.cameras < 1 || o.cameras > 64 || o.days < 1 || o.retention_days < 0) {
		usage(stderr);
		return 2;
	}
	if (!stat(db, &sb)) {
		fprintf(stderr, "nvrgen: %s exists: give a new file (the log is made with this run's TPM)\n", db);
		return 2;
	}
	if (!getenv("CAMVAULT_TCTI")) {
		if (tpm_dir && mkdir(tpm_dir, 0700) && errno != EEXIST) {
			fprintf(stderr, "nvrgen: cannot create %s: %s\n", tpm_dir, strerror(errno));
			return 1;
		}
		if (tpm_dir && strlen(tpm_dir) >= sizeof(swtpm.dir)) {
			fprintf(stderr, "nvrgen: --tpm-dir: at most %zu bytes\n", sizeof(swtpm.dir) - 1);
			return 2;
		}
		if (cv_swtpm_start(&swtpm, tpm_dir)) {
			fprintf(stderr, "nvrgen: no TPM: set CAMVAULT_TCTI, or: %s\n", swtpm.why);
			return 1;
		}
		setenv("CAMVAULT_TCTI", swtpm.tcti, 1);
		if (!prog.quiet)
			fprintf(stderr, "nvrgen: swtpm on %s, state in %s%s\n", swtpm.tcti, swtpm.dir,
				tpm_dir ? "" : " (removed at the end)");
	}
	ret = 1;
	if (cv_tpm_open(&tpm, err, sizeof(err))) {
		fprintf(stderr, "nvrgen: %s\n", err);
		goto out;
	}
	if (cv_log_open(&log, db, &tpm, &lopts, err, sizeof(err))) {
		fprintf(stderr, "nvrgen: %s\n", err);
		goto out_tpm;
	}
	clock_gettime(CLOCK_MONOTONIC, &prog.t0);
	prog.o = &o;
	o.progress = on_progress;
	o.ctx = &prog;
	ret = nvr_gen_run(&log, &o, &st, err, sizeof(err));
	if (ret)
		fprintf(stderr, "nvrgen: after %" PRId64 " rows: %s\n", st.rows, err);
	if (cv_log_close(&log, err, sizeof(err))) {
		fprintf(stderr, "nvrgen: %s\n", err);
		ret = 1;
	}
	secs = since(&prog.t0);
	if (!ret) {
		long long bytes = stat(db, &sb) ? -1 : (long long)sb.st_size;
		struct rusage ru;
		double cpu;

		/* The CPU this process used (the swtpm's is its own): the rate the wall clock hides on a busy machine. */
		getrusage(RUSAGE_SELF, &ru);
		cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec +
									     ru.ru_stime.tv_usec) / 1e6;

		printf("nvrgen: %" PRId64 " rows (%" PRId64 " access, %" PRId64 " events, %" PRId64 " lost; %" PRId64
		       " by snoopers) for %d camera(s) x %d day(s) in %.1f s, %.0f rows/s (%.1f s CPU, %.0f rows per CPU "
		       "second); %s: %lld bytes, %.0f bytes/row\n", st.rows, st.access, st.events, st.lost_rows,
		       st.snoop_rows, o.cameras, o.days, secs, (double)st.rows / secs, cpu, (double)st.rows / cpu, db,
		       bytes, st.rows ? (double)bytes / (double)st.rows : 0.0);
	}
out_tpm:
	cv_tpm_close(&tpm);
out:
	if (swtpm.pid) {
		if (tpm_dir)
			cv_swtpm_stop(&swtpm, SIGTERM);
		else
			cv_swtpm_remove(&swtpm);
	}
	return ret ? 1 : 0;
}
