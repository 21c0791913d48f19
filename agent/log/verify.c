// SPDX-License-Identifier: GPL-2.0
/*
 * camvault verify [--db FILE] [--pubkey FILE] [--no-tpm]: recomputes the access log's hash chain and checks
 * every checkpoint (log.h says what is hashed and signed), and tells what it finds, one sentence each.
 *
 * How a break is told apart: a row's place in the chain is its predecessor's link (the id is not hashed). So
 * at a row whose link does not follow from its predecessor's, verify looks for where the row's contents do
 * follow: from a later row's link (it was moved back: reordered), from an earlier one with the rows in between
 * skipped (those were inserted), from nowhere but with the next row following from the recomputed link (only
 * its link was changed), or from nowhere at all (its contents were altered). The search is a hash per row per
 * break, for the first CV_MAX_BREAKS breaks.
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <sodium.h>

#include "log/log.h"
#include "log/logkey.h"
#include "log/logsig.h"
#include "log/verify.h"
#include "tpm/tpm2-util.h"
#include "util/record.h"

#define CV_MAX_BREAKS	16
#define CV_MAX_FINDINGS	32
#define CV_MSG		1024

struct cv_finding {
	int64_t order;		/* where in the log: a row's position, or after the rows for checkpoints */
	int status;
	char msg[CV_MSG];
};

struct cv_vrow {
	int64_t id;
	uint8_t link[32];	/* as stored */
	uint8_t chain[32];	/* as recomputed from link(0) */
	bool broken;		/* link does not follow from the previous row's stored link */
	bool explained;		/* a finding already covers the break */
};

/* A row's hashed contents. */
struct cv_content {
	enum cv_log_kind kind;
	int64_t time;
	uint8_t *rec;
	size_t len;
	bool has_event;		/* the event column is not NULL: its code is hashed */
	int64_t event;		/* as stored */
};

struct cv_ver {
	struct cv_log log;
	struct cv_vrow *rows;	/* rows[0] is link(0); rows[1..n] the log's rows in id order */
	int64_t n;
	struct cv_finding f[CV_MAX_FINDINGS];
	int nf, dropped;
	int64_t first_row_finding;	/* the position of the first row finding, or INT64_MAX */
};

/* The event column in a query: itself, or NULL in a log of schema 1, which has none. */
static const char *cv_event_col(const struct cv_ver *v)
{
	return v->log.schema >= 2 ? "event" : "NULL";
}

static void cv_find(struct cv_ver *v, int64_t order, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void cv_find(struct cv_ver *v, int64_t order, int status, const char *fmt, ...)
{
	va_list ap;

	if (order < v->first_row_finding && order <= v->n)
		v->first_row_finding = order;
	if (v->nf == CV_MAX_FINDINGS) {
		v->dropped++;
		return;
	}
	v->f[v->nf].order = order;
	v->f[v->nf].status = status;
	va_start(ap, fmt);
	vsnprintf(v->f[v->nf].msg, CV_MSG, fmt, ap);
	va_end(ap);
	v->nf++;
}

/* Text from the database, for a sentence: printable ASCII, at most max bytes, the rest cut with "...". */
static void cv_clean(const char *s, size_t len, size_t max, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < len && i < max && o + 5 < outlen; i++)
		out[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (i < len && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* "row 60" or "rows 60 to 139" (noun "row" or "checkpoint"). */
static const char *cv_range(char *buf, size_t len, const char *noun, int64_t a, int64_t b)
{
	if (a == b)
		snprintf(buf, len, "%s %lld", noun, (long long)a);
	else
		snprintf(buf, len, "%ss %lld to %lld", noun, (long long)a, (long long)b);
	return buf;
}

/* "row 1234 (access by pid 88 cat of /media/..., 2026-11-25T15:04:05.123Z)" from a row's contents. */
static void cv_describe(int64_t id, const struct cv_content *c, char *buf, size_t len)
{
	char when[32], a[80], b[160];
	struct camvault_rec r;

	cv_wall_format(c->time, when, sizeof(when));
	if (c->kind == CV_LOG_ACCESS && !cv_rec_from_blob(&r, c->rec, c->len)) {
		cv_clean(r.comm, strnlen(r.comm, sizeof(r.comm)), sizeof(r.comm), a, sizeof(a));
		cv_clean(r.path, strnlen(r.path, sizeof(r.path)), 120, b, sizeof(b));
		snprintf(buf, len, "row %lld (%s by pid %u %s of %s, %s)", (long long)id,
			 cv_rec_type_name(r.type)[0] == 'u' && r.type != CAMVAULT_REC_UNLINK ? "access" :
			 cv_rec_action(&r), r.pid, a, b, when);
	} else if (c->kind == CV_LOG_EVENT) {
		cv_clean((const char *)c->rec, c->len, 80, b, sizeof(b));
		snprintf(buf, len, "row %lld (event \"%s\", %s)", (long long)id, b, when);
	} else if (c->kind == CV_LOG_LOST && c->len == 8) {
		uint64_t n = 0;
		size_t i;

		for (i = 0; i < 8; i++)
			n = n << 8 | c->rec[i];
		snprintf(buf, len, "row %lld (%llu lost events, %s)", (long long)id, (unsigned long long)n, when);
	} else {
		snprintf(buf, len, "row %lld (a malformed %s row of %zu bytes, %s)", (long long)id,
			 cv_log_kind_name(c->kind), c->len, when);
	}
}

static void cv_content_free(struct cv_content *c)
{
	free(c->rec);
	c->rec = NULL;
}

/* Copies the contents of the current row of st (columns kind, time, rec, event at k, k + 1, k + 2, k + 3). */
static int cv_content_get(sqlite3_stmt *st, int k, struct cv_content *c)
{
	const void *blob = sqlite3_column_blob(st, k + 2);

	c->kind = cv_log_kind_parse((const char *)sqlite3_column_text(st, k));
	c->time = sqlite3_column_int64(st, k + 1);
	c->len = (size_t)sqlite3_column_bytes(st, k + 2);
	c->has_event = sqlite3_column_type(st, k + 3) != SQLITE_NULL;
	c->event = sqlite3_column_int64(st, k + 3);
	c->rec = malloc(c->len ? c->len : 1);
	if (!c->rec)
		return -1;
	if (c->len)
		memcpy(c->rec, blob, c->len);
	return 0;
}

/* The contents of the row at position pos. */
static int cv_content_load(struct cv_ver *v, int64_t pos, struct cv_content *c)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	int ret = -1;

	memset(c, 0, sizeof(*c));
	snprintf(sql, sizeof(sql), "SELECT kind, time, rec, %s FROM records WHERE id = ?", cv_event_col(v));
	if (sqlite3_prepare_v2(v->log.db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, v->rows[pos].id);
		if (sqlite3_step(st) == SQLITE_ROW)
			ret = cv_content_get(st, 0, c);
	}
	sqlite3_finalize(st);
	return ret;
}

static void cv_hash(const uint8_t prev[32], const struct cv_content *c, uint8_t out[32])
{
	cv_log_link_event(prev, c->kind, c->time, c->rec, c->len, c->has_event ? (uint32_t)c->event : 0, out);
}

/* Whether the query columns of the current row (from column 5 on) say what its contents say. */
static void cv_check_columns(struct cv_ver *v, int64_t pos, sqlite3_stmt *st, const struct cv_content *c)
{
	struct camvault_rec rec;
	const struct camvault_rec *r = &rec;
	bool access = c->kind == CV_LOG_ACCESS && !cv_rec_from_blob(&rec, c->rec, c->len);
	char desc[512], got[160], want[160];
	size_t i;

	cv_describe(v->rows[pos].id, c, desc, sizeof(desc));
	/* text (3) and lost (4) are an event's and a lost count's; every other kind has them NULL. */
	if (c->kind == CV_LOG_EVENT &&
	    (sqlite3_column_type(st, 3) != SQLITE_TEXT || (size_t)sqlite3_column_bytes(st, 3) != c->len ||
	     memcmp(sqlite3_column_text(st, 3), c->rec, c->len))) {
		cv_find(v, pos, CV_VERIFY_ALTERED, "%s was altered after it was logged: its text column no longer "
			"says what was logged", desc);
		return;
	}
	if (c->kind == CV_LOG_LOST && c->len == 8) {
		uint64_t n = 0;

		for (i = 0; i < 8; i++)
			n = n << 8 | c->rec[i];
		if (sqlite3_column_type(st, 4) != SQLITE_INTEGER || (uint64_t)sqlite3_column_int64(st, 4) != n) {
			cv_find(v, pos, CV_VERIFY_ALTERED, "%s was altered after it was logged: its lost column no "
				"longer says what was logged", desc);
			return;
		}
	}
	/* event: a code camvault writes (1..2^32-1), on an event row only; NULL, an event without one. */
	if (c->has_event && (c->kind != CV_LOG_EVENT || sqlite3_column_type(st, 7 + (int)cv_log_ncols) !=
			     SQLITE_INTEGER || c->event < 1 || c->event > UINT32_MAX)) {
		cv_find(v, pos, CV_VERIFY_ALTERED, "%s was altered after it was logged: %s", desc,
			c->kind != CV_LOG_EVENT ? "it has an event column, which its kind has not" :
			"its event column holds no code camvault writes");
		return;
	}
	if ((c->kind != CV_LOG_EVENT && sqlite3_column_type(st, 3) != SQLITE_NULL) ||
	    (c->kind != CV_LOG_LOST && sqlite3_column_type(st, 4) != SQLITE_NULL)) {
		cv_find(v, pos, CV_VERIFY_ALTERED, "%s was altered after it was logged: it has a %s column, which "
			"its kind has not", desc, c->kind != CV_LOG_EVENT && sqlite3_column_type(st, 3) != SQLITE_NULL ?
			"text" : "lost");
		return;
	}
	for (i = 0; i < cv_log_ncols; i++) {
		const struct cv_log_col *col = &cv_log_cols[i];
		int k = 5 + (int)i, type = sqlite3_column_type(st, k);
		const char *s;
		size_t n;

		if (!access) {
			if (type == SQLITE_NULL)
				continue;
			cv_find(v, pos, CV_VERIFY_ALTERED, "%s was altered after it was logged: it has a %s column, "
				"which a row of its kind has not", desc, col->name);
			return;
		}
		if (col->kind == CV_COL_INT) {
			int64_t want_i = cv_log_col_int(col, r);

			if (type == SQLITE_INTEGER && sqlite3_column_int64(st, k) == want_i)
				continue;
			cv_clean((const char *)sqlite3_column_text(st, k), (size_t)sqlite3_column_bytes(st, k), 60,
				 got, sizeof(got));
			snprintf(want, sizeof(want), "%lld", (long long)want_i);
		} else {
			s = cv_log_col_str(col, r, &n);
			if (type == SQLITE_TEXT && (size_t)sqlite3_column_bytes(st, k) == n &&
			    !memcmp(sqlite3_column_text(st, k), s, n))
				continue;
			cv_clean((const char *)sqlite3_column_text(st, k), (size_t)sqlite3_column_bytes(st, k), 60,
				 got, sizeof(got));
			cv_clean(s, n, 60, want, sizeof(want));
		}
		cv_find(v, pos, CV_VERIFY_ALTERED, "%s was altered after it was logged: its %s column says '%s' but "
			"the logged record says '%s'", desc, col->name, got, want);
		return;
	}
}

/* Pass 1: every row in id order; the stored and the recomputed chain, gaps, query columns. */
static int cv_rows(struct cv_ver *v, FILE *errf)
{
	char sql[1024], desc[512], prev_desc[512] = "the start of the log", range[64];
	sqlite3_stmt *st = NULL;
	size_t len, i, cap = 1024;
	int rc;

	len = (size_t)snprintf(sql, sizeof(sql), "SELECT id, kind, time, text, lost");
	for (i = 0; i < cv_log_ncols; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", %s", cv_log_cols[i].name);
	snprintf(sql + len, sizeof(sql) - len, ", rec, link, %s FROM records ORDER BY id", cv_event_col(v));
	v->rows = calloc(cap, sizeof(*v->rows));
	if (!v->rows || sqlite3_prepare_v2(v->log.db, sql, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	cv_log_genesis(v->log.log_id, v->rows[0].link);
	memcpy(v->rows[0].chain, v->rows[0].link, 32);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int nc = 5 + (int)cv_log_ncols;
		struct cv_content c = { 0 };
		struct cv_vrow *row, *prev;
		int64_t pos = ++v->n;

		if ((size_t)pos == cap) {
			struct cv_vrow *more = realloc(v->rows, 2 * cap * sizeof(*v->rows));

			if (!more)
				goto fail;
			v->rows = more;
			memset(v->rows + cap, 0, cap * sizeof(*v->rows));
			cap *= 2;
		}
		row = &v->rows[pos];
		prev = &v->rows[pos - 1];
		row->id = sqlite3_column_int64(st, 0);
		c.kind = cv_log_kind_parse((const char *)sqlite3_column_text(st, 1));
		c.time = sqlite3_column_int64(st, 2);
		c.rec = (uint8_t *)sqlite3_column_blob(st, nc);
		c.len = (size_t)sqlite3_column_bytes(st, nc);
		c.has_event = sqlite3_column_type(st, nc + 2) != SQLITE_NULL;
		c.event = sqlite3_column_int64(st, nc + 2);
		if (sqlite3_column_bytes(st, nc + 1) == 32)
			memcpy(row->link, sqlite3_column_blob(st, nc + 1), 32);
		cv_describe(row->id, &c, desc, sizeof(desc));
		cv_hash(prev->chain, &c, row->chain);
		if (!memcmp(prev->chain, prev->link, 32))
			row->broken = memcmp(row->chain, row->link, 32);
		else {
			uint8_t local[32];

			cv_hash(prev->link, &c, local);
			row->broken = memcmp(local, row->link, 32);
		}
		if (row->id != prev->id + 1) {
			row->explained = true;
			cv_find(v, pos, CV_VERIFY_DELETED, "%s, between %s and %s, %s", cv_range(range, sizeof(range),
				"row", prev->id + 1, row->id - 1), prev_desc, desc, row->id == prev->id + 2 ?
				"is missing: it was deleted" : "are missing: they were deleted");
		}
		if (!c.kind)
			cv_find(v, pos, CV_VERIFY_ALTERED, "%s was altered after it was logged: its kind '%s' is none "
				"camvault writes", desc, sqlite3_column_text(st, 1));
		else if (sqlite3_column_bytes(st, nc + 1) != 32)
			cv_find(v, pos, CV_VERIFY_ALTERED, "%s was altered after it was logged: its link has %d bytes, "
				"not 32", desc, sqlite3_column_bytes(st, nc + 1));
		else
			cv_check_columns(v, pos, st, &c);
		snprintf(prev_desc, sizeof(prev_desc), "%s", desc);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	fprintf(errf, "camvault: reading the rows of %s (%s): check that it is a camvault access log, and "
		"readable\n", v->log.path, sqlite3_errmsg(v->log.db));
	sqlite3_finalize(st);
	return -1;
}

/* Whether H(rows[p - 1].link || c) is want. */
static bool cv_follows(struct cv_ver *v, int64_t p, const struct cv_content *c, const uint8_t want[32])
{
	uint8_t h[32];

	cv_hash(v->rows[p - 1].link, c, h);
	return !memcmp(h, want, 32);
}

/* Pass 2, for the row at position i whose link does not follow from its predecessor's: what happened. */
static int cv_classify(struct cv_ver *v, const struct cv_ckpt *ck, int nck, int64_t i)
{
	struct cv_content c, next;
	char desc[512], range[64];
	uint8_t h0[32];
	int64_t p, k;
	int j;

	if (cv_content_load(v, i, &c))
		return -1;
	cv_describe(v->rows[i].id, &c, desc, sizeof(desc));
	/* Does the row follow from some other row's link? */
	for (p = 1; p <= v->n; p++) {
		uint8_t h[32];

		if (p == i)
			continue;
		cv_hash(v->rows[p - 1].link, &c, h);
		if (!memcmp(h, v->rows[i].link, 32) && p < i && i - p <= 8) {
			cv_find(v, i, CV_VERIFY_DELETED, "%s %s inserted before %s: that row was logged right after "
				"row %lld", cv_range(range, sizeof(range), "row", v->rows[p].id, v->rows[i - 1].id),
				i - p > 1 ? "were" : "was", desc, (long long)v->rows[p - 1].id);
			goto out;
		}
		if (!memcmp(h, v->rows[i].link, 32) || !memcmp(h, v->rows[p].link, 32)) {
			cv_find(v, i, CV_VERIFY_REORDERED, "%s is out of place: it was logged right after row %lld, "
				"not after row %lld (the rows were reordered)", desc, (long long)v->rows[p - 1].id,
				(long long)v->rows[i - 1].id);
			goto out;
		}
	}
	/* Rows i..i+k-1 inserted: row i + k follows from row i - 1. */
	for (k = 1; k <= 8 && i + k <= v->n; k++) {
		bool hit;

		if (cv_content_load(v, i + k, &next))
			goto fail;
		hit = cv_follows(v, i, &next, v->rows[i + k].link);
		cv_content_free(&next);
		if (!hit)
			continue;
		cv_find(v, i, CV_VERIFY_DELETED, "%s%s was inserted: it is not in the chain, which goes on from row "
			"%lld to row %lld", k > 1 ? "from " : "", desc, (long long)v->rows[i - 1].id,
			(long long)v->rows[i + k].id);
		v->rows[i + k].explained = true;
		goto out;
	}
	/* Only the link changed: the next row follows from the link the contents give. */
	cv_hash(v->rows[i - 1].link, &c, h0);
	if (i < v->n && !cv_content_load(v, i + 1, &next)) {
		uint8_t h1[32];

		cv_hash(h0, &next, h1);
		cv_content_free(&next);
		if (!memcmp(h1, v->rows[i + 1].link, 32)) {
			cv_find(v, i, CV_VERIFY_ALTERED, "the link of %s was altered after it was logged (its contents "
				"are as logged)", desc);
			v->rows[i + 1].explained = true;
			goto out;
		}
	}
	/* Rows deleted and the ids renumbered: a checkpoint's head now sits at an earlier row. */
	for (j = 0; j < nck; j++)
		for (p = i; p <= v->n && p < ck[j].row_count; p++)
			if (!memcmp(v->rows[p].link, ck[j].head, 32)) {
				cv_find(v, i, CV_VERIFY_DELETED, "%lld row(s) before %s were deleted and the ids after "
					"them renumbered: checkpoint %lld covered %lld rows, and its last row is now row "
					"%lld", (long long)(ck[j].row_count - p), desc, (long long)ck[j].id,
					(long long)ck[j].row_count, (long long)v->rows[p].id);
				goto out;
			}
	cv_find(v, i, CV_VERIFY_ALTERED, "%s was altered after it was logged: its link does not match", desc);
out:
	cv_content_free(&c);
	return 0;
fail:
	cv_content_free(&c);
	return -1;
}

/* All checkpoints, in id order, with their signatures; *nck of them (the caller frees *ck and *sigs). */
static int cv_ckpts_load(struct cv_ver *v, struct cv_ckpt **ck, uint8_t (**sigs)[CV_SIG_MAX], size_t **sig_len,
			 int *nck, FILE *errf)
{
	sqlite3_stmt *st = NULL;
	int rc, cap = 64;

	*nck = 0;
	*ck = calloc((size_t)cap, sizeof(**ck));
	*sigs = calloc((size_t)cap, sizeof(**sigs));
	*sig_len = calloc((size_t)cap, sizeof(**sig_len));
	if (!*ck || !*sigs || !*sig_len ||
	    sqlite3_prepare_v2(v->log.db, "SELECT id, row_count, head, time, nv_index, nv_counter, key_fpr, signature "
			       "FROM checkpoints ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cv_ckpt *c;
		int n = *nck;

		if (n == cap) {
			void *a = realloc(*ck, 2 * (size_t)cap * sizeof(**ck));
			void *b = a ? realloc(*sigs, 2 * (size_t)cap * sizeof(**sigs)) : NULL;
			void *d = b ? realloc(*sig_len, 2 * (size_t)cap * sizeof(**sig_len)) : NULL;

			if (a)
				*ck = a;
			if (b)
				*sigs = b;
			if (d)
				*sig_len = d;
			if (!d)
				goto fail;
			cap *= 2;
		}
		c = &(*ck)[n];
		memset(c, 0, sizeof(*c));
		c->id = sqlite3_column_int64(st, 0);
		c->row_count = sqlite3_column_int64(st, 1);
		if (sqlite3_column_bytes(st, 2) == 32)
			memcpy(c->head, sqlite3_column_blob(st, 2), 32);
		c->time_ns = sqlite3_column_int64(st, 3);
		c->nv_index = (uint32_t)sqlite3_column_int64(st, 4);
		c->nv_counter = (uint64_t)sqlite3_column_int64(st, 5);
		if (sqlite3_column_bytes(st, 6) == 32)
			memcpy(c->key_fpr, sqlite3_column_blob(st, 6), 32);
		(*sig_len)[n] = (size_t)sqlite3_column_bytes(st, 7);
		if ((*sig_len)[n] > CV_SIG_MAX)
			(*sig_len)[n] = 0;	/* no valid signature is that long */
		memcpy((*sigs)[n], sqlite3_column_blob(st, 7), (*sig_len)[n]);
		(*nck)++;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	fprintf(errf, "camvault: reading the checkpoints of %s (%s): check that it is a camvault access log\n",
		v->log.path, sqlite3_errmsg(v->log.db));
	sqlite3_finalize(st);
	return -1;
}

static void cv_ckpt_describe(const struct cv_ckpt *c, char *buf, size_t len)
{
	char when[32];

	cv_wall_format(c->time_ns, when, sizeof(when));
	snprintf(buf, len, "checkpoint %lld (%lld rows, %s)", (long long)c->id, (long long)c->row_count, when);
}

/* Pass 3: every checkpoint against the rows, the key, and its predecessor. */
static void cv_ckpts_check(struct cv_ver *v, const struct cv_ckpt *ck, uint8_t (*sigs)[CV_SIG_MAX],
			   const size_t *sig_len, int nck, EVP_PKEY *key, const uint8_t fpr[32])
{
	int64_t after = v->n + 1;	/* checkpoint findings come after the rows' */
	bool truncated = false;
	char desc[160], fp[48], range[64];
	uint8_t digest[32];
	int i;

	if (!nck) {
		cv_find(v, after, CV_VERIFY_TRUNCATED, "the log has no checkpoint, and a log always has one from "
			"its creation: the checkpoints were deleted");
		return;
	}
	for (i = 0; i < nck; i++) {
		const struct cv_ckpt *c = &ck[i], *p = i ? &ck[i - 1] : NULL;
		int64_t want_id = p ? p->id + 1 : 1;

		cv_ckpt_describe(c, desc, sizeof(desc));
		if (memcmp(c->key_fpr, fpr, 32)) {
			cv_logsig_fpr_text(c->key_fpr, fp, sizeof(fp));
			cv_find(v, after + i, CV_VERIFY_BADSIG, "%s names another signing key (%s) than the one it is "
				"checked with: it was forged or altered", desc, fp);
		} else {
			cv_ckpt_digest(c, v->log.log_id, digest);
			if (!cv_logsig_check(key, digest, sigs[i], sig_len[i]))
				cv_find(v, after + i, CV_VERIFY_BADSIG, "%s has a bad signature: it was forged, or "
					"altered after it was signed", desc);
		}
		if (c->id != want_id)
			cv_find(v, after + i, CV_VERIFY_TRUNCATED, "%s before %s %s missing: deleted",
				cv_range(range, sizeof(range), "checkpoint", want_id, c->id - 1), desc,
				c->id - want_id > 1 ? "are" : "is");
		else if (p && c->nv_counter <= p->nv_counter)
			cv_find(v, after + i, CV_VERIFY_REORDERED, "%s has TPM counter %llu, not more than checkpoint "
				"%lld's %llu: the checkpoints were reordered or replayed", desc,
				(unsigned long long)c->nv_counter, (long long)p->id, (unsigned long long)p->nv_counter);
		else if (p && c->nv_counter != p->nv_counter + 1)
			cv_find(v, after + i, CV_VERIFY_TRUNCATED, "%s has TPM counter %llu but checkpoint %lld has "
				"%llu: %llu checkpoint(s) between them were deleted, and the agent went on",
				desc, (unsigned long long)c->nv_counter, (long long)p->id,
				(unsigned long long)p->nv_counter,
				(unsigned long long)(c->nv_counter - p->nv_counter - 1));
		if (p && c->row_count < p->row_count)
			cv_find(v, after + i, CV_VERIFY_REORDERED, "%s covers fewer rows than checkpoint %lld (%lld): "
				"the checkpoints were reordered", desc, (long long)p->id, (long long)p->row_count);
		if (c->row_count > v->n || c->row_count < 0) {
			/* Rows deleted before the end already explain a short log. */
			if (!truncated && v->first_row_finding > v->n)
				cv_find(v, after + i, CV_VERIFY_TRUNCATED, "%s covers %lld rows but the log ends at row "
					"%lld: %s %s deleted (the log was truncated)", desc, (long long)c->row_count,
					(long long)v->rows[v->n].id,
					cv_range(range, sizeof(range), "row", v->n + 1, c->row_count),
					c->row_count - v->n > 1 ? "were" : "was");
			truncated = true;
		} else if (memcmp(c->head, v->rows[c->row_count].chain, 32) && v->first_row_finding > c->row_count) {
			cv_find(v, after + i, CV_VERIFY_ALTERED, "%s does not match the rows it covers: rows up to row "
				"%lld were rewritten and their links recomputed", desc,
				(long long)v->rows[c->row_count].id);
		}
	}
}

/* Pass 4: the TPM counter against the last checkpoint. Notes go to *note. */
static void cv_counter_check(struct cv_ver *v, const struct cv_ckpt *last, char *note, size_t notelen)
{
	char err[512], desc[160];
	struct cv_tpm tpm;
	uint64_t now;
	int ret;

	if (cv_tpm_open(&tpm, err, sizeof(err))) {
		snprintf(note, notelen, "No TPM to ask (%s): whether checkpoints were removed from the end could not "
			 "be checked; run verify on the machine that keeps the log.", err);
		return;
	}
	cv_ckpt_describe(last, desc, sizeof(desc));
	ret = cv_logkey_check(&tpm, &v->log.key, err, sizeof(err));
	if (ret == CV_SEAL_EOTHER_TPM) {
		snprintf(note, notelen, "This is not the log's TPM (it cannot load the log's key): whether checkpoints "
			 "were removed from the end could not be checked; run verify on the machine that keeps the log.");
		goto out;
	}
	if (ret) {
		snprintf(note, notelen, "The TPM could not be asked for the log's counter (%s): whether checkpoints "
			 "were removed from the end was not checked.", err);
		goto out;
	}
	ret = cv_lognv_read(&tpm, last->nv_index, &now, err, sizeof(err));
	if (!ret && v->log.nv_auth_len && cv_lognv_weak(&tpm, last->nv_index, err, sizeof(err)) == 1) {
		cv_find(v, INT64_MAX, CV_VERIFY_TRUNCATED, "the TPM counter 0x%08x is of the old kind that anyone with "
			"TPM access can increment, but the log was made with a protected one: the counter was undefined "
			"and replaced, so whether the log was truncated cannot be told", last->nv_index);
	} else if (ret == CV_SEAL_ENO_NV) {
		cv_find(v, INT64_MAX, CV_VERIFY_TRUNCATED, "%s: the log's TPM counter is gone (%s), on the TPM that "
			"holds the log's key: it was removed, which hides whether the log was truncated", desc, err);
	} else if (ret) {
		snprintf(note, notelen, "The TPM could not be asked for the log's counter (%s): whether checkpoints "
			 "were removed from the end was not checked.", err);
	} else if (now > last->nv_counter) {
		/* A counter of the old kind (empty authValue): whoever reaches the TPM could have bumped it. */
		int weak = cv_lognv_weak(&tpm, last->nv_index, err, sizeof(err)) == 1;

		cv_find(v, INT64_MAX, CV_VERIFY_TRUNCATED, "the TPM counter 0x%08x is at %llu but the last checkpoint "
			"is %s with %llu: %llu checkpoint(s) after it were deleted, with the rows they covered (the log "
			"was truncated after row %lld)%s", last->nv_index, (unsigned long long)now, desc,
			(unsigned long long)last->nv_counter, (unsigned long long)(now - last->nv_counter),
			(long long)v->rows[v->n].id, weak ? "; or, as this counter is of the old kind that anyone "
			"with TPM access can increment (a log made before camvault protected it), the counter was "
			"bumped" : "");
	} else if (now + 1 == last->nv_counter) {
		snprintf(note, notelen, "The TPM counter 0x%08x is one behind the last checkpoint: the agent stopped "
			 "between writing it and counting it (a crash or power cut); its next checkpoint repairs this.",
			 last->nv_index);
	} else if (now < last->nv_counter) {
		cv_find(v, INT64_MAX, CV_VERIFY_TRUNCATED, "the TPM counter 0x%08x is at %llu, behind the last "
			"checkpoint (%s, %llu): the counter was replaced, so whether the log was truncated cannot be "
			"told", last->nv_index, (unsigned long long)now, desc, (unsigned long long)last->nv_counter);
	} else {
		snprintf(note, notelen, "The TPM counter 0x%08x (%llu) matches the last checkpoint: no checkpoint was "
			 "removed from the end.", last->nv_index, (unsigned long long)now);
	}
out:
	cv_tpm_close(&tpm);
}

static int cv_cmp_finding(const void *a, const void *b)
{
	const struct cv_finding *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x < y ? -1 : x > y;	/* found first, told first */
}

/* The key the checkpoints are checked with: the owner's copy, or the one in the log. */
static EVP_PKEY *cv_verify_key(struct cv_ver *v, const char *pubkey, uint8_t fpr[32], FILE *out, FILE *errf)
{
	uint8_t spki[CV_SPKI_MAX], own[CV_SPKI_MAX], own_fpr[32];
	size_t spki_len = 0, own_len;
	char err[512], a[48], b[48];
	EVP_PKEY *key;
	bool stored;

	stored = !cv_logsig_spki(v->log.key.pub, v->log.key.pub_len, spki, &spki_len, err, sizeof(err));
	if (!pubkey) {
		if (!stored) {
			cv_find(v, 0, CV_VERIFY_BADSIG, "the log's signing key cannot be read (%s): no checkpoint can be "
				"checked; check the log with the owner's copy (--pubkey)", err);
			return NULL;
		}
		cv_logsig_fpr(spki, spki_len, fpr);
		cv_logsig_fpr_text(fpr, a, sizeof(a));
		fprintf(out, "Checking the signatures with the key stored in the log (%s), not with the owner's copy "
			"(--pubkey): someone who rewrote the whole log with a key of their own would pass; compare the "
			"fingerprint with your copy's.\n", a);
		return cv_logsig_pkey(spki, spki_len, err, sizeof(err));
	}
	if (cv_logsig_read_pem(pubkey, own, &own_len, err, sizeof(err))) {
		fprintf(errf, "camvault: %s\n", err);
		return NULL;
	}
	key = cv_logsig_pkey(own, own_len, err, sizeof(err));
	cv_logsig_fpr(own, own_len, fpr);
	if (!stored || spki_len != own_len || memcmp(spki, own, own_len)) {
		cv_logsig_fpr_text(fpr, a, sizeof(a));
		if (stored) {
			cv_logsig_fpr(spki, spki_len, own_fpr);
			cv_logsig_fpr_text(own_fpr, b, sizeof(b));
		} else {
			snprintf(b, sizeof(b), "unreadable");
		}
		cv_find(v, 0, CV_VERIFY_BADSIG, "the log's signing key (%s) is not the owner's key in %s (%s): the "
			"key in the log was replaced, or %s is another log's key", b, pubkey, a, pubkey);
	}
	return key;
}

int cv_verify(const struct cv_verify_opts *o, FILE *out, FILE *errf)
{
	uint8_t (*sigs)[CV_SIG_MAX] = NULL, fpr[32];
	struct cv_ckpt *ck = NULL;
	size_t *sig_len = NULL;
	char err[768], note[768] = "", when[32];
	struct cv_ver *v;
	EVP_PKEY *key = NULL;
	char more[CV_MAX_BREAKS * 24];
	int64_t i, first_break = 0;
	size_t more_len;
	int nck = 0, status = CV_VERIFY_EUSAGE, breaks = 0, j;

	v = calloc(1, sizeof(*v));
	if (!v) {
		fprintf(errf, "camvault: out of memory\n");
		return CV_VERIFY_EUSAGE;
	}
	v->first_row_finding = INT64_MAX;
	if (cv_log_open_ro(&v->log, o->db, err, sizeof(err))) {
		fprintf(errf, "camvault: %s\n", err);
		free(v);
		return CV_VERIFY_EUSAGE;
	}
	if (cv_rows(v, errf) || cv_ckpts_load(v, &ck, &sigs, &sig_len, &nck, errf))
		goto out;
	/*
	 * The first break is told in detail. The ones after it are often its consequences (a moved row breaks the
	 * chain where it went and where it came from), which a sentence each would misname: they are listed.
	 */
	for (i = 1, more_len = 0; i <= v->n; i++) {
		if (!v->rows[i].broken || v->rows[i].explained)
			continue;
		if (breaks++) {
			if (breaks <= CV_MAX_BREAKS)
				more_len += (size_t)snprintf(more + more_len, sizeof(more) - more_len, "%s%lld",
							     breaks > 2 ? ", " : "", (long long)v->rows[i].id);
			continue;
		}
		first_break = i;
		if (cv_classify(v, ck, nck, i)) {
			fprintf(errf, "camvault: reading row %lld of %s (%s)\n", (long long)v->rows[i].id, v->log.path,
				sqlite3_errmsg(v->log.db));
			goto out;
		}
	}
	if (breaks > 1)
		cv_find(v, first_break, CV_VERIFY_ALTERED, "after that, the chain also breaks at row%s %s%s (from the "
			"same change, or others)", breaks > 2 ? "s" : "", more, breaks > CV_MAX_BREAKS ? " and more" : "");
	key = cv_verify_key(v, o->pubkey, fpr, out, errf);
	if (!key && o->pubkey && !v->nf)
		goto out;
	if (key)
		cv_ckpts_check(v, ck, sigs, sig_len, nck, key, fpr);
	if (nck && !o->no_tpm)
		cv_counter_check(v, &ck[nck - 1], note, sizeof(note));
	else if (o->no_tpm)
		snprintf(note, sizeof(note), "The TPM was not asked (--no-tpm): whether checkpoints were removed from "
			 "the end was not checked.");

	qsort(v->f, (size_t)v->nf, sizeof(v->f[0]), cv_cmp_finding);
	for (j = 0; j < v->nf; j++)
		fprintf(out, "%s.\n", v->f[j].msg);
	if (v->dropped)
		fprintf(out, "And %d more findings.\n", v->dropped);
	if (v->nf) {
		status = v->f[0].status;
		fprintf(out, "%s does NOT verify (exit status %d).\n", v->log.path, status);
		goto out;
	}
	status = CV_VERIFY_OK;
	cv_wall_format(ck[nck - 1].time_ns, when, sizeof(when));
	fprintf(out, "%s verifies: %lld rows, %d checkpoints (the last, at %s, covers %lld rows); the chain, the "
		"query columns and every signature are intact.\n", v->log.path, (long long)v->n, nck, when,
		(long long)ck[nck - 1].row_count);
	if (note[0])
		fprintf(out, "%s\n", note);
	if (v->n > ck[nck - 1].row_count)
		fprintf(out, "Rows %lld to %lld came after the last checkpoint: they are not protected until the next "
			"one (every %d rows or %d minutes by default, and at the agent's clean stop).\n",
			(long long)v->rows[ck[nck - 1].row_count + 1].id, (long long)v->rows[v->n].id, CV_LOG_EVERY_ROWS,
			CV_LOG_EVERY_S / 60);
out:
	EVP_PKEY_free(key);
	free(ck);
	free(sigs);
	free(sig_len);
	free(v->rows);
	sqlite3_close(v->log.db);
	free(v);
	return status;
}
