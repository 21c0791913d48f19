// SPDX-License-Identifier: GPL-2.0
/*
 * The access log against a real swtpm: a log of 200 rows with a checkpoint every 50 verifies; then copies of it,
 * tampered with through SQLite the way someone with the file would (a column changed, a row deleted, a forged
 * row inserted, two rows swapped, the tail and its checkpoint removed, a signature corrupted, the key replaced),
 * each make "camvault verify" exit with its own status and a sentence naming the row.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sqlite3.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "helpers.h"
#include "util/opts.h"
#include "log/log.h"
#include "log/logkey.h"
#include "log/verify.h"
#include "tpm/tpm2-util.h"

int cmd_verify(int argc, char **argv);
int cmd_key(int argc, char **argv);

static char dir[] = "/tmp/camvault-unit-log.XXXXXX";
static char master[256];
static int built;

static int log_setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	snprintf(master, sizeof(master), "%s/master/access.db", dir);
	return cv_swtpm_setup(state);
}

static int log_teardown(void **state)
{
	cv_test_rmtree(dir);
	return cv_swtpm_teardown(state);
}

static void tpm_open(struct cv_tpm *tpm)
{
	char err[512] = "";

	if (cv_tpm_open(tpm, err, sizeof(err)) < 0)
		fail_msg("cv_tpm_open: %s", err);
}

static void rec_make(struct camvault_rec *r, int i)
{
	memset(r, 0, sizeof(*r));
	r->type = i % 17 ? CAMVAULT_REC_SESSION : CAMVAULT_REC_UNLINK;
	r->tier = CAMVAULT_TIER_LSM;
	r->pid = 1000 + (uint32_t)i;
	r->tid = r->pid;
	r->uid = (uint32_t)i % 3;
	r->loginuid = CAMVAULT_ID_UNSET;
	r->sessionid = CAMVAULT_ID_UNSET;
	r->open_ns = 1000000000ULL * (uint64_t)i;
	r->close_ns = r->open_ns + 5000;
	r->bytes_read = 4096ULL * (uint64_t)i;
	r->bytes_written = i % 5 ? 0 : UINT64_MAX;	/* a u64 beyond SQLite's int64 */
	snprintf(r->comm, sizeof(r->comm), "%s", i % 2 ? "cat" : "ffmpeg");
	snprintf(r->exe, sizeof(r->exe), "/usr/bin/%s", r->comm);
	snprintf(r->path, sizeof(r->path), "/media/frigate/recordings/cam0/%03d.mp4", i);
}

/* Appends rows first..last (1-based): mostly records, an event every 40th, a lost count every 70th. */
static void append_rows(struct cv_log *log, int first, int last)
{
	const int64_t t0 = 1764000000LL * 1000000000LL;
	struct camvault_rec r;
	char err[768] = "", text[64];
	int i, ret;

	for (i = first; i <= last; i++) {
		if (i % 40 == 0) {
			snprintf(text, sizeof(text), "vault cam0 opened (%d)", i);
			ret = cv_log_append_event(log, CV_LOG_EVENT, text, t0 + i, err, sizeof(err));
		} else if (i % 70 == 0) {
			ret = cv_log_append_lost(log, (uint64_t)i, t0 + i, err, sizeof(err));
		} else {
			rec_make(&r, i);
			ret = cv_log_append_rec(log, &r, t0 + i, err, sizeof(err));
		}
		if (ret)
			fail_msg("appending row %d: %s", i, err);
	}
}

/* A log at path with rows 1..rows, a checkpoint every 'every' rows, closed. */
static void build(const char *path, int rows, unsigned int every)
{
	const struct cv_log_opts opts = { .every_rows = every, .every_s = 3600 };
	struct cv_tpm tpm;
	struct cv_log log;
	char err[768] = "";

	tpm_open(&tpm);
	if (cv_log_open(&log, path, &tpm, &opts, err, sizeof(err)))
		fail_msg("cv_log_open: %s", err);
	append_rows(&log, 1, rows);
	if (cv_log_close(&log, err, sizeof(err)))
		fail_msg("cv_log_close: %s", err);
	cv_tpm_close(&tpm);
}

/* Opens a new log at <dir>/<name>/access.db (its path into path) with the TPM, a checkpoint every 'every' rows. */
static void open_new(struct cv_log *log, struct cv_tpm *tpm, const char *name, unsigned int every, char path[300])
{
	const struct cv_log_opts opts = { .every_rows = every, .every_s = 3600 };
	char err[768] = "";

	cv_swtpm_require();
	snprintf(path, 300, "%s/%s/access.db", dir, name);
	tpm_open(tpm);
	if (cv_log_open(log, path, tpm, &opts, err, sizeof(err)))
		fail_msg("cv_log_open: %s", err);
}

/*
 * A log named without a directory ("--db access.db") is a file in the working directory: the log's directory
 * is ".", which exists. It used to be made a directory named access.db, which the next open called damaged.
 */
static void test_relative_path(void **state)
{
	const struct cv_log_opts opts = { .every_rows = 10, .every_s = 3600 };
	char sub[300], cwd[4096], err[768] = "";
	struct cv_tpm tpm;
	struct cv_log log;
	struct stat st;

	(void)state;
	cv_swtpm_require();
	snprintf(sub, sizeof(sub), "%s/relative", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(sub), 0);
	tpm_open(&tpm);
	if (cv_log_open(&log, "access.db", &tpm, &opts, err, sizeof(err)))
		fail_msg("cv_log_open: %s", err);
	append_rows(&log, 1, 3);
	assert_int_equal(cv_log_close(&log, err, sizeof(err)), 0);
	if (cv_log_open(&log, "access.db", &tpm, &opts, err, sizeof(err)))
		fail_msg("cv_log_open again: %s", err);
	assert_int_equal(cv_log_close(&log, err, sizeof(err)), 0);
	cv_tpm_close(&tpm);
	assert_int_equal(stat("access.db", &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(chdir(cwd), 0);
}

static void master_require(void)
{
	cv_swtpm_require();
	if (!built) {
		build(master, 200, 50);
		built = 1;
	}
}

/* A copy of the master log at <dir>/<name>.db, with sql run on it. */
static const char *tampered(const char *name, const char *sql)
{
	static char path[256];
	char cmd[768];
	sqlite3 *db;
	char *msg = NULL;

	master_require();
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", master, path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("tampering with %s: %s", path, msg);
	sqlite3_close(db);
	return path;
}

/* Runs "camvault verify --db path" and checks its status and that its output has each of the strings. */
static void verify_expect(const char *path, int status, ...)
{
	struct cv_run r;
	const char *want;
	va_list ap;

	cv_run(&r, cmd_verify, "verify", "--db", path, NULL);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.rc, status);
	va_start(ap, status);
	while ((want = va_arg(ap, const char *)))
		if (!strstr(r.out, want))
			fail_msg("verify's output lacks \"%s\"", want);
	va_end(ap);
}

static void test_intact(void **state)
{
	(void)state;
	master_require();
	verify_expect(master, CV_VERIFY_OK, "verifies: 200 rows, 5 checkpoints", "covers 200 rows",
		      "matches the last checkpoint", "not with the owner's copy", NULL);
}

static void test_schema(void **state)
{
	sqlite3_stmt *st;
	sqlite3 *db;

	(void)state;
	master_require();
	assert_int_equal(sqlite3_open(master, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM pragma_user_version), "
					    "(SELECT count(*) FROM records WHERE kind = 'event'), "
					    "(SELECT path FROM records WHERE id = 7), "
					    "(SELECT bytes_written FROM records WHERE id = 5)", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), CV_LOG_SCHEMA);
	assert_int_equal(sqlite3_column_int(st, 1), 5);
	assert_string_equal((const char *)sqlite3_column_text(st, 2), "/media/frigate/recordings/cam0/007.mp4");
	assert_int_equal(sqlite3_column_int64(st, 3), -1);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void test_altered_time(void **state)
{
	(void)state;
	verify_expect(tampered("time", "UPDATE records SET time = time + 1000000000 WHERE id = 121"),
		      CV_VERIFY_ALTERED, "row 121 (read by pid 1121 cat of /media/frigate/recordings/cam0/121.mp4",
		      "was altered after it was logged: its link does not match", NULL);
}

static void test_altered_record(void **state)
{
	(void)state;
	/* The record's bytes: the pid inside the blob, with its column made to agree. */
	verify_expect(tampered("rec", "UPDATE records SET rec = CAST(replace(CAST(rec AS TEXT), '101.mp4', "
				      "'999.mp4') AS BLOB), path = '/media/frigate/recordings/cam0/999.mp4' "
				      "WHERE id = 101"),
		      CV_VERIFY_ALTERED, "row 101 (", "999.mp4", "was altered after it was logged", NULL);
}

static void test_altered_column(void **state)
{
	(void)state;
	verify_expect(tampered("column", "UPDATE records SET path = '/etc/motd' WHERE id = 77"), CV_VERIFY_ALTERED,
		      "row 77 (", "its path column says '/etc/motd' but the logged record says "
		      "'/media/frigate/recordings/cam0/077.mp4'", NULL);
}

static void test_altered_link(void **state)
{
	(void)state;
	verify_expect(tampered("link", "UPDATE records SET link = zeroblob(32) WHERE id = 130"), CV_VERIFY_ALTERED,
		      "the link of row 130 (", "its contents are as logged", NULL);
}

static void test_deleted(void **state)
{
	(void)state;
	verify_expect(tampered("deleted", "DELETE FROM records WHERE id = 100"), CV_VERIFY_DELETED,
		      "row 100, between row 99 (", "and row 101 (", "is missing: it was deleted", NULL);
}

static void test_deleted_renumbered(void **state)
{
	(void)state;
	verify_expect(tampered("renumbered", "DELETE FROM records WHERE id = 100;"
					     "UPDATE records SET id = id - 1 WHERE id > 100"),
		      CV_VERIFY_DELETED, "before row 100 (", "were deleted and the ids after them renumbered", NULL);
}

static void test_inserted(void **state)
{
	(void)state;
	/* Room at id 90, then a forged event there. */
	verify_expect(tampered("inserted", "UPDATE records SET id = id + 1000 WHERE id >= 90;"
					   "UPDATE records SET id = id - 999 WHERE id >= 1090;"
					   "INSERT INTO records (id, kind, time, text, rec, link) VALUES (90, 'event', "
					   "1764000000000000090, 'nothing happened', CAST('nothing happened' AS BLOB), "
					   "randomblob(32))"),
		      CV_VERIFY_DELETED, "row 90 (event \"nothing happened\"",
		      "was inserted: it is not in the chain, which goes on from row 89 to row 91", NULL);
}

static void test_reordered(void **state)
{
	char sql[2048];
	size_t len, i;

	(void)state;
	verify_expect(tampered("reordered", "UPDATE records SET id = -60 WHERE id = 60;"
					    "UPDATE records SET id = 60 WHERE id = 140;"
					    "UPDATE records SET id = 140 WHERE id = -60"),
		      CV_VERIFY_REORDERED, "row 60 (140 lost events", "is out of place: it was logged right after row "
		      "139, not after row 59 (the rows were reordered)", "the chain also breaks at rows 61, 140, 141",
		      NULL);
	/* Neighbours swapped, contents only (the links stay). */
	len = (size_t)snprintf(sql, sizeof(sql), "CREATE TEMP TABLE t AS SELECT * FROM records WHERE id IN (31, 32);"
			       "UPDATE records SET (kind, time, text, lost, rec");
	for (i = 0; i < cv_log_ncols; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", %s", cv_log_cols[i].name);
	len += (size_t)snprintf(sql + len, sizeof(sql) - len, ") = (SELECT kind, time, text, lost, rec");
	for (i = 0; i < cv_log_ncols; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", %s", cv_log_cols[i].name);
	snprintf(sql + len, sizeof(sql) - len, " FROM t WHERE t.id = 63 - records.id) WHERE id IN (31, 32)");
	verify_expect(tampered("adjacent", sql),
		      CV_VERIFY_REORDERED, "row 31 (read by pid 1032 ffmpeg",
		      "is out of place: it was logged right after row 31, not after row 30", NULL);
}

static void test_truncated(void **state)
{
	(void)state;
	/* The last 20 rows and the checkpoint that covered them: only the TPM counter remembers. */
	verify_expect(tampered("truncated", "DELETE FROM records WHERE id > 180; DELETE FROM checkpoints WHERE id = 5"),
		      CV_VERIFY_TRUNCATED, "1 checkpoint(s) after it were deleted",
		      "the log was truncated after row 180", NULL);
}

static void test_truncated_rows(void **state)
{
	(void)state;
	verify_expect(tampered("tail", "DELETE FROM records WHERE id > 190"), CV_VERIFY_TRUNCATED,
		      "checkpoint 5 (200 rows", "but the log ends at row 190: rows 191 to 200 were deleted", NULL);
}

static void test_bad_signature(void **state)
{
	(void)state;
	verify_expect(tampered("sig", "UPDATE checkpoints SET signature = X'3006020101020101' WHERE id = 3"),
		      CV_VERIFY_BADSIG, "checkpoint 3 (100 rows", "has a bad signature", NULL);
	verify_expect(tampered("ckrows", "UPDATE checkpoints SET row_count = 99 WHERE id = 3"), CV_VERIFY_BADSIG,
		      "checkpoint 3 (99 rows", "has a bad signature", NULL);
}

static void test_pubkey(void **state)
{
	char pem[300], other[300];
	struct cv_run r;
	EVP_PKEY *k;
	FILE *f;

	(void)state;
	master_require();
	snprintf(pem, sizeof(pem), "%s/owner.pem", dir);
	snprintf(other, sizeof(other), "%s/other.pem", dir);
	cv_run(&r, cmd_key, "key", "export", "-o", pem, "--db", master, NULL);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.err, "access log key SHA256:"));
	cv_run(&r, cmd_verify, "verify", "--db", master, "--pubkey", pem, NULL);
	assert_int_equal(r.rc, CV_VERIFY_OK);
	assert_null(strstr(r.out, "not with the owner's copy"));

	k = EVP_EC_gen("P-256");
	f = fopen(other, "w");
	assert_non_null(k);
	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, k), 1);
	fclose(f);
	EVP_PKEY_free(k);
	cv_run(&r, cmd_verify, "verify", "--db", master, "--pubkey", other, NULL);
	assert_int_equal(r.rc, CV_VERIFY_BADSIG);
	assert_non_null(strstr(r.out, "is not the owner's key in"));

	/* Someone's own key in the log: they could sign, but not as the owner's key. */
	verify_expect(tampered("keyswap", "UPDATE meta SET value = zeroblob(10) WHERE name = 'key_pub'"),
		      CV_VERIFY_BADSIG, "the log's signing key cannot be read", NULL);
	cv_run(&r, cmd_verify, "verify", "--db", tampered("keyswap2", "SELECT 1"), "--pubkey", "/nonexistent", NULL);
	assert_int_equal(r.rc, CV_VERIFY_EUSAGE);
}

/* Truncated, and the agent went on: the counters of its checkpoints leave a gap. */
static void test_truncated_then_appended(void **state)
{
	const struct cv_log_opts opts = { .every_rows = 5, .every_s = 3600 };
	char path[300], err[768] = "";
	struct cv_tpm tpm;
	struct cv_log log;
	sqlite3 *db;

	(void)state;
	cv_swtpm_require();
	snprintf(path, sizeof(path), "%s/goon/access.db", dir);
	build(path, 10, 5);
	verify_expect(path, CV_VERIFY_OK, "verifies: 10 rows, 3 checkpoints", NULL);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM records WHERE id > 5; DELETE FROM checkpoints WHERE id = 3",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	tpm_open(&tpm);
	assert_int_equal(cv_log_open(&log, path, &tpm, &opts, err, sizeof(err)), 0);
	append_rows(&log, 6, 7);
	assert_int_equal(cv_log_close(&log, err, sizeof(err)), 0);
	cv_tpm_close(&tpm);
	verify_expect(path, CV_VERIFY_TRUNCATED, "1 checkpoint(s) between them were deleted, and the agent went on",
		      NULL);
}

/* Rows after the last checkpoint are said to be unprotected; without a TPM, truncation is not checked. */
static void test_unprotected_tail(void **state)
{
	char path[300], err[768] = "";
	struct cv_tpm tpm;
	struct cv_log log;
	struct cv_run r;

	(void)state;
	open_new(&log, &tpm, "tail", 100, path);
	append_rows(&log, 1, 3);
	/* Not closed: as if the agent were still running. */
	verify_expect(path, CV_VERIFY_OK, "verifies: 3 rows, 1 checkpoints", "Rows 1 to 3 came after the last "
		      "checkpoint: they are not protected", NULL);
	cv_run(&r, cmd_verify, "verify", "--db", path, "--no-tpm", NULL);
	assert_int_equal(r.rc, CV_VERIFY_OK);
	assert_non_null(strstr(r.out, "The TPM was not asked (--no-tpm)"));
	assert_int_equal(cv_log_tick(&log, err, sizeof(err)), 0);
	assert_int_equal(cv_log_close(&log, err, sizeof(err)), 0);
	cv_tpm_close(&tpm);
	verify_expect(path, CV_VERIFY_OK, "verifies: 3 rows, 2 checkpoints (the last", "covers 3 rows", NULL);
}

/*
 * A batch (cv_log_begin .. cv_log_commit), as the agent writes the probes' records: rolled back, it leaves
 * nothing; committed, its rows chain on and the checkpoint that came due by rows is taken at the commit.
 */
static void test_batch(void **state)
{
	char path[300], err[768] = "";
	struct camvault_rec r;
	struct cv_tpm tpm;
	struct cv_log log;
	sqlite3_stmt *st;

	(void)state;
	open_new(&log, &tpm, "batch", 4, path);
	assert_int_equal(cv_log_begin(&log, err, sizeof(err)), 0);
	for (int i = 1; i <= 3; i++) {
		rec_make(&r, i);
		assert_int_equal(cv_log_append_rec(&log, &r, 1000 + i, err, sizeof(err)), 0);
	}
	cv_log_rollback(&log);
	assert_int_equal(cv_log_begin(&log, err, sizeof(err)), 0);
	for (int i = 1; i <= 6; i++) {
		rec_make(&r, i);
		assert_int_equal(cv_log_append_rec(&log, &r, 1000 + i, err, sizeof(err)), 0);
	}
	/* Six rows, one batch: no checkpoint inside it, one at the commit. */
	assert_int_equal(cv_log_commit(&log, err, sizeof(err)), 0);
	assert_int_equal(sqlite3_prepare_v2(log.db, "SELECT (SELECT max(id) FROM records), (SELECT count(*) FROM "
					    "checkpoints), (SELECT max(row_count) FROM checkpoints)", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 6);
	assert_int_equal(sqlite3_column_int(st, 1), 2);
	assert_int_equal(sqlite3_column_int(st, 2), 6);
	sqlite3_finalize(st);
	/* Appends on their own again after the batch: each commits at once. */
	rec_make(&r, 7);
	assert_int_equal(cv_log_append_rec(&log, &r, 1007, err, sizeof(err)), 0);
	assert_int_equal(cv_log_close(&log, err, sizeof(err)), 0);
	cv_tpm_close(&tpm);
	verify_expect(path, CV_VERIFY_OK, "verifies: 7 rows, 3 checkpoints", NULL);
}

/*
 * Appends chain on the head the log keeps in memory; another writer's rows in between (here a second
 * connection, without the TPM) take the id the next append meant: it reads the head again and chains on.
 */
static void test_two_writers(void **state)
{
	char path[300], err[768] = "";
	struct cv_log log, other;
	struct cv_tpm tpm;

	(void)state;
	open_new(&log, &tpm, "two", 100, path);
	append_rows(&log, 1, 2);
	assert_int_equal(cv_log_open(&other, path, NULL, NULL, err, sizeof(err)), 0);
	append_rows(&other, 3, 4);
	assert_int_equal(cv_log_close(&other, err, sizeof(err)), 0);
	append_rows(&log, 5, 6);
	assert_int_equal(cv_log_close(&log, err, sizeof(err)), 0);
	cv_tpm_close(&tpm);
	verify_expect(path, CV_VERIFY_OK, "verifies: 6 rows, 2 checkpoints", NULL);
}

static void test_usage(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, cmd_verify, "verify", "--db", "/nonexistent/access.db", NULL);
	assert_int_equal(r.rc, CV_VERIFY_EUSAGE);
	assert_non_null(strstr(r.err, "camvault: cannot open the access log in /nonexistent/access.db"));
	cv_run(&r, cmd_verify, "verify", "--frobnicate", NULL);
	/* Not 2, which is verify's "a row altered": a usage error is 64 in every command. */
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	cv_run(&r, cmd_verify, "verify", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "6 a bad signature"));
	cv_run(&r, cmd_key, "key", "import", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
}

/* The counter's value, read as an attacker would: with the owner's (empty) authorization. */
static uint64_t counter_value(struct cv_tpm *tpm, uint32_t index)
{
	char err[768] = "";
	uint64_t v = 0;

	if (cv_lognv_read(tpm, index, &v, err, sizeof(err)))
		fail_msg("cv_lognv_read: %s", err);
	return v;
}

/*
 * Someone who reaches the TPM (the tss group) but cannot read the log's database tries to bump the log's
 * counter, which would make the intact log verify as truncated: with the index's empty authValue, and with the
 * owner's. Both are refused and the counter stays; the agent's own checkpoints still increment it.
 */
static void test_counter_write_protected(void **state)
{
	struct cv_log log;
	struct cv_tpm tpm, attacker;
	char path[300], err[768] = "";
	uint64_t before;
	ESYS_TR nv = ESYS_TR_NONE;
	TSS2_RC rc;

	(void)state;
	open_new(&log, &tpm, "guarded", 10, path);
	assert_int_equal(log.nv_auth_len, CV_LOGNV_AUTH_BYTES);
	/* The database holds the authorization: root's alone, also outside its 0700 directory. */
	{
		struct stat sb;

		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
	}
	assert_int_equal(cv_lognv_weak(&tpm, log.nv_index, err, sizeof(err)), 0);
	append_rows(&log, 1, 10);
	before = counter_value(&tpm, log.nv_index);

	tpm_open(&attacker);
	assert_int_equal(Esys_TR_FromTPMPublic(attacker.esys, log.nv_index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					       &nv), TSS2_RC_SUCCESS);
	rc = Esys_NV_Increment(attacker.esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
	print_message("increment with the empty authValue: %s\n", Tss2_RC_Decode(rc));
	assert_true(cv_auth_refused(rc));
	rc = Esys_NV_Increment(attacker.esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
	print_message("increment with the owner's authorization: %s\n", Tss2_RC_Decode(rc));
	assert_true(cv_auth_refused(rc));
	Esys_TR_Close(attacker.esys, &nv);
	cv_tpm_close(&attacker);
	assert_true(counter_value(&tpm, log.nv_index) == before);

	/* Without its authValue, or with a wrong one, camvault's own increment is refused too, and says why. */
	assert_int_equal(cv_lognv_increment(&tpm, log.nv_index, NULL, 0, err, sizeof(err)), CV_SEAL_EFAIL);
	assert_non_null(strstr(err, "nv_auth"));
	{
		uint8_t wrong[CV_LOGNV_AUTH_BYTES];

		memcpy(wrong, log.nv_auth, sizeof(wrong));
		wrong[0] ^= 1;
		assert_int_equal(cv_lognv_increment(&tpm, log.nv_index, wrong, sizeof(wrong), err, sizeof(err)),
				 CV_SEAL_EFAIL);
		assert_non_null(strstr(err, "refuses the log's authorization"));
	}
	assert_true(counter_value(&tpm, log.nv_index) == before);

	/* The agent's flow: appends and checkpoints, across a close and a reopen (the authValue from meta). */
	append_rows(&log, 11, 20);
	assert_true(counter_value(&tpm, log.nv_index) == before + 1);
	if (cv_log_close(&log, err, sizeof(err)))
		fail_msg("cv_log_close: %s", err);
	cv_tpm_close(&tpm);
	open_new(&log, &tpm, "guarded", 10, path);
	assert_int_equal(log.nv_auth_len, CV_LOGNV_AUTH_BYTES);
	append_rows(&log, 21, 30);
	assert_true(counter_value(&tpm, log.nv_index) == before + 2);
	if (cv_log_close(&log, err, sizeof(err)))
		fail_msg("cv_log_close: %s", err);
	cv_tpm_close(&tpm);
	verify_expect(path, CV_VERIFY_OK, "verifies: 30 rows", "matches the last checkpoint", NULL);
}

/*
 * The owner authorization (empty) lets someone with TPM access undefine the log's counter and define one of the
 * old kind in its place, which they can increment: the agent refuses it and verify says it was replaced.
 */
static void test_counter_replaced(void **state)
{
	const TPM2B_AUTH none = { .size = 0 };
	struct cv_log log;
	struct cv_tpm tpm;
	char path[300], err[768] = "";
	uint32_t idx;
	ESYS_TR nv = ESYS_TR_NONE;

	(void)state;
	open_new(&log, &tpm, "replaced", 10, path);
	append_rows(&log, 1, 10);
	idx = log.nv_index;
	assert_int_equal(cv_lognv_undefine(&tpm, idx, err, sizeof(err)), 0);
	{
		TPM2B_NV_PUBLIC pub = {
			.nvPublic = {
				.nvIndex = idx,
				.nameAlg = TPM2_ALG_SHA256,
				.attributes = TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE | TPMA_NV_NO_DA |
					      (TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT),
				.dataSize = 8,
			},
		};

		assert_int_equal(Esys_NV_DefineSpace(tpm.esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
						     ESYS_TR_NONE, &none, &pub, &nv), TSS2_RC_SUCCESS);
	}
	assert_int_equal(Esys_NV_Increment(tpm.esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE),
			 TSS2_RC_SUCCESS);
	Esys_TR_Close(tpm.esys, &nv);
	assert_int_equal(cv_lognv_increment(&tpm, idx, log.nv_auth, log.nv_auth_len, err, sizeof(err)),
			 CV_SEAL_EFAIL);
	assert_non_null(strstr(err, "undefined and replaced"));
	/* The close's checkpoint fails the same way. */
	append_rows(&log, 11, 15);
	assert_int_equal(cv_log_close(&log, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "undefined and replaced"));
	verify_expect(path, CV_VERIFY_TRUNCATED, "is of the old kind that anyone with TPM access can increment, but "
		      "the log was made with a protected one", NULL);
	assert_int_equal(cv_lognv_undefine(&tpm, idx, err, sizeof(err)), 0);
	cv_tpm_close(&tpm);
}

/* A counter of the old kind (AUTHREAD|AUTHWRITE, empty authValue) still reads and increments, and is weak. */
static void test_counter_old_kind(void **state)
{
	const TPM2B_AUTH none = { .size = 0 };
	struct cv_tpm tpm;
	char err[768] = "";
	uint32_t idx = CV_LOGNV_LAST - 7;
	uint64_t v;
	ESYS_TR nv = ESYS_TR_NONE;
	TPM2B_NV_PUBLIC pub = {
		.nvPublic = {
			.nvIndex = idx,
			.nameAlg = TPM2_ALG_SHA256,
			.attributes = TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE | TPMA_NV_NO_DA |
				      (TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT),
			.dataSize = 8,
		},
	};

	(void)state;
	cv_swtpm_require();
	tpm_open(&tpm);
	assert_int_equal(Esys_NV_DefineSpace(tpm.esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
					     ESYS_TR_NONE, &none, &pub, &nv), TSS2_RC_SUCCESS);
	Esys_TR_Close(tpm.esys, &nv);
	if (cv_lognv_increment(&tpm, idx, NULL, 0, err, sizeof(err)))
		fail_msg("cv_lognv_increment: %s", err);
	assert_int_equal(cv_lognv_weak(&tpm, idx, err, sizeof(err)), 1);
	v = counter_value(&tpm, idx);
	if (cv_lognv_increment(&tpm, idx, NULL, 0, err, sizeof(err)))
		fail_msg("cv_lognv_increment: %s", err);
	assert_true(counter_value(&tpm, idx) == v + 1);
	assert_int_equal(cv_lognv_undefine(&tpm, idx, err, sizeof(err)), 0);
	cv_tpm_close(&tpm);
}

/*
 * ---- Event codes and logs written before them ----
 *
 * The same life of the agent, logged twice: with codes (this camvault), and the old way (a schema 1 log, whose
 * events are only text, written row by row here with the schema 1 chain). Both give the same gaps: a clean
 * stop (300 s to 600 s), a crash (from the last row before the restart, 901 s, to 1500 s), and a stop with no
 * start after it (2000 s, open-ended).
 */
#define LT0 (1795600800LL * 1000000000LL)
#define LS 1000000000LL

struct gaps {
	struct cv_log_gap g[8];
	int n;
};

static int gap_add(void *ctx, const struct cv_log_gap *g)
{
	struct gaps *v = ctx;

	if (v->n == 8)
		return -1;
	v->g[v->n++] = *g;
	return 0;
}

static void gaps_of(const char *path, int64_t since, int64_t until, struct gaps *v)
{
	struct cv_log log;
	char err[768] = "";

	memset(v, 0, sizeof(*v));
	if (cv_log_open_ro(&log, path, err, sizeof(err)))
		fail_msg("cv_log_open_ro: %s", err);
	if (cv_log_gaps(&log, since, until, gap_add, v, err, sizeof(err)))
		fail_msg("cv_log_gaps: %s", err);
	cv_log_close(&log, err, sizeof(err));
}

static void gap_is(const struct cv_log_gap *g, int64_t start_s, int64_t end_s, bool crash, bool open_ended)
{
	assert_true(g->start_ns == LT0 + start_s * LS);
	assert_true(g->end_ns == (open_ended ? 0 : LT0 + end_s * LS));
	assert_int_equal(g->crash, crash);
	assert_int_equal(g->open_ended, open_ended);
}

/* The gaps of the life both logs tell, in the whole log and in windows. */
static void gaps_expect(const char *path)
{
	struct gaps v;

	gaps_of(path, 0, 0, &v);
	assert_int_equal(v.n, 3);
	gap_is(&v.g[0], 300, 600, false, false);
	gap_is(&v.g[1], 901, 1500, true, false);
	gap_is(&v.g[2], 2000, 0, false, true);
	/* A window after the clean stop's gap, before the last stop: the crash's alone. */
	gaps_of(path, LT0 + 700 * LS, LT0 + 1800 * LS, &v);
	assert_int_equal(v.n, 1);
	gap_is(&v.g[0], 901, 1500, true, false);
	/* A gap that began before the window is in it. */
	gaps_of(path, LT0 + 1000 * LS, 0, &v);
	assert_int_equal(v.n, 2);
	gap_is(&v.g[0], 901, 1500, true, false);
	gap_is(&v.g[1], 2000, 0, false, true);
}

/* The tail as the agent reads it at start: rows, and whether the last agent stopped. */
static void tail_expect(const char *path, int64_t rows, enum cv_log_event last, bool clean)
{
	struct cv_log_tail t;
	struct cv_log log;
	char err[768] = "";

	if (cv_log_open_ro(&log, path, err, sizeof(err)))
		fail_msg("cv_log_open_ro: %s", err);
	assert_int_equal(cv_log_tail(&log, &t, err, sizeof(err)), 0);
	assert_int_equal(t.last_id, rows);
	assert_int_equal(t.agent_last, last);
	assert_int_equal(t.clean, clean);
	cv_log_close(&log, err, sizeof(err));
}

static void coded_event(struct cv_log *log, enum cv_log_event ev, const char *text, int at_s)
{
	char err[768] = "";

	if (cv_log_append_event_code(log, ev, text, LT0 + at_s * LS, err, sizeof(err)))
		fail_msg("cv_log_append_event_code: %s", err);
}

static void coded_rec(struct cv_log *log, int i, int at_s)
{
	struct camvault_rec r;
	char err[768] = "";

	rec_make(&r, i);
	if (cv_log_append_rec(log, &r, LT0 + at_s * LS, err, sizeof(err)))
		fail_msg("cv_log_append_rec: %s", err);
}

static void test_event_codes(void **state)
{
	char path[300], err[768] = "";
	struct cv_log_cursor c;
	struct cv_tpm tpm;
	struct cv_log log;
	int n = 0, events = 0, ret;

	(void)state;
	open_new(&log, &tpm, "coded", 100, path);
	coded_event(&log, CV_EVENT_AGENT_START, "agent started (pid 100, tier lsm, camvault 0.1.0)", -3600);
	coded_rec(&log, 1, 10);
	if (cv_log_append_lost(&log, 7, LT0 + 240 * LS, err, sizeof(err)))
		fail_msg("cv_log_append_lost: %s", err);
	coded_event(&log, CV_EVENT_AGENT_STOP, "agent stopped (pid 100)", 300);
	coded_event(&log, CV_EVENT_AGENT_START, "agent started (pid 101, tier lsm, camvault 0.1.0)", 600);
	/* The code decides, not the text: this is no start. */
	coded_event(&log, CV_EVENT_AGENT_RELOAD, "agent started? no: agent reloaded: 1 vaults watched", 650);
	coded_rec(&log, 2, 901);
	coded_event(&log, CV_EVENT_AGENT_CRASH_DETECTED, "agent started (pid 102, tier lsm, camvault 0.1.0; the "
		    "previous agent ended without 'agent stopped')", 1500);
	coded_rec(&log, 3, 1600);
	coded_event(&log, CV_EVENT_AGENT_STOP, "agent stopped (pid 102)", 2000);
	assert_int_equal(cv_log_close(&log, err, sizeof(err)), 0);
	cv_tpm_close(&tpm);

	verify_expect(path, CV_VERIFY_OK, "verifies: 10 rows, 2 checkpoints", "covers 10 rows", NULL);
	gaps_expect(path);
	tail_expect(path, 10, CV_EVENT_AGENT_STOP, true);

	/* The rows as the report reads them: every kind, the codes as logged. */
	assert_int_equal(cv_log_open_ro(&log, path, err, sizeof(err)), 0);
	assert_int_equal(cv_log_rows(&log, &c, LT0, 0, err, sizeof(err)), 0);
	while ((ret = cv_log_next(&c, err, sizeof(err))) > 0) {
		n++;
		if (c.row.kind == CV_LOG_EVENT) {
			events++;
			assert_non_null(c.row.text);
			assert_int_equal(c.row.rec_len, strlen(c.row.text));
		}
		if (c.row.id == 3)
			assert_true(c.row.kind == CV_LOG_LOST && c.row.lost == 7);
		if (c.row.id == 6)
			assert_int_equal(c.row.event, CV_EVENT_AGENT_RELOAD);
		if (c.row.id == 8)
			assert_int_equal(c.row.event, CV_EVENT_AGENT_CRASH_DETECTED);
	}
	assert_int_equal(ret, 0);
	cv_log_cursor_close(&c);
	assert_int_equal(n, 9);		/* from T0: all but the first start */
	assert_int_equal(events, 5);
	/* The last access rows, oldest first. */
	assert_int_equal(cv_log_last_access(&log, &c, 2, err, sizeof(err)), 0);
	assert_int_equal(cv_log_next(&c, err, sizeof(err)), 1);
	assert_int_equal(c.row.id, 7);
	assert_int_equal(cv_log_next(&c, err, sizeof(err)), 1);
	assert_int_equal(c.row.id, 9);
	assert_int_equal(c.row.rec_len, sizeof(struct camvault_rec));
	assert_int_equal(cv_log_next(&c, err, sizeof(err)), 0);
	cv_log_cursor_close(&c);
	{
		uint64_t lost;

		assert_int_equal(cv_log_lost_since(&log, LT0, &lost, err, sizeof(err)), 0);
		assert_true(lost == 7);
		assert_int_equal(cv_log_lost_since(&log, LT0 + 241 * LS, &lost, err, sizeof(err)), 0);
		assert_true(lost == 0);
	}
	cv_log_close(&log, err, sizeof(err));

	/* The code is hashed: changed, or removed, the row no longer follows. */
	{
		char cmd[768], copy[320];
		sqlite3 *db;

		snprintf(copy, sizeof(copy), "%s.code", path);
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", path, copy);
		assert_int_equal(system(cmd), 0);
		assert_int_equal(sqlite3_open(copy, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "UPDATE records SET event = 1 WHERE id = 8", NULL, NULL, NULL),
				 SQLITE_OK);
		sqlite3_close(db);
		verify_expect(copy, CV_VERIFY_ALTERED, "row 8 (event \"agent started (pid 102", "was altered after "
			      "it was logged", NULL);
		assert_int_equal(sqlite3_open(copy, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "UPDATE records SET event = NULL WHERE id = 8", NULL, NULL, NULL),
				 SQLITE_OK);
		sqlite3_close(db);
		verify_expect(copy, CV_VERIFY_ALTERED, "row 8 (event \"agent started (pid 102", "was altered after "
			      "it was logged", NULL);
	}
}

/* Appends one row to a schema 1 log as camvault did before codes: the schema 1 chain, no event column. */
struct old_log {
	sqlite3 *db;
	int64_t id;
	uint8_t link[32];
};

static void old_row(struct old_log *o, enum cv_log_kind kind, int at_s, const void *rec, size_t len,
		    const struct camvault_rec *r)
{
	char sql[1024];
	size_t n = 0, i;
	sqlite3_stmt *st;
	int col = 7;

	cv_log_link(o->link, kind, LT0 + at_s * LS, rec, len, o->link);
	n += (size_t)snprintf(sql + n, sizeof(sql) - n, "INSERT INTO records (id, kind, time, text, lost, rec, link");
	for (i = 0; r && i < cv_log_ncols; i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, ", %s", cv_log_cols[i].name);
	n += (size_t)snprintf(sql + n, sizeof(sql) - n, ") VALUES (?, ?, ?, ?, ?, ?, ?");
	for (i = 0; r && i < cv_log_ncols; i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, ", ?");
	snprintf(sql + n, sizeof(sql) - n, ")");
	assert_int_equal(sqlite3_prepare_v2(o->db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, ++o->id);
	sqlite3_bind_text(st, 2, cv_log_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, LT0 + at_s * LS);
	if (kind == CV_LOG_EVENT)
		sqlite3_bind_text(st, 4, rec, (int)len, SQLITE_STATIC);
	if (kind == CV_LOG_LOST) {
		const uint8_t *b = rec;
		uint64_t v = 0;

		for (i = 0; i < 8; i++)
			v = v << 8 | b[i];
		sqlite3_bind_int64(st, 5, (int64_t)v);
	}
	sqlite3_bind_blob(st, 6, rec, (int)len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, o->link, 32, SQLITE_STATIC);
	for (i = 0; r && i < cv_log_ncols; i++) {
		const struct cv_log_col *c = &cv_log_cols[i];
		const char *str;
		size_t sl;

		col++;
		if (c->kind == CV_COL_INT) {
			sqlite3_bind_int64(st, col, cv_log_col_int(c, r));
		} else {
			str = cv_log_col_str(c, r, &sl);
			sqlite3_bind_text(st, col, str, (int)sl, SQLITE_TRANSIENT);
		}
	}
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static void old_event(struct old_log *o, const char *text, int at_s)
{
	old_row(o, CV_LOG_EVENT, at_s, text, strlen(text), NULL);
}

static void old_rec(struct old_log *o, int i, int at_s)
{
	struct camvault_rec r;

	rec_make(&r, i);
	old_row(o, CV_LOG_ACCESS, at_s, &r, sizeof(r), &r);
}

static int64_t user_version(const char *path)
{
	sqlite3_stmt *st;
	sqlite3 *db;
	int64_t v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void test_old_text_events(void **state)
{
	const uint8_t lost[8] = { 0, 0, 0, 0, 0, 0, 0, 7 };
	char path[300], err[768] = "";
	struct cv_tpm tpm;
	struct cv_log log;
	struct old_log o = { 0 };
	sqlite3_stmt *st;
	struct gaps v;

	(void)state;
	/* An empty log with its key, counter and first checkpoint, made schema 1: no event column. */
	open_new(&log, &tpm, "old", 100, path);
	assert_int_equal(cv_log_close(&log, err, sizeof(err)), 0);
	cv_tpm_close(&tpm);
	assert_int_equal(sqlite3_open(path, &o.db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(o.db, "ALTER TABLE records DROP COLUMN event; PRAGMA user_version = 1", NULL,
				      NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(o.db, "SELECT value FROM meta WHERE name = 'log_id'", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(st, 0), 16);
	cv_log_genesis(sqlite3_column_blob(st, 0), o.link);
	sqlite3_finalize(st);

	/* The agent's life, the old way: its events are text. */
	old_event(&o, "agent started (pid 100, tier lsm, camvault 0.1.0)", -3600);
	old_rec(&o, 1, 10);
	old_row(&o, CV_LOG_LOST, 240, lost, sizeof(lost), NULL);
	old_event(&o, "agent stopped (pid 100)", 300);
	old_event(&o, "agent started (pid 101, tier lsm, camvault 0.1.0)", 600);
	old_event(&o, "vault cam0 opened: /dev/mapper/cam0", 650);
	old_rec(&o, 2, 901);
	old_event(&o, "agent started (pid 102, tier lsm, camvault 0.1.0; the previous agent ended without 'agent "
		  "stopped')", 1500);
	old_rec(&o, 3, 1600);
	old_event(&o, "agent stopped (pid 102)", 2000);
	sqlite3_close(o.db);

	/* Read as it is (verify and report open read-only: no upgrade): it verifies, its gaps are found. */
	assert_int_equal(user_version(path), 1);
	verify_expect(path, CV_VERIFY_OK, "verifies: 10 rows, 1 checkpoints", "Rows 1 to 10 came after the last "
		      "checkpoint", NULL);
	gaps_expect(path);
	tail_expect(path, 10, CV_EVENT_AGENT_STOP, true);
	assert_int_equal(user_version(path), 1);

	/* Opened for writing, it becomes schema 2; its rows keep their links, and new rows get codes. */
	tpm_open(&tpm);
	if (cv_log_open(&log, path, &tpm, NULL, err, sizeof(err)))
		fail_msg("cv_log_open: %s", err);
	assert_int_equal(user_version(path), CV_LOG_SCHEMA);
	assert_int_equal(cv_log_checkpoint(&log, err, sizeof(err)), 0);
	verify_expect(path, CV_VERIFY_OK, "verifies: 10 rows, 2 checkpoints", "covers 10 rows", NULL);
	gaps_expect(path);
	coded_event(&log, CV_EVENT_AGENT_START, "agent started (pid 103, tier lsm, camvault 0.1.0)", 2500);
	coded_rec(&log, 4, 2600);
	assert_int_equal(cv_log_close(&log, err, sizeof(err)), 0);
	cv_tpm_close(&tpm);
	verify_expect(path, CV_VERIFY_OK, "verifies: 12 rows, 3 checkpoints", "covers 12 rows", NULL);
	tail_expect(path, 12, CV_EVENT_AGENT_START, false);
	gaps_of(path, 0, 0, &v);
	assert_int_equal(v.n, 3);
	gap_is(&v.g[0], 300, 600, false, false);
	gap_is(&v.g[1], 901, 1500, true, false);
	gap_is(&v.g[2], 2000, 2500, false, false);
}

/*
 * The log's signing key and counter must not change, or a log made before no longer verifies or checkpoints:
 * their public areas as the TPM reports them (unique and the counter's handle cleared), marshalled, against
 * what camvault made when these values were pinned.
 */
#define LOGKEY_PUBLIC	"0023000b00040472000000100018000b0003001000000000"
#define LOGNV_PUBLIC	"00000000000b0202001400000008"

static void test_templates(void **state)
{
	uint8_t auth[CV_LOGNV_AUTH_BYTES];
	TPM2B_PUBLIC pub = { .size = 0 };
	struct cv_logkey k;
	struct cv_tpm tpm;
	char err[768] = "";
	uint32_t idx = 0;
	size_t off = 0;

	(void)state;
	cv_swtpm_require();
	tpm_open(&tpm);
	if (cv_logkey_create(&tpm, &k, err, sizeof(err)))
		fail_msg("cv_logkey_create: %s", err);
	assert_int_equal(k.srk_alg, TPM2_ALG_ECC);
	assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Unmarshal(k.pub, k.pub_len, &off, &pub), TSS2_RC_SUCCESS);
	cv_expect_public("the log's signing key", &pub.publicArea, LOGKEY_PUBLIC);

	if (cv_lognv_define(&tpm, &idx, auth, err, sizeof(err)))
		fail_msg("cv_lognv_define: %s", err);
	assert_true(idx >= CV_LOGNV_FIRST && idx <= CV_LOGNV_LAST);
	cv_expect_nv_public(tpm.esys, idx, "the log's NV counter", LOGNV_PUBLIC);
	assert_int_equal(cv_lognv_undefine(&tpm, idx, err, sizeof(err)), 0);
	cv_tpm_close(&tpm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intact),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_altered_time),
		cmocka_unit_test(test_altered_record),
		cmocka_unit_test(test_altered_column),
		cmocka_unit_test(test_altered_link),
		cmocka_unit_test(test_deleted),
		cmocka_unit_test(test_deleted_renumbered),
		cmocka_unit_test(test_inserted),
		cmocka_unit_test(test_reordered),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_truncated_rows),
		cmocka_unit_test(test_bad_signature),
		cmocka_unit_test(test_pubkey),
		cmocka_unit_test(test_truncated_then_appended),
		cmocka_unit_test(test_unprotected_tail),
		cmocka_unit_test(test_two_writers),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_counter_write_protected),
		cmocka_unit_test(test_counter_old_kind),
		cmocka_unit_test(test_counter_replaced),
		cmocka_unit_test(test_relative_path),
		cmocka_unit_test(test_event_codes),
		cmocka_unit_test(test_old_text_events),
		cmocka_unit_test(test_templates),
	};

	return cmocka_run_group_tests(tests, log_setup, log_teardown);
}
