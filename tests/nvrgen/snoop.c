// SPDX-License-Identifier: GPL-2.0
/*
 * The snoopers, each once a day when chosen (--snoopers): people and programs that touch the footage, or the
 * camera, outside the NVR's own work; what camvault is there to show.
 *
 * cp      pi (uid 1000, logged in: loginuid 1000, session 3) copies recordings to /home/pi/ in the evening
 *         (only the reads are on the vault).
 * scp     pi copies one to 203.0.113.7 with scp (scp reads it, ssh sends it), then sends another with
 *         "ssh pi@203.0.113.7 'cat > x.mp4' < file": ssh reads it into its socket (peer 203.0.113.7:22).
 * userns  a python3 in a user and mount namespace of its own (unshare -Urm) reads an hour's worth, at night.
 * camera  ffmpeg by pi streams the live camera /dev/video0 (char 81:0) for minutes at night: a CAMERA session
 *         (dev is the device's rdev), with STREAMON, DQBUFs, ioctls and the buffers' mmaps.
 * status  "sudo camvault status" reads the store's header (our own access; root, loginuid 1000).
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>

#include "gen_impl.h"

static struct proc user_proc(struct gen *g, const char *comm, const char *exe, uint64_t exe_ino)
{
	struct proc p = { .pid = gen_pid(g), .ppid = 2231, .uid = 1000, .gid = 1000, .loginuid = 1000,
			  .sessionid = 3, .cgroup_id = CGROUP_USER, .comm = comm, .exe = exe, .exe_dev = DEV_ROOT,
			  .exe_ino = exe_ino, .mnt_ns = MNTNS_HOST, .user_ns = CAMVAULT_INIT_USER_NS,
			  .aflags = CAMVAULT_AF_EXE_HOST | CAMVAULT_AF_HOST_MNTNS };
	return p;
}

/* Reads path (size bytes) from t (wall ns) at rate bytes/ms; returns when it closed. */
static int64_t read_file(struct gen *g, const struct proc *p, const char *path, int64_t size, int64_t t,
			 int64_t rate, struct camvault_rec **out)
{
	int64_t end = t + (size / rate + 1) * MS;
	struct camvault_rec *r = gen_rec(g, p, CAMVAULT_REC_SESSION, path, t, end, true);

	r->open_flags = F_RDONLY | F_LARGEFILE;
	r->bytes_read = (uint64_t)size;
	if (out)
		*out = r;
	return end;
}

/* Whether snooper bit happens in this hour, and when (wall ns): once a day, between hours lo and hi. */
static bool snoop_when(struct gen *g, int day, int64_t hour_t, unsigned int bit, int lo, int hi, int64_t *t)
{
	struct rng r = rng_for(g->o->seed, bit, (uint64_t)day, 'N');
	int h = (int)rng_range(&r, lo, hi);

	if (!(g->o->snoopers & bit) || (hour_t % DAY_S) / HOUR_S != h)
		return false;
	*t = hour_t * NS + rng_range(&r, 0, 3000) * NS + rng_range(&r, 0, 999) * MS;
	return true;
}

void snoop_hour(struct gen *g, int day, int64_t hour_t)
{
	char path[CAMVAULT_PATH_LEN];
	struct camvault_rec *r;
	struct proc p;
	int64_t t, size;
	int k, n;

	if (snoop_when(g, day, hour_t, NVR_SNOOP_CP, 19, 22, &t)) {
		p = user_proc(g, "cp", "/usr/bin/cp", 131090);
		n = 1 + (int)rng_below(&g->rng, 3);
		for (k = 0; k < n; k++) {
			size = nvr_some_recording(g, day, 40 + k, path, sizeof(path));
			t = read_file(g, &p, path, size, t, 60000, NULL) + MS;
		}
	}
	if (snoop_when(g, day, hour_t, NVR_SNOOP_SCP, 21, 23, &t)) {
		struct proc ssh;

		p = user_proc(g, "scp", "/usr/bin/scp", 131377);
		size = nvr_some_recording(g, day, 90, path, sizeof(path));
		/* Through ssh's pipe: as fast as the uplink (~2 MB/s). */
		t = read_file(g, &p, path, size, t, 2000, NULL) + 400 * MS;
		ssh = user_proc(g, "ssh", "/usr/bin/ssh", 131380);
		size = nvr_some_recording(g, day, 91, path, sizeof(path));
		read_file(g, &ssh, path, size, t + 900 * MS, 2000, &r);
		r->rflags |= CAMVAULT_RF_PEER;
		r->peer_family = 2;
		r->peer_port = (uint16_t)(22 << 8);	/* big-endian 22 */
		memcpy(r->peer_addr, (const uint8_t[]){ 203, 0, 113, 7 }, 4);
	}
	if (snoop_when(g, day, hour_t, NVR_SNOOP_USERNS, 1, 4, &t)) {
		p = user_proc(g, "python3", "/usr/bin/python3.11", 393412);
		p.user_ns = 4026532650u;
		p.mnt_ns = 4026532649u;
		p.aflags = CAMVAULT_AF_EXE_HOST;	/* the host's python, not the host's mount namespace */
		n = g->o->nvr == NVR_MOTIONEYE ? 5 : 360;
		for (k = 0; k < n; k++) {
			size = nvr_some_recording(g, day, 200 + k, path, sizeof(path));
			t = read_file(g, &p, path, size, t, 90000, NULL) + rng_range(&g->rng, 1, 4) * MS;
		}
	}
	if (snoop_when(g, day, hour_t, NVR_SNOOP_CAMERA, 2, 4, &t)) {
		int64_t secs = rng_range(&g->rng, 60, 300);

		p = user_proc(g, "ffmpeg", "/usr/bin/ffmpeg", 402993);
		r = gen_rec(g, &p, CAMVAULT_REC_SESSION, "/dev/video0", t, t + secs * NS, true);
		r->rflags |= CAMVAULT_RF_CAMERA;
		r->dev = DEV_VIDEO0;
		r->ino = 529;			/* the node in devtmpfs */
		r->open_flags = F_RDWR | 04000 /* O_NONBLOCK */;
		r->streamons = 1;
		r->dqbufs = (uint32_t)(secs * 30);
		r->ioctls = r->dqbufs * 2 + 17;	/* QBUF and DQBUF per frame, and the setup */
		r->mmaps = 4;
	}
	if (snoop_when(g, day, hour_t, NVR_SNOOP_STATUS, 8, 10, &t)) {
		char store[64];

		p = user_proc(g, "camvault", "/usr/sbin/camvault", 262731);
		p.uid = p.gid = 0;
		snprintf(store, sizeof(store), "/srv/camvault/%s.img",
			 g->o->nvr == NVR_MOTIONEYE ? "motioneye" : "frigate");
		r = gen_rec(g, &p, CAMVAULT_REC_SESSION, store, t, t + 2 * MS, true);
		r->dev = DEV_ROOT;
		r->ino = 786434;
		r->open_flags = F_RDONLY | F_CLOEXEC;
		r->bytes_read = 4096;
	}
}
