// SPDX-License-Identifier: GPL-2.0
/*
 * motionEye on the host (systemd unit motioneye.service, cgroup /system.slice/motioneye.service): meyectl
 * (python3, comm "meyectl") runs motion (/usr/bin/motion), whose camera threads ml1, ml2... (their comm)
 * record a movie /var/lib/motioneye/Camera<N>/YYYY-MM-DD/HH-MM-SS.mp4 for each motion event (a few dozen a
 * camera a day, mostly by day) and a picture HH-MM-SS.jpg. meyectl has ffmpeg make each movie's thumbnail
 * (reading the movie's head, writing HH-MM-SS.mp4.thumb), serves movies to the phone (tornado: meyectl reads
 * them), and twice a day (its cleanup interval, 12 h) deletes what is older than the preserve setting (7 days),
 * from a forked child. Times in the names are the NVR's local time: UTC here.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gen_impl.h"

#define MOTION		"/usr/bin/motion"
#define PYTHON		"/usr/bin/python3.11"
#define FFMPEG		"/usr/bin/ffmpeg"
#define CGROUP_MEYE	UINT64_C(0x1a3)
#define EVENTS_MAX	64

static struct proc motion, meyectl;
static char thread_names[64][8];	/* motion names its camera threads ml1, ml2... */

static struct proc host(uint32_t pid, const char *comm, const char *exe, uint64_t exe_ino)
{
	struct proc p = { .pid = pid, .tid = pid, .ppid = 1, .uid = 0, .gid = 0, .loginuid = CAMVAULT_ID_UNSET,
			  .sessionid = CAMVAULT_ID_UNSET, .cgroup_id = CGROUP_MEYE, .comm = comm, .exe = exe,
			  .exe_dev = DEV_ROOT, .exe_ino = exe_ino, .mnt_ns = MNTNS_HOST,
			  .user_ns = CAMVAULT_INIT_USER_NS, .aflags = CAMVAULT_AF_EXE_HOST | CAMVAULT_AF_HOST_MNTNS };
	return p;
}

void motioneye_init(struct gen *g)
{
	uint32_t base = gen_pid(g);

	meyectl = host(base, "meyectl", PYTHON, 393412);
	motion = host(base + 14, "motion", MOTION, 401877);
	motion.ppid = meyectl.pid;
	g->next_pid = base + 60;
}

struct mevent {
	int64_t start_ns, end_ns;
};

static int day_events(const struct gen *g, int cam, int day, struct mevent *ev)
{
	struct rng r = rng_for(g->o->seed, (uint64_t)cam, (uint64_t)(day + 100000), 'M');
	int64_t day0 = g->o->start_s + (int64_t)day * DAY_S;
	int n = 15 + (int)rng_below(&r, 35), i, j;

	for (i = 0; i < n; i++) {
		int hour = rng_unit(&r) < 0.85 ? (int)rng_range(&r, 7, 21) : (int)rng_range(&r, 0, 23);

		ev[i].start_ns = (day0 + (int64_t)hour * HOUR_S + rng_range(&r, 0, HOUR_S - 200)) * NS;
		ev[i].end_ns = ev[i].start_ns + rng_range(&r, 8, 120) * NS;
	}
	for (i = 1; i < n; i++) {
		struct mevent e = ev[i];

		for (j = i - 1; j >= 0 && ev[j].start_ns > e.start_ns; j--)
			ev[j + 1] = ev[j];
		ev[j + 1] = e;
	}
	return n;
}

static void movie_path(char *buf, size_t len, int cam, int64_t ns, const char *ext)
{
	time_t t = (time_t)(ns / NS);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "/var/lib/motioneye/Camera%d/%04d-%02d-%02d/%02d-%02d-%02d.%s", cam + 1, tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ext);
}

static void camera_hour(struct gen *g, int cam, int day, int64_t hour_t)
{
	static struct mevent ev[EVENTS_MAX];
	char path[CAMVAULT_PATH_LEN];
	int64_t h0 = hour_t * NS, h1 = h0 + HOUR_S * NS;
	int n = day_events(g, cam, day, ev), i, d;
	struct proc th = motion;

	th.tid = motion.pid + 1 + (uint32_t)cam;
	snprintf(thread_names[cam], sizeof(thread_names[cam]), "ml%d", cam + 1);
	th.comm = thread_names[cam];
	for (i = 0; i < n; i++) {
		struct camvault_rec *r;
		struct proc ff;
		int64_t t, size;

		if (ev[i].start_ns < h0 || ev[i].start_ns >= h1)
			continue;
		size = (ev[i].end_ns - ev[i].start_ns) / NS * rng_range(&g->rng, 180000, 320000);
		movie_path(path, sizeof(path), cam, ev[i].start_ns, "mp4");
		r = gen_rec(g, &th, CAMVAULT_REC_SESSION, path, ev[i].start_ns, ev[i].end_ns, false);
		r->open_flags = F_WRONLY | F_CREAT | F_TRUNC;
		r->bytes_written = (uint64_t)size;
		t = ev[i].start_ns + rng_range(&g->rng, 500, 1500) * MS;
		movie_path(path, sizeof(path), cam, ev[i].start_ns, "jpg");
		r = gen_rec(g, &th, CAMVAULT_REC_SESSION, path, t, t + rng_range(&g->rng, 2, 9) * MS, false);
		r->open_flags = F_WRONLY | F_CREAT | F_TRUNC;
		r->bytes_written = (uint64_t)rng_range(&g->rng, 60000, 150000);
		/* The thumbnail: ffmpeg reads the movie's head, writes the .thumb. */
		ff = host(gen_pid(g), "ffmpeg", FFMPEG, 402993);
		ff.ppid = meyectl.pid;
		t = ev[i].end_ns + rng_range(&g->rng, 1000, 4000) * MS;
		movie_path(path, sizeof(path), cam, ev[i].start_ns, "mp4");
		r = gen_rec(g, &ff, CAMVAULT_REC_SESSION, path, t, t + rng_range(&g->rng, 80, 300) * MS, false);
		r->open_flags = F_RDONLY;
		r->bytes_read = (uint64_t)(size < 400000 ? size : 400000);
		movie_path(path, sizeof(path), cam, ev[i].start_ns, "mp4.thumb");
		t += 320 * MS;
		r = gen_rec(g, &ff, CAMVAULT_REC_SESSION, path, t, t + rng_range(&g->rng, 2, 6) * MS, false);
		r->open_flags = F_WRONLY | F_CREAT | F_TRUNC;
		r->bytes_written = (uint64_t)rng_range(&g->rng, 9000, 22000);
	}

	/* The cleanup, at 00:1x and 12:1x: what is older than the preserve days (the last 12 hours of it). */
	if ((hour_t % DAY_S) / HOUR_S % 12 == 0) {
		struct proc cl = host(gen_pid(g), "meyectl", PYTHON, 393412);
		int64_t t = h0 + (10 * 60 + cam) * NS, lim = h0 - (int64_t)g->o->retention_days * DAY_S * NS;

		cl.ppid = meyectl.pid;
		for (d = 1; d >= 0; d--) {
			n = day_events(g, cam, day - g->o->retention_days - d, ev);
			for (i = 0; i < n; i++) {
				static const char *const ext[] = { "mp4", "jpg", "mp4.thumb" };
				int e;

				if (ev[i].start_ns >= lim || ev[i].start_ns < lim - 12 * HOUR_S * NS)
					continue;
				for (e = 0; e < 3; e++) {
					movie_path(path, sizeof(path), cam, ev[i].start_ns, ext[e]);
					t += rng_range(&g->rng, 1, 3) * MS;
					gen_rec(g, &cl, CAMVAULT_REC_UNLINK, path, t, t, false);
				}
			}
		}
	}

	/* The phone: 2-4 movies watched a day, in the evening, through motionEye's UI. */
	if (cam == 0) {
		struct rng r = rng_for(g->o->seed, 0, (uint64_t)day, 'W');
		int looks = (int)rng_range(&r, 2, 4), j, hour = (int)((hour_t % DAY_S) / HOUR_S);

		for (j = 0; j < looks; j++) {
			int lh = (int)rng_range(&r, 17, 22), lc = (int)rng_below(&r, (uint64_t)g->o->cameras), k;
			int64_t lt = h0 + rng_range(&r, 0, 3500) * NS;
			struct camvault_rec *rc;
			struct proc p = meyectl;

			if (lh != hour)
				continue;
			n = day_events(g, lc, day, ev);
			for (k = n - 1; k >= 0 && ev[k].end_ns + 10 * NS > lt; k--)
				;
			if (k < 0)
				continue;
			p.tid = meyectl.pid + 3;
			movie_path(path, sizeof(path), lc, ev[k].start_ns, "mp4");
			rc = gen_rec(g, &p, CAMVAULT_REC_SESSION, path, lt, lt + rng_range(&g->rng, 5, 60) * NS, false);
			rc->open_flags = F_RDONLY;
			rc->bytes_read = (uint64_t)((ev[k].end_ns - ev[k].start_ns) / NS * 250000);
		}
	}
	(void)h1;
}

int64_t motioneye_movie(const struct gen *g, int day, int k, char *path, size_t len)
{
	struct mevent ev[EVENTS_MAX];
	int n = day_events(g, 0, day, ev);

	k %= n;
	movie_path(path, len, 0, ev[k].start_ns, "mp4");
	return (ev[k].end_ns - ev[k].start_ns) / NS * 250000;
}

void motioneye_hour(struct gen *g, int day, int64_t hour_t)
{
	int cam;

	for (cam = 0; cam < g->o->cameras; cam++)
		camera_hour(g, cam, day, hour_t);
}
