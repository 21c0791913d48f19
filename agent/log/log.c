// SPDX-License-Identifier: GPL-2.0
/*
 * The access log: the database, its hash chain and its checkpoints. log.h says what is hashed and signed.
 *
 * An append chains on the last row's id and link as this connection keeps them (struct cv_log's head), read
 * under the write lock (BEGIN IMMEDIATE) at the first append and again after a rollback: an append is one INSERT,
 * of a statement prepared once. Two writers never fork the chain: a row's id is the head's + 1, its PRIMARY KEY,
 * so an append after another writer's finds its id taken, reads the head again and chains on that.
 *
 * A checkpoint is committed before the TPM counter is incremented: a crash in between leaves the counter one
 * behind the last checkpoint, which cv_log_open() repairs and verify tells apart from truncation (which leaves
 * the counter ahead).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "log/log.h"
#include "log/logsig.h"
#include "tpm/tpm2-util.h"
#include "util/clock.h"
#include "util/record.h"

#define CV_FIELD(f) offsetof(struct camvault_rec, f), sizeof(((struct camvault_rec *)0)->f)

const struct cv_log_col cv_log_cols[] = {
	{ "type", CV_COL_TYPE, CV_FIELD(type) },
	{ "tier", CV_COL_INT, CV_FIELD(tier) },
	{ "flags", CV_COL_INT, CV_FIELD(rflags) },
	{ "pid", CV_COL_INT, CV_FIELD(pid) },
	{ "tid", CV_COL_INT, CV_FIELD(tid) },
	{ "ppid", CV_COL_INT, CV_FIELD(ppid) },
	{ "uid", CV_COL_INT, CV_FIELD(uid) },
	{ "gid", CV_COL_INT, CV_FIELD(gid) },
	{ "loginuid", CV_COL_INT, CV_FIELD(loginuid) },
	{ "sessionid", CV_COL_INT, CV_FIELD(sessionid) },
	{ "open_flags", CV_COL_INT, CV_FIELD(open_flags) },
	{ "open_ns", CV_COL_INT, CV_FIELD(open_ns) },
	{ "close_ns", CV_COL_INT, CV_FIELD(close_ns) },
	{ "cgroup_id", CV_COL_INT, CV_FIELD(cgroup_id) },
	{ "dev", CV_COL_INT, CV_FIELD(dev) },
	{ "ino", CV_COL_INT, CV_FIELD(ino) },
	{ "bytes_read", CV_COL_INT, CV_FIELD(bytes_read) },
	{ "bytes_written", CV_COL_INT, CV_FIELD(bytes_written) },
	{ "mmaps", CV_COL_INT, CV_FIELD(mmaps) },
	{ "ioctls", CV_COL_INT, CV_FIELD(ioctls) },
	{ "streamons", CV_COL_INT, CV_FIELD(streamons) },
	{ "dqbufs", CV_COL_INT, CV_FIELD(dqbufs) },
	{ "comm", CV_COL_STR, CV_FIELD(comm) },
	{ "exe", CV_COL_STR, CV_FIELD(exe) },
	{ "path", CV_COL_STR, CV_FIELD(path) },
	{ "path2", CV_COL_STR, CV_FIELD(path2) },
};
const size_t cv_log_ncols = sizeof(cv_log_cols) / sizeof(cv_log_cols[0]);

int64_t cv_log_col_int(const struct cv_log_col *c, const struct camvault_rec *r)
{
	const uint8_t *p = (const uint8_t *)r + c->off;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (c->size) {
	case 2:
		memcpy(&v16, p, 2);
		return v16;
	case 4:
		memcpy(&v32, p, 4);
		return v32;
	default:
		memcpy(&v64, p, 8);
		return (int64_t)v64;
	}
}

const char *cv_log_col_str(const struct cv_log_col *c, const struct camvault_rec *r, size_t *len)
{
	const char *s = (const char *)r + c->off;

	if (c->kind == CV_COL_TYPE) {
		s = cv_rec_type_name(r->type);
		*len = strlen(s);
		return s;
	}
	*len = strnlen(s, c->size);
	return s;
}

const char *cv_log_kind_name(enum cv_log_kind kind)
{
	switch (kind) {
	case CV_LOG_ACCESS:
		return "access";
	case CV_LOG_EVENT:
		return "event";
	case CV_LOG_LOST:
		return "lost";
	}
	return "unknown";
}

enum cv_log_kind cv_log_kind_parse(const char *name)
{
	if (!name)
		return 0;
	if (!strcmp(name, "access"))
		return CV_LOG_ACCESS;
	if (!strcmp(name, "event"))
		return CV_LOG_EVENT;
	if (!strcmp(name, "lost"))
		return CV_LOG_LOST;
	return 0;
}

const char *cv_log_event_name(enum cv_log_event ev)
{
	static const char *const names[] = {
		[CV_EVENT_NONE] = "none",
		[CV_EVENT_AGENT_START] = "agent-start",
		[CV_EVENT_AGENT_STOP] = "agent-stop",
		[CV_EVENT_AGENT_CRASH_DETECTED] = "agent-crash-detected",
		[CV_EVENT_AGENT_RELOAD] = "agent-reload",
		[CV_EVENT_AGENT_RELOAD_FAILED] = "agent-reload-failed",
		[CV_EVENT_PROBES_DEGRADED] = "probes-degraded",
		[CV_EVENT_PROBES_REPLACED] = "probes-replaced",
		[CV_EVENT_KERNEL] = "kernel",
		[CV_EVENT_KERNEL_EVENTS_LOST] = "kernel-events-lost",
		[CV_EVENT_KERNEL_EVENTS_OFF] = "kernel-events-off",
		[CV_EVENT_WATCH_DEGRADED] = "watch-degraded",
		[CV_EVENT_PREOPEN_FOUND] = "preopen-found",
		[CV_EVENT_ROD_ON] = "record-or-deny-on",
		[CV_EVENT_ROD_OFF] = "record-or-deny-off",
	};

	if ((unsigned int)ev < sizeof(names) / sizeof(names[0]) && names[ev])
		return names[ev];
	return "unknown";
}

bool cv_log_event_is_start(enum cv_log_event ev)
{
	return ev == CV_EVENT_AGENT_START || ev == CV_EVENT_AGENT_CRASH_DETECTED;
}

/* The fixed starts of the agent's own events in logs written before codes (13 bytes each). */
#define CV_LOG_START_TEXT	"agent started"
#define CV_LOG_STOP_TEXT	"agent stopped"

enum cv_log_event cv_log_event_of(int64_t code, const char *text)
{
	if (code)
		return (enum cv_log_event)code;
	if (text && !strncmp(text, CV_LOG_START_TEXT, strlen(CV_LOG_START_TEXT)))
		return CV_EVENT_AGENT_START;
	if (text && !strncmp(text, CV_LOG_STOP_TEXT, strlen(CV_LOG_STOP_TEXT)))
		return CV_EVENT_AGENT_STOP;
	return CV_EVENT_NONE;
}

static void cv_be(uint8_t *p, uint64_t v, int bytes)
{
	while (bytes--) {
		p[bytes] = (uint8_t)v;
		v >>= 8;
	}
}

void cv_log_genesis(const uint8_t log_id[16], uint8_t link[32])
{
	static const char tag[] = "camvault access log v1";	/* hashed with its NUL */
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)tag, sizeof(tag));
	crypto_hash_sha256_update(&st, log_id, 16);
	crypto_hash_sha256_final(&st, link);
}

void cv_log_link(const uint8_t prev[32], enum cv_log_kind kind, int64_t time_ns, const void *rec, size_t rec_len,
		 uint8_t link[32])
{
	cv_log_link_event(prev, kind, time_ns, rec, rec_len, 0, link);
}

void cv_log_link_event(const uint8_t prev[32], enum cv_log_kind kind, int64_t time_ns, const void *rec,
		       size_t rec_len, uint32_t event, uint8_t link[32])
{
	crypto_hash_sha256_state st;
	uint8_t hdr[1 + 8 + 4], code[4];

	hdr[0] = (uint8_t)kind;
	cv_be(hdr + 1, (uint64_t)time_ns, 8);
	cv_be(hdr + 9, rec_len, 4);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, prev, 32);
	crypto_hash_sha256_update(&st, hdr, sizeof(hdr));
	crypto_hash_sha256_update(&st, rec, rec_len);
	/* Only a row with a code has it hashed: every row without one hashes as in schema 1. */
	if (event) {
		cv_be(code, event, 4);
		crypto_hash_sha256_update(&st, code, sizeof(code));
	}
	crypto_hash_sha256_final(&st, link);
}

void cv_ckpt_digest(const struct cv_ckpt *c, const uint8_t log_id[16], uint8_t digest[32])
{
	static const char tag[] = "camvault checkpoint v1";
	uint8_t msg[sizeof(tag) + 16 + 8 + 8 + 32 + 8 + 4 + 8 + 32], *p = msg;

	memcpy(p, tag, sizeof(tag));
	p += sizeof(tag);
	memcpy(p, log_id, 16);
	p += 16;
	cv_be(p, (uint64_t)c->id, 8);
	p += 8;
	cv_be(p, (uint64_t)c->row_count, 8);
	p += 8;
	memcpy(p, c->head, 32);
	p += 32;
	cv_be(p, (uint64_t)c->time_ns, 8);
	p += 8;
	cv_be(p, c->nv_index, 4);
	p += 4;
	cv_be(p, c->nv_counter, 8);
	p += 8;
	memcpy(p, c->key_fpr, 32);
	crypto_hash_sha256(digest, msg, sizeof(msg));
}

static int cv_db_error(struct cv_log *log, const char *what, char *err, size_t errlen)
{
	int code = sqlite3_errcode(log->db);

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		snprintf(err, errlen, "%s in %s: the database stays locked by another process (another camvault "
			 "agent?): stop it", what, log->path);
	else if (code == SQLITE_FULL)
		snprintf(err, errlen, "%s in %s: the disk is full: free space on it", what, log->path);
	else if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN || code == SQLITE_PERM)
		snprintf(err, errlen, "%s in %s (%s): run as root, or check the permissions of the file and its "
			 "directory", what, log->path, sqlite3_errmsg(log->db));
	else
		snprintf(err, errlen, "%s in %s (%s): the database is damaged, or not camvault's; move it away and "
			 "keep it as evidence", what, log->path, sqlite3_errmsg(log->db));
	return -1;
}

static int cv_exec(struct cv_log *log, const char *sql, const char *what, char *err, size_t errlen)
{
	if (sqlite3_exec(log->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return cv_db_error(log, what, err, errlen);
	return 0;
}

/* Forgets the head kept in memory: the next append (or commit, tick, close) reads it from the database. */
static void cv_head_forget(struct cv_log *log)
{
	log->head_known = false;
}

/* Rolls back the transaction, if one is open (an error may have ended it), and the rows it took with it. */
static void cv_rollback(struct cv_log *log)
{
	cv_head_forget(log);
	if (!sqlite3_get_autocommit(log->db))
		sqlite3_exec(log->db, "ROLLBACK", NULL, NULL, NULL);
}

static int64_t cv_mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static int cv_meta_put(struct cv_log *log, const char *name, const void *val, size_t len, char *err,
		       size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(log->db, "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, val, (int)len, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cv_db_error(log, "writing the log's metadata", err, errlen);
	return 0;
}

/* A meta value into buf (size cap): its length, 0 when missing, -1 on error or when too long. */
static long cv_meta_get(struct cv_log *log, const char *name, void *buf, size_t cap, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	long len = 0;
	int rc;

	rc = sqlite3_prepare_v2(log->db, "SELECT value FROM meta WHERE name = ?", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		return cv_db_error(log, "reading the log's metadata", err, errlen);
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		len = sqlite3_column_bytes(st, 0);
		if ((size_t)len > cap) {
			snprintf(err, errlen, "the log's metadata '%s' has %ld bytes, at most %zu are valid: the "
				 "database is damaged", name, len, cap);
			len = -1;
		} else {
			memcpy(buf, sqlite3_column_blob(st, 0), (size_t)len);
		}
	} else if (rc != SQLITE_DONE) {
		len = cv_db_error(log, "reading the log's metadata", err, errlen);
	}
	sqlite3_finalize(st);
	return len;
}

static const char cv_schema[] =
	"CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);"
	"CREATE TABLE records (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, time INTEGER NOT NULL,"
	" type TEXT, tier INTEGER, flags INTEGER, pid INTEGER, tid INTEGER, ppid INTEGER, uid INTEGER, gid INTEGER,"
	" loginuid INTEGER, sessionid INTEGER, open_flags INTEGER, open_ns INTEGER, close_ns INTEGER,"
	" cgroup_id INTEGER, dev INTEGER, ino INTEGER, bytes_read INTEGER, bytes_written INTEGER, mmaps INTEGER,"
	" ioctls INTEGER, streamons INTEGER, dqbufs INTEGER, comm TEXT, exe TEXT, path TEXT, path2 TEXT,"
	" text TEXT, lost INTEGER, rec BLOB NOT NULL, link BLOB NOT NULL, event INTEGER);"
	"CREATE INDEX records_time ON records (time);"
	"CREATE INDEX records_path ON records (path);"
	"CREATE INDEX records_pid ON records (pid);"
	"CREATE TABLE checkpoints (id INTEGER PRIMARY KEY, row_count INTEGER NOT NULL, head BLOB NOT NULL,"
	" time INTEGER NOT NULL, nv_index INTEGER NOT NULL, nv_counter INTEGER NOT NULL, key_fpr BLOB NOT NULL,"
	" signature BLOB NOT NULL);"
	"PRAGMA user_version = 2;";

/* Schema 1 to 2: the event column, NULL in every row there is (rows without a code: their links stay). */
static const char cv_upgrade_1_2[] = "ALTER TABLE records ADD COLUMN event INTEGER; PRAGMA user_version = 2;";

/* Creates the directory of path, 0700, when missing (not its parents: /var/lib is the system's). */
static int cv_mkdir_for(const char *path, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	const char *dir;
	struct stat sb;

	/* dirname() may return a string of its own ("." for "access.db"): its result, not the buffer. */
	snprintf(buf, sizeof(buf), "%s", path);
	dir = dirname(buf);
	if (!stat(dir, &sb))
		return 0;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s, the log's directory (%s): run as root, or set %s to a "
			 "writable place", dir, strerror(errno), CV_DB_ENV);
		return -1;
	}
	return 0;
}

/* The last checkpoint's row count and counter, into *rows and *counter (0 and 0 when there is none). */
static int cv_last_ckpt(struct cv_log *log, int64_t *id, int64_t *rows, uint64_t *counter, char *err,
			size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*id = 0;
	*rows = 0;
	*counter = 0;
	rc = sqlite3_prepare_v2(log->db, "SELECT id, row_count, nv_counter FROM checkpoints ORDER BY id DESC LIMIT 1",
				-1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*rows = sqlite3_column_int64(st, 1);
		*counter = (uint64_t)sqlite3_column_int64(st, 2);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cv_db_error(log, "reading the last checkpoint", err, errlen);
	return 0;
}

/* The last row's id and link (0 and link(0) for an empty log). */
static int cv_last_row(struct cv_log *log, int64_t *id, uint8_t link[32], char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*id = 0;
	cv_log_genesis(log->log_id, link);
	rc = sqlite3_prepare_v2(log->db, "SELECT id, link FROM records ORDER BY id DESC LIMIT 1", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) != 32) {
			sqlite3_finalize(st);
			snprintf(err, errlen, "the last row of %s has a link of %d bytes, not 32: the log was tampered "
				 "with or damaged; check it with 'camvault verify'", log->path,
				 sqlite3_column_bytes(st, 1));
			return -1;
		}
		*id = sqlite3_column_int64(st, 0);
		memcpy(link, sqlite3_column_blob(st, 1), 32);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cv_db_error(log, "reading the last row", err, errlen);
	return 0;
}

/* Makes log->head_id and head_link the last row's: as kept, or read (and kept). 0, or -1 with err. */
static int cv_head(struct cv_log *log, char *err, size_t errlen)
{
	if (log->head_known)
		return 0;
	if (cv_last_row(log, &log->head_id, log->head_link, err, errlen))
		return -1;
	log->head_known = true;
	return 0;
}

/* Reads log_id, the key and the counter's index from meta. */
static int cv_log_load_meta(struct cv_log *log, char *err, size_t errlen)
{
	uint8_t b[4];
	long n;

	n = cv_meta_get(log, "log_id", log->log_id, sizeof(log->log_id), err, errlen);
	if (n >= 0 && n != 16) {
		snprintf(err, errlen, "%s has no log_id: it is not a camvault access log, or it is damaged", log->path);
		return -1;
	}
	if (n < 0)
		return -1;
	n = cv_meta_get(log, "key_srk_alg", b, 2, err, errlen);
	if (n == 2)
		log->key.srk_alg = (uint16_t)(b[0] << 8 | b[1]);
	if (n >= 0)
		n = cv_meta_get(log, "key_pub", log->key.pub, sizeof(log->key.pub), err, errlen);
	if (n >= 0)
		log->key.pub_len = (size_t)n;
	if (n >= 0)
		n = cv_meta_get(log, "key_priv", log->key.priv, sizeof(log->key.priv), err, errlen);
	if (n >= 0)
		log->key.priv_len = (size_t)n;
	if (n >= 0)
		n = cv_meta_get(log, "nv_index", b, 4, err, errlen);
	if (n == 4)
		log->nv_index = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	/* None in a log made before the counter had an authValue (cv_lognv_weak()). */
	if (n >= 0)
		n = cv_meta_get(log, "nv_auth", log->nv_auth, sizeof(log->nv_auth), err, errlen);
	if (n >= 0)
		log->nv_auth_len = (size_t)n;
	return n < 0 ? -1 : 0;
}

static int cv_log_sqlite_open(struct cv_log *log, const char *path, int flags, char *err, size_t errlen)
{
	memset(log, 0, sizeof(*log));
	if (!path)
		path = cv_db_path();
	if (strlen(path) >= sizeof(log->path)) {
		snprintf(err, errlen, "the log's path is too long: shorten %s", CV_DB_ENV);
		return -1;
	}
	strcpy(log->path, path);
	if (sqlite3_open_v2(path, &log->db, flags, NULL) != SQLITE_OK) {
		cv_db_error(log, "cannot open the access log", err, errlen);
		sqlite3_close(log->db);
		log->db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(log->db, 5000);
	return 0;
}

static int cv_log_schema_check(struct cv_log *log, int *version, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(log->db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	else
		rc = SQLITE_ERROR;
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return cv_db_error(log, "reading the schema version", err, errlen);
	if (*version > CV_LOG_SCHEMA) {
		snprintf(err, errlen, "%s has schema version %d, newer than this camvault's (%d): update camvault",
			 log->path, *version, CV_LOG_SCHEMA);
		return -1;
	}
	return 0;
}

/* Closes the database, finalizing the statement kept on it first (else sqlite3_close() would refuse). */
static void cv_log_db_close(struct cv_log *log)
{
	sqlite3_finalize(log->insert);
	log->insert = NULL;
	cv_head_forget(log);
	sqlite3_close(log->db);
	log->db = NULL;
	explicit_bzero(log->nv_auth, sizeof(log->nv_auth));
	log->nv_auth_len = 0;
}

/* Closes a log that failed to open: -1, for the caller to return. */
static int cv_log_abandon(struct cv_log *log)
{
	cv_log_db_close(log);
	return -1;
}

int cv_log_open_ro(struct cv_log *log, const char *path, char *err, size_t errlen)
{
	int version = 0;

	if (cv_log_sqlite_open(log, path, SQLITE_OPEN_READONLY, err, errlen))
		return -1;
	if (cv_log_schema_check(log, &version, err, errlen))
		goto fail;
	if (!version) {
		snprintf(err, errlen, "%s is not a camvault access log (it has no schema): give the right file",
			 log->path);
		goto fail;
	}
	log->schema = version;
	if (cv_log_load_meta(log, err, errlen))
		goto fail;
	return 0;
fail:
	return cv_log_abandon(log);
}

/* Gives a new log its id, its TPM key and counter, and its first checkpoint. */
static int cv_log_create(struct cv_log *log, char *err, size_t errlen)
{
	uint8_t b[4];

	if (getrandom(log->log_id, sizeof(log->log_id), 0) != (ssize_t)sizeof(log->log_id)) {
		snprintf(err, errlen, "the kernel's random generator fails (getrandom: %s)", strerror(errno));
		return -1;
	}
	log->nv_auth_len = CV_LOGNV_AUTH_BYTES;
	if (cv_logkey_create(log->tpm, &log->key, err, errlen) || cv_lognv_define(log->tpm, &log->nv_index, log->nv_auth,
										   err, errlen))
		return -1;
	b[0] = (uint8_t)(log->key.srk_alg >> 8);
	b[1] = (uint8_t)log->key.srk_alg;
	if (cv_exec(log, "BEGIN IMMEDIATE", "starting to create the log", err, errlen) ||
	    cv_exec(log, cv_schema, "creating the log's tables", err, errlen) ||
	    cv_meta_put(log, "log_id", log->log_id, 16, err, errlen) ||
	    cv_meta_put(log, "key_srk_alg", b, 2, err, errlen) ||
	    cv_meta_put(log, "key_pub", log->key.pub, log->key.pub_len, err, errlen) ||
	    cv_meta_put(log, "key_priv", log->key.priv, log->key.priv_len, err, errlen) ||
	    (cv_be(b, log->nv_index, 4), cv_meta_put(log, "nv_index", b, 4, err, errlen)) ||
	    cv_meta_put(log, "nv_auth", log->nv_auth, log->nv_auth_len, err, errlen) ||
	    cv_exec(log, "COMMIT", "creating the log", err, errlen)) {
		char why[256];

		cv_rollback(log);
		cv_lognv_undefine(log->tpm, log->nv_index, why, sizeof(why));
		return -1;
	}
	return cv_log_checkpoint(log, err, errlen);
}

/*
 * Brings a log of an older schema to this one, under the write lock (another writer may have done it since
 * the version was read): schema 1 gets the event column. Sets log->schema. 0, or -1 with err.
 */
static int cv_log_upgrade(struct cv_log *log, int version, char *err, size_t errlen)
{
	if (version == CV_LOG_SCHEMA) {
		log->schema = version;
		return 0;
	}
	if (cv_exec(log, "BEGIN IMMEDIATE", "starting to upgrade the log's schema", err, errlen))
		return -1;
	if (cv_log_schema_check(log, &version, err, errlen))
		goto fail;
	if (version == 1 && cv_exec(log, cv_upgrade_1_2, "upgrading the log's schema from 1 to 2", err, errlen))
		goto fail;
	if (cv_exec(log, "COMMIT", "upgrading the log's schema", err, errlen))
		goto fail;
	log->schema = CV_LOG_SCHEMA;
	return 0;
fail:
	cv_rollback(log);
	return -1;
}

int cv_log_open(struct cv_log *log, const char *path, struct cv_tpm *tpm, const struct cv_log_opts *opts,
		char *err, size_t errlen)
{
	int version = 0, fd;
	int64_t id, rows;
	uint64_t counter;

	if (cv_mkdir_for(path ? path : cv_db_path(), err, errlen))
		return -1;
	/*
	 * A new log is made 0600 (SQLite would make it 0644 less the umask; its -wal and -shm files take the
	 * database's mode): it holds the counter's authorization (meta 'nv_auth'), also where $CAMVAULT_DB puts it
	 * outside the 0700 directory.
	 */
	fd = open(path ? path : cv_db_path(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		close(fd);
	if (cv_log_sqlite_open(log, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err, errlen))
		return -1;
	log->tpm = tpm;
	if (opts)
		log->opts = *opts;
	if (!log->opts.every_rows)
		log->opts.every_rows = CV_LOG_EVERY_ROWS;
	if (!log->opts.every_s)
		log->opts.every_s = CV_LOG_EVERY_S;
	log->ckpt_mono_s = cv_mono_s();
	/* WAL: readers (reports, verify) never block the agent's appends. */
	if (cv_exec(log, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL", "setting WAL mode", err, errlen) ||
	    cv_log_schema_check(log, &version, err, errlen))
		goto fail;
	if (!version) {
		if (!tpm) {
			snprintf(err, errlen, "%s is no access log yet, and creating one needs the TPM (its signing "
				 "key and counter)", log->path);
			goto fail;
		}
		if (cv_log_create(log, err, errlen))
			goto fail;
		log->schema = CV_LOG_SCHEMA;
		return 0;
	}
	if (cv_log_upgrade(log, version, err, errlen) || cv_log_load_meta(log, err, errlen) ||
	    cv_last_ckpt(log, &id, &rows, &counter, err, errlen))
		goto fail;
	log->ckpt_rows = rows;
	if (tpm && (!log->key.pub_len || !log->key.priv_len || !log->nv_index)) {
		snprintf(err, errlen, "%s has no signing key or counter: it is damaged; move it away (keep it as "
			 "evidence) and let camvault start a new one", log->path);
		goto fail;
	}
	return 0;
fail:
	return cv_log_abandon(log);
}

/* Whether a checkpoint is due after an append or at a tick. */
static int cv_log_due(struct cv_log *log, int64_t rows, int by_rows)
{
	if (!log->tpm || rows <= log->ckpt_rows)
		return 0;
	if (by_rows && rows - log->ckpt_rows >= log->opts.every_rows)
		return 1;
	return cv_mono_s() - log->ckpt_mono_s >= log->opts.every_s;
}

/* The records INSERT (every column), prepared at the first append and kept: NULL when SQLite refuses it. */
static sqlite3_stmt *cv_insert_stmt(struct cv_log *log)
{
	char sql[1024];
	size_t i, len = 0;

	if (log->insert)
		return log->insert;
	len += (size_t)snprintf(sql + len, sizeof(sql) - len, "INSERT INTO records (id, kind, time, text, lost, "
				"rec, link");
	for (i = 0; i < cv_log_ncols; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", %s", cv_log_cols[i].name);
	len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", event) VALUES (?, ?, ?, ?, ?, ?, ?");
	for (i = 0; i < cv_log_ncols; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", ?");
	snprintf(sql + len, sizeof(sql) - len, ", ?)");
	if (sqlite3_prepare_v3(log->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &log->insert, NULL) != SQLITE_OK)
		log->insert = NULL;
	return log->insert;
}

/*
 * Steps st, which has the row bound but for its id and link, as the row after the head, and makes it the head:
 * 0, or -1 with err. Should the id be taken, another writer appended since the head was read: it is read again,
 * once. st is left reset, its bindings kept.
 */
static int cv_insert_next(struct cv_log *log, sqlite3_stmt *st, enum cv_log_kind kind, int64_t wall_ns,
			  const void *rec, size_t rec_len, uint32_t event, char *err, size_t errlen)
{
	uint8_t link[32];
	int rc, ext, tries;

	for (tries = 0;; tries++) {
		if (cv_head(log, err, errlen))
			return -1;
		cv_log_link_event(log->head_link, kind, wall_ns, rec, rec_len, event, link);
		sqlite3_bind_int64(st, 1, log->head_id + 1);
		sqlite3_bind_blob(st, 7, link, 32, SQLITE_STATIC);
		rc = sqlite3_step(st);
		ext = sqlite3_extended_errcode(log->db);
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			break;
		if (ext != SQLITE_CONSTRAINT_PRIMARYKEY || tries)
			return cv_db_error(log, "appending a row", err, errlen);
		cv_head_forget(log);
	}
	log->head_id++;
	memcpy(log->head_link, link, 32);
	return 0;
}

/* Appends one row: the rec columns only for an access record. */
static int cv_log_append(struct cv_log *log, enum cv_log_kind kind, int64_t wall_ns, const void *rec,
			 size_t rec_len, const char *text, const uint64_t *lost, uint32_t event, char *err,
			 size_t errlen)
{
	const struct camvault_rec *r = kind == CV_LOG_ACCESS ? rec : NULL;
	sqlite3_stmt *st = cv_insert_stmt(log);
	size_t i;
	int ret, col;

	if (!st)
		return cv_db_error(log, "appending a row", err, errlen);
	if (!log->batch && cv_exec(log, "BEGIN IMMEDIATE", "starting to append a row", err, errlen))
		return -1;
	sqlite3_bind_text(st, 2, cv_log_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, wall_ns);
	if (text)
		sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
	if (lost)
		sqlite3_bind_int64(st, 5, (int64_t)*lost);
	sqlite3_bind_blob(st, 6, rec, (int)rec_len, SQLITE_STATIC);
	if (event)	/* none: NULL, as in the rows written before codes */
		sqlite3_bind_int64(st, 8 + (int)cv_log_ncols, event);
	for (i = 0, col = 8; r && i < cv_log_ncols; i++, col++) {
		const struct cv_log_col *c = &cv_log_cols[i];
		const char *s;
		size_t n;

		if (c->kind == CV_COL_INT) {
			sqlite3_bind_int64(st, col, cv_log_col_int(c, r));
		} else {
			s = cv_log_col_str(c, r, &n);
			sqlite3_bind_text(st, col, s, (int)n, SQLITE_TRANSIENT);
		}
	}
	ret = cv_insert_next(log, st, kind, wall_ns, rec, rec_len, event, err, errlen);
	/* Unbound, the columns the next row leaves out are NULL, and none of this row's pointers stay. */
	sqlite3_clear_bindings(st);
	if (ret)
		goto fail;
	if (log->batch)
		return 0;
	if (cv_exec(log, "COMMIT", "appending a row", err, errlen))
		goto fail;
	if (cv_log_due(log, log->head_id, 1) && cv_log_checkpoint(log, err, errlen))
		return -2;
	return 0;
fail:
	if (log->batch)
		cv_head_forget(log);
	else
		cv_rollback(log);	/* which forgets the head too */
	return -1;
}

int cv_log_begin(struct cv_log *log, char *err, size_t errlen)
{
	if (cv_exec(log, "BEGIN IMMEDIATE", "starting a batch of rows", err, errlen))
		return -1;
	log->batch = true;
	return 0;
}

int cv_log_commit(struct cv_log *log, char *err, size_t errlen)
{
	log->batch = false;
	if (cv_exec(log, "COMMIT", "committing a batch of rows", err, errlen)) {
		cv_rollback(log);
		return -1;
	}
	if (cv_head(log, err, errlen))
		return -2;
	if (cv_log_due(log, log->head_id, 1) && cv_log_checkpoint(log, err, errlen))
		return -2;
	return 0;
}

void cv_log_rollback(struct cv_log *log)
{
	log->batch = false;
	cv_rollback(log);
}

int cv_log_append_rec(struct cv_log *log, const struct camvault_rec *r, int64_t wall_ns, char *err,
		      size_t errlen)
{
	return cv_log_append(log, CV_LOG_ACCESS, wall_ns, r, sizeof(*r), NULL, NULL, 0, err, errlen);
}

int cv_log_append_event(struct cv_log *log, enum cv_log_kind kind, const char *text, int64_t wall_ns, char *err,
			size_t errlen)
{
	if (kind != CV_LOG_EVENT) {
		snprintf(err, errlen, "an event is text of at most %d bytes (kind 'event'): this is a bug in the "
			 "caller", CV_LOG_TEXT_MAX);
		return -1;
	}
	return cv_log_append_event_code(log, CV_EVENT_NONE, text, wall_ns, err, errlen);
}

int cv_log_append_event_code(struct cv_log *log, enum cv_log_event ev, const char *text, int64_t wall_ns,
			     char *err, size_t errlen)
{
	size_t len = strnlen(text, CV_LOG_TEXT_MAX + 1);

	if (len > CV_LOG_TEXT_MAX || (int)ev < 0) {
		snprintf(err, errlen, "an event is text of at most %d bytes (kind 'event'): this is a bug in the "
			 "caller", CV_LOG_TEXT_MAX);
		return -1;
	}
	return cv_log_append(log, CV_LOG_EVENT, wall_ns, text, len, text, NULL, (uint32_t)ev, err, errlen);
}

int cv_log_append_lost(struct cv_log *log, uint64_t count, int64_t wall_ns, char *err, size_t errlen)
{
	uint8_t b[8];

	cv_be(b, count, 8);
	return cv_log_append(log, CV_LOG_LOST, wall_ns, b, sizeof(b), NULL, &count, 0, err, errlen);
}

int cv_log_checkpoint(struct cv_log *log, char *err, size_t errlen)
{
	uint8_t spki[CV_SPKI_MAX], digest[32], sig[CV_SIG_MAX];
	size_t spki_len, sig_len;
	struct cv_ckpt c;
	sqlite3_stmt *st = NULL;
	int64_t last_id, last_rows;
	uint64_t last_counter, now;
	int rc;

	if (!log->tpm) {
		snprintf(err, errlen, "a checkpoint needs the TPM, and the log was opened without it: this is a bug");
		return -1;
	}
	if (cv_logsig_spki(log->key.pub, log->key.pub_len, spki, &spki_len, err, errlen))
		return -1;
	memset(&c, 0, sizeof(c));
	cv_logsig_fpr(spki, spki_len, c.key_fpr);
	/* The write lock: no row comes between reading the head and committing the checkpoint. */
	if (cv_exec(log, "BEGIN IMMEDIATE", "starting a checkpoint", err, errlen))
		return -1;
	if (cv_last_row(log, &c.row_count, c.head, err, errlen) ||
	    cv_last_ckpt(log, &last_id, &last_rows, &last_counter, err, errlen) ||
	    cv_lognv_read(log->tpm, log->nv_index, &now, err, errlen))
		goto fail;
	/* The repair of a crash between the last checkpoint's commit and its increment. */
	if (last_id && now + 1 == last_counter) {
		if (cv_lognv_increment(log->tpm, log->nv_index, log->nv_auth, log->nv_auth_len, err, errlen))
			goto fail;
		now++;
	}
	/*
	 * The counter as it will be once incremented. When it is ahead of the last checkpoint, checkpoints were
	 * removed: this one continues from the TPM's count, and verify reports the gap.
	 */
	c.id = last_id + 1;
	c.nv_index = log->nv_index;
	c.nv_counter = now + 1;
	c.time_ns = cv_wall_ns();
	cv_ckpt_digest(&c, log->log_id, digest);
	if (cv_logkey_sign(log->tpm, &log->key, digest, sig, &sig_len, err, errlen))
		goto fail;
	rc = sqlite3_prepare_v2(log->db, "INSERT INTO checkpoints (id, row_count, head, time, nv_index, nv_counter, "
				"key_fpr, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, c.id);
		sqlite3_bind_int64(st, 2, c.row_count);
		sqlite3_bind_blob(st, 3, c.head, 32, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, c.time_ns);
		sqlite3_bind_int64(st, 5, c.nv_index);
		sqlite3_bind_int64(st, 6, (int64_t)c.nv_counter);
		sqlite3_bind_blob(st, 7, c.key_fpr, 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 8, sig, (int)sig_len, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cv_db_error(log, "writing a checkpoint", err, errlen);
		goto fail;
	}
	if (cv_exec(log, "COMMIT", "writing a checkpoint", err, errlen))
		goto fail;
	log->ckpt_rows = c.row_count;
	log->ckpt_mono_s = cv_mono_s();
	/* Committed first: a crash here leaves the counter one behind, which the next open repairs. */
	return cv_lognv_increment(log->tpm, log->nv_index, log->nv_auth, log->nv_auth_len, err, errlen) ? -1 : 0;
fail:
	cv_rollback(log);
	return -1;
}

int cv_log_tick(struct cv_log *log, char *err, size_t errlen)
{
	if (!log->tpm)
		return 0;
	if (cv_head(log, err, errlen))
		return -1;
	return cv_log_due(log, log->head_id, 0) ? cv_log_checkpoint(log, err, errlen) : 0;
}

int cv_log_close(struct cv_log *log, char *err, size_t errlen)
{
	int ret = 0;

	if (!log->db)
		return 0;
	if (log->tpm) {
		ret = cv_head(log, err, errlen);
		if (!ret && log->head_id > log->ckpt_rows)
			ret = cv_log_checkpoint(log, err, errlen);
	}
	cv_log_db_close(log);
	return ret;
}
