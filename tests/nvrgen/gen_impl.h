/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the generator's parts share: the state, the processes (who touches footage), the rows waiting to be
 * appended in time order, and a seeded random generator.
 *
 * Time order: a part emits the records of one simulated hour, each opened within that hour (it may close
 * later). After every part had its hour, the waiting rows are sorted by wall time and those before the next
 * hour's start are appended: nothing emitted later can come before them, since it opens (and so closes) after.
 */
#ifndef NVRGEN_GEN_IMPL_H
#define NVRGEN_GEN_IMPL_H

#include "gen.h"

#define NS		INT64_C(1000000000)
#define MS		INT64_C(1000000)
#define HOUR_S		3600
#define DAY_S		86400

/* Who: what the probes report of a process. */
struct proc {
	uint32_t pid, tid, ppid, uid, gid, loginuid, sessionid;
	uint64_t cgroup_id;
	const char *comm, *exe;
	uint64_t exe_dev, exe_ino;
	uint32_t mnt_ns, user_ns, aflags;
};

/* A row waiting for its turn. */
struct item {
	int64_t t;			/* wall ns */
	uint64_t seq;			/* emission order, for equal times */
	enum cv_log_kind kind;
	bool snooper;
	uint64_t lost;
	char text[256];
	struct camvault_rec rec;
};

struct rng {
	uint64_t s;
};

struct gen {
	const struct nvr_gen_opts *o;
	struct cv_log *log;
	struct nvr_gen_stats *st;
	char *err;
	size_t errlen;
	struct rng rng;			/* the run's own draws (pids, sizes...) */
	int64_t boot_wall_ns;		/* when the machine booted: boot ns = wall ns - this */
	uint32_t next_pid;
	uint64_t seq;
	struct item *items;		/* waiting rows */
	size_t n, cap;
	struct item **order;		/* for the sort */
	size_t order_cap;
	int64_t down_from, down_to;	/* the agent is down: records closing in between are dropped */
	uint64_t dropped;
	unsigned int in_batch;
	int64_t t_last;
};

/* Random numbers: splitmix64. */
uint64_t rng_next(struct rng *r);
struct rng rng_for(uint64_t seed, uint64_t a, uint64_t b, uint64_t c);
/* [0, n) */
uint64_t rng_below(struct rng *r, uint64_t n);
/* [lo, hi] */
int64_t rng_range(struct rng *r, int64_t lo, int64_t hi);
double rng_unit(struct rng *r);

/* A new record, opened at open_ns and closed at close_ns (wall), by p: to be filled further. */
struct camvault_rec *gen_rec(struct gen *g, const struct proc *p, uint16_t type, const char *path,
			     int64_t open_wall, int64_t close_wall, bool snooper);
/* An event or a lost row at wall time t. */
void gen_event(struct gen *g, int64_t t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void gen_lost(struct gen *g, int64_t t, uint64_t count);
/* A new pid (the kernel's next). */
uint32_t gen_pid(struct gen *g);
/* A stable inode number for a path on the vault. */
uint64_t gen_ino(const char *path);

/* The vault's file system (a dm device, 254:0) and the host's root (mmcblk0p2, 179:2), as kernel dev_t. */
#define DEV_VAULT	((UINT64_C(254) << 20) | 0)
#define DEV_ROOT	((UINT64_C(179) << 20) | 2)
#define DEV_OVERLAY	UINT64_C(52)		/* the container's overlayfs, 0:52 */
#define DEV_VIDEO0	((UINT64_C(81) << 20) | 0)
#define MNTNS_HOST	4026531841u
#define CGROUP_USER	UINT64_C(0x1c4d)	/* /user.slice/user-1000.slice/session-3.scope */

/* The O_* the probes report (asm-generic values). */
#define F_RDONLY	00
#define F_WRONLY	01
#define F_RDWR		02
#define F_CREAT		0100
#define F_TRUNC		01000
#define F_CLOEXEC	02000000
#define F_LARGEFILE	0100000

/* The parts: each emits the records of one hour (hour_t: its start, seconds since the epoch). */
void frigate_init(struct gen *g);
void frigate_hour(struct gen *g, int day, int64_t hour_t);
void motioneye_init(struct gen *g);
void motioneye_hour(struct gen *g, int day, int64_t hour_t);
/* Camera1's k-th movie of day (modulo the day's count) into path; its size. */
int64_t motioneye_movie(const struct gen *g, int day, int k, char *path, size_t len);
void snoop_hour(struct gen *g, int day, int64_t hour_t);

/* A camera's name: "front_door", "driveway"... (Frigate) or "Camera1"... (motionEye). */
const char *frigate_camera(int cam, char *buf, size_t len);

/*
 * Where the snoopers read from: the k-th recording of camera 0 on the day before day (relative to the first
 * day: footage that exists), into path; returns its size in bytes.
 */
int64_t nvr_some_recording(const struct gen *g, int day, int k, char *path, size_t len);

#endif /* NVRGEN_GEN_IMPL_H */
