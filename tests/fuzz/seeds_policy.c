// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_policy into the directory given: the shipped examples' kind of rules, every
 * key and operation, peer= prefixes, ports and keywords, and near misses.
 */
#define _DEFAULT_SOURCE
#include <stddef.h>

#include "helpers.h"

static const struct cv_seed seeds[] = {
	{ "# Frigate\nallow frigate-record exe=/usr/lib/ffmpeg/*/bin/ffmpeg op=write,truncate,rename "
	  "path=/media/frigate/recordings/*\nallow frigate-serve exe=/usr/*sbin/nginx op=read,mmap,peer "
	  "path=/media/frigate/*\n", 0 },
	{ "allow motion-camera exe=/usr/bin/motion op=stream,mmap path=/dev/video*\r\n"
	  "allow meye comm=meyectl op=read,peer,unlink vault=cam0\n", 0 },
	{ "allow a op=read,write,mmap,stream,open,unlink,rename,truncate,peer uid=0,1000,root cgroup=4242\n", 0 },
	{ "allow a op=open unit=frigate.service\nallow b op=read cgroup=/system.slice/docker-1.scope\n", 0 },
	{ "allow frigate-serve cgroup=/system.slice/docker-*.scope exe=/usr/*sbin/nginx op=read,mmap,peer peer=lan "
	  "path=/media/frigate/*\nallow lo uid=0 op=read,peer peer=loopback:8080,::ffff:100.64.0.0/106\n", 0 },
	{ "allow push exe=/usr/bin/push op=read,peer peer=192.168.0.0/16,10.0.0.1:443,[2001:db8::/32]:443,"
	  "fd00::/8,0.0.0.0/0,::/0,[::1]\n", 0 },
	{ "allow a op=read exe=/x peer=lan\nallow b op=peer exe=/x peer=10.0.0.0/33,192.168.1.20/16,[fe80::1,"
	  "1.2.3.4:0,fd00::/129\n", 0 },
	{ "allow a op=read\n", 0 },
	{ "allow a op=read exe=/x exe=/y\n", 0 },
	{ "allow a op=read exe=/x\nallow a op=read exe=/x\n", 0 },
	{ "allow a op=read exe=/[a-\n", 0 },
	{ "allow a op=read exe=/x\0\n", 24 },
	{ "deny a op=read exe=/x # comment\n", 0 },
};

int main(int argc, char **argv)
{
	return cv_seeds_main(argc, argv, "seeds_policy", seeds, sizeof(seeds) / sizeof(seeds[0]));
}
