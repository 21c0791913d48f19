// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_policy into the directory given: the shipped examples' kind of rules, every
 * key and operation, and near misses.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *text;
	size_t len;		/* 0: strlen(text) */
} seeds[] = {
	{ "# Frigate\nallow frigate-record exe=/usr/lib/ffmpeg/*/bin/ffmpeg op=write,truncate,rename "
	  "path=/media/frigate/recordings/*\nallow frigate-serve exe=/usr/*sbin/nginx op=read,mmap,peer "
	  "path=/media/frigate/*\n", 0 },
	{ "allow motion-camera exe=/usr/bin/motion op=stream,mmap path=/dev/video*\r\n"
	  "allow meye comm=meyectl op=read,peer,unlink vault=cam0\n", 0 },
	{ "allow a op=read,write,mmap,stream,open,unlink,rename,truncate,peer uid=0,1000,root cgroup=4242\n", 0 },
	{ "allow a op=open unit=frigate.service\nallow b op=read cgroup=/system.slice/docker-1.scope\n", 0 },
	{ "allow a op=read\n", 0 },
	{ "allow a op=read exe=/x exe=/y\n", 0 },
	{ "allow a op=read exe=/x\nallow a op=read exe=/x\n", 0 },
	{ "allow a op=read exe=/[a-\n", 0 },
	{ "allow a op=read exe=/x\0\n", 24 },
	{ "deny a op=read exe=/x # comment\n", 0 },
};

int main(int argc, char **argv)
{
	char path[4096];
	size_t i, len;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: seeds_policy DIR\n");
		return 1;
	}
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		len = seeds[i].len ? seeds[i].len : strlen(seeds[i].text);
		snprintf(path, sizeof(path), "%s/seed-%02zu", argv[1], i);
		f = fopen(path, "wb");
		if (!f || fwrite(seeds[i].text, len, 1, f) != 1 || fclose(f)) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
