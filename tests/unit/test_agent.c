// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's decisions without a kernel (agent/daemon/agentlogic.c): the replayed record skipped at a restart, the
 * loss deltas, the timer deadlines that keep an idle agent asleep, the daily digest's time across DST, the
 * journal's priority prefixes, the alert storm's summary and the actors it names; and the kernel's event
 * messages it logs (agent/vault/ipc.c: cv_parse_event).
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "daemon/agentinfo.h"
#include "daemon/agentlogic.h"
#include "util/record.h"
#include "helpers.h"
#include "vault/ipc.h"

static void rec_n(struct camvault_rec *r, int i)
{
	memset(r, 0, sizeof(*r));
	r->type = CAMVAULT_REC_SESSION;
	r->pid = 400 + i;
	r->close_ns = 123456789 + i;
	snprintf(r->path, sizeof(r->path), "/media/frigate/%d.mp4", i);
}

/*
 * The records a killed agent had committed come again, as a run from somewhere in the log's tail to its end:
 * skipped exactly, and the first other record ends the replay. A record one bit away is another record.
 */
static void test_replay(void **state)
{
	struct cv_replay rp = { 0 };
	struct camvault_rec r;
	int i;

	(void)state;
	/* No access row yet: nothing is a replay. */
	rec_n(&r, 0);
	assert_false(cv_replay_skip(&rp, &r));
	/* The log's tail: rows 0..9; the ring hands 6..9 again, then 10. */
	for (i = 0; i < 10; i++) {
		rec_n(&r, i);
		assert_int_equal(cv_replay_add(&rp, &r, sizeof(r)), 0);
	}
	for (i = 6; i < 10; i++) {
		rec_n(&r, i);
		assert_true(cv_replay_skip(&rp, &r));
	}
	assert_true(cv_replay_done(&rp));
	rec_n(&r, 10);
	assert_false(cv_replay_skip(&rp, &r));
	/* A batch that was never committed: its first record is not in the tail; nothing is skipped after it. */
	for (i = 0; i < 10; i++) {
		rec_n(&r, i);
		cv_replay_add(&rp, &r, sizeof(r));
	}
	rec_n(&r, 11);
	assert_false(cv_replay_skip(&rp, &r));
	assert_true(cv_replay_done(&rp));
	rec_n(&r, 9);
	assert_false(cv_replay_skip(&rp, &r));
	/* One bit anywhere is another record: the last byte of path2. */
	rec_n(&r, 0);
	cv_replay_add(&rp, &r, sizeof(r));
	r.path2[sizeof(r.path2) - 1] = 1;
	assert_false(cv_replay_skip(&rp, &r));
	/* Anchored, then a record out of order: the replay ends there. */
	for (i = 0; i < 5; i++) {
		rec_n(&r, i);
		cv_replay_add(&rp, &r, sizeof(r));
	}
	rec_n(&r, 2);
	assert_true(cv_replay_skip(&rp, &r));
	rec_n(&r, 4);
	assert_false(cv_replay_skip(&rp, &r));
	rec_n(&r, 3);
	assert_false(cv_replay_skip(&rp, &r));
	cv_replay_free(&rp);
}

static void test_lost_delta(void **state)
{
	(void)state;
	assert_int_equal(cv_agent_lost_delta(0, 0), 0);
	assert_int_equal(cv_agent_lost_delta(10, 15), 5);
	assert_int_equal(cv_agent_lost_delta(15, 15), 0);
	/* Replaced probes count from 0 again: all they counted is new. */
	assert_int_equal(cv_agent_lost_delta(15, 3), 3);
	assert_true(cv_agent_lost_delta(1, UINT64_MAX) == UINT64_MAX - 1);
}

static void test_next_due(void **state)
{
	struct cv_agent_due d = { 0 };

	(void)state;
	/* Idle: nothing due, the timer disarmed. */
	assert_int_equal(cv_agent_next_due(&d), 0);
	d.retry_ns = 900;
	assert_int_equal(cv_agent_next_due(&d), 900);
	d.checkpoint_ns = 500;
	d.lost_check_ns = 700;
	assert_int_equal(cv_agent_next_due(&d), 500);
	d.checkpoint_ns = 0;
	assert_int_equal(cv_agent_next_due(&d), 700);
}

static void test_checkpoint_due(void **state)
{
	(void)state;
	/* Every row covered by the last checkpoint: none due, whatever the time. */
	assert_int_equal(cv_agent_checkpoint_due(40, 40, 100, 600), 0);
	assert_int_equal(cv_agent_checkpoint_due(0, 0, 100, 600), 0);
	/* Rows beyond it: every_s after that checkpoint. */
	assert_true(cv_agent_checkpoint_due(41, 40, 100, 600) == 700 * 1000000000LL);
	assert_true(cv_agent_checkpoint_due(41, 40, 100, 2) == 102 * 1000000000LL);
}

static void test_timer_spec(void **state)
{
	struct itimerspec its;

	(void)state;
	memset(&its, 0x5a, sizeof(its));
	cv_agent_timer_spec(0, &its);
	/* All zero: timerfd_settime disarms. */
	assert_int_equal(its.it_value.tv_sec, 0);
	assert_int_equal(its.it_value.tv_nsec, 0);
	assert_int_equal(its.it_interval.tv_sec, 0);
	assert_int_equal(its.it_interval.tv_nsec, 0);
	cv_agent_timer_spec(1500000000LL, &its);
	assert_int_equal(its.it_value.tv_sec, 1);
	assert_int_equal(its.it_value.tv_nsec, 500000000);
	/* One-shot: never an interval that would wake an idle agent again. */
	assert_int_equal(its.it_interval.tv_sec, 0);
	assert_int_equal(its.it_interval.tv_nsec, 0);
}

static void test_parse_hhmm(void **state)
{
	static const char *const bad[] = { "", "8:00", "08:0", "24:00", "23:60", "08-00", "08:00 ", " 8:00",
					   "0a:00", "08:0x", "99:99", "-1:00", "08:000" };
	size_t i;

	(void)state;
	assert_int_equal(cv_agent_parse_hhmm("08:00"), 480);
	assert_int_equal(cv_agent_parse_hhmm("00:00"), 0);
	assert_int_equal(cv_agent_parse_hhmm("23:59"), 23 * 60 + 59);
	assert_int_equal(cv_agent_parse_hhmm(NULL), -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cv_agent_parse_hhmm(bad[i]), -1);
}

static time_t local_time(int y, int mon, int d, int h, int min)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = h, .tm_min = min,
			 .tm_isdst = -1 };

	return mktime(&tm);
}

static void test_next_daily(void **state)
{
	time_t now, next;

	(void)state;
	/* Central Europe, without tzdata: DST from the last Sunday of March to the last of October. */
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	now = local_time(2026, 11, 29, 7, 59);
	assert_int_equal(cv_agent_next_daily(now, 480), now + 60);
	/* At 08:00 sharp, today's is taken: tomorrow's. */
	now = local_time(2026, 11, 29, 8, 0);
	assert_int_equal(cv_agent_next_daily(now, 480), now + 24 * 3600);
	now = local_time(2026, 11, 29, 23, 30);
	assert_int_equal(cv_agent_next_daily(now, 0), now + 30 * 60);
	/* Autumn: the day from 08:00 on the 24th to 08:00 on the 25th has 25 hours. */
	now = local_time(2026, 10, 24, 8, 0);
	assert_int_equal(cv_agent_next_daily(now, 480), now + 25 * 3600);
	/* Spring: 23 hours. */
	now = local_time(2026, 3, 28, 8, 0);
	assert_int_equal(cv_agent_next_daily(now, 480), now + 23 * 3600);
	/* 02:30 does not exist on the 29th of March: still the next day's, within a day and an hour. */
	now = local_time(2026, 3, 28, 3, 0);
	next = cv_agent_next_daily(now, 150);
	assert_true(next > now && next <= now + 25 * 3600);
	unsetenv("TZ");
	tzset();
}

static void test_format_line(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(cv_agent_format_line(buf, sizeof(buf), CV_AGENT_INFO, true, "agent started"), 17);
	assert_string_equal(buf, "<6>agent started\n");
	cv_agent_format_line(buf, sizeof(buf), CV_AGENT_ERR, true, "x failed");
	assert_string_equal(buf, "<3>x failed\n");
	cv_agent_format_line(buf, sizeof(buf), CV_AGENT_WARNING, false, "lost 3 records");
	assert_string_equal(buf, "agent: lost 3 records\n");
	cv_agent_format_line(buf, sizeof(buf), CV_AGENT_ERR, false, "x failed: do y");
	assert_string_equal(buf, "camvault: x failed: do y\n");
}

/*
 * A record as --verbose puts it in the journal: a comm of "x\n<0>FAKE" would have been a second journal line
 * of priority 0 (journald reads "<N>" at a line's start), the ESC of exe and path sequences for the terminal.
 * One line, of printable ASCII; and a message naming such a comm itself (an error) is one line too.
 */
static void test_format_line_injection(void **state)
{
	struct camvault_rec r = { 0 };
	char rec[4096], line[4 * sizeof(rec) + 16];
	size_t i, n;

	(void)state;
	r.type = CAMVAULT_REC_SESSION;
	r.loginuid = CAMVAULT_ID_UNSET;
	strcpy(r.comm, "x\n<0>FAKE");
	strcpy(r.exe, "/usr/bin/\x1b[31mcat");
	strcpy(r.path, "/media/\x1b[31m.mp4");
	cv_rec_format_text(&r, 0, rec, sizeof(rec));
	n = (size_t)cv_agent_format_line(line, sizeof(line), CV_AGENT_DEBUG, true, rec);
	assert_int_equal(n, strlen(line));
	assert_memory_equal(line, "<7>", 3);
	assert_int_equal(line[n - 1], '\n');
	for (i = 0; i + 1 < n; i++)
		assert_true(line[i] >= 0x20 && line[i] < 0x7f);
	assert_non_null(strstr(line, "(x\\x0a<0>FAKE) /usr/bin/\\x1b[31mcat"));
	cv_agent_format_line(line, sizeof(line), CV_AGENT_ERR, true, "cannot watch /x\x1b[31m\n<0>FAKE");
	assert_string_equal(line, "<3>cannot watch /x\\x1b[31m\\x0a<0>FAKE\n");
	/* Short, it cuts the message between escapes and keeps the newline. */
	cv_agent_format_line(line, 12, CV_AGENT_ERR, true, "ab\x1b\x1b");
	assert_string_equal(line, "<3>ab\\x1b\n");
}

/* An event as camvault.ko multicasts it. */
static struct nl_msg *event_msg(uint32_t event, const char *name, bool count, uint64_t errors)
{
	struct nl_msg *msg = cv_test_genl_msg(CAMVAULT_CMD_EVENT);

	assert_non_null(msg);
	assert_int_equal(nla_put_u32(msg, CAMVAULT_A_EVENT, event), 0);
	if (name)
		assert_int_equal(nla_put_string(msg, CAMVAULT_A_VAULT_NAME, name), 0);
	if (count) {
		/* nla_put_u64_64bit()'s alignment pad, as the kernel puts it. */
		assert_int_equal(nla_put(msg, CAMVAULT_A_PAD, 0, NULL), 0);
		assert_int_equal(nla_put_u64(msg, CAMVAULT_A_VAULT_IO_ERRORS, errors), 0);
	}
	return msg;
}

static int parse_event(struct nl_msg *msg, struct cv_event *e)
{
	int ret;

	memset(e, 0x5a, sizeof(*e));
	ret = cv_parse_event(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len, e);
	nlmsg_free(msg);
	return ret;
}

/* An unexpected read of /media/frigate/N.mp4 by exe with uid and cgroup. */
static void storm_rec(struct camvault_rec *r, const char *exe, uint32_t uid, uint64_t cgroup, int i)
{
	rec_n(r, i);
	snprintf(r->exe, sizeof(r->exe), "%s", exe);
	snprintf(r->comm, sizeof(r->comm), "cat");
	r->uid = uid;
	r->cgroup_id = cgroup;
}

/*
 * An alert storm: 5 alerts a minute on their own, then held. A flood of decoy reads by one program, and among
 * them one read by another program and user: the summary names both actors with their counts, the odd one
 * first, its name escaped. Past 8 actors it says how many others; a new minute alerts again.
 */
static void test_storm(void **state)
{
	struct cv_storm *s = calloc(1, sizeof(*s));
	struct camvault_rec r;
	char title[256], text[CV_STORM_TEXT_MAX];
	int64_t t0 = 1000 * 1000000000LL;	/* CLOCK_MONOTONIC at 1000 s */
	int i;

	(void)state;
	assert_non_null(s);
	assert_false(cv_storm_summary(s, title, sizeof(title), text, sizeof(text)));
	for (i = 0; i < CV_STORM_BURST; i++) {
		storm_rec(&r, "/usr/bin/cat", 1000, 77, i);
		assert_true(cv_storm_admit(s, &r, "cam0", t0 + i));
	}
	for (i = 0; i < 20; i++) {
		storm_rec(&r, "/usr/bin/cat", 1000, 77, 100 + i);
		assert_false(cv_storm_admit(s, &r, "cam0", t0 + 100 + i));
		if (i == 10) {
			storm_rec(&r, "/tmp/.x/\x1b[8mrsync\xff", 0, 4242, 999);
			assert_false(cv_storm_admit(s, &r, "cam0", t0 + 200));
		}
	}
	assert_false(cv_storm_over(s, t0 + CV_STORM_WINDOW_NS - 1));
	assert_true(cv_storm_over(s, t0 + CV_STORM_WINDOW_NS));
	assert_true(cv_storm_summary(s, title, sizeof(title), text, sizeof(text)));
	assert_string_equal(title, "camvault: 21 more unexpected accesses by 2 actors");
	assert_string_equal(text, "21 more unexpected accesses to footage in the minute after the last alert, by:\n"
			    "1 by /tmp/.x/\\x1b[8mrsync\\xff uid 0 cgroup 4242\n"
			    "20 by /usr/bin/cat uid 1000 cgroup 77\n"
			    "See them with: camvault report --unexpected --since 1h");
	/* The minute ended with its summary: the next access is an alert of its own again. */
	assert_false(cv_storm_over(s, t0 + 2 * CV_STORM_WINDOW_NS));
	storm_rec(&r, "/usr/bin/cat", 1000, 77, 500);
	assert_true(cv_storm_admit(s, &r, NULL, t0 + 2 * CV_STORM_WINDOW_NS));

	/* Twelve actors, the same program in twelve containers: eight named, then the four others counted. */
	for (i = 1; i < CV_STORM_BURST; i++)
		assert_true(cv_storm_admit(s, &r, NULL, t0 + 2 * CV_STORM_WINDOW_NS + i));
	for (i = 0; i < 12; i++) {
		storm_rec(&r, "/usr/bin/cp", 0, 100 + (uint64_t)i, i);
		assert_false(cv_storm_admit(s, &r, NULL, t0 + 2 * CV_STORM_WINDOW_NS + 10 + i));
	}
	assert_true(cv_storm_summary(s, title, sizeof(title), text, sizeof(text)));
	assert_string_equal(title, "camvault: 12 more unexpected accesses by 12 actors");
	assert_non_null(strstr(text, "\n1 by /usr/bin/cp uid 0 cgroup 100\n"));
	assert_non_null(strstr(text, "\n1 by /usr/bin/cp uid 0 cgroup 107\n"));
	assert_null(strstr(text, "cgroup 108"));
	assert_non_null(strstr(text, "\nand 4 other actors (4 accesses)\n"));

	/* Beyond the actors counted apart: counted together, and the title says "more than". */
	for (i = 0; i < CV_STORM_BURST; i++)
		assert_true(cv_storm_admit(s, &r, NULL, t0 + 4 * CV_STORM_WINDOW_NS + i));
	for (i = 0; i < CV_STORM_ACTORS + 3; i++) {
		storm_rec(&r, "/usr/bin/cp", (uint32_t)i, 1, i);
		assert_false(cv_storm_admit(s, &r, NULL, t0 + 4 * CV_STORM_WINDOW_NS + 10 + i));
	}
	assert_true(cv_storm_summary(s, title, sizeof(title), text, sizeof(text)));
	assert_string_equal(title, "camvault: 67 more unexpected accesses by more than 64 actors");
	assert_non_null(strstr(text, "\nand 56 other actors (56 accesses)\nand more actors, not counted apart "
			       "(3 accesses)\n"));
	free(s);
}

static void test_events(void **state)
{
	struct cv_event e, sentinel;
	struct nl_msg *msg;
	char text[128];

	(void)state;
	assert_int_equal(parse_event(event_msg(CAMVAULT_EVENT_LOCKED, "cam0", false, 0), &e), 0);
	assert_int_equal(e.event, CAMVAULT_EVENT_LOCKED);
	assert_string_equal(e.vault, "cam0");
	assert_false(e.has_io_errors);
	cv_event_format(&e, text, sizeof(text));
	assert_string_equal(text, "kernel: locked vault cam0");

	assert_int_equal(parse_event(event_msg(CAMVAULT_EVENT_IO_ERROR, "cam1", true, 3), &e), 0);
	assert_true(e.has_io_errors);
	assert_int_equal(e.io_errors, 3);
	cv_event_format(&e, text, sizeof(text));
	assert_string_equal(text, "kernel: io_error vault cam1 (3 I/O errors)");
	e.io_errors = 1;
	cv_event_format(&e, text, sizeof(text));
	assert_string_equal(text, "kernel: io_error vault cam1 (1 I/O error)");

	/* A newer module's event: logged by number, not dropped. */
	assert_int_equal(parse_event(event_msg(99, "cam0", false, 0), &e), 0);
	cv_event_format(&e, text, sizeof(text));
	assert_string_equal(text, "kernel: event 99 vault cam0");
	assert_null(cv_event_name(99));
	assert_string_equal(cv_event_name(CAMVAULT_EVENT_OPENED), "opened");
	assert_string_equal(cv_event_name(CAMVAULT_EVENT_CLOSED), "closed");

	/* Rejected, and *e left alone. */
	memset(&sentinel, 0x5a, sizeof(sentinel));
	assert_int_equal(parse_event(event_msg(CAMVAULT_EVENT_OPENED, NULL, false, 0), &e), -CV_PARSE_NO_VAULT_NAME);
	assert_memory_equal(&e, &sentinel, sizeof(e));
	assert_int_equal(parse_event(event_msg(CAMVAULT_EVENT_OPENED, "", false, 0), &e), -CV_PARSE_BAD_VAULT_NAME);
	assert_int_equal(parse_event(event_msg(CAMVAULT_EVENT_OPENED, "cam\x01", false, 0), &e),
			 -CV_PARSE_BAD_VAULT_NAME);
	msg = cv_test_genl_msg(CAMVAULT_CMD_EVENT);
	assert_int_equal(nla_put_string(msg, CAMVAULT_A_VAULT_NAME, "cam0"), 0);
	assert_int_equal(parse_event(msg, &e), -CV_PARSE_NO_EVENT);
	msg = cv_test_genl_msg(CAMVAULT_CMD_EVENT);
	assert_int_equal(nla_put_u64(msg, CAMVAULT_A_EVENT, 1), 0);
	assert_int_equal(nla_put_string(msg, CAMVAULT_A_VAULT_NAME, "cam0"), 0);
	assert_int_equal(parse_event(msg, &e), -CV_PARSE_BAD_EVENT);
	msg = cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS);
	assert_int_equal(nla_put_u32(msg, CAMVAULT_A_EVENT, 1), 0);
	assert_int_equal(nla_put_string(msg, CAMVAULT_A_VAULT_NAME, "cam0"), 0);
	assert_int_equal(parse_event(msg, &e), -CV_PARSE_WRONG_CMD);
	/* A count that is not a u64. */
	msg = event_msg(CAMVAULT_EVENT_IO_ERROR, "cam0", false, 0);
	assert_int_equal(nla_put_u32(msg, CAMVAULT_A_VAULT_IO_ERRORS, 3), 0);
	assert_int_equal(parse_event(msg, &e), -CV_PARSE_BAD_ATTR);
	/* Truncated by a byte. */
	msg = event_msg(CAMVAULT_EVENT_OPENED, "cam0", false, 0);
	assert_int_equal(cv_parse_event(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len - 1, &e), -CV_PARSE_TRUNCATED);
	nlmsg_free(msg);
	assert_string_equal(cv_parse_strerror(-CV_PARSE_NO_EVENT), "event has no CAMVAULT_A_EVENT attribute");
}

/* The agent's run directory, and its access log's: a temporary directory, in $CAMVAULT_RUNDIR and $CAMVAULT_DB. */
static char agent_dir[32];

static int agent_dir_setup(void **state)
{
	char db[64];

	(void)state;
	snprintf(agent_dir, sizeof(agent_dir), "/tmp/cv-agent-XXXXXX");
	assert_non_null(mkdtemp(agent_dir));
	snprintf(db, sizeof(db), "%s/access.db", agent_dir);
	return setenv("CAMVAULT_RUNDIR", agent_dir, 1) || setenv("CAMVAULT_DB", db, 1) ? -1 : 0;
}

static int agent_dir_teardown(void **state)
{
	(void)state;
	unsetenv("CAMVAULT_RUNDIR");
	unsetenv("CAMVAULT_DB");
	assert_int_equal(cv_test_rmtree(agent_dir), 0);
	return 0;
}

/* What status says of the agent: the pid file's lock says whether it runs, the log how much it holds. */
static void test_agent_info(void **state)
{
	char pidfile[64], db[64], line[512], want[512], when[32];
	struct cv_agent_info info;
	sqlite3 *h;
	int fd;

	(void)state;
	snprintf(pidfile, sizeof(pidfile), "%s/agent.pid", agent_dir);
	snprintf(db, sizeof(db), "%s/access.db", agent_dir);

	cv_agent_info(&info);
	assert_int_equal(info.pid, 0);
	cv_agent_status_line(&info, line, sizeof(line));
	snprintf(want, sizeof(want), "agent: not running, access log %s: no access log yet", db);
	assert_string_equal(line, want);

	/* Running: its pid file is locked. */
	fd = open(pidfile, O_RDWR | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "4242\n", 5), 5);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	cv_agent_info(&info);
	assert_int_equal(info.pid, 4242);
	/* Killed: the file stays, the lock went with the process. */
	assert_int_equal(flock(fd, LOCK_UN), 0);
	cv_agent_info(&info);
	assert_int_equal(info.pid, 0);

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE records (id INTEGER PRIMARY KEY, kind TEXT);"
				      "CREATE TABLE checkpoints (id INTEGER PRIMARY KEY, time INTEGER);"
				      "INSERT INTO records (kind) VALUES ('event'), ('access'), ('access');", NULL, NULL,
				      NULL), SQLITE_OK);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	cv_agent_info(&info);
	cv_agent_status_line(&info, line, sizeof(line));
	snprintf(want, sizeof(want), "agent: running (pid 4242), 3 rows in %s, last checkpoint none", db);
	assert_string_equal(line, want);
	assert_int_equal(sqlite3_exec(h, "INSERT INTO checkpoints (time) VALUES (1764400000123000000), "
				      "(1764400005123000000);", NULL, NULL, NULL), SQLITE_OK);
	cv_agent_info(&info);
	cv_agent_status_line(&info, line, sizeof(line));
	cv_wall_format(1764400005123000000LL, when, sizeof(when));
	snprintf(want, sizeof(want), "agent: running (pid 4242), 3 rows in %s, last checkpoint %s", db, when);
	assert_string_equal(line, want);

	/* Messages waiting for the owner: how many, since when; the delivered and dropped ones are not. */
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE outbox (id INTEGER PRIMARY KEY, created_ms INTEGER, state TEXT);"
				      "INSERT INTO outbox (created_ms, state) VALUES (1764400001000, 'sent'), "
				      "(1764400002000, 'queued'), (1764400003000, 'queued'), (1764400000000, 'dropped');",
				      NULL, NULL, NULL), SQLITE_OK);
	cv_agent_info(&info);
	cv_agent_status_line(&info, line, sizeof(line));
	cv_wall_format(1764400002000LL * 1000000, when, sizeof(when));
	assert_non_null(strstr(line, "; 2 messages to the owner not delivered yet (the oldest queued "));
	assert_non_null(strstr(line, when));
	{
		char *json = NULL;
		size_t jlen = 0;
		FILE *f = open_memstream(&json, &jlen);

		assert_non_null(f);
		cv_agent_status_json(&info, f);
		fclose(f);
		assert_non_null(strstr(json, "{\"running\":true,\"pid\":4242,\"db\":\""));
		assert_non_null(strstr(json, ",\"rows\":3,\"last_checkpoint\":\""));
		assert_non_null(strstr(json, ",\"outbox_waiting\":2}"));
		free(json);
	}

	/* Not a log: said, not fatal. */
	assert_int_equal(sqlite3_exec(h, "DROP TABLE records;", NULL, NULL, NULL), SQLITE_OK);
	cv_agent_info(&info);
	assert_int_equal(info.rows, -1);
	assert_non_null(strstr(info.why, "unreadable: no such table: records"));
	sqlite3_close(h);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_lost_delta),
		cmocka_unit_test(test_next_due),
		cmocka_unit_test(test_checkpoint_due),
		cmocka_unit_test(test_timer_spec),
		cmocka_unit_test(test_parse_hhmm),
		cmocka_unit_test(test_next_daily),
		cmocka_unit_test(test_format_line),
		cmocka_unit_test(test_format_line_injection),
		cmocka_unit_test(test_storm),
		cmocka_unit_test(test_events),
		cmocka_unit_test_setup_teardown(test_agent_info, agent_dir_setup, agent_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
