// SPDX-License-Identifier: GPL-2.0
/*
 * cv_parse_status() and cv_parse_vault(): the parsing of camvault.ko's CAMVAULT_CMD_GET_STATUS reply and
 * CAMVAULT_CMD_GET_VAULTS messages, on messages built in memory.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "vault/ipc.h"
#include "helpers.h"

/* Parses msg as received whole; st is filled with a sentinel first, to see that failures leave it alone. */
static int parse(struct nl_msg *msg, struct cv_status *st)
{
	memset(st, 0x5a, sizeof(*st));
	assert_non_null(msg);
	return cv_parse_status(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len, st);
}

/* parse() of a message that must be rejected with err; checks that *st was left alone. */
static void assert_rejected(struct nl_msg *msg, int err)
{
	struct cv_status st, sentinel;

	memset(&sentinel, 0x5a, sizeof(sentinel));
	assert_int_equal(parse(msg, &st), -err);
	assert_memory_equal(&st, &sentinel, sizeof(st));
	nlmsg_free(msg);
}

static void test_good_reply(void **state)
{
	struct nl_msg *msg = cv_test_status_reply("0.1.0", 3);
	struct cv_status st;

	(void)state;
	assert_int_equal(parse(msg, &st), 0);
	assert_string_equal(st.version, "0.1.0");
	assert_int_equal(st.num_vaults, 3);
	nlmsg_free(msg);
}

static void test_largest_count(void **state)
{
	struct nl_msg *msg = cv_test_status_reply("0.1.0", UINT32_MAX);
	struct cv_status st;

	(void)state;
	assert_int_equal(parse(msg, &st), 0);
	assert_int_equal(st.num_vaults, UINT32_MAX);
	nlmsg_free(msg);
}

/* A newer module may add attributes, in any order: they are ignored. */
static void test_unknown_attr_and_order(void **state)
{
	struct nl_msg *msg = cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS);
	struct cv_status st;

	(void)state;
	assert_int_equal(nla_put_u32(msg, CAMVAULT_A_NUM_VAULTS, 7), 0);
	assert_int_equal(nla_put_u64(msg, CAMVAULT_A_MAX + 5, 42), 0);
	assert_int_equal(nla_put_string(msg, CAMVAULT_A_VERSION, "9.9.9-rc1"), 0);
	assert_int_equal(parse(msg, &st), 0);
	assert_string_equal(st.version, "9.9.9-rc1");
	assert_int_equal(st.num_vaults, 7);
	nlmsg_free(msg);
}

static void test_longest_version(void **state)
{
	char v[CAMVAULT_VERSION_MAXLEN];
	struct nl_msg *msg;
	struct cv_status st;

	(void)state;
	memset(v, '7', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	msg = cv_test_status_reply(v, 1);
	assert_int_equal(parse(msg, &st), 0);
	assert_string_equal(st.version, v);
	nlmsg_free(msg);
}

static void test_version_too_long(void **state)
{
	char v[CAMVAULT_VERSION_MAXLEN + 1];

	(void)state;
	memset(v, '7', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	assert_rejected(cv_test_status_reply(v, 1), CV_PARSE_BAD_VERSION);
}

static void test_missing_version(void **state)
{
	struct nl_msg *msg = cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS);

	(void)state;
	assert_int_equal(nla_put_u32(msg, CAMVAULT_A_NUM_VAULTS, 1), 0);
	assert_rejected(msg, CV_PARSE_NO_VERSION);
}

static void test_missing_num_vaults(void **state)
{
	struct nl_msg *msg = cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS);

	(void)state;
	assert_int_equal(nla_put_string(msg, CAMVAULT_A_VERSION, "0.1.0"), 0);
	assert_rejected(msg, CV_PARSE_NO_NUM_VAULTS);
}

static void test_no_attributes(void **state)
{
	(void)state;
	assert_rejected(cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS), CV_PARSE_NO_VERSION);
}

static void test_num_vaults_u16(void **state)
{
	struct nl_msg *msg = cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS);

	(void)state;
	assert_int_equal(nla_put_string(msg, CAMVAULT_A_VERSION, "0.1.0"), 0);
	assert_int_equal(nla_put_u16(msg, CAMVAULT_A_NUM_VAULTS, 1), 0);
	assert_rejected(msg, CV_PARSE_BAD_NUM_VAULTS);
}

static void test_num_vaults_u64(void **state)
{
	struct nl_msg *msg = cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS);

	(void)state;
	assert_int_equal(nla_put_string(msg, CAMVAULT_A_VERSION, "0.1.0"), 0);
	assert_int_equal(nla_put_u64(msg, CAMVAULT_A_NUM_VAULTS, 1), 0);
	assert_rejected(msg, CV_PARSE_BAD_NUM_VAULTS);
}

/* A version whose bytes are all there but the NUL is not. */
static void test_version_not_terminated(void **state)
{
	struct nl_msg *msg = cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS);

	(void)state;
	assert_int_equal(nla_put(msg, CAMVAULT_A_VERSION, 5, "0.1.0"), 0);
	assert_int_equal(nla_put_u32(msg, CAMVAULT_A_NUM_VAULTS, 1), 0);
	assert_rejected(msg, CV_PARSE_BAD_VERSION);
}

/* A version of the wrong type: a u32 is 4 bytes, none of them NUL here. */
static void test_version_as_u32(void **state)
{
	struct nl_msg *msg = cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS);

	(void)state;
	assert_int_equal(nla_put_u32(msg, CAMVAULT_A_VERSION, 0x31323334), 0);
	assert_int_equal(nla_put_u32(msg, CAMVAULT_A_NUM_VAULTS, 1), 0);
	assert_rejected(msg, CV_PARSE_BAD_VERSION);
}

static void test_version_empty(void **state)
{
	struct nl_msg *msg = cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS);

	(void)state;
	assert_int_equal(nla_put(msg, CAMVAULT_A_VERSION, 0, NULL), 0);
	assert_int_equal(nla_put_u32(msg, CAMVAULT_A_NUM_VAULTS, 1), 0);
	assert_rejected(msg, CV_PARSE_BAD_VERSION);
	assert_rejected(cv_test_status_reply("", 1), CV_PARSE_BAD_VERSION);
}

/* The version is printed on a terminal and in JSON: no control characters. */
static void test_version_not_printable(void **state)
{
	(void)state;
	assert_rejected(cv_test_status_reply("0.1\n\033[2J", 1), CV_PARSE_BAD_VERSION);
	assert_rejected(cv_test_status_reply("0.1.0\x80", 1), CV_PARSE_BAD_VERSION);
}

static void test_wrong_command(void **state)
{
	struct nl_msg *msg = cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS + 1);

	(void)state;
	assert_int_equal(nla_put_string(msg, CAMVAULT_A_VERSION, "0.1.0"), 0);
	assert_int_equal(nla_put_u32(msg, CAMVAULT_A_NUM_VAULTS, 1), 0);
	assert_rejected(msg, CV_PARSE_WRONG_CMD);
}

static void test_netlink_error_message(void **state)
{
	struct nl_msg *msg = cv_test_status_reply("0.1.0", 1);

	(void)state;
	assert_non_null(msg);
	nlmsg_hdr(msg)->nlmsg_type = NLMSG_ERROR;
	assert_rejected(msg, CV_PARSE_NOT_GENL);
}

/* Fewer bytes received than the headers need, or than nlmsg_len says. */
static void test_truncated_receive(void **state)
{
	struct nl_msg *msg = cv_test_status_reply("0.1.0", 1);
	struct nlmsghdr *nlh;
	struct cv_status st;
	size_t len;

	(void)state;
	assert_non_null(msg);
	nlh = nlmsg_hdr(msg);
	for (len = 0; len < nlh->nlmsg_len; len++)
		assert_int_equal(cv_parse_status(nlh, len, &st), -CV_PARSE_TRUNCATED);
	assert_int_equal(cv_parse_status(nlh, len, &st), 0);
	nlmsg_free(msg);
}

/* nlmsg_len too small for the generic netlink header, or for the netlink header itself. */
static void test_truncated_headers(void **state)
{
	struct nl_msg *msg;

	(void)state;
	msg = cv_test_status_reply("0.1.0", 1);
	assert_non_null(msg);
	nlmsg_hdr(msg)->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN - 1;
	assert_rejected(msg, CV_PARSE_TRUNCATED);

	msg = cv_test_status_reply("0.1.0", 1);
	assert_non_null(msg);
	nlmsg_hdr(msg)->nlmsg_len = NLMSG_HDRLEN - 1;
	assert_rejected(msg, CV_PARSE_TRUNCATED);
}

/* nlmsg_len cuts the last attribute in two. */
static void test_truncated_attribute(void **state)
{
	struct nl_msg *msg = cv_test_status_reply("0.1.0", 1);

	(void)state;
	assert_non_null(msg);
	nlmsg_hdr(msg)->nlmsg_len -= 4;
	assert_rejected(msg, CV_PARSE_TRAILING);
}

/* Each error has its own message, and out-of-range codes get one too. */
static void test_strerror(void **state)
{
	const char *unknown = cv_parse_strerror(__CV_PARSE_MAX);
	int i, j;

	(void)state;
	assert_non_null(strstr(unknown, "unknown"));
	assert_string_equal(cv_parse_strerror(-__CV_PARSE_MAX - 1), unknown);
	for (i = 1; i < __CV_PARSE_MAX; i++) {
		assert_string_equal(cv_parse_strerror(i), cv_parse_strerror(-i));
		assert_string_not_equal(cv_parse_strerror(i), unknown);
		for (j = 0; j < i; j++)
			assert_string_not_equal(cv_parse_strerror(i), cv_parse_strerror(j));
	}
	assert_non_null(strstr(cv_parse_strerror(CV_PARSE_NO_VERSION), "CAMVAULT_A_VERSION"));
	assert_non_null(strstr(cv_parse_strerror(CV_PARSE_BAD_NUM_VAULTS), "CAMVAULT_A_NUM_VAULTS"));
}


/* cv_parse_vault() */

static const struct cv_test_vault cam0 = {
	.name = "cam0", .major = 254, .minor = 3, .cipher = "aes-xts-plain64", .locked = 0,
	.bytes_read = 1258291, .bytes_written = UINT64_MAX, .io_errors = 7,
};

/* Parses msg as received whole; v is filled with a sentinel first, to see that failures leave it alone. */
static int parse_vault(struct nl_msg *msg, struct cv_kernel_vault *v)
{
	memset(v, 0x5a, sizeof(*v));
	assert_non_null(msg);
	return cv_parse_vault(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len, v);
}

static void assert_vault_rejected(struct nl_msg *msg, int err)
{
	struct cv_kernel_vault v, sentinel;

	memset(&sentinel, 0x5a, sizeof(sentinel));
	assert_int_equal(parse_vault(msg, &v), -err);
	assert_memory_equal(&v, &sentinel, sizeof(v));
	nlmsg_free(msg);
}

static void test_vault_good(void **state)
{
	struct nl_msg *msg = cv_test_vault_msg(&cam0);
	struct cv_kernel_vault v;

	(void)state;
	assert_int_equal(parse_vault(msg, &v), 0);
	assert_string_equal(v.name, "cam0");
	assert_int_equal(v.major, 254);
	assert_int_equal(v.minor, 3);
	assert_string_equal(v.cipher, "aes-xts-plain64");
	assert_false(v.locked);
	assert_true(v.bytes_read == 1258291);
	assert_true(v.bytes_written == UINT64_MAX);
	assert_true(v.io_errors == 7);
	nlmsg_free(msg);
}

static void test_vault_locked_adiantum(void **state)
{
	struct cv_test_vault t = cam0;
	struct cv_kernel_vault v;
	struct nl_msg *msg;

	(void)state;
	t.cipher = "xchacha12,aes-adiantum-plain64";
	t.locked = 1;
	t.name = "front-door_2.cam";
	msg = cv_test_vault_msg(&t);
	assert_int_equal(parse_vault(msg, &v), 0);
	assert_true(v.locked);
	assert_string_equal(v.cipher, "xchacha12,aes-adiantum-plain64");
	assert_string_equal(v.name, "front-door_2.cam");
	nlmsg_free(msg);
}

static void test_vault_longest_strings(void **state)
{
	char name[CAMVAULT_NAME_MAXLEN], cipher[CAMVAULT_CIPHER_MAXLEN];
	struct cv_test_vault t = cam0;
	struct cv_kernel_vault v;
	struct nl_msg *msg;

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memset(cipher, 'c', sizeof(cipher) - 1);
	cipher[sizeof(cipher) - 1] = '\0';
	t.name = name;
	t.cipher = cipher;
	msg = cv_test_vault_msg(&t);
	assert_int_equal(parse_vault(msg, &v), 0);
	assert_string_equal(v.name, name);
	assert_string_equal(v.cipher, cipher);
	nlmsg_free(msg);
}

/* How vault_msg() puts one attribute of the message instead of the good way. */
enum cv_how {
	CV_GOOD,
	CV_SKIP,		/* leave it out */
	CV_AS_U16,
	CV_AS_U32,
	CV_AS_U64,
	CV_NO_NUL,		/* a string's bytes without its NUL */
	CV_EMPTY,		/* a string of just the NUL */
	CV_TOO_LONG,		/* a string one longer than its maximum */
	CV_CONTROL,		/* a string with an escape sequence */
	CV_EMBEDDED_NUL,	/* "ab\0cd\0" */
	CV_VALUE_2,		/* the u8 2 */
};

/* cam0's message, with the attribute type put the way how. */
static struct nl_msg *vault_msg(int type, enum cv_how how)
{
	static const int order[] = {
		CAMVAULT_A_VAULT_NAME, CAMVAULT_A_VAULT_DEV_MAJOR, CAMVAULT_A_VAULT_DEV_MINOR, CAMVAULT_A_VAULT_CIPHER,
		CAMVAULT_A_VAULT_LOCKED, CAMVAULT_A_VAULT_BYTES_READ, CAMVAULT_A_VAULT_BYTES_WRITTEN,
		CAMVAULT_A_VAULT_IO_ERRORS,
	};
	struct nl_msg *msg = cv_test_genl_msg(CAMVAULT_CMD_GET_VAULTS);
	char longest[CAMVAULT_NAME_MAXLEN + 1];
	size_t i;
	int r = 0;

	assert_non_null(msg);
	memset(longest, 'x', sizeof(longest) - 1);
	longest[type == CAMVAULT_A_VAULT_CIPHER ? CAMVAULT_CIPHER_MAXLEN : CAMVAULT_NAME_MAXLEN] = '\0';
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int t = order[i];
		enum cv_how h = t == type ? how : CV_GOOD;

		switch (h) {
		case CV_SKIP:
			break;
		case CV_AS_U16:
			r |= nla_put_u16(msg, t, 1);
			break;
		case CV_AS_U32:
			r |= nla_put_u32(msg, t, 1);
			break;
		case CV_AS_U64:
			r |= nla_put_u64(msg, t, 1);
			break;
		case CV_NO_NUL:
			r |= nla_put(msg, t, 4, "cam0");
			break;
		case CV_EMPTY:
			r |= nla_put_string(msg, t, "");
			break;
		case CV_TOO_LONG:
			r |= nla_put_string(msg, t, longest);
			break;
		case CV_CONTROL:
			r |= nla_put_string(msg, t, "cam\033[2J");
			break;
		case CV_EMBEDDED_NUL:
			r |= nla_put(msg, t, 6, "ab\0cd");
			break;
		case CV_VALUE_2:
			r |= nla_put_u8(msg, t, 2);
			break;
		case CV_GOOD:
			switch (t) {
			case CAMVAULT_A_VAULT_NAME:
				r |= nla_put_string(msg, t, cam0.name);
				break;
			case CAMVAULT_A_VAULT_CIPHER:
				r |= nla_put_string(msg, t, cam0.cipher);
				break;
			case CAMVAULT_A_VAULT_DEV_MAJOR:
			case CAMVAULT_A_VAULT_DEV_MINOR:
				r |= nla_put_u32(msg, t, 9);
				break;
			case CAMVAULT_A_VAULT_LOCKED:
				r |= nla_put_u8(msg, t, 1);
				break;
			default:
				r |= nla_put_u64(msg, t, 9);
				break;
			}
			break;
		}
	}
	assert_int_equal(r, 0);
	return msg;
}

/* vault_msg() with nothing changed parses: the tests below change exactly one thing. */
static void test_vault_builder(void **state)
{
	struct nl_msg *msg = vault_msg(CAMVAULT_A_VAULT_NAME, CV_GOOD);
	struct cv_kernel_vault v;

	(void)state;
	assert_int_equal(parse_vault(msg, &v), 0);
	assert_true(v.locked);
	assert_true(v.io_errors == 9);
	nlmsg_free(msg);
}

static const struct {
	int type, missing, bad;
} vault_attrs[] = {
	{ CAMVAULT_A_VAULT_NAME, CV_PARSE_NO_VAULT_NAME, CV_PARSE_BAD_VAULT_NAME },
	{ CAMVAULT_A_VAULT_DEV_MAJOR, CV_PARSE_NO_DEV_MAJOR, CV_PARSE_BAD_DEV_MAJOR },
	{ CAMVAULT_A_VAULT_DEV_MINOR, CV_PARSE_NO_DEV_MINOR, CV_PARSE_BAD_DEV_MINOR },
	{ CAMVAULT_A_VAULT_CIPHER, CV_PARSE_NO_CIPHER, CV_PARSE_BAD_CIPHER },
	{ CAMVAULT_A_VAULT_LOCKED, CV_PARSE_NO_LOCKED, CV_PARSE_BAD_LOCKED },
	{ CAMVAULT_A_VAULT_BYTES_READ, CV_PARSE_NO_BYTES_READ, CV_PARSE_BAD_BYTES_READ },
	{ CAMVAULT_A_VAULT_BYTES_WRITTEN, CV_PARSE_NO_BYTES_WRITTEN, CV_PARSE_BAD_BYTES_WRITTEN },
	{ CAMVAULT_A_VAULT_IO_ERRORS, CV_PARSE_NO_IO_ERRORS, CV_PARSE_BAD_IO_ERRORS },
};

#define NVAULT_ATTRS (sizeof(vault_attrs) / sizeof(vault_attrs[0]))

static void test_vault_missing_each(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NVAULT_ATTRS; i++)
		assert_vault_rejected(vault_msg(vault_attrs[i].type, CV_SKIP), vault_attrs[i].missing);
}

static void test_vault_no_attributes(void **state)
{
	(void)state;
	assert_vault_rejected(cv_test_genl_msg(CAMVAULT_CMD_GET_VAULTS), CV_PARSE_NO_VAULT_NAME);
}

/* Integers of the wrong width: u32s as u16 and u64, the u8 as u32, u64s as u32. */
static void test_vault_integer_widths(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NVAULT_ATTRS; i++) {
		int t = vault_attrs[i].type, bad = vault_attrs[i].bad;

		if (t == CAMVAULT_A_VAULT_NAME || t == CAMVAULT_A_VAULT_CIPHER)
			continue;
		if (t == CAMVAULT_A_VAULT_DEV_MAJOR || t == CAMVAULT_A_VAULT_DEV_MINOR) {
			assert_vault_rejected(vault_msg(t, CV_AS_U16), bad);
			assert_vault_rejected(vault_msg(t, CV_AS_U64), bad);
		} else if (t == CAMVAULT_A_VAULT_LOCKED) {
			assert_vault_rejected(vault_msg(t, CV_AS_U32), bad);
			assert_vault_rejected(vault_msg(t, CV_AS_U16), bad);
		} else {
			assert_vault_rejected(vault_msg(t, CV_AS_U32), bad);
		}
	}
}

static void test_vault_locked_not_bool(void **state)
{
	(void)state;
	assert_vault_rejected(vault_msg(CAMVAULT_A_VAULT_LOCKED, CV_VALUE_2), CV_PARSE_BAD_LOCKED);
}

/* The name and the cipher are printed and put in JSON: each malformed string is refused. */
static void test_vault_bad_strings(void **state)
{
	static const enum cv_how hows[] = { CV_NO_NUL, CV_EMPTY, CV_TOO_LONG, CV_CONTROL, CV_EMBEDDED_NUL,
					     CV_AS_U32 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hows) / sizeof(hows[0]); i++) {
		assert_vault_rejected(vault_msg(CAMVAULT_A_VAULT_NAME, hows[i]), CV_PARSE_BAD_VAULT_NAME);
		assert_vault_rejected(vault_msg(CAMVAULT_A_VAULT_CIPHER, hows[i]), CV_PARSE_BAD_CIPHER);
	}
}

/* A newer module may add attributes; the status attributes in a vault message are ignored too. */
static void test_vault_unknown_attrs(void **state)
{
	struct nl_msg *msg = cv_test_vault_msg(&cam0);
	struct cv_kernel_vault v;

	(void)state;
	assert_non_null(msg);
	assert_int_equal(nla_put_u64(msg, CAMVAULT_A_MAX + 3, 1), 0);
	assert_int_equal(nla_put_u16(msg, CAMVAULT_A_NUM_VAULTS, 1), 0);
	assert_int_equal(parse_vault(msg, &v), 0);
	assert_string_equal(v.name, "cam0");
	nlmsg_free(msg);
}

static void test_vault_wrong_command(void **state)
{
	struct nl_msg *msg = cv_test_vault_msg(&cam0);

	(void)state;
	assert_non_null(msg);
	((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(msg)))->cmd = CAMVAULT_CMD_GET_STATUS;
	assert_vault_rejected(msg, CV_PARSE_WRONG_CMD);
	/* And the other way round: a vault is no status reply. */
	msg = cv_test_vault_msg(&cam0);
	assert_non_null(msg);
	assert_int_equal(cv_parse_status(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len, &(struct cv_status){ 0 }),
			 -CV_PARSE_WRONG_CMD);
	nlmsg_free(msg);
}

static void test_vault_control_messages(void **state)
{
	struct nl_msg *msg = cv_test_vault_msg(&cam0);

	(void)state;
	assert_non_null(msg);
	nlmsg_hdr(msg)->nlmsg_type = NLMSG_DONE;
	assert_vault_rejected(msg, CV_PARSE_NOT_GENL);
}

static void test_vault_truncated(void **state)
{
	struct nl_msg *msg = cv_test_vault_msg(&cam0);
	struct cv_kernel_vault v;
	struct nlmsghdr *nlh;
	size_t len;

	(void)state;
	assert_non_null(msg);
	nlh = nlmsg_hdr(msg);
	for (len = 0; len < nlh->nlmsg_len; len++)
		assert_int_equal(cv_parse_vault(nlh, len, &v), -CV_PARSE_TRUNCATED);
	assert_int_equal(cv_parse_vault(nlh, len, &v), 0);
	nlmsg_free(msg);

	/* nlmsg_len itself cuts the last attribute (io_errors, 12 bytes) in two... */
	msg = cv_test_vault_msg(&cam0);
	assert_non_null(msg);
	nlmsg_hdr(msg)->nlmsg_len -= 4;
	assert_vault_rejected(msg, CV_PARSE_TRAILING);
	/* ...or leaves it out whole. */
	msg = cv_test_vault_msg(&cam0);
	assert_non_null(msg);
	nlmsg_hdr(msg)->nlmsg_len -= 12;
	assert_vault_rejected(msg, CV_PARSE_NO_IO_ERRORS);
	/* Too short for the generic netlink header. */
	msg = cv_test_vault_msg(&cam0);
	assert_non_null(msg);
	nlmsg_hdr(msg)->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN - 1;
	assert_vault_rejected(msg, CV_PARSE_TRUNCATED);
}

/* An attribute whose nla_len claims more than the message holds. */
static void test_vault_attr_overruns(void **state)
{
	struct nl_msg *msg = cv_test_vault_msg(&cam0);
	struct nlattr *last;

	(void)state;
	assert_non_null(msg);
	last = (struct nlattr *)((char *)nlmsg_hdr(msg) + nlmsg_hdr(msg)->nlmsg_len - 12);
	assert_int_equal(last->nla_type, CAMVAULT_A_VAULT_IO_ERRORS);
	last->nla_len = 200;
	assert_vault_rejected(msg, CV_PARSE_TRAILING);
}

/* A #define CAMVAULT_<name> <number> of the uapi header's text, or -1. */
static long uapi_define(const char *text, const char *name)
{
	char want[96];
	const char *p;

	snprintf(want, sizeof(want), "#define %s ", name);
	p = strstr(text, want);
	return p ? strtol(p + strlen(want), NULL, 0) : -1;
}

/*
 * The policies the tool checks replies and events with give every attribute of include/uapi/camvault.h the
 * payload the comment after it there states ("string, CAMVAULT_<X>_MAXLEN", "u8", "u32", "u64"; "pad": none),
 * read from the header's text at run time: an attribute added there without its policy here fails.
 */
static void test_policy_is_uapi(void **state)
{
	FILE *f = fopen(CV_SRCDIR "/include/uapi/camvault.h", "r");
	char text[32768], *line, *save = NULL, *body;
	unsigned int minlen, maxlen;
	int attr = 0, type;
	size_t n;

	(void)state;
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	assert_true(n > 0 && n < sizeof(text) - 1);
	text[n] = '\0';
	body = strstr(text, "\nenum camvault_attr {\n");
	assert_non_null(body);
	body = strdup(body + strlen("\nenum camvault_attr {\n"));
	assert_non_null(body);
	*strstr(body, "\n};") = '\0';
	for (line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save), attr++) {
		char name[64] = "", payload[16] = "", limit[64] = "";
		const char *c = strstr(line, "/* ");

		assert_int_equal(sscanf(line, " %63[A-Z0-9_]", name), 1);
		assert_null(strchr(line, '='));	/* numbered by position, as here */
		if (!strcmp(name, "__CAMVAULT_A_MAX"))
			break;
		if (!c) {
			assert_string_equal(name, "CAMVAULT_A_UNSPEC");
			continue;
		}
		assert_true(sscanf(c + 3, "%15[a-z0-9], %63[A-Z_]", payload, limit) >= 1);
		type = cv_ipc_policy(attr, &minlen, &maxlen);
		if (!strcmp(payload, "pad")) {
			assert_int_equal(type, NLA_UNSPEC);
		} else if (!strcmp(payload, "string")) {
			if (type != NLA_STRING || (long)maxlen != uapi_define(text, limit))
				fail_msg("%s: a string of at most %s (%ld) bytes in the header; type %d, maxlen %u here",
					 name, limit, uapi_define(text, limit), type, maxlen);
		} else {
			int bits = atoi(payload + 1);
			int want = bits == 8 ? NLA_U8 : bits == 32 ? NLA_U32 : bits == 64 ? NLA_U64 : -2;

			if (payload[0] != 'u' || type != want || minlen != (unsigned int)bits / 8 ||
			    maxlen != (unsigned int)bits / 8)
				fail_msg("%s: %s in the header; type %d, lengths %u-%u here", name, payload, type, minlen,
					 maxlen);
		}
	}
	/* As many attributes, in the same order, as the compiler counts. */
	assert_int_equal(attr, CAMVAULT_A_MAX + 1);
	free(body);
}

static void test_vault_strerror(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NVAULT_ATTRS; i++) {
		assert_null(strstr(cv_parse_strerror(vault_attrs[i].missing), "unknown"));
		assert_non_null(strstr(cv_parse_strerror(vault_attrs[i].missing), "CAMVAULT_A_VAULT_"));
		assert_non_null(strstr(cv_parse_strerror(vault_attrs[i].bad), "CAMVAULT_A_VAULT_"));
	}
	assert_non_null(strstr(cv_parse_strerror(CV_PARSE_BAD_LOCKED), "0 or 1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_reply),
		cmocka_unit_test(test_largest_count),
		cmocka_unit_test(test_unknown_attr_and_order),
		cmocka_unit_test(test_longest_version),
		cmocka_unit_test(test_version_too_long),
		cmocka_unit_test(test_missing_version),
		cmocka_unit_test(test_missing_num_vaults),
		cmocka_unit_test(test_no_attributes),
		cmocka_unit_test(test_num_vaults_u16),
		cmocka_unit_test(test_num_vaults_u64),
		cmocka_unit_test(test_version_not_terminated),
		cmocka_unit_test(test_version_as_u32),
		cmocka_unit_test(test_version_empty),
		cmocka_unit_test(test_version_not_printable),
		cmocka_unit_test(test_wrong_command),
		cmocka_unit_test(test_netlink_error_message),
		cmocka_unit_test(test_truncated_receive),
		cmocka_unit_test(test_truncated_headers),
		cmocka_unit_test(test_truncated_attribute),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_vault_good),
		cmocka_unit_test(test_vault_locked_adiantum),
		cmocka_unit_test(test_vault_longest_strings),
		cmocka_unit_test(test_vault_builder),
		cmocka_unit_test(test_vault_missing_each),
		cmocka_unit_test(test_vault_no_attributes),
		cmocka_unit_test(test_vault_integer_widths),
		cmocka_unit_test(test_vault_locked_not_bool),
		cmocka_unit_test(test_vault_bad_strings),
		cmocka_unit_test(test_vault_unknown_attrs),
		cmocka_unit_test(test_vault_wrong_command),
		cmocka_unit_test(test_vault_control_messages),
		cmocka_unit_test(test_vault_truncated),
		cmocka_unit_test(test_vault_attr_overruns),
		cmocka_unit_test(test_vault_strerror),
		cmocka_unit_test(test_policy_is_uapi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
