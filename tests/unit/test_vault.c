// SPDX-License-Identifier: GPL-2.0
/*
 * The TPM-bound vault commands: init's argument parsing (pure), then init, the vault key from the TPM and from
 * the recovery key, a PIN, another TPM, status, shred and open against a real swtpm, with image files in a
 * temporary directory and a registry of its own (CAMVAULT_ETC) for each test. The host has no device-mapper:
 * open stops there, and shred takes that as "the vault is not open".
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "cmd/init.h"
#include "tpm/lockout.h"
#include "util/opts.h"
#include "vault/seal.h"
#include "vault/dm.h"
#include "vault/vault.h"
#include "vault/vaultkey.h"
#include "helpers.h"

int cmd_init(int argc, char **argv);
int cmd_shred(int argc, char **argv);
int cmd_open(int argc, char **argv);
int cmd_status(int argc, char **argv);

#define MIB (1ull << 20)
#define CROCKFORD "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

static char err[CV_ERRLEN];

/* cv_init_parse_args() of the NULL-terminated arguments after "init". */
static int parse_init(struct cv_init_args *a, ...)
{
	char *argv[24] = { "init" };
	int argc = 1;
	va_list ap;

	va_start(ap, a);
	while (argc < 23 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	memset(a, 0x5a, sizeof(*a));
	err[0] = '\0';
	return cv_init_parse_args(argc, argv, a, err, sizeof(err));
}

/* parse_init() must fail, with want in the message. */
#define assert_init_fails(want, ...)						\
	do {									\
		struct cv_init_args a_;						\
		assert_int_equal(parse_init(&a_, __VA_ARGS__, NULL), -1);	\
		if (!strstr(err, want))						\
			fail_msg("error '%s' lacks '%s'", err, want);		\
	} while (0)

static uint64_t size_ok(const char *s)
{
	uint64_t bytes = 42;

	if (cv_parse_size(s, &bytes))
		fail_msg("cv_parse_size(\"%s\") refused it", s);
	return bytes;
}

static void test_parse_size(void **state)
{
	static const char *const bad[] = {
		"", "M", "-1", "1X", "99999999999T", "16777216T", "18446744073709551616", " 8M", "+8", "8 M", "8iB",
		"1M5", "8MiBx", "8KB5", "0x10",
	};
	uint64_t bytes;
	size_t i;

	(void)state;
	assert_int_equal(size_ok("1048576"), 1048576);
	assert_int_equal(size_ok("1k"), 1024);
	assert_int_equal(size_ok("64M"), 64 * MIB);
	assert_int_equal(size_ok("8G"), 8ull << 30);
	assert_int_equal(size_ok("8GiB"), 8ull << 30);
	assert_int_equal(size_ok("8gb"), 8ull << 30);
	assert_int_equal(size_ok("2T"), 2ull << 40);
	/* The largest of each kind that fits 64 bits. */
	assert_int_equal(size_ok("16777215T"), 16777215ull << 40);
	assert_int_equal(size_ok("18446744073709551615"), UINT64_MAX);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bytes = 42;
		if (cv_parse_size(bad[i], &bytes) != -1)
			fail_msg("cv_parse_size(\"%s\") accepted it", bad[i]);
		assert_int_equal(bytes, 42);		/* untouched */
	}
}

static uint32_t pcrs_ok(const char *s)
{
	uint32_t mask;

	if (cv_parse_pcrs(s, &mask))
		fail_msg("cv_parse_pcrs(\"%s\") refused it", s);
	return mask;
}

static void test_parse_pcrs(void **state)
{
	static const char *const bad[] = {
		"24", "", "7,", "3-1", "a", ",7", "7-", "-1", "1,,2", "0-24", "7 ", "7;8", "0x7", "7-a",
	};
	uint32_t mask;
	size_t i;

	(void)state;
	assert_int_equal(pcrs_ok("7"), 1u << 7);
	assert_int_equal(pcrs_ok("0,2,7"), 0x85);
	assert_int_equal(pcrs_ok("0-7,14"), 0x40ff);
	assert_int_equal(pcrs_ok("23"), 1u << 23);
	assert_int_equal(pcrs_ok("0-23"), 0xffffff);
	assert_int_equal(pcrs_ok("5-5"), 1u << 5);
	assert_int_equal(pcrs_ok("7,7,0-1"), 0x83);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cv_parse_pcrs(bad[i], &mask) != -1)
			fail_msg("cv_parse_pcrs(\"%s\") accepted it (mask 0x%x)", bad[i], mask);
}

static void test_cpu_has_aes(void **state)
{
	static const char *const with[] = {
		/* x86: the flag in the middle, last on its line, last in the text */
		"processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse aes xsave avx\n"
		"bugs\t\t: spectre_v1\n\nprocessor\t: 1\nflags\t\t: fpu vme de pse aes xsave avx\n",
		"processor\t: 0\nflags\t\t: fpu vme aes\nbugs\t\t: spectre_v1\n",
		"processor\t: 0\nflags\t\t: fpu vme aes",
		/* arm64 (a Raspberry Pi 5's Cortex-A76) */
		"processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics "
		"fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\nCPU implementer\t: 0x41\n",
		/* a flags line without it, then one with it */
		"flags\t\t: fpu vme\nflags\t\t: fpu aes vme\n",
	};
	static const char *const without[] = {
		"",
		"processor\t: 0\nflags\t\t: fpu vme de pse xsave avx vaes aes_ni aesx\nbugs\t\t: spectre_v1\n",
		/* arm64 (a Raspberry Pi 4's Cortex-A72: no crypto extensions) */
		"processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\n"
		"CPU implementer\t: 0x41\n",
		/* "aes" on other lines than the flags' */
		"model name\t: Fake aes CPU\nflags\t\t: fpu vme\nbugs\t\t: aes\n",
		"flags\t\t: fpu vme\nvmx flags\t: vnmi aes\nHardware\t: aes\n",
		"flags\t\t: fpu vme\n aes\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(with) / sizeof(with[0]); i++)
		if (!cv_cpu_has_aes(with[i]))
			fail_msg("no AES found in case %zu: %s", i, with[i]);
	for (i = 0; i < sizeof(without) / sizeof(without[0]); i++)
		if (cv_cpu_has_aes(without[i]))
			fail_msg("AES found in case %zu: %s", i, without[i]);
}

/* What --cipher auto picks on this machine. */
static const char *auto_cipher(void)
{
	static char buf[1 << 16];
	FILE *f = fopen("/proc/cpuinfo", "re");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return cv_cpu_has_aes(buf) ? "aes-xts-plain64" : "xchacha12,aes-adiantum-plain64";
}

static void test_init_args(void **state)
{
	struct cv_init_args a;

	(void)state;
	assert_int_equal(parse_init(&a, "cam0", "--backing", "/srv/cam0.img", NULL), 0);
	assert_string_equal(a.name, "cam0");
	assert_string_equal(a.backing, "/srv/cam0.img");
	assert_null(a.mount);
	assert_int_equal(a.size, 0);
	assert_string_equal(a.cipher->kernel, auto_cipher());
	assert_int_equal(a.sector_size, 512);
	assert_int_equal(a.pcr_mask, 0);
	assert_false(a.pin);
	assert_false(a.no_recovery);
	assert_false(a.mkfs);
	assert_false(a.help);

	/* Every option, in both forms, the name among them. */
	assert_int_equal(parse_init(&a, "--cipher=adiantum", "--backing", "/srv/cam1.img", "cam1", "--size", "8G",
				    "--sector-size=4096", "--pcrs", "0,2,7", "--pin", "--no-recovery", "--mkfs", "ext4",
				    "--mount=/media/frigate", NULL), 0);
	assert_string_equal(a.name, "cam1");
	assert_string_equal(a.backing, "/srv/cam1.img");
	assert_string_equal(a.mount, "/media/frigate");
	assert_int_equal(a.size, 8ull << 30);
	assert_string_equal(a.cipher->option, "adiantum");
	assert_int_equal(a.cipher->key_bytes, 32);
	assert_int_equal(a.sector_size, 4096);
	assert_int_equal(a.pcr_mask, 0x85);
	assert_true(a.pin);
	assert_true(a.no_recovery);
	assert_true(a.mkfs);
	assert_false(a.help);

	assert_int_equal(parse_init(&a, "c", "--backing=/b", "--cipher", "aes-xts", NULL), 0);
	assert_string_equal(a.cipher->kernel, "aes-xts-plain64");
	assert_int_equal(a.cipher->key_bytes, 64);

	/* --help wins over everything, bad arguments too. */
	assert_int_equal(parse_init(&a, "--bogus", "--help", NULL), 0);
	assert_true(a.help);
	assert_int_equal(parse_init(&a, "-h", NULL), 0);
	assert_true(a.help);
}

static void test_init_args_wrong(void **state)
{
	(void)state;
	assert_init_fails("missing the vault's NAME: 'camvault init NAME --backing FILE|DEV'", "--backing", "/b");
	assert_init_fails("'cam/0' cannot be a vault name", "cam/0", "--backing", "/b");
	assert_init_fails("missing --backing FILE|DEV: the image file or block device to hold vault cam0", "cam0");
	assert_init_fails("--backing cam0.img is relative: give an absolute path", "cam0", "--backing", "cam0.img");
	assert_init_fails("--mount media is relative: give an absolute path", "cam0", "--backing", "/b", "--mount",
			  "media");
	assert_init_fails("--size 8X is not a size: bytes, or a number with K, M, G or T", "cam0", "--backing", "/b",
			  "--size", "8X");
	assert_init_fails("--pcrs 24 is not a PCR list: numbers 0 to 23", "cam0", "--backing", "/b", "--pcrs", "24");
	assert_init_fails("unknown --cipher aes: use auto, aes-xts or adiantum", "cam0", "--backing", "/b",
			  "--cipher", "aes");
	assert_init_fails("--sector-size 1024: use 512 or 4096", "cam0", "--backing", "/b", "--sector-size", "1024");
	assert_init_fails("--mkfs xfs: only ext4 is offered", "cam0", "--backing", "/b", "--mkfs", "xfs");
	assert_init_fails("unknown option '--force': see 'camvault init --help'", "cam0", "--backing", "/b", "--force");
	assert_init_fails("one vault at a time, not 'cam0' and 'cam1'", "cam0", "cam1", "--backing", "/b");
	assert_init_fails("--backing needs a value", "cam0", "--backing");
	assert_init_fails("--backing needs a value", "cam0", "--backing=");
	assert_init_fails("--size needs a value", "cam0", "--backing", "/b", "--size=");
}

/* The directory each test works in, its registry (CAMVAULT_ETC) and its image files. */
static struct {
	char dir[64];
	char etc[96];
	char reg[128];
	char img[96];
	char copy[96];
} fx;

/* A second TPM, for the tests that need one; the teardown stops it when a test could not. */
static struct cv_swtpm other;

static int fx_setup(void **state)
{
	(void)state;
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/camvault-unit-vault.XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	snprintf(fx.etc, sizeof(fx.etc), "%s/etc", fx.dir);
	snprintf(fx.reg, sizeof(fx.reg), "%s/vaults.conf", fx.etc);
	snprintf(fx.img, sizeof(fx.img), "%s/cam0.img", fx.dir);
	snprintf(fx.copy, sizeof(fx.copy), "%s/copy.img", fx.dir);
	if (mkdir(fx.etc, 0755))
		return -1;
	/* Argon2id in 1 MiB rather than 64: the tests make many recovery slots. */
	if (setenv("CAMVAULT_ETC", fx.etc, 1) || setenv("CAMVAULT_ARGON2_MEMLIMIT_KIB", "1024", 1))
		return -1;
	unsetenv(CV_PIN_ENV);
	unsetenv(CV_RECOVERY_ENV);
	unsetenv("CAMVAULT_SHRED_CONFIRM");
	return 0;
}

/* Undefines the NV index of every vault still registered: what a failed test left in the TPM. */
static void fx_forget_vaults(void)
{
	struct cv_registry r;
	struct cv_tpm tpm;
	struct cv_header h;
	size_t i;

	if (cv_registry_load(fx.reg, &r, err, sizeof(err)))
		return;
	if (r.n && !cv_tpm_open(&tpm, err, sizeof(err))) {
		for (i = 0; i < r.n; i++) {
			int fd = open(r.v[i].backing, O_RDONLY | O_CLOEXEC);

			if (fd < 0)
				continue;
			if (!cv_header_read(fd, r.v[i].backing, &h, err, sizeof(err)))
				cv_nv_destroy(&tpm, &h, err, sizeof(err));
			close(fd);
		}
		cv_tpm_close(&tpm);
	}
	cv_registry_free(&r);
}

static int fx_teardown(void **state)
{
	(void)state;
	cv_swtpm_remove(&other);
	if (cv_swtpm.pid > 0) {
		setenv("CAMVAULT_TCTI", cv_swtpm.tcti, 1);
		fx_forget_vaults();
	}
	cv_test_rmtree(fx.dir);
	unsetenv(CV_PIN_ENV);
	unsetenv(CV_RECOVERY_ENV);
	unsetenv("CAMVAULT_SHRED_CONFIRM");
	unsetenv("CAMVAULT_ETC");
	return 0;
}

/* Runs "camvault init" with the arguments after "init"; the test fails, showing stderr, unless it succeeds. */
/*
 * The lockout authorization the first 'init --pin' on the shared swtpm set and printed ("" before): da_reset()
 * needs it from then on.
 */
static char lockout_auth[CV_LOCKOUT_TEXT];

/* The lockout authorization init printed ("\n\n    <32 hex>\n\n" after its heading) into auth, or 0. */
static int lockout_of(const char *out, char auth[CV_LOCKOUT_TEXT])
{
	const char *p = strstr(out, "TPM lockout authorization, shown this once.");
	size_t i;

	if (!p || !(p = strstr(p, "\n\n    ")))
		return 0;
	p += 6;
	for (i = 0; i < CV_LOCKOUT_TEXT - 1; i++)
		assert_non_null(strchr("0123456789abcdef", p[i]));
	assert_int_equal(p[CV_LOCKOUT_TEXT - 1], '\n');
	memcpy(auth, p, CV_LOCKOUT_TEXT - 1);
	auth[CV_LOCKOUT_TEXT - 1] = '\0';
	return 1;
}

#define init_ok(r, ...)								\
	do {									\
		cv_run(r, cmd_init, "init", __VA_ARGS__, NULL);			\
		if ((r)->rc)							\
			fail_msg("init failed (%d): %s", (r)->rc, (r)->err);	\
		if (!strcmp(getenv("CAMVAULT_TCTI"), cv_swtpm.tcti))		\
			lockout_of((r)->out, lockout_auth);			\
	} while (0)

/* Runs a command that must fail with status rc_ and want in its stderr. */
#define run_fails_with(rc_, r, want, fn, ...)						\
	do {										\
		cv_run(r, fn, __VA_ARGS__, NULL);					\
		if ((r)->rc != (rc_) || !strstr((r)->err, want))			\
			fail_msg("rc %d, stderr '%s' lacks '%s' (stdout '%s')", (r)->rc,	\
				 (r)->err, want, (r)->out);				\
	} while (0)
/* It failed (1); or its command line is wrong (CV_EXIT_USAGE): nothing was done. */
#define run_fails(r, want, fn, ...) run_fails_with(CV_EXIT_FAIL, r, want, fn, __VA_ARGS__)
#define run_usage(r, want, fn, ...) run_fails_with(CV_EXIT_USAGE, r, want, fn, __VA_ARGS__)

/* The recovery key init printed ("\n\n    XXXXX-...-XXXXX\n\n"), its form checked, into key. */
static void recovery_key_of(const char *out, char key[CV_RECOVERY_TEXT])
{
	const char *p = strstr(out, "\n\n    ");
	int i;

	if (!p)
		fail_msg("no recovery key line in: %s", out);
	p += 6;
	for (i = 0; i < CV_RECOVERY_TEXT - 1; i++) {
		if (i % 6 == 5) {
			if (p[i] != '-')
				fail_msg("recovery key '%.47s': no dash at %d", p, i);
		} else if (!p[i] || !strchr(CROCKFORD, p[i])) {
			fail_msg("recovery key '%.47s': '%c' at %d is not Crockford base 32", p, p[i], i);
		}
	}
	assert_true(strncmp(p + CV_RECOVERY_TEXT - 1, "\n\n", 2) == 0);
	memcpy(key, p, CV_RECOVERY_TEXT - 1);
	key[CV_RECOVERY_TEXT - 1] = '\0';
}

/* The first len - 1 bytes of the file at path, NUL-terminated; "" when it is missing. */
static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Whether text has line as a whole line. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

/* Whether the registry has a line starting with "name ". */
static bool registered(const char *name)
{
	char text[8192], start[160];

	slurp(fx.reg, text, sizeof(text));
	snprintf(start, sizeof(start), "\n%s ", name);
	return strstr(text, start) != NULL;
}

static int64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (int64_t)st.st_size;
}

/* A file of size bytes, each byte fill. */
static void make_file(const char *path, uint64_t size, int fill)
{
	static char block[65536];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	uint64_t done;

	assert_true(fd >= 0);
	memset(block, fill, sizeof(block));
	for (done = 0; done < size;) {
		size_t n = size - done < sizeof(block) ? size - done : sizeof(block);

		assert_int_equal(write(fd, block, n), (ssize_t)n);
		done += n;
	}
	close(fd);
}

/* Whether the first len bytes of the file at path are all fill. */
static bool file_filled(const char *path, size_t len, int fill)
{
	static unsigned char buf[1 << 20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t i;

	assert_true(fd >= 0 && len <= sizeof(buf));
	assert_int_equal(read(fd, buf, len), (ssize_t)len);
	close(fd);
	for (i = 0; i < len; i++)
		if (buf[i] != fill)
			return false;
	return true;
}

/* The whole of src into a new file dst: a backup of a store. */
static void copy_file(const char *src, const char *dst)
{
	static char buf[65536];
	int in = open(src, O_RDONLY | O_CLOEXEC), out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ssize_t n;

	assert_true(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, n), n);
	assert_int_equal(n, 0);
	close(in);
	close(out);
}

/* Reads the header of the store at path. Returns 0 or -1 (err says why). */
static int header_of(const char *path, struct cv_header *h)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	err[0] = '\0';
	if (fd < 0) {
		snprintf(err, sizeof(err), "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	ret = cv_header_read(fd, path, h, err, sizeof(err));
	close(fd);
	return ret;
}

/* Vault name (registered, or on backing) and its header. */
static void vault_load(const char *name, const char *backing, struct cv_vault_entry *e, struct cv_header *h)
{
	if (cv_vault_find(name, backing, e, err, sizeof(err)) || cv_vault_header(e, h, err, sizeof(err)))
		fail_msg("vault %s: %s", name, err);
}

static void key_from_tpm(const struct cv_vault_entry *e, const struct cv_header *h, struct cv_secret *k)
{
	err[0] = '\0';
	if (cv_vault_key_from_tpm(e, h, k, err, sizeof(err)))
		fail_msg("cv_vault_key_from_tpm: %s", err);
	assert_int_equal(k->len, h->key_bytes);
}

/* cv_vault_key_from_tpm() must fail with want in the message. */
static void key_from_tpm_fails(const struct cv_vault_entry *e, const struct cv_header *h, const char *want)
{
	struct cv_secret k = { 0 };

	err[0] = '\0';
	assert_int_equal(cv_vault_key_from_tpm(e, h, &k, err, sizeof(err)), -1);
	assert_null(k.buf);
	if (!strstr(err, want))
		fail_msg("error '%s' lacks '%s'", err, want);
}

/* cv_vault_key_from_recovery() with the recovery key text typed. Returns its result. */
static int key_from_recovery(const struct cv_vault_entry *e, const struct cv_header *h, const char *text,
			     struct cv_secret *k)
{
	int ret;

	assert_int_equal(setenv(CV_RECOVERY_ENV, text, 1), 0);
	err[0] = '\0';
	ret = cv_vault_key_from_recovery(e, h, k, err, sizeof(err));
	assert_int_equal(unsetenv(CV_RECOVERY_ENV), 0);
	if (ret)
		assert_null(k->buf);
	return ret;
}

/* How many NV indices the TPM of CAMVAULT_TCTI has. */
static int nv_count(void)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	struct cv_tpm tpm;
	TPMI_YES_NO more;
	int count;

	if (cv_tpm_open(&tpm, err, sizeof(err)))
		fail_msg("cv_tpm_open: %s", err);
	assert_int_equal(Esys_GetCapability(tpm.esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES,
					    TPM2_HR_NV_INDEX, TPM2_MAX_CAP_HANDLES, &more, &cap), TSS2_RC_SUCCESS);
	assert_false(more);
	count = (int)cap->data.handles.count;
	Esys_Free(cap);
	cv_tpm_close(&tpm);
	return count;
}

/* Clears the DA counter of the TPM open in tpm with the lockout authorization auth (text). */
static TSS2_RC lockout_reset(struct cv_tpm *tpm, const char *auth)
{
	TPM2B_AUTH a = { .size = (UINT16)strlen(auth) };

	memcpy(a.buffer, auth, a.size);
	assert_int_equal(Esys_TR_SetAuth(tpm->esys, ESYS_TR_RH_LOCKOUT, &a), TSS2_RC_SUCCESS);
	return Esys_DictionaryAttackLockReset(tpm->esys, ESYS_TR_RH_LOCKOUT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
					      ESYS_TR_NONE);
}

/* The DA counter back to 0 after a wrong PIN, with the lockout authorization init set (lockout_auth). */
static void da_reset(void)
{
	struct cv_tpm tpm;

	if (cv_tpm_open(&tpm, err, sizeof(err)))
		fail_msg("cv_tpm_open: %s", err);
	assert_int_equal(lockout_reset(&tpm, lockout_auth), TSS2_RC_SUCCESS);
	cv_tpm_close(&tpm);
}

/* init of a new 8 MiB image: what it prints, registers and writes. */
static void test_init(void **state)
{
	char text[8192], want[512], key[CV_RECOVERY_TEXT];
	time_t now = time(NULL);
	struct cv_header h;
	struct cv_run r;
	int before;

	(void)state;
	cv_swtpm_require();
	before = nv_count();
	init_ok(&r, "cam0", "--backing", fx.img, "--size", "8M");
	snprintf(want, sizeof(want), "vault cam0 made on %s: ", fx.img);
	assert_true(starts_with(r.out, want));
	assert_non_null(strstr(r.out, ", 7 MiB of footage, sealed to this TPM\n"));
	assert_non_null(strstr(r.out, "\nRecovery key of vault cam0. It is shown this once"));
	recovery_key_of(r.out, key);
	assert_non_null(strstr(r.out, "\nopen it with 'camvault open cam0'\n"));
	snprintf(want, sizeof(want), "init: making image %s of 8 MiB\n", fx.img);
	assert_non_null(strstr(r.err, want));
	assert_non_null(strstr(r.err, "init: [4/4] writing the header of vault cam0 ("));

	slurp(fx.reg, text, sizeof(text));
	snprintf(want, sizeof(want), "cam0 %s - defaults", fx.img);
	if (!has_line(text, want))
		fail_msg("registry lacks '%s':\n%s", want, text);

	if (header_of(fx.img, &h))
		fail_msg("%s", err);
	assert_int_equal(h.version, CV_HDR_VERSION);
	assert_int_equal(h.flags, CV_HDR_F_TPM | CV_HDR_F_RECOVERY);
	assert_int_equal(h.data_offset, 2048);
	assert_int_equal(h.data_sectors, (8 * MIB - MIB) / 512);
	assert_int_equal(h.sector_size, 512);
	assert_string_equal(h.cipher, auto_cipher());
	assert_int_equal(h.key_bytes, strcmp(h.cipher, "aes-xts-plain64") ? 32 : 64);
	assert_true(h.nv_index >= 0x01800000 && h.nv_index <= 0x01bfffff);
	assert_int_equal(h.pcr_mask, 0);
	assert_int_equal(h.rec_memlimit_kib, 1024);
	assert_true((time_t)h.created >= now - 5 && (time_t)h.created <= time(NULL) + 5);
	assert_int_equal(h.uuid[6] >> 4, 4);			/* RFC 4122 version 4 */
	assert_int_equal(file_size(fx.img), 8 * MIB);
	assert_int_equal(nv_count(), before + 1);
}

/* An existing file: --size is ignored, the data area is rounded down to whole encryption sectors. */
static void test_init_existing_file(void **state)
{
	struct cv_vault_entry e;
	struct cv_secret k = { 0 };
	struct cv_header h;
	struct cv_run r;
	char want[256];

	(void)state;
	cv_swtpm_require();
	make_file(fx.img, 3 * MIB + 1536, 0);
	init_ok(&r, "cam0", "--backing", fx.img, "--size", "8M", "--cipher", "adiantum", "--sector-size", "4096");
	snprintf(want, sizeof(want), "init: %s exists (3147264 bytes): --size is ignored\n", fx.img);
	assert_non_null(strstr(r.err, want));
	assert_null(strstr(r.err, "making image"));
	assert_non_null(strstr(r.out, ": Adiantum, 2 MiB of footage, sealed to this TPM\n"));
	assert_int_equal(file_size(fx.img), 3 * MIB + 1536);
	vault_load("cam0", NULL, &e, &h);
	assert_string_equal(h.cipher, "xchacha12,aes-adiantum-plain64");
	assert_int_equal(h.key_bytes, 32);
	assert_int_equal(h.sector_size, 4096);
	/* 6147 sectors - 2048 = 4099: 4096, whole 4 KiB sectors */
	assert_int_equal(h.data_sectors, 4096);
	key_from_tpm(&e, &h, &k);
	cv_secret_free(&k);
}

/* The key from the TPM, and the same key from the recovery key; a wrong or malformed recovery key. */
static void test_keys(void **state)
{
	struct cv_secret k = { 0 }, k2 = { 0 };
	char key[CV_RECOVERY_TEXT], typed[CV_RECOVERY_TEXT], uuid[37], want[256];
	struct cv_vault_entry e;
	struct cv_header h;
	struct cv_run r;
	size_t i;

	(void)state;
	cv_swtpm_require();
	init_ok(&r, "cam0", "--backing", fx.img, "--size", "8M");
	recovery_key_of(r.out, key);
	vault_load("cam0", NULL, &e, &h);
	assert_string_equal(e.name, "cam0");
	assert_string_equal(e.backing, fx.img);
	assert_string_equal(e.mountpoint, "");
	assert_false(e.pin);
	cv_uuid_format(h.uuid, uuid);

	key_from_tpm(&e, &h, &k);
	assert_true(cv_key_matches(&k, &h));
	if (key_from_recovery(&e, &h, key, &k2))
		fail_msg("cv_vault_key_from_recovery: %s", err);
	assert_int_equal(k2.len, k.len);
	assert_memory_equal(k2.buf, k.buf, k.len);
	cv_secret_free(&k2);

	/* As a person may type it: lower case, spaces for dashes. */
	for (i = 0; key[i]; i++)
		typed[i] = key[i] == '-' ? ' ' : (char)tolower((unsigned char)key[i]);
	typed[i] = '\0';
	assert_int_equal(key_from_recovery(&e, &h, typed, &k2), 0);
	assert_memory_equal(k2.buf, k.buf, k.len);
	cv_secret_free(&k2);

	/* One character off: a well-formed key, but not this vault's. */
	snprintf(typed, sizeof(typed), "%s", key);
	typed[0] = typed[0] == '0' ? '1' : '0';
	assert_int_equal(key_from_recovery(&e, &h, typed, &k2), -1);
	snprintf(want, sizeof(want), "vault cam0: the recovery key does not open vault %s", uuid);
	if (!strstr(err, want))
		fail_msg("error '%s' lacks '%s'", err, want);

	assert_int_equal(key_from_recovery(&e, &h, "ABCDE-FGHJK", &k2), -1);
	assert_non_null(strstr(err, "vault cam0: recovery key has 10 characters, not 40"));
	snprintf(typed, sizeof(typed), "%s", key);
	typed[6] = 'U';
	assert_int_equal(key_from_recovery(&e, &h, typed, &k2), -1);
	assert_non_null(strstr(err, "vault cam0: recovery key: character 'U' at position 7 is not in the recovery "
			       "alphabet"));

	/* The TPM still opens it: nothing above touched the vault. */
	key_from_tpm(&e, &h, &k2);
	assert_memory_equal(k2.buf, k.buf, k.len);
	cv_secret_free(&k2);
	cv_secret_free(&k);
	sodium_memzero(key, sizeof(key));
}

/* What init refuses, and that a refusal leaves no NV index, no registry line and no image behind. */
static void test_init_refusals(void **state)
{
	char path[128], path2[128], want[512], before_reg[8192], after_reg[8192];
	struct cv_run r;
	int before;

	(void)state;
	cv_swtpm_require();
	init_ok(&r, "cam0", "--backing", fx.img, "--size", "8M");
	before = nv_count();
	slurp(fx.reg, before_reg, sizeof(before_reg));

	snprintf(path, sizeof(path), "%s/other.img", fx.dir);
	snprintf(want, sizeof(want), "camvault: a vault named cam0 is registered already in %s: choose another name",
		 fx.reg);
	run_fails(&r, want, cmd_init, "init", "cam0", "--backing", path, "--size", "8M");
	assert_int_equal(access(path, F_OK), -1);

	snprintf(want, sizeof(want), "camvault: %s already holds a vault: 'camvault shred' it first", fx.img);
	run_fails(&r, want, cmd_init, "init", "cam1", "--backing", fx.img);
	run_fails(&r, want, cmd_init, "init", "cam1", "--backing", fx.img, "--size", "16M");
	assert_int_equal(file_size(fx.img), 8 * MIB);

	snprintf(want, sizeof(want), "camvault: cannot open %s: No such file or directory (give --size N to make a "
		 "new image)", path);
	run_fails(&r, want, cmd_init, "init", "cam1", "--backing", path);
	assert_int_equal(access(path, F_OK), -1);

	/* Too small: an existing 1 MiB file (left as it was), and a new image of 1 MiB (not left behind). */
	make_file(path, MIB, 0x11);
	snprintf(want, sizeof(want), "camvault: %s is 1048576 bytes: a vault needs at least 2 MiB", path);
	run_fails(&r, want, cmd_init, "init", "cam1", "--backing", path);
	assert_int_equal(file_size(path), MIB);
	assert_true(file_filled(path, MIB, 0x11));
	snprintf(path2, sizeof(path2), "%s/tiny.img", fx.dir);
	snprintf(want, sizeof(want), "camvault: %s is 1048576 bytes: a vault needs at least 2 MiB", path2);
	run_fails(&r, want, cmd_init, "init", "cam1", "--backing", path2, "--size", "1M");
	if (access(path2, F_OK) == 0)
		fail_msg("the refused new image %s was left behind (%lld bytes)", path2, (long long)file_size(path2));
	/* One sector short of 2 MiB. */
	assert_int_equal(unlink(path), 0);
	make_file(path, 2 * MIB - 512, 0);
	snprintf(want, sizeof(want), "camvault: %s is 2096640 bytes: a vault needs at least 2 MiB", path);
	run_fails(&r, want, cmd_init, "init", "cam1", "--backing", path);

	assert_int_equal(nv_count(), before);
	slurp(fx.reg, after_reg, sizeof(after_reg));
	assert_string_equal(after_reg, before_reg);
	assert_false(registered("cam1"));
}

/* A failure after the TPM sealed the key (the recovery slot, here) undefines the NV index again. */
static void test_init_rollback(void **state)
{
	char want[256], text[8192];
	struct cv_run r;
	int before;

	(void)state;
	cv_swtpm_require();
	before = nv_count();
	assert_int_equal(setenv("CAMVAULT_ARGON2_MEMLIMIT_KIB", "lots", 1), 0);
	run_fails(&r, "camvault: CAMVAULT_ARGON2_MEMLIMIT_KIB='lots' is not a memory size in KiB", cmd_init, "init",
		  "cam0", "--backing", fx.img, "--size", "4M");
	assert_non_null(strstr(r.err, "init: [2/4] sealing it to this TPM\n"));
	assert_int_equal(setenv("CAMVAULT_ARGON2_MEMLIMIT_KIB", "1024", 1), 0);
	assert_string_equal(r.out, "");
	assert_int_equal(nv_count(), before);
	assert_false(registered("cam0"));
	if (access(fx.img, F_OK) == 0)
		fail_msg("the image %s of the failed init was left behind", fx.img);

	/* The TPM refuses an empty PIN: nothing defined either. The store exists: it stays, untouched. */
	make_file(fx.img, 4 * MIB, 0x22);
	assert_int_equal(setenv(CV_PIN_ENV, "", 1), 0);
	run_fails(&r, "the PIN is empty", cmd_init, "init", "cam0", "--backing", fx.img, "--pin");
	assert_int_equal(nv_count(), before);
	assert_false(registered("cam0"));
	assert_true(file_filled(fx.img, MIB, 0x22));

	/* Then it works, on that store. */
	assert_int_equal(setenv(CV_PIN_ENV, "4321", 1), 0);
	init_ok(&r, "cam0", "--backing", fx.img, "--pin");
	slurp(fx.reg, text, sizeof(text));
	snprintf(want, sizeof(want), "cam0 %s - pin", fx.img);
	assert_true(has_line(text, want));
	assert_int_equal(nv_count(), before + 1);
}

/* --pin: registered as such, the right PIN opens, a wrong one does not; status says PIN. */
static void test_pin(void **state)
{
	char text[8192], mnt[128], want[512];
	struct cv_secret k = { 0 };
	struct cv_vault_entry e;
	struct cv_header h;
	struct cv_run r;

	(void)state;
	cv_swtpm_require();
	snprintf(mnt, sizeof(mnt), "%s/mnt", fx.dir);
	assert_int_equal(setenv(CV_PIN_ENV, "1234", 1), 0);
	init_ok(&r, "cam0", "--backing", fx.img, "--size", "4M", "--pin", "--mount", mnt);
	assert_non_null(strstr(r.out, ", sealed to this TPM with a PIN\n"));
	assert_non_null(strstr(r.err, "init: [2/4] sealing it to this TPM with a PIN\n"));
	/* Without --mkfs nothing is mounted, nor the mountpoint made. */
	assert_int_equal(access(mnt, F_OK), -1);
	slurp(fx.reg, text, sizeof(text));
	snprintf(want, sizeof(want), "cam0 %s %s pin", fx.img, mnt);
	if (!has_line(text, want))
		fail_msg("registry lacks '%s':\n%s", want, text);

	vault_load("cam0", NULL, &e, &h);
	assert_true(e.pin);
	assert_string_equal(e.mountpoint, mnt);
	assert_int_equal(h.flags, CV_HDR_F_TPM | CV_HDR_F_PIN | CV_HDR_F_RECOVERY);
	key_from_tpm(&e, &h, &k);
	cv_secret_free(&k);

	assert_int_equal(setenv(CV_PIN_ENV, "9999", 1), 0);
	key_from_tpm_fails(&e, &h, "vault cam0: ");
	assert_non_null(strstr(err, "wrong PIN"));
	da_reset();
	assert_int_equal(unsetenv(CV_PIN_ENV), 0);

	cv_run(&r, cmd_status, "status", NULL);
	snprintf(want, sizeof(want), "\nregistered cam0: %s, mountpoint %s, %s, TPM-bound (NV 0x%08x present), PIN, "
		 "no PCRs, recovery slot, closed\n", fx.img, mnt, h.cipher, h.nv_index);
	if (!strstr(r.out, want))
		fail_msg("status lacks '%s':\n%s", want + 1, r.out);
	cv_run(&r, cmd_status, "status", "--format", "json", NULL);
	assert_non_null(strstr(r.out, ",\"pin\":true,\"pcrs\":[],\"recovery\":true,"));
}

/* status lists the registered vault: its header, its NV index present in this TPM, closed. */
static void test_status(void **state)
{
	char want[1024], uuid[37];
	struct cv_vault_entry e;
	struct cv_header h;
	struct cv_run r;

	(void)state;
	cv_swtpm_require();
	init_ok(&r, "cam0", "--backing", fx.img, "--size", "8M");
	vault_load("cam0", NULL, &e, &h);
	cv_uuid_format(h.uuid, uuid);

	cv_run(&r, cmd_status, "status", NULL);
	/* Without camvault.ko status fails (1), and says the rest all the same. */
	if (r.rc)
		assert_non_null(strstr(r.out, "module: "));
	assert_non_null(strstr(r.out, "\nTPM: present (manufacturer IBM, firmware "));
	snprintf(want, sizeof(want), "\nregistered cam0: %s, no mountpoint, %s, TPM-bound (NV 0x%08x present), no "
		 "PIN, no PCRs, recovery slot, closed\n", fx.img, h.cipher, h.nv_index);
	if (!strstr(r.out, want))
		fail_msg("status lacks '%s':\n%s", want + 1, r.out);

	cv_run(&r, cmd_status, "status", "--format", "json", NULL);
	assert_non_null(strstr(r.out, "\"registry\":[{\"name\":\"cam0\""));
	assert_non_null(strstr(r.out, "\"nv_present\":true"));
	snprintf(want, sizeof(want), ",\"registry\":[{\"name\":\"cam0\",\"backing\":\"%s\",\"mountpoint\":null,"
		 "\"state\":\"closed\",\"uuid\":\"%s\",\"cipher\":\"%s\",\"tpm_bound\":true,\"nv_index\":%u,"
		 "\"nv_present\":true,\"pin\":false,\"pcrs\":[],\"recovery\":true,\"data_bytes\":%llu}]}\n", fx.img,
		 uuid, h.cipher, h.nv_index, 7 * MIB);
	if (!strstr(r.out, want))
		fail_msg("status --format json lacks '%s':\n%s", want, r.out);
}

/* Another TPM cannot load the vault's key; the recovery key needs no TPM. */
static void test_other_tpm(void **state)
{
	char key[CV_RECOVERY_TEXT], want[512];
	struct cv_secret k = { 0 }, k2 = { 0 };
	struct cv_vault_entry e;
	struct cv_header h;
	struct cv_run r;

	(void)state;
	cv_swtpm_require();
	init_ok(&r, "cam0", "--backing", fx.img, "--size", "4M");
	recovery_key_of(r.out, key);
	vault_load("cam0", NULL, &e, &h);
	key_from_tpm(&e, &h, &k);

	if (cv_swtpm_start(&other, NULL))
		fail_msg("cannot start another swtpm: %s", other.why);
	assert_int_equal(setenv("CAMVAULT_TCTI", other.tcti, 1), 0);
	key_from_tpm_fails(&e, &h, "vault cam0 is sealed to a different TPM (this TPM cannot load its key): open it "
			   "with its recovery key ('camvault open cam0 --recovery')");
	cv_run(&r, cmd_status, "status", NULL);
	snprintf(want, sizeof(want), ", TPM-bound (NV 0x%08x MISSING: shredded, or another TPM), no PIN,", h.nv_index);
	if (!strstr(r.out, want))
		fail_msg("status lacks '%s':\n%s", want, r.out);
	assert_int_equal(key_from_recovery(&e, &h, key, &k2), 0);
	assert_memory_equal(k2.buf, k.buf, k.len);
	cv_secret_free(&k2);

	assert_int_equal(setenv("CAMVAULT_TCTI", cv_swtpm.tcti, 1), 0);
	cv_swtpm_remove(&other);
	key_from_tpm(&e, &h, &k2);
	assert_memory_equal(k2.buf, k.buf, k.len);
	cv_secret_free(&k2);
	cv_secret_free(&k);
}

/* Whether the TPM open in tpm says its lockout authorization is set. */
static int lockout_is_set(struct cv_tpm *tpm)
{
	int set = -1;

	if (cv_tpm_lockout_auth_set(tpm, &set, err, sizeof(err)))
		fail_msg("cv_tpm_lockout_auth_set: %s", err);
	return set;
}

/* An empty lockout authorization is refused, as an authorization failure. */
static void lockout_empty_refused(struct cv_tpm *tpm)
{
	TSS2_RC rc = lockout_reset(tpm, "") & 0xffff;

	if (rc & TPM2_RC_FMT1)
		rc &= TPM2_RC_FMT1 | 0x3f;
	print_message("lockout reset with the empty authorization: 0x%x\n", rc);
	assert_true(rc == TPM2_RC_AUTH_FAIL || rc == TPM2_RC_BAD_AUTH);
}

/*
 * init --pin on a TPM whose lockout authorization is empty (anyone with TPM access could clear the lockout and
 * keep guessing PINs) sets a random one and prints it with the recovery key; a second init --pin leaves it; with
 * --no-recovery it goes to a root-only file. The value printed or kept clears the lockout, the empty one not.
 */
static void test_pin_lockout(void **state)
{
	char auth[CV_LOCKOUT_TEXT], file[256], text[64], img2[128];
	struct cv_tpm tpm;
	struct stat st;
	struct cv_run r;
	int fd;
	ssize_t n;

	(void)state;
	cv_swtpm_require();
	if (cv_swtpm_start(&other, NULL))
		fail_msg("cannot start another swtpm: %s", other.why);
	assert_int_equal(setenv("CAMVAULT_TCTI", other.tcti, 1), 0);
	if (cv_tpm_open(&tpm, err, sizeof(err)))
		fail_msg("cv_tpm_open: %s", err);
	assert_int_equal(lockout_is_set(&tpm), 0);
	cv_tpm_close(&tpm);

	assert_int_equal(setenv(CV_PIN_ENV, "1234", 1), 0);
	init_ok(&r, "cam0", "--backing", fx.img, "--size", "4M", "--pin");
	assert_true(lockout_of(r.out, auth));
	assert_non_null(strstr(r.out, "Keep it with the recovery key, away from this device."));
	/* Printed after the recovery key, not kept on the device. */
	assert_true(strstr(r.out, "TPM lockout authorization") > strstr(r.out, "\nRecovery key of vault cam0."));
	snprintf(file, sizeof(file), "%s/tpm-lockout-auth", fx.etc);
	assert_int_equal(access(file, F_OK), -1);
	if (cv_tpm_open(&tpm, err, sizeof(err)))
		fail_msg("cv_tpm_open: %s", err);
	assert_int_equal(lockout_is_set(&tpm), 1);
	assert_int_equal(lockout_reset(&tpm, auth), TSS2_RC_SUCCESS);
	/* Last: a wrong lockout authorization locks the lockout hierarchy itself out for a while. */
	lockout_empty_refused(&tpm);
	cv_tpm_close(&tpm);

	/* A second vault with a PIN: the TPM has one, left alone. */
	snprintf(img2, sizeof(img2), "%s/cam1.img", fx.dir);
	init_ok(&r, "cam1", "--backing", img2, "--size", "4M", "--pin");
	assert_non_null(strstr(r.out, "was set\nbefore"));
	assert_false(lockout_of(r.out, text));

	/* --no-recovery on a TPM of its own: the root-only file keeps it. */
	assert_int_equal(setenv("CAMVAULT_TCTI", cv_swtpm.tcti, 1), 0);
	cv_swtpm_remove(&other);
	if (cv_swtpm_start(&other, NULL))
		fail_msg("cannot start another swtpm: %s", other.why);
	assert_int_equal(setenv("CAMVAULT_TCTI", other.tcti, 1), 0);
	snprintf(img2, sizeof(img2), "%s/cam2.img", fx.dir);
	init_ok(&r, "cam2", "--backing", img2, "--size", "4M", "--pin", "--no-recovery");
	assert_false(lockout_of(r.out, text));
	assert_non_null(strstr(r.out, "camvault set one and keeps it in "));
	assert_non_null(strstr(r.out, file));
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	assert_int_equal(n, CV_LOCKOUT_TEXT);
	assert_int_equal(text[CV_LOCKOUT_TEXT - 1], '\n');
	text[CV_LOCKOUT_TEXT - 1] = '\0';
	if (cv_tpm_open(&tpm, err, sizeof(err)))
		fail_msg("cv_tpm_open: %s", err);
	assert_int_equal(lockout_is_set(&tpm), 1);
	assert_int_equal(lockout_reset(&tpm, text), TSS2_RC_SUCCESS);
	lockout_empty_refused(&tpm);
	cv_tpm_close(&tpm);

	assert_int_equal(setenv("CAMVAULT_TCTI", cv_swtpm.tcti, 1), 0);
	cv_swtpm_remove(&other);
	unsetenv(CV_PIN_ENV);
	sodium_memzero(auth, sizeof(auth));
}

/*
 * shred --yes: the NV index, the header and the registry line go; a copy of the store made before no longer
 * opens through the TPM, but still does with the recovery key, to the same key.
 */
static void test_shred(void **state)
{
	char key[CV_RECOVERY_TEXT], want[512], uuid[37];
	struct cv_secret k = { 0 }, k2 = { 0 };
	struct cv_vault_entry e, ec;
	struct cv_header h, hc;
	struct cv_run r;
	int before;

	(void)state;
	cv_swtpm_require();
	init_ok(&r, "cam0", "--backing", fx.img, "--size", "8M");
	recovery_key_of(r.out, key);
	vault_load("cam0", NULL, &e, &h);
	cv_uuid_format(h.uuid, uuid);
	key_from_tpm(&e, &h, &k);
	copy_file(fx.img, fx.copy);
	before = nv_count();

	cv_run(&r, cmd_shred, "shred", "cam0", "--yes", NULL);
	if (r.rc)
		fail_msg("shred failed (%d): %s", r.rc, r.err);
	snprintf(want, sizeof(want), "vault cam0 (%s) shredded:\n", uuid);
	assert_true(starts_with(r.out, want));
	snprintf(want, sizeof(want), "  - its TPM secret (NV index 0x%08x) is destroyed: no TPM opens any copy of its "
		 "header", h.nv_index);
	assert_non_null(strstr(r.out, want));
	snprintf(want, sizeof(want), "  - its header area (1 MiB) on %s is overwritten with random bytes\n", fx.img);
	assert_non_null(strstr(r.out, want));
	snprintf(want, sizeof(want), "  - it is no longer in %s\n", fx.reg);
	assert_non_null(strstr(r.out, want));
	assert_non_null(strstr(r.out, "  - NOT destroyed: its recovery slot in any copy of the header made before now"));
	assert_null(strstr(r.out, "had no recovery slot"));
	assert_non_null(strstr(r.out, "is destroyed"));
	assert_string_equal(r.err, "");
	/* Not asked: --yes. */
	assert_null(strstr(r.out, "Shredding vault"));

	assert_int_equal(nv_count(), before - 1);
	assert_false(registered("cam0"));
	assert_int_equal(file_size(fx.img), 8 * MIB);
	assert_int_equal(header_of(fx.img, &hc), -1);
	assert_non_null(strstr(err, "no camvault header"));

	/* The copy: its header reads, but its TPM secret is gone. */
	vault_load("cam0", fx.copy, &ec, &hc);
	assert_string_equal(ec.backing, fx.copy);
	assert_memory_equal(hc.uuid, h.uuid, sizeof(h.uuid));
	snprintf(want, sizeof(want), "vault cam0's TPM secret (NV index 0x%08x) is gone: the vault was shredded",
		 h.nv_index);
	key_from_tpm_fails(&ec, &hc, want);
	assert_non_null(strstr(err, "TPM secret (NV index 0x"));
	assert_non_null(strstr(err, "is gone"));
	if (key_from_recovery(&ec, &hc, key, &k2))
		fail_msg("the recovery key does not open the copy: %s", err);
	assert_int_equal(k2.len, k.len);
	assert_memory_equal(k2.buf, k.buf, k.len);
	cv_secret_free(&k2);

	/* Shredded already: no such vault any more. */
	snprintf(want, sizeof(want), "camvault: no vault cam0 in %s", fx.reg);
	run_fails(&r, want, cmd_shred, "shred", "cam0", "--yes");

	/* The copy, by its store: its NV index was already gone; the registry is not touched. */
	cv_run(&r, cmd_shred, "shred", "cam0", "--backing", fx.copy, "--yes", NULL);
	if (r.rc)
		fail_msg("shred --backing failed (%d): %s", r.rc, r.err);
	snprintf(want, sizeof(want), "  - its TPM secret (NV index 0x%08x) was already gone from this TPM\n",
		 h.nv_index);
	assert_non_null(strstr(r.out, want));
	assert_null(strstr(r.out, "no longer in"));
	assert_int_equal(header_of(fx.copy, &hc), -1);
	assert_non_null(strstr(err, "no camvault header"));
	assert_int_equal(nv_count(), before - 1);
	cv_secret_free(&k);
	sodium_memzero(key, sizeof(key));
}

/* Without --yes the name must be typed: a wrong one shreds nothing, the right one shreds. */
static void test_shred_confirm(void **state)
{
	struct cv_secret k = { 0 };
	char want[512], uuid[37];
	struct cv_vault_entry e;
	struct cv_header h;
	struct cv_run r;
	int before;

	(void)state;
	cv_swtpm_require();
	init_ok(&r, "cam0", "--backing", fx.img, "--size", "4M");
	vault_load("cam0", NULL, &e, &h);
	cv_uuid_format(h.uuid, uuid);
	before = nv_count();

	assert_int_equal(setenv("CAMVAULT_SHRED_CONFIRM", "wrong", 1), 0);
	run_fails(&r, "camvault: the name typed is not cam0: nothing was shredded\n", cmd_shred, "shred", "cam0");
	snprintf(want, sizeof(want), "Shredding vault cam0 (%s) on %s destroys its TPM secret (NV index 0x%08x) and "
		 "its header.\n", uuid, fx.img, h.nv_index);
	assert_string_equal(r.out, want);
	/* Intact: registered, its header, its NV index, its key. */
	assert_true(registered("cam0"));
	assert_int_equal(nv_count(), before);
	vault_load("cam0", NULL, &e, &h);
	key_from_tpm(&e, &h, &k);
	cv_secret_free(&k);
	/* A prefix, or the name with a space, is not the name. */
	assert_int_equal(setenv("CAMVAULT_SHRED_CONFIRM", "cam", 1), 0);
	run_fails(&r, "nothing was shredded", cmd_shred, "shred", "cam0");
	assert_int_equal(setenv("CAMVAULT_SHRED_CONFIRM", "cam0 ", 1), 0);
	run_fails(&r, "nothing was shredded", cmd_shred, "shred", "cam0");
	assert_int_equal(nv_count(), before);

	assert_int_equal(setenv("CAMVAULT_SHRED_CONFIRM", "cam0", 1), 0);
	cv_run(&r, cmd_shred, "shred", "cam0", NULL);
	if (r.rc)
		fail_msg("shred failed (%d): %s", r.rc, r.err);
	assert_true(starts_with(r.out, want));
	snprintf(want, sizeof(want), "\nvault cam0 (%s) shredded:\n", uuid);
	assert_non_null(strstr(r.out, want));
	assert_int_equal(nv_count(), before - 1);
	assert_false(registered("cam0"));
}

/* --no-recovery: no recovery key printed nor slot written, and shred says the footage is gone for good. */
static void test_no_recovery(void **state)
{
	struct cv_secret k = { 0 };
	struct cv_vault_entry e;
	struct cv_header h;
	struct cv_run r;

	(void)state;
	cv_swtpm_require();
	init_ok(&r, "cam1", "--backing", fx.img, "--size", "4M", "--no-recovery");
	assert_null(strstr(r.out, "Recovery key"));
	assert_null(strstr(r.out, "\n    "));
	assert_null(strstr(r.err, "[3/4]"));
	vault_load("cam1", NULL, &e, &h);
	assert_int_equal(h.flags, CV_HDR_F_TPM);
	assert_int_equal(h.rec_ct_len, 0);
	key_from_tpm(&e, &h, &k);
	cv_secret_free(&k);
	assert_int_equal(key_from_recovery(&e, &h, "0000000000000000000000000000000000000000", &k), -1);
	assert_non_null(strstr(err, "vault cam1 has no recovery slot (it was made with --no-recovery)"));

	cv_run(&r, cmd_shred, "shred", "--yes", "cam1", NULL);
	if (r.rc)
		fail_msg("shred failed (%d): %s", r.rc, r.err);
	assert_non_null(strstr(r.out, "  - it had no recovery slot: the footage is now unrecoverable\n"));
	assert_null(strstr(r.out, "NOT destroyed"));
	assert_false(registered("cam1"));
}

static void test_shred_args(void **state)
{
	char want[256];
	struct cv_run r;

	(void)state;
	run_usage(&r, "camvault shred: missing the vault's NAME: 'camvault shred NAME'\n", cmd_shred, "shred");
	run_usage(&r, "camvault shred: missing the vault's NAME", cmd_shred, "shred", "--yes");
	run_usage(&r, "camvault shred: unknown option '--force'", cmd_shred, "shred", "cam0", "--force");
	run_usage(&r, "camvault shred: one vault at a time, not 'cam0' and 'cam1'", cmd_shred, "shred", "cam0", "cam1");
	run_usage(&r, "camvault shred: --backing needs a value", cmd_shred, "shred", "cam0", "--backing");
	run_fails(&r, "'a/b' cannot be a vault name", cmd_shred, "shred", "a/b", "--yes");
	snprintf(want, sizeof(want), "camvault: no vault nosuch in %s: check the name", fx.reg);
	run_fails(&r, want, cmd_shred, "shred", "nosuch", "--yes");
	assert_string_equal(r.out, "");
	cv_run(&r, cmd_shred, "shred", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(starts_with(r.out, "Usage: camvault shred NAME [--backing FILE|DEV] [--yes]\n"));
}

static void test_init_cmd_args(void **state)
{
	struct cv_run r;

	(void)state;
	run_usage(&r, "camvault init: missing the vault's NAME", cmd_init, "init");
	run_usage(&r, "camvault init: --backing cam0.img is relative", cmd_init, "init", "cam0", "--backing",
		  "cam0.img");
	assert_string_equal(r.out, "");
	cv_run(&r, cmd_init, "init", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(starts_with(r.out, "Usage: camvault init NAME --backing FILE|DEV [--size N]"));
	/* Nothing was registered. */
	assert_int_equal(access(fx.reg, F_OK), -1);
}

static void test_open_args(void **state)
{
	char want[256], line[256];
	struct cv_run r;
	FILE *f;

	(void)state;
	run_usage(&r, "camvault open: missing the vault's NAME: 'camvault open NAME'\n", cmd_open, "open");
	assert_string_equal(r.out, "");
	run_usage(&r, "camvault open: unknown option '--bogus': see 'camvault open --help'\n", cmd_open, "open", "cam0",
		  "--bogus");
	run_usage(&r, "camvault open: one vault at a time, not 'cam0' and 'cam1'", cmd_open, "open", "cam0", "cam1");
	run_usage(&r, "camvault open: --backing needs a value", cmd_open, "open", "cam0", "--backing");
	run_fails(&r, "'a/b' cannot be a vault name", cmd_open, "open", "a/b");
	snprintf(want, sizeof(want), "camvault: no vault nosuch in %s: check the name ('camvault status' lists them), "
		 "or give its store with --backing FILE|DEV\n", fx.reg);
	run_fails(&r, want, cmd_open, "open", "nosuch");
	assert_string_equal(r.out, "");
	cv_run(&r, cmd_open, "open", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(starts_with(r.out, "Usage: camvault open NAME [--backing FILE|DEV] [--recovery] [--no-mount]\n"));

	/* A registered vault, on a host without device-mapper: open stops there, before any key is made. */
	f = fopen(fx.reg, "we");
	assert_non_null(f);
	fprintf(f, "cam0 %s - defaults\n", fx.img);
	fclose(f);
	if (cv_dm_exists("cam0", NULL, line, sizeof(line)) == -ENODEV) {
		run_fails(&r, "camvault: cannot reach the kernel's device-mapper driver", cmd_open, "open", "cam0");
		assert_string_equal(r.out, "");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_pcrs),
		cmocka_unit_test(test_cpu_has_aes),
		cmocka_unit_test(test_init_args),
		cmocka_unit_test(test_init_args_wrong),
		cmocka_unit_test_setup_teardown(test_init, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_init_existing_file, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_keys, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_init_refusals, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_init_rollback, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_pin, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_pin_lockout, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_status, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_other_tpm, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_shred, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_shred_confirm, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_recovery, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_shred_args, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_init_cmd_args, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_args, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, cv_swtpm_setup, cv_swtpm_teardown);
}
