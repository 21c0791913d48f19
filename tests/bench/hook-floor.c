// SPDX-License-Identifier: GPL-2.0
/*
 * hook-floor: attaches one tier's set of do-nothing programs from hook-floor.bpf.o (their names start
 * with the tier's), says "hook-floor: ready" on stderr, and keeps them until SIGINT or SIGTERM. make
 * bench measures probe-loop with them, as it does with the probes: the floor under the probes' cost.
 *
 * usage: hook-floor OBJECT lsm|fentry|kprobe|tracepoint|minimal
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	size_t n = 0, len;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: hook-floor OBJECT lsm|fentry|kprobe|tracepoint|minimal\n");
		return 2;
	}
	len = strlen(argv[2]);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "hook-floor: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		const char *name = bpf_program__name(prog);
		int mine = !strncmp(name, argv[2], len) && name[len] == '_';

		bpf_program__set_autoload(prog, mine);
		n += mine;
	}
	if (!n) {
		fprintf(stderr, "hook-floor: no programs for tier '%s'\n", argv[2]);
		return 2;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "hook-floor: loading the %s tier's programs: %s\n", argv[2], strerror(-err));
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (bpf_program__autoload(prog) && !bpf_program__attach(prog)) {
			fprintf(stderr, "hook-floor: attaching %s: %s\n", bpf_program__name(prog), strerror(errno));
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "hook-floor: ready, %zu programs at the %s tier\n", n, argv[2]);
	while (!stop)
		pause();
	bpf_object__close(obj);
	return 0;
}
