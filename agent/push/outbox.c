// SPDX-License-Identifier: GPL-2.0
/*
 * The durable outbox (outbox.h): messages for the owner in SQLite next to the access log, tried until
 * delivered or too old. Its tables and this SQL are the outbox's own: it shares the log's database (and the
 * agent's handle on it) but not its schema, which stays behind log.h. Every statement runs on its own
 * (autocommit) except cv_outbox_add(), which joins the caller's transaction; no statement stays open while a
 * message goes over the network, so the agent's log writes never wait on a slow server.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "push/channels.h"
#include "push/outbox.h"
#include "util/clock.h"

static const char cv_outbox_schema[] =
	"CREATE TABLE IF NOT EXISTS outbox(id INTEGER PRIMARY KEY, uid TEXT NOT NULL, channel TEXT NOT NULL, "
	"kind INTEGER NOT NULL, vault TEXT, title TEXT NOT NULL, text TEXT NOT NULL, json TEXT, "
	"created_ms INTEGER NOT NULL, tries INTEGER NOT NULL DEFAULT 0, next_ms INTEGER NOT NULL, "
	"state TEXT NOT NULL DEFAULT 'queued', done_ms INTEGER, last_error TEXT, "
	"claim_until INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS outbox_due ON outbox(state, next_ms);"
	"CREATE TABLE IF NOT EXISTS outbox_channels(channel TEXT PRIMARY KEY, last_ok_ms INTEGER, "
	"last_error TEXT, last_error_ms INTEGER);";

static int cv_db_err(struct sqlite3 *db, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "the outbox in %s: %s: %s: check the disk and the database's permissions",
		 sqlite3_db_filename(db, "main") && *sqlite3_db_filename(db, "main") ? sqlite3_db_filename(db, "main") :
		 "the database", what, sqlite3_errmsg(db));
	return -1;
}

static int cv_outbox_schema_create(struct sqlite3 *db, char *err, size_t errlen)
{
	if (sqlite3_exec(db, cv_outbox_schema, NULL, NULL, NULL) != SQLITE_OK)
		return cv_db_err(db, "creating its tables", err, errlen);
	return 0;
}

int64_t cv_outbox_backoff_ms(int64_t id, int64_t tries)
{
	int64_t delay = CV_OUTBOX_FIRST_RETRY_MS;
	uint64_t h;

	while (--tries > 0 && delay < CV_OUTBOX_MAX_RETRY_MS)
		delay *= 2;
	if (delay > CV_OUTBOX_MAX_RETRY_MS)
		delay = CV_OUTBOX_MAX_RETRY_MS;
	/* Jitter from the row id: spreads a queue's retries, yet the same every time (tests, reasoning). */
	h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	return delay + (int64_t)(h % (uint64_t)(delay / 5 + 1));
}

/* Whether s (trimmed) looks like a JSON array: what the webhook and MQTT bodies embed as is. */
static bool cv_json_array(const char *s)
{
	size_t n;

	s += strspn(s, " \t\r\n");
	n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	return n >= 2 && s[0] == '[' && s[n - 1] == ']';
}

int cv_outbox_add(struct sqlite3 *db, const struct cv_push *push, const struct cv_push_msg *m, char *err,
		  size_t errlen)
{
	static const char ins[] = "INSERT INTO outbox(uid, channel, kind, vault, title, text, json, created_ms, "
				  "next_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";
	sqlite3_stmt *st = NULL;
	int64_t now = cv_wall_ns() / CV_NS_PER_MS;
	char uid[32];
	unsigned char rnd[12];
	size_t i;

	if ((m->kind != CV_PUSH_ALERT && m->kind != CV_PUSH_DIGEST) || !m->title || !m->text) {
		snprintf(err, errlen, "outbox: a message needs a kind (alert or digest), a title and a text");
		return -1;
	}
	if (m->json && !cv_json_array(m->json)) {
		snprintf(err, errlen, "outbox: the message's records are not a JSON array: pass [...] or NULL");
		return -1;
	}
	if (!push || !push->n)
		return 0;
	if (cv_outbox_schema_create(db, err, errlen))
		return -1;
	sqlite3_randomness(sizeof(rnd), rnd);
	for (i = 0; i < sizeof(rnd); i++)
		sprintf(uid + 2 * i, "%02x", rnd[i]);
	if (sqlite3_prepare_v2(db, ins, -1, &st, NULL) != SQLITE_OK)
		return cv_db_err(db, "queueing a message", err, errlen);
	for (i = 0; i < push->n; i++) {
		if (!cv_push_takes(&push->ch[i], m->kind))
			continue;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, uid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, push->ch[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, m->kind);
		if (m->vault)
			sqlite3_bind_text(st, 4, m->vault, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 4);
		sqlite3_bind_text(st, 5, m->title, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, m->text, -1, SQLITE_STATIC);
		if (m->json)
			sqlite3_bind_text(st, 7, m->json, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 7);
		sqlite3_bind_int64(st, 8, now);
		if (sqlite3_step(st) != SQLITE_DONE) {
			cv_db_err(db, "queueing a message", err, errlen);
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

/* Runs sql with up to three int64 parameters; the number of rows changed, or -1. */
static int cv_exec3(struct sqlite3 *db, const char *sql, int64_t a, int64_t b, int64_t c)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, b);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_int64(st, 3, c);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_changes(db) : -1;
}

/* Records a channel's outcome for status: ok, or the error. */
static int cv_channel_note(struct sqlite3 *db, const char *channel, const char *error, int64_t now)
{
	static const char ok[] = "INSERT INTO outbox_channels(channel, last_ok_ms) VALUES(?1, ?2) "
				 "ON CONFLICT(channel) DO UPDATE SET last_ok_ms = ?2";
	static const char bad[] = "INSERT INTO outbox_channels(channel, last_error, last_error_ms) "
				  "VALUES(?1, ?3, ?2) ON CONFLICT(channel) DO UPDATE SET last_error = ?3, "
				  "last_error_ms = ?2";
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, error ? bad : ok, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	if (error)
		sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* A queued row, as read to deliver it. */
struct cv_row {
	int64_t id, tries;
	char *uid, *channel, *vault, *title, *text, *json;
	int kind;
};

static char *cv_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

static void cv_row_free(struct cv_row *r)
{
	free(r->uid);
	free(r->channel);
	free(r->vault);
	free(r->title);
	free(r->text);
	free(r->json);
	memset(r, 0, sizeof(*r));
}

/* Claims row id if still queued and due: it is ours for CV_OUTBOX_CLAIM_MS. 1 claimed, 0 not, -1 error. */
static int cv_claim(struct sqlite3 *db, int64_t id, int64_t now, struct cv_row *r)
{
	static const char sel[] = "SELECT uid, channel, kind, vault, title, text, json, tries FROM outbox WHERE id = ?";
	sqlite3_stmt *st;
	int n, rc;

	n = cv_exec3(db, "UPDATE outbox SET claim_until = ?2 WHERE id = ?1 AND state = 'queued' AND next_ms <= ?3 "
		     "AND claim_until <= ?3", id, now + CV_OUTBOX_CLAIM_MS, now);
	if (n <= 0)
		return n;
	if (sqlite3_prepare_v2(db, sel, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->id = id;
		r->uid = cv_col_dup(st, 0);
		r->channel = cv_col_dup(st, 1);
		r->kind = sqlite3_column_int(st, 2);
		r->vault = cv_col_dup(st, 3);
		r->title = cv_col_dup(st, 4);
		r->text = cv_col_dup(st, 5);
		r->json = cv_col_dup(st, 6);
		r->tries = sqlite3_column_int64(st, 7);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW || !r->uid || !r->channel || !r->title || !r->text) {
		cv_row_free(r);
		return -1;
	}
	return 1;
}

/* Runs sql, an UPDATE of one row with ?1 its id, ?2 a time and ?3 an error: 0, or -1. */
static int cv_row_set(struct sqlite3 *db, const char *sql, int64_t id, int64_t when, const char *error)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, when);
	sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int cv_mark_failed(struct sqlite3 *db, const struct cv_row *r, const char *error, int64_t next)
{
	return cv_row_set(db, "UPDATE outbox SET tries = tries + 1, next_ms = ?2, last_error = ?3, claim_until = 0 "
			  "WHERE id = ?1", r->id, next, error);
}

/* This run's failures: the channels that failed and when they are retried, and the messages refused. */
struct cv_failed {
	const char **channel;
	int64_t *next;
	size_t n;
	size_t refused;
	char *err;		/* the caller's: says the last message refused */
	size_t errlen;
};

static int64_t cv_failed_next(const struct cv_failed *f, const char *channel)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->channel[i], channel))
			return f->next[i];
	return 0;
}

/* The channel failed: its other messages due in this run wait for the same retry. */
static void cv_failed_add(struct cv_failed *f, const char *channel, int64_t next)
{
	const char **fc = realloc(f->channel, (f->n + 1) * sizeof(*fc));
	int64_t *fn;

	if (fc)
		f->channel = fc;
	fn = fc ? realloc(f->next, (f->n + 1) * sizeof(*fn)) : NULL;
	if (fn) {
		f->next = fn;
		f->channel[f->n] = channel;
		f->next[f->n++] = next;
	}
	/* Out of memory only costs the shortcut. */
}

/*
 * The server refused this message itself (CV_PUSH_REFUSED): another try would be refused the same, so it is
 * dropped now, alone, and the channel's other messages go on. Its access stays in the log. 0, or -1.
 */
static int cv_refused(struct sqlite3 *db, const struct cv_row *r, const char *error, int64_t now,
		      struct cv_failed *f)
{
	static const char drop[] = "UPDATE outbox SET state = 'dropped', done_ms = ?2, tries = tries + 1, "
				   "last_error = 'refused by the server, dropped: ' || ?3, claim_until = 0 "
				   "WHERE id = ?1";

	if (cv_row_set(db, drop, r->id, now, error) || cv_channel_note(db, r->channel, error, now))
		return -1;
	f->refused++;
	snprintf(f->err, f->errlen, "%zu message%s refused by the server and dropped (the channel's other messages "
		 "go on; the accesses stay in the log: camvault report --unexpected lists them); the last: %s",
		 f->refused, f->refused == 1 ? "" : "s", error);
	return 0;
}

/* Delivers one claimed row; 0 done (either way), -1 database error. */
static int cv_deliver(struct sqlite3 *db, const struct cv_push *push, struct cv_row *r, int64_t now,
		      struct cv_failed *failed)
{
	const struct cv_push_channel *c = cv_push_find(push, r->channel);
	struct cv_push_msg m = { .kind = (enum cv_push_kind)r->kind, .vault = r->vault, .title = r->title,
				 .text = r->text, .json = r->json };
	int64_t later = c ? cv_failed_next(failed, c->id) : 0, next;
	char error[1024];
	int rc = CV_PUSH_RETRY;

	if (later)	/* its channel just failed: wait with it, without counting a try */
		return cv_exec3(db, "UPDATE outbox SET next_ms = ?2, claim_until = 0 WHERE id = ?1", r->id, later,
				0) < 0 ? -1 : 0;
	if (!c)
		snprintf(error, sizeof(error), "channel '%s' is no longer in push.conf: put it back (or fix its "
			 "name=) to deliver, else its messages are dropped after %lld days", r->channel,
			 (long long)(CV_OUTBOX_MAX_AGE_MS / 86400000));
	else
		rc = cv_push_send(c, &m, r->uid, now, error, sizeof(error));
	if (!rc) {
		if (cv_exec3(db, "UPDATE outbox SET state = 'sent', done_ms = ?2, tries = tries + 1, "
			     "last_error = NULL, claim_until = 0 WHERE id = ?1", r->id, now, 0) < 0)
			return -1;
		return cv_channel_note(db, c->id, NULL, now);
	}
	if (rc == CV_PUSH_REFUSED)
		return cv_refused(db, r, error, now, failed);
	next = now + cv_outbox_backoff_ms(r->id, r->tries + 1);
	if (cv_mark_failed(db, r, error, next) || cv_channel_note(db, r->channel, error, now))
		return -1;
	if (c)
		cv_failed_add(failed, c->id, next);
	return 0;
}

/* The ids of the rows due at now, oldest first. */
static int cv_due(struct sqlite3 *db, int64_t now, int64_t **ids, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*ids = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT id FROM outbox WHERE state = 'queued' AND next_ms <= ?1 AND "
			       "claim_until <= ?1 ORDER BY id", -1,
			       &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t *g = realloc(*ids, (*n + 1) * sizeof(**ids));

		if (!g) {
			rc = SQLITE_NOMEM;
			break;
		}
		*ids = g;
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(*ids);
		*ids = NULL;
		return -1;
	}
	return 0;
}

int64_t cv_outbox_run(struct sqlite3 *db, const struct cv_push *push, int64_t now_ms, char *err, size_t errlen)
{
	static const struct cv_push none = { 0 };
	struct cv_failed failed = { .err = err, .errlen = errlen };
	int64_t *ids = NULL, next = -1;
	sqlite3_stmt *st;
	size_t n = 0, i;
	int rc;

	if (!push)
		push = &none;
	if (errlen)
		err[0] = '\0';
	if (cv_outbox_schema_create(db, err, errlen))
		return -2;
	/* Too old to matter any more: dropped, and the reason kept in the row. */
	if (cv_exec3(db, "UPDATE outbox SET state = 'dropped', done_ms = ?1, last_error = 'undelivered after 7 "
		     "days, dropped; last error: ' || coalesce(last_error, 'none') WHERE state = 'queued' AND "
		     "created_ms < ?2",
		     now_ms, now_ms - CV_OUTBOX_MAX_AGE_MS, 0) < 0 ||
	    cv_exec3(db, "DELETE FROM outbox WHERE state != 'queued' AND done_ms < ?1", now_ms - CV_OUTBOX_KEEP_MS, 0,
		     0) < 0)
		goto dberr;
	if (cv_due(db, now_ms, &ids, &n))
		goto dberr;
	for (i = 0; i < n; i++) {
		struct cv_row r = { 0 };

		rc = cv_claim(db, ids[i], now_ms, &r);
		if (rc < 0)
			goto dberr;
		if (!rc)
			continue;	/* delivered or claimed by another process meanwhile */
		rc = cv_deliver(db, push, &r, now_ms, &failed);
		cv_row_free(&r);
		if (rc)
			goto dberr;
	}
	if (sqlite3_prepare_v2(db, "SELECT min(max(next_ms, claim_until)) FROM outbox WHERE state = 'queued'", -1,
			       &st, NULL) != SQLITE_OK)
		goto dberr;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		next = sqlite3_column_int64(st, 0) - now_ms;
		if (next < 0)
			next = 0;
	}
	sqlite3_finalize(st);
	free(ids);
	free(failed.channel);
	free(failed.next);
	return next;
dberr:
	cv_db_err(db, "delivering", err, errlen);
	free(ids);
	free(failed.channel);
	free(failed.next);
	return -2;
}

static struct cv_outbox_chan *cv_status_chan(struct cv_outbox_status *s, const char *channel, bool add)
{
	struct cv_outbox_chan *g;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->ch[i].channel, channel))
			return &s->ch[i];
	if (!add)
		return NULL;
	g = realloc(s->ch, (s->n + 1) * sizeof(*g));
	if (!g)
		return NULL;
	s->ch = g;
	memset(&g[s->n], 0, sizeof(*g));
	snprintf(g[s->n].channel, sizeof(g[s->n].channel), "%s", channel);
	return &g[s->n++];
}

int cv_outbox_status(struct sqlite3 *db, const struct cv_push *push, struct cv_outbox_status *s, char *err,
		     size_t errlen)
{
	static const char per_chan[] = "SELECT channel, count(*), min(created_ms), min(next_ms) FROM outbox "
				       "WHERE state = 'queued' GROUP BY channel";
	static const char totals[] = "SELECT coalesce(sum(state = 'queued'), 0), coalesce(sum(state = 'sent'), 0), "
				     "coalesce(sum(state = 'dropped'), 0), min(CASE WHEN state = 'queued' THEN "
				     "created_ms END) FROM outbox";
	static const char notes[] = "SELECT channel, coalesce(last_ok_ms, 0), last_error, "
				    "coalesce(last_error_ms, 0) FROM outbox_channels";
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc;

	memset(s, 0, sizeof(*s));
	for (i = 0; push && i < push->n; i++) {
		struct cv_outbox_chan *c = cv_status_chan(s, push->ch[i].id, true);

		if (!c)
			goto oom;
		c->configured = true;
	}
	rc = sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'", -1, &st,
				NULL);
	if (rc != SQLITE_OK)
		goto dberr;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (rc == SQLITE_DONE)
		return 0;	/* no outbox yet: nothing ever queued */
	if (rc != SQLITE_ROW || sqlite3_prepare_v2(db, totals, -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	if (sqlite3_step(st) != SQLITE_ROW)
		goto dberr;
	s->waiting = sqlite3_column_int64(st, 0);
	s->sent = sqlite3_column_int64(st, 1);
	s->dropped = sqlite3_column_int64(st, 2);
	s->oldest_ms = sqlite3_column_int64(st, 3);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, per_chan, -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cv_outbox_chan *c = cv_status_chan(s, (const char *)sqlite3_column_text(st, 0), true);

		if (!c)
			goto oom;
		c->waiting = sqlite3_column_int64(st, 1);
		c->oldest_ms = sqlite3_column_int64(st, 2);
		c->next_ms = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || sqlite3_prepare_v2(db, notes, -1, &st, NULL) != SQLITE_OK) {
		st = NULL;
		goto dberr;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cv_outbox_chan *c = cv_status_chan(s, (const char *)sqlite3_column_text(st, 0), false);
		const unsigned char *e = sqlite3_column_text(st, 2);

		if (!c)
			continue;	/* neither configured nor waiting: history */
		c->last_ok_ms = sqlite3_column_int64(st, 1);
		c->last_error_ms = sqlite3_column_int64(st, 3);
		snprintf(c->last_error, sizeof(c->last_error), "%s", e ? (const char *)e : "");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		st = NULL;
		goto dberr;
	}
	return 0;
oom:
	sqlite3_finalize(st);
	cv_outbox_status_free(s);
	snprintf(err, errlen, "outbox status: out of memory");
	return -1;
dberr:
	sqlite3_finalize(st);
	cv_outbox_status_free(s);
	return cv_db_err(db, "reading it", err, errlen);
}

void cv_outbox_status_free(struct cv_outbox_status *s)
{
	free(s->ch);
	memset(s, 0, sizeof(*s));
}

void cv_outbox_waiting(struct sqlite3 *db, int64_t *waiting, int64_t *oldest_ms)
{
	sqlite3_stmt *st = NULL;

	*waiting = 0;
	*oldest_ms = 0;
	/* No outbox table: nothing was ever queued. */
	if (sqlite3_prepare_v2(db, "SELECT count(*), min(created_ms) FROM outbox WHERE state = 'queued'", -1, &st,
			       NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		*waiting = sqlite3_column_int64(st, 0);
		*oldest_ms = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
}

int cv_outbox_due_now(struct sqlite3 *db, char *err, size_t errlen)
{
	if (sqlite3_exec(db, "UPDATE outbox SET next_ms = 0 WHERE state = 'queued'", NULL, NULL, NULL) != SQLITE_OK &&
	    !strstr(sqlite3_errmsg(db), "no such table")) {
		snprintf(err, errlen, "the outbox: %s: check the database's permissions", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}
