/* SPDX-License-Identifier: GPL-2.0 */
/* camvault init: its pure parts, for the unit tests. */
#ifndef CV_INIT_H
#define CV_INIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vault/device.h"

struct cv_init_args {
	const char *name;
	const char *backing;
	const char *mount;		/* NULL: no mountpoint */
	uint64_t size;			/* 0: the store exists */
	const struct cv_cipher *cipher;
	unsigned int sector_size;
	uint32_t pcr_mask;
	bool pin, no_recovery, mkfs, help;
};

/* Parses init's arguments (argv[0] is "init"); touches no file. Returns 0 or -1. */
int cv_init_parse_args(int argc, char **argv, struct cv_init_args *a, char *err, size_t errlen);

/* "1048576", "64M", "8G", "8GiB", "2T": powers of 1024. Returns 0 or -1. */
int cv_parse_size(const char *s, uint64_t *bytes);

/* "7", "0,2,7", "0-7,14": PCRs 0..23 into a bit mask, at least one. Returns 0 or -1. */
int cv_parse_pcrs(const char *s, uint32_t *mask);

/* Whether /proc/cpuinfo's text says the CPU has AES instructions (x86 "flags", arm64 "Features"). */
bool cv_cpu_has_aes(const char *cpuinfo);

#endif /* CV_INIT_H */
