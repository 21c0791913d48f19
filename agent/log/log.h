/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The access log: an SQLite database (WAL) of access records, kernel events and lost-event counts, each row a
 * link of a SHA-256 hash chain, with checkpoints of the chain signed by a TPM key and numbered by a TPM
 * counter (logkey.h), so that "camvault verify" finds rows altered, deleted, inserted, reordered or truncated.
 *
 * Where: cv_db_path(), $CAMVAULT_DB when set, else /var/lib/camvault/access.db; its directory is created 0700.
 *
 * Schema (PRAGMA user_version = CV_LOG_SCHEMA):
 *	meta(name TEXT PRIMARY KEY, value BLOB)	log_id (16 random bytes), key_srk_alg, key_pub, key_priv (the
 *						TPM signing key's blobs), nv_index (the counter), nv_auth (its
 *						authValue, 32 bytes; missing in logs made before it had one)
 *	records(id INTEGER PRIMARY KEY, kind, time, <the record's fields>, text, lost, rec BLOB, link BLOB,
 *		event INTEGER)
 *	checkpoints(id INTEGER PRIMARY KEY, row_count, head, time, nv_index, nv_counter, key_fpr, signature)
 * Row ids are 1, 2, 3... with no gaps; kind is 'access' (rec holds the exact bytes of struct camvault_rec),
 * 'event' (rec holds the text, also in text) or 'lost' (rec holds the count, 8 bytes big-endian, also in
 * lost). time is the wall clock, ns since the epoch (UTC). The record's fields (type, pid, uid, comm, path...)
 * are copies of what rec holds, for queries; verify checks that they still say what rec says. event (schema
 * 2 on) is an event row's code (enum cv_log_event, 1..2^32-1), NULL for an event with none (free text) and
 * for every other kind. Schema 1 logs have no event column: cv_log_open() adds it (and sets user_version 2)
 * the first time it opens one read-write; their rows keep NULL there, so their links do not change.
 *
 * The chain: link(0) = SHA-256("camvault access log v1" NUL || log_id) and
 *	link(n) = SHA-256(link(n-1) || kind (1 byte: 1 access, 2 event, 3 lost) || time (8 bytes big-endian) ||
 *			  length of rec (4 bytes big-endian) || rec [|| event (4 bytes big-endian)])
 * where the event code is hashed only when the row has one (event not NULL): a row without a code, which is
 * every row written before codes existed, hashes exactly as in schema 1. The length of rec tells the two
 * apart. The row id is not hashed: a row's place is its predecessor's link, which is what lets verify tell a
 * moved row (reordered, inserted before) from an altered one.
 *
 * A checkpoint n (ids 1, 2, 3... too) signs, with ECDSA P-256 over SHA-256, the message
 *	"camvault checkpoint v1" NUL || log_id (16) || n (8) || row_count (8) || head (32) || time (8) ||
 *	nv_index (4) || nv_counter (8) || key_fpr (32)			(integers big-endian)
 * where head = link(row_count) and nv_counter the value the TPM counter has once this checkpoint is taken.
 * Each checkpoint increments the counter by exactly one, so the counters of consecutive checkpoints are
 * consecutive and the last one equals the TPM's: a removed checkpoint leaves a gap, or leaves the TPM ahead.
 * The first checkpoint is taken when the log is created (row_count 0).
 *
 * What is not protected: rows after the last checkpoint, until the next one. Checkpoints are taken every
 * every_rows rows or every_s seconds (when rows came), and at cv_log_close(): a cleanly closed log ends with a
 * checkpoint. Someone who can use the TPM (root on the running machine) can sign too; the checkpoints protect
 * the log against changes made with the machine off, from another machine, and against quiet truncation.
 */
#ifndef CV_LOG_H
#define CV_LOG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log/logkey.h"
#include "tpm/tpm.h"
#include "uapi/camvault.h"
#include "util/paths.h"

#define CV_LOG_SCHEMA	2	/* 2: the event column; 1: without it (still read, upgraded on a write open) */

/* Row kinds, as hashed. */
enum cv_log_kind {
	CV_LOG_ACCESS = 1,
	CV_LOG_EVENT = 2,
	CV_LOG_LOST = 3,
};

/*
 * What an event row is about: its code (the event column, hashed). The text stays what people read (and what
 * "camvault report", verify and the owner's tools show); the code is what programs go by. Rows written before
 * codes existed have none: cv_log_event_of() reads the agent's start and stop from their text's fixed start
 * ("agent started", "agent stopped"), inside the log only. Codes are never reused or renumbered.
 */
enum cv_log_event {
	CV_EVENT_NONE = 0,			/* free text (stored as NULL) */
	CV_EVENT_AGENT_START = 1,		/* "agent started (pid P, tier T, camvault V)" */
	CV_EVENT_AGENT_STOP = 2,		/* "agent stopped (pid P)": a clean stop */
	CV_EVENT_AGENT_CRASH_DETECTED = 3,	/* an agent start that found the previous agent ended without a
						 * stop: "agent started (...; the previous agent ended without
						 * 'agent stopped')". A start as well. */
	CV_EVENT_AGENT_RELOAD = 4,		/* "agent reloaded: N vaults watched; added: ...; removed: ..." */
	CV_EVENT_AGENT_RELOAD_FAILED = 5,	/* "agent reload failed: ...", "agent reload: ... (the old alert
						 * configuration stays)" */
	CV_EVENT_PROBES_DEGRADED = 6,		/* the probes are being replaced: accesses while they load are not
						 * recorded */
	CV_EVENT_PROBES_REPLACED = 7,		/* "probes replaced (tier T, record-or-deny R)" */
	CV_EVENT_KERNEL = 8,			/* one of camvault.ko's events ("kernel: opened vault cam0") */
	CV_EVENT_KERNEL_EVENTS_LOST = 9,	/* kernel events lost (socket buffer full) or malformed, ignored */
	CV_EVENT_KERNEL_EVENTS_OFF = 10,	/* "kernel events not received: ..." */
	CV_EVENT_WATCH_DEGRADED = 11,		/* cameras not watched; files open before the probes not looked
						 * for */
	CV_EVENT_PREOPEN_FOUND = 12,		/* "found N files of footage open before the probes: ..." */
	CV_EVENT_ROD_ON = 13,			/* "vault V: record-or-deny enforced ..." */
	CV_EVENT_ROD_OFF = 14,			/* "vault V: record-or-deny not enforced: ..." (and a recorder not
						 * allowed) */
};

/* "agent-start", "agent-stop"...; "none" for CV_EVENT_NONE, "unknown" for a code this camvault does not know. */
const char *cv_log_event_name(enum cv_log_event ev);

/* Whether ev starts an agent (CV_EVENT_AGENT_START or CV_EVENT_AGENT_CRASH_DETECTED). */
bool cv_log_event_is_start(enum cv_log_event ev);

/*
 * An event row's code: code when it has one (not 0), else what its text says by its fixed start, for rows
 * written before codes: "agent started..." CV_EVENT_AGENT_START, "agent stopped..." CV_EVENT_AGENT_STOP, else
 * CV_EVENT_NONE. text may be NULL.
 */
enum cv_log_event cv_log_event_of(int64_t code, const char *text);

#define CV_LOG_EVERY_ROWS	1000	/* default checkpoint cadence */
#define CV_LOG_EVERY_S		600
#define CV_LOG_TEXT_MAX		4096	/* an event's text */

struct cv_log_opts {
	unsigned int every_rows;	/* checkpoint once this many rows came since the last; 0: default */
	unsigned int every_s;		/* or once this many seconds passed and a row came; 0: default */
};

struct cv_log {
	struct sqlite3 *db;
	struct sqlite3_stmt *insert;	/* the records INSERT: prepared at the first append, kept till the close */
	struct cv_tpm *tpm;		/* NULL: no checkpoints (read-only uses, tests) */
	struct cv_log_opts opts;
	uint8_t log_id[16];
	struct cv_logkey key;
	uint32_t nv_index;
	uint8_t nv_auth[CV_LOGNV_AUTH_BYTES];	/* the counter's authValue (meta 'nv_auth'), wiped at the close */
	size_t nv_auth_len;		/* 0: a counter of the old kind, with none */
	int64_t ckpt_rows;		/* rows the last checkpoint covers */
	int64_t ckpt_mono_s;		/* CLOCK_MONOTONIC seconds of the last checkpoint (or of the open) */
	char path[PATH_MAX];
	bool batch;			/* in cv_log_begin() .. cv_log_commit() */
	/*
	 * The last row as this connection last wrote or read it, so that an append need not read it back. Not
	 * known (read again when next needed) after the open and after anything that may have undone rows: a
	 * rollback, a failed append.
	 */
	int schema;			/* PRAGMA user_version as opened (after an upgrade); 0: not known (peek) */
	bool head_known;
	int64_t head_id;
	uint8_t head_link[32];
};

/* A checkpoint as signed. */
struct cv_ckpt {
	int64_t id;
	int64_t row_count;
	uint8_t head[32];
	int64_t time_ns;
	uint32_t nv_index;
	uint64_t nv_counter;
	uint8_t key_fpr[32];
};

/*
 * Opens the log at path (NULL: cv_db_path()), creating it (and its directory, 0700) when missing. With tpm,
 * a new log gets its signing key, its counter and its first checkpoint; with tpm NULL, a new log cannot be
 * created (it would have no key) and no checkpoints are taken. opts NULL: the defaults. Returns 0, or -1.
 */
int cv_log_open(struct cv_log *log, const char *path, struct cv_tpm *tpm, const struct cv_log_opts *opts,
		char *err, size_t errlen);

/*
 * Opens an existing log read-only, for verify and key export: no TPM use, no checkpoints. Returns 0, or -1.
 */
int cv_log_open_ro(struct cv_log *log, const char *path, char *err, size_t errlen);

/*
 * Appends one row and, when one is due, a checkpoint. wall_ns: the row's time on the wall clock (for a record,
 * when it closed: close_ns + cv_boot_to_wall_offset()). Returns 0; -1 when the row could not be logged; -2
 * when the row was logged but the checkpoint failed (err says why; the next append tries again).
 */
int cv_log_append_rec(struct cv_log *log, const struct camvault_rec *r, int64_t wall_ns, char *err,
		      size_t errlen);
int cv_log_append_event(struct cv_log *log, enum cv_log_kind kind, const char *text, int64_t wall_ns, char *err,
			size_t errlen);
/* An event with its code (CV_EVENT_NONE: as cv_log_append_event()). Returns as cv_log_append_rec(). */
int cv_log_append_event_code(struct cv_log *log, enum cv_log_event ev, const char *text, int64_t wall_ns,
			     char *err, size_t errlen);
int cv_log_append_lost(struct cv_log *log, uint64_t count, int64_t wall_ns, char *err, size_t errlen);

/*
 * A batch of appends in one transaction, for the agent, which must have a batch of records in the log before
 * they leave the probes' ring buffer, and cannot pay a commit (an fsync) per record. Between cv_log_begin()
 * and cv_log_commit(), appends take no checkpoint, and one that fails (-1) leaves the batch for the caller to
 * roll back. cv_log_commit() takes the checkpoint that came due, if any: 0, -1 (nothing committed, rolled
 * back), -2 (committed, the checkpoint failed). The caller may write its own rows (the outbox) in between:
 * they commit or roll back with the batch.
 */
int cv_log_begin(struct cv_log *log, char *err, size_t errlen);
int cv_log_commit(struct cv_log *log, char *err, size_t errlen);
void cv_log_rollback(struct cv_log *log);

/*
 * Takes a checkpoint now, whether or not rows came since the last. Returns 0 or -1 (needs the TPM). When the
 * TPM counter is one behind the last checkpoint (a crash between a checkpoint's commit and its increment), it
 * is incremented first: that is the repair.
 */
int cv_log_checkpoint(struct cv_log *log, char *err, size_t errlen);

/* Takes a checkpoint if one is due by time: for the agent to call every minute or so. 0, -1. */
int cv_log_tick(struct cv_log *log, char *err, size_t errlen);

/* Takes a checkpoint if rows came since the last (with a TPM), and closes. 0, or -1 (closed all the same). */
int cv_log_close(struct cv_log *log, char *err, size_t errlen);

/* link(0) of a log. */
void cv_log_genesis(const uint8_t log_id[16], uint8_t link[32]);

/* link(n) from link(n-1) and row n's kind, time and rec: a row without an event code. */
void cv_log_link(const uint8_t prev[32], enum cv_log_kind kind, int64_t time_ns, const void *rec, size_t rec_len,
		 uint8_t link[32]);

/* The same with the row's event code: event 0 (none) hashes as cv_log_link(), any other is hashed after rec. */
void cv_log_link_event(const uint8_t prev[32], enum cv_log_kind kind, int64_t time_ns, const void *rec,
		       size_t rec_len, uint32_t event, uint8_t link[32]);

/* The digest a checkpoint's signature signs: SHA-256 of its message (above). */
void cv_ckpt_digest(const struct cv_ckpt *c, const uint8_t log_id[16], uint8_t digest[32]);

/* "access", "event", "lost" and back (0 for anything else). */
const char *cv_log_kind_name(enum cv_log_kind kind);
enum cv_log_kind cv_log_kind_parse(const char *name);

/*
 * The query columns of an access record, in the order the records table has them after id, kind, time; verify
 * compares each with what rec says. Integers hold the field's value (a u64 as SQLite's int64, wrapped);
 * strings the field up to its first NUL; type the type's name ("session", "unlink"...).
 */
enum cv_log_col_kind { CV_COL_INT, CV_COL_STR, CV_COL_TYPE };

struct cv_log_col {
	const char *name;
	enum cv_log_col_kind kind;
	size_t off, size;	/* the field in struct camvault_rec */
};
extern const struct cv_log_col cv_log_cols[];
extern const size_t cv_log_ncols;

int64_t cv_log_col_int(const struct cv_log_col *c, const struct camvault_rec *r);
/* A string column's text (not NUL-terminated: *len bytes), or the type's name. */
const char *cv_log_col_str(const struct cv_log_col *c, const struct camvault_rec *r, size_t *len);

/*
 * ---- Reading the log (query.c) ----
 *
 * What the rest of camvault asks of the log, typed: no caller outside agent/log/ needs the schema or SQL. Each
 * returns 0, or -1 with err ("<what> in <path> (<SQLite's message>): check it with 'camvault verify'") unless
 * said otherwise. They work on logs of schema 1 too (no event codes: the text's fixed start stands in).
 */

/* One row as the log holds it. The pointers are the cursor's, valid until its next step or its close. */
struct cv_log_row {
	int64_t id;
	enum cv_log_kind kind;		/* 0: a kind camvault does not write (a malformed row) */
	int64_t time_ns;		/* wall clock */
	const void *rec;		/* the hashed bytes: a struct camvault_rec's, an event's text, a lost count */
	size_t rec_len;
	const char *text;		/* an event's text (NUL-terminated), else NULL */
	uint64_t lost;			/* a lost row's count (its lost column), else 0 */
	enum cv_log_event event;	/* an event's code, from cv_log_event_of(); else CV_EVENT_NONE */
};

/* A cursor over rows, in id order: opened by cv_log_rows() or cv_log_last_access(), stepped by cv_log_next(). */
struct cv_log_cursor {
	struct cv_log *log;
	struct sqlite3_stmt *st;
	const char *what;		/* for errors */
	struct cv_log_row row;		/* the current row */
};

/* The rows with since_ns <= time < until_ns (until_ns 0: no end), every kind. */
int cv_log_rows(struct cv_log *log, struct cv_log_cursor *c, int64_t since_ns, int64_t until_ns, char *err,
		size_t errlen);

/* The last n access rows of the log, oldest first (what the agent may be handed again after a kill). */
int cv_log_last_access(struct cv_log *log, struct cv_log_cursor *c, unsigned int n, char *err, size_t errlen);

/* Steps c: 1 and c->row the next row, 0 at the end, -1 with err. */
int cv_log_next(struct cv_log_cursor *c, char *err, size_t errlen);

/* Ends c (also after an error, or before its end; a cursor that failed to open needs none). */
void cv_log_cursor_close(struct cv_log_cursor *c);

/* The log's end, as the agent reads it at its start. */
struct cv_log_tail {
	int64_t last_id;		/* the last row's id: the row count of an intact log; 0: no rows */
	int64_t time_ns;		/* its time; 0: no rows */
	uint8_t head[32];		/* its link (link(0) when there are no rows) */
	enum cv_log_event agent_last;	/* the last agent start or stop event (CV_EVENT_AGENT_*), CV_EVENT_NONE */
	bool clean;			/* no agent start or stop logged, or the last was a stop */
};
int cv_log_tail(struct cv_log *log, struct cv_log_tail *t, char *err, size_t errlen);

/* The sum of the 'lost' rows whose time >= since_ns, into *total. */
int cv_log_lost_since(struct cv_log *log, int64_t since_ns, uint64_t *total, char *err, size_t errlen);

/*
 * The agent's downtime, from its start and stop events over the whole log: a stop opens a gap that the next
 * start closes (clean); a start with no stop since the previous start is a crash, whose gap runs from the last
 * row logged before the start to it. A stop with no start after it is open-ended: end_ns 0, open_ended, for
 * the caller to end (a report: at its window's end). Only gaps that overlap [since_ns, until_ns) are given
 * (until_ns 0: no end), to fn in the log's order; fn returning non-zero stops the walk, which returns -1 with
 * err untouched (fn says why).
 */
struct cv_log_gap {
	int64_t start_ns, end_ns;
	bool crash;			/* the agent did not stop cleanly */
	bool open_ended;		/* no start after the stop */
};
typedef int (*cv_log_gap_fn)(void *ctx, const struct cv_log_gap *g);
int cv_log_gaps(struct cv_log *log, int64_t since_ns, int64_t until_ns, cv_log_gap_fn fn, void *ctx, char *err,
		size_t errlen);

/* Counts, for "camvault status". */
struct cv_log_stats {
	int64_t rows;			/* rows in the log */
	int64_t last_ckpt_ns;		/* wall clock of the last checkpoint, 0: none */
};

/*
 * Opens the database at path read-only as it is, checking nothing (status shows what it finds, even in a file
 * that is not a log): then cv_log_stats(), and cv_log_close(). Here and in cv_log_stats(), err is SQLite's
 * message alone. 0, or -1.
 */
int cv_log_open_peek(struct cv_log *log, const char *path, char *err, size_t errlen);
int cv_log_stats(struct cv_log *log, struct cv_log_stats *s, char *err, size_t errlen);

#endif /* CV_LOG_H */
