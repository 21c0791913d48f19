// SPDX-License-Identifier: GPL-2.0
/*
 * record.c: an access record as text and as JSON, exactly; names escaped for people and receivers.
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "helpers.h"
#include "util/json.h"
#include "util/record.h"

/* 2026-11-25T12:00:00Z is this many ns after the epoch; the records' clock starts at 1000 s of boot. */
#define WALL_NOON 1795608000000000000LL
#define BOOT_NOON 1000000000000ULL

static void session(struct camvault_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->type = CAMVAULT_REC_SESSION;
	r->tier = CAMVAULT_TIER_SYSCALL_TP;
	r->pid = 412;
	r->tid = 412;
	r->ppid = 1;
	r->uid = 1000;
	r->gid = 1000;
	r->loginuid = CAMVAULT_ID_UNSET;
	r->sessionid = CAMVAULT_ID_UNSET;
	r->open_flags = 0;
	r->open_ns = BOOT_NOON;
	r->close_ns = BOOT_NOON + 2500000000ULL;
	r->cgroup_id = 7;
	r->dev = (254ULL << 20) | 3;
	r->ino = 12;
	r->bytes_read = 3 * 1024 * 1024;
	strcpy(r->comm, "cat");
	strcpy(r->exe, "/usr/bin/cat");
	strcpy(r->path, "/media/frigate/recordings/2026-11-25/12/cam0/00.00.mp4");
}

static const int64_t offset = WALL_NOON - (int64_t)BOOT_NOON;

static void test_text(void **state)
{
	struct camvault_rec r;
	char buf[1024];
	int n;

	(void)state;
	session(&r);
	n = cv_rec_format_text(&r, offset, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-25T12:00:00.000Z read /media/frigate/recordings/2026-11-25/12/cam0/00.00.mp4 by "
			    "pid 412 (cat) /usr/bin/cat, parent 1, uid 1000, cgroup 7: read 3.0 MiB, wrote 0 B, closed "
			    "2026-11-25T12:00:02.500Z (syscall-tracepoint tier)");
	assert_int_equal(n, (int)strlen(buf));

	/* Copied to a socket, through io_uring, with a login uid. */
	r.rflags = CAMVAULT_RF_PEER | CAMVAULT_RF_UNOBSERVED;
	r.peer_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.7", r.peer_addr);
	r.peer_port = htons(8443);
	r.loginuid = 1000;
	cv_rec_format_text(&r, offset, buf, sizeof(buf));
	assert_non_null(strstr(buf, ", uid 1000, login uid 1000, cgroup 7: read 3.0 MiB, wrote 0 B, copied to "
				    "192.0.2.7:8443, closed"));
	assert_non_null(strstr(buf, " [uses io_uring: unobserved I/O possible] (syscall-tracepoint tier)"));
}

static void test_actions(void **state)
{
	struct camvault_rec r;

	(void)state;
	session(&r);
	assert_string_equal(cv_rec_action(&r), "read");
	r.bytes_written = 1;
	assert_string_equal(cv_rec_action(&r), "read+wrote");
	r.bytes_read = 0;
	assert_string_equal(cv_rec_action(&r), "wrote");
	r.bytes_written = 0;
	assert_string_equal(cv_rec_action(&r), "opened");
	r.mmaps = 1;
	assert_string_equal(cv_rec_action(&r), "mapped");
	r.rflags = CAMVAULT_RF_CAMERA;
	r.dqbufs = 30;
	assert_string_equal(cv_rec_action(&r), "streamed");
	r.type = CAMVAULT_REC_UNLINK;
	assert_string_equal(cv_rec_action(&r), "unlink");
	r.type = 99;
	assert_string_equal(cv_rec_type_name(r.type), "unknown");
}

static void test_rename_and_camera_text(void **state)
{
	struct camvault_rec r;
	char buf[1024];

	(void)state;
	session(&r);
	r.type = CAMVAULT_REC_RENAME;
	strcpy(r.comm, "mv");
	strcpy(r.path2, "/tmp/stolen.mp4");
	cv_rec_format_text(&r, offset, buf, sizeof(buf));
	assert_non_null(strstr(buf, "Z rename /media/frigate/recordings/2026-11-25/12/cam0/00.00.mp4 -> /tmp/stolen.mp4 "
				    "by pid 412 (mv)"));
	/* Not a session: no byte counts. */
	assert_null(strstr(buf, "read 3.0 MiB"));

	session(&r);
	r.rflags = CAMVAULT_RF_CAMERA;
	r.bytes_read = 0;
	r.streamons = 1;
	r.dqbufs = 1;
	r.ioctls = 9;
	strcpy(r.path, "/dev/video0");
	cv_rec_format_text(&r, offset, buf, sizeof(buf));
	assert_non_null(strstr(buf, "Z streamed /dev/video0 by"));
	assert_non_null(strstr(buf, ", 9 ioctls, 1 stream start, 1 frame, closed"));
}

static void test_json(void **state)
{
	struct camvault_rec r;
	char buf[2048];
	int n;

	(void)state;
	session(&r);
	r.rflags = CAMVAULT_RF_PEER | CAMVAULT_RF_STILL_OPEN;
	r.close_ns = 0;
	r.peer_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", r.peer_addr);
	r.peer_port = htons(443);
	strcpy(r.comm, "a\"b\\c\x01\xff");
	r.exe_dev = 259 << 20 | 2;
	r.exe_ino = 131077;
	r.mnt_ns = 4026531841u;
	r.user_ns = CAMVAULT_INIT_USER_NS;
	r.aflags = CAMVAULT_AF_EXE_HOST | CAMVAULT_AF_HOST_MNTNS;
	n = cv_rec_format_json(&r, offset, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf,
		"{\"type\":\"session\",\"action\":\"read\",\"tier\":\"syscall-tracepoint\",\"time\":\"2026-11-25T12:00:00.000Z\","
		"\"close_time\":null,\"path\":\"/media/frigate/recordings/2026-11-25/12/cam0/00.00.mp4\",\"pid\":412,"
		"\"tid\":412,\"ppid\":1,\"uid\":1000,\"gid\":1000,\"loginuid\":null,\"sessionid\":null,"
		"\"comm\":\"a\\\"b\\\\c\\u0001\\u00ff\",\"exe\":\"/usr/bin/cat\","
		"\"exe_dev\":\"259:2\",\"exe_ino\":131077,\"exe_is_nvr_file\":true,\"mnt_ns\":4026531841,"
		"\"host_mnt_ns\":true,\"user_ns\":4026531837,\"host_user_ns\":true,\"cgroup_id\":7,\"dev\":\"254:3\",\"ino\":12,"
		"\"open_flags\":0,\"bytes_read\":3145728,\"bytes_written\":0,\"mmaps\":0,\"ioctls\":0,\"streamons\":0,"
		"\"dqbufs\":0,\"peer\":{\"family\":\"ipv6\",\"addr\":\"2001:db8::1\",\"port\":443},"
		"\"flags\":[\"still_open\",\"peer\"]}");
}

/* A logged record of an older build, shorter: read, its newer fields 0; other lengths refused. */
static void test_from_blob(void **state)
{
	struct camvault_rec r, got;
	uint8_t blob[sizeof(r) + 1];

	(void)state;
	session(&r);
	r.exe_ino = 99;
	r.user_ns = CAMVAULT_INIT_USER_NS;
	memcpy(blob, &r, sizeof(r));
	assert_int_equal(cv_rec_from_blob(&got, blob, sizeof(r)), 0);
	assert_memory_equal(&got, &r, sizeof(r));
	assert_int_equal(cv_rec_from_blob(&got, blob, CAMVAULT_REC_SIZE_V1), 0);
	assert_string_equal(got.path, r.path);
	assert_int_equal(got.bytes_read, r.bytes_read);
	assert_int_equal(got.exe_ino, 0);
	assert_int_equal(got.user_ns, 0);
	assert_int_equal(cv_rec_from_blob(&got, blob, CAMVAULT_REC_SIZE_V1 - 1), -1);
	assert_int_equal(cv_rec_from_blob(&got, blob, sizeof(r) + 1), -1);
	assert_int_equal(cv_rec_from_blob(&got, NULL, sizeof(r)), -1);
}

/* Too small a buffer: cut, terminated, and the length needed said, as snprintf does. */
static void test_short_buffer(void **state)
{
	struct camvault_rec r;
	char small[16], big[2048];
	int need;

	(void)state;
	session(&r);
	need = cv_rec_format_json(&r, offset, NULL, 0);
	assert_int_equal(cv_rec_format_json(&r, offset, big, sizeof(big)), need);
	assert_int_equal(cv_rec_format_json(&r, offset, small, sizeof(small)), need);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, big, sizeof(small) - 1);
}

static void test_malformed(void **state)
{
	struct camvault_rec r;
	char buf[256];

	(void)state;
	session(&r);
	memset(r.path, 'x', sizeof(r.path));	/* no NUL */
	assert_false(cv_rec_valid(&r));
	cv_rec_format_text(&r, offset, buf, sizeof(buf));
	assert_string_equal(buf, "malformed record (type 1)");
	cv_rec_format_json(&r, offset, buf, sizeof(buf));
	assert_string_equal(buf, "{\"type\":\"malformed\",\"type_code\":1}");
	session(&r);
	r.type = 0;
	assert_false(cv_rec_valid(&r));
}

/* What cv_rec_fprint() writes of r, as trace prints it: a malloc()ed string. */
static char *fprinted(const struct camvault_rec *r, bool json)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	assert_true(cv_rec_fprint(f, r, offset, json) > 0);
	assert_int_equal(fclose(f), 0);
	return out;
}

/* Whether s is one line: a newline at its end, and no other byte outside printable ASCII. */
static void assert_one_safe_line(const char *s)
{
	size_t i, n = strlen(s);

	assert_true(n > 1);
	assert_int_equal(s[n - 1], '\n');
	for (i = 0; i + 1 < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			fail_msg("byte 0x%02x at %zu of: %s", (unsigned char)s[i], i, s);
}

/*
 * A comm that forges a journal line ("<0>" at a line's start is a priority for journald) and ESC sequences in
 * exe and path: trace and --verbose print one line, the bytes escaped as the report escapes them.
 */
static void test_text_injection(void **state)
{
	struct camvault_rec r;
	char buf[1024], *line;

	(void)state;
	session(&r);
	strcpy(r.comm, "x\n<0>FAKE");
	strcpy(r.exe, "/usr/bin/\x1b[31mcat");
	strcpy(r.path, "/media/\x1b[31m\x1b]0;owned\x07.mp4");
	r.type = CAMVAULT_REC_RENAME;
	strcpy(r.path2, "/media/\r\x1b[2K.mp4");
	line = fprinted(&r, false);
	assert_one_safe_line(line);
	assert_non_null(strstr(line, "(x\\x0a<0>FAKE) /usr/bin/\\x1b[31mcat,"));
	assert_non_null(strstr(line, " /media/\\x1b[31m\\x1b]0;owned\\x07.mp4 -> /media/\\x0d\\x1b[2K.mp4 by "));
	/* The buffer form, which the agent's --verbose uses, writes the same line. */
	assert_int_equal(cv_rec_format_text(&r, offset, buf, sizeof(buf)), (int)strlen(line) - 1);
	assert_memory_equal(buf, line, strlen(line) - 1);
	free(line);
}

/* s (NUL-terminated) through python3's json.loads(), checked by the expression check of o: its exit status. */
static int python_json(const char *s, const char *check)
{
	char cmd[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "python3 -c 'import json, sys; o = json.loads(sys.stdin.read()); "
		 "sys.exit(0 if %s else 3)'", check);
	p = popen(cmd, "w");
	assert_non_null(p);
	fputs(s, p);
	return pclose(p);
}

/*
 * The worst record for JSON: every string as long as it can be, of bytes written as \u0001 (6 bytes each).
 * trace --format json cut its lines at 4096 bytes, mid-escape: the line must come out whole, and parse.
 */
static void test_json_worst_case(void **state)
{
	struct camvault_rec r;
	char *line;
	int need;

	(void)state;
	if (!cv_in_path("python3"))
		skip();
	session(&r);
	r.type = CAMVAULT_REC_RENAME;
	memset(r.comm, 1, sizeof(r.comm) - 1);
	r.comm[sizeof(r.comm) - 1] = '\0';
	memset(r.exe, 1, sizeof(r.exe) - 1);
	r.exe[sizeof(r.exe) - 1] = '\0';
	memset(r.path, 1, sizeof(r.path) - 1);
	r.path[sizeof(r.path) - 1] = '\0';
	memset(r.path2, 1, sizeof(r.path2) - 1);
	r.path2[sizeof(r.path2) - 1] = '\0';
	line = fprinted(&r, true);
	assert_one_safe_line(line);
	assert_int_equal(python_json(line, "o[\"path\"] == o[\"path2\"] == o[\"exe\"] == \"\\x01\" * 255 and "
				     "o[\"comm\"] == \"\\x01\" * 15"), 0);
	/* The whole of it, as the buffer form counts it: more than the 4096 bytes trace had. */
	need = cv_rec_format_json(&r, offset, NULL, 0);
	assert_int_equal(strlen(line), (size_t)need + 1);
	assert_true(need > 4096);
	free(line);
}

/* A buffer too short for the escapes: cut between two, never inside one; and the line helper's one line. */
static void test_text_safe(void **state)
{
	char buf[10], *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_string_equal(cv_text_safe("a\x1b[0m\tb", buf, sizeof(buf)), "a\\x1b[0m");
	assert_string_equal(cv_text_safe("ab\x1b", buf, 6), "ab");
	assert_string_equal(cv_text_safe("abcdefghij", buf, sizeof(buf)), "abcdefghi");
	f = open_memstream(&out, &len);
	assert_non_null(f);
	cv_text_line(f, "trace: vault %s: %s", "v\n<0>FAKE", "store /x\x1b[31m");
	assert_int_equal(fclose(f), 0);
	assert_string_equal(out, "trace: vault v\\x0a<0>FAKE: store /x\\x1b[31m\n");
	free(out);
}

/*
 * Names as people and receivers get them (cv_text_escape()): names in other scripts kept; what is not UTF-8,
 * control characters (ESC, newline, C1) and the characters that reorder what follows them as \xNN; a backslash
 * doubled; lines kept when asked; the output never cut inside an escape; escaping it again a no-op.
 */
static void test_escape(void **state)
{
	static const char hostile[] = "Kamera-Überwachung камера \x1b[2J\n\t\x7f \xff\xc0\xaf \xed\xa0\x80 "
				      "\xc2\x9b \xe2\x80\xaegnp.exe \\x41 \xf0\x9f\x93\xb7 \xe2\x82";
	static const char safe[] = "Kamera-Überwachung камера \\x1b[2J\\x0a\\x09\\x7f \\xff\\xc0\\xaf "
				   "\\xed\\xa0\\x80 \\xc2\\x9b \\xe2\\x80\\xaegnp.exe \\\\x41 "
				   "\xf0\x9f\x93\xb7 \\xe2\\x82";
	char buf[512], again[512], small[18];
	size_t n;

	(void)state;
	n = cv_text_escape(hostile, CV_ESC_BACKSLASH, buf, sizeof(buf));
	assert_string_equal(buf, safe);
	assert_int_equal(n, strlen(safe));
	/* Already safe: the same again (without doubling backslashes, which a second pass must not do). */
	cv_text_escape(buf, 0, again, sizeof(again));
	assert_string_equal(again, safe);
	/* The backslash alone without CV_ESC_BACKSLASH; lines and tabs kept with CV_ESC_LINES, CR still escaped. */
	cv_text_escape("a\\b\r\nc\td\x1b", CV_ESC_LINES, buf, sizeof(buf));
	assert_string_equal(buf, "a\\b\\x0d\nc\td\\x1b");
	/* Cut at the room left, never inside an escape or a character; the length needed still returned. */
	n = cv_text_escape("abcdefghijklmn\x1b", 0, small, sizeof(small));
	assert_string_equal(small, "abcdefghijklmn");
	assert_int_equal(n, 18);
	n = cv_text_escape("abcdefghijklmnopq\xc3\xa4", 0, small, sizeof(small));
	assert_string_equal(small, "abcdefghijklmnopq");
	assert_int_equal(n, 19);
	assert_int_equal(cv_text_escape("\x01", 0, NULL, 0), 4);
}

/* A record's names escaped in its line of text: a crafted name cannot forge a second line or drive a terminal. */
static void test_text_hostile_names(void **state)
{
	struct camvault_rec r;
	char buf[2048];

	(void)state;
	session(&r);
	strcpy(r.comm, "x\x1b[8m\xff");
	strcpy(r.exe, "/tmp/\xe2\x80\xae" "4pm.exe");
	strcpy(r.path, "/media/frigate/a.mp4\n2026-11-25T12:00:00.000Z read /x by pid 1 (ok)");
	cv_rec_format_text(&r, offset, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-25T12:00:00.000Z read /media/frigate/a.mp4\\x0a2026-11-25T12:00:00.000Z read "
			    "/x by pid 1 (ok) by pid 412 (x\\x1b[8m\\xff) /tmp/\\xe2\\x80\\xae4pm.exe, parent 1, uid "
			    "1000, cgroup 7: read 3.0 MiB, wrote 0 B, closed 2026-11-25T12:00:02.500Z "
			    "(syscall-tracepoint tier)");
}

/*
 * util/json.h, the one JSON escaper: controls, DEL and bytes that are not UTF-8 as \u00XX everywhere; valid
 * UTF-8 as \u00XX per byte by default (the log's names), kept with CV_JSON_UTF8 (the push channels' text).
 */
static void test_json_escape(void **state)
{
	/* a, quote, backslash, tab, newline, DEL, U+00DC, U+0085 (C1), a lone 0xff, a cut U+20AC */
	static const char s[] = "a\"\\\t\n\x7f\xc3\x9c\xc2\x85\xff\xe2\x82";
	char buf[128];
	size_t n;

	(void)state;
	n = cv_json_escape(s, 0, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf, "\"a\\\"\\\\\\u0009\\u000a\\u007f\\u00c3\\u009c\\u00c2\\u0085\\u00ff\\u00e2\\u0082\"");
	n = cv_json_escape(s, CV_JSON_UTF8, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf, "\"a\\\"\\\\\\u0009\\u000a\\u007f\xc3\x9c\\u0085\\u00ff\\u00e2\\u0082\"");
	assert_int_equal(cv_json_escape(NULL, 0, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "null");

	/* Too short: whole pieces only, and the length it needed. */
	assert_int_equal(cv_json_escape("ab\x01", 0, buf, 8), 10);
	assert_string_equal(buf, "\"ab");
	assert_int_equal(cv_json_escape("\xc3\x9c", CV_JSON_UTF8, buf, 2), 4);
	assert_string_equal(buf, "\"");
	assert_int_equal(cv_json_escape("x", 0, NULL, 0), 3);
}

static void test_human_bytes(void **state)
{
	char buf[32];

	(void)state;
	cv_human_bytes(1023, buf, sizeof(buf));
	assert_string_equal(buf, "1023 B");
	cv_human_bytes(1024, buf, sizeof(buf));
	assert_string_equal(buf, "1.0 KiB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_rename_and_camera_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_from_blob),
		cmocka_unit_test(test_short_buffer),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_human_bytes),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_text_injection),
		cmocka_unit_test(test_json_worst_case),
		cmocka_unit_test(test_text_safe),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_text_hostile_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
