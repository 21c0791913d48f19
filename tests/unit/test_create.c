// SPDX-License-Identifier: GPL-2.0
/*
 * camvault create, remove and lock: create's argument parsing and checks (pure), the table it loads, the
 * steps it undoes on failure (the key in the keyring, the loop device: real ones, the loop device as root
 * only), and the commands end to end on a host without camvault.ko, where they must fail cleanly.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <keyutils.h>

#include "util/opts.h"
#include "cmd/create.h"
#include "util/dlib.h"
#include "vault/device.h"
#include "vault/dm.h"
#include "vault/registry.h"
#include "vault/secret.h"
#include "helpers.h"
#include "uapi/camvault.h"

int cmd_create(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_lock(int argc, char **argv);

static char err[1024];

/* Whether soname is loaded in this process (without loading it). */
static int loaded(const char *soname)
{
	void *h = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);

	if (h)
		dlclose(h);
	return h != NULL;
}

/*
 * Runs first: libdevmapper is not in the process (nor linked into the test) until a device-mapper operation
 * needs it; naming a vault's device does not load it. One that cannot be loaded fails the operation, naming
 * the Debian package; one that loads later (installed meanwhile) just works.
 */
static void test_libdm_on_first_use(void **state)
{
	const char *soname = cv_dlib_libdm.soname;
	char line[1024];

	(void)state;
	assert_false(loaded(soname));
	assert_int_equal(cv_dm_name_check("cam0", line, sizeof(line)), 0);
	assert_string_equal(CV_DM_DIR, "/dev/mapper");
	assert_false(loaded(soname));

	cv_dlib_libdm.soname = "libcamvault-absent.so.1";
	assert_int_equal(cv_dm_exists("cam0", NULL, line, sizeof(line)), -ELIBACC);
	assert_non_null(strstr(line, "asking device-mapper about a device needs libdevmapper (Debian package "
				  "libdevmapper1.02.1): libcamvault-absent.so.1: cannot open shared object file"));
	cv_dlib_libdm.soname = soname;
	assert_false(loaded(soname));

	/* Found again: the next operation loads it, and gets as far as the kernel (or not, unprivileged). */
	assert_int_not_equal(cv_dm_exists("cam0", NULL, line, sizeof(line)), -ELIBACC);
	assert_non_null(cv_dlib_libdm.handle);
	assert_true(loaded(soname));
}

/* cv_create_parse_args() of the NULL-terminated arguments after "create". */
static int parse(struct cv_vault_params *a, ...)
{
	char *argv[16] = { "create" };
	int argc = 1;
	va_list ap;

	va_start(ap, a);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	memset(a, 0x5a, sizeof(*a));
	err[0] = '\0';
	return cv_create_parse_args(argc, argv, a, err, sizeof(err));
}

/* parse() must fail, with want in the message. */
#define assert_parse_fails(want, ...)						\
	do {									\
		struct cv_vault_params a_;					\
		assert_int_equal(parse(&a_, __VA_ARGS__, NULL), -1);		\
		if (!strstr(err, want))						\
			fail_msg("error '%s' lacks '%s'", err, want);		\
	} while (0)

static void test_args_defaults(void **state)
{
	struct cv_vault_params a;

	(void)state;
	assert_int_equal(parse(&a, "cam0", "--backing", "/img", "--key-file", "/k", NULL), 0);
	assert_string_equal(a.name, "cam0");
	assert_string_equal(a.backing, "/img");
	assert_string_equal(a.key_file, "/k");
	assert_string_equal(a.cipher->kernel, "aes-xts-plain64");
	assert_int_equal(a.cipher->key_bytes, 64);
	assert_int_equal(a.sector_size, 512);
	assert_false(a.allow_discards);
	assert_false(a.help);
}

static void test_args_all_options(void **state)
{
	struct cv_vault_params a;

	(void)state;
	assert_int_equal(parse(&a, "--cipher=adiantum", "--backing=/dev/sdb", "--allow-discards", "cam1",
			       "--sector-size", "4096", "--key-file", "k", NULL), 0);
	assert_string_equal(a.name, "cam1");
	assert_string_equal(a.backing, "/dev/sdb");
	assert_string_equal(a.key_file, "k");
	assert_string_equal(a.cipher->option, "adiantum");
	assert_string_equal(a.cipher->kernel, "xchacha12,aes-adiantum-plain64");
	assert_int_equal(a.cipher->key_bytes, 32);
	assert_int_equal(a.sector_size, 4096);
	assert_true(a.allow_discards);
	/* The table's cipher names work too. */
	assert_int_equal(parse(&a, "c", "--backing", "b", "--key-file", "k", "--cipher", "aes-xts-plain64",
			       "--sector-size=512", NULL), 0);
	assert_string_equal(a.cipher->option, "aes-xts");
	assert_int_equal(a.sector_size, 512);
}

static void test_args_help(void **state)
{
	struct cv_vault_params a;

	(void)state;
	/* --help wins over everything else, even bad arguments. */
	assert_int_equal(parse(&a, "--bogus", "--help", NULL), 0);
	assert_true(a.help);
	assert_int_equal(parse(&a, "-h", NULL), 0);
	assert_true(a.help);
}

static void test_args_missing(void **state)
{
	(void)state;
	assert_parse_fails("missing the vault's NAME", "--backing", "b", "--key-file", "k");
	assert_parse_fails("missing --backing FILE|DEV", "cam0", "--key-file", "k");
	assert_parse_fails("missing --key-file FILE", "cam0", "--backing", "b");
	assert_parse_fails("--key-file needs a value", "cam0", "--backing", "b", "--key-file");
	assert_parse_fails("--backing needs a value", "cam0", "--backing=", "--key-file", "k");
}

static void test_args_wrong(void **state)
{
	(void)state;
	assert_parse_fails("unknown option '--backingg'", "cam0", "--backingg", "b", "--key-file", "k");
	assert_parse_fails("unknown option '-k'", "cam0", "-k", "k");
	assert_parse_fails("unknown option '--allow-discards=1'", "cam0", "--allow-discards=1");
	assert_parse_fails("--backing given twice ('a' and 'b')", "c", "--backing", "a", "--backing=b");
	assert_parse_fails("one vault at a time, not 'cam0' and 'cam1'", "cam0", "cam1");
	assert_parse_fails("unknown cipher 'aes-cbc': use aes-xts or adiantum", "c", "--backing", "b",
			   "--key-file", "k", "--cipher", "aes-cbc");
	assert_parse_fails("--sector-size must be 512 or 4096, not '1024'", "c", "--backing", "b", "--key-file",
			   "k", "--sector-size", "1024");
	assert_parse_fails("--sector-size must be 512 or 4096, not '4096x'", "c", "--backing", "b",
			   "--key-file", "k", "--sector-size=4096x");
	assert_parse_fails("'a b' cannot be a vault name", "a b", "--backing", "b", "--key-file", "k");
}

static void test_vault_names(void **state)
{
	static const char *const good[] = { "cam0", "a", "Front-Door_2.cam+1", "9" };
	static const char *const bad[] = { "", "a b", "a/b", "-cam", ".cam", "..", "cam:0", "cam\n", "caméra",
					   "a\tb" };
	char longest[CAMVAULT_NAME_MAXLEN + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(cv_vault_name_check(good[i], err, sizeof(err)), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(cv_vault_name_check(bad[i], err, sizeof(err)), -1);
		assert_non_null(strstr(err, "cannot be a vault name: use 1 to 127 of the characters"));
	}
	memset(longest, 'v', sizeof(longest));
	longest[CAMVAULT_NAME_MAXLEN - 1] = '\0';
	assert_int_equal(cv_vault_name_check(longest, err, sizeof(err)), 0);
	longest[CAMVAULT_NAME_MAXLEN - 1] = 'v';
	longest[CAMVAULT_NAME_MAXLEN] = '\0';
	assert_int_equal(cv_vault_name_check(longest, err, sizeof(err)), -1);
}

static const struct cv_cipher *cipher(const char *option)
{
	size_t i;

	for (i = 0; i < cv_nciphers; i++)
		if (!strcmp(cv_ciphers[i].option, option))
			return &cv_ciphers[i];
	fail_msg("no cipher %s", option);
	return NULL;
}

/* cv_key_file_check() of a file of mode and size. */
static int key_check(mode_t mode, off_t size, const char *option)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = mode;
	st.st_size = size;
	err[0] = '\0';
	return cv_key_file_check("/etc/cam.key", &st, cipher(option), err, sizeof(err));
}

static void test_key_file_sizes(void **state)
{
	(void)state;
	assert_int_equal(key_check(S_IFREG | 0600, 64, "aes-xts"), 0);
	assert_int_equal(key_check(S_IFREG | 0400, 32, "adiantum"), 0);

	assert_int_equal(key_check(S_IFREG | 0600, 63, "aes-xts"), -1);
	assert_string_equal(err, "key file /etc/cam.key is 63 bytes, but aes-xts-plain64 (AES-256-XTS) needs exactly "
			    "64: make a key with 'head -c 64 /dev/urandom > KEYFILE'");
	assert_int_equal(key_check(S_IFREG | 0600, 0, "adiantum"), -1);
	assert_non_null(strstr(err, "key file /etc/cam.key is 0 bytes, but xchacha12,aes-adiantum-plain64 "
			       "(Adiantum) needs exactly 32"));
	/* A key for the other cipher, or a hex key: says so. */
	assert_int_equal(key_check(S_IFREG | 0600, 32, "aes-xts"), -1);
	assert_non_null(strstr(err, "needs exactly 64 (32 bytes is a key for --cipher adiantum)"));
	assert_int_equal(key_check(S_IFREG | 0600, 64, "adiantum"), -1);
	assert_non_null(strstr(err, "needs exactly 32 (64 bytes is a key for --cipher aes-xts)"));
	assert_int_equal(key_check(S_IFREG | 0600, 129, "aes-xts"), -1);
	assert_non_null(strstr(err, "(a hex key is twice the size: convert it with 'xxd -r -p')"));
}

static void test_key_file_not_regular(void **state)
{
	(void)state;
	assert_int_equal(key_check(S_IFDIR | 0700, 64, "aes-xts"), -1);
	assert_string_equal(err, "key file /etc/cam.key is not a regular file: give a file of exactly 64 raw bytes, "
			    "the aes-xts-plain64 key");
	assert_int_equal(key_check(S_IFCHR | 0600, 0, "adiantum"), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

static void test_backing_sizes(void **state)
{
	uint64_t sectors = 0;

	(void)state;
	assert_int_equal(cv_backing_size_check("img", 512, 512, &sectors, err, sizeof(err)), 0);
	assert_true(sectors == 1);
	assert_int_equal(cv_backing_size_check("img", 1ULL << 30, 4096, &sectors, err, sizeof(err)), 0);
	assert_true(sectors == 2097152);
	assert_int_equal(cv_backing_size_check("img", 8ULL << 40, 512, &sectors, err, sizeof(err)), 0);
	assert_true(sectors == (8ULL << 40) / 512);

	sectors = 7;
	assert_int_equal(cv_backing_size_check("img", 511, 512, &sectors, err, sizeof(err)), -1);
	assert_string_equal(err, "backing img is smaller than one sector (511 bytes, a sector is 512): use a larger "
			    "image, e.g. 'truncate -s 1G img'");
	assert_int_equal(cv_backing_size_check("img", 0, 512, &sectors, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "smaller than one sector"));
	assert_int_equal(cv_backing_size_check("img", 2048, 4096, &sectors, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "smaller than one sector (2048 bytes, a sector is 4096)"));
	assert_int_equal(cv_backing_size_check("img", 5000, 4096, &sectors, err, sizeof(err)), -1);
	assert_string_equal(err, "backing img is 5000 bytes, not a whole number of 4096-byte sectors: make its size a "
			    "multiple of 4096 (for an image, 'truncate -s 8192 img')");
	assert_int_equal(cv_backing_size_check("img", 1000, 512, &sectors, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'truncate -s 1024 img'"));
	assert_true(sectors == 7);
}

static void test_table_params(void **state)
{
	struct cv_vault_params a;
	char buf[256];

	(void)state;
	assert_int_equal(parse(&a, "cam0", "--backing", "b", "--key-file", "k", NULL), 0);
	assert_int_equal(cv_table_params(&a, "7:3", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "aes-xts-plain64 :64:logon:camvault:cam0 7:3 0");

	assert_int_equal(parse(&a, "v", "--backing", "b", "--key-file", "k", "--cipher", "adiantum",
			       "--sector-size", "4096", NULL), 0);
	assert_int_equal(cv_table_params(&a, "8:16", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "xchacha12,aes-adiantum-plain64 :32:logon:camvault:v 8:16 0 1 sector_size:4096");

	assert_int_equal(parse(&a, "v", "--backing", "b", "--key-file", "k", "--allow-discards", NULL), 0);
	assert_int_equal(cv_table_params(&a, "7:0", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "aes-xts-plain64 :64:logon:camvault:v 7:0 0 1 allow_discards");

	/* Both, in the order the target echoes them ("dmsetup table"). */
	assert_int_equal(parse(&a, "v", "--backing", "b", "--key-file", "k", "--allow-discards", "--sector-size",
			       "4096", NULL), 0);
	assert_int_equal(cv_table_params(&a, "7:0", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "aes-xts-plain64 :64:logon:camvault:v 7:0 0 2 allow_discards sector_size:4096");

	/* Too small a buffer, at every length. */
	for (size_t len = 1; len <= strlen("aes-xts-plain64 :64:logon:camvault:v 7:0 0 2 allow_discards "
					   "sector_size:4096"); len++)
		assert_int_equal(cv_table_params(&a, "7:0", buf, len), -1);
}

/* cv_kmsg_table_reason() of a copy of record, for any device (dev NULL) or dev. */
static int kmsg_reason_of(const char *record, const char *dev, char *reason, size_t len)
{
	char rec[512];

	snprintf(rec, sizeof(rec), "%s", record);
	strcpy(reason, "untouched");
	return cv_kmsg_table_reason(rec, dev, "camvault", reason, len);
}

static int kmsg_reason(const char *record, char *reason, size_t len)
{
	return kmsg_reason_of(record, NULL, reason, len);
}

static void test_kmsg_reason(void **state)
{
	char reason[128];

	(void)state;
	assert_int_equal(kmsg_reason("3,1042,3015221,-;device-mapper: table: 254:0: camvault: Key not found "
				     "(-ENOKEY)\n SUBSYSTEM=block\n", reason, sizeof(reason)), 1);
	assert_string_equal(reason, "Key not found (-ENOKEY)");
	/* Of the device asked about only. */
	assert_int_equal(kmsg_reason_of("3,1,1,-;device-mapper: table: 254:0: camvault: Bad", "254:0", reason,
					sizeof(reason)), 1);
	assert_string_equal(reason, "Bad");
	assert_int_equal(kmsg_reason_of("3,1,1,-;device-mapper: table: 254:10: camvault: Bad", "254:1", reason,
					sizeof(reason)), 0);
	assert_int_equal(kmsg_reason_of("3,1,1,-;device-mapper: table: 254:1: camvault: Bad", "254:10", reason,
					sizeof(reason)), 0);
	/* Older kernels, without the errno. */
	assert_int_equal(kmsg_reason("3,7,1,-;device-mapper: table: 253:12: camvault: Unknown cipher: use "
				     "aes-xts-plain64 or xchacha12,aes-adiantum-plain64\n", reason, sizeof(reason)), 1);
	assert_string_equal(reason, "Unknown cipher: use aes-xts-plain64 or xchacha12,aes-adiantum-plain64");
	/* Cut to the buffer. */
	assert_int_equal(kmsg_reason("3,7,1,-;device-mapper: table: 254:0: camvault: Key in the keyring has "
				     "another size than the table says", reason, 12), 1);
	assert_string_equal(reason, "Key in the ");

	/* Not a camvault refusal: reason untouched. */
	assert_int_equal(kmsg_reason("3,8,1,-;device-mapper: table: 254:0: crypt: Error allocating crypto tfm",
				     reason, sizeof(reason)), 0);
	assert_int_equal(kmsg_reason("3,8,1,-;device-mapper: table: 254:0: camvaultx: no", reason,
				     sizeof(reason)), 0);
	assert_int_equal(kmsg_reason("3,8,1,-;device-mapper: ioctl: error adding target to table", reason,
				     sizeof(reason)), 0);
	assert_int_equal(kmsg_reason("6,9,1,-;camvault: device-mapper: table: 254:0: camvault: x", reason,
				     sizeof(reason)), 0);
	assert_int_equal(kmsg_reason("3,8,1,-;device-mapper: table: 254:0: camvault: ", reason,
				     sizeof(reason)), 0);
	assert_int_equal(kmsg_reason("no semicolon device-mapper: table: 254:0: camvault: x", reason,
				     sizeof(reason)), 0);
	assert_string_equal(reason, "untouched");
}

/* A temporary file of the bytes given; its path in path (which the caller unlinks). */
static void temp_file(char *path, const void *bytes, size_t len)
{
	int fd;

	strcpy(path, "/tmp/camvault-unit-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	close(fd);
}

static void test_secret_read(void **state)
{
	unsigned char key[64];
	struct cv_secret s;
	char path[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(i * 7 + 1);
	temp_file(path, key, sizeof(key));

	assert_int_equal(cv_secret_read(&s, path, cipher("aes-xts"), err, sizeof(err)), 0);
	assert_non_null(s.buf);
	assert_int_equal(s.len, 64);
	assert_memory_equal(s.buf, key, 64);
	cv_secret_free(&s);
	assert_null(s.buf);
	assert_int_equal(s.len, 0);
	cv_secret_free(&s);

	/* The size is checked before anything is read: nothing held on failure. */
	memset(&s, 0x5a, sizeof(s));
	assert_int_equal(cv_secret_read(&s, path, cipher("adiantum"), err, sizeof(err)), -1);
	assert_null(s.buf);
	assert_non_null(strstr(err, "is 64 bytes, but xchacha12,aes-adiantum-plain64 (Adiantum) needs exactly 32"));
	unlink(path);

	assert_int_equal(cv_secret_read(&s, path, cipher("aes-xts"), err, sizeof(err)), -1);
	assert_null(s.buf);
	assert_non_null(strstr(err, "cannot open key file /tmp/camvault-unit-"));
	assert_non_null(strstr(err, ": No such file or directory"));
}

/* The key is searchable in this process's keyring until dropped, then gone: what create undoes. */
static void test_key_add_drop(void **state)
{
	unsigned char key[32] = { 1, 2, 3 };
	struct cv_secret s = { .buf = key, .len = sizeof(key) };
	char desc[64];
	int32_t serial;

	(void)state;
	snprintf(desc, sizeof(desc), "camvault:unit-%d", (int)getpid());
	serial = cv_key_add(desc, &s, err, sizeof(err));
	if (serial < 0 && strstr(err, "no keyrings")) {
		print_message("# SKIP: %s\n", err);
		skip();
	}
	assert_true(serial > 0);
	assert_int_equal(keyctl_search(KEY_SPEC_PROCESS_KEYRING, "logon", desc, 0), serial);
	/* A logon key cannot be read back, not even by its owner. */
	assert_true(keyctl_read(serial, (char *)key, sizeof(key)) < 0);
	cv_key_drop(serial);
	assert_int_equal(keyctl_search(KEY_SPEC_PROCESS_KEYRING, "logon", desc, 0), -1);
	/* Invalidation is immediate, removal from the keyring is the garbage collector's: until it
	 * has run, the search finds the dead key and says so. Either way nobody can use it. */
	assert_true(errno == ENOKEY || errno == EKEYREVOKED);
	/* Dropping twice, or nothing, is harmless. */
	cv_key_drop(serial);
	cv_key_drop(-1);
}

/* Skips the test unless a loop device can be attached here (root, /dev/loop-control). */
static void require_loop(void)
{
	if (geteuid() != 0 || access("/dev/loop-control", R_OK | W_OK)) {
		print_message("# SKIP: loop devices need root and /dev/loop-control\n");
		skip();
	}
}

/* /sys/block/loopN/loop/<attr> of loop, without the newline, or "" when it is not there. */
static const char *loop_attr(const struct cv_loop *loop, const char *attr)
{
	static char buf[4096];
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/loop%d/loop/%s", loop->index, attr);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* Waits up to 2 s for the loop device to be detached. Returns whether it was. */
static int loop_detached(const struct cv_loop *loop)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int i;

	for (i = 0; i < 100; i++) {
		if (!loop_attr(loop, "backing_file")[0])
			return 1;
		nanosleep(&pause, NULL);
	}
	return 0;
}

/* Attaches a fresh 1 MiB image; its path in path. */
static void attach(struct cv_loop *loop, char *path)
{
	char *real, dev[32];
	int fd;

	temp_file(path, "", 0);
	assert_int_equal(truncate(path, 1 << 20), 0);
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(cv_loop_attach(loop, path, fd, err, sizeof(err)), 0);
	close(fd);
	assert_true(loop->fd >= 0);
	assert_int_equal(loop->major, 7);
	snprintf(dev, sizeof(dev), "%u:%u", loop->major, loop->minor);
	assert_string_equal(loop_attr(loop, "../dev"), dev);
	snprintf(dev, sizeof(dev), "/dev/loop%d", loop->index);
	assert_string_equal(loop->path, dev);
	real = realpath(path, NULL);
	assert_non_null(real);
	assert_string_equal(loop_attr(loop, "backing_file"), real);
	free(real);
	assert_string_equal(loop_attr(loop, "autoclear"), "1");
}

static void test_loop_attach_detach(void **state)
{
	struct cv_loop loop;
	char path[64];

	(void)state;
	require_loop();
	attach(&loop, path);
	cv_loop_detach(&loop);
	assert_int_equal(loop.fd, -1);
	assert_true(loop_detached(&loop));
	cv_loop_detach(&loop);
	unlink(path);
}

/* What a vault relies on: with autoclear, the last close detaches it. */
static void test_loop_autoclear(void **state)
{
	struct cv_loop loop;
	char path[64];

	(void)state;
	require_loop();
	attach(&loop, path);
	close(loop.fd);
	assert_true(loop_detached(&loop));
	unlink(path);
}

static void test_loop_attach_fails(void **state)
{
	struct cv_loop loop;

	(void)state;
	require_loop();
	/* Not a file: LOOP_CONFIGURE refuses it, and nothing stays attached. */
	assert_int_equal(cv_loop_attach(&loop, "bad", -1, err, sizeof(err)), -1);
	assert_int_equal(loop.fd, -1);
	assert_non_null(strstr(err, "cannot attach the image bad to /dev/loop"));
	assert_true(loop_detached(&loop));
}

/* Whether camvault.ko is loaded on this machine (then the "not loaded" paths cannot be seen). */
static int module_loaded(void)
{
	return access("/sys/module/camvault", F_OK) == 0;
}

/* Whether some loop device has the file path as its backing file. */
static int loop_backs(const char *path)
{
	struct cv_loop l;
	char *real = realpath(path, NULL);
	int found = 0;

	assert_non_null(real);
	for (l.index = 0; l.index < 256 && !found; l.index++)
		found = !strcmp(loop_attr(&l, "backing_file"), real);
	free(real);
	return found;
}

/* Without camvault.ko, create says so and leaves no loop device and no key behind. */
static void test_create_without_module(void **state)
{
	unsigned char key[64] = { 0 };
	char img[64], kf[64], desc[64], name[32];
	struct cv_run r;

	(void)state;
	if (module_loaded()) {
		print_message("# SKIP: camvault.ko is loaded here\n");
		skip();
	}
	snprintf(name, sizeof(name), "unit%d", (int)getpid());
	temp_file(img, "", 0);
	assert_int_equal(truncate(img, 1 << 20), 0);
	temp_file(kf, key, sizeof(key));

	cv_run(&r, cmd_create, "create", name, "--backing", img, "--key-file", kf, NULL);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "camvault: camvault.ko is not loaded (no generic netlink family 'camvault'): "
			    "load it with 'modprobe camvault'\n");
	assert_false(loop_backs(img));
	snprintf(desc, sizeof(desc), "camvault:%s", name);
	assert_int_equal(keyctl_search(KEY_SPEC_PROCESS_KEYRING, "logon", desc, 0), -1);
	unlink(img);
	unlink(kf);
}

/* Input errors come before anything else, module or not. */
static void test_create_input_errors(void **state)
{
	unsigned char key[32] = { 0 };
	char img[64], kf[64], want[256];
	struct cv_run r;

	(void)state;
	temp_file(img, "", 0);
	assert_int_equal(truncate(img, 1 << 20), 0);
	temp_file(kf, key, sizeof(key));

	cv_run(&r, cmd_create, "create", "cam0", "--backing", img, "--key-file", kf, NULL);
	assert_int_equal(r.rc, 1);
	snprintf(want, sizeof(want), "camvault: key file %s is 32 bytes, but aes-xts-plain64 (AES-256-XTS) needs "
		 "exactly 64 (32 bytes is a key for --cipher adiantum)", kf);
	assert_true(strncmp(r.err, want, strlen(want)) == 0);

	cv_run(&r, cmd_create, "create", "cam0", "--backing", kf, "--key-file", kf, "--cipher", "adiantum", NULL);
	assert_int_equal(r.rc, 1);
	assert_null(strstr(r.err, "camvault.ko"));
	assert_non_null(strstr(r.err, "is smaller than one sector (32 bytes, a sector is 512)"));

	cv_run(&r, cmd_create, "create", "cam0", "--backing", "/dev/null", "--key-file", kf, "--cipher", "adiantum",
	       NULL);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.err, "camvault: backing /dev/null is neither a regular file (an image) nor a block "
			    "device\n");

	cv_run(&r, cmd_create, "create", "cam0", "--backing", "/nonexistent/img", "--key-file", kf, "--cipher",
	       "adiantum", NULL);
	assert_string_equal(r.err, "camvault: cannot use backing /nonexistent/img: No such file or directory\n");

	cv_run(&r, cmd_create, "create", "cam0", "--key-file", kf, NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_true(strncmp(r.err, "camvault create: missing --backing FILE|DEV", 43) == 0);
	unlink(img);
	unlink(kf);
}

static void test_create_help(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, cmd_create, "create", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(strncmp(r.out, "Usage: camvault create NAME --backing FILE|DEV --key-file FILE", 62) == 0);
	assert_string_equal(r.err, "");
}

static void test_remove_and_lock_args(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, cmd_remove, "remove", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.err, "camvault remove: missing the vault's NAME: 'camvault remove NAME'\n");
	cv_run(&r, cmd_lock, "lock", "a", "b", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.err, "camvault lock: one vault at a time, not 'a' and 'b': see 'camvault lock --help'\n");
	cv_run(&r, cmd_lock, "lock", "--force", "a", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_string_equal(r.err, "camvault lock: unknown option '--force': see 'camvault lock --help'\n");
	cv_run(&r, cmd_remove, "remove", "a/b", NULL);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.err, "camvault: 'a/b' cannot be a device-mapper name: use 1 to 127 characters, no "
			    "'/'\n");
	cv_run(&r, cmd_remove, "remove", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(strncmp(r.out, "Usage: camvault remove NAME\n", 28) == 0);
	cv_run(&r, cmd_lock, "lock", "-h", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(strncmp(r.out, "Usage: camvault lock NAME\n", 26) == 0);
}

/* remove of a vault that is not there fails, whether this kernel has device-mapper or not. */
static void test_remove_absent(void **state)
{
	struct cv_run r;

	(void)state;
	cv_run(&r, cmd_remove, "remove", "camvault-unit-absent", NULL);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.out, "");
	if (geteuid() != 0)
		assert_non_null(strstr(r.err, "needs root (CAP_SYS_ADMIN): run camvault as root"));
	else if (strstr(r.err, "device-mapper driver"))
		assert_true(strncmp(r.err, "camvault: cannot reach the kernel's device-mapper driver (", 58) == 0);
	else
		assert_string_equal(r.err, "camvault: no device-mapper device named camvault-unit-absent: 'camvault "
				    "status' lists the vaults\n");
}

static void test_lock_without_module(void **state)
{
	struct cv_run r;

	(void)state;
	if (module_loaded()) {
		print_message("# SKIP: camvault.ko is loaded here\n");
		skip();
	}
	cv_run(&r, cmd_lock, "lock", "cam0", NULL);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.err, "camvault: kernel module not loaded (no generic netlink family 'camvault'): load "
			    "it with 'modprobe camvault'\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libdm_on_first_use),
		cmocka_unit_test(test_args_defaults),
		cmocka_unit_test(test_args_all_options),
		cmocka_unit_test(test_args_help),
		cmocka_unit_test(test_args_missing),
		cmocka_unit_test(test_args_wrong),
		cmocka_unit_test(test_vault_names),
		cmocka_unit_test(test_key_file_sizes),
		cmocka_unit_test(test_key_file_not_regular),
		cmocka_unit_test(test_backing_sizes),
		cmocka_unit_test(test_table_params),
		cmocka_unit_test(test_kmsg_reason),
		cmocka_unit_test(test_secret_read),
		cmocka_unit_test(test_key_add_drop),
		cmocka_unit_test(test_loop_attach_detach),
		cmocka_unit_test(test_loop_autoclear),
		cmocka_unit_test(test_loop_attach_fails),
		cmocka_unit_test(test_create_without_module),
		cmocka_unit_test(test_create_input_errors),
		cmocka_unit_test(test_create_help),
		cmocka_unit_test(test_remove_and_lock_args),
		cmocka_unit_test(test_remove_absent),
		cmocka_unit_test(test_lock_without_module),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
