// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the access log (log.h, "Reading the log"): the only SQL on the records and checkpoints tables outside
 * log.c and verify.c. The agent, the report and status ask here for typed things (the tail, lost totals, the
 * agent's gaps, a window's rows, counts), so the schema stays inside agent/log/.
 *
 * Logs of schema 1 have no event column: the queries read NULL in its place, and cv_log_event_of() reads the
 * agent's start and stop from the text's fixed start, as camvault did before codes.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "log/log.h"
#include "util/paths.h"

/* The event column in a query: the column itself, or NULL in a log of schema 1, which has none. */
static const char *cv_event_col(const struct cv_log *log)
{
	return log->schema >= 2 ? "event" : "NULL";
}

static int cv_query_err(struct cv_log *log, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s in %s (%s): check it with 'camvault verify'", what, log->path,
		 sqlite3_errmsg(log->db));
	return -1;
}

static int cv_prepare(struct cv_log *log, const char *sql, sqlite3_stmt **st, const char *what, char *err,
		      size_t errlen)
{
	*st = NULL;
	if (sqlite3_prepare_v2(log->db, sql, -1, st, NULL) != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
		return cv_query_err(log, what, err, errlen);
	}
	return 0;
}

/* ---- Cursors: the columns id, kind, time, rec, lost, text, event, in this order ---- */

#define CV_ROW_COLS "id, kind, time, rec, lost, text, %s"

int cv_log_rows(struct cv_log *log, struct cv_log_cursor *c, int64_t since_ns, int64_t until_ns, char *err,
		size_t errlen)
{
	char sql[256];

	memset(c, 0, sizeof(*c));
	c->log = log;
	c->what = "cannot read the records";
	snprintf(sql, sizeof(sql), "SELECT " CV_ROW_COLS " FROM records WHERE time >= ?1 AND time < ?2 ORDER BY id",
		 cv_event_col(log));
	if (cv_prepare(log, sql, &c->st, c->what, err, errlen))
		return -1;
	sqlite3_bind_int64(c->st, 1, since_ns);
	sqlite3_bind_int64(c->st, 2, until_ns ? until_ns : INT64_MAX);
	return 0;
}

int cv_log_last_access(struct cv_log *log, struct cv_log_cursor *c, unsigned int n, char *err, size_t errlen)
{
	char sql[256];

	memset(c, 0, sizeof(*c));
	c->log = log;
	c->what = "cannot read the last access rows";
	snprintf(sql, sizeof(sql), "SELECT " CV_ROW_COLS " FROM (SELECT * FROM records WHERE kind = 'access' ORDER "
		 "BY id DESC LIMIT ?1) ORDER BY id", cv_event_col(log));
	if (cv_prepare(log, sql, &c->st, c->what, err, errlen))
		return -1;
	sqlite3_bind_int64(c->st, 1, n);
	return 0;
}

int cv_log_next(struct cv_log_cursor *c, char *err, size_t errlen)
{
	struct cv_log_row *r = &c->row;
	sqlite3_stmt *st = c->st;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!st)
		return 0;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return cv_query_err(c->log, c->what, err, errlen);
	r->id = sqlite3_column_int64(st, 0);
	r->kind = cv_log_kind_parse((const char *)sqlite3_column_text(st, 1));
	r->time_ns = sqlite3_column_int64(st, 2);
	r->rec = sqlite3_column_blob(st, 3);
	r->rec_len = (size_t)sqlite3_column_bytes(st, 3);
	if (r->kind == CV_LOG_LOST)
		r->lost = (uint64_t)sqlite3_column_int64(st, 4);
	if (r->kind == CV_LOG_EVENT) {
		r->text = (const char *)sqlite3_column_text(st, 5);
		r->event = cv_log_event_of(sqlite3_column_int64(st, 6), r->text);
	}
	return 1;
}

void cv_log_cursor_close(struct cv_log_cursor *c)
{
	sqlite3_finalize(c->st);
	c->st = NULL;
}

/* ---- The agent's events ---- */

/*
 * The WHERE clause of the agent's start and stop events: by code, or, in rows without one, by the text's fixed
 * start (substr, not LIKE: exact and case-sensitive, as cv_log_event_of()). A format: %1$s the event column
 * (or NULL), %2$s the table's name or alias.
 */
#define CV_AGENT_EVENTS_WHERE \
	"%2$s.kind = 'event' AND (%1$s IN (1, 2, 3) OR (%1$s IS NULL AND substr(%2$s.text, 1, 13) IN " \
	"('agent started', 'agent stopped')))"
_Static_assert(CV_EVENT_AGENT_START == 1 && CV_EVENT_AGENT_STOP == 2 && CV_EVENT_AGENT_CRASH_DETECTED == 3,
	       "the codes in CV_AGENT_EVENTS_WHERE");

int cv_log_tail(struct cv_log *log, struct cv_log_tail *t, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	char sql[512];
	int rc;

	memset(t, 0, sizeof(*t));
	t->clean = true;
	cv_log_genesis(log->log_id, t->head);
	if (cv_prepare(log, "SELECT id, time, link FROM records ORDER BY id DESC LIMIT 1", &st,
		       "cannot read the last row", err, errlen))
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t->last_id = sqlite3_column_int64(st, 0);
		t->time_ns = sqlite3_column_int64(st, 1);
		if (sqlite3_column_bytes(st, 2) == 32)
			memcpy(t->head, sqlite3_column_blob(st, 2), 32);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cv_query_err(log, "cannot read the last row", err, errlen);

	snprintf(sql, sizeof(sql), "SELECT %1$s, text FROM records WHERE " CV_AGENT_EVENTS_WHERE " ORDER BY id "
		 "DESC LIMIT 1", log->schema >= 2 ? "records.event" : "NULL", "records");
	if (cv_prepare(log, sql, &st, "cannot read the agent's events", err, errlen))
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t->agent_last = cv_log_event_of(sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1));
		t->clean = t->agent_last == CV_EVENT_AGENT_STOP;
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cv_query_err(log, "cannot read the agent's events", err, errlen);
	return 0;
}

int cv_log_lost_since(struct cv_log *log, int64_t since_ns, uint64_t *total, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*total = 0;
	if (cv_prepare(log, "SELECT total(lost) FROM records WHERE kind = 'lost' AND time >= ?", &st,
		       "cannot read the lost counts", err, errlen))
		return -1;
	sqlite3_bind_int64(st, 1, since_ns);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*total = (uint64_t)sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return cv_query_err(log, "cannot read the lost counts", err, errlen);
	return 0;
}

/* Gives g to fn when it overlaps the window: 0, or fn's non-zero. */
static int cv_gap_give(const struct cv_log_gap *g, int64_t since_ns, int64_t until_ns, cv_log_gap_fn fn, void *ctx)
{
	if (!g->open_ended && g->end_ns <= since_ns)
		return 0;
	if (until_ns && g->start_ns >= until_ns)
		return 0;
	return fn(ctx, g);
}

int cv_log_gaps(struct cv_log *log, int64_t since_ns, int64_t until_ns, cv_log_gap_fn fn, void *ctx, char *err,
		size_t errlen)
{
	sqlite3_stmt *st = NULL;
	char sql[768];
	int64_t stop = -1;
	bool started = false;
	int rc;

	/* Over the whole log: a gap may begin before the window. Each event with the time of the row before it. */
	snprintf(sql, sizeof(sql), "SELECT r.time, %1$s, r.text, (SELECT p.time FROM records p WHERE p.id < r.id "
		 "ORDER BY p.id DESC LIMIT 1) FROM records r WHERE " CV_AGENT_EVENTS_WHERE " ORDER BY r.id",
		 log->schema >= 2 ? "r.event" : "NULL", "r");
	if (cv_prepare(log, sql, &st, "cannot read the agent's events", err, errlen))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t t = sqlite3_column_int64(st, 0);
		enum cv_log_event ev = cv_log_event_of(sqlite3_column_int64(st, 1),
						       (const char *)sqlite3_column_text(st, 2));
		int fail = 0;

		if (ev == CV_EVENT_AGENT_STOP) {
			stop = t;
			started = false;
			continue;
		}
		if (!cv_log_event_is_start(ev))
			continue;
		if (stop >= 0)
			fail = cv_gap_give(&(struct cv_log_gap){ stop, t, false, false }, since_ns, until_ns, fn, ctx);
		else if (started && sqlite3_column_type(st, 3) != SQLITE_NULL)
			/* Started again without stopping: it crashed after the last row it logged. */
			fail = cv_gap_give(&(struct cv_log_gap){ sqlite3_column_int64(st, 3), t, true, false },
					   since_ns, until_ns, fn, ctx);
		if (fail) {
			sqlite3_finalize(st);
			return -1;
		}
		stop = -1;
		started = true;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cv_query_err(log, "cannot read the agent's events", err, errlen);
	if (stop >= 0 && cv_gap_give(&(struct cv_log_gap){ stop, 0, false, true }, since_ns, until_ns, fn, ctx))
		return -1;
	return 0;
}

/* ---- status ---- */

int cv_log_open_peek(struct cv_log *log, const char *path, char *err, size_t errlen)
{
	memset(log, 0, sizeof(*log));
	if (!path)
		path = cv_db_path();
	snprintf(log->path, sizeof(log->path), "%s", path);
	if (sqlite3_open_v2(path, &log->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", log->db ? sqlite3_errmsg(log->db) : "out of memory");
		sqlite3_close(log->db);
		log->db = NULL;
		return -1;
	}
	return 0;
}

int cv_log_stats(struct cv_log *log, struct cv_log_stats *s, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	if (sqlite3_prepare_v2(log->db, "SELECT (SELECT count(*) FROM records), (SELECT max(time) FROM checkpoints)",
			       -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		s->rows = sqlite3_column_int64(st, 0);
		s->last_ckpt_ns = sqlite3_column_int64(st, 1);
		ret = 0;
	} else {
		snprintf(err, errlen, "%s", sqlite3_errmsg(log->db));
	}
	sqlite3_finalize(st);
	return ret;
}
