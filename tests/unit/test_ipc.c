// SPDX-License-Identifier: GPL-2.0
/*
 * cv_parse_status(): the parsing of camvault.ko's CAMVAULT_CMD_GET_STATUS reply, on messages built in memory.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "ipc.h"
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
