// SPDX-License-Identifier: GPL-2.0
/*
 * probe-loop: the access probes' workload for make bench. Loops open(O_RDONLY), read 4096 bytes, close
 * over the files DIR/f0 ... DIR/f<N-1>, in JOBS processes at once, for SECONDS, and prints
 *     ITERATIONS SECONDS PER_SECOND CPU_NS
 * (all processes together; PER_SECOND is the sum of each process's own rate; CPU_NS the CPU time the
 * processes took per iteration, in their own context: the syscalls and the probes they ran, not the
 * agent's work or anyone else's). Each iteration is one
 * access session for the probes when DIR is on a watched filesystem, and costs them a map lookup when not.
 *
 * usage: probe-loop [-j JOBS] [-s SECONDS] [-n FILES] [-c] DIR
 *   -c  create the files (4096 bytes each) and exit: done once, outside any measurement
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 4096

struct result {
	unsigned long long iterations;
	double seconds;
	double cpu;
};

static void die(const char *what)
{
	fprintf(stderr, "probe-loop: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double clock_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static void create(char **paths, int n)
{
	char buf[BLOCK];

	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < n; i++) {
		int fd = open(paths[i], O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf) || close(fd))
			die(paths[i]);
	}
}

/* One process's loop. It starts on a different file than its siblings, to spread them over the files. */
static struct result loop(char **paths, int n, int first, double seconds)
{
	char buf[BLOCK];
	struct result r = { 0 };
	double start = now(), end = start + seconds, t = start;
	double cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	int i = first % n;

	while (t < end) {
		/* Reading the clock every 64 iterations keeps it out of what is measured. */
		for (int k = 0; k < 64; k++) {
			int fd = open(paths[i], O_RDONLY);

			if (fd < 0)
				die(paths[i]);
			if (read(fd, buf, sizeof(buf)) != sizeof(buf))
				die("read");
			close(fd);
			if (++i == n)
				i = 0;
		}
		r.iterations += 64;
		t = now();
	}
	r.seconds = t - start;
	r.cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	return r;
}

int main(int argc, char **argv)
{
	int jobs = 1, nfiles = 64, make = 0, opt, go[2], res[2];
	double seconds = 2, rate = 0, longest = 0, cpu = 0;
	unsigned long long total = 0;
	char **paths;

	while ((opt = getopt(argc, argv, "j:s:n:c")) != -1) {
		switch (opt) {
		case 'j': jobs = atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'n': nfiles = atoi(optarg); break;
		case 'c': make = 1; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || jobs < 1 || nfiles < 1 || seconds <= 0)
		goto usage;

	paths = calloc(nfiles, sizeof(*paths));
	if (!paths)
		die("calloc");
	for (int i = 0; i < nfiles; i++) {
		if (asprintf(&paths[i], "%s/f%d", argv[optind], i) < 0)
			die("asprintf");
	}
	if (make) {
		create(paths, nfiles);
		return 0;
	}

	/* Every process starts when the parent closes the go pipe, after all are forked. */
	if (pipe(go) || pipe(res))
		die("pipe");
	for (int j = 0; j < jobs; j++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			struct result r;
			char c;

			close(go[1]);
			close(res[0]);
			if (read(go[0], &c, 1) < 0)
				die("read go");
			r = loop(paths, nfiles, j * nfiles / jobs, seconds);
			/* Smaller than PIPE_BUF: each write is atomic. */
			if (write(res[1], &r, sizeof(r)) != sizeof(r))
				die("write result");
			_exit(0);
		}
	}
	close(go[0]);
	close(res[1]);
	close(go[1]);
	for (int j = 0; j < jobs; j++) {
		struct result r;

		if (read(res[0], &r, sizeof(r)) != sizeof(r)) {
			fprintf(stderr, "probe-loop: a process died\n");
			return 1;
		}
		total += r.iterations;
		rate += r.iterations / r.seconds;
		cpu += r.cpu;
		if (r.seconds > longest)
			longest = r.seconds;
	}
	while (wait(NULL) > 0)
		;
	printf("%llu %.3f %.0f %.1f\n", total, longest, rate, cpu * 1e9 / total);
	return 0;

usage:
	fprintf(stderr, "usage: probe-loop [-j JOBS] [-s SECONDS] [-n FILES] [-c] DIR\n");
	return 2;
}
