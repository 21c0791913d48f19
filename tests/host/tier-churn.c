// SPDX-License-Identifier: GPL-2.0
/*
 * tier-churn: attach and detach the probes (agent/probes/probes.c, the agent's own code) over and over, switching
 * tiers, while worker processes on every CPU open, read and close files on and off the watched
 * filesystem: the moment of an agent restart, upgrade or tier change on a busy NVR. The kernel must
 * survive it: a guest that panics is the failure (tests/guest/t/48-tier-churn.sh).
 *
 * usage: tier-churn [-n CYCLES] [-s SECONDS] [-w WORKERS] DIR TIER[,TIER...]
 *   Each cycle opens the probes at the next tier of the list, watches DIR's filesystem, takes records for a
 *   moment, and closes them. Stops after CYCLES cycles or SECONDS seconds, whichever comes first; says how
 *   many cycles of each tier it ran, and how many records it took.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probes/probes.h"

#define MAX_TIERS 8
#define MAX_WORKERS 16

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read path to its end and close it: an open, a read and the last close (__fput, security_file_free). */
static void touch(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

/* A worker: the files of dir (footage) and a few of the system's, round and round, until killed. */
static void worker(const char *dir)
{
	static const char *const other[] = { "/etc/passwd", "/proc/self/status", "/sys/kernel/mm/transparent_hugepage/enabled" };
	char path[4096];

	for (;;) {
		DIR *d = opendir(dir);
		struct dirent *e;

		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			touch(path);
		}
		if (d)
			closedir(d);
		for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
			touch(other[i]);
	}
}

static void count_rec(const struct camvault_rec *rec, void *ctx)
{
	(void)rec;
	++*(unsigned long *)ctx;
}

int main(int argc, char **argv)
{
	unsigned long cycles = 100, done[MAX_TIERS] = { 0 }, records = 0;
	double seconds = 600, start;
	int tiers[MAX_TIERS], ntiers = 0, nworkers = 0, opt, failed = 0;
	pid_t workers[MAX_WORKERS];
	char *list, *tok, err[512];

	nworkers = (int)sysconf(_SC_NPROCESSORS_ONLN);
	while ((opt = getopt(argc, argv, "n:s:w:")) != -1) {
		switch (opt) {
		case 'n': cycles = strtoul(optarg, NULL, 10); break;
		case 's': seconds = strtod(optarg, NULL); break;
		case 'w': nworkers = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	if (nworkers < 0 || nworkers > MAX_WORKERS) {
		fprintf(stderr, "tier-churn: -w takes 0 to %d workers\n", MAX_WORKERS);
		return 2;
	}
	list = strdup(argv[optind + 1]);
	for (tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		int t = cv_probes_tier_parse(tok);

		if (t <= 0 || ntiers == MAX_TIERS) {
			fprintf(stderr, "tier-churn: %s: not a tier (lsm, fentry, kprobe, tracepoint)\n", tok);
			return 2;
		}
		tiers[ntiers++] = t;
	}
	if (!ntiers)
		goto usage;

	for (int i = 0; i < nworkers; i++) {
		workers[i] = fork();
		if (workers[i] == 0)
			worker(argv[optind]);
		if (workers[i] < 0) {
			perror("tier-churn: fork");
			return 1;
		}
	}

	start = now();
	unsigned long i;
	for (i = 0; i < cycles && now() - start < seconds; i++) {
		struct cv_probes_opts o = { .tier = tiers[i % ntiers] };
		double t0 = now();
		struct cv_probes *p = cv_probes_open_opts(&o, err, sizeof(err));

		if (!p) {
			fprintf(stderr, "tier-churn: cycle %lu: the %s tier: %s\n", i, cv_probes_tier_name(o.tier), err);
			failed = 1;
			break;
		}
		if (cv_probes_watch_fs(p, argv[optind]) < 0) {
			fprintf(stderr, "tier-churn: cannot watch %s\n", argv[optind]);
			failed = 1;
		}
		cv_probes_poll(p, 50, count_rec, &records);
		cv_probes_close(p);
		done[i % ntiers]++;
		printf("cycle %lu %s %.2f s\n", i, cv_probes_tier_name(o.tier), now() - t0);
		fflush(stdout);
	}
	for (int k = 0; k < nworkers; k++) {
		kill(workers[k], SIGKILL);
		waitpid(workers[k], NULL, 0);
	}
	printf("tier-churn: %lu cycles in %.0f s (", i, now() - start);
	for (int k = 0; k < ntiers; k++)
		printf("%s%s %lu", k ? ", " : "", cv_probes_tier_name(tiers[k]), done[k]);
	printf("), %lu records, %d workers\n", records, nworkers);
	return failed;
usage:
	fprintf(stderr, "usage: tier-churn [-n CYCLES] [-s SECONDS] [-w WORKERS] DIR TIER[,TIER...]\n");
	return 2;
}
