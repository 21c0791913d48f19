// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: camvault table lines and key specs. Every malformed form must be refused with its reason,
 * because the reason is all an integrator sees in "dmsetup create" failures (ti->error).
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "../internal.h"

struct cv_bad_case {
	const char *name;
	const char *line;
	const char *error;	/* a substring the refusal must contain */
};

static int cv_split(char *line, char **argv, unsigned int max)
{
	unsigned int argc = 0;
	char *tok;

	while ((tok = strsep(&line, " ")) && argc < max)
		if (*tok)
			argv[argc++] = tok;
	return argc;
}

static int cv_parse_line(struct kunit *test, const char *line, struct cv_table *t, char **error)
{
	char *argv[16], *copy;

	copy = kunit_kzalloc(test, strlen(line) + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, line, strlen(line));
	*error = NULL;
	return cv_parse_table(cv_split(copy, argv, ARRAY_SIZE(argv)), argv, t, error);
}

static void cv_table_aes_xts(struct kunit *test)
{
	struct cv_table t;
	char *error;

	KUNIT_ASSERT_EQ(test, cv_parse_line(test,
					    "aes-xts-plain64 :64:logon:camvault:cam0 /dev/loop0 8",
					    &t, &error), 0);
	KUNIT_EXPECT_EQ(test, t.cipher, CV_CIPHER_AES_XTS_PLAIN64);
	KUNIT_EXPECT_EQ(test, t.key_size, 64U);
	KUNIT_EXPECT_STREQ(test, t.key_desc, "camvault:cam0");
	KUNIT_EXPECT_STREQ(test, t.dev_path, "/dev/loop0");
	KUNIT_EXPECT_EQ(test, t.offset, 8ULL);
	KUNIT_EXPECT_EQ(test, t.sector_size, 512U);
	KUNIT_EXPECT_FALSE(test, t.allow_discards);
	KUNIT_EXPECT_STREQ(test, cv_cipher_name(t.cipher), "aes-xts-plain64");
}

static const char cv_adiantum_line[] =
	"xchacha12,aes-adiantum-plain64 :32:logon:k 253:1 8 2 allow_discards sector_size:4096";

static void cv_table_adiantum_opts(struct kunit *test)
{
	struct cv_table t;
	char *error;

	KUNIT_ASSERT_EQ(test, cv_parse_line(test, cv_adiantum_line, &t, &error), 0);
	KUNIT_EXPECT_EQ(test, t.cipher, CV_CIPHER_ADIANTUM_PLAIN64);
	KUNIT_EXPECT_EQ(test, t.key_size, 32U);
	KUNIT_EXPECT_EQ(test, t.sector_size, 4096U);
	KUNIT_EXPECT_TRUE(test, t.allow_discards);
	KUNIT_EXPECT_EQ(test, t.offset, 8ULL);
}

static void cv_table_aes128_xts(struct kunit *test)
{
	const char *line = "aes-xts-plain64 :32:logon:k /dev/sda 0";
	struct cv_table t;
	char *error;

	KUNIT_EXPECT_EQ(test, cv_parse_line(test, line, &t, &error), 0);
	KUNIT_EXPECT_EQ(test, t.key_size, 32U);
}

static const struct cv_bad_case cv_bad_cases[] = {
	{ "too few args",
	  "aes-xts-plain64 :64:logon:k /dev/sda",
	  "Not enough arguments" },
	{ "unknown cipher",
	  "aes-cbc-essiv:sha256 :64:logon:k /dev/sda 0",
	  "Unknown cipher" },
	{ "hex key",
	  "aes-xts-plain64 00112233445566778899aabbccddeeff /dev/sda 0",
	  "Key in the table refused" },
	{ "no type",
	  "aes-xts-plain64 :64 /dev/sda 0",
	  "Malformed key spec" },
	{ "empty size",
	  "aes-xts-plain64 ::logon:k /dev/sda 0",
	  "Malformed key size" },
	{ "size not a number",
	  "aes-xts-plain64 :6x4:logon:k /dev/sda 0",
	  "Malformed key size" },
	{ "size overflow",
	  "aes-xts-plain64 :99999999999999:logon:k /dev/sda 0",
	  "Malformed key size" },
	{ "wrong size xts",
	  "aes-xts-plain64 :48:logon:k /dev/sda 0",
	  "does not match the cipher" },
	{ "wrong size adiantum",
	  "xchacha12,aes-adiantum-plain64 :64:logon:k /dev/sda 0",
	  "does not match the cipher" },
	{ "user key",
	  "aes-xts-plain64 :64:user:k /dev/sda 0",
	  "must be logon" },
	{ "logonx key",
	  "aes-xts-plain64 :64:logonx:k /dev/sda 0",
	  "must be logon" },
	{ "no description",
	  "aes-xts-plain64 :64:logon /dev/sda 0",
	  "Malformed key spec" },
	{ "empty description",
	  "aes-xts-plain64 :64:logon: /dev/sda 0",
	  "Empty key description" },
	{ "bad offset",
	  "aes-xts-plain64 :64:logon:k /dev/sda -1",
	  "Invalid offset" },
	{ "opt count high",
	  "aes-xts-plain64 :64:logon:k /dev/sda 0 2 allow_discards",
	  "count does not match" },
	{ "opt count low",
	  "aes-xts-plain64 :64:logon:k /dev/sda 0 0 allow_discards",
	  "count does not match" },
	{ "opt count junk",
	  "aes-xts-plain64 :64:logon:k /dev/sda 0 x",
	  "count does not match" },
	{ "unknown opt",
	  "aes-xts-plain64 :64:logon:k /dev/sda 0 1 same_cpu_crypt",
	  "Unknown optional" },
	{ "bad sector size",
	  "aes-xts-plain64 :64:logon:k /dev/sda 0 1 sector_size:1024",
	  "Invalid sector_size" },
	{ "unaligned offset",
	  "aes-xts-plain64 :64:logon:k /dev/sda 9 1 sector_size:4096",
	  "multiple of the sector" },
};

static void cv_bad_case_desc(const struct cv_bad_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cv_bad, cv_bad_cases, cv_bad_case_desc);

static void cv_table_refused(struct kunit *test)
{
	const struct cv_bad_case *c = test->param_value;
	struct cv_table t;
	char *error;

	KUNIT_EXPECT_EQ(test, cv_parse_line(test, c->line, &t, &error), -EINVAL);
	KUNIT_ASSERT_NOT_NULL(test, error);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(error, c->error), "error was: %s", error);
}

static void cv_key_spec_long_description(struct kunit *test)
{
	struct cv_table t;
	char *error = NULL;
	char *spec;

	spec = kunit_kzalloc(test, CV_KEY_DESC_MAX + 16, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, spec);
	memcpy(spec, ":64:logon:", 10);
	memset(spec + 10, 'a', CV_KEY_DESC_MAX);
	KUNIT_EXPECT_EQ(test, cv_parse_key_spec(spec, CV_CIPHER_AES_XTS_PLAIN64, &t, &error),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, error, "Key description too long");

	/* One byte shorter fits, with its terminator, exactly. */
	spec[10 + CV_KEY_DESC_MAX - 1] = '\0';
	KUNIT_EXPECT_EQ(test, cv_parse_key_spec(spec, CV_CIPHER_AES_XTS_PLAIN64, &t, &error), 0);
	KUNIT_EXPECT_EQ(test, strlen(t.key_desc), (size_t)CV_KEY_DESC_MAX - 1);
}

static struct kunit_case cv_table_cases[] = {
	KUNIT_CASE(cv_table_aes_xts),
	KUNIT_CASE(cv_table_adiantum_opts),
	KUNIT_CASE(cv_table_aes128_xts),
	KUNIT_CASE_PARAM(cv_table_refused, cv_bad_gen_params),
	KUNIT_CASE(cv_key_spec_long_description),
	{}
};

static struct kunit_suite cv_table_suite = {
	.name = "camvault-table",
	.test_cases = cv_table_cases,
};

kunit_test_suite(cv_table_suite);

MODULE_DESCRIPTION("KUnit tests for camvault");
MODULE_LICENSE("GPL");
