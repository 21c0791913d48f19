/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nvrgen's generator: a home NVR's accesses to its footage, day after day, as the probes would see them,
 * appended to an access log through its real append path (log/log.h: cv_log_begin(), cv_log_append_rec(),
 * cv_log_append_event(), cv_log_append_lost(), cv_log_commit(), in batches as the agent's).
 *
 * Two NVRs: Frigate 0.14 in Docker (ffmpeg moving 10 s segments into /media/frigate/recordings, the
 * recording manager deleting them after the retention, snapshots, exports, nginx serving playback to a phone
 * and clips to Home Assistant), and motionEye (motion's movies and pictures in /var/lib/motioneye, their
 * thumbnails, playback, cleanup). Around them: the agent's own events (starts, a restart, a crash), lost-record
 * notes, and snoopers chosen by the caller. Deterministic: the same options give the same rows (but for the
 * log's random id and the checkpoints' signatures and times).
 */
#ifndef NVRGEN_GEN_H
#define NVRGEN_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "log/log.h"
#include "uapi/camvault.h"

enum nvr_kind { NVR_FRIGATE, NVR_MOTIONEYE };

/* The snoopers, a set. */
#define NVR_SNOOP_CP		0x01u	/* cp by uid 1000 copying a clip to /home/pi */
#define NVR_SNOOP_SCP		0x02u	/* scp, and ssh sending a clip to 203.0.113.7:22 */
#define NVR_SNOOP_USERNS	0x04u	/* python in its own user namespace reading segments */
#define NVR_SNOOP_CAMERA	0x08u	/* ffmpeg streaming /dev/video0 */
#define NVR_SNOOP_STATUS	0x10u	/* camvault status reading the store's header */
#define NVR_SNOOP_ALL		0x1fu

struct nvr_gen_stats {
	int64_t rows;			/* appended: access + event + lost */
	int64_t access, events, lost_rows;
	int64_t snoop_rows;		/* the snoopers' access rows */
	int64_t dropped;		/* records that closed while the agent was down (in a lost row) */
	int64_t first_ns, last_ns;	/* the first and last row's wall time */
};

/* What a row was, for a caller that checks them (the unit test). */
struct nvr_row {
	enum cv_log_kind kind;
	int64_t wall_ns;
	const struct camvault_rec *rec;	/* CV_LOG_ACCESS */
	const char *text;		/* CV_LOG_EVENT */
	uint64_t lost;			/* CV_LOG_LOST */
	bool snooper;			/* an access of a snooper's */
};

struct nvr_gen_opts {
	enum nvr_kind nvr;
	int cameras;			/* 1..64 */
	int days;			/* >= 1 */
	int64_t start_s;		/* the first day's 00:00 UTC, seconds since the epoch */
	unsigned int snoopers;		/* NVR_SNOOP_* */
	uint64_t seed;
	int retention_days;		/* recordings kept; 0: 7 */
	unsigned int batch;		/* rows per transaction, at most; 0: 1024 (the probes' batch) */
	/* Called after each batch is committed (progress), and for each row appended (checks); may be NULL. */
	void (*progress)(const struct nvr_gen_stats *st, void *ctx);
	void (*on_row)(const struct nvr_row *row, void *ctx);
	void *ctx;
};

/*
 * Appends the days of opts to log (opened by the caller, with its TPM for the checkpoints), into stats.
 * Returns 0, or -1 with err. A failed checkpoint (-2 from the log) is an error too.
 */
int nvr_gen_run(struct cv_log *log, const struct nvr_gen_opts *opts, struct nvr_gen_stats *stats, char *err,
		size_t errlen);

/* The NVR's media directory: "/media/frigate" or "/var/lib/motioneye". */
const char *nvr_media_dir(enum nvr_kind nvr);

/* "cp,scp,userns,camera,status", "all" or "none" into *set: 0, or -1 naming the unknown word in err. */
int nvr_snoopers_parse(const char *list, unsigned int *set, char *err, size_t errlen);

/* "2026-11-01" to its 00:00 UTC: 0, or -1. */
int nvr_parse_date(const char *s, int64_t *epoch_s);

#endif /* NVRGEN_GEN_H */
