// SPDX-License-Identifier: GPL-2.0
/*
 * camvault report against a real access log (swtpm): ffmpeg writing Frigate segments, nginx serving one to a
 * browser, a cp by uid 1000, Python copying a clip to a remote peer, a camera streamed, a lost-events row,
 * the agent stopped cleanly and restarted, then crashed and restarted, a file named with <script> in it, a
 * retention delete and an access on a second vault. The text and JSON outputs say who, what, when, how much,
 * how and whether expected; the filters (--since, --vault, --unexpected) narrow them; the JSON validates
 * against docs/report-schema.json; the HTML is written to build/artifacts/report.html for
 * test_report_html.sh, which renders it in headless Chromium.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <libgen.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "util/opts.h"
#include "log/log.h"
#include "policy/policy.h"
#include "report/report.h"
#include "vault/registry.h"

int cmd_report(int argc, char **argv);

#define NS 1000000000LL
#define T0 (1795600800LL * NS)	/* 2026-11-25T10:00:00Z */
#define OFF (T0 - 1000 * NS)	/* boot time to wall clock: boot 1000 s is T0 */

static char dir[] = "/tmp/camvault-unit-report.XXXXXX";
static char db[256], artifacts[512];
static int built;
static struct cv_policy *pol;
static struct cv_registry reg;

static const char policy_text[] =
	"allow frigate-record exe=/usr/lib/ffmpeg/*/bin/ffmpeg op=write,truncate path=/media/frigate/recordings/*\n"
	"allow frigate-retention exe=/usr/bin/python3* op=unlink path=/media/frigate/recordings/*\n"
	"allow frigate-serve exe=/usr/*sbin/nginx op=read,mmap,peer path=/media/frigate/*\n";

static const char registry_text[] = "cam0 /srv/cam0.img /media/frigate\ncam1 /srv/cam1.img /media/other\n";

static int report_setup(void **state)
{
	char err[512];

	if (!mkdtemp(dir))
		return -1;
	snprintf(db, sizeof(db), "%s/access.db", dir);
	if (cv_policy_parse(policy_text, strlen(policy_text), "policy.conf", &pol, err, sizeof(err)) ||
	    cv_registry_parse(registry_text, strlen(registry_text), "vaults.conf", &reg, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return cv_swtpm_setup(state);
}

static int report_teardown(void **state)
{
	cv_policy_free(pol);
	cv_registry_free(&reg);
	cv_test_rmtree(dir);
	return cv_swtpm_teardown(state);
}

/* A session record opened at T0 + open_s for dur_s seconds (boot time: 1000 s is T0). */
static struct camvault_rec rec(const char *exe, uint32_t pid, uint32_t uid, const char *path, int open_s, int dur_s)
{
	struct camvault_rec r;
	const char *slash = strrchr(exe, '/');

	memset(&r, 0, sizeof(r));
	r.type = CAMVAULT_REC_SESSION;
	r.tier = CAMVAULT_TIER_LSM;
	r.pid = pid;
	r.tid = pid;
	r.ppid = 1;
	r.uid = uid;
	r.gid = uid;
	r.loginuid = CAMVAULT_ID_UNSET;
	r.sessionid = CAMVAULT_ID_UNSET;
	r.open_ns = (uint64_t)(1000 + open_s) * NS;
	r.close_ns = r.open_ns + (uint64_t)dur_s * NS;
	r.cgroup_id = 4242;
	snprintf(r.exe, sizeof(r.exe), "%s", exe);
	snprintf(r.comm, sizeof(r.comm), "%s", slash ? slash + 1 : exe);
	snprintf(r.path, sizeof(r.path), "%s", path);
	return r;
}

static void peer(struct camvault_rec *r, const char *ip, uint16_t port)
{
	r->rflags |= CAMVAULT_RF_PEER;
	r->peer_family = AF_INET;
	r->peer_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, r->peer_addr), 1);
}

static void append(struct cv_log *log, const struct camvault_rec *r)
{
	char err[768];

	if (cv_log_append_rec(log, r, (int64_t)r->close_ns + OFF, err, sizeof(err)))
		fail_msg("append: %s", err);
}

/* The events with their codes, or (coded 0) as text alone, as camvault logged them before codes. */
static int coded;

static void event(struct cv_log *log, enum cv_log_event ev, const char *text, int at_s)
{
	char err[768];

	if (cv_log_append_event_code(log, coded ? ev : CV_EVENT_NONE, text, T0 + at_s * NS, err, sizeof(err)))
		fail_msg("append event: %s", err);
}

#define SEG "/media/frigate/recordings/2026-11-25/10/front/"

static void build(const char *path)
{
	struct cv_tpm tpm;
	struct cv_log log;
	struct camvault_rec r;
	char err[768] = "";

	if (cv_tpm_open(&tpm, err, sizeof(err)) < 0)
		fail_msg("cv_tpm_open: %s", err);
	if (cv_log_open(&log, path, &tpm, NULL, err, sizeof(err)))
		fail_msg("cv_log_open: %s", err);
	event(&log, CV_EVENT_AGENT_START, "agent started (pid 100, lsm tier)", -3600);		/* row 1 */
	r = rec("/usr/lib/ffmpeg/7.0/bin/ffmpeg", 412, 0, SEG "00.00.mp4", 0, 10);
	r.bytes_written = 4 << 20;
	append(&log, &r);							/* 2 */
	r = rec("/usr/lib/ffmpeg/7.0/bin/ffmpeg", 412, 0, SEG "00.10.mp4", 10, 10);
	r.bytes_written = 3 << 20;
	append(&log, &r);							/* 3 */
	r = rec("/usr/local/nginx/sbin/nginx", 77, 0, SEG "00.00.mp4", 60, 5);
	r.bytes_read = 4 << 20;
	peer(&r, "192.168.1.20", 51000);
	append(&log, &r);							/* 4 */
	r = rec("/usr/bin/cp", 2001, 1000, SEG "00.00.mp4", 120, 1);
	r.bytes_read = 4 << 20;
	r.cgroup_id = 7777;
	append(&log, &r);							/* 5 */
	r = rec("/usr/bin/python3.11", 2002, 1000, SEG "00.10.mp4", 180, 3);
	r.bytes_read = 3 << 20;
	peer(&r, "203.0.113.9", 443);
	append(&log, &r);							/* 6 */
	r = rec("/usr/bin/v4l2-ctl", 2003, 1000, "/dev/video0", 200, 30);
	r.rflags = CAMVAULT_RF_CAMERA;
	r.tier = CAMVAULT_TIER_KPROBE;
	r.streamons = 1;
	r.dqbufs = 300;
	r.mmaps = 4;
	append(&log, &r);							/* 7 */
	if (cv_log_append_lost(&log, 7, T0 + 240 * NS, err, sizeof(err)))	/* 8 */
		fail_msg("append lost: %s", err);
	event(&log, CV_EVENT_AGENT_STOP, "agent stopped (SIGTERM)", 300);				/* 9 */
	event(&log, CV_EVENT_AGENT_START, "agent started (pid 101, lsm tier)", 600);			/* 10 */
	r = rec("/usr/bin/cat", 2004, 0, "/media/frigate/clips/<script>alert(1)</script>.mp4", 700, 1);
	r.bytes_read = 1000;
	append(&log, &r);							/* 11 */
	r = rec("/usr/bin/python3.11", 90, 0, SEG "00.00.mp4", 800, 0);
	r.type = CAMVAULT_REC_UNLINK;
	append(&log, &r);							/* 12 */
	r = rec("/usr/bin/cat", 2005, 0, "/media/other/x.mp4", 900, 1);
	r.bytes_read = 10;
	append(&log, &r);							/* 13 */
	event(&log, CV_EVENT_AGENT_CRASH_DETECTED, "agent started (pid 102, lsm tier)", 1500);		/* 14: a crash before */
	r = rec("/usr/lib/ffmpeg/7.0/bin/ffmpeg", 500, 0, SEG "25.00.mp4", 1500, 10);
	r.bytes_written = 5 << 20;
	append(&log, &r);							/* 15 */
	if (cv_log_close(&log, err, sizeof(err)))
		fail_msg("cv_log_close: %s", err);
	cv_tpm_close(&tpm);
}

static void require_log(void)
{
	cv_swtpm_require();
	if (!built) {
		build(db);
		built = 1;
	}
}

/* The report of the log at path as a string (malloc'd). */
static char *report_of(const char *path, enum cv_report_format format, int64_t since, int64_t until,
		       const char *vault, bool unexp)
{
	struct cv_report_opts o = { since, until, vault, unexp, format };
	struct cv_log log;
	char err[768] = "", *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (cv_log_open_ro(&log, path, err, sizeof(err)))
		fail_msg("cv_log_open_ro: %s", err);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	if (cv_report_write(&log, pol, &reg, &o, f, err, sizeof(err)))
		fail_msg("cv_report_write: %s", err);
	fclose(f);
	cv_log_close(&log, err, sizeof(err));
	return buf;
}

/* The report of the test's log (built with events as text alone, as before codes). */
static char *report(enum cv_report_format format, int64_t since, int64_t until, const char *vault, bool unexp)
{
	require_log();
	return report_of(db, format, since, until, vault, unexp);
}

static void has(const char *out, const char *want)
{
	if (!strstr(out, want))
		fail_msg("the report lacks \"%s\":\n%s", want, out);
}

static void lacks(const char *out, const char *unwanted)
{
	if (strstr(out, unwanted))
		fail_msg("the report has \"%s\":\n%s", unwanted, out);
}

static size_t count(const char *out, const char *what)
{
	size_t n = 0;

	for (; (out = strstr(out, what)); out++)
		n++;
	return n;
}

#define WINDOW T0 - 2 * 3600 * NS, T0 + 2 * 3600 * NS

static void test_text(void **state)
{
	char *out;

	(void)state;
	out = report(CV_REPORT_TEXT, WINDOW, NULL, false);
	has(out, "camvault report, 2026-11-25T08:00:00.000Z to 2026-11-25T12:00:00.000Z\n");
	has(out, "10 accesses, 5 unexpected, coverage: lsm and kprobe tiers, 7 lost, 2 gaps (agent down 14m 59s)\n");
	has(out, "lost: 7 events the probes could not record (1 report)\n");
	has(out, "gap: agent down 2026-11-25T10:05:00.000Z to 2026-11-25T10:10:00.000Z (5m 0s), stopped cleanly\n");
	/* The crash: from the last row before the restart (row 13, closed at T0 + 901 s). */
	has(out, "gap: agent down 2026-11-25T10:15:01.000Z to 2026-11-25T10:25:00.000Z (9m 59s), it crashed");
	has(out, "2026-11-25T10:00:00.000Z  cam0        ffmpeg pid 412 uid 0 cgroup 4242");
	has(out, "wrote 4.0 MiB");
	has(out, "yes (frigate-record, line 1)");
	has(out, SEG "00.00.mp4 (camera front, clip of 2026-11-25T10:00:00Z)");
	has(out, SEG "25.00.mp4 (camera front, clip of 2026-11-25T10:25:00Z)");
	has(out, "read 4.0 MiB, copied to peer 192.168.1.20:51000");
	has(out, "yes (frigate-serve, line 3)");
	has(out, "cp pid 2001 uid 1000 cgroup 7777");
	has(out, "read 3.0 MiB, copied to peer 203.0.113.9:443");
	has(out, "(camera)    v4l2-ctl pid 2003 uid 1000");
	has(out, "streamed 300 frames, mapped 4 times");
	has(out, "deleted");
	has(out, "yes (frigate-retention, line 2)");
	has(out, "cam1        cat pid 2005");
	has(out, "by /usr/lib/ffmpeg/7.0/bin/ffmpeg, parent 1, closed 2026-11-25T10:00:10.000Z (lsm tier)");
	assert_int_equal(count(out, "UNEXPECTED"), 5);
	free(out);
}

static void test_filters(void **state)
{
	char *out;

	(void)state;
	/* Since 10:10:50: rows 11 on; the clean stop's gap ended before, the crash's is in. */
	out = report(CV_REPORT_TEXT, T0 + 650 * NS, T0 + 2 * 3600 * NS, NULL, false);
	has(out, "4 accesses, 2 unexpected, coverage: lsm tier, 0 lost, 1 gap (agent down 9m 59s)");
	lacks(out, "00.10.mp4");
	lacks(out, "stopped cleanly");
	free(out);
	out = report(CV_REPORT_TEXT, WINDOW, "cam0", false);
	has(out, ", vault cam0\n");
	has(out, "8 accesses, 3 unexpected");
	lacks(out, "/dev/video0");
	lacks(out, "/media/other");
	free(out);
	out = report(CV_REPORT_TEXT, WINDOW, NULL, true);
	has(out, "5 accesses, 5 unexpected");
	lacks(out, "yes (");
	has(out, "/dev/video0");
	free(out);
	/* An empty window: a summary, no table. */
	out = report(CV_REPORT_TEXT, T0 + 5 * 3600 * NS, T0 + 6 * 3600 * NS, NULL, false);
	has(out, "0 accesses, 0 unexpected, coverage: no records, 0 lost, no gaps");
	lacks(out, "WHEN (UTC)");
	free(out);
}

/*
 * The same log with the agent's events coded (CV_EVENT_AGENT_START, _STOP, _CRASH_DETECTED) gives the same
 * reports, gaps included, as the log whose events are text alone.
 */
static void test_coded_events(void **state)
{
	static const int64_t windows[][2] = {
		{ T0 - 2 * 3600 * NS, T0 + 2 * 3600 * NS }, { T0 + 650 * NS, T0 + 2 * 3600 * NS },
		{ T0 + 400 * NS, T0 + 1000 * NS }, { T0 + 5 * 3600 * NS, T0 + 6 * 3600 * NS },
	};
	char path[300];
	size_t i;

	(void)state;
	require_log();
	snprintf(path, sizeof(path), "%s/coded.db", dir);
	coded = 1;
	build(path);
	coded = 0;
	for (i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		char *text = report(CV_REPORT_TEXT, windows[i][0], windows[i][1], NULL, false);
		char *with_codes = report_of(path, CV_REPORT_TEXT, windows[i][0], windows[i][1], NULL, false);

		assert_string_equal(with_codes, text);
		free(text);
		free(with_codes);
	}
	{
		char *out = report_of(path, CV_REPORT_TEXT, T0 - 2 * 3600 * NS, T0 + 2 * 3600 * NS, NULL, false);

		has(out, "2 gaps (agent down 14m 59s)\n");
		has(out, "gap: agent down 2026-11-25T10:15:01.000Z to 2026-11-25T10:25:00.000Z (9m 59s), it crashed");
		free(out);
	}
}

/* Writes out to dir/name, returns the path. */
static const char *save(const char *name, const char *out)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(out, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void schema_check(const char *path)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "python3 '%s/tests/unit/json_schema_check.py' '%s/docs/report-schema.json' '%s'",
		 CV_SRCDIR, CV_SRCDIR, path);
	assert_int_equal(system(cmd), 0);
}

static void test_json(void **state)
{
	char *out, cmd[1024];

	(void)state;
	out = report(CV_REPORT_JSON, WINDOW, NULL, false);
	schema_check(save("report.json", out));
	has(out, "\"summary\":{\"accesses\":10,\"unexpected\":5,\"expected\":5,");
	has(out, "\"tiers\":[\"lsm\",\"kprobe\"],\"lost_events\":7,\"lost_rows\":1,\"malformed_rows\":0");
	has(out, "{\"start\":\"2026-11-25T10:05:00.000Z\",\"end\":\"2026-11-25T10:10:00.000Z\",\"seconds\":300,"
		 "\"reason\":\"stopped\",\"open_ended\":false}");
	has(out, "\"seconds\":599,\"reason\":\"crash\"");
	has(out, "{\"row\":2,\"expected\":true,\"rule\":\"frigate-record\",\"rule_line\":1,\"vault\":\"cam0\","
		 "\"camera\":\"front\",\"clip_time\":\"2026-11-25T10:00:00Z\","
		 "\"open_time\":\"2026-11-25T10:00:00.000Z\","
		 "\"close_time\":\"2026-11-25T10:00:10.000Z\",\"how\":\"wrote 4.0 MiB\",\"operations\":[\"write\"],"
		 "\"record\":{\"type\":\"session\"");
	has(out, "\"row\":6,\"expected\":false,\"rule\":null,\"rule_line\":null");
	has(out, "\"operations\":[\"read\",\"peer\"]");
	has(out, "\"camera\":\"/dev/video0\",\"clip_time\":null");
	has(out, "\"path\":\"/media/frigate/clips/<script>alert(1)</script>.mp4\"");
	free(out);
	/* Each filter's document validates too, and python's json reads the counts back. */
	out = report(CV_REPORT_JSON, WINDOW, "cam1", true);
	schema_check(save("report-cam1.json", out));
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
		 "sys.exit(not (d[\"summary\"][\"accesses\"] == 1 and d[\"accesses\"][0][\"vault\"] == \"cam1\" and "
		 "d[\"filter\"] == {\"vault\": \"cam1\", \"unexpected_only\": True}))' '%s/report-cam1.json'", dir);
	assert_int_equal(system(cmd), 0);
	free(out);
}

/* The HTML report, escaped, kept as an artifact for test_report_html.sh. */
static void test_html(void **state)
{
	char *out, path[600];
	FILE *f;

	(void)state;
	out = report(CV_REPORT_HTML, WINDOW, NULL, false);
	lacks(out, "<script");
	has(out, "&lt;script&gt;alert(1)&lt;/script&gt;.mp4");
	assert_int_equal(count(out, "<rect class=\"mark"), 10);
	assert_int_equal(count(out, "<rect class=\"mark unexpected\""), 5);
	assert_int_equal(count(out, "<rect class=\"gap\""), 2);
	assert_int_equal(count(out, "<tr class=\"access"), 10);
	assert_int_equal(count(out, "<tr class=\"access unexpected\""), 5);
	lacks(out, "http");
	lacks(out, " src=");
	lacks(out, "<link");
	mkdir(artifacts, 0755);
	snprintf(path, sizeof(path), "%s/report.html", artifacts);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(out, f);
	assert_int_equal(fclose(f), 0);
	free(out);
}

static void test_cli(void **state)
{
	char path[512], html[600];
	struct cv_run r;
	FILE *f;

	(void)state;
	require_log();
	snprintf(path, sizeof(path), "%s/policy.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(policy_text, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/vaults.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(registry_text, f);
	fclose(f);
	setenv("CAMVAULT_ETC", dir, 1);
	cv_run(&r, cmd_report, "report", "--db", db, "--since", "2026-11-25T10:10", "--until", "2026-11-25T12:00Z",
	       "--unexpected", NULL);
	assert_int_equal(r.rc, 0);
	has(r.out, "camvault report, 2026-11-25T10:10:00.000Z to 2026-11-25T12:00:00.000Z, unexpected accesses only");
	has(r.out, "2 accesses, 2 unexpected");
	snprintf(html, sizeof(html), "%s/cli.html", dir);
	cv_run(&r, cmd_report, "report", "--db", db, "--format=html", "-o", html, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(access(html, R_OK), 0);
	cv_run(&r, cmd_report, "report", "--db", db, "--since", "yesterday", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	has(r.err, "camvault report: bad time 'yesterday': give a duration back from now (30m, 24h, 7d)");
	cv_run(&r, cmd_report, "report", "--db", db, "--format", "pdf", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	has(r.err, "unknown format 'pdf': give text, json or html");
	cv_run(&r, cmd_report, "report", "--db", db, "--since", "2026-11-25", "--until", "2026-11-24", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	has(r.err, "--since is not before --until");
	cv_run(&r, cmd_report, "report", "--db", "/nonexistent/access.db", NULL);
	assert_int_equal(r.rc, 1);
	has(r.err, "camvault report: ");
	f = fopen(path, "w");
	fputs("cam0 relative /x\n", f);
	fclose(f);
	cv_run(&r, cmd_report, "report", "--db", db, NULL);
	assert_int_equal(r.rc, 1);
	has(r.err, "vaults.conf line 1:");
	unsetenv("CAMVAULT_ETC");
}

static void test_parse_time(void **state)
{
	const int64_t now = T0;
	int64_t t;

	(void)state;
	assert_int_equal(cv_report_parse_time("24h", now, &t), 0);
	assert_int_equal(t, now - 24 * 3600 * NS);
	assert_int_equal(cv_report_parse_time("7d", now, &t), 0);
	assert_int_equal(t, now - 7 * 86400 * NS);
	assert_int_equal(cv_report_parse_time("30m", now, &t), 0);
	assert_int_equal(t, now - 1800 * NS);
	assert_int_equal(cv_report_parse_time("2026-11-25", now, &t), 0);
	assert_int_equal(t, T0 - 10 * 3600 * NS);
	assert_int_equal(cv_report_parse_time("2026-11-25T10:00", now, &t), 0);
	assert_int_equal(t, T0);
	assert_int_equal(cv_report_parse_time("2026-11-25T10:00:30Z", now, &t), 0);
	assert_int_equal(t, T0 + 30 * NS);
	assert_int_equal(cv_report_parse_time("2026-13-25", now, &t), -1);
	assert_int_equal(cv_report_parse_time("2026-11-25T25:00", now, &t), -1);
	assert_int_equal(cv_report_parse_time("2026-11-25 10:00", now, &t), -1);
	assert_int_equal(cv_report_parse_time("h", now, &t), -1);
	assert_int_equal(cv_report_parse_time("5w", now, &t), -1);
	assert_int_equal(cv_report_parse_time("", now, &t), -1);
}

static void test_clip(void **state)
{
	struct cv_clip c;

	(void)state;
	assert_true(cv_clip_parse("/media/frigate/recordings/2026-11-25/10/back_yard/05.30.mp4", &c));
	assert_string_equal(c.camera, "back_yard");
	assert_string_equal(c.time, "2026-11-25T10:05:30Z");
	assert_string_equal(c.layout, "frigate");
	assert_true(cv_clip_parse("/var/lib/motioneye/Camera1/2026-11-25/10-05-30.mp4", &c));
	assert_string_equal(c.camera, "Camera1");
	assert_string_equal(c.time, "2026-11-25T10:05:30");
	assert_string_equal(c.layout, "motioneye");
	assert_false(cv_clip_parse("/media/frigate/recordings/2026-11-25/10/back_yard/05.30.mkv", &c));
	assert_false(cv_clip_parse("/media/frigate/recordings/2026-11-25/24/back_yard/05.30.mp4", &c));
	assert_false(cv_clip_parse("2026-11-25/10-05-30.mp4", &c));
	assert_false(cv_clip_parse("/dev/video0", &c));
	assert_false(cv_clip_parse("", &c));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_clip),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_coded_events),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_cli),
	};
	char self[512], old[600];

	(void)argc;
	/* The artifacts go beside the test binary: build/artifacts. */
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(artifacts, sizeof(artifacts), "%s/artifacts", dirname(self));
	/* No stale report for test_report_html.sh to check: this run's, or none. */
	snprintf(old, sizeof(old), "%s/report.html", artifacts);
	unlink(old);
	return cmocka_run_group_tests(tests, report_setup, report_teardown);
}
