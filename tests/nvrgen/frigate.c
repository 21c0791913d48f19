// SPDX-License-Identifier: GPL-2.0
/*
 * Frigate 0.14 in Docker, as its accesses to /media/frigate (the vault, bind-mounted into the container):
 *
 * - Recording: each camera's ffmpeg writes 10 s segments into /tmp/cache (tmpfs, not the vault); the recording
 *   manager (a python process, setproctitle "frigate.recording_manager", so comm "frigate.recordi": the kernel
 *   keeps 15 bytes) moves each into /media/frigate/recordings/YYYY-MM-DD/HH/<camera>/MM.SS.mp4 (UTC) with a
 *   short-lived "ffmpeg -c copy" of its own (the bundled /usr/lib/ffmpeg/7.0/bin/ffmpeg): one write session
 *   per segment, 8,640 a camera a day, a new pid each.
 * - Cleanup: every hour (record.expire_interval 60 min) the manager's cleanup thread unlinks the segments older
 *   than the retention (7 days) but those of events, kept 30 days (alerts); the footage from before the log's
 *   first day is assumed to be there, so deletes run from the first day on, as on an NVR in service.
 * - Events (a few dozen a camera a day, mostly by day): the main process ("frigate.full_system": comm
 *   "frigate.full_sy") writes the snapshot clips/<camera>-<id>.jpg and clips/<camera>-<id>-clean.png; deleted
 *   after 10 days. Home Assistant (another container, on the docker bridge at 172.17.0.3) fetches the
 *   snapshot through the API (python reads it) and, for some, the clip, which nginx (the container's
 *   /usr/local/nginx/sbin/nginx, workers uid 0) reads segment by segment, sent to HA (peer 172.17.0.3).
 * - Playback: a phone on the LAN (192.168.1.42) opens the UI a few times a day and scrubs through minutes of
 *   a camera: nginx reads consecutive segments, sent to the phone. Reads that go to a socket are modelled as
 *   sendfile: CAMVAULT_RF_PEER with the client's address.
 * - Exports (some days): an ffmpeg spawned by the main process reads minutes of segments and writes
 *   exports/<camera>_<from>-<to>.mp4, which the phone then downloads through nginx.
 *
 * Every process of the container: cgroup /system.slice/docker-<64 hex>.scope (its id below), the container's
 * mount namespace, the host's user namespace (Docker maps no user namespace by default), exe on the
 * container's overlayfs (not the host's file: no CAMVAULT_AF_EXE_HOST).
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gen_impl.h"

#define FFMPEG		"/usr/lib/ffmpeg/7.0/bin/ffmpeg"
#define PYTHON		"/usr/bin/python3.9"
#define NGINX		"/usr/local/nginx/sbin/nginx"
#define CGROUP_FRIGATE	UINT64_C(0x2f1a)	/* /system.slice/docker-3f9c...e1.scope */
#define MNTNS_FRIGATE	4026532371u
#define EVENTS_MAX	80
#define EVENT_KEEP_DAYS	30
#define SNAP_KEEP_DAYS	10
#define HA_ADDR		0xac110003u		/* 172.17.0.3, Home Assistant's container */
#define PHONE_ADDR	0xc0a8012au		/* 192.168.1.42 */

static const char *const names[] = { "front_door", "driveway", "backyard", "garage", "porch", "side_gate",
				     "street", "garden" };

const char *frigate_camera(int cam, char *buf, size_t len)
{
	if (cam < (int)(sizeof(names) / sizeof(names[0])))
		return names[cam];
	snprintf(buf, len, "camera_%d", cam + 1);
	return buf;
}

struct event {
	int64_t start_ns, end_ns;
	char id[32];			/* "1793531022.418331-k3x9qa" */
	bool ha_clip;
};

static struct proc manager, main_proc, nginx_w[2];

static struct proc container(uint32_t pid, const char *comm, const char *exe, uint64_t exe_ino)
{
	struct proc p = { .pid = pid, .tid = pid, .ppid = 1, .uid = 0, .gid = 0, .loginuid = CAMVAULT_ID_UNSET,
			  .sessionid = CAMVAULT_ID_UNSET, .cgroup_id = CGROUP_FRIGATE, .comm = comm, .exe = exe,
			  .exe_dev = DEV_OVERLAY, .exe_ino = exe_ino, .mnt_ns = MNTNS_FRIGATE,
			  .user_ns = CAMVAULT_INIT_USER_NS };
	return p;
}

void frigate_init(struct gen *g)
{
	uint32_t base = gen_pid(g);

	/* Started with the container at boot: s6's tree, python's processes, nginx. */
	main_proc = container(base + 20, "frigate.full_sy", PYTHON, 1183201);
	main_proc.ppid = base + 9;
	manager = container(base + 61, "frigate.recordi", PYTHON, 1183201);
	manager.ppid = main_proc.pid;
	nginx_w[0] = container(base + 31, "nginx", NGINX, 1190377);
	nginx_w[0].ppid = base + 28;
	nginx_w[1] = nginx_w[0];
	nginx_w[1].pid = nginx_w[1].tid = base + 32;
	g->next_pid = base + 140;
}

/* A camera's constants: its bitrate (bytes/s) and the manager's usual delay before moving its segments. */
static void camera_params(const struct gen *g, int cam, int64_t *bps, int64_t *delay_ms)
{
	struct rng r = rng_for(g->o->seed, (uint64_t)cam, 0, 'C');

	*bps = rng_range(&r, 100000, 190000);		/* 0.8-1.5 Mbit/s: 1-1.9 MB a segment */
	*delay_ms = rng_range(&r, 600, 2500);
}

/* A camera's events of day (relative to the first day; negative before it), sorted. */
static int day_events(const struct gen *g, int cam, int day, struct event *ev)
{
	struct rng r = rng_for(g->o->seed, (uint64_t)cam, (uint64_t)(day + 100000), 'E');
	int64_t day0 = g->o->start_s + (int64_t)day * DAY_S;
	int n = 18 + (int)rng_below(&r, 40), i, j;

	for (i = 0; i < n; i++) {
		/* Mostly by day: people, cars, the post. */
		int hour = rng_unit(&r) < 0.85 ? (int)rng_range(&r, 7, 21) : (int)rng_range(&r, 0, 23);
		int64_t s = day0 + (int64_t)hour * HOUR_S + rng_range(&r, 0, HOUR_S - 100);
		static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
		char rnd[7];

		for (j = 0; j < 6; j++)
			rnd[j] = alnum[rng_below(&r, 36)];
		rnd[6] = 0;
		ev[i].start_ns = s * NS + rng_range(&r, 0, NS - 1);
		ev[i].end_ns = ev[i].start_ns + rng_range(&r, 5, 90) * NS;
		snprintf(ev[i].id, sizeof(ev[i].id), "%lld.%06d-%s", (long long)(ev[i].start_ns / NS),
			 (int)((ev[i].start_ns % NS) / 1000), rnd);
		ev[i].ha_clip = rng_unit(&r) < 0.4;
	}
	/* Insertion sort: a few dozen. */
	for (i = 1; i < n; i++) {
		struct event e = ev[i];

		for (j = i - 1; j >= 0 && ev[j].start_ns > e.start_ns; j--)
			ev[j + 1] = ev[j];
		ev[j + 1] = e;
	}
	return n;
}

/* Whether segment [s, s + 10 s) (wall seconds) overlaps an event, with Frigate's 5 s pre and post capture. */
static bool in_event(const struct event *ev, int n, int64_t s)
{
	int i;

	for (i = 0; i < n; i++)
		if (s * NS < ev[i].end_ns + 5 * NS && (s + 10) * NS > ev[i].start_ns - 5 * NS)
			return true;
	return false;
}

static void segment_path(char *buf, size_t len, const char *camera, int64_t s)
{
	time_t t = (time_t)s;
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "/media/frigate/recordings/%04d-%02d-%02d/%02d/%s/%02d.%02d.mp4", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, camera, tm.tm_min, tm.tm_sec);
}

static int64_t segment_size(const struct gen *g, int cam, int64_t s)
{
	struct rng r = rng_for(g->o->seed, (uint64_t)cam, (uint64_t)s, 'S');
	int64_t bps, delay, hour = (s % DAY_S) / HOUR_S;
	double f = hour >= 7 && hour < 19 ? 1.0 : 0.65;	/* IR at night: less detail, fewer bytes */

	camera_params(g, cam, &bps, &delay);
	return (int64_t)((double)bps * 10 * f * (0.85 + 0.3 * rng_unit(&r)));
}

int64_t nvr_some_recording(const struct gen *g, int day, int k, char *path, size_t len)
{
	int64_t s = g->o->start_s + (int64_t)(day - 1) * DAY_S + 10 * HOUR_S + 10 * k;
	char buf[32];

	if (g->o->nvr == NVR_MOTIONEYE)
		return motioneye_movie(g, day - 1, k, path, len);
	segment_path(path, len, frigate_camera(0, buf, sizeof(buf)), s);
	return segment_size(g, 0, s);
}

static void set_peer(struct camvault_rec *r, uint32_t addr, uint16_t port)
{
	r->rflags |= CAMVAULT_RF_PEER;
	r->peer_family = 2;	/* AF_INET */
	r->peer_port = (uint16_t)(port >> 8 | port << 8);
	r->peer_addr[0] = (uint8_t)(addr >> 24);
	r->peer_addr[1] = (uint8_t)(addr >> 16);
	r->peer_addr[2] = (uint8_t)(addr >> 8);
	r->peer_addr[3] = (uint8_t)addr;
}

/* nginx reads segments [from, from + n * 10 s) of cam for a client, starting at t (wall ns). */
static int64_t nginx_reads(struct gen *g, int cam, int64_t from, int n, int64_t t, uint32_t addr, uint16_t port)
{
	const struct proc *w = &nginx_w[rng_below(&g->rng, 2)];
	char path[CAMVAULT_PATH_LEN], buf[32];
	int i;

	for (i = 0; i < n; i++) {
		int64_t s = from + 10 * i, size = segment_size(g, cam, s), d = rng_range(&g->rng, 4, 40) * MS;
		struct camvault_rec *r;

		segment_path(path, sizeof(path), frigate_camera(cam, buf, sizeof(buf)), s);
		r = gen_rec(g, w, CAMVAULT_REC_SESSION, path, t, t + d, false);
		r->open_flags = F_RDONLY | F_CLOEXEC | 04000 /* O_NONBLOCK */;
		r->bytes_read = (uint64_t)size;
		set_peer(r, addr, port);
		/* The player fetches the next segment as it plays: a few seconds apart. */
		t += d + rng_range(&g->rng, 1500, 9000) * MS;
	}
	return t;
}

static void camera_hour(struct gen *g, int cam, int day, int64_t hour_t)
{
	static struct event ev[EVENTS_MAX], old[EVENTS_MAX];
	char path[CAMVAULT_PATH_LEN], buf[32];
	const char *camera = frigate_camera(cam, buf, sizeof(buf));
	int64_t bps, delay_ms, k, h0 = hour_t * NS, h1 = h0 + HOUR_S * NS, t;
	int n, nold, i, hour = (int)((hour_t % DAY_S) / HOUR_S);
	struct proc ff;

	camera_params(g, cam, &bps, &delay_ms);

	/* The manager moves each segment of the hour out of the cache, with an ffmpeg of its own. */
	for (k = 0; k < HOUR_S / 10; k++) {
		int64_t s = hour_t + 10 * k, open = (s + 10) * NS + (delay_ms + rng_range(&g->rng, 0, 400)) * MS;
		struct camvault_rec *r;

		ff = container(gen_pid(g), "ffmpeg", FFMPEG, 1311013);
		ff.ppid = manager.pid;
		segment_path(path, sizeof(path), camera, s);
		r = gen_rec(g, &ff, CAMVAULT_REC_SESSION, path, open, open + rng_range(&g->rng, 25, 90) * MS, false);
		r->open_flags = F_WRONLY | F_CREAT | F_TRUNC | F_CLOEXEC;
		r->bytes_written = (uint64_t)segment_size(g, cam, s);
	}

	/* The cleanup, at the same minute each hour: the expired hour, but events' segments; old events'. */
	nold = day_events(g, cam, day - g->o->retention_days, old);
	t = h0 + (7 * 60 + cam) * NS + rng_range(&g->rng, 0, 900) * MS;
	{
		struct proc cl = manager;
		int64_t exp = hour_t - (int64_t)g->o->retention_days * DAY_S;

		cl.tid = manager.pid + 4;	/* the RecordingCleanup thread */
		for (k = 0; k < HOUR_S / 10; k++) {
			int64_t s = exp + 10 * k;

			if (in_event(old, nold, s))
				continue;
			segment_path(path, sizeof(path), camera, s);
			t += rng_range(&g->rng, 1, 6) * MS;
			gen_rec(g, &cl, CAMVAULT_REC_UNLINK, path, t, t, false);
		}
		nold = day_events(g, cam, day - EVENT_KEEP_DAYS, old);
		exp = hour_t - (int64_t)EVENT_KEEP_DAYS * DAY_S;
		for (k = 0; k < HOUR_S / 10; k++) {
			int64_t s = exp + 10 * k;

			if (!in_event(old, nold, s))
				continue;
			segment_path(path, sizeof(path), camera, s);
			t += rng_range(&g->rng, 1, 6) * MS;
			gen_rec(g, &cl, CAMVAULT_REC_UNLINK, path, t, t, false);
		}
		/* Snapshots past their retention, by the main process's event cleanup. */
		nold = day_events(g, cam, day - SNAP_KEEP_DAYS, old);
		cl = main_proc;
		cl.tid = main_proc.pid + 9;
		t = h0 + (22 * 60 + cam) * NS;
		for (i = 0; i < nold; i++) {
			int64_t st = old[i].start_ns + (int64_t)SNAP_KEEP_DAYS * DAY_S * NS;

			if (st < h0 || st >= h1)
				continue;
			snprintf(path, sizeof(path), "/media/frigate/clips/%s-%s.jpg", camera, old[i].id);
			t += rng_range(&g->rng, 1, 4) * MS;
			gen_rec(g, &cl, CAMVAULT_REC_UNLINK, path, t, t, false);
			snprintf(path, sizeof(path), "/media/frigate/clips/%s-%s-clean.png", camera, old[i].id);
			t += rng_range(&g->rng, 1, 4) * MS;
			gen_rec(g, &cl, CAMVAULT_REC_UNLINK, path, t, t, false);
		}
	}

	/* This hour's events: the snapshots, and Home Assistant's notifications. */
	n = day_events(g, cam, day, ev);
	for (i = 0; i < n; i++) {
		struct proc p = main_proc;
		struct camvault_rec *r;
		int64_t o;

		if (ev[i].start_ns < h0 || ev[i].start_ns >= h1)
			continue;
		p.tid = main_proc.pid + 7;	/* the event processor's thread */
		o = ev[i].end_ns + rng_range(&g->rng, 200, 900) * MS;
		snprintf(path, sizeof(path), "/media/frigate/clips/%s-%s.jpg", camera, ev[i].id);
		r = gen_rec(g, &p, CAMVAULT_REC_SESSION, path, o, o + rng_range(&g->rng, 3, 12) * MS, false);
		r->open_flags = F_WRONLY | F_CREAT | F_TRUNC | F_CLOEXEC;
		r->bytes_written = (uint64_t)rng_range(&g->rng, 80000, 260000);
		o += 20 * MS;
		snprintf(path, sizeof(path), "/media/frigate/clips/%s-%s-clean.png", camera, ev[i].id);
		r = gen_rec(g, &p, CAMVAULT_REC_SESSION, path, o, o + rng_range(&g->rng, 30, 90) * MS, false);
		r->open_flags = F_WRONLY | F_CREAT | F_TRUNC | F_CLOEXEC;
		r->bytes_written = (uint64_t)rng_range(&g->rng, 900000, 1700000);
		/* HA's notification: the snapshot through the API (python reads it), a second later. */
		p.tid = main_proc.pid + 12;	/* the API's worker */
		o += rng_range(&g->rng, 800, 2500) * MS;
		snprintf(path, sizeof(path), "/media/frigate/clips/%s-%s.jpg", camera, ev[i].id);
		r = gen_rec(g, &p, CAMVAULT_REC_SESSION, path, o, o + rng_range(&g->rng, 2, 8) * MS, false);
		r->open_flags = F_RDONLY | F_CLOEXEC;
		r->bytes_read = (uint64_t)rng_range(&g->rng, 80000, 260000);
		/* And for some, the clip: its segments, once they are moved (the event's end + 20 s). */
		if (ev[i].ha_clip) {
			int64_t from = ev[i].start_ns / NS - 5;

			from -= from % 10;
			nginx_reads(g, cam, from, (int)((ev[i].end_ns / NS + 5 - from) / 10) + 1,
				    ev[i].end_ns + rng_range(&g->rng, 20, 40) * NS, HA_ADDR,
				    (uint16_t)rng_range(&g->rng, 32768, 60999));
		}
	}

	/* The phone: a few looks a day, mostly in the evening, at a camera's last minutes or earlier today. */
	if (cam == 0) {
		struct rng r = rng_for(g->o->seed, 0, (uint64_t)day, 'P');
		int looks = (int)rng_range(&r, 2, 5), j;

		for (j = 0; j < looks; j++) {
			int lh = rng_unit(&r) < 0.7 ? (int)rng_range(&r, 17, 22) : (int)rng_range(&r, 7, 16);
			int64_t lt = (hour_t - (int64_t)hour * HOUR_S + (int64_t)lh * HOUR_S + rng_range(&r, 0, 3500)) * NS;
			int lc = (int)rng_below(&r, (uint64_t)g->o->cameras);
			int64_t back = rng_range(&r, 60, 4 * HOUR_S), from = lt / NS - back;
			int segs = (int)rng_range(&r, 6, 60);

			from -= from % 10;
			if (lh != hour)
				continue;
			if (from + segs * 10 > lt / NS - 30)
				segs = (int)((lt / NS - 30 - from) / 10);
			if (segs > 0)
				nginx_reads(g, lc, from, segs, lt, PHONE_ADDR, (uint16_t)rng_range(&r, 40000, 60999));
		}
	}

	/* An export, on some days: the owner saves a few minutes of an event of the morning. */
	if (cam == 0) {
		struct rng r = rng_for(g->o->seed, 0, (uint64_t)day, 'X');
		int xh = (int)rng_range(&r, 18, 21), xc = (int)rng_below(&r, (uint64_t)g->o->cameras), segs;
		int64_t from = hour_t - (int64_t)(hour - 9) * HOUR_S + rng_range(&r, 0, HOUR_S), total = 0;
		int64_t o = (hour_t + rng_range(&r, 0, 3000)) * NS;
		struct camvault_rec *rc;
		char xpath[CAMVAULT_PATH_LEN];
		time_t t0, t1;
		struct tm a, b;

		if (rng_unit(&r) < 0.5 && xh == hour) {
			int64_t o0 = o;

			ff = container(gen_pid(g), "ffmpeg", FFMPEG, 1311013);
			ff.ppid = main_proc.pid;
			from -= from % 10;
			segs = (int)rng_range(&r, 12, 36);
			for (k = 0; k < segs; k++) {
				int64_t sz = segment_size(g, xc, from + 10 * k), d = rng_range(&g->rng, 3, 15) * MS;

				segment_path(path, sizeof(path), frigate_camera(xc, buf, sizeof(buf)), from + 10 * k);
				rc = gen_rec(g, &ff, CAMVAULT_REC_SESSION, path, o, o + d, false);
				rc->open_flags = F_RDONLY | F_CLOEXEC;
				rc->bytes_read = (uint64_t)sz;
				total += sz;
				o += d + rng_range(&g->rng, 1, 5) * MS;
			}
			t0 = (time_t)from;
			t1 = (time_t)(from + segs * 10);
			gmtime_r(&t0, &a);
			gmtime_r(&t1, &b);
			snprintf(xpath, sizeof(xpath), "/media/frigate/exports/%s_%04d%02d%02d_%02d%02d%02d-%04d%02d%02d_"
				 "%02d%02d%02d.mp4", frigate_camera(xc, buf, sizeof(buf)), a.tm_year + 1900,
				 a.tm_mon + 1, a.tm_mday, a.tm_hour, a.tm_min, a.tm_sec, b.tm_year + 1900,
				 b.tm_mon + 1, b.tm_mday, b.tm_hour, b.tm_min, b.tm_sec);
			/* The output is open from the first read to the last. */
			rc = gen_rec(g, &ff, CAMVAULT_REC_SESSION, xpath, o0 + 15 * MS, o + 40 * MS, false);
			rc->open_flags = F_WRONLY | F_CREAT | F_TRUNC | F_CLOEXEC;
			rc->bytes_written = (uint64_t)total;
			/* The phone downloads it a minute later: one sendfile. */
			o += rng_range(&g->rng, 30, 120) * NS;
			rc = gen_rec(g, &nginx_w[0], CAMVAULT_REC_SESSION, xpath, o,
				     o + total / 4000 * MS /* ~4 MB/s over Wi-Fi */, false);
			rc->open_flags = F_RDONLY | F_CLOEXEC | 04000;
			rc->bytes_read = (uint64_t)total;
			set_peer(rc, PHONE_ADDR, (uint16_t)rng_range(&g->rng, 40000, 60999));
		}
	}
}

void frigate_hour(struct gen *g, int day, int64_t hour_t)
{
	int cam;

	for (cam = 0; cam < g->o->cameras; cam++)
		camera_hour(g, cam, day, hour_t);
}
