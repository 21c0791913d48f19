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
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "record.h"

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
	n = cv_rec_format_json(&r, offset, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf,
		"{\"type\":\"session\",\"action\":\"read\",\"tier\":\"syscall-tracepoint\",\"time\":\"2026-11-25T12:00:00.000Z\","
		"\"close_time\":null,\"path\":\"/media/frigate/recordings/2026-11-25/12/cam0/00.00.mp4\",\"pid\":412,"
		"\"tid\":412,\"ppid\":1,\"uid\":1000,\"gid\":1000,\"loginuid\":null,\"sessionid\":null,"
		"\"comm\":\"a\\\"b\\\\c\\u0001\\u00ff\",\"exe\":\"/usr/bin/cat\",\"cgroup_id\":7,\"dev\":\"254:3\",\"ino\":12,"
		"\"open_flags\":0,\"bytes_read\":3145728,\"bytes_written\":0,\"mmaps\":0,\"ioctls\":0,\"streamons\":0,"
		"\"dqbufs\":0,\"peer\":{\"family\":\"ipv6\",\"addr\":\"2001:db8::1\",\"port\":443},"
		"\"flags\":[\"still_open\",\"peer\"]}");
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
		cmocka_unit_test(test_short_buffer),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_human_bytes),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_text_hostile_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
