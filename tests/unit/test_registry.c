// SPDX-License-Identifier: GPL-2.0
/*
 * registry.c: parsing vaults.conf (every error message), formatting a line, and camvault's own edits of the
 * file (add, remove), on files under a temporary directory.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
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

#include "helpers.h"
#include "vault/registry.h"

#define CONF "/etc/camvault/vaults.conf"

static char tmpdir[64];
static char err[8192];

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/camvault-unit-registry.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return cv_test_rmtree(tmpdir);
}

/* A fresh path under the temporary directory: tmpdir/<sub>. */
static const char *tmp_path(char *buf, size_t len, const char *sub)
{
	snprintf(buf, len, "%s/%s", tmpdir, sub);
	return buf;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The file's contents, NUL-terminated (malloc'd). */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 1 << 16);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void assert_file(const char *path, const char *want)
{
	char *got = read_file(path);

	assert_string_equal(got, want);
	free(got);
}

static void parse_ok(const char *text, struct cv_registry *r)
{
	if (cv_registry_parse(text, strlen(text), CONF, r, err, sizeof(err)))
		fail_msg("does not parse: %s", err);
}

static void assert_entry(const struct cv_vault_entry *e, const char *name, const char *backing,
			 const char *mountpoint, const char *fstype, bool pin, bool noauto, unsigned int line)
{
	assert_non_null(e);
	assert_string_equal(e->name, name);
	assert_string_equal(e->backing, backing);
	assert_string_equal(e->mountpoint, mountpoint);
	assert_string_equal(e->fstype, fstype);
	assert_int_equal(e->pin, pin);
	assert_int_equal(e->noauto, noauto);
	assert_int_equal(e->line, line);
}

static void test_parse_good(void **state)
{
	static const char text[] =
		"# name\tbacking\t\t\t\tmountpoint\t\toptions\n"
		"\n"
		"cam0\t/var/lib/camvault/cam0.img\t/media/frigate\t\tdefaults\n"
		"   # an indented comment\n"
		"cam1 /dev/sda2 - pin,noauto\n"
		" \t \n"
		"front-door_2.cam+x  /dev/disk/by-partuuid/1234-02   /srv/front  # no options, a comment\n"
		"cam3 /a#b /mnt/x fstype=xfs,pin # fstype\r\n"
		"cam4 /dev/mmcblk0p3 - defaults,noauto,fstype=btrfs\r\n"
		"Cam5 / / fstype=ext4";
	struct cv_registry r;

	(void)state;
	parse_ok(text, &r);
	assert_int_equal(r.n, 6);
	assert_entry(&r.v[0], "cam0", "/var/lib/camvault/cam0.img", "/media/frigate", "ext4", false, false, 3);
	assert_entry(&r.v[1], "cam1", "/dev/sda2", "", "ext4", true, true, 5);
	assert_entry(&r.v[2], "front-door_2.cam+x", "/dev/disk/by-partuuid/1234-02", "/srv/front", "ext4", false,
		     false, 7);
	assert_entry(&r.v[3], "cam3", "/a#b", "/mnt/x", "xfs", true, false, 8);
	assert_entry(&r.v[4], "cam4", "/dev/mmcblk0p3", "", "btrfs", false, true, 9);
	assert_entry(&r.v[5], "Cam5", "/", "/", "ext4", false, false, 10);
	assert_ptr_equal(cv_registry_find(&r, "cam3"), &r.v[3]);
	assert_ptr_equal(cv_registry_find(&r, "Cam5"), &r.v[5]);
	assert_null(cv_registry_find(&r, "cam5"));
	assert_null(cv_registry_find(&r, "cam"));
	cv_registry_free(&r);
	assert_null(r.v);
	assert_int_equal(r.n, 0);
}

static void test_parse_empty(void **state)
{
	struct cv_registry r;

	(void)state;
	assert_int_equal(cv_registry_parse("", 0, CONF, &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, 0);
	cv_registry_free(&r);
	parse_ok("# nothing yet\n\n   \n#cam0 /a -\n", &r);
	assert_int_equal(r.n, 0);
	cv_registry_free(&r);
	/* Only len bytes count: what follows is not read. */
	assert_int_equal(cv_registry_parse("cam0 /a -\ncam0 /b -\n", 10, CONF, &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, 1);
	assert_entry(&r.v[0], "cam0", "/a", "", "ext4", false, false, 1);
	cv_registry_free(&r);
}

static void assert_parse_error_len(const char *text, size_t len, const char *want)
{
	struct cv_registry r;

	memset(&r, 0x5a, sizeof(r));
	assert_int_equal(cv_registry_parse(text, len, CONF, &r, err, sizeof(err)), -1);
	assert_null(r.v);
	assert_int_equal(r.n, 0);
	assert_string_equal(err, want);
}

static void assert_parse_error(const char *text, const char *want)
{
	assert_parse_error_len(text, strlen(text), want);
}

static void test_parse_errors(void **state)
{
	(void)state;
	assert_parse_error("cam0 /a /b pin,bogus\n", CONF " line 1: unknown option 'bogus': the options are pin, "
			   "noauto, fstype=TYPE, record-or-deny, recorder=EXE and deadman=SECONDS, comma-separated, or "
			   "defaults for none");
	assert_parse_error("cam0 /a /b PIN\n", CONF " line 1: unknown option 'PIN': the options are pin, noauto, "
			   "fstype=TYPE, record-or-deny, recorder=EXE and deadman=SECONDS, comma-separated, or "
			   "defaults for none");
	assert_parse_error("# c\n-cam /a /b\n", CONF " line 2: '-cam' cannot be a vault name: use 1 to 127 of the "
			   "characters A-Z a-z 0-9 _ . + -, not starting with . or -");
	assert_parse_error("cam:0 /a /b\n", CONF " line 1: 'cam:0' cannot be a vault name: use 1 to 127 of the "
			   "characters A-Z a-z 0-9 _ . + -, not starting with . or -");
	assert_parse_error("cam0 cam0.img /b\n", CONF " line 1: the backing path 'cam0.img' is relative: write it "
			   "as an absolute path, starting with /");
	assert_parse_error("cam0 /a media\n", CONF " line 1: the mountpoint 'media' is relative: write it as an "
			   "absolute path, starting with /");
	assert_parse_error("cam0 /a /b defaults /c\n", CONF " line 1: a fifth field '/c' follows the options: "
			   "paths with spaces are not supported, and options are separated by commas only (NAME "
			   "BACKING MOUNTPOINT [OPTIONS])");
	assert_parse_error("cam0 /a /b pin,\n", CONF " line 1: empty option in 'pin,': separate options with "
			   "single commas, none at either end");
	assert_parse_error("cam0 /a /b pin, noauto\n", CONF " line 1: a fifth field 'noauto' follows the options: "
			   "paths with spaces are not supported, and options are separated by commas only (NAME "
			   "BACKING MOUNTPOINT [OPTIONS])");
	assert_parse_error("cam0 /a /b ,pin\n", CONF " line 1: empty option in ',pin': separate options with "
			   "single commas, none at either end");
	assert_parse_error("\n\ncam0\n", CONF " line 3: vault 'cam0' has no backing path: write NAME BACKING "
			   "MOUNTPOINT [OPTIONS]");
	assert_parse_error("cam0   # /a /b\n", CONF " line 1: vault 'cam0' has no backing path: write NAME "
			   "BACKING MOUNTPOINT [OPTIONS]");
	assert_parse_error("cam0 /a\n", CONF " line 1: vault 'cam0' has no mountpoint: add one after the backing "
			   "path, or - for none");
	assert_parse_error("cam0 /a -\n# again\ncam1 /b -\ncam0 /b -\n", CONF " line 4: vault 'cam0' is already "
			   "on line 1: remove or rename one of the two");
	assert_parse_error("cam0 /a - fstype=EXT4\n", CONF " line 1: bad filesystem type 'fstype=EXT4': write the "
			   "type as mount(8) knows it, 1 to 15 of a-z 0-9 (fstype=ext4)");
	assert_parse_error("cam0 /a - fstype=\n", CONF " line 1: bad filesystem type 'fstype=': write the type as "
			   "mount(8) knows it, 1 to 15 of a-z 0-9 (fstype=ext4)");
	assert_parse_error("cam0 /a - fstype=abcdefghijklmnop\n", CONF " line 1: bad filesystem type "
			   "'fstype=abcdefghijklmnop': write the type as mount(8) knows it, 1 to 15 of a-z 0-9 "
			   "(fstype=ext4)");
	assert_parse_error("cam0 /a - fstype=ext4/x\n", CONF " line 1: bad filesystem type 'fstype=ext4/x': write "
			   "the type as mount(8) knows it, 1 to 15 of a-z 0-9 (fstype=ext4)");
	assert_parse_error_len("cam0 /a -\ncam1 /b\0 -\n", 20, CONF " line 2: it contains a NUL byte (column 8): "
			       "the registry is text, remove the byte");
	assert_parse_error_len("# \0\n", 4, CONF " line 1: it contains a NUL byte (column 3): the registry is "
			       "text, remove the byte");
	assert_parse_error("cam0 /a\x1b[31m -\n", CONF " line 1: it contains the control character 0x1b "
			   "(column 8): remove it");
	assert_parse_error("cam0 /a -\x7f\n", CONF " line 1: it contains the control character 0x7f (column 10): "
			   "remove it");
}

static void test_parse_overlong(void **state)
{
	size_t big = 3 * PATH_MAX + 1;
	char *text = malloc(big + 64), want[512];

	(void)state;
	assert_non_null(text);

	/* A line longer than any good line. */
	memset(text, ' ', big);
	memcpy(text, "#", 1);
	snprintf(want, sizeof(want), CONF " line 1: the line is %zu bytes long, more than %d: shorten it (paths "
		 "of at most %d bytes)", big, 3 * PATH_MAX, PATH_MAX - 1);
	assert_parse_error_len(text, big, want);
	/* One byte less is a long comment. */
	assert_int_equal(cv_registry_parse(text, big - 1, CONF, &(struct cv_registry){ 0 }, err, sizeof(err)), 0);

	/* A path of PATH_MAX bytes, with its NUL PATH_MAX + 1. */
	memcpy(text, "cam0 /", 6);
	memset(text + 6, 'a', PATH_MAX - 1);
	strcpy(text + 5 + PATH_MAX, " -\n");
	snprintf(want, sizeof(want), CONF " line 1: the backing path '/%.63s...' is %d bytes long, more than %d: use a "
		 "shorter path", text + 6, PATH_MAX, PATH_MAX - 1);
	assert_parse_error(text, want);
	/* One byte less fits. */
	strcpy(text + 4 + PATH_MAX, " -\n");
	{
		struct cv_registry r;

		parse_ok(text, &r);
		assert_int_equal(strlen(r.v[0].backing), PATH_MAX - 1);
		cv_registry_free(&r);
	}

	/* A name of 128 characters. */
	memset(text, 'n', 128);
	strcpy(text + 128, " /a -\n");
	snprintf(want, sizeof(want), CONF " line 1: the vault name '%.64s...' is 128 characters long, more than "
		 "127: shorten it", text);
	assert_parse_error(text, want);
	free(text);
}

static void test_format(void **state)
{
	struct cv_vault_entry e = { .name = "cam0", .backing = "/var/lib/camvault/cam0.img",
				    .mountpoint = "/media/frigate", .fstype = "ext4" };
	struct cv_registry r;
	char line[256];

	(void)state;
	assert_int_equal(cv_registry_format(&e, line, sizeof(line)), 0);
	assert_string_equal(line, "cam0 /var/lib/camvault/cam0.img /media/frigate defaults");
	e.pin = true;
	e.mountpoint[0] = '\0';
	assert_int_equal(cv_registry_format(&e, line, sizeof(line)), 0);
	assert_string_equal(line, "cam0 /var/lib/camvault/cam0.img - pin");
	e.noauto = true;
	strcpy(e.fstype, "xfs");
	assert_int_equal(cv_registry_format(&e, line, sizeof(line)), 0);
	assert_string_equal(line, "cam0 /var/lib/camvault/cam0.img - pin,noauto,fstype=xfs");
	e.pin = false;
	e.fstype[0] = '\0';
	assert_int_equal(cv_registry_format(&e, line, sizeof(line)), 0);
	assert_string_equal(line, "cam0 /var/lib/camvault/cam0.img - noauto");

	/* What it formats parses back. */
	parse_ok(line, &r);
	assert_entry(&r.v[0], "cam0", "/var/lib/camvault/cam0.img", "", "ext4", false, true, 1);
	cv_registry_free(&r);

	/* A buffer too small, even by one byte. */
	assert_int_equal(cv_registry_format(&e, line, strlen("cam0 /var/lib/camvault/cam0.img - noauto")), -1);
	assert_int_equal(cv_registry_format(&e, line, 0), -1);
}

/* e's record-or-deny, recorders (rec0, rec1: NULL past nrec) and dead-man grace. */
static void assert_guards(const struct cv_vault_entry *e, bool rod, unsigned int nrec, const char *rec0,
			  const char *rec1, unsigned int deadman_s)
{
	assert_int_equal(e->record_or_deny, rod);
	assert_int_equal(e->nrecorders, nrec);
	if (rec0)
		assert_string_equal(e->recorders[0], rec0);
	if (rec1)
		assert_string_equal(e->recorders[1], rec1);
	assert_int_equal(e->deadman_s, deadman_s);
}

/* record-or-deny, recorder=EXE (repeated, in order) and deadman=S: parsed, off by default. */
static void test_parse_guards(void **state)
{
	static const char text[] =
		"cam0 /a /m defaults\n"
		"cam1 /b - record-or-deny\n"
		"cam2 /c /n pin,record-or-deny,recorder=/usr/bin/ffmpeg,recorder=/usr/lib/frigate/go2rtc,deadman=30\n"
		"cam3 /d - deadman=86400,noauto\n"
		"cam4 /e - recorder=/opt/nvr,record-or-deny,deadman=1\n";
	struct cv_registry r;

	(void)state;
	parse_ok(text, &r);
	assert_int_equal(r.n, 5);
	assert_guards(&r.v[0], false, 0, NULL, NULL, 0);
	assert_guards(&r.v[1], true, 0, NULL, NULL, 0);
	assert_entry(&r.v[2], "cam2", "/c", "/n", "ext4", true, false, 3);
	assert_guards(&r.v[2], true, 2, "/usr/bin/ffmpeg", "/usr/lib/frigate/go2rtc", 30);
	assert_guards(&r.v[3], false, 0, NULL, NULL, 86400);
	assert_true(r.v[3].noauto);
	/* The order of the options does not matter: a recorder may come before record-or-deny. */
	assert_guards(&r.v[4], true, 1, "/opt/nvr", NULL, 1);
	cv_registry_free(&r);
}

static void test_parse_guard_errors(void **state)
{
	(void)state;
	assert_parse_error("cam0 /a - deadman=0\n", CONF " line 1: bad dead-man grace 'deadman=0': write the "
			   "seconds the vault stays open after the agent is gone, 1 to 86400 (deadman=30)");
	assert_parse_error("cam0 /a - deadman=86401\n", CONF " line 1: bad dead-man grace 'deadman=86401': write "
			   "the seconds the vault stays open after the agent is gone, 1 to 86400 (deadman=30)");
	assert_parse_error("cam0 /a - deadman=\n", CONF " line 1: bad dead-man grace 'deadman=': write the "
			   "seconds the vault stays open after the agent is gone, 1 to 86400 (deadman=30)");
	assert_parse_error("cam0 /a - deadman=-5\n", CONF " line 1: bad dead-man grace 'deadman=-5': write the "
			   "seconds the vault stays open after the agent is gone, 1 to 86400 (deadman=30)");
	assert_parse_error("cam0 /a - deadman=30s\n", CONF " line 1: bad dead-man grace 'deadman=30s': write the "
			   "seconds the vault stays open after the agent is gone, 1 to 86400 (deadman=30)");
	/* Digits beyond any grace: no overflow into a small number. */
	assert_parse_error("cam0 /a - deadman=18446744073709551646\n", CONF " line 1: bad dead-man grace "
			   "'deadman=18446744073709551646': write the seconds the vault stays open after the agent is "
			   "gone, 1 to 86400 (deadman=30)");
	assert_parse_error("cam0 /a - deadman=5,deadman=6\n", CONF " line 1: deadman= is given twice: keep one");
	assert_parse_error("cam0 /a - recorder=/usr/bin/ffmpeg\n", CONF " line 1: recorder=/usr/bin/ffmpeg "
			   "without record-or-deny: a recorder is what record-or-deny never refuses; add "
			   "record-or-deny, or remove the recorder");
	assert_parse_error("cam0 /a - record-or-deny,recorder=ffmpeg\n", CONF " line 1: the recorder 'ffmpeg' is "
			   "relative: write it as an absolute path, starting with /");
	assert_parse_error("cam0 /a - record-or-deny,recorder=\n", CONF " line 1: the recorder '' is relative: "
			   "write it as an absolute path, starting with /");
	assert_parse_error("cam0 /a - record-or-deny,recorder=/x,recorder=/x\n", CONF " line 1: recorder '/x' is "
			   "given twice: remove one");
	assert_parse_error("cam0 /a - record-or-deny,recorder=/1,recorder=/2,recorder=/3,recorder=/4,recorder=/5\n",
			   CONF " line 1: more than 4 recorders: allow at most 4 executables per vault");
	assert_parse_error("cam0 /a - record_or_deny\n", CONF " line 1: unknown option 'record_or_deny': the "
			   "options are pin, noauto, fstype=TYPE, record-or-deny, recorder=EXE and deadman=SECONDS, "
			   "comma-separated, or defaults for none");
}

/* The writer's line for the new options, in its fixed order, parses back to the same vault. */
static void test_format_guards(void **state)
{
	struct cv_vault_entry e = { .name = "cam0", .backing = "/b", .mountpoint = "/m", .fstype = "xfs",
				    .noauto = true, .record_or_deny = true, .nrecorders = 2,
				    .recorders = { "/usr/bin/ffmpeg", "/opt/go2rtc" }, .deadman_s = 45 };
	static const char want[] = "cam0 /b /m noauto,fstype=xfs,record-or-deny,recorder=/usr/bin/ffmpeg,"
				   "recorder=/opt/go2rtc,deadman=45";
	struct cv_registry r;
	char line[512], path[128];

	(void)state;
	assert_int_equal(cv_registry_format(&e, line, sizeof(line)), 0);
	assert_string_equal(line, want);
	parse_ok(line, &r);
	assert_int_equal(r.n, 1);
	assert_entry(&r.v[0], "cam0", "/b", "/m", "xfs", false, true, 1);
	assert_guards(&r.v[0], true, 2, "/usr/bin/ffmpeg", "/opt/go2rtc", 45);
	/* ... and formats to the same line again. */
	assert_int_equal(cv_registry_format(&r.v[0], line, sizeof(line)), 0);
	assert_string_equal(line, want);
	cv_registry_free(&r);
	assert_int_equal(cv_registry_format(&e, line, strlen(want)), -1);

	/* record-or-deny alone, deadman alone. */
	e.nrecorders = 0;
	e.deadman_s = 0;
	e.noauto = false;
	e.fstype[0] = '\0';
	assert_int_equal(cv_registry_format(&e, line, sizeof(line)), 0);
	assert_string_equal(line, "cam0 /b /m record-or-deny");
	e.record_or_deny = false;
	e.deadman_s = 7;
	assert_int_equal(cv_registry_format(&e, line, sizeof(line)), 0);
	assert_string_equal(line, "cam0 /b /m deadman=7");

	/* cv_registry_add() refuses what no line could say, and writes what parses back. */
	tmp_path(path, sizeof(path), "guards.conf");
	e.nrecorders = 1;
	strcpy(e.recorders[0], "/usr/bin/ffmpeg");
	assert_int_equal(cv_registry_add(path, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "recorders without record-or-deny"));
	e.record_or_deny = true;
	strcpy(e.recorders[0], "/opt/a,b");
	assert_int_equal(cv_registry_add(path, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "contains a comma"));
	strcpy(e.recorders[0], "/usr/bin/ffmpeg");
	e.deadman_s = 86401;
	assert_int_equal(cv_registry_add(path, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most 86400"));
	e.deadman_s = 86400;
	assert_int_equal(cv_registry_add(path, &e, err, sizeof(err)), 0);
	assert_int_equal(cv_registry_load(path, &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, 1);
	assert_guards(&r.v[0], true, 1, "/usr/bin/ffmpeg", NULL, 86400);
	cv_registry_free(&r);
}

static void test_path_env(void **state)
{
	char buf[PATH_MAX];

	(void)state;
	assert_int_equal(unsetenv(CV_ETC_ENV), 0);
	assert_string_equal(cv_registry_path(buf, sizeof(buf)), "/etc/camvault/vaults.conf");
	assert_int_equal(setenv(CV_ETC_ENV, "", 1), 0);
	assert_string_equal(cv_registry_path(buf, sizeof(buf)), "/etc/camvault/vaults.conf");
	assert_int_equal(setenv(CV_ETC_ENV, "/tmp/x y/etc", 1), 0);
	assert_ptr_equal(cv_registry_path(buf, sizeof(buf)), buf);
	assert_string_equal(buf, "/tmp/x y/etc/vaults.conf");
	assert_null(cv_registry_path(buf, strlen("/tmp/x y/etc/vaults.conf")));
	assert_int_equal(unsetenv(CV_ETC_ENV), 0);
}

/* util/paths.h: every configuration file, and the access log, where the environment says, else the default. */
static void test_paths(void **state)
{
	char buf[PATH_MAX];

	(void)state;
	assert_int_equal(unsetenv(CV_ETC_ENV), 0);
	assert_string_equal(cv_etc_path("push.conf", buf, sizeof(buf)), "/etc/camvault/push.conf");
	assert_int_equal(setenv(CV_ETC_ENV, "/tmp/etc", 1), 0);
	assert_string_equal(cv_etc_path("policy.conf", buf, sizeof(buf)), "/tmp/etc/policy.conf");
	assert_int_equal(unsetenv(CV_ETC_ENV), 0);

	assert_int_equal(unsetenv(CV_DB_ENV), 0);
	assert_string_equal(cv_db_path(), "/var/lib/camvault/access.db");
	assert_int_equal(setenv(CV_DB_ENV, "", 1), 0);
	assert_string_equal(cv_db_path(), "/var/lib/camvault/access.db");
	assert_int_equal(setenv(CV_DB_ENV, "/tmp/log.db", 1), 0);
	assert_string_equal(cv_db_path(), "/tmp/log.db");
	assert_int_equal(unsetenv(CV_DB_ENV), 0);
}

static void test_load(void **state)
{
	struct cv_registry r;
	char path[128];

	(void)state;
	/* Missing: empty. */
	assert_int_equal(cv_registry_load(tmp_path(path, sizeof(path), "nope/vaults.conf"), &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.n, 0);
	cv_registry_free(&r);

	tmp_path(path, sizeof(path), "load.conf");
	write_file(path, "cam0 /a -\ncam1 /b /c noauto", 27);
	assert_int_equal(cv_registry_load(path, &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, 2);
	assert_entry(&r.v[1], "cam1", "/b", "/c", "ext4", false, true, 2);
	cv_registry_free(&r);

	/* Errors name the file. */
	write_file(path, "cam0 /a -\ncam1 b -\n", 19);
	assert_int_equal(cv_registry_load(path, &r, err, sizeof(err)), -1);
	assert_true(strncmp(err, path, strlen(path)) == 0);
	assert_string_equal(err + strlen(path), " line 2: the backing path 'b' is relative: write it as an absolute "
			    "path, starting with /");

	/* A directory is not a registry. */
	assert_int_equal(cv_registry_load(tmpdir, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not a regular file"));
}

static void test_add_creates_dir_and_file(void **state)
{
	struct cv_vault_entry e = { .name = "cam0", .backing = "/var/lib/camvault/cam0.img",
				    .mountpoint = "/media/frigate" };
	char etc[128], path[160], *text;
	struct cv_registry r;
	struct stat st;
	mode_t old;

	(void)state;
	assert_int_equal(setenv(CV_ETC_ENV, tmp_path(etc, sizeof(etc), "new/etc/camvault"), 1), 0);
	assert_non_null(cv_registry_path(path, sizeof(path)));
	assert_int_equal(unsetenv(CV_ETC_ENV), 0);

	/* The modes are set, whatever the umask. */
	old = umask(077);
	assert_int_equal(cv_registry_add(path, &e, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(stat(etc, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	strcat(path, ".tmp");
	assert_int_equal(access(path, F_OK), -1);
	path[strlen(path) - 4] = '\0';

	/* A header comment explaining the format, then the line. */
	text = read_file(path);
	assert_true(strncmp(text, "# camvault's vault registry", 27) == 0);
	assert_non_null(strstr(text, "NAME\tBACKING\tMOUNTPOINT\tOPTIONS"));
	assert_string_equal(strrchr(text, '#'), "# every other line as it is.\n"
			    "cam0 /var/lib/camvault/cam0.img /media/frigate defaults\n");
	free(text);

	assert_int_equal(cv_registry_load(path, &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].name, "cam0");
	assert_string_equal(r.v[0].fstype, "ext4");
	cv_registry_free(&r);
}

static void test_add_then_parse_back(void **state)
{
	struct cv_vault_entry e[] = {
		{ .name = "cam0", .backing = "/var/lib/camvault/cam0.img", .mountpoint = "/media/frigate",
		  .fstype = "ext4" },
		{ .name = "cam1", .backing = "/dev/sda2", .mountpoint = "", .fstype = "ext4", .pin = true,
		  .noauto = true },
		{ .name = "back.up+2", .backing = "/dev/nvme0n1p4", .mountpoint = "/srv/backup", .fstype = "xfs",
		  .noauto = true },
		{ .name = "x", .backing = "/x", .mountpoint = "-", .fstype = "ext4", .pin = true },
	};
	struct cv_registry r;
	char path[128];
	size_t i;

	(void)state;
	tmp_path(path, sizeof(path), "back.conf");
	for (i = 0; i < 4; i++)
		assert_int_equal(cv_registry_add(path, &e[i], err, sizeof(err)), 0);
	assert_int_equal(cv_registry_load(path, &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, 4);
	for (i = 0; i < 4; i++) {
		const struct cv_vault_entry *got = cv_registry_find(&r, e[i].name);

		assert_entry(got, e[i].name, e[i].backing, strcmp(e[i].mountpoint, "-") ? e[i].mountpoint : "",
			     e[i].fstype, e[i].pin, e[i].noauto, got->line);
	}
	assert_true(r.v[0].line < r.v[1].line && r.v[1].line < r.v[2].line && r.v[2].line < r.v[3].line);
	cv_registry_free(&r);
}

static void test_add_keeps_lines(void **state)
{
	static const char old[] = "# my vaults\n\ncam0\t/a\t-\t\tpin   # front door\n   # trailing comment, no newline";
	struct cv_vault_entry e = { .name = "cam1", .backing = "/b", .mountpoint = "/mnt/b", .fstype = "vfat" };
	struct stat st;
	char path[128];

	(void)state;
	tmp_path(path, sizeof(path), "keep.conf");
	write_file(path, old, strlen(old));
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(cv_registry_add(path, &e, err, sizeof(err)), 0);
	assert_file(path, "# my vaults\n\ncam0\t/a\t-\t\tpin   # front door\n   # trailing comment, no newline\n"
		    "cam1 /b /mnt/b fstype=vfat\n");
	/* The file's permissions stay the admin's. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_add_refuses(void **state)
{
	static const char old[] = "cam0 /a -\n";
	struct cv_vault_entry e = { .name = "cam0", .backing = "/other", .mountpoint = "" };
	struct stat before, after;
	char path[128], want[512];

	(void)state;
	tmp_path(path, sizeof(path), "dup.conf");
	write_file(path, old, strlen(old));
	assert_int_equal(stat(path, &before), 0);

	/* A name already there. */
	assert_int_equal(cv_registry_add(path, &e, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "vault 'cam0' is already in %s (line 1): choose another name, or remove that "
		 "line first", path);
	assert_string_equal(err, want);

	/* Entries no line could hold. */
	strcpy(e.name, ".cam");
	assert_int_equal(cv_registry_add(path, &e, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot add vault '.cam' to %s: '.cam' cannot be a vault name: use 1 to 127 of "
		 "the characters A-Z a-z 0-9 _ . + -, not starting with . or -", path);
	assert_string_equal(err, want);
	strcpy(e.name, "cam1");
	strcpy(e.backing, "cam1.img");
	assert_int_equal(cv_registry_add(path, &e, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot add vault 'cam1' to %s: the backing path 'cam1.img' is relative: "
		 "write it as an absolute path, starting with /", path);
	assert_string_equal(err, want);
	strcpy(e.backing, "/my images/cam1.img");
	assert_int_equal(cv_registry_add(path, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the backing path contains a space or control character (0x20 at byte 4): "
			       "paths with whitespace are not supported"));
	strcpy(e.backing, "/b");
	strcpy(e.mountpoint, "mnt");
	assert_int_equal(cv_registry_add(path, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the mountpoint 'mnt' is relative"));
	strcpy(e.mountpoint, "/mnt");
	strcpy(e.fstype, "Ext4");
	assert_int_equal(cv_registry_add(path, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad filesystem type 'fstype=Ext4'"));
	memset(e.name, 'a', sizeof(e.name));
	assert_int_equal(cv_registry_add(path, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is 128 characters long, more than 127: shorten it"));

	/* None of it touched the file. */
	assert_file(path, old);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);

	/* Nor created one. */
	tmp_path(path, sizeof(path), "none/vaults.conf");
	assert_int_equal(cv_registry_add(path, &e, err, sizeof(err)), -1);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_remove(void **state)
{
	static const char old[] = "# my vaults\n"
				  "cam0 /a -   # first\n"
				  "\n"
				  "\tcam1\t/b\t/mnt/b\tpin\n"
				  "# between\n"
				  "cam2 /c - noauto";
	char path[128];

	(void)state;
	tmp_path(path, sizeof(path), "remove.conf");
	write_file(path, old, strlen(old));
	assert_int_equal(chmod(path, 0640), 0);

	/* Unknown names change nothing. */
	assert_int_equal(cv_registry_remove(path, "cam3", err, sizeof(err)), 0);
	assert_int_equal(cv_registry_remove(path, "CAM1", err, sizeof(err)), 0);
	assert_file(path, old);

	assert_int_equal(cv_registry_remove(path, "cam1", err, sizeof(err)), 1);
	assert_file(path, "# my vaults\ncam0 /a -   # first\n\n# between\ncam2 /c - noauto");
	/* The last line, without its newline. */
	assert_int_equal(cv_registry_remove(path, "cam2", err, sizeof(err)), 1);
	assert_file(path, "# my vaults\ncam0 /a -   # first\n\n# between\n");
	assert_int_equal(cv_registry_remove(path, "cam0", err, sizeof(err)), 1);
	assert_file(path, "# my vaults\n\n# between\n");
	assert_int_equal(cv_registry_remove(path, "cam0", err, sizeof(err)), 0);
	{
		struct stat st;

		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0640);
	}
	strcat(path, ".tmp");
	assert_int_equal(access(path, F_OK), -1);

	/* No file, no directory: nothing to remove. */
	assert_int_equal(cv_registry_remove(tmp_path(path, sizeof(path), "gone.conf"), "cam0", err, sizeof(err)),
			 0);
	assert_int_equal(cv_registry_remove(tmp_path(path, sizeof(path), "gone/vaults.conf"), "cam0", err,
					    sizeof(err)), 0);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_unparsable_not_rewritten(void **state)
{
	static const char old[] = "cam0 /a -\ncam1 /b - automount\n";
	struct cv_vault_entry e = { .name = "cam2", .backing = "/c", .mountpoint = "" };
	struct stat before, after;
	char path[128], want[512];

	(void)state;
	tmp_path(path, sizeof(path), "broken.conf");
	write_file(path, old, strlen(old));
	assert_int_equal(stat(path, &before), 0);
	snprintf(want, sizeof(want), "%s line 2: unknown option 'automount': the options are pin, noauto, "
		 "fstype=TYPE, record-or-deny, recorder=EXE and deadman=SECONDS, comma-separated, or defaults for "
		 "none (fix that first: camvault does not rewrite a "
		 "registry it cannot read)", path);

	assert_int_equal(cv_registry_add(path, &e, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(cv_registry_remove(path, "cam0", err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(cv_registry_remove(path, "cam1", err, sizeof(err)), -1);

	assert_file(path, old);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_overlong),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse_guards),
		cmocka_unit_test(test_parse_guard_errors),
		cmocka_unit_test(test_format_guards),
		cmocka_unit_test(test_path_env),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_add_creates_dir_and_file),
		cmocka_unit_test(test_add_then_parse_back),
		cmocka_unit_test(test_add_keeps_lines),
		cmocka_unit_test(test_add_refuses),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_unparsable_not_rewritten),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
