// SPDX-License-Identifier: GPL-2.0
/* Seeds for fuzz_record: well-formed records of every type, written as files into the directory argv[1]. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>

#include "uapi/camvault.h"

int main(int argc, char **argv)
{
	struct camvault_rec r;
	char path[4096];
	unsigned int t;
	FILE *f;

	if (argc != 2)
		return 2;
	for (t = CAMVAULT_REC_SESSION; t <= CAMVAULT_REC_TRUNCATE; t++) {
		memset(&r, 0, sizeof(r));
		r.type = (__u16)t;
		r.tier = CAMVAULT_TIER_SYSCALL_TP;
		r.rflags = t == CAMVAULT_REC_SESSION ? CAMVAULT_RF_PEER | CAMVAULT_RF_UNOBSERVED : 0;
		r.pid = 412;
		r.loginuid = CAMVAULT_ID_UNSET;
		r.open_ns = 1000000000ULL * t;
		r.bytes_read = 4096;
		r.peer_family = 2;
		r.peer_addr[0] = 127;
		r.peer_addr[3] = 1;
		strcpy(r.comm, "cat");
		strcpy(r.exe, "/usr/bin/cat");
		strcpy(r.path, "/media/frigate/recordings/2026-11-25/12/cam0/00.00.mp4");
		strcpy(r.path2, "/media/frigate/x.mp4");
		snprintf(path, sizeof(path), "%s/seed-%u", argv[1], t);
		f = fopen(path, "wb");
		if (!f || fwrite(&r, sizeof(r), 1, f) != 1 || fclose(f))
			return 1;
	}
	return 0;
}
