// SPDX-License-Identifier: GPL-2.0
/*
 * hook-floor: attaches one tier's set of do-nothing programs from hook-floor.bpf.o (their names start
 * with the tier's), says "hook-floor: ready" on stderr, and keeps them until SIGINT or SIGTERM. make
 * bench measures probe-loop with them, as it does with the probes: the floor under the probes' cost.
 * The "record" set writes records of the files of one filesystem, the one DIR is on: they are taken from
 * the ring buffer and dropped, and at the end it says how many, and how many did not fit.
 *
 * usage: hook-floor OBJECT lsm|fentry|kprobe|tracepoint|minimal|record [DIR]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int take(void *ctx, void *data, size_t size)
{
	(void)data;
	(void)size;
	++*(unsigned long long *)ctx;
	return 0;
}

/* The record set: watch DIR's filesystem, and take its records until stopped. */
static int take_records(struct bpf_object *obj, size_t n, const char *dir)
{
	struct bpf_map *watched = bpf_object__find_map_by_name(obj, "watched_dev");
	struct bpf_map *records = bpf_object__find_map_by_name(obj, "records");
	struct bpf_map *bss = bpf_object__find_map_by_name(obj, ".bss");
	unsigned long long taken = 0, lost = 0;
	struct ring_buffer *rb;
	struct stat st;
	__u32 zero = 0, dev;

	if (!dir || stat(dir, &st)) {
		fprintf(stderr, "hook-floor: the record set needs a directory of the filesystem to watch\n");
		return 1;
	}
	dev = major(st.st_dev) << 20 | minor(st.st_dev);
	if (bpf_map_update_elem(bpf_map__fd(watched), &zero, &dev, BPF_ANY)) {
		fprintf(stderr, "hook-floor: watching %s: %s\n", dir, strerror(errno));
		return 1;
	}
	rb = ring_buffer__new(bpf_map__fd(records), take, &taken, NULL);
	if (!rb) {
		fprintf(stderr, "hook-floor: the ring buffer: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "hook-floor: ready, %zu programs at the record tier\n", n);
	/* The programs do not wake this loop (BPF_RB_NO_WAKEUP): the poll only waits, 2 ms at a time. */
	while (!stop) {
		ring_buffer__poll(rb, 2);
		ring_buffer__consume(rb);
	}
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	bpf_map_lookup_elem(bpf_map__fd(bss), &zero, &lost);
	fprintf(stderr, "hook-floor: %llu records taken, %llu did not fit\n", taken, lost);
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	size_t n = 0, len;
	int err;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: hook-floor OBJECT lsm|fentry|kprobe|tracepoint|minimal|record [DIR]\n");
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
	if (!strcmp(argv[2], "record")) {
		err = take_records(obj, n, argv[3]);
	} else {
		fprintf(stderr, "hook-floor: ready, %zu programs at the %s tier\n", n, argv[2]);
		while (!stop)
			pause();
	}
	bpf_object__close(obj);
	return err;
}
