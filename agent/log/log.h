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
 *	records(id INTEGER PRIMARY KEY, kind, time, <the record's fields>, text, lost, rec BLOB, link BLOB)
 *	checkpoints(id INTEGER PRIMARY KEY, row_count, head, time, nv_index, nv_counter, key_fpr, signature)
 * Row ids are 1, 2, 3... with no gaps; kind is 'access' (rec holds the exact bytes of struct camvault_rec),
 * 'event' (rec holds the text, also in text) or 'lost' (rec holds the count, 8 bytes big-endian, also in
 * lost). time is the wall clock, ns since the epoch (UTC). The record's fields (type, pid, uid, comm, path...)
 * are copies of what rec holds, for queries; verify checks that they still say what rec says.
 *
 * The chain: link(0) = SHA-256("camvault access log v1" NUL || log_id) and
 *	link(n) = SHA-256(link(n-1) || kind (1 byte: 1 access, 2 event, 3 lost) || time (8 bytes big-endian) ||
 *			  length of rec (4 bytes big-endian) || rec)
 * The row id is not hashed: a row's place is its predecessor's link, which is what lets verify tell a moved
 * row (reordered, inserted before) from an altered one.
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

#define CV_LOG_SCHEMA	1

/* Row kinds, as hashed. */
enum cv_log_kind {
	CV_LOG_ACCESS = 1,
	CV_LOG_EVENT = 2,
	CV_LOG_LOST = 3,
};

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

/* link(n) from link(n-1) and row n's kind, time and rec. */
void cv_log_link(const uint8_t prev[32], enum cv_log_kind kind, int64_t time_ns, const void *rec, size_t rec_len,
		 uint8_t link[32]);

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

#endif /* CV_LOG_H */
