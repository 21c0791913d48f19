// SPDX-License-Identifier: GPL-2.0
/*
 * nvrgen's generator (tests/nvrgen/gen.h) against a real swtpm: one Frigate camera for one day, with every
 * snooper, makes the volume expected (8,640 segments moved, about as many expired ones deleted, snapshots,
 * playback), in wall-time order, with open/close times that agree with the rows' times, every path in the
 * NVR's media directory but the snoopers', and a log that "camvault verify" passes. The same seed makes the
 * same rows; motionEye's variant stays in /var/lib/motioneye.
 */
#define _DEFAULT_SOURCE
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gen.h"
#include "helpers.h"
#include "log/log.h"
#include "log/verify.h"

static char dir[] = "/tmp/camvault-unit-nvrgen.XXXXXX";
static int runs;

static int nvrgen_setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	return cv_swtpm_setup(state);
}

static int nvrgen_teardown(void **state)
{
	cv_test_rmtree(dir);
	return cv_swtpm_teardown(state);
}

/* What the rows were, as the generator's on_row saw them. */
struct seen {
	const char *media;		/* the NVR's directory, with its trailing '/' */
	int64_t rows, access, events, lost, snoop, segments_written, unlinks, peer_reads, camera;
	int64_t prev_ns, offset;	/* wall - close_ns, the same for every record */
	int64_t disorder, outside, bad_times, bad_offset;
	uint64_t hash;
	char first_outside[CAMVAULT_PATH_LEN];
};

static void hash_in(uint64_t *h, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--)
		*h = (*h ^ *b++) * UINT64_C(1099511628211);
}

static void on_row(const struct nvr_row *row, void *ctx)
{
	struct seen *s = ctx;

	if (s->rows && row->wall_ns < s->prev_ns)
		s->disorder++;
	s->prev_ns = row->wall_ns;
	s->rows++;
	hash_in(&s->hash, &row->kind, sizeof(row->kind));
	hash_in(&s->hash, &row->wall_ns, sizeof(row->wall_ns));
	if (row->kind == CV_LOG_EVENT) {
		s->events++;
		hash_in(&s->hash, row->text, strlen(row->text));
		return;
	}
	if (row->kind == CV_LOG_LOST) {
		s->lost++;
		hash_in(&s->hash, &row->lost, sizeof(row->lost));
		return;
	}
	s->access++;
	hash_in(&s->hash, row->rec, sizeof(*row->rec));
	if (row->rec->close_ns < row->rec->open_ns || !row->rec->open_ns ||
	    (row->rec->type != CAMVAULT_REC_SESSION && row->rec->close_ns != row->rec->open_ns))
		s->bad_times++;
	if (!s->offset)
		s->offset = row->wall_ns - (int64_t)row->rec->close_ns;
	else if (row->wall_ns - (int64_t)row->rec->close_ns != s->offset)
		s->bad_offset++;
	if (row->snooper) {
		s->snoop++;
	} else if (strncmp(row->rec->path, s->media, strlen(s->media))) {
		if (!s->outside++)
			snprintf(s->first_outside, sizeof(s->first_outside), "%s", row->rec->path);
	}
	if (row->rec->type == CAMVAULT_REC_UNLINK)
		s->unlinks++;
	if (row->rec->type == CAMVAULT_REC_SESSION && row->rec->bytes_written && strstr(row->rec->path, "/recordings/"))
		s->segments_written++;
	if (row->rec->rflags & CAMVAULT_RF_PEER)
		s->peer_reads++;
	if (row->rec->rflags & CAMVAULT_RF_CAMERA)
		s->camera++;
}

/* Runs the generator into a new log; its path into db. */
static void run(struct nvr_gen_opts *o, struct seen *s, struct nvr_gen_stats *st, char *db, size_t dblen)
{
	const struct cv_log_opts lopts = { .every_rows = CV_LOG_EVERY_ROWS, .every_s = CV_LOG_EVERY_S };
	struct cv_tpm tpm;
	struct cv_log log;
	char err[1024] = "";

	memset(s, 0, sizeof(*s));
	s->media = o->nvr == NVR_MOTIONEYE ? "/var/lib/motioneye/" : "/media/frigate/";
	s->hash = UINT64_C(1469598103934665603);
	o->on_row = on_row;
	o->ctx = s;
	snprintf(db, dblen, "%s/run%d/access.db", dir, runs++);
	if (cv_tpm_open(&tpm, err, sizeof(err)))
		fail_msg("cv_tpm_open: %s", err);
	if (cv_log_open(&log, db, &tpm, &lopts, err, sizeof(err)))
		fail_msg("cv_log_open: %s", err);
	if (nvr_gen_run(&log, o, st, err, sizeof(err)))
		fail_msg("nvr_gen_run: %s", err);
	if (cv_log_close(&log, err, sizeof(err)))
		fail_msg("cv_log_close: %s", err);
	cv_tpm_close(&tpm);
}

static void verify_ok(const char *db)
{
	struct cv_verify_opts vo = { .db = db, .no_tpm = 1 };
	FILE *out = tmpfile();
	char line[512];
	int rc;

	assert_non_null(out);
	rc = cv_verify(&vo, out, out);
	if (rc != CV_VERIFY_OK) {
		rewind(out);
		while (fgets(line, sizeof(line), out))
			print_message("# %s", line);
	}
	fclose(out);
	assert_int_equal(rc, CV_VERIFY_OK);
}

static void test_frigate_day(void **state)
{
	struct nvr_gen_opts o = { .nvr = NVR_FRIGATE, .cameras = 1, .days = 1, .snoopers = NVR_SNOOP_ALL,
				  .seed = 7 };
	struct nvr_gen_stats st;
	struct seen s;
	char db[256];

	(void)state;
	cv_swtpm_require();
	assert_int_equal(nvr_parse_date("2026-11-01", &o.start_s), 0);
	run(&o, &s, &st, db, sizeof(db));

	/*
	 * 8,640 segments (but those that closed while the agent was down, in a lost row), about as many deleted
	 * (those of the events kept), and the rest.
	 */
	assert_in_range(s.segments_written, 8640 - st.dropped, 8640);
	assert_in_range(st.dropped, 0, 10);
	assert_in_range(s.unlinks, 7000, 9000);	/* segments, and old snapshots */
	assert_in_range(s.rows, 16000, 22000);
	assert_int_equal(s.rows, st.rows);
	assert_int_equal(s.access + s.events + s.lost, s.rows);
	/* Started, restarted (stopped, started), crashed (started): each start arms the dead-man lock. */
	assert_int_equal(s.events, 7);
	assert_true(s.peer_reads > 0);
	assert_int_equal(s.camera, 1);
	assert_true(s.snoop > 0);
	assert_int_equal(s.snoop, st.snoop_rows);

	assert_int_equal(s.disorder, 0);
	assert_int_equal(s.bad_times, 0);
	assert_int_equal(s.bad_offset, 0);
	if (s.outside)
		fail_msg("%" PRId64 " rows outside %s, the first %s", s.outside, s.media, s.first_outside);
	assert_true(st.first_ns >= o.start_s * INT64_C(1000000000));
	assert_true(st.last_ns < (o.start_s + 86400 + 600) * INT64_C(1000000000));
	verify_ok(db);
}

static void test_deterministic(void **state)
{
	struct nvr_gen_opts o = { .nvr = NVR_MOTIONEYE, .cameras = 2, .days = 2, .snoopers = NVR_SNOOP_ALL,
				  .seed = 42 };
	struct nvr_gen_stats st;
	struct seen a, b;
	char db[256];

	(void)state;
	cv_swtpm_require();
	assert_int_equal(nvr_parse_date("2026-11-01", &o.start_s), 0);
	run(&o, &a, &st, db, sizeof(db));
	run(&o, &b, &st, db, sizeof(db));
	assert_int_equal(a.rows, b.rows);
	assert_true(a.hash == b.hash);
	o.seed = 43;
	run(&o, &b, &st, db, sizeof(db));
	assert_true(a.hash != b.hash);

	/* motionEye's: movies, pictures, thumbnails and their deletes, all in /var/lib/motioneye. */
	assert_in_range(a.rows, 200, 3000);
	assert_int_equal(a.disorder, 0);
	assert_int_equal(a.bad_times, 0);
	assert_int_equal(a.bad_offset, 0);
	if (a.outside)
		fail_msg("%" PRId64 " rows outside %s, the first %s", a.outside, a.media, a.first_outside);
	verify_ok(db);
}

static void test_parse(void **state)
{
	char err[256];
	unsigned int set;
	int64_t t;

	(void)state;
	assert_int_equal(nvr_snoopers_parse("cp,camera", &set, err, sizeof(err)), 0);
	assert_int_equal(set, NVR_SNOOP_CP | NVR_SNOOP_CAMERA);
	assert_int_equal(nvr_snoopers_parse("all", &set, err, sizeof(err)), 0);
	assert_int_equal(set, NVR_SNOOP_ALL);
	assert_int_equal(nvr_snoopers_parse("none", &set, err, sizeof(err)), 0);
	assert_int_equal(set, 0);
	assert_int_equal(nvr_snoopers_parse("cp,tcpdump", &set, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "tcpdump"));
	assert_int_equal(nvr_parse_date("2026-11-01", &t), 0);
	assert_int_equal(t, 1793491200);
	assert_int_equal(nvr_parse_date("2026-13-01", &t), -1);
	assert_int_equal(nvr_parse_date("2026-11-01x", &t), -1);
	assert_string_equal(nvr_media_dir(NVR_MOTIONEYE), "/var/lib/motioneye");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_frigate_day),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests(tests, nvrgen_setup, nvrgen_teardown);
}
